"""The synthetic demo data set: reproducible, in the input formats, with the planted patterns.

The CSVs are read with pandas directly (not through the loaders) so these tests pin the
file formats of DESIGN section 2 themselves; only the long-term stability tests go through
the loaders and the placements module, since that cohort is defined by them. The SSDA903
comes as yearly returns (issue 10): the tests of the episode history read the loaders'
consolidated history, written back as the text of a 903 file (:func:`history`).
"""

import filecmp

import pandas as pd
import pytest

from qa_analysis import load_data, year_quarters
from qa_analysis.config import DEMO_DATA_DIR
from qa_analysis.demo import FILES, OTHER_FILES, SSDA903_FILES, write_demo_data
from qa_analysis.metrics import placements

FOSTER = {"U1", "U2", "U3", "U4", "U5", "U6"}
TEMPORARY = {"T0", "T1", "T2", "T3", "T4"}
PATTERNS = {
    "CHILD": r"C\d{6}", "UPN": r"[A-Z]999\d{9}", "family_id": r"F\d{5}", "visit_id": r"V\d{7}",
    "audit_id": r"A\d{4}", "recommendation_id": r"R\d{4}", "worker_id": r"W\d{3}",
    "auditor": r"AUD\d{2}", "postcode": r"Z[ZY]\d",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A fresh default-seed generation, compared with and read instead of data/demo."""
    out = tmp_path_factory.mktemp("demo")
    rows = write_demo_data(out)
    return out, rows


def read(folder, name):
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


def history(folder, table="episodes"):
    """The consolidated 903 table as a 903 CSV would hold it (dates dd/mm/YYYY, blank = "")."""
    frame = getattr(load_data(folder), table)
    return pd.DataFrame({
        c: (frame[c].dt.strftime("%d/%m/%Y") if frame[c].dtype.kind == "M" else frame[c]).fillna("").astype(str)
        for c in frame.columns
    })


def dmy(values):
    return pd.to_datetime(values.replace("", None), format="%d/%m/%Y")


def test_default_seed_reproduces_the_committed_demo_byte_for_byte(demo):
    out, _ = demo
    names = [*FILES, "README.md"]
    _, mismatch, errors = filecmp.cmpfiles(DEMO_DATA_DIR, out, names, shallow=False)
    assert (mismatch, errors) == ([], [])


def test_another_seed_gives_different_files(demo, tmp_path):
    out, _ = demo
    write_demo_data(tmp_path, seed=7)
    differs = [name for name in FILES if (out / name).read_bytes() != (tmp_path / name).read_bytes()]
    # audits.csv is the 2020-21 programme as written for the demo (issue 15), not drawn: its
    # text is the same for every seed (only audit numbers could move).
    assert differs == [name for name in FILES if name != "audits.csv"]


def test_row_counts_returned_match_the_files_and_the_small_scale(demo):
    out, rows = demo
    assert list(rows) == list(FILES)
    assert rows == {name: len(read(out, name)) for name in FILES}
    assert 60 <= len(history(out, "header")) <= 120
    # hundreds of contacts a year over three financial years
    assert 600 <= rows["annex_a_list_1.csv"] <= 3000


def test_files_use_lf_line_endings_and_the_contract_headers(demo):
    out, _ = demo
    assert b"\r" not in b"".join((out / name).read_bytes() for name in FILES)
    for name in SSDA903_FILES:
        assert list(read(out, name)) == ([
            "CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"] if "header" in name else [
            "CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
            "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"]), name
    common = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)"]
    assert list(read(out, "annex_a_list_1.csv")) == [*common, "Date of Contact", "Contact Source"]
    assert list(read(out, "annex_a_list_3.csv")) == [
        *common, "Date of referral", "Referral Source", "Referral NFA?",
        "Number of Referrals in Last 12 Months", "Allocated Team", "Allocated Worker"]
    assert list(read(out, "annex_a_list_4.csv")) == [
        *common, "Does the Child have a Disability", "Continuous Assessment Start Date",
        "Child Seen During Continuous Assessment", "Continuous Assessment Date of Authorisation",
        "Was the child assessed as requiring LA children's social care support?",
        "Allocated Team", "Allocated Worker"]
    assert list(read(out, "visits.csv")) == [
        "visit_id", "child_id", "cohort", "visit_date", "modality", "method", "child_seen",
        "seen_alone", "worker_id"]
    assert list(read(out, "case_audits.csv")) == [
        "audit_id", "audit_date", "audit_type", "theme", "child_id", "family_id", "auditor",
        "domain", "grade"]
    assert list(read(out, "recommendations.csv")) == [
        "recommendation_id", "audit_id", "raised_date", "theme", "owner", "due_date", "status",
        "completed_date", "route", "shared_with"]
    assert list(read(out, "audits.csv")) == [
        "audit_id", "audit_type", "theme", "started", "completed", "auditor", "method", "selection",
        "practice_from", "practice_to", "prompted_by", "findings", "areas_for_development"]


def test_identifiers_match_their_patterns_and_are_unique(demo):
    out, _ = demo
    header = history(out, "header")
    episodes = history(out)
    visits = read(out, "visits.csv")
    audits = read(out, "case_audits.csv")
    recs = read(out, "recommendations.csv")
    families = read(out, "families.csv")
    contacts = read(out, "annex_a_list_1.csv")
    checks = [
        (header.CHILD, "CHILD"), (header.UPN, "UPN"), (contacts["Child Unique ID"], "CHILD"),
        (families.child_id, "CHILD"), (families.family_id, "family_id"),
        (visits.visit_id, "visit_id"), (visits.child_id, "CHILD"), (visits.worker_id, "worker_id"),
        (audits.audit_id, "audit_id"), (audits.auditor, "auditor"), (audits.child_id, "CHILD"),
        (audits.family_id, "family_id"), (recs.recommendation_id, "recommendation_id"),
        (episodes.HOME_POST, "postcode"), (episodes.PL_POST.loc[lambda s: s != ""], "postcode"),
    ]
    bad = [name for values, name in checks if not values.str.fullmatch(PATTERNS[name]).all()]
    assert bad == []
    assert header.CHILD.is_unique and header.UPN.is_unique and visits.visit_id.is_unique
    assert families.child_id.is_unique and recs.recommendation_id.is_unique


def test_episodes_are_contiguous_chains_with_x1_exactly_when_the_next_starts_that_day(demo):
    out, _ = demo
    ep = history(out).assign(start=lambda d: dmy(d.DECOM), end=lambda d: dmy(d.DEC))
    same_child_next = ep.CHILD.eq(ep.CHILD.shift(-1))
    next_same_day = same_child_next & ep.end.eq(ep.start.shift(-1))
    assert ep.REC.eq("X1").equals(next_same_day)
    assert not (same_child_next & (ep.end > ep.start.shift(-1))).any()  # no overlaps
    assert (ep.end.isna() | (ep.end > ep.start)).all()
    assert ep.start.min() <= pd.Timestamp("2015-01-01") and ep.end.isna().sum() >= 5


def test_reason_for_placement_change_is_given_exactly_where_dfe_rule_225_needs_it(demo):
    out, _ = demo
    ep = history(out)
    nxt = ep.shift(-1)
    temporary = ep.PLACE.isin(TEMPORARY) | nxt.PLACE.isin(TEMPORARY)
    needed = ep.REC.eq("X1") & nxt.RNE.isin(["P", "B", "T", "U"]) & ~temporary
    assert ep.REASON_PLACE_CHANGE.ne("").equals(needed)


def test_placements_fit_the_childs_age_and_the_urn_rule(demo):
    out, _ = demo
    header = history(out, "header")
    ep = history(out).merge(header[["CHILD", "DOB"]], on="CHILD")
    age = (dmy(ep.DECOM) - dmy(ep.DOB)).dt.days / 365.25
    assert (age[ep.PLACE.isin(["H5", "P2", "K3"])] >= 16).all()
    assert age.between(0, 18, inclusive="left").all()
    no_urn = ep.PLACE.isin(["P1", "R1", *TEMPORARY])
    assert ep.URN[no_urn].eq("").all() and ep.URN[~no_urn].ne("").all()


def test_codes_show_every_kind_of_episode(demo):
    out, _ = demo
    ep = history(out)
    assert set("SPBLTU") <= set(ep.RNE)
    assert {"V3", "C2", "E1"} <= set(ep.LS) and {"A5", "A6", "T3"} <= set(ep.PLACE)
    s_starts = ep[ep.RNE.eq("S") & ~ep.LS.isin(["V3", "V4"])].groupby("CHILD").size()
    assert (s_starts >= 2).sum() >= 3  # re-entries into care
    assert 1 <= ep[ep.LS.isin(["V3", "V4"])].CHILD.nunique() <= 10  # a few short-break children


def test_temporary_episodes_return_to_the_same_placement(demo):
    out, _ = demo
    ep = history(out)
    before, after = ep.shift(1), ep.shift(-1)
    temp = ep.PLACE.isin(TEMPORARY) & ep.CHILD.eq(after.CHILD)
    returned = before.PLACE.eq(after.PLACE) & before.URN.eq(after.URN)
    assert temp.sum() >= 5 and returned[temp].all()


def test_moves_from_foster_care_to_semi_independent_living_cluster_in_2020_21(demo):
    out, _ = demo
    ep = history(out)
    move = ep.PLACE.isin(["H5", "P2"]) & ep.PLACE.shift(1).isin(FOSTER) & ep.CHILD.eq(ep.CHILD.shift(1))
    when = dmy(ep.DECOM[move])
    in_2020_21 = when.between(pd.Timestamp("2020-04-01"), pd.Timestamp("2021-03-31")).sum()
    other_years = (when.dt.to_period("Y-MAR").value_counts().drop(pd.Period("2021", "Y-MAR"), errors="ignore"))
    assert in_2020_21 >= 6 and in_2020_21 > 2 * other_years.max()


@pytest.fixture(scope="module")
def loaded(demo):
    out, _ = demo
    return load_data(out)


def test_the_long_term_stability_cohort_has_at_least_eight_children_each_quarter_of_2020_21(loaded):
    # Under 16 and in care 2.5+ years at the quarter end (DESIGN section 4, ex NI 063).
    cohort = [
        placements.placement_bases(loaded.episodes, loaded.header, quarter)["placements.pct_long_term_stable"]
        for quarter in year_quarters("2020-21")
    ]
    assert min(cohort) >= 8, cohort


def test_the_long_term_cohort_mixes_stable_children_with_recently_moved_ones(loaded):
    shares = [
        placements.pct_long_term_stable(loaded.episodes, loaded.header, quarter)
        for quarter in year_quarters("2020-21")
    ]
    assert all(0 < share < 100 for share in shares), shares


def test_a_child_fostered_in_u4_is_placed_for_adoption_a6_with_rne_p_in_2020_21(demo):
    # The adoption clause of pct_long_term_stable: the A6 placement plus the U4 one before it.
    out, _ = demo
    ep = history(out)
    before = ep.shift(1)
    adoptive = (
        ep.PLACE.eq("A6") & ep.RNE.eq("P") & before.PLACE.eq("U4") & before.CHILD.eq(ep.CHILD)
        & dmy(ep.DECOM).between(pd.Timestamp("2020-04-01"), pd.Timestamp("2021-03-31"))
    )
    assert adoptive.sum() >= 1


def test_a_family_of_fourteen_is_contacted_on_one_day_and_sibling_groups_together(demo):
    out, _ = demo
    contacts = read(out, "annex_a_list_1.csv").merge(
        read(out, "families.csv"), left_on="Child Unique ID", right_on="child_id", how="left")
    assert contacts.family_id.ne("").all() and contacts.family_id.notna().all()
    per_day = contacts.groupby(["Date of Contact", "family_id"])["Child Unique ID"].nunique()
    # one family, contacted together twice: in the stocktake's window and in November 2020
    fourteen = per_day[per_day == 14]
    assert per_day.max() == 14 and fourteen.index.get_level_values("family_id").nunique() == 1
    assert sorted(fourteen.index.get_level_values("Date of Contact")) == ["12/11/2020", "16/07/2020"]
    assert per_day.between(2, 4).sum() >= 10


def test_the_stocktake_holds_the_family_of_fourteen_among_its_25_contacts_and_referrals(demo):
    # issue 15: "25 contacts and referrals, 5 assessments, many about several members of one
    # family, one about 14"; the stocktake is 2020-21's audit of type stocktake (audits.csv)
    out, _ = demo
    audits = read(out, "audits.csv")
    [stocktake] = audits.loc[audits.audit_type == "stocktake", "audit_id"]
    cases = read(out, "case_audits.csv").query("audit_id == @stocktake and domain == 'overall'")
    assert len(cases) == 30
    per_family = cases.groupby("family_id")["child_id"].nunique()
    assert per_family.max() == 14 and (per_family >= 2).sum() >= 3


def test_annex_a_values_use_the_lettered_style(demo):
    out, _ = demo
    referrals = read(out, "annex_a_list_3.csv")
    assert set(referrals.Gender) <= {"a) Male", "b) Female"}
    assert referrals.Ethnicity.str.fullmatch(r"[a-t]\) [A-Z]{4}").all()
    assert referrals["Referral Source"].str.fullmatch(r"[a-u]\) (1[A-D]|2[AB]|3[A-F]|4|5[A-C]|6|7|8|9|10): .+").all()
    assert set(referrals["Referral NFA?"]) == {"a) Yes", "b) No"}
    assert dmy(referrals["Date of referral"]).between(pd.Timestamp("2019-04-01"), pd.Timestamp("2022-03-31")).all()


def test_some_referrals_are_re_referrals_and_some_assessments_take_over_45_working_days(demo):
    from qa_analysis.periods import working_days

    out, _ = demo
    referrals = read(out, "annex_a_list_3.csv")
    assert (referrals["Number of Referrals in Last 12 Months"].astype(int) > 0).mean() > 0.1
    assessments = read(out, "annex_a_list_4.csv")
    days = working_days(dmy(assessments["Continuous Assessment Start Date"]),
                        dmy(assessments["Continuous Assessment Date of Authorisation"])).dropna()
    assert 0.05 < (days > 45).mean() < 0.3


def test_visits_turn_virtual_in_the_first_lockdown(demo):
    out, _ = demo
    visits = read(out, "visits.csv").assign(date=lambda d: pd.to_datetime(d.visit_date))

    def virtual_share(first, last):
        quarter = visits[visits.date.between(pd.Timestamp(first), pd.Timestamp(last))]
        return quarter.modality.eq("virtual").mean()

    assert virtual_share("2020-04-01", "2020-06-30") > 0.6  # 2020-21 Q1
    assert virtual_share("2019-10-01", "2019-12-31") < 0.1  # 2019-20 Q3
    assert virtual_share("2021-10-01", "2021-12-31") < 0.25  # drifting back
    methods = {"face_to_face": {"home", "office", "school", "other"},
               "virtual": {"zoom", "whatsapp", "teams", "facetime", "phone", "other_video"}}
    assert all(set(g.method) <= methods[m] for m, g in visits.groupby("modality"))


def test_visit_gaps_are_mostly_within_the_cohort_interval_but_some_are_late(demo):
    out, _ = demo
    visits = read(out, "visits.csv").query("cohort == 'CLA'").assign(date=lambda d: pd.to_datetime(d.visit_date))
    gaps = visits.groupby("child_id").date.diff().dt.days.dropna()
    assert 0.8 < (gaps <= 42).mean() < 0.98


def test_audits_include_the_placement_stability_thematic_and_ungraded_thematic_rows(demo):
    out, _ = demo
    audits = read(out, "case_audits.csv")
    # the 2019-20 thematic audit (2020-21 has one of its own, in the programme test below)
    stability = audits[audits.theme.eq("placement stability") & audits.audit_date.lt("2020-04-01")]
    assert (stability.child_id.nunique(), stability.family_id.nunique()) == (12, 9)
    assert set(audits.audit_type) == {"full_case_file", "thematic", "stocktake"}
    assert audits.grade.eq("").any() and audits.grade.eq("Requires improvement to be good").any()
    assert audits.theme.str.contains("visits").any() and audits.theme.str.contains("semi-independent").any()
    drawn = audits[~audits.audit_date.between("2020-04-01", "2021-03-31")]  # 2020-21: the programme
    per_quarter = pd.to_datetime(drawn.audit_date).dt.to_period("Q-MAR").groupby(drawn.audit_id).first()
    assert per_quarter.value_counts().between(3, 12).all()


def test_the_2020_21_programme_holds_the_four_audits_of_the_committee_paper(demo):
    # issue 15: May 2020 thematic visits audit of 24 cases; July 2020 full case file audits
    # of 12 cases in nine families; August 2020 stocktake of 30 cases (25 contacts and
    # referrals, 5 assessments); November 2020 thematic audit of placement stability.
    out, _ = demo
    programme = read(out, "audits.csv").set_index("audit_id")
    cases = read(out, "case_audits.csv").merge(read(out, "families.csv"), on="child_id", suffixes=("", "_fam"))
    counts = cases.groupby("audit_id").agg(cases=("child_id", "nunique"), families=("family_id_fam", "nunique"))
    got = programme.join(counts)[["audit_type", "completed", "auditor", "cases"]].sort_values("completed")
    assert got.to_dict("list") == {
        "audit_type": ["thematic", "full_case_file", "stocktake", "thematic"],
        "completed": ["2020-05-29", "2020-07-31", "2020-08-28", "2020-11-27"],
        "auditor": ["QA service manager", "independent auditors", "independent auditor", "QA practice lead"],
        "cases": [24, 12, 30, 10],
    }
    full = programme.index[programme.audit_type.eq("full_case_file")][0]
    assert counts.loc[full, "families"] == 9
    assert programme.loc[full, "selection"] == "cross-section of open cases; identified by managers"
    assert (programme.loc[full, "practice_from"], programme.loc[full, "practice_to"]) == ("2020-01-01", "2020-07-31")


def test_some_recommendations_are_overdue_at_a_quarter_end_and_some_go_to_the_sdp(demo):
    out, _ = demo
    recs = read(out, "recommendations.csv")
    raised, due = pd.to_datetime(recs.raised_date), pd.to_datetime(recs.due_date)
    completed = pd.to_datetime(recs.completed_date.replace("", None))
    quarter_end = pd.Timestamp("2020-12-31")
    overdue = (raised <= quarter_end) & ~(completed <= quarter_end) & (due < quarter_end)
    assert overdue.sum() >= 1
    assert (completed > due).any()  # completed late
    assert recs.route.eq("service_development_plan").any()
    assert recs.status.eq("completed").equals(completed.notna())


def test_children_scales_every_volume(tmp_path):
    small = write_demo_data(tmp_path / "small", children=50)
    large = write_demo_data(tmp_path / "large", children=400)

    def drawn(name, size):
        # the 2020-21 programme (audits.csv, issue 15) is four audits at every size: count
        # the audit rows and recommendations drawn beside it
        programme = set(read(tmp_path / size, "audits.csv").audit_id)
        return int((~read(tmp_path / size, name).audit_id.isin(programme)).sum())

    ratios = {name: large[name] / small[name] for name in OTHER_FILES if name != "audits.csv"}
    for name in ("case_audits.csv", "recommendations.csv"):
        ratios[name] = drawn(name, "large") / drawn(name, "small")
    # yearly 903 returns hold the children of their year: compared in total (issue 10)
    ratios["ssda903"] = sum(large[n] for n in SSDA903_FILES) / sum(small[n] for n in SSDA903_FILES)
    assert len(history(tmp_path / "large", "header")) / len(history(tmp_path / "small", "header")) == 8
    assert all(4 < ratio < 14 for ratio in ratios.values()), ratios


def test_too_few_children_is_refused(tmp_path):
    with pytest.raises(ValueError, match="at least"):
        write_demo_data(tmp_path, children=10)


# --- the regional stack (issue 10: "demo-data ... can write the stacked regional layout") ---


@pytest.fixture(scope="module")
def stacked(tmp_path_factory):
    """``qa-analysis demo-data --layout stacked`` into a fresh folder."""
    from qa_analysis.cli import main

    out = tmp_path_factory.mktemp("stacked")
    assert main(["demo-data", "--layout", "stacked", "--out", str(out)]) == 0
    return out


def test_the_stacked_layout_is_one_header_and_one_episodes_file_with_year_and_la(stacked):
    names = sorted(p.name for p in stacked.glob("ssda903_*.csv"))
    episodes = read(stacked, "ssda903_episodes.csv")
    header = read(stacked, "ssda903_header.csv")
    assert names == ["ssda903_episodes.csv", "ssda903_header.csv"]
    assert list(episodes.columns[-2:]) == ["LA", "YEAR"] and list(header.columns[-2:]) == ["LA", "YEAR"]
    assert sorted(episodes["LA"].unique()) == ["Demoshire", "Otherton", "Westbury"]
    # the demo's ten returns, 2012-13 to 2021-22, named by their 31 March
    assert sorted(episodes.loc[episodes.LA == "Demoshire", "YEAR"].unique()) == [str(y) for y in range(2013, 2023)]


def test_the_demo_authority_rows_of_the_stack_are_its_yearly_returns(stacked, demo):
    out, _ = demo
    stack = read(stacked, "ssda903_episodes.csv")
    own = stack[stack.LA == "Demoshire"]
    for name in SSDA903_FILES:
        if not name.endswith("_episodes.csv"):
            continue
        year = str(int(name.split("_")[1][:4]) + 1)  # ssda903_2020-21_episodes.csv: the return of 2021
        expected = read(out, name)
        got = own[own.YEAR == year].drop(columns=["LA", "YEAR"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(got, expected)


def test_the_other_files_of_the_stacked_layout_are_the_standard_ones(stacked, demo):
    out, _ = demo
    assert all(filecmp.cmp(stacked / name, out / name, shallow=False) for name in OTHER_FILES)


def test_metrics_with_la_on_the_stack_gives_the_figures_of_the_yearly_returns(stacked, capsys):
    from qa_analysis.cli import main

    for quarter in ("2019-20 Q1", "2020-21 Q3", "2021-22 Q4"):
        assert main(["metrics", "--data", str(DEMO_DATA_DIR), "--quarter", quarter]) == 0
        yearly = capsys.readouterr().out
        assert main(["metrics", "--data", str(stacked), "--la", "Demoshire", "--quarter", quarter]) == 0
        assert capsys.readouterr().out == yearly


def test_every_demo_quarter_of_the_stack_read_with_la_equals_the_yearly_returns(stacked):
    from qa_analysis.metrics import quarter_metrics
    from qa_analysis.periods import quarter_range

    yearly, stack = load_data(DEMO_DATA_DIR), load_data(stacked, la="Demoshire")
    for quarter in quarter_range("2019-20 Q1", "2021-22 Q4"):
        assert quarter_metrics(stack, quarter).as_json() == quarter_metrics(yearly, quarter).as_json(), quarter.label


def test_list_3_counts_referrals_from_before_the_extract_as_a_case_system_would(demo):
    # List 3's "Number of Referrals in Last 12 Months" is the case system's count: never fewer
    # than the child's earlier referrals in the extract within 12 months, and in the
    # extract's first quarter (no earlier referral in the data at all) not 0 for everyone,
    # since about a fifth of children were referred in the year before it began.
    out, _ = demo
    list_3 = read(out, "annex_a_list_3.csv").assign(
        day=lambda d: dmy(d["Date of referral"]),
        count=lambda d: d["Number of Referrals in Last 12 Months"].astype(int),
    )
    earlier = list_3.reset_index(names="row").merge(
        list_3[["Child Unique ID", "day"]], on="Child Unique ID", suffixes=("", "_before"))
    in_extract = (
        earlier.loc[lambda d: (d["day_before"] < d["day"]) & (d["day_before"] >= d["day"] - pd.DateOffset(years=1))]
        .groupby("row").size().rename("in_extract")
    )
    counted = list_3.join(in_extract).fillna({"in_extract": 0})
    first_quarter = counted.loc[lambda d: d["day"] < pd.Timestamp("2019-07-01")]

    assert (counted["count"] >= counted["in_extract"]).all()
    assert (first_quarter["in_extract"] == 0).all() and (first_quarter["count"] >= 1).any()

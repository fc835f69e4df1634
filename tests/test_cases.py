"""The cases behind a figure (issue 17 item 2): qa_analysis.cases and ``qa-analysis cases``.

Each data set is a few hand-written rows in the real file formats, read by the real loader
(so the frames have the loader's dtypes). The quarter is 2020-21 Q3, 01/10/2020 to
31/12/2020, unless a test says otherwise. Expected values are worked out on paper in the
comments, from DESIGN section 4; each test also checks that the list agrees with the figure
(`quarter_metrics`): a count's rows are as many as the count, a rate's rows are its
denominator and the ``in_numerator`` rows its numerator.
"""

import csv

import openpyxl
import pandas as pd
import pytest

import qa_analysis as qa
from qa_analysis.cases import INTERNAL_NOTICE
from qa_analysis.cli import main

Q3 = "2020-21 Q3"

EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
VISITS = "visit_id,child_id,cohort,visit_date,modality,method,child_seen,seen_alone,worker_id\n"
LIST_1 = (
    "Child Unique ID,Gender,Ethnicity,Date of Birth,Age of Child (Years),Date of Contact,Contact Source\n"
)
LIST_3 = (
    "Child Unique ID,Gender,Ethnicity,Date of Birth,Age of Child (Years),Date of referral,Referral Source,"
    "Referral NFA?,Number of Referrals in Last 12 Months,Allocated Team,Allocated Worker\n"
)
LIST_4 = (
    "Child Unique ID,Gender,Ethnicity,Date of Birth,Age of Child (Years),Does the Child have a Disability,"
    "Continuous Assessment Start Date,Child Seen During Continuous Assessment,"
    "Continuous Assessment Date of Authorisation,"
    "Was the child assessed as requiring LA children's social care support?,Allocated Team,Allocated Worker\n"
)
CASE_AUDITS = "audit_id,audit_date,audit_type,theme,child_id,family_id,auditor,domain,grade\n"
RECOMMENDATIONS = "recommendation_id,audit_id,raised_date,theme,owner,due_date,status,completed_date,route\n"


def _folder(tmp_path, **files):
    folder = tmp_path / "data"
    folder.mkdir()
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    data = qa.load_data(folder)
    assert int(data.summary["rows_set_aside"].sum()) == 0, data.problems  # every row accepted
    return folder, data


def _figure(data, key, quarter=Q3):
    return qa.quarter_metrics(data, quarter).metrics[key]


# --- moves ------------------------------------------------------------------------------


@pytest.fixture
def moves_data(tmp_path):
    # A: enters care 01/04/2019 (U1), moves 15/10/2020 (P, to U4) and 20/11/2020 (P, to H5):
    #    two moves with DECOM in Q3.
    # B: enters care 10/10/2020 (RNE S): a new period of care, not a move.
    # C: in care since 01/01/2020 (U1); 01/11/2020 RNE T (same carer): not a move by default.
    # placements.moves = 2, both A's; placements.children_moved = 1.
    episodes = EPISODES + (
        "A,01/04/2019,S,C2,N1,U1,PR1,15/10/2020,E11,,,,\n"
        "A,15/10/2020,P,C2,N1,U4,PR1,20/11/2020,E11,CARPL,,,\n"
        "A,20/11/2020,P,C2,N1,H5,PR1,,,,,,\n"
        "B,10/10/2020,S,C2,N1,U1,PR1,,,,,,\n"
        "C,01/01/2020,S,C2,N1,U1,PR1,01/11/2020,E11,,,,\n"
        "C,01/11/2020,T,C2,N1,U1,PR1,,,,,,\n"
    )
    header = HEADER + "A,1,01/01/2005,WBRI,,,\nB,2,01/01/2010,WBRI,,,\nC,1,01/01/2008,WBRI,,,\n"
    return _folder(tmp_path, ssda903_episodes=episodes, ssda903_header=header)


def test_moves_list_has_one_row_per_move_counted(moves_data):
    _, data = moves_data
    rows = qa.cases(data, "placements.moves", Q3)
    assert len(rows) == _figure(data, "placements.moves") == 2


def test_moves_list_names_the_child_date_and_places(moves_data):
    _, data = moves_data
    rows = qa.cases(data, "placements.moves", Q3)
    got = rows[["child", "date", "previous_place", "place"]].astype(
        {"child": str, "previous_place": str, "place": str}
    )
    expected = pd.DataFrame(
        {
            "child": ["A", "A"],
            "date": pd.to_datetime(["2020-10-15", "2020-11-20"]),
            "previous_place": ["U1", "U4"],
            "place": ["U4", "H5"],
        }
    ).astype({"date": got["date"].dtype})
    pd.testing.assert_frame_equal(got, expected)


def test_children_moved_list_has_one_row_per_child(moves_data):
    _, data = moves_data
    rows = qa.cases(data, "placements.children_moved", Q3)
    assert list(rows["child"]) == ["A"] and len(rows) == _figure(data, "placements.children_moved")


# --- late visits --------------------------------------------------------------------------


@pytest.fixture
def visits_data(tmp_path):
    # V1 (CLA, limit 42 calendar days): 01/08/2020, then 20/10/2020 (gap 80 days: late), then
    #    25/11/2020 (gap 36 days: on time).
    # V2 (CP, limit 10 working days): 25/09/2020 (Fri), then 01/10/2020: working days after
    #    25/09 up to 01/10 are Mon 28, Tue 29, Wed 30, Thu 1 = 4: on time.
    # V3 (CIN): one visit 05/10/2020, no earlier visit: not timed.
    # Timed in Q3: 3 visits (V1 20/10, V1 25/11, V2 01/10); on time 2; pct_timely = 2/3 = 66.7.
    visits = VISITS + (
        "X1,V1,CLA,01/08/2020,face_to_face,home,Y,Y,W1\n"
        "X2,V1,CLA,20/10/2020,face_to_face,home,Y,N,W1\n"
        "X3,V1,CLA,25/11/2020,virtual,zoom,Y,Y,W1\n"
        "X4,V2,CP,25/09/2020,face_to_face,home,Y,Y,W2\n"
        "X5,V2,CP,01/10/2020,face_to_face,school,Y,N,W2\n"
        "X6,V3,CIN,05/10/2020,virtual,phone,N,,W3\n"
    )
    return _folder(tmp_path, visits=visits)


def test_timely_visits_list_is_the_denominator(visits_data):
    _, data = visits_data
    rows = qa.cases(data, "visits.pct_timely", Q3)
    assert sorted(rows["visit_id"].astype(str)) == ["X2", "X3", "X5"]


def test_late_visits_are_the_rows_outside_the_numerator(visits_data):
    _, data = visits_data
    rows = qa.cases(data, "visits.pct_timely", Q3)
    late = rows.loc[~rows["in_numerator"]]
    assert list(late["visit_id"].astype(str)) == ["X2"] and list(late["gap"]) == [80]


def test_timely_split_gives_the_figure(visits_data):
    _, data = visits_data
    rows = qa.cases(data, "visits.pct_timely", Q3)
    # 2 of 3 in the numerator: 66.7
    assert (int(rows["in_numerator"].sum()), len(rows)) == (2, 3)
    assert _figure(data, "visits.pct_timely") == 66.7


def test_cp_gap_is_counted_in_working_days(visits_data):
    _, data = visits_data
    rows = qa.cases(data, "visits.pct_timely", Q3).set_index(qa.cases(data, "visits.pct_timely", Q3)["visit_id"].astype(str))
    assert (rows.loc["X5", "gap"], rows.loc["X5", "day_kind"], rows.loc["X5", "limit"]) == (4, "working", 10)


def test_visits_by_method_list_matches_its_code_key(visits_data):
    _, data = visits_data
    rows = qa.cases(data, "visits.method.zoom", Q3)
    # Only X3 (25/11/2020) is a zoom visit in Q3.
    assert list(rows["visit_id"].astype(str)) == ["X3"] and len(rows) == _figure(data, "visits.method.zoom")


# --- re-referrals -------------------------------------------------------------------------


@pytest.fixture
def referrals_data(tmp_path):
    # R1: 15/03/2020 and 10/11/2020: the earlier one is on or after 10/11/2019: re-referral.
    # R2: 01/10/2020 only: not a re-referral.
    # R3: 01/10/2019 and 05/10/2020: the earlier is before 05/10/2019: not a re-referral.
    # Referrals in Q3: R1 10/11, R2 01/10, R3 05/10 = 3; re-referrals 1; 1/3 = 33.3.
    row = "{child},a) Male,a) WBRI,01/01/2010,10,{date},q) 6: Police,b) No,0,Team 1,W1\n"
    list_3 = LIST_3 + "".join(
        row.format(child=c, date=d)
        for c, d in [("R1", "15/03/2020"), ("R1", "10/11/2020"), ("R2", "01/10/2020"),
                     ("R3", "01/10/2019"), ("R3", "05/10/2020")]
    )
    # The referrals topic needs all three lists, and a list with a header only is skipped
    # as having no data rows (issue 14 item 7): Lists 1 and 4 hold one row each from 2018,
    # outside every window used here.
    list_1 = LIST_1 + "X1,a) Male,a) WBRI,01/01/2010,8,01/04/2018,q) 6: Police\n"
    list_4 = LIST_4 + "X1,a) Male,a) WBRI,01/01/2010,8,b) No,01/04/2018,a) Yes,02/04/2018,a) Yes,T,W\n"
    return _folder(tmp_path, annex_a_list_1=list_1, annex_a_list_3=list_3, annex_a_list_4=list_4)


def test_re_referral_list_is_the_quarters_referrals(referrals_data):
    _, data = referrals_data
    rows = qa.cases(data, "referrals.pct_re_referral_12m", Q3)
    assert sorted(rows["child"].astype(str)) == ["R1", "R2", "R3"]
    assert len(rows) == _figure(data, "referrals.total")


def test_re_referrals_are_the_numerator_with_their_earlier_referral(referrals_data):
    _, data = referrals_data
    rows = qa.cases(data, "referrals.pct_re_referral_12m", Q3)
    numerator = rows.loc[rows["in_numerator"]]
    assert list(numerator["child"].astype(str)) == ["R1"]
    assert list(numerator["previous_referral_date"]) == [pd.Timestamp("2020-03-15")]
    assert _figure(data, "referrals.pct_re_referral_12m") == 33.3


# --- assessments over 45 working days -----------------------------------------------------


@pytest.fixture
def assessments_data(tmp_path):
    # A1: 01/09/2020 -> 01/10/2020: working days 02/09..30/09 (21) + Thu 01/10 = 22: within.
    # A2: 01/07/2020 -> 15/10/2020: July after the 1st 22, August 20 (31/08 bank holiday),
    #     September 22, 1-15 October 11 = 75: over 45.
    # A3: 01/10/2020 -> 01/10/2020: same day, 0: within.
    # Authorised in Q3: 3; within 2; 2/3 = 66.7.
    row = ("{child},a) Male,a) WBRI,01/01/2010,10,b) No,{start},a) Yes,{end},b) No,Team 1,W1\n")
    list_4 = LIST_4 + "".join(
        row.format(child=c, start=s, end=e)
        for c, s, e in [("A1", "01/09/2020", "01/10/2020"), ("A2", "01/07/2020", "15/10/2020"),
                        ("A3", "01/10/2020", "01/10/2020")]
    )
    # Lists 1 and 3 hold one row each from 2018 (a header-only list is skipped, issue 14.7).
    list_1 = LIST_1 + "X1,a) Male,a) WBRI,01/01/2010,8,01/04/2018,q) 6: Police\n"
    list_3 = LIST_3 + "X1,a) Male,a) WBRI,01/01/2010,8,01/04/2018,q) 6: Police,b) No,0,Team 1,W1\n"
    return _folder(tmp_path, annex_a_list_1=list_1, annex_a_list_3=list_3, annex_a_list_4=list_4)


def test_assessments_over_target_are_outside_the_numerator(assessments_data):
    _, data = assessments_data
    rows = qa.cases(data, "assessments.pct_within_45wd", Q3)
    over = rows.loc[~rows["in_numerator"]]
    assert list(over["child"].astype(str)) == ["A2"] and list(over["working_days"]) == [75]


def test_assessments_split_gives_the_figure(assessments_data):
    _, data = assessments_data
    rows = qa.cases(data, "assessments.pct_within_45wd", Q3)
    assert (int(rows["in_numerator"].sum()), len(rows)) == (2, 3)
    assert _figure(data, "assessments.pct_within_45wd") == 66.7


def test_assessments_completed_list_has_one_row_per_assessment(assessments_data):
    _, data = assessments_data
    rows = qa.cases(data, "assessments.completed", Q3)
    assert list(rows["working_days"]) == [22, 0, 75]  # by date: 01/10, 01/10, 15/10
    assert len(rows) == _figure(data, "assessments.completed") == 3


# --- overdue recommendations --------------------------------------------------------------


@pytest.fixture
def recommendations_data(tmp_path):
    # At the Q3 end, 31/12/2020:
    # M1 due 30/11/2020, not completed: overdue (31 days).
    # M2 due 31/12/2020, open: due on the quarter end, not overdue.
    # M3 due 01/11/2020, completed 15/12/2020: not open.
    # M4 due 01/10/2020, completed 05/01/2021: open at the end and overdue (91 days).
    # M5 raised 05/01/2021: not raised by the end.
    # overdue_at_quarter_end = 2 (M1, M4); open_at_quarter_end = 3 (M1, M2, M4).
    recs = RECOMMENDATIONS + (
        "M1,AU1,01/06/2020,Voice,Team A,30/11/2020,open,,case\n"
        "M2,AU1,01/06/2020,Voice,Team A,31/12/2020,in_progress,,service_development_plan\n"
        "M3,AU1,01/06/2020,Voice,Team A,01/11/2020,completed,15/12/2020,case\n"
        "M4,AU2,01/06/2020,Plans,Team B,01/10/2020,completed,05/01/2021,case\n"
        "M5,AU2,05/01/2021,Plans,Team B,01/02/2021,open,,case\n"
    )
    # case_audits holds one audit from 2018 (a header-only file is skipped, issue 14.7)
    audits = CASE_AUDITS + "AU0,01/04/2018,thematic,Voice,X1,F1,A,overall,\n"
    return _folder(tmp_path, recommendations=recs, case_audits=audits)


def test_overdue_list_equals_the_count(recommendations_data):
    _, data = recommendations_data
    rows = qa.cases(data, "recommendations.overdue_at_quarter_end", Q3)
    assert len(rows) == _figure(data, "recommendations.overdue_at_quarter_end") == 2


def test_overdue_list_gives_ids_and_days_overdue(recommendations_data):
    _, data = recommendations_data
    rows = qa.cases(data, "recommendations.overdue_at_quarter_end", Q3)
    got = {str(r): int(d) for r, d in zip(rows["recommendation_id"], rows["days_overdue"], strict=True)}
    assert got == {"M1": 31, "M4": 91}


def test_open_list_equals_the_count(recommendations_data):
    _, data = recommendations_data
    rows = qa.cases(data, "recommendations.open_at_quarter_end", Q3)
    assert sorted(rows["recommendation_id"].astype(str)) == ["M1", "M2", "M4"]
    assert len(rows) == _figure(data, "recommendations.open_at_quarter_end")


# --- the API's conventions ---------------------------------------------------------------


def test_a_pandas_financial_quarter_gives_the_same_list(moves_data):
    _, data = moves_data
    by_label = qa.cases(data, "placements.moves", Q3)
    by_period = qa.cases(data, "placements.moves", pd.Period("2021Q3", freq="Q-MAR"))
    pd.testing.assert_frame_equal(by_label, by_period)


def test_an_unknown_key_is_refused_listing_the_valid_keys(moves_data):
    _, data = moves_data
    with pytest.raises(KeyError, match="placements.moves"):
        qa.cases(data, "placements.movez", Q3)


def test_a_list_needing_an_absent_table_says_which(moves_data):
    _, data = moves_data
    with pytest.raises(qa.errors.QAError, match="visits"):
        qa.cases(data, "visits.total", Q3)


# --- the command --------------------------------------------------------------------------


def test_cases_command_writes_a_csv_whose_first_line_is_the_notice(moves_data, tmp_path, capsys):
    folder, _ = moves_data
    out = tmp_path / "moves.csv"
    code = main(["cases", "--data", str(folder), "--quarter", Q3, "--metric", "placements.moves",
                 "--out", str(out)])
    lines = out.read_text(encoding="utf-8").splitlines()
    assert code == 0 and lines[0].startswith(f"# {INTERNAL_NOTICE}")
    table = list(csv.DictReader(lines[1:]))
    assert [(r["child"], r["date"]) for r in table] == [("A", "2020-10-15"), ("A", "2020-11-20")]


def test_cases_command_writes_an_xlsx_with_the_notice_in_a1(moves_data, tmp_path, capsys):
    folder, _ = moves_data
    out = tmp_path / "moves.xlsx"
    code = main(["cases", "--data", str(folder), "--quarter", Q3, "--metric", "placements.moves",
                 "--out", str(out)])
    sheet = openpyxl.load_workbook(out).active
    assert code == 0 and str(sheet["A1"].value).startswith(INTERNAL_NOTICE)
    assert [sheet.cell(row=3, column=c).value for c in (1, 2)] == ["child", "date"]
    assert sheet.cell(row=4, column=1).value == "A"


def test_cases_command_refuses_the_public_audience(moves_data, tmp_path, capsys):
    folder, _ = moves_data
    out = tmp_path / "moves.csv"
    code = main(["cases", "--data", str(folder), "--quarter", Q3, "--metric", "placements.moves",
                 "--audience", "public", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "internal" in err and not out.exists()


def test_cases_command_prints_the_notice_first_without_out(moves_data, capsys):
    folder, _ = moves_data
    code = main(["cases", "--data", str(folder), "--quarter", Q3, "--metric", "placements.moves"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0 and out[0].startswith(f"# {INTERNAL_NOTICE}") and out[1].startswith("child,date")


def test_cases_command_with_an_unknown_key_exits_2_listing_keys(moves_data, capsys):
    folder, _ = moves_data
    code = main(["cases", "--data", str(folder), "--quarter", Q3, "--metric", "moves"])
    err = capsys.readouterr().err
    assert code == 2 and "placements.moves" in err and "Traceback" not in err


# --- every figure of the demo data, every quarter ------------------------------------------


def _from_rows(key, rows):
    """The figure as the list says it: rows for a count, the numerator share for a rate."""
    if key.endswith("median_working_days"):
        return None if rows.empty else qa.metrics._common.round_half_away(
            float(rows["working_days"].astype(float).median()), 1
        )
    if ".pct_" in key:
        return qa.metrics._common.pct(int(rows["in_numerator"].sum()), len(rows))
    if key == "contacts.max_children_per_family":
        return int(rows.groupby("family")["child"].nunique().max()) if len(rows) else 0
    return len(rows)


@pytest.mark.slow
def test_every_list_agrees_with_its_figure_on_the_demo_data():
    # A regression check beside the hand-worked tests above: for each of the demo data's 12
    # quarters, every key's list gives back the published figure.
    data = qa.load_data(qa.config.DEMO_DATA_DIR)
    quarters = [q for year in ("2019-20", "2020-21", "2021-22") for q in qa.year_quarters(year)]
    said = {
        (q.label, key): (value, _from_rows(key, qa.cases(data, key, q)))
        for q in quarters
        for key, value in qa.quarter_metrics(data, q).metrics.items()
    }
    assert {k: v for k, v in said.items() if v[0] != v[1]} == {}

"""The annual report's figures (qa_analysis.annual), the annual notebook and explore.ipynb.

The fixture folder below is written out by hand for 2020-21: five audits (none in Q3),
eight recommendations (one raised the year before), six visits (none in Q3) and the
families; no SSDA903 or Annex A files. Expected values are worked out from the written
definitions in the comments beside each test, never by running the code.
"""

from __future__ import annotations

import re

import nbformat
import pandas as pd
import papermill
import pytest

from qa_analysis import annual, annual_text
from qa_analysis.config import DEMO_DATA_DIR, NOTEBOOKS_DIR
from qa_analysis.io import load_data
from qa_analysis.reports import ReportJob, run_job

YEAR = "2020-21"

CASE_AUDITS = """\
audit_id,audit_date,audit_type,theme,child_id,family_id,auditor,domain,grade
AX01,2020-05-12,full_case_file,child protection,KX0001,FX001,Auditor Xavier,overall,Good
AX01,2020-05-12,full_case_file,child protection,KX0001,FX001,Auditor Xavier,assessment,Inadequate
AX02,2020-08-03,thematic,missing education,KX0002,FX002,Auditor Yolanda,overall,
AX02,2020-08-03,thematic,missing education,KX0003,FX002,Auditor Yolanda,overall,
AX03,2020-09-20,full_case_file,children in need,KX0001,FX001,Auditor Xavier,overall,Requires improvement to be good
AX04,2021-02-10,stocktake,child protection plans,KX0004,FX003,Auditor Yolanda,overall,Good
AX04,2021-02-10,stocktake,child protection plans,KX0005,FX004,Auditor Yolanda,overall,Inadequate
AX04,2021-02-10,stocktake,child protection plans,KX0001,FX001,Auditor Yolanda,overall,Outstanding
AX05,2021-03-05,full_case_file,children looked after,KX0006,,Auditor Xavier,overall,Good
"""

RECOMMENDATIONS = """\
recommendation_id,audit_id,raised_date,theme,owner,due_date,status,completed_date,route
RX01,AX01,2020-05-20,recording,Ms Fixture Owner,2020-06-30,completed,2020-06-15,case
RX02,AX01,2020-05-20,planning,Ms Fixture Owner,2020-07-31,completed,2020-08-20,case
RX03,AX02,2020-08-10,education,Mr Fixture Lead,2020-12-31,in_progress,,service_development_plan
RX04,AX03,2020-09-25,planning,Ms Fixture Owner,2020-10-31,completed,2021-01-15,case
RX05,AX03,2020-09-25,voice of the child,Mr Fixture Lead,2021-06-30,open,,service_development_plan
RX06,AX04,2021-02-15,recording,Ms Fixture Owner,2021-03-15,completed,2021-03-10,case
RX07,AX05,2021-03-10,assessment,Mr Fixture Lead,2021-03-20,open,,case
RX08,AX00,2020-03-01,recording,Ms Fixture Owner,2020-04-30,completed,2020-05-05,case
"""

VISITS = """\
visit_id,child_id,cohort,visit_date,modality,method,child_seen,seen_alone,worker_id
VX001,KX0001,CLA,2020-04-10,face_to_face,home,Y,Y,WX01
VX002,KX0001,CLA,2020-05-15,virtual,zoom,Y,N,WX01
VX003,KX0002,CP,2020-07-06,face_to_face,home,Y,Y,WX02
VX004,KX0001,CLA,2020-08-20,face_to_face,school,Y,N,WX01
VX005,KX0002,CP,2021-01-11,virtual,phone,N,,WX02
VX006,KX0003,CIN,2021-02-01,face_to_face,home,Y,Y,WX03
"""

FAMILIES = """\
child_id,family_id
KX0001,FX001
KX0002,FX002
KX0003,FX002
KX0004,FX003
KX0005,FX004
KX0006,FX003
"""

IDENTIFIERS = [
    "KX000", "FX00", "AX0", "RX0", "VX00", "WX0", "Auditor Xavier", "Auditor Yolanda",
    "Ms Fixture Owner", "Mr Fixture Lead",
]


def _write_folder(folder, files: dict[str, str]):
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return _write_folder(
        tmp_path_factory.mktemp("annual_fixture"),
        {"case_audits.csv": CASE_AUDITS, "recommendations.csv": RECOMMENDATIONS,
         "visits.csv": VISITS, "families.csv": FAMILIES},
    )


@pytest.fixture(scope="module")
def data(folder):
    return load_data(folder)


@pytest.fixture(scope="module")
def figures(data):
    return annual.year_figures(data, YEAR)


def _row(figures, key):
    return [figures[key][c] for c in ("q1", "q2", "q3", "q4", "year")]


# ------------------------------------------------------------------ sums over quarters


def test_fixture_loads_every_row(data):
    assert data.summary.set_index("table")["rows_set_aside"].sum() == 0


def test_audits_in_the_year_are_the_sum_of_the_quarters(figures):
    # Q1 AX01; Q2 AX02, AX03; Q3 none; Q4 AX04, AX05: 1 + 2 + 0 + 2 = 5
    assert _row(figures, "audits.audits") == [1, 2, 0, 2, 5]


def test_recommendations_raised_in_the_year_are_the_sum_of_the_quarters(figures):
    # Q1 RX01, RX02; Q2 RX03-RX05; Q3 none; Q4 RX06, RX07 (RX08 was raised in 2019-20)
    assert _row(figures, "recommendations.raised") == [2, 3, 0, 2, 7]


def test_recommendations_completed_in_the_year_are_the_sum_of_the_quarters(figures):
    # Q1 RX01 (15 Jun), RX08 (5 May); Q2 RX02 (20 Aug); Q4 RX04 (15 Jan), RX06 (10 Mar)
    assert _row(figures, "recommendations.completed") == [2, 1, 0, 2, 5]


def test_visits_and_grades_in_the_year_are_sums(figures):
    # visits: Q1 VX001-2, Q2 VX003-4, Q4 VX005-6; face to face VX001, VX003, VX004, VX006
    assert _row(figures, "visits.total") == [2, 2, 0, 2, 6]
    assert _row(figures, "visits.face_to_face") == [1, 2, 0, 1, 4]
    assert _row(figures, "visits.method.home") == [1, 1, 0, 1, 3]
    # overall Good: AX01 (Q1); AX04 KX0004 and AX05 (Q4)
    assert _row(figures, "audits.grade.good") == [1, 0, 0, 2, 3]


# ------------------------------------------------------------------ distinct over the year


def test_children_audited_are_counted_once_in_the_year(figures):
    # Q1 {KX0001}; Q2 {KX0002, KX0003, KX0001}; Q4 {KX0004, KX0005, KX0001, KX0006}
    # year {KX0001..KX0006} = 6, not the sum 8: KX0001 was audited in three quarters
    assert _row(figures, "audits.children") == [1, 3, 0, 4, 6]


def test_families_audited_are_counted_once_in_the_year(figures):
    # KX0006 has no family_id on its audit row: families.csv puts it in FX003 with KX0004
    # Q1 {FX001}; Q2 {FX002, FX001}; Q4 {FX003, FX004, FX001}; year {FX001..FX004} = 4
    assert _row(figures, "audits.families") == [1, 2, 0, 3, 4]


def test_children_visited_are_counted_once_in_the_year(figures):
    # Q1 {KX0001}; Q2 {KX0002, KX0001}; Q4 {KX0002, KX0003}; year 3, not the sum 5
    assert _row(figures, "visits.children_visited") == [1, 2, 0, 2, 3]


def test_an_audit_with_rows_in_two_quarters_is_one_audit_in_the_year(tmp_path):
    # AX09's rows are dated 30 June (Q1) and 1 July (Q2): one audit in each quarter's
    # count, but one audit in the year.
    split = _write_folder(tmp_path / "split", {"case_audits.csv": (
        "audit_id,audit_date,audit_type,theme,child_id,family_id,auditor,domain,grade\n"
        "AX09,2020-06-30,thematic,neglect,KX0011,FX011,Auditor Xavier,overall,\n"
        "AX09,2020-07-01,thematic,neglect,KX0012,FX012,Auditor Xavier,overall,\n"
    )})
    figures = annual.year_figures(load_data(split), YEAR)
    assert _row(figures, "audits.audits") == [1, 1, 0, 0, 1]


# ------------------------------------------------------------------ pooled percentages


def test_good_or_better_is_recomputed_on_the_year_not_averaged(figures):
    # overall grades given: Q1 Good; Q2 RI (AX02 ungraded); Q4 Good, Inadequate,
    # Outstanding, Good. Quarters 1/1, 0/1, none, 3/4. Year: 4 of 6 = 66.7
    # (the mean of the quarters would be 58.3)
    assert _row(figures, "audits.pct_good_or_better") == [100.0, 0.0, None, 75.0, 66.7]


def test_completed_on_time_is_recomputed_on_the_year(figures):
    # on time: RX01 yes, RX08 no (Q1); RX02 no (Q2); RX04 no, RX06 yes (Q4): year 2 / 5
    assert _row(figures, "recommendations.pct_completed_on_time") == [50.0, 0.0, None, 50.0, 40.0]


def test_visit_percentages_are_recomputed_on_the_year(figures):
    # face to face 4 of 6; seen alone: seen VX001-4, VX006 (5), alone VX001, VX003, VX006 (3);
    # timely: VX002 35 days after VX001 (CLA 42: yes), VX004 97 days (no), VX005 six
    # months after VX003 (CP 10 working days: no): 1 of 3
    assert figures["visits.pct_face_to_face"]["year"] == 66.7
    assert figures["visits.pct_seen_alone"]["year"] == 60.0
    assert _row(figures, "visits.pct_timely") == [100.0, 0.0, None, 0.0, 33.3]


# ------------------------------------------------------------------ year-end positions


def test_open_recommendations_take_the_year_end_value(figures):
    # open at 30 Jun: RX02; 30 Sep: RX03-RX05; 31 Dec: RX03-RX05; 31 Mar: RX03, RX05, RX07
    assert _row(figures, "recommendations.open_at_quarter_end") == [1, 3, 3, 3, 3]


def test_overdue_recommendations_take_the_year_end_value(figures):
    # 31 Dec: RX04 (due 31 Oct); RX03 is due on 31 Dec, so not yet overdue.
    # 31 Mar: RX03 (due 31 Dec), RX07 (due 20 Mar)
    assert _row(figures, "recommendations.overdue_at_quarter_end") == [0, 0, 1, 2, 2]


def test_service_development_plan_takes_the_year_end_value(figures):
    # RX03 and RX05 are routed to the plan and open from 30 Sep onwards
    assert _row(figures, "recommendations.service_development_plan") == [0, 2, 2, 2, 2]


def test_the_summary_says_how_each_year_figure_is_built(data):
    summary = annual.year_summary(
        data, YEAR, keys=["recommendations.raised", "audits.children", "visits.pct_timely",
                          "recommendations.open_at_quarter_end"],
    )
    assert list(summary["how"]) == [
        "Sum of the quarters", "Counted once in the year", "Recomputed on the year", "Year-end (Q4) value",
    ]


# ------------------------------------------------------------------ breakdowns


def test_audit_activity_by_quarter_describes_each_audit_without_identifiers(data):
    activity = annual.audit_activity_by_quarter(data, YEAR)
    expected = pd.DataFrame({
        "quarter": ["2020-21 Q1", "2020-21 Q2", "2020-21 Q2", "2020-21 Q4", "2020-21 Q4"],
        "month": pd.to_datetime(["2020-05-01", "2020-08-01", "2020-09-01", "2021-02-01", "2021-03-01"]),
        "audit_type": ["full_case_file", "thematic", "full_case_file", "stocktake", "full_case_file"],
        "theme": ["child protection", "missing education", "children in need", "child protection plans",
                  "children looked after"],
        # AX02: two children of one family; AX04: three children of three families
        "cases": [1, 2, 1, 3, 1],
        "families": [1, 1, 1, 3, 1],
        "outstanding": [0, 0, 0, 1, 0],
        "good": [1, 0, 0, 1, 1],
        "requires_improvement": [0, 0, 1, 0, 0],
        "inadequate": [0, 0, 0, 1, 0],
    }).astype({"month": "datetime64[ns]"})
    pd.testing.assert_frame_equal(activity, expected)


def test_activity_sentences_report_cases_and_families_and_say_when_a_quarter_had_none(data):
    sentences = annual_text.activity_sentences(annual.audit_activity_by_quarter(data, YEAR), YEAR)
    assert sentences[1] == (
        "2020-21 Q2: 2 audits: 1 full case file audit (1 cases (1 families); overall grades: "
        "1 requires improvement); a thematic audit \u201cmissing education\u201d in August 2020: "
        "2 cases (1 families); not graded."
    )
    assert sentences[2] == "2020-21 Q3: no audit was recorded."


def test_recommendations_by_quarter(data):
    expected = pd.DataFrame({
        "quarter": ["2020-21 Q1", "2020-21 Q2", "2020-21 Q3", "2020-21 Q4"],
        "raised": [2, 3, 0, 2],
        "raised_to_sdp": [0, 2, 0, 0],  # RX03, RX05
        "completed": [2, 1, 0, 2],
        "completed_on_time": [1, 0, 0, 1],  # RX01; RX06
        "pct_completed_on_time": [50.0, 0.0, None, 50.0],
        "open_at_end": [1, 3, 3, 3],
        "overdue_at_end": [0, 0, 1, 2],
        "sdp_open_at_end": [0, 2, 2, 2],
    }).astype({"pct_completed_on_time": "float64"})
    pd.testing.assert_frame_equal(annual.recommendations_by_quarter(data, YEAR), expected)


def test_missing_quarters_names_absent_files_and_empty_quarters(data):
    missing = annual_text.missing_quarters(data, YEAR)
    assert "ssda903_episodes.csv was not found, so placement stability figures are left out of this report." in missing
    assert "annex_a_list_1.csv was not found, so contact figures are left out of this report." in missing
    q3 = "2020-21 Q3 (01 October 2020 to 31 December 2020)"
    assert [m for m in missing if "2020-21 Q" in m] == [
        f"visits.csv has no visit dated in {q3}.",
        f"case_audits.csv has no audit dated in {q3}.",
        f"recommendations.csv has no recommendation raised in {q3}.",
    ]


def test_the_narrative_is_built_from_the_figures(data):
    summary = annual.year_summary(data, YEAR)
    activity = annual.audit_activity_by_quarter(data, YEAR)
    paragraphs = annual_text.year_narrative(summary, activity, YEAR)
    assert paragraphs[0] == (
        "In 2020-21 the service completed 5 audits (3 full case file audits, 1 thematic audit and "
        "1 stocktake) covering 6 children in 4 families; 66.7% of the overall grades given were "
        "good or outstanding."
    )
    assert paragraphs[1].startswith(
        "The audits raised 7 recommendations in the year and 5 were completed, 40.0% of them on time. "
        "On 31 March 3 were still open, 2 of them overdue, and 2 open ones"
    )


def test_public_summary_suppresses_small_counts_and_the_rates_built_on_them(data):
    shown = annual.year_summary_for_audience(annual.year_summary(data, YEAR), data, YEAR, "public")
    row = shown.set_index("key").loc["visits.total", ["q1", "q2", "q3", "q4", "year"]]
    # 2, 2, 0, 2 are shown as c, c, 0, c. The year's 6 would pin them: three hidden
    # quarters of at least 1 each adding up to 6 are each 1 to 4, so the year is c too.
    assert list(row) == ["c", "c", 0, "c", "c"]
    # 66.7% face to face rests on 4 face-to-face visits of 6: suppressed
    assert annual.figure_value(shown, "visits.pct_face_to_face") == "c"


# ------------------------------------------------------------------ the notebooks


def _run(name, notebook, out_dir, parameters):
    """Run a notebook as the batch does (one reused kernel, HTML written only on success)."""
    job = ReportJob(name, YEAR, YEAR, NOTEBOOKS_DIR / notebook, parameters, out_dir)
    result = run_job(job)
    assert result.ok, result.error
    return job


def _text(page: str) -> str:
    page = re.sub(r"<style.*?</style>", " ", page, flags=re.S)
    page = re.sub(r'src="data:image/png;base64,[^"]*"', "", page)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


@pytest.fixture(scope="module")
def annual_html(folder, tmp_path_factory):
    """The annual notebook on the fixture folder (a quarter with no rows, absent files)."""
    pages = {}
    for audience in ("internal", "public"):
        job = _run("annual", "annual.ipynb", tmp_path_factory.mktemp(f"annual_{audience}"), {
            "year": YEAR, "data_dir": str(folder), "audience": audience,
        })
        pages[audience] = job.html_path.read_text(encoding="utf-8")
    return pages


def test_the_annual_notebook_declares_its_parameters():
    assert set(papermill.inspect_notebook(str(NOTEBOOKS_DIR / "annual.ipynb"))) == {
        "year", "data_dir", "audience", "settings_file", "docx_path",
    }


def test_a_year_with_a_missing_quarter_renders_and_states_the_gap(annual_html):
    text = _text(annual_html["internal"])
    assert "visits.csv has no visit dated in 2020-21 Q3" in text
    assert "2020-21 Q3: no audit was recorded." in text
    assert "ssda903_episodes.csv was not found" in text
    assert "ssda903_episodes.csv and ssda903_header.csv were not found in the data folder" in text


def test_the_annual_html_states_the_year_figures(annual_html):
    text = _text(annual_html["internal"])
    assert "completed 5 audits (3 full case file audits, 1 thematic audit and 1 stocktake)" in text
    assert "2 cases (1 families)" in text


@pytest.mark.parametrize("audience", ["internal", "public"])
def test_the_annual_html_passes_the_report_checks(annual_html, audience):
    page = annual_html[audience]
    assert "<script" not in page.lower()
    assert not re.search(r"""(href|src)\s*=\s*["']?https?:""", page, flags=re.I)
    assert "import " not in _text(page) and "present." not in _text(page) and "In [" not in page
    images = re.findall(r"<img\b[^>]*>", page)
    # public: on this small fixture most charts are mostly c, so a sentence replaces them (issue 13)
    assert images or (audience == "public" and 'class="qa-withheld"' in page)
    for image in images:
        alt = re.search(r'alt="([^"]*)"', image)
        assert alt and len(alt.group(1)) > 20 and "No description" not in alt.group(1)


@pytest.mark.parametrize("audience", ["internal", "public"])
def test_no_fixture_identifier_or_name_appears_in_the_annual_html(annual_html, audience):
    text = _text(annual_html[audience])
    assert [i for i in IDENTIFIERS if i in text] == []


def test_the_public_annual_html_suppresses_small_counts(annual_html):
    text = _text(annual_html["public"])
    # 5 audits is withheld: the sentence leaves the number out instead of printing "c audits".
    assert "the service's audits covered" in text
    assert "completed 5 audits" not in text and not re.search(r"\bc audits\b", text)


def test_explore_runs_top_to_bottom_on_the_demo(tmp_path):
    job = _run("explore", "explore.ipynb", tmp_path, {})
    executed = nbformat.read(job.ipynb_path, as_version=4)
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    printed = "".join(
        o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.outputs
    )
    assert errors == [] and str(DEMO_DATA_DIR) in printed and "placements of" in printed


def test_public_recommendations_by_quarter_cannot_be_recovered_from_the_year_total(data):
    by_quarter = annual.recommendations_by_quarter(data, YEAR)
    shown = annual.recommendations_by_quarter_for_audience(by_quarter, "public")
    # raised 2, 3, 0, 2 are all 1-5: c, c, 0, c. open at end 1, 3, 3, 3: c each.
    # pct on time rests on 1-2 completions: c (Q3 has none: stays missing)
    assert list(shown["raised"]) == ["c", "c", 0, "c"]
    assert list(shown["open_at_end"]) == ["c", "c", "c", "c"]
    assert shown["pct_completed_on_time"].tolist()[:2] == ["c", "c"]


def test_public_breakdown_gets_secondary_suppression_down_additive_columns():
    # 3 is suppressed; the year total 20 + 12 + 3 = 35 is known, so the next smallest (12) goes too
    frame = pd.DataFrame({"theme": ["a", "b", "c"], "raised": [20, 12, 3], "open_at_end": [8, 2, 9]})
    shown = annual.for_audience(frame, "public", additive=["raised"], other=["open_at_end"])
    assert list(shown["raised"]) == [20, "c", "c"]
    assert list(shown["open_at_end"]) == [8, "c", 9]


def test_cases_by_quarter_and_type_add_up_each_audits_cases(data):
    # Q1 AX01 (1); Q2 AX03 (1) and AX02 thematic (2); Q4 AX05 (1) and AX04 stocktake (3)
    expected = pd.DataFrame({
        "quarter": ["2020-21 Q1", "2020-21 Q2", "2020-21 Q2", "2020-21 Q4", "2020-21 Q4"],
        "audit_type": ["full_case_file", "full_case_file", "thematic", "full_case_file", "stocktake"],
        "cases": [1, 1, 2, 1, 3],
    })
    got = annual.cases_by_quarter_and_type(annual.audit_activity_by_quarter(data, YEAR))
    pd.testing.assert_frame_equal(got, expected)

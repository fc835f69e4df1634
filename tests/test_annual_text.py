"""The committee paper's words (qa_analysis.annual_text) on small hand-written programmes.

Each expected sentence is written out from the row beside it and the rules in the
module docstring (numbers under ten in words, counts of 1 to 5 shown as c in public).
"""

import pandas as pd
import pytest

from qa_analysis import annual, annual_text
from qa_analysis.io import load_data


@pytest.mark.parametrize(("n", "words"), [(0, "no"), (1, "one"), (9, "nine"), (10, "10"), (1234, "1,234")])
def test_numbers_under_ten_are_written_in_words(n, words):
    assert annual_text.number_words(n) == words


@pytest.mark.parametrize(("n", "shown"), [(0, "no"), (3, "c"), (5, "c"), (6, "six"), (12, "12")])
def test_public_counts_of_one_to_five_are_c_before_any_words(n, shown):
    assert annual_text.number_words(n, "public") == shown


def _row(**changes):
    row = {
        "completed": pd.Timestamp("2020-07-31"), "month": pd.Timestamp("2020-07-01"),
        "audit_type": "full_case_file", "theme": pd.NA, "auditor": "independent auditors",
        "method": "case_file_review;discussion_with_allocated_worker",
        "selection": "cross_section_of_open_cases;identified_by_managers",
        "practice_from": pd.Timestamp("2020-01-01"), "practice_to": pd.Timestamp("2020-07-31"),
        "prompted_by": pd.NA, "findings": "workers knew their children well",
        "areas_for_development": "Record management oversight.", "cases": 12, "families": 9,
        "outstanding": 1, "good": 8, "requires_improvement": 3, "inadequate": 0,
    }
    return pd.Series({**row, **changes})


def test_a_full_case_file_audit_reads_as_the_committee_paper_writes_it():
    text = annual_text.audit_paragraph(_row())

    assert text == (
        "In July 2020, independent auditors completed full case file audits of 12 cases (nine families). "
        "The cases were a cross-section of open cases and cases identified by the management team. "
        "The audit was a review of the electronic case file and a discussion with the allocated worker, "
        "and looked at practice from January to July 2020. "
        "The overall grades given were one outstanding, eight good and three requiring improvement. "
        "Findings: Workers knew their children well. Areas for development: Record management oversight."
    )


def test_a_stocktake_names_its_theme_what_prompted_it_and_a_period_in_days():
    row = _row(audit_type="stocktake", theme="contacts, referrals and assessments", auditor="independent auditor",
               method="case_file_review", selection="sample_in_window", prompted_by="a request from managers.",
               practice_from=pd.Timestamp("2020-07-01"), practice_to=pd.Timestamp("2020-08-05"),
               cases=30, families=17, outstanding=0, good=0, requires_improvement=0)

    text = annual_text.audit_paragraph(row)

    assert text.startswith(
        "In July 2020, an independent auditor completed a stocktake of contacts, referrals and assessments "
        "covering 30 cases (17 families). It was prompted by a request from managers. "
        "The cases were a sample of those in the period. The audit was a review of the electronic case file, "
        "and looked at practice from 1 July to 5 August 2020. The audit did not grade practice."
    )


def test_a_public_paragraph_shows_small_counts_as_c():
    text = annual_text.audit_paragraph(_row(cases=4, families=3, outstanding=0, good=4, requires_improvement=0),
                                       "public")

    assert "full case file audits of c cases (c families)" in text and "were c good" in text


# --- several children of one family among an audit's cases (issue 15: "one about 14") ---

STOCKTAKE = dict(audit_type="stocktake", theme="contacts, referrals and assessments", auditor="independent auditor",
                 method="case_file_review", selection="sample_in_window", cases=30, families=9, largest_family=14,
                 outstanding=0, good=0, requires_improvement=0)
FAMILY_SENTENCE = "Of these, 14 were children of one family."


def test_the_internal_paper_says_how_many_cases_were_children_of_one_family():
    text = annual_text.audit_paragraph(_row(**STOCKTAKE))

    # right after the sentence with the cases and families
    assert text.split(". ")[1] + "." == FAMILY_SENTENCE


def test_the_public_paper_does_not_name_the_one_family_figure():
    text = annual_text.audit_paragraph(_row(**STOCKTAKE), "public")

    assert "of one family" not in text and "14" not in text


def test_the_public_paper_names_it_where_single_family_figures_may_be_published():
    text = annual_text.audit_paragraph(_row(**STOCKTAKE), "public", single_family=True)

    assert FAMILY_SENTENCE in text


def test_siblings_audited_in_pairs_get_no_family_sentence():
    # largest family 2 (three pairs of siblings among 12 cases): below SEVERAL_OF_ONE_FAMILY (3)
    text = annual_text.audit_paragraph(_row(largest_family=2))

    assert "of one family" not in text


FAMILY_AUDIT = """\
audit_id,audit_date,audit_type,theme,child_id,family_id,auditor,domain,grade
AY01,2020-08-20,stocktake,front door,KY0001,FY001,Auditor Yves,overall,Good
AY01,2020-08-20,stocktake,front door,KY0002,FY001,Auditor Yves,overall,Good
AY01,2020-08-20,stocktake,front door,KY0003,FY001,Auditor Yves,overall,Good
AY01,2020-08-20,stocktake,front door,KY0004,FY002,Auditor Yves,overall,Good
AY01,2020-08-20,stocktake,front door,KY0005,,Auditor Yves,overall,Good
"""
FAMILY_PROGRAMME = """\
audit_id,audit_type,theme,started,completed,auditor,method,selection,practice_from,practice_to,prompted_by,findings,areas_for_development
AY01,stocktake,front door,2020-08-10,2020-08-20,independent auditor,case file review,all contacts in a window,,,,,
"""


def test_the_programme_counts_the_most_children_of_one_family_among_the_cases(tmp_path):
    # 5 children: 3 of FY001, 1 of FY002, 1 with no family (its own): largest family 3
    (tmp_path / "case_audits.csv").write_text(FAMILY_AUDIT)
    (tmp_path / "audits.csv").write_text(FAMILY_PROGRAMME)

    programme = annual.audit_programme(load_data(tmp_path), "2020-21")

    assert programme[["cases", "families", "largest_family"]].values.tolist() == [[5, 3, 3]]


CASE_AUDITS = """\
audit_id,audit_date,audit_type,theme,child_id,family_id,auditor,domain,grade
AX01,2020-05-12,full_case_file,child protection,KX0001,FX001,Auditor Xavier,overall,Good
AX02,2020-09-20,full_case_file,children in need,KX0002,FX002,Auditor Xavier,overall,Requires improvement
"""
AUDITS = """\
audit_id,audit_type,theme,started,completed,auditor,method,selection,practice_from,practice_to,prompted_by,findings,areas_for_development
AX01,full_case_file,,2020-05-01,2020-05-12,QA service manager,case file review,cross-section of open cases,,,,Good work.,
"""


def test_an_audit_without_an_audits_csv_row_still_reads_by_its_grades(tmp_path):
    # AX01 has a programme row; AX02 (September 2020, Q2) has grades only
    (tmp_path / "case_audits.csv").write_text(CASE_AUDITS)
    (tmp_path / "audits.csv").write_text(AUDITS)
    data = load_data(tmp_path)

    paragraphs = annual_text.programme_paragraphs(
        annual.audit_programme(data, "2020-21"), annual.activity_outside_programme(data, "2020-21"), "2020-21"
    )

    assert paragraphs[0].startswith(
        "In May 2020, the QA service manager completed a full case file audit of one case (one family).")
    assert paragraphs[1] == (
        "Audits recorded with their grades only (no entry in the audit programme): 2020-21 Q2: 1 audit: "
        "1 full case file audit (1 cases (1 families); overall grades: 1 requires improvement)."
    )


def test_recommendations_say_where_they_went_and_what_is_still_open():
    # 3 raised case by case (all completed, 2 on time); 2 to the plan (0 completed, 2 open, 1 overdue)
    routes = pd.DataFrame({
        "route": ["case", "service_development_plan"], "raised": [3, 2], "completed": [3, 0],
        "completed_on_time": [2, 0], "open_at_end": [0, 2], "overdue_at_end": [0, 1],
    })

    paragraphs = annual_text.recommendations_paragraphs(routes, ["team managers", "the improvement board"], "2020-21")

    assert paragraphs == [
        "The audits of 2020-21 made five recommendations: three resolved case by case and two routed to the "
        "Service Development Plan. They were shared with team managers and the improvement board.",
        "On 31 March 2021, all three resolved case by case had been completed (two on time); of the two routed "
        "to the Service Development Plan, none had been completed and two were still open, one of them overdue.",
    ]


def test_the_conclusion_names_the_grade_profile_and_the_recurring_themes():
    summary = pd.DataFrame({"key": ["audits.pct_good_or_better"], "year": [60.0]})
    profile = pd.DataFrame({
        "domain": ["overall", "planning", "recording"], "graded": [10, 10, 10],
        "good_or_better": [6, 8, 4], "pct_good_or_better": [60.0, 80.0, 40.0],
    })
    themes = pd.DataFrame({"theme": ["voice of the child"], "audits": [2], "recommendations": [3]})

    paragraphs = annual_text.conclusion_paragraphs(summary, profile, themes, "2020-21")

    assert paragraphs[0] == (
        "Across 2020-21, 60.0% of the overall grades given were good or outstanding. Practice was strongest "
        "in planning (80.0% good or better) and weakest in recording (40.0%)."
    )
    assert paragraphs[1].startswith(
        "The themes that recurred in the recommendations of more than one audit were voice of the child (two audits).")


def test_activity_sentences_give_withheld_figures_of_the_published_set_as_c():
    # Two full case file audits in Q1: 12 + 9 cases = 21; families 9 and c, so their sum is c;
    # one good grade withheld (c) and 8 + 3 = 11 requiring improvement.
    import pandas as pd

    from qa_analysis import annual_text

    activity = pd.DataFrame({
        "quarter": ["2020-21 Q1", "2020-21 Q1"], "month": pd.to_datetime(["2020-05-01", "2020-06-01"]),
        "audit_type": ["full_case_file", "full_case_file"], "theme": [None, None],
        "cases": [12, 9], "families": [9, "c"], "outstanding": [0, 0], "good": ["c", 0],
        "requires_improvement": [8, 3], "inadequate": [0, 0],
    }, dtype=object)

    first = annual_text.activity_sentences(activity, "2020-21", "public")[0]

    # Two audits is a count from 1 to 5: withheld in public, so the sentence leaves it out
    # rather than printing "c audits: c full case file audits".
    assert first == ("2020-21 Q1: Full case file audits (21 cases (c families); overall grades: "
                     "c good, 11 requires improvement).")

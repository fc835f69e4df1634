"""The relations of the page tables (issue 13 item 3): each table a public page shows is
declared with its totals, so the audit of the published set covers it. Hand-worked figures."""

from __future__ import annotations

import pandas as pd

from qa_analysis.disclosure_audit import SUPPRESSED, audit, sum_of
from qa_analysis.disclosure_relations import (
    cell,
    page_assumed_relations,
    period_relations,
    table_cells,
    table_keys,
)
from qa_analysis.published import holds

C = SUPPRESSED
Q = "2020-21 Q3"


def _shown(figures: dict) -> dict:
    return {cell(Q, k): v for k, v in figures.items()}


def _found(findings) -> set[tuple[str, int, int]]:
    return {(f.cell.split("|", 1)[1], f.low, f.high) for f in findings}


def test_one_hidden_overdue_age_band_is_given_back_by_the_overdue_total():
    # overdue at the quarter end 12 = 0 to 30 days 7 + 31 to 90 days c + over 90 days 0,
    # so the hidden band is 12 - 7 - 0 = 5.
    figures = {
        "recommendations.overdue_at_quarter_end": 12,
        "recommendations.overdue_age.0_to_30_days": 7,
        "recommendations.overdue_age.31_to_90_days": C,
        "recommendations.overdue_age.over_90_days": 0,
    }

    findings = audit(_shown(figures), period_relations(Q, figures))

    assert _found(findings) == {("recommendations.overdue_age.31_to_90_days", 5, 5)}


def test_the_duration_bands_to_45_days_and_the_percentage_give_back_a_hidden_band():
    # Bands shown: same day 0, 1-10 10, 11-20 10, 21-30 10, 31-40 6, 41-45 c, 46-50 0,
    # 51-60 0, 61+ 10; 80.0% within 45 working days. With x the hidden band: timed = 46 + x,
    # within = 36 + x, and 79.95% <= (36 + x) / (46 + x) <= 80.05% gives 3.875 <= x <= 4.125,
    # so x = 4.
    figures = {
        "assessments.pct_within_45wd": 80.0,
        "assessments.band.same_day": 0, "assessments.band.1-10": 10, "assessments.band.11-20": 10,
        "assessments.band.21-30": 10, "assessments.band.31-40": 6, "assessments.band.41-45": C,
        "assessments.band.46-50": 0, "assessments.band.51-60": 0, "assessments.band.61+": 10,
    }

    findings = audit(_shown(figures), period_relations(Q, figures))

    assert ("assessments.band.41-45", 4, 4) in _found(findings)


def test_family_sizes_of_two_or_more_add_up_to_the_families_with_several_children():
    # 9 families had two or more children contacted about = size 2 (6) + size 3 (c) + 4+ (0),
    # so size 3 is 3.
    figures = {
        "contacts.families_multi_child": 9,
        "contacts.family_size.1": 40, "contacts.family_size.2": 6,
        "contacts.family_size.3": C, "contacts.family_size.4_or_more": 0,
    }

    findings = audit(_shown(figures), period_relations(Q, figures))

    assert _found(findings) == {("contacts.family_size.3", 3, 3)}


def test_a_domains_percentage_and_cases_graded_pin_its_hidden_good_grades_within_1_to_5():
    # Recording: 12 graded, 50.0% good or better, so outstanding + good = 6; both are c, so
    # each is at least 1 and at most 6 - 1 = 5: each lies within 1 to 5.
    figures = {
        "audits.domain.recording.graded": 12, "audits.domain.recording.pct_good_or_better": 50.0,
        "audits.domain.recording.outstanding": C, "audits.domain.recording.good": C,
        "audits.domain.recording.requires_improvement": 6, "audits.domain.recording.inadequate": 0,
    }

    findings = audit(_shown(figures), period_relations(Q, figures))

    assert {("audits.domain.recording.outstanding", 1, 5), ("audits.domain.recording.good", 1, 5)} <= _found(findings)


def test_an_assumed_relation_is_kept_only_where_it_holds_on_the_true_figures():
    # Moves 10 = foster to foster 5 + foster to semi-independent 4 + residential to foster 1:
    # it holds. With 9 moves it does not (a move whose placement has no group).
    keys = ["placements.moves", "placements.transition.foster.foster",
            "placements.transition.foster.semi_independent", "placements.transition.residential.foster"]
    relation = next(r for r in page_assumed_relations(Q, keys) if r.total == cell(Q, "placements.moves"))
    true = {cell(Q, k): v for k, v in zip(keys, [10, 5, 4, 1], strict=True)}

    assert holds(relation, true)
    assert not holds(relation, {**true, cell(Q, "placements.moves"): 9})


def test_a_relation_with_an_unknown_figure_is_not_taken_to_hold():
    relation = sum_of(cell(Q, "a"), [cell(Q, "b")])

    assert not holds(relation, {cell(Q, "a"): 3})


def test_the_status_table_names_the_catalogue_keys_of_its_rows():
    status = pd.DataFrame({"status": ["completed_on_time", "completed_late", "open_not_due", "overdue"],
                           "recommendations": [1, 1, 6, 6]})

    keys = table_keys("recommendations_by_status", status)

    assert [keys(i, "recommendations") for i in range(4)] == [
        "recommendations.completed_on_time", "recommendations.completed_late",
        "recommendations.open_not_due", "recommendations.overdue_at_quarter_end",
    ]


def test_visits_by_month_name_the_quarter_of_each_month():
    by_month = pd.DataFrame({"month": pd.to_datetime(["2020-03-01", "2020-04-01"]),
                             "modality": ["virtual", "virtual"], "visits": [3, 9]})

    keys = table_keys("visits_by_month", by_month)

    assert [keys(i, "visits") for i in range(2)] == [
        ("2019-20 Q4", "visits.month.2020-03.virtual"), ("2020-21 Q1", "visits.month.2020-04.virtual"),
    ]


def test_the_cells_of_a_grades_table_put_overall_under_the_catalogue_grade_keys():
    grades = pd.DataFrame({"domain": ["overall", "overall", "planning"],
                           "grade": ["Good", "Requires improvement", "Good"], "audits": [8, 0, 3]})

    cells = table_cells("grades_by_domain", grades, ["audits"])

    assert cells == {"audits.grade.good": 8, "audits.grade.requires_improvement": 0, "audits.domain.planning.good": 3}


def test_a_year_cell_of_a_page_table_is_the_sum_of_its_quarters():
    # Moves foster to foster in the year 7 = Q1 2 + Q2 c + Q3 0 (Q4 had no such move, so its
    # table has no row: 0). The hidden Q2 is 7 - 2 - 0 = 5.
    from qa_analysis.disclosure_relations import year_relations

    key = "placements.transition.foster.foster"
    quarters = [f"2020-21 Q{i}" for i in range(1, 5)]
    keys = {"2020-21": [key], quarters[0]: [key], quarters[1]: [key], quarters[2]: [key], quarters[3]: []}
    shown = {cell("2020-21", key): 7, cell(quarters[0], key): 2, cell(quarters[1], key): C, cell(quarters[2], key): 0}

    findings = audit(shown, year_relations("2020-21", quarters, keys))

    assert [(f.cell, f.low, f.high) for f in findings] == [(cell(quarters[1], key), 5, 5)]


def test_each_audit_of_the_year_is_numbered_within_its_quarter_as_on_the_quarters_page():
    activity = pd.DataFrame({"quarter": ["2020-21 Q1", "2020-21 Q2", "2020-21 Q2"], "cases": [24, 12, 30]})

    keys = table_keys("each_audit", activity)

    assert [keys(i, "cases") for i in range(3)] == [
        ("2020-21 Q1", "audits.activity.1.cases"), ("2020-21 Q2", "audits.activity.1.cases"),
        ("2020-21 Q2", "audits.activity.2.cases"),
    ]

"""Audit and recommendation metrics (DESIGN section 4 audits; domain.md section 7).

Expected values are worked out on paper from the definitions; the working is in comments.
Quarter 2020-21 Q3 is 1 Oct to 31 Dec 2020.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qa_analysis.metrics import audits as am
from qa_analysis.periods import Quarter

Q3 = Quarter(2020, 3)
AUDIT_COLUMNS = [
    "audit_id", "audit_date", "audit_type", "theme", "child_id", "family_id", "auditor",
    "domain", "grade",
]
REC_COLUMNS = [
    "recommendation_id", "audit_id", "raised_date", "theme", "owner", "due_date", "status",
    "completed_date", "route",
]


def audits_frame(rows) -> pd.DataFrame:
    """Typed like TABLES["case_audits"]: rows are (audit, date, type, theme, child, family, domain, grade)."""
    frame = pd.DataFrame([(*r[:6], "Auditor 1", *r[6:]) for r in rows], columns=AUDIT_COLUMNS)
    return frame.astype({c: "string" for c in AUDIT_COLUMNS if c != "audit_date"}).assign(
        audit_date=lambda d: pd.to_datetime(d["audit_date"]).astype("datetime64[ns]")
    )


def recommendations_frame(rows) -> pd.DataFrame:
    """Typed like TABLES["recommendations"]: rows are (id, raised, theme, due, status, completed, route)."""
    frame = pd.DataFrame(
        [(r[0], "A1", r[1], r[2], "Owner", *r[3:]) for r in rows], columns=REC_COLUMNS
    )
    dates = ["raised_date", "due_date", "completed_date"]
    return frame.astype({c: "string" for c in REC_COLUMNS if c not in dates}).assign(
        **{c: (lambda d, c=c: pd.to_datetime(d[c]).astype("datetime64[ns]")) for c in dates}
    )


def families_frame(pairs) -> pd.DataFrame:
    return pd.DataFrame(pairs, columns=["child_id", "family_id"]).astype("string")


@pytest.fixture
def case_audits() -> pd.DataFrame:
    return audits_frame(
        [
            ("A1", "2020-10-05", "full_case_file", None, "C1", "F1", "overall", "Good"),
            ("A1", "2020-10-05", "full_case_file", None, "C1", "F1", "planning", "Requires improvement"),
            ("A1", "2020-10-05", "full_case_file", None, "C2", "F1", "overall", "Outstanding"),
            ("A2", "2020-11-20", "thematic", "placement stability", "C3", None, "overall", None),
            ("A2", "2020-11-20", "thematic", "placement stability", "C3", None, "voice_of_child", "Good"),
            ("A2", "2020-11-20", "thematic", "placement stability", "C4", "F2", "overall", "Good"),
            ("A3", "2020-12-31", "full_case_file", None, "C5", None, "overall", "Requires improvement"),
            ("A4", "2020-09-30", "full_case_file", None, "C6", "F3", "overall", "Inadequate"),  # Q2
            ("A5", "2021-01-01", "full_case_file", None, "C7", "F4", "overall", "Inadequate"),  # Q4
        ]
    )


@pytest.fixture
def recommendations() -> pd.DataFrame:
    return recommendations_frame(
        [
            # completed on its due date in Q3: on time
            ("R1", "2020-10-10", "recording", "2020-11-30", "completed", "2020-11-30", "case"),
            # raised in Q2, completed in Q3 after its due date: late
            ("R2", "2020-07-01", "recording", "2020-10-31", "completed", "2020-12-15", "case"),
            # completed after the quarter end: open and overdue at 31 Dec, routed to the SDP
            ("R3", "2020-11-01", "supervision", "2020-12-01", "completed", "2021-01-15",
             "service_development_plan"),
            # open, due after the quarter end, routed to the SDP
            ("R4", "2020-12-01", None, "2021-02-28", "open", None, "service_development_plan"),
            # open, due on the quarter end itself: not overdue (strictly before)
            ("R5", "2020-06-01", "supervision", "2020-12-31", "in_progress", None, "case"),
            # raised after the quarter end
            ("R6", "2021-01-05", "recording", "2021-03-31", "open", None, "service_development_plan"),
            # raised and completed before the quarter
            ("R7", "2020-05-01", "planning", "2020-06-30", "completed", "2020-06-20", "case"),
        ]
    )


# ------------------------------------------------------------------------ audits


def test_audits_counts_distinct_audit_ids_in_quarter(case_audits):
    # A1 (5 Oct), A2, A3 (31 Dec included); A4 (30 Sep) and A5 (1 Jan) outside -> 3
    assert am.audit_count(case_audits, Q3) == 3


def test_children_counts_distinct_children(case_audits):
    # C1 (two rows), C2, C3 (two rows), C4, C5 -> 5
    assert am.children_audited(case_audits, Q3) == 5


def test_families_blank_family_id_child_is_own_family(case_audits):
    # C1, C2 -> F1; C4 -> F2; C3 and C5 blank, no families frame -> own families: 4
    assert am.families_audited(case_audits, Q3) == 4


def test_families_blank_family_id_falls_back_to_families_frame(case_audits):
    # families.csv puts C3 in F2 (already counted) and C5 in F9 -> F1, F2, F9 = 3.
    # C1 is listed in F8 there, but its own rows say F1, which wins.
    families = families_frame([("C1", "F8"), ("C3", "F2"), ("C5", "F9")])
    assert am.families_audited(case_audits, Q3, families) == 3


def test_families_blank_family_id_uses_the_childs_other_rows():
    # C1 has F1 on one row and blank on another: one family, not two
    case_audits = audits_frame(
        [
            ("A1", "2020-10-05", "full_case_file", None, "C1", "F1", "overall", "Good"),
            ("A2", "2020-11-05", "full_case_file", None, "C1", None, "overall", "Good"),
        ]
    )
    assert am.families_audited(case_audits, Q3) == 1


def test_families_blank_family_ids_are_filled_by_position_on_a_repeated_index():
    # Rows of two frames stacked keep their labels 0, 1, 0, 1: C1 F1, C2 blank, C1 blank,
    # C3 blank. C1's blank row takes F1 from its other row; families.csv puts C2 in F2 and
    # C3 in F1 -> families F1, F2 = 2 (no label mix-up between the two rows labelled 1).
    first = audits_frame([("A1", "2020-10-05", "full_case_file", None, "C1", "F1", "overall", "Good"),
                          ("A1", "2020-10-05", "full_case_file", None, "C2", None, "overall", "Good")])
    second = audits_frame([("A2", "2020-11-05", "full_case_file", None, "C1", None, "overall", "Good"),
                           ("A2", "2020-11-05", "full_case_file", None, "C3", None, "overall", "Good")])
    case_audits = pd.concat([first, second])
    families = families_frame([("C2", "F2"), ("C3", "F1")])
    assert am.families_audited(case_audits, Q3, families) == 2


def test_families_every_family_id_given_needs_no_families_frame_look_up(case_audits):
    # The quarter's rows with a family_id: C1, C2 -> F1; C4 -> F2. families.csv would put
    # C1 in F8, but a given family_id wins: F1, F2 = 2.
    named = case_audits.loc[case_audits["family_id"].notna()]
    families = families_frame([("C1", "F8"), ("C4", "F8")])
    assert am.families_audited(named, Q3, families) == 2


def test_grade_keys_for_grades_present_only(case_audits):
    # overall rows in Q3: C1 Good, C2 Outstanding, C3 blank (left out), C4 Good,
    # C5 Requires improvement -> no inadequate key (A4, A5 are outside the quarter)
    assert am.overall_grade_counts(case_audits, Q3) == {
        "audits.grade.outstanding": 1,
        "audits.grade.good": 2,
        "audits.grade.requires_improvement": 1,
    }


def test_pct_good_or_better_excludes_blank_grades(case_audits):
    # Outstanding or Good: C1, C2, C4 = 3 of 4 overall grades given (C3 blank) -> 75.0
    # (60.0 if the blank counted)
    assert am.pct_good_or_better(case_audits, Q3) == 75.0


def test_pct_good_or_better_null_when_no_overall_grade():
    # a thematic audit grading nothing overall: denominator 0
    case_audits = audits_frame(
        [("A1", "2020-10-05", "thematic", "voice", "C1", "F1", "overall", None)]
    )
    assert am.pct_good_or_better(case_audits, Q3) is None


# ------------------------------------------------------------------ recommendations


def test_recommendations_raised_in_quarter(recommendations):
    # R1 (10 Oct), R3 (1 Nov), R4 (1 Dec) -> 3
    assert am.recommendations_raised(recommendations, Q3) == 3


def test_recommendations_completed_in_quarter(recommendations):
    # R1 (30 Nov), R2 (15 Dec); R3 completed in January, R7 in June -> 2
    assert am.recommendations_completed(recommendations, Q3) == 2


def test_completed_on_due_date_is_on_time(recommendations):
    # R1 completed on its due date (on time), R2 after (late) -> 1 / 2 = 50.0
    assert am.pct_completed_on_time(recommendations, Q3) == 50.0


def test_pct_completed_on_time_null_when_none_completed(recommendations):
    # nothing completed in 2020-21 Q2 (R7 was completed in Q1)
    assert am.pct_completed_on_time(recommendations, Quarter(2020, 2)) is None


def test_completed_after_quarter_end_counts_as_open(recommendations):
    # raised by 31 Dec and not completed by then: R3 (completed 15 Jan), R4, R5 -> 3
    assert am.recommendations_open_at_quarter_end(recommendations, Q3) == 3


def test_overdue_at_quarter_end(recommendations):
    # open at 31 Dec and due before it: R3 (due 1 Dec, completed later) -> 1;
    # R5 is due on 31 Dec itself, R4 in February
    assert am.recommendations_overdue_at_quarter_end(recommendations, Q3) == 1


def test_service_development_plan_open_at_quarter_end(recommendations):
    # open at 31 Dec and routed to the SDP: R3, R4 -> 2 (R6 raised after the quarter)
    assert am.recommendations_to_service_development_plan(recommendations, Q3) == 2


def test_audits_metrics_returns_every_key(case_audits, recommendations):
    families = families_frame([("C3", "F2"), ("C5", "F9")])
    assert am.audits_metrics(case_audits, recommendations, Q3, families) == {
        "audits.audits": 3,
        "audits.children": 5,
        "audits.families": 3,
        "audits.grade.outstanding": 1,
        "audits.grade.good": 2,
        "audits.grade.requires_improvement": 1,
        "audits.pct_good_or_better": 75.0,
        "recommendations.raised": 3,
        "recommendations.completed": 2,
        "recommendations.pct_completed_on_time": 50.0,
        "recommendations.open_at_quarter_end": 3,
        "recommendations.overdue_at_quarter_end": 1,
        "recommendations.service_development_plan": 2,
    }


def test_audits_metrics_leaves_out_keys_of_a_missing_frame(case_audits, recommendations):
    only_recommendations = am.audits_metrics(None, recommendations, Q3)
    only_audits = am.audits_metrics(case_audits, None, Q3)
    assert all(k.startswith("recommendations.") for k in only_recommendations)
    assert len(only_recommendations) == 6
    assert all(k.startswith("audits.") for k in only_audits)
    assert len(only_audits) == 7


# ---------------------------------------------------------------------- breakdowns


def test_grades_by_domain(case_audits):
    # overall: Outstanding C2, Good C1 C4, RI C5 (C3 blank left out); planning: RI C1;
    # voice_of_child: Good C3. Every grade for each domain, overall first.
    grades = ["Outstanding", "Good", "Requires improvement", "Inadequate"]
    expected = pd.DataFrame(
        {
            "domain": ["overall"] * 4 + ["planning"] * 4 + ["voice_of_child"] * 4,
            "grade": pd.Categorical(grades * 3, categories=grades, ordered=True),
            "audits": [1, 2, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0],
        }
    )
    pd.testing.assert_frame_equal(am.grades_by_domain(case_audits, Q3), expected)


def test_pct_good_or_better_by_domain(case_audits):
    # overall 3 of 4 -> 75.0; planning 0 of 1 -> 0.0; voice_of_child 1 of 1 -> 100.0
    expected = pd.DataFrame(
        {
            "domain": ["overall", "planning", "voice_of_child"],
            "graded": [4, 1, 1],
            "good_or_better": [3, 0, 1],
            "pct_good_or_better": [75.0, 0.0, 100.0],
        }
    )
    pd.testing.assert_frame_equal(am.pct_good_or_better_by_domain(case_audits, Q3), expected)


def test_recommendations_by_status(recommendations):
    # completed in Q3: R1 on time, R2 late; open at 31 Dec: R4, R5 not yet due, R3 overdue
    expected = pd.DataFrame(
        {
            "status": ["completed_on_time", "completed_late", "open_not_due", "overdue"],
            "recommendations": [1, 1, 2, 1],
        }
    )
    pd.testing.assert_frame_equal(am.recommendations_by_status(recommendations, Q3), expected)


def test_recommendations_by_theme(recommendations):
    # recording: raised R1, completed R1 R2, none open (R6 raised after 31 Dec)
    # supervision: raised R3, completed none, open R3 R5, overdue R3
    # blank theme (R4): raised 1, open 1. planning (R7) has nothing in Q3: left out.
    expected = pd.DataFrame(
        {
            "theme": ["recording", "supervision", "Not recorded"],
            "raised": [1, 1, 1],
            "completed": [2, 0, 0],
            "open_at_end": [0, 2, 1],
            "overdue_at_end": [0, 1, 0],
        }
    )
    pd.testing.assert_frame_equal(am.recommendations_by_theme(recommendations, Q3, Q3), expected)
    pd.testing.assert_frame_equal(
        am.recommendations_by_theme(recommendations, "2020-10-01", "2020-12-31"), expected
    )


def test_audit_activity_one_row_per_audit(case_audits):
    # A1: C1, C2 both F1 -> 2 cases, 1 family; overall Good, Outstanding
    # A2: C3 (own family), C4 (F2) -> 2 cases, 2 families; overall C3 blank, C4 Good
    # A3: C5 -> 1 case, 1 family; overall Requires improvement
    expected = pd.DataFrame(
        {
            "quarter": ["2020-21 Q3"] * 3,
            "month": pd.to_datetime(["2020-10-01", "2020-11-01", "2020-12-01"]).astype("datetime64[ns]"),
            "audit_type": ["full_case_file", "thematic", "full_case_file"],
            "theme": [np.nan, "placement stability", np.nan],
            "cases": [2, 2, 1],
            "families": [1, 2, 1],
            "outstanding": [1, 0, 0],
            "good": [1, 1, 0],
            "requires_improvement": [0, 0, 1],
            "inadequate": [0, 0, 0],
        }
    )
    pd.testing.assert_frame_equal(am.audit_activity(case_audits, Q3, Q3), expected)


def test_audit_activity_labels_each_audits_quarter(case_audits):
    # 2020-21 Q2 to Q4: A4 (30 Sep, Q2), A1 A2 A3 (Q3), A5 (1 Jan, Q4)
    activity = am.audit_activity(case_audits, Quarter(2020, 2), Quarter(2020, 4))
    expected = pd.Series(
        ["2020-21 Q2", "2020-21 Q3", "2020-21 Q3", "2020-21 Q3", "2020-21 Q4"], name="quarter"
    )
    pd.testing.assert_series_equal(activity["quarter"], expected)


def test_inputs_not_mutated(case_audits, recommendations):
    families = families_frame([("C3", "F2")])
    before = [f.copy(deep=True) for f in (case_audits, recommendations, families)]
    am.audits_metrics(case_audits, recommendations, Q3, families)
    am.grades_by_domain(case_audits, Q3)
    am.pct_good_or_better_by_domain(case_audits, Q3)
    am.recommendations_by_status(recommendations, Q3)
    am.recommendations_by_theme(recommendations, Q3, Q3)
    am.audit_activity(case_audits, Q3, Q3, families)
    for frame, copy in zip((case_audits, recommendations, families), before, strict=True):
        pd.testing.assert_frame_equal(frame, copy)


# ---------------------------------------------------- for the people who act (issue 16)


def owned_recommendations(rows) -> pd.DataFrame:
    """rows are (owner, raised, theme, due, completed, route)."""
    frame = pd.DataFrame(
        [(f"R{i}", "A1", r[1], r[2], r[0], r[3], "open" if r[4] is None else "completed", r[4], r[5])
         for i, r in enumerate(rows)],
        columns=REC_COLUMNS,
    )
    dates = ["raised_date", "due_date", "completed_date"]
    return frame.astype({c: "string" for c in REC_COLUMNS if c not in dates}).assign(
        **{c: (lambda d, c=c: pd.to_datetime(d[c]).astype("datetime64[ns]")) for c in dates}
    )


@pytest.fixture
def owned():
    # Quarter end 31 Dec 2020. Overdue = open at the end with due date before it.
    # Team Manager: due 1 Dec (30 days overdue), due 1 Nov (60 days), due 1 Jan 2021 (not due);
    # Principal Social Worker: due 1 Sep (121 days), completed 10 Oct (not open); raised 5 Nov, due 30 Nov (31 days).
    return owned_recommendations([
        ("Team Manager", "2020-06-01", "recording", "2020-12-01", None, "case"),
        ("Team Manager", "2020-07-01", "visits", "2020-11-01", None, "service_development_plan"),
        ("Team Manager", "2020-10-20", "visits", "2021-01-01", None, "service_development_plan"),
        ("Principal Social Worker", "2020-05-01", "planning", "2020-09-01", None, "case"),
        ("Principal Social Worker", "2020-05-01", "planning", "2020-09-01", "2020-10-10", "case"),
        ("Principal Social Worker", "2020-11-05", "recording", "2020-11-30", None, "case"),
    ])


def test_overdue_by_age_bands_add_up_to_the_overdue_figure(owned):
    # Overdue days at 31 Dec: 30, 60, 121, 31 -> 0-30: 1; 31-90: 2 (60, 31); over 90: 1.
    frame = am.overdue_by_age(owned, Q3)

    expected = pd.DataFrame({"band": ["0 to 30 days", "31 to 90 days", "Over 90 days"],
                             "recommendations": [1, 2, 1]}).astype({"band": str, "recommendations": "int64"})
    pd.testing.assert_frame_equal(frame, expected)
    assert frame["recommendations"].sum() == am.recommendations_overdue_at_quarter_end(owned, Q3)


def test_recommendations_by_owner_counts_and_ages_each_owners_overdue(owned):
    # Principal Social Worker: raised in Q3 1 (5 Nov), completed in Q3 1 (10 Oct), open at end 2,
    # overdue 2 (121 days -> over 90; 31 days -> 31-90).
    # Team Manager: raised in Q3 1 (20 Oct), completed 0, open 3, overdue 2 (30 -> 0-30; 60 -> 31-90).
    frame = am.recommendations_by_owner(owned, Q3)

    expected = pd.DataFrame({
        "owner": ["Principal Social Worker", "Team Manager"],
        "raised": [1, 1], "completed": [1, 0], "open_at_end": [2, 3], "overdue_at_end": [2, 2],
        "0 to 30 days": [0, 1], "31 to 90 days": [1, 1], "Over 90 days": [1, 0],
    }).astype({"owner": str, **dict.fromkeys(
        ["raised", "completed", "open_at_end", "overdue_at_end", "0 to 30 days", "31 to 90 days", "Over 90 days"],
        "int64")})
    pd.testing.assert_frame_equal(frame, expected)


def test_open_service_development_plan_items_oldest_first_with_their_standing(owned):
    # Open at 31 Dec and routed to the plan: raised 1 Jul (due 1 Nov: 60 days overdue) and
    # raised 20 Oct (due 1 Jan 2021: due in 1 day).
    frame = am.open_service_development_plan_items(owned, Q3)

    assert frame["theme"].tolist() == ["visits", "visits"]
    assert frame["raised"].dt.strftime("%Y-%m").tolist() == ["2020-07", "2020-10"]
    assert frame["standing"].tolist() == ["Overdue by 60 days", "Due in 1 day"]
    assert len(frame) == am.recommendations_to_service_development_plan(owned, Q3)


def test_grades_by_domain_with_change_since_last_quarter():
    # Q2 (Jul-Sep): overall Good, Inadequate -> 50.0%; planning Good -> 100.0%.
    # Q3 (Oct-Dec): overall Good, Good, Requires improvement -> 66.7%; planning Inadequate -> 0.0%;
    # recording Good -> 100.0% (not graded in Q2: no change).
    # Changes: overall 66.7 - 50.0 = 16.7; planning 0.0 - 100.0 = -100.0.
    frame = am.grades_by_domain_with_change(audits_frame([
        ("A1", "2020-08-01", "full_case_file", None, "C1", None, "overall", "Good"),
        ("A1", "2020-08-01", "full_case_file", None, "C1", None, "planning", "Good"),
        ("A2", "2020-09-01", "full_case_file", None, "C2", None, "overall", "Inadequate"),
        ("A3", "2020-10-01", "full_case_file", None, "C3", None, "overall", "Good"),
        ("A3", "2020-10-01", "full_case_file", None, "C4", None, "overall", "Good"),
        ("A3", "2020-10-01", "full_case_file", None, "C3", None, "planning", "Inadequate"),
        ("A4", "2020-11-01", "full_case_file", None, "C5", None, "overall", "Requires improvement"),
        ("A4", "2020-11-01", "full_case_file", None, "C5", None, "recording", "Good"),
    ]), Q3)

    assert frame["domain"].tolist() == ["overall", "planning", "recording"]
    assert frame["pct_good_or_better"].tolist() == [66.7, 0.0, 100.0]
    assert frame["previous_pct"].tolist()[:2] == [50.0, 100.0] and pd.isna(frame["previous_pct"].iloc[2])
    assert frame["change_points"].tolist() == [16.7, -100.0, None]

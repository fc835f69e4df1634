"""Visits metrics (DESIGN section 4 visits; domain.md section 4) on hand-written frames.

Expected values are worked out on paper from the definitions; the working is in comments.
Quarter 2020-21 Q3 is 1 Oct to 31 Dec 2020; Q4 is 1 Jan to 31 Mar 2021.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qa_analysis.config import DEFAULT_SETTINGS
from qa_analysis.metrics import visits as vm
from qa_analysis.periods import Quarter

Q3 = Quarter(2020, 3)
Q4 = Quarter(2020, 4)
COLUMNS = [
    "visit_id", "child_id", "cohort", "visit_date", "modality", "method",
    "child_seen", "seen_alone", "worker_id",
]


def visits_frame(rows) -> pd.DataFrame:
    """Typed like TABLES["visits"]: rows are (id, child, cohort, date, modality, method, seen, alone)."""
    frame = pd.DataFrame([(*r, "W1") for r in rows], columns=COLUMNS)
    return frame.astype(
        {
            "visit_id": "string", "child_id": "string", "cohort": "string",
            "visit_date": "datetime64[ns]", "modality": "string", "method": "string",
            "child_seen": "boolean", "seen_alone": "boolean", "worker_id": "string",
        }
    )


def timing_frame(rows) -> pd.DataFrame:
    """Rows of (id, child, cohort, date) for timeliness tests; the other columns don't matter."""
    return visits_frame([(*r, "face_to_face", "home", True, True) for r in rows])


@pytest.fixture
def quarter_visits() -> pd.DataFrame:
    return visits_frame(
        [
            ("V1", "C1", "CLA", "2020-10-05", "face_to_face", "home", True, True),
            ("V2", "C1", "CLA", "2020-11-10", "virtual", "zoom", True, False),
            ("V3", "C2", "CP", "2020-12-31", "face_to_face", "school", True, None),
            ("V4", "C3", "CIN", "2020-10-01", "virtual", "phone", False, None),
            ("V5", "C3", "CIN", "2020-09-30", "face_to_face", "home", True, True),  # before Q3
            ("V6", "C4", "CP", "2021-01-01", "virtual", "zoom", True, True),  # after Q3
        ]
    )


# ------------------------------------------------------------------------ counts


def test_total_counts_both_quarter_ends_inclusive(quarter_visits):
    # V1..V4 (1 Oct and 31 Dec included); V5 (30 Sep) and V6 (1 Jan) outside -> 4
    assert vm.total_visits(quarter_visits, Q3) == 4


def test_modality_counts_and_percentage(quarter_visits):
    # face to face V1, V3 = 2; virtual V2, V4 = 2; 2 / 4 = 50.0
    assert vm.face_to_face_visits(quarter_visits, Q3) == 2
    assert vm.virtual_visits(quarter_visits, Q3) == 2
    assert vm.pct_face_to_face(quarter_visits, Q3) == 50.0


def test_method_keys_only_for_codes_present(quarter_visits):
    # home V1, zoom V2, school V3, phone V4; V5 home and V6 zoom are outside the quarter
    assert vm.visits_per_method(quarter_visits, Q3) == {
        "visits.method.home": 1, "visits.method.phone": 1,
        "visits.method.school": 1, "visits.method.zoom": 1,
    }


def test_a_blank_method_is_left_out_and_a_code_only_outside_the_quarter_has_no_key():
    visits = visits_frame(
        [
            ("V1", "C1", "CLA", "2020-10-05", "face_to_face", None, True, True),  # blank: no key
            ("V2", "C1", "CLA", "2020-11-10", "virtual", "teams", True, False),
            ("V3", "C2", "CP", "2021-01-04", "virtual", "zoom", True, True),  # Q4: no zoom key
        ]
    )

    assert vm.visits_per_method(visits, Q3) == {"visits.method.teams": 1}


def test_counts_on_an_extract_of_thousands_of_visits():
    # 3,000 copies of the fixture's pattern below: per copy, in Q3 two face-to-face home
    # visits (one seen alone) and one virtual zoom visit; one home visit in Q4
    pattern = [
        ("2020-10-05", "face_to_face", "home", True, True),
        ("2020-12-31", "face_to_face", "home", True, False),
        ("2020-11-10", "virtual", "zoom", False, None),
        ("2021-01-01", "face_to_face", "home", True, True),
    ]
    visits = visits_frame(
        [(f"V{i}", f"C{i % 7}", "CLA", *pattern[i % 4]) for i in range(12_000)]
    )

    # Q3: 3 x 3,000 = 9,000 visits, 6,000 face to face (66.7%), home 6,000, zoom 3,000;
    # seen 6,000, seen alone 3,000 (50.0%)
    assert vm.total_visits(visits, Q3) == 9_000
    assert vm.face_to_face_counts(visits, Q3) == (6_000, 9_000)
    assert vm.pct_face_to_face(visits, Q3) == 66.7
    assert vm.visits_per_method(visits, Q3) == {"visits.method.home": 6_000, "visits.method.zoom": 3_000}
    assert vm.seen_alone_counts(visits, Q3) == (3_000, 6_000)


def test_children_visited_counts_each_child_once(quarter_visits):
    # C1 (twice), C2, C3 -> 3; C4 only after the quarter
    assert vm.children_visited(quarter_visits, Q3) == 3


def test_visits_metrics_returns_every_key(quarter_visits):
    # seen: V1, V2, V3 (V4 not seen) = 3; alone: V1 = 1 -> 33.3
    # timely: V2 after V1 is 36 days (CLA <= 42) timely; V4 after V5 (30 Sep -> 1 Oct)
    # is 1 working day (CIN <= 20) timely; V1, V3 are first visits -> 2 / 2 = 100.0
    expected = {
        "visits.total": 4,
        "visits.face_to_face": 2,
        "visits.virtual": 2,
        "visits.pct_face_to_face": 50.0,
        "visits.method.home": 1,
        "visits.method.phone": 1,
        "visits.method.school": 1,
        "visits.method.zoom": 1,
        "visits.children_visited": 3,
        "visits.pct_seen_alone": 33.3,
        "visits.pct_timely": 100.0,
    }
    result = vm.visits_metrics(quarter_visits, Q3)
    assert result == expected
    assert all(type(result[k]) is int for k in expected if "pct" not in k)


def test_quarter_can_be_given_as_label(quarter_visits):
    assert vm.visits_metrics(quarter_visits, "2020-21 Q3") == vm.visits_metrics(quarter_visits, Q3)


def test_empty_quarter_gives_zero_counts_and_null_percentages(quarter_visits):
    # nothing in 2019-20 Q1: counts 0, every percentage has denominator 0 -> None
    assert vm.visits_metrics(quarter_visits, Quarter(2019, 1)) == {
        "visits.total": 0,
        "visits.face_to_face": 0,
        "visits.virtual": 0,
        "visits.pct_face_to_face": None,
        "visits.children_visited": 0,
        "visits.pct_seen_alone": None,
        "visits.pct_timely": None,
    }


# ---------------------------------------------------------------------- seen alone


def test_seen_alone_denominator_is_visits_where_child_seen():
    # seen: V1, V2 = 2 (V3 not seen, V4 blank); alone among them: V1 = 1 -> 50.0.
    # V3 says seen alone but the child was not seen: not in the numerator either.
    visits = visits_frame(
        [
            ("V1", "C1", "CP", "2020-10-01", "face_to_face", "home", True, True),
            ("V2", "C2", "CP", "2020-10-02", "face_to_face", "home", True, None),
            ("V3", "C3", "CP", "2020-10-03", "face_to_face", "home", False, True),
            ("V4", "C4", "CP", "2020-10-04", "face_to_face", "home", None, None),
        ]
    )
    assert vm.pct_seen_alone(visits, Q3) == 50.0


def test_seen_alone_null_when_no_child_seen():
    visits = visits_frame([("V1", "C1", "CP", "2020-10-01", "virtual", "phone", False, None)])
    assert vm.pct_seen_alone(visits, Q3) is None


# ---------------------------------------------------------------------- timeliness


@pytest.mark.parametrize(
    ("cohort", "previous", "visit", "quarter", "expected"),
    [
        # CLA: 1 Oct + 42 calendar days = 12 Nov (timely), 13 Nov is 43 days (late)
        ("CLA", "2020-10-01", "2020-11-12", Q3, 100.0),
        ("CLA", "2020-10-01", "2020-11-13", Q3, 0.0),
        # CP from Mon 2 Nov: 3-6 Nov (4), 9-13 Nov (9), 16 Nov = 10 working days timely; 17 Nov = 11 late
        ("CP", "2020-11-02", "2020-11-16", Q3, 100.0),
        ("CP", "2020-11-02", "2020-11-17", Q3, 0.0),
        # CIN from Mon 2 Nov: four whole weeks to Mon 30 Nov = 20 timely; Tue 1 Dec = 21 late
        ("CIN", "2020-11-02", "2020-11-30", Q3, 100.0),
        ("CIN", "2020-11-02", "2020-12-01", Q3, 0.0),
        # CP over Christmas from Fri 18 Dec 2020: 21-24 Dec (4), 25 and 28 Dec bank holidays,
        # 29-31 Dec (7), 1 Jan bank holiday, 4-6 Jan (10): Wed 6 Jan timely, Thu 7 Jan (11) late.
        # Counting weekdays only, 6 Jan would be 13 and late.
        ("CP", "2020-12-18", "2021-01-06", Q4, 100.0),
        ("CP", "2020-12-18", "2021-01-07", Q4, 0.0),
        # CIN over Christmas from 18 Dec: 6 Jan is 10, 7-8 Jan (12), 11-15 Jan (17),
        # 18-20 Jan (20): Wed 20 Jan timely, Thu 21 Jan (21) late
        ("CIN", "2020-12-18", "2021-01-20", Q4, 100.0),
        ("CIN", "2020-12-18", "2021-01-21", Q4, 0.0),
    ],
)
def test_visit_interval_boundaries(cohort, previous, visit, quarter, expected):
    # The earlier visit is the child's first (never in the denominator), so the denominator
    # is the one later visit: 100.0 when timely, 0.0 when late.
    visits = timing_frame([("V1", "C1", cohort, previous), ("V2", "C1", cohort, visit)])
    assert vm.pct_timely(visits, quarter) == expected


def test_previous_visit_before_quarter_start_counts():
    # V2 (20 Oct) follows V1 (20 Sep, before Q3): 30 days <= 42 -> in the denominator, timely
    visits = timing_frame([("V1", "C1", "CLA", "2020-09-20"), ("V2", "C1", "CLA", "2020-10-20")])
    assert vm.pct_timely(visits, Q3) == 100.0


def test_a_visit_with_no_date_is_never_an_earlier_visit():
    # C1 CLA: V1 has no date, V2 on 20 Oct is then the first visit (excluded); V3 on
    # 10 Nov is 21 days after V2 (timely). Denominator 1 (V3), timely 1 -> (1, 1)
    visits = timing_frame(
        [("V1", "C1", "CLA", None), ("V2", "C1", "CLA", "2020-10-20"), ("V3", "C1", "CLA", "2020-11-10")]
    )
    assert vm.timely_counts(visits, Q3) == (1, 1)


def test_earlier_visits_found_across_stretches_of_rows(monkeypatch):
    # rows read two at a time: V1 (1 Sep) and V2 (2 Sep, C2) in the first stretch, V3
    # (15 Sep) in the second; C1's latest earlier date is V3's 15 Sep: V4 on 20 Oct is 35
    # days later (<= 42, timely); C2's V5 on 30 Oct is 58 days after 2 Sep (late) -> (1, 2)
    from qa_analysis.metrics import _common

    monkeypatch.setattr(_common, "_STRETCH", 2)
    visits = timing_frame(
        [
            ("V1", "C1", "CLA", "2020-09-01"),
            ("V2", "C2", "CLA", "2020-09-02"),
            ("V3", "C1", "CLA", "2020-09-15"),
            ("V4", "C1", "CLA", "2020-10-20"),
            ("V5", "C2", "CLA", "2020-10-30"),
        ]
    )
    assert vm.timely_counts(visits, Q3) == (1, 2)


def test_first_ever_visit_excluded_from_denominator():
    # C1: V1 first (excluded); V2 61 days after V1 -> late. C2: V3 first (excluded).
    # denominator 1 (V2), timely 0 -> 0.0 (were first visits counted timely it would be 66.7)
    visits = timing_frame(
        [
            ("V1", "C1", "CLA", "2020-10-01"),
            ("V2", "C1", "CLA", "2020-12-01"),
            ("V3", "C2", "CLA", "2020-10-05"),
        ]
    )
    assert vm.pct_timely(visits, Q3) == 0.0


def test_only_first_visits_gives_null():
    visits = timing_frame([("V1", "C1", "CP", "2020-10-01"), ("V2", "C2", "CIN", "2020-10-02")])
    assert vm.pct_timely(visits, Q3) is None


def test_cohorts_of_the_same_child_kept_apart():
    # C1 CLA on 1 Oct and 30 Nov (60 days, late); CIN on 20 Oct is the first CIN visit
    # (excluded). Denominator 1, timely 0 -> 0.0. Mixing cohorts would give 30 Nov a gap
    # of 41 days from 20 Oct and make both visits timely (100.0).
    visits = timing_frame(
        [
            ("V1", "C1", "CLA", "2020-10-01"),
            ("V2", "C1", "CIN", "2020-10-20"),
            ("V3", "C1", "CLA", "2020-11-30"),
        ]
    )
    assert vm.pct_timely(visits, Q3) == 0.0


def test_visits_on_the_same_date_are_all_timed_from_the_earlier_date():
    # CP: V1 Thu 1 Oct; V2 and V3 Mon 2 Nov. Working days d with 1 Oct < d <= 2 Nov:
    # Fri 2 Oct (1) + four full weeks 5-30 Oct (20) + Mon 2 Nov (1) = 22 > 10, no bank holiday.
    # V2 and V3 both have gap 22 from V1 (a same-date visit is not an earlier visit): 0 of 2 -> 0.0
    # (timing V3 from V2, a gap of 0, would give 1 of 2 = 50.0)
    visits = timing_frame(
        [
            ("V1", "C1", "CP", "2020-10-01"),
            ("V2", "C1", "CP", "2020-11-02"),
            ("V3", "C1", "CP", "2020-11-02"),
        ]
    )
    assert vm.pct_timely(visits, Q3) == 0.0


def test_same_date_visits_share_a_timely_gap():
    # CLA: V1 1 Oct; V2, V3 and V4 on 20 Oct, each 19 calendar days after V1 (<= 42): 3 of 3 -> 100.0
    visits = timing_frame(
        [
            ("V1", "C1", "CLA", "2020-10-01"),
            ("V2", "C1", "CLA", "2020-10-20"),
            ("V3", "C1", "CLA", "2020-10-20"),
            ("V4", "C1", "CLA", "2020-10-20"),
        ]
    )
    assert vm.timely_counts(visits, Q3) == (3, 3)


def test_a_visit_whose_only_earlier_visit_is_the_same_day_has_no_previous_visit():
    # CLA: V1 and V2 both on 5 Oct, the child's first date: neither has an earlier date, so both
    # leave the denominator. V3 on 30 Nov: 56 days after 5 Oct (26 + 30) > 42, late.
    # Denominator 1 (V3), timely 0 -> 0.0 (a gap of 0 for V2 would give 1 of 2 = 50.0)
    visits = timing_frame(
        [
            ("V1", "C1", "CLA", "2020-10-05"),
            ("V2", "C1", "CLA", "2020-10-05"),
            ("V3", "C1", "CLA", "2020-11-30"),
        ]
    )
    assert vm.timely_counts(visits, Q3) == (0, 1)


def test_same_date_visits_before_the_quarter_count_as_one_earlier_date():
    # CIN: V1 and V2 on Mon 28 Sep (before Q3), V3 Mon 26 Oct. Working days d with
    # 28 Sep < d <= 26 Oct: 29 Sep-2 Oct (4) + 5-9, 12-16, 19-23 Oct (15) + 26 Oct (1) = 20 <= 20.
    # V3 timely; V1 and V2 are outside the quarter -> 1 of 1
    visits = timing_frame(
        [
            ("V1", "C1", "CIN", "2020-09-28"),
            ("V2", "C1", "CIN", "2020-09-28"),
            ("V3", "C1", "CIN", "2020-10-26"),
        ]
    )
    assert vm.timely_counts(visits, Q3) == (1, 1)


def test_interval_comes_from_settings():
    # 30 days between CLA visits: late with a 28-day interval
    visits = timing_frame([("V1", "C1", "CLA", "2020-10-01"), ("V2", "C1", "CLA", "2020-10-31")])
    settings = DEFAULT_SETTINGS.replace(visit_interval_cla_calendar_days=28)
    assert vm.pct_timely(visits, Q3, settings) == 0.0


# ---------------------------------------------------------------------- breakdowns


def test_visits_by_month_every_month_and_modality(quarter_visits):
    # Oct: face to face V1, virtual V4; Nov: virtual V2; Dec: face to face V3
    expected = pd.DataFrame(
        {
            "month": pd.to_datetime(
                ["2020-10-01"] * 2 + ["2020-11-01"] * 2 + ["2020-12-01"] * 2
            ).astype("datetime64[ns]"),  # the loader's date unit
            "modality": ["face_to_face", "virtual"] * 3,
            "visits": [1, 1, 0, 1, 1, 0],
        }
    )
    pd.testing.assert_frame_equal(vm.visits_by_month(quarter_visits, Q3, Q3), expected)
    pd.testing.assert_frame_equal(
        vm.visits_by_month(quarter_visits, "2020-10-01", "2020-12-31"), expected
    )


def test_visits_by_method_in_canonical_order(quarter_visits):
    # face to face: home V1, school V3; virtual: zoom V2, phone V4 (zoom listed before phone)
    expected = pd.DataFrame(
        {
            "modality": ["face_to_face", "face_to_face", "virtual", "virtual"],
            "method": ["home", "school", "zoom", "phone"],
            "visits": [1, 1, 1, 1],
        }
    )
    pd.testing.assert_frame_equal(vm.visits_by_method(quarter_visits, Q3), expected)


def test_timeliness_by_cohort():
    # CLA: V2 30 days after V1 -> timely. CP: V4 Mon 2 Nov after V3 Thu 1 Oct = 22 working
    # days -> late. CIN: V5 is a first visit -> nothing to measure (pct NaN).
    visits = timing_frame(
        [
            ("V1", "C1", "CLA", "2020-10-01"),
            ("V2", "C1", "CLA", "2020-10-31"),
            ("V3", "C2", "CP", "2020-10-01"),
            ("V4", "C2", "CP", "2020-11-02"),
            ("V5", "C3", "CIN", "2020-10-01"),
        ]
    )
    expected = pd.DataFrame(
        {
            "cohort": ["CLA", "CP", "CIN"],
            "visits_with_previous": [1, 1, 0],
            "timely": [1, 0, 0],
            "pct_timely": [100.0, 0.0, np.nan],
        }
    )
    pd.testing.assert_frame_equal(vm.timeliness_by_cohort(visits, Q3), expected)


def test_seen_alone_by_cohort(quarter_visits):
    # CLA: V1 seen alone, V2 seen -> 2, 1, 50.0; CP: V3 seen (alone blank) -> 1, 0, 0.0;
    # CIN: V4 not seen -> 0, 0, NaN
    expected = pd.DataFrame(
        {
            "cohort": ["CLA", "CP", "CIN"],
            "seen": [2, 1, 0],
            "seen_alone": [1, 0, 0],
            "pct_seen_alone": [50.0, 0.0, np.nan],
        }
    )
    pd.testing.assert_frame_equal(vm.seen_alone_by_cohort(quarter_visits, Q3), expected)


def test_input_frame_not_mutated(quarter_visits):
    before = quarter_visits.copy(deep=True)
    vm.visits_metrics(quarter_visits, Q3)
    vm.visits_by_month(quarter_visits, Q3, Q3)
    vm.visits_by_method(quarter_visits, Q3)
    vm.timeliness_by_cohort(quarter_visits, Q3)
    vm.seen_alone_by_cohort(quarter_visits, Q3)
    pd.testing.assert_frame_equal(quarter_visits, before)


def test_modality_keys_are_absent_not_zero_when_the_source_does_not_record_them():
    # SSD visits: no modality or method on any visit. Q3 is 1 Oct to 31 Dec 2020.
    # V1, V2 in Q3 (C1 seen alone once of two seen) -> total 2, children 1, seen alone 50.0
    visits = visits_frame([
        ("V1", "C1", "CLA", "2020-10-01", None, None, True, True),
        ("V2", "C1", "CLA", "2020-10-20", None, None, True, False),
    ])

    figures = vm.visits_metrics(visits, Q3)

    assert not {"visits.face_to_face", "visits.virtual", "visits.pct_face_to_face"} & set(figures)
    assert not [k for k in figures if k.startswith("visits.method.")]
    assert (figures["visits.total"], figures["visits.children_visited"],
            figures["visits.pct_seen_alone"]) == (2, 1, 50.0)


def test_visits_are_ordered_by_child_and_cohort_pair_then_date():
    from qa_analysis.metrics.visits import _pair_date_order

    dates = pd.Series(pd.to_datetime(["2020-10-03", "2020-10-02", "2020-10-01", "2020-10-04"])).to_numpy()
    pair = pd.Series([1, 0, 1, 0]).to_numpy()
    # pair 0: row 1 (2 Oct) then row 3 (4 Oct); pair 1: row 2 (1 Oct) then row 0 (3 Oct)
    assert _pair_date_order(pair, dates.view("int64"), dates.dtype).tolist() == [1, 3, 2, 0]

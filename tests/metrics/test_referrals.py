"""Contacts, referrals and assessments metrics (DESIGN section 4, referrals table).

Every expected value is worked out by hand from the written definition; the working is
in the comments. Quarters used:
  Q3 = 2020-21 Q3 = 2020-10-01 .. 2020-12-31 (1 Oct 2020 is a Thursday)
  Q4 = 2020-21 Q4 = 2021-01-01 .. 2021-03-31
"""

import numpy as np
import pandas as pd
import pytest

from qa_analysis.config import DEFAULT_SETTINGS
from qa_analysis.io.tables import TABLES
from qa_analysis.metrics.referrals import (
    assessment_duration_bands,
    assessments_completed,
    assessments_median_working_days,
    assessments_pct_within_target,
    contact_funnel,
    contacts_by_month,
    contacts_by_source,
    contacts_by_source_counts,
    contacts_children,
    contacts_families,
    contacts_families_multi_child,
    contacts_followed_by_referral_counts,
    contacts_max_children_per_family,
    contacts_total,
    families_by_children_contacted,
    referrals_metrics,
    referrals_pct_from_contact,
    referrals_pct_nfa,
    referrals_pct_re_referral_12m,
    referrals_total,
)
from qa_analysis.periods import Quarter

Q3 = Quarter(2020, 3)
Q4 = Quarter(2020, 4)

_DTYPES = {"str": "string", "date": "datetime64[us]", "bool": "boolean", "int": "Int64"}


def _table(name: str, **columns) -> pd.DataFrame:
    """A frame of exactly TABLES[name]'s columns and kinds; unnamed columns are blank."""
    n = len(next(iter(columns.values())))
    out = {}
    for column, kind in TABLES[name].columns.items():
        values = pd.Series(columns.get(column, [None] * n), dtype=object)
        if kind == "date":
            out[column] = pd.to_datetime(values).astype(_DTYPES[kind])
        else:
            out[column] = values.astype(_DTYPES[kind])
    return pd.DataFrame(out)


def contacts(child_id, contact_date, contact_source=None):
    source = contact_source or [None] * len(child_id)
    return _table("contacts", child_id=child_id, contact_date=contact_date, contact_source=source)


def referrals(child_id, referral_date, referral_nfa=None):
    nfa = referral_nfa or [None] * len(child_id)
    return _table("referrals", child_id=child_id, referral_date=referral_date, referral_nfa=nfa)


def assessments(start, authorised):
    ids = [f"A{i}" for i in range(len(start))]
    return _table(
        "assessments", child_id=ids, assessment_start_date=start, assessment_authorised_date=authorised
    )


def families(child_id, family_id):
    return _table("families", child_id=child_id, family_id=family_id)


@pytest.fixture
def referrals_sibling_contacts():
    # Family F1: 14 siblings S01..S14 all contacted on 2 Nov 2020.
    # Family F2: child Y alone, contacted twice.  Child X: no family row.
    siblings = [f"S{i:02d}" for i in range(1, 15)]
    frame = contacts(
        siblings + ["Y", "Y", "X"],
        ["2020-11-02"] * 14 + ["2020-10-05", "2020-12-01", "2020-11-20"],
    )
    membership = families(siblings + ["Y"], ["F1"] * 14 + ["F2"])
    return frame, membership


# ---------------------------------------------------------------- contacts


def test_contacts_total_counts_the_first_and_last_day_of_the_quarter_only():
    # 30 Sep out, 1 Oct in, 31 Dec in, 1 Jan out, no date out -> 2
    frame = contacts(["A", "B", "C", "D", "E"], ["2020-09-30", "2020-10-01", "2020-12-31", "2021-01-01", None])
    assert contacts_total(frame, Q3) == 2


def test_contacts_children_counts_a_child_contacted_twice_once():
    # A twice, B once -> 3 contacts, 2 children
    frame = contacts(["A", "A", "B"], ["2020-10-05", "2020-11-05", "2020-11-05"])
    assert (contacts_total(frame, Q3), contacts_children(frame, Q3)) == (3, 2)


def test_fourteen_siblings_contacted_on_one_day_are_one_family_of_fourteen(referrals_sibling_contacts):
    # F1 has 14 distinct children contacted; F2 has Y (twice, 1 child); X is alone.
    frame, membership = referrals_sibling_contacts
    assert contacts_max_children_per_family(frame, Q3, membership) == 14


def test_families_multi_child_counts_only_families_with_two_or_more_children(referrals_sibling_contacts):
    # F1: 14 children -> yes; F2: Y contacted twice is still 1 child -> no; X -> no. = 1
    frame, membership = referrals_sibling_contacts
    assert contacts_families_multi_child(frame, Q3, membership) == 1


def test_a_child_with_no_family_row_is_its_own_family(referrals_sibling_contacts):
    # F1, F2, and X on its own -> 3 families
    frame, membership = referrals_sibling_contacts
    assert contacts_families(frame, Q3, membership) == 3


def test_without_a_families_table_every_child_is_its_own_family(referrals_sibling_contacts):
    # 14 siblings + Y + X = 16 children = 16 families, each of 1 child
    frame, _ = referrals_sibling_contacts
    result = (
        contacts_families(frame, Q3),
        contacts_max_children_per_family(frame, Q3),
        contacts_families_multi_child(frame, Q3),
    )
    assert result == (16, 1, 0)


def test_a_child_id_equal_to_a_family_id_is_not_merged_into_that_family():
    # Child "F2" has no family row, so is its own family; child Y is in family "F2". = 2
    frame = contacts(["F2", "Y"], ["2020-10-05", "2020-10-05"])
    assert contacts_families(frame, Q3, families(["Y"], ["F2"])) == 2


def test_siblings_count_together_only_for_contacts_in_the_quarter():
    # F3: P on 10 Oct and Q on 31 Dec (in); R on 1 Jan 2021 (out) -> 2 children
    frame = contacts(["P", "Q", "R"], ["2020-10-10", "2020-12-31", "2021-01-01"])
    membership = families(["P", "Q", "R"], ["F3", "F3", "F3"])
    assert contacts_max_children_per_family(frame, Q3, membership) == 2


def test_family_measures_are_zero_when_there_are_no_contacts():
    frame = contacts(["A"], ["2021-01-01"])
    result = (
        contacts_families(frame, Q3),
        contacts_max_children_per_family(frame, Q3),
        contacts_families_multi_child(frame, Q3),
    )
    assert result == (0, 0, 0)


def test_contacts_by_source_counts_codes_in_code_list_order_leaving_blanks_out():
    # in quarter: 10, 6, 1A, 6, blank; out of quarter: 3A.  Order 1A, 6, 10 (not alphabetical).
    frame = contacts(
        ["A", "B", "C", "D", "E", "F"],
        ["2020-10-01", "2020-10-02", "2020-10-03", "2020-10-04", "2020-10-05", "2021-01-01"],
        ["10", "6", "1A", "6", None, "3A"],
    )
    result = contacts_by_source_counts(frame, Q3)
    assert list(result.items()) == [
        ("contacts.source.1A", 1),
        ("contacts.source.6", 2),
        ("contacts.source.10", 1),
    ]


# ---------------------------------------------------------------- referrals


def test_referrals_total_counts_the_first_and_last_day_of_the_quarter_only():
    # 30 Sep out, 1 Oct in, 31 Dec in, 1 Jan out -> 2
    frame = referrals(["A", "B", "C", "D"], ["2020-09-30", "2020-10-01", "2020-12-31", "2021-01-01"])
    assert referrals_total(frame, Q3) == 2


@pytest.mark.parametrize(
    "contact_date, referral_child, referral_date, expected",
    [
        ("2020-10-01", "A", "2020-10-31", 100.0),  # 1 Oct + 30 days = 31 Oct: in
        ("2020-10-01", "A", "2020-11-01", 0.0),  # day 31: out
        ("2020-12-31", "A", "2020-12-31", 100.0),  # same day: in
        ("2020-11-10", "B", "2020-11-10", 0.0),  # another child's referral: no
        ("2020-11-10", "A", "2020-11-09", 0.0),  # referral the day before the contact: no
        ("2020-12-20", "A", "2021-01-15", 100.0),  # 26 days on, after the quarter end: in
    ],
)
def test_pct_from_contact_window(contact_date, referral_child, referral_date, expected):
    frame = contacts(["A"], [contact_date])
    assert referrals_pct_from_contact(frame, referrals([referral_child], [referral_date]), Q3) == expected


def test_pct_from_contact_counts_contact_rows_not_children():
    # A contacted 1 Oct and 1 Dec; referral 15 Oct: converts the 1 Oct contact (14 days)
    # but is before the 1 Dec one. 1 of 2 contacts -> 50.0
    frame = contacts(["A", "A"], ["2020-10-01", "2020-12-01"])
    assert referrals_pct_from_contact(frame, referrals(["A"], ["2020-10-15"]), Q3) == 50.0


def test_pct_from_contact_counts_a_contact_once_with_two_referrals_in_the_window():
    # referrals 2 and 5 days after the one contact -> 1 of 1 -> 100.0
    frame = contacts(["A"], ["2020-10-01"])
    result = referrals_pct_from_contact(frame, referrals(["A", "A"], ["2020-10-03", "2020-10-06"]), Q3)
    assert result == 100.0


def test_pct_from_contact_window_is_a_setting():
    # window 14 days: 1 Oct + 15 days = 16 Oct is outside -> 0.0
    settings = DEFAULT_SETTINGS.replace(contact_referral_window_days=14)
    frame = contacts(["A"], ["2020-10-01"])
    assert referrals_pct_from_contact(frame, referrals(["A"], ["2020-10-16"]), Q3, settings) == 0.0


@pytest.mark.parametrize(
    "earlier_date, expected",
    [
        ("2020-01-15", 100.0),  # exactly 12 months before 15 Jan 2021: counts
        ("2020-01-14", 0.0),  # 12 months and 1 day before: does not
    ],
)
def test_re_referral_12_month_boundary(earlier_date, expected):
    # only the 15 Jan 2021 referral is in Q4, so the denominator is 1
    frame = referrals(["A", "A"], [earlier_date, "2021-01-15"])
    assert referrals_pct_re_referral_12m(frame, Q4) == expected


def test_a_same_day_duplicate_referral_is_not_a_re_referral():
    # two referrals of A on 15 Jan 2021: neither is strictly earlier -> 0 of 2
    frame = referrals(["A", "A"], ["2021-01-15", "2021-01-15"])
    assert referrals_pct_re_referral_12m(frame, Q4) == 0.0


def test_an_earlier_referral_of_another_child_is_not_a_re_referral():
    frame = referrals(["B", "A"], ["2020-06-01", "2021-01-15"])
    assert referrals_pct_re_referral_12m(frame, Q4) == 0.0


def test_re_referral_rate_is_over_all_referrals_in_the_quarter():
    # A 15 Jan and A 1 Feb (1 Feb re-refers 15 Jan); B 20 Jan; C 3 Mar -> 1 of 4 = 25.0
    frame = referrals(["A", "A", "B", "C"], ["2021-01-15", "2021-02-01", "2021-01-20", "2021-03-03"])
    assert referrals_pct_re_referral_12m(frame, Q4) == 25.0


def test_pct_nfa_counts_true_over_all_referrals_in_the_quarter():
    # in Q3: True, False, blank, True -> 2 of 4 = 50.0; the True on 1 Jan is outside
    frame = referrals(
        ["A", "B", "C", "D", "E"],
        ["2020-10-01", "2020-10-02", "2020-10-03", "2020-12-31", "2021-01-01"],
        [True, False, None, True, True],
    )
    assert referrals_pct_nfa(frame, Q3) == 50.0


def test_referral_percentages_are_none_without_a_denominator():
    # no contact and no referral in Q3
    contact_frame = contacts(["A"], ["2021-01-02"])
    referral_frame = referrals(["A"], ["2021-01-02"])
    result = (
        referrals_pct_from_contact(contact_frame, referral_frame, Q3),
        referrals_pct_re_referral_12m(referral_frame, Q3),
        referrals_pct_nfa(referral_frame, Q3),
    )
    assert result == (None, None, None)


# ---------------------------------------------------------------- assessments
# Working days from a to b count the working days d with a < d <= b.
# Mon 5 Oct 2020 -> Mon 7 Dec 2020: nine Tue..Mon weeks of 5 = 45 (no bank holiday).
# Fri 2 Oct 2020 -> Mon 7 Dec 2020: the same 45 plus Mon 5 Oct = 46.


def test_assessments_completed_counts_authorisation_dates_in_the_quarter_only():
    # authorised 30 Sep out, 1 Oct in, 31 Dec in, 1 Jan out -> 2
    frame = assessments(
        ["2020-09-01"] * 4, ["2020-09-30", "2020-10-01", "2020-12-31", "2021-01-01"]
    )
    assert assessments_completed(frame, Q3) == 2


@pytest.mark.parametrize(
    "start, expected",
    [
        ("2020-10-05", 100.0),  # 45 working days: within
        ("2020-10-02", 0.0),  # 46 working days: over
    ],
)
def test_pct_within_45_working_days_boundary(start, expected):
    assert assessments_pct_within_target(assessments([start], ["2020-12-07"]), Q3) == expected


@pytest.mark.parametrize(
    "authorised, expected",
    [
        ("2021-02-05", 100.0),  # 45 working days: within
        ("2021-02-08", 0.0),  # 46 working days: over
    ],
)
def test_the_45_working_day_boundary_across_the_christmas_bank_holidays(authorised, expected):
    # Start Tue 1 Dec 2020; working days d with 1 Dec < d <= authorisation:
    # Dec: 2-4 (3), 7-11 (5), 14-18 (5), 21-24 (4; Fri 25 BH), Mon 28 BH (Boxing Day substitute),
    # 29-31 (3) = 20; Fri 1 Jan BH; Jan 4-8, 11-15, 18-22, 25-29 (20) = 40; Feb 1-5 (5) = 45 on Fri 5 Feb,
    # 46 on Mon 8 Feb. Counting weekdays only, 5 Feb would be 48 and over the limit.
    frame = assessments(["2020-12-01"], [authorised])
    assert assessments_pct_within_target(frame, Q4) == expected


def test_median_of_an_even_count_is_the_mean_of_the_middle_two():
    # durations 45 and 46 -> 45.5
    frame = assessments(["2020-10-05", "2020-10-02"], ["2020-12-07", "2020-12-07"])
    assert assessments_median_working_days(frame, Q3) == 45.5


def test_an_interval_across_christmas_2020_skips_weekends_and_bank_holidays():
    # Fri 18 Dec 2020 -> Mon 4 Jan 2021, counted on a calendar:
    # Mon 21, Tue 22, Wed 23, Thu 24 (4); Fri 25 BH; 26-27 weekend; Mon 28 BH (Boxing Day
    # substitute); Tue 29, Wed 30, Thu 31 (3); Fri 1 Jan BH; 2-3 weekend; Mon 4 Jan (1) = 8
    frame = assessments(["2020-12-18"], ["2021-01-04"])
    assert assessments_median_working_days(frame, Q4) == 8.0


def test_a_missing_start_date_counts_as_completed_but_not_in_timeliness():
    # rows: (no start, 7 Dec) and (5 Oct, 7 Dec) = 45 -> completed 2, pct 1/1, median 45.0
    frame = assessments([None, "2020-10-05"], ["2020-12-07", "2020-12-07"])
    result = (
        assessments_completed(frame, Q3),
        assessments_pct_within_target(frame, Q3),
        assessments_median_working_days(frame, Q3),
    )
    assert result == (2, 100.0, 45.0)


def test_a_start_after_authorisation_counts_as_completed_but_not_in_timeliness():
    # (8 Dec, 7 Dec) is impossible -> left out; (2 Oct, 7 Dec) = 46 -> pct 0 of 1, median 46
    frame = assessments(["2020-12-08", "2020-10-02"], ["2020-12-07", "2020-12-07"])
    result = (
        assessments_completed(frame, Q3),
        assessments_pct_within_target(frame, Q3),
        assessments_median_working_days(frame, Q3),
    )
    assert result == (2, 0.0, 46.0)


def test_assessment_measures_are_none_when_none_completed():
    frame = assessments(["2020-12-01"], ["2021-01-05"])
    result = (assessments_pct_within_target(frame, Q3), assessments_median_working_days(frame, Q3))
    assert result == (None, None)


# ---------------------------------------------------------------- all keys


@pytest.fixture
def referrals_small_set():
    # Q3 data, worked below in test_referrals_metrics_gives_every_key.
    contact_frame = contacts(
        ["A", "B", "C", "D"],
        ["2020-10-01", "2020-10-01", "2020-11-15", "2021-01-01"],
        ["6", "1A", "6", "6"],
    )
    referral_frame = referrals(
        ["A", "A", "C"], ["2019-12-01", "2020-10-20", "2020-12-31"], [False, False, True]
    )
    assessment_frame = assessments(["2020-10-05", "2020-10-02"], ["2020-12-07", "2020-12-07"])
    membership = families(["A", "B"], ["F1", "F1"])
    return contact_frame, referral_frame, assessment_frame, membership


def test_referrals_metrics_gives_every_key(referrals_small_set):
    # contacts in Q3: A, B (1 Oct), C (15 Nov); D is 1 Jan (out) -> total 3, children 3
    # families: F1 = {A, B}, C alone -> 2 families, max 2, 1 multi-child
    # sources: A 6, B 1A, C 6 -> 1A: 1, 6: 2
    # referrals in Q3: A 20 Oct, C 31 Dec -> total 2
    # from contact: A 1 Oct -> 20 Oct = 19 days (in); B none; C 15 Nov -> 31 Dec = 46 days
    #   (out) -> 1 of 3 = 33.3
    # re-referral: A 20 Oct has A 1 Dec 2019 (after 20 Oct 2019) -> yes; C no -> 1 of 2 = 50.0
    # NFA: C only -> 1 of 2 = 50.0
    # assessments: 45 and 46 working days -> completed 2, within 1 of 2 = 50.0, median 45.5
    contact_frame, referral_frame, assessment_frame, membership = referrals_small_set
    result = referrals_metrics(contact_frame, referral_frame, assessment_frame, Q3, membership)
    assert result == {
        "contacts.total": 3,
        "contacts.children": 3,
        "contacts.families": 2,
        "contacts.max_children_per_family": 2,
        "contacts.families_multi_child": 1,
        "contacts.source.1A": 1,
        "contacts.source.6": 2,
        "referrals.total": 2,
        "referrals.pct_from_contact": 33.3,
        "referrals.pct_re_referral_12m": 50.0,
        "referrals.pct_nfa": 50.0,
        "assessments.completed": 2,
        "assessments.pct_within_45wd": 50.0,
        "assessments.median_working_days": 45.5,
    }


def test_referrals_metrics_counts_are_python_ints(referrals_small_set):
    contact_frame, referral_frame, assessment_frame, membership = referrals_small_set
    result = referrals_metrics(contact_frame, referral_frame, assessment_frame, Q3, membership)
    count_keys = [k for k in result if not k.split(".")[-1].startswith(("pct", "median"))]
    assert {type(result[k]) for k in count_keys} == {int}


def test_a_missing_frame_leaves_out_its_keys(referrals_small_set):
    # no contacts: contacts.* and pct_from_contact (which needs contacts) are left out
    _, referral_frame, _, _ = referrals_small_set
    result = referrals_metrics(None, referral_frame, None, Q3)
    assert list(result) == ["referrals.total", "referrals.pct_re_referral_12m", "referrals.pct_nfa"]


def test_referrals_metrics_on_an_empty_quarter(referrals_small_set):
    # 2020-21 Q1 (Apr-Jun 2020) holds none of the rows
    contact_frame, referral_frame, assessment_frame, membership = referrals_small_set
    result = referrals_metrics(contact_frame, referral_frame, assessment_frame, Quarter(2020, 1), membership)
    assert result == {
        "contacts.total": 0,
        "contacts.children": 0,
        "contacts.families": 0,
        "contacts.max_children_per_family": 0,
        "contacts.families_multi_child": 0,
        "referrals.total": 0,
        "referrals.pct_from_contact": None,
        "referrals.pct_re_referral_12m": None,
        "referrals.pct_nfa": None,
        "assessments.completed": 0,
        "assessments.pct_within_45wd": None,
        "assessments.median_working_days": None,
    }


def test_inputs_are_not_mutated(referrals_small_set):
    frames = referrals_small_set
    before = [frame.copy() for frame in frames]
    contact_frame, referral_frame, assessment_frame, membership = frames
    referrals_metrics(contact_frame, referral_frame, assessment_frame, Q3, membership)
    contacts_by_source(contact_frame, Q3)
    contact_funnel(contact_frame, referral_frame, assessment_frame, Q3)
    families_by_children_contacted(contact_frame, Q3, membership)
    assessment_duration_bands(assessment_frame, Q3)
    contacts_by_month(contact_frame, "2020-10-01", "2020-12-31")
    for original, after in zip(before, frames, strict=True):
        pd.testing.assert_frame_equal(after, original)


# ---------------------------------------------------------------- chart frames


def test_contacts_by_source_frame(referrals_small_set):
    # in Q3: A 6, B 1A, C 6 -> 1A 1, 6 2 (code-list order)
    contact_frame = referrals_small_set[0]
    expected = pd.DataFrame({"source": ["1A", "6"], "contacts": [1, 2]})
    pd.testing.assert_frame_equal(contacts_by_source(contact_frame, Q3), expected)


def test_contact_funnel_frame(referrals_small_set):
    # contacts 3, referrals 2, assessments started in Q3 (5 Oct, 2 Oct) 2, completed 2
    contact_frame, referral_frame, assessment_frame, _ = referrals_small_set
    expected = pd.DataFrame(
        {
            "stage": ["contacts", "referrals", "assessments started", "assessments completed"],
            "count": [3, 2, 2, 2],
        }
    )
    result = contact_funnel(contact_frame, referral_frame, assessment_frame, Q3)
    pd.testing.assert_frame_equal(result, expected)


def test_contact_funnel_counts_assessments_started_by_start_date():
    # started 30 Sep (out), 1 Oct (in, not yet authorised); completed 1 Oct (in) -> 1 and 1
    frame = assessments(["2020-09-30", "2020-10-01"], ["2020-10-01", None])
    expected = pd.DataFrame(
        {"stage": ["assessments started", "assessments completed"], "count": [1, 1]}
    )
    pd.testing.assert_frame_equal(contact_funnel(None, None, frame, Q3), expected)


def test_families_by_children_contacted_lists_every_size_up_to_the_largest(referrals_sibling_contacts):
    # families of 1 child: F2 (Y) and X -> 2; of 14: F1 -> 1; sizes 2..13 -> 0
    frame, membership = referrals_sibling_contacts
    expected = pd.DataFrame(
        {"children_contacted": list(range(1, 15)), "families": [2] + [0] * 12 + [1]}
    )
    pd.testing.assert_frame_equal(families_by_children_contacted(frame, Q3, membership), expected)


def test_families_by_children_contacted_is_empty_without_contacts():
    frame = contacts(["A"], ["2021-01-01"])
    result = families_by_children_contacted(frame, Q3)
    assert (list(result.columns), len(result)) == (["children_contacted", "families"], 0)


def test_assessment_duration_bands_holds_every_band():
    # Q3 completions (working days a < d <= b):
    #   Mon 2 Nov -> Mon 2 Nov: 0 (Same day)
    #   Mon 2 Nov -> Mon 16 Nov: Tue 3..Fri 6 (4) + 9..13 (5) + Mon 16 (1) = 10 (1-10)
    #   Mon 2 Nov -> Tue 17 Nov: 11 (11-20)
    #   Mon 5 Oct -> Mon 7 Dec: 45 (41-45);  Fri 2 Oct -> Mon 7 Dec: 46 (46-50)
    #   Wed 1 Jul -> Thu 1 Oct: Jul 2-31 22 + Aug 3-28 20 (31 Aug BH) + Sep 22 + 1 Oct 1
    #     = 65 (61+)
    #   no start -> left out
    frame = assessments(
        ["2020-11-02", "2020-11-02", "2020-11-02", "2020-10-05", "2020-10-02", "2020-07-01", None],
        ["2020-11-02", "2020-11-16", "2020-11-17", "2020-12-07", "2020-12-07", "2020-10-01", "2020-10-01"],
    )
    expected = pd.DataFrame(
        {
            "band": ["Same day", "1-10", "11-20", "21-30", "31-40", "41-45", "46-50", "51-60", "61+"],
            "assessments": [1, 1, 1, 0, 0, 1, 1, 0, 1],
        }
    )
    pd.testing.assert_frame_equal(assessment_duration_bands(frame, Q3), expected)


def test_contacts_by_month_fills_empty_months_with_zero():
    # 1 Oct and 31 Oct -> Oct 2; Nov 0; 31 Dec -> Dec 1; 30 Sep and 1 Jan outside
    frame = contacts(
        ["A", "B", "C", "D", "E"], ["2020-09-30", "2020-10-01", "2020-10-31", "2020-12-31", "2021-01-01"]
    )
    expected = pd.DataFrame(
        {
            "month": pd.to_datetime(["2020-10-01", "2020-11-01", "2020-12-01"]),
            "contacts": [2, 0, 1],
        }
    )
    pd.testing.assert_frame_equal(contacts_by_month(frame, "2020-10-01", "2020-12-31"), expected)


# ---------------------------------------------------------------- the funnel, like with like (issue 16)


def test_referral_funnel_shares_only_the_contact_to_referral_figure():
    from qa_analysis.metrics.referrals import referral_funnel

    # Q3 (1 Oct to 31 Dec 2020). Contacts: A on 1 Oct, B on 10 Oct, C on 20 Dec -> 3.
    # Referrals: A on 15 Oct (14 days after: counts), B on 1 Oct (before its contact: no),
    # C on 5 Jan 2021 (16 days after, after the quarter end: counts), D on 2 Nov (no contact).
    # Contacts followed by a referral within 30 days: A and C = 2; 2 / 3 = 66.7%.
    # Referrals dated in Q3: A, B, D = 3. Assessments started in Q3: 1 Nov and 30 Dec = 2
    # (one started 1 Sep and completed in Q3 is not a Q3 start).
    frame = referral_funnel(
        contacts(["A", "B", "C"], ["2020-10-01", "2020-10-10", "2020-12-20"]),
        referrals(["A", "B", "C", "D"], ["2020-10-15", "2020-10-01", "2021-01-05", "2020-11-02"]),
        assessments(["2020-11-01", "2020-12-30", "2020-09-01"], ["2020-11-20", None, "2020-10-20"]),
        Q3,
    )

    expected = pd.DataFrame({
        "stage": pd.Series(["Contacts", "Contacts followed by a referral within 30 days", "Referrals",
                            "Assessments started"], dtype="str"),
        "count": pd.Series([3, 2, 3, 2], dtype="int64"),
        "share": pd.Series([None, 66.7, None, None], dtype="object"),
        "share_of": pd.Series([None, "contacts", None, None], dtype="object"),
    })
    pd.testing.assert_frame_equal(frame, expected)


def test_the_funnel_share_is_the_pct_from_contact_figure():
    from qa_analysis.metrics.referrals import referral_funnel

    contact_rows = contacts(["A", "B", "C"], ["2020-10-01", "2020-10-10", "2020-12-20"])
    referral_rows = referrals(["A", "C"], ["2020-10-15", "2021-01-05"])

    funnel = referral_funnel(contact_rows, referral_rows, None, Q3)

    assert funnel["share"].iloc[1] == referrals_pct_from_contact(contact_rows, referral_rows, Q3)


def test_any_between_finds_a_same_key_date_inside_each_window():
    # others: key 5 on 2 and 10 Jan, key 7 on 4 Jan. Windows: key 5 3-9 Jan (none: 2 is
    # before, 10 after) -> False; key 5 9-10 Jan (10 Jan, the last day included) -> True;
    # key 7 4-4 Jan (the one day) -> True; key 9 (no others) -> False.
    from qa_analysis.metrics.referrals import _any_between

    def day(text):
        return np.datetime64(text, "ns")

    keys = np.array([5, 5, 7, 9], dtype=np.uint64)
    low = np.array([day("2021-01-03"), day("2021-01-09"), day("2021-01-04"), day("2021-01-01")])
    high = np.array([day("2021-01-09"), day("2021-01-10"), day("2021-01-04"), day("2021-01-31")])
    others = np.array([5, 7, 5], dtype=np.uint64)
    dates = np.array([day("2021-01-10"), day("2021-01-04"), day("2021-01-02")])
    assert _any_between(keys, low, high, others, dates).tolist() == [False, True, True, False]


def test_any_between_leaves_dates_not_whole_days_apart_to_the_join():
    # referrals at 10:00 on 4 Jan and at midnight on 5 Jan are not whole days apart:
    # None, and the caller joins instead
    from qa_analysis.metrics.referrals import _any_between

    at = np.array([np.datetime64("2021-01-04T10:00", "ns"), np.datetime64("2021-01-05T00:00", "ns")])
    assert _any_between(np.array([1], dtype=np.uint64), at[:1], at[:1], np.array([1, 1], dtype=np.uint64), at) is None


def test_contacts_followed_by_referral_counts_at_a_time_of_day_match_by_the_join():
    # contact C1 1 Oct 09:00, referral 31 Oct 09:00 (30 days later, inside); contact C2
    # 1 Oct, referral 1 Nov 10:00 (31 days and 10 hours: outside) -> 1 of 2
    contacts = pd.DataFrame({"child_id": pd.Series(["C1", "C2"], dtype="string"),
                             "contact_date": pd.to_datetime(["2020-10-01 09:00", "2020-10-01 00:00"]).astype("datetime64[ns]")})
    referrals = pd.DataFrame({"child_id": pd.Series(["C1", "C2"], dtype="string"),
                              "referral_date": pd.to_datetime(["2020-10-31 09:00", "2020-11-01 10:00"]).astype("datetime64[ns]")})
    assert contacts_followed_by_referral_counts(contacts, referrals, Q3) == (1, 2)

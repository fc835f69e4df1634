"""Exact rounding of percentages (DESIGN section 4): half away from zero at 1 decimal place,
from the exact ratio, as Excel's ROUND and DfE tables round. Values worked out by hand."""

import gc

import numpy as np
import pandas as pd
import pytest

from qa_analysis.metrics import _common
from qa_analysis.metrics._common import derived, pct, round_half_away


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (37, 80, 46.3),    # 3700 / 80 = 46.25 exactly: half -> up (round() gives 46.2)
        (1, 16, 6.3),      # 100 / 16 = 6.25: half -> up (round() gives 6.2)
        (1, 80, 1.3),      # 100 / 80 = 1.25: half -> up (round() gives 1.2)
        (29, 400, 7.3),    # 2900 / 400 = 7.25: half -> up
        (3, 16, 18.8),     # 300 / 16 = 18.75: half -> up
        (3, 2000, 0.2),    # 300 / 2000 = 0.15 exactly (as a float 0.1499..., round() gives 0.1)
        (1, 8, 12.5),      # 12.5 already has one decimal
        (1, 3, 33.3),      # 33.333...: below the half -> down
        (2, 3, 66.7),      # 66.666...: above the half -> up
        (0, 7, 0.0),
        (7, 7, 100.0),
    ],
)
def test_pct_rounds_half_away_from_zero_from_the_exact_ratio(numerator, denominator, expected):
    assert pct(numerator, denominator) == expected


def test_pct_is_null_when_the_denominator_is_zero():
    assert pct(0, 0) is None


def test_pct_is_null_when_the_denominator_is_missing():
    assert pct(3, None) is None


def test_a_negative_half_rounds_away_from_zero():
    # -46.25 -> -46.3 (away from zero, as Excel's ROUND)
    assert round_half_away(-46.25, 1) == -46.3


def test_a_float_half_is_taken_as_written():
    # 2.675 is stored as 2.67499999...; as written it is a half at 2 places -> 2.68
    assert round_half_away(2.675, 2) == 2.68


def test_a_median_half_keeps_its_half():
    # the median of 12 and 13 working days is 12.5, already at one decimal
    assert round_half_away(12.5, 1) == 12.5


def test_rounding_missing_gives_none():
    assert round_half_away(float("nan"), 1) is None


# --- derived tables computed once per input frame ----------------------------------------


def test_a_derived_table_is_computed_once_per_frame_and_key():
    frame = pd.DataFrame({"a": [1]})
    calls = []
    first = derived(frame, ("test-once",), lambda: calls.append(1) or "built")
    second = derived(frame, ("test-once",), lambda: calls.append(1) or "built again")
    assert (first, second, len(calls)) == ("built", "built", 1)


def test_an_equal_but_different_frame_gets_its_own_derived_table():
    a, b = pd.DataFrame({"a": [1]}), pd.DataFrame({"a": [1]})
    assert (derived(a, ("test-own",), lambda: "for a"), derived(b, ("test-own",), lambda: "for b")) == (
        "for a", "for b"
    )


def test_the_derived_table_of_a_dropped_frame_is_forgotten():
    frame = pd.DataFrame({"a": [1]})
    ident = (id(frame), ("test-forget",))
    _common.derived(frame, ("test-forget",), lambda: "x")
    del frame
    gc.collect()
    assert ident not in _common._DERIVED


def test_a_derived_table_that_rests_on_another_frame_is_kept_apart_per_other_frame():
    frame, families_a, families_b = pd.DataFrame({"a": [1]}), pd.DataFrame({"f": [1]}), pd.DataFrame({"f": [1]})
    with_a = derived(frame, ("test-others",), lambda: "with a", others=(families_a,))
    with_b = derived(frame, ("test-others",), lambda: "with b", others=(families_b,))
    again_a = derived(frame, ("test-others",), lambda: "built again", others=(families_a,))
    without = derived(frame, ("test-others",), lambda: "without", others=(None,))
    assert (with_a, with_b, again_a, without) == ("with a", "with b", "with a", "without")


# --- look-ups on text keys: the pandas result, by pyarrow where the text is Arrow-backed ----


@pytest.mark.parametrize("dtype", ["string", object])
def test_isin_is_true_only_for_values_among_the_candidates_and_never_for_a_blank(dtype):
    values = pd.Series(["C1", None, "C3", "C1"], dtype=dtype)
    candidates = pd.Series(["C1", "C2"], dtype=dtype)
    # C1 is a candidate (twice); the blank and C3 are not
    assert _common.isin(values, candidates).tolist() == [True, False, False, True]


def test_isin_works_on_an_index_of_arrow_text():
    cohort = pd.Index(["C2", "C9"], dtype="string")
    assert _common.isin(cohort, pd.Series(["C2", "C2", "C5"], dtype="string")).tolist() == [True, False]


@pytest.mark.parametrize("dtype", ["string", object])
def test_codes_give_one_code_per_distinct_value_and_minus_one_for_a_blank(dtype):
    found, distinct, values = _common.codes(pd.Series(["b", "a", None, "b"], dtype=dtype), with_values=True)
    # two distinct values, "b" twice with the same code, the blank -1
    assert (distinct, found[0] == found[3], found[0] != found[1], found[2]) == (2, True, True, -1)
    assert [values[c] for c in found[[0, 1]]] == ["b", "a"]


def test_first_seen_codes_number_the_codes_in_order_of_first_appearance():
    # codes 7, 3, 7, -1, 5 -> 7 first (0), then 3 (1), then 5 (2); the blank stays -1
    renumbered, original = _common.first_seen_codes(pd.Series([7, 3, 7, -1, 5]).to_numpy())
    assert (renumbered.tolist(), original.tolist()) == ([0, 1, 0, -1, 2], [7, 3, 5])


def test_lookup_gives_the_position_among_the_known_codes_or_minus_one():
    # known codes 4 and 1 (positions 0 and 1) out of 6; 2 is not known, -1 is a blank
    found = _common.lookup(pd.Series([1, 4, 2, -1]).to_numpy(), pd.Series([4, 1]).to_numpy(), 6)
    assert found.tolist() == [1, 0, -1, -1]


@pytest.mark.parametrize("dtype", ["string", object])
def test_codes_of_sorted_text_give_one_code_per_distinct_value(dtype):
    # sorted and no blank (numbered by its runs): a, a, b, c, c -> three values, runs 0 0 1 2 2
    found, distinct, values = _common.codes(pd.Series(["a", "a", "b", "c", "c"], dtype=dtype), with_values=True)
    assert (found.tolist(), distinct, values) == ([0, 0, 1, 2, 2], 3, ["a", "b", "c"])


@pytest.mark.parametrize("dtype", ["string", object])
def test_positions_in_gives_the_first_position_among_the_candidates_or_minus_one(dtype):
    values = pd.Series(["C2", "C9", None, "C1"], dtype=dtype)
    candidates = pd.Series(["C1", None, "C2", "C1"], dtype=dtype)
    # C2 first at position 2; C9 absent; a blank matches nothing (not even the blank at 1);
    # C1 first at position 0 (its second row, 3, is not the first)
    assert _common.positions_in(values, candidates).tolist() == [2, -1, -1, 0]


# --- runs of equal adjacent keys (groups whose rows are contiguous) ----------------------

# Keys 5 5 7 7 7 9: runs start at rows 0, 2 and 5.
_KEYS = pd.Series([5, 5, 7, 7, 7, 9]).to_numpy()


def test_run_starts_mark_the_first_row_of_each_run():
    assert _common.run_starts(_KEYS).tolist() == [True, False, True, False, False, True]


def test_run_first_gives_the_first_row_of_each_rows_run():
    assert _common.run_first(_common.run_starts(_KEYS)).tolist() == [0, 0, 2, 2, 2, 5]


def test_run_cumsum_restarts_at_each_run():
    # values 1 2 3 4 5 6 -> run 1: 1, 3; run 2: 3, 7, 12; run 3: 6
    found = _common.run_cumsum(pd.Series([1, 2, 3, 4, 5, 6]).to_numpy(), _common.run_starts(_KEYS))
    assert found.tolist() == [1, 3, 3, 7, 12, 6]


def test_run_shift_moves_each_run_down_one_row_with_the_fill_on_its_first_row():
    found = _common.run_shift(pd.Series([1, 2, 3, 4, 5, 6]).to_numpy(), _common.run_starts(_KEYS), 0)
    assert found.tolist() == [0, 1, 0, 3, 4, 0]


def test_run_previous_valid_gives_the_last_valid_row_before_within_the_run():
    valid = pd.Series([True, False, False, True, False, True]).to_numpy()
    # row 1: row 0; row 2 (run starts): none; row 3: none before it in run 2 (row 2 invalid);
    # row 4: row 3; row 5 (run starts): none
    found = _common.run_previous_valid(valid, _common.run_starts(_KEYS))
    assert found.tolist() == [-1, 0, -1, -1, 3, -1]


def test_positions_in_sorted_ids_of_one_width_gives_the_first_listed_position():
    values = pd.Series(["C2", "C9", "C1"], dtype="string")
    candidates = pd.Series(["C1", "C1", "C2", "C3"], dtype="string")  # sorted, one width
    # C2 at 2; C9 absent; C1 first listed at 0 (not 1)
    assert _common.positions_in(values, candidates).tolist() == [2, -1, 0]


def test_id_keys_keep_the_order_and_equalities_of_the_text():
    import pyarrow as pa

    keys = _common.id_keys(pa.array(["B1", "A2", "B1", "A1"]))
    # A1 < A2 < B1 byte by byte, B1 = B1
    assert (keys[3] < keys[1] < keys[0], keys[0] == keys[2]) == (True, True)


def test_id_keys_are_none_for_text_of_several_widths_or_with_a_blank():
    import pyarrow as pa

    assert (_common.id_keys(pa.array(["C1", "C10"])), _common.id_keys(pa.array(["C1", None]))) == (None, None)


def test_codes_of_unsorted_ids_give_one_code_per_distinct_value_and_minus_one_for_a_blank():
    # ids of one width, not sorted (coded by sorting their integer keys): C2 C1 blank C2
    found, distinct, values = _common.codes(pd.Series(["C2", "C1", None, "C2"], dtype="string"), with_values=True)
    assert (distinct, found[0] == found[3], found[0] != found[1], found[2]) == (2, True, True, -1)
    assert [values[c] for c in found[[0, 1]]] == ["C2", "C1"]


@pytest.mark.parametrize("dtype", ["string", object])
def test_join_keys_are_equal_exactly_where_the_texts_are(dtype):
    left = pd.Series(["C1", "C22", "C1"], dtype=dtype)
    right = pd.Series(["C22", "C3", "C1"], dtype=dtype)
    mine, theirs = _common.join_keys(left, right)
    # C22 on the right meets C22 on the left, C1 meets both C1 rows, C3 meets nothing
    assert ([theirs[0] == k for k in mine], [theirs[1] == k for k in mine], [theirs[2] == k for k in mine]) == (
        [False, True, False], [False, False, False], [True, False, True])


def test_codes_of_few_values_seen_early_give_one_code_per_value():
    # 10,000 rows alternating CLA, CP with a blank at row 5 (looked up in the values of rows taken across it)
    values = pd.Series(["CLA", "CP"] * 5000, dtype="string").mask(pd.Series(range(10000)).eq(5))
    found, distinct, names = _common.codes(values, with_values=True)
    assert (distinct, names[found[0]], names[found[1]], found[5], names[found[9999]]) == (2, "CLA", "CP", -1, "CP")


def test_codes_of_few_values_with_an_unsampled_newcomer_still_code_it():
    # 10,000 rows of CLA but row 1 CIN; the 4,096 rows taken evenly across (0, 2, 4, 7, ...:
    # steps of 9,999 / 4,095 = 2.44) miss row 1, so CIN is found only by the full coding
    values = pd.Series(["CLA", "CIN"] + ["CLA"] * 9998, dtype="string")
    found, distinct, names = _common.codes(values, with_values=True)
    assert (distinct, names[found[0]], names[found[1]], names[found[9999]]) == (2, "CLA", "CIN", "CLA")


def test_flag_of_arrow_backed_bool_is_true_only_for_true():
    # comparing Arrow text gives bool[pyarrow]: True, False, NA -> True, False, False
    values = pd.Series(pd.array([True, False, None], dtype="bool[pyarrow]"), index=[7, 8, 9])
    pd.testing.assert_series_equal(_common.flag(values), pd.Series([True, False, False], index=[7, 8, 9]))


def test_first_seen_codes_of_ascending_codes_number_their_runs():
    # codes 2, 2, 5, 9, 9 (ascending): 2 first (0), then 5 (1), then 9 (2), as factorize gives
    renumbered, original = _common.first_seen_codes(pd.Series([2, 2, 5, 9, 9]).to_numpy())
    assert (renumbered.tolist(), original.tolist()) == ([0, 0, 1, 2, 2], [2, 5, 9])


def test_lookup_table_gives_minus_one_for_a_blank_code():
    # known codes 3 and 0 out of 4: table[3] = 0, table[0] = 1, table[1] = table[2] = -1,
    # and table[-1] (a blank's code) = -1
    table = _common.lookup_table(pd.Series([3, 0]).to_numpy(), 4)
    assert table[[3, 0, 1, 2, -1]].tolist() == [0, 1, -1, -1, -1]


def test_stretches_cover_every_row_once(monkeypatch):
    # stretches of 4 rows over 10 rows: 0-3, 4-7, 8-9
    monkeypatch.setattr(_common, "_STRETCH", 4)
    assert [(s.start, s.stop) for s in _common.stretches(10)] == [(0, 4), (4, 8), (8, 10)]


def test_id_keys_are_the_same_worked_out_a_stretch_at_a_time(monkeypatch):
    # ids "C2", "C1", "C3" read as big-endian bytes: C = 0x43, 1/2/3 = 0x31/0x32/0x33, padded
    # to 8 bytes -> 0x4332 << 48, 0x4331 << 48, 0x4333 << 48; stretches of 2 rows give the same
    monkeypatch.setattr(_common, "_STRETCH", 2)
    arrow = _common.arrow_text(pd.Series(["C2", "C1", "C3"], dtype="string"))
    assert _common.id_keys(arrow).tolist() == [0x4332 << 48, 0x4331 << 48, 0x4333 << 48]


def test_id_keys_refuse_ids_of_two_widths_in_a_later_stretch(monkeypatch):
    # "C1", "C2" then "C30" (3 bytes) and "C" (1) in the second stretch: 8 bytes in all,
    # as four ids of 2 would be, but not one width -> None
    monkeypatch.setattr(_common, "_STRETCH", 2)
    assert _common.id_keys(_common.arrow_text(pd.Series(["C1", "C2", "C30", "C"], dtype="string"))) is None


def test_sorted_id_runs_mark_where_each_id_begins(monkeypatch):
    # C1 C1 | C2 C3 | C3 (stretches of 2): runs begin at rows 0, 2, 3; the C3 run crosses
    # the second stretch boundary, so row 4 does not begin one
    monkeypatch.setattr(_common, "_STRETCH", 2)
    arrow = _common.arrow_text(pd.Series(["C1", "C1", "C2", "C3", "C3"], dtype="string"))
    assert _common.sorted_id_runs(arrow).tolist() == [True, False, True, True, False]


def test_sorted_id_runs_allow_stretches_of_other_widths(monkeypatch):
    # "C9", "C9" then "C90", "C91": zero-padded keys keep text order (C9 < C90), so the
    # runs begin at rows 0, 2 and 3
    monkeypatch.setattr(_common, "_STRETCH", 2)
    arrow = _common.arrow_text(pd.Series(["C9", "C9", "C90", "C91"], dtype="string"))
    assert _common.sorted_id_runs(arrow).tolist() == [True, False, True, True]


def test_sorted_id_runs_are_none_when_a_later_stretch_goes_back(monkeypatch):
    # C2 C3 | C1 C4: C1 after C3 across the stretch boundary -> not in order -> None
    monkeypatch.setattr(_common, "_STRETCH", 2)
    arrow = _common.arrow_text(pd.Series(["C2", "C3", "C1", "C4"], dtype="string"))
    assert _common.sorted_id_runs(arrow) is None


def test_sorted_id_runs_are_none_with_a_blank():
    arrow = _common.arrow_text(pd.Series(["C1", None], dtype="string"))
    assert _common.sorted_id_runs(arrow) is None


def test_one_array_joins_chunks_and_keeps_values():
    # two chunks [a, b] + [c] -> one array a, b, c; one chunk -> that chunk
    import pyarrow as pa

    chunked = pa.chunked_array([["a", "b"], ["c"]])
    assert (_common.one_array(chunked).to_pylist(), _common.one_array(pa.chunked_array([["x"]])).to_pylist()) == (
        ["a", "b", "c"], ["x"])


def test_whole_days_counts_midnight_dates_from_the_lowest():
    # 3, 1 and 5 Jan 2021 at midnight: lowest is 1 Jan, so days 2, 0 and 4; a day in
    # nanoseconds is 86,400 x 10^9
    dates = np.array(["2021-01-03", "2021-01-01", "2021-01-05"], dtype="datetime64[ns]")

    base, per_day, day = _common.whole_days(dates.view(np.int64), dates.dtype)

    assert (base, per_day) == (int(np.datetime64("2021-01-01", "ns").astype(np.int64)), 86_400 * 10**9)
    np.testing.assert_array_equal(day, [2, 0, 4])


def test_whole_days_is_none_when_a_time_of_day_is_given():
    # 1 Jan at midnight and 2 Jan at noon are a day and a half apart: not whole days
    dates = np.array(["2021-01-01T00:00", "2021-01-02T12:00"], dtype="datetime64[ns]")

    assert _common.whole_days(dates.view(np.int64), dates.dtype) is None


def test_distinct_codes_counts_each_code_once_and_leaves_blanks_out():
    # codes 2, 0, 2, -1 (blank), 0 out of 4: distinct 0 and 2 -> 2
    assert _common.distinct_codes(np.array([2, 0, 2, -1, 0]), 4) == 2

"""Placement history and placement stability (DESIGN section 4 placement_stability).

Every expected value is worked out by hand from the written definition; the working is in
the comments. Unless a test says otherwise the quarter is
  Q4 = 2020-21 Q4 = 01/01/2021 .. 31/03/2021, so
  12-month window = (31/03/2020, 31/03/2021], its first day 01/04/2020;
  end - 30 months = 30/09/2018; end - 2 years = 31/03/2019; end - 16 years = 31/03/2005.
Episode rows are (CHILD, DECOM, RNE, LS, PLACE, DEC, REASON_PLACE_CHANGE, URN).
"""

import numpy as np
import pandas as pd
import pytest

from qa_analysis.config import DEFAULT_SETTINGS, Settings
from qa_analysis.io.tables import TABLES
from qa_analysis.metrics.placements import (
    HISTORY_COLUMNS,
    children_looked_after_at_quarter_end,
    children_looked_after_during_quarter,
    children_moved,
    count_foster_to_semi_independent,
    foster_to_semi_independent_moves,
    foster_to_semi_independent_profile,
    move_reasons,
    moves_by_reason,
    pct_long_term_stable,
    pct_three_plus_placements_12m,
    place_group,
    placement_bases,
    placement_history,
    placement_metrics,
    placement_moves,
    transitions_matrix,
)
from qa_analysis.periods import Quarter

Q2 = Quarter(2020, 2)  # 01/07/2020 .. 30/09/2020
Q4 = Quarter(2020, 4)
WITH_SAME_CARER = Settings(placement_start_rne=("S", "P", "B", "T", "U"))
_GIVEN = ["CHILD", "DECOM", "RNE", "LS", "PLACE", "DEC", "REASON_PLACE_CHANGE", "URN"]


def _date(values) -> pd.Series:
    # The loader's date kind; an all-blank column would otherwise come out as [s].
    return pd.to_datetime(pd.Series(values, dtype=object), format="%d/%m/%Y").astype("datetime64[us]")


def episodes(*rows) -> pd.DataFrame:
    """An episodes frame of exactly TABLES["episodes"]'s columns; unnamed columns blank."""
    given = pd.DataFrame(list(rows), columns=_GIVEN, dtype=object)
    out = {}
    for column, kind in TABLES["episodes"].columns.items():
        values = given[column] if column in given else pd.Series([None] * len(given), dtype=object)
        out[column] = _date(values) if kind == "date" else values.astype("string")
    return pd.DataFrame(out)


def header(*rows, uasc=None) -> pd.DataFrame:
    """A header frame from (CHILD, SEX, DOB) rows; optionally a UASC column."""
    given = pd.DataFrame(list(rows), columns=["CHILD", "SEX", "DOB"], dtype=object)
    out = {}
    for column, kind in TABLES["header"].columns.items():
        values = given[column] if column in given else pd.Series([None] * len(given), dtype=object)
        out[column] = _date(values) if kind == "date" else values.astype("string")
    frame = pd.DataFrame(out)
    return frame if uasc is None else frame.assign(UASC=pd.Series(uasc, dtype="string"))


def history(*rows) -> pd.DataFrame:
    """An expected placement_history frame from rows in HISTORY_COLUMNS order."""
    frame = pd.DataFrame(list(rows), columns=HISTORY_COLUMNS, dtype=object)
    kinds = {
        "period_of_care": "int64", "placement_number": "int64", "is_move": "bool",
        "episodes": "int64", "temporary_episodes": "int64",
    }
    return pd.DataFrame(
        {
            column: _date(frame[column])
            if column in ("period_start", "start", "end")
            else frame[column].astype(kinds.get(column, "string"))
            for column in HISTORY_COLUMNS
        }
    )


# ----------------------------------------------------------------------------- history


def test_history_merges_a_legal_status_change_and_records_the_move():
    # S U4 then L U4 (same placement, 2 episodes); P R1 is a move from U4 (foster),
    # its reason the CARPL on the L episode that ended.
    eps = episodes(
        ("1", "01/01/2020", "S", "C1", "U4", "01/03/2020", None, "SC1"),
        ("1", "01/03/2020", "L", "C2", "U4", "01/06/2020", "CARPL", "SC1"),
        ("1", "01/06/2020", "P", "C2", "R1", None, None, None),
    )
    expected = history(
        ("1", 1, "01/01/2020", 1, "01/01/2020", "01/06/2020", "S", "U4", "U4", "foster", "C1",
         False, None, None, None, 2, 0),
        ("1", 1, "01/01/2020", 2, "01/06/2020", None, "P", "R1", "R1", "residential", "C2",
         True, "U4", "foster", "CARPL", 1, 0),
    )
    pd.testing.assert_frame_equal(placement_history(eps), expected)


def test_history_merges_a_temporary_episode_and_the_return_to_the_same_place_and_urn():
    # U4 (URN F1) -> T3 -> U4 (URN F1): the return matches the episode before T3, so one
    # placement of 3 episodes, 1 of them temporary, open.
    eps = episodes(
        ("2", "01/01/2020", "S", "C2", "U4", "01/07/2020", None, "F1"),
        ("2", "01/07/2020", "P", "C2", "T3", "15/07/2020", None, None),
        ("2", "15/07/2020", "P", "C2", "U4", None, None, "F1"),
    )
    expected = history(
        ("2", 1, "01/01/2020", 1, "01/01/2020", None, "S", "U4", "U4", "foster", "C2",
         False, None, None, None, 3, 1),
    )
    pd.testing.assert_frame_equal(placement_history(eps), expected)


def test_history_counts_a_return_to_a_different_urn_as_a_new_placement():
    # U4 (F1) -> T3 -> U4 (F2): same PLACE but another provider, so a move (from the
    # U4 placement, whose last non-temporary PLACE is U4).
    eps = episodes(
        ("2", "01/01/2020", "S", "C2", "U4", "01/07/2020", None, "F1"),
        ("2", "01/07/2020", "P", "C2", "T3", "15/07/2020", None, None),
        ("2", "15/07/2020", "P", "C2", "U4", None, None, "F2"),
    )
    expected = history(
        ("2", 1, "01/01/2020", 1, "01/01/2020", "15/07/2020", "S", "U4", "U4", "foster", "C2",
         False, None, None, None, 2, 1),
        ("2", 1, "01/01/2020", 2, "15/07/2020", None, "P", "U4", "U4", "foster", "C2",
         True, "U4", "foster", None, 1, 0),
    )
    pd.testing.assert_frame_equal(placement_history(eps), expected)


def test_history_merges_same_carer_changes_by_default_keeping_first_and_latest_place():
    # S U6 -> T U4 -> U A5: one carer, one placement; place U6, last_place A5.
    eps = episodes(
        ("3", "01/01/2020", "S", "C2", "U6", "01/08/2020", None, "F1"),
        ("3", "01/08/2020", "T", "C2", "U4", "01/09/2020", None, "F1"),
        ("3", "01/09/2020", "U", "E1", "A5", None, None, "F1"),
    )
    expected = history(
        ("3", 1, "01/01/2020", 1, "01/01/2020", None, "S", "U6", "A5", "foster", "C2",
         False, None, None, None, 3, 0),
    )
    pd.testing.assert_frame_equal(placement_history(eps), expected)


def test_history_numbers_a_re_entry_as_a_new_period_and_placement_not_a_move():
    # Left care 01/05/2020, new S 01/08/2020: period 2, placement 2, not a move.
    eps = episodes(
        ("4", "01/01/2019", "S", "C2", "U4", "01/05/2020", None, "F1"),
        ("4", "01/08/2020", "S", "V2", "U6", None, None, "F2"),
    )
    expected = history(
        ("4", 1, "01/01/2019", 1, "01/01/2019", "01/05/2020", "S", "U4", "U4", "foster", "C2",
         False, None, None, None, 1, 0),
        ("4", 2, "01/08/2020", 2, "01/08/2020", None, "S", "U6", "U6", "foster", "V2",
         False, None, None, None, 1, 0),
    )
    pd.testing.assert_frame_equal(placement_history(eps), expected)


def test_history_leaves_out_short_break_episodes():
    # Child 5's V3 and V4 episodes are dropped; only child 1's placement remains.
    eps = episodes(
        ("5", "01/02/2020", "S", "V3", "R1", "03/02/2020", None, None),
        ("1", "01/01/2020", "S", "C2", "U4", None, None, "F1"),
        ("5", "01/03/2020", "S", "V4", "R1", None, None, None),
    )
    expected = history(
        ("1", 1, "01/01/2020", 1, "01/01/2020", None, "S", "U4", "U4", "foster", "C2",
         False, None, None, None, 1, 0),
    )
    pd.testing.assert_frame_equal(placement_history(eps), expected)


def test_history_of_no_episodes_is_an_empty_frame_with_the_columns():
    result = placement_history(episodes())
    assert list(result.columns) == HISTORY_COLUMNS
    assert len(result) == 0


def test_place_group_maps_codes_and_keeps_blanks():
    places = pd.Series(["U1", "K2", "K3", "A6", "P1", "Z1", None], dtype="string")
    expected = pd.Series(
        ["foster", "residential", "semi_independent", "adoption", "parents", "other", None],
        dtype="string",
    )
    pd.testing.assert_series_equal(place_group(places), expected)


# ----------------------------------------------------------------------------- children looked after


def test_cla_during_quarter_counts_episodes_overlapping_the_quarter():
    # A ended 31/12/2020 (before 01/01/2021): out. B ended on the first day: in.
    # C started on the last day: in. D started after the end: out. -> 2
    eps = episodes(
        ("A", "01/01/2020", "S", "C2", "U4", "31/12/2020", None, None),
        ("B", "01/01/2020", "S", "C2", "U4", "01/01/2021", None, None),
        ("C", "31/03/2021", "S", "C2", "U4", None, None, None),
        ("D", "01/04/2021", "S", "C2", "U4", None, None, None),
    )
    assert children_looked_after_during_quarter(eps, Q4) == 2


def test_cla_during_quarter_counts_a_child_once_and_no_blank_child():
    # A has two episodes in the quarter (once); a row with no CHILD is no child; B's short
    # break (LS V3) is left out -> A only: 1
    eps = episodes(
        ("A", "01/01/2020", "S", "C2", "U4", "10/01/2021", "CARPL", None),
        ("A", "10/01/2021", "P", "C2", "U5", None, None, None),
        (None, "01/02/2021", "S", "C2", "U4", None, None, None),
        ("B", "01/02/2021", "S", "V3", "U4", None, None, None),
    )
    assert children_looked_after_during_quarter(eps, Q4) == 1


def test_cla_at_quarter_end_needs_decom_on_or_before_and_dec_after_the_end():
    # E ceased on 31/03/2021: not looked after at the end. C started on 31/03/2021,
    # F ceased 01/04/2021, G open: looked after. -> 3
    eps = episodes(
        ("E", "01/01/2020", "S", "C2", "U4", "31/03/2021", None, None),
        ("C", "31/03/2021", "S", "C2", "U4", None, None, None),
        ("F", "01/01/2020", "S", "C2", "U4", "01/04/2021", None, None),
        ("G", "01/01/2020", "S", "C2", "U4", None, None, None),
    )
    assert children_looked_after_at_quarter_end(eps, Q4) == 3


def test_cla_counts_leave_out_short_break_children():
    # H has only V3 episodes across the quarter end; G is looked after -> 1 and 1.
    eps = episodes(
        ("H", "30/03/2021", "S", "V3", "R1", "02/04/2021", None, None),
        ("G", "01/01/2020", "S", "C2", "U4", None, None, None),
    )
    assert children_looked_after_during_quarter(eps, Q4) == 1
    assert children_looked_after_at_quarter_end(eps, Q4) == 1


def test_cla_counts_a_child_once_across_episodes():
    # Two episodes of one child in the quarter (L change) -> 1.
    eps = episodes(
        ("G", "01/01/2020", "S", "C1", "U4", "01/02/2021", None, None),
        ("G", "01/02/2021", "L", "C2", "U4", None, None, None),
    )
    assert children_looked_after_during_quarter(eps, Q4) == 1


# ----------------------------------------------------------------------------- moves


def test_moves_count_placement_starts_other_than_s_with_decom_in_the_quarter():
    # m1: P 15/01/2021 and P 15/02/2021 -> 2 moves. m2: L only -> 0. m3: S in the
    # quarter -> 0. m4: moves on 31/12/2020 and 01/04/2021, outside -> 0.
    eps = episodes(
        ("m1", "01/01/2020", "S", "C2", "U4", "15/01/2021", "CARPL", None),
        ("m1", "15/01/2021", "P", "C2", "U6", "15/02/2021", "CHILD", None),
        ("m1", "15/02/2021", "P", "C2", "R1", None, None, None),
        ("m2", "01/01/2020", "S", "C1", "U4", "01/02/2021", None, None),
        ("m2", "01/02/2021", "L", "C2", "U4", None, None, None),
        ("m3", "01/01/2021", "S", "C2", "U4", None, None, None),
        ("m4", "01/06/2020", "S", "C2", "U4", "31/12/2020", "CARPL", None),
        ("m4", "31/12/2020", "P", "C2", "R1", "01/04/2021", "CARPL", None),
        ("m4", "01/04/2021", "P", "C2", "H5", None, None, None),
    )
    assert placement_moves(eps, Q4) == 2
    assert children_moved(eps, Q4) == 1


def test_temporary_episode_and_return_are_not_moves():
    # U4 (F1) -> T3 01/07/2020 -> U4 (F1) 15/07/2020, all in Q2: 0 moves.
    eps = episodes(
        ("2", "01/01/2020", "S", "C2", "U4", "01/07/2020", None, "F1"),
        ("2", "01/07/2020", "P", "C2", "T3", "15/07/2020", None, None),
        ("2", "15/07/2020", "P", "C2", "U4", None, None, "F1"),
    )
    assert placement_moves(eps, Q2) == 0


def test_a_change_of_carer_and_legal_status_together_rne_b_is_a_move():
    # U4 from 01/01/2020; RNE B 10/08/2020 (new carer, U6, and new legal status C2 -> C1) in Q2:
    # a placement start other than the period's first -> 1 move, 1 child moved.
    eps = episodes(
        ("b", "01/01/2020", "S", "C2", "U4", "10/08/2020", "CARPL", "F1"),
        ("b", "10/08/2020", "B", "C1", "U6", None, None, "F2"),
    )
    assert (placement_moves(eps, Q2), children_moved(eps, Q2)) == (1, 1)


def test_rne_b_starts_a_new_placement_in_the_history():
    # the same child: two placements, the second a move from U4 with reason CARPL
    eps = episodes(
        ("b", "01/01/2020", "S", "C2", "U4", "10/08/2020", "CARPL", "F1"),
        ("b", "10/08/2020", "B", "C1", "U6", None, None, "F2"),
    )
    got = placement_history(eps)[["placement_number", "start_rne", "is_move", "previous_place",
                                  "reason_previous_ended"]]
    expected = pd.DataFrame(
        {
            "placement_number": pd.Series([1, 2], dtype="int64"),
            "start_rne": pd.Series(["S", "B"], dtype="string"),
            "is_move": [False, True],
            "previous_place": pd.Series([None, "U4"], dtype="string"),
            "reason_previous_ended": pd.Series([None, "CARPL"], dtype="string"),
        }
    )
    pd.testing.assert_frame_equal(got, expected)


@pytest.mark.parametrize("temporary", ["T0", "T1", "T2", "T3", "T4"])
def test_each_temporary_place_and_the_return_from_it_is_not_a_move(temporary):
    # U4 (URN F1) -> temporary episode 01/07/2020 (RNE P) -> back to U4 F1 15/07/2020, all in Q2:
    # the temporary episode is never a placement and the return is not a new carer -> 0 moves.
    eps = episodes(
        ("t", "01/01/2020", "S", "C2", "U4", "01/07/2020", None, "F1"),
        ("t", "01/07/2020", "P", "C2", temporary, "15/07/2020", None, None),
        ("t", "15/07/2020", "P", "C2", "U4", None, None, "F1"),
    )
    assert placement_moves(eps, Q2) == 0


@pytest.mark.parametrize("temporary", ["T0", "T1", "T2", "T3", "T4"])
def test_each_temporary_place_is_merged_into_the_placement_it_interrupts(temporary):
    # one placement (U4 from 01/01/2020) of 3 episodes, 1 of them temporary
    eps = episodes(
        ("t", "01/01/2020", "S", "C2", "U4", "01/07/2020", None, "F1"),
        ("t", "01/07/2020", "P", "C2", temporary, "15/07/2020", None, None),
        ("t", "15/07/2020", "P", "C2", "U4", None, None, "F1"),
    )
    got = placement_history(eps)[["placement_number", "place", "episodes", "temporary_episodes"]]
    expected = pd.DataFrame(
        {
            "placement_number": pd.Series([1], dtype="int64"),
            "place": pd.Series(["U4"], dtype="string"),
            "episodes": pd.Series([3], dtype="int64"),
            "temporary_episodes": pd.Series([1], dtype="int64"),
        }
    )
    pd.testing.assert_frame_equal(got, expected)


@pytest.mark.parametrize("temporary", ["T0", "T1", "T2", "T3", "T4"])
def test_each_temporary_place_is_not_a_placement_in_the_3plus_count(temporary):
    # Q4, window (31/03/2020, 31/03/2021]. U4 in progress when the window opens (1), a temporary
    # episode 01/06/2020 and the return to U4 F1 15/06/2020 (not starts), a move to U6 01/09/2020 (2):
    # 2 placements < 3 -> 0 of 1 looked after at the end -> 0.0 (counting the temporary one: 100.0)
    eps = episodes(
        ("t", "01/01/2020", "S", "C2", "U4", "01/06/2020", None, "F1"),
        ("t", "01/06/2020", "P", "C2", temporary, "15/06/2020", None, None),
        ("t", "15/06/2020", "P", "C2", "U4", "01/09/2020", "CARPL", "F1"),
        ("t", "01/09/2020", "P", "C2", "U6", None, None, "F2"),
    )
    assert pct_three_plus_placements_12m(eps, Q4) == 0.0


def test_same_carer_changes_are_moves_only_when_the_settings_count_them():
    # T 01/08/2020 and U 01/09/2020 in Q2: 0 by default, 2 with T and U counted.
    eps = episodes(
        ("3", "01/01/2020", "S", "C2", "U6", "01/08/2020", None, "F1"),
        ("3", "01/08/2020", "T", "C2", "U4", "01/09/2020", "PLACE", "F1"),
        ("3", "01/09/2020", "U", "E1", "A5", None, None, "F1"),
    )
    assert placement_moves(eps, Q2) == 0
    assert placement_moves(eps, Q2, WITH_SAME_CARER) == 2


def test_re_entry_into_care_is_not_a_move():
    # S 01/01/2019 left 01/05/2020, S again 01/08/2020 (in Q2): 0 moves.
    eps = episodes(
        ("4", "01/01/2019", "S", "C2", "U4", "01/05/2020", None, None),
        ("4", "01/08/2020", "S", "V2", "U6", None, None, None),
    )
    assert placement_moves(eps, Q2) == 0


def test_short_break_moves_are_not_counted():
    # Child 5 has only V3 episodes, one with RNE P in the quarter: 0.
    eps = episodes(
        ("5", "01/01/2021", "S", "V3", "R1", "03/01/2021", None, None),
        ("5", "03/01/2021", "P", "V3", "U6", "05/01/2021", None, None),
    )
    assert placement_moves(eps, Q4) == 0


# ----------------------------------------------------------------------------- 3+ placements in 12 months


def test_three_plus_window_excludes_a_start_on_end_minus_one_year_and_includes_the_next_day():
    # A: U6 began 31/03/2020 (before 01/04/2020, still open then) -> 1; starts in the
    #    window: 01/10/2020 only (31/03/2020 is not > 31/03/2020) -> 2 placements.
    # B: U4 ended 01/04/2020, not before the first day -> 1; starts 01/04/2020 and
    #    01/10/2020 in the window -> 3 placements.
    # Cohort A, B; 1 with 3+ -> 50.0
    eps = episodes(
        ("A", "01/01/2019", "S", "C2", "U4", "31/03/2020", "CARPL", None),
        ("A", "31/03/2020", "P", "C2", "U6", "01/10/2020", "CARPL", None),
        ("A", "01/10/2020", "P", "C2", "R1", None, None, None),
        ("B", "01/01/2019", "S", "C2", "U4", "01/04/2020", "CARPL", None),
        ("B", "01/04/2020", "P", "C2", "U6", "01/10/2020", "CARPL", None),
        ("B", "01/10/2020", "P", "C2", "R1", None, None, None),
    )
    assert pct_three_plus_placements_12m(eps, Q4) == 50.0


def test_three_plus_counts_a_placement_ended_on_the_window_first_day_as_in_progress():
    # Threshold 2. C: U4 ended 01/04/2020 (in progress) + P 01/04/2020 -> 2, counted.
    # D: U4 ended 31/03/2020 (before); U6 began 31/03/2020 in progress -> 1. -> 50.0
    eps = episodes(
        ("C", "01/01/2019", "S", "C2", "U4", "01/04/2020", "CARPL", None),
        ("C", "01/04/2020", "P", "C2", "U6", None, None, None),
        ("D", "01/01/2019", "S", "C2", "U4", "31/03/2020", "CARPL", None),
        ("D", "31/03/2020", "P", "C2", "U6", None, None, None),
    )
    settings = Settings(placements_threshold=2)
    assert pct_three_plus_placements_12m(eps, Q4, settings) == 50.0


def test_three_plus_counts_a_re_entry_as_a_placement_start():
    # E: U4 in progress -> 1; S 01/09/2020 + P 01/12/2020 -> 3. Cohort {E} -> 100.0
    eps = episodes(
        ("E", "01/01/2019", "S", "C2", "U4", "01/05/2020", None, None),
        ("E", "01/09/2020", "S", "V2", "U6", "01/12/2020", "CARPL", None),
        ("E", "01/12/2020", "P", "V2", "R1", None, None, None),
    )
    assert pct_three_plus_placements_12m(eps, Q4) == 100.0


def test_three_plus_does_not_count_temporary_episodes_or_the_return():
    # F: U4 in progress -> 1; T3 and the return to U4 (F1) not counted; R1 01/12/2020
    # -> 2 placements. Cohort {F} -> 0.0
    eps = episodes(
        ("F", "01/01/2019", "S", "C2", "U4", "01/06/2020", None, "F1"),
        ("F", "01/06/2020", "P", "C2", "T3", "15/06/2020", None, None),
        ("F", "15/06/2020", "P", "C2", "U4", "01/12/2020", "CARPL", "F1"),
        ("F", "01/12/2020", "P", "C2", "R1", None, None, None),
    )
    assert pct_three_plus_placements_12m(eps, Q4) == 0.0


def test_three_plus_counts_same_carer_changes_only_when_the_settings_do():
    # G: U6 in progress -> 1; L 01/05/2020 never; T 01/07/2020 only with T/U counted;
    # P 01/10/2020 -> 2 by default (0.0), 3 with T/U (100.0).
    eps = episodes(
        ("G", "01/01/2019", "S", "C1", "U6", "01/05/2020", None, "F1"),
        ("G", "01/05/2020", "L", "C2", "U6", "01/07/2020", None, "F1"),
        ("G", "01/07/2020", "T", "C2", "U4", "01/10/2020", "CARPL", "F1"),
        ("G", "01/10/2020", "P", "C2", "R1", None, None, None),
    )
    assert pct_three_plus_placements_12m(eps, Q4) == 0.0
    assert pct_three_plus_placements_12m(eps, Q4, WITH_SAME_CARER) == 100.0


def test_three_plus_leaves_short_break_children_out_of_the_denominator():
    # H: V3 breaks, one spanning the quarter end: out. F: 1 placement -> 0 of 1 = 0.0
    # (50.0 if H were counted with its 3 short-break starts).
    eps = episodes(
        ("H", "01/05/2020", "S", "V3", "R1", "03/05/2020", None, None),
        ("H", "01/08/2020", "S", "V3", "R1", "03/08/2020", None, None),
        ("H", "30/03/2021", "S", "V3", "R1", "02/04/2021", None, None),
        ("F", "01/01/2019", "S", "C2", "U4", None, None, None),
    )
    assert pct_three_plus_placements_12m(eps, Q4) == 0.0


def test_three_plus_is_none_when_no_child_is_looked_after_at_the_end():
    eps = episodes(("J", "01/01/2019", "S", "C2", "U4", "01/01/2021", None, None))
    assert pct_three_plus_placements_12m(eps, Q4) is None


# ----------------------------------------------------------------------------- long-term stability


def test_long_term_excludes_a_child_aged_16_on_the_quarter_end_and_includes_15():
    # X is 16 on 31/03/2021: out. Y (born 01/04/2005) is 15: in, stable since 2015.
    # Z is 11, carer from 01/01/2021: not stable. Y, Z -> 1 of 2 = 50.0 (66.7 with X).
    eps = episodes(
        ("X", "01/01/2015", "S", "C2", "U4", None, None, None),
        ("Y", "01/01/2015", "S", "C2", "U4", None, None, None),
        ("Z", "01/01/2015", "S", "C2", "U4", "01/01/2021", "CARPL", None),
        ("Z", "01/01/2021", "P", "C2", "U6", None, None, None),
    )
    people = header(("X", "1", "31/03/2005"), ("Y", "2", "01/04/2005"), ("Z", "1", "01/01/2010"))
    assert pct_long_term_stable(eps, people, Q4) == 50.0


def test_long_term_needs_care_since_end_minus_30_months_inclusive():
    # A began 30/09/2018 (= end - 30 months): in, stable (carer since 30/09/2018).
    # B began 01/10/2018: out (it would be unstable, giving 50.0). -> 100.0
    eps = episodes(
        ("A", "30/09/2018", "S", "C2", "U4", None, None, None),
        ("B", "01/10/2018", "S", "C2", "U4", "01/01/2021", "CARPL", None),
        ("B", "01/01/2021", "P", "C2", "U6", None, None, None),
    )
    people = header(("A", "1", "01/01/2010"), ("B", "1", "01/01/2010"))
    assert pct_long_term_stable(eps, people, Q4) == 100.0


def test_long_term_continuous_care_starts_at_the_latest_re_entry():
    # A stable since 2015 -> in, stable. C re-entered 01/02/2019 (> 30/09/2018): out,
    # though in care first in 2015 (it would be unstable, giving 50.0). -> 100.0
    eps = episodes(
        ("A", "01/01/2015", "S", "C2", "U4", None, None, None),
        ("C", "01/01/2015", "S", "C2", "U4", "01/01/2019", None, None),
        ("C", "01/02/2019", "S", "C2", "U4", "01/01/2021", "CARPL", None),
        ("C", "01/01/2021", "P", "C2", "U6", None, None, None),
    )
    people = header(("A", "1", "01/01/2010"), ("C", "1", "01/01/2010"))
    assert pct_long_term_stable(eps, people, Q4) == 100.0


def test_long_term_carer_for_exactly_two_years_is_stable():
    # A's carer since 31/03/2019 (= end - 2 years): stable. B's since 01/04/2019: not.
    # -> 50.0
    eps = episodes(
        ("A", "01/01/2015", "S", "C2", "U6", "31/03/2019", "CARPL", None),
        ("A", "31/03/2019", "P", "C2", "U4", None, None, None),
        ("B", "01/01/2015", "S", "C2", "U6", "01/04/2019", "CARPL", None),
        ("B", "01/04/2019", "P", "C2", "U4", None, None, None),
    )
    people = header(("A", "1", "01/01/2010"), ("B", "2", "01/01/2010"))
    assert pct_long_term_stable(eps, people, Q4) == 50.0


def test_long_term_adoption_counts_the_placement_before_the_adoptive_one():
    # A: A5 from 01/06/2020 after U4 from 01/01/2018 <= 31/03/2019: stable.
    # B: A5 from 01/06/2020 after U4 from 01/06/2019 > 31/03/2019: not stable (its
    # earlier U6 does not count). Both in care since 01/01/2018 <= 30/09/2018. -> 50.0
    eps = episodes(
        ("A", "01/01/2018", "S", "C2", "U4", "01/06/2020", "CARPL", None),
        ("A", "01/06/2020", "P", "E1", "A5", None, None, None),
        ("B", "01/01/2018", "S", "C2", "U6", "01/06/2019", "CARPL", None),
        ("B", "01/06/2019", "P", "C2", "U4", "01/06/2020", "CARPL", None),
        ("B", "01/06/2020", "P", "E1", "A5", None, None, None),
    )
    people = header(("A", "1", "01/01/2016"), ("B", "2", "01/01/2016"))
    assert pct_long_term_stable(eps, people, Q4) == 50.0


def test_long_term_adoption_clause_with_same_carer_changes_counted_as_placements():
    # With T/U counted, A's A5 (RNE U, 01/06/2020) is its own placement after U4 from
    # 01/01/2018: stable. N's U6 (RNE P) is no adoption: carer since 01/06/2020, not
    # stable. -> 50.0
    eps = episodes(
        ("A", "01/01/2018", "S", "C2", "U4", "01/06/2020", "PLACE", "F1"),
        ("A", "01/06/2020", "U", "E1", "A5", None, None, "F1"),
        ("N", "01/01/2018", "S", "C2", "U4", "01/06/2020", "CARPL", "F1"),
        ("N", "01/06/2020", "P", "C2", "U6", None, None, "F2"),
    )
    people = header(("A", "1", "01/01/2016"), ("N", "2", "01/01/2016"))
    assert pct_long_term_stable(eps, people, Q4, WITH_SAME_CARER) == 50.0


def test_long_term_leaves_out_children_without_a_date_of_birth():
    # A has no header row, B a blank DOB: no denominator -> None.
    eps = episodes(
        ("A", "01/01/2015", "S", "C2", "U4", None, None, None),
        ("B", "01/01/2015", "S", "C2", "U4", None, None, None),
    )
    people = header(("B", "1", None))
    assert pct_long_term_stable(eps, people, Q4) is None


def test_long_term_is_none_when_no_child_qualifies():
    # The only child is 17 at the end.
    eps = episodes(("A", "01/01/2015", "S", "C2", "U4", None, None, None))
    assert pct_long_term_stable(eps, header(("A", "1", "01/01/2004")), Q4) is None


# ----------------------------------------------------------------------------- foster to semi-independent, reasons


FOSTER_MOVES = episodes(
    # a: U4 -> H5, b: U6 -> P2, c: U1 -> K3 (counted); d: R1 -> H5, e: U4 -> U6 (not).
    ("a", "01/01/2020", "S", "C2", "U4", "01/02/2021", "CHILD", None),
    ("a", "01/02/2021", "P", "C2", "H5", None, None, None),
    ("b", "01/01/2020", "S", "C2", "U6", "02/02/2021", "CARPL", None),
    ("b", "02/02/2021", "P", "C2", "P2", None, None, None),
    ("c", "01/01/2020", "S", "C2", "U1", "03/02/2021", "CARPL", None),
    ("c", "03/02/2021", "P", "C2", "K3", None, None, None),
    ("d", "01/01/2020", "S", "C2", "R1", "04/02/2021", "CARPL", None),
    ("d", "04/02/2021", "P", "C2", "H5", None, None, None),
    ("e", "01/01/2020", "S", "C2", "U4", "05/02/2021", "CREQB", None),
    ("e", "05/02/2021", "P", "C2", "U6", None, None, None),
)


def test_foster_to_semi_independent_counts_moves_from_u1_u6_to_h5_k3_p2():
    # a, b, c -> 3
    assert count_foster_to_semi_independent(FOSTER_MOVES, Q4) == 3


def test_transitions_matrix_counts_moves_by_from_and_to_group():
    # foster -> foster: e; foster -> semi_independent: a, b, c; residential -> semi: d.
    expected = pd.DataFrame(
        {
            "from_group": pd.Series(["foster", "foster", "residential"], dtype="string"),
            "to_group": pd.Series(["foster", "semi_independent", "semi_independent"], dtype="string"),
            "moves": pd.Series([1, 3, 1], dtype="int64"),
        }
    )
    result = transitions_matrix(FOSTER_MOVES, Q4.start, Q4.end)
    pd.testing.assert_frame_equal(result, expected)


REASON_MOVES = episodes(
    # r1: moves 10/01/2021 (ended U4: CARPL) and 10/02/2021 (ended U6: CHILD).
    # r2: move 15/01/2021 (CARPL). r3: move 20/01/2021 (blank), then 01/04/2021 (CLOSE,
    # after the quarter).
    ("r1", "01/01/2020", "S", "C2", "U4", "10/01/2021", "CARPL", None),
    ("r1", "10/01/2021", "P", "C2", "U6", "10/02/2021", "CHILD", None),
    ("r1", "10/02/2021", "P", "C2", "R1", None, None, None),
    ("r2", "01/01/2020", "S", "C2", "U4", "15/01/2021", "CARPL", None),
    ("r2", "15/01/2021", "P", "C2", "U6", None, None, None),
    ("r3", "01/01/2020", "S", "C2", "U4", "20/01/2021", None, None),
    ("r3", "20/01/2021", "P", "C2", "H5", "01/04/2021", "CLOSE", None),
    ("r3", "01/04/2021", "P", "C2", "R1", None, None, None),
)


def test_move_reasons_count_moves_by_the_reason_of_the_ended_episode():
    # CARPL r1 + r2 = 2, CHILD 1, blank 1 -> not_recorded; CLOSE is after the quarter.
    expected = {
        "placements.reason.CARPL": 2,
        "placements.reason.CHILD": 1,
        "placements.reason.not_recorded": 1,
    }
    assert move_reasons(REASON_MOVES, Q4) == expected


def test_moves_by_reason_frame_is_sorted_most_moves_first():
    expected = pd.DataFrame(
        {
            "reason": pd.Series(["CARPL", "CHILD", "not_recorded"], dtype="string"),
            "moves": pd.Series([2, 1, 1], dtype="int64"),
        }
    )
    pd.testing.assert_frame_equal(moves_by_reason(REASON_MOVES, Q4.start, Q4.end), expected)


def test_placement_metrics_returns_every_key_with_python_types():
    # cla.during_quarter r1 r2 r3 = 3; at end 3 (r3's H5 ends 01/04/2021).
    # moves: r1 x2, r2, r3 (20/01) = 4 by 3 children. 3+: r1 1 + 2 = 3; r2 1 + 1 = 2;
    # r3 1 + 1 = 2 -> 1 of 3 = 33.3. Long-term: all in care since 01/01/2020 -> None.
    # foster to semi: r3 U4 -> H5 = 1. Reasons as in the test above.
    people = header(("r1", "1", "01/01/2010"), ("r2", "2", "01/01/2010"), ("r3", "1", "01/01/2010"))
    expected = {
        "cla.during_quarter": 3,
        "cla.at_quarter_end": 3,
        "placements.moves": 4,
        "placements.children_moved": 3,
        "placements.pct_3plus_12m": 33.3,
        "placements.pct_long_term_stable": None,
        "placements.foster_to_semi_independent": 1,
        "placements.reason.CARPL": 2,
        "placements.reason.CHILD": 1,
        "placements.reason.not_recorded": 1,
    }
    result = placement_metrics(REASON_MOVES, people, Q4)
    assert result == expected
    assert all(type(v) is int for k, v in result.items() if ".pct_" not in k)


def test_placement_bases_are_the_denominators_of_the_percentages():
    # 3 children looked after at the end; none in care 2.5 years -> long-term base 0.
    people = header(("r1", "1", "01/01/2010"), ("r2", "2", "01/01/2010"), ("r3", "1", "01/01/2010"))
    expected = {"placements.pct_3plus_12m": 3, "placements.pct_long_term_stable": 0}
    assert placement_bases(REASON_MOVES, people, Q4) == expected


def test_placement_metrics_of_no_episodes_are_zero_counts_and_none_percentages():
    expected = {
        "cla.during_quarter": 0,
        "cla.at_quarter_end": 0,
        "placements.moves": 0,
        "placements.children_moved": 0,
        "placements.pct_3plus_12m": None,
        "placements.pct_long_term_stable": None,
        "placements.foster_to_semi_independent": 0,
    }
    assert placement_metrics(episodes(), header(), "2020-21 Q4") == expected


# ----------------------------------------------------------------------------- foster to semi: child level and profile


PATHWAYS = episodes(
    # a: U6 -> U4 -> H5 14/02/2021 (2 earlier placements, reason CHILD on U4).
    # b: U4 -> P2 01/03/2021 (1 earlier, CARPL). c: U4 -> U6 -> U4 -> H5 01/03/2021
    # (3 earlier, blank reason).
    ("a", "01/01/2019", "S", "C2", "U6", "01/06/2020", "STAND", None),
    ("a", "01/06/2020", "P", "C2", "U4", "14/02/2021", "CHILD", None),
    ("a", "14/02/2021", "P", "C2", "H5", None, None, None),
    ("b", "01/01/2020", "S", "V2", "U4", "01/03/2021", "CARPL", None),
    ("b", "01/03/2021", "P", "V2", "P2", None, None, None),
    ("c", "01/01/2018", "S", "C2", "U4", "01/01/2019", "CARPL", None),
    ("c", "01/01/2019", "P", "C2", "U6", "01/01/2020", "CARPL", None),
    ("c", "01/01/2020", "P", "C2", "U4", "01/03/2021", None, None),
    ("c", "01/03/2021", "P", "C2", "H5", None, None, None),
)
# a: born 15/02/2004, 16 on 14/02/2021 (birthday the next day). b: born 01/03/2004, 17
# on its birthday. c: born 01/06/2004, 16.
PATHWAY_PEOPLE = [("a", "1", "15/02/2004"), ("b", "2", "01/03/2004"), ("c", "1", "01/06/2004")]


def test_foster_to_semi_independent_moves_lists_one_row_per_move():
    people = header(*PATHWAY_PEOPLE, uasc=["0", "1", None])
    expected = pd.DataFrame(
        {
            "CHILD": pd.Series(["a", "b", "c"], dtype="string"),
            "move_date": _date(["14/02/2021", "01/03/2021", "01/03/2021"]),
            "age_at_move": pd.Series([16, 17, 16], dtype="Int64"),
            "sex": pd.Series(["1", "2", "1"], dtype="string"),
            "legal_status": pd.Series(["C2", "V2", "C2"], dtype="string"),
            "uasc": pd.Series(["0", "1", None], dtype="string"),
            "earlier_placements": pd.Series([2, 1, 3], dtype="int64"),
            "reason": pd.Series(["CHILD", "CARPL", None], dtype="string"),
            "from_place": pd.Series(["U4", "U4", "U4"], dtype="string"),
            "to_place": pd.Series(["H5", "P2", "H5"], dtype="string"),
        }
    )
    result = foster_to_semi_independent_moves(PATHWAYS, people, Q4.start, Q4.end)
    pd.testing.assert_frame_equal(result, expected)


def test_foster_to_semi_independent_moves_without_a_uasc_column_give_blank_uasc():
    result = foster_to_semi_independent_moves(PATHWAYS, header(*PATHWAY_PEOPLE), Q4.start, Q4.end)
    pd.testing.assert_series_equal(
        result["uasc"], pd.Series([None, None, None], dtype="string", name="uasc")
    )


def test_foster_to_semi_independent_profile_counts_children_by_characteristic():
    # ages 16: a, c; 17: b. sex male: a, c; female: b. LS C2: a, c; V2: b.
    # earlier placements 1: b; 2: a; 3+: c. reasons CARPL: b; CHILD: a; blank: c.
    rows = [
        ("age_at_move", "16", 2), ("age_at_move", "17", 1),
        ("sex", "female", 1), ("sex", "male", 2),
        ("legal_status", "C2", 2), ("legal_status", "V2", 1),
        ("earlier_placements", "1", 1), ("earlier_placements", "2", 1),
        ("earlier_placements", "3+", 1),
        ("reason", "CARPL", 1), ("reason", "CHILD", 1), ("reason", "not_recorded", 1),
    ]
    expected = pd.DataFrame(rows, columns=["characteristic", "value", "children"]).astype(
        {"characteristic": "string", "value": "string", "children": "int64"}
    )
    result = foster_to_semi_independent_profile(PATHWAYS, header(*PATHWAY_PEOPLE), Q4.start, Q4.end)
    pd.testing.assert_frame_equal(result, expected)


def test_foster_to_semi_independent_profile_adds_uasc_when_the_header_has_it():
    # UASC a "0", b "1", c blank -> one child each, after legal_status.
    people = header(*PATHWAY_PEOPLE, uasc=["0", "1", None])
    result = foster_to_semi_independent_profile(PATHWAYS, people, Q4.start, Q4.end)
    expected = pd.DataFrame(
        [("uasc", "0", 1), ("uasc", "1", 1), ("uasc", "not_recorded", 1)],
        columns=["characteristic", "value", "children"],
    ).astype({"characteristic": "string", "value": "string", "children": "int64"})
    pd.testing.assert_frame_equal(result.iloc[6:9].reset_index(drop=True), expected)


# ----------------------------------------------------------------------------- purity


def test_no_function_changes_its_inputs():
    eps = pd.concat([PATHWAYS, REASON_MOVES, FOSTER_MOVES], ignore_index=True)
    people = header(*PATHWAY_PEOPLE, uasc=["0", "1", None])
    eps_before, people_before = eps.copy(), people.copy()
    placement_history(eps)
    placement_metrics(eps, people, Q4)
    placement_bases(eps, people, Q4)
    pct_long_term_stable(eps, people, Q4)
    pct_three_plus_placements_12m(eps, Q4)
    transitions_matrix(eps, Q4.start, Q4.end)
    moves_by_reason(eps, Q4.start, Q4.end)
    foster_to_semi_independent_profile(eps, people, Q4.start, Q4.end, DEFAULT_SETTINGS)
    pd.testing.assert_frame_equal(eps, eps_before)
    pd.testing.assert_frame_equal(people, people_before)


# ----------------------------------------------------------------------------- order check


def test_episodes_in_child_then_decom_order_need_no_sort():
    from qa_analysis.metrics.placements import in_child_date_order

    # C1 01/04, C1 05/06, C2 01/01: CHILD ascending, DECOM ascending within C1
    eps = episodes(
        ("C1", "01/04/2020", "S", "C2", "U1", None, None, None),
        ("C1", "05/06/2020", "P", "C2", "U2", None, None, None),
        ("C2", "01/01/2019", "S", "C2", "U1", None, None, None),
    )
    assert in_child_date_order(eps)


def test_episodes_out_of_decom_order_within_a_child_are_sorted():
    from qa_analysis.metrics.placements import in_child_date_order

    # C1's second row starts before its first
    eps = episodes(
        ("C1", "05/06/2020", "P", "C2", "U2", None, None, None),
        ("C1", "01/04/2020", "S", "C2", "U1", None, None, None),
    )
    assert not in_child_date_order(eps)


def test_episodes_with_a_child_out_of_order_are_sorted():
    from qa_analysis.metrics.placements import in_child_date_order

    # C2 then C1 (ids of one width, compared as integers): not in CHILD order
    eps = episodes(
        ("C2", "01/04/2020", "S", "C2", "U1", None, None, None),
        ("C1", "05/06/2020", "S", "C2", "U2", None, None, None),
    )
    assert not in_child_date_order(eps)


def test_episodes_of_ids_of_several_widths_are_in_text_order():
    from qa_analysis.metrics.placements import in_child_date_order

    # C10 before C9 as text ("1" < "9"), C9 twice in DECOM order: in order
    eps = episodes(
        ("C10", "01/04/2020", "S", "C2", "U1", None, None, None),
        ("C9", "01/01/2019", "S", "C2", "U1", None, None, None),
        ("C9", "05/06/2020", "P", "C2", "U2", None, None, None),
    )
    assert in_child_date_order(eps)


@pytest.mark.parametrize("dtype", ["string", object])
def test_same_text_compares_values_at_two_sets_of_rows_blank_matching_blank(dtype):
    # rows 0, 1, 3 against 0, 2, 0: P1 = P1; a blank = "" (blank matches blank); P2 != P1
    from qa_analysis.metrics.placements import _same_text

    values = pd.Series(["P1", None, "", "P2"], dtype=dtype)
    assert _same_text(values, np.array([0, 1, 3]), np.array([0, 2, 0])).tolist() == [True, True, False]

"""Consolidation of yearly SSDA903 returns, rule by rule, on small frames written out by hand.

Each frame is a few episodes of one or two children, with the return (``_year``, its
31 March year) and where the row was read (``_file``, ``_row``). Expected values are worked
out from the rules of qa_analysis.io.consolidate (the liia-tools "episodes fix").
"""

import pandas as pd

from qa_analysis.io import consolidate
from qa_analysis.io.tables import TABLES

EPISODE_COLUMNS = list(TABLES["episodes"].columns)


def episodes(*rows):
    """rows: (CHILD, DECOM, DEC, RNE, PLACE, REC, year, file, row); other codes fixed."""
    frame = pd.DataFrame(rows, columns=["CHILD", "DECOM", "DEC", "RNE", "PLACE", "REC", "_year", "_file", "_row"])
    n = len(frame)
    return pd.DataFrame({
        "CHILD": pd.array(frame["CHILD"], dtype="string"),
        "DECOM": pd.to_datetime(frame["DECOM"]).astype("datetime64[ns]"),
        "RNE": pd.array(frame["RNE"], dtype="string"),
        "LS": pd.array(["C2"] * n, dtype="string"),
        "CIN": pd.array(["N1"] * n, dtype="string"),
        "PLACE": pd.array(frame["PLACE"], dtype="string"),
        "PLACE_PROVIDER": pd.array(["PR1"] * n, dtype="string"),
        "DEC": pd.to_datetime(frame["DEC"]).astype("datetime64[ns]"),
        "REC": pd.array(frame["REC"], dtype="string"),
        "REASON_PLACE_CHANGE": pd.array([None] * n, dtype="string"),
        "HOME_POST": pd.array(["ZZ1"] * n, dtype="string"),
        "PL_POST": pd.array(["ZZ2"] * n, dtype="string"),
        "URN": pd.array(["SC1"] * n, dtype="string"),
        "_la": pd.array([None] * n, dtype="string"),
        "_year": pd.array(frame["_year"], dtype="Int64"),
        "_file": pd.array(frame["_file"], dtype="string"),
        "_row": frame["_row"].astype("int64"),
        "_seq": pd.Series(range(n), dtype="int64") + frame["_year"].fillna(0).astype("int64") * 1000,
    })


def history(result):
    """(CHILD, DECOM, DEC, REC) of the consolidated rows, dates as ISO text, blank as None."""
    frame = result.frame
    return [
        (r.CHILD, r.DECOM.date().isoformat(), None if pd.isna(r.DEC) else r.DEC.date().isoformat(),
         None if pd.isna(r.REC) else r.REC)
        for r in frame.itertuples()
    ]


def changes(result):
    return result.changes[["file", "row", "change", "rule"]].values.tolist()


# --- the same episode in several returns -------------------------------------------------
def test_latest_return_wins_keeps_the_closed_copy_of_the_later_return():
    # C1 started 01/06/2019; open in the 2019-20 return (row 2), closed 01/05/2020 in 2020-21.
    frame = episodes(
        ("C1", "2019-06-01", None, "S", "U4", None, 2020, "r2020.csv", 2),
        ("C1", "2019-06-01", "2020-05-01", "S", "U4", "E4A", 2021, "r2021.csv", 2),
    )

    result = consolidate.consolidate_episodes(frame)

    assert history(result) == [("C1", "2019-06-01", "2020-05-01", "E4A")]
    assert changes(result) == [[
        "r2020.csv", 2, "dropped: the same CHILD and DECOM is in r2021.csv row 2, a later return",
        "latest_return_wins",
    ]]


def test_without_return_years_the_closed_copy_wins_even_when_it_comes_first():
    # A stacked file without YEAR: the closed copy (row 2) over the open one (row 3).
    frame = episodes(
        ("C1", "2019-06-01", "2020-05-01", "S", "U4", "E4A", None, "stack.csv", 2),
        ("C1", "2019-06-01", None, "S", "U4", None, None, "stack.csv", 3),
    )

    result = consolidate.consolidate_episodes(frame)

    assert history(result) == [("C1", "2019-06-01", "2020-05-01", "E4A")]
    assert [c[1] for c in changes(result)] == [3]


# --- stage 1: open episodes of an earlier return ----------------------------------------
def test_rule_3_an_open_episode_repeated_by_its_neighbour_is_dropped():
    # The 2019-20 return says C1 started 03/05/2019 (still open); the 2020-21 return has the
    # same placement from 01/05/2019, closed. Same RNE, LS, PLACE, provider, PL_POST, URN,
    # another DECOM: the open copy repeats its previous episode -> dropped.
    frame = episodes(
        ("C1", "2019-05-01", "2020-09-30", "S", "U4", "E2", 2021, "r2021.csv", 2),
        ("C1", "2019-05-03", None, "S", "U4", None, 2020, "r2020.csv", 2),
    )

    result = consolidate.consolidate_episodes(frame)

    assert history(result) == [("C1", "2019-05-01", "2020-09-30", "E2")]
    assert changes(result) == [["r2020.csv", 2, "dropped: repeated by the child's next or previous episode",
                                "repeated_open_episode"]]


def test_rule_3a_an_open_episode_after_one_from_a_later_return_is_dropped():
    # C1's episode from 01/01/2019 comes from the 2020-21 return; the open one from
    # 01/03/2019 (another placement, so not a repeat) comes from the older 2019-20 return.
    frame = episodes(
        ("C1", "2019-01-01", "2019-06-01", "S", "U4", "E8", 2021, "r2021.csv", 2),
        ("C1", "2019-03-01", None, "P", "U6", None, 2020, "r2020.csv", 3),
    )

    result = consolidate.consolidate_episodes(frame)

    assert history(result) == [("C1", "2019-01-01", "2019-06-01", "E8")]
    assert [c[3] for c in changes(result)] == ["replaced_open_episode"]


def test_rule_2_an_open_episode_with_nothing_later_closes_on_its_returns_31_march():
    # C1 open in 2019-20; the authority's latest return is 2020-21 (C2) and C1 is not in it.
    frame = episodes(
        ("C1", "2019-05-10", None, "S", "R1", None, 2020, "r2020.csv", 2),
        ("C2", "2020-05-01", None, "S", "U4", None, 2021, "r2021.csv", 2),
    )

    result = consolidate.consolidate_episodes(frame)

    assert history(result) == [("C1", "2019-05-10", "2020-03-31", "E99"), ("C2", "2020-05-01", None, None)]
    assert changes(result) == [["r2020.csv", 2, "DEC blank -> 31/03/2020; REC blank -> E99", "closed_at_year_end"]]


def test_rule_1a_before_a_new_period_closes_at_the_earlier_of_31_march_and_the_day_before():
    # C1 open in 2018-19, re-enters (RNE S) on 01/05/2019: min(31/03/2019, 30/04/2019).
    # C2 open in 2018-19, re-enters on 10/02/2019: min(31/03/2019, 09/02/2019).
    frame = episodes(
        ("C1", "2018-06-01", None, "S", "U4", None, 2019, "r2019.csv", 2),
        ("C1", "2019-05-01", "2019-12-01", "S", "U6", "E4A", 2020, "r2020.csv", 2),
        ("C2", "2018-06-01", None, "S", "U4", None, 2019, "r2019.csv", 3),
        ("C2", "2019-02-10", "2019-12-01", "S", "U6", "E4A", 2020, "r2020.csv", 3),
    )

    result = consolidate.consolidate_episodes(frame)

    assert history(result) == [
        ("C1", "2018-06-01", "2019-03-31", "E99"), ("C1", "2019-05-01", "2019-12-01", "E4A"),
        ("C2", "2018-06-01", "2019-02-09", "E99"), ("C2", "2019-02-10", "2019-12-01", "E4A"),
    ]
    assert [c[3] for c in changes(result)] == ["closed_before_reentry"] * 2


def test_rule_1_an_open_episode_followed_by_a_move_closes_at_the_next_decom_with_x1():
    frame = episodes(
        ("C1", "2018-06-01", None, "S", "U4", None, 2019, "r2019.csv", 2),
        ("C1", "2018-09-01", "2019-12-01", "P", "U6", "E8", 2020, "r2020.csv", 2),
    )

    result = consolidate.consolidate_episodes(frame)

    assert history(result) == [("C1", "2018-06-01", "2018-09-01", "X1"), ("C1", "2018-09-01", "2019-12-01", "E8")]
    assert changes(result) == [["r2019.csv", 2, "DEC blank -> 01/09/2018; REC blank -> X1", "closed_at_next"]]


def test_an_open_episode_of_the_latest_return_is_left_open():
    frame = episodes(
        ("C1", "2018-06-01", "2019-06-01", "S", "U4", "X1", 2020, "r2020.csv", 2),
        ("C1", "2019-06-01", None, "P", "U6", None, 2020, "r2020.csv", 3),
    )

    result = consolidate.consolidate_episodes(frame)

    assert history(result) == [("C1", "2018-06-01", "2019-06-01", "X1"), ("C1", "2019-06-01", None, None)]
    assert result.changes.empty


# --- stage 2: an earlier return against a later one -------------------------------------
def test_rule_4_an_episode_overlapping_the_next_one_from_a_later_return_ends_at_its_decom():
    # 23/11/2018 to 24/12/2018 (2018-19) overlaps 20/12/2018 (2019-20) -> DEC 20/12/2018.
    frame = episodes(
        ("C1", "2018-11-23", "2018-12-24", "S", "U6", "X1", 2019, "r2019.csv", 2),
        ("C1", "2018-12-20", "2019-08-19", "P", "U4", "E4A", 2020, "r2020.csv", 2),
    )

    result = consolidate.consolidate_episodes(frame)

    assert history(result) == [("C1", "2018-11-23", "2018-12-20", "X1"), ("C1", "2018-12-20", "2019-08-19", "E4A")]
    assert changes(result) == [["r2019.csv", 2, "DEC 24/12/2018 -> 20/12/2018", "overlap_trimmed"]]


def test_rule_5_an_x1_end_before_the_next_episode_from_a_later_return_is_closed_up():
    # 06/11/2019 to 29/03/2020 with X1 (2019-20); next starts 02/04/2020 (2020-21).
    frame = episodes(
        ("C1", "2019-11-06", "2020-03-29", "P", "U6", "X1", 2020, "r2020.csv", 2),
        ("C1", "2020-04-02", None, "P", "U4", None, 2021, "r2021.csv", 2),
    )

    result = consolidate.consolidate_episodes(frame)

    assert history(result) == [("C1", "2019-11-06", "2020-04-02", "X1"), ("C1", "2020-04-02", None, None)]
    assert [c[3] for c in changes(result)] == ["x1_gap_closed"]


def test_stage_2_leaves_an_overlap_within_one_return_alone():
    # Both from 2019-20: not the consolidation's to settle (the loader sets the later aside).
    frame = episodes(
        ("C1", "2018-11-23", "2018-12-24", "S", "U6", "X1", 2020, "r2020.csv", 2),
        ("C1", "2018-12-20", "2019-08-19", "P", "U4", "E4A", 2020, "r2020.csv", 3),
    )

    result = consolidate.consolidate_episodes(frame)

    assert result.changes.empty
    assert history(result)[0] == ("C1", "2018-11-23", "2018-12-24", "X1")


# --- no return year ------------------------------------------------------------------------
def test_without_years_an_open_episode_followed_by_another_closes_and_a_last_one_is_counted():
    # C1: open from 01/06/2018, then a move on 01/09/2018 -> RULE_1 needs no year.
    # C2: open and last: cannot be checked against a later return -> counted, kept open.
    frame = episodes(
        ("C1", "2018-06-01", None, "S", "U4", None, None, "stack.csv", 2),
        ("C1", "2018-09-01", "2019-12-01", "P", "U6", "E8", None, "stack.csv", 3),
        ("C2", "2019-01-01", None, "S", "U4", None, None, "stack.csv", 4),
    )

    result = consolidate.consolidate_episodes(frame)

    assert history(result) == [
        ("C1", "2018-06-01", "2018-09-01", "X1"), ("C1", "2018-09-01", "2019-12-01", "E8"),
        ("C2", "2019-01-01", None, None),
    ]
    assert result.unchecked_open == 1
    assert "1 open episode(s) could not be checked against a later return" in result.notes[0]


# --- header and purity ----------------------------------------------------------------------
def test_header_keeps_the_latest_returns_row_for_each_child():
    header = pd.DataFrame({
        "CHILD": pd.array(["C1", "C1", "C2"], dtype="string"),
        "ETHNIC": pd.array(["WBRI", "WIRI", "WOTH"], dtype="string"),
        "_la": pd.array([None] * 3, dtype="string"),
        "_year": pd.array([2021, 2020, 2020], dtype="Int64"),
        "_file": pd.array(["h2021.csv", "h2020.csv", "h2020.csv"], dtype="string"),
        "_row": pd.Series([2, 2, 3], dtype="int64"),
        "_seq": pd.Series([2000, 1000, 1001], dtype="int64"),
    })

    kept, listed = consolidate.latest_header_row(header)

    assert kept[["CHILD", "ETHNIC"]].values.tolist() == [["C1", "WBRI"], ["C2", "WOTH"]]
    assert listed[["file", "row", "rule"]].values.tolist() == [["h2020.csv", 2, "latest_header_row"]]


def test_inputs_are_not_changed():
    frame = episodes(
        ("C1", "2018-06-01", None, "S", "U4", None, 2019, "r2019.csv", 2),
        ("C1", "2018-09-01", "2019-12-01", "P", "U6", "E8", 2020, "r2020.csv", 2),
    )
    before = frame.copy()

    consolidate.consolidate_episodes(frame)

    pd.testing.assert_frame_equal(frame, before)


def test_every_rule_has_a_label_for_validate():
    labels = [consolidate.rule_label(rule) for rule in consolidate.RULES]

    assert labels[1].startswith("repeated_open_episode (RULE_3): ")
    assert len(labels) == 9


# --- the overlap check after consolidation ------------------------------------------------
def test_no_overlap_is_possible_when_each_episode_starts_on_or_after_the_previous_end():
    # C1: 01/04 -> 01/06, then 01/06 open (starts on the day the first ended); C2 open
    frame = episodes(
        ("C1", "2020-04-01", "2020-06-01", "S", "U4", "X1", 2021, "r.csv", 2),
        ("C1", "2020-06-01", None, "P", "U5", None, 2021, "r.csv", 3),
        ("C2", "2020-05-01", None, "S", "U4", None, 2021, "r.csv", 4),
    )
    result = consolidate.consolidate_episodes(frame)

    assert not consolidate.may_overlap(result.frame, result.child_key)


def test_an_episode_after_an_open_one_of_the_same_child_may_overlap():
    # C1's first episode is open (the latest return), the next starts later: an overlap
    frame = episodes(
        ("C1", "2020-04-01", None, "S", "U4", None, 2021, "r.csv", 2),
        ("C1", "2020-06-01", None, "P", "U5", None, 2021, "r.csv", 3),
    )
    result = consolidate.consolidate_episodes(frame)

    assert consolidate.may_overlap(result.frame, result.child_key)


# --- code columns as categoricals (the loader consolidates before finalising) -----------
def as_categorical_codes(frame):
    """The frame as the loader hands it over: code columns as categoricals."""
    codes = ["RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "REC", "REASON_PLACE_CHANGE"]
    return frame.assign(**{c: frame[c].astype("category") for c in codes})


def test_rule_1_on_categorical_codes_sets_rec_x1_though_no_row_had_it():
    # Arrange: as test_rule_1 above, REC a categorical whose only category is E8: closing
    # C1's open 2019 episode at the next DECOM must add X1 to the categories, not lose it
    frame = as_categorical_codes(episodes(
        ("C1", "2018-06-01", None, "S", "U4", None, 2019, "r2019.csv", 2),
        ("C1", "2018-09-01", "2019-12-01", "P", "U6", "E8", 2020, "r2020.csv", 2),
    ))

    # Act
    result = consolidate.consolidate_episodes(frame)

    # Assert
    assert history(result) == [("C1", "2018-06-01", "2018-09-01", "X1"), ("C1", "2018-09-01", "2019-12-01", "E8")]


def test_rule_5_on_categorical_codes_reads_an_x1_end_by_its_code():
    # Arrange: as test_rule_5 (an X1 end before the next episode from a later return is
    # closed up to that DECOM), REC a categorical
    frame = as_categorical_codes(episodes(
        ("C1", "2019-06-01", "2019-08-01", "S", "U4", "X1", 2020, "r2020.csv", 2),
        ("C1", "2019-09-01", None, "P", "U6", None, 2021, "r2021.csv", 2),
    ))

    # Act
    result = consolidate.consolidate_episodes(frame)

    # Assert: the first episode now ends 01/09/2019, the second stays open
    assert history(result) == [("C1", "2019-06-01", "2019-09-01", "X1"), ("C1", "2019-09-01", None, None)]

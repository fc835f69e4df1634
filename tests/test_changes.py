"""What changed since the previous quarter and the same quarter a year earlier (issue 16).

A small series worked out by hand: Q1 2019-20 .. Q4 2020-21. Percentages change in points,
counts by a number and a per cent of the earlier count.
"""

from __future__ import annotations

from qa_analysis.changes import against_labels, change, change_words
from qa_analysis.periods import Quarter


def test_a_percentage_rise_is_in_points():
    # 45.2% now, 41.0% before: 45.2 - 41.0 = 4.2 points.
    assert change_words(change(45.2, 41.0, percent=True), "Q2") == "up 4.2 points on Q2"


def test_a_percentage_fall_of_one_point_is_singular():
    # 40.0% after 41.0%: 1.0 point down.
    assert change_words(change(40.0, 41.0, percent=True), "Q2") == "down 1.0 point on Q2"


def test_a_count_change_gives_the_number_and_the_per_cent_of_the_earlier_count():
    # 101 contacts after 133: 32 fewer; 32 / 133 = 24.06% -> 24.1%.
    assert change_words(change(101, 133, percent=False), "Q3") == "down 32 (24.1%) on Q3"


def test_a_count_rising_from_zero_has_no_per_cent():
    # 1 after 0: up 1, and a per cent of 0 is undefined.
    assert change_words(change(1, 0, percent=False), "2019-20 Q4") == "up 1 (from 0) on 2019-20 Q4"


def test_no_change_is_said_so():
    assert change_words(change(12, 12, percent=False), "Q3") == "no change on Q3"


def test_a_missing_earlier_figure_is_never_taken_as_zero():
    item = change(36.2, None, percent=True)
    assert item.delta is None
    assert change_words(item, "2019-20 Q4") == "no figure for 2019-20 Q4 to compare with"


def test_a_suppressed_figure_gives_no_comparison():
    assert change_words(change("c", 8, percent=False), "Q3") == "no comparison with Q3 (small numbers not shown)"


def test_percentages_are_compared_as_shown_to_one_decimal_place():
    # Shown 84.4% and 82.4%: 2.0 points, whatever the float noise (84.4 - 82.4 = 2.0000000000000284).
    assert change(84.4, 82.4, percent=True).delta == 2.0


def test_the_previous_quarter_in_the_same_year_is_named_short():
    previous, previous_name, year_ago, year_ago_name = against_labels(Quarter(2020, 4))
    assert (previous.label, previous_name) == ("2020-21 Q3", "Q3")
    assert (year_ago.label, year_ago_name) == ("2019-20 Q4", "2019-20 Q4")


def test_the_previous_quarter_of_a_q1_is_named_in_full():
    # 2020-21 Q1's previous quarter is 2019-20 Q4: another year, so the full label.
    _, previous_name, _, year_ago_name = against_labels(Quarter(2020, 1))
    assert (previous_name, year_ago_name) == ("2019-20 Q4", "2019-20 Q1")

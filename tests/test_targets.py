"""Local targets, tolerances and red/amber/green status in words (issue 16).

Worked by hand on a target of 90% with a tolerance of 5 points (higher is better) and a
re-referral target of 22% with 3 points (lower is better).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_analysis.config import PACKAGE_DIR, SettingsError, load_settings
from qa_analysis.targets import TargetError, parse_targets, status, target_line

TIMELY = {"visits.pct_timely": {"target": 90, "tolerance": 5}}
REREFERRALS = {"referrals.pct_re_referral_12m": {"target": 22, "tolerance": 3}}


def _target(section, key):
    return parse_targets(section)[key]


def test_no_targets_by_default():
    assert load_settings().targets == {}


def test_at_or_above_target_is_green():
    found = status(92.4, _target(TIMELY, "visits.pct_timely"))
    assert (found.rag, found.words) == ("green", "Green: on target (the 90% target is met).")


def test_short_of_target_within_tolerance_is_amber_with_the_gap_in_points():
    # 87.6 against 90: 2.4 points below, within 5.
    found = status(87.6, _target(TIMELY, "visits.pct_timely"))
    assert (found.rag, found.words) == (
        "amber", "Amber: 2.4 points below the 90% target, within the tolerance of 5.0 points.")


def test_beyond_tolerance_is_red():
    # 82.0 against 90: 8.0 points below, beyond 5.
    found = status(82.0, _target(TIMELY, "visits.pct_timely"))
    assert (found.rag, found.words) == (
        "red", "Red: 8.0 points below the 90% target, beyond the tolerance of 5.0 points.")


def test_exactly_at_the_edge_of_tolerance_is_amber():
    # 85.0 is 5.0 below 90: the tolerance is inclusive.
    assert status(85.0, _target(TIMELY, "visits.pct_timely")).rag == "amber"


def test_lower_is_better_comes_from_the_metric():
    # Re-referrals 36.2% against 22%: 14.2 points above, beyond 3 -> red; 24.0 -> amber; 21.0 -> green.
    target = _target(REREFERRALS, "referrals.pct_re_referral_12m")
    assert target.higher_is_better is False
    assert status(36.2, target).words == "Red: 14.2 points above the 22% target, beyond the tolerance of 3.0 points."
    assert status(24.0, target).rag == "amber"
    assert status(21.0, target).rag == "green"


def test_a_count_target_is_in_the_count_unit():
    # Overdue recommendations, lower is better: 13 against 10 with tolerance 2 -> 3 above -> red.
    target = _target({"recommendations.overdue_at_quarter_end": {"target": 10, "tolerance": 2}},
                     "recommendations.overdue_at_quarter_end")
    assert status(13, target).words == "Red: 3 above the target of 10, beyond the tolerance of 2."


def test_no_status_without_a_figure_or_for_a_suppressed_one():
    target = _target(TIMELY, "visits.pct_timely")
    assert status(None, target) is None
    assert status("c", target) is None
    assert status(90.0, None) is None


def test_a_metric_without_a_direction_needs_better():
    with pytest.raises(TargetError, match="higher or lower"):
        parse_targets({"contacts.total": {"target": 100}})
    assert parse_targets({"contacts.total": {"target": 100, "better": "lower"}})["contacts.total"].higher_is_better is False


@pytest.mark.parametrize("section, message", [
    ({"visits.nonsense": {"target": 1}}, "not a metric"),
    ({"visits.pct_timely": {"target": "ninety"}}, "must be a number"),
    ({"visits.pct_timely": {"target": 120}}, "0 to 100"),
    ({"visits.pct_timely": {"target": 90, "tolerance": -1}}, "negative"),
    ({"visits.pct_timely": {"target": 90, "colour": "red"}}, "unknown field"),
])
def test_a_bad_targets_section_is_refused_plainly(section, message):
    with pytest.raises(TargetError, match=message):
        parse_targets(section)


def test_a_settings_file_with_a_bad_target_stops_with_a_settings_error(tmp_path):
    path = tmp_path / "settings.yml"
    path.write_text("targets:\n  visits.pct_timely: {target: 190}\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="0 to 100"):
        load_settings(path)


def test_the_shipped_example_settings_file_loads_with_the_common_targets():
    settings = load_settings(PACKAGE_DIR / "examples" / "settings.example.yml")
    assert {"visits.pct_timely", "assessments.pct_within_45wd", "referrals.pct_re_referral_12m",
            "placements.pct_3plus_12m"} <= set(parse_targets(settings.targets))


def test_targets_do_not_change_the_settings_used_as_a_cache_key():
    assert load_settings(targets=TIMELY) == load_settings()


def test_the_target_line_is_labelled_with_the_figure_and_value():
    assert target_line(_target(TIMELY, "visits.pct_timely")) == (90.0, "Target for visits on time: 90%")


def test_example_file_is_inside_the_package():
    assert Path(PACKAGE_DIR / "examples" / "settings.example.yml").is_file()

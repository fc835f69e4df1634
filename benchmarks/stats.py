"""Small pure helpers: medians, ratios of medians, and summaries of timed runs."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def median(values: Sequence[float]) -> float:
    """The median of the values (the mean of the middle two for an even count)."""
    if not values:
        raise ValueError("median of no values")
    return float(statistics.median(values))


def ratio_of_medians(ours: Sequence[float], floor: Sequence[float]) -> float:
    """median(ours) / median(floor): below 1 means ours is faster than the floor."""
    below = median(floor)
    if below <= 0:
        raise ValueError("the floor's median must be positive")
    return median(ours) / below


def summarise(values: Sequence[float], digits: int = 3) -> dict:
    """Median, min, max and every run, rounded, for the JSON results."""
    return {
        "median": round(median(values), digits),
        "min": round(min(values), digits),
        "max": round(max(values), digits),
        "runs": [round(v, digits) for v in values],
    }


def verdict(value: float, target: float) -> str:
    """'met' or 'missed by N%' for a figure that must be at most ``target``."""
    if value <= target:
        return "met"
    return f"missed by {100 * (value / target - 1):.0f}%"

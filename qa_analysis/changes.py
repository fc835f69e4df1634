"""What changed: a figure against the previous quarter and the same quarter a year earlier.

Percentages change in percentage points ("up 4.2 points"); counts change by a number and
a per cent of the earlier count ("up 12 (13.5%)"). Either side missing (not computed,
outside the data) or suppressed for the audience gives no change, said in words; a figure
is never compared with a gap as if the gap were 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .periods import Quarter


def _number(value) -> float | None:
    if value is None or isinstance(value, str | bool):
        return None
    number = float(value)
    return None if math.isnan(number) else number


@dataclass(frozen=True)
class Change:
    """The change from ``before`` to ``now``; ``delta`` None when it cannot be worked out."""

    now: object
    before: object
    percent: bool
    delta: float | None
    relative: float | None  # counts only: the change as a % of ``before`` (None from 0)
    reason: str | None = None  # why there is no change: "suppressed" or "missing"

    @property
    def direction(self) -> str | None:
        if self.delta is None:
            return None
        return "up" if self.delta > 0 else "down" if self.delta < 0 else "same"


def change(now, before, percent: bool) -> Change:
    """``now`` against ``before``: points for a percentage, count and per cent for a count.

    Percentages are compared as shown (1 decimal place), so the points agree with the two
    figures a reader sees side by side.
    """
    if isinstance(now, str) or isinstance(before, str):
        return Change(now, before, percent, None, None, "suppressed")
    a, b = _number(now), _number(before)
    if a is None or b is None:
        return Change(now, before, percent, None, None, "missing")
    if percent:
        delta = round(round(a, 1) - round(b, 1), 1)
        return Change(now, before, percent, delta, None)
    delta = a - b
    relative = round(100 * delta / b, 1) if b else None
    return Change(now, before, percent, delta, relative)


def _count_text(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def change_words(item: Change, against: str) -> str:
    """``up 4.2 points on Q2``, ``down 12 (8.1%) on 2019-20 Q3``, ``no change on Q2``, or
    why there is no comparison (``no figure for 2019-20 Q3 to compare with``)."""
    if item.delta is None:
        if item.reason == "suppressed":
            return f"no comparison with {against} (small numbers not shown)"
        return f"no figure for {against} to compare with"
    if item.delta == 0:
        return f"no change on {against}"
    size = abs(item.delta)
    if item.percent:
        unit = "point" if size == 1 else "points"
        return f"{item.direction} {size:.1f} {unit} on {against}"
    text = f"{item.direction} {_count_text(size)}"
    if item.relative is not None:
        text += f" ({abs(item.relative):.1f}%)"
    else:
        text += " (from 0)"
    return f"{text} on {against}"


def against_labels(quarter: Quarter) -> tuple[Quarter, str, Quarter, str]:
    """The previous quarter and the same quarter a year earlier, each with its name as
    written in a sentence (``Q2`` within the same year, else the full label)."""
    previous, year_ago = quarter.previous(1), quarter.previous(4)
    short = previous.label.split(" ")[1] if previous.financial_year == quarter.financial_year else previous.label
    return previous, short, year_ago, year_ago.label

"""Local targets and tolerances, and the red, amber or green status of a figure against them.

The ``targets`` section of a settings file (none by default) gives, per metric key, the
target and the tolerance (how far short of the target still counts as amber), in the
figure's own unit: percentage points for a percentage, a number for a count::

    targets:
      visits.pct_timely: {target: 90, tolerance: 5}
      referrals.pct_re_referral_12m: {target: 22, tolerance: 3}   # lower is better

Whether higher or lower is better comes from the metric (re-referrals: lower) unless the
entry says ``better: higher`` or ``better: lower``. Status is always given in words as
well as colour: "Green: on target", "Amber: 2.0 points below the 90% target, within the
5-point tolerance", "Red: ...".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .metrics.plain import PLAIN, higher_is_better, label_of


class TargetError(ValueError):
    """A targets section that cannot be used."""


@dataclass(frozen=True)
class Target:
    key: str
    target: float
    tolerance: float
    higher_is_better: bool

    @property
    def percent(self) -> bool:
        return ".pct_" in self.key


@dataclass(frozen=True)
class Status:
    rag: str  # "green", "amber", "red"
    words: str  # the full sentence, starting "Green:", "Amber:" or "Red:"

    @property
    def css_class(self) -> str:
        return f"rag rag-{self.rag}"


def _known_key(key: str) -> bool:
    return key in PLAIN and "<" not in key


def _number(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(float(value)):
        raise TargetError(f"targets: {where} must be a number, not {value!r}.")
    return float(value)


def parse_targets(section) -> dict[str, Target]:
    """The ``targets`` settings section as :class:`Target` per key; a plain error otherwise."""
    if section is None or section == {}:
        return {}
    if not isinstance(section, dict):
        raise TargetError("targets must be a list of 'metric: {target: N, tolerance: N}' entries.")
    found = {}
    for key, entry in section.items():
        if not _known_key(str(key)):
            raise TargetError(f"targets: {key!r} is not a metric that can have a target.")
        if isinstance(entry, int | float) and not isinstance(entry, bool):
            entry = {"target": entry}
        if not isinstance(entry, dict):
            raise TargetError(f"targets: {key} needs 'target' (and optionally 'tolerance', 'better').")
        unknown = sorted(set(entry) - {"target", "tolerance", "better"})
        if unknown:
            raise TargetError(f"targets: {key} has unknown field(s) {', '.join(unknown)}; use target, tolerance, better.")
        if "target" not in entry:
            raise TargetError(f"targets: {key} has no 'target'.")
        target = _number(entry["target"], f"{key} target")
        tolerance = _number(entry.get("tolerance", 0), f"{key} tolerance")
        if tolerance < 0:
            raise TargetError(f"targets: {key} tolerance cannot be negative.")
        if ".pct_" in key and not 0 <= target <= 100:
            raise TargetError(f"targets: {key} is a percentage; its target must be 0 to 100.")
        better = entry.get("better")
        if better is None:
            direction = higher_is_better(key)
            if direction is None:
                raise TargetError(f"targets: say whether higher or lower is better for {key} (better: higher or lower).")
        elif better in ("higher", "lower"):
            direction = better == "higher"
        else:
            raise TargetError(f"targets: {key} better must be 'higher' or 'lower', not {better!r}.")
        found[str(key)] = Target(str(key), target, tolerance, direction)
    return found


def _amount(value: float, percent: bool) -> str:
    if percent:
        return f"{value:.1f} {'point' if value == 1 else 'points'}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _target_text(target: Target) -> str:
    value = f"{target.target:g}"
    return f"the {value}% target" if target.percent else f"the target of {value}"


def status(value, target: Target | None) -> Status | None:
    """Red, amber or green for ``value`` against ``target``; None without a target or a figure."""
    if target is None or value is None or isinstance(value, str | bool):
        return None
    value = float(value)
    if math.isnan(value):
        return None
    gap = (target.target - value) if target.higher_is_better else (value - target.target)
    gap = round(gap, 1) if target.percent else gap
    side = "below" if target.higher_is_better else "above"
    tolerance = _amount(target.tolerance, target.percent)
    if gap <= 0:
        return Status("green", f"Green: on target ({_target_text(target)} is met).")
    shortfall = f"{_amount(gap, target.percent)} {side} {_target_text(target)}"
    if gap <= target.tolerance:
        return Status("amber", f"Amber: {shortfall}, within the tolerance of {tolerance}.")
    return Status("red", f"Red: {shortfall}, beyond the tolerance of {tolerance}.")


def target_line(target: Target | None) -> tuple[float, str] | None:
    """(value, label) for a chart's target line."""
    if target is None:
        return None
    shown = f"{target.target:g}%" if target.percent else f"{target.target:g}"
    return target.target, f"Target for {label_of(target.key).lower()}: {shown}"

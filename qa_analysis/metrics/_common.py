"""Small helpers shared by the metric modules: exact rounding, quarter slices, code counts."""

from __future__ import annotations

import math
import weakref
from collections import OrderedDict
from fractions import Fraction
from typing import NamedTuple

import pandas as pd

from ..periods import Period, parse_period


class Rate(NamedTuple):
    """A percentage (or median) with the counts it rests on (the median's numerator is None)."""

    value: float | None
    numerator: int | None
    denominator: int | None


def round_half_away(value, places: int = 1) -> float | None:
    """``value`` rounded half away from zero to ``places`` decimals, exactly (46.25 -> 46.3).

    Python's ``round`` rounds the binary float, so ``round(46.25, 1)`` gives 46.2 and
    ``round(0.15, 1)`` 0.1; Excel's ROUND and DfE tables give 46.3 and 0.2. The value is
    taken as an exact fraction (an int, a Fraction, or a float as written in decimal) and
    rounded by integer arithmetic. None and NaN give None.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    exact = value if isinstance(value, Fraction) else Fraction(repr(float(value)) if isinstance(value, float) else value)
    scale = 10**places
    magnitude = abs(exact) * scale
    rounded = math.floor(magnitude + Fraction(1, 2))
    return math.copysign(rounded / scale, exact) if rounded else 0.0


def pct(numerator, denominator) -> float | None:
    """numerator / denominator x 100, rounded half away from zero to 1 decimal place from
    the exact ratio (DESIGN section 4); None when the denominator is 0 or missing."""
    if denominator is None or (isinstance(denominator, float) and math.isnan(denominator)):
        return None
    if denominator == 0:
        return None
    return round_half_away(Fraction(100) * _exact(numerator) / _exact(denominator), 1)


def _exact(number) -> Fraction:
    if isinstance(number, float):
        return Fraction(repr(number))
    return Fraction(int(number))


def in_quarter(dates: pd.Series, quarter: Period | str) -> pd.Series:
    """True where the date lies in the period (start <= date <= end); NaT is False."""
    quarter = parse_period(quarter)
    return dates.between(quarter.start, quarter.end, inclusive="both").fillna(False).astype(bool)


def count_by(values: pd.Series, prefix: str) -> dict[str, int]:
    """One ``prefix.<code>`` key per code present, counting rows; blanks are left out."""
    counts = values.dropna().astype(str).value_counts().sort_index()
    return {f"{prefix}.{code}": int(n) for code, n in counts.items()}


def flag(values: pd.Series) -> pd.Series:
    """A yes/no column as plain bool: only True is True (NA counts as not recorded)."""
    return values.astype("boolean").fillna(False).astype(bool)


def bound(value, which: str) -> pd.Timestamp:
    """A range bound given as a date, a period or a period label: the period's ``start``
    or ``end`` (``which``), or the date itself at midnight."""
    if isinstance(value, Period):
        return getattr(value, which)
    if isinstance(value, str):
        try:
            return getattr(parse_period(value), which)
        except ValueError:
            pass
    return pd.Timestamp(value).normalize()


# Derived tables worth computing once per input frame (the placement history, the timed
# visits of a quarter): keyed by the frame's identity, checked through a weak reference so a
# new frame at a recycled address is never served another's result. Inputs are never
# changed in place (house rule), so a frame's derived tables cannot go stale.
_DERIVED: OrderedDict = OrderedDict()
_DERIVED_MAX = 64


def derived(frame: pd.DataFrame, key: tuple, compute):
    """``compute()`` once per (``frame``, ``key``); later calls reuse the result."""
    ident = (id(frame), key)
    hit = _DERIVED.get(ident)
    if hit is not None and hit[0]() is frame:
        _DERIVED.move_to_end(ident)
        return hit[1]
    value = compute()

    def forget(reference, ident=ident):
        if _DERIVED.get(ident, (None,))[0] is reference:
            del _DERIVED[ident]

    _DERIVED[ident] = (weakref.ref(frame, forget), value)
    while len(_DERIVED) > _DERIVED_MAX:
        _DERIVED.popitem(last=False)
    return value

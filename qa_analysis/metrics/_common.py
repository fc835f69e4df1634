"""Small helpers shared by the metric modules."""

from __future__ import annotations

import math

import pandas as pd

from ..periods import Quarter


def pct(numerator, denominator) -> float | None:
    """numerator / denominator x 100 rounded to 1 decimal place; None when denominator is 0."""
    if denominator is None or denominator == 0 or (isinstance(denominator, float) and math.isnan(denominator)):
        return None
    return round(100.0 * float(numerator) / float(denominator), 1)


def in_quarter(dates: pd.Series, quarter: Quarter) -> pd.Series:
    """True where the date lies in the quarter (start <= date <= end); NaT is False."""
    return dates.between(quarter.start, quarter.end, inclusive="both").fillna(False).astype(bool)


def count_by(values: pd.Series, prefix: str) -> dict[str, int]:
    """One ``prefix.<code>`` key per code present, counting rows; blanks are left out."""
    counts = values.dropna().astype(str).value_counts().sort_index()
    return {f"{prefix}.{code}": int(n) for code, n in counts.items()}

"""Disclosure control for reports shared outside the QA team.

DfE practice as adopted in domain.md section 6 ("DERIVED default"):

- a count from 1 to 5 inclusive is shown as ``c``; 0 is a true zero and stays 0;
- a percentage built on such a count (numerator or denominator) is also ``c``;
- secondary suppression: where a row or column adds up to a total that is shown or can be
  derived, a single suppressed cell could be recovered by subtraction, so the next-smallest
  non-zero cell of that row or column is suppressed too, repeated until nothing changes.

The ``internal`` audience sees counts as they are; ``public`` gets this module applied
(DESIGN section 5).
"""

from __future__ import annotations

import numbers
from collections.abc import Hashable, Mapping, Sequence

import pandas as pd

SUPPRESSED = "c"
SMALLEST_SHOWN = 6  # counts below this (and above 0) are suppressed
AUDIENCES = ("internal", "public")

# Keys whose value is a rate or summary, never a count (DESIGN section 4 naming).
_DERIVED_PREFIXES = ("pct_", "median_", "mean_", "rate_")


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and not pd.isna(value)


def _is_small(value) -> bool:
    """True for a count that must be suppressed (1 to 5), or one already shown as ``c``."""
    if isinstance(value, str):
        return value == SUPPRESSED
    return _is_number(value) and 0 < value < SMALLEST_SHOWN


def _plain(value):
    """numpy scalars become Python ints/floats so object columns hold plain values."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    if _is_number(value) and float(value).is_integer():
        return int(value)
    return value


def suppress_count(n):
    """A count for a public report: 1 to 5 become ``"c"``; 0 and everything else unchanged.

    None/NA and strings (an already suppressed ``"c"``) pass through; numpy integers come
    back as Python ints.
    """
    if isinstance(n, str) or n is None or not _is_number(n):
        return n
    if _is_small(n):
        return SUPPRESSED
    return int(n) if isinstance(n, numbers.Integral) else n


def _is_derived_key(key: str) -> bool:
    return key.rsplit(".", 1)[-1].startswith(_DERIVED_PREFIXES)


def suppress_metrics(
    metrics: Mapping[str, int | float | None],
    denominators: Mapping[str, str | Sequence[str]] | None = None,
) -> dict:
    """The flat metrics dict (DESIGN section 4 keys) with disclosure control applied.

    - counts from 1 to 5 become ``"c"`` (0 stays 0);
    - a key listed in ``denominators`` (normally a ``pct_`` key) becomes ``"c"`` when any of
      the count keys it is built on (numerator and/or denominator) is 1 to 5 or already ``c``;
    - keys that are rates or summaries (last part starting ``pct_``, ``median_``, ``mean_``,
      ``rate_``) are never treated as counts: they are suppressed only through
      ``denominators``, so the caller must list every one built on counts;
    - None stays None. The input is not changed.

    A mapping entry for a key absent from ``metrics`` is ignored (a default mapping may cover
    keys a quarter lacks); an entry naming a count key absent from ``metrics`` raises
    ValueError, since guessing would risk publishing a small number.
    """
    denominators = dict(denominators or {})
    result: dict = {}
    for key, value in metrics.items():
        if value is None:
            result[key] = None
        elif key in denominators:
            bases = denominators[key]
            bases = [bases] if isinstance(bases, str) else list(bases)
            missing = [base for base in bases if base not in metrics]
            if missing:
                raise ValueError(
                    f"Cannot check {key} for small numbers: it is built on {', '.join(missing)}, "
                    "which is not among the metrics."
                )
            result[key] = SUPPRESSED if any(_is_small(metrics[b]) for b in bases) else value
        elif _is_derived_key(key):
            result[key] = value
        else:
            result[key] = suppress_count(value)
    return result


def apply_audience_to_metrics(
    metrics: Mapping[str, int | float | None],
    audience: str,
    bases: Mapping[str, int | None] | None = None,
) -> dict:
    """The flat metrics dict as the audience may see it (DESIGN section 5).

    ``internal``: a copy, unchanged. ``public``: counts from 1 to 5 become ``"c"`` (as
    suppress_metrics), and each rate or summary key listed in ``bases`` with the count it is
    built on (its denominator, e.g. from ``metrics.bases.metric_bases``) becomes ``"c"`` when
    that count is 1 to 5; a ``pct_`` key also when its numerator, recovered as
    pct x base / 100, is 1 to 5, since a reader could work it out the same way. A rate with no
    base listed is shown as it is. None stays None.
    """
    if audience not in AUDIENCES:
        raise ValueError(f"The audience must be 'internal' or 'public', not {audience!r}.")
    if audience == "internal":
        return dict(metrics)
    result = suppress_metrics(metrics)
    for key, base in (bases or {}).items():
        value = result.get(key)
        if value is None or isinstance(value, str):
            continue
        if _is_small(base):
            result[key] = SUPPRESSED
        elif key.rsplit(".", 1)[-1].startswith("pct_") and _is_number(base) and _is_number(value):
            # pct is rounded to 1 dp, so this recovers the numerator to within base / 2000.
            if _is_small(round(value * base / 100)):
                result[key] = SUPPRESSED
    return result


def suppress_table(
    frame: pd.DataFrame,
    value_cols: Sequence[Hashable],
    *,
    total_col: Hashable | None = None,
    total_row: Hashable | None = None,
    row_totals: bool = True,
    column_totals: bool = True,
) -> pd.DataFrame:
    """A count table with primary and secondary suppression; value columns become object dtype.

    ``value_cols`` are the cells that add up; ``total_col`` names a column holding each row's
    total and ``total_row`` the index label of a row holding each column's total, when shown.
    ``row_totals`` / ``column_totals`` say whether rows / columns add up to a total that a
    reader knows or can derive even when it is not shown here (the safe default is yes).

    Primary: every cell (totals included) from 1 to 5 becomes ``"c"``.
    Secondary: in every row and column with a total, if exactly one of its cells (its total
    included) is suppressed, the smallest non-zero cell still shown is suppressed too (ties:
    the first in table order); a total is used only when no other cell is left. Repeated
    over rows and columns until stable. The column of row totals is itself a line adding up
    to the grand total, so a row total of 1 to 5 can force a second row total out. Zeros are
    true zeros: never suppressed and never used as the secondary cell. Other columns and the
    input are untouched.
    """
    value_cols = list(value_cols)
    missing = [col for col in value_cols if col not in frame.columns]
    if missing:
        raise ValueError(f"The table has no column {missing[0]!r}.")
    if total_col is not None and (total_col not in frame.columns or total_col in value_cols):
        raise ValueError(f"The total column {total_col!r} must be a column other than the value columns.")
    if total_row is not None and total_row not in frame.index:
        raise ValueError(f"The table has no row labelled {total_row!r} for the totals.")
    if not frame.index.is_unique:
        raise ValueError("The table's row labels must be unique to suppress it.")

    cols = value_cols + ([total_col] if total_col is not None else [])
    rows = list(frame.index)
    values = {(r, c): frame.at[r, c] for r in rows for c in cols}
    suppressed = {cell: _is_small(v) for cell, v in values.items()}

    # Each line: (its parts in table order, its total cell or None).
    part_rows = [r for r in rows if r != total_row]
    lines: list[tuple[list, tuple | None]] = []
    if row_totals or total_col is not None:
        for r in rows:
            total = (r, total_col) if total_col is not None else None
            lines.append(([(r, c) for c in value_cols], total))
    if column_totals or total_row is not None:
        for c in cols:
            total = (total_row, c) if total_row is not None else None
            lines.append(([(r, c) for r in part_rows], total))

    def showable(cell) -> bool:
        value = values[cell]
        return not suppressed[cell] and _is_number(value) and value > 0

    changed = True
    while changed:
        changed = False
        for parts, total in lines:
            members = parts + ([total] if total is not None else [])
            if sum(suppressed[m] for m in members) != 1:
                continue
            candidates = [p for p in parts if showable(p)]
            if not candidates and total is not None and showable(total):
                candidates = [total]
            if candidates:
                # min() keeps the first of equal values, so ties go to table order.
                suppressed[min(candidates, key=lambda cell: values[cell])] = True
                changed = True

    out = frame.copy()
    for c in cols:
        out[c] = pd.Series(
            [SUPPRESSED if suppressed[(r, c)] else _plain(values[(r, c)]) for r in rows],
            index=frame.index,
            dtype=object,
        )
    return out


def apply_audience(value, audience: str):
    """A count as the audience may see it: ``internal`` as is, ``public`` with suppress_count."""
    if audience not in AUDIENCES:
        raise ValueError(f"The audience must be 'internal' or 'public', not {audience!r}.")
    return value if audience == "internal" else suppress_count(value)

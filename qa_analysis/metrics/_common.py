"""Small helpers shared by the metric modules: exact rounding, quarter slices, code counts."""

from __future__ import annotations

import math
import weakref
from collections import OrderedDict
from fractions import Fraction
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..io import cache
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
    if isinstance(dates.dtype, np.dtype) and dates.dtype.kind == "M":
        # numpy dates: NaT compares False, so no missing-value pass is needed
        values = dates.to_numpy()
        start, end = (np.datetime64(d).astype(values.dtype) for d in (quarter.start, quarter.end))
        return pd.Series((values >= start) & (values <= end), index=dates.index, name=dates.name)
    return dates.between(quarter.start, quarter.end, inclusive="both").fillna(False).astype(bool)


def flag(values: pd.Series) -> pd.Series:
    """A yes/no column as plain bool: only True is True (NA counts as not recorded)."""
    if isinstance(values, pd.Series) and isinstance(values.dtype, np.dtype) and values.dtype == np.bool_:
        return values  # plain bool already: nothing is missing
    if isinstance(values, pd.Series) and (
        isinstance(values.dtype, pd.BooleanDtype)
        or (isinstance(values.dtype, pd.ArrowDtype) and pa.types.is_boolean(values.dtype.pyarrow_dtype))
    ):
        # nullable bool, numpy-masked or Arrow-backed (what comparing Arrow text gives)
        return pd.Series(values.to_numpy(dtype=bool, na_value=False), index=values.index, name=values.name)
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


def _ref(frame):
    """A weak reference to ``frame``; None stands for itself."""
    return (lambda: None) if frame is None else weakref.ref(frame)


def derived(frame: pd.DataFrame, key: tuple, compute, others: tuple = ()):
    """``compute()`` once per (``frame``, ``key``, ``others``); later calls reuse the result.

    ``others``: further frames (or None) the result depends on, matched by identity too
    (e.g. the families table behind a quarter's family keys)."""
    ident = (id(frame), key, tuple(id(o) for o in others))
    hit = _DERIVED.get(ident)
    if hit is not None and hit[0]() is frame and all(r() is o for r, o in zip(hit[2], others, strict=True)):
        _DERIVED.move_to_end(ident)
        return hit[1]
    value = compute()

    def forget(reference, ident=ident):
        if _DERIVED.get(ident, (None,))[0] is reference:
            del _DERIVED[ident]

    _DERIVED[ident] = (weakref.ref(frame, forget), value, tuple(_ref(o) for o in others))
    while len(_DERIVED) > _DERIVED_MAX:
        _DERIVED.popitem(last=False)
    return value


# ----------------------------------------------------------------- fast look-ups on text keys
# The loader's text columns are Arrow-backed; pyarrow's hash kernels look millions of ids up
# several times faster than pandas' generic paths. Each helper gives exactly the pandas
# result, and falls back to pandas for any other storage.


def arrow_text(values):
    """The pyarrow array behind Arrow-backed text, else None."""
    dtype = getattr(values, "dtype", None)
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        return values.array.__arrow_array__() if hasattr(values, "array") else values.__arrow_array__()
    return None


def one_array(arrow):
    """A pyarrow array of ``arrow``'s values: its one chunk as it is (``combine_chunks``
    copies even that), several chunks joined, an array unchanged."""
    if isinstance(arrow, pa.ChunkedArray):
        return arrow.chunk(0) if arrow.num_chunks == 1 else arrow.combine_chunks()
    return arrow


def isin(values: pd.Series | pd.Index, candidates) -> np.ndarray:
    """``values.isin(candidates)`` as a numpy bool array (a blank value is never in)."""
    arrow, wanted = arrow_text(values), arrow_text(candidates)
    if arrow is not None and wanted is not None and not wanted.null_count:
        value_set = pc.unique(wanted)
        value_set = one_array(value_set)
        found = pc.fill_null(pc.is_in(arrow, value_set=value_set), False)
        return found.to_numpy(zero_copy_only=False).astype(bool, copy=False)
    return np.asarray(values.isin(candidates), dtype=bool)


def codes(values: pd.Series, with_values: bool = False) -> tuple[np.ndarray, int, list | None]:
    """(one integer per value (32- or 64-bit), -1 for a blank; how many distinct values; with
    ``with_values``, the distinct values by code): the same values get the same code, in no
    particular order (for grouping and joining on integers).

    Text of a few values is looked up in them; text already in sorted order with no blank
    (an extract written child by child) is numbered by its runs; ids of up to 8 bytes are
    compared as integers (:func:`id_keys`); else the text is hashed."""
    arrow = arrow_text(values)
    if arrow is None:
        found, uniques = pd.factorize(values)
        return found.astype(np.int64), len(uniques), list(uniques) if with_values else None
    arrow = one_array(arrow)
    few = _few_values_codes(arrow)
    if few is not None:
        return few[0], len(few[1]), few[1] if with_values else None
    starts = None if arrow.null_count else sorted_id_runs(arrow)
    if starts is not None:
        return _run_codes(arrow, starts, with_values)
    named = arrow.drop_null() if arrow.null_count else arrow
    keys = id_keys(named)
    if keys is not None and not arrow.null_count and (keys[1:] >= keys[:-1]).all():
        return _run_codes(arrow, run_starts(keys), with_values)
    if keys is None and _sorted_text(arrow):
        changes = np.ones(len(arrow), dtype=bool)
        changes[1:] = pc.not_equal(arrow[1:], arrow[:-1]).to_numpy(zero_copy_only=False)
        return _run_codes(arrow, changes, with_values)
    if keys is not None and len(arrow) <= _SORTED_CODES_MAX:
        # ids of up to 8 bytes: sorting their integer keys beats hashing the text
        distinct, first, found = np.unique(keys, return_index=True, return_inverse=True)
        out = np.full(len(arrow), -1, dtype=np.int64)
        out[pc.is_valid(arrow).to_numpy(zero_copy_only=False)] = found
        return out, len(distinct), named.take(pa.array(first)).to_pylist() if with_values else None
    encoded = pc.dictionary_encode(arrow)
    out = pc.fill_null(encoded.indices, -1).to_numpy().astype(np.int64)
    distinct = encoded.dictionary
    return out, len(distinct), distinct.to_pylist() if with_values else None


_SORTED_CODES_MAX = 2_000_000  # above this, hashing the text is faster than sorting keys


def sorted_id_runs(arrow) -> np.ndarray | None:
    """True where a run of equal values begins, for ids of up to 8 bytes (:func:`id_keys`)
    in ascending order with no blank; None for other text. Read a stretch of rows at a
    time, without the whole column's keys."""
    if arrow is None or not len(arrow) or arrow.null_count:
        return None
    arrow = one_array(arrow)
    starts = np.empty(len(arrow), dtype=bool)
    last = None
    for rows in stretches(len(arrow)):
        # keys of texts of other widths compare as the texts do (zero-padded, no NUL byte),
        # so the stretches need not share one width
        keys = id_keys(arrow.slice(rows.start, rows.stop - rows.start))
        if keys is None or (keys[1:] < keys[:-1]).any() or (last is not None and keys[0] < last):
            return None
        np.not_equal(keys[1:], keys[:-1], out=starts[rows.start + 1 : rows.stop])
        starts[rows.start] = last is None or keys[0] != last
        last = keys[-1]
    return starts


def _run_codes(arrow, changes: np.ndarray, with_values: bool) -> tuple[np.ndarray, int, list | None]:
    """Codes of sorted text numbered by its runs (``changes``: True where a run begins);
    32-bit where they fit (half the memory of a column of 64-bit codes)."""
    out = np.cumsum(changes, dtype=np.int32 if len(changes) < 2**31 else np.int64)
    out -= 1
    return out, int(out[-1]) + 1, arrow.filter(pa.array(changes)).to_pylist() if with_values else None


def _few_values_codes(arrow) -> tuple[np.ndarray, list] | None:
    """(codes, the distinct values) for text of a few distinct values (a cohort, a
    modality), all of them among rows taken evenly across it: looked up in that small set
    instead of hashed into a new one. None when another value turns up."""
    if len(arrow) < 2 * _FEW_SAMPLE:
        return None
    sample = pc.unique(_spread(arrow, _FEW_SAMPLE)).drop_null()
    if not len(sample) or len(sample) > _FEW_MAX:
        return None
    found = pc.index_in(arrow, value_set=sample)
    if found.null_count != arrow.null_count:  # a value outside the sample
        return None
    # the 32-bit codes as Arrow gives them (no copy into a column of 64-bit ones)
    return pc.fill_null(found, -1).to_numpy(zero_copy_only=False), sample.to_pylist()


_FEW_SAMPLE, _FEW_MAX = 4096, 16


def _sorted_text(arrow) -> bool:
    """True when Arrow text of 2 or more values has no blank and is in ascending order
    (looked at on values taken evenly across it before the whole)."""
    if len(arrow) < 2 or arrow.null_count:
        return False
    for stretch in (_spread(arrow), arrow):
        if not pc.all(pc.less_equal(stretch[:-1], stretch[1:])).as_py():
            return False
    return True


def _spread(arrow, size: int = 4096):
    """``size`` values taken evenly across ``arrow``, first and last included, in order."""
    return arrow.take(pa.array(np.unique(np.linspace(0, len(arrow) - 1, size).astype(np.int64))))


def column_codes(frame: pd.DataFrame, column: str, with_values: bool = False) -> tuple[np.ndarray, int, list | None]:
    """:func:`codes` of one column of ``frame``, once per frame (its distinct count is the
    column's ``nunique()``); with ``with_values``, the distinct values by code as well."""
    name = f"codes.{column}" + (".values" if with_values else "")

    def build():
        # kept in the data folder's cache beside a cached table, for the next run on the same files
        kept = cache.derived_tables(frame, name)
        if kept is not None:
            values = kept["values"]["value"].tolist() if with_values else None
            return kept["codes"]["code"].to_numpy(), int(kept["size"]["size"].iloc[0]), values
        found, size, values = codes(frame[column], with_values=with_values)
        parts = {"codes": pd.DataFrame({"code": found}), "size": pd.DataFrame({"size": [size]})}
        if with_values:
            parts["values"] = pd.DataFrame({"value": pd.array(values, dtype="string")})
        if not with_values or all(isinstance(v, str) for v in values):  # text read back as text
            cache.keep_derived(frame, name, parts)
        return found, size, values

    return derived(frame, ("column_codes", column, with_values), build)


def first_seen_codes(global_codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes renumbered 0, 1, ... in order of first appearance (-1 stays -1), and the
    original code of each new one: what ``pd.factorize`` gives on the values themselves."""
    valid = global_codes >= 0
    if len(global_codes) and valid.all() and (global_codes[1:] >= global_codes[:-1]).all():
        # in ascending order (rows of an extract written child by child): first appearance
        # is ascending order, so the runs are numbered
        starts = run_starts(global_codes)
        return np.cumsum(starts, dtype=np.int64) - 1, global_codes[starts].astype(np.int64)
    out = np.full(len(global_codes), -1, dtype=np.int64)
    found, uniques = pd.factorize(global_codes[valid])
    out[valid] = found
    return out, np.asarray(uniques, dtype=np.int64)


def lookup(global_codes: np.ndarray, known: np.ndarray, size: int) -> np.ndarray:
    """For each code, its position in ``known`` (codes out of ``size``), or -1: what
    ``pd.Index(known values).get_indexer(values)`` gives."""
    return lookup_table(known, size)[global_codes]


def lookup_table(known: np.ndarray, size: int) -> np.ndarray:
    """The table behind :func:`lookup`: ``table[code]`` is the code's position in ``known``
    or -1, and ``table[-1]`` (a blank's code) is -1."""
    table = np.full(size + 1, -1, dtype=np.int64)
    table[known] = np.arange(len(known), dtype=np.int64)
    return table


# ------------------------------------------------------------- runs of equal adjacent keys
# Grouped operations on rows whose groups are contiguous runs (a child's episodes in child
# order, a period of care within them), done with numpy: the same values as pandas'
# groupby cumsum / shift / ffill / first on such rows, without hashing the keys.


def run_starts(keys: np.ndarray) -> np.ndarray:
    """True on the first row of each run of equal adjacent ``keys``."""
    starts = np.ones(len(keys), dtype=bool)
    if len(keys) > 1:
        np.not_equal(keys[1:], keys[:-1], out=starts[1:])
    return starts


def run_first(starts: np.ndarray) -> np.ndarray:
    """For each row, the position of the first row of its run (``starts`` as above)."""
    return np.maximum.accumulate(np.where(starts, np.arange(len(starts)), 0)) if len(starts) else np.zeros(0, np.int64)


def run_cumsum(values: np.ndarray, starts: np.ndarray, first: np.ndarray | None = None) -> np.ndarray:
    """Cumulative sum of ``values`` (int64) restarting at each run: groupby(...).cumsum().
    ``first``: :func:`run_first` of ``starts``, when the caller has it already."""
    values = np.asarray(values, dtype=np.int64)
    total = np.cumsum(values)
    return total - (total - values)[run_first(starts) if first is None else first]


def run_shift(values: np.ndarray, starts: np.ndarray, fill) -> np.ndarray:
    """``values`` moved down one row within each run, ``fill`` on each run's first row:
    groupby(...).shift(fill_value=fill)."""
    out = np.empty_like(values)
    if len(values):
        out[1:] = values[:-1]
        out[starts] = fill
    return out


def run_previous_valid(valid: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """For each row, the position of the last ``valid`` row before it in its run, or -1:
    what groupby(...).ffill() then groupby(...).shift() reads."""
    positions = np.arange(len(valid))
    latest = np.maximum.accumulate(np.where(valid, positions, -1)) if len(valid) else positions
    previous = run_shift(latest, starts, -1)
    return np.where(previous >= run_first(starts), previous, -1)


def positions_in(values: pd.Series, candidates: pd.Series) -> np.ndarray:
    """For each value, the position of its first occurrence in ``candidates``, or -1 (a blank
    value matches nothing): a left merge on a key, without the merge.

    Ids of one width in sorted candidates (a table written child by child) are found by
    binary search; otherwise by pyarrow's hash look-up, over only the candidates among the
    values when there are many more candidates than values."""
    arrow, wanted = arrow_text(values), arrow_text(candidates)
    if arrow is not None and wanted is not None:
        arrow = one_array(arrow)
        wanted = one_array(wanted)
        found = _sorted_positions(arrow, wanted)
        if found is not None:
            return found
        if len(wanted) > 4 * len(arrow):
            among = np.flatnonzero(isin(candidates, values))
            inner = positions_in(values, candidates.iloc[among])
            return np.where(inner >= 0, among[np.maximum(inner, 0)], -1).astype(np.int64)
        found = pc.index_in(arrow, value_set=wanted, skip_nulls=True)
        return pc.fill_null(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    named = candidates.notna().to_numpy(dtype=bool) & ~candidates.duplicated().to_numpy(dtype=bool)
    first = np.flatnonzero(named)
    found = pd.Index(candidates.iloc[first]).get_indexer(values)
    return np.where((found >= 0) & values.notna().to_numpy(dtype=bool), first[found], -1).astype(np.int64)


def id_keys(arrow) -> np.ndarray | None:
    """Arrow text with no blank whose values all have one width of 1 to 8 bytes (ids such
    as C0000001) as unsigned integers in the same order and with the same equalities (the
    bytes read big-endian, zero-padded to 8), also against the keys of other such text;
    None for any other text."""
    if arrow is None or not len(arrow) or arrow.null_count:
        return None
    arrow = one_array(arrow)
    kinds = {pa.string(): np.int32, pa.large_string(): np.int64}
    if arrow.type not in kinds:
        return None
    _, offsets, data = arrow.buffers()
    offsets = np.frombuffer(offsets, dtype=kinds[arrow.type])[arrow.offset : arrow.offset + len(arrow) + 1]
    width = int(offsets[1] - offsets[0])
    if not 0 < width <= 8 or int(offsets[-1] - offsets[0]) != width * len(arrow):
        return None
    text = np.frombuffer(data, dtype=np.uint8)[offsets[0] : offsets[-1]].reshape(len(arrow), width)
    keys = np.empty(len(arrow), dtype=np.uint64)
    # a stretch of rows at a time, so that no temporary is as big as the column
    for rows in stretches(len(arrow)):
        if (np.diff(offsets[rows.start : rows.stop + 1]) != width).any():
            return None
        part = text[rows]
        if not part.all():  # no NUL byte, so keys of texts of other widths never meet
            return None
        if width < 8:
            padded = np.zeros((len(part), 8), dtype=np.uint8)
            padded[:, :width] = part
            part = padded
        keys[rows] = part.view(">u8").ravel()
    return keys


_STRETCH = 1 << 20


def stretches(n: int):
    """Slices of at most ``_STRETCH`` (about a million) rows covering rows 0 to ``n``: for
    working through millions of rows with temporaries a fraction of a column's size."""
    return (slice(lo, min(lo + _STRETCH, n)) for lo in range(0, n, _STRETCH))


def whole_days(ticks: np.ndarray, dtype) -> tuple[int, int, np.ndarray] | None:
    """Integer ticks of the datetime64 ``dtype`` (no NaT) as whole days: (the lowest tick,
    the ticks in a day, each tick's day counted from the lowest), or None unless they all
    lie a whole number of days apart (dates at midnight, as the loader gives them)."""
    if not len(ticks):
        return None
    per_day = np.timedelta64(1, "D").astype(f"timedelta64[{np.datetime_data(dtype)[0]}]").astype(np.int64)
    base = int(ticks.min())
    day, rest = np.divmod(ticks - base, per_day)
    return None if rest.any() else (base, int(per_day), day)


def distinct_codes(found: np.ndarray, size: int) -> int:
    """How many distinct codes ``found`` holds (codes out of ``size``; a blank's -1 left
    out): ``nunique()`` of the values they stand for."""
    return int(np.count_nonzero(np.bincount(found[found >= 0], minlength=size)))


def join_keys(left: pd.Series, right: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer keys for two text columns without blanks, equal exactly where the texts
    are equal (also across the two), for merging on integers: :func:`id_keys` where both
    are such ids, else the position of the value's first row in ``left`` (-1 on the
    right for a value not in ``left``, which then matches nothing)."""
    left_keys, right_keys = id_keys(arrow_text(left)), id_keys(arrow_text(right))
    if left_keys is not None and right_keys is not None:
        return left_keys, right_keys
    return positions_in(left, left), positions_in(right, left)


def _sorted_positions(arrow, wanted) -> np.ndarray | None:
    """:func:`positions_in` by binary search, when both are ids of one width
    (:func:`id_keys`) and ``wanted`` is in ascending order; else None."""
    values, candidates = id_keys(arrow), id_keys(wanted)
    if values is None or candidates is None:
        return None
    if len(candidates) > 1 and not (candidates[1:] >= candidates[:-1]).all():
        return None
    # the leftmost equal one is the first listed; the values searched in ascending order,
    # so that each search starts where the last one ended
    order = np.argsort(values, kind="stable")
    at = np.empty(len(values), dtype=np.int64)
    at[order] = np.searchsorted(candidates, values[order])
    found = at < len(candidates)
    found[found] = candidates[at[found]] == values[found]
    return np.where(found, at, -1).astype(np.int64)


def family_of(child: pd.Series, families: pd.DataFrame | None) -> pd.Series:
    """Each child's family_id in ``families`` (NA where none): a child with several
    family rows is put in the first one listed (the table is one row per child)."""
    child = child.astype("string")
    if families is None:
        return pd.Series(pd.NA, index=child.index, dtype="string", name=child.name)
    named = families["child_id"].notna() & families["family_id"].notna()
    rows = families if named.all() else families.loc[named.to_numpy(dtype=bool)]
    family = rows["family_id"].astype("string").array.take(positions_in(child, rows["child_id"]), allow_fill=True)
    return pd.Series(family, index=child.index, dtype="string", name=child.name)

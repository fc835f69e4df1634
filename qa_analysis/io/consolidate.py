"""Consolidating several yearly SSDA903 returns into one episode history (a pure stage).

An authority submits one 903 return a year. Each holds every episode open at any time in
its year, so an episode open on 31 March is in two returns (with a blank DEC in the
first), and a later return may correct an earlier one. Regional pipelines consolidate the
returns with the "episodes fix" of the Social Finance / LIIA 903 pipeline (liia-tools,
``lds_ssda903_episodes_fix``); this module follows its published rules, one rule per
function, each rule's changes listed (file, row, what changed, rule).

Input frames hold the typed 903 columns plus:

- ``_la``: the authority (NA when the files do not say);
- ``_year``: the return's collection year, named by its 31 March end (``Int64``, NA in a
  stacked file without a ``YEAR`` column);
- ``_file``, ``_row``: where the row was read, for the change list;
- ``_seq``: reading order (a later file, then a later row, is a higher number).

Episode rules, in the order they are applied:

1. :func:`latest_return_wins`: the same (CHILD, DECOM) in several returns: the latest
   return's row is kept (it carries the DEC an earlier return left blank).
2. Stage 1, episodes left open in a return that is not the authority's latest (so the
   child's story continued in a later return), judged together on one view of each
   episode's neighbours, first rule that applies:

   - :func:`repeated_open_episode` (liia RULE_3): the child's next or previous episode
     repeats it (same RNE, LS, PLACE, PLACE_PROVIDER, PL_POST, URN; blank equals blank):
     dropped;
   - :func:`replaced_open_episode` (RULE_3A): the previous episode came from a later
     return: dropped;
   - :func:`closed_at_year_end` (RULE_2): no later episode: DEC = the return's 31 March,
     REC E99;
   - :func:`closed_before_reentry` (RULE_1A): the next episode is RNE S (a new period of
     care): DEC = the earlier of the return's 31 March and the day before the next DECOM,
     REC E99;
   - :func:`closed_at_next` (RULE_1): otherwise DEC = the next DECOM, REC X1.

3. Stage 2, on the neighbours after stage 1, an episode from an earlier return than the
   next one:

   - :func:`overlap_trimmed` (RULE_4): it ends after the next DECOM: DEC = the next DECOM;
   - :func:`x1_gap_closed` (RULE_5): it ends before the next DECOM with REC X1 (the next
     episode should follow on the same day): DEC = the next DECOM.

Header: :func:`latest_header_row`, the latest return's row for each child.

Without return years (a stacked file with no ``YEAR`` column) only what needs no year is
applied: duplicates keep the closed copy (else the later row); an open episode followed by
a later episode of the same child can only come from an earlier return, so RULE_3 and
RULE_1 apply to it, and RULE_1A closes it the day before the next DECOM (the return's
31 March is unknown); an open episode that is the child's last cannot be checked against a
later return and is counted in :attr:`Consolidated.unchecked_open`.

Departures from liia-tools, on purpose: REASON_PLACE_CHANGE is left as it was (liia
writes ``LIIAF``, a code no DfE list has, which would count as a reason for a move); and
RULE_2 is applied as written (liia's own code compares a numpy boolean with ``is False``,
so it never fires there).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import schemas

CHANGE_COLUMNS = ("file", "table", "row", "change", "rule")
REPEAT_COLUMNS = ("RNE", "LS", "PLACE", "PLACE_PROVIDER", "PL_POST", "URN")
ENDED_BY_FIX = "E99"  # liia-tools' REC for an end date the fix had to supply
CONTINUES = "X1"

# rule name -> (liia-tools rule, what it does), for change lists and validate
RULES: dict[str, tuple[str, str]] = {
    "latest_return_wins": ("dedup", "the same (CHILD, DECOM) in several returns: the latest return's row is kept"),
    "repeated_open_episode": ("RULE_3", "open episode of an earlier return repeated by the next or previous episode: dropped"),
    "replaced_open_episode": ("RULE_3A", "open episode of an earlier return replaced in a later return: dropped"),
    "closed_at_year_end": ("RULE_2", "open episode of an earlier return, no later episode: closed on its return's 31 March, REC E99"),
    "closed_before_reentry": ("RULE_1A", "open episode of an earlier return, next episode RNE S: closed the day before (at most its return's 31 March), REC E99"),
    "closed_at_next": ("RULE_1", "open episode of an earlier return: closed at the next DECOM, REC X1"),
    "overlap_trimmed": ("RULE_4", "episode of an earlier return overlapping the next one: DEC set to the next DECOM"),
    "x1_gap_closed": ("RULE_5", "episode of an earlier return ending with X1 before the next one: DEC set to the next DECOM"),
    "latest_header_row": ("header", "a child in several returns' headers: the latest return's row is kept"),
}
DROPPING_RULES = ("latest_return_wins", "repeated_open_episode", "replaced_open_episode", "latest_header_row")


def rule_label(rule: str) -> str:
    liia, words = RULES[rule]
    return f"{rule} ({liia}): {words}"


@dataclass
class Consolidated:
    """The consolidated rows, the changes made (one row per row changed or dropped), and the
    open episodes that could not be checked against a later return (no return year)."""

    frame: pd.DataFrame
    changes: pd.DataFrame
    unchecked_open: int = 0
    notes: list[str] = field(default_factory=list)
    child_key: np.ndarray | None = None  # one integer per (authority, child), in frame order


def empty_changes() -> pd.DataFrame:
    return pd.DataFrame({
        "file": pd.Series([], dtype="string"), "table": pd.Series([], dtype="string"),
        "row": pd.Series([], dtype="int64"), "change": pd.Series([], dtype="string"),
        "rule": pd.Series([], dtype="string"),
    })


def constant(value, n: int, dtype: str = "string"):
    """``value`` repeated ``n`` times as a pandas array (one value taken n times, not a
    Python list of n values)."""
    return pd.array([value], dtype=dtype).take(np.zeros(n, dtype=np.intp))


def _changes(rows: pd.DataFrame, table: str, change, rule: str) -> pd.DataFrame:
    n = len(rows)
    if isinstance(change, str):
        words = constant(change, n)
    elif isinstance(change, pd.Series):
        words = change.astype("string").array
    else:
        words = pd.array(change, dtype="string")
    return pd.DataFrame({
        "file": _as_text(rows["_file"]),
        "table": constant(table, n),
        "row": rows["_row"].astype("int64").to_numpy(),
        "change": words,
        "rule": constant(rule, n),
    })


def _equals(values: pd.Series, text: str) -> np.ndarray:
    """Rows equal to ``text`` (blank: False); a categorical (the returns are consolidated
    before their code columns become text) is compared by its codes, with no string per row."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        at = np.flatnonzero(values.cat.categories.astype("string") == text)
        return np.isin(values.cat.codes.to_numpy(), at) if len(at) else np.zeros(len(values), dtype=bool)
    return values.astype("string").eq(text).fillna(False).to_numpy(dtype=bool)


def _set_text(values: pd.Series, at: np.ndarray, new: pd.Series) -> pd.Series:
    """``values`` with the rows ``at`` set to ``new``'s text, keeping the dtype (a
    categorical gains the new values as categories)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        added = pd.Index(new[at].dropna().unique(), dtype="string").difference(values.cat.categories)
        widened = values.cat.add_categories(added) if len(added) else values
        codes = widened.cat.codes.to_numpy().copy()
        codes[at] = widened.cat.categories.get_indexer(new[at].astype(object))  # blank: -1
        return pd.Series(pd.Categorical.from_codes(codes, dtype=widened.dtype),
                         index=values.index, name=values.name)
    return values.astype("string").mask(at, new).astype(values.dtype)


def _as_text(values: pd.Series):
    """pandas ``string`` of a column; a categorical through pyarrow's take on its categories
    (``astype`` would make a Python string per row: a million consolidated header rows)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return schemas.categorical_text(values).array
    return values.astype("string").array


def _text_dates(values: pd.Series) -> pd.Series:
    return values.dt.strftime("%d/%m/%Y").fillna("blank").astype("string")


# --------------------------------------------------------------------------- neighbours
#
# At national scale (two million rows of ten returns) the stage works on integer keys and
# numpy masks: the child key is computed once, the episodes are put in order once (every
# later step keeps that order), and the neighbour view that the rules read is built only
# for the rows a rule can apply to (an open episode of an earlier return; an episode from
# an earlier return than the next one), which are few.


def _sorted_codes(values: pd.Series) -> tuple[np.ndarray, int]:
    """(codes, how many distinct values): one integer per value, in the order of the sorted
    distinct values (as ``pd.factorize(sort=True)``; NA is -1). Arrow text is encoded by
    pyarrow, several times faster than pandas' factorize at national scale."""
    values = values.astype("string")
    if getattr(values.dtype, "storage", None) != "pyarrow":
        codes, uniques = pd.factorize(values, sort=True)
        return codes.astype(np.int64), len(uniques)
    encoded = pc.dictionary_encode(values.array.__arrow_array__().combine_chunks())
    distinct = encoded.dictionary
    rank = np.empty(len(distinct), dtype=np.int64)
    rank[pc.sort_indices(distinct).to_numpy()] = np.arange(len(distinct), dtype=np.int64)
    indices = encoded.indices
    valid = indices.is_valid().to_numpy(zero_copy_only=False)
    at = pc.fill_null(indices, 0).to_numpy().astype(np.int64)
    return np.where(valid, rank[at] if len(rank) else -1, -1), len(distinct)


def _child_key(frame: pd.DataFrame) -> np.ndarray:
    """One integer per (authority, child), ordered as (authority, CHILD) sort: sorting and
    comparing integers is much faster than strings at national scale."""
    la = frame["_la"]
    if isinstance(la.dtype, pd.CategoricalDtype):
        # the categories (and "" for NA, as below) in sorted order, looked up by code
        labels = pd.Series([*la.cat.categories.astype("string"), ""], dtype="string").fillna("")
        label_codes, _ = _sorted_codes(labels)
        la_codes = label_codes[la.cat.codes.to_numpy()]  # code -1 (NA) takes the last label, ""
    else:
        la_codes, _ = _sorted_codes(la.astype("string").fillna(""))
    child_codes, children = _sorted_codes(frame["CHILD"])
    return la_codes * (children + 1) + child_codes


def _same_as_neighbour(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(same key as the row before, same key as the row after)."""
    same = key[1:] == key[:-1]
    before = np.zeros(len(key), dtype=bool)
    after = np.zeros(len(key), dtype=bool)
    before[1:], after[:-1] = same, same
    return before, after


def _order(episodes: pd.DataFrame, key: np.ndarray) -> np.ndarray | None:
    """The positions putting episodes per authority and child in DECOM order (the return
    order breaks ties), or None when they are in that order already."""
    order = np.lexsort((episodes["_seq"].to_numpy(), episodes["DECOM"].to_numpy(), key))
    if np.array_equal(order, np.arange(len(order))):
        return None
    return order


def _ordered(episodes: pd.DataFrame, key: np.ndarray | None = None) -> pd.DataFrame:
    """Episodes per authority and child in DECOM order (the return order breaks ties)."""
    order = _order(episodes, _child_key(episodes) if key is None else key)
    return episodes if order is None else episodes.iloc[order]


def _ordered_with_key(episodes: pd.DataFrame, key: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """:func:`_ordered`, index reset, with the key in the same order."""
    order = _order(episodes, key)
    if order is None:
        return episodes.reset_index(drop=True), key
    return episodes.iloc[order].reset_index(drop=True), key[order]


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Equal, or both blank."""
    a_na, b_na = a.isna().to_numpy(), b.isna().to_numpy()
    equal = (a.astype("string").fillna("") == b.astype("string").fillna("")).to_numpy(dtype=bool)
    return (equal & ~a_na & ~b_na) | (a_na & b_na)


NEIGHBOUR_COLUMNS = ("DECOM", "_year", *REPEAT_COLUMNS)


def _view(eps: pd.DataFrame, key: np.ndarray, rows: np.ndarray | None = None) -> pd.DataFrame:
    """Ordered episodes (index 0..n-1) with ``_has_prev`` / ``_has_next`` (same authority
    and child) and the previous and next episode's DECOM, RNE, year and repeat columns as
    ``_prev_*`` / ``_next_*``; only for the positions ``rows`` when given (the view's
    index is then those positions)."""
    has_prev, has_next = _same_as_neighbour(key)
    if rows is None:
        extra = {"_has_prev": has_prev, "_has_next": has_next}
        for column in NEIGHBOUR_COLUMNS:
            extra[f"_prev_{column}"] = eps[column].shift().where(has_prev)
            extra[f"_next_{column}"] = eps[column].shift(-1).where(has_next)
        return eps.assign(**extra)
    view = eps.iloc[rows]
    prev_ok, next_ok = has_prev[rows], has_next[rows]
    before, after = np.where(prev_ok, rows - 1, rows), np.where(next_ok, rows + 1, rows)
    extra = {"_has_prev": prev_ok, "_has_next": next_ok}
    for column in NEIGHBOUR_COLUMNS:
        values = eps[column]
        extra[f"_prev_{column}"] = pd.Series(values.array.take(before), index=view.index).where(prev_ok)
        extra[f"_next_{column}"] = pd.Series(values.array.take(after), index=view.index).where(next_ok)
    return view.assign(**extra)


def neighbours(episodes: pd.DataFrame) -> pd.DataFrame:
    """Ordered episodes with ``_has_prev`` / ``_has_next`` (same authority and child) and the
    previous and next episode's DECOM, RNE, year and repeat columns as ``_prev_*`` / ``_next_*``."""
    eps, key = _ordered_with_key(episodes, _child_key(episodes))
    return _view(eps, key)


def _repeats(view: pd.DataFrame, side: str) -> np.ndarray:
    has = view[f"_has_{side}"].to_numpy(dtype=bool)
    same = np.ones(len(view), dtype=bool)
    for column in REPEAT_COLUMNS:
        same &= _same(view[column], view[f"_{side}_{column}"])
    other_decom = view[f"_{side}_DECOM"]
    return has & same & (other_decom != view["DECOM"]).fillna(False).to_numpy(dtype=bool)


def _year_end(years: pd.Series) -> pd.Series:
    years = years.astype("Int64")
    text = years.astype("string") + "-03-31"
    return pd.to_datetime(text, format="%Y-%m-%d", errors="coerce").astype("datetime64[ns]")


def _winners(sorted_loser: np.ndarray) -> np.ndarray:
    """For each loser (in sorted order, a row followed by another copy of it), the sorted
    position of its group's winner: the next position that is not a loser."""
    ends = np.flatnonzero(~sorted_loser)
    return ends[np.searchsorted(ends, np.flatnonzero(sorted_loser))]


def _text_of(values: pd.Series, positions: np.ndarray) -> pa.Array:
    """The values at ``positions`` as Arrow text (a categorical by its categories' text)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        names = pa.array([str(c) for c in values.cat.categories], type=pa.large_string())
        return names.take(pa.array(values.cat.codes.to_numpy()[positions]))
    if values.dtype.kind in "iu":
        return pc.cast(pa.array(values.to_numpy()[positions]), pa.large_string())
    return pa.array(values.iloc[positions].astype("string").array).cast(pa.large_string())


def _where_kept(frame: pd.DataFrame, positions: np.ndarray, before: str, middle: str, after: str) -> pd.Series:
    """``before`` + file + ``middle`` + row + ``after`` for the rows at ``positions``, as text
    (joined by pyarrow in one pass: there can be a million of them)."""
    def text(words: str):
        return pa.scalar(words, type=pa.large_string())

    joined = pc.binary_join_element_wise(
        text(before), _text_of(frame["_file"], positions), text(middle), _text_of(frame["_row"], positions),
        text(after), text(""))
    return pd.Series(pd.array(joined, dtype="string"))


# --------------------------------------------------------------------------- rule 1: duplicates


def _latest_return_wins(episodes: pd.DataFrame, key: np.ndarray) -> tuple[np.ndarray | None, pd.DataFrame, np.ndarray]:
    """(rows kept as a mask, or None when every row is kept; the changes listed; the kept
    rows' positions in (key, DECOM) order, valid when no DECOM is blank: then each (key,
    DECOM) is kept once, so that is also their (key, DECOM, reading) order)."""
    year = episodes["_year"].astype("Float64").fillna(-1).to_numpy()
    closed = episodes["DEC"].notna().to_numpy().astype(np.int8)
    no_year = episodes["_year"].isna().to_numpy()
    decom = episodes["DECOM"].to_numpy()
    order = np.lexsort((episodes["_seq"].to_numpy(), np.where(no_year, closed, 0), year, decom, key))
    _, same_key_next = _same_as_neighbour(key[order])
    _, same_decom_next = _same_as_neighbour(decom[order])
    loser = same_key_next & same_decom_next
    if not loser.any():
        return None, empty_changes(), order
    lost_at, won_at = order[loser], order[_winners(loser)]
    words = _where_kept(episodes, won_at, "dropped: the same CHILD and DECOM is in ", " row ", ", a later return")
    changes = _changes(episodes[["_file", "_row"]].iloc[lost_at], "episodes", words, "latest_return_wins")
    kept = np.ones(len(episodes), dtype=bool)
    kept[lost_at] = False
    return kept, changes, order[~loser]


def latest_return_wins(episodes: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same (CHILD, DECOM) of one authority in several returns: keep the latest return's
    row (highest ``_year``, then the later file and row); without a return year, keep a closed
    copy over an open one, then the later row. The others are dropped and listed."""
    kept, changes, _ = _latest_return_wins(episodes, _child_key(episodes))
    return (episodes if kept is None else episodes.loc[kept]), changes


# --------------------------------------------------------------------------- stage 1


def _latest_year_of_authority(view: pd.DataFrame) -> pd.Series:
    years = view["_year"].astype("Float64")
    la = view["_la"]
    if la.nunique(dropna=False) <= 1:
        return pd.Series(years.max(), index=view.index, dtype="Float64")
    return years.groupby(la.astype("string").fillna(""), sort=False).transform("max")


def open_in_earlier_return(view: pd.DataFrame) -> np.ndarray:
    """Open episodes (blank DEC) of a return that is not the authority's latest; without a
    return year, open episodes followed by a later episode of the same child."""
    is_open = view["DEC"].isna().to_numpy()
    years = view["_year"].astype("Float64")
    earlier = (years < _latest_year_of_authority(view)).fillna(False).to_numpy(dtype=bool)
    no_year = years.isna().to_numpy()
    return is_open & (earlier | (no_year & view["_has_next"].to_numpy(dtype=bool)))


def repeated_open_episode(view: pd.DataFrame) -> np.ndarray:
    """RULE_3 candidates: the next or previous episode repeats this one (another DECOM, the
    same RNE, LS, PLACE, PLACE_PROVIDER, PL_POST and URN)."""
    return _repeats(view, "next") | _repeats(view, "prev")


def replaced_open_episode(view: pd.DataFrame) -> np.ndarray:
    """RULE_3A candidates: the previous episode came from a later return."""
    return (view["_prev__year"].astype("Float64") > view["_year"].astype("Float64")).fillna(False).to_numpy(dtype=bool)


def closed_at_year_end(view: pd.DataFrame) -> np.ndarray:
    """RULE_2 candidates: no later episode of the child (with a return year to close it at)."""
    return ~view["_has_next"].to_numpy(dtype=bool) & view["_year"].notna().to_numpy()


def closed_before_reentry(view: pd.DataFrame) -> np.ndarray:
    """RULE_1A candidates: the next episode starts a new period of care (RNE S)."""
    return view["_has_next"].to_numpy(dtype=bool) & view["_next_RNE"].astype("string").eq("S").fillna(False).to_numpy(dtype=bool)


def closed_at_next(view: pd.DataFrame) -> np.ndarray:
    """RULE_1 candidates: a next episode that is not RNE S (the child stayed in care)."""
    return view["_has_next"].to_numpy(dtype=bool) & ~closed_before_reentry(view)


def _stage_one(eps: pd.DataFrame, key: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """:func:`stage_one` on ordered episodes (index 0..n-1) and their key; the result is
    ordered too. Only the open episodes of earlier returns are looked at."""
    _, has_next = _same_as_neighbour(key)
    pending_all = open_in_earlier_return(eps.assign(_has_next=has_next))
    rows = np.flatnonzero(pending_all)
    if not len(rows):
        return eps, empty_changes(), key
    view = _view(eps, key, rows).reset_index(drop=True)
    pending = np.ones(len(view), dtype=bool)
    chosen: dict[str, np.ndarray] = {}
    for name, rule in (("repeated_open_episode", repeated_open_episode),
                       ("replaced_open_episode", replaced_open_episode),
                       ("closed_at_year_end", closed_at_year_end),
                       ("closed_before_reentry", closed_before_reentry),
                       ("closed_at_next", closed_at_next)):
        chosen[name] = pending & rule(view)
        pending = pending & ~chosen[name]

    year_end = _year_end(view["_year"])
    next_decom = view["_next_DECOM"].astype("datetime64[ns]")
    day_before = next_decom - pd.Timedelta(days=1)
    new_dec = pd.Series(pd.NaT, index=view.index, dtype="datetime64[ns]")
    new_rec = pd.Series(pd.NA, index=view.index, dtype="string")
    m = chosen["closed_at_year_end"]
    new_dec[m], new_rec[m] = year_end[m], ENDED_BY_FIX
    m = chosen["closed_before_reentry"]
    earlier = day_before.where(year_end.isna() | (day_before <= year_end), year_end)
    new_dec[m], new_rec[m] = earlier[m], ENDED_BY_FIX
    m = chosen["closed_at_next"]
    new_dec[m], new_rec[m] = next_decom[m], CONTINUES

    parts = []
    for name in ("repeated_open_episode", "replaced_open_episode"):
        m = chosen[name]
        if m.any():
            why = ("dropped: repeated by the child's next or previous episode"
                   if name == "repeated_open_episode" else
                   "dropped: the child's previous episode came from a later return")
            parts.append(_changes(view.loc[m], "episodes", why, name))
    for name in ("closed_at_year_end", "closed_before_reentry", "closed_at_next"):
        m = chosen[name]
        if m.any():
            rec_before = view.loc[m, "REC"].astype("string").fillna("blank")
            words = ("DEC blank -> " + _text_dates(new_dec[m]) + "; REC " + rec_before
                     + " -> " + new_rec[m])
            parts.append(_changes(view.loc[m], "episodes", words.to_numpy(), name))

    closing = chosen["closed_at_year_end"] | chosen["closed_before_reentry"] | chosen["closed_at_next"]
    dropped = chosen["repeated_open_episode"] | chosen["replaced_open_episode"]
    out = eps
    if closing.any():
        at = np.zeros(len(eps), dtype=bool)
        at[rows[closing]] = True
        dec_values = pd.Series(pd.NaT, index=eps.index, dtype="datetime64[ns]")
        dec_values.iloc[rows[closing]] = new_dec[closing].to_numpy()
        rec_values = pd.Series(pd.NA, index=eps.index, dtype="string")
        rec_values.iloc[rows[closing]] = new_rec[closing].to_numpy()
        out = eps.assign(DEC=eps["DEC"].mask(at, dec_values), REC=_set_text(eps["REC"], at, rec_values))
    kept = np.ones(len(eps), dtype=bool)
    kept[rows[dropped]] = False
    if not kept.all():
        out, key = out.loc[kept].reset_index(drop=True), key[kept]
    changes = pd.concat(parts, ignore_index=True) if parts else empty_changes()
    return out, changes, key


def stage_one(episodes: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Judge every open episode of an earlier return on one view of its neighbours, first rule
    that applies (3, 3A, 2, 1A, 1); drop or close it; list each change."""
    eps, key = _ordered_with_key(episodes, _child_key(episodes))
    out, changes, _ = _stage_one(eps, key)
    return out, changes


# --------------------------------------------------------------------------- stage 2


def _before_next_return(view: pd.DataFrame) -> np.ndarray:
    return (view["_year"].astype("Float64") < view["_next__year"].astype("Float64")).fillna(False).to_numpy(dtype=bool)


def overlap_trimmed(view: pd.DataFrame) -> np.ndarray:
    """RULE_4 candidates: from an earlier return than the next episode, and ending after its DECOM."""
    return _before_next_return(view) & (view["DEC"] > view["_next_DECOM"]).fillna(False).to_numpy(dtype=bool)


def x1_gap_closed(view: pd.DataFrame) -> np.ndarray:
    """RULE_5 candidates: from an earlier return than the next episode, ending before its DECOM
    with REC X1 (an episode that says the next one follows on the same day)."""
    ends_before = (view["DEC"] < view["_next_DECOM"]).fillna(False).to_numpy(dtype=bool)
    x1 = _equals(view["REC"], CONTINUES)
    return _before_next_return(view) & ends_before & x1


def _stage_two(eps: pd.DataFrame, key: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`stage_two` on ordered episodes (index 0..n-1) and their key; only the
    episodes from an earlier return than the next one are looked at."""
    _, has_next = _same_as_neighbour(key)
    years = eps["_year"].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    next_years = np.full(len(years), np.nan)
    next_years[:-1] = years[1:]
    before_next = has_next & (years < next_years)  # NaN compares False
    # the rules' own tests, on arrays: only the rows they pick get a view
    dec = eps["DEC"].to_numpy()
    next_decom = np.full(len(dec), np.datetime64("NaT"), dtype=eps["DECOM"].to_numpy().dtype)
    next_decom[:-1] = eps["DECOM"].to_numpy()[1:]
    x1 = _equals(eps["REC"], CONTINUES)
    picked = before_next & ((dec > next_decom) | ((dec < next_decom) & x1))  # NaT compares False
    rows = np.flatnonzero(picked)
    if not len(rows):
        return eps, empty_changes()
    view = _view(eps, key, rows).reset_index(drop=True)
    parts = []
    fix = np.zeros(len(view), dtype=bool)
    for name, rule in (("overlap_trimmed", overlap_trimmed), ("x1_gap_closed", x1_gap_closed)):
        m = rule(view) & ~fix
        if m.any():
            words = ("DEC " + _text_dates(view.loc[m, "DEC"]) + " -> "
                     + _text_dates(view.loc[m, "_next_DECOM"].astype("datetime64[ns]")))
            parts.append(_changes(view.loc[m], "episodes", words.to_numpy(), name))
        fix |= m
    if not fix.any():
        return eps, empty_changes()
    at = np.zeros(len(eps), dtype=bool)
    at[rows[fix]] = True
    next_decom = pd.Series(pd.NaT, index=eps.index, dtype="datetime64[ns]")
    next_decom.iloc[rows[fix]] = view.loc[fix, "_next_DECOM"].astype("datetime64[ns]").to_numpy()
    out = eps.assign(DEC=eps["DEC"].mask(at, next_decom))
    return out, pd.concat(parts, ignore_index=True)


def stage_two(episodes: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """RULE_4 and RULE_5 on the neighbours left after stage 1: DEC set to the next DECOM."""
    eps, key = _ordered_with_key(episodes, _child_key(episodes))
    return _stage_two(eps, key)


# --------------------------------------------------------------------------- the stage


def _unchecked_open(eps: pd.DataFrame, key: np.ndarray) -> int:
    _, has_next = _same_as_neighbour(key)
    return int((eps["DEC"].isna().to_numpy() & eps["_year"].isna().to_numpy() & ~has_next).sum())


def unchecked_open_episodes(episodes: pd.DataFrame) -> int:
    """Open episodes without a return year that are their child's last: nothing says whether
    a later return closed them."""
    eps, key = _ordered_with_key(episodes, _child_key(episodes))
    return _unchecked_open(eps, key)


def consolidate_episodes(episodes: pd.DataFrame) -> Consolidated:
    """Every episode rule in order (module docstring); inputs are not changed.

    The child key is computed once and the episodes put in order once (the duplicates
    dropped in the same step); each stage keeps that order, as a stage only drops rows or
    changes DEC and REC."""
    key = _child_key(episodes)
    kept, dup, order = _latest_return_wins(episodes, key)
    if episodes["DECOM"].isna().any():  # a blank DECOM is never a duplicate: sort again
        order = np.lexsort((episodes["_seq"].to_numpy(), episodes["DECOM"].to_numpy(), key))
        if kept is not None:
            order = order[kept[order]]
    if np.array_equal(order, np.arange(len(episodes))):
        frame = episodes.reset_index(drop=True)
    else:
        frame, key = episodes.iloc[order].reset_index(drop=True), key[order]
    frame, one, key = _stage_one(frame, key)
    frame, two = _stage_two(frame, key)
    changes = [c for c in (dup, one, two) if len(c)]
    result = Consolidated(
        frame.reset_index(drop=True),
        pd.concat(changes, ignore_index=True) if changes else empty_changes(),
        _unchecked_open(frame, key),
        child_key=key,
    )
    if result.unchecked_open:
        result.notes.append(
            f"{result.unchecked_open:,} open episode(s) could not be checked against a later return "
            "(the stacked file has no YEAR column): they are kept open"
        )
    return result


def may_overlap(episodes: pd.DataFrame, key: np.ndarray | None) -> bool:
    """False when no consolidated episode (ordered, with its child key) starts before the
    end of the child's previous one: then ``schemas.overlapping_episodes`` has nothing to
    find and need not sort the episodes again. Without a key, True (check them)."""
    if key is None or len(key) != len(episodes):
        return True
    same_child = key[1:] == key[:-1]
    previous_end = episodes["DEC"].to_numpy()[:-1]
    start = episodes["DECOM"].to_numpy()[1:]
    return bool((same_child & (np.isnat(previous_end) | (start < previous_end))).any())


def latest_header_row(header: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Header: one row per authority and child, from the latest return (then the later file
    and row); the others are dropped and listed."""
    year = header["_year"].astype("Float64").fillna(-1).to_numpy()
    key = _child_key(header)
    order = np.lexsort((header["_seq"].to_numpy(), year, key))
    _, loser = _same_as_neighbour(key[order])
    if not loser.any():
        return header, empty_changes()
    lost_at, won_at = order[loser], order[_winners(loser)]
    words = _where_kept(header, won_at, "dropped: the child's header row in ", " row ", ", a later return, is used")
    kept = np.ones(len(header), dtype=bool)
    kept[lost_at] = False
    return header.loc[kept], _changes(header[["_file", "_row"]].iloc[lost_at], "header", words, "latest_header_row")

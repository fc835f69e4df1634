"""Placement history and placement stability (DESIGN section 4 "placement_stability").

Source: the SSDA903 episodes and header tables (``io.tables.TABLES``), with the codes and
definitions of domain.md sections 1.3-1.8 and 2. Every function drops short-break
episodes (LS V3/V4, ``settings.short_break_legal_status``) first, as DfE does, and never
changes its inputs.

**Placements** (:func:`placement_history`, one row per child x placement). Episodes are
taken per child in DECOM order and grouped:

- A *period of care* begins with RNE S, or with the child's first episode left after the
  short breaks are dropped (an extract that starts mid-care, or a child whose short breaks
  came first). Periods are numbered 1, 2, ... per child.
- A *placement start* is an episode with RNE in ``settings.placement_start_rne`` (S, P, B
  by default: a new carer), whose PLACE is not temporary (T0-T4), and which is not the
  return to the placement held before a temporary episode (same PLACE and URN, blank URN
  matching blank, as the last non-temporary episode before the temporary run). The first
  non-temporary episode of a period always starts a placement, whatever its RNE.
- Every other episode continues the placement in progress: RNE L (legal status only), by
  default T and U (same carer), a temporary episode (counted in ``temporary_episodes`` of
  the placement it interrupts, never a placement of its own) and the return from it.
  Temporary episodes that open a period, before any placement, belong to no placement and
  are left out of the history.
- A *move* is a placement start that is not the first placement of its period (so never
  RNE S: entering or re-entering care is a new placement, not a move).

**Coverage.** Every key function takes an optional ``episodes_coverage`` (the loaded
data's ``DataSet.coverage["episodes"]``, the SSDA903 returns' years; the registry passes
it): a quarter outside it gives None, never 0, and so does a measure whose look-back
window reaches before it (:func:`three_plus_window` and :func:`long_term_window`).
Without it (frames passed by hand) every quarter is taken as covered.

**Interpretations** (DESIGN leaves these open; chosen here):

- ``cla.during_quarter`` counts an episode that ended on the quarter's first day (the
  child was looked after on that day); ``cla.at_quarter_end`` does not count an episode
  that ended on the quarter end (DESIGN: DEC > end).
- ``placements.pct_3plus_12m``: an episode that began before the window's first day and
  ended *on* that day "had not ended before it", so it counts as the placement in
  progress; a child who moves on the window's first day thus has 2 placements from that
  day alone (the one left and the one joined), as they lived in both within the window.
- ``placements.reason.<code>``: moves whose ended episode has no REASON_PLACE_CHANGE are
  counted under ``placements.reason.not_recorded`` (present only when there are some), so
  the reason keys always add up to ``placements.moves`` and missing reasons show as a
  recording issue. The reason is that of the last non-temporary episode before the move
  (the one a DfE rule 225 reason is due on); a temporary episode's reason must be blank.
- ``placements.pct_long_term_stable``: a child with no DOB (or no header row) cannot be
  shown to be under 16 and is left out of the denominator. The adoption clause applies
  when the current placement started in an adoptive PLACE (A3-A6) as a new placement (by
  default RNE P/B: A4/A6 not with the foster carer); an adoption with the current foster
  carer (RNE T/U) is already merged into the foster placement, whose start is the carer
  start.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..config import (
    ADOPTION_PLACES,
    DEFAULT_SETTINGS,
    FOSTER_PLACES,
    SEMI_INDEPENDENT_PLACES,
    Settings,
)
from ..io import cache
from ..io.coverage import Coverage, window_covered
from ..periods import Quarter, parse_period
from ._common import (
    arrow_text,
    bound,
    codes,
    column_codes,
    derived,
    distinct_codes,
    flag,
    id_keys,
    pct,
    positions_in,
    run_cumsum,
    run_first,
    run_previous_valid,
    run_shift,
    run_starts,
)

__all__ = [
    "long_term_window",
    "three_plus_window",
    "PLACE_GROUPS",
    "PLACE_GROUP_CODES",
    "children_looked_after_at_quarter_end",
    "children_looked_after_during_quarter",
    "children_moved",
    "count_foster_to_semi_independent",
    "foster_to_semi_independent_moves",
    "foster_to_semi_independent_profile",
    "long_term_stable_counts",
    "move_reasons",
    "moves_by_reason",
    "pct_long_term_stable",
    "pct_three_plus_placements_12m",
    "place_group",
    "placement_bases",
    "placement_history",
    "placement_metrics",
    "placement_moves",
    "three_plus_counts",
    "transitions_matrix",
]

# Placement groups for charts (domain.md 1.5). Foster, semi-independent and adoption codes
# follow the settings; residential covers children's homes, other residential settings
# and residential schools; any other code (P3, Z1, Z11-Z14, historic codes) is "other".
RESIDENTIAL_PLACES = ("K1", "K2", "R1", "R2", "R3", "R5", "S1")
PARENT_PLACES = ("P1",)
PLACE_GROUPS = ("foster", "residential", "semi_independent", "adoption", "parents", "other")
PLACE_GROUP_CODES: dict[str, tuple[str, ...]] = {
    "foster": FOSTER_PLACES,
    "residential": RESIDENTIAL_PLACES,
    "semi_independent": SEMI_INDEPENDENT_PLACES,
    "adoption": ADOPTION_PLACES,
    "parents": PARENT_PLACES,
}

NOT_RECORDED = "not_recorded"
SEX_LABELS = {"1": "male", "2": "female"}  # SSDA903 header SEX (domain.md 1.2)

HISTORY_COLUMNS = [
    "CHILD", "period_of_care", "period_start", "placement_number", "start", "end",
    "start_rne", "place", "last_place", "place_group", "legal_status", "is_move",
    "previous_place", "previous_group", "reason_previous_ended", "episodes",
    "temporary_episodes",
]
FOSTER_TO_SEMI_COLUMNS = [
    "CHILD", "move_date", "age_at_move", "sex", "legal_status", "uasc",
    "earlier_placements", "reason", "from_place", "to_place",
]
PROFILE_CHARACTERISTICS = (
    "age_at_move", "sex", "legal_status", "uasc", "earlier_placements", "reason",
)


# ----------------------------------------------------------------------------- helpers


def three_plus_window(quarter: Quarter, settings: Settings = DEFAULT_SETTINGS) -> tuple:
    """First and last day ``placements.pct_3plus_12m`` needs: the 12 months to the quarter end."""
    return quarter.end - pd.DateOffset(years=1) + pd.Timedelta(days=1), quarter.end


def long_term_window(quarter: Quarter, settings: Settings = DEFAULT_SETTINGS) -> tuple:
    """First and last day ``placements.pct_long_term_stable`` needs: the 2.5 years (setting)
    of care to the quarter end."""
    return quarter.end - pd.DateOffset(months=settings.long_term_care_months), quarter.end


def _quarter_covered(coverage: Coverage | None, quarter: Quarter) -> bool:
    return coverage is None or coverage.covers_quarter(quarter)


def _without_short_breaks(episodes: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    return episodes.loc[~flag(episodes["LS"].isin(settings.short_break_legal_status))]


def _not_short_break(episodes: pd.DataFrame, settings: Settings) -> np.ndarray:
    """True on the episodes that are not short breaks, once per episodes frame."""
    codes = tuple(settings.short_break_legal_status)
    return derived(
        episodes, ("not_short_break", codes), lambda: ~flag(episodes["LS"].isin(codes)).to_numpy(dtype=bool)
    )


def _distinct_children(episodes: pd.DataFrame, rows: pd.Series, settings: Settings) -> int:
    """Distinct CHILD among ``rows`` (a mask) of the episodes, short breaks left out (a
    column and mask, not a copy of the frame)."""
    chosen = rows.to_numpy(dtype=bool) & _not_short_break(episodes, settings)
    # on the episodes' integer CHILD codes (once per frame; a blank CHILD is -1, not counted)
    child, size, _ = column_codes(episodes, "CHILD")
    return distinct_codes(child[chosen], size)


def _looked_after_on(episodes: pd.DataFrame, date: pd.Timestamp) -> pd.Series:
    """Episodes in progress at the end of ``date``: DECOM <= date and (DEC blank or > date)."""
    return (episodes["DECOM"] <= date) & (episodes["DEC"].isna() | (episodes["DEC"] > date))


def in_child_date_order(episodes: pd.DataFrame) -> bool:
    """True when the episodes (no blank CHILD or DECOM) are in CHILD, DECOM order already, as
    the loader gives them; sorting them again would change nothing. Checked on Arrow text
    only (else False, and the caller sorts)."""
    if len(episodes) < 2:
        return True
    child = arrow_text(episodes["CHILD"])
    if child is None:
        return False
    decom = episodes["DECOM"].to_numpy()
    keys = id_keys(child)  # ids of one width compare as integers
    if keys is not None:
        child_less, child_equal = keys[:-1] < keys[1:], keys[:-1] == keys[1:]
    else:
        before, after = child[:-1], child[1:]
        child_less = pc.less(before, after).to_numpy(zero_copy_only=False)
        child_equal = pc.equal(before, after).to_numpy(zero_copy_only=False)
    return bool((child_less | (child_equal & (decom[:-1] <= decom[1:]))).all())


def place_group(places: pd.Series, settings: Settings = DEFAULT_SETTINGS) -> pd.Series:
    """The placement group (:data:`PLACE_GROUPS`) of each PLACE code; NA stays NA."""
    groups_of = {
        **PLACE_GROUP_CODES,
        "foster": settings.foster_places,
        "semi_independent": settings.semi_independent_places,
        "adoption": settings.adoption_places,
    }
    mapping = {code: group for group, group_codes in groups_of.items() for code in group_codes}
    places = places.astype("string")
    # Look up each distinct code once (code -1, a blank PLACE, takes the trailing NA); a
    # code in no group is "other".
    found, distinct, uniques = codes(places, with_values=True)
    groups = pd.array([mapping.get(u, "other") for u in uniques] + [pd.NA], dtype="string")
    return pd.Series(groups.take(np.where(found >= 0, found, distinct)), index=places.index)


def _child_changes(children: pd.Series) -> np.ndarray:
    """True where a row's CHILD differs from the row before (rows in child order, no blank
    CHILD), so on each child's first row: ``~children.duplicated()`` for such rows."""
    arrow = arrow_text(children)
    if arrow is None or len(children) < 2:
        return (~children.duplicated()).to_numpy(dtype=bool)
    keys = id_keys(arrow)
    if keys is not None:
        return run_starts(keys)
    changes = pc.not_equal(arrow[1:], arrow[:-1]).to_numpy(zero_copy_only=False)
    return np.concatenate([[True], changes]).astype(bool, copy=False)


def _same_text(values: pd.Series, rows: np.ndarray, others: np.ndarray) -> np.ndarray:
    """True where ``values`` at ``rows`` equals ``values`` at ``others``, blank matching blank."""
    arrow = arrow_text(values)
    if arrow is not None:
        here, there = (pc.fill_null(arrow.take(pa.array(np.asarray(r, dtype=np.int64))), "") for r in (rows, others))
        return pc.equal(here, there).to_numpy(zero_copy_only=False).astype(bool, copy=False)
    here = values.iloc[rows].fillna("").to_numpy(dtype=object)
    there = values.iloc[others].fillna("").to_numpy(dtype=object)
    return np.asarray(here == there, dtype=bool)


# The episode columns the placement logic reads (the others are not carried along).
_PLACEMENT_COLUMNS = ("CHILD", "DECOM", "RNE", "LS", "PLACE", "DEC", "REASON_PLACE_CHANGE", "URN")


def _annotated_episodes(episodes: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Episodes (no short breaks; the columns of ``_PLACEMENT_COLUMNS``) in child x DECOM
    order, with the placement logic flags.

    Adds ``period_of_care``, ``period_start``, ``is_temporary``, ``is_placement_start``,
    ``placement_in_period`` (0 before the period's first placement) and
    ``placement_number`` (per child; 0 where ``placement_in_period`` is 0), and integer
    keys ``_period_key`` / ``_placement_key`` / ``_child_key`` unique across children
    (numbered 1, 2, ... in row order). A child's rows, and a period's within them, are
    contiguous runs, so the per-child and per-period counts and look-backs are worked out
    on those runs with numpy (``_common.run_*``).
    """
    keep = ~flag(episodes["LS"].isin(settings.short_break_legal_status)) & (
        episodes["CHILD"].notna() & episodes["DECOM"].notna()
    )
    eps = (
        episodes.loc[keep.to_numpy(dtype=bool), [c for c in episodes.columns if c in _PLACEMENT_COLUMNS]]
        .pipe(lambda d: d if in_child_date_order(d) else d.sort_values(["CHILD", "DECOM"], kind="stable"))
        .reset_index(drop=True)
    )
    new_child = _child_changes(eps["CHILD"])  # rows are sorted, so a child's rows are contiguous
    is_temp = flag(eps["PLACE"].isin(settings.temporary_places)).to_numpy(dtype=bool)
    period_begins = flag(eps["RNE"].eq("S")).to_numpy(dtype=bool) | new_child
    keys = np.cumsum(period_begins, dtype=np.int64)
    child_first, period_first = run_first(new_child), run_first(period_begins)
    period = run_cumsum(period_begins, new_child, child_first)

    # The return from a temporary episode: same PLACE and URN as the last non-temporary
    # episode before the temporary run, within the same period of care.
    # Blank matches blank; only the episodes just after a temporary one are compared.
    held_before = run_previous_valid(~is_temp, period_begins)
    after_temp = run_shift(is_temp, period_begins, False)
    candidates = np.flatnonzero(after_temp & ~is_temp & (held_before >= 0))
    is_return = np.zeros(len(eps), dtype=bool)
    is_return[candidates] = _same_text(eps["PLACE"], candidates, held_before[candidates]) & _same_text(
        eps["URN"], candidates, held_before[candidates]
    )

    settled = ~is_temp
    first_settled = settled & (run_cumsum(settled, period_begins, period_first) == 1)
    new_carer = flag(eps["RNE"].isin(settings.placement_start_rne)).to_numpy(dtype=bool) & ~is_return
    is_start = settled & (first_settled | new_carer)
    in_period = run_cumsum(is_start, period_begins, period_first)
    number = run_cumsum(is_start, new_child, child_first)
    return eps.assign(
        period_of_care=period,
        period_start=eps["DECOM"].array.take(period_first),
        is_temporary=is_temp,
        is_placement_start=is_start,
        placement_in_period=in_period,
        placement_number=np.where(in_period > 0, number, 0),
        _period_key=keys,
        _placement_key=np.cumsum(is_start, dtype=np.int64),
        _child_key=np.cumsum(new_child, dtype=np.int64),
    )


def _run_ends(keys: np.ndarray) -> np.ndarray:
    """True on the last row of each run of equal adjacent ``keys``."""
    return np.concatenate([keys[1:] != keys[:-1], [True]]) if len(keys) else np.zeros(0, dtype=bool)


def _history_from(annotated: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """The placement history plus internal columns ``_period_key``, ``earlier_placements``
    (placements before this one in its period) and ``previous_start``.

    A placement's episodes are a contiguous run of ``_placement_key`` among the placed
    episodes (``placement_in_period`` > 0), its start the run's first row, so each
    placement's last episode, last non-temporary episode and counts are read off the runs.
    """
    keys = "_placement_key"
    placed = np.flatnonzero(annotated["placement_in_period"].to_numpy() > 0)
    placement = annotated[keys].to_numpy()[placed]
    temporary = annotated["is_temporary"].to_numpy(dtype=bool)[placed]
    last = placed[_run_ends(placement)]
    settled = placed[~temporary]
    last_settled = settled[_run_ends(placement[~temporary])]
    run_begins = np.flatnonzero(run_starts(placement))
    temporary_episodes = (
        np.add.reduceat(temporary.astype(np.int64), run_begins) if len(run_begins) else np.zeros(0, np.int64)
    )
    starts = annotated.loc[
        annotated["is_placement_start"].to_numpy(dtype=bool),
        [keys, "CHILD", "placement_number", "period_of_care", "period_start", "_period_key",
         "placement_in_period", "DECOM", "RNE", "PLACE", "LS", "_child_key"],
    ].rename(columns={"DECOM": "start", "RNE": "start_rne", "PLACE": "place", "LS": "legal_status"})
    history = starts.reset_index(drop=True).assign(
        last_place=annotated["PLACE"].array.take(last_settled),
        last_reason=annotated["REASON_PLACE_CHANGE"].array.take(last_settled),
        end=annotated["DEC"].array.take(last),
        episodes=np.diff(np.append(run_begins, len(placed))).astype(np.int64),
        temporary_episodes=temporary_episodes.astype(np.int64),
    )
    first_in_period = run_starts(history["_period_key"].to_numpy())
    before = np.where(first_in_period, -1, np.arange(len(history)) - 1)

    def previous(column: str):
        return history[column].array.take(before, allow_fill=True)

    previous_place = pd.Series(previous("last_place"), index=history.index).astype("string")
    return history.assign(
        place_group=lambda d: place_group(d["place"], settings),
        earlier_placements=history["placement_in_period"].astype("int64") - 1,
        is_move=lambda d: d["earlier_placements"] > 0,
        previous_start=previous("start"),
        previous_place=previous_place,
        previous_group=place_group(previous_place, settings),
        reason_previous_ended=pd.Series(previous("last_reason"), index=history.index).astype("string"),
        period_of_care=lambda d: d["period_of_care"].astype("int64"),
        placement_number=lambda d: d["placement_number"].astype("int64"),
    )


def _annotated_and_history(episodes: pd.DataFrame, settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The annotated episodes and the placement history, built once per episodes frame and
    settings (every quarter's placement figures and charts share them)."""

    def build():
        # kept in the data folder's cache beside the episodes, for the next run on the same files
        name = "placement_history." + hashlib.sha256(repr(settings).encode()).hexdigest()[:16]
        kept = cache.derived_tables(episodes, name)
        if kept is not None:
            return kept["annotated"], kept["history"]
        annotated = _annotated_episodes(episodes, settings)
        history = _history_from(annotated, settings)
        cache.keep_derived(episodes, name, {"annotated": annotated, "history": history})
        return annotated, history

    return derived(episodes, ("placement_history", settings), build)


def _history(episodes: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    return _annotated_and_history(episodes, settings)[1]


def _moves_between(history: pd.DataFrame, start, end) -> pd.DataFrame:
    """Moves with their start (DECOM) from ``start`` to ``end`` (dates or periods), both included."""
    start, end = bound(start, "start"), bound(end, "end")

    def select():
        return history.loc[history["is_move"] & history["start"].between(start, end, inclusive="both")]

    # once per history and range: the quarter's moves, children moved, reasons and
    # foster-to-semi-independent count share it
    return derived(history, ("moves", start, end), select)


def _foster_to_semi(moves: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    return moves.loc[
        flag(moves["previous_place"].isin(settings.foster_places))
        & flag(moves["place"].isin(settings.semi_independent_places))
    ]


def _whole_years(born: pd.Series, on: pd.Series) -> pd.Series:
    """Age in whole years on a date (the birthday itself counts); NA where DOB is missing."""
    before_birthday = (on.dt.month < born.dt.month) | (
        (on.dt.month == born.dt.month) & (on.dt.day < born.dt.day)
    )
    return (on.dt.year - born.dt.year - before_birthday.astype("int64")).astype("Int64")


# ----------------------------------------------------------------------------- history


def placement_history(episodes: pd.DataFrame, settings: Settings = DEFAULT_SETTINGS) -> pd.DataFrame:
    """One row per child x placement: the table every placement measure is computed from.

    Placements, periods of care, temporary episodes and moves are defined in the module
    docstring (DESIGN section 4 placement_stability; domain.md 1.3, 1.5, 2.1). Columns:
    ``CHILD``; ``period_of_care`` (1, 2, ... per child) and ``period_start`` (DECOM of its
    first episode); ``placement_number`` (1, 2, ... per child, across periods); ``start``
    (DECOM of the placement's first episode) and ``end`` (DEC of its last episode,
    temporary ones included; NaT if open); ``start_rne``; ``place`` (PLACE at the start)
    and ``last_place`` (PLACE of its last non-temporary episode, which differs after a
    same-carer T/U change); ``place_group`` (of ``place``, see :data:`PLACE_GROUPS`);
    ``legal_status`` (LS at the start); ``is_move``; for moves ``previous_place`` and
    ``previous_group`` (the previous placement's ``last_place``) and
    ``reason_previous_ended`` (REASON_PLACE_CHANGE of the previous placement's last
    non-temporary episode); ``episodes`` and ``temporary_episodes`` merged into the row.
    Short breaks (LS V3/V4) are dropped first.
    """
    return _history(episodes, settings)[HISTORY_COLUMNS]


# ----------------------------------------------------------------------------- metrics


def children_looked_after_during_quarter(
    episodes: pd.DataFrame, quarter: Quarter | str, settings: Settings = DEFAULT_SETTINGS,
    episodes_coverage: Coverage | None = None,
) -> int | None:
    """``cla.during_quarter``: distinct children with an episode overlapping the quarter
    (DECOM on or before the quarter end and DEC blank or on or after the quarter start),
    short-break (V3/V4) episodes excluded.

    Source: DESIGN section 4; exclusion domain.md 1.4.
    """
    if not _quarter_covered(episodes_coverage, parse_period(quarter)):
        return None
    quarter = parse_period(quarter)
    overlaps = (episodes["DECOM"] <= quarter.end) & (episodes["DEC"].isna() | (episodes["DEC"] >= quarter.start))
    return _distinct_children(episodes, overlaps, settings)


def children_looked_after_at_quarter_end(
    episodes: pd.DataFrame, quarter: Quarter | str, settings: Settings = DEFAULT_SETTINGS,
    episodes_coverage: Coverage | None = None,
) -> int | None:
    """``cla.at_quarter_end``: distinct children looked after on the quarter end: an
    episode with DECOM on or before the end and DEC blank or after the end (a child whose
    episode ceased on the end is not counted), short-break (V3/V4) episodes excluded.

    Source: DESIGN section 4; domain.md 2.1 step 2.
    """
    if not _quarter_covered(episodes_coverage, parse_period(quarter)):
        return None
    quarter = parse_period(quarter)
    return _distinct_children(episodes, _looked_after_on(episodes, quarter.end), settings)


def _moves_in_quarter(history: pd.DataFrame, quarter: Quarter) -> pd.DataFrame:
    return _moves_between(history, quarter.start, quarter.end)


def placement_moves(
    episodes: pd.DataFrame, quarter: Quarter | str, settings: Settings = DEFAULT_SETTINGS,
    episodes_coverage: Coverage | None = None,
) -> int | None:
    """``placements.moves``: moves with DECOM in the quarter. A move is a placement start
    (an episode with RNE P or B, or T and U where the settings say so, that is neither a
    temporary T0-T4 episode nor the return from one) other than the first placement of a
    period of care, so never RNE S; RNE L is never a move; short breaks excluded.

    Source: DESIGN section 4; domain.md 1.3, 1.5, 2.1.
    """
    if not _quarter_covered(episodes_coverage, parse_period(quarter)):
        return None
    quarter = parse_period(quarter)
    return len(_moves_in_quarter(_history(episodes, settings), quarter))


def children_moved(
    episodes: pd.DataFrame, quarter: Quarter | str, settings: Settings = DEFAULT_SETTINGS,
    episodes_coverage: Coverage | None = None,
) -> int | None:
    """``placements.children_moved``: distinct children with a move (as in
    ``placements.moves``) with DECOM in the quarter.

    Source: DESIGN section 4.
    """
    if not _quarter_covered(episodes_coverage, parse_period(quarter)):
        return None
    quarter = parse_period(quarter)
    return int(_moves_in_quarter(_history(episodes, settings), quarter)["CHILD"].nunique())


def _three_plus(
    annotated: pd.DataFrame, history: pd.DataFrame, quarter: Quarter, settings: Settings
) -> tuple[int, int]:
    """(children with threshold+ placements in the 12 months, children looked after at the end)."""
    cohort = _three_plus_cohort(annotated, history, quarter)
    return int((cohort["placements"] >= settings.placements_threshold).sum()), len(cohort)


def _three_plus_cohort(annotated: pd.DataFrame, history: pd.DataFrame, quarter: Quarter) -> pd.DataFrame:
    """Children looked after at the quarter end (``CHILD``) and their ``placements`` in the
    12 months to the end (the rows behind ``placements.pct_3plus_12m``, also for cases.py)."""
    end = quarter.end
    opens = end - pd.DateOffset(years=1)  # the window is (opens, end]
    first_day = opens + pd.Timedelta(days=1)
    # Children by ``_child_key`` (1, 2, ... in row order): the cohort in order of first row.
    child = annotated["_child_key"].to_numpy()
    size = int(child.max()) + 1 if len(child) else 1
    looked_after = np.flatnonzero(_looked_after_on(annotated, end).to_numpy(dtype=bool))
    first = looked_after[run_starts(child[looked_after])]
    cohort = pd.Index(annotated["CHILD"].array.take(first))
    in_progress = np.zeros(size, dtype=bool)
    in_progress[child[((annotated["DECOM"] < first_day)
                       & (annotated["DEC"].isna() | (annotated["DEC"] >= first_day))).to_numpy(dtype=bool)]] = True
    started = ((history["start"] > opens) & (history["start"] <= end)).to_numpy(dtype=bool)
    started_count = np.bincount(history["_child_key"].to_numpy()[started], minlength=size)
    placements = in_progress[child[first]].astype("int64") + started_count[child[first]].astype("int64")
    return pd.DataFrame({"CHILD": cohort.to_numpy(), "placements": placements})


def pct_three_plus_placements_12m(
    episodes: pd.DataFrame, quarter: Quarter | str, settings: Settings = DEFAULT_SETTINGS,
    episodes_coverage: Coverage | None = None,
) -> float | None:
    """``placements.pct_3plus_12m``: of children looked after at the quarter end, the %
    with 3 or more placements (setting) in the 12 months to the quarter end, the window
    (end - 1 year, end]: 1 if an episode began before the window's first day and had not
    ended before it (one that ended on the first day counts), plus each placement start
    in the window, re-entries into care included; temporary episodes and the returns from
    them are not placements; short breaks excluded. At Q4 this is the DfE annual measure.

    Source: DESIGN section 4; ex NI 062, domain.md 2.1. None when no child is looked
    after at the quarter end, or when ``episodes_coverage`` does not hold the 12 months.
    """
    if not window_covered(episodes_coverage, *three_plus_window(parse_period(quarter), settings)):
        return None
    return pct(*three_plus_counts(episodes, quarter, settings))


def three_plus_counts(
    episodes: pd.DataFrame, quarter: Quarter | str, settings: Settings = DEFAULT_SETTINGS
) -> tuple[int, int]:
    """(children with 3+ placements in the 12 months, children looked after at the quarter
    end): the counts behind ``placements.pct_3plus_12m``."""
    quarter = parse_period(quarter)
    annotated, history = _annotated_and_history(episodes, settings)
    return _three_plus(annotated, history, quarter, settings)


def _long_term_stable(
    annotated: pd.DataFrame,
    history: pd.DataFrame,
    header: pd.DataFrame,
    quarter: Quarter,
    settings: Settings,
) -> tuple[int, int]:
    """(stable children, children in the long-term cohort)."""
    cohort = _long_term_cohort(annotated, history, header, quarter, settings)
    return int(cohort["stable"].sum()), len(cohort)


def _long_term_cohort(
    annotated: pd.DataFrame,
    history: pd.DataFrame,
    header: pd.DataFrame,
    quarter: Quarter,
    settings: Settings,
) -> pd.DataFrame:
    """The long-term cohort at the quarter end, one row per child, with ``DOB``,
    ``period_start``, the current placement's ``start`` and ``place``, the placement
    before it (``previous_start``) and ``stable`` (the rows behind
    ``placements.pct_long_term_stable``, also for cases.py)."""
    end = quarter.end
    # Each child's last episode looked after at the end (a child's rows are contiguous and
    # in DECOM order), then the age and care-length tests, by row position.
    child = annotated["_child_key"].to_numpy()
    looked_after = np.flatnonzero(_looked_after_on(annotated, end).to_numpy(dtype=bool))
    latest = looked_after[_run_ends(child[looked_after])]
    dob = header.loc[header["CHILD"].notna(), ["CHILD", "DOB"]]  # the first row of a child
    born = dob["DOB"].array.take(positions_in(annotated["CHILD"].iloc[latest], dob["CHILD"]), allow_fill=True)
    qualifies = (
        (born > end - pd.DateOffset(years=settings.long_term_max_age_years))
        & (annotated["period_start"].to_numpy()[latest] <= end - pd.DateOffset(months=settings.long_term_care_months))
    )
    qualifies = np.asarray(qualifies, dtype=bool)
    cohort = annotated.iloc[latest[qualifies]].reset_index(drop=True).assign(DOB=born[qualifies])
    # The current placement: the history row of the episode's placement key (none for an
    # episode before its period's first placement).
    history_keys = history["_placement_key"].to_numpy()
    key = cohort["_placement_key"].to_numpy()
    row = np.searchsorted(history_keys, key)
    found = (cohort["placement_number"].to_numpy() > 0) & (row < len(history_keys))
    found[found] = history_keys[row[found]] == key[found]
    row = np.where(found, row, -1)
    cohort = cohort.assign(
        **{column: history[column].array.take(row, allow_fill=True) for column in ("start", "place", "previous_start")}
    )
    carer_since = end - pd.DateOffset(years=settings.long_term_carer_years)
    stable = (cohort["start"] <= carer_since) | (
        flag(cohort["place"].isin(settings.adoption_places)) & (cohort["previous_start"] <= carer_since)
    )
    return cohort.assign(stable=stable.to_numpy(dtype=bool))


def pct_long_term_stable(
    episodes: pd.DataFrame,
    header: pd.DataFrame,
    quarter: Quarter | str,
    settings: Settings = DEFAULT_SETTINGS,
    episodes_coverage: Coverage | None = None,
) -> float | None:
    """``placements.pct_long_term_stable``: of children looked after at the quarter end,
    under 16 then (a 16th birthday on the quarter end excludes; no DOB excludes) and in
    their current period of care since at least 30 months before the end, the % whose
    current placement (carer) began at least 2 years before the end, or whose current
    placement is an adoptive one (A3-A6) that, with the placement before it, has lasted
    at least 2 years; short breaks excluded.

    Source: DESIGN section 4; ex NI 063, domain.md 2.2. None when no child qualifies, or
    when ``episodes_coverage`` does not hold the 2.5 years.
    """
    if not window_covered(episodes_coverage, *long_term_window(parse_period(quarter), settings)):
        return None
    return pct(*long_term_stable_counts(episodes, header, quarter, settings))


def long_term_stable_counts(
    episodes: pd.DataFrame,
    header: pd.DataFrame,
    quarter: Quarter | str,
    settings: Settings = DEFAULT_SETTINGS,
) -> tuple[int, int]:
    """(stable children, children in the long-term cohort): the counts behind
    ``placements.pct_long_term_stable``."""
    quarter = parse_period(quarter)
    annotated, history = _annotated_and_history(episodes, settings)
    return _long_term_stable(annotated, history, header, quarter, settings)


def count_foster_to_semi_independent(
    episodes: pd.DataFrame, quarter: Quarter | str, settings: Settings = DEFAULT_SETTINGS,
    episodes_coverage: Coverage | None = None,
) -> int | None:
    """``placements.foster_to_semi_independent``: moves with DECOM in the quarter from a
    foster placement (the previous placement's last PLACE in U1-U6) to semi-independent
    or independent living (PLACE H5, K3 or P2, one group).

    Source: DESIGN section 4; codes domain.md 1.5.
    """
    if not _quarter_covered(episodes_coverage, parse_period(quarter)):
        return None
    quarter = parse_period(quarter)
    moves = _moves_in_quarter(_history(episodes, settings), quarter)
    return len(_foster_to_semi(moves, settings))


def _reason_counts(moves: pd.DataFrame) -> pd.Series:
    return (
        moves["reason_previous_ended"]
        .fillna(NOT_RECORDED)
        .astype("string")
        .value_counts()
        .sort_index()
    )


def move_reasons(
    episodes: pd.DataFrame, quarter: Quarter | str, settings: Settings = DEFAULT_SETTINGS,
    episodes_coverage: Coverage | None = None,
) -> dict[str, int]:
    """``placements.reason.<code>``: moves with DECOM in the quarter by the
    REASON_PLACE_CHANGE of the episode that ended (the previous placement's last
    non-temporary episode); a blank reason counts as ``not_recorded``, so the reason keys
    add up to ``placements.moves``.

    Source: DESIGN section 4; codes domain.md 1.7. One key per code present, sorted.
    """
    if not _quarter_covered(episodes_coverage, parse_period(quarter)):
        return {}
    quarter = parse_period(quarter)
    moves = _moves_in_quarter(_history(episodes, settings), quarter)
    return {f"placements.reason.{code}": int(n) for code, n in _reason_counts(moves).items()}


def placement_metrics(
    episodes: pd.DataFrame,
    header: pd.DataFrame,
    quarter: Quarter | str,
    settings: Settings = DEFAULT_SETTINGS,
    episodes_coverage: Coverage | None = None,
) -> dict[str, int | float | None]:
    """Every placement_stability key of DESIGN section 4 for one quarter (counts as int,
    percentages rounded to 1 dp or None), each from its own function; the placement
    history is built once per episodes frame and shared by them. Outside
    ``episodes_coverage`` every key is None (no reason keys)."""
    quarter = parse_period(quarter)
    cover = episodes_coverage
    return {
        "cla.during_quarter": children_looked_after_during_quarter(episodes, quarter, settings, cover),
        "cla.at_quarter_end": children_looked_after_at_quarter_end(episodes, quarter, settings, cover),
        "placements.moves": placement_moves(episodes, quarter, settings, cover),
        "placements.children_moved": children_moved(episodes, quarter, settings, cover),
        "placements.pct_3plus_12m": pct_three_plus_placements_12m(episodes, quarter, settings, cover),
        "placements.pct_long_term_stable": pct_long_term_stable(episodes, header, quarter, settings, cover),
        "placements.foster_to_semi_independent": count_foster_to_semi_independent(
            episodes, quarter, settings, cover),
        **move_reasons(episodes, quarter, settings, cover),
    }


def placement_bases(
    episodes: pd.DataFrame,
    header: pd.DataFrame,
    quarter: Quarter | str,
    settings: Settings = DEFAULT_SETTINGS,
) -> dict[str, int]:
    """The denominator of each placement percentage, for disclosure control: children
    looked after at the quarter end (``placements.pct_3plus_12m``) and the long-term
    cohort (``placements.pct_long_term_stable``)."""
    return {
        "placements.pct_3plus_12m": three_plus_counts(episodes, quarter, settings)[1],
        "placements.pct_long_term_stable": long_term_stable_counts(episodes, header, quarter, settings)[1],
    }


# ----------------------------------------------------------------------------- breakdowns


def transitions_matrix(
    episodes: pd.DataFrame, start, end, settings: Settings = DEFAULT_SETTINGS
) -> pd.DataFrame:
    """Moves with DECOM from ``start`` to ``end`` (both included) by ``from_group`` (group
    of the previous placement's last PLACE) and ``to_group`` (group of the new PLACE).

    Only pairs with at least one move, in :data:`PLACE_GROUPS` order; pivot with
    ``fill_value=0`` for a full grid. No child identifiers.
    """
    moves = _moves_between(_history(episodes, settings), start, end)
    rank = {group: i for i, group in enumerate(PLACE_GROUPS)}
    return (
        moves.groupby(["previous_group", "place_group"])
        .size()
        .rename("moves")
        .reset_index()
        .rename(columns={"previous_group": "from_group", "place_group": "to_group"})
        .sort_values(["from_group", "to_group"], key=lambda s: s.map(rank), kind="stable")
        .reset_index(drop=True)
        .astype({"from_group": "string", "to_group": "string", "moves": "int64"})
    )


def moves_by_reason(
    episodes: pd.DataFrame, start, end, settings: Settings = DEFAULT_SETTINGS
) -> pd.DataFrame:
    """Moves with DECOM from ``start`` to ``end`` (both included) by ``reason``
    (REASON_PLACE_CHANGE of the ended episode, blank -> ``not_recorded``), most moves
    first. No child identifiers."""
    moves = _moves_between(_history(episodes, settings), start, end)
    return (
        _reason_counts(moves)
        .rename_axis("reason")
        .rename("moves")
        .reset_index()
        .sort_values(["moves", "reason"], ascending=[False, True], kind="stable")
        .reset_index(drop=True)
        .astype({"reason": "string", "moves": "int64"})
    )


def foster_to_semi_independent_moves(
    episodes: pd.DataFrame,
    header: pd.DataFrame,
    start,
    end,
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """CHILD-LEVEL, for analysts only (never for HTML reports): one row per move from
    foster care to semi-independent / independent living (as
    ``placements.foster_to_semi_independent``) with DECOM from ``start`` to ``end``.

    Columns: ``CHILD``, ``move_date``, ``age_at_move`` (whole years, from header DOB),
    ``sex`` (header SEX code), ``legal_status`` (LS at the move), ``uasc`` (the header's
    UASC column if it has one, else NA), ``earlier_placements`` (placements in the same
    period of care before the move), ``reason`` (REASON_PLACE_CHANGE of the ended foster
    episode), ``from_place``, ``to_place``.
    """
    history = _history(episodes, settings)
    moves = _foster_to_semi(_moves_between(history, start, end), settings)
    extra = ["UASC"] if "UASC" in header.columns else []
    people = header.loc[header["CHILD"].notna(), ["CHILD", "SEX", "DOB", *extra]].drop_duplicates(
        "CHILD"
    )
    joined = moves.merge(people, on="CHILD", how="left")
    uasc = joined["UASC"] if extra else pd.Series(pd.NA, index=joined.index)
    return (
        joined.assign(
            move_date=joined["start"],
            age_at_move=_whole_years(joined["DOB"], joined["start"]),
            sex=joined["SEX"].astype("string"),
            uasc=uasc.astype("string"),
            reason=joined["reason_previous_ended"],
            from_place=joined["previous_place"],
            to_place=joined["place"],
        )[FOSTER_TO_SEMI_COLUMNS]
        .sort_values(["move_date", "CHILD"], kind="stable")
        .reset_index(drop=True)
    )


def _banded_placements(n: pd.Series) -> pd.Series:
    return n.astype("int64").astype(str).where(n < 3, "3+").astype("string")


def foster_to_semi_independent_profile(
    episodes: pd.DataFrame,
    header: pd.DataFrame,
    start,
    end,
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """Aggregated profile of the children moved from foster care to semi-independent /
    independent living with DECOM from ``start`` to ``end``: ``characteristic``,
    ``value``, ``children`` (distinct children with such a move with that value).

    Characteristics: ``age_at_move``, ``sex`` (male / female), ``legal_status``, ``uasc``
    (only when the header has a UASC column), ``earlier_placements`` (banded 1, 2, 3+),
    ``reason``; a missing value is ``not_recorded``. No child identifiers; apply
    small-number suppression before sharing.
    """
    moves = foster_to_semi_independent_moves(episodes, header, start, end, settings)
    values = {
        "age_at_move": moves["age_at_move"].astype("string"),
        "sex": moves["sex"].replace(SEX_LABELS),
        "legal_status": moves["legal_status"],
        "uasc": moves["uasc"] if "UASC" in header.columns else None,
        "earlier_placements": _banded_placements(moves["earlier_placements"]),
        "reason": moves["reason"],
    }
    rank = {name: i for i, name in enumerate(PROFILE_CHARACTERISTICS)}
    long = pd.concat(
        [
            pd.DataFrame({"characteristic": name, "value": v.astype("string"), "CHILD": moves["CHILD"]})
            for name, v in values.items()
            if v is not None
        ],
        ignore_index=True,
    ).assign(value=lambda d: d["value"].fillna(NOT_RECORDED))
    return (
        long.groupby(["characteristic", "value"])["CHILD"]
        .nunique()
        .rename("children")
        .reset_index()
        .sort_values(
            ["characteristic", "value"],
            key=lambda s: s.map(rank) if s.name == "characteristic" else s.str.zfill(3),
            kind="stable",
        )
        .reset_index(drop=True)
        .astype({"characteristic": "string", "value": "string", "children": "int64"})
    )

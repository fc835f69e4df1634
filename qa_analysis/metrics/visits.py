"""Visits metrics (DESIGN section 4 "visits"; visit rules in domain.md section 4).

Every function takes the typed ``visits`` frame of ``io.tables.TABLES["visits"]`` and
never changes it. "In the quarter" means ``visit_date`` from the quarter start to its end,
both included (DESIGN section 3). Percentages come from :func:`._common.pct`: rounded to
1 decimal place, ``None`` when the denominator is 0.

Timeliness (``visits.pct_timely``) looks at the whole extract, not just the quarter: a
visit's previous visit is the latest earlier visit to the same child in the same cohort,
wherever it falls, on an earlier date. A visit on the same date is not an earlier visit:
every visit of a child and cohort on one date is timed from the latest visit on an earlier
date (DESIGN 4), and a visit whose only earlier visits are on its own date has no previous
visit (it leaves the denominator), so a second visit the same day never flatters
timeliness with a gap of 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import DEFAULT_SETTINGS, Settings
from ..io.tables import VISIT_COHORTS, VISIT_METHODS, VISIT_MODALITIES
from ..periods import Quarter, parse_period, working_days
from ._common import (
    bound,
    column_codes,
    derived,
    distinct_codes,
    first_seen_codes,
    flag,
    in_quarter,
    lookup_table,
    pct,
    run_first,
    run_starts,
    stretches,
    whole_days,
)

__all__ = [
    "children_visited",
    "face_to_face_counts",
    "face_to_face_visits",
    "pct_face_to_face",
    "pct_seen_alone",
    "pct_timely",
    "seen_alone_by_cohort",
    "seen_alone_counts",
    "timeliness_by_cohort",
    "timely_counts",
    "total_visits",
    "virtual_visits",
    "visits_by_method",
    "visits_by_month",
    "modality_recorded",
    "visits_metrics",
    "visits_per_method",
]


# ----------------------------------------------------------------------------- helpers


def _visits_in_quarter(visits: pd.DataFrame, quarter: Quarter | str) -> pd.DataFrame:
    """The visits dated in the quarter; a frame whose visits all are is returned as it is
    (not copied)."""
    rows = _rows_in_quarter(visits, quarter)
    return visits if rows.all() else visits.loc[rows]


def _rows_in_quarter(visits: pd.DataFrame, quarter: Quarter | str) -> np.ndarray:
    """True on the visits dated in the quarter, once per frame and quarter (the slice, the
    children visited and timeliness share it)."""
    quarter = parse_period(quarter)
    return derived(visits, ("rows_in_quarter", quarter),
                   lambda: in_quarter(visits["visit_date"], quarter).to_numpy(dtype=bool))


def _counts_in_quarter(visits: pd.DataFrame, quarter: Quarter | str, column: str) -> dict[str, int]:
    """Visits dated in the quarter per value of ``column`` (values present only, in their
    text order; a blank left out): counted on the extract's integer codes of the column,
    shared by every quarter, so the text itself is never sliced."""
    code, size, values = column_codes(visits, column, with_values=True)
    in_q = code[_rows_in_quarter(visits, quarter)]
    counts = np.bincount(in_q[in_q >= 0], minlength=size)
    return {str(values[c]): int(counts[c]) for c in sorted(np.flatnonzero(counts), key=lambda c: str(values[c]))}


def _flag_in_quarter(visits: pd.DataFrame, quarter: Quarter | str, column: str) -> np.ndarray:
    """:func:`._common.flag` of ``column`` on the visits dated in the quarter."""
    flags = derived(visits, ("flag", column), lambda: flag(visits[column]).to_numpy(dtype=bool))
    return flags[_rows_in_quarter(visits, quarter)]


def _count_modality(visits: pd.DataFrame, quarter: Quarter | str, modality: str) -> int:
    return _counts_in_quarter(visits, quarter, "modality").get(modality, 0)


def _interval_limits(settings: Settings) -> dict[str, tuple[str, int]]:
    """Cohort -> (day kind, longest allowed gap), from the settings (domain.md 4.1-4.3)."""
    return {
        "CLA": ("calendar", settings.visit_interval_cla_calendar_days),
        "CP": ("working", settings.visit_interval_cp_working_days),
        "CIN": ("working", settings.visit_interval_cin_working_days),
    }


def _timed_visits_in_quarter(visits, quarter, settings) -> pd.DataFrame:
    """:func:`_timed_visits` once per extract, period and settings (the figure, its base
    and the by-cohort chart share it)."""
    quarter = parse_period(quarter)
    return derived(visits, ("timed_visits", quarter, settings), lambda: _timed_visits(visits, quarter, settings))


def _timed_visits(visits, quarter, settings) -> pd.DataFrame:
    """The quarter's visits (keyed and dated) whose child has a previous visit in the same
    cohort and whose cohort has an interval setting, with a ``timely`` flag.

    ``timely``: the gap since the previous visit is at most the interval (calendar days
    for CLA, working days as in ``periods.working_days`` for CP and CIN). A gap depends
    only on the previous visit's date, so only the quarter's visits and, per child and
    cohort seen in them, the latest date before the quarter start are needed; keys are
    integer codes, as the extract can hold millions of visits. Same-day visits are all
    timed from the latest earlier date (module docstring). Rows in child, cohort and date
    order (child and cohort in order of first visit in the quarter).
    """
    quarter = parse_period(quarter)
    dates = visits["visit_date"]
    in_q = _rows_in_quarter(visits, quarter)
    # Integer codes of child and cohort, once per extract (shared by every quarter); the
    # quarter's children and cohorts numbered in order of first appearance, as
    # pd.factorize numbers the quarter's own values.
    all_children, size_children, _ = _child_codes(visits)
    all_cohorts, size_cohorts, cohort_values = column_codes(visits, "cohort", with_values=True)
    child_codes, children = first_seen_codes(all_children[in_q])
    cohort_codes, cohort_ids = first_seen_codes(all_cohorts[in_q])
    cohort_names = [str(cohort_values[c]) for c in cohort_ids]
    n_cohorts = len(cohort_names)
    # Each (child, cohort) of the quarter as one integer; dates as integers (NaT lowest).
    stamps = dates.to_numpy()
    ticks = stamps.view(np.int64)
    latest_earlier = np.full(len(children) * n_cohorts, _NO_DATE, dtype=np.int64)
    child_table, cohort_table = lookup_table(children, size_children), lookup_table(cohort_ids, size_cohorts)
    # the earlier visits a stretch of rows at a time (small temporaries, over millions of rows)
    start = np.datetime64(quarter.start).astype(stamps.dtype).view(np.int64)
    for rows in stretches(len(ticks)):
        stretch = ticks[rows]  # earlier: dated before the quarter start (a blank date never is)
        earlier = np.flatnonzero((stretch < start) & (stretch != _NO_DATE)) + rows.start
        earlier_child = child_table[all_children[earlier]]
        earlier_cohort = cohort_table[all_cohorts[earlier]]
        of_these = (earlier_child >= 0) & (earlier_cohort >= 0)
        np.maximum.at(latest_earlier, earlier_child[of_these] * n_cohorts + earlier_cohort[of_these],
                      ticks[earlier[of_these]])
    keyed = (child_codes >= 0) & (cohort_codes >= 0)
    pair = (child_codes * n_cohorts + cohort_codes)[keyed]
    tick = ticks[in_q][keyed]
    order = _pair_date_order(pair, tick, stamps.dtype)
    pair, tick = pair[order], tick[order]
    # Runs of one child, cohort and date; each run's previous date is the run before it
    # (same child and cohort), or the latest date before the quarter, so visits on one
    # date share the latest earlier date.
    new_pair = run_starts(pair)
    run_start = new_pair | run_starts(tick)
    before_run = np.empty_like(tick)
    before_run[1:] = tick[:-1]
    previous = np.where(new_pair, latest_earlier[pair], before_run)[run_first(run_start)]
    # Interval settings per cohort code, then per visit (no interval: NaN, never timed).
    limits = _interval_limits(settings)
    code = pair % n_cohorts if n_cohorts else pair
    is_calendar = np.array([limits.get(c, ("", 0))[0] == "calendar" for c in cohort_names], dtype=bool)[code]
    limit = np.array([limits[c][1] if c in limits else np.nan for c in cohort_names], dtype=float)[code]
    has_previous = (previous != _NO_DATE) & ~np.isnan(limit)
    when = tick.view(stamps.dtype)
    since = previous.view(stamps.dtype)
    gap = np.full(len(tick), np.nan)
    calendar = has_previous & is_calendar
    gap[calendar] = (when[calendar] - since[calendar]) // np.timedelta64(1, "D")
    working = has_previous & ~is_calendar
    gap[working] = working_days(since[working], when[working]).to_numpy(dtype=float)
    return pd.DataFrame(
        {
            # the few names taken by code (not millions of Python strings converted)
            "cohort": pd.Series(pd.array(cohort_names, dtype="string").take(code[has_previous])),
            "visit_date": when[has_previous],
            "timely": gap[has_previous] <= limit[has_previous],
        }
    )


_NO_DATE = np.iinfo(np.int64).min  # NaT as an integer: below every date


def _pair_date_order(pair: np.ndarray, tick: np.ndarray, dtype) -> np.ndarray:
    """The stable order by pair, then date: ``np.lexsort((tick, pair))``. Whole-day dates
    (as the loader gives them) make one integer key, pair x days + day, whose stable sort
    is the same order and fast on rows that come nearly in that order already."""
    if not len(tick):
        return np.zeros(0, dtype=np.int64)
    days = whole_days(tick, dtype)
    if days is None:
        return np.lexsort((tick, pair))
    day = days[2]
    return np.argsort(pair * (int(day.max()) + 1) + day, kind="stable")


# --------------------------------------------------------------------- one key, one function


def total_visits(visits: pd.DataFrame, quarter: Quarter | str) -> int:
    """``visits.total``: visits (rows) with visit_date in the quarter (DESIGN 4, visits)."""
    return int(_rows_in_quarter(visits, quarter).sum())


def face_to_face_visits(visits: pd.DataFrame, quarter: Quarter | str) -> int:
    """``visits.face_to_face``: visits in the quarter with modality ``face_to_face`` (DESIGN 4)."""
    return _count_modality(visits, quarter, "face_to_face")


def virtual_visits(visits: pd.DataFrame, quarter: Quarter | str) -> int:
    """``visits.virtual``: visits in the quarter with modality ``virtual`` (DESIGN 4)."""
    return _count_modality(visits, quarter, "virtual")


def face_to_face_counts(visits: pd.DataFrame, quarter: Quarter | str) -> tuple[int, int]:
    """(face-to-face visits, all visits) in the quarter: the counts behind
    ``visits.pct_face_to_face``."""
    return face_to_face_visits(visits, quarter), total_visits(visits, quarter)


def pct_face_to_face(visits: pd.DataFrame, quarter: Quarter | str) -> float | None:
    """``visits.pct_face_to_face``: face-to-face visits / all visits in the quarter x 100.

    None when there are no visits in the quarter (DESIGN 4, visits).
    """
    return pct(*face_to_face_counts(visits, quarter))


def visits_per_method(visits: pd.DataFrame, quarter: Quarter | str) -> dict[str, int]:
    """``visits.method.<method>``: visits in the quarter by method code, one key per code
    present (DESIGN 4; codes in DESIGN 2: home, office, school, other, zoom, whatsapp,
    teams, facetime, phone, other_video). A blank method is left out.
    """
    return {f"visits.method.{method}": n for method, n in _counts_in_quarter(visits, quarter, "method").items()}


def children_visited(visits: pd.DataFrame, quarter: Quarter | str) -> int:
    """``visits.children_visited``: distinct child_id with a visit in the quarter (DESIGN 4).

    Counted on the extract's integer child codes (shared with timeliness), a blank child_id
    left out."""
    child, size, _ = _child_codes(visits)
    in_q = child[_rows_in_quarter(visits, quarter)]
    return distinct_codes(in_q, size)


def _child_codes(visits: pd.DataFrame):
    """:func:`._common.codes` of ``child_id``, once per extract."""
    return column_codes(visits, "child_id")


def pct_seen_alone(visits: pd.DataFrame, quarter: Quarter | str) -> float | None:
    """``visits.pct_seen_alone``: visits in the quarter with seen_alone = Y / visits in the
    quarter with child_seen = Y, x 100 (DESIGN 4).

    Only visits where the child was seen can count in the numerator (a seen_alone = Y on a
    visit with child_seen N or blank is inconsistent and is left out), so the result never
    exceeds 100. Blank child_seen or seen_alone counts as not Y. None when no child was seen.
    """
    return pct(*seen_alone_counts(visits, quarter))


def seen_alone_counts(visits: pd.DataFrame, quarter: Quarter | str) -> tuple[int, int]:
    """(visits seen alone, visits where the child was seen) in the quarter: the counts
    behind ``visits.pct_seen_alone`` (a seen_alone = Y without child_seen = Y is not counted)."""
    seen = _flag_in_quarter(visits, quarter, "child_seen")
    return int((seen & _flag_in_quarter(visits, quarter, "seen_alone")).sum()), int(seen.sum())


def pct_timely(
    visits: pd.DataFrame, quarter: Quarter | str, settings: Settings = DEFAULT_SETTINGS
) -> float | None:
    """``visits.pct_timely``: % of visits made within the cohort's interval since the child's
    previous visit in the same cohort (DESIGN 4; intervals domain.md 4.1-4.3).

    Denominator: visits in the quarter whose child has an earlier visit in the same cohort
    (that earlier visit may lie before the quarter start; a child's first visit in a
    cohort is excluded). Numerator: those whose gap since the previous visit is at most
    the cohort's interval: CLA ``visit_interval_cla_calendar_days`` calendar days (42), CP
    ``visit_interval_cp_working_days`` (10) and CIN ``visit_interval_cin_working_days``
    (20) working days, counted as in ``periods.working_days`` (days d with previous < d <=
    visit, weekends and England bank holidays excluded). A gap exactly on the limit is
    timely. Visits on the same date are all timed from the latest visit on an earlier
    date; one with only same-date earlier visits has no previous visit and is excluded.
    Visits of any other cohort are excluded. None when the denominator is 0.
    """
    return pct(*timely_counts(visits, quarter, settings))


def timely_counts(
    visits: pd.DataFrame, quarter: Quarter | str, settings: Settings = DEFAULT_SETTINGS
) -> tuple[int, int]:
    """(timely visits, visits with a previous visit) in the quarter: the counts behind
    ``visits.pct_timely``."""
    timed = _timed_visits_in_quarter(visits, quarter, settings)
    return int(timed["timely"].sum()), int(len(timed))


def visits_metrics(
    visits: pd.DataFrame, quarter: Quarter | str, settings: Settings = DEFAULT_SETTINGS
) -> dict[str, int | float | None]:
    """Every ``visits.*`` key of DESIGN section 4 for one quarter (counts as Python int).

    Each value comes from its key's own function, on the whole extract: the quarter's rows
    are found once per extract and quarter, and counted on the extract's integer codes of
    the columns (shared by every quarter), as the extract can hold millions of visits.
    """
    quarter = parse_period(quarter)
    figures = {
        "visits.total": total_visits(visits, quarter),
        "visits.face_to_face": face_to_face_visits(visits, quarter),
        "visits.virtual": virtual_visits(visits, quarter),
        "visits.pct_face_to_face": pct_face_to_face(visits, quarter),
        **visits_per_method(visits, quarter),
        "visits.children_visited": children_visited(visits, quarter),
        "visits.pct_seen_alone": pct_seen_alone(visits, quarter),
        "visits.pct_timely": pct_timely(visits, quarter, settings),
    }
    if not modality_recorded(visits):
        # The source does not say how visits were made (the SSD's visit tables): the keys
        # are absent, never 0, which would read as "no face-to-face visits".
        for key in MODALITY_KEYS:
            figures.pop(key)
    return figures


MODALITY_KEYS = ("visits.face_to_face", "visits.virtual", "visits.pct_face_to_face")
NOT_RECORDED_NOTE = (
    "visits: this source does not record how visits were made (face to face or virtual, "
    "and the method), so those figures are left out"
)


def modality_recorded(visits: pd.DataFrame) -> bool:
    """True when the extract records how any visit was made (``modality`` not all blank).

    The Standard Safeguarding Dataset's visit tables hold no modality or method; a
    ``visit_methods.csv`` can add them (io.ssd).
    """
    return bool(visits["modality"].notna().any())


# ------------------------------------------------------------------ breakdowns for charts


def _canonical_order(values, canonical) -> list:
    """Canonical codes first (in their order), then any others alphabetically."""
    present = set(values)
    return [v for v in canonical if v in present] + sorted(present - set(canonical))


def visits_by_month(visits: pd.DataFrame, start, end) -> pd.DataFrame:
    """Visits per calendar month and modality, ``start`` to ``end`` inclusive.

    ``start`` and ``end`` are dates or quarters (a quarter's start / end). Columns:
    ``month`` (first of the month), ``modality``, ``visits``. Every month touching the
    range appears with both modalities (and any other modality present), zeros included.
    """
    first, last = bound(start, "start"), bound(end, "end")
    in_range = visits.loc[visits["visit_date"].between(first, last).fillna(False).astype(bool)]
    counts = (
        in_range.assign(
            month=lambda d: d["visit_date"].dt.to_period("M").dt.to_timestamp(),
            modality=lambda d: d["modality"].astype(str),
        )
        .groupby(["month", "modality"])
        .size()
    )
    months = pd.date_range(first.to_period("M").to_timestamp(), last, freq="MS")
    present = set(counts.index.get_level_values("modality"))
    modalities = _canonical_order(present | set(VISIT_MODALITIES), VISIT_MODALITIES)
    grid = pd.MultiIndex.from_product([months, modalities], names=["month", "modality"])
    return (
        counts.reindex(grid, fill_value=0)
        .rename("visits")
        .reset_index()
        .astype({"month": "datetime64[ns]", "modality": str, "visits": "int64"})
    )


def visits_by_method(visits: pd.DataFrame, quarter: Quarter | str) -> pd.DataFrame:
    """Visits in the quarter by modality and method (codes present only).

    Columns ``modality``, ``method``, ``visits``; ordered by modality then method as in
    ``tables.VISIT_METHODS`` (unknown codes last, alphabetically). Blank codes are left out.
    """
    in_q = _visits_in_quarter(visits, quarter).dropna(subset=["modality", "method"])
    counts = (
        in_q.astype({"modality": str, "method": str})
        .groupby(["modality", "method"])
        .size()
        .rename("visits")
        .reset_index()
    )
    modality_rank = {m: i for i, m in enumerate(_canonical_order(counts["modality"], VISIT_MODALITIES))}
    all_methods = [m for ms in VISIT_METHODS.values() for m in ms]
    method_rank = {m: i for i, m in enumerate(_canonical_order(counts["method"], all_methods))}
    return (
        counts.assign(
            _m=lambda d: d["modality"].map(modality_rank), _k=lambda d: d["method"].map(method_rank)
        )
        .sort_values(["_m", "_k"])
        .drop(columns=["_m", "_k"])
        .reset_index(drop=True)
        .astype({"modality": str, "method": str, "visits": "int64"})
    )


def timeliness_by_cohort(
    visits: pd.DataFrame, quarter: Quarter | str, settings: Settings = DEFAULT_SETTINGS
) -> pd.DataFrame:
    """``visits.pct_timely`` split by cohort: one row each for CLA, CP and CIN.

    Columns ``cohort``, ``visits_with_previous`` (the denominator), ``timely`` (the
    numerator) and ``pct_timely`` (NaN where the denominator is 0). Definitions as in
    :func:`pct_timely`.
    """
    timed = _timed_visits_in_quarter(visits, quarter, settings).astype({"cohort": str})
    grouped = timed.groupby("cohort")["timely"]
    denominators = grouped.size().reindex(VISIT_COHORTS, fill_value=0)
    numerators = grouped.sum().reindex(VISIT_COHORTS, fill_value=0)
    return pd.DataFrame(
        {
            "cohort": list(VISIT_COHORTS),
            "visits_with_previous": denominators.to_numpy(dtype="int64"),
            "timely": numerators.to_numpy(dtype="int64"),
            "pct_timely": [
                pct(n, d) for n, d in zip(numerators, denominators, strict=True)
            ],
        }
    ).astype({"cohort": str, "pct_timely": "float64"})


def seen_alone_by_cohort(visits: pd.DataFrame, quarter: Quarter | str) -> pd.DataFrame:
    """``visits.pct_seen_alone`` split by cohort: one row each for CLA, CP and CIN.

    Columns ``cohort``, ``seen`` (visits with child_seen = Y), ``seen_alone`` (of those,
    seen_alone = Y) and ``pct_seen_alone`` (NaN where ``seen`` is 0); see
    :func:`pct_seen_alone`.
    """
    in_q = _visits_in_quarter(visits, quarter)
    flags = pd.DataFrame(
        {
            "cohort": in_q["cohort"].astype(str),
            "seen": flag(in_q["child_seen"]),
            "seen_alone": flag(in_q["child_seen"]) & flag(in_q["seen_alone"]),
        }
    )
    sums = flags.groupby("cohort")[["seen", "seen_alone"]].sum().reindex(VISIT_COHORTS, fill_value=0)
    return pd.DataFrame(
        {
            "cohort": list(VISIT_COHORTS),
            "seen": sums["seen"].to_numpy(dtype="int64"),
            "seen_alone": sums["seen_alone"].to_numpy(dtype="int64"),
            "pct_seen_alone": [
                pct(n, d) for n, d in zip(sums["seen_alone"], sums["seen"], strict=True)
            ],
        }
    ).astype({"cohort": str, "pct_seen_alone": "float64"})

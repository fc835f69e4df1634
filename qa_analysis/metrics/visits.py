"""Visits metrics (DESIGN section 4 "visits"; visit rules in domain.md section 4).

Every function takes the typed ``visits`` frame of ``io.tables.TABLES["visits"]`` and
never changes it. "In the quarter" means ``visit_date`` from the quarter start to its end,
both included (DESIGN section 3). Percentages come from :func:`._common.pct`: rounded to
1 decimal place, ``None`` when the denominator is 0.

Timeliness (``visits.pct_timely``) looks at the whole extract, not just the quarter: a
visit's previous visit is the latest earlier visit to the same child in the same cohort,
wherever it falls. Two visits to the same child and cohort on the same date are taken in
``visit_id`` order: the second one's previous visit is the first, a gap of 0 days, so it
counts as timely (and the first one is measured against whatever came before that date).
"""

from __future__ import annotations

import pandas as pd

from ..config import DEFAULT_SETTINGS, Settings
from ..io.tables import VISIT_COHORTS, VISIT_METHODS, VISIT_MODALITIES
from ..periods import Quarter, parse_quarter, working_days
from ._common import count_by, in_quarter, pct

__all__ = [
    "children_visited",
    "face_to_face_visits",
    "pct_face_to_face",
    "pct_seen_alone",
    "pct_timely",
    "seen_alone_by_cohort",
    "timeliness_by_cohort",
    "total_visits",
    "virtual_visits",
    "visits_by_method",
    "visits_by_month",
    "visits_metrics",
    "visits_per_method",
]


# ----------------------------------------------------------------------------- helpers


def _visits_in_quarter(visits: pd.DataFrame, quarter: Quarter | str) -> pd.DataFrame:
    return visits.loc[in_quarter(visits["visit_date"], parse_quarter(quarter))]


def _flag(values: pd.Series) -> pd.Series:
    """A 'boolean' column as plain bool: only True is True (NA counts as not recorded)."""
    return values.astype("boolean").fillna(False).astype(bool)


def _interval_limits(settings: Settings) -> dict[str, tuple[str, int]]:
    """Cohort -> (day kind, longest allowed gap), from the settings (domain.md 4.1-4.3)."""
    return {
        "CLA": ("calendar", settings.visit_interval_cla_calendar_days),
        "CP": ("working", settings.visit_interval_cp_working_days),
        "CIN": ("working", settings.visit_interval_cin_working_days),
    }


def _visits_with_gap(visits: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Every dated visit with ``has_previous`` and ``timely`` flags, indexed like ``visits``.

    ``has_previous``: the child has an earlier visit in the same cohort (see the module
    docstring for same-day visits) and the cohort has an interval setting; ``timely``: the
    gap since that previous visit is at most the interval (calendar days for CLA, working
    days as in ``periods.working_days`` for CP and CIN).
    """
    limits = _interval_limits(settings)
    dated = visits.loc[
        visits["visit_date"].notna() & visits["child_id"].notna() & visits["cohort"].notna()
    ]
    ordered = dated.sort_values(["child_id", "cohort", "visit_date", "visit_id"], kind="mergesort")
    previous = ordered.groupby(["child_id", "cohort"], sort=False)["visit_date"].shift()
    cohort = ordered["cohort"].astype(str)
    kind = cohort.map({c: k for c, (k, _) in limits.items()})
    limit = cohort.map({c: n for c, (_, n) in limits.items()}).astype(float)
    calendar_gap = (ordered["visit_date"] - previous).dt.days.astype(float)
    working_gap = working_days(previous, ordered["visit_date"]).astype(float)
    gap = calendar_gap.where(kind.eq("calendar"), working_gap)
    has_previous = previous.notna() & limit.notna()
    return ordered.assign(
        has_previous=has_previous.to_numpy(dtype=bool),
        timely=(has_previous & (gap <= limit)).to_numpy(dtype=bool),
    )


def _timed_visits_in_quarter(visits, quarter, settings) -> pd.DataFrame:
    timed = _visits_with_gap(visits, settings)
    return timed.loc[in_quarter(timed["visit_date"], parse_quarter(quarter)) & timed["has_previous"]]


def _bound(value, which: str) -> pd.Timestamp:
    """A range bound given as a date or a quarter (its start or its end)."""
    if isinstance(value, Quarter):
        return getattr(value, which)
    return pd.Timestamp(value).normalize()


# --------------------------------------------------------------------- one key, one function


def total_visits(visits: pd.DataFrame, quarter: Quarter | str) -> int:
    """``visits.total``: visits (rows) with visit_date in the quarter (DESIGN 4, visits)."""
    return int(len(_visits_in_quarter(visits, quarter)))


def face_to_face_visits(visits: pd.DataFrame, quarter: Quarter | str) -> int:
    """``visits.face_to_face``: visits in the quarter with modality ``face_to_face`` (DESIGN 4)."""
    return int(_visits_in_quarter(visits, quarter)["modality"].eq("face_to_face").sum())


def virtual_visits(visits: pd.DataFrame, quarter: Quarter | str) -> int:
    """``visits.virtual``: visits in the quarter with modality ``virtual`` (DESIGN 4)."""
    return int(_visits_in_quarter(visits, quarter)["modality"].eq("virtual").sum())


def pct_face_to_face(visits: pd.DataFrame, quarter: Quarter | str) -> float | None:
    """``visits.pct_face_to_face``: face-to-face visits / all visits in the quarter x 100.

    None when there are no visits in the quarter (DESIGN 4, visits).
    """
    return pct(face_to_face_visits(visits, quarter), total_visits(visits, quarter))


def visits_per_method(visits: pd.DataFrame, quarter: Quarter | str) -> dict[str, int]:
    """``visits.method.<method>``: visits in the quarter by method code, one key per code
    present (DESIGN 4; codes in DESIGN 2: home, office, school, other, zoom, whatsapp,
    teams, facetime, phone, other_video). A blank method is left out.
    """
    return count_by(_visits_in_quarter(visits, quarter)["method"], "visits.method")


def children_visited(visits: pd.DataFrame, quarter: Quarter | str) -> int:
    """``visits.children_visited``: distinct child_id with a visit in the quarter (DESIGN 4)."""
    return int(_visits_in_quarter(visits, quarter)["child_id"].nunique(dropna=True))


def pct_seen_alone(visits: pd.DataFrame, quarter: Quarter | str) -> float | None:
    """``visits.pct_seen_alone``: visits in the quarter with seen_alone = Y / visits in the
    quarter with child_seen = Y, x 100 (DESIGN 4).

    Only visits where the child was seen can count in the numerator (a seen_alone = Y on a
    visit with child_seen N or blank is inconsistent and is left out), so the result never
    exceeds 100. Blank child_seen or seen_alone counts as not Y. None when no child was seen.
    """
    in_q = _visits_in_quarter(visits, quarter)
    seen = _flag(in_q["child_seen"])
    return pct(int((seen & _flag(in_q["seen_alone"])).sum()), int(seen.sum()))


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
    timely. Two same-day visits: the later one has a gap of 0, so it is timely. Visits of
    any other cohort are excluded. None when the denominator is 0.
    """
    timed = _timed_visits_in_quarter(visits, quarter, settings)
    return pct(int(timed["timely"].sum()), len(timed))


def visits_metrics(
    visits: pd.DataFrame, quarter: Quarter | str, settings: Settings = DEFAULT_SETTINGS
) -> dict[str, int | float | None]:
    """Every ``visits.*`` key of DESIGN section 4 for one quarter (counts as Python int)."""
    return {
        "visits.total": total_visits(visits, quarter),
        "visits.face_to_face": face_to_face_visits(visits, quarter),
        "visits.virtual": virtual_visits(visits, quarter),
        "visits.pct_face_to_face": pct_face_to_face(visits, quarter),
        **visits_per_method(visits, quarter),
        "visits.children_visited": children_visited(visits, quarter),
        "visits.pct_seen_alone": pct_seen_alone(visits, quarter),
        "visits.pct_timely": pct_timely(visits, quarter, settings),
    }


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
    first, last = _bound(start, "start"), _bound(end, "end")
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
            "seen": _flag(in_q["child_seen"]),
            "seen_alone": _flag(in_q["child_seen"]) & _flag(in_q["seen_alone"]),
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

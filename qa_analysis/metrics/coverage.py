"""Figures the data does not cover: ``null`` with a note, never 0 (DESIGN section 4).

A quarter outside a table's coverage (``DataSet.coverage``, :mod:`qa_analysis.io.coverage`)
gives None for every key built on that table; a measure whose look-back window reaches
before the coverage is None too (the metric functions see to that) and gets a note saying
why; a re-referral rate worked out from List 3's own count says so.
"""

from __future__ import annotations

from ..config import DEFAULT_SETTINGS, Settings
from ..periods import Quarter
from . import placements, referrals

# key prefix -> the table whose coverage the key needs
KEY_TABLES = {
    "visits": "visits",
    "contacts": "contacts",
    "referrals": "referrals",
    "assessments": "assessments",
    "cla": "episodes",
    "placements": "episodes",
    "audits": "case_audits",
    "recommendations": "recommendations",
}


def _windows(quarter: Quarter, settings: Settings) -> dict[str, tuple[str, tuple]]:
    return {
        "placements.pct_3plus_12m": ("its 12 months", placements.three_plus_window(quarter, settings)),
        "placements.pct_long_term_stable": (
            f"its {settings.long_term_care_months} months of care", placements.long_term_window(quarter, settings)
        ),
    }


def apply_coverage(data, quarter: Quarter, metrics: dict, settings: Settings = DEFAULT_SETTINGS
                   ) -> tuple[dict, list[str]]:
    """(metrics with uncovered keys set to None, notes saying why). ``data`` without
    ``coverage`` (a hand-made object) is returned as it is."""
    coverage = getattr(data, "coverage", None) or {}
    out, notes = dict(metrics), []
    uncovered = set()
    for table, cover in coverage.items():
        if table in KEY_TABLES.values() and not cover.covers_quarter(quarter):
            uncovered.add(table)
            note = cover.quarter_note(quarter)
            if note not in notes:
                notes.append(note)
    for key in out:
        if KEY_TABLES.get(key.split(".", 1)[0]) in uncovered:
            out[key] = None
    episodes = coverage.get("episodes")
    if episodes is not None and "episodes" not in uncovered:
        for key, (what, (start, end)) in _windows(quarter, settings).items():
            if key in out and not episodes.covers_span(start, end):
                notes.append(episodes.window_note(key, what, quarter, start))
    cover = coverage.get("referrals")
    if (cover is not None and "referrals" not in uncovered and "referrals.pct_re_referral_12m" in out
            and getattr(data, "referrals", None) is not None):
        source = referrals.re_referral_source(data.referrals, quarter, settings, cover)
        months = settings.re_referral_months
        if source == "list_3_count":
            notes.append(
                f"referrals.pct_re_referral_12m for {quarter.label} uses List 3's 'Number of Referrals in "
                f"Last 12 Months': the referrals in the data begin {cover.start:%d/%m/%Y}, less than "
                f"{months} months before the quarter"
            )
        elif source is None:
            notes.append(
                f"referrals.pct_re_referral_12m is not shown for {quarter.label}: the referrals in the data "
                f"begin {cover.start:%d/%m/%Y}, less than {months} months before the quarter, and List 3's "
                "'Number of Referrals in Last 12 Months' is not filled for every referral"
            )
    return out, notes


def gap_note(data, quarter: Quarter, key: str, settings: Settings = DEFAULT_SETTINGS) -> str | None:
    """Why ``key`` has no figure for the quarter because of coverage (a short phrase for a
    chart's gap label and text alternative), or None when coverage is not the reason."""
    coverage = getattr(data, "coverage", None) or {}
    table = KEY_TABLES.get(key.split(".", 1)[0])
    cover = coverage.get(table)
    if cover is None:
        return None
    if not cover.covers_quarter(quarter):
        return cover.quarter_note(quarter).split(" (")[0]
    window = _windows(quarter, settings).get(key)
    if window is not None and not cover.covers_span(*window[1]):
        return f"{quarter.label}: {window[0]} reach back before the data begins"
    if key == "referrals.pct_re_referral_12m" and getattr(data, "referrals", None) is not None:
        if referrals.re_referral_source(data.referrals, quarter, settings, cover) is None:
            return f"{quarter.label}: the referrals in the data begin less than 12 months before"
    return None

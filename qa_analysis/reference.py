"""Comparators: England figures by year (DfE published statistics) and the authority's own.

England figures are held per financial year (``2023-24`` is the DfE's "year ending
31 March 2024") with their source, and only where the DfE publishes the same measure as
ours; a year not held stays absent and the page says so, never borrowing another year's
figure for the line. A data folder can add comparators of its own in ``comparators.csv``
(``metric, period, group, value, source``; period ``2020-21`` or ``2020-21 Q3``; group
such as "Statistical neighbours" or "Region"), e.g. from the DfE's LA Interactive Tool.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from .errors import QAError, QuarterError
from .periods import parse_quarter, parse_year

COMPARATORS_FILE = "comparators.csv"
COMPARATOR_COLUMNS = ("metric", "period", "group", "value", "source")
ENGLAND = "England"


@dataclass(frozen=True)
class Comparator:
    metric: str
    year: int  # financial year start: 2023 is 2023-24 (DfE "year ending 31 March 2024")
    group: str
    value: float
    source: str
    quarter: str | None = None  # a comparator for one quarter only

    @property
    def year_label(self) -> str:
        return f"{self.year}-{(self.year + 1) % 100:02d}"

    @property
    def label(self) -> str:
        """The chart label: ``England 2023-24: 68%``."""
        return f"{self.group} {self.quarter or self.year_label}: {self.value:g}%"


_STABILITY_2024 = (
    "DfE, Stability measures for children looked after in England, reporting year 2024, "
    "placement stability by local authority (data set 68c7a1f2)"
)
_STABILITY_2025 = "DfE, Stability measures for children looked after in England, reporting year 2025 (data set 2ad311d1)"

# Only figures found in the DfE releases (domain.md section 8); every other year is absent.
ENGLAND_FIGURES: tuple[Comparator, ...] = (
    Comparator("placements.pct_long_term_stable", 2023, ENGLAND, 68.0,
               f"{_STABILITY_2024}: 19,750 of 29,000 children under 16 looked after for 2.5 years or more "
               "had lived with the same carer for 2 years or more"),
    Comparator("placements.pct_long_term_stable", 2024, ENGLAND, 69.0,
               f"{_STABILITY_2025}: 19,680 of 28,710 children"),
    Comparator("referrals.pct_re_referral_12m", 2023, ENGLAND, 22.4,
               "DfE, Children in need: a focus on re-referrals, reporting year 2024: 139,080 of 621,880 "
               "referrals in the year ending 31 March 2024 were within 12 months of a previous referral "
               "(published as 22%; 22.4% is the same two counts to one decimal place)"),
    Comparator("assessments.pct_within_45wd", 2024, ENGLAND, 85.7,
               "DfE, Children in need, reporting year 2025, completed assessments by duration of assessment: "
               "555,820 of 648,830 assessments completed in the year ending 31 March 2025 took 45 days or "
               "fewer (the sum of the published duration bands up to 41 to 45 days)"),
)

# What the page says where no England figure is held for the year.
NOT_HELD = {
    "placements.pct_3plus_12m": (
        "The DfE publishes the share of children looked after at 31 March with 3 or more placements during "
        "the year (Stability measures for children looked after in England, 2020 to 2024), but the figures "
        "were not retrieved for this tool, so no England line is drawn. (The DfE's 23% in 2024 and 2025 is a "
        "different measure: 3 or more placements in the previous 2 years.)"
    ),
}


def england(metric: str, year: int | None) -> Comparator | None:
    """The England figure for ``metric`` in financial year ``year`` (None if not held)."""
    return next((c for c in ENGLAND_FIGURES if c.metric == metric and c.year == year), None)


def latest_england(metric: str) -> Comparator | None:
    held = [c for c in ENGLAND_FIGURES if c.metric == metric]
    return max(held, key=lambda c: c.year) if held else None


def metrics_with_england_figures() -> list[str]:
    return list(dict.fromkeys([*(c.metric for c in ENGLAND_FIGURES), *NOT_HELD]))


def _year_of(period: str) -> tuple[int, str | None]:
    try:
        quarter = parse_quarter(period)
        return quarter.year, quarter.label
    except QuarterError:
        return parse_year(period), None


def load_comparators(folder) -> list[Comparator]:
    """The rows of ``comparators.csv`` in ``folder`` (none if the file is absent).

    An unusable file stops with one sentence naming the file, the row and the problem.
    """
    path = Path(folder) / COMPARATORS_FILE
    if not path.is_file():
        return []
    found = []
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = [c.strip().lower() for c in reader.fieldnames or []]
        missing = [c for c in COMPARATOR_COLUMNS if c not in columns]
        if missing:
            raise QAError(f"{path.name}: the column(s) {', '.join(missing)} are missing; "
                          f"expected {', '.join(COMPARATOR_COLUMNS)}.")
        for number, raw in enumerate(reader, start=2):
            row = {str(k).strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
            if not any(row.values()):
                continue
            try:
                value = float(row["value"].rstrip("%"))
                year, quarter = _year_of(row["period"])
            except (ValueError, QAError):
                raise QAError(f"{path.name} row {number}: the period must be like 2020-21 or 2020-21 Q3 and "
                              "the value a number.") from None
            if not row["metric"] or not row["group"]:
                raise QAError(f"{path.name} row {number}: metric and group cannot be blank.")
            found.append(Comparator(row["metric"], year, row["group"], value, row["source"], quarter))
    return found


def comparators_for(metric: str, year: int, local=(), quarter: str | None = None) -> list[Comparator]:
    """England's figure for the year (where held) and the authority's own comparators for the
    year (or that quarter), England first."""
    found = [c for c in (england(metric, year),) if c is not None]
    found += [
        c for c in local
        if c.metric == metric and c.year == year and (c.quarter is None or c.quarter == quarter)
    ]
    return found


def comparison_sentence(metric: str, year: int, local=(), quarter: str | None = None) -> str:
    """One plain sentence: the comparators drawn, with source and year, or why none is."""
    found = comparators_for(metric, year, local, quarter)
    year_label = f"{year}-{(year + 1) % 100:02d}"
    parts = [f"{c.group} {c.quarter or c.year_label}: {c.value:g}% ({c.source})." for c in found]
    if not any(c.group == ENGLAND for c in found):
        latest = latest_england(metric)
        text = f"No England figure for {year_label} is held"
        if metric in NOT_HELD:
            text = f"{text}. {NOT_HELD[metric]}"
        elif latest is not None:
            text += (f"; the latest held is {latest.value:g}% for {latest.year_label} ({latest.source}), "
                     "a different year, so it is not drawn.")
        else:
            text += "."
        parts.append(text)
    return " ".join(parts)


# --- the earlier interface (value, label) for a chart line, kept for existing callers -----


def reference_line(key: str, year: int | None = None) -> tuple[float, str] | None:
    """(value, label) of the England figure for ``year``; None where none is held.

    Without a year, None: a line is only drawn for the year a report covers.
    """
    found = england(key, year) if year is not None else None
    return (found.value, found.label) if found else None


def reference_source(key: str, year: int | None = None) -> str | None:
    found = england(key, year) if year is not None else latest_england(key)
    return found.source if found else None


NATIONAL = {key: None for key in metrics_with_england_figures()}

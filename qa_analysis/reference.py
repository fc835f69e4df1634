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
# The DfE's own published files, as kept in its public CSC outcomes and enablers dashboard
# repository (github.com/dfe-analytical-services/CSC_outcomes_and_enablers, data-raw/):
# table C1 of "Children in need" and the placement stability table of "Stability measures
# for children looked after in England", reporting year 2025 (each year ending 31 March).
# Files c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv (commit f70b723) and
# la_cla_placement_stability.csv (commit 739525e); the page names the publication and table.
_C1 = "DfE, Children in need, reporting year 2025, referrals and re-referrals table"
_STABILITY_2025_TABLE = ("DfE, Stability measures for children looked after in England, reporting year 2025, "
                         "placement stability by local authority")


def _re_referrals(year: int, value: float, re_referrals: str, referrals: str) -> Comparator:
    return Comparator(
        "referrals.pct_re_referral_12m", year, ENGLAND, value,
        f"{_C1}: {re_referrals} of {referrals} referrals in the year ending 31 March {year + 1} came within "
        "12 months of a previous referral",
    )


def _three_plus(year: int, value: float, children: str, looked_after: str) -> Comparator:
    return Comparator(
        "placements.pct_3plus_12m", year, ENGLAND, value,
        f"{_STABILITY_2025_TABLE}: {children} of {looked_after} children looked after on 31 March {year + 1} "
        "had 3 or more placements during the year (published to the whole per cent)",
    )


def _long_term(year: int, value: float, stable: str, cohort: str) -> Comparator:
    return Comparator(
        "placements.pct_long_term_stable", year, ENGLAND, value,
        f"{_STABILITY_2025_TABLE}: {stable} of {cohort} children under 16 looked after for 2.5 years or more "
        f"on 31 March {year + 1} had lived with the same carer for 2 years or more (published to the whole per cent)",
    )


# Only figures found in the DfE's published tables (domain.md section 8 and the files named
# above); every other year is absent. National counts are rounded by the DfE to the nearest 10.
ENGLAND_FIGURES: tuple[Comparator, ...] = (
    _long_term(2020, 70.0, "20,000", "28,640"),
    _long_term(2021, 71.0, "20,830", "29,510"),
    _long_term(2022, 68.0, "20,190", "29,590"),
    Comparator("placements.pct_long_term_stable", 2023, ENGLAND, 68.0,
               f"{_STABILITY_2024}: 19,750 of 29,000 children under 16 looked after for 2.5 years or more "
               "had lived with the same carer for 2 years or more"),
    Comparator("placements.pct_long_term_stable", 2024, ENGLAND, 69.0,
               f"{_STABILITY_2025}: 19,680 of 28,710 children"),
    _three_plus(2020, 9.0, "7,400", "80,780"),
    _three_plus(2021, 10.0, "8,210", "82,090"),
    _three_plus(2022, 11.0, "8,850", "83,750"),
    _three_plus(2023, 11.0, "8,860", "83,530"),
    _three_plus(2024, 10.0, "8,500", "81,770"),
    _re_referrals(2019, 22.6, "145,390", "642,980"),
    _re_referrals(2020, 22.7, "135,850", "597,760"),
    _re_referrals(2021, 21.5, "139,500", "650,270"),
    _re_referrals(2022, 22.4, "143,770", "640,430"),
    Comparator("referrals.pct_re_referral_12m", 2023, ENGLAND, 22.4,
               "DfE, Children in need: a focus on re-referrals, reporting year 2024: 139,080 of 621,880 "
               "referrals in the year ending 31 March 2024 were within 12 months of a previous referral "
               "(published as 22%; 22.4% is the same two counts to one decimal place)"),
    _re_referrals(2024, 22.6, "142,900", "632,830"),
    Comparator("assessments.pct_within_45wd", 2024, ENGLAND, 85.7,
               "DfE, Children in need, reporting year 2025, completed assessments by duration of assessment: "
               "555,820 of 648,830 assessments completed in the year ending 31 March 2025 took 45 days or "
               "fewer (the sum of the published duration bands up to 41 to 45 days)"),
)

# What the page says where no England figure is held for the year, beyond naming the latest held.
NOT_HELD: dict[str, str] = {}


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

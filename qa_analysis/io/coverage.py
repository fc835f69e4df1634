"""What each loaded table covers, so a figure outside it is ``null`` with a note, never 0.

SSDA903 returns cover whole collection years (1 April to 31 March, a return named by the
year of its 31 March end); every other table covers the months from its first to its last
date. A quarter
is covered when its whole span lies in the coverage (903) or overlaps the table's dates
(other tables: a table whose last date falls in a quarter still speaks for that quarter).
A measure that looks back (3+ placements: the 12 months to the quarter end; long-term
stability: 2.5 years; re-referrals: 12 months before the quarter's referrals) needs its
whole window covered.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

# Which date columns say what a table covers (first to last).
DATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "contacts": ("contact_date",),
    "referrals": ("referral_date",),
    "assessments": ("assessment_start_date", "assessment_authorised_date"),
    "visits": ("visit_date",),
    "case_audits": ("audit_date",),
    "recommendations": ("raised_date", "completed_date"),
}
# Words for a table in a note.
TABLE_WORDS = {
    "episodes": "SSDA903 return",
    "header": "SSDA903 return",
    "contacts": "Annex A List 1 (contacts)",
    "referrals": "Annex A List 3 (referrals)",
    "assessments": "Annex A List 4 (assessments)",
    "visits": "visits.csv",
    "case_audits": "case_audits.csv",
    "recommendations": "recommendations.csv",
}


def year_label(year: int) -> str:
    """The financial year ending 31 March ``year``: 2020 -> '2019-20'."""
    return f"{year - 1}-{year % 100:02d}"


def year_start(year: int) -> pd.Timestamp:
    return pd.Timestamp(year - 1, 4, 1)


def year_end(year: int) -> pd.Timestamp:
    return pd.Timestamp(year, 3, 31)


def collection_year(date) -> int:
    """The collection year (its 31 March end) a date falls in: 15/04/2019 -> 2020."""
    date = pd.Timestamp(date)
    return date.year + 1 if date.month >= 4 else date.year


@dataclass(frozen=True)
class Coverage:
    """The dates a table speaks for.

    ``years``: for SSDA903, the collection years (31 March ends) of the returns read, in
    order; ``start``/``end``: the first and last day covered (for 903 the first return's
    1 April and the last return's 31 March). ``table`` names it in notes.
    """

    table: str
    start: pd.Timestamp
    end: pd.Timestamp
    years: tuple[int, ...] = ()

    @property
    def words(self) -> str:
        return TABLE_WORDS.get(self.table, self.table)

    def describe(self) -> str:
        if self.years:
            spans = _year_spans(self.years)
            return f"{self.words}s for " + ", ".join(spans)
        return f"{self.words} from {self.start:%d/%m/%Y} to {self.end:%d/%m/%Y}"

    def covers_day(self, day) -> bool:
        day = pd.Timestamp(day)
        if self.years:
            return collection_year(day) in self.years
        return self.start <= day <= self.end

    def covers_span(self, start, end) -> bool:
        """Every day from ``start`` to ``end`` (both included) is covered (903: each year)."""
        start, end = pd.Timestamp(start), pd.Timestamp(end)
        if self.years:
            return all(y in self.years for y in range(collection_year(start), collection_year(end) + 1))
        return self.start <= start and end <= self.end

    def covers_quarter(self, quarter) -> bool:
        if self.years:
            return self.covers_span(quarter.start, quarter.end)
        return quarter.start <= self.end and quarter.end >= self.start

    def quarter_note(self, quarter) -> str:
        if self.years:
            return f"no {self.words} covers {quarter.label} (the data holds {self.describe()})"
        return f"{self.words} does not cover {quarter.label} (it holds {self.start:%d/%m/%Y} to {self.end:%d/%m/%Y})"

    def window_note(self, key: str, what: str, quarter, window_start) -> str:
        window_start = pd.Timestamp(window_start)
        return (
            f"{key} is not shown for {quarter.label}: {what} reach back to "
            f"{window_start:%d/%m/%Y}, before the data begins ({self.describe()})"
        )


def _year_spans(years) -> list[str]:
    """[2016, 2017, 2018, 2020] -> ['2015-16 to 2017-18', '2019-20']."""
    years = sorted(set(years))
    spans, first, last = [], years[0], years[0]
    for year in years[1:]:
        if year == last + 1:
            last = year
            continue
        spans.append((first, last))
        first = last = year
    spans.append((first, last))
    return [year_label(a) if a == b else f"{year_label(a)} to {year_label(b)}" for a, b in spans]


def return_coverage(years) -> Coverage | None:
    years = tuple(sorted(set(int(y) for y in years)))
    if not years:
        return None
    return Coverage("episodes", year_start(years[0]), year_end(years[-1]), years)


def table_coverage(table: str, frame: pd.DataFrame) -> Coverage | None:
    """The months from a non-903 table's first date to its last (None when it has no
    dates). Whole months: an extract runs from a month's start, and a list whose first
    referral is dated 2 April still holds the 1st (there was none that day)."""
    dates = [frame[c].dropna() for c in DATE_COLUMNS.get(table, ()) if c in frame.columns]
    dates = [d for d in dates if len(d)]
    if not dates:
        return None
    first, last = min(d.min() for d in dates), max(d.max() for d in dates)
    return Coverage(table, first.normalize().replace(day=1), (last + pd.offsets.MonthEnd(0)).normalize())


def window_covered(coverage: Coverage | None, start, end) -> bool:
    """True when there is no coverage to check (a frame passed in by hand) or it holds the window."""
    return coverage is None or coverage.covers_span(start, end)

"""Financial-year quarters and working days (DESIGN section 3).

English local authorities report by financial year, 1 April to 31 March. ``2020-21 Q1``
is 1 April to 30 June 2020 and ``2020-21 Q4`` is 1 January to 31 March 2021. "In the
quarter" means start <= date <= end, both inclusive.

Working days exclude Saturdays, Sundays and England and Wales bank holidays (the
``holidays`` package, ``GB`` subdivision ``ENG``, offline; its list for 1990 to 2050 is kept
in ``_bank_holidays``). Working days from a to b
count the working days d with a < d <= b, so the same day is 0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from .errors import QuarterError

ACCEPTED_FORMS = ("2020-21 Q1", "2020-21_Q1", "2020/21 Q1", "Q1 2020-21", "Q1 2020/21")
_YEAR = r"(?P<y1>\d{4})[-/](?P<y2>\d{2})"
_QUARTER_PATTERNS = (
    re.compile(rf"^{_YEAR}[ _]Q(?P<q>[1-4])$", re.IGNORECASE),
    re.compile(rf"^Q(?P<q>[1-4]) {_YEAR}$", re.IGNORECASE),
)
_YEAR_PATTERN = re.compile(rf"^{_YEAR}$")


def _refusal(text: str) -> QuarterError:
    return QuarterError(
        f"{text!r} is not a financial quarter. Use one of these forms: "
        + ", ".join(ACCEPTED_FORMS)
        + " (Q1 is April to June)."
    )


def _start_year(match: re.Match, text: str, error) -> int:
    y1, y2 = int(match["y1"]), int(match["y2"])
    if (y1 + 1) % 100 != y2:
        raise error(text)
    return y1


class Period:
    """A reporting period: a financial :class:`Quarter` or a :class:`FinancialYear`.

    Every metric function takes a period and uses only its ``start`` and ``end`` ("in the
    period" is start <= date <= end). Strings and ``pandas.Period`` values become a Period
    once, at the edges (command line, notebook parameters, public functions), through
    :func:`parse_period`.
    """

    __slots__ = ()

    @property
    def start(self) -> pd.Timestamp:  # pragma: no cover - defined by the subclasses
        raise NotImplementedError

    @property
    def end(self) -> pd.Timestamp:  # pragma: no cover - defined by the subclasses
        raise NotImplementedError

    @property
    def financial_year(self) -> str:
        """The label of the financial year holding the period: ``2020-21``."""
        return f"{self.year}-{(self.year + 1) % 100:02d}"

    def contains(self, dates: pd.Series) -> pd.Series:
        """True where a date lies in the period, both ends inclusive."""
        return dates.between(self.start, self.end, inclusive="both")

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True, order=True)
class Quarter(Period):
    """One financial quarter: ``Quarter(2020, 1)`` is ``2020-21 Q1``."""

    year: int  # the calendar year in which the financial year starts
    q: int

    def __post_init__(self):
        if self.q not in (1, 2, 3, 4):
            raise QuarterError(f"A quarter number is 1 to 4, not {self.q}.")

    @property
    def label(self) -> str:
        return f"{self.financial_year} Q{self.q}"

    @property
    def slug(self) -> str:
        """The form used in paths: ``2020-21_Q1``."""
        return f"{self.financial_year}_Q{self.q}"

    @property
    def start(self) -> pd.Timestamp:
        month = 3 * self.q + 1  # Q1 April, Q2 July, Q3 October, Q4 January
        year = self.year
        if month > 12:
            month -= 12
            year += 1
        return pd.Timestamp(year=year, month=month, day=1)

    @property
    def end(self) -> pd.Timestamp:
        return (self.start + pd.offsets.QuarterEnd(startingMonth=3)).normalize()

    @property
    def whole_year(self) -> FinancialYear:
        """The financial year this quarter belongs to."""
        return FinancialYear(self.year)

    @property
    def quarters(self) -> list[Quarter]:
        return [self]

    def previous(self, n: int = 1) -> Quarter:
        index = self.year * 4 + (self.q - 1) - n
        return Quarter(index // 4, index % 4 + 1)

    def next(self, n: int = 1) -> Quarter:
        return self.previous(-n)

    def to_pandas(self) -> pd.Period:
        """The same quarter as ``pandas.Period`` with ``freq="Q-MAR"`` (labelled by the year's end)."""
        return pd.Period(self.start, freq="Q-MAR")

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True, order=True)
class FinancialYear(Period):
    """One financial year, 1 April to 31 March: ``FinancialYear(2020)`` is ``2020-21``."""

    year: int  # the calendar year in which it starts

    @property
    def label(self) -> str:
        return self.financial_year

    @property
    def slug(self) -> str:
        return self.financial_year

    @property
    def start(self) -> pd.Timestamp:
        return pd.Timestamp(year=self.year, month=4, day=1)

    @property
    def end(self) -> pd.Timestamp:
        return pd.Timestamp(year=self.year + 1, month=3, day=31)

    @property
    def whole_year(self) -> FinancialYear:
        return self

    @property
    def quarters(self) -> list[Quarter]:
        """Its four quarters, Q1 to Q4."""
        return [Quarter(self.year, q) for q in (1, 2, 3, 4)]

    def to_pandas(self) -> pd.Period:
        return pd.Period(self.start, freq="Y-MAR")

    def __str__(self) -> str:
        return self.label


def _from_pandas(value: pd.Period) -> Period:
    freq = value.freqstr.upper()
    if freq == "Q-MAR":
        return Quarter(value.qyear - 1, value.quarter)
    if freq in ("Y-MAR", "A-MAR"):
        return FinancialYear(value.year - 1)
    raise QuarterError(
        f"{value!r} is not a financial period: use pandas.Period(..., freq='Q-MAR') for a quarter "
        "or freq='Y-MAR' for a financial year."
    )


def parse_period(value: str | Period | pd.Period) -> Period:
    """A quarter or a financial year from a label, a Period or a ``pandas.Period``.

    Labels: any accepted quarter form (``2020-21 Q1`` ...) gives a :class:`Quarter`;
    ``2020-21`` or ``2020/21`` a :class:`FinancialYear`. ``pandas.Period`` with
    ``freq="Q-MAR"`` gives its quarter (``2021Q1`` is ``2020-21 Q1``), ``freq="Y-MAR"`` its
    year. Anything else is refused with a message listing the forms.

    Parameters
    ----------
    value : str, Period or pandas.Period

    Returns
    -------
    Quarter or FinancialYear

    Examples
    --------
    >>> parse_period("2020-21").label
    '2020-21'
    >>> parse_period("Q3 2020/21").label
    '2020-21 Q3'
    """
    if isinstance(value, Period):
        return value
    if isinstance(value, pd.Period):
        return _from_pandas(value)
    cleaned = " ".join(str(value).split())
    if _YEAR_PATTERN.match(cleaned):
        return FinancialYear(parse_year(cleaned))
    try:
        return parse_quarter(cleaned)
    except QuarterError:
        raise QuarterError(
            f"{value!r} is not a financial quarter or year. Use one of these forms: "
            + ", ".join(ACCEPTED_FORMS)
            + " (Q1 is April to June), or a year as 2020-21."
        ) from None


def parse_quarter(text: str | Quarter | pd.Period) -> Quarter:
    """Parse any accepted quarter label; refuse anything else, listing the forms.

    Parameters
    ----------
    text : str, Quarter or pandas.Period
        ``2020-21 Q1``, ``2020-21_Q1``, ``2020/21 Q1``, ``Q1 2020-21``, ``Q1 2020/21``, or a
        ``pd.Period`` with ``freq="Q-MAR"``.

    Returns
    -------
    Quarter

    Raises
    ------
    QuarterError
        For anything else, listing the accepted forms.

    Examples
    --------
    >>> parse_quarter("2020/21 Q1").start.date()
    datetime.date(2020, 4, 1)
    """
    if isinstance(text, Quarter):
        return text
    if isinstance(text, pd.Period):
        period = _from_pandas(text)
        if isinstance(period, Quarter):
            return period
        raise _refusal(text)
    if isinstance(text, FinancialYear):
        raise QuarterError(f"{text.label} is a financial year, not a quarter: give one of its quarters.")
    cleaned = " ".join(str(text).split())
    for pattern in _QUARTER_PATTERNS:
        match = pattern.match(cleaned)
        if match:
            return Quarter(_start_year(match, text, _refusal), int(match["q"]))
    raise _refusal(text)


def parse_year(text: str | int | FinancialYear | pd.Period) -> int:
    """Parse a financial year (``2020-21``, ``2020/21``, a FinancialYear, its Y-MAR
    ``pandas.Period`` or the starting year as an int) to its starting year."""
    if isinstance(text, FinancialYear):
        return text.year
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    if isinstance(text, pd.Period):
        period = _from_pandas(text)
        if isinstance(period, FinancialYear):
            return period.year

    def refusal(t):
        return QuarterError(f"{t!r} is not a financial year. Write it as 2020-21 or 2020/21.")

    if isinstance(text, pd.Period | Quarter):
        raise refusal(text)
    match = _YEAR_PATTERN.match(str(text).strip())
    if not match:
        raise refusal(text)
    return _start_year(match, text, refusal)


def year_quarters(year: str | int | FinancialYear) -> list[Quarter]:
    """The four quarters of a financial year (``"2020-21"``, 2020 or a FinancialYear).

    Parameters
    ----------
    year : str, int or FinancialYear
        ``"2020-21"``, ``"2020/21"`` or the starting year 2020.

    Returns
    -------
    list of Quarter
        Q1 (April to June) to Q4 (January to March).

    Examples
    --------
    >>> [q.label for q in year_quarters("2020-21")][:2]
    ['2020-21 Q1', '2020-21 Q2']
    """
    return FinancialYear(parse_year(year)).quarters


def quarter_range(first: str | Quarter, last: str | Quarter) -> list[Quarter]:
    """Every quarter from ``first`` to ``last``, both included.

    Parameters
    ----------
    first, last : str or Quarter
        The first and last quarter, both included.

    Returns
    -------
    list of Quarter

    Examples
    --------
    >>> [q.label for q in quarter_range("2020-21 Q3", "2021-22 Q1")]
    ['2020-21 Q3', '2020-21 Q4', '2021-22 Q1']
    """
    a, b = parse_quarter(first), parse_quarter(last)
    if b < a:
        raise QuarterError(f"The range ends ({b}) before it starts ({a}).")
    out = [a]
    while out[-1] < b:
        out.append(out[-1].next())
    return out


def trailing_quarters(quarter: str | Quarter, n: int) -> list[Quarter]:
    """The ``n`` quarters ending with ``quarter``, oldest first (for trend charts).

    Parameters
    ----------
    quarter : str or Quarter
        The last quarter of the run.
    n : int
        How many quarters.

    Returns
    -------
    list of Quarter

    Examples
    --------
    >>> [q.label for q in trailing_quarters("2020-21 Q2", 3)]
    ['2019-20 Q4', '2020-21 Q1', '2020-21 Q2']
    """
    last = parse_quarter(quarter)
    return [last.previous(i) for i in range(n - 1, -1, -1)]


@lru_cache(maxsize=1)
def bank_holidays() -> np.ndarray:
    """England and Wales bank holidays, 1990 to 2050, as ``datetime64[D]``: the ``holidays``
    package's list, kept in ``qa_analysis._bank_holidays`` (checked against the package by
    the tests) so that no command pays for importing and running the package."""
    from ._bank_holidays import DATES

    return np.array(DATES.split(), dtype="datetime64[D]")


@lru_cache(maxsize=1)
def _calendar() -> np.busdaycalendar:
    return np.busdaycalendar(weekmask="1111100", holidays=bank_holidays())


def _as_days(values) -> np.ndarray:
    return pd.to_datetime(pd.Series(values)).to_numpy(dtype="datetime64[D]")


def working_days(start, end):
    """Working days d with start < d <= end (same day = 0).

    Accepts scalars or array-likes of dates; returns an int for scalars and a float
    Series (NaN where either date is missing) otherwise.

    Parameters
    ----------
    start, end : date-like or array-like of dates

    Returns
    -------
    int or pandas.Series
        An int (None when a date is missing) for two dates; a float Series otherwise.

    Examples
    --------
    >>> working_days("2020-12-24", "2020-12-29")  # 25 and 28 December are bank holidays
    1
    """
    scalar = np.ndim(start) == 0 and np.ndim(end) == 0
    a = _as_days([start] if np.ndim(start) == 0 else start)
    b = _as_days([end] if np.ndim(end) == 0 else end)
    a, b = np.broadcast_arrays(a, b)
    missing = np.isnat(a) | np.isnat(b)
    counts = np.full(a.shape, np.nan)
    ok = ~missing
    counts[ok] = np.busday_count(
        a[ok] + np.timedelta64(1, "D"), b[ok] + np.timedelta64(1, "D"), busdaycal=_calendar()
    )
    if scalar:
        if missing[0]:
            return None
        return int(counts[0])
    index = end.index if isinstance(end, pd.Series) else start.index if isinstance(start, pd.Series) else None
    return pd.Series(counts, index=index)

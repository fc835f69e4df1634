import numpy as np
import pandas as pd
import pytest

from qa_analysis.errors import QuarterError
from qa_analysis.periods import (
    FinancialYear,
    Quarter,
    parse_period,
    parse_quarter,
    parse_year,
    quarter_range,
    trailing_quarters,
    working_days,
    year_quarters,
)


@pytest.mark.parametrize(
    "text", ["2020-21 Q3", "2020-21_Q3", "2020/21 Q3", "Q3 2020-21", "Q3 2020/21", " q3  2020-21 "]
)
def test_every_accepted_form_parses_to_the_same_quarter(text):
    assert parse_quarter(text) == Quarter(2020, 3)


@pytest.mark.parametrize("text", ["2020 Q3", "2020-22 Q1", "2020-21 Q5", "Q3", "2020-21", "FY20 Q1", ""])
def test_other_forms_are_refused_with_the_accepted_forms_listed(text):
    with pytest.raises(QuarterError) as excinfo:
        parse_quarter(text)
    message = str(excinfo.value)
    assert "2020-21 Q1" in message and "Q1 2020/21" in message and "2020-21_Q1" in message


def test_label_and_slug_are_canonical():
    quarter = parse_quarter("Q1 2020/21")
    assert (quarter.label, quarter.slug) == ("2020-21 Q1", "2020-21_Q1")


@pytest.mark.parametrize(
    "q, start, end",
    [
        (1, "2020-04-01", "2020-06-30"),
        (2, "2020-07-01", "2020-09-30"),
        (3, "2020-10-01", "2020-12-31"),
        (4, "2021-01-01", "2021-03-31"),
    ],
)
def test_quarter_dates_follow_the_financial_year(q, start, end):
    quarter = Quarter(2020, q)
    assert (quarter.start, quarter.end) == (pd.Timestamp(start), pd.Timestamp(end))


def test_quarter_contains_both_ends_inclusive():
    dates = pd.Series(pd.to_datetime(["2020-09-30", "2020-10-01", "2020-12-31", "2021-01-01"]))
    assert Quarter(2020, 3).contains(dates).tolist() == [False, True, True, False]


def test_year_gives_its_four_quarters():
    assert year_quarters("2020/21") == [Quarter(2020, q) for q in (1, 2, 3, 4)]


def test_year_with_wrong_second_part_is_refused():
    with pytest.raises(QuarterError, match="2020-21"):
        parse_year("2020-22")


def test_range_crosses_the_financial_year():
    assert quarter_range("2020-21 Q4", "2021-22 Q2") == [
        Quarter(2020, 4), Quarter(2021, 1), Quarter(2021, 2)
    ]


def test_range_backwards_is_refused():
    with pytest.raises(QuarterError, match="before it starts"):
        quarter_range("2021-22 Q1", "2020-21 Q1")


def test_trailing_quarters_end_with_the_quarter_oldest_first():
    assert trailing_quarters("2020-21 Q2", 3) == [Quarter(2019, 4), Quarter(2020, 1), Quarter(2020, 2)]


def test_same_day_is_zero_working_days():
    assert working_days(pd.Timestamp("2020-12-24"), pd.Timestamp("2020-12-24")) == 0


def test_working_days_skip_christmas_2020_bank_holidays():
    # Thu 24 Dec 2020 -> Thu 31 Dec 2020. Days after the 24th: Fri 25 (Christmas, holiday),
    # Sat 26, Sun 27, Mon 28 (Boxing Day substitute, holiday), Tue 29, Wed 30, Thu 31 -> 3.
    assert working_days(pd.Timestamp("2020-12-24"), pd.Timestamp("2020-12-31")) == 3


def test_working_days_count_the_end_day_not_the_start_day():
    # Fri 4 Dec 2020 -> Mon 7 Dec 2020: the weekend is skipped, Monday counts -> 1.
    assert working_days(pd.Timestamp("2020-12-04"), pd.Timestamp("2020-12-07")) == 1


def test_working_days_on_series_keep_missing_dates_missing():
    starts = pd.Series(pd.to_datetime(["2020-12-24", None]))
    ends = pd.Series(pd.to_datetime(["2021-01-04", "2021-01-04"]))
    # 24 Dec -> 4 Jan 2021: 29, 30, 31 Dec, (1 Jan holiday), 4 Jan -> 4.
    pd.testing.assert_series_equal(working_days(starts, ends), pd.Series([4.0, float("nan")]))


# --- Period: a quarter or a financial year, parsed once at the edges -------------------


@pytest.mark.parametrize("text", ["2020-21", "2020/21", " 2020-21 "])
def test_a_year_label_parses_to_a_financial_year(text):
    assert parse_period(text) == FinancialYear(2020)


@pytest.mark.parametrize("text", ["2020-21 Q3", "Q3 2020/21"])
def test_a_quarter_label_parses_to_a_quarter(text):
    assert parse_period(text) == Quarter(2020, 3)


def test_a_financial_year_runs_from_1_april_to_31_march():
    year = FinancialYear(2020)
    assert (year.start, year.end, year.label) == (pd.Timestamp("2020-04-01"), pd.Timestamp("2021-03-31"), "2020-21")


def test_a_financial_year_holds_its_four_quarters():
    assert FinancialYear(2020).quarters == [Quarter(2020, q) for q in (1, 2, 3, 4)]


def test_a_quarter_knows_its_financial_year():
    assert Quarter(2020, 4).whole_year == FinancialYear(2020)


def test_a_year_is_not_a_quarter():
    # a financial year must never pose as its Q4
    assert FinancialYear(2020) != Quarter(2020, 4)


def test_a_pandas_q_mar_period_is_its_financial_quarter():
    # pandas labels Q-MAR quarters by the year they end in: 2021Q1 is April-June 2020 = 2020-21 Q1
    assert parse_period(pd.Period("2020-06-30", freq="Q-MAR")) == Quarter(2020, 1)


def test_a_pandas_y_mar_period_is_its_financial_year():
    # the year ending March 2021 is 2020-21
    assert parse_period(pd.Period("2021", freq="Y-MAR")) == FinancialYear(2020)


def test_a_quarter_goes_to_pandas_and_back():
    assert parse_quarter(Quarter(2020, 3).to_pandas()) == Quarter(2020, 3)


def test_a_calendar_quarter_is_refused():
    with pytest.raises(QuarterError, match="Q-MAR"):
        parse_period(pd.Period("2020Q3", freq="Q-DEC"))


def test_parse_quarter_refuses_a_financial_year():
    with pytest.raises(QuarterError, match="financial year"):
        parse_quarter(FinancialYear(2020))


def test_a_period_passes_through_unchanged():
    year = FinancialYear(2020)
    assert parse_period(year) is year


def test_anything_else_is_refused_with_both_forms_listed():
    with pytest.raises(QuarterError) as excinfo:
        parse_period("FY2020")
    assert ("2020-21 Q1" in str(excinfo.value), "2020-21" in str(excinfo.value)) == (True, True)


@pytest.mark.parametrize("year", ["2020-21", 2020, FinancialYear(2020)])
def test_year_quarters_takes_a_label_a_start_year_or_a_financial_year(year):
    assert year_quarters(year) == [Quarter(2020, q) for q in (1, 2, 3, 4)]


def test_working_days_across_a_decade_boundary_keep_both_years_holidays():
    # Thu 31 Dec 2009 -> Tue 5 Jan 2010. Days after the 31st: Fri 1 Jan 2010 (New Year's
    # Day, holiday), Sat 2, Sun 3, Mon 4, Tue 5 -> 2.
    assert working_days(pd.Timestamp("2009-12-31"), pd.Timestamp("2010-01-05")) == 2


def test_working_days_on_series_spanning_decades_match_one_by_one():
    # 24 Dec 2020 -> 31 Dec 2020 is 3 (Christmas test above); Fri 22 May 1992 -> Tue 26 May
    # 1992: Sat, Sun, Mon 25 (spring bank holiday), Tue 26 -> 1.
    starts = pd.Series(pd.to_datetime(["2020-12-24", "1992-05-22"]))
    ends = pd.Series(pd.to_datetime(["2020-12-31", "1992-05-26"]))
    pd.testing.assert_series_equal(working_days(starts, ends), pd.Series([3.0, 1.0]))


def test_days_outside_the_known_holiday_years_count_weekdays_only():
    # 1 Jan 1985 (Tue) -> 8 Jan 1985 (Tue): holidays are known from 1990 only, so New
    # Year's Day is not one: Wed 2, Thu 3, Fri 4, Mon 7, Tue 8 -> 5.
    assert working_days(pd.Timestamp("1985-01-01"), pd.Timestamp("1985-01-08")) == 5


def test_the_kept_bank_holidays_are_the_holidays_packages_list():
    # the list kept in qa_analysis._bank_holidays must be what the package gives today;
    # regenerate it (see that module) when the package adds a bank holiday
    import holidays

    from qa_analysis.periods import bank_holidays

    days = sorted(holidays.country_holidays("GB", subdiv="ENG", years=range(1990, 2051)))
    np.testing.assert_array_equal(bank_holidays(), np.array(days, dtype="datetime64[D]"))


def test_bank_holidays_of_2020_are_the_eight_days_and_boxing_day():
    # 2020 (England): 1 Jan, 10 Apr, 13 Apr, 8 May, 25 May, 31 Aug, 25 Dec, 26 Dec (Boxing
    # Day, a Saturday, listed beside its substitute day), 28 Dec.
    from qa_analysis.periods import bank_holidays

    expected = np.array(["2020-01-01", "2020-04-10", "2020-04-13", "2020-05-08", "2020-05-25",
                         "2020-08-31", "2020-12-25", "2020-12-26", "2020-12-28"], dtype="datetime64[D]")
    every = bank_holidays()
    np.testing.assert_array_equal(every[(every >= expected[0]) & (every <= np.datetime64("2020-12-31"))], expected)

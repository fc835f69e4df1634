"""Comparators: England figures by year, and an authority's own comparators.csv (issue 16)."""

from __future__ import annotations

import pytest

from qa_analysis.errors import QAError
from qa_analysis.reference import (
    ENGLAND_FIGURES,
    comparators_for,
    comparison_sentence,
    england,
    load_comparators,
    reference_line,
)


def test_every_england_figure_states_its_source_and_year():
    for figure in ENGLAND_FIGURES:
        assert figure.source.startswith("DfE"), figure
        assert str(figure.year + 1) in figure.source, figure  # "year ending 31 March 2024" or "reporting year 2024"


def test_the_england_figure_is_the_one_for_the_year_asked():
    # domain.md 8: long-term stability 68% (2024, i.e. 2023-24) and 69% (2025, i.e. 2024-25).
    assert england("placements.pct_long_term_stable", 2023).value == 68.0
    assert england("placements.pct_long_term_stable", 2024).value == 69.0


def test_a_year_not_held_has_no_line_and_the_page_says_so():
    # No DfE long-term stability figure was found for 2019-20 (the published series starts at 2021).
    assert reference_line("placements.pct_long_term_stable", 2019) is None
    sentence = comparison_sentence("placements.pct_long_term_stable", 2019)
    assert sentence.startswith("No England figure for 2019-20 is held")
    assert "69% for 2024-25" in sentence and "not drawn" in sentence


def test_assessments_within_45_days_are_held_for_2024_25_only():
    assert reference_line("assessments.pct_within_45wd", 2020) is None
    assert "the latest held is 85.7% for 2024-25" in comparison_sentence("assessments.pct_within_45wd", 2020)


# The DfE's published national figures, year by year (financial year start: 2020 is 2020-21,
# the DfE's year ending 31 March 2021). Re-referrals: table C1, published to one decimal place,
# e.g. 2020-21 135,850 of 597,760 = 22.73% -> 22.7. Placements: Stability measures 2025,
# published to the whole per cent, e.g. 3+ placements 2020-21 7,400 of 80,780 = 9.16% -> 9;
# long-term stability 2020-21 20,000 of 28,640 = 69.8% -> 70.
@pytest.mark.parametrize(("metric", "year", "value"), [
    ("referrals.pct_re_referral_12m", 2019, 22.6),  # 145,390 / 642,980 = 22.61%
    ("referrals.pct_re_referral_12m", 2020, 22.7),
    ("referrals.pct_re_referral_12m", 2021, 21.5),  # 139,500 / 650,270 = 21.45%
    ("referrals.pct_re_referral_12m", 2022, 22.4),  # 143,770 / 640,430 = 22.45%
    ("referrals.pct_re_referral_12m", 2024, 22.6),  # 142,900 / 632,830 = 22.58%
    ("placements.pct_3plus_12m", 2020, 9.0),
    ("placements.pct_3plus_12m", 2021, 10.0),  # 8,210 / 82,090 = 10.0%
    ("placements.pct_3plus_12m", 2022, 11.0),  # 8,850 / 83,750 = 10.6%
    ("placements.pct_3plus_12m", 2023, 11.0),  # 8,860 / 83,530 = 10.6%
    ("placements.pct_3plus_12m", 2024, 10.0),  # 8,500 / 81,770 = 10.4%
    ("placements.pct_long_term_stable", 2020, 70.0),
    ("placements.pct_long_term_stable", 2021, 71.0),  # 20,830 / 29,510 = 70.6%
    ("placements.pct_long_term_stable", 2022, 68.0),  # 20,190 / 29,590 = 68.2%
])
def test_the_dfe_figure_of_each_year_is_held(metric, year, value):
    assert england(metric, year).value == value


def test_the_demo_year_draws_england_lines_with_their_year():
    assert reference_line("placements.pct_3plus_12m", 2020) == (9.0, "England 2020-21: 9%")
    assert comparison_sentence("referrals.pct_re_referral_12m", 2020).startswith("England 2020-21: 22.7% (DfE,")


def test_the_one_year_3plus_measure_is_never_given_the_two_year_figure():
    # The DfE's 23% (2023-24 and 2024-25) counts 3 or more placements in the previous 2 years.
    assert 23.0 not in [c.value for c in ENGLAND_FIGURES if c.metric == "placements.pct_3plus_12m"]
    assert all("during the year" in c.source for c in ENGLAND_FIGURES if c.metric == "placements.pct_3plus_12m")


def test_the_england_line_label_names_the_year():
    assert reference_line("referrals.pct_re_referral_12m", 2023) == (22.4, "England 2023-24: 22.4%")


def _write(tmp_path, text):
    (tmp_path / "comparators.csv").write_text(text, encoding="utf-8")
    return tmp_path


def test_comparators_csv_adds_statistical_neighbours_for_the_year(tmp_path):
    folder = _write(tmp_path, "metric,period,group,value,source\n"
                    "placements.pct_long_term_stable,2020-21,Statistical neighbours,71,LAIT 2021\n"
                    "placements.pct_long_term_stable,2019-20,Statistical neighbours,70,LAIT 2020\n")
    local = load_comparators(folder)

    found = comparators_for("placements.pct_long_term_stable", 2020, local)

    # England first (70% for 2020-21, held), then the authority's own row for the year.
    assert [(c.group, c.value, c.year_label) for c in found] == [
        ("England", 70.0, "2020-21"), ("Statistical neighbours", 71.0, "2020-21")]
    assert found[1].label == "Statistical neighbours 2020-21: 71%"
    assert "Statistical neighbours 2020-21: 71% (LAIT 2021)." in comparison_sentence(
        "placements.pct_long_term_stable", 2020, local)


def test_a_quarter_comparator_applies_to_that_quarter_only(tmp_path):
    local = load_comparators(_write(tmp_path, "metric,period,group,value,source\n"
                                    "visits.pct_timely,2020-21 Q3,Region,88.5,Regional benchmarking club\n"))
    assert comparators_for("visits.pct_timely", 2020, local, quarter="2020-21 Q3")[0].value == 88.5
    assert comparators_for("visits.pct_timely", 2020, local, quarter="2020-21 Q4") == []


def test_no_comparators_file_means_none(tmp_path):
    assert load_comparators(tmp_path) == []


def test_a_comparators_file_missing_a_column_is_refused_naming_it(tmp_path):
    with pytest.raises(QAError, match="comparators.csv: the column\\(s\\) source are missing"):
        load_comparators(_write(tmp_path, "metric,period,group,value\nx,2020-21,Region,1\n"))


def test_a_bad_period_names_the_row(tmp_path):
    with pytest.raises(QAError, match="comparators.csv row 2"):
        load_comparators(_write(tmp_path, "metric,period,group,value,source\nx,last year,Region,1,s\n"))

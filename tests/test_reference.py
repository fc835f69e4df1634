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
    assert reference_line("placements.pct_long_term_stable", 2020) is None
    sentence = comparison_sentence("placements.pct_long_term_stable", 2020)
    assert sentence.startswith("No England figure for 2020-21 is held")
    assert "69% for 2024-25" in sentence and "not drawn" in sentence


def test_the_one_year_3plus_measure_is_never_given_the_two_year_figure():
    assert [c for c in ENGLAND_FIGURES if c.metric == "placements.pct_3plus_12m"] == []
    assert "different measure" in comparison_sentence("placements.pct_3plus_12m", 2024)


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

    assert [(c.group, c.value, c.year_label) for c in found] == [("Statistical neighbours", 71.0, "2020-21")]
    assert found[0].label == "Statistical neighbours 2020-21: 71%"
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

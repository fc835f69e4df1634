"""The published set of the demo year 2020-21 (issue 13): every public page's figures,
suppressed together and audited."""

from __future__ import annotations

import pytest

from qa_analysis.config import DEFAULT_SETTINGS, DEMO_DATA_DIR
from qa_analysis.disclosure_audit import SUPPRESSED, audit
from qa_analysis.disclosure_relations import cell
from qa_analysis.io import load_data
from qa_analysis.published import annual_metrics, published_year, year_relations_all, year_values

YEAR = "2020-21"
QUARTERS = [f"{YEAR} Q{i}" for i in range(1, 5)]


@pytest.fixture(scope="module")
def data():
    return load_data(DEMO_DATA_DIR)


@pytest.fixture(scope="module")
def published(data):
    return published_year(data, YEAR)


def test_every_declared_relation_holds_on_the_demo_figures(data):
    # With nothing hidden the audit must find the figures consistent (it raises otherwise),
    # and the only things it can pin are unseen counts (numerators), never a hidden cell.
    values, keys, cells = year_values(data, YEAR)
    relations = year_relations_all(YEAR, QUARTERS, keys)

    findings = audit({c: values[c] for c in cells}, relations)

    assert [f.cell for f in findings if f.hidden] == []


def test_the_published_demo_year_passes_the_audit(published):
    assert audit(published.shown, published.relations) == []


def test_the_other_video_visits_of_q3_are_hidden_with_a_second_virtual_method(published):
    # 2020-21 Q3: other video 4 (c); the virtual 135 less the other virtual methods would give
    # it back, so at least one more virtual method is hidden.
    virtual = ["zoom", "whatsapp", "teams", "facetime", "phone", "other_video"]
    hidden = [m for m in virtual if published.value(QUARTERS[2], f"visits.method.{m}") == SUPPRESSED]

    assert "other_video" in hidden and len(hidden) >= 2


def test_the_largest_family_contacted_is_hidden_in_every_period(published):
    shown = [published.value(p, "contacts.max_children_per_family") for p in [*QUARTERS, YEAR]]

    assert shown == [SUPPRESSED] * 5
    assert published.reasons[cell(YEAR, "contacts.max_children_per_family")] == "it describes one family or one child"


def test_a_setting_allows_the_largest_family_figure(data):
    allowed = published_year(data, YEAR, DEFAULT_SETTINGS.replace(publish_single_family_figures=True))

    assert allowed.value(YEAR, "contacts.max_children_per_family") == 14


def test_no_published_count_is_from_1_to_5(published):
    small = {c: v for c, v in published.shown.items() if isinstance(v, int) and 1 <= v <= 5}

    assert small == {}


def test_a_percentage_with_a_small_complement_is_hidden(published):
    # 2020-21 Q1 (the example): 85.7% of 28 assessments within 45 working days is 24,
    # so 4 were late: the complement is 1 to 5 and the percentage is c.
    assert published.values[cell(QUARTERS[0], "assessments.timed")] == 28
    assert published.values[cell(QUARTERS[0], "assessments.within_45wd")] == 24
    assert published.value(QUARTERS[0], "assessments.pct_within_45wd") == SUPPRESSED


def test_the_internal_annual_metrics_are_the_year_figures_unchanged(data):
    from qa_analysis.annual import year_figures

    figures = year_figures(data, YEAR)

    payload = annual_metrics(data, YEAR, audience="internal")

    assert payload["metrics"] == {k: v["year"] for k, v in figures.items()}
    assert payload["quarters"][QUARTERS[0]] == {k: v["q1"] for k, v in figures.items()}

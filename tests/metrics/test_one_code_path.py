"""One code path per definition: the topic route (``quarter_metrics``, one call per topic) and the
key route (``registry.compute``, the key's own function) give the same figures on every demo
quarter; and every metric function takes a label, a Period or a Q-MAR pandas.Period alike.

Both routes are run here and compared with each other, so no expected value is written out:
the figures themselves are checked by the hand-worked unit tests and the back test.
"""

import pandas as pd
import pytest

from qa_analysis.config import DEMO_DATA_DIR
from qa_analysis.io import load_data
from qa_analysis.metrics import quarter_metrics, registry
from qa_analysis.metrics._common import pct
from qa_analysis.metrics.bases import metric_bases
from qa_analysis.periods import FinancialYear, Quarter, quarter_range

DEMO_QUARTERS = quarter_range("2019-20 Q1", "2021-22 Q4")


@pytest.fixture(scope="module")
def data():
    return load_data(DEMO_DATA_DIR)


def _key_route(data, period):
    out = {}
    for metric in registry.metrics():
        if not metric.available(data):
            continue
        if metric.is_pattern:
            out |= metric.compute(data, period)
        else:
            out[metric.key] = registry.compute(metric.key, data, period)
    return out


@pytest.mark.parametrize("quarter", DEMO_QUARTERS, ids=str)
def test_the_topic_route_and_the_key_route_agree(data, quarter):
    topic_route = quarter_metrics(data, quarter).metrics
    assert _key_route(data, quarter) == topic_route


def test_the_routes_agree_over_a_financial_year(data):
    year = FinancialYear(2020)
    topic_route = quarter_metrics(data, year).metrics
    assert _key_route(data, year) == topic_route


@pytest.mark.parametrize("quarter", DEMO_QUARTERS[4:8], ids=str)
def test_the_disclosure_bases_are_the_rates_denominators(data, quarter):
    rates = {m.key: m.rate(data, quarter) for m in registry.metrics() if m.kind != "count"}
    assert {k: r.denominator for k, r in rates.items()} == metric_bases(data, quarter)


@pytest.mark.parametrize("quarter", DEMO_QUARTERS[4:8], ids=str)
def test_each_percentage_is_the_ratio_of_its_counts(data, quarter):
    rates = {m.key: m.rate(data, quarter) for m in registry.metrics() if m.kind == "pct"}
    assert {k: r.value for k, r in rates.items()} == {k: pct(r.numerator, r.denominator) for k, r in rates.items()}


@pytest.mark.parametrize("key", [m.key for m in registry.metrics()])
def test_a_metric_function_takes_a_label_a_period_or_a_pandas_period(data, key):
    metric = registry.get(key)
    as_label = metric.compute(data, "2020-21 Q3")
    as_period = metric.compute(data, Quarter(2020, 3))
    as_pandas = metric.compute(data, pd.Period("2020-10-01", freq="Q-MAR"))
    assert (as_label == as_period, as_pandas == as_period) == (True, True)

"""A quarter's figures (``QuarterMetrics``): indexable by key, as a Series or a frame."""

import pandas as pd
import pytest

from qa_analysis.metrics import QuarterMetrics
from qa_analysis.metrics.registry import UnknownMetricError
from qa_analysis.periods import Quarter


@pytest.fixture
def result():
    return QuarterMetrics(
        Quarter(2020, 3),
        {"visits.total": 4, "visits.pct_face_to_face": 75.0, "visits.method.zoom": 1},
        ["audits left out: case_audits.csv not found"],
    )


def test_a_figure_by_key(result):
    assert result["visits.pct_face_to_face"] == 75.0


def test_a_code_absent_from_a_computed_breakdown_is_zero(result):
    # visits.method.* was computed and holds no phone visit
    assert result["visits.method.phone"] == 0


def test_an_unknown_key_is_refused_listing_the_keys(result):
    with pytest.raises(UnknownMetricError, match="visits.total"):
        result["visits.colour"]


def test_a_key_not_computed_says_why(result):
    with pytest.raises(KeyError, match="case_audits.csv not found"):
        result["audits.audits"]


def test_membership_and_length(result):
    assert ("visits.total" in result, "audits.audits" in result, len(result)) == (True, False, 3)


def test_to_series_keeps_counts_whole(result):
    expected = pd.Series(
        [4, 75.0, 1], index=pd.Index(["visits.total", "visits.pct_face_to_face", "visits.method.zoom"],
                                     name="key", dtype="str"),
        dtype=object, name="2020-21 Q3",
    )
    pd.testing.assert_series_equal(result.to_series(), expected)


def test_to_frame_has_one_row_per_key_with_topic_label_and_kind(result):
    expected = pd.DataFrame(
        {
            "quarter": pd.Series(["2020-21 Q3"] * 3, dtype="str"),
            "key": pd.Series(["visits.total", "visits.pct_face_to_face", "visits.method.zoom"], dtype="str"),
            "topic": pd.Series(["visits"] * 3, dtype="str"),
            "label": pd.Series(["Visits", "Visits face to face (%)", "Visits by method: zoom"], dtype="str"),
            "kind": pd.Series(["count", "pct", "count"], dtype="str"),
            "value": pd.Series([4, 75.0, 1], dtype=object),
        }
    )
    pd.testing.assert_frame_equal(result.to_frame(), expected)


def test_as_json_is_unchanged(result):
    assert result.as_json() == {
        "quarter": "2020-21 Q3", "start": "2020-10-01", "end": "2020-12-31",
        "metrics": {"visits.total": 4, "visits.pct_face_to_face": 75.0, "visits.method.zoom": 1},
    }

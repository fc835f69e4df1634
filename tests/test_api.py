"""The analyst's top-level API (issue 17 item 3): periods, topics, keys, definitions, display."""

import pandas as pd
import pytest

import qa_analysis as qa
from qa_analysis.errors import QuarterError, UnknownNameError


@pytest.fixture(scope="module")
def demo():
    return qa.load_data(qa.config.DEMO_DATA_DIR)


@pytest.mark.parametrize(
    "period",
    ["2020-21 Q3", "Q3 2020/21", qa.Quarter(2020, 3), pd.Period("2021Q3", freq="Q-MAR")],
)
def test_every_form_of_a_quarter_is_the_same_quarter(period):
    assert qa.api.as_quarter(period) == qa.Quarter(2020, 3)


def test_a_pandas_quarter_that_is_not_a_financial_quarter_is_refused():
    # Q-DEC 2020Q3 is July to September: a financial Q2, so accepted; a monthly period is not.
    assert qa.api.as_quarter(pd.Period("2020Q3", freq="Q-DEC")) == qa.Quarter(2020, 2)
    with pytest.raises(QuarterError, match="not a financial quarter"):
        qa.api.as_quarter(pd.Period("2020-07", freq="M"))


def test_one_topic_as_a_string_gives_that_topic(demo):
    result = qa.quarter_metrics(demo, "2020-21 Q3", topics="visits")
    assert {key.split(".", 1)[0] for key in result.metrics} == {"visits"}


def test_a_key_prefix_is_accepted_as_its_topic(demo):
    by_prefix = qa.quarter_metrics(demo, "2020-21 Q3", topics="placements").metrics
    by_topic = qa.quarter_metrics(demo, "2020-21 Q3", topics="placement_stability").metrics
    assert by_prefix == by_topic and "cla.at_quarter_end" in by_prefix


def test_an_unknown_topic_lists_the_topics(demo):
    with pytest.raises(UnknownNameError, match="placement_stability"):
        qa.quarter_metrics(demo, "2020-21 Q3", topics="placement")


def test_metric_series_takes_keys_start_and_end(demo):
    series = qa.metric_series(demo, keys=["placements.moves"], start="2020-21 Q1", end="2020-21 Q4")
    assert list(series["quarter"]) == ["2020-21 Q1", "2020-21 Q2", "2020-21 Q3", "2020-21 Q4"]
    assert set(series["key"]) == {"placements.moves"}


def test_metric_series_refuses_an_unknown_key(demo):
    with pytest.raises(KeyError, match="visits.total"):
        qa.metric_series(demo, keys=["visits.totl"], start="2020-21 Q1", end="2020-21 Q1")


def test_metric_series_takes_pandas_periods(demo):
    by_label = qa.metric_series(demo, keys="visits.total", start="2020-21 Q1", end="2020-21 Q2")
    by_period = qa.metric_series(
        demo, keys="visits.total", start=pd.Period("2021Q1", freq="Q-MAR"), end=pd.Period("2021Q2", freq="Q-MAR")
    )
    pd.testing.assert_frame_equal(by_label, by_period)


def test_definition_opens_with_the_key_and_its_words():
    text = qa.definition("placements.moves")
    assert text.startswith("placements.moves: ") and "move" in text.splitlines()[0].lower()


def test_definition_of_a_rate_names_its_numerator_and_denominator():
    text = qa.definition("visits.pct_seen_alone")
    assert "Numerator:" in text and "Denominator:" in text


def test_definition_of_an_unknown_key_lists_the_keys():
    with pytest.raises(KeyError, match="recommendations.overdue_at_quarter_end"):
        qa.definition("recommendations.overdue")


def test_every_metric_key_has_a_cases_list():
    from qa_analysis.cases import cases_keys

    assert set(qa.metric_keys()) == set(cases_keys())


def test_topic_names_and_key_prefixes_agree():
    # Every key's prefix is accepted as a topic, and maps to the topic that computes it.
    for key in qa.metric_keys():
        prefix = key.split(".", 1)[0]
        assert qa.api.resolve_topics(prefix) == (qa.api.topic_of_key(key),)


# --- the loaded data in a notebook: a summary, never rows -------------------------------


@pytest.fixture
def identifying(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "ssda903_header.csv").write_text(
        "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nZQ7741,1,17/03/2009,WBRI,A123456789012,,\n"
    )
    (folder / "visits.csv").write_text(
        "visit_id,child_id,cohort,visit_date,modality,method,child_seen,seen_alone,worker_id\n"
        "VX991,ZQ7741,CLA,05/10/2020,face_to_face,home,Y,Y,WORKER_JONES\n"
    )
    return qa.load_data(folder)


@pytest.mark.parametrize("show", [repr, lambda d: d._repr_html_()])
def test_the_data_display_holds_no_identifier(identifying, show):
    text = show(identifying)
    leaked = [v for v in ("ZQ7741", "A123456789012", "17/03/2009", "2009-03-17", "VX991", "WORKER_JONES")
              if v in text]
    assert leaked == []


@pytest.mark.parametrize("show", [repr, lambda d: d._repr_html_()])
def test_the_data_display_gives_tables_rows_and_coverage(identifying, show):
    text = show(identifying)
    assert all(part in text for part in ("visits.csv", "ssda903_header.csv", "05/10/2020", "set aside"))


def test_the_quarter_result_is_indexable_by_key_and_converts(demo):
    result = qa.quarter_metrics(demo, "2020-21 Q3")
    series, frame = result.to_series(), result.to_frame()
    assert result["placements.moves"] == series["placements.moves"] == result.metrics["placements.moves"]
    assert len(frame) == len(result.metrics) and {"quarter", "key", "value"} <= set(frame.columns)


def test_a_mistyped_key_on_the_result_is_an_error_not_nan(demo):
    with pytest.raises(KeyError, match="placements.moves"):
        qa.quarter_metrics(demo, "2020-21 Q3")["placements.movez"]

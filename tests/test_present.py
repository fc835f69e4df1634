"""What the notebooks call to present figures (qa_analysis.present)."""

import pandas as pd
import pytest

from qa_analysis import present
from qa_analysis.config import DEFAULT_SETTINGS, DEMO_DATA_DIR, PROJECT_ROOT
from qa_analysis.errors import QuarterError
from qa_analysis.io import load_data
from qa_analysis.periods import parse_quarter
from qa_analysis.present import (
    ParameterError,
    ReportContext,
    aggregate_table_html,
    data_quality_html,
    format_count,
    format_pct,
    resolve_data_dir,
    start_report,
)

VISITS_HEADER = "visit_id,child_id,cohort,visit_date,modality,method,child_seen,seen_alone,worker_id\n"


# --- formatting ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0, "0"), (7, "7"), (1234, "1,234"), (28.0, "28"), (28.5, "28.5"), ("c", "c"), (None, "not available")],
)
def test_format_count(value, shown):
    assert format_count(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [(45.2, "45.2%"), (100.0, "100.0%"), (0.0, "0.0%"), (7, "7.0%"), ("c", "c"), (None, "not available")],
)
def test_format_pct(value, shown):
    assert format_pct(value) == shown


def test_format_count_treats_nan_as_not_available():
    assert format_count(float("nan")) == "not available"
    assert format_pct(float("nan")) == "not available"


# --- ReportContext numbers by audience ----------------------------------------------


def _context(audience):
    # visits.pct_seen_alone rests on 4 visits where the child was seen; pct_face_to_face on 40.
    metrics = {
        "visits.total": 40, "visits.virtual": 3, "visits.face_to_face": 37,
        "visits.pct_face_to_face": 92.5, "visits.pct_seen_alone": 50.0, "visits.pct_timely": None,
    }
    bases = {"visits.pct_face_to_face": 40, "visits.pct_seen_alone": 4, "visits.pct_timely": 0}
    return ReportContext(
        "visits", data=None, settings=DEFAULT_SETTINGS, audience=audience,
        quarter=parse_quarter("2020-21 Q1"), metrics=metrics, bases=bases,
    )


def test_internal_shows_counts_and_percentages_as_they_are():
    ctx = _context("internal")
    assert (ctx.value("visits.virtual"), ctx.n("visits.virtual"), ctx.n("visits.total")) == (3, "3", "40")
    assert ctx.p("visits.pct_seen_alone") == "50.0%"


def test_public_shows_a_count_of_3_as_c():
    ctx = _context("public")
    assert ctx.value("visits.virtual") == "c"
    assert ctx.n("visits.virtual") == "c"


def test_public_shows_a_percentage_on_a_base_of_4_as_c():
    assert _context("public").p("visits.pct_seen_alone") == "c"


def test_public_keeps_the_total_but_hides_what_would_give_a_small_count_back():
    ctx = _context("public")
    # 40 = 37 face to face + 3 virtual. 3 is c; 40 - 37 would give it back, so 37 goes too
    # (the cheapest other cell of that line; the total is dearer); 92.5% of 40 has the
    # complement 3 (virtual), so it is c. 40 stays: c + c = 40 pins neither.
    assert (ctx.n("visits.total"), ctx.n("visits.face_to_face")) == ("40", "c")
    assert ctx.p("visits.pct_face_to_face") == "c"


def test_a_percentage_with_a_zero_base_is_not_available_in_both_audiences():
    assert _context("internal").p("visits.pct_timely") == "not available"
    assert _context("public").p("visits.pct_timely") == "not available"


def test_a_key_not_computed_is_not_available():
    assert _context("internal").n("contacts.total") == "not available"


def test_context_count_suppresses_counts_computed_in_a_notebook():
    assert (_context("public").count(2), _context("public").count(0), _context("public").count(6)) == ("c", "0", "6")
    assert _context("internal").count(2) == "2"


# --- parameters -------------------------------------------------------------------------


def test_a_relative_data_dir_is_taken_from_the_project_root_not_the_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resolve_data_dir("data/demo") == PROJECT_ROOT / "data" / "demo"


def test_the_notebook_default_data_dir_follows_qa_analysis_data(monkeypatch, tmp_path):
    monkeypatch.setenv("QA_ANALYSIS_DATA", str(tmp_path))
    assert (resolve_data_dir("data/demo"), resolve_data_dir("")) == (tmp_path, tmp_path)


def test_an_explicit_data_dir_wins_over_qa_analysis_data(monkeypatch, tmp_path):
    monkeypatch.setenv("QA_ANALYSIS_DATA", str(tmp_path / "elsewhere"))
    assert resolve_data_dir(str(tmp_path)) == tmp_path


def test_a_relative_data_dir_is_taken_from_the_working_directory_first(tmp_path, monkeypatch):
    (tmp_path / "my_data").mkdir()
    monkeypatch.chdir(tmp_path)
    assert resolve_data_dir("my_data") == tmp_path / "my_data"


def test_an_absolute_data_dir_is_kept(tmp_path):
    assert resolve_data_dir(str(tmp_path)) == tmp_path


def test_start_report_refuses_a_bad_audience():
    with pytest.raises(ParameterError, match="audience.*'everyone'"):
        start_report("visits", quarter="2020-21 Q1", data_dir=str(DEMO_DATA_DIR), audience="everyone")


def test_start_report_refuses_a_bad_quarter_listing_the_forms():
    with pytest.raises(QuarterError, match="2020-21 Q1.*Q1 2020/21"):
        start_report("visits", quarter="2020-21 Q7", data_dir=str(DEMO_DATA_DIR))


def test_start_report_refuses_a_missing_folder(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(ParameterError, match="nowhere.*not a folder"):
        start_report("visits", quarter="2020-21 Q1", data_dir=str(missing))


def test_start_report_refuses_no_period():
    with pytest.raises(ParameterError, match="quarter"):
        start_report("visits", data_dir=str(DEMO_DATA_DIR))


def test_start_report_on_a_tiny_folder_computes_the_quarter(tmp_path):
    (tmp_path / "visits.csv").write_text(
        VISITS_HEADER
        + "V9000001,C900001,CLA,2020-04-10,virtual,zoom,Y,N,W901\n"
        + "V9000002,C900002,CP,2020-05-11,face_to_face,home,Y,Y,W901\n"
    )
    ctx = start_report("visits", quarter="Q1 2020/21", data_dir=str(tmp_path))
    # Two visits in 1 April to 30 June 2020, one face to face: 50.0%.
    assert (ctx.period_label, ctx.n("visits.total"), ctx.p("visits.pct_face_to_face")) == ("2020-21 Q1", "2", "50.0%")


# --- sections ---------------------------------------------------------------------------


@pytest.fixture
def one_bad_row(tmp_path):
    (tmp_path / "visits.csv").write_text(
        VISITS_HEADER
        + "V9000001,C900001,CLA,2020-04-10,virtual,zoom,Y,N,W901\n"
        + "V9000002,C900002,QQZEBRA,2020-04-11,virtual,zoom,Y,N,W901\n"  # unknown cohort code
    )
    return load_data(tmp_path)


def test_data_quality_shows_rows_read_accepted_and_set_aside(one_bad_row):
    html = data_quality_html(one_bad_row, "visits")
    # 2 rows read, 1 accepted, 1 set aside.
    assert '<td>visits.csv</td><td class="num">2</td><td class="num">1</td><td class="num">1</td>' in html


def test_data_quality_gives_the_rule_and_column_but_never_the_values(one_bad_row):
    html = data_quality_html(one_bad_row, "visits")
    assert "cohort" in html and "not a known code" in html
    for value in ("QQZEBRA", "V9000002", "C900002", "W901", "2020-04-11"):
        assert value not in html


def test_data_quality_says_when_nothing_was_set_aside():
    html = data_quality_html(load_data(DEMO_DATA_DIR), "visits")
    assert "No row was set aside." in html


def test_aggregate_table_escapes_html():
    frame = pd.DataFrame({"theme": ["<script>alert(1)</script> & co"], "audits": [7]})
    html = aggregate_table_html(frame, caption="Audits <by> theme")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert "<caption>Audits &lt;by&gt; theme</caption>" in html


def test_aggregate_table_formats_counts_and_suppressed_cells():
    frame = pd.DataFrame({"theme": ["visits", "planning"], "audits": [1234, "c"]}, dtype=object)
    html = aggregate_table_html(frame, caption="Audits by theme")
    assert '<td class="num">1,234</td>' in html and '<td class="num">c</td>' in html


def test_aggregate_table_keeps_quarter_labels_in_headers_as_written():
    # The summary's comparison table has a column per quarter; 'q1' would misname it.
    frame = pd.DataFrame({"Figure": ["Visits"], "2019-20 Q4": ["211"], "2020-21 Q1": ["200"]})
    html = aggregate_table_html(frame, caption="Visits")
    assert ">2019-20 Q4</th>" in html and ">2020-21 Q1</th>" in html


# --- what changed, targets, links, definitions (issue 16) -------------------------------------


@pytest.fixture
def visits_series(tmp_path):
    """Visits over five quarters, worked by hand.

    2019-20 Q4: 4 visits (2 face to face)  -> 50.0%
    2020-21 Q1: 2 visits (0 face to face)  ->  0.0%
    2020-21 Q2: 1 visit  (1)               -> 100.0%
    2020-21 Q3: 4 visits (1)               -> 25.0%
    2020-21 Q4: 5 visits (4)               -> 80.0%
    """
    rows = []
    plan = {"2020-01-15": [1, 1, 0, 0], "2020-04-15": [0, 0], "2020-07-15": [1],
            "2020-10-15": [1, 0, 0, 0], "2021-01-15": [1, 1, 1, 1, 0]}
    n = 0
    for date, modes in plan.items():
        for f2f in modes:
            n += 1
            mode, method = ("face_to_face", "home") if f2f else ("virtual", "zoom")
            rows.append(f"V{9000000 + n},C{900000 + n},CLA,{date},{mode},{method},Y,N,W901\n")
    (tmp_path / "visits.csv").write_text(VISITS_HEADER + "".join(rows))
    return tmp_path


def test_changes_are_points_for_percentages_and_counts_with_per_cent(visits_series):
    ctx = start_report("visits", quarter="2020-21 Q4", data_dir=str(visits_series))
    # 80.0% against 25.0% (Q3): up 55.0 points; against 50.0% (2019-20 Q4): up 30.0 points.
    assert ctx.changes("visits.pct_face_to_face") == "up 55.0 points on Q3 and up 30.0 points on 2019-20 Q4"
    # 5 visits against 4 (Q3): up 1 (25.0%); against 4 (2019-20 Q4): up 1 (25.0%).
    assert ctx.changes("visits.total") == "up 1 (25.0%) on Q3 and up 1 (25.0%) on 2019-20 Q4"


def test_a_quarter_before_the_data_starts_is_not_compared_as_zero(visits_series):
    ctx = start_report("visits", quarter="2020-21 Q1", data_dir=str(visits_series))
    # 2 visits against 4 in 2019-20 Q4: down 2 (50.0%); 2019-20 Q1 is before the data starts.
    assert ctx.change_parts("visits.total") == ["down 2 (50.0%) on 2019-20 Q4", "no figure for 2019-20 Q1 to compare with"]


def test_status_against_a_local_target_in_words(visits_series, tmp_path):
    settings = tmp_path / "settings.yml"
    settings.write_text("targets:\n  visits.pct_face_to_face: {target: 85, tolerance: 10}\n", encoding="utf-8")
    ctx = start_report("visits", quarter="2020-21 Q4", data_dir=str(visits_series), settings_file=str(settings))
    # 80.0 against 85: 5.0 points below, within 10 -> amber, in words and with its class.
    assert ctx.status_html("visits.pct_face_to_face") == (
        '<span class="rag rag-amber">Amber: 5.0 points below the 85% target, within the tolerance of 10.0 points.</span>'
    )
    assert ctx.target_line("visits.pct_face_to_face") == (85.0, "Target for visits made face to face: 85%")


def test_the_summary_table_has_changes_and_a_sparkline_per_figure(visits_series):
    from qa_analysis.present import headline_table_html

    ctx = start_report("summary", quarter="2020-21 Q4", data_dir=str(visits_series))
    table = headline_table_html(ctx, {"visits.total": "Visits", "visits.pct_face_to_face": "Visits made face to face"}, "Visits")

    assert '<td class="num" data-metric="visits.total">5</td><td>up 1 (25.0%)</td>' in table
    assert table.count('class="sparkline"') == 2
    # The trend starts where the data does (2019-20 Q4), not on the empty quarters before it.
    assert 'alt="Trend of visits, 2019-20 Q4 to 2020-21 Q4: 2019-20 Q4 4, 2020-21 Q1 2, 2020-21 Q2 1, 2020-21 Q3 4, 2020-21 Q4 5."' in table


def test_a_headline_marks_its_figures_and_says_what_changed(visits_series):
    ctx = start_report("visits", quarter="2020-21 Q4", data_dir=str(visits_series))
    line = ctx.headline("visits.total", f"{ctx.fig('visits.total')} visits took place")
    assert line == ('- <strong data-metric="visits.total">5</strong> visits took place. '
                    "That is up 1 (25.0%) on Q3 and up 1 (25.0%) on 2019-20 Q4.")


def test_a_headline_without_a_figure_this_quarter_says_nothing_about_change(visits_series):
    # visits_series holds no audits: no figure for 2020-21 Q4, so nothing to compare.
    ctx = start_report("visits", quarter="2020-21 Q4", data_dir=str(visits_series))
    assert ctx.headline("audits.pct_good_or_better", "No overall grade was given") == "- No overall grade was given."


def test_page_links_follow_the_batch_and_the_output_layout(visits_series):
    from qa_analysis.present import nav_html

    ctx = start_report("visits", quarter="2020-21 Q2", data_dir=str(visits_series))
    links = nav_html(ctx, "2020-21 Q1,2020-21 Q2")
    assert '<a href="../2020-21_Q1/visits.html">Visits to children, 2020-21 Q1</a>' in links
    assert "2020-21_Q3" not in links  # not in this batch, so no link to a page that does not exist
    assert '<a href="../2020-21_Q2/summary.html">Quarterly summary</a>' in links
    assert '<a href="../index.html">All reports (index)</a>' in links


def test_other_topic_links_follow_the_topics_of_the_batch(visits_series):
    from qa_analysis.present import nav_html

    ctx = start_report("visits", quarter="2020-21 Q2", data_dir=str(visits_series))
    links = nav_html(ctx, "2020-21 Q2", "visits,summary")  # report --topics visits,summary
    assert '<a href="../2020-21_Q2/summary.html">Quarterly summary</a>' in links
    for absent in ("referrals", "placement_stability", "audits"):
        assert f"2020-21_Q2/{absent}.html" not in links


def test_a_topic_whose_files_are_absent_gets_no_link(visits_series):
    from qa_analysis.present import linked_topic_names

    # visits_series holds visits.csv only: the batch skips referrals, placements and audits.
    ctx = start_report("summary", quarter="2020-21 Q2", data_dir=str(visits_series))
    assert linked_topic_names(ctx, "") == ["visits"]


def test_definitions_are_plain_english_with_the_figure_name_and_no_code():
    from qa_analysis.present import definitions_markdown

    text = definitions_markdown(["visits.pct_timely", "placements.reason.<code>"])
    assert text.startswith("- **Visits on time**: Visits in the quarter that came within")
    assert "`" not in text and "DESIGN" not in text and ":func:" not in text


def test_codes_are_shown_as_their_descriptions():
    from qa_analysis.io.tables import REASON_PLACE_CHANGE_LABELS
    from qa_analysis.present import describe, words

    assert describe("CARPL", REASON_PLACE_CHANGE_LABELS) == "Change to or implementation of care plan"
    assert describe("ZZZ", REASON_PLACE_CHANGE_LABELS) == "ZZZ"
    assert words("requires_improvement") == "Requires improvement"
    assert words("semi_independent") == "Semi-independent"


def test_a_breakdown_with_most_figures_withheld_is_a_sentence_not_a_table_of_c():
    # 3 of the 4 figures are c and one is shown: more hidden than shown.
    frame = pd.DataFrame({"theme": ["a", "b", "c", "d"], "Raised": ["c", "c", "c", 7]}, dtype=object)

    html = present.breakdown_html(frame, "Recommendations by theme", ["Raised"])

    assert "<table" not in html and "The table of recommendations by theme is not shown" in html


def test_a_breakdown_with_most_figures_shown_is_a_table():
    frame = pd.DataFrame({"theme": ["a", "b", "c"], "Raised": ["c", 8, 7]}, dtype=object)

    assert "<table" in present.breakdown_html(frame, "Recommendations by theme", ["Raised"])


def test_a_breakdown_rate_whose_complement_is_small_is_c_in_public():
    # CLA: 9 seen alone of 10 seen, so 1 was not seen alone: 90.0% gives the 1 back.
    # CP: 20 of 40, every count above 5: shown.
    frame = pd.DataFrame({"cohort": ["CLA", "CP"], "seen_alone": [9, 20], "seen": [10, 40],
                          "pct_seen_alone": [90.0, 50.0]})

    shown = _context("public").rates(frame, "pct_seen_alone", "seen_alone", "seen")

    assert shown["pct_seen_alone"].tolist() == ["c", 50.0]


def test_visit_methods_are_named_as_their_makers_write_them():
    from qa_analysis.present import method_words

    assert [method_words(c) for c in ("whatsapp", "facetime", "other_video", "home")] == [
        "WhatsApp", "FaceTime", "Other video", "Home"]

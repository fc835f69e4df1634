import base64
import re

import matplotlib as mpl
import pandas as pd
import pytest

from qa_analysis.charts import (
    BACKGROUND,
    NO_DATA,
    PALETTE,
    REFERENCE_COLOUR,
    TEXT_COLOUR,
    Chart,
    apply_house_style,
    bar_chart,
    contrast_ratio,
    funnel_chart,
    heatmap_chart,
    line_chart,
    sparkline_html,
    stacked_bar_chart,
    text_overlaps,
    to_png_bytes,
)
from qa_analysis.periods import Quarter  # noqa: E402 - after the chart names

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _visits_by_method() -> pd.DataFrame:
    return pd.DataFrame({"method": ["Home", "Zoom", "Phone", "Teams"], "visits": [120, 80, "c", 0]})


def _texts(chart: Chart) -> list[str]:
    return [text.get_text() for text in chart.ax.texts]


# --- style ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(PALETTE))
def test_every_palette_colour_has_3_to_1_contrast_with_the_background(name):
    assert contrast_ratio(PALETTE[name], BACKGROUND) >= 3


def test_text_colour_has_4_5_to_1_contrast_with_the_background():
    assert contrast_ratio(TEXT_COLOUR, BACKGROUND) >= 4.5


def test_reference_lines_use_a_palette_colour():
    assert REFERENCE_COLOUR in PALETTE.values()


def test_black_on_white_is_21_to_1():
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21)


def test_a_colour_against_itself_is_1_to_1():
    assert contrast_ratio("#12436D", "#12436D") == pytest.approx(1)


def test_contrast_ratio_is_the_same_either_way_round():
    assert contrast_ratio("#FFFFFF", "#28A197") == pytest.approx(contrast_ratio("#28A197", "#FFFFFF"))


def test_apply_house_style_sets_rcparams():
    with mpl.rc_context():
        apply_house_style()

        assert (mpl.rcParams["font.size"], mpl.rcParams["axes.spines.top"]) == (11, False)


# --- bar_chart ------------------------------------------------------------------------------


def test_bar_chart_alt_lists_every_value_and_the_reference():
    chart = bar_chart(
        _visits_by_method(), "method", "visits", "Most visits were at home", "Method", "Visits",
        reference=(90, "England"),
    )

    assert chart.alt == (
        "Bar chart of visits by method: Home 120, Zoom 80, Phone c, Teams 0. "
        "The dashed line shows England: 90. "
        "Values shown as c are suppressed to protect confidentiality."
    )


def test_bar_chart_value_axis_starts_at_zero_and_axes_are_labelled():
    chart = bar_chart(_visits_by_method(), "method", "visits", "Most visits were at home", "Method", "Visits")

    assert chart.ax.get_ylim()[0] == 0
    assert (chart.ax.get_xlabel(), chart.ax.get_ylabel()) == ("Method", "Visits")
    assert chart.title == "Most visits were at home"
    assert chart.ax.get_title(loc="left") == "Most visits were at home"


def test_bar_chart_draws_a_suppressed_value_as_a_zero_height_bar_labelled_c():
    chart = bar_chart(_visits_by_method(), "method", "visits", "Most visits were at home", "Method", "Visits")

    heights = [bar.get_height() for bar in chart.ax.patches]

    assert heights == [120, 80, 0, 0]
    assert _texts(chart) == ["120", "80", "c", "0"]


def test_horizontal_bar_chart_starts_at_zero_with_the_value_label_on_the_value_axis():
    chart = bar_chart(
        _visits_by_method(), "method", "visits", "Most visits were at home", "Method", "Visits", horizontal=True
    )

    assert chart.ax.get_xlim()[0] == 0
    assert (chart.ax.get_xlabel(), chart.ax.get_ylabel()) == ("Visits", "Method")


def test_grouped_bar_chart_alt_lists_values_by_category_and_series():
    frame = pd.DataFrame(
        {"quarter": ["Q1", "Q1", "Q2", "Q2"], "cohort": ["CLA", "CP", "CLA", "CP"], "pct": [80.5, 70.0, 85.0, None]}
    )

    chart = bar_chart(frame, "quarter", "pct", "Timeliness improved", "Quarter", "% on time", hue="cohort", percent=True)

    assert chart.alt == (
        "Bar chart of % on time by quarter and cohort: Q1: CLA 80.5%, CP 70.0%; Q2: CLA 85.0%, CP n/a."
    )
    assert chart.ax.get_ylim() == (0, 100)


def test_bar_chart_hue_that_only_colours_draws_one_centred_bar_per_category():
    # Each method has one modality: bars sit on their ticks (0 and 1) with no "n/a" gaps.
    frame = pd.DataFrame(
        {"method": ["Home", "Zoom"], "modality": ["Face to face", "Virtual"], "visits": [120, 80]}
    )

    chart = bar_chart(frame, "method", "visits", "Most visits were at home", "Method", "Visits", hue="modality")

    centres = [bar.get_x() + bar.get_width() / 2 for bar in chart.ax.patches]
    assert centres == pytest.approx([0, 1])
    assert _texts(chart) == ["120", "80"]
    assert chart.alt == "Bar chart of visits by method and modality: Home: Face to face 120; Zoom: Virtual 80."


def test_bar_chart_alt_lists_every_value_however_many():
    # Twenty categories valued 1..20: all twenty read out, none left as "and 5 more".
    frame = pd.DataFrame({"team": [f"T{i}" for i in range(1, 21)], "audits": list(range(1, 21))})

    chart = bar_chart(frame, "team", "audits", "Audits by team", "Team", "Audits", period="2020-21 Q3")

    listed = ", ".join(f"T{i} {i}" for i in range(1, 21))
    assert chart.alt == f"Bar chart of audits by team, 2020-21 Q3: {listed}."


def test_bar_chart_of_an_empty_frame_says_there_is_no_data():
    frame = pd.DataFrame({"method": pd.Series([], dtype=object), "visits": pd.Series([], dtype=object)})

    chart = bar_chart(frame, "method", "visits", "Visits by method", "Method", "Visits")

    assert chart.alt == "Bar chart of visits by method: no data for this period."
    assert NO_DATA in _texts(chart)


def test_bar_chart_names_a_missing_column():
    with pytest.raises(ValueError, match="'count'"):
        bar_chart(_visits_by_method(), "method", "count", "t", "Method", "Visits")


# --- stacked_bar_chart ----------------------------------------------------------------------


def _visits_by_month() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": ["Apr", "Apr", "May", "May"],
            "modality": ["face to face", "virtual", "face to face", "virtual"],
            "visits": [100, 40, 90, "c"],
        }
    )


def test_stacked_bar_chart_alt_lists_parts_and_totals():
    # Apr: 100 + 40 = 140; May: 90 shown plus a suppressed part.
    chart = stacked_bar_chart(_visits_by_month(), "month", "visits", "modality", "Most visits were face to face",
                              "Month", "Visits")

    assert chart.alt == (
        "Stacked bar chart of visits by month and modality: "
        "Apr: face to face 100, virtual 40, total 140; "
        "May: face to face 90, virtual c, total 90 plus suppressed values. "
        "Values shown as c are suppressed to protect confidentiality."
    )


def test_stacked_bar_chart_stacks_from_zero_and_marks_a_stack_with_a_suppressed_part():
    chart = stacked_bar_chart(_visits_by_month(), "month", "visits", "modality", "Most visits were face to face",
                              "Month", "Visits")

    # Patches: face to face for Apr, May, then virtual for Apr (on 100), May (0 high, on 90).
    bottoms_and_heights = [(bar.get_y(), bar.get_height()) for bar in chart.ax.patches]

    assert chart.ax.get_ylim()[0] == 0
    assert bottoms_and_heights == [(0, 100), (0, 90), (100, 40), (90, 0)]
    assert "90 + c" in _texts(chart)
    assert (chart.ax.get_xlabel(), chart.ax.get_ylabel()) == ("Month", "Visits")


def test_stacked_bar_chart_of_an_empty_frame_says_there_is_no_data():
    chart = stacked_bar_chart(_visits_by_month().iloc[0:0], "month", "visits", "modality", "t", "Month", "Visits")

    assert chart.alt == "Stacked bar chart of visits by month and modality: no data for this period."


# --- line_chart -----------------------------------------------------------------------------


def _trend() -> pd.DataFrame:
    return pd.DataFrame({"quarter": ["2020-21 Q1", "2020-21 Q2", "2020-21 Q3"], "pct": [10.2, "c", 9.5]})


def test_line_chart_alt_gives_the_span_and_each_point():
    chart = line_chart(_trend(), "quarter", "pct", "Stability held steady", "Quarter", "% of CLA", percent=True,
                       reference=(10.0, "England"))

    assert chart.alt == (
        "Line chart of % of CLA by quarter, 2020-21 Q1 to 2020-21 Q3: "
        "2020-21 Q1 10.2%, 2020-21 Q2 c, 2020-21 Q3 9.5%. "
        "The dashed line shows England: 10.0%. "
        "Values shown as c are suppressed to protect confidentiality."
    )


def test_line_chart_of_percentages_runs_from_0_to_100_and_marks_a_suppressed_point():
    chart = line_chart(_trend(), "quarter", "pct", "Stability held steady", "Quarter", "% of CLA", percent=True)

    assert chart.ax.get_ylim() == (0, 100)
    assert "c" in _texts(chart)
    assert (chart.ax.get_xlabel(), chart.ax.get_ylabel()) == ("Quarter", "% of CLA")


def test_line_chart_y_max_sets_the_top_of_the_axis():
    chart = line_chart(_trend(), "quarter", "pct", "Stability held steady", "Quarter", "% of CLA", percent=True,
                       y_max=20)

    assert chart.ax.get_ylim() == (0, 20)


def test_line_chart_with_series_lists_each_series():
    frame = pd.DataFrame(
        {"quarter": ["Q1", "Q2", "Q1", "Q2"], "method": ["zoom", "zoom", "phone", "phone"], "visits": [4, 6, 10, 8]}
    )

    chart = line_chart(frame, "quarter", "visits", "Zoom visits rose", "Quarter", "Visits", hue="method")

    # Each series summarised (first, last, highest, lowest); the full figures go in a table.
    assert chart.alt == (
        "Line chart of visits by quarter, Q1 to Q2, by method, 2 series: "
        "zoom: 4 in Q1 to 6 in Q2, highest 6 (Q2), lowest 4 (Q1); "
        "phone: 10 in Q1 to 8 in Q2, highest 10 (Q1), lowest 8 (Q2). "
        "The full figures are in the table below the chart."
    )
    assert chart.table.to_dict("list") == {"Quarter": ["Q1", "Q2"], "zoom": ["4", "6"], "phone": ["10", "8"]}


def test_line_chart_of_an_empty_frame_says_there_is_no_data():
    chart = line_chart(_trend().iloc[0:0], "quarter", "pct", "t", "Quarter", "% of CLA")

    assert chart.alt == "Line chart of % of CLA by quarter: no data for this period."


# --- heatmap_chart --------------------------------------------------------------------------


def _grades() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "domain": ["Assessment", "Assessment", "Planning", "Planning"],
            "grade": ["Good", "Inadequate", "Good", "Outstanding"],
            "audits": [7, "c", 12, 0],
        }
    )


def test_heatmap_alt_lists_the_non_zero_cells():
    # Cells: Assessment/Good 7, Assessment/Inadequate c, Assessment/Outstanding absent -> 0,
    # Planning/Good 12, Planning/Inadequate absent -> 0, Planning/Outstanding 0.
    chart = heatmap_chart(_grades(), "domain", "grade", "audits", "Planning was most often good", "Grade", "Domain")

    assert chart.alt == (
        "Heatmap of audits by domain (rows) and grade (columns): "
        "Assessment / Good 7, Assessment / Inadequate c, Planning / Good 12. All other cells are 0. "
        "Values shown as c are suppressed to protect confidentiality."
    )


def test_heatmap_annotates_every_cell_and_labels_the_axes():
    chart = heatmap_chart(_grades(), "domain", "grade", "audits", "Planning was most often good", "Grade", "Domain")

    assert _texts(chart) == ["7", "c", "0", "12", "0", "0"]
    assert (chart.ax.get_xlabel(), chart.ax.get_ylabel()) == ("Grade", "Domain")


def test_heatmap_of_an_empty_frame_says_there_is_no_data():
    chart = heatmap_chart(_grades().iloc[0:0], "domain", "grade", "audits", "t", "Grade", "Domain")

    assert chart.alt == "Heatmap of audits by domain (rows) and grade (columns): no data for this period."


# --- funnel_chart ---------------------------------------------------------------------------


def test_funnel_alt_gives_each_stage_and_its_share_of_the_stage_before():
    # 400 / 1200 = 33.3%; 300 / 400 = 75.0%; the last stage is suppressed so it has no share.
    frame = pd.DataFrame({"stage": ["Contacts", "Referrals", "Assessments", "Plans"], "n": [1200, 400, 300, "c"]})

    chart = funnel_chart(frame, "stage", "n", "A third of contacts led to a referral")

    assert chart.alt == (
        "Funnel chart of number at each stage: Contacts 1,200, Referrals 400 (33.3% of Contacts), "
        "Assessments 300 (75.0% of Referrals), Plans c. "
        "Values shown as c are suppressed to protect confidentiality."
    )
    assert chart.ax.get_xlim()[0] == 0
    assert (chart.ax.get_xlabel(), chart.ax.get_ylabel()) == ("Number", "Stage")


def test_funnel_shares_round_half_away_from_zero_like_the_figures():
    # 37 / 80 = 46.25% exactly: half away from zero gives 46.3% (Python's round gives 46.2).
    frame = pd.DataFrame({"stage": ["Contacts", "Referrals"], "n": [80, 37]})

    chart = funnel_chart(frame, "stage", "n", "t")

    assert chart.alt == "Funnel chart of number at each stage: Contacts 80, Referrals 37 (46.3% of Contacts)."


def test_funnel_of_an_empty_frame_says_there_is_no_data():
    chart = funnel_chart(pd.DataFrame({"stage": [], "n": []}), "stage", "n", "t")

    assert chart.alt == "Funnel chart of number at each stage: no data for this period."


# --- rendering ------------------------------------------------------------------------------


def test_repr_html_is_a_figure_with_an_escaped_alt_and_an_embedded_png():
    frame = pd.DataFrame({"placement": ["Foster & kinship", "Residential"], "children": [30, 12]})
    chart = bar_chart(frame, "placement", "children", "Most children were in foster care", "Placement", "Children")

    markup = chart._repr_html_()

    assert 'alt="Bar chart of children by placement: Foster &amp; kinship 30, Residential 12."' in markup
    assert "<figcaption>Most children were in foster care</figcaption>" in markup
    encoded = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', markup).group(1)
    assert base64.b64decode(encoded).startswith(PNG_SIGNATURE)


def test_chart_has_no_png_repr_so_notebooks_use_the_html():
    assert not hasattr(Chart, "_repr_png_")


def test_to_png_bytes_renders_a_png_and_leaves_the_title_visible():
    chart = bar_chart(_visits_by_method(), "method", "visits", "Most visits were at home", "Method", "Visits")
    chart._repr_html_()  # renders without the drawn title first

    png = to_png_bytes(chart)

    assert png.startswith(PNG_SIGNATURE)
    assert chart.title_artist.get_visible()


def _tight_savefig_pixels(chart: Chart, include_title: bool):
    """What to_png_bytes used to do: savefig with bbox_inches="tight" (draws the figure twice)."""
    import io

    import numpy as np
    from PIL import Image

    from qa_analysis.charts import DPI, HOUSE_RC

    buffer = io.BytesIO()
    with mpl.rc_context(HOUSE_RC):
        chart.title_artist.set_visible(include_title)
        chart.figure.savefig(buffer, format="png", dpi=DPI, facecolor=BACKGROUND, bbox_inches="tight", pad_inches=0.15)
        chart.title_artist.set_visible(True)
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())))


CHART_BUILDERS = {
    "bars": lambda: bar_chart(_visits_by_method(), "method", "visits", "Most visits were at home", "Method", "Visits"),
    "stacked bars": lambda: stacked_bar_chart(_visits_by_month(), "month", "visits", "modality",
                                              "Most visits were face to face", "Month", "Visits"),
    "lines with a target": lambda: line_chart(_trend(), "quarter", "pct", "Stability held steady", "Quarter",
                                              "% of CLA", percent=True, target=(70.0, "Target 70%")),
    "heatmap": lambda: heatmap_chart(_grades(), "domain", "grade", "audits", "Planning was most often good",
                                     "Grade", "Domain"),
}


@pytest.mark.parametrize("include_title", [False, True])
@pytest.mark.parametrize("kind", sorted(CHART_BUILDERS))
def test_to_png_bytes_has_the_pixels_of_a_tight_savefig(kind, include_title):
    # Arrange: two copies of the same chart, one for each way of rendering it
    import io

    import numpy as np
    from PIL import Image

    ours, reference = CHART_BUILDERS[kind](), CHART_BUILDERS[kind]()

    # Act
    pixels = np.asarray(Image.open(io.BytesIO(to_png_bytes(ours, include_title=include_title))))

    # Assert: same size, same pixels (drawing once changes nothing on the page)
    np.testing.assert_array_equal(pixels, _tight_savefig_pixels(reference, include_title))


def test_heatmap_cells_are_drawn_as_seaborn_heatmap_draws_them():
    # Arrange: the same grid drawn by seaborn.heatmap (what heatmap_chart called before) and ours
    import io

    import numpy as np
    import seaborn as sns
    from matplotlib.colors import LinearSegmentedColormap
    from matplotlib.figure import Figure

    from qa_analysis.charts import DPI, HOUSE_RC, _heatmap_cells

    values = np.array([[3.0, 0.0, np.nan], [12.0, 5.0, 1.0]])
    cmap = LinearSegmentedColormap.from_list("house_blues", ["#F0F4F8", PALETTE["dark_blue"]])
    xlabels, ylabels = ["Good", "Requires\nimprovement", "Inadequate"], ["Planning", "Voice of the child"]

    def draw(cells) -> np.ndarray:
        with mpl.rc_context(HOUSE_RC):
            figure = Figure(figsize=(8, 4.5), dpi=DPI, layout="constrained")
            ax = figure.add_subplot()
            cells(ax)
            ax.tick_params(axis="y", labelrotation=0)
            ax.tick_params(axis="x", labelrotation=0)
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png", dpi=DPI)
        from PIL import Image

        return np.asarray(Image.open(io.BytesIO(buffer.getvalue())))

    # Act
    ours = draw(lambda ax: _heatmap_cells(ax, values, cmap, 12.0, xlabels, ylabels))
    seaborns = draw(lambda ax: sns.heatmap(
        pd.DataFrame(values), ax=ax, cmap=cmap, vmin=0, vmax=12.0, cbar=False, linewidths=1,
        linecolor=BACKGROUND, mask=pd.DataFrame(values).isna(), xticklabels=xlabels, yticklabels=ylabels))

    # Assert
    np.testing.assert_array_equal(ours, seaborns)


def test_a_sparkline_after_another_is_the_same_image_as_on_a_new_figure():
    # Arrange: a first sparkline with a target leaves lines on the reused axes, then removes them
    from qa_analysis import charts

    points = [("2020-21 Q1", 10), ("2020-21 Q2", "c"), ("2020-21 Q3", 12.5)]
    charts._SPARKLINE.clear()
    on_new_figure = sparkline_html(points, "Visits")
    sparkline_html([("a", 50.0), ("b", 70.0)], "On time", percent=True, target=80.0)

    # Act
    after_another = sparkline_html(points, "Visits")

    # Assert
    assert after_another == on_new_figure


# --- labels never overlap (issue 16) ---------------------------------------------------------
# How it is checked: charts.text_overlaps draws the figure with matplotlib's renderer and
# compares the bounding boxes of every visible text (tick labels, value labels, line labels,
# axis labels, legend). The charts are the reports' own, built from the demo data.


@pytest.fixture(scope="module")
def demo():
    from qa_analysis.config import DEMO_DATA_DIR
    from qa_analysis.io import load_data

    return load_data(DEMO_DATA_DIR)


def _demo_charts(demo, quarter):
    from qa_analysis.io.tables import REASON_PLACE_CHANGE_LABELS, SOURCE_LABELS
    from qa_analysis.metrics import audits, placements, referrals, visits
    from qa_analysis.present import describe, words

    q = Quarter(*quarter)
    sources = referrals.contacts_by_source(demo.contacts, q).assign(
        source=lambda d: d["source"].map(lambda c: describe(c, SOURCE_LABELS)))
    yield bar_chart(sources, "source", "contacts", "Who made contacts", "Who made the contact", "Contacts",
                    horizontal=True, period=q.label)
    reasons = placements.moves_by_reason(demo.episodes, q.start, q.end).assign(
        reason=lambda d: d["reason"].map(lambda c: describe(c, REASON_PLACE_CHANGE_LABELS)))
    yield bar_chart(reasons, "reason", "moves", "Reasons", "Reason for the placement change", "Moves",
                    horizontal=True, period=q.label)
    methods = visits.visits_by_method(demo.visits, q).assign(method=lambda d: d["method"].map(words))
    yield bar_chart(methods, "method", "visits", "Methods", "Method", "Visits", hue="modality", period=q.label)
    yield funnel_chart(referrals.referral_funnel(demo.contacts, demo.referrals, demo.assessments, q),
                       "stage", "count", "Funnel", period=q.label)
    yield heatmap_chart(audits.grades_by_domain(demo.case_audits, q).assign(domain=lambda d: d["domain"].map(words)),
                        "domain", "grade", "audits", "Grades", "Grade", "Domain", period=q.label)
    yield bar_chart(audits.recommendations_by_status(demo.recommendations, q).assign(
        status=lambda d: d["status"].map(words)), "status", "recommendations", "Status",
        "Where recommendations stood at the quarter end", "Recommendations", period=q.label)
    yield bar_chart(referrals.assessment_duration_bands(demo.assessments, q), "band", "assessments", "Bands",
                    "Working days from start to sign-off", "Assessments completed", period=q.label)
    by_month = visits.visits_by_month(demo.visits, q.previous(4).start, q.end).assign(
        month=lambda d: d["month"].dt.strftime("%b %Y"))
    yield stacked_bar_chart(by_month, "month", "visits", "modality", "Months", "Month", "Visits", period=q.label)


@pytest.mark.parametrize("quarter", [(2020, 1), (2020, 2), (2020, 3), (2020, 4)])
def test_no_two_labels_of_a_report_chart_overlap(demo, quarter):
    for chart in _demo_charts(demo, quarter):
        assert text_overlaps(chart) == [], chart.alt[:80]


def test_a_target_and_an_england_line_close_together_keep_their_labels_apart():
    chart = line_chart(_trend(), "quarter", "pct", "Stability", "Quarter", "% of CLA", percent=True,
                       reference=(68.0, "England 2023-24: 68%"), target=(70.0, "Target for stability: 70%"))
    assert text_overlaps(chart) == []


def test_the_overlap_check_finds_two_labels_drawn_on_top_of_each_other():
    chart = bar_chart(pd.DataFrame({"a": ["x"], "b": [1]}), "a", "b", "t", "x", "y")
    chart.ax.text(0.5, 0.5, "overlapping label", transform=chart.ax.transAxes)
    chart.ax.text(0.5, 0.5, "overlapping label too", transform=chart.ax.transAxes)
    assert ("overlapping label", "overlapping label too") in text_overlaps(chart)


def test_many_long_categories_switch_to_horizontal_bars_that_grow_with_them():
    frame = pd.DataFrame({"reason": [f"A fairly long reason for a move number {i}" for i in range(12)],
                          "moves": range(12)})
    chart = bar_chart(frame, "reason", "moves", "Reasons", "Reason", "Moves")
    assert chart.figure.get_figheight() > 4.5  # taller than the house size
    assert [t.get_text() for t in chart.ax.get_yticklabels()][0].startswith("A fairly long reason")
    assert text_overlaps(chart) == []


def test_a_line_chart_starts_at_the_first_quarter_with_data():
    frame = pd.DataFrame({"quarter": ["2019-20 Q4", "2020-21 Q1", "2020-21 Q2"], "value": [None, 10.0, 12.0]})
    chart = line_chart(frame, "quarter", "value", "t", "Quarter", "Number", period="2020-21 Q2")
    assert chart.alt.startswith("Line chart of number by quarter, 2020-21 Q1 to 2020-21 Q2: 2020-21 Q1 10, 2020-21 Q2 12.")


def test_a_target_line_is_drawn_and_read_out():
    chart = line_chart(_trend(), "quarter", "pct", "t", "Quarter", "% of CLA", percent=True,
                       target=(12.0, "Target for stability: 12%"))
    assert chart.alt.endswith("The dotted line shows Target for stability: 12%. "
                              "Values shown as c are suppressed to protect confidentiality.")
    assert any(line.get_linestyle() == ":" and line.get_ydata()[0] == 12.0 for line in chart.ax.get_lines())


def test_a_sparkline_has_its_own_alt_text_naming_the_span_and_every_value():
    html_text = sparkline_html([("2020-21 Q1", None), ("2020-21 Q2", 5), ("2020-21 Q3", 7)], "Moves")
    assert 'class="sparkline"' in html_text and html_text.count("data:image/png;base64,") == 1
    assert 'alt="Trend of moves, 2020-21 Q2 to 2020-21 Q3: 2020-21 Q2 5, 2020-21 Q3 7."' in html_text


def test_a_sparkline_with_no_figure_is_left_out():
    assert sparkline_html([("2020-21 Q1", None)], "Moves") == ""


def test_a_years_line_chart_names_the_year_when_its_points_are_q1_to_q4():
    frame = pd.DataFrame({"quarter": ["Q1", "Q2"], "value": [3, 4]})
    chart = line_chart(frame, "quarter", "value", "t", "Quarter", "Moves", period="2020-21")
    assert chart.alt.startswith("Line chart of moves by quarter, Q1 to Q2 of 2020-21: Q1 3, Q2 4.")


def test_a_quarter_the_data_does_not_cover_is_a_labelled_gap():
    # issue 10: a quarter between two with figures has no SSDA903 return; ReportContext.trend
    # marks it in attrs, and the chart keeps it on the axis as a labelled gap, never a 0.
    frame = pd.DataFrame({"quarter": ["2019-20 Q3", "2019-20 Q4", "2020-21 Q1"], "value": [10, None, 12]})
    frame.attrs["gaps"] = {"2019-20 Q4": "no SSDA903 return covers 2019-20 Q4"}

    chart = line_chart(frame, x="quarter", y="value", title="Moves", xlabel="Quarter", ylabel="Moves")

    assert "No data: no SSDA903 return covers 2019-20 Q4." in chart.alt
    texts = [t.get_text() for t in chart.figure.axes[0].texts]
    assert "no data" in texts


def test_a_trend_starts_where_the_data_starts_and_says_why():
    # issue 16: a leading quarter the data does not cover is left off the axis (the chart
    # opens on 2020-21 Q1, the first figure) and its reason is in the text alternative.
    frame = pd.DataFrame({"quarter": ["2019-20 Q4", "2020-21 Q1", "2020-21 Q2"], "value": [None, 12, 14]})
    frame.attrs["gaps"] = {"2019-20 Q4": "no SSDA903 return covers 2019-20 Q4"}

    chart = line_chart(frame, x="quarter", y="value", title="Moves", xlabel="Quarter", ylabel="Moves")

    assert chart.alt.startswith("Line chart of moves by quarter, 2020-21 Q1 to 2020-21 Q2: ")
    assert "No data before 2020-21 Q1: no SSDA903 return covers 2019-20 Q4." in chart.alt
    assert "no data" not in [t.get_text() for t in chart.figure.axes[0].texts]


def test_a_line_charts_value_labels_sit_on_a_white_ground_above_a_comparator_line():
    # An England line at 3.3% passes right behind the 3.3% label: the label is drawn on white, above it.
    frame = pd.DataFrame({"quarter": ["2020-21 Q1", "2020-21 Q2"], "value": [3.3, 3.4]})

    chart = line_chart(frame, x="quarter", y="value", title="t", xlabel="Quarter", ylabel="Children (%)",
                       percent=True, reference=(3.3, "England 2020-21: 3.3%"))

    labels = [t for t in chart.ax.texts if t.get_text() in ("3.3%", "3.4%")]
    lines = [line for line in chart.ax.lines if line.get_linestyle() == "--"]
    assert len(labels) == 2 and lines
    assert all(t.get_bbox_patch() is not None and t.get_bbox_patch().get_facecolor()[:3] == (1.0, 1.0, 1.0)
               for t in labels)
    assert all(t.get_zorder() > line.get_zorder() for t in labels for line in lines)


def test_an_empty_chart_is_a_short_box_not_a_page_of_white():
    chart = funnel_chart(pd.DataFrame({"stage": [], "n": []}), "stage", "n", "t")

    width, height = chart.figure.get_size_inches()
    assert height < width / 3

"""The house style and every chart in the reports.

Charts take tidy frames (one row per category, or per category and series) and return a
``Chart``: the matplotlib Figure, its active title (a sentence stating the finding, written
by the caller) and a text alternative built from the data. In a notebook a Chart displays
as ``<figure>`` HTML with the title as a real-text caption and the alt text on the
``<img>``, so nbconvert's HTML keeps both (DESIGN section 5).

Figures are built with ``matplotlib.figure.Figure``, never through pyplot, so the inline
backend cannot show a second copy without alt text, and any backend (Agg headless) works.

Values may be numbers or strings: a suppressed ``"c"`` (see ``qa_analysis.disclosure``) is
drawn as a zero-height bar labelled ``c``; a missing value (None/NaN) as no bar, ``n/a``.
Style: GOV.UK Analysis Function categorical palette (every colour at least 3:1 against
white), active left-aligned titles, labelled axes, value axes from zero, light gridlines on
the value axis only, no frame or legend box.
"""

from __future__ import annotations

import base64
import html
import io
import math
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field

import matplotlib as mpl
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import pyplot as plt
from matplotlib.colors import LinearSegmentedColormap, to_rgb
from matplotlib.figure import Figure
from matplotlib.rcsetup import cycler
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

# GOV.UK Analysis Function categorical palette, in its recommended order.
PALETTE: dict[str, str] = {
    "dark_blue": "#12436D",
    "turquoise": "#28A197",
    "dark_pink": "#801650",
    "orange": "#F46A25",
    "dark_grey": "#3D3D3D",
    "light_purple": "#A285D1",
}
SERIES_COLOURS: list[str] = list(PALETTE.values())
TEXT_COLOUR = "#0B0C0C"
BACKGROUND = "#FFFFFF"
# Decoration only (gridlines, empty heatmap cells): deliberately faint, so not held to 3:1.
GRID_COLOUR = "#DDDDDD"
MUTED_FILL = "#F3F2F1"
AXIS_COLOUR = "#505A5F"
REFERENCE_COLOUR = PALETTE["dark_grey"]

LINE_MARKERS = ("o", "s", "^", "D", "v", "P")
LINE_STYLES = ("-", "--", "-.", ":", "-", "--")
FIGSIZE = (8.0, 4.5)
DPI = 120
FONT_SIZE = 11
MAX_ALT_ITEMS = 15
NO_DATA = "No data for this period"
SUPPRESSED = "c"
MISSING = "n/a"
SUPPRESSED_NOTE = "Values shown as c are suppressed to protect confidentiality."

HOUSE_RC: dict = {
    "figure.figsize": FIGSIZE,
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "figure.facecolor": BACKGROUND,
    "axes.facecolor": BACKGROUND,
    "savefig.facecolor": BACKGROUND,
    "font.family": "sans-serif",
    "font.sans-serif": ["Arial", "Helvetica", "Liberation Sans", "DejaVu Sans"],
    "font.size": FONT_SIZE,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlepad": 12,
    "axes.titlecolor": TEXT_COLOUR,
    "axes.labelsize": FONT_SIZE,
    "axes.labelcolor": TEXT_COLOUR,
    "axes.edgecolor": AXIS_COLOUR,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "axes.axisbelow": True,
    "axes.prop_cycle": cycler(color=SERIES_COLOURS),
    "grid.color": GRID_COLOUR,
    "grid.linewidth": 0.8,
    "text.color": TEXT_COLOUR,
    "xtick.color": TEXT_COLOUR,
    "ytick.color": TEXT_COLOUR,
    "xtick.labelsize": FONT_SIZE,
    "ytick.labelsize": FONT_SIZE,
    "legend.fontsize": FONT_SIZE,
    "legend.frameon": False,
    "lines.linewidth": 2.2,
    "lines.markersize": 6,
}


def apply_house_style() -> None:
    """Set matplotlib's rcParams to the house style (for any ad hoc plot in a notebook)."""
    mpl.rcParams.update(HOUSE_RC)


def contrast_ratio(colour_a, colour_b) -> float:
    """WCAG 2.1 contrast ratio (1 to 21) between two colours (hex or any matplotlib colour)."""

    def luminance(colour) -> float:
        channels = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(colour)]
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    light, dark = sorted((luminance(colour_a), luminance(colour_b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# --- the Chart result -----------------------------------------------------------------------


@dataclass(eq=False)
class Chart:
    """A finished chart: the Figure, its active title and its text alternative."""

    figure: Figure
    title: str
    alt: str
    title_artist: Text | None = field(default=None, repr=False)
    _png: dict[bool, bytes] = field(default_factory=dict, init=False, repr=False)

    @property
    def ax(self):
        return self.figure.axes[0]

    def _repr_html_(self) -> str:
        # The title goes in the caption as real text, so the image leaves it out.
        data = base64.b64encode(to_png_bytes(self, include_title=False)).decode("ascii")
        return (
            '<figure class="qa-chart">'
            f"<figcaption>{html.escape(self.title)}</figcaption>"
            f'<img src="data:image/png;base64,{data}" alt="{html.escape(self.alt, quote=True)}">'
            "</figure>"
        )


def to_png_bytes(chart: Chart, include_title: bool = True) -> bytes:
    """The chart as PNG (cached); with the title drawn in unless ``include_title`` is False."""
    if include_title not in chart._png:
        artist = chart.title_artist
        buffer = io.BytesIO()
        # Tick labels and fonts are resolved at draw time, so draw under the house style too.
        with mpl.rc_context(HOUSE_RC):
            if artist is not None:
                artist.set_visible(include_title)
            try:
                chart.figure.savefig(
                    buffer, format="png", dpi=DPI, facecolor=BACKGROUND, bbox_inches="tight", pad_inches=0.15
                )
            finally:
                if artist is not None:
                    artist.set_visible(True)
        chart._png[include_title] = buffer.getvalue()
        plt.close(chart.figure)  # a no-op unless a caller handed it to pyplot
    return chart._png[include_title]


# --- small helpers -------------------------------------------------------------------------


def _check_columns(frame: pd.DataFrame, columns: Sequence) -> None:
    missing = [c for c in columns if c is not None and c not in frame.columns]
    if missing:
        raise ValueError(f"The chart data has no column {missing[0]!r}.")


def _lower(label: str) -> str:
    """Lower-case the first letter for use mid-sentence, leaving acronyms (CLA, CP) alone."""
    if len(label) > 1 and label[:2].isupper():
        return label
    return label[:1].lower() + label[1:]


def _humanise(name) -> str:
    return str(name).replace("_", " ")


def _wrap(label, width: int = 14) -> str:
    return "\n".join(textwrap.wrap(str(label), width)) or str(label)


def _fmt(value, percent: bool = False) -> str:
    if isinstance(value, str):
        return value
    if value is None or pd.isna(value):
        return MISSING
    number = float(value)
    if percent:
        return f"{number:,.1f}%"
    return f"{number:,.0f}" if number.is_integer() else f"{number:,.1f}"


def _numbers(values: pd.Series) -> np.ndarray:
    """Float values with NaN wherever the value is a string (suppressed) or missing."""
    return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=float)


def _is_suppressed(value) -> bool:
    return isinstance(value, str)


def _has_data(values: pd.Series) -> bool:
    return bool(values.map(_is_suppressed).any() or pd.to_numeric(values, errors="coerce").notna().any())


def _ordered(values: pd.Series) -> list:
    """Categories in the frame's order (a categorical's own order where it has one)."""
    present = values.dropna()
    if isinstance(values.dtype, pd.CategoricalDtype):
        seen = set(present)
        return [c for c in values.cat.categories if c in seen]
    return list(pd.unique(present))


def _aligned(frame: pd.DataFrame, key, value, keys: list) -> pd.Series:
    """``value`` for each of ``keys`` (NaN where absent), refusing duplicate keys."""
    rows = frame.loc[frame[key].notna()]
    if rows[key].duplicated().any():
        raise ValueError(f"The chart data has more than one row for the same {key!r}; aggregate it first.")
    return pd.Series(rows[value].to_numpy(dtype=object), index=list(rows[key]), dtype=object).reindex(keys)


def _new_figure(height: float = FIGSIZE[1]):
    figure = Figure(figsize=(FIGSIZE[0], height), dpi=DPI, facecolor=BACKGROUND, layout="constrained")
    return figure, figure.add_subplot()


def _set_title(ax, title: str) -> Text:
    return ax.set_title(textwrap.fill(title, 75), loc="left")


def _count_axis(axis, percent: bool) -> None:
    # Whole-number ticks, so no tick is labelled with a rounded value it does not sit at.
    axis.set_major_locator(MaxNLocator(integer=True))
    if percent:
        axis.set_major_formatter(PercentFormatter(xmax=100, decimals=0))
    else:
        axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))


def _value_top(heights: np.ndarray, reference, percent: bool, y_max=None) -> float:
    if y_max is not None:
        return float(y_max)
    candidates = [h for h in np.ravel(heights) if not math.isnan(h)]
    if reference is not None:
        candidates.append(float(reference[0]))
    highest = max(candidates, default=0.0)
    if percent and highest <= 100:
        return 100.0
    return highest * 1.15 if highest > 0 else 1.0


def _draw_reference(ax, reference, horizontal: bool = False, percent: bool = False) -> None:
    value, label = reference
    shown = _fmt(value, percent)
    # A label that already states the value is not given it twice.
    text = label if shown.rstrip("%").split(".")[0] in label else f"{label}: {shown}"
    style = {"color": REFERENCE_COLOUR, "linestyle": "--", "linewidth": 1.5, "zorder": 3}
    if horizontal:
        ax.axvline(value, **style)
        ax.annotate(text, xy=(value, 1), xycoords=("data", "axes fraction"), xytext=(4, -2),
                    textcoords="offset points", ha="left", va="top", color=REFERENCE_COLOUR, fontsize=10)
    else:
        ax.axhline(value, **style)
        # Labelled in the right margin, clear of the bars and points.
        ax.annotate(_wrap(text, 16), xy=(1, value), xycoords=("axes fraction", "data"), xytext=(4, 0),
                    textcoords="offset points", ha="left", va="center", color=REFERENCE_COLOUR, fontsize=10)


def _period_label(point) -> str:
    """Quarter labels on two lines ("Q2" over "2018-19") so eight of them fit side by side."""
    text = str(point)
    match = re.fullmatch(r"(\d{4}-\d{2}) (Q[1-4])", text)
    return f"{match[2]}\n{match[1]}" if match else _wrap(text)


def _category_ticks(ax, positions, categories, horizontal: bool = False) -> None:
    labels = [_wrap(c) for c in categories]
    if horizontal:
        ax.set_yticks(positions, labels)
        return
    ax.set_xticks(positions, labels)
    if len(categories) * max(len(str(c)) for c in categories) > 90:
        ax.tick_params(axis="x", labelrotation=45)
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")


def _legend(ax, title, reverse: bool = False) -> None:
    handles, labels = ax.get_legend_handles_labels()
    if reverse:  # match the top-to-bottom order of a stack
        handles, labels = handles[::-1], labels[::-1]
    ax.legend(handles, labels, title=_humanise(title).capitalize(), loc="upper left",
              bbox_to_anchor=(1.01, 1.0), alignment="left")


# --- alt text -------------------------------------------------------------------------------


def _items_text(groups: list[tuple[str | None, list[tuple[str, object]]]], percent: bool = False) -> str:
    """'a 1, b 2; group: a 3, ...' for the first MAX_ALT_ITEMS values, then a summary."""
    parts, shown, rest = [], 0, []
    for group, items in groups:
        take = items[: max(MAX_ALT_ITEMS - shown, 0)]
        rest.extend(value for _, value in items[len(take):])
        shown += len(take)
        if take:
            listed = ", ".join(f"{label} {_fmt(value, percent)}" for label, value in take)
            parts.append(f"{group}: {listed}" if group is not None else listed)
    text = "; ".join(parts)
    if rest:
        numbers = [float(v) for v in rest if not _is_suppressed(v) and v is not None and not pd.isna(v)]
        text += f"; and {len(rest)} more"
        if numbers:
            text += f" ranging from {_fmt(min(numbers), percent)} to {_fmt(max(numbers), percent)}"
    return text


def _alt(kind: str, what: str, groups, percent: bool = False, reference=None, notes: str = "") -> str:
    text = f"{kind} of {what}: {_items_text(groups, percent)}."
    if reference is not None:
        text += f" The dashed line shows {reference[1]}: {_fmt(reference[0], percent)}."
    if notes:
        text += f" {notes}"
    if any(isinstance(value, str) and value == SUPPRESSED for _, items in groups for _, value in items):
        text += f" {SUPPRESSED_NOTE}"
    return text


def _empty_chart(title: str, kind: str, what: str) -> Chart:
    with mpl.rc_context(HOUSE_RC):
        figure, ax = _new_figure()
        ax.set_axis_off()
        artist = _set_title(ax, title)
        ax.text(0.5, 0.5, NO_DATA, ha="center", va="center", fontsize=13, transform=ax.transAxes)
    return Chart(figure, title, f"{kind} of {what}: no data for this period.", artist)


def _what(ylabel: str, xlabel: str, hue=None) -> str:
    text = f"{_lower(ylabel)} by {_lower(xlabel)}"
    return f"{text} and {_humanise(hue)}" if hue is not None else text


# --- charts ---------------------------------------------------------------------------------


def bar_chart(
    frame: pd.DataFrame,
    x,
    y,
    title: str,
    xlabel: str,
    ylabel: str,
    hue=None,
    horizontal: bool = False,
    value_labels: bool = True,
    reference: tuple[float, str] | None = None,
    percent: bool = False,
) -> Chart:
    """Bars of ``y`` for each ``x`` (grouped by ``hue`` if given), the value axis from 0.

    ``reference`` is an optional (value, label) dashed line, e.g. the England figure.
    ``percent`` formats values as percentages on a 0-100 axis. Bars keep the frame's order.
    """
    _check_columns(frame, [x, y, hue])
    kind = "Bar chart"
    what = _what(ylabel, xlabel, hue)
    if frame.empty or not _has_data(frame[y]):
        return _empty_chart(title, kind, what)

    with mpl.rc_context(HOUSE_RC):
        figure, ax = _new_figure()
        categories = _ordered(frame[x])
        series = [(None, frame)] if hue is None else [(g, frame.loc[frame[hue] == g]) for g in _ordered(frame[hue])]
        # Each category gets a bar per series it has a row for, centred on its tick: a full
        # grid gives classic grouped bars, a hue that only colours (one row per category)
        # gives single centred bars, and an absent combination leaves no gap or "n/a".
        present = {c: [] for c in categories}
        for i, (_group, rows) in enumerate(series):
            values = _aligned(rows, x, y, categories)
            has_row = set(rows[x].dropna())
            for category in categories:
                if category in has_row:
                    present[category].append((i, values[category]))
        width = 0.8 / max(len(items) for items in present.values())
        positions = np.arange(len(categories))
        drawn = {i: ([], [], []) for i in range(len(series))}  # offsets, heights, labels
        for position, items in zip(positions, present.values(), strict=True):
            for j, (i, value) in enumerate(items):
                offsets, heights, labels = drawn[i]
                offsets.append(position - width * len(items) / 2 + width * (j + 0.5))
                number = _numbers([value])[0]
                heights.append(0.0 if math.isnan(number) else float(number))
                labels.append(_fmt(value, percent))
        draw = ax.barh if horizontal else ax.bar
        all_heights = []
        for i, (group, _rows) in enumerate(series):
            offsets, heights, labels = drawn[i]
            bars = draw(offsets, heights, width, color=SERIES_COLOURS[i % len(SERIES_COLOURS)],
                        label=None if group is None else str(group))
            if value_labels:
                ax.bar_label(bars, labels=labels, padding=3, fontsize=10)
            all_heights.append(np.asarray(heights, dtype=float))
        alt_groups = {
            c: [(str(c) if hue is None else str(series[i][0]), value) for i, value in items]
            for c, items in present.items()
        }

        top = _value_top(np.concatenate(all_heights), reference, percent)
        _category_ticks(ax, positions, categories, horizontal)
        value_axis = ax.xaxis if horizontal else ax.yaxis
        if horizontal:
            ax.invert_yaxis()  # first category at the top
            ax.grid(axis="y", visible=False)
            ax.grid(axis="x", visible=True)
            ax.set_xlim(0, top)
        else:
            ax.set_ylim(0, top)
        _count_axis(value_axis, percent)
        if reference is not None:
            _draw_reference(ax, reference, horizontal, percent)
        if hue is not None:
            _legend(ax, hue)
        # xlabel names the categories and ylabel the values, whichever way the bars run.
        ax.set_xlabel(ylabel if horizontal else xlabel)
        ax.set_ylabel(xlabel if horizontal else ylabel)
        artist = _set_title(ax, title)

    if hue is None:
        groups = [(None, [item for items in alt_groups.values() for item in items])]
    else:
        groups = [(str(c), items) for c, items in alt_groups.items()]
    return Chart(figure, title, _alt(kind, what, groups, percent, reference), artist)


def stacked_bar_chart(frame: pd.DataFrame, x, y, hue, title: str, xlabel: str, ylabel: str) -> Chart:
    """Bars of ``y`` for each ``x`` stacked by ``hue`` (e.g. visits by month and modality).

    A combination absent from the frame counts as 0. Each stack is topped by its total, or
    by the shown part "+ c" when one of its parts is suppressed.
    """
    _check_columns(frame, [x, y, hue])
    kind = "Stacked bar chart"
    what = _what(ylabel, xlabel, hue)
    if frame.empty or not _has_data(frame[y]):
        return _empty_chart(title, kind, what)

    with mpl.rc_context(HOUSE_RC):
        figure, ax = _new_figure()
        categories = _ordered(frame[x])
        groups = _ordered(frame[hue])
        positions = np.arange(len(categories))
        table = pd.DataFrame(
            {g: _aligned(frame.loc[frame[hue] == g], x, y, categories).fillna(0) for g in groups}
        )
        heights = np.nan_to_num(np.column_stack([_numbers(table[g]) for g in groups]), nan=0.0)
        bottoms = np.zeros(len(categories))
        totals = heights.sum(axis=1)
        top = _value_top(totals, None, False)
        for i, group in enumerate(groups):
            colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
            bars = ax.bar(positions, heights[:, i], 0.7, bottom=bottoms, color=colour, label=str(group))
            # Label a segment inside it only where it is tall enough to hold the text.
            inside = [
                _fmt(v) if not _is_suppressed(v) and h >= 0.07 * top else ""
                for v, h in zip(table[group], heights[:, i], strict=True)
            ]
            text_colour = BACKGROUND if contrast_ratio(colour, BACKGROUND) >= 4.5 else TEXT_COLOUR
            ax.bar_label(bars, labels=inside, label_type="center", fontsize=10, color=text_colour)
            bottoms = bottoms + heights[:, i]
        suppressed_rows = table.map(_is_suppressed).any(axis=1).to_numpy()
        for position, total, partial in zip(positions, totals, suppressed_rows, strict=True):
            ax.annotate(f"{_fmt(total)} + c" if partial else _fmt(total), xy=(position, total),
                        xytext=(0, 3), textcoords="offset points", ha="center", va="bottom", fontsize=10)
        _category_ticks(ax, positions, categories)
        ax.set_ylim(0, top)
        _count_axis(ax.yaxis, False)
        _legend(ax, hue, reverse=True)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        artist = _set_title(ax, title)

    alt_groups = []
    for category, total, partial in zip(categories, totals, suppressed_rows, strict=True):
        items = [(str(g), table.at[category, g]) for g in groups]
        items.append(("total", f"{_fmt(total)} plus suppressed values" if partial else total))
        alt_groups.append((str(category), items))
    return Chart(figure, title, _alt(kind, what, alt_groups), artist)


def line_chart(
    frame: pd.DataFrame,
    x,
    y,
    title: str,
    xlabel: str,
    ylabel: str,
    hue=None,
    reference: tuple[float, str] | None = None,
    y_max: float | None = None,
    percent: bool = False,
) -> Chart:
    """The trend of ``y`` over ``x`` (e.g. quarters, in the frame's order), one line per ``hue``.

    The value axis starts at 0 and ends at ``y_max`` if given, else at 100 for percentages.
    A suppressed point leaves a gap marked ``c``; a missing one a plain gap.
    """
    _check_columns(frame, [x, y, hue])
    kind = "Line chart"
    what = _what(ylabel, xlabel, hue)
    if frame.empty or not _has_data(frame[y]):
        return _empty_chart(title, kind, what)

    with mpl.rc_context(HOUSE_RC):
        figure, ax = _new_figure()
        points = _ordered(frame[x])
        positions = np.arange(len(points))
        series = [(None, frame)] if hue is None else [(g, frame.loc[frame[hue] == g]) for g in _ordered(frame[hue])]
        all_heights, alt_groups = [], []
        for i, (group, rows) in enumerate(series):
            colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
            values = _aligned(rows, x, y, points)
            heights = _numbers(values)
            # Marker and dash differ by series too, so equal series stay distinguishable.
            ax.plot(positions, heights, marker=LINE_MARKERS[i % len(LINE_MARKERS)],
                    linestyle=LINE_STYLES[i % len(LINE_STYLES)], color=colour,
                    label=None if group is None else str(group))
            for position, value in zip(positions, values, strict=True):
                if _is_suppressed(value):
                    # Text in the text colour: some series colours reach 3:1, not 4.5:1.
                    ax.annotate(value, xy=(position, 0), xytext=(0, 3), textcoords="offset points",
                                ha="center", va="bottom", color=TEXT_COLOUR, fontsize=10)
            if hue is None and len(points) <= 12:
                for position, value, height in zip(positions, values, heights, strict=True):
                    if not math.isnan(height):
                        ax.annotate(_fmt(value, percent), xy=(position, height), xytext=(0, 7),
                                    textcoords="offset points", ha="center", va="bottom", fontsize=10)
            all_heights.append(heights)
            alt_groups.append((None if group is None else str(group), [(str(p), v) for p, v in values.items()]))

        # A quarter the data does not cover (``frame.attrs["gaps"]``, from ReportContext.trend)
        # is a labelled gap, never a 0.
        gaps = {str(k): v for k, v in frame.attrs.get("gaps", {}).items()}
        for position, point in zip(positions, points, strict=True):
            if str(point) in gaps and all(math.isnan(h[position]) for h in all_heights):
                ax.annotate("no data", xy=(position, 0), xytext=(0, 3), textcoords="offset points",
                            ha="center", va="bottom", color=TEXT_COLOUR, fontsize=9)
        step = max(1, math.ceil(len(points) / 12))
        ax.set_xticks(positions[::step], [_period_label(p) for p in points[::step]])
        ax.set_xlim(-0.5, len(points) - 0.5)
        ax.set_ylim(0, _value_top(np.concatenate(all_heights), reference, percent, y_max))
        _count_axis(ax.yaxis, percent)
        if reference is not None:
            _draw_reference(ax, reference, percent=percent)
        if hue is not None:
            _legend(ax, hue)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        artist = _set_title(ax, title)

    span = f"{_lower(ylabel)} by {_lower(xlabel)}, {points[0]} to {points[-1]}"
    what = span if hue is None else f"{span}, by {_humanise(hue)}"
    gap_text = " ".join(f"No data: {note}." for note in dict.fromkeys(gaps.values()))
    return Chart(figure, title, _alt(kind, what, alt_groups, percent, reference, gap_text), artist)


def heatmap_chart(frame: pd.DataFrame, row, col, value, title: str, xlabel: str, ylabel: str) -> Chart:
    """A grid of ``value`` by ``row`` (down) and ``col`` (across), each cell annotated.

    For count matrices such as placement transitions or grades by domain: a combination
    absent from the frame counts as 0; the colour scale starts at 0; suppressed cells are
    left uncoloured and marked ``c``.
    """
    _check_columns(frame, [row, col, value])
    kind = "Heatmap"
    what = f"{_humanise(value)} by {_lower(ylabel)} (rows) and {_lower(xlabel)} (columns)"
    if frame.empty or not _has_data(frame[value]):
        return _empty_chart(title, kind, what)

    rows, cols = _ordered(frame[row]), _ordered(frame[col])
    table = pd.DataFrame(
        {c: _aligned(frame.loc[frame[col] == c], row, value, rows).fillna(0) for c in cols}, index=rows
    )
    numbers = table.apply(_numbers)
    labels = table.map(_fmt)
    with mpl.rc_context(HOUSE_RC):
        figure, ax = _new_figure(height=max(FIGSIZE[1], 0.45 * len(rows) + 1.8))
        ax.set_facecolor(MUTED_FILL)
        colour_map = LinearSegmentedColormap.from_list("house_blues", ["#F0F4F8", PALETTE["dark_blue"]])
        highest = np.nanmax(numbers.to_numpy()) if numbers.notna().any().any() else 0
        vmax = max(highest, 1)
        sns.heatmap(
            numbers, ax=ax, cmap=colour_map, vmin=0, vmax=vmax, cbar=False, linewidths=1,
            linecolor=BACKGROUND, mask=numbers.isna(),
            xticklabels=[_wrap(c) for c in cols], yticklabels=[_wrap(r, 24) for r in rows],
        )
        # Annotate every cell ourselves, in whichever of dark or white text contrasts more
        # with the fill (seaborn's own choice leaves white on mid blues below 4.5:1).
        for i, r in enumerate(rows):
            for j, c in enumerate(cols):
                number = numbers.at[r, c]
                fill = MUTED_FILL if math.isnan(number) else colour_map(number / vmax)
                ink = max((TEXT_COLOUR, BACKGROUND), key=lambda colour: contrast_ratio(colour, fill))
                ax.text(j + 0.5, i + 0.5, labels.at[r, c], ha="center", va="center", fontsize=10.5, color=ink)
        ax.tick_params(axis="y", labelrotation=0)
        ax.tick_params(axis="x", labelrotation=0)
        ax.tick_params(length=0)
        ax.grid(False)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        artist = _set_title(ax, title)

    cells = [(f"{r} / {c}", table.at[r, c]) for r in rows for c in cols]
    listed = [(label, v) for label, v in cells if _is_suppressed(v) or pd.isna(v) or float(v) != 0]
    note = "All other cells are 0." if len(listed) < len(cells) else ""
    if not listed:
        listed, note = cells, ""
    return Chart(figure, title, _alt(kind, what, [(None, listed)], notes=note), artist)


def funnel_chart(
    frame: pd.DataFrame, stage, count, title: str, xlabel: str = "Number", ylabel: str = "Stage"
) -> Chart:
    """Stages in the frame's order as bars from 0, each labelled with its count and the % of
    the stage before it (left out when either count is suppressed or missing)."""
    _check_columns(frame, [stage, count])
    kind = "Funnel chart"
    what = f"{_lower(xlabel)} at each {_lower(ylabel)}"
    if frame.empty or not _has_data(frame[count]):
        return _empty_chart(title, kind, what)

    stages = _ordered(frame[stage])
    values = _aligned(frame, stage, count, stages)
    heights = _numbers(values)
    labels, alt_items = [], []
    for i, (name, value) in enumerate(values.items()):
        label = _fmt(value)
        previous = heights[i - 1] if i else math.nan
        if i and not math.isnan(heights[i]) and not math.isnan(previous) and previous > 0:
            share = _fmt(round(100 * heights[i] / previous, 1), percent=True)
            label = f"{label} ({share} of {stages[i - 1]})"
        labels.append(label)
        alt_items.append((str(name), label))

    with mpl.rc_context(HOUSE_RC):
        figure, ax = _new_figure()
        positions = np.arange(len(stages))
        bars = ax.barh(positions, np.nan_to_num(heights, nan=0.0), 0.7, color=PALETTE["dark_blue"])
        ax.bar_label(bars, labels=labels, padding=3, fontsize=10)
        _category_ticks(ax, positions, stages, horizontal=True)
        ax.invert_yaxis()
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", visible=True)
        # Extra room on the right for the "(x% of ...)" labels.
        ax.set_xlim(0, _value_top(heights, None, False) * 1.25)
        _count_axis(ax.xaxis, False)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        artist = _set_title(ax, title)

    return Chart(figure, title, _alt(kind, what, [(None, alt_items)]), artist)

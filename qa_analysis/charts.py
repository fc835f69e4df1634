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
from matplotlib import pyplot as plt
from matplotlib.colors import LinearSegmentedColormap, to_rgb
from matplotlib.figure import Figure
from matplotlib.rcsetup import cycler
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from .metrics._common import pct

# A value label's ground: white, borderless, just around the text (line charts).
VALUE_LABEL_BOX = {"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.9}

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
TARGET_COLOUR = PALETTE["dark_pink"]

LINE_MARKERS = ("o", "s", "^", "D", "v", "P")
LINE_STYLES = ("-", "--", "-.", ":", "-", "--")
FIGSIZE = (8.0, 4.5)
DPI = 120
FONT_SIZE = 11
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
    # The chart's figures as an accessible table under it (None: the alt text lists them all).
    table: pd.DataFrame | None = field(default=None, repr=False)
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
            f"{table_html(self.table, self.title)}"
            "</figure>"
        )


def table_html(frame: pd.DataFrame | None, title: str) -> str:
    """The figures behind a chart as a table (first column: row headers), folded under it."""
    if frame is None or frame.empty:
        return ""
    columns = list(frame.columns)
    numeric = ' class="num"'
    head = "".join(
        f'<th scope="col"{numeric if i else ""}>{html.escape(str(c))}</th>' for i, c in enumerate(columns)
    )
    rows = []
    for row in frame.itertuples(index=False):
        first, *rest = row
        cells = "".join(f'<td class="num">{html.escape(_fmt(v) if not isinstance(v, str) else v)}</td>' for v in rest)
        rows.append(f'<tr><th scope="row">{html.escape(str(first))}</th>{cells}</tr>')
    return (
        '<details class="chart-table"><summary>The figures in this chart</summary>'
        f"<table><caption>{html.escape(title)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></details>"
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
                _save_tight_png(chart.figure, buffer)
            finally:
                if artist is not None:
                    artist.set_visible(True)
        chart._png[include_title] = buffer.getvalue()
        plt.close(chart.figure)  # a no-op unless a caller handed it to pyplot
    return chart._png[include_title]


PAD_INCHES = 0.15


def _save_tight_png(figure: Figure, buffer) -> None:
    """The figure as PNG cropped to its ink plus ``PAD_INCHES``: the same pixels as
    ``savefig(bbox_inches="tight", pad_inches=PAD_INCHES)``, drawn once instead of twice.

    For a figure with a layout engine, ``savefig`` first draws the whole figure without
    rendering (to lay it out and measure it), then draws it again for real. Here the layout
    runs alone, the tight box is measured on the laid-out figure, and ``savefig`` is given
    that box with the engine set aside (the layout is already done, and an engine would
    make ``savefig`` draw twice again), then put back for later renders.
    tests/test_charts.py checks the pixels against ``bbox_inches="tight"``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(figure).get_renderer()
    engine = figure.get_layout_engine()
    if engine is not None:
        engine.execute(figure)
    box = figure.get_tightbbox(renderer).padded(PAD_INCHES)
    # No public way to set no engine at all ("none" leaves a placeholder that still makes
    # savefig draw twice), hence the attribute.
    figure._layout_engine = None
    try:
        figure.savefig(buffer, format="png", dpi=DPI, facecolor=BACKGROUND, bbox_inches=box)
    finally:
        figure._layout_engine = engine


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


def _bar_height(categories: int, per_category: int = 1) -> float:
    """A horizontal bar chart grows with its bars, so wrapped labels never touch."""
    return max(FIGSIZE[1], INCHES_PER_BAR * categories * max(1, per_category) ** 0.5 + 1.6)


def _reads_better_across(categories, hue) -> bool:
    """Many or long category labels read better on horizontal bars than rotated."""
    names = [str(c) for c in categories]
    return len(names) > 8 or (hue is None and max(map(len, names), default=0) > 16)


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
    candidates.extend(float(value) for value, _ in _refs(reference))
    highest = max(candidates, default=0.0)
    if percent and highest <= 100:
        return 100.0
    return highest * 1.15 if highest > 0 else 1.0


def _line_label(label: str, value, percent: bool) -> str:
    shown = _fmt(value, percent)
    # A label that already states the value is not given it twice.
    return label if shown.rstrip("%").split(".")[0] in label else f"{label}: {shown}"


def _refs(reference) -> list[tuple[float, str]]:
    """Comparator lines: None, one (value, label) or a list of them."""
    if reference is None:
        return []
    if isinstance(reference, tuple) and len(reference) == 2 and not isinstance(reference[0], tuple):
        return [reference]
    return list(reference)


def _draw_reference(ax, reference, horizontal: bool = False, percent: bool = False, target=None) -> None:
    """The England (or other comparator) line, dashed grey, and the target line, dotted pink,
    each labelled in the margin; when both are drawn their labels go either side of the lines
    so they never overlap."""
    lines = []
    for i, line in enumerate(_refs(reference)):
        lines.append((line, REFERENCE_COLOUR, "--" if i == 0 else "-."))
    if target is not None:
        lines.append((target, TARGET_COLOUR, ":"))
    # Higher line's label above it, lower one's below, when two are drawn.
    order = sorted(range(len(lines)), key=lambda i: float(lines[i][0][0]))
    for rank, i in enumerate(order):
        (value, label), colour, style = lines[i]
        text = _line_label(label, value, percent)
        line_style = {"color": colour, "linestyle": style, "linewidth": 1.8, "zorder": 3}
        if horizontal:
            ax.axvline(value, **line_style)
            ax.annotate(text, xy=(value, 1 - 0.08 * rank), xycoords=("data", "axes fraction"), xytext=(4, -2),
                        textcoords="offset points", ha="left", va="top", color=colour, fontsize=10)
            continue
        ax.axhline(value, **line_style)
        va = "center" if len(lines) == 1 else ("top" if rank == 0 else "bottom")
        # Labelled in the right margin, clear of the bars and points.
        ax.annotate(_wrap(text, 18), xy=(1, value), xycoords=("axes fraction", "data"), xytext=(4, 0),
                    textcoords="offset points", ha="left", va=va, color=colour, fontsize=10)


def _period_label(point) -> str:
    """Quarter labels on two lines ("Q2" over "2018-19") so eight of them fit side by side."""
    text = str(point)
    match = re.fullmatch(r"(\d{4}-\d{2}) (Q[1-4])", text)
    return f"{match[2]}\n{match[1]}" if match else _wrap(text)


# Horizontal bars: category labels wrap at this width, and each bar gets this much height.
HORIZONTAL_WRAP = 30
INCHES_PER_BAR = 0.42


_MONTH = re.compile(r"([A-Z][a-z]{2}) (\d{4})")


def _month_labels(categories) -> list[str] | None:
    """Month labels ("Jan 2020" ...) as the month, with the year under the first month and
    under each January only, so a year and more of months fit side by side."""
    matches = [_MONTH.fullmatch(str(c)) for c in categories]
    if len(matches) < 7 or not all(matches):
        return None
    return [f"{m[1]}\n{m[2]}" if i == 0 or m[1] == "Jan" else m[1] for i, m in enumerate(matches)]


def _category_ticks(ax, positions, categories, horizontal: bool = False) -> None:
    if horizontal:
        ax.set_yticks(positions, [_wrap(c, HORIZONTAL_WRAP) for c in categories])
        return
    # Each label wraps to the width its category has ("Jan 2020" over 15 months becomes
    # "Jan" over "2020"), so labels sit side by side unrotated; only a single word too long
    # for its slot turns the labels.
    width = max(4, min(16, 72 // max(1, len(categories))))
    labels = _month_labels(categories) or [_wrap(c, width) for c in categories]
    ax.set_xticks(positions, labels)
    longest_word = max((len(w) for c in categories for w in str(c).split()), default=0)
    if longest_word > width + 2:
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
    """'a 1, b 2; group: a 3, ...': every value, none left out."""
    parts = []
    for group, items in groups:
        if items:
            listed = ", ".join(f"{label} {_fmt(value, percent)}" for label, value in items)
            parts.append(f"{group}: {listed}" if group is not None else listed)
    return "; ".join(parts)


def _series_summary(group, items, percent: bool) -> str:
    """'Contacts: 78 in 2019-20 Q1 to 101 in 2020-21 Q4, highest 133 (2020-21 Q3), lowest 78
    (2019-20 Q1)': a series read out honestly in one phrase (its full table is below the chart)."""
    shown = [(label, v) for label, v in items if _is_suppressed(v) or not pd.isna(v)]
    numbers = [(label, float(v)) for label, v in shown if not _is_suppressed(v)]
    name = f"{group}: " if group is not None else ""
    if not numbers:
        return f"{name}no figures to show" if not shown else f"{name}all values suppressed"
    first, last = shown[0], shown[-1]
    text = f"{name}{_fmt(first[1], percent)} in {first[0]} to {_fmt(last[1], percent)} in {last[0]}"
    high = max(numbers, key=lambda item: item[1])
    low = min(numbers, key=lambda item: item[1])
    text += f", highest {_fmt(high[1], percent)} ({high[0]}), lowest {_fmt(low[1], percent)} ({low[0]})"
    if len(numbers) < len(shown):
        text += ", some values suppressed"
    return text


def _alt(kind: str, what: str, groups, percent: bool = False, reference=None, notes: str = "",
         target=None) -> str:
    text = f"{kind} of {what}: {_items_text(groups, percent)}."
    for value, label in _refs(reference):
        text += f" The dashed line shows {label}: {_fmt(value, percent)}."
    if target is not None:
        text += f" The dotted line shows {target[1]}."
    if notes:
        text += f" {notes}"
    if any(isinstance(value, str) and value == SUPPRESSED for _, items in groups for _, value in items):
        text += f" {SUPPRESSED_NOTE}"
    return text


def _with_period(what: str, period) -> str:
    return f"{what}, {period}" if period else what


EMPTY_CHART_HEIGHT = 1.6  # inches: an empty chart is one line, not a page of white


def _empty_chart(title: str, kind: str, what: str) -> Chart:
    with mpl.rc_context(HOUSE_RC):
        figure, ax = _new_figure(EMPTY_CHART_HEIGHT)
        ax.set_axis_off()
        artist = _set_title(ax, title)
        ax.text(0.5, 0.5, NO_DATA, ha="center", va="center", fontsize=13, transform=ax.transAxes)
    return Chart(figure, title, f"{kind} of {what}: no data for this period.", artist)


@dataclass
class Withheld:
    """What replaces a chart whose bars are mostly hidden (public reports): a sentence."""

    title: str
    what: str

    @property
    def alt(self) -> str:
        return self.sentence

    @property
    def sentence(self) -> str:
        return (f"The chart of {self.what} is not shown: most of its figures are withheld to "
                "protect the privacy of the children and families concerned.")

    def _repr_html_(self) -> str:
        return f'<p class="qa-withheld">{html.escape(self.sentence)}</p>'


_HIDDEN_FIGURE = re.compile(r"(?:^|[\s(])c(?=[\s%),.;:]|$)")


def _neutral_title(title: str, what: str) -> str:
    """A title stating a finding whose figure is hidden (``c of cases were good``) reads
    badly: it becomes a plain description of the chart instead."""
    if _HIDDEN_FIGURE.search(title):
        return what[:1].upper() + what[1:]
    return title


def mostly_hidden(values: pd.Series) -> bool:
    """True when more than half the figures a chart would draw (zeros apart) are ``c``."""
    hidden = int(values.map(_is_suppressed).sum())
    shown = int((pd.to_numeric(values, errors="coerce").fillna(0) != 0).sum())
    return hidden > 0 and hidden > shown


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
    period: str | None = None,
    target: tuple[float, str] | None = None,
) -> Chart:
    """Bars of ``y`` for each ``x`` (grouped by ``hue`` if given), the value axis from 0.

    ``reference`` is an optional (value, label) dashed line, e.g. the England figure, and
    ``target`` a dotted one. ``percent`` formats values as percentages on a 0-100 axis.
    ``period`` (e.g. "2020-21 Q3") is named in the alt text. Bars keep the frame's order;
    with many or long category names they run across, and the chart grows to fit them.
    When most bars are ``c`` a sentence (:class:`Withheld`) replaces the chart.
    """
    _check_columns(frame, [x, y, hue])
    title = _neutral_title(title, _what(ylabel, xlabel, hue))
    if not frame.empty and mostly_hidden(frame[y]):
        return Withheld(title, _what(ylabel, xlabel, hue))
    kind = "Bar chart"
    what = _with_period(_what(ylabel, xlabel, hue), period)
    if frame.empty or not _has_data(frame[y]):
        return _empty_chart(title, kind, what)

    with mpl.rc_context(HOUSE_RC):
        categories = _ordered(frame[x])
        horizontal = horizontal or _reads_better_across(categories, hue)
        groups_per = 1 if hue is None else frame[hue].nunique()
        figure, ax = _new_figure(_bar_height(len(categories), groups_per) if horizontal else FIGSIZE[1])
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
        if horizontal and value_labels and not percent:
            top *= 1.08  # room for the value labels at the bar ends
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
        if _refs(reference) or target is not None:
            _draw_reference(ax, reference, horizontal, percent, target)
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
    return Chart(figure, title, _alt(kind, what, groups, percent, reference, target=target), artist)


def stacked_bar_chart(
    frame: pd.DataFrame, x, y, hue, title: str, xlabel: str, ylabel: str, period: str | None = None
) -> Chart:
    """Bars of ``y`` for each ``x`` stacked by ``hue`` (e.g. visits by month and modality).

    A combination absent from the frame counts as 0. Each stack is topped by its total, or
    by the shown part "+ c" when one of its parts is suppressed. When most parts are ``c``
    a sentence (:class:`Withheld`) replaces the chart.
    """
    _check_columns(frame, [x, y, hue])
    title = _neutral_title(title, _what(ylabel, xlabel, hue))
    if not frame.empty and mostly_hidden(frame[y]):
        return Withheld(title, _what(ylabel, xlabel, hue))
    kind = "Stacked bar chart"
    what = _with_period(_what(ylabel, xlabel, hue), period)
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


def _first_point_with_data(frame: pd.DataFrame, x, y, points: list) -> int:
    """Index of the first point where any series has a figure (or a suppressed one)."""
    for i, point in enumerate(points):
        if _has_data(frame.loc[frame[x] == point, y]):
            return i
    return 0


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
    target: tuple[float, str] | None = None,
    period: str | None = None,
) -> Chart:
    """The trend of ``y`` over ``x`` (e.g. quarters, in the frame's order), one line per ``hue``.

    The value axis starts at 0 and ends at ``y_max`` if given, else at 100 for percentages;
    the time axis starts at the first point with data (earlier empty quarters are dropped).
    A suppressed point leaves a gap marked ``c``; a missing one a plain gap. ``reference``
    (dashed, e.g. England) and ``target`` (dotted) are (value, label) lines. The alt text
    names the span and reads out a single series point by point; with several series it
    gives each one's first, last, highest and lowest, and the full table follows the chart.
    When most points are ``c`` a sentence (:class:`Withheld`) replaces the chart.
    """
    _check_columns(frame, [x, y, hue])
    title = _neutral_title(title, _what(ylabel, xlabel, hue))
    if not frame.empty and mostly_hidden(frame[y]):
        return Withheld(title, _what(ylabel, xlabel, hue))
    kind = "Line chart"
    what = _what(ylabel, xlabel, hue)
    if frame.empty or not _has_data(frame[y]):
        return _empty_chart(title, kind, _with_period(what, period))

    points = _ordered(frame[x])
    # Quarters the data does not cover (``frame.attrs["gaps"]``, from ReportContext.trend,
    # issue 10) between quarters with figures stay on the axis as labelled gaps. The axis
    # starts where the data starts (issue 16): empty leading quarters are dropped, and those
    # the data does not cover are named in the text alternative ("No data before ...").
    gaps = {str(k): v for k, v in frame.attrs.get("gaps", {}).items()}
    first = _first_point_with_data(frame, x, y, points)
    leading = {str(p): gaps[str(p)] for p in points[:first] if str(p) in gaps}
    gaps = {k: v for k, v in gaps.items() if k not in leading}
    points = points[first:]
    frame = frame.loc[frame[x].isin(points)]
    with mpl.rc_context(HOUSE_RC):
        figure, ax = _new_figure()
        positions = np.arange(len(points))
        series = [(None, frame)] if hue is None else [(g, frame.loc[frame[hue] == g]) for g in _ordered(frame[hue])]
        all_heights, alt_groups, table = [], [], {}
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
                        # On a white ground above the lines, so a comparator or target line
                        # passing behind a value never strikes it through.
                        ax.annotate(_fmt(value, percent), xy=(position, height), xytext=(0, 7),
                                    textcoords="offset points", ha="center", va="bottom", fontsize=10,
                                    zorder=5, bbox=VALUE_LABEL_BOX)
            all_heights.append(heights)
            alt_groups.append((None if group is None else str(group), [(str(p), v) for p, v in values.items()]))
            table[ylabel if group is None else str(group)] = [_fmt(v, percent) for v in values]

        # A quarter the data does not cover is a labelled gap, never a 0.
        for position, point in zip(positions, points, strict=True):
            if str(point) in gaps and all(math.isnan(h[position]) for h in all_heights):
                ax.annotate("no data", xy=(position, 0), xytext=(0, 3), textcoords="offset points",
                            ha="center", va="bottom", color=TEXT_COLOUR, fontsize=9)
        step = max(1, math.ceil(len(points) / 12))
        ax.set_xticks(positions[::step], [_period_label(p) for p in points[::step]])
        ax.set_xlim(-0.5, len(points) - 0.5)
        ax.set_ylim(0, _value_top(np.concatenate(all_heights), reference, percent, y_max))
        if target is not None and y_max is None and not percent:
            ax.set_ylim(0, max(ax.get_ylim()[1], float(target[0]) * 1.15))
        _count_axis(ax.yaxis, percent)
        if _refs(reference) or target is not None:
            _draw_reference(ax, reference, percent=percent, target=target)
        if hue is not None:
            _legend(ax, hue)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        artist = _set_title(ax, title)

    span = f"{_lower(ylabel)} by {_lower(xlabel)}, {points[0]} to {points[-1]}"
    if period and period not in str(points[-1]):  # quarters written "Q1" .. "Q4" in a year's report
        span += f" of {period}"
    gap_text = " ".join(
        [f"No data before {points[0]}: {note}." for note in dict.fromkeys(leading.values())]
        + [f"No data: {note}." for note in dict.fromkeys(gaps.values())]
    )
    what = span if hue in (None, "series") else f"{span}, by {_humanise(hue)}"
    if len(alt_groups) == 1:
        alt = _alt(kind, what, alt_groups, percent, reference, gap_text, target=target)
        frame_table = None
    else:
        summaries = "; ".join(_series_summary(group, items, percent) for group, items in alt_groups)
        alt = f"{kind} of {what}, {len(alt_groups)} series: {summaries}."
        for value, label in _refs(reference):
            alt += f" The dashed line shows {label}: {_fmt(value, percent)}."
        if target is not None:
            alt += f" The dotted line shows {target[1]}."
        if any(_is_suppressed(v) for _, items in alt_groups for _, v in items):
            alt += f" {SUPPRESSED_NOTE}"
        if gap_text:
            alt += f" {gap_text}"
        alt += " The full figures are in the table below the chart."
        frame_table = pd.DataFrame({_humanise(x).capitalize(): [str(p) for p in points], **table})
    return Chart(figure, title, alt, artist, table=frame_table)


def heatmap_chart(
    frame: pd.DataFrame, row, col, value, title: str, xlabel: str, ylabel: str, period: str | None = None
) -> Chart:
    """A grid of ``value`` by ``row`` (down) and ``col`` (across), each cell annotated.

    For count matrices such as placement transitions or grades by domain: a combination
    absent from the frame counts as 0; the colour scale starts at 0; suppressed cells are
    left uncoloured and marked ``c``. When most cells are ``c`` a sentence
    (:class:`Withheld`) replaces the chart.
    """
    _check_columns(frame, [row, col, value])
    title = _neutral_title(title, f"{_humanise(value)} by {_lower(ylabel)} and {_lower(xlabel)}")
    if not frame.empty and mostly_hidden(frame[value]):
        return Withheld(title, f"{_humanise(value)} by {_lower(ylabel)} and {_lower(xlabel)}")
    kind = "Heatmap"
    what = _with_period(f"{_humanise(value)} by {_lower(ylabel)} (rows) and {_lower(xlabel)} (columns)", period)
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
        _heatmap_cells(
            ax, numbers.to_numpy(dtype=float), colour_map, vmax,
            [_wrap(c) for c in cols], [_wrap(r, 24) for r in rows],
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


def _heatmap_cells(ax, values: np.ndarray, colour_map, vmax: float, xlabels: list, ylabels: list) -> None:
    """The cells of a heatmap as ``seaborn.heatmap(values, cmap, vmin=0, vmax, cbar=False,
    linewidths=1, linecolor=white, mask=NaN)`` draws them (the same calls, so the same
    pixels), without importing seaborn and scipy.stats (about 1 s in every kernel) for it:
    no spines, one mesh cell per value (missing ones masked), first row at the top, a tick
    at the middle of each row and column. Labels are set upright by the caller."""
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.pcolormesh(np.ma.masked_invalid(values), cmap=colour_map, vmin=0, vmax=vmax, linewidths=1,
                  edgecolor=BACKGROUND)
    rows, cols = values.shape
    ax.set(xlim=(0, cols), ylim=(0, rows))
    ax.invert_yaxis()
    ax.set(xticks=np.arange(cols) + 0.5, yticks=np.arange(rows) + 0.5)
    ax.set_xticklabels(xlabels)
    for label in ax.set_yticklabels(ylabels, rotation="vertical"):
        label.set_verticalalignment("center")
    ax.set(xlabel="", ylabel="")


def funnel_chart(
    frame: pd.DataFrame, stage, count, title: str, xlabel: str = "Number", ylabel: str = "Stage",
    period: str | None = None,
) -> Chart:
    """Stages in the frame's order as bars from 0, each labelled with its count.

    With ``share`` and ``share_of`` columns (see ``referrals.referral_funnel``) a stage is
    labelled with the given share only, so a percentage on the chart is the same figure as
    the metric of that name; without them, each stage with the % of the stage before it
    (left out when either count is suppressed or missing).
    """
    _check_columns(frame, [stage, count])
    title = _neutral_title(title, f"{_lower(xlabel)} at each {_lower(ylabel)}")
    kind = "Funnel chart"
    what = _with_period(f"{_lower(xlabel)} at each {_lower(ylabel)}", period)
    if frame.empty or not _has_data(frame[count]):
        return _empty_chart(title, kind, what)

    stages = _ordered(frame[stage])
    values = _aligned(frame, stage, count, stages)
    heights = _numbers(values)
    given = "share" in frame.columns and "share_of" in frame.columns
    shares = _aligned(frame, stage, "share", stages) if given else None
    share_of = _aligned(frame, stage, "share_of", stages) if given else None
    labels, alt_items = [], []
    for i, (name, value) in enumerate(values.items()):
        label = _fmt(value)
        if given:
            share = shares.iloc[i]
            if isinstance(share, str) or (share is not None and not pd.isna(share)):
                label = f"{label} ({_fmt(share, percent=True)} of {share_of.iloc[i]})"
        else:
            previous = heights[i - 1] if i else math.nan
            if i and not math.isnan(heights[i]) and not math.isnan(previous) and previous > 0:
                # the house rounding (half away from zero, from the exact ratio): 37 of 80 is 46.3%
                share = _fmt(pct(float(heights[i]), float(previous)), percent=True)
                label = f"{label} ({share} of {stages[i - 1]})"
        labels.append(label)
        alt_items.append((str(name), label))

    with mpl.rc_context(HOUSE_RC):
        figure, ax = _new_figure()
        positions = np.arange(len(stages))
        bars = ax.barh(positions, np.nan_to_num(heights, nan=0.0), 0.7, color=PALETTE["dark_blue"])
        ax.bar_label(bars, labels=labels, padding=3, fontsize=10)
        _category_ticks(ax, positions, stages, horizontal=True)
        ax.invert_yaxis()  # first stage at the top
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", visible=True)
        # Extra room on the right for the "(x% of ...)" labels.
        ax.set_xlim(0, _value_top(heights, None, False) * 1.25)
        _count_axis(ax.xaxis, False)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        artist = _set_title(ax, title)

    return Chart(figure, title, _alt(kind, what, [(None, alt_items)]), artist)


# --- sparklines -----------------------------------------------------------------------------

SPARK_SIZE = (1.6, 0.45)


_SPARKLINE: list = []  # this process's one sparkline figure and axes, reused


def _sparkline_axes():
    """The sparkline figure and its bare axes, made once per process (a new figure and
    axes cost more than drawing a sparkline: a summary page draws 20 of them); each
    sparkline removes its lines after it is saved, so the next starts from the same
    empty axes (the same pixels as a new figure: tests/test_charts.py)."""
    if not _SPARKLINE:
        figure = Figure(figsize=SPARK_SIZE, dpi=DPI, facecolor=BACKGROUND)
        ax = figure.add_axes((0.02, 0.08, 0.96, 0.84))
        ax.set_axis_off()
        _SPARKLINE.append((figure, ax))
    return _SPARKLINE[0]


def sparkline_html(points: list[tuple[str, object]], name: str, percent: bool = False,
                   target: float | None = None) -> str:
    """A small trend line for a table cell, as an ``<img>`` with its own alt text.

    ``points`` are (quarter label, value) oldest first; leading quarters without a figure
    are dropped; a suppressed or missing value is a gap. The last point is marked. An
    optional target is a dotted line. Returns "" when no point has a figure.
    """
    while points and _number_or_none(points[0][1]) is None:
        points = points[1:]
    numbers = [_number_or_none(v) for _, v in points]
    if not points or all(n is None for n in numbers):
        return ""
    heights = np.array([math.nan if n is None else n for n in numbers], dtype=float)
    with mpl.rc_context(HOUSE_RC):
        figure, ax = _sparkline_axes()
        positions = np.arange(len(points))
        ax.plot(positions, heights, color=PALETTE["dark_blue"], linewidth=1.6)
        last = max(i for i, n in enumerate(numbers) if n is not None)
        ax.plot([last], [heights[last]], marker="o", color=PALETTE["dark_blue"], markersize=4)
        low, high = np.nanmin(heights), np.nanmax(heights)
        if target is not None:
            ax.axhline(target, color=TARGET_COLOUR, linestyle=":", linewidth=1.2)
            low, high = min(low, target), max(high, target)
        pad = (high - low) * 0.15 or 1.0
        ax.set_ylim(low - pad, high + pad)
        ax.set_xlim(-0.3, len(points) - 0.7)
        buffer = io.BytesIO()
        try:
            figure.savefig(buffer, format="png", dpi=DPI, facecolor=BACKGROUND)
        finally:
            for line in list(ax.lines):  # the figure is kept for the next sparkline
                line.remove()
    shown = [(label, v) for label, v in points]
    alt = f"Trend of {_lower(name)}, {points[0][0]} to {points[-1][0]}: " + ", ".join(
        f"{label} {_fmt(value, percent)}" for label, value in shown
    ) + "."
    if target is not None:
        alt += f" Target {_fmt(target, percent)}."
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img class="sparkline" src="data:image/png;base64,{data}" alt="{html.escape(alt, quote=True)}">'


def _number_or_none(value):
    if value is None or isinstance(value, str):
        return None
    number = float(value)
    return None if math.isnan(number) else number


# --- label overlap ----------------------------------------------------------------------------


def text_overlaps(chart: Chart, include_title: bool = False) -> list[tuple[str, str]]:
    """Pairs of visible texts on the chart (tick labels, value labels, annotations, axis
    labels, legend) whose bounding boxes, as matplotlib's renderer draws them, overlap.

    How the reports check that labels never overlap: the tests call this on every kind of
    chart built from the demo data (tests/test_charts.py).
    """
    figure = chart.figure
    with mpl.rc_context(HOUSE_RC):
        if chart.title_artist is not None:
            chart.title_artist.set_visible(include_title)
        try:
            from matplotlib.backends.backend_agg import FigureCanvasAgg

            canvas = FigureCanvasAgg(figure)  # the renderer the PNG is drawn with
            canvas.draw()
            renderer = canvas.get_renderer()
            texts = [
                t for t in figure.findobj(Text)
                if t.get_visible() and t.get_text().strip() and t.get_alpha() != 0
            ]
            boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts]
        finally:
            if chart.title_artist is not None:
                chart.title_artist.set_visible(True)
    found = []
    for i, (text_a, box_a) in enumerate(boxes):
        for text_b, box_b in boxes[i + 1:]:
            # Touching edges are fine; a shared pixel row or column of ink is not.
            if box_a.x0 < box_b.x1 - 1 and box_b.x0 < box_a.x1 - 1 and box_a.y0 < box_b.y1 - 1 and box_b.y0 < box_a.y1 - 1:
                found.append((text_a, text_b))
    return found

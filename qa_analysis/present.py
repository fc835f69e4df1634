"""What the report notebooks call to present figures: parameters, sentences, sections.

Notebooks present; the library computes. This module turns computed figures into what a
manager reads: validated parameters, numbers formatted for the audience (disclosure
control for ``public``), the definitions section (from the metric docstrings), the
data-quality section (counts only, never rows) and the provenance footer.
"""

from __future__ import annotations

import html
import os
import time
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .checksums import file_sha256
from .config import DEFAULT_SETTINGS, DEMO_DATA_DIR, PROJECT_ROOT, Settings, load_settings
from .disclosure import AUDIENCES, SMALLEST_SHOWN, SUPPRESSED, suppress_count
from .errors import QAError
from .io.tables import OPTIONAL_EXTRAS, TABLES, TOPIC_OPTIONAL, TOPIC_TABLES
from .metrics.plain import label_of  # noqa: F401 - the figure names notebooks show
from .periods import Quarter, parse_quarter, parse_year, trailing_quarters, year_quarters

NOT_AVAILABLE = "not available"


class ParameterError(QAError):
    """A notebook parameter with a value the report cannot use."""


def resolve_data_dir(data_dir: str | Path) -> Path:
    """A notebook's data folder. A relative path is taken from the working directory (where
    papermill or JupyterLab runs) when it exists there, else from the project (a source
    tree); ``data/demo`` is the demo data wherever the package is installed.

    Examples
    --------
    >>> resolve_data_dir("data/demo").is_dir()
    True

    The notebooks' default (blank or ``data/demo``) gives ``$QA_ANALYSIS_DATA`` when it is
    set, as ``config.default_data_dir`` promises, so an analyst's folder is used without
    editing the notebooks; any other value wins over it.
    """
    from .config import DATA_DIR_ENV, default_data_dir

    if (not data_dir or str(data_dir).rstrip("/") == "data/demo") and os.environ.get(DATA_DIR_ENV):
        return default_data_dir()
    path = Path(data_dir or "data/demo").expanduser()
    if path.is_absolute():
        return path
    for base in (Path.cwd(), PROJECT_ROOT):
        if (base / path).is_dir():
            return base / path
    if path.as_posix().rstrip("/") == "data/demo":
        return DEMO_DATA_DIR
    return Path.cwd() / path  # absent: the error names it where the user looked


def _folder_signature(folder: Path) -> tuple:
    # one level of subfolders too: SSDA903 returns may come a subfolder per year
    files = [p for p in folder.iterdir() if p.is_file()]
    files += [f for d in folder.iterdir() if d.is_dir() and not d.name.startswith(".") for f in d.iterdir() if f.is_file()]
    return tuple(sorted((str(p.relative_to(folder)), p.stat().st_mtime_ns, p.stat().st_size) for p in files))


# The authority of a regional SSDA903 stack (``report --la``), for notebooks' kernels.
LA_ENV = "QA_ANALYSIS_LA"


@lru_cache(maxsize=4)
def _load_cached(folder: str, signature: tuple, auditor_roles: tuple | None = None, la: str | None = None):
    from .io import load_data

    settings = None if auditor_roles is None else DEFAULT_SETTINGS.replace(auditor_roles=auditor_roles)
    return load_data(Path(folder), settings, la=la)


def load_data_cached(folder: Path, settings: Settings | None = None):
    """``load_data`` once per folder state: a batch worker's kernel reuses it across notebooks.

    ``settings`` matter to loading only through their auditor roles (audits.csv). The
    authority of a regional SSDA903 stack is taken from ``QA_ANALYSIS_LA`` when set
    (``qa-analysis report --la NAME`` sets it for the notebooks it runs)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ParameterError(f"data_dir {str(folder)!r} is not a folder.")
    roles = None if settings is None or settings.auditor_roles == DEFAULT_SETTINGS.auditor_roles else (
        tuple(settings.auditor_roles))
    return _load_cached(str(folder.resolve()), _folder_signature(folder), roles, os.environ.get(LA_ENV) or None)


_COVERAGE_COLUMNS = {
    "visits": (("visits", "visit_date"),),
    "referrals": (("contacts", "contact_date"), ("referrals", "referral_date"),
                  ("assessments", "assessment_authorised_date")),
    "placement_stability": (("episodes", "DECOM"), ("episodes", "DEC")),
    "audits": (("case_audits", "audit_date"), ("recommendations", "raised_date"),
               ("recommendations", "completed_date")),
}


def data_coverage(data, topic: str) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The first and last dates a topic's data holds (None, None when it holds none).

    Worked out once per loaded data set and topic: every trend point and headline change
    of a page asks (about 20 times a page)."""
    return _cached(_COVERAGE, (id(data), topic), data, lambda: _data_coverage(data, topic))


def _data_coverage(data, topic: str) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    dates = [
        getattr(data, table)[column].dropna()
        for table, column in _COVERAGE_COLUMNS.get(topic, ())
        if getattr(data, table, None) is not None
    ]
    dates = [d for d in dates if not d.empty]
    if not dates:
        return None, None
    return min(d.min() for d in dates), max(d.max() for d in dates)


# A batch worker's kernel runs many notebooks on the same loaded data: the figures of a
# quarter are computed once and reused by every report and trend chart that needs them.
_FIGURES: dict = {}
_BASES: dict = {}
_COVERAGE: dict = {}


def _cached(store: dict, key: tuple, data, compute):
    if key not in store:
        if len(store) > 512:
            store.clear()
        # Holding ``data`` in the entry keeps its id from being reused while cached.
        store[key] = (data, compute())
    return store[key][1]


def _quarter_figures(data, quarter: Quarter, settings: Settings, topics: tuple):
    # During a report run the figures are computed once for all the run's kernels (runstore).
    from . import runstore

    key = (id(data), quarter, settings, tuple(topics))
    return _cached(_FIGURES, key, data, lambda: runstore.quarter_figures(data, quarter, settings, topics))


def _quarter_bases(data, quarter: Quarter, settings: Settings) -> dict:
    from . import runstore

    return _cached(_BASES, (id(data), quarter, settings), data, lambda: runstore.quarter_bases(data, quarter, settings))


def check_audience(audience: str) -> str:
    if audience not in AUDIENCES:
        raise ParameterError(f"audience must be 'internal' or 'public', not {audience!r}.")
    return audience


@dataclass
class ReportContext:
    """Everything a report notebook needs, checked once at the top of the notebook."""

    topic: str
    data: object
    settings: Settings
    audience: str
    quarter: Quarter | None = None
    year: int | None = None
    metrics: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    bases: dict = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)

    # --- periods -------------------------------------------------------------------
    @property
    def period_label(self) -> str:
        if self.quarter is not None:
            return self.quarter.label
        return f"{self.year}-{(self.year + 1) % 100:02d}"

    @property
    def start(self) -> pd.Timestamp:
        return self.quarter.start if self.quarter else year_quarters(self.year)[0].start

    @property
    def end(self) -> pd.Timestamp:
        return self.quarter.end if self.quarter else year_quarters(self.year)[-1].end

    @property
    def quarters(self) -> list[Quarter]:
        return [self.quarter] if self.quarter else year_quarters(self.year)

    def trailing(self, n: int = 8) -> list[Quarter]:
        return trailing_quarters(self.quarters[-1], n)

    @property
    def public(self) -> bool:
        return self.audience == "public"

    # --- numbers for sentences ------------------------------------------------------
    def published(self, quarter: Quarter | None = None):
        """The audited public figures of the financial year holding ``quarter`` (default
        this report's period): every public page of the year draws from the same set."""
        from .published import published_period, published_year

        if self.data is None:  # figures given without a data folder: audit them alone
            return published_period(self.period_label, self.metrics, self.bases, self.settings)
        year = (quarter or self.quarter).year if (quarter or self.quarter) is not None else self.year
        return published_year(self.data, year, self.settings)

    def value(self, key: str):
        """A metric as shown to this audience: a number, ``"c"`` (suppressed) or None.

        Public: the year's audited published set (primary and secondary suppression over
        every page of the period), never a suppression of this page's own.
        """
        if key not in self.metrics:
            return None
        if self.public:
            published = self.published()
            shown = published.value(self.period_label, key)
            return shown if shown is not None or cell_known(published, self.period_label, key) else None
        return self.metrics[key]

    def n(self, key: str) -> str:
        """A count for a sentence: ``1,234``, ``c`` or ``not available``."""
        return format_count(self.value(key))

    def p(self, key: str) -> str:
        """A percentage for a sentence: ``45.2%``, ``c`` or ``not available``."""
        return format_pct(self.value(key))

    def say(self, key: str, shown: str, withheld: str) -> str:
        """A sentence that adapts when a figure is hidden: ``shown`` with ``{}`` replaced by
        the figure (``45.2%`` or ``1,234``), or ``withheld`` when this audience sees ``c``.
        ``withheld`` never says how small the figure is: ``c`` may hide any number."""
        value = self.value(key)
        if value == SUPPRESSED:
            return withheld
        text = format_pct(value) if ".pct_" in key else format_count(value)
        return shown.replace("{}", text)

    def privacy_note(self) -> str:
        """Where ``c`` first appears on a public page: what it means (empty for internal)."""
        if not self.public:
            return ""
        return (
            "\n\n*Figures shown as **c** are withheld to protect the privacy of the children and "
            "families concerned: every number from 1 to 5, and any other figure from which one "
            "could be worked out, across all the pages for this period. 0 means none.*"
        )

    def table(self, frame: pd.DataFrame, value_cols, totals: bool = True, keys=None) -> pd.DataFrame:
        """A tidy breakdown with disclosure control applied for the public audience.

        ``keys`` (public): the name of a page table in
        :data:`qa_analysis.disclosure_relations.TABLE_KEYS` (``frame`` then as its metric
        function returned it, before codes are put in words), or a function (row position,
        column) -> the published key of that cell, or (period label, key) for a cell of
        another quarter; the cells then come from the year's audited published set (a key it
        does not hold is shown as ``c``). Without ``keys`` the table is suppressed on its own
        (primary and secondary): only for tables no public page shows.
        """
        from .disclosure import suppress_table
        from .disclosure_relations import cell as cell_id
        from .disclosure_relations import table_keys

        if not self.public or frame.empty:
            return frame
        if isinstance(keys, str):
            keys = table_keys(keys, frame)
        if keys is not None:
            out = frame.copy()
            for column in value_cols:
                shown = []
                for position in range(len(frame)):
                    key = keys(position, column)
                    period, key = key if isinstance(key, tuple) else (self.period_label, key)
                    published = self.published(_quarter_or_none(period))
                    shown.append(published.shown.get(cell_id(period, key), SUPPRESSED))
                out[column] = pd.Series(shown, index=frame.index, dtype=object)
            return out
        return suppress_table(frame, value_cols=list(value_cols)) if totals else frame.assign(
            **{c: frame[c].map(suppress_count) for c in value_cols}
        )

    def count(self, n) -> str:
        """Any count computed in a notebook, formatted and suppressed for this audience."""
        return format_count(suppress_count(n) if self.public else n)

    # --- what changed, against what ----------------------------------------------------
    def value_in(self, key: str, quarter: Quarter):
        """``key`` in another quarter as this audience sees it (None outside the data)."""
        frame = self._series([key], [quarter])
        return frame["value"].iloc[0] if len(frame) else None

    def change_parts(self, key: str) -> list[str]:
        """``["up 4.2 points on Q2", "down 1.0 point on 2019-20 Q3"]`` for this quarter's figure."""
        from .changes import against_labels, change, change_words

        if self.quarter is None:
            return []
        previous, previous_name, year_ago, year_ago_name = against_labels(self.quarter)
        now = self.value(key)
        percent = ".pct_" in key
        return [
            change_words(change(now, self.value_in(key, previous), percent), previous_name),
            change_words(change(now, self.value_in(key, year_ago), percent), year_ago_name),
        ]

    def changes(self, key: str) -> str:
        """What changed, in words, for a headline sentence: ``up 4.2 points on Q2 and down
        1.0 point on 2019-20 Q3``."""
        return " and ".join(self.change_parts(key))

    @property
    def targets(self) -> dict:
        from .targets import parse_targets

        return parse_targets(self.settings.targets)

    def status(self, key: str):
        """The red/amber/green :class:`~qa_analysis.targets.Status` of this quarter's figure, or None."""
        from .targets import status

        return status(self.value(key), self.targets.get(key))

    def status_html(self, key: str) -> str:
        """The status in words and colour, or "" without a target."""
        found = self.status(key)
        if found is None:
            return ""
        return f'<span class="{found.css_class}">{html.escape(found.words)}</span>'

    def target_line(self, key: str):
        from .targets import target_line

        return target_line(self.targets.get(key))

    @property
    def comparators(self) -> list:
        from .reference import load_comparators

        folder = getattr(self.data, "folder", None)
        try:
            return load_comparators(folder) if folder else []
        except QAError as exc:
            raise ParameterError(str(exc)) from None

    @property
    def financial_year(self) -> int:
        return self.quarter.year if self.quarter else self.year

    def reference_lines(self, key: str) -> list[tuple[float, str]]:
        """The comparator lines for a chart of ``key``: England for the year the report
        covers (where held) and the authority's own comparators for that year."""
        from .reference import comparators_for

        quarter = self.quarter.label if self.quarter else None
        return [(c.value, c.label) for c in comparators_for(key, self.financial_year, self.comparators, quarter)]

    def comparison_text(self, key: str) -> str:
        """The comparators in one sentence with their source and year, or why there is none."""
        from .reference import comparison_sentence

        quarter = self.quarter.label if self.quarter else None
        return comparison_sentence(key, self.financial_year, self.comparators, quarter)

    # --- figures marked for checking ------------------------------------------------------
    def fig(self, key: str) -> str:
        """A headline figure in bold, marked with its metric so a test can check every figure
        printed on a page against ``metrics.json``."""
        shown = self.p(key) if ".pct_" in key else self.n(key)
        figure = f'<strong data-metric="{html.escape(key)}">{html.escape(shown)}</strong>'
        if shown == SUPPRESSED and ".pct_" in key:
            return f"{figure} (a withheld share)"  # never "c of overall grades were good"
        return figure

    def headline(self, key: str, sentence: str) -> str:
        """A headline bullet: the sentence, then what changed and the status against target."""
        parts = [sentence.rstrip(".") + "."]
        # No figure this quarter: nothing to compare, so no "no figure ... to compare with".
        changes = self.changes(key) if self.value(key) is not None else ""
        if changes:
            parts.append(f"That is {changes}.")
        found = self.status(key)
        if found is not None:
            parts.append(self.status_html(key))
        return "- " + " ".join(parts)

    def _series(self, keys, quarters) -> pd.DataFrame:
        from .disclosure import apply_audience_to_metrics
        from .metrics import topic_of

        topics = tuple(sorted({topic_of(k) for k in keys}))
        coverage = {t: data_coverage(self.data, t) for t in topics}
        rows = []
        for quarter in quarters:
            result = _quarter_figures(self.data, quarter, self.settings, topics)
            if self.public:
                shown = {k: self.published(quarter).value(quarter.label, k) for k in result.metrics}
            else:
                shown = apply_audience_to_metrics(result.metrics, self.audience, {})
            for k in keys:
                first, last = coverage[topic_of(k)]
                # A quarter the data does not reach is missing, not zero.
                covered = first is not None and quarter.end >= first and quarter.start <= last
                rows.append({"quarter": quarter.label, "key": k, "value": shown.get(k) if covered else None})
        return pd.DataFrame(rows, columns=["quarter", "key", "value"])

    def trend(self, keys, n: int = 8, labels: dict | None = None) -> pd.DataFrame:
        """Keys over the ``n`` quarters to this report's last quarter, as this audience sees them.

        A tidy frame (quarter, key, value[, series]) ready for ``charts.line_chart``; for the
        public audience each quarter's figures are suppressed on that quarter's own bases.
        """
        frame = self._series(list(keys), self.trailing(n))
        if labels:
            frame = frame.assign(series=lambda d: d["key"].map(labels).fillna(d["key"]))
        # Quarters the data does not cover are gaps with a note (issue 10): charts label them.
        frame.attrs["gaps"] = self._gap_notes(frame)
        return frame

    def _gap_notes(self, frame: pd.DataFrame) -> dict[str, str]:
        from .metrics.coverage import gap_note

        notes: dict[str, str] = {}
        by_label = {q.label: q for q in self.trailing(len(frame["quarter"].unique()) or 1)}
        for r in frame.loc[frame["value"].isna()].itertuples():
            quarter = by_label.get(r.quarter)
            note = gap_note(self.data, quarter, r.key, self.settings) if quarter is not None else None
            if note and r.quarter not in notes:
                notes[r.quarter] = note
        return notes

    def compare(self, labels: dict[str, str], quarters: int = 2) -> pd.DataFrame:
        """Headline figures side by side for the last ``quarters`` quarters, formatted for reading.

        ``labels`` maps catalogue keys to the words shown; pct keys are shown as ``45.2%``.
        """
        long = self.trend(list(labels), n=quarters)
        wide = long.pivot(index="key", columns="quarter", values="value").reindex(list(labels))
        shown = wide.apply(
            lambda column: [
                format_pct(v) if ".pct_" in key else format_count(v) for key, v in column.items()
            ]
        )
        return shown.reset_index().assign(key=lambda d: d["key"].map(labels)).rename(
            columns={"key": "Figure"}
        ).rename_axis(columns=None)

    def rates(self, frame: pd.DataFrame, pct: str, numerator: str, denominator: str) -> pd.DataFrame:
        """A breakdown's percentage column, shown as ``c`` for the public audience where it
        rests on a count of 1 to 5 (its numerator, denominator or complement)."""
        if not self.public:
            return frame
        last = SMALLEST_SHOWN - 1
        small = (frame[numerator].between(1, last) | frame[denominator].between(1, last)
                 | (frame[denominator] - frame[numerator]).between(1, last))
        return frame.assign(**{pct: frame[pct].astype(object).where(~small, "c")})



def md(text: str):
    """Show Markdown in the report (headline sentences, notes)."""
    from IPython.display import Markdown, display

    display(Markdown(text))


def show_html(text: str):
    """Show HTML in the report (tables of aggregated figures, the footer)."""
    from IPython.display import HTML, display

    display(HTML(text))


def format_count(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return NOT_AVAILABLE
    if isinstance(value, str):
        return value
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def format_pct(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return NOT_AVAILABLE
    if isinstance(value, str):
        return value
    return f"{float(value):.1f}%"


def start_report(
    topic: str, quarter: str | None = None, year: str | None = None, data_dir: str = "data/demo",
    audience: str = "internal", settings_file: str = "",
) -> ReportContext:
    """Check a notebook's parameters, load the data and compute the period's figures.

    Raises :class:`ParameterError` with a plain sentence on a bad value.
    """
    from .io.tables import TOPICS

    check_audience(audience)
    try:
        settings = load_settings(settings_file) if settings_file else DEFAULT_SETTINGS
    except ValueError as exc:
        raise ParameterError(str(exc)) from None
    if quarter is None and year is None:
        raise ParameterError("Give a quarter (e.g. '2020-21 Q1') or a year (e.g. '2020-21').")
    period_quarter = parse_quarter(quarter) if quarter is not None else None
    period_year = parse_year(year) if year is not None else None
    data = load_data_cached(resolve_data_dir(data_dir), settings)
    context = ReportContext(topic, data, settings, audience, quarter=period_quarter, year=period_year)
    if period_quarter is not None:
        topics = (topic,) if topic in TOPICS else TOPICS
        result = _quarter_figures(data, period_quarter, settings, topics)
        context.metrics, context.notes = result.metrics, result.notes
        # Disclosure bases are needed by the public audience only.
        context.bases = _quarter_bases(data, period_quarter, settings) if context.public else {}
    elif audience == "public":
        context.metrics = dict(context.published().period_figures(context.period_label))
    return context


def _quarter_or_none(period: str):
    return parse_quarter(period) if " Q" in period else None


def quarter_of_month(month) -> str:
    """The label of the financial quarter holding a date (``2020-10-01`` -> ``2020-21 Q3``)."""
    month = pd.Timestamp(month)
    fy = month.year if month.month >= 4 else month.year - 1
    return f"{fy}-{(fy + 1) % 100:02d} Q{(month.month - 4) % 12 // 3 + 1}"


def cell_known(published, period: str, key: str) -> bool:
    from .disclosure_relations import cell

    return cell(period, key) in published.shown


# --- sections -------------------------------------------------------------------------


SUMMARY_TITLES = {
    "visits": "Visits", "referrals": "Contacts, referrals and assessments",
    "placement_stability": "Placement stability", "audits": "Case audits and recommendations",
}


def summary_sections() -> dict[str, list[str]]:
    """The quarterly summary's sections: each topic's heading -> its headline keys, read
    from the metric registry (the one place a key is declared)."""
    from .metrics import registry

    return {SUMMARY_TITLES[topic]: registry.summary_keys(topic) for topic in registry.TOPICS}


def definitions_markdown(keys, comparisons: ReportContext | None = None) -> str:
    """The definitions section in plain English: each figure by the name it has on the page,
    what is counted, out of what, over which period and from which source (kept with the
    metric in ``metrics.plain``; the technical detail stays in the docstrings and docs).

    With a report context, each figure with a national comparator also says which England
    figure (source and year) it is compared with, or that none is held for the year.
    """
    from .metrics.catalogue import definition_of
    from .reference import metrics_with_england_figures

    national = set(metrics_with_england_figures())
    lines = []
    for key in keys:
        text = definition_of(key)
        if comparisons is not None and key in national:
            text += f" Compared with: {comparisons.comparison_text(key)}"
        lines.append(f"- **{label_of(key)}**: {text}")
    return "\n".join(lines)


def describe(code, labels: dict) -> str:
    """A code as its description for the reader (``CARPL`` -> ``Change to or implementation
    of care plan``); a code with no description is shown as it is."""
    words = labels.get(str(code))
    return words if words else str(code)


AUDIT_TYPE_LABELS = {"full_case_file": "Full case file audit", "thematic": "Thematic audit", "stocktake": "Stocktake"}
LEGAL_STATUS_LABELS = {
    "C1": "Interim care order", "C2": "Full care order", "D1": "Freeing order granted",
    "E1": "Placement order granted", "V2": "Accommodated under section 20 (single period)",
    "V3": "Short breaks (individual episodes)", "V4": "Short breaks (agreements)",
    "L1": "Police protection", "L2": "Emergency protection order", "L3": "Child assessment order",
    "J1": "Remanded to local authority accommodation", "J2": "Placed under PACE 1984",
    "J3": "Youth rehabilitation order with residence requirement",
}
PROFILE_LABELS = {
    "age_at_move": "Age at the move", "sex": "Sex", "legal_status": "Legal status",
    "uasc": "Unaccompanied asylum-seeking child", "earlier_placements": "Earlier placements",
    "reason": "Reason for the move",
}


# Compound words that keep their hyphen when a code becomes words.
_HYPHENATED = {"semi independent": "semi-independent"}


def words(text) -> str:
    """``requires_improvement`` -> ``Requires improvement``: a code-like name as words
    (``semi_independent`` -> ``Semi-independent``)."""
    spoken = str(text).replace("_", " ").strip()
    for plain, hyphenated in _HYPHENATED.items():
        spoken = spoken.replace(plain, hyphenated)
    return spoken[:1].upper() + spoken[1:]


# Platform names as their makers write them (words() would give "Whatsapp", "Facetime").
_METHOD_NAMES = {"Whatsapp": "WhatsApp", "Facetime": "FaceTime"}


def method_words(code) -> str:
    """A visit method code as the quarterly visits page names it: ``whatsapp`` -> ``WhatsApp``."""
    spoken = words(code)
    return _METHOD_NAMES.get(spoken, spoken)


# --- links between reports ---------------------------------------------------------------

TOPIC_ORDER = ("summary", "visits", "referrals", "placement_stability", "audits")


def report_href(from_slug: str, to_slug: str, name: str) -> str:
    """The relative link from a report in ``from_slug`` to the report ``name`` of ``to_slug``.

    The one place that knows the output layout (``<out>/<period slug>/<name>.html``, the
    index at ``<out>/index.html``), taken from ``reports``.
    """
    from .reports import report_relpath

    target = report_relpath(to_slug, name)
    return target if from_slug is None else f"../{target}"


def index_href(from_slug: str) -> str:
    from .reports import INDEX_NAME

    return f"../{INDEX_NAME}"


def _listed(text) -> list[str]:
    """``"a, b"`` -> ``["a", "b"]``: a notebook's comma-separated list parameter."""
    return [item.strip() for item in str(text or "").split(",") if item.strip()]


def linked_topic_names(context: ReportContext, linked_topics: str = "") -> list[str]:
    """The other pages of the quarter this page may link to, in page order: the topics the
    batch writes (``linked_topics``, "visits,summary" as ``report --topics`` gives them; ""
    for every topic), less any topic whose files are absent, which the batch skips."""
    from .io.tables import TOPICS
    from .metrics import topic_unavailable_reason

    wanted = _listed(linked_topics) or list(TOPIC_ORDER)
    return [
        name for name in TOPIC_ORDER
        if name != context.topic and name in wanted
        and not (name in TOPICS and context.data is not None and topic_unavailable_reason(context.data, name))
    ]


def nav_html(context: ReportContext, linked_quarters: str = "", linked_topics: str = "") -> str:
    """Links from this page: the same topic's previous and next quarter, the other topics of
    the quarter and the index. ``linked_quarters`` ("2020-21 Q1,2020-21 Q2", as the batch
    passes it) limits the quarter links to reports that exist; without it, quarters the
    data covers are linked. ``linked_topics`` ("visits,summary") limits the other-topic
    links the same way (:func:`linked_topic_names`)."""
    from .reports import REPORT_TITLES

    if context.quarter is None:
        slug = context.period_label
        items = [f'<li><a href="{index_href(slug)}">All reports (index)</a></li>']
        return f'<nav class="report-links" aria-label="Other reports"><ul>{"".join(items)}</ul></nav>'
    quarter, slug = context.quarter, context.quarter.slug
    wanted = _listed(linked_quarters)
    if wanted:
        available = {parse_quarter(q) for q in wanted}
    else:
        first, last = data_coverage(context.data, context.topic) if context.topic in _COVERAGE_COLUMNS else (None, None)
        available = {q for q in (quarter.previous(1), quarter.next(1))
                     if first is not None and q.end >= first and q.start <= last}
    title = REPORT_TITLES.get(context.topic, context.topic)
    items = []
    for other, word in ((quarter.previous(1), "Previous quarter"), (quarter.next(1), "Next quarter")):
        if other in available:
            href = report_href(slug, other.slug, context.topic)
            items.append(f'<li>{word}: <a href="{href}">{html.escape(title)}, {other.label}</a></li>')
    others = [
        f'<a href="{report_href(slug, slug, name)}">{html.escape(REPORT_TITLES[name])}</a>'
        for name in linked_topic_names(context, linked_topics)
    ]
    if others:
        items.append(f"<li>Other reports for {quarter.label}: {', '.join(others)}</li>")
    items.append(f'<li><a href="{index_href(slug)}">All reports (index)</a></li>')
    return f'<nav class="report-links" aria-label="Other reports"><ul>{"".join(items)}</ul></nav>'


# --- the summary table ------------------------------------------------------------------


def headline_table_html(context: ReportContext, labels: dict[str, str], caption: str, n: int = 8) -> str:
    """The summary page's table: each headline figure this quarter, what changed since the
    previous quarter and the same quarter a year earlier, its status against a local target
    (in words), and a sparkline of the last ``n`` quarters with its own alt text."""
    from . import charts
    from .changes import against_labels

    _, previous_name, _, year_ago_name = against_labels(context.quarter)
    keys = [k for k in labels if k in context.metrics]
    series = context.trend(keys, n=n)
    has_targets = any(k in context.targets for k in keys)
    head = [
        '<th scope="col">Figure</th>', f'<th scope="col" class="num">{html.escape(context.period_label)}</th>',
        f'<th scope="col">Change since {html.escape(previous_name)}</th>',
        f'<th scope="col">Change since {html.escape(year_ago_name)}</th>',
    ]
    if has_targets:
        head.append('<th scope="col">Against target</th>')
    head.append(f'<th scope="col">Last {n} quarters</th>')
    rows = []
    for key in keys:
        percent = ".pct_" in key
        shown = context.p(key) if percent else context.n(key)
        on_previous, on_year_ago = context.change_parts(key)
        points = [(r.quarter, r.value) for r in series.loc[series["key"] == key].itertuples()]
        target = context.targets.get(key)
        spark = charts.sparkline_html(points, labels[key], percent, target.target if target else None)
        cells = [
            f'<th scope="row">{html.escape(labels[key])}</th>',
            f'<td class="num" data-metric="{html.escape(key)}">{html.escape(shown)}</td>',
            # The column heading names the quarter compared with, so the cell leaves it out.
            f"<td>{html.escape(on_previous.removesuffix(f' on {previous_name}'))}</td>",
            f"<td>{html.escape(on_year_ago.removesuffix(f' on {year_ago_name}'))}</td>",
        ]
        if has_targets:
            cells.append(f"<td>{context.status_html(key) or 'No target set'}</td>")
        cells.append(f"<td>{spark or 'No trend to show'}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<table class="headlines"><caption>{html.escape(caption)}</caption>'
        f"<thead><tr>{''.join(head)}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def topic_tables(topic: str) -> tuple[str, ...]:
    if topic in ("summary", "annual"):
        return tuple(TABLES)
    return TOPIC_TABLES.get(topic, ()) + TOPIC_OPTIONAL.get(topic, ())


def data_quality_html(data, topic: str) -> str:
    """Rows read, accepted and set aside per table, and the reasons by column and rule.

    Counts only: the problem rows themselves can hold identifiers, so they never appear here
    (``qa-analysis validate`` lists them for the analyst).
    """
    tables = topic_tables(topic)
    summary = data.summary.loc[lambda d: d["table"].isin(tables)]
    merged = "rows_consolidated" in summary and bool(summary["rows_consolidated"].sum())
    rows = "".join(
        f"<tr><td>{html.escape(str(r.table))}</td><td>{html.escape(Path(str(r.file)).name)}</td>"
        f'<td class="num">{int(r.rows_read):,}</td><td class="num">{int(r.rows_accepted):,}</td>'
        f'<td class="num">{int(r.rows_set_aside):,}</td>'
        + (f'<td class="num">{int(r.rows_consolidated):,}</td>' if merged else "") + "</tr>"
        for r in summary.itertuples()
    )
    parts = [
        '<table><caption>Rows read, accepted and set aside, by table</caption>'
        '<thead><tr><th scope="col">Table</th><th scope="col">File</th><th scope="col" class="num">Read</th>'
        '<th scope="col" class="num">Accepted</th><th scope="col" class="num">Set aside</th>'
        + ('<th scope="col" class="num">Consolidated</th>' if merged else "") + "</tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    ]
    if {"episodes", "header"} & set(tables):
        parts.append(ssda903_quality_html(data))
    missing = {t: r for t, r in data.unavailable.items() if t in tables and t not in OPTIONAL_EXTRAS}
    if missing:
        # The folder's full path says where someone's files live: name the file only.
        folder = str(getattr(data, "folder", ""))
        items = "".join(
            f"<li>{html.escape(reason.replace(folder, Path(folder).name) if folder else reason)}</li>"
            for reason in missing.values()
        )
        parts.append(f'<div class="warning"><p>Not available for this report:</p><ul>{items}</ul></div>')
    problems = data.problems.loc[lambda d: d["table"].isin(tables)]
    if problems.empty:
        parts.append("<p>No row was set aside.</p>")
    else:
        reasons = (
            problems.groupby(["table", "column", "rule"], as_index=False)
            .size()
            .sort_values(["table", "size"], ascending=[True, False])
        )
        body = "".join(
            f"<tr><td>{html.escape(str(r.table))}</td><td>{html.escape(str(r.column))}</td>"
            f'<td>{html.escape(str(r.rule))}</td><td class="num">{int(r.size):,}</td></tr>'
            for r in reasons.itertuples()
        )
        parts.append(
            "<table><caption>Why rows were set aside (problems found, by rule)</caption>"
            '<thead><tr><th scope="col">Table</th><th scope="col">Column</th><th scope="col">Rule</th>'
            f'<th scope="col" class="num">Problems</th></tr></thead><tbody>{body}</tbody></table>'
            "<p>Rows set aside are left out of every figure. The analyst who ran this report can "
            "list them row by row.</p>"
        )
    return "\n".join(parts)


def ssda903_quality_html(data) -> str:
    """The SSDA903 returns behind the placement figures (issue 10): the authority, the years
    covered, notes on the files, and the consolidation's changes counted by rule (counts
    only, no rows: ``qa-analysis validate`` lists them)."""
    from .io.consolidate import RULES

    returns = getattr(data, "returns", None)
    if returns is None or not len(returns):
        return ""
    authority = getattr(data, "authority", None)
    lines = []
    coverage = getattr(data, "coverage", {}).get("episodes")
    who = f"{html.escape(authority)}'s " if authority else ""
    what = html.escape(coverage.describe()) if coverage is not None else "SSDA903 returns"
    lines.append(f"<p>The placement figures come from {who}{what}; quarters outside them are left "
                 "blank, never counted as 0.</p>")
    changes = getattr(data, "consolidation", None)
    if changes is not None and len(changes):
        counts = changes["rule"].value_counts(sort=False)
        body = "".join(
            f"<tr><td>{html.escape(RULES[rule][0])}</td><td>{html.escape(RULES[rule][1])}</td>"
            f'<td class="num">{int(n):,}</td></tr>'
            for rule, n in counts.items()
        )
        lines.append(
            "<table><caption>How the yearly returns were consolidated (changes, by rule)</caption>"
            '<thead><tr><th scope="col">Rule</th><th scope="col">What it does</th>'
            f'<th scope="col" class="num">Rows</th></tr></thead><tbody>{body}</tbody></table>'
            "<p>Consolidated rows are copies of an episode or a child already given by a later return: "
            "read = accepted + consolidated + set aside.</p>"
        )
    notes = getattr(data, "return_notes", [])
    if notes:
        lines.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>")
    return "\n".join(lines)


def file_checksum(path: Path) -> str:
    path = Path(path)
    stat = path.stat()
    return _checksum(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _checksum(path: str, mtime_ns: int, size: int) -> str:
    """Once per file state in a kernel: the footer of every page lists the same files."""
    return file_sha256(path)


def footer_html(context: ReportContext) -> str:
    """Provenance: the data files' checksums, the package version and the run time."""
    from . import __version__

    tables = topic_tables(context.topic)
    every = getattr(context.data, "all_files", None) or {t: (p,) for t, p in context.data.files.items()}
    files = sorted({Path(p) for t, ps in every.items() if t in tables for p in ps})  # SSD: 3 visit files
    items = "".join(
        f'<li>{html.escape(p.name)}: <span class="checksum">sha256 {file_checksum(p)}</span></li>' for p in files
    )
    seconds = time.perf_counter() - context.started
    settings_items = "".join(f"<li>{html.escape(line)}</li>" for line in context.settings.describe())
    return (
        '<footer class="provenance">'
        f"<p>Produced by qa-analysis {html.escape(__version__)} on {datetime.now():%d %B %Y at %H:%M} "
        f"in {seconds:.1f} seconds. Audience: {html.escape(context.audience)}"
        f"{' (counts of 1 to 5 shown as c)' if context.public else ''}.</p>"
        f"<p>Data files:</p><ul>{items}</ul>"
        f"<p>Settings in force:</p><ul>{settings_items}</ul></footer>"
    )


def _header(name: str) -> str:
    text = str(name).replace("_", " ")
    return text[:1].upper() + text[1:]


def aggregate_table_html(frame: pd.DataFrame, caption: str) -> str:
    """An accessible HTML table of aggregated figures (never pass it child-level rows)."""
    head = "".join(
        f'<th scope="col"{_num_class(frame[c])}>{html.escape(_header(c))}</th>' for c in frame.columns
    )
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, row, strict=True):
            text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else value
            if isinstance(text, float):
                text = f"{text:,.1f}"
            elif isinstance(text, int):
                text = f"{text:,}"
            cells.append(f"<td{_num_class(frame[column])}>{html.escape(str(text))}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f"<table><caption>{html.escape(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def breakdown_html(frame: pd.DataFrame, caption: str, value_cols) -> str:
    """:func:`aggregate_table_html`, or, when most of the table's figures are withheld
    (``c``), a sentence saying so: a table of c is no use to a reader (issue 13)."""
    from .charts import mostly_hidden

    values = pd.concat([frame[c] for c in value_cols], ignore_index=True) if len(frame) else pd.Series(dtype=object)
    if len(values) and mostly_hidden(values):
        what = caption[:1].lower() + caption[1:]
        return (f"<p>The table of {html.escape(what)} is not shown: most of its figures are withheld to "
                "protect the privacy of the children and families concerned.</p>")
    return aggregate_table_html(frame, caption)


def _num_class(values: pd.Series) -> str:
    numeric = pd.api.types.is_numeric_dtype(values) or values.map(
        lambda v: isinstance(v, int | float) or v == "c"
    ).all()
    return ' class="num"' if numeric else ""


# A profile of fewer children than this describes individuals, whatever the audience.
PROFILE_MIN_CHILDREN = 5


def children_in_profile(profile: pd.DataFrame) -> int:
    """How many children an aggregated profile (characteristic, value, children) describes."""
    if profile.empty:
        return 0
    return int(profile.groupby("characteristic")["children"].sum().max())


# --- breakdowns put in words for the reader ---------------------------------------------

RECOMMENDATION_COLUMNS = {
    "owner": "Owner", "theme": "Theme", "raised": "Raised", "completed": "Completed",
    "open_at_end": "Open at quarter end", "overdue_at_end": "Overdue at quarter end",
    "0 to 30 days": "Overdue 0 to 30 days", "31 to 90 days": "Overdue 31 to 90 days",
    "Over 90 days": "Overdue over 90 days",
}


def activity_for_reading(activity: pd.DataFrame) -> pd.DataFrame:
    """The audit activity table with its codes as words (audit types, month names)."""
    return (
        activity.assign(
            month=lambda d: d["month"].dt.strftime("%B %Y"),
            audit_type=lambda d: d["audit_type"].map(lambda t: describe(t, AUDIT_TYPE_LABELS)),
            theme=lambda d: d["theme"].where(d["theme"].notna() & (d["theme"] != "<NA>"), "Not recorded"),
        )
        .drop(columns=["quarter"])
        .rename(columns={
            "month": "Month", "audit_type": "Type", "theme": "Theme", "cases": "Cases", "families": "Families",
            "outstanding": "Outstanding", "good": "Good", "requires_improvement": "Requires improvement",
            "inadequate": "Inadequate",
        })
    )


def domain_change_for_reading(context: ReportContext, change: pd.DataFrame) -> pd.DataFrame:
    """Good or better by domain with the change since last quarter, in words; for the public
    audience each figure comes from the audited published set of its quarter (the domain's
    cases graded and percentage are cells of it, see ``TABLE_KEYS``)."""
    from .changes import Change, change_words
    from .disclosure_relations import cell as cell_id

    this, before_quarter = context.quarter, context.quarter.previous(1)
    previous = before_quarter.label.split(" ")[1]

    def published(quarter, key):
        return context.published(quarter).shown.get(cell_id(quarter.label, key), SUPPRESSED)

    def key_of(domain, name):
        if domain == "overall":
            return {"pct": "audits.pct_good_or_better", "graded": "audits.graded"}[name]
        return f"audits.domain.{domain}.{'pct_good_or_better' if name == 'pct' else 'graded'}"

    def shown(quarter, domain, pct_value):
        if pct_value is None or pd.isna(pct_value):
            return format_pct(None)
        if context.public:
            return format_pct(published(quarter, key_of(domain, "pct")))
        return format_pct(pct_value)

    def graded_shown(domain, graded):
        if context.public:
            return format_count(published(this, key_of(domain, "graded")))
        return format_count(int(graded))

    rows = []
    for r in change.itertuples():
        now = shown(this, r.domain, r.pct_good_or_better)
        before = shown(before_quarter, r.domain, r.previous_pct)
        if "c" in (now, before):
            words_ = change_words(Change(now, before, True, None, None, "suppressed"), previous)
        elif r.change_points is None:
            words_ = change_words(Change(now, before, True, None, None, "missing"), previous)
        else:
            words_ = change_words(Change(now, before, True, float(r.change_points), None), previous)
        rows.append({
            "Domain": words(r.domain), "Cases graded": graded_shown(r.domain, r.graded),
            "Good or better": now, f"Good or better in {previous}": before, "Change": words_,
        })
    return pd.DataFrame(rows)


def sdp_items_for_reading(items: pd.DataFrame) -> pd.DataFrame:
    return items.assign(
        theme=lambda d: d["theme"].map(lambda t: t[:1].upper() + t[1:]),
        raised=lambda d: d["raised"].dt.strftime("%B %Y"),
        due=lambda d: d["due"].dt.strftime("%d %B %Y").fillna("No due date"),
    ).rename(columns={"theme": "Theme", "owner": "Owner", "raised": "Raised", "due": "Due", "standing": "Standing at quarter end"})


def profile_for_reading(profile: pd.DataFrame) -> pd.DataFrame:
    """The foster-to-semi-independent profile with characteristics and codes as words."""
    from .io.tables import REASON_PLACE_CHANGE_LABELS

    def value_words(characteristic, value):
        if value == "not_recorded":
            return "Not recorded"
        if characteristic == "legal_status":
            return describe(value, LEGAL_STATUS_LABELS)
        if characteristic == "reason":
            return describe(value, REASON_PLACE_CHANGE_LABELS)
        if characteristic == "earlier_placements":
            return f"{value} earlier placement{'' if value == '1' else 's'}"
        if characteristic == "age_at_move":
            return f"{value} years"
        return words(value)

    return profile.assign(
        value=[value_words(c, v) for c, v in zip(profile["characteristic"], profile["value"], strict=True)],
        characteristic=profile["characteristic"].map(lambda c: PROFILE_LABELS.get(c, words(c))),
    ).rename(columns={"characteristic": "Characteristic", "value": "Value", "children": "Children"})


def band_family_sizes(by_size: pd.DataFrame, top: int = 4) -> pd.DataFrame:
    """Families by children contacted with every size from ``top`` up in one row (``4+``):
    for a public page, where the largest size would describe one family."""
    if by_size.empty:
        return by_size
    small = by_size.loc[by_size["children_contacted"] < top]
    big = int(by_size.loc[by_size["children_contacted"] >= top, "families"].sum())
    return pd.concat(
        [small.astype({"children_contacted": str}),
         pd.DataFrame({"children_contacted": [f"{top}+"], "families": [big]})],
        ignore_index=True,
    )

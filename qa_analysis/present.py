"""What the report notebooks call to present figures: parameters, sentences, sections.

Notebooks present; the library computes. This module turns computed figures into what a
manager reads: validated parameters, numbers formatted for the audience (disclosure
control for ``public``), the definitions section (from the metric docstrings), the
data-quality section (counts only, never rows) and the provenance footer.
"""

from __future__ import annotations

import hashlib
import html
import os
import time
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .config import DEFAULT_SETTINGS, DEMO_DATA_DIR, PROJECT_ROOT, Settings, load_settings
from .disclosure import AUDIENCES, SMALLEST_SHOWN, suppress_count
from .errors import QAError
from .io.tables import OPTIONAL_EXTRAS, TABLES, TOPIC_OPTIONAL, TOPIC_TABLES
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
    """The first and last dates a topic's data holds (None, None when it holds none)."""
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
    def value(self, key: str):
        """A metric as shown to this audience: a number, ``"c"`` (suppressed) or None."""
        from .disclosure import apply_audience_to_metrics

        if key not in self.metrics:
            return None
        return apply_audience_to_metrics({key: self.metrics[key]}, self.audience, self.bases).get(key)

    def n(self, key: str) -> str:
        """A count for a sentence: ``1,234``, ``c`` or ``not available``."""
        return format_count(self.value(key))

    def p(self, key: str) -> str:
        """A percentage for a sentence: ``45.2%``, ``c`` or ``not available``."""
        return format_pct(self.value(key))

    def count(self, n) -> str:
        """Any count computed in a notebook, formatted and suppressed for this audience."""
        return format_count(suppress_count(n) if self.public else n)

    def trend(self, keys, n: int = 8, labels: dict | None = None) -> pd.DataFrame:
        """Keys over the ``n`` quarters to this report's last quarter, as this audience sees them.

        A tidy frame (quarter, key, value[, series]) ready for ``charts.line_chart``; for the
        public audience each quarter's figures are suppressed on that quarter's own bases.
        """
        from .disclosure import apply_audience_to_metrics
        from .metrics import topic_of

        topics = tuple(sorted({topic_of(k) for k in keys}))
        coverage = {t: data_coverage(self.data, t) for t in topics}
        rows = []
        for quarter in self.trailing(n):
            result = _quarter_figures(self.data, quarter, self.settings, topics)
            bases = _quarter_bases(self.data, quarter, self.settings) if self.public else {}
            shown = apply_audience_to_metrics(result.metrics, self.audience, bases)
            for k in keys:
                first, last = coverage[topic_of(k)]
                # A quarter the data does not reach is missing, not zero.
                covered = first is not None and quarter.end >= first and quarter.start <= last
                rows.append({"quarter": quarter.label, "key": k, "value": shown.get(k) if covered else None})
        frame = pd.DataFrame(rows, columns=["quarter", "key", "value"])
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
        rests on a count of 1 to 5 (its numerator or denominator)."""
        if not self.public:
            return frame
        last = SMALLEST_SHOWN - 1
        small = frame[numerator].between(1, last) | frame[denominator].between(1, last)
        return frame.assign(**{pct: frame[pct].astype(object).where(~small, "c")})

    def table(self, frame: pd.DataFrame, value_cols, totals: bool = True) -> pd.DataFrame:
        """A tidy breakdown with disclosure control applied for the public audience."""
        from .disclosure import suppress_table

        if not self.public or frame.empty:
            return frame
        return suppress_table(frame, value_cols=list(value_cols)) if totals else frame.assign(
            **{c: frame[c].map(suppress_count) for c in value_cols}
        )


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
    return context


# --- sections -------------------------------------------------------------------------


def definitions_markdown(keys) -> str:
    """The definitions section: each key with its function's docstring (definition, numerator,
    denominator, exclusions, source), so the words cannot drift from the code."""
    from .metrics.catalogue import definition_details, definition_of

    lines = []
    for key in keys:
        details = definition_details(key)
        lines.append(f"- **`{key}`**: {definition_of(key)}" + (f" {details}" if details else ""))
    return "\n".join(lines)


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
            "<p>Rows set aside are left out of every figure. Run <code>qa-analysis validate</code> "
            "for the row-by-row list.</p>"
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
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def footer_html(context: ReportContext) -> str:
    """Provenance: the data files' checksums, the package version and the run time."""
    from . import __version__

    tables = topic_tables(context.topic)
    # every file of a table (several yearly SSDA903 returns), else its one file
    every = getattr(context.data, "all_files", None) or {t: (p,) for t, p in context.data.files.items()}
    files = sorted({Path(p) for t, ps in every.items() if t in tables for p in ps})
    items = "".join(
        f"<li>{html.escape(p.name)}: <code>sha256 {file_checksum(p)}</code></li>" for p in files
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

"""``qa-analysis check-disclosure OUT_DIR``: audit a folder of public reports.

Reads every ``metrics.json`` under the folder (each quarter's, and the annual report's with
its quarters), puts the figures of each financial year together, as a reader holding every
page of the year would, and runs the audit of :mod:`qa_analysis.disclosure_audit` with the
relations of :mod:`qa_analysis.disclosure_relations`. Per page (each ``metrics.json`` and each
HTML page beside it) it reports the cells published and hidden, and every hidden figure that
can be worked out, with the relation that gives it away.

Which cells an HTML page shows is read from its name: a topic page shows its topic's figures
of its quarter (a key's topic is its registry topic, or for a page-table cell the topic of its
first part: ``recommendations.theme...`` is the audits page's), the summary page the headline
figures of every topic (``registry.summary_keys``), the annual page every figure of its
``metrics.json`` (the year and its four quarters). Trend charts also repeat earlier quarters:
those are counted on the earlier quarters' own pages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .disclosure_audit import SUPPRESSED, Finding, audit
from .disclosure_relations import cell, period_relations, split, year_relations
from .errors import QAError


@dataclass
class PageCheck:
    path: str  # the metrics.json, relative to the folder
    periods: list[str]
    published: int = 0
    hidden: int = 0
    audience: str = "public"
    findings: list[Finding] = field(default_factory=list)
    cells: set = field(default_factory=set, repr=False)  # an HTML page: the cells it shows


def _financial_year(period: str) -> str:
    return period.split(" ", 1)[0]


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise QAError(f"{path.name}: cannot read it as JSON ({exc.__class__.__name__}).") from None


def load_folder(out_dir: Path) -> tuple[list[PageCheck], dict[str, dict[str, dict]]]:
    """(one entry per metrics.json, financial year -> period -> key -> value)."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise QAError(f"{out_dir} is not a folder of reports.")
    pages: list[PageCheck] = []
    years: dict[str, dict[str, dict]] = {}
    for path in sorted(out_dir.rglob("metrics.json")):
        payload = _read(path)
        periods: dict[str, dict] = {}
        if "quarter" in payload:
            periods[payload["quarter"]] = {**payload.get("metrics", {}), **payload.get("cells", {})}
        elif "year" in payload:
            periods[payload["year"]] = dict(payload.get("metrics", {}))
            periods.update({q: dict(v) for q, v in payload.get("quarters", {}).items()})
        else:
            continue
        page = PageCheck(str(path.relative_to(out_dir)), list(periods), audience=payload.get("audience", "?"))
        for period, figures in periods.items():
            page.published += len(figures)
            page.hidden += sum(v == SUPPRESSED for v in figures.values())
            merged = years.setdefault(_financial_year(period), {}).setdefault(period, {})
            for key, value in figures.items():
                # the same figure on two pages must agree; a number beats a c (it was shown)
                if merged.get(key) in (None, SUPPRESSED) or value not in (None, SUPPRESSED):
                    merged[key] = value if merged.get(key) in (None, SUPPRESSED) else merged[key]
        pages.append(page)
    return pages, years


def _topic_by_prefix() -> dict[str, str]:
    from .metrics import registry

    out = {m.key.split(".", 1)[0]: m.topic for m in registry.REGISTRY.values()}
    out |= {b.name.split(".", 1)[0]: b.topic for b in registry.BASE_COUNTS.values()}
    return out


def _page_keys(page: str, figures: dict) -> list[str] | None:
    """The keys of a quarter's figures that the HTML page ``page`` (its file stem) shows;
    None for a page that shows no figure of its own (the index)."""
    from .metrics import registry

    if page == "summary":
        wanted = {k for topic in registry.TOPICS for k in registry.summary_keys(topic)}
        return [k for k in figures if k in wanted]
    if page not in registry.TOPICS:
        return None
    prefixes = _topic_by_prefix()
    return [k for k in figures if prefixes.get(k.split(".", 1)[0]) == page]


def _html_pages(out_dir: Path, folder_checks: list[PageCheck], years: dict) -> list[PageCheck]:
    """One check per HTML page beside a metrics.json, with the cells it shows."""
    out: list[PageCheck] = []
    for check in folder_checks:
        folder = (out_dir / check.path).parent
        for html in sorted(folder.glob("*.html")):
            if len(check.periods) > 1 or html.stem == "annual":  # the annual page: every figure of its file
                keys = {p: list(years[_financial_year(p)][p]) for p in check.periods}
            else:
                period = check.periods[0]
                shown = _page_keys(html.stem, years[_financial_year(period)][period])
                if shown is None:
                    continue
                keys = {period: shown}
            page = PageCheck(str(html.relative_to(out_dir)), list(check.periods), audience=check.audience)
            page.cells = {cell(p, k) for p, ks in keys.items() for k in ks}
            figures = {c: years[_financial_year(split(c)[0])][split(c)[0]][split(c)[1]] for c in page.cells}
            page.published = len(figures)
            page.hidden = sum(v == SUPPRESSED for v in figures.values())
            out.append(page)
    return out


def _prefix_topic(key: str) -> str | None:
    return _topic_by_prefix().get(key.split(".", 1)[0])


def check_folder(out_dir: Path) -> list[PageCheck]:
    """The audit of every public page under ``out_dir``: each metrics.json (a page folder's
    figures together), then each HTML page beside it. Internal ones are skipped."""
    pages, years = load_folder(out_dir)
    findings_by_cell: dict[str, Finding] = {}
    for fy, periods in years.items():
        shown = {cell(p, k): v for p, figures in periods.items() for k, v in figures.items()}
        quarters = sorted(p for p in periods if p != fy)
        keys = {p: list(figures) for p, figures in periods.items()}
        relations = [r for p in periods for r in period_relations(p, keys[p])]
        if fy in periods and len(quarters) == 4:
            relations += year_relations(fy, quarters, keys)
        for finding in audit(shown, relations):
            findings_by_cell[finding.cell] = finding
    html_pages = _html_pages(Path(out_dir), [p for p in pages if p.audience == "public"], years)
    for page in pages:
        if page.audience != "public":
            continue
        page.findings = [f for c, f in findings_by_cell.items() if split(c)[0] in page.periods]
    for page in html_pages:
        topic = Path(page.path).stem
        page.findings = [
            f for c, f in findings_by_cell.items()
            if c in page.cells or (split(c)[0] in page.periods and topic in (_prefix_topic(split(c)[1]), "annual"))
        ]
    out = []
    for page in [p for p in pages if p.audience == "public"]:
        out.append(page)
        out += [h for h in html_pages if Path(h.path).parent == Path(page.path).parent]
    return out


def report_lines(pages: list[PageCheck], findings_only: bool = False) -> list[str]:
    lines = []
    for page in pages:
        if not findings_only:
            lines.append(f"{page.path}: {page.published} cells published, {page.hidden} hidden, "
                         f"{len(page.findings)} can be worked out")
        for f in page.findings:
            lines.append(f"  {page.path}: {f.describe()}" if findings_only else f"  - {f.describe()}")
    return lines


def main(out_dir: str) -> int:
    """The command: prints the report; 0 when nothing can be worked out, 1 otherwise."""
    pages = check_folder(Path(out_dir))
    if not pages:
        raise QAError(f"No public report's metrics.json was found under {out_dir}.")
    for line in report_lines(pages):
        print(line)
    files = [p for p in pages if p.path.endswith("metrics.json")]
    bad = len({f.cell for p in files for f in p.findings})
    print(f"{'DISCLOSURE' if bad else 'OK'}: {bad} hidden figure(s) can be worked out across {len(pages) - len(files)} "
          f"HTML page(s) and {len(files)} metrics.json file(s).")
    return 1 if bad else 0

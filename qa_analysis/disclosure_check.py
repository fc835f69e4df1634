"""``qa-analysis check-disclosure OUT_DIR``: audit a folder of public reports.

Reads every ``metrics.json`` under the folder (each quarter's, and the annual report's with
its quarters), puts the figures of each financial year together, as a reader holding every
page of the year would, and runs the audit of :mod:`qa_analysis.disclosure_audit` with the
relations of :mod:`qa_analysis.disclosure_relations`. Per page folder it reports the cells
published and hidden, and every hidden figure that can be worked out, with the relation that
gives it away.
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


def check_folder(out_dir: Path) -> list[PageCheck]:
    """The audit of every public page folder under ``out_dir`` (internal ones are skipped)."""
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
    for page in pages:
        if page.audience != "public":
            continue
        page.findings = [f for c, f in findings_by_cell.items() if split(c)[0] in page.periods]
    return [p for p in pages if p.audience == "public"]


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
    bad = sum(len(p.findings) for p in pages)
    print(f"{'DISCLOSURE' if bad else 'OK'}: {bad} hidden figure(s) can be worked out across {len(pages)} page folder(s).")
    return 1 if bad else 0

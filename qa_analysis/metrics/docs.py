"""``docs/metrics.md``, generated from the metric registry (never edited by hand).

Write it with ``python -m qa_analysis.metrics.docs`` (or ``make docs``);
tests/metrics/test_docs.py fails when the file is stale.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..config import PROJECT_ROOT
from . import registry

DOCS_FILE = PROJECT_ROOT / "docs" / "metrics.md"

_TOPIC_TITLES = {
    "visits": "Visits",
    "referrals": "Contacts, referrals and assessments",
    "placement_stability": "Placement stability",
    "audits": "Case audits and recommendations",
}
_YEAR_WORDS = {
    "sum": "sum of the quarters",
    "distinct": "counted once over the year",
    "recompute": "recomputed on the year's records",
    "q4": "the Q4 (31 March) value",
}


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _built_on(metric: registry.Metric) -> str:
    if metric.kind == "count":
        return ""
    numerator = f"`{metric.numerator}` / " if metric.numerator else ""
    return f"{numerator}`{metric.denominator}`"


def _part_of(part) -> str:
    if part is None:
        return ""
    if isinstance(part, Mapping):
        totals = {}
        for code, total in part.items():
            totals.setdefault(total, []).append(code)
        return "; ".join(
            f"`{total}` ({'other codes' if codes == ['*'] else ', '.join(c for c in codes if c != '*')})"
            for total, codes in totals.items()
        )
    return f"`{part}`"


def markdown() -> str:
    """The whole of docs/metrics.md."""
    lines = [
        "# Metric catalogue",
        "",
        "<!-- Generated from qa_analysis/metrics/registry.py by `python -m qa_analysis.metrics.docs`;",
        "     do not edit by hand (tests/metrics/test_docs.py fails when this file is stale). -->",
        "",
        "Every figure `qa-analysis metrics` prints (DESIGN section 4), declared once in",
        "`qa_analysis/metrics/registry.py`. A key with `<...>` expands to one key per code present.",
        "Percentages are rounded half away from zero to one decimal place from the exact ratio",
        "(as Excel and DfE tables round); a figure that cannot be computed is `null`, never 0.",
        "\"Built on\" names the counts a percentage is numerator / denominator of (disclosure control",
        "suppresses a percentage built on a count of 1 to 5); \"part of\" the total a count is counted",
        "within. \"Year figure\" says how the annual report builds the year from the quarterly",
        "definition.",
    ]
    for topic in registry.topics():
        lines += [
            "",
            f"## {_TOPIC_TITLES[topic]} (`{topic}`)",
            "",
            "| key | label | definition | kind | year figure | built on | part of | function | source |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for m in registry.metrics(topic):
            function = f"`{m.function.__module__.rsplit('.', 1)[-1]}.{m.function.__name__}`"
            lines.append(
                f"| `{m.key}` | {_cell(m.label)} | {_cell(m.definition)} | {m.kind} | "
                f"{_YEAR_WORDS[m.year_rule]} | {_built_on(m)} | {_part_of(m.part_of)} | {function} | "
                f"{_cell(m.source)} |"
            )
    lines += [
        "",
        "## Counts percentages are built on",
        "",
        "Not published as figures of their own; used for disclosure control and by analysts.",
        "",
        "| name | topic | definition | counts of | part of |",
        "|---|---|---|---|---|",
    ]
    for base in registry.BASE_COUNTS.values():
        role = "numerator" if base.position == 0 else "denominator"
        lines.append(
            f"| `{base.name}` | {base.topic} | {_cell(base.definition)} | {role} of `{base.of}` | "
            f"{_part_of(base.part_of)} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    DOCS_FILE.parent.mkdir(exist_ok=True)
    DOCS_FILE.write_text(markdown(), encoding="utf-8")
    print(f"wrote {DOCS_FILE.relative_to(PROJECT_ROOT)}")


if __name__ == "__main__":
    main()

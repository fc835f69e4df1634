"""What a loaded data folder shows in a notebook: a summary, never rows.

``data`` on its own in a JupyterLab cell (``DataSet._repr_html_``) or ``print(data)``
(``__repr__``) gives the folder name, each table with its file, rows read, accepted and set
aside, the dates it covers, and the tables not available with the reason. No identifier,
date of birth or other row-level value is shown: the frames themselves are ``data.visits``,
``data.episodes``... for an analyst who asks for them.
"""

from __future__ import annotations

import html

import pandas as pd

# The date that places a row in a quarter, per table (no date of birth: it identifies).
COVERAGE_COLUMNS = {
    "episodes": "DECOM",
    "contacts": "contact_date",
    "referrals": "referral_date",
    "assessments": "assessment_authorised_date",
    "visits": "visit_date",
    "case_audits": "audit_date",
    "recommendations": "raised_date",
}
SUMMARY_HEADINGS = ("table", "file", "rows read", "accepted", "set aside", "covers")


def _covers(data, table: str) -> str:
    column = COVERAGE_COLUMNS.get(table)
    frame = data.tables.get(table)
    if column is None or frame is None or column not in frame.columns:
        return ""
    dates = frame[column].dropna()
    if dates.empty:
        return "no dates"
    return f"{dates.min():%d/%m/%Y} to {dates.max():%d/%m/%Y}"


def summary_rows(data) -> list[tuple[str, str, str, str, str, str]]:
    """One row of text per loaded table: table, file, rows read, accepted, set aside, covers."""
    rows = []
    summary = data.summary if isinstance(data.summary, pd.DataFrame) else pd.DataFrame()
    for record in summary.itertuples(index=False):
        table = str(record.table)
        rows.append((
            table, str(record.file), f"{int(record.rows_read):,}", f"{int(record.rows_accepted):,}",
            f"{int(record.rows_set_aside):,}", _covers(data, table),
        ))
    return rows


def _heading(data) -> str:
    from pathlib import Path

    set_aside = int(data.summary["rows_set_aside"].sum()) if len(data.summary) else 0
    return (
        f"DataSet from folder '{Path(data.folder).name}': {len(data.tables)} tables loaded, "
        f"{set_aside:,} rows set aside"
    )


def dataset_text(data) -> str:
    """The plain-text summary (``repr(data)``)."""
    rows = [SUMMARY_HEADINGS, *summary_rows(data)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(SUMMARY_HEADINGS))]
    lines = [_heading(data)]
    for row in rows:
        lines.append("  " + "  ".join(
            cell.rjust(widths[i]) if i in (2, 3, 4) else cell.ljust(widths[i]) for i, cell in enumerate(row)
        ).rstrip())
    for table, reason in data.unavailable.items():
        lines.append(f"  not available: {table} ({reason})")
    if len(data.problems):
        lines.append("  the rows set aside and why: data.problems, or qa-analysis validate")
    return "\n".join(lines)


def dataset_html(data) -> str:
    """The notebook summary (``data._repr_html_()``): a small table of counts and dates."""
    esc = html.escape
    head = "".join(f"<th>{esc(h)}</th>" for h in SUMMARY_HEADINGS)
    body = "".join(
        "<tr>" + "".join(
            f"<td style='text-align:{'right' if i in (2, 3, 4) else 'left'}'>{esc(cell)}</td>"
            for i, cell in enumerate(row)
        ) + "</tr>"
        for row in summary_rows(data)
    )
    missing = "".join(
        f"<li>{esc(table)}: {esc(reason)}</li>" for table, reason in data.unavailable.items()
    )
    parts = [
        f"<p><strong>{esc(_heading(data))}</strong></p>",
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>",
    ]
    if missing:
        parts.append(f"<p>Not available:</p><ul>{missing}</ul>")
    if len(data.problems):
        parts.append("<p>The rows set aside and why: <code>data.problems</code>, or "
                     "<code>qa-analysis validate</code>.</p>")
    return "<div class='qa-dataset'>" + "".join(parts) + "</div>"

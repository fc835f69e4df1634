"""Load a data folder (DESIGN section 2) into validated, typed tables.

``load_data(folder)`` finds each table's file, reads it as text, converts and validates it
(:mod:`qa_analysis.io.schemas`), and returns a :class:`DataSet`: the accepted rows of each
table, the rows set aside with their reasons (``problems``), and per-table counts
(``summary``) where rows read = rows accepted + rows set aside, always.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataFileError
from . import schemas
from .readers import (
    RawTable,
    match_sheet,
    normalise_header,
    open_workbook,
    read_csv_text,
    read_sheet_text,
)
from .tables import TABLES, TOPIC_TABLES

PROBLEM_COLUMNS = ("file", "table", "row", "column", "value", "rule")
SUMMARY_COLUMNS = ("table", "file", "rows_read", "rows_accepted", "rows_set_aside", "rows_consolidated")
SSDA903_TABLES = ("header", "episodes")
ANNEX_LISTS = {"contacts": 1, "referrals": 3, "assessments": 4}
ANNEX_WORKBOOK = "annex_a.xlsx"


@dataclass
class DataSet:
    """A loaded data folder.

    ``tables``: table -> accepted rows, typed per :data:`TABLES` (``data.visits`` works too,
    None when the table is unavailable). ``unavailable``: table -> plain reason.
    ``problems``: rows set aside (file, table, row, column, value, rule; ``row`` as the user
    sees it in Excel or a text editor). ``summary``: rows read, accepted, set aside and
    consolidated (SSDA903 rows merged into another return's copy; read = accepted +
    consolidated + set aside). ``consolidation``: each change the consolidation of several
    SSDA903 returns made (file, table, row, change, rule; :mod:`qa_analysis.io.consolidate`).
    ``coverage``: table -> :class:`~qa_analysis.io.coverage.Coverage`, what the data speaks
    for. ``returns``: the SSDA903 files read with their return year. ``authority``: the
    authority chosen (``la=``) or named by the files. ``notes``: what a reader should know
    about the inputs (years inferred, names that disagree, files that lost to another).
    """

    folder: Path
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    problems: pd.DataFrame = field(default_factory=lambda: _empty_problems())
    summary: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SUMMARY_COLUMNS))
    consolidation: pd.DataFrame = field(default_factory=lambda: _empty_changes())
    coverage: dict = field(default_factory=dict)
    returns: pd.DataFrame | None = None
    authority: str | None = None
    notes: list[str] = field(default_factory=list)
    source_files: list[Path] = field(default_factory=list)

    def __getattr__(self, name: str):
        # Only reached for names that are not attributes: table names give their frame.
        if name in TABLES and "tables" in self.__dict__:
            return self.__dict__["tables"].get(name)
        raise AttributeError(name)

    def __repr__(self) -> str:  # a summary, never rows: the frames hold identifiers
        from .display import dataset_text

        return dataset_text(self)

    def _repr_html_(self) -> str:  # what JupyterLab shows for ``data`` in a cell
        from .display import dataset_html

        return dataset_html(self)

    def topic_available(self, topic: str) -> bool:
        """True when every table the topic needs was loaded (DESIGN section 2)."""
        return all(t in self.tables for t in TOPIC_TABLES[topic])

    def checksums(self) -> dict[str, str]:
        """File name -> SHA-256 of every file used (for report footers)."""
        out = {}
        for path in dict.fromkeys([*self.files.values(), *self.source_files]):
            digest = hashlib.sha256()
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            out[path.name] = digest.hexdigest()
        return out


def _empty_changes() -> pd.DataFrame:
    from .consolidate import empty_changes

    return empty_changes()


def _empty_problems() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "file": pd.Series([], dtype="string"),
            "table": pd.Series([], dtype="string"),
            "row": pd.Series([], dtype="int64"),
            "column": pd.Series([], dtype="string"),
            "value": pd.Series([], dtype="string"),
            "rule": pd.Series([], dtype="string"),
        }
    )


# --- finding files ----------------------------------------------------------------------
def _listing(folder: Path) -> dict[str, Path]:
    """Lower-cased file name -> path (file names matched whatever their case)."""
    return {
        p.name.lower(): p
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.name.startswith(("~$", "."))
    }


def _find_workbook(folder: Path, listing: dict[str, Path]) -> Path | None:
    if ANNEX_WORKBOOK in listing:
        return listing[ANNEX_WORKBOOK]
    candidates = [p for name, p in listing.items() if name.endswith(".xlsx") and "annex" in name]
    if len(candidates) > 1:
        names = ", ".join(p.name for p in candidates)
        raise DataFileError(
            folder, f"holds several Annex A workbooks ({names}): keep one, or name it {ANNEX_WORKBOOK}"
        )
    return candidates[0] if candidates else None


# --- one table --------------------------------------------------------------------------
def _canonical_text(table: str, raw: RawTable) -> tuple[dict[str, pd.Series], dict[str, str]]:
    """Rename headers to canonical columns; fail on a missing required column.

    Returns the text columns of exactly TABLES[table].columns (absent optional columns
    blank; a dict, not a frame, to avoid copying millions of strings into one block) and
    canonical -> header as written, for messages.
    """
    lookup = schemas.column_lookup(table)
    found: dict[str, str] = {}
    for header in raw.frame.columns:
        column = lookup.get(normalise_header(header))
        if column is not None and column not in found:
            found[column] = header
    missing = [c for c in TABLES[table].required if c not in found]
    if missing:
        names = ", ".join(schemas.expected_header(table, c) for c in missing)
        plural = "s" if len(missing) > 1 else ""
        raise DataFileError(raw.source, f"required column{plural} missing: {names}")
    blank = pd.Series(np.full(len(raw.frame), "", dtype=object), dtype=str)
    text = {
        c: (raw.frame[found[c]] if c in found else blank).reset_index(drop=True)
        for c in TABLES[table].columns
    }
    display = {c: found.get(c, c) for c in TABLES[table].columns}
    return text, display


def _problem_frame(positions, column, rule, text, raw, display, table) -> pd.DataFrame:
    positions = np.asarray(positions, dtype=np.int64)
    if column in text:
        values = text[column].iloc[positions].to_numpy(dtype=object)
    else:
        values = np.full(len(positions), "", dtype=object)
    return pd.DataFrame(
        {
            "file": raw.source,
            "table": table,
            "row": raw.rows[positions] if len(positions) else np.array([], dtype=np.int64),
            "column": display.get(column, column),
            "value": values,
            "rule": rule,
            "_pos": positions,
        }
    )


def _fill(template: str, column: str, display: dict[str, str], table: str) -> str:
    """A rule sentence with the column names as the file writes them."""
    key = " and ".join(display[c] for c in schemas.RULES[table].unique)
    return template.format_map({**display, "col": display.get(column, column), "cols": key})


def _validate_table(table: str, raw: RawTable, within_return: bool = True
                    ) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Raw text -> (accepted typed frame, problems, summary row).

    ``within_return=False`` (a stacked SSDA903 file without a YEAR column: several returns
    in one) skips the duplicate and overlap rules, which consolidation settles instead.
    """
    text, display = _canonical_text(table, raw)
    converted = schemas.convert(table, text, strip=raw.may_have_spaces)
    typed = converted.frame
    rules = schemas.RULES[table]
    parts = []

    for column, (mask, template) in converted.invalid.items():
        parts.append(_problem_frame(np.flatnonzero(mask), column, _fill(template, column, display, table),
                                    text, raw, display, table))

    failures = schemas.schema_failures(table, typed)
    if len(failures):
        # A value that did not convert is already reported; pandera would call it blank.
        for (column, template), group in failures.groupby(["column", "rule"], sort=False):
            positions = group["index"].to_numpy()
            if template == schemas.BLANK_RULE and column in converted.invalid:
                positions = positions[~converted.invalid[column][0][positions]]
            parts.append(_problem_frame(positions, column, _fill(template, column, display, table),
                                        text, raw, display, table))

    for mask, column, template in schemas.cross_field_rules(table, typed):
        if not within_return and template == schemas.DUPLICATE_RULE:
            continue
        part = _problem_frame(np.flatnonzero(mask), column, _fill(template, column, display, table),
                              text, raw, display, table)
        if template == schemas.DUPLICATE_RULE and len(rules.unique) > 1:
            pos = part["_pos"].to_numpy()
            columns = [pd.Series(text[c].iloc[pos].to_numpy(dtype=object), dtype=str)
                       for c in rules.unique]
            joined = columns[0]
            for other in columns[1:]:
                joined = joined + " / " + other
            part["value"] = joined.to_numpy(dtype=object)
        parts.append(part)

    bad = np.zeros(len(typed), dtype=bool)
    for part in parts:
        bad[part["_pos"].to_numpy()] = True

    if table == "episodes" and len(typed) and within_return:
        overlap = schemas.overlapping_episodes(typed, ~bad)
        if overlap.any():
            rule = (f"{display['DECOM']} is before the end of the same child's previous episode "
                    "(episodes overlap)")
            parts.append(_problem_frame(np.flatnonzero(overlap), "DECOM", rule, text, raw, display,
                                        table))
            bad |= overlap

    problems = (
        pd.concat(parts, ignore_index=True).sort_values(["_pos"], kind="stable").drop(columns="_pos")
        if parts else _empty_problems()
    )
    # Copying millions of rows to drop none is avoidable.
    accepted = schemas.finalise(typed.loc[~bad].reset_index(drop=True) if bad.any() else typed)
    summary = {
        "table": table,
        "file": raw.source,
        "rows_read": len(typed),
        "rows_accepted": int((~bad).sum()),
        "rows_set_aside": int(bad.sum()),
        "rows_consolidated": 0,
    }
    return accepted, problems, summary


# --- the folder -------------------------------------------------------------------------
def load_data(path: str | Path, la: str | None = None) -> DataSet:
    """Load every table of a data folder (DESIGN section 2), validated.

    SSDA903 files are found in every way they arrive and several yearly returns are
    consolidated (:mod:`qa_analysis.io.ssda903`); ``la`` picks one authority of a regional
    stack (needed when it holds several). A missing optional file makes its table
    unavailable (``DataSet.unavailable``); a file that cannot be used at all raises
    :class:`DataFileError` with a one-line message. Inputs are only read.
    """
    from .coverage import table_coverage
    from .ssda903 import load_903

    folder = Path(path)
    if not folder.exists():
        raise DataFileError(folder, "folder not found")
    if not folder.is_dir():
        raise DataFileError(folder, "is not a folder: give the folder that holds the data files")
    listing = _listing(folder)
    data = DataSet(folder=folder)
    sources: dict[str, tuple[str, object]] = {}  # table -> ("csv", path) | ("sheet", name)

    loaded903 = load_903(folder, la=la, validate=_validate_table)
    for table, spec in TABLES.items():
        if table in SSDA903_TABLES:
            continue
        csv_names = [n for n in spec.file_names if n.endswith(".csv")]
        path_found = next((listing[n.lower()] for n in csv_names if n.lower() in listing), None)
        if path_found is not None:
            sources[table] = ("csv", path_found)

    workbook_path = None
    annex_needed = [t for t in ANNEX_LISTS if t not in sources]
    if annex_needed:
        workbook_path = _find_workbook(folder, listing)
    if workbook_path is not None:
        workbook = open_workbook(workbook_path)
        try:
            for table in annex_needed:
                sheet = match_sheet(workbook.sheetnames, ANNEX_LISTS[table])
                if sheet is None:
                    raise DataFileError(
                        workbook_path.name,
                        f"sheet 'List {ANNEX_LISTS[table]}' not found "
                        f"(sheets: {', '.join(workbook.sheetnames)})",
                    )
                sources[table] = ("sheet", sheet)
            raws = {
                t: read_sheet_text(workbook, sources[t][1], workbook_path.name)
                for t in annex_needed
            }
        finally:
            workbook.close()
    else:
        raws = {}

    if not sources and not (loaded903 and loaded903.tables):
        expected = ", ".join(
            dict.fromkeys([s.file_names[0] for s in TABLES.values()] + [ANNEX_WORKBOOK])
        )
        raise DataFileError(folder, f"holds no recognised data file (expected: {expected})")

    problems, summaries = [], []
    for table, spec in TABLES.items():
        if table in SSDA903_TABLES:
            if loaded903 is not None and table in loaded903.tables:
                data.tables[table] = loaded903.tables[table]
                data.files[table] = loaded903.main_file[table]
            else:
                data.unavailable[table] = f"{spec.file_names[0]} not found in {folder}"
            continue
        if table not in sources:
            if table in ANNEX_LISTS:
                name = f"{spec.file_names[0]} (or sheet List {ANNEX_LISTS[table]} of {ANNEX_WORKBOOK})"
            else:
                name = spec.file_names[0]
            data.unavailable[table] = f"{name} not found in {folder}"
            continue
        kind, where = sources[table]
        raw = (raws[table] if kind == "sheet"
               else read_csv_text(where, schemas.repetitive_columns(table)))
        data.files[table] = workbook_path if kind == "sheet" else where
        accepted, table_problems, summary = _validate_table(table, raw)
        data.tables[table] = accepted
        problems.append(table_problems)
        summaries.append(summary)
        covered = table_coverage(table, accepted)
        if covered is not None:
            data.coverage[table] = covered
    if loaded903 is not None:
        problems = loaded903.problems + problems
        summaries = loaded903.summaries + summaries
        data.consolidation = loaded903.changes
        data.returns = loaded903.returns
        data.authority = loaded903.authority
        data.notes = loaded903.notes
        data.source_files = loaded903.files
        if loaded903.coverage is not None:
            for table in SSDA903_TABLES:
                if table in data.tables:
                    data.coverage[table] = loaded903.coverage

    non_empty = [p for p in problems if len(p)]
    data.problems = (
        pd.concat(non_empty, ignore_index=True).astype(
            {"file": "string", "table": "string", "row": "int64", "column": "string",
             "value": "string", "rule": "string"}
        ) if non_empty else _empty_problems()
    )
    data.summary = pd.DataFrame(summaries, columns=list(SUMMARY_COLUMNS))
    return data


# --- the text of `qa-analysis validate` -------------------------------------------------
def _aligned(rows: list[list[str]], right: set[int] = frozenset()) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ).rstrip()
        for row in rows
    ]


def validation_report(data: DataSet, max_problems: int = 50) -> str:
    """The text ``qa-analysis validate`` prints: counts per table, unavailable tables, problems."""
    lines = [f"Data folder: {data.folder}", ""]
    if len(data.summary):
        merged = "rows_consolidated" in data.summary and data.summary["rows_consolidated"].sum() > 0
        rows = [["table", "file", "read", "accepted", "set aside"] + (["consolidated"] if merged else [])]
        rows += [
            [str(r.table), str(r.file), f"{r.rows_read:,}", f"{r.rows_accepted:,}",
             f"{r.rows_set_aside:,}"] + ([f"{r.rows_consolidated:,}"] if merged else [])
            for r in data.summary.itertuples(index=False)
        ]
        lines += ["Rows per table:"] + ["  " + s for s in _aligned(rows, right={2, 3, 4, 5})]
    else:
        lines.append("No table was loaded.")
    from .ssda903 import returns_report

    lines += returns_report(data, max_problems)
    if data.unavailable:
        lines += ["", "Not available (the topics that need them are skipped):"]
        lines += [f"  {table}: {reason}" for table, reason in data.unavailable.items()]
    total = len(data.problems)
    lines.append("")
    if total == 0:
        lines.append("No problems found: every row was accepted.")
        return "\n".join(lines) + "\n"
    set_aside = int(data.summary["rows_set_aside"].sum()) if len(data.summary) else 0
    lines.append(
        f"Problems ({total:,} in {set_aside:,} rows set aside, which the reports leave out):"
    )
    shown = data.problems.head(max_problems)
    rows = [["file", "row", "column", "value", "rule"]]
    rows += [
        [str(r.file), str(r.row), str(r.column), _short(r.value), str(r.rule)]
        for r in shown.itertuples(index=False)
    ]
    lines += ["  " + s for s in _aligned(rows, right={1})]
    if total > max_problems:
        lines.append(f"  ... and {total - max_problems:,} more problems not shown.")
    return "\n".join(lines) + "\n"


def _short(value, width: int = 30) -> str:
    text = "" if value is None or value is pd.NA else str(value)
    text = text if text else "(blank)"
    return text if len(text) <= width else text[: width - 3] + "..."

"""Load a data folder (DESIGN section 2) into validated, typed tables.

``load_data(folder)`` finds each table's file (our standard names, or the Standard
Safeguarding Dataset's tables: :mod:`qa_analysis.io.ssd`), reads it as text, converts and
validates it (:mod:`qa_analysis.io.schemas`), and returns a :class:`DataSet`: the accepted
rows of each table, the rows set aside with their reasons (``problems``), the values
ignored in columns no metric needs (``warnings``), how values were interpreted
(``notes``: "DEC: 3,685 dates read as dd/mm/yy"), how each file of the folder was
recognised (``recognised``) and per-table counts (``summary``) where rows read = rows
accepted + rows set aside, always.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..checksums import file_sha256
from ..errors import DataFileError
from . import audit_programme, schemas, ssd
from . import cache as _cache
from .coverage import table_coverage
from .readers import (
    DELIMITERS,
    RawTable,
    match_sheet,
    normalise_header,
    open_workbook,
    read_csv_text,
    read_sheet_text,
)
from .tables import TABLES, needed

PROBLEM_COLUMNS = ("file", "table", "row", "column", "value", "rule")
SUMMARY_COLUMNS = ("table", "file", "rows_read", "rows_accepted", "rows_set_aside", "values_ignored",
                   "rows_consolidated")
SSDA903_TABLES = ("header", "episodes")
NOTE_COLUMNS = ("table", "file", "column", "note", "rows")
RECOGNISED_COLUMNS = ("file", "table", "layout", "status")
ANNEX_LISTS = {"contacts": 1, "referrals": 3, "assessments": 4}
ANNEX_WORKBOOK = "annex_a.xlsx"
LAYOUT_STANDARD = "standard"
IGNORED = "value ignored"
OPTIONAL_ADDITIONS = ("visit_methods",)  # files that only add to another table  # the action of a warning: the row is kept, the value not recorded


@dataclass
class DataSet:
    """A loaded data folder.

    ``tables``: table -> accepted rows, typed per :data:`TABLES` (``data.visits`` works too,
    None when the table is unavailable). ``unavailable``: table -> plain reason.
    ``problems``: rows set aside (file, table, row, column, value, rule; ``row`` as the user
    sees it in Excel or a text editor). ``warnings``: values ignored (kept as not recorded)
    in columns no metric needs, same columns. ``notes``: values read through a fallback
    form (table, file, column, note, rows). ``recognised``: every file of the folder, the
    table and layout it was read as, or why not. ``summary``: rows read, accepted, set
    aside and values ignored, per file, and rows consolidated (SSDA903 rows merged into a
    later return's copy; read = accepted + consolidated + set aside).

    SSDA903 returns (:mod:`qa_analysis.io.ssda903`, issue 10): ``consolidation`` lists each
    change the consolidation of several returns made (file, table, row, change, rule;
    :mod:`qa_analysis.io.consolidate`); ``returns`` the files read with their return year;
    ``authority`` the authority chosen (``la=``) or named by the files; ``return_notes``
    what a reader should know about them (years inferred, names that disagree, files that
    lost to another). ``coverage``: table -> :class:`~qa_analysis.io.coverage.Coverage`,
    what the data speaks for (903: the returns' years; other tables: first to last date).
    """

    folder: Path
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)  # table -> its (first) file
    all_files: dict[str, tuple[Path, ...]] = field(default_factory=dict)  # table -> every file
    problems: pd.DataFrame = field(default_factory=lambda: _empty_problems())
    warnings: pd.DataFrame = field(default_factory=lambda: _empty_problems())
    notes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=NOTE_COLUMNS))
    recognised: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=RECOGNISED_COLUMNS))
    summary: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SUMMARY_COLUMNS))
    consolidation: pd.DataFrame = field(default_factory=lambda: _empty_changes())
    coverage: dict = field(default_factory=dict)
    returns: pd.DataFrame | None = None
    authority: str | None = None
    return_notes: list[str] = field(default_factory=list)

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

    def checksums(self) -> dict[str, str]:
        """File name -> SHA-256 of every file used (for report footers)."""
        out = {}
        paths = [p for ps in self.all_files.values() for p in ps] or list(self.files.values())
        known = self.__dict__.get("_checksums", {})  # from the cache's load: not read twice
        for path in dict.fromkeys(paths):
            out[path.name] = known.get(path) or file_sha256(path)
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
            folder.name,
            f"holds several Annex A workbooks ({names}): keep one, or name it {ANNEX_WORKBOOK}",
        )
    return candidates[0] if candidates else None


@dataclass
class _Source:
    """Where a table's rows come from: one CSV or sheet, in one layout."""

    table: str
    path: Path
    layout: str = LAYOUT_STANDARD
    sheet: str | None = None
    ssd_table: ssd.SsdTable | None = None

    @property
    def label(self) -> str:
        return f"{self.path.name}, sheet {self.sheet}" if self.sheet else self.path.name


def expected_names() -> list[str]:
    """Every file name the loader accepts, for messages."""
    names = [n for s in TABLES.values() for n in s.file_names if n.endswith(".csv")]
    return list(dict.fromkeys([*names, ANNEX_WORKBOOK, *ssd.expected_names()]))


# --- one table --------------------------------------------------------------------------
def _canonical_text(table: str, raw: RawTable, source: _Source | None = None):
    """Rename headers to canonical columns; fail on a missing required column.

    Returns the text columns of exactly TABLES[table].columns (absent optional columns
    blank; a dict, not a frame, to avoid copying millions of strings into one block),
    canonical -> header as written (for messages), and the columns the file lacks.
    """
    lookup = dict(schemas.column_lookup(table))
    constants = {}
    if source is not None and source.ssd_table is not None:
        lookup = {**source.ssd_table.lookup(), **lookup}
        constants = source.ssd_table.constants
    found: dict[str, str] = {}
    for header in raw.frame.columns:
        column = lookup.get(normalise_header(header))
        if column is not None and column not in found and column not in constants:
            found[column] = header
    missing = [c for c in TABLES[table].required if c not in found and c not in constants]
    if missing:
        names = ", ".join(_expected_header(table, c, source) for c in missing)
        plural = "s" if len(missing) > 1 else ""
        seen = ", ".join(str(h) for h in raw.frame.columns) or "none"
        hint = ""
        if len(raw.frame.columns) == 1 and raw.fields <= 1:
            hint = " (one column only: is the file separated by commas, semicolons or tabs?)"
        raise DataFileError(
            raw.source, f"required column{plural} missing: {names}; headers found: {seen}{hint}"
        )
    n = len(raw.frame)
    blank = None  # built only for a table that lacks a column (10 million blanks cost 0.5 s)
    text = {}
    for c in TABLES[table].columns:
        if c in constants:
            text[c] = pd.Series(np.full(n, constants[c], dtype=object), dtype=str)
        elif c in found:
            text[c] = raw.frame[found[c]].reset_index(drop=True)
        else:
            blank = _blank_text(n) if blank is None else blank
            text[c] = blank.reset_index(drop=True)
    display = {c: found.get(c, f"{c} (from the table name)" if c in constants else c)
               for c in TABLES[table].columns}
    absent = frozenset(c for c in TABLES[table].columns if c not in found and c not in constants)
    return text, display, absent


def _blank_text(n: int) -> pd.Series:
    """n blank values as text (pandas "str"), built by pyarrow without a Python string each."""
    import pyarrow as pa

    blank = pa.array([""], type=pa.large_string()).take(pa.array(np.zeros(n, dtype=np.int32)))
    return pd.Series(pd.array(blank, dtype=pd.StringDtype("pyarrow", na_value=np.nan)))


def _expected_header(table: str, column: str, source: _Source | None) -> str:
    if source is not None and source.ssd_table is not None:
        names = [s for s, ours in source.ssd_table.columns.items() if ours == column]
        if names:
            return f"{names[0]} ({column})"
    return schemas.expected_header(table, column)


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


def _ragged_frame(raw: RawTable, table: str) -> pd.DataFrame:
    """Lines with more fields than the header: set aside with their line number."""
    return pd.DataFrame(
        {
            "file": raw.source,
            "table": table,
            "row": np.array([line for line, _ in raw.ragged], dtype=np.int64),
            "column": "",
            "value": [f"{fields} fields" for _, fields in raw.ragged],
            "rule": [f"the line has {fields} fields but the header has {raw.fields}"
                     for _, fields in raw.ragged],
        }
    )


@dataclass
class _Validated:
    accepted: pd.DataFrame
    problems: pd.DataFrame
    warnings: pd.DataFrame
    notes: list[dict]
    summary: dict


def _validate_table(table: str, raw: RawTable, blanks: frozenset = frozenset(),
                    source: _Source | None = None, auditor_roles=None,
                    loaded: dict | None = None, within_return: bool = True,
                    finalise: bool = True, looked_for: frozenset | None = None,
                    memo: audit_programme.ScanMemo | None = None) -> _Validated:
    """Raw text -> accepted typed frame, problems (rows set aside), warnings (values
    ignored), notes (fallback forms) and the summary row.

    ``auditor_roles`` and ``loaded`` (the tables loaded before this one) serve the audit
    programme's rules and the free-text scan (:mod:`qa_analysis.io.audit_programme`).
    ``within_return=False`` (a stacked SSDA903 file without a YEAR column: several returns
    in one) skips the duplicate and overlap rules, which consolidation settles instead.
    ``finalise=False`` leaves code columns as categoricals (:func:`schemas.finalise` not
    applied): the SSDA903 returns are stacked and consolidated first, then finalised once.
    """
    text, display, absent = _canonical_text(table, raw, source)
    converted = schemas.convert(table, text, strip=raw.may_have_spaces, blanks=blanks)
    typed = converted.frame
    rules = schemas.RULES[table]
    parts, ignored = [], []

    for column, (mask, template) in converted.invalid.items():
        frame = _problem_frame(np.flatnonzero(mask), column, _fill(template, column, display, table),
                               text, raw, display, table)
        (parts if needed(table, column) else ignored).append(frame)

    # A value outside its code list where no metric needs the column: kept as not recorded.
    unknown = schemas.ignored_codes(table, typed)
    if unknown:
        changes = {}
        for column, mask in unknown.items():
            ignored.append(_problem_frame(
                np.flatnonzero(mask), column,
                _fill(schemas.UNKNOWN_CODE_RULE, column, display, table), text, raw, display, table))
            changes[column] = typed[column].mask(mask)
        typed = typed.assign(**changes)

    failures = schemas.schema_failures(table, typed, absent)
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

    extra = []
    if table == "audits":
        kwargs = {"roles": tuple(auditor_roles)} if auditor_roles is not None else {}
        typed, extra = audit_programme.programme_rules(typed, **kwargs)
    if audit_programme.has_free_text(table, typed):
        extra += audit_programme.free_text_rules(table, typed, {**(loaded or {}), table: typed},
                                                 looked_for, memo)
    for mask, column, rule in extra:
        parts.append(_problem_frame(np.flatnonzero(mask), column, rule, text, raw, display, table))

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
    if raw.ragged:
        problems = pd.concat([_ragged_frame(raw, table), problems], ignore_index=True)
        problems = problems.sort_values("row", kind="stable").reset_index(drop=True)
    warnings = (
        pd.concat(ignored, ignore_index=True).sort_values(["_pos"], kind="stable")
        .drop(columns="_pos").assign(rule=lambda d: d["rule"] + ": " + IGNORED)
        if ignored else _empty_problems()
    )
    # Copying millions of rows to drop none is avoidable.
    accepted = typed.loc[~bad].reset_index(drop=True) if bad.any() else typed
    if finalise:
        accepted = schemas.finalise(accepted)
    summary = {
        "table": table,
        "file": raw.source,
        "rows_read": len(typed) + len(raw.ragged),
        "rows_accepted": int((~bad).sum()),
        "rows_set_aside": int(bad.sum()) + len(raw.ragged),
        "values_ignored": len(warnings),
        "rows_consolidated": 0,
    }
    notes = [
        {"table": table, "file": raw.source, "column": display.get(c, c), "note": what, "rows": n}
        for c, what, n in converted.notes
    ]
    return _Validated(accepted, problems, warnings, notes, summary)


def _merge_visit_methods(visits: pd.DataFrame, methods: pd.DataFrame) -> pd.DataFrame:
    """Fill modality and method, where a visit has neither, from ``visit_methods.csv``.

    Matched on visit_id and cohort where the methods file gives a cohort (the SSD's three
    visit tables may reuse identifiers), else on visit_id alone.
    """
    out = visits
    with_cohort = methods.loc[methods["cohort"].notna()]
    without = methods.loc[methods["cohort"].isna()]
    for frame, key in ((with_cohort, ["visit_id", "cohort"]), (without, ["visit_id"])):
        if frame.empty:
            continue
        lookup = frame.drop_duplicates(key).set_index(key)[["modality", "method"]]
        index = pd.MultiIndex.from_frame(out[key]) if len(key) > 1 else pd.Index(out[key[0]])
        found = lookup.reindex(index)
        todo = (out["modality"].isna() & out["method"].isna()).to_numpy(dtype=bool)
        out = out.assign(
            modality=out["modality"].where(~todo, found["modality"].to_numpy()).astype("string"),
            method=out["method"].where(~todo, found["method"].to_numpy()).astype("string"),
        )
    return out


# --- the folder -------------------------------------------------------------------------
def _find_sources(folder: Path, listing: dict[str, Path]):
    """table -> sources used, and every file's recognition row."""
    chosen: dict[str, list[_Source]] = {}
    recognised: dict[str, dict] = {}
    for table, spec in TABLES.items():
        if table in SSDA903_TABLES:  # found in every way they arrive by io.ssda903
            continue
        for name in spec.file_names:
            if name.endswith(".csv") and name.lower() in listing:
                path = listing[name.lower()]
                chosen[table] = [_Source(table, path)]
                recognised[path.name] = {"file": path.name, "table": table,
                                         "layout": LAYOUT_STANDARD, "status": "used"}
                break
    ssd_found: dict[str, list[_Source]] = {}
    for path in listing.values():
        ssd_table = ssd.ssd_table_of(path)
        if ssd_table is not None:
            ssd_found.setdefault(ssd_table.table, []).append(
                _Source(ssd_table.table, path, ssd.LAYOUT, ssd_table=ssd_table))
    # Annex A workbook: only for lists that no CSV (ours or the SSD's) gives.
    annex_needed = [t for t in ANNEX_LISTS if t not in chosen and t not in ssd_found]
    workbook_path = _find_workbook(folder, listing)
    if workbook_path is not None:
        recognised[workbook_path.name] = {
            "file": workbook_path.name, "table": ", ".join(annex_needed) or "contacts, referrals, assessments",
            "layout": "Annex A workbook",
            "status": "used" if annex_needed else "not used: the lists came from CSV files",
        }
        if annex_needed:
            for table in annex_needed:
                chosen[table] = [_Source(table, workbook_path, "Annex A workbook")]
    for table, sources in ssd_found.items():
        names = ", ".join(s.path.name for s in chosen.get(table, []))
        for source in sources:
            status = "used" if table not in chosen or chosen[table][0].layout == ssd.LAYOUT else (
                f"not used: {names} was used for {table}")
            recognised[source.path.name] = {"file": source.path.name, "table": table,
                                            "layout": ssd.LAYOUT, "status": status}
        if table not in chosen:
            chosen[table] = sources
    for path in listing.values():
        if path.name not in recognised:
            reason = "not recognised: not a file name the loader accepts"
            if path.suffix.lower() not in (".csv", ".xlsx"):
                reason = "not recognised: not a CSV or Excel workbook"
            recognised[path.name] = {"file": path.name, "table": "", "layout": "", "status": reason}
    return chosen, workbook_path, [recognised[p.name] for p in listing.values()]


def load_data(path: str | Path, settings=None, blank_values=None, la: str | None = None,
              cache: bool | None = None) -> DataSet:
    """Load every table of a data folder (DESIGN section 2), validated.

    SSDA903 files are found in every way they arrive (names, subfolders, XML, a regional
    stack) and several yearly returns are consolidated (:mod:`qa_analysis.io.ssda903`);
    ``la`` picks one authority of a regional stack (needed when it holds several).

    A missing optional file makes its table unavailable (``DataSet.unavailable``); so does
    a file with a header and no data rows. A file that cannot be used at all raises
    :class:`DataFileError` with a one-line message. Inputs are only read.
    ``blank_values`` (or ``settings.blank_values``): the values read as blank
    (default ``NULL``, ``N/A``, ``#N/A``, whatever their case).

    Parameters
    ----------
    path : str or Path
        The data folder (Windows paths work too, e.g. ``"C:/QA data/2021-06"``).
    settings : Settings, optional
        Local settings (its ``blank_values`` are used when ``blank_values`` is not given;
        its ``auditor_roles`` are the roles audits.csv's auditor is checked against, issue 15).
    blank_values : iterable of str, optional
        Values read as blank.
    cache : bool, optional
        Keep the loaded tables in ``path/.qa-cache/`` (Arrow files) and reuse them while the
        files are unchanged (:mod:`qa_analysis.io.cache`); default on, unless the
        environment variable ``QA_ANALYSIS_CACHE`` is ``off``. A folder inside a git
        repository is never cached. The result is the same either way.

    Returns
    -------
    DataSet
        The accepted rows of each table (``data.visits``, ``data.episodes``...), the rows set
        aside with their reasons (``data.problems``) and the counts (``data.summary``).
        Shown in a notebook, it is a summary of tables, rows, dates covered and rows set
        aside, never the rows themselves.

    Examples
    --------
    >>> import qa_analysis as qa
    >>> data = qa.load_data(qa.config.DEMO_DATA_DIR)
    >>> int(data.summary["rows_set_aside"].sum())
    0
    """
    folder = Path(path)
    if not folder.exists():
        raise DataFileError(folder.name or str(folder), "folder not found")
    if not folder.is_dir():
        raise DataFileError(folder.name, "is not a folder: give the folder that holds the data files")
    if blank_values is None:
        blank_values = getattr(settings, "blank_values", schemas.DEFAULT_BLANK_VALUES)
    blanks = schemas.blank_set(blank_values)
    if _cache.usable(folder, cache):
        return _cache.through(folder, blanks, la, getattr(settings, "auditor_roles", None), DataSet,
                              lambda: _load_folder(folder, settings, blanks, la))
    return _load_folder(folder, settings, blanks, la)


class _ReadAhead:
    """The folder's CSV files read in a background thread, in the order the load takes
    them, at most ``ahead`` files before the one being validated: the parse (pyarrow, which
    lets go of the GIL) of the next file overlaps the validation of this one, which runs on
    one core. ``take(table, path)`` returns what ``read(table, path)`` returned or raises
    what it raised, so a file's error surfaces when the load reaches it, as without reading
    ahead; a file not queued is read there and then."""

    def __init__(self, jobs: list[tuple[str, Path]], read: Callable[[str, Path], RawTable],
                 ahead: int = 1):
        self._read, self._queued = read, list(dict.fromkeys(jobs))
        self._done: dict[tuple[str, Path], threading.Event] = {j: threading.Event() for j in self._queued}
        self._results: dict[tuple[str, Path], tuple[bool, object]] = {}
        self._room = threading.Semaphore(ahead)  # raw tables read but not yet taken
        self._closed, self._next = False, 0  # _next: the first queued file not yet taken
        self._thread = threading.Thread(target=self._run, name="qa-read-ahead", daemon=True)
        if self._queued:
            self._thread.start()

    def _run(self) -> None:
        for job in self._queued:
            done = self._done[job]  # looked up first: take() may already hold it
            self._room.acquire()
            if self._closed:
                return
            try:
                self._results[job] = (True, self._read(*job))
            except BaseException as error:  # handed to the load, which raises it in order
                self._results[job] = (False, error)
            done.set()

    def take(self, table: str, path: Path) -> RawTable:
        job = (table, path)
        if job not in self._done:
            return self._read(table, path)
        # files queued before this one and never asked for: dropped, making room
        while self._queued[self._next] != job:
            self._collect(self._queued[self._next])
        ok, value = self._collect(job)
        if not ok:
            raise value
        return value

    def _collect(self, job) -> tuple[bool, object]:
        self._done.pop(job).wait()
        self._next += 1
        outcome = self._results.pop(job)
        self._room.release()
        return outcome

    def close(self) -> None:
        """Stop reading ahead (the load is over, or has failed)."""
        self._closed = True
        self._room.release()


def _load_folder(folder: Path, settings, blanks: frozenset, la: str | None) -> DataSet:
    """The load itself (:func:`load_data` without the cache)."""
    listing = _listing(folder)
    data = DataSet(folder=folder)
    chosen, workbook_path, recognised = _find_sources(folder, listing)
    # the files in the order the load below takes them: read ahead while it validates
    jobs = [(table, source.path) for table in TABLES if table not in SSDA903_TABLES
            for source in chosen.get(table, ()) if source.layout != "Annex A workbook"]
    jobs.sort(key=lambda job: job[0] not in audit_programme.FREE_TEXT)  # small; wanted first
    ahead = _ReadAhead(jobs, lambda table, path: read_csv_text(
        path, schemas.repetitive_columns(table), schemas.encoded_columns(table)))
    try:
        return _load_sources(folder, settings, blanks, la, data, listing, chosen, workbook_path,
                             recognised, ahead)
    finally:
        ahead.close()


def _load_sources(folder: Path, settings, blanks: frozenset, la: str | None, data: DataSet,
                  listing, chosen, workbook_path, recognised, ahead: _ReadAhead) -> DataSet:
    from .ssda903 import load_903

    loaded903 = load_903(
        folder, la=la,
        validate=lambda table, raw, within: _validate_table(table, raw, blanks, within_return=within,
                                                            finalise=False),
    )
    if loaded903 is not None:
        used = {r["file"]: r for r in loaded903.recognised}
        recognised = [used.pop(r["file"], r) for r in recognised] + list(used.values())

    if not chosen and not (loaded903 and loaded903.tables):
        seen = ", ".join(p.name for p in listing.values()) or "no files"
        raise DataFileError(
            folder.name,
            f"holds no recognised data file (it holds: {seen}; "
            f"names accepted: {', '.join(expected_names())})",
        )

    raws: dict[str, RawTable] = {}
    sheet_tables = [t for t, ss in chosen.items() if ss[0].layout == "Annex A workbook"]
    if sheet_tables:
        workbook = open_workbook(workbook_path)
        try:
            for table in sheet_tables:
                sheet = match_sheet(workbook.sheetnames, ANNEX_LISTS[table])
                if sheet is None:
                    raise DataFileError(
                        workbook_path.name,
                        f"sheet 'List {ANNEX_LISTS[table]}' not found "
                        f"(sheets: {', '.join(workbook.sheetnames)})",
                    )
                chosen[table][0].sheet = sheet
                raws[table] = read_sheet_text(workbook, sheet, workbook_path.name)
        finally:
            workbook.close()

    # The free-text files first (small): the phrases of all of them are looked for in one
    # scan of the folder's identifiers, shared by their validations (in the usual order).
    early = {}
    for table in [t for t in TABLES if t in audit_programme.FREE_TEXT]:  # in the queue's order
        for source in chosen.get(table, ()):
            if source.layout != "Annex A workbook":
                try:
                    early[(table, source.path)] = (True, ahead.take(table, source.path))
                except Exception as error:  # raised when the load reaches the file, as before
                    early[(table, source.path)] = (False, error)
    looked_for, memo = _free_text_phrases(early, chosen), audit_programme.ScanMemo()

    problems, warnings, summaries, notes = [], [], [], []
    by_file = {r["file"]: r for r in recognised}
    if loaded903 is not None:
        problems += loaded903.problems
        warnings += loaded903.warnings
        summaries += loaded903.summaries
        notes += loaded903.value_notes
        data.consolidation = loaded903.changes
        data.returns = loaded903.returns
        data.authority = loaded903.authority
        data.return_notes = loaded903.notes
    for table, spec in TABLES.items():
        if table in SSDA903_TABLES:
            if loaded903 is not None and table in loaded903.tables:
                data.tables[table] = loaded903.tables[table]
                data.files[table] = loaded903.main_file[table]
                data.all_files[table] = loaded903.all_files[table]
                if loaded903.coverage is not None:
                    data.coverage[table] = loaded903.coverage
            else:
                data.unavailable[table] = f"{spec.file_names[0]} not found in the data folder"
            continue
        if table not in chosen:
            if table in OPTIONAL_ADDITIONS:
                continue  # not a table a topic needs: nothing to report when absent
            if table in ANNEX_LISTS:
                name = f"{spec.file_names[0]} (or sheet List {ANNEX_LISTS[table]} of {ANNEX_WORKBOOK})"
            else:
                name = spec.file_names[0]
            data.unavailable[table] = f"{name} not found in the data folder"
            continue
        accepted_parts = []
        for source in chosen[table]:
            if (table, source.path) in early:
                read, raw = early.pop((table, source.path))
                if not read:
                    raise raw
            else:
                raw = raws[table] if source.sheet else ahead.take(table, source.path)
            result = _validate_table(table, raw, blanks, source,
                                     getattr(settings, "auditor_roles", None), data.tables,
                                     looked_for=looked_for, memo=memo)
            summaries.append(result.summary)
            problems.append(result.problems)
            warnings.append(result.warnings)
            notes.extend(result.notes)
            if raw.delimiter != "," and source.path.name in by_file:
                by_file[source.path.name]["status"] += f" ({DELIMITERS[raw.delimiter]}-separated)"
            if result.summary["rows_read"] == 0:
                if source.path.name in by_file and not source.sheet:
                    by_file[source.path.name]["status"] = "no data rows (header only)"
                continue
            accepted_parts.append(result.accepted)
        data.files[table] = chosen[table][0].path
        data.all_files[table] = tuple(s.path for s in chosen[table])
        if not accepted_parts:
            data.unavailable[table] = f"{chosen[table][0].label} has a header but no data rows"
            continue
        data.tables[table] = (accepted_parts[0] if len(accepted_parts) == 1
                              else pd.concat(accepted_parts, ignore_index=True))
        covered = table_coverage(table, data.tables[table])
        if covered is not None:
            data.coverage[table] = covered

    if "visit_methods" in data.tables and "visits" in data.tables:
        data.tables["visits"] = _merge_visit_methods(data.tables["visits"], data.tables["visit_methods"])

    data.problems = _stack(problems)
    data.warnings = _stack(warnings)
    data.notes = pd.DataFrame(notes, columns=list(NOTE_COLUMNS))
    data.recognised = pd.DataFrame(recognised, columns=list(RECOGNISED_COLUMNS))
    data.summary = pd.DataFrame(summaries, columns=list(SUMMARY_COLUMNS))
    return data


def _free_text_phrases(early: dict, chosen) -> frozenset[str]:
    """The phrases of the free-text files' raw text (:func:`audit_programme.phrases_looked_for`):
    at least those of their accepted text, which is the raw text stripped, blanks left out."""
    phrases = set()
    for (table, path), (read, raw) in early.items():
        if not read:
            continue
        source = next(s for s in chosen[table] if s.path == path)
        try:
            text, _, _ = _canonical_text(table, raw, source)
        except DataFileError:
            continue  # said when the load reaches the file
        phrases |= audit_programme.phrases_looked_for(
            v for c in audit_programme.FREE_TEXT[table] if c in text for v in pd.unique(text[c].astype(object)))
    return frozenset(phrases)


def _stack(frames: list[pd.DataFrame]) -> pd.DataFrame:
    non_empty = [p for p in frames if len(p)]
    return (
        pd.concat(non_empty, ignore_index=True).astype(
            {"file": "string", "table": "string", "row": "int64", "column": "string",
             "value": "string", "rule": "string"}
        ) if non_empty else _empty_problems()
    )


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


def all_problems(data: DataSet) -> pd.DataFrame:
    """Every problem of the load, one row each: rows set aside and values ignored, with
    ``action`` saying which (what ``validate --problems FILE`` writes)."""
    frames = [
        data.problems.assign(action="row set aside"),
        data.warnings.assign(action=IGNORED),
    ]
    frames = [f for f in frames if len(f)]
    if not frames:
        return _empty_problems().assign(action=pd.Series([], dtype="string"))
    return pd.concat(frames, ignore_index=True)[[*PROBLEM_COLUMNS, "action"]]


def tally(data: DataSet) -> pd.DataFrame:
    """Problems counted by table, rule and action (most frequent first within a table)."""
    problems = all_problems(data)
    if problems.empty:
        return pd.DataFrame({"table": [], "rule": [], "action": [], "count": []})
    order = {t: i for i, t in enumerate(TABLES)}
    return (
        problems.groupby(["table", "rule", "action"], as_index=False, sort=False)
        .size()
        .rename(columns={"size": "count"})
        .assign(_t=lambda d: d["table"].map(order))
        .sort_values(["_t", "count"], ascending=[True, False], kind="stable")
        .drop(columns="_t")
        .reset_index(drop=True)
    )


def write_problems(data: DataSet, path: str | Path) -> int:
    """Write every problem (rows set aside and values ignored) as CSV; returns how many."""
    problems = all_problems(data)
    problems.to_csv(path, index=False, encoding="utf-8")
    return len(problems)


def validation_report(data: DataSet, max_problems: int = 50) -> str:
    """The text ``qa-analysis validate`` prints: the files and how each was recognised,
    counts per table, values read through fallback forms, unavailable tables, a tally of
    problems by table and rule, then the first problems."""
    lines = [f"Data folder: {data.folder.name}", ""]
    if len(data.recognised):
        rows = [["file", "read as", "layout", ""]]
        rows += [[str(r.file), str(r.table) or "-", str(r.layout) or "-", str(r.status)]
                 for r in data.recognised.itertuples(index=False)]
        lines += ["Files:"] + ["  " + s for s in _aligned(rows)] + [""]
    if len(data.summary):
        merged = "rows_consolidated" in data.summary and data.summary["rows_consolidated"].sum() > 0
        rows = [["table", "file", "read", "accepted", "set aside", "values ignored"]
                + (["consolidated"] if merged else [])]
        rows += [
            [str(r.table), str(r.file), f"{r.rows_read:,}", f"{r.rows_accepted:,}",
             f"{r.rows_set_aside:,}", f"{r.values_ignored:,}"]
            + ([f"{r.rows_consolidated:,}"] if merged else [])
            for r in data.summary.itertuples(index=False)
        ]
        lines += ["Rows per table:"] + ["  " + s for s in _aligned(rows, right={2, 3, 4, 5, 6})]
    else:
        lines.append("No table was loaded.")
    from .ssda903 import returns_report

    lines += returns_report(data, max_problems)
    if len(data.notes):
        lines += ["", "Values read through a fallback form (check they are what you meant):"]
        lines += [f"  {r.file}: {r.column}: {r.rows:,} {r.note}"
                  for r in data.notes.itertuples(index=False)]
    if data.unavailable:
        lines += ["", "Not available (the topics that need them are skipped):"]
        lines += [f"  {table}: {reason}" for table, reason in data.unavailable.items()]
    problems = all_problems(data)
    total = len(problems)
    lines.append("")
    if total == 0:
        lines.append("No problems found: every row was accepted.")
        return "\n".join(lines) + "\n"
    set_aside = int(data.summary["rows_set_aside"].sum()) if len(data.summary) else 0
    ignored = len(data.warnings)
    counted = tally(data)
    rows = [["table", "count", "action", "rule"]]
    rows += [[str(r.table), f"{r.count:,}", str(r.action), str(r.rule)]
             for r in counted.itertuples(index=False)]
    lines += ["Problems by table and rule:"] + ["  " + s for s in _aligned(rows, right={1})] + [""]
    lines.append(
        f"Problems ({len(data.problems):,} in {set_aside:,} rows set aside, which the reports "
        f"leave out; {ignored:,} values ignored, their rows kept):"
    )
    shown = problems.head(max_problems)
    rows = [["file", "row", "column", "value", "rule"]]
    rows += [
        [str(r.file), str(r.row), str(r.column), _short(r.value), str(r.rule)]
        for r in shown.itertuples(index=False)
    ]
    lines += ["  " + s for s in _aligned(rows, right={1})]
    if total > max_problems:
        lines.append(f"  ... and {total - max_problems:,} more problems not shown "
                     "(validate --problems FILE writes them all as CSV).")
    return "\n".join(lines) + "\n"


def _short(value, width: int = 30) -> str:
    text = "" if value is None or value is pd.NA else str(value)
    text = text if text else "(blank)"
    return text if len(text) <= width else text[: width - 3] + "..."

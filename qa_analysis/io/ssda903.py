"""SSDA903 returns in every way they arrive, read, validated and consolidated into one history.

Found in a data folder (and one level of subfolders, e.g. a subfolder per return):

- any CSV whose name contains ``episodes`` or ``header``, other than the Standard
  Safeguarding Dataset's tables (``ssd_cin_episodes.csv``) (the default
  ``ssda903_episodes.csv`` / ``ssda903_header.csv``, ``2019-episodes.csv``,
  ``SSDA903_2020_episodes.csv``, ``episodes_2021.csv``...);
- the XML return (``*.xml``, root ``EXPSSDA903``, ``CHILD`` > ``HEADER`` and ``EPISODE``;
  ``CHILDID`` read as CHILD, ``PL`` as PLACE); any other XML file stops the load;
- a stacked file as regional pipelines write it, with ``YEAR`` (the return's 31 March
  year) and ``LA`` columns: each (LA, YEAR) group is a return of its own.

Each return's year is inferred from its dates: the collection year (1 April to 31 March,
named by its 31 March end) in which its latest DECOM falls. A year in a file or folder
name is only compared with it: a name that disagrees is reported, not trusted. A header
file takes the year of the episodes file beside it (same name with ``episodes``, or the
only episodes file in its folder), else the year in its name.

Each return is validated on its own (a duplicate (CHILD, DECOM) or an overlap within one
return is still a problem), then the returns are consolidated
(:mod:`qa_analysis.io.consolidate`) and episodes that still overlap are set aside. For
every file, rows read = accepted + consolidated + set aside.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataFileError, QAError
from . import consolidate, schemas, ssd
from .coverage import Coverage, collection_year, return_coverage, year_label
from .readers import RawTable, normalise_header, read_csv_text
from .tables import TABLES

XML_ROOT = "EXPSSDA903"
XML_HEADER_FIELDS = ("CHILDID", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB")
XML_EPISODE_FIELDS = ("DECOM", "RNE", "LS", "CIN", "PL", "PLACE_PROVIDER", "DEC", "REC",
                      "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN")
BLANK_LA_RULE = "LA is blank: the authority of the row is not known"
BAD_YEAR_RULE = "YEAR is not a return year (the 4-digit year of the return's 31 March)"
SAME_YEAR_RULE = "another file holds the same return year with different contents; {winner} wins (later by name)"
OVERLAP_RULE = ("DECOM is before the end of the same child's previous episode (episodes overlap, "
                "also after consolidating the returns)")
_SKIP_DIRS = (".", "_", "~")
_YEAR_PAIR = re.compile(r"(?<!\d)((?:19|20)\d\d)[-_/ ]?(\d\d)(?!\d)")
_YEAR_ONE = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


class AuthorityError(QAError):
    """--la is needed, or names an authority that is not in the data."""


@dataclass
class Source:
    path: Path
    label: str  # relative to the data folder, as a user recognises it
    table: str  # "episodes", "header" or "xml"


@dataclass
class Part:
    """One return's rows of one table, as text."""

    table: str
    raw: RawTable
    file: str
    la: str | None
    year: int | None  # from a YEAR column, else inferred after validation
    name_year: int | None
    stacked: bool
    has_year_column: bool
    accepted: pd.DataFrame | None = None
    accepted_rows: np.ndarray | None = None
    years_held: tuple[int, ...] = ()


@dataclass
class Loaded903:
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    problems: list[pd.DataFrame] = field(default_factory=list)
    summaries: list[dict] = field(default_factory=list)
    changes: pd.DataFrame = field(default_factory=consolidate.empty_changes)
    notes: list[str] = field(default_factory=list)
    returns: pd.DataFrame | None = None
    coverage: Coverage | None = None
    authority: str | None = None
    files: list[Path] = field(default_factory=list)
    main_file: dict[str, Path] = field(default_factory=dict)
    all_files: dict[str, tuple[Path, ...]] = field(default_factory=dict)
    warnings: list[pd.DataFrame] = field(default_factory=list)
    value_notes: list[dict] = field(default_factory=list)
    recognised: list[dict] = field(default_factory=list)


# --------------------------------------------------------------------------- finding


def _is_903_csv(name: str) -> str | None:
    lower = name.lower()
    if not lower.endswith(".csv"):
        return None
    if "episodes" in lower:
        return "episodes"
    if "header" in lower:
        return "header"
    return None


def find_sources(folder: Path) -> list[Source]:
    """Every SSDA903 file of the folder and its subfolders (one level), in name order."""
    found: list[Source] = []

    def scan(directory: Path, prefix: str) -> None:
        for path in sorted(directory.iterdir(), key=lambda p: p.name.lower()):
            if path.name.startswith(("~$", ".")):
                continue
            if path.is_file():
                # the Standard Safeguarding Dataset's tables (ssd_cin_episodes.csv) are not 903
                table = None if ssd.ssd_table_of(path) is not None else _is_903_csv(path.name)
                if table is None and path.name.lower().endswith(".xml"):
                    table = "xml"
                if table is not None:
                    found.append(Source(path, prefix + path.name, table))
            elif path.is_dir() and not prefix and not path.name.startswith(_SKIP_DIRS):
                scan(path, path.name + "/")

    scan(folder, "")
    return found


def name_year(label: str) -> int | None:
    """The collection year a file or folder name states: '2019-20' or '201920' -> 2020,
    '2020' -> 2020 (a single year is read as the return's 31 March year); None if none."""
    for match in _YEAR_PAIR.finditer(label):
        first, second = int(match.group(1)), int(match.group(2))
        if (first + 1) % 100 == second:
            return first + 1
    matches = _YEAR_ONE.findall(label)
    return int(matches[-1]) if matches else None


# --------------------------------------------------------------------------- reading


def read_xml(source: Source) -> dict[str, RawTable]:
    """An XML return -> header and episodes as text (rows numbered by element, 1 = first)."""
    headers: list[list[str]] = []
    episodes: list[list[str]] = []
    try:
        events = ET.iterparse(source.path, events=("start", "end"))
        _, root = next(events)
        if root.tag != XML_ROOT:
            raise DataFileError(source.label, f"is not an SSDA903 return: its root element is <{root.tag}>, "
                                f"expected <{XML_ROOT}>")
        child_id = ""
        for event, element in events:
            if event != "end":
                continue
            if element.tag == "HEADER":
                values = {e.tag: (e.text or "") for e in element}
                child_id = values.get("CHILDID", "")
                headers.append([values.get(f, "") for f in XML_HEADER_FIELDS])
            elif element.tag == "EPISODE":
                values = {e.tag: (e.text or "") for e in element}
                episodes.append([child_id] + [values.get(f, "") for f in XML_EPISODE_FIELDS])
            elif element.tag == "CHILD":
                child_id = ""
                element.clear()
    except ET.ParseError as error:
        raise DataFileError(source.label, f"cannot be read as XML ({error})") from None
    except StopIteration:
        raise DataFileError(source.label, "is empty: expected an SSDA903 XML return") from None
    except OSError as error:
        raise DataFileError(source.label, f"cannot be opened ({error.strerror or error})") from None

    def table(rows, columns):
        frame = (pd.DataFrame(rows, columns=list(columns), dtype=str) if rows
                 else pd.DataFrame({c: pd.Series([], dtype=str) for c in columns}))
        return RawTable(frame, np.arange(1, len(rows) + 1), source.label)

    return {"header": table(headers, XML_HEADER_FIELDS),
            "episodes": table(episodes, ("CHILDID",) + XML_EPISODE_FIELDS)}


def _column(raw: RawTable, name: str) -> str | None:
    for header in raw.frame.columns:
        if normalise_header(header) == name:
            return header
    return None


def _subset(raw: RawTable, mask: np.ndarray) -> RawTable:
    return RawTable(raw.frame.loc[mask].reset_index(drop=True), raw.rows[mask], raw.source,
                    raw.may_have_spaces)


def _problem_rows(raw: RawTable, table: str, mask: np.ndarray, column: str, rule: str,
                  la=None) -> pd.DataFrame:
    values = raw.frame[column].to_numpy(dtype=object)[mask] if column in raw.frame else ""
    return pd.DataFrame({"file": raw.source, "table": table, "row": raw.rows[mask],
                         "column": column, "value": values, "rule": rule,
                         "_la": la[mask] if la is not None else None})


def _parts_of(source: Source, raw: RawTable, table: str, problems: list) -> list[Part]:
    """A file's rows as returns: one part, or one per (LA, YEAR) of a stacked file; rows
    with a blank LA or a bad YEAR are set aside here."""
    raw.source = source.label
    la_col, year_col = _column(raw, "la"), _column(raw, "year")
    stated = name_year(source.label)
    if la_col is None and year_col is None:
        return [Part(table, raw, source.label, None, None, stated, False, False)]
    keep = np.ones(len(raw.frame), dtype=bool)
    if la_col is not None:
        la_text = raw.frame[la_col].astype(str).str.strip().to_numpy(dtype=object)
        blank = la_text == ""
        if blank.any():
            problems.append(_problem_rows(raw, table, blank, la_col, BLANK_LA_RULE))
        keep &= ~blank
    else:
        la_text = np.full(len(raw.frame), None, dtype=object)
    if year_col is not None:
        year_text = raw.frame[year_col].astype(str).str.strip()
        good = year_text.str.fullmatch(r"(19|20)\d\d").to_numpy(dtype=bool)
        bad = ~good & keep
        if bad.any():
            problems.append(_problem_rows(raw, table, bad, year_col, BAD_YEAR_RULE, la_text))
        keep &= good
        years = np.where(good, year_text.where(good, "0").astype(int).to_numpy(), 0)
    else:
        years = np.zeros(len(raw.frame), dtype=int)
    parts = []
    groups = pd.DataFrame({"la": la_text, "year": years})[keep].groupby(["la", "year"], sort=True, dropna=False)
    for (la, year), index in groups.groups.items():
        mask = np.zeros(len(raw.frame), dtype=bool)
        mask[np.asarray(index)] = True
        parts.append(Part(table, _subset(raw, mask), source.label,
                          None if la is None or (isinstance(la, float) and np.isnan(la)) else str(la),
                          int(year) if year_col is not None else None, stated, True, year_col is not None))
    return parts


# --------------------------------------------------------------------------- authorities


def _choose_authority(parts: list[Part], la: str | None, folder: Path) -> str | None:
    named = sorted({p.la for p in parts if p.la is not None})
    if la is None:
        if len(named) > 1:
            raise AuthorityError(
                f"{folder.name}: the SSDA903 data holds {len(named)} authorities ({', '.join(named)}): "
                "choose one with --la NAME."
            )
        return named[0] if named else None
    wanted = la.strip().lower()
    match = [n for n in named if n.strip().lower() == wanted]
    if not match:
        listed = ", ".join(named) if named else "none: the files have no LA column"
        raise AuthorityError(f"--la {la!r}: no such authority in the SSDA903 data (authorities found: {listed}).")
    return match[0]


# --------------------------------------------------------------------------- the load


def _stacked(parts: list[tuple[int, Part]], authority: str | None) -> pd.DataFrame:
    """The parts' accepted rows, stacked, with where each row came from: ``_la`` (the
    authority), ``_year``, ``_file`` and ``_row``, and ``_seq`` (reading order: part
    ``order`` x 10^10 + row). ``_la`` and ``_file`` are categoricals (a few distinct
    values over millions of rows)."""
    frames = [part.accepted for _, part in parts]
    sizes = np.array([len(f) for f in frames], dtype=np.int64)
    stacked = _stack(frames)
    files = list(dict.fromkeys(part.file for _, part in parts))
    file_codes = np.repeat(np.array([files.index(part.file) for _, part in parts], dtype=np.int64), sizes)
    years = np.repeat(np.array([part.year or 0 for _, part in parts], dtype=np.int64), sizes)
    no_year = np.repeat(np.array([part.year is None for _, part in parts], dtype=bool), sizes)
    seq = np.concatenate([order * 10**10 + np.arange(len(f), dtype=np.int64)
                          for (order, _), f in zip(parts, frames, strict=True)])
    la_categories = [authority] if authority is not None else []
    return stacked.assign(
        _la=pd.Categorical.from_codes(np.full(len(stacked), 0 if la_categories else -1, dtype=np.int8),
                                      categories=pd.Index(la_categories, dtype="string")),
        _year=pd.arrays.IntegerArray(years, no_year),
        _file=pd.Categorical.from_codes(file_codes, categories=pd.Index(files, dtype="string")),
        _row=np.concatenate([part.accepted_rows.astype("int64") for _, part in parts]),
        _seq=seq,
    )


def _stack(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The frames one after another. Code columns are still categoricals (each return's own
    categories): stacked as one categorical of all their categories, so consolidation
    reorders integer codes, not text; a column categorical in some frames only (an XML
    return beside CSV ones) is stacked as text."""
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    columns = list(frames[0].columns)

    def categorical(frame: pd.DataFrame, column: str) -> bool:
        return isinstance(frame[column].dtype, pd.CategoricalDtype)

    codes = [c for c in columns if all(categorical(f, c) for f in frames)]
    mixed = [c for c in columns if c not in codes and any(categorical(f, c) for f in frames)]
    plain = [f.drop(columns=codes).assign(**{c: schemas.categorical_text(f[c]) for c in mixed
                                             if categorical(f, c)}) for f in frames]
    stacked = pd.concat(plain, ignore_index=True)
    unions = {c: pd.api.types.union_categoricals([f[c] for f in frames], ignore_order=True)
              for c in codes}
    return stacked.assign(**unions)[columns]


def _years_held(part: Part) -> tuple[int, ...]:
    """The collection years a return speaks for: its year, and back to the year of its
    earliest end date when it also holds episodes that ended before its year (a history
    extract rather than one year's return)."""
    frame = part.accepted
    if part.table != "episodes" or frame is None or not len(frame):
        return (part.year,) if part.year else ()
    last = part.year or collection_year(frame["DECOM"].max())
    ended = frame["DEC"].dropna()
    first = min(collection_year(ended.min()), last) if len(ended) else last
    return tuple(range(first, last + 1))


def _pair_header_years(parts: list[Part], sources: dict[str, Source]) -> None:
    episode_years: dict[str, int] = {}
    by_folder: dict[str, list[int]] = {}
    for p in parts:
        if p.table == "episodes" and p.year is not None and not p.stacked:
            episode_years[p.file.lower()] = p.year
            by_folder.setdefault(str(Path(p.file).parent), []).append(p.year)
    for p in parts:
        if p.table != "header" or p.year is not None:
            continue
        twin = p.file.lower().replace("header", "episodes")
        folder_years = by_folder.get(str(Path(p.file).parent), [])
        if twin in episode_years:
            p.year = episode_years[twin]
        elif p.file.lower().endswith(".xml") and p.file.lower() in episode_years:
            p.year = episode_years[p.file.lower()]
        elif len(folder_years) == 1:
            p.year = folder_years[0]
        elif p.name_year is not None:
            p.year = p.name_year


def load_903(folder: Path, la: str | None = None, validate=None) -> Loaded903 | None:
    """Find, read, validate and consolidate the folder's SSDA903 files (None when it has none).

    ``validate(table, raw, within_return)`` is the loaders' per-table validation; it returns
    an object with ``accepted`` (typed frame), ``problems``, ``warnings`` and ``notes``.
    """
    sources = find_sources(folder)
    if not sources:
        return None
    out = Loaded903()
    problems: list[pd.DataFrame] = []
    parts: list[Part] = []
    for source in sources:
        if source.table == "xml":
            for table, raw in read_xml(source).items():
                parts.extend(_parts_of(source, raw, table, problems))
        else:
            raw = read_csv_text(source.path, schemas.repetitive_columns(source.table),
                                schemas.encoded_columns(source.table))
            parts.extend(_parts_of(source, raw, source.table, problems))
        out.files.append(source.path)
    by_label = {s.label: s for s in sources}

    authority = _choose_authority(parts, la, folder)
    out.authority = authority
    if authority is not None:
        parts = [p for p in parts if p.la in (authority, None)]
    # Rows set aside while splitting a stacked file count for the chosen authority only.
    problems = [p.loc[p["_la"].isna() | (p["_la"] == authority)].drop(columns="_la") for p in problems]

    # Validate each return on its own.
    for part in parts:
        result = validate(part.table, part.raw, part.has_year_column or not part.stacked)
        accepted, found = result.accepted, result.problems
        if len(result.warnings):
            out.warnings.append(result.warnings)
        out.value_notes.extend(result.notes)
        rows = np.asarray(part.raw.rows, dtype=np.int64)
        part.accepted = accepted
        part.accepted_rows = (rows[~np.isin(rows, found["row"].to_numpy(dtype=np.int64))]
                              if len(found) else rows)
        problems.append(found)
        if part.table == "episodes" and part.year is None and not part.stacked and len(accepted):
            part.year = collection_year(accepted["DECOM"].max())
    _pair_header_years(parts, by_label)

    # Say each return's year, and where a name disagrees.
    for part in parts:
        if part.stacked:
            continue
        if part.table == "episodes" and part.year is not None:
            if part.name_year is not None and part.name_year != part.year:
                out.notes.append(
                    f"{part.file}: the name says {year_label(part.name_year)} but its latest DECOM falls in "
                    f"{year_label(part.year)}; read as the {year_label(part.year)} return"
                )

    # Two files claiming one return year: the later by name wins if their contents differ.
    set_aside_parts: set[int] = set()
    for table in ("episodes", "header"):
        claims: dict[int, list[int]] = {}
        for i, p in enumerate(parts):
            if p.table == table and p.year is not None and not p.stacked:
                claims.setdefault(p.year, []).append(i)
        for year, indexes in claims.items():
            if len(indexes) < 2:
                continue
            winner = indexes[-1]
            ref = _comparable(parts[winner].accepted)
            for i in indexes[:-1]:
                if _comparable(parts[i].accepted).equals(ref):
                    out.notes.append(f"{parts[i].file} and {parts[winner].file} hold the same "
                                     f"{year_label(year)} {table} rows: read once")
                    continue
                set_aside_parts.add(i)
                rule = SAME_YEAR_RULE.format(winner=parts[winner].file)
                rows = parts[i].accepted_rows
                problems.append(pd.DataFrame({"file": parts[i].file, "table": table, "row": rows,
                                              "column": "", "value": "", "rule": rule}))
                out.notes.append(
                    f"{parts[i].file} and {parts[winner].file} both hold the {year_label(year)} return "
                    f"({table}) with different contents: {parts[winner].file} is used (the later file by name)"
                )

    live = [p for i, p in enumerate(parts) if i not in set_aside_parts]
    for part in live:
        part.years_held = _years_held(part)
    stacked_no_year = any(p.stacked and not p.has_year_column for p in live)

    in_order = {"episodes": [], "header": []}
    for order, part in enumerate(live):
        if part.accepted is not None:
            in_order[part.table].append((order, part))
    frames = {table: _stacked(parts, authority) if parts else None for table, parts in in_order.items()}

    changes = []
    final: dict[str, pd.DataFrame] = {}
    overlaps = None
    if frames["episodes"] is not None:
        episodes = frames["episodes"]
        result = consolidate.consolidate_episodes(episodes)
        out.notes.extend(result.notes)
        changes.append(result.changes)
        frame = result.frame
        overlap = (schemas.overlapping_episodes(frame, np.ones(len(frame), dtype=bool))
                   if consolidate.may_overlap(frame, result.child_key) else np.zeros(len(frame), dtype=bool))
        if overlap.any():
            hit = frame.loc[overlap]
            overlaps = pd.DataFrame({
                "file": hit["_file"].astype(str).to_numpy(), "table": "episodes",
                "row": hit["_row"].to_numpy(), "column": "DECOM",
                "value": hit["DECOM"].dt.strftime("%d/%m/%Y").to_numpy(), "rule": OVERLAP_RULE,
            })
            problems.append(overlaps)
            frame = frame.loc[~overlap]
        final["episodes"] = frame
    if frames["header"] is not None:
        header = frames["header"]
        kept, header_changes = consolidate.latest_header_row(header)
        changes.append(header_changes)
        final["header"] = kept

    out.changes = (pd.concat([c for c in changes if len(c)], ignore_index=True)
                   if any(len(c) for c in changes) else consolidate.empty_changes())
    for table, frame in final.items():
        columns = list(TABLES[table].columns)
        order = ["CHILD", "DECOM"] if table == "episodes" else ["CHILD"]
        if table == "episodes" and frame["_la"].nunique(dropna=False) <= 1:
            # consolidation puts the episodes in (authority, CHILD, DECOM) order, and every
            # row here is of one authority: already in CHILD, DECOM order
            out.tables[table] = schemas.finalise(frame[columns].reset_index(drop=True))
            continue
        out.tables[table] = schemas.finalise(
            frame.sort_values(order, kind="stable")[columns].reset_index(drop=True))

    problems = [p for p in problems if len(p)]
    all_problems = (pd.concat(problems, ignore_index=True) if problems else None)
    out.problems = [all_problems] if all_problems is not None else []
    out.summaries = _summaries(parts, all_problems, out.changes, out.warnings)
    out.returns = _returns_table(live, authority)
    years = sorted({y for p in live if p.table == "episodes" for y in p.years_held})
    if stacked_no_year:
        years = sorted(set(years) | {y for p in live if p.table == "episodes" for y in _no_year_span(p)})
    out.coverage = return_coverage(years)
    for table in ("episodes", "header"):
        paths = [by_label[p.file].path for p in live if p.table == table and p.file in by_label]
        paths = list(dict.fromkeys(paths))
        if not paths:
            continue
        out.main_file[table] = paths[-1]
        out.all_files[table] = tuple(paths)
        if table in out.tables and not sum(len(p.raw.frame) for p in parts if p.table == table):
            del out.tables[table]  # a header and no data rows: as for any other table
    losers = {parts[i].file for i in set_aside_parts}
    for source in sources:
        kinds = sorted({p.table for p in parts if p.file == source.label})
        years = sorted({year_label(p.year) for p in parts if p.file == source.label and p.year})
        layout = ("SSDA903 XML return" if source.table == "xml" else
                  "SSDA903 regional stack" if any(p.stacked for p in parts if p.file == source.label) else
                  "SSDA903 return")
        status = "used" if source.label not in losers else "not used: another file holds the same return year"
        if not kinds:
            status = "not used: no rows of the chosen authority"
        out.recognised.append({"file": source.label, "table": ", ".join(kinds) or source.table,
                               "layout": layout + (f" {', '.join(years)}" if years and len(years) <= 2 else ""),
                               "status": status})
    return out


def _no_year_span(part: Part) -> tuple[int, ...]:
    frame = part.accepted
    if frame is None or not len(frame):
        return ()
    last = collection_year(frame["DECOM"].max())
    ended = frame["DEC"].dropna()
    first = min(collection_year(ended.min()), last) if len(ended) else last
    return tuple(range(first, last + 1))


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    if frame is None:
        return pd.DataFrame()
    return frame.astype(str).sort_values(list(frame.columns), kind="stable").reset_index(drop=True)


def _summaries(parts: list[Part], problems: pd.DataFrame | None, changes: pd.DataFrame,
               warnings: list[pd.DataFrame]) -> list[dict]:
    """One row per (table, file): read, accepted, consolidated, set aside."""
    read: dict[tuple[str, str], int] = {}
    for p in parts:
        read[(p.table, p.file)] = read.get((p.table, p.file), 0) + len(p.raw.frame)
    if problems is not None:
        set_aside_rows = _distinct_rows(problems)
        # rows set aside before splitting (blank LA, bad YEAR) were not in any part
        early = problems.loc[problems["rule"].isin([BLANK_LA_RULE, BAD_YEAR_RULE])]
        for (table, file), rows in _distinct_rows(early).items():
            read[(table, file)] = read.get((table, file), 0) + int(rows)
    else:
        set_aside_rows = {}
    dropped = changes.loc[changes["rule"].isin(consolidate.DROPPING_RULES)]
    consolidated = _distinct_rows(dropped)
    ignored = (pd.concat(warnings).groupby(["table", "file"]).size() if warnings
               else pd.Series(dtype="int64"))
    rows = []
    for (table, file), n in read.items():
        aside = int(set_aside_rows.get((table, file), 0))
        merged = int(consolidated.get((table, file), 0))
        rows.append({"table": table, "file": file, "rows_read": n, "rows_accepted": n - aside - merged,
                     "rows_set_aside": aside, "values_ignored": int(ignored.get((table, file), 0)),
                     "rows_consolidated": merged})
    order = {"header": 0, "episodes": 1}
    return sorted(rows, key=lambda r: (order[r["table"]], r["file"]))


def _distinct_rows(frame: pd.DataFrame) -> dict[tuple[str, str], int]:
    """(table, file) -> how many distinct rows a problems or changes frame names, as
    ``groupby(["table", "file"])["row"].nunique()`` but on integer codes (a million
    consolidated header rows are usual for ten yearly returns)."""
    frame = frame.loc[frame["table"].notna() & frame["file"].notna() & frame["row"].notna()]
    if not len(frame):
        return {}
    table_codes, tables = pd.factorize(frame["table"])
    file_codes, files = pd.factorize(frame["file"])
    rows = frame["row"].to_numpy(dtype=np.int64)
    span = int(rows.max()) - int(rows.min()) + 1
    pair = table_codes.astype(np.int64) * len(files) + file_codes
    # sorted, then the first of each run: numpy 2.4's np.unique is a hundred times slower
    ordered = np.sort(pair * span + (rows - rows.min()))
    distinct = ordered[np.r_[True, ordered[1:] != ordered[:-1]]]
    counts = np.bincount(distinct // span, minlength=len(tables) * len(files))
    return {(str(tables[p // len(files)]), str(files[p % len(files)])): int(counts[p])
            for p in np.flatnonzero(counts)}


def _returns_table(parts: list[Part], authority: str | None) -> pd.DataFrame:
    rows = []
    for p in parts:
        rows.append({
            "file": p.file, "table": p.table, "authority": authority or "",
            "year": year_label(p.year) if p.year else "unknown",
            "name_says": year_label(p.name_year) if p.name_year else "",
            "rows": len(p.raw.frame),
        })
    return pd.DataFrame(rows, columns=["file", "table", "authority", "year", "name_says", "rows"])


# --------------------------------------------------------------------------- validate


def returns_report(data, max_changes: int = 50) -> list[str]:
    """The SSDA903 part of ``qa-analysis validate``: the returns read with their years, what
    the data covers, notes, and the consolidation's changes counted by rule and listed."""
    returns = getattr(data, "returns", None)
    if returns is None or not len(returns):
        return []
    lines = ["", "SSDA903 returns" + (f" of {data.authority}" if data.authority else "") + ":"]
    rows = [["file", "table", "return year", "name says", "rows"]]
    rows += [[r.file, r.table, r.year, r.name_says or "-", f"{r.rows:,}"] for r in returns.itertuples()]
    lines += ["  " + s for s in _aligned(rows)]
    coverage = data.coverage.get("episodes")
    if coverage is not None:
        lines.append(f"  Placement figures cover {coverage.describe()}; quarters outside are left blank.")
    lines += [f"  note: {n}" for n in getattr(data, "return_notes", [])]
    changes = data.consolidation
    if len(changes):
        lines += ["", f"Consolidation of the returns ({len(changes):,} changes, by rule):"]
        for rule, n in changes["rule"].value_counts(sort=False).items():
            lines.append(f"  {n:>6,}  {consolidate.rule_label(rule)}")
        shown = changes.head(max_changes)
        rows = [["file", "row", "change", "rule"]]
        rows += [[str(r.file), str(r.row), str(r.change), str(r.rule)] for r in shown.itertuples()]
        lines += ["  " + s for s in _aligned(rows)]
        if len(changes) > max_changes:
            lines.append(f"  ... and {len(changes) - max_changes:,} more changes not shown.")
    return lines


def _aligned(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(widths[i]) for i, c in enumerate(row)).rstrip() for row in rows]


# --------------------------------------------------------------------------- authorities, cheaply


def authorities(folder: Path) -> list[str]:
    """The authorities named in the LA columns of the folder's SSDA903 CSVs (read alone:
    the report command checks ``--la`` before it starts, without loading the data)."""
    found: set[str] = set()
    for source in find_sources(Path(folder)):
        if source.table == "xml":
            continue
        try:
            head = pd.read_csv(source.path, nrows=0, dtype=str).columns
        except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError):
            continue  # the load itself reports an unreadable file
        la_col = next((h for h in head if normalise_header(h) == "la"), None)
        if la_col is None:
            continue
        values = pd.read_csv(source.path, usecols=[la_col], dtype=str, keep_default_na=False,
                             )[la_col]
        found |= {v.strip() for v in values.unique() if v.strip()}
    return sorted(found)


def check_authority(folder: Path, la: str | None) -> str | None:
    """The authority to use (as the data writes it), or :class:`AuthorityError` in one line:
    several authorities and no ``la``, or an ``la`` that is not there."""
    named = authorities(folder)
    if la is None and len(named) <= 1:
        return None
    parts = [Part("episodes", RawTable(pd.DataFrame(), np.array([]), ""), "", n, None, None, True, False)
             for n in named]
    return _choose_authority(parts, la, Path(folder))

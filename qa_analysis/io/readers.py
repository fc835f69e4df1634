"""Raw readers: a CSV file or an Excel sheet to a frame of text, with the row numbers a user sees.

Everything is read as text (blank -> ""), so that conversion and validation happen in one
place (:mod:`qa_analysis.io.schemas`) and a bad value can be reported exactly as typed.
A file that cannot be read at all raises :class:`~qa_analysis.errors.DataFileError` with
a one-line message.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import mmap
import re
import warnings
import zipfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataFileError

# Excel "CSV UTF-8" writes a byte-order mark; utf-8-sig reads files with or without it.
# Older Excel "CSV (Comma delimited)" writes Windows-1252 (accented names).
CSV_ENCODINGS = ("utf-8-sig", "cp1252")
_SNIFF_BYTES = 8192


@dataclass
class RawTable:
    """A file's data as text: ``frame`` (original headers, "" for blanks) and ``rows``,
    the line (CSV) or sheet row (xlsx) of each data row, header = its own line."""

    frame: pd.DataFrame
    rows: np.ndarray
    source: str  # what a user recognises: "visits.csv" or "annex_a.xlsx, sheet List 1"
    # False when no value can have surrounding spaces, so stripping (costly on millions of
    # Python strings) can be skipped.
    may_have_spaces: bool = True
    # Lines with more fields than the header (line number, fields): set aside, not read.
    ragged: tuple[tuple[int, int], ...] = ()
    fields: int = 0  # fields in the header
    delimiter: str = ","
    engine: str = "pandas"  # which parser read the file: "pyarrow" (the fast path) or "pandas"


def normalise_header(name: object) -> str:
    """Lower-case alphanumerics only: 'Referral NFA? ' -> 'referralnfa'."""
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


def _one_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
_RAGGED = re.compile(r"Skipping line (\d+): expected (\d+) fields, saw (\d+)")


def sniff_delimiter(head: bytes) -> str:
    """Comma, semicolon or tab: whichever the header line holds most of (outside quotes).

    Excel in much of Europe saves "CSV" with semicolons; some exports write tabs.
    """
    line = head.splitlines()[0] if head.splitlines() else b""
    text = re.sub(rb'"[^"]*"', b"", line)
    counts = {d: text.count(d.encode()) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv_text(path: Path, categorical: Callable[[str], bool] | None = None,
                  encoded: Callable[[str], bool] | None = None, fast: bool = True) -> RawTable:
    """Read a CSV as text. UTF-8 (with or without BOM), else Windows-1252; the delimiter
    (comma, semicolon or tab) sniffed from the header line.

    The file is read by pyarrow's multi-threaded CSV parser when it can be (UTF-8, every
    line as wide as the header, no Ctrl-Z line: :func:`_read_csv_arrow`), else by pandas,
    which handles the rest (Windows-1252, ragged lines); both give the same text, blanks
    and row numbers. ``encoded`` (pyarrow path only): further columns read as categoricals
    of their text (dates, yes/no, numbers), which pyarrow builds while it parses, so that
    conversion works on distinct values without hashing millions of strings.
    ``fast=False`` reads with pandas only (the reference the fast path is tested against).

    Columns whose (stripped) header ``categorical`` accepts are read as categoricals of
    their text: for codes and yes/no the parser then makes one string per distinct value,
    which is faster to read and spares hashing millions of strings afterwards.
    A line with more fields than the header is not read: it is listed in ``ragged`` with
    its line number, to be set aside (a shorter line is padded with blanks, as Excel writes
    rows whose last cells are empty). A trailing end-of-file character (Ctrl-Z) is ignored.
    """
    path = Path(path)
    try:
        head = path.open("rb").read(_SNIFF_BYTES)
    except OSError as error:
        raise DataFileError(path.name, f"cannot be opened ({error.strerror or error})") from None
    if not head.replace(b"\x1a", b"").strip():
        raise DataFileError(path.name, "is empty: expected a header line and data rows")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataFileError(path.name, "is an Excel file, not a CSV: save it as CSV (UTF-8)")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataFileError(path.name, "is UTF-16 text: save it as CSV (UTF-8) instead")
    if b"\x00" in head:
        raise DataFileError(path.name, "is not a text CSV file (it holds binary data)")
    delimiter = sniff_delimiter(head)

    raw = _read_csv_arrow(path, delimiter, categorical, encoded, head) if fast else None
    if raw is not None:
        return raw
    frame = None
    ragged: list[tuple[int, int]] = []
    for encoding in CSV_ENCODINGS:
        try:
            dtype: object = str
            header = pd.read_csv(path, nrows=0, dtype=str, index_col=False,
                                 encoding=encoding, sep=delimiter).columns
            if categorical is not None:
                dtype = defaultdict(lambda: str, {
                    h: "category" for h in header if categorical(str(h).strip())
                })
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", pd.errors.ParserWarning)
                frame = pd.read_csv(
                    path,
                    sep=delimiter,
                    dtype=dtype,
                    keep_default_na=False,
                    na_filter=False,
                    skip_blank_lines=False,  # keeps line numbers true; blank lines dropped below
                    index_col=False,
                    encoding=encoding,
                    on_bad_lines="warn",
                )
            ragged = [
                (int(m.group(1)), int(m.group(3)))
                for w in caught if issubclass(w.category, pd.errors.ParserWarning)
                for m in _RAGGED.finditer(str(w.message))
            ]
            break
        except UnicodeDecodeError:
            continue
        except pd.errors.EmptyDataError:
            raise DataFileError(path.name, "is empty: expected a header line and data rows") from None
        except (pd.errors.ParserError, ValueError) as error:
            raise DataFileError(path.name, f"cannot be read as CSV: {_one_line(error)}") from None
    if frame is None:
        raise DataFileError(path.name, "is not readable text (neither UTF-8 nor Windows-1252)")

    frame.columns = [str(c).strip() for c in frame.columns]
    rows = np.arange(2, len(frame) + 2)
    for line, _ in sorted(ragged):  # each line not read shifts the lines after it
        rows[rows >= line] += 1
    frame, rows = _drop_end_of_file(frame, rows)
    raw = RawTable(frame, rows, path.name, _may_have_spaces(path), tuple(sorted(ragged)),
                   len(frame.columns), delimiter)
    return _drop_blank_rows(raw)


def _read_csv_arrow(path: Path, delimiter: str, categorical: Callable[[str], bool] | None,
                    encoded: Callable[[str], bool] | None, head: bytes = b'"') -> RawTable | None:
    """The fast path: pyarrow reads every column as text (no value is ever null: a blank is
    ""), codes and ``encoded`` columns dictionary-encoded as it parses. None when pyarrow
    cannot read the file exactly as pandas would, and the pandas path then reads it:
    not UTF-8 (pyarrow reads no Windows-1252), a line shorter or longer than the header
    (ragged lines: pandas pads or sets aside, with line numbers), a Ctrl-Z line, a file
    with no newline after its header, any parse error. Headers are pandas' own (unnamed
    and repeated headers are named as pandas names them). ``head``: the file's first bytes."""
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        return None
    try:
        header = pd.read_csv(path, nrows=0, dtype=str, index_col=False, encoding="utf-8-sig",
                             sep=delimiter).columns
        names = [str(c).strip() for c in header]
        wanted = [(categorical is not None and categorical(n)) or (encoded is not None and encoded(n))
                  for n in names]
        # A file with no quote at all has no quoted value, so no line break inside a value:
        # pyarrow then splits the file into blocks without scanning for quotes (faster).
        # memchr over the mapped file costs less than a scan of the parsed values.
        quoted = b'"' in head or _holds_byte(path, b'"')
        # Memory-mapped: pyarrow parses the file's pages in place instead of copying 1.4 GB
        # into fresh buffers (each page of which the kernel must first zero).
        with pa.memory_map(str(path)) as mapped:
            table = pacsv.read_csv(
                mapped,
                read_options=pacsv.ReadOptions(block_size=1 << 24, autogenerate_column_names=True,
                                               skip_rows=1),
                parse_options=pacsv.ParseOptions(delimiter=delimiter,
                                                  quote_char='"' if quoted else False,
                                                  newlines_in_values=quoted, ignore_empty_lines=False),
                convert_options=pacsv.ConvertOptions(
                    # large_string: pandas keeps Arrow text as large_string, so reading it so
                    # spares a cast of every value's offsets (2 s of CPU on 10 million visits)
                    column_types={f"f{i}": pa.dictionary(pa.int32(), pa.string()) if wanted[i]
                                  else pa.large_string() for i in range(len(header))},
                    strings_can_be_null=False, quoted_strings_can_be_null=False, null_values=[],
                ),
            )
    except (UnicodeDecodeError, ValueError, OSError, pa.ArrowException, pd.errors.ParserError,
            pd.errors.EmptyDataError):
        return None
    if table.num_columns != len(header):
        return None
    spaces = any(_surrounding_space(column) for column in table.columns)
    columns = {}
    for position, column in enumerate(table.columns):
        if wanted[position]:
            columns[position] = column.to_pandas()  # a categorical (chunks' dictionaries unified)
        else:
            columns[position] = pd.Series(pd.array(column, dtype=_ARROW_TEXT))
        if columns[position].dtype == object:  # an empty column comes back as object
            columns[position] = columns[position].astype(str)
    frame = pd.DataFrame(columns, copy=False) if columns else pd.DataFrame(index=range(table.num_rows))
    frame.columns = names
    del table
    rows = np.arange(2, len(frame) + 2)
    if len(frame) and frame.iloc[-1].astype(str).str.contains("\x1a", regex=False).any():
        frame, rows = _drop_end_of_file(frame, rows)
    raw = RawTable(frame, rows, path.name, spaces, (), len(names), delimiter, "pyarrow")
    return _drop_blank_rows(raw)


_ARROW_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas 3's "str" dtype


def _text_buffers(arrays):
    """Each Arrow string chunk's character buffer as uint8 (None: another layout, e.g.
    string views, which keep short values elsewhere)."""
    import pyarrow as pa

    for array in arrays:
        if not len(array):
            continue
        if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
            yield None
            continue
        data = array.buffers()[2]
        if data is None:
            if array.null_count < len(array):
                yield None
            continue
        yield np.frombuffer(data, dtype=np.uint8)


_SCAN_BYTES = 1 << 22  # 4 MiB at a time: the temporaries stay in cache


def text_bytes_outside(arrays, lo: int, hi: int, holes: tuple[tuple[int, int], ...] = ()) -> bool:
    """True when the text of the Arrow string ``arrays`` (chunks) may hold a byte below
    ``lo``, above ``hi`` or within one of the ``holes`` (inclusive byte ranges). Scans each
    chunk's whole character buffer with vectorised minimum, maximum and range tests, no
    string per value; a sliced chunk's buffer may hold bytes outside the slice, so True
    means "may", False "certainly not"."""
    for data in _text_buffers(arrays):
        if data is None:
            return True
        for start in range(0, len(data), _SCAN_BYTES):
            block = data[start:start + _SCAN_BYTES]
            if (lo > 0 and block.min() < lo) or (hi < 255 and block.max() > hi):
                return True
            for first, last in holes:
                hit = (block == first) if first == last else \
                    ((block - np.uint8(first)) <= np.uint8(last - first))  # uint8 wraps
                if hit.any():
                    return True
    return False


def _surrounding_space(column) -> bool:
    """True when stripping (``Series.str.strip``, which is pyarrow's
    ``utf8_trim_whitespace`` on Arrow text) would change a value of the column: checked on
    the values themselves (a dictionary column's distinct values), so the answer is exact
    where the pandas path's byte scan (:func:`_may_have_spaces`) can only say "may"."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arrays = ([chunk.dictionary for chunk in column.chunks] if pa.types.is_dictionary(column.type)
              else column.chunks)
    # only printable ASCII but space (codes, dates, identifiers): no whitespace to strip
    if not text_bytes_outside(arrays, 0x21, 0x7E):
        return False
    return any(len(a) and not pc.all(pc.equal(pc.utf8_trim_whitespace(a), a)).as_py()
               for a in arrays)


def _drop_end_of_file(frame: pd.DataFrame, rows: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """A last line holding only Ctrl-Z (the old DOS end-of-file mark) is not a row; one at
    the end of the last row is not part of its last value."""
    if frame.empty or frame.shape[1] == 0:
        return frame, rows
    last = frame.iloc[-1].astype(str)
    if not last.str.contains("\x1a", regex=False).any():
        return frame, rows
    cleaned = last.str.replace("\x1a", "", regex=False)
    if not cleaned.str.strip().astype(bool).any():
        return frame.iloc[:-1], rows[:-1]
    frame = frame.copy()
    for position, column in enumerate(frame.columns):
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].astype(str)
        frame.iloc[-1, position] = cleaned.iloc[position]
    return frame, rows


# A value has surrounding whitespace only if a space touches a delimiter, a quote or a line
# start or end somewhere in the file (tabs and no-break spaces are rarer: any one counts).
# Settled on the file's bytes: memchr for the rare bytes, numpy around each space.
_NEXT_TO_SPACE = np.zeros(256, dtype=bool)
_NEXT_TO_SPACE[list(b',"\r\n')] = True


def _mapped(path: Path) -> mmap.mmap | None:
    """The file mapped read-only; None for an empty file, which cannot be mapped."""
    with open(path, "rb") as handle:
        try:
            return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:
            return None


def _holds_byte(path: Path, byte: bytes) -> bool:
    """True when the file holds ``byte`` anywhere (memchr over the mapped file)."""
    data = _mapped(path)
    if data is None:
        return False
    with data:
        return data.find(byte) >= 0


def _may_have_spaces(path: Path) -> bool:
    data = _mapped(path)
    if data is None:
        return False
    with data:
        if data.find(b"\t") >= 0 or data.find(b"\xa0") >= 0:
            return True
        if data.find(b" ") < 0:
            return False
        size = len(data)
        found = False
        step = 1 << 26  # 64 MiB at a time keeps the temporary arrays small
        for offset in range(0, size, step):
            lo, hi = max(offset - 1, 0), min(offset + step + 1, size)
            window = np.frombuffer(data, dtype=np.uint8, count=hi - lo, offset=lo)
            spaces = np.flatnonzero(window == 32)
            spaces = spaces[(spaces + lo >= offset) & (spaces + lo < offset + step)]
            if len(spaces) and (spaces[0] + lo == 0 or spaces[-1] + lo == size - 1):
                found = True
            elif len(spaces):
                found = bool(_NEXT_TO_SPACE[window[spaces - 1]].any()
                             or _NEXT_TO_SPACE[window[spaces + 1]].any())
            del window  # a live view of the map would stop it from closing
            if found:
                break
        return found


def _drop_blank_rows(raw: RawTable) -> RawTable:
    """Blank lines (or empty spreadsheet rows) are not data rows: drop them, keep row numbers."""
    frame = raw.frame
    if frame.empty or frame.shape[1] == 0:
        return raw
    # Only rows blank in the first column can be blank rows: check the rest on that subset.
    first_blank = np.array((frame.iloc[:, 0] == "").to_numpy(dtype=bool))  # vectorised
    if not first_blank.any():
        return raw
    subset = frame.loc[first_blank]
    all_blank = np.zeros(len(frame), dtype=bool)
    all_blank[first_blank] = (
        subset.apply(lambda col: col.str.strip() == "").all(axis=1).to_numpy()
    )
    if not all_blank.any():
        return raw
    keep = ~all_blank
    return dataclasses.replace(raw, frame=frame.loc[keep].reset_index(drop=True), rows=raw.rows[keep])


def _cell_text(value: object) -> str:
    """An Excel cell as text: dates as ISO, whole numbers without '.0' (ids, serial dates)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def open_workbook(path: Path):
    """Open an xlsx read-only; a corrupt or non-Excel file is a DataFileError."""
    import openpyxl  # imported here: only Annex A workbooks need it

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as error:
        raise DataFileError(
            Path(path).name, f"cannot be opened as an Excel workbook ({_one_line(error)})"
        ) from None
    except Exception as error:  # openpyxl raises its own InvalidFileException and others
        raise DataFileError(
            Path(path).name, f"cannot be opened as an Excel workbook ({_one_line(error)})"
        ) from None


def match_sheet(sheet_names: list[str], list_number: int) -> str | None:
    """The sheet holding Annex A list ``n``: 'List 1', 'List_1', 'list1', 'List 1 - Contacts'."""
    pattern = re.compile(rf"^list0*{list_number}(?!\d)")
    for name in sheet_names:
        if pattern.match(normalise_header(name)):
            return name
    return None


def read_sheet_text(workbook, sheet_name: str, file_name: str) -> RawTable:
    """Read one sheet as text. The header is the first non-empty row; rows keep sheet numbers."""
    sheet = workbook[sheet_name]
    source = f"{file_name}, sheet {sheet_name}"
    try:
        # Some tools write a wrong used-range; read every row that is really there.
        sheet.reset_dimensions()
        cells = list(sheet.iter_rows(values_only=False))
    except Exception as error:
        raise DataFileError(source, f"cannot be read ({_one_line(error)})") from None
    header, records, rows = None, [], []
    for cell_row in cells:
        real = [c for c in cell_row if getattr(c, "row", None) is not None]
        if not real:
            continue
        number = real[0].row
        values = [_cell_text(c.value) for c in cell_row]
        if not any(v.strip() for v in values):
            continue
        if header is None:
            header = [v.strip() for v in values]
            continue
        records.append(values)
        rows.append(number)
    if header is None:
        raise DataFileError(source, "is empty: expected a header row and data rows")
    # Trailing unnamed columns (formatting remnants) are dropped; rows padded to the header.
    while header and not header[-1]:
        header.pop()
    width = len(header)
    records = [(r + [""] * width)[:width] for r in records]
    frame = pd.DataFrame(records, columns=header, dtype=str) if records else pd.DataFrame(
        {h: pd.Series([], dtype=str) for h in header}
    )
    frame = frame.loc[:, [bool(h) for h in header]]
    return RawTable(frame.reset_index(drop=True), np.asarray(rows, dtype=int), source)

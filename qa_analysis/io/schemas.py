"""Validation rules of each table: header aliases, value normalisation, code lists, pandera schemas.

The work is split so that it stays vectorised at national scale (millions of rows):

1. ``convert``: text -> typed columns. Low-cardinality columns (codes, dates, yes/no) are
   normalised on their distinct values only and mapped back (``pd.factorize``), and a
   value that does not convert (an impossible date, a yes/no that is neither) is a problem.
2. ``build_schema``: one pandera ``DataFrameSchema`` per table, validated lazily on the
   typed frame: columns and their order, dtypes, required values not blank, code lists
   (``isin``). Code columns are validated as categoricals, so ``isin`` costs one pass
   over the distinct values.
3. ``cross_field_rules``: rules across columns or rows (an end date before its start,
   a duplicate identifier...) as boolean masks computed in pandas. Measured on 1,000,000
   visits, pandera's ``unique`` doubled the cost of a ``duplicated`` pass (it checks
   ``is_unique`` first), and its wide (DataFrame-level) checks report one failure per
   cell of every failing row, which is slow on millions of rows and needs undoing.

Sources of the code lists: domain.md 1.3-1.7 (SSDA903), 3.3 (contact/referral source)
and DESIGN section 2 (local files).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pandera is imported where a schema is built or run (0.2 s at start-up)
    import pandera.pandas as pa

from .._threads import map_in_threads
from .readers import normalise_header, text_bytes_outside
from .tables import (
    AUDIT_TYPES,
    GRADES,
    RECOMMENDATION_ROUTES,
    RECOMMENDATION_STATUSES,
    SOURCE_CODES,
    TABLES,
    VISIT_COHORTS,
    VISIT_METHODS,
    VISIT_MODALITIES,
    needed,
)

# --- SSDA903 code lists (domain.md 1.3-1.7), every collection year accepted -------------
RNE_CODES = ("S", "L", "P", "T", "B", "U")
LS_CODES = (
    "C1", "C2", "D1", "E1", "V2", "V3", "V4", "L1", "L2", "L3", "J1", "J2", "J3",
)
PLACE_CODES = (
    "U1", "U2", "U3", "U4", "U5", "U6", "A3", "A4", "A5", "A6", "H5", "K3", "P2",
    "K1", "K2", "R1", "R2", "R3", "R5", "S1", "P1", "P3", "T0", "T1", "T2", "T3", "T4",
    "Z1", "Z11", "Z12", "Z13", "Z14",
    # historic codes still found in old returns (domain.md 1.5)
    "Q1", "Q2", "M1", "M2", "M3",
)
PLACE_PROVIDER_CODES = ("PR0", "PR1", "PR2", "PR3", "PR4", "PR5")
REC_CODES = (
    "X1", "E11", "E12", "E2", "E3", "E4A", "E4B", "E13", "E41", "E45", "E46", "E47", "E48",
    "E5", "E6", "E7", "E8", "E9", "E14", "E15", "E16", "E17",
    "E43", "E44",  # older SGO codes (domain.md 1.6)
)
REASON_PLACE_CHANGE_CODES = (
    "CARPL", "CLOSE", "ALLEG", "STAND", "APPRR", "CREQB", "CREQO", "CHILD", "LAREQ",
    "PLACE", "CUSTOD", "OTHER",
)
SEX_CODES = ("1", "2")
ALL_VISIT_METHODS = tuple(dict.fromkeys(m for ms in VISIT_METHODS.values() for m in ms))

# Header aliases, compared after normalise_header (lower-case alphanumerics). The canonical
# name itself is always accepted. Annex A variants from domain.md 3.1 and the liia-tools
# sample workbooks.
_ANNEX_COMMON = {
    "child_id": (
        "Child Unique ID", "Child ID", "ChildUniqueID", "Child Unique Identifier",
        "Unique Child ID", "Child Identifier", "Child Unique Ref", "ID",
    ),
    "gender": ("Gender", "Sex"),
    "ethnicity": ("Ethnicity", "Ethnic Origin", "Ethnic Group"),
    "dob": ("Date of Birth", "DOB", "Birth Date"),
    "age": ("Age of Child (Years)", "Age", "Age of Child", "Age (Years)", "Age in Years"),
    "allocated_team": ("Allocated Team", "Team"),
    "allocated_worker": ("Allocated Worker", "Worker"),
}
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "header": {"CHILD": ("CHILDID", "Child ID")},
    "episodes": {"CHILD": ("CHILDID", "Child ID"), "PLACE": ("PL",)},
    "contacts": {
        **_ANNEX_COMMON,
        "contact_date": ("Date of Contact", "Contact Date"),
        "contact_source": ("Contact Source", "Source of Contact"),
    },
    "referrals": {
        **_ANNEX_COMMON,
        "referral_date": ("Date of Referral", "Referral Date"),
        "referral_source": ("Referral Source", "Source of Referral"),
        "referral_nfa": ("Referral NFA?", "Referral NFA", "NFA", "Referral No Further Action"),
        "referrals_last_12m": (
            "Number of Referrals in Last 12 Months", "Number of Referrals in the Last 12 Months",
            "Referrals in Last 12 Months", "No. of Referrals in Last 12 Months",
        ),
    },
    "assessments": {
        **_ANNEX_COMMON,
        "disability": ("Does the Child have a Disability", "Disability", "Disabled"),
        "assessment_start_date": (
            "Continuous Assessment Start Date", "Assessment Start Date",
            "Assessment Actual Start Date", "Date Assessment Started",
        ),
        "child_seen": (
            "Child Seen During Continuous Assessment", "Child Seen During Assessment",
            "Child Seen",
        ),
        "assessment_authorised_date": (
            "Continuous Assessment Date of Authorisation", "Assessment Date of Authorisation",
            "Date of Authorisation", "Assessment Authorisation Date",
            "Assessment Authorised Date", "Date Assessment Authorised",
        ),
        "requires_support": (
            "Was the child assessed as requiring LA children's social care support?",
            "Requires Support", "Assessed as Requiring Support",
        ),
    },
}


def column_lookup(table: str) -> dict[str, str]:
    """Normalised header -> canonical column for ``table``."""
    lookup: dict[str, str] = {}
    for column in TABLES[table].columns:
        lookup.setdefault(normalise_header(column), column)
        for alias in ALIASES.get(table, {}).get(column, ()):
            lookup.setdefault(normalise_header(alias), column)
    return lookup


# Display names for messages about a missing column (the header a user would expect).
def expected_header(table: str, column: str) -> str:
    aliases = ALIASES.get(table, {}).get(column)
    return f"{aliases[0]} ({column})" if aliases and table in ANNEX_TABLES else column


ANNEX_TABLES = ("contacts", "referrals", "assessments")


# --- per-table rules --------------------------------------------------------------------
@dataclass(frozen=True)
class TableRules:
    not_blank: tuple[str, ...]  # a blank value sets the row aside
    codes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # after normalisation
    normalise: dict[str, str] = field(default_factory=dict)  # column -> normaliser name
    unique: tuple[str, ...] = ()  # identifier: later copies set aside
    date_order: tuple[tuple[str, str], ...] = ()  # (end, start): end before start is a problem


_ANNEX_NORMALISE = {"gender": "label", "ethnicity": "annex_code"}

RULES: dict[str, TableRules] = {
    "header": TableRules(
        not_blank=("CHILD", "DOB"),
        codes={"SEX": SEX_CODES},
        normalise={"SEX": "code", "ETHNIC": "code", "UPN": "code"},
        unique=("CHILD",),
    ),
    "episodes": TableRules(
        not_blank=("CHILD", "DECOM", "RNE", "LS", "PLACE"),
        codes={
            "RNE": RNE_CODES, "LS": LS_CODES, "PLACE": PLACE_CODES,
            "PLACE_PROVIDER": PLACE_PROVIDER_CODES, "REC": REC_CODES,
            "REASON_PLACE_CHANGE": REASON_PLACE_CHANGE_CODES,
        },
        normalise={
            c: "code" for c in (
                "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "REC", "REASON_PLACE_CHANGE",
                "HOME_POST", "PL_POST", "URN",
            )
        },
        unique=("CHILD", "DECOM"),
        date_order=(("DEC", "DECOM"),),
    ),
    "contacts": TableRules(
        not_blank=("child_id", "contact_date"),
        codes={"contact_source": SOURCE_CODES},
        normalise={**_ANNEX_NORMALISE, "contact_source": "annex_code"},
    ),
    "referrals": TableRules(
        not_blank=("child_id", "referral_date"),
        codes={"referral_source": SOURCE_CODES},
        normalise={**_ANNEX_NORMALISE, "referral_source": "annex_code"},
    ),
    "assessments": TableRules(
        not_blank=("child_id", "assessment_start_date"),
        normalise=dict(_ANNEX_NORMALISE),
        date_order=(("assessment_authorised_date", "assessment_start_date"),),
    ),
    "families": TableRules(not_blank=("child_id", "family_id"), unique=("child_id",)),
    "visits": TableRules(
        # modality and method: not blank when the file has the column (the SSD's do not)
        not_blank=("visit_id", "child_id", "cohort", "visit_date", "modality", "method",
                   "child_seen"),
        codes={"cohort": VISIT_COHORTS, "modality": VISIT_MODALITIES, "method": ALL_VISIT_METHODS},
        normalise={"cohort": "code", "modality": "snake", "method": "snake"},
        unique=("visit_id",),
    ),
    "visit_methods": TableRules(
        not_blank=("visit_id", "modality", "method"),
        codes={"cohort": VISIT_COHORTS, "modality": VISIT_MODALITIES, "method": ALL_VISIT_METHODS},
        normalise={"cohort": "code", "modality": "snake", "method": "snake"},
        unique=("visit_id",),
    ),
    "case_audits": TableRules(
        # grade may be blank for a thematic audit: checked in cross_field_rules
        not_blank=("audit_id", "audit_date", "audit_type", "child_id", "domain"),
        codes={"audit_type": AUDIT_TYPES, "grade": GRADES},
        normalise={"audit_type": "snake", "domain": "snake", "grade": "grade"},
        unique=("audit_id", "child_id", "domain"),
    ),
    "recommendations": TableRules(
        not_blank=("recommendation_id", "raised_date", "due_date", "status"),
        codes={"status": RECOMMENDATION_STATUSES, "route": RECOMMENDATION_ROUTES},
        normalise={"status": "snake", "route": "snake"},
        unique=("recommendation_id",),
        date_order=(("due_date", "raised_date"), ("completed_date", "raised_date")),
    ),
    # issue 15: method, selection and auditor are checked in io/audit_programme.py (lists
    # separated by ";", and the auditor roles of the settings)
    "audits": TableRules(
        not_blank=("audit_id", "audit_type", "completed", "auditor"),
        codes={"audit_type": AUDIT_TYPES},
        normalise={"audit_type": "snake"},
        unique=("audit_id",),
        date_order=(("completed", "started"), ("practice_to", "practice_from")),
    ),
}


# --- value normalisation (applied to distinct values only) -----------------------------
_LETTER_PREFIX = r"^[a-zA-Z]{1,2}\)\s*"  # Annex A option letters: 'a) ', 'q) '
_GRADE_ALIASES = {
    "outstanding": "Outstanding",
    "good": "Good",
    "requiresimprovement": "Requires improvement",
    "requiresimprovementtobegood": "Requires improvement",
    "inadequate": "Inadequate",
}
_TRUE = {"y", "yes", "true", "1", "t"}
_FALSE = {"n", "no", "false", "0", "f"}
_UNKNOWN = {"unknown", "notknown", "notstated", "notrecorded"}


def _unquote(values: pd.Series) -> pd.Series:
    return values.str.strip().str.strip("'\"").str.strip()


def _annex_code(values: pd.Series) -> pd.Series:
    """'a) 1A: Individual', 'q) 6: Police', '6: Police', '1a' -> '1A', '6'."""
    return (
        _unquote(values)
        .str.replace(_LETTER_PREFIX, "", regex=True)
        .str.split(":", n=1)
        .str[0]
        .str.strip()
        .str.upper()
    )


NORMALISERS: dict[str, Callable[[pd.Series], pd.Series]] = {
    "text": lambda v: v.str.strip(),
    "code": lambda v: _unquote(v).str.upper(),
    "snake": lambda v: _unquote(v).str.lower().str.replace(r"[\s\-]+", "_", regex=True),
    "label": lambda v: _unquote(v).str.replace(_LETTER_PREFIX, "", regex=True),
    "annex_code": _annex_code,
    "grade": lambda v: v.map(
        lambda g: _GRADE_ALIASES.get(normalise_header(g), str(g).strip())
    ),
}


# Values that exports write for "no value" (SQL Server NULL, Excel #N/A...): read as blank.
# Compared case-insensitively after stripping; a setting (``Settings.blank_values``).
DEFAULT_BLANK_VALUES = ("NULL", "N/A", "#N/A")


def blank_set(values) -> frozenset[str]:
    """The blank tokens as compared: stripped, upper-case, never the empty string."""
    return frozenset(str(v).strip().upper() for v in (values or ()) if str(v).strip())


def _spellings(blanks: frozenset) -> list[str]:
    """The usual spellings of each blank token (NULL, null, Null), for exact matching."""
    return sorted({v for b in blanks for v in (b, b.lower(), b.title(), b.capitalize())})


def _token_rows(values: pd.Series, spellings: list[str]) -> np.ndarray:
    """``values.isin(spellings)`` as a writable bool array, tested only on the rows whose
    length is a spelling's (identifiers rarely have a blank token's length): exact
    spellings, as isin on Arrow strings is ~7x cheaper than upper()."""
    import pyarrow as pa
    import pyarrow.compute as pc

    sizes = [len(s.encode()) for s in spellings]
    wanted = np.zeros(max(sizes) + 2, dtype=bool)  # by length in bytes; the last: longer
    wanted[sizes] = True
    arrow = pa.chunked_array(pa.array(values.array))
    if not (pa.types.is_string(arrow.type) or pa.types.is_large_string(arrow.type)):
        return np.array(values.isin(spellings).to_numpy(dtype=bool))  # no text at all (all blank)
    lengths = pc.fill_null(pc.binary_length(arrow), -1).to_numpy()
    maybe = np.flatnonzero(wanted[np.clip(lengths, -1, len(wanted) - 1)])  # -1 (blank): the last
    found = np.zeros(len(values), dtype=bool)
    if len(maybe):
        found[maybe] = values.iloc[maybe].isin(spellings).to_numpy(dtype=bool)
    return found


def _distinct(values: pd.Series, blanks: frozenset = frozenset()) -> tuple[np.ndarray, pd.Series]:
    """(codes, distinct values stripped): codes, dates and yes/no repeat a lot, so the
    work is done once per distinct value and mapped back with ``codes``. A distinct value
    that is a blank token (``NULL``...) becomes ""."""
    codes, distinct, _ = _distinct_counted(values, blanks)
    return codes, distinct


def _distinct_counted(values: pd.Series, blanks: frozenset = frozenset()):
    """As :func:`_distinct`, plus the number of rows whose value was a blank token."""
    if isinstance(values.dtype, pd.CategoricalDtype):  # read as categorical: already done
        codes = values.cat.codes.to_numpy()  # int8/16/32 as stored: -1 for blank
        uniques = values.cat.categories.to_numpy(dtype=object)
    else:  # Arrow-backed text is factorised by pyarrow, with no Python string per row
        codes, uniques = pd.factorize(values)
        uniques = np.asarray(uniques, dtype=object)
    distinct = pd.Series(uniques, dtype="string").str.strip()
    tokens = 0
    if blanks and len(distinct):
        is_token = distinct.str.upper().isin(blanks).to_numpy(dtype=bool)
        if is_token.any():
            valid = codes[codes >= 0]
            tokens = int(np.bincount(valid, minlength=len(distinct))[is_token].sum())
            distinct = distinct.mask(is_token, "")
    return codes, distinct, tokens


_FEW_VALUES = ("snake", "label", "annex_code", "grade")  # normalisers of labels


def repetitive_columns(table: str) -> Callable[[str], bool]:
    """header -> True for the columns worth reading as categoricals: code lists, labels
    and yes/no. Not identifiers (UPN, URN, postcodes: the parser's categorical path is
    ten times slower than text on 300,000 distinct UPNs), free text, dates or numbers
    (twice as slow as text, measured on 2,000,000 Annex A rows)."""
    lookup, spec, rules = column_lookup(table), TABLES[table], RULES[table]

    def repetitive(header: str) -> bool:
        column = lookup.get(normalise_header(header))
        if column is None:
            return False
        kind = spec.columns[column]
        return kind == "bool" or (kind == "str" and (
            column in rules.codes or rules.normalise.get(column) in _FEW_VALUES))

    return repetitive


def encoded_columns(table: str) -> Callable[[str], bool]:
    """header -> True for the columns the pyarrow reader dictionary-encodes besides
    :func:`repetitive_columns`: dates, yes/no and numbers, which repeat (a few thousand
    distinct dates in millions of rows) and are converted on their distinct values.
    pyarrow builds the dictionary while it parses, at a fraction of the cost of hashing
    the text afterwards (which pandas' categorical parser makes slower, not faster)."""
    lookup, spec = column_lookup(table), TABLES[table]
    repetitive = repetitive_columns(table)

    def encoded(header: str) -> bool:
        column = lookup.get(normalise_header(header))
        return column is not None and (spec.columns[column] in ("date", "bool", "int")
                                       or repetitive(header))

    return encoded


def _categorical(codes: np.ndarray, mapped: pd.Series) -> pd.Categorical:
    """Map normalised distinct values back to rows; blank -> NA (normalised values may
    merge: 'Zoom' and 'zoom' are one category)."""
    mapped = mapped.fillna("")
    new_codes, categories = pd.factorize(mapped.to_numpy(dtype=object))
    blank = np.flatnonzero(categories == "")
    lookup = new_codes.copy()
    if len(blank):
        lookup[new_codes == blank[0]] = -1
        keep = categories != ""
        renumber = np.cumsum(keep) - 1
        lookup = np.where(lookup >= 0, renumber[np.maximum(lookup, 0)], -1)
        categories = categories[keep]
    # one gather per row: a blank row (code -1) picks the -1 appended at the end; the
    # look-up already in the width pandas keeps codes in, so the rows are not copied again
    width = (np.int8 if len(categories) < 127 else np.int16 if len(categories) < 32767
             else np.int32 if len(categories) < 2**31 - 1 else np.int64)
    row_codes = (np.append(lookup, -1).astype(width)[codes] if len(lookup)
                 else np.asarray(codes, dtype=width))
    # the codes are in range by construction: pandas' per-row check is waste
    return pd.Categorical.from_codes(
        row_codes, pd.Index(categories, dtype="string"), validate=False
    )


@dataclass
class Converted:
    # typed columns of TABLES[table]; code columns are categoricals here (cheap checks),
    # turned into strings by ``finalise``
    frame: pd.DataFrame
    invalid: dict[str, tuple[np.ndarray, str]]  # column -> (mask, rule) for unconvertible values
    # how values were interpreted: (column, what, rows), e.g. ("DEC", "dates read as dd/mm/yy", 12)
    notes: list[tuple[str, str, int]] = field(default_factory=list)


# --- dates as exports write them ----------------------------------------------------------
# The two usual forms (dd/mm/YYYY, ISO YYYY-MM-DD) are tried first on the distinct values;
# only what is left is matched against the fallback forms, so a clean file pays nothing.
FORM_USUAL, FORM_SHORT_YEAR, FORM_DMY_TIME, FORM_ISO_TIME, FORM_SERIAL = 0, 1, 2, 3, 4
FORM_NAMES = {
    FORM_SHORT_YEAR: "dates read as dd/mm/yy",
    FORM_DMY_TIME: "dates read as dd/mm/yyyy with a time (time dropped)",
    FORM_ISO_TIME: "dates read as ISO with a time (time dropped)",
    FORM_SERIAL: "dates read as Excel serial numbers",
}
_TIME = r"[ T]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:\s?[AaPp][Mm])?(?:Z|[+-]\d{2}:?\d{2})?"
_DMY_TIME = re.compile(rf"^(\d{{1,2}}/\d{{1,2}}/\d{{4}}){_TIME}$")
_ISO_TIME = re.compile(rf"^(\d{{4}}-\d{{1,2}}-\d{{1,2}}){_TIME}$")
_SHORT_YEAR = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2})$")
_SERIAL = re.compile(r"^\d{4,5}(?:\.\d+)?$")
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


@dataclass
class _DateColumn:
    codes: np.ndarray
    distinct: pd.Series
    parsed: np.ndarray  # datetime64[ns] per distinct value (NaT: blank, short year, invalid)
    form: np.ndarray  # FORM_* per distinct value
    short: pd.DataFrame | None  # day, month, yy of the dd/mm/yy distinct values (by position)
    tokens: int = 0


def _read_dates(values: pd.Series, blanks: frozenset = frozenset()) -> _DateColumn:
    """First pass over a date column: every form but dd/mm/yy, whose century waits for the
    file's latest date of another kind."""
    codes, distinct, tokens = _distinct_counted(values, blanks)
    parsed = pd.to_datetime(distinct, format="%d/%m/%Y", errors="coerce")
    todo = parsed.isna() & (distinct != "")
    if todo.any():
        parsed[todo] = pd.to_datetime(distinct[todo], format="%Y-%m-%d", errors="coerce")
    parsed = np.array(parsed.astype("datetime64[ns]").to_numpy(), copy=True)
    form = np.zeros(len(distinct), dtype=np.int8)
    short = None
    rest = np.flatnonzero(pd.isna(parsed) & (distinct != "").to_numpy(dtype=bool))
    if len(rest):
        text = distinct.iloc[rest]
        for pattern, code, fmt in ((_DMY_TIME, FORM_DMY_TIME, "%d/%m/%Y"),
                                   (_ISO_TIME, FORM_ISO_TIME, "%Y-%m-%d")):
            date_part = text.str.extract(pattern, expand=False)
            hit = date_part.notna().to_numpy(dtype=bool)
            if hit.any():
                got = pd.to_datetime(date_part[hit], format=fmt, errors="coerce")
                got = got.astype("datetime64[ns]").to_numpy()
                where = rest[hit]
                parsed[where] = got
                form[where[~pd.isna(got)]] = code
        left = pd.isna(parsed[rest])
        serial = text.str.fullmatch(_SERIAL).fillna(False).to_numpy(dtype=bool) & left
        if serial.any():
            days = pd.to_numeric(text[serial], errors="coerce").to_numpy(dtype=float)
            got = (_EXCEL_EPOCH + pd.to_timedelta(np.floor(days), unit="D")).to_numpy()
            parsed[rest[serial]] = got
            form[rest[serial]] = FORM_SERIAL
        parts = text.str.extract(_SHORT_YEAR)
        is_short = parts[0].notna().to_numpy(dtype=bool) & left & ~serial
        if is_short.any():
            short = parts.loc[is_short].astype(int).set_axis(["day", "month", "yy"], axis=1)
            short.index = rest[is_short]
            form[rest[is_short]] = FORM_SHORT_YEAR
    return _DateColumn(codes, distinct, parsed, form, short, tokens)


def _resolve_short_years(column: _DateColumn, latest: pd.Timestamp) -> None:
    """dd/mm/yy -> 20yy, or 19yy where 20yy would be later than ``latest`` (the file's
    latest date of another kind): a date of birth written 05/06/98 is 1998."""
    short = column.short
    if short is None or not len(short):
        return
    as_20 = pd.to_datetime(
        pd.DataFrame({"year": 2000 + short["yy"], "month": short["month"], "day": short["day"]}),
        errors="coerce",
    )
    as_19 = pd.to_datetime(
        pd.DataFrame({"year": 1900 + short["yy"], "month": short["month"], "day": short["day"]}),
        errors="coerce",
    )
    chosen = as_20.where(~(as_20 > latest), as_19)
    column.parsed[short.index.to_numpy()] = chosen.astype("datetime64[ns]").to_numpy()
    failed = short.index.to_numpy()[pd.isna(chosen).to_numpy()]
    column.form[failed] = FORM_USUAL  # not a date after all: reported as invalid


def _date_rows(column: _DateColumn) -> tuple[pd.Series, np.ndarray, dict[int, int]]:
    """Rows of a date column: dates, invalid mask, rows read through each fallback form."""
    codes, parsed = column.codes, column.parsed
    invalid_distinct = pd.isna(parsed) & (column.distinct != "").to_numpy(dtype=bool)
    # one gather per row: a blank row (code -1) picks the NaT / False appended at the end
    dates = np.append(parsed.astype("datetime64[ns]"), np.datetime64("NaT", "ns"))[codes]
    invalid = np.append(invalid_distinct, False)[codes]
    forms: dict[int, int] = {}
    if column.form.any():
        per_distinct = np.bincount(codes[codes >= 0], minlength=len(parsed))
        for code in FORM_NAMES:
            rows = int(per_distinct[column.form == code].sum())
            if rows:
                forms[code] = rows
    return pd.Series(dates), invalid, forms


def parse_dates(values: pd.Series, excel_serial: bool = True,
                blanks: frozenset = frozenset(),
                latest: pd.Timestamp | None = None) -> tuple[pd.Series, np.ndarray]:
    """Dates as exports write them -> datetime (time of day dropped).

    dd/mm/YYYY and ISO YYYY-MM-DD first; then ISO or dd/mm/YYYY with a time part
    (``2021-01-05 10:30:00.000``), Excel serial numbers, and dd/mm/yy (20yy, or 19yy where
    20yy would be later than ``latest``: the file's latest date of another kind, else
    today). Returns the dates and the mask of non-blank values that are not a date.
    """
    column = _read_dates(values, blanks)
    if not excel_serial:
        column.parsed[column.form == FORM_SERIAL] = np.datetime64("NaT")
        column.form[column.form == FORM_SERIAL] = FORM_USUAL
    if latest is None:
        known = column.parsed[~pd.isna(column.parsed)]
        latest = pd.Timestamp(known.max()) if len(known) else pd.Timestamp.today().normalize()
    _resolve_short_years(column, latest)
    dates, invalid, _ = _date_rows(column)
    return dates.set_axis(values.index), invalid


def parse_bool(values: pd.Series, blanks: frozenset = frozenset()) -> tuple[pd.Series, np.ndarray]:
    """Y/N, Yes/No, 'a) Yes', 'b) No', True/False, 1/0 -> boolean; blank or Unknown -> NA."""
    result, invalid, _ = _parse_bool(values, blanks)
    return result, invalid


def _parse_bool(values: pd.Series, blanks: frozenset = frozenset()):
    if not isinstance(values.dtype, pd.CategoricalDtype):  # categoricals: distinct values below
        yes, no, blank = (np.array((values == v).to_numpy(dtype=bool)) for v in ("Y", "N", ""))
        if (yes | no | blank).all():  # the usual Y/N extract: three comparisons, no hashing
            result = pd.arrays.BooleanArray(yes, blank)
            return pd.Series(result, index=values.index), np.zeros(len(values), dtype=bool), 0
    codes, distinct, tokens = _distinct_counted(values, blanks)
    key = distinct.str.replace(_LETTER_PREFIX, "", regex=True).map(normalise_header)
    # per distinct value: 1 true, 0 false, -1 blank/unknown, -2 not a yes/no value
    flag = np.full(len(distinct), -2, dtype=np.int8)
    flag[key.isin(_TRUE).to_numpy()] = 1
    flag[key.isin(_FALSE).to_numpy()] = 0
    flag[(key.isin(_UNKNOWN) | (key == "")).to_numpy()] = -1
    rows = np.append(flag, np.int8(-1))[codes]  # a blank row (code -1) picks the -1 appended
    result = pd.arrays.BooleanArray(rows == 1, rows < 0)
    return pd.Series(result, index=values.index), rows == -2, tokens


def parse_int(values: pd.Series, blanks: frozenset = frozenset()) -> tuple[pd.Series, np.ndarray]:
    """Whole numbers; a decimal (Annex A ages such as 6.14) is truncated to whole years."""
    result, invalid, _ = _parse_int(values, blanks)
    return result, invalid


def _parse_int(values: pd.Series, blanks: frozenset = frozenset()):
    codes, distinct, tokens = _distinct_counted(values, blanks)
    numbers = pd.to_numeric(distinct.mask(distinct == ""), errors="coerce").astype("float64")
    bad = (numbers.isna() & (distinct != "")).to_numpy() | (numbers < 0).to_numpy()
    whole = np.floor(numbers.to_numpy())
    whole[bad] = np.nan
    rows = np.append(np.asarray(whole, dtype="float64"), np.nan)[codes]  # blank: the NaN appended
    invalid = np.append(np.asarray(bad, dtype=bool), False)[codes]
    return pd.Series(rows, index=values.index).astype("Int64"), invalid, tokens


DATE_RULE = "{col} is not a valid date (dd/mm/YYYY, YYYY-MM-DD, dd/mm/yy, with or without a time)"
BOOL_RULE = "{col} is not a yes/no value (Y, N, Yes, No)"
INT_RULE = "{col} is not a whole number"


def _convert_column(kind: str, values: pd.Series, how: str, strip: bool, blanks: frozenset):
    """One column of :func:`convert`: (typed column, or the dates read for the table's
    short-year pass; (bad rows, rule) or None; rows holding a blank token)."""
    if kind == "date":
        dates = _read_dates(values, blanks)
        return dates, None, dates.tokens
    if kind == "bool":
        typed, bad, tokens = _parse_bool(values, blanks)
        return typed, (bad, BOOL_RULE), tokens
    if kind == "int":
        typed, bad, tokens = _parse_int(values, blanks)
        return typed, (bad, INT_RULE), tokens
    tokens = 0
    if how == "text":
        values = values.str.strip() if strip else values
        blank = np.array((values == "").to_numpy(dtype=bool))  # vectorised, writable
        if blanks:
            is_token = _token_rows(values, _spellings(blanks))
            tokens = int(is_token.sum())
            blank |= is_token
        typed = values.astype("string")
        return (typed.mask(blank) if blank.any() else typed), None, tokens
    if how == "code" and _arrow_text(values):
        typed, tokens = _code_text(values, blanks, strip)
        return typed, None, tokens
    codes, distinct, tokens = _distinct_counted(values, blanks)
    return pd.Series(_categorical(codes, NORMALISERS[how](distinct)), index=values.index), None, tokens


def convert(table: str, text: dict[str, pd.Series], strip: bool = True,
            blanks: frozenset = frozenset()) -> Converted:
    """Text columns (canonical name -> Series) -> typed frame, plus unconvertible values.

    ``strip=False`` skips stripping free-text and identifier columns (the reader found
    no value with surrounding spaces); codes, dates and yes/no are always stripped.
    ``blanks``: tokens read as blank (:func:`blank_set`), whatever their case.
    """
    spec, rules = TABLES[table], RULES[table]
    typed: dict[str, pd.Series] = {}
    invalid: dict[str, tuple[np.ndarray, str]] = {}
    notes: list[tuple[str, str, int]] = []
    date_columns: dict[str, _DateColumn] = {}
    converted = [_convert_column(kind, text[column], rules.normalise.get(column, "text"), strip, blanks)
                 for column, kind in spec.columns.items()]
    for column, (value, bad, tokens) in zip(spec.columns, converted, strict=True):
        if isinstance(value, _DateColumn):
            date_columns[column] = value
        else:
            typed[column] = value
        if bad is not None:
            invalid[column] = bad
        if tokens:
            notes.append((column, "values written as a blank token (NULL, N/A...) read as blank",
                          tokens))
    if date_columns:
        known = [c.parsed[~pd.isna(c.parsed)] for c in date_columns.values()]
        known = [k for k in known if len(k)]
        latest = (pd.Timestamp(max(k.max() for k in known)) if known
                  else pd.Timestamp.today().normalize())
        for column, date_column in date_columns.items():
            _resolve_short_years(date_column, latest)
            dates, bad, forms = _date_rows(date_column)
            typed[column] = dates.set_axis(text[column].index)
            invalid[column] = (bad, DATE_RULE)
            notes.extend((column, FORM_NAMES[code], rows) for code, rows in forms.items())
    typed = {c: typed[c] for c in spec.columns}
    invalid = {c: v for c, v in invalid.items() if v[0].any()}
    order = {c: i for i, c in enumerate(spec.columns)}
    notes.sort(key=lambda n: order[n[0]])
    return Converted(pd.DataFrame(typed), invalid, notes)


def _arrow_chunks(values: pd.Series) -> list:
    import pyarrow as pa

    data = pa.array(values.array)  # Arrow-backed text: its own chunks, not copied
    return data.chunks if isinstance(data, pa.ChunkedArray) else [data]


def _arrow_text(values: pd.Series) -> bool:
    return getattr(values.dtype, "storage", None) == "pyarrow" and values.dtype.kind in "OU"


# bytes the ``code`` normaliser never changes inside a stripped value: printable ASCII but
# quotes and a-z (a value with any other byte, non-ASCII included, takes the full path)
_CODE_CHANGED = ((0x22, 0x22), (0x27, 0x27), (0x61, 0x7A))  # ", ' and a-z within 0x20-0x7E


def _code_text(values: pd.Series, blanks: frozenset = frozenset(),
               strip: bool = True) -> tuple[pd.Series, int]:
    """A code column the reader left as Arrow text (identifiers and postcodes: UPN, URN,
    PL_POST, with too many distinct values to be worth a categorical), normalised as the
    ``code`` normaliser does on distinct values, but by pyarrow on every row: stripped,
    unquoted, upper case; a blank token (``NULL``...) or an empty value -> NA.
    ``strip=False``: the reader found no value with surrounding spaces.
    Returns (pandas ``string`` column, rows that held a blank token)."""
    stripped = values.str.strip() if strip else values
    tokens = 0
    token = np.zeros(len(values), dtype=bool)
    if blanks:
        # upper() only where the length could be a token's: a fraction of the rows
        lengths = stripped.str.len().to_numpy(dtype="float64", na_value=np.nan)
        maybe = np.flatnonzero(np.isin(lengths, sorted({len(b) for b in blanks})))
        if len(maybe):
            hit = stripped.iloc[maybe].str.upper().isin(blanks).to_numpy(dtype=bool)
            token[maybe[hit]] = True
            tokens = int(hit.sum())
    if text_bytes_outside(_arrow_chunks(stripped), 0x20, 0x7E, _CODE_CHANGED):
        normalised = NORMALISERS["code"](stripped).astype("string")
    else:  # the usual extract: already upper-case ASCII without quotes
        normalised = stripped.astype("string")
    empty = normalised.isna().to_numpy(dtype=bool) | (normalised == "").to_numpy(dtype=bool,
                                                                                   na_value=False)
    blank = empty | token
    return (normalised.mask(blank) if blank.any() else normalised), tokens


def finalise(typed: pd.DataFrame) -> pd.DataFrame:
    """Categorical code columns -> pandas string, as TABLES promises."""
    categorical = [c for c in typed.columns if isinstance(typed[c].dtype, pd.CategoricalDtype)]
    return typed.assign(**dict(zip(categorical, map_in_threads(lambda c: categorical_text(typed[c]), categorical),
                                   strict=True)))


def categorical_text(values: pd.Series) -> pd.Series:
    """A categorical of text as pandas ``string`` (blank -> NA), equal to
    ``values.astype("string")``: built by pyarrow's ``take`` on the categories, where
    ``astype`` makes a Python string per row (5 s on 10 million visits, against 0.1 s)."""
    import pyarrow as pa

    categories = pa.array(values.cat.categories.to_numpy(dtype=object), type=pa.large_string())
    codes = values.cat.codes.to_numpy()
    text = categories.take(pa.array(codes, mask=codes < 0))
    return pd.Series(pd.array(text, dtype=pd.StringDtype("pyarrow")), index=values.index,
                     name=values.name)


# --- pandera schemas --------------------------------------------------------------------
_PANDERA_DTYPES = {"str": "string", "date": "datetime64[ns]", "bool": "boolean", "int": "Int64"}

BLANK_RULE = "{col} is blank"
UNKNOWN_CODE_RULE = "{col} is not a known code"
DUPLICATE_RULE = "duplicate {cols}: an earlier row has the same"


def build_schema(table: str, absent: frozenset = frozenset()) -> pa.DataFrameSchema:
    """The pandera schema of a table's typed frame (code columns validated as categoricals).

    Code lists are checked here only in the columns a metric needs (``tables.NEEDS``); in
    the others a value outside its list is ignored with a warning (:func:`ignored_codes`).
    ``absent``: columns the file does not have, which may then be blank throughout.
    """
    import pandera.pandas as pa  # here, not at the top: a cached load validates nothing

    spec, rules = TABLES[table], RULES[table]
    columns = {}
    for column, kind in spec.columns.items():
        checks = []
        dtype = _PANDERA_DTYPES[kind]
        if kind == "str" and rules.normalise.get(column, "text") != "text":
            # a categorical: its dtype is checked by ``schema_failures`` (pandera's own check
            # rebuilds a CategoricalDtype of every category, per column and per call)
            dtype = None
        if column in rules.codes and needed(table, column):
            checks.append(pa.Check.isin(rules.codes[column], error=UNKNOWN_CODE_RULE))
        columns[column] = pa.Column(
            dtype,
            checks=checks,
            nullable=column not in rules.not_blank or column in absent,
        )
    return pa.DataFrameSchema(
        columns,
        strict=True,
        ordered=True,
        name=table,
    )


SCHEMAS: dict[tuple[str, frozenset], pa.DataFrameSchema] = {}


def schema(table: str, absent: frozenset = frozenset()) -> pa.DataFrameSchema:
    key = (table, frozenset(absent) & frozenset(RULES[table].not_blank))
    if key not in SCHEMAS:
        SCHEMAS[key] = build_schema(table, key[1])
    return SCHEMAS[key]


def ignored_codes(table: str, typed: pd.DataFrame) -> dict[str, np.ndarray]:
    """Column -> mask of values outside their code list in columns no metric needs."""
    found = {}
    for column, codes in RULES[table].codes.items():
        if needed(table, column):
            continue
        values = typed[column]
        mask = (values.notna() & ~values.isin(codes)).to_numpy(dtype=bool)
        if mask.any():
            found[column] = mask
    return found


def schema_failures(table: str, typed: pd.DataFrame, absent: frozenset = frozenset()) -> pd.DataFrame:
    """Run the table's pandera schema lazily: one row per (index, column, rule template)."""
    import pandera.pandas as pa

    empty = pd.DataFrame({"index": pd.Series([], dtype="int64"), "column": [], "rule": []})
    spec, rules = TABLES[table], RULES[table]
    wrong = [c for c, kind in spec.columns.items()
             if kind == "str" and rules.normalise.get(c, "text") != "text" and c in typed.columns
             and not isinstance(typed[c].dtype, (pd.CategoricalDtype, pd.StringDtype))]
    if wrong:
        # A dtype failure is a bug in conversion, not a data problem (as below).
        raise RuntimeError(f"{table}: typed frame does not match its schema: {wrong} not categorical or text")
    try:
        # inplace: nothing is coerced, so the copy pandera would make of the frame is waste
        schema(table, absent).validate(typed, lazy=True, inplace=True)
    except pa.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    else:
        return empty
    row_level = cases[cases["index"].notna()]
    if len(row_level) != len(cases):
        # A dtype or column failure is a bug in conversion, not a data problem.
        raise RuntimeError(f"{table}: typed frame does not match its schema:\n{cases}")
    check = row_level["check"].astype(str)
    rule = np.where(check == "not_nullable", BLANK_RULE, check.to_numpy())
    out = pd.DataFrame(
        {
            "index": row_level["index"].astype("int64").to_numpy(),
            "column": row_level["column"].astype(str).to_numpy(),
            "rule": rule,
        }
    )
    return out.drop_duplicates(["index", "column", "rule"]).reset_index(drop=True)


# --- rules across columns ---------------------------------------------------------------
def _ordered_values(column: pd.Series):
    """The column as an array whose ``<``/``==`` order is the values' order (Arrow text
    compared by pyarrow, categoricals by the rank of their text, dates as dates), or None
    when a value is blank (a blank cannot be ordered)."""
    if column.isna().any():
        return None
    if column.dtype.kind == "M":
        return column.to_numpy()
    if isinstance(column.dtype, pd.CategoricalDtype):
        categories = column.cat.categories.to_numpy(dtype=object)
        rank = np.empty(len(categories), dtype=np.int64)
        rank[np.argsort(categories, kind="stable")] = np.arange(len(categories))
        return rank[column.cat.codes.to_numpy()]
    if getattr(column.dtype, "storage", None) == "pyarrow":
        import pyarrow as pa

        return pa.chunked_array(pa.array(column.array))
    return column.to_numpy(dtype=object)


def _strictly_increasing(typed: pd.DataFrame, key: list[str]) -> bool:
    """True when the rows are in strictly increasing key order, so no key repeats.

    Extracts are usually sorted by their identifier: one comparison of neighbours, done
    in pyarrow or NumPy without a Python string per row (~30x cheaper than hashing
    millions of strings), then proves there is no duplicate. A blank key value, or values
    that cannot be ordered, send the frame down the hashing path.
    """
    if len(typed) < 2:
        return True
    greater = np.zeros(len(typed) - 1, dtype=bool)
    equal_so_far = np.ones(len(typed) - 1, dtype=bool)
    for column in key:
        values = _ordered_values(typed[column])
        if values is None:
            return False
        try:
            if hasattr(values, "slice"):  # an Arrow array
                import pyarrow.compute as pc

                after, before = values.slice(1), values.slice(0, len(values) - 1)
                is_greater = pc.greater(after, before).to_numpy(zero_copy_only=False)
                is_equal = pc.equal(after, before).to_numpy(zero_copy_only=False)
            else:
                before, after = values[:-1], values[1:]
                is_greater, is_equal = after > before, after == before
            greater |= equal_so_far & np.asarray(is_greater, dtype=bool)
            equal_so_far &= np.asarray(is_equal, dtype=bool)
        except TypeError:  # mixed types cannot be ordered: let duplicated decide
            return False
        if greater.all():
            return True
    return bool(greater.all())


def cross_field_rules(table: str, typed: pd.DataFrame) -> list[tuple[np.ndarray, str, str]]:
    """(mask, column, rule template) for each rule across columns of one row."""
    rules = RULES[table]
    found = []
    if rules.unique:
        # the first row is kept; later copies are set aside (reported on the key's first column)
        key = list(rules.unique)
        if _strictly_increasing(typed, key):
            mask = np.zeros(len(typed), dtype=bool)
        elif len(key) == 1:
            ids = typed[key[0]]
            mask = (ids.duplicated(keep="first") & ids.notna()).to_numpy(dtype=bool)
        else:
            mask = (typed[key].duplicated(keep="first")
                    & typed[key].notna().all(axis=1)).to_numpy(dtype=bool)
        found.append((mask, key[0], DUPLICATE_RULE))
    for end, start in rules.date_order:
        mask = (typed[end] < typed[start]).fillna(False).to_numpy(dtype=bool)
        found.append((mask, end, "{col} is before " + "{" + start + "}"))
    if table == "visits":
        seen_alone_unseen = (typed["seen_alone"].eq(True) & typed["child_seen"].eq(False))
        found.append((seen_alone_unseen.fillna(False).to_numpy(dtype=bool), "seen_alone",
                      "{col} is Y but {child_seen} is N"))
    if table in ("visits", "visit_methods"):
        for modality, methods in VISIT_METHODS.items():
            others = set(ALL_VISIT_METHODS) - set(methods)
            mask = typed["modality"].eq(modality) & typed["method"].isin(others)
            found.append((mask.fillna(False).to_numpy(dtype=bool), "method",
                          f"{{col}} is not a {modality} method"))
    if table == "case_audits":
        mask = typed["grade"].isna() & typed["audit_type"].isin(["full_case_file", "stocktake"])
        found.append((mask.fillna(False).to_numpy(dtype=bool), "grade",
                      "{col} is blank (only a thematic audit may have no grade)"))
    if table == "recommendations":
        mask = typed["status"].eq("completed") & typed["completed_date"].isna()
        found.append((mask.fillna(False).to_numpy(dtype=bool), "completed_date",
                      "{status} is completed but {col} is blank"))
    return [f for f in found if f[0].any()]


def overlapping_episodes(episodes: pd.DataFrame, candidates: np.ndarray) -> np.ndarray:
    """Episodes starting before the same child's previous accepted episode ended.

    ``candidates`` marks the rows that passed every other rule. An open episode (blank DEC)
    has not ended, so any later episode of the child overlaps it. The later episode is set
    aside; rounds repeat so each episode is compared with the previous *accepted* one.
    """
    overlap = np.zeros(len(episodes), dtype=bool)
    active = candidates.copy()
    if active.all() and _in_order_without_overlap(episodes):
        return overlap
    fast = _overlaps_by_rank(episodes, active)
    if fast is not None:
        return fast
    while True:
        idx = np.flatnonzero(active)
        if len(idx) == 0:
            break
        frame = pd.DataFrame(
            {"child": episodes["CHILD"].to_numpy()[idx],
             "start": episodes["DECOM"].to_numpy()[idx],
             "end": episodes["DEC"].to_numpy()[idx],
             "pos": idx}
        ).sort_values(["child", "start"], kind="stable")
        same_child = frame["child"].eq(frame["child"].shift())
        prev_end = frame["end"].shift()
        prev_open = prev_end.isna() & same_child
        hits = same_child & (prev_open | (frame["start"] < prev_end))
        # Only an episode whose predecessor is itself clear is judged this round.
        judged = hits & ~hits.shift(fill_value=False)
        if not judged.any():
            break
        positions = frame["pos"].to_numpy()[judged.to_numpy()]
        overlap[positions] = True
        active[positions] = False
    return overlap


def _in_order_without_overlap(episodes: pd.DataFrame) -> bool:
    """True when the episodes are already in (CHILD, DECOM) order, as returns are written,
    and none starts before the end of the child's previous one (or after an open one):
    then the rounds below find nothing. Neighbours compared by pyarrow, no sort, no
    ranking of a million CHILD values. False (work it out) for anything else."""
    child = episodes["CHILD"]
    start, end = episodes["DECOM"].to_numpy(), episodes["DEC"].to_numpy()
    if (len(episodes) < 2 or getattr(child.dtype, "storage", None) != "pyarrow"
            or start.dtype.kind != "M" or end.dtype.kind != "M" or np.isnat(start).any()
            or child.isna().any()):
        return False
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.chunked_array(pa.array(child.array))
    after, before = text.slice(1), text.slice(0, len(text) - 1)
    same = pc.equal(after, before).to_numpy(zero_copy_only=False)
    later = pc.greater(after, before).to_numpy(zero_copy_only=False)
    in_order = later | (same & (start[1:] >= start[:-1]))
    if not in_order.all():
        return False
    previous_end = end[:-1]
    return not (same & (np.isnat(previous_end) | (start[1:] < previous_end))).any()


def _child_rank(child: pd.Series) -> np.ndarray:
    """Per row, the rank of its CHILD text among the column's values (equal text, equal
    rank; the order of the text itself), without a Python string per row."""
    if isinstance(child.dtype, pd.CategoricalDtype):
        categories = child.cat.categories.to_numpy(dtype=object)
        rank = np.empty(len(categories), dtype=np.int64)
        rank[np.argsort(categories, kind="stable")] = np.arange(len(categories))
        codes = child.cat.codes.to_numpy()
        return np.where(codes >= 0, rank[np.maximum(codes, 0)], -1)
    codes, _ = pd.factorize(child, sort=True)
    return codes


def _overlaps_by_rank(episodes: pd.DataFrame, active: np.ndarray) -> np.ndarray | None:
    """:func:`overlapping_episodes` on integer child ranks and NumPy dates: the same rows,
    in the same rounds, as sorting the (CHILD text, DECOM) frame. None (the frame way
    instead) when a candidate has a blank CHILD or DECOM, which the rules set aside first."""
    overlap = np.zeros(len(episodes), dtype=bool)
    if not active.any():
        return overlap
    child = _child_rank(episodes["CHILD"])
    start = episodes["DECOM"].to_numpy()
    end = episodes["DEC"].to_numpy()
    if start.dtype.kind != "M" or end.dtype.kind != "M":
        return None
    if (child[active] < 0).any() or np.isnat(start[active]).any():
        return None
    active = active.copy()
    while True:
        idx = np.flatnonzero(active)
        if len(idx) < 2:
            break
        order = idx[np.lexsort((start[idx], child[idx]))]  # stable: ties keep row order
        c, s, e = child[order], start[order], end[order]
        same_child = c[1:] == c[:-1]
        prev_end = e[:-1]
        hits = np.zeros(len(order), dtype=bool)
        hits[1:] = same_child & (np.isnat(prev_end) | (s[1:] < prev_end))
        judged = hits.copy()
        judged[1:] &= ~hits[:-1]
        if not judged.any():
            break
        positions = order[judged]
        overlap[positions] = True
        active[positions] = False
    return overlap

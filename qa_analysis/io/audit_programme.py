"""The audit programme's own rules (``audits.csv``, issue 15) and the free-text scan.

``audits.csv`` holds one row per audit: what was audited, when, by whom (a role, never a
person), how, how the cases were chosen, the period of practice reviewed, what prompted
it and what it found. Its codes and dates are checked like every table's
(:mod:`qa_analysis.io.schemas`); the rules here are those a fixed code list cannot make:

- ``method`` and ``selection`` hold one or more codes separated by ``;`` (``case file
  review; discussion with the allocated worker``), matched whatever the case, spacing and
  articles (``the``, ``a``); a value outside the list sets the row aside with the list.
- ``auditor`` is a role from ``Settings.auditor_roles`` (``independent auditor``, ``QA
  service manager``...; a plural such as ``independent auditors`` is the same role, kept
  plural for the paper). Anything else, a person's name above all, sets the row aside with
  the list of roles: a name must never reach a public paper.
- Free text (``theme``, ``prompted_by``, ``findings``, ``areas_for_development`` of
  audits.csv; ``shared_with`` of recommendations.csv) is scanned for every identifier the
  data folder holds (child, family, visit and worker identifiers, UPNs, worker, auditor and
  owner names): a row whose text names one is set aside, the message naming the column and
  where the identifier comes from, never the identifier itself. Identifiers shorter than
  four characters, and numbers shorter than five digits, are not looked for: they would
  match ordinary words and years ("In 2020").
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .._threads import map_in_threads
from ..config import AUDITOR_ROLES
from .readers import text_bytes_outside
from .tables import AUDIT_METHODS, AUDIT_SELECTIONS

__all__ = [
    "FREE_TEXT",
    "IDENTIFIER_COLUMNS",
    "code_words",
    "free_text_rules",
    "identifiers_in",
    "phrases_looked_for",
    "ScanMemo",
    "programme_rules",
]

LIST_COLUMNS = {"method": AUDIT_METHODS, "selection": AUDIT_SELECTIONS}
FREE_TEXT: dict[str, tuple[str, ...]] = {
    "audits": ("theme", "prompted_by", "findings", "areas_for_development"),
    "recommendations": ("shared_with",),
}
# Where the identifiers and names of a data folder live.
IDENTIFIER_COLUMNS: dict[str, tuple[str, ...]] = {
    "header": ("CHILD", "UPN"),
    "episodes": ("CHILD",),
    "contacts": ("child_id",),
    "referrals": ("child_id", "allocated_worker"),
    "assessments": ("child_id", "allocated_worker"),
    "families": ("child_id", "family_id"),
    "visits": ("visit_id", "child_id", "worker_id"),
    "case_audits": ("child_id", "family_id", "auditor"),
    "recommendations": ("owner",),
}
_ARTICLES = {"the", "a", "an"}
_WORD = re.compile(r"[\w'\-]+")
_MAX_WORDS = 6  # longest name looked for, in words


def _key(text: str) -> str:
    """'Discussion with the allocated worker' -> 'discussion_with_allocated_worker'."""
    words = [w for w in re.split(r"[\s_\-]+", str(text).strip().lower()) if w and w not in _ARTICLES]
    return "_".join(words)


# The words a committee paper uses for each code.
CODE_WORDS = {
    "case_file_review": "a review of the electronic case file",
    "discussion_with_allocated_worker": "a discussion with the allocated worker",
    "observation": "observation of practice",
    "family_feedback": "feedback from the family",
    "discussion_with_manager": "a discussion with the team manager",
    "performance_data": "a review of performance data",
    # selections read after "The cases were ..."
    "cross_section_of_open_cases": "a cross-section of open cases",
    "identified_by_managers": "cases identified by the management team",
    "all_contacts_in_window": "all the contacts and referrals in the period",
    "all_cases_in_window": "every case in the period",
    "sample_in_window": "a sample of those in the period",
    "cases_on_theme": "chosen for the theme",
}


def code_words(code: str) -> str:
    """'discussion_with_allocated_worker' -> 'a discussion with the allocated worker'."""
    return CODE_WORDS.get(str(code), str(code).replace("_", " "))


def _split_codes(values: pd.Series, allowed: tuple[str, ...]) -> tuple[pd.Series, np.ndarray]:
    """Each value's codes joined by ';' (NA kept), and the mask of values naming a code
    outside ``allowed``."""
    out, bad = [], []
    for value in values.astype(object):
        if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
            out.append(pd.NA)
            bad.append(False)
            continue
        codes = [_key(part) for part in re.split(r"[;|]", str(value)) if part.strip()]
        bad.append(any(c not in allowed for c in codes))
        out.append(";".join(codes) if codes else pd.NA)
    return pd.Series(out, index=values.index, dtype="string"), np.asarray(bad, dtype=bool)


def _roles(values: pd.Series, roles: tuple[str, ...]) -> tuple[pd.Series, np.ndarray]:
    """The auditor as its role from ``roles`` (plural kept), and the mask of values that are
    not a role."""
    lookup = {}
    for role in roles:
        lookup[_key(role)] = role
        lookup[_key(role) + "s"] = role + "s"
    out, bad = [], []
    for value in values.astype(object):
        if value is None or value is pd.NA:
            out.append(pd.NA)
            bad.append(False)
            continue
        role = lookup.get(_key(value))
        out.append(role if role is not None else value)
        bad.append(role is None)
    return pd.Series(out, index=values.index, dtype="string"), np.asarray(bad, dtype=bool)


def programme_rules(typed: pd.DataFrame, roles: tuple[str, ...] = AUDITOR_ROLES):
    """(typed frame with method, selection and auditor normalised, [(mask, column, rule)])."""
    found = []
    changed = {}
    for column, allowed in LIST_COLUMNS.items():
        changed[column], bad = _split_codes(typed[column], allowed)
        if bad.any():
            words = "; ".join(c.replace("_", " ") for c in allowed)
            found.append((bad, column, f"{column} holds a value outside the list ({words}; "
                                       "several separated by ';')"))
    changed["auditor"], bad = _roles(typed["auditor"], tuple(roles))
    if bad.any():
        found.append((bad, "auditor", "auditor is not one of the auditor roles ("
                      + "; ".join(roles) + "): give the role, never a person's name "
                      "(the roles are the auditor_roles setting)"))
    return typed.assign(**changed), found


def _phrase(text) -> str:
    return " ".join(_WORD.findall(str(text))).casefold()


def _worth_looking_for(phrase: str) -> bool:
    if len(phrase) < 4:
        return False
    return not (phrase.isdigit() and len(phrase) < 5)


def phrases_looked_for(texts) -> frozenset[str]:
    """Every run of one to ``_MAX_WORDS`` words of the ``texts`` that :func:`_named` looks
    up (the same words, casefolded), worth looking for: the only phrases an identifier
    need be compared with."""
    found = set()
    for text in dict.fromkeys(t for t in texts if not pd.isna(t)):
        words = _WORD.findall(str(text).casefold())
        for size in range(1, min(_MAX_WORDS, len(words)) + 1):
            for start in range(len(words) - size + 1):
                found.add(" ".join(words[start:start + size]))
    return frozenset(p for p in found if _worth_looking_for(p))


def _text_arrow(values: pd.Series) -> pa.ChunkedArray:
    """The column as Arrow text (Arrow-backed text as it is, not copied; anything else as
    its ``str``), blanks null."""
    if not isinstance(values.dtype, pd.StringDtype):
        values = values.dropna().astype("str")
    return pa.chunked_array(pa.array(values.array))


# bytes other than ASCII letters and digits, within 0-9..z; and the lower-case letters
_NOT_ALNUM = ((0x3A, 0x40), (0x5B, 0x60))
_LOWER = ((0x3A, 0x40), (0x5B, 0x7A))


def _identifier_phrases(values: pd.Series, looked_for: frozenset[str]) -> set[str]:
    """The phrases (:func:`_phrase`) of the column's values that are in ``looked_for``.

    Vectorised, as a column can hold millions of identifiers: a value of ASCII letters and
    digits only (``C0000123``) is its own phrase once lower-cased, so it is matched in
    Arrow against the one-word phrases looked for (a column of nothing else, as identifier
    columns usually are, is known so from its bytes, without a test per value; one without
    lower-case letters is matched against the words upper-cased, without lower-casing it);
    only the other values (names with spaces, hyphens, non-ASCII letters) go through
    :func:`_phrase`, each distinct one once.
    """
    text = _text_arrow(values)
    alnum_only = not text_bytes_outside(text.chunks, 0x30, 0x7A, _NOT_ALNUM)
    simple = None if alnum_only else pc.fill_null(pc.ascii_is_alnum(text), False)
    found = set()
    words = sorted(p for p in looked_for if p.isascii() and p.isalnum())
    if words:
        if alnum_only and not text_bytes_outside(text.chunks, 0x30, 0x7A, _LOWER):
            hit = pc.is_in(text, value_set=pa.array([w.upper() for w in words]))
        else:
            hit = pc.is_in(pc.ascii_lower(text), value_set=pa.array(words))
        if simple is not None:
            hit = pc.and_(hit, simple)
        found.update(pc.unique(pc.ascii_lower(pc.filter(text, hit))).to_pylist())
    if simple is not None:
        others = pc.drop_null(pc.filter(text, pc.invert(simple)))
        found.update(p for p in map(_phrase, pc.unique(others).to_pylist()) if p in looked_for)
    return found


class ScanMemo:
    """The phrases found in each identifier column during one load, so the free-text
    tables (recommendations.csv, then audits.csv) scan the same column once: a column is
    answered again only for the same frame and the same phrases looked for."""

    def __init__(self):
        self._found: dict[tuple[str, str], tuple] = {}

    def phrases(self, tables, table: str, column: str, looked_for: frozenset[str]) -> set[str]:
        frame = tables[table]
        hit = self._found.get((table, column))
        if hit is not None and hit[0] is frame and hit[1] == looked_for:
            return hit[2]
        found = _identifier_phrases(frame[column], looked_for)
        self._found[(table, column)] = (frame, looked_for, found)
        return found


def identifiers_in(tables: dict[str, pd.DataFrame], looked_for, memo: ScanMemo | None = None) -> dict[str, str]:
    """Every identifier and name of the loaded ``tables`` (lower-cased words joined by one
    space) that is one of the phrases ``looked_for`` (:func:`phrases_looked_for`) -> where
    it comes from (``child_id in visits``, the first table and column holding it), for
    :func:`free_text_rules`. ``memo``: columns already scanned for the same phrases."""
    looked_for = frozenset(p for p in looked_for if _worth_looking_for(p))
    known: dict[str, str] = {}
    if not looked_for:
        return known
    memo = memo or ScanMemo()
    where = [(table, column) for table, columns in IDENTIFIER_COLUMNS.items()
             if tables.get(table) is not None for column in columns if column in tables[table].columns]
    found = map_in_threads(lambda tc: memo.phrases(tables, tc[0], tc[1], looked_for), where)
    for (table, column), phrases in zip(where, found, strict=True):
        for phrase in sorted(phrases):
            known.setdefault(phrase, f"{column} in {table}")
    return known


def _named(text, known: dict[str, str]) -> str | None:
    """Where the first identifier ``text`` names comes from, or None."""
    words = _WORD.findall(str(text).casefold())
    for size in range(1, min(_MAX_WORDS, len(words)) + 1):
        for start in range(len(words) - size + 1):
            hit = known.get(" ".join(words[start:start + size]))
            if hit is not None:
                return hit
    return None


def has_free_text(table: str, typed: pd.DataFrame) -> bool:
    return any(typed[c].notna().any() for c in FREE_TEXT.get(table, ()) if c in typed.columns)


def free_text_rules(table: str, typed: pd.DataFrame, tables: dict[str, pd.DataFrame],
                    looked_for: frozenset[str] | None = None, memo: ScanMemo | None = None):
    """[(mask, column, rule)]: rows whose free text names an identifier of the ``tables``
    (the loaded ones and this one). Each distinct text is read once.

    ``looked_for``: phrases to look for, at least those of this table's free text (the
    load gives those of every free-text file, so one scan of the identifiers serves them
    all, with ``memo``); by default this table's own."""
    columns = [c for c in FREE_TEXT.get(table, ()) if c in typed.columns]
    own = phrases_looked_for(v for c in columns for v in pd.unique(typed[c].astype(object)))
    # the load's phrases serve only when they hold this table's own (else its own alone)
    shared = looked_for is not None and own <= looked_for
    known = identifiers_in(tables, looked_for if shared else own, memo)
    found = []
    for column in columns:
        named = {}
        hits = []
        for value in typed[column].astype(object):
            if pd.isna(value):
                hits.append(None)
                continue
            if value not in named:
                named[value] = _named(value, known)
            hits.append(named[value])
        mask = np.array([h is not None for h in hits], dtype=bool)
        for source in dict.fromkeys(h for h in hits if h is not None):
            one = mask & np.array([h == source for h in hits], dtype=bool)
            found.append((one, column, f"{column} names an identifier found in the data folder "
                          f"(it matches a {source}): free text must never carry a child, family or "
                          "person into a report"))
    return found

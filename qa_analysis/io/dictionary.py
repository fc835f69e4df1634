"""``docs/inputs.md``, the data dictionary of the input files, generated from the schemas.

Each table's file names (and accepted variants), columns with their kinds, whether a column
is required, the headers accepted for it, its code list, the rules that set a row aside,
and which metrics use it all come from :mod:`qa_analysis.io.tables` and
:mod:`qa_analysis.io.schemas`; only the meaning of each column (:data:`COLUMN_WORDS`) is
written here. Write the file with ``python -m qa_analysis.io.dictionary`` (or ``make docs``);
``tests/io/test_dictionary.py`` fails when it is stale or a column has no words.
"""

from __future__ import annotations

from ..config import PROJECT_ROOT
from . import schemas
from .tables import NEEDS, TABLES, TOPIC_OPTIONAL, TOPIC_TABLES

DOCS_FILE = PROJECT_ROOT / "docs" / "inputs.md"

KIND_WORDS = {
    "str": "text",
    "date": "date",
    "bool": "yes/no",
    "int": "whole number",
}

# What each column means, in the words of DESIGN section 2 and domain.md (hand-written).
COLUMN_WORDS: dict[str, dict[str, str]] = {
    "header": {
        "CHILD": "child identifier (the authority's, the same in every 903 table)",
        "SEX": "sex: 1 male, 2 female",
        "DOB": "date of birth",
        "ETHNIC": "ethnic group code (DfE)",
        "UPN": "unique pupil number",
        "MOTHER": "1 if the child is a mother, 0 if not",
        "MC_DOB": "date of birth of the mother's child",
    },
    "episodes": {
        "CHILD": "child identifier",
        "DECOM": "date the episode of care began",
        "RNE": "reason for new episode: S started to be looked after, L legal status change, "
               "P placement change, T and U same-carer changes, B both",
        "LS": "legal status (C2 full care order, V2 section 20, V3/V4 short breaks ...)",
        "CIN": "category of need (N1 to N8)",
        "PLACE": "placement type (U1-U6 foster, K1/K2 children's homes, H5/K3/P2 semi-independent "
                 "or independent living, A3-A6 adoption, T0-T4 temporary ...)",
        "PLACE_PROVIDER": "placement provider (PR0 to PR5)",
        "DEC": "date the episode ceased; blank while it is open",
        "REC": "reason the episode ceased",
        "REASON_PLACE_CHANGE": "reason for the placement change (CARPL, CLOSE, ALLEG, STAND ...)",
        "HOME_POST": "home postcode (district)",
        "PL_POST": "placement postcode (district)",
        "URN": "Ofsted unique reference number of the placement",
    },
    "contacts": {
        "child_id": "child identifier (Annex A 'Child Unique ID')",
        "gender": "gender",
        "ethnicity": "ethnicity code",
        "dob": "date of birth",
        "age": "age in years",
        "contact_date": "date of the contact",
        "contact_source": "source of the contact (1A family member ... 10 unknown)",
    },
    "referrals": {
        "child_id": "child identifier",
        "gender": "gender",
        "ethnicity": "ethnicity code",
        "dob": "date of birth",
        "age": "age in years",
        "referral_date": "date of the referral",
        "referral_source": "source of the referral (same codes as contacts)",
        "referral_nfa": "the referral led to no further action",
        "referrals_last_12m": "number of referrals in the previous 12 months, as the case system "
                              "recorded it; qa-analysis works re-referrals out from the referrals "
                              "themselves, and uses this only for a quarter whose 12 months before "
                              "reach back past the first referral in the data (the note says so)",
        "allocated_team": "allocated team",
        "allocated_worker": "allocated worker",
    },
    "assessments": {
        "child_id": "child identifier",
        "gender": "gender",
        "ethnicity": "ethnicity code",
        "dob": "date of birth",
        "age": "age in years",
        "disability": "the child has a disability",
        "assessment_start_date": "date the continuous assessment started",
        "child_seen": "the child was seen during the assessment",
        "assessment_authorised_date": "date the assessment was authorised (completed)",
        "requires_support": "the child was assessed as requiring children's social care support",
        "allocated_team": "allocated team",
        "allocated_worker": "allocated worker",
    },
    "families": {
        "child_id": "child identifier (as in Annex A and the local files)",
        "family_id": "family identifier from the case management system",
    },
    "visits": {
        "visit_id": "visit identifier",
        "child_id": "child identifier",
        "cohort": "CLA (looked after), CP (child protection) or CIN (child in need)",
        "visit_date": "date of the visit",
        "modality": "face_to_face or virtual",
        "method": "face to face: home, office, school, other; virtual: zoom, whatsapp, teams, "
                  "facetime, phone, other_video",
        "child_seen": "the child was seen (Y/N)",
        "seen_alone": "the child was seen alone (Y/N/blank)",
        "worker_id": "the visiting worker",
        "bedroom_seen": "the child's bedroom was seen (SSD visit tables)",
    },
    "visit_methods": {
        "visit_id": "visit identifier, as in the visits table",
        "cohort": "cohort of the visit (CLA, CP, CIN)",
        "modality": "face_to_face or virtual",
        "method": "how the visit was made (codes as in visits)",
    },
    "case_audits": {
        "audit_id": "audit identifier",
        "audit_date": "date of the audit",
        "audit_type": "full_case_file, thematic or stocktake",
        "theme": "theme of the audit (free text)",
        "child_id": "child identifier",
        "family_id": "family identifier",
        "auditor": "the auditor",
        "domain": "overall, or a domain such as assessment, planning, voice_of_child",
        "grade": "Outstanding, Good, Requires improvement (to be good), Inadequate; blank "
                 "where a thematic audit grades nothing",
    },
    "recommendations": {
        "recommendation_id": "recommendation identifier",
        "audit_id": "the audit that raised it",
        "raised_date": "date raised",
        "theme": "theme (free text)",
        "owner": "who owns it",
        "due_date": "date due",
        "status": "open, in_progress or completed",
        "completed_date": "date completed (blank while open)",
        "route": "case, service_development_plan or learning_and_development",
        "shared_with": "who it was shared with (free text, several separated by ';'; scanned "
                       "for identifiers at load)",
    },
    "audits": {
        "audit_id": "audit identifier, as in case_audits.csv",
        "audit_type": "full_case_file, thematic, stocktake or dip_sample",
        "theme": "what was audited (free text)",
        "started": "date the audit started",
        "completed": "date the audit was completed (its month opens the paper's paragraph)",
        "auditor": "the auditor's role from the auditor_roles setting (never a person's name)",
        "method": "how: one or more of the method codes, separated by ';'",
        "selection": "how the cases were chosen: one or more of the selection codes, separated by ';'",
        "practice_from": "first day of the period of practice reviewed",
        "practice_to": "last day of the period of practice reviewed",
        "prompted_by": "what prompted the audit (free text)",
        "findings": "what the audit found (short free text, scanned for identifiers at load)",
        "areas_for_development": "areas for development (short free text, scanned for identifiers)",
    },
}


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _codes(values) -> str:
    values = list(values)
    shown = ", ".join(f"`{v}`" for v in values[:24])
    return shown + (f" and {len(values) - 24} more" if len(values) > 24 else "")


def _topics_of(table: str) -> str:
    needed = [t for t, tables in TOPIC_TABLES.items() if table in tables]
    optional = [t for t, tables in TOPIC_OPTIONAL.items() if table in tables]
    parts = [f"needed by {', '.join(needed)}"] if needed else []
    if optional:
        parts.append(f"used if present by {', '.join(optional)}")
    return "; ".join(parts)


def table_markdown(table: str) -> list[str]:
    spec = TABLES[table]
    rules = schemas.RULES.get(table)
    names = [n for n in spec.file_names]
    lines = [
        f"## `{table}`: {spec.description}",
        "",
        f"File: `{names[0]}`" + (f" (also {', '.join(f'`{n}`' for n in names[1:])})" if len(names) > 1 else "")
        + f". Topic: {spec.topic} ({_topics_of(table)}).",
    ]
    if rules and rules.unique:
        lines.append(f"One row per {' and '.join(f'`{c}`' for c in rules.unique)}: a later copy is set aside.")
    lines += [
        "",
        "| column | meaning | kind | required | headers accepted | codes | used by |",
        "|---|---|---|---|---|---|---|",
    ]
    for column, kind in spec.columns.items():
        aliases = schemas.ALIASES.get(table, {}).get(column, ())
        headers = ", ".join(f"`{h}`" for h in (column, *aliases))
        required = "yes" if column in spec.required else ""
        if rules and column in rules.not_blank:
            required = (required + ", " if required else "") + "never blank"
        codes = _codes(rules.codes[column]) if rules and column in rules.codes else ""
        uses = ", ".join(f"`{k}`" for k in NEEDS.get(table, {}).get(column, ())) or "(not used by a figure)"
        words = COLUMN_WORDS.get(table, {}).get(column, "")
        lines.append(
            f"| `{column}` | {_cell(words)} | {KIND_WORDS.get(kind, kind)} | {required} | {_cell(headers)} "
            f"| {_cell(codes)} | {_cell(uses)} |"
        )
    if rules and rules.date_order:
        lines += ["", "A row is set aside when " + "; ".join(
            f"`{end}` is before `{start}`" for end, start in rules.date_order) + "."]
    return lines


def markdown() -> str:
    """The whole of docs/inputs.md."""
    lines = [
        "# Input files: the data dictionary",
        "",
        "<!-- Generated from qa_analysis/io/tables.py and schemas.py by",
        "     `python -m qa_analysis.io.dictionary` (or `make docs`); do not edit by hand",
        "     (tests/io/test_dictionary.py fails when this file is stale). -->",
        "",
        "A data folder holds the files below (DESIGN section 2); file names are matched whatever",
        "their case. A missing file leaves out the topics that need it, with a message. Headers",
        "are matched tolerantly (case, spaces and punctuation ignored) against the names listed.",
        "Every row is accepted or set aside with its reason (`qa-analysis validate` lists them);",
        "a value that cannot be used in a column no figure needs is ignored with a warning and",
        "never costs the row. "
        + ", ".join(f"`{v}`" for v in schemas.DEFAULT_BLANK_VALUES) + " count as blank. Codes are compared after",
        "normalisation (upper case for SSDA903 codes, Annex A option letters such as `a) ` removed).",
        "Dates may be written dd/mm/YYYY, YYYY-MM-DD or dd/mm/yy, or be Excel dates; a time after",
        "the date is ignored. Yes/no columns take Y, N, Yes, No (and Annex A's `a) Yes`, `b) No`).",
        "The metric keys in \"used by\" are defined in [metrics.md](metrics.md) (`*` = every key",
        "with that prefix).",
        "",
    ]
    for table in TABLES:
        lines += table_markdown(table) + [""]
    return "\n".join(lines).rstrip() + "\n"


def write() -> None:
    DOCS_FILE.parent.mkdir(parents=True, exist_ok=True)
    DOCS_FILE.write_text(markdown(), encoding="utf-8")


if __name__ == "__main__":
    write()
    print(f"wrote {DOCS_FILE}")

"""The Standard Safeguarding Dataset (SSD) as an input (issue 11).

Authorities building the DfE-funded Standard Safeguarding Dataset hold its tables rather
than our local extracts. Exported as CSV under their table names (``ssd_contacts.csv``,
or ``ssd_contacts_v.csv`` for the views, or ``<schema>.ssd_contacts.csv``), they are
recognised here and their columns mapped to ours; the values then go through the same
rules as every other file (:mod:`qa_analysis.io.schemas`).

Field names are those of the SSD data model (data-to-insight/ssd-data-model,
``data/objects/ssd_*.yml``; domain.md 3.1): ``ssd_contacts`` (``cont_*``),
``ssd_cin_episodes`` (``cine_*``, one row per referral), ``ssd_cin_assessments``
(``cina_*``), ``ssd_cla_visits`` (``clav_*``), ``ssd_cp_visits`` (``cppv_*``),
``ssd_cin_visits`` (``cinv_*``) and ``ssd_family`` (``fami_family_id``,
``fami_person_id``). The SSD's visit tables record no modality or method: a
``visit_methods.csv`` (``visit_id, modality, method``, optionally ``cohort``) can add them.
Placement stability stays on the SSDA903 files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .readers import normalise_header

LAYOUT = "SSD"


@dataclass(frozen=True)
class SsdTable:
    name: str  # the SSD table: "ssd_cla_visits"
    table: str  # ours: "visits"
    columns: dict[str, str]  # SSD field -> our column (first spelling listed is the model's)
    constants: dict[str, str] = field(default_factory=dict)  # our column -> value for every row

    def lookup(self) -> dict[str, str]:
        """Normalised header -> our column (our own names accepted too)."""
        found = {normalise_header(ssd): ours for ssd, ours in self.columns.items()}
        return found


SSD_TABLES: dict[str, SsdTable] = {
    t.name: t
    for t in (
        SsdTable("ssd_contacts", "contacts", {
            "cont_person_id": "child_id",
            "cont_contact_date": "contact_date",
            "cont_contact_source_code": "contact_source",
        }),
        SsdTable("ssd_cin_episodes", "referrals", {
            "cine_person_id": "child_id",
            "cine_referral_date": "referral_date",
            "cine_referral_source_code": "referral_source",
            "cine_referral_nfa": "referral_nfa",
            "cine_referral_team": "allocated_team",
            "cine_referral_worker_id": "allocated_worker",
        }),
        SsdTable("ssd_cin_assessments", "assessments", {
            "cina_person_id": "child_id",
            "cina_assessment_start_date": "assessment_start_date",
            "cina_assessment_child_seen": "child_seen",
            "cina_assessment_auth_date": "assessment_authorised_date",
            "cina_assessment_team": "allocated_team",
            "cina_assessment_worker_id": "allocated_worker",
        }),
        SsdTable("ssd_cla_visits", "visits", {
            "clav_cla_visit_id": "visit_id",
            "clav_person_id": "child_id",
            "clav_cla_visit_date": "visit_date",
            "clav_cla_visit_seen": "child_seen",
            "clav_cla_visit_seen_alone": "seen_alone",
        }, {"cohort": "CLA"}),
        SsdTable("ssd_cp_visits", "visits", {
            "cppv_cp_visit_id": "visit_id",
            "cppv_visit_id": "visit_id",  # an earlier version of the model
            "cppv_person_id": "child_id",
            "cppv_cp_visit_date": "visit_date",
            "cppv_cp_visit_seen": "child_seen",
            "cppv_cp_visit_seen_alone": "seen_alone",
            "cppv_cp_visit_bedroom": "bedroom_seen",
        }, {"cohort": "CP"}),
        SsdTable("ssd_cin_visits", "visits", {
            "cinv_cin_visit_id": "visit_id",
            "cinv_person_id": "child_id",
            "cinv_cin_visit_date": "visit_date",
            "cinv_cin_visit_seen": "child_seen",
            "cinv_cin_visit_seen_alone": "seen_alone",
            "cinv_cin_visit_bedroom": "bedroom_seen",
        }, {"cohort": "CIN"}),
        SsdTable("ssd_family", "families", {
            "fami_person_id": "child_id",
            "fami_family_id": "family_id",
        }),
    )
}


def ssd_table_of(path: Path) -> SsdTable | None:
    """The SSD table a CSV holds, from its name: ``ssd_cla_visits.csv``,
    ``ssd_cla_visits_v.csv`` (the model's views) or ``ssd_development.ssd_cla_visits.csv``."""
    if path.suffix.lower() != ".csv":
        return None
    stem = path.stem.lower().split(".")[-1]
    if stem.endswith("_v"):
        stem = stem[:-2]
    return SSD_TABLES.get(stem)


def expected_names() -> list[str]:
    """The SSD file names accepted, for messages."""
    return [f"{name}.csv" for name in SSD_TABLES]


# --- writing a standard folder as SSD tables (demo-data --layout ssd) ------------------------
_SQL_DATETIME = "%Y-%m-%d %H:%M:%S.000"  # as SQL Server exports a DATETIME
_NULL = "NULL"  # as SQL Server exports a blank


def _sql_dates(values) -> list[str]:
    import pandas as pd

    return [_NULL if pd.isna(v) else v.strftime(_SQL_DATETIME) for v in values]


def _flags(values) -> list[str]:
    import pandas as pd

    return [_NULL if pd.isna(v) else ("Y" if v else "N") for v in values]


def _text(values) -> list[str]:
    import pandas as pd

    return [_NULL if pd.isna(v) else str(v) for v in values]


# Our standard files replaced by SSD tables; the SSDA903 files and the audit files stay.
REPLACED = ("annex_a_list_1.csv", "annex_a_list_3.csv", "annex_a_list_4.csv", "visits.csv",
            "families.csv")


def write_ssd_layout(folder: Path) -> dict[str, int]:
    """Rewrite a folder in our standard layout as the SSD's tables, in place.

    Contacts, referrals, assessments, visits and families become ``ssd_contacts.csv``,
    ``ssd_cin_episodes.csv``, ``ssd_cin_assessments.csv``, ``ssd_cla_visits.csv``,
    ``ssd_cp_visits.csv``, ``ssd_cin_visits.csv`` and ``ssd_family.csv``, written as a SQL
    Server export writes them (``NULL`` blanks, ``2020-04-01 00:00:00.000`` datetimes); the
    visit tables hold no modality or method, as in the SSD. Returns rows per file written.
    """
    import pandas as pd

    from .loaders import load_data

    folder = Path(folder)
    data = load_data(folder)
    written: dict[str, int] = {}

    def write(name: str, columns: dict[str, list]) -> None:
        frame = pd.DataFrame(columns)
        frame.to_csv(folder / f"{name}.csv", index=False, lineterminator="\r\n")
        written[f"{name}.csv"] = len(frame)

    contacts = data.contacts
    write("ssd_contacts", {
        "cont_contact_id": [f"CT{i + 1:07d}" for i in range(len(contacts))],
        "cont_person_id": _text(contacts["child_id"]),
        "cont_contact_date": _sql_dates(contacts["contact_date"]),
        "cont_contact_source_code": _text(contacts["contact_source"]),
        "cont_contact_source_desc": [_NULL] * len(contacts),
        "cont_contact_outcome_json": [_NULL] * len(contacts),
    })
    referrals = data.referrals
    write("ssd_cin_episodes", {
        "cine_referral_id": [f"RF{i + 1:07d}" for i in range(len(referrals))],
        "cine_person_id": _text(referrals["child_id"]),
        "cine_referral_date": _sql_dates(referrals["referral_date"]),
        "cine_cin_primary_need_code": [_NULL] * len(referrals),
        "cine_referral_source_code": _text(referrals["referral_source"]),
        "cine_referral_nfa": _flags(referrals["referral_nfa"]),
        "cine_referral_team": _text(referrals["allocated_team"]),
        "cine_referral_worker_id": _text(referrals["allocated_worker"]),
    })
    assessments = data.assessments
    write("ssd_cin_assessments", {
        "cina_assessment_id": [f"AS{i + 1:07d}" for i in range(len(assessments))],
        "cina_person_id": _text(assessments["child_id"]),
        "cina_referral_id": [_NULL] * len(assessments),
        "cina_assessment_start_date": _sql_dates(assessments["assessment_start_date"]),
        "cina_assessment_child_seen": _flags(assessments["child_seen"]),
        "cina_assessment_auth_date": _sql_dates(assessments["assessment_authorised_date"]),
        "cina_assessment_team": _text(assessments["allocated_team"]),
        "cina_assessment_worker_id": _text(assessments["allocated_worker"]),
    })
    visits = data.visits
    for cohort, name, prefix, bedroom in (("CLA", "ssd_cla_visits", "clav_cla", False),
                                          ("CP", "ssd_cp_visits", "cppv_cp", True),
                                          ("CIN", "ssd_cin_visits", "cinv_cin", True)):
        rows = visits.loc[visits["cohort"] == cohort]
        short = prefix.split("_")[0]
        columns = {
            f"{prefix}_visit_id": _text(rows["visit_id"]),
            f"{short}_person_id": _text(rows["child_id"]),
            f"{prefix}_visit_date": _sql_dates(rows["visit_date"]),
            f"{prefix}_visit_seen": _flags(rows["child_seen"]),
            f"{prefix}_visit_seen_alone": _flags(rows["seen_alone"]),
        }
        if bedroom:
            columns[f"{prefix}_visit_bedroom"] = _flags(rows["bedroom_seen"])
        write(name, columns)
    families = data.families
    write("ssd_family", {
        "fami_table_id": [f"FM{i + 1:07d}" for i in range(len(families))],
        "fami_family_id": _text(families["family_id"]),
        "fami_person_id": _text(families["child_id"]),
    })
    for name in REPLACED:
        (folder / name).unlink(missing_ok=True)
    return written

"""The tables of a data folder: file names, topics and the columns of each typed frame.

This is the contract between the loaders and everything else. Loaders return, per
table, a DataFrame holding exactly ``columns`` (in this order) with these kinds:
``str`` (pandas string, blank -> NA, stripped; codes upper-cased), ``date``
(datetime64, missing -> NaT), ``bool`` (pandas ``boolean``, Y/N/Yes/No/a) Yes...,
blank -> NA), ``int`` (pandas ``Int64``).

SSDA903 tables keep the DfE column names that every 903 tool and analyst uses; the
Annex A lists, whose headers are sentences, get short snake_case names.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TableSpec:
    name: str
    topic: str
    file_names: tuple[str, ...]  # default first, then accepted variants
    columns: dict[str, str]  # column -> kind (str, date, bool, int)
    required: tuple[str, ...]  # columns whose absence makes the file unusable
    description: str = ""


TABLES: dict[str, TableSpec] = {
    "header": TableSpec(
        "header",
        "placement_stability",
        ("ssda903_header.csv", "header.csv"),
        {
            "CHILD": "str", "SEX": "str", "DOB": "date", "ETHNIC": "str", "UPN": "str",
            "MOTHER": "str", "MC_DOB": "date",
        },
        ("CHILD", "DOB"),
        "SSDA903 header: one row per looked-after child",
    ),
    "episodes": TableSpec(
        "episodes",
        "placement_stability",
        ("ssda903_episodes.csv", "episodes.csv"),
        {
            "CHILD": "str", "DECOM": "date", "RNE": "str", "LS": "str", "CIN": "str",
            "PLACE": "str", "PLACE_PROVIDER": "str", "DEC": "date", "REC": "str",
            "REASON_PLACE_CHANGE": "str", "HOME_POST": "str", "PL_POST": "str", "URN": "str",
        },
        ("CHILD", "DECOM", "RNE", "LS", "PLACE", "DEC"),
        "SSDA903 episodes: one row per episode of care; blank DEC = open",
    ),
    "contacts": TableSpec(
        "contacts",
        "referrals",
        ("annex_a_list_1.csv", "annex_a.xlsx:List 1"),
        {
            "child_id": "str", "gender": "str", "ethnicity": "str", "dob": "date",
            "age": "int", "contact_date": "date", "contact_source": "str",
        },
        ("child_id", "contact_date"),
        "Annex A List 1: contacts",
    ),
    "referrals": TableSpec(
        "referrals",
        "referrals",
        ("annex_a_list_3.csv", "annex_a.xlsx:List 3"),
        {
            "child_id": "str", "gender": "str", "ethnicity": "str", "dob": "date",
            "age": "int", "referral_date": "date", "referral_source": "str",
            "referral_nfa": "bool", "referrals_last_12m": "int", "allocated_team": "str",
            "allocated_worker": "str",
        },
        ("child_id", "referral_date"),
        "Annex A List 3: referrals",
    ),
    "assessments": TableSpec(
        "assessments",
        "referrals",
        ("annex_a_list_4.csv", "annex_a.xlsx:List 4"),
        {
            "child_id": "str", "gender": "str", "ethnicity": "str", "dob": "date",
            "age": "int", "disability": "bool", "assessment_start_date": "date",
            "child_seen": "bool", "assessment_authorised_date": "date",
            "requires_support": "bool", "allocated_team": "str", "allocated_worker": "str",
        },
        ("child_id", "assessment_start_date", "assessment_authorised_date"),
        "Annex A List 4: assessments",
    ),
    "families": TableSpec(
        "families",
        "referrals",
        ("families.csv",),
        {"child_id": "str", "family_id": "str"},
        ("child_id", "family_id"),
        "Case management family membership: one row per child",
    ),
    "visits": TableSpec(
        "visits",
        "visits",
        ("visits.csv",),
        {
            "visit_id": "str", "child_id": "str", "cohort": "str", "visit_date": "date",
            "modality": "str", "method": "str", "child_seen": "bool", "seen_alone": "bool",
            "worker_id": "str", "bedroom_seen": "bool",
        },
        # modality and method are optional: the SSD visit tables do not record them
        ("visit_id", "child_id", "cohort", "visit_date"),
        "Local visits extract: one row per visit",
    ),
    "visit_methods": TableSpec(
        "visit_methods",
        "visits",
        ("visit_methods.csv",),
        {"visit_id": "str", "cohort": "str", "modality": "str", "method": "str"},
        ("visit_id", "modality", "method"),
        "How each visit was made, for visit tables that do not say (SSD): one row per visit",
    ),
    "case_audits": TableSpec(
        "case_audits",
        "audits",
        ("case_audits.csv",),
        {
            "audit_id": "str", "audit_date": "date", "audit_type": "str", "theme": "str",
            "child_id": "str", "family_id": "str", "auditor": "str", "domain": "str",
            "grade": "str",
        },
        ("audit_id", "audit_date", "audit_type", "child_id", "domain", "grade"),
        "Case audits: one row per (audit, child, domain)",
    ),
    "recommendations": TableSpec(
        "recommendations",
        "audits",
        ("recommendations.csv",),
        {
            "recommendation_id": "str", "audit_id": "str", "raised_date": "date",
            "theme": "str", "owner": "str", "due_date": "date", "status": "str",
            "completed_date": "date", "route": "str", "shared_with": "str",
        },
        ("recommendation_id", "raised_date", "due_date", "status"),
        "Audit recommendations: one row per recommendation",
    ),
    # --- issue 15: the audit programme, one row per audit (optional) ---------------------
    "audits": TableSpec(
        "audits",
        "audits",
        ("audits.csv", "audit_programme.csv"),
        {
            "audit_id": "str", "audit_type": "str", "theme": "str", "started": "date",
            "completed": "date", "auditor": "str", "method": "str", "selection": "str",
            "practice_from": "date", "practice_to": "date", "prompted_by": "str",
            "findings": "str", "areas_for_development": "str",
        },
        ("audit_id", "audit_type", "completed", "auditor"),
        "The audit programme: one row per audit (what, when, by whom, how, what was found)",
    ),
}

# Which tables each topic needs (all of them) and may use (optional extras).
TOPIC_TABLES: dict[str, tuple[str, ...]] = {
    "visits": ("visits",),
    "referrals": ("contacts", "referrals", "assessments"),
    "placement_stability": ("header", "episodes"),
    "audits": ("case_audits", "recommendations"),
}
TOPIC_OPTIONAL: dict[str, tuple[str, ...]] = {
    "visits": ("visit_methods",),
    "referrals": ("families",),
    "audits": ("families", "audits"),
}
# Optional tables whose absence leaves every report as it was: not listed as "not available"
# in a report's data-quality section (``qa-analysis validate`` still says so).
OPTIONAL_EXTRAS: tuple[str, ...] = ("audits",)
TOPICS = tuple(TOPIC_TABLES)

# Which metrics need each column (issue 11). A value that cannot be used (not a date, not a
# yes/no, outside its code list) in a column listed here sets its row aside, with the
# reason; anywhere else the value is kept as "not recorded" and reported as a warning
# ("value ignored"), so an optional column never costs a row. Columns used only to
# describe children (the profile of children moved) are not listed: a bad value there
# leaves a gap in the profile, not in a figure.
_PLACEMENT_KEYS = ("cla.*", "placements.*")
NEEDS: dict[str, dict[str, tuple[str, ...]]] = {
    "header": {
        "CHILD": ("placements.pct_long_term_stable",),
        "DOB": ("placements.pct_long_term_stable",),
    },
    "episodes": {
        "CHILD": _PLACEMENT_KEYS, "DECOM": _PLACEMENT_KEYS, "DEC": _PLACEMENT_KEYS,
        "RNE": ("placements.*",), "LS": _PLACEMENT_KEYS, "PLACE": ("placements.*",),
        "URN": ("placements.*",), "REASON_PLACE_CHANGE": ("placements.reason.<code>",),
    },
    "contacts": {
        "child_id": ("contacts.*", "referrals.pct_from_contact"),
        "contact_date": ("contacts.*", "referrals.pct_from_contact"),
        "contact_source": ("contacts.source.<code>",),
    },
    "referrals": {
        "child_id": ("referrals.*",), "referral_date": ("referrals.*",),
        "referral_nfa": ("referrals.pct_nfa",),
    },
    "assessments": {
        "child_id": ("assessments.*",), "assessment_start_date": ("assessments.*",),
        "assessment_authorised_date": ("assessments.*",),
    },
    "families": {
        "child_id": ("contacts.families", "audits.families"),
        "family_id": ("contacts.families", "audits.families"),
    },
    "visits": {
        "visit_id": ("visits.*",), "child_id": ("visits.*",), "cohort": ("visits.pct_timely",),
        "visit_date": ("visits.*",),
        "modality": ("visits.face_to_face", "visits.virtual", "visits.pct_face_to_face"),
        "method": ("visits.method.<method>",), "child_seen": ("visits.pct_seen_alone",),
        "seen_alone": ("visits.pct_seen_alone",),
    },
    "visit_methods": {
        "visit_id": ("visits.*",), "cohort": ("visits.*",),
        "modality": ("visits.face_to_face", "visits.virtual", "visits.pct_face_to_face"),
        "method": ("visits.method.<method>",),
    },
    "case_audits": {
        "audit_id": ("audits.*",), "audit_date": ("audits.*",), "audit_type": ("audits.*",),
        "child_id": ("audits.children",), "family_id": ("audits.families",),
        "domain": ("audits.grade.<grade>", "audits.pct_good_or_better"),
        "grade": ("audits.grade.<grade>", "audits.pct_good_or_better"),
    },
    "recommendations": {
        "recommendation_id": ("recommendations.*",), "raised_date": ("recommendations.*",),
        "due_date": ("recommendations.*",), "status": ("recommendations.*",),
        "completed_date": ("recommendations.*",),
        "route": ("recommendations.service_development_plan",),
    },
    # issue 15: the committee paper's paragraph per audit needs its type and completion date
    "audits": {
        "audit_id": ("the annual committee paper",), "audit_type": ("the annual committee paper",),
        "completed": ("the annual committee paper",),
    },
}


def needed(table: str, column: str) -> bool:
    """True when some metric needs ``column`` of ``table`` (see :data:`NEEDS`). A table not
    declared there yet is strict: every column counts as needed."""
    return column in NEEDS[table] if table in NEEDS else True

# Canonical values after normalisation.
GRADES = ("Outstanding", "Good", "Requires improvement", "Inadequate")
GRADE_KEYS = {
    "Outstanding": "outstanding", "Good": "good",
    "Requires improvement": "requires_improvement", "Inadequate": "inadequate",
}
VISIT_COHORTS = ("CLA", "CP", "CIN")
VISIT_MODALITIES = ("face_to_face", "virtual")
VISIT_METHODS = {
    "face_to_face": ("home", "office", "school", "other"),
    "virtual": ("zoom", "whatsapp", "teams", "facetime", "phone", "other_video"),
}
AUDIT_TYPES = ("full_case_file", "thematic", "stocktake", "dip_sample")
RECOMMENDATION_STATUSES = ("open", "in_progress", "completed")
RECOMMENDATION_ROUTES = ("case", "service_development_plan", "learning_and_development")
# audits.csv: method and selection hold one or more of these, separated by ";".
AUDIT_METHODS = (
    "case_file_review", "discussion_with_allocated_worker", "observation", "family_feedback",
    "discussion_with_manager", "performance_data",
)
AUDIT_SELECTIONS = (
    "cross_section_of_open_cases", "identified_by_managers", "all_contacts_in_window",
    "all_cases_in_window", "sample_in_window", "cases_on_theme",
)
# The roles an auditor may be given: config.AUDITOR_ROLES (Settings.auditor_roles).
SOURCE_CODES = (
    "1A", "1B", "1C", "1D", "2A", "2B", "3A", "3B", "3C", "3D", "3E", "3F", "4",
    "5A", "5B", "5C", "5D", "6", "7", "8", "9", "10",
)

# Words for codes shown to managers (domain.md 1.7 and 3.3).
REASON_PLACE_CHANGE_LABELS = {
    "CARPL": "Change to or implementation of care plan",
    "CLOSE": "Resignation or closure of provision",
    "ALLEG": "Allegation (s47)",
    "STAND": "Standards of care concern",
    "APPRR": "Approval removed",
    "CREQB": "Carer requests end: child's behaviour",
    "CREQO": "Carer requests end: other reason",
    "CHILD": "Child requests end",
    "LAREQ": "Authority requests end",
    "PLACE": "Change in status of placement only",
    "CUSTOD": "Custody arrangement",
    "OTHER": "Other",
    "not_recorded": "Not recorded",
}
SOURCE_LABELS = {
    "1A": "Family member or carer", "1B": "Acquaintance", "1C": "Self", "1D": "Other individual",
    "2A": "Schools", "2B": "Education services", "3A": "GP", "3B": "Health visitor",
    "3C": "School nurse", "3D": "Other primary health", "3E": "A&E", "3F": "Other health",
    "4": "Housing", "5A": "LA social care", "5B": "LA other internal", "5C": "LA external",
    "5D": "Early help", "6": "Police", "7": "Other legal agency", "8": "Other", "9": "Anonymous",
    "10": "Unknown",
}


def code_label(code, labels: dict) -> str:
    """``CARPL: Change to or implementation of care plan``: the code kept beside its words."""
    words = labels.get(str(code))
    return f"{code}: {words}" if words and words != str(code) else str(code)

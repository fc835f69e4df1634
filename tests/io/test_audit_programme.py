"""audits.csv (the audit programme, issue 15): its rules and the free-text identifier scan.

Small folders written out by hand; each expected row, column and rule is read off the
file text beside it.
"""

import pandas as pd

from qa_analysis.config import Settings
from qa_analysis.io import audit_programme, load_data

AUDITS_HEADER = (
    "audit_id,audit_type,theme,started,completed,auditor,method,selection,practice_from,"
    "practice_to,prompted_by,findings,areas_for_development\n"
)
CASE_AUDITS = (
    "audit_id,audit_date,audit_type,theme,child_id,family_id,auditor,domain,grade\n"
    "AU01,2020-07-31,full_case_file,,KID0001,FAM001,Auditor Quentin,overall,Good\n"
    "AU02,2020-05-29,thematic,visits,KID0002,FAM002,Auditor Quentin,overall,\n"
)
VISITS = (
    "visit_id,child_id,cohort,visit_date,modality,method,child_seen,seen_alone,worker_id\n"
    "VIS0001,KID0003,CLA,2020-05-01,virtual,zoom,Y,Y,WRK001\n"
)
GOOD_ROW = (
    "AU01,Full case file,,2020-07-01,31/07/2020,Independent auditors,"
    "Case file review; discussion with the allocated worker,"
    "cross-section of open cases; identified by managers,2020-01-01,2020-07-31,,"
    "\"Workers knew their children well.\",Record management oversight.\n"
)


def write(folder, files: dict[str, str]):
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def problems_of(data, table: str) -> list[tuple]:
    found = data.problems.loc[data.problems["table"] == table]
    return list(found[["row", "column", "rule"]].itertuples(index=False, name=None))


def counts(data, table: str) -> tuple[int, int, int]:
    row = data.summary.set_index("table").loc[table]
    return int(row.rows_read), int(row.rows_accepted), int(row.rows_set_aside)


def test_an_audit_row_is_typed_with_its_codes_and_role_normalised(tmp_path):
    write(tmp_path, {"audits.csv": AUDITS_HEADER + GOOD_ROW, "case_audits.csv": CASE_AUDITS})

    audits = load_data(tmp_path).audits

    # "Full case file" -> full_case_file; the lists become codes joined by ";"; the plural
    # role is kept plural with the settings' spelling; both date forms are read.
    assert audits.iloc[0][["audit_type", "auditor", "method", "selection"]].to_list() == [
        "full_case_file", "independent auditors",
        "case_file_review;discussion_with_allocated_worker",
        "cross_section_of_open_cases;identified_by_managers",
    ]
    assert audits.iloc[0]["completed"] == pd.Timestamp("2020-07-31")
    assert audits.iloc[0]["practice_from"] == pd.Timestamp("2020-01-01")


def test_an_auditor_outside_the_roles_is_refused_with_the_list(tmp_path):
    row = GOOD_ROW.replace("Independent auditors", "Jane Smith")
    write(tmp_path, {"audits.csv": AUDITS_HEADER + row})

    data = load_data(tmp_path)

    [(line, column, rule)] = problems_of(data, "audits")
    assert (line, column) == (2, "auditor")
    assert "independent auditor; QA service manager" in rule and "never a person's name" in rule
    assert counts(data, "audits") == (1, 0, 1)


def test_the_auditor_roles_come_from_the_settings(tmp_path):
    row = GOOD_ROW.replace("Independent auditors", "Practice Educator")
    write(tmp_path, {"audits.csv": AUDITS_HEADER + row})

    data = load_data(tmp_path, Settings(auditor_roles=("practice educator",)))

    assert data.audits["auditor"].to_list() == ["practice educator"]


def test_a_method_outside_the_list_sets_the_row_aside(tmp_path):
    row = GOOD_ROW.replace("Case file review; discussion", "Case file review; telepathy; discussion")
    write(tmp_path, {"audits.csv": AUDITS_HEADER + row})

    data = load_data(tmp_path)

    [(line, column, rule)] = problems_of(data, "audits")
    assert (line, column) == (2, "method") and "case file review; discussion with allocated worker" in rule


def test_free_text_naming_a_child_of_the_data_folder_is_refused_with_the_row(tmp_path):
    # KID0003 is a child of visits.csv (not audited): row 3's findings name that child
    named = GOOD_ROW.replace("AU01", "AU02").replace("Workers knew their children well.",
                                                      "Kid0003 was seen alone.")
    write(tmp_path, {"audits.csv": AUDITS_HEADER + GOOD_ROW + named, "case_audits.csv": CASE_AUDITS,
                     "visits.csv": VISITS})

    data = load_data(tmp_path)

    [(line, column, rule)] = problems_of(data, "audits")
    assert (line, column) == (3, "findings")
    assert "names an identifier found in the data folder" in rule and "KID0003" not in rule
    assert data.audits["audit_id"].to_list() == ["AU01"]


def test_free_text_naming_a_worker_or_auditor_is_refused(tmp_path):
    # WRK001 is a worker of visits.csv; "Auditor Quentin" an auditor of case_audits.csv
    rows = (GOOD_ROW.replace("Record management oversight.", "Discussed with wrk001.")
            + GOOD_ROW.replace("AU01", "AU02").replace(",,\"Workers", ",a request by auditor quentin,\"Workers"))
    write(tmp_path, {"audits.csv": AUDITS_HEADER + rows, "case_audits.csv": CASE_AUDITS, "visits.csv": VISITS})

    data = load_data(tmp_path)

    assert [(r, c) for r, c, _ in problems_of(data, "audits")] == [(2, "areas_for_development"), (3, "prompted_by")]


def test_recommendations_shared_with_naming_a_child_is_refused(tmp_path):
    recs = (
        "recommendation_id,audit_id,raised_date,theme,owner,due_date,status,completed_date,route,shared_with\n"
        "RE01,AU01,2020-08-05,planning,Team Manager,2020-09-30,open,,learning_and_development,team managers\n"
        "RE02,AU01,2020-08-05,planning,Team Manager,2020-09-30,open,,case,the carers of KID0002\n"
    )
    write(tmp_path, {"recommendations.csv": recs, "case_audits.csv": CASE_AUDITS})

    data = load_data(tmp_path)

    assert [(r, c) for r, c, _ in problems_of(data, "recommendations")] == [(3, "shared_with")]
    assert data.recommendations["route"].to_list() == ["learning_and_development"]


def test_short_identifiers_and_years_are_not_looked_for_in_free_text(tmp_path):
    # a child id "2020" (a number under five digits) must not refuse "In 2020 ..."
    visits = VISITS.replace("KID0003", "2020")
    row = GOOD_ROW.replace("Workers knew their children well.", "In 2020 workers knew their children well.")
    write(tmp_path, {"audits.csv": AUDITS_HEADER + row, "visits.csv": visits})

    assert problems_of(load_data(tmp_path), "audits") == []


def test_completed_before_started_is_set_aside(tmp_path):
    row = GOOD_ROW.replace("2020-07-01,31/07/2020", "2020-08-01,31/07/2020")
    write(tmp_path, {"audits.csv": AUDITS_HEADER + row})

    assert [(r, c) for r, c, _ in problems_of(load_data(tmp_path), "audits")] == [(2, "completed")]


def test_without_audits_csv_the_programme_is_unavailable_and_nothing_else_changes(tmp_path):
    write(tmp_path, {"case_audits.csv": CASE_AUDITS})

    data = load_data(tmp_path)

    assert data.audits is None and "audits" in data.unavailable
    assert counts(data, "case_audits") == (2, 2, 0)


def test_the_phrases_looked_for_are_the_runs_of_words_of_the_text_worth_looking_for():
    # "Seen by Jo-Ann": runs of 1 to 3 words, casefolded; "by" (under four letters) left out
    found = audit_programme.phrases_looked_for(["Seen by Jo-Ann", None])

    assert found == {"seen", "jo-ann", "seen by", "by jo-ann", "seen by jo-ann"}


def test_identifiers_are_matched_whatever_their_case_spacing_and_letters():
    # one-word ASCII ids in any case; a name with two spaces and a non-ASCII letter; a
    # hyphenated id; the first table and column holding a phrase is named
    tables = {
        "contacts": pd.DataFrame({"child_id": ["KID0001", "kid0002", None]}),
        "visits": pd.DataFrame({"visit_id": ["VIS-0001", "VIS0002", "VIS0003"],
                                "child_id": ["KID0002", "KID0009", "KID0009"],
                                "worker_id": ["Zoë  Hart", "W0001", "W0001"]}),
    }
    looked_for = {"kid0002", "vis-0001", "zoë hart", "kid0009", "w0002", "kid0001 was"}

    known = audit_programme.identifiers_in(tables, looked_for)

    assert known == {"kid0002": "child_id in contacts", "vis-0001": "visit_id in visits",
                     "kid0009": "child_id in visits", "zoë hart": "worker_id in visits"}


def test_the_same_free_text_on_many_rows_is_refused_on_each_row(tmp_path):
    recs = (
        "recommendation_id,audit_id,raised_date,theme,owner,due_date,status,completed_date,route,shared_with\n"
        "RE01,AU01,2020-08-05,planning,Team Manager,2020-09-30,open,,case,the carers of KID0002\n"
        "RE02,AU01,2020-08-05,planning,Team Manager,2020-09-30,open,,learning_and_development,team managers\n"
        "RE03,AU01,2020-08-05,planning,Team Manager,2020-09-30,open,,case,the carers of KID0002\n"
    )
    write(tmp_path, {"recommendations.csv": recs, "case_audits.csv": CASE_AUDITS})

    data = load_data(tmp_path)

    assert [(r, c) for r, c, _ in problems_of(data, "recommendations")] == [(2, "shared_with"), (4, "shared_with")]


def test_the_identifier_columns_are_scanned_once_for_both_free_text_files(tmp_path, monkeypatch):
    # recommendations.csv then audits.csv look for their phrases in visits (3 columns) and
    # case_audits (3): once each; recommendations' owner twice (as read, then as accepted)
    recs = (
        "recommendation_id,audit_id,raised_date,theme,owner,due_date,status,completed_date,route,shared_with\n"
        "RE01,AU01,2020-08-05,planning,Team Manager,2020-09-30,open,,case,the carers of KID0003\n"
    )
    named = GOOD_ROW.replace("AU01", "AU02").replace("Workers knew their children well.", "Kid0003 was seen.")
    write(tmp_path, {"audits.csv": AUDITS_HEADER + GOOD_ROW + named, "recommendations.csv": recs,
                     "case_audits.csv": CASE_AUDITS, "visits.csv": VISITS})
    scanned = []
    real = audit_programme._identifier_phrases
    monkeypatch.setattr(audit_programme, "_identifier_phrases",
                        lambda values, looked_for: scanned.append(values.name) or real(values, looked_for))

    data = load_data(tmp_path)

    assert sorted(scanned) == sorted(["visit_id", "child_id", "worker_id", "child_id", "family_id",
                                      "auditor", "owner", "owner"])
    assert [(r, c) for r, c, _ in problems_of(data, "recommendations")] == [(2, "shared_with")]
    assert [(r, c) for r, c, _ in problems_of(data, "audits")] == [(3, "findings")]

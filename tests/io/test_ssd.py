"""The Standard Safeguarding Dataset's tables as inputs (issue 11; io/ssd.py)."""

import pandas as pd
import pytest

from qa_analysis.demo import write_demo_data
from qa_analysis.io import load_data
from qa_analysis.metrics import quarter_metrics
from qa_analysis.metrics.visits import MODALITY_KEYS, NOT_RECORDED_NOTE
from qa_analysis.periods import year_quarters

VISITS_HEADER = "visit_id,child_id,cohort,visit_date,modality,method,child_seen,seen_alone,worker_id\n"


def write(folder, name, text):
    (folder / name).write_text(text, encoding="utf-8")


def test_ssd_visit_tables_are_one_visits_table_with_the_cohort_from_the_table(tmp_path):
    write(tmp_path, "ssd_cla_visits.csv",
          "clav_cla_visit_id,clav_cla_id,clav_person_id,clav_cla_visit_date,clav_cla_visit_seen,"
          "clav_cla_visit_seen_alone\n"
          "11,E1,P1,2021-01-05 10:30:00.000,Y,N\n")
    write(tmp_path, "ssd_cp_visits.csv",
          "cppv_cp_visit_id,cppv_person_id,cppv_cp_plan_id,cppv_cp_visit_date,cppv_cp_visit_seen,"
          "cppv_cp_visit_seen_alone,cppv_cp_visit_bedroom\n"
          "21,P2,CP1,2021-01-06 09:00:00.000,Y,Y,Y\n"
          "22,P2,CP1,2021-01-20 00:00:00.000,N,NULL,NULL\n")

    data = load_data(tmp_path)

    visits = data.visits.sort_values("visit_id").reset_index(drop=True)
    assert visits["cohort"].tolist() == ["CLA", "CP", "CP"]
    assert visits["visit_date"].tolist() == pd.to_datetime(
        ["2021-01-05", "2021-01-06", "2021-01-20"]).tolist()
    pd.testing.assert_extension_array_equal(  # CLA visits have no bedroom column
        visits["bedroom_seen"].array, pd.array([None, True, None], dtype="boolean"))
    assert visits["modality"].isna().all() and visits["method"].isna().all()
    assert int(data.summary["rows_set_aside"].sum()) == 0
    assert set(data.recognised.loc[data.recognised["layout"] == "SSD", "table"]) == {"visits"}


def test_visit_methods_file_adds_modality_and_method_to_ssd_visits(tmp_path):
    write(tmp_path, "ssd_cla_visits.csv",
          "clav_cla_visit_id,clav_person_id,clav_cla_visit_date,clav_cla_visit_seen,"
          "clav_cla_visit_seen_alone\n11,P1,05/01/2021,Y,N\n12,P1,06/01/2021,Y,N\n")
    write(tmp_path, "visit_methods.csv", "visit_id,modality,method\n11,virtual,Teams\n")

    data = load_data(tmp_path)

    visits = data.visits.set_index("visit_id")
    assert visits.loc["11", "modality"] == "virtual" and visits.loc["11", "method"] == "teams"
    assert pd.isna(visits.loc["12", "modality"])  # no method row: not recorded


def test_ssd_family_and_contacts_map_to_families_and_contacts(tmp_path):
    write(tmp_path, "ssd_family.csv", "fami_table_id,fami_family_id,fami_person_id\nT1,F9,P1\n")
    write(tmp_path, "ssd_contacts_v.csv",
          "cont_contact_id,cont_person_id,cont_contact_date,cont_contact_source_code\n"
          "K1,P1,2020-10-02 00:00:00.000,6\n")

    data = load_data(tmp_path)

    assert data.families[["child_id", "family_id"]].values.tolist() == [["P1", "F9"]]
    assert data.contacts[["child_id", "contact_source"]].values.tolist() == [["P1", "6"]]


def test_where_both_layouts_hold_a_table_the_standard_file_is_used_and_said(tmp_path):
    write(tmp_path, "families.csv", "child_id,family_id\nC1,F1\n")
    write(tmp_path, "ssd_family.csv", "fami_family_id,fami_person_id\nF9,P1\n")

    data = load_data(tmp_path)

    assert data.families["child_id"].tolist() == ["C1"]
    status = data.recognised.set_index("file")["status"]
    assert status["ssd_family.csv"] == "not used: families.csv was used for families"


def test_missing_ssd_column_is_named_as_the_ssd_writes_it(tmp_path):
    write(tmp_path, "ssd_cla_visits.csv", "clav_cla_visit_id,clav_person_id\n11,P1\n")

    with pytest.raises(Exception) as caught:
        load_data(tmp_path)

    assert "clav_cla_visit_date (visit_date)" in str(caught.value)


@pytest.fixture(scope="module")
def layouts(tmp_path_factory):
    """The demo data in both layouts, from the same seed."""
    standard, ssd = tmp_path_factory.mktemp("standard"), tmp_path_factory.mktemp("ssd")
    write_demo_data(standard)
    write_demo_data(ssd, layout="ssd")
    return load_data(standard), load_data(ssd)


def test_ssd_layout_gives_the_standard_layouts_figures_without_modality(layouts):
    standard, ssd = layouts
    for quarter in year_quarters("2020-21"):
        expected = quarter_metrics(standard, quarter).metrics
        # how visits were made is not in the SSD: those keys are absent, not 0
        expected = {k: v for k, v in expected.items()
                    if k not in MODALITY_KEYS and not k.startswith("visits.method.")}
        result = quarter_metrics(ssd, quarter)

        assert result.metrics == expected
        assert NOT_RECORDED_NOTE in result.notes


def test_ssd_layout_sets_nothing_aside(layouts):
    _, ssd = layouts
    assert int(ssd.summary["rows_set_aside"].sum()) == 0
    assert len(ssd.warnings) == 0

"""Files as case-management systems and SQL Server export them (issue 11): each variant
reads to the same typed table as the clean file, with nothing set aside."""

import pandas as pd
import pytest

from qa_analysis.io import load_data
from qa_analysis.io.loaders import all_problems, tally, write_problems

EPISODES_HEADER = ("CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,"
                   "HOME_POST,PL_POST,URN\n")
VISITS_HEADER = "visit_id,child_id,cohort,visit_date,modality,method,child_seen,seen_alone,worker_id\n"


def load_one(folder, name, text, **kwargs):
    (folder / name).write_text(text, encoding="utf-8")
    return load_data(folder, **kwargs)


def set_aside(data) -> int:
    return int(data.summary["rows_set_aside"].sum())


@pytest.fixture
def two(tmp_path):
    """Two empty folders: the clean file and its export variant."""
    (tmp_path / "clean").mkdir()
    (tmp_path / "variant").mkdir()
    return tmp_path / "clean", tmp_path / "variant"


def test_null_written_for_a_blank_reads_as_blank(two):
    clean, variant = two
    rows = ["101,01/04/2019,S,C2,N1,U4,PR1,{dec},{rec},,,,SC1\n",
            "102,01/05/2019,S,V2,N2,U6,{blank},{blank},{blank},{blank},{blank},{blank},{blank}\n"]
    clean_text = EPISODES_HEADER + rows[0].format(dec="", rec="") + rows[1].format(blank="")
    variant_text = (EPISODES_HEADER + rows[0].format(dec="NULL", rec="null")
                    + rows[1].format(blank="#N/A").replace("#N/A,#N/A,#N/A,#N/A", "N/A,NULL,#N/A,n/a"))

    expected = load_one(clean, "ssda903_episodes.csv", clean_text).episodes
    data = load_one(variant, "ssda903_episodes.csv", variant_text)

    pd.testing.assert_frame_equal(data.episodes, expected)
    assert set_aside(data) == 0
    assert pd.isna(data.episodes.loc[0, "DEC"])  # DEC NULL: the episode is open


def test_blank_values_are_a_setting(two):
    clean, variant = two
    clean_text = "child_id,family_id\nC1,F1\nC2,\n"
    variant_text = "child_id,family_id\nC1,F1\nC2,missing\n"

    expected = load_one(clean, "families.csv", clean_text)
    data = load_one(variant, "families.csv", variant_text, blank_values=["MISSING"])

    # C2 has no family in both: a blank family_id is a required value, so C2 is set aside
    assert data.families.equals(expected.families)
    assert data.problems["value"].tolist() == ["missing"]


def test_dates_as_dd_mm_yy_take_19yy_where_20yy_would_be_later_than_the_file(two):
    clean, variant = two
    clean_text = "CHILD,SEX,DOB\n101,1,05/06/1998\n102,2,01/02/2015\n103,1,31/12/2017\n"
    # the latest date of another kind is 31/12/2017, so 05/06/98 cannot be 2098: 1998;
    # 01/02/15 -> 2015 (not later than 2017)
    variant_text = "CHILD,SEX,DOB\n101,1,05/06/98\n102,2,01/02/15\n103,1,31/12/2017\n"

    expected = load_one(clean, "ssda903_header.csv", clean_text).header
    data = load_one(variant, "ssda903_header.csv", variant_text)

    pd.testing.assert_frame_equal(data.header, expected)
    assert set_aside(data) == 0
    assert data.notes[["column", "note", "rows"]].values.tolist() == [
        ["DOB", "dates read as dd/mm/yy", 2]]


def test_sql_datetimes_and_excel_serials_read_as_their_date(two):
    clean, variant = two
    clean_text = (VISITS_HEADER + "V1,C1,CLA,2021-01-05,face_to_face,home,Y,Y,W1\n"
                  + "V2,C1,CLA,2021-01-06,virtual,zoom,Y,N,W1\n"
                  + "V3,C2,CP,2020-03-10,virtual,teams,Y,N,W1\n")
    # 43900 days after 1899-12-30 is 2020-03-10 (Excel's serial for that date)
    variant_text = (VISITS_HEADER + "V1,C1,CLA,2021-01-05 10:30:00.000,face_to_face,home,Y,Y,W1\n"
                    + "V2,C1,CLA,06/01/2021 09:15,virtual,zoom,Y,N,W1\n"
                    + "V3,C2,CP,43900,virtual,teams,Y,N,W1\n")

    expected = load_one(clean, "visits.csv", clean_text).visits
    data = load_one(variant, "visits.csv", variant_text)

    pd.testing.assert_frame_equal(data.visits, expected)
    assert set_aside(data) == 0
    assert data.notes["rows"].tolist() == [1, 1, 1]  # one visit through each fallback form


def test_code_outside_its_list_in_a_column_no_metric_needs_is_ignored_not_the_row(two):
    clean, variant = two
    clean_text = EPISODES_HEADER + "101,01/04/2019,S,C2,N1,U4,,,,,,,SC1\n"
    variant_text = EPISODES_HEADER + "101,01/04/2019,S,C2,N1,U4,PRX,,Z9,,,,SC1\n"

    expected = load_one(clean, "ssda903_episodes.csv", clean_text).episodes
    data = load_one(variant, "ssda903_episodes.csv", variant_text)

    pd.testing.assert_frame_equal(data.episodes, expected)
    assert set_aside(data) == 0
    assert data.warnings[["row", "column", "value", "rule"]].values.tolist() == [
        [2, "PLACE_PROVIDER", "PRX", "PLACE_PROVIDER is not a known code: value ignored"],
        [2, "REC", "Z9", "REC is not a known code: value ignored"],
    ]
    assert data.summary["values_ignored"].tolist() == [2]


def test_code_outside_its_list_in_a_column_a_metric_needs_sets_the_row_aside(tmp_path):
    data = load_one(tmp_path, "ssda903_episodes.csv",
                    EPISODES_HEADER + "101,01/04/2019,S,C2,N1,XX,,,,,,,SC1\n")

    assert data.problems[["column", "value"]].values.tolist() == [["PLACE", "XX"]]
    assert set_aside(data) == 1


def test_bad_date_of_birth_on_a_contact_is_ignored_as_no_metric_needs_it(tmp_path):
    data = load_one(tmp_path, "annex_a_list_1.csv",
                    "Child Unique ID,Date of Birth,Date of Contact,Contact Source\n"
                    "C1,31/02/2015,01/04/2020,6\n")

    assert len(data.contacts) == 1
    assert pd.isna(data.contacts.loc[0, "dob"])
    assert data.warnings["column"].tolist() == ["Date of Birth"]


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_separated_files_load(two, delimiter):
    clean, variant = two
    clean_text = "child_id,family_id\nC1,F1\nC2,F1\n"

    expected = load_one(clean, "families.csv", clean_text).families
    data = load_one(variant, "families.csv", clean_text.replace(",", delimiter))

    pd.testing.assert_frame_equal(data.families, expected)


def test_header_problem_shows_the_headers_found(tmp_path):
    (tmp_path / "families.csv").write_text("child|family\nC1|F1\n")

    with pytest.raises(Exception) as caught:
        load_data(tmp_path)

    assert "headers found: child|family" in str(caught.value)


def test_ragged_row_is_set_aside_with_its_line_number_and_counts_add_up(tmp_path):
    data = load_one(tmp_path, "families.csv", "child_id,family_id\nC1,F1\nC2,F2,extra\nC3,F3\n")

    assert data.families["child_id"].tolist() == ["C1", "C3"]
    assert data.problems[["row", "rule"]].values.tolist() == [
        [3, "the line has 3 fields but the header has 2"]]
    row = data.summary.iloc[0]
    assert (row.rows_read, row.rows_accepted, row.rows_set_aside) == (3, 2, 1)


def test_trailing_end_of_file_character_is_ignored(two):
    clean, variant = two
    text = "child_id,family_id\nC1,F1\nC2,F2\n"

    expected = load_one(clean, "families.csv", text).families
    data = load_one(variant, "families.csv", text + "\x1a")

    pd.testing.assert_frame_equal(data.families, expected)
    assert set_aside(data) == 0


def test_problems_file_holds_every_problem_and_the_tally_adds_up(tmp_path):
    data = load_one(tmp_path, "ssda903_episodes.csv", EPISODES_HEADER
                    + "101,01/04/2019,S,C2,N1,XX,,,,,,,SC1\n"
                    + "102,01/04/2019,S,C2,N1,YY,PRX,,,,,,SC1\n"
                    + "103,31/02/2019,S,C2,N1,U4,,,,,,,SC1\n")
    out = tmp_path / "out.csv"

    written = write_problems(data, out)

    # rows 2 and 3: PLACE unknown (set aside); row 3 PRX ignored; row 4 bad DECOM (set aside)
    on_disk = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert written == len(on_disk) == 4
    assert on_disk["action"].tolist().count("value ignored") == 1
    counted = tally(data)
    assert counted["count"].sum() == len(all_problems(data))
    assert counted.loc[counted["rule"] == "PLACE is not a known code", "count"].tolist() == [2]

"""Raw readers: encodings, unreadable and empty files, header and sheet matching."""

import numpy as np
import pandas as pd
import pytest

from qa_analysis.errors import DataFileError
from qa_analysis.io.readers import match_sheet, normalise_header, read_csv_text


def test_csv_saved_by_excel_as_utf8_with_bom_keeps_its_first_header(tmp_path):
    path = tmp_path / "families.csv"
    path.write_bytes(b"\xef\xbb\xbfchild_id,family_id\r\nC1,F1\r\n")

    raw = read_csv_text(path)

    assert list(raw.frame.columns) == ["child_id", "family_id"]


def test_csv_saved_as_windows_1252_reads_accented_names(tmp_path):
    path = tmp_path / "case_audits.csv"
    # "Zoë Brontë" in Windows-1252: e-diaeresis is the single byte 0xEB
    path.write_bytes(b"audit_id,auditor\r\nA1,Zo\xeb Bront\xeb\r\n")

    raw = read_csv_text(path)

    assert raw.frame.loc[0, "auditor"] == "Zoë Brontë"


def test_blank_lines_are_dropped_but_line_numbers_stay_true(tmp_path):
    path = tmp_path / "families.csv"
    path.write_text("child_id,family_id\nC1,F1\n\nC2,F2\n")

    raw = read_csv_text(path)

    # header = line 1, C1 on line 2, blank line 3, C2 on line 4
    np.testing.assert_array_equal(raw.rows, [2, 4])
    assert raw.frame["child_id"].tolist() == ["C1", "C2"]


def test_values_are_read_as_text_exactly_as_written(tmp_path):
    path = tmp_path / "ssda903_header.csv"
    path.write_text("CHILD,SEX,DOB\n007,1,01/02/2010\n")

    raw = read_csv_text(path)

    pd.testing.assert_frame_equal(
        raw.frame,
        pd.DataFrame({"CHILD": ["007"], "SEX": ["1"], "DOB": ["01/02/2010"]}, dtype=str),
    )


def test_binary_file_is_unreadable_with_a_one_line_message(tmp_path):
    path = tmp_path / "visits.csv"
    path.write_bytes(bytes(range(256)) * 4)

    with pytest.raises(DataFileError) as caught:
        read_csv_text(path)

    assert str(caught.value) == "visits.csv: is not a text CSV file (it holds binary data)"


def test_workbook_saved_under_a_csv_name_is_named_as_such(tmp_path):
    path = tmp_path / "visits.csv"
    path.write_bytes(b"PK\x03\x04" + b"\x14" * 60)

    with pytest.raises(DataFileError, match="^visits.csv: is an Excel file, not a CSV"):
        read_csv_text(path)


@pytest.mark.parametrize("content", [b"", b"\r\n\r\n  "], ids=["zero bytes", "blank lines"])
def test_empty_file_is_an_error_naming_the_file(tmp_path, content):
    path = tmp_path / "visits.csv"
    path.write_bytes(content)

    with pytest.raises(DataFileError) as caught:
        read_csv_text(path)

    assert str(caught.value) == "visits.csv: is empty: expected a header line and data rows"
    assert "\n" not in str(caught.value)


def test_a_line_with_too_many_fields_is_listed_with_its_line_number_not_read(tmp_path):
    path = tmp_path / "families.csv"
    path.write_text('child_id,family_id\nC1,F1\nC2,F2,"x",y\nC3,F3\n')

    raw = read_csv_text(path)

    # line 3 has 4 fields against the header's 2; C3 is on line 4
    assert raw.ragged == ((3, 4),)
    assert raw.frame["child_id"].tolist() == ["C1", "C3"]
    np.testing.assert_array_equal(raw.rows, [2, 4])


@pytest.mark.parametrize(
    "header, expected",
    [
        ("Child Unique ID", "childuniqueid"),
        ("Referral NFA? ", "referralnfa"),
        ("Age of Child (Years)", "ageofchildyears"),
        ("visit_date", "visitdate"),
    ],
)
def test_normalise_header_keeps_lowercase_alphanumerics(header, expected):
    assert normalise_header(header) == expected


@pytest.mark.parametrize(
    "sheets, number, expected",
    [
        (["List 1", "List 10", "List 11"], 1, "List 1"),
        (["List_10", "List_1"], 1, "List_1"),
        (["list3"], 3, "list3"),
        (["Cover", "List 4 - Assessments"], 4, "List 4 - Assessments"),
        (["List 10", "List 11"], 1, None),
    ],
)
def test_match_sheet_is_tolerant_but_does_not_confuse_list_1_and_list_10(sheets, number, expected):
    assert match_sheet(sheets, number) == expected

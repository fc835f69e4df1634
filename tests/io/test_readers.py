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


# --- the fast path (pyarrow) against the pandas path (issue 12 item 6) ---------------------
from qa_analysis.io import readers  # noqa: E402
from qa_analysis.io.loaders import load_data  # noqa: E402
from qa_analysis.io.schemas import categorical_text, encoded_columns, repetitive_columns  # noqa: E402

VISITS_HEADER = "visit_id,child_id,cohort,visit_date,modality,method,child_seen,seen_alone,worker_id\n"


def _load_both_ways(folder, monkeypatch, **kwargs):
    """load_data through pyarrow, then through pandas only (the fast reader switched off)."""
    fast = load_data(folder, **kwargs)
    with monkeypatch.context() as patch:
        patch.setattr(readers, "_read_csv_arrow", lambda *args: None)
        slow = load_data(folder, **kwargs)
    return fast, slow


def test_fast_path_reports_each_bad_value_by_file_row_and_column(tmp_path, monkeypatch):
    (tmp_path / "visits.csv").write_text(
        VISITS_HEADER
        + "V1,C1,CLA,2020-04-01,face_to_face,home,Y,Y,W1\n"  # line 2: fine
        + "V2,C1,CLA,31/02/2020,face_to_face,home,Y,Y,W1\n"  # line 3: no 31 February
        + "V3,C2,CP,2020-04-02,virtual,zoom,maybe,N,W1\n"  # line 4: not a yes/no
        + "V2,C2,CIN,2020-04-03,virtual,phone,N,N,W2\n"  # line 5: V2 again
        + "V5,C3,XX,NULL,face_to_face,home,Y,N,W2\n"  # line 6: unknown cohort, blank date
    )

    fast, slow = _load_both_ways(tmp_path, monkeypatch)

    got = fast.problems[["file", "row", "column", "value", "rule"]]
    # by hand: one problem per bad value, on the line the user sees (header = line 1)
    assert got.to_dict("list") == {
        "file": ["visits.csv"] * 5,
        "row": [3, 4, 5, 6, 6],
        "column": ["visit_date", "child_seen", "visit_id", "cohort", "visit_date"],
        "value": ["31/02/2020", "maybe", "V2", "XX", "NULL"],
        "rule": [
            "visit_date is not a valid date (dd/mm/YYYY, YYYY-MM-DD, dd/mm/yy, with or without a time)",
            "child_seen is not a yes/no value (Y, N, Yes, No)",
            "duplicate visit_id: an earlier row has the same",
            "cohort is not a known code",
            "visit_date is blank",
        ],
    }
    pd.testing.assert_frame_equal(fast.problems, slow.problems)
    pd.testing.assert_frame_equal(fast.tables["visits"], slow.tables["visits"])
    pd.testing.assert_frame_equal(fast.summary, slow.summary)
    pd.testing.assert_frame_equal(fast.notes, slow.notes)


def test_fast_path_types_annex_a_values_as_the_pandas_path_does(tmp_path, monkeypatch):
    (tmp_path / "annex_a_list_3.csv").write_text(
        "Child Unique ID,Gender,Age of Child (Years),Date of Referral,Referral Source,Referral NFA?\n"
        "C1,a) Male,6.14,01/04/2020,q) 6: Police,a) Yes\n"
        "C2,b) Female,seven,2020-04-02 10:30:00,1a,No\n"  # age not a number; a time dropped
        "C3,N/A,12,05/06/20,#N/A,n/a\n"  # blank tokens; a dd/mm/yy date
    )

    fast, slow = _load_both_ways(tmp_path, monkeypatch)

    referrals = fast.tables["referrals"]
    # by hand: 6.14 is truncated to 6; '1a' is code 1A; N/A, #N/A, n/a read as blank
    assert referrals["age"].tolist() == [6, pd.NA, 12]
    assert referrals["referral_source"].tolist() == ["6", "1A", pd.NA]
    assert referrals["referral_nfa"].tolist() == [True, False, pd.NA]
    assert fast.warnings[["row", "column", "value"]].to_dict("list") == {
        "row": [3], "column": ["Age of Child (Years)"], "value": ["seven"]}
    pd.testing.assert_frame_equal(referrals, slow.tables["referrals"])
    pd.testing.assert_frame_equal(fast.warnings, slow.warnings)
    pd.testing.assert_frame_equal(fast.notes, slow.notes)


def test_a_duplicate_in_an_unsorted_file_is_found_as_in_a_sorted_one(tmp_path, monkeypatch):
    (tmp_path / "families.csv").write_text(
        "child_id,family_id\nC3,F1\nC1,F1\nC3,F2\nC2,F2\n"  # C3 again on line 4
    )

    fast, slow = _load_both_ways(tmp_path, monkeypatch)

    assert fast.problems[["row", "value"]].to_dict("list") == {"row": [4], "value": ["C3"]}
    pd.testing.assert_frame_equal(fast.problems, slow.problems)


@pytest.mark.parametrize("content", [
    b"\xef\xbb\xbfchild_id,family_id\r\nC1,F1\r\nC2,F2\r\n",  # Excel CSV UTF-8 with BOM
    b"child_id;family_id\nC1;F1\n\n C2 ;F2\n",  # semicolons, a blank line, spaces
    b"child_id,family_id\nC1,\"F1\nstill F1\"\nC2,F2\x1a",  # a newline in quotes, Ctrl-Z
], ids=["bom", "semicolons and a blank line", "quoted newline and ctrl-z"])
def test_fast_path_reads_what_the_pandas_path_reads(tmp_path, content):
    path = tmp_path / "families.csv"
    path.write_bytes(content)

    fast = read_csv_text(path)
    slow = read_csv_text(path, fast=False)

    assert fast.engine == "pyarrow" and slow.engine == "pandas"
    pd.testing.assert_frame_equal(fast.frame, slow.frame)
    np.testing.assert_array_equal(fast.rows, slow.rows)
    assert fast.delimiter == slow.delimiter


@pytest.mark.parametrize("content", [
    b"child_id,family_id\nC1,F1\nC2,F2,extra\n",  # a ragged line
    b"child_id,family_id\nC1,F1\nC2\n",  # a short line, padded by pandas
    b"audit_id,auditor\nA1,Zo\xeb\n",  # Windows-1252
    b"child_id,family_id\nC1,F1\n\x1a",  # a Ctrl-Z line
    b"child_id,family_id",  # a header and no newline
], ids=["ragged", "short", "cp1252", "ctrl-z line", "header only"])
def test_files_pyarrow_cannot_read_exactly_fall_back_to_pandas(tmp_path, content):
    path = tmp_path / "families.csv"
    path.write_bytes(content)

    raw = read_csv_text(path)

    assert raw.engine == "pandas"
    pd.testing.assert_frame_equal(raw.frame, read_csv_text(path, fast=False).frame)


def test_encoded_columns_arrive_as_categoricals_of_their_text(tmp_path):
    path = tmp_path / "visits.csv"
    path.write_text(VISITS_HEADER + "V1,C1,CLA,2020-04-01,face_to_face,home,Y,,W1\n")

    raw = read_csv_text(path, repetitive_columns("visits"), encoded_columns("visits"))

    kinds = {c: isinstance(raw.frame[c].dtype, pd.CategoricalDtype) for c in raw.frame.columns}
    # codes, dates and yes/no encoded; identifiers (visit_id, child_id, worker_id) plain text
    assert kinds == {"visit_id": False, "child_id": False, "cohort": True, "visit_date": True,
                     "modality": True, "method": True, "child_seen": True, "seen_alone": True,
                     "worker_id": False}
    assert raw.frame["seen_alone"].tolist() == [""]


def test_categorical_text_equals_astype_string():
    values = pd.Series(pd.Categorical.from_codes([1, -1, 0, 1], pd.Index(["a", "b"], dtype="string")))

    pd.testing.assert_series_equal(categorical_text(values), values.astype("string"))


def test_fast_path_strips_identifiers_written_with_spaces(tmp_path, monkeypatch):
    (tmp_path / "families.csv").write_text("child_id,family_id\n C1,F1\nC2 ,F1\nC3,F2\n")

    fast, slow = _load_both_ways(tmp_path, monkeypatch)

    assert fast.tables["families"]["child_id"].tolist() == ["C1", "C2", "C3"]
    pd.testing.assert_frame_equal(fast.tables["families"], slow.tables["families"])


def test_text_bytes_outside_finds_a_byte_in_any_chunk_and_nothing_in_clean_text():
    # Arrange: allowed bytes are 0-9 and A-Z: 0x30 to 0x5A without the hole 0x3A-0x40
    # (: ; < = > ? @); the second chunk holds a space (0x20, below 0x30), the third a "?"
    import pyarrow as pa

    from qa_analysis.io.readers import text_bytes_outside

    clean = [pa.array(["AB1", None, "C2"], type=pa.large_string())]
    spaced = [*clean, pa.array(["D 4"], type=pa.string())]
    asked = [*clean, pa.array(["E?5"], type=pa.string())]

    # Act / Assert
    assert text_bytes_outside(clean, 0x30, 0x5A, ((0x3A, 0x40),)) is False
    assert text_bytes_outside(spaced, 0x30, 0x5A, ((0x3A, 0x40),)) is True
    assert text_bytes_outside(asked, 0x30, 0x5A, ((0x3A, 0x40),)) is True


def test_a_quoted_value_may_hold_a_line_break_and_later_rows_keep_their_line_numbers(tmp_path):
    # Arrange: line 2 holds a quoted value over two lines (2 and 3); the next row starts on
    # line 4. A file with a quote is parsed with quotes honoured.
    path = tmp_path / "recommendations.csv"
    path.write_text('id,text\nR1,"first line\nsecond line"\nR2,plain\n')

    # Act
    raw = read_csv_text(path)

    # Assert
    assert raw.frame["text"].tolist() == ["first line\nsecond line", "plain"]
    assert raw.frame["id"].tolist() == ["R1", "R2"]


def test_a_file_without_quotes_keeps_apostrophes_and_commas_as_written(tmp_path):
    # Arrange: no double quote anywhere (the quote-free fast parse); an apostrophe is text
    path = tmp_path / "recommendations.csv"
    path.write_text("id,text\nR1,child's plan\nR2,\n")

    # Act
    raw = read_csv_text(path)

    # Assert
    assert raw.frame["text"].tolist() == ["child's plan", ""]
    assert raw.rows.tolist() == [2, 3]


def test_quotes_after_the_sniffed_head_are_still_honoured(tmp_path):
    # Arrange: plain rows beyond the head read to sniff the delimiter, then a quoted value
    # holding a comma (a quote-free parse would see one field too many), one holding a line
    # break, and one merely quoted (a quote-free parse would keep the quotes as text)
    from qa_analysis.io.readers import _SNIFF_BYTES

    plain = "".join(f"R{i},plain text\n" for i in range(_SNIFF_BYTES // 10))
    path = tmp_path / "recommendations.csv"
    path.write_text("id,text\n" + plain + 'Q1,"a, b"\nQ2,"two\nlines"\nQ3,"quoted"\n')

    # Act
    raw = read_csv_text(path)

    # Assert: the last three values as written inside their quotes
    n = _SNIFF_BYTES // 10
    assert raw.frame["text"].tolist()[-3:] == ["a, b", "two\nlines", "quoted"]
    assert raw.frame["id"].tolist()[-3:] == ["Q1", "Q2", "Q3"]
    assert len(raw.frame) == n + 3


def test_a_value_quoted_after_the_head_without_a_comma_loses_its_quotes(tmp_path):
    # Arrange: the only quotes in the file surround a plain value, after the sniffed head
    from qa_analysis.io.readers import _SNIFF_BYTES

    plain = "".join(f"R{i},x\n" for i in range(_SNIFF_BYTES // 4))
    path = tmp_path / "recommendations.csv"
    path.write_text("id,text\n" + plain + 'Q1,"quoted"\n')

    # Act
    raw = read_csv_text(path)

    # Assert
    assert raw.frame["text"].iloc[-1] == "quoted"

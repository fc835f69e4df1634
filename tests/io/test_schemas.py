"""qa_analysis.io.schemas: the within-return overlap rule on a categorical CHILD column."""

import numpy as np
import pandas as pd

from qa_analysis.io import schemas


def test_overlapping_episodes_orders_a_categorical_child_by_its_text():
    # Arrange: child "B" is coded 0, "A" 1 (categories in order of appearance); A's rows
    # are out of date order. Sorted by (CHILD text, DECOM):
    #   A 01/01/2020-10/01/2020 (row 2), A 05/01/2020 (row 1): starts before 10/01 -> overlap
    #   B 01/02/2020 open (row 0), B 03/02/2020 (row 3): previous open -> overlap
    #   B 01/03/2020 (row 4): after row 3 (ended 10/02/2020), no overlap in round 1; row 3
    #   is set aside, so round 2 compares it with row 0, still open -> overlap
    episodes = pd.DataFrame({
        "CHILD": pd.Categorical(["B", "A", "A", "B", "B"], categories=["B", "A"]),
        "DECOM": pd.to_datetime(["2020-02-01", "2020-01-05", "2020-01-01", "2020-02-03",
                                 "2020-03-01"]),
        "DEC": pd.to_datetime([None, "2020-01-20", "2020-01-10", "2020-02-10", None]),
    })

    # Act
    overlap = schemas.overlapping_episodes(episodes, np.ones(5, dtype=bool))

    # Assert
    assert overlap.tolist() == [False, True, False, True, True]


def test_overlapping_episodes_ignores_rows_that_are_not_candidates():
    # Arrange: row 0 (open) is set aside by another rule, so row 1 has no previous
    # episode to overlap.
    episodes = pd.DataFrame({
        "CHILD": pd.Series(["A", "A"], dtype="string"),
        "DECOM": pd.to_datetime(["2020-01-01", "2020-02-01"]),
        "DEC": pd.to_datetime([None, None]),
    })

    # Act
    overlap = schemas.overlapping_episodes(episodes, np.array([False, True]))

    # Assert
    assert overlap.tolist() == [False, False]


# --- code columns left as Arrow text (identifiers, postcodes) ---------------------------
ARROW_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # what the pyarrow reader gives


def test_code_column_as_arrow_text_is_stripped_unquoted_and_upper_cased():
    # Arrange: the code normaliser's three steps, worked by hand:
    #   ' "ab1" ' -> strip -> '"ab1"' -> unquote -> 'ab1' -> upper -> 'AB1'
    #   "'x 2'"   -> 'x 2' -> 'X 2'; 'CD3' unchanged
    values = pd.Series([' "ab1" ', "'x 2'", "CD3"], dtype=ARROW_TEXT)

    # Act
    typed, tokens = schemas._code_text(values)

    # Assert
    pd.testing.assert_series_equal(typed, pd.Series(["AB1", "X 2", "CD3"], dtype="string"))
    assert tokens == 0


def test_code_column_as_arrow_text_reads_blank_tokens_and_empty_values_as_blank():
    # Arrange: 'null' and ' N/A ' are blank tokens (any case, stripped): 2 tokens; '' and a
    # missing value are blank without being tokens; 'NULLX' is a value, not a token
    values = pd.Series(["AB1", "null", " N/A ", "", None, "NULLX"], dtype=ARROW_TEXT)

    # Act
    typed, tokens = schemas._code_text(values, schemas.blank_set(["NULL", "N/A"]))

    # Assert
    pd.testing.assert_series_equal(
        typed, pd.Series(["AB1", pd.NA, pd.NA, pd.NA, pd.NA, "NULLX"], dtype="string"))
    assert tokens == 2


def test_code_column_as_arrow_text_upper_cases_a_lower_case_value_without_stripping():
    # Arrange: strip=False (the reader found no surrounding space), but one value is lower
    # case: the byte scan must still send the column through upper()
    values = pd.Series(["AB1", "cd2"], dtype=ARROW_TEXT)

    # Act
    typed, _ = schemas._code_text(values, strip=False)

    # Assert
    pd.testing.assert_series_equal(typed, pd.Series(["AB1", "CD2"], dtype="string"))


def test_convert_gives_the_same_code_values_from_arrow_text_as_from_python_text():
    # Arrange: the header's UPN and ETHNIC are code columns the reader leaves as Arrow
    # text; as Python strings they take the distinct-value path. Both must agree.
    rows = {"CHILD": ["1", "2", "3"], "SEX": ["1", "2", "1"],
            "DOB": ["01/01/2010", "02/02/2011", "03/03/2012"],
            "ETHNIC": [" wbri", "'MIXD'", "NULL"], "UPN": ["a123", "", "B456 "],
            "MOTHER": ["", "", ""], "MC_DOB": ["", "", ""]}
    as_arrow = {c: pd.Series(v, dtype=ARROW_TEXT) for c, v in rows.items()}
    as_python = {c: pd.Series(v, dtype=object) for c, v in rows.items()}
    blanks = schemas.blank_set(["NULL"])

    # Act
    from_arrow = schemas.finalise(schemas.convert("header", as_arrow, blanks=blanks).frame)
    from_python = schemas.finalise(schemas.convert("header", as_python, blanks=blanks).frame)

    # Assert: ETHNIC WBRI, MIXD, blank (a token); UPN A123, blank, B456
    expected = pd.Series(["WBRI", "MIXD", pd.NA], dtype="string", name="ETHNIC")
    pd.testing.assert_series_equal(from_arrow["ETHNIC"], expected)
    pd.testing.assert_series_equal(from_arrow["UPN"],
                                   pd.Series(["A123", pd.NA, "B456"], dtype="string", name="UPN"))
    pd.testing.assert_frame_equal(from_arrow[["ETHNIC", "UPN"]], from_python[["ETHNIC", "UPN"]])


def _arrow_episodes(children, starts, ends):
    return pd.DataFrame({
        "CHILD": pd.Series(children, dtype=ARROW_TEXT),
        "DECOM": pd.to_datetime(starts).astype("datetime64[ns]"),
        "DEC": pd.to_datetime(ends).astype("datetime64[ns]"),
    })


def test_episodes_in_order_without_overlap_need_no_rounds():
    # Arrange: A 01/01-01/02, A 01/02 open, B 05/01 open: in (CHILD, DECOM) order; A's
    # second starts on the day the first ends (not before); B's is its first
    episodes = _arrow_episodes(["A", "A", "B"], ["2020-01-01", "2020-02-01", "2020-01-05"],
                               ["2020-02-01", None, None])

    # Act / Assert
    assert schemas._in_order_without_overlap(episodes) is True
    assert schemas.overlapping_episodes(episodes, np.ones(3, dtype=bool)).tolist() == [False] * 3


def test_episodes_in_order_with_an_overlap_are_worked_out():
    # Arrange: A 01/01 open, then A 01/02: starts after an open episode -> overlap (row 1)
    episodes = _arrow_episodes(["A", "A", "B"], ["2020-01-01", "2020-02-01", "2020-01-05"],
                               [None, None, None])

    # Act / Assert
    assert schemas._in_order_without_overlap(episodes) is False
    assert schemas.overlapping_episodes(episodes, np.ones(3, dtype=bool)).tolist() == [False, True, False]


def test_episodes_out_of_order_are_worked_out():
    # Arrange: B before A; A 01/01-01/03 and A 01/02 (listed first): 01/02 is before the
    # end of A's 01/01 episode -> the later-starting row (row 1) overlaps
    episodes = _arrow_episodes(["B", "A", "A"], ["2020-01-05", "2020-02-01", "2020-01-01"],
                               [None, "2020-04-01", "2020-03-01"])

    # Act / Assert
    assert schemas._in_order_without_overlap(episodes) is False
    assert schemas.overlapping_episodes(episodes, np.ones(3, dtype=bool)).tolist() == [False, True, False]


def test_token_rows_are_the_exact_spellings_of_a_blank_token_whatever_the_other_lengths():
    # "NULL" and "null" are spellings; "NULLS" (longer), "Nul" (shorter), "nUlL" (not a
    # usual spelling) and a blank are not; "N/A" has another length and is one
    values = pd.Series(["C0001", "NULL", "NULLS", "null", None, "Nul", "nUlL", "N/A"], dtype="str")

    found = schemas._token_rows(values, schemas._spellings(frozenset({"NULL", "N/A"})))

    np.testing.assert_array_equal(found, [False, True, False, True, False, False, False, True])

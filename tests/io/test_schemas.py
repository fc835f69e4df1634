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

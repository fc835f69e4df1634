import pandas as pd
import pytest

from qa_analysis.disclosure import (
    apply_audience,
    apply_audience_to_metrics,
    suppress_count,
    suppress_metrics,
    suppress_table,
)


def _objects(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(object)


# --- suppress_count -----------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_counts_from_one_to_five_become_c(n):
    assert suppress_count(n) == "c"


@pytest.mark.parametrize("n", [0, 6, 120])
def test_zero_and_counts_above_five_are_kept(n):
    assert suppress_count(n) == n


def test_none_passes_through_suppress_count():
    assert suppress_count(None) is None


# --- suppress_metrics ---------------------------------------------------------------------


def test_suppress_metrics_suppresses_small_counts_and_percentages_built_on_them():
    metrics = {
        "visits.total": 40,
        "visits.face_to_face": 36,
        "visits.virtual": 4,  # 1-5 -> c
        "visits.pct_face_to_face": 90.0,  # built on total 40 and face_to_face 36 -> kept
        "visits.method.PHONE": 0,  # true zero
        "audits.audits": 3,  # 1-5 -> c
        "audits.pct_good_or_better": 66.7,  # built on audits.audits = 3 -> c
        "recommendations.completed": 0,
        "recommendations.pct_completed_on_time": None,  # denominator 0 -> stays None
        "assessments.median_working_days": 4,  # a summary, not a count -> kept
    }
    denominators = {
        "visits.pct_face_to_face": ["visits.face_to_face", "visits.total"],
        "audits.pct_good_or_better": "audits.audits",
        "recommendations.pct_completed_on_time": "recommendations.completed",
        "referrals.pct_nfa": "referrals.total",  # key not in this quarter's metrics: ignored
    }

    result = suppress_metrics(metrics, denominators)

    assert result == {
        "visits.total": 40,
        "visits.face_to_face": 36,
        "visits.virtual": "c",
        "visits.pct_face_to_face": 90.0,
        "visits.method.PHONE": 0,
        "audits.audits": "c",
        "audits.pct_good_or_better": "c",
        "recommendations.completed": 0,
        "recommendations.pct_completed_on_time": None,
        "assessments.median_working_days": 4,
    }


def test_suppress_metrics_suppresses_a_percentage_whose_numerator_is_small():
    # total 50 is fine, but virtual = 2 is the numerator of the share of virtual visits.
    metrics = {"visits.total": 50, "visits.virtual": 2, "visits.pct_virtual": 4.0}

    result = suppress_metrics(metrics, {"visits.pct_virtual": ["visits.virtual", "visits.total"]})

    assert result["visits.pct_virtual"] == "c"


def test_suppress_metrics_does_not_change_its_input():
    metrics = {"visits.total": 3}

    suppress_metrics(metrics)

    assert metrics == {"visits.total": 3}


def test_suppress_metrics_refuses_a_mapping_to_a_count_it_cannot_see():
    with pytest.raises(ValueError, match="visits.total"):
        suppress_metrics({"visits.pct_face_to_face": 50.0}, {"visits.pct_face_to_face": "visits.total"})


# --- apply_audience_to_metrics -----------------------------------------------------------


def _quarter_metrics() -> dict:
    return {
        "visits.total": 50,
        "visits.virtual": 3,
        "visits.pct_face_to_face": 94.0,  # 47 of 50: numerator 47, base 50 -> kept
        "visits.pct_seen_alone": 75.0,  # base 4 visits where seen -> c
        "visits.pct_timely": 8.0,  # base 50, numerator 8.0 x 50 / 100 = 4 -> c
        "audits.pct_good_or_better": None,  # no grades -> stays None
        "assessments.median_working_days": 30,  # base 3 assessments -> c
    }


_BASES = {
    "visits.pct_face_to_face": 50,
    "visits.pct_seen_alone": 4,
    "visits.pct_timely": 50,
    "audits.pct_good_or_better": 0,
    "assessments.median_working_days": 3,
}


def test_public_metrics_suppress_small_counts_and_rates_on_small_bases_or_numerators():
    result = apply_audience_to_metrics(_quarter_metrics(), "public", _BASES)

    assert result == {
        "visits.total": 50,
        "visits.virtual": "c",
        "visits.pct_face_to_face": 94.0,
        "visits.pct_seen_alone": "c",
        "visits.pct_timely": "c",
        "audits.pct_good_or_better": None,
        "assessments.median_working_days": "c",
    }


def test_internal_metrics_are_unchanged():
    assert apply_audience_to_metrics(_quarter_metrics(), "internal", _BASES) == _quarter_metrics()


def test_metrics_for_an_unknown_audience_are_refused():
    with pytest.raises(ValueError, match="'internal' or 'public'"):
        apply_audience_to_metrics({}, "everyone")


# --- suppress_table -----------------------------------------------------------------------


def test_suppress_table_primary_and_secondary_on_a_three_by_three_table():
    table = pd.DataFrame(
        {"A": [3, 8, 20, 31], "B": [10, 0, 15, 25], "C": [12, 9, 7, 28], "Total": [25, 17, 42, 84]},
        index=["X", "Y", "Z", "Total"],
    )
    # Primary: X/A = 3 -> c.
    # Row X has one c -> next-smallest non-zero in X is B = 10 (C = 12) -> c.
    # Column A has one c -> smallest of Y/A = 8, Z/A = 20 is 8 -> c.
    # Column B now has one c (X/B) -> Y/B is a true 0 so never used; Z/B = 15 -> c.
    # Row Y has one c (Y/A) -> Y/B = 0 skipped, Y/C = 9 -> c.
    # Row Z has one c (Z/B) -> smallest of Z/A = 20, Z/C = 7 is 7 -> c.
    # Column C now has two (Y/C, Z/C); every row and column has 0 or 2 -> stable.
    # Totals are all above 5 and stay shown.
    expected = _objects(
        pd.DataFrame(
            {
                "A": ["c", "c", 20, 31],
                "B": ["c", 0, "c", 25],
                "C": [12, "c", "c", 28],
                "Total": [25, 17, 42, 84],
            },
            index=["X", "Y", "Z", "Total"],
        )
    )

    result = suppress_table(table, ["A", "B", "C"], total_col="Total", total_row="Total")

    pd.testing.assert_frame_equal(result, expected)


def test_suppress_table_suppresses_small_totals_and_protects_them_against_the_grand_total():
    table = pd.DataFrame(
        {"A": [2, 10, 9, 21], "B": [2, 12, 8, 22], "Total": [4, 22, 17, 43]},
        index=["X", "Y", "Z", "Total"],
    )
    # Primary: X/A = 2, X/B = 2, X/Total = 4 -> c (row X has three, nothing more needed).
    # Column A: one c -> smallest of 10, 9 is Z/A = 9 -> c.
    # Column B: one c -> smallest of 12, 8 is Z/B = 8 -> c.
    # Column of row totals adds up to 43: one c (X) -> smallest of 22, 17 is Z/Total -> c,
    # otherwise 43 - 22 - 17 = 4 would give X's total away.
    # Row Z now has three c; the total row has none -> stable.
    expected = _objects(
        pd.DataFrame(
            {"A": ["c", 10, "c", 21], "B": ["c", 12, "c", 22], "Total": ["c", 22, "c", 43]},
            index=["X", "Y", "Z", "Total"],
        )
    )

    result = suppress_table(table, ["A", "B"], total_col="Total", total_row="Total")

    pd.testing.assert_frame_equal(result, expected)


def test_suppress_table_keeps_zeros_and_other_columns():
    table = pd.DataFrame({"grade": ["good", "inadequate"], "Q1": [0, 12], "Q2": [7, 0]})
    # No cell is 1-5, so nothing is suppressed; zeros stay 0 and the label column is untouched.
    expected = pd.DataFrame(
        {
            "grade": ["good", "inadequate"],
            "Q1": pd.Series([0, 12], dtype=object),
            "Q2": pd.Series([7, 0], dtype=object),
        }
    )

    result = suppress_table(table, ["Q1", "Q2"])

    pd.testing.assert_frame_equal(result, expected)


def test_suppress_table_uses_derivable_totals_when_none_is_shown():
    table = pd.DataFrame({"zoom": [5, 30], "phone": [40, 50]}, index=["Q1", "Q2"])
    # Rows and columns add up to totals a reader may know (the default), so:
    # primary Q1/zoom 5 -> c; row Q1 has one c -> Q1/phone 40 -> c;
    # column zoom has one c -> Q2/zoom 30 -> c; column phone has one c -> Q2/phone 50 -> c;
    # row Q2 then has two -> stable. A 2x2 table with one small cell loses every cell.
    expected = _objects(pd.DataFrame({"zoom": ["c", "c"], "phone": ["c", "c"]}, index=["Q1", "Q2"]))

    result = suppress_table(table, ["zoom", "phone"])

    pd.testing.assert_frame_equal(result, expected)


def test_suppress_table_without_totals_applies_primary_suppression_only():
    table = pd.DataFrame({"zoom": [5, 30], "phone": [40, 50]}, index=["Q1", "Q2"])
    expected = _objects(pd.DataFrame({"zoom": ["c", 30], "phone": [40, 50]}, index=["Q1", "Q2"]))

    result = suppress_table(table, ["zoom", "phone"], row_totals=False, column_totals=False)

    pd.testing.assert_frame_equal(result, expected)


def test_suppress_table_does_not_change_its_input():
    table = pd.DataFrame({"A": [3, 9]})

    suppress_table(table, ["A"])

    pd.testing.assert_frame_equal(table, pd.DataFrame({"A": [3, 9]}))


def test_suppress_table_names_a_missing_column():
    with pytest.raises(ValueError, match="'B'"):
        suppress_table(pd.DataFrame({"A": [1]}), ["B"])


# --- apply_audience -----------------------------------------------------------------------


def test_internal_audience_sees_the_count():
    assert apply_audience(3, "internal") == 3


def test_public_audience_sees_c_for_a_small_count():
    assert apply_audience(3, "public") == "c"


def test_unknown_audience_is_refused_in_plain_words():
    with pytest.raises(ValueError, match="'internal' or 'public'"):
        apply_audience(3, "press")

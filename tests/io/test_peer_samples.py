"""Real-world layouts from peer projects (tests/fixtures/peer/README.md) load without failing."""

import shutil
from pathlib import Path

import pandas as pd
import pytest

from qa_analysis.io import load_data, validation_report
from qa_analysis.io.ssda903 import AuthorityError
from qa_analysis.metrics import topic_unavailable_reason

PEER = Path(__file__).resolve().parents[1] / "fixtures" / "peer"


def copy(folder: Path, source: str, name: str) -> None:
    shutil.copyfile(PEER / source, folder / name)


def test_ssda903_validator_return_loads_with_overlaps_set_aside(tmp_path):
    copy(tmp_path, "ssda903_validator_header.csv", "ssda903_header.csv")
    copy(tmp_path, "ssda903_validator_episodes.csv", "ssda903_episodes.csv")

    data = load_data(tmp_path)

    summary = data.summary.set_index("table")
    # sizes from the upstream README: 2,675 header rows, 5,050 episodes
    assert summary.loc["header", "rows_read"] == 2675
    assert summary.loc["episodes", "rows_read"] == 5050
    assert (summary["rows_read"] == summary["rows_accepted"] + summary["rows_set_aside"]).all()
    assert topic_unavailable_reason(data, "placement_stability") is None


def test_ssda903_overlap_is_judged_against_the_previous_accepted_episode(tmp_path):
    copy(tmp_path, "ssda903_validator_episodes.csv", "ssda903_episodes.csv")

    data = load_data(tmp_path)

    # child 708102, lines 312-314 of the file:
    #   312: 11/03/2017 - 10/03/2018
    #   313: 11/01/2018 - 25/03/2018  starts before 312 ended -> set aside
    #   314: 25/03/2018 - open        after 312 ended (313 no longer counts) -> kept
    child = data.problems.loc[data.problems["row"].isin([312, 313, 314])]
    assert child[["row", "column", "value"]].values.tolist() == [[313, "DECOM", "11/01/2018"]]
    kept = data.episodes.loc[data.episodes["CHILD"] == "708102", "DECOM"]
    assert kept.tolist() == [pd.Timestamp("2017-03-11"), pd.Timestamp("2018-03-25")]


def test_liiatools_regional_stack_needs_an_authority(tmp_path):
    copy(tmp_path, "liiatools_episodes_fix_input.csv", "episodes.csv")

    with pytest.raises(AuthorityError, match="Barking and Dagenham, Newham, Sutton"):
        load_data(tmp_path)


def test_liiatools_regional_stack_is_consolidated_by_the_published_rules(tmp_path):
    copy(tmp_path, "liiatools_episodes_fix_input.csv", "episodes.csv")

    data = load_data(tmp_path, la="Barking and Dagenham")

    # Worked by hand from the file (line numbers, header = 1); YEAR is the return, the
    # authority's latest is 2022. Child ids name the rule upstream meant each to show.
    #  RULE1_BAD  7 open in 2018, next (8) RNE T -> closed at 8's DECOM 20/08/2017, X1
    #  RULE1A_BAD 11 open in 2017, next (12) RNE S -> min(31/03/2017, 19/04/2017), E99
    #  RULE2_BAD  13 open in 2020, no later episode -> 31/03/2020, E99
    #  RULE3_BAD  15 open in 2017, previous (14) repeats RNE/LS/PLACE/provider/PL_POST/URN -> dropped
    #  RULE3A_BAD 18 open in 2018, previous (17) from 2019 -> dropped
    #  RULE4_BAD  21 open in 2019, previous (20) from 2020 -> dropped (3A); then 19 (2019)
    #             ends 24/12/2018 after 20 (2020) starts 20/12/2018 -> DEC 20/12/2018 (RULE_4)
    #  RULE5_BAD  23 (2020) ends 29/03/2020 with X1, next 24 (2022) starts 02/04/2020 -> DEC 02/04/2020
    rules = data.consolidation[["row", "rule"]].sort_values("row").values.tolist()
    assert rules == [
        [7, "closed_at_next"], [11, "closed_before_reentry"], [13, "closed_at_year_end"],
        [15, "repeated_open_episode"], [18, "replaced_open_episode"], [19, "overlap_trimmed"],
        [21, "replaced_open_episode"], [23, "x1_gap_closed"],
    ]
    changed = data.episodes.set_index(["CHILD", "DECOM"]).loc[[
        ("RULE1_BAD", pd.Timestamp("2016-01-13")), ("RULE1A_BAD", pd.Timestamp("2016-10-24")),
        ("RULE2_BAD", pd.Timestamp("2019-05-10")), ("RULE4_BAD", pd.Timestamp("2018-11-23")),
        ("RULE5_BAD", pd.Timestamp("2019-11-06")),
    ], ["DEC", "REC"]]
    assert changed.values.tolist() == [
        [pd.Timestamp("2017-08-20"), "X1"], [pd.Timestamp("2017-03-31"), "E99"],
        [pd.Timestamp("2020-03-31"), "E99"], [pd.Timestamp("2018-12-20"), "X1"],
        [pd.Timestamp("2020-04-02"), "X1"],
    ]
    # 20 Barking and Dagenham rows = 17 accepted + 3 consolidated (dropped) + 0 set aside
    row = data.summary.set_index("table").loc["episodes"]
    assert (row.rows_read, row.rows_accepted, row.rows_consolidated, row.rows_set_aside) == (20, 17, 3, 0)
    assert data.problems.empty


@pytest.mark.parametrize(
    "workbook", ["liiatools_Annex_A.xlsx", "liiatools_pipeline_Annex_A_2024_Jan.xlsx"]
)
def test_liiatools_annex_a_workbooks_load_with_values_normalised(tmp_path, workbook):
    copy(tmp_path, workbook, workbook)

    data = load_data(tmp_path)

    # List 1 has 5 contacts: sources q) 6: Police x3, b) 1B: Individual, t) 9: Anonymous
    assert sorted(data.contacts["contact_source"]) == ["1B", "6", "6", "6", "9"]
    assert data.contacts["gender"].tolist() == ["Female", "Female", "Male", "Male", "Female"]
    assert data.contacts["age"].tolist() == [6, 8, 11, 14, 15]  # 6.14 -> 6 ...
    # List 3: 6 referrals, Referral NFA? "No" on each
    assert data.referrals["referral_nfa"].tolist() == [False] * 6
    # List 4: requiring support holds "CS Assessment Updated", not a yes/no; no metric needs
    # that column, so all 5 rows are accepted and the value is reported as ignored (issue 11)
    assessments = data.summary.set_index("table").loc["assessments"]
    assert (assessments["rows_accepted"], assessments["rows_set_aside"]) == (5, 0)
    assert assessments["values_ignored"] == 5
    assert data.assessments["requires_support"].isna().all()
    assert set(data.warnings["rule"]) == {
        "Was the child assessed as requiring LA children's social care support? "
        "is not a yes/no value (Y, N, Yes, No): value ignored"
    }
    assert set(data.warnings["value"]) == {"CS Assessment Updated"}
    assert "sheet List 4" in validation_report(data)


def test_validate_problems_file_on_the_5050_episode_return_writes_every_problem(tmp_path, capsys):
    from qa_analysis.cli import main

    copy(tmp_path, "ssda903_validator_header.csv", "ssda903_header.csv")
    copy(tmp_path, "ssda903_validator_episodes.csv", "ssda903_episodes.csv")
    out = tmp_path / "out.csv"

    code = main(["validate", "--data", str(tmp_path), "--problems", str(out)])

    data = load_data(tmp_path)
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    printed = capsys.readouterr().out
    assert code == 0
    assert len(written) == len(data.problems) + len(data.warnings)
    assert len(written) > 50  # more than the screen shows
    assert set(written.columns) == {"file", "table", "row", "column", "value", "rule", "action"}
    assert "Problems by table and rule:" in printed
    assert f"Wrote {len(written):,} problems to out.csv." in printed
    assert str(tmp_path) not in printed  # the folder's name only, never its path

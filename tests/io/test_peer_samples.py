"""Real-world layouts from peer projects (tests/fixtures/peer/README.md) load without failing."""

import shutil
from pathlib import Path

import pandas as pd
import pytest

from qa_analysis.io import load_data, validation_report
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


def test_liiatools_episodes_with_iso_dates_and_extra_columns_load(tmp_path):
    copy(tmp_path, "liiatools_episodes_fix_input.csv", "episodes.csv")

    data = load_data(tmp_path)

    # Worked by hand from the file (line numbers, header = 1):
    #  RULE1_BAD  7 open from 2016-01-13 -> 8 and 9 start while it is open
    #  RULE1A_BAD 11 open from 2016-10-24 -> 12 (2017-04-20) overlaps
    #  RULE3_BAD  14 to 2017-05-30 -> 15 starts 2016-09-27
    #  RULE3A_BAD 17 to 2018-05-16 -> 18 starts 2018-03-22
    #  RULE4_BAD  19 to 2018-12-24 -> 20 starts 2018-12-20; 21 starts 2018-12-24 (kept,
    #             open) -> 22 starts while 21 is open
    assert data.problems["row"].tolist() == [8, 9, 12, 15, 18, 20, 22]
    assert (data.problems["column"] == "DECOM").all()
    assert len(data.episodes) == 23 - 7
    assert list(data.episodes.columns)[-1] == "URN"  # LA and YEAR ignored


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

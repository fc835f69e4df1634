"""SSDA903 returns in every way they arrive: published names, subfolders, XML, a regional stack.

One small authority, three yearly returns written out by hand (2019-20 to 2021-22):

- C1 enters care 01/05/2019 (U4, foster), moves 15/06/2020 (U6, foster), moves 01/07/2021
  to semi-independent living (H5), still there on 31/03/2022.
- C2 is in care 01/09/2019 to 10/02/2020 (went home, E4A), comes back 01/10/2021 (R1).
- C3 enters 01/03/2020 (U4); open in the 2019-20 return, the 2020-21 return closes it on
  01/08/2020 (E4A).

Consolidated by hand (each return holds the episodes open at any time in its year; an
episode open on 31 March has a blank DEC there and is repeated in the next return):

    C1 01/05/2019 S U4 -> 15/06/2020 X1 | 15/06/2020 P U6 -> 01/07/2021 X1 | 01/07/2021 P H5 open
    C2 01/09/2019 S U1 -> 10/02/2020 E4A | 01/10/2021 S R1 open
    C3 01/03/2020 S U4 -> 01/08/2020 E4A
"""

import pandas as pd
import pytest

from qa_analysis.cli import main
from qa_analysis.demo import stack_returns
from qa_analysis.errors import DataFileError
from qa_analysis.io import load_data
from qa_analysis.io.coverage import return_coverage
from qa_analysis.metrics import quarter_metrics
from qa_analysis.metrics.placements import placement_metrics
from qa_analysis.periods import quarter_range

EPISODES = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"
HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"
RETURNS = {
    2020: {
        "episodes": [
            "C1,01/05/2019,S,C2,N1,U4,PR1,,,,ZZ1,ZZ2,SC1",
            "C2,01/09/2019,S,V2,N1,U1,PR1,10/02/2020,E4A,,ZZ1,ZZ3,SC2",
            "C3,01/03/2020,S,C1,N1,U4,PR1,,,,ZZ1,ZZ4,SC3",
        ],
        "header": ["C1,1,01/08/2004,WBRI,,,", "C2,2,01/01/2010,WBRI,,,", "C3,1,01/01/2012,WBRI,,,"],
    },
    2021: {
        "episodes": [
            "C1,01/05/2019,S,C2,N1,U4,PR1,15/06/2020,X1,CARPL,ZZ1,ZZ2,SC1",
            "C1,15/06/2020,P,C2,N1,U6,PR1,,,,ZZ1,ZZ5,SC4",
            "C3,01/03/2020,S,C1,N1,U4,PR1,01/08/2020,E4A,,ZZ1,ZZ4,SC3",
        ],
        "header": ["C1,1,01/08/2004,WBRI,,,", "C3,1,01/01/2012,WBRI,,,"],
    },
    2022: {
        "episodes": [
            "C1,15/06/2020,P,C2,N1,U6,PR1,01/07/2021,X1,CHILD,ZZ1,ZZ5,SC4",
            "C1,01/07/2021,P,C2,N1,H5,PR4,,,,ZZ1,ZZ6,",
            "C2,01/10/2021,S,V2,N1,R1,PR4,,,,ZZ1,ZZ7,",
        ],
        "header": ["C1,1,01/08/2004,WBRI,,,", "C2,2,01/01/2010,WBRI,,,"],
    },
}
HISTORY = [  # consolidated by hand (module docstring)
    ("C1", "2019-05-01", "S", "U4", "2020-06-15", "X1", "CARPL"),
    ("C1", "2020-06-15", "P", "U6", "2021-07-01", "X1", "CHILD"),
    ("C1", "2021-07-01", "P", "H5", None, None, None),
    ("C2", "2019-09-01", "S", "U1", "2020-02-10", "E4A", None),
    ("C2", "2021-10-01", "S", "R1", None, None, None),
    ("C3", "2020-03-01", "S", "U4", "2020-08-01", "E4A", None),
]
QUARTERS = quarter_range("2018-19 Q4", "2021-22 Q4")
PUBLISHED = {2020: "SSDA903_2020_{}.csv", 2021: "SSDA903_2021_{}.csv", 2022: "{}_2022.csv"}


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def published_names(folder):
    for year, pattern in PUBLISHED.items():
        for table, head in (("episodes", EPISODES), ("header", HEADER)):
            write(folder / pattern.format(table), "\n".join([head, *RETURNS[year][table]]) + "\n")
    return folder


def subfolders(folder):
    for year in RETURNS:
        for table, head in (("episodes", EPISODES), ("header", HEADER)):
            write(folder / f"{year - 1}-{year % 100:02d}" / f"{table}.csv",
                  "\n".join([head, *RETURNS[year][table]]) + "\n")
    return folder


def xml_returns(folder):
    for year, tables in RETURNS.items():
        children = []
        for line in tables["header"]:
            child, sex, dob, ethnic, upn, mother, mc_dob = line.split(",")
            episodes = "".join(
                "<EPISODE>" + "".join(
                    f"<{tag}>{value}</{tag}>" if value else f"<{tag} />"
                    for tag, value in zip(["DECOM", "RNE", "LS", "CIN", "PL", "PLACE_PROVIDER", "DEC", "REC",
                                           "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"], e.split(",")[1:], strict=True)
                ) + "</EPISODE>"
                for e in tables["episodes"] if e.split(",")[0] == child
            )
            children.append(f"<CHILD><HEADER><CHILDID>{child}</CHILDID><SEX>{sex}</SEX><DOB>{dob}</DOB>"
                            f"<ETHNIC>{ethnic}</ETHNIC><UPN /><MOTHER /><MC_DOB /></HEADER>{episodes}</CHILD>")
        write(folder / f"return_{year}.xml", "<?xml version='1.0'?>\n<EXPSSDA903>" + "".join(children) + "</EXPSSDA903>")
    return folder


def regional_stack(folder, other_la=True):
    """liia-tools' layout (written by demo.stack_returns, as `demo-data --layout stacked`
    does): one file per table, every return, LA and YEAR columns; another authority's rows
    (with the same child ids) mixed in."""
    returns = {}
    for year, tables in RETURNS.items():
        returns[("Demoshire", year)] = {t: [row.split(",") for row in rows] for t, rows in tables.items()}
        if other_la:
            returns[("Otherton", year)] = {t: [rows[0].split(",")] for t, rows in tables.items()}
    stack_returns(folder, returns)
    return folder


def hand_history() -> pd.DataFrame:
    frame = pd.DataFrame(HISTORY, columns=["CHILD", "DECOM", "RNE", "PLACE", "DEC", "REC", "REASON_PLACE_CHANGE"])
    n = len(frame)
    blank = pd.array([None] * n, dtype="string")
    return pd.DataFrame({
        "CHILD": pd.array(frame.CHILD, dtype="string"),
        "DECOM": pd.to_datetime(frame.DECOM).astype("datetime64[ns]"),
        "RNE": pd.array(frame.RNE, dtype="string"), "LS": pd.array(["C2"] * n, dtype="string"),
        "CIN": pd.array(["N1"] * n, dtype="string"), "PLACE": pd.array(frame.PLACE, dtype="string"),
        "PLACE_PROVIDER": blank, "DEC": pd.to_datetime(frame.DEC).astype("datetime64[ns]"),
        "REC": pd.array(frame.REC, dtype="string"),
        "REASON_PLACE_CHANGE": pd.array(frame.REASON_PLACE_CHANGE, dtype="string"),
        "HOME_POST": blank, "PL_POST": blank, "URN": blank,
    })


def hand_header() -> pd.DataFrame:
    return pd.DataFrame({
        "CHILD": pd.array(["C1", "C2", "C3"], dtype="string"),
        "DOB": pd.to_datetime(["2004-08-01", "2010-01-01", "2012-01-01"]).astype("datetime64[ns]"),
    })


def figures(data):
    return {q.label: quarter_metrics(data, q, topics=["placement_stability"]).metrics for q in QUARTERS}


@pytest.fixture(scope="module")
def by_names(tmp_path_factory):
    return figures(load_data(published_names(tmp_path_factory.mktemp("names"))))


def test_the_consolidated_history_is_the_one_worked_out_by_hand(tmp_path):
    data = load_data(published_names(tmp_path))

    got = data.episodes[["CHILD", "DECOM", "RNE", "PLACE", "DEC", "REC", "REASON_PLACE_CHANGE"]]
    pd.testing.assert_frame_equal(got, hand_history()[got.columns.tolist()])
    # 9 episode rows read = 6 accepted + 3 consolidated (the open copies of C1 x2 and C3)
    rows = data.summary.loc[data.summary["table"] == "episodes", ["rows_read", "rows_accepted",
                                                                   "rows_consolidated", "rows_set_aside"]].sum()
    assert rows.tolist() == [9, 6, 3, 0]


def test_figures_of_the_returns_equal_those_of_the_hand_worked_history(by_names):
    coverage = return_coverage([2020, 2021, 2022])
    expected = {q.label: placement_metrics(hand_history(), hand_header(), q, episodes_coverage=coverage) for q in QUARTERS}

    assert by_names == expected


def test_a_quarter_worked_by_hand(by_names):
    # 2021-22 Q2 (01/07 to 30/09/2021): only C1 is looked after (C2 comes back in October);
    # C1 moves on 01/07/2021 from U6 (foster) to H5 (semi-independent), reason CHILD.
    # 3+ placements: window 01/10/2020 to 30/09/2021: U6 in progress + the H5 start = 2 -> 0 of 1.
    # Long-term stability needs 30 months back to 30/03/2019, before the first return (2019-20).
    assert by_names["2021-22 Q2"] == {
        "cla.during_quarter": 1, "cla.at_quarter_end": 1, "placements.moves": 1,
        "placements.children_moved": 1, "placements.pct_3plus_12m": 0.0,
        "placements.pct_long_term_stable": None, "placements.foster_to_semi_independent": 1,
        "placements.reason.CHILD": 1,
    }


def test_quarters_before_the_first_return_are_null_not_zero(by_names):
    assert set(by_names["2018-19 Q4"].values()) == {None}
    # 2019-20 Q1 is covered, but 3+ placements looks back to 01/07/2018
    assert by_names["2019-20 Q1"]["cla.during_quarter"] == 1
    assert by_names["2019-20 Q1"]["placements.pct_3plus_12m"] is None


@pytest.mark.parametrize("layout", [subfolders, xml_returns])
def test_subfolders_and_xml_give_the_same_figures(tmp_path, by_names, layout):
    assert figures(load_data(layout(tmp_path))) == by_names


def test_a_regional_stack_read_with_la_gives_the_same_figures(tmp_path, by_names):
    data = load_data(regional_stack(tmp_path), la="demoshire")

    assert data.authority == "Demoshire"
    assert figures(data) == by_names


def test_the_latest_return_alone_agrees_wherever_it_holds_the_whole_window(tmp_path, by_names):
    write(tmp_path / "episodes.csv", "\n".join([EPISODES, *RETURNS[2022]["episodes"]]) + "\n")
    write(tmp_path / "header.csv", "\n".join([HEADER, *RETURNS[2022]["header"]]) + "\n")

    alone = figures(load_data(tmp_path))

    for quarter in ("2021-22 Q1", "2021-22 Q2", "2021-22 Q3", "2021-22 Q4"):
        for key, value in alone[quarter].items():
            if value is not None:  # a window reaching before 2021-22 is null in the return alone
                assert by_names[quarter][key] == value, (quarter, key)
    assert alone["2021-22 Q4"]["placements.pct_3plus_12m"] == by_names["2021-22 Q4"]["placements.pct_3plus_12m"]
    assert set(alone["2020-21 Q4"].values()) == {None}


# --- years and names ----------------------------------------------------------------------
def test_a_file_name_that_disagrees_with_the_dates_is_reported_not_trusted(tmp_path):
    # "2019" names the 2018-19 return, but the latest DECOM (01/03/2020) falls in 2019-20.
    write(tmp_path / "2019-episodes.csv", "\n".join([EPISODES, *RETURNS[2020]["episodes"]]) + "\n")

    data = load_data(tmp_path)

    assert data.returns[["file", "year", "name_says"]].values.tolist() == [["2019-episodes.csv", "2019-20", "2018-19"]]
    assert data.return_notes == ["2019-episodes.csv: the name says 2018-19 but its latest DECOM falls in 2019-20; "
                          "read as the 2019-20 return"]
    assert data.coverage["episodes"].years == (2020,)


def test_two_returns_claiming_one_year_with_different_contents_the_later_name_wins(tmp_path):
    write(tmp_path / "a_episodes.csv", "\n".join([EPISODES, *RETURNS[2020]["episodes"]]) + "\n")
    write(tmp_path / "b_episodes.csv", "\n".join([EPISODES, *RETURNS[2020]["episodes"][:2]]) + "\n")

    data = load_data(tmp_path)

    assert data.episodes["CHILD"].tolist() == ["C1", "C2"]
    assert data.problems["file"].unique().tolist() == ["a_episodes.csv"]
    assert "b_episodes.csv is used (the later file by name)" in data.return_notes[0]
    row = data.summary.set_index("file").loc["a_episodes.csv"]
    assert (row.rows_read, row.rows_accepted, row.rows_set_aside) == (3, 0, 3)


# --- bad input ---------------------------------------------------------------------------------
def test_an_xml_file_that_is_not_an_ssda903_return_stops_with_one_line(tmp_path):
    write(tmp_path / "census.xml", "<?xml version='1.0'?><Message><Header /></Message>")

    with pytest.raises(DataFileError) as error:
        load_data(tmp_path)

    assert str(error.value) == ("census.xml: is not an SSDA903 return: its root element is <Message>, "
                                "expected <EXPSSDA903>")


def test_rows_with_a_blank_la_are_set_aside_with_the_reason(tmp_path):
    write(tmp_path / "ssda903_episodes.csv", EPISODES + ",LA,YEAR\n"
          + RETURNS[2020]["episodes"][0] + ",Demoshire,2020\n"
          + RETURNS[2020]["episodes"][1] + ",,2020\n")

    data = load_data(tmp_path)

    assert data.problems[["row", "column", "rule"]].values.tolist() == [
        [3, "LA", "LA is blank: the authority of the row is not known"]]
    assert data.episodes["CHILD"].tolist() == ["C1"]


def test_several_authorities_without_la_stop_with_the_list(tmp_path, capsys):
    regional_stack(tmp_path)

    code = main(["metrics", "--data", str(tmp_path), "--quarter", "2021-22 Q2"])

    err = capsys.readouterr().err
    assert code == 1
    assert err.strip().endswith("holds 2 authorities (Demoshire, Otherton): choose one with --la NAME.")
    assert len(err.strip().splitlines()) == 1


def test_la_naming_an_authority_that_is_not_there_lists_those_that_are(tmp_path, capsys):
    regional_stack(tmp_path)

    code = main(["validate", "--data", str(tmp_path), "--la", "Nowhere"])

    err = capsys.readouterr().err.strip()
    assert code == 1
    assert err == ("qa-analysis: --la 'Nowhere': no such authority in the SSDA903 data "
                   "(authorities found: Demoshire, Otherton).")


def test_validate_lists_the_returns_and_the_changes_by_rule(tmp_path, capsys):
    regional_stack(tmp_path)

    code = main(["validate", "--data", str(tmp_path), "--la", "Demoshire"])

    out = capsys.readouterr().out
    assert code == 0
    assert "SSDA903 returns of Demoshire:" in out
    assert "Consolidation of the returns (" in out
    assert "latest_return_wins (dedup): the same (CHILD, DECOM) in several returns" in out
    assert "latest_header_row (header)" in out


def test_metrics_with_la_prints_null_for_a_quarter_before_the_returns(tmp_path, capsys):
    regional_stack(tmp_path)

    code = main(["metrics", "--data", str(tmp_path), "--la", "Demoshire", "--quarter", "2018-19 Q4"])

    captured = capsys.readouterr()
    assert code == 0
    assert '"cla.during_quarter": null' in captured.out
    assert "no SSDA903 return covers 2018-19 Q4" in captured.err


def test_a_stack_without_year_says_how_many_open_episodes_could_not_be_checked(tmp_path):
    lines = [EPISODES + ",LA"] + [f"{row},Demoshire" for y in RETURNS for row in RETURNS[y]["episodes"]]
    write(tmp_path / "ssda903_episodes.csv", "\n".join(lines) + "\n")

    data = load_data(tmp_path)

    # After the duplicates keep their closed copies, the open episodes left are the last of
    # their child: C1's H5 from 01/07/2021 and C2's R1 from 01/10/2021.
    assert any(n.startswith("2 open episode(s) could not be checked against a later return") for n in data.return_notes)
    got = data.episodes[["CHILD", "DECOM", "DEC"]]
    pd.testing.assert_frame_equal(got, hand_history()[["CHILD", "DECOM", "DEC"]])


def test_distinct_rows_counts_each_row_once_per_table_and_file():
    # Arrange: a.csv header row 2 named twice (two problems), row 3 once -> 2 rows;
    # b.csv header row 2 -> 1; a.csv episodes row 2 -> 1 (another table)
    from qa_analysis.io.ssda903 import _distinct_rows

    problems = pd.DataFrame({"table": ["header", "header", "header", "header", "episodes"],
                             "file": ["a.csv", "a.csv", "a.csv", "b.csv", "a.csv"],
                             "row": [2, 2, 3, 2, 2]})

    # Act
    counts = _distinct_rows(problems)

    # Assert
    assert counts == {("header", "a.csv"): 2, ("header", "b.csv"): 1, ("episodes", "a.csv"): 1}


def test_stack_unites_each_returns_categories_and_stacks_a_mixed_column_as_text():
    # Arrange: RNE is a categorical in both returns, with different categories ([S] and
    # [P, S]); UPN is a categorical in one (an XML return) and text in the other
    from qa_analysis.io.ssda903 import _stack

    first = pd.DataFrame({"RNE": pd.Categorical(["S"]), "UPN": pd.Categorical(["A1"])})
    second = pd.DataFrame({"RNE": pd.Categorical(["P", "S"]),
                           "UPN": pd.array(["B2", None], dtype="string")})

    # Act
    stacked = _stack([first, second])

    # Assert: RNE one categorical S, P, S; UPN text A1, B2, blank
    assert isinstance(stacked["RNE"].dtype, pd.CategoricalDtype)
    assert stacked["RNE"].astype(object).tolist() == ["S", "P", "S"]
    pd.testing.assert_series_equal(stacked["UPN"], pd.Series(["A1", "B2", pd.NA], dtype="string", name="UPN"))

"""Smoke tests of the benchmark code (issue 6): it imports, and its helpers compute right
on hand-made numbers. Nothing here runs a benchmark."""

import importlib
from dataclasses import dataclass, field

import papermill
import pytest

from benchmarks import median, ratio_of_medians, summarise
from benchmarks.profiling import inclusive_seconds, self_seconds, top
from benchmarks.stats import verdict


@pytest.mark.parametrize(
    "module",
    ["benchmarks.__main__", "benchmarks.procs", "benchmarks.reports_bench",
     "benchmarks.national_bench", "benchmarks.profiling", "benchmarks.consolidation_bench"],
)
def test_every_module_imports(module):
    assert importlib.import_module(module)


def test_median_of_an_odd_count_is_the_middle_value():
    assert median([30.0, 10.0, 20.0]) == 20.0


def test_median_of_an_even_count_is_the_mean_of_the_middle_two():
    # sorted 1, 2, 4, 8: middle two 2 and 4 -> 3
    assert median([8.0, 1.0, 4.0, 2.0]) == 3.0


def test_ratio_is_of_the_medians_not_of_the_means():
    # ours: median 20 (mean would be 40 with the outlier 90); floor: median 50 -> 20 / 50 = 0.4
    assert ratio_of_medians([10.0, 90.0, 20.0], [50.0, 40.0, 100.0]) == pytest.approx(0.4)


def test_ratio_refuses_a_floor_of_zero():
    with pytest.raises(ValueError):
        ratio_of_medians([1.0], [0.0])


def test_summarise_gives_median_extremes_and_runs_rounded():
    assert summarise([2.0004, 1.0, 3.0]) == {"median": 2.0, "min": 1.0, "max": 3.0, "runs": [2.0, 1.0, 3.0]}


def test_verdict_says_met_at_the_target_and_by_how_much_above_it():
    # 2.5 against 2.0: 2.5 / 2.0 - 1 = 25% over
    assert (verdict(2.0, 2.0), verdict(2.5, 2.0)) == ("met", "missed by 25%")


@dataclass
class Frame:
    """The attributes of a pyinstrument frame the summaries read."""

    function: str
    file_path: str
    time: float
    children: list = field(default_factory=list)
    line_no: int = 1


def _tree():
    # main (10 s) -> load_data (6 s) -> read_csv (4 s) -> load_data again (1 s, recursion)
    #             -> quarter_metrics (3 s); main's own time 10 - 6 - 3 = 1 s
    inner = Frame("load_data", "/x/qa_analysis/io/loaders.py", 1.0)
    read = Frame("read_csv", "/x/pandas/io/parsers/readers.py", 4.0, [inner])
    load = Frame("load_data", "/x/qa_analysis/io/loaders.py", 6.0, [read])
    metrics = Frame("quarter_metrics", "/x/qa_analysis/metrics/catalogue.py", 3.0)
    return Frame("main", "/x/run.py", 10.0, [load, metrics])


def test_inclusive_seconds_counts_a_match_inside_a_match_once():
    # the outer load_data (6 s) already holds the inner one (1 s): 6, not 7
    assert inclusive_seconds(_tree(), function="load_data") == 6.0


def test_inclusive_seconds_matches_on_a_part_of_the_file_path():
    # qa_analysis/ frames: load_data 6 s + quarter_metrics 3 s
    assert inclusive_seconds(_tree(), path_part="qa_analysis/") == 9.0


def test_self_seconds_are_a_frames_time_less_its_childrens():
    # load_data: outer 6 - 4 = 2, inner 1 - 0 = 1 -> 3 (same line, so one entry);
    # read_csv 4 - 1 = 3; quarter_metrics 3; main 10 - 9 = 1
    totals = self_seconds(_tree())
    assert top(totals, n=10) == [
        ["load_data (io/loaders.py:1)", 3.0],
        ["read_csv (parsers/readers.py:1)", 3.0],
        ["quarter_metrics (metrics/catalogue.py:1)", 3.0],
        ["main (x/run.py:1)", 1.0],
    ]


def test_the_floor_notebook_declares_the_topic_notebooks_parameters(tmp_path):
    from benchmarks.reports_bench import params_only_notebook
    from qa_analysis.config import NOTEBOOKS_DIR

    floor = params_only_notebook(tmp_path / "floor.ipynb")

    assert list(papermill.inspect_notebook(str(floor))) == list(
        papermill.inspect_notebook(str(NOTEBOOKS_DIR / "visits.ipynb"))
    )


def test_cached_national_data_needs_a_marker_for_the_same_size(tmp_path):
    from benchmarks.national_bench import cached, write_marker

    write_marker(tmp_path, children=300)

    assert (cached(tmp_path, 300), cached(tmp_path, 400)) == (True, False)


def test_the_command_line_is_built_without_conflicting_options(capsys):
    from benchmarks.__main__ import main

    with pytest.raises(SystemExit) as done:
        main(["--help"])

    assert done.value.code == 0
    assert "--data" in capsys.readouterr().out


def test_a_history_written_as_yearly_returns_holds_each_episode_in_every_year_it_is_open(tmp_path):
    from benchmarks.consolidation_bench import write_yearly_returns

    # C1: episode A 01/06/2019 -> 01/05/2020 (E4A), episode B from 10/02/2021, open.
    # A is open on 31/03/2020, so the 2019-20 return has it with DEC, REC and REASON blank;
    # the 2020-21 return has A closed and B open. C1 is in both returns' headers.
    source, out = tmp_path / "history", tmp_path / "returns"
    source.mkdir()
    (source / "ssda903_episodes.csv").write_text(
        "CHILD,DECOM,RNE,LS,PLACE,DEC,REC,REASON_PLACE_CHANGE\n"
        "C1,01/06/2019,S,C2,U1,01/05/2020,E4A,CARPL\n"
        "C1,10/02/2021,S,C2,U1,,,\n", encoding="utf-8")
    (source / "ssda903_header.csv").write_text("CHILD,SEX,DOB\nC1,1,01/01/2010\n", encoding="utf-8")
    (source / "visits.csv").write_text("visit_id\n", encoding="utf-8")

    rows = write_yearly_returns(source, out)

    assert rows == {"ssda903_2019-20_episodes.csv": 1, "ssda903_2019-20_header.csv": 1,
                    "ssda903_2020-21_episodes.csv": 2, "ssda903_2020-21_header.csv": 1}
    assert (out / "ssda903_2019-20_episodes.csv").read_text(encoding="utf-8").splitlines()[1] == (
        "C1,01/06/2019,S,C2,U1,,,")
    assert (out / "ssda903_2020-21_episodes.csv").read_text(encoding="utf-8").splitlines()[1:] == [
        "C1,01/06/2019,S,C2,U1,01/05/2020,E4A,CARPL", "C1,10/02/2021,S,C2,U1,,,"]
    assert (out / "visits.csv").read_text(encoding="utf-8") == "visit_id\n"


@pytest.mark.parametrize("topic", ["visits", "summary"])
def test_profiled_notebook_cells_declare_every_parameter_before_the_values(topic):
    # The profile runs a notebook's cells itself: its own parameters cell must come first so
    # that a parameter added to the notebook (linked_quarters, say) is defined, then ours.
    from benchmarks.profiling import _notebook_cells

    cells = _notebook_cells(topic, {"quarter": "2020-21 Q3"})
    namespace: dict = {}
    exec(cells[0], namespace)
    exec(cells[1], namespace)

    assert {"quarter", "data_dir", "audience", "linked_quarters", "linked_topics"} <= set(namespace)
    assert namespace["quarter"] == "2020-21 Q3"


def test_a_profile_names_folders_not_this_checkouts_absolute_path():
    from benchmarks import profiling

    root = profiling._ROOT
    text = f"load_data  {root}/qa_analysis/io/loaders.py:481\\nProfile at {root}"

    shown = profiling._folder_names_only(text)

    assert shown == f"load_data  qa_analysis/io/loaders.py:481\\nProfile at {root.name}"

"""Benchmark 1: ``qa-analysis report`` for a year (4 quarters x 5 topics) against the naive floor.

The naive floor is what the same 20 notebooks cost with the toolchain alone, used the
obvious way: for each, ``papermill`` on the command line (a fresh kernel) running a
notebook that holds only the parameters cell, then ``jupyter nbconvert --to html
--no-input`` on its output, one after another. Whatever ``qa-analysis report`` does beyond
that (loading, metrics, charts, our template) has to be paid for by what it saves (one
kernel per worker, export in-process, two workers).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import nbformat

from qa_analysis.config import DEMO_DATA_DIR
from qa_analysis.periods import year_quarters
from qa_analysis.reports import KERNEL_NAME, QUARTERLY_REPORTS

from .procs import check, load_average, run_timed, tool
from .stats import ratio_of_medians, summarise

YEAR = "2020-21"
JOBS = 2
TARGET_RATIO = 0.10  # issue 12 (was 0.4, issue 6)


def params_only_notebook(path: Path) -> Path:
    """A notebook whose one cell is the topic notebooks' parameters cell (same names)."""
    cell = nbformat.v4.new_code_cell(
        'quarter = "2020-21 Q1"\ndata_dir = "data/demo"\naudience = "internal"\nsettings_file = ""\nlinked_quarters = ""\nlinked_topics = ""',
        metadata={"tags": ["parameters"]},
    )
    nb = nbformat.v4.new_notebook(cells=[cell])
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.write(nb, path)
    return path


def _ours(out: Path, data_dir: Path) -> float:
    cmd = [
        tool("qa-analysis"), "report", "--year", YEAR, "--jobs", str(JOBS),
        "--data", str(data_dir), "--out", str(out), "--quiet",
    ]
    timed = check(run_timed(cmd), "qa-analysis report")
    written = sorted((out / "internal").glob("*/*.html"))  # OUT/<audience>/<quarter>/<topic>.html
    if len(written) != 4 * len(QUARTERLY_REPORTS):
        raise SystemExit(f"benchmarks: qa-analysis report wrote {len(written)} reports, expected 20.")
    return timed.seconds


def _floor(out: Path, notebook: Path, data_dir: Path) -> float:
    papermill, jupyter = tool("papermill"), tool("jupyter")
    seconds = 0.0
    for quarter in year_quarters(YEAR):
        for topic in QUARTERLY_REPORTS:
            executed = out / quarter.slug / f"{topic}.ipynb"
            executed.parent.mkdir(parents=True, exist_ok=True)
            run = check(run_timed([
                papermill, str(notebook), str(executed), "--no-progress-bar",
                "-r", "quarter", quarter.label, "-r", "data_dir", str(data_dir),
                "-r", "audience", "internal", "-r", "settings_file", "",
            ]), "papermill")
            export = check(run_timed([jupyter, "nbconvert", "--to", "html", "--no-input", str(executed)]),
                           "jupyter nbconvert")
            if not executed.with_suffix(".html").exists():
                raise SystemExit(f"benchmarks: nbconvert wrote no HTML for {executed}.")
            seconds += run.seconds + export.seconds
    return seconds


def run(runs: int = 3, log=print) -> dict:
    """Interleaved runs (ours, floor, ours, floor...); medians, ratio and each run's load."""
    data_dir = DEMO_DATA_DIR
    ours, floor, loads = [], [], []
    with tempfile.TemporaryDirectory(prefix="qa-bench-reports-") as tmp:
        notebook = params_only_notebook(Path(tmp) / "parameters_only.ipynb")
        for i in range(runs):
            for name, times in (("qa-analysis report", ours), ("naive floor", floor)):
                out = Path(tmp) / f"run{i}-{'ours' if times is ours else 'floor'}"
                seconds = _ours(out, data_dir) if times is ours else _floor(out, notebook, data_dir)
                times.append(seconds)
                loads.append(load_average()[0])
                log(f"  reports run {i + 1}/{runs}: {name:<20} {seconds:7.1f} s  (load {loads[-1]})")
                shutil.rmtree(out, ignore_errors=True)
    ratio = ratio_of_medians(ours, floor)
    return {
        "what": f"qa-analysis report --year {YEAR} --jobs {JOBS} (20 notebooks) vs the naive floor "
                "(papermill CLI on a parameters-only notebook + jupyter nbconvert --to html --no-input, "
                "20 times, one after another)",
        "data": Path(data_dir).name,  # the folder name: results never carry a local path
        "notebooks": 4 * len(QUARTERLY_REPORTS),
        "ours_seconds": summarise(ours),
        "floor_seconds": summarise(floor),
        "ratio": round(ratio, 3),
        "target_ratio": TARGET_RATIO,
        "load_average_1min_after_each_run": loads,
    }

"""Benchmark 3: where the time goes (pyinstrument), run in a child process per part.

``python -m benchmarks.profiling reports OUT`` and ``python -m benchmarks.profiling
national DATA OUT`` write the profiles' text to ``OUT`` and a ``*_summary.json`` of the
figures the table prints: phase timings, inclusive seconds per category and the functions
with the most self time. Categories are inclusive and may overlap (a chart's PNG rendering
is inside the notebook work that draws it).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from .stats import median

# --- summarising a pyinstrument frame tree (pure; duck-typed on .function/.file_path/.time/.children)


def frame_matches(frame, function: str | None = None, path_part: str | None = None) -> bool:
    if getattr(frame, "is_synthetic", False):
        return False
    path = (frame.file_path or "").replace("\\", "/")
    return (function is None or frame.function == function) and (path_part is None or path_part in path)


def inclusive_seconds(root, function: str | None = None, path_part: str | None = None) -> float:
    """Time in frames that match, counting a match inside another match once (the outer one)."""
    if root is None:
        return 0.0
    if frame_matches(root, function, path_part):
        return root.time
    return sum(inclusive_seconds(child, function, path_part) for child in root.children)


def self_seconds(root) -> dict[str, float]:
    """Self time (a frame's time minus its real children's) by ``function (file:line)``."""
    totals: dict[str, float] = defaultdict(float)

    def walk(frame):
        real = [c for c in frame.children if not getattr(c, "is_synthetic", False)]
        own = frame.time - sum(c.time for c in real)
        if not getattr(frame, "is_synthetic", False):
            where = (frame.file_path or "").replace("\\", "/")
            short = "/".join(where.split("/")[-2:])
            totals[f"{frame.function} ({short}:{getattr(frame, 'line_no', '')})"] += own
        for child in real:
            walk(child)

    if root is not None:
        walk(root)
    return dict(totals)


def top(totals: dict[str, float], n: int = 12) -> list[list]:
    return [[name, round(sec, 3)] for name, sec in sorted(totals.items(), key=lambda kv: -kv[1])[:n]]


def categories(root, spec: dict[str, dict]) -> dict[str, float]:
    return {name: round(inclusive_seconds(root, **match), 3) for name, match in spec.items()}


NOTEBOOK_CATEGORIES = {
    # Not "<module>": IPython runs each notebook cell as a "<module>" code object too.
    "imports (importlib _find_and_load)": {"function": "_find_and_load"},
    "start_report (load + checks + metrics)": {"function": "start_report"},
    "data loading (qa_analysis.io)": {"path_part": "qa_analysis/io/"},
    "metrics (qa_analysis.metrics)": {"path_part": "qa_analysis/metrics/"},
    "trend over quarters (ReportContext.trend)": {"function": "trend", "path_part": "qa_analysis/present.py"},
    "charts: all (qa_analysis.charts)": {"path_part": "qa_analysis/charts.py"},
    "charts: PNG rendering (to_png_bytes)": {"function": "to_png_bytes"},
    "data-quality table (data_quality_html)": {"function": "data_quality_html"},
    "footer + checksums (footer_html)": {"function": "footer_html"},
}
EXPORT_CATEGORIES = {
    "nbconvert HTMLExporter.from_notebook_node": {"function": "from_notebook_node"},
    "jinja template load/compile": {"path_part": "jinja2/environment.py", "function": "get_template"},
    "mistune markdown": {"path_part": "/mistune/"},
    "bleach/nh3 sanitising": {"path_part": "/bleach/"},
    "pygments": {"path_part": "/pygments/"},
}
NATIONAL_CATEGORIES = {
    "load_data (all loading)": {"function": "load_data"},
    "read_csv_text (CSV as text + blank rows + space check)": {"function": "read_csv_text"},
    "pandas.read_csv (C parser)": {"function": "read_csv", "path_part": "pandas/io/parsers"},
    "schemas: conversion + validation (qa_analysis.io.schemas)": {"path_part": "qa_analysis/io/schemas.py"},
    "pandera": {"path_part": "/pandera/"},
    "quarter_metrics (all metrics)": {"function": "quarter_metrics"},
    "metrics: visits": {"path_part": "qa_analysis/metrics/visits.py"},
    "metrics: referrals": {"path_part": "qa_analysis/metrics/referrals.py"},
    "metrics: placements": {"path_part": "qa_analysis/metrics/placements.py"},
    "metrics: audits": {"path_part": "qa_analysis/metrics/audits.py"},
    "working_days (periods)": {"function": "working_days"},
}


def _profiler():
    from pyinstrument import Profiler

    return Profiler(interval=0.002)


_ROOT = Path(__file__).resolve().parent.parent


def _folder_names_only(text: str) -> str:
    """A profile's text with this checkout's and this Python's absolute paths cut to names
    (``benchmarks/profiling.py``, ``.venv/lib/...``; a Python outside the checkout by its
    folder's name): a profile under outputs/ names no local folder."""
    prefix = Path(sys.prefix).resolve()
    cuts = {f"{_ROOT}/": "", str(_ROOT): _ROOT.name}
    if _ROOT not in prefix.parents and prefix != _ROOT:
        cuts = {f"{prefix}/": f"{prefix.name}/", **cuts}
    for path, shown in cuts.items():
        text = text.replace(path, shown)
    return text


def _save(profiler, path: Path, html: bool = False) -> None:
    text = profiler.output_html() if html else profiler.output_text(unicode=True, color=False, show_all=False)
    path.write_text(_folder_names_only(text), encoding="utf-8")


def _summary(profiler, spec: dict) -> dict:
    root = profiler.last_session.root_frame()
    return {
        "seconds": round(profiler.last_session.duration, 3),
        "categories": categories(root, spec),
        "top_self_time": top(self_seconds(root)),
    }


# --- the reports profile ---------------------------------------------------------------


def _subprocess_seconds(code: str, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - started)
    return median(times)


def _notebook_cells(topic: str, parameters: dict) -> list[str]:
    import nbformat

    from qa_analysis.config import NOTEBOOKS_DIR

    nb = nbformat.read(NOTEBOOKS_DIR / f"{topic}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    # The notebook's own parameters cell first (every name it declares, as papermill leaves
    # them), then the values to profile with, injected after it as papermill does.
    declared = [c.source for c in code if "parameters" in c.metadata.get("tags", [])]
    cells = [c.source for c in code if "parameters" not in c.metadata.get("tags", [])]
    return [*declared, "\n".join(f"{k} = {v!r}" for k, v in parameters.items()), *cells]


def _run_cells(shell, cells: list[str]) -> None:
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        for source in cells:
            result = shell.run_cell(source, store_history=False)
            if not result.success:
                raise RuntimeError(f"notebook cell failed: {result.error_in_exec or result.error_before_exec}")


def profile_reports(out: Path, quarter_label: str = "2020-21 Q3") -> dict:
    """Phase timings of run_job (kernel start vs reuse), import cost, the notebooks' own
    work in-process (IPython shell, charts rendered as the kernel would) and the export."""
    import os

    from qa_analysis import reports
    from qa_analysis.config import DEMO_DATA_DIR, NOTEBOOKS_DIR
    from qa_analysis.periods import parse_quarter

    quarter = parse_quarter(quarter_label)
    result: dict = {"quarter": quarter.label, "data": DEMO_DATA_DIR.name}

    # Start-up a kernel pays before any notebook: a bare interpreter, and our imports.
    bare = _subprocess_seconds("pass")
    imports = _subprocess_seconds(
        "import IPython, qa_analysis, qa_analysis.present, qa_analysis.charts, matplotlib.pyplot"
    )
    result["python_start_seconds"] = round(bare, 3)
    result["imports_seconds"] = round(imports - bare, 3)

    # run_job twice in one kernel: the first pays the kernel start, the second reuses it.
    with tempfile.TemporaryDirectory(prefix="qa-bench-profile-") as tmp:
        jobs = reports.plan_jobs([quarter], [], ["visits"], DEMO_DATA_DIR, "internal", Path(tmp))
        runs = []
        for _ in range(2):
            job_result = reports.run_job(jobs[0], reuse_kernel=True)
            if not job_result.ok:
                raise SystemExit(f"benchmarks: run_job failed: {job_result.error}")
            runs.append({k: round(v, 3) for k, v in job_result.timings.items()} | {"total": round(job_result.seconds, 3)})
        result["run_job_visits"] = {"first (starts the kernel)": runs[0], "second (reused kernel)": runs[1]}
        if reports._KERNEL is not None:
            reports._KERNEL.shutdown_kernel(now=True)
            reports._KERNEL = None

        # Export, profiled: the first call builds the exporter and loads the template.
        import nbformat

        executed = nbformat.read(jobs[0].ipynb_path, as_version=4)
        exports = []
        for i in range(2):
            profiler = _profiler()
            profiler.start()
            reports.export_html(executed, jobs[0].title)
            profiler.stop()
            _save(profiler, out / f"profile_export_{i + 1}.txt")
            exports.append(_summary(profiler, EXPORT_CATEGORIES))
        result["export_visits"] = {"first": exports[0], "second": exports[1]}

    # The notebooks' own work, in-process in an IPython shell (so _repr_html_ renders the
    # charts' PNGs as the kernel does). First the visits notebook cold, then all five warm.
    from IPython.core.interactiveshell import InteractiveShell

    os.chdir(NOTEBOOKS_DIR)
    shell = InteractiveShell.instance()
    parameters = {"quarter": quarter.label, "data_dir": str(DEMO_DATA_DIR), "audience": "internal",
                  "settings_file": ""}
    profiler = _profiler()
    profiler.start()
    _run_cells(shell, _notebook_cells("visits", parameters))
    profiler.stop()
    _save(profiler, out / "profile_notebook_visits_cold.txt")
    result["notebook_visits_cold"] = _summary(profiler, NOTEBOOK_CATEGORIES)

    per_topic = {}
    profiler = _profiler()
    profiler.start()
    for topic in reports.QUARTERLY_REPORTS:
        shell.run_line_magic("reset", "-f")
        started = time.perf_counter()
        _run_cells(shell, _notebook_cells(topic, parameters))
        per_topic[topic] = round(time.perf_counter() - started, 3)
    profiler.stop()
    _save(profiler, out / "profile_notebooks_warm.txt")
    result["notebooks_warm"] = _summary(profiler, NOTEBOOK_CATEGORIES) | {"seconds_by_topic": per_topic}
    return result


# --- the national profile --------------------------------------------------------------


def _peak_gib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2)


def profile_national(data_dir: Path, out: Path, quarter_label: str = "2020-21 Q3") -> dict:
    from qa_analysis.io import load_data
    from qa_analysis.metrics import quarter_metrics
    from qa_analysis.periods import parse_quarter

    quarter = parse_quarter(quarter_label)
    profiler = _profiler()
    profiler.start()
    started = time.perf_counter()
    data = load_data(Path(data_dir), cache=False)  # the CSV path: where its time goes
    loaded = time.perf_counter()
    peak_after_load = _peak_gib()
    quarter_metrics(data, quarter)
    done = time.perf_counter()
    profiler.stop()
    _save(profiler, out / "profile_national.txt")
    _save(profiler, out / "profile_national.html", html=True)
    return _summary(profiler, NATIONAL_CATEGORIES) | {
        "quarter": quarter.label,
        "load_data_seconds": round(loaded - started, 3),
        "quarter_metrics_seconds": round(done - loaded, 3),
        "peak_gib_after_load": peak_after_load,
        "peak_gib_after_metrics": _peak_gib(),
        "note": "in-process under pyinstrument (sampling every 2 ms), so a little slower than the timed runs",
    }


def main(argv: list[str]) -> int:
    if argv[:1] == ["reports"] and len(argv) == 2:
        out = Path(argv[1]).resolve()
        out.mkdir(parents=True, exist_ok=True)
        summary = profile_reports(out)
        (out / "profile_reports_summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        return 0
    if argv[:1] == ["national"] and len(argv) == 3:
        out = Path(argv[2]).resolve()
        out.mkdir(parents=True, exist_ok=True)
        summary = profile_national(Path(argv[1]), out)
        (out / "profile_national_summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        return 0
    print("usage: python -m benchmarks.profiling reports OUT | national DATA OUT", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Benchmark 2: ``qa-analysis metrics`` for one quarter at national scale against the load floor.

The data are generated once by ``qa-analysis demo-data --children N`` into
``outputs/bench/national/data`` and reused while a marker file there matches (same
children, seed and demo generator). The load floor is a Python process that reads the
same CSV files with plain ``pandas.read_csv`` and nothing else: what any pandas analysis of
these files must pay before its first metric.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

from qa_analysis.config import OUTPUTS_DIR, PACKAGE_DIR

from .procs import check, load_average, run_timed, tool
from .stats import median, ratio_of_medians, summarise

CHILDREN = 300_000
SEED = 2020
QUARTER = "2020-21 Q3"
TARGET_RATIO = 2.0
TARGET_PEAK_GIB = 6.0
NATIONAL_DIR = OUTPUTS_DIR / "bench" / "national"
MARKER = ".bench-data.json"

# The floor: read each file, keep the frames (as an analysis would), nothing else.
FLOOR_CODE = (
    "import sys, pandas\n"
    "frames = [pandas.read_csv(p) for p in sys.argv[1:]]\n"
    "print(sum(len(f) for f in frames))\n"
)


def marker_for(children: int, seed: int = SEED) -> dict:
    """What the cached data were made with; a different generator means new data."""
    demo = (PACKAGE_DIR / "demo.py").read_bytes()
    return {"children": children, "seed": seed, "demo_py_sha256": hashlib.sha256(demo).hexdigest()}


def write_marker(data_dir: Path, children: int, seed: int = SEED, counts: dict | None = None) -> None:
    payload = marker_for(children, seed) | {"rows": counts or {}}
    (data_dir / MARKER).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def cached(data_dir: Path, children: int, seed: int = SEED) -> bool:
    try:
        found = json.loads((data_dir / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    wanted = marker_for(children, seed)
    return all(found.get(k) == v for k, v in wanted.items())


def row_counts(data_dir: Path) -> dict:
    """Data rows per CSV file (lines minus the header; the demo writes no blank lines)."""
    counts = {}
    for path in sorted(data_dir.glob("*.csv")):
        with open(path, "rb") as handle:
            counts[path.name] = sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 24), b"")) - 1
    return counts


def ensure_data(children: int = CHILDREN, log=print) -> tuple[Path, dict]:
    """The national data folder, generated unless a matching marker says it is there."""
    data_dir = NATIONAL_DIR / "data"
    if cached(data_dir, children):
        log(f"  national data: reusing {data_dir}")
        return data_dir, json.loads((data_dir / MARKER).read_text(encoding="utf-8"))
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    log(f"  national data: generating {children:,} children into {data_dir} (a minute or two)")
    timed = check(
        run_timed([tool("qa-analysis"), "demo-data", "--children", str(children), "--seed", str(SEED),
                   "--out", str(data_dir)]),
        "qa-analysis demo-data",
    )
    counts = row_counts(data_dir)
    write_marker(data_dir, children, SEED, counts)
    log(f"  national data: {sum(counts.values()):,} rows in {timed.seconds:.0f} s, "
        f"peak {timed.max_rss_bytes / 2**30:.1f} GiB")
    return data_dir, json.loads((data_dir / MARKER).read_text(encoding="utf-8"))


def run(runs: int = 3, children: int = CHILDREN, log=print) -> dict:
    """Interleaved runs (metrics, floor, metrics, floor...); medians, ratio, peak memory."""
    data_dir, marker = ensure_data(children, log)
    files = [str(p) for p in sorted(data_dir.glob("*.csv"))]
    metrics_cmd = [tool("qa-analysis"), "metrics", "--data", str(data_dir), "--quarter", QUARTER]
    floor_cmd = [sys.executable, "-c", FLOOR_CODE, *files]
    ours, floor, ours_rss, floor_rss, loads = [], [], [], [], []
    out = NATIONAL_DIR / "metrics.json"
    for i in range(runs):
        a = check(run_timed(metrics_cmd, stdout_path=out), "qa-analysis metrics")
        ours.append(a.seconds)
        ours_rss.append(a.max_rss_bytes)
        loads.append(load_average()[0])
        log(f"  national run {i + 1}/{runs}: qa-analysis metrics {a.seconds:7.1f} s  "
            f"peak {a.max_rss_bytes / 2**30:.2f} GiB  (load {loads[-1]})")
        b = check(run_timed(floor_cmd), "the pandas.read_csv floor")
        floor.append(b.seconds)
        floor_rss.append(b.max_rss_bytes)
        loads.append(load_average()[0])
        log(f"  national run {i + 1}/{runs}: read_csv floor      {b.seconds:7.1f} s  "
            f"peak {b.max_rss_bytes / 2**30:.2f} GiB  (load {loads[-1]})")
    ratio = ratio_of_medians(ours, floor)
    peak = max(ours_rss) / 2**30
    return {
        "what": f'qa-analysis metrics --quarter "{QUARTER}" on national-scale demo data vs the load floor '
                "(plain pandas.read_csv of the same CSV files)",
        "data": str(data_dir),
        "children": marker.get("children"),
        "rows": marker.get("rows", {}),
        "ours_seconds": summarise(ours),
        "floor_seconds": summarise(floor),
        "ratio": round(ratio, 3),
        "target_ratio": TARGET_RATIO,
        "ours_peak_memory_gib": round(peak, 2),
        "ours_peak_memory_gib_median": round(median(ours_rss) / 2**30, 2),
        "floor_peak_memory_gib": round(max(floor_rss) / 2**30, 2),
        "target_peak_memory_gib": TARGET_PEAK_GIB,
        "load_average_1min_after_each_run": loads,
    }

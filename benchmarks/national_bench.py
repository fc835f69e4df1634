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
TARGET_RATIO = 2.0  # metrics (first run, cache written) / the faster read with pyarrow
TARGET_CACHED_RATIO = 0.5  # metrics on unchanged files (cache read) / the same floor
TARGET_PEAK_GIB = 4.0
NATIONAL_DIR = OUTPUTS_DIR / "bench" / "national"
MARKER = ".bench-data.json"

# The floors: read each file, keep the frames (as an analysis would), nothing else.
# "object": pandas' C parser with Python strings, what pandas gives without pyarrow
# (pandas 3 can still be told so, with a deprecation warning); "c": the C parser as pandas 3
# runs it with pyarrow installed (strings stored in Arrow); "pyarrow": engine="pyarrow",
# dtype_backend="pyarrow". The targets are measured against the faster of "c" and "pyarrow".
FLOORS = {
    "object": "pandas.set_option('future.infer_string', False)\n"
              "frames = [pandas.read_csv(p) for p in sys.argv[1:]]\n",
    "c": "frames = [pandas.read_csv(p) for p in sys.argv[1:]]\n",
    "pyarrow": "frames = [pandas.read_csv(p, engine='pyarrow', dtype_backend='pyarrow') "
               "for p in sys.argv[1:]]\n",
}
FLOOR_WORDS = {
    "object": "pandas.read_csv without pyarrow (C parser, Python strings)",
    "c": "pandas.read_csv, C parser, strings in Arrow (pandas 3 with pyarrow installed)",
    "pyarrow": "pandas.read_csv(engine='pyarrow', dtype_backend='pyarrow')",
}
FLOOR_CODE = "import sys, warnings, pandas\nwarnings.simplefilter('ignore')\n{read}" \
             "print(sum(len(f) for f in frames))\n"
# The cached load alone, in a process of its own: what the cache saves against the reads.
CACHED_LOAD_CODE = (
    "import sys, time\n"
    "started = time.perf_counter()\n"
    "from qa_analysis.io import load_data\n"
    "data = load_data(sys.argv[1], cache=True)\n"
    "print(round(time.perf_counter() - started, 3))\n"
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


def run(runs: int = 3, children: int = CHILDREN, log=print, data_dir: Path | None = None) -> dict:
    """Interleaved runs: per round, the cache cleared, metrics (reads the CSV files and
    writes the cache), the floor without pyarrow, metrics with ``--no-cache`` (what writing
    the cache costs a first run), metrics again (reads the cache), the C-parser floor, the
    cached load alone, the pyarrow floor. Medians (wall and CPU), ratios, peak memory.

    ``data_dir``: an existing data folder to use instead of the generated one.
    """
    from qa_analysis.io import cache

    if data_dir is None:
        data_dir, marker = ensure_data(children, log)
    else:
        data_dir = Path(data_dir)
        marker = {"children": None, "rows": row_counts(data_dir)}
    if not cache.usable(data_dir, True):
        raise SystemExit(f"benchmarks: {data_dir} cannot hold a cache (read-only, or inside a "
                         "repository that does not ignore .qa-cache): copy the data elsewhere")
    files = [str(p) for p in sorted(data_dir.glob("*.csv"))]
    metrics_cmd = [tool("qa-analysis"), "metrics", "--data", str(data_dir), "--quarter", QUARTER]
    floor_cmds = {name: [sys.executable, "-c", FLOOR_CODE.format(read=read), *files]
                  for name, read in FLOORS.items()}
    cached_load_cmd = [sys.executable, "-c", CACHED_LOAD_CODE, str(data_dir)]
    times: dict[str, list[float]] = {k: [] for k in ("cold", "no_cache", "warm", "cached_load",
                                                    *FLOORS)}
    rss: dict[str, list[int]] = {k: [] for k in times}
    cpu: dict[str, list[float]] = {k: [] for k in times}
    loads = []
    out = NATIONAL_DIR / "metrics.json"
    out.parent.mkdir(parents=True, exist_ok=True)

    def timed(name: str, cmd: list[str], what: str, i: int, stdout=None):
        t = check(run_timed(cmd, stdout_path=stdout), what)
        times[name].append(t.seconds)
        rss[name].append(t.max_rss_bytes)
        cpu[name].append(t.cpu_seconds)
        loads.append(load_average()[0])
        log(f"  national run {i + 1}/{runs}: {what:<44} {t.seconds:7.1f} s  "
            f"(CPU {t.cpu_seconds:6.1f} s)  peak {t.max_rss_bytes / 2**30:.2f} GiB  (load {loads[-1]})")
        return t

    same_output = True
    for i in range(runs):
        cache.clear(data_dir)
        timed("cold", metrics_cmd, "qa-analysis metrics (CSV read, cache written)", i, out)
        first = out.read_bytes()
        if not cache._has_entry(data_dir):
            # the cached figures below would time a second CSV read, not the cache
            raise SystemExit(f"benchmarks: qa-analysis metrics wrote no cache entry in {data_dir.name}")
        timed("object", floor_cmds["object"], "floor: " + FLOOR_WORDS["object"][:38], i)
        timed("no_cache", metrics_cmd + ["--no-cache"], "qa-analysis metrics --no-cache", i, out)
        same_output &= out.read_bytes() == first
        timed("warm", metrics_cmd, "qa-analysis metrics (cache read)", i, out)
        same_output &= out.read_bytes() == first
        timed("c", floor_cmds["c"], "floor: pandas.read_csv, strings in Arrow", i)
        timed("cached_load", cached_load_cmd, "load_data from the cache alone", i)
        timed("pyarrow", floor_cmds["pyarrow"], "floor: read_csv(engine='pyarrow')", i)
    cache_size = sum(p.stat().st_size for p in cache.cache_dir(data_dir).rglob("*") if p.is_file())
    # The targets are against the faster of the two reads with pyarrow (pandas 3's default C
    # parser storing strings in Arrow is the faster here: engine="pyarrow" with the pyarrow
    # backend also parses the dates).
    fastest = min(("c", "pyarrow"), key=lambda name: median(times[name]))
    floor = times[fastest]
    return {
        "what": f'qa-analysis metrics --quarter "{QUARTER}" on national-scale data against the '
                "read floors (pandas.read_csv of the same CSV files)",
        "data": data_dir.name,  # the folder name: results never carry a local path
        "data_dir": data_dir,
        "children": marker.get("children"),
        "rows": marker.get("rows", {}),
        "floors": FLOOR_WORDS,
        "ours_seconds": summarise(times["cold"]),
        "ours_no_cache_seconds": summarise(times["no_cache"]),
        # what writing the cache adds to a first run (wall and CPU, medians)
        "cache_write_seconds": round(median(times["cold"]) - median(times["no_cache"]), 2),
        "cache_write_cpu_seconds": round(median(cpu["cold"]) - median(cpu["no_cache"]), 2),
        "cpu_seconds": {name: summarise(values) for name, values in cpu.items()},
        "ours_cached_seconds": summarise(times["warm"]),
        "cached_load_seconds": summarise(times["cached_load"]),
        "floor_seconds": summarise(floor),
        "target_floor": fastest,
        "floors_seconds": {name: summarise(times[name]) for name in FLOORS},
        "ratio": round(ratio_of_medians(times["cold"], floor), 3),
        "ratios_to_floors": {name: round(ratio_of_medians(times["cold"], times[name]), 3)
                             for name in FLOORS},
        "cached_ratio": round(ratio_of_medians(times["warm"], floor), 3),
        "cached_load_ratio": round(ratio_of_medians(times["cached_load"], floor), 3),
        "target_ratio": TARGET_RATIO,
        "target_cached_ratio": TARGET_CACHED_RATIO,
        "cached_output_identical": same_output,
        "cache_mib": round(cache_size / 2**20, 1),
        "ours_peak_memory_gib": round(max(rss["cold"]) / 2**30, 2),
        "ours_cached_peak_memory_gib": round(max(rss["warm"]) / 2**30, 2),
        "cached_load_peak_memory_gib": round(max(rss["cached_load"]) / 2**30, 2),
        "ours_peak_memory_gib_median": round(median(rss["cold"]) / 2**30, 2),
        "floor_peak_memory_gib": {name: round(max(rss[name]) / 2**30, 2) for name in FLOORS},
        "target_peak_memory_gib": TARGET_PEAK_GIB,
        "load_average_1min_after_each_run": loads,
    }

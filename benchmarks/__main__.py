"""``python -m benchmarks [--only reports|national|consolidation] [--runs 3] [--children N] [--no-profile]``.

``--only consolidation`` (not part of the default run) times ``metrics`` on the national data as
one 903 history and as yearly returns (``--data DIR`` for another source folder)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from qa_analysis.config import OUTPUTS_DIR

from .procs import load_average, machine_facts
from .stats import verdict

BENCH_DIR = OUTPUTS_DIR / "bench"


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _profile(args: list[str], summary_name: str) -> dict:
    """A profile in its own process (clean imports, its memory freed when it ends).

    A failed profile is recorded, not fatal: the timed figures are already in hand.
    """
    done = subprocess.run([sys.executable, "-m", "benchmarks.profiling", *args],
                          cwd=Path(__file__).resolve().parent.parent)
    if done.returncode != 0:
        _log(f"  the profile failed (exit {done.returncode}); the timings stand")
        return {"error": f"profiling exited {done.returncode}"}
    return json.loads((BENCH_DIR / summary_name).read_text(encoding="utf-8"))


def _write(path: Path, payload: dict) -> None:
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def table(results: dict) -> str:
    """The short table printed at the end."""
    lines = [f"{'benchmark':<10} {'ours (s)':>9} {'floor (s)':>10} {'ratio':>6} {'target':>7}  verdict"]
    for name in ("reports", "national"):
        r = results.get(name)
        if not r:
            continue
        lines.append(
            f"{name:<10} {r['ours_seconds']['median']:>9.1f} {r['floor_seconds']['median']:>10.1f} "
            f"{r['ratio']:>6.2f} {'<= ' + str(r['target_ratio']):>7}  {verdict(r['ratio'], r['target_ratio'])}"
        )
        if name == "national":
            floors = r.get("floors_seconds", {})
            for floor, words in r.get("floors", {}).items():
                lines.append(f"{'':<10} floor {floor:<8} {floors[floor]['median']:>7.1f} s  "
                             f"ratio {r['ratios_to_floors'][floor]:>5.2f}  ({words})")
            if "cache_write_seconds" in r:
                lines.append(
                    f"{'':<10} first run without the cache (--no-cache) "
                    f"{r['ours_no_cache_seconds']['median']:.1f} s: writing the cache adds "
                    f"{r['cache_write_seconds']:+.1f} s wall, {r['cache_write_cpu_seconds']:+.1f} s CPU; "
                    f"cache {r['cache_mib']:,.0f} MiB"
                )
            if "cached_ratio" in r:
                lines.append(
                    f"{'':<10} cached second run {r['ours_cached_seconds']['median']:.1f} s: "
                    f"{r['cached_ratio']:.2f} x the {r['target_floor']} floor (target <= {r['target_cached_ratio']}: "
                    f"{verdict(r['cached_ratio'], r['target_cached_ratio'])}); the cached load alone "
                    f"{r['cached_load_seconds']['median']:.1f} s = {r['cached_load_ratio']:.2f} x; "
                    f"output identical: {r['cached_output_identical']}"
                )
            lines.append(
                f"{'':<10} peak memory of qa-analysis metrics: {r['ours_peak_memory_gib']:.2f} GiB "
                f"(target <= {r['target_peak_memory_gib']:.0f}: "
                f"{verdict(r['ours_peak_memory_gib'], r['target_peak_memory_gib'])})"
            )
    c = results.get("consolidation")
    if c:
        lines.append(
            f"{'903 returns':<10} one history {c['one_file_seconds']['median']:.1f} s, yearly returns "
            f"{c['yearly_returns_seconds']['median']:.1f} s: {c['overhead_pct']:+.1f}% "
            f"(target <= +{c['target_overhead_pct']:.0f}%: "
            f"{'met' if c['overhead_pct'] <= c['target_overhead_pct'] else 'missed'}); "
            f"CPU time {c['cpu_overhead_pct']:+.1f}%; "
            f"identical JSON: {c['identical_json']}"
        )
    m = results["machine"]
    lines.append(
        f"machine: {m['cpus_usable']} CPUs ({m['cpu_model']}), {m['memory_gib']} GiB, Python {m['python']}, "
        f"load average {m['load_average_at_start']} at start, {results['load_average_at_end']} at end"
    )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--only", choices=("reports", "national", "consolidation"),
                        help="run one benchmark only (consolidation runs only when named)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each contender (default 3)")
    parser.add_argument("--children", type=int, default=None, help="national scale (default 300000)")
    parser.add_argument("--no-profile", action="store_true", help="skip the pyinstrument profiles")
    parser.add_argument("--data", default=None,
                        help="national: an existing data folder (a .qa-cache is made there) "
                             "instead of generating one in outputs/bench/national/data; "
                             "consolidation: the source folder (default: the national data)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be 1 or more")

    from . import national_bench, reports_bench

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results: dict = {"machine": machine_facts(), "runs": args.runs}
    _log(f"machine: {results['machine']['cpus_usable']} CPUs, load average {load_average()}")
    if args.only in (None, "reports"):
        _log("benchmark 1: batch reports vs the naive floor")
        results["reports"] = reports_bench.run(args.runs, log=_log)
        if not args.no_profile:
            _log("  profiling one report (kernel, imports, notebook work, export)")
            results["reports"]["profile"] = _profile(["reports", str(BENCH_DIR)], "profile_reports_summary.json")
        _write(BENCH_DIR / "reports.json", {"machine": results["machine"], **results["reports"]})
    if args.only in (None, "national"):
        _log("benchmark 2: national-scale metrics vs the load floor")
        children = args.children or national_bench.CHILDREN
        results["national"] = national_bench.run(args.runs, children, log=_log, data_dir=args.data)
        data_dir = results["national"].pop("data_dir")
        if not args.no_profile:
            _log("  profiling load_data + quarter_metrics")
            results["national"]["profile"] = _profile(
                ["national", str(data_dir), str(BENCH_DIR)], "profile_national_summary.json"
            )
        _write(BENCH_DIR / "national.json", {"machine": results["machine"], **results["national"]})
    if args.only == "consolidation":
        from . import consolidation_bench

        _log("benchmark 3: what consolidating yearly SSDA903 returns adds to metrics")
        results["consolidation"] = consolidation_bench.run(args.runs, args.data, log=_log)
        _write(BENCH_DIR / "consolidation.json", {"machine": results["machine"], **results["consolidation"]})
    results["load_average_at_end"] = load_average()
    results["elapsed_seconds"] = round(time.perf_counter() - started, 1)

    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    _write(BENCH_DIR / f"results-{stamp}.json", results)
    _write(BENCH_DIR / "latest.json", results)
    print(table(results))
    print(f"results: {BENCH_DIR / 'latest.json'} (profiles' text alongside)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Peak memory of ``qa-analysis report`` as a whole process tree (issue 14 item 6).

``python -m benchmarks.report_memory --data DIR --jobs 1 2 4 [--year 2020-21] [--annual]``

The batch is a main process, ``--jobs`` worker processes and one python kernel per worker,
so the peak resident memory of the main process alone (what ``wait4`` reports) says little.
This samples the whole tree every 0.2 s from ``/proc`` and records the peak of the sum of
RSS (resident pages, shared pages counted once per process that maps them) and of PSS
(proportional set size: a page shared by n processes counts 1/n in each, so the sum is the
memory the tree really holds). Linux only. Not a timed test: a measurement for the note.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from .procs import load_average, tool

PAGE = os.sysconf("SC_PAGE_SIZE")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def tree_pids(root: int) -> list[int]:
    tree, out, todo = _children(), [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(tree.get(pid, ()))
    return out


def _rss_pss(pid: int) -> tuple[int, int]:
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1]) * 1024
            elif line.startswith("Pss:"):
                pss = int(line.split()[1]) * 1024
    except OSError:
        pass
    return rss, pss


def measure(cmd: list[str], interval: float = 0.2) -> dict:
    """Run ``cmd``; wall time, exit code, peak tree RSS and PSS, peak process count."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = {"rss": 0, "pss": 0, "processes": 0}
    done = threading.Event()

    def sample():
        while not done.is_set():
            pids = tree_pids(proc.pid)
            sizes = [_rss_pss(p) for p in pids]
            peak["rss"] = max(peak["rss"], sum(s[0] for s in sizes))
            peak["pss"] = max(peak["pss"], sum(s[1] for s in sizes))
            peak["processes"] = max(peak["processes"], len(pids))
            done.wait(interval)

    started = time.perf_counter()
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    err = proc.stderr.read().decode("utf-8", "replace")
    proc.wait()
    done.set()
    sampler.join()
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "returncode": proc.returncode,
        "peak_tree_rss_mib": round(peak["rss"] / 2**20),
        "peak_tree_pss_mib": round(peak["pss"] / 2**20),
        "peak_processes": peak["processes"],
        "stderr_tail": err.strip().splitlines()[-3:],
        "load_average_after": load_average(),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report_memory")
    parser.add_argument("--data", required=True)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--year", default="2020-21")
    parser.add_argument("--topics", nargs="+", default=None)
    parser.add_argument("--annual", action="store_true")
    parser.add_argument("--extra", nargs="*", default=[], help="further report options")
    args = parser.parse_args(argv)
    results = []
    for jobs in args.jobs:
        with tempfile.TemporaryDirectory(prefix="qa-mem-") as out:
            cmd = [tool("qa-analysis"), "report", "--data", args.data, "--year", args.year,
                   "--jobs", str(jobs), "--out", out, "--quiet", *args.extra]
            if args.topics:
                cmd += ["--topics", *args.topics]
            if args.annual:
                cmd += ["--annual", args.year]
            result = {"jobs": jobs, **measure(cmd)}
            results.append(result)
            print(json.dumps(result), flush=True)
    return 0 if all(r["returncode"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())

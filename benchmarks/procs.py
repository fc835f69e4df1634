"""Running timed child processes, and facts about the machine they ran on."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from qa_analysis.config import PROJECT_ROOT

# The console scripts of the environment running the benchmarks (.venv/bin), not of PATH.
BIN_DIR = Path(sys.executable).parent


def tool(name: str) -> str:
    """The path of a console script installed next to this Python (``.venv/bin/<name>``)."""
    path = BIN_DIR / name
    if not path.exists():
        raise SystemExit(f"benchmarks: {path} is missing; run 'make venv' (or 'make test') first.")
    return str(path)


@dataclass
class Timed:
    seconds: float
    max_rss_bytes: int  # peak resident memory of the child (and the children it waited for)
    returncode: int
    stderr_tail: str = ""
    cpu_seconds: float = 0.0  # user + system time of the child (and the children it waited for)


def run_timed(cmd: list[str], cwd: Path = PROJECT_ROOT, stdout_path: Path | None = None) -> Timed:
    """Run ``cmd`` to completion; wall time and the child's own peak memory (``wait4``).

    ``wait4`` gives the rusage of this one child, so the peak is not mixed up with other
    children of the benchmark process (which RUSAGE_CHILDREN would report as a maximum).
    """
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    try:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.PIPE)
        # Drain stderr before waiting so a chatty child cannot block on a full pipe.
        err = proc.stderr.read()
        proc.stderr.close()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if stdout_path:
            out.close()
    tail = err.decode("utf-8", "replace").strip().splitlines()[-5:]
    # Linux reports ru_maxrss in KiB.
    return Timed(seconds, usage.ru_maxrss * 1024, proc.returncode, "\n".join(tail),
                 usage.ru_utime + usage.ru_stime)


def check(timed: Timed, what: str) -> Timed:
    if timed.returncode != 0:
        raise SystemExit(f"benchmarks: {what} failed (exit {timed.returncode}):\n{timed.stderr_tail}")
    return timed


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _meminfo_bytes(key: str) -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=PROJECT_ROOT,
            capture_output=True, text=True, check=True,
        )
        return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def machine_facts() -> dict:
    """What a reader needs to judge the figures: CPUs, memory, software, date, load."""
    import pandas

    import qa_analysis

    total = _meminfo_bytes("MemTotal")
    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gib": round(total / 2**30, 1) if total else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "pandas": pandas.__version__,
        "qa_analysis": qa_analysis.__version__,
        "git_commit": _git_commit(),
        "load_average_at_start": load_average(),
    }

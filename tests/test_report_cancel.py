"""Cancellation that stops (issue 14 item 3): a real batch, signalled mid-run.

``qa-analysis report`` runs in its own process group on the demo data (one topic, four
quarters, two workers). Once its first page exists in the staging folder the test records
the whole process tree (main process, workers, kernels), sends the signal (SIGINT to the
process group, as Ctrl-C in a terminal does; SIGTERM to the main process, as ``kill``
does) and checks: the exit code, the time to stop, no process of the tree left running,
the kernels' connection files gone, and the previous set exactly as it was.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qa_analysis import reports
from qa_analysis.config import DEMO_DATA_DIR
from qa_analysis.periods import parse_quarter
from qa_analysis.reports import JobResult, generate_reports

pytestmark = pytest.mark.slow

STOP_WITHIN_SECONDS = 5.0


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has stopped; only its exit status is left


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text()[:60]
    except OSError:
        return f"{pid} gone"


def _runtime_dirs(pids: list[int]) -> set[Path]:
    """The kernels' connection-file folders, read from the workers' environment."""
    found = set()
    for pid in pids:
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        for item in environ:
            if item.startswith(b"JUPYTER_RUNTIME_DIR="):
                found.add(Path(item.split(b"=", 1)[1].decode()))
    return found


def _previous_set(out: Path, monkeypatch) -> dict:
    """A complete earlier set (written instantly by a stand-in pool), as bytes by path."""

    def instant(jobs, on_result=None, **kwargs):
        for job in jobs:
            job.html_path.parent.mkdir(parents=True, exist_ok=True)
            job.html_path.write_text(f"<html>earlier {job.name}</html>")
        return [JobResult(job, True, 0.0) for job in jobs]

    with monkeypatch.context() as patch:
        patch.setattr(reports, "run_jobs", instant)
        generate_reports(DEMO_DATA_DIR, [parse_quarter("2020-21 Q1")], [], topics=["visits"], out_dir=out,
                         progress=False)
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted((out / "internal").rglob("*")) if p.is_file()}


def _start_batch(out: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "qa_analysis.cli", "report", "--data", str(DEMO_DATA_DIR), "--year", "2020-21",
           "--topics", "visits", "--jobs", "2", "--out", str(out), "--quiet"]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def _wait_for_first_page(out: Path, proc: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if list(out.glob(".staging-*/*/*.html")):
            return
        if proc.poll() is not None:
            pytest.fail(f"the batch ended before its first page: {proc.communicate()}")
        time.sleep(0.1)
    proc.kill()
    pytest.fail("no page was written in time")


@pytest.mark.parametrize(
    ("signum", "to_group", "code"),
    [(signal.SIGINT, True, 130), (signal.SIGTERM, False, 143)],
    ids=["SIGINT-to-the-group", "SIGTERM-to-the-main-process"],
)
def test_a_signal_mid_batch_stops_everything_and_changes_nothing(tmp_path, monkeypatch, signum, to_group, code):
    out = tmp_path / "out"
    before = _previous_set(out, monkeypatch)
    proc = _start_batch(out)
    _wait_for_first_page(out, proc)
    pids = _tree(proc.pid)
    runtime_dirs = _runtime_dirs(pids)

    sent = time.monotonic()
    if to_group:
        os.killpg(proc.pid, signum)
    else:
        proc.send_signal(signum)
    _, err = proc.communicate(timeout=30)
    stopped_after = time.monotonic() - sent
    # A killed process can take a moment to release its memory: wait out the 5 s, no more.
    while (left := [pid for pid in pids if _running(pid)]) and time.monotonic() - sent < STOP_WITHIN_SECONDS:
        time.sleep(0.05)

    assert proc.returncode == code, err
    assert stopped_after <= STOP_WITHIN_SECONDS, stopped_after
    assert left == [], [_state(p) for p in left]
    assert len(pids) >= 5  # the main process, 2 workers and their 2 kernels were all in the tree
    assert runtime_dirs and not any(d.exists() and any(d.iterdir()) for d in runtime_dirs)
    assert f"stopped by {signal.Signals(signum).name}; nothing was changed" in err and "Finished before" in err
    after = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted((out / "internal").rglob("*")) if p.is_file()}
    assert after == before
    assert [p.name for p in out.iterdir() if p.name.startswith(".staging-")] == []


def test_a_notebook_over_its_timeout_is_a_listed_failure(tmp_path):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = new_code_cell('quarter = "2020-21 Q1"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, new_code_cell("import time\ntime.sleep(120)")]
    notebook = tmp_path / "slow.ipynb"
    nbformat.write(nb, notebook)
    job = reports.ReportJob("visits", "2020-21 Q1", "2020-21_Q1", notebook, {"quarter": "2020-21 Q1"},
                            tmp_path / "out", timeout=3)

    started = time.monotonic()
    [result] = reports.run_jobs([job], n_jobs=1, progress=False)

    assert not result.ok and "stopped after 3 seconds (the notebook_timeout_seconds setting)" in result.error
    assert time.monotonic() - started < 100
    assert not job.html_path.exists()
    shutil.rmtree(tmp_path / "out", ignore_errors=True)

"""qa_analysis._memory: transparent huge pages switched off for a command's process."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Linux reports the process's setting in /proc/self/status ("THP_enabled: 0" once disabled).
PROBE = (
    "import sys; from qa_analysis._memory import huge_pages_off; "
    "applied = huge_pages_off(); "
    "line = [l for l in open('/proc/self/status') if l.startswith('THP_enabled')][0]; "
    "print(applied, line.split()[1])"
)

linux_only = pytest.mark.skipif(not Path("/proc/self/status").exists()
                                or "THP_enabled" not in Path("/proc/self/status").read_text(),
                                reason="needs Linux's per-process THP setting")


def _probe(env_extra: dict) -> str:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **env_extra}
    return subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          env=env, check=True).stdout.strip()


@linux_only
def test_huge_pages_off_disables_them_for_the_process():
    assert _probe({}) == "True 0"


@linux_only
def test_huge_pages_left_alone_when_asked():
    # The child inherits this process's setting (a test may have run the CLI in-process).
    inherited = [line for line in Path("/proc/self/status").read_text().splitlines()
                 if line.startswith("THP_enabled")][0].split()[1]

    assert _probe({"QA_ANALYSIS_HUGE_PAGES": "on"}) == f"False {inherited}"

"""The code base, tests and notebooks stay ruff-clean (configuration in pyproject.toml)."""

import shutil
import subprocess
import sys
from pathlib import Path

from qa_analysis.config import PROJECT_ROOT


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "ruff is part of the dev extra; install it with `make venv`"
    targets = [t for t in ("qa_analysis", "tests", "benchmarks", "notebooks") if (PROJECT_ROOT / t).exists()]
    result = subprocess.run([ruff, "check", *targets], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr

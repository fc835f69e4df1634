"""Installable anywhere (issue 17 item 1): the wheel, a fresh environment, the template.

The wheel is built from this checkout as ``make dist`` builds it. The slow test installs it
into a fresh virtual environment outside the checkout (no system site-packages, no
PYTHONPATH: nothing from the source tree can leak in; the dependencies come from pip's
configured index, a local wheelhouse where the machine has one) and, from an empty working
folder, runs ``metrics`` and ``report`` for one quarter. That takes about 40 s to install
and 30 s to 2 min to report on this 2-core machine, depending on its load.
"""

import json
import os
import shutil
import subprocess
import sys
import time
import venv
import zipfile
from pathlib import Path

import pytest

from qa_analysis.config import PROJECT_ROOT

NOTEBOOKS = sorted(p.name for p in (PROJECT_ROOT / "notebooks").glob("*.ipynb"))
DEMO_FILES = sorted(p.name for p in (PROJECT_ROOT / "data" / "demo").iterdir() if p.is_file())


def _clean_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHONPATH", "VIRTUAL_ENV"))}
    env["PYTHONNOUSERSITE"] = "1"
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    build = PROJECT_ROOT / "build"
    shutil.rmtree(build, ignore_errors=True)  # a stale build/ could ship removed files
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out), str(PROJECT_ROOT)],
        capture_output=True, text=True, timeout=600, env=_clean_env(),
    )
    shutil.rmtree(build, ignore_errors=True)
    assert done.returncode == 0, done.stderr[-2000:]
    (path,) = out.glob("qa_analysis-*.whl")
    return path


def _names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


@pytest.mark.slow
def test_the_wheel_ships_every_notebook(wheel):
    assert {f"qa_analysis/notebooks/{n}" for n in NOTEBOOKS} <= _names(wheel)


@pytest.mark.slow
def test_the_wheel_ships_the_demo_data(wheel):
    assert {f"qa_analysis/demo_data/{n}" for n in DEMO_FILES} <= _names(wheel)


@pytest.mark.slow
def test_the_wheel_ships_the_template_in_the_package_and_for_nbconvert(wheel):
    names = _names(wheel)
    files = ("conf.json", "index.html.j2", "report.css")
    assert {f"qa_analysis/templates/qa_report/{n}" for n in files} <= names
    shared = {n.split("/data/", 1)[1] for n in names if ".data/data/share/jupyter/nbconvert/templates/qa_report/" in n}
    assert shared == {f"share/jupyter/nbconvert/templates/qa_report/{n}" for n in files}


@pytest.mark.slow
def test_the_wheel_carries_the_license_and_project_urls(wheel):
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(archive.read(n).decode() for n in archive.namelist() if n.endswith("/METADATA"))
        licensed = [n for n in archive.namelist() if n.endswith("/licenses/LICENSE")]
    assert "License-Expression: MIT" in metadata and licensed
    assert "Project-URL: Source" in metadata and "Project-URL: Issues" in metadata


@pytest.mark.slow
def test_the_installed_wheel_runs_metrics_and_report_outside_the_checkout(wheel, tmp_path):
    started = time.perf_counter()
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=False, clear=True).create(env_dir)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    env = _clean_env()
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(wheel)],
        capture_output=True, text=True, timeout=1200, env=env,
    )
    assert installed.returncode == 0, installed.stderr[-2000:]
    install_seconds = time.perf_counter() - started
    work = tmp_path / "analyst"  # an empty folder: no data/, notebooks/ or outputs/ here
    work.mkdir()

    where = subprocess.run(
        [str(python), "-c", "import qa_analysis.config as c; print(c.NOTEBOOKS_DIR); print(c.DEMO_DATA_DIR)"],
        capture_output=True, text=True, cwd=work, env=env, timeout=120,
    )
    assert all(str(env_dir) in line for line in where.stdout.split()), where.stdout + where.stderr

    metrics = subprocess.run(
        [str(bindir / "qa-analysis"), "metrics", "--quarter", "2020-21 Q1"],
        capture_output=True, text=True, cwd=work, env=env, timeout=600,
    )
    assert metrics.returncode == 0, metrics.stderr[-2000:]
    assert json.loads(metrics.stdout)["metrics"]["visits.total"] > 0

    report = subprocess.run(
        [str(python), "-m", "qa_analysis", "report", "--quarter", "2020-21 Q1", "--quiet"],
        capture_output=True, text=True, cwd=work, env=env, timeout=1200,
    )
    report_seconds = time.perf_counter() - started - install_seconds
    print(f"wheel install {install_seconds:.0f} s, metrics + report {report_seconds:.0f} s")
    assert report.returncode == 0, report.stderr[-3000:]
    written = sorted(p.name for p in (work / "outputs" / "internal" / "2020-21_Q1").glob("*.html"))
    assert written == ["audits.html", "placement_stability.html", "referrals.html", "summary.html", "visits.html"]
    assert (work / "outputs" / "internal" / "index.html").is_file()  # OUT/<audience>/ (issue 14)


def test_the_template_works_from_jupyter_nbconvert(tmp_path):
    import nbformat

    notebook = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell("hidden_code = 1")
    code.outputs = [nbformat.v4.new_output("display_data", data={"text/html": "<p>Figure 42</p>"})]
    notebook.cells = [nbformat.v4.new_markdown_cell("# Visits: 2020-21 Q1"), code]
    nbformat.write(notebook, tmp_path / "report.ipynb")
    done = subprocess.run(
        [sys.executable, "-m", "nbconvert", "--to", "html", "--template", "qa_report",
         f"--TemplateExporter.extra_template_basedirs={PROJECT_ROOT / 'qa_analysis' / 'templates'}",
         str(tmp_path / "report.ipynb")],
        capture_output=True, text=True, timeout=300,
    )
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    css = (PROJECT_ROOT / "qa_analysis" / "templates" / "qa_report" / "report.css").read_text(encoding="utf-8")
    assert done.returncode == 0 and "Figure 42" in page and "hidden_code" not in page
    assert css.strip().splitlines()[0] in page

"""A report folder you can trust (issue 14): audiences apart, all-or-nothing runs, a lock,
data checked at start and end, errors that name what to fix.

These tests run the real orchestration (planning, lock, staging, checksums, manifest,
index, exchange) with the notebook pool replaced by a stand-in that writes each page
instantly, so every interruption point can be reached in a fraction of a second. The real
pool is exercised under signals in tests/test_report_cancel.py.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys

import pytest

from qa_analysis import reports
from qa_analysis.config import DEMO_DATA_DIR
from qa_analysis.errors import QAError
from qa_analysis.periods import parse_quarter, parse_year
from qa_analysis.reports import JobResult, folder_files, generate_reports, read_manifest

Q1, Q2 = parse_quarter("2020-21 Q1"), parse_quarter("2020-21 Q2")


class FakePool:
    """Stands in for run_jobs: writes each job's page into the staging folder.

    ``interrupt_after`` raises as a SIGINT would once that many pages are written;
    ``during`` runs once halfway (to change a data file mid-run, say).
    """

    def __init__(self, interrupt_after=None, during=None, fail=(), error_errno=None, docx=False):
        self.interrupt_after, self.during, self.fail, self.error_errno = interrupt_after, during, fail, error_errno
        self.docx = docx  # the annual job also writes its Word document, as the notebook does
        self.calls = 0

    def __call__(self, jobs, n_jobs=2, progress=True, data_dir=None, run_dir=None, on_result=None, settings_file=""):
        self.calls += 1
        results = []
        for i, job in enumerate(jobs):
            if self.interrupt_after is not None and i == self.interrupt_after:
                raise reports._Signalled(signal.SIGINT)
            if self.during and i == len(jobs) // 2:
                self.during()
            job.html_path.parent.mkdir(parents=True, exist_ok=True)
            if job.name in self.fail:
                result = JobResult(job, False, 0.0, error="ValueError: made to fail", errno=self.error_errno)
            else:
                job.html_path.write_text(
                    json.dumps({"audience": job.parameters["audience"]}) if job.kind == "metrics"
                    else f"<html>{job.name} {job.period_label} {job.parameters['audience']}</html>"
                )
                if self.docx and job.name == "annual":
                    job.html_path.with_suffix(".docx").write_bytes(b"docx")
                result = JobResult(job, True, 0.0)
            if on_result:
                on_result(result)
            results.append(result)
        return results


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(DEMO_DATA_DIR, folder, ignore=shutil.ignore_patterns(".qa-cache"))
    return folder


def _run(data, out, quarters=(Q1,), audience="internal", topics=("visits", "summary"), **kw):
    return generate_reports(data, list(quarters), [], topics=list(topics), audience=audience, out_dir=out,
                            progress=False, **kw)


def _snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_matches_its_manifest(folder):
    """Every file of the set is the one its manifest lists, and no file is missing or extra."""
    manifest = read_manifest(folder)
    assert manifest is not None
    assert folder_files(folder) == manifest["files"]
    for page in manifest["pages"]:
        assert (folder / page["file"]).is_file() == (page["status"] == "ok"), page


def _no_leftovers(out):
    return [p.name for p in out.iterdir() if p.name.startswith((".staging-", ".previous-"))]


# --- audiences apart ------------------------------------------------------------------


def test_each_audience_has_its_own_set(monkeypatch, data, tmp_path):
    monkeypatch.setattr(reports, "run_jobs", FakePool())
    out = tmp_path / "out"
    _run(data, out, quarters=(Q1, Q2), audience="internal")

    _run(data, out, quarters=(Q1,), audience="public")

    assert (out / "internal" / "2020-21_Q2" / "visits.html").read_text().endswith("internal</html>")
    assert (out / "public" / "2020-21_Q1" / "visits.html").read_text().endswith("public</html>")
    assert not (out / "public" / "2020-21_Q2").exists()


def test_a_public_run_leaves_the_internal_set_exactly_as_it_was(monkeypatch, data, tmp_path):
    monkeypatch.setattr(reports, "run_jobs", FakePool())
    out = tmp_path / "out"
    _run(data, out, quarters=(Q1, Q2), audience="internal")
    before = _snapshot(out / "internal")

    _run(data, out, quarters=(Q1,), audience="public")

    assert _snapshot(out / "internal") == before


def test_each_index_links_only_its_own_audience_and_says_which(monkeypatch, data, tmp_path):
    monkeypatch.setattr(reports, "run_jobs", FakePool())
    out = tmp_path / "out"
    _run(data, out, audience="internal")
    _run(data, out, audience="public")

    public_index = (out / "public" / "index.html").read_text()

    assert "Audience: public" in public_index and "for the public audience" in public_index
    assert "internal/" not in public_index and "../" not in public_index
    top = (out / "index.html").read_text()
    assert 'href="internal/index.html"' in top and 'href="public/index.html"' in top


@pytest.mark.parametrize("name", ["quarter", "year", "audience", "data_dir", "settings_file"])
def test_param_cannot_override_a_checked_parameter(data, tmp_path, name):
    with pytest.raises(QAError, match=f"--param {name}=.* refused"):
        _run(data, tmp_path / "out", extra_parameters={name: "x"})
    assert not (tmp_path / "out").exists()  # refused before anything is written


# --- all or nothing -------------------------------------------------------------------


def test_a_complete_run_matches_its_manifest(monkeypatch, data, tmp_path):
    monkeypatch.setattr(reports, "run_jobs", FakePool())
    out = tmp_path / "out"

    code = _run(data, out)

    assert code == 0
    assert_matches_its_manifest(out / "internal")
    manifest = read_manifest(out / "internal")
    assert {k: manifest[k] for k in ("audience", "periods")} == {"audience": "internal", "periods": ["2020-21 Q1"]}
    assert set(manifest["data"]["files"]) >= {"visits.csv", "ssda903_2020-21_episodes.csv"}  # 903 as yearly returns (issue 10)
    assert manifest["settings"]["visit_interval_cla_calendar_days"] == 42
    assert [p["file"] for p in manifest["pages"]] == [
        "2020-21_Q1/metrics.json", "2020-21_Q1/visits.html", "2020-21_Q1/summary.html",
    ]
    assert _no_leftovers(out) == []


def test_the_manifest_names_no_absolute_path(monkeypatch, data, tmp_path):
    monkeypatch.setattr(reports, "run_jobs", FakePool())
    out = tmp_path / "out"
    _run(data, out)
    assert str(tmp_path) not in (out / "internal" / "manifest.json").read_text()


def _previous_set(monkeypatch, data, out):
    monkeypatch.setattr(reports, "run_jobs", FakePool())
    _run(data, out, quarters=(Q1, Q2))
    return _snapshot(out / "internal")


@pytest.mark.parametrize("after_pages", [0, 1, 4])
def test_an_interrupt_while_pages_are_written_leaves_the_previous_set(monkeypatch, data, tmp_path, after_pages):
    out = tmp_path / "out"
    before = _previous_set(monkeypatch, data, out)
    monkeypatch.setattr(reports, "run_jobs", FakePool(interrupt_after=after_pages))

    code = _run(data, out, quarters=(Q1,), topics=("visits", "referrals", "audits", "summary"))

    assert code == 130
    assert _snapshot(out / "internal") == before
    assert_matches_its_manifest(out / "internal")
    assert _no_leftovers(out) == []


def _interrupt_in(monkeypatch, name, exception=None):
    """Make ``reports.<name>`` raise (a SIGINT by default) the first time it is called."""
    original = getattr(reports, name)

    def interrupted(*args, **kwargs):
        monkeypatch.setattr(reports, name, original)
        raise exception or reports._Signalled(signal.SIGINT)

    monkeypatch.setattr(reports, name, interrupted)


@pytest.mark.parametrize("point", ["data_checksums", "_carry_over", "write_index", "folder_files", "write_json"])
def test_an_interrupt_at_each_later_point_leaves_the_previous_set(monkeypatch, data, tmp_path, point):
    out = tmp_path / "out"
    before = _previous_set(monkeypatch, data, out)
    monkeypatch.setattr(reports, "run_jobs", FakePool())
    if point == "data_checksums":  # the second call: the check at the end of the run
        original = reports.data_checksums
        calls = []

        def second_call_interrupted(folder):
            calls.append(folder)
            if len(calls) == 2:
                raise reports._Signalled(signal.SIGINT)
            return original(folder)

        monkeypatch.setattr(reports, "data_checksums", second_call_interrupted)
    else:
        _interrupt_in(monkeypatch, point)

    code = _run(data, out, quarters=(Q1,))

    assert code == 130
    assert _snapshot(out / "internal") == before
    assert _no_leftovers(out) == []


def test_a_kill_during_the_exchange_leaves_the_previous_set(monkeypatch, data, tmp_path):
    out = tmp_path / "out"
    before = _previous_set(monkeypatch, data, out)
    monkeypatch.setattr(reports, "run_jobs", FakePool())
    _interrupt_in(monkeypatch, "_exchange", RuntimeError("killed"))

    with pytest.raises(RuntimeError):
        _run(data, out, quarters=(Q1,))

    assert _snapshot(out / "internal") == before


def test_an_interrupt_after_the_exchange_leaves_the_new_set_whole(monkeypatch, data, tmp_path):
    out = tmp_path / "out"
    _previous_set(monkeypatch, data, out)
    monkeypatch.setattr(reports, "run_jobs", FakePool())
    _interrupt_in(monkeypatch, "write_top_index")

    _run(data, out, quarters=(Q1,), topics=("visits",))

    manifest = read_manifest(out / "internal")
    assert [p["file"] for p in manifest["pages"] if p["slug"] == "2020-21_Q1"] == [
        "2020-21_Q1/metrics.json", "2020-21_Q1/visits.html",
    ]
    assert_matches_its_manifest(out / "internal")
    assert _no_leftovers(out) == []


def test_a_set_left_between_two_renames_is_put_back_at_the_next_start(tmp_path):
    out = tmp_path / "out"
    (out / ".previous-internal-20261201T000000-abc").mkdir(parents=True)
    (out / ".previous-internal-20261201T000000-abc" / "manifest.json").write_text("{}")

    reports._recover(out)

    assert (out / "internal" / "manifest.json").is_file() and _no_leftovers(out) == []


def test_periods_not_in_this_run_are_carried_over_with_their_own_run(monkeypatch, data, tmp_path):
    out = tmp_path / "out"
    _previous_set(monkeypatch, data, out)
    first = read_manifest(out / "internal")
    q2_page = (out / "internal" / "2020-21_Q2" / "visits.html").read_bytes()

    _run(data, out, quarters=(Q1,))

    manifest = read_manifest(out / "internal")
    q2 = [p for p in manifest["pages"] if p["slug"] == "2020-21_Q2"]
    assert q2 and {p["run_id"] for p in q2} == {first["run_id"]}
    assert first["run_id"] in manifest["earlier_runs"]
    assert (out / "internal" / "2020-21_Q2" / "visits.html").read_bytes() == q2_page
    assert_matches_its_manifest(out / "internal")


def test_a_failed_report_is_listed_and_the_rest_published(monkeypatch, data, tmp_path, capsys):
    monkeypatch.setattr(reports, "run_jobs", FakePool(fail=("summary",)))
    out = tmp_path / "out"

    code = _run(data, out)

    assert code == 1
    manifest = read_manifest(out / "internal")
    assert {p["name"]: p["status"] for p in manifest["pages"]} == {"metrics": "ok", "visits": "ok", "summary": "failed"}
    assert "summary: failed in this run" in (out / "internal" / "index.html").read_text()
    assert "2020-21_Q1/summary.html: ValueError: made to fail" in capsys.readouterr().err


# --- data changed during the run --------------------------------------------------------


def test_a_data_file_changed_mid_run_fails_the_run_naming_it(monkeypatch, data, tmp_path):
    out = tmp_path / "out"
    before = _previous_set(monkeypatch, data, out)

    def replace_visits():
        text = (data / "visits.csv").read_text()
        (data / "visits.csv").write_text(text + text.splitlines()[-1].replace("V", "W", 1) + "\n")

    monkeypatch.setattr(reports, "run_jobs", FakePool(during=replace_visits))

    with pytest.raises(QAError, match=r"visits\.csv changed while the reports were being written"):
        _run(data, out, quarters=(Q1,))

    assert _snapshot(out / "internal") == before
    assert _no_leftovers(out) == []


# --- the lock -------------------------------------------------------------------------------


def test_a_second_run_into_the_same_folder_is_refused_naming_the_first(monkeypatch, data, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from qa_analysis.reports import RunLock\n"
         f"with RunLock({str(out)!r}, 'the first run'):\n    print('locked', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        monkeypatch.setattr(reports, "run_jobs", FakePool())

        with pytest.raises(QAError, match=rf"Another qa-analysis report is writing to .*process {holder.pid}"):
            _run(data, out)
    finally:
        holder.kill()
        holder.wait()
    assert not (out / "internal").exists()


def test_the_lock_is_released_when_its_holder_is_killed(monkeypatch, data, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import time; from qa_analysis.reports import RunLock\n"
         f"with RunLock({str(out)!r}, 'x'):\n    print('locked', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    monkeypatch.setattr(reports, "run_jobs", FakePool())

    assert _run(data, out) == 0


# --- --out problems --------------------------------------------------------------------------


def test_an_unwritable_out_is_named_before_any_notebook_runs(monkeypatch, data):
    pool = FakePool()
    monkeypatch.setattr(reports, "run_jobs", pool)

    # /sys refuses new files even to root (EACCES).
    with pytest.raises(QAError, match=r"^--out /sys: cannot write reports there \(no permission to write there\)\.$"):
        _run(data, "/sys")

    assert pool.calls == 0


def test_an_out_whose_parent_is_missing_is_named(data, tmp_path):
    with pytest.raises(QAError, match=r"--out .*/missing/out: the folder .*/missing does not exist"):
        _run(data, tmp_path / "missing" / "out")


def test_a_nearly_full_disk_is_named_before_any_notebook_runs(monkeypatch, data, tmp_path):
    pool = FakePool()
    monkeypatch.setattr(reports, "run_jobs", pool)
    monkeypatch.setattr(reports.shutil, "disk_usage", lambda path: shutil._ntuple_diskusage(10**9, 10**9, 10**6))

    with pytest.raises(QAError, match=r"--out .*: the disk is nearly full \(1 MB free"):
        _run(data, tmp_path / "out")

    assert pool.calls == 0


def test_a_disk_that_fills_mid_run_removes_the_run_and_lists_what_finished(monkeypatch, data, tmp_path):
    import errno

    out = tmp_path / "out"
    before = _previous_set(monkeypatch, data, out)
    monkeypatch.setattr(reports, "run_jobs", FakePool(fail=("summary",), error_errno=errno.ENOSPC))

    with pytest.raises(QAError) as stopped:
        _run(data, out, quarters=(Q1,))

    message = str(stopped.value)
    assert "the disk is full while writing 2020-21_Q1/summary.html" in message
    assert "Finished before the disk filled (2): 2020-21_Q1/metrics.json, 2020-21_Q1/visits.html" in message
    assert _snapshot(out / "internal") == before
    assert _no_leftovers(out) == []


def test_a_folder_that_is_not_a_report_set_is_not_replaced(monkeypatch, data, tmp_path):
    out = tmp_path / "out"
    (out / "internal").mkdir(parents=True)
    (out / "internal" / "notes.docx").write_text("someone's work")
    monkeypatch.setattr(reports, "run_jobs", FakePool())

    with pytest.raises(QAError, match="is not a report set"):
        _run(data, out)

    assert (out / "internal" / "notes.docx").read_text() == "someone's work"


# --- memory -----------------------------------------------------------------------------------


def test_jobs_are_capped_by_the_memory_available(monkeypatch, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "visits.csv").write_bytes(b"x" * 100 * 2**20)  # 100 MiB of CSV
    # A worker: 500 MiB + 3 x 100 MiB = 800 MiB; 80% of 2,000 MiB free is 1,600 MiB: 2 workers.
    monkeypatch.setattr(reports, "_memory_available", lambda: 2000 * 2**20)
    monkeypatch.setattr(reports.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)

    workers, message = reports.jobs_for_memory(4, data, jobs=20)

    assert workers == 2
    assert message == (
        "--jobs 4 lowered to 2: each worker needs about 0.8 GB for this data and 2.0 GB is free."
    )


def test_the_index_links_the_annual_word_document_next_to_its_html(monkeypatch, data, tmp_path):
    monkeypatch.setattr(reports, "run_jobs", FakePool(docx=True))
    out = tmp_path / "out"

    generate_reports(data, [], [parse_year("2020-21")], out_dir=out, progress=False)

    index = (out / "internal" / "index.html").read_text()
    assert ('<a href="2020-21/annual.html">Quality Assurance annual report: evidence base</a>'
            ' (<a href="2020-21/annual.docx">Word document</a>)') in index


def test_the_index_has_no_word_link_when_no_document_was_written(monkeypatch, data, tmp_path):
    monkeypatch.setattr(reports, "run_jobs", FakePool())
    out = tmp_path / "out"

    generate_reports(data, [], [parse_year("2020-21")], out_dir=out, progress=False)

    index = (out / "internal" / "index.html").read_text()
    assert 'href="2020-21/annual.html"' in index and "annual.docx" not in index


def test_a_carried_over_annual_keeps_its_word_link(monkeypatch, data, tmp_path):
    monkeypatch.setattr(reports, "run_jobs", FakePool(docx=True))
    out = tmp_path / "out"
    generate_reports(data, [], [parse_year("2020-21")], out_dir=out, progress=False)

    _run(data, out, quarters=(Q1,))

    index = (out / "internal" / "index.html").read_text()
    assert 'href="2020-21/annual.docx"' in index and (out / "internal" / "2020-21" / "annual.docx").is_file()


# --- reports name the authority (issue 10) --------------------------------------------


class TitlePool(FakePool):
    """A FakePool that also records each job's title and authority, as run_job exports them."""

    def __init__(self):
        super().__init__()
        self.titles = []

    def __call__(self, jobs, **kwargs):
        self.titles += [(job.title, job.authority) for job in jobs if job.kind == "notebook"]
        return super().__call__(jobs, **kwargs)


def test_the_settings_authority_is_named_in_every_page_title_and_the_index(monkeypatch, data, tmp_path):
    pool = TitlePool()
    monkeypatch.setattr(reports, "run_jobs", pool)
    settings = tmp_path / "settings.yml"
    settings.write_text("authority_name: Demoshire\n")
    out = tmp_path / "out"

    generate_reports(data, [Q1], [parse_year("2020-21")], topics=["visits"], out_dir=out, progress=False,
                     settings_file=str(settings))

    assert pool.titles == [
        ("Visits to children: 2020-21 Q1, Demoshire", "Demoshire"),
        ("Quality Assurance annual report: evidence base: 2020-21, Demoshire", "Demoshire"),
    ]
    index = (out / "internal" / "index.html").read_text()
    assert "<title>Quality assurance reports of Demoshire (internal): index</title>" in index
    assert "<h1>Quality assurance reports of Demoshire for the internal audience</h1>" in index
    assert "Reports of Demoshire for the internal audience" in (out / "index.html").read_text()


def test_the_la_of_a_regional_stack_is_the_authority_named(monkeypatch, data, tmp_path):
    from qa_analysis.demo import stack_returns

    pool = TitlePool()
    monkeypatch.setattr(reports, "run_jobs", pool)
    for name in data.glob("ssda903_*.csv"):
        name.unlink()
    row = ["C1", "01/05/2019", "S", "C2", "N1", "U4", "PR1", "", "", "", "ZZ1", "ZZ2", "SC1"]
    header = ["C1", "1", "01/08/2004", "WBRI", "", "", ""]
    stack_returns(data, {(la, 2020): {"episodes": [row], "header": [header]} for la in ("Demoshire", "Otherton")})
    out = tmp_path / "out"

    generate_reports(data, [Q1], [], topics=["visits"], out_dir=out, progress=False, la="otherton")

    assert pool.titles == [("Visits to children: 2020-21 Q1, Otherton", "Otherton")]
    assert "<h1>Quality assurance reports of Otherton for" in (out / "internal" / "index.html").read_text()


def test_without_an_authority_the_titles_are_as_before(monkeypatch, data, tmp_path):
    pool = TitlePool()
    monkeypatch.setattr(reports, "run_jobs", pool)

    generate_reports(data, [Q1], [], topics=["visits"], out_dir=tmp_path / "out", progress=False)

    assert pool.titles == [("Visits to children: 2020-21 Q1", "")]


def test_the_page_names_its_authority_in_the_title_and_above_the_heading():
    from nbformat.v4 import new_markdown_cell, new_notebook

    notebook = new_notebook(cells=[new_markdown_cell("# Visits to children: 2020-21 Q1")])

    page = reports.export_html(notebook, "Visits to children: 2020-21 Q1, Demoshire", "internal", "Demoshire")

    assert "<title>Visits to children: 2020-21 Q1, Demoshire</title>" in page
    assert page.index('<p class="authority">Demoshire</p>') < page.index("<h1")


def test_jobs_are_capped_by_the_cores(monkeypatch, data):
    monkeypatch.setattr(reports, "_memory_available", lambda: 64 * 2**30)
    monkeypatch.setattr(reports.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)

    assert reports.jobs_for_memory(4, data, jobs=20) == (2, "--jobs 4 lowered to 2: 2 core(s) here.")


def test_a_run_with_an_annual_report_has_the_year_in_its_manifest(monkeypatch, data, tmp_path):
    monkeypatch.setattr(reports, "run_jobs", FakePool())
    out = tmp_path / "out"
    generate_reports(data, [], [parse_year("2020-21")], out_dir=out, progress=False)
    manifest = read_manifest(out / "internal")
    # the annual report writes its metrics.json too (issue 13)
    assert manifest["annual"] == ["2020-21"]
    assert [p["file"] for p in manifest["pages"]] == ["2020-21/metrics.json", "2020-21/annual.html"]

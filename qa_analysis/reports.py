"""Batch generation of the managers' reports (DESIGN section 5).

Each (topic, quarter) notebook is run by papermill and exported to one self-contained
HTML file with a template of our own (no code, no scripts, no external styles). Work is
spread over a pool of worker processes; each worker keeps one ``python3`` kernel alive and
runs its notebooks in it one after another (namespace reset between them), so the cost
of starting a kernel and importing pandas and matplotlib is paid once per worker rather
than once per notebook.

A notebook that fails leaves its executed ``.ipynb`` (for the analyst) and no HTML: the
HTML is written to a temporary name and moved into place only after a clean run.
"""

from __future__ import annotations

import contextlib
import html
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .config import NOTEBOOKS_DIR, TEMPLATES_DIR
from .errors import QAError

QUARTERLY_REPORTS = ("visits", "referrals", "placement_stability", "audits", "summary")
ANNUAL_REPORT = "annual"
REPORT_TITLES = {
    "visits": "Visits to children",
    "referrals": "Contacts, referrals and assessments",
    "placement_stability": "Placement stability of looked-after children",
    "audits": "Case audits and recommendations",
    "summary": "Quarterly summary",
    "annual": "Quality Assurance annual report: evidence base",
}
KERNEL_NAME = "python3"
TEMPLATE_NAME = "qa_report"


@dataclass(frozen=True)
class ReportJob:
    """One notebook to run: a topic (or the annual report) for one period."""

    name: str
    period_label: str  # "2020-21 Q1" or "2020-21"
    slug: str  # the output folder: "2020-21_Q1" or "2020-21"
    notebook: Path
    parameters: dict
    out_dir: Path

    @property
    def title(self) -> str:
        return f"{REPORT_TITLES.get(self.name, self.name)}: {self.period_label}"

    @property
    def html_path(self) -> Path:
        return self.out_dir / self.slug / f"{self.name}.html"

    @property
    def ipynb_path(self) -> Path:
        return self.out_dir / self.slug / f"{self.name}.ipynb"


@dataclass
class JobResult:
    job: ReportJob
    ok: bool
    seconds: float
    error: str | None = None
    html_bytes: int = 0
    timings: dict = field(default_factory=dict)


def notebook_parameters(notebook: Path) -> dict:
    """The parameters a notebook declares in its ``parameters`` cell (papermill)."""
    import papermill

    return papermill.inspect_notebook(str(notebook))


def check_parameters(notebook: Path, parameters: dict) -> None:
    """Refuse parameters the notebook does not declare, instead of running on defaults."""
    declared = notebook_parameters(notebook)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise QAError(
            f"{notebook.name} has no parameter(s) {', '.join(unknown)}; "
            f"it declares {', '.join(sorted(declared)) or 'none'}."
        )


# --- worker side ---------------------------------------------------------------------

_KERNEL = None  # this worker's kernel manager
_CLIENT = None  # and its one client, kept for every notebook the worker runs
ENGINE_NAME = "qa-reused-kernel"


def _kernel():
    """This worker's kernel and client, started on first use and restarted if the kernel died."""
    global _KERNEL, _CLIENT
    if _KERNEL is not None and _KERNEL.is_alive():
        return _KERNEL, _CLIENT
    from multiprocessing.util import Finalize

    from jupyter_client.manager import KernelManager

    manager = KernelManager(kernel_name=KERNEL_NAME)
    # The kernel's own stderr only carries start-up chatter (a TCP notice); errors in a
    # notebook come back through the messages and into the executed .ipynb.
    manager.start_kernel(cwd=str(NOTEBOOKS_DIR), stderr=subprocess.DEVNULL)
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=120)
    _KERNEL, _CLIENT = manager, client
    # multiprocessing workers skip atexit; Finalize runs when the worker exits.
    Finalize(manager, manager.shutdown_kernel, kwargs={"now": True}, exitpriority=10)
    _register_engine()
    return manager, client


def _register_engine() -> None:
    """A papermill engine that runs the notebook on the worker's live kernel and client.

    Papermill's own engine opens a new client per notebook and waits for the kernel to
    answer; reusing one client saves that wait on every notebook after the first.
    """
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger

    class ReusedKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
            client = PapermillNotebookClient(
                nb_man, km=_KERNEL, kernel_name=kernel_name, log=logger, log_output=log_output,
                stdout_file=stdout_file, stderr_file=stderr_file, startup_timeout=start_timeout,
                timeout=execution_timeout,
            )
            client.kc = _CLIENT
            return client.execute()

    papermill_engines.register(ENGINE_NAME, ReusedKernelEngine)


def _reset_namespace(client) -> None:
    """Each notebook starts from an empty namespace, as in a fresh kernel."""
    client.execute_interactive(
        "%reset -f\nimport matplotlib.pyplot as _plt\n_plt.close('all')\ndel _plt",
        timeout=60,
        output_hook=lambda msg: None,
    )


def _exporter():
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name=TEMPLATE_NAME, extra_template_basedirs=[str(TEMPLATES_DIR)]
    )
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    return exporter


def export_html(notebook, title: str) -> str:
    """The managers' HTML for an executed notebook (a ``nbformat`` node)."""
    notebook.metadata["qa_report"] = {"title": title}
    css = (TEMPLATES_DIR / TEMPLATE_NAME / "report.css").read_text(encoding="utf-8")
    body, _ = _exporter().from_notebook_node(notebook, resources={"qa_css": css})
    return body


def _write_atomically(path: Path, text: str) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; reports are shared files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(text.encode("utf-8"))


def run_job(job: ReportJob, reuse_kernel: bool = True) -> JobResult:
    """Run one notebook and export it; never raises (the failure is in the result)."""
    import nbformat
    import papermill

    started = time.perf_counter()
    timings: dict[str, float] = {}
    job.html_path.unlink(missing_ok=True)  # a stale HTML must not pass for this run's
    job.ipynb_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_ipynb = job.ipynb_path.with_name(f".{job.name}.running.ipynb")
    try:
        engine_kwargs = {}
        if reuse_kernel:
            _, client = _kernel()
            _reset_namespace(client)
            engine_kwargs["engine_name"] = ENGINE_NAME
        timings["kernel"] = time.perf_counter() - started
        try:
            papermill.execute_notebook(
                str(job.notebook),
                str(tmp_ipynb),
                parameters=job.parameters,
                kernel_name=KERNEL_NAME,
                progress_bar=False,
                request_save_on_cell_execute=False,
                cwd=str(NOTEBOOKS_DIR),
                **engine_kwargs,
            )
        finally:
            if tmp_ipynb.exists():
                os.replace(tmp_ipynb, job.ipynb_path)
        timings["execute"] = time.perf_counter() - started - timings["kernel"]
        executed = nbformat.read(job.ipynb_path, as_version=4)
        mark = time.perf_counter()
        size = _write_atomically(job.html_path, export_html(executed, job.title))
        timings["export"] = time.perf_counter() - mark
        return JobResult(job, True, time.perf_counter() - started, html_bytes=size, timings=timings)
    except Exception as exc:  # noqa: BLE001 - the batch keeps going and lists failures
        job.html_path.unlink(missing_ok=True)
        return JobResult(job, False, time.perf_counter() - started, error=_one_line(exc), timings=timings)


def _one_line(exc: BaseException) -> str:
    name = getattr(exc, "ename", None) or exc.__class__.__name__
    value = getattr(exc, "evalue", None) or str(exc)
    text = f"{name}: {value}".strip()
    first = text.splitlines()[0] if text else name
    if first == name:
        first = "".join(traceback.format_exception_only(exc)).strip().splitlines()[-1]
    return first[:300]


# --- orchestration ---------------------------------------------------------------------


def _warm_worker(data_dir: str | None) -> None:
    """Start the worker's kernel and, while it imports the package and loads the data,
    import papermill and nbconvert here: the two start-ups overlap instead of queueing."""
    try:
        _, client = _kernel()
        warm = "from qa_analysis import charts, present"
        if data_dir:
            warm += f"\nfrom pathlib import Path\npresent.load_data_cached(Path({data_dir!r}))"
        client.execute(warm, silent=True)  # no wait: the first notebook's reset queues behind it
        import papermill  # noqa: F401

        _exporter()
    except Exception:  # noqa: BLE001 - warming is an optimisation; run_job reports real failures
        pass


def _cost(job: ReportJob) -> int:
    """Longest first, so the annual report does not finish alone at the end."""
    return {ANNUAL_REPORT: 0, "summary": 2}.get(job.name, 1)


def run_jobs(
    jobs: list[ReportJob], n_jobs: int = 2, progress: bool = True, while_running=None,
    data_dir: str | None = None,
) -> list[JobResult]:
    """Run the jobs on a pool of ``n_jobs`` worker processes, with a progress bar.

    ``while_running`` (optional) is called once the jobs are submitted, so work in this
    process overlaps the notebooks; results come back in the order of ``jobs``.
    """
    from tqdm import tqdm

    results: dict[int, JobResult] = {}
    if not jobs:
        if while_running:
            while_running()
        return []
    n_jobs = max(1, min(n_jobs, len(jobs)))
    bar = tqdm(total=len(jobs), desc="reports", unit="report", file=sys.stderr, disable=not progress)
    context = multiprocessing.get_context("spawn")  # a clean interpreter per worker (zmq, fork)
    with ProcessPoolExecutor(
        max_workers=n_jobs, mp_context=context, initializer=_warm_worker, initargs=(data_dir,)
    ) as pool:
        order = sorted(range(len(jobs)), key=lambda i: _cost(jobs[i]))
        futures = {pool.submit(run_job, jobs[i]): i for i in order}
        if while_running:
            while_running()
        for future in as_completed(futures):
            i = futures[future]
            job = jobs[i]
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - a worker that died
                result = JobResult(job, False, 0.0, error=_one_line(exc))
            results[i] = result
            bar.set_postfix_str(f"{job.slug} {job.name}{'' if result.ok else ' FAILED'}")
            bar.update(1)
    bar.close()
    return [results[i] for i in range(len(jobs))]


def write_index(out_dir: Path, generated_at: datetime | None = None) -> Path:
    """``outputs/index.html``: every report found under ``out_dir``, by period and topic."""
    from . import __version__

    generated_at = generated_at or datetime.now()
    rows = []
    # Newest year first; within a year the annual report, then its quarters, latest first.
    periods = sorted(
        (p for p in out_dir.iterdir() if p.is_dir() and any(p.glob("*.html"))),
        key=lambda p: (p.name[:7], "_" not in p.name, p.name),
        reverse=True,
    )
    for period in periods:
        links = []
        for name in (*QUARTERLY_REPORTS, ANNUAL_REPORT):
            page = period / f"{name}.html"
            if page.exists():
                label = REPORT_TITLES[name]
                links.append(f'<li><a href="{html.escape(period.name)}/{name}.html">{html.escape(label)}</a></li>')
        heading = period.name.replace("_", " ")
        rows.append(f"<section><h2>{html.escape(heading)}</h2><ul>{''.join(links)}</ul></section>")
    css = (TEMPLATES_DIR / TEMPLATE_NAME / "report.css").read_text(encoding="utf-8")
    body = "\n".join(rows) or "<p>No reports have been generated yet.</p>"
    page = f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Quality assurance reports: index</title>
<style>
{css}
</style>
</head>
<body>
<main class="report">
<h1>Quality assurance reports</h1>
<p>Children's social care quality assurance reports, by financial quarter and year. Each report is a
single file that opens offline; none holds child-level data.</p>
{body}
<footer class="provenance"><p>qa-analysis {html.escape(__version__)}, index written {generated_at:%d %B %Y %H:%M}.</p></footer>
</main>
</body>
</html>
"""
    path = out_dir / "index.html"
    _write_atomically(path, page)
    return path


def write_json(path: Path, payload) -> None:
    _write_atomically(path, json.dumps(payload, indent=2, default=str) + "\n")


def plan_jobs(
    quarters, annual_years, topics, data_dir: Path, audience: str, out_dir: Path,
    settings_file: str | None = None, extra_parameters: dict | None = None,
) -> list[ReportJob]:
    """The notebooks to run, with their parameters; unknown topics or parameters are refused."""
    topics = list(topics or QUARTERLY_REPORTS)
    unknown = [t for t in topics if t not in QUARTERLY_REPORTS]
    if unknown:
        raise QAError(f"Unknown topic(s) {', '.join(unknown)}; topics are {', '.join(QUARTERLY_REPORTS)}.")
    common = {"data_dir": str(Path(data_dir).resolve()), "audience": audience}
    if settings_file:
        common["settings_file"] = str(Path(settings_file).resolve())
    common.update(extra_parameters or {})
    jobs = []
    for quarter in quarters:
        for topic in topics:
            jobs.append(ReportJob(
                topic, quarter.label, quarter.slug, NOTEBOOKS_DIR / f"{topic}.ipynb",
                {"quarter": quarter.label, **common}, Path(out_dir),
            ))
    for year in annual_years:
        label = f"{year}-{(year + 1) % 100:02d}"
        jobs.append(ReportJob(
            ANNUAL_REPORT, label, label, NOTEBOOKS_DIR / f"{ANNUAL_REPORT}.ipynb",
            {"year": label, **common}, Path(out_dir),
        ))
    for notebook in sorted({job.notebook for job in jobs}):
        if not notebook.exists():
            raise QAError(f"The notebook {notebook.name} is missing from {notebook.parent}.")
        params = next(job.parameters for job in jobs if job.notebook == notebook)
        check_parameters(notebook, params)
    return jobs


@contextlib.contextmanager
def _authority_for_kernels(la: str | None):
    """Workers (spawned) and their kernels inherit the environment: pass ``--la`` that way."""
    from .present import LA_ENV

    before = os.environ.get(LA_ENV)
    if la:
        os.environ[LA_ENV] = la
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(LA_ENV, None)
        else:
            os.environ[LA_ENV] = before


def generate_reports(
    data_dir: Path, quarters, annual_years, topics=None, n_jobs: int = 2, audience: str = "internal",
    out_dir: Path = Path("outputs"), settings_file: str | None = None,
    extra_parameters: dict | None = None, progress: bool = True, la: str | None = None,
) -> int:
    """The main job: metrics.json per quarter, every report, the index. Returns the exit code.

    ``la`` picks one authority of a regional SSDA903 stack; the notebooks' kernels get it
    through the ``QA_ANALYSIS_LA`` environment variable (:func:`present.load_data_cached`).
    """
    from .config import load_settings
    from .disclosure import apply_audience_to_metrics
    from .io import load_data
    from .io.tables import TOPICS
    from .metrics import quarter_metrics, topic_unavailable_reason
    from .metrics.bases import metric_bases

    started = time.perf_counter()
    out_dir = Path(out_dir)
    data = load_data(Path(data_dir), la=la)  # an unusable file stops here, before any notebook runs
    settings = load_settings(settings_file)
    jobs = plan_jobs(quarters, annual_years, topics, data_dir, audience, out_dir, settings_file, extra_parameters)
    skipped = []
    for job in list(jobs):
        reason = topic_unavailable_reason(data, job.name) if job.name in TOPICS else None
        if reason:  # a missing optional file skips its topic, it does not fail the batch
            jobs.remove(job)
            job.html_path.unlink(missing_ok=True)
            skipped.append(f"{job.slug}/{job.name}: {reason}")

    def write_metrics():
        for quarter in quarters:
            result = quarter_metrics(data, quarter, settings)
            payload = result.as_json()
            payload["metrics"] = apply_audience_to_metrics(
                result.metrics, audience,
                metric_bases(data, quarter, settings) if audience == "public" else None,
            )
            payload["audience"] = audience
            payload["notes"] = result.notes
            write_json(out_dir / quarter.slug / "metrics.json", payload)

    with _authority_for_kernels(data.authority if la else None):
        results = run_jobs(
            jobs, n_jobs=n_jobs, progress=progress, while_running=write_metrics,
            data_dir=str(Path(data_dir).resolve()),
        )
    for line in dict.fromkeys(skipped):
        print(f"skipped {line}", file=sys.stderr)
    index = write_index(out_dir)
    failed = [r for r in results if not r.ok]
    elapsed = time.perf_counter() - started
    print(
        f"Wrote {len(results) - len(failed)} of {len(results)} reports to {out_dir} in {elapsed:.1f}s; "
        f"index: {index}",
        file=sys.stderr,
    )
    if failed:
        print(f"{len(failed)} report(s) failed and have no HTML:", file=sys.stderr)
        for r in failed:
            print(f"  {r.job.slug}/{r.job.name}: {r.error} (see {r.job.ipynb_path})", file=sys.stderr)
        return 1
    return 0

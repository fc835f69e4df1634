"""Batch generation of the managers' reports (DESIGN section 5, issue 14).

Where reports live. ``OUT/<audience>/`` is one complete set of reports for one audience
(``internal`` or ``public``): ``<period>/<topic>.html`` with the executed ``.ipynb`` beside
it, ``<quarter>/metrics.json``, ``index.html`` and ``manifest.json``. ``OUT/index.html``
links the sets. The audiences never share a folder, and every page and index says which
audience it is for.

A run is all or nothing. It takes a lock on ``OUT`` (a second run into the same folder is
refused, naming the running process), checksums the data files, writes everything into a
staging folder ``OUT/.staging-<audience>-<run id>``, checksums the data files again (a
file that changed fails the run, naming it), writes the manifest (run id, periods,
audience, data files with checksums, settings, version, every page and file) and the
index built from it, and only then exchanges the staging folder with ``OUT/<audience>`` in
one step (``renameat2(RENAME_EXCHANGE)`` on Linux; elsewhere two renames, repaired at the
next start if interrupted between them). Periods of the previous set that this run does
not produce are carried over unchanged (hard links), with their own run's provenance in
the manifest. A run that is interrupted (SIGINT, SIGTERM), stopped by an unusable data
file, a changed data file or a full disk leaves the previous set exactly as it was.

Notebooks run on a pool of ``--jobs`` worker processes; each keeps one python kernel and
client and runs its notebooks one after another (namespace reset between them). The data is
loaded once per kernel and never in the main process; a quarter's figures are computed once
per run and shared by its pages, its summary and ``metrics.json`` (:mod:`runstore`). On
SIGINT or SIGTERM every worker and kernel is killed at once, nothing more is written, the
kernels' connection files (kept in the run's private folder) are removed, what had
finished is listed, and the exit code is 130 or 143.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import html
import json
import multiprocessing
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from .checksums import file_sha256
from .config import NOTEBOOKS_DIR, TEMPLATES_DIR
from .errors import QAError, UsageError
from .redact import path_names, redact_notebook

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
AUDIENCE_WORDS = {
    "internal": "internal: counts shown as they are",
    "public": "public: counts of 1 to 5 shown as c, with secondary suppression",
}
INDEX_NAME = "index.html"


def report_relpath(slug: str, name: str) -> str:
    """Where a page lives in an audience's set (``2020-21_Q1/visits.html``): the one
    definition of the layout inside a set, used for the files, the index and the links
    between pages (``present.report_href``)."""
    return f"{slug}/{name}.html"


KERNEL_NAME = "python3"
TEMPLATE_NAME = "qa_report"
MANIFEST = "manifest.json"
LOCK_NAME = ".qa-analysis.lock"
# Parameters the run sets from its own checked options; --param may not change them.
CHECKED_PARAMETERS = {
    "quarter": "--quarter, --from/--to or --year",
    "year": "--annual",
    "audience": "--audience",
    "data_dir": "--data",
    "settings_file": "--settings",
}
RUN_DIR_ENV = "QA_ANALYSIS_RUN_DIR"
# Room a run needs in --out before it starts: pages are 20 KB to 1 MB, notebooks as much again.
BYTES_PER_PAGE = 3 * 2**20
# A worker's memory (measured, see jobs_for_memory).
WORKER_BASE_BYTES = 500 * 2**20
WORKER_BYTES_PER_DATA_BYTE = 3


class RunStopped(QAError):
    """The run stopped before it could move into place; the previous set is untouched."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


class _Signalled(BaseException):
    """Raised in the main thread by the SIGINT / SIGTERM handler."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@dataclass(frozen=True)
class ReportJob:
    """One notebook to run (a topic or the annual report for one period), or, with
    ``kind="metrics"``, a quarter's ``metrics.json``."""

    name: str
    period_label: str  # "2020-21 Q1" or "2020-21"
    slug: str  # the period's folder: "2020-21_Q1" or "2020-21"
    notebook: Path | None
    parameters: dict
    out_dir: Path
    kind: str = "notebook"
    timeout: float | None = None
    authority: str = ""  # named in the page's title and under its heading (issue 10)

    @property
    def title(self) -> str:
        title = f"{REPORT_TITLES.get(self.name, self.name)}: {self.period_label}"
        return f"{title}, {self.authority}" if self.authority else title

    @property
    def relpath(self) -> str:
        return f"{self.slug}/metrics.json" if self.kind == "metrics" else report_relpath(self.slug, self.name)

    @property
    def html_path(self) -> Path:
        return self.out_dir / self.relpath

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
    skipped: str | None = None  # the topic's data is absent: why
    fatal: str | None = None  # the data folder cannot be used: the whole run stops
    errno: int | None = None


def notebook_parameters(notebook: Path) -> dict:
    """The parameters a notebook declares in its ``parameters`` cell (papermill)."""
    stat = Path(notebook).stat()
    return _declared_parameters(str(notebook), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _declared_parameters(notebook: str, mtime_ns: int, size: int) -> dict:
    """The names the ``parameters`` cell assigns at its top level, as ``papermill
    --help-notebook`` lists them (name -> {"name", "default"}), read with ``ast`` rather
    than papermill, whose import (2 to 3 s, nbformat's alone over 1 s) the main process of a
    run does not need. A cell that is not plain Python is left to papermill's own parser."""
    import ast

    cells = json.loads(Path(notebook).read_text(encoding="utf-8")).get("cells", [])
    cell = next((c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])), None)
    if cell is None:
        return {}
    source = cell.get("source", "")
    source = source if isinstance(source, str) else "".join(source)
    try:
        tree = ast.parse(source)
    except SyntaxError:
        import papermill

        return papermill.inspect_notebook(notebook)
    declared = {}
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if (
            isinstance(node, ast.AnnAssign) and node.value is not None) else []
        for target in targets:
            if isinstance(target, ast.Name):
                declared[target.id] = {"name": target.id, "default": ast.get_source_segment(source, node.value)}
    return declared


def check_parameters(notebook: Path, parameters: dict) -> None:
    """Refuse parameters the notebook does not declare, instead of running on defaults."""
    declared = notebook_parameters(notebook)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        raise UsageError(  # a usage error: the command line exits 2
            f"{notebook.name} has no parameter(s) {', '.join(unknown)}; "
            f"it declares {', '.join(sorted(declared)) or 'none'}."
        )


def check_extra_parameters(extra: dict | None) -> None:
    """``--param`` may add a parameter, never change one the run sets and checks itself."""
    for name in extra or {}:
        if name in CHECKED_PARAMETERS:
            raise UsageError(
                f"--param {name}=... is refused: {name} is set by {CHECKED_PARAMETERS[name]} "
                "(checked, and recorded in the manifest)."
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
    _note_kernel(manager)
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=120)
    _KERNEL, _CLIENT = manager, client
    # multiprocessing workers skip atexit; Finalize runs when the worker exits.
    Finalize(manager, manager.shutdown_kernel, kwargs={"now": True}, exitpriority=10)
    _register_engine()
    return manager, client


def _note_kernel(manager) -> None:
    """Tell the main process this worker's kernel (pid, connection file): on a signal it
    kills the kernel itself rather than trust a worker to."""
    run_dir = os.environ.get(RUN_DIR_ENV)
    pid = getattr(getattr(manager, "provisioner", None), "pid", None)
    if not run_dir or pid is None:
        return
    folder = Path(run_dir) / "kernels"
    folder.mkdir(parents=True, exist_ok=True)
    note = {"kernel_pid": pid, "worker_pid": os.getpid(), "connection_file": manager.connection_file}
    (folder / f"{pid}.json").write_text(json.dumps(note), encoding="utf-8")


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


# After the reset, what survives it (modules, the loaded data, caches) is moved out of the
# garbage collector's sight (gc.freeze): without it, the reset's two full collections and
# every automatic one walk the whole heap, about 0.4 s per notebook; the next notebook's
# own objects are still collected.
RESET_CODE = "%reset -f\nimport matplotlib.pyplot as _plt\n_plt.close('all')\ndel _plt\nimport gc as _gc\n_gc.freeze()\ndel _gc"


def _reset_namespace(client) -> None:
    """Each notebook starts from an empty namespace, as in a fresh kernel."""
    client.execute_interactive(
        RESET_CODE,
        timeout=60,
        output_hook=lambda msg: None,
    )


def _kernel_eval(client, code: str, expression: str, timeout: float | None):
    """Run ``code`` in the kernel and return ``expression`` (a JSON string) decoded."""
    import ast

    reply = client.execute_interactive(
        code, user_expressions={"r": expression}, timeout=timeout, output_hook=lambda msg: None
    )
    content = reply["content"]
    if content["status"] != "ok":
        raise RuntimeError(f"{content.get('ename', 'Error')}: {content.get('evalue', '')}")
    result = content["user_expressions"]["r"]
    if result.get("status") != "ok":
        raise RuntimeError(f"{result.get('ename', 'Error')}: {result.get('evalue', '')}")
    return json.loads(ast.literal_eval(result["data"]["text/plain"]))


def _run_settings(settings_file: str):
    from .config import DEFAULT_SETTINGS, load_settings

    return load_settings(settings_file) if settings_file else DEFAULT_SETTINGS


def kernel_probe(data_dir: str, topic: str, settings_file: str = "") -> str:
    """(In a kernel) load the data (cached for the kernel's notebooks, with the run's settings,
    as the notebooks load it) and say whether the topic can run: ``{}``, ``{"skip": reason}``
    or ``{"fatal": message}``, as JSON."""
    from . import present
    from .io.tables import TOPICS
    from .metrics import topic_unavailable_reason

    try:
        data = present.load_data_cached(Path(data_dir), _run_settings(settings_file))
    except QAError as exc:
        return json.dumps({"fatal": str(exc)})
    reason = topic_unavailable_reason(data, topic) if topic in TOPICS else None
    return json.dumps({"skip": reason} if reason else {})


def kernel_write_metrics(data_dir: str, quarter: str, settings_file: str, audience: str, path: str) -> str:
    """(In a kernel) the quarter's ``metrics.json`` from the run's shared figures."""
    from . import present
    from .disclosure import apply_audience_to_metrics
    from .io.tables import TOPICS
    from .periods import parse_quarter

    settings = _run_settings(settings_file)
    try:
        data = present.load_data_cached(Path(data_dir), settings)
    except QAError as exc:
        return json.dumps({"fatal": str(exc)})
    if " Q" not in quarter:  # the annual report's: year figures and quarters (issue 13)
        from .published import annual_metrics

        return json.dumps({"bytes": write_json(Path(path), annual_metrics(data, quarter, settings, audience))})
    q = parse_quarter(quarter)
    result = present._quarter_figures(data, q, settings, TOPICS)
    payload = result.as_json()
    if audience == "public":  # the year's audited published set (issue 13)
        from .published import published_metrics

        payload["metrics"], payload["cells"] = published_metrics(data, q, settings, result.metrics)
    else:
        payload["metrics"] = apply_audience_to_metrics(result.metrics, audience, None)
    payload["audience"] = audience
    payload["notes"] = result.notes
    return json.dumps({"bytes": write_json(Path(path), payload)})


def _exporter():
    """The HTML exporter, built once per process (and again if the template changes): a new
    one loads and compiles the Jinja template each time, about 0.15 s a page."""
    folder = TEMPLATES_DIR / TEMPLATE_NAME
    stamp = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in folder.iterdir() if p.is_file()))
    return _cached_exporter(stamp)


@functools.lru_cache(maxsize=1)
def _cached_exporter(stamp: tuple):
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name=TEMPLATE_NAME, extra_template_basedirs=[str(TEMPLATES_DIR)]
    )
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    return exporter


def export_html(notebook, title: str, audience: str | None = None, authority: str | None = None) -> str:
    """The managers' HTML for an executed notebook (a ``nbformat`` node); ``authority``, when
    known, is named in the title (the caller's) and above the page's heading."""
    notebook.metadata["qa_report"] = {"title": title}
    if audience:
        notebook.metadata["qa_report"]["audience"] = AUDIENCE_WORDS.get(audience, audience)
    if authority:
        notebook.metadata["qa_report"]["authority"] = authority
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


class NotebookTimeout(KeyboardInterrupt):
    """Raised in a worker's main thread when its notebook runs past its timeout.

    A KeyboardInterrupt subclass because asyncio re-raises only those out of a running event
    loop: nbclient waits on a dead kernel's output with no deadline of its own."""


def _raise_timeout(signum, frame):
    raise NotebookTimeout("the notebook ran past its timeout")


class _Timeout:
    """Kill this worker's kernel if a notebook runs longer than its timeout, and wake the
    worker's main thread (SIGALRM) so that it stops waiting for the dead kernel."""

    def __init__(self, seconds: float | None):
        self.seconds, self.fired, self._timer = seconds, False, None
        self._main, self._previous = None, None

    def _fire(self):
        self.fired = True
        pid = getattr(getattr(_KERNEL, "provisioner", None), "pid", None)
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        if self._main is not None:
            signal.pthread_kill(self._main, signal.SIGALRM)

    def __enter__(self):
        if self.seconds:
            if threading.current_thread() is threading.main_thread() and hasattr(signal, "SIGALRM"):
                self._previous = signal.signal(signal.SIGALRM, _raise_timeout)
                self._main = threading.main_thread().ident
            self._timer = threading.Timer(self.seconds, self._fire)
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc):
        if self._timer:
            self._timer.cancel()
        if self._main is not None:
            self._main = None
            signal.signal(signal.SIGALRM, self._previous or signal.SIG_DFL)
        return False


def run_job(job: ReportJob, reuse_kernel: bool = True) -> JobResult:
    """Run one notebook (or write one metrics.json) and export it; never raises."""
    import nbformat
    import papermill

    started = time.perf_counter()
    timings: dict[str, float] = {}
    job.html_path.unlink(missing_ok=True)  # a stale HTML must not pass for this run's
    job.html_path.parent.mkdir(parents=True, exist_ok=True)
    tmp_ipynb = job.ipynb_path.with_name(f".{job.name}.running.ipynb")
    timeout = _Timeout(job.timeout)
    try:
        with timeout:
            engine_kwargs = {}
            if reuse_kernel:
                _, client = _kernel()
                _reset_namespace(client)
                engine_kwargs["engine_name"] = ENGINE_NAME
                data_dir = job.parameters.get("data_dir")
                if job.kind == "metrics":
                    call = (
                        f"kernel_write_metrics({data_dir!r}, {job.period_label!r}, "
                        f"{job.parameters.get('settings_file', '')!r}, {job.parameters.get('audience')!r}, "
                        f"{str(job.html_path)!r})"
                    )
                    answer = _kernel_eval(client, "from qa_analysis.reports import kernel_write_metrics", call,
                                          job.timeout)
                    if "fatal" in answer:
                        return JobResult(job, False, time.perf_counter() - started, error=answer["fatal"],
                                         fatal=answer["fatal"])
                    return JobResult(job, True, time.perf_counter() - started, html_bytes=answer["bytes"])
                if data_dir:
                    answer = _kernel_eval(client, "from qa_analysis.reports import kernel_probe",
                                          f"kernel_probe({data_dir!r}, {job.name!r}, "
                                          f"{job.parameters.get('settings_file', '')!r})", job.timeout)
                    if answer.get("fatal") or answer.get("skip"):
                        return JobResult(job, answer.get("skip") is not None, time.perf_counter() - started,
                                         error=answer.get("fatal"), skipped=answer.get("skip"),
                                         fatal=answer.get("fatal"))
            timings["kernel"] = time.perf_counter() - started
            parameters = job.parameters
            if job.name == ANNUAL_REPORT:  # the committee paper's Word document beside the HTML (issue 15)
                docx = job.html_path.with_suffix(".docx")
                docx.unlink(missing_ok=True)
                parameters = {**parameters, "docx_path": str(docx.resolve())}
            try:
                papermill.execute_notebook(
                    str(job.notebook),
                    str(tmp_ipynb),
                    parameters=parameters,
                    kernel_name=KERNEL_NAME,
                    progress_bar=False,
                    request_save_on_cell_execute=False,
                    cwd=str(NOTEBOOKS_DIR),
                    execution_timeout=job.timeout,
                    **engine_kwargs,
                )
            finally:
                if tmp_ipynb.exists():
                    # no local path in outputs (issue 11): folders and files named, not located
                    redact_notebook(tmp_ipynb, path_names(
                        job.parameters.get("data_dir"), job.parameters.get("settings_file"),
                        job.out_dir, job.notebook.parent))
                    os.replace(tmp_ipynb, job.ipynb_path)
        timings["execute"] = time.perf_counter() - started - timings["kernel"]
        executed = nbformat.read(job.ipynb_path, as_version=4)
        mark = time.perf_counter()
        size = _write_atomically(
            job.html_path, export_html(executed, job.title, job.parameters.get("audience"), job.authority)
        )
        timings["export"] = time.perf_counter() - mark
        return JobResult(job, True, time.perf_counter() - started, html_bytes=size, timings=timings)
    except (Exception, NotebookTimeout) as exc:  # noqa: BLE001 - the batch keeps going and lists failures
        job.html_path.unlink(missing_ok=True)
        job.html_path.with_suffix(".docx").unlink(missing_ok=True)  # no paper without its report
        tmp_ipynb.unlink(missing_ok=True)
        error = _one_line(exc)
        if timeout.fired:
            error = f"stopped after {job.timeout:g} seconds (the notebook_timeout_seconds setting)"
        return JobResult(job, False, time.perf_counter() - started, error=error, timings=timings,
                         errno=_errno_of(exc))


def _errno_of(exc: BaseException) -> int | None:
    while exc is not None:
        if isinstance(exc, OSError) and exc.errno:
            return exc.errno
        if "No space left on device" in str(exc):
            return errno.ENOSPC
        exc = exc.__cause__ or exc.__context__
    return None


def _one_line(exc: BaseException) -> str:
    name = getattr(exc, "ename", None) or exc.__class__.__name__
    value = getattr(exc, "evalue", None) or str(exc)
    text = f"{name}: {value}".strip()
    first = text.splitlines()[0] if text else name
    if first == name:
        first = "".join(traceback.format_exception_only(exc)).strip().splitlines()[-1]
    return first[:300]


def _warm_worker(data_dir: str | None, env: dict | None = None, settings_file: str = "") -> None:
    """Start the worker's kernel and, while it imports the package and loads the data,
    import papermill and nbconvert here: the two start-ups overlap instead of queueing.

    The worker leaves SIGINT to the main process (which stops the whole run), and on
    Linux dies with it if the main process is killed outright."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    _skip_unused_imports()
    os.environ.update(env or {})
    try:
        _, client = _kernel()
        warm = "from qa_analysis import charts, present"
        if data_dir:  # loaded with the run's settings, as the notebooks will ask for it
            warm += (f"\nfrom pathlib import Path\nfrom qa_analysis.reports import _run_settings\n"
                     f"present.load_data_cached(Path({data_dir!r}), _run_settings({settings_file!r}))")
        client.execute(warm, silent=True)  # no wait: the first notebook's reset queues behind it
        import papermill  # noqa: F401

        _exporter()
    except Exception:  # noqa: BLE001 - warming is an optimisation; run_job reports real failures
        pass


# Optional modules that a worker's imports would load and never use. ``rfc3987_syntax``
# (installed with jsonschema's format extra) compiles a grammar on import, 1.5 to 2 s,
# only to let jsonschema check the "iri" string format; nbformat (through papermill and
# nbconvert) imports jsonschema but validates notebooks with no format checks at all.
UNUSED_IN_WORKERS = ("rfc3987_syntax",)


def _skip_unused_imports() -> None:
    """Mark :data:`UNUSED_IN_WORKERS` as absent in this worker (an import of them then fails
    as if they were not installed, which every importer of them allows for)."""
    for name in UNUSED_IN_WORKERS:
        sys.modules.setdefault(name, None)


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _cost(job: ReportJob) -> int:
    """Longest first, so the annual report does not finish alone at the end."""
    return {ANNUAL_REPORT: 0, "summary": 2}.get(job.name, 1) if job.kind == "notebook" else 1


def _kill_tree(pool, run_dir: Path | None) -> None:
    """Kill every worker of ``pool`` and every kernel they started, at once."""
    processes = list(getattr(pool, "_processes", {}).values())
    for process in processes:
        try:
            process.kill()
        except (OSError, AttributeError):
            pass
    notes = sorted((run_dir / "kernels").glob("*.json")) if run_dir else []
    for note in notes:
        try:
            info = json.loads(note.read_text(encoding="utf-8"))
            os.kill(int(info["kernel_pid"]), signal.SIGKILL)
        except (OSError, ValueError, KeyError):
            pass
        try:
            Path(json.loads(note.read_text(encoding="utf-8"))["connection_file"]).unlink(missing_ok=True)
        except (OSError, ValueError, KeyError):
            pass
    for process in processes:
        process.join(timeout=2)
    pool.shutdown(wait=False, cancel_futures=True)


def run_jobs(
    jobs: list[ReportJob], n_jobs: int = 2, progress: bool = True, data_dir: str | None = None,
    run_dir: Path | None = None, on_result=None, settings_file: str = "",
) -> list[JobResult]:
    """Run the jobs on a pool of ``n_jobs`` worker processes, with a progress bar.

    ``on_result(result)`` (optional) sees each result as it arrives and may raise to stop
    the run; then, and on any interruption, every worker and kernel is killed before the
    exception goes on. Results come back in the order of ``jobs``.
    """
    from tqdm import tqdm

    results: dict[int, JobResult] = {}
    if not jobs:
        return []
    n_jobs = max(1, min(n_jobs, len(jobs)))
    own_run_dir = run_dir is None
    run_dir = Path(tempfile.mkdtemp(prefix="qa-analysis-run-")) if own_run_dir else Path(run_dir)
    env = {
        RUN_DIR_ENV: str(run_dir),
        "JUPYTER_RUNTIME_DIR": str(run_dir / "runtime"),  # the kernels' connection files
        "QA_ANALYSIS_RUN_STORE": str(run_dir / "figures"),
    }
    (run_dir / "figures").mkdir(parents=True, exist_ok=True)
    bar = tqdm(total=len(jobs), desc="reports", unit="report", file=sys.stderr, disable=not progress)
    context = multiprocessing.get_context("spawn")  # a clean interpreter per worker (zmq, fork)
    pool = ProcessPoolExecutor(
        max_workers=n_jobs, mp_context=context, initializer=_warm_worker, initargs=(data_dir, env, settings_file)
    )
    try:
        order = sorted(range(len(jobs)), key=lambda i: _cost(jobs[i]))
        futures = {pool.submit(run_job, jobs[i]): i for i in order}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in done:
                i = futures[future]
                job = jobs[i]
                try:
                    result = future.result()
                except Exception as exc:  # noqa: BLE001 - a worker that died: the run cannot be trusted
                    why = f"a report worker stopped unexpectedly while running {job.relpath} ({_one_line(exc)})"
                    result = JobResult(job, False, 0.0, error=why, fatal=why)
                results[i] = result
                bar.set_postfix_str(f"{job.slug} {job.name}{'' if result.ok else ' FAILED'}")
                bar.update(1)
                if on_result:
                    on_result(result)
    except BaseException:
        _kill_tree(pool, run_dir)
        bar.close()
        if own_run_dir:
            shutil.rmtree(run_dir, ignore_errors=True)
        raise
    pool.shutdown(wait=True)
    bar.close()
    if own_run_dir:
        shutil.rmtree(run_dir, ignore_errors=True)
    return [results[i] for i in range(len(jobs))]


# --- the folder: checks, lock, checksums, manifest, index, exchange --------------------


def check_out_dir(out_dir: Path, pages: int) -> Path:
    """The ``--out`` folder, created if only it is missing; or one line saying what is wrong."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise QAError(f"--out {out_dir}: this is a file, not a folder.")
    if not out_dir.exists():
        parent = out_dir.absolute().parent
        if not parent.is_dir():
            raise QAError(f"--out {out_dir}: the folder {parent} does not exist; create it or choose another --out.")
        try:
            out_dir.mkdir()
        except OSError as exc:
            raise QAError(f"--out {out_dir}: cannot create the folder ({exc.strerror}).") from None
    try:
        with tempfile.TemporaryFile(dir=out_dir, prefix=".qa-write-test-") as handle:
            handle.write(b"x" * 4096)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        problem = {
            errno.EACCES: "no permission to write there", errno.EPERM: "no permission to write there",
            errno.EROFS: "it is on a read-only file system", errno.ENOSPC: "the disk is full",
            errno.EDQUOT: "the disk quota is used up",
        }.get(exc.errno, exc.strerror or exc.__class__.__name__)
        raise QAError(f"--out {out_dir}: cannot write reports there ({problem}).") from None
    needed = BYTES_PER_PAGE * pages + 20 * 2**20
    free = shutil.disk_usage(out_dir).free
    if free < needed:
        raise QAError(
            f"--out {out_dir}: the disk is nearly full ({free / 2**20:.0f} MB free; "
            f"this run needs about {needed / 2**20:.0f} MB)."
        )
    return out_dir


class RunLock:
    """An exclusive lock on ``--out`` for the length of a run, naming who holds it.

    ``flock`` on ``OUT/.qa-analysis.lock``: released by the system when the process ends
    however it ends, so a killed run never leaves a stale lock.
    """

    def __init__(self, out_dir: Path, description: str):
        self.path = Path(out_dir) / LOCK_NAME
        self.description = description
        self.handle = None

    def __enter__(self):
        import fcntl

        handle = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise QAError(
                f"Another qa-analysis report is writing to {self.path.parent} ({holder}); "
                "wait for it to finish, or stop it, then run again."
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()}, started {datetime.now():%d %B %Y %H:%M:%S}: {self.description}")
        handle.flush()
        self.handle = handle
        return self

    def __exit__(self, *exc):
        import fcntl

        if self.handle:
            self.handle.seek(0)
            self.handle.truncate()
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
        return False


sha256_of = file_sha256


def data_checksums(data_dir: Path) -> dict[str, dict]:
    """Every data file the loaders may read (hidden files and folders aside): relative
    path -> {sha256, bytes}."""
    data_dir = Path(data_dir)
    out = {}
    for path in sorted(data_dir.rglob("*")):
        rel = path.relative_to(data_dir)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        out[rel.as_posix()] = {"sha256": sha256_of(path), "bytes": path.stat().st_size}
    return out


def changed_files(before: dict, after: dict) -> list[str]:
    names = sorted(set(before) | set(after))
    return [n for n in names if before.get(n, {}).get("sha256") != after.get(n, {}).get("sha256")]


def folder_files(folder: Path) -> dict[str, str]:
    """Every file of a report set except its manifest: relative path -> sha256."""
    return {
        p.relative_to(folder).as_posix(): sha256_of(p)
        for p in sorted(Path(folder).rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def read_manifest(folder: Path) -> dict | None:
    path = Path(folder) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _exchange(staging: Path, target: Path) -> None:
    """Put ``staging`` where ``target`` is, in one step; ``staging`` then holds the old set."""
    if not target.exists():
        os.rename(staging, target)
        staging.mkdir()
        return
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = getattr(libc, "renameat2", None)
        if renameat2 is not None:
            at_fdcwd, rename_exchange = -100, 2
            if renameat2(at_fdcwd, os.fsencode(staging), at_fdcwd, os.fsencode(target), rename_exchange) == 0:
                return
    # Elsewhere: two renames; an interruption between them is repaired by _recover.
    previous = staging.with_name(staging.name.replace(".staging-", ".previous-", 1))
    os.rename(target, previous)
    os.rename(staging, target)
    os.rename(previous, staging)


def _recover(out_dir: Path) -> None:
    """Under the lock, before a run: undo what an earlier run left half-done."""
    for previous in sorted(out_dir.glob(".previous-*")):
        audience = previous.name.split("-")[1]
        target = out_dir / audience
        if not target.exists():
            os.rename(previous, target)  # killed between the two renames: put the set back
        else:
            shutil.rmtree(previous, ignore_errors=True)
    for staging in out_dir.glob(".staging-*"):
        shutil.rmtree(staging, ignore_errors=True)


def _link_or_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _period_sort_key(slug: str):
    # Newest year first; within a year the annual report, then its quarters, latest first.
    return (slug[:7], "_" not in slug, slug)


def index_html(manifest: dict) -> str:
    """``OUT/<audience>/index.html``: the set's pages by period, from its manifest."""
    from . import __version__

    audience = manifest["audience"]
    by_period: dict[str, list[dict]] = {}
    for page in manifest["pages"]:
        if page["kind"] == "notebook":
            by_period.setdefault(page["slug"], []).append(page)
    # The summary first: it is the page a manager reads first (issue 16), as in the pages' links.
    order = {name: i for i, name in enumerate(dict.fromkeys(("summary", *QUARTERLY_REPORTS, ANNUAL_REPORT)))}
    runs = {manifest["run_id"]: manifest, **manifest.get("earlier_runs", {})}
    sections = []
    for slug in sorted(by_period, key=_period_sort_key, reverse=True):
        items = []
        pages = sorted(by_period[slug], key=lambda p: order.get(p["name"], 99))
        for page in pages:
            label = html.escape(REPORT_TITLES.get(page["name"], page["name"]))
            if page["status"] == "ok":
                word = (
                    f' (<a href="{html.escape(page["docx"])}">Word document</a>)' if page.get("docx") else ""
                )
                items.append(f'<li><a href="{html.escape(page["file"])}">{label}</a>{word}</li>')
            elif page["status"] == "failed":
                items.append(f"<li>{label}: failed in this run, no report (the analyst has the notebook)</li>")
            else:
                items.append(f"<li>{label}: not produced ({html.escape(page.get('reason') or 'no data')})</li>")
        run = runs.get(pages[0].get("run_id"), manifest)
        when = datetime.fromisoformat(run["started"])
        heading = html.escape(pages[0]["period"])
        sections.append(
            f"<section><h2>{heading}</h2><p>Run {html.escape(run['run_id'])} on {when:%d %B %Y at %H:%M}.</p>"
            f"<ul>{''.join(items)}</ul></section>"
        )
    css = (TEMPLATES_DIR / TEMPLATE_NAME / "report.css").read_text(encoding="utf-8")
    body = "\n".join(sections) or "<p>No reports have been generated yet.</p>"
    words = html.escape(AUDIENCE_WORDS[audience])
    authority = html.escape(manifest.get("authority") or "")
    of = f" of {authority}" if authority else ""
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Quality assurance reports{of} ({html.escape(audience)}): index</title>
<style>
{css}
</style>
</head>
<body>
<main class="report">
<p class="audience">Audience: {words}.</p>
<h1>Quality assurance reports{of} for the {html.escape(audience)} audience</h1>
<p>Children's social care quality assurance reports, by financial quarter and year. Each report is a
single file that opens offline; none holds child-level data. Every page here is for the
{html.escape(audience)} audience only.</p>
{body}
<footer class="provenance"><p>qa-analysis {html.escape(__version__)}, run {html.escape(manifest['run_id'])},
index written {datetime.fromisoformat(manifest['finished']):%d %B %Y %H:%M} from the run's manifest.</p></footer>
</main>
</body>
</html>
"""


def write_index(folder: Path, manifest: dict | None = None) -> Path:
    """Write a set's ``index.html`` from its manifest (read from the folder if not given)."""
    manifest = manifest or read_manifest(folder)
    if manifest is None:
        raise QAError(f"{folder} has no {MANIFEST}: it is not a report set.")
    path = Path(folder) / "index.html"
    _write_atomically(path, index_html(manifest))
    return path


def write_top_index(out_dir: Path) -> Path:
    """``OUT/index.html``: one link per audience set, each saying what it holds."""
    from .disclosure import AUDIENCES

    items = []
    for audience in AUDIENCES:
        manifest = read_manifest(out_dir / audience)
        if not manifest:
            continue
        periods = sorted(
            {p["period"] for p in manifest["pages"] if p["status"] == "ok" and p["kind"] == "notebook"},
            key=lambda label: _period_sort_key(label.replace(" ", "_")), reverse=True,
        )
        of = f" of {html.escape(manifest['authority'])}" if manifest.get("authority") else ""
        items.append(
            f'<li><a href="{audience}/index.html">Reports{of} for the {audience} audience</a> '
            f"({html.escape(AUDIENCE_WORDS[audience])}): {html.escape(', '.join(periods) or 'none')}.</li>"
        )
    css = (TEMPLATES_DIR / TEMPLATE_NAME / "report.css").read_text(encoding="utf-8")
    page = f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Quality assurance reports</title>
<style>
{css}
</style>
</head>
<body>
<main class="report">
<h1>Quality assurance reports</h1>
<p>Each audience has its own set of reports; open the one you need.</p>
<ul>{''.join(items) or '<li>No reports have been generated yet.</li>'}</ul>
</main>
</body>
</html>
"""
    path = Path(out_dir) / "index.html"
    _write_atomically(path, page)
    return path


def write_json(path: Path, payload) -> int:
    return _write_atomically(path, json.dumps(payload, indent=2, default=str) + "\n")


# --- planning ---------------------------------------------------------------------------


def plan_jobs(
    quarters, annual_years, topics, data_dir: Path, audience: str, out_dir: Path,
    settings_file: str | None = None, extra_parameters: dict | None = None, timeout: float | None = None,
    with_metrics: bool = False,
) -> list[ReportJob]:
    """The notebooks to run, with their parameters; unknown topics or parameters are refused."""
    topics = list(topics or QUARTERLY_REPORTS)
    unknown = [t for t in topics if t not in QUARTERLY_REPORTS]
    if unknown:
        raise UsageError(f"Unknown topic(s) {', '.join(unknown)}; topics are {', '.join(QUARTERLY_REPORTS)}.")
    check_extra_parameters(extra_parameters)
    common = {"data_dir": str(Path(data_dir).resolve()), "audience": audience}
    if settings_file:
        common["settings_file"] = str(Path(settings_file).resolve())
    common.update(extra_parameters or {})
    jobs = []
    for quarter in quarters:
        if with_metrics:
            jobs.append(ReportJob("metrics", quarter.label, quarter.slug, None, dict(common), Path(out_dir),
                                  kind="metrics", timeout=timeout))
        for topic in topics:
            jobs.append(ReportJob(
                topic, quarter.label, quarter.slug, NOTEBOOKS_DIR / f"{topic}.ipynb",
                {"quarter": quarter.label, **common}, Path(out_dir), timeout=timeout,
            ))
    for year in annual_years:
        label = f"{year}-{(year + 1) % 100:02d}"
        if with_metrics:  # the annual report's metrics.json, audited with its quarters (issue 13)
            jobs.append(ReportJob("metrics", label, label, None, dict(common), Path(out_dir),
                                  kind="metrics", timeout=timeout))
        jobs.append(ReportJob(
            ANNUAL_REPORT, label, label, NOTEBOOKS_DIR / f"{ANNUAL_REPORT}.ipynb",
            {"year": label, **common}, Path(out_dir), timeout=timeout,
        ))
    linked = {"linked_quarters": ",".join(q.label for q in quarters), "linked_topics": ",".join(topics)}
    for job in jobs:
        # Pages link to the same topic's other quarters, and to the quarter's other topics,
        # only where this batch writes them (report --topics).
        if job.notebook is not None and job.name != ANNUAL_REPORT and job.notebook.exists():
            declared = notebook_parameters(job.notebook)
            for name, value in linked.items():
                if name in declared:
                    job.parameters.setdefault(name, value)
    for notebook in sorted({job.notebook for job in jobs if job.notebook is not None}):
        if not notebook.exists():
            raise QAError(f"The notebook {notebook.name} is missing from {notebook.parent}.")
        params = next(job.parameters for job in jobs if job.notebook == notebook)
        check_parameters(notebook, params)
    return jobs


def jobs_for_memory(n_jobs: int, data_dir: Path, jobs: int) -> tuple[int, str | None]:
    """``--jobs`` capped by the cores and the memory available, with the reason if capped.

    Each worker (its process and its kernel, which holds one parsed copy of the data) was
    measured at about 490 MiB on the demo data and 815 MiB on 2 million rows (116 MiB of
    CSV): about 500 MiB plus 3 times the CSV bytes. The main process loads no data.
    """
    wanted = max(1, min(n_jobs, jobs))
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    csv_bytes = sum(p.stat().st_size for p in Path(data_dir).rglob("*") if p.is_file())
    per_kernel = WORKER_BASE_BYTES + WORKER_BYTES_PER_DATA_BYTE * csv_bytes
    available = _memory_available()
    by_memory = max(1, int(0.8 * available // per_kernel)) if available else wanted
    capped = min(wanted, cores, by_memory)
    if capped >= min(n_jobs, jobs):
        return capped, None
    reasons = []
    if capped == cores and cores < n_jobs:
        reasons.append(f"{cores} core(s) here")
    if capped == by_memory and available:
        reasons.append(
            f"each worker needs about {per_kernel / 2**30:.1f} GB for this data and "
            f"{available / 2**30:.1f} GB is free"
        )
    return capped, f"--jobs {n_jobs} lowered to {capped}: {'; '.join(reasons) or 'fewer reports than workers'}."


def _memory_available() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


# --- the main job -----------------------------------------------------------------------


def _new_run_id() -> str:
    return f"{datetime.now():%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"



def _describe(quarters, annual_years, audience: str) -> str:
    periods = [q.label for q in quarters] + [f"{y}-{(y + 1) % 100:02d}" for y in annual_years]
    shown = ", ".join(periods[:3]) + (f" and {len(periods) - 3} more" if len(periods) > 3 else "")
    return f"qa-analysis report --audience {audience} for {shown or 'no period'}"


def _old_layout_note(out_dir: Path) -> str | None:
    old = [p.name for p in out_dir.iterdir() if p.is_dir() and p.name[:2] == "20" and any(p.glob("*.html"))]
    if not old:
        return None
    return (f"note: {out_dir} also holds reports in the old layout ({', '.join(sorted(old)[:3])}...); "
            "reports now live in <out>/<audience>/<period>/ and the old ones were left as they are.")


def _carry_over(previous: dict | None, target: Path, staging: Path, run_slugs: set) -> tuple[list, dict]:
    """Pages of the previous set's periods this run does not produce, linked into staging."""
    if not previous:
        return [], {}
    pages = [p for p in previous["pages"] if p["slug"] not in run_slugs]
    for slug in sorted({p["slug"] for p in pages}):
        for source in sorted((target / slug).rglob("*")):
            if source.is_file():
                _link_or_copy(source, staging / source.relative_to(target))
    runs = {}
    for run_id in {p["run_id"] for p in pages}:
        if run_id == previous["run_id"]:
            runs[run_id] = {k: previous[k] for k in ("run_id", "started", "finished", "version", "data", "settings")}
        else:
            runs[run_id] = previous.get("earlier_runs", {}).get(run_id, {"run_id": run_id})
    return pages, runs


def _page_entry(result: JobResult, run_id: str) -> dict:
    job = result.job
    status = "skipped" if result.skipped else ("ok" if result.ok else "failed")
    entry = {
        "period": job.period_label, "slug": job.slug, "name": job.name, "kind": job.kind,
        "file": job.relpath, "status": status, "run_id": run_id,
    }
    if job.kind == "notebook" and job.ipynb_path.exists():
        entry["notebook"] = f"{job.slug}/{job.name}.ipynb"
    if status == "ok" and job.html_path.with_suffix(".docx").is_file():  # the committee paper (issue 15)
        entry["docx"] = f"{job.slug}/{job.name}.docx"
    if result.skipped:
        entry["reason"] = result.skipped
    if status == "failed":
        entry["error"] = result.error
    return entry


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


def authority_name(settings, la: str | None = None) -> str:
    """The authority the reports name (issue 10: "Reports name the authority"): the settings'
    ``authority_name``, else the ``--la`` chosen from a regional stack, else none ("")."""
    return str(getattr(settings, "authority_name", "") or "").strip() or (la or "").strip()


def generate_reports(
    data_dir: Path, quarters, annual_years, topics=None, n_jobs: int = 2, audience: str = "internal",
    out_dir: Path = Path("outputs"), settings_file: str | None = None,
    extra_parameters: dict | None = None, progress: bool = True, la: str | None = None,
) -> int:
    """The main job: every report, each quarter's metrics.json, the manifest and the index,
    written as one set into ``out_dir/<audience>`` or not at all. Returns the exit code
    (0; 1 when a report failed; 130 / 143 when stopped by SIGINT / SIGTERM) and raises
    :class:`QAError` (one line for the user) when the run cannot start or is stopped.

    ``la`` picks one authority of a regional SSDA903 stack (issue 10): checked here from
    the LA columns alone, then given to the workers' kernels through ``QA_ANALYSIS_LA``
    (:func:`present.load_data_cached`)."""
    from . import __version__
    from .config import load_settings
    from .disclosure import AUDIENCES
    from .errors import DataFileError

    clock = time.perf_counter()
    started = datetime.now()
    if audience not in AUDIENCES:
        raise QAError(f"--audience is internal or public, not {audience!r}.")
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DataFileError(data_dir, "folder not found" if not data_dir.exists() else "is not a folder")
    settings = load_settings(settings_file)
    from .io.ssda903 import check_authority

    la = check_authority(data_dir, la)  # one line, before any notebook, when --la is needed or wrong
    run_id = _new_run_id()
    authority = authority_name(settings, la)
    planned = plan_jobs(
        quarters, annual_years, topics, data_dir, audience, Path(out_dir), settings_file, extra_parameters,
        timeout=settings.notebook_timeout_seconds, with_metrics=True,
    )
    planned = [replace(job, authority=authority) for job in planned]
    out_dir = check_out_dir(Path(out_dir), pages=len(planned))
    with RunLock(out_dir, _describe(quarters, annual_years, audience)):
        _recover(out_dir)
        note = _old_layout_note(out_dir)
        if note:
            print(note, file=sys.stderr)
        target = out_dir / audience
        previous = read_manifest(target) if target.exists() else None
        if target.exists() and previous is None and any(target.iterdir()):
            raise QAError(
                f"{target} is not a report set written by qa-analysis (it has no {MANIFEST}); "
                "move it away or choose another --out."
            )
        staging = out_dir / f".staging-{audience}-{run_id}"
        run_dir = Path(tempfile.mkdtemp(prefix="qa-analysis-run-"))
        finished: list[str] = []
        committed = False

        def on_signal(signum, frame):
            raise _Signalled(signum)

        def on_result(result: JobResult) -> None:
            if result.fatal:
                raise RunStopped(result.fatal)
            if result.errno in (errno.ENOSPC, errno.EDQUOT):
                raise RunStopped(_full_disk_message(out_dir, target, result.job.relpath, finished))
            if result.ok and not result.skipped:
                finished.append(result.job.relpath)

        handlers = {}
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                handlers[signum] = signal.signal(signum, on_signal)
        try:
            staging.mkdir()
            before = data_checksums(data_dir)
            settings_sum = sha256_of(Path(settings_file)) if settings_file else None
            jobs = [replace(job, out_dir=staging) for job in planned]
            workers, capped = jobs_for_memory(n_jobs, data_dir, len(jobs))
            if capped:
                print(capped, file=sys.stderr)
            with _authority_for_kernels(la):
                results = run_jobs(
                    jobs, n_jobs=workers, progress=progress, data_dir=str(data_dir.resolve()), run_dir=run_dir,
                    on_result=on_result, settings_file=str(Path(settings_file).resolve()) if settings_file else "",
                )
            after = data_checksums(data_dir)
            changed = changed_files(before, after)
            if settings_file and sha256_of(Path(settings_file)) != settings_sum:
                changed.append(Path(settings_file).name)
            if changed:
                raise RunStopped(
                    f"{', '.join(changed)} changed while the reports were being written, so they could mix "
                    f"two extracts; nothing was changed in {target}. Run again once the data folder is complete."
                )
            if audience == "public":
                _audit_public_set(staging)
            carried, earlier = _carry_over(previous, target, staging, {job.slug for job in jobs})
            finished_at = datetime.now()
            manifest = {
                "manifest_version": 1,
                "run_id": run_id,
                "audience": audience,
                "authority": authority,
                "periods": [q.label for q in quarters],
                "annual": [f"{y}-{(y + 1) % 100:02d}" for y in annual_years],
                "started": started.isoformat(timespec="seconds"),
                "finished": finished_at.isoformat(timespec="seconds"),
                "version": __version__,
                "data": {"folder": data_dir.resolve().name, "files": before},
                "settings": settings.as_dict(),
                "settings_file": (
                    {"name": Path(settings_file).name, "sha256": settings_sum} if settings_file else None
                ),
                "pages": [_page_entry(r, run_id) for r in results] + carried,
                "earlier_runs": earlier,
            }
            write_index(staging, manifest)
            manifest["files"] = folder_files(staging)
            write_json(staging / MANIFEST, manifest)
            _commit(staging, target)
            committed = True
            shutil.rmtree(staging, ignore_errors=True)  # it now holds the previous set
            write_top_index(out_dir)
        except _Signalled as stop:
            name = signal.Signals(stop.signum).name
            if committed:
                print(f"qa-analysis: {name} received after the new set was in place in {target}.", file=sys.stderr)
            else:
                print(_stopped_message(name, target, finished, len(planned)), file=sys.stderr)
            return 128 + stop.signum
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT) and not committed:
                raise RunStopped(_full_disk_message(out_dir, target, None, finished)) from None
            raise
        finally:
            for signum, handler in handlers.items():
                signal.signal(signum, handler)
            shutil.rmtree(staging, ignore_errors=True)
            shutil.rmtree(run_dir, ignore_errors=True)
    for r in results:
        if r.skipped:
            print(f"skipped {r.job.slug}/{r.job.name}: {r.skipped}", file=sys.stderr)
    failed = [r for r in results if not r.ok]
    pages = [r for r in results if r.job.kind == "notebook" and not r.skipped]
    print(
        f"Wrote {sum(r.ok for r in pages)} of {len(pages)} reports for the {audience} audience to {target} "
        f"in {time.perf_counter() - clock:.1f}s (run {run_id}); index: {target / 'index.html'}",
        file=sys.stderr,
    )
    if failed:
        print(f"{len(failed)} report(s) failed and have no HTML:", file=sys.stderr)
        for r in failed:
            where = f" (see {target / r.job.slug / (r.job.name + '.ipynb')})" if r.job.kind == "notebook" else ""
            print(f"  {r.job.relpath}: {r.error}{where}", file=sys.stderr)
        return 1
    return 0


def _audit_public_set(staging: Path) -> None:
    """The end-of-run disclosure check of a public set (issue 13): any hidden figure that can
    be worked out from its metrics.json files stops the run before the set is put in place."""
    from .disclosure_check import check_folder, report_lines

    pages = check_folder(staging)
    if any(page.findings for page in pages):
        lines = report_lines(pages, findings_only=True)
        raise RunStopped(
            "the disclosure check found hidden figures that can be worked out, so the public set was not "
            "written:\n" + "\n".join(lines[:20])
        )


def _commit(staging: Path, target: Path) -> None:
    """The one step that publishes a run, with SIGINT and SIGTERM held until it is done."""
    blocked = {signal.SIGINT, signal.SIGTERM}
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        _exchange(staging, target)
    finally:
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_UNBLOCK, blocked)


def _stopped_message(name: str, target: Path, finished: list[str], planned: int) -> str:
    done = ", ".join(finished) if finished else "none"
    return (
        f"qa-analysis: stopped by {name}; nothing was changed in {target} (the previous set, if any, is as it "
        f"was). Finished before the stop ({len(finished)} of {planned}, not kept): {done}."
    )


def _full_disk_message(out_dir: Path, target: Path, where: str | None, finished: list[str]) -> str:
    at = f" while writing {where}" if where else ""
    done = ", ".join(finished) if finished else "none"
    return (
        f"--out {out_dir}: the disk is full{at}. What this run had written was removed and nothing was "
        f"changed in {target}. Finished before the disk filled ({len(finished)}): {done}."
    )

"""Headless Chromium over the generated reports, offline, with axe-core.

Every page is opened once (file:// URL, every other request aborted and recorded) and what
the tests need is read off it into a :class:`PageFacts`; the tests then assert on those facts.
Chromium is Debian's (/usr/bin/chromium), driven by playwright through ``executable_path``:
``playwright install`` downloads browsers, which fails on our machines.

Under CI (``CI=true``) a missing Chromium or playwright is a failure; elsewhere the tests skip
with the reason. ``--screenshots`` (also on under CI) saves a full-page PNG of each page to
``outputs/screenshots/``. ``--reports-dir DIR`` checks reports already generated in DIR (for
example ``outputs`` after ``make report``, whose internal set is ``outputs/internal/``)
instead of generating them into a temporary folder.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from qa_analysis.config import OUTPUTS_DIR
from qa_analysis.periods import year_quarters
from qa_analysis.reports import ANNUAL_REPORT, QUARTERLY_REPORTS

YEAR = "2020-21"
CHROMIUM = Path(os.environ.get("QA_CHROMIUM", "/usr/bin/chromium"))
# As root, and quiet: without the background-networking flags Chromium calls home at start.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}
SCREENSHOTS_DIR = OUTPUTS_DIR / "screenshots"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING_IMPACTS = ("serious", "critical")
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")


@dataclass(frozen=True)
class PageSpec:
    """One page the suite must find: a quarterly report, the annual report or the index."""

    relpath: str  # under the audience's set (OUT/internal/): "2020-21_Q1/visits.html"
    topic: str | None  # None for the index
    period: str | None  # "2020-21 Q1", "2020-21"; None for the index

    @property
    def id(self) -> str:
        return self.relpath.removesuffix(".html")

    @property
    def screenshot_name(self) -> str:
        return self.id.replace("/", "_") + ".png"


def expected_reports(year: str = YEAR) -> list[PageSpec]:
    """The contract: every topic for each quarter of the year, then the annual report."""
    quarterly = [
        PageSpec(f"{q.slug}/{topic}.html", topic, q.label)
        for q in year_quarters(year) for topic in QUARTERLY_REPORTS
    ]
    return [*quarterly, PageSpec(f"{year}/{ANNUAL_REPORT}.html", ANNUAL_REPORT, year)]


INDEX = PageSpec("index.html", None, None)
PAGES = [*expected_reports(), INDEX]


@dataclass
class PageFacts:
    """What one page showed in the browser."""

    spec: PageSpec
    title: str
    h1s: list[str]
    scripts: int
    images: list[dict]  # {src, alt, width, decoded}
    links: list[str]  # absolute hrefs, as the browser resolved them
    console_errors: list[str]
    network_requests: list[str]
    violations: list[dict]  # axe violations: {id, impact, help, nodes, targets}
    screenshot: Path | None = None

    @property
    def blocking_violations(self) -> list[dict]:
        return [v for v in self.violations if v["impact"] in BLOCKING_IMPACTS]


@dataclass
class SuiteLog:
    """For the closing summary: pages checked, wall-clock, axe findings below serious."""

    started: float | None = None
    finished: float | None = None
    pages: dict[str, PageFacts] = field(default_factory=dict)


SUITE_LOG = pytest.StashKey[SuiteLog]()


def pytest_addoption(parser):
    group = parser.getgroup("browser", "browser tests of the generated reports")
    group.addoption("--screenshots", action="store_true", default=False,
                    help="save a full-page PNG of each report under outputs/screenshots/")
    group.addoption("--reports-dir", default=None,
                    help="check reports already generated in this folder instead of generating them")


def pytest_generate_tests(metafunc):
    # Each page its own test id, known at collection (the reports only exist later).
    if "spec" in metafunc.fixturenames:
        metafunc.parametrize("spec", PAGES, ids=[spec.id for spec in PAGES])


@pytest.fixture
def report_specs() -> list[PageSpec]:
    """The 21 reports the index must link."""
    return expected_reports()


@pytest.fixture
def index_spec() -> PageSpec:
    return INDEX


def pytest_configure(config):
    config.stash[SUITE_LOG] = SuiteLog()


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _why_unavailable() -> str | None:
    try:
        import axe_playwright_python  # noqa: F401
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install -e '.[dev]')"
    if not CHROMIUM.exists():
        return f"Chromium is not at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture(scope="session")
def chromium():
    """A headless Chromium, or a skip (a failure under CI) saying what is missing."""
    reason = _why_unavailable()
    if reason and in_ci():
        pytest.fail(f"browser tests must run in CI but {reason}; .ci/run installs it", pytrace=False)
    if reason:
        pytest.skip(f"browser tests skipped: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def site(request, chromium):
    """The reports folder (generated once for the session unless --reports-dir is given)."""
    given = request.config.getoption("reports_dir", default=None)
    folder = Path(given) if given else request.getfixturevalue("reports_dir")
    if given and (folder / "internal" / "manifest.json").is_file():
        folder = folder / "internal"  # --reports-dir outputs: the internal set, OUT/internal/
    log = request.config.stash[SUITE_LOG]
    # The clock starts once the reports exist: report generation is timed elsewhere.
    log.started = time.perf_counter()
    return folder


def _screenshots_wanted(config) -> bool:
    return bool(config.getoption("screenshots", default=False)) or in_ci()


@pytest.fixture(scope="session")
def open_page(request, chromium, site):
    """``open_page(spec)``: the page's facts, read once per session."""
    log = request.config.stash[SUITE_LOG]
    shots = SCREENSHOTS_DIR if _screenshots_wanted(request.config) else None

    def facts_for(spec: PageSpec) -> PageFacts:
        if spec.id not in log.pages:
            path = site / spec.relpath
            if not path.exists():
                pytest.fail(f"{spec.relpath} was not generated in {site}", pytrace=False)
            log.pages[spec.id] = read_page(chromium, path, spec, shots)
        log.finished = time.perf_counter()
        return log.pages[spec.id]

    return facts_for


@pytest.fixture(scope="session")
def open_file(chromium):
    """``open_file(path)``: the facts of any HTML file (for testing the checks themselves)."""
    return lambda path: read_page(chromium, path, PageSpec(path.name, "test", None), None)


_IMAGES_JS = """async () => Promise.all(Array.from(document.images, async (img) => {
    let decoded = true;
    try { await img.decode(); } catch (e) { decoded = false; }
    return {src: (img.getAttribute('src') || '').slice(0, 40), alt: img.getAttribute('alt'),
            width: img.naturalWidth, decoded: decoded};
}))"""


def read_page(browser, path: Path, spec: PageSpec, screenshots: Path | None) -> PageFacts:
    """Open one page offline and read off what the tests check."""
    from axe_playwright_python.sync_playwright import Axe

    context = browser.new_context(viewport=VIEWPORT, service_workers="block")
    requests: list[str] = []
    errors: list[str] = []

    def offline(route):
        if route.request.url.startswith(LOCAL_SCHEMES):
            route.continue_()
        else:
            requests.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", offline)
    page = context.new_page()
    # Recorded as well as routed: a request the router never sees still counts.
    page.on("request", lambda r: None if r.url.startswith(LOCAL_SCHEMES) else requests.append(r.url))
    page.on("websocket", lambda ws: requests.append(ws.url))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    page.on("requestfailed", lambda r: errors.append(f"failed to load {r.url[:80]}")
            if r.url.startswith("file:") else None)
    try:
        page.goto(path.as_uri(), wait_until="load")
        title = page.title()
        h1s = page.locator("h1").evaluate_all(
            # The text a reader sees, without nbconvert's pilcrow anchor link.
            "els => els.map(h => Array.from(h.childNodes).filter(n => !(n.classList && "
            "n.classList.contains('anchor-link'))).map(n => n.textContent).join('').trim())"
        )
        scripts = page.locator("script").count()  # before axe injects its own
        images = page.evaluate(_IMAGES_JS)
        links = page.locator("a[href]").evaluate_all("els => els.map(a => a.href)")
        screenshot = None
        if screenshots is not None:
            screenshots.mkdir(parents=True, exist_ok=True)
            screenshot = screenshots / spec.screenshot_name
            page.screenshot(path=str(screenshot), full_page=True)
        results = Axe().run(page, options={
            "runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"],
        })
        violations = [
            {"id": v["id"], "impact": v.get("impact"), "help": v["help"], "nodes": len(v["nodes"]),
             "targets": [" ".join(map(str, n["target"])) for n in v["nodes"][:3]]}
            for v in results.response["violations"]
        ]
    finally:
        context.close()
    return PageFacts(spec, title, h1s, scripts, images, links, errors, sorted(set(requests)),
                     violations, screenshot)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    log = config.stash.get(SUITE_LOG, None)
    if not log or not log.pages:
        return
    write = terminalreporter.write_line
    pages = log.pages.values()
    seconds = (log.finished or log.started) - log.started
    images = sum(len(p.images) for p in pages)
    write(f"browser suite: {len(log.pages)} pages checked ({images} images) in {seconds:.1f}s "
          "of browser time, report generation excluded")
    blocking = sum(1 for p in pages for v in p.violations if v["impact"] in BLOCKING_IMPACTS)
    by_rule: dict[tuple, list[tuple[str, str]]] = defaultdict(list)
    for p in pages:
        for v in p.violations:
            if v["impact"] not in BLOCKING_IMPACTS:
                by_rule[(v["impact"], v["id"], v["help"])].append((p.spec.id, ", ".join(v["targets"])))
    write(f"axe: {blocking} serious or critical violation(s); {len(by_rule)} minor or moderate rule(s) left:")
    for (impact, rule, help_text), where in sorted(by_rule.items()):
        write(f"  {impact} {rule} ({help_text}) on {len(where)} page(s), e.g. {where[0][0]} at {where[0][1]}")
    shots = [p.screenshot for p in pages if p.screenshot]
    if shots:
        write(f"screenshots: {len(shots)} in {SCREENSHOTS_DIR}")

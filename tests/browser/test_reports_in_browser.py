"""The managers' HTML in headless Chromium: offline, readable, accessible (issue 5).

Each generated report of 2020-21 (20 quarterly, 1 annual) and the index is its own test id
(``spec``, parametrised in conftest.py), so a failure names the page. The pages are opened
once each, by ``open_page``.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

pytestmark = pytest.mark.browser

# The word a reader looks for in the heading of each topic's report.
TOPIC_WORDS = {
    "visits": "visits",
    "referrals": "referrals",
    "placement_stability": "placement stability",
    "audits": "audits",
    "summary": "summary",
    "annual": "annual report",
}
INDEX_NAME = "quality assurance reports"

def _names_the_page(text: str, spec) -> bool:
    text = text.lower()
    if spec.topic is None:  # the index
        return INDEX_NAME in text
    return TOPIC_WORDS[spec.topic] in text and spec.period.lower() in text


def test_page_logs_no_console_error(open_page, spec):
    assert open_page(spec).console_errors == []


def test_page_attempts_no_network_request(open_page, spec):
    assert open_page(spec).network_requests == []


def test_page_runs_no_script(open_page, spec):
    assert open_page(spec).scripts == 0


def test_every_image_decodes(open_page, spec):
    broken = [img for img in open_page(spec).images if not img["decoded"] or img["width"] <= 0]

    assert broken == []


def test_title_names_the_topic_and_the_period(open_page, spec):
    title = open_page(spec).title

    assert _names_the_page(title, spec), title


def test_the_one_h1_names_the_topic_and_the_period(open_page, spec):
    h1s = open_page(spec).h1s

    assert len(h1s) == 1, h1s
    assert _names_the_page(h1s[0], spec), h1s[0]


def test_axe_finds_no_serious_or_critical_violation(open_page, spec):
    assert open_page(spec).blocking_violations == []


def _local_path(href: str) -> Path | None:
    url = urlparse(href)
    return Path(unquote(url.path)) if url.scheme == "file" else None


def test_the_index_links_every_report_once(open_page, site, index_spec, report_specs):
    linked = [_local_path(href) for href in open_page(index_spec).links]
    expected = [(site / spec.relpath).resolve() for spec in report_specs]

    assert sorted(p.resolve() for p in linked if p and p.suffix == ".html") == sorted(expected)
    # Besides the pages, the index links the annual report's Word document (issue 15), which exists.
    others = [p for p in linked if p and p.suffix != ".html"]
    assert all(p.suffix == ".docx" and p.is_file() for p in others), others


def test_every_index_link_resolves_to_a_report_that_exists(open_page, index_spec):
    hrefs = open_page(index_spec).links
    missing = [href for href in hrefs if not (_local_path(href) and _local_path(href).is_file())]

    assert hrefs and missing == []


# --- the checks themselves catch what they look for -------------------------------------


def test_a_remote_image_is_recorded_blocked_and_left_undecoded(open_file, tmp_path):
    page = tmp_path / "remote.html"
    page.write_text('<!DOCTYPE html><title>t</title><img src="https://example.org/chart.png" alt="chart">')

    facts = open_file(page)

    assert facts.network_requests == ["https://example.org/chart.png"]
    assert [(img["decoded"], img["width"]) for img in facts.images] == [(False, 0)]


def test_a_console_error_is_recorded(open_file, tmp_path):
    page = tmp_path / "noisy.html"
    page.write_text("<!DOCTYPE html><title>t</title><script>console.error('boom')</script>")

    facts = open_file(page)

    assert (facts.console_errors, facts.scripts) == (["boom"], 1)


def test_axe_reports_an_image_without_alt_text_as_critical(open_file, tmp_path):
    page = tmp_path / "no_alt.html"
    pixel = "data:image/gif;base64,R0lGODlhAQABAAAAACw="
    page.write_text(f'<!DOCTYPE html><html lang="en"><title>t</title><main><img src="{pixel}"></main></html>')

    facts = open_file(page)

    assert [(v["id"], v["impact"]) for v in facts.blocking_violations] == [("image-alt", "critical")]

"""Shared fixtures: the demo reports, generated once per test session."""

from __future__ import annotations

import os

import pytest

from qa_analysis.config import DEMO_DATA_DIR
from qa_analysis.periods import parse_year, year_quarters

YEAR = "2020-21"

# The cache of loaded tables (qa_analysis/io/cache.py) is off for the suite, so every test
# reads its files as written; tests/io/test_cache.py switches it on where it is the subject.
os.environ.setdefault("QA_ANALYSIS_CACHE", "off")


def _generate(out, audience, quarters, annual):
    from qa_analysis.reports import generate_reports

    code = generate_reports(
        DEMO_DATA_DIR, quarters, annual, topics=None, n_jobs=2, audience=audience, out_dir=out,
        progress=False,
    )
    assert code == 0, "the demo reports did not all generate"
    return out / audience  # each audience's set lives in OUT/<audience>/


@pytest.fixture(scope="session")
def reports_dir(tmp_path_factory):
    """Every 2020-21 quarterly report and the annual report, internal audience (OUT/internal)."""
    return _generate(tmp_path_factory.mktemp("reports"), "internal", year_quarters(YEAR), [parse_year(YEAR)])


@pytest.fixture(scope="session")
def public_reports_dir(tmp_path_factory):
    """One quarter and the annual report for the public audience (disclosure control; OUT/public)."""
    return _generate(
        tmp_path_factory.mktemp("public_reports"), "public", year_quarters(YEAR)[:1], [parse_year(YEAR)]
    )

"""Public pages of a tiny authority (40 children, most counts under 6) read sensibly (issue 13)."""

from __future__ import annotations

import re

import pytest

from qa_analysis.demo import write_demo_data
from qa_analysis.disclosure_check import check_folder
from qa_analysis.periods import parse_quarter
from qa_analysis.reports import generate_reports

pytestmark = pytest.mark.slow
TOPICS = ("visits", "referrals", "placement_stability", "audits", "summary")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    data = tmp_path_factory.mktemp("tiny_data")
    write_demo_data(data, children=40)
    out = tmp_path_factory.mktemp("tiny_public")
    code = generate_reports(data, [parse_quarter("2020-21 Q3")], [], audience="public", out_dir=out, progress=False)
    assert code == 0  # the end-of-run audit found nothing, or the run would fail
    return out


def _text(page: str) -> str:
    page = re.sub(r"<style.*?</style>", " ", page, flags=re.S)
    page = re.sub(r'src="data:image/png;base64,[^"]*"', "", page)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


@pytest.mark.parametrize("topic", TOPICS)
def test_no_sentence_gives_a_hidden_percentage_as_c(tiny, topic):
    text = _text((tiny / "public" / "2020-21_Q3" / f"{topic}.html").read_text(encoding="utf-8"))

    assert re.findall(r"\bc%|\bc of (?:overall|audited|visits|contacts|referrals|assessments|children)", text) == []


@pytest.mark.parametrize("topic", TOPICS[:4])
def test_c_is_explained_before_it_is_used_in_a_chart_or_table(tiny, topic):
    text = _text((tiny / "public" / "2020-21_Q3" / f"{topic}.html").read_text(encoding="utf-8"))
    body = text[text.find("Headline figures"):]

    assert "Figures shown as c are withheld to protect the privacy" in body


def test_a_chart_with_most_figures_hidden_is_a_sentence_not_an_empty_chart(tiny):
    page = (tiny / "public" / "2020-21_Q3" / "audits.html").read_text(encoding="utf-8")
    alts = re.findall(r'alt="([^"]*)"', page)

    assert "The chart of cases audited by overall grade is not shown" in _text(page)
    assert not any(re.findall(r": c(?:[,.]|$)", alt) and not re.findall(r": \d", alt) for alt in alts)


def test_the_tiny_authoritys_public_folder_passes_check_disclosure(tiny):
    pages = check_folder(tiny)

    assert pages and [f.describe() for p in pages for f in p.findings] == []


def test_the_index_says_the_reports_are_for_a_public_audience(tiny):
    assert "for the public audience" in (tiny / "public" / "index.html").read_text(encoding="utf-8")

"""No local path in outputs (issue 11): the data folder is shown by its name only."""

import shutil

import pytest

from qa_analysis.config import DEMO_DATA_DIR
from qa_analysis.periods import parse_quarter
from qa_analysis.redact import path_names, redact_text


def test_a_path_is_replaced_by_its_name_in_the_forms_a_notebook_holds_it():
    text = '{"source": ["data_dir = \\"/home/jo.smith/share/la data\\"\\n"], "data_dir": "/home/jo.smith/share/la data"}'

    redacted = redact_text(text, {"/home/jo.smith/share/la data": "la data"})

    assert redacted == '{"source": ["data_dir = \\"la data\\"\\n"], "data_dir": "la data"}'


def test_a_windows_path_is_replaced_with_its_backslashes_escaped_once_or_twice():
    # in the JSON of a notebook: C:\\Users\\jo (metadata) and C:\\\\Users\\\\jo (Python source)
    text = '["C:\\\\Users\\\\jo\\\\data", "x = \\"C:\\\\\\\\Users\\\\\\\\jo\\\\\\\\data\\""]'

    redacted = redact_text(text, {"C:\\Users\\jo\\data": "data"})

    assert redacted == '["data", "x = \\"data\\""]'


def test_path_names_gives_each_absolute_path_its_last_part(tmp_path):
    assert path_names(tmp_path / "la data", None, "") == {str(tmp_path / "la data"): "la data"}


@pytest.mark.slow
def test_no_html_or_executed_notebook_holds_the_absolute_data_path(tmp_path):
    from qa_analysis.reports import generate_reports

    data = tmp_path / "jo.smith private share"
    shutil.copytree(DEMO_DATA_DIR, data, ignore=shutil.ignore_patterns(".qa-cache"))
    out = tmp_path / "outputs"

    code = generate_reports(data, [parse_quarter("2020-21 Q1")], [], topics=["visits"], n_jobs=1,
                            out_dir=out, progress=False)

    written = [p for p in out.rglob("*") if p.is_file() and p.suffix in (".html", ".ipynb", ".json")]
    assert code == 0
    assert {p.suffix for p in written} >= {".html", ".ipynb"}
    leaking = [p.name for p in written if str(data) in p.read_text(encoding="utf-8")]
    assert leaking == []
    notebook = next(out.rglob("visits.ipynb")).read_text(encoding="utf-8")
    assert 'data_dir = \\"jo.smith private share\\"' in notebook  # the name is kept

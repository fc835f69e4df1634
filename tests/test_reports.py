"""The batch runner: failures reported, others kept, no HTML for a failed notebook."""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from qa_analysis.errors import QAError
from qa_analysis.reports import ReportJob, _page_entry, check_parameters, run_jobs, write_index


def _notebook(path, body: str, parameters: str = 'quarter = "2020-21 Q1"'):
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, new_code_cell(body)]
    nbformat.write(nb, path)
    return path


def _job(tmp_path, name, notebook, slug="2020-21_Q1"):
    return ReportJob(name, "2020-21 Q1", slug, notebook, {"quarter": "2020-21 Q1"}, tmp_path / "out")


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("batch")
    good = _notebook(tmp_path / "good.ipynb", 'from IPython.display import Markdown\nMarkdown(f"# Good {quarter}")')
    bad = _notebook(tmp_path / "bad.ipynb", 'raise ValueError("made to fail")')
    jobs = [_job(tmp_path, "visits", good), _job(tmp_path, "audits", bad), _job(tmp_path, "summary", good)]
    # A stale HTML from an earlier run must not survive a failed run.
    (tmp_path / "out" / "2020-21_Q1").mkdir(parents=True)
    (tmp_path / "out" / "2020-21_Q1" / "audits.html").write_text("<html>old</html>")
    return tmp_path, run_jobs(jobs, n_jobs=2, progress=False)


def test_the_failed_notebook_is_reported_with_its_error(batch):
    _, results = batch
    failed = [(r.job.name, r.error) for r in results if not r.ok]
    assert len(failed) == 1 and failed[0][0] == "audits" and "made to fail" in failed[0][1]


def test_the_other_reports_are_still_written(batch):
    tmp_path, _ = batch
    html = (tmp_path / "out" / "2020-21_Q1" / "visits.html").read_text()
    assert "Good 2020-21 Q1" in html and (tmp_path / "out" / "2020-21_Q1" / "summary.html").exists()


def test_no_html_exists_for_the_failed_notebook(batch):
    tmp_path, _ = batch
    folder = tmp_path / "out" / "2020-21_Q1"
    assert not (folder / "audits.html").exists()
    assert (folder / "audits.ipynb").exists()  # kept for the analyst to read the error
    assert not [p.name for p in folder.iterdir() if p.name.startswith(".")]  # no temp files left


def test_results_come_back_in_job_order(batch):
    _, results = batch
    assert [r.job.name for r in results] == ["visits", "audits", "summary"]


def test_the_html_has_no_code(batch):
    tmp_path, _ = batch
    html = (tmp_path / "out" / "2020-21_Q1" / "visits.html").read_text()
    assert "Markdown(" not in html and "<script" not in html


def test_the_index_links_the_reports_its_manifest_lists_as_written(batch):
    tmp_path, results = batch
    manifest = {
        "run_id": "r1", "audience": "internal", "started": "2026-12-01T21:00:00", "finished": "2026-12-01T21:01:00",
        "pages": [_page_entry(r, "r1") for r in results],
    }
    index = write_index(tmp_path / "out", manifest).read_text()
    assert 'href="2020-21_Q1/visits.html"' in index and 'href="2020-21_Q1/audits.html"' not in index
    # The summary is listed first: the page a manager reads first.
    assert index.index('href="2020-21_Q1/summary.html"') < index.index('href="2020-21_Q1/visits.html"')
    assert "Case audits and recommendations: failed in this run" in index


def test_an_unknown_parameter_is_refused(tmp_path):
    notebook = _notebook(tmp_path / "nb.ipynb", "pass")
    with pytest.raises(QAError, match="no parameter.*colour"):
        check_parameters(notebook, {"quarter": "2020-21 Q2", "colour": "blue"})


def test_declared_parameters_are_accepted(tmp_path):
    notebook = _notebook(tmp_path / "nb.ipynb", "pass")
    assert check_parameters(notebook, {"quarter": "2020-21 Q2"}) is None


def test_declared_parameters_are_the_names_papermill_lists(tmp_path):
    # Arrange: plain, annotated and commented assignments; an expression statement declares nothing
    import papermill

    from qa_analysis.reports import notebook_parameters

    path = _notebook(tmp_path / "nb.ipynb", "pass",
                     'quarter: str = "2020-21 Q1"  # the quarter\ndata_dir = "data/demo"\nprint("x")\nlimit: int = 3')

    # Act
    declared = notebook_parameters(path)

    # Assert: the same names, in the same order, as papermill's own inspection
    assert list(declared) == ["quarter", "data_dir", "limit"] == list(papermill.inspect_notebook(str(path)))


def test_a_topic_whose_file_is_absent_is_skipped_not_failed(tmp_path, capsys):
    import shutil

    from qa_analysis.config import DEMO_DATA_DIR
    from qa_analysis.periods import parse_quarter
    from qa_analysis.reports import generate_reports

    data = tmp_path / "data"
    shutil.copytree(DEMO_DATA_DIR, data, ignore=shutil.ignore_patterns(".qa-cache"))
    (data / "visits.csv").unlink()

    code = generate_reports(
        data, [parse_quarter("2020-21 Q1")], [], topics=["visits"], out_dir=tmp_path / "out", progress=False
    )

    assert code == 0
    assert not (tmp_path / "out" / "internal" / "2020-21_Q1" / "visits.html").exists()
    assert "skipped 2020-21_Q1/visits: visits left out: visits.csv not found" in capsys.readouterr().err


@pytest.mark.slow
def test_a_run_of_some_topics_links_only_to_pages_it_wrote(tmp_path):
    import re

    from qa_analysis.config import DEMO_DATA_DIR
    from qa_analysis.periods import parse_quarter
    from qa_analysis.reports import generate_reports

    code = generate_reports(
        DEMO_DATA_DIR, [parse_quarter("2020-21 Q3")], [], topics=["visits", "summary"],
        out_dir=tmp_path / "out", progress=False,
    )

    assert code == 0
    folder = tmp_path / "out" / "internal"
    pages = sorted(folder.rglob("*.html"))
    assert {p.relative_to(folder).as_posix() for p in pages} == {
        "index.html", "2020-21_Q3/visits.html", "2020-21_Q3/summary.html"}
    for page in pages:
        hrefs = re.findall(r'<a [^>]*href="([^"#]+)"', page.read_text(encoding="utf-8"))
        local = [h for h in hrefs if "://" not in h and not h.startswith("mailto:")]
        assert local or page.name == "index.html", page
        for href in local:
            assert (page.parent / href).resolve().is_file(), (page.name, href)
    summary = (folder / "2020-21_Q3" / "summary.html").read_text(encoding="utf-8")
    assert 'href="../2020-21_Q3/visits.html"' in summary and "referrals.html" not in summary

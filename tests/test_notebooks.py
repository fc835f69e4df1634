"""The committed report notebooks: declared parameters, clean cells, presentation only.

DESIGN section 5: each notebook has a ``parameters`` cell of plain defaults that run on
data/demo, carries no outputs, and only presents (every number comes from qa_analysis).
"""

import ast
import re

import nbformat
import papermill
import pytest

from qa_analysis.config import NOTEBOOKS_DIR

QUARTERLY = ("visits", "referrals", "placement_stability", "audits", "summary")
ANNUAL = "annual"
NOTEBOOKS = (*QUARTERLY, ANNUAL)


def _read(name):
    return nbformat.read(NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)


def _code_cells(name):
    return [cell for cell in _read(name).cells if cell.cell_type == "code"]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_notebook_exists(name):
    assert (NOTEBOOKS_DIR / f"{name}.ipynb").is_file()


@pytest.mark.parametrize("name", QUARTERLY)
def test_a_quarterly_notebook_declares_its_parameters(name):
    declared = papermill.inspect_notebook(str(NOTEBOOKS_DIR / f"{name}.ipynb"))
    # linked_quarters / linked_topics: the quarters and topics of the batch, so pages link
    # only to reports that exist.
    assert set(declared) == {"quarter", "data_dir", "audience", "settings_file", "linked_quarters", "linked_topics"}


def test_the_annual_notebook_declares_its_parameters():
    declared = papermill.inspect_notebook(str(NOTEBOOKS_DIR / f"{ANNUAL}.ipynb"))
    assert set(declared) == {"year", "data_dir", "audience", "settings_file", "docx_path"}


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_parameter_defaults_are_plain_literals_that_run_on_the_demo_data(name):
    declared = papermill.inspect_notebook(str(NOTEBOOKS_DIR / f"{name}.ipynb"))
    defaults = {key: ast.literal_eval(p["default"]) for key, p in declared.items()}
    period = defaults.get("quarter", defaults.get("year"))
    assert re.fullmatch(r"\d{4}-\d{2}( Q[1-4])?", period)
    assert defaults["data_dir"] == "data/demo"
    assert defaults["audience"] == "internal"
    assert defaults["settings_file"] == ""


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_first_code_cell_is_the_tagged_parameters_cell(name):
    cells = _code_cells(name)
    assert "parameters" in cells[0].metadata.get("tags", [])
    assert sum("parameters" in c.metadata.get("tags", []) for c in cells) == 1


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_the_parameters_cell_holds_only_assignments_of_literals(name):
    tree = ast.parse(_code_cells(name)[0].source)
    assert tree.body, "the parameters cell is empty"
    for statement in tree.body:
        # name: type = literal  # help   (typed and commented, for papermill --help-notebook)
        assert isinstance(statement, (ast.Assign, ast.AnnAssign)) and isinstance(statement.value, ast.Constant)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_notebooks_carry_no_outputs_or_execution_counts(name):
    dirty = [
        i for i, cell in enumerate(_code_cells(name))
        if cell.get("outputs") or cell.get("execution_count") is not None
    ]
    assert dirty == []


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebooks_compute_nothing_themselves(name):
    # Notebooks present; the library computes (DESIGN section 5).
    computing = re.compile(r"\.(groupby|pivot|pivot_table|merge)\(|pd\.merge\(")
    found = [
        line.strip() for cell in _code_cells(name) for line in cell.source.splitlines()
        if computing.search(line)
    ]
    assert found == []


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebooks_keep_no_list_of_catalogue_keys_by_hand(name):
    # Issue 12: key lists come from the metric registry (registry.keys, summary_sections);
    # a list or tuple literal of two or more catalogue keys is a second copy of it. The
    # series a trend chart draws (ctx.trend's first argument, labelled beside it) are a
    # choice of the chart, not a list of the catalogue.
    from qa_analysis.metrics import registry

    found = []
    for cell in _code_cells(name):
        tree = ast.parse(cell.source)
        series = {
            id(arg) for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "trend"
            for arg in ast.walk(node.args[0]) if node.args
        }
        for node in ast.walk(tree):
            if id(node) in series:
                continue
            if isinstance(node, ast.List | ast.Tuple | ast.Set):
                strings = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
                if sum(registry.is_known(s) for s in strings) >= 2:
                    found.append(strings)
    assert found == []


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_every_parameter_has_a_type_and_a_help_text_for_papermill(name):
    # papermill --help-notebook shows "Unknown type" / no help without them (issue 17).
    declared = papermill.inspect_notebook(str(NOTEBOOKS_DIR / f"{name}.ipynb"))
    untyped = [k for k, p in declared.items() if p["inferred_type_name"] in ("None", "") or not p["help"]]
    assert untyped == []

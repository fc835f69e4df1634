"""Help where analysts look (issue 17 item 4): numpydoc docstrings on the top-level API.

Every function ``import qa_analysis as qa`` offers has a numpydoc docstring with a
Parameters section (when it takes any), a Returns section (when it returns something) and
an Examples section; the examples that need no data folder run as doctests here.
"""

import doctest
import inspect

import pytest

import qa_analysis as qa

FUNCTIONS = [name for name in qa.__all__ if inspect.isfunction(getattr(qa, name))]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_every_top_level_function_has_a_numpydoc_docstring_with_an_example(name):
    function = getattr(qa, name)
    doc = inspect.getdoc(function) or ""
    signature = inspect.signature(function)
    sections = ["Examples"]
    if signature.parameters:
        sections.append("Parameters")
    if signature.return_annotation not in (None, "None", inspect.Signature.empty):
        sections.append("Returns")
    missing = [s for s in sections if f"{s}\n{'-' * len(s)}" not in doc]
    assert missing == [], f"{name}: no {', '.join(missing)} section"


@pytest.mark.parametrize("name", FUNCTIONS)
def test_the_examples_run(name):
    function = getattr(qa, name)
    finder = doctest.DocTestFinder(recurse=False)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    globs = {**vars(inspect.getmodule(function)), "qa": qa}
    for test in finder.find(function, name, globs=globs):
        runner.run(test)
    assert runner.failures == 0


def test_the_command_line_entry_point_documents_its_exit_codes():
    from qa_analysis.cli import main

    doc = inspect.getdoc(main)
    assert "Returns" in doc and "2 for a usage error" in doc

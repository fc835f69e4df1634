"""Every catalogue key has one defining function whose docstring gives its definition.

The reports' definitions sections are read from these docstrings (present.definitions_markdown),
so a key without a real first paragraph leaves a manager with no definition.
"""

import re

import pytest
from design_keys import CODE_KEYS, FIXED_KEYS

from qa_analysis.config import DEMO_DATA_DIR
from qa_analysis.io import load_data
from qa_analysis.metrics import quarter_metrics
from qa_analysis.metrics.catalogue import catalogue, definition_of, function_of


def _is_real_definition(text):
    # A sentence of at least four words, not a leftover like "." or "definition not found".
    words = re.findall(r"[A-Za-z][A-Za-z_-]*", text)
    return text != "definition not found" and len(words) >= 4


@pytest.mark.parametrize("key", FIXED_KEYS + CODE_KEYS)
def test_every_design_key_has_a_defining_function(key):
    assert callable(function_of(key)), key


@pytest.mark.parametrize("key", FIXED_KEYS + CODE_KEYS)
def test_every_design_key_has_a_real_definition(key):
    definition = definition_of(key)
    assert _is_real_definition(definition), (key, definition)


def test_each_key_has_its_own_function():
    functions = [function_of(k) for k in FIXED_KEYS + CODE_KEYS]
    assert len({f.__qualname__ + f.__module__ for f in functions}) == len(functions)


def test_the_catalogue_holds_no_key_outside_design():
    assert set(catalogue()) - set(FIXED_KEYS + CODE_KEYS) == set()


@pytest.mark.parametrize(
    ("key", "pattern"),
    [("visits.method.zoom", "visits.method.<method>"), ("contacts.source.1A", "contacts.source.<code>"),
     ("placements.reason.CARPL", "placements.reason.<code>"), ("audits.grade.good", "audits.grade.<grade>")],
)
def test_a_code_key_resolves_to_its_pattern(key, pattern):
    assert function_of(key) is function_of(pattern)
    assert definition_of(key) == definition_of(pattern)


def test_an_unknown_key_has_no_definition():
    assert function_of("visits.colour") is None
    assert definition_of("visits.colour") == "definition not found"


def test_the_definition_leaves_out_the_key_itself():
    assert not definition_of("visits.total").startswith("``")
    assert "visits.total" not in definition_of("visits.total")


def test_every_key_computed_on_the_demo_data_has_a_definition():
    data = load_data(DEMO_DATA_DIR)
    keys = set()
    for quarter in ("2019-20 Q4", "2020-21 Q1", "2020-21 Q3"):
        keys |= set(quarter_metrics(data, quarter).metrics)
    undefined = sorted(k for k in keys if not _is_real_definition(definition_of(k)))
    assert undefined == []
    assert len(keys) >= len(FIXED_KEYS)

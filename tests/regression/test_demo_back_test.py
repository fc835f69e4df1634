"""REGRESSION (back) test, not a unit test: the demo data's figures for its 12 quarters, as
``qa-analysis metrics`` prints them, compared exactly with the values frozen in
``demo_quarters.json``.

The hand-worked unit tests under tests/metrics say the definitions are right; this one says
nothing changed by accident. Frozen after issue 12's rounding and same-day-visit corrections
(the values those changed are listed in that issue's closing note). A deliberate change to the
demo data or a definition: rerun ``python tests/regression/freeze_demo.py`` and list the
changed values in the closing note.
"""

import json

import pytest
from freeze_demo import FIRST, FROZEN, LAST, demo_figures

from qa_analysis.periods import quarter_range

QUARTERS = [q.label for q in quarter_range(FIRST, LAST)]


@pytest.fixture(scope="module")
def frozen():
    return json.loads(FROZEN.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def computed():
    return json.loads(json.dumps(demo_figures()))  # as the JSON output: ints, floats, nulls


def test_the_frozen_file_covers_the_12_demo_quarters(frozen):
    assert list(frozen) == QUARTERS


@pytest.mark.parametrize("quarter", QUARTERS)
def test_a_demo_quarter_gives_its_frozen_figures(frozen, computed, quarter):
    assert computed[quarter] == frozen[quarter]


@pytest.mark.parametrize("quarter", QUARTERS)
def test_a_demo_quarter_gives_its_keys_in_the_frozen_order(frozen, computed, quarter):
    assert list(computed[quarter]["metrics"]) == list(frozen[quarter]["metrics"])

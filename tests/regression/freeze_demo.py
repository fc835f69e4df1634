"""Write the back test's frozen figures: ``python tests/regression/freeze_demo.py``.

Run it ONLY when a change to the demo data or to a definition is deliberate, and list every
changed value (old and new) in the issue's closing note: the back test exists to catch the
changes nobody meant.
"""

from __future__ import annotations

import json
from pathlib import Path

from qa_analysis.config import DEMO_DATA_DIR
from qa_analysis.io import load_data
from qa_analysis.metrics import quarter_metrics
from qa_analysis.periods import quarter_range

FROZEN = Path(__file__).with_name("demo_quarters.json")
FIRST, LAST = "2019-20 Q1", "2021-22 Q4"  # the demo data's 12 quarters (DESIGN section 2)


def demo_figures() -> dict:
    data = load_data(DEMO_DATA_DIR)
    return {q.label: quarter_metrics(data, q).as_json() for q in quarter_range(FIRST, LAST)}


if __name__ == "__main__":
    FROZEN.write_text(json.dumps(demo_figures(), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {FROZEN}")

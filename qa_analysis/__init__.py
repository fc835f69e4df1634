"""qa-analysis: quarterly quality assurance analytics for children's social care.

The analyst's API, all in one place::

    import qa_analysis as qa
    data = qa.load_data("path/to/data")          # or qa.config.DEMO_DATA_DIR
    data                                          # a summary: tables, rows, coverage, set aside
    figures = qa.quarter_metrics(data, "2020-21 Q3")
    figures.metrics["placements.moves"]
    qa.metric_series(data, keys=["placements.moves"], start="2020-21 Q1", end="2021-22 Q4")
    print(qa.definition("placements.moves"))
    qa.cases(data, "placements.moves", "2020-21 Q3")   # INTERNAL: the children behind it
    qa.charts                                     # house-style charts

Quarters may be labels (``"2020-21 Q3"``), :class:`Quarter` or ``pd.Period(freq="Q-MAR")``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("qa-analysis")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

from . import config  # noqa: E402
from .api import definition, metric_keys, metric_series, quarter_metrics  # noqa: E402
from .cases import cases, write_cases  # noqa: E402
from .config import DEFAULT_SETTINGS, Settings, load_settings  # noqa: E402
from .io import DataSet, load_data  # noqa: E402
from .periods import (  # noqa: E402
    FinancialYear,
    Period,
    Quarter,
    parse_period,
    parse_quarter,
    quarter_range,
    trailing_quarters,
    working_days,
    year_quarters,
)

__all__ = [
    "DEFAULT_SETTINGS",
    "DataSet",
    "FinancialYear",
    "Period",
    "cases",
    "charts",
    "config",
    "definition",
    "load_data",
    "metric_keys",
    "metric_series",
    "quarter_metrics",
    "Quarter",
    "Settings",
    "__version__",
    "load_settings",
    "parse_period",
    "parse_quarter",
    "quarter_range",
    "trailing_quarters",
    "working_days",
    "write_cases",
    "year_quarters",
]


def __getattr__(name: str):
    # qa.charts imports matplotlib: only when asked for, so the command line starts fast.
    if name == "charts":
        import importlib

        return importlib.import_module(".charts", __name__)
    raise AttributeError(f"module 'qa_analysis' has no attribute {name!r}")

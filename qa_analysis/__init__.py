"""qa-analysis: quarterly quality assurance analytics for children's social care."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("qa-analysis")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

from . import config  # noqa: E402
from .config import DEFAULT_SETTINGS, Settings, load_settings  # noqa: E402
from .io import DataSet, load_data  # noqa: E402
from .metrics import metric_series, quarter_metrics  # noqa: E402
from .periods import (  # noqa: E402
    Quarter,
    parse_quarter,
    quarter_range,
    trailing_quarters,
    working_days,
    year_quarters,
)

__all__ = [
    "DEFAULT_SETTINGS",
    "DataSet",
    "config",
    "load_data",
    "metric_series",
    "quarter_metrics",
    "Quarter",
    "Settings",
    "__version__",
    "load_settings",
    "parse_quarter",
    "quarter_range",
    "trailing_quarters",
    "working_days",
    "year_quarters",
]

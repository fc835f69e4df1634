"""The denominators behind each percentage, for disclosure control.

A published percentage must be suppressed when it rests on a count of 1 to 5
(domain.md section 6). Each pct or median key of the registry names its denominator (a
catalogue key such as ``visits.total`` or a base count such as ``visits.seen``) and the
function giving its counts, so the bases come from the same code as the figures.
"""

from __future__ import annotations

from ..config import DEFAULT_SETTINGS, Settings
from ..periods import Period, parse_period
from . import registry


def metric_bases(data, quarter: Period | str, settings: Settings = DEFAULT_SETTINGS) -> dict[str, int]:
    """Percentage (or median) key -> the count it is built on, for the tables loaded."""
    period = parse_period(quarter)
    return {
        metric.key: metric.base(data, period, settings)
        for metric in registry.metrics()
        if metric.kind != "count" and metric.available(data)
    }

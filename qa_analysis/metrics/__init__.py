"""The metric catalogue of DESIGN section 4, one module per topic, declared in ``registry``.

:func:`quarter_metrics` computes every flat key for one quarter from a loaded data folder;
:func:`metric_series` does it for a range of quarters as a tidy frame (quarter, key, value)
for trend charts and for teams who also feed Excel or Power BI. Which keys exist, their
topic, function, label and definition all come from :mod:`.registry`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..config import DEFAULT_SETTINGS, Settings
from ..io.tables import TOPIC_TABLES, TOPICS
from ..periods import Period, parse_period
from . import audits, placements, referrals, registry, visits


@dataclass
class QuarterMetrics:
    """A period's figures: ``result["visits.total"]``, ``"visits.total" in result``,
    ``result.to_series()`` (key -> value) and ``result.to_frame()`` (key, topic, label,
    value). ``notes`` says which topics were left out and why."""

    quarter: Period
    metrics: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # topics left out, and why

    def __getitem__(self, key: str):
        if key in self.metrics:
            return self.metrics[key]
        metric = registry.get(key)  # raises, listing the valid keys, for an unknown key
        if metric.is_pattern and key != metric.key and any(metric.matches(k) for k in self.metrics):
            return 0  # a code absent from a computed breakdown: none of that code
        raise KeyError(f"{key} was not computed for {self.quarter.label}: " + "; ".join(self.notes))

    def __contains__(self, key) -> bool:
        return key in self.metrics

    def __iter__(self):
        return iter(self.metrics)

    def __len__(self) -> int:
        return len(self.metrics)

    def keys(self):
        return self.metrics.keys()

    def items(self):
        return self.metrics.items()

    def get(self, key: str, default=None):
        return self.metrics.get(key, default)

    def to_series(self) -> pd.Series:
        """Key -> value (object dtype, so counts stay whole beside percentages), named by the period."""
        return pd.Series(
            list(self.metrics.values()), index=pd.Index(list(self.metrics), name="key", dtype="str"),
            dtype=object, name=self.quarter.label,
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per key: ``quarter``, ``key``, ``topic``, ``label``, ``kind``, ``value``."""
        found = [registry.get(k) for k in self.metrics]
        return pd.DataFrame(
            {
                "quarter": pd.Series([self.quarter.label] * len(found), dtype="str"),
                "key": pd.Series(list(self.metrics), dtype="str"),
                "topic": pd.Series([m.topic for m in found], dtype="str"),
                "label": pd.Series([m.label_for(k) for m, k in zip(found, self.metrics, strict=True)], dtype="str"),
                "kind": pd.Series([m.kind for m in found], dtype="str"),
                "value": pd.Series(list(self.metrics.values()), dtype=object),
            }
        )

    def as_json(self) -> dict:
        return {
            "quarter": self.quarter.label,
            "start": self.quarter.start.date().isoformat(),
            "end": self.quarter.end.date().isoformat(),
            "metrics": self.metrics,
        }


def topic_unavailable_reason(data, topic: str) -> str | None:
    """None when the topic's tables loaded; otherwise a plain reason."""
    missing = [t for t in TOPIC_TABLES[topic] if getattr(data, t, None) is None]
    if not missing:
        return None
    reasons = [data.unavailable.get(t, f"{t} not loaded") for t in missing]
    return f"{topic} left out: " + "; ".join(reasons)


def quarter_metrics(data, quarter, settings: Settings = DEFAULT_SETTINGS, topics=TOPICS) -> QuarterMetrics:
    """Every catalogue key for one quarter (or financial year); topics whose files are
    absent are left out with a note. ``quarter`` is a label, a Period or a Q-MAR
    ``pandas.Period``."""
    period = parse_period(quarter)
    result = QuarterMetrics(period)
    for topic in topics:
        if topic not in registry.TOPIC_FUNCTIONS:
            raise ValueError(f"Unknown topic {topic!r}; topics are {', '.join(TOPICS)}.")
        reason = topic_unavailable_reason(data, topic)
        if reason:
            result.notes.append(reason)
            continue
        result.metrics.update(registry.compute_topic(topic, data, period, settings))
        if topic == "visits" and not visits.modality_recorded(data.visits):
            result.notes.append(visits.NOT_RECORDED_NOTE)
    # Quarters and look-back windows the data does not cover: null with a note, never 0.
    from .coverage import apply_coverage

    result.metrics, notes = apply_coverage(data, period, result.metrics, settings)
    result.notes.extend(notes)
    return result


def metric_series(data, quarters, settings: Settings = DEFAULT_SETTINGS, topics=TOPICS) -> pd.DataFrame:
    """The tidy series (quarter, key, value) over a list of quarters, oldest first."""
    rows = []
    for quarter in quarters:
        result = quarter_metrics(data, quarter, settings, topics)
        rows.extend(
            {"quarter": result.quarter.label, "key": key, "value": value}
            for key, value in result.metrics.items()
        )
    # object keeps counts as whole numbers beside the decimals of percentages
    return pd.DataFrame(
        {
            "quarter": pd.Series([r["quarter"] for r in rows], dtype="str"),
            "key": pd.Series([r["key"] for r in rows], dtype="str"),
            "value": pd.Series([r["value"] for r in rows], dtype=object),
        }
    )


def trend(data, quarters, keys, settings: Settings = DEFAULT_SETTINGS) -> pd.DataFrame:
    """Selected keys over quarters, wide: one row per quarter, one column per key."""
    topics = sorted({topic_of(k) for k in keys})
    series = metric_series(data, quarters, settings, topics=topics)
    labels = [parse_period(q).label for q in quarters]
    wide = (
        series.loc[lambda d: d["key"].isin(keys)]
        .pivot(index="quarter", columns="key", values="value")
        .reindex(index=labels, columns=list(keys))
        .rename_axis(index="quarter", columns=None)
        .reset_index()
    )
    return wide


def topic_of(key: str) -> str:
    """The topic a catalogue key belongs to (``visits.total`` -> ``visits``)."""
    return registry.topic_of(key)


__all__ = [
    "QuarterMetrics",
    "audits",
    "metric_series",
    "placements",
    "quarter_metrics",
    "referrals",
    "registry",
    "topic_of",
    "topic_unavailable_reason",
    "trend",
    "visits",
]

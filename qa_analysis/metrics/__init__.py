"""The metric catalogue of DESIGN section 4, one module per topic.

:func:`quarter_metrics` computes every flat key for one quarter from a loaded data folder;
:func:`metric_series` does it for a range of quarters as a tidy frame (quarter, key, value)
for trend charts and for teams who also feed Excel or Power BI.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..config import DEFAULT_SETTINGS, Settings
from ..io.tables import TOPIC_TABLES, TOPICS
from ..periods import Quarter, parse_quarter
from . import audits, placements, referrals, visits


@dataclass
class QuarterMetrics:
    quarter: Quarter
    metrics: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # topics left out, and why

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


def _topic_metrics(data, topic: str, quarter: Quarter, settings: Settings) -> dict:
    if topic == "visits":
        return visits.visits_metrics(data.visits, quarter, settings)
    if topic == "referrals":
        return referrals.referrals_metrics(
            data.contacts, data.referrals, data.assessments, quarter,
            families=data.families, settings=settings,
            referrals_coverage=getattr(data, "coverage", {}).get("referrals"),
        )
    if topic == "placement_stability":
        return placements.placement_metrics(data.episodes, data.header, quarter, settings,
                                            coverage=getattr(data, "coverage", {}).get("episodes"))
    if topic == "audits":
        return audits.audits_metrics(
            data.case_audits, data.recommendations, quarter,
            families=data.families, settings=settings,
        )
    raise ValueError(f"Unknown topic {topic!r}; topics are {', '.join(TOPICS)}.")


def quarter_metrics(data, quarter, settings: Settings = DEFAULT_SETTINGS, topics=TOPICS) -> QuarterMetrics:
    """Every catalogue key for one quarter; topics whose files are absent are left out with a note."""
    quarter = parse_quarter(quarter)
    result = QuarterMetrics(quarter)
    for topic in topics:
        reason = topic_unavailable_reason(data, topic)
        if reason:
            result.notes.append(reason)
            continue
        result.metrics.update(_topic_metrics(data, topic, quarter, settings))
    # Quarters and look-back windows the data does not cover: null with a note, never 0.
    from .coverage import apply_coverage

    result.metrics, notes = apply_coverage(data, quarter, result.metrics, settings)
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
    labels = [parse_quarter(q).label for q in quarters]
    wide = (
        series.loc[lambda d: d["key"].isin(keys)]
        .pivot(index="quarter", columns="key", values="value")
        .reindex(index=labels, columns=list(keys))
        .rename_axis(index="quarter", columns=None)
        .reset_index()
    )
    return wide


_KEY_TOPIC = {
    "visits": "visits",
    "contacts": "referrals",
    "referrals": "referrals",
    "assessments": "referrals",
    "cla": "placement_stability",
    "placements": "placement_stability",
    "audits": "audits",
    "recommendations": "audits",
}


def topic_of(key: str) -> str:
    """The topic a catalogue key belongs to (``visits.total`` -> ``visits``)."""
    return _KEY_TOPIC[key.split(".", 1)[0]]


__all__ = [
    "QuarterMetrics",
    "audits",
    "metric_series",
    "placements",
    "quarter_metrics",
    "referrals",
    "topic_of",
    "topic_unavailable_reason",
    "trend",
    "visits",
]

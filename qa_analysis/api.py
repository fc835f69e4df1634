"""The analyst's top-level API: periods however they are written, keys and topics checked.

``import qa_analysis as qa`` gives :func:`load_data`, :func:`quarter_metrics`,
:func:`metric_series`, :func:`definition`, :func:`cases` and ``qa.charts``. Every function
that takes a quarter accepts a label (``"2020-21 Q3"`` and the other forms of DESIGN
section 3), a :class:`~qa_analysis.periods.Quarter` or a ``pd.Period`` with
``freq="Q-MAR"`` (pandas' financial-year quarters: ``pd.Period("2021Q3", freq="Q-MAR")`` is
October to December 2020). Topics are named as in DESIGN (``visits``, ``referrals``,
``placement_stability``, ``audits``) or by a key prefix (``placements``, ``contacts``...);
an unknown key or topic is an :class:`~qa_analysis.errors.UnknownNameError` that lists the
valid ones, never a silent NaN.
"""

from __future__ import annotations

import inspect

import pandas as pd

from .config import DEFAULT_SETTINGS, Settings
from .errors import QuarterError, UnknownNameError
from .io.tables import TOPICS
from .periods import Quarter, parse_quarter, quarter_range

__all__ = [
    "KEY_PREFIX_TOPICS",
    "as_quarter",
    "definition",
    "key_pattern",
    "metric_keys",
    "metric_series",
    "quarter_metrics",
    "resolve_topics",
    "topic_of_key",
]

# Each key prefix and the topic (DESIGN section 4) that computes it; a prefix is accepted
# wherever a topic is.
KEY_PREFIX_TOPICS = {
    "visits": "visits",
    "contacts": "referrals",
    "referrals": "referrals",
    "assessments": "referrals",
    "cla": "placement_stability",
    "placements": "placement_stability",
    "audits": "audits",
    "recommendations": "audits",
}


def as_quarter(period) -> Quarter:
    """A financial quarter from a label, a ``Quarter``, a ``Period`` or ``pd.Period``.

    Parameters
    ----------
    period : str, Quarter, qa_analysis Period or pandas.Period
        ``"2020-21 Q3"`` (or ``2020-21_Q3``, ``2020/21 Q3``, ``Q3 2020-21``, ``Q3 2020/21``), a
        :class:`~qa_analysis.periods.Quarter`, or a quarterly ``pd.Period`` whose months are
        those of a financial quarter (``freq="Q-MAR"``; other quarterly frequencies are
        accepted when they cover the same three months).

    Returns
    -------
    Quarter

    Raises
    ------
    QuarterError
        For anything else, with the accepted forms.

    Examples
    --------
    >>> as_quarter("2020-21 Q3").label
    '2020-21 Q3'
    >>> as_quarter(pd.Period("2021Q3", freq="Q-MAR")).label
    '2020-21 Q3'
    """
    if isinstance(period, Quarter):
        return period
    if isinstance(period, pd.Period):
        start, end = period.start_time.normalize(), period.end_time.normalize()
        year = start.year if start.month >= 4 else start.year - 1
        quarter = Quarter(year, (start.month - 4) % 12 // 3 + 1)
        if quarter.start != start or quarter.end != end:
            raise QuarterError(
                f"{period!s} ({start:%d/%m/%Y} to {end:%d/%m/%Y}) is not a financial quarter; "
                'use pd.Period(..., freq="Q-MAR") or a label such as "2020-21 Q3".'
            )
        return quarter
    label = getattr(period, "label", None)  # a Period of qa_analysis.periods
    if isinstance(label, str) and " Q" in label:
        return parse_quarter(label)
    return parse_quarter(period)


def _quarters_between(start, end) -> list[Quarter]:
    return quarter_range(as_quarter(start), as_quarter(end))


# --------------------------------------------------------------------------- keys


def metric_keys(topic=None) -> list[str]:
    """Every catalogue key, with ``<code>`` placeholders as in DESIGN section 4.

    Parameters
    ----------
    topic : str, optional
        A topic (``visits``, ``referrals``, ``placement_stability``, ``audits``) or a key
        prefix (``placements``, ``contacts``...): only its keys.

    Returns
    -------
    list of str
        In DESIGN order (the metric registry's).

    Examples
    --------
    >>> "placements.moves" in metric_keys()
    True
    >>> metric_keys("cla")
    ['cla.during_quarter', 'cla.at_quarter_end']
    """
    from .metrics import registry

    return registry.keys(topic)


def topic_of_key(key: str) -> str:
    """The topic whose notebook reports ``key`` (``placements.moves`` -> ``placement_stability``).

    Examples
    --------
    >>> topic_of_key("contacts.total")
    'referrals'
    """
    from .metrics import registry

    return registry.get(str(key).strip()).topic


def key_pattern(key: str) -> tuple[str, str | None]:
    """The catalogue key a key belongs to, and its code for ``<code>`` keys.

    Parameters
    ----------
    key : str
        ``visits.total``, or a code key such as ``visits.method.zoom``.

    Returns
    -------
    (str, str or None)
        ``("visits.total", None)``, ``("visits.method.<method>", "zoom")``.

    Raises
    ------
    UnknownMetricError
        When the key is in no catalogue entry (a ``KeyError``); the message lists the valid
        keys.

    Examples
    --------
    >>> key_pattern("placements.reason.CARPL")
    ('placements.reason.<code>', 'CARPL')
    """
    from .metrics import registry

    key = str(key).strip()
    metric = registry.get(key)
    return metric.key, (metric.code_of(key) if metric.is_pattern else None)


def resolve_topics(topics=None) -> tuple[str, ...]:
    """Topic names (DESIGN's, or key prefixes) as DESIGN's names, in catalogue order.

    Parameters
    ----------
    topics : str or iterable of str, optional
        ``"visits"``, ``["placement_stability", "audits"]``, ``"placements"``... None for all.

    Returns
    -------
    tuple of str

    Raises
    ------
    UnknownNameError
        For a name that is neither a topic nor a key prefix, listing both.

    Examples
    --------
    >>> resolve_topics("placements")
    ('placement_stability',)
    >>> resolve_topics(["audits", "visits"])
    ('visits', 'audits')
    """
    if topics is None:
        return TOPICS
    if isinstance(topics, str):
        topics = [topics]
    chosen = set()
    for name in topics:
        text = str(name).strip().lower()
        if text in TOPICS:
            chosen.add(text)
        elif text in KEY_PREFIX_TOPICS:
            chosen.add(KEY_PREFIX_TOPICS[text])
        else:
            raise UnknownNameError(
                f"{name!r} is not a topic. Topics: {', '.join(TOPICS)} "
                f"(key prefixes are accepted too: {', '.join(KEY_PREFIX_TOPICS)})."
            )
    return tuple(t for t in TOPICS if t in chosen)


def definition(key: str) -> str:
    """The plain-English definition of a metric, with what it is built on and its source.

    Parameters
    ----------
    key : str
        A catalogue key (``"placements.moves"``) or a code key (``"visits.method.zoom"``).

    Returns
    -------
    str
        ``"key: definition"`` (the metric registry's words for managers), then for a
        percentage or median its numerator and denominator, then the technical definition
        from the docstring of the function that computes it, and its source.

    Raises
    ------
    UnknownMetricError
        For an unknown key (a ``KeyError``), listing the valid ones.

    Examples
    --------
    >>> print(definition("visits.total"))  # doctest: +ELLIPSIS
    visits.total: ...
    """
    from .metrics import registry
    from .metrics.catalogue import definition_details

    pattern, _ = key_pattern(key)
    metric = registry.get(pattern)
    lines = [f"{pattern}: {metric.definition}"]
    if metric.kind in ("pct", "median") and metric.denominator:
        built = f"Denominator: {metric.denominator}"
        if metric.numerator:
            built = f"Numerator: {metric.numerator}. {built}"
        lines.append(f"{built}.")
    details = definition_details(pattern)
    if details:
        lines.append(f"In detail: {details}")
    if metric.source:
        lines.append(f"Source: {metric.source}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- figures


def quarter_metrics(data, quarter, settings: Settings = DEFAULT_SETTINGS, topics=None):
    """Every catalogue figure for one quarter.

    Parameters
    ----------
    data : DataSet
        From :func:`qa_analysis.load_data`.
    quarter : str, Quarter or pandas.Period
        ``"2020-21 Q3"``, ``Quarter(2020, 3)`` or ``pd.Period("2021Q3", freq="Q-MAR")``.
    settings : Settings, optional
        Local policy values (default DESIGN's).
    topics : str or list of str, optional
        Topics (or key prefixes) to compute; default all whose files are present.

    Returns
    -------
    QuarterMetrics
        ``result.metrics`` maps key to value (None where the figure cannot be computed);
        ``result.notes`` says which topics were left out and why.

    Examples
    --------
    >>> import qa_analysis as qa
    >>> data = qa.load_data(qa.config.DEMO_DATA_DIR)  # doctest: +SKIP
    >>> qa.quarter_metrics(data, "2020-21 Q3", topics="placements").metrics["placements.moves"]  # doctest: +SKIP
    """
    from . import metrics

    return metrics.quarter_metrics(data, as_quarter(quarter), settings, topics=resolve_topics(topics))


def metric_series(
    data, quarters=None, settings: Settings = DEFAULT_SETTINGS, topics=None, *,
    keys=None, start=None, end=None,
) -> pd.DataFrame:
    """Figures over a run of quarters as a tidy frame (``quarter``, ``key``, ``value``).

    Parameters
    ----------
    data : DataSet
        From :func:`qa_analysis.load_data`.
    quarters : list, optional
        The quarters (labels, ``Quarter`` or ``pd.Period``); or give ``start`` and ``end``.
    settings : Settings, optional
        Local policy values.
    topics : str or list of str, optional
        Limit to these topics (or key prefixes).
    keys : str or list of str, optional
        Keep only these keys (each checked: an unknown key is an error listing the valid
        ones); code keys such as ``visits.method.zoom`` are accepted.
    start, end : quarter, optional
        First and last quarter, both included (instead of ``quarters``).

    Returns
    -------
    pandas.DataFrame
        One row per quarter and key, oldest quarter first; ``value`` holds whole numbers for
        counts and decimals for percentages (None where not computable).

    Examples
    --------
    >>> qa.metric_series(data, keys=["placements.moves"], start="2020-21 Q1", end="2020-21 Q4")  # doctest: +SKIP
    """
    from . import metrics

    if quarters is None:
        if start is None or end is None:
            raise QuarterError("Give quarters=[...], or start= and end= (e.g. start=\"2020-21 Q1\").")
        chosen = _quarters_between(start, end)
    else:
        if start is not None or end is not None:
            raise QuarterError("Give quarters=[...] or start=/end=, not both.")
        chosen = [as_quarter(q) for q in ([quarters] if isinstance(quarters, (str, Quarter, pd.Period)) else quarters)]
    wanted = None
    if keys is not None:
        wanted = [keys] if isinstance(keys, str) else list(keys)
        for key in wanted:
            key_pattern(key)
        if topics is None:
            topics = sorted({topic_of_key(k) for k in wanted})
    series = metrics.metric_series(data, chosen, settings, topics=resolve_topics(topics))
    if wanted is not None:
        series = series.loc[series["key"].isin(wanted)].reset_index(drop=True)
    return series


def _public(module) -> list:
    """The public functions of a module (for the docstring test)."""
    return [
        f for name, f in inspect.getmembers(module, inspect.isfunction)
        if not name.startswith("_") and f.__module__ == module.__name__
    ]

"""The metric registry: the one place a metric of DESIGN section 4 is declared.

Each :class:`Metric` names its key (or key pattern such as ``visits.method.<method>``), its
topic, the one function that computes it, a short label, a plain-English definition for
managers, its source, its kind (count, percentage or median), how a year figure is built
from the quarters, the counts a rate is built on, and the total a count is part of. The
topic dispatchers (``metrics.quarter_metrics``), the disclosure bases
(``metrics.bases.metric_bases``), the definitions (``metrics.catalogue``), the year rules
and labels, and ``docs/metrics.md`` all read it, so adding or changing a metric touches
this file, the module holding its function, and their tests.

A metric function is called by the names of its parameters: a parameter named after a
table (``visits``, ``contacts``, ``episodes``, ``header``, ``families`` ...) gets that
table of the data set, ``quarter`` gets the period and ``settings`` the settings; a
parameter named ``<table>_coverage`` gets what that table covers (``DataSet.coverage``). A table
parameter without a default is required; ``families=None`` is optional.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property

from ..config import DEFAULT_SETTINGS, Settings
from ..errors import QAError
from ..io.tables import TABLES, VISIT_METHODS
from . import audits, placements, referrals, visits
from ._common import Rate

__all__ = [
    "BASE_COUNTS",
    "KINDS",
    "REGISTRY",
    "TOPICS",
    "YEAR_RULES",
    "BaseCount",
    "Metric",
    "UnknownMetricError",
    "TOPIC_FUNCTIONS",
    "base_count",
    "compute",
    "compute_topic",
    "get",
    "is_known",
    "keys",
    "summary_keys",
    "metrics",
    "parts_of",
    "topic_of",
    "topics",
]

TOPICS = ("visits", "referrals", "placement_stability", "audits")
KINDS = ("count", "pct", "median")
# How a year figure is built from the quarterly definition (annual report):
#   sum       - a count of events dated in the period: the sum of the four quarters;
#   distinct  - a count of distinct children, families or audits: the definition applied
#               to the whole year (1 April to 31 March), not the sum of the quarters;
#   recompute - a percentage or median: the definition applied to the year's records,
#               never an average of the quarters;
#   q4        - a position at a date (at the quarter end): the Q4 value, at 31 March.
YEAR_RULES = ("sum", "distinct", "recompute", "q4")


class UnknownMetricError(QAError, KeyError):
    """A key that is not in the registry; the message lists the valid keys."""

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class Metric:
    """One catalogue key (or key pattern) of DESIGN section 4.

    ``function`` is the one function computing it (a pattern's returns a dict of its code
    keys). For a ``pct`` or ``median``, ``counts`` returns (numerator, denominator) (the
    median's numerator is None) and ``numerator`` / ``denominator`` name those counts: a
    catalogue key or a :data:`BASE_COUNTS` name. ``part_of`` is the key (or base count) of
    the total this count is counted within, for nested totals and disclosure; for a
    pattern it may map each code to its total, with ``"*"`` for any other code.
    ``relations`` holds further relations a reader can use (issue 13 fills it).
    """

    key: str
    topic: str
    function: Callable
    label: str
    definition: str
    source: str
    kind: str = "count"
    year_rule: str = "sum"
    numerator: str | None = None
    denominator: str | None = None
    counts: Callable | None = None
    part_of: str | Mapping[str, str] | None = None
    relations: tuple = ()
    code_label: str = "{label}: {code}"  # a code key's label (patterns only)

    def __post_init__(self):
        if self.topic not in TOPICS:
            raise ValueError(f"{self.key}: topic {self.topic!r} is not one of {TOPICS}")
        if self.kind not in KINDS:
            raise ValueError(f"{self.key}: kind {self.kind!r} is not one of {KINDS}")
        if self.year_rule not in YEAR_RULES:
            raise ValueError(f"{self.key}: year_rule {self.year_rule!r} is not one of {YEAR_RULES}")
        if self.kind != "count" and (self.counts is None or self.denominator is None):
            raise ValueError(f"{self.key}: a {self.kind} needs counts and a denominator")

    # --- keys --------------------------------------------------------------------------
    @property
    def is_pattern(self) -> bool:
        """True for a key with a ``<...>`` part, which expands to one key per code present."""
        return "<" in self.key

    @property
    def prefix(self) -> str:
        """The part of the key before the ``<...>`` (``visits.method.``); the key itself otherwise."""
        return self.key.split("<", 1)[0] if self.is_pattern else self.key

    def matches(self, key: str) -> bool:
        """True when ``key`` is this metric's key, or one code key of its pattern."""
        if key == self.key:
            return True
        if not self.is_pattern or not key.startswith(self.prefix):
            return False
        code = key[len(self.prefix):]
        return bool(code) and "." not in code

    def code_of(self, key: str) -> str | None:
        """The code of a code key (``visits.method.zoom`` -> ``zoom``); None for the pattern."""
        return key[len(self.prefix):] if self.is_pattern and key != self.key else None

    def label_for(self, key: str | None = None) -> str:
        """The short label of a concrete key (a code key adds its code: ``Visits by method: zoom``)."""
        code = self.code_of(key) if key else None
        if code is None:
            return self.label
        return self.code_label.format(label=self.label, code=code.replace("_", " "))

    def total_of(self, key: str | None = None) -> str | None:
        """The key or base count that ``key`` is counted within (see ``part_of``)."""
        if isinstance(self.part_of, Mapping):
            code = self.code_of(key) if key else None
            return self.part_of.get(code, self.part_of.get("*"))
        return self.part_of

    # --- computing ---------------------------------------------------------------------
    @cached_property
    def tables(self) -> tuple[str, ...]:
        """The tables the function needs (parameters named after a table, without default)."""
        return _tables(self.function, required=True)

    @cached_property
    def optional_tables(self) -> tuple[str, ...]:
        return _tables(self.function, required=False)

    def available(self, data) -> bool:
        """True when every table the metric needs is loaded in ``data``."""
        return all(_table(data, t) is not None for t in self.tables)

    def compute(self, data, period, settings: Settings = DEFAULT_SETTINGS):
        """The function's result for a period (a pattern's: dict of its code keys)."""
        return _call(self.function, data, period, settings)

    def base(self, data, period, settings: Settings = DEFAULT_SETTINGS) -> int:
        """The denominator a pct or median rests on (for disclosure control)."""
        if self.counts is None:
            raise TypeError(f"{self.key} is a count, not a rate")
        return _call(self.counts, data, period, settings)[1]

    def rate(self, data, period, settings: Settings = DEFAULT_SETTINGS) -> Rate:
        """A pct or median with the counts it rests on: ``Rate(value, numerator, denominator)``."""
        if self.counts is None:
            raise TypeError(f"{self.key} is a count, not a rate")
        numerator, denominator = _call(self.counts, data, period, settings)
        return Rate(self.compute(data, period, settings), numerator, denominator)


@dataclass(frozen=True)
class BaseCount:
    """A count a percentage is built on that is not itself a catalogue key.

    ``of`` is the pct (or median) key whose ``counts`` give it, ``position`` 0 for its
    numerator and 1 for its denominator.
    """

    name: str
    topic: str
    definition: str
    of: str
    position: int
    part_of: str | None = None

    def compute(self, data, period, settings: Settings = DEFAULT_SETTINGS) -> int:
        metric = get(self.of)
        return _call(metric.counts, data, period, settings)[self.position]


# ----------------------------------------------------------------------------- binding

_TABLE_NAMES = frozenset(TABLES)


def _tables(function, required: bool) -> tuple[str, ...]:
    out = []
    for name, parameter in inspect.signature(function).parameters.items():
        if name in _TABLE_NAMES and (parameter.default is inspect.Parameter.empty) == required:
            out.append(name)
    return tuple(out)


def _table(data, name: str):
    if isinstance(data, Mapping):
        return data.get(name)
    return getattr(data, name, None)


def _call(function, data, period, settings: Settings, strict: bool = True):
    """Call a metric function, binding its parameters by name (module docstring).

    ``strict``: a required table that is not loaded raises; otherwise it is passed as None
    (the topic functions leave out the keys of a table given as None).
    """
    kwargs = {}
    for name, parameter in inspect.signature(function).parameters.items():
        if name in _TABLE_NAMES:
            frame = _table(data, name)
            if frame is None and strict and parameter.default is inspect.Parameter.empty:
                raise QAError(f"{function.__name__} needs the {name} table, which is not loaded.")
            kwargs[name] = frame
        elif name == "quarter":
            kwargs[name] = period
        elif name == "settings":
            kwargs[name] = settings
        elif name.endswith("_coverage") and name[: -len("_coverage")] in _TABLE_NAMES:
            # what the table covers (DataSet.coverage, issue 10): None when unknown
            kwargs[name] = _coverage(data, name[: -len("_coverage")])
    return function(**kwargs)


def _coverage(data, table: str):
    coverage = data.get("coverage") if isinstance(data, Mapping) else getattr(data, "coverage", None)
    return (coverage or {}).get(table)


# ---------------------------------------------------------------------------- the catalogue

_DFE = "DESIGN section 4"
_F2F_METHODS = dict.fromkeys(VISIT_METHODS["face_to_face"], "visits.face_to_face")
_VIRTUAL_METHODS = dict.fromkeys(VISIT_METHODS["virtual"], "visits.virtual")

_METRICS = (
    # ------------------------------------------------------------------ visits
    Metric(
        "visits.total", "visits", visits.total_visits, "Visits",
        "The number of visits to children made in the period.",
        f"{_DFE} (visits); visits.csv",
        relations=("= visits.face_to_face + visits.virtual",),
    ),
    Metric(
        "visits.face_to_face", "visits", visits.face_to_face_visits, "Face-to-face visits",
        "The number of visits in the period made in person (at home, the office, school or elsewhere).",
        f"{_DFE} (visits); visits.csv modality", part_of="visits.total",
        relations=("= visits.method.<face_to_face>",),
    ),
    Metric(
        "visits.virtual", "visits", visits.virtual_visits, "Virtual visits",
        "The number of visits in the period made remotely (video or phone call).",
        f"{_DFE} (visits); visits.csv modality", part_of="visits.total",
        relations=("= visits.method.<virtual>",),
    ),
    Metric(
        "visits.pct_face_to_face", "visits", visits.pct_face_to_face, "Visits face to face (%)",
        "Of all visits in the period, the percentage made face to face.",
        f"{_DFE} (visits)", kind="pct", year_rule="recompute",
        numerator="visits.face_to_face", denominator="visits.total", counts=visits.face_to_face_counts,
    ),
    Metric(
        "visits.method.<method>", "visits", visits.visits_per_method, "Visits by method",
        "The number of visits in the period by how they were made (home, office, school, Zoom, "
        "WhatsApp, Teams, FaceTime, phone ...), one figure per method recorded.",
        f"{_DFE} (visits); methods DESIGN section 2",
        part_of={**_F2F_METHODS, **_VIRTUAL_METHODS, "*": "visits.total"},
    ),
    Metric(
        "visits.children_visited", "visits", visits.children_visited, "Children visited",
        "The number of different children visited in the period (a child visited twice counts once).",
        f"{_DFE} (visits)", year_rule="distinct",
        relations=("<= visits.total",),
    ),
    Metric(
        "visits.pct_seen_alone", "visits", visits.pct_seen_alone, "Seen alone, where seen (%)",
        "Of the visits in the period where the child was seen, the percentage where the child was seen alone.",
        f"{_DFE} (visits)", kind="pct", year_rule="recompute",
        numerator="visits.seen_alone", denominator="visits.seen", counts=visits.seen_alone_counts,
    ),
    Metric(
        "visits.pct_timely", "visits", visits.pct_timely, "Visits on time (%)",
        "Of the visits in the period to a child already visited before (on an earlier date, in the "
        "same cohort), the percentage made within the cohort's interval since that previous visit: "
        "42 days for children looked after, 10 working days for child protection, 20 working days "
        "for children in need.",
        f"{_DFE} (visits); intervals domain.md 4.1-4.3", kind="pct", year_rule="recompute",
        numerator="visits.timely", denominator="visits.with_previous", counts=visits.timely_counts,
    ),
    # --------------------------------------------------------------- referrals
    Metric(
        "contacts.total", "referrals", referrals.contacts_total, "Contacts",
        "The number of contacts received in the period (a child contacted twice counts twice).",
        f"{_DFE} (referrals); Annex A List 1",
        relations=("= contacts.source.<code>",),
    ),
    Metric(
        "contacts.children", "referrals", referrals.contacts_children, "Children contacted",
        "The number of different children with a contact in the period.",
        f"{_DFE} (referrals); Annex A List 1", year_rule="distinct",
        relations=("<= contacts.total",),
    ),
    Metric(
        "contacts.families", "referrals", referrals.contacts_families, "Families contacted",
        "The number of different families with a child contacted in the period (a child with no "
        "recorded family counts as a family of its own).",
        f"{_DFE} (referrals); Annex A List 1 and families.csv", year_rule="distinct",
        relations=("<= contacts.children",),
    ),
    Metric(
        "contacts.max_children_per_family", "referrals", referrals.contacts_max_children_per_family,
        "Most children of one family contacted",
        "The largest number of different children of one family contacted in the period.",
        f"{_DFE} (referrals); Annex A List 1 and families.csv", year_rule="distinct",
        relations=("<= contacts.children", "about one family"),
    ),
    Metric(
        "contacts.families_multi_child", "referrals", referrals.contacts_families_multi_child,
        "Families with 2+ children contacted",
        "The number of families with two or more different children contacted in the period.",
        f"{_DFE} (referrals); Annex A List 1 and families.csv", year_rule="distinct",
        part_of="contacts.families",
        relations=("contacts.families + contacts.families_multi_child <= contacts.children",),
    ),
    Metric(
        "contacts.source.<code>", "referrals", referrals.contacts_by_source_counts, "Contacts from source",
        "The number of contacts in the period by who made them (police, schools, health ...), one "
        "figure per source code recorded.",
        f"{_DFE} (referrals); source codes domain.md 3.3", part_of="contacts.total",
        code_label="{label} {code}",
    ),
    Metric(
        "referrals.total", "referrals", referrals.referrals_total, "Referrals",
        "The number of referrals to children's social care received in the period.",
        f"{_DFE} (referrals); Annex A List 3",
    ),
    Metric(
        "referrals.pct_from_contact", "referrals", referrals.referrals_pct_from_contact,
        "Contacts leading to a referral (%)",
        "Of the contacts in the period, the percentage followed by a referral of the same child on "
        "the contact date or within 30 days after it.",
        f"{_DFE} (referrals); a local measure, domain.md 3.4", kind="pct", year_rule="recompute",
        numerator="contacts.followed_by_referral", denominator="contacts.total",
        counts=referrals.contacts_followed_by_referral_counts,
    ),
    Metric(
        "referrals.pct_re_referral_12m", "referrals", referrals.referrals_pct_re_referral_12m,
        "Re-referrals within 12 months (%)",
        "Of the referrals in the period, the percentage for a child who had another referral in the "
        "12 months before.",
        f"{_DFE} (referrals); DfE re-referral definition, domain.md 3.4", kind="pct",
        year_rule="recompute", numerator="referrals.re_referrals_12m", denominator="referrals.total",
        counts=referrals.re_referral_counts,
    ),
    Metric(
        "referrals.pct_nfa", "referrals", referrals.referrals_pct_nfa,
        "Referrals with no further action (%)",
        "Of the referrals in the period, the percentage closed with no further action.",
        f"{_DFE} (referrals); Annex A List 3", kind="pct", year_rule="recompute",
        numerator="referrals.nfa", denominator="referrals.total", counts=referrals.nfa_counts,
    ),
    Metric(
        "assessments.completed", "referrals", referrals.assessments_completed, "Assessments completed",
        "The number of assessments completed (authorised) in the period.",
        f"{_DFE} (referrals); Annex A List 4",
    ),
    Metric(
        "assessments.pct_within_45wd", "referrals", referrals.assessments_pct_within_target,
        "Assessments within 45 working days (%)",
        "Of the assessments completed in the period, the percentage completed within 45 working "
        "days of their start.",
        f"{_DFE} (referrals); Working Together, domain.md 3.4", kind="pct", year_rule="recompute",
        numerator="assessments.within_45wd", denominator="assessments.timed",
        counts=referrals.assessments_within_target_counts,
    ),
    Metric(
        "assessments.median_working_days", "referrals", referrals.assessments_median_working_days,
        "Median working days per assessment",
        "The middle value of the working days the assessments completed in the period took, from "
        "start to authorisation.",
        f"{_DFE} (referrals); DfE CIN table C2, domain.md 3.4", kind="median", year_rule="recompute",
        denominator="assessments.timed", counts=referrals.assessments_median_counts,
    ),
    # ----------------------------------------------------- placement_stability
    Metric(
        "cla.during_quarter", "placement_stability", placements.children_looked_after_during_quarter,
        "Children looked after during the period",
        "The number of different children looked after at any time in the period (short breaks "
        "left out).",
        f"{_DFE} (placement_stability); SSDA903 episodes", year_rule="distinct",
    ),
    Metric(
        "cla.at_quarter_end", "placement_stability", placements.children_looked_after_at_quarter_end,
        "Children looked after at the end",
        "The number of children looked after on the last day of the period (short breaks left out).",
        f"{_DFE} (placement_stability); SSDA903 episodes", year_rule="q4",
        part_of="cla.during_quarter",
    ),
    Metric(
        "placements.moves", "placement_stability", placements.placement_moves, "Placement moves",
        "The number of times a looked-after child moved to a new carer in the period (starting "
        "care, temporary placements and returns from them are not moves).",
        f"{_DFE} (placement_stability); SSDA903 episodes, domain.md 1.3-1.5",
        relations=("= placements.reason.<code>",),
    ),
    Metric(
        "placements.children_moved", "placement_stability", placements.children_moved,
        "Children who moved",
        "The number of different children with at least one placement move in the period.",
        f"{_DFE} (placement_stability)", year_rule="distinct", part_of="cla.during_quarter",
        relations=("<= placements.moves",),
    ),
    Metric(
        "placements.pct_3plus_12m", "placement_stability", placements.pct_three_plus_placements_12m,
        "3+ placements in 12 months (%)",
        "Of the children looked after at the end of the period, the percentage who had three or "
        "more placements in the 12 months to that date (at Q4, the DfE annual measure).",
        f"{_DFE} (placement_stability); ex NI 062, domain.md 2.1", kind="pct", year_rule="q4",
        numerator="placements.children_3plus_12m", denominator="cla.at_quarter_end",
        counts=placements.three_plus_counts,
    ),
    Metric(
        "placements.pct_long_term_stable", "placement_stability", placements.pct_long_term_stable,
        "Long-term stability (%)",
        "Of the children under 16 looked after at the end of the period who have been in care for "
        "at least two and a half years, the percentage who have lived with the same carer for at "
        "least two years, or are placed for adoption after such a stable time.",
        f"{_DFE} (placement_stability); ex NI 063, domain.md 2.2", kind="pct", year_rule="q4",
        numerator="placements.long_term_stable", denominator="placements.long_term_cohort",
        counts=placements.long_term_stable_counts,
    ),
    Metric(
        "placements.foster_to_semi_independent", "placement_stability",
        placements.count_foster_to_semi_independent,
        "Moves from foster care to semi-independent living",
        "The number of placement moves in the period from foster care to semi-independent or "
        "independent living.",
        f"{_DFE} (placement_stability); codes domain.md 1.5", part_of="placements.moves",
    ),
    Metric(
        "placements.reason.<code>", "placement_stability", placements.move_reasons, "Moves for reason",
        "The number of placement moves in the period by the recorded reason the previous placement "
        "ended, one figure per reason code (not_recorded where none was given).",
        f"{_DFE} (placement_stability); codes domain.md 1.7", part_of="placements.moves",
        code_label="{label} {code}",
    ),
    # ------------------------------------------------------------------ audits
    Metric(
        "audits.audits", "audits", audits.audit_count, "Audits",
        "The number of case audits carried out in the period.",
        f"{_DFE} (audits); case_audits.csv", year_rule="distinct",
    ),
    Metric(
        "audits.children", "audits", audits.children_audited, "Children audited",
        "The number of different children whose case was audited in the period.",
        f"{_DFE} (audits); case_audits.csv", year_rule="distinct",
    ),
    Metric(
        "audits.families", "audits", audits.families_audited, "Families audited",
        "The number of different families whose case was audited in the period.",
        f"{_DFE} (audits); case_audits.csv and families.csv", year_rule="distinct",
        relations=("<= audits.children",),
    ),
    Metric(
        "audits.grade.<grade>", "audits", audits.overall_grade_counts, "Overall grade",
        "The number of overall grades given in the period's audits, by grade (outstanding, good, "
        "requires improvement, inadequate).",
        f"{_DFE} (audits); Ofsted scale, domain.md 7", part_of="audits.graded",
    ),
    Metric(
        "audits.pct_good_or_better", "audits", audits.pct_good_or_better, "Graded good or better (%)",
        "Of the overall grades given in the period's audits, the percentage that were good or outstanding.",
        f"{_DFE} (audits); domain.md 7", kind="pct", year_rule="recompute",
        numerator="audits.graded_good_or_better", denominator="audits.graded",
        counts=audits.good_or_better_counts,
    ),
    Metric(
        "recommendations.raised", "audits", audits.recommendations_raised, "Recommendations raised",
        "The number of audit recommendations raised in the period.",
        f"{_DFE} (audits); recommendations.csv",
    ),
    Metric(
        "recommendations.completed", "audits", audits.recommendations_completed,
        "Recommendations completed",
        "The number of audit recommendations completed in the period.",
        f"{_DFE} (audits); recommendations.csv",
    ),
    Metric(
        "recommendations.pct_completed_on_time", "audits", audits.pct_completed_on_time,
        "Completed on time (%)",
        "Of the recommendations completed in the period, the percentage completed by their due date.",
        f"{_DFE} (audits); recommendations.csv", kind="pct", year_rule="recompute",
        numerator="recommendations.completed_on_time", denominator="recommendations.completed",
        counts=audits.completed_on_time_counts,
    ),
    Metric(
        "recommendations.open_at_quarter_end", "audits", audits.recommendations_open_at_quarter_end,
        "Recommendations open at the end",
        "The number of recommendations raised by the end of the period and not completed by then.",
        f"{_DFE} (audits); recommendations.csv", year_rule="q4",
    ),
    Metric(
        "recommendations.overdue_at_quarter_end", "audits", audits.recommendations_overdue_at_quarter_end,
        "Recommendations overdue at the end",
        "The number of recommendations open at the end of the period whose due date had passed.",
        f"{_DFE} (audits); recommendations.csv", year_rule="q4",
        part_of="recommendations.open_at_quarter_end",
    ),
    Metric(
        "recommendations.service_development_plan", "audits",
        audits.recommendations_to_service_development_plan,
        "Open recommendations in the Service Development Plan",
        "The number of recommendations open at the end of the period that were routed to the "
        "Service Development Plan.",
        f"{_DFE} (audits); recommendations.csv", year_rule="q4",
        part_of="recommendations.open_at_quarter_end",
    ),
)



def _with_plain_definition(metric: Metric) -> Metric:
    """The manager-facing definition is kept with the metric's reader name in
    ``metrics/plain.py`` (issue 16): what is counted, out of what, over which period and
    from which source. Every page, command and API then gives the same words."""
    from dataclasses import replace

    from .plain import plain_definition

    text = plain_definition(metric.key)
    return replace(metric, definition=text) if text else metric


_METRICS = tuple(_with_plain_definition(m) for m in _METRICS)
REGISTRY: dict[str, Metric] = {m.key: m for m in _METRICS}

# Each topic's keys for one period in one call, slicing the tables once; every value comes
# from the key's own function above (tests/metrics/test_registry.py checks both routes).
TOPIC_FUNCTIONS: dict[str, Callable] = {
    "visits": visits.visits_metrics,
    "referrals": referrals.referrals_metrics,
    "placement_stability": placements.placement_metrics,
    "audits": audits.audits_metrics,
}


def compute_topic(topic: str, data, period, settings: Settings = DEFAULT_SETTINGS) -> dict:
    """Every key of ``topic`` for one period (a table that is not loaded leaves out its keys)."""
    return _call(TOPIC_FUNCTIONS[topic], data, period, settings, strict=False)


def compute(key: str, data, period, settings: Settings = DEFAULT_SETTINGS):
    """The value of one concrete key for a period, computed by its own function.

    A code key (``visits.method.zoom``) absent from the period counts 0; a pattern key gives
    the dict of its code keys.
    """
    metric = get(key)
    value = metric.compute(data, period, settings)
    if metric.is_pattern and key != metric.key:
        return value.get(key, 0)
    return value

_BASES = (
    BaseCount("visits.seen", "visits", "Visits in the period where the child was seen.",
              "visits.pct_seen_alone", 1, part_of="visits.total"),
    BaseCount("visits.seen_alone", "visits", "Visits in the period where the child was seen alone.",
              "visits.pct_seen_alone", 0, part_of="visits.seen"),
    BaseCount("visits.with_previous", "visits",
              "Visits in the period to a child with an earlier visit (on an earlier date) in the same cohort.",
              "visits.pct_timely", 1, part_of="visits.total"),
    BaseCount("visits.timely", "visits", "Of those, visits within the cohort's interval.",
              "visits.pct_timely", 0, part_of="visits.with_previous"),
    BaseCount("contacts.followed_by_referral", "referrals",
              "Contacts in the period followed by a referral of the same child within the window.",
              "referrals.pct_from_contact", 0, part_of="contacts.total"),
    BaseCount("referrals.re_referrals_12m", "referrals",
              "Referrals in the period with an earlier referral of the same child in the 12 months before.",
              "referrals.pct_re_referral_12m", 0, part_of="referrals.total"),
    BaseCount("referrals.nfa", "referrals", "Referrals in the period marked no further action.",
              "referrals.pct_nfa", 0, part_of="referrals.total"),
    BaseCount("assessments.timed", "referrals",
              "Assessments completed in the period with a usable start date (so a duration).",
              "assessments.pct_within_45wd", 1, part_of="assessments.completed"),
    BaseCount("assessments.within_45wd", "referrals",
              "Of those, assessments within 45 working days.",
              "assessments.pct_within_45wd", 0, part_of="assessments.timed"),
    BaseCount("placements.children_3plus_12m", "placement_stability",
              "Children looked after at the end of the period with 3 or more placements in the 12 months to it.",
              "placements.pct_3plus_12m", 0, part_of="cla.at_quarter_end"),
    BaseCount("placements.long_term_cohort", "placement_stability",
              "Children looked after at the end of the period, under 16, in care for at least 2.5 years.",
              "placements.pct_long_term_stable", 1, part_of="cla.at_quarter_end"),
    BaseCount("placements.long_term_stable", "placement_stability",
              "Of those, children with the same carer for at least 2 years (or placed for adoption so).",
              "placements.pct_long_term_stable", 0, part_of="placements.long_term_cohort"),
    BaseCount("audits.graded", "audits", "Overall grades given in the period's audits.",
              "audits.pct_good_or_better", 1),
    BaseCount("audits.graded_good_or_better", "audits", "Of those, grades outstanding or good.",
              "audits.pct_good_or_better", 0, part_of="audits.graded"),
    BaseCount("recommendations.completed_on_time", "audits",
              "Recommendations completed in the period on or before their due date.",
              "recommendations.pct_completed_on_time", 0, part_of="recommendations.completed"),
)
BASE_COUNTS: dict[str, BaseCount] = {b.name: b for b in _BASES}

# Key prefixes (the part before the first dot) and the topic each belongs to.
_PREFIX_TOPIC = {m.key.split(".", 1)[0]: m.topic for m in _METRICS}


# ---------------------------------------------------------------------------- look-ups


def _unknown(key: str) -> UnknownMetricError:
    listed = ", ".join(REGISTRY)
    return UnknownMetricError(f"{key!r} is not a metric key. Valid keys: {listed}.")


def get(key: str) -> Metric:
    """The metric of a key; a code key (``visits.method.zoom``) gives its pattern's metric.

    Raises :class:`UnknownMetricError` (a ``KeyError``) listing the valid keys.
    """
    metric = REGISTRY.get(key)
    if metric is not None:
        return metric
    for candidate in REGISTRY.values():
        if candidate.is_pattern and candidate.matches(key):
            return candidate
    raise _unknown(key)


def is_known(key: str) -> bool:
    """True for a catalogue key or a code key of a pattern."""
    try:
        get(key)
    except UnknownMetricError:
        return False
    return True


def base_count(name: str) -> BaseCount | Metric:
    """A count a rate is built on, by name: a catalogue key or a :data:`BASE_COUNTS` name."""
    if name in BASE_COUNTS:
        return BASE_COUNTS[name]
    return get(name)


def topics() -> tuple[str, ...]:
    """The four topics, in report order."""
    return TOPICS


def _topic_filter(topic: str | None) -> Callable[[Metric], bool]:
    if topic is None:
        return lambda m: True
    if topic in TOPICS:  # a topic name wins over the same word as a prefix (referrals, audits)
        return lambda m: m.topic == topic
    if topic in _PREFIX_TOPIC:
        return lambda m: m.key.split(".", 1)[0] == topic
    raise UnknownMetricError(
        f"{topic!r} is neither a topic ({', '.join(TOPICS)}) nor a key prefix "
        f"({', '.join(_PREFIX_TOPIC)})."
    )


def metrics(topic: str | None = None) -> list[Metric]:
    """The registered metrics in DESIGN order, for one topic or key prefix, or all."""
    keep = _topic_filter(topic)
    return [m for m in _METRICS if keep(m)]


def keys(topic: str | None = None) -> list[str]:
    """The catalogue keys (patterns as ``visits.method.<method>``) in DESIGN order.

    ``topic`` is a topic (``visits``, ``referrals``, ``placement_stability``, ``audits``) or a
    key prefix (``contacts``, ``assessments``, ``cla``, ``placements``, ``recommendations``).
    """
    return [m.key for m in metrics(topic)]


# The headline figures of each topic that the quarterly summary page shows, in its order.
SUMMARY_KEYS: dict[str, tuple[str, ...]] = {
    "visits": ("visits.total", "visits.pct_face_to_face", "visits.pct_seen_alone", "visits.pct_timely"),
    "referrals": (
        "contacts.total", "contacts.families_multi_child", "referrals.total", "referrals.pct_re_referral_12m",
        "assessments.completed", "assessments.pct_within_45wd",
    ),
    "placement_stability": (
        "cla.at_quarter_end", "placements.moves", "placements.pct_3plus_12m", "placements.pct_long_term_stable",
        "placements.foster_to_semi_independent",
    ),
    "audits": (
        "audits.audits", "audits.children", "audits.pct_good_or_better",
        "recommendations.open_at_quarter_end", "recommendations.overdue_at_quarter_end",
    ),
}


def summary_keys(topic: str) -> list[str]:
    """The keys of a topic the quarterly summary shows (headline figures), in order."""
    return list(SUMMARY_KEYS[topic_of(topic) if topic not in SUMMARY_KEYS else topic])


def topic_of(key: str) -> str:
    """The topic a key belongs to (``visits.total`` -> ``visits``); a topic name is itself."""
    if key in TOPICS:
        return key
    return get(key).topic


def parts_of(total: str) -> list[str]:
    """The keys and base counts declared ``part_of`` ``total`` (patterns as patterns)."""
    found = []
    for metric in _METRICS:
        part = metric.part_of
        totals = set(part.values()) if isinstance(part, Mapping) else {part}
        if total in totals:
            found.append(metric.key)
    found += [b.name for b in _BASES if b.part_of == total]
    return found


def _check() -> None:
    """Every name a metric refers to exists (run at import: a typo fails loudly)."""
    for metric in _METRICS:
        names = [metric.numerator, metric.denominator]
        part = metric.part_of
        names += list(part.values()) if isinstance(part, Mapping) else [part]
        for name in names:
            if name is not None and name not in BASE_COUNTS and name not in REGISTRY:
                raise ValueError(f"{metric.key} refers to {name!r}, which is not registered")
    for base in _BASES:
        if base.of not in REGISTRY or base.part_of not in (None, *REGISTRY, *BASE_COUNTS):
            raise ValueError(f"base count {base.name} refers to an unknown key")


_check()

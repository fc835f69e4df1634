"""The relations a reader can use between published figures, declared per metric key.

One place, used by every page and by ``check-disclosure``: for each catalogue key (and each
figure a page shows that is not a catalogue key), what it adds up from, what it is at most,
and, for a percentage, its numerator and denominator (the complement, denominator minus
numerator, is added for every percentage). Numerators and denominators that no page shows
(visits where the child was seen, recommendations completed on time) are *unseen* figures:
the reader cannot see them but can reason about them, so the audit does.

The year's relations (a sum over the quarters, a year-end value equal to Q4's, a distinct
count at least each quarter's and at most their sum) follow the annual rules of
:mod:`qa_analysis.annual`.

``RELATIONS`` is the declaration: key -> {"parts": [...], "at_most": [...], "numerator":
..., "denominator": ..., "rests_on": ...}. A part ending in ``.*`` stands for every key
present under that prefix; ``{face_to_face}`` for the methods of that modality.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .disclosure_audit import Relation, at_most, pct_of, rests_on, sum_of
from .io.tables import VISIT_METHODS

SEP = "|"

RELATIONS: dict[str, dict] = {
    # visits
    "visits.total": {"parts": ["visits.face_to_face", "visits.virtual"]},
    "visits.face_to_face": {"parts": ["visits.method.{face_to_face}"]},
    "visits.virtual": {"parts": ["visits.method.{virtual}"]},
    "visits.pct_face_to_face": {"numerator": "visits.face_to_face", "denominator": "visits.total"},
    "visits.children_visited": {"at_most": ["visits.total"]},
    "visits.pct_seen_alone": {"numerator": "visits.seen_alone", "denominator": "visits.seen"},
    "visits.seen": {"at_most": ["visits.total"]},
    "visits.pct_timely": {"numerator": "visits.timely", "denominator": "visits.timed"},
    "visits.timed": {"at_most": ["visits.total"]},
    # contacts, referrals, assessments
    "contacts.total": {"parts": ["contacts.source.*"]},
    "contacts.children": {"at_most": ["contacts.total"]},
    "contacts.families": {"at_most": ["contacts.children"]},
    "contacts.families_multi_child": {"at_most": ["contacts.families"]},
    # a family with two or more children contacted adds at least one child beyond itself
    "contacts.families+multi": {"sum_at_most": (["contacts.families", "contacts.families_multi_child"],
                                                "contacts.children")},
    "contacts.max_children_per_family": {"at_most": ["contacts.children"]},
    "referrals.pct_from_contact": {"numerator": "referrals.from_contact", "denominator": "contacts.total"},
    "referrals.pct_re_referral_12m": {"numerator": "referrals.re_referrals", "denominator": "referrals.total"},
    "referrals.pct_nfa": {"numerator": "referrals.nfa", "denominator": "referrals.total"},
    "assessments.pct_within_45wd": {"numerator": "assessments.within_target", "denominator": "assessments.timed"},
    "assessments.timed": {"at_most": ["assessments.completed"]},
    "assessments.median_working_days": {"rests_on": "assessments.timed"},
    # placement stability
    "cla.at_quarter_end": {"at_most": ["cla.during_quarter"]},
    "placements.moves": {"parts": ["placements.reason.*"]},
    "placements.children_moved": {"at_most": ["placements.moves", "cla.during_quarter"]},
    "placements.foster_to_semi_independent": {"at_most": ["placements.moves"]},
    "placements.pct_3plus_12m": {"numerator": "placements.three_plus", "denominator": "cla.at_quarter_end"},
    "placements.pct_long_term_stable": {"numerator": "placements.long_term_stable",
                                        "denominator": "placements.long_term_cohort"},
    "placements.long_term_cohort": {"at_most": ["cla.at_quarter_end"]},
    # audits and recommendations
    "audits.graded": {"parts": ["audits.grade.*"]},
    "audits.good_or_better": {"parts": ["audits.grade.outstanding", "audits.grade.good"]},
    "audits.pct_good_or_better": {"numerator": "audits.good_or_better", "denominator": "audits.graded"},
    "audits.families": {"at_most": ["audits.children"]},
    "recommendations.pct_completed_on_time": {"numerator": "recommendations.completed_on_time",
                                              "denominator": "recommendations.completed"},
    "recommendations.overdue_at_quarter_end": {"at_most": ["recommendations.open_at_quarter_end"]},
    "recommendations.service_development_plan": {"at_most": ["recommendations.open_at_quarter_end"]},
}

# Figures about one family or one child: hidden in public unless a setting allows them.
ABOUT_ONE = ("contacts.max_children_per_family",)

# Unseen figures: the numerators and denominators no page shows (see the module docstring).
UNSEEN = (
    "visits.seen", "visits.seen_alone", "visits.timed", "visits.timely",
    "referrals.from_contact", "referrals.re_referrals", "referrals.nfa",
    "assessments.timed", "assessments.within_target",
    "placements.three_plus", "placements.long_term_stable", "placements.long_term_cohort",
    "audits.graded", "audits.good_or_better", "recommendations.completed_on_time",
)

# How each year figure is built from its quarters (annual.py's rules; unseen figures too).
_YEAR_SUM_UNSEEN = (
    "visits.seen", "visits.seen_alone", "visits.timed", "visits.timely", "referrals.from_contact",
    "referrals.re_referrals", "referrals.nfa", "assessments.timed", "assessments.within_target",
    "audits.graded", "audits.good_or_better", "recommendations.completed_on_time",
)
_YEAR_END_UNSEEN = ("placements.three_plus", "placements.long_term_stable", "placements.long_term_cohort")


def cell(period: str, key: str) -> str:
    """The cell id of a key in a period: ``"2020-21 Q3|visits.total"``."""
    return f"{period}{SEP}{key}"


def split(cell_id: str) -> tuple[str, str]:
    period, _, key = cell_id.partition(SEP)
    return period, key


def _expand(part: str, keys: Iterable[str]) -> list[str]:
    if part.endswith(".*"):
        prefix = part[:-1]
        return [k for k in keys if k.startswith(prefix)]
    if "{" in part:
        prefix, modality = part.split("{", 1)
        return [prefix + m for m in VISIT_METHODS[modality.rstrip("}")] if prefix + m in keys]
    return [part]


def complement(numerator: str, denominator: str) -> str:
    """The unseen complement of a percentage: ``denominator - numerator``."""
    return f"{denominator} - {numerator.rsplit('.', 1)[-1]}"


def period_relations(period: str, keys: Iterable[str], declared: Mapping[str, dict] | None = None) -> list[Relation]:
    """The relations among one period's keys (flat catalogue keys and page figures).

    A relation naming a key the period does not have is left out (its topic is absent), except
    unseen figures, which exist wherever their percentage does.
    """
    declared = RELATIONS if declared is None else declared
    keys = list(dict.fromkeys(keys))
    present = set(keys)
    available = present | set(UNSEEN)

    def c(k):
        return cell(period, k)

    out: list[Relation] = []
    for key, spec in declared.items():
        if "numerator" in spec:
            if key not in present:
                continue
            num, den = spec["numerator"], spec["denominator"]
            if num not in available or den not in available:
                continue
            out.append(pct_of(c(key), c(num), c(den)))
            out.append(sum_of(c(den), [c(num), c(complement(num, den))]))
            continue
        if key not in available and "sum_at_most" not in spec:
            continue
        if "parts" in spec:
            parts = [p for part in spec["parts"] for p in _expand(part, keys)]
            if parts and all(p in available for p in parts):
                out.append(sum_of(c(key), [c(p) for p in parts]))
        for larger in spec.get("at_most", ()):
            if larger in available:
                out.append(at_most(c(key), c(larger)))
        if "rests_on" in spec and spec["rests_on"] in available:
            out.append(rests_on(c(key), c(spec["rests_on"])))
        if "sum_at_most" in spec:
            smaller, larger = spec["sum_at_most"]
            if all(s in present for s in smaller) and larger in present:
                out.append(at_most([c(s) for s in smaller], c(larger)))
    return out


def year_relations(year: str, quarters: list[str], keys_by_period: Mapping[str, Iterable[str]]) -> list[Relation]:
    """The relations between the year's figures and its quarters' (annual.py's rules)."""
    from .annual import DISTINCT, POOLED, SUM, YEAR_END, year_rule

    year_keys = set(keys_by_period.get(year, ()))
    out: list[Relation] = []
    for key in sorted(year_keys | set(_YEAR_SUM_UNSEEN) | set(_YEAR_END_UNSEEN)):
        rule = year_rule(key)
        if key in _YEAR_SUM_UNSEEN:
            rule = SUM
        elif key in _YEAR_END_UNSEEN:
            rule = YEAR_END
        if rule in (None, POOLED):
            continue
        if key in UNSEEN:
            users = _pct_keys_using(key)
            if not all(users & set(keys_by_period.get(p, ())) for p in [year, *quarters]):
                continue
            having = list(quarters)
        else:
            having = [q for q in quarters if key in set(keys_by_period.get(q, ()))]
        if key not in year_keys and key not in UNSEEN:
            continue
        if rule == SUM and len(having) == len(quarters):
            out.append(sum_of(cell(year, key), [cell(q, key) for q in quarters]))
        elif rule == YEAR_END and quarters and quarters[-1] in having:
            out.append(sum_of(cell(year, key), [cell(quarters[-1], key)]))
        elif rule == DISTINCT and len(having) == len(quarters):
            out.extend(at_most(cell(q, key), cell(year, key)) for q in quarters)
            if len(quarters) > 1:
                out.append(_distinct_upper(year, quarters, key))
    return out


def _distinct_upper(year, quarters, key) -> Relation:
    """year distinct count <= the sum of the quarters' (a child counted once per quarter at most)."""
    return Relation("le", cell(quarters[0], key), ((cell(year, key), 1.0),
                                                   *((cell(q, key), -1.0) for q in quarters[1:])))


def _pct_keys_using(unseen: str) -> set[str]:
    """The percentage keys whose numerator or denominator is this unseen figure."""
    return {
        k for k, spec in RELATIONS.items()
        if unseen in (spec.get("numerator"), spec.get("denominator"))
    }

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

import re
from collections.abc import Iterable, Mapping

from .disclosure_audit import Relation, at_most, pct_of, rests_on, sum_of
from .io.tables import VISIT_METHODS

SEP = "|"

# Sums among unseen figures the registry's base counts do not state as sums.
_BASE_SUMS = {
    "audits.graded": ["audits.grade.*"],
    "audits.graded_good_or_better": ["audits.grade.outstanding", "audits.grade.good"],
}


def _parse(text: str) -> dict:
    """One relation string of the registry: ``= a + b`` (the key is the sum of these parts;
    ``<code>`` / ``<face_to_face>`` expand to the codes present), ``<= x`` (the key is at most
    x), ``a + b <= x``, or ``about one family``."""
    text = text.strip()
    if text == "about one family":
        return {"about_one": True}
    if text.startswith("="):
        return {"parts": [p.strip().replace("<code>", "*").replace("<grade>", "*") for p in text[1:].split("+")]}
    if text.startswith("<="):
        return {"at_most": [text[2:].strip()]}
    if "<=" in text:
        smaller, larger = text.split("<=")
        return {"sum_at_most": ([p.strip() for p in smaller.split("+")], larger.strip())}
    raise ValueError(f"Cannot read the relation {text!r}.")


def declared_relations() -> dict[str, dict]:
    """key -> relation spec, read from the metric registry (issue 12): ``numerator`` /
    ``denominator`` of each percentage, the count a median ``rests_on``, ``part_of`` (a
    count is at most the total it is counted within) and the ``relations`` strings."""
    from .metrics import registry

    out: dict[str, dict] = {}

    def spec(key):
        return out.setdefault(key, {})

    for m in registry.REGISTRY.values():
        if m.kind == "pct":
            spec(m.key).update(numerator=m.numerator, denominator=m.denominator)
        elif m.kind == "median":
            spec(m.key)["rests_on"] = m.denominator
        if isinstance(m.part_of, str) and not m.is_pattern:
            spec(m.key).setdefault("at_most", []).append(m.part_of)
        for text in m.relations:
            parsed = _parse(text)
            if "sum_at_most" in parsed:
                out[f"{m.key}+"] = {"sum_at_most": parsed["sum_at_most"]}
                continue
            for field_name, value in parsed.items():
                if field_name == "at_most":
                    spec(m.key).setdefault("at_most", []).extend(value)
                else:
                    spec(m.key)[field_name] = value
    for b in registry.BASE_COUNTS.values():
        if b.part_of:
            spec(b.name).setdefault("at_most", []).append(b.part_of)
    for name, parts in _BASE_SUMS.items():
        spec(name)["parts"] = parts
    for value in out.values():
        if "parts" in value:
            value["parts"] = [p.replace("<face_to_face>", "{face_to_face}").replace("<virtual>", "{virtual}")
                              for p in value["parts"]]
    return out


def _unseen() -> tuple[str, ...]:
    from .metrics import registry

    return tuple(registry.BASE_COUNTS)


RELATIONS: dict[str, dict] = declared_relations()

# Figures about one family or one child: hidden in public unless a setting allows them.
ABOUT_ONE = tuple(k for k, v in RELATIONS.items() if v.get("about_one"))

# Unseen figures: the numerators and denominators no page shows (the registry's base counts).
UNSEEN = _unseen()

# How each year figure is built from its quarters (annual.py's rules; unseen figures too):
# a numerator or denominator of a recomputed percentage adds up over the quarters, of a
# year-end percentage it is Q4's.
_YEAR_END_UNSEEN = ("placements.children_3plus_12m", "placements.long_term_stable", "placements.long_term_cohort")
_YEAR_SUM_UNSEEN = tuple(u for u in UNSEEN if u not in _YEAR_END_UNSEEN)


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
        if spec.get("about_one") and len(spec) == 1:
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
    return out + page_relations(period, keys)


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


# --------------------------------------------------------------- figures of page tables
# Tables a page shows that are not catalogue keys get keys of their own, so they join the
# published set and metrics.json: visits by month, each audit of the quarter, recommendations
# by theme and by where they stood at the quarter end.
_MONTH = re.compile(r"^visits\.month\.(\d{4}-\d{2})\.(\w+)$")
_ACTIVITY = re.compile(r"^audits\.activity\.(\d+)\.(\w+)$")
_THEME = re.compile(r"^recommendations\.theme\.(.+)\.(raised|completed|open_at_end|overdue_at_end)$")
_THEME_TOTALS = {
    "raised": "recommendations.raised", "completed": "recommendations.completed",
    "open_at_end": "recommendations.open_at_quarter_end", "overdue_at_end": "recommendations.overdue_at_quarter_end",
}
GRADE_NAMES = ("outstanding", "good", "requires_improvement", "inadequate")


def page_relations(period: str, keys: Iterable[str]) -> list[Relation]:
    """Relations of the page-table figures of one period, read from their keys."""
    keys = list(keys)
    present = set(keys)

    def c(k):
        return cell(period, k)

    out: list[Relation] = []
    months: dict[str, list[str]] = {}
    activity: dict[str, dict[str, str]] = {}
    themes: dict[str, list[str]] = {}
    for key in keys:
        if m := _MONTH.match(key):
            months.setdefault(m[2], []).append(key)
        elif m := _ACTIVITY.match(key):
            activity.setdefault(m[1], {})[m[2]] = key
        elif m := _THEME.match(key):
            themes.setdefault(m[2], []).append(key)
    for modality, parts in months.items():
        if f"visits.{modality}" in present:
            out.append(sum_of(c(f"visits.{modality}"), [c(p) for p in parts]))
    if activity:
        for grade in GRADE_NAMES:
            parts = [row[grade] for row in activity.values() if grade in row]
            if f"audits.grade.{grade}" in present:
                out.append(sum_of(c(f"audits.grade.{grade}"), [c(p) for p in parts]))
            elif parts:  # a grade nobody was given: every audit's count of it is 0 too
                out.append(sum_of(c(f"audits.grade.{grade}"), [c(p) for p in parts]))
        cases = [row["cases"] for row in activity.values() if "cases" in row]
        families = [row["families"] for row in activity.values() if "families" in row]
        if "audits.children" in present:
            out.append(at_most(c("audits.children"), c("audits.cases")))
        out.append(sum_of(c("audits.cases"), [c(p) for p in cases]))
        if "audits.families" in present and families:
            out.append(at_most(c("audits.families"), c("audits.families_covered")))
            out.append(sum_of(c("audits.families_covered"), [c(p) for p in families]))
        for row in activity.values():
            if "cases" in row and "families" in row:
                out.append(at_most(c(row["families"]), c(row["cases"])))
            graded = [row[g] for g in GRADE_NAMES if g in row]
            if "cases" in row and graded:
                out.append(at_most([c(g) for g in graded], c(row["cases"])))
    for column, parts in themes.items():
        total = _THEME_TOTALS[column]
        if total in present:
            out.append(sum_of(c(total), [c(p) for p in parts]))
    if "recommendations.completed_late" in present and "recommendations.completed" in present:
        out.append(sum_of(c("recommendations.completed"),
                          [c("recommendations.completed_on_time"), c("recommendations.completed_late")]))
    if "recommendations.open_not_due" in present and "recommendations.open_at_quarter_end" in present:
        out.append(sum_of(c("recommendations.open_at_quarter_end"),
                          [c("recommendations.open_not_due"), c("recommendations.overdue_at_quarter_end")]))
    return out

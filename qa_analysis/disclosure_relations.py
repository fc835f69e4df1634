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
    return out + _page_year_relations(year, quarters, keys_by_period)


# Page-table cells of the annual page and how they are built from the quarters': counts of
# events in the period add up; positions at the period end are Q4's. A key a quarter does not
# have is 0 there (its table has no such row: nothing to count).
_PAGE_YEAR_SUM = (
    re.compile(r"^audits\.domain\.[^.]+\.(outstanding|good|requires_improvement|inadequate|graded)$"),
    re.compile(r"^placements\.transition\."),
    re.compile(r"^recommendations\.theme\..+\.(raised|completed)$"),
    re.compile(r"^assessments\.(band\.|started$)"),
    re.compile(r"^recommendations\.(raised_to_sdp|completed_late)$"),
)
_PAGE_YEAR_END = (
    re.compile(r"^recommendations\.theme\..+\.(open_at_end|overdue_at_end)$"),
    re.compile(r"^recommendations\.(overdue_age\.|open_not_due$)"),
)


def _page_year_relations(year: str, quarters: list[str], keys_by_period: Mapping[str, Iterable[str]]) -> list[Relation]:
    out: list[Relation] = []
    quarter_keys = {q: set(keys_by_period.get(q, ())) for q in quarters}
    for key in keys_by_period.get(year, ()):
        if any(p.match(key) for p in _PAGE_YEAR_SUM):
            parts = [cell(q, key) for q in quarters if key in quarter_keys[q]]
            if parts:
                out.append(sum_of(cell(year, key), parts))
        elif any(p.match(key) for p in _PAGE_YEAR_END) and quarters and key in quarter_keys[quarters[-1]]:
            out.append(sum_of(cell(year, key), [cell(quarters[-1], key)]))
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
    return out + _table_relations(period, keys)


# Assessments by working days to sign-off: the bands add up to the assessments timed, and
# those to 45 days to the assessments within 45 working days (the percentage's numerator).
_BANDS_WITHIN_45 = ("same_day", "1-10", "11-20", "21-30", "31-40", "41-45")


def _with_prefix(keys, prefix: str) -> list[str]:
    return [k for k in keys if k.startswith(prefix)]


def _table_relations(period: str, keys: list[str]) -> list[Relation]:
    """Relations of the page tables named in :data:`TABLE_KEYS` that hold by definition."""
    present = set(keys)

    def c(k):
        return cell(period, k)

    out: list[Relation] = []
    bands = _with_prefix(keys, "assessments.band.")
    if bands:
        out.append(sum_of(c("assessments.timed"), [c(b) for b in bands]))
        within = [b for b in bands if b.rsplit(".", 1)[-1] in _BANDS_WITHIN_45]
        out.append(sum_of(c("assessments.within_45wd"), [c(b) for b in within]))
    ages = _with_prefix(keys, "recommendations.overdue_age.")
    if ages and "recommendations.overdue_at_quarter_end" in present:
        out.append(sum_of(c("recommendations.overdue_at_quarter_end"), [c(a) for a in ages]))
    sizes = _with_prefix(keys, "contacts.family_size.")
    if sizes:
        weights = [_family_size(k) for k in sizes]
        # every family of a size counts that many children: at most the children contacted
        if "contacts.children" in present:
            out.append(Relation("le", c("contacts.children"), tuple((c(k), float(w)) for k, w in zip(sizes, weights, strict=True))))
        if "contacts.families_multi_child" in present:
            out.append(sum_of(c("contacts.families_multi_child"), [c(k) for k, w in zip(sizes, weights, strict=True) if w >= 2]))
    transitions = _with_prefix(keys, "placements.transition.")
    if transitions and "placements.moves" in present:
        out.append(at_most([c(t) for t in transitions], c("placements.moves")))
    months = _with_prefix(keys, "contacts.month.")
    if months and "contacts.total" in present:
        out.append(sum_of(c("contacts.total"), [c(m) for m in months]))
    by_type = _with_prefix(keys, "audits.cases_by_type.")
    if by_type:
        out.append(sum_of(c("audits.cases"), [c(t) for t in by_type]))
    if "recommendations.raised_to_sdp" in present and "recommendations.raised" in present:
        out.append(at_most(c("recommendations.raised_to_sdp"), c("recommendations.raised")))
    domains: dict[str, list[str]] = {}
    for key in _with_prefix(keys, "audits.domain."):
        domain, name = key.split(".")[2], key.split(".")[3]
        if name in GRADE_NAMES:
            domains.setdefault(domain, []).append(key)
    for domain, grades in domains.items():
        graded = f"audits.domain.{domain}.graded"
        out.append(sum_of(c(graded), [c(g) for g in grades]))
        good = [c(f"audits.domain.{domain}.{g}") for g in ("outstanding", "good") if f"audits.domain.{domain}.{g}" in present]
        out.append(sum_of(c(f"audits.domain.{domain}.good_or_better"), good))
        out.append(at_most(c(graded), c("audits.cases")))
        pct = f"audits.domain.{domain}.pct_good_or_better"
        if pct in present:
            numerator = f"audits.domain.{domain}.good_or_better"
            out.append(pct_of(c(pct), c(numerator), c(graded)))
            out.append(sum_of(c(graded), [c(numerator), c(complement(numerator, graded))]))
    return out


def _family_size(key: str) -> int:
    size = key.rsplit(".", 1)[-1]
    return int(size.split("_", 1)[0])


def page_assumed_relations(period: str, keys) -> list[Relation]:
    """Relations a careful reader may assume of the page tables, which hold in most data
    but not by definition (a family with no family record, a placement with no group): the
    published set keeps each one only where it holds on the true figures, and its solver
    protects it then. ``check-disclosure``, which has only the published figures, leaves
    them out."""
    keys = list(keys)
    present = set(keys)

    def c(k):
        return cell(period, k)

    out: list[Relation] = []
    sizes = _with_prefix(keys, "contacts.family_size.")
    if sizes and "contacts.families" in present:
        out.append(sum_of(c("contacts.families"), [c(k) for k in sizes]))
    transitions = _with_prefix(keys, "placements.transition.")
    if transitions and "placements.moves" in present:
        out.append(sum_of(c("placements.moves"), [c(t) for t in transitions]))
    if "placements.transition.foster.semi_independent" in present and "placements.foster_to_semi_independent" in present:
        out.append(sum_of(c("placements.foster_to_semi_independent"), [c("placements.transition.foster.semi_independent")]))
    overall = [f"audits.grade.{g}" for g in GRADE_NAMES]
    if "audits.graded" in present and all(g in present for g in overall):
        out.append(sum_of(c("audits.graded"), [c(g) for g in overall]))
    # the profile: each characteristic's children add up to the children who moved
    profile: dict[str, list[str]] = {}
    for key in _with_prefix(keys, "placements.semi_profile."):
        profile.setdefault(key.split(".")[2], []).append(key)
    for parts in profile.values():
        out.append(sum_of(c("placements.semi_profile_children"), [c(p) for p in parts]))
    return out


# --------------------------------------------------------------- the keys of page tables
# Every table a public page shows names the published cell of each of its figures here, so
# the page shows exactly the audited set and :func:`page_cells` puts the same cells in it.
# A key function takes (row, value column) and returns a key of the page's period, or
# (period label, key) for a cell of another quarter (visits by month span five quarters).


def key_part(value) -> str:
    """A table value as a part of a cell key: ``"Same day"`` -> ``same_day``."""
    return str(value).strip().lower().replace(" ", "_")


def _quarter_of(month) -> str:
    import pandas as pd

    month = pd.Timestamp(month)
    fy = month.year if month.month >= 4 else month.year - 1
    return f"{fy}-{(fy + 1) % 100:02d} Q{(month.month - 4) % 12 // 3 + 1}"


_STATUS_KEYS = {
    "completed_on_time": "recommendations.completed_on_time",
    "completed_late": "recommendations.completed_late",
    "open_not_due": "recommendations.open_not_due",
    "overdue": "recommendations.overdue_at_quarter_end",
}
_FUNNEL_KEYS = {
    "Contacts": "contacts.total",
    "Referrals": "referrals.total",
    "Assessments started": "assessments.started",
}


def _funnel_key(row, column) -> str:
    stage = str(row["stage"])
    if stage.startswith("Contacts followed by a referral"):
        return "contacts.followed_by_referral"
    return _FUNNEL_KEYS.get(stage, f"funnel.{key_part(stage)}")


def _domain_key(row, column) -> str:
    domain, grade = key_part(row["domain"]), key_part(row["grade"])
    return f"audits.grade.{grade}" if domain == "overall" else f"audits.domain.{domain}.{grade}"


def _quarter_cell(key_of):
    """A key function for a table with a ``quarter`` column (the annual page): the cell of
    that row's quarter."""
    return lambda r, c: (str(r["quarter"]), key_of(r, c))


_BY_QUARTER_COLUMNS = {
    "raised": "recommendations.raised", "raised_to_sdp": "recommendations.raised_to_sdp",
    "completed": "recommendations.completed", "completed_on_time": "recommendations.completed_on_time",
    "pct_completed_on_time": "recommendations.pct_completed_on_time",
    "open_at_end": "recommendations.open_at_quarter_end", "overdue_at_end": "recommendations.overdue_at_quarter_end",
    "sdp_open_at_end": "recommendations.service_development_plan",
}

TABLE_KEYS = {
    "visits_by_month": lambda r, c: (_quarter_of(r["month"]), f"visits.month.{r['month']:%Y-%m}.{r['modality']}"),
    "visits_by_method": lambda r, c: f"visits.method.{r['method']}",
    "contacts_by_source": lambda r, c: f"contacts.source.{r['source']}",
    "referral_funnel": _funnel_key,
    "family_sizes": lambda r, c: f"contacts.family_size.{key_part(r['children_contacted']).replace('+', '_or_more')}",
    "duration_bands": lambda r, c: f"assessments.band.{key_part(r['band'])}",
    "transitions": lambda r, c: f"placements.transition.{r['from_group']}.{r['to_group']}",
    "moves_by_reason": lambda r, c: f"placements.reason.{r['reason']}",
    "semi_profile": lambda r, c: f"placements.semi_profile.{r['characteristic']}.{key_part(r['value'])}",
    "grades_by_domain": _domain_key,
    "recommendations_by_status": lambda r, c: _STATUS_KEYS[r["status"]],
    "overdue_by_age": lambda r, c: f"recommendations.overdue_age.{key_part(r['band'])}",
    "recommendations_by_theme": lambda r, c: f"recommendations.theme.{r['theme']}.{c}",
    "contacts_by_month": lambda r, c: (_quarter_of(r["month"]), f"contacts.month.{r['month']:%Y-%m}"),
    # the annual page's tables by quarter
    "cases_by_quarter_and_type": _quarter_cell(lambda r, c: f"audits.cases_by_type.{r['audit_type']}"),
    "status_by_quarter": _quarter_cell(lambda r, c: _STATUS_KEYS[r["status"]]),
    "recommendations_by_quarter": _quarter_cell(lambda r, c: _BY_QUARTER_COLUMNS[c]),
    "each_audit": _quarter_cell(lambda r, c: f"audits.activity.{r['_position']}.{c}"),
}


def table_keys(name: str, frame):
    """The ``keys`` function of ``ReportContext.table`` for a page table named in
    :data:`TABLE_KEYS`, over the rows of ``frame`` as the metric function returned it."""
    rows = frame.to_dict("records")
    if name == "each_audit":  # an audit's cells are numbered within its quarter, as on that quarter's page
        seen: dict = {}
        for row in rows:
            seen[row["quarter"]] = seen.get(row["quarter"], 0) + 1
            row["_position"] = seen[row["quarter"]]
    function = TABLE_KEYS[name]
    return lambda position, column: function(rows[position], column)


def table_cells(name: str, frame, value_cols) -> dict:
    """key -> value of a page table's cells (the cells of this period only)."""
    out: dict = {}
    function = TABLE_KEYS[name]
    for row in frame.to_dict("records"):
        for column in value_cols:
            key = function(row, column)
            if isinstance(key, tuple):
                continue
            out[key] = int(row[column])
    return out

"""Disclosure control that holds against a determined reader (issue 13).

Everything published for a period (every page of each quarter, and the annual page with its
four quarters) is one set of *cells*: a cell is one figure of one period, named
``"<period>|<key>"`` (``"2020-21 Q3|visits.method.teams"``). A reader who wants a hidden
figure can use every *relation* between cells:

- a total and its parts (``sum``: total = sum of coefficient x part, nested totals included);
- an order between two figures (``le``: distinct children visited <= visits);
- a percentage and its numerator and denominator (``pct``; its complement is the
  denominator minus the numerator, declared as a ``sum`` where it matters);
- a summary figure and the count it rests on (``base``: a median and its cases).

The relations come from the metric registry (:mod:`qa_analysis.disclosure_relations`
builds them from the keys present); this module only knows cells and relations.

- :func:`primary` hides counts from 1 to 5, any percentage whose numerator, denominator or
  complement is 1 to 5, any figure resting on 1 to 5 cases, and figures that describe one
  family or one child.
- :func:`audit` is the determined reader: a linear program over the published figures
  (``scipy.optimize.linprog``, HiGHS) gives, for each hidden cell and each figure the
  reader never sees but can reason about (a numerator), the smallest and largest value
  consistent with every relation and non-negativity. A hidden cell whose range holds one
  whole number, or whose range lies within 1 to 5, is a disclosure; so is an unseen count
  pinned within 1 to 5. A hidden cell is at least 1 (zeros are published as 0).
- :func:`protect` is secondary suppression: it hides further cells, cheapest first (small
  detail cells before subtotals before totals, counts before percentages), until the
  audit finds nothing.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

SUPPRESSED = "c"
SMALLEST_SHOWN = 6
_EPS = 1e-6


@dataclass(frozen=True)
class Relation:
    """One thing a reader knows about cells.

    ``sum``: ``total`` = sum of coefficient x part. ``le``: sum of coefficient x part <=
    ``total``. ``pct``: ``total`` is a percentage cell, ``parts`` its numerator and
    denominator (coefficients unused). ``base``: ``total`` (a median or mean) rests on the
    single part, its number of cases; no arithmetic.
    """

    kind: str
    total: str
    parts: tuple[tuple[str, float], ...]

    @property
    def ids(self) -> tuple[str, ...]:
        return (self.total, *(p for p, _ in self.parts))

    def describe(self) -> str:
        if self.kind == "pct":
            (num, _), (den, _) = self.parts
            return f"{self.total} = {num} / {den} x 100"
        if self.kind == "base":
            return f"{self.total} rests on {self.parts[0][0]}"
        terms = " + ".join(p if c == 1 else f"{c:g} x {p}" for p, c in self.parts)
        return f"{self.total} = {terms}" if self.kind == "sum" else f"{terms} <= {self.total}"


def sum_of(total: str, parts: Iterable[str], coefficients: Iterable[float] | None = None) -> Relation:
    parts = tuple(parts)
    coefficients = tuple(coefficients) if coefficients is not None else (1.0,) * len(parts)
    return Relation("sum", total, tuple(zip(parts, coefficients, strict=True)))


def at_most(smaller: str | Iterable[str], larger: str) -> Relation:
    """``smaller`` (one cell, or the sum of several) <= ``larger``."""
    parts = (smaller,) if isinstance(smaller, str) else tuple(smaller)
    return Relation("le", larger, tuple((p, 1.0) for p in parts))


def pct_of(pct: str, numerator: str, denominator: str) -> Relation:
    return Relation("pct", pct, ((numerator, 1.0), (denominator, 1.0)))


def rests_on(summary: str, cases: str) -> Relation:
    return Relation("base", summary, ((cases, 1.0),))


def is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and not (
        isinstance(value, float) and math.isnan(value)
    )


def is_small(value) -> bool:
    return is_number(value) and 0 < value < SMALLEST_SHOWN


# --------------------------------------------------------------------------- primary


def primary(
    values: Mapping[str, object], relations: Iterable[Relation], about_one: Iterable[str] = (),
    published: Iterable[str] | None = None,
) -> dict[str, str]:
    """The cells primary suppression hides, each with its reason.

    ``values`` holds every cell's true value and any unseen figure a relation names
    (numerators of percentages) where known; ``about_one`` lists cells describing one
    family or one child; ``published``: the cells the pages show (default every key of
    ``values``), the only ones returned. Percentage and summary cells are those that are the
    ``total`` of a ``pct`` or ``base`` relation; every other number is a count.
    """
    relations = list(relations)
    published = set(values if published is None else published)
    derived = {r.total for r in relations if r.kind in ("pct", "base")}
    reasons: dict[str, str] = {}
    for cell, value in values.items():
        if cell not in derived and is_small(value):
            reasons[cell] = "a count from 1 to 5"
    for cell in about_one:
        if is_number(values.get(cell)) and values.get(cell) != 0:
            reasons.setdefault(cell, "it describes one family or one child")
    for r in relations:
        if r.total not in values or not is_number(values[r.total]):
            continue
        if r.kind == "base":
            if is_small(values.get(r.parts[0][0])):
                reasons.setdefault(r.total, f"it rests on {r.parts[0][0]}, from 1 to 5")
        elif r.kind == "pct":
            (num, _), (den, _) = r.parts
            n, d = values.get(num), values.get(den)
            if is_small(d):
                reasons.setdefault(r.total, f"its denominator {den} is from 1 to 5")
            elif is_small(n):
                reasons.setdefault(r.total, f"its numerator {num} is from 1 to 5")
            elif is_number(n) and is_number(d) and is_small(d - n):
                reasons.setdefault(r.total, f"its complement ({den} - {num}) is from 1 to 5")
    return {cell: why for cell, why in reasons.items() if cell in published}


# ----------------------------------------------------------------------------- audit


@dataclass
class Finding:
    """A hidden or unseen figure the reader can work out (or pin within 1 to 5)."""

    cell: str
    low: int
    high: int | None
    hidden: bool  # True: a published cell shown as c; False: a figure never shown (a numerator)
    relations: list[Relation] = field(default_factory=list)

    @property
    def exact(self) -> bool:
        return self.high is not None and self.low == self.high

    def describe(self) -> str:
        what = f"is {self.low}" if self.exact else f"lies between {self.low} and {self.high}"
        via = "; ".join(r.describe() for r in self.relations) or "the published figures"
        return f"{self.cell} {what}, from {via}"


class _Components:
    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)


def _linear_row(terms, unknown, shown) -> tuple[dict, float] | None:
    """``sum(coef * cell)`` as (coefficients of the unknown cells, constant from the shown
    ones); None when a cell is neither (the relation tells nothing) or no cell is unknown."""
    row, const = {}, 0.0
    for cell, coef in terms:
        if cell in unknown:
            row[cell] = row.get(cell, 0.0) + coef
        elif is_number(shown.get(cell)):
            const += coef * shown[cell]
        else:
            return None
    return (row, const) if row else None


def _linear_rows(relations, shown, unknown):
    """Equality and inequality rows (dict var -> coefficient, constant) over the unknowns."""
    eq, ub = [], []
    for r in relations:
        if r.kind == "base":
            continue
        if r.kind == "pct":
            p = shown.get(r.total)
            if not is_number(p):
                continue  # a hidden or missing percentage tells nothing
            (num, _), (den, _) = r.parts
            # p is rounded to 1 dp: (p - 0.05) d <= 100 n <= (p + 0.05) d
            for sign, edge in ((1, p + 0.05), (-1, max(p - 0.05, 0.0))):
                found = _linear_row(((num, 100.0 * sign), (den, -edge * sign)), unknown, shown)
                if found:
                    ub.append(found)  # sum(row) + const <= 0
            continue
        found = _linear_row(((r.total, -1.0), *r.parts), unknown, shown)
        if found:
            (eq if r.kind == "sum" else ub).append(found)
    return eq, ub


_CAP = 1e7  # a figure the reader can only bound above by this is unbounded


def _integer_range(low, high):
    lo = math.ceil(low - _EPS)
    hi = None if high is None or high >= _CAP - 1 else math.floor(high + _EPS)
    if hi is not None and hi < lo:
        hi = lo
    return lo, hi


def is_safe(low, high, hidden: bool) -> bool:
    """A hidden cell is safe when its range holds several whole numbers and reaches 6; an
    unseen count when its range reaches 0 or 6."""
    lo, hi = _integer_range(low, high)
    if hidden:
        return hi is None or (hi >= SMALLEST_SHOWN and hi > lo)
    return lo <= 0 or hi is None or hi >= SMALLEST_SHOWN


def _ranges(variables, eq, ub, lower, targets=None, hidden=frozenset(), exact=frozenset()):
    """Smallest and largest value of each target variable (default all; None: unbounded
    above); None if the figures are infeasible.

    Two solves (every unknown as large, then as small, as possible) give feasible values
    for all of them at once; a variable whose values seen already show it is safe
    (:func:`is_safe`) keeps that witnessed range, which lies inside its true one. The rest,
    and those in ``exact``, get their own two solves.
    """
    import numpy as np
    from scipy.optimize import linprog

    index = {v: i for i, v in enumerate(variables)}
    n = len(variables)

    def matrix(rows):
        if not rows:
            return None, None
        a = np.zeros((len(rows), n))
        b = np.zeros(len(rows))
        for i, (row, const) in enumerate(rows):
            for v, coef in row.items():
                a[i, index[v]] += coef
            b[i] = -const
        return a, b

    a_eq, b_eq = matrix(eq)
    a_ub, b_ub = matrix(ub)
    bounds = [(lower[v], _CAP) for v in variables]

    def solve(c):
        return linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")

    wanted = list(variables) if targets is None else [t for t in variables if t in targets]
    seen_low = dict.fromkeys(wanted, math.inf)
    seen_high = dict.fromkeys(wanted, -math.inf)
    for sign in (1.0, -1.0):
        res = solve(np.full(n, sign))
        if res.status == 2:
            return None
        if res.status == 0:
            for v in wanted:
                x = res.x[index[v]]
                seen_low[v], seen_high[v] = min(seen_low[v], x), max(seen_high[v], x)
    out = {}
    for v in wanted:
        if v not in exact and seen_low[v] <= seen_high[v] and is_safe(seen_low[v], seen_high[v], v in hidden):
            out[v] = (seen_low[v], seen_high[v])
            continue
        c = np.zeros(n)
        c[index[v]] = 1.0
        high = solve(-c)
        if high.status == 2:
            return None
        top = -high.fun if high.status == 0 else None
        if v not in exact and top is not None and seen_low[v] <= top and is_safe(seen_low[v], top, v in hidden):
            out[v] = (seen_low[v], top)
            continue
        low = solve(c)
        out[v] = (low.fun if low.status == 0 else lower[v], top)
    return out


def _group(relations, unknown):
    """Relations split into independent groups (connected through the unknowns they share)."""
    comps = _Components()
    for r in relations:
        ids = [i for i in r.ids if i in unknown]
        for a in ids:
            comps.find(a)
        for a, b in zip(ids, ids[1:], strict=False):
            comps.union(a, b)
    groups: dict[str, list[Relation]] = {}
    for r in relations:
        ids = [i for i in r.ids if i in unknown]
        if ids:
            groups.setdefault(comps.find(ids[0]), []).append(r)
    return groups


_MEMO: dict = {}  # a group's ranges, by its relations and the figures shown in it


class InconsistentFigures(ValueError):
    """The published figures contradict a declared relation (a wrong relation or figure)."""


def audit(
    shown: Mapping[str, object], relations: Iterable[Relation], only: Iterable[str] | None = None
) -> list[Finding]:
    """What a reader can work out from the published figures ``shown``.

    ``shown`` maps each published cell to its value, ``"c"`` where hidden (None: not
    available, an unknown). Figures named by a relation but not in ``shown`` are unseen
    counts (>= 0). Returns a finding for each hidden cell whose range holds one whole number
    or lies within 1 to 5, each unseen count whose range lies within 1 to 5 (an unseen count
    that comes out exactly is reported only then), and each hidden percentage whose numerator
    and denominator both come out exactly. ``only``: check just the groups holding these cells.
    """
    relations = [r for r in relations]
    derived = {r.total for r in relations if r.kind in ("pct", "base")}
    named = {i for r in relations for i in r.ids}
    unknown = {
        i for i in named
        if i not in derived and (i not in shown or not is_number(shown[i]))
    }
    hidden = {i for i in unknown if shown.get(i) == SUPPRESSED}
    groups = _group(relations, unknown)
    focus = None
    if only is not None:
        only = set(only)
        focus = set(only)
        for r in relations:
            if r.kind == "pct" and r.total in only:
                focus |= {p for p, _ in r.parts}
    exact = {p for r in relations if r.kind == "pct" and shown.get(r.total) == SUPPRESSED for p, _ in r.parts}
    findings: list[Finding] = []
    ranges: dict[str, tuple] = {}
    for rels in groups.values():
        variables = sorted({i for r in rels for i in r.ids if i in unknown})
        if focus is not None and not focus & set(variables):
            continue
        ids = sorted({i for r in rels for i in r.ids})
        memo = (tuple(rels), tuple(repr(shown.get(i, "?")) for i in ids),
                None if focus is None else frozenset(focus & set(variables)), frozenset(exact & set(variables)))
        got = _MEMO.get(memo)
        if got is None:
            eq, ub = _linear_rows(rels, shown, set(variables))
            lower = {v: 1.0 if v in hidden else 0.0 for v in variables}
            got = _ranges(variables, eq, ub, lower, focus, hidden, exact)
            if len(_MEMO) > 20000:
                _MEMO.clear()
            _MEMO[memo] = got
        if got is None:
            raise InconsistentFigures(
                "The published figures contradict a relation among: "
                + "; ".join(r.describe() for r in rels[:6])
            )
        ranges.update(got)
    for v, (low, high) in ranges.items():
        if is_safe(low, high, v in hidden):
            continue
        lo, hi = _integer_range(low, high)
        findings.append(Finding(v, lo, hi, v in hidden, _giveaway(v, relations, shown, unknown)))
    for r in relations:
        if r.kind == "pct" and shown.get(r.total) == SUPPRESSED:
            if only is not None and r.total not in only:
                continue
            (num, _), (den, _) = r.parts
            n, d = _known(num, shown, ranges), _known(den, shown, ranges)
            if n is not None and d is not None:
                findings.append(Finding(r.total, 0, 0, True, [r]))
                findings[-1].low = findings[-1].high = round(100 * n / d, 1) if d else 0
    return findings


def _known(cell, shown, ranges):
    if is_number(shown.get(cell)):
        return shown[cell]
    if cell in ranges:
        lo, hi = _integer_range(*ranges[cell])
        if hi is not None and lo == hi:
            return lo
    return None


def _giveaway(cell, relations, shown, unknown) -> list[Relation]:
    """The relations that give a cell away: those naming it whose other figures are all
    published; failing that, every relation naming it."""
    naming = [r for r in relations if cell in r.ids and r.kind != "base"]
    direct = [
        r for r in naming
        if all((i == cell) or (i not in unknown and (is_number(shown.get(i)) or r.kind != "pct")) for i in r.ids)
        and (r.kind != "pct" or is_number(shown.get(r.total)))
    ]
    return direct or naming


# ------------------------------------------------------------------------- secondary


def _rank(relations) -> dict[str, int]:
    """0 for a detail cell, 1 for a subtotal, 2 for a total that is part of nothing."""
    totals = {r.total for r in relations if r.kind == "sum" and len(r.parts) > 1}
    parts = {p for r in relations if r.kind == "sum" for p, _ in r.parts}
    return {t: (1 if t in parts else 2) for t in totals}


def static_groups(relations: Iterable[Relation]) -> list[list[Relation]]:
    """Relations split into groups that share no figure at all: each can be suppressed and
    audited on its own, whatever is hidden."""
    relations = list(relations)
    comps = _Components()
    for r in relations:
        for a, b in zip(r.ids, r.ids[1:], strict=False):
            comps.union(a, b)
        comps.find(r.total)
    groups: dict[str, list[Relation]] = {}
    for r in relations:
        groups.setdefault(comps.find(r.total), []).append(r)
    return list(groups.values())


def protect(
    values: Mapping[str, object],
    relations: Iterable[Relation],
    hidden: Iterable[str],
    published: Iterable[str] | None = None,
    max_rounds: int = 2000,
) -> set[str]:
    """Secondary suppression: ``hidden`` grown until :func:`audit` finds nothing.

    ``values``: every cell's true value (and unseen figures, unused here); ``published``: the
    cells the pages show (default: every key of ``values``). Works group by group
    (:func:`static_groups`). First the classic pass: in a line (a total and its parts) with
    one hidden cell, hide the cheapest other cell. Then the audit decides: each round takes
    one finding and hides the cheapest published cell next to it (in a relation with it, or
    one step further) whose loss clears that finding, or failing that the cheapest such
    cell. Cost: detail cells before subtotals before totals, then percentages; smaller first.
    """
    relations = list(relations)
    published = list(values) if published is None else list(published)
    hidden = set(hidden)
    rank = _rank(relations)
    derived = {r.total for r in relations if r.kind in ("pct", "base")}
    showable = {c for c in published if is_number(values.get(c)) and values.get(c) != 0}

    def cost(cell):
        value = values.get(cell)
        return (3 if cell in derived else rank.get(cell, 0), value if is_number(value) else 0, cell)

    for group in static_groups(relations):
        ids = {i for r in group for i in r.ids}
        local = [c for c in published if c in ids]
        _protect_group(values, group, hidden, local, showable, cost, max_rounds)
    return hidden


def _protect_group(values, relations, hidden, published, showable, cost, max_rounds):
    def view(extra=()):
        return {c: (SUPPRESSED if c in hidden or c in extra else values.get(c)) for c in published}

    by_cell: dict[str, list[Relation]] = {}
    for r in relations:
        for i in r.ids:
            by_cell.setdefault(i, []).append(r)

    # the classic pass: a line with exactly one hidden cell loses its cheapest other cell
    sums = [r for r in relations if r.kind == "sum" and len(r.parts) > 1]
    shown_set = set(published)
    changed = True
    while changed:
        changed = False
        for r in sums:
            if not all(i in shown_set for i in r.ids):
                continue  # a line with an unseen figure (a complement) is left to the audit
            members = [i for i in r.ids if values.get(i) != 0]
            if sum(m in hidden for m in members) == 1:
                others = sorted((set(members) & showable) - hidden, key=cost)
                if others:
                    hidden.add(others[0])
                    changed = True

    def candidates_near(cell):
        """The published cells nearest the finding: in a relation with it, else one step
        further, and so on."""
        ring, seen = {cell}, {cell}
        while ring:
            ring = {i for c in ring for r in by_cell.get(c, []) for i in r.ids} - seen
            seen |= ring
            found = sorted((showable & ring) - hidden, key=cost)
            if found:
                return found
        return []

    for _ in range(max_rounds):
        findings = audit(view(), relations)
        if not findings:
            return
        target = findings[0]
        candidates = candidates_near(target.cell)
        if not candidates:
            raise InconsistentFigures(f"Cannot protect {target.describe()}: no published figure is left to hide.")
        chosen = candidates[0]
        for cand in candidates[:12]:
            again = audit(view({cand}), relations, only=[target.cell])
            if not any(f.cell == target.cell for f in again):
                chosen = cand
                break
        hidden.add(chosen)
    raise InconsistentFigures("Secondary suppression did not settle.")


def suppress(
    values: Mapping[str, object],
    relations: Iterable[Relation],
    about_one: Iterable[str] = (),
    published: Iterable[str] | None = None,
) -> tuple[dict[str, object], dict[str, str]]:
    """Primary then secondary suppression: (the published cells with ``c`` where hidden,
    cell -> reason it is hidden)."""
    relations = list(relations)
    published = list(values) if published is None else list(published)
    reasons = primary(values, relations, about_one, published)
    hidden = protect(values, relations, reasons, published)
    for cell in hidden - set(reasons):
        reasons[cell] = "secondary: it would let a hidden figure be worked out"
    shown = {c: (SUPPRESSED if c in hidden else values.get(c)) for c in published}
    return shown, reasons

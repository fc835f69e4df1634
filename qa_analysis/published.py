"""The published set of a financial year: every figure its public pages show, audited once.

The unit of disclosure control is the financial year: the four quarters' pages (each topic
and the summary) and the annual page with its quarter columns repeat and add up to each
other, so their figures are suppressed together (:mod:`qa_analysis.disclosure_audit`), with
the relations of :mod:`qa_analysis.disclosure_relations`. Every public page, its sentences,
tables, charts and ``metrics.json`` then draws from :func:`published_year`: no page
suppresses on its own.

Internal reports never use this module: their figures are as computed.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .config import DEFAULT_SETTINGS, Settings
from .disclosure_audit import SUPPRESSED, Relation, audit, is_number, sum_of, suppress
from .disclosure_relations import (
    ABOUT_ONE,
    GRADE_NAMES,
    RELATIONS,
    cell,
    page_assumed_relations,
    period_relations,
    split,
    table_cells,
    year_relations,
)
from .periods import parse_year, year_quarters


@dataclass
class Published:
    """A year's published figures: ``shown`` (cell -> value or ``c``) and why each is hidden."""

    year: str
    quarters: list[str]
    values: dict = field(repr=False)
    cells: list[str] = field(repr=False)
    relations: list[Relation] = field(repr=False)
    shown: dict = field(repr=False)
    reasons: dict = field(repr=False)
    primary: set = field(default_factory=set, repr=False)
    seconds: float = 0.0

    def period_figures(self, period: str) -> dict:
        """The shown figures of one period (a quarter label or the year), by key."""
        prefix = cell(period, "")
        return {c[len(prefix):]: v for c, v in self.shown.items() if c.startswith(prefix)}

    def value(self, period: str, key: str):
        return self.shown.get(cell(period, key))

    def hidden(self) -> list[str]:
        return [c for c, v in self.shown.items() if v == SUPPRESSED]

    def counts(self) -> dict:
        hidden = set(self.hidden())
        return {
            "published": len(self.shown), "hidden": len(hidden),
            "primary": len(hidden & self.primary), "secondary": len(hidden - self.primary),
        }


def _unseen_values(figures: dict, counts: dict) -> dict:
    """The unseen numerators and denominators of a period's percentages (registry base
    counts), from each rate's own counts; grade sums are added up directly."""
    out: dict = {}
    for key, spec in RELATIONS.items():
        if "numerator" not in spec or key not in figures or key not in counts:
            continue
        numerator, denominator = counts[key]
        for name, value in ((spec["numerator"], numerator), (spec["denominator"], denominator)):
            if name not in figures and is_number(value):
                out[name] = int(value)
    for key, spec in RELATIONS.items():
        if "rests_on" in spec and key in figures and key in counts and spec["rests_on"] not in figures:
            if is_number(counts[key][1]):
                out.setdefault(spec["rests_on"], int(counts[key][1]))
    grades = {k: v for k, v in figures.items() if k.startswith("audits.grade.") and is_number(v)}
    if grades:
        out["audits.graded"] = int(sum(grades.values()))
        out["audits.graded_good_or_better"] = int(
            grades.get("audits.grade.outstanding", 0) + grades.get("audits.grade.good", 0)
        )
    return out


def _rate_counts(data, period, settings: Settings) -> dict:
    """pct or median key -> (numerator, denominator) for one period, topics loaded only."""
    from .metrics import registry

    out = {}
    for m in registry.REGISTRY.values():
        if m.kind == "count" or m.counts is None or not m.available(data):
            continue
        try:
            out[m.key] = tuple(m.rate(data, period, settings)[1:])
        except Exception:  # noqa: BLE001 - a rate its tables cannot give is left unseen
            continue
    return out


def _with_not_recorded(figures: dict) -> dict:
    """Add ``contacts.source.not_recorded`` (contacts with a blank source) so sources add up."""
    if "contacts.total" in figures and is_number(figures["contacts.total"]):
        sources = sum(v for k, v in figures.items() if k.startswith("contacts.source.") and is_number(v))
        return {**figures, "contacts.source.not_recorded": int(figures["contacts.total"] - sources)}
    return figures


def page_cells(data, quarter, settings: Settings = DEFAULT_SETTINGS) -> dict:
    """The figures of a quarter's page tables that are not catalogue keys (keys as
    :data:`qa_analysis.disclosure_relations.TABLE_KEYS` names them and
    :func:`qa_analysis.disclosure_relations.page_relations` reads them).

    Zeros are cells too: a table shows them, and a reader knows them."""
    from .metrics import audits as audit_metrics
    from .metrics import referrals as referral_metrics
    from .metrics import visits as visit_metrics

    out: dict = {}
    if data.visits is not None and visit_metrics.modality_recorded(data.visits):
        by_month = visit_metrics.visits_by_month(data.visits, quarter.start, quarter.end)
        for row in by_month.itertuples(index=False):
            out[f"visits.month.{row.month:%Y-%m}.{row.modality}"] = int(row.visits)
    if data.contacts is not None:
        by_month = referral_metrics.contacts_by_month(data.contacts, quarter.start, quarter.end)
        out |= {f"contacts.month.{row.month:%Y-%m}": int(row.contacts) for row in by_month.itertuples(index=False)}
    out |= _tables_of_period(data, quarter, settings)
    if data.case_audits is not None:
        activity = audit_metrics.audit_activity(data.case_audits, quarter.start, quarter.end, families=data.families)
        for n, row in enumerate(activity.itertuples(index=False), start=1):
            for column in ("cases", "families", *GRADE_NAMES):
                out[f"audits.activity.{n}.{column}"] = int(getattr(row, column))
        for audit_type, cases in activity.groupby("audit_type")["cases"].sum().items():
            out[f"audits.cases_by_type.{audit_type}"] = int(cases)
    if data.recommendations is not None:
        status = audit_metrics.recommendations_by_status(data.recommendations, quarter)
        out |= {k: v for k, v in table_cells("recommendations_by_status", status, ["recommendations"]).items()
                if k != "recommendations.overdue_at_quarter_end"}
        ages = audit_metrics.overdue_by_age(data.recommendations, quarter)
        out |= table_cells("overdue_by_age", ages, ["recommendations"])
    return out


def year_page_cells(data, year, settings: Settings = DEFAULT_SETTINGS) -> dict:
    """The figures of the annual page's tables over the whole year that are not catalogue
    keys (the tables by quarter use the quarters' cells)."""
    from .periods import FinancialYear

    out = _tables_of_period(data, FinancialYear(parse_year(year)), settings)
    if data.recommendations is not None:
        from .annual import recommendations_by_quarter

        sdp = recommendations_by_quarter(data, year, settings)["raised_to_sdp"]
        out["recommendations.raised_to_sdp"] = int(sdp.sum())
    return out


def _tables_of_period(data, period, settings: Settings) -> dict:
    """The cells of the tables both a quarter's pages and the annual page show for their
    whole period (the profile: the four quarters to a quarter, or the year)."""
    from .metrics import audits as audit_metrics
    from .metrics import placements as placement_metrics
    from .metrics import referrals as referral_metrics
    from .present import band_family_sizes

    out: dict = {}
    if data.contacts is not None:
        sizes = referral_metrics.families_by_children_contacted(data.contacts, period, families=data.families)
        out |= table_cells("family_sizes", band_family_sizes(sizes), ["families"])
        if data.referrals is not None and data.assessments is not None:
            funnel = referral_metrics.referral_funnel(data.contacts, data.referrals, data.assessments, period, settings)
            out |= {k: v for k, v in table_cells("referral_funnel", funnel, ["count"]).items()
                    if k in ("assessments.started", "contacts.followed_by_referral")}
    if data.assessments is not None:
        bands = referral_metrics.assessment_duration_bands(data.assessments, period)
        out |= table_cells("duration_bands", bands, ["assessments"])
    if data.episodes is not None:
        transitions = placement_metrics.transitions_matrix(data.episodes, period.start, period.end, settings)
        out |= table_cells("transitions", transitions, ["moves"])
        if data.header is not None:
            first = period.previous(3).start if hasattr(period, "previous") else period.start
            profile = placement_metrics.foster_to_semi_independent_profile(
                data.episodes, data.header, first, period.end, settings)
            out |= table_cells("semi_profile", profile, ["children"])
    if data.case_audits is not None:
        by_domain = audit_metrics.grades_by_domain(data.case_audits, period)
        out |= {k: v for k, v in table_cells("grades_by_domain", by_domain, ["audits"]).items()
                if k.startswith("audits.domain.")}
        by_pct = audit_metrics.pct_good_or_better_by_domain(data.case_audits, period)
        for row in by_pct.itertuples(index=False):
            if row.domain == "overall":
                out["audits.graded"] = int(row.graded)
            else:
                out[f"audits.domain.{row.domain}.graded"] = int(row.graded)
                out[f"audits.domain.{row.domain}.pct_good_or_better"] = row.pct_good_or_better
    if data.recommendations is not None:
        by_theme = audit_metrics.recommendations_by_theme(data.recommendations, period.start, period.end)
        out |= table_cells("recommendations_by_theme", by_theme, ["raised", "completed", "open_at_end", "overdue_at_end"])
    return out


def page_unseen(figures: dict) -> dict:
    """Unseen figures of the page tables a reader can reason about: each domain's grades
    good or better (the numerator of its percentage)."""
    out = {}
    for key in figures:
        if key.startswith("audits.domain.") and key.endswith(".graded"):
            domain = key.split(".")[2]
            out[f"audits.domain.{domain}.good_or_better"] = int(
                figures.get(f"audits.domain.{domain}.outstanding", 0) + figures.get(f"audits.domain.{domain}.good", 0))
    return out


def year_values(data, year, settings: Settings = DEFAULT_SETTINGS) -> tuple[dict, dict[str, list[str]], list[str]]:
    """(cell -> true value, period -> keys published, published cells) for a year's pages."""
    from .annual import QUARTER_COLUMNS, year_figures, year_label

    label = year_label(year)
    quarters = year_quarters(parse_year(label))
    figures = year_figures(data, label, settings)
    by_period = {q.label: {k: v[col] for k, v in figures.items()} for q, col in zip(quarters, QUARTER_COLUMNS, strict=True)}
    by_period[label] = {k: v["year"] for k, v in figures.items()}
    from .metrics import registry
    from .periods import FinancialYear

    bases = {q.label: _rate_counts(data, q, settings) for q in quarters}
    year_counts = _rate_counts(data, FinancialYear(parse_year(label)), settings)
    for key in list(year_counts):  # a year-end rate rests on Q4's counts
        if registry.get(key).year_rule == "q4" and key in bases[quarters[-1].label]:
            year_counts[key] = bases[quarters[-1].label][key]
    bases[label] = year_counts
    values: dict = {}
    keys: dict[str, list[str]] = {}
    published: list[str] = []
    for quarter in quarters:
        by_period[quarter.label] |= page_cells(data, quarter, settings)
    by_period[label] |= year_page_cells(data, label, settings)
    for period, period_figures in by_period.items():
        period_figures = _with_not_recorded(period_figures)
        keys[period] = list(period_figures)
        for key, value in period_figures.items():
            values[cell(period, key)] = value
            published.append(cell(period, key))
        for key, value in (_unseen_values(period_figures, bases[period]) | page_unseen(period_figures)).items():
            values[cell(period, key)] = value
        profile = [v for k, v in period_figures.items() if k.startswith("placements.semi_profile.sex.")]
        if profile:
            values[cell(period, "placements.semi_profile_children")] = int(sum(profile))
    return values, keys, published


def year_relations_all(label: str, quarters: list[str], keys: dict[str, list[str]]) -> list[Relation]:
    relations: list[Relation] = []
    for period in [*quarters, label]:
        relations += period_relations(period, keys[period])
    relations += year_relations(label, quarters, keys)
    return relations


def holds(relation: Relation, values: dict) -> bool:
    """True when a sum relation holds on the true figures (every cell known)."""
    ids = relation.ids
    if relation.kind != "sum" or not all(is_number(values.get(i)) for i in ids):
        return False
    return abs(values[relation.total] - sum(coef * values[p] for p, coef in relation.parts)) < 1e-9


_CACHE: dict = {}


def published_year(data, year, settings: Settings = DEFAULT_SETTINGS) -> Published:
    """The audited public figures of a financial year (cached per loaded data and settings)."""
    from .annual import year_label

    label = year_label(year)
    key = (id(data), label, settings)
    if key in _CACHE:
        return _CACHE[key][1]
    on_disk = _disk_path(data, label, settings)
    if on_disk is not None and on_disk.exists():
        try:
            result = pickle.loads(on_disk.read_bytes())
            _CACHE[key] = (data, result)
            return result
        except Exception:  # noqa: BLE001 - a stale or partial cache file is recomputed
            pass
    started = time.perf_counter()
    values, keys, published = year_values(data, label, settings)
    quarters = [q.label for q in year_quarters(parse_year(label))]
    relations = year_relations_all(label, quarters, keys)
    # A reader may take each child to be audited once in a quarter; where that is true the
    # cases of the audits add up to the children audited, and the solver protects that too.
    for period in quarters:
        cases, children = cell(period, "audits.cases"), cell(period, "audits.children")
        activity = [v for c, v in values.items() if c.startswith(cell(period, "audits.activity.")) and c.endswith(".cases")]
        if activity and values.get(children) == sum(activity):
            relations.append(sum_of(children, [cases]))
    for period in [*quarters, label]:
        relations += [r for r in page_assumed_relations(period, keys[period]) if holds(r, values)]
    allow_one = bool(getattr(settings, "publish_single_family_figures", False))
    about_one = [] if allow_one else [c for c in published if split(c)[1] in ABOUT_ONE]
    from .disclosure_audit import primary

    first = set(primary(values, relations, about_one, published))
    shown, reasons = suppress(values, relations, about_one, published)
    result = Published(label, quarters, values, published, relations, shown, reasons, first,
                       time.perf_counter() - started)
    if len(_CACHE) > 16:
        _CACHE.clear()
    _CACHE[key] = (data, result)
    if on_disk is not None:
        try:
            on_disk.parent.mkdir(parents=True, exist_ok=True)
            tmp = on_disk.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(pickle.dumps(result))
            os.replace(tmp, on_disk)
        except OSError:
            pass
    return result


def _disk_path(data, label: str, settings: Settings) -> Path | None:
    """A cache file for a year's published set, shared by the report workers of one run:
    keyed on the data files (name, size, modification time), the settings, the year and
    every module of this package, so any change computes it afresh. None for data not from files."""
    files = getattr(data, "files", None)
    if not files:
        return None
    digest = hashlib.sha256()
    try:
        for table, path in sorted(files.items()):
            stat = Path(path).stat()
            digest.update(f"{table}:{Path(path).resolve()}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    except OSError:
        return None
    digest.update(repr(settings).encode())
    digest.update(label.encode())
    for module in sorted(Path(__file__).parent.rglob("*.py")):  # any change to a figure or a rule
        digest.update(module.read_bytes())
    return Path(tempfile.gettempdir()) / "qa-analysis-published" / f"{digest.hexdigest()[:32]}.pickle"


def audit_published(result: Published):
    """Re-run the audit on a published set (a check; :func:`published_year` already passes it)."""
    return audit(result.shown, result.relations)


def published_period(period: str, metrics: dict, bases: dict, settings: Settings = DEFAULT_SETTINGS) -> Published:
    """The audited set of one period's figures alone (its metrics and bases, no data folder):
    what a page built from given figures publishes."""
    figures = _with_not_recorded(dict(metrics))
    values = {cell(period, k): v for k, v in figures.items()}
    # bases: rate key -> its denominator; a reader recovers the numerator as pct x base / 100
    counts = {
        k: (round(figures[k] * b / 100) if is_number(figures.get(k)) and ".pct_" in k else None, b)
        for k, b in bases.items() if is_number(b)
    }
    values |= {cell(period, k): v for k, v in _unseen_values(figures, counts).items()}
    published = [cell(period, k) for k in figures]
    relations = period_relations(period, list(figures))
    allow_one = bool(getattr(settings, "publish_single_family_figures", False))
    about_one = [] if allow_one else [c for c in published if split(c)[1] in ABOUT_ONE]
    from .disclosure_audit import primary

    first = set(primary(values, relations, about_one, published))
    shown, reasons = suppress(values, relations, about_one, published)
    return Published(period.split(" ", 1)[0], [period], values, published, relations, shown, reasons, first)


def published_metrics(data, quarter, settings: Settings, metrics: dict) -> tuple[dict, dict]:
    """A public quarter's ``metrics.json`` figures: (catalogue keys as published, the other
    published cells of that quarter, e.g. ``contacts.source.not_recorded``).

    A key the year's published set does not hold is shown as ``c``: it was never audited.
    """
    from .periods import parse_quarter

    quarter = parse_quarter(quarter)
    figures = published_year(data, quarter.year, settings).period_figures(quarter.label)
    shown = {k: figures.get(k, SUPPRESSED) if metrics[k] is not None else None for k in metrics}
    extra = {k: v for k, v in figures.items() if k not in metrics}
    return shown, extra


def annual_metrics(data, year, settings: Settings = DEFAULT_SETTINGS, audience: str = "internal") -> dict:
    """The annual report's ``metrics.json``: the year figures and each quarter's, so the
    annual page can be audited with its quarters like any other."""
    from .annual import year_figures, year_label, year_window

    label = year_label(year)
    window = year_window(label)
    quarters = [q.label for q in year_quarters(parse_year(label))]
    payload = {"year": label, "start": window.start.date().isoformat(), "end": window.end.date().isoformat()}
    if audience == "public":
        published = published_year(data, label, settings)
        payload["metrics"] = published.period_figures(label)
        payload["quarters"] = {q: published.period_figures(q) for q in quarters}
    else:
        figures = year_figures(data, label, settings)
        payload["metrics"] = {k: v["year"] for k, v in figures.items()}
        payload["quarters"] = {
            q: {k: v[col] for k, v in figures.items()} for q, col in zip(quarters, ("q1", "q2", "q3", "q4"), strict=True)
        }
    payload["audience"] = audience
    return payload

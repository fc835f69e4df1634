"""The year's figures for the Quality Assurance annual report (issue 7; DESIGN sections 4 and 5).

Figures only: the sentences are in :mod:`qa_analysis.annual_text`, the report's sections in
:mod:`qa_analysis.paper` (issue 15). With an audit programme (audits.csv) the figures of the
committee paper are here too: each audit of the year with its cases, families and grades
(:func:`audit_programme`), the grade profile by domain, the recommendations by route and
who they were shared with, and the themes that recur across audits.

Every year figure is built from the quarterly definitions of DESIGN section 4, in one of
four ways, stated beside it in :func:`year_summary` (column ``how``):

- **sum**: a count of events dated in the quarter (visits, contacts, referrals,
  assessments completed, moves, grades given, recommendations raised or completed) adds
  up over the year: the year value is the sum of the four quarters.
- **distinct**: a count of distinct things (children, families, audits) is counted once
  over the whole year, by applying the quarterly definition to the window 1 April to
  31 March. It is NOT the sum of the quarters: a child visited in every quarter is one
  child in the year.
- **pooled**: a percentage or median is recomputed on the year's records (the quarterly
  definition applied to the year's window), never averaged over the quarters.
- **year end**: a position at a date (children looked after at the quarter end, 3+
  placements in 12 months, long-term stability, recommendations open / overdue / in the
  Service Development Plan at the quarter end) takes its Q4 value, the position at
  31 March.

"Applied to the year's window" means the metric function is called with
:func:`year_window`, a period whose start is 1 April and end 31 March, so the definition
in its docstring is used unchanged. Nothing here returns child-level rows.
"""

from __future__ import annotations

import pandas as pd

from .config import DEFAULT_SETTINGS, Settings
from .disclosure import SUPPRESSED, apply_audience_to_metrics, suppress_count, suppress_table
from .metrics import audits, placements, referrals, registry, visits
from .metrics._common import in_quarter
from .metrics.bases import metric_bases
from .periods import Quarter, parse_year, year_quarters
from .present import format_count, format_pct

__all__ = [
    "DISTINCT",
    "HEADLINES",
    "POOLED",
    "SUM",
    "YEAR_END",
    "activity_outside_programme",
    "audit_activity_by_quarter",
    "audit_programme",
    "grade_profile",
    "has_programme",
    "recommendation_routes",
    "recurring_themes",
    "shared_with",
    "cases_by_quarter_and_type",
    "figure_value",
    "for_audience",
    "how_year_is_built",
    "quarter_series",
    "recommendations_by_quarter",
    "recommendations_by_quarter_for_audience",
    "recommendations_by_theme",
    "recommendations_status_by_quarter",
    "summary_table",
    "year_figures",
    "year_label",
    "year_rule",
    "year_summary",
    "year_summary_for_audience",
    "year_window",
]

SUM, DISTINCT, POOLED, YEAR_END = "sum", "distinct", "pooled", "year end"
QUARTER_COLUMNS = ("q1", "q2", "q3", "q4")
SERVICE_DEVELOPMENT_PLAN = "service_development_plan"

# Short words for the summary table's "how" column; the long form for the report's section.
HOW = {
    SUM: "Sum of the quarters",
    DISTINCT: "Counted once in the year",
    POOLED: "Recomputed on the year",
    YEAR_END: "Year-end (Q4) value",
}
HOW_LONG = {
    SUM: "a count of events dated in the period (visits, contacts, referrals, moves, grades "
    "given, recommendations raised or completed): the year figure is the sum of the four quarters",
    DISTINCT: "a count of distinct children, families or audits: counted once over the whole year, "
    "1 April to 31 March, so it is not the sum of the quarters (a child visited in every quarter "
    "is one child in the year)",
    POOLED: "a percentage or median: recomputed on all the year's records with the quarterly "
    "definition, never an average of the four quarterly percentages",
    YEAR_END: "a position at a date (open or overdue recommendations, children looked after, "
    "3+ placements in 12 months, long-term stability): the value at 31 March, the end of Q4",
}

# How a year figure is built, by the registry's name for the rule (metrics/registry.py, the
# one place a metric declares it, with its label): issue 12.
_REGISTRY_RULES = {"sum": SUM, "distinct": DISTINCT, "recompute": POOLED, "q4": YEAR_END}


# Counts that add up to another figure in the same column, for secondary suppression.
_ADDITIVE = (
    ("visits.total", ("visits.face_to_face", "visits.virtual")),
    ("visits.total", ("visits.method.",)),
    ("placements.moves", ("placements.reason.",)),
    (None, ("audits.grade.",)),
    (None, ("contacts.source.",)),
)


class _YearWindow(Quarter):
    """A financial year posing as a period: 1 April to 31 March (see :func:`year_window`)."""

    @property
    def start(self) -> pd.Timestamp:
        return Quarter(self.year, 1).start

    @property
    def end(self) -> pd.Timestamp:
        return Quarter(self.year, 4).end

    @property
    def label(self) -> str:
        return self.financial_year


def year_window(year: str | int) -> Quarter:
    """The financial year as a period any quarterly metric function accepts.

    Its ``start`` is 1 April and its ``end`` 31 March, so ``visits.children_visited``
    called with it counts the distinct children visited in the year: the quarterly
    definition applied to the year's window.
    """
    return _YearWindow(year if isinstance(year, int) else parse_year(year), 4)


def year_label(year: str | int) -> str:
    """The label ``2020-21``, given 2020, ``"2020-21"`` or ``"2020/21"``."""
    return year_window(year).financial_year


def _metric(key: str):
    """The registry's metric of a catalogue key or code key; None for any other key."""
    return registry.get(key) if registry.is_known(key) else None


def year_rule(key: str) -> str | None:
    """How the year value of a catalogue key is built: SUM, DISTINCT, POOLED or YEAR_END
    (the metric's ``year_rule`` in the registry); None for a key outside the catalogue."""
    metric = _metric(key)
    return _REGISTRY_RULES[metric.year_rule] if metric is not None else None


def _is_code_key(key: str) -> bool:
    """True for one code's key of a pattern (``visits.method.zoom``): absent means 0 there."""
    metric = _metric(key)
    return metric is not None and metric.code_of(key) is not None


def _label(key: str) -> str:
    """The registry's short label of a key (a code key's adds its code); the key otherwise."""
    metric = _metric(key)
    return metric.label_for(key) if metric is not None else key


def _period_figures(data, period: Quarter, settings: Settings) -> dict:
    """Every catalogue key the loaded tables allow for one period (a quarter or the window).

    Unlike ``metrics.quarter_metrics`` a topic is not dropped whole when one of its tables
    is absent: recommendations still count without case_audits, and so on.
    """
    figures: dict = {}
    if data.visits is not None:
        figures |= visits.visits_metrics(data.visits, period, settings)
    if any(getattr(data, t) is not None for t in ("contacts", "referrals", "assessments")):
        figures |= referrals.referrals_metrics(
            data.contacts, data.referrals, data.assessments, period,
            families=data.families, settings=settings,
        )
    if data.episodes is not None and data.header is not None:
        figures |= placements.placement_metrics(data.episodes, data.header, period, settings)
    if data.case_audits is not None or data.recommendations is not None:
        figures |= audits.audits_metrics(
            data.case_audits, data.recommendations, period, families=data.families
        )
    return figures


def year_figures(data, year: str | int, settings: Settings = DEFAULT_SETTINGS) -> dict[str, dict]:
    """Key -> {"q1".."q4", "year"}: each quarter's value and the year value built by its rule.

    SUM keys: year = q1 + q2 + q3 + q4 (a code absent from a quarter counts 0 there);
    DISTINCT and POOLED keys: the quarterly definition applied to :func:`year_window`;
    YEAR_END keys: year = q4. Keys without a rule are left out.
    """
    quarters = year_quarters(year_window(year).year)
    by_quarter = [_period_figures(data, q, settings) for q in quarters]
    whole_year = _period_figures(data, year_window(year), settings)
    keys = list(dict.fromkeys(k for figures in [*by_quarter, whole_year] for k in figures))
    result = {}
    for key in keys:
        rule = year_rule(key)
        if rule is None:
            continue
        coded = _is_code_key(key)
        values = {
            col: figures.get(key, 0 if coded else None)
            for col, figures in zip(QUARTER_COLUMNS, by_quarter, strict=True)
        }
        if rule == SUM:
            present = [v for v in values.values() if v is not None]
            values["year"] = int(sum(present)) if present else None
        elif rule == YEAR_END:
            values["year"] = values["q4"]
        else:
            values["year"] = whole_year.get(key)
        result[key] = values
    return result


def year_summary(
    data, year: str | int, settings: Settings = DEFAULT_SETTINGS, keys=None
) -> pd.DataFrame:
    """The year's figures: one row per catalogue key the data allow (or per ``keys``).

    Columns: ``key``, ``figure`` (plain words), ``q1`` .. ``q4``, ``year`` and ``how`` (the
    rule of the module docstring that builds the year value from the quarterly definition).
    Values are numbers, or None where a percentage has no denominator.
    """
    figures = year_figures(data, year, settings)
    chosen = [k for k in (keys if keys is not None else figures) if k in figures]
    rows = [
        {"key": k, "figure": _label(k), **figures[k], "how": HOW[year_rule(k)]} for k in chosen
    ]
    # object columns keep counts as ints beside None (a float column would make 12 read 12.0)
    return pd.DataFrame(rows, columns=["key", "figure", *QUARTER_COLUMNS, "year", "how"], dtype=object)


def _year_bases(data, year, settings: Settings) -> dict:
    """The count each year percentage rests on: the window's for pooled keys, Q4's for
    year-end keys (as ``metrics.bases.metric_bases``)."""
    window = metric_bases(data, year_window(year), settings)
    at_end = metric_bases(data, year_quarters(year_window(year).year)[-1], settings)
    return {k: (at_end if year_rule(k) == YEAR_END else window).get(k) for k in {*window, *at_end}}


def _matches(key: str, parts) -> bool:
    return any(key == p or (p.endswith(".") and key.startswith(p)) for p in parts)


def year_summary_for_audience(
    summary: pd.DataFrame, data, year: str | int, audience: str, settings: Settings = DEFAULT_SETTINGS
) -> pd.DataFrame:
    """``summary`` as the audience may see it (DESIGN section 5; domain.md 6).

    ``internal``: unchanged. ``public``: in each quarter column and the year column, counts
    1 to 5 become ``c`` and percentages resting on such a count (that period's bases)
    become ``c``; then secondary suppression where a suppressed count could be worked out
    by subtraction: along each SUM row (the quarters add up to the year) and down the
    columns of counts that add up (face to face + virtual = visits; methods = visits;
    reasons = moves; grades; sources).
    """
    if audience == "internal":
        return summary
    if data is not None and getattr(data, "files", None) is not None:
        # issue 13: the year's audited published set, the same figures every public page shows
        from .published import published_year

        published = published_year(data, year, settings)
        periods = [q.label for q in year_quarters(year_window(year).year)] + [year_label(year)]
        out = summary.copy()
        for column, period in zip([*QUARTER_COLUMNS, "year"], periods, strict=True):
            figures = published.period_figures(period)
            out[column] = pd.Series(
                [figures.get(k, SUPPRESSED) if v is not None else None for k, v in zip(out["key"], out[column], strict=True)],
                index=out.index, dtype=object,
            )
        return out
    quarters = year_quarters(year_window(year).year)
    out = summary.set_index("key")
    value_columns = [*QUARTER_COLUMNS, "year"]
    for column, period in zip(value_columns, [*quarters, None], strict=True):
        bases = _year_bases(data, year, settings) if period is None else metric_bases(data, period, settings)
        shown = apply_audience_to_metrics(out[column].to_dict(), audience, bases)
        out[column] = pd.Series(shown, dtype=object).reindex(out.index)
    sums = [k for k in out.index if year_rule(k) == SUM]
    for _ in range(5):  # until nothing changes: each pass can free new lines to check
        before = out[value_columns].astype(str).to_numpy().tolist()
        for total, parts in _ADDITIVE:
            members = [k for k in out.index if _matches(k, parts)]
            rows = members + ([total] if total in out.index else [])
            if len(members) < 2:
                continue
            table = suppress_table(
                out.loc[rows, value_columns], list(QUARTER_COLUMNS), total_col="year",
                total_row=total if total in out.index else None,
            )
            out.loc[rows, value_columns] = table
        if sums:
            table = suppress_table(
                out.loc[sums, value_columns], list(QUARTER_COLUMNS), total_col="year",
                column_totals=False,
            )
            out.loc[sums, value_columns] = table
        if out[value_columns].astype(str).to_numpy().tolist() == before:
            break
    return out.reset_index()[summary.columns]


def figure_value(summary: pd.DataFrame, key: str, column: str = "year"):
    """One value of a (possibly audience-applied) summary; None when the key is absent."""
    row = summary.loc[summary["key"] == key]
    return None if row.empty else row[column].iloc[0]


def how_year_is_built() -> dict[str, str]:
    """Short rule name (as in the summary table) -> the plain sentence explaining it."""
    return {HOW[rule]: words for rule, words in HOW_LONG.items()}


# ------------------------------------------------------------------ audit activity


def audit_activity_by_quarter(data, year: str | int) -> pd.DataFrame:
    """Each audit of the year, as ``metrics.audits.audit_activity`` over 1 April to 31 March.

    Columns ``quarter``, ``month``, ``audit_type``, ``theme``, ``cases`` (distinct
    children), ``families`` (distinct families: families.csv, else the child alone) and the
    overall grades ``outstanding``, ``good``, ``requires_improvement``, ``inadequate``
    (all 0 for an ungraded audit). No audit, child or family identifiers. Empty (same
    columns) when case_audits.csv is absent.
    """
    window = year_window(year)
    if data.case_audits is None:
        return audits.audit_activity(
            pd.DataFrame({c: pd.Series(dtype="object") for c in _CASE_AUDIT_COLUMNS}).astype(
                {"audit_date": "datetime64[ns]"}
            ),
            window.start, window.end,
        )
    return audits.audit_activity(data.case_audits, window.start, window.end, families=data.families)


_CASE_AUDIT_COLUMNS = (
    "audit_id", "audit_date", "audit_type", "theme", "child_id", "family_id", "auditor", "domain", "grade",
)
# ------------------------------------------------------------------ the audit programme (issue 15)

PROGRAMME_COLUMNS = (
    "completed", "month", "audit_type", "theme", "auditor", "method", "selection",
    "practice_from", "practice_to", "prompted_by", "findings", "areas_for_development",
    "cases", "families", "largest_family", "outstanding", "good", "requires_improvement", "inadequate",
)
_GRADE_COLUMNS = ("outstanding", "good", "requires_improvement", "inadequate")


def has_programme(data) -> bool:
    """True when the data folder holds an audit programme (audits.csv) with a row."""
    return data.audits is not None and len(data.audits) > 0


def audit_programme(data, year: str | int) -> pd.DataFrame:
    """Each audit of audits.csv completed in the year (1 April to 31 March), in date order.

    Columns :data:`PROGRAMME_COLUMNS`: the audit's own row (type, theme, completed date and
    its month, auditor role, method and selection codes separated by ``;``, period of
    practice reviewed, what prompted it, findings and areas for development) and, from its
    case_audits.csv rows (linked by audit_id, whatever their dates), ``cases`` (distinct
    children), ``families`` (distinct families: families.csv, else the child alone),
    ``largest_family`` (the most children of one family among the cases) and the overall
    grades given. An audit with no case_audits rows has 0 cases. No audit,
    child or family identifier. Empty (same columns) without audits.csv.
    """
    if not has_programme(data):
        return pd.DataFrame(columns=list(PROGRAMME_COLUMNS))
    window = year_window(year)
    audits_in_year = data.audits.loc[data.audits["completed"].between(window.start, window.end)]
    rows = []
    for audit in audits_in_year.sort_values(["completed", "audit_id"], kind="mergesort").itertuples(index=False):
        counts = _audit_counts(data, audit.audit_id)
        rows.append({
            "completed": audit.completed, "month": audit.completed.to_period("M").to_timestamp(),
            "audit_type": audit.audit_type, "theme": audit.theme, "auditor": audit.auditor,
            "method": audit.method, "selection": audit.selection,
            "practice_from": audit.practice_from, "practice_to": audit.practice_to,
            "prompted_by": audit.prompted_by, "findings": audit.findings,
            "areas_for_development": audit.areas_for_development, **counts,
        })
    return pd.DataFrame(rows, columns=list(PROGRAMME_COLUMNS)).astype(
        {"completed": "datetime64[ns]", "month": "datetime64[ns]", "practice_from": "datetime64[ns]",
         "practice_to": "datetime64[ns]", "cases": "int64", "families": "int64", "largest_family": "int64",
         **dict.fromkeys(_GRADE_COLUMNS, "int64")}
    )


def _audit_counts(data, audit_id) -> dict:
    none = {"cases": 0, "families": 0, "largest_family": 0, **dict.fromkeys(_GRADE_COLUMNS, 0)}
    if data.case_audits is None:
        return none
    rows = data.case_audits.loc[data.case_audits["audit_id"].eq(audit_id).fillna(False)]
    if rows.empty:
        return none
    one = audits.audit_activity(rows, rows["audit_date"].min(), rows["audit_date"].max(), families=data.families)
    return {**{c: int(one[c].sum()) for c in ("cases", "families", *_GRADE_COLUMNS)},
            "largest_family": _largest_family(rows, data.families)}


def _largest_family(rows: pd.DataFrame, families) -> int:
    """The most distinct children of one family among an audit's cases (families as the
    audit counts them: a child with no family is its own), 0 for none. A figure about one
    family: the paper names it only where single-family figures may be published."""
    cases = audits._with_family(rows.dropna(subset=["child_id"]), families)
    return int(cases.groupby("family")["child_id"].nunique().max()) if len(cases) else 0


def activity_outside_programme(data, year: str | int) -> pd.DataFrame:
    """:func:`audit_activity_by_quarter` for the audits of the year that have no audits.csv
    row (grades only). All of them without audits.csv."""
    if not has_programme(data) or data.case_audits is None:
        return audit_activity_by_quarter(data, year)
    window = year_window(year)
    rows = data.case_audits.loc[~data.case_audits["audit_id"].isin(data.audits["audit_id"]).fillna(False)]
    return audits.audit_activity(rows, window.start, window.end, families=data.families)


def grade_profile(data, year: str | int) -> pd.DataFrame:
    """``metrics.audits.pct_good_or_better_by_domain`` over the year: ``domain``,
    ``graded``, ``good_or_better``, ``pct_good_or_better``. Empty without case_audits.csv."""
    if data.case_audits is None:
        return pd.DataFrame(columns=["domain", "graded", "good_or_better", "pct_good_or_better"])
    return audits.pct_good_or_better_by_domain(data.case_audits, year_window(year))


ROUTES = ("case", SERVICE_DEVELOPMENT_PLAN, "learning_and_development")


def recommendation_routes(data, year: str | int) -> pd.DataFrame:
    """The recommendations raised in the year by route, and where they stood on 31 March.

    One row per route (``case``, ``service_development_plan``, ``learning_and_development``,
    then ``not_recorded`` for a blank route, routes with nothing raised left out): ``raised``
    (raised_date in the year), ``completed`` (of those, completed by 31 March),
    ``completed_on_time`` (of those, on or before due_date), ``open_at_end`` (the rest) and
    ``overdue_at_end`` (open with due_date before 31 March). Empty without
    recommendations.csv.
    """
    columns = ["route", "raised", "completed", "completed_on_time", "open_at_end", "overdue_at_end"]
    recs = data.recommendations
    if recs is None:
        return pd.DataFrame(columns=columns)
    window = year_window(year)
    raised = recs.loc[recs["raised_date"].between(window.start, window.end).fillna(False)]
    done = (raised["completed_date"] <= window.end).fillna(False)
    frame = pd.DataFrame({
        "route": raised["route"].astype("string").fillna("not_recorded").astype(str),
        "raised": 1,
        "completed": done.astype("int64"),
        "completed_on_time": (done & (raised["completed_date"] <= raised["due_date"]).fillna(False)).astype("int64"),
        "open_at_end": (~done).astype("int64"),
        "overdue_at_end": (~done & (raised["due_date"] < window.end).fillna(False)).astype("int64"),
    })
    sums = frame.groupby("route")[columns[1:]].sum()
    order = [r for r in (*ROUTES, "not_recorded") if r in sums.index] + sorted(
        set(sums.index) - {*ROUTES, "not_recorded"})
    return sums.reindex(order).reset_index().astype({c: "int64" for c in columns[1:]})[columns]


def shared_with(data, year: str | int) -> list[str]:
    """Who the year's recommendations were shared with: the distinct entries of
    ``shared_with`` (several separated by ``;``) of recommendations raised in the year,
    most used first (ties in the order first written)."""
    recs = data.recommendations
    if recs is None or "shared_with" not in recs.columns:
        return []
    window = year_window(year)
    texts = recs.loc[recs["raised_date"].between(window.start, window.end).fillna(False), "shared_with"].dropna()
    entries = texts.str.split(";").explode().str.strip()
    counts = entries.loc[entries.ne("")].value_counts(sort=False)
    return list(counts.sort_values(ascending=False, kind="mergesort").index)


def recurring_themes(data, year: str | int) -> pd.DataFrame:
    """Recommendation themes raised in the year by more than one audit: ``theme``,
    ``audits`` (distinct audits raising it), ``recommendations``; most audits first, then
    alphabetical. Empty without recommendations.csv."""
    columns = ["theme", "audits", "recommendations"]
    recs = data.recommendations
    if recs is None:
        return pd.DataFrame(columns=columns)
    window = year_window(year)
    raised = recs.loc[recs["raised_date"].between(window.start, window.end).fillna(False)].dropna(subset=["theme"])
    themes = (
        raised.assign(theme=lambda d: d["theme"].astype(str).str.strip().str.lower())
        .groupby("theme", as_index=False)
        .agg(audits=("audit_id", "nunique"), recommendations=("recommendation_id", "size"))
    )
    return (
        themes.loc[themes["audits"] >= 2]
        .sort_values(["audits", "theme"], ascending=[False, True], kind="mergesort")
        .reset_index(drop=True)
        .astype({"theme": str, "audits": "int64", "recommendations": "int64"})[columns]
    )


# ------------------------------------------------------------------ recommendations


def recommendations_by_quarter(
    data, year: str | int, settings: Settings = DEFAULT_SETTINGS
) -> pd.DataFrame:
    """The year's recommendations quarter by quarter, as the audits keys of DESIGN 4.

    One row per quarter: ``quarter``; ``raised`` (raised_date in the quarter) and
    ``raised_to_sdp`` (of those, route ``service_development_plan``); ``completed``
    (completed_date in the quarter), ``completed_on_time`` (of those, completed on or
    before due_date) and ``pct_completed_on_time``; at the quarter end ``open_at_end``,
    ``overdue_at_end`` and ``sdp_open_at_end`` (open and routed to the Service Development
    Plan). ``raised`` and ``completed`` add up to the year's figures; the quarter-end
    columns do not (the year's is the Q4 row). Empty when recommendations.csv is absent.
    ``settings`` is accepted for a uniform signature.
    """
    columns = [
        "quarter", "raised", "raised_to_sdp", "completed", "completed_on_time",
        "pct_completed_on_time", "open_at_end", "overdue_at_end", "sdp_open_at_end",
    ]
    recs = data.recommendations
    if recs is None:
        return pd.DataFrame(columns=columns)
    to_sdp = recs["route"].astype("string").str.strip().str.lower().eq(SERVICE_DEVELOPMENT_PLAN)
    rows = []
    for quarter in year_quarters(year_window(year).year):
        status = audits.recommendations_by_status(recs, quarter).set_index("status")["recommendations"]
        rows.append({
            "quarter": quarter.label,
            "raised": audits.recommendations_raised(recs, quarter),
            "raised_to_sdp": int((in_quarter(recs["raised_date"], quarter) & to_sdp.fillna(False)).sum()),
            "completed": audits.recommendations_completed(recs, quarter),
            "completed_on_time": int(status["completed_on_time"]),
            "pct_completed_on_time": audits.pct_completed_on_time(recs, quarter),
            "open_at_end": audits.recommendations_open_at_quarter_end(recs, quarter),
            "overdue_at_end": audits.recommendations_overdue_at_quarter_end(recs, quarter),
            "sdp_open_at_end": audits.recommendations_to_service_development_plan(recs, quarter),
        })
    return pd.DataFrame(rows, columns=columns).astype({"pct_completed_on_time": "float64"})


def recommendations_by_theme(data, year: str | int) -> pd.DataFrame:
    """``metrics.audits.recommendations_by_theme`` over the year: ``raised`` and
    ``completed`` in the year (sums of the quarters), ``open_at_end`` and
    ``overdue_at_end`` at 31 March (year-end positions). Empty when recommendations.csv
    is absent."""
    if data.recommendations is None:
        return pd.DataFrame(columns=["theme", "raised", "completed", "open_at_end", "overdue_at_end"])
    window = year_window(year)
    return audits.recommendations_by_theme(data.recommendations, window.start, window.end)


# ------------------------------------------------------------------ presentation helpers

HEADLINES = {
    "Case audits": [
        "audits.audits", "audits.children", "audits.families", "audits.pct_good_or_better",
    ],
    "Recommendations": [
        "recommendations.raised", "recommendations.completed", "recommendations.pct_completed_on_time",
        "recommendations.open_at_quarter_end", "recommendations.overdue_at_quarter_end",
        "recommendations.service_development_plan",
    ],
    "Visits": [
        "visits.total", "visits.face_to_face", "visits.virtual", "visits.pct_face_to_face",
        "visits.children_visited", "visits.pct_seen_alone", "visits.pct_timely",
    ],
    "Contacts, referrals and assessments": [
        "contacts.total", "contacts.children", "contacts.families", "contacts.families_multi_child",
        "contacts.max_children_per_family", "referrals.total", "referrals.pct_re_referral_12m",
        "assessments.completed", "assessments.pct_within_45wd",
    ],
    "Placement stability": [
        "cla.during_quarter", "cla.at_quarter_end", "placements.moves", "placements.children_moved",
        "placements.foster_to_semi_independent", "placements.pct_3plus_12m",
        "placements.pct_long_term_stable",
    ],
}


def _shown(key: str, value) -> str:
    return format_pct(value) if ".pct_" in key else format_count(value)


def summary_table(summary: pd.DataFrame, keys) -> pd.DataFrame:
    """Rows of ``summary`` for ``keys`` (those present), every value formatted for reading
    (``1,234``, ``45.2%``, ``c``, ``not available``), with headed columns for the report."""
    rows = summary.loc[summary["key"].isin(list(keys))].set_index("key").reindex(
        [k for k in keys if k in set(summary["key"])]
    )
    values = {
        col.upper() if col.startswith("q") else "Year": [
            _shown(k, v) for k, v in rows[col].items()
        ]
        for col in [*QUARTER_COLUMNS, "year"]
    }
    return pd.DataFrame(
        {"Figure": list(rows["figure"]), **values, "How the year figure is built": list(rows["how"])}
    )


def quarter_series(summary: pd.DataFrame, keys, labels: dict | None = None) -> pd.DataFrame:
    """The quarters of ``summary`` for ``keys`` as a tidy frame (``quarter``, ``key``,
    ``value``, ``series``) for ``charts.line_chart``: the same figures as the summary
    table, so chart and table cannot disagree."""
    labels = labels or {}
    rows = [
        {"quarter": col.upper(), "key": key, "value": figure_value(summary, key, col),
         "series": labels.get(key, _label(key))}
        for key in keys if key in set(summary["key"])
        for col in QUARTER_COLUMNS
    ]
    return pd.DataFrame(rows, columns=["quarter", "key", "value", "series"])


def for_audience(frame: pd.DataFrame, audience: str, additive=(), other=()) -> pd.DataFrame:
    """A breakdown as the audience may see it. ``public``: counts 1 to 5 become ``c`` in
    ``additive`` and ``other`` columns; ``additive`` columns add up down the table to a total
    the reader knows (a year figure), so secondary suppression runs down each of them
    (never across a row, whose columns are not parts of one whole)."""
    if audience == "internal" or frame.empty:
        return frame
    shown = frame
    if additive:
        shown = suppress_table(shown, list(additive), row_totals=False, column_totals=True)
    if other:
        shown = shown.assign(**{c: shown[c].map(suppress_count) for c in other})
    return shown


def recommendations_by_quarter_for_audience(by_quarter: pd.DataFrame, audience: str) -> pd.DataFrame:
    """:func:`recommendations_by_quarter` as the audience may see it. ``public``: raised,
    raised_to_sdp, completed and completed_on_time add up over the quarters to year figures,
    so they get secondary suppression down each column; the quarter-end positions are
    suppressed cell by cell; ``pct_completed_on_time`` is ``c`` wherever its numerator or
    denominator is 1 to 5 or has been suppressed."""
    if audience == "internal":
        return by_quarter
    shown = for_audience(
        by_quarter, audience,
        additive=["raised", "raised_to_sdp", "completed", "completed_on_time"],
        other=["open_at_end", "overdue_at_end", "sdp_open_at_end"],
    )
    hidden = shown["completed"].eq(SUPPRESSED) | shown["completed_on_time"].eq(SUPPRESSED)
    return shown.assign(
        pct_completed_on_time=shown["pct_completed_on_time"].astype(object).where(~hidden, SUPPRESSED)
    )


def cases_by_quarter_and_type(activity: pd.DataFrame) -> pd.DataFrame:
    """Cases reviewed per quarter and audit type, from :func:`audit_activity_by_quarter`:
    ``quarter``, ``audit_type``, ``cases`` (the sum of each audit's distinct children, so a
    child in two audits counts in both, as the committee paper counts cases reviewed)."""
    return (
        activity.groupby(["quarter", "audit_type"], as_index=False, sort=True)["cases"].sum()
        .astype({"quarter": str, "audit_type": str, "cases": "int64"})
    )


def recommendations_status_by_quarter(data, year: str | int) -> pd.DataFrame:
    """``metrics.audits.recommendations_by_status`` for each quarter of the year, stacked:
    ``quarter``, ``status``, ``recommendations``. Empty when recommendations.csv is absent."""
    if data.recommendations is None:
        return pd.DataFrame(columns=["quarter", "status", "recommendations"])
    return pd.concat(
        [
            audits.recommendations_by_status(data.recommendations, quarter).assign(quarter=quarter.label)
            for quarter in year_quarters(year_window(year).year)
        ],
        ignore_index=True,
    )[["quarter", "status", "recommendations"]]

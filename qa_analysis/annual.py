"""The year's figures for the Quality Assurance annual report (issue 7; DESIGN sections 4 and 5).

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
from .io.tables import AUDIT_TYPES, TABLES
from .metrics import audits, placements, referrals, visits
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
    "activity_sentences",
    "audit_activity_by_quarter",
    "cases_by_quarter_and_type",
    "figure_value",
    "for_audience",
    "how_year_is_built",
    "missing_quarters",
    "not_available",
    "quarter_series",
    "recommendations_by_quarter",
    "recommendations_by_quarter_for_audience",
    "recommendations_by_theme",
    "recommendations_status_by_quarter",
    "summary_table",
    "year_figures",
    "year_label",
    "year_narrative",
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

# Key -> rule; a key ending in "." covers every code key under it (visits.method.zoom ...).
_RULES = {
    "visits.total": SUM, "visits.face_to_face": SUM, "visits.virtual": SUM, "visits.method.": SUM,
    "visits.children_visited": DISTINCT, "visits.pct_face_to_face": POOLED,
    "visits.pct_seen_alone": POOLED, "visits.pct_timely": POOLED,
    "contacts.total": SUM, "contacts.source.": SUM, "contacts.children": DISTINCT,
    "contacts.families": DISTINCT, "contacts.max_children_per_family": DISTINCT,
    "contacts.families_multi_child": DISTINCT,
    "referrals.total": SUM, "referrals.pct_from_contact": POOLED,
    "referrals.pct_re_referral_12m": POOLED, "referrals.pct_nfa": POOLED,
    "assessments.completed": SUM, "assessments.pct_within_45wd": POOLED,
    "assessments.median_working_days": POOLED,
    "cla.during_quarter": DISTINCT, "cla.at_quarter_end": YEAR_END,
    "placements.moves": SUM, "placements.children_moved": DISTINCT,
    "placements.pct_3plus_12m": YEAR_END, "placements.pct_long_term_stable": YEAR_END,
    "placements.foster_to_semi_independent": SUM, "placements.reason.": SUM,
    "audits.audits": DISTINCT, "audits.children": DISTINCT, "audits.families": DISTINCT,
    "audits.grade.": SUM, "audits.pct_good_or_better": POOLED,
    "recommendations.raised": SUM, "recommendations.completed": SUM,
    "recommendations.pct_completed_on_time": POOLED,
    "recommendations.open_at_quarter_end": YEAR_END,
    "recommendations.overdue_at_quarter_end": YEAR_END,
    "recommendations.service_development_plan": YEAR_END,
}

LABELS = {
    "visits.total": "Visits", "visits.face_to_face": "Face-to-face visits",
    "visits.virtual": "Virtual visits", "visits.children_visited": "Children visited",
    "visits.pct_face_to_face": "Visits face to face (%)",
    "visits.pct_seen_alone": "Seen alone, where seen (%)", "visits.pct_timely": "Visits on time (%)",
    "contacts.total": "Contacts", "contacts.children": "Children contacted",
    "contacts.families": "Families contacted",
    "contacts.max_children_per_family": "Most children of one family contacted",
    "contacts.families_multi_child": "Families with 2+ children contacted",
    "referrals.total": "Referrals", "referrals.pct_from_contact": "Contacts leading to a referral (%)",
    "referrals.pct_re_referral_12m": "Re-referrals within 12 months (%)",
    "referrals.pct_nfa": "Referrals with no further action (%)",
    "assessments.completed": "Assessments completed",
    "assessments.pct_within_45wd": "Assessments within 45 working days (%)",
    "assessments.median_working_days": "Median working days per assessment",
    "cla.during_quarter": "Children looked after during the period",
    "cla.at_quarter_end": "Children looked after at the end",
    "placements.moves": "Placement moves", "placements.children_moved": "Children who moved",
    "placements.pct_3plus_12m": "3+ placements in 12 months (%)",
    "placements.pct_long_term_stable": "Long-term stability (%)",
    "placements.foster_to_semi_independent": "Moves from foster care to semi-independent living",
    "audits.audits": "Audits", "audits.children": "Children audited",
    "audits.families": "Families audited", "audits.pct_good_or_better": "Graded good or better (%)",
    "recommendations.raised": "Recommendations raised",
    "recommendations.completed": "Recommendations completed",
    "recommendations.pct_completed_on_time": "Completed on time (%)",
    "recommendations.open_at_quarter_end": "Recommendations open at the end",
    "recommendations.overdue_at_quarter_end": "Recommendations overdue at the end",
    "recommendations.service_development_plan": "Open recommendations in the Service Development Plan",
}
_CODE_LABELS = {
    "visits.method.": "Visits by method: ", "contacts.source.": "Contacts from source ",
    "placements.reason.": "Moves for reason ", "audits.grade.": "Overall grade: ",
}

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


def year_rule(key: str) -> str | None:
    """How the year value of a catalogue key is built: SUM, DISTINCT, POOLED or YEAR_END."""
    if key in _RULES:
        return _RULES[key]
    for prefix, rule in _RULES.items():
        if prefix.endswith(".") and key.startswith(prefix):
            return rule
    return None


def _label(key: str) -> str:
    if key in LABELS:
        return LABELS[key]
    for prefix, words in _CODE_LABELS.items():
        if key.startswith(prefix):
            return words + key[len(prefix):].replace("_", " ")
    return key


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
            data.case_audits, data.recommendations, period, families=data.families, settings=settings
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
        coded = key.rsplit(".", 1)[0] + "." in _CODE_LABELS
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
_GRADE_WORDS = {
    "outstanding": "outstanding", "good": "good", "requires_improvement": "requires improvement",
    "inadequate": "inadequate",
}
_TYPE_WORDS = {
    "full_case_file": ("full case file audit", "full case file audits"),
    "thematic": ("thematic audit", "thematic audits"),
    "stocktake": ("stocktake", "stocktakes"),
}


def _plural(n, one: str, many: str) -> str:
    return one if n == 1 else many


def _count(n, audience: str) -> str:
    from .disclosure import apply_audience

    return format_count(apply_audience(int(n), audience))


def _grades_text(row, audience: str) -> str:
    given = [(g, row[g]) for g in _GRADE_WORDS if row[g] > 0]
    if not given:
        return "not graded"
    return ", ".join(f"{_count(n, audience)} {_GRADE_WORDS[g]}" for g, n in given)


def activity_sentences(activity: pd.DataFrame, year: str | int, audience: str = "internal") -> list[str]:
    """One plain sentence per quarter, the way the committee paper reports audit activity.

    E.g. "2020-21 Q2: 7 audits: 5 full case file audits (5 cases (5 families); overall
    grades: 2 good, 3 requires improvement); a thematic audit "virtual visits during
    COVID-19" in September 2020: 10 cases (9 families); not graded." Full case file audits
    are grouped; each thematic audit and stocktake is named with its theme and month.
    Cases and families add up over the audits (a family in two audits counts in both), as
    the committee paper counts cases reviewed. Counts follow the audience (``c`` for 1 to 5 when public); a
    quarter with no audit says so.
    """
    sentences = []
    for quarter in year_quarters(year_window(year).year):
        rows = activity.loc[activity["quarter"] == quarter.label]
        if rows.empty:
            sentences.append(f"{quarter.label}: no audit was recorded.")
            continue
        parts = []
        full = rows.loc[rows["audit_type"] == "full_case_file"]
        if len(full):
            grades = full[list(_GRADE_WORDS)].sum()
            parts.append(
                f"{_count(len(full), audience)} {_plural(len(full), *_TYPE_WORDS['full_case_file'])} "
                f"({_count(full['cases'].sum(), audience)} cases ({_count(full['families'].sum(), audience)} "
                f"families); overall grades: {_grades_text(grades, audience)})"
            )
        for row in rows.loc[rows["audit_type"] != "full_case_file"].itertuples(index=False):
            kind = _TYPE_WORDS.get(row.audit_type, (str(row.audit_type).replace("_", " "),))[0]
            theme = "" if pd.isna(row.theme) else f" \u201c{row.theme}\u201d"
            parts.append(
                f"a {kind}{theme} in {row.month:%B %Y}: {_count(row.cases, audience)} cases "
                f"({_count(row.families, audience)} families); {_grades_text(row._asdict(), audience)}"
            )
        total = _count(len(rows), audience)
        sentences.append(
            f"{quarter.label}: {total} {_plural(len(rows), 'audit', 'audits')}: " + "; ".join(parts) + "."
        )
    return sentences


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


# ------------------------------------------------------------------ gaps


_DATED = {
    "visits": ("visit_date", "visit dated"),
    "contacts": ("contact_date", "contact dated"),
    "referrals": ("referral_date", "referral dated"),
    "assessments": ("assessment_authorised_date", "assessment authorised"),
    "case_audits": ("audit_date", "audit dated"),
    "recommendations": ("raised_date", "recommendation raised"),
}
_CONSEQUENCE = {
    "visits": "visit figures are left out of this report",
    "contacts": "contact figures are left out of this report",
    "referrals": "referral figures are left out of this report",
    "assessments": "assessment figures are left out of this report",
    "episodes": "placement stability figures are left out of this report",
    "header": "placement stability figures are left out of this report",
    "case_audits": "audit activity and grades are left out of this report",
    "recommendations": "recommendation figures are left out of this report",
    "families": "each child counts as a family of their own in contact and audit figures",
}


def missing_quarters(data, year: str | int) -> list[str]:
    """Plain sentences naming what is missing for the year: each table whose file is absent
    (with what that leaves out), and each quarter in which a dated table has no row dated
    in it (visit_date, contact_date, referral_date, assessment_authorised_date, audit_date,
    raised_date; episodes: no episode open during the quarter). Empty when nothing is
    missing. A quarter with no rows may be true (no audit that quarter) or a gap in the
    extract: the report states it and the reader judges.
    """
    sentences = []
    for table, consequence in _CONSEQUENCE.items():
        if getattr(data, table) is None:
            # The file's usual name, not the loader's reason: that holds the folder's path.
            sentences.append(f"{TABLES[table].file_names[0]} was not found, so {consequence}.")
    for quarter in year_quarters(year_window(year).year):
        span = f"{quarter.label} ({quarter.start:%d %B %Y} to {quarter.end:%d %B %Y})"
        for table, (column, what) in _DATED.items():
            frame = getattr(data, table)
            if frame is not None and not in_quarter(frame[column], quarter).any():
                sentences.append(f"{_file_name(data, table)} has no {what} in {span}.")
        episodes = data.episodes
        if episodes is not None:
            overlaps = (episodes["DECOM"] <= quarter.end) & (
                episodes["DEC"].isna() | (episodes["DEC"] >= quarter.start)
            )
            if not overlaps.fillna(False).any():
                sentences.append(f"{_file_name(data, 'episodes')} has no episode of care open in {span}.")
    return sentences


def not_available(data, tables) -> str | None:
    """A plain sentence naming the files of ``tables`` that were not found (None if all
    loaded), for a report section that cannot be drawn. File names only, never the folder's
    path."""
    absent = [TABLES[t].file_names[0] for t in tables if getattr(data, t) is None]
    if not absent:
        return None
    return f"Not available: {_join(absent)} {'was' if len(absent) == 1 else 'were'} not found in the data folder."


def _file_name(data, table: str) -> str:
    path = data.files.get(table)
    return path.name if path is not None else table


# ------------------------------------------------------------------ narrative


def year_narrative(
    summary: pd.DataFrame,
    activity: pd.DataFrame,
    year: str | int,
    audience: str = "internal",
    missing: list[str] | None = None,
) -> list[str]:
    """A few sentences of plain English for the summary of the year, built from the figures.

    ``summary`` is :func:`year_summary` as the audience sees it
    (:func:`year_summary_for_audience`), ``activity`` :func:`audit_activity_by_quarter`.
    One paragraph per topic whose figures are there, then one on anything missing.
    """
    label = year_label(year)

    def n(key, column="year"):
        return format_count(figure_value(summary, key, column))

    def p(key, column="year"):
        return format_pct(figure_value(summary, key, column))

    def has(key):
        return figure_value(summary, key) is not None

    paragraphs = []
    if has("audits.audits"):
        types = activity["audit_type"].value_counts()
        kinds = [
            f"{_count(types[t], audience)} {_plural(types[t], *_TYPE_WORDS[t])}"
            for t in AUDIT_TYPES if types.get(t, 0)
        ]
        kinds_text = f" ({_join(kinds)})" if kinds else ""
        text = (
            f"In {label} the service completed {n('audits.audits')} audits{kinds_text} covering "
            f"{n('audits.children')} children in {n('audits.families')} families; "
            f"{p('audits.pct_good_or_better')} of the overall grades given were good or outstanding."
        )
        paragraphs.append(text)
    if has("recommendations.raised"):
        paragraphs.append(
            f"The audits raised {n('recommendations.raised')} recommendations in the year and "
            f"{n('recommendations.completed')} were completed, {p('recommendations.pct_completed_on_time')} "
            f"of them on time. On 31 March {n('recommendations.open_at_quarter_end')} were still open, "
            f"{n('recommendations.overdue_at_quarter_end')} of them overdue, and "
            f"{n('recommendations.service_development_plan')} open ones were being taken forward through "
            "the Service Development Plan."
        )
    if has("visits.total"):
        paragraphs.append(
            f"Social workers made {n('visits.total')} visits to {n('visits.children_visited')} children; "
            f"{p('visits.pct_face_to_face')} were face to face (from {p('visits.pct_face_to_face', 'q1')} "
            f"in Q1 to {p('visits.pct_face_to_face', 'q4')} in Q4). Children were seen alone on "
            f"{p('visits.pct_seen_alone')} of visits where they were seen, and "
            f"{p('visits.pct_timely')} of visits were on time."
        )
    if has("contacts.total") or has("referrals.total"):
        sentences = []
        if has("contacts.total"):
            sentences.append(
                f"The front door received {n('contacts.total')} contacts about {n('contacts.children')} "
                f"children in {n('contacts.families')} families; {n('contacts.families_multi_child')} "
                "families had two or more children contacted, the largest "
                f"{n('contacts.max_children_per_family')} children."
            )
        if has("referrals.total"):
            sentences.append(
                f"There were {n('referrals.total')} referrals, {p('referrals.pct_re_referral_12m')} of them "
                "re-referrals within 12 months."
            )
        if has("assessments.completed"):
            sentences.append(
                f"{n('assessments.completed')} assessments were completed, "
                f"{p('assessments.pct_within_45wd')} within 45 working days."
            )
        paragraphs.append(" ".join(sentences))
    if has("placements.moves"):
        paragraphs.append(
            f"Looked-after children made {n('placements.moves')} placement moves "
            f"({n('placements.children_moved')} children), {n('placements.foster_to_semi_independent')} "
            "of them from foster care to semi-independent or independent living. At the year end "
            f"{p('placements.pct_3plus_12m')} of looked-after children had had 3 or more placements in "
            "12 months"
            + (
                f", and {p('placements.pct_long_term_stable')} of those in long-term care were in a "
                "stable placement."
                if has("placements.pct_long_term_stable")
                else "; no child was in the long-term cohort (under 16, looked after for 2.5 years or "
                "more) whose stability could be measured."
            )
        )
    if missing:
        paragraphs.append(
            f"Not everything was available for {label}: " + " ".join(missing)
        )
    return paragraphs


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]



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

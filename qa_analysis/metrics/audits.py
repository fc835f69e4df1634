"""Case audit and recommendation metrics (DESIGN section 4 "audits"; grading domain.md 7).

Inputs are the typed frames of ``io.tables.TABLES["case_audits"]`` (one row per audit,
child and domain), ``["recommendations"]`` (one row per recommendation) and, optionally,
``["families"]``; none is ever changed. Grades arrive normalised to ``tables.GRADES``
("Requires improvement to be good" is already "Requires improvement"); a blank grade
(a thematic audit that grades nothing) is left out of every grade count and percentage.
The overall judgement is the row whose domain is ``overall``.

Recommendations: "completed" means ``completed_date`` is set, whatever ``status`` says
now, so a recommendation completed after the quarter end was open at that quarter end.
Percentages come from :func:`._common.pct` (1 decimal place, ``None`` when the
denominator is 0).
"""

from __future__ import annotations

import pandas as pd

from ..io.tables import GRADE_KEYS, GRADES
from ..periods import Quarter, parse_period
from ._common import bound, family_of, in_quarter, pct

__all__ = [
    "audit_activity",
    "audit_count",
    "audits_metrics",
    "children_audited",
    "completed_on_time_counts",
    "families_audited",
    "good_or_better_counts",
    "grades_by_domain",
    "overall_grade_counts",
    "pct_completed_on_time",
    "pct_good_or_better",
    "pct_good_or_better_by_domain",
    "recommendations_by_status",
    "recommendations_by_theme",
    "recommendations_completed",
    "recommendations_open_at_quarter_end",
    "recommendations_overdue_at_quarter_end",
    "recommendations_raised",
    "recommendations_to_service_development_plan",
]

OVERALL_DOMAIN = "overall"
GOOD_OR_BETTER = ("Outstanding", "Good")
SERVICE_DEVELOPMENT_PLAN = "service_development_plan"
RECOMMENDATION_STATES = ("completed_on_time", "completed_late", "open_not_due", "overdue")
NO_THEME = "Not recorded"


# ----------------------------------------------------------------------------- helpers


def _in_range(dates: pd.Series, first: pd.Timestamp, last: pd.Timestamp) -> pd.Series:
    return dates.between(first, last, inclusive="both").fillna(False).astype(bool)


def _quarter_of(date: pd.Timestamp) -> Quarter:
    """The financial quarter holding ``date`` (April starts Q1)."""
    return Quarter(date.year if date.month >= 4 else date.year - 1, (date.month - 4) % 12 // 3 + 1)


def _audit_rows_in_quarter(case_audits: pd.DataFrame, quarter: Quarter | str) -> pd.DataFrame:
    return case_audits.loc[in_quarter(case_audits["audit_date"], parse_period(quarter))]


def _is_overall(domain: pd.Series) -> pd.Series:
    return domain.astype(str).str.strip().str.lower().eq(OVERALL_DOMAIN)


def _overall_grades(audit_rows: pd.DataFrame) -> pd.Series:
    """The non-blank grades of the overall-domain rows."""
    return audit_rows.loc[_is_overall(audit_rows["domain"]), "grade"].dropna().astype(str)


def _with_family(audit_rows: pd.DataFrame, families: pd.DataFrame | None) -> pd.DataFrame:
    """``audit_rows`` plus ``family``: the row's family_id; where blank, the family_id the
    same child has on another of these rows; then the child's family in ``families``;
    else the child stands for its own family (kept apart from real family ids)."""
    child = audit_rows["child_id"].astype("string")
    family = audit_rows["family_id"].astype("string")
    if family.hasnans:
        # only the blank rows are looked up (an extract usually fills every family_id)
        named = pd.DataFrame({"child_id": child, "family_id": family}).dropna()
        by_child = named.drop_duplicates("child_id").set_index("child_id")["family_id"]
        family = _fill_blanks(family, lambda blank: child[blank].map(by_child))
        if families is not None:
            family = _fill_blanks(family, lambda blank: family_of(child[blank], families))
    return audit_rows.assign(family=family.fillna("child:" + child))


def _fill_blanks(values: pd.Series, fill) -> pd.Series:
    """``values`` with its blanks filled, by position, from ``fill(blank)`` (one value per
    blank row, given the blank rows' mask; a blank there stays blank)."""
    blank = values.isna().to_numpy(dtype=bool)
    if not blank.any():
        return values
    filled = values.array.copy()
    filled[blank] = fill(blank).array
    return pd.Series(filled, index=values.index, name=values.name)


def _completed_by(recommendations: pd.DataFrame, date: pd.Timestamp) -> pd.Series:
    return (recommendations["completed_date"] <= date).fillna(False).astype(bool)


def _open_at(recommendations: pd.DataFrame, date: pd.Timestamp) -> pd.Series:
    """Raised on or before ``date`` and not completed by it (completed_date blank or later)."""
    raised = (recommendations["raised_date"] <= date).fillna(False).astype(bool)
    return raised & ~_completed_by(recommendations, date)


def _overdue_at(recommendations: pd.DataFrame, date: pd.Timestamp) -> pd.Series:
    """Open at ``date`` with due_date strictly before it (a blank due date is never overdue)."""
    due_before = (recommendations["due_date"] < date).fillna(False).astype(bool)
    return _open_at(recommendations, date) & due_before


def _on_time(recommendations: pd.DataFrame) -> pd.Series:
    """completed_date on or before due_date (a blank due date is not on time)."""
    return (recommendations["completed_date"] <= recommendations["due_date"]).fillna(False).astype(bool)


def _grade_counts(grades: pd.Series) -> dict[str, int]:
    """Grade -> count, in GRADES order, grades present only."""
    counts = grades.value_counts()
    order = [g for g in GRADES if g in counts.index] + sorted(set(counts.index) - set(GRADES))
    return {g: int(counts[g]) for g in order}


# --------------------------------------------------------------------- one key, one function


def audit_count(case_audits: pd.DataFrame, quarter: Quarter | str) -> int:
    """``audits.audits``: distinct audit_id with audit_date in the quarter (DESIGN 4, audits)."""
    return int(_audit_rows_in_quarter(case_audits, quarter)["audit_id"].nunique(dropna=True))


def children_audited(case_audits: pd.DataFrame, quarter: Quarter | str) -> int:
    """``audits.children``: distinct child_id on audit rows dated in the quarter (DESIGN 4)."""
    return int(_audit_rows_in_quarter(case_audits, quarter)["child_id"].nunique(dropna=True))


def families_audited(
    case_audits: pd.DataFrame, quarter: Quarter | str, families: pd.DataFrame | None = None
) -> int:
    """``audits.families``: distinct families among audit rows dated in the quarter (DESIGN 4).

    A row's family is its family_id; where blank, the family_id given for the same child
    on another row in the quarter, then the child's family in ``families`` (families.csv)
    when given; otherwise the child counts as a family of its own.
    """
    rows = _audit_rows_in_quarter(case_audits, quarter).dropna(subset=["child_id"])
    return int(_with_family(rows, families)["family"].nunique())


def overall_grade_counts(case_audits: pd.DataFrame, quarter: Quarter | str) -> dict[str, int]:
    """``audits.grade.<grade>``: overall-domain rows in the quarter by grade, one key per
    grade present (``outstanding``, ``good``, ``requires_improvement``, ``inadequate``, from
    ``tables.GRADE_KEYS``); blank grades left out (DESIGN 4; scale domain.md 7).
    """
    counts = _grade_counts(_overall_grades(_audit_rows_in_quarter(case_audits, quarter)))
    return {
        f"audits.grade.{GRADE_KEYS.get(g, g.lower().replace(' ', '_'))}": n for g, n in counts.items()
    }


def pct_good_or_better(case_audits: pd.DataFrame, quarter: Quarter | str) -> float | None:
    """``audits.pct_good_or_better``: overall-domain grades in the quarter that are
    Outstanding or Good / overall-domain grades given in the quarter, x 100. Blank grades
    are in neither. None when no overall grade was given (DESIGN 4; domain.md 7).
    """
    return pct(*good_or_better_counts(case_audits, quarter))


def good_or_better_counts(case_audits: pd.DataFrame, quarter: Quarter | str) -> tuple[int, int]:
    """(overall grades Outstanding or Good, overall grades given) in the quarter: the counts
    behind ``audits.pct_good_or_better``."""
    grades = _overall_grades(_audit_rows_in_quarter(case_audits, quarter))
    return int(grades.isin(GOOD_OR_BETTER).sum()), int(len(grades))


def recommendations_raised(recommendations: pd.DataFrame, quarter: Quarter | str) -> int:
    """``recommendations.raised``: recommendations with raised_date in the quarter (DESIGN 4)."""
    return int(in_quarter(recommendations["raised_date"], parse_period(quarter)).sum())


def recommendations_completed(recommendations: pd.DataFrame, quarter: Quarter | str) -> int:
    """``recommendations.completed``: recommendations with completed_date in the quarter
    (DESIGN 4), whatever their status column says."""
    return int(in_quarter(recommendations["completed_date"], parse_period(quarter)).sum())


def pct_completed_on_time(recommendations: pd.DataFrame, quarter: Quarter | str) -> float | None:
    """``recommendations.pct_completed_on_time``: of recommendations completed in the
    quarter, % with completed_date <= due_date (completed on the due date is on time).
    None when none was completed in the quarter (DESIGN 4).
    """
    return pct(*completed_on_time_counts(recommendations, quarter))


def completed_on_time_counts(recommendations: pd.DataFrame, quarter: Quarter | str) -> tuple[int, int]:
    """(completed on time, completed) in the quarter: the counts behind
    ``recommendations.pct_completed_on_time``."""
    completed = recommendations.loc[in_quarter(recommendations["completed_date"], quarter)]
    return int(_on_time(completed).sum()), int(len(completed))


def recommendations_open_at_quarter_end(recommendations: pd.DataFrame, quarter: Quarter | str) -> int:
    """``recommendations.open_at_quarter_end``: raised on or before the quarter end and not
    completed by it (completed_date blank or after the end). One completed after the
    quarter end counts as open at it, whatever its status now (DESIGN 4).
    """
    return int(_open_at(recommendations, parse_period(quarter).end).sum())


def recommendations_overdue_at_quarter_end(
    recommendations: pd.DataFrame, quarter: Quarter | str
) -> int:
    """``recommendations.overdue_at_quarter_end``: open at the quarter end (as
    :func:`recommendations_open_at_quarter_end`) with due_date strictly before the quarter
    end (DESIGN 4). One due on the last day of the quarter is not yet overdue.
    """
    return int(_overdue_at(recommendations, parse_period(quarter).end).sum())


def recommendations_to_service_development_plan(
    recommendations: pd.DataFrame, quarter: Quarter | str
) -> int:
    """``recommendations.service_development_plan``: open at the quarter end and with route
    ``service_development_plan`` (DESIGN 4)."""
    sdp = recommendations["route"].astype(str).str.strip().str.lower().eq(SERVICE_DEVELOPMENT_PLAN)
    return int((_open_at(recommendations, parse_period(quarter).end) & sdp).sum())


def audits_metrics(
    case_audits: pd.DataFrame | None,
    recommendations: pd.DataFrame | None,
    quarter: Quarter | str,
    families: pd.DataFrame | None = None,
) -> dict[str, int | float | None]:
    """Every ``audits.*`` and ``recommendations.*`` key of DESIGN section 4 for a quarter.

    A frame given as None leaves its keys out. No audit definition has a setting yet (the
    registry passes ``settings`` only to functions that take it).
    """
    metrics: dict[str, int | float | None] = {}
    if case_audits is not None:
        # Sliced once, then fed to the same steps as the one-key functions.
        audit_rows = _audit_rows_in_quarter(case_audits, quarter)
        metrics |= {
            "audits.audits": audit_count(audit_rows, quarter),
            "audits.children": children_audited(audit_rows, quarter),
            "audits.families": families_audited(audit_rows, quarter, families),
            **overall_grade_counts(audit_rows, quarter),
            "audits.pct_good_or_better": pct_good_or_better(audit_rows, quarter),
        }
    if recommendations is not None:
        metrics |= {
            "recommendations.raised": recommendations_raised(recommendations, quarter),
            "recommendations.completed": recommendations_completed(recommendations, quarter),
            "recommendations.pct_completed_on_time": pct_completed_on_time(recommendations, quarter),
            "recommendations.open_at_quarter_end": recommendations_open_at_quarter_end(
                recommendations, quarter
            ),
            "recommendations.overdue_at_quarter_end": recommendations_overdue_at_quarter_end(
                recommendations, quarter
            ),
            "recommendations.service_development_plan": recommendations_to_service_development_plan(
                recommendations, quarter
            ),
        }
    return metrics


# ------------------------------------------------------------------ breakdowns for charts


def _domain_order(domains) -> list[str]:
    """``overall`` first, then the other domains alphabetically."""
    present = sorted(set(domains))
    return [d for d in present if d.strip().lower() == OVERALL_DOMAIN] + [
        d for d in present if d.strip().lower() != OVERALL_DOMAIN
    ]


def grades_by_domain(case_audits: pd.DataFrame, quarter: Quarter | str) -> pd.DataFrame:
    """Graded audit rows in the quarter by domain and grade (domain.md 7).

    Columns ``domain`` (``overall`` first, then alphabetical), ``grade`` (an ordered
    categorical in ``tables.GRADES`` order) and ``audits`` (rows, i.e. children's case
    audits given that grade in that domain). Every grade appears for each domain that
    has a grade in the quarter, zeros included; blank grades are left out.
    """
    graded = _audit_rows_in_quarter(case_audits, quarter).dropna(subset=["domain", "grade"])
    counts = graded.astype({"domain": str, "grade": str}).groupby(["domain", "grade"]).size()
    grid = pd.MultiIndex.from_product(
        [_domain_order(graded["domain"].astype(str)), list(GRADES)], names=["domain", "grade"]
    )
    return (
        counts.reindex(grid, fill_value=0)
        .rename("audits")
        .reset_index()
        .astype({"domain": str, "audits": "int64"})
        .assign(grade=lambda d: pd.Categorical(d["grade"], categories=list(GRADES), ordered=True))
    )


def pct_good_or_better_by_domain(case_audits: pd.DataFrame, quarter: Quarter | str) -> pd.DataFrame:
    """:func:`pct_good_or_better` for every domain graded in the quarter.

    Columns ``domain`` (``overall`` first, then alphabetical), ``graded`` (rows with a
    grade), ``good_or_better`` (Outstanding or Good) and ``pct_good_or_better``. Domains
    whose rows in the quarter are all ungraded are left out.
    """
    graded = _audit_rows_in_quarter(case_audits, quarter).dropna(subset=["domain", "grade"])
    frame = pd.DataFrame(
        {
            "domain": graded["domain"].astype(str),
            "graded": 1,
            "good_or_better": graded["grade"].astype(str).isin(GOOD_OR_BETTER).astype("int64"),
        }
    )
    sums = frame.groupby("domain")[["graded", "good_or_better"]].sum()
    sums = sums.reindex(_domain_order(sums.index))
    return pd.DataFrame(
        {
            "domain": list(sums.index),
            "graded": sums["graded"].to_numpy(dtype="int64"),
            "good_or_better": sums["good_or_better"].to_numpy(dtype="int64"),
            "pct_good_or_better": [
                pct(n, d) for n, d in zip(sums["good_or_better"], sums["graded"], strict=True)
            ],
        }
    ).astype({"domain": str, "pct_good_or_better": "float64"})


def recommendations_by_status(recommendations: pd.DataFrame, quarter: Quarter | str) -> pd.DataFrame:
    """The quarter's recommendations by where they stood at the quarter end.

    One row per state, always in this order (columns ``status``, ``recommendations``):
    ``completed_on_time`` / ``completed_late`` (completed_date in the quarter, on or
    before / after due_date: these two add up to ``recommendations.completed``);
    ``open_not_due`` (open at the quarter end, due on or after it or no due date) and
    ``overdue`` (``recommendations.overdue_at_quarter_end``): these two add up to
    ``recommendations.open_at_quarter_end``. Recommendations completed before the quarter
    are not shown.
    """
    q = parse_period(quarter)
    completed = in_quarter(recommendations["completed_date"], q)
    on_time = _on_time(recommendations)
    open_at_end = _open_at(recommendations, q.end)
    overdue = _overdue_at(recommendations, q.end)
    counts = [
        int((completed & on_time).sum()),
        int((completed & ~on_time).sum()),
        int((open_at_end & ~overdue).sum()),
        int(overdue.sum()),
    ]
    return pd.DataFrame(
        {"status": list(RECOMMENDATION_STATES), "recommendations": counts}
    ).astype({"status": str, "recommendations": "int64"})


def recommendations_by_theme(recommendations: pd.DataFrame, start, end) -> pd.DataFrame:
    """Recommendations by theme over ``start`` to ``end`` inclusive (dates or quarters).

    Columns ``theme`` (blank shown as "Not recorded", sorted alphabetically with it last),
    ``raised`` (raised_date in the range), ``completed`` (completed_date in the range),
    ``open_at_end`` and ``overdue_at_end`` (as the quarter-end keys, at ``end``). Themes
    with nothing to count are left out.
    """
    first, last = bound(start, "start"), bound(end, "end")
    frame = pd.DataFrame(
        {
            "theme": recommendations["theme"].astype("string").fillna(NO_THEME).astype(str),
            "raised": _in_range(recommendations["raised_date"], first, last).astype("int64"),
            "completed": _in_range(recommendations["completed_date"], first, last).astype("int64"),
            "open_at_end": _open_at(recommendations, last).astype("int64"),
            "overdue_at_end": _overdue_at(recommendations, last).astype("int64"),
        }
    )
    sums = frame.groupby("theme")[["raised", "completed", "open_at_end", "overdue_at_end"]].sum()
    sums = sums.loc[sums.sum(axis=1) > 0]
    order = sorted(t for t in sums.index if t != NO_THEME) + [t for t in sums.index if t == NO_THEME]
    return sums.reindex(order).reset_index().astype(
        {"theme": str, "raised": "int64", "completed": "int64", "open_at_end": "int64",
         "overdue_at_end": "int64"}
    )


def audit_activity(
    case_audits: pd.DataFrame, start, end, families: pd.DataFrame | None = None
) -> pd.DataFrame:
    """One row per audit with rows dated ``start`` to ``end`` inclusive (dates or quarters).

    Describes audits, not children, so it is safe for reports: no audit, child or family
    identifiers. Columns: ``quarter`` (label of the audit's first date in the range),
    ``month`` (first of that month), ``audit_type``, ``theme`` (first non-blank value;
    blank stays NA), ``cases`` (distinct children), ``families`` (distinct families, as in
    :func:`families_audited`), and ``outstanding``, ``good``, ``requires_improvement``,
    ``inadequate`` (overall-domain grades). Ordered by date (then audit_id, not shown).
    """
    first, last = bound(start, "start"), bound(end, "end")
    rows = case_audits.loc[_in_range(case_audits["audit_date"], first, last)].dropna(subset=["audit_id"])
    rows = _with_family(rows, families).assign(
        _overall_grade=lambda d: d["grade"].where(_is_overall(d["domain"])).astype("string")
    )
    grade_columns = [GRADE_KEYS[g] for g in GRADES]
    records = []
    for audit_id, audit in rows.groupby(rows["audit_id"].astype(str), sort=True):
        date = audit["audit_date"].min()
        grades = audit["_overall_grade"].dropna().value_counts()
        records.append(
            {
                "_date": date,
                "_audit_id": audit_id,
                "quarter": _quarter_of(date).label,
                "month": date.to_period("M").to_timestamp(),
                "audit_type": _first(audit["audit_type"]),
                "theme": _first(audit["theme"]),
                "cases": int(audit["child_id"].nunique(dropna=True)),
                "families": int(audit.dropna(subset=["child_id"])["family"].nunique()),
                **{GRADE_KEYS[g]: int(grades.get(g, 0)) for g in GRADES},
            }
        )
    columns = ["quarter", "month", "audit_type", "theme", "cases", "families", *grade_columns]
    activity = pd.DataFrame.from_records(records, columns=["_date", "_audit_id", *columns])
    return (
        activity.sort_values(["_date", "_audit_id"], kind="mergesort")
        .loc[:, columns]
        .reset_index(drop=True)
        .astype(
            {"quarter": str, "month": "datetime64[ns]", "audit_type": str, "theme": str,
             "cases": "int64", "families": "int64", **dict.fromkeys(grade_columns, "int64")}
        )
    )


def _first(values: pd.Series):
    present = values.dropna()
    return str(present.iloc[0]) if len(present) else pd.NA


# ---------------------------------------------------------- for the people who act (issue 16)

NO_OWNER = "Not recorded"
OVERDUE_BANDS = ("0 to 30 days", "31 to 90 days", "Over 90 days")


def _overdue_days(recommendations: pd.DataFrame, date: pd.Timestamp) -> pd.Series:
    """Days past the due date at ``date`` (only meaningful where overdue)."""
    return (date - recommendations["due_date"]).dt.days


def overdue_band(days: pd.Series) -> pd.Series:
    """0 to 30, 31 to 90 or over 90 days overdue (an overdue recommendation is at least
    1 day past its due date, so the first band holds 1 to 30)."""
    return pd.Series(
        pd.cut(days, bins=[-1, 30, 90, float("inf")], labels=list(OVERDUE_BANDS)), index=days.index
    )


def recommendations_by_owner(recommendations: pd.DataFrame, quarter: Quarter | str) -> pd.DataFrame:
    """Recommendations by owner (the role that must act), for the quarter.

    Columns ``owner`` (blank as "Not recorded"; sorted with it last), ``raised`` and
    ``completed`` (dated in the quarter), ``open_at_end`` and ``overdue_at_end`` (as
    ``recommendations.open_at_quarter_end`` / ``overdue_at_quarter_end``), then the
    overdue split by how long past the due date at the quarter end: ``0 to 30 days``,
    ``31 to 90 days``, ``Over 90 days`` (they add up to ``overdue_at_end``). Owners with
    nothing to count are left out; the columns add up to the quarter's keys.
    """
    q = parse_period(quarter)
    overdue = _overdue_at(recommendations, q.end)
    bands = overdue_band(_overdue_days(recommendations, q.end)).where(overdue)
    frame = pd.DataFrame(
        {
            "owner": recommendations["owner"].astype("string").fillna(NO_OWNER).astype(str),
            "raised": in_quarter(recommendations["raised_date"], q).astype("int64"),
            "completed": in_quarter(recommendations["completed_date"], q).astype("int64"),
            "open_at_end": _open_at(recommendations, q.end).astype("int64"),
            "overdue_at_end": overdue.astype("int64"),
            **{band: (bands == band).fillna(False).astype("int64") for band in OVERDUE_BANDS},
        }
    )
    columns = ["raised", "completed", "open_at_end", "overdue_at_end", *OVERDUE_BANDS]
    sums = frame.groupby("owner")[columns].sum()
    sums = sums.loc[sums[["raised", "completed", "open_at_end"]].sum(axis=1) > 0]
    order = sorted(o for o in sums.index if o != NO_OWNER) + [o for o in sums.index if o == NO_OWNER]
    return sums.reindex(order).reset_index().astype({"owner": str, **dict.fromkeys(columns, "int64")})


def overdue_by_age(recommendations: pd.DataFrame, quarter: Quarter | str) -> pd.DataFrame:
    """Recommendations overdue at the quarter end by how long overdue: columns ``band``
    (``0 to 30 days``, ``31 to 90 days``, ``Over 90 days``, all three always present) and
    ``recommendations``; they add up to ``recommendations.overdue_at_quarter_end``."""
    q = parse_period(quarter)
    overdue = _overdue_at(recommendations, q.end)
    bands = overdue_band(_overdue_days(recommendations.loc[overdue], q.end))
    counts = bands.value_counts()
    return pd.DataFrame(
        {"band": list(OVERDUE_BANDS), "recommendations": [int(counts.get(b, 0)) for b in OVERDUE_BANDS]}
    ).astype({"band": str, "recommendations": "int64"})


def open_service_development_plan_items(recommendations: pd.DataFrame, quarter: Quarter | str) -> pd.DataFrame:
    """The Service Development Plan items still open at the quarter end (the rows behind
    ``recommendations.service_development_plan``), one per recommendation, oldest first.

    Columns ``theme``, ``owner`` (blanks "Not recorded"), ``raised`` (month raised, first of
    the month), ``due`` (due date), ``standing`` ("Overdue by N days" or "Due in N days",
    "No due date"). Service-level actions: no audit, child or recommendation identifiers.
    """
    q = parse_period(quarter)
    rows = recommendations.loc[
        _open_at(recommendations, q.end) & recommendations["route"].astype("string").eq(SERVICE_DEVELOPMENT_PLAN).fillna(False)
    ].sort_values(["raised_date", "due_date"], kind="mergesort")
    days = _overdue_days(rows, q.end)
    def words(d) -> str:
        if pd.isna(d):
            return "No due date"
        if d == 0:
            return "Due on the quarter end"
        n = abs(int(d))
        return f"Overdue by {n} day{'s' if n != 1 else ''}" if d > 0 else f"Due in {n} day{'s' if n != 1 else ''}"

    standing = [words(d) for d in days]
    return pd.DataFrame(
        {
            "theme": rows["theme"].astype("string").fillna(NO_THEME).astype(str).to_numpy(),
            "owner": rows["owner"].astype("string").fillna(NO_OWNER).astype(str).to_numpy(),
            "raised": rows["raised_date"].dt.to_period("M").dt.to_timestamp().to_numpy(),
            "due": rows["due_date"].to_numpy(),
            "standing": standing,
        }
    ).astype({"theme": str, "owner": str, "standing": str})


def grades_by_domain_with_change(case_audits: pd.DataFrame, quarter: Quarter | str) -> pd.DataFrame:
    """Good or better by practice domain this quarter and the quarter before, and the change.

    Columns ``domain`` (the domains graded this quarter, ``overall`` first), ``graded``,
    ``pct_good_or_better`` (as :func:`pct_good_or_better_by_domain`), ``previous_graded``,
    ``previous_pct`` (the previous quarter's, None where the domain was not graded then)
    and ``change_points`` (this quarter's % minus the previous one, 1 decimal place; None
    where either is missing).
    """
    q = parse_period(quarter)
    now = pct_good_or_better_by_domain(case_audits, q)
    before = pct_good_or_better_by_domain(case_audits, q.previous(1)).rename(
        columns={"graded": "previous_graded", "pct_good_or_better": "previous_pct"}
    )
    merged = now.drop(columns="good_or_better").merge(
        before.drop(columns="good_or_better"), on="domain", how="left"
    )
    change = [
        None if pd.isna(a) or pd.isna(b) else round(round(a, 1) - round(b, 1), 1)
        for a, b in zip(merged["pct_good_or_better"], merged["previous_pct"], strict=True)
    ]
    return merged.assign(
        previous_graded=lambda d: d["previous_graded"].astype("Int64"),
        change_points=pd.Series(change, index=merged.index, dtype="object"),
    )

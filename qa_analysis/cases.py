"""The cases behind a figure: the rows a count counts, and for a rate who is in the numerator.

INTERNAL BY NATURE. These lists name children (child id, dates); they are for the QA team's
follow-up, never for an HTML report or a public audience. The command line refuses
``--audience public`` and writes :data:`INTERNAL_NOTICE` as the first line of every file.

``cases(data, "placements.moves", "2020-21 Q3")`` returns one row per thing counted, with

- ``child``: the child id (``CHILD`` for SSDA903, ``child_id`` elsewhere; for rows that are
  not children, such as audits, families or recommendations, the children concerned
  joined with ``"; "`` where the data links them, else blank);
- ``date``: the date that put the row in the quarter (visit, contact, referral,
  authorisation, DECOM of the move, audit, raised/completed date; the quarter end for
  "at quarter end" figures);
- the fields that decided it (cohort, previous visit and gap, working days, placement
  codes, due date...);
- for a percentage, ``in_numerator`` (True/False): the rows are the denominator, the
  True rows the numerator, so ``rows["in_numerator"].mean() * 100`` rounds to the figure.

For a count the number of rows equals the figure; distinct counts (``visits.children_visited``,
``audits.families``...) give one row per child or family. ``contacts.max_children_per_family``
lists the children of the largest family (of each family tied for largest).
``assessments.median_working_days`` lists the timed assessments with their working days.
Rows are ordered by date, then child.
"""

from __future__ import annotations

import pandas as pd

from .api import as_quarter, key_pattern
from .config import DEFAULT_SETTINGS, Settings
from .errors import QAError
from .metrics import audits as _audits
from .metrics import placements as _placements
from .metrics import referrals as _referrals
from .metrics import visits as _visits
from .periods import Quarter, working_days

__all__ = ["INTERNAL_NOTICE", "cases", "cases_keys", "write_cases"]

INTERNAL_NOTICE = (
    "INTERNAL - child-level follow-up list from qa-analysis: not for publication, "
    "not for HTML reports, share only within the QA team"
)
CASES = {}  # catalogue key -> function(data, quarter, settings, code) -> frame


def _case(*keys):
    def register(function):
        for key in keys:
            CASES[key] = function
        return function

    return register


def _need(data, *tables):
    """The tables a list needs, or a plain error naming what is missing."""
    frames = []
    for table in tables:
        frame = getattr(data, table, None)
        if frame is None:
            reason = getattr(data, "unavailable", {}).get(table, f"{table} was not loaded")
            raise QAError(f"This list needs the {table} table: {reason}.")
        frames.append(frame)
    return frames[0] if len(frames) == 1 else frames


def _text(values: pd.Series) -> pd.Series:
    return values.astype("string")


def _flag(values: pd.Series) -> pd.Series:
    return values.astype("boolean").fillna(False).astype(bool)


def _joined(values) -> str:
    present = sorted({str(v) for v in values if not pd.isna(v)})
    return "; ".join(present)


# ----------------------------------------------------------------------------- visits

_VISIT_FIELDS = ["visit_id", "cohort", "modality", "method", "child_seen", "seen_alone"]


def _visit_rows(visits: pd.DataFrame, quarter: Quarter) -> pd.DataFrame:
    rows = _visits._visits_in_quarter(visits, quarter)
    return pd.DataFrame(
        {
            "child": _text(rows["child_id"]),
            "date": rows["visit_date"],
            **{c: rows[c] for c in _VISIT_FIELDS},
        }
    )


@_case("visits.total")
def _visits_total(data, quarter, settings, code):
    return _visit_rows(_need(data, "visits"), quarter)


@_case("visits.face_to_face")
def _visits_face_to_face(data, quarter, settings, code):
    rows = _visit_rows(_need(data, "visits"), quarter)
    return rows.loc[_flag(rows["modality"].eq("face_to_face"))]


@_case("visits.virtual")
def _visits_virtual(data, quarter, settings, code):
    rows = _visit_rows(_need(data, "visits"), quarter)
    return rows.loc[_flag(rows["modality"].eq("virtual"))]


@_case("visits.pct_face_to_face")
def _visits_pct_face_to_face(data, quarter, settings, code):
    rows = _visit_rows(_need(data, "visits"), quarter)
    return rows.assign(in_numerator=_flag(rows["modality"].eq("face_to_face")))


@_case("visits.method.<method>")
def _visits_method(data, quarter, settings, code):
    rows = _visit_rows(_need(data, "visits"), quarter)
    return rows.loc[_flag(rows["method"].astype("string").eq(code))]


@_case("visits.children_visited")
def _visits_children(data, quarter, settings, code):
    rows = _visit_rows(_need(data, "visits"), quarter).dropna(subset=["child"])
    return (
        rows.groupby("child", as_index=False)
        .agg(date=("date", "min"), visits=("date", "size"), last_visit=("date", "max"))
    )


@_case("visits.pct_seen_alone")
def _visits_seen_alone(data, quarter, settings, code):
    rows = _visit_rows(_need(data, "visits"), quarter)
    seen = rows.loc[_flag(rows["child_seen"])]
    return seen.assign(in_numerator=_flag(seen["seen_alone"]))


@_case("visits.pct_timely")
def _visits_timely(data, quarter, settings, code):
    """Each visit in the quarter with an earlier visit (on an earlier date) to the same child
    in the same cohort: the previous visit's date, the gap (calendar days for CLA, working
    days for CP and CIN) and the cohort's limit (DESIGN 4: visits on the same date are
    timed from the same previous date)."""
    visits = _need(data, "visits")
    limits = _visits._interval_limits(settings)
    keyed = pd.DataFrame(
        {
            "child": _text(visits["child_id"]),
            "cohort": _text(visits["cohort"]),
            "date": visits["visit_date"],
            "visit_id": visits["visit_id"],
        }
    ).dropna(subset=["child", "cohort", "date"])
    keyed = keyed.loc[keyed["cohort"].isin(list(limits))]
    in_q = keyed.loc[keyed["date"].between(quarter.start, quarter.end)].sort_values("date", kind="stable")
    earlier = (
        keyed.loc[keyed["date"] < quarter.end, ["child", "cohort", "date"]]
        .drop_duplicates()
        .rename(columns={"date": "previous_visit_date"})
        .sort_values("previous_visit_date", kind="stable")
    )
    timed = pd.merge_asof(
        in_q.astype({"date": "datetime64[ns]"}),
        earlier.astype({"previous_visit_date": "datetime64[ns]"}),
        left_on="date", right_on="previous_visit_date", by=["child", "cohort"],
        allow_exact_matches=False, direction="backward",
    ).dropna(subset=["previous_visit_date"])
    kind = timed["cohort"].map(lambda c: limits[c][0])
    limit = timed["cohort"].map(lambda c: limits[c][1]).astype("int64")
    calendar = (timed["date"] - timed["previous_visit_date"]).dt.days
    working = working_days(timed["previous_visit_date"], timed["date"])
    gap = calendar.where(kind.eq("calendar"), working).astype("int64")
    return timed.assign(
        gap=gap, day_kind=kind.astype("string"), limit=limit, in_numerator=(gap <= limit)
    )[["child", "date", "visit_id", "cohort", "previous_visit_date", "gap", "day_kind", "limit",
       "in_numerator"]]


# ----------------------------------------------------------------------------- contacts


def _contact_rows(data, quarter):
    contacts = _need(data, "contacts")
    rows = _referrals._contacts_in_quarter(contacts, quarter)
    return pd.DataFrame(
        {
            "child": _text(rows["child_id"]),
            "date": rows["contact_date"],
            "contact_source": rows["contact_source"],
        }
    )


def _family_rows(data, quarter):
    """Contacts in the quarter with a ``family`` key (the child alone when none)."""
    rows = _contact_rows(data, quarter).dropna(subset=["child"])
    family = _referrals._family_key(rows.rename(columns={"child": "child_id"}), getattr(data, "families", None))
    return rows.assign(family=family.to_numpy())


def _per_family(data, quarter) -> pd.DataFrame:
    rows = _family_rows(data, quarter)
    return (
        rows.groupby("family", as_index=False)
        .agg(
            date=("date", "min"),
            children=("child", "nunique"),
            child=("child", _joined),
            contacts=("date", "size"),
        )
        .assign(family=lambda d: d["family"].str.replace(r"^(family|child):", "", regex=True))
    )


@_case("contacts.total")
def _contacts_total(data, quarter, settings, code):
    return _contact_rows(data, quarter)


@_case("contacts.source.<code>")
def _contacts_source(data, quarter, settings, code):
    rows = _contact_rows(data, quarter)
    return rows.loc[_flag(rows["contact_source"].astype("string").eq(code))]


@_case("contacts.children")
def _contacts_children(data, quarter, settings, code):
    rows = _contact_rows(data, quarter).dropna(subset=["child"])
    return rows.groupby("child", as_index=False).agg(date=("date", "min"), contacts=("date", "size"))


@_case("contacts.families")
def _contacts_families(data, quarter, settings, code):
    return _per_family(data, quarter)


@_case("contacts.families_multi_child")
def _contacts_multi(data, quarter, settings, code):
    families = _per_family(data, quarter)
    return families.loc[families["children"] >= 2]


@_case("contacts.max_children_per_family")
def _contacts_max(data, quarter, settings, code):
    rows = _family_rows(data, quarter)
    per_family = rows.groupby("family")["child"].nunique()
    largest = per_family.index[per_family.eq(per_family.max())] if len(per_family) else []
    return (
        rows.loc[rows["family"].isin(largest)]
        .groupby(["family", "child"], as_index=False)
        .agg(date=("date", "min"), contacts=("date", "size"))
        .assign(family=lambda d: d["family"].str.replace(r"^(family|child):", "", regex=True))
    )


# ----------------------------------------------------------------------------- referrals


def _referral_rows(referrals, quarter):
    rows = _referrals._referrals_in_quarter(referrals, quarter)
    return pd.DataFrame(
        {
            "child": _text(rows["child_id"]),
            "date": rows["referral_date"],
            "referral_source": rows["referral_source"],
            "referral_nfa": rows["referral_nfa"],
        }
    )


def _earlier_referral(rows, referrals, first, last, matches, how):
    """Per row of ``rows`` (child, date), the matching referral date of the same child
    (``how``: "min" the first, "max" the latest), NaT when none; rows keep their order."""
    numbered = rows[["child", "date"]].reset_index(drop=True).rename_axis("_row").reset_index()
    candidates = referrals.loc[
        referrals["referral_date"].between(first, last).fillna(False).astype(bool),
        ["child_id", "referral_date"],
    ].dropna().astype({"child_id": "string"})
    pairs = numbered.merge(candidates, left_on="child", right_on="child_id", how="inner")
    pairs = pairs.loc[matches(pairs["date"], pairs["referral_date"])]
    found = pairs.groupby("_row")["referral_date"].agg(how)
    return found.reindex(numbered["_row"]).astype("datetime64[ns]").to_numpy()


@_case("referrals.total")
def _referrals_total(data, quarter, settings, code):
    return _referral_rows(_need(data, "referrals"), quarter)


@_case("referrals.pct_nfa")
def _referrals_nfa(data, quarter, settings, code):
    rows = _referral_rows(_need(data, "referrals"), quarter)
    return rows.assign(in_numerator=_flag(rows["referral_nfa"]))


@_case("referrals.pct_re_referral_12m")
def _referrals_re_referral(data, quarter, settings, code):
    """Referrals in the quarter; ``previous_referral_date`` is the latest earlier referral
    of the same child within the look-back (on or after the date minus 12 months). Where
    the figure uses List 3's own count for a short history (``re_referral_source``), a
    referral whose "Number of Referrals in Last 12 Months" is 1 or more is in the numerator
    too, as the figure counts it."""
    from .metrics.referrals import re_referral_source

    referrals = _need(data, "referrals")
    look_back = pd.DateOffset(months=settings.re_referral_months)
    rows = _referral_rows(referrals, quarter).reset_index(drop=True)
    previous = _earlier_referral(
        rows, referrals, quarter.start - look_back, quarter.end,
        lambda own, other: (other < own) & (other >= own - look_back), "max",
    )
    counted = pd.notna(previous)
    coverage = (getattr(data, "coverage", None) or {}).get("referrals")
    if re_referral_source(referrals, quarter, settings, coverage) == "list_3_count":
        list_3 = _referrals._referrals_in_quarter(referrals, quarter)["referrals_last_12m"]
        counted = counted | list_3.ge(1).fillna(False).to_numpy(dtype=bool)
        rows = rows.assign(referrals_last_12m=list_3.to_numpy())
    return rows.assign(previous_referral_date=previous, in_numerator=counted)


@_case("referrals.pct_from_contact")
def _referrals_from_contact(data, quarter, settings, code):
    """Contacts in the quarter; ``referral_date`` is the first referral of the same child on
    the contact date or up to the window (30 days) after it."""
    referrals = _need(data, "referrals")
    window = pd.Timedelta(days=settings.contact_referral_window_days)
    rows = _contact_rows(data, quarter).reset_index(drop=True)
    following = _earlier_referral(
        rows, referrals, quarter.start, quarter.end + window,
        lambda own, other: (other >= own) & (other <= own + window), "min",
    )
    following = pd.to_datetime(pd.Series(following))
    return rows.assign(
        referral_date=following.to_numpy(),
        days_to_referral=(following - rows["date"]).dt.days.astype("Int64").to_numpy(),
        in_numerator=following.notna().to_numpy(),
    )


# ----------------------------------------------------------------------------- assessments


def _assessment_rows(data, quarter):
    rows = _referrals._assessments_completed(_need(data, "assessments"), quarter)
    start, end = rows["assessment_start_date"], rows["assessment_authorised_date"]
    usable = start.notna() & (start <= end)
    days = pd.Series(pd.NA, index=rows.index, dtype="Int64")
    if usable.any():
        days.loc[usable] = working_days(start.loc[usable], end.loc[usable]).astype("int64").to_numpy()
    return pd.DataFrame(
        {
            "child": _text(rows["child_id"]),
            "date": end,
            "assessment_start_date": start,
            "working_days": days,
        }
    )


@_case("assessments.completed")
def _assessments_completed(data, quarter, settings, code):
    return _assessment_rows(data, quarter)


@_case("assessments.pct_within_45wd")
def _assessments_within(data, quarter, settings, code):
    """Assessments authorised in the quarter with a usable start date; ``in_numerator``
    False are the ones over the target (45 working days)."""
    rows = _assessment_rows(data, quarter).dropna(subset=["working_days"])
    return rows.assign(
        target=settings.assessment_target_working_days,
        in_numerator=(rows["working_days"] <= settings.assessment_target_working_days).to_numpy(dtype=bool),
    )


@_case("assessments.median_working_days")
def _assessments_median(data, quarter, settings, code):
    return _assessment_rows(data, quarter).dropna(subset=["working_days"])


# ----------------------------------------------------------------------------- placements


def _history(data, settings):
    episodes, _ = _need(data, "episodes", "header")
    annotated = _placements._annotated_episodes(episodes, settings)
    return annotated, _placements._history_from(annotated, settings)


def _move_rows(data, quarter, settings):
    _, history = _history(data, settings)
    moves = _placements._moves_between(history, quarter.start, quarter.end)
    return pd.DataFrame(
        {
            "child": _text(moves["CHILD"]),
            "date": moves["start"],
            "placement_number": moves["placement_number"],
            "start_rne": moves["start_rne"],
            "previous_place": moves["previous_place"],
            "place": moves["place"],
            "reason_previous_ended": moves["reason_previous_ended"].astype("string"),
            "legal_status": moves["legal_status"],
        }
    )


@_case("placements.moves")
def _moves(data, quarter, settings, code):
    return _move_rows(data, quarter, settings)


@_case("placements.children_moved")
def _children_moved(data, quarter, settings, code):
    moves = _move_rows(data, quarter, settings)
    return moves.groupby("child", as_index=False).agg(date=("date", "min"), moves=("date", "size"))


@_case("placements.foster_to_semi_independent")
def _foster_to_semi(data, quarter, settings, code):
    moves = _move_rows(data, quarter, settings)
    return moves.loc[
        _flag(moves["previous_place"].isin(settings.foster_places))
        & _flag(moves["place"].isin(settings.semi_independent_places))
    ]


@_case("placements.reason.<code>")
def _move_reason(data, quarter, settings, code):
    moves = _move_rows(data, quarter, settings)
    reason = moves["reason_previous_ended"].fillna(_placements.NOT_RECORDED)
    return moves.loc[_flag(reason.eq(code))]


def _episodes_no_breaks(data, settings):
    episodes, _ = _need(data, "episodes", "header")
    return _placements._without_short_breaks(episodes, settings)


@_case("cla.during_quarter")
def _cla_during(data, quarter, settings, code):
    eps = _episodes_no_breaks(data, settings)
    overlaps = (eps["DECOM"] <= quarter.end) & (eps["DEC"].isna() | (eps["DEC"] >= quarter.start))
    rows = eps.loc[_flag(overlaps)].dropna(subset=["CHILD"]).sort_values(["CHILD", "DECOM"], kind="stable")
    return (
        rows.groupby("CHILD", as_index=False)
        .agg(date=("DECOM", "min"), episodes=("DECOM", "size"), last_DEC=("DEC", "last"),
             PLACE=("PLACE", "last"), LS=("LS", "last"))
        .rename(columns={"CHILD": "child"})
        .astype({"child": "string"})
    )


@_case("cla.at_quarter_end")
def _cla_end(data, quarter, settings, code):
    eps = _episodes_no_breaks(data, settings)
    rows = (
        eps.loc[_flag(_placements._looked_after_on(eps, quarter.end))]
        .dropna(subset=["CHILD"])
        .sort_values(["CHILD", "DECOM"], kind="stable")
        .drop_duplicates("CHILD", keep="last")
    )
    return pd.DataFrame(
        {
            "child": _text(rows["CHILD"]),
            "date": quarter.end,
            "episode_start": rows["DECOM"],
            "PLACE": rows["PLACE"],
            "LS": rows["LS"],
        }
    )


@_case("placements.pct_3plus_12m")
def _three_plus(data, quarter, settings, code):
    annotated, history = _history(data, settings)
    cohort = _placements._three_plus_cohort(annotated, history, quarter)
    return pd.DataFrame(
        {
            "child": _text(cohort["CHILD"]),
            "date": quarter.end,
            "placements_in_12_months": cohort["placements"].astype("int64"),
            "in_numerator": (cohort["placements"] >= settings.placements_threshold).to_numpy(dtype=bool),
        }
    )


@_case("placements.pct_long_term_stable")
def _long_term(data, quarter, settings, code):
    annotated, history = _history(data, settings)
    header = _need(data, "header")
    cohort = _placements._long_term_cohort(annotated, history, header, quarter, settings)
    return pd.DataFrame(
        {
            "child": _text(cohort["CHILD"]),
            "date": quarter.end,
            "DOB": cohort["DOB"],
            "period_of_care_start": cohort["period_start"],
            "current_placement_start": cohort["start"],
            "current_place": cohort["place"],
            "previous_placement_start": cohort["previous_start"],
            "in_numerator": cohort["stable"].to_numpy(dtype=bool),
        }
    )


# ----------------------------------------------------------------------------- audits


def _audit_rows(data, quarter):
    return _audits._audit_rows_in_quarter(_need(data, "case_audits"), quarter)


@_case("audits.audits")
def _audits_audits(data, quarter, settings, code):
    rows = _audit_rows(data, quarter).dropna(subset=["audit_id"])
    return (
        rows.assign(audit_id=rows["audit_id"].astype("string"))
        .groupby("audit_id", as_index=False)
        .agg(date=("audit_date", "min"), audit_type=("audit_type", "first"), theme=("theme", "first"),
             children=("child_id", "nunique"), child=("child_id", _joined))
    )


@_case("audits.children")
def _audits_children(data, quarter, settings, code):
    rows = _audit_rows(data, quarter).dropna(subset=["child_id"])
    return (
        rows.assign(child=_text(rows["child_id"]))
        .groupby("child", as_index=False)
        .agg(date=("audit_date", "min"), audits=("audit_id", "nunique"))
    )


@_case("audits.families")
def _audits_families(data, quarter, settings, code):
    rows = _audit_rows(data, quarter).dropna(subset=["child_id"])
    with_family = _audits._with_family(rows, getattr(data, "families", None))
    return (
        with_family.assign(family=with_family["family"].astype("string").str.removeprefix("child:"))
        .groupby("family", as_index=False)
        .agg(date=("audit_date", "min"), children=("child_id", "nunique"), child=("child_id", _joined))
    )


def _overall_rows(data, quarter):
    rows = _audit_rows(data, quarter)
    overall = rows.loc[_audits._is_overall(rows["domain"])].dropna(subset=["grade"])
    return pd.DataFrame(
        {
            "child": _text(overall["child_id"]),
            "date": overall["audit_date"],
            "audit_id": overall["audit_id"],
            "audit_type": overall["audit_type"],
            "grade": overall["grade"].astype("string"),
        }
    )


@_case("audits.grade.<grade>")
def _audits_grade(data, quarter, settings, code):
    rows = _overall_rows(data, quarter)
    key = rows["grade"].map(lambda g: _audits.GRADE_KEYS.get(g, str(g).lower().replace(" ", "_")))
    return rows.loc[_flag(key.eq(code))]


@_case("audits.pct_good_or_better")
def _audits_good(data, quarter, settings, code):
    rows = _overall_rows(data, quarter)
    return rows.assign(in_numerator=_flag(rows["grade"].isin(_audits.GOOD_OR_BETTER)))


# ----------------------------------------------------------------------------- recommendations


def _recommendation_rows(data, mask, date_column, quarter) -> pd.DataFrame:
    recs = _need(data, "recommendations")
    chosen = recs.loc[mask(recs)]
    audits = getattr(data, "case_audits", None)
    children = pd.Series(dtype="string")
    if audits is not None:
        children = (
            audits.dropna(subset=["audit_id", "child_id"])
            .assign(audit_id=lambda d: d["audit_id"].astype("string"))
            .groupby("audit_id")["child_id"]
            .agg(_joined)
        )
    date = chosen[date_column] if date_column else pd.Series(quarter.end, index=chosen.index)
    return pd.DataFrame(
        {
            "child": chosen["audit_id"].astype("string").map(children).astype("string"),
            "date": date,
            "recommendation_id": chosen["recommendation_id"],
            "audit_id": chosen["audit_id"],
            "theme": chosen["theme"],
            "owner": chosen["owner"],
            "raised_date": chosen["raised_date"],
            "due_date": chosen["due_date"],
            "completed_date": chosen["completed_date"],
            "status": chosen["status"],
            "route": chosen["route"],
        }
    )


def _in_q(column, quarter):
    return lambda recs: _flag(recs[column].between(quarter.start, quarter.end))


@_case("recommendations.raised")
def _recs_raised(data, quarter, settings, code):
    return _recommendation_rows(data, _in_q("raised_date", quarter), "raised_date", quarter)


@_case("recommendations.completed")
def _recs_completed(data, quarter, settings, code):
    return _recommendation_rows(data, _in_q("completed_date", quarter), "completed_date", quarter)


@_case("recommendations.pct_completed_on_time")
def _recs_on_time(data, quarter, settings, code):
    rows = _recommendation_rows(data, _in_q("completed_date", quarter), "completed_date", quarter)
    return rows.assign(in_numerator=_flag(rows["completed_date"] <= rows["due_date"]))


@_case("recommendations.open_at_quarter_end")
def _recs_open(data, quarter, settings, code):
    return _recommendation_rows(data, lambda r: _audits._open_at(r, quarter.end), None, quarter)


@_case("recommendations.overdue_at_quarter_end")
def _recs_overdue(data, quarter, settings, code):
    rows = _recommendation_rows(data, lambda r: _audits._overdue_at(r, quarter.end), None, quarter)
    return rows.assign(days_overdue=(quarter.end - rows["due_date"]).dt.days.astype("Int64"))


@_case("recommendations.service_development_plan")
def _recs_sdp(data, quarter, settings, code):
    def mask(recs):
        sdp = recs["route"].astype(str).str.strip().str.lower().eq(_audits.SERVICE_DEVELOPMENT_PLAN)
        return _audits._open_at(recs, quarter.end) & sdp

    return _recommendation_rows(data, mask, None, quarter)


# ----------------------------------------------------------------------------- the API


def cases_keys() -> list[str]:
    """The catalogue keys :func:`cases` can list (every key of DESIGN section 4).

    Returns
    -------
    list of str
        With ``<code>`` placeholders, e.g. ``visits.method.<method>``.

    Examples
    --------
    >>> "placements.moves" in cases_keys()
    True
    """
    return list(CASES)


def cases(data, key: str, quarter, settings: Settings = DEFAULT_SETTINGS) -> pd.DataFrame:
    """The rows behind one figure of one quarter, for the QA team's follow-up (INTERNAL).

    Parameters
    ----------
    data : DataSet
        From :func:`qa_analysis.load_data`.
    key : str
        A catalogue key (``"placements.moves"``) or code key (``"visits.method.zoom"``).
    quarter : str, Quarter or pandas.Period
        ``"2020-21 Q3"``, ``Quarter(2020, 3)`` or ``pd.Period("2021Q3", freq="Q-MAR")``.
    settings : Settings, optional
        The same local policy values as the figure (default DESIGN's).

    Returns
    -------
    pandas.DataFrame
        ``child``, ``date``, the deciding fields and, for a percentage, ``in_numerator``;
        one row per thing counted (see the module docstring). ``attrs`` hold ``key``,
        ``quarter`` and ``notice`` (:data:`INTERNAL_NOTICE`).

    Raises
    ------
    UnknownNameError
        For an unknown key, listing the valid ones.
    QAError
        When a table the figure needs was not loaded.

    Examples
    --------
    >>> import qa_analysis as qa
    >>> data = qa.load_data(qa.config.DEMO_DATA_DIR)  # doctest: +SKIP
    >>> moves = qa.cases(data, "placements.moves", "2020-21 Q3")  # doctest: +SKIP
    >>> len(moves) == qa.quarter_metrics(data, "2020-21 Q3")["placements.moves"]  # doctest: +SKIP
    True
    """
    pattern, code = key_pattern(key)
    quarter = as_quarter(quarter)
    rows = CASES[pattern](data, quarter, settings, code)
    first = [c for c in ("child", "date") if c in rows.columns]
    last = ["in_numerator"] if "in_numerator" in rows.columns else []
    middle = [c for c in rows.columns if c not in first and c not in last]
    out = (
        rows[first + middle + last]
        .sort_values([c for c in ("date", "child") if c in rows.columns], kind="stable")
        .reset_index(drop=True)
    )
    if "in_numerator" in out.columns:
        out = out.astype({"in_numerator": bool})
    out.attrs = {"key": str(key), "quarter": quarter.label, "notice": INTERNAL_NOTICE}
    return out


def write_cases(rows: pd.DataFrame, path) -> None:
    """Write a cases list to ``.csv`` or ``.xlsx`` with :data:`INTERNAL_NOTICE` first.

    Parameters
    ----------
    rows : pandas.DataFrame
        From :func:`cases`.
    path : str or Path
        A ``.csv`` file (first line the notice, then the table) or an ``.xlsx`` workbook
        (cell A1 the notice, the table from row 3).

    Examples
    --------
    >>> write_cases(qa.cases(data, "placements.moves", "2020-21 Q3"), "moves.csv")  # doctest: +SKIP
    """
    from pathlib import Path

    path = Path(path)
    title = _title(rows)
    if path.suffix.lower() == ".xlsx":
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            _for_excel(rows).to_excel(writer, sheet_name="cases", index=False, startrow=2)
            sheet = writer.sheets["cases"]
            sheet["A1"] = f"{INTERNAL_NOTICE}. {title}"
        return
    if path.suffix.lower() != ".csv":
        raise QAError(f"{path.name}: write the list to a .csv or .xlsx file.")
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(f"# {INTERNAL_NOTICE}. {title}\n")
        rows.to_csv(handle, index=False, lineterminator="\n", date_format="%Y-%m-%d")


def _title(rows: pd.DataFrame) -> str:
    key, quarter = rows.attrs.get("key", ""), rows.attrs.get("quarter", "")
    return f"{key}, {quarter}: {len(rows)} rows" if key else f"{len(rows)} rows"


def _for_excel(rows: pd.DataFrame) -> pd.DataFrame:
    """Dates as dates (no time) and nullable values as blanks, as Excel shows them."""
    out = rows.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.date
        elif isinstance(out[column].dtype, (pd.StringDtype, pd.BooleanDtype, pd.Int64Dtype)):
            out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out

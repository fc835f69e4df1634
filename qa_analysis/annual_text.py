"""The year's text: the sentences of the annual report and the committee paper (issue 15).

Every sentence here is built from the year's figures (:mod:`qa_analysis.annual`), never
typed in with a number: the narrative of the year, audit activity quarter by quarter, what
is missing, and the paper's own paragraphs: one per audit of the programme (audits.csv) in
the register of a committee paper ("In July 2020, independent auditors completed full case
file audits of 12 cases (nine families) ..."), the recommendations and where they went,
and the conclusion. Committee papers write numbers under ten in words
(:func:`number_words`); counts follow the audience (``c`` for 1 to 5 when public). Free
text (findings, areas for development, what prompted an audit, who recommendations were
shared with) is printed as its authors wrote it: the loader has already refused any that
names a child, family or person of the data folder (:mod:`qa_analysis.io.audit_programme`).
"""

from __future__ import annotations

import pandas as pd

from .annual import figure_value, year_label, year_window
from .disclosure import apply_audience
from .io.audit_programme import code_words
from .io.tables import AUDIT_TYPES, TABLES
from .metrics._common import in_quarter
from .periods import year_quarters
from .present import format_count, format_pct

__all__ = [
    "activity_sentences",
    "audit_paragraph",
    "conclusion_paragraphs",
    "missing_quarters",
    "not_available",
    "number_words",
    "programme_paragraphs",
    "recommendations_paragraphs",
    "year_narrative",
]

_GRADE_WORDS = {
    "outstanding": "outstanding", "good": "good", "requires_improvement": "requires improvement",
    "inadequate": "inadequate",
}
_TYPE_WORDS = {
    "full_case_file": ("full case file audit", "full case file audits"),
    "thematic": ("thematic audit", "thematic audits"),
    "stocktake": ("stocktake", "stocktakes"),
    "dip_sample": ("dip sample", "dip samples"),
}


def _plural(n, one: str, many: str) -> str:
    return one if n == 1 else many


def _count(n, audience: str) -> str:
    if n == "c":  # a figure of the audited published set, already withheld
        return "c"
    return format_count(apply_audience(int(n), audience))


def _total(values) -> object:
    """The sum of figures as published: ``c`` when any of them is withheld."""
    values = list(values)
    return "c" if any(v == "c" for v in values) else sum(values)


def _grades_text(row, audience: str) -> str:
    given = [(g, row[g]) for g in _GRADE_WORDS if row[g] == "c" or row[g] > 0]
    if not given:
        return "not graded"
    return ", ".join(f"{_count(n, audience)} {_GRADE_WORDS[g]}" for g, n in given)


def activity_sentences(activity: pd.DataFrame, year: str | int, audience: str = "internal") -> list[str]:
    """One plain sentence per quarter, the way the committee paper reports audit activity.

    E.g. "2020-21 Q2: 7 audits: 5 full case file audits (5 cases (5 families); overall
    grades: 2 good, 3 requires improvement); a thematic audit "virtual visits during
    COVID-19" in September 2020: 10 cases (9 families); not graded." Full case file audits
    are grouped; each thematic audit and stocktake is named with its theme and month. For a
    public page ``activity`` holds the audited published figures (``c`` where withheld).
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
            grades = {g: _total(full[g]) for g in _GRADE_WORDS}
            shown = _count(len(full), audience)
            # A withheld number of audits is left out, never printed as "c full case file audit".
            kind = (_TYPE_WORDS["full_case_file"][1] if shown == "c"
                    else f"{shown} {_plural(len(full), *_TYPE_WORDS['full_case_file'])}")
            parts.append(
                f"{kind} "
                f"({_count(_total(full['cases']), audience)} cases ({_count(_total(full['families']), audience)} "
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
        counted = "" if total == "c" else f"{total} {_plural(len(rows), 'audit', 'audits')}: "
        text = "; ".join(parts)
        sentences.append(f"{quarter.label}: {counted}{text if counted else _capital(text)}.")
    return sentences


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
    words: bool = False,
) -> list[str]:
    """A few sentences of plain English for the summary of the year, built from the figures.

    ``summary`` is :func:`year_summary` as the audience sees it
    (:func:`year_summary_for_audience`), ``activity`` :func:`audit_activity_by_quarter`.
    One paragraph per topic whose figures are there, then one on anything missing.
    ``words``: counts under ten in words, as the committee paper writes them.
    """
    label = year_label(year)

    def n(key, column="year"):
        value = figure_value(summary, key, column)
        return number_words(value, audience) if words else format_count(value)

    def _count(v, audience):  # noqa: F811 - the words of the committee paper when asked
        return number_words(int(v), audience) if words else format_count(apply_audience(int(v), audience))

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
        # A withheld count is left out of the sentence, never printed as "c audits (c ...)".
        withheld = n("audits.audits") == "c" or any(k.startswith("c ") for k in kinds)
        kinds_text = f" ({_join(kinds)})" if kinds and not withheld else ""
        done = ("the service's audits covered" if withheld
                else f"the service completed {n('audits.audits')} audits{kinds_text} covering")
        text = (
            f"In {label} {done} "
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
                "families had two or more children contacted"
                + (" (the size of the largest is not published: it would describe one family)."
                   if n("contacts.max_children_per_family") == "c"
                   else f", the largest {n('contacts.max_children_per_family')} children.")
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


# ------------------------------------------------------------------ the committee paper (issue 15)

_UNDER_TEN = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def number_words(n, audience: str = "internal") -> str:
    """A count as a committee paper writes it: ``one`` to ``nine`` in words, ``no`` for 0,
    ``10`` and above in figures (``1,234``); ``c`` when the audience is public and the
    count is 1 to 5; ``not available`` for None."""
    if n is None or (isinstance(n, float) and pd.isna(n)):
        return format_count(None)
    if isinstance(n, str):
        return n
    shown = apply_audience(int(n), audience)
    if isinstance(shown, str):
        return shown
    return _UNDER_TEN[shown] if 0 <= shown < 10 else format_count(shown)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sentence(text) -> str:
    """Free text as a sentence: stripped, capitalised, one full stop."""
    text = str(text).strip()
    return _capital(text) + ("" if text.endswith((".", "!", "?")) else ".")


def _clause(text) -> str:
    """Free text inside a sentence: no final full stop."""
    return str(text).strip().rstrip(".")


def _codes(value) -> list[str]:
    return [] if value is None or pd.isna(value) else [c for c in str(value).split(";") if c]


def _auditor_words(role) -> str:
    """'independent auditors' -> 'independent auditors'; 'QA service manager' -> 'the QA
    service manager'; 'independent auditor' -> 'an independent auditor'."""
    role = str(role).strip()
    if role.endswith("s") and not role.endswith("ss"):
        return role
    if "auditor" in role.lower():
        return ("an " if role[:1].lower() in "aeiou" else "a ") + role
    return "the " + role


def _practice_words(first, last) -> str | None:
    """The period of practice reviewed: 'January to July 2020', '1 July to 5 August 2020',
    'November 2019 to October 2020'; None when not recorded."""
    if pd.isna(first) or pd.isna(last):
        return None
    whole_months = first.day == 1 and last == last + pd.offsets.MonthEnd(0)
    if whole_months:
        if (first.year, first.month) == (last.year, last.month):
            return f"{first:%B %Y}"
        start = f"{first:%B}" if first.year == last.year else f"{first:%B %Y}"
        return f"{start} to {last:%B %Y}"
    start = f"{first.day} {first:%B}" if first.year == last.year else f"{first.day} {first:%B %Y}"
    return f"{start} to {last.day} {last:%B %Y}"


def _what(row, audience: str) -> str:
    cases = number_words(row["cases"], audience)
    families = number_words(row["families"], audience)
    many = row["cases"] != 1
    count = f"{cases} {'cases' if many else 'case'} ({families} {'family' if row['families'] == 1 else 'families'})"
    theme = str(row["theme"]).strip() if _given(row["theme"]) else ""
    kind = row["audit_type"]
    if kind == "full_case_file":
        return f"full case file audits of {count}" if many else f"a full case file audit of {count}"
    words = _TYPE_WORDS.get(kind, (str(kind).replace("_", " "),))[0]
    article = "an" if words[:1] in "aeiou" else "a"
    return f"{article} {words}{' of ' + theme if theme else ''} covering {count}"


_PAPER_GRADES = {
    "outstanding": "outstanding", "good": "good", "requires_improvement": "requiring improvement",
    "inadequate": "inadequate",
}


def _grade_sentence(row, audience: str) -> str:
    # A grade count may be "c": the audited published figure, withheld (public paper).
    given = {g: row[g] if row[g] == "c" else int(row[g]) for g in _GRADE_WORDS}
    if all(n == 0 for n in given.values()):
        return "The audit did not grade practice."
    parts = [f"{number_words(n, audience)} {_PAPER_GRADES[g]}" for g, n in given.items() if n == "c" or n > 0]
    return f"The overall grades given were {_join(parts)}."


# Among an audit's cases, this many children of one family or more is "several members of
# one family" worth a sentence (siblings audited in pairs are the usual case).
SEVERAL_OF_ONE_FAMILY = 3


def _family_sentence(row, audience: str, single_family: bool) -> str | None:
    """'Of these, 14 were children of one family.': a figure about one family, so only
    internally or where ``publish_single_family_figures`` allows it (DESIGN section 5)."""
    largest = row.get("largest_family")
    if pd.isna(largest) or int(largest) < SEVERAL_OF_ONE_FAMILY or (audience == "public" and not single_family):
        return None
    count = number_words(int(largest), audience)
    return None if count == "c" else f"Of these, {count} were children of one family."


def audit_paragraph(row, audience: str = "internal", single_family: bool = False) -> str:
    """One audit of :func:`qa_analysis.annual.audit_programme` as the paper's paragraph.

    Month, auditor role, type (with its theme), cases and families, the most children of one
    family among the cases where that is :data:`SEVERAL_OF_ONE_FAMILY` or more (internal
    only, unless ``single_family``: the ``publish_single_family_figures`` setting), what
    prompted it, how the cases were chosen (selection), the method, the period of practice
    reviewed, the overall grades, then the findings and areas for development as written.
    """
    sentences = [f"In {row['month']:%B %Y}, {_auditor_words(row['auditor'])} completed {_what(row, audience)}."]
    family = _family_sentence(row, audience, single_family)
    if family:
        sentences.append(family)
    if _given(row["prompted_by"]):
        sentences.append(f"It was prompted by {_clause(row['prompted_by'])}.")
    selection = [code_words(c) for c in _codes(row["selection"])]
    if selection:
        sentences.append(f"The cases were {_join(selection)}.")
    method = [code_words(c) for c in _codes(row["method"])]
    practice = _practice_words(row["practice_from"], row["practice_to"])
    if method and practice:
        sentences.append(f"The audit was {_join(method)}, and looked at practice from {practice}.")
    elif method:
        sentences.append(f"The audit was {_join(method)}.")
    elif practice:
        sentences.append(f"It looked at practice from {practice}.")
    sentences.append(_grade_sentence(row, audience))
    if _given(row["findings"]):
        sentences.append(f"Findings: {_sentence(row['findings'])}")
    if _given(row["areas_for_development"]):
        sentences.append(f"Areas for development: {_sentence(row['areas_for_development'])}")
    return " ".join(sentences)


def _given(value) -> bool:
    return not (value is None or pd.isna(value)) and bool(str(value).strip())


def programme_paragraphs(programme: pd.DataFrame, others: pd.DataFrame, year, audience: str = "internal",
                         single_family: bool = False) -> list[str]:
    """The paper's account of the year's audits: one paragraph per audit of the programme
    in date order (:func:`audit_paragraph`), then, for audits with grades only (no
    audits.csv row), the quarter-by-quarter sentences of :func:`activity_sentences`."""
    paragraphs = [audit_paragraph(row, audience, single_family) for _, row in programme.iterrows()]
    if len(others):
        sentences = [s for s in activity_sentences(others, year, audience) if not s.endswith("no audit was recorded.")]
        paragraphs.append(
            "Audits recorded with their grades only (no entry in the audit programme): " + " ".join(sentences)
        )
    return paragraphs


_ROUTE_WORDS = {
    "case": "resolved case by case",
    "service_development_plan": "routed to the Service Development Plan",
    "learning_and_development": "taken into learning and development",
    "not_recorded": "with no route recorded",
}


def recommendations_paragraphs(
    routes: pd.DataFrame, shared: list[str], year, audience: str = "internal"
) -> list[str]:
    """How the year's recommendations were shared and resolved case by case or routed to
    the Service Development Plan (or learning and development), with what is still open on
    31 March, from :func:`qa_analysis.annual.recommendation_routes` and
    :func:`qa_analysis.annual.shared_with`."""
    if routes.empty:
        return ["No recommendation was raised in the year."]
    n = lambda v: number_words(v, audience)  # noqa: E731
    total = int(routes["raised"].sum())
    by_route = [f"{n(r.raised)} {_ROUTE_WORDS.get(r.route, r.route.replace('_', ' '))}" for r in routes.itertuples()]
    paragraphs = [
        f"The audits of {year_label(year)} made {n(total)} {'recommendation' if total == 1 else 'recommendations'}: "
        f"{_join(by_route)}."
        + (f" They were shared with {_join([_clause(s) for s in shared])}." if shared else "")
    ]
    end = year_window(year).end

    def none(v):
        return "none" if v == 0 else n(v)

    standing = []
    for r in routes.itertuples():
        where = _ROUTE_WORDS.get(r.route, r.route.replace("_", " "))
        if r.completed == r.raised and r.raised > 1:
            state = f"all {n(r.raised)} {where} had been completed ({none(r.completed_on_time)} on time)"
        else:
            state = f"of the {n(r.raised)} {where}, {none(r.completed)} had been completed"
            if r.completed:
                state += f" ({none(r.completed_on_time)} on time)"
            verb = "was" if r.open_at_end == 1 else "were"
            state += f" and {none(r.open_at_end)} {verb} still open"
            if r.open_at_end:
                state += f", {none(r.overdue_at_end)} of them overdue"
        standing.append(state)
    paragraphs.append(f"On {end.day} {end:%B %Y}, " + "; ".join(standing) + ".")
    return paragraphs


def conclusion_paragraphs(summary: pd.DataFrame, profile: pd.DataFrame, themes: pd.DataFrame,
                          year, audience: str = "internal") -> list[str]:
    """The paper's conclusion: the grade profile by domain (overall, the strongest and the
    weakest domain) and the themes that recurred across the recommendations of more than
    one audit. In the public audience a domain graded fewer than six times is not named
    with its percentage."""
    label = year_label(year)
    paragraphs = []
    overall = figure_value(summary, "audits.pct_good_or_better")
    if overall is not None:
        text = f"Across {label}, {format_pct(overall)} of the overall grades given were good or outstanding."
        domains = profile.loc[(profile["domain"] != "overall") & profile["pct_good_or_better"].notna()]
        if audience == "public":
            domains = domains.loc[domains["graded"] > 5]
        if len(domains) >= 2:
            ranked = domains.sort_values(["pct_good_or_better", "domain"], ascending=[False, True], kind="mergesort")
            best, worst = ranked.iloc[0], ranked.iloc[-1]
            text += (
                f" Practice was strongest in {_domain_words(best['domain'])} "
                f"({format_pct(best['pct_good_or_better'])} good or better) and weakest in "
                f"{_domain_words(worst['domain'])} ({format_pct(worst['pct_good_or_better'])})."
            )
        paragraphs.append(text)
    if len(themes):
        named = [f"{t.theme} ({number_words(t.audits, 'internal')} audits)" for t in themes.itertuples()]
        paragraphs.append(
            f"The themes that recurred in the recommendations of more than one audit were {_join(named)}. "
            "These are the areas the Quality Assurance service will follow up in the coming year."
        )
    elif overall is None:
        paragraphs.append(f"No audit graded practice in {label}.")
    return paragraphs


_DOMAIN_WORDS = {
    "voice_of_child": "the voice of the child", "management_oversight": "management oversight",
    "assessment": "assessment", "planning": "planning", "recording": "recording",
}


def _domain_words(domain: str) -> str:
    return _DOMAIN_WORDS.get(domain, str(domain).replace("_", " "))

"""The annual report as a document: the committee paper and its evidence (issue 15).

:func:`annual_report` turns a report context (``present.start_report("annual", year=...)``)
into :class:`Section` objects of :class:`Block` (headings, paragraphs, lists, tables of
aggregated figures, charts). The annual notebook shows them (:func:`show`) and
:mod:`qa_analysis.paper_docx` writes the same sections as the Word document councils file,
so the HTML and the docx cannot disagree.

With an audit programme (audits.csv) the report is the committee paper: a header table
(committee, date, subject, public or not, report of, report author as roles), Summary,
Recommendation, Main Report (Background, Current Position with one paragraph per audit
and the recommendations, Conclusion), then the evidence sections as appendices. Without
audits.csv it is the evidence base as before, section for section.

Every number comes from :mod:`qa_analysis.annual` (year figures) and every sentence from
:mod:`qa_analysis.annual_text`; disclosure follows ``ctx.audience`` throughout.
"""

from __future__ import annotations

import html as html_lib
from dataclasses import dataclass, field

import pandas as pd

from . import annual, annual_text, charts, present
from .io.tables import REASON_PLACE_CHANGE_LABELS
from .metrics import audits as audit_metrics
from .metrics import placements as placement_metrics
from .metrics import referrals as referral_metrics
from .metrics import visits as visit_metrics

__all__ = ["Block", "Section", "annual_report", "header_rows", "show"]

APPENDIX_LETTERS = "ABCDEFGHIJ"


@dataclass
class Block:
    """One piece of a section. ``kind``: ``heading`` (``text``, ``level``), ``text`` (Markdown:
    paragraphs, **bold**), ``paragraphs`` (``items``: plain paragraphs, numbered in the
    paper), ``bullets`` (``items``), ``table`` (``frame`` of aggregated figures, ``caption``),
    ``chart`` (``chart``: a ``charts.Chart``), ``html`` (``html`` for the page; ``frame`` and
    ``caption`` stand in for it in the docx, or nothing), ``warning`` (``text``, ``items``)."""

    kind: str
    text: str = ""
    level: int = 2
    items: list = field(default_factory=list)
    frame: pd.DataFrame | None = None
    caption: str = ""
    chart: object = None
    html: str = ""
    numbered: bool = False


@dataclass
class Section:
    """A titled part of the report: ``key`` names it for tests and the docx writer."""

    key: str
    blocks: list[Block]


@dataclass
class AnnualReport:
    """The sections of the annual report for one year and audience, and what the docx needs."""

    title: str
    paper: bool  # True: a committee paper (audits.csv present)
    header: list[tuple[str, str]]
    sections: list[Section]
    audience: str
    year: str


def _heading(text: str, level: int = 2) -> Block:
    return Block("heading", text=text, level=level)


def _text(text: str) -> Block:
    return Block("text", text=text)


def _table(frame: pd.DataFrame, caption: str) -> Block:
    return Block("table", frame=frame, caption=caption)


def _breakdown(frame: pd.DataFrame, caption: str) -> Block:
    """A breakdown table, or for a public page whose table is mostly ``c`` a sentence saying
    its figures are withheld (a table of c is no use to a reader; internal tables hold no c)."""
    values = pd.concat([frame[c] for c in frame.columns], ignore_index=True) if len(frame) else pd.Series(dtype=object)
    if len(values) and charts.mostly_hidden(values):
        what = caption[:1].lower() + caption[1:]
        return _text(f"The table of {what} is not shown: most of its figures are withheld to protect the privacy "
                     "of the children and families concerned.")
    return _table(frame, caption)


def _chart(chart) -> Block:
    return Block("chart", chart=chart)


def _title_case(words: str) -> str:
    return words[:1].upper() + words[1:]


# ------------------------------------------------------------------ the committee paper


def _meeting_date(settings) -> str:
    value = str(getattr(settings, "meeting_date", "") or "").strip()
    if not value:
        return "To be confirmed"
    try:
        return f"{pd.Timestamp(pd.to_datetime(value, dayfirst='/' in value)):%-d %B %Y}"
    except (ValueError, TypeError):
        return value


def authority(settings) -> str:
    """The authority the paper names: the settings' ``authority_name``, else the ``--la`` of a
    regional stack (given to the kernel in ``QA_ANALYSIS_LA``), else "" (the rule of
    :func:`reports.authority_name`, which names it in every page's title)."""
    import os

    from .reports import authority_name

    return authority_name(settings, os.environ.get(present.LA_ENV))


def header_rows(ctx) -> list[tuple[str, str]]:
    """The header table of a council committee report: who the paper goes to and from (as
    roles, from the settings), when, about what, and whether it is public."""
    settings = ctx.settings
    authority_ = authority(settings)
    return [
        ("Committee", str(getattr(settings, "committee_name", "") or "Safeguarding Committee")),
        ("Date", _meeting_date(settings)),
        ("Subject", f"Quality Assurance Annual Report {ctx.period_label}"
         + (f": {authority_} children's social care" if authority_ else "")),
        ("Public", "Public" if ctx.public else "Non-public: internal use only"),
        ("Report of", str(getattr(settings, "report_of", "") or "Director of Children's Services")),
        ("Report author", str(getattr(settings, "report_author", "") or "Head of Quality Assurance")),
    ]


# The public paper's first page uses c (a count of 1 to 5, or a figure it could be worked out
# from); a committee member can meet it on the first page, so the Summary ends by saying what
# it means, before the evidence appendices do.
SMALL_NUMBERS_NOTE = (
    "This is the public version of the report. To protect the children and families concerned, "
    "numbers from one to five are shown as c, and so is any figure from which one could be worked out."
)


def _counted(count: str, noun: str) -> str:
    """'four audits'; a suppressed count is left out of the sentence ('audits') rather than
    printed as 'the c audits'."""
    return noun if count == "c" else f"{count} {noun}"


_AUDIT_COUNTS = ["cases", "families", "outstanding", "good", "requires_improvement", "inadequate"]


def _as_published(ctx, audits: pd.DataFrame, activity: pd.DataFrame) -> pd.DataFrame:
    """Public: each audit's cases, families and grades as the year's audited published set
    gives them (the "each audit" table of the appendix), so a paragraph never prints a
    number the set withholds. An audit (of the programme, or graded only) is found among the
    audits of ``activity`` by month, type and its true counts; one not found once has every
    count withheld."""
    if not ctx.public or audits.empty:
        return audits
    shown = ctx.table(activity, _AUDIT_COUNTS, keys="each_audit") if len(activity) else activity
    match_on = ["month", "audit_type", *_AUDIT_COUNTS]
    published = []
    for _, row in audits.iterrows():
        same = activity.index[(activity[match_on] == row[match_on]).all(axis=1)] if len(activity) else []
        published.append(list(shown.loc[same[0], _AUDIT_COUNTS]) if len(same) == 1 else ["c"] * len(_AUDIT_COUNTS))
    return audits.astype(dict.fromkeys(_AUDIT_COUNTS, object)).assign(
        **{c: [values[i] for values in published] for i, c in enumerate(_AUDIT_COUNTS)}
    )


def _cases_reviewed(programme: pd.DataFrame, others: pd.DataFrame):
    """Cases reviewed over the year's audits, or None when any audit's count is withheld
    (the total would give it back)."""
    cases = [*programme["cases"], *others["cases"]]
    return None if any(c == "c" for c in cases) else int(sum(cases))


def _paper_sections(ctx, summary, activity, figures) -> list[Section]:
    data, year, audience = ctx.data, ctx.year, ctx.audience
    programme = _as_published(ctx, annual.audit_programme(data, year), activity)
    others = _as_published(ctx, annual.activity_outside_programme(data, year), activity)
    routes = annual.recommendation_routes(data, year)
    profile = annual.grade_profile(data, year)
    themes = annual.recurring_themes(data, year)
    n = lambda v: annual_text.number_words(v, audience)  # noqa: E731
    label = ctx.period_label
    audits_total = len(programme) + len(others)
    cases = _cases_reviewed(programme, others)
    council = authority(ctx.settings) or "the Council"
    conclusion = annual_text.conclusion_paragraphs(summary, profile, themes, year, audience)
    rec_text = annual_text.recommendations_paragraphs(routes, annual.shared_with(data, year), year, audience)
    summary_text = [
        f"This report tells Members about the Quality Assurance activity of {council}'s children's "
        f"social care in {label}: the {_counted(n(audits_total), 'audit' if audits_total == 1 else 'audits')} "
        f"of the year{'' if cases is None else f', covering {n(cases)} cases'}, what they found, "
        "and how their recommendations were shared "
        "and taken forward, case by case or through the Service Development Plan.",
        *conclusion[:1],
        *([SMALL_NUMBERS_NOTE] if ctx.public else []),
    ]
    background = [
        "The Quality Assurance framework sets out how the quality of practice with children and families "
        "is checked: full case file audits of individual children's cases, thematic audits of one aspect "
        "of practice, and stocktakes of the front door. Auditors grade practice on the Ofsted four-point "
        "scale (outstanding, good, requires improvement to be good, inadequate), overall and by domain.",
        "Each audit's recommendations are shared with the teams and managers concerned, and either "
        "resolved case by case, routed to the Service Development Plan when they need a change in how "
        "the service works, or taken into learning and development.",
        f"This report covers 1 April {year} to 31 March {year + 1}. The figures behind it are in the "
        "appendices.",
    ]
    narrative = annual_text.year_narrative(summary, activity, year, audience, figures["missing"], words=True)
    return [
        Section("summary", [_heading("Summary"), Block("paragraphs", items=summary_text, numbered=True)]),
        Section("recommendation", [
            _heading("Recommendation"),
            Block("paragraphs", items=["Members are asked to note the report."], numbered=True),
        ]),
        Section("main_report", [
            _heading("Main Report"),
            _heading("Background", 3), Block("paragraphs", items=background, numbered=True),
            _heading("Current Position", 3),
            _heading("The audits of the year", 4),
            Block("paragraphs", items=annual_text.programme_paragraphs(
                programme, others, year, audience,
                single_family=bool(getattr(ctx.settings, "publish_single_family_figures", False))),
                numbered=True),
            _heading("Recommendations and the Service Development Plan", 4),
            Block("paragraphs", items=rec_text, numbered=True),
            _heading("The year in figures", 4),
            Block("paragraphs", items=narrative, numbered=True),
            _heading("Conclusion", 3),
            Block("paragraphs", items=conclusion or [f"No audit graded practice in {label}."], numbered=True),
        ]),
    ]


# ------------------------------------------------------------------ the evidence sections


def _intro(ctx) -> Section:
    text = (
        f"# Quality Assurance annual report: evidence base, {ctx.period_label}\n\n"
        f"The figures behind the Quality Assurance Annual Report to the safeguarding committee for "
        f"{ctx.start:%d %B %Y} to {ctx.end:%d %B %Y}: the audit activity of each quarter, what it found, "
        "the picture across the year for visits, contacts and referrals, and placement stability, and what "
        "happened to the recommendations."
        + ("\n\nSmall numbers (1 to 5) are shown as **c** to protect the children concerned, with any "
           "figure from which they could be worked out." if ctx.public else "")
    )
    return Section("intro", [_text(text)])


def _year_in_summary(ctx, summary, activity, figures, title) -> Section:
    blocks = [_heading(title)]
    blocks.append(_text("\n\n".join(annual_text.year_narrative(summary, activity, ctx.year, ctx.audience,
                                                               figures["missing"]))))
    for caption, keys in annual.HEADLINES.items():
        table = annual.summary_table(summary, keys)
        if len(table):
            blocks.append(_table(table, f"{caption}: {ctx.period_label} by quarter"))
    return Section("year_in_summary", blocks)


def _good_or_better_title(summary: pd.DataFrame, label: str) -> str:
    """From the first quarter with a grade to the last one (never "to not available in Q4")."""
    graded = [(q.upper(), v) for q in ("q1", "q2", "q3", "q4")
              if not pd.isna(v := annual.figure_value(summary, "audits.pct_good_or_better", q))]
    if not graded:
        return f"No overall grade was given in {label}"
    (first, start), (last, end) = graded[0], graded[-1]
    if first == last:
        return f"Good or better grades: {present.format_pct(start)} in {first}, the only quarter of {label} with a grade"
    text = f"Good or better grades went from {present.format_pct(start)} in {first} to {present.format_pct(end)} in {last}"
    return text if last == "Q4" else f"{text}, the last quarter of {label} with a grade"


def _audit_activity(ctx, summary, activity, title) -> Section:
    data, label = ctx.data, ctx.period_label
    blocks = [
        _heading(title),
        _text("What was audited in each quarter: full case file audits, thematic audits and stocktakes, the "
              "cases and families each covered, and the overall grades where the audit graded practice."),
    ]
    if data.case_audits is None:
        blocks.append(_text(f"**{annual_text.not_available(data, ['case_audits'])}**"))
        return Section("audit_activity", blocks)
    # Public: the sentences give the audited figures of each audit, as the table below does.
    shown_activity = ctx.table(activity, _AUDIT_COUNTS, keys="each_audit") if len(activity) else activity
    blocks.append(_text("\n".join(f"- {s}" for s in annual_text.activity_sentences(shown_activity, ctx.year, ctx.audience))))
    if len(activity):
        # Public: every table's figures from the year's audited published set (issue 13).
        by_type = ctx.table(annual.cases_by_quarter_and_type(activity), ["cases"], keys="cases_by_quarter_and_type").assign(
            audit_type=lambda d: d["audit_type"].str.replace("_", " ").str.capitalize(),
            quarter=lambda d: d["quarter"].str[-2:],
        )
        blocks.append(_chart(charts.stacked_bar_chart(
            by_type, x="quarter", y="cases", hue="audit_type",
            # The bars count cases reviewed (a child audited twice counts twice); the title's
            # figure is different children, so it says so rather than seem to total the bars.
            title=f"Cases reviewed in {label} by quarter and audit type: "
                  f"{present.format_count(annual.figure_value(summary, 'audits.children'))} different children, "
                  "a child audited twice counted in each audit",
            xlabel="Quarter", ylabel="Cases reviewed", period=label,
        )))
        each_audit = shown_activity.assign(
            month=lambda d: d["month"].dt.strftime("%B %Y"),
            quarter=lambda d: d["quarter"].str[-2:],
            audit_type=lambda d: d["audit_type"].str.replace("_", " ").str.capitalize(),
            theme=lambda d: d["theme"].fillna("Not recorded"),
        )
        blocks.append(_breakdown(
            each_audit,
            f"Each audit completed in {label}: cases and families covered, overall grades given",
        ))
    window = annual.year_window(ctx.year)
    by_domain = ctx.table(audit_metrics.grades_by_domain(data.case_audits, window), ["audits"], keys="grades_by_domain").assign(
        domain=lambda d: d["domain"].str.replace("_", " ").str.capitalize()
    )
    blocks.append(_chart(charts.heatmap_chart(
        by_domain, row="domain", col="grade", value="audits",
        title=f"{present.format_pct(annual.figure_value(summary, 'audits.pct_good_or_better'))} of overall "
              f"grades in {label} were good or outstanding",
        xlabel="Grade", ylabel="Practice domain", period=label,
    )))
    blocks.append(_chart(charts.line_chart(
        annual.quarter_series(summary, ["audits.pct_good_or_better"], {"audits.pct_good_or_better": "Good or better"}),
        x="quarter", y="value", hue="series", percent=True,
        title=_good_or_better_title(summary, label),
        xlabel="Quarter", ylabel="Overall grades good or better (%)", period=label,
    )))
    return Section("audit_activity", blocks)


_MODALITY = {"face_to_face": "Face to face", "virtual": "Virtual"}


def _visits(ctx, summary) -> list[Block]:
    data, label = ctx.data, ctx.period_label
    blocks = [_heading("Visits to children", 3)]
    if data.visits is None:
        return [*blocks, _text(f"**{annual_text.not_available(data, ['visits'])}**")]
    window = annual.year_window(ctx.year)
    by_month = ctx.table(visit_metrics.visits_by_month(data.visits, ctx.start, ctx.end), ["visits"], keys="visits_by_month").assign(
        month=lambda d: d["month"].dt.strftime("%b %Y"),
        modality=lambda d: d["modality"].map(_MODALITY).fillna(d["modality"]),
    )
    blocks.append(_chart(charts.stacked_bar_chart(
        by_month, x="month", y="visits", hue="modality",
        title=f"{present.format_pct(annual.figure_value(summary, 'visits.pct_face_to_face'))} of visits in "
              f"{label} were face to face",
        xlabel="Month", ylabel="Visits", period=label,
    )))
    methods = visit_metrics.visits_by_method(data.visits, window)
    by_method = ctx.table(methods, ["visits"], keys="visits_by_method").assign(
        method=lambda d: d["method"].map(present.method_words),
        modality=lambda d: d["modality"].map(_MODALITY).fillna(d["modality"]),
    )
    top = by_method.assign(visits=methods["visits"]).sort_values("visits", ascending=False).head(1)
    lead = f"{top['method'].iloc[0]} was the most used way of visiting" if len(top) else "No visits were recorded"
    blocks.append(_chart(charts.bar_chart(
        by_method, x="method", y="visits", hue="modality",
        title=f"{lead} in {label}", xlabel="Method", ylabel="Visits", period=label,
    )))
    blocks.append(_chart(charts.line_chart(
        annual.quarter_series(summary, ["visits.pct_face_to_face", "visits.pct_seen_alone", "visits.pct_timely"],
                              {"visits.pct_face_to_face": "Face to face", "visits.pct_seen_alone": "Seen alone",
                               "visits.pct_timely": "On time"}),
        x="quarter", y="value", hue="series", percent=True,
        title=f"{present.format_pct(annual.figure_value(summary, 'visits.pct_timely'))} of visits in the year "
              "were on time",
        xlabel="Quarter", ylabel="% of visits", period=label,
    )))
    return blocks


def _referrals(ctx, summary) -> list[Block]:
    data, label = ctx.data, ctx.period_label
    blocks = [_heading("Contacts, referrals and assessments", 3)]
    missing = annual_text.not_available(data, ["contacts", "referrals", "assessments"])
    if missing:
        blocks.append(_text(f"**{missing}**"))
    window = annual.year_window(ctx.year)
    if data.contacts is not None:
        by_month = ctx.table(referral_metrics.contacts_by_month(data.contacts, ctx.start, ctx.end), ["contacts"],
                             keys="contacts_by_month").assign(month=lambda d: d["month"].dt.strftime("%b %Y"))
        blocks.append(_chart(charts.bar_chart(
            by_month, x="month", y="contacts",
            title=f"{present.format_count(annual.figure_value(summary, 'contacts.total'))} contacts were "
                  f"received in {label}",
            xlabel="Month", ylabel="Contacts", period=label,
        )))
        by_family_size = referral_metrics.families_by_children_contacted(data.contacts, window, families=data.families)
        if ctx.public:  # sizes of 4 or more in one bar: the largest size would describe one family
            by_family_size = present.band_family_sizes(by_family_size)
        largest = annual.figure_value(summary, 'contacts.max_children_per_family')
        blocks.append(_chart(charts.bar_chart(
            ctx.table(by_family_size, ["families"], keys="family_sizes"), x="children_contacted", y="families",
            title=f"{present.format_count(annual.figure_value(summary, 'contacts.families_multi_child'))} families "
                  "had two or more children contacted"
                  + ("" if largest == "c" else f"; the largest had {present.format_count(largest)}"),
            xlabel="Children of the family contacted in the year", ylabel="Families", period=label,
        )))
    # Like with like (issue 16): the year's contacts, those followed by a referral (its share is
    # the contact-to-referral figure itself), referrals and assessments started in the year.
    funnel = referral_metrics.referral_funnel(data.contacts, data.referrals, data.assessments, window, ctx.settings)
    from_contact = present.format_pct(annual.figure_value(summary, "referrals.pct_from_contact"))
    if ctx.public:
        funnel = funnel.assign(share=lambda d: [from_contact if s is not None else None for s in d["share"]])
    if len(funnel) == 4:
        blocks.append(_chart(charts.funnel_chart(
            ctx.table(funnel, ["count"], keys="referral_funnel"), stage="stage", count="count", period=label,
            title=f"{from_contact} of contacts in {label} were followed by a referral within "
                  f"{ctx.settings.contact_referral_window_days} days",
        )))
    elif len(funnel):
        blocks.append(_chart(charts.funnel_chart(
            ctx.table(funnel, ["count"], keys="referral_funnel"), stage="stage", count="count", period=label,
            title=f"Activity at each stage in {label} (some lists are missing)",
        )))
    rates = annual.quarter_series(
        summary, ["referrals.pct_re_referral_12m", "assessments.pct_within_45wd", "referrals.pct_from_contact"],
        {"referrals.pct_re_referral_12m": "Re-referrals within 12 months",
         "assessments.pct_within_45wd": "Assessments within 45 working days",
         "referrals.pct_from_contact": "Contacts leading to a referral"},
    )
    if len(rates):
        blocks.append(_chart(charts.line_chart(
            rates, x="quarter", y="value", hue="series", percent=True,
            title=f"{present.format_pct(annual.figure_value(summary, 'assessments.pct_within_45wd'))} of assessments "
                  "in the year were completed within 45 working days",
            xlabel="Quarter", ylabel="%", period=label,
        )))
    return blocks


def _placements(ctx, summary) -> list[Block]:
    data, label = ctx.data, ctx.period_label
    blocks = [
        _heading("Placement stability of looked-after children", 3),
        _text("Children on an agreed series of short breaks are left out, as in DfE figures. A dashed line is "
              "an England figure for the year, drawn only where one is held (see Definitions)."),
    ]
    unavailable = data.episodes is None or data.header is None
    if unavailable:
        blocks.append(_text(f"**{annual_text.not_available(data, ['episodes', 'header'])}**"))
    else:
        blocks.append(_chart(charts.line_chart(
            annual.quarter_series(summary, ["placements.moves", "placements.children_moved",
                                            "placements.foster_to_semi_independent"],
                                  {"placements.moves": "Moves", "placements.children_moved": "Children who moved",
                                   "placements.foster_to_semi_independent": "Foster care to semi-independent"}),
            x="quarter", y="value", hue="series",
            title=f"{present.format_count(annual.figure_value(summary, 'placements.moves'))} placement moves in {label}",
            xlabel="Quarter", ylabel="Number", period=label,
        )))
        for key, words, ylabel in (
            ("placements.pct_3plus_12m", "had 3 or more placements in 12 months", "Children looked after (%)"),
            ("placements.pct_long_term_stable", "of those in long-term care were in a stable placement",
             "Children in care 2.5+ years, under 16 (%)"),
        ):
            value = annual.figure_value(summary, key)
            blocks.append(_chart(charts.line_chart(
                annual.quarter_series(summary, [key]), x="quarter", y="value", hue="series", percent=True,
                reference=ctx.reference_lines(key), target=ctx.target_line(key), period=label,
                title=(f"At the year end {present.format_pct(value)} {words}" if value is not None
                       else f"No figure at the year end: nobody was in the group measured ({ylabel[:-4].lower()})"),
                xlabel="Quarter end", ylabel=ylabel,
            )))
        transitions = ctx.table(placement_metrics.transitions_matrix(data.episodes, ctx.start, ctx.end, ctx.settings),
                                ["moves"], keys="transitions").assign(
            from_group=lambda d: d["from_group"].map(present.words),
            to_group=lambda d: d["to_group"].map(present.words),
        )
        blocks.append(_chart(charts.heatmap_chart(
            transitions, row="from_group", col="to_group", value="moves",
            title=f"Moves between kinds of placement in {label}", xlabel="Moved to", ylabel="Moved from", period=label,
        )))
        moves = placement_metrics.moves_by_reason(data.episodes, ctx.start, ctx.end, ctx.settings)
        reasons = ctx.table(moves, ["moves"], keys="moves_by_reason").assign(
            reason=lambda d: d["reason"].map(lambda code: present.describe(code, REASON_PLACE_CHANGE_LABELS))
        )
        top = reasons.assign(moves=moves["moves"]).sort_values("moves", ascending=False).head(1)
        lead = (f"{top['reason'].iloc[0]} was the most common reason for a move"
                if len(top) and top["moves"].iloc[0] > 0 else "No placement moves")
        blocks.append(_chart(charts.bar_chart(
            reasons, x="reason", y="moves",
            title=f"{lead} in {label}", xlabel="Reason for the placement change", ylabel="Moves", period=label,
        )))
    blocks += [
        _heading("From foster care to semi-independent accommodation", 4),
        _text("What the children who made these moves in the year had in common: counts of children by "
              "characteristic, never individual records."),
    ]
    if unavailable:
        blocks.append(_text(f"**{annual_text.not_available(data, ['episodes', 'header'])}**"))
        return blocks
    profile = placement_metrics.foster_to_semi_independent_profile(
        data.episodes, data.header, ctx.start, ctx.end, ctx.settings
    )
    if profile.empty:
        blocks.append(_text(f"No child moved from foster care to semi-independent accommodation in {label}."))
    else:
        blocks.append(_breakdown(
            present.profile_for_reading(ctx.table(profile, ["children"], keys="semi_profile")),
            f"Children who moved from foster care to semi-independent accommodation in {label}, by characteristic",
        ))
    return blocks


def _findings(ctx, summary, title) -> Section:
    return Section("findings", [_heading(title), *_visits(ctx, summary), *_referrals(ctx, summary),
                                *_placements(ctx, summary)])


def _recommendations(ctx, summary, title) -> Section:
    data, label = ctx.data, ctx.period_label
    blocks = [
        _heading(title),
        _text("What the audits recommended, whether it was done on time, what was still open or overdue at "
              "each quarter end, and what was routed to the Service Development Plan."),
    ]
    if data.recommendations is None:
        blocks.append(_text(f"**{annual_text.not_available(data, ['recommendations'])}**"))
        return Section("recommendations", blocks)
    by_quarter = annual.recommendations_by_quarter(data, ctx.year, ctx.settings)
    counts = ["raised", "raised_to_sdp", "completed", "completed_on_time", "pct_completed_on_time",
              "open_at_end", "overdue_at_end", "sdp_open_at_end"]
    shown = ctx.table(by_quarter, counts, keys="recommendations_by_quarter").assign(
        quarter=lambda d: d["quarter"].str[-2:],
        pct_completed_on_time=lambda d: d["pct_completed_on_time"].map(present.format_pct),
    ).rename(columns={
        "raised_to_sdp": "Raised, to the Service Development Plan", "completed_on_time": "Completed on time",
        "pct_completed_on_time": "Completed on time (%)", "open_at_end": "Open at quarter end",
        "overdue_at_end": "Overdue at quarter end", "sdp_open_at_end": "Open in the Service Development Plan",
    })
    blocks.append(_breakdown(shown, f"Recommendations by quarter, {label}"))
    status = ctx.table(annual.recommendations_status_by_quarter(data, ctx.year), ["recommendations"],
                       keys="status_by_quarter").assign(
        quarter=lambda d: d["quarter"].str[-2:],
        status=lambda d: d["status"].str.replace("_", " ").str.capitalize(),
    )
    blocks.append(_chart(charts.stacked_bar_chart(
        status, x="quarter", y="recommendations", hue="status",
        title=f"{present.format_count(annual.figure_value(summary, 'recommendations.overdue_at_quarter_end'))} "
              "recommendations were overdue at the year end",
        xlabel="Quarter", ylabel="Recommendations completed in the quarter or open at its end", period=label,
    )))
    blocks.append(_chart(charts.line_chart(
        annual.quarter_series(summary, ["recommendations.open_at_quarter_end", "recommendations.overdue_at_quarter_end",
                                        "recommendations.service_development_plan"],
                              {"recommendations.open_at_quarter_end": "Open",
                               "recommendations.overdue_at_quarter_end": "Overdue",
                               "recommendations.service_development_plan": "In the Service Development Plan"}),
        x="quarter", y="value", hue="series",
        title=f"{present.format_count(annual.figure_value(summary, 'recommendations.service_development_plan'))} "
              "open recommendations were in the Service Development Plan at the year end",
        xlabel="Quarter end", ylabel="Recommendations", period=label,
    )))
    by_theme = annual.recommendations_by_theme(data, ctx.year)
    if len(by_theme):
        blocks.append(_breakdown(
            ctx.table(by_theme, ["raised", "completed", "open_at_end", "overdue_at_end"],
                      keys="recommendations_by_theme").rename(
                columns={"open_at_end": "Open at year end", "overdue_at_end": "Overdue at year end"}),
            f"Recommendations by theme, {label}",
        ))
    return Section("recommendations", blocks)


_DEFINITION_KEYS = [
    "audits.audits", "audits.children", "audits.families", "audits.pct_good_or_better",
    "recommendations.raised", "recommendations.completed", "recommendations.pct_completed_on_time",
    "recommendations.open_at_quarter_end", "recommendations.overdue_at_quarter_end",
    "recommendations.service_development_plan",
    "visits.total", "visits.pct_face_to_face", "visits.method.<method>", "visits.children_visited",
    "visits.pct_seen_alone", "visits.pct_timely",
    "contacts.total", "contacts.families", "contacts.max_children_per_family", "contacts.families_multi_child",
    "referrals.total", "referrals.pct_re_referral_12m", "assessments.completed", "assessments.pct_within_45wd",
    "placements.moves", "placements.children_moved", "placements.pct_3plus_12m", "placements.pct_long_term_stable",
    "placements.foster_to_semi_independent",
]


def _how_built(title) -> Section:
    return Section("how_built", [
        _heading(title),
        _text("Each year figure comes from the quarterly definition below, in one of four ways (the last column "
              "of the summary tables says which)."),
        _text("\n".join(f"- **{rule}**: {words}." for rule, words in annual.how_year_is_built().items())),
    ])


def _definitions(title, ctx=None) -> Section:
    # Plain-English definitions; each figure with an England comparator says which (source and
    # year) or that none is held for the year (issue 16).
    return Section("definitions", [
        _heading(title),
        _text(present.definitions_markdown(_DEFINITION_KEYS, ctx)),
    ])


def _data_quality(ctx, figures) -> Section:
    data, missing = ctx.data, figures["missing"]
    blocks = [_heading("Data quality")]
    if missing:
        blocks.append(Block(
            "html",
            html='<div class="warning"><p>Missing for this year:</p><ul>'
                 + "".join(f"<li>{html_lib.escape(sentence)}</li>" for sentence in missing) + "</ul></div>",
            items=list(missing), text="Missing for this year:",
        ))
    else:
        blocks.append(_text(f"Every table has records in each quarter of {ctx.period_label}."))
    counts = data.summary.loc[lambda d: d["table"].isin(present.topic_tables(ctx.topic))]
    blocks.append(Block(
        "html", html=present.data_quality_html(data, ctx.topic),
        frame=pd.DataFrame({
            "Table": counts["table"].astype(str).to_list(),
            "Read": counts["rows_read"].astype(int).to_list(),
            "Accepted": counts["rows_accepted"].astype(int).to_list(),
            "Set aside": counts["rows_set_aside"].astype(int).to_list(),
        }),
        caption="Rows read, accepted and set aside, by table",
    ))
    return Section("data_quality", blocks)


def annual_report(ctx) -> AnnualReport:
    """Every section of the year's annual report for ``ctx`` (an annual report context)."""
    data, year = ctx.data, ctx.year
    summary = annual.year_summary_for_audience(
        annual.year_summary(data, year, ctx.settings), data, year, ctx.audience, ctx.settings
    )
    activity = annual.audit_activity_by_quarter(data, year)
    figures = {"missing": annual_text.missing_quarters(data, year)}
    paper = annual.has_programme(data)
    titles = ["The year in summary", "Audit activity by quarter", "Findings by topic", "Recommendations",
              "How the year's figures are built", "Definitions"]
    if paper:
        titles = [f"Appendix {APPENDIX_LETTERS[i]}: {t}" for i, t in enumerate(titles)]
    evidence = [
        _year_in_summary(ctx, summary, activity, figures, titles[0]),
        _audit_activity(ctx, summary, activity, titles[1]),
        _findings(ctx, summary, titles[2]),
        _recommendations(ctx, summary, titles[3]),
        _how_built(titles[4]),
        _definitions(titles[5], ctx),
        _data_quality(ctx, figures),
    ]
    if paper:
        title = f"Quality Assurance Annual Report {ctx.period_label}"
        intro = Section("intro", [_text(
            f"# {title}\n\nA report to the {header_rows(ctx)[0][1]}. The appendices hold the figures behind it."
            + ("\n\nSmall numbers (1 to 5) are shown as **c** to protect the children concerned, with any "
               "figure from which they could be worked out." if ctx.public else "")
        )])
        header = Section("header", [Block(
            "table", frame=pd.DataFrame(header_rows(ctx), columns=["Item", "Detail"]),
            caption="Committee report",
        )])
        sections = [intro, header, *_paper_sections(ctx, summary, activity, figures),
                    Section("appendices", [_heading("Appendices")]), *evidence]
    else:
        title = f"Quality Assurance annual report: evidence base, {ctx.period_label}"
        sections = [_intro(ctx), *evidence]
    return AnnualReport(title, paper, header_rows(ctx), sections, ctx.audience, ctx.period_label)


# ------------------------------------------------------------------ showing it in the notebook


def _numbered_html(items: list[str], start: int) -> str:
    return f'<ol class="paper" start="{start}">' + "".join(
        f"<li><p>{html_lib.escape(text)}</p></li>" for text in items) + "</ol>"


def show(report: AnnualReport, keys=None) -> None:
    """Display the sections of ``report`` (those named in ``keys``, else all) in a notebook."""
    from IPython.display import display

    number = 1
    for section in report.sections:
        if keys is not None and section.key not in keys:
            number += sum(len(b.items) for b in section.blocks if b.kind == "paragraphs")
            continue
        for block in section.blocks:
            if block.kind == "heading":
                present.md(f"{'#' * block.level} {block.text}")
            elif block.kind == "text":
                present.md(block.text)
            elif block.kind == "paragraphs":
                present.show_html(_numbered_html(block.items, number))
                number += len(block.items)
            elif block.kind == "bullets":
                present.md("\n".join(f"- {item}" for item in block.items))
            elif block.kind == "table":
                caption = block.caption
                if section.key == "header":
                    rows = "".join(
                        f'<tr><th scope="row">{html_lib.escape(k)}</th><td>{html_lib.escape(v)}</td></tr>'
                        for k, v in block.frame.itertuples(index=False))
                    present.show_html(f'<table class="committee-header"><caption>{html_lib.escape(caption)}'
                                      f"</caption><tbody>{rows}</tbody></table>")
                else:
                    present.show_html(present.aggregate_table_html(block.frame, caption=caption))
            elif block.kind == "chart":
                display(block.chart)
            elif block.kind == "html":
                present.show_html(block.html)

"""Each metric's name and definition in plain English, for the managers who read the reports.

One entry per catalogue key (``<code>`` keys once for all their codes): ``label`` is the
figure's name on every page (headline tables, charts, the annual report) and
``definition`` says what is counted, out of what, over which period, and where the data
comes from. The technical detail (exclusions, edge cases, DfE rule numbers) stays in the
metric function's docstring and ``docs/``; nothing here names code, files' columns or
internal documents. ``higher_is_better`` gives the direction a change is read in (None
where a rise is neither good nor bad, e.g. the number of contacts).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plain:
    label: str
    definition: str
    higher_is_better: bool | None = None


_VISITS = "Source: the authority's own record of visits (there is no national return for visits)."
_ANNEX_A = "Source: the authority's Ofsted Annex A lists (List 1 contacts, List 3 referrals, List 4 assessments)."
_903 = (
    "Source: the authority's SSDA903 return on children looked after (as sent to the DfE each year). "
    "Children on an agreed series of short breaks are left out, as in DfE figures."
)
_AUDITS = "Source: the Quality Assurance team's case audit records."
_RECS = "Source: the Quality Assurance team's record of audit recommendations."

PLAIN: dict[str, Plain] = {
    # --- visits
    "visits.total": Plain("Visits", f"Every visit to a child recorded with a date in the quarter. {_VISITS}"),
    "visits.face_to_face": Plain("Face-to-face visits", f"Visits in the quarter where the worker and child met in person. {_VISITS}"),
    "visits.virtual": Plain("Virtual visits", f"Visits in the quarter made by video or phone. {_VISITS}"),
    "visits.pct_face_to_face": Plain(
        "Visits made face to face",
        f"Face-to-face visits in the quarter, out of all visits in the quarter. {_VISITS}", True,
    ),
    "visits.method.<method>": Plain(
        "Visits by method",
        "Visits in the quarter by how they were made: for face-to-face visits where they took place (home, "
        f"office, school, other), for virtual visits the platform (Zoom, WhatsApp, Teams, FaceTime, phone, other video). {_VISITS}",
    ),
    "visits.children_visited": Plain("Children visited", f"Different children with at least one visit in the quarter. {_VISITS}"),
    "visits.pct_seen_alone": Plain(
        "Children seen alone",
        f"Visits in the quarter where the child was seen alone, out of visits where the child was seen. {_VISITS}", True,
    ),
    "visits.pct_timely": Plain(
        "Visits on time",
        "Visits in the quarter that came within the expected interval since the child's previous visit, out of "
        "visits that had a previous visit to time from. The interval is 6 weeks (42 days) for looked-after children, "
        "10 working days for children on a child protection plan and 20 working days for children in need, unless "
        f"the authority has set its own. {_VISITS}", True,
    ),
    # --- contacts, referrals, assessments
    "contacts.total": Plain("Contacts", f"Contacts received about children in the quarter. {_ANNEX_A}"),
    "contacts.children": Plain("Children contacted about", f"Different children with a contact in the quarter. {_ANNEX_A}"),
    "contacts.families": Plain(
        "Families contacted about",
        "Different families with a contact about any of their children in the quarter. Families come from the "
        "case management system; a child with no family record counts as a family of one.",
    ),
    "contacts.max_children_per_family": Plain(
        "Most children of one family contacted about",
        "The largest number of different children of one family with a contact in the quarter.",
    ),
    "contacts.families_multi_child": Plain(
        "Families with 2 or more children contacted about",
        "Families with contacts about two or more different children in the quarter.",
    ),
    "contacts.source.<code>": Plain(
        "Contacts by source",
        f"Contacts in the quarter by who made them (police, schools, health and so on, as the DfE lists them). {_ANNEX_A}",
    ),
    "referrals.total": Plain("Referrals", f"Referrals to children's social care received in the quarter. {_ANNEX_A}"),
    "referrals.pct_from_contact": Plain(
        "Contacts that led to a referral",
        "Contacts in the quarter that were followed by a referral of the same child on the day of the contact or "
        f"within 30 days after it (or the authority's own window), out of all contacts in the quarter. {_ANNEX_A}",
        None,
    ),
    "referrals.pct_re_referral_12m": Plain(
        "Re-referrals within 12 months",
        "Referrals in the quarter for a child who had already been referred in the 12 months before, out of all "
        f"referrals in the quarter. This is the DfE's re-referral measure. {_ANNEX_A}", False,
    ),
    "referrals.pct_nfa": Plain(
        "Referrals with no further action",
        f"Referrals in the quarter that ended with no further action, out of all referrals in the quarter. {_ANNEX_A}",
    ),
    "assessments.completed": Plain(
        "Assessments completed",
        "Assessments signed off by a manager in the quarter, whenever they started (some started in an earlier "
        f"quarter). {_ANNEX_A}",
    ),
    "assessments.pct_within_45wd": Plain(
        "Assessments completed within 45 working days",
        "Assessments signed off in the quarter that took 45 working days or fewer from start to sign-off (weekends "
        "and bank holidays not counted), out of all assessments signed off in the quarter. 45 working days is the "
        f"timescale in Working Together to Safeguard Children. {_ANNEX_A}", True,
    ),
    "assessments.median_working_days": Plain(
        "Typical (median) assessment length",
        "The middle value of the working days from start to sign-off of the assessments signed off in the "
        "quarter: half took longer, half took less.", False,
    ),
    # --- placement stability
    "cla.during_quarter": Plain("Children looked after during the quarter", f"Different children looked after on any day of the quarter. {_903}"),
    "cla.at_quarter_end": Plain("Children looked after at the quarter end", f"Children looked after on the last day of the quarter. {_903}"),
    "placements.moves": Plain(
        "Placement moves",
        "Moves to a new carer or placement that started in the quarter. A child's first placement, a return to "
        f"the same placement after a short temporary one, and changes of legal status alone are not moves. {_903}",
    ),
    "placements.children_moved": Plain("Children who moved placement", f"Different children with at least one placement move in the quarter. {_903}"),
    "placements.pct_3plus_12m": Plain(
        "Children with 3 or more placements in 12 months",
        "Children looked after at the quarter end who had 3 or more placements in the 12 months to that day, out "
        "of all children looked after at the quarter end. At the end of March this is the DfE's one-year "
        f"placement stability measure. {_903}", False,
    ),
    "placements.pct_long_term_stable": Plain(
        "Long-term placement stability",
        "Children under 16 looked after for at least two and a half years at the quarter end who had been with "
        "the same carer for at least 2 years (or placed for adoption), out of all children under 16 looked after "
        f"that long. This is the DfE's long-term stability measure. {_903}", True,
    ),
    "placements.foster_to_semi_independent": Plain(
        "Moves from foster care to semi-independent living",
        f"Placement moves in the quarter from a foster placement to semi-independent or independent living. {_903}",
    ),
    "placements.reason.<code>": Plain(
        "Moves by reason",
        f"Placement moves in the quarter by the reason recorded for the change of placement. {_903}",
    ),
    # --- audits and recommendations
    "audits.audits": Plain("Audits completed", f"Case audits (full case file audits, thematic audits and stocktakes) completed in the quarter. {_AUDITS}"),
    "audits.children": Plain("Children whose cases were audited", f"Different children whose cases were audited in the quarter. {_AUDITS}"),
    "audits.families": Plain("Families whose cases were audited", f"Different families among the cases audited in the quarter. {_AUDITS}"),
    "audits.grade.<grade>": Plain(
        "Overall grades",
        f"Overall grades given in audits completed in the quarter, on the Ofsted four-point scale. {_AUDITS}",
    ),
    "audits.pct_good_or_better": Plain(
        "Audits graded good or better",
        "Overall grades of good or outstanding given in the quarter, out of all overall grades given in the "
        f"quarter (thematic audits that grade nothing are not counted). {_AUDITS}", True,
    ),
    "recommendations.raised": Plain("Recommendations raised", f"Recommendations raised by audits in the quarter. {_RECS}"),
    "recommendations.completed": Plain("Recommendations completed", f"Recommendations completed in the quarter, whenever they were raised. {_RECS}"),
    "recommendations.pct_completed_on_time": Plain(
        "Recommendations completed on time",
        f"Recommendations completed in the quarter by their due date, out of all completed in the quarter. {_RECS}", True,
    ),
    "recommendations.open_at_quarter_end": Plain(
        "Recommendations open at the quarter end",
        f"Recommendations raised by the quarter end and not completed by then. {_RECS}", False,
    ),
    "recommendations.overdue_at_quarter_end": Plain(
        "Recommendations overdue at the quarter end",
        f"Open recommendations whose due date had passed by the quarter end. {_RECS}", False,
    ),
    "recommendations.service_development_plan": Plain(
        "Open recommendations in the Service Development Plan",
        f"Recommendations open at the quarter end that were passed to the Service Development Plan. {_RECS}",
    ),
}


def _entry(key: str) -> Plain | None:
    if key in PLAIN:
        return PLAIN[key]
    for pattern, entry in PLAIN.items():
        if "<" in pattern and key.startswith(pattern.split("<", 1)[0]):
            return entry
    return None


def label_of(key: str) -> str:
    """The figure's name for managers (the key itself only if it has no entry)."""
    entry = _entry(key)
    return entry.label if entry else key


def plain_definition(key: str) -> str | None:
    entry = _entry(key)
    return entry.definition if entry else None


def higher_is_better(key: str) -> bool | None:
    entry = _entry(key)
    return entry.higher_is_better if entry else None

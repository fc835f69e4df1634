"""The denominators behind each percentage, for disclosure control.

A published percentage must be suppressed when it rests on a count of 1 to 5
(domain.md section 6). Some denominators are catalogue keys (``visits.total``); others are
not (visits where the child was seen), so they are computed here from the same breakdowns.
"""

from __future__ import annotations

from ..config import DEFAULT_SETTINGS, Settings
from ..periods import Quarter, parse_quarter
from . import audits, placements, referrals, visits


def metric_bases(data, quarter: Quarter | str, settings: Settings = DEFAULT_SETTINGS) -> dict[str, int]:
    """Percentage (or median) key -> the count it is built on, for the topics loaded."""
    quarter = parse_quarter(quarter)
    bases: dict[str, int] = {}
    if data.visits is not None:
        frame = data.visits
        bases["visits.pct_face_to_face"] = visits.total_visits(frame, quarter)
        bases["visits.pct_seen_alone"] = int(visits.seen_alone_by_cohort(frame, quarter)["seen"].sum())
        bases["visits.pct_timely"] = int(
            visits.timeliness_by_cohort(frame, quarter, settings)["visits_with_previous"].sum()
        )
    if data.contacts is not None:
        bases["referrals.pct_from_contact"] = referrals.contacts_total(data.contacts, quarter)
    if data.referrals is not None:
        n = referrals.referrals_total(data.referrals, quarter)
        bases["referrals.pct_re_referral_12m"] = n
        bases["referrals.pct_nfa"] = n
    if data.assessments is not None:
        timed = int(referrals.assessment_duration_bands(data.assessments, quarter)["assessments"].sum())
        bases["assessments.pct_within_45wd"] = timed
        bases["assessments.median_working_days"] = timed
    if data.episodes is not None and data.header is not None:
        bases.update(placements.placement_bases(data.episodes, data.header, quarter, settings))
    if data.case_audits is not None:
        graded = audits.overall_grade_counts(data.case_audits, quarter)
        bases["audits.pct_good_or_better"] = int(sum(graded.values()))
    if data.recommendations is not None:
        bases["recommendations.pct_completed_on_time"] = audits.recommendations_completed(
            data.recommendations, quarter
        )
    return bases

"""The metric keys of DESIGN section 4, written out by hand (shared by the tests)."""

FIXED_KEYS = (
    "visits.total", "visits.face_to_face", "visits.virtual", "visits.pct_face_to_face",
    "visits.children_visited", "visits.pct_seen_alone", "visits.pct_timely",
    "contacts.total", "contacts.children", "contacts.families", "contacts.max_children_per_family",
    "contacts.families_multi_child",
    "referrals.total", "referrals.pct_from_contact", "referrals.pct_re_referral_12m", "referrals.pct_nfa",
    "assessments.completed", "assessments.pct_within_45wd", "assessments.median_working_days",
    "cla.during_quarter", "cla.at_quarter_end", "placements.moves", "placements.children_moved",
    "placements.pct_3plus_12m", "placements.pct_long_term_stable", "placements.foster_to_semi_independent",
    "audits.audits", "audits.children", "audits.families", "audits.pct_good_or_better",
    "recommendations.raised", "recommendations.completed", "recommendations.pct_completed_on_time",
    "recommendations.open_at_quarter_end", "recommendations.overdue_at_quarter_end",
    "recommendations.service_development_plan",
)
# Keys with <...> expand to one key per code present.
CODE_KEYS = ("visits.method.<method>", "contacts.source.<code>", "placements.reason.<code>", "audits.grade.<grade>")
CODE_PREFIXES = tuple(key.split("<", 1)[0] for key in CODE_KEYS)

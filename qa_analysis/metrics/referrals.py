"""Contacts, referrals and assessments (DESIGN section 4, "referrals"; domain.md 3 and 5).

Inputs are the typed frames of ``qa_analysis.io.tables.TABLES``: ``contacts`` (Annex A
List 1), ``referrals`` (List 3), ``assessments`` (List 4) and the optional ``families``
(case-management family membership, one row per child). Every function is pure: it
filters and derives new frames and never changes the frames it is given.

"In the quarter" is start <= date <= end, both inclusive; a missing date is never in it.
Working days are :func:`qa_analysis.periods.working_days`: the working days d with
start < d <= end (same day = 0), England and Wales bank holidays excluded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import DEFAULT_SETTINGS, Settings
from ..io.tables import SOURCE_CODES
from ..periods import Quarter, parse_period, working_days
from ._common import (
    bound,
    codes,
    column_codes,
    derived,
    family_of,
    in_quarter,
    join_keys,
    pct,
    round_half_away,
    whole_days,
)

Number = int | float | None

# DfE CIN table C2 duration bands, in working days (domain.md 3.4): (label, low, high).
DURATION_BANDS: tuple[tuple[str, float, float], ...] = (
    ("Same day", 0, 0),
    ("1-10", 1, 10),
    ("11-20", 11, 20),
    ("21-30", 21, 30),
    ("31-40", 31, 40),
    ("41-45", 41, 45),
    ("46-50", 46, 50),
    ("51-60", 51, 60),
    ("61+", 61, np.inf),
)


# --------------------------------------------------------------------------- helpers


def _contacts_in_quarter(contacts: pd.DataFrame, quarter: Quarter) -> pd.DataFrame:
    """The contacts dated in the quarter; a frame whose contacts all are is returned as it
    is (not copied)."""
    rows = in_quarter(contacts["contact_date"], quarter).to_numpy(dtype=bool)
    return contacts if rows.all() else contacts.loc[rows]


def _rows_with_referral_of_same_child(rows, date_column, referrals, first, last, lowest, highest) -> int:
    """How many of ``rows`` have a referral of the same child, dated from ``first`` to
    ``last``, whose date lies from ``lowest(row date)`` to ``highest(row date)`` (both
    included; each row counted once).

    Only referrals inside that window are looked at, on integer keys of the child
    (:func:`._common.join_keys`), which keeps it small and fast at national scale: sorted
    by child and day, each row's first referral on or after its lowest day is found by
    binary search (referral dates a whole number of days apart, as the loader's dates at
    midnight are), else by a join.
    """
    child = rows["child_id"]
    named = child.notna().to_numpy(dtype=bool)
    candidates = referrals.loc[
        lambda d: d["referral_date"].between(first, last).fillna(False).astype(bool),
        ["child_id", "referral_date"],
    ].dropna()
    own_child, other_child = join_keys(child.loc[named], candidates["child_id"])
    own_date = rows[date_column].to_numpy()[named]
    low, high = np.asarray(lowest(own_date)), np.asarray(highest(own_date))
    other_date = candidates["referral_date"].to_numpy()
    found = _any_between(own_child, low, high, other_child, other_date)
    if found is not None:
        return int(np.count_nonzero(found))
    numbered = pd.DataFrame({"row": np.arange(len(own_child)), "child": own_child, "low": low, "high": high})
    others = pd.DataFrame({"child": other_child, "referral_date": other_date})
    return int(
        numbered.merge(others, on="child", how="inner")
        .loc[lambda d: (d["referral_date"] >= d["low"]) & (d["referral_date"] <= d["high"])]["row"]
        .nunique()
    )


def _any_between(keys, low, high, other_keys, other_dates) -> np.ndarray | None:
    """True for each key whose ``other_keys`` include one dated from ``low`` to ``high``
    (both included, per key): by binary search over the others sorted by key and day.
    None unless the other dates lie a whole number of days apart (then the caller joins
    instead)."""
    if not len(other_keys) or not len(keys):
        return np.zeros(len(keys), dtype=bool)
    kind = other_dates.dtype
    if kind.kind != "M" or low.dtype != kind or high.dtype != kind or np.isnat(other_dates).any():
        return None
    days = whole_days(other_dates.view(np.int64), kind)
    if days is None:
        return None
    base, per_day, day = days
    span = int(day.max()) + 1  # days 0 .. span - 1
    distinct, group = np.unique(other_keys, return_inverse=True)
    combined = np.sort(group.astype(np.int64) * span + day)
    where = np.searchsorted(distinct, keys)
    known = where < len(distinct)
    known[known] = distinct[where[known]] == keys[known]
    valid = known & ~np.isnat(low) & ~np.isnat(high)
    # each key's window in whole days from base: first day >= low, last day <= high
    first_day = np.clip(-((base - low.view(np.int64)) // per_day), 0, span)
    last_day = np.clip((high.view(np.int64) - base) // per_day, -1, span - 1)
    valid &= first_day <= last_day
    offset = np.where(valid, where, 0).astype(np.int64) * span
    at = np.searchsorted(combined, offset + first_day, side="left")
    hit = at < len(combined)
    hit[hit] = combined[at[hit]] <= (offset + last_day)[hit]
    return hit & valid


def _referrals_in_quarter(referrals: pd.DataFrame, quarter: Quarter) -> pd.DataFrame:
    return referrals.loc[lambda d: in_quarter(d["referral_date"], quarter)]


def _assessments_completed(assessments: pd.DataFrame, quarter: Quarter) -> pd.DataFrame:
    return assessments.loc[lambda d: in_quarter(d["assessment_authorised_date"], quarter)]


def _family_key(contacts: pd.DataFrame, families: pd.DataFrame | None) -> pd.Series:
    """One family key per contact row: the child's family (:func:`_family_of`), or the
    child alone. Keys carry a prefix so a child id can never collide with a family id."""
    child = contacts["child_id"].astype("string")
    return ("family:" + family_of(child, families)).fillna("child:" + child)


def _children_per_family(
    contacts: pd.DataFrame, quarter: Quarter, families: pd.DataFrame | None
) -> pd.Series:
    """Distinct children contacted in the quarter, one count per family (:func:`_family_key`:
    the child's family or the child alone), in no particular order. Contacts without a
    child id are left out: they belong to no child and so to no family. Worked out on
    integer codes of the child and the family, as the quarter can hold 300,000 contacts."""
    quarter = parse_period(quarter)

    def count():
        in_quarter = _contacts_in_quarter(contacts, quarter)
        child_code, children, _ = column_codes(in_quarter, "child_id")
        # One row per distinct child (its first contact): a child's family depends on the
        # child alone, so the distinct children of a family are its children here.
        named = np.flatnonzero(child_code >= 0)
        first = np.full(children, -1, dtype=np.int64)
        first[child_code[named][::-1]] = named[::-1]
        family_code, family_count, _ = codes(family_of(in_quarter["child_id"].iloc[first], families))
        # a family by its code; a child with no family as a family of its own, numbered after
        group = np.where(family_code >= 0, family_code, family_count + np.arange(children))
        per_group = np.bincount(group, minlength=1)
        return pd.Series(per_group[per_group > 0], dtype="int64")

    # Computed once per contacts frame, quarter and families table: the families, the
    # largest family and the multi-child families of a quarter share it.
    return derived(contacts, ("children_per_family", quarter), count, others=(families,))


def _order_sources(codes) -> list[str]:
    """Canonical source order (tables.SOURCE_CODES), any unlisted code after, sorted."""
    codes = set(codes)
    return [c for c in SOURCE_CODES if c in codes] + sorted(codes - set(SOURCE_CODES))


def _assessment_durations(assessments: pd.DataFrame, quarter: Quarter) -> pd.Series:
    """Working days from start to authorisation of the assessments completed in the
    quarter that have a usable start date (present and not after authorisation); once
    per assessments frame and quarter (the share within the target and the median read
    the same durations)."""
    quarter = parse_period(quarter)

    def durations() -> pd.Series:
        completed = _assessments_completed(assessments, quarter).loc[
            lambda d: d["assessment_start_date"].notna()
            & (d["assessment_start_date"] <= d["assessment_authorised_date"])
        ]
        if completed.empty:
            return pd.Series(dtype="float64")
        return working_days(completed["assessment_start_date"], completed["assessment_authorised_date"])

    return derived(assessments, ("assessment_durations", quarter), durations)


# --------------------------------------------------------------------------- contacts


def contacts_total(contacts: pd.DataFrame, quarter: Quarter) -> int:
    """``contacts.total``: List 1 rows with ``contact_date`` in the quarter.

    Numerator: every contact row dated in the quarter (a child contacted twice counts
    twice). No denominator. Exclusions: rows with no contact date.
    Source: DESIGN section 4 (referrals); domain.md 3.1 (Annex A List 1).
    """
    return int(len(_contacts_in_quarter(contacts, quarter)))


def contacts_children(contacts: pd.DataFrame, quarter: Quarter) -> int:
    """``contacts.children``: distinct children with a contact in the quarter.

    Numerator: distinct ``child_id`` among the contacts dated in the quarter. No
    denominator. Exclusions: rows with no child id. Source: DESIGN section 4 (referrals).
    """
    return int(column_codes(_contacts_in_quarter(contacts, quarter), "child_id")[1])


def contacts_families(
    contacts: pd.DataFrame, quarter: Quarter, families: pd.DataFrame | None = None
) -> int:
    """``contacts.families``: distinct families with a contact in the quarter.

    Numerator: distinct families of the children contacted in the quarter, the family
    coming from ``families`` (case-management family id; Annex A List 1 has none); a
    child with no family row (or no ``families`` table at all) is its own family. No
    denominator. Exclusions: contacts with no child id.
    Source: DESIGN section 4 (referrals); domain.md 3.1 notes (SSD ``ssd_family``).
    """
    return int(len(_children_per_family(contacts, quarter, families)))


def contacts_max_children_per_family(
    contacts: pd.DataFrame, quarter: Quarter, families: pd.DataFrame | None = None
) -> int:
    """``contacts.max_children_per_family``: the most distinct children of one family
    contacted in the quarter (0 when there are no contacts).

    Families as in :func:`contacts_families`. Source: DESIGN section 4 (referrals).
    """
    per_family = _children_per_family(contacts, quarter, families)
    return int(per_family.max()) if len(per_family) else 0


def contacts_families_multi_child(
    contacts: pd.DataFrame, quarter: Quarter, families: pd.DataFrame | None = None
) -> int:
    """``contacts.families_multi_child``: families with 2 or more distinct children
    contacted in the quarter (the children need not be contacted on the same day).

    Families as in :func:`contacts_families`. Source: DESIGN section 4 (referrals).
    """
    return int((_children_per_family(contacts, quarter, families) >= 2).sum())


def contacts_by_source_counts(contacts: pd.DataFrame, quarter: Quarter) -> dict[str, int]:
    """``contacts.source.<code>``: contacts in the quarter by ``contact_source`` code.

    One key per code present, in the order of ``tables.SOURCE_CODES`` (codes outside the
    list follow, sorted). Exclusions: contacts with a blank source are left out, so the
    keys may add up to less than ``contacts.total``.
    Source: DESIGN section 4 (referrals); domain.md 3.3 (source codes).
    """
    counts = _contacts_in_quarter(contacts, quarter)["contact_source"].dropna().astype(str).value_counts()
    return {f"contacts.source.{code}": int(counts[code]) for code in _order_sources(counts.index)}


# --------------------------------------------------------------------------- referrals


def referrals_total(referrals: pd.DataFrame, quarter: Quarter) -> int:
    """``referrals.total``: List 3 rows with ``referral_date`` in the quarter.

    Exclusions: rows with no referral date. Source: DESIGN section 4; domain.md 3.1.
    """
    return int(len(_referrals_in_quarter(referrals, quarter)))


def referrals_pct_from_contact(
    contacts: pd.DataFrame,
    referrals: pd.DataFrame,
    quarter: Quarter,
    settings: Settings = DEFAULT_SETTINGS,
) -> float | None:
    """``referrals.pct_from_contact``: % of contacts followed by a referral.

    Numerator: contacts dated in the quarter for which the same child has a referral
    dated on the contact date or up to ``settings.contact_referral_window_days`` (30)
    calendar days after it (day 30 counts, day 31 does not). The referral may fall after
    the quarter end; a referral before the contact, or of another child, does not count.
    Denominator: contacts dated in the quarter (by contact row, so a child contacted
    twice counts twice). None when there are no contacts.
    Source: DESIGN section 4 (referrals); domain.md 3.4 (a DERIVED local measure, not a
    DfE one).
    """
    return pct(*contacts_followed_by_referral_counts(contacts, referrals, quarter, settings))


def contacts_followed_by_referral_counts(
    contacts: pd.DataFrame,
    referrals: pd.DataFrame,
    quarter: Quarter | str,
    settings: Settings = DEFAULT_SETTINGS,
) -> tuple[int, int]:
    """(contacts followed by a referral, contacts) in the quarter: the counts behind
    ``referrals.pct_from_contact``."""
    quarter = parse_period(quarter)
    window = pd.Timedelta(days=settings.contact_referral_window_days)
    contacts_in_quarter = _contacts_in_quarter(contacts, quarter)
    converted_rows = _rows_with_referral_of_same_child(
        contacts_in_quarter, "contact_date", referrals, quarter.start, quarter.end + window,
        lambda own: own, lambda own: own + window.to_timedelta64(),
    )
    return converted_rows, int(len(contacts_in_quarter))


def referrals_pct_re_referral_12m(
    referrals: pd.DataFrame, quarter: Quarter, settings: Settings = DEFAULT_SETTINGS,
    referrals_coverage=None,
) -> float | None:
    """``referrals.pct_re_referral_12m``: % of referrals that are re-referrals.

    Numerator: referrals dated in the quarter for which the same child has an earlier
    referral dated on or after (the date minus ``settings.re_referral_months`` (12)
    calendar months, ``pd.DateOffset``) and strictly before the date. A referral exactly
    12 months earlier counts; earlier referrals from before the quarter count. A second
    referral of the same child on the same day is not "earlier", so a same-day duplicate
    is not a re-referral (of itself or of its twin).
    Denominator: referrals dated in the quarter (rows). None when there are none.
    Short history: when ``referrals_coverage`` (the referrals table's first and last date) begins
    after the 12 months before the quarter's first day, the earlier referrals are not all
    in the data; then List 3's own "Number of Referrals in Last 12 Months" stands in where
    it is filled for every referral in the quarter: a referral is a re-referral when the
    data holds an earlier one as above or that count is 1 or more; else None
    (:func:`re_referral_source` says which was used).
    Source: DESIGN section 4; domain.md 3.4 (EES re-referral definition, DERIVED rule).
    """
    if re_referral_source(referrals, quarter, settings, referrals_coverage) is None:
        return None
    return pct(*re_referral_counts(referrals, quarter, settings, referrals_coverage))


def re_referral_counts(
    referrals: pd.DataFrame, quarter: Quarter | str, settings: Settings = DEFAULT_SETTINGS,
    referrals_coverage=None,
) -> tuple[int, int]:
    """(re-referrals, referrals) in the quarter: the counts behind
    ``referrals.pct_re_referral_12m`` (with List 3's count standing in for a short history,
    as that function says)."""
    quarter = parse_period(quarter)
    look_back = pd.DateOffset(months=settings.re_referral_months)
    referrals_in_quarter = _referrals_in_quarter(referrals, quarter)
    if re_referral_source(referrals, quarter, settings, referrals_coverage) == "list_3_count":
        # counted by List 3, plus those the data itself shows an earlier referral for
        counted = referrals_in_quarter["referrals_last_12m"].ge(1).fillna(False).to_numpy(dtype=bool)
        shown = _rows_with_referral_of_same_child(
            referrals_in_quarter.loc[~counted], "referral_date", referrals, quarter.start - look_back,
            quarter.end, *_earlier_within(look_back),
        )
        return int(counted.sum()) + shown, int(len(referrals_in_quarter))
    re_referral_rows = _rows_with_referral_of_same_child(
        referrals_in_quarter, "referral_date", referrals, quarter.start - look_back, quarter.end,
        *_earlier_within(look_back),
    )
    return re_referral_rows, int(len(referrals_in_quarter))


def _earlier_within(look_back: pd.DateOffset):
    """The window of an earlier referral: on or after the date minus ``look_back``
    (calendar months) and strictly before the date (up to the tick before it)."""

    def lowest(own):
        return (pd.DatetimeIndex(own) - look_back).to_numpy().astype(own.dtype)

    def highest(own):
        return own - np.timedelta64(1, np.datetime_data(own.dtype)[0])

    return lowest, highest


def re_referral_source(
    referrals: pd.DataFrame, quarter: Quarter, settings: Settings = DEFAULT_SETTINGS, coverage=None
) -> str | None:
    """How ``referrals.pct_re_referral_12m`` is worked out for the quarter: ``"history"``
    (the referrals in the data, which reach back 12 months), ``"list_3_count"`` (the
    history is shorter, List 3's "Number of Referrals in Last 12 Months" is filled for
    every referral in the quarter), or None (neither: the figure is not shown)."""
    quarter = parse_period(quarter)
    look_back = pd.DateOffset(months=settings.re_referral_months)
    if coverage is None or coverage.covers_span(quarter.start - look_back, quarter.end):
        return "history"
    counts = _referrals_in_quarter(referrals, quarter)["referrals_last_12m"]
    return "list_3_count" if len(counts) and counts.notna().all() else None


def referrals_pct_nfa(referrals: pd.DataFrame, quarter: Quarter) -> float | None:
    """``referrals.pct_nfa``: % of referrals marked no further action.

    Numerator: referrals dated in the quarter with ``referral_nfa`` True.
    Denominator: referrals dated in the quarter, including those with a blank NFA flag
    (blank is not NFA). None when there are none.
    Source: DESIGN section 4; domain.md 3.1 (List 3 "Referral NFA?").
    """
    return pct(*nfa_counts(referrals, quarter))


def nfa_counts(referrals: pd.DataFrame, quarter: Quarter | str) -> tuple[int, int]:
    """(referrals marked NFA, referrals) in the quarter: the counts behind ``referrals.pct_nfa``."""
    referrals_in_quarter = _referrals_in_quarter(referrals, quarter)
    nfa = referrals_in_quarter["referral_nfa"].fillna(False).astype(bool)
    return int(nfa.sum()), int(len(referrals_in_quarter))


# --------------------------------------------------------------------------- assessments


def assessments_completed(assessments: pd.DataFrame, quarter: Quarter) -> int:
    """``assessments.completed``: List 4 rows with ``assessment_authorised_date`` in the
    quarter (whatever their start date).

    Source: DESIGN section 4; domain.md 3.1 (List 4).
    """
    return int(len(_assessments_completed(assessments, quarter)))


def assessments_pct_within_target(
    assessments: pd.DataFrame, quarter: Quarter, settings: Settings = DEFAULT_SETTINGS
) -> float | None:
    """``assessments.pct_within_45wd``: % of completed assessments within the target.

    Numerator: assessments authorised in the quarter whose working days from
    ``assessment_start_date`` to ``assessment_authorised_date`` are at most
    ``settings.assessment_target_working_days`` (45; exactly 45 is within).
    Denominator: assessments authorised in the quarter with a usable start date.
    Exclusions: a missing start date, or a start after the authorisation, gives no
    duration, so the row leaves both numerator and denominator (it still counts in
    ``assessments.completed``). None when no duration remains.
    Source: DESIGN section 4; domain.md 3.4 (Working Together 45 working days) and 5.
    """
    return pct(*assessments_within_target_counts(assessments, quarter, settings))


def assessments_within_target_counts(
    assessments: pd.DataFrame, quarter: Quarter | str, settings: Settings = DEFAULT_SETTINGS
) -> tuple[int, int]:
    """(assessments within the target, assessments with a duration) completed in the
    quarter: the counts behind ``assessments.pct_within_45wd``."""
    durations = _assessment_durations(assessments, quarter)
    return int((durations <= settings.assessment_target_working_days).sum()), int(len(durations))


def assessments_median_working_days(assessments: pd.DataFrame, quarter: Quarter) -> float | None:
    """``assessments.median_working_days``: median working days from start to
    authorisation of the assessments authorised in the quarter, as a float rounded to
    1 decimal place (an even count gives the mean of the middle two).

    Exclusions as :func:`assessments_pct_within_target` (missing or later start).
    None when no duration remains. Source: DESIGN section 4; domain.md 3.4 (DfE C2
    publishes the median).
    """
    durations = _assessment_durations(assessments, quarter)
    if durations.empty:
        return None
    return round_half_away(float(durations.median()), 1)


def assessments_median_counts(assessments: pd.DataFrame, quarter: Quarter | str) -> tuple[None, int]:
    """(None, assessments with a duration) completed in the quarter: the count behind
    ``assessments.median_working_days`` (a median has no numerator)."""
    return None, int(len(_assessment_durations(assessments, quarter)))


# --------------------------------------------------------------------------- all keys


def referrals_metrics(
    contacts: pd.DataFrame | None,
    referrals: pd.DataFrame | None,
    assessments: pd.DataFrame | None,
    quarter: Quarter,
    families: pd.DataFrame | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    referrals_coverage=None,
) -> dict[str, Number]:
    """Every ``contacts.*``, ``referrals.*`` and ``assessments.*`` key of DESIGN section 4.

    A frame given as None leaves out its keys; ``referrals.pct_from_contact`` needs both
    contacts and referrals and is left out when either is missing. Without ``families``
    every child is its own family.
    """
    quarter = parse_period(quarter)
    metrics: dict[str, Number] = {}
    if contacts is not None:
        # The quarter's contacts, sliced once and given to the key functions (slicing again
        # is a no-op); the referral look-ups need every referral.
        contacts = _contacts_in_quarter(contacts, quarter)
        metrics |= {
            "contacts.total": contacts_total(contacts, quarter),
            "contacts.children": contacts_children(contacts, quarter),
            "contacts.families": contacts_families(contacts, quarter, families),
            "contacts.max_children_per_family": contacts_max_children_per_family(contacts, quarter, families),
            "contacts.families_multi_child": contacts_families_multi_child(contacts, quarter, families),
        }
        metrics |= contacts_by_source_counts(contacts, quarter)
    if referrals is not None:
        metrics["referrals.total"] = referrals_total(referrals, quarter)
        if contacts is not None:
            metrics["referrals.pct_from_contact"] = referrals_pct_from_contact(
                contacts, referrals, quarter, settings
            )
        metrics["referrals.pct_re_referral_12m"] = referrals_pct_re_referral_12m(
            referrals, quarter, settings, referrals_coverage
        )
        metrics["referrals.pct_nfa"] = referrals_pct_nfa(referrals, quarter)
    if assessments is not None:
        metrics |= {
            "assessments.completed": assessments_completed(assessments, quarter),
            "assessments.pct_within_45wd": assessments_pct_within_target(
                assessments, quarter, settings
            ),
            "assessments.median_working_days": assessments_median_working_days(
                assessments, quarter
            ),
        }
    return metrics


# --------------------------------------------------------------------------- chart frames


def contacts_by_source(contacts: pd.DataFrame, quarter: Quarter) -> pd.DataFrame:
    """Contacts in the quarter by source code: columns ``source``, ``contacts``.

    One row per code present, in ``tables.SOURCE_CODES`` order; blank sources are left
    out, as in ``contacts.source.<code>``. Source: DESIGN section 4; domain.md 3.3.
    """
    counts = contacts_by_source_counts(contacts, quarter)
    prefix = len("contacts.source.")
    return pd.DataFrame(
        {
            "source": pd.Series([key[prefix:] for key in counts], dtype="str"),
            "contacts": pd.Series(list(counts.values()), dtype="int64"),
        }
    )


def contact_funnel(
    contacts: pd.DataFrame | None,
    referrals: pd.DataFrame | None,
    assessments: pd.DataFrame | None,
    quarter: Quarter,
) -> pd.DataFrame:
    """Activity at each stage in the quarter: columns ``stage``, ``count``.

    Stages, in order: ``contacts`` (contact_date in the quarter), ``referrals``
    (referral_date in it), ``assessments started`` (assessment_start_date in it),
    ``assessments completed`` (assessment_authorised_date in it). Each stage counts its
    own rows in the quarter, not the same children followed through, so the stages are
    volumes side by side. A frame given as None leaves out its stage(s). No stage depends
    on a setting.
    Source: DESIGN section 4 (referrals).
    """
    stages: list[tuple[str, int]] = []
    if contacts is not None:
        stages.append(("contacts", contacts_total(contacts, quarter)))
    if referrals is not None:
        stages.append(("referrals", referrals_total(referrals, quarter)))
    if assessments is not None:
        started = int(in_quarter(assessments["assessment_start_date"], quarter).sum())
        stages.append(("assessments started", started))
        stages.append(("assessments completed", assessments_completed(assessments, quarter)))
    return pd.DataFrame(
        {
            "stage": pd.Series([s for s, _ in stages], dtype="str"),
            "count": pd.Series([n for _, n in stages], dtype="int64"),
        }
    )


def families_by_children_contacted(
    contacts: pd.DataFrame, quarter: Quarter, families: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Families by how many of their children were contacted in the quarter.

    Columns ``children_contacted`` (1, 2, 3 ... up to the largest, every value present,
    0 families where none) and ``families``. Families as in :func:`contacts_families`.
    Empty when there are no contacts. Source: DESIGN section 4 (referrals).
    """
    per_family = _children_per_family(contacts, quarter, families)
    largest = int(per_family.max()) if len(per_family) else 0
    sizes = range(1, largest + 1)
    counts = per_family.value_counts()
    return pd.DataFrame(
        {
            "children_contacted": pd.Series(list(sizes), dtype="int64"),
            "families": pd.Series([int(counts.get(n, 0)) for n in sizes], dtype="int64"),
        }
    )


def assessment_duration_bands(assessments: pd.DataFrame, quarter: Quarter) -> pd.DataFrame:
    """Assessments authorised in the quarter by working-day duration band (DfE CIN C2).

    Columns ``band`` (``Same day``, ``1-10``, ``11-20``, ``21-30``, ``31-40``,
    ``41-45``, ``46-50``, ``51-60``, ``61+``; every band present, 0 where empty) and
    ``assessments``. Durations and exclusions as
    :func:`assessments_pct_within_target` (a missing or later start is left out).
    Source: domain.md 3.4 (EES C2 bands) and 5.
    """
    durations = _assessment_durations(assessments, quarter)
    counts = [int(durations.between(low, high).sum()) for _, low, high in DURATION_BANDS]
    return pd.DataFrame(
        {
            "band": pd.Series([label for label, _, _ in DURATION_BANDS], dtype="str"),
            "assessments": pd.Series(counts, dtype="int64"),
        }
    )


def contacts_by_month(contacts: pd.DataFrame, start, end) -> pd.DataFrame:
    """Contacts per calendar month from ``start`` to ``end`` (both inclusive).

    Columns ``month`` (the first day of the month, datetime64) and ``contacts``; every
    month from the one holding ``start`` to the one holding ``end`` is present, 0 where
    empty. A month cut by ``start`` or ``end`` counts only its days inside the range.
    Exclusions: rows with no contact date. Source: DESIGN section 5 (trend charts).
    """
    start, end = bound(start, "start"), bound(end, "end")
    months = pd.date_range(start.to_period("M").to_timestamp(), end, freq="MS")
    counts = (
        contacts.loc[lambda d: d["contact_date"].between(start, end, inclusive="both")]["contact_date"]
        .dt.to_period("M")
        .dt.to_timestamp()
        .value_counts()
    )
    return pd.DataFrame(
        {
            "month": pd.Series(months, dtype="datetime64[us]"),
            "contacts": pd.Series([int(counts.get(m, 0)) for m in months], dtype="int64"),
        }
    )


def referral_funnel(
    contacts: pd.DataFrame | None,
    referrals: pd.DataFrame | None,
    assessments: pd.DataFrame | None,
    quarter: Quarter,
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """From contact to referral to assessment in the quarter, like with like: columns
    ``stage``, ``count``, ``share`` (a % or None) and ``share_of`` (the stage it is a % of).

    Stages: ``Contacts`` (contacts.total); ``Contacts followed by a referral within N days``
    (the numerator of referrals.pct_from_contact, so its share is that very figure);
    ``Referrals`` (referrals.total); ``Assessments started`` (assessment_start_date in the
    quarter, whether or not completed yet). Completed assessments are left out: they
    include assessments started in earlier quarters, so they are not a stage of this
    quarter's referrals. Only the contact-to-referral share is given: referrals and
    assessments of the quarter are different children's records, not a cohort followed
    through. A frame given as None leaves out its stage(s).
    Source: DESIGN section 4 (referrals).
    """
    rows: list[tuple[str, int, float | None, str | None]] = []
    if contacts is not None:
        total = contacts_total(contacts, quarter)
        rows.append(("Contacts", total, None, None))
        if referrals is not None:
            converted, _ = contacts_followed_by_referral_counts(contacts, referrals, quarter, settings)
            rows.append((
                f"Contacts followed by a referral within {settings.contact_referral_window_days} days",
                converted, pct(converted, total), "contacts",
            ))
    if referrals is not None:
        rows.append(("Referrals", referrals_total(referrals, quarter), None, None))
    if assessments is not None:
        rows.append(("Assessments started", int(in_quarter(assessments["assessment_start_date"], quarter).sum()),
                     None, None))
    return pd.DataFrame(
        {
            "stage": pd.Series([r[0] for r in rows], dtype="str"),
            "count": pd.Series([r[1] for r in rows], dtype="int64"),
            "share": pd.Series([r[2] for r in rows], dtype="object"),
            "share_of": pd.Series([r[3] for r in rows], dtype="object"),
        }
    )

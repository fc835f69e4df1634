"""Synthetic demo data: a small authority's data folder in the input formats of DESIGN section 2.

``write_demo_data(out_dir)`` writes ``data/demo/``: SSDA903 header and episodes as yearly
returns (2012-13 to 2021-22, :func:`_write_903`), Annex A Lists 1, 3 and 4 as CSV,
``families.csv``, ``visits.csv``, ``case_audits.csv`` and ``recommendations.csv``
(financial years 2019-20 to 2021-22), the 2020-21 audit programme ``audits.csv`` (see "the
2020-21 programme" below), plus a README. No real child is in it: every value is drawn
from a seeded ``numpy`` Generator.

Patterns a QA team would recognise are planted: the 2020 shift to virtual visits, one
family of 14 children contacted on one day, sibling groups contacted together, a cluster
of moves from foster care (U1-U6) to semi-independent accommodation (H5/P2) in 2020-21
for 16-17 year olds, short breaks (V3/V4), temporary T1-T3 episodes with a return to the
same placement, adoption placements (A5/A6), re-entries into care, re-referrals,
assessments over 45 working days, and recommendations completed late or overdue. Long
stays are planted too (England: about a third of looked-after children are under 16 and
in care 2.5 years or more), so ``placements.pct_long_term_stable`` has a cohort at every
quarter end (11 to 16 children from 2019-20 to 2021-22 in the default set, 53% to 77%
stable): most settled with a long-term foster carer (U1/U4), some moved in the last 2
years, and one fostered (U4) for years then placed for adoption (A6, RNE P) in 2020-21,
which exercises the measure's adoption clause.

Scale: ``children`` is the number of children in the SSDA903 files (default 100, 30 to 35
looked after at a time). Every other volume is proportional to it, roughly per child:
4.1 episodes, 12 contacts, 4 referrals, 3.2 assessments, 34 visits, 4.4 audit rows.
``children=300_000`` gives a national-scale set (80,000 to 105,000 looked after at each
31 March, England has about 80,000): 1.23M episodes, 3.56M contacts, 1.17M referrals,
0.97M assessments, 10.2M visits, 1.3M audit rows, 1.4 GB of CSV. Everything is vectorised
(no loop per row) and files are written in chunks: about 1.5 to 2.5 minutes and 2.7 GB
peak memory.

Identifiers are unmistakable so tests can scan reports for leaks: children ``C000123``,
families ``F00012``, visits ``V0000001``, audits ``A0001``, recommendations ``R0001``,
workers ``W001``, auditors ``AUD01`` (the digits widen only when a scaled set needs more),
UPNs of 13 characters with a valid check letter and the fictional LA number 999, and
postcodes in the non-existent ``ZZ``/``ZY`` areas. Output is byte-identical for a seed:
fixed column order, sorted rows, ``\\n`` line endings, no timestamps.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .periods import bank_holidays

DEFAULT_CHILDREN = 100
MIN_CHILDREN = 40  # room for every planted pattern

HIST_START = np.datetime64("2012-04-01", "D")
WIN_START = np.datetime64("2019-04-01", "D")  # Annex A, visits and audits from FY 2019-20
EXTRACT_END = np.datetime64("2022-03-31", "D")  # end of FY 2021-22: the 903 collection date
SEMI_INDEPENDENT_FROM = np.datetime64("2024-04-01", "D")  # K3 replaces H5 (domain.md 1.5)
NONE = np.int64(2**40)  # "no date" sentinel, after every real day
YEAR = 365.25
CHUNK_ROWS = 500_000

OTHER_FILES = (
    "annex_a_list_1.csv",
    "annex_a_list_3.csv",
    "annex_a_list_4.csv",
    "families.csv",
    "visits.csv",
    "case_audits.csv",
    "recommendations.csv",
    "audits.csv",
)


def _day(text: str) -> int:
    return int(np.datetime64(text, "D").astype(np.int64))


# ------------------------------------------------------------------ code lists

ETHNIC = (
    "WBRI", "WIRI", "WIRT", "WOTH", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND",
    "APKN", "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT",
)
ETHNIC_W = (
    70, 1, 0.5, 4, 0.5, 2.5, 1, 1.5, 2, 1.5, 2, 1, 1.5, 1, 3, 1, 0.5, 2, 0.5, 2.5,
)
# Annex A letters the DfE ethnicity codes in this order (data-map of liia-tools / SSD).
ANNEX_ETHNIC = tuple(f"{chr(97 + i)}) {code}" for i, code in enumerate(ETHNIC))
ANNEX_GENDER = ("a) Male", "b) Female")
YES_NO = ("a) Yes", "b) No")

SOURCES = (
    "a) 1A: Individual", "b) 1B: Individual", "c) 1C: Individual", "d) 1D: Individual",
    "e) 2A: Schools", "f) 2B: Education services", "g) 3A: Health services",
    "h) 3B: Health services", "i) 3C: Health services", "j) 3D: Health services",
    "k) 3E: Health services", "l) 3F: Health services", "m) 4: Housing",
    "n) 5A: LA services", "o) 5B: LA services", "p) 5C: LA services", "q) 6: Police",
    "r) 7: Other legal agency", "s) 8: Other", "t) 9: Anonymous", "u) 10: Unknown",
)
SOURCE_W = (4, 1, 1, 2, 16, 2, 3, 3, 1, 3, 2, 3, 3, 6, 2, 2, 28, 3, 6, 2, 2)

PLACES = (
    "U1", "U2", "U3", "U4", "U5", "U6", "A5", "A6", "H5", "P2", "K2", "R1", "P1", "S1",
    "K3", "T1", "T2", "T3",
)
P = {code: i for i, code in enumerate(PLACES)}
FOSTER = [P[c] for c in ("U1", "U2", "U3", "U4", "U5", "U6")]
SEMI = [P["H5"], P["P2"], P["K3"]]
TEMP = [P["T1"], P["T2"], P["T3"]]
# Placement type weights by group (columns follow PLACES): the group depends on the
# pathway, the placement's position and the child's age when it starts.
_PLACE_W = np.array([
    # U1 U2 U3 U4 U5 U6 A5 A6 H5 P2 K2 R1 P1 S1 K3 T1 T2 T3
    [6, 2, 12, 20, 3, 47, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0],  # 0 under 10
    [5, 0, 8, 22, 0, 40, 0, 0, 0, 0, 17, 2, 4, 2, 0, 0, 0, 0],  # 1 aged 10-15
    [2, 0, 0, 25, 0, 30, 0, 0, 18, 5, 20, 0, 0, 0, 0, 0, 0, 0],  # 2 aged 16+
    [0, 10, 12, 0, 18, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],  # 3 adoption, before
    [0, 0, 0, 0, 0, 0, 35, 65, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],  # 4 adoption placement
    [0, 0, 0, 0, 0, 0, 0, 0, 72, 28, 0, 0, 0, 0, 0, 0, 0, 0],  # 5 semi-independent move
    [0, 0, 0, 45, 0, 55, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],  # 6 cluster, before move
    [40, 0, 0, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],  # 7 long-term foster carer
    [10, 0, 5, 40, 0, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],  # 8 long-stay, recent move
    [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],  # 9 long-stay adoption, before
    [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],  # 10 long-stay adoption placement
], dtype=float)

LS = ("C1", "C2", "E1", "V2", "V3", "V4", "L1", "L2", "J1")
L_ = {code: i for i, code in enumerate(LS)}
RNE = ("S", "P", "B", "L", "T", "U")
R_ = {code: i for i, code in enumerate(RNE)}
CIN = ("N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8")
CIN_W = (62, 4, 4, 8, 14, 2, 0.5, 5.5)
PROVIDERS = ("PR0", "PR1", "PR2", "PR3", "PR4", "PR5")
REC = (
    "X1", "E11", "E12", "E3", "E4A", "E4B", "E13", "E41", "E45", "E46", "E47", "E48",
    "E5", "E6", "E8", "E14", "E17",
)
RC = {code: i for i, code in enumerate(REC)}
REASONS = (
    "CARPL", "CLOSE", "ALLEG", "STAND", "APPRR", "CREQB", "CREQO", "CHILD", "LAREQ",
    "PLACE", "OTHER",
)
_REASON_W = np.array([
    [35, 5, 3, 4, 2, 15, 10, 8, 5, 5, 8],  # 0 any other move
    [60, 0, 0, 0, 0, 12, 0, 25, 0, 0, 3],  # 1 foster -> semi-independent
    [30, 0, 0, 0, 0, 0, 0, 0, 0, 70, 0],  # 2 same carer, status change (RNE T/U)
    [90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10],  # 3 into an adoption placement
], dtype=float)

# Visits (DESIGN section 2): cohort, modality and method codes.
COHORTS = ("CLA", "CP", "CIN")
MODALITIES = ("face_to_face", "virtual")
METHODS = ("home", "office", "school", "other", "zoom", "whatsapp", "teams", "facetime",
           "phone", "other_video")
_F2F_W = (75, 8, 10, 7)
# Early lockdown leant on phone and WhatsApp; Teams took over as the council rolled it out.
_VIRTUAL_W = np.array([
    [25, 30, 5, 8, 28, 4],  # before 2020-07
    [30, 20, 30, 4, 12, 4],  # from 2020-07
], dtype=float)
# Share of visits held virtually: knots (date, share), linear in between.
_VIRTUAL_KNOTS = (
    ("2019-04-01", 0.02), ("2020-03-15", 0.02), ("2020-03-30", 0.82), ("2020-06-15", 0.75),
    ("2020-08-01", 0.40), ("2020-11-05", 0.45), ("2021-01-06", 0.68), ("2021-03-08", 0.55),
    ("2021-05-17", 0.22), ("2021-09-01", 0.12), ("2022-03-31", 0.07),
)

TEAMS_3 = ("Front Door MASH", "Assessment Team 1", "Assessment Team 2")
TEAMS_4 = ("Assessment Team 1", "Assessment Team 2", "Locality North", "Locality South")
AUDIT_TYPES = ("full_case_file", "thematic", "stocktake")
DOMAINS = ("overall", "assessment", "planning", "voice_of_child", "management_oversight",
           "recording")
GRADES = ("", "Outstanding", "Good", "Requires improvement", "Inadequate",
          "Requires improvement to be good")
STATUSES = ("open", "in_progress", "completed")
ROUTES = ("case", "service_development_plan", "learning_and_development")
OWNERS = (
    "Team Manager Assessment", "Team Manager Children in Care", "Team Manager Locality North",
    "Team Manager Locality South", "Service Manager Safeguarding", "Principal Social Worker",
    "Head of Quality Assurance",
)
REC_THEMES = (
    "visits", "planning", "voice of the child", "management oversight", "recording",
    "assessment", "placement stability", "chronology",
)
# The thematic audits: (quarter start, theme, children, graded domains or () for none).
THEMATIC = (
    ("2019-10-01", "placement stability", 12, ("overall", "planning")),
    ("2020-07-01", "virtual visits during COVID-19", 10, ()),
    ("2021-01-01", "re-referrals within 12 months", 8, ()),
    ("2021-04-01", "moves from foster care to semi-independent accommodation", 6,
     ("overall", "planning", "voice_of_child")),
    ("2021-10-01", "timeliness and quality of visits", 10, ("overall", "voice_of_child")),
)
STOCKTAKE_THEMES = ("children in need plans stocktake", "child protection plans stocktake")


# ------------------------------------------------------------------ vectorised helpers


def _pick(rng, n: int, weights) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def _pick_rows(rng, table: np.ndarray, group: np.ndarray) -> np.ndarray:
    """A weighted choice per row, from the weight row ``table[group]``."""
    cum = np.cumsum(table / table.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(group))
    return np.minimum((u[:, None] >= cum[group]).sum(axis=1), table.shape[1] - 1)


def _first_of_group(group: np.ndarray) -> np.ndarray:
    return np.r_[True, group[1:] != group[:-1]] if len(group) else np.zeros(0, bool)


def _rank_in_group(group: np.ndarray) -> np.ndarray:
    """0, 1, 2... within runs of equal values of a sorted array."""
    idx = np.arange(len(group))
    return idx - np.maximum.accumulate(np.where(_first_of_group(group), idx, 0))


def _cumsum_in_group(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    total = np.cumsum(values)
    first = _first_of_group(group)
    base = np.maximum.accumulate(np.where(first, np.arange(len(group)), 0))
    return total - total[base] + values[base]


def _ymd(days: np.ndarray):
    d = np.asarray(days).astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = months.astype(np.int64) % 12 + 1
    return y, m, (d - months.astype("datetime64[D]")).astype(np.int64) + 1


def _birthday(dob: np.ndarray, years: int) -> np.ndarray:
    """Day number of the ``years``th birthday (29 February -> 1 March)."""
    y, m, d = _ymd(dob)
    month = ((y + years - 1970) * 12 + m - 1).astype("datetime64[M]")
    return month.astype("datetime64[D]").astype(np.int64) + d - 1


def _age(dob: np.ndarray, at: np.ndarray) -> np.ndarray:
    y1, m1, d1 = _ymd(dob)
    y2, m2, d2 = _ymd(at)
    return y2 - y1 - ((m2 * 100 + d2) < (m1 * 100 + d1))


def _calendar() -> np.busdaycalendar:
    return np.busdaycalendar(weekmask="1111100", holidays=bank_holidays())


def _busday(days: np.ndarray, offset, roll: str = "forward") -> np.ndarray:
    out = np.busday_offset(
        np.asarray(days).astype("datetime64[D]"), offset, roll=roll, busdaycal=_calendar()
    )
    return out.astype(np.int64)


# ------------------------------------------------------------------ text formatting


def _ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """``prefix`` + zero-padded numbers, widened when the largest number needs it."""
    numbers = np.asarray(numbers, dtype=np.int64)
    width = max(width, len(str(int(numbers.max()))) if len(numbers) else width)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    digits = (numbers[:, None] // powers % 10 + ord("0")).astype(np.uint8)
    body = np.ascontiguousarray(digits).view(f"S{width}").ravel()
    return np.strings.add(prefix.encode(), body)


def _codes(labels, codes: np.ndarray) -> np.ndarray:
    return np.array([s.encode() for s in labels], dtype="S")[codes]


def _dates(days: np.ndarray, style: str) -> np.ndarray:
    """Day numbers as ``dd/mm/YYYY`` (``dmy``) or ``YYYY-MM-DD`` (``iso``); NONE -> blank."""
    days = np.asarray(days, dtype=np.int64)
    valid = days < NONE
    out = np.full(len(days), b"", dtype="S10")
    if valid.any():
        lo, hi = int(days[valid].min()), int(days[valid].max())
        iso = np.datetime_as_string(np.arange(lo, hi + 1).astype("datetime64[D]"))
        labels = iso if style == "iso" else [f"{s[8:10]}/{s[5:7]}/{s[:4]}" for s in iso]
        lut = np.array([s.encode() for s in labels], dtype="S10")
        out[valid] = lut[days[valid] - lo]
    return out


def _ints(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.int64)
    hi = int(values.max()) if len(values) else 0
    return np.array([str(i).encode() for i in range(hi + 1)], dtype="S")[values]


def _write_csv(path: Path, columns: dict[str, np.ndarray]) -> int:
    """Write byte columns as CSV (no value holds a comma or quote, so none is quoted)."""
    names = list(columns)
    n = len(columns[names[0]])
    with open(path, "wb") as f:
        f.write((",".join(names) + "\n").encode())
        for lo in range(0, n, CHUNK_ROWS):
            line = columns[names[0]][lo:lo + CHUNK_ROWS]
            for name in names[1:]:
                line = np.strings.add(np.strings.add(line, b","), columns[name][lo:lo + CHUNK_ROWS])
            f.write(b"".join(np.strings.add(line, b"\n").tolist()))
    return n


# ------------------------------------------------------------------ SSDA903


def _build_periods(rng, child, kind, entry, dob, length, last_off, ls0, lc, home_post):
    """Episodes for periods of care (vectorised over periods).

    kind: 0 standard, 1 adoption, 2 teenager, 3 foster-to-semi-independent cluster, and
    long stays (DESIGN section 4 ``placements.pct_long_term_stable``): 6 settled with a
    long-term carer, 7 a recent move, 8 fostered (U4) then placed for adoption (A6).
    ``length`` is the intended period length (days), ``last_off`` the forced start offset
    of the final placement (-1 if none), ``ls0`` the first legal status and ``lc`` two
    legal changes as (offset, new status) arrays with offset -1 for none.
    Each boundary (placement start, legal change, temporary move, return) starts an
    episode; an episode ends where the period's next one starts.
    """
    m = len(child)
    end = np.minimum(entry + length, _birthday(dob, 18))
    is_open = end > EXTRACT_END.astype(np.int64)

    # Placements: offsets from entry, first at 0, the forced final one at last_off.
    years = length / YEAR
    n_pl = np.select(
        [kind == 0, kind == 2, kind == 1, kind == 6, kind == 7, kind == 8],
        [1 + np.minimum(rng.poisson(1.0 * years), 7), 1 + np.minimum(rng.poisson(0.8 * years), 7),
         2 + (rng.random(m) < 0.3), 1 + np.minimum(rng.poisson(1.2, m), 5),
         3 + np.minimum(rng.poisson(0.8, m), 4), 2],
        2 + (rng.random(m) < 0.4),
    )
    pid = np.repeat(np.arange(m), n_pl)
    j = _rank_in_group(pid)
    forced_last = (last_off[pid] >= 0) & (j == n_pl[pid] - 1)
    # A recent move (kind 7) follows a placement of 4 to 20 months, itself a move.
    settle = np.where(kind == 7, np.maximum(last_off - rng.integers(120, 600, m), 1), -1)
    forced_before = (settle[pid] > 0) & (j == n_pl[pid] - 2)
    span = np.where(settle > 0, settle, np.where(last_off >= 0, last_off, length))[pid]
    # Moves come more often early in a period, while a child's needs are being understood.
    u = rng.random(len(pid)) ** np.where(np.isin(kind[pid], [0, 2]), 2.0, 1.0)
    off = np.where(
        j == 0, 0,
        np.where(forced_last, last_off[pid], np.where(
            forced_before, settle[pid], 1 + (u * np.maximum(span - 1, 1)).astype(np.int64))),
    )
    order = np.lexsort((off, pid))
    pid, off, forced_last = pid[order], off[order], forced_last[order]
    keep = np.r_[True, (pid[1:] != pid[:-1]) | (off[1:] != off[:-1])]
    pid, off, forced_last = pid[keep], off[keep], forced_last[keep]
    start = entry[pid] + off
    designated_last = np.r_[pid[1:] != pid[:-1], True]
    age_days = start - dob[pid]
    k = kind[pid]
    semi_move = (k == 3) & designated_last | (
        (k == 2) & designated_last & (age_days >= 16 * YEAR) & (rng.random(len(pid)) < 0.5)
    )
    group = np.select(
        [semi_move, (k == 3), (k == 1) & designated_last, k == 1, (k == 6) & designated_last,
         (k == 7) & designated_last, (k == 8) & designated_last, k == 8, age_days >= 16 * YEAR,
         age_days >= 10 * YEAR],
        [5, 6, 4, 3, 7, 8, 10, 9, 2, 1], 0,
    )
    place = _pick_rows(rng, _PLACE_W, group)
    # One adoption by the child's foster carer (A5) gets its placement order that day: RNE U.
    carer_adopts = np.flatnonzero((kind == 1) & (n_pl == 2) & (entry + last_off <= EXTRACT_END.astype(np.int64)))[:1]
    place = np.where(np.isin(pid, carer_adopts) & designated_last, P["A5"], place)
    place = np.where((place == P["H5"]) & (start >= SEMI_INDEPENDENT_FROM.astype(np.int64)), P["K3"], place)
    live = (start < end[pid]) & (start <= EXTRACT_END.astype(np.int64))
    pid, start, place = pid[live], start[live], place[live]
    n = len(pid)
    first = _first_of_group(pid)
    nxt_start = np.r_[np.where(pid[1:] == pid[:-1], start[1:], end[pid[:-1]]), end[pid[-1:]]]

    u = rng.random(n)
    provider = np.select(
        [np.isin(place, FOSTER[:3]), np.isin(place, FOSTER[3:]), np.isin(place, [P["A5"], P["A6"]]),
         np.isin(place, SEMI), place == P["K2"], place == P["R1"], place == P["P1"]],
        [1, np.where(u < 0.6, 1, 4), np.where(u < 0.5, 1, 2), np.where(u < 0.6, 4, 5),
         np.where(u < 0.7, 4, 1), 3, 0],
        4,
    )
    pool = max(8, m // 12)
    urn_num = 100000 + (place * 20011 + rng.integers(0, pool, n) * 37) % 900000
    urn = np.where(np.isin(place, SEMI), -2, urn_num)  # -2 -> XXXXXX (unregistered)
    urn = np.where(np.isin(place, [P["P1"], P["R1"]]), -1, urn)  # not expected (rule 218)
    out_of_area = rng.random(n) < 0.35
    pl_post = np.where(place == P["P1"], home_post[pid], rng.integers(1, 10, n) + 10 * out_of_area)
    pl_rne = np.where(first, R_["S"], np.where(place == P["A5"], R_["T"], R_["P"]))

    # Legal changes, dropped when they fall after the period or the collection.
    lc_off, lc_ls = lc
    lc_day = np.where(lc_off >= 0, entry[:, None] + lc_off, NONE)
    # Some legal changes come with a move (RNE B, or U for the same carer): move them to the
    # next placement start of the period. For adoption, the placement order on placement day.
    # Long-stay adoptions keep their placement order apart, so the A6 episode is RNE P.
    snap = np.column_stack([~np.isin(kind, [1, 8]) & (rng.random(m) < 0.4),
                            (kind == 1) & (rng.random(m) < 0.3)])
    keys = pid * 100000 + start
    p_idx, col = np.nonzero(snap & (lc_day < NONE))
    pos = np.searchsorted(keys, p_idx * 100000 + lc_day[p_idx, col])
    hit = (pos < n) & (pid[np.minimum(pos, n - 1)] == p_idx)
    lc_day[p_idx[hit], col[hit]] = start[pos[hit]]
    lc_day[carer_adopts, 1] = entry[carer_adopts] + last_off[carer_adopts]
    lc_day = np.where((lc_day < end[:, None]) & (lc_day <= EXTRACT_END.astype(np.int64)), lc_day, NONE)

    # Temporary moves inside long enough foster placements, returning to the same carer.
    dur = np.minimum(nxt_start, EXTRACT_END.astype(np.int64) + 1) - start
    tmp = np.flatnonzero(np.isin(place, FOSTER) & (dur >= 60) & (rng.random(n) < 0.2))
    t_kind = _pick(rng, len(tmp), (10, 30, 60))  # T1 hospital, T2 holiday, T3 carer's holiday
    t_start = start[tmp] + 15 + (rng.random(len(tmp)) * (dur[tmp] - 35)).astype(np.int64)
    t_end = t_start + rng.integers(2, 15, len(tmp))
    clash = ((lc_day[pid[tmp]] >= t_start[:, None]) & (lc_day[pid[tmp]] <= t_end[:, None])).any(axis=1)
    tmp, t_kind, t_start, t_end = tmp[~clash], t_kind[~clash], t_start[~clash], t_end[~clash]
    t_place = np.array(TEMP)[t_kind]
    t_rne = np.where(t_place == P["T3"], R_["P"], R_["T"])  # T3 is another carer

    # Boundaries: kind 0 placement start, 1 legal change, 2 temporary move, 3 return.
    lc_pid = np.repeat(np.arange(m), 2)
    lc_flat = lc_day.ravel()
    has_lc = lc_flat < NONE
    b_pid = np.concatenate([pid, lc_pid[has_lc], pid[tmp], pid[tmp]])
    b_day = np.concatenate([start, lc_flat[has_lc], t_start, t_end])
    b_kind = np.concatenate([np.zeros(n, int), np.ones(has_lc.sum(), int), np.full(len(tmp), 2),
                             np.full(len(tmp), 3)])
    b_pl = np.concatenate([np.arange(n), np.full(has_lc.sum(), -1), np.full(2 * len(tmp), -1)])
    b_rne = np.concatenate([pl_rne, np.full(has_lc.sum(), R_["L"]), t_rne, t_rne])
    b_tplace = np.concatenate([np.full(n + has_lc.sum(), -1), t_place, np.full(len(tmp), -1)])
    live = b_day <= EXTRACT_END.astype(np.int64)
    b_pid, b_day, b_kind, b_pl, b_rne, b_tplace = (
        a[live] for a in (b_pid, b_day, b_kind, b_pl, b_rne, b_tplace)
    )
    order = np.lexsort((b_kind, b_day, b_pid))
    b_pid, b_day, b_kind, b_pl, b_rne, b_tplace = (
        a[order] for a in (b_pid, b_day, b_kind, b_pl, b_rne, b_tplace)
    )
    # A legal change on a placement's first day makes one episode: B (or U for same carer).
    same_day = np.r_[False, (b_pid[1:] == b_pid[:-1]) & (b_day[1:] == b_day[:-1])]
    merged = same_day & (b_kind == 1) & np.r_[False, b_kind[:-1] == 0]
    prev = np.flatnonzero(merged) - 1
    b_rne[prev] = np.where(b_rne[prev] == R_["T"], R_["U"], R_["B"])
    keep = ~merged
    b_pid, b_day, b_kind, b_pl, b_rne, b_tplace = (
        a[keep] for a in (b_pid, b_day, b_kind, b_pl, b_rne, b_tplace)
    )

    pl = np.maximum.accumulate(b_pl)  # the placement in force
    temp = b_kind == 2
    ep_place = np.where(temp, b_tplace, place[pl])
    ep_provider = np.where(temp, 1, provider[pl])
    ep_urn = np.where(temp, -1, urn[pl])
    ep_post = np.where(temp, 0, pl_post[pl])
    ls = ls0[b_pid]
    for i in range(2):
        ls = np.where(b_day >= lc_day[b_pid, i], lc_ls[b_pid, i], ls)

    has_next = np.r_[b_pid[1:] == b_pid[:-1], False]
    dec = np.where(has_next, np.r_[b_day[1:], 0], end[b_pid])
    dec = np.where(~has_next & is_open[b_pid], NONE, dec)
    nxt_rne = np.r_[b_rne[1:], 0]
    nxt_place = np.r_[ep_place[1:], 0]
    is_temp = np.isin(ep_place, TEMP)
    needs_reason = has_next & np.isin(nxt_rne, [R_["P"], R_["B"], R_["T"], R_["U"]]) & ~is_temp & ~np.r_[is_temp[1:], False]
    r_group = np.select(
        [np.isin(ep_place, FOSTER) & np.isin(nxt_place, SEMI), np.isin(nxt_rne, [R_["T"], R_["U"]]),
         np.isin(nxt_place, [P["A5"], P["A6"]])],
        [1, 2, 3], 0,
    )
    reason = np.where(needs_reason, _pick_rows(rng, _REASON_W, r_group), -1)

    # How each closed period ended, from its last episode.
    last = np.flatnonzero(~has_next)
    lp, l_place, l_ls = b_pid[last], ep_place[last], ls[last]
    at18 = end[lp] == _birthday(dob[lp], 18)
    older = (end[lp] - dob[lp]) >= 16 * YEAR
    u = rng.random(len(last))
    young_rec = np.array([RC[c] for c in ("E4A", "E4B", "E13", "E41", "E45", "E46", "E47", "E48",
                                          "E3", "E8")])
    young_w = (38, 5, 8, 7, 7, 5, 4, 2, 4, 8)
    old_rec = np.array([RC[c] for c in ("E5", "E6", "E4A", "E8", "E13")])
    ending = np.select(
        [np.isin(l_place, [P["A5"], P["A6"]]), l_ls == L_["J1"], at18 & np.isin(l_place, FOSTER),
         at18 & (l_place == P["P2"]), at18, older],
        [np.where(u < 0.7, RC["E11"], RC["E12"]), RC["E14"], np.where(u < 0.6, RC["E17"], RC["E5"]),
         RC["E6"], np.where(u < 0.6, RC["E5"], RC["E8"]), old_rec[_pick(rng, len(last), (30, 10, 35, 15, 10))]],
        young_rec[_pick(rng, len(last), young_w)],
    )
    rec = np.where(has_next, RC["X1"], -1)
    rec[last] = np.where(is_open[lp], -1, ending)
    cin = _pick(rng, m, CIN_W)

    episodes = {
        "child": child[b_pid], "decom": b_day, "rne": b_rne, "ls": ls, "cin": cin[b_pid],
        "place": ep_place, "provider": ep_provider, "dec": dec, "rec": rec, "reason": reason,
        "home_post": home_post[b_pid], "pl_post": ep_post, "urn": ep_urn,
    }
    period_end = np.where(is_open, NONE, end)
    last_rec = np.full(m, -1)
    last_rec[lp] = rec[last]
    return episodes, period_end, last_rec


def _legal(rng, kind, entry_age, last_off):
    """First legal status and up to two changes (offset days, new status) per period."""
    m = len(kind)
    ls0 = np.select(
        [kind == 1, kind == 2, kind == 3, np.isin(kind, [6, 7]), kind == 8],
        [np.where(rng.random(m) < 0.9, L_["C1"], L_["V2"]),
         np.array([L_["V2"], L_["C1"], L_["J1"]])[_pick(rng, m, (60, 30, 10))],
         np.where(rng.random(m) < 0.5, L_["V2"], L_["C1"]),
         np.where(rng.random(m) < 0.85, L_["C1"], L_["V2"]), L_["C1"]],
        np.array([L_["C1"], L_["V2"], L_["L1"], L_["L2"], L_["J1"]])[_pick(rng, m, (45, 45, 3, 3, 4))],
    )
    ls0 = np.where((ls0 == L_["J1"]) & (entry_age < 10 * YEAR), L_["V2"], ls0)
    off = np.full((m, 2), -1)
    new = np.full((m, 2), L_["C2"])
    c1 = ls0 == L_["C1"]
    off[c1, 0] = rng.integers(120, 300, c1.sum())
    v2 = (ls0 == L_["V2"]) & (rng.random(m) < 0.2)
    off[v2, 0] = rng.integers(30, 200, v2.sum())
    new[v2, 0] = L_["C1"]
    police = np.isin(ls0, [L_["L1"], L_["L2"]])
    off[police, 0] = np.where(ls0[police] == L_["L1"], 2, 8)
    new[police, 0] = L_["C1"]
    adopt = np.isin(kind, [1, 8])
    # Care order, then a placement order before the adoptive placement (or on its day: B,
    # never for a long stay, whose A6 episode stays RNE P).
    off[adopt, 0] = np.minimum(rng.integers(120, 280, adopt.sum()), last_off[adopt] - 40)
    new[adopt, 0] = L_["C2"]
    before = np.maximum(rng.integers(0, 90, adopt.sum()), np.where(kind[adopt] == 8, 7, 0))
    off[adopt, 1] = np.minimum(
        np.maximum(off[adopt, 0] + 14, last_off[adopt] - before), last_off[adopt],
    )
    new[adopt, 1] = L_["E1"]
    return ls0, (off, new)


def _long_stays(rng, k, entry, dob, length, last_off) -> None:
    """Dates of the long stays (kinds 6-8), in place: children in care for years, so that
    ``placements.pct_long_term_stable`` has a cohort at every quarter end (in England about
    a third of looked-after children, two thirds of them stable).

    6 and 7 come into care from 2012 to 2016 and are still looked after at the collection
    date, aged 6 to 17 then (some turn 16 during 2019-22 and leave the cohort); 6 settle
    with their final carer by spring 2017; 7 make their last two moves 4 to 20 months
    apart, the last between April 2018 and March 2022 (spread evenly, so each quarter end
    has some children moved in the last 2 years). 8 spend 2.5 to 3.2 years with one
    foster carer (U4) before an adoptive placement (A6), the first in summer 2020, the
    others spread over 2019-2021; the adoption order follows 5 to 10 months later.
    """
    end0 = EXTRACT_END.astype(np.int64)
    stay = np.isin(k, [6, 7])
    s = stay.sum()
    dob[stay] = end0 - (rng.uniform(6.5, 17.2, s) * YEAR).astype(np.int64)
    lo = np.maximum(HIST_START.astype(np.int64), dob[stay] + 30)
    entry[stay] = lo + (rng.random(s) * (_day("2016-12-31") - lo)).astype(np.int64)
    length[stay] = end0 - entry[stay] + rng.integers(30, 3000, s)
    settled = np.flatnonzero(k == 6)
    room = np.maximum(_day("2017-03-31") - 240 - entry[settled], 0)
    last_off[settled] = rng.integers(20, 240, len(settled)) + (rng.random(len(settled)) * room).astype(np.int64)
    moved = np.flatnonzero(k == 7)
    lo, hi = _day("2018-04-01"), _day("2022-03-15")
    move = lo + ((np.arange(len(moved)) + rng.random(len(moved))) / max(len(moved), 1) * (hi - lo)).astype(np.int64)
    last_off[moved] = move - entry[moved]

    adopted = np.flatnonzero(k == 8)
    placed = _day("2019-06-01") + (rng.random(len(adopted)) * 940).astype(np.int64)
    placed[:1] = _day("2020-06-15") + rng.integers(0, 90, min(1, len(adopted)))
    entry[adopted] = placed - rng.integers(915, 1170, len(adopted))
    dob[adopted] = entry[adopted] - (rng.uniform(0.2, 2.5, len(adopted)) * YEAR).astype(np.int64)
    last_off[adopted] = placed - entry[adopted]
    length[adopted] = last_off[adopted] + rng.integers(150, 300, len(adopted))


def _episodes(rng, n: int):
    # 1 adoption, 2 teenager, 3 the 2020-21 cluster, 4 V3 short breaks, 5 V4, long stays
    # 6 settled, 7 recently moved, 8 placed for adoption after years in foster care; the rest 0.
    special = np.repeat(
        [1, 2, 3, 4, 5, 6, 7, 8],
        [round(0.12 * n), round(0.15 * n), max(6, round(0.07 * n)), max(2, round(0.025 * n)),
         max(1, round(0.012 * n)), round(0.07 * n), round(0.05 * n), max(1, round(0.01 * n))],
    )
    kind = rng.permutation(np.r_[special, np.zeros(n - len(special), int)])
    hist0, end0 = HIST_START.astype(np.int64), EXTRACT_END.astype(np.int64)
    sex = 1 + (rng.random(n) < 0.45)
    ethnic = _pick(rng, n, ETHNIC_W)
    home_post = rng.integers(1, 10, n)

    # First periods of care (short breaks apart).
    cared = np.flatnonzero(~np.isin(kind, [4, 5]))
    k = kind[cared]
    m = len(cared)
    entry = hist0 + (rng.random(m) * (end0 - 30 - hist0)).astype(np.int64)
    age_at_entry = np.select(
        [k == 1, k == 2], [rng.uniform(0, 2.5, m), rng.uniform(13, 16.5, m)], rng.uniform(0, 15.5, m)
    ) * YEAR
    dob = entry - age_at_entry.astype(np.int64)
    # The cluster: 16-17 year olds moving from foster care to H5/P2 during 2020-21.
    cl = k == 3
    move = _day("2020-04-01") + rng.integers(0, 355, cl.sum())
    dob[cl] = move - (rng.uniform(16.05, 17.6, cl.sum()) * YEAR).astype(np.int64)
    entry[cl] = np.maximum(move - rng.integers(150, 1300, cl.sum()), _birthday(dob[cl], 10))
    length = np.select(
        [k == 1, k == 2], [rng.integers(450, 1100, m), rng.lognormal(np.log(600), 0.7, m)],
        rng.lognormal(np.log(450), 0.9, m),
    ).astype(np.int64)
    length = np.maximum(length, 14)
    last_off = np.where(k == 1, length - rng.integers(120, 380, m), -1)
    length[cl] = move - entry[cl] + rng.lognormal(np.log(400), 0.5, cl.sum()).astype(np.int64)
    last_off[cl] = move - entry[cl]
    _long_stays(rng, k, entry, dob, length, last_off)
    ls0, lc = _legal(rng, k, entry - dob, last_off)
    child_dob = np.zeros(n, np.int64)
    child_dob[cared] = dob
    ep1, end1, rec1 = _build_periods(rng, cared, k, entry, dob, length, last_off, ls0, lc, home_post[cared])

    # Re-entries: some children who went home come back into care.
    went_home = np.isin(rec1, [RC[c] for c in ("E4A", "E4B", "E13", "E8", "E41")])
    again = np.flatnonzero(
        went_home & (end1 < end0 - 120) & (end1 - dob < 16.5 * YEAR) & np.isin(k, [0, 2])
        & (rng.random(m) < 0.35)
    )
    entry2 = end1[again] + rng.integers(30, 700, len(again))
    ok = (entry2 < end0 - 20) & (entry2 - dob[again] < 17.5 * YEAR)
    again, entry2 = again[ok], entry2[ok]
    r = len(again)
    length2 = np.maximum(rng.lognormal(np.log(300), 0.8, r).astype(np.int64), 14)
    k2 = np.zeros(r, int)
    ls2, lc2 = _legal(rng, k2, entry2 - dob[again], np.full(r, -1))
    ep2, _, _ = _build_periods(rng, cared[again], k2, entry2, dob[again], length2, np.full(r, -1),
                               ls2, lc2, home_post[cared[again]])

    # Short breaks: V3 series of individual stays, or one V4 agreement.
    v3 = np.flatnonzero(kind == 4)
    v4 = np.flatnonzero(kind == 5)
    s0 = _day("2014-04-01") + rng.integers(0, 7 * 365, len(v3) + len(v4))
    child_dob[np.r_[v3, v4]] = s0 - (rng.uniform(6, 14, len(s0)) * YEAR).astype(np.int64)
    stays = 4 + rng.poisson(8, len(v3))
    sid = np.repeat(v3, stays)
    gaps = np.where(_first_of_group(sid), 0, rng.integers(14, 90, len(sid)))
    s_start = s0[: len(v3)][np.searchsorted(v3, sid)] + _cumsum_in_group(gaps, sid)
    s_len = rng.integers(1, 5, len(sid))
    sb_child = np.r_[sid, v4]
    sb_start = np.r_[s_start, s0[len(v3):]]
    sb_end = np.r_[s_start + s_len, s0[len(v3):] + 364]
    live = (sb_start <= end0) & (sb_start < _birthday(child_dob[sb_child], 18))
    sb_child, sb_start, sb_end = sb_child[live], sb_start[live], sb_end[live]
    sb_v4 = np.isin(sb_child, v4)
    sb_place = np.where(sb_v4, P["U6"], np.where(rng.random(len(sb_child)) < 0.6, P["K2"], P["U4"]))
    sb = {
        "child": sb_child, "decom": sb_start, "rne": np.full(len(sb_child), R_["S"]),
        "ls": np.where(sb_v4, L_["V4"], L_["V3"]), "cin": np.full(len(sb_child), 1),
        "place": sb_place, "provider": np.ones(len(sb_child), int),
        "dec": np.where(sb_end > end0, NONE, sb_end),
        "rec": np.where(sb_end > end0, -1, np.where(sb_v4, RC["E8"], RC["E4A"])),
        "reason": np.full(len(sb_child), -1), "home_post": home_post[sb_child],
        "pl_post": home_post[sb_child], "urn": 100000 + sb_place * 20011 % 900000 + 5 * 37,
    }

    eps = {key: np.concatenate([ep1[key], ep2[key], sb[key]]) for key in ep1}
    order = np.lexsort((eps["decom"], eps["child"]))
    eps = {key: value[order] for key, value in eps.items()}
    header = {"sex": sex, "dob": child_dob, "ethnic": ethnic, "home_post": home_post}
    return eps, header, kind


def _upn(rng, n: int) -> np.ndarray:
    """13-character UPNs: check letter, fictional LA 999, school, year, serial."""
    body = np.column_stack([
        np.full((n, 3), [9, 9, 9]), rng.integers(0, 10, (n, 4)), rng.integers(0, 10, (n, 2)),
        rng.integers(0, 10, (n, 3)),
    ])
    check = (body * np.arange(2, 14)).sum(axis=1) % 23
    letters = np.frombuffer(b"ABCDEFGHJKLMNPQRTUVWXYZ", dtype=np.uint8)
    chars = np.column_stack([letters[check], body + ord("0")]).astype(np.uint8)
    return np.ascontiguousarray(chars).view("S13").ravel()


def _return_years() -> range:
    """Collection years (31 March ends) of the demo's yearly 903 returns: 2012-13 to 2021-22."""
    first = int(str(HIST_START)[:4]) + 1
    return range(first, int(str(EXTRACT_END)[:4]) + 1)


def _return_name(year: int, table: str) -> str:
    return f"ssda903_{year - 1}-{year % 100:02d}_{table}.csv"


SSDA903_FILES = tuple(_return_name(y, t) for y in _return_years() for t in ("header", "episodes"))
FILES = (*SSDA903_FILES, *OTHER_FILES)

# ------------------------------------------------------------------ the regional stack (issue 10)

SSDA903_COLUMNS = {
    "header": ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    "episodes": ("CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                 "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"),
}
STACK_FILES = {"header": "ssda903_header.csv", "episodes": "ssda903_episodes.csv"}
STACK_AUTHORITY = "Demoshire"  # the demo's own authority in the stacked layout (--la Demoshire)
STACK_NEIGHBOURS = ("Otherton", "Westbury")  # other authorities whose returns share the files


def stack_returns(out_dir, returns) -> dict[str, int]:
    """Write yearly SSDA903 returns as the regional pipelines stack them (liia-tools): one
    ``ssda903_header.csv`` and one ``ssda903_episodes.csv`` holding every return of every
    authority, each row with ``LA`` (the authority) and ``YEAR`` (the return's collection
    year, named by its 31 March) after the 903 columns.

    ``returns`` maps ``(la, year)`` to ``{"header": rows, "episodes": rows}``, each row the
    values of :data:`SSDA903_COLUMNS` in order (text); rows are written in the mapping's
    order. Returns the rows written per file."""
    import csv

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    for table, name in STACK_FILES.items():
        with open(out / name, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow([*SSDA903_COLUMNS[table], "LA", "YEAR"])
            count = 0
            for (la, year), tables in returns.items():
                for row in tables.get(table, ()):
                    writer.writerow([*row, la, str(int(year))])
                    count += 1
        written[name] = count
    return written


def _read_returns(folder: Path) -> dict[int, dict[str, list[list[str]]]]:
    """The demo's yearly returns in ``folder`` read back as rows of text, by collection year."""
    import csv

    returns = {}
    for year in _return_years():
        returns[year] = {}
        for table in SSDA903_COLUMNS:
            with open(folder / _return_name(year, table), encoding="utf-8", newline="") as handle:
                returns[year][table] = list(csv.reader(handle))[1:]
    return returns


def _neighbour_returns(seed: int, n: int, k: int) -> dict[int, dict[str, list[list[str]]]]:
    """Another authority's yearly returns, drawn as the demo's own are, from a stream of their
    own (so the demo authority's data is the same draw in every layout)."""
    import tempfile

    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(7 + k,)))
    eps, header, _ = _episodes(rng, n)
    with tempfile.TemporaryDirectory(prefix="qa-demo-stack-") as folder:
        _write_903(Path(folder), rng, n, eps, header)
        return _read_returns(Path(folder))


def _write_stacked_layout(out: Path, seed: int, n: int) -> dict[str, int]:
    """Replace the demo's yearly 903 returns in ``out`` by the regional stack: the demo's own
    returns as :data:`STACK_AUTHORITY` plus :data:`STACK_NEIGHBOURS`' returns, year by year."""
    own = _read_returns(out)
    neighbours = {la: _neighbour_returns(seed, n, k) for k, la in enumerate(STACK_NEIGHBOURS)}
    returns = {}
    for year in _return_years():
        returns[(STACK_AUTHORITY, year)] = own[year]
        for la, theirs in neighbours.items():
            returns[(la, year)] = theirs[year]
    rows = stack_returns(out, returns)
    for name in SSDA903_FILES:
        (out / name).unlink()
    return rows


def _write_903(out: Path, rng, n: int, eps, header) -> tuple[dict[str, int], dict]:
    """The 903 as the DfE collection holds it: one return per collection year, each with
    every episode open at any time in its year (an episode still open on its 31 March has
    a blank DEC, REC and REASON_PLACE_CHANGE there, and is in the next return too) and a
    header row for each of those children. Now and then a later return corrects an
    earlier one: a provider code, and one start date (DECOM) typed two days late."""
    child_ids = _ids("C", np.arange(1, n + 1), 6)
    sex, dob = header["sex"], header["dob"]
    female_teen = (sex == 2) & (_age(dob, np.full(n, EXTRACT_END.astype(np.int64))) >= 15)
    mother = np.where(sex == 2, 0, -1)
    mother = np.where(female_teen & (rng.random(n) < 0.15), 1, mother)
    mc_dob = np.where(mother == 1, _birthday(dob, 16) + rng.integers(0, 300, n), NONE)
    head = {
        "CHILD": child_ids,
        "SEX": _ints(sex),
        "DOB": _dates(dob, "dmy"),
        "ETHNIC": _codes(ETHNIC, header["ethnic"]),
        "UPN": _upn(rng, n),
        "MOTHER": np.where(mother < 0, b"", _ints(np.maximum(mother, 0))),
        "MC_DOB": _dates(mc_dob, "dmy"),
    }

    def post(code):
        area = np.where(code >= 10, b"ZY", b"ZZ")
        return np.where(code > 0, np.strings.add(area, _ints(code % 10)), b"")

    urn = eps["urn"]
    urn_text = np.where(urn == -2, b"XXXXXX", np.strings.add(b"SC", _ints(np.maximum(urn, 0))))
    text = {
        "CHILD": child_ids[eps["child"]],
        "DECOM": _dates(eps["decom"], "dmy"),
        "RNE": _codes(RNE, eps["rne"]),
        "LS": _codes(LS, eps["ls"]),
        "CIN": _codes(CIN, eps["cin"]),
        "PLACE": _codes(PLACES, eps["place"]),
        "PLACE_PROVIDER": _codes(PROVIDERS, eps["provider"]),
        "DEC": _dates(eps["dec"], "dmy"),
        "REC": np.where(eps["rec"] < 0, b"", _codes(REC, np.maximum(eps["rec"], 0))),
        "REASON_PLACE_CHANGE": np.where(eps["reason"] < 0, b"", _codes(REASONS, np.maximum(eps["reason"], 0))),
        "HOME_POST": post(eps["home_post"]),
        "PL_POST": post(eps["pl_post"]),
        "URN": np.where(urn == -1, b"", urn_text),
    }
    years = list(_return_years())
    starts = np.array([_day(f"{y - 1}-04-01") for y in years], dtype=np.int64)
    ends = np.array([_day(f"{y}-03-31") for y in years], dtype=np.int64)
    # the returns each episode is in: open at any time from the year's 1 April to its 31 March
    first = np.searchsorted(ends, eps["decom"], side="left")
    last = np.searchsorted(starts, np.minimum(eps["dec"], ends[-1]), side="right") - 1
    # Corrections a later return makes: an earlier copy with another provider (about 2% of
    # the episodes in several returns), and one open earlier copy whose DECOM is 2 days late.
    several = np.flatnonzero(last > first)
    wrong_provider = several[rng.random(len(several)) < 0.02]
    late = several[(eps["decom"][several] + 2 <= ends[first[several]])]
    late_one = late[rng.integers(0, len(late))] if len(late) else -1
    wrong_provider = wrong_provider[wrong_provider != late_one]
    wrong_provider_text = _codes(PROVIDERS, (eps["provider"] + 1) % len(PROVIDERS))
    late_decom = _dates(eps["decom"] + 2, "dmy")

    rows = {}
    for i, year in enumerate(years):
        index = np.flatnonzero((first <= i) & (last >= i))
        open_here = eps["dec"][index] > ends[i]
        columns = {name: values[index] for name, values in text.items()}
        for name in ("DEC", "REC", "REASON_PLACE_CHANGE"):
            columns[name] = np.where(open_here, b"", columns[name])
        earlier_copy = last[index] > i
        fix = np.isin(index, wrong_provider) & earlier_copy
        columns["PLACE_PROVIDER"] = np.where(fix, wrong_provider_text[index], columns["PLACE_PROVIDER"])
        typo = (index == late_one) & (first[index] == i)
        columns["DECOM"] = np.where(typo, late_decom[index], columns["DECOM"])
        children = np.unique(eps["child"][index])
        rows[_return_name(year, "header")] = _write_csv(
            out / _return_name(year, "header"), {name: values[children] for name, values in head.items()})
        rows[_return_name(year, "episodes")] = _write_csv(out / _return_name(year, "episodes"), columns)
    return rows, child_ids


# ------------------------------------------------------------------ Annex A and families


def _families(rng, count: int, sizes, weights) -> np.ndarray:
    """Family number (0-based, consecutive) for ``count`` consecutive children."""
    size = np.asarray(sizes)[_pick(rng, count, weights)]
    return np.repeat(np.arange(count), size)[:count]


def _contact_days(rng, count: int) -> np.ndarray:
    """Contact dates: mostly working days, fewer in the first lockdown, busy in September."""
    days = np.arange(WIN_START.astype(np.int64), EXTRACT_END.astype(np.int64) + 1)
    weight = np.where(np.is_busday(days.astype("datetime64[D]"), busdaycal=_calendar()), 1.0, 0.12)
    d = days.astype("datetime64[D]")
    weight = np.where((d >= np.datetime64("2020-03-23")) & (d < np.datetime64("2020-06-01")), weight * 0.65, weight)
    weight = np.where(d.astype("datetime64[M]").astype(np.int64) % 12 == 8, weight * 1.2, weight)
    return rng.choice(days, size=count, p=weight / weight.sum())


FAMILY_OF_14_STOCKTAKE_DAY = "2020-07-16"  # a Thursday in the stocktake's window (issue 15)


def _annex_a(out: Path, rng, n: int, first_id: int):
    """Contacts, referrals and assessments for a universe of children in families.

    Returns rows written, the universe (child numbers, family numbers) and the children
    assessed as needing support with their authorisation dates (they feed CIN/CP visits).
    """
    u_count = 9 * n
    ids = first_id + np.arange(u_count + 14)
    fam = _families(rng, u_count, (1, 2, 3, 4, 5, 6), (44, 26, 15, 9, 4, 2))
    fam = np.r_[fam, np.full(14, fam.max() + 1)]  # the family of 14
    big = fam.max()
    # Children of a family share an ethnicity; ages spread around a family age.
    fam_age = rng.uniform(0, 12, big + 1)
    dob = WIN_START.astype(np.int64) - ((fam_age[fam] + rng.uniform(-4, 6, len(ids))).clip(-2.5, 17.5) * YEAR).astype(np.int64)
    sex = 1 + (rng.random(len(ids)) < 0.5)
    ethnic = _pick(rng, big + 1, ETHNIC_W)[fam]
    fourteen = np.flatnonzero(fam == big)
    dob[fourteen] = _day("2020-11-12") - ((0.5 + 1.2 * np.arange(14)) * YEAR).astype(np.int64)

    # Contact events: families (heavy-tailed propensity, so some come back) x dates.
    n_fam = big  # the family of 14 is planted, not drawn
    propensity = rng.gamma(0.6, 1.0, n_fam)
    events = round(9.2 * n)
    e_fam = rng.choice(n_fam, size=events, p=propensity / propensity.sum())
    e_day = _contact_days(rng, events)
    e_src = _pick(rng, events, SOURCE_W)
    fam_start = np.searchsorted(fam, np.arange(big + 1))
    fam_size = np.bincount(fam, minlength=big + 1)
    together = (fam_size[e_fam] >= 2) & (rng.random(events) < 0.3)
    per_event = np.where(together, fam_size[e_fam], 1)
    ev = np.repeat(np.arange(events), per_event)
    pos = _rank_in_group(ev)
    single = fam_start[e_fam] + rng.integers(0, 10**9, events) % fam_size[e_fam]
    c_child = np.where(together[ev], fam_start[e_fam[ev]] + pos, single[ev])
    c_day, c_src = e_day[ev], e_src[ev]
    # The 14 children contacted together (police, during the second lockdown).
    c_child = np.r_[c_child, fourteen]
    c_day = np.r_[c_day, np.full(14, _day("2020-11-12"))]
    c_src = np.r_[c_src, np.full(14, SOURCES.index("q) 6: Police"))]
    c_event = np.r_[ev, np.full(14, events)]
    alive = c_day >= dob[c_child]  # no contact about a child before birth
    c_child, c_day, c_src, c_event = c_child[alive], c_day[alive], c_src[alive], c_event[alive]

    # Referrals: a third of contact events (siblings referred together), on the day or soon after.
    ev_ref = rng.random(events + 1) < 0.33
    ev_ref[events] = True
    u = rng.random(events + 1)
    lag = np.where(u < 0.7, 0, np.where(u < 0.95, rng.integers(1, 4, events + 1), rng.integers(4, 26, events + 1)))
    lag[events] = 0
    is_ref = ev_ref[c_event]
    r_child, r_src = c_child[is_ref], c_src[is_ref]
    r_day = _busday(c_day[is_ref] + lag[c_event[is_ref]], 0)
    keep = r_day <= EXTRACT_END.astype(np.int64)
    r_child, r_src, r_day, r_event = r_child[keep], r_src[keep], r_day[keep], c_event[is_ref][keep]
    order = np.lexsort((r_day, r_child))
    r_child, r_src, r_day, r_event = r_child[order], r_src[order], r_day[order], r_event[order]
    nfa_event = rng.random(events + 1) < 0.1
    nfa_event[events] = False
    r_nfa = nfa_event[r_event]
    # Referrals in the 12 months before each one (same child), by binary search on child x day.
    key = r_child.astype(np.int64) * 100000 + r_day
    back = r_child.astype(np.int64) * 100000 + _birthday(r_day, -1)
    r_last12 = np.arange(len(key)) - np.searchsorted(key, back, side="left")
    # The case system also counts referrals from before the extract began: about a fifth of
    # children had one in the year before WIN_START, so List 3's own count (which stands in
    # for a short referral history) is not 0 for everyone at first. A generator of its own,
    # so every other demo value stays as it was.
    pre_rng = np.random.default_rng(rng.bit_generator.seed_seq.spawn(1)[0])
    has_pre = pre_rng.random(len(ids)) < 0.22
    pre_day = WIN_START.astype(np.int64) - pre_rng.integers(1, 366, len(ids))
    r_last12_system = r_last12 + (has_pre[r_child] & (pre_day[r_child] >= _birthday(r_day, -1)))
    r_team = _pick(rng, len(r_child), (50, 25, 25))
    workers = max(15, n // 8)
    r_worker = rng.integers(1, workers + 1, len(r_child))

    # Assessments: most referrals that were not NFA; 45 working days mostly met.
    a = np.flatnonzero(~r_nfa & (rng.random(len(r_child)) < 0.92))
    a_start = _busday(r_day[a], rng.integers(0, 4, len(a)))
    late = rng.random(len(a)) < 0.16
    a_wd = np.where(late, rng.integers(46, 85, len(a)), rng.integers(6, 46, len(a)))
    a_wd = np.where(a_start >= _day("2020-04-01"), a_wd, np.where(rng.random(len(a)) < 0.05, rng.integers(46, 70, len(a)), a_wd))
    a_auth = _busday(a_start, a_wd)
    a_start_ok = a_start <= EXTRACT_END.astype(np.int64)
    a, a_start, a_auth = a[a_start_ok], a_start[a_start_ok], a_auth[a_start_ok]
    a_auth = np.where(a_auth > EXTRACT_END.astype(np.int64), NONE, a_auth)
    a_child = r_child[a]
    a_support = rng.random(len(a)) < 0.55
    a_team = _pick(rng, len(a), (1, 1, 1, 1))

    child_ids = _ids("C", ids + 1, 6)

    def common(child, day):
        return {
            "Child Unique ID": child_ids[child],
            "Gender": _codes(ANNEX_GENDER, sex[child] - 1),
            "Ethnicity": _codes(ANNEX_ETHNIC, ethnic[child]),
            "Date of Birth": _dates(dob[child], "dmy"),
            "Age of Child (Years)": _ints(np.maximum(_age(dob[child], day), 0)),
        }

    # The family of 14 was also contacted once before, by their school, inside the
    # August 2020 stocktake's window (1 July to 5 August), as in the paper the demo follows:
    # "many about several members of one family, one about 14". No referral followed it,
    # so it is added after the referrals are drawn and changes nothing downstream.
    c_child = np.r_[c_child, fourteen]
    c_day = np.r_[c_day, np.full(14, _day(FAMILY_OF_14_STOCKTAKE_DAY))]
    c_src = np.r_[c_src, np.full(14, SOURCES.index("e) 2A: Schools"))]

    order = np.lexsort((c_child, c_day))
    c_child, c_day, c_src = c_child[order], c_day[order], c_src[order]
    rows = {}
    rows["annex_a_list_1.csv"] = _write_csv(out / "annex_a_list_1.csv", {
        **common(c_child, c_day),
        "Date of Contact": _dates(c_day, "dmy"),
        "Contact Source": _codes(SOURCES, c_src),
    })
    order = np.lexsort((r_child, r_day))
    rows["annex_a_list_3.csv"] = _write_csv(out / "annex_a_list_3.csv", {
        **common(r_child[order], r_day[order]),
        "Date of referral": _dates(r_day[order], "dmy"),
        "Referral Source": _codes(SOURCES, r_src[order]),
        "Referral NFA?": _codes(YES_NO, (~r_nfa[order]).astype(int)),
        "Number of Referrals in Last 12 Months": _ints(r_last12_system[order]),
        "Allocated Team": _codes(TEAMS_3, r_team[order]),
        "Allocated Worker": _ids("W", r_worker[order], 3),
    })
    order = np.lexsort((a_child, a_start))
    a_worker = rng.integers(1, workers + 1, len(a))
    rows["annex_a_list_4.csv"] = _write_csv(out / "annex_a_list_4.csv", {
        **common(a_child[order], a_start[order]),
        "Does the Child have a Disability": _codes(YES_NO, (rng.random(len(a)) >= 0.07).astype(int)),
        "Continuous Assessment Start Date": _dates(a_start[order], "dmy"),
        "Child Seen During Continuous Assessment": _codes(YES_NO, (rng.random(len(a)) >= 0.96).astype(int)),
        "Continuous Assessment Date of Authorisation": _dates(a_auth[order], "dmy"),
        "Was the child assessed as requiring LA children's social care support?":
            _codes(YES_NO, (~a_support[order]).astype(int)),
        "Allocated Team": _codes(TEAMS_4, a_team[order]),
        "Allocated Worker": _ids("W", a_worker[order], 3),
    })
    supported = a_support & (a_auth < NONE)
    universe = {"ids": ids, "fam": fam, "fourteen": ids[fourteen]}
    # Children referred again within 12 months (for the re-referrals thematic audit).
    rereferred = np.unique(ids[r_child[r_last12 > 0]])
    return rows, universe, (ids[a_child[supported]], a_auth[supported]), rereferred


# ------------------------------------------------------------------ visits


def _visit_series(rng, child, cohort, start, end):
    """Visits from ``start`` to ``end`` per interval, gaps mostly within the cohort's limit.

    CLA gaps are calendar days (limit 42), CP and CIN gaps working days (10 and 20).
    """
    lo = np.array([20, 5, 9])[cohort]
    hi = np.array([42, 10, 20])[cohort]
    late_hi = np.array([75, 18, 32])[cohort]
    late_p = np.array([0.09, 0.10, 0.12])[cohort]
    calendar = cohort == 0
    span = np.where(calendar, end - start, np.busday_count(
        start.astype("datetime64[D]"), np.maximum(end, start).astype("datetime64[D]"), busdaycal=_calendar()))
    draws = np.maximum(span, 0) // lo + 2
    vid = np.repeat(np.arange(len(child)), draws)
    first = _first_of_group(vid)
    late = rng.random(len(vid)) < late_p[vid]
    gap = np.where(late, rng.integers(hi[vid] + 1, late_hi[vid] + 1),
                   rng.integers(lo[vid], hi[vid] + 1))
    gap = np.where(first, rng.integers(1, 6, len(vid)), gap)  # seen within a week of starting
    offset = _cumsum_in_group(gap, vid)
    keep = offset <= span[vid]
    vid, offset = vid[keep], offset[keep]
    day = np.where(
        calendar[vid], _busday(start[vid] + offset, 0, roll="backward"),
        _busday(start[vid], offset),
    )
    return child[vid], cohort[vid], day, vid


def _visits(out: Path, rng, n: int, eps, supported, next_id: int):
    w0, w1 = WIN_START.astype(np.int64), EXTRACT_END.astype(np.int64)
    # CLA: each period of care (short breaks apart), from entry or just before the window.
    # Rows are sorted by child and date and every period opens with RNE S, so a period's
    # last episode is the row before the next S.
    ps = np.flatnonzero(eps["rne"] == R_["S"])
    pe = np.r_[ps[1:], len(eps["child"])] - 1
    care = ~np.isin(eps["ls"][ps], [L_["V3"], L_["V4"]])
    ps, pe = ps[care], pe[care]
    p_end = np.minimum(eps["dec"][pe], w1)
    p_start = eps["decom"][ps]
    cla = p_end >= w0
    cla_child, cla_start, cla_end = eps["child"][ps][cla], p_start[cla], p_end[cla]
    # Start the series some weeks before the window when care began earlier: same gaps.
    cla_start = np.where(cla_start < w0 - 90, w0 - rng.integers(30, 90, len(cla_start)), cla_start)

    # CP and CIN plans: after assessments needing support, plus plans open at the window start.
    s_child, s_auth = supported
    cp = rng.random(len(s_child)) < 0.3
    plan_start = s_auth + rng.integers(1, 15, len(s_child))
    pre = max(10, round(0.8 * n))
    pre_child = next_id + np.arange(pre)
    pre_cp = rng.random(pre) < 0.35
    pre_start = w0 - rng.integers(1, 365, pre)
    p_child = np.r_[s_child, pre_child]
    p_cp = np.r_[cp, pre_cp]
    p_start2 = np.r_[plan_start, pre_start]
    p_len = np.where(p_cp, rng.integers(90, 400, len(p_child)), rng.integers(60, 365, len(p_child)))
    p_end2 = np.minimum(p_start2 + p_len, w1)
    ok = p_start2 <= w1
    child = np.r_[cla_child, p_child[ok]]
    cohort = np.r_[np.zeros(len(cla_child), int), np.where(p_cp[ok], 1, 2)]
    start = np.r_[cla_start, p_start2[ok]]
    end = np.r_[cla_end, p_end2[ok]]
    v_child, v_cohort, v_day, v_series = _visit_series(rng, child, cohort, start, end)
    keep = (v_day >= w0) & (v_day <= w1)
    v_child, v_cohort, v_day, v_series = v_child[keep], v_cohort[keep], v_day[keep], v_series[keep]
    order = np.lexsort((v_cohort, v_day, v_child))
    v_child, v_cohort, v_day, v_series = v_child[order], v_cohort[order], v_day[order], v_series[order]
    count = len(v_child)

    knots = np.array([_day(d) for d, _ in _VIRTUAL_KNOTS])
    share = np.interp(v_day, knots, [s for _, s in _VIRTUAL_KNOTS])
    virtual = rng.random(count) < share
    later = (v_day >= _day("2020-07-01")).astype(int)
    method = np.where(virtual, 4 + _pick_rows(rng, _VIRTUAL_W, later), _pick(rng, count, _F2F_W))
    phone = method == METHODS.index("phone")
    seen = rng.random(count) < np.where(phone, 0.1, np.where(virtual, 0.85, 0.95))
    alone = np.where(seen, np.where(rng.random(count) < np.where(virtual, 0.35, 0.62), 1, 0), -1)
    workers = max(15, n // 8)
    series_worker = rng.integers(1, workers + 1, len(child))
    child_ids = _ids("C", v_child + 1, 6)
    rows = _write_csv(out / "visits.csv", {
        "visit_id": _ids("V", np.arange(1, count + 1), 7),
        "child_id": child_ids,
        "cohort": _codes(COHORTS, v_cohort),
        "visit_date": _dates(v_day, "iso"),
        "modality": _codes(MODALITIES, virtual.astype(int)),
        "method": _codes(METHODS, method),
        "child_seen": np.where(seen, b"Y", b"N"),
        "seen_alone": np.where(alone < 0, b"", np.where(alone == 1, b"Y", b"N")),
        "worker_id": _ids("W", series_worker[v_series], 3),
    })
    return rows, {"child": v_child, "cohort": v_cohort, "day": v_day, "virtual": virtual,
                  "pre_children": pre_child}


# ------------------------------------------------------------------ audits


def _quarter_starts() -> np.ndarray:
    months = np.arange(np.datetime64("2019-04"), np.datetime64("2022-04"), 3)
    return months.astype("datetime64[D]").astype(np.int64)


def _audits(rng, n: int, visits, eps, kind, rereferred):
    """Audit rows (audit, child, domain, grade) and the audits' dates/types/themes."""
    q_start = _quarter_starts()
    q_end = np.r_[q_start[1:], EXTRACT_END.astype(np.int64) + 1] - 1
    v_order = np.argsort(visits["day"], kind="stable")
    v_days = visits["day"][v_order]
    audits = []  # (quarter, type, theme, children array, graded domains)

    # Full case file audits: children with a visit in the quarter; all six domains graded.
    per_q = max(4, round(n / 18))
    qi = np.repeat(np.arange(12), per_q)
    lo, hi = np.searchsorted(v_days, q_start[qi]), np.searchsorted(v_days, q_end[qi], side="right")
    pick = v_order[lo + (rng.random(len(qi)) * (hi - lo)).astype(np.int64)]
    full_child = visits["child"][pick]
    full_theme = np.array(["children looked after", "child protection", "children in need"])[visits["cohort"][pick]]

    # Stocktakes in Q2 and Q4 (overall grade only).
    st_q = np.array([q for q in range(12) if q % 4 in (1, 3)])
    st_size = max(5, round(n / 15))
    # Thematic audits: fixed, children chosen to fit the theme.
    them = []
    cla_kids = np.unique(eps["child"][~np.isin(eps["ls"], [L_["V3"], L_["V4"]])])
    for start, theme, size, domains in THEMATIC:
        q = int(np.searchsorted(q_start, _day(start)))
        if theme.startswith("placement"):
            in_care = (eps["decom"] <= q_start[q]) & (eps["dec"] >= q_start[q])
            pool = np.unique(eps["child"][in_care & np.isin(eps["child"], cla_kids)])
        elif theme.startswith("moves"):
            pool = np.flatnonzero(kind == 3)
        elif theme.startswith("re-referrals"):
            pool = rereferred
        else:
            in_q = (visits["day"] >= q_start[q]) & (visits["day"] <= q_end[q])
            if "virtual" in theme:
                in_q &= visits["virtual"]
            pool = np.unique(visits["child"][in_q])
        chosen = np.sort(rng.choice(pool, size=min(size, len(pool)), replace=False))
        them.append((q, theme, chosen, domains))

    for q, child, theme in zip(qi, full_child, full_theme, strict=True):
        audits.append((q, 0, theme, np.array([child]), DOMAINS))
    for q, theme, chosen, domains in them:
        audits.append((q, 1, theme, chosen, domains))
    for q in st_q:
        lo_, hi_ = np.searchsorted(v_days, q_start[q]), np.searchsorted(v_days, q_end[q], side="right")
        pool = np.unique(visits["child"][v_order[lo_:hi_]][visits["cohort"][v_order[lo_:hi_]] > 0])
        chosen = np.sort(rng.choice(pool, size=min(st_size, len(pool)), replace=False))
        audits.append((q, 2, STOCKTAKE_THEMES[(q // 2) % 2], chosen, ("overall",)))
    return audits, q_start, q_end


def _audit_rows(rng, audits, graded_dom=DOMAINS):
    """Row-level arrays of (audit, child, domain, grade) for ``audits`` (draws as before)."""
    count = len(audits)
    # One row per (audit, child, domain); the thematic "graded" list may be empty -> one
    # overall row with a blank grade.
    sizes = np.array([len(a[3]) for a in audits])
    dom_sets = [a[4] if a[4] else ("overall",) for a in audits]
    graded = np.array([bool(a[4]) for a in audits])
    children = np.concatenate([a[3] for a in audits])
    ac = np.repeat(np.arange(count), sizes)
    n_dom = np.array([len(d) for d in dom_sets])
    row_ac = np.repeat(np.arange(len(ac)), n_dom[ac])
    aud = ac[row_ac]
    dom = np.concatenate([[DOMAINS.index(d) for d in dom_sets[i]] for i in ac])
    # Overall grade per (audit, child); domains scatter one step around it.
    overall = 1 + _pick(rng, len(ac), (8, 42, 40, 10))
    step = np.where(dom == 0, 0, _pick(rng, len(row_ac), (20, 60, 20)) - 1)
    grade = np.clip(overall[row_ac] + step, 1, 4)
    long_form = rng.random(count) < 0.4  # some auditors write "to be good" in full
    grade = np.where((grade == 3) & long_form[aud], 5, grade)
    grade = np.where(graded[aud], grade, 0)
    return aud, children[row_ac], dom, grade


def _write_audits(out: Path, rng, n: int, audits, q_start, q_end, family_of,
                  programme=None) -> dict[str, int]:
    """case_audits.csv and recommendations.csv; with ``programme`` (the 2020-21 audits,
    their days, details and random stream) audits.csv is written and, at the default size,
    2020-21's drawn audits are replaced by the programme (a scaled set keeps them beside it).
    The other years' draws are made exactly as without it."""
    count = len(audits)
    a_q = np.array([a[0] for a in audits])
    a_type = np.array([a[1] for a in audits])
    a_day = _busday(q_start[a_q] + (rng.random(count) * (q_end[a_q] - q_start[a_q] - 5)).astype(np.int64), 0)
    order = np.lexsort((a_type, a_day))  # audit numbers follow the calendar
    audits = [audits[i] for i in order]
    a_q, a_type, a_day = a_q[order], a_type[order], a_day[order]
    a_theme = np.array([a[2] for a in audits])
    auditors = max(6, n // 2000)
    a_auditor = rng.integers(1, auditors + 1, count)
    aud, r_child, dom, grade = _audit_rows(rng, audits)

    # Recommendations: 0-3 per full case file audit, 3-5 per thematic, 2 per stocktake.
    per = np.select([a_type == 0, a_type == 1], [rng.poisson(1.2, count), rng.integers(3, 6, count)], 2)
    ra = np.repeat(np.arange(count), per)
    m = len(ra)
    raised = a_day[ra] + rng.integers(0, 10, m)
    sdp = rng.random(m) < np.where(a_type[ra] == 1, 0.6, 0.12)
    # Service Development Plan actions are longer pieces of work and slip more often.
    window = np.where(sdp, np.array([90, 180])[rng.integers(0, 2, m)],
                      np.array([28, 42, 56, 90])[_pick(rng, m, (25, 30, 30, 15))])
    due = raised + window
    took = (window * rng.lognormal(np.log(0.75), 0.4, m)).astype(np.int64) + 1
    done = raised + took
    completed = (done <= EXTRACT_END.astype(np.int64)) & (rng.random(m) < np.where(sdp, 0.7, 0.9))
    status = np.where(completed, 2, (rng.random(m) < 0.6).astype(int))
    theme = np.where(a_type[ra] == 1, a_theme[ra], np.array(REC_THEMES)[_pick(rng, m, (3, 3, 2, 2, 2, 1, 1, 1))])
    owner = rng.integers(0, len(OWNERS), m)
    route = sdp.astype(int)
    shared = np.full(m, "", dtype=object)
    theme_b = np.array([_csv_field(t) for t in a_theme], dtype=object)

    # The audits kept and, in 2020-21, the programme in place of the drawn ones.
    # At the default size (a small authority's year, as in the paper) the programme is the
    # year's audits; a scaled set keeps its drawn audits beside it, so volumes still scale.
    replace = programme is not None and n == DEFAULT_CHILDREN
    keep = ~np.isin(a_q, PROGRAMME_QUARTERS) if replace else np.ones(count, bool)
    k_day, k_type, k_theme, k_auditor = a_day[keep], a_type[keep], theme_b[keep], a_auditor[keep]
    renumber = np.cumsum(keep) - 1
    row_keep, rec_keep = keep[aud], keep[ra]
    rows_audit, rows_child, rows_dom, rows_grade = renumber[aud][row_keep], r_child[row_keep], dom[row_keep], grade[row_keep]
    rec_cols = {
        "audit": renumber[ra][rec_keep], "raised": raised[rec_keep], "due": due[rec_keep],
        "status": status[rec_keep], "done": np.where(completed, done, NONE)[rec_keep],
        "theme": np.array([t.encode() for t in theme], dtype=object)[rec_keep],
        "owner": owner[rec_keep], "route": route[rec_keep], "shared": shared[rec_keep],
    }
    details = []
    if programme is not None:
        p_audits, p_day, details, p_rng = programme
        first = int(keep.sum())
        p_aud, p_child, p_dom, p_grade = _audit_rows(p_rng, p_audits)
        k_day = np.r_[k_day, p_day]
        k_type = np.r_[k_type, [a[1] for a in p_audits]]
        k_theme = np.r_[k_theme, [_csv_field(a[2]) for a in p_audits]]
        k_auditor = np.r_[k_auditor, p_rng.integers(1, auditors + 1, len(p_audits))]
        rows_audit = np.r_[rows_audit, first + p_aud]
        rows_child, rows_dom, rows_grade = np.r_[rows_child, p_child], np.r_[rows_dom, p_dom], np.r_[rows_grade, p_grade]
        keys = [d["key"] for d in details]
        recs = [r for r in _PROGRAMME_RECS if r[0] in keys]
        r_audit = np.array([first + keys.index(r[0]) for r in recs])
        r_raised = p_day[r_audit - first] + np.array([r[1] for r in recs])
        r_done = np.array([NONE if r[6] is None else raised_ + r[6] for r, raised_ in zip(recs, r_raised, strict=True)])
        rec_cols = {
            "audit": np.r_[rec_cols["audit"], r_audit], "raised": np.r_[rec_cols["raised"], r_raised],
            "due": np.r_[rec_cols["due"], r_raised + np.array([r[4] for r in recs])],
            "status": np.r_[rec_cols["status"], [STATUSES.index(r[5]) for r in recs]],
            "done": np.r_[rec_cols["done"], r_done],
            "theme": np.r_[rec_cols["theme"], [r[2].encode() for r in recs]],
            "owner": np.r_[rec_cols["owner"], [r[3] for r in recs]],
            "route": np.r_[rec_cols["route"], [ROUTES.index(r[7]) for r in recs]],
            "shared": np.r_[rec_cols["shared"], [r[8] for r in recs]],
        }
    # Audit numbers follow the calendar; rows follow their audit.
    rank = np.empty(len(k_day), dtype=np.int64)
    rank[np.lexsort((k_type, k_day))] = np.arange(len(k_day))
    a_ids = _ids("A", rank + 1, 4)
    row_order = np.lexsort((np.arange(len(rows_audit)), rank[rows_audit]))
    ra_, child_, dom_, grade_ = rows_audit[row_order], rows_child[row_order], rows_dom[row_order], rows_grade[row_order]
    rows = {"case_audits.csv": _write_csv(out / "case_audits.csv", {
        "audit_id": a_ids[ra_],
        "audit_date": _dates(k_day[ra_], "iso"),
        "audit_type": _codes(AUDIT_TYPES, k_type[ra_]),
        "theme": np.array(list(k_theme), dtype="S")[ra_] if len(k_theme) else np.array([], dtype="S"),
        "child_id": _ids("C", child_ + 1, 6),
        "family_id": family_of(child_),
        "auditor": _ids("AUD", k_auditor[ra_], 2),
        "domain": _codes(DOMAINS, dom_),
        "grade": _codes(GRADES, grade_),
    })}
    rec_order = np.lexsort((np.arange(len(rec_cols["audit"])), rank[rec_cols["audit"]]))
    rc = {k: v[rec_order] for k, v in rec_cols.items()}
    m = len(rec_order)
    columns = {
        "recommendation_id": _ids("R", np.arange(1, m + 1), 4),
        "audit_id": a_ids[rc["audit"]],
        "raised_date": _dates(rc["raised"], "iso"),
        "theme": np.array(list(rc["theme"]), dtype="S"),
        "owner": _codes(OWNERS, rc["owner"].astype(np.int64)),
        "due_date": _dates(rc["due"], "iso"),
        "status": _codes(STATUSES, rc["status"].astype(np.int64)),
        "completed_date": _dates(rc["done"], "iso"),
        "route": _codes(ROUTES, rc["route"].astype(np.int64)),
    }
    if programme is not None:
        columns["shared_with"] = np.array([_csv_field(v) for v in rc["shared"]], dtype="S")
    rows["recommendations.csv"] = _write_csv(out / "recommendations.csv", columns)
    if programme is not None:
        ids = {d["key"]: a_ids[first + i] for i, d in enumerate(details)}
        rows[AUDITS_FILE] = _write_programme(out, details, ids)
    return rows


def _csv_field(text) -> bytes:
    """Bytes for _write_csv, quoted when the text holds a comma or a quote."""
    text = text.decode() if isinstance(text, bytes) else str(text)
    if any(ch in text for ch in ',"\n'):
        text = '"' + text.replace('"', '""') + '"'
    return text.encode()


# ------------------------------------------------------------------ the 2020-21 programme

# 2020-21 is the year of the committee paper (issue 15): its programme is the four audits of
# the City of London's 2020/21 Quality Assurance report, with their dates, case and family
# counts, methods and selections, and findings written for the demo. Drawn from a stream of
# its own, so the other years' audits are the same draws as before.
PROGRAMME_QUARTERS = (4, 5, 6, 7)  # 2020-21 Q1..Q4 in _quarter_starts()
_PROGRAMME = (
    {
        "key": "visits", "type": 1, "theme": "face-to-face and virtual visits",
        "started": "2020-05-04", "completed": "2020-05-29", "auditor": "QA service manager",
        "method": "case file review; discussion with the allocated worker",
        "selection": "cases on theme", "practice": ("2020-03-23", "2020-05-15"), "cases": 24,
        "domains": ("overall", "voice_of_child"),
        "prompted_by": "the move to virtual visits when the first national lockdown began on 23 March 2020",
        "findings": "Children continued to be visited through the lockdown. Where a visit was virtual it was "
        "usually by Zoom or WhatsApp video; workers had adapted well and some older children preferred it. "
        "Case records did not always say whether the child was seen, or seen alone, during a video call.",
        "areas": "Record for every virtual visit whether it was by video or phone and whether the child was "
        "seen alone; return to face-to-face visits first for the children whose plans need them most.",
    },
    {
        "key": "full", "type": 0, "theme": "", "started": "2020-07-01", "completed": "2020-07-31",
        "auditor": "independent auditors",
        "method": "case file review; discussion with the allocated worker",
        "selection": "cross-section of open cases; identified by managers",
        "practice": ("2020-01-01", "2020-07-31"), "cases": 12, "families": 9,
        "domains": ("overall", "assessment", "planning", "voice_of_child", "management_oversight",
                    "recording"),
        "prompted_by": "",
        "findings": "Most children were safer because of the help they received, and workers knew their "
        "children well. Assessments were thorough and the child's voice was clear in most records.",
        "areas": "Management oversight was not always recorded; chronologies were out of date in some "
        "files; plans did not always say who would do what by when.",
    },
    {
        "key": "stocktake", "type": 2, "theme": "contacts, referrals and assessments",
        "started": "2020-08-10", "completed": "2020-08-28", "auditor": "independent auditor",
        "method": "case file review", "selection": "sample in window",
        "practice": ("2020-07-01", "2020-08-05"), "cases": 30, "contacts": 25, "assessments": 5,
        "domains": ("overall",),
        "prompted_by": "a request from the management team for an independent view of the front door",
        "findings": "Of the 30 cases, 25 were contacts and referrals and five were assessments. Many contacts "
        "concerned several children of one family, one of them a very large family. Decisions at the front "
        "door were timely and proportionate, and thresholds were applied consistently.",
        "areas": "Consider a family's children together when a contact concerns several of them; record "
        "the reason for the decision on every contact.",
    },
    {
        "key": "stability", "type": 1, "theme": "placement stability",
        "started": "2020-11-02", "completed": "2020-11-27", "auditor": "QA practice lead",
        "method": "case file review; discussion with the allocated worker; discussion with manager",
        "selection": "cases on theme", "practice": ("2019-11-01", "2020-10-31"), "cases": 10,
        "domains": (),  # a look for common denominators, not a grading exercise
        "prompted_by": "performance data on placement moves and the Independent Reviewing Officer's annual report",
        "findings": "The audit looked for the common denominators of moves from foster care to "
        "semi-independent accommodation and how practitioners and commissioned services responded. Most "
        "moves came at 16 or 17, some sooner than the young person's plan had said.",
        "areas": "Plan moves to semi-independent accommodation with the young person well before they "
        "happen; commissioned services to share their placement reports with the allocated worker.",
    },
)
# (audit key, days after completion raised, theme, owner, days due, status, days to complete or
#  None, route, shared with)
_PROGRAMME_RECS = (
    ("visits", 5, "visits", 0, 58, "completed", 47, "learning_and_development",
     "social work teams"),
    ("visits", 5, "voice of the child", 5, 211, "completed", 236, "service_development_plan",
     "the management team"),
    ("full", 5, "management oversight", 4, 30, "completed", 23, "case", "team managers"),
    ("full", 5, "planning", 1, 56, "completed", 68, "case", "team managers"),
    ("full", 5, "chronology", 6, 238, "in_progress", None, "service_development_plan",
     "the management team; the improvement board"),
    ("full", 5, "recording", 5, 117, "completed", 103, "learning_and_development",
     "social work teams"),
    ("stocktake", 5, "assessment", 0, 30, "completed", 23, "case", "the front door team"),
    ("stocktake", 5, "front door", 4, 177, "open", None, "service_development_plan",
     "the management team; partner agencies"),
    ("stability", 5, "placement stability", 5, 210, "in_progress", None, "service_development_plan",
     "the Corporate Parenting Board; commissioned services"),
    ("stability", 5, "placement stability", 1, 86, "completed", 79, "learning_and_development",
     "foster carers; the children in care team"),
    ("stability", 5, "voice of the child", 1, 44, "completed", 42, "case", "the children in care team"),
)
AUDITS_FILE = "audits.csv"


def _read_back(out: Path, name: str, columns: list[str]):
    import pandas as pd  # the demo's own files, read back to choose the programme's cases

    return pd.read_csv(out / name, usecols=columns, dtype=str, keep_default_na=False)


def _child_numbers(ids) -> np.ndarray:
    return np.array([int(str(c)[1:]) - 1 for c in ids], dtype=np.int64)


def _between(dates, first: str, last: str, dayfirst: bool) -> np.ndarray:
    import pandas as pd

    parsed = pd.to_datetime(pd.Series(dates), format="%d/%m/%Y" if dayfirst else "%Y-%m-%d")
    return ((parsed >= first) & (parsed <= last)).to_numpy()


def _programme_cases(out: Path, rng, eps, family) -> dict[str, np.ndarray]:
    """The children each 2020-21 audit reviewed, chosen from the demo's own files."""
    cases = {}
    visits = _read_back(out, "visits.csv", ["child_id", "visit_date", "method"])
    pool = visits.loc[_between(visits["visit_date"], "2020-03-23", "2020-05-15", False)
                      & visits["method"].isin(["zoom", "whatsapp"]).to_numpy(), "child_id"]
    pool = np.unique(_child_numbers(pool))
    cases["visits"] = np.sort(rng.choice(pool, size=min(24, len(pool)), replace=False))

    # Full case file audits: open cases (a visit in the months before), 12 children of 9
    # families: three pairs of siblings and six children on their own.
    open_cases = visits.loc[_between(visits["visit_date"], "2020-04-01", "2020-07-15", False), "child_id"]
    pool = np.unique(_child_numbers(open_cases))
    fam = family[pool]
    fams, counts = np.unique(fam, return_counts=True)
    pairs = rng.choice(fams[counts >= 2], size=min(3, int((counts >= 2).sum())), replace=False)
    chosen = [pool[fam == f][:2] for f in pairs]
    singles = rng.choice(np.setdiff1d(fams, pairs), size=12 - 2 * len(pairs), replace=False)
    chosen += [pool[fam == f][:1] for f in singles]
    cases["full"] = np.sort(np.concatenate(chosen))

    # Stocktake: 25 children contacted or referred from 1 July to 5 August 2020, whole
    # families first (contacts about several children of one family), and 5 assessments.
    contacts = _read_back(out, "annex_a_list_1.csv", ["Child Unique ID", "Date of Contact"])
    referrals = _read_back(out, "annex_a_list_3.csv", ["Child Unique ID", "Date of referral"])
    front = np.unique(np.r_[
        _child_numbers(contacts.loc[_between(contacts["Date of Contact"], "2020-07-01", "2020-08-05", True),
                                    "Child Unique ID"]),
        _child_numbers(referrals.loc[_between(referrals["Date of referral"], "2020-07-01", "2020-08-05", True),
                                     "Child Unique ID"]),
    ])
    fam = family[front]
    fams, counts = np.unique(fam, return_counts=True)
    by_size = fams[np.lexsort((rng.random(len(fams)), -counts))]
    taken = np.concatenate([front[fam == f] for f in by_size])[:25]
    assessments = _read_back(out, "annex_a_list_4.csv",
                             ["Child Unique ID", "Continuous Assessment Date of Authorisation"])
    assessed = np.setdiff1d(_child_numbers(assessments.loc[_between(
        assessments["Continuous Assessment Date of Authorisation"].replace("", "01/01/1900"),
        "2020-07-01", "2020-08-05", True), "Child Unique ID"]), taken)
    cases["stocktake"] = np.sort(np.r_[taken, rng.choice(assessed, size=min(5, len(assessed)), replace=False)])

    # Placement stability: children who moved from foster care to semi-independent
    # accommodation in the year to October 2020 first, then other children who moved.
    child, decom, place = eps["child"], eps["decom"], eps["place"]
    same = np.r_[False, child[1:] == child[:-1]]
    in_window = (decom >= _day("2019-11-01")) & (decom <= _day("2020-10-31")) & same
    step_down = in_window & np.r_[False, np.isin(place[:-1], FOSTER)] & np.isin(place, SEMI)
    movers = np.unique(child[step_down])
    others = np.setdiff1d(np.unique(child[in_window & (eps["rne"] != R_["S"])]), movers)
    extra = rng.choice(others, size=max(0, min(10 - len(movers), len(others))), replace=False)
    cases["stability"] = np.sort(np.r_[movers[:10], extra])
    return cases


def _programme(out: Path, rng, eps, family):
    """The 2020-21 audits as _audits gives them, with their days and audits.csv rows."""
    cases = _programme_cases(out, rng, eps, family)
    audits, days, details = [], [], []
    for spec in _PROGRAMME:
        audits.append((None, spec["type"], spec["theme"] or "children's cases", cases[spec["key"]],
                       spec["domains"]))
        days.append(_day(spec["completed"]))
        details.append(spec)
    return audits, np.array(days, dtype=np.int64), details


def _write_programme(out: Path, details, ids: dict[str, bytes]) -> int:
    import csv

    columns = ["audit_id", "audit_type", "theme", "started", "completed", "auditor", "method",
               "selection", "practice_from", "practice_to", "prompted_by", "findings",
               "areas_for_development"]
    rows = sorted(
        [[ids[d["key"]].decode(), AUDIT_TYPES[d["type"]], d["theme"], d["started"], d["completed"],
          d["auditor"], d["method"], d["selection"], d["practice"][0], d["practice"][1],
          d["prompted_by"], d["findings"], d["areas"]] for d in details]
    )
    with open(out / AUDITS_FILE, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    return len(rows)


# ------------------------------------------------------------------ entry point


def write_demo_data(out_dir, seed: int = 2020, children: int | None = None,
                    layout: str = "standard") -> dict[str, int]:
    """Write the synthetic data folder; return the rows written per CSV file.

    ``layout="ssd"`` writes the same data with contacts, referrals, assessments, visits and
    families as the Standard Safeguarding Dataset's tables (``io.ssd.write_ssd_layout``:
    visits without modality or method); the SSDA903 and audit files stay as they are.
    ``layout="stacked"`` writes the 903 as the regional pipelines do (:func:`stack_returns`):
    one header and one episodes file with ``LA`` and ``YEAR`` columns, holding the demo's
    returns as authority ``Demoshire`` and two neighbours' (``Otherton``, ``Westbury``); read
    it with ``--la Demoshire``. The other files stay as they are.

    ``children`` (default 100) is the number of children in the SSDA903 files; every other
    volume scales with it (see the module docstring; 300,000 is national scale). The same
    seed and ``children`` give byte-identical files.
    """
    n = DEFAULT_CHILDREN if children is None else int(children)
    if n < MIN_CHILDREN:
        raise ValueError(f"children must be at least {MIN_CHILDREN} to hold every planted pattern")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6)]

    eps, header, kind = _episodes(streams[0], n)
    rows, _ = _write_903(out, streams[1], n, eps, header)
    # Child numbers: 903 children 0..n-1, then the Annex A universe, then plan-only children.
    annex_rows, universe, supported, rereferred = _annex_a(out, streams[2], n, n)
    rows.update(annex_rows)
    next_id = int(universe["ids"].max()) + 1
    v_rows, visits = _visits(out, streams[3], n, eps, supported, next_id)
    rows["visits.csv"] = v_rows
    audits, q_start, q_end = _audits(streams[4], n, visits, eps, kind, rereferred)

    # Families: Annex A families as drawn; looked-after and plan-only children mostly on
    # their own, with sibling pairs (three pairs among the placement stability audit's 12).
    fam_rng = streams[5]
    total = next_id + len(visits["pre_children"])
    family = np.full(total, -1)
    family[universe["ids"]] = universe["fam"]
    base = int(universe["fam"].max()) + 1
    others = np.r_[np.arange(n), visits["pre_children"]]
    pair = fam_rng.random(len(others)) < 0.15
    key = np.where(pair & np.r_[False, pair[:-1]], np.arange(len(others)) - 1, np.arange(len(others)))
    family[others] = base + key
    stability = next(a[3] for a in audits if a[2] == "placement stability")
    if len(stability) >= 6:
        family[stability] = base + len(others) + np.arange(len(stability))
        family[stability[1:6:2]] = family[stability[0:6:2]]  # 12 cases in 9 families
    _, first_seen, dense = np.unique(family, return_index=True, return_inverse=True)
    renumber = np.argsort(np.argsort(first_seen))  # family numbers follow child order
    family = renumber[dense] + 1
    fam_ids = _ids("F", family, 5)
    p_rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(6,)))
    p_audits, p_day, details = _programme(out, p_rng, eps, family)
    rows.update(_write_audits(out, streams[4], n, audits, q_start, q_end, lambda c: fam_ids[c],
                              programme=(p_audits, p_day, details, p_rng)))
    listed = np.unique(np.r_[universe["ids"], others])
    rows["families.csv"] = _write_csv(out / "families.csv", {
        "child_id": _ids("C", listed + 1, 6), "family_id": fam_ids[listed],
    })
    rows = {name: rows[name] for name in FILES}
    if layout == "ssd":
        from .io.ssd import REPLACED, write_ssd_layout

        ssd_rows = write_ssd_layout(out)
        rows = {**{k: v for k, v in rows.items() if k not in REPLACED}, **ssd_rows}
    elif layout == "stacked":
        stack_rows = _write_stacked_layout(out, seed, n)
        rows = {**stack_rows, **{k: v for k, v in rows.items() if k not in SSDA903_FILES}}
    elif layout != "standard":
        raise ValueError(f"layout is standard, ssd or stacked, not {layout!r}")
    _write_readme(out, rows, seed, n)
    return rows


def _write_readme(out: Path, rows: dict[str, int], seed: int, n: int) -> None:
    table = "\n".join(f"| `{name}` | {count:,} |" for name, count in rows.items())
    call = "write_demo_data('data/demo')" if (seed, n) == (2020, DEFAULT_CHILDREN) else (
        f"write_demo_data('data/demo', seed={seed}, children={n})")
    text = f"""# Demo data (synthetic, no real child)

Every value here is made up by `qa_analysis.demo.write_demo_data` from a fixed random seed
({seed}); no real child, family, worker or address is in it. It is a small authority's data
folder in exactly the input formats of DESIGN.md section 2, so every topic report runs on it.

| file | rows |
|---|---|
{table}

Years covered:
- SSDA903 (`ssda903_<year>_header.csv` and `ssda903_<year>_episodes.csv`, dates dd/mm/YYYY):
  one return per collection year, 2012-13 to 2021-22, as the DfE collection holds them: each
  return has every episode open at any time in its year (an episode still open on its
  31 March has a blank DEC there and is in the next return too) and a header row for each
  of those children; now and then a later return corrects an earlier one. The loader
  consolidates them (`qa-analysis validate` lists each change by rule) into periods of care
  starting from April 2012 to March 2022 for {n} children; episodes still open on
  31/03/2022 have a blank DEC.
- Annex A Lists 1, 3, 4 (contacts, referrals, assessments; Annex A headers and lettered
  values such as `a) Male`, `q) 6: Police`, `a) Yes`), visits, case audits and
  recommendations: financial years 2019-20 to 2021-22 (1 April 2019 to 31 March 2022).

Patterns to look for: visits turning virtual from late March 2020 (Zoom, WhatsApp, Teams,
phone) and drifting back to face-to-face through 2021; a family of 14 children contacted
together on 16/07/2020 by their school (no referral; inside the August stocktake's window)
and again on 12/11/2020 by the police, and sibling groups of 2 to 6 contacted together; a
cluster of moves from foster care (U1-U6) to semi-independent accommodation (H5/P2) in 2020-21 for 16-17 year
olds; short breaks (V3/V4); temporary T1-T3 episodes with a return to the same placement;
adoption placements (A5/A6); long stays (children in care 2.5 years or more, most settled
with a long-term foster carer, some moved in the last 2 years, one placed for adoption in
2020-21 after years with a foster carer); re-entries into care; re-referrals within 12 months;
assessments over 45 working days; a thematic audit of placement stability (12 cases, 9
families) and recommendations completed late, overdue or routed to the Service Development Plan.

The 2020-21 audit programme (`audits.csv`, one row per audit, the year of the committee paper)
holds four audits modelled on a real annual report: a thematic audit of face-to-face and
virtual visits (May 2020, 24 cases visited by Zoom or WhatsApp), full case file audits by
independent auditors (July 2020, 12 cases in nine families, a cross-section of open cases
plus cases named by managers, practice from January to July 2020), an independent stocktake
of contacts, referrals and assessments (August 2020, 30 cases from 1 July to 5 August: 25
contacts and referrals, 5 assessments, many about several children of one family, one
about the family of 14) and a thematic audit of placement stability (November
2020, prompted by performance data and the IRO's annual report). Their recommendations say
who they were shared with (`shared_with`) and whether they were resolved case by case,
routed to the Service Development Plan or to learning and development. The other years'
audits have no `audits.csv` row: their grades alone describe them.

Identifiers: children `C000123`, families `F00012`, visits `V0000001`, audits `A0001`,
recommendations `R0001`, workers `W001`, auditors `AUD01`; UPNs use the fictional LA number
999 and postcodes the non-existent `ZZ`/`ZY` areas.

Regenerate (byte-identical):

```
.venv/bin/python -c "from qa_analysis.demo import {call.split('(')[0]}; {call}"
```

or `qa-analysis demo-data`.
"""
    (out / "README.md").write_bytes(text.encode())

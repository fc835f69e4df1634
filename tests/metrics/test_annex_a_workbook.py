"""Quarter counts from an Annex A workbook laid out like the public peer samples.

Sheets named ``List_1``/``List_3``/``List_4``, dates as Excel serial numbers, lettered
values and a header with a trailing space; expected figures worked out by hand below.
"""

from datetime import date

import pytest
from openpyxl import Workbook

from qa_analysis import load_data, quarter_metrics

COMMON = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)"]


def serial(text: str) -> int:
    """Excel's day number (days since 30/12/1899), as a workbook stores an unformatted date."""
    return (date.fromisoformat(text) - date(1899, 12, 30)).days


@pytest.fixture(scope="module")
def workbook_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("annex_a")
    book = Workbook()
    contacts = book.active
    contacts.title = "List_1"
    contacts.append(COMMON + ["Date of Contact ", "Contact Source"])  # trailing space, as in real files
    for child, day, source in [
        ("C1", "2020-03-31", "a) 1A: Individual"),  # the day before Q1: not in the quarter
        ("C1", "2020-04-01", "q) 6: Police"),  # Q1's first day
        ("C2", "2020-06-30", "6: Police"),  # Q1's last day
        ("C3", "2020-07-01", "e) 2A: Schools"),  # Q2
    ]:
        contacts.append([child, "a) Male", "a) WBRI", serial("2010-01-01"), 10, serial(day), source])
    referrals = book.create_sheet("List_3")
    referrals.append(COMMON + ["Date of referral", "Referral Source", "Referral NFA?",
                               "Number of Referrals in Last 12 Months", "Allocated Team", "Allocated Worker"])
    for child, day, nfa in [
        ("C1", "2020-04-10", "b) No"),  # 9 days after C1's contact of 1 April
        ("C2", "2019-06-30", "a) Yes"),  # exactly 12 months before C2's next referral
        ("C2", "2020-06-30", "b) No"),  # same day as C2's contact
    ]:
        referrals.append([child, "b) Female", "a) WBRI", serial("2010-01-01"), 10, serial(day),
                          "q) 6: Police", nfa, 0, "Team A", "Worker A"])
    assessments = book.create_sheet("List_4")
    assessments.append(COMMON + [
        "Does the Child have a Disability", "Continuous Assessment Start Date",
        "Child Seen During Continuous Assessment", "Continuous Assessment Date of Authorisation",
        "Was the child assessed as requiring LA children's social care support?",
        "Allocated Team", "Allocated Worker",
    ])
    for child, start, end in [
        ("C1", "2020-04-14", "2020-06-16"),  # authorised in Q1
        ("C2", "2020-05-01", "2020-07-02"),  # authorised in Q2
    ]:
        assessments.append([child, "a) Male", "a) WBRI", serial("2010-01-01"), 10, "b) No",
                            serial(start), "a) Yes", serial(end), "a) Yes", "Team A", "Worker A"])
    book.save(folder / "annex_a.xlsx")
    return folder


def test_every_row_of_the_workbook_is_accepted(workbook_folder):
    data = load_data(workbook_folder)
    assert data.summary.set_index("table").loc[["contacts", "referrals", "assessments"], "rows_accepted"].tolist() == [4, 3, 2]


def test_quarter_counts_match_the_hand_worked_figures(workbook_folder):
    data = load_data(workbook_folder)

    figures = quarter_metrics(data, "2020-21 Q1", topics=["referrals"]).metrics

    # Contacts in Q1 (1 Apr to 30 Jun 2020): C1 on 1 Apr and C2 on 30 Jun -> 2 contacts, 2
    # children, no families file so each child is its own family; both from source 6.
    # Referrals in Q1: C1 on 10 Apr and C2 on 30 Jun -> 2. C2's earlier referral on 30 Jun 2019
    # is exactly 12 months before, so 1 of 2 is a re-referral (50.0%); neither is NFA (0.0%).
    # Both Q1 contacts are followed by a referral within 30 days (9 days; same day) -> 100.0%.
    # Assessments authorised in Q1: C1's only. Working days after Tue 14 Apr up to Tue 16 Jun
    # 2020: 3 + 5 + 5 + 4 (Fri 8 May, VE day) + 5 + 5 + 4 (Mon 25 May) + 5 + 5 + 2 = 43 <= 45.
    assert figures == {
        "contacts.total": 2,
        "contacts.children": 2,
        "contacts.families": 2,
        "contacts.max_children_per_family": 1,
        "contacts.families_multi_child": 0,
        "contacts.source.6": 2,
        "referrals.total": 2,
        "referrals.pct_from_contact": 100.0,
        "referrals.pct_re_referral_12m": 50.0,
        "referrals.pct_nfa": 0.0,
        "assessments.completed": 1,
        "assessments.pct_within_45wd": 100.0,
        "assessments.median_working_days": 43.0,
    }

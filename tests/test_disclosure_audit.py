"""Audited suppression (issue 13): hand-worked patterns, each checked by the LP audit."""

from __future__ import annotations

from qa_analysis.disclosure_audit import (
    SUPPRESSED,
    at_most,
    audit,
    pct_of,
    primary,
    sum_of,
    suppress,
)

C = SUPPRESSED


def _nested_visits():
    # total 40 = face to face 20 + virtual 20; face to face = home 12 + office 8;
    # virtual = teams 9 + zoom 7 + phone 4.
    values = {"total": 40, "f2f": 20, "virtual": 20, "home": 12, "office": 8, "teams": 9, "zoom": 7, "phone": 4}
    relations = [
        sum_of("total", ["f2f", "virtual"]),
        sum_of("f2f", ["home", "office"]),
        sum_of("virtual", ["teams", "zoom", "phone"]),
    ]
    return values, relations


def test_nested_totals_with_one_method_of_four_hide_it_and_the_next_smallest_method():
    # Primary: phone (4). Shown alone, virtual 20 - teams 9 - zoom 7 gives it back, so the
    # cheapest other cell of that line goes too: zoom (7, a detail cell, smaller than teams 9).
    # Then phone + zoom = 11: phone could be 1 to 10, zoom 1 to 10. Nothing else is needed.
    values, relations = _nested_visits()

    shown, reasons = suppress(values, relations)

    assert {k for k, v in shown.items() if v == C} == {"phone", "zoom"}
    assert audit(shown, relations) == []


def test_the_audit_recovers_a_method_hidden_alone_and_names_the_relation():
    # virtual 20 = teams 9 + zoom 7 + phone: phone = 4.
    values, relations = _nested_visits()
    shown = {**values, "phone": C}

    findings = audit(shown, relations)

    assert [(f.cell, f.low, f.high) for f in findings] == [("phone", 4, 4)]
    assert findings[0].relations[0].describe() == "virtual = teams + zoom + phone"


def test_a_percentage_whose_complement_is_one_is_hidden():
    # 9 completed, 8 on time: 88.9% on time, so 1 late (the complement) -> the % is c.
    values = {"completed": 9, "on_time": 8, "late": 1, "pct_on_time": 88.9}
    relations = [pct_of("pct_on_time", "on_time", "completed"), sum_of("completed", ["on_time", "late"])]

    reasons = primary(values, relations, published=["completed", "pct_on_time"])

    assert list(reasons) == ["pct_on_time"]
    assert "complement" in reasons["pct_on_time"]


def test_a_percentage_whose_complement_is_one_is_recovered_if_shown():
    # 88.9% of 9: 100 x on_time / 9 lies in [88.85, 88.95], so on_time = 8 (8.0 to 8.005)
    # and late = 9 - 8 = 1: an unseen count pinned within 1 to 5.
    shown = {"completed": 9, "pct_on_time": 88.9}
    relations = [pct_of("pct_on_time", "on_time", "completed"), sum_of("completed", ["on_time", "late"])]

    findings = audit(shown, relations)

    assert {(f.cell, f.low, f.high, f.hidden) for f in findings} == {("late", 1, 1, False)}


def test_a_percentage_whose_complement_is_one_passes_the_audit_once_hidden():
    # with the % hidden, on_time and late could be anything from 0 to 9.
    values = {"completed": 9, "on_time": 8, "late": 1, "pct_on_time": 88.9}
    relations = [pct_of("pct_on_time", "on_time", "completed"), sum_of("completed", ["on_time", "late"])]

    shown, _ = suppress(values, relations, published=["completed", "pct_on_time"])

    assert shown == {"completed": 9, "pct_on_time": C}
    assert audit(shown, relations) == []


def test_a_year_total_with_one_small_quarter_hides_the_next_smallest_quarter():
    # year 30 = Q1 8 + Q2 3 + Q3 10 + Q4 9. Primary: Q2 (3). The year minus Q1, Q3 and Q4
    # gives it back, so the smallest other quarter goes too: Q1 (8). Q1 + Q2 = 11.
    values = {"year": 30, "q1": 8, "q2": 3, "q3": 10, "q4": 9}
    relations = [sum_of("year", ["q1", "q2", "q3", "q4"])]

    shown, _ = suppress(values, relations)

    assert {k for k, v in shown.items() if v == C} == {"q1", "q2"}
    assert audit(shown, relations) == []


def test_a_per_audit_table_whose_total_pins_every_cell_hides_the_total():
    # Six audits of one case each, 6 cases in all. Each 1 is c, but six hidden cells of at
    # least 1 each adding up to 6 must all be 1: the total has to go as well. The 6 children
    # audited stay: children <= cases only says the cases are at least 6.
    audits = [f"audit{i}" for i in range(1, 7)]
    values = {**{a: 1 for a in audits}, "cases": 6, "children": 6}
    relations = [sum_of("cases", audits), at_most("children", "cases")]

    shown, _ = suppress(values, relations)

    assert shown == {**{a: C for a in audits}, "cases": C, "children": 6}
    assert audit(shown, relations) == []


def test_the_audit_pins_every_cell_of_a_per_audit_table_when_its_total_is_shown():
    audits = [f"audit{i}" for i in range(1, 7)]
    shown = {**{a: C for a in audits}, "cases": 6}

    findings = audit(shown, [sum_of("cases", audits)])

    assert sorted((f.cell, f.low, f.high) for f in findings) == [(a, 1, 1) for a in audits]


def test_a_figure_about_one_family_is_hidden():
    # The largest family contacted had 14 children: a figure about one family.
    values = {"children": 107, "max_per_family": 14}
    relations = [at_most("max_per_family", "children")]

    shown, reasons = suppress(values, relations, about_one=["max_per_family"])

    assert shown == {"children": 107, "max_per_family": C}
    assert reasons["max_per_family"] == "it describes one family or one child"


def test_two_small_cells_adding_to_under_six_are_pinned_within_one_to_five():
    # total 20 = a 3 + b 2 + c 15, a and b hidden: a + b = 5, each 1 to 4: pinned small.
    shown = {"total": 20, "a": C, "b": C, "c": 15}

    findings = audit(shown, [sum_of("total", ["a", "b", "c"])])

    assert sorted((f.cell, f.low, f.high) for f in findings) == [("a", 1, 4), ("b", 1, 4)]

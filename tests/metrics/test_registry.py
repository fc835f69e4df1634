"""The metric registry: one declaration per DESIGN key, looked up by key, pattern, topic or prefix."""

import pytest
from design_keys import CODE_KEYS, FIXED_KEYS

from qa_analysis.metrics import registry
from qa_analysis.metrics.registry import UnknownMetricError


def test_the_registry_lists_every_design_key_and_nothing_else():
    assert sorted(registry.REGISTRY) == sorted(FIXED_KEYS + CODE_KEYS)


def test_keys_come_in_design_order_within_a_topic():
    # DESIGN section 4 lists visits.total, face_to_face, virtual, pct_face_to_face, method first.
    assert registry.keys("visits")[:5] == [
        "visits.total", "visits.face_to_face", "visits.virtual", "visits.pct_face_to_face",
        "visits.method.<method>",
    ]


def test_a_code_key_gives_its_pattern():
    assert registry.get("visits.method.zoom") is registry.get("visits.method.<method>")


def test_a_code_key_needs_a_code():
    with pytest.raises(UnknownMetricError):
        registry.get("visits.method.")


def test_an_unknown_key_is_refused_with_the_valid_keys_listed():
    with pytest.raises(UnknownMetricError) as caught:
        registry.get("visits.colour")
    assert "visits.colour" in str(caught.value)
    assert "visits.pct_timely" in str(caught.value)


def test_an_unknown_key_is_also_a_key_error():
    with pytest.raises(KeyError):
        registry.get("visits.colour")


def test_a_topic_name_gives_all_its_prefixes():
    assert {k.split(".")[0] for k in registry.keys("audits")} == {"audits", "recommendations"}


def test_a_key_prefix_gives_only_its_keys():
    assert registry.keys("recommendations") == [
        "recommendations.raised", "recommendations.completed", "recommendations.pct_completed_on_time",
        "recommendations.open_at_quarter_end", "recommendations.overdue_at_quarter_end",
        "recommendations.service_development_plan",
    ]


def test_an_unknown_topic_is_refused():
    with pytest.raises(UnknownMetricError):
        registry.keys("weather")


def test_the_topics_are_the_four_of_design():
    assert registry.topics() == ("visits", "referrals", "placement_stability", "audits")


@pytest.mark.parametrize(("key", "topic"), [("contacts.total", "referrals"), ("cla.at_quarter_end", "placement_stability"),
                                            ("recommendations.raised", "audits"), ("audits.grade.good", "audits")])
def test_topic_of_a_key(key, topic):
    assert registry.topic_of(key) == topic


def test_every_rate_names_its_denominator_among_registered_counts():
    rates = [m for m in registry.metrics() if m.kind != "count"]
    unknown = [m.key for m in rates if m.denominator not in registry.REGISTRY and m.denominator not in registry.BASE_COUNTS]
    assert unknown == []


@pytest.mark.parametrize(("key", "total"), [("visits.method.zoom", "visits.virtual"),
                                            ("visits.method.home", "visits.face_to_face"),
                                            ("visits.method.carrier_pigeon", "visits.total"),
                                            ("visits.virtual", "visits.total")])
def test_a_count_knows_the_total_it_is_part_of(key, total):
    assert registry.get(key).total_of(key) == total


def test_the_parts_of_a_total_are_listed():
    assert registry.parts_of("visits.total") == [
        "visits.face_to_face", "visits.virtual", "visits.method.<method>", "visits.seen", "visits.with_previous",
    ]


def test_a_code_key_label_names_its_code():
    assert registry.get("visits.method.other_video").label_for("visits.method.other_video") == (
        "Visits by method: other video"
    )


@pytest.mark.parametrize("key", FIXED_KEYS + CODE_KEYS)
def test_every_metric_has_a_year_rule_and_a_kind(key):
    metric = registry.get(key)
    assert (metric.year_rule in registry.YEAR_RULES, metric.kind in registry.KINDS) == (True, True)


@pytest.mark.parametrize("key", [k for k in FIXED_KEYS if ".pct_" in k])
def test_every_percentage_key_is_a_pct(key):
    assert registry.get(key).kind == "pct"


@pytest.mark.parametrize("key", [m.key for m in registry.metrics()])
def test_the_annual_year_rules_agree_with_the_registry(key):
    # annual.py reads the registry (issue 12): the same rule under its annual name
    from qa_analysis import annual

    names = {"sum": annual.SUM, "distinct": annual.DISTINCT, "recompute": annual.POOLED, "q4": annual.YEAR_END}
    metric = registry.get(key)
    concrete = metric.prefix + "code" if metric.is_pattern else key
    assert annual.year_rule(concrete) == names[metric.year_rule]


@pytest.mark.parametrize(("key", "label"), [("contacts.source.1A", "Contacts from source 1A"),
                                            ("placements.reason.CARPL", "Moves for reason CARPL"),
                                            ("audits.grade.requires_improvement", "Overall grade: requires improvement")])
def test_a_code_key_label_follows_its_pattern(key, label):
    assert registry.get(key).label_for(key) == label


@pytest.mark.parametrize("key", [m.key for m in registry.metrics()])
def test_the_annual_labels_are_the_registry_labels(key):
    from qa_analysis import annual

    metric = registry.get(key)
    concrete = metric.prefix + "code" if metric.is_pattern else key
    assert annual._label(concrete) == metric.label_for(concrete)


def test_a_key_outside_the_registry_has_no_year_rule_and_keeps_its_key_as_label():
    from qa_analysis import annual

    assert (annual.year_rule("visits.seen"), annual._label("visits.seen")) == (None, "visits.seen")


def test_the_annual_module_keeps_no_rule_or_label_list_of_its_own():
    from qa_analysis import annual

    assert not any(hasattr(annual, name) for name in ("_RULES", "LABELS", "_CODE_LABELS"))


def test_the_summary_keys_are_catalogue_keys_of_their_own_topic():
    from qa_analysis.metrics import registry

    wrong = [(topic, key) for topic in registry.TOPICS for key in registry.summary_keys(topic)
             if not registry.is_known(key) or registry.topic_of(key) != topic]

    assert wrong == []

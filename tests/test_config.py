"""Settings checked like data (issue 14 item 4): every setting typed and range-checked."""

import pytest

from qa_analysis.config import DEFAULT_SETTINGS, Settings, SettingsError, load_settings


def _file(tmp_path, text):
    path = tmp_path / "settings.yml"
    path.write_text(text)
    return path


def test_a_negative_interval_is_refused_with_name_value_range_and_line(tmp_path):
    path = _file(tmp_path, "# our policy\nvisit_interval_cla_calendar_days: -5\n")
    with pytest.raises(SettingsError) as refused:
        load_settings(path)
    assert str(refused.value) == (
        "Setting visit_interval_cla_calendar_days (settings.yml line 2) must be a whole number of "
        "calendar days from 1 to 366, not -5 (out of range)."
    )


def test_a_fraction_where_a_whole_number_is_meant_is_refused(tmp_path):
    path = _file(tmp_path, "visit_interval_cla_calendar_days: 42.9\n")
    with pytest.raises(SettingsError, match=r"line 1\) must be a whole number .* not 42\.9 \(a fraction\)"):
        load_settings(path)


@pytest.mark.parametrize("written", ["yes", "no", "true", "on"])
def test_a_yaml_boolean_is_refused_as_written(tmp_path, written):
    path = _file(tmp_path, f"re_referral_months: {written}\n")
    with pytest.raises(SettingsError, match=rf"re_referral_months .*from 1 to 60, not {written} \(a yes/no value\)"):
        load_settings(path)


def test_a_negative_look_back_is_refused(tmp_path):
    path = _file(tmp_path, "re_referral_months: -12\n")
    with pytest.raises(SettingsError, match=r"re_referral_months .* not -12 \(out of range\)"):
        load_settings(path)


def test_a_number_in_quotes_is_refused_as_text(tmp_path):
    path = _file(tmp_path, 'placements_threshold: "3"\n')
    with pytest.raises(SettingsError, match=r'placements_threshold .* not "3" \(text, not a number\)'):
        load_settings(path)


def test_a_list_where_a_number_is_meant_is_refused_not_a_type_error(tmp_path):
    path = _file(tmp_path, "placements_threshold: [3, 4]\n")
    with pytest.raises(SettingsError, match=r"placements_threshold .* must be a whole number of placements from 2 to 50"):
        load_settings(path)


def test_a_code_outside_its_list_is_refused_naming_it(tmp_path):
    path = _file(tmp_path, "placement_start_rne: [S, X]\n")
    with pytest.raises(SettingsError, match=r"placement_start_rne .* codes from S, L, P, T, B, U .*X is not in the list"):
        load_settings(path)


def test_codes_are_read_in_capitals_and_a_single_code_as_a_list(tmp_path):
    path = _file(tmp_path, "placement_start_rne: s\nfoster_places: [u1, U2]\n")
    settings = load_settings(path)
    assert (settings.placement_start_rne, settings.foster_places) == (("S",), ("U1", "U2"))


def test_an_empty_code_list_is_refused_where_one_code_is_needed(tmp_path):
    path = _file(tmp_path, "foster_places: []\n")
    with pytest.raises(SettingsError, match=r"foster_places .* \(the list is empty\)"):
        load_settings(path)


def test_an_unknown_setting_is_refused_with_its_line(tmp_path):
    path = _file(tmp_path, "visit_interval_cla_calendar_days: 42\ncolour: blue\n")
    with pytest.raises(SettingsError, match=r"^Unknown setting colour \(settings.yml line 2\)\. Known settings: "):
        load_settings(path)


def test_a_setting_given_twice_is_refused_with_both_lines(tmp_path):
    path = _file(tmp_path, "re_referral_months: 12\nre_referral_months: 6\n")
    with pytest.raises(SettingsError, match=r"re_referral_months is given twice \(lines 1 and 2\)"):
        load_settings(path)


def test_a_valid_file_sets_exactly_what_it_names(tmp_path):
    path = _file(tmp_path, "contact_referral_window_days: 14\nnotebook_timeout_seconds: 600\n")
    assert load_settings(path) == DEFAULT_SETTINGS.replace(contact_referral_window_days=14, notebook_timeout_seconds=600)


def test_settings_made_in_python_are_checked_too():
    with pytest.raises(SettingsError, match=r"long_term_carer_years must be .* from 1 to 18, not 0"):
        Settings(long_term_carer_years=0)


def test_a_whole_float_is_taken_as_the_whole_number():
    assert Settings(placements_threshold=4.0).placements_threshold == 4


def test_the_settings_in_force_are_listed_in_declaration_order():
    lines = Settings(placement_start_rne=("S", "P")).describe()
    assert lines[0] == "visit_interval_cla_calendar_days: 42"
    assert "placement_start_rne: S, P" in lines
    assert len(lines) == len(Settings().as_dict())

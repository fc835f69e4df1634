"""The ``qa-analysis`` command line (DESIGN section 6; issues 2, 3 and 4).

Commands run in-process through ``cli.main``; one test runs the installed console script
to prove a user never sees a traceback.
"""

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from design_keys import CODE_PREFIXES
from design_keys import FIXED_KEYS as DESIGN_FIXED_KEYS

from qa_analysis.cli import main
from qa_analysis.config import DEMO_DATA_DIR
from qa_analysis.demo import FILES
from qa_analysis.io import load_data

DEMO = str(DEMO_DATA_DIR)
Q1 = "2020-21 Q1"
TABLES = (
    "header", "episodes", "contacts", "referrals", "assessments", "families", "visits",
    "case_audits", "recommendations",
)
DATA_FILES = FILES  # the 903 as yearly returns (issue 10), then the seven other files
FIXED_KEYS = set(DESIGN_FIXED_KEYS)
ACCEPTED_FORMS = ("2020-21 Q1", "2020-21_Q1", "2020/21 Q1", "Q1 2020-21", "Q1 2020/21")


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def demo_q1_json():
    """``metrics --data data/demo --quarter "2020-21 Q1"`` once for the module."""
    out = io.StringIO()
    from contextlib import redirect_stdout

    with redirect_stdout(out):
        code = main(["metrics", "--data", DEMO, "--quarter", Q1])
    assert code == 0
    return json.loads(out.getvalue())


def _copy_demo(tmp_path, without=()):
    folder = tmp_path / "data"
    folder.mkdir()
    for name in DATA_FILES:
        if name not in without:
            shutil.copy(DEMO_DATA_DIR / name, folder / name)
    return folder


def _one_contact_then_referral(tmp_path):
    """One contact on 10/04/2020 and a referral of the same child on 30/04/2020 (20 days later)."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    (folder / "annex_a_list_1.csv").write_text(
        "Child Unique ID,Gender,Ethnicity,Date of Birth,Age of Child (Years),Date of Contact,Contact Source\n"
        "C900001,a) Male,a) WBRI,01/01/2010,10,10/04/2020,q) 6: Police\n"
    )
    (folder / "annex_a_list_3.csv").write_text(
        "Child Unique ID,Gender,Ethnicity,Date of Birth,Age of Child (Years),Date of referral,Referral Source,"
        "Referral NFA?,Number of Referrals in Last 12 Months,Allocated Team,Allocated Worker\n"
        "C900001,a) Male,a) WBRI,01/01/2010,10,30/04/2020,q) 6: Police,b) No,0,Team 1,W901\n"
    )
    (folder / "annex_a_list_4.csv").write_text(
        "Child Unique ID,Gender,Ethnicity,Date of Birth,Age of Child (Years),Does the Child have a Disability,"
        "Continuous Assessment Start Date,Child Seen During Continuous Assessment,"
        "Continuous Assessment Date of Authorisation,"
        "Was the child assessed as requiring LA children's social care support?,Allocated Team,Allocated Worker\n"
        "C900001,a) Male,a) WBRI,01/01/2010,10,b) No,01/05/2020,a) Yes,20/05/2020,b) No,Team 1,W901\n"
    )
    return folder


# --- validate ---------------------------------------------------------------------------


def test_validate_lists_every_demo_table_with_nothing_set_aside(capsys):
    code, out, _ = _run(capsys, "validate", "--data", DEMO)
    assert code == 0
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line.strip()}
    for table in TABLES:
        # table, file, read, accepted, set aside
        table_row = rows[table]
        assert table_row[2] == table_row[3] and table_row[4] == "0", table_row
    assert "No problems found" in out


def test_validate_on_a_broken_file_stops_with_one_line_naming_it(tmp_path, capsys):
    folder = _copy_demo(tmp_path)
    (folder / "visits.csv").write_text("visit_id,child_id\nV0000001,C000001\n")  # required columns gone
    code, out, err = _run(capsys, "validate", "--data", str(folder))
    assert code != 0
    assert len(err.strip().splitlines()) == 1 and "visits.csv" in err
    assert "Traceback" not in out + err


def test_the_console_script_reports_a_broken_file_without_a_traceback(tmp_path):
    folder = _copy_demo(tmp_path)
    (folder / "case_audits.csv").write_bytes(b"")  # an empty file
    script = Path(sys.executable).parent / "qa-analysis"
    done = subprocess.run(
        [str(script), "validate", "--data", str(folder)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stdout + done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "case_audits.csv" in done.stderr


# --- metrics ------------------------------------------------------------------------------


def test_metrics_prints_exactly_the_design_structure(demo_q1_json):
    assert set(demo_q1_json) == {"quarter", "start", "end", "metrics"}
    assert (demo_q1_json["quarter"], demo_q1_json["start"], demo_q1_json["end"]) == (
        "2020-21 Q1", "2020-04-01", "2020-06-30"
    )


def test_metrics_prints_every_fixed_key_of_the_catalogue(demo_q1_json):
    assert FIXED_KEYS - set(demo_q1_json["metrics"]) == set()


@pytest.mark.parametrize("prefix", CODE_PREFIXES)
def test_metrics_prints_a_key_per_code_present(demo_q1_json, prefix):
    assert any(key.startswith(prefix) for key in demo_q1_json["metrics"])


def test_metrics_prints_no_key_outside_the_catalogue(demo_q1_json):
    extra = [k for k in demo_q1_json["metrics"] if k not in FIXED_KEYS and not k.startswith(CODE_PREFIXES)]
    assert extra == []


def test_grade_keys_are_the_four_ofsted_grades(demo_q1_json):
    grades = {k.removeprefix("audits.grade.") for k in demo_q1_json["metrics"] if k.startswith("audits.grade.")}
    assert grades <= {"outstanding", "good", "requires_improvement", "inadequate"}


def test_percentages_have_at_most_one_decimal_place_and_counts_are_integers(demo_q1_json):
    for key, value in demo_q1_json["metrics"].items():
        last = key.rsplit(".", 1)[-1]
        if last.startswith(("pct_", "median_")):
            assert value is None or (isinstance(value, float) and round(value, 1) == value), (key, value)
        else:
            assert isinstance(value, int) and not isinstance(value, bool), (key, value)


def test_metrics_csv_prints_quarter_key_value_rows(capsys, demo_q1_json):
    code, out, _ = _run(capsys, "metrics", "--data", DEMO, "--quarter", Q1, "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["quarter", "key", "value"]
    assert {r[0] for r in rows[1:]} == {"2020-21 Q1"}
    assert [r[1] for r in rows[1:]] == list(demo_q1_json["metrics"])
    as_json = {k: "" if v is None else str(v) for k, v in demo_q1_json["metrics"].items()}
    assert {r[1]: r[2] for r in rows[1:]} == as_json


def test_metrics_for_a_year_prints_the_tidy_series_of_its_four_quarters(capsys):
    code, out, _ = _run(capsys, "metrics", "--data", DEMO, "--year", "2020-21")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["quarter", "key", "value"]
    quarters = list(dict.fromkeys(r["quarter"] for r in rows))
    assert quarters == ["2020-21 Q1", "2020-21 Q2", "2020-21 Q3", "2020-21 Q4"]
    for quarter in quarters:
        keys = {r["key"] for r in rows if r["quarter"] == quarter}
        assert FIXED_KEYS <= keys, quarter


def test_counts_in_the_series_are_whole_numbers(capsys):
    # A count is an integer in every output (DESIGN section 4), also for Excel and Power BI.
    _, out, _ = _run(capsys, "metrics", "--data", DEMO, "--year", "2020-21")
    counts = [
        r["value"] for r in csv.DictReader(io.StringIO(out))
        if not r["key"].rsplit(".", 1)[-1].startswith(("pct_", "median_"))
    ]
    assert counts and all(v.isdigit() for v in counts), counts[:3]


@pytest.mark.parametrize("label", ["2020 Q5", "2020-21 Q5", "Q1", "next quarter"])
def test_a_bad_quarter_is_refused_with_the_accepted_forms(capsys, label):
    code, out, err = _run(capsys, "metrics", "--data", DEMO, "--quarter", label)
    assert code != 0 and out == ""
    assert all(form in err for form in ACCEPTED_FORMS), err
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 2


def test_the_contact_referral_window_setting_changes_pct_from_contact(tmp_path, capsys):
    folder = _one_contact_then_referral(tmp_path)
    settings = tmp_path / "settings.yaml"
    settings.write_text("contact_referral_window_days: 10\n")
    # 1 contact; the referral 20 days later is inside 30 days (100.0) but outside 10 (0.0).
    _, default_out, _ = _run(capsys, "metrics", "--data", str(folder), "--quarter", Q1)
    code, narrow_out, _ = _run(capsys, "metrics", "--data", str(folder), "--quarter", Q1, "--settings", str(settings))
    assert code == 0
    assert json.loads(default_out)["metrics"]["referrals.pct_from_contact"] == 100.0
    assert json.loads(narrow_out)["metrics"]["referrals.pct_from_contact"] == 0.0


def test_an_unknown_setting_is_refused_with_a_plain_message(tmp_path, capsys):
    settings = tmp_path / "settings.yaml"
    settings.write_text("colour: blue\n")
    code, out, err = _run(capsys, "metrics", "--data", DEMO, "--quarter", Q1, "--settings", str(settings))
    assert code != 0 and out == ""
    assert "colour" in err and "Traceback" not in err


def test_a_topic_whose_file_is_absent_is_left_out_with_a_note(tmp_path, capsys):
    folder = _copy_demo(tmp_path, without=("visits.csv",))
    code, out, err = _run(capsys, "metrics", "--data", str(folder), "--quarter", Q1)
    assert code == 0
    metrics = json.loads(out)["metrics"]
    assert not [k for k in metrics if k.startswith("visits.")]
    assert "contacts.total" in metrics and "audits.audits" in metrics
    assert "visits" in err and "visits.csv" in err and "Traceback" not in err


# --- demo-data ------------------------------------------------------------------------------


def test_demo_data_writes_every_file(tmp_path, capsys):
    out_dir = tmp_path / "demo"
    code, _, _ = _run(capsys, "demo-data", "--out", str(out_dir), "--children", "40")
    assert code == 0
    # the 903 as yearly returns (issue 10), the other data files and audits.csv (issue 15)
    assert sorted(p.name for p in out_dir.iterdir() if p.suffix == ".csv") == sorted(DATA_FILES)
    # the yearly returns' headers consolidate to one row per child
    assert len(load_data(out_dir).header) == 40


# --- report audiences (issue 15: "public is the default audience for this paper") --------


@pytest.fixture
def report_calls(monkeypatch):
    """``generate_reports`` replaced by a recorder: (audience, quarters, annual years) per set."""
    import qa_analysis.reports as reports

    calls = []

    def record(**kwargs):
        calls.append((
            kwargs["audience"], [q.label for q in kwargs["quarters"]],
            [f"{y}-{(y + 1) % 100:02d}" for y in kwargs["annual_years"]],
        ))
        return 0

    monkeypatch.setattr(reports, "generate_reports", record)
    return calls


def test_report_annual_alone_writes_the_public_paper_by_default(report_calls, tmp_path):
    code = main(["report", "--annual", "2020-21", "--out", str(tmp_path), "--quiet"])
    assert code == 0
    assert report_calls == [("public", [], ["2020-21"])]


def test_report_quarters_alone_stay_internal_by_default(report_calls, tmp_path):
    code = main(["report", "--quarter", Q1, "--out", str(tmp_path), "--quiet"])
    assert code == 0
    assert report_calls == [("internal", [Q1], [])]


def test_make_report_writes_internal_quarters_and_the_public_paper(report_calls, tmp_path):
    # make report: qa-analysis report --year 2020-21 --annual 2020-21
    code = main(["report", "--year", "2020-21", "--annual", "2020-21", "--out", str(tmp_path), "--quiet"])
    assert code == 0
    quarters = ["2020-21 Q1", "2020-21 Q2", "2020-21 Q3", "2020-21 Q4"]
    assert report_calls == [("internal", quarters, []), ("public", [], ["2020-21"])]


def test_report_annual_with_audience_internal_writes_the_internal_paper(report_calls, tmp_path):
    code = main(["report", "--annual", "2020-21", "--audience", "internal", "--out", str(tmp_path), "--quiet"])
    assert code == 0
    assert report_calls == [("internal", [], ["2020-21"])]


def test_report_an_explicit_audience_puts_everything_in_one_set(report_calls, tmp_path):
    code = main(["report", "--quarter", Q1, "--annual", "2020-21", "--audience", "public", "--out", str(tmp_path),
                 "--quiet"])
    assert code == 0
    assert report_calls == [("public", [Q1], ["2020-21"])]


def test_report_refuses_an_unknown_audience(report_calls, capsys):
    code, _, err = _run(capsys, "report", "--annual", "2020-21", "--audience", "everyone", "--quiet")
    assert code == 2
    assert "--audience is internal or public" in err
    assert report_calls == []


# --- report refusals ------------------------------------------------------------------------


def test_report_refuses_an_unknown_parameter_before_any_notebook_runs(tmp_path, capsys):
    out_dir = tmp_path / "out"
    code, _, err = _run(
        capsys, "report", "--quarter", Q1, "--topics", "visits", "--param", "colour=blue",
        "--out", str(out_dir), "--quiet",
    )
    assert code != 0
    assert "colour" in err and "Traceback" not in err
    written = [p.name for p in out_dir.rglob("*") if p.suffix in (".ipynb", ".html")] if out_dir.exists() else []
    assert written == []


def test_report_refuses_an_unknown_topic(tmp_path, capsys):
    out_dir = tmp_path / "out"
    code, _, err = _run(capsys, "report", "--quarter", Q1, "--topics", "nope", "--out", str(out_dir), "--quiet")
    assert code != 0
    assert "nope" in err and "visits" in err and "Traceback" not in err
    assert not out_dir.exists() or not list(out_dir.rglob("*.html"))


@pytest.mark.parametrize("name", ["quarter", "audience", "data_dir", "settings_file"])
def test_report_refuses_a_param_that_would_override_a_checked_parameter(tmp_path, capsys, name):
    out_dir = tmp_path / "out"
    code, _, err = _run(
        capsys, "report", "--quarter", Q1, "--topics", "visits", "--param", f"{name}=x", "--out", str(out_dir),
        "--quiet",
    )
    assert code != 0
    assert f"--param {name}=... is refused" in err and "Traceback" not in err
    assert not out_dir.exists()


def test_report_refuses_a_negative_setting_before_any_notebook_runs(tmp_path, capsys):
    settings = tmp_path / "settings.yml"
    settings.write_text("visit_interval_cla_calendar_days: -5\n")
    out_dir = tmp_path / "out"
    code, _, err = _run(
        capsys, "report", "--quarter", Q1, "--settings", str(settings), "--out", str(out_dir), "--quiet"
    )
    assert code != 0 and "Traceback" not in err
    assert "visit_interval_cla_calendar_days (settings.yml line 1)" in err and "not -5" in err
    assert not out_dir.exists()


def test_report_names_an_unwritable_out_folder_in_one_line(capsys):
    code, _, err = _run(capsys, "report", "--quarter", Q1, "--topics", "visits", "--out", "/sys", "--quiet")
    assert code != 0
    assert err.strip() == "qa-analysis: --out /sys: cannot write reports there (no permission to write there)."

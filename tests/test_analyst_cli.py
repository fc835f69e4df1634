"""Command-line conventions (issue 17 item 5) and the definitions command (item 4)."""

import argparse
import subprocess
import sys

import pytest

from qa_analysis import cli
from qa_analysis.cli import build_parser, main


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "argv",
    [
        ["metrics", "--quartr", "2020-21 Q1"],           # unknown option
        ["cases", "--quarter", "2020-21 Q1"],            # a required option missing
        ["metrics", "--format", "xml", "--quarter", "2020-21 Q1"],  # a value not among the choices
        ["frobnicate"],                                  # unknown command
        ["metrics", "--quarter", "2020-21 Q5"],          # a malformed quarter
        ["definitions", "visits.totl"],                  # an unknown key
        [],                                              # no command at all
    ],
)
def test_a_usage_error_exits_2_without_a_traceback(capsys, argv):
    code, _, err = _run(capsys, *argv)
    assert code == 2 and "Traceback" not in err


@pytest.mark.parametrize("extra", [["--topics", "nope"], ["--param", "colour=blue"]])
def test_report_with_an_unknown_topic_or_parameter_exits_2(tmp_path, capsys, extra):
    code, _, err = _run(capsys, "report", "--quarter", "2020-21 Q1", "--out", str(tmp_path / "out"), "--quiet", *extra)
    assert code == 2 and "Traceback" not in err


def test_a_failure_that_is_not_usage_exits_1(tmp_path, capsys):
    code, _, err = _run(capsys, "validate", "--data", str(tmp_path / "nowhere"))
    assert code == 1 and "nowhere" in err and len(err.strip().splitlines()) == 1


def _boom(args):
    raise RuntimeError("something broke")


def test_an_unexpected_error_is_one_line_by_default(monkeypatch, capsys):
    monkeypatch.setitem(cli.COMMANDS, "validate", _boom)
    code, _, err = _run(capsys, "validate")
    assert code == 1 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "--debug" in err


def test_debug_after_the_command_shows_the_traceback(monkeypatch, capsys):
    monkeypatch.setitem(cli.COMMANDS, "validate", _boom)
    code, _, err = _run(capsys, "validate", "--debug")
    assert code == 1 and "Traceback" in err and "something broke" in err


def test_debug_before_the_command_shows_the_traceback(monkeypatch, capsys):
    monkeypatch.setitem(cli.COMMANDS, "validate", _boom)
    code, _, err = _run(capsys, "--debug", "validate")
    assert code == 1 and "Traceback" in err


def _subcommands():
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action, action.choices


def test_every_subcommand_has_a_help_line_and_a_description():
    action, choices = _subcommands()
    helps = {a.dest: a.help for a in action._choices_actions}
    missing = [name for name, p in choices.items() if not helps.get(name) or not p.description]
    assert missing == []


def test_every_option_of_every_subcommand_has_help_text():
    _, choices = _subcommands()
    missing = [
        f"{name} {a.option_strings or a.dest}"
        for name, p in choices.items() for a in p._actions
        if not isinstance(a, argparse._HelpAction) and not a.help
    ]
    assert missing == []


def test_definitions_of_one_key_prints_its_definition(capsys):
    code, out, _ = _run(capsys, "definitions", "recommendations.overdue_at_quarter_end")
    assert code == 0 and out.startswith("recommendations.overdue_at_quarter_end: ")
    assert "due date" in out and "Source:" in out


def test_definitions_of_a_code_key_prints_its_pattern(capsys):
    code, out, _ = _run(capsys, "definitions", "visits.method.zoom")
    assert code == 0 and out.startswith("visits.method.<method>:")


def test_definitions_of_a_key_prefix_prints_only_those_keys(capsys):
    code, out, _ = _run(capsys, "definitions", "placements")
    keys = [line.split(":", 1)[0] for line in out.splitlines() if line.startswith(("cla.", "placements."))]
    assert code == 0 and keys and all(k.startswith("placements.") for k in keys)


def test_definitions_without_a_key_prints_every_design_key(capsys):
    from design_keys import CODE_KEYS, FIXED_KEYS

    code, out, _ = _run(capsys, "definitions")
    printed = {line.split(":", 1)[0] for line in out.splitlines() if ":" in line}
    assert code == 0 and set(FIXED_KEYS) | set(CODE_KEYS) <= printed


def test_python_dash_m_is_the_same_command():
    done = subprocess.run(
        [sys.executable, "-m", "qa_analysis", "definitions", "visits.total"],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0 and done.stdout.startswith("visits.total:")

"""The ``qa-analysis`` command line (DESIGN section 6); ``python -m qa_analysis`` is the same.

Errors are one or two plain sentences on stderr and a non-zero exit, never a traceback:
exit code 2 for a usage error (an unknown or missing option, a malformed quarter, an
unknown metric key), 1 for any other failure. ``--debug`` (anywhere on the line, or
``QA_ANALYSIS_DEBUG=1``) adds the traceback of an unexpected error.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import time
import traceback
from pathlib import Path

from ._memory import huge_pages_off
from .config import (
    DEFAULT_SETTINGS,
    Settings,
    SettingsError,
    default_data_dir,
    default_out_dir,
    load_settings,
)
from .disclosure import AUDIENCES
from .errors import QAError, QuarterError, UsageError
from .periods import parse_quarter, parse_year, quarter_range, year_quarters

DEFAULT_YEAR = "2020-21"


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse prints usage and exits 2; keep it to two sentences
        raise UsageError(f"{message[0].upper()}{message[1:]}. Run '{self.prog} --help' for the options.")


def _add_periods(parser, allow_annual=False):
    group = parser.add_argument_group("periods")
    group.add_argument("--quarter", help='one quarter, e.g. "2020-21 Q1"')
    group.add_argument("--from", dest="first", metavar="Q", help="first quarter of a range")
    group.add_argument("--to", dest="last", metavar="Q", help="last quarter of a range")
    group.add_argument("--year", help="a financial year, e.g. 2020-21, for its four quarters")
    if allow_annual:
        group.add_argument("--annual", metavar="YEAR", help="also write the annual report of this financial year")


def _quarters(args, default_year: str | None = DEFAULT_YEAR):
    chosen = [name for name in ("quarter", "first", "year") if getattr(args, name)]
    if args.last and not args.first:
        raise UsageError("--to needs --from.")
    if len(chosen) > 1:
        raise UsageError("Give one of --quarter, --from/--to or --year, not several.")
    if args.quarter:
        return [parse_quarter(args.quarter)]
    if args.first:
        return quarter_range(args.first, args.last or args.first)
    if args.year:
        return year_quarters(args.year)
    return year_quarters(default_year) if default_year else []


def _settings(args) -> Settings:
    if getattr(args, "settings", None):
        return load_settings(args.settings)
    return DEFAULT_SETTINGS


def _load(data_dir, settings: Settings | None = None, la: str | None = None):
    from .io import load_data

    return load_data(Path(data_dir), settings=settings, la=la)


def _add_la(parser):
    parser.add_argument("--la", metavar="NAME",
                        help="the authority to use when the SSDA903 data holds several (an LA column)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="qa-analysis",
        description="Quarterly quality assurance analytics for children's social care.",
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"qa-analysis {__version__}")
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    report = sub.add_parser("report", help="run the topic notebooks and export the managers' HTML")
    report.add_argument("--data", default=None, help="data folder (default data/demo)")
    _add_periods(report, allow_annual=True)
    report.add_argument("--topics", nargs="+", metavar="TOPIC", help="topics to report (default all)")
    report.add_argument("--jobs", type=int, default=2, help="notebooks run in parallel (default 2)")
    report.add_argument(
        "--audience", default=None,
        help="internal or public; by default the quarterly reports are internal and the annual "
        "committee paper (--annual) is public, each in its own set",
    )
    report.add_argument(
        "--out", default=None,
        help="output folder (default outputs in the working directory); each audience's set goes to OUT/<audience>/",
    )
    report.add_argument("--settings", help="YAML file of local policy settings")
    report.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE",
        help="an extra notebook parameter; refused if the notebook does not declare it, and for "
        "quarter, year, audience, data_dir and settings_file (set by their own options)",
    )
    report.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_la(report)

    metrics = sub.add_parser("metrics", help="print the metric catalogue for a quarter (or a range)")
    metrics.add_argument("--data", default=None, help="data folder (default data/demo)")
    _add_periods(metrics)
    metrics.add_argument(
        "--format", choices=("json", "csv"), default=None,
        help="json (default for one quarter) or csv (default for a range: quarter,key,value)",
    )
    metrics.add_argument("--settings", help="YAML file of local policy settings")
    _add_la(metrics)

    validate = sub.add_parser("validate", help="data-quality report of a data folder")
    validate.add_argument("--data", default=None, help="data folder (default data/demo)")
    validate.add_argument("--max-problems", type=int, default=50, help="problems listed (default 50)")
    validate.add_argument("--problems", metavar="FILE",
                          help="write every problem (rows set aside, values ignored) to FILE as CSV")
    validate.add_argument("--settings", help="YAML file of local policy settings (blank_values...)")
    _add_la(validate)

    demo = sub.add_parser("demo-data", help="write the synthetic demo data set")
    demo.add_argument("--out", default=None, help="output folder (default data/demo in the working directory)")
    demo.add_argument("--seed", type=int, default=2020, help="random seed (default 2020, the committed set)")
    demo.add_argument("--children", type=int, default=None, help="scale up for benchmarks")
    demo.add_argument("--layout", choices=("standard", "ssd", "stacked"), default="standard",
                      help="standard (default); ssd: the Standard Safeguarding Dataset's tables "
                           "for contacts, referrals, assessments, visits and families; stacked: the "
                           "SSDA903 as one regional header and episodes file with YEAR and LA columns, "
                           "several authorities (read with --la Demoshire)")

    check = sub.add_parser(
        "check-disclosure",
        help="audit a folder of public reports: exit 1 if any hidden figure can be worked out",
    )
    check.add_argument("out_dir", metavar="OUT_DIR", help="the folder the public reports were written to")

    cache = sub.add_parser(
        "cache", help="show or clear the cache of loaded tables kept beside a data folder (.qa-cache)")
    cache.add_argument("data_dir", metavar="DIR", nargs="?", default=None,
                       help="the data folder (default data/demo, or $QA_ANALYSIS_DATA)")
    cache.add_argument("--clear", action="store_true",
                       help="remove DIR/.qa-cache; the next run reads the CSV files again")

    from .analyst_cli import add_analyst_commands

    add_analyst_commands(sub)
    _describe(sub)
    return parser


NO_CACHE_HELP = ("read the data files without the cache of loaded tables (DIR/.qa-cache): "
                 "neither use nor write it (also QA_ANALYSIS_CACHE=off)")


def cmd_cache(args) -> int:
    from .io import cache

    folder = Path(args.data_dir or default_data_dir())
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a data folder.")
    where = cache.cache_dir(folder)
    if args.clear:
        removed = cache.clear(folder)
        print(f"Removed {where}." if removed else f"No cache in {folder} ({where.name} not found).")
        return 0
    if not where.exists():
        reason = (" (a folder inside a git repository is never cached)"
                  if cache.in_repository(folder) else "")
        print(f"No cache in {folder}{reason}.")
        return 0
    size = sum(p.stat().st_size for p in where.rglob("*") if p.is_file())
    entries = [p for p in where.iterdir() if p.is_dir() and not p.name.startswith(".")]
    print(f"{where}: {len(entries)} entr{'y' if len(entries) == 1 else 'ies'}, "
          f"{size / 2**20:,.1f} MiB. 'qa-analysis cache --clear {folder}' removes it.")
    return 0


DEBUG_HELP = "on an unexpected error, show the full traceback (also after the command)"


def _describe(sub) -> None:
    """Every subcommand gets a description (its help sentence, if none was written) and a
    --debug option, so ``qa-analysis COMMAND --help`` says what it does and how to debug."""
    helps = {action.dest: action.help for action in sub._choices_actions}
    for name, command in sub.choices.items():
        if not command.description and helps.get(name):
            text = helps[name]
            command.description = f"{text[0].upper()}{text[1:]}."
        if not any("--debug" in action.option_strings for action in command._actions):
            command.add_argument("--debug", action="store_true", help=DEBUG_HELP)
        if name != "cache" and not any("--no-cache" in a.option_strings for a in command._actions):
            command.add_argument("--no-cache", action="store_true", help=NO_CACHE_HELP)


def cmd_check_disclosure(args) -> int:
    from .disclosure_check import main as check_main

    return check_main(args.out_dir)


def cmd_validate(args) -> int:
    from .io import validation_report
    from .io.loaders import write_problems

    data = _load(args.data or default_data_dir(), _settings(args), args.la)
    print(validation_report(data, max_problems=args.max_problems))
    if args.problems:
        try:
            written = write_problems(data, args.problems)
        except OSError as error:
            raise QAError(f"cannot write {Path(args.problems).name}: {error.strerror or error}.") from None
        print(f"Wrote {written:,} problems to {Path(args.problems).name}.")
    return 0


def cmd_metrics(args) -> int:
    from .metrics import metric_series, quarter_metrics

    settings = _settings(args)
    quarters = _quarters(args, default_year=None)
    if not quarters:
        raise UsageError("Say which quarter: --quarter \"2020-21 Q1\", --from/--to or --year.")
    data = _load(args.data or default_data_dir(), settings, args.la)
    if len(quarters) == 1:
        result = quarter_metrics(data, quarters[0], settings)
        for note in result.notes:
            print(f"note: {note}", file=sys.stderr)
        if args.format == "csv":
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(["quarter", "key", "value"])
            for key, value in result.metrics.items():
                writer.writerow([result.quarter.label, key, "" if value is None else value])
            sys.stdout.write(out.getvalue())
        else:
            print(json.dumps(result.as_json(), indent=2))
        return 0
    notes = quarter_metrics(data, quarters[0], settings).notes
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    series = metric_series(data, quarters, settings)
    if args.format == "json":
        print(json.dumps([quarter_metrics(data, q, settings).as_json() for q in quarters], indent=2))
    else:
        sys.stdout.write(series.to_csv(index=False, lineterminator="\n"))
    return 0


def cmd_demo(args) -> int:
    from .demo import write_demo_data

    out = Path(args.out) if args.out else Path("data") / "demo"
    started = time.perf_counter()
    counts = write_demo_data(out, seed=args.seed, children=args.children, layout=args.layout)
    total = sum(counts.values())
    print(f"Wrote {total:,} rows in {len(counts)} files to {out} in {time.perf_counter() - started:.1f}s.")
    for name, n in counts.items():
        print(f"  {name:<24} {n:>10,}")
    return 0


def report_runs(quarters: list, annual: list, audience: str | None) -> list[tuple[str, list, list]]:
    """The report sets one ``report`` command writes, as (audience, quarters, annual years).

    An audience given with ``--audience`` is one set holding everything asked for. Without
    it the quarterly reports are for the internal audience and the annual committee paper is
    for the public (issue 15: "public is the default audience for this paper"), each written
    as its own set (``OUT/internal/``, ``OUT/public/``), quarterly first."""
    if audience is not None:
        return [(audience, list(quarters), list(annual))]
    runs = []
    if quarters:
        runs.append(("internal", list(quarters), []))
    if annual:
        runs.append(("public", [], list(annual)))
    return runs


def cmd_report(args) -> int:
    from .reports import generate_reports

    if args.audience is not None and args.audience not in AUDIENCES:
        raise UsageError(f"--audience is internal or public, not {args.audience!r}.")
    if args.jobs < 1:
        raise UsageError("--jobs must be 1 or more.")
    periods_given = any([args.quarter, args.first, args.year])
    quarters = _quarters(args) if (periods_given or not args.annual) else []
    annual = [parse_year(args.annual)] if args.annual else []
    extra = {}
    for item in args.param:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--param takes NAME=VALUE, not {item!r}.")
        extra[name.strip()] = value
    code = 0
    for audience, run_quarters, run_annual in report_runs(quarters, annual, args.audience):
        result = generate_reports(
            data_dir=Path(args.data) if args.data else default_data_dir(),
            quarters=run_quarters,
            annual_years=run_annual,
            topics=args.topics,
            n_jobs=args.jobs,
            audience=audience,
            out_dir=Path(args.out) if args.out else default_out_dir(),
            settings_file=args.settings,
            extra_parameters=extra,
            progress=not args.quiet,
            **({"la": args.la} if args.la else {}),
        )
        code = max(code, result)
        if result in (130, 143):
            code = result
            break
    if code in (130, 143):
        # Stopped by a signal, workers and kernels already gone: leave at once rather than
        # spend seconds tearing down pandas and friends on a loaded machine.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


COMMANDS = {
    "report": cmd_report, "metrics": cmd_metrics, "validate": cmd_validate, "demo-data": cmd_demo,
    "check-disclosure": cmd_check_disclosure, "cache": cmd_cache,
}


def _command(name):
    if name in COMMANDS:
        return COMMANDS[name]
    from .analyst_cli import ANALYST_COMMANDS

    return ANALYST_COMMANDS[name]


def main(argv=None) -> int:
    """Run one ``qa-analysis`` command and return its exit code.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after the program name (default ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 2 for a usage error, 1 for any other failure, 130 when interrupted.

    Examples
    --------
    >>> main(["definitions", "visits.total"])  # doctest: +SKIP
    visits.total: visits (rows) with visit_date in the quarter (DESIGN 4, visits).
    0
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    huge_pages_off()
    debug = "--debug" in argv or os.environ.get("QA_ANALYSIS_DEBUG", "") not in ("", "0")
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if not args.command:
            parser.print_help()
            return 2
        if getattr(args, "no_cache", False):
            return _without_cache(_command(args.command), args)
        return _command(args.command)(args)
    except (QAError, SettingsError) as exc:
        _say(exc, debug)
        # A usage error: a malformed option or quarter, or an unknown key (a KeyError).
        return 2 if isinstance(exc, (UsageError, QuarterError, KeyError)) else 1
    except KeyboardInterrupt:
        print("qa-analysis: interrupted.", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - a user never sees a traceback unless asking
        if debug:
            traceback.print_exc()
        hint = "" if debug else " Run again with --debug for the details."
        print(
            f"qa-analysis: unexpected {exc.__class__.__name__}: {str(exc).splitlines()[0] if str(exc) else ''}. "
            f"Please report this with the command you ran.{hint}",
            file=sys.stderr,
        )
        return 1


def _without_cache(command, args) -> int:
    """Run ``command`` with the cache off, in this process and the notebook kernels it
    starts (they inherit the environment); the environment is restored afterwards."""
    from .io.cache import ENV

    before = os.environ.get(ENV)
    os.environ[ENV] = "off"
    try:
        return command(args)
    finally:
        if before is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = before


def _say(exc: BaseException, debug: bool) -> None:
    if debug:
        traceback.print_exc()
    print(f"qa-analysis: {exc}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())

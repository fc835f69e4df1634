"""The analysts' subcommands of ``qa-analysis``: ``cases`` and ``definitions``.

Kept beside :mod:`qa_analysis.cli` (which adds them with :func:`add_analyst_commands`)
so the main command file stays short. Conventions as there: a usage error (an unknown
key, ``--audience public`` for a child-level list) exits 2, any other failure 1.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .errors import UsageError

CASES_DESCRIPTION = (
    "List the rows behind one figure of one quarter (child, date, the fields that decided "
    "it and, for a percentage, whether each row is in the numerator): the QA team's "
    "follow-up list. INTERNAL ONLY: it names children, so --audience public is refused and "
    "the file written says so in its first line."
)
DEFINITIONS_DESCRIPTION = (
    "Print the plain-English definition of every metric key, of one key (e.g. "
    "placements.moves, visits.method.zoom) or of one topic's keys (visits, referrals, "
    "placement_stability, audits, or a key prefix such as placements)."
)


def add_analyst_commands(sub) -> None:
    """Add ``cases`` and ``definitions`` to the subcommand parsers ``sub``."""
    cases = sub.add_parser(
        "cases", help="the follow-up list of rows behind a figure (internal only)",
        description=CASES_DESCRIPTION,
    )
    cases.add_argument("--data", default=None, help="data folder (default data/demo)")
    cases.add_argument("--quarter", required=True, help='the quarter of the figure, e.g. "2020-21 Q3"')
    cases.add_argument(
        "--metric", required=True, metavar="KEY",
        help="the figure's key, e.g. placements.moves or visits.method.zoom "
        "(qa-analysis definitions lists them)",
    )
    cases.add_argument(
        "--out", default=None, metavar="FILE",
        help="write to FILE.csv or FILE.xlsx (default: print CSV, notice line first)",
    )
    cases.add_argument(
        "--audience", default="internal",
        help="internal (the default and the only one accepted: the list names children)",
    )
    cases.add_argument("--settings", help="YAML file of local policy settings (as for the figure)")

    definitions = sub.add_parser(
        "definitions", help="plain-English definitions of the metric keys",
        description=DEFINITIONS_DESCRIPTION,
    )
    definitions.add_argument(
        "key", nargs="?", default=None, metavar="KEY",
        help="a metric key or a topic (default: every key)",
    )


def cmd_cases(args) -> int:
    from .cases import INTERNAL_NOTICE, _title, cases, write_cases
    from .cli import _load, _settings
    from .config import default_data_dir

    if args.audience != "internal":
        raise UsageError(
            f"cases lists children, so it is for the internal audience only, not {args.audience!r}; "
            "publish the figure, never the list."
        )
    rows = cases(_load(args.data or default_data_dir()), args.metric, args.quarter, _settings(args))
    if args.out:
        write_cases(rows, Path(args.out))
        print(f"Wrote {len(rows):,} rows ({args.metric}, {rows.attrs['quarter']}) to {args.out}.",
              file=sys.stderr)
        return 0
    sys.stdout.write(f"# {INTERNAL_NOTICE}. {_title(rows)}\n")
    sys.stdout.write(rows.to_csv(index=False, lineterminator="\n", date_format="%Y-%m-%d"))
    return 0


def cmd_definitions(args) -> int:
    from .api import KEY_PREFIX_TOPICS, definition, metric_keys, resolve_topics, topic_of_key
    from .io.tables import TOPICS

    if args.key is None:
        keys = metric_keys()
    elif args.key.strip().lower() in TOPICS or args.key.strip().lower() in KEY_PREFIX_TOPICS:
        wanted = args.key.strip().lower()
        (topic,) = resolve_topics(wanted)
        keys = [k for k in metric_keys() if topic_of_key(k) == topic
                and (wanted in TOPICS or k.split(".", 1)[0] == wanted)]
    else:
        print(definition(args.key))
        return 0
    print("\n\n".join(definition(k) for k in keys))
    return 0


ANALYST_COMMANDS = {"cases": cmd_cases, "definitions": cmd_definitions}

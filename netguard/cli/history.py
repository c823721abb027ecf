"""``netguard history`` (list, import) and ``netguard diff``: the recorded audits."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import tzinfo
from typing import Any

from rich.console import Console
from rich.table import Table

from netguard.cli.options import (
    deprecated_alias,
    format_option,
    history_option,
    positive_int,
    say,
    usage_error,
)
from netguard.errors import ExitStatus


def add_parsers(sub: Any) -> None:
    h = sub.add_parser("history", help="list the audits recorded in the history")
    history_option(h)
    h.add_argument(
        "-n",
        "--last",
        dest="limit",
        type=positive_int,
        default=30,
        metavar="N",
        help="list the last N runs (default 30; the old spelling --limit N still works this "
        "release: --limit is audit's host pattern now)",
    )
    deprecated_alias(h, "--limit", "--last", type=positive_int, metavar="N")
    format_option(h, "what to print: a table or JSON (default: table)")
    h_sub = h.add_subparsers(dest="history_command", metavar="ACTION")
    hi = h_sub.add_parser("import", help="record an existing results file in the history")
    hi.add_argument("file", help="a results JSON (audit --format json -o FILE) to record")

    d = sub.add_parser("diff", help="what changed between two audits of the history")
    d.add_argument("run_a", nargs="?", help="older run (default: the one before run_b)")
    d.add_argument("run_b", nargs="?", help="newer run (default: the latest)")
    history_option(d)
    format_option(
        d,
        "what to print: a table of the changes or JSON (default: table; the old --format text "
        "still works this release)",
        renamed={"text": "table"},
    )


def history(args: argparse.Namespace, err: Console) -> int:
    from netguard.history import open_store
    from netguard.render.history import (
        RUN_COLUMNS,
        RUN_COUNTS,
        run_column,
        run_json,
        run_row,
        runs_zone,
    )
    from netguard.results import read_document

    t = say(args)
    tz = _zone(t.lang)
    with open_store(args.history) as store:
        if args.history_command == "import":
            # read once; the store validates it (results.parse_results) before storing anything
            run_id = store.record(read_document(args.file), args.file)
            print(t("terminal.history.recorded", file=args.file, run=run_id))
            return ExitStatus.OK
        runs = store.runs(limit=args.limit)
    if args.format == "json":
        print(json.dumps([run_json(r) for r in runs], ensure_ascii=False, indent=2))
        return ExitStatus.OK
    table = Table(title=runs_zone(t, tz), title_justify="left", box=None)
    for col in RUN_COLUMNS:
        table.add_column(run_column(col, t), justify="right" if col in RUN_COUNTS else "left")
    for r in runs:
        row = run_row(r, t, tz)
        table.add_row(*(row[c] for c in RUN_COLUMNS))
    Console(width=160).print(table)
    return ExitStatus.OK


def diff(args: argparse.Namespace, err: Console) -> int:
    from netguard.history import diff_documents, diff_exit_status, open_store
    from netguard.render.history import diff_text

    with open_store(args.history) as store:
        b = store.resolve(args.run_b or "latest")
        if args.run_a:
            a = store.resolve(args.run_a)
        else:
            newer = store.summary(b)  # the run before it of the same office
            older = store.previous_complete(newer.started, newer.scope)
            if older is None:
                raise usage_error("no_earlier_run", field="diff")
            a = older.id
        changes = diff_documents(store.document(a), store.document(b))
    if args.format == "json":
        print(json.dumps(changes.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        sys.stdout.write(diff_text(changes, say(args), _zone(say(args).lang)))
    return diff_exit_status(changes)


def _zone(lang: str) -> tzinfo | None:
    """The zone of the times a history verb prints: in Chinese the documents' zone (said once,
    as they say it: 北京时间), in English this machine's (None)."""
    from netguard.cli.options import document_zone

    return document_zone(None, None, lang) if lang == "zh" else None

"""``netguard report`` and ``netguard checklist``: documents from a results file or the history."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from netguard.cli.options import (
    LANGS,
    REPORT_FORMATS,
    announce,
    checklist_options,
    default_in,
    history_option,
    lang_of,
    positive_int,
    report_zone,
    say,
    usage_error,
    zone,
)
from netguard.errors import ExitStatus, InputError
from netguard.results import scope_of

if TYPE_CHECKING:
    from netguard.history import RunSummary
    from netguard.results import Results


def add_parsers(sub: Any) -> None:
    r = sub.add_parser("report", help="write a compliance report from a results file")
    r.add_argument(
        "results",
        nargs="?",
        help="results JSON from `netguard audit --format json` (or --run REF from the history)",
    )
    r.add_argument("--run", metavar="REF", help="a run of the history: id, prefix, latest, -2 …")
    history_option(r)
    r.add_argument(
        "--trend",
        type=positive_int,
        default=12,
        metavar="N",
        help="runs shown in the trend section, from the history (default 12)",
    )
    r.add_argument("--format", choices=REPORT_FORMATS, default="html", help="default: html")
    r.add_argument("--lang", choices=LANGS, help="zh or en (default: from the locale)")
    r.add_argument("-o", "--output", metavar="FILE", help="default: a new file under reports/")
    r.add_argument(
        "--tz",
        metavar="ZONE",
        help="show times in this zone, e.g. Asia/Shanghai (default: this machine's)",
    )

    c = sub.add_parser(
        "checklist", help="write emergency-response checklists for the incidents in a results file"
    )
    c.add_argument("results", help="results JSON from `netguard audit --format json`")
    checklist_options(c, fmt_flag="--format")
    c.add_argument("-o", "--output-dir", default="reports", metavar="DIR", help="default: reports/")


def report(args: argparse.Namespace, err: Console) -> int:
    from netguard.report import write_report

    results, trend = _report_source(args)
    output = args.output or default_in("reports")
    path = write_report(
        results, args.format, lang_of(args), output, tz=report_zone(args.tz), trend=trend
    )
    announce("report", path)
    return ExitStatus.OK


def _report_source(args: argparse.Namespace) -> tuple[Results, list[RunSummary] | None]:
    """The results file given, or a run of the history (--run); and the trend up to that run
    from the history — read only if the history exists: a report never creates one."""
    from netguard.history import default_history_path, open_store
    from netguard.results import load_results, parse_results

    if bool(args.results) == bool(args.run):
        raise usage_error("report_source", field="report")
    results = load_results(args.results) if args.results else None
    path = Path(args.history) if args.history else default_history_path()
    if results is not None and not path.exists():
        return results, None
    if results is not None:  # the trend is a bonus: an unusable history must not stop a report
        try:
            with open_store(path) as store:
                return results, store.trend(
                    results.started, args.trend, scope_of(results.inventory)
                )
        except InputError as exc:
            print(say(args)("terminal.no_trend", raw=str(exc)), file=sys.stderr)
            return results, None
    with open_store(path) as store:
        run_id = store.resolve(args.run)
        results = parse_results(store.document(run_id), f"history:{run_id}")
        return results, store.trend(results.started, args.trend, scope_of(results.inventory))


def checklist(args: argparse.Namespace, err: Console) -> int:
    from netguard.results import load_results

    results = load_results(args.results)
    paths = write_checklists_for(results, args, args.format, args.output_dir)
    for path in paths:
        announce("checklist", path)
    if not paths:
        err.print(say(args)("terminal.no_incident"), markup=False, highlight=False)
    return ExitStatus.OK


def write_checklists_for(
    results: Results, args: argparse.Namespace, fmt: str, out_dir: str
) -> list[Path]:
    """The checklists of ``results`` with the checklist options (checklist_options) in args."""
    from netguard.checklist import write_checklists

    return write_checklists(
        results,
        fmt,
        lang_of(args),
        Path(out_dir),
        playbooks_dir=args.playbooks,
        contacts_path=args.contacts,
        tz=zone(args.tz),
    )

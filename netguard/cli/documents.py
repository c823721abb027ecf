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
    document_zone,
    history_option,
    inventory_from,
    lang_of,
    map_option,
    positive_int,
    say,
    usage_error,
)
from netguard.errors import ExitStatus, InputError
from netguard.export import FORMATS as EXPORT_FORMATS
from netguard.results import scope_of

if TYPE_CHECKING:
    from netguard.history import RunSummary
    from netguard.report import Report
    from netguard.results import Results


def results_source_options(p: argparse.ArgumentParser) -> None:
    """Where a document's results come from: a results file, or a run of the history."""
    p.add_argument(
        "results",
        nargs="?",
        help="results JSON from `netguard audit --format json` (or --run REF from the history)",
    )
    p.add_argument("--run", metavar="REF", help="a run of the history: id, prefix, latest, -2 …")
    history_option(p)


def add_parsers(sub: Any) -> None:
    r = sub.add_parser("report", help="write a compliance report from a results file")
    results_source_options(r)
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
        help="show times in this zone, e.g. Asia/Shanghai (default: the contacts file's "
        "timezone, else this machine's zone, else Asia/Shanghai; the checklists' zone)",
    )
    r.add_argument(
        "--contacts",
        metavar="FILE",
        help="contacts file whose timezone the report uses (default: the packaged example)",
    )

    c = sub.add_parser(
        "checklist",
        help="write emergency-response checklists for the incidents in a results file, or for "
        "an incident reported by phone (--incident)",
    )
    c.add_argument("results", nargs="?", help="results JSON from `netguard audit --format json`")
    c.add_argument(
        "--incident",
        metavar="PLAYBOOK",
        help="an incident reported by phone, without an audit: the playbook id "
        "(e.g. ransomware); needs --host and --inventory",
    )
    c.add_argument(
        "--host",
        action="append",
        default=[],
        metavar="NAME",
        help="with --incident: a machine concerned, by its inventory name (repeat for more)",
    )
    c.add_argument(
        "--inventory", metavar="FILE", help="with --incident: the inventory naming the machines"
    )
    map_option(c)
    c.add_argument(
        "--detected-at",
        metavar="TIME",
        help="when the duty officer took the incident (ISO 8601, e.g. 2026-11-24T02:10+08:00, "
        "or 2026-11-24 02:10 in the display zone): deadlines count from it (default: the end "
        "of the audit run; with --incident, now)",
    )
    checklist_options(c, fmt_flag="--format")
    c.add_argument("-o", "--output-dir", default="reports", metavar="DIR", help="default: reports/")

    e = sub.add_parser(
        "export",
        help="write a results file for other tools: JSON Lines (SIEM), JUnit XML, SARIF 2.1.0, "
        "Prometheus textfile",
    )
    results_source_options(e)
    e.add_argument(
        "--format",
        choices=(*EXPORT_FORMATS, "syslog"),
        required=True,
        help="docs/exports.md; syslog: RFC 5424 messages to the collector --to names",
    )
    e.add_argument(
        "--to",
        metavar="URL",
        help="with --format syslog: udp://HOST[:514], tcp://HOST[:514] or tls://HOST[:6514]",
    )
    e.add_argument("--ca", metavar="FILE", help="with tls://: the CA that signed the collector")
    e.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write this file atomically (temp file and rename: a collector never reads half a "
        "file); default: standard output",
    )


def report(args: argparse.Namespace, err: Console) -> int:
    from netguard.report import write_report

    report, trend = _report_source(args)
    output = args.output or default_in("reports")
    lang = lang_of(args)
    tz = document_zone(args.tz, args.contacts, lang)
    path = write_report(report, args.format, lang, output, tz=tz, trend=trend)
    announce("report", path)
    return ExitStatus.OK


def _report_source(args: argparse.Namespace) -> tuple[Report, list[RunSummary] | None]:
    """The report of the results file given (built as the file is read, host by host), or of
    a run of the history (--run); and the trend up to that run from the history — read only
    if the history exists: a report never creates one."""
    from netguard.history import history_exists, history_target, open_store
    from netguard.report import load_report, report_of_document

    if bool(args.results) == bool(args.run):
        raise usage_error("report_source", field="report")
    report = load_report(args.results) if args.results else None
    path = history_target(args.history)
    if report is not None and not history_exists(path):
        return report, None
    if report is not None:  # the trend is a bonus: an unusable history must not stop a report
        results = report.results
        try:
            with open_store(path) as store:
                return report, store.trend(results.started, args.trend, scope_of(results.inventory))
        except InputError as exc:
            print(say(args)("terminal.no_trend", raw=str(exc)), file=sys.stderr)
            return report, None
    with open_store(path) as store:
        run_id = store.resolve(args.run)
        report = report_of_document(store.document(run_id), f"history:{run_id}")
        results = report.results
        return report, store.trend(results.started, args.trend, scope_of(results.inventory))


def export(args: argparse.Namespace, err: Console) -> int:
    from netguard.export import render_export, write_export
    from netguard.history import open_store
    from netguard.results import load_results, parse_results

    if bool(args.results) == bool(args.run):
        raise usage_error("report_source", field="export")
    if args.results:
        results = load_results(args.results)
    else:
        with open_store(args.history) as store:
            run_id = store.resolve(args.run)
            results = parse_results(store.document(run_id), f"history:{run_id}")
    if args.format == "syslog":
        return _to_syslog(results, args)
    if args.to or args.ca:
        raise InputError("--to and --ca go with --format syslog", field="export")
    if args.output:
        write_export(results, args.format, args.output)
        announce("export", args.output)
    else:
        sys.stdout.write(render_export(results, args.format))
    return ExitStatus.OK


def _to_syslog(results: Results, args: argparse.Namespace) -> int:
    from netguard import remotelog
    from netguard.errors import RenderError

    if not args.to:
        raise InputError("--format syslog needs --to URL", field="--to")
    if args.output:
        raise InputError("--format syslog sends, it writes no file (-o)", field="-o")
    target = remotelog.Target.parse(args.to, args.ca)
    try:
        sent = remotelog.send(target, remotelog.messages(results))
    except OSError as exc:  # ssl.SSLError too: unreachable, refused, certificate not trusted
        raise RenderError(f"syslog collector {args.to}: {exc}") from None
    print(f"syslog: {sent} messages to {target.proto}://{target.host}:{target.port}",
          file=sys.stderr, flush=True)  # fmt: skip
    return ExitStatus.OK


def checklist(args: argparse.Namespace, err: Console) -> int:
    from netguard.results import load_results

    if args.incident is not None:
        announce("checklist", _reported_checklist(args))
        return ExitStatus.OK
    if args.host or args.inventory:
        raise InputError("--host and --inventory go with --incident", field="checklist")
    if not args.results:
        raise InputError(
            "give a results file, or --incident PLAYBOOK --host NAME --inventory FILE for an "
            "incident reported by phone",
            field="checklist",
        )
    results = load_results(args.results)
    paths = write_checklists_for(results, args, args.format, args.output_dir)
    for path in paths:
        announce("checklist", path)
    if not paths:
        err.print(say(args)("terminal.no_incident"), markup=False, highlight=False)
    return ExitStatus.OK


def _reported_checklist(args: argparse.Namespace) -> Path:
    from netguard.checklist import write_reported_checklist

    if args.results:
        raise InputError(
            "--incident is for an incident reported by phone: give no results file",
            field="checklist",
        )
    if not args.host:
        raise InputError("--incident needs at least one --host NAME", field="--host")
    if not args.inventory:
        raise InputError(
            "--incident needs --inventory FILE (it names the machines)", field="--inventory"
        )
    return write_reported_checklist(
        args.incident,
        args.host,
        inventory_from(args.inventory, args),
        args.format,
        lang_of(args),
        Path(args.output_dir),
        playbooks_dir=args.playbooks,
        contacts_path=args.contacts,
        tz=document_zone(args.tz, args.contacts, lang_of(args)),
        reported=args.detected_at,
    )


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
        tz=document_zone(args.tz, args.contacts, lang_of(args)),  # the report's zone too
        # `netguard audit --checklist-format` has no --detected-at: its clock is the run's end
        reported=getattr(args, "detected_at", None),
    )

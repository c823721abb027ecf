"""Command line. The only place where exceptions become exit codes (see errors.ExitStatus)."""

from __future__ import annotations

import argparse
import io
import logging
import sys
import traceback
from collections.abc import Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from netguard import __version__
from netguard.errors import ExitStatus, InputError, NetguardError
from netguard.i18n import default_lang

if TYPE_CHECKING:
    from netguard.results import Results


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="netguard",
        description="Audit office machines for antivirus, password rotation and physical "
        "isolation between intranet and internet.",
    )
    p.add_argument("--version", action="version", version=f"netguard {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks and SSH library logs")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    a = sub.add_parser("audit", help="audit the hosts of an inventory against a policy pack")
    a.add_argument(
        "inventory",
        nargs="?",
        help="inventory YAML; without it, audit this machine (local transport)",
    )
    a.add_argument("-p", "--policy", help="policy pack YAML (default: the packaged baseline)")
    a.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="what to write to -o FILE or standard output (default: table)",
    )
    a.add_argument("-o", "--output", metavar="FILE", help="write there instead of stdout")
    a.add_argument(
        "--workers", type=_positive_int, default=32, help="hosts audited at once (default 32)"
    )
    a.add_argument(
        "--accept-new-hostkeys",
        action="store_true",
        help="record host keys not yet in known_hosts (a changed key is never accepted)",
    )
    a.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    a.add_argument(
        "--report",
        choices=REPORT_FORMATS,
        help="also write a compliance report at the end (into --report-dir)",
    )
    a.add_argument(
        "--checklists",
        choices=("critical", "always", "never"),
        help="write emergency-response checklists for triggered incidents: when a critical "
        "finding appears, whenever an incident is triggered, or never (default: critical "
        "with --report, never without)",
    )
    a.add_argument(
        "--report-dir",
        default="reports",
        metavar="DIR",
        help="where --report and checklists go (default: reports/)",
    )
    _document_options(a, CHECKLIST_FORMATS, fmt_flag="--checklist-format")

    r = sub.add_parser("report", help="write a compliance report from a results file")
    r.add_argument("results", help="results JSON from `netguard audit --format json`")
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
    _document_options(c, CHECKLIST_FORMATS, fmt_flag="--format")
    c.add_argument("-o", "--output-dir", default="reports", metavar="DIR", help="default: reports/")

    inv = sub.add_parser("inventory", help="inventory tools")
    inv_sub = inv.add_subparsers(dest="inventory_command", required=True, metavar="ACTION")
    ic = inv_sub.add_parser("check", help="validate an inventory without auditing")
    ic.add_argument("file")

    pol = sub.add_parser("policy", help="policy pack tools")
    pol_sub = pol.add_subparsers(dest="policy_command", required=True, metavar="ACTION")
    pc = pol_sub.add_parser("check", help="validate a policy pack")
    pc.add_argument("file")

    sub.add_parser("checks", help="list the checks netguard knows")
    return p


REPORT_FORMATS = ("html", "md", "csv", "pdf")
CHECKLIST_FORMATS = ("md", "html", "pdf")
LANGS = ("zh", "en")


def _document_options(
    p: argparse.ArgumentParser, formats: tuple[str, ...], *, fmt_flag: str
) -> None:
    """Options shared by everything that writes checklists."""
    if fmt_flag == "--format":
        p.add_argument("--format", choices=formats, default="md", help="default: md")
        p.add_argument("--lang", choices=LANGS, help="zh or en (default: from the locale)")
    else:
        p.add_argument(
            fmt_flag, dest="checklist_format", choices=formats, default="md", help="default: md"
        )
        p.add_argument(
            "--lang", choices=LANGS, help="language of report and checklists (default: locale)"
        )
    p.add_argument(
        "--playbooks", metavar="DIR", help="playbook folder (default: the packaged playbooks)"
    )
    p.add_argument(
        "--contacts", metavar="FILE", help="contacts and roles (default: the packaged example)"
    )
    p.add_argument(
        "--tz",
        metavar="ZONE",
        help="time zone for deadlines, e.g. Asia/Shanghai (default: the contacts file's)",
    )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: usage errors are bad input (2), --help is 0
        return int(exc.code or 0)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING)
    # paramiko logs every refused handshake with a traceback; our statuses say it better.
    logging.getLogger("paramiko").setLevel(logging.DEBUG if args.debug else logging.CRITICAL)
    err = Console(stderr=True)
    try:
        return int(_dispatch(args, err))
    except NetguardError as exc:
        err.print(f"netguard: error: {exc}", markup=False, highlight=False, soft_wrap=True)
        if args.debug:
            traceback.print_exc()
        return int(exc.exit_status)
    except KeyboardInterrupt:
        err.print("netguard: interrupted; no results written", markup=False)
        return int(ExitStatus.INTERRUPTED)


def _dispatch(args: argparse.Namespace, err: Console) -> int:
    if args.command == "audit":
        return _audit(args, err)
    if args.command == "inventory":
        return _inventory_check(args.file)
    if args.command == "policy":
        return _policy_check(args.file)
    if args.command == "checks":
        return _list_checks()
    if args.command == "report":
        return _report(args, err)
    if args.command == "checklist":
        return _checklist(args, err)
    raise InputError(f"unknown command {args.command!r}")


def _load_policy(path: str | None):  # type: ignore[no-untyped-def]
    from netguard.checks import CATALOG
    from netguard.policy import default_policy_path, load_policy

    return load_policy(path or default_policy_path(), CATALOG)


def _audit(args: argparse.Namespace, err: Console) -> int:
    from netguard.audit import AuditOptions, exit_status_of, preflight, run_audit, run_document
    from netguard.inventory import load_inventory, local_inventory
    from netguard.render.console import print_summary
    from netguard.render.files import write_atomic
    from netguard.render.json_doc import dumps

    # Everything the user gave is validated before any host is contacted.
    inventory = load_inventory(args.inventory) if args.inventory else local_inventory()
    policy = _load_policy(args.policy)
    options = AuditOptions(workers=args.workers, accept_new_hostkeys=args.accept_new_hostkeys)
    preflight(inventory, options)

    show_progress = not args.quiet and err.is_terminal
    with Progress(
        TextColumn("auditing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=err,
        disable=not show_progress,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=len(inventory.hosts))
        run = run_audit(
            inventory, policy, options, on_result=lambda r: progress.update(task, advance=1)
        )

    if args.format == "json":
        text = dumps(run_document(run))
    else:
        buf = io.StringIO()
        print_summary(run, Console(file=buf, width=140, force_terminal=False))
        text = buf.getvalue()
    if args.output:
        write_atomic(args.output, text)
        if args.format == "json" and not args.quiet:
            print_summary(run, err)
    else:
        sys.stdout.write(text)
    _documents_after_audit(args, run_document(run), err)
    return exit_status_of(run.results)


def _documents_after_audit(args: argparse.Namespace, doc: dict[str, Any], err: Console) -> None:
    """The report and checklists an audit was asked for, rendered from its own results
    document: exactly what `netguard report` would make of the JSON."""
    from netguard.results import parse_results

    when = args.checklists or ("critical" if args.report else "never")
    if not args.report and when == "never":
        return
    results = parse_results(doc, "<this audit>")
    lang = args.lang or default_lang()
    if args.report:
        from netguard.report import write_report

        path = write_report(
            results, args.report, lang, _default_in(args.report_dir), tz=_report_zone(args.tz)
        )
        _announce("report", path)
    critical = any(
        f.status == "fail" and f.severity == "critical" for h in results.hosts for f in h.findings
    )
    if when == "always" or (when == "critical" and critical):
        for path in _write_checklists(results, args, args.checklist_format, args.report_dir):
            _announce("checklist", path)


def _announce(kind: str, path: Path) -> None:
    """One unwrapped line per file written, for people and for scripts that collect paths."""
    print(f"{kind}: {path}", file=sys.stderr, flush=True)


def _default_in(folder: str) -> str:
    """A folder (trailing slash): the writer chooses a fresh file name inside it."""
    return folder.rstrip("/") + "/"


def _report(args: argparse.Namespace, err: Console) -> int:
    from netguard.report import write_report
    from netguard.results import load_results

    results = load_results(args.results)
    lang = args.lang or default_lang()
    output = args.output or _default_in("reports")
    path = write_report(results, args.format, lang, output, tz=_report_zone(args.tz))
    _announce("report", path)
    return ExitStatus.OK


def _checklist(args: argparse.Namespace, err: Console) -> int:
    from netguard.results import load_results

    results = load_results(args.results)
    paths = _write_checklists(results, args, args.format, args.output_dir)
    for path in paths:
        _announce("checklist", path)
    if not paths:
        err.print("no incident triggered: no checklist written", markup=False)
    return ExitStatus.OK


def _write_checklists(
    results: Results, args: argparse.Namespace, fmt: str, out_dir: str
) -> list[Path]:
    from netguard.checklist import write_checklists

    return write_checklists(
        results,
        fmt,
        args.lang or default_lang(),
        Path(out_dir),
        playbooks_dir=args.playbooks,
        contacts_path=args.contacts,
        tz=_zone(args.tz),
    )


def _report_zone(name: str | None) -> tzinfo | None:
    """Reports show times as the reader's clock does: --tz, else this machine's zone."""
    return _zone(name) or datetime.now().astimezone().tzinfo


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"unknown time zone {name!r} (e.g. Asia/Shanghai)", field="--tz") from None


def _inventory_check(path: str) -> int:
    from netguard.inventory import load_inventory

    inv = load_inventory(path)
    print(f"{path}: OK — {len(inv.segments)} segments, {len(inv.hosts)} hosts")
    return ExitStatus.OK


def _policy_check(path: str) -> int:
    policy = _load_policy(path)
    print(
        f"{path}: OK — policy {policy.name!r}, {len(policy.checks)} checks, "
        f"{len(policy.products)} antivirus products"
    )
    return ExitStatus.OK


def _list_checks() -> int:
    from netguard.checks import ALL_CHECKS

    for spec in ALL_CHECKS:
        params = ", ".join(f"{p.name}={p.default}" for p in spec.params)
        print(
            f"{spec.id:24} {spec.category:10} {spec.severity:9} {spec.title}"
            + (f"  [{params}]" if params else "")
        )
    return ExitStatus.OK

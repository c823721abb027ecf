"""Command line. The only place where exceptions become exit codes (see errors.ExitStatus)."""

from __future__ import annotations

import argparse
import io
import json
import logging
import shlex
import sys
import traceback
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from netguard import __version__
from netguard.cli_inspect import (
    Bundling,
    add_inspection_parsers,
    dispatch_inspection,
    load_signing_key,
    open_replay,
    signing_options,
)
from netguard.errors import ExitStatus, InputError, NetguardError
from netguard.i18n import default_lang

if TYPE_CHECKING:
    from netguard.audit import AuditOptions, CollectionSink, Run
    from netguard.collect import Collector
    from netguard.history import RunSummary, RunWriter, Store
    from netguard.model import HostResult, Inventory
    from netguard.policy import Policy
    from netguard.results import Results
    from netguard.waivers import Waivers


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
    a.add_argument(
        "--waivers", metavar="FILE", help="approved exceptions (policies/waivers/example.yaml)"
    )
    _history_option(a)
    a.add_argument(
        "--no-history", action="store_true", help="do not record this run in the history"
    )
    a.add_argument(
        "--notify",
        metavar="COMMAND",
        help="run COMMAND (split like a shell would, never run by one) with the critical "
        "findings that are new since the last run as JSON on its standard input",
    )
    a.add_argument(
        "--syslog", action="store_true", help="log new critical findings to syslog (LOG_AUTH)"
    )
    a.add_argument(
        "--bundle",
        metavar="DIR",
        help="also write an evidence bundle into DIR (a new folder): raw outputs, results, "
        "inputs and a manifest of SHA-256 digests, signed with --key",
    )
    signing_options(a)
    a.add_argument(
        "--replay",
        metavar="BUNDLE",
        help="re-evaluate the collections recorded in an evidence bundle (with -p: a newer "
        "policy) without contacting any host; not recorded in the history",
    )
    a.add_argument(
        "--trusted-key",
        action="append",
        metavar="PUB",
        help="with --replay: the bundle must be signed by one of these keys (repeatable)",
    )

    r = sub.add_parser("report", help="write a compliance report from a results file")
    r.add_argument(
        "results",
        nargs="?",
        help="results JSON from `netguard audit --format json` (or --run REF from the history)",
    )
    r.add_argument("--run", metavar="REF", help="a run of the history: id, prefix, latest, -2 …")
    _history_option(r)
    r.add_argument(
        "--trend",
        type=_positive_int,
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
    _document_options(c, CHECKLIST_FORMATS, fmt_flag="--format")
    c.add_argument("-o", "--output-dir", default="reports", metavar="DIR", help="default: reports/")

    inv = sub.add_parser("inventory", help="inventory tools")
    inv_sub = inv.add_subparsers(dest="inventory_command", required=True, metavar="ACTION")
    ic = inv_sub.add_parser("check", help="validate an inventory without auditing")
    ic.add_argument("file")

    pol = sub.add_parser("policy", help="policy pack tools")
    pol_sub = pol.add_subparsers(dest="policy_command", required=True, metavar="ACTION")
    pc = pol_sub.add_parser("check", help="validate a policy pack")
    pc.add_argument("file", nargs="?", help="default: the packaged baseline")

    sub.add_parser("checks", help="list the checks netguard knows")

    w = sub.add_parser("waivers", help="waiver file tools")
    w_sub = w.add_subparsers(dest="waivers_command", required=True, metavar="ACTION")
    wc = w_sub.add_parser("check", help="validate a waivers file")
    wc.add_argument("file")

    h = sub.add_parser("history", help="list the audits recorded in the history")
    _history_option(h)
    h.add_argument("-n", "--limit", type=_positive_int, default=30, help="default 30")
    h.add_argument("--format", choices=("table", "json"), default="table")
    h_sub = h.add_subparsers(dest="history_command", metavar="ACTION")
    hi = h_sub.add_parser("import", help="record an existing results file in the history")
    hi.add_argument("file")

    d = sub.add_parser("diff", help="what changed between two audits of the history")
    d.add_argument("run_a", nargs="?", help="older run (default: the one before run_b)")
    d.add_argument("run_b", nargs="?", help="newer run (default: the latest)")
    _history_option(d)
    d.add_argument("--format", choices=("text", "json"), default="text")

    s = sub.add_parser("schedule", help="print or install a nightly audit (systemd or cron)")
    s.add_argument("inventory", nargs="?", help="inventory to audit (default: this machine)")
    s.add_argument("-p", "--policy", help="policy pack (default: the packaged baseline)")
    s.add_argument("--kind", choices=("systemd", "cron"), default="systemd")
    s.add_argument("--at", default="02:30", help="time of day HH:MM, or an OnCalendar= value")
    s.add_argument("--report", choices=REPORT_FORMATS, default="html", help="default: html")
    s.add_argument("--report-dir", default="reports", metavar="DIR")
    s.add_argument("--lang", choices=LANGS, help="default: the locale, now")
    _history_option(s)
    s.add_argument("--waivers", metavar="FILE")
    s.add_argument("--notify", metavar="COMMAND")
    s.add_argument("--syslog", action="store_true")
    s.add_argument("--user", help="run the audit as this user (default: you)")
    s.add_argument("--name", help="unit / cron.d file name (default: netguard-audit)")
    s.add_argument("--install", action="store_true", help="write the files (default: print)")
    s.add_argument("--force", action="store_true", help="replace files with other content")
    s.add_argument(
        "--enable", action="store_true", help="with --install: reload systemd, start the timer"
    )
    s.add_argument("--unit-dir", default="/etc/systemd/system", metavar="DIR")
    s.add_argument("--cron-dir", default="/etc/cron.d", metavar="DIR")

    add_inspection_parsers(sub)
    return p


def _history_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--history",
        metavar="DB",
        help="history database (default: $NETGUARD_HISTORY, /var/lib/netguard/history.sqlite "
        "for root, else ~/.local/state/netguard/history.sqlite)",
    )


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
    # A failed hook is printed once, by the audit, in our words (see _notify_new_critical).
    logging.getLogger("netguard.notify").setLevel(logging.DEBUG if args.debug else logging.ERROR)
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
    if args.command == "waivers":
        return _waivers_check(args.file)
    if args.command == "history":
        return _history(args)
    if args.command == "diff":
        return _diff(args)
    if args.command == "schedule":
        return _schedule(args)
    handled = dispatch_inspection(args, err)
    if handled is not None:
        return handled
    raise InputError(f"unknown command {args.command!r}")


def _load_policy(path: str | None):  # type: ignore[no-untyped-def]
    from netguard.checks import CATALOG
    from netguard.policy import default_policy_path, load_policy

    return load_policy(path or default_policy_path(), CATALOG)


def _audit(args: argparse.Namespace, err: Console) -> int:
    from netguard.audit import AuditOptions, preflight
    from netguard.inventory import load_inventory, local_inventory

    if args.replay:
        return _replay(args, err)
    # Everything the user gave is validated before any host is contacted.
    inventory = load_inventory(args.inventory) if args.inventory else local_inventory()
    policy = _load_policy(args.policy)
    waivers = _load_waivers(args.waivers) if args.waivers else None
    options = AuditOptions(workers=args.workers, accept_new_hostkeys=args.accept_new_hostkeys)
    preflight(inventory, options)
    _notify_argv(args.notify)  # a command that cannot be split is bad input, found up front
    bundle = _bundle_writer(args, "audit")
    history = None if args.no_history else _open_history(args.history)
    try:
        return _run_and_write(args, err, inventory, policy, options, waivers, history, bundle)
    finally:
        if history is not None:
            history.close()


def _bundle_writer(args: argparse.Namespace, kind: str) -> Bundling | None:
    """The bundle folder and the signing key, both checked before any host is contacted."""
    from netguard.evidence.bundle import BundleWriter

    if not args.bundle:
        if args.key:
            raise InputError("--key signs an evidence bundle: give --bundle DIR too", field="--key")
        return None
    key = load_signing_key(args.key) if args.key else None
    signer = args.signer or (key.public.comment if key else "")
    return Bundling(BundleWriter(args.bundle, kind), key, signer)


def _replay(args: argparse.Namespace, err: Console) -> int:
    """Re-evaluate a bundle's recorded collections: same hosts, same clock, maybe a new policy."""
    from netguard.audit import AuditOptions
    from netguard.inventory import load_inventory

    if args.inventory or args.bundle:
        field = "INVENTORY" if args.inventory else "--bundle"
        raise InputError("--replay takes the inventory from the bundle and writes no bundle",
                         field=field)  # fmt: skip
    if args.notify or args.syslog:  # old findings re-judged are not news to alert anyone about
        flag = "--notify" if args.notify else "--syslog"
        raise InputError("a replay sends no alerts", field=flag)
    bundle = open_replay(args.replay, args.trusted_key, err)
    inventory = load_inventory(bundle.inventory)
    recorded = {h["name"] for h in bundle.results.get("hosts", []) if isinstance(h, dict)}
    inventory = replace(inventory, hosts=tuple(h for h in inventory.hosts if h.name in recorded))
    policy = _load_policy(args.policy or str(bundle.policy))
    waivers = _load_waivers(args.waivers) if args.waivers else bundle.load_waivers()
    today = _recorded_day(bundle.run.get("today"))
    options = AuditOptions(workers=args.workers)
    return _run_and_write(
        args, err, inventory, policy, options, waivers, None, None,
        collector=bundle.collector(), today=today,
        replay_of={"bundle": str(bundle.root), "run": bundle.run.get("id")},
    )  # fmt: skip


def _recorded_day(text: Any) -> date | None:
    try:
        return date.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


def _run_and_write(
    args: argparse.Namespace,
    err: Console,
    inventory: Inventory,
    policy: Policy,
    options: AuditOptions,
    waivers: Waivers | None,
    history: Store | None,
    bundle: Bundling | None = None,
    *,
    collector: Collector | None = None,
    today: date | None = None,
    replay_of: dict[str, Any] | None = None,
) -> int:
    from netguard.audit import exit_status_of, run_document
    from netguard.render.console import print_summary
    from netguard.render.files import write_atomic
    from netguard.render.json_doc import dumps

    recorder = _Recorder(history)
    try:
        run = run_with_progress(
            err,
            args.quiet,
            inventory,
            policy,
            options,
            waivers=waivers,
            today=today,
            collector=collector,
            sink=bundle.writer.collect_sink if bundle else None,
            recorder=recorder,
        )
        recorder.finish(run)
    finally:
        recorder.close()  # interrupted: the run stays in the history, marked incomplete

    doc = run_document(run)
    if replay_of:
        doc["run"]["replay_of"] = replay_of
    # Serialised once: for 12,000 hosts that is seconds, and bundle and output need the same.
    results_json = dumps(doc) if bundle is not None or args.format == "json" else ""
    if bundle is not None:
        bundle.writer.add_run(run, results_json)
        bundle.seal(run)
        _announce("bundle", bundle.writer.root)
    text = results_text(run, results_json, args.format)
    if args.output:
        write_atomic(args.output, text)
        if args.format == "json" and not args.quiet:
            print_summary(run, err)
    else:
        sys.stdout.write(text)
    _documents_after_audit(args, doc, err, history)
    notify_argv = _notify_argv(args.notify)
    if notify_argv or args.syslog:
        _notify_new_critical(doc, history, notify_argv, args.syslog, err)
    return exit_status_of(run.results)


def results_text(run: Run, results_json: str, fmt: str) -> str:
    """What an audit writes to -o or standard output: the JSON document, or the summary table."""
    from netguard.render.console import print_summary

    if fmt == "json":
        return results_json
    buf = io.StringIO()
    print_summary(run, Console(file=buf, width=140, force_terminal=False))
    return buf.getvalue()


def run_with_progress(
    err: Console,
    quiet: bool,
    inventory: Inventory,
    policy: Policy,
    options: AuditOptions,
    *,
    waivers: Waivers | None = None,
    today: date | None = None,
    collector: Collector | None = None,
    sink: CollectionSink | None = None,
    recorder: _Recorder | None = None,
    label: str = "auditing",
) -> Run:
    """run_audit with a progress bar on a terminal (audit, replay, spot-check, inspect)."""
    from netguard.audit import run_audit

    rec = recorder or _Recorder(None)
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=err,
        disable=quiet or not err.is_terminal,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=len(inventory.hosts))
        return run_audit(
            inventory,
            policy,
            options,
            on_result=lambda r: (progress.update(task, advance=1), rec.add(r)),
            on_start=rec.begin,
            waivers=waivers,
            today=today,
            collector=collector,
            sink=sink,
        )


class _Recorder:
    """Feeds a run to the history as it happens (or does nothing without one)."""

    def __init__(self, store: Store | None) -> None:
        self.store = store
        self.writer: RunWriter | None = None

    def begin(self, run: Run) -> None:
        if self.store is not None:
            self.writer = self.store.begin(run)

    def add(self, result: HostResult) -> None:
        if self.writer is not None:
            self.writer.add(result)

    def finish(self, run: Run) -> None:
        if self.writer is not None:
            self.writer.finish(run)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _open_history(path: str | None) -> Store:
    from netguard.history import open_store

    return open_store(path)


def _load_waivers(path: str) -> Waivers:
    from netguard.waivers import load_waivers

    return load_waivers(path)


def _notify_argv(text: str | None) -> list[str] | None:
    if not text:
        return None
    try:
        argv = shlex.split(text)
    except ValueError as exc:
        raise InputError(f"cannot split {text!r}: {exc}", field="--notify") from None
    if not argv:
        raise InputError("empty command", field="--notify")
    return argv


def _notify_new_critical(
    doc: dict[str, Any],
    history: Store | None,
    argv: list[str] | None,
    syslog: bool,
    err: Console,
) -> None:
    """Critical findings that were not failing in the previous complete run go to the hook.
    A hook that fails is reported; the exit status still says what the audit found."""
    from netguard.notify import critical_findings, notify_critical
    from netguard.results import parse_results

    before: set[tuple[str, str]] = set()
    if history is not None:
        previous = [r for r in history.runs(limit=5) if r.complete and r.id != doc["run"]["id"]]
        if previous:
            old = history.document(previous[0].id)
            before = {
                (h["name"], f["check"])
                for h in old["hosts"]
                for f in h["findings"]
                if f["status"] == "fail"
            }
    results = parse_results(doc, "<this audit>")
    found = critical_findings(results, lambda host, check: (host, check) not in before)
    outcome = notify_critical(
        found,
        command=argv,
        syslog=syslog,
        context={"run_id": results.run_id, "time": results.detected.isoformat()},
    )
    if outcome.error:
        err.print(f"netguard: notify: {outcome.error}", markup=False, highlight=False)


def _documents_after_audit(
    args: argparse.Namespace, doc: dict[str, Any], err: Console, history: Store | None
) -> None:
    """The report and checklists an audit was asked for, rendered from its own results
    document: exactly what `netguard report` would make of the JSON (trend included)."""
    from netguard.notify import critical_findings  # one definition of "critical finding"
    from netguard.results import parse_results

    when = args.checklists or ("critical" if args.report else "never")
    if not args.report and when == "never":
        return
    results = parse_results(doc, "<this audit>")
    lang = args.lang or default_lang()
    if args.report:
        from netguard.report import write_report

        path = write_report(
            results,
            args.report,
            lang,
            _default_in(args.report_dir),
            tz=_report_zone(args.tz),
            trend=_trend(history, results, TREND_RUNS) if history else None,
        )
        _announce("report", path)
    if when == "always" or (when == "critical" and critical_findings(results)):
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

    results, trend = _report_source(args)
    lang = args.lang or default_lang()
    output = args.output or _default_in("reports")
    path = write_report(results, args.format, lang, output, tz=_report_zone(args.tz), trend=trend)
    _announce("report", path)
    return ExitStatus.OK


TREND_RUNS = 12  # runs in the trend of a report written by `netguard audit --report`


def _report_source(args: argparse.Namespace) -> tuple[Results, list[RunSummary] | None]:
    """The results file given, or a run of the history (--run); and the trend up to that run
    from the history — read only if the history exists: a report never creates one."""
    from netguard.history import default_history_path, open_store
    from netguard.results import load_results, parse_results

    if bool(args.results) == bool(args.run):
        raise InputError("give a results file or --run REF (one of them)", field="report")
    results = load_results(args.results) if args.results else None
    path = Path(args.history) if args.history else default_history_path()
    if results is not None and not path.exists():
        return results, None
    if results is not None:  # the trend is a bonus: an unusable history must not stop a report
        try:
            with open_store(path) as store:
                return results, _trend(store, results, args.trend)
        except InputError as exc:
            print(f"netguard: no trend: {exc}", file=sys.stderr)
            return results, None
    with open_store(path) as store:
        if results is None:
            run_id = store.resolve(args.run)
            results = parse_results(store.document(run_id), f"history:{run_id}")
        return results, _trend(store, results, args.trend)


def _trend(store: Store, results: Results, runs: int) -> list[RunSummary]:
    """The last `runs` complete runs that started no later than the one reported."""
    earlier = [r for r in store.runs() if r.complete and r.started <= results.started]
    return list(reversed(earlier[:runs]))


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


def _waivers_check(path: str) -> int:
    w = _load_waivers(path)
    print(f"{path}: OK — {len(w.entries)} waivers")
    return ExitStatus.OK


def _history(args: argparse.Namespace) -> int:
    from netguard.history import open_store

    with open_store(args.history) as store:
        if args.history_command == "import":
            from netguard.results import load_results  # validates before anything is stored

            load_results(args.file)
            run_id = store.record(json.loads(Path(args.file).read_text(encoding="utf-8-sig")))
            print(f"{args.file}: recorded as run {run_id}")
            return ExitStatus.OK
        runs = store.runs(limit=args.limit)
    if args.format == "json":
        print(json.dumps([_run_json(r) for r in runs], ensure_ascii=False, indent=2))
        return ExitStatus.OK
    table = Table(title_justify="left", box=None)
    for col in _HISTORY_COLUMNS:
        table.add_column(col, justify="right" if col in _NUMERIC else "left")
    for r in runs:
        row = _run_row(r)
        table.add_row(*(str(row[c]) for c in _HISTORY_COLUMNS))
    Console(width=160).print(table)
    return ExitStatus.OK


_NUMERIC = ("hosts", "audited", "coverage", "compliant", "failing", "unknown", "waived")
_HISTORY_COLUMNS = ("run", "started", "state", *_NUMERIC, "policy")


def _run_json(r: RunSummary) -> dict[str, Any]:
    return {
        "id": r.id,
        "started": r.started.isoformat(),
        "finished": r.finished.isoformat() if r.finished else None,
        "complete": r.complete,
        "inventory": {"path": r.inventory_path, "sha256": r.inventory_sha256},
        "policy": {"name": r.policy_name, "sha256": r.policy_sha256},
        **{k: getattr(r, k) for k in _NUMERIC if k != "coverage"},
        "coverage": round(r.coverage, 4),
        "compliance": round(r.compliance, 4),
    }


def _run_row(r: RunSummary) -> dict[str, Any]:
    return {
        "run": r.id[:12],
        "started": r.started.astimezone().strftime("%Y-%m-%d %H:%M"),
        "state": "complete" if r.complete else "INCOMPLETE",
        "hosts": r.hosts,
        "audited": r.audited,
        "coverage": f"{r.coverage:.0%}",
        "compliant": r.compliant,
        "failing": r.failing,
        "unknown": r.unknown,
        "waived": r.waived,
        "policy": r.policy_name,
    }


def _diff(args: argparse.Namespace) -> int:
    from netguard.history import diff_documents, diff_exit_status, open_store, render_diff_text

    with open_store(args.history) as store:
        b = store.resolve(args.run_b or "latest")
        if args.run_a:
            a = store.resolve(args.run_a)
        else:
            older = [r for r in store.runs() if r.complete and r.started < _started(store, b)]
            if not older:
                raise InputError("the history has no complete run before that one", field="diff")
            a = older[0].id
        diff = diff_documents(store.document(a), store.document(b))
    if args.format == "json":
        print(json.dumps(diff.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        sys.stdout.write(render_diff_text(diff))
    return diff_exit_status(diff)


def _started(store: Store, run_id: str) -> datetime:
    return next(r.started for r in store.runs() if r.id == run_id)


def _schedule(args: argparse.Namespace) -> int:
    from netguard import schedule

    if args.inventory:  # a schedule that cannot run is never installed
        from netguard.inventory import load_inventory

        load_inventory(args.inventory)
    _load_policy(args.policy)
    if args.waivers:
        _load_waivers(args.waivers)
    spec = schedule.build_schedule_command(
        args.inventory,
        policy=args.policy,
        at=args.at,
        report_format=args.report,
        report_dir=args.report_dir,
        lang=args.lang,
        history=args.history,
        waivers=args.waivers,
        notify=args.notify,
        syslog=args.syslog,
        user=args.user,
        name=args.name,
    )
    dirs = {"unit_dir": Path(args.unit_dir), "cron_dir": Path(args.cron_dir)}
    if not args.install:
        for path, text in schedule.planned_files(spec, args.kind, **dirs).items():
            print(f"# {path}\n{text}")
        return ExitStatus.OK
    for path in schedule.install(spec, args.kind, force=args.force, **dirs):
        _announce("installed", path)
    if args.enable:
        schedule.activate(spec, args.kind)
    else:
        for argv in schedule.next_steps(spec, args.kind):
            print(shlex.join(argv))
    return ExitStatus.OK


def _inventory_check(path: str) -> int:
    from netguard.inventory import load_inventory

    inv = load_inventory(path)
    print(f"{path}: OK — {len(inv.segments)} segments, {len(inv.hosts)} hosts")
    return ExitStatus.OK


def _policy_check(path: str | None) -> int:
    policy = _load_policy(path)
    print(
        f"{policy.path}: OK — policy {policy.name!r}, {len(policy.checks)} checks, "
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

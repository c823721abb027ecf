"""What ``netguard audit`` writes once its hosts are done, from the results document it wrote
as they finished: the bundle's copy, the output asked for (-o / standard output), the report
and the checklists, and the alerts (hook, syslog, remote collector). Split from cli/audit.py,
which runs the audit."""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from netguard.cli.options import (
    announce,
    default_in,
    lang_of,
    say,
    syslog_target,
    terminal_lang,
)
from netguard.cli.runs import results_text
from netguard.results import scope_of

if TYPE_CHECKING:
    from netguard.cli.signing import Bundling
    from netguard.history import Store
    from netguard.i18n import Catalog
    from netguard.remotelog import Alerts, Target
    from netguard.results import HostRecord, Results, Run

#: Runs in the trend of a report written by ``netguard audit --report``.
TREND_RUNS = 12


@dataclass(frozen=True)
class Afterwards:
    """What an audit does with its results once the hosts are done, decided up front."""

    output: str | None  # -o FILE, else standard output
    fmt: str  # table | json
    quiet: bool
    notify: list[str] | None  # the hook's argv
    syslog: bool
    syslog_to: Target | None = None  # a remote collector for the alerts (--syslog-to)

    @property
    def alerts(self) -> bool:
        return bool(self.notify or self.syslog or self.syslog_to)


def afterwards(args: argparse.Namespace) -> Afterwards:
    from netguard.notify import hook_argv

    return Afterwards(
        args.output,
        args.format,
        args.quiet,
        hook_argv(args.notify),
        args.syslog,
        syslog_target(args),
    )


def write_outputs(
    args: argparse.Namespace,
    err: Console,
    run: Run,
    document: Path,
    after: Afterwards,
    history: Store | None,
    bundle: Bundling | None,
) -> None:
    """Everything an audit writes from its results document (written already, at
    ``document``): the bundle's copy, the output asked for, the report, the alerts."""
    from netguard.render.console import print_summary
    from netguard.render.files import write_atomic
    from netguard.report.model import DETAIL_ALL_MAX

    if bundle is not None:
        bundle.writer.add_run(run, document)
        bundle.seal(run)
        announce("bundle", bundle.writer.root)
    if after.fmt == "json" and after.output:
        if not after.quiet:
            print_summary(run, err, terminal_lang(args))
    elif after.fmt == "json":
        with document.open(encoding="utf-8") as fh:
            shutil.copyfileobj(fh, sys.stdout)
    else:
        exported = document.read_text(encoding="utf-8") if after.fmt != "table" else ""
        text = results_text(run, exported, after.fmt, terminal_lang(args))
        if after.output:
            write_atomic(after.output, text)
            if after.fmt != "table" and not after.quiet:
                print_summary(run, err, terminal_lang(args))
        else:
            sys.stdout.write(text)
    # The report, the checklists and the alerts each read the document back host by host and
    # keep what they show. A fleet too large for every host's detail in a report keeps no
    # evidence of passing findings: nothing shows it.
    large = len(run.results) > DETAIL_ALL_MAX
    _documents_after_audit(args, document, history, large)
    if after.alerts:
        _alert(alert_results(document), history, after, err, say(args))


def _alert(
    results: Results, history: Store | None, after: Afterwards, err: Console, t: Catalog
) -> None:
    """The audit's alerts, decided once for every channel: critical findings that were not
    failing in the previous complete run (the hook, the local syslog, the remote collector),
    and for the remote collector also the hosts that could not be audited and were audited in
    that run (or were not in it). A channel that fails is said on stderr; the results are
    written already and the exit status still says what the audit found."""
    from netguard.notify import critical_findings, notify_critical

    failing_before: set[tuple[str, str]] = set()
    unaudited_before: set[str] = set()
    scope = scope_of(results.inventory)
    previous = history.previous_complete(results.started, scope) if history is not None else None
    if history is not None and previous is not None:
        # the pairs and names alone: the previous run rebuilt whole would be ~35 KiB a host
        failing_before, unaudited_before = history.outcomes(previous.id)
    found = critical_findings(results, lambda host, check: (host, check) not in failing_before)
    if after.notify or after.syslog:
        outcome = notify_critical(
            found,
            command=after.notify,
            syslog=after.syslog,
            context={"run_id": results.run_id, "time": results.detected.isoformat()},
        )
        if outcome.error:
            err.print(t("terminal.notify_failed", raw=outcome.error), markup=False, highlight=False)
    if after.syslog_to is not None:
        from netguard.remotelog import Alerts

        alerts = Alerts(
            frozenset((f["host"]["name"], f["check"]) for f in found),
            frozenset(h.name for h in results.hosts if not h.audited) - unaudited_before,
        )
        _to_collector(results, after, alerts, t)


def _to_collector(results: Results, after: Afterwards, alerts: Alerts, t: Catalog) -> None:
    """The alerts to the remote collector; one that cannot be reached is one line on stderr."""
    from netguard import remotelog
    from netguard.render.text import clean

    target = after.syslog_to
    assert target is not None
    payloads = remotelog.messages(results, only=alerts)
    if not payloads:
        return
    try:
        sent = remotelog.send(target, payloads)
    except OSError as exc:  # ssl.SSLError too: unreachable, refused, certificate not trusted
        line = t("terminal.syslog_to_failed", url=str(target), raw=clean(str(exc), 300))
        print(line, file=sys.stderr, flush=True)
        return
    if not after.quiet:
        print(t("terminal.syslog_to_sent", count=sent, url=str(target)), file=sys.stderr)


def _documents_after_audit(
    args: argparse.Namespace, document: Path, history: Store | None, large: bool
) -> None:
    """The report and checklists an audit was asked for, rendered from its own results
    document: exactly what `netguard report` would make of the JSON (trend included). The
    report is built while the document is read, host by host (report.load_report)."""
    from netguard.cli.documents import write_checklists_for
    from netguard.notify import critical_findings  # one definition of "critical finding"
    from netguard.results import parse_results
    from netguard.results.stream import read_written, without_quiet_evidence

    when = args.checklists or ("critical" if args.report else "never")
    # the documents name the results file the audit wrote, or say it wrote none
    named = args.output if args.format == "json" and args.output else ""
    if args.report:
        from netguard.cli.options import document_zone
        from netguard.report import load_report, write_report

        report = load_report(document)
        run = report.results
        run.path = named
        lang = lang_of(args)
        path = write_report(
            report,
            args.report,
            lang,
            default_in(args.report_dir),
            tz=document_zone(args.tz, args.contacts, lang),
            trend=history.trend(run.started, TREND_RUNS, scope_of(run.inventory))
            if history
            else None,
        )
        del report, run  # the checklists read the document on their own
        announce("report", path)
    if when == "never":
        return
    folded = checklist_results(document, args.playbooks, quiet_evidence=not large)
    if folded is None:  # the playbooks do not load: the checklists say why, if any is due
        reduce = without_quiet_evidence if large else None
        results = parse_results(read_written(document, reduce), "<this audit>")
        critical = bool(critical_findings(results))
    else:
        results, critical = folded
    results.path = named
    if when == "always" or (when == "critical" and critical):
        for path in write_checklists_for(results, args, args.checklist_format, args.report_dir):
            announce("checklist", path)


def checklist_results(
    document: Path, playbooks_dir: str | None, *, quiet_evidence: bool = True
) -> tuple[Results, bool] | None:
    """The audit's results as its checklists read them, folded host by host while the document
    is read: only the hosts a playbook's trigger may fire on, each with only the findings a
    trigger may fire on — the same incidents as from the whole document (checklist.match_host
    looks at nothing else) in the memory of those hosts; and whether any finding is critical
    and failing (notify.critical_findings). None when the playbooks cannot be read.
    quiet_evidence=False: without the evidence of passing and not-applicable findings, as
    ``results.stream.without_quiet_evidence`` reads a large run's document back."""
    from types import SimpleNamespace

    from netguard.errors import InputError
    from netguard.model import FindingStatus
    from netguard.notify import critical_findings
    from netguard.playbooks import load_playbooks
    from netguard.results.read import fold_results
    from netguard.results.stream import QUIET

    try:
        playbooks = load_playbooks(playbooks_dir)
    except InputError:
        return None
    triggers = [t for pb in playbooks if not pb.manual for t in pb.triggers]
    kept: list[HostRecord] = []
    critical = [False]

    def add(host: HostRecord) -> None:
        if not critical[0] and critical_findings(SimpleNamespace(hosts=[host])):
            critical[0] = True
        findings = [
            f
            for f in host.findings
            if f.status != FindingStatus.WAIVED
            and any(t.matches_finding(f.check, f.category, f.status) for t in triggers)
        ]
        if findings or any(host.status in t.host_status for t in triggers):
            if not quiet_evidence:
                findings = [replace(f, evidence={}) if f.status in QUIET else f for f in findings]
            host.findings = findings
            kept.append(host)

    def start() -> Callable[[HostRecord], None]:
        kept.clear()  # read again from the start
        critical[0] = False
        return add

    results = fold_results(document, start)
    results.hosts = kept
    return results, critical[0]


def alert_results(document: Path) -> Results:
    """The audit's results as its alerts read them, folded host by host while the document is
    read: the hosts not audited and those with a critical failing finding
    (notify.critical_findings), each with only those findings — the same alerts on every
    channel as from the whole document, in the memory of those hosts."""
    from types import SimpleNamespace

    from netguard.notify import critical_findings
    from netguard.results.read import fold_results

    kept: list[HostRecord] = []

    def add(host: HostRecord) -> None:
        critical = {f["check"] for f in critical_findings(SimpleNamespace(hosts=[host]))}
        if critical or not host.audited:
            host.findings = [f for f in host.findings if f.status == "fail" and f.check in critical]
            kept.append(host)

    def start() -> Callable[[HostRecord], None]:
        kept.clear()  # read again from the start
        return add

    results = fold_results(document, start)
    results.hosts = kept
    return results

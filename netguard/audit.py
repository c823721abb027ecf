"""Run an audit: collect each host once, evaluate the policy, and hand back results as they come.

Facts are dropped as soon as a host is evaluated, so memory stays flat over thousands of hosts.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from netguard import __version__
from netguard.checks.base import say
from netguard.collect import Collection, Collector
from netguard.collect.local import collect_local
from netguard.collect.parse_linux import parse_linux
from netguard.engine.evaluate import evaluate
from netguard.errors import CollectionError, ExitStatus, InputError
from netguard.i18n import catalog
from netguard.model import (
    Finding,
    FindingStatus,
    Host,
    HostResult,
    HostStatus,
    Inventory,
    Severity,
)
from netguard.policy import Policy
from netguard.waivers import Waivers, apply_waivers, waivers_block


@dataclass
class AuditOptions:
    workers: int = 32
    accept_new_hostkeys: bool = False


#: Called with every host's collection as it arrives (from worker threads): the evidence bundle
#: keeps the raw output there, so memory stays flat however many hosts an audit has.
CollectionSink = Callable[[Host, Collection], None]


class LiveCollector:
    """The hosts themselves: SSH, or the local transport for this machine. paramiko is imported
    only when an SSH host is met, so `inspect` runs where no SSH library is installed."""

    def __init__(self, options: AuditOptions) -> None:
        self.options = options
        self._ssh: Collector | None = None
        self._lock = threading.Lock()  # one SSH collector: one known_hosts cache and writer

    def collect(self, host: Host) -> Collection:
        if host.transport == "local":
            return collect_local(host)
        with self._lock:
            if self._ssh is None:
                from netguard.collect.ssh import SshCollector

                self._ssh = SshCollector(accept_new=self.options.accept_new_hostkeys)
            ssh = self._ssh
        return ssh.collect(host)


@dataclass
class Run:
    """One audit: what was audited with what, and every host's result."""

    inventory: Inventory
    policy: Policy
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished: datetime | None = None
    results: list[HostResult] = field(default_factory=list)
    waivers: Waivers | None = None
    #: the day waivers are judged on: decided once, so a run across midnight treats every host
    #: alike (the auditing machine's local date: expiry dates are office dates, not UTC ones)
    today: date = field(default_factory=date.today)


def preflight(inventory: Inventory, options: AuditOptions) -> None:
    """Refuse inputs that would make every host fail the same way, before contacting any."""
    ssh_hosts = [h.name for h in inventory.hosts if h.transport == "ssh"]
    if ssh_hosts:
        try:
            import netguard.collect.ssh  # noqa: F401  (paramiko; absent from the single-file build)
        except ImportError as exc:
            shown = ", ".join(ssh_hosts[:3]) + (", …" if len(ssh_hosts) > 3 else "")
            raise InputError(
                f"{len(ssh_hosts)} host(s) are audited over SSH ({shown}), which needs the full "
                f"install of netguard (pip install netguard; here: {exc}); this build can only "
                "check the machine it runs on: netguard inspect",
                file=inventory.path,
            ) from None
    for i, host in enumerate(inventory.hosts):
        if host.transport != "ssh":
            continue
        ident = host.ssh.identity_file
        if ident is not None and not os.path.isfile(os.path.expanduser(ident)):
            raise InputError(
                f"identity file {ident} does not exist",
                file=inventory.path,
                field=f"hosts[{i}].ssh.identity_file ({host.name})",
            )
        kh = os.path.expanduser(host.ssh.known_hosts)
        if not options.accept_new_hostkeys and not os.path.isfile(kh):
            raise InputError(
                f"known_hosts file {host.ssh.known_hosts} does not exist; create it (ssh-keyscan, "
                "checking the fingerprints) or pass --accept-new-hostkeys",
                file=inventory.path,
                field=f"hosts[{i}].ssh.known_hosts ({host.name})",
            )


def audit_host(
    host: Host,
    inventory: Inventory,
    policy: Policy,
    collector: Collector,
    waivers: Waivers | None = None,
    today: date | None = None,
    sink: CollectionSink | None = None,
) -> HostResult:
    """One host's result, with failing findings that an active waiver covers WAIVED."""
    result = _audit_host(host, inventory, policy, collector, sink)
    return apply_waivers(result, waivers, today or date.today()) if waivers else result


def _audit_host(
    host: Host,
    inventory: Inventory,
    policy: Policy,
    collector: Collector,
    sink: CollectionSink | None = None,
) -> HostResult:
    start = time.monotonic()
    segment = inventory.segment_of(host)
    if host.os != "linux":
        return HostResult(
            host,
            segment,
            HostStatus.ERROR,
            f"no collector for os {host.os!r} yet: host not audited",
        )
    coll = collector.collect(host)
    if sink is not None:
        sink(host, coll)
    findings: tuple[Finding, ...] = ()
    status, detail = coll.status, coll.detail
    if status is HostStatus.HOSTKEY_MISMATCH:
        findings = (hostkey_finding(host, coll),)
    elif status is HostStatus.AUDITED:
        try:
            facts = parse_linux(coll.stdout, now=coll.collected_at)
        except CollectionError as exc:
            status, detail = HostStatus.ERROR, f"unusable collection output: {exc}"
        else:
            findings = evaluate(facts, host, inventory.segments, policy)
    return HostResult(host, segment, status, detail, findings, time.monotonic() - start)


def hostkey_finding(host: Host, coll: Collection) -> Finding:
    en = catalog("en")
    offered = coll.evidence.get("offered_fingerprint")
    known_types = sorted(coll.evidence.get("known_keys", {}))
    said = (
        say(
            "ssh.hostkey.changed",
            host=host.name,
            offered_type=coll.evidence.get("offered_type", ""),
            offered_fingerprint=offered,
        )
        if offered
        else say("ssh.hostkey.no_known_type", host=host.name, known_types=known_types)
    )
    return Finding(
        check="ssh.hostkey",
        category="transport",
        status=FindingStatus.FAIL,
        severity=Severity.CRITICAL,
        title=en("checks.ssh.hostkey.title"),
        message=said.english,
        reason=said.reason,
        args=said.args,
        remediation=en("checks.ssh.hostkey.remediation"),
        evidence=coll.evidence,
    )


def run_audit(
    inventory: Inventory,
    policy: Policy,
    options: AuditOptions,
    on_result: Callable[[HostResult], Any] | None = None,
    on_start: Callable[[Run], Any] | None = None,
    waivers: Waivers | None = None,
    today: date | None = None,
    collector: Collector | None = None,
    sink: CollectionSink | None = None,
) -> Run:
    """Audit every host; ``waivers`` (load_waivers, validated before this call) are judged on
    ``today`` (default: the local date when the run starts). ``collector`` defaults to the hosts
    themselves; a replay passes the recorded collections instead."""
    run = Run(inventory, policy, waivers=waivers)
    if today is not None:
        run.today = today
    if on_start:  # e.g. the history records the run as begun (and, until it ends, incomplete)
        on_start(run)
    results = iter_results(
        inventory, policy, options, waivers=waivers, today=run.today, collector=collector, sink=sink
    )
    for result in results:
        run.results.append(result)
        if on_result:
            on_result(result)
    order = {h.name: i for i, h in enumerate(inventory.hosts)}
    run.results.sort(key=lambda r: order[r.host.name])
    run.finished = datetime.now(UTC)
    return run


def iter_results(
    inventory: Inventory,
    policy: Policy,
    options: AuditOptions,
    *,
    waivers: Waivers | None = None,
    today: date | None = None,
    collector: Collector | None = None,
    sink: CollectionSink | None = None,
) -> Iterator[HostResult]:
    day = today or date.today()
    source = collector or LiveCollector(options)
    hosts = iter(inventory.hosts)
    # Submit lazily, a bounded number in flight: 12,000 futures up front would be wasted memory.
    with ThreadPoolExecutor(max_workers=max(1, options.workers)) as pool:
        pending: set[Future[HostResult]] = set()
        while True:
            while len(pending) < options.workers * 2:
                host = next(hosts, None)
                if host is None:
                    break
                pending.add(
                    pool.submit(_safe_audit, host, inventory, policy, source, waivers, day, sink)
                )
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield fut.result()


def _safe_audit(
    host: Host,
    inventory: Inventory,
    policy: Policy,
    collector: Collector,
    waivers: Waivers | None,
    today: date,
    sink: CollectionSink | None,
) -> HostResult:
    try:
        return audit_host(host, inventory, policy, collector, waivers, today, sink)
    except Exception as exc:  # one host's surprise must not end the audit, nor read as compliant
        return HostResult(
            host,
            inventory.segment_of(host),
            HostStatus.ERROR,
            f"internal error: {type(exc).__name__}: {exc}",
        )


def summarize(results: list[HostResult]) -> dict[str, Any]:
    """The document's summary (rules: summarize_statuses)."""
    return summarize_statuses((str(r.status), [str(f.status) for f in r.findings]) for r in results)


def summarize_statuses(hosts: Iterable[tuple[str, Sequence[str]]]) -> dict[str, Any]:
    """The summary from each host's status and its findings' statuses — the one place the
    counting rules live (the history counts stored documents with it too). Unknown: not
    audited, or a check could not decide. Failing: a check failed. A waived finding is not
    failing: a host whose only non-passing findings are waived is compliant (and counted in
    ``waived_hosts``). Statuses this version does not know are counted, not dropped."""
    by_status: dict[str, int] = {str(s): 0 for s in HostStatus}
    checks: dict[str, int] = {str(s): 0 for s in FindingStatus}
    total = audited = unknown = failing = compliant = waived_hosts = 0
    for status, statuses in hosts:
        total += 1
        by_status[status] = by_status.get(status, 0) + 1
        for f in statuses:
            checks[f] = checks.get(f, 0) + 1
        is_unknown = status != HostStatus.AUDITED or FindingStatus.ERROR in statuses
        is_failing = FindingStatus.FAIL in statuses
        audited += status == HostStatus.AUDITED
        unknown += is_unknown
        failing += is_failing
        compliant += not is_unknown and not is_failing
        waived_hosts += FindingStatus.WAIVED in statuses
    return {
        "hosts": total,
        "audited": audited,
        "unknown": unknown,
        "failing": failing,
        "compliant": compliant,
        "waived_hosts": waived_hosts,
        "coverage": round(audited / total, 4) if total else 1.0,
        "host_status": by_status,
        "finding_status": checks,
    }


def run_document(run: Run) -> dict[str, Any]:
    """The JSON results document (schema: docs/results-schema.md)."""
    doc: dict[str, Any] = {
        "schema": "netguard.results/1",
        "netguard_version": __version__,
        "run": run_block(run),
        "summary": summarize(run.results),
        "hosts": [r.to_dict() for r in run.results],
    }
    if run.waivers is not None:  # absent without a waivers file: older readers see no change
        doc["waivers"] = waivers_block(run.results, run.waivers, run.today)
    return doc


def run_block(run: Run) -> dict[str, Any]:
    """The document's ``run``: what was audited with what, and when."""
    return {
        "id": run.id,
        "started": run.started.isoformat(),
        "finished": run.finished.isoformat() if run.finished else None,
        "inventory": {"path": run.inventory.path, "sha256": run.inventory.sha256},
        "policy": {
            "name": run.policy.name,
            "path": run.policy.path,
            "sha256": run.policy.sha256,
        },
    }


def exit_status_of(results: list[HostResult]) -> int:
    # HostResult.failed counts FAIL only: a WAIVED finding is an approved exception, not a
    # failure; an ERROR finding is never waived, so undecided checks still give UNKNOWN.
    if any(r.failed for r in results):
        return ExitStatus.FINDINGS
    if any(r.unknown for r in results):
        return ExitStatus.UNKNOWN
    return ExitStatus.OK

"""Run an audit: collect each host once, evaluate the policy, and hand back results as they come.

Facts are dropped as soon as a host is evaluated, so memory stays flat over thousands of hosts.

Hosts are worked on in engine/pool.py's pool: by default (``--workers auto``) it holds more hosts
at once while the collector's CPU is idle — hosts waiting out a connect or banner time-out use
none — and fewer when it is saturated, so dead and hanging hosts cost about one time-out of wall
time, not the sum of theirs; ``--workers N`` keeps exactly N hosts at work.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import IO, Any

from netguard.checks.base import Verdict
from netguard.checks.hostkey import hostkey_finding
from netguard.checks.isolation import reachability as reachability_check
from netguard.checks.isolation import unsent_on_windows
from netguard.checks.media import LOOKBACK
from netguard.checks.media import cross_network as cross_network_check
from netguard.checks.media import history as media_history_check
from netguard.checks.network import NetworkFindings, network_results
from netguard.collect import Collection, Collector
from netguard.collect.framing import sent_boundary
from netguard.collect.local import collect_local
from netguard.collect.parse_linux import parse_linux
from netguard.collect.parse_windows import parse_windows
from netguard.collect.probe import ProbeRequest
from netguard.collect.wanted import Wanted, from_products
from netguard.engine.evaluate import evaluate, finding
from netguard.engine.pool import AUTO, PoolLimits, run_pool
from netguard.engine.resolve import Resolver, Unresolved, resolve_hosts
from netguard.errors import CollectionError, InputError
from netguard.fleet import MediaSummary, cross_network, summarize
from netguard.i18n import english_detail
from netguard.model import Finding, Host, HostResult, HostStatus, Inventory, Sweep, Zone
from netguard.model.watched import WatchList
from netguard.policy import CheckConfig, Policy
from netguard.probe import token as probe_token
from netguard.results import Run
from netguard.sca.watch import watch_list
from netguard.waivers import Waivers, apply_waivers

#: the check a probe's arrivals decide
PROBE_CHECK = reachability_check.id


@dataclass(frozen=True)
class AuditOptions:
    #: hosts in flight: None adapts to the collector's CPU (``--workers auto``, engine/pool.py);
    #: a number holds exactly that many (``--workers N``)
    workers: int | None = None
    accept_new_hostkeys: bool = False
    #: the SSH identities, loaded (passphrases asked) by the command line before the audit
    #: starts — ``collect.ssh.Identities``; None: each file is loaded when a host first needs it
    identities: Any = field(default=None, repr=False, compare=False)
    #: the rule files (their ``RuleFile.path``) whose ``c:`` commands may run on the hosts
    #: (``--allow-policy-commands``); the other files' commands are never sent
    commands_allowed_for: frozenset[str] = frozenset()
    #: ask Linux hosts for their complete package, program and service lists (``audit
    #: --full-inventory``; spot-check and inspect always do) instead of the catalog's names
    full_inventory: bool = False


#: The collection's evidence key for the probe token the host was asked to send.
PROBE_EVIDENCE = "probe_token"

#: The collection's evidence key saying a probe the plan meant for this host was not sent, and
#: why (``windows``: not implemented there); kept in a bundle, so a replay judges it the same.
PROBE_UNSENT = "probe_not_sent"

#: The collection's evidence key for the rule files (paths) whose commands this run allowed,
#: kept with every collection a watch list was sent with (the output itself says of every
#: command whether it was allowed to run; this names the files, for whoever reads a bundle).
WATCH_ALLOWED = "policy_commands_allowed_for"

#: Operating systems a collector exists for: their script and their parser.
PARSERS = {"linux": parse_linux, "windows": parse_windows}

#: Zones whose hosts send the 违规外联 probe unless the policy's isolation.reachability says others
PROBE_ZONES: frozenset[Zone] = frozenset({Zone.INTRANET, Zone.CLASSIFIED})


@dataclass(frozen=True)
class ProbePlan:
    """The 违规外联 probe of an audit: where to (IP literals and ports, checked by
    collect/probe.py), under which key, from hosts of which zones."""

    targets: tuple[tuple[str, int], ...]
    key: bytes = field(repr=False)
    zones: frozenset[Zone] = PROBE_ZONES


@dataclass(frozen=True)
class RunContext:
    """What every host's work needs to know of its run, decided once when the run starts."""

    today: date
    run_id: str = ""
    #: the run's start (epoch s): the start of every probe token's window
    started: int = 0
    #: every host's removable-media summary, for the fleet step (None: no fleet check)
    media: list[MediaSummary] | None = None
    #: hosts whose DNS name did not resolve when the run started (host name → why)
    unresolved: dict[str, Unresolved] = field(default_factory=dict)
    #: what every Linux host's script reads for the policy's rule files (job_watch_list);
    #: None or empty: nothing is sent, the stdin is the script's alone
    watch: WatchList | None = None


#: Called with every host's collection as it arrives (from worker threads): the evidence bundle
#: keeps the raw output there, so memory stays flat however many hosts an audit has.
CollectionSink = Callable[[Host, Collection], None]


@dataclass(frozen=True)
class AuditJob:
    """Everything one audit needs, decided (and validated) before any host is contacted."""

    inventory: Inventory
    policy: Policy
    options: AuditOptions = field(default_factory=AuditOptions)
    #: approved exceptions (load_waivers), judged on ``today``: default the local date when
    #: the run starts; a replay passes the recorded day
    waivers: Waivers | None = None
    today: date | None = None
    #: where outputs come from: default the hosts themselves; a replay passes the recorded ones
    collector: Collector | None = None
    sink: CollectionSink | None = None
    #: a replay's source, recorded in the document (``run.replay_of``)
    replay_of: dict[str, Any] | None = None
    #: the SSH client configuration the inventory's settings were completed from
    #: (``audit --ssh-config``): path and SHA-256, recorded as ``run.ssh_config``
    ssh_config: dict[str, str] | None = None
    #: a network sweep made before the audit (``audit --discover``) and its findings: those
    #: on an audited host join its result; the rest become entries of their own
    sweep: Sweep | None = None
    network: NetworkFindings | None = None
    #: the 违规外联 probe (``--probe``): None sends none
    probe: ProbePlan | None = None
    #: internet machines of earlier runs with the storage devices they had (from the history:
    #: fleet.earlier_sightings), matched by media.cross_network beside this run's
    earlier_media: tuple[MediaSummary, ...] = ()
    #: a receiver's arrivals file, read once every host is done (``--arrivals``): genuine
    #: arrivals fail isolation.reachability before the results are reported (needs ``probe``)
    arrivals: str | None = None
    #: how hosts named by a DNS name are looked up when the run starts (None: the system
    #: resolver, engine/resolve.py); a replay passes the addresses its bundle recorded
    resolver: Resolver | None = None
    #: names looked up before the run (``audit --discover`` resolves before its sweep, and
    #: gives the job the resolved inventory): host name → why it did not resolve
    unresolved: dict[str, Unresolved] = field(default_factory=dict)
    #: ``--limit``: the patterns the inventory's hosts were chosen by (inventory/limit.py),
    #: recorded in the run block; the inventory given is already limited
    limit: tuple[str, ...] = ()


class LiveCollector:
    """The hosts themselves: SSH, or the local transport for this machine. paramiko is imported
    only when an SSH host is met, so `inspect` runs where no SSH library is installed."""

    def __init__(self, options: AuditOptions, wanted: Wanted | None = None) -> None:
        self.options = options
        self.wanted = wanted  # job_wanted: the same for every host of the run
        self._ssh: Collector | None = None
        self._lock = threading.Lock()  # one SSH collector: one known_hosts cache and writer

    def collect(
        self, host: Host, request: ProbeRequest | None = None, *, watch: WatchList | None = None
    ) -> Collection:
        if host.transport == "local":
            return collect_local(host, request, watch=watch, wanted=self.wanted)
        with self._lock:
            if self._ssh is None:
                from netguard.collect.ssh import SshCollector

                self._ssh = SshCollector(
                    accept_new=self.options.accept_new_hostkeys,
                    identities=self.options.identities,
                    wanted=self.wanted,
                )
            ssh = self._ssh
        return ssh.collect(host, request, watch=watch)


def job_watch_list(job: AuditJob) -> WatchList | None:
    """What the policy's rule files need read on every Linux host, derived once per run (None
    without rule files). InputError, naming the rule file, line and rule, for a path or
    command that may not be sent, or an allow for a file that is none of the rule files."""
    rule_files = job.policy.rule_files
    allowed = job.options.commands_allowed_for
    if not rule_files and not allowed:
        return None
    return watch_list(rule_files, allowed)


def job_wanted(job: AuditJob) -> Wanted | None:
    """The names Linux hosts' package, program and service lists are asked for: the policy's
    antivirus catalog, the only reader of those lists (collect/wanted.py); None (complete
    lists) with ``full_inventory``."""
    return None if job.options.full_inventory else from_products(job.policy.products)


def preflight(job: AuditJob) -> None:
    """Refuse inputs that would make every host fail the same way, before contacting any."""
    inventory, options = job.inventory, job.options
    job_watch_list(job)  # the rule files' paths and commands: refused here, not per host
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
                reason="identity_missing",
                args={"path": ident},
            )
        kh = os.path.expanduser(host.ssh.known_hosts)
        if not options.accept_new_hostkeys and not os.path.isfile(kh):
            raise InputError(
                f"known_hosts file {host.ssh.known_hosts} does not exist; create it (ssh-keyscan, "
                "checking the fingerprints) or pass --accept-new-hostkeys",
                file=inventory.path,
                field=f"hosts[{i}].ssh.known_hosts ({host.name})",
                reason="known_hosts_missing",
                args={"path": host.ssh.known_hosts},
            )


def audit_host(job: AuditJob, host: Host, collector: Collector, ctx: RunContext) -> HostResult:
    """One host's result, with failing findings that an active waiver covers WAIVED. The host
    also sends the job's probe while it is collected (probe_request); its removable-media
    summary goes to ``ctx.media`` for the fleet step; what the network sweep found about it is
    added whatever its status."""
    if host.address is None and host.hostname and host.name in ctx.unresolved:
        # never handed to a live transport; a replay's collector says what was recorded
        collector = collector if job.replay_of is not None else _NoAddress(ctx.unresolved)
    result = _audit_host(job, host, collector, probe_request(job, host, ctx), ctx.media, ctx.watch)
    network = job.network.for_host(host.name) if job.network is not None else ()
    if network:
        result = replace(result, findings=result.findings + network)
    return _waived(result, job.waivers, ctx.today)


class _NoAddress:
    """The collection of a host whose name did not resolve: nothing was contacted."""

    def __init__(self, why: dict[str, Unresolved]) -> None:
        self.why = why

    def collect(
        self, host: Host, request: ProbeRequest | None = None, *, watch: WatchList | None = None
    ) -> Collection:
        return self.why[host.name]


def _waived(result: HostResult, waivers: Waivers | None, today: date | None) -> HostResult:
    return apply_waivers(result, waivers, today or date.today()) if waivers else result


def _audit_host(
    job: AuditJob,
    host: Host,
    collector: Collector,
    request: ProbeRequest | None,
    media: list[MediaSummary] | None,
    watch: WatchList | None = None,
) -> HostResult:
    start = time.monotonic()
    inventory, policy = job.inventory, job.policy
    segment = inventory.segment_of(host)
    parser = PARSERS.get(host.os)
    if parser is None:
        return HostResult(
            host,
            segment,
            HostStatus.ERROR,
            english_detail("no_collector_os", os=host.os),
            detail_reason="no_collector_os",
            detail_args={"os": host.os},
        )
    if host.os == "windows" and host.transport != "ssh":
        # the local transport (and so `netguard inspect`) runs the Linux script only
        return HostResult(
            host,
            segment,
            HostStatus.ERROR,
            english_detail("windows_local"),
            detail_reason="windows_local",
        )
    # Without a request or a watch list, the one-argument call every collector has always
    # taken; a watch list goes to Linux hosts only (Windows: watched is "not read there").
    if watch and host.os != "windows":
        coll = collector.collect(host, request, watch=watch)
        if coll.status is HostStatus.AUDITED and job.replay_of is None:
            allowed = sorted(job.options.commands_allowed_for)
            coll = replace(coll, evidence={**coll.evidence, WATCH_ALLOWED: allowed})
    elif request is None:
        coll = collector.collect(host)
    else:
        coll = collector.collect(host, request)
    if request is not None and coll.status is HostStatus.AUDITED:
        # Kept with the collection (and in a bundle): a replay knows the probe was asked for.
        coll = replace(coll, evidence={**coll.evidence, PROBE_EVIDENCE: request.token})
    elif host.os == "windows" and coll.status is HostStatus.AUDITED and _probe_planned(job, host):
        # No probe is sent from Windows: recorded, so the finding says so now and in a replay.
        coll = replace(coll, evidence={**coll.evidence, PROBE_UNSENT: "windows"})
    if job.sink is not None:
        job.sink(host, coll)
    findings: tuple[Finding, ...] = ()
    status, detail = coll.status, coll.detail
    reason, args = coll.detail_reason, coll.detail_args
    if status is HostStatus.HOSTKEY_MISMATCH:
        findings = (hostkey_finding(host, coll.evidence),)
    elif status is HostStatus.AUDITED:
        try:
            boundary = sent_boundary(coll.evidence)  # the transport's (collect/framing.py)
            facts = parser(coll.stdout, now=coll.collected_at, boundary=boundary)
        except CollectionError as exc:
            status, detail = HostStatus.ERROR, english_detail("unusable_output", raw=str(exc))
            reason, args = "unusable_output", {"raw": str(exc)}
        else:
            token = coll.evidence.get(PROBE_EVIDENCE)
            probe = token if isinstance(token, str) else None
            findings = evaluate(facts, host, inventory.segments, policy, probe)
            if coll.evidence.get(PROBE_UNSENT) == "windows":
                findings = _probe_unsent(findings, policy, segment.zone)
            if media is not None:  # list.append is atomic: worker threads share the list
                media.append(summarize(facts, host.name, segment.zone, _lookback(policy)))
    return HostResult(
        host, segment, status, detail, findings, time.monotonic() - start, reason, args
    )


def _probe_unsent(findings: tuple[Finding, ...], policy: Policy, zone: Zone) -> tuple[Finding, ...]:
    """isolation.reachability undecidable where the run's probe was meant for a Windows host:
    the office asked for the test and it was not made (never a pass, nor "not requested")."""
    cfg = _check(policy, PROBE_CHECK)
    if cfg is None or zone not in cfg.zones:
        return findings
    new = finding(cfg, unsent_on_windows())
    return tuple(new if f.check == PROBE_CHECK else f for f in findings)


def run_audit(
    job: AuditJob,
    on_result: Callable[[HostResult], Any] | None = None,
    on_start: Callable[[Run], Any] | None = None,
    keep: Callable[[HostResult], HostResult] | None = None,
) -> Run:
    """Audit every host of the job; ``on_start`` hears of the run before the first host (the
    history records it as begun), ``on_result`` of every host as it is done (its full result).
    ``run.results`` holds ``keep(result)`` of each (default: the full result): an audit that
    writes every result as it comes keeps only what its summary needs (results.slim), so
    memory stays flat however many hosts it has."""
    watch = job_watch_list(job)  # before the run begins: a refused rule is the input's fault
    run = Run(
        job.inventory,
        job.policy,
        waivers=job.waivers,
        replay_of=job.replay_of,
        sweep=job.sweep,
        limit=job.limit,
        ssh_config=job.ssh_config,
    )
    if job.today is not None:
        run.today = job.today
    if on_start:
        on_start(run)
    fleet = _fleet_check(job.policy)
    media: list[MediaSummary] | None = [] if fleet is not None else None
    held = _Held()  # results a step after all hosts may change: reported after it
    ctx = RunContext(run.today, run.id, int(run.started.timestamp()), media, watch=watch)
    probed = job.probe.zones if job.probe is not None and job.arrivals else frozenset()
    for result in iter_results(job, ctx):
        if result.findings and (
            (fleet is not None and result.segment.zone in fleet.zones)
            or result.segment.zone in probed
        ):
            held.add(result)
            continue
        run.results.append(keep(result) if keep else result)
        if on_result:
            on_result(result)
    verdicts: dict[str, tuple[CheckConfig, Verdict]] = {}
    if fleet is not None and media is not None:
        found = cross_network(media, job.inventory.exchange_media, fleet.zones, job.earlier_media)
        verdicts.update({host: (fleet, v) for host, v in found.items()})
    arrivals = _arrivals(job, run) if probed else {}
    for result in held.drain():
        changes = [verdicts[result.host.name]] if result.host.name in verdicts else []
        if result.host.name in arrivals and (cfg := _check(job.policy, PROBE_CHECK)):
            changes.append((cfg, _arrived(result, arrivals[result.host.name])))
        if changes:
            result = _with(result, [finding(cfg, v) for cfg, v in changes])
            if job.waivers:
                result = apply_waivers(result, job.waivers, run.today)
        run.results.append(keep(result) if keep else result)
        if on_result:
            on_result(result)
    order = {h.name: i for i, h in enumerate(job.inventory.hosts)}
    run.results.sort(key=lambda r: order[r.host.name])
    if job.network is not None:  # devices and unregistered machines the sweep found, after them
        audited = frozenset(order)
        for extra in network_results(job.inventory, job.network, audited):
            result = _waived(extra, job.waivers, run.today)
            run.results.append(keep(result) if keep else result)
            if on_result:
                on_result(result)
    run.finished = datetime.now(UTC)
    return run


class _Held:
    """Results held back until every host is done, kept in a temporary file meanwhile: a
    fleet check holds every host of its zones, and thousands of results with their evidence
    would otherwise stay in memory. Pickled by this process into a file only it can open
    (unlinked at creation), read back once, in the order they came."""

    def __init__(self) -> None:
        self._file: IO[bytes] | None = None
        self._count = 0

    def add(self, result: HostResult) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix=".netguard-held-")  # noqa: SIM115
        pickle.dump(result, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self._count += 1

    def drain(self) -> Iterator[HostResult]:
        if self._file is None:
            return
        with self._file:
            self._file.seek(0)
            for _ in range(self._count):
                yield pickle.load(self._file)  # written above, by this run
        self._file, self._count = None, 0


def _with(result: HostResult, new: list[Finding]) -> HostResult:
    """The result with each new finding in place of its check's finding (added if absent)."""
    by_check = {f.check: f for f in new}
    kept = tuple(by_check.pop(f.check, f) for f in result.findings)
    return dataclasses.replace(result, findings=kept + tuple(by_check.values()))


def _check(policy: Policy, check_id: str) -> CheckConfig | None:
    return next((c for c in policy.checks if c.spec.id == check_id), None)


def _arrivals(job: AuditJob, run: Run) -> dict[str, list[dict[str, Any]]]:
    """The receiver's file, read now that every host is done: each host's genuine arrivals;
    the rest are kept on the run (the document's ``probe`` block), never counted."""
    from netguard.engine.correlate import arrival_row, probe_block
    from netguard.probe.arrivals import read_lines, sort_arrivals

    assert job.probe is not None and job.arrivals is not None
    hosts = frozenset(h.name for h in job.inventory.hosts)
    found = sort_arrivals(read_lines(job.arrivals), job.probe.key, run_id=run.id, hosts=hosts)
    run.probe = probe_block(found, job.arrivals)
    return {host: [arrival_row(a) for a in rows] for host, rows in found.arrivals.items()}


def _arrived(result: HostResult, rows: list[dict[str, Any]]) -> Verdict:
    """isolation.reachability failing on the arrivals, keeping what the host itself reported."""
    from netguard.checks.isolation import arrived

    old = next((f for f in result.findings if f.check == PROBE_CHECK), None)
    return arrived(rows, old.evidence if old is not None else {})


#: the check the fleet step decides once every host is done (netguard.fleet)
FLEET_CHECK = cross_network_check.id


def _fleet_check(policy: Policy) -> CheckConfig | None:
    return _check(policy, FLEET_CHECK)


def _lookback(policy: Policy) -> int:
    """How far back a host's USB history must reach: media.history's setting, else its default."""
    cfg = _check(policy, media_history_check.id)
    return int(cfg.params[LOOKBACK.name]) if cfg is not None else int(LOOKBACK.default)


def iter_results(job: AuditJob, ctx: RunContext) -> Iterator[HostResult]:
    """Every host's result, in the order they finish."""
    inventory, options = job.inventory, job.options
    source = job.collector or LiveCollector(options, job_wanted(job))
    # names first, once, before any host is contacted: the address found is the one contacted
    resolved, unresolved = resolve_hosts(
        inventory.hosts, inventory.segments, job.resolver, known=job.unresolved
    )
    ctx.unresolved.update(job.unresolved)
    ctx.unresolved.update(unresolved)
    limits = AUTO if options.workers is None else PoolLimits.fixed(options.workers)
    # hosts are taken from the list only as slots free up: memory stays flat (engine/pool.py)
    yield from run_pool(resolved, lambda host: _safe_audit(job, host, source, ctx), limits)


def probe_request(job: AuditJob, host: Host, ctx: RunContext) -> ProbeRequest | None:
    """The probe this host sends: one token bound to the run, the host's name and the run's
    start, built here from those alone; none outside the plan's zones, without a plan, or for
    a Windows host (the probe is not implemented there)."""
    if host.os == "windows" or not _probe_planned(job, host):
        return None  # no probe from Windows: see PROBE_UNSENT
    plan = job.probe
    assert plan is not None
    token = probe_token.make(plan.key, ctx.run_id, host.name, ctx.started)
    return ProbeRequest(str(token), plan.targets)


def _probe_planned(job: AuditJob, host: Host) -> bool:
    """Whether the run's probe plan covers this host's zone."""
    plan = job.probe
    return plan is not None and job.inventory.segments[host.segment].zone in plan.zones


def _safe_audit(job: AuditJob, host: Host, collector: Collector, ctx: RunContext) -> HostResult:
    try:
        return audit_host(job, host, collector, ctx)
    except Exception as exc:  # one host's surprise must not end the audit, nor read as compliant
        args = {"error": type(exc).__name__, "raw": str(exc)}
        return HostResult(
            host,
            job.inventory.segment_of(host),
            HostStatus.ERROR,
            english_detail("internal_error", **args),
            detail_reason="internal_error",
            detail_args=args,
        )

"""``netguard audit``: audit an inventory (or replay a bundle), write the results, the history,
the documents and the alerts it was asked for."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from rich.console import Console

from netguard.cli.audit_outputs import Afterwards, afterwards, write_outputs
from netguard.cli.network import check_discover_args, run_sweep, sweep_options
from netguard.cli.options import (
    REPORT_FORMATS,
    allow_commands_option,
    checklist_options,
    commands_allowed_for,
    history_option,
    inventory_from,
    limit_option,
    limited,
    load_policy,
    load_waivers,
    map_option,
    policy_check_ids,
    say,
    syslog_to_options,
    terminal_lang,
    usage_error,
    workers_option,
)
from netguard.cli.probe import probe_options, probe_plan
from netguard.cli.runs import results_path, run_with_progress
from netguard.cli.signing import Bundling, bundle_writer, open_replay, signing_options
from netguard.cli.sshsetup import load_identities, ssh_config_option, with_ssh_config
from netguard.export import FORMATS as EXPORT_FORMATS
from netguard.results import inventory_block, scope_of

if TYPE_CHECKING:
    from netguard.engine import AuditJob
    from netguard.fleet import MediaSummary
    from netguard.history import Store
    from netguard.i18n import Catalog


def add_parsers(sub: Any) -> None:
    a = sub.add_parser("audit", help="audit the hosts of an inventory against a policy pack")
    a.add_argument(
        "inventory",
        nargs="?",
        help="inventory YAML, or a source to import (ansible:FILE, .ini, .csv, .xlsx; with "
        "--map); without it, audit this machine (local transport)",
    )
    map_option(a)
    a.add_argument("-p", "--policy", help="policy pack YAML (default: the packaged baseline)")
    a.add_argument(
        "--format",
        choices=("table", "json", *EXPORT_FORMATS),
        default="table",
        help="what to write to -o FILE or standard output (default: table; jsonl, junit, sarif, "
        "prometheus: as `netguard export` writes them, docs/exports.md)",
    )
    a.add_argument("-o", "--output", metavar="FILE", help="write there instead of stdout")
    workers_option(a)
    a.add_argument(
        "--accept-new-hostkeys",
        action="store_true",
        help="record host keys not yet in known_hosts (a changed key is never accepted)",
    )
    limit_option(
        a, "recorded in the results, counted alone in the report, not recorded in the history"
    )
    allow_commands_option(a)
    a.add_argument(
        "--full-inventory",
        action="store_true",
        help="ask Linux hosts for every installed package, program and service (default: only "
        "the names of the policy's antivirus catalog, which is all the checks read; the full "
        "lists cost each host ~35 KiB and more CPU)",
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
    checklist_options(a, fmt_flag="--checklist-format")
    a.add_argument(
        "--waivers", metavar="FILE", help="approved exceptions (policies/waivers/example.yaml)"
    )
    history_option(a)
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
    syslog_to_options(a)
    a.add_argument(
        "--bundle",
        metavar="DIR",
        help="also write an evidence bundle into DIR (a new folder): raw outputs, results, "
        "inputs and a manifest of SHA-256 digests, signed with --key",
    )
    ssh_config_option(a)
    signing_options(a)
    probe_options(a)
    a.add_argument(
        "--replay",
        metavar="BUNDLE",
        help="re-evaluate the collections recorded in an evidence bundle (with -p: a newer "
        "policy) without contacting any host; not recorded in the history",
    )
    a.add_argument(
        "--discover",
        action="store_true",
        help="before the hosts, sweep the segments this machine is on (as netguard discover): "
        "unregistered devices, changed MACs and bridges join the results",
    )
    sweep_options(a, prefix="discover-")
    a.add_argument(
        "--trusted-key",
        action="append",
        metavar="PUB",
        help="with --replay: the bundle must be signed by one of these keys (repeatable)",
    )


def run(args: argparse.Namespace, err: Console) -> int:
    from netguard.engine import AuditJob, AuditOptions, preflight
    from netguard.inventory import local_inventory

    if args.map and not args.inventory:
        raise usage_error("map_needs_inventory", field="--map")
    if args.discover:
        check_discover_args(args)
    if args.replay:
        return _replay(args, err)
    # Everything the user gave is validated before any host is contacted.
    policy = load_policy(args.policy)
    inventory = inventory_from(args.inventory, args) if args.inventory else local_inventory()
    inventory, ssh_config = with_ssh_config(
        limited(inventory, args.limit), args.ssh_config, err, say(args), args.quiet
    )
    job = AuditJob(
        inventory=inventory,
        limit=tuple(args.limit or ()),
        policy=policy,
        options=AuditOptions(
            workers=args.workers,
            accept_new_hostkeys=args.accept_new_hostkeys,
            commands_allowed_for=commands_allowed_for(args, policy),
            full_inventory=args.full_inventory,
        ),
        waivers=load_waivers(args.waivers, policy) if args.waivers else None,
        probe=probe_plan(args, policy),
        arrivals=args.arrivals,
        ssh_config=ssh_config,
    )
    preflight(job)
    identities = load_identities(job.inventory)  # passphrases asked before any host
    if identities is not None:
        job = replace(job, options=replace(job.options, identities=identities))
    after = afterwards(args)  # a command that cannot be split is bad input, found up front
    if args.discover:  # before any host: a refused raw socket is bad input, nothing written
        from netguard.engine.resolve import resolve_inventory

        # names first, once: the sweep matches them by the address found, the audit reuses it
        resolved, unresolved = resolve_inventory(job.inventory)
        done, found = run_sweep(
            resolved, args.discover_segment, args.discover_rate, args.discover_timeout
        )
        job = replace(job, inventory=resolved, unresolved=unresolved, sweep=done, network=found)
    bundle = bundle_writer(args, "audit")
    if bundle is not None:
        job = replace(job, sink=bundle.writer.collect_sink)
    history = None if args.no_history else _open_history(args.history, say(args))
    if history is not None:
        job = replace(job, earlier_media=_earlier_media(history, job))
    try:
        # a limited run is read against the history (alerts, earlier media), never recorded
        # in it: the next run's diff and every trend would read the other hosts as gone
        record = history if not job.limit else None
        return _run_and_write(args, err, job, after, history, bundle, record)
    finally:
        if history is not None:
            history.close()


def _replay(args: argparse.Namespace, err: Console) -> int:
    """Re-evaluate a bundle's recorded collections: same hosts, same clock, maybe a new policy."""
    from netguard.engine import AuditJob, AuditOptions
    from netguard.engine.resolve import Resolver, recorded_lookup
    from netguard.inventory import load_inventory

    if args.inventory or args.bundle:
        field = "INVENTORY" if args.inventory else "--bundle"
        raise usage_error("replay_takes_bundle", field=field)
    if args.notify or args.syslog or args.syslog_to:  # old findings re-judged are not news
        flag = "--notify" if args.notify else "--syslog" if args.syslog else "--syslog-to"
        raise usage_error("replay_no_alerts", field=flag)
    if args.probe or args.probe_key or args.arrivals:  # a replay contacts no host: no probe
        flag = "--probe" if args.probe else "--probe-key" if args.probe_key else "--arrivals"
        raise usage_error("replay_no_probe", field=flag)
    if args.allow_policy_commands:
        raise usage_error("replay_no_commands", field="--allow-policy-commands")
    bundle = open_replay(args.replay, args.trusted_key, err, terminal_lang(args))
    inventory = load_inventory(bundle.inventory)
    recorded = {h["name"] for h in bundle.results.get("hosts", []) if isinstance(h, dict)}
    inventory = replace(inventory, hosts=tuple(h for h in inventory.hosts if h.name in recorded))
    policy = (
        load_policy(args.policy)
        if args.policy
        else load_policy(str(bundle.policy), bundle.rule_paths)
    )
    job = AuditJob(
        inventory=limited(inventory, args.limit),
        limit=tuple(args.limit or ()),
        policy=policy,
        options=AuditOptions(workers=args.workers),
        waivers=load_waivers(args.waivers, policy)
        if args.waivers
        else bundle.load_waivers(policy_check_ids(policy)),
        today=_recorded_day(bundle.run.get("today")),
        collector=bundle.collector(),
        replay_of={"bundle": str(bundle.root), "run": bundle.run.get("id")},
        # names as the recorded run resolved them: a replay asks no resolver
        resolver=Resolver(lookup=recorded_lookup(bundle.results.get("hosts", []))),
    )
    return _run_and_write(args, err, job, afterwards(args), None, None)


def _recorded_day(text: Any) -> date | None:
    try:
        return date.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


def _run_and_write(
    args: argparse.Namespace,
    err: Console,
    job: AuditJob,
    after: Afterwards,
    history: Store | None,
    bundle: Bundling | None,
    record: Store | None = None,
) -> int:
    """Run the job and write what was asked; ``record``: the history the run is recorded in
    (None: not recorded — a replay, a limited run, --no-history); ``history`` is read."""
    from netguard.history import RunRecorder
    from netguard.render.files import write_atomic
    from netguard.results import exit_status_of
    from netguard.results.stream import ResultsStream

    # Every host's entry is written as it finishes; the run keeps slim results, and the
    # document is read back from its file by whatever needs it whole (report, alerts).
    recorder = RunRecorder(record)
    with results_path(after.output if after.fmt == "json" else None) as document:
        with ResultsStream() as stream:
            try:
                run = run_with_progress(
                    err, after.quiet, job, recorder, lang=terminal_lang(args), stream=stream
                )
                recorder.finish(run)
            finally:
                recorder.close()  # interrupted: the run stays in the history, marked incomplete
            write_atomic(document, lambda out: stream.write(run, out))
        if recorder.lost is not None:  # the database went away: the audit goes on without it
            _not_recorded(recorder.lost, say(args))
            history = None
        write_outputs(args, err, run, document, after, history, bundle)
    return exit_status_of(run.results)


def _earlier_media(history: Store, job: AuditJob) -> tuple[MediaSummary, ...]:
    """The internet machines of the previous complete run and the sticks they had, for
    media.cross_network (a machine this run did not reach still tells what was plugged in)."""
    from datetime import UTC, datetime

    from netguard.engine.runner import FLEET_CHECK
    from netguard.fleet import earlier_sightings
    from netguard.fleet.media import SIGHTINGS

    if not any(c.spec.id == FLEET_CHECK for c in job.policy.checks):
        return ()
    previous = history.previous_complete(
        datetime.now(UTC), scope_of(inventory_block(job.inventory))
    )
    if previous is None:
        return ()
    # only the internet machines' media findings: the whole run would be ~35 KiB a host
    return tuple(earlier_sightings(history.excerpt(previous.id, *SIGHTINGS)))


def _open_history(path: str | None, t: Catalog) -> Store | None:
    """The history, or None when its database cannot be reached: the audit runs all the same,
    says it is not recorded, and its exit status still says what it found (docs/history.md)."""
    from netguard.history import HistoryUnavailable, open_store

    try:
        return open_store(path)
    except HistoryUnavailable as exc:
        _not_recorded(exc, t)
        return None


def _not_recorded(exc: Exception, t: Catalog) -> None:
    said = t("terminal.history.not_recorded", raw=str(exc), command="netguard history import")
    print(said, file=sys.stderr)  # one line, unwrapped: the URL and the reason stay whole

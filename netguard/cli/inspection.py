"""The inspectors' verbs: ``spot-check``, ``inspect``, ``verify`` and ``keygen``."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from dataclasses import replace
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from rich.console import Console

from netguard.cli.options import (
    LANGS,
    allow_commands_option,
    announce,
    commands_allowed_for,
    deprecated_alias,
    document_zone,
    format_option,
    inventory_from,
    limit_option,
    limited,
    load_policy,
    map_option,
    say,
    terminal_lang,
    usage_error,
    workers_option,
)
from netguard.cli.runs import results_text, run_with_progress
from netguard.cli.signing import (
    PASSPHRASE_ENV,
    Bundling,
    load_signing_key,
    trusted_keys,
)
from netguard.cli.sshsetup import load_identities, ssh_config_option, with_ssh_config
from netguard.errors import ExitStatus
from netguard.model import Zone

if TYPE_CHECKING:
    from netguard.engine import AuditJob
    from netguard.evidence.bundle import BundleWriter
    from netguard.evidence.keys import SigningKey
    from netguard.model import Inventory
    from netguard.spotcheck.sample import Sample


def add_parsers(sub: Any) -> None:
    sc = sub.add_parser(
        "spot-check",
        help="draw a reproducible random sample of an inventory, audit it, and write the "
        "inspection record and the signed evidence bundle",
    )
    sc.add_argument("inventory", help="the office's inventory YAML, or a source to import")
    map_option(sc)
    sc.add_argument("--sample", required=True, metavar="N|P%", help="how many hosts: 12 or 5%%")
    sc.add_argument(
        "--by", choices=("department", "segment", "zone"), help="draw from each of these strata"
    )
    sc.add_argument(
        "--min-per-stratum",
        type=int,
        default=1,
        metavar="K",
        help="with --by: at least K hosts from every stratum (default 1)",
    )
    sc.add_argument("--seed", help="the seed (default: a fresh random one, printed and recorded)")
    limit_option(
        sc,
        "the sample is drawn from these hosts alone, and the record and sample.json say so "
        "(the same seed, inventory and limit draw the same sample)",
    )
    sc.add_argument(
        "--plan", action="store_true", help="only print the sample; contact no host, write nothing"
    )
    workers_option(sc)
    sc.add_argument(
        "--accept-new-hostkeys",
        action="store_true",
        help="record host keys not yet in known_hosts (a changed key is never accepted)",
    )
    ssh_config_option(sc)
    _inspection_options(sc)

    ins = sub.add_parser(
        "inspect",
        help="check the machine this runs on (no SSH, no network) and write the inspection "
        "record and the signed evidence bundle",
    )
    ins.add_argument(
        "--zone",
        choices=[str(z) for z in Zone],
        default=str(Zone.INTRANET),
        help="the zone this machine belongs to (default: intranet)",
    )
    ins.add_argument("--inventory", metavar="FILE", help="the office's inventory, with --host")
    map_option(ins)
    ins.add_argument(
        "--host", metavar="NAME", help="this machine's name in --inventory: its registered segment"
    )
    _inspection_options(ins)

    v = sub.add_parser("verify", help="check an evidence bundle's signature and every file")
    v.add_argument("bundle", help="the bundle folder")
    v.add_argument(
        "--trusted-key",
        action="append",
        dest="key",
        metavar="PUB",
        help="a trusted public key file (KEY.pub or allowed_signers lines); repeatable "
        "(the old spelling --key still works this release)",
    )
    deprecated_alias(v, "--key", "--trusted-key", append=True, metavar="PUB")
    format_option(
        v,
        "what to print: a table or JSON (default: table; the old --format text still works)",
        renamed={"text": "table"},
    )

    k = sub.add_parser("keygen", help="make an inspector's Ed25519 signing key")
    k.add_argument("file", help="the private key file to create (FILE.pub is written beside it)")
    k.add_argument("--name", help="the name the key carries (default: your login name)")
    k.add_argument(
        "--no-passphrase",
        action="store_true",
        help=f"leave the key unencrypted (default: ask a passphrase, or ${PASSPHRASE_ENV})",
    )


def _inspection_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("-p", "--policy", help="policy pack YAML (default: the packaged baseline)")
    allow_commands_option(p)
    p.add_argument(
        "-o",
        "--output-dir",
        dest="output",
        metavar="DIR",
        help="the folder to create: the evidence bundle with the inspection record (default: "
        "a new folder here; the old spelling --output still works this release)",
    )
    deprecated_alias(p, "--output", "--output-dir", metavar="DIR")
    p.add_argument(
        "--key", metavar="KEY", help="the inspector's Ed25519 private key (netguard keygen)"
    )
    p.add_argument(
        "--unsigned",
        action="store_true",
        help="write the bundle without a signature (the record says UNSIGNED)",
    )
    p.add_argument("--inspector", help="the inspector's name (default: the key's name)")
    p.add_argument("--organization", default="", help="the inspecting body, e.g. 县保密局")
    p.add_argument("--unit", default="", help="the inspected unit, e.g. 县财政局")
    p.add_argument(
        "--lang", choices=LANGS, action="append", help="record language(s) (default: zh and en)"
    )
    p.add_argument("--pdf", action="store_true", help="also print the record as PDF (Chromium)")
    p.add_argument("--tz", metavar="ZONE", help="time zone of the record (default: as for reports)")
    format_option(p, "what to print on standard output: a table or JSON (default: table)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


# -- spot-check and inspect ----------------------------------------------------------------------


def spot_check(args: argparse.Namespace, err: Console) -> int:
    from netguard.engine import AuditJob, AuditOptions, preflight
    from netguard.spotcheck.plan import plan_text
    from netguard.spotcheck.sample import draw, new_seed, parse_size

    inventory = inventory_from(args.inventory, args)
    limited(inventory, args.limit)  # a limit that matches nothing: exit 2, nothing drawn
    inventory, ssh_config = with_ssh_config(inventory, args.ssh_config, err, say(args), args.plan)
    size = parse_size(args.sample)
    if args.by is None and args.min_per_stratum != 1:
        raise usage_error("strata_needed", field="--min-per-stratum")
    seed = args.seed or new_seed()
    sample = draw(
        inventory,
        size,
        by=args.by,
        seed=seed,
        min_per_stratum=args.min_per_stratum,
        limit=args.limit or (),
    )
    if args.plan:
        sys.stdout.write(plan_text(sample, args.inventory, args.format, say(args)))
        return ExitStatus.OK
    sys.stderr.write(plan_text(sample, args.inventory, t=say(args)))
    sys.stderr.flush()
    policy = load_policy(args.policy)
    job = AuditJob(
        inventory=sample.inventory(),
        policy=policy,
        options=AuditOptions(
            workers=args.workers,
            accept_new_hostkeys=args.accept_new_hostkeys,
            commands_allowed_for=commands_allowed_for(args, policy),
            full_inventory=True,  # an inspector's record: every package and program
        ),
        ssh_config=ssh_config,
    )
    preflight(job)
    identities = load_identities(job.inventory)  # passphrases asked before any host
    if identities is not None:
        job = replace(job, options=replace(job.options, identities=identities))
    return _conduct(args, err, job, "spot-check", sample)


def inspect(args: argparse.Namespace, err: Console) -> int:
    from netguard.engine import AuditJob, AuditOptions, preflight
    from netguard.inventory import local_inventory

    if bool(args.inventory) != bool(args.host):
        raise usage_error("inventory_with_host", field="--host")
    if args.inventory:
        inventory = _registered_machine(args.inventory, args.host, args)
    else:
        inventory = local_inventory(Zone(args.zone))
    policy = load_policy(args.policy)
    allowed = commands_allowed_for(args, policy)
    options = AuditOptions(workers=1, commands_allowed_for=allowed, full_inventory=True)
    job = AuditJob(inventory, policy, options)
    preflight(job)  # a rule's path or command that may not be sent: refused before reading
    return _conduct(args, err, job, "inspect", None)


def _registered_machine(path: str, name: str, args: argparse.Namespace) -> Inventory:
    """This machine as the office registered it (segment, department, owner), checked locally."""
    inventory = inventory_from(path, args)
    found = [h for h in inventory.hosts if h.name == name]
    if not found:
        raise usage_error("no_such_host", file=path, field="--host", name=name)
    host = replace(found[0], transport="local")
    return replace(
        inventory,
        hosts=(host,),
        segments={host.segment: inventory.segments[host.segment]},
    )


def _conduct(
    args: argparse.Namespace, err: Console, job: AuditJob, kind: str, sample: Sample | None
) -> int:
    """Audit, then write the bundle: results, inputs, raw outputs, the record, the signature.
    Everything the inspector gave is checked before the first host is contacted."""
    from netguard.evidence.bundle import BundleWriter
    from netguard.render.pdf import find_chromium
    from netguard.results import dumps, exit_status_of, run_document

    if args.key and args.unsigned:
        raise usage_error("unsigned_and_key", field="--unsigned")
    if not args.key and not args.unsigned:
        raise usage_error("record_needs_key", field="--key")
    key = load_signing_key(args.key) if args.key else None
    inspector = args.inspector or (key.public.comment if key else "") or getpass.getuser()
    langs = tuple(dict.fromkeys(args.lang or LANGS))
    # the zone of every document (no contacts file here: the packaged one's, Asia/Shanghai)
    tz = document_zone(args.tz, None, langs[0])
    if args.pdf:
        find_chromium()  # exit 4 now, not after the audit
    writer = BundleWriter(args.output or _default_folder(kind, job.inventory), kind)

    run = run_with_progress(
        err,
        args.quiet,
        replace(job, sink=writer.collect_sink),
        label=kind,
        lang=terminal_lang(args),
    )
    doc = run_document(run)
    results_json = dumps(doc)
    writer.add_run(run, results_json)
    extra: dict[str, Any] = {
        "inspector": inspector,
        "organization": args.organization,
        "inspected_unit": args.unit,
    }
    if sample is not None:
        writer.add_json("sample.json", sample.to_dict())
        extra["sample"] = {"seed": sample.seed, "algorithm": sample.algorithm}
        if sample.limit:
            extra["sample"]["limit"] = list(sample.limit)
    _add_records(args, writer, doc, kind, inspector, sample, key, langs, tz)
    Bundling(writer, key, inspector).seal(run, extra)
    sys.stdout.write(results_text(run, results_json, args.format, terminal_lang(args)))
    announce("bundle", writer.root)
    return exit_status_of(run.results)


def _default_folder(kind: str, inventory: Inventory) -> str:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    who = inventory.hosts[0].name if kind == "inspect" and inventory.hosts else "sample"
    return f"{kind}-{who}-{stamp}"


def _add_records(
    args: argparse.Namespace,
    writer: BundleWriter,
    doc: dict[str, Any],
    kind: str,
    inspector: str,
    sample: Sample | None,
    key: SigningKey | None,
    langs: tuple[str, ...],
    tz: tzinfo | None,
) -> None:
    """The inspection record, in each language (and as PDF with --pdf), into the bundle."""
    from netguard.results import parse_results
    from netguard.spotcheck.plan import sampling_method
    from netguard.spotcheck.record import Signer, build_record, record_bytes

    record = build_record(
        parse_results(doc, "results.json"),
        kind=kind,
        inspector=inspector,
        organization=args.organization,
        inspected_unit=args.unit,
        method=sampling_method(sample) if sample else None,
        host_digests=writer.host_digests(),
        file_digests=[(e.path, e.sha256) for e in writer.entries()],
        signer=Signer(inspector, key.public.fingerprint(), key.public.openssh()) if key else None,
        bundle_name=writer.root.name,
    )
    formats = ("html", "pdf") if args.pdf else ("html",)
    for lang in langs:
        for fmt in formats:
            writer.add_bytes(f"record.{lang}.{fmt}", record_bytes(record, fmt, lang, tz))


# -- verify and keygen ---------------------------------------------------------------------------


def verify(args: argparse.Namespace, err: Console) -> int:
    import json

    from netguard.evidence.verify import verification_text, verify_bundle

    v = verify_bundle(args.bundle, trusted_keys(args.key))
    if args.format == "json":
        sys.stdout.write(json.dumps(v.to_dict(), ensure_ascii=False, indent=1) + "\n")
    else:
        sys.stdout.write(verification_text(v, say(args)))
    return int(v.exit_status)


def keygen(args: argparse.Namespace, err: Console) -> int:
    from netguard.evidence.keys import generate, save_private_key

    name = args.name or getpass.getuser()
    secret: str | None = None
    if not args.no_passphrase:
        secret = _new_passphrase()
        if not secret:
            raise usage_error("empty_passphrase", field="passphrase")
    key = generate(name)
    save_private_key(key, args.file, secret)
    print(f"key: {args.file}", file=sys.stderr)
    print(f"public key: {args.file}.pub", file=sys.stderr)
    print(key.public.fingerprint())
    return ExitStatus.OK


def _new_passphrase() -> str:
    """$NETGUARD_KEY_PASSPHRASE, else asked twice on the terminal."""
    env = os.environ.get(PASSPHRASE_ENV)
    if env is not None:
        return env
    if not sys.stdin.isatty():
        raise usage_error("no_terminal_passphrase", field="--no-passphrase", env=PASSPHRASE_ENV)
    first = getpass.getpass("passphrase for the new key: ")
    if getpass.getpass("again: ") != first:
        raise usage_error("passphrases_differ", field="passphrase")
    return first

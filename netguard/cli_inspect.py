"""Command line for inspectors: spot-check, inspect, verify and keygen, and the signing options
that `audit --bundle` shares with them.

Exceptions are not turned into exit codes here; they travel to cli.main like everywhere else.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from netguard.errors import ExitStatus, InputError
from netguard.model import Zone

if TYPE_CHECKING:
    from netguard.audit import AuditOptions, Run
    from netguard.evidence.bundle import BundleWriter
    from netguard.evidence.keys import PublicKey, SigningKey
    from netguard.evidence.reader import Bundle
    from netguard.evidence.verify import Verification
    from netguard.model import Inventory
    from netguard.policy import Policy
    from netguard.spotcheck.record import SamplingMethod
    from netguard.spotcheck.sample import Sample

#: The signing key's passphrase, for unattended use; otherwise it is asked on the terminal.
PASSPHRASE_ENV = "NETGUARD_KEY_PASSPHRASE"
RECORD_LANGS = ("zh", "en")


# -- signing -------------------------------------------------------------------------------------


def signing_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--key",
        metavar="KEY",
        help="sign the bundle's manifest with this Ed25519 private key (netguard keygen, or an "
        f"ssh-keygen -t ed25519 key); an encrypted key asks its passphrase (or ${PASSPHRASE_ENV})",
    )
    p.add_argument("--signer", metavar="NAME", help="the signer's name (default: the key comment)")


def _passphrase() -> str:
    env = os.environ.get(PASSPHRASE_ENV)
    if env is not None:
        return env
    if sys.stdin.isatty():
        return getpass.getpass("passphrase of the signing key: ")
    raise InputError(
        f"the signing key is encrypted: set {PASSPHRASE_ENV} or run in a terminal", field="--key"
    )


def load_signing_key(path: str) -> SigningKey:
    from netguard.evidence.keys import load_private_key

    return load_private_key(path, _passphrase)


@dataclass
class Bundling:
    """A bundle being written and who will sign it."""

    writer: BundleWriter
    key: SigningKey | None
    signer: str = ""

    def seal(self, run: Run, extra: dict[str, Any] | None = None) -> None:
        """Write the signed manifest (after the run's files: ``writer.add_run``)."""
        from netguard.evidence.bundle import manifest_run

        self.writer.seal(manifest_run(run), self.key, self.signer, extra)


def _trusted_keys(paths: list[str] | None) -> list[PublicKey]:
    from netguard.evidence.keys import load_public_keys

    keys: list[PublicKey] = []
    for path in paths or ():
        keys += load_public_keys(path)
    return keys


def open_replay(path: str, trusted: list[str] | None, err: Console) -> Bundle:
    """The bundle, verified; refused (InputError) when anything in it was altered."""
    from netguard.evidence.reader import open_bundle

    bundle = open_bundle(path, _trusted_keys(trusted))
    v = bundle.verification
    if v.trusted is False:
        raise InputError(
            "the bundle is not signed by any of the --trusted-key keys", file=str(bundle.root)
        )
    if v.signature != "valid":
        _note(err, "the bundle is not signed: its files match its manifest, nothing more")
    elif v.trusted is None:
        _note(err, f"signed by {v.signer_name or 'an unnamed signer'} "
                   f"({v.signer.fingerprint() if v.signer else '?'}), a key nobody vouched for "
                   "here (--trusted-key)")  # fmt: skip
    return bundle


def _note(err: Console, text: str) -> None:
    err.print(f"netguard: {text}", markup=False, highlight=False, soft_wrap=True)


# -- parsers -------------------------------------------------------------------------------------


def add_inspection_parsers(sub: Any) -> None:
    from netguard.cli import LANGS, _positive_int

    sc = sub.add_parser(
        "spot-check",
        help="draw a reproducible random sample of an inventory, audit it, and write the "
        "inspection record and the signed evidence bundle",
    )
    sc.add_argument("inventory", help="the office's inventory YAML")
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
    sc.add_argument(
        "--plan", action="store_true", help="only print the sample; contact no host, write nothing"
    )
    sc.add_argument("--workers", type=_positive_int, default=32)
    sc.add_argument("--accept-new-hostkeys", action="store_true")
    _inspection_options(sc, LANGS)

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
    ins.add_argument(
        "--host", metavar="NAME", help="this machine's name in --inventory: its registered segment"
    )
    _inspection_options(ins, LANGS)

    v = sub.add_parser("verify", help="check an evidence bundle's signature and every file")
    v.add_argument("bundle", help="the bundle folder")
    v.add_argument(
        "--key",
        action="append",
        metavar="PUB",
        help="a trusted public key file (KEY.pub or allowed_signers lines); repeatable",
    )
    v.add_argument("--format", choices=("text", "json"), default="text")

    k = sub.add_parser("keygen", help="make an inspector's Ed25519 signing key")
    k.add_argument("file", help="the private key file to create (FILE.pub is written beside it)")
    k.add_argument("--name", help="the name the key carries (default: your login name)")
    k.add_argument(
        "--no-passphrase",
        action="store_true",
        help=f"leave the key unencrypted (default: ask a passphrase, or ${PASSPHRASE_ENV})",
    )


def _inspection_options(p: argparse.ArgumentParser, langs: tuple[str, ...]) -> None:
    p.add_argument("-p", "--policy", help="policy pack YAML (default: the packaged baseline)")
    p.add_argument("-o", "--output", metavar="DIR", help="the bundle folder to create")
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
        "--lang", choices=langs, action="append", help="record language(s) (default: zh and en)"
    )
    p.add_argument("--pdf", action="store_true", help="also print the record as PDF (Chromium)")
    p.add_argument("--tz", metavar="ZONE", help="time zone of the record (default: this machine's)")
    p.add_argument("--format", choices=("table", "json"), default="table", help="standard output")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def dispatch_inspection(args: argparse.Namespace, err: Console) -> int | None:
    if args.command == "spot-check":
        return _spot_check(args, err)
    if args.command == "inspect":
        return _inspect(args, err)
    if args.command == "verify":
        return _verify(args)
    if args.command == "keygen":
        return _keygen(args, err)
    return None


# -- spot-check and inspect ----------------------------------------------------------------------


def _spot_check(args: argparse.Namespace, err: Console) -> int:
    from netguard.audit import AuditOptions, preflight
    from netguard.cli import _load_policy
    from netguard.inventory import load_inventory
    from netguard.spotcheck.sample import draw, new_seed, parse_size

    inventory = load_inventory(args.inventory)
    size = parse_size(args.sample)
    if args.by is None and args.min_per_stratum != 1:
        raise InputError("a minimum per stratum needs strata (--by)", field="--min-per-stratum")
    seed = args.seed or new_seed()
    sample = draw(inventory, size, by=args.by, seed=seed, min_per_stratum=args.min_per_stratum)
    if args.plan:
        _print_plan(sample, args.inventory, sys.stdout, args.format)
        return int(ExitStatus.OK)
    _print_plan(sample, args.inventory, sys.stderr, "table")
    policy = _load_policy(args.policy)
    options = AuditOptions(workers=args.workers, accept_new_hostkeys=args.accept_new_hostkeys)
    sub = sample.inventory()
    preflight(sub, options)
    return _conduct(args, err, sub, policy, options, "spot-check", sample)


def _inspect(args: argparse.Namespace, err: Console) -> int:
    from netguard.audit import AuditOptions
    from netguard.cli import _load_policy
    from netguard.inventory import local_inventory

    if bool(args.inventory) != bool(args.host):
        raise InputError("--inventory and --host go together", field="--host")
    if args.inventory:
        inventory = _registered_machine(args.inventory, args.host)
    else:
        inventory = local_inventory(Zone(args.zone))
    policy = _load_policy(args.policy)
    return _conduct(args, err, inventory, policy, AuditOptions(workers=1), "inspect", None)


def _registered_machine(path: str, name: str) -> Inventory:
    """This machine as the office registered it (segment, department, owner), checked locally."""
    from netguard.inventory import load_inventory

    inventory = load_inventory(path)
    found = [h for h in inventory.hosts if h.name == name]
    if not found:
        raise InputError(f"no host named {name!r} in the inventory", file=path, field="--host")
    host = replace(found[0], transport="local")
    return replace(
        inventory,
        hosts=(host,),
        segments={host.segment: inventory.segments[host.segment]},
    )


def _conduct(
    args: argparse.Namespace,
    err: Console,
    inventory: Inventory,
    policy: Policy,
    options: AuditOptions,
    kind: str,
    sample: Sample | None,
) -> int:
    """Audit, then write the bundle: results, inputs, raw outputs, the record, the signature.
    Everything the inspector gave is checked before the first host is contacted."""
    from netguard.audit import exit_status_of, run_document
    from netguard.cli import _report_zone, results_text, run_with_progress
    from netguard.evidence.bundle import BundleWriter
    from netguard.render.json_doc import dumps
    from netguard.render.pdf import find_chromium

    if args.key and args.unsigned:
        raise InputError("--unsigned and --key contradict each other", field="--unsigned")
    if not args.key and not args.unsigned:
        raise InputError(
            "an inspection record is signed: give --key KEY (netguard keygen), or --unsigned",
            field="--key",
        )
    key = load_signing_key(args.key) if args.key else None
    inspector = args.inspector or (key.public.comment if key else "") or getpass.getuser()
    tz = _report_zone(args.tz)
    langs = tuple(dict.fromkeys(args.lang or RECORD_LANGS))
    if args.pdf:
        find_chromium()  # exit 4 now, not after the audit
    out = args.output or _default_folder(kind, inventory)
    writer = BundleWriter(out, kind)

    run = run_with_progress(
        err, args.quiet, inventory, policy, options, sink=writer.collect_sink, label=kind
    )
    doc = run_document(run)
    results_json = dumps(doc)
    writer.add_run(run, results_json)
    extra: dict[str, Any] = {"inspector": inspector, "organization": args.organization,
                             "inspected_unit": args.unit}  # fmt: skip
    if sample is not None:
        writer.add_json("sample.json", sample.to_dict())
        extra["sample"] = {"seed": sample.seed, "algorithm": sample.algorithm}
    _write_records(args, writer, doc, kind, inspector, sample, key, langs, tz)
    Bundling(writer, key, inspector).seal(run, extra)
    sys.stdout.write(results_text(run, results_json, args.format))
    print(f"bundle: {writer.root}", file=sys.stderr, flush=True)
    return exit_status_of(run.results)


def _default_folder(kind: str, inventory: Inventory) -> str:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    who = inventory.hosts[0].name if kind == "inspect" and inventory.hosts else "sample"
    return f"{kind}-{who}-{stamp}"


def _write_records(
    args: argparse.Namespace,
    writer: BundleWriter,
    doc: dict[str, Any],
    kind: str,
    inspector: str,
    sample: Sample | None,
    key: SigningKey | None,
    langs: tuple[str, ...],
    tz: Any,
) -> None:
    import tempfile

    from netguard.render.pdf import html_to_pdf
    from netguard.results import parse_results
    from netguard.spotcheck.record import Signer, build_record, render_record_html

    results = parse_results(doc, "results.json")
    record = build_record(
        results,
        kind=kind,
        inspector=inspector,
        organization=args.organization,
        inspected_unit=args.unit,
        method=_method(sample) if sample else None,
        host_digests=writer.host_digests(),
        file_digests=[(e.path, e.sha256) for e in writer.entries()],
        signer=Signer(inspector, key.public.fingerprint(), key.public.openssh()) if key else None,
        bundle_name=writer.root.name,
    )
    for lang in langs:
        html = render_record_html(record, lang, tz)
        writer.add_bytes(f"record.{lang}.html", html.encode("utf-8"))
        if args.pdf:
            with tempfile.TemporaryDirectory(prefix="netguard-record-") as tmp:
                pdf = Path(tmp, "record.pdf")
                html_to_pdf(html, pdf)
                writer.add_bytes(f"record.{lang}.pdf", pdf.read_bytes())


def _method(sample: Sample) -> SamplingMethod:
    from netguard.spotcheck.record import SamplingMethod, StratumRow

    return SamplingMethod(
        population=sample.population,
        requested=str(sample.requested),
        by=sample.by,
        seed=sample.seed,
        algorithm=sample.algorithm,
        min_per_stratum=sample.min_per_stratum,
        strata=tuple(StratumRow(s.name, s.population, len(s.hosts)) for s in sample.strata),
        grown=sample.grown,
    )


def _print_plan(sample: Sample, inventory_path: str, stream: Any, fmt: str) -> None:
    from netguard.render.text import clean
    from netguard.spotcheck.record import rederive_command

    if fmt == "json":
        stream.write(json.dumps(sample.to_dict(), ensure_ascii=False, indent=1) + "\n")
        return
    by = f", by {sample.by}" if sample.by else ""
    lines = [
        f"sample: {sample.size} of {sample.population} hosts{by}; seed {sample.seed!r}",
        f"algorithm: {sample.algorithm}",
    ]
    if sample.grown:
        lines.append(
            f"note: the minimum of {sample.min_per_stratum} per stratum makes the sample "
            f"{sample.size} hosts, more than the {sample.target} asked"
        )
    if sample.capped:
        lines.append("note: more hosts were asked than the inventory has: every host is drawn")
    for s in sample.strata:
        names = ", ".join(clean(n) for n in s.hosts) or "-"
        lines.append(f"  {clean(s.label)} ({len(s.hosts)} of {s.population}): {names}")
    lines.append("the same seed and inventory draw the same sample:")
    lines.append("  " + rederive_command(_method(sample), inventory_path))
    stream.write("\n".join(lines) + "\n")
    stream.flush()


# -- verify and keygen ---------------------------------------------------------------------------


def _verify(args: argparse.Namespace) -> int:
    from netguard.evidence.verify import verify_bundle

    v = verify_bundle(args.bundle, _trusted_keys(args.key))
    if args.format == "json":
        sys.stdout.write(json.dumps(v.to_dict(), ensure_ascii=False, indent=1) + "\n")
    else:
        sys.stdout.write(_verification_text(v))
    return int(v.exit_status)


def _verification_text(v: Verification) -> str:
    from netguard.render.text import clean

    run = v.manifest.get("run") if isinstance(v.manifest.get("run"), dict) else {}
    lines = [f"bundle: {clean(str(v.root))}"]
    if run:
        lines.append(
            f"run: {clean(str(run.get('id', '?')))} (started {clean(str(run.get('started', '?')))})"
        )
    if v.signature == "valid" and v.signer is not None:
        who = clean(v.signer_name) or "an unnamed signer"
        trust = {
            True: "trusted key",
            False: "NOT one of the trusted keys",
            None: "no trusted key given (--key): compare the fingerprint with the record",
        }
        lines.append(f"signature: valid, by {who}, {v.signer.fingerprint()} ({trust[v.trusted]})")
    elif v.signature == "invalid":
        lines.append(f"signature: INVALID — {clean(v.signature_problem)}")
    else:
        lines.append("signature: none (the bundle is unsigned)")
    lines.append(f"files checked: {v.checked}")
    for path, why in v.altered:
        lines.append(f"ALTERED  {clean(path)}: {clean(why)}")
    for path in v.missing:
        lines.append(f"MISSING  {clean(path)}")
    for path in v.added:
        lines.append(f"ADDED    {clean(path)}")
    verdict = {
        ExitStatus.OK: "verified: intact, signed by a trusted key",
        ExitStatus.FINDINGS: "FAILED: the bundle is not as it was signed",
        ExitStatus.UNKNOWN: "intact, but who wrote it is not established",
    }[v.exit_status]
    if v.exit_status is ExitStatus.FINDINGS and v.intact:
        verdict = "FAILED: signed by a key that is not trusted"
    lines.append(verdict)
    return "\n".join(lines) + "\n"


def _keygen(args: argparse.Namespace, err: Console) -> int:
    from netguard.evidence.keys import generate, save_private_key

    name = args.name or getpass.getuser()
    passphrase: str | None = None
    if not args.no_passphrase:
        passphrase = os.environ.get(PASSPHRASE_ENV)
        if passphrase is None:
            if not sys.stdin.isatty():
                raise InputError(
                    f"no terminal to ask a passphrase: set {PASSPHRASE_ENV} or give "
                    "--no-passphrase",
                    field="--no-passphrase",
                )
            passphrase = getpass.getpass("passphrase for the new key: ")
            if getpass.getpass("again: ") != passphrase:
                raise InputError("the two passphrases differ", field="passphrase")
        if not passphrase:
            raise InputError("empty passphrase: use --no-passphrase for that", field="passphrase")
    key = generate(name)
    save_private_key(key, args.file, passphrase)
    print(f"key: {args.file}", file=sys.stderr)
    print(f"public key: {args.file}.pub", file=sys.stderr)
    print(key.public.fingerprint())
    return int(ExitStatus.OK)

"""Command line. The only place where exceptions become exit codes (see errors.ExitStatus)."""

from __future__ import annotations

import argparse
import io
import logging
import sys
import traceback
from collections.abc import Sequence

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from netguard import __version__
from netguard.errors import ExitStatus, InputError, NetguardError


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
        err.print(f"netguard: error: {exc}", markup=False, highlight=False)
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
    raise InputError(f"unknown command {args.command!r}")


def _load_policy(path: str | None):  # type: ignore[no-untyped-def]
    from netguard.checks import CATALOG
    from netguard.policy import default_policy_path, load_policy

    return load_policy(path or default_policy_path(), CATALOG)


def _audit(args: argparse.Namespace, err: Console) -> int:
    from netguard.audit import AuditOptions, exit_status_of, preflight, run_audit, run_document
    from netguard.inventory import load_inventory, local_inventory
    from netguard.render.console import print_summary
    from netguard.render.json_doc import dumps, write_atomic

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
    return exit_status_of(run.results)


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

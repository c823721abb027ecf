"""The command line's root: the parser, the verbs' dispatch, and the one place where exceptions
become exit codes (errors.ExitStatus)."""

from __future__ import annotations

import argparse
import logging
import traceback
from collections.abc import Callable, Sequence

from rich.console import Console

from netguard import __version__
from netguard.cli import audit, documents, history, inputs, inspection, network, probe
from netguard.errors import ExitStatus, NetguardError

Handler = Callable[[argparse.Namespace, Console], int]

#: Each verb's handler (subcommands with actions — ``inventory check`` — dispatch on the verb).
HANDLERS: dict[str, Handler] = {
    "audit": audit.run,
    "report": documents.report,
    "checklist": documents.checklist,
    "inventory": inputs.inventory_check,
    "policy": inputs.policy_check,
    "checks": inputs.list_checks,
    "waivers": inputs.waivers_check,
    "schedule": inputs.schedule,
    "history": history.history,
    "diff": history.diff,
    "spot-check": inspection.spot_check,
    "inspect": inspection.inspect,
    "verify": inspection.verify,
    "keygen": inspection.keygen,
    "discover": network.discover,
    "receiver": probe.receiver,
    "probe-key": probe.probe_key,
    "correlate": probe.correlate,
}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="netguard",
        description="Audit office machines for antivirus, password rotation and physical "
        "isolation between intranet and internet.",
    )
    p.add_argument("--version", action="version", version=f"netguard {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks and SSH library logs")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    audit.add_parsers(sub)
    documents.add_parsers(sub)
    inputs.add_parsers(sub)
    history.add_parsers(sub)
    inspection.add_parsers(sub)
    network.add_parsers(sub)
    probe.add_parsers(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: usage errors are bad input (2), --help is 0
        return int(exc.code or 0)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING)
    # paramiko logs every refused handshake with a traceback; our statuses say it better.
    logging.getLogger("paramiko").setLevel(logging.DEBUG if args.debug else logging.CRITICAL)
    # A failed hook is printed once, by the audit, in our words (cli/audit.py).
    logging.getLogger("netguard.notify").setLevel(logging.DEBUG if args.debug else logging.ERROR)
    err = Console(stderr=True)
    try:
        return int(HANDLERS[args.command](args, err))
    except NetguardError as exc:
        err.print(f"netguard: error: {exc}", markup=False, highlight=False, soft_wrap=True)
        if args.debug:
            traceback.print_exc()
        return int(exc.exit_status)
    except KeyboardInterrupt:
        err.print("netguard: interrupted; no results written", markup=False)
        return int(ExitStatus.INTERRUPTED)

"""``netguard discover``: sweep the segments the auditor is on for unregistered devices, changed
MAC addresses and bridges between zones (入网登记, 违规内联); and the sweep ``audit --discover``
makes before its hosts."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from rich.console import Console

from netguard.cli.options import (
    inventory_from,
    load_policy,
    map_option,
    say,
    terminal_lang,
    usage_error,
)
from netguard.errors import ExitStatus

if TYPE_CHECKING:
    from netguard.checks.network import NetworkFindings
    from netguard.model import Inventory, Sweep


def add_parsers(sub: Any) -> None:
    d = sub.add_parser(
        "discover",
        help="sweep the intranet/classified segments this machine is on (ARP, IPv6 neighbor "
        "discovery) for unregistered devices, changed MACs and bridges between zones",
    )
    d.add_argument(
        "inventory", help="inventory YAML (hosts may record mac:), or a source to import"
    )
    map_option(d)
    sweep_options(d)
    d.add_argument("-p", "--policy", help="policy pack named in the results (default: baseline)")
    d.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="what to write to -o FILE or standard output (default: table)",
    )
    d.add_argument("-o", "--output", metavar="FILE", help="write there instead of stdout")


def sweep_options(p: argparse.ArgumentParser, prefix: str = "") -> None:
    """--segment, --rate, --timeout (``audit`` takes them as --discover-…)."""
    p.add_argument(
        f"--{prefix}segment",
        action="append",
        default=[],
        metavar="NAME",
        help="sweep only this segment (repeatable; default: every intranet and classified "
        "segment this machine has an address in)",
    )
    p.add_argument(
        f"--{prefix}rate",
        type=_positive_float,
        default=100.0,
        metavar="PPS",
        help="requests sent per second at most (default 100)",
    )
    p.add_argument(
        f"--{prefix}timeout",
        type=_positive_float,
        default=60.0,
        metavar="S",
        help="the whole sweep ends after this many seconds (default 60)",
    )


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number: {text!r}")
    return value


def run_sweep(
    inventory: Inventory, segments: list[str], rate: float, timeout: float
) -> tuple[Sweep, NetworkFindings]:
    """The sweep and its findings (raises RawSocketsNotPermitted, InputError). Give it an
    inventory with its names resolved (resolve_inventory): a registered machine known by a
    name is matched by the address it resolved to."""
    from netguard.checks.network import analyse
    from netguard.net import sweep

    done = sweep(inventory, segments, rate, timeout)
    return done, analyse(inventory, done)


def discover(args: argparse.Namespace, err: Console) -> int:
    from netguard.checks.network import network_results
    from netguard.cli.runs import results_text
    from netguard.engine.resolve import resolve_inventory
    from netguard.render.files import write_atomic
    from netguard.results import Run, dumps, exit_status_of, run_document

    inventory, _ = resolve_inventory(inventory_from(args.inventory, args))
    policy = load_policy(args.policy)
    run = Run(inventory, policy)
    done, found = run_sweep(inventory, args.segment, args.rate, args.timeout)
    run.sweep = done
    run.results = network_results(inventory, found)
    run.finished = datetime.now(UTC)
    for name, why in done.skipped.items():
        err.print(
            say(args)("terminal.discover.not_swept", segment=name, raw=why),
            markup=False,
            highlight=False,
        )
    doc = dumps(run_document(run)) if args.format == "json" else ""
    text = results_text(run, doc, args.format, terminal_lang(args))
    if args.output:
        write_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    if not done.swept:
        err.print(
            say(args)("terminal.discover.none_swept"),
            markup=False,
            highlight=False,
        )
        return ExitStatus.UNKNOWN
    return exit_status_of(run.results)


def check_discover_args(args: argparse.Namespace) -> None:
    """``audit --discover`` needs an inventory (the local default registers no segment)."""
    if not args.inventory:
        raise usage_error("discover_needs_segments", field="--discover")
    if args.replay:
        raise usage_error("replay_no_sweep", field="--discover")

"""The 违规外联 probe's verbs: ``receiver`` (run on the internet side) and ``probe-key``."""

from __future__ import annotations

import argparse
import ipaddress
import sys
from typing import TYPE_CHECKING, Any

from rich.console import Console

from netguard.cli.options import deprecated_alias, positive_int, say, usage_error
from netguard.errors import ExitStatus
from netguard.probe import receiver as rc
from netguard.probe import token as tk

if TYPE_CHECKING:
    from netguard.engine.runner import ProbePlan
    from netguard.policy import Policy


def add_parsers(sub: Any) -> None:
    r = sub.add_parser(
        "receiver",
        help="log probes arriving on the internet side (违规外联 proof), until SIGINT/SIGTERM",
    )
    r.add_argument(
        "--listen",
        required=True,
        metavar="ADDR:PORT[,…]",
        help="IP addresses and ports to listen on, TCP and UDP each (e.g. 0.0.0.0:80,0.0.0.0:53)",
    )
    r.add_argument(
        "--probe-key",
        dest="key",
        metavar="KEYFILE",
        help="the probe key (netguard probe-key): marks each token's MAC ok or bad (the old "
        "spelling --key still works this release)",
    )
    deprecated_alias(r, "--key", "--probe-key", metavar="KEYFILE")
    r.add_argument(
        "-o",
        "--output",
        dest="out",
        metavar="FILE",
        help="the arrivals file (JSON Lines), appended to; required (the old spelling --out "
        "still works this release)",
    )
    deprecated_alias(r, "--out", "--output", metavar="FILE")
    r.add_argument(
        "--max-bytes", type=positive_int, default=rc.MAX_BYTES, help="largest message kept"
    )
    r.add_argument(
        "--rate",
        type=positive_int,
        default=rc.RATE,
        help=f"arrivals kept per source address per {rc.RATE_PERIOD:g} s",
    )

    c = sub.add_parser(
        "correlate",
        help="hold a receiver's arrivals against an audit's results: probes that arrived make "
        "isolation.reachability fail; forged or foreign ones are listed, never counted",
    )
    c.add_argument("results", help="results JSON of the audit that sent the probes")
    c.add_argument("arrivals", help="the receiver's arrivals JSONL (copied back)")
    c.add_argument("--probe-key", required=True, metavar="KEYFILE", help="the audit's probe key")
    c.add_argument("-o", "--output", metavar="FILE", help="write there instead of stdout")
    c.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="the new results document (json) or what was accepted and rejected (table)",
    )

    k = sub.add_parser("probe-key", help="make a probe key (32 random bytes, hex, mode 0600)")
    k.add_argument("file", help="the key file to create (never overwritten)")


def correlate(args: argparse.Namespace, err: Console) -> int:
    from netguard.engine.correlate import correlate as apply_arrivals
    from netguard.probe.arrivals import read_lines
    from netguard.render.files import write_atomic
    from netguard.render.probe import probe_text
    from netguard.results import dumps, exit_status_of_verdicts, parse_results, read_document

    key = tk.load_key(args.probe_key)
    doc = read_document(args.results)
    new, _ = apply_arrivals(doc, read_lines(args.arrivals), key, source=args.arrivals)
    text = dumps(new) if args.format == "json" else probe_text(new["probe"])
    if args.output:
        write_atomic(args.output, text)
        if args.format == "json":
            err.print(probe_text(new["probe"]), end="", markup=False, highlight=False)
    else:
        sys.stdout.write(text)
    verdicts = [h.verdict for h in parse_results(new, args.results).hosts]
    return int(exit_status_of_verdicts(verdicts))


def receiver(args: argparse.Namespace, err: Console) -> int:
    listens = rc.parse_listen(args.listen)
    if not args.out:
        raise usage_error("receiver_needs_output", field="--output")
    key = tk.load_key(args.key) if args.key else None
    try:
        log = rc.ArrivalLog.open(args.out)
    except OSError as exc:
        raise usage_error("cannot_open", file=args.out, raw=exc.strerror or str(exc)) from exc
    recv = rc.Receiver(log, key=key, max_bytes=args.max_bytes, rate=args.rate)

    def ready(proto: str, addr: str, port: int) -> None:
        host = f"[{addr}]" if ":" in addr else addr
        print(f"listening {proto} {host}:{port}", flush=True)

    try:
        rc.run(recv, listens, ready)
    except OSError as exc:
        raise usage_error("cannot_listen", field="--listen", raw=exc.strerror or str(exc)) from exc
    finally:
        log.close()
    s = recv.stats
    print(
        f"kept {s.kept}, lost {s.lost} (write errors), no token {s.no_token}, "
        f"oversize {s.oversize}, rate-limited {s.rate_limited}",
        file=sys.stderr,
    )
    return int(ExitStatus.OK)


def probe_key(args: argparse.Namespace, err: Console) -> int:
    try:
        tk.write_key(args.file)
    except FileExistsError:
        raise usage_error("exists", file=args.file) from None
    except OSError as exc:
        raise usage_error("cannot_write", file=args.file, raw=exc.strerror or str(exc)) from exc
    print(say(args)("terminal.probe_key_written", file=args.file))
    return int(ExitStatus.OK)


def probe_options(p: argparse.ArgumentParser) -> None:
    """``audit --probe`` and ``--probe-key``: the 违规外联 probe sent while hosts are collected."""
    p.add_argument(
        "--probe",
        metavar="IP:PORT[,…]",
        help="from every host in the zones of isolation.reachability (default: intranet and "
        "classified), try one bounded connection to each target (IP literals: the host's "
        "resolver is not used; IPv6 as [addr]:port), carrying a token signed with --probe-key",
    )
    p.add_argument("--probe-key", metavar="KEYFILE", help="the probe key (netguard probe-key)")
    p.add_argument(
        "--arrivals",
        metavar="FILE",
        help="with --probe: the receiver's arrivals file (a shared or local path), read once "
        "every host is done: probes that arrived fail isolation.reachability in this run",
    )


def parse_targets(text: str) -> tuple[tuple[str, int], ...]:
    """``IP:PORT[,…]`` → canonical (ip, port) pairs; InputError naming the bad one."""
    from netguard.collect.probe import MAX_TARGETS

    targets: list[tuple[str, int]] = []
    for item in text.split(","):
        item = item.strip()
        host, sep, port = item.rpartition(":")
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        elif ":" in host:
            host = ""  # an IPv6 address needs its brackets
        try:
            ip = ipaddress.ip_address(host) if sep else None
        except ValueError:
            ip = None
        if ip is None or not port.isdigit() or not 0 < int(port) < 65536:
            raise usage_error("bad_probe_target", field="--probe", item=item)
        if (str(ip), int(port)) not in targets:
            targets.append((str(ip), int(port)))
    if len(targets) > MAX_TARGETS:
        raise usage_error("too_many_targets", field="--probe", limit=MAX_TARGETS)
    return tuple(targets)


def probe_plan(args: argparse.Namespace, policy: Policy) -> ProbePlan | None:
    """The audit's probe plan from ``--probe``/``--probe-key`` (both or neither), sent from
    the zones the policy gives isolation.reachability (the default zones without it)."""
    from netguard.engine.runner import PROBE_CHECK, PROBE_ZONES, ProbePlan

    if not args.probe and not args.probe_key:
        if args.arrivals:
            raise usage_error("arrivals_needs_probe", field="--arrivals")
        return None
    if not args.probe:
        raise usage_error("probe_key_without_probe", field="--probe-key")
    if not args.probe_key:
        raise usage_error("probe_needs_key", field="--probe")
    targets = parse_targets(args.probe)
    key = tk.load_key(args.probe_key)
    zones = next((c.zones for c in policy.checks if c.spec.id == PROBE_CHECK), PROBE_ZONES)
    return ProbePlan(targets, key, frozenset(zones))

"""The 违规外联 probe's verbs: ``receiver`` (run on the internet side) and ``probe-key``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from rich.console import Console

from netguard.cli.options import positive_int
from netguard.errors import ExitStatus, InputError
from netguard.probe import receiver as rc
from netguard.probe import token as tk


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
        "--key", metavar="KEYFILE", help="the probe key: marks each token's MAC ok or bad"
    )
    r.add_argument("--out", required=True, metavar="FILE", help="arrivals JSONL (appended)")
    r.add_argument(
        "--max-bytes", type=positive_int, default=rc.MAX_BYTES, help="largest message kept"
    )
    r.add_argument(
        "--rate",
        type=positive_int,
        default=rc.RATE,
        help=f"arrivals kept per source address per {rc.RATE_PERIOD:g} s",
    )

    k = sub.add_parser("probe-key", help="make a probe key (32 random bytes, hex, mode 0600)")
    k.add_argument("file", help="the key file to create (never overwritten)")


def receiver(args: argparse.Namespace, err: Console) -> int:
    listens = rc.parse_listen(args.listen)
    key = tk.load_key(args.key) if args.key else None
    try:
        log = rc.ArrivalLog.open(args.out)
    except OSError as exc:
        raise InputError(f"cannot open: {exc.strerror or exc}", file=args.out) from exc
    recv = rc.Receiver(log, key=key, max_bytes=args.max_bytes, rate=args.rate)

    def ready(proto: str, addr: str, port: int) -> None:
        host = f"[{addr}]" if ":" in addr else addr
        print(f"listening {proto} {host}:{port}", flush=True)

    try:
        rc.run(recv, listens, ready)
    except OSError as exc:
        raise InputError(f"cannot listen: {exc.strerror or exc}", field="--listen") from exc
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
        raise InputError("exists; not overwritten", file=args.file) from None
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", file=args.file) from exc
    print(f"probe key written to {args.file}")
    return int(ExitStatus.OK)

"""A receiver's arrivals file read back and sorted against one run: which host's probe arrived
(with what the receiver saw), and which lines prove nothing and why.

The file came from a machine on the internet side and may have been edited on the way: every
line is checked for its fields, each field capped; a line that is not a receiver's record is
rejected as malformed, never skipped in silence. Only the token decides which host a line is
for (probe/token.py verify: the MAC under the probe key, the run, the window, the run's hosts).
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netguard.errors import InputError
from netguard.probe import token as tk

#: arrivals files above this size are refused: a receiver keeps far fewer lines
MAX_FILE = 64 * 1024 * 1024
PROTOS = frozenset({"tcp", "udp"})


@dataclass(frozen=True)
class Arrival:
    """One receiver record whose token proved a host of the run sent it."""

    host: str
    arrived_at: float
    source: str  # the source address the receiver saw (a NAT address names the exit)
    port: int
    proto: str
    token: str


@dataclass(frozen=True)
class Rejection:
    line: int
    reason: str  # a token.Rejected value
    token: str  # as found (capped), "" when there was none
    source: str


@dataclass
class Sorted:
    arrivals: dict[str, list[Arrival]] = field(default_factory=dict)  # host → its arrivals
    rejected: list[Rejection] = field(default_factory=list)


def read_lines(path: str | Path) -> list[str]:
    p = Path(path)
    try:
        if p.stat().st_size > MAX_FILE:
            raise InputError(f"arrivals file is larger than {MAX_FILE} bytes", file=str(p))
        return p.read_bytes().decode("utf-8", "replace").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read arrivals: {exc.strerror or exc}", file=str(p)) from exc


def _record(line: str) -> tuple[str, float, str, int, str] | None:
    try:
        rec: Any = json.loads(line)
    except ValueError:
        return None
    if not isinstance(rec, dict):
        return None
    token, at, source = rec.get("token"), rec.get("arrived_at"), rec.get("source")
    port, proto = rec.get("port"), rec.get("proto")
    if not (isinstance(token, str) and len(token) <= tk.MAX_LEN):
        return None
    if isinstance(at, bool) or not isinstance(at, int | float) or not 0 <= at < 10**12:
        return None
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        return None
    if proto not in PROTOS or not isinstance(source, str) or len(source) > 64:
        return None
    try:
        source = str(ipaddress.ip_address(source))
    except ValueError:
        return None
    return token, float(at), source, port, str(proto)


def sort_arrivals(lines: list[str], key: bytes, *, run_id: str, hosts: frozenset[str]) -> Sorted:
    out = Sorted()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        rec = _record(line)
        if rec is None:
            out.rejected.append(Rejection(n, tk.Rejected.MALFORMED.value, "", ""))
            continue
        token, at, source, port, proto = rec
        try:
            host = tk.verify(token, key, run_id=run_id, hosts=hosts, arrived_at=at)
        except tk.TokenError as exc:
            out.rejected.append(Rejection(n, exc.reason.value, token, source))
            continue
        out.arrivals.setdefault(host, []).append(Arrival(host, at, source, port, proto, token))
    return out

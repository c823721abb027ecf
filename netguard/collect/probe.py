"""The probe's parameters, handed to the fixed script without letting anything be injected.

The script is never changed: a transport may put exactly one line before it,
``NG_PROBE='TOKEN IP PORT [IP PORT]…'``, and only when every word matches its strict form — a
token of netguard's pattern, IP literals in their canonical text, port numbers. None of these
can hold a quote, a space, a glob or a ``$``, so the line is a plain shell assignment.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from netguard.probe.token import PATTERN

MAX_TARGETS = 8


@dataclass(frozen=True)
class ProbeRequest:
    token: str
    targets: tuple[tuple[str, int], ...]


def preamble(request: ProbeRequest | None) -> bytes:
    """The line to put before the script (empty without a request); ValueError if any word
    is not of its strict form."""
    if request is None:
        return b""
    if not PATTERN.fullmatch(request.token):
        raise ValueError("probe token does not match the token pattern")
    if not 0 < len(request.targets) <= MAX_TARGETS:
        raise ValueError(f"a probe needs 1 to {MAX_TARGETS} targets")
    words = [request.token]
    for ip, port in request.targets:
        if str(ipaddress.ip_address(ip)) != ip:
            raise ValueError(f"probe target {ip!r} is not a canonical IP literal")
        if type(port) is not int or not 0 < port < 65536:
            raise ValueError(f"probe port {port!r} is not a port number")
        words += [ip, str(port)]
    line = " ".join(words)
    assert set(line) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-: ")
    return f"NG_PROBE='{line}'\n".encode("ascii")

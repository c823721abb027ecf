"""The probe token: ``ngp1.<run>.<host>.<start>.<mac>``.

- ``run``: the audit's run id (``[A-Za-z0-9_-]``, at most 64 characters);
- ``host``: the host name bound without sending it in clear — HMAC-SHA256 of run id and name
  under the probe key, 16 hex digits; correlation knows the run's hosts and recomputes it;
- ``start``: the start of the time window, epoch seconds; an arrival counts from ``start -
  SKEW`` to ``start + WINDOW``;
- ``mac``: HMAC-SHA256 of everything before it under the probe key, 32 hex digits.

All ASCII ``[A-Za-z0-9._-]``: safe as a shell word, an HTTP path and a DNS label's text. It is
the only variable text a probe sends, built here, never from inventory strings.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import stat
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from netguard.errors import InputError

PREFIX = "ngp1"
#: how long after its start a token is accepted (s), and how early (the receiver's clock may run
#: ahead of the auditor's)
WINDOW = 3600
SKEW = 300
#: the strict form; anything else is malformed
PATTERN = re.compile(
    r"ngp1\.(?P<run>[A-Za-z0-9_-]{1,64})\.(?P<host>[0-9a-f]{16})\."
    r"(?P<start>[0-9]{1,12})\.(?P<mac>[0-9a-f]{32})"
)
#: a token somewhere in text (the receiver's search); same shape, not anchored
SEARCH = re.compile(r"ngp1\.[A-Za-z0-9_-]{1,64}\.[0-9a-f]{16}\.[0-9]{1,12}\.[0-9a-f]{32}")
MAX_LEN = 4 + 1 + 64 + 1 + 16 + 1 + 12 + 1 + 32
_RUN = re.compile(r"[A-Za-z0-9_-]{1,64}")
MIN_KEY = 32


class Rejected(StrEnum):
    """Why an arrival's token proves nothing."""

    MALFORMED = "malformed"
    FORGED = "forged"  # the MAC does not verify under the probe key
    OTHER_RUN = "other_run"  # genuine, but made for another audit (a replay)
    OUTSIDE_WINDOW = "outside_window"
    UNKNOWN_HOST = "unknown_host"  # genuine and of this run, but for no host in it


class TokenError(Exception):
    def __init__(self, reason: Rejected) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True)
class Token:
    run_id: str
    host_hash: str
    start: int
    mac: str

    def __str__(self) -> str:
        return f"{PREFIX}.{self.run_id}.{self.host_hash}.{self.start}.{self.mac}"


def load_key(path: str | Path) -> bytes:
    """A probe key file: at least 32 bytes of secret — hex text (64+ digits) or raw bytes —
    readable by its owner only. The key never appears in a message."""
    p = Path(path)
    try:
        st = p.stat()
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read probe key: {exc.strerror or exc}", file=str(p)) from exc
    if stat.S_IMODE(st.st_mode) & 0o077:
        raise InputError(
            f"probe key is readable by others (mode {stat.S_IMODE(st.st_mode):04o}); chmod 600 it",
            file=str(p),
        )
    text = raw.strip()
    if re.fullmatch(rb"[0-9a-fA-F]+", text) and len(text) % 2 == 0:
        key = bytes.fromhex(text.decode("ascii"))
    else:
        key = raw
    if len(key) < MIN_KEY:
        raise InputError(f"probe key has fewer than {MIN_KEY} bytes of secret", file=str(p))
    return key


def write_key(path: str | Path) -> None:
    """A new probe key: 32 random bytes as hex, mode 0600, never over an existing file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(os.urandom(MIN_KEY).hex() + "\n")


def host_hash(key: bytes, run_id: str, host: str) -> str:
    msg = b"ngp1-host\0" + run_id.encode() + b"\0" + host.encode("utf-8")
    return hmac.new(key, msg, hashlib.sha256).hexdigest()[:16]


def _mac(key: bytes, run_id: str, hh: str, start: int) -> str:
    msg = f"{PREFIX}.{run_id}.{hh}.{start}".encode("ascii")
    return hmac.new(key, msg, hashlib.sha256).hexdigest()[:32]


def mac_ok(key: bytes, token: Token) -> bool:
    """Whether the token was made with this key (nothing about its run, window or host)."""
    good = _mac(key, token.run_id, token.host_hash, token.start)
    return hmac.compare_digest(token.mac, good)


def make(key: bytes, run_id: str, host: str, start: int) -> Token:
    if not _RUN.fullmatch(run_id):
        raise ValueError(f"run id not usable in a token: {run_id!r}")
    if not 0 <= start < 10**12:
        raise ValueError("window start out of range")
    hh = host_hash(key, run_id, host)
    return Token(run_id, hh, start, _mac(key, run_id, hh, start))


def parse(text: str) -> Token:
    m = PATTERN.fullmatch(text)
    if m is None:
        raise TokenError(Rejected.MALFORMED)
    return Token(m["run"], m["host"], int(m["start"]), m["mac"])


def verify(
    text: str,
    key: bytes,
    *,
    run_id: str,
    hosts: list[str] | tuple[str, ...] | set[str] | frozenset[str],
    arrived_at: float,
    window: int = WINDOW,
    skew: int = SKEW,
) -> str:
    """The host name a token was made for, or TokenError with the reason it proves nothing."""
    token = parse(text)
    if not mac_ok(key, token):
        raise TokenError(Rejected.FORGED)
    if token.run_id != run_id:
        raise TokenError(Rejected.OTHER_RUN)
    if not token.start - skew <= arrived_at < token.start + window:
        raise TokenError(Rejected.OUTSIDE_WINDOW)
    for name in sorted(hosts):
        if hmac.compare_digest(token.host_hash, host_hash(key, run_id, name)):
            return name
    raise TokenError(Rejected.UNKNOWN_HOST)

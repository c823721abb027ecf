"""Findings to a remote syslog collector: RFC 5424 messages over UDP (RFC 5426), TCP (RFC 6587,
octet counting) or TLS (RFC 5425), beside the local syslog of ``netguard.notify``.

One message per finding that needs someone's attention (``fail``, ``error``, ``waived``) and per
host that was not audited; passes and not-applicable checks stay in the results. Each message::

    <PRI>1 TIMESTAMP HOSTNAME netguard PROCID MSGID [netguard@32473 run=… host=… …] BOM MSG

- PRI: facility ``auth`` (4, as the local syslog), severity by the finding's: critical → crit (2),
  high → err (3), medium → warning (4), low → notice (5), info → info (6); an error finding or
  an unaudited host → warning; a waived finding → notice.
- TIMESTAMP: when the run ended (UTC, milliseconds); HOSTNAME: this machine (the auditor, which
  says it: the audited host is ``host=`` in the structured data); MSGID ``finding`` or ``host``.
- Structured data ``netguard@32473`` (32473 is the private enterprise number RFC 5612 reserves
  for documentation; ``sd_id=`` takes a registered one): run, host, address, zone, department,
  check, category, status, severity, and one ``ref`` per standard clause. Values are escaped
  (``"``, ``\\``, ``]``) and capped; MSG is the English message, UTF-8 after a BOM.
- Host text is cleaned of controls, line separators and bidi overrides (``netguard.untrusted``)
  everywhere: it can neither end a message nor forge a field.

A UDP datagram is kept within MAX_DATAGRAM bytes (the MSG is cut); TCP and TLS frame each message
as ``LENGTH SP MESSAGE``. TLS verifies the collector's certificate against ``ca`` (or the system
store) and its name.

Two senders use this: ``netguard export --format syslog --to URL`` sends a whole run as above;
``netguard audit --syslog-to URL`` sends only the audit's own alerts as its run ends (``only``:
``Alerts``, chosen by the command line — the critical findings that are new since the previous
complete run, and the hosts that newly could not be audited), in the same format.
"""

from __future__ import annotations

import os
import re
import socket
import ssl
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from netguard.errors import InputError
from netguard.model import FindingStatus
from netguard.results import FindingRecord, HostRecord, Results
from netguard.untrusted import find_unsafe, replace_unsafe

FACILITY_AUTH = 4
SEVERITY = {"critical": 2, "high": 3, "medium": 4, "low": 5, "info": 6}
WARNING, NOTICE = 4, 5
SD_ID = "netguard@32473"
DEFAULT_PORTS = {"udp": 514, "tcp": 514, "tls": 6514}
MAX_DATAGRAM = 2048  # RFC 5426: receivers SHOULD take 2048 octets
VALUE_CAP = 200  # characters of one structured-data value
MSG_CAP = 1000  # characters of the message
BOM = "\ufeff"
_SURROGATE = re.compile("[\ud800-\udfff]")
SENT = (FindingStatus.FAIL, FindingStatus.ERROR, FindingStatus.WAIVED)


@dataclass(frozen=True)
class Target:
    """Where messages go: ``udp://``, ``tcp://`` or ``tls://HOST[:PORT]``."""

    proto: str
    host: str
    port: int
    ca: str | None = None  # TLS: the CA file that signed the collector's certificate

    @classmethod
    def parse(
        cls, url: str, ca: str | None = None, *, fields: tuple[str, str] = ("--to", "--ca")
    ) -> Target:
        """The collector a URL names; ``fields``: the options (URL, CA) an error names.
        Raises InputError for anything but ``udp|tcp|tls://HOST[:PORT]`` (no path, no query,
        no user, no control character) and for a CA file with another scheme."""
        url_field, ca_field = fields
        parts = urlsplit(url)
        proto = parts.scheme
        if (
            proto not in DEFAULT_PORTS
            or not parts.hostname
            or parts.path not in ("", "/")
            or parts.query
            or parts.fragment
            or parts.username is not None
            or find_unsafe(url)
        ):
            raise InputError(
                f"not a syslog collector: {_clean(url, 200)!r} (udp://HOST[:PORT], tcp://…, "
                "tls://…)",
                field=url_field,
            )
        try:
            port = parts.port or DEFAULT_PORTS[proto]
        except ValueError:
            raise InputError(f"bad port in {url!r}", field=url_field) from None
        if ca is not None and proto != "tls":
            raise InputError("a CA file is for tls:// only", field=ca_field)
        return cls(proto, parts.hostname, port, ca)

    def check_ca(self, field: str = "--ca") -> None:
        """A CA file that cannot be loaded is bad input found now, not as the run ends."""
        if self.ca is None:
            return
        try:
            ssl.create_default_context(cafile=self.ca)
        except (OSError, ValueError) as exc:  # missing, unreadable, not PEM (ssl.SSLError)
            raise InputError(f"cannot load the CA: {exc}", file=self.ca, field=field) from None

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.proto}://{host}:{self.port}"


@dataclass(frozen=True)
class Alerts:
    """What an audit alerts about (``audit --syslog-to``): these findings, as (host, check),
    and these hosts that could not be audited."""

    findings: frozenset[tuple[str, str]] = frozenset()
    hosts: frozenset[str] = frozenset()


# --- the messages (pure) ----------------------------------------------------------------------


def messages(
    results: Results,
    *,
    hostname: str = "",
    procid: int | None = None,
    sd_id: str = SD_ID,
    only: Alerts | None = None,
) -> list[bytes]:
    """The RFC 5424 messages of a results document (see the module doc): every finding that
    needs attention and every host not audited, or with ``only`` just the alerts it names."""
    header = _Header(
        _stamp(results.detected),
        _ascii(hostname or socket.getfqdn() or "-", 255),
        str(os.getpid() if procid is None else procid),
        sd_id,
    )
    out = []
    for host in results.hosts:
        if not host.audited and (only is None or host.name in only.hosts):
            out.append(header.message(WARNING, "host", _host_params(results, host), _why(host)))
        for f in host.findings:
            wanted = f.status in SENT if only is None else (host.name, f.check) in only.findings
            if wanted:
                params = [*_host_params(results, host), *_finding_params(f)]
                out.append(header.message(_severity(f), "finding", params, f.message or f.title))
    return out


@dataclass(frozen=True)
class _Header:
    timestamp: str
    hostname: str
    procid: str
    sd_id: str

    def message(
        self, severity: int, msgid: str, params: Sequence[tuple[str, str]], msg: str
    ) -> bytes:
        pri = FACILITY_AUTH * 8 + severity
        sd = "[" + self.sd_id + "".join(f' {k}="{_sd_value(v)}"' for k, v in params) + "]"
        head = f"<{pri}>1 {self.timestamp} {self.hostname} netguard {self.procid} {msgid} {sd}"
        return (head + " " + BOM + _clean(msg, MSG_CAP)).encode("utf-8")


def _severity(f: FindingRecord) -> int:
    if f.status == FindingStatus.ERROR:
        return WARNING
    if f.status == FindingStatus.WAIVED:
        return NOTICE
    return SEVERITY.get(f.severity, WARNING)


def _host_params(results: Results, host: HostRecord) -> list[tuple[str, str]]:
    return [
        ("run", results.run_id),
        ("host", host.name),
        ("address", host.address),
        ("zone", host.zone),
        ("department", host.department),
        ("hostStatus", host.status),
    ]


def _finding_params(f: FindingRecord) -> list[tuple[str, str]]:
    params = [
        ("check", f.check),
        ("category", f.category),
        ("status", f.status),
        ("severity", f.severity),
    ]
    params += [("ref", r) for r in f.references]
    if f.waiver is not None:
        params += [("waiver", f.waiver.label), ("expires", f.waiver.expires)]
    return params


def _why(host: HostRecord) -> str:
    return f"{host.name} not audited ({host.status})" + (f": {host.detail}" if host.detail else "")


def _stamp(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _ascii(text: str, cap: int) -> str:
    """A header field: printable US-ASCII without spaces (RFC 5424 PRINTUSASCII)."""
    value = "".join(c if 33 <= ord(c) <= 126 else "_" for c in text)[:cap]
    return value or "-"


def _clean(text: Any, cap: int) -> str:
    """Unsafe characters (and lone surrogates, which UTF-8 cannot carry) become ``?``."""
    value = _SURROGATE.sub("?", replace_unsafe(str(text), "?"))
    return value if len(value) <= cap else value[: cap - 1] + "…"


def _sd_value(text: Any) -> str:
    """A PARAM-VALUE: ``"``, ``\\`` and ``]`` escaped (RFC 5424 6.3.3)."""
    value = _clean(text, VALUE_CAP)
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def datagram(message: bytes) -> bytes:
    """One message as a UDP datagram: within MAX_DATAGRAM bytes, cut on a character edge."""
    if len(message) <= MAX_DATAGRAM:
        return message
    return message[:MAX_DATAGRAM].decode("utf-8", "ignore").encode("utf-8")


def framed(message: bytes) -> bytes:
    """One message on a TCP or TLS stream: octet counting (RFC 6587 3.4.1, RFC 5425 4.3)."""
    return str(len(message)).encode("ascii") + b" " + message


# --- sending (I/O) ----------------------------------------------------------------------------


def send(target: Target, payloads: Iterable[bytes], *, timeout: float = 10.0) -> int:
    """Send every message; the number sent. Raises OSError (ssl.SSLError included) when the
    collector cannot be reached — the caller says so; nothing is retried."""
    if target.proto == "udp":
        return _send_udp(target, payloads)
    sock = _stream(target, timeout)
    try:
        n = 0
        for m in payloads:
            sock.sendall(framed(m))
            n += 1
        _finish(sock)
        return n
    finally:
        sock.close()


def _finish(sock: socket.socket) -> None:
    """Close so that the collector reads everything: TLS close_notify, then our half of the TCP
    connection, then read what is left (a TLS 1.3 session ticket) until the collector closes —
    closing with unread data would reset the connection and could lose the last messages."""
    try:
        if isinstance(sock, ssl.SSLSocket):
            sock = sock.unwrap()
        sock.shutdown(socket.SHUT_WR)
        while sock.recv(4096):
            pass
    except OSError:  # ssl.SSLError too: a collector that closes without its close_notify
        pass
    finally:
        sock.close()


def _send_udp(target: Target, payloads: Iterable[bytes]) -> int:
    family, kind, proto, _, addr = socket.getaddrinfo(
        target.host, target.port, type=socket.SOCK_DGRAM
    )[0]
    with socket.socket(family, kind, proto) as sock:
        n = 0
        for m in payloads:
            sock.sendto(datagram(m), addr)
            n += 1
        return n


def _stream(target: Target, timeout: float) -> socket.socket:
    sock = socket.create_connection((target.host, target.port), timeout=timeout)
    if target.proto != "tls":
        return sock
    context = ssl.create_default_context(cafile=target.ca)
    try:
        return context.wrap_socket(sock, server_hostname=target.host)
    except BaseException:
        sock.close()
        raise

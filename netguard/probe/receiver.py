"""The internet-side receiver: every probe that arrives is appended to a JSONL file.

An arrival *is* the proof of a breach, so the file is written as probes come (one line, flushed
and fsynced, per arrival), opened for appending only (a restart adds to it, never truncates),
and a failed write (a full disk) is logged and survived: what was written stays, the line that
could not be written is counted as lost, and the next line starts on a fresh line.

Arrivals are not judged here — the receiver does not know the runs. With the probe key it marks
each token's MAC as ``ok`` or ``bad`` (a hint; correlation decides). Text without a token is
not kept. Each source is limited in rate and each message in size; the only answer ever sent is
``HTTP/1.0 204 No Content`` to something that looks like an HTTP request, else nothing.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import json
import logging
import os
import signal
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

from netguard.errors import InputError
from netguard.probe import token as tk

log = logging.getLogger("netguard.probe.receiver")

MAX_BYTES = 2048
READ_TIMEOUT = 3.0
#: arrivals kept per source address per RATE_PERIOD seconds
RATE = 30
RATE_PERIOD = 60.0
#: sources remembered for the rate limit; beyond this the table starts afresh (bounded memory)
RATE_TABLE = 65536
MAX_CONNECTIONS = 256
HTTP_REPLY = b"HTTP/1.0 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
_HTTP_METHODS = (b"GET ", b"HEAD ", b"POST ", b"PUT ", b"OPTIONS ")


def parse_listen(text: str) -> list[tuple[str, int]]:
    """``ADDR:PORT[,ADDR:PORT…]``; IPv6 as ``[::]:53``. Addresses must be IP literals."""
    out: list[tuple[str, int]] = []
    for item in text.split(","):
        item = item.strip()
        addr, sep, port = item.rpartition(":")
        if not sep or not port.isdigit() or not 0 <= int(port) < 65536:
            raise InputError(f"--listen: {item!r} is not ADDR:PORT")
        addr = addr.removeprefix("[").removesuffix("]")
        try:
            ipaddress.ip_address(addr)
        except ValueError:
            raise InputError(f"--listen: {addr!r} is not an IP address") from None
        out.append((addr, int(port)))
    return out


@dataclass
class Stats:
    kept: int = 0
    lost: int = 0  # could not be written (disk full, I/O error)
    no_token: int = 0
    oversize: int = 0
    rate_limited: int = 0


class ArrivalLog:
    """Append-only JSONL with one fsync per line; write errors are survived."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh
        self._broken = False  # the last write may have left a partial line

    @classmethod
    def open(cls, path: str) -> ArrivalLog:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        return cls(os.fdopen(fd, "ab", buffering=0))

    def append(self, record: dict[str, Any]) -> bool:
        line = json.dumps(record, sort_keys=True, ensure_ascii=True).encode("ascii") + b"\n"
        if self._broken:
            line = b"\n" + line
        try:
            self.fh.write(line)
            self.fh.flush()
            os.fsync(self.fh.fileno())
        except OSError as exc:
            self._broken = True
            log.error("arrival not written: %s", exc.strerror or exc)
            return False
        self._broken = False
        return True

    def close(self) -> None:
        self.fh.close()


@dataclass
class Receiver:
    log: ArrivalLog
    key: bytes | None = None
    max_bytes: int = MAX_BYTES
    read_timeout: float = READ_TIMEOUT
    rate: int = RATE
    rate_period: float = RATE_PERIOD
    clock: Callable[[], float] = time.time
    stats: Stats = field(default_factory=Stats)
    _seen: dict[str, tuple[float, int]] = field(default_factory=dict)
    _slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(MAX_CONNECTIONS))

    def _allowed(self, source: str, now: float) -> bool:
        start, count = self._seen.get(source, (now, 0))
        if now - start >= self.rate_period:
            start, count = now, 0
        if count >= self.rate:
            self.stats.rate_limited += 1
            return False
        if len(self._seen) >= RATE_TABLE and source not in self._seen:
            self._seen.clear()
        self._seen[source] = (start, count + 1)
        return True

    def _mac(self, text: str) -> str:
        if self.key is None:
            return "unchecked"
        return "ok" if tk.mac_ok(self.key, tk.parse(text)) else "bad"

    def handle(
        self, data: bytes, proto: str, source: tuple[Any, ...], local: tuple[Any, ...]
    ) -> bool:
        """Keep one message's token; True when a line was written."""
        if len(data) > self.max_bytes:
            self.stats.oversize += 1
            return False
        m = tk.SEARCH.search(data.decode("latin-1"))
        if m is None:
            self.stats.no_token += 1
            return False
        now = self.clock()
        if not self._allowed(str(source[0]), now):
            return False
        record = {
            "arrived_at": round(now, 3),
            "arrived": datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds"),
            "source": str(source[0]),
            "source_port": int(source[1]),
            "address": str(local[0]),
            "port": int(local[1]),
            "proto": proto,
            "token": m.group(0),
            "mac": self._mac(m.group(0)),
        }
        if self.log.append(record):
            self.stats.kept += 1
            return True
        self.stats.lost += 1
        return False

    async def tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._slots.locked():
            writer.close()
            return
        async with self._slots:
            try:
                data = await self._read(reader)
                peer = writer.get_extra_info("peername")
                local = writer.get_extra_info("sockname")
                self.handle(data, "tcp", peer, local)
                if data.startswith(_HTTP_METHODS):
                    writer.write(HTTP_REPLY)
                    await asyncio.wait_for(writer.drain(), self.read_timeout)
            except (OSError, TimeoutError):
                pass
            finally:
                writer.close()

    async def _read(self, reader: asyncio.StreamReader) -> bytes:
        """Up to max_bytes + 1: until EOF, the end of an HTTP head, a raw line, or the time-out."""
        data = b""
        deadline = asyncio.get_running_loop().time() + self.read_timeout
        while len(data) <= self.max_bytes:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            try:
                chunk = await asyncio.wait_for(
                    reader.read(self.max_bytes + 1 - len(data)), remaining
                )
            except TimeoutError:
                break
            if not chunk:
                break
            data += chunk
            if data.startswith(_HTTP_METHODS):
                if b"\r\n\r\n" in data or b"\n\n" in data:
                    break
            elif b"\n" in data:
                break
        return data


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, receiver: Receiver, local: tuple[str, int]) -> None:
        self.receiver = receiver
        self.local = local

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        self.receiver.handle(data, "udp", addr, self.local)


def _same(udp: _Udp) -> _Udp:
    return udp


async def serve(
    receiver: Receiver,
    listens: Iterable[tuple[str, int]],
    *,
    ready: Callable[[str, str, int], None] = lambda proto, addr, port: None,
    stop: asyncio.Event | None = None,
) -> None:
    """Listen on TCP and UDP at every address until ``stop`` is set (or SIGINT/SIGTERM)."""
    loop = asyncio.get_running_loop()
    stop = stop or asyncio.Event()
    servers: list[asyncio.Server] = []
    transports: list[asyncio.BaseTransport] = []
    try:
        for addr, port in listens:
            server = await asyncio.start_server(receiver.tcp, addr, port, reuse_address=True)
            servers.append(server)
            tcp_port = server.sockets[0].getsockname()[1]
            ready("tcp", addr, tcp_port)
            udp = _Udp(receiver, (addr, port))
            transport, _ = await loop.create_datagram_endpoint(
                functools.partial(_same, udp), local_addr=(addr, port)
            )
            transports.append(transport)
            udp_port = transport.get_extra_info("sockname")[1]
            udp.local = (addr, udp_port)
            ready("udp", addr, udp_port)
        await stop.wait()
    finally:
        for s in servers:
            s.close()
        for t in transports:
            t.close()
        for s in servers:
            await s.wait_closed()


def run(
    receiver: Receiver, listens: list[tuple[str, int]], ready: Callable[[str, str, int], None]
) -> None:
    """The ``netguard receiver`` loop: until SIGINT or SIGTERM."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(receiver, listens, ready=ready, stop=stop)

    asyncio.run(main())

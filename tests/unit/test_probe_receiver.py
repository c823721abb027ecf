"""The receiver on loopback: arrivals appended, oversize and rate-limited messages dropped,
restarts append, a full disk survived, and the only answer is a bare 204 to HTTP."""

from __future__ import annotations

import asyncio
import errno
import io
import json
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from netguard.errors import InputError
from netguard.probe import receiver as rc
from netguard.probe import token as tk

KEY = bytes(range(32))
TOKEN = str(tk.make(KEY, "run1", "pc-1", 1_800_000_000))
FORGED = TOKEN[:-4] + "0000" if not TOKEN.endswith("0000") else TOKEN[:-4] + "1111"
NOW = 1_800_000_100.0


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def _run(receiver: rc.Receiver, body: Callable[[int, int], Awaitable[None]]) -> None:
    """Serve on 127.0.0.1 (ephemeral TCP and UDP ports), run the client body, stop."""

    async def main() -> None:
        ports: dict[str, int] = {}
        stop = asyncio.Event()
        ready = asyncio.Event()

        def on_ready(proto: str, addr: str, port: int) -> None:
            ports[proto] = port
            if len(ports) == 2:
                ready.set()

        task = asyncio.create_task(
            rc.serve(receiver, [("127.0.0.1", 0)], ready=on_ready, stop=stop)
        )
        await asyncio.wait_for(ready.wait(), 5)
        try:
            await body(ports["tcp"], ports["udp"])
        finally:
            stop.set()
            await asyncio.wait_for(task, 5)

    asyncio.run(main())


async def _tcp(port: int, data: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    reply = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    return reply


async def _udp(port: int, data: bytes) -> None:
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setblocking(False)
        await loop.sock_sendto(sock, data, ("127.0.0.1", port))
    finally:
        sock.close()


async def _settle(receiver: rc.Receiver, total: int) -> None:
    """Wait (bounded) until the receiver has dealt with `total` messages."""
    for _ in range(200):
        s = receiver.stats
        if s.kept + s.lost + s.no_token + s.oversize + s.rate_limited >= total:
            return
        await asyncio.sleep(0.01)


def _receiver(path: Path, **kw: object) -> rc.Receiver:
    return rc.Receiver(rc.ArrivalLog.open(str(path)), key=KEY, clock=lambda: NOW, **kw)  # type: ignore[arg-type]


def test_arrivals_written_http_raw_udp(tmp_path: Path) -> None:
    out = tmp_path / "arrivals.jsonl"
    r = _receiver(out)
    replies: list[bytes] = []

    async def body(tcp: int, udp: int) -> None:
        replies.append(await _tcp(tcp, f"GET /{TOKEN} HTTP/1.0\r\nHost: x\r\n\r\n".encode()))
        replies.append(await _tcp(tcp, f"{FORGED}\n".encode()))
        replies.append(await _tcp(tcp, b"SSH-2.0-scanner\r\n"))
        await _udp(udp, b"\x12\x34\x01\x00\x00\x01" + b"\x45" + TOKEN.encode() + b"\x00")
        await _settle(r, 4)

    _run(r, body)
    assert replies == [rc.HTTP_REPLY, b"", b""]
    got = _lines(out)
    assert [(g["proto"], g["token"], g["mac"], g["source"]) for g in got] == [
        ("tcp", TOKEN, "ok", "127.0.0.1"),
        ("tcp", FORGED, "bad", "127.0.0.1"),
        ("udp", TOKEN, "ok", "127.0.0.1"),
    ]
    assert {g["arrived_at"] for g in got} == {NOW}
    assert got[0]["arrived"] == "2027-01-15T08:01:40.000+00:00"
    assert got[0]["port"] == got[1]["port"] != 0
    assert got[2]["port"] != 0
    assert r.stats == rc.Stats(kept=3, no_token=1)


def test_oversize_and_rate_limit(tmp_path: Path) -> None:
    out = tmp_path / "arrivals.jsonl"
    r = _receiver(out, max_bytes=200, rate=2)

    async def body(tcp: int, udp: int) -> None:
        await _tcp(tcp, TOKEN.encode() + b" " + b"x" * 300 + b"\n")
        await _udp(udp, TOKEN.encode() + b"y" * 300)
        for _ in range(4):
            await _udp(udp, TOKEN.encode())
        await _settle(r, 6)

    _run(r, body)
    assert len(_lines(out)) == 2
    assert r.stats == rc.Stats(kept=2, oversize=2, rate_limited=2)


def test_rate_limit_window_resets() -> None:
    now = [0.0]
    r = rc.Receiver(rc.ArrivalLog(io.BytesIO()), rate=1, rate_period=60, clock=lambda: now[0])
    r.log.fh.fileno = lambda: -1  # type: ignore[method-assign]
    assert r._allowed("10.0.0.1", 0.0)
    assert not r._allowed("10.0.0.1", 59.0)
    assert r._allowed("10.0.0.2", 59.0)
    assert r._allowed("10.0.0.1", 60.0)


def test_restart_appends(tmp_path: Path) -> None:
    out = tmp_path / "arrivals.jsonl"
    for _ in range(2):
        r = _receiver(out)

        async def body(tcp: int, udp: int, r: rc.Receiver = r) -> None:
            await _tcp(tcp, f"{TOKEN}\n".encode())
            await _settle(r, 1)

        _run(r, body)
        r.log.close()
    assert [g["token"] for g in _lines(out)] == [TOKEN, TOKEN]


class _FullDisk(io.BytesIO):
    """Writes a partial line, then fails with ENOSPC, while `full` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.full = False

    def write(self, data: bytes) -> int:  # type: ignore[override]
        if self.full:
            super().write(data[:10])
            raise OSError(errno.ENOSPC, "No space left on device")
        return super().write(data)

    def fileno(self) -> int:
        return -1


def test_full_disk_keeps_what_was_written(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rc.os, "fsync", lambda fd: None)
    fh = _FullDisk()
    r = rc.Receiver(rc.ArrivalLog(fh), key=KEY, clock=lambda: NOW)
    src, local = ("192.0.2.7", 4000), ("0.0.0.0", 80)
    assert r.handle(TOKEN.encode(), "tcp", src, local)
    fh.full = True
    assert not r.handle(TOKEN.encode(), "tcp", src, local)
    fh.full = False
    assert r.handle(FORGED.encode(), "udp", src, local)
    lines = fh.getvalue().split(b"\n")
    assert json.loads(lines[0])["token"] == TOKEN
    assert len(lines[1]) == 10  # the partial line stays alone on its line
    assert json.loads(lines[2])["token"] == FORGED
    assert lines[3:] == [b""]
    assert r.stats == rc.Stats(kept=2, lost=1)


def test_no_key_marks_unchecked() -> None:
    fh = _FullDisk()
    r = rc.Receiver(rc.ArrivalLog(fh), clock=lambda: NOW)
    r.log.append = lambda record: bool(fh.write(json.dumps(record).encode()))  # type: ignore[method-assign]
    assert r.handle(b"GET /" + TOKEN.encode(), "tcp", ("::1", 1, 0, 0), ("::", 80, 0, 0))
    assert json.loads(fh.getvalue())["mac"] == "unchecked"


def test_parse_listen() -> None:
    assert rc.parse_listen("0.0.0.0:80, [::]:53,127.0.0.1:443") == [
        ("0.0.0.0", 80),
        ("::", 53),
        ("127.0.0.1", 443),
    ]
    for bad in ("80", "host.example:80", "0.0.0.0:70000", "0.0.0.0:x"):
        with pytest.raises(InputError):
            rc.parse_listen(bad)


def test_cli_receiver_until_sigterm(tmp_path: Path) -> None:
    """`netguard receiver` prints one line per listener, keeps an arrival, ends on SIGTERM."""
    import os
    import signal
    import subprocess
    import sys

    key = tmp_path / "probe.key"
    assert (
        subprocess.run(
            [sys.executable, "-m", "netguard", "probe-key", str(key)], check=False
        ).returncode
        == 0
    )
    out = tmp_path / "arrivals.jsonl"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "netguard",
            "receiver",
            "--listen",
            "127.0.0.1:0",
            "--probe-key",
            str(key),
            "-o",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline().split() for _ in range(2)]
        assert [(w[0], w[1]) for w in lines] == [("listening", "tcp"), ("listening", "udp")]
        port = int(lines[0][2].rsplit(":", 1)[1])
        real = str(tk.make(tk.load_key(key), "run1", "pc-1", 1_800_000_000))
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(f"GET /{real} HTTP/1.0\r\n\r\n".encode())
            s.settimeout(5)
            assert s.recv(1024) == rc.HTTP_REPLY
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert "kept 1," in stderr
    assert [(g["token"], g["mac"]) for g in _lines(out)] == [(real, "ok")]

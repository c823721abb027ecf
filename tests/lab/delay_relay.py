"""A TCP relay that delays every byte: WAN latency in user space, for a kernel without netem.

    python3 delay_relay.py LISTEN_PORT TARGET_HOST TARGET_PORT ONE_WAY_MS LIFETIME_S

Listens on every address of its network namespace (with the lab's ``serves`` block, thousands of
host addresses) and relays each connection to the target; every chunk read in either direction is
written ``ONE_WAY_MS`` later, in order, so a request and its answer take one round trip
(2 × ONE_WAY_MS) more than on the bridge. What it does not model: the TCP handshake with the
client is not delayed (the kernel completes it before the relay sees the connection), nor
bandwidth or loss. Stops after LIFETIME_S seconds or when its stdin closes (the lab went away).
Standard library only: the lab runs it with the system's Python inside a machine's namespace.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time

CHUNK = 65536


async def _pump(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float, deadline: float
) -> None:
    """Copy reader → writer, each chunk ``delay`` s after it arrived; EOF passed on in turn."""
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def read() -> None:
        with contextlib.suppress(OSError):  # a reset ends the direction like an EOF
            while time.monotonic() < deadline:
                data = await reader.read(CHUNK)
                if not data:
                    break
                await queue.put((time.monotonic() + delay, data))
        await queue.put((time.monotonic() + delay, b""))

    async def write() -> None:
        while time.monotonic() < deadline:
            due, data = await queue.get()
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            if not data:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(data)
            await writer.drain()

    reading = asyncio.ensure_future(read())
    try:
        await write()
    finally:
        reading.cancel()


async def _serve(port: int, target: tuple[str, int], delay: float, lifetime: float) -> None:
    deadline = time.monotonic() + lifetime

    async def relay(c_reader: asyncio.StreamReader, c_writer: asyncio.StreamWriter) -> None:
        try:
            u_reader, u_writer = await asyncio.open_connection(*target)
        except OSError:
            c_writer.close()
            return
        try:
            await asyncio.gather(
                _pump(c_reader, u_writer, delay, deadline),
                _pump(u_reader, c_writer, delay, deadline),
            )
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            for w in (c_writer, u_writer):
                w.close()

    server = await asyncio.start_server(relay, "0.0.0.0", port, backlog=1024, reuse_address=True)
    loop = asyncio.get_running_loop()
    stdin_closed = loop.create_future()

    def on_stdin() -> None:
        if not sys.stdin.buffer.raw.read(1) and not stdin_closed.done():  # type: ignore[attr-defined]
            stdin_closed.set_result(None)

    loop.add_reader(sys.stdin.fileno(), on_stdin)
    print("listening", flush=True)
    async with server:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stdin_closed, timeout=lifetime)


def main(argv: list[str]) -> int:
    port, host, target_port, one_way_ms, lifetime = argv
    asyncio.run(
        _serve(int(port), (host, int(target_port)), float(one_way_ms) / 1000, float(lifetime))
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

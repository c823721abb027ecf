"""Telling the audit's pool that a host is only waiting: for TCP, or for the SSH banner.

A host that is switched off holds its thread for the whole connect time-out, and one that accepts
TCP and never speaks for the whole banner time-out, using no CPU at all. A transport marks those
waits with ``waiting()``; the pool (engine/pool.py) counts the hosts inside one and hands out one
more host for each, so the hosts that are being collected keep their number whatever the dead
ones do. Outside a pool (a test, ``inspect``) nobody listens and ``waiting()`` does nothing.
Behind jump hosts (ProxyJump) the same waits are marked where they happen: the TCP connect to the
first jump host, each jump host's ``direct-tcpip`` channel opening (the jump host's own TCP connect
onward: sshd confirms the channel once that connect is made), and each banner after it, read
through the channel.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: told +1 when the calling thread's host starts waiting, -1 when it stops
Listener = Callable[[int], object]

_local = threading.local()


@contextmanager
def waiting() -> Iterator[None]:
    """The calling thread's host waits on the network (connect, banner) for the block's time."""
    listener: Listener | None = getattr(_local, "listener", None)
    if listener is None:
        yield
        return
    listener(1)
    try:
        yield
    finally:
        listener(-1)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """``listener`` hears of every ``waiting()`` of the calling thread for the block's time."""
    old = getattr(_local, "listener", None)
    _local.listener = listener
    try:
        yield
    finally:
        _local.listener = old

"""The audit's worker pool: how many hosts are worked on at once.

A host's time is mostly waiting. A host that is switched off holds its thread for the whole
connect time-out, and one that accepts TCP and never speaks for the whole banner time-out, using
no CPU at all; with a fixed pool those waits pile up (12,000 hosts of which 12 % time out at 10 s
hold 14,400 thread-seconds: seven and a half minutes of a 32-thread pool). Two rules, both
simple, keep the pool from stalling behind them and from overrunning the machine:

1. **Waiting hosts hold no slot.** The transport marks the waits that are pure waiting — the TCP
   connect and the wait for the server's SSH banner, directly or through jump hosts
   (``collect.waits.waiting()``) — and the pool
   lends each such host's slot to one more host. The hosts being *worked on* (key exchange,
   login, the script, parsing, checks) keep the pool's size while dead hosts are waited out, so
   a run takes the live hosts' time plus about one time-out (the last dead host handed out), not
   the sum of the time-outs. The slots lent are bounded: as many as the size, and at least
   ``LEND_FLOOR`` (64). Bounded, because a live sshd that is slow to send its banner because its
   machine is overloaded is waiting too, and lending without bound would hand such machines ever
   more hosts (and the collector ever more threads and sockets). At least 64, because a waiting
   host costs the collector only a thread and a socket, and a cap of the size alone is too
   tight for a small pool: 8 workers auditing 1,000 hosts of which 12 % time out at 10 s meet
   ~12 waiting hosts at once, and a cap of 8 left the run 49 s longer than its live hosts'
   (benchmarks/README.md, "Pool").
2. **The size follows the collector's CPU** (``--workers auto``, the default). Every ``TICK``
   seconds the pool reads how busy the collector was and ``next_workers`` (a pure function)
   decides the size for the next interval: busy ≥ ``BUSY``: a quarter fewer; busy < ``IDLE``
   while every slot was taken: half as many again; otherwise the same; always within
   ``PoolLimits.low … high``. *Busy* is the larger of the process's CPU time over the wall time,
   as a share of one CPU (Python runs one thread's bytecode at a time, so one CPU is what the
   collector can use), and the share of the time some task waited for a CPU (Linux's pressure
   stall information, ``/proc/pressure/cpu``, where the kernel has it). The second catches a
   machine whose CPUs are taken by others — in the lab, by the target machines themselves: the
   collector's threads then wait for a CPU, its handshakes slow down towards their time-outs,
   and more hosts at once would only make that worse. ``--workers N`` is the same pool with
   ``low = high = N`` (rule 1 still applies).

The auto size stays between ``AUTO.low`` (16) and ``AUTO.high`` (64), half and twice the fixed 32
it replaces. Not higher: the CPU cannot tell a slow WAN (where more hosts at once help) from far
ends that are overloaded (where they only slow every host towards its time-outs). Not lower: on a
machine that also runs CPU-hungry work (in the lab, the target machines themselves) some task is
always waiting for a CPU, and a pool that shrank to a handful of hosts would leave that CPU
idle between their round trips (benchmarks/README.md, "Pool").

Bounded and without busy-waiting: the loop sleeps on a condition until a host finishes, a wait
begins or ends, or the next decision is due, and ends when every host has been handed out and
finished. Threads are created by the executor only as hosts are handed to it, so their number is
the peak in flight; hosts are taken from the iterator only as slots free up (memory stays flat).
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from netguard.collect.waits import listening

#: seconds between two decisions of the controller
TICK = 1.0
#: busy share at or above which the pool shrinks
BUSY = 0.90
#: busy share below which a full pool grows
IDLE = 0.60

#: every decision, at debug level (benchmarks/pool_bench.py records them)
log = logging.getLogger("netguard.pool")

Item = TypeVar("Item")
Out = TypeVar("Out")


#: the fewest waiting hosts a pool lends slots to, whatever its size (rule 1 above)
LEND_FLOOR = 64


@dataclass(frozen=True)
class PoolLimits:
    """How many hosts may be worked on at once: at first, at least and at most; and how many
    more may be handed out while others only wait (``lend``; default: the size, at least
    ``LEND_FLOOR``)."""

    start: int = 32
    low: int = 4
    high: int = 256
    lend: int | None = None

    def lent(self, size: int) -> int:
        """The most slots lent to waiting hosts while the pool's size is ``size``."""
        return self.lend if self.lend is not None else max(size, LEND_FLOOR)

    def __post_init__(self) -> None:
        if not 1 <= self.low <= self.start <= self.high or (self.lend or 0) < 0:
            raise ValueError(f"pool limits need 1 <= low <= start <= high, lend >= 0: {self}")

    @classmethod
    def fixed(cls, workers: int) -> PoolLimits:
        """Exactly ``workers`` hosts in flight, whatever the CPU says (``--workers N``)."""
        n = max(1, workers)
        return cls(start=n, low=n, high=n)


#: ``--workers auto``: start where the fixed default was, between half and twice that
AUTO = PoolLimits(start=32, low=16, high=64)


def next_workers(busy: float, current: int, limits: PoolLimits, *, full: bool = True) -> int:
    """The number of hosts in flight for the next interval.

    ``busy``: the collector's CPU use over the last interval, 0 (idle) to 1 (saturated);
    ``current``: hosts allowed in flight during it; ``full``: whether they were all taken (a
    pool that had hosts to spare is not short of slots, however idle the CPU)."""
    if busy >= BUSY:
        wanted = min(current - 1, current * 3 // 4)
    elif busy < IDLE and full:
        wanted = current + max(1, current // 2)
    else:
        wanted = current
    return max(limits.low, min(limits.high, wanted))


class CpuMeter:
    """How busy the collector was since the last reading, 0 to 1: the larger of its process's CPU
    time over the wall time (all threads, ``os.times``; a share of one CPU) and the share of the
    time some task waited for a CPU (Linux's pressure stall information, ``/proc/pressure/cpu``,
    where the kernel has it)."""

    def __init__(
        self,
        pressure_path: str = "/proc/pressure/cpu",
        *,
        clock: Callable[[], float] = time.monotonic,
        process_cpu: Callable[[], float] | None = None,
    ) -> None:
        self._pressure_path, self._clock = pressure_path, clock
        self._process_cpu = process_cpu or _process_cpu
        self._wall, self._cpu = clock(), self._process_cpu()
        self._stalled = self._read_stalled()

    def read(self) -> float:
        wall, cpu, stalled = self._clock(), self._process_cpu(), self._read_stalled()
        elapsed = wall - self._wall
        share = 0.0
        if elapsed > 0:
            share = (cpu - self._cpu) / elapsed
            if stalled is not None and self._stalled is not None:
                share = max(share, (stalled - self._stalled) / 1e6 / elapsed)
        self._wall, self._cpu, self._stalled = wall, cpu, stalled
        return min(1.0, max(0.0, share))

    def _read_stalled(self) -> int | None:
        """Microseconds some task waited for a CPU since boot; None without PSI."""
        try:
            with open(self._pressure_path, encoding="ascii") as fh:
                for line in fh.read(4096).splitlines():
                    if line.startswith("some "):
                        total = line.rpartition("total=")[2]
                        return int(total) if total.isdigit() else None
        except OSError:
            return None
        return None


def _process_cpu() -> float:
    t = os.times()
    return t.user + t.system


def run_pool(
    items: Iterable[Item],
    work: Callable[[Item], Out],
    limits: PoolLimits,
    *,
    meter: Callable[[], float] | None = None,
    on_size: Callable[[int], object] | None = None,
    tick: float = TICK,
) -> Iterator[Out]:
    """``work(item)`` for every item, in threads, yielded in the order they finish.

    At most ``size`` items are worked on at once, plus one for every item that is only waiting
    on the network (``collect.waits.waiting()``; at most ``limits.lent(size)`` more); ``size``
    starts at ``limits.start`` and ``next_workers`` moves it every ``tick`` seconds on what
    ``meter`` reads (default a ``CpuMeter``). ``on_size`` hears every change of the size."""
    read = meter or CpuMeter().read
    source = iter(items)
    cond = threading.Condition()
    finished: deque[Future[Out]] = deque()
    state = {"waiting": 0}

    def heard(delta: int) -> None:
        with cond:
            state["waiting"] += delta
            cond.notify()

    def run(item: Item) -> Out:
        with listening(heard):
            return work(item)

    def done(fut: Future[Out]) -> None:
        with cond:
            finished.append(fut)
            cond.notify()

    size = limits.start
    in_flight = 0
    busiest = 0  # the most items being worked on (not waiting) during the current interval
    exhausted = False
    next_tick = time.monotonic() + tick
    with ThreadPoolExecutor(max_workers=limits.high + limits.lent(limits.high)) as pool:
        for _ in itertools.count():  # ends when every item is handed out and finished
            with cond:
                seen = state["waiting"]
            # a waiting host's slot is lent to another, up to the limit of lent slots
            free = 0 if exhausted else size + min(seen, limits.lent(size)) - in_flight
            for _ in range(max(0, free)):
                try:
                    item = next(source)
                except StopIteration:
                    exhausted = True
                    break
                pool.submit(run, item).add_done_callback(done)
                in_flight += 1
            if in_flight == 0:
                return
            with cond:
                busiest = max(busiest, in_flight - min(state["waiting"], in_flight))
                if not finished and state["waiting"] == seen:
                    # a host finished, a wait began or ended, or the next decision is due
                    cond.wait(max(0.0, next_tick - time.monotonic()))
                ready = list(finished)
                finished.clear()
            in_flight -= len(ready)
            for fut in ready:
                yield fut.result()
            if time.monotonic() < next_tick:
                continue
            if limits.low < limits.high:
                busy = read()
                full = busiest >= size and not exhausted
                new = next_workers(busy, size, limits, full=full)
                log.debug("busy=%.2f full=%s in_flight=%d size=%d", busy, full, in_flight, new)
                if new != size and on_size is not None:
                    on_size(new)
                size = new
            busiest = 0
            next_tick = time.monotonic() + tick

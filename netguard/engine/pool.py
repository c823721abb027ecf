"""The audit's worker pool: how many hosts are worked on at once, adapted to the collector's CPU.

Why adaptive rather than a fixed number. A host's time is mostly waiting: for TCP, for the SSH
banner, for the far end's script, across a WAN. A host that is switched off holds its worker for
the whole connect time-out, and one that accepts TCP and never speaks for the whole banner
time-out, while using no CPU at all. With a fixed pool those waits pile up: 12,000 hosts of which
12 % time out at 10 s hold 14,400 worker-seconds, seven and a half minutes of a 32-worker pool.
The waits cost nothing but a thread, so the pool should simply hold more hosts while the CPU is
idle — and fewer when it is saturated, because past that point more hosts at once only make each
one slower (and a saturated collector risks its own time-outs firing).

So there is one mechanism, not two stages: every interval (``TICK`` seconds) the pool measures how
busy the collector is and ``next_workers`` (a pure function) decides the number of hosts in flight
for the next interval:

* *busy* is the process's CPU time over the interval's wall time, as a share of one CPU: Python
  runs one thread's bytecode at a time, so one CPU is what the collector can use. Only the
  collector's own CPU counts, not the machine's: other programs on the machine (in the lab: the
  target machines themselves) neither slow the hosts' waits nor are helped by a smaller pool;
* busy ≥ ``BUSY``: shrink by a quarter; busy < ``IDLE`` while every slot was taken: grow by a
  half; otherwise keep. Always within ``PoolLimits.low … high``.

Hosts stuck in time-outs leave the CPU idle, so the pool grows past them until the live hosts
keep the CPU busy again: the run takes the live hosts' time plus about one time-out (the last
dead host started), not the sum of the time-outs. A fixed ``--workers N`` is the same pool with
``low = high = N``.

Bounded and without busy-waiting: the loop blocks in ``wait`` until a host finishes or the next
tick is due, and ends when every host has been handed out and finished. Threads are created by
the executor only as hosts are handed to it, so their number is the peak in flight, never
``high`` up front; hosts are taken from the iterator only as slots free up (memory stays flat).
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


@dataclass(frozen=True)
class PoolLimits:
    """How many hosts may be in flight: at first, at least and at most."""

    start: int = 32
    low: int = 4
    high: int = 256

    def __post_init__(self) -> None:
        if not 1 <= self.low <= self.start <= self.high:
            raise ValueError(f"pool limits need 1 <= low <= start <= high: {self}")

    @classmethod
    def fixed(cls, workers: int) -> PoolLimits:
        """Exactly ``workers`` hosts in flight, whatever the CPU says (``--workers N``)."""
        n = max(1, workers)
        return cls(start=n, low=n, high=n)


#: ``--workers auto``: start where the fixed default was, grow to 256 hosts in flight
AUTO = PoolLimits()


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
    """How busy the collector was since the last reading: its process's CPU time (all threads,
    ``os.times``) over the wall time, as a share of one CPU, at most 1."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        process_cpu: Callable[[], float] | None = None,
    ) -> None:
        self._clock = clock
        self._process_cpu = process_cpu or _process_cpu
        self._wall, self._cpu = clock(), self._process_cpu()

    def read(self) -> float:
        wall, cpu = self._clock(), self._process_cpu()
        elapsed = wall - self._wall
        share = (cpu - self._cpu) / elapsed if elapsed > 0 else 0.0
        self._wall, self._cpu = wall, cpu
        return min(1.0, max(0.0, share))


def _process_cpu() -> float:
    t = os.times()
    return t.user + t.system


#: hosts that may wait on the network (collect/waits.py) beyond the pool's size
WAITING_MAX = 512


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
    on the network (``collect.waits.waiting()``, at most ``WAITING_MAX``); ``size`` starts at
    ``limits.start`` and ``next_workers`` moves it every ``tick`` seconds on what ``meter``
    reads (default a ``CpuMeter``). ``on_size`` hears every change of the size."""
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
    with ThreadPoolExecutor(max_workers=limits.high + WAITING_MAX) as pool:
        for _ in itertools.count():  # ends when every item is handed out and finished
            with cond:
                seen = state["waiting"]
            free = 0 if exhausted else size + min(seen, WAITING_MAX) - in_flight
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

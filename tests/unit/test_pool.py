"""The audit's pool (engine/pool.py): the controller as a pure function, the CPU meter over
made-up clocks, and the pool's structure (how many hosts in flight), never its speed."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from netguard.collect.waits import listening, waiting
from netguard.engine.pool import (
    AUTO,
    BUSY,
    IDLE,
    LEND_FLOOR,
    CpuMeter,
    PoolLimits,
    next_workers,
    run_pool,
)

LIMITS = PoolLimits(start=32, low=4, high=256)


def test_a_saturated_collector_gets_fewer_hosts() -> None:
    assert next_workers(1.0, 32, LIMITS) == 24
    assert next_workers(BUSY, 32, LIMITS) == 24
    assert next_workers(1.0, 5, LIMITS) == 4  # a quarter rounds to at least one fewer
    assert next_workers(1.0, 4, LIMITS) == 4  # never below low


def test_an_idle_collector_with_every_slot_taken_gets_more() -> None:
    assert next_workers(0.0, 32, LIMITS) == 48
    assert next_workers(IDLE - 0.01, 32, LIMITS) == 48
    assert next_workers(0.1, 1, PoolLimits(start=1, low=1, high=8)) == 2
    assert next_workers(0.1, 200, LIMITS) == 256  # never above high


def test_spare_slots_or_a_middling_cpu_keep_the_size() -> None:
    assert next_workers(0.0, 32, LIMITS, full=False) == 32
    assert next_workers(IDLE, 32, LIMITS) == 32
    assert next_workers((IDLE + BUSY) / 2, 32, LIMITS) == 32


def test_the_controller_reaches_its_bounds_and_stays_there() -> None:
    size, sizes = AUTO.start, []
    for _ in range(20):
        size = next_workers(0.0, size, AUTO)
        sizes.append(size)
    assert sizes[-1] == AUTO.high and sizes == sorted(sizes)
    for _ in range(30):
        size = next_workers(1.0, size, AUTO)
    assert size == AUTO.low


def test_a_fixed_pool_never_moves() -> None:
    fixed = PoolLimits.fixed(7)
    assert (fixed.low, fixed.start, fixed.high) == (7, 7, 7)
    assert {next_workers(busy, 7, fixed) for busy in (0.0, 0.5, 0.95, 1.0)} == {7}
    assert PoolLimits.fixed(0).start == 1


def test_limits_out_of_order_are_refused() -> None:
    with pytest.raises(ValueError, match="low <= start <= high"):
        PoolLimits(start=2, low=4, high=8)


class _Clocks:
    """A wall clock, the process's CPU seconds and the kernel's CPU pressure, moved by the test."""

    def __init__(self, pressure: Path) -> None:
        self.wall = 100.0
        self.cpu = 5.0
        self.pressure = pressure
        self.stalled_us = 7_000_000
        self.write()

    def write(self) -> None:
        self.pressure.write_text(
            f"some avg10=1.00 avg60=1.00 avg300=1.00 total={self.stalled_us}\n"
            "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
        )

    def meter(self) -> CpuMeter:
        return CpuMeter(str(self.pressure), clock=lambda: self.wall, process_cpu=lambda: self.cpu)


def test_the_meter_reads_the_processs_share_of_one_cpu(tmp_path: Path) -> None:
    t = _Clocks(tmp_path / "cpu")
    meter = t.meter()
    t.wall += 2.0
    t.cpu += 1.4
    assert meter.read() == pytest.approx(0.7)
    t.wall += 1.0
    t.cpu += 3.0  # threads in C (crypto) beyond one CPU: saturated, no more
    assert meter.read() == 1.0
    t.wall += 1.0
    assert meter.read() == 0.0  # waiting on the network costs nothing
    assert meter.read() == 0.0  # no time passed: nothing measured


def test_the_meter_reads_a_machine_whose_cpus_others_hold(tmp_path: Path) -> None:
    t = _Clocks(tmp_path / "cpu")
    meter = t.meter()
    t.wall += 2.0
    t.cpu += 0.2  # the collector itself: 10 % of a CPU
    t.stalled_us += 1_900_000  # but some task waited for a CPU 95 % of the time
    t.write()
    assert meter.read() == pytest.approx(0.95)


def test_without_pressure_information_the_process_alone_is_measured(tmp_path: Path) -> None:
    t = _Clocks(tmp_path / "cpu")
    for name, text in (("absent", None), ("garbage", "some avg10=1 total=many\n")):
        path = tmp_path / name
        if text is not None:
            path.write_text(text)
        meter = CpuMeter(str(path), clock=lambda: t.wall, process_cpu=lambda: t.cpu)
        t.wall += 1.0
        t.cpu += 0.25
        assert meter.read() == pytest.approx(0.25)


def test_the_real_meter_reads_a_share() -> None:
    assert 0.0 <= CpuMeter().read() <= 1.0


class _InFlight:
    """Counts how many calls of ``work`` run at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.most = 0

    def enter(self) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def leave(self) -> None:
        with self.lock:
            self.now -= 1


def test_every_item_is_done_once_and_a_fixed_pool_holds_its_number() -> None:
    seen = _InFlight()
    gate = threading.Semaphore(0)

    def work(i: int) -> int:
        seen.enter()
        gate.acquire(timeout=0.01)  # let others pile up for a moment
        seen.leave()
        return i * 2

    out = list(run_pool(range(200), work, PoolLimits.fixed(5)))
    assert sorted(out) == [i * 2 for i in range(200)]
    assert seen.most == 5


def test_an_idle_pool_grows_past_hosts_that_only_wait() -> None:
    """Ten hosts that each wait for all ten to be in flight at once (as dead hosts wait out a
    time-out): a pool of 2 that never grew would break the barrier."""
    barrier = threading.Barrier(10, timeout=20)
    sizes: list[int] = []
    limits = PoolLimits(start=2, low=1, high=16)
    out = list(run_pool(range(10), lambda i: barrier.wait() >= 0 and i, limits,
                        meter=lambda: 0.0, on_size=sizes.append, tick=0.01))  # fmt: skip
    assert sorted(out) == list(range(10))
    assert sizes and sizes[0] > 2 and max(sizes) >= 10


def test_a_saturated_pool_does_not_grow() -> None:
    seen = _InFlight()

    def work(i: int) -> int:
        seen.enter()
        threading.Event().wait(0.005)
        seen.leave()
        return i

    sizes: list[int] = []
    limits = PoolLimits(start=3, low=2, high=64)
    out = list(run_pool(range(100), work, limits, meter=lambda: 1.0, on_size=sizes.append,
                        tick=0.01))  # fmt: skip
    assert sorted(out) == list(range(100))
    assert seen.most <= 3 and all(s <= 3 for s in sizes)


def test_a_failing_item_ends_the_pool_with_its_error() -> None:
    def work(i: int) -> int:
        if i == 3:
            raise RuntimeError("boom")
        return i

    with pytest.raises(RuntimeError, match="boom"):
        list(run_pool(range(10), work, PoolLimits.fixed(2)))


def _only_waiting(together: int) -> tuple[Callable[[int], int], _InFlight]:
    """Hosts that only wait (as on a connect time-out), each until ``together`` are waiting at
    once, and the count of hosts in flight."""
    barrier = threading.Barrier(together, timeout=20)
    seen = _InFlight()

    def work(i: int) -> int:
        seen.enter()
        with waiting():
            barrier.wait()
        seen.leave()
        return i

    return work, seen


def test_a_waiting_hosts_slot_is_lent_to_another_up_to_the_limit_of_lent_slots() -> None:
    """A fixed pool of 2 that lends 2 slots, whose hosts wait until 4 wait at once: only a pool
    that lends their slots gets there, and it lends no more than its limit (4 in flight, never
    12)."""
    work, seen = _only_waiting(4)
    limits = dataclasses.replace(PoolLimits.fixed(2), lend=2)
    assert sorted(run_pool(range(12), work, limits)) == list(range(12))
    assert seen.most == 4


def test_a_small_pool_still_lends_to_as_many_waiting_hosts_as_the_floor() -> None:
    """``--workers 2``: 66 hosts waiting at once all get a slot (2 + LEND_FLOOR), never more."""
    assert PoolLimits.fixed(2).lent(2) == LEND_FLOOR == 64
    assert PoolLimits.fixed(100).lent(100) == 100  # a large pool lends as many as its size
    work, seen = _only_waiting(2 + LEND_FLOOR)
    hosts = 2 * (2 + LEND_FLOOR)
    assert sorted(run_pool(range(hosts), work, PoolLimits.fixed(2))) == list(range(hosts))
    assert seen.most == 2 + LEND_FLOOR


def test_a_host_at_work_holds_its_slot() -> None:
    """The same pool with hosts that never say they wait: never more than 2 at once."""
    seen = _InFlight()

    def work(i: int) -> int:
        seen.enter()
        threading.Event().wait(0.002)
        seen.leave()
        return i

    assert sorted(run_pool(range(40), work, PoolLimits.fixed(2))) == list(range(40))
    assert seen.most == 2


def test_waiting_outside_a_pool_does_nothing() -> None:
    with waiting():
        pass
    heard: list[int] = []
    with listening(heard.append), waiting():
        assert heard == [1]
    assert heard == [1, -1]
    with waiting():
        assert heard == [1, -1]  # the listener ended with its block

"""The pool against a "city" (tests/lab/city.py): live hosts on real sshd, switched-off hosts whose
connect times out and hosts that accept TCP and never speak, with and without simulated WAN
latency. Every host must come out classified as what it is, whatever the pool's size does; how
long the run takes is the benchmark's business (benchmarks/pool_bench.py), never asserted here."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lab.city import DEAD, HANG, LIVE, City, CityPlan
from tests.lab.netlab import LabError, preflight

REPO = Path(__file__).resolve().parents[2]

#: what each kind of host must come out as: status and the reason its detail names
OUTCOME = {
    LIVE: ("audited", None),
    DEAD: ("unreachable", "connect_timeout"),
    HANG: ("timeout", "handshake_timeout"),
}


@pytest.fixture(scope="module", params=[0.0, 60.0], ids=["bridge", "wan-60ms"])
def city(request: pytest.FixtureRequest) -> Iterator[City]:
    try:
        preflight()
    except LabError as e:
        pytest.fail(f"{e} — the lab tests need root, iproute2 and openssh-server", pytrace=False)
    # 60 hosts: 6 dead, 1 hanging (every 10th, every 50th), the rest on 2 real sshd; a short
    # connect time-out keeps the test quick, a long command time-out keeps a busy CI honest
    plan = CityPlan(hosts=60, machines=2, rtt_ms=request.param, clamd=False,
                    connect_timeout=2.0, command_timeout=120.0)  # fmt: skip
    with City(plan) as c:
        c.start()
        yield c


def _audit(city: City, tmp: Path, *workers: str) -> dict[str, tuple[str, str | None]]:
    out = tmp / "results.json"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cp = city.lab.run_in_auditor(
        [sys.executable, "-m", "netguard", "audit", str(city.inventory_path),
         "--format", "json", "-o", str(out), "-q", *workers],
        timeout=600, cwd=REPO, env=env,
    )  # fmt: skip
    assert out.exists(), cp.stderr[-3000:]
    doc = json.loads(out.read_text())
    return {h["name"]: (h["status"], _reason(h)) for h in doc["hosts"]}


def _reason(host: dict[str, object]) -> str | None:
    """The message id of a host's detail, where the document keeps one."""
    for key in ("detail_reason", "reason"):
        if isinstance(host.get(key), str):
            return str(host[key])
    return None


@pytest.mark.parametrize("workers", [(), ("--workers", "auto"), ("--workers", "3")],
                         ids=["default", "auto", "fixed-3"])  # fmt: skip
def test_every_host_of_the_city_is_classified_as_what_it_is(
    city: City, tmp_path: Path, workers: tuple[str, ...]
) -> None:
    got = _audit(city, tmp_path, *workers)
    assert set(got) == set(city.expected)
    wrong = {}
    for name, kind in city.expected.items():
        status, reason = got[name]
        want_status, want_reason = OUTCOME[kind]
        if status != want_status or (want_reason is not None and reason != want_reason):
            wrong[name] = (kind, status, reason)
    assert not wrong
    kinds = set(city.expected.values())
    assert kinds == {LIVE, DEAD, HANG}  # the city holds every kind the test speaks of

"""A "city" of thousands of hosts for the pool: live ones on a few real sshd, dead and hanging ones.

How each kind of host is made (all inside the lab's own namespaces, tests/lab/netlab.py):

* **live**: a block of addresses (``HostSpec.serves``, a ``local`` route on the machine's
  loopback) answered by one real OpenSSH sshd listening on every address; ``machines`` such sshd
  share the live hosts, one address each. Every login is a real sshd session running the real
  collection script: the target side's cost per host is a real machine's.
* **dead** (switched off, ``dead`` share): an address block routed to a machine that neither
  answers nor forwards it (``HostSpec.swallows``): the SYN is dropped, the connect times out.
* **hanging** (``hang`` share): an address block served by the lab's silent listener, which
  accepts TCP and never sends a byte: the SSH banner times out.
* **WAN latency** (``rtt_ms``): the kernel here has no netem, so a delaying TCP relay
  (tests/lab/delay_relay.py, asyncio, user space) runs in each live machine's namespace on port
  2222 in front of its sshd, holding every chunk ``rtt_ms / 2`` in each direction; the
  inventory's live hosts use that port. The relay's CPU is counted apart (``relay_cpu_seconds``).

Hosts are interleaved (every 10th dead, every 50th hanging) so any prefix of the inventory has
the same mix. The inventory and its known_hosts (one line per live address) are written by
``start``; ``expected`` says what each host is.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.lab.netlab import INTRANET, Account, HostKind, HostSpec, Lab, LabError

RELAY = Path(__file__).resolve().parent / "delay_relay.py"
RELAY_PORT = 2222
LIVE, DEAD, HANG = "live", "dead", "hang"


def kind_of(i: int) -> str:
    """The i-th host of the city: every 10th dead (10 %), every 50th hanging (2 %)."""
    if i % 10 == 3:
        return DEAD
    if i % 50 == 7:
        return HANG
    return LIVE


@dataclass(frozen=True)
class CityPlan:
    hosts: int
    machines: int = 4  # real sshd the live hosts are spread over
    rtt_ms: float = 0.0  # simulated round trip to every live host; 0: the bridge's own
    clamd: bool = True
    connect_timeout: float = 3.0
    command_timeout: float = 60.0
    #: no host off nor hanging: the yardstick for a mixed city's live hosts alone
    live_only: bool = False


class City:
    """Build with ``start()``, tear down with ``stop()`` (or use as a context manager)."""

    def __init__(self, plan: CityPlan, lifetime: float = 3 * 3600.0) -> None:
        if not 1 <= plan.machines <= 20:
            raise LabError("1 to 20 sshd machines")
        self.plan = plan
        self.lifetime = lifetime
        self.lab = Lab(
            start_timeout=120.0,
            connect_timeout=plan.connect_timeout,
            command_timeout=plan.command_timeout,
            lifetime=lifetime,
        )
        self.lab.add_segment(INTRANET, "intranet", "10.20.0.0/22", "10.20.0.1")
        # one machine holds the hanging block and swallows the dead one
        self.lab.add_host(
            HostSpec("city-hang", "10.20.0.10", INTRANET, kind=HostKind.HANG,
                     serves="10.90.0.0/16", swallows="10.91.0.0/16")
        )  # fmt: skip
        self.machines = [
            self.lab.add_host(
                HostSpec(
                    f"city-{k}",
                    f"10.20.0.{11 + k}",
                    INTRANET,
                    clamd=plan.clamd,
                    accounts=(Account("user", 1000),),
                    serves=f"10.{64 + k}.0.0/16",
                )
            )
            for k in range(plan.machines)
        ]
        self.expected: dict[str, str] = {}
        self._relays: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> City:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def inventory_path(self) -> Path:
        return self.lab.tmp / "city.yaml"

    def start(self) -> None:
        self.lab.start()
        try:
            if self.plan.rtt_ms > 0:
                self._start_relays()
            self._write_inventory()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        for p in self._relays:
            with contextlib.suppress(OSError):
                if p.stdin is not None:
                    p.stdin.close()  # the relay stops on EOF
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)
        self._relays.clear()
        self.lab.stop()

    def relay_cpu_seconds(self) -> float:
        """CPU time the delay relays (the simulated WAN, not the targets) used so far."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for p in self._relays:
            for pid in _descendants(p.pid):
                with contextlib.suppress(OSError):
                    stat = Path(f"/proc/{pid}/stat").read_text()
                    total += sum(int(x) for x in stat[stat.rindex(")") + 2 :].split()[11:13])
        return total / tick

    def _start_relays(self) -> None:
        one_way = str(self.plan.rtt_ms / 2)
        for m in self.machines:
            ns = self.lab.netns_of(m.name)
            assert ns is not None
            log = open(self.lab.tmp / f"relay-{m.name}.log", "wb")  # noqa: SIM115 - the child's
            try:
                self._relays.append(
                    subprocess.Popen(
                        [
                            "ip",
                            "netns",
                            "exec",
                            ns,
                            sys.executable,
                            str(RELAY),
                            str(RELAY_PORT),
                            "127.0.0.1",
                            "22",
                            one_way,
                            str(self.lifetime),
                        ],
                        stdin=subprocess.PIPE,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
            finally:
                log.close()
        deadline = time.monotonic() + 30
        for m in self.machines:
            log_path = self.lab.tmp / f"relay-{m.name}.log"
            for _ in range(3000):  # bounded by the deadline
                if b"listening" in log_path.read_bytes():
                    break
                if time.monotonic() > deadline:
                    raise LabError(f"relay of {m.name} not up: {log_path.read_text()[-500:]}")
                time.sleep(0.01)

    def _write_inventory(self) -> None:
        plan = self.plan
        blocks = [ipaddress.IPv4Network(m.serves or "") for m in self.machines]
        keys = {m.name: self.lab.host_key(m.name) for m in self.machines}
        hang_net, dead_net = (
            ipaddress.IPv4Network("10.90.0.0/16"),
            ipaddress.IPv4Network("10.91.0.0/16"),
        )
        counts = {LIVE: 0, DEAD: 0, HANG: 0}
        hosts: list[dict[str, Any]] = []
        known: list[str] = []
        for i in range(plan.hosts):
            kind = LIVE if plan.live_only else kind_of(i)
            n = counts[kind]
            counts[kind] += 1
            name = f"h{i:05d}"
            host: dict[str, Any] = {"name": name, "segment": "city", "os": "linux"}
            if kind == LIVE:
                k = n % len(self.machines)
                addr = str(blocks[k][1 + n // len(self.machines)])
                if plan.rtt_ms > 0:
                    host["ssh"] = {"port": RELAY_PORT}
                    known.append(f"[{addr}]:{RELAY_PORT} {keys[self.machines[k].name]}")
                else:
                    known.append(f"{addr} {keys[self.machines[k].name]}")
            else:
                addr = str((hang_net if kind == HANG else dead_net)[1 + n])
            host["address"] = addr
            hosts.append(host)
            self.expected[name] = kind
        doc = {
            "segments": [{"name": "city", "zone": "intranet", "cidr": "10.64.0.0/10"}],
            "defaults": {
                "ssh": {
                    "user": "root",
                    "port": 22,
                    "identity_file": str(self.lab.identity_path),
                    "known_hosts": str(self.lab.tmp / "city_known_hosts"),
                    "connect_timeout": plan.connect_timeout,
                    "command_timeout": plan.command_timeout,
                }
            },
            "hosts": hosts,
        }
        (self.lab.tmp / "city_known_hosts").write_text("\n".join(known) + "\n")
        self.inventory_path.write_text(yaml.safe_dump(doc, sort_keys=False))


def _descendants(pid: int) -> list[int]:
    """``pid`` and its children (``ip netns exec`` execs the relay, so usually just one)."""
    out, todo = [], [pid]
    for _ in range(100):  # a relay has no grandchildren to speak of
        if not todo:
            break
        p = todo.pop()
        out.append(p)
        with contextlib.suppress(OSError):
            children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
            todo += [int(c) for c in children]
    return out

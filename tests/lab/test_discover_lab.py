"""A real `netguard discover` from the lab's auditor namespace: ARP and IPv6 neighbor discovery
on the lab's own bridges, against machines whose MACs the test sets.

Every packet stays inside the lab: the auditor's legs and the machines are namespaces on bridges
in the lab's switch namespace. The internet segment is never swept (the auditor has a leg there
too); the bridge between zones is a machine with legs in the intranet and the classified
segment that answers with one MAC in both.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.lab.netlab import HostKind, HostSpec, Lab, _run, preflight

ROOT = Path(__file__).resolve().parents[2]
INTRANET, CLASSIFIED, INTERNET = "lab-intranet", "lab-secret", "lab-internet"
MAC = {
    "reg-pc": "02:00:00:12:00:11",
    "moved-mac": "02:00:00:12:00:12",
    "bridge-pc": "02:00:00:12:00:13",
    "rogue": "02:00:00:12:00:99",
    "web": "02:00:00:12:00:50",
}


def _spec(name: str, address: str, segment: str = INTRANET, **kw: Any) -> HostSpec:
    legs = 1 + len(kw.get("extra_legs", ()))
    macs = tuple(f"link set eth{j} address {MAC[name]}" for j in range(legs))
    return HostSpec(name, address, segment, kind=HostKind.HANG, ip_commands=macs, **kw)


HOSTS = (
    _spec("reg-pc", "10.20.0.11"),
    _spec("moved-mac", "10.20.0.12"),  # the inventory records another MAC
    _spec("bridge-pc", "10.20.0.13", extra_legs=((CLASSIFIED, "10.40.0.13"),)),
    _spec("rogue", "10.20.0.99"),  # not in the inventory
    _spec("web", "198.51.100.50", INTERNET),  # on the internet segment: never asked
)


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    preflight()
    lab = Lab()
    try:
        lab.add_segment(INTRANET, "intranet", "10.20.0.0/24", "10.20.0.1")
        lab.add_segment(CLASSIFIED, "classified", "10.40.0.0/24", None)
        lab.add_segment(INTERNET, "internet", "198.51.100.0/24", "198.51.100.1")
        for spec in HOSTS:
            lab.add_host(spec)
        lab.start()
        yield lab
    finally:
        lab.stop()


def _inventory(lab: Lab, tmp: Path) -> Path:
    """The lab's inventory as the office registered it: MACs recorded, the rogue missing, every
    machine a device the audit does not contact (this test only sweeps)."""
    doc = yaml.safe_load(lab.inventory_path.read_text(encoding="utf-8"))
    recorded = {**MAC, "moved-mac": "02:00:00:12:00:77"}
    hosts = []
    for h in doc["hosts"]:
        if h["name"] == "rogue":
            continue
        hosts.append({**h, "mac": recorded[h["name"]], "audit": False})
    doc["hosts"] = hosts
    path = tmp / "office.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def test_discover_finds_the_rogue_the_changed_mac_and_the_bridge(lab: Lab, tmp_path: Path) -> None:
    inventory = _inventory(lab, tmp_path)
    out = tmp_path / "discover.json"
    argv = [sys.executable, "-m", "netguard", "discover", str(inventory), "--rate", "500"]
    proc = lab.run_in_auditor(
        [*argv, "--timeout", "30", "--format", "json", "-o", str(out)], timeout=120, cwd=ROOT
    )
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert {s["segment"] for s in doc["network"]["swept"]} == {INTRANET, CLASSIFIED}
    assert doc["network"]["skipped"] == []
    heard = {(a["segment"], a["ip"], a["mac"]) for a in doc["network"]["answers"]}
    assert heard == {
        (INTRANET, "10.20.0.11", MAC["reg-pc"]),
        (INTRANET, "10.20.0.12", MAC["moved-mac"]),
        (INTRANET, "10.20.0.13", MAC["bridge-pc"]),
        (INTRANET, "10.20.0.99", MAC["rogue"]),
        (CLASSIFIED, "10.40.0.13", MAC["bridge-pc"]),
    }
    entries = {
        (h["name"], h.get("kind", ""), f["check"], f["status"], f["reason"])
        for h in doc["hosts"]
        for f in h["findings"]
    }
    assert entries == {
        ("reg-pc", "device", "network.mac_changed", "pass", "network.mac_changed.same"),
        ("moved-mac", "device", "network.mac_changed", "fail", "network.mac_changed.changed"),
        ("bridge-pc", "device", "network.mac_changed", "pass", "network.mac_changed.same"),
        ("bridge-pc", "device", "network.bridged_zones", "fail", "network.bridged_zones.seen"),
        # its classified leg answers at an address nobody registered for it
        ("bridge-pc", "device", "network.unregistered_device", "fail",
         "network.unregistered_device.address_of"),
        ("unregistered-10.20.0.99", "unregistered", "network.unregistered_device", "fail",
         "network.unregistered_device.unknown"),
    }  # fmt: skip
    # the internet segment was never asked: an ARP request from the auditor's leg there would
    # have left its address in the web machine's neighbor table
    ns = lab.netns_of("web")
    assert ns is not None
    neigh = _run(["ip", "netns", "exec", ns, "ip", "-4", "neigh", "show"])
    assert "198.51.100.2" not in neigh
    # while the sweep's own requests left the auditor's intranet address in the rogue's table
    rogue = lab.netns_of("rogue")
    assert rogue is not None
    assert "10.20.0.2 " in _run(["ip", "netns", "exec", rogue, "ip", "-4", "neigh", "show"])


def test_discover_without_raw_sockets_is_exit_2(lab: Lab, tmp_path: Path) -> None:
    """Without CAP_NET_RAW (root, with the capability dropped from the bounding set) the sweep
    is refused with what to do, before any packet."""
    inventory = _inventory(lab, tmp_path)
    argv = ["setpriv", "--bounding-set=-net_raw", "--inh-caps=-net_raw"]
    proc = lab.run_in_auditor(
        [*argv, sys.executable, "-m", "netguard", "discover", str(inventory), "--timeout", "5"],
        timeout=60,
        cwd=ROOT,
    )
    assert proc.returncode == 2, proc.stderr
    assert "CAP_NET_RAW" in proc.stderr

"""network.*: the network sweep's answers judged against the inventory (checks/network.py), and
the result entries they become — pure, no network."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from netguard.checks.network import (
    BRIDGED,
    MAC_CHANGED,
    UNREGISTERED,
    NetworkFindings,
    analyse,
    network_results,
)
from netguard.inventory import load_inventory
from netguard.model import Finding, FindingStatus, Inventory, Neighbor, Sweep

INVENTORY = """\
segments:
  - {name: office, zone: intranet, cidr: [10.20.0.0/24, "2001:db8:20::/64"]}
  - {name: office-b, zone: intranet, cidr: 10.21.0.0/24}
  - {name: public, zone: internet, cidr: 192.168.50.0/24}
hosts:
  - {name: pc-1, address: 10.20.0.11, segment: office, mac: "00:1A:2B:3C:4D:01"}
  - {name: pc-2, address: 10.20.0.12, segment: office, mac: 00-1a-2b-3c-4d-02}
  - {name: pc-3, address: 10.20.0.13, segment: office}
  - {name: pc-6, address: "2001:db8:20::6", segment: office, mac: 001a2b3c4d06}
  - {name: printer, address: 10.20.0.200, segment: office, mac: "00:1a:2b:3c:4d:c8", audit: false}
  - {name: kiosk, address: 192.168.50.5, segment: public, mac: "00:1a:2b:3c:4d:55"}
"""


def _inventory(tmp_path: Path) -> Inventory:
    path = tmp_path / "inv.yaml"
    path.write_text(INVENTORY, encoding="utf-8")
    return load_inventory(path)


def _answer(segment: str, ip: str, mac: str, interface: str = "eth0") -> Neighbor:
    return Neighbor(segment, ipaddress.ip_address(ip), mac, interface)


def _sweep(*answers: Neighbor) -> Sweep:
    return Sweep({"office": "eth0", "office-b": "eth1"}, {}, tuple(answers))


def _brief(found: NetworkFindings) -> set[tuple[str, str, str, str]]:
    """(entry, check, status, reason) of every finding: entry is a host name or an address."""
    out = {(h, f.check, str(f.status), f.reason) for h, fs in found.on_hosts.items() for f in fs}
    for ip, (_, fs) in found.unregistered.items():
        out |= {(str(ip), f.check, str(f.status), f.reason) for f in fs}
    return out


def test_the_registered_machines_answering_as_recorded_give_no_failure(tmp_path: Path) -> None:
    inv = _inventory(tmp_path)
    found = analyse(
        inv,
        _sweep(
            _answer("office", "10.20.0.11", "00:1a:2b:3c:4d:01"),
            _answer("office", "10.20.0.11", "00:1a:2b:3c:4d:01"),  # answered twice: judged once
            _answer("office", "10.20.0.13", "00:1a:2b:3c:4d:99"),  # no mac recorded: no verdict
            _answer("office", "10.20.0.200", "00:1a:2b:3c:4d:c8"),  # the printer, audit: false
        ),
    )
    assert _brief(found) == {
        ("pc-1", MAC_CHANGED, "pass", "network.mac_changed.same"),
        ("printer", MAC_CHANGED, "pass", "network.mac_changed.same"),
    }
    assert network_results(inv, found, frozenset(h.name for h in inv.hosts))[0].host.name == (
        "printer"
    )


def test_an_unknown_address_with_an_unknown_mac_is_an_unregistered_device(tmp_path: Path) -> None:
    inv = _inventory(tmp_path)
    found = analyse(inv, _sweep(_answer("office", "10.20.0.99", "02:00:00:00:00:99")))
    assert _brief(found) == {
        ("10.20.0.99", UNREGISTERED, "fail", "network.unregistered_device.unknown")
    }
    (finding,) = found.unregistered[ipaddress.ip_address("10.20.0.99")][1]
    assert finding.message == (
        "10.20.0.99 (02:00:00:00:00:99) answers in segment office but is not in the inventory"
    )
    assert finding.evidence == {
        "segment": "office",
        "ip": "10.20.0.99",
        "mac": "02:00:00:00:00:99",
        "interface": "eth0",
    }
    assert finding.severity == "high"
    (entry,) = network_results(inv, found, frozenset(h.name for h in inv.hosts))
    doc = entry.to_dict()
    assert (doc["name"], doc["address"], doc["segment"], doc["zone"], doc["status"]) == (
        "unregistered-10.20.0.99",
        "10.20.0.99",
        "office",
        "intranet",
        "audited",
    )
    assert doc["kind"] == "unregistered"
    assert entry.verdict == "failing"


def test_a_registered_mac_at_an_unregistered_address_is_found_on_its_host(tmp_path: Path) -> None:
    inv = _inventory(tmp_path)
    found = analyse(inv, _sweep(_answer("office", "10.20.0.77", "00:1a:2b:3c:4d:02")))
    assert _brief(found) == {
        ("pc-2", UNREGISTERED, "fail", "network.unregistered_device.address_of")
    }
    assert found.on_hosts["pc-2"][0].message == (
        "10.20.0.77 answers with the MAC of pc-2 (00:1a:2b:3c:4d:02), which is registered at "
        "10.20.0.12"
    )


def test_a_registered_address_with_another_mac_is_a_changed_setting(tmp_path: Path) -> None:
    inv = _inventory(tmp_path)
    found = analyse(
        inv,
        _sweep(
            _answer("office", "10.20.0.11", "00:1a:2b:3c:4d:77"),  # a new card
            _answer("office", "10.20.0.12", "00:1a:2b:3c:4d:01"),  # pc-1's card at pc-2's address
        ),
    )
    assert _brief(found) == {
        ("pc-1", MAC_CHANGED, "fail", "network.mac_changed.changed"),
        ("pc-2", MAC_CHANGED, "fail", "network.mac_changed.other_host"),
    }
    assert found.on_hosts["pc-1"][0].evidence["recorded_mac"] == "00:1a:2b:3c:4d:01"
    assert found.on_hosts["pc-2"][0].message == (
        "10.20.0.12 answers with MAC 00:1a:2b:3c:4d:01, not the recorded 00:1a:2b:3c:4d:02: that "
        "MAC is registered to pc-1"
    )
    # audited hosts: their network findings join their own results, no entry of their own
    assert network_results(inv, found, frozenset(h.name for h in inv.hosts)) == []
    # discover alone: each registered entry with findings is an entry, seen by the sweep only
    alone = network_results(inv, found)
    assert [(r.host.name, r.verdict, r.host.kind) for r in alone] == [
        ("pc-1", "failing", ""),
        ("pc-2", "failing", ""),
    ]


def test_one_mac_in_segments_of_two_zones_is_a_bridge(tmp_path: Path) -> None:
    inv = _inventory(tmp_path)
    found = analyse(
        inv,
        Sweep(
            {"office": "eth0", "office-b": "eth1", "public": "eth2"},
            {},
            (
                _answer("office", "10.20.0.13", "00:1a:2b:3c:4d:33"),
                _answer("office-b", "10.21.0.13", "00:1a:2b:3c:4d:33", "eth1"),  # same zone
                _answer("public", "192.168.50.13", "00:1a:2b:3c:4d:33", "eth2"),  # internet
                _answer("office", "10.20.0.98", "02:00:00:00:00:98"),
                _answer("public", "192.168.50.98", "02:00:00:00:00:98", "eth2"),
            ),
        ),
    )
    assert _brief(found) == {
        ("pc-3", BRIDGED, "fail", "network.bridged_zones.seen"),  # registered at 10.20.0.13
        ("10.21.0.13", UNREGISTERED, "fail", "network.unregistered_device.unknown"),
        ("192.168.50.13", UNREGISTERED, "fail", "network.unregistered_device.unknown"),
        ("10.20.0.98", UNREGISTERED, "fail", "network.unregistered_device.unknown"),
        ("10.20.0.98", BRIDGED, "fail", "network.bridged_zones.seen"),
        ("192.168.50.98", UNREGISTERED, "fail", "network.unregistered_device.unknown"),
        ("192.168.50.98", BRIDGED, "fail", "network.bridged_zones.seen"),
    }
    bridge = found.on_hosts["pc-3"][0]
    assert bridge.severity == "critical"
    assert bridge.message == (
        "MAC 00:1a:2b:3c:4d:33 answers in segments of zones Internet, Government intranet "
        "(office; office-b; public)"
    )
    assert bridge.evidence["zones"] == ["internet", "intranet"]
    assert len(bridge.evidence["answers"]) == 3


def test_ipv6_neighbors_are_judged_like_arp_answers(tmp_path: Path) -> None:
    inv = _inventory(tmp_path)
    found = analyse(
        inv,
        _sweep(
            _answer("office", "2001:db8:20::6", "00:1a:2b:3c:4d:06"),  # as recorded
            _answer("office", "fe80::21a:2bff:fe3c:4d06", "00:1a:2b:3c:4d:06"),  # its link-local
            _answer("office", "fe80::99", "02:00:00:00:00:66"),  # nobody's
            _answer("office", "2001:db8:20::66", "02:00:00:00:00:66"),
        ),
    )
    assert _brief(found) == {
        ("pc-6", MAC_CHANGED, "pass", "network.mac_changed.same"),
        ("fe80::99", UNREGISTERED, "fail", "network.unregistered_device.unknown"),
        ("2001:db8:20::66", UNREGISTERED, "fail", "network.unregistered_device.unknown"),
    }
    names = [r.host.name for r in network_results(inv, found, frozenset(h.name for h in inv.hosts))]
    assert names == ["unregistered-2001-db8-20--66", "unregistered-fe80--99"]


def network_findings_for_i18n(tmp_path: Path) -> list[Finding]:
    """Every reason of checks/network.py once (test_i18n renders them in both languages)."""
    inv = _inventory(tmp_path)
    found = analyse(
        inv,
        Sweep(
            {"office": "eth0", "public": "eth2"},
            {},
            (
                _answer("office", "10.20.0.11", "00:1a:2b:3c:4d:01"),
                _answer("office", "10.20.0.12", "00:1a:2b:3c:4d:01"),
                _answer("office", "10.20.0.200", "00:1a:2b:3c:4d:77"),
                _answer("office", "10.20.0.77", "00:1a:2b:3c:4d:06"),
                _answer("office", "10.20.0.99", "02:00:00:00:00:99"),
                _answer("public", "192.168.50.99", "02:00:00:00:00:99"),
            ),
        ),
    )
    out = [f for fs in found.on_hosts.values() for f in fs]
    return out + [f for _, fs in found.unregistered.values() for f in fs]


def test_every_network_reason_is_reached(tmp_path: Path) -> None:
    assert {(f.reason, f.status) for f in network_findings_for_i18n(tmp_path)} == {
        ("network.mac_changed.same", FindingStatus.PASS),
        ("network.mac_changed.other_host", FindingStatus.FAIL),
        ("network.mac_changed.changed", FindingStatus.FAIL),
        ("network.unregistered_device.address_of", FindingStatus.FAIL),
        ("network.unregistered_device.unknown", FindingStatus.FAIL),
        ("network.bridged_zones.seen", FindingStatus.FAIL),
    }

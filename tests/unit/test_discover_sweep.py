"""The network sweep without a network: which segments it would sweep, whom it would ask, the
refused raw socket (exit 2 with what to do), and ``discover`` / ``audit --discover`` fed with a
recorded sweep."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any

import pytest

import netguard.net
from netguard.cli.main import main
from netguard.errors import InputError
from netguard.inventory import load_inventory
from netguard.model import Inventory, Neighbor, Sweep
from netguard.net import discover as discover_mod
from netguard.net.discover import RawSocketsNotPermitted, legs_of, sweep, targets
from netguard.results import parse_results

INVENTORY = """\
segments:
  - {name: office, zone: intranet, cidr: [10.20.0.0/24, "2001:db8:20::/64"]}
  - {name: secret, zone: classified, cidr: 10.40.0.0/24}
  - {name: public, zone: internet, cidr: 192.168.50.0/24}
hosts:
  - {name: pc-1, address: 10.20.0.11, segment: office, mac: "00:1a:2b:3c:4d:01", audit: false}
  - {name: pc-6, address: "2001:db8:20::6", segment: office, audit: false}
  - {name: printer, address: 10.20.0.200, segment: office, mac: "00:1a:2b:3c:4d:c8", audit: false}
"""

# Interfaces this machine does not have: should a socket ever open, nothing leaves the machine.
INTERFACES: dict[str, list[tuple[str, int]]] = {
    "lo": [("127.0.0.1", 4), ("::1", 6)],
    "ng-test0": [("10.20.0.5", 4), ("2001:db8:20::5", 6), ("fe80::5", 6)],
    "ng-test1": [("192.168.50.5", 4)],
}
MACS = {"ng-test0": "02:00:00:00:00:05", "ng-test1": "02:00:00:00:01:05"}


@pytest.fixture
def inventory_file(tmp_path: Path) -> Path:
    path = tmp_path / "inv.yaml"
    path.write_text(INVENTORY, encoding="utf-8")
    return path


def _inv(path: Path) -> Inventory:
    return load_inventory(path)


def test_only_isolated_segments_the_auditor_is_on_are_swept(inventory_file: Path) -> None:
    legs, skipped = legs_of(_inv(inventory_file), INTERFACES, MACS)
    assert [(leg.segment.name, leg.interface, leg.mac) for leg in legs] == [
        ("office", "ng-test0", "02:00:00:00:00:05")
    ]
    assert legs[0].addresses == (
        ipaddress.ip_address("10.20.0.5"),
        ipaddress.ip_address("2001:db8:20::5"),
    )
    # the internet segment is never swept, even though the auditor is on it
    assert skipped == {"secret": "the auditor has no address in this segment"}
    legs, skipped = legs_of(_inv(inventory_file), INTERFACES, MACS, ["public", "secret"])
    assert legs == []
    assert skipped == {
        "secret": "the auditor has no address in this segment",
        "public": "zone internet: only intranet and classified are swept",
    }
    with pytest.raises(InputError) as exc:
        legs_of(_inv(inventory_file), INTERFACES, MACS, ["ofice"])
    assert exc.value.field == "--segment"
    assert "unknown segment 'ofice'" in exc.value.message


def test_whom_a_leg_asks(inventory_file: Path) -> None:
    inv = _inv(inventory_file)
    (leg,), _ = legs_of(inv, INTERFACES, MACS)
    asked = targets(leg, inv)
    v4 = {a for a in asked if a.version == 4}
    assert v4 == set(ipaddress.ip_network("10.20.0.0/24").hosts()) - {
        ipaddress.ip_address("10.20.0.5")
    }
    assert {a for a in asked if a.version == 6} == {ipaddress.ip_address("2001:db8:20::6")}


def test_wire_macs_are_normalised_or_dropped() -> None:
    assert discover_mod.normal_mac("00:1A:2B:3C:4D:5E") == "00:1a:2b:3c:4d:5e"
    assert discover_mod.normal_mac("00:00:00:00:00:00") is None
    assert discover_mod.normal_mac("00:1a:2b:3c:4d:5e\x1b[31m") is None
    assert discover_mod.normal_mac(None) is None


def _refuse(*_: Any, **__: Any) -> Any:
    raise PermissionError(1, "Operation not permitted")


@pytest.fixture
def no_raw_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    import scapy.layers.l2
    import scapy.sendrecv
    from scapy.config import conf

    monkeypatch.setattr(scapy.sendrecv, "sendp", _refuse)
    monkeypatch.setattr(conf, "L2socket", _refuse)
    monkeypatch.setattr(conf, "L2listen", _refuse)
    monkeypatch.setattr(discover_mod, "local_interfaces", lambda: (INTERFACES, MACS))


def test_a_refused_raw_socket_says_what_to_do(inventory_file: Path, no_raw_sockets: None) -> None:
    with pytest.raises(RawSocketsNotPermitted) as exc:
        sweep(_inv(inventory_file), rate=1000, timeout=5)
    assert str(exc.value) == (
        "the network sweep needs raw sockets, which this process may not open ([Errno 1] "
        "Operation not permitted): run it as root (sudo), or grant the Python interpreter "
        'CAP_NET_RAW (setcap cap_net_raw+ep "$(readlink -f "$(command -v python3)")")'
    )


def test_discover_without_raw_sockets_is_exit_2(
    inventory_file: Path, no_raw_sockets: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["discover", str(inventory_file)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "netguard: error: the network sweep needs raw sockets" in captured.err
    assert "CAP_NET_RAW" in captured.err


def test_audit_discover_without_raw_sockets_writes_nothing(
    inventory_file: Path, no_raw_sockets: None, tmp_path: Path
) -> None:
    out = tmp_path / "r.json"
    argv = ["audit", str(inventory_file), "--discover", "--no-history", "-o", str(out), "-q"]
    assert main(argv) == 2
    assert not out.exists()


RECORDED = Sweep(
    {"office": "ng-test0"},
    {"secret": "the auditor has no address in this segment"},
    (
        Neighbor("office", ipaddress.ip_address("10.20.0.11"), "00:1a:2b:3c:4d:01", "ng-test0"),
        Neighbor("office", ipaddress.ip_address("10.20.0.200"), "00:1a:2b:3c:4d:99", "ng-test0"),
        Neighbor("office", ipaddress.ip_address("10.20.0.99"), "02:00:00:00:00:99", "ng-test0"),
    ),
    1.5,
)


@pytest.fixture
def recorded_sweep(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def fake(inv: Inventory, only: Any, rate: float, timeout: float) -> Sweep:
        calls.append({"only": list(only), "rate": rate, "timeout": timeout})
        return RECORDED

    monkeypatch.setattr(netguard.net, "sweep", fake)
    return calls


def _entries(doc: dict[str, Any]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    return [
        (h["name"], h.get("kind", ""), [(f["check"], f["status"]) for f in h["findings"]])
        for h in doc["hosts"]
    ]


def test_discover_writes_a_results_document(
    inventory_file: Path, recorded_sweep: list[dict[str, Any]], tmp_path: Path
) -> None:
    out = tmp_path / "d.json"
    argv = ["discover", str(inventory_file), "--segment", "office", "--rate", "50"]
    assert main([*argv, "--timeout", "9", "--format", "json", "-o", str(out)]) == 1
    assert recorded_sweep == [{"only": ["office"], "rate": 50.0, "timeout": 9.0}]
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert _entries(doc) == [
        ("pc-1", "device", [("network.mac_changed", "pass")]),
        ("printer", "device", [("network.mac_changed", "fail")]),
        ("unregistered-10.20.0.99", "unregistered", [("network.unregistered_device", "fail")]),
    ]
    assert doc["network"] == RECORDED.to_dict()
    assert doc["summary"]["failing"] == 2
    back = parse_results(doc)
    assert [h.kind for h in back.hosts] == ["device", "device", "unregistered"]
    assert back.network == RECORDED.to_dict()


def test_a_document_with_an_unknown_kind_is_refused(
    inventory_file: Path, recorded_sweep: list[dict[str, Any]], tmp_path: Path
) -> None:
    out = tmp_path / "d.json"
    main(["discover", str(inventory_file), "--format", "json", "-o", str(out)])
    doc = json.loads(out.read_text(encoding="utf-8"))
    doc["hosts"][2]["kind"] = "guest"
    with pytest.raises(InputError) as exc:
        parse_results(doc)
    assert exc.value.field == "hosts[2].kind"


def test_audit_discover_joins_the_sweep_to_the_audit(
    tmp_path: Path, recorded_sweep: list[dict[str, Any]]
) -> None:
    inv = tmp_path / "inv.yaml"
    inv.write_text(
        INVENTORY.replace(
            "hosts:\n",
            "hosts:\n  - {name: here, address: 10.20.0.11, segment: office, transport: local,"
            ' mac: "02:00:00:00:00:aa"}\n',
        ).replace("pc-1, address: 10.20.0.11", "pc-1, address: 10.20.0.12"),
        encoding="utf-8",
    )
    out = tmp_path / "r.json"
    argv = ["audit", str(inv), "--discover", "--discover-segment", "office", "--no-history"]
    assert main([*argv, "--format", "json", "-o", str(out), "-q"]) == 1
    doc = json.loads(out.read_text(encoding="utf-8"))
    here = doc["hosts"][0]
    assert here["name"] == "here" and "kind" not in here
    assert [f["check"] for f in here["findings"] if f["category"] == "network"] == [
        "network.mac_changed"
    ]
    assert [f["reason"] for f in here["findings"] if f["category"] == "network"] == [
        "network.mac_changed.other_host"  # pc-1's MAC answers at here's address
    ]
    assert _entries(doc)[1:] == [
        ("printer", "device", [("network.mac_changed", "fail")]),
        ("unregistered-10.20.0.99", "unregistered", [("network.unregistered_device", "fail")]),
    ]
    assert recorded_sweep == [{"only": ["office"], "rate": 100.0, "timeout": 60.0}]

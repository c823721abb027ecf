"""Inventory: a host's registered MAC address (``mac:``) and devices the audit does not contact
(``audit: false``), with located errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from netguard.errors import InputError
from netguard.inventory import load_inventory
from netguard.inventory.dump import dump_inventory

from .conftest import WriteYaml

HEAD = """\
segments:
  - {name: lan, zone: intranet, cidr: 10.20.0.0/24}
hosts:
"""


def _error(path: Path) -> InputError:
    with pytest.raises(InputError) as exc:
        load_inventory(path)
    return exc.value


def test_macs_are_normalised_and_devices_kept_apart(write_yaml: WriteYaml) -> None:
    path = write_yaml(
        HEAD
        + """\
  - {name: pc-1, address: 10.20.0.11, segment: lan, mac: "00:1A:2B:3C:4D:5E"}
  - {name: pc-2, address: 10.20.0.12, segment: lan, mac: 00-1a-2b-3c-4d-5f}
  - {name: printer, address: 10.20.0.200, segment: lan, mac: 001A2B3C4D60, audit: false}
  - {name: switch, address: 10.20.0.254, segment: lan, audit: false}
  - {name: pc-3, address: 10.20.0.13, segment: lan, audit: true}
"""
    )
    inv = load_inventory(path)
    assert [(h.name, h.mac, h.audit) for h in inv.hosts] == [
        ("pc-1", "00:1a:2b:3c:4d:5e", True),
        ("pc-2", "00:1a:2b:3c:4d:5f", True),
        ("pc-3", None, True),
    ]
    assert [(h.name, h.mac, h.audit, h.kind) for h in inv.devices] == [
        ("printer", "00:1a:2b:3c:4d:60", False, "device"),
        ("switch", None, False, "device"),
    ]
    assert [h.name for h in inv.registered] == ["pc-1", "pc-2", "pc-3", "printer", "switch"]
    # written back (evidence bundles), the devices and MACs survive
    again = write_yaml(dump_inventory(inv), name="again.yaml")
    back = load_inventory(again)
    assert (back.hosts, back.devices) == (inv.hosts, inv.devices)


@pytest.mark.parametrize(
    ("entry", "line", "field", "message"),
    [
        (
            '{name: a, address: 10.20.0.11, segment: lan, mac: "00:1a:2b:3c:4d"}',
            4,
            "hosts[0].mac",
            "invalid MAC address '00:1a:2b:3c:4d': expected six hex octets, e.g. 00:1a:2b:3c:4d:5e",
        ),
        (
            '{name: a, address: 10.20.0.11, segment: lan, mac: "00:1a-2b:3c:4d:5e"}',
            4,
            "hosts[0].mac",
            "invalid MAC address '00:1a-2b:3c:4d:5e'",
        ),
        (
            '{name: a, address: 10.20.0.11, segment: lan, mac: "00:1a:2b:3c:4d:5g"}',
            4,
            "hosts[0].mac",
            "invalid MAC address '00:1a:2b:3c:4d:5g'",
        ),
        (
            "{name: a, address: 10.20.0.11, segment: lan, audit: no-ssh}",
            4,
            "hosts[0].audit",
            "expected true or false, got 'no-ssh'",
        ),
    ],
)
def test_bad_mac_and_audit_values_are_located(
    write_yaml: WriteYaml, entry: str, line: int, field: str, message: str
) -> None:
    path = write_yaml(HEAD + f"  - {entry}\n")
    err = _error(path)
    assert (err.line, err.field) == (line, field), str(err)
    assert message in err.message


def test_one_mac_registered_twice_is_refused(write_yaml: WriteYaml) -> None:
    path = write_yaml(
        HEAD
        + """\
  - {name: a, address: 10.20.0.11, segment: lan, mac: "00:1a:2b:3c:4d:5e"}
  - {name: b, address: 10.20.0.12, segment: lan, mac: "00-1A-2B-3C-4D-5E", audit: false}
"""
    )
    err = _error(path)
    assert (err.line, err.field) == (5, "hosts[1].mac"), str(err)
    assert err.message == "duplicate MAC 00:1a:2b:3c:4d:5e (already host 'a' on line 4)"


def test_a_device_address_is_still_unique(write_yaml: WriteYaml) -> None:
    path = write_yaml(
        HEAD
        + """\
  - {name: a, address: 10.20.0.11, segment: lan}
  - {name: printer, address: 10.20.0.11, segment: lan, audit: false}
"""
    )
    err = _error(path)
    assert (err.line, err.field) == (5, "hosts[1].address"), str(err)
    assert "duplicate address 10.20.0.11" in err.message

"""Segments with several prefixes and one gateway per address family: loading, located errors,
writing back, and the local inventory's IPv6 half."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from netguard.errors import InputError
from netguard.inventory import load_inventory, local_inventory
from netguard.inventory import local as local_mod
from netguard.inventory.dump import dump_inventory

from .conftest import WriteYaml


def test_dual_stack_segment_loads_and_hosts_of_both_families_fit(write_yaml: WriteYaml) -> None:
    inv = load_inventory(
        write_yaml(
            """
            segments:
              - name: lan
                zone: intranet
                cidr: [10.20.0.0/24, 2001:db8:20::/64]
                gateway: [10.20.0.1, 'fe80::1']
              - {name: old, zone: internet, cidr: 192.168.50.0/24, gateway: 192.168.50.1}
            hosts:
              - {name: pc4, address: 10.20.0.5, segment: lan}
              - {name: pc6, address: '2001:db8:20::6', segment: lan}
            """
        )
    )
    lan = inv.segments["lan"]
    assert lan.cidr_text == "10.20.0.0/24, 2001:db8:20::/64"
    assert [str(g) for g in lan.gateway] == ["10.20.0.1", "fe80::1"]
    assert (str(lan.gateway_for(4)), str(lan.gateway_for(6))) == ("10.20.0.1", "fe80::1")
    assert lan.families == (4, 6)
    assert lan.contains(ipaddress.ip_address("2001:db8:20::6"))
    assert not lan.contains(ipaddress.ip_address("2001:db8:21::6"))
    old = inv.segments["old"]  # a single value stays a one-item tuple
    assert (old.cidr_text, old.gateway_for(6)) == ("192.168.50.0/24", None)


def test_written_back_inventory_reads_the_same(tmp_path: Path, write_yaml: WriteYaml) -> None:
    inv = load_inventory(
        write_yaml(
            """
            segments:
              - {name: lan, zone: intranet, cidr: [10.20.0.0/24, 'fd00:20::/64'],
                 gateway: [10.20.0.1, 'fd00:20::1']}
              - {name: one, zone: intranet, cidr: 10.30.0.0/24}
            hosts:
              - {name: pc1, address: 10.20.0.5, segment: lan}
            """
        )
    )
    text = dump_inventory(inv)
    assert "cidr: 10.30.0.0/24\n" in text  # one prefix is written as before
    again = tmp_path / "again.yaml"
    again.write_text(text)
    assert load_inventory(again).segments == inv.segments


@pytest.mark.parametrize(
    ("segments", "field", "phrase"),
    [
        ("{name: lan, zone: intranet, cidr: [10.20.0.0/24, '2001:db8::/64'], "
         "gateway: [10.20.0.1, 10.20.0.2]}", "segments[0].gateway[1]",
         "a second IPv4 gateway (10.20.0.1 is already registered); a segment has at most one "
         "gateway per address family"),
        ("{name: lan, zone: intranet, cidr: 10.20.0.0/24, gateway: ['2001:db8::1']}",
         "segments[0].gateway[0]", "2001:db8::1 is outside segment 'lan' (no IPv6 network)"),
        ("{name: lan, zone: intranet, cidr: 10.20.0.0/24, gateway: 'fe80::1'}",
         "segments[0].gateway", "fe80::1 is an IPv6 gateway but segment 'lan' registers no IPv6 "
         "network"),
        ("{name: lan, zone: intranet, cidr: [10.20.0.0/24, '2001:db8::/64'], "
         "gateway: '2001:db9::1'}", "segments[0].gateway",
         "2001:db9::1 is outside segment 'lan' (2001:db8::/64)"),
        ("{name: lan, zone: intranet, cidr: [10.20.0.0/24, 10.20.0.0/25]}", "segments[0].cidr[1]",
         "10.20.0.0/25 overlaps 10.20.0.0/24 (line 2) of the same segment"),
        ("{name: lan, zone: intranet, cidr: []}", "segments[0].cidr",
         "expected a network (e.g. 10.20.0.0/24) or a list of networks, got an empty list"),
        ("{name: lan, zone: intranet, cidr: [10.20.0.0/24, '2001:db8::5/64']}",
         "segments[0].cidr[1]", "host bits are set (did you mean 2001:db8::/64?)"),
        ("{name: lan, zone: intranet, cidr: [10.20.0.0/24, 'fd00:20::/64']}\n"
         "  - {name: wan, zone: internet, cidr: ['198.51.100.0/24', 'fd00::/16']}",
         "segments[1].cidr[1]",
         "fd00::/16 (internet) overlaps segment 'lan' (fd00:20::/64, intranet, line 2); segments "
         "of different zones must not overlap"),
    ],
)  # fmt: skip
def test_family_errors_are_located(
    write_yaml: WriteYaml, segments: str, field: str, phrase: str
) -> None:
    path = write_yaml(f"segments:\n  - {segments}\nhosts: []\n")
    with pytest.raises(InputError) as caught:
        load_inventory(path)
    err = caught.value
    assert err.field == field and phrase in err.message, str(err)
    assert err.line is not None


def test_host_outside_every_prefix_names_them_all(write_yaml: WriteYaml) -> None:
    path = write_yaml(
        "segments:\n  - {name: lan, zone: intranet, cidr: [10.20.0.0/24, '2001:db8::/64']}\n"
        "hosts:\n  - {name: pc1, address: '2001:db9::5', segment: lan}\n"
    )
    with pytest.raises(InputError) as caught:
        load_inventory(path)
    assert caught.value.message == (
        "2001:db9::5 is outside segment 'lan' (10.20.0.0/24, 2001:db8::/64)"
    )


# -- the local inventory's IPv6 half, from /proc tables recorded on a dual-stack Debian 12 VM ----

ROUTE4 = (
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
    "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
    "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
)
INET6 = (
    "fe8000000000000000fc00fffe000001 04 40 20 80     eth0\n"
    "00000000000000000000000000000001 01 80 10 80       lo\n"
    "fd000000000000000000000000000002 04 40 00 82     eth0\n"
)
ROUTE6 = (
    "fd000000000000000000000000000000 40 00000000000000000000000000000000 00 "
    "00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n"
    "fe800000000000000000000000000000 40 00000000000000000000000000000000 00 "
    "00000000000000000000000000000000 00000100 00000002 00000000 00000001     eth0\n"
    "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
    "fd000000000000000000000000000001 00000400 00000003 00000000 00000003     eth0\n"
    "fd000000000000000000000000000002 80 00000000000000000000000000000000 00 "
    "00000000000000000000000000000000 00000000 00000003 00000000 80200001     eth0\n"
    "ff000000000000000000000000000000 08 00000000000000000000000000000000 00 "
    "00000000000000000000000000000000 00000100 00000003 00000000 00000001     eth0\n"
    "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
    "00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n"
)


def _tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, route4: str | None) -> None:
    for name, text, attr in (
        ("route", ROUTE4, "ROUTE_TABLE"),
        ("if_inet6", INET6, "IPV6_ADDRESSES"),
        ("ipv6_route", ROUTE6, "IPV6_ROUTE_TABLE"),
    ):
        (tmp_path / name).write_text(text)
        monkeypatch.setattr(local_mod, attr, tmp_path / name)
    primary = ipaddress.IPv4Address(route4) if route4 else None
    monkeypatch.setattr(local_mod, "_primary_address", lambda: primary)


def test_local_inventory_derives_both_families(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tables(tmp_path, monkeypatch, "192.0.2.2")
    inv = local_inventory()
    seg = inv.segments["local"]
    assert seg.cidr_text == "192.0.2.0/24, fd00::/64"
    assert [str(g) for g in seg.gateway] == ["192.0.2.1", "fd00::1"]
    assert str(inv.hosts[0].address) == "192.0.2.2"


def test_local_inventory_of_an_ipv6_only_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tables(tmp_path, monkeypatch, None)
    inv = local_inventory()
    seg = inv.segments["local"]
    assert (seg.cidr_text, [str(g) for g in seg.gateway]) == ("fd00::/64", ["fd00::1"])
    assert str(inv.hosts[0].address) == "fd00::2"

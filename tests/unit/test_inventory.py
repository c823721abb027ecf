"""Inventory loading: the accepted shape, every validation rule located, merging and paths."""

from __future__ import annotations

import hashlib
import ipaddress
import os
from pathlib import Path

import pytest

from netguard.errors import InputError
from netguard.inventory import load_inventory, local_inventory
from netguard.inventory import local as local_mod
from netguard.model import Host, Segment, SshSettings, Zone

from .conftest import WriteYaml

ROOT = Path(__file__).resolve().parents[2]

SEGMENTS = """\
segments:
  - {name: lan, zone: intranet, cidr: 10.20.0.0/24, gateway: 10.20.0.1}
  - {name: inet, zone: internet, cidr: 192.168.50.0/24}
"""


def error_of(path: Path) -> InputError:
    with pytest.raises(InputError) as exc:
        load_inventory(path)
    return exc.value


def assert_error(path: Path, line: int | None, field: str | None, phrase: str) -> InputError:
    err = error_of(path)
    assert (err.file, err.line, err.field) == (str(path), line, field), str(err)
    assert phrase in err.message, str(err)
    return err


# -- a valid inventory -----------------------------------------------------------------------------


def test_valid_inventory_loads_exactly(write_yaml: WriteYaml) -> None:
    path = write_yaml(
        """
        segments:
          - name: county-intranet
            zone: intranet
            cidr: 10.20.0.0/24
            gateway: 10.20.0.1
            description: 内网
          - name: county-internet
            zone: internet
            cidr: 192.168.50.0/24
        defaults:
          ssh: {user: auditor, port: 2222, connect_timeout: 5}
        hosts:
          - name: fin-pc-07
            address: 10.20.0.17
            segment: county-intranet
            os: linux
            department: 财务科
            owner: 张伟
            location: 305室
            tags: [finance, finance, ground-floor]
            ssh: {user: root}
          - name: inet-pc-01
            address: 192.168.50.21
            segment: county-internet
            transport: local
        """
    )
    inv = load_inventory(path)
    assert inv.path == str(path)
    assert inv.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert inv.segments == {
        "county-intranet": Segment(
            "county-intranet",
            Zone.INTRANET,
            ipaddress.ip_network("10.20.0.0/24"),
            ipaddress.ip_address("10.20.0.1"),
            "内网",
        ),
        "county-internet": Segment(
            "county-internet", Zone.INTERNET, ipaddress.ip_network("192.168.50.0/24")
        ),
    }
    known_hosts = os.path.expanduser("~/.ssh/known_hosts")
    assert inv.hosts == (
        Host(
            name="fin-pc-07",
            address=ipaddress.ip_address("10.20.0.17"),
            segment="county-intranet",
            os="linux",
            ssh=SshSettings(user="root", port=2222, known_hosts=known_hosts, connect_timeout=5.0),
            department="财务科",
            owner="张伟",
            location="305室",
            tags=("finance", "ground-floor"),
        ),
        Host(
            name="inet-pc-01",
            address=ipaddress.ip_address("192.168.50.21"),
            segment="county-internet",
            ssh=SshSettings(
                user="auditor", port=2222, known_hosts=known_hosts, connect_timeout=5.0
            ),
            transport="local",
        ),
    )
    assert inv.segment_of(inv.hosts[0]).zone is Zone.INTRANET


def test_path_is_kept_as_given(write_yaml: WriteYaml, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_yaml("segments: []\nhosts: []\n", "inv.yaml")
    monkeypatch.chdir(path.parent)
    assert load_inventory("inv.yaml").path == "inv.yaml"
    assert load_inventory(Path("inv.yaml")).path == "inv.yaml"


@pytest.mark.parametrize("text", ["segments: []\nhosts: []\n", "segments:\nhosts:\n"])
def test_empty_fleet_is_allowed(write_yaml: WriteYaml, text: str) -> None:
    inv = load_inventory(write_yaml(text))
    assert inv.hosts == () and inv.segments == {}


def test_documented_example_loads() -> None:
    inv = load_inventory(ROOT / "inventory" / "example.yaml")
    assert {n: (s.zone, s.cidr_text) for n, s in inv.segments.items()} == {
        "county-intranet": (Zone.INTRANET, "10.20.0.0/24"),
        "county-extranet": (Zone.EXTRANET, "10.88.16.0/24"),
        "county-internet": (Zone.INTERNET, "192.168.50.0/24"),
        "confidential-room": (Zone.CLASSIFIED, "172.16.9.0/28"),
    }
    assert inv.segments["confidential-room"].gateway == ()
    assert [h.name for h in inv.hosts] == [
        "fin-pc-07",
        "fin-pc-08",
        "hr-pc-02",
        "office-pc-01",
        "it-srv-01",
        "hall-pc-03",
        "inet-pc-01",
        "secret-pc-01",
    ]
    by_name = {h.name: h for h in inv.hosts}
    assert by_name["fin-pc-07"].department == "财务科" and by_name["fin-pc-07"].owner == "张伟"
    assert by_name["hr-pc-02"].ssh.port == 2222 and by_name["hr-pc-02"].ssh.user == "auditor"
    assert by_name["it-srv-01"].ssh.user == "root"
    assert by_name["it-srv-01"].ssh.command_timeout == 120.0
    assert by_name["secret-pc-01"].ssh.identity_file == str(
        (ROOT / "inventory" / "keys" / "secret_room_ed25519").absolute()
    )


# -- SSH settings: merging and paths ---------------------------------------------------------------


def test_ssh_settings_merge_field_by_field(write_yaml: WriteYaml) -> None:
    path = write_yaml(
        SEGMENTS
        + """\
defaults:
  ssh:
    user: auditor
    port: 2200
    identity_file: /keys/audit
    known_hosts: /keys/known_hosts
    connect_timeout: 3
    command_timeout: 30.5
hosts:
  - {name: a, address: 10.20.0.2, segment: lan}
  - {name: b, address: 10.20.0.3, segment: lan, ssh: {user: root, command_timeout: 90}}
  - {name: c, address: 10.20.0.4, segment: lan, ssh: {identity_file: null}}
  - {name: d, address: 10.20.0.5, segment: lan, ssh: {}}
"""
    )
    a, b, c, d = load_inventory(path).hosts
    base = SshSettings("auditor", 2200, "/keys/audit", "/keys/known_hosts", 3.0, 30.5)
    assert a.ssh == base
    assert b.ssh == SshSettings("root", 2200, "/keys/audit", "/keys/known_hosts", 3.0, 90.0)
    assert c.ssh == SshSettings("auditor", 2200, None, "/keys/known_hosts", 3.0, 30.5)
    assert d.ssh == base


def test_model_defaults_without_a_defaults_section(write_yaml: WriteYaml) -> None:
    path = write_yaml(SEGMENTS + "hosts:\n  - {name: a, address: 10.20.0.2, segment: lan}\n")
    (host,) = load_inventory(path).hosts
    assert host.ssh == SshSettings(known_hosts=os.path.expanduser("~/.ssh/known_hosts"))
    assert host.os == "linux" and host.transport == "ssh"


def test_relative_paths_resolve_against_the_inventory_folder(
    write_yaml: WriteYaml, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    write_yaml(
        SEGMENTS
        + """\
defaults:
  ssh: {identity_file: keys/id_ed25519, known_hosts: ~/kh}
hosts:
  - {name: a, address: 10.20.0.2, segment: lan}
  - {name: b, address: 10.20.0.3, segment: lan, ssh: {known_hosts: ../shared/kh}}
""",
        "office/inv.yaml",
    )
    monkeypatch.chdir(tmp_path)  # the working directory must not matter
    a, b = load_inventory("office/inv.yaml").hosts
    assert a.ssh.identity_file == str(tmp_path / "office" / "keys" / "id_ed25519")
    assert a.ssh.known_hosts == str(tmp_path / "home" / "kh")
    assert b.ssh.known_hosts == str(tmp_path / "shared" / "kh")


def test_defaults_os_applies_unless_the_host_overrides(write_yaml: WriteYaml) -> None:
    path = write_yaml(
        SEGMENTS + "defaults: {os: windows}\nhosts:\n"
        "  - {name: a, address: 10.20.0.2, segment: lan}\n"
        "  - {name: b, address: 10.20.0.3, segment: lan, os: linux}\n"
    )
    assert [h.os for h in load_inventory(path).hosts] == ["windows", "linux"]


def test_ipv6_segments_work(write_yaml: WriteYaml) -> None:
    path = write_yaml(
        "segments:\n  - {name: v6, zone: intranet, cidr: 'fd00:20::/64', gateway: 'fd00:20::1'}\n"
        "hosts:\n  - {name: a, address: 'fd00:20::17', segment: v6}\n"
    )
    (host,) = load_inventory(path).hosts
    assert host.address == ipaddress.ip_address("fd00:20::17")


def test_same_zone_segments_may_overlap(write_yaml: WriteYaml) -> None:
    path = write_yaml(
        "segments:\n"
        "  - {name: building, zone: intranet, cidr: 10.20.0.0/16}\n"
        "  - {name: room, zone: intranet, cidr: 10.20.3.0/24}\n"
        "hosts: []\n"
    )
    assert list(load_inventory(path).segments) == ["building", "room"]


# -- validation: every rule with its file, line, field and message ---------------------------------


@pytest.mark.parametrize(
    ("text", "line", "field", "phrase"),
    [
        # the top level
        ("- a\n- b\n", 1, None, "expected a mapping (segments, hosts), got a list"),
        ("", None, None, "the inventory is empty"),
        ("segments: []\nhost: []\n", 2, "host",
         "unknown key 'host' (did you mean hosts?); allowed keys: name, segments, defaults, hosts"),
        ("hosts: []\n", 1, "segments", "required key is missing"),
        ("segments: []\n", 1, "hosts", "required key is missing"),
        ("segments: {lan: 1}\nhosts: []\n", 1, "segments", "expected a list of segments"),
        # segments
        ("segments:\n  - lan\nhosts: []\n", 2, "segments[0]",
         "expected a segment (a mapping), got text ('lan')"),
        ("segments:\n  - {name: lan, zone: intranet, cidr: 10.0.0.0/8, gatway: 10.0.0.1}\n"
         "hosts: []\n", 2, "segments[0].gatway",
         "unknown key 'gatway' (did you mean gateway?); allowed keys: name, zone, cidr, gateway, "
         "description"),
        ("segments:\n  - name: lan\n    cidr: 10.0.0.0/8\nhosts: []\n", 2, "segments[0].zone",
         "required key is missing"),
        ("segments:\n  - name: lan\n    zone: dmz\n    cidr: 10.0.0.0/8\nhosts: []\n", 3,
         "segments[0].zone",
         "invalid value 'dmz'; expected one of intranet, extranet, dedicated, internet, "
         "classified"),
        ("segments:\n  - {name: lan, zone: intranet, cidr: 10.20.0.0/33}\nhosts: []\n", 2,
         "segments[0].cidr", "invalid CIDR '10.20.0.0/33'"),
        ("segments:\n  - {name: lan, zone: intranet, cidr: 10.20.0.5/24}\nhosts: []\n", 2,
         "segments[0].cidr", "host bits are set (did you mean 10.20.0.0/24?)"),
        ("segments:\n  - {name: lan, zone: intranet, cidr: 10.20.0.0/24, gateway: 10.30.0.1}\n"
         "hosts: []\n", 2, "segments[0].gateway",
         "10.30.0.1 is outside segment 'lan' (10.20.0.0/24)"),
        ("segments:\n  - {name: lan, zone: intranet, cidr: 10.20.0.0/24, gateway: 10.20.0.0}\n"
         "hosts: []\n", 2, "segments[0].gateway", "is the network address of segment 'lan'"),
        ("segments:\n  - {name: lan, zone: intranet, cidr: 10.20.0.0/24, gateway: gw}\n"
         "hosts: []\n", 2, "segments[0].gateway", "invalid IP address 'gw'"),
        ("segments:\n  - {name: lan, zone: intranet, cidr: 10.20.0.0/24}\n"
         "  - {name: lan, zone: extranet, cidr: 10.30.0.0/24}\nhosts: []\n", 3,
         "segments[1].name", "duplicate segment name 'lan' (first defined on line 2)"),
        ("segments:\n  - {name: lan, zone: intranet, cidr: 10.20.0.0/24}\n"
         "  - {name: wide, zone: internet, cidr: 10.0.0.0/8}\nhosts: []\n", 3,
         "segments[1].cidr",
         "10.0.0.0/8 (internet) overlaps segment 'lan' (10.20.0.0/24, intranet, line 2); "
         "segments of different zones must not overlap"),
        # defaults
        (SEGMENTS + "defaults: {ssh: {port: abc}}\nhosts: []\n", 4, "defaults.ssh.port",
         "expected a whole number, got text ('abc')"),
        (SEGMENTS + "defaults: {ssh: {port: 0}}\nhosts: []\n", 4, "defaults.ssh.port",
         "must be at least 1, got 0"),
        (SEGMENTS + "defaults:\n  ssh:\n    port: 65536\nhosts: []\n", 6, "defaults.ssh.port",
         "must be at most 65535, got 65536"),
        (SEGMENTS + "defaults: {ssh: {port: true}}\nhosts: []\n", 4, "defaults.ssh.port",
         "expected a whole number, got a boolean (true)"),
        (SEGMENTS + "defaults: {ssh: {connect_timeout: 0}}\nhosts: []\n", 4,
         "defaults.ssh.connect_timeout", "must be a positive number, got 0"),
        (SEGMENTS + "defaults: {ssh: {command_timeout: '60'}}\nhosts: []\n", 4,
         "defaults.ssh.command_timeout", "expected a number, got text ('60')"),
        (SEGMENTS + "defaults: {ssh: {usr: x}}\nhosts: []\n", 4, "defaults.ssh.usr",
         "unknown key 'usr' (did you mean user?); allowed keys: user, port, identity_file, "
         "known_hosts, connect_timeout, command_timeout"),
        (SEGMENTS + "defaults: {shh: {}}\nhosts: []\n", 4, "defaults.shh",
         "unknown key 'shh' (did you mean ssh?)"),
        (SEGMENTS + "defaults: {os: win}\nhosts: []\n", 4, "defaults.os",
         "invalid value 'win' (did you mean windows?); expected one of linux, windows"),
        # hosts
        (SEGMENTS + "hosts: {pc1: {}}\n", 4, "hosts", "expected a list of hosts, got a mapping"),
        (SEGMENTS + "hosts:\n  - pc1\n", 5, "hosts[0]",
         "expected a host (a mapping), got text ('pc1')"),
        (SEGMENTS + "hosts:\n  - name: pc1\n    segment: lan\n", 5, "hosts[0].address",
         "required key is missing"),
        (SEGMENTS + "hosts:\n  - {name: pc1, address: 10.20.0.5, segment: lna}\n", 5,
         "hosts[0].segment", "unknown segment 'lna' (did you mean lan?); defined segments: lan, "
         "inet"),
        (SEGMENTS + "hosts:\n  - name: pc1\n    address: 10.30.0.5\n    segment: lan\n", 6,
         "hosts[0].address", "10.30.0.5 is outside segment 'lan' (10.20.0.0/24)"),
        (SEGMENTS + "hosts:\n  - {name: pc1, address: 'fd00::5', segment: lan}\n", 5,
         "hosts[0].address", "fd00::5 is outside segment 'lan' (10.20.0.0/24)"),
        (SEGMENTS + "hosts:\n  - {name: pc1, address: 10.20.0.255, segment: lan}\n", 5,
         "hosts[0].address", "is the broadcast address of segment 'lan' (10.20.0.0/24)"),
        (SEGMENTS + "hosts:\n  - {name: pc1, address: 10.20.0.300, segment: lan}\n", 5,
         "hosts[0].address", "invalid IP address '10.20.0.300'"),
        (SEGMENTS + "hosts:\n  - {name: pc1, address: 10.20.0.5/24, segment: lan}\n", 5,
         "hosts[0].address", "write the address without a prefix length"),
        (SEGMENTS + "hosts:\n  - {name: pc1, address: 167772165, segment: lan}\n", 5,
         "hosts[0].address", "expected text, got a number (167772165)"),
        (SEGMENTS + "hosts:\n  - {name: pc1, address: 10.20.0.5, segment: lan}\n"
         "  - {name: PC1, address: 10.20.0.6, segment: lan}\n", 6, "hosts[1].name",
         "duplicate host name 'PC1' (first: 'pc1' on line 5)"),
        (SEGMENTS + "hosts:\n  - {name: pc1, address: 10.20.0.5, segment: lan}\n"
         "  - name: pc2\n    address: 10.20.0.5\n    segment: lan\n", 7, "hosts[1].address",
         "duplicate address 10.20.0.5 (already host 'pc1' on line 5)"),
        (SEGMENTS + "hosts:\n  - {name: pc1, address: 10.20.0.5, segment: lan, os: win}\n", 5,
         "hosts[0].os",
         "invalid value 'win' (did you mean windows?); expected one of linux, windows"),
        (SEGMENTS + "hosts:\n  - {name: pc1, address: 10.20.0.5, segment: lan, transport: winrm}\n",
         5, "hosts[0].transport", "expected one of ssh, local"),
        (SEGMENTS + "hosts:\n  - {name: pc1, address: 10.20.0.5, segment: lan, tags: finance}\n",
         5, "hosts[0].tags", "expected a list of tags, e.g. [finance], got text ('finance')"),
        (SEGMENTS + "hosts:\n  - {name: pc1, address: 10.20.0.5, segment: lan, location: 305}\n",
         5, "hosts[0].location", "expected text, got a number (305) (quote it: '305')"),
        (SEGMENTS + "hosts:\n  - {name: pc1, address: 10.20.0.5, segment: lan, dept: x}\n", 5,
         "hosts[0].dept", "unknown key 'dept'; allowed keys: name, address, segment, os, "
         "transport, department, owner, location, tags, ssh"),
        (SEGMENTS + "hosts:\n  - name: pc1\n    address: 10.20.0.5\n    segment: lan\n"
         "    ssh:\n      port: 99999\n", 9, "hosts[0].ssh.port", "must be at most 65535"),
    ],
)  # fmt: skip
def test_invalid_inventory_is_located(
    write_yaml: WriteYaml, text: str, line: int | None, field: str | None, phrase: str
) -> None:
    assert_error(write_yaml(text), line, field, phrase)


@pytest.mark.parametrize(
    "name", ["-pc1", "pc 1", "pc/1", "..", ".", "财务pc", "a" * 64, "pc1;rm", ""]
)
def test_unsafe_host_names_are_rejected(write_yaml: WriteYaml, name: str) -> None:
    path = write_yaml(SEGMENTS + f"hosts:\n  - {{name: '{name}', address: 10.20.0.5, "
                      "segment: lan}\n")  # fmt: skip
    err = error_of(path)
    assert (err.line, err.field) == (5, "hosts[0].name")
    assert "invalid host name" in err.message or "must not be empty" in err.message


@pytest.mark.parametrize("name", ["pc1", "a" * 63, "fin_pc.07", "_x", "9-9", ".hidden"])
def test_safe_host_names_are_accepted(write_yaml: WriteYaml, name: str) -> None:
    path = write_yaml(SEGMENTS + f"hosts:\n  - {{name: '{name}', address: 10.20.0.5, "
                      "segment: lan}\n")  # fmt: skip
    assert load_inventory(path).hosts[0].name == name


def test_error_message_shape(write_yaml: WriteYaml) -> None:
    path = write_yaml(SEGMENTS + "hosts:\n  - {name: pc1, address: 10.30.0.5, segment: lan}\n")
    assert str(error_of(path)) == (
        f"{path}:5: hosts[0].address: 10.30.0.5 is outside segment 'lan' (10.20.0.0/24)"
    )


def test_missing_inventory_names_the_file(tmp_path: Path) -> None:
    err = error_of(tmp_path / "nope.yaml")
    assert str(err) == f"{tmp_path / 'nope.yaml'}: inventory file not found"


# -- the embedded local default --------------------------------------------------------------------

ROUTES = (
    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
    "eth0\t00000000\t0114A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
    "eth0\t0014A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n"
    "docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n"
)


def test_local_inventory_uses_the_primary_network(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = tmp_path / "route"
    table.write_text(ROUTES)
    monkeypatch.setattr(local_mod, "ROUTE_TABLE", table)
    no_ipv6 = tmp_path / "empty"
    no_ipv6.write_text("")
    monkeypatch.setattr(local_mod, "IPV6_ROUTE_TABLE", no_ipv6)
    monkeypatch.setattr(local_mod, "IPV6_ADDRESSES", no_ipv6)
    monkeypatch.setattr(
        local_mod, "_primary_address", lambda: ipaddress.IPv4Address("192.168.20.17")
    )
    monkeypatch.setattr(local_mod.socket, "gethostname", lambda: "fin-pc-07.county.local")
    inv = local_inventory()
    assert inv.path == "<local>"
    seg = inv.segments["local"]
    assert (seg.zone, seg.cidr_text, str(seg.gateway_for(4))) == (
        Zone.INTRANET,
        "192.168.20.0/24",
        "192.168.20.1",
    )
    (host,) = inv.hosts
    assert (host.name, str(host.address), host.segment, host.transport, host.os) == (
        "fin-pc-07.county.local",
        "192.168.20.17",
        "local",
        "local",
        "linux",
    )


def test_local_inventory_falls_back_to_loopback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local_mod, "_primary_address", lambda: None)
    monkeypatch.setattr(local_mod, "IPV6_ADDRESSES", tmp_path / "absent")
    monkeypatch.setattr(local_mod.socket, "gethostname", lambda: "-odd name")
    inv = local_inventory()
    seg = inv.segments["local"]
    assert (seg.cidr_text, seg.gateway) == ("127.0.0.0/8", ())
    assert str(inv.hosts[0].address) == "127.0.0.1"
    assert inv.hosts[0].name == "odd-name"  # made safe like any inventory name


def test_local_inventory_on_this_machine_is_consistent() -> None:
    inv = local_inventory()
    (host,) = inv.hosts
    assert inv.segment_of(host).contains(host.address)
    assert host.transport == "local"

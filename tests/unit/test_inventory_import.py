"""Inventories in: Ansible inventories (INI, YAML) and the mapping file, into a netguard
inventory with every host that could not be used reported at its line."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from netguard.errors import InputError
from netguard.inventory import load_inventory
from netguard.inventory.sources import (
    import_source,
    load_inventory_source,
    load_mapping,
    source_kind,
)
from netguard.inventory.sources.ansible import expand, ssh_args
from netguard.model import Zone

MAPPING = """\
name: 某县政府办公室
segments:
  - {name: lan, zone: intranet, cidr: 10.20.0.0/24}
  - {name: lan-finance, zone: intranet, cidr: 10.20.0.0/26}
  - {name: inet, zone: internet, cidr: [192.168.50.0/24, "2001:db8:50::/64"]}
defaults: {ssh: {user: auditor, identity_file: keys/netguard}}
groups:
  finance: {department: 财务科}
  web: {segment: inet}
"""

INI = """\
# the office
gw ansible_host=10.20.0.1

[finance]
fin-pc-[01:02] ansible_host=10.20.0.9
fin-srv ansible_host=10.20.0.50 ansible_port=2222 ansible_ssh_private_key_file=k/id

[web]
web1 ansible_host=192.168.50.7 netguard_owner="张 伟"
web6 ansible_host=2001:db8:50::7 ansible_ssh_common_args='-o ProxyJump=jump@bastion:22'

[office:children]
finance

[office:vars]
ansible_user=ops
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def mapping(tmp_path: Path) -> Path:
    return write(tmp_path, "map.yaml", MAPPING)


def test_ini_hosts_groups_and_variables(tmp_path: Path, mapping: Path) -> None:
    src = write(tmp_path, "hosts.ini", INI)
    imported = load_inventory_source(str(src), mapping)
    inv = imported.inventory
    hosts = {h.name: h for h in inv.hosts}
    assert set(hosts) == {"gw", "fin-pc-01", "fin-srv", "web1", "web6"}
    assert inv.name == "某县政府办公室"
    # the longest prefix holding the address, among overlapping segments of one zone
    assert hosts["gw"].segment == "lan-finance"
    assert hosts["gw"].ssh.user == "auditor"  # the mapping's default
    assert hosts["gw"].ssh.identity_file == str(tmp_path / "keys" / "netguard")
    srv = hosts["fin-srv"]
    assert (srv.ssh.user, srv.ssh.port) == ("ops", 2222)  # office:vars reach the child group
    assert srv.ssh.identity_file == str(tmp_path / "k" / "id")  # the inventory's folder
    assert srv.department == "财务科" and srv.tags == ("office", "finance")
    assert hosts["web1"].segment == "inet" and hosts["web1"].owner == "张 伟"
    assert hosts["web6"].address == ipaddress.ip_address("2001:db8:50::7")
    # two hosts with one address: the second is reported, not silently dropped
    skipped = [str(p) for p in imported.skipped]
    assert skipped == [f"{src}:5: ansible_host: duplicate address 10.20.0.9 (first at {src}:5)"]
    assert [str(p) for p in imported.notes] == []
    # ansible_ssh_common_args' ProxyJump becomes the host's jump host
    assert hosts["web6"].ssh.proxy_jump == "jump@bastion:22"
    assert hosts["web1"].ssh.proxy_jump is None


def test_the_written_inventory_reads_back(tmp_path: Path, mapping: Path) -> None:
    src = write(tmp_path, "hosts.ini", INI)
    inv = load_inventory_source(str(src), mapping).inventory
    out = tmp_path / "inventory.yaml"
    out.write_bytes(inv.source)
    again = load_inventory(out)
    assert again.hosts == inv.hosts
    assert again.segments == inv.segments
    assert again.name == inv.name == "某县政府办公室"
    assert again.sha256 == inv.sha256


YAML = """\
all:
  vars:
    ansible_user: admin
  hosts:
    gw: {ansible_host: 10.20.0.1}
  children:
    finance:
      hosts:
        fin-pc-[1:3]:
      vars:
        ansible_port: 2200
    web:
      hosts:
        web1:
          ansible_host: 192.168.50.7
          ansible_user: www
          netguard_location: "305"
"""


def test_yaml_inventory(tmp_path: Path, mapping: Path) -> None:
    src = write(tmp_path, "hosts.yml", YAML)
    imported = load_inventory_source(f"ansible:{src}", mapping)
    hosts = {h.name: h for h in imported.inventory.hosts}
    assert set(hosts) == {"gw", "web1"}
    assert hosts["gw"].ssh.user == "admin"
    assert (hosts["web1"].ssh.user, hosts["web1"].location) == ("www", "305")
    assert hosts["web1"].segment == "inet" and hosts["web1"].tags == ("web",)
    # names without an address are reported at their line, one by one
    assert [(p.line, p.field) for p in imported.skipped] == [
        (9, "fin-pc-1"),
        (9, "fin-pc-2"),
        (9, "fin-pc-3"),
    ]
    # a name is an address, but it says nothing of the segment: these have none
    assert "is a DNS name: its segment cannot be told" in imported.skipped[0].message


def test_a_dns_name_is_imported_where_the_segment_is_said(tmp_path: Path, mapping: Path) -> None:
    src = write(
        tmp_path,
        "hosts.ini",
        "[web]\nweb2 ansible_host=Web2.Office.Example.\nweb3\nweb4 ansible_host=-bad-\n",
    )
    imported = load_inventory_source(str(src), mapping)
    hosts = {h.name: h for h in imported.inventory.hosts}
    # the group maps to a segment; the name is kept (lowercase, no final dot), resolved later
    assert (hosts["web2"].hostname, hosts["web2"].address) == ("web2.office.example", None)
    assert (hosts["web3"].hostname, hosts["web3"].segment) == ("web3", "inet")
    assert [p.message for p in imported.skipped] == [
        "invalid address '-bad-': expected an IPv4 or IPv6 address or a DNS name (letters, "
        "digits and '-' in dot-separated labels, e.g. pc-07.office.example)"
    ]
    # and the inventory written out keeps the name as the address
    out = tmp_path / "inventory.yaml"
    out.write_bytes(imported.inventory.source)
    assert load_inventory(out).hosts == imported.inventory.hosts


def test_a_host_in_no_segment_and_groups_that_disagree(tmp_path: Path, mapping: Path) -> None:
    src = write(
        tmp_path,
        "hosts.ini",
        "[finance]\nfar ansible_host=172.16.0.5\nboth ansible_host=10.20.0.70\n"
        "[web]\nboth\n[lan]\nboth\n",
    )
    m = write(tmp_path, "m2.yaml", MAPPING + "  lan: {segment: lan}\n")
    imported = load_inventory_source(str(src), m)
    assert imported.inventory.hosts == ()
    messages = {p.field: p.message for p in imported.skipped}
    assert "172.16.0.5 is in no segment of the mapping" in messages["ansible_host"]
    assert messages["groups"] == "the groups name different segments (lan → lan, web → inet)"


def test_zone_of_the_segment_must_hold_the_address(tmp_path: Path, mapping: Path) -> None:
    src = write(tmp_path, "hosts.ini", "[web]\nodd ansible_host=10.20.0.8\n")
    imported = load_inventory_source(str(src), mapping)
    assert [str(p) for p in imported.skipped] == [
        f"{src}:2: ansible_host: 10.20.0.8 is outside segment 'inet' "
        "(192.168.50.0/24, 2001:db8:50::/64)"
    ]


def test_without_a_mapping_no_segment_is_guessed(tmp_path: Path) -> None:
    src = write(tmp_path, "hosts.ini", INI)
    with pytest.raises(InputError) as exc:
        load_inventory_source(str(src))
    assert "names no network segments" in exc.value.message
    assert exc.value.file == str(src)


def test_local_connection_passwords_and_other_ssh_options(tmp_path: Path, mapping: Path) -> None:
    src = write(
        tmp_path,
        "hosts.ini",
        "me ansible_host=10.20.0.2 ansible_connection=local\n"
        "prn ansible_host=10.20.0.4 netguard_audit=false\n"
        "pw ansible_host=10.20.0.3 ansible_password=secret ansible_ssh_extra_args='-J b1'\n",
    )
    imported = load_inventory_source(str(src), mapping)
    assert {h.name: h.transport for h in imported.inventory.hosts} == {"me": "local", "pw": "ssh"}
    assert [h.name for h in imported.inventory.devices] == ["prn"]
    notes = [str(p) for p in imported.notes]
    assert all("secret" not in n for n in notes)  # a password is never repeated
    assert {h.name: h.ssh.proxy_jump for h in imported.inventory.hosts}["pw"] == "b1"
    assert any("passwords are not used" in n for n in notes)


def test_ini_errors_are_located(tmp_path: Path, mapping: Path) -> None:
    src = write(tmp_path, "hosts.ini", "[web\nx\n")
    with pytest.raises(InputError) as exc:
        load_inventory_source(str(src), mapping)
    assert exc.value.line == 1 and exc.value.message.startswith("not a section header")
    src = write(tmp_path, "h2.ini", "[web]\nweb1 ansible_host\nweb2 ansible_host=192.168.50.9\n")
    imported = load_inventory_source(str(src), mapping)
    assert [(p.line, p.field, p.message) for p in imported.skipped] == [
        (2, "web1", "expected key=value, got 'ansible_host'")
    ]
    assert [h.name for h in imported.inventory.hosts] == ["web2"]


def test_host_port_and_unsafe_settings(tmp_path: Path, mapping: Path) -> None:
    src = write(
        tmp_path,
        "hosts.ini",
        "10.20.0.5:2200 ansible_user=a\n"
        "esc ansible_host=10.20.0.6 ansible_user=root\x1b[31m\n"
        "2001:db8:50::9\n",
    )
    imported = load_inventory_source(str(src), mapping)
    hosts = {h.name: h for h in imported.inventory.hosts}
    assert hosts["10.20.0.5"].ssh.port == 2200
    assert "esc" not in hosts
    assert [(p.line, p.field) for p in imported.skipped] == [(2, "ansible_user")]
    # an IPv6 inventory name is its address; the name cannot be a file name, so it is changed
    assert hosts["2001-db8-50--9"].address == ipaddress.ip_address("2001:db8:50::9")
    assert [p.line for p in imported.notes] == [3]


def test_host_ranges() -> None:
    assert expand("pc[01:03].lan") == ["pc01.lan", "pc02.lan", "pc03.lan"]
    assert expand("db-[a:c]") == ["db-a", "db-b", "db-c"]
    assert expand("n[0:10:5]") == ["n0", "n5", "n10"]
    with pytest.raises(ValueError, match="at most"):
        expand("x[1:100000]")


def test_ssh_args_are_split_without_a_shell() -> None:
    jump, notes = ssh_args("-o 'ProxyJump=a b' ; rm -rf /")
    assert jump == "" and notes[0].startswith("ProxyJump 'a b': 'a b' is no [user@]host[:port]")
    assert notes[1:] == [
        "ignored: ';' (netguard passes no options to ssh)",
        "ignored: 'rm' (netguard passes no options to ssh)",
        "ignored: '-rf' (netguard passes no options to ssh)",
        "ignored: '/' (netguard passes no options to ssh)",
    ]
    assert ssh_args("-o ProxyJump=j1") == ("j1", [])
    assert ssh_args("-oProxyJump=j2") == ("j2", [])
    assert ssh_args("-J ops@gw:2222,bastion") == ("ops@gw:2222,bastion", [])
    assert ssh_args("-J gw -o ProxyJump=none") == ("", [])  # the last one wins, as in ssh
    assert ssh_args("-o Compression=yes")[1] == [
        "ignored: '-o Compression=yes' (netguard passes no options to ssh)"
    ]


def test_mapping_errors_are_located(tmp_path: Path) -> None:
    m = write(tmp_path, "m.yaml", "segments: []\ngroups:\n  web: {segment: nowhere}\n")
    with pytest.raises(InputError) as exc:
        load_mapping(m)
    assert (exc.value.line, exc.value.field) == (3, "groups.web.segment")
    m = write(tmp_path, "m.yaml", "zones:\n  外网: outside\n")
    with pytest.raises(InputError) as exc:
        load_mapping(m)
    assert (exc.value.line, exc.value.field) == (2, "zones.外网")
    m = write(tmp_path, "m.yaml", "colums: {}\n")
    with pytest.raises(InputError, match="did you mean columns"):
        load_mapping(m)
    assert (
        load_mapping(write(tmp_path, "m.yaml", "zones: {外网: internet}\n")).zone_of("外网")
        == Zone.INTERNET
    )


def test_source_kinds() -> None:
    assert source_kind("ansible:hosts") == ("ansible", "hosts")
    assert source_kind("hosts.INI") == ("ansible", "hosts.INI")
    assert source_kind("台账.xlsx") == ("xlsx", "台账.xlsx")
    assert source_kind("csv:export.txt") == ("csv", "export.txt")
    assert source_kind("office.yaml") == ("inventory", "office.yaml")
    with pytest.raises(InputError, match="not a source to import"):
        import_source("office.yaml", load_mapping(None))


def test_a_native_inventory_takes_no_mapping(tmp_path: Path, mapping: Path) -> None:
    with pytest.raises(InputError, match="--map is for imported sources"):
        load_inventory_source("inventory/example.yaml", mapping)


def test_the_sources_use_only_the_loaders_public_names() -> None:
    """An imported host is held to the native rules through the loader's public helpers; a
    private name borrowed from another module would break silently when that module changes."""
    import ast

    sources = Path(__file__).resolve().parents[2] / "netguard" / "inventory" / "sources"
    borrowed = []
    for path in sorted(sources.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("netguard."):
                own = node.module == f"netguard.inventory.sources.{path.stem}"
                borrowed += [
                    f"{path.name}: {node.module}.{a.name}"
                    for a in node.names
                    if a.name.startswith("_") and a.name != "__version__" and not own
                ]
    assert sources.is_dir() and not borrowed, borrowed

"""known_hosts handling: OpenSSH's formats, as ssh-keygen writes them."""

from __future__ import annotations

import ipaddress
import subprocess
from pathlib import Path

import paramiko

from netguard.collect.ssh import KnownHosts, fingerprint, known_hosts_name
from netguard.model import Host, SshSettings


def keypair(tmp_path: Path, name: str) -> tuple[paramiko.PKey, str]:
    path = tmp_path / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    pub = (tmp_path / f"{name}.pub").read_text().split()
    return paramiko.PKey.from_path(str(path)), f"{pub[0]} {pub[1]}"


def host(port: int = 22) -> Host:
    return Host("fin-pc-07", ipaddress.ip_address("10.20.0.17"), "lan", ssh=SshSettings(port=port))


def test_fingerprint_matches_ssh_keygen(tmp_path: Path) -> None:
    key, _ = keypair(tmp_path, "k")
    out = subprocess.run(
        ["ssh-keygen", "-l", "-f", str(tmp_path / "k.pub")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.split()[1] == fingerprint(key)


def test_non_default_port_uses_bracket_form() -> None:
    assert known_hosts_name(host()) == "10.20.0.17"
    assert known_hosts_name(host(2222)) == "[10.20.0.17]:2222"


def test_hashed_entries_are_found_and_other_hosts_are_not(tmp_path: Path) -> None:
    key, pub = keypair(tmp_path, "k")
    kh = tmp_path / "known_hosts"
    kh.write_text(f"10.20.0.17 {pub}\n[10.20.0.99]:2222 {pub}\n")
    subprocess.run(["ssh-keygen", "-H", "-f", str(kh)], check=True, capture_output=True)
    assert "10.20.0.17" not in kh.read_text()  # really hashed
    known = KnownHosts(str(kh))
    assert known.lookup(host())["ssh-ed25519"].asbytes() == key.asbytes()
    assert known.lookup(host(2222)) == {}
    other = Host("x", ipaddress.ip_address("10.20.0.18"), "lan")
    assert known.lookup(other) == {}


def test_accept_new_appends_an_openssh_line(tmp_path: Path) -> None:
    key, pub = keypair(tmp_path, "k")
    kh = tmp_path / "sub" / "known_hosts"
    KnownHosts(str(kh)).add(host(), key)
    assert kh.read_text() == f"10.20.0.17 {pub}\n"
    assert KnownHosts(str(kh)).lookup(host())["ssh-ed25519"].asbytes() == key.asbytes()


def test_a_host_named_by_dns_is_found_by_that_name(tmp_path: Path) -> None:
    """An office that ran `ssh pc7.office.example` has recorded the key under the name (hashed
    by default): a host the inventory gives by that name must not come out hostkey_unknown."""
    key, pub = keypair(tmp_path, "k")
    kh = tmp_path / "known_hosts"
    kh.write_text(f"pc7.office.example {pub}\n[pc8.office.example]:2222 {pub}\n")
    subprocess.run(["ssh-keygen", "-H", "-f", str(kh)], check=True, capture_output=True)
    known = KnownHosts(str(kh))
    addr = ipaddress.ip_address("10.20.0.17")
    named = Host("fin-pc-07", addr, "lan", hostname="pc7.office.example")
    assert known.lookup(named)["ssh-ed25519"].asbytes() == key.asbytes()
    on_port = Host("x", addr, "lan", hostname="pc8.office.example", ssh=SshSettings(port=2222))
    assert known.lookup(on_port)["ssh-ed25519"].asbytes() == key.asbytes()
    assert known.lookup(Host("y", addr, "lan", hostname="pc9.office.example")) == {}

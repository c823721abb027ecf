"""Jump hosts (ProxyJump) without a network: the failures name the jump host (the lab runs the
real chains, tests/lab/test_ssh_lab.py)."""

from __future__ import annotations

import ipaddress
import socket

from netguard.checks.hostkey import hostkey_finding
from netguard.collect.ssh import SshCollector
from netguard.model import Host, HostStatus, SshSettings


def _host(**ssh: object) -> Host:
    return Host(
        name="fin-pc-07",
        address=ipaddress.ip_address("10.20.0.17"),
        segment="lan",
        ssh=SshSettings(connect_timeout=2.0, **ssh),  # type: ignore[arg-type]
    )


def test_a_jump_host_that_refuses_tcp_is_the_targets_unreachable_naming_it() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    coll = SshCollector().collect(_host(proxy_jump=f"auditor@127.0.0.1:{port}"))
    assert coll.status == HostStatus.UNREACHABLE
    assert coll.detail_reason == "jump_connect_failed"
    assert coll.detail.startswith(f"jump host 127.0.0.1:{port}: TCP connect failed")


def test_a_changed_jump_host_key_is_a_finding_naming_the_jump_host() -> None:
    evidence = {
        "jump_host": "10.9.0.1",
        "offered_type": "ssh-ed25519",
        "offered_fingerprint": "SHA256:new",
        "known_keys": {"ssh-ed25519": "SHA256:old"},
    }
    f = hostkey_finding(_host(), evidence)
    assert f.reason == "ssh.hostkey.jump_changed"
    assert "jump host 10.9.0.1" in f.message and "fin-pc-07: not contacted" in f.message
    f = hostkey_finding(_host(), {"jump_host": "10.9.0.1", "known_keys": {"ssh-rsa": "x"}})
    assert f.reason == "ssh.hostkey.jump_no_known_type"

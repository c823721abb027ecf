"""Jump hosts (ProxyJump) without a network: the failures name the jump host (the lab runs the
real chains, tests/lab/test_ssh_lab.py)."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import paramiko
import pytest

from netguard.checks.hostkey import hostkey_finding
from netguard.collect import ssh as ssh_transport
from netguard.collect.ssh import SshCollector
from netguard.collect.waits import listening
from netguard.model import Host, HostStatus, JumpOptions, SshSettings


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


def test_a_jump_hosts_own_connect_timeout_bounds_the_tcp_connect_to_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[float] = []

    def never(address: tuple[str, int], timeout: float) -> socket.socket:
        asked.append(timeout)
        raise TimeoutError

    monkeypatch.setattr(ssh_transport.socket, "create_connection", never)
    own = _host(proxy_jump="gw,bastion", jump_options=(JumpOptions(connect_timeout=3.0),))
    coll = SshCollector().collect(own)
    assert (coll.detail_reason, coll.detail_args) == (
        "jump_connect_timeout",
        {"jump": "gw", "seconds": 3.0},
    )
    coll = SshCollector().collect(_host(proxy_jump="gw"))  # none of its own: the target's
    assert coll.detail_args["seconds"] == 2.0
    assert asked == [3.0, 2.0]


def test_a_jump_hosts_own_connect_timeout_bounds_its_handshake() -> None:
    with socket.socket() as silent:  # accepts TCP, never speaks SSH
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        host = Host(
            name="fin-pc-07",
            address=ipaddress.ip_address("10.20.0.17"),
            segment="lan",
            ssh=SshSettings(
                connect_timeout=30.0,
                known_hosts="/nonexistent",
                proxy_jump=f"127.0.0.1:{port}",
                jump_options=(JumpOptions(connect_timeout=0.5),),
            ),
        )
        coll = SshCollector().collect(host)
    assert coll.status == HostStatus.TIMEOUT
    assert coll.detail_reason == "jump_handshake_timeout"
    assert coll.detail_args == {"jump": f"127.0.0.1:{port}", "seconds": 0.5}


class _Jump(paramiko.ServerInterface):
    """A jump host that lets anyone in and forwards anywhere: the channel opens, and whatever is
    behind it (here: nothing) says nothing."""

    def get_allowed_auths(self, username: str) -> str:
        return "publickey"

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        return paramiko.AUTH_SUCCESSFUL

    def check_channel_direct_tcpip_request(
        self, chanid: int, origin: tuple[str, int], destination: tuple[str, int]
    ) -> int:
        return paramiko.OPEN_SUCCEEDED


@contextmanager
def _jump_host(tmp_path: Path, *, revoked: bool = False) -> Iterator[Host]:
    """A jump host on 127.0.0.1 (in this process) whose key known_hosts records — and, with
    ``revoked``, also lists on an ``@revoked`` line; the host yielded goes through it."""
    host_key = paramiko.RSAKey.generate(1024)
    identity = paramiko.RSAKey.generate(1024)
    identity.write_private_key_file(str(tmp_path / "id_rsa"))
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        line = f"{host_key.get_name()} {host_key.get_base64()}"
        known = tmp_path / "known_hosts"
        known.write_text(
            f"[127.0.0.1]:{port} {line}\n" + (f"@revoked * {line}\n" if revoked else "")
        )
        served: list[paramiko.Transport | paramiko.Channel | None] = []

        def serve() -> None:
            conn, _ = listener.accept()
            t = paramiko.Transport(conn)
            t.add_server_key(host_key)
            served.append(t)
            try:
                t.start_server(server=_Jump())
                served.append(t.accept(timeout=10))  # the direct-tcpip channel, left silent
            except (paramiko.SSHException, EOFError, OSError):
                pass  # the client gave up first (a refused jump host): closed under us

        server = threading.Thread(target=serve, daemon=True)
        server.start()
        try:
            yield _host(
                proxy_jump=f"auditor@127.0.0.1:{port}",
                known_hosts=str(known),
                identity_file=str(tmp_path / "id_rsa"),
            )
        finally:
            for t in served:
                if t is not None:
                    t.close()
            server.join(1)  # a refused jump opens no channel: its accept() gives up alone


def test_the_waits_through_a_jump_host_are_marked_for_the_pool(tmp_path: Path) -> None:
    """The TCP connect to the jump host, its banner, the channel it opens onward (its own TCP
    connect) and the target's banner through it: four waits, each begun and ended, the pool lending
    the host's slot during each (collect/waits.py)."""
    heard: list[int] = []
    with _jump_host(tmp_path) as host, listening(heard.append):
        coll = SshCollector().collect(host)
    assert (coll.status, coll.detail_reason) == (HostStatus.TIMEOUT, "handshake_timeout"), (
        coll.detail
    )
    assert heard == [1, -1] * 4


@pytest.mark.parametrize("accept_new", [False, True])
def test_a_revoked_jump_host_key_is_refused_even_where_known_hosts_also_lists_it(
    tmp_path: Path, accept_new: bool
) -> None:
    with _jump_host(tmp_path, revoked=True) as host:
        before = (tmp_path / "known_hosts").read_text()
        coll = SshCollector(accept_new=accept_new).collect(host)
    assert (coll.status, coll.detail_reason) == (
        HostStatus.HOSTKEY_MISMATCH,
        "jump_hostkey_revoked",
    )
    assert coll.evidence["revoked"] is True and coll.evidence["jump_host"].startswith("127.0.0.1:")
    assert hostkey_finding(host, coll.evidence).reason == "ssh.hostkey.jump_revoked"
    assert (tmp_path / "known_hosts").read_text() == before

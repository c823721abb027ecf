"""The target's SSH transport asks for compression (the script and its output are text); a jump
hop, which carries the target's encrypted stream, does not. In-process paramiko servers on
127.0.0.1: the test reads what each side agreed on."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import paramiko

from netguard.collect.ssh import SshCollector
from netguard.model import Host, SshSettings


class _Server(paramiko.ServerInterface):
    """Lets anyone in; runs any command as nothing (an empty output, exit 0)."""

    def get_allowed_auths(self, username: str) -> str:
        return "publickey"

    def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
        return paramiko.AUTH_SUCCESSFUL

    def check_channel_request(self, kind: str, chanid: int) -> int:
        return paramiko.OPEN_SUCCEEDED

    def check_channel_exec_request(self, channel: paramiko.Channel, command: bytes) -> bool:
        channel.send_exit_status(0)
        return True


@contextmanager
def _server(tmp_path: Path, *, offers: bool) -> Iterator[tuple[Host, list[paramiko.Transport]]]:
    """A server on 127.0.0.1 that offers zlib (``offers``) or only "none"; yields the host to
    collect from and, once the client is in, the server's side of the transport."""
    key = paramiko.RSAKey.generate(1024)
    identity = paramiko.RSAKey.generate(1024)
    identity.write_private_key_file(str(tmp_path / "id_rsa"))
    served: list[paramiko.Transport] = []
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        (tmp_path / "known_hosts").write_text(
            f"[127.0.0.1]:{port} {key.get_name()} {key.get_base64()}\n"
        )

        def serve() -> None:
            conn, _ = listener.accept()
            t = paramiko.Transport(conn)
            t.add_server_key(key)
            t.use_compression(offers)
            served.append(t)
            try:
                t.start_server(server=_Server())
                chan = t.accept(timeout=10)
                if chan is not None:
                    chan.recv(1 << 20)  # the script, then EOF: close
                    chan.close()
            except (paramiko.SSHException, EOFError, OSError):
                pass

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        host = Host(
            name="fin-pc-07",
            address=ipaddress.ip_address("127.0.0.1"),
            segment="lan",
            ssh=SshSettings(
                port=port,
                user="auditor",
                connect_timeout=5.0,
                known_hosts=str(tmp_path / "known_hosts"),
                identity_file=str(tmp_path / "id_rsa"),
            ),
        )
        try:
            yield host, served
        finally:
            for t in served:
                t.close()
            thread.join(2)


def test_the_target_transport_is_compressed_where_the_server_offers_it(tmp_path: Path) -> None:
    with _server(tmp_path, offers=True) as (host, served):
        coll = SshCollector().collect(host)
        [server] = served
    assert coll.detail_reason != "handshake_failed", coll.detail
    assert (server.local_compression, server.remote_compression) == (
        "zlib@openssh.com",
        "zlib@openssh.com",
    )


def test_a_server_without_compression_is_still_audited(tmp_path: Path) -> None:
    with _server(tmp_path, offers=False) as (host, served):
        coll = SshCollector().collect(host)
        [server] = served
    assert coll.detail_reason not in ("handshake_failed", "handshake_timeout"), coll.detail
    assert server.local_compression == "none"
    assert coll.exit_status == 0  # the command ran: only the (empty) output is not ours

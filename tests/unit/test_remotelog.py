"""Findings to a remote syslog collector: RFC 5424 messages read back by an RFC 5424 parser
(syslog-rfc5424-parser), sent to listeners on 127.0.0.1 over UDP, TCP and TLS."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from syslog_rfc5424_parser import SyslogMessage

from netguard import remotelog
from netguard.errors import InputError
from netguard.remotelog import BOM, MAX_DATAGRAM, Target
from tests.unit.export_doc import results

# the parser's lark-parser 0.6 imports sre_parse
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _parse(message: bytes) -> dict:
    text = message.decode("utf-8")
    parsed = SyslogMessage.parse(text).as_dict()
    parsed["msg"] = text.split(" " + BOM, 1)[1]  # the parser keeps the BOM's bytes as latin-1
    return parsed


def _messages() -> list[bytes]:
    return remotelog.messages(results(), hostname="auditor.example", procid=42)


def test_one_message_per_finding_needing_attention_and_per_unaudited_host() -> None:
    parsed = [_parse(m) for m in _messages()]
    # pc-1: fail, error, waived, fail; pc-2: unaudited; pc-3: unaudited + ssh.hostkey
    sd = [p["sd"]["netguard@32473"] for p in parsed]
    assert [(s["host"], s.get("check", "")) for s in sd] == [
        ("pc-1", "isolation.default_route"),
        ("pc-1", "antivirus.running"),
        ("pc-1", "antivirus.signatures"),
        ("pc-1", "media.history"),
        ("pc-2", ""),
        ("pc-3", ""),
        ("pc-3", "ssh.hostkey"),
    ]
    assert [(p["facility"], p["severity"]) for p in parsed] == [
        ("auth", "crit"),
        ("auth", "warning"),  # could not decide
        ("auth", "notice"),  # waived
        ("auth", "notice"),  # low
        ("auth", "warning"),  # not audited
        ("auth", "warning"),
        ("auth", "crit"),
    ]
    first = parsed[0]
    assert (first["version"], first["hostname"], first["appname"]) == (
        1,
        "auditor.example",
        "netguard",
    )
    assert (first["procid"], first["msgid"], first["timestamp"]) == (
        42,
        "finding",
        "2026-11-23T14:02:13.901Z",
    )
    assert sd[0]["zone"] == "intranet" and sd[0]["department"] == "财务科"
    assert sd[0]["run"] == "9f1c00aa" and sd[0]["severity"] == "critical"
    assert sd[2]["waiver"] == "WV-2026-001"
    assert parsed[4]["msgid"] == "host"
    assert parsed[4]["msg"] == "pc-2 not audited (unreachable): connect to port 22 timed out"


def test_references_are_structured_data() -> None:
    text = _messages()[0].decode("utf-8")
    assert 'ref="GB/T 22239-2019 8.1.3.1" ref="BMB 17-2006"' in text


def test_hostile_host_text_can_neither_end_the_message_nor_forge_a_field() -> None:
    (m,) = [m for m in _messages() if b"isolation.default_route" in m]
    text = m.decode("utf-8")
    for bad in ("\n", "\x00", "\x1b", "\u202e", "\u2028", "\ud800"):
        assert bad not in text
    p = _parse(m)
    assert p["msg"].startswith("route via a<b>&\"c'??[31m?gnp.exe?]]></failure>")
    assert list(p["sd"]) == ["netguard@32473"]


def test_a_datagram_stays_within_2048_bytes_on_a_character_edge() -> None:
    big = ("天" * 3000).encode("utf-8")
    cut = remotelog.datagram(big)
    assert len(cut) <= MAX_DATAGRAM and cut.decode("utf-8") == "天" * (len(cut) // 3)
    assert remotelog.framed(b"abc") == b"3 abc"


@pytest.mark.parametrize(
    ("url", "want"),
    [
        ("udp://10.0.0.5", Target("udp", "10.0.0.5", 514)),
        ("tcp://logs.example:1514", Target("tcp", "logs.example", 1514)),
        ("tls://logs.example", Target("tls", "logs.example", 6514)),
        ("udp://[2001:db8::1]:515", Target("udp", "2001:db8::1", 515)),
    ],
)
def test_targets(url: str, want: Target) -> None:
    assert Target.parse(url) == want


@pytest.mark.parametrize("url", ["http://x", "udp://", "tcp://x:99999", "logs.example:514"])
def test_bad_targets_are_refused(url: str) -> None:
    with pytest.raises(InputError):
        Target.parse(url)
    with pytest.raises(InputError, match="tls"):
        Target.parse("udp://x", ca="ca.pem")


# --- listeners on 127.0.0.1 -------------------------------------------------------------------


def test_udp_one_datagram_per_message() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server:
        server.bind(("127.0.0.1", 0))
        server.settimeout(5)
        port = server.getsockname()[1]
        sent = remotelog.send(Target("udp", "127.0.0.1", port), _messages())
        got = [server.recv(65536) for _ in range(sent)]
    assert sent == 7 and got == _messages()
    assert all(_parse(m)["appname"] == "netguard" for m in got)


def _read_framed(data: bytes) -> list[bytes]:
    out = []
    while data:
        length, _, rest = data.partition(b" ")
        n = int(length)
        out.append(rest[:n])
        data = rest[n:]
    return out


class _Listener:
    """A TCP (or TLS) collector that keeps all it is sent until the client closes."""

    def __init__(self, context: ssl.SSLContext | None = None) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(10)
        self.port = self.sock.getsockname()[1]
        self.data = b""
        self.error: BaseException | None = None
        self.context = context
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            conn, _ = self.sock.accept()
            if self.context is not None:
                conn = self.context.wrap_socket(conn, server_side=True)
            with conn:
                while chunk := conn.recv(65536):
                    self.data += chunk
        except (OSError, ssl.SSLError) as exc:
            self.error = exc

    def close(self) -> None:
        self.thread.join(10)
        self.sock.close()


def test_tcp_octet_counting() -> None:
    listener = _Listener()
    sent = remotelog.send(Target("tcp", "127.0.0.1", listener.port), _messages())
    listener.close()
    assert sent == 7 and _read_framed(listener.data) == _messages()


@pytest.fixture
def tls_files(tmp_path: Path) -> Iterator[tuple[Path, Path, Path]]:
    """A CA, and a certificate it signed for 127.0.0.1 and localhost, with its key."""
    now = dt.datetime.now(dt.UTC)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("test ca"))
        .issuer_name(name("test ca"))
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name("localhost"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_pem, cert_pem, key_pem = tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"
    ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    yield ca_pem, cert_pem, key_pem


def _server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def test_tls_to_a_collector_the_ca_vouches_for(tls_files: tuple[Path, Path, Path]) -> None:
    ca, cert, key = tls_files
    listener = _Listener(_server_context(cert, key))
    sent = remotelog.send(Target("tls", "127.0.0.1", listener.port, str(ca)), _messages())
    listener.close()
    assert listener.error is None
    assert sent == 7 and _read_framed(listener.data) == _messages()


def test_tls_refuses_a_collector_it_cannot_verify(tls_files: tuple[Path, Path, Path]) -> None:
    _, cert, key = tls_files
    listener = _Listener(_server_context(cert, key))
    with pytest.raises(ssl.SSLError):  # the system store never signed this test CA
        remotelog.send(Target("tls", "127.0.0.1", listener.port), _messages())
    listener.close()
    assert listener.data == b""


# --- the audit's own alerts (audit --syslog-to) ---------------------------------------------


def test_only_the_alerts_named_are_sent() -> None:
    """``only``: the critical findings and unaudited hosts the audit chose, nothing else — not a
    passing check named by mistake, not an audited host."""
    only = remotelog.Alerts(
        findings=frozenset({("pc-1", "isolation.default_route"), ("pc-1", "antivirus.ok")}),
        hosts=frozenset({"pc-3", "pc-1"}),
    )
    sent = remotelog.messages(results(), hostname="auditor.example", procid=42, only=only)
    parsed = [_parse(m) for m in sent]
    assert [(p["msgid"], p["sd"]["netguard@32473"]["host"]) for p in parsed] == [
        ("finding", "pc-1"),
        ("host", "pc-3"),
    ]
    assert parsed[0]["severity"] == "crit"
    # the same message as the whole run's export sends for that finding
    assert sent[0] == _messages()[0]
    assert remotelog.messages(results(), only=remotelog.Alerts()) == []


def test_a_target_names_the_option_it_came_from() -> None:
    with pytest.raises(InputError) as bad:
        Target.parse("smtp://x", fields=("--syslog-to", "--syslog-ca"))
    assert bad.value.field == "--syslog-to"
    with pytest.raises(InputError) as ca:
        Target.parse("tcp://x", "ca.pem", fields=("--syslog-to", "--syslog-ca"))
    assert ca.value.field == "--syslog-ca"
    for url in ("udp://x/path", "udp://x?q=1", "udp://user@x", "udp://x\n:514"):
        with pytest.raises(InputError):
            Target.parse(url)
    assert str(Target.parse("udp://[2001:db8::1]")) == "udp://[2001:db8::1]:514"
    assert str(Target.parse("tls://logs.example")) == "tls://logs.example:6514"

"""Why a host was not checked, in every language (issue 13): every transport failure carries a
reason id and language-neutral arguments (``host_detail.<id>``), the English ``detail`` is their
rendering, and Chinese documents and terminals say it in Chinese — raw text (the system's or
the SSH library's words) quoted and labelled, never translated."""

from __future__ import annotations

import ast
import errno
import io
import ipaddress
import re
import socket
import string
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paramiko
import pytest
from rich.console import Console

from netguard.checks import CATALOG
from netguard.collect import Collection, failed
from netguard.collect import local as local_transport
from netguard.collect import ssh as ssh_transport
from netguard.collect.replay import ReplayCollector
from netguard.collect.ssh import SshCollector, _handshake_failure, fingerprint
from netguard.engine import AuditJob, run_audit
from netguard.i18n import LANGS, catalog, english_detail, host_detail_text
from netguard.inventory import local_inventory
from netguard.model import Host, HostResult, HostStatus, Inventory, Segment, SshSettings, Zone
from netguard.policy import default_policy_path, load_policy
from netguard.render.console import print_summary
from netguard.results import Run, parse_results, run_document
from tests.zh_text import CJK, assert_chinese, english_words

PACKAGE = Path(__file__).resolve().parents[2] / "netguard"
SEG = Segment("lab", Zone.INTRANET, ipaddress.ip_network("127.0.0.0/8"))
RAW = "Something the library said"

#: one example of every reason, with its arguments
EXAMPLES: dict[str, dict[str, Any]] = {
    "connect_timeout": {"port": 22, "seconds": 3.0},
    "connect_refused": {"port": 22},
    "host_unreachable": {"port": 22},
    "network_unreachable": {"port": 2222},
    "connect_failed": {"port": 22, "raw": RAW},
    "handshake_failed": {"raw": RAW},
    "handshake_closed": {},
    "handshake_timeout": {"seconds": 3.0},
    "handshake_timeout_raw": {"seconds": 3.0, "raw": RAW},
    "hostkey_types_unknown": {"types": ["ssh-ed25519", "ssh-rsa"]},
    "hostkey_unknown": {"fingerprint": "SHA256:abc", "known_hosts": "~/.ssh/known_hosts"},
    "hostkey_changed": {"key_type": "ssh-ed25519", "fingerprint": "SHA256:abc"},
    "hostkey_revoked": {"fingerprint": "SHA256:abc", "known_hosts": "~/.ssh/known_hosts"},
    "identity_unusable": {"raw": RAW},
    "no_identity": {},
    "identity_encrypted": {"path": "/home/a/.ssh/id_ed25519", "env": "NETGUARD_SSH_KEY_PASSPHRASE"},
    "identity_passphrase_wrong": {"path": "/home/a/.ssh/id_ed25519"},
    "auth_timeout": {},
    "auth_error": {"raw": RAW},
    "auth_refused": {"user": "auditor"},
    "jump_connect_timeout": {"jump": "10.9.0.1", "seconds": 3.0},
    "jump_connect_failed": {"jump": "10.9.0.1", "raw": RAW},
    "jump_handshake_failed": {"jump": "10.9.0.1", "raw": RAW},
    "jump_handshake_timeout": {"jump": "10.9.0.1", "seconds": 3.0},
    "jump_hostkey_types_unknown": {"jump": "10.9.0.1", "types": ["ssh-ed25519"]},
    "jump_hostkey_unknown": {
        "jump": "10.9.0.1",
        "fingerprint": "SHA256:abc",
        "known_hosts": "~/.ssh/known_hosts",
    },
    "jump_hostkey_changed": {
        "jump": "[10.9.0.1]:2222",
        "key_type": "ssh-ed25519",
        "fingerprint": "SHA256:abc",
    },
    "jump_hostkey_revoked": {
        "jump": "10.9.0.1",
        "fingerprint": "SHA256:abc",
        "known_hosts": "~/.ssh/known_hosts",
    },
    "jump_auth_error": {"jump": "10.9.0.1", "raw": RAW},
    "jump_auth_refused": {"jump": "10.9.0.1", "user": "auditor"},
    "jump_identity_unusable": {"jump": "10.9.0.1", "raw": RAW},
    "jump_identity_encrypted": {
        "jump": "10.9.0.1",
        "path": "/home/a/.ssh/bastion_ed25519",
        "env": "NETGUARD_SSH_KEY_PASSPHRASE",
    },
    "jump_identity_passphrase_wrong": {"jump": "10.9.0.1", "path": "/home/a/.ssh/bastion"},
    "jump_no_identity": {"jump": "10.9.0.1"},
    "jump_forward_refused": {"jump": "10.9.0.1", "target": "10.20.0.17", "raw": RAW},
    "command_timeout": {"seconds": 60.0},
    "channel_failed": {"raw": RAW},
    "output_too_large": {"bytes": 33554432},
    "shell_failed": {"raw": RAW},
    "unusable_output": {"raw": RAW},
    "no_collector_os": {"os": "macos"},
    "windows_local": {},
    "replay_missing": {},
    "replay_unknown_status": {"recorded": "sleeping"},
    "replay_output_misplaced": {},
    "internal_error": {"error": "ValueError", "raw": RAW},
    "sweep_only": {},
    "sweep_unregistered": {"interface": "eth1"},
    "not_recorded": {"run": "0123456789ab"},
    "name_not_resolved": {"name": "pc-07.office.example", "raw": RAW},
    "name_timeout": {"name": "pc-07.office.example", "seconds": 5.0},
    "name_outside_segment": {
        "name": "pc-07.office.example",
        "addresses": ["192.0.2.7", "2001:db8::7"],
        "segment": "seg-07",
        "cidr": "10.20.0.0/24",
    },
}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _reasons_in_source() -> dict[str, set[str]]:
    """Reason id → keyword arguments, from every ``failed(status, "id", …)``,
    ``english_detail("id", …)`` and ``{"detail_reason": "id", "detail_args": {…}}`` in the
    package."""
    found: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):  # {"detail_reason": "id", "detail_args": {...}}
                entries = {
                    k.value: v for k, v in zip(node.keys, node.values, strict=True)
                    if isinstance(k, ast.Constant)
                }  # fmt: skip
                reason, args = entries.get("detail_reason"), entries.get("detail_args")
                if isinstance(reason, ast.Constant) and isinstance(reason.value, str):
                    kws = {
                        k.value for k in getattr(args, "keys", []) if isinstance(k, ast.Constant)
                    }
                    found.setdefault(reason.value, set()).update(kws)
                continue
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else ""
            name = node.func.attr if isinstance(node.func, ast.Attribute) else name
            pos = {"failed": 1, "english_detail": 0}.get(name)
            if pos is None or len(node.args) <= pos:
                continue
            arg = node.args[pos]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                kws = {k.arg for k in node.keywords if k.arg}
                found.setdefault(arg.value, set()).update(kws)
    for reason in ssh_transport._CONNECT_ERRORS.values():  # a failed connect's errno → its id
        found.setdefault(reason, set()).add("port")
    return found


def test_every_reason_in_the_source_has_a_template_in_both_languages() -> None:
    used = _reasons_in_source()
    assert "connect_refused" in used and "no_collector_os" in used
    for lang in LANGS:
        for reason, kws in used.items():
            key = f"host_detail.{reason}"
            assert catalog(lang).has(key), f"{lang}: {key} missing"
            assert kws <= _fields(catalog(lang)(key)), (lang, reason, kws)
    en = {k.removeprefix("host_detail.") for k in catalog("en").messages if "host_detail." in k}
    assert en == set(used) == set(EXAMPLES), "a template without a caller, or an example"


@pytest.mark.parametrize("reason", sorted(EXAMPLES))
def test_each_reason_renders_in_both_languages(reason: str) -> None:
    args = EXAMPLES[reason]
    coll = failed(HostStatus.ERROR, reason, **args)
    assert (coll.detail_reason, coll.detail_args) == (reason, args)
    assert coll.detail == english_detail(reason, **args)
    assert not CJK.search(coll.detail)
    zh = catalog("zh").host_detail(reason, args, coll.detail)
    assert zh != coll.detail
    # the only English in the Chinese text is the raw text, quoted as it came, and labelled
    identifiers = ("auditor", "ValueError", "sleeping", "macos")  # the examples' names, as they are
    assert_chinese(zh.replace(RAW, ""), identifiers)
    if "raw" in args:
        assert RAW in zh and "原始" in zh


def test_an_older_document_or_an_unknown_reason_shows_the_english_detail() -> None:
    """...labelled in a Chinese document as untranslated text, as written."""
    t = catalog("zh")
    assert t.host_detail("", {}, "no route") == "原始输出“no route”"
    assert t.host_detail("from_the_future", {}, "later words") == "原始输出“later words”"
    assert t.host_detail("connect_timeout", {"port": 22}, "missing seconds") == (
        "原始输出“missing seconds”"
    )
    assert catalog("en").host_detail("", {}, "no route") == "no route"


# --- the transports ------------------------------------------------------------------------


def _host(port: int = 22, **ssh: Any) -> Host:
    ssh.setdefault("known_hosts", "/nonexistent")
    settings = SshSettings(port=port, connect_timeout=1.0, **ssh)
    return Host("pc1", ipaddress.ip_address("127.0.0.1"), "lab", ssh=settings)


def _zh(coll: Collection) -> str:
    return catalog("zh").host_detail(coll.detail_reason, coll.detail_args, coll.detail)


def test_connection_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nobody listens there
    coll = SshCollector().collect(_host(port))
    assert coll.status is HostStatus.UNREACHABLE
    assert (coll.detail_reason, coll.detail_args) == ("connect_refused", {"port": port})
    assert coll.detail == f"TCP connect to port {port}: Connection refused"
    assert _zh(coll) == f"TCP 连接端口 {port} 被拒绝"


@pytest.mark.parametrize(
    ("raised", "reason", "zh"),
    [
        (TimeoutError(), "connect_timeout", "TCP 连接端口 22 超时（1 秒内无响应）"),
        (OSError(errno.EHOSTUNREACH, "No route"), "host_unreachable", "无法到达该计算机"),
        (OSError(errno.ENETUNREACH, "unreachable"), "network_unreachable", "网络不可达"),
        (OSError(errno.EACCES, "Keine Berechtigung"), "connect_failed", "系统原始输出"),
    ],
)
def test_connect_failures(
    monkeypatch: pytest.MonkeyPatch, raised: Exception, reason: str, zh: str
) -> None:
    def refuse(*a: Any, **kw: Any) -> None:
        raise raised

    monkeypatch.setattr(ssh_transport.socket, "create_connection", refuse)
    coll = SshCollector().collect(_host())
    assert coll.status is HostStatus.UNREACHABLE and coll.detail_reason == reason
    assert zh in _zh(coll)
    if reason == "connect_timeout":
        assert coll.detail == "TCP connect to port 22 timed out after 1 s"
    if reason == "connect_failed":  # the OS's own words (any language), quoted as they came
        assert coll.detail_args == {"port": 22, "raw": "Keine Berechtigung"}
        assert "Keine Berechtigung" in _zh(coll) and "Keine Berechtigung" in coll.detail


@pytest.fixture
def server() -> Iterator[tuple[int, list[str]]]:
    """A TCP server that accepts and then does what the test puts in ``mode[0]``: stay silent
    (a host that never speaks SSH) or close at once."""
    mode: list[str] = ["silent"]
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    held: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            if mode[0] == "close":
                conn.close()
            else:
                held.append(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield sock.getsockname()[1], mode
    sock.close()
    for conn in held:
        conn.close()


def test_a_host_that_never_speaks_ssh_times_out(server: tuple[int, list[str]]) -> None:
    port, _ = server
    coll = SshCollector().collect(_host(port))
    assert coll.status is HostStatus.TIMEOUT
    assert coll.detail_reason in ("handshake_timeout", "handshake_timeout_raw")
    assert coll.detail.startswith("no SSH handshake within 1 s")
    assert _zh(coll).startswith("1 秒内未完成 SSH 握手")


def test_a_host_that_hangs_up_fails_the_handshake(server: tuple[int, list[str]]) -> None:
    port, mode = server
    mode[0] = "close"
    coll = SshCollector().collect(_host(port))
    assert coll.status in (HostStatus.ERROR, HostStatus.TIMEOUT)
    assert coll.detail_reason.startswith("handshake_")
    assert "SSH 握手" in _zh(coll)


def test_host_key_unknown_changed_and_of_no_known_type(tmp_path: Path) -> None:
    offered = paramiko.Ed25519Key.from_private_key_file(_key_file(tmp_path, "offered"))
    other = paramiko.Ed25519Key.from_private_key_file(_key_file(tmp_path, "other"))
    host = _host(known_hosts=str(tmp_path / "known_hosts"))
    unknown = SshCollector()._verify(host, offered, {})
    assert unknown is not None and unknown.status is HostStatus.HOSTKEY_UNKNOWN
    assert unknown.detail_args == {
        "fingerprint": fingerprint(offered),
        "known_hosts": str(tmp_path / "known_hosts"),
    }
    assert _zh(unknown).startswith(f"主机密钥 {fingerprint(offered)} 未登记在")
    changed = SshCollector()._verify(host, offered, {"ssh-ed25519": other})
    assert changed is not None and changed.status is HostStatus.HOSTKEY_MISMATCH
    assert changed.detail == f"host key changed: offered ssh-ed25519 {fingerprint(offered)}"
    assert changed.evidence["known_keys"] == {"ssh-ed25519": fingerprint(other)}
    assert _zh(changed) == f"主机密钥已改变：对方提供 ssh-ed25519 {fingerprint(offered)}"
    types = _handshake_failure(
        paramiko.SSHException("Incompatible ssh peer (no acceptable host key)"),
        1.0,
        {"ssh-rsa": other},
    )
    assert types.status is HostStatus.HOSTKEY_MISMATCH
    assert _zh(types) == "对方未提供任何已登记类型的主机密钥（已登记类型：ssh-rsa）"
    banner = _handshake_failure(paramiko.SSHException("Error reading SSH protocol banner"), 3, {})
    assert banner.detail == "no SSH handshake within 3 s (raw: Error reading SSH protocol banner)"


def _key_file(tmp_path: Path, name: str) -> str:
    path = tmp_path / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return str(path)


def test_the_local_transport_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    host = local_inventory().hosts[0]

    def slow(*a: Any, **kw: Any) -> None:
        raise subprocess.TimeoutExpired("sh", 60)

    monkeypatch.setattr(local_transport.subprocess, "run", slow)
    coll = local_transport.collect_local(host)
    assert coll.status is HostStatus.TIMEOUT and coll.detail_reason == "command_timeout"
    assert _zh(coll) == f"信息采集未在 {host.ssh.command_timeout:g} 秒内完成"

    def missing(*a: Any, **kw: Any) -> None:
        raise FileNotFoundError(errno.ENOENT, "No such file or directory")

    monkeypatch.setattr(local_transport.subprocess, "run", missing)
    coll = local_transport.collect_local(host)
    assert coll.detail_reason == "shell_failed"
    assert _zh(coll) == "无法运行 /bin/sh（系统原始输出：No such file or directory）"


def test_replay_of_a_host_the_bundle_never_recorded(tmp_path: Path) -> None:
    coll = ReplayCollector(tmp_path, {}).collect(_host())
    assert coll.detail_reason == "replay_missing"
    assert _zh(coll) == "证据包中没有这台计算机的采集记录"


# --- the engine, the document, the terminal --------------------------------------------------


class _Refused:
    def collect(self, host: Host, request: Any = None) -> Collection:
        return failed(HostStatus.UNREACHABLE, "connect_refused", port=host.ssh.port)


def _run() -> Run:
    hosts = (
        Host("down-pc", ipaddress.ip_address("127.0.0.2"), "lab"),
        # audited over SSH only: the local transport runs the Linux script
        Host("win-pc", ipaddress.ip_address("127.0.0.3"), "lab", os="windows", transport="local"),
    )
    inv = Inventory("<t>", "", {"lab": SEG}, hosts)
    policy = load_policy(default_policy_path(), CATALOG)
    return run_audit(AuditJob(inventory=inv, policy=policy, collector=_Refused()))


def test_the_document_carries_the_reason_and_reads_back() -> None:
    run = _run()
    doc = run_document(run)
    down, win = doc["hosts"]
    assert down["detail"] == "TCP connect to port 22: Connection refused"
    assert (down["detail_reason"], down["detail_args"]) == ("connect_refused", {"port": 22})
    assert win["detail_reason"] == "windows_local" and win["detail_args"] == {}
    results = parse_results(doc)
    texts = [host_detail_text(h, catalog("zh")) for h in results.hosts]
    assert texts == [
        "TCP 连接端口 22 被拒绝",
        "Windows 计算机只能通过 SSH 检查，不能在本机直接检查：未检查",
    ]
    # a document from before reasons: the fields are absent, the English detail is shown, and
    # a Chinese document says it is untranslated
    for h in doc["hosts"]:
        del h["detail_reason"], h["detail_args"]
    old = parse_results(doc)
    assert old.hosts[0].detail_reason == "" and old.hosts[0].detail_args == {}
    assert host_detail_text(old.hosts[0], catalog("zh")) == f"原始输出“{down['detail']}”"
    assert host_detail_text(old.hosts[0], catalog("en")) == down["detail"]


def test_an_audited_host_has_no_reason_in_its_document() -> None:
    result = HostResult(
        Host("a", ipaddress.ip_address("127.0.0.4"), "lab"), SEG, HostStatus.AUDITED
    )
    assert "detail_reason" not in result.to_dict() and "detail_args" not in result.to_dict()


@pytest.mark.parametrize("lang", LANGS)
def test_the_console_table_speaks_the_language(lang: str) -> None:
    buf = io.StringIO()
    print_summary(_run(), Console(file=buf, width=200, force_terminal=False), lang)
    out = buf.getvalue()
    if lang == "zh":
        assert "TCP 连接端口 22 被拒绝" in out and "无法连接" in out and "状态不明" in out
        assert_chinese(out, identifiers=("down-pc", "win-pc", "lab"))
    else:
        assert "TCP connect to port 22: Connection refused" in out
        assert "a Windows host is audited over SSH only" in out
        assert english_words(out)  # it is English


def test_zh_terminal_and_host_texts_follow_the_punctuation_rule() -> None:
    """Full-width punctuation next to Chinese; every text Chinese (or Chinese punctuation)."""
    half = re.compile(r"[\u4e00-\u9fff][(),;:!?]|[(),;:!?][\u4e00-\u9fff]")
    chinese = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]")
    for key, text in catalog("zh").messages.items():
        if key.startswith(("terminal.", "host_detail.")):
            prose = re.sub(r"\{[^}]*\}", "x", text)
            assert not half.search(prose), (key, text)
            assert chinese.search(text), (key, text)
            assert english_words(prose.replace("x", " "), ("keygen", "json")) == [], (key, text)


# --- documents: the one function, at each call site ------------------------------------------


def test_reports_records_and_checklists_say_the_detail_in_their_language() -> None:
    from netguard.checklist.build import IncidentHost
    from netguard.checklist.view import _host_findings
    from netguard.report import render_report
    from netguard.spotcheck.record.model import build_record
    from netguard.spotcheck.record.render import render_record_html

    results = parse_results(run_document(_run()))
    for fmt in ("md", "html", "csv"):
        zh = render_report(results, fmt, "zh")
        assert "TCP 连接端口 22 被拒绝" in zh, fmt
        assert "Connection refused" not in zh, fmt
        assert "TCP connect to port 22: Connection refused" in render_report(results, fmt, "en")
    record = build_record(
        results,
        kind="inspect",
        inspector="x",
        organization="",
        inspected_unit="",
        method=None,
        host_digests={},
        file_digests=(),
        signer=None,
        bundle_name="b",
    )
    html = render_record_html(record, "zh")
    assert "TCP 连接端口 22 被拒绝" in html and "Connection refused" not in html
    h = results.hosts[0]
    incident = IncidentHost(
        h.name, h.address, h.segment, h.zone, "", "", "", h.status, h.detail, (),
        h.detail_reason, h.detail_args,
    )  # fmt: skip
    assert "TCP 连接端口 22 被拒绝" in _host_findings(catalog("zh"), incident, "zh")["not_audited"]


def test_the_history_keeps_the_reason(tmp_path: Path) -> None:
    from netguard.history import open_store

    with open_store(tmp_path / "history.sqlite") as store:
        back = store.document(store.record(run_document(_run())))
    assert [(h["detail_reason"], h["detail_args"]) for h in back["hosts"]] == [
        ("connect_refused", {"port": 22}),
        ("windows_local", {}),
    ]

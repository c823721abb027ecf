"""``netguard audit --syslog-to URL`` (issue 15): the audit's own alerts — new critical findings,
hosts that newly could not be audited — go to a remote syslog collector as the run ends, read
back here by an RFC 5424 parser from listeners on 127.0.0.1. A collector that cannot be reached
costs neither the results nor the exit status; a URL that is no collector is bad input before
any host is contacted. (Critical findings from real hosts: tests/lab/test_syslog_to_lab.py.)"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from syslog_rfc5424_parser import SyslogMessage

from netguard.remotelog import BOM
from tests.cli.runner import closed_port, run_cli, unreachable_office

# the parser's lark-parser 0.6 imports sre_parse
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _drain(server: socket.socket) -> list[bytes]:
    """Every datagram waiting (the audit has ended: loopback delivered them already)."""
    server.setblocking(False)
    got = []
    while True:
        try:
            got.append(server.recv(65536))
        except BlockingIOError:
            return got


def test_the_alerts_go_to_the_collector_once(tmp_path: Path) -> None:
    inv, db, out = unreachable_office(tmp_path), tmp_path / "h.sqlite", tmp_path / "r.json"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server:
        server.bind(("127.0.0.1", 0))
        url = f"udp://127.0.0.1:{server.getsockname()[1]}"

        def audit(*extra: str) -> str:
            proc = run_cli(
                "audit", str(inv), "--history", str(db), "--format", "json", "-o", str(out),
                "--syslog-to", url, "--lang", "en", *extra,
            )  # fmt: skip
            assert proc.returncode == 3, proc.stderr  # nothing reachable: unknown
            return proc.stderr

        said = audit()
        first = _drain(server)
        # the same hosts unreachable again: nothing new to say
        again = audit("-q")
        second = _drain(server)
    assert f"syslog: 3 alerts to {url}" in said
    assert "syslog" not in again and second == []
    run_id = json.loads(out.read_text("utf-8"))["run"]["id"]
    parsed = [SyslogMessage.parse(m.decode("utf-8")).as_dict() for m in first]
    assert [p["sd"]["netguard@32473"]["host"] for p in parsed] == [
        "fin-pc-01",
        "fin-pc-02",
        "hr-pc-01",
    ]
    for p, m in zip(parsed, first, strict=True):
        assert (p["appname"], p["msgid"], p["facility"], p["severity"]) == (
            "netguard",
            "host",
            "auth",
            "warning",
        )
        assert p["sd"]["netguard@32473"]["hostStatus"] == "unreachable"
        assert p["sd"]["netguard@32473"]["run"] != run_id  # the first run's, not the second's
        assert " not audited (unreachable)" in m.decode("utf-8").split(BOM, 1)[1]


def test_a_collector_that_cannot_be_reached_costs_nothing_but_a_line(tmp_path: Path) -> None:
    inv, out = unreachable_office(tmp_path), tmp_path / "r.json"
    proc = run_cli(
        "audit", str(inv), "--no-history", "-q", "--format", "json", "-o", str(out),
        "--syslog-to", f"tcp://127.0.0.1:{closed_port()}", "--lang", "en",
    )  # fmt: skip
    assert proc.returncode == 3  # what the audit found, as without --syslog-to
    assert len(json.loads(out.read_text("utf-8"))["hosts"]) == 3
    (line,) = [x for x in proc.stderr.splitlines() if "syslog" in x]
    assert line.startswith("netguard: syslog collector tcp://127.0.0.1:")
    assert "the alerts were not sent" in line


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--syslog-to", "smtp://logs.example"], "--syslog-to"),
        (["--syslog-to", "udp://logs.example", "--syslog-ca", "ca.pem"], "--syslog-ca"),
        (["--syslog-ca", "ca.pem"], "--syslog-ca"),
        (["--syslog-to", "tls://logs.example", "--syslog-ca", "missing.pem"], "--syslog-ca"),
        (["--syslog-to", "tls://logs.example", "--syslog-ca", "office.yaml"], "--syslog-ca"),
    ],
)
def test_a_url_that_is_no_collector_is_bad_input(
    tmp_path: Path, args: list[str], field: str
) -> None:
    inv, out = unreachable_office(tmp_path), tmp_path / "r.json"
    proc = run_cli("audit", str(inv), "--no-history", "-q", "-o", str(out), *args, cwd=tmp_path)
    assert proc.returncode == 2 and field in proc.stderr
    assert not out.exists()  # refused before any host was contacted

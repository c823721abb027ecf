"""`audit --syslog-to` against the lab over real SSH: the critical findings of the dual-homed and
the radio PC and the machine that is down reach a collector (TCP, RFC 6587 octet counting,
read back with an RFC 5424 parser) as the run ends; the next run, with nothing new, sends
nothing. The collector listens on the auditor namespace's own loopback."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from syslog_rfc5424_parser import SyslogMessage

# the parser's lark-parser 0.6 imports sre_parse
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

HOSTS = ("ok-pc", "dual-pc", "radio-pc", "down-pc")
PORT = 6601  # in the auditor's own namespace: no other test listens there
COLLECTOR = """\
import socket, sys
server = socket.create_server(("127.0.0.1", int(sys.argv[2])))
print("listening", flush=True)
conn, _ = server.accept()
data = b""
while chunk := conn.recv(65536):
    data += chunk
open(sys.argv[1], "wb").write(data)
"""


def _framed(data: bytes) -> list[bytes]:
    out = []
    while data:
        length, _, rest = data.partition(b" ")
        out.append(rest[: int(length)])
        data = rest[int(length) :]
    return out


@pytest.fixture(scope="module")
def alerted(office_lab: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    lab = office_lab.lab
    tmp = tmp_path_factory.mktemp("syslog_to")
    os.chmod(tmp, 0o755)
    inv = yaml.safe_load(Path(office_lab.inventory_path).read_text(encoding="utf-8"))
    inv["hosts"] = [h for h in inv["hosts"] if h["name"] in HOSTS]
    inventory = tmp / "inventory.yaml"
    inventory.write_text(yaml.safe_dump(inv, allow_unicode=True), encoding="utf-8")
    script = tmp / "collector.py"
    script.write_text(COLLECTOR, encoding="utf-8")

    def audit(n: int) -> subprocess.CompletedProcess[str]:
        return lab.run_in_auditor(  # type: ignore[no-any-return]
            [sys.executable, "-m", "netguard", "audit", str(inventory), "--format", "json",
             "-o", str(tmp / f"run{n}.json"), "-q", "--history", str(tmp / "h.sqlite"),
             "--syslog-to", f"tcp://127.0.0.1:{PORT}"],
            timeout=180,
        )  # fmt: skip

    runs = []
    for n in (1, 2):
        collector = subprocess.Popen(
            ["ip", "netns", "exec", lab.auditor_ns, sys.executable, str(script),
             str(tmp / f"collected{n}"), str(PORT)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        )  # fmt: skip
        try:
            assert collector.stdout is not None
            assert collector.stdout.readline() == "listening\n"
            runs.append(audit(n))
            if n == 1:  # the collector writes what it read once netguard closes
                collector.wait(timeout=30)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(collector.pid, signal.SIGKILL)
            collector.wait(timeout=10)
    yield {"tmp": tmp, "runs": runs}


def test_the_run_s_alerts_reach_the_collector(alerted: dict[str, Any]) -> None:
    tmp, (first, _) = alerted["tmp"], alerted["runs"]
    assert first.returncode == 1, first.stderr  # failing machines
    doc = json.loads((tmp / "run1.json").read_text(encoding="utf-8"))
    messages = _framed((tmp / "collected1").read_bytes())
    parsed = [SyslogMessage.parse(m.decode("utf-8")).as_dict() for m in messages]
    sd = [p["sd"]["netguard@32473"] for p in parsed]
    critical = {
        (h["name"], f["check"])
        for h in doc["hosts"]
        for f in h["findings"]
        if f["status"] == "fail" and f["severity"] == "critical"
    }
    assert {h for h, _ in critical} == {"dual-pc", "radio-pc"}
    assert {(s["host"], s["check"]) for s in sd if "check" in s} == critical
    assert [s["host"] for s in sd if "check" not in s] == ["down-pc"]
    assert all(s["run"] == doc["run"]["id"] for s in sd)
    for p in parsed:
        want = ("finding", "crit") if "check" in p["sd"]["netguard@32473"] else ("host", "warning")
        assert (p["appname"], p["facility"], (p["msgid"], p["severity"])) == (
            "netguard",
            "auth",
            want,
        )
    refs = [s for s in sd if s.get("check") == "isolation.wireless"]
    assert refs and "ref" in refs[0]  # the standard clauses ride along


def test_nothing_new_is_nothing_sent(alerted: dict[str, Any]) -> None:
    tmp, (_, second) = alerted["tmp"], alerted["runs"]
    assert second.returncode == 1, second.stderr
    assert not (tmp / "collected2").exists()  # never connected: nothing to say
    assert "syslog" not in second.stderr

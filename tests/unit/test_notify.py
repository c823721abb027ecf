"""The hook for new critical findings: a real command, its input and environment, time-outs,
failures; syslog lines that hostile host data cannot break."""

from __future__ import annotations

import json
import logging
import shlex
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from netguard import notify
from netguard.notify import (
    SCHEMA,
    build_payload,
    clean_value,
    critical_findings,
    notify_critical,
    syslog_line,
)
from netguard.untrusted import replace_unsafe

WHEN = datetime(2024, 5, 1, 2, 31, 7, tzinfo=UTC)
CONTEXT = {"run_id": "0123abcd", "time": WHEN, "inventory": "/srv/办公室/office.yaml"}
ENVIRON = {
    "PATH": "/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "HOME": "/root",
    "SSH_AUTH_SOCK": "/tmp/agent.sock",
    "NETGUARD_SECRET": "x",
}


def _finding(name: str = "fin-pc-07", check: str = "isolation.wireless") -> dict:
    return {
        "host": {
            "name": name,
            "address": "10.20.0.17",
            "department": "财务科",
            "owner": "张伟",
            "location": "305室",
        },
        "check": check,
        "severity": "critical",
        "title": "No wireless or mobile network interfaces",
        "message": "wlan0 is a Wi-Fi interface",
        "evidence": {"interfaces": ["wlan0"], "signal": "sysfs"},
    }


def _hook(tmp_path: Path, body: str) -> list[str]:
    """A Python hook script; the command is argv (no shell)."""
    script = tmp_path / "hook 中文.py"
    script.write_text("import json, os, sys, time\n" + body, encoding="utf-8")
    return [sys.executable, str(script)]


# --- the document ------------------------------------------------------------------------------


def test_payload_shape() -> None:
    flat = {"host": "pc-2", "address": "10.0.0.2", "department": "办公室", "check": "x.y",
            "severity": "critical", "title": "t", "message": "m"}  # fmt: skip
    doc = build_payload([_finding(), _finding(check="antivirus.running"), flat], CONTEXT)
    assert doc["schema"] == SCHEMA == "netguard.notify/1"
    assert doc["run"] == {"id": "0123abcd", "time": "2024-05-01T02:31:07+00:00",
                          "inventory": "/srv/办公室/office.yaml"}  # fmt: skip
    assert doc["counts"] == {"findings": 3, "hosts": 2}
    assert doc["findings"][0] == _finding()
    assert doc["findings"][2]["host"] == {
        "name": "pc-2",
        "address": "10.0.0.2",
        "department": "办公室",
        "owner": "",
        "location": "",
    }
    assert doc["findings"][2]["evidence"] == {}


def test_critical_findings_from_results() -> None:
    host = SimpleNamespace(
        name="pc-1", address="10.0.0.1", department="d", owner="o", location="l",
        findings=[
            SimpleNamespace(check="a", status="fail", severity="critical", title="A",
                            message="m", evidence={"k": 1}),
            SimpleNamespace(check="b", status="fail", severity="high", title="B",
                            message="m", evidence={}),
            SimpleNamespace(check="c", status="pass", severity="critical", title="C",
                            message="m", evidence={}),
            SimpleNamespace(check="d", status="fail", severity="critical", title="D",
                            message="m", evidence={}),
        ],
    )  # fmt: skip
    results = SimpleNamespace(hosts=[host])
    found = critical_findings(results, is_new=lambda name, check: check != "d")
    assert [f["check"] for f in found] == ["a"]
    assert found[0]["host"]["name"] == "pc-1" and found[0]["evidence"] == {"k": 1}


# --- the hook ---------------------------------------------------------------------------------


def test_hook_gets_exactly_the_json_and_a_minimal_environment(tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = _hook(
        tmp_path,
        f"out = {str(out)!r}\n"
        "open(out + '.stdin', 'wb').write(sys.stdin.buffer.read())\n"
        "json.dump(dict(os.environ), open(out + '.env', 'w'))\n"
        "print('sent')\n",
    )
    findings = [_finding(), _finding("pc\n2", "antivirus.running")]
    outcome = notify_critical(
        findings, command=command, syslog=False, context=CONTEXT, environ=ENVIRON
    )
    assert outcome.ok, outcome
    assert (outcome.ran, outcome.returncode, outcome.findings) == (True, 0, 2)
    assert outcome.stdout == "sent\n"
    received = Path(f"{out}.stdin").read_bytes()
    assert received == notify.encode_payload(build_payload(findings, CONTEXT))
    assert json.loads(received.decode("utf-8")) == build_payload(findings, CONTEXT)
    assert json.loads(Path(f"{out}.env").read_text()) == {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "NETGUARD_RUN_ID": "0123abcd",
        "NETGUARD_CRITICAL_COUNT": "2",
    }


def test_no_new_findings_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    command = _hook(tmp_path, f"open({str(marker)!r}, 'w')\n")
    outcome = notify_critical([], command=command, syslog=True, context=CONTEXT)
    assert outcome.ok and not outcome.ran and outcome.findings == 0
    assert not marker.exists()


def test_timeout_kills_the_hook_and_its_children(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    # The hook starts a child (as a shell script calling curl would) and hangs.
    command = _hook(
        tmp_path,
        "import subprocess\n"
        "child = subprocess.Popen(['sleep', '300'])\n"
        f"open({str(pidfile)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(300)\n",
    )
    start = time.monotonic()
    outcome = notify_critical(
        [_finding()], command=command, syslog=False, context=CONTEXT, timeout=1.5
    )
    assert time.monotonic() - start < 15
    assert outcome.timed_out and not outcome.ok and outcome.returncode is None
    assert "killed" in outcome.error
    child = int(pidfile.read_text())
    assert _gone(child), "the hook's child outlived the timeout"


def _gone(pid: int) -> bool:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state in ("Z", "X"):  # dead, waiting for a parent (PID 1 here) to reap it
            return True
        time.sleep(0.05)
    return False


def test_failing_hook_is_reported_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    command = _hook(tmp_path, "sys.stderr.write('smtp refused\\n')\nsys.exit(3)\n")
    with caplog.at_level(logging.WARNING, logger="netguard.notify"):
        outcome = notify_critical([_finding()], command=command, syslog=False, context=CONTEXT)
    assert not outcome.ok
    assert outcome.returncode == 3 and outcome.error == "exited with status 3"
    assert outcome.stderr == "smtp refused\n"
    assert "exited with status 3" in caplog.text and "smtp refused" in caplog.text


def test_missing_hook_is_reported(tmp_path: Path) -> None:
    outcome = notify_critical(
        [_finding()], command=[str(tmp_path / "nope")], syslog=False, context=CONTEXT
    )
    assert not outcome.ok and not outcome.ran
    assert "could not start" in outcome.error


def test_hook_output_is_capped_and_unread_input_does_not_block(tmp_path: Path) -> None:
    # Ignores its (large) input and floods its output.
    command = _hook(tmp_path, "sys.stdout.write('x' * 5_000_000)\n")
    many = [_finding(f"pc-{i}") for i in range(2000)]  # well over a pipe buffer of JSON
    outcome = notify_critical(many, command=command, syslog=False, context=CONTEXT, timeout=30)
    assert outcome.ok, outcome.error
    assert len(outcome.stdout) == notify.OUTPUT_CAP


def test_hook_command_is_argv_not_a_shell(tmp_path: Path) -> None:
    marker = tmp_path / "injected"
    out = tmp_path / "argv.json"
    command = _hook(tmp_path, f"json.dump(sys.argv[1:], open({str(out)!r}, 'w'))\n")
    command += [f"; touch {shlex.quote(str(marker))}", "$(id)"]
    assert notify_critical([_finding()], command=command, syslog=False, context=CONTEXT).ok
    assert json.loads(out.read_text()) == command[2:]
    assert not marker.exists()


# --- syslog -----------------------------------------------------------------------------------

HOSTILE_NAMES = [
    "pc-1\nnetguard[1]: CRITICAL host=fake check=ok",
    "pc-1\rforged",
    "pc-1\x1b[31mred\x1b[0m",
    "pc-1\x85nel\u2028ls\u2029ps",
    "pc-1\u202egnp.exe",
    'pc-1" check="ok',
    "pc-1 check=ok",
    "pc-1\\",
    "",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_syslog_line_cannot_be_forged(name: str) -> None:
    finding = _finding(name)
    finding["host"]["owner"] = "张伟\n"
    line = syslog_line(finding, "run-1")
    assert line.isprintable(), repr(line)  # no newline, CR, ESC, C1, separators
    assert not any(c in line for c in "\u202e\u2028\u2029\x85")
    tokens = shlex.split(line)  # our quoting is shell-like: one token per field
    keys = [t.split("=", 1)[0] for t in tokens[1:]]
    assert tokens[0] == "CRITICAL"
    assert keys == ["host", "address", "check", "department", "owner", "location", "run",
                    "title"]  # fmt: skip
    assert tokens[1].split("=", 1)[1] == replace_unsafe(name, "?")


def test_syslog_values_are_capped() -> None:
    finding = _finding("h" * 10_000)
    finding["title"] = "t " * 10_000
    line = syslog_line(finding)
    assert len(line) <= notify.LINE_CAP
    assert len(clean_value("h" * 10_000)) == notify.VALUE_CAP


def test_clean_value() -> None:
    assert clean_value("fin-pc-07") == "fin-pc-07"
    assert clean_value("财务科") == "财务科"
    assert clean_value("305 室") == '"305 室"'
    assert clean_value('a"b\\c') == '"a\\"b\\\\c"'
    assert clean_value("a\nb") == "a?b"
    assert clean_value("") == '""'
    assert clean_value(None) == '""'


def test_syslog_sends_one_line_per_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    import syslog

    calls: list[tuple] = []
    monkeypatch.setattr(syslog, "openlog", lambda *a: calls.append(("open", *a)))
    monkeypatch.setattr(syslog, "syslog", lambda *a: calls.append(("log", *a)))
    monkeypatch.setattr(syslog, "closelog", lambda: calls.append(("close",)))
    findings = [_finding(HOSTILE_NAMES[0]), _finding("pc-2")]
    outcome = notify_critical(findings, command=None, syslog=True, context=CONTEXT)
    assert outcome.ok and outcome.syslog_lines == 2 and not outcome.ran
    assert calls == [
        ("open", "netguard", syslog.LOG_PID, syslog.LOG_AUTH),
        ("log", syslog.LOG_CRIT, syslog_line(findings[0], "0123abcd")),
        ("log", syslog.LOG_CRIT, syslog_line(findings[1], "0123abcd")),
        ("close",),
    ]
    assert all("\n" not in c[2] for c in calls if c[0] == "log")


def test_syslog_and_hook_together(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import syslog

    lines: list[str] = []
    monkeypatch.setattr(syslog, "openlog", lambda *a: None)
    monkeypatch.setattr(syslog, "closelog", lambda: None)
    monkeypatch.setattr(syslog, "syslog", lambda prio, msg: lines.append(msg))
    command = _hook(tmp_path, "sys.exit(1)\n")
    outcome = notify_critical([_finding()], command=command, syslog=True, context=CONTEXT)
    # A failing hook does not undo the syslog lines, and vice versa.
    assert len(lines) == 1 and outcome.syslog_lines == 1
    assert not outcome.ok and outcome.returncode == 1

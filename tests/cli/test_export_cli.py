"""`netguard export`: each format to standard output or, atomically, to a file; from a results
file or a run of the history."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from tests.cli.runner import run_cli

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / "tests" / "fixtures" / "lab-results.json"


@pytest.mark.parametrize("fmt", ["jsonl", "junit", "sarif", "prometheus"])
def test_each_format_to_a_file_and_to_stdout_the_same(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "sub" / f"x.{fmt}"
    proc = run_cli("export", str(LAB), "--format", fmt, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == f"export: {out}" and proc.stdout == ""
    again = run_cli("export", str(LAB), "--format", fmt)
    assert again.returncode == 0, again.stderr
    assert out.read_text(encoding="utf-8") == again.stdout


def test_jsonl_lines_are_json() -> None:
    proc = run_cli("export", str(LAB), "--format", "jsonl")
    assert all(json.loads(line)["run"] for line in proc.stdout.splitlines())


def test_a_bad_results_file_is_exit_2_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "netguard.results/1", "run": {}, "hosts": []}')
    out = tmp_path / "x.jsonl"
    proc = run_cli("export", str(bad), "--format", "jsonl", "-o", str(out))
    assert proc.returncode == 2 and "run.id" in proc.stderr
    assert not out.exists()


def test_a_format_is_required_and_one_source(tmp_path: Path) -> None:
    assert run_cli("export", str(LAB)).returncode == 2
    proc = run_cli("export", str(LAB), "--run", "latest", "--format", "jsonl")
    assert proc.returncode == 2


def test_a_run_of_the_history(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    imported = run_cli("history", "--history", str(db), "import", str(LAB))
    assert imported.returncode == 0, imported.stderr
    proc = run_cli("export", "--run", "latest", "--history", str(db), "--format", "sarif")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["version"] == "2.1.0"


def test_syslog_to_a_udp_collector() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server:
        server.bind(("127.0.0.1", 0))
        server.settimeout(10)
        port = server.getsockname()[1]
        proc = run_cli("export", str(LAB), "--format", "syslog", "--to", f"udp://127.0.0.1:{port}")
        assert proc.returncode == 0, proc.stderr
        assert proc.stderr.startswith("syslog: ") and " messages to udp://127.0.0.1:" in proc.stderr
        n = int(proc.stderr.split()[1])
        got = [server.recv(65536) for _ in range(n)]
    assert n == 12 + 4  # the lab's failing findings and its unaudited hosts
    assert all(m.startswith(b"<") and b" netguard " in m for m in got)


def test_syslog_needs_a_collector_and_an_unreachable_one_is_exit_4() -> None:
    assert run_cli("export", str(LAB), "--format", "syslog").returncode == 2
    assert run_cli("export", str(LAB), "--format", "jsonl", "--to", "udp://x").returncode == 2
    with socket.create_server(("127.0.0.1", 0)) as s:
        port = s.getsockname()[1]
    proc = run_cli("export", str(LAB), "--format", "syslog", "--to", f"tcp://127.0.0.1:{port}")
    assert proc.returncode == 4 and "syslog collector" in proc.stderr


def test_audit_writes_an_export_format_directly(tmp_path: Path) -> None:
    """`audit --format sarif` is `audit --format json` then `export --format sarif`; the exit
    status still follows the findings."""
    out = tmp_path / "local.sarif"
    proc = run_cli("audit", "--format", "sarif", "-o", str(out), "-q")
    assert proc.returncode in (0, 1, 3), proc.stderr
    log = json.loads(out.read_text(encoding="utf-8"))
    results = log["runs"][0]["results"]
    assert {r["properties"]["host"] for r in results} == {results[0]["properties"]["host"]}
    assert any(r["ruleId"] == "password.max_age" for r in results)
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["password.max_age"]["properties"]["references"][0].startswith("GB/T 22239-2019")

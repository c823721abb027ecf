"""`netguard export`: each format to standard output or, atomically, to a file; from a results
file or a run of the history."""

from __future__ import annotations

import json
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

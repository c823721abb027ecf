"""Rule files end to end, on this machine (the local transport): a pack with a Wazuh SCA policy
and an office's own rule file beside a built-in check, commands only where allowed, a waiver by
a rule-file check's id, the evidence bundle and its replay, the report in Chinese."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from tests.cli.runner import run_cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sca"

# Rules whose outcome does not depend on how this machine is set up: every Linux kernel has
# /proc/sys/kernel/ostype reading "Linux", and /proc/version; no machine has the marker file.
OWN_RULES = """\
netguard_rules: 1
id: desk
name: Desk checks
checks:
  - id: desk.kernel_is_linux
    title: {en: The kernel is Linux, zh: 内核为 Linux}
    category: desktop
    severity: low
    condition: all
    rules:
      - 'f:/proc/sys/kernel/ostype -> r:^Linux$'
  - id: desk.no_windows
    title: {en: The kernel says Windows, zh: 内核显示为 Windows}
    remediation: {en: Nothing to do, zh: 无需处理}
    category: desktop
    severity: high
    condition: all
    rules:
      - 'f:/proc/sys/kernel/ostype -> r:^Windows'
  - id: desk.echo
    title: {en: A command's output is read, zh: 读取命令输出}
    category: desktop
    condition: all
    rules:
      - 'c:uname -s -> r:^Linux$'
"""

WAIVERS = """\
waivers:
  - host: "*"
    check: desk.no_windows
    reason: test exception
    approver: 王科长
    approved: 2026-11-01
    expires: 2099-01-01
"""


def findings(path: Path) -> dict[str, dict[str, Any]]:
    doc = json.loads(path.read_text("utf-8"))
    (host,) = doc["hosts"]
    return {f["check"]: f for f in host["findings"]}


def test_rule_files_run_beside_built_in_checks_and_replay_the_same(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "office_baseline.yml", tmp_path / "baseline.yml")
    (tmp_path / "desk.yaml").write_text(OWN_RULES, encoding="utf-8")
    (tmp_path / "waivers.yaml").write_text(WAIVERS, encoding="utf-8")
    (tmp_path / "pack.yaml").write_text(
        "name: office\nchecks: {password.empty: {}}\nrules: [desk.yaml, baseline.yml]\n",
        encoding="utf-8",
    )
    audit = run_cli(
        "audit", "-p", "pack.yaml", "--waivers", "waivers.yaml",
        "--allow-policy-commands", "desk.yaml",
        "--bundle", "evidence", "--format", "json", "-o", "results.json", "-q",
        cwd=tmp_path,
    )  # fmt: skip
    assert audit.returncode in (0, 1), audit.stderr
    got = findings(tmp_path / "results.json")
    # every check of the pack is reported: the built-in one, each rule file's every check
    baseline_checks = 16
    assert len(got) == 1 + 3 + baseline_checks
    assert got["desk.kernel_is_linux"]["status"] == "pass"
    assert got["desk.no_windows"]["status"] == "waived"  # waived by its rule-file id
    assert got["desk.no_windows"]["titles"] == {
        "en": "The kernel says Windows",
        "zh": "内核显示为 Windows",
    }
    # the allowed file's command ran; the baseline's were not allowed: not applicable, why
    assert got["desk.echo"]["status"] == "pass"
    assert "uname -s" in json.dumps(got["desk.echo"]["evidence"])
    not_run = got["office_baseline.5031"]
    assert not_run["status"] == "not_applicable"
    assert "--allow-policy-commands" in not_run["message"]
    # registry rules and wildcard paths: reported on the host, never skipped
    assert got["office_baseline.5040"]["status"] == "not_applicable"

    # the bundle keeps both rule files; its replay judges the same
    kept = sorted(p.name for p in (tmp_path / "evidence" / "inputs" / "rules").iterdir())
    assert kept == ["1-desk.yaml", "2-baseline.yml"]
    replay = run_cli(
        "audit", "--replay", "evidence", "--format", "json", "-o", "replayed.json", "-q",
        cwd=tmp_path,
    )  # fmt: skip
    assert replay.returncode in (0, 1), replay.stderr
    again = findings(tmp_path / "replayed.json")
    assert {k: (f["status"], f["message"]) for k, f in again.items()} == {
        k: (f["status"], f["message"]) for k, f in got.items()
    }

    # the report names an office's own check in the reader's language
    report = run_cli(
        "report", "results.json", "--lang", "zh", "--format", "md", "-o", "report.md",
        cwd=tmp_path,
    )  # fmt: skip
    assert report.returncode == 0, report.stderr
    assert "内核显示为 Windows" in (tmp_path / "report.md").read_text("utf-8")


def test_a_wazuh_policy_alone_is_the_policy_and_lists_its_checks(tmp_path: Path) -> None:
    listed = run_cli("checks", "-p", str(FIXTURES / "office_baseline.yml"))
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.count("office_baseline.") == 16
    checked = run_cli("policy", "check", str(FIXTURES / "office_baseline.yml"))
    assert checked.returncode == 0, checked.stderr


def test_a_broken_rule_file_is_located_and_nothing_runs(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        OWN_RULES.replace("r:^Linux$'", "r:^(Linux'", 1), encoding="utf-8"
    )
    proc = run_cli("audit", "-p", "bad.yaml", "-o", "out.json", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "bad.yaml:11: checks[0].rules[0]" in proc.stderr and "column 39" in proc.stderr
    assert "does not compile" in proc.stderr
    assert not (tmp_path / "out.json").exists()

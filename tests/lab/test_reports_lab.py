"""The documents an official receives after a real audit of the lab: the report and the
emergency-response checklists, written by `netguard audit --report … --checklists always`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.lab.netlab import office_scenario

# playbook → the lab machines it must list (scenarios: tests/lab/netlab.py)
EXPECTED_INCIDENTS = {
    "isolation-breach": {
        "dual-pc",
        "route-pc",
        "radio-pc",
        "fwd-pc",
        "bridge-pc",
        "vpn-pc",
        "table-pc",
        "ra6-pc",
        "wifi-hist-pc",
        "lease-hist-pc",
    },
    "antivirus-failure": {"stale-av", "no-av", "updater-pc"},
    "password-breach": {"pw-expired", "pw-norotate", "pw-empty", "pw-md5", "toor-pc"},
    "removable-media": {"usb-pc"},
    "unknown-machine": {"hang-pc", "down-pc", "newkey-pc"},
    "unregistered-device": {"rekeyed-pc"},
}
ALL_HOSTS = set().union(*EXPECTED_INCIDENTS.values()) | {
    "ok-pc", "inet-pc", "dual6-pc", "svc-pc", "xfer-pc", "nolog-pc",
}  # fmt: skip


@pytest.fixture(scope="module")
def documents(office_lab: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("documents")
    proc = office_lab.lab.run_in_auditor(
        [
            sys.executable, "-m", "netguard", "audit", str(office_lab.inventory_path),
            "--format", "json", "-o", str(out / "results.json"), "-q",
            "--report", "html", "--lang", "zh", "--checklists", "always",
            "--report-dir", str(out / "docs"), "--tz", "Asia/Shanghai",
        ],
        timeout=180,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr  # failing findings
    # The paths an operator is shown are the files written.
    shown = re.findall(r"^(?:report|checklist): (.+)$", proc.stderr, re.M)
    assert sorted(shown) == sorted(str(p) for p in (out / "docs").iterdir()), proc.stderr
    return {"results": out / "results.json", "docs": out / "docs"}


def test_every_machine_of_the_scenario_is_accounted_for() -> None:
    assert set(office_scenario()) == ALL_HOSTS


def test_the_report_names_every_machine_and_its_trouble(documents: dict[str, Path]) -> None:
    (report,) = documents["docs"].glob("netguard-report-*-zh.html")
    html = report.read_text(encoding="utf-8")
    for host in ALL_HOSTS:
        assert f">{host}<" in html, host
    for words in ("覆盖率", "违规外联", "防病毒软件", "口令", "李强", "Room 102"):
        assert words in html, words


def test_one_checklist_per_incident_listing_exactly_its_machines(
    documents: dict[str, Path],
) -> None:
    files = {p.name: p for p in documents["docs"].glob("checklist-*.md")}
    found = {
        re.sub(r"^checklist-\d{8}-\d{4}-", "", n).removesuffix(".md"): p for n, p in files.items()
    }
    assert set(found) == set(EXPECTED_INCIDENTS)
    for playbook, hosts in EXPECTED_INCIDENTS.items():
        text = found[playbook].read_text(encoding="utf-8")
        listed = {h for h in ALL_HOSTS if f"| {h} |" in text}
        assert listed == hosts, playbook
        assert "截止时间" in text and "签名" in text


def test_report_command_rewrites_the_same_results_in_english(
    documents: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "report.md"
    proc = subprocess.run(
        [sys.executable, "-m", "netguard", "report", str(documents["results"]), "--format", "md",
         "--lang", "en", "-o", str(out)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    text = out.read_text(encoding="utf-8")
    assert "dual-pc" in text and "rekeyed-pc" in text

"""Rule files over real SSH: a Wazuh SCA policy and an office's own rule file run by
``netguard audit`` from the auditor's namespace against a real sshd machine of the lab — every
check of every file reported, each with its outcome and why. With ``NETGUARD_SCA_POLICY_DIR``
naming a folder that holds Wazuh's published ``cis_debian12.yml`` (not part of this project:
Wazuh's own file), that policy runs too, unmodified, with a result for each of its checks."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_rule_files_cli import OWN_RULES
from tests.lab.netlab import INTRANET, HostSpec, Lab, small_office

HOST = "rules-pc"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sca"
CIS_DIR = os.environ.get("NETGUARD_SCA_POLICY_DIR", "")


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    with small_office([HostSpec(HOST, "10.20.0.12", INTRANET)]) as lab:
        yield lab


def audit(lab: Lab, folder: Path, *args: str) -> dict[str, dict[str, Any]]:
    out = folder / "results.json"
    proc = lab.run_in_auditor(
        [
            sys.executable, "-m", "netguard", "audit", str(lab.inventory_path),
            *args, "--no-history", "--format", "json", "-o", str(out), "-q",
        ],
        timeout=300,
        cwd=folder,
    )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    (host,) = json.loads(out.read_text("utf-8"))["hosts"]
    assert host["status"] == "audited", host
    return {f["check"]: f for f in host["findings"]}


def test_a_wazuh_policy_and_an_office_s_own_checks_over_ssh(lab: Lab, tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "office_baseline.yml", tmp_path / "baseline.yml")
    (tmp_path / "desk.yaml").write_text(OWN_RULES, encoding="utf-8")
    (tmp_path / "pack.yaml").write_text(
        "name: office\nchecks: {accounts.uid0: {}}\nrules: [desk.yaml, baseline.yml]\n",
        encoding="utf-8",
    )
    got = audit(lab, tmp_path, "-p", "pack.yaml", "--allow-policy-commands", "desk.yaml")
    sca_ids = re.findall(r"^  - id: (\d+)$", (tmp_path / "baseline.yml").read_text(), re.M)
    assert sorted(k for k in got if k.startswith("office_baseline.")) == sorted(
        f"office_baseline.{i}" for i in sca_ids
    )
    assert {k for k in got if k.startswith("desk.")} == {
        "desk.kernel_is_linux", "desk.no_windows", "desk.echo",
    }  # fmt: skip
    # what does not depend on the machine's setup: its kernel, its running sshd, its commands
    assert got["desk.kernel_is_linux"]["status"] == "pass"
    assert got["desk.no_windows"]["status"] == "fail"
    assert got["desk.no_windows"]["remediation"] == "Nothing to do"
    assert got["desk.echo"]["status"] == "pass"  # uname ran over SSH: this file was allowed
    assert got["office_baseline.5030"]["status"] == "pass"  # p:sshd — the lab's own sshd
    assert got["office_baseline.5031"]["status"] == "not_applicable"  # not allowed
    assert "--allow-policy-commands" in got["office_baseline.5031"]["message"]
    for finding in got.values():  # every outcome says why
        assert finding["message"], finding


@pytest.mark.skipif(
    not (CIS_DIR and (Path(CIS_DIR) / "cis_debian12.yml").is_file()),
    reason="NETGUARD_SCA_POLICY_DIR does not hold Wazuh's cis_debian12.yml",
)
def test_wazuh_s_cis_debian_12_policy_runs_unmodified_with_a_result_per_check(
    lab: Lab, tmp_path: Path
) -> None:
    policy = tmp_path / "cis_debian12.yml"
    shutil.copy(Path(CIS_DIR) / "cis_debian12.yml", policy)
    got = audit(lab, tmp_path, "-p", str(policy), "--allow-policy-commands", str(policy))
    in_file = re.findall(r"^  - id: (\d+)$", policy.read_text("utf-8"), re.M)
    assert len(got) == len(in_file) and set(got) == {f"cis_debian12.{i}" for i in in_file}
    statuses = {f["status"] for f in got.values()}
    assert statuses <= {"pass", "fail", "not_applicable"}, [
        (k, f["message"]) for k, f in got.items() if f["status"] == "error"
    ]
    assert all(f["message"] for f in got.values())

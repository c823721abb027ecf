"""An unannounced spot check of the lab office over real SSH: the drawn machines are exactly the
ones the seed names, the signed bundle verifies, its raw outputs carry no password hash, and a
replay months later reaches the same findings without touching a machine."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from netguard.collect.parse_linux import split_sections
from netguard.inventory import load_inventory
from netguard.spotcheck.sample import draw, parse_size
from tests.lab.netlab import DEFAULT_HASH, MD5_HASH

pytestmark = pytest.mark.browser()  # the spot check prints its record as a PDF
SEED = "2026-11-23 保密检查"


@pytest.fixture(scope="module")
def spot_check(office_lab: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    home = tmp_path_factory.mktemp("inspector")
    key = subprocess.run(
        [sys.executable, "-m", "netguard", "keygen", str(home / "insp.key"), "--no-passphrase",
         "--name", "王检查"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert key.returncode == 0, key.stderr
    proc = office_lab.lab.run_in_auditor(
        [
            sys.executable, "-m", "netguard", "spot-check", str(office_lab.inventory_path),
            "--sample", "40%", "--by", "segment", "--seed", SEED,
            "--key", str(home / "insp.key"), "-o", str(home / "bundle"), "-q",
            "--unit", "实验办公室", "--organization", "县保密局", "--pdf", "--lang", "zh",
        ],
        timeout=240,
    )  # fmt: skip
    return {"proc": proc, "home": home, "bundle": home / "bundle"}


def test_the_drawn_machines_are_the_ones_the_seed_names(
    spot_check: dict[str, Any], office_lab: Any
) -> None:
    proc = spot_check["proc"]
    assert proc.returncode in (1, 3), proc.stderr  # the lab has failing machines
    expected = draw(
        load_inventory(office_lab.inventory_path), parse_size("40%"), by="segment", seed=SEED
    )
    results = json.loads((spot_check["bundle"] / "results.json").read_text("utf-8"))
    assert [h["name"] for h in results["hosts"]] == [h.name for h in expected.hosts]
    sample = json.loads((spot_check["bundle"] / "sample.json").read_text("utf-8"))
    assert sample["seed"] == SEED and sample["hosts"] == [h.name for h in expected.hosts]
    assert {s["name"] for s in sample["strata"]} == {"lab-intranet", "lab-internet"}
    # the plan is shown before any machine is contacted (in Chinese: --lang zh)
    assert f"随机种子 {SEED!r}" in proc.stderr


def test_the_bundle_verifies_with_the_inspectors_key(spot_check: dict[str, Any]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "netguard", "verify", str(spot_check["bundle"]),
         "--trusted-key", str(spot_check["home"] / "insp.key.pub")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    record = spot_check["bundle"] / "record.zh.pdf"
    assert record.read_bytes().startswith(b"%PDF")


def test_raw_outputs_are_kept_without_password_hashes(spot_check: dict[str, Any]) -> None:
    results = json.loads((spot_check["bundle"] / "results.json").read_text("utf-8"))
    audited = [h["name"] for h in results["hosts"] if h["status"] == "audited"]
    assert audited, "the sample should reach some machines"
    secrets = [h.split("$")[3].encode() for h in (DEFAULT_HASH, MD5_HASH)]
    redacted = 0
    for name in audited:
        raw = (spot_check["bundle"] / "hosts" / name / "output.bin").read_bytes()
        shadow = split_sections(raw)["shadow"].text  # the output's own framing: raw text
        fields = [line.split(":")[1] for line in shadow.splitlines() if line]
        # a lock marker, an empty field, or a method with REDACTED: never a hash
        assert all(re.fullmatch(r"[!*]*(\$[a-z0-9]+\$REDACTED)?", f) for f in fields), name
        redacted += sum("$REDACTED" in f for f in fields)
        assert not any(secret in raw for secret in secrets), name
    assert redacted, "the users' hashes were there, and arrived as their method alone"


def test_replay_reaches_the_same_findings_without_the_lab(
    spot_check: dict[str, Any], tmp_path: Path
) -> None:
    """Run in the root namespace, which has no route to any lab machine: nothing is contacted."""
    out = tmp_path / "replayed.json"
    proc = subprocess.run(
        [sys.executable, "-m", "netguard", "audit", "--replay", str(spot_check["bundle"]),
         "--trusted-key", str(spot_check["home"] / "insp.key.pub"),
         "--format", "json", "-o", str(out), "-q"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == spot_check["proc"].returncode, proc.stderr
    original = json.loads((spot_check["bundle"] / "results.json").read_text("utf-8"))
    replayed = json.loads(out.read_text("utf-8"))

    def verdicts(doc: dict[str, Any]) -> list[Any]:
        return [
            (h["name"], h["status"], h["detail"],
             [(f["check"], f["status"], f["message"], f["evidence"]) for f in h["findings"]])
            for h in doc["hosts"]
        ]  # fmt: skip

    assert verdicts(replayed) == verdicts(original)

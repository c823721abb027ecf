"""A host named by a DNS name, end to end (issue 15): ``localhost`` through the local transport
(loopback only), the address found in the results and the bundle, a replay that resolves
nothing, and a name that resolves outside its segment: unresolved, unknown, exit 3."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.cli.runner import run_cli


def _inventory(tmp_path: Path, cidr: str) -> Path:
    path = tmp_path / "inventory.yaml"
    path.write_text(
        "segments:\n"
        f"  - {{name: lab, zone: intranet, cidr: {cidr}}}\n"
        "hosts:\n"
        "  - {name: me, address: localhost, segment: lab, transport: local}\n",
        encoding="utf-8",
    )
    return path


def _host(path: Path) -> dict[str, Any]:
    doc = json.loads(path.read_text("utf-8"))
    host: dict[str, Any] = doc["hosts"][0]
    return host


def test_localhost_is_resolved_audited_recorded_and_replayed(tmp_path: Path) -> None:
    inv = _inventory(tmp_path, "127.0.0.0/8")
    out, bundle = tmp_path / "out.json", tmp_path / "bundle"
    proc = run_cli(
        "audit", str(inv), "--no-history", "-q", "--format", "json", "-o", str(out),
        "--bundle", str(bundle),
    )  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr  # compliant or failing: audited either way
    host = _host(out)
    assert (host["address"], host["hostname"], host["status"]) == (
        "127.0.0.1",
        "localhost",
        "audited",
    )
    meta = json.loads((bundle / "hosts" / "me" / "collection.json").read_text("utf-8"))
    assert meta["address"] == "127.0.0.1"
    again = tmp_path / "again.json"
    proc = run_cli("audit", "--replay", str(bundle), "--no-history", "-q", "--format", "json",
                   "-o", str(again))  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr
    assert _host(again)["address"] == "127.0.0.1" and _host(again)["hostname"] == "localhost"


def test_a_name_outside_its_segment_is_unresolved_and_unknown(tmp_path: Path) -> None:
    inv = _inventory(tmp_path, "10.20.0.0/24")
    out, bundle = tmp_path / "out.json", tmp_path / "bundle"
    proc = run_cli(
        "audit", str(inv), "--no-history", "-q", "--format", "json", "-o", str(out),
        "--bundle", str(bundle),
    )  # fmt: skip
    assert proc.returncode == 3, proc.stderr  # unknown: never compliant
    host = _host(out)
    assert (host["address"], host["status"], host["detail_reason"]) == (
        "",
        "unresolved",
        "name_outside_segment",
    )
    assert "127.0.0.1" in host["detail_args"]["addresses"]
    # the replay says what the recording said, without asking any resolver
    again = tmp_path / "again.json"
    proc = run_cli("audit", "--replay", str(bundle), "--no-history", "-q", "--format", "json",
                   "-o", str(again))  # fmt: skip
    assert proc.returncode == 3, proc.stderr
    assert _host(again)["status"] == "unresolved"
    assert _host(again)["detail_reason"] == "name_outside_segment"
    # the terminal says it in Chinese too
    proc = run_cli("--lang", "zh", "audit", str(inv), "--no-history", "-q")
    assert proc.returncode == 3 and "计算机名无法解析" in proc.stdout, proc.stdout

"""``netguard audit --limit PATTERN`` (issue 15): part of an inventory for an ad-hoc run —
globs over names, DNS names, segments, departments, zones and tags; the run block records
the limit, the report says its counts cover those hosts only, the history does not record it;
a limit that matches nothing is bad input (exit 2)."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path

from netguard.inventory.limit import limit_inventory
from netguard.model import Host, Inventory, Segment, Zone
from tests.cli.runner import run_cli, unreachable_office


def test_patterns_match_names_segments_departments_zones_and_tags() -> None:
    seg = Segment("lan", Zone.INTRANET, ipaddress.ip_network("10.0.0.0/24"))
    hosts = (
        Host("Fin-PC-01", ipaddress.ip_address("10.0.0.1"), "lan", department="财务科"),
        Host("hr-1", None, "lan", tags=("hr",), hostname="hr-1.office.example"),
        Host("x", ipaddress.ip_address("10.0.0.3"), "lan"),
    )
    inv = Inventory("<t>", "", {"lan": seg}, hosts)

    def names(*patterns: str) -> list[str]:
        return [h.name for h in limit_inventory(inv, patterns).hosts]

    assert names() == ["Fin-PC-01", "hr-1", "x"]  # no pattern: everything
    assert names("fin-*") == ["Fin-PC-01"]  # any case
    assert names("*财务*") == ["Fin-PC-01"]
    assert names("HR") == ["hr-1"]  # a tag
    assert names("*.office.example") == ["hr-1"]  # the DNS name
    assert names("intranet") == names("lan") == ["Fin-PC-01", "hr-1", "x"]
    assert names("x", "fin-pc-0[1-3]") == ["Fin-PC-01", "x"]  # any of them
    assert names("10.0.0.*") == []  # addresses are not names


def test_a_limited_audit(tmp_path: Path) -> None:
    inv, out, db = unreachable_office(tmp_path), tmp_path / "out.json", tmp_path / "h.sqlite"
    proc = run_cli(
        "audit", str(inv), "--limit", "fin-*", "-q", "--format", "json", "-o", str(out),
        "--history", str(db), "--report", "md", "--report-dir", str(tmp_path / "reports"),
        "--lang", "zh",
    )  # fmt: skip
    assert proc.returncode == 3, proc.stderr  # nothing reachable: unknown
    doc = json.loads(out.read_text("utf-8"))
    assert [h["name"] for h in doc["hosts"]] == ["fin-pc-01", "fin-pc-02"]
    assert doc["run"]["limit"] == ["fin-*"]
    assert doc["summary"]["hosts"] == 2  # the coverage counts the limited hosts
    report = next((tmp_path / "reports").glob("*.md")).read_text("utf-8")
    assert r"检查范围限于：fin-\*（--limit）：各项统计（含覆盖率）仅针对这些计算机" in report
    # not recorded in the history: a later run's diff would read the others as gone
    listed = run_cli("history", "--history", str(db), "--format", "json")
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == []
    # the terminal says so too
    table = run_cli("audit", str(inv), "--limit", "*财务*", "--no-history", "-q", "--lang", "en")
    assert table.returncode == 3
    assert "audited 0/2 hosts" in table.stdout
    assert (
        "limited to the hosts matching *财务* (--limit): the counts cover them only" in table.stdout
    )
    # a whole run has no limit in its document
    run_cli("audit", str(inv), "-q", "--format", "json", "-o", str(out), "--no-history")
    assert "limit" not in json.loads(out.read_text("utf-8"))["run"]


def test_a_limit_that_matches_nothing_is_bad_input(tmp_path: Path) -> None:
    proc = run_cli("audit", str(unreachable_office(tmp_path)), "--limit", "nobody*", "--no-history")
    assert proc.returncode == 2
    assert "--limit nobody* matches no host of the inventory" in proc.stderr
    assert proc.stdout == ""

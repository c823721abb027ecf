"""Results documents for report tests: the real lab run, hostile host data, edge cases."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from netguard.results import Results, parse_results

LAB = Path(__file__).resolve().parent.parent / "fixtures" / "lab-results.json"

# What a compromised or mischievous machine can put in its name, accounts or process list, and
# what a careless inventory can put in a department or room.
SCRIPT = "<script>alert(1)</script>"
ATTR = '"onmouseover=alert(2) x="'
IMG = "<img src=x onerror=alert(3)>"
PIPE = "a|b|c"
FORMULA = "=cmd|' /C calc'!A0"
MD_LINK = "[click](javascript:alert(4))"


@cache
def _lab_text() -> str:
    return LAB.read_text(encoding="utf-8")


def lab_doc() -> dict[str, Any]:
    return json.loads(_lab_text())


@pytest.fixture
def lab() -> Results:
    return parse_results(lab_doc(), str(LAB))


def finding(
    check: str = "password.age",
    status: str = "pass",
    *,
    category: str | None = None,
    severity: str = "high",
    message: str = "",
    evidence: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "check": check,
        "category": category or check.split(".")[0],
        "status": status,
        "severity": severity,
        "title": f"{check} title",
        "message": message or f"{check} {status}",
        "remediation": f"fix {check}" if status == "fail" else "",
        "evidence": evidence or {},
    }


def host(
    name: str,
    address: str = "10.20.0.5",
    *,
    status: str = "audited",
    findings: list[dict[str, Any]] | None = None,
    zone: str = "intranet",
    segment: str = "county-intranet",
    department: str = "Finance",
    owner: str = "Zhang Wei",
    location: str = "Room 305",
    detail: str = "",
) -> dict[str, Any]:
    return {
        "name": name,
        "address": address,
        "segment": segment,
        "zone": zone,
        "os": "linux",
        "department": department,
        "owner": owner,
        "location": location,
        "status": status,
        "detail": detail,
        "duration_s": 0.5,
        "findings": findings if findings is not None else [],
    }


def document(hosts: list[dict[str, Any]], run_id: str = "0123456789abcdef") -> dict[str, Any]:
    return {
        "schema": "netguard.results/1",
        "netguard_version": "0.1.0",
        "run": {
            "id": run_id,
            "started": "2026-11-23T14:02:11+00:00",
            "finished": "2026-11-23T14:02:13+00:00",
            "inventory": {"path": "inventory/county.yaml", "sha256": "a1" * 32},
            "policy": {"name": "baseline", "path": "policies/baseline.yaml", "sha256": "b2" * 32},
        },
        "hosts": copy.deepcopy(hosts),
    }


def hostile_hosts() -> list[dict[str, Any]]:
    """Hosts whose every field a host or inventory controls carries a payload."""
    evil_evidence = {
        "accounts": [SCRIPT, ATTR],
        "process": IMG,
        "note": "line1\nline2 `code` " + PIPE,
    }
    return [
        host(
            SCRIPT,
            "10.20.0.66",
            department=ATTR,
            owner=FORMULA,
            location=PIPE,
            findings=[
                finding(
                    "password.age",
                    "fail",
                    message=f"password not changed: {SCRIPT} {PIPE} `x` {MD_LINK}\nnext",
                    evidence=evil_evidence,
                ),
                finding("antivirus.running", "error", message=f"process {IMG} unreadable"),
            ],
        ),
        host(
            FORMULA,
            "10.20.0.67",
            status="unreachable",
            department="+SUM(1,2)",
            owner="@evil",
            location="-1+1",
            detail=f"banner said {SCRIPT} {ATTR}",
        ),
        host(
            MD_LINK,
            "10.20.0.68",
            department=IMG,
            findings=[finding("isolation.wireless", "fail", severity="critical", message=ATTR)],
        ),
    ]


@pytest.fixture
def hostile() -> Results:
    return parse_results(document(hostile_hosts()), "<hostile>")


def ascii_hosts() -> list[dict[str, Any]]:
    """A small office with ASCII-only host data: whatever CJK an English report shows is ours."""
    return [
        host("fin-pc-01", "10.20.0.11", findings=[finding("password.age", "pass")]),
        host(
            "fin-pc-02",
            "10.20.0.12",
            findings=[
                finding("isolation.multi_homed", "fail", severity="critical"),
                finding("antivirus.signatures", "error"),
                finding("isolation.wireless", "not_applicable", severity="critical"),
            ],
        ),
        host("hr-pc-01", "10.20.0.13", department="HR", status="timeout", detail="no handshake"),
        host(
            "rekeyed",
            "10.20.0.14",
            status="hostkey_mismatch",
            department="",
            owner="",
            location="",
            findings=[finding("ssh.hostkey", "fail", category="transport", severity="critical")],
        ),
        host("web-01", "198.51.100.5", zone="internet", segment="internet", department="IT"),
    ]

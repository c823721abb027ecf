"""A results document for the export tests: every finding status, hosts that were not audited,
a waiver, standard references — and host text that tries to break every format."""

from __future__ import annotations

import copy
from typing import Any

from netguard.checks.references import BY_CATEGORY
from netguard.results import Results, parse_results

#: what a hostile host may print: XML and JSON metacharacters, NUL and ESC, a bidi override, a
#: line separator, a CDATA end, a lone surrogate (a JSON document may spell one), Chinese
HOSTILE = "a<b>&\"c'\x00\x1b[31m\u202egnp.exe\u2028]]></failure>\ud800 天擎"


def _finding(check: str, category: str, status: str, severity: str, **more: Any) -> dict:
    return {
        "check": check,
        "category": category,
        "status": status,
        "severity": severity,
        "title": f"title of {check}",
        "message": more.pop("message", f"{check} is {status}"),
        "reason": f"{check}.{status}",
        "args": {},
        "remediation": "fix it" if status == "fail" else "",
        "evidence": more.pop("evidence", {}),
        "references": list(BY_CATEGORY.get(category, ())),
        **more,
    }


WAIVER = {
    "id": "WV-2026-001",
    "host": "pc-*",
    "check": "antivirus.signatures",
    "reason": "vendor update pending",
    "approver": "李主任",
    "approved": "2026-03-01",
    "expires": "2026-12-31",
    "ticket": "T-9",
    "file": "waivers.yaml",
    "line": 9,
}

DOC: dict[str, Any] = {
    "schema": "netguard.results/1",
    "netguard_version": "0.1.0",
    "run": {
        "id": "9f1c00aa",
        "started": "2026-11-23T14:02:11.512+00:00",
        "finished": "2026-11-23T14:02:13.901+00:00",
        "policy": {"name": "baseline"},
    },
    "hosts": [
        {
            "name": "pc-1",
            "address": "10.20.0.17",
            "segment": "county-intranet",
            "zone": "intranet",
            "os": "linux",
            "department": "财务科",
            "owner": "张伟",
            "location": "305室",
            "status": "audited",
            "duration_s": 0.41,
            "findings": [
                _finding(
                    "isolation.default_route",
                    "isolation",
                    "fail",
                    "critical",
                    message=f"route via {HOSTILE}",
                    evidence={"route": HOSTILE, "n": 2},
                ),
                _finding("password.age", "password", "pass", "high"),
                _finding(
                    "antivirus.running",
                    "antivirus",
                    "error",
                    "high",
                    message="section processes failed",
                ),
                _finding("isolation.wireless", "isolation", "not_applicable", "critical"),
                _finding("antivirus.signatures", "antivirus", "waived", "medium", waiver=WAIVER),
                _finding("media.history", "media", "fail", "low"),
            ],
        },
        {
            "name": "pc-2",
            "address": "10.20.0.18",
            "zone": "classified",
            "status": "unreachable",
            "detail": "connect to port 22 timed out",
            "detail_reason": "connect_timeout",
            "detail_args": {"port": 22, "seconds": 3},
            "findings": [],
        },
        {
            "name": "pc-3",
            "address": "10.20.0.19",
            "zone": "intranet",
            "status": "hostkey_mismatch",
            "detail": "host key changed",
            "findings": [_finding("ssh.hostkey", "transport", "fail", "critical")],
        },
        {
            "name": "pc-4",
            "address": "10.20.0.20",
            "zone": "internet",
            "status": "audited",
            "duration_s": 0.3,
            "findings": [_finding("password.age", "password", "pass", "medium")],
        },
    ],
}


def results(**changes: Any) -> Results:
    doc = copy.deepcopy(DOC)
    doc.update(changes)
    return parse_results(doc, "export-test.json")


def findings_of(r: Results) -> int:
    return sum(len(h.findings) for h in r.hosts)

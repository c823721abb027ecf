"""SARIF 2.1.0, the static-analysis interchange format code-scanning dashboards read.

One run; ``tool.driver`` is netguard with one rule per check the document names (title,
remediation as help, severity as default level, standard references as properties). Every
finding is a result: its ``kind`` says what it is — ``fail`` (level by severity:
critical/high → error, medium → warning, low/info → note), ``pass``, ``notApplicable``,
``review`` for a check that could not decide — and a waived finding is a ``fail`` with an
accepted external suppression (the waiver). There are no files: the location is the host, a
``logicalLocation`` of kind ``host``. Hosts that were not audited are the invocation's
``toolExecutionNotifications`` (level error), so a dashboard shows the run as incomplete.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from netguard.export.text import json_text
from netguard.model import FindingStatus, Severity
from netguard.results import FindingRecord, HostRecord, Results

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
VERSION = "2.1.0"

LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
KINDS = {
    FindingStatus.PASS: "pass",
    FindingStatus.FAIL: "fail",
    FindingStatus.WAIVED: "fail",
    FindingStatus.ERROR: "review",
    FindingStatus.NOT_APPLICABLE: "notApplicable",
}


def render_sarif(results: Results) -> str:
    return json_text(sarif_log(results), indent=2) + "\n"


def sarif_log(results: Results) -> dict[str, Any]:
    rules, index = _rules(results)
    out: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    for host in results.hosts:
        if not host.audited:
            notes.append(_unaudited(host))
        out.extend(_result(host, f, index[f.check]) for f in host.findings)
    invocation: dict[str, Any] = {
        "executionSuccessful": results.finished is not None,
        "startTimeUtc": _utc(results.started),
        "toolExecutionNotifications": notes,
    }
    if results.finished is not None:
        invocation["endTimeUtc"] = _utc(results.finished)
    return {
        "$schema": SCHEMA_URI,
        "version": VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "netguard",
                        "version": results.netguard_version or "unknown",
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": f"netguard/{results.run_id}"},
                "invocations": [invocation],
                "results": out,
                "properties": {"policy": str(results.policy.get("name", ""))},
            }
        ],
    }


def _utc(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _rules(results: Results) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """One rule per check, in order of first appearance; the worst severity a policy gave it."""
    found: dict[str, FindingRecord] = {}
    worst: dict[str, str] = {}
    remedy: dict[str, str] = {}  # only failing findings carry a remediation
    for host in results.hosts:
        for f in host.findings:
            first = found.setdefault(f.check, f)
            if f.severity_rank >= Severity(worst.get(f.check, first.severity)).rank:
                worst[f.check] = f.severity
            if f.remediation:
                remedy.setdefault(f.check, f.remediation)
    rules = []
    for f in found.values():
        severity = worst[f.check]
        rule: dict[str, Any] = {
            "id": f.check,
            "name": f.check,
            "shortDescription": {"text": f.title or f.check},
            "defaultConfiguration": {"level": LEVELS.get(severity, "warning")},
            "properties": {
                "category": f.category,
                "severity": severity,
                "references": list(f.references),
                "tags": [f.category, *f.references],
            },
        }
        if f.check in remedy:
            rule["help"] = {"text": remedy[f.check]}
        rules.append(rule)
    return rules, {f.check: i for i, f in enumerate(found.values())}


def _location(host: HostRecord) -> dict[str, Any]:
    return {
        "logicalLocations": [{"name": host.name, "fullyQualifiedName": host.name, "kind": "host"}]
    }


def _host_properties(host: HostRecord) -> dict[str, Any]:
    return {
        "host": host.name,
        "address": host.address,
        "zone": host.zone,
        "segment": host.segment,
        "department": host.department,
        "hostStatus": host.status,
    }


def _result(host: HostRecord, f: FindingRecord, rule_index: int) -> dict[str, Any]:
    kind = KINDS.get(FindingStatus(f.status), "review")
    r: dict[str, Any] = {
        "ruleId": f.check,
        "ruleIndex": rule_index,
        "kind": kind,
        "level": LEVELS.get(f.severity, "warning") if kind == "fail" else "none",
        "message": {"text": f.message or f.title or f.check},
        "locations": [_location(host)],
        "partialFingerprints": {"netguardHostCheck/v1": _fingerprint(host.name, f.check)},
        "properties": {
            **_host_properties(host),
            "status": f.status,
            "severity": f.severity,
            "category": f.category,
            "references": list(f.references),
            "reason": f.reason,
            "args": f.args,
            "evidence": f.evidence,
        },
    }
    if f.waiver is not None:
        w = f.waiver
        r["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": w.reason,
                "properties": {
                    "id": w.id,
                    "approver": w.approver,
                    "approved": w.approved,
                    "expires": w.expires,
                    "ticket": w.ticket,
                    "source": w.source,
                },
            }
        ]
    return r


def _fingerprint(host: str, check: str) -> str:
    """The same host and check in another run: the same finding, for a dashboard's history."""
    return hashlib.sha256(f"{host}\0{check}".encode("utf-8", "surrogatepass")).hexdigest()


def _unaudited(host: HostRecord) -> dict[str, Any]:
    return {
        "level": "error",
        "message": {"text": f"{host.name}: not audited ({host.status}) {host.detail}".strip()},
        "descriptor": {"id": f"host.{host.status}"},
        "locations": [_location(host)],
        "properties": {**_host_properties(host), "detailReason": host.detail_reason},
    }

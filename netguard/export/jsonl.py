"""JSON Lines for a SIEM: one finding a line, and one line for each host that was not audited.

Keys come in one fixed order (docs/exports.md), every line carries the run and the host, so a
line means something alone. Text is as the document has it (``message`` is English; ``reason``
and ``args`` say the same in every language); characters that could end or reorder a line in a
viewer are JSON escapes (export/text.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from netguard.export.text import json_text
from netguard.results import FindingRecord, HostRecord, Results

SCHEMA = "netguard.finding/1"


def render_jsonl(results: Results) -> str:
    return "".join(json_text(line) + "\n" for line in lines(results))


def lines(results: Results) -> Iterator[dict[str, Any]]:
    for host in results.hosts:
        if not host.audited:
            yield _host_line(results, host)
        for f in host.findings:
            yield _finding_line(results, host, f)


def _common(results: Results, host: HostRecord, kind: str) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "type": kind,
        "time": results.detected.isoformat(),
        "run": results.run_id,
        "policy": str(results.policy.get("name", "")),
        "host": host.name,
        "address": host.address,
        "zone": host.zone,
        "segment": host.segment,
        "department": host.department,
        "owner": host.owner,
        "location": host.location,
        "os": host.os,
        "host_status": host.status,
        "verdict": str(host.verdict),
    }


def _host_line(results: Results, host: HostRecord) -> dict[str, Any]:
    return {
        **_common(results, host, "host"),
        "detail": host.detail,
        "detail_reason": host.detail_reason,
        "detail_args": host.detail_args,
    }


def _finding_line(results: Results, host: HostRecord, f: FindingRecord) -> dict[str, Any]:
    w = f.waiver
    return {
        **_common(results, host, "finding"),
        "check": f.check,
        "category": f.category,
        "status": f.status,
        "severity": f.severity,
        "title": f.title,
        "references": list(f.references),
        "message": f.message,
        "reason": f.reason,
        "args": f.args,
        "evidence": f.evidence,
        "waiver": None
        if w is None
        else {
            "id": w.id,
            "reason": w.reason,
            "approver": w.approver,
            "approved": w.approved,
            "expires": w.expires,
            "ticket": w.ticket,
        },
    }

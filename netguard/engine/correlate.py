"""违规外联 proof from the internet side: a receiver's arrivals (`netguard receiver`) held
against a finished run's results document.

Each arrival's token is verified against the run (its id, its hosts, the token's time window,
the probe key); a genuine arrival turns the host's ``isolation.reachability`` finding into a
failure with the evidence — when it was sent, when and from which address it arrived (a NAT
address names the exit that was used). Forged tokens, tokens of another run or outside their
window, and arrivals for hosts not in the run prove nothing: they are listed with the reason,
never counted. The summary is recounted by the document's own rules.
"""

from __future__ import annotations

import copy
import time
from dataclasses import asdict
from typing import Any

from netguard.checks.isolation import arrived
from netguard.checks.isolation import reachability as reachability_check
from netguard.model import Finding, Severity
from netguard.probe.arrivals import Arrival, Sorted, sort_arrivals
from netguard.results import parse_results, summarize_hosts


def correlate(
    doc: dict[str, Any], lines: list[str], key: bytes, *, source: str = ""
) -> tuple[dict[str, Any], Sorted]:
    """The document with the arrivals applied (a new object; ``doc`` is left as it was), and
    the arrivals sorted into accepted and rejected. ``doc`` is validated first (InputError)."""
    results = parse_results(doc, source or "<results>")
    hosts = frozenset(h.name for h in results.hosts)
    found = sort_arrivals(lines, key, run_id=results.run_id, hosts=hosts)
    out = copy.deepcopy(doc)
    for host in out["hosts"]:
        arrivals = found.arrivals.get(host["name"])
        if arrivals:
            host["findings"] = _with_arrivals(host.get("findings", []), arrivals)
    out["summary"] = summarize_hosts(out["hosts"])
    out["probe"] = probe_block(found, source)
    return out, found


def probe_block(found: Sorted, source: str) -> dict[str, Any]:
    """The document's ``probe`` block: the arrivals accepted, by host, and those rejected."""
    return {
        "arrivals": source,
        "accepted": [arrival_row(a) | {"host": a.host} for h in sorted(found.arrivals)
                     for a in found.arrivals[h]],
        "rejected": [asdict(r) for r in found.rejected],
    }  # fmt: skip


def arrival_row(a: Arrival) -> dict[str, Any]:
    return {
        "arrived_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(a.arrived_at)),
        "source": a.source,
        "port": a.port,
        "proto": a.proto,
    }


def _with_arrivals(findings: list[dict[str, Any]], arrivals: list[Arrival]) -> list[dict]:
    """The host's findings with isolation.reachability failing on the arrivals (added when the
    host has none: the token proves netguard asked this host of this run to send it)."""
    spec = reachability_check
    old = next((f for f in findings if f.get("check") == spec.id), None)
    evidence = old.get("evidence", {}) if old else {}
    v = arrived([arrival_row(a) for a in arrivals], evidence if isinstance(evidence, dict) else {})
    severity = old.get("severity") if old else None  # the policy's, as the audit recorded it
    new = Finding(
        check=spec.id,
        category=spec.category,
        status=v.status,
        severity=Severity(severity) if severity in set(Severity) else spec.severity,
        message=v.message,
        reason=v.reason,
        args=v.args,
        evidence=v.evidence,
        title=spec.title,
        remediation=spec.remediation,
        references=spec.references,
    ).to_dict()
    if old is None:
        return [*findings, new]
    return [new if f is old else f for f in findings]

"""Apply waivers to findings, and say afterwards which waivers expired or went unused.

Pure functions: the day is an argument, so a run decides "today" once (at its start) and tests
can pick any day. Only FAIL becomes WAIVED: an ERROR finding stays undecided (a waiver excuses a
known deviation, it cannot vouch for a check that could not look), and PASS/NOT_APPLICABLE have
nothing to excuse.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date
from typing import Any

from netguard.model import Finding, FindingStatus, HostResult
from netguard.waivers.model import Waiver, Waivers, WaiverState

#: Findings listed per reported waiver; the count says how many there are in all.
MATCHES_LISTED = 100


def active_waiver(waivers: Waivers, host: str, check: str, today: date) -> Waiver | None:
    """The first waiver in file order that covers (host, check) and is in force today."""
    for w in waivers.entries:
        if w.matches(host, check) and w.state(today) is WaiverState.ACTIVE:
            return w
    return None


def waive(finding: Finding, waiver: Waiver) -> Finding:
    """The finding, WAIVED by this waiver, with everything it said kept."""
    return dataclasses.replace(finding, status=FindingStatus.WAIVED, waiver=waiver.to_dict())


def apply_waivers(result: HostResult, waivers: Waivers | None, today: date) -> HostResult:
    """The host's result with every failing finding that an active waiver covers WAIVED."""
    if not waivers or not any(f.status is FindingStatus.FAIL for f in result.findings):
        return result
    changed = False
    findings = []
    for f in result.findings:
        if f.status is FindingStatus.FAIL:
            w = active_waiver(waivers, result.host.name, f.check, today)
            if w is not None:
                f = waive(f, w)
                changed = True
        findings.append(f)
    return dataclasses.replace(result, findings=tuple(findings)) if changed else result


def _failed(f: Finding) -> bool:
    """Failed before waivers: what a waiver could have covered in this run."""
    return f.status in (FindingStatus.FAIL, FindingStatus.WAIVED)


def waivers_block(results: Iterable[HostResult], waivers: Waivers, today: date) -> dict[str, Any]:
    """The results document's ``waivers`` block (docs/results-schema.md): which file, how many
    findings were waived, and the waivers that need someone's attention — expired ones (those
    that would have covered a failing finding first), ones not valid yet, and active ones that
    covered nothing (stale exceptions, or hosts that were not audited this time)."""
    failed = [(r.host.name, f) for r in results for f in r.findings if _failed(f)]
    matches = [
        [{"host": h, "check": f.check} for h, f in failed if w.matches(h, f.check)]
        for w in waivers.entries
    ]
    waived = [(h, f) for h, f in failed if f.status is FindingStatus.WAIVED]

    def entry(i: int) -> dict[str, Any]:
        found = matches[i]
        listed = found[:MATCHES_LISTED]
        return {**waivers.entries[i].to_dict(), "matched": len(found), "findings": listed}

    states = [w.state(today) for w in waivers.entries]
    idx = range(len(waivers.entries))
    expired = [i for i in idx if states[i] is WaiverState.EXPIRED and matches[i]]
    expired_unused = [i for i in idx if states[i] is WaiverState.EXPIRED and not matches[i]]
    pending = [i for i in idx if states[i] is WaiverState.NOT_YET_VALID]
    unused = [i for i in idx if states[i] is WaiverState.ACTIVE and not matches[i]]
    return {
        "path": waivers.path,
        "sha256": waivers.sha256,
        "today": today.isoformat(),
        "counts": {
            "entries": len(waivers.entries),
            "active": sum(1 for s in states if s is WaiverState.ACTIVE),
            "expired": len(expired) + len(expired_unused),
            "not_yet_valid": len(pending),
            "waived_findings": len(waived),
            "waived_hosts": len({h for h, _ in waived}),
            "expired_matched": len(expired),
            "expired_unused": len(expired_unused),
            "unused": len(unused),
        },
        "expired": [entry(i) for i in expired],
        "expired_unused": [entry(i) for i in expired_unused],
        "not_yet_valid": [entry(i) for i in pending],
        "unused": [entry(i) for i in unused],
    }

"""The results document's counting rules and the exit status they give: written once, for a run
in memory, a document read back and the history alike."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from netguard.errors import ExitStatus
from netguard.model import (
    FindingStatus,
    HostResult,
    HostStatus,
    Verdict,
    host_verdict,
    is_failing,
    is_undecided,
)

#: The results document's schema id (docs/results-schema.md).
SCHEMA = "netguard.results/1"


def summarize(results: Iterable[HostResult]) -> dict[str, Any]:
    """The document's summary of a run in memory (rules: summarize_statuses)."""
    return summarize_statuses((r.status, r.finding_statuses) for r in results)


def summarize_statuses(hosts: Iterable[tuple[str, Collection[str]]]) -> dict[str, Any]:
    """The summary from each host's status and its findings' statuses.

    ``unknown`` counts undecided hosts (not audited, or a check could not decide) and
    ``failing`` hosts with a failing check, so a host can be both; ``compliant`` is the verdict
    (model.host_verdict). A waived finding is not failing: a host whose only non-passing
    findings are waived is compliant (and counted in ``waived_hosts``). Statuses this version
    does not know are counted, not dropped."""
    by_status: dict[str, int] = {str(s): 0 for s in HostStatus}
    checks: dict[str, int] = {str(s): 0 for s in FindingStatus}
    total = audited = unknown = failing = compliant = waived_hosts = 0
    for status, statuses in hosts:
        total += 1
        by_status[str(status)] = by_status.get(str(status), 0) + 1
        for f in statuses:
            checks[str(f)] = checks.get(str(f), 0) + 1
        audited += status == HostStatus.AUDITED
        unknown += is_undecided(status, statuses)
        failing += is_failing(statuses)
        compliant += host_verdict(status, statuses) is Verdict.COMPLIANT
        waived_hosts += FindingStatus.WAIVED in statuses
    return {
        "hosts": total,
        "audited": audited,
        "unknown": unknown,
        "failing": failing,
        "compliant": compliant,
        "waived_hosts": waived_hosts,
        "coverage": round(audited / total, 4) if total else 1.0,
        "host_status": by_status,
        "finding_status": checks,
    }


def summarize_hosts(hosts: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The summary of a document's ``hosts`` (dicts, as stored or read back)."""
    return summarize_statuses(
        (str(h.get("status")), [str(f.get("status")) for f in h.get("findings") or ()])
        for h in hosts
    )


def exit_status_of(results: Iterable[HostResult]) -> ExitStatus:
    """0 every host compliant, 1 something fails (failing beats unknown), 3 something unknown."""
    return exit_status_of_verdicts(r.verdict for r in results)


def exit_status_of_verdicts(host_verdicts: Iterable[str]) -> ExitStatus:
    verdicts = set(host_verdicts)
    if Verdict.FAILING in verdicts:
        return ExitStatus.FINDINGS
    if Verdict.UNKNOWN in verdicts:
        return ExitStatus.UNKNOWN
    return ExitStatus.OK

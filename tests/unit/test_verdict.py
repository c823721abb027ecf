"""The verdict rule (model.host_verdict): failing beats unknown beats compliant — and every
place that judges a host (a run in memory, a document read back, the counts, the exit status)
says the same, because they all ask the model."""

from __future__ import annotations

import ipaddress
from itertools import product

import pytest

from netguard.errors import ExitStatus
from netguard.model import (
    Finding,
    FindingStatus,
    Host,
    HostResult,
    HostStatus,
    Segment,
    Severity,
    Verdict,
    Zone,
    host_verdict,
    overall_verdict,
)
from netguard.results import exit_status_of, parse_results, summarize
from netguard.results.summary import SCHEMA

SEG = Segment("lan", Zone.INTRANET, ipaddress.ip_network("10.0.0.0/24"))


def _expected(host: HostStatus, findings: tuple[FindingStatus, ...]) -> Verdict:
    if FindingStatus.FAIL in findings:
        return Verdict.FAILING
    if host is not HostStatus.AUDITED or FindingStatus.ERROR in findings:
        return Verdict.UNKNOWN
    return Verdict.COMPLIANT


CASES = [
    (host, findings)
    for host in HostStatus
    for n in range(3)
    for findings in product(FindingStatus, repeat=n)
]


@pytest.mark.parametrize(("host", "findings"), CASES)
def test_the_rule_for_every_host_status_and_up_to_two_findings(
    host: HostStatus, findings: tuple[FindingStatus, ...]
) -> None:
    expected = _expected(host, findings)
    assert host_verdict(host, findings) is expected
    # the same rule on the statuses as a results document writes them
    assert host_verdict(str(host), [str(f) for f in findings]) is expected


def test_a_waived_finding_is_not_failing_and_an_unaudited_host_is_never_compliant() -> None:
    assert host_verdict(HostStatus.AUDITED, [FindingStatus.WAIVED]) is Verdict.COMPLIANT
    assert host_verdict(HostStatus.UNREACHABLE, []) is Verdict.UNKNOWN
    assert host_verdict(HostStatus.HOSTKEY_MISMATCH, [FindingStatus.FAIL]) is Verdict.FAILING


@pytest.mark.parametrize(
    ("verdicts", "overall"),
    [
        ([], Verdict.UNKNOWN),  # nothing checked is not compliant
        ([Verdict.COMPLIANT], Verdict.COMPLIANT),
        ([Verdict.COMPLIANT, Verdict.UNKNOWN], Verdict.UNKNOWN),
        ([Verdict.UNKNOWN, Verdict.FAILING, Verdict.COMPLIANT], Verdict.FAILING),
        (["compliant", "failing"], Verdict.FAILING),
    ],
)
def test_a_runs_verdict_is_its_worst_host(verdicts: list[str], overall: Verdict) -> None:
    assert overall_verdict(verdicts) is overall


WAIVER = {"reason": "r", "approver": "a", "approved": "2026-01-01", "expires": "2027-01-01"}


def _result(name: str, status: HostStatus, *statuses: FindingStatus) -> HostResult:
    host = Host(name, ipaddress.ip_address("10.0.0.1"), "lan")
    findings = tuple(
        Finding(
            f"c{i}", "antivirus", s, Severity.HIGH, "",
            waiver=WAIVER if s is FindingStatus.WAIVED else None,
        )
        for i, s in enumerate(statuses)
    )  # fmt: skip
    return HostResult(host, SEG, status, "", findings)


def test_memory_document_counts_and_exit_status_agree() -> None:
    fleet = [
        _result("ok", HostStatus.AUDITED, FindingStatus.PASS, FindingStatus.NOT_APPLICABLE),
        _result("waived", HostStatus.AUDITED, FindingStatus.WAIVED, FindingStatus.PASS),
        _result("undecided", HostStatus.AUDITED, FindingStatus.ERROR),
        _result("both", HostStatus.AUDITED, FindingStatus.FAIL, FindingStatus.ERROR),
        _result("away", HostStatus.TIMEOUT),
    ]
    doc = {
        "schema": SCHEMA,
        "run": {"id": "r", "started": "2026-12-01T00:00:00+00:00"},
        "hosts": [r.to_dict() for r in fleet],
    }
    records = parse_results(doc).hosts
    assert [r.verdict for r in fleet] == [h.verdict for h in records]
    assert [str(r.verdict) for r in fleet] == [
        "compliant", "compliant", "unknown", "failing", "unknown",
    ]  # fmt: skip
    s = summarize(fleet)
    # the summary counts undecided and failing hosts apart: "both" is in each
    assert (s["compliant"], s["failing"], s["unknown"], s["waived_hosts"]) == (2, 1, 3, 1)
    assert exit_status_of(fleet) is ExitStatus.FINDINGS
    assert exit_status_of(fleet[:3]) is ExitStatus.UNKNOWN
    assert exit_status_of(fleet[:2]) is ExitStatus.OK

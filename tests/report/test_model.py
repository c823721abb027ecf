"""The numbers of a report: verdicts, coverage, groups, violations — language-free."""

from __future__ import annotations

import pytest

from netguard.report import build_report, model
from netguard.report.model import address_key
from netguard.results import Results, parse_results
from tests.report.conftest import ascii_hosts, document, finding, host


def test_lab_totals_and_coverage(lab: Results) -> None:
    r = build_report(lab)
    assert r.verdict == "failing"
    t = r.totals
    assert (t.hosts, t.compliant, t.failing, t.unknown) == (14, 2, 9, 3)
    assert (t.fail_findings, t.error_findings) == (12, 0)
    assert r.coverage.audited == 10 and r.coverage.not_audited == 4
    assert r.coverage.rate == pytest.approx(10 / 14)
    assert r.coverage.host_status == {
        "audited": 10,
        "unreachable": 1,
        "timeout": 1,
        "auth_failed": 0,
        "hostkey_unknown": 1,
        "hostkey_mismatch": 1,
        "error": 0,
        "unresolved": 0,  # every status, zeros included
    }
    assert r.finding_status == {
        "pass": 85,
        "fail": 12,
        "error": 0,
        "not_applicable": 4,
        "waived": 0,
    }
    assert t.compliance_rate == pytest.approx(2 / 14)


def test_lab_groups(lab: Results) -> None:
    r = build_report(lab)
    zones = {g.key: (g.tally.hosts, g.tally.compliant, g.tally.failing, g.tally.unknown)
             for g in r.by_zone}  # fmt: skip
    assert zones == {"intranet": (13, 1, 9, 3), "internet": (1, 1, 0, 0)}
    assert [g.key for g in r.by_zone] == ["intranet", "internet"]  # zone order, not by name
    depts = {g.key: g.tally for g in r.by_department}
    fin = depts["财务科"]
    assert (fin.hosts, fin.compliant, fin.failing, fin.unknown) == (3, 0, 2, 1)
    assert fin.fail_findings == 3  # dual-pc: addresses + multi_homed; rekeyed-pc: host key
    assert depts["后勤科"].fail_findings == 3  # no-av fails all three antivirus checks
    # Worst first: most failing hosts, then most unknown, then name.
    keys = [(-g.tally.failing, -g.tally.unknown, g.key) for g in r.by_department]
    assert keys == sorted(keys)
    assert r.by_department[0].key == "财务科"
    segs = {g.key: g for g in r.by_segment}
    assert segs["lab-internet"].zone == "internet" and segs["lab-intranet"].tally.hosts == 13


def test_lab_categories(lab: Results) -> None:
    cats = {g.key: g.tally for g in build_report(lab).by_category}
    assert list(cats) == ["antivirus", "password", "isolation", "transport"]
    # 10 audited hosts + 4 not audited (unknown in every category audited hosts are checked in)
    av = cats["antivirus"]
    assert (av.hosts, av.compliant, av.failing, av.unknown) == (14, 8, 2, 4)
    iso = cats["isolation"]
    # inet-pc: isolation.multi_homed passes (every zone), the others are not applicable
    assert (iso.hosts, iso.compliant, iso.failing, iso.unknown) == (14, 6, 4, 4)
    assert iso.fail_findings == 5
    # Only the refused host key shows "transport": it is not an unknown on every other host.
    tr = cats["transport"]
    assert (tr.hosts, tr.failing, tr.unknown) == (1, 1, 0)


def test_lab_violations_order_and_people(lab: Results) -> None:
    r = build_report(lab)
    assert len(r.violations) == 12
    keys = [
        (-v.finding.severity_rank, v.host.host.department, v.host.host.name, v.finding.check)
        for v in r.violations
    ]
    assert keys == sorted(keys)
    first = r.violations[0]
    assert first.finding.severity == "critical"
    assert (first.host.host.name, first.host.host.owner, first.host.host.location) == (
        "route-pc",
        "赵敏",
        "Room 103",
    )
    assert {v.finding.severity for v in r.violations[-7:]} == {"high"}


def test_lab_unknown_hosts_and_detail(lab: Results) -> None:
    r = build_report(lab)
    assert [v.host.name for v in r.unknown_hosts] == [
        "hang-pc",
        "down-pc",
        "rekeyed-pc",
        "newkey-pc",
    ]
    rekeyed = next(v for v in r.unknown_hosts if v.host.name == "rekeyed-pc")
    assert rekeyed.verdict == "failing"  # not audited, but its host key is a violation
    assert r.detail_scope == "all" and len(r.detail_hosts) == 14
    assert [v.index for v in r.hosts] == list(range(14))
    no_av = next(v for v in r.hosts if v.host.name == "no-av")
    assert no_av.worst == "high" and len(no_av.failing) == 3
    assert (no_av.passed, no_av.not_applicable) == (7, 0)
    assert [f.status for f in no_av.findings_sorted][:3] == ["fail", "fail", "fail"]


def test_verdicts_partition_and_undecided() -> None:
    r = build_report(parse_results(document(ascii_hosts())))
    verdicts = {v.host.name: v.verdict for v in r.hosts}
    assert verdicts == {
        "fin-pc-01": "compliant",
        "fin-pc-02": "failing",  # fails and has an undecided check: failing wins
        "hr-pc-01": "unknown",
        "rekeyed": "failing",
        "web-01": "compliant",
    }
    assert r.coverage.undecided == 1
    assert [v.host.name for v in r.unknown_hosts] == ["fin-pc-02", "hr-pc-01", "rekeyed"]
    # worst first; a department left empty comes after named ones with the same counts
    assert [g.key for g in r.by_department] == ["Finance", "", "HR", "IT"]
    cats = {g.key: g.tally for g in r.by_category}
    # fin-pc-02: its antivirus check errored; hr-pc-01, rekeyed: not audited
    assert (cats["antivirus"].unknown, cats["antivirus"].error_findings) == (3, 1)
    # not_applicable alone does not count a host in a category
    assert cats["isolation"].hosts == 3  # fin-pc-02 (failing) + hr-pc-01, rekeyed (unknown)


def test_empty_fleet_is_not_compliant() -> None:
    r = build_report(parse_results(document([])))
    assert r.verdict == "unknown" and r.empty
    assert r.coverage.rate is None and r.totals.compliance_rate is None
    assert r.violations == [] and r.by_zone == [] and r.by_category == []


def test_all_hosts_unknown() -> None:
    hosts = [host(f"pc{i}", f"10.20.0.{i + 10}", status="unreachable") for i in range(3)]
    r = build_report(parse_results(document(hosts)))
    assert r.verdict == "unknown"
    assert r.coverage.rate == 0.0 and r.totals.compliance_rate == 0.0
    assert r.totals.unknown == 3 and r.totals.compliant == 0
    assert r.by_category == []  # nothing was audited: no category to be unknown in


def test_only_failing_wins_over_unknown() -> None:
    hosts = [
        host("a", findings=[finding("password.age", "pass")]),
        host("b", "10.20.0.6", status="timeout"),
    ]
    assert build_report(parse_results(document(hosts))).verdict == "unknown"
    hosts.append(host("c", "10.20.0.7", findings=[finding("password.age", "fail")]))
    assert build_report(parse_results(document(hosts))).verdict == "failing"


HIGHEST = "critical"


def test_detail_scope_for_big_fleets(monkeypatch: pytest.MonkeyPatch) -> None:
    hosts = [
        host("ok", findings=[finding("password.age", "pass")]),
        host("bad", "10.20.0.6", findings=[finding("password.age", "fail", severity="medium")]),
        host("down", "10.20.0.7", status="unreachable"),
        host(
            "worse", "10.20.0.8", findings=[finding("isolation.wireless", "fail", severity=HIGHEST)]
        ),
    ]
    results = parse_results(document(hosts))
    monkeypatch.setattr(model, "DETAIL_ALL_MAX", 2)
    r = build_report(results)
    assert r.detail_scope == "attention"
    assert [v.host.name for v in r.detail_hosts] == ["bad", "down", "worse"]
    monkeypatch.setattr(model, "DETAIL_MAX", 2)
    r = build_report(results)
    assert r.detail_scope == "capped"
    assert [v.host.name for v in r.detail_hosts] == ["worse", "bad"]  # most severe first


def test_address_key_sorts_numerically() -> None:
    addrs = ["10.0.0.10", "10.0.0.9", "not-an-ip", "::1", "9.255.255.255"]
    assert sorted(addrs, key=address_key) == [
        "9.255.255.255",
        "10.0.0.9",
        "10.0.0.10",
        "::1",
        "not-an-ip",
    ]

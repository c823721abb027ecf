"""Waivers (豁免): the file is refused with a located message for every mistake; an active waiver
turns a failing finding into WAIVED and keeps everything it said; an expired, premature or
unused waiver changes nothing and is reported; documents, reports and checklists agree.

Dates are inclusive at both ends: a waiver approved 2026-03-01 and expiring 2026-05-31 applies
on 03-01 and on 05-31, and not on 02-28 or 06-01.
"""

from __future__ import annotations

import dataclasses
import io
import ipaddress
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from netguard.checklist import build_incidents
from netguard.checklist.build import match_host
from netguard.engine import AuditJob, AuditOptions, run_audit, runner
from netguard.errors import ExitStatus, InputError
from netguard.model import (
    Finding,
    FindingStatus,
    Host,
    HostResult,
    HostStatus,
    Inventory,
    Segment,
    Severity,
    Verdict,
    Zone,
)
from netguard.playbooks import load_contacts, load_playbooks
from netguard.playbooks.model import Trigger
from netguard.policy import Policy
from netguard.render.console import print_summary
from netguard.report import build_report, render_report
from netguard.results import Results, Run, exit_status_of, parse_results, run_document, summarize
from netguard.waivers import (
    Waiver,
    Waivers,
    WaiverState,
    apply_waivers,
    load_waivers,
)
from tests.unit.conftest import WriteYaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "netguard" / "policies" / "waivers" / "example.yaml"
SCRIPT = "<script>alert(1)</script>"

APPROVED, EXPIRES = date(2026, 3, 1), date(2026, 5, 31)
TODAY = date(2026, 4, 15)

GOOD_ENTRY = """\
  - id: WV-1
    host: fin-pc-*
    check: antivirus.signatures
    reason: offline updates, monthly
    approver: Wang
    approved: 2026-03-01
    expires: 2026-05-31
"""


# --- loading ---------------------------------------------------------------------------------


def test_the_shipped_example_loads() -> None:
    w = load_waivers(EXAMPLE)
    assert [e.id for e in w.entries] == ["WV-2026-001", "WV-2026-002"]
    first = w.entries[0]
    assert first.line == 9 and first.file == str(EXAMPLE)
    assert first.expires == date(2026, 12, 31) and first.ticket
    assert len(w.sha256) == 64


def test_a_good_file_loads_with_lines(write_yaml: WriteYaml) -> None:
    path = write_yaml(
        "waivers:\n"
        + GOOD_ENTRY
        + GOOD_ENTRY.replace("WV-1", "WV-2").replace("fin-pc-*", "hr-pc-01")
    )
    w = load_waivers(path)
    assert [(e.id, e.host, e.line) for e in w.entries] == [
        ("WV-1", "fin-pc-*", 2),
        ("WV-2", "hr-pc-01", 9),
    ]
    assert w.entries[0].approved == APPROVED and w.entries[0].expires == EXPIRES
    assert w.entries[0].source == f"{path}:2"


def test_an_empty_list_is_no_waivers(write_yaml: WriteYaml) -> None:
    assert load_waivers(write_yaml("waivers: []\n")).entries == ()
    assert load_waivers(write_yaml("waivers:\n")).entries == ()


def test_quoted_dates_are_read_too(write_yaml: WriteYaml) -> None:
    text = GOOD_ENTRY.replace("2026-05-31", "'2026-05-31'")
    assert load_waivers(write_yaml("waivers:\n" + text)).entries[0].expires == EXPIRES


def _entry(**changes: str | None) -> str:
    """GOOD_ENTRY with fields replaced (value text) or removed (None), in the same order."""
    fields = {
        "id": "WV-1",
        "host": "fin-pc-*",
        "check": "antivirus.signatures",
        "reason": "offline updates",
        "approver": "Wang",
        "approved": "2026-03-01",
        "expires": "2026-05-31",
    }
    fields.update(changes)
    lines = [f"{k}: {v}" for k, v in fields.items() if v is not None]
    return "  - " + "\n    ".join(lines) + "\n"


# (file text, line, field, words of the message)
MALFORMED = {
    "unknown key": (
        "waivers:\n" + _entry(approvd="2026-03-01"),
        9,
        "waivers[0].approvd",
        "unknown key 'approvd' (did you mean approved or approver?)",
    ),
    "missing reason": (
        "waivers:\n" + _entry(reason=None),
        2,
        "waivers[0].reason",
        "required key is missing",
    ),
    "missing approver": (
        "waivers:\n" + _entry(approver=None),
        2,
        "waivers[0].approver",
        "required key is missing",
    ),
    "missing approval date": (
        "waivers:\n" + _entry(approved=None),
        2,
        "waivers[0].approved",
        "required key is missing",
    ),
    "no end": ("waivers:\n" + _entry(expires=None), 2, "waivers[0].expires", "must end"),
    "empty end": ("waivers:\n" + _entry(expires=""), 8, "waivers[0].expires", "must end"),
    "impossible date": (
        "waivers:\n" + _entry(expires="2026-02-30"),
        8,
        "waivers[0].expires",
        "not a date",
    ),
    "words for a date": (
        "waivers:\n" + _entry(expires="end of year"),
        8,
        "waivers[0].expires",
        "expected a date such as 2026-12-31",
    ),
    "date with time": (
        "waivers:\n" + _entry(expires="2026-05-31 18:00:00"),
        8,
        "waivers[0].expires",
        "without a time",
    ),
    "number for a date": (
        "waivers:\n" + _entry(approved="20260301"),
        7,
        "waivers[0].approved",
        "a number",
    ),
    "ends before it starts": (
        "waivers:\n" + _entry(expires="2026-02-01"),
        8,
        "waivers[0].expires",
        "expires 2026-02-01 is before approved 2026-03-01",
    ),
    "typo in check": (
        "waivers:\n" + _entry(check="antivirus.signature"),
        4,
        "waivers[0].check",
        "matches no known check (did you mean antivirus.signatures",
    ),
    "glob matching no check": (
        "waivers:\n" + _entry(check="antivirs.*"),
        4,
        "waivers[0].check",
        "'antivirs.*' matches no known check",
    ),
    "everything everywhere": (
        "waivers:\n" + _entry(host="'*'", check="'*'"),
        4,
        "waivers[0].check",
        "every check on every host",
    ),
    "empty reason": (
        "waivers:\n" + _entry(reason="''"),
        5,
        "waivers[0].reason",
        "must not be empty",
    ),
    "blank approver": (
        "waivers:\n" + _entry(approver="'  '"),
        6,
        "waivers[0].approver",
        "must not be empty",
    ),
    "number as reason": (
        "waivers:\n" + _entry(reason="42"),
        5,
        "waivers[0].reason",
        "expected text",
    ),
    "empty host": ("waivers:\n" + _entry(host="''"), 3, "waivers[0].host", "must not be empty"),
    "duplicate id": (
        "waivers:\n" + _entry() + _entry(host="hr-pc-01"),
        9,
        "waivers[1].id",
        "duplicate waiver id 'WV-1' (first on line 2)",
    ),
    "duplicate exception": (
        "waivers:\n" + _entry() + _entry(id="WV-2", expires="2026-12-31"),
        9,
        "waivers[1]",
        "duplicate waiver for host 'fin-pc-*' and check 'antivirus.signatures' (first on line 2)",
    ),
    "list not mapping": ("- host: x\n", 1, None, "expected a mapping with the key waivers"),
    "waivers not a list": ("waivers: {host: x}\n", 1, "waivers", "expected a list of waivers"),
    "unknown top key": ("waivers: []\nexceptions: []\n", 2, "exceptions", "unknown key"),
    "entry not a mapping": ("waivers:\n  - fin-pc-07\n", 2, "waivers[0]", "expected a waiver"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_every_mistake_names_file_line_and_field(write_yaml: WriteYaml, case: str) -> None:
    text, line, field, words = MALFORMED[case]
    path = write_yaml(text, name="waivers.yaml")
    with pytest.raises(InputError) as info:
        load_waivers(path)
    err = info.value
    assert (err.file, err.line, err.field) == (str(path), line, field), str(err)
    assert words in err.message
    where = f"{path}:{line}: " + (f"{field}: " if field else "")
    assert str(err).startswith(where)
    assert err.exit_status == ExitStatus.BAD_INPUT


def test_empty_and_missing_files_are_refused(write_yaml: WriteYaml, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="empty"):
        load_waivers(write_yaml("# nothing yet\n"))
    with pytest.raises(InputError, match="waivers file not found") as info:
        load_waivers(tmp_path / "nope.yaml")
    assert info.value.file == str(tmp_path / "nope.yaml")


def test_check_patterns_are_validated_against_the_given_checks(write_yaml: WriteYaml) -> None:
    path = write_yaml("waivers:\n" + _entry(check="media.usb"))
    with pytest.raises(InputError, match="matches no known check"):
        load_waivers(path)
    assert load_waivers(path, checks=["media.usb"]).entries[0].check == "media.usb"
    # the transport's finding can be waived by default (a re-installed machine, say)
    assert load_waivers(write_yaml("waivers:\n" + _entry(check="ssh.hostkey"))).entries


# --- matching and dates ----------------------------------------------------------------------


def waiver(host: str = "fin-pc-*", check: str = "antivirus.*", **kw: Any) -> Waiver:
    base: dict[str, Any] = {
        "reason": "offline updates",
        "approver": "Wang",
        "approved": APPROVED,
        "expires": EXPIRES,
        "file": "waivers.yaml",
        "line": 3,
    }
    base.update(kw)
    return Waiver(host, check, **base)


def test_globs_match_host_names_and_check_ids() -> None:
    w = waiver()
    assert w.matches("fin-pc-07", "antivirus.signatures")
    assert w.matches("fin-pc-", "antivirus.running")
    assert not w.matches("fin-pc", "antivirus.running")
    assert not w.matches("FIN-PC-07", "antivirus.running")  # host names are case-sensitive
    assert not w.matches("fin-pc-07", "password.age")
    assert not w.matches("hr-fin-pc-07", "antivirus.running")  # anchored, not a substring
    exact = waiver("fin-pc-07", "password.age")
    assert exact.matches("fin-pc-07", "password.age")
    assert not exact.matches("fin-pc-070", "password.age")
    assert waiver("pc-0[1-3]", "isolation.*").matches("pc-02", "isolation.wireless")


@pytest.mark.parametrize(
    ("day", "state"),
    [
        (date(2026, 2, 28), WaiverState.NOT_YET_VALID),
        (APPROVED, WaiverState.ACTIVE),  # the approval day counts
        (TODAY, WaiverState.ACTIVE),
        (EXPIRES, WaiverState.ACTIVE),  # and so does the expiry day
        (date(2026, 6, 1), WaiverState.EXPIRED),
    ],
)
def test_dates_are_inclusive_at_both_ends(day: date, state: WaiverState) -> None:
    assert waiver().state(day) is state


# --- applying --------------------------------------------------------------------------------

SEG = Segment("lan", Zone.INTRANET, ipaddress.ip_network("10.20.0.0/24"))


def _host(name: str, n: int) -> Host:
    return Host(
        name, ipaddress.ip_address(f"10.20.0.{n}"), "lan", department="财务科", owner="张伟"
    )


def _finding(check: str, status: FindingStatus, **kw: Any) -> Finding:
    base: dict[str, Any] = {
        "category": check.split(".")[0],
        "severity": Severity.HIGH,
        "message": f"{check} {status}",
        "evidence": {"db_age_days": 40, "files": ["/var/lib/clamav/daily.cvd"]},
        "title": f"{check} title",
        "reason": "antivirus.signatures.stale",
        "args": {"age_days": 40, "max_age_days": 7},
        "remediation": "update" if status is FindingStatus.FAIL else "",
    }
    base.update(kw)
    return Finding(check, status=status, **base)


def _result(name: str = "fin-pc-07", *findings: Finding, n: int = 7) -> HostResult:
    return HostResult(_host(name, n), SEG, HostStatus.AUDITED, findings=findings)


def _waivers(*entries: Waiver) -> Waivers:
    return Waivers("waivers.yaml", "c3" * 32, entries)


def test_a_failing_finding_is_waived_and_keeps_what_it_said() -> None:
    fail = _finding("antivirus.signatures", FindingStatus.FAIL)
    out = apply_waivers(_result("fin-pc-07", fail), _waivers(waiver(id="WV-1")), TODAY)
    (f,) = out.findings
    assert f.status is FindingStatus.WAIVED
    assert (f.message, f.evidence, f.severity, f.reason, f.args, f.remediation) == (
        fail.message, fail.evidence, fail.severity, fail.reason, fail.args, fail.remediation
    )  # fmt: skip
    assert f.waiver == {
        "id": "WV-1",
        "host": "fin-pc-*",
        "check": "antivirus.*",
        "reason": "offline updates",
        "approver": "Wang",
        "approved": "2026-03-01",
        "expires": "2026-05-31",
        "ticket": "",
        "file": "waivers.yaml",
        "line": 3,
    }
    assert f.to_dict()["status"] == "waived" and f.to_dict()["waiver"] == f.waiver
    assert out.verdict is Verdict.COMPLIANT
    assert "waiver" not in fail.to_dict()  # documents without waivers are unchanged


def test_only_failures_are_waived_and_errors_stay_undecided() -> None:
    findings = (
        _finding("antivirus.installed", FindingStatus.PASS),
        _finding("antivirus.running", FindingStatus.ERROR),
        _finding("antivirus.signatures", FindingStatus.NOT_APPLICABLE),
    )
    out = apply_waivers(_result("fin-pc-07", *findings), _waivers(waiver()), TODAY)
    assert out.findings == findings
    assert (
        out.verdict is Verdict.UNKNOWN
    )  # fail closed: a waiver cannot vouch for a check that could not look


@pytest.mark.parametrize(
    ("day", "status"),
    [
        (date(2026, 2, 28), FindingStatus.FAIL),
        (APPROVED, FindingStatus.WAIVED),
        (EXPIRES, FindingStatus.WAIVED),
        (date(2026, 6, 1), FindingStatus.FAIL),
    ],
)
def test_only_a_waiver_in_force_applies(day: date, status: FindingStatus) -> None:
    fail = _finding("antivirus.signatures", FindingStatus.FAIL)
    out = apply_waivers(_result("fin-pc-07", fail), _waivers(waiver()), day)
    assert out.findings[0].status is status
    assert (out.verdict is Verdict.FAILING) is (status is FindingStatus.FAIL)


def test_other_hosts_and_checks_are_untouched_and_the_first_waiver_wins() -> None:
    fails = (
        _finding("antivirus.signatures", FindingStatus.FAIL),
        _finding("password.age", FindingStatus.FAIL),
    )
    ws = _waivers(waiver(id="first"), waiver("fin-pc-07", "antivirus.signatures", id="second"))
    out = apply_waivers(_result("fin-pc-07", *fails), ws, TODAY)
    assert [f.status for f in out.findings] == [FindingStatus.WAIVED, FindingStatus.FAIL]
    assert out.findings[0].waiver and out.findings[0].waiver["id"] == "first"
    assert out.verdict is Verdict.FAILING
    other = _result("hr-pc-01", *fails, n=8)
    assert apply_waivers(other, ws, TODAY) is other
    assert apply_waivers(other, None, TODAY) is other


# --- the run, its summary, exit status and document ------------------------------------------


def _run(results: list[HostResult], ws: Waivers | None, today: date = TODAY) -> Run:
    inv = Inventory("inv.yaml", "a1" * 32, {"lan": SEG}, tuple(r.host for r in results))
    run = Run(inv, Policy("baseline", "p.yaml", "b2" * 32, "", (), ()), waivers=ws, today=today)
    run.results = [apply_waivers(r, ws, today) for r in results]
    return run


def _fleet() -> list[HostResult]:
    """fin-pc-07: only a waivable failure; fin-pc-08: waivable + undecided; hr-pc-01: a
    failure nothing waives; it-pc-01: passes."""
    av_fail = _finding("antivirus.signatures", FindingStatus.FAIL)
    return [
        _result("fin-pc-07", av_fail, _finding("password.age", FindingStatus.PASS), n=7),
        _result("fin-pc-08", av_fail, _finding("password.age", FindingStatus.ERROR), n=8),
        _result("hr-pc-01", _finding("isolation.wireless", FindingStatus.FAIL), n=9),
        _result("it-pc-01", _finding("password.age", FindingStatus.PASS), n=10),
    ]


def _fleet_waivers() -> Waivers:
    return _waivers(
        waiver(id="WV-active", reason=SCRIPT + " 离线更新", ticket="信安审〔2026〕12号"),
        waiver("hr-pc-*", "isolation.wireless", id="WV-old", expires=date(2026, 4, 1), line=11),
        waiver(
            "gone-pc-*",
            "password.*",
            id="WV-gone",
            approved=date(2025, 8, 1),
            expires=date(2026, 1, 31),
            line=19,
        ),
        waiver("it-pc-01", "password.age", id="WV-stale", line=27),
        waiver("hr-pc-01", "isolation.*", id="WV-later", approved=date(2026, 5, 1), line=35),
    )


def test_summary_and_exit_status_count_waived_as_not_failing() -> None:
    run = _run(_fleet(), _fleet_waivers())
    s = summarize(run.results)
    assert s["finding_status"] == {
        "pass": 2, "fail": 1, "error": 1, "not_applicable": 0, "waived": 2
    }  # fmt: skip
    # fin-pc-07's only problem is waived: compliant; fin-pc-08 still has an undecided check
    assert (s["compliant"], s["failing"], s["unknown"], s["waived_hosts"]) == (2, 1, 1, 2)
    assert exit_status_of(run.results) == ExitStatus.FINDINGS
    assert exit_status_of(run.results[:1]) == ExitStatus.OK
    assert exit_status_of(run.results[:2]) == ExitStatus.UNKNOWN


def test_waivers_block_reports_expired_unused_and_premature_waivers() -> None:
    run = _run(_fleet(), _fleet_waivers())
    block = run_document(run)["waivers"]
    assert (block["path"], block["sha256"], block["today"]) == (
        "waivers.yaml", "c3" * 32, "2026-04-15"
    )  # fmt: skip
    assert block["counts"] == {
        "entries": 5,
        "active": 2,
        "expired": 2,
        "not_yet_valid": 1,
        "waived_findings": 2,
        "waived_hosts": 2,
        "expired_matched": 1,
        "expired_unused": 1,
        "unused": 1,
    }
    (old,) = block["expired"]
    assert old["id"] == "WV-old" and old["line"] == 11 and old["file"] == "waivers.yaml"
    assert old["matched"] == 1 and old["findings"] == [
        {"host": "hr-pc-01", "check": "isolation.wireless"}
    ]
    assert [w["id"] for w in block["expired_unused"]] == ["WV-gone"]
    assert [w["id"] for w in block["unused"]] == ["WV-stale"]  # it-pc-01 passes: nothing to excuse
    assert [(w["id"], w["matched"]) for w in block["not_yet_valid"]] == [("WV-later", 1)]
    # the expired waiver's finding still fails
    hr = run.results[2]
    assert hr.verdict is Verdict.FAILING and hr.findings[0].status is FindingStatus.FAIL


def test_documents_without_waivers_have_no_block() -> None:
    doc = run_document(_run(_fleet(), None))
    assert "waivers" not in doc
    assert all("waiver" not in f for h in doc["hosts"] for f in h["findings"])


def test_run_audit_applies_waivers_on_the_given_day(monkeypatch: pytest.MonkeyPatch) -> None:
    by_name = {r.host.name: r for r in _fleet()}
    monkeypatch.setattr(runner, "_audit_host", lambda job, host, *_: by_name[host.name])
    inv = Inventory("inv.yaml", "", {"lan": SEG}, tuple(r.host for r in _fleet()))
    policy = Policy("baseline", "p.yaml", "", "", (), ())
    started: list[Run] = []
    run = run_audit(
        AuditJob(inv, policy, AuditOptions(workers=2), waivers=_fleet_waivers(), today=TODAY),
        on_start=started.append,
    )
    assert started == [run] and run.today == TODAY
    statuses = [[str(f.status) for f in r.findings] for r in run.results]
    assert statuses == [["waived", "pass"], ["waived", "error"], ["fail"], ["pass"]]
    assert run_document(run)["waivers"]["counts"]["waived_findings"] == 2
    # the day after the waiver ends, the same hosts fail again
    late = run_audit(
        AuditJob(inv, policy, AuditOptions(), waivers=_fleet_waivers(), today=date(2026, 6, 1))
    )
    assert [r.verdict for r in late.results] == ["failing", "failing", "failing", "compliant"]


# --- reading the document back ---------------------------------------------------------------


def _results(run: Run | None = None) -> Results:
    doc = run_document(run or _run(_fleet(), _fleet_waivers()))
    return parse_results(json.loads(json.dumps(doc)), "run.json")


def test_results_round_trip_through_the_reader() -> None:
    r = _results()
    fin = r.hosts[0]
    assert fin.verdict == "compliant" and not fin.failing
    (f,) = fin.waived
    assert f.status == "waived" and f.evidence["db_age_days"] == 40
    assert f.waiver is not None
    assert (f.waiver.id, f.waiver.approver, f.waiver.expires, f.waiver.source) == (
        "WV-active", "Wang", "2026-05-31", "waivers.yaml:3"
    )  # fmt: skip
    assert r.hosts[1].verdict == "unknown" and r.hosts[2].verdict == "failing"
    assert r.waivers is not None and r.waivers.counts["expired"] == 2
    assert [w.label for w in r.waivers.expired] == ["WV-old"]
    assert r.waivers.expired[0].findings == [("hr-pc-01", "isolation.wireless")]
    assert [w.id for w in r.waivers.unused] == ["WV-stale"]
    # older documents have neither
    plain = _results(_run(_fleet(), None))
    assert plain.waivers is None and all(f.waiver is None for f in plain.hosts[0].findings)


def test_a_waived_finding_without_its_waiver_is_refused() -> None:
    doc = json.loads(json.dumps(run_document(_run(_fleet(), _fleet_waivers()))))
    del doc["hosts"][0]["findings"][0]["waiver"]
    with pytest.raises(InputError) as info:
        parse_results(doc, "run.json")
    assert info.value.field == "hosts[0].findings[0].waiver"
    doc["hosts"][0]["findings"][0]["waiver"] = {"reason": "x"}
    with pytest.raises(InputError, match="must be text"):
        parse_results(doc, "run.json")


# --- report ----------------------------------------------------------------------------------


def test_report_counts_waived_findings_but_never_as_violations() -> None:
    rep = build_report(_results())
    assert [(v.host.host.name, v.finding.check) for v in rep.violations] == [
        ("hr-pc-01", "isolation.wireless")
    ]
    assert [(v.host.host.name, v.finding.check) for v in rep.waived] == [
        ("fin-pc-07", "antivirus.signatures"),
        ("fin-pc-08", "antivirus.signatures"),
    ]
    assert (rep.totals.compliant, rep.totals.failing, rep.totals.unknown) == (2, 1, 1)
    fin = rep.hosts[0]
    assert (len(fin.waived), fin.passed, fin.not_applicable) == (1, 1, 0)
    assert rep.shows_waivers
    assert [(s, w.id) for s, w in rep.expired_waivers] == [
        ("expired", "WV-old"), ("expired_unused", "WV-gone")
    ]  # fmt: skip
    assert [(s, w.id) for s, w in rep.unused_waivers] == [
        ("unused", "WV-stale"), ("not_yet_valid", "WV-later")
    ]  # fmt: skip
    av = {g.key: g.tally for g in rep.by_category}["antivirus"]
    # waived counts as compliant in its category (fin-pc-08's undecided check is a password one)
    assert (av.hosts, av.compliant, av.failing) == (2, 2, 0)


WORDS = {
    "en": (
        "Remediation deferred (approved)",
        "Expired deferral approvals",
        "Approved by",
        "Valid until",
        "Remediation deferred (approved)",
    ),
    "zh": (
        "经审批暂缓整改事项",
        "已过期的暂缓整改审批",
        "批准人",
        "有效期至",
        "经审批暂缓整改",
        "暂缓整改理由",
    ),
}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_html_report_shows_waivers_and_escapes_their_text(lang: str) -> None:
    html = render_report(_results(), "html", lang)
    for word in WORDS[lang]:
        assert word in html, word
    assert 'id="waived"' in html and 'id="expired-waivers"' in html
    assert SCRIPT not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    shown = ("Wang", "2026-05-31", "WV-old", "WV-stale", "信安审〔2026〕12号", "waivers.yaml:3")
    for text in shown:
        assert text in html, text
    # the waived finding appears in the host's detail with its status word
    detail = html[html.index('id="h0"') :]
    assert WORDS[lang][-1 if lang == "en" else 4] in detail[: detail.index("</article>")]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_markdown_report_shows_waivers_and_escapes_their_text(lang: str) -> None:
    md = render_report(_results(), "md", lang)
    for word in WORDS[lang][:4]:
        assert word in md, word
    assert SCRIPT not in md and "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    section = md[md.index(WORDS[lang][0]) :]
    assert "fin\\-pc\\-07" in section or "fin-pc-07" in section
    assert "WV\\-old" in md or "WV-old" in md
    # every table row keeps its shape
    for block in re.split(r"\n\n", md):
        rows = [ln for ln in block.splitlines() if ln.startswith("| ")]
        if rows:
            widths = {len(re.findall(r"(?<!\\)\|", r)) for r in rows}
            assert len(widths) == 1, block


def test_csv_names_waived_checks() -> None:
    import csv
    import io

    text = render_report(_results(), "csv", "en")
    header, first, *_ = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    waived = header.index("Checks with deferred remediation")
    assert first[0] == "fin-pc-07" and first[waived] == "Antivirus signatures are current"


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_reports_without_waivers_have_no_waiver_sections(fmt: str) -> None:
    text = render_report(_results(_run(_fleet(), None)), fmt, "en")
    assert "Remediation deferred" not in text and "Expired deferral" not in text


def test_expired_section_says_when_nothing_expired() -> None:
    ws = _waivers(waiver(id="WV-active"))
    md = render_report(_results(_run(_fleet(), ws)), "md", "en")
    assert "## Expired deferral approvals (0)" in md and "No deferral approval has expired." in md
    assert "Waivers not used" not in md


# --- checklists and console ------------------------------------------------------------------


def _isolation_fleet(ws: Waivers | None) -> Results:
    crit = _finding("isolation.wireless", FindingStatus.FAIL, severity=Severity.CRITICAL)
    return _results(_run([_result("hr-pc-01", crit, n=9)], ws))


def test_a_waived_finding_triggers_no_checklist() -> None:
    contacts = load_contacts()
    playbooks = load_playbooks(None, contacts)
    fired = build_incidents(_isolation_fleet(None), playbooks, contacts, "Asia/Shanghai")
    assert "isolation-breach" in {i.playbook.id for i in fired}
    ws = _waivers(waiver("hr-pc-01", "isolation.wireless"))
    assert build_incidents(_isolation_fleet(ws), playbooks, contacts, "Asia/Shanghai") == []


def test_no_trigger_fires_on_a_waived_finding_whatever_statuses_it_lists() -> None:
    contacts = load_contacts()
    (pb,) = [p for p in load_playbooks(None, contacts) if p.id == "isolation-breach"]
    greedy = Trigger(checks=("isolation.*",), finding_status=frozenset({"fail", "waived"}))
    pb = dataclasses.replace(pb, triggers=(greedy,))
    ws = _waivers(waiver("hr-pc-01", "isolation.wireless"))
    assert match_host(pb, _isolation_fleet(ws).hosts[0]) is None
    assert match_host(pb, _isolation_fleet(None).hosts[0]) is not None


def test_console_summary_mentions_waived_and_expired() -> None:
    buf = io.StringIO()
    print_summary(_run(_fleet(), _fleet_waivers()), Console(file=buf, width=300))
    out = buf.getvalue()
    assert "antivirus.signatures (waived)" in out
    assert "waived 2 failing findings on 2 hosts (2 of 5 waivers in force on 2026-04-15)" in out
    assert "waiver WV-old (expired, covering failing findings again; expires 2026-04-01)" in out
    assert "waiver WV-stale (in force, covering nothing" in out
    assert "compliant 2, failing 1, unknown 1" in out

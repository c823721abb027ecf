"""Diffs between two runs (netguard/history/diff.py): exact sets on documents derived from the
lab results, fail-closed handling of hosts that could not be checked, waivers, interrupted runs,
exit statuses, text and JSON output (a 12,000-host pair: tests/scale/)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from netguard.errors import ExitStatus
from netguard.history import diff_documents, diff_exit_status
from netguard.history.diff import RunDiff
from netguard.i18n import catalog
from netguard.render.history import diff_text
from tests.unit.test_history import derived, lab

B_START = "2026-12-23T01:00:00+00:00"


def host(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(h for h in doc["hosts"] if h["name"] == name)


def finding(doc: dict[str, Any], name: str, check: str) -> dict[str, Any]:
    return next(f for f in host(doc, name)["findings"] if f["check"] == check)


def keys(items: list[Any]) -> set[tuple[str, str]]:
    return {(i.host, i.check) for i in items}


def names(items: list[Any]) -> set[str]:
    return {h.host for h in items}


def take_down(h: dict[str, Any], status: str = "unreachable") -> None:
    h.update(status=status, detail="TCP connect to port 22 timed out after 10 s", findings=[])


WAIVER = {"id": "W-7", "host": "pw-expired", "check": "password.age", "reason": "on leave",
          "approver": "李科长", "approved": "2026-12-01", "expires": "2027-01-31", "ticket": "",
          "file": "waivers.yaml", "line": 4}  # fmt: skip


@pytest.fixture
def a() -> dict[str, Any]:
    return lab()


@pytest.fixture
def b(a: dict[str, Any]) -> dict[str, Any]:
    """A month later: one host fixed, one broken, one down, one back, one removed, one added,
    a check in error, a waiver, a check dropped from the policy."""
    b = derived(a, "b" * 32, B_START)
    for f in host(b, "dual-pc")["findings"]:  # fixed
        f["status"] = "pass" if f["status"] == "fail" else f["status"]
    finding(b, "ok-pc", "antivirus.running")["status"] = "fail"  # broken
    finding(b, "ok-pc", "password.age")["status"] = "error"  # became undecidable
    take_down(host(b, "route-pc"))  # its failing default route is now unverified
    finding(b, "stale-av", "antivirus.signatures")["status"] = "error"  # unverified as well
    hang = host(b, "hang-pc")  # came back, compliant
    hang.update(status="audited", detail="", findings=copy.deepcopy(host(b, "ok-pc")["findings"]))
    for f in hang["findings"]:
        f["status"] = "pass"
    pw = finding(b, "pw-expired", "password.age")
    pw.update(status="waived", waiver=WAIVER)
    fwd = host(b, "fwd-pc")  # the policy no longer has isolation.forwarding
    fwd["findings"] = [f for f in fwd["findings"] if f["check"] != "isolation.forwarding"]
    b["hosts"] = [h for h in b["hosts"] if h["name"] != "newkey-pc"]  # removed
    new = copy.deepcopy(host(b, "radio-pc"))  # added, failing isolation.wireless
    new.update(name="new-pc", address="10.20.0.40", owner="钱七")
    b["hosts"].append(new)
    return b


def test_exact_sets(a: dict[str, Any], b: dict[str, Any]) -> None:
    d = diff_documents(a, b)
    assert keys(d.new) == {("ok-pc", "antivirus.running"), ("new-pc", "isolation.wireless")}
    assert keys(d.resolved) == {
        ("dual-pc", "isolation.addresses"),
        ("dual-pc", "isolation.multi_homed"),
        ("fwd-pc", "isolation.forwarding"),
    }
    assert keys(d.unverified) == {
        ("route-pc", "isolation.default_route"),
        ("stale-av", "antivirus.signatures"),
    }
    assert keys(d.persisting) == {
        ("radio-pc", "isolation.wireless"),
        ("no-av", "antivirus.installed"),
        ("no-av", "antivirus.running"),
        ("no-av", "antivirus.signatures"),
        ("pw-norotate", "password.max_age"),
        ("rekeyed-pc", "ssh.hostkey"),
    }
    assert keys(d.undecided) == {("ok-pc", "password.age")}
    assert keys(d.newly_waived) == {("pw-expired", "password.age")}
    assert d.unwaived == []
    assert names(d.became_unknown) == {"route-pc"}
    assert names(d.came_back) == {"hang-pc"}
    assert names(d.added) == {"new-pc"}
    assert names(d.removed) == {"newkey-pc"}
    assert diff_exit_status(d) == ExitStatus.FINDINGS


def test_items_carry_who_where_and_why(a: dict[str, Any], b: dict[str, Any]) -> None:
    d = diff_documents(a, b)
    [route] = d.unverified[:1]
    assert (route.host, route.severity) == ("route-pc", "critical")  # severity first
    assert route.host_status == "unreachable" and "timed out" in route.detail
    assert (route.before, route.after) == ("fail", "absent")
    src = finding(a, "route-pc", "isolation.default_route")
    assert (route.title, route.message, route.reason, route.args) == (
        src["title"], src["message"], src["reason"], src["args"],
    )  # fmt: skip
    h = host(a, "route-pc")
    assert (route.address, route.department, route.owner, route.location) == (
        h["address"], h["department"], h["owner"], h["location"],
    )  # fmt: skip
    [unknown] = d.became_unknown
    assert (unknown.before, unknown.after, unknown.failing) == ("audited", "unreachable", 0)
    fwd = next(i for i in d.resolved if i.host == "fwd-pc")
    assert fwd.after == "absent"
    [waived] = d.newly_waived
    assert waived.waiver == WAIVER and (waived.before, waived.after) == ("fail", "waived")
    [removed] = d.removed
    assert (removed.before, removed.after) == ("hostkey_unknown", None)


def test_order_is_severity_then_host_then_check(a: dict[str, Any], b: dict[str, Any]) -> None:
    d = diff_documents(a, b)
    assert [(i.severity, i.host) for i in d.new] == [
        ("critical", "new-pc"),
        ("high", "ok-pc"),
    ]
    persisting = [(i.severity, i.host, i.check) for i in d.persisting]
    assert persisting == sorted(persisting, key=lambda t: (t[0] != "critical", t[1], t[2]))


def test_nothing_changed(a: dict[str, Any]) -> None:
    d = diff_documents(a, derived(a, "b" * 32, B_START))
    assert keys(d.persisting) and not d.new and not d.resolved and not d.unverified
    assert all(not getattr(d, n) for n in RunDiff.HOST_LISTS)
    assert diff_exit_status(d) == ExitStatus.OK
    text = diff_text(d)
    assert "Still failing (12)" in text and "New failing" not in text


def test_a_host_going_down_is_unknown_not_resolved(a: dict[str, Any]) -> None:
    b = derived(a, "b" * 32, B_START)
    take_down(host(b, "no-av"), "timeout")
    d = diff_documents(a, b)
    assert not d.resolved and not d.new
    assert keys(d.unverified) == {
        ("no-av", "antivirus.installed"),
        ("no-av", "antivirus.running"),
        ("no-av", "antivirus.signatures"),
    }
    assert names(d.became_unknown) == {"no-av"}
    assert diff_exit_status(d) == ExitStatus.UNKNOWN


def test_a_new_host_key_mismatch_is_new_and_a_reaccepted_key_resolves(a: dict[str, Any]) -> None:
    b = derived(a, "b" * 32, B_START)
    rekeyed = host(b, "rekeyed-pc")
    rekeyed.update(
        status="audited", detail="", findings=copy.deepcopy(host(a, "ok-pc")["findings"])
    )
    mismatch = host(b, "ok-pc")
    mismatch.update(status="hostkey_mismatch", findings=[finding(a, "rekeyed-pc", "ssh.hostkey")])
    d = diff_documents(a, b)
    assert keys(d.new) == {("ok-pc", "ssh.hostkey")}
    assert keys(d.resolved) == {("rekeyed-pc", "ssh.hostkey")}
    assert names(d.came_back) == {"rekeyed-pc"} and names(d.became_unknown) == {"ok-pc"}


def test_waiver_ended(a: dict[str, Any]) -> None:
    older = derived(a, "a" * 32, "2026-11-01T01:00:00+00:00")
    finding(older, "pw-expired", "password.age").update(status="waived", waiver=WAIVER)
    d = diff_documents(older, a)  # in the newer run the waiver has expired: failing again
    assert keys(d.new) == keys(d.unwaived) == {("pw-expired", "password.age")}
    assert d.new[0].before == "waived" and d.unwaived[0].waiver == WAIVER
    assert diff_exit_status(d) == ExitStatus.FINDINGS
    assert "was waived" in diff_text(d)


def test_interrupted_newer_run_does_not_remove_hosts(a: dict[str, Any]) -> None:
    b = derived(a, "b" * 32, B_START)
    b["hosts"] = b["hosts"][:5]  # killed after five hosts
    b["run"]["complete"] = False
    d = diff_documents(a, b)
    assert not d.removed and not d.resolved
    assert names(d.became_unknown) == {"stale-av", "no-av", "pw-expired", "pw-norotate", "inet-pc"}
    assert {h.after for h in d.became_unknown} == {"not_recorded"}
    assert ("no-av", "antivirus.installed") in keys(d.unverified)
    assert ("rekeyed-pc", "ssh.hostkey") in keys(d.unverified)  # not audited in either
    assert diff_exit_status(d) == ExitStatus.UNKNOWN
    assert "incomplete" in diff_text(d)


def test_interrupted_older_run_does_not_add_hosts(a: dict[str, Any]) -> None:
    older = derived(a, "a" * 32, "2026-11-01T01:00:00+00:00")
    older["hosts"] = older["hosts"][:3]
    older["run"]["complete"] = False
    d = diff_documents(older, a)
    assert not d.added and "radio-pc" in names(d.came_back)
    assert ("radio-pc", "isolation.wireless") in keys(d.new)


def test_an_added_host_that_could_not_be_audited_is_unknown(a: dict[str, Any]) -> None:
    b = derived(a, "b" * 32, B_START)
    extra = copy.deepcopy(host(b, "down-pc"))
    extra["name"] = "down-2"
    b["hosts"].append(extra)
    d = diff_documents(a, b)
    assert names(d.added) == {"down-2"} and diff_exit_status(d) == ExitStatus.UNKNOWN


def test_text_and_json(a: dict[str, Any], b: dict[str, Any]) -> None:
    host(b, "new-pc")["owner"] = "\x1b[31mred\x1b[0m\nsecond line"
    finding(b, "new-pc", "isolation.wireless")["message"] = "wlan0\x07 present"
    d = diff_documents(a, b)
    text = diff_text(d)
    assert "\x1b" not in text and "\x07" not in text
    assert text.count("\n") == len(text.splitlines())  # every line is one line
    headings = ["New failing findings (2)", "Resolved", "Unverified", "Still failing (6)",
                "Newly waived (1)", "became unknown", "Hosts removed", "Hosts added"]  # fmt: skip
    for heading in headings:
        assert heading in text
    assert "10.20.0.13" in text and "人事科" in text  # address, department
    out = json.loads(json.dumps(d.to_dict(), ensure_ascii=False))
    assert out["schema"] == "netguard.diff/1"
    assert out["counts"]["new"] == 2 and out["counts"]["removed"] == 1
    assert out["new"][0]["host"] == "new-pc" and out["new"][0]["owner"].startswith("\x1b")
    assert out["exit_status"] == 1
    assert out["a"]["id"] == a["run"]["id"] and out["b"]["complete"] is True


def test_policy_change_is_said(a: dict[str, Any]) -> None:
    b = derived(a, "b" * 32, B_START)
    b["run"]["policy"].update(name="secret", sha256="0" * 64)
    d = diff_documents(a, b)
    assert d.policy_changed and not d.inventory_changed
    assert "Policy changed: baseline" in diff_text(d)


def test_text_in_chinese(a: dict[str, Any], b: dict[str, Any]) -> None:
    """The same changes for a Chinese reader: headings, notes, severities and the findings'
    messages from the catalog (issue 13)."""
    d = diff_documents(a, b)
    text = diff_text(d, catalog("zh"))
    for words in ("新增不符合项（2）", "仍不合规（6）", "【严重】", "已从资产清单注销的计算机"):
        assert words in text, words
    assert "New failing" not in text and "Still failing" not in text


def test_an_interrupted_run_is_said_in_chinese(a: dict[str, Any]) -> None:
    b = derived(a, "b" * 32, B_START)
    b["hosts"] = b["hosts"][:5]
    b["run"]["complete"] = False
    text = diff_text(diff_documents(a, b), catalog("zh"))
    assert "较晚的检查批次未完成（中断）" in text
    assert f"检查批次 {'b' * 12} 在记录这台计算机之前中断" in text
    assert "interrupted" not in text

"""A diff of two 12,000-host runs: exact resolved, unverified, new and became-unknown sets.
No timing here — benchmarks/history_bench.py measures."""

from __future__ import annotations

from netguard.history import diff_documents
from netguard.render.history import diff_text
from tests.report.fleet import fleet_document
from tests.unit.test_diff import B_START, host, keys, names, take_down
from tests.unit.test_history import derived


def test_twelve_thousand_hosts() -> None:
    a = fleet_document(12_000, seed=2)
    b = derived(a, "b" * 32, B_START)
    audited_failing = [h for h in b["hosts"] if any(f["status"] == "fail" for f in h["findings"])]
    fixed, downed = audited_failing[:40], audited_failing[40:60]
    expect_resolved = set()
    for h in fixed:
        if h["status"] != "audited":
            continue
        for f in h["findings"]:
            if f["status"] == "fail":
                f["status"] = "pass"
                expect_resolved.add((h["name"], f["check"]))
    expect_unverified = set()
    for h in downed:
        expect_unverified |= {
            (h["name"], f["check"]) for f in h["findings"] if f["status"] == "fail"
        }
        take_down(h)
    broken = next(h for h in b["hosts"][::-1] if h["status"] == "audited" and h["findings"])
    broken["findings"][0]["status"] = "fail"
    d = diff_documents(a, b)
    assert keys(d.resolved) == expect_resolved and expect_resolved
    assert keys(d.unverified) == expect_unverified
    assert keys(d.new) == {(broken["name"], broken["findings"][0]["check"])}
    assert names(d.became_unknown) == {h["name"] for h in downed if h["name"]} - {
        h["name"] for h in downed if host(a, h["name"])["status"] != "audited"
    }
    assert len(diff_text(d).splitlines()) > len(d.persisting)

"""A city-sized fleet (12,000 hosts, ~110,000 findings): every count right in every format.
No timing assertions here — benchmarks/report_render.py measures. (The same fleet in a browser:
tests/report/test_report_browser.py.)"""

from __future__ import annotations

import csv
import io
from collections import Counter
from functools import cache
from typing import Any

import pytest

from netguard.report import build_report, render_report
from netguard.report.model import DETAIL_ALL_MAX, Report
from tests.report.fleet import fleet_document

HOSTS = 12_000


def naive_verdict(h: dict[str, Any]) -> str:
    statuses = [f["status"] for f in h["findings"]]
    if "fail" in statuses:
        return "failing"
    if h["status"] != "audited" or "error" in statuses:
        return "unknown"
    return "compliant"


@cache
def _fleet() -> tuple[dict[str, Any], Report]:
    from netguard.results import parse_results

    doc = fleet_document(HOSTS)
    return doc, build_report(parse_results(doc, "<fleet>"))


@pytest.fixture(scope="module")
def fleet() -> tuple[dict[str, Any], Report]:
    return _fleet()


def test_counts_match_a_naive_count(fleet: tuple[dict[str, Any], Report]) -> None:
    doc, r = fleet
    hosts = doc["hosts"]
    verdicts = Counter(naive_verdict(h) for h in hosts)
    assert (r.totals.compliant, r.totals.failing, r.totals.unknown) == (
        verdicts["compliant"],
        verdicts["failing"],
        verdicts["unknown"],
    )
    assert verdicts["failing"] > 1000 and verdicts["unknown"] > 300  # the fleet is realistic
    fails = sum(f["status"] == "fail" for h in hosts for f in h["findings"])
    assert len(r.violations) == r.totals.fail_findings == fails
    assert r.coverage.audited == sum(h["status"] == "audited" for h in hosts)
    assert r.coverage.host_status == {
        s: sum(h["status"] == s for h in hosts) for s in r.coverage.host_status
    }
    by_dept: dict[str, Counter[str]] = {}
    for h in hosts:
        by_dept.setdefault(h["department"], Counter())[naive_verdict(h)] += 1
    assert len(r.by_department) == 54
    for g in r.by_department:
        c = by_dept[g.key]
        assert (g.tally.compliant, g.tally.failing, g.tally.unknown) == (
            c["compliant"],
            c["failing"],
            c["unknown"],
        )
    assert sum(g.tally.hosts for g in r.by_segment) == HOSTS and len(r.by_segment) > 150
    assert {g.key for g in r.by_zone} == {"intranet", "extranet"}
    severities = [-v.finding.severity_rank for v in r.violations]
    assert severities == sorted(severities)
    unknown = [h for h in hosts if h["status"] != "audited" or any(
        f["status"] == "error" for f in h["findings"])]  # fmt: skip
    assert len(r.unknown_hosts) == len(unknown)


def test_big_fleet_renders_in_every_format(fleet: tuple[dict[str, Any], Report]) -> None:
    doc, r = fleet
    assert len(r.hosts) > DETAIL_ALL_MAX and r.detail_scope == "attention"
    verdicts = Counter(naive_verdict(h) for h in doc["hosts"])

    html = render_report(r, "html", "zh")
    assert html.count("<tr data-verdict=") == HOSTS
    for v, n in verdicts.items():
        assert html.count(f'<tr data-verdict="{v}"') == n
    attention = verdicts["failing"] + verdicts["unknown"]
    assert html.count('<article class="host-detail"') == attention
    assert f"共有计算机 {HOSTS} 台，明细只列出不合规或状态不明的 {attention} 台" in html
    assert html.count("<svg") == 6
    assert "图中只列出问题最多的 20 项" in html  # department and segment charts are capped

    md = render_report(r, "md", "en")
    assert f"| {HOSTS} |" in md and "… and " in md  # long tables capped with a note

    text = render_report(r, "csv", "zh")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert len(rows) == HOSTS + 1
    words = {"compliant": "合规", "failing": "不合规", "unknown": "状态不明"}
    assert Counter(row[8] for row in rows[1:]) == {words[v]: n for v, n in verdicts.items()}

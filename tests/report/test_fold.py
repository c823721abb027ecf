"""The report built host by host while a results file is read (report.load_report,
model.ReportBuilder): the same report, byte for byte, as from the document read whole — in the
memory of what the report shows, whatever the fleet."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from netguard.errors import InputError
from netguard.report import load_report, render_report, report_of_document
from netguard.report.model import DETAIL_ALL_MAX, Report, ReportBuilder, build_report
from netguard.results import FindingRecord, HostRecord, dumps, load_results, parse_results
from netguard.results.read import fold_results
from tests.report.fleet import fleet_document

HOSTS = DETAIL_ALL_MAX + 60  # past the point where views turn compact
WAIVER = {
    "reason": "legacy <b>app</b>",
    "approver": "Li Wei",
    "approved": "2026-01-01",
    "expires": "2027-01-01",
    "id": "W-1",
    "ticket": "T-9",
}


@cache
def _document() -> str:
    """A fleet past DETAIL_ALL_MAX with waived findings, rule-file texts, references, list
    arguments and two collectors (a merged document: its collectors come after the hosts)."""
    doc = fleet_document(HOSTS, seed=3)
    for i, h in enumerate(doc["hosts"]):
        h["collector"] = "north" if i % 2 else "south"
        for f in h["findings"]:
            if f["status"] == "fail" and i % 4 == 0:
                f["status"], f["waiver"] = "waived", WAIVER
                break
        if i % 9 == 0:
            for f in h["findings"]:
                f["args"] = {"paths": ["/tmp/a", {"b": 1}], "n": i % 3}
                f["references"] = ["GB/T 22239-2019 8.1.4.5"]
                f["titles"] = {"zh": "规则标题", "en": "Rule title"}
    doc["collectors"] = [_collector("north", "a"), _collector("south", "b")]
    doc["waivers"] = {
        "path": "waivers.yaml",
        "sha256": "ef" * 32,
        "today": "2026-11-23",
        "counts": {"matched": 1},
        "expired": [],
        "expired_unused": [],
        "not_yet_valid": [],
        "unused": [WAIVER],
    }
    return dumps(doc)


def _collector(cid: str, policy: str) -> dict[str, Any]:
    return {
        "id": cid,
        "bundle": f"/media/{cid}",
        "run_id": f"run-{cid}",
        "started": "2026-11-23T01:00:00+00:00",
        "finished": "2026-11-23T01:10:00+00:00",
        "inventory": {"name": cid, "sha256": "01" * 32},
        "policy": {"name": policy, "sha256": policy * 64},
        "hosts": HOSTS // 2,
        "signature": "valid",
        "signer": {"name": cid, "fingerprint": "SHA256:x"},
        "trusted": True,
    }


@pytest.fixture
def written(tmp_path: Path) -> Path:
    path = tmp_path / "results.json"
    path.write_text(_document(), encoding="utf-8")
    return path


def _rendered(report: Report) -> list[str]:
    return [
        render_report(report, fmt, lang) for fmt in ("html", "md", "csv") for lang in ("zh", "en")
    ]


def _full(results_path: Path) -> Report:
    builder = ReportBuilder(compact=False)
    results = load_results(results_path)
    for h in results.hosts:
        builder.add(h)
    return builder.build(results)


def test_a_file_read_host_by_host_gives_the_same_report(written: Path) -> None:
    full = _rendered(_full(written))
    folded = load_report(written)
    assert folded.results.hosts == []  # nothing of the city's results is kept
    assert [c.tally.hosts for c in folded.collectors] == [HOSTS // 2, HOSTS // 2]
    assert folded.waived and folded.shows_waivers and folded.detail_scope == "attention"
    assert _rendered(folded) == full
    assert _rendered(build_report(load_results(written))) == full
    assert _rendered(report_of_document(json.loads(_document()), str(written))) == full


def test_compact_views_keep_what_the_report_shows(written: Path) -> None:
    r = load_report(written)
    assert len(r.hosts) > DETAIL_ALL_MAX
    failing = [v for v in r.hosts if v.failing]
    assert failing and all(v.stored is not None for v in failing)
    for v in r.hosts:
        assert {f.status for f in v.host.findings} <= {"fail", "error", "waived"}
        assert all(f.evidence == {} for f in v.host.findings)  # on disk until written
    shown = failing[0].findings_sorted
    assert shown and all(f.evidence for f in shown if f.status == "fail")
    # the texts that repeat across hosts are one object, not one per host
    a, b = (
        failing[0].failing[0],
        next(f for v in failing[1:] for f in v.failing if f.check == failing[0].failing[0].check),
    )
    assert a.title is b.title and a.category is b.category


def test_other_layouts_are_read_whole_with_the_same_report(written: Path, tmp_path: Path) -> None:
    full = _rendered(_full(written))
    compact = tmp_path / "compact.json"  # one line: not the writer's layout
    compact.write_text(json.dumps(json.loads(_document())), encoding="utf-8")
    bom = tmp_path / "bom.json"  # saved by an editor that adds a byte-order mark
    bom.write_text("\ufeff" + _document(), encoding="utf-8")
    for path in (compact, bom):
        r = load_report(path)
        r.results.path = str(written)
        assert _rendered(r) == full


def test_fold_results_starts_over_when_the_file_must_be_read_whole(tmp_path: Path) -> None:
    doc = json.loads(_document())
    # valid JSON, but a tab between two hosts where the writer puts none: found after a host
    text = dumps(doc).replace("},\n    {", "},\t\n    {", 1)
    path = tmp_path / "odd.json"
    path.write_text(text, encoding="utf-8")
    batches: list[list[HostRecord]] = []

    def start() -> Any:
        batches.append([])
        return batches[-1].append

    results = fold_results(path, start)
    assert results.hosts == [] and results.run_id == doc["run"]["id"]
    assert len(batches) == 2 and len(batches[-1]) == HOSTS  # the second reading counts


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda d: d["hosts"][HOSTS - 1].update(status="asleep"), f"hosts[{HOSTS - 1}].status"),
        (lambda d: d["hosts"][7].update(name=d["hosts"][3]["name"]), "hosts[7].name"),
        (lambda d: d["hosts"][5].update(collector="west"), "hosts[5].collector"),
        (lambda d: d.update(schema="other/1"), "schema"),
    ],
)
def test_bad_documents_are_refused_naming_the_field(tmp_path: Path, edit: Any, field: str) -> None:
    doc = copy.deepcopy(json.loads(_document()))
    edit(doc)
    path = tmp_path / "bad.json"
    path.write_text(dumps(doc), encoding="utf-8")
    for read in (load_report, load_results):
        with pytest.raises(InputError) as exc:
            read(path)
        assert exc.value.field == field and str(path) in str(exc.value)
    with pytest.raises(InputError) as exc:
        parse_results(doc, "<doc>")
    assert exc.value.field == field


def test_a_truncated_file_is_refused_as_not_json(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_text(_document()[: len(_document()) // 2], encoding="utf-8")
    with pytest.raises(InputError, match="not JSON"):
        load_report(path)


def test_a_compact_finding_keeps_unhashable_arguments_as_they_are() -> None:
    doc = fleet_document(DETAIL_ALL_MAX + 1, seed=5)
    for h in doc["hosts"]:
        for f in h["findings"]:
            f["status"], f["args"] = "fail", {"paths": ["/a", "/b"]}
    r = build_report(parse_results(doc))
    f: FindingRecord = r.hosts[-1].failing[0]
    assert f.args == {"paths": ["/a", "/b"]}

"""netguard export --format prometheus: read back by prometheus_client's text-format parser (the
reference implementation's), label values escaped, the file written atomically."""

from __future__ import annotations

import copy
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from netguard.export import render_export, write_export
from netguard.results import load_results, parse_results
from tests.unit.export_doc import DOC, results

LAB = Path(__file__).resolve().parents[1] / "fixtures" / "lab-results.json"


def _samples(text: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    out: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        assert family.type == "gauge" and family.documentation
        for s in family.samples:
            out.setdefault(s.name, {})[tuple(sorted(s.labels.items()))] = s.value
    return out


def test_the_metrics_a_dashboard_needs() -> None:
    m = _samples(render_export(results(), "prometheus"))
    assert m["netguard_hosts"][(("status", "audited"),)] == 2
    assert m["netguard_hosts"][(("status", "unreachable"),)] == 1
    assert m["netguard_hosts"][(("status", "auth_failed"),)] == 0  # never a vanishing series
    assert m["netguard_host_verdicts"] == {
        (("verdict", "failing"),): 2,
        (("verdict", "unknown"),): 1,
        (("verdict", "compliant"),): 1,
    }
    assert m["netguard_compliance_ratio"][()] == 0.25
    assert m["netguard_coverage_ratio"][()] == 0.5
    f = m["netguard_findings"]
    assert f[(("category", "isolation"), ("severity", "critical"), ("status", "fail"))] == 1
    assert f[(("category", "password"), ("severity", "high"), ("status", "pass"))] == 1
    assert f[(("category", "antivirus"), ("severity", "medium"), ("status", "waived"))] == 1
    assert sum(f.values()) == 8
    assert m["netguard_audit_duration_seconds"][()] == pytest.approx(2.389)
    end = datetime(2026, 11, 23, 14, 2, 13, 901000, tzinfo=UTC)
    assert m["netguard_audit_timestamp_seconds"][()] == pytest.approx(end.timestamp())


def test_label_values_are_escaped() -> None:
    doc = copy.deepcopy(DOC)
    hostile = 'is"o\\la\ntion'
    doc["hosts"][0]["findings"][0]["category"] = hostile
    m = _samples(render_export(parse_results(doc), "prometheus"))
    cats = {dict(k)["category"] for k in m["netguard_findings"]}
    assert hostile in cats


def test_the_lab_document_parses() -> None:
    r = load_results(LAB)
    m = _samples(render_export(r, "prometheus"))
    assert sum(m["netguard_hosts"].values()) == len(r.hosts) == 14
    assert m["netguard_coverage_ratio"][()] == 0.7143


def test_written_atomically_in_the_same_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "textfile" / "netguard.prom"
    target.parent.mkdir()
    target.write_text("old\n")
    moves: list[tuple[Path, Path]] = []
    real = os.replace

    def spy(src: str, dst: str) -> None:
        assert Path(dst).read_text() == "old\n"  # the old file is whole until the rename
        moves.append((Path(src), Path(dst)))
        real(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    write_export(results(), "prometheus", target)
    ((src, dst),) = moves
    assert src.parent == dst.parent == target.parent and dst == target
    assert src.name.startswith(".") and not src.name.endswith(".prom")  # not collected
    assert list(target.parent.iterdir()) == [target]
    _samples(target.read_text(encoding="utf-8"))

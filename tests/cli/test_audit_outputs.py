"""What an audit writes after its hosts (cli/audit_outputs.py): its checklists and alerts come
from the results document folded host by host, keeping only what they may show — the same
checklists, byte for byte, as from the whole document (`netguard checklist FILE`), and the same
alerts."""

from __future__ import annotations

from pathlib import Path

import pytest

from netguard import remotelog
from netguard.checklist import write_checklists
from netguard.cli.audit_outputs import alert_results, checklist_results
from netguard.notify import critical_findings
from netguard.results import dumps, load_results
from tests.report.fleet import fleet_document


@pytest.mark.parametrize("hosts", [40, 260])
def test_folded_checklists_are_the_whole_documents(tmp_path: Path, hosts: int) -> None:
    doc = fleet_document(hosts, seed=11)
    path = tmp_path / "results.json"
    path.write_text(dumps(doc), encoding="utf-8")
    whole = load_results(path)
    folded = checklist_results(path, None)
    assert folded is not None
    results, critical = folded
    assert critical == bool(critical_findings(whole)) == (hosts > 200)
    assert 0 < len(results.hosts) < len(whole.hosts)  # compliant hosts are not kept
    kept = sum(len(h.findings) for h in results.hosts)
    assert kept < sum(len(h.findings) for h in whole.hosts)
    a = write_checklists(whole, "md", "en", tmp_path / "whole", tz="Asia/Shanghai")
    b = write_checklists(results, "md", "en", tmp_path / "folded", tz="Asia/Shanghai")
    assert a and [p.name for p in a] == [p.name for p in b]
    for x, y in zip(a, b, strict=True):
        assert x.read_bytes() == y.read_bytes()


def test_playbooks_that_do_not_load_leave_the_checklists_to_say_why(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text(dumps(fleet_document(5, seed=1)), encoding="utf-8")
    broken = tmp_path / "playbooks"
    broken.mkdir()
    (broken / "bad.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    assert checklist_results(path, str(broken)) is None


def test_folded_alerts_are_the_whole_documents(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text(dumps(fleet_document(400, seed=4)), encoding="utf-8")
    whole, folded = load_results(path), alert_results(path)
    assert critical_findings(folded) == critical_findings(whole) != []
    down = [h.name for h in whole.hosts if not h.audited]
    assert down and [h.name for h in folded.hosts if not h.audited] == down
    assert len(folded.hosts) < len(whole.hosts)
    alerts = remotelog.Alerts(
        frozenset((f["host"]["name"], f["check"]) for f in critical_findings(whole)),
        frozenset(down),
    )
    said = [remotelog.messages(r, hostname="collector", procid=7, only=alerts)
            for r in (whole, folded)]  # fmt: skip
    assert said[0] and said[0] == said[1]

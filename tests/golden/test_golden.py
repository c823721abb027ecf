"""Golden documents: the Markdown and CSV reports and the checklists of the lab's results, byte
for byte.

The other tests pin down rules (escaping, counts, languages); these pin down the whole page a
reader gets, so any change of wording or layout shows up in review as a diff of the files in
tests/golden/. After an intended change: NETGUARD_UPDATE_GOLDEN=1 pytest tests/golden, then read
the diff before committing it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from netguard.checklist import (
    build_incidents,
    build_reported_incident,
    render_checklist_md,
    reported_hosts,
)
from netguard.inventory import load_inventory
from netguard.playbooks import load_contacts, load_playbooks
from netguard.report import render_report
from netguard.results import Results, parse_results

HERE = Path(__file__).parent
LAB = HERE.parent / "fixtures" / "lab-results.json"
INVENTORY = HERE.parents[1] / "inventory" / "example.yaml"
UPDATE = os.environ.get("NETGUARD_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def lab() -> Results:
    # A fixed source name: the page must not depend on where the checkout lives.
    return parse_results(json.loads(LAB.read_text(encoding="utf-8")), "lab-results.json")


def check_golden(name: str, text: str) -> None:
    path = HERE / name
    # newline="": byte for byte, so the CSV's CRLF line ends are part of what is pinned
    if UPDATE:
        path.write_text(text, encoding="utf-8", newline="")
    assert path.exists(), f"no golden file {path.name}: run with NETGUARD_UPDATE_GOLDEN=1"
    assert text == path.read_bytes().decode("utf-8"), f"{name} changed (see module doc)"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_markdown(lab: Results, lang: str) -> None:
    from zoneinfo import ZoneInfo

    check_golden(
        f"report-lab-{lang}.md", render_report(lab, "md", lang, tz=ZoneInfo("Asia/Shanghai"))
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_csv(lang: str) -> None:
    """The register's CSV, with each failing check's standard clauses as an audit writes them
    now (the lab document predates them: they are filled in from the catalog)."""
    from zoneinfo import ZoneInfo

    from netguard.checks.references import references_of

    doc = json.loads(LAB.read_text(encoding="utf-8"))
    for h in doc["hosts"]:
        for f in h["findings"]:
            f["references"] = list(references_of(f["category"]))
    lab = parse_results(doc, "lab-results.json")
    check_golden(
        f"report-lab-{lang}.csv", render_report(lab, "csv", lang, tz=ZoneInfo("Asia/Shanghai"))
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_isolation_breach_checklist(lab: Results, lang: str) -> None:
    contacts = load_contacts()
    incidents = build_incidents(lab, load_playbooks(None, contacts), contacts, "Asia/Shanghai")
    (breach,) = [i for i in incidents if i.playbook.id == "isolation-breach"]
    check_golden(f"checklist-isolation-breach-{lang}.md", render_checklist_md(breach, lang))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_isolation_breach_checklist_opened_later(lab: Results, lang: str) -> None:
    """--detected-at: the duty officer opened it at 07:30; the clock starts then, both shown."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    contacts = load_contacts()
    opened = datetime(2026, 11, 24, 7, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    incidents = build_incidents(
        lab, load_playbooks(None, contacts), contacts, "Asia/Shanghai", reported=opened
    )
    (breach,) = [i for i in incidents if i.playbook.id == "isolation-breach"]
    check_golden(f"checklist-isolation-breach-opened-{lang}.md", render_checklist_md(breach, lang))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_ransomware_reported_by_phone(lang: str) -> None:
    """--incident: a phone call, no audit; a classified machine makes the 初判 较大."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    contacts = load_contacts()
    (pb,) = [p for p in load_playbooks(None, contacts) if p.id == "ransomware"]
    inventory = load_inventory(INVENTORY)
    hosts = reported_hosts(inventory, ["fin-pc-07", "secret-pc-01"])
    reported = datetime(2026, 11, 24, 2, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    incident = build_reported_incident(pb, hosts, inventory, contacts, reported, "Asia/Shanghai")
    check_golden(f"checklist-ransomware-phone-{lang}.md", render_checklist_md(incident, lang))

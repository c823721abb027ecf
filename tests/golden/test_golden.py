"""Golden documents: the Markdown report and checklists of the lab's results, byte for byte.

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

from netguard.checklist import build_incidents, render_checklist_md
from netguard.playbooks import load_contacts, load_playbooks
from netguard.report import render_report
from netguard.results import Results, parse_results

HERE = Path(__file__).parent
LAB = HERE.parent / "fixtures" / "lab-results.json"
UPDATE = os.environ.get("NETGUARD_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def lab() -> Results:
    # A fixed source name: the page must not depend on where the checkout lives.
    return parse_results(json.loads(LAB.read_text(encoding="utf-8")), "lab-results.json")


def check_golden(name: str, text: str) -> None:
    path = HERE / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}: run with NETGUARD_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{name} changed (see module doc)"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_markdown(lab: Results, lang: str) -> None:
    from zoneinfo import ZoneInfo

    check_golden(
        f"report-lab-{lang}.md", render_report(lab, "md", lang, tz=ZoneInfo("Asia/Shanghai"))
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_isolation_breach_checklist(lab: Results, lang: str) -> None:
    contacts = load_contacts()
    incidents = build_incidents(lab, load_playbooks(None, contacts), contacts, "Asia/Shanghai")
    (breach,) = [i for i in incidents if i.playbook.id == "isolation-breach"]
    check_golden(f"checklist-isolation-breach-{lang}.md", render_checklist_md(breach, lang))

"""Emergency-response checklists (应急处置检查单) from audit results.

``build_incidents`` applies playbooks (netguard.playbooks) to a results document: one Incident
per triggered playbook, its hosts, effective grade and absolute step deadlines.
``render_checklist_md`` / ``render_checklist_html`` print one incident in one language;
``write_checklists`` does all of it into files (md, html or pdf).
"""

from netguard.checklist.build import (
    DueStep,
    Incident,
    IncidentFinding,
    IncidentHost,
    add_months,
    add_offset,
    build_incidents,
    effective_grade,
    match_host,
)
from netguard.checklist.html import render_checklist_html
from netguard.checklist.markdown import render_checklist_md
from netguard.checklist.write import FORMATS, write_checklists

__all__ = [
    "FORMATS",
    "DueStep",
    "Incident",
    "IncidentFinding",
    "IncidentHost",
    "add_months",
    "add_offset",
    "build_incidents",
    "effective_grade",
    "match_host",
    "render_checklist_html",
    "render_checklist_md",
    "write_checklists",
]

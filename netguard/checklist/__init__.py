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
    build_reported_incident,
    effective_grade,
    match_host,
    reported_hosts,
)
from netguard.checklist.html import render_checklist_html
from netguard.checklist.markdown import render_checklist_md
from netguard.checklist.write import (
    FORMATS,
    parse_detected_at,
    write_checklists,
    write_reported_checklist,
)

__all__ = [
    "FORMATS",
    "DueStep",
    "Incident",
    "IncidentFinding",
    "IncidentHost",
    "add_months",
    "add_offset",
    "build_incidents",
    "build_reported_incident",
    "effective_grade",
    "match_host",
    "parse_detected_at",
    "render_checklist_html",
    "render_checklist_md",
    "reported_hosts",
    "write_checklists",
    "write_reported_checklist",
]

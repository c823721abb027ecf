"""One incident in one language, as plain strings: what both renderers show.

Markdown and HTML render the same view, so they cannot drift apart. Host-supplied text is
cleaned here (control characters out, one line, capped); escaping is each renderer's job.
"""

from __future__ import annotations

from typing import Any

from netguard import __version__
from netguard.checklist.build import Incident, IncidentHost
from netguard.i18n import Catalog, catalog, host_detail_text
from netguard.model import HostStatus
from netguard.playbooks.model import HOST_OWNER
from netguard.render.html import evidence_text
from netguard.render.text import clean

CELL_CAP = 200  # characters of host text per cell (names, accounts, rooms)
DETAIL_CAP = 500  # a host's "why not audited" line, a finding's message
OWNERS_SHOWN = 8  # owners listed for the host_owner role before "(n more)"


def checklist_view(incident: Incident, lang: str) -> dict[str, Any]:
    t = catalog(lang)
    pb = incident.playbook
    grade = incident.grade
    return {
        "lang": lang,
        "title": t("checklist.title", name=pb.name.get(lang)),
        "organisation": clean(incident.contacts.organisation.get(lang), CELL_CAP),
        "grade": {
            "id": grade.value,
            "colour": grade.colour,
            "text": _grade_text(t, "checklist.grade_value", grade.value, grade.colour),
        },
        "base_grade": (
            _grade_text(t, "checklist.base_grade", pb.grade.value, pb.grade.colour)
            if incident.escalations
            else ""
        ),
        "escalations": [rule.reason.get(lang) for rule in incident.escalations],
        "category": t(f"checklist.category_name.{pb.category}"),
        "detected": t.datetime(incident.detected),
        "timezone": incident.tz.key,
        "duty_phone": clean(incident.contacts.duty_phone, CELL_CAP),
        "results_path": clean(incident.results_path, DETAIL_CAP),
        "results_sha256": incident.results_sha256,
        "run_id": clean(incident.run_id, CELL_CAP),
        "summary": pb.summary.get(lang) if pb.summary else "",
        "warnings": [w.get(lang) for w in pb.warnings],
        "hosts": [_host(t, h) for h in incident.hosts],
        "phases": _phases(t, incident, lang),
        "findings": [_host_findings(t, h, lang) for h in incident.hosts],
        "evidence": [e.get(lang) for e in pb.evidence] + [_results_evidence(t, incident)],
        "signoff": [_role(t, incident, r, lang) for r in pb.signoff],
        "deadline_note": t("checklist.deadline_note", tz=incident.tz.key),
        "footer": t("checklist.footer", version=__version__, run_id=clean(incident.run_id, 80)),
        "version": __version__,
    }


def _grade_text(t: Catalog, key: str, grade: str, colour: str) -> str:
    return t(
        key,
        grade=grade,
        name=t(f"checklist.grade_name.{grade}"),
        colour=t(f"checklist.colour.{colour}"),
    )


def _host(t: Catalog, h: IncidentHost) -> dict[str, str]:
    return {
        "name": clean(h.name, CELL_CAP),
        "address": clean(h.address, CELL_CAP),
        "segment": clean(h.segment, CELL_CAP),
        "zone": t.get(f"zone.{h.zone}", h.zone),
        "department": clean(h.department, CELL_CAP),
        "owner": clean(h.owner, CELL_CAP),
        "location": clean(h.location, CELL_CAP),
        "status": t.get(f"host_status.{h.status}", h.status),
        "status_id": h.status,
    }


def _host_findings(t: Catalog, h: IncidentHost, lang: str) -> dict[str, Any]:
    not_audited = ""
    if h.status != HostStatus.AUDITED:
        detail = clean(host_detail_text(h, t), DETAIL_CAP) or t.get(
            f"host_status.{h.status}", h.status
        )
        not_audited = t("checklist.not_audited", detail=detail)
    return {
        "name": clean(h.name, CELL_CAP),
        "address": clean(h.address, CELL_CAP),
        "not_audited": not_audited,
        "items": [
            {
                "check": clean(f.check, CELL_CAP),
                "title": clean(f.title.get(lang), CELL_CAP),
                "message": clean(f.message.get(lang), DETAIL_CAP),
                "severity": t.get(f"severity.{f.severity}", f.severity),
                "severity_id": f.severity,
                "status": t.get(f"finding_status.{f.status}", f.status),
                "evidence": evidence_text(f.evidence) if f.evidence else "",
            }
            for f in h.findings
        ],
    }


def _phases(t: Catalog, incident: Incident, lang: str) -> list[dict[str, Any]]:
    phases: list[dict[str, Any]] = []
    for number, due in enumerate(incident.steps, start=1):
        step = due.step
        if not phases or phases[-1]["id"] != step.phase.value:
            phases.append(
                {"id": step.phase.value, "name": t(f"checklist.phase.{step.phase}"), "steps": []}
            )
        role = _role(t, incident, step.role, lang)
        phases[-1]["steps"].append(
            {
                "number": number,
                "text": step.text.get(lang),
                "role": role["name"],
                "person": role["person"],
                "phone": role["phone"],
                "notify": [_contact_line(_role(t, incident, r, lang)) for r in step.notify],
                "within": t(f"checklist.offset.{step.within.unit}", n=step.within.amount),
                "deadline": t.datetime(due.deadline),
            }
        )
    return phases


def _contact_line(role: dict[str, str]) -> str:
    extra = " ".join(x for x in (role["person"], role["phone"]) if x)
    return f"{role['name']} {extra}".strip() if extra else role["name"]


def _role(t: Catalog, incident: Incident, role_id: str, lang: str) -> dict[str, str]:
    if role_id == HOST_OWNER:
        owners = list(dict.fromkeys(clean(h.owner, 60) for h in incident.hosts if h.owner))
        shown = t.join(owners[:OWNERS_SHOWN])
        if len(owners) > OWNERS_SHOWN:
            shown += t("checklist.more", count=len(owners) - OWNERS_SHOWN)
        person = t("checklist.owners_of_hosts", owners=shown) if owners else ""
        return {"name": t("checklist.role.host_owner"), "person": person, "phone": ""}
    role = incident.contacts.roles[role_id]
    return {
        "name": role.name.get(lang),
        "person": clean(role.person, CELL_CAP),
        "phone": clean(role.phone, CELL_CAP),
    }


def _results_evidence(t: Catalog, incident: Incident) -> str:
    path = clean(incident.results_path, DETAIL_CAP)
    if incident.results_sha256:
        return t("checklist.evidence_results", path=path, sha256=incident.results_sha256)
    return t("checklist.evidence_results_nohash", path=path)

"""One incident in one language, as plain strings: what both renderers show.

Markdown and HTML render the same view, so they cannot drift apart. Host-supplied text is
cleaned here (control characters out, one line, capped); escaping is each renderer's job.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

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


#: Zones whose clocks are Beijing time (the same rules as Asia/Shanghai): a zh document says
#: 北京时间 for them (docs/glossary.md).
BEIJING_ZONES = frozenset(
    {"Asia/Shanghai", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "PRC"}
)


def is_beijing(tz: ZoneInfo) -> bool:
    return tz.key in BEIJING_ZONES


def utc_offset(dt: datetime) -> str:
    """UTC+08:00, UTC−05:00 (a real minus sign, as printed)."""
    off = dt.utcoffset()
    minutes = int(off.total_seconds() // 60) if off is not None else 0
    sign = "+" if minutes >= 0 else "\u2212"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{mins:02d}"


def zone_label(t: Catalog, tz: ZoneInfo, at: datetime) -> str:
    """北京时间, or the zone's name and its offset at `at`: one zone names every time of a
    checklist."""
    if is_beijing(tz):
        return t("checklist.zone_beijing")
    return t("checklist.zone_other", zone=tz.key, offset=utc_offset(at.astimezone(tz)))


def wall(t: Catalog, dt: datetime, tz: ZoneInfo) -> str:
    """A time as the wall clock of tz shows it, without the zone (named next to it)."""
    return dt.astimezone(tz).strftime(t("checklist.datetime_format"))


def when(t: Catalog, dt: datetime, tz: ZoneInfo) -> str:
    """A time of the checklist in its zone: the wall clock, with the offset when the zone is
    not Beijing time (a daylight-saving change can fall between detection and a deadline)."""
    local = dt.astimezone(tz)
    text = local.strftime(t("checklist.datetime_format"))
    if is_beijing(tz):
        return text
    return t("checklist.time_offset", time=text, offset=utc_offset(local))


def checklist_view(incident: Incident, lang: str) -> dict[str, Any]:
    t = catalog(lang)
    pb = incident.playbook
    grade = incident.grade
    tz = incident.tz
    zone = zone_label(t, tz, incident.start)
    start_key = "phone" if not incident.audited else "reported" if incident.reported else "detected"
    return {
        "lang": lang,
        "title": t("checklist.title", name=pb.name.get(lang)),
        "organisation": clean(incident.contacts.organisation.get(lang), CELL_CAP),
        "grade": {
            "id": grade.value,
            "text": _grade_text(t, "checklist.grade_value", grade.value),
        },
        "base_grade": (
            _grade_text(t, "checklist.base_grade", pb.grade.value) if incident.escalations else ""
        ),
        "escalations": [rule.reason.get(lang) for rule in incident.escalations],
        "grading": pb.grading.get(lang) if pb.grading else "",
        "category": t(f"checklist.category_name.{pb.category}"),
        "audited": incident.audited,
        "times": _times(t, incident, zone),
        "timezone": zone,
        "duty_phone": clean(incident.contacts.duty_phone, CELL_CAP),
        "results_path": clean(incident.results_path, DETAIL_CAP) or t("checklist.source_unsaved"),
        "results_sha256": incident.results_sha256,
        "run_id": clean(incident.run_id, CELL_CAP),
        "summary": pb.summary.get(lang) if pb.summary else "",
        "warnings": [w.get(lang) for w in pb.warnings],
        "hosts": [_host(t, h) for h in incident.hosts],
        "phases": _phases(t, incident, lang),
        "findings": [_host_findings(t, h, lang) for h in incident.hosts]
        if incident.audited
        else [],
        "evidence": [e.get(lang) for e in pb.evidence]
        + ([_results_evidence(t, incident)] if incident.audited else []),
        "signoff": [_role(t, incident, r, lang) for r in pb.signoff],
        "deadline_note": t(
            "checklist.deadline_note", start=t(f"checklist.start.{start_key}"), zone=zone
        ),
        "footer": (
            t("checklist.footer", version=__version__, run_id=clean(incident.run_id, 80))
            if incident.audited
            else t("checklist.footer_phone", version=__version__)
        ),
        "version": __version__,
    }


def _times(t: Catalog, incident: Incident, zone: str) -> list[tuple[str, str]]:
    """The times the checklist shows (label, text): when the audit found it and when the duty
    officer took it in hand — both, when they differ; the zone named once, after the first."""
    out: list[tuple[str, str]] = []
    if incident.audited:
        out.append(
            (
                t("checklist.detected"),
                t("checklist.in_zone", time=wall(t, incident.detected, incident.tz), zone=zone),
            )
        )
        # Without --detected-at, a blank to write the time on: the duty officer notes it.
        taken = when(t, incident.reported, incident.tz) if incident.reported is not None else ""
        out.append((t("checklist.reported"), taken))
    else:
        out.append(
            (
                t("checklist.reported_phone"),
                t("checklist.in_zone", time=wall(t, incident.start, incident.tz), zone=zone),
            )
        )
    return out


def _grade_text(t: Catalog, key: str, grade: str) -> str:
    return t(key, grade=grade, name=t(f"checklist.grade_name.{grade}"))


def _host(t: Catalog, h: IncidentHost) -> dict[str, str]:
    return {
        "name": clean(h.name, CELL_CAP),
        "address": clean(h.address, CELL_CAP),
        "segment": clean(h.segment, CELL_CAP),
        "zone": t.get(f"zone.{h.zone}", h.zone),
        "department": clean(h.department, CELL_CAP),
        "owner": clean(h.owner, CELL_CAP),
        "location": clean(h.location, CELL_CAP),
        "status": (
            t("checklist.status_reported")
            if h.status == "reported"
            else t.get(f"host_status.{h.status}", h.status)
        ),
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
                "text": (
                    t(
                        "checklist.stage_text",
                        stage=t(f"checklist.stage.{step.stage}"),
                        text=step.text.get(lang),
                    )
                    if step.stage
                    else step.text.get(lang)
                ),
                "role": role["name"],
                "person": role["person"],
                "phone": role["phone"],
                "notify": [_contact_line(_role(t, incident, r, lang)) for r in step.notify],
                "within": t(f"checklist.offset.{step.within.unit}", n=step.within.amount),
                "deadline": when(t, due.deadline, incident.tz),
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
        person = shown
        return {"name": t("checklist.role.host_owner"), "person": person, "phone": ""}
    role = incident.contacts.roles[role_id]
    return {
        "name": role.name.get(lang),
        "person": clean(role.person, CELL_CAP),
        "phone": clean(role.phone, CELL_CAP),
    }


def _results_evidence(t: Catalog, incident: Incident) -> str:
    path = clean(incident.results_path, DETAIL_CAP) or t("checklist.source_unsaved")
    if incident.results_sha256:
        return t("checklist.evidence_results", path=path, sha256=incident.results_sha256)
    return t("checklist.evidence_results_nohash", path=path)

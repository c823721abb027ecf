"""From results to incidents: which playbooks a results document triggers, for which hosts, at
which grade, and every step's absolute deadline.

Pure functions over loaded data: no files are read here (the writer does that).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from netguard.errors import InputError
from netguard.i18n import LANGS, catalog
from netguard.model import FindingStatus, Host, Inventory
from netguard.playbooks.model import (
    Condition,
    Contacts,
    Escalation,
    Grade,
    Offset,
    Playbook,
    Step,
    Text,
    Trigger,
    glob_match,
)
from netguard.results import FindingRecord, HostRecord, Results


@dataclass(frozen=True)
class IncidentFinding:
    """A finding that triggered the playbook, its title and message in both languages."""

    check: str
    category: str
    status: str
    severity: str
    title: Text
    message: Text
    evidence: dict[str, Any]


@dataclass(frozen=True)
class IncidentHost:
    name: str
    address: str
    segment: str
    zone: str
    department: str
    owner: str
    location: str
    status: str  # the host status of the results (audited, unreachable, …)
    detail: str  # why it was not audited (host-supplied text possible: escape it)
    findings: tuple[IncidentFinding, ...]
    detail_reason: str = ""  # the detail as a message id (host_detail.<id>) and its arguments
    detail_args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DueStep:
    step: Step
    deadline: datetime  # aware, in the display time zone


@dataclass(frozen=True)
class Incident:
    playbook: Playbook
    grade: Grade  # after escalation
    escalations: tuple[Escalation, ...]  # the rules that applied, in playbook order
    hosts: tuple[IncidentHost, ...]
    steps: tuple[DueStep, ...]  # by phase, then deadline, then playbook order
    detected: datetime  # aware, in the display time zone
    tz: ZoneInfo
    contacts: Contacts
    run_id: str
    results_path: str
    results_sha256: str = ""  # of the results file, when there is one to hash
    #: when the duty officer took the incident (--detected-at), in the display zone; deadlines
    #: count from it when given, else from `detected`
    reported: datetime | None = None
    #: False: reported by phone (--incident), no audit: no findings, no results file
    audited: bool = True

    @property
    def start(self) -> datetime:
        """The time the deadlines count from: the duty officer's, else the detection time."""
        return self.reported if self.reported is not None else self.detected

    @property
    def file_stem(self) -> str:
        """checklist-<YYYYmmdd-HHMM>-<playbook id>: detection time in the display zone."""
        return f"checklist-{self.detected:%Y%m%d-%H%M}-{self.playbook.id}"


# -- deadlines -------------------------------------------------------------------------------------


def add_offset(start: datetime, offset: Offset, tz: ZoneInfo) -> datetime:
    """start + offset, shown in tz.

    Minutes and hours are elapsed time (a 24h report limit is 24 real hours, DST or not). Days and
    months are calendar arithmetic on the wall clock of tz, so "1d" keeps the time of day across
    a DST change and "1mo" from Jan 31 is the last day of February.
    """
    if start.tzinfo is None:
        raise ValueError("start must be an aware datetime")
    # Through UTC: Python adds a timedelta to an aware time on its wall clock, not in real time.
    if offset.unit == "m":
        return (start.astimezone(UTC) + timedelta(minutes=offset.amount)).astimezone(tz)
    if offset.unit == "h":
        return (start.astimezone(UTC) + timedelta(hours=offset.amount)).astimezone(tz)
    wall = start.astimezone(tz).replace(tzinfo=None)
    if offset.unit == "d":
        wall += timedelta(days=offset.amount)
    elif offset.unit == "mo":
        wall = add_months(wall, offset.amount)
    else:
        raise ValueError(f"unknown offset unit {offset.unit!r}")
    return localize(wall, tz)


def add_months(wall: datetime, months: int) -> datetime:
    """Calendar months; a day past the new month's end is clamped to its last day."""
    y, m = divmod(wall.month - 1 + months, 12)
    year, month = wall.year + y, m + 1
    day = min(wall.day, calendar.monthrange(year, month)[1])
    return wall.replace(year=year, month=month, day=day)


def localize(wall: datetime, tz: ZoneInfo) -> datetime:
    """A naive wall-clock time as an aware time in tz.

    fold=0: a repeated wall time (autumn) is its first occurrence, the earlier deadline. A wall
    time skipped by spring-forward does not exist; the round trip through UTC moves it forward
    by the gap (02:30 → 03:30), as the clocks on the wall would show it.
    """
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC).astimezone(tz)


# -- triggers and grades ---------------------------------------------------------------------------


def _triggering(trigger: Trigger, host: HostRecord) -> tuple[bool, list[FindingRecord]]:
    """Whether the trigger concerns the host, and the host's findings it fires on."""
    if trigger.zones is not None and host.zone not in trigger.zones:
        return False, []
    # A waived finding is an approved exception, not an incident — whatever statuses a playbook
    # lists. Host-status triggers still fire: a host that was not audited stays unknown.
    found = [
        f
        for f in host.findings
        if f.status != FindingStatus.WAIVED
        and trigger.matches_finding(f.check, f.category, f.status)
    ]
    return bool(found) or host.status in trigger.host_status, found


def _finding(f: FindingRecord) -> IncidentFinding:
    titles = {
        lang: catalog(lang).get(f"checks.{f.check}.title", f.titles.get(lang, f.title))
        for lang in LANGS
    }
    messages = {lang: catalog(lang).reason(f.reason, f.args, f.message) for lang in LANGS}
    return IncidentFinding(
        check=f.check,
        category=f.category,
        status=f.status,
        severity=f.severity,
        title=Text(titles["zh"], titles["en"]),
        message=Text(messages["zh"], messages["en"]),
        evidence=f.evidence,
    )


def match_host(playbook: Playbook, host: HostRecord) -> IncidentHost | None:
    """The host as concerned by the playbook, or None if no trigger fires on it."""
    concerned = False
    findings: list[FindingRecord] = []
    for trigger in playbook.triggers:
        hit, found = _triggering(trigger, host)
        concerned = concerned or hit
        findings += [f for f in found if not any(f is g for g in findings)]
    if not concerned:
        return None
    return IncidentHost(
        name=host.name,
        address=host.address,
        segment=host.segment,
        zone=host.zone,
        department=host.department,
        owner=host.owner,
        location=host.location,
        status=host.status,
        detail=host.detail,
        detail_reason=host.detail_reason,
        detail_args=host.detail_args,
        findings=tuple(_finding(f) for f in findings),
    )


def holds(
    cond: Condition, hosts: tuple[IncidentHost, ...], contacts: Contacts | None = None
) -> bool:
    """Whether every condition given holds for these hosts and the organisation (contacts).
    Without contacts, an organisation condition does not hold (nothing is known)."""
    if cond.zones is not None and not any(h.zone in cond.zones for h in hosts):
        return False
    if cond.min_hosts is not None and len(hosts) < cond.min_hosts:
        return False
    if cond.checks and not any(glob_match(cond.checks, f.check) for h in hosts for f in h.findings):
        return False
    if cond.critical_infrastructure is not None and (
        contacts is None or contacts.critical_infrastructure != cond.critical_infrastructure
    ):
        return False
    return cond.organisation_level is None or (
        contacts is not None and contacts.organisation_level in cond.organisation_level
    )


def effective_grade(
    playbook: Playbook, hosts: tuple[IncidentHost, ...], contacts: Contacts | None = None
) -> tuple[Grade, tuple[Escalation, ...]]:
    """The playbook's grade after its escalation rules, applied in order; never lowered. This
    is a preliminary grade (初判): the leading group confirms it."""
    grade = playbook.grade
    applied = []
    for rule in playbook.escalation:
        if not holds(rule.when, hosts, contacts):
            continue
        new = grade.raised(rule.raise_by) if rule.raise_by else grade
        if rule.to is not None and rule.to.rank < new.rank:
            new = rule.to
        if new != grade:
            applied.append(rule)
        grade = new
    return grade, tuple(applied)


def due_steps(
    playbook: Playbook,
    grade: Grade,
    detected: datetime,
    tz: ZoneInfo,
    hosts: tuple[IncidentHost, ...] = (),
    contacts: Contacts | None = None,
) -> tuple[DueStep, ...]:
    """The steps that apply at this grade (and whose `when` holds) with their deadlines, ordered
    by phase then deadline (file order breaks ties): the order a person works through them."""
    due = [
        (s.phase.order, add_offset(detected, s.within, tz), i, s)
        for i, s in enumerate(playbook.steps)
        if (s.min_grade is None or grade.rank <= s.min_grade.rank)
        and (s.when is None or holds(s.when, hosts, contacts))
    ]
    due.sort(key=lambda d: (d[0], d[1], d[2]))
    return tuple(DueStep(s, deadline) for _, deadline, _, s in due)


def _check_roles(playbook: Playbook, contacts: Contacts) -> None:
    """Roles were checked at load time against some contacts; these may be others."""
    for i, step in enumerate(playbook.steps):
        for role in (step.role, *step.notify):
            if not contacts.has_role(role):
                raise InputError(
                    f"unknown role {role!r}: not in {contacts.path or 'the contacts file'}",
                    file=playbook.path,
                    line=step.line,
                    field=f"steps[{i}].role",
                )
    for i, role in enumerate(playbook.signoff):
        if not contacts.has_role(role):
            raise InputError(f"unknown role {role!r}", file=playbook.path, field=f"signoff[{i}]")


def build_incidents(
    results: Results,
    playbooks: list[Playbook] | tuple[Playbook, ...],
    contacts: Contacts,
    tz: ZoneInfo | str | None = None,
    *,
    reported: datetime | None = None,
) -> list[Incident]:
    """One Incident per playbook that at least one host triggers, most severe grade first (then
    by playbook id). Display time zone: tz, else the contacts file's. Manual playbooks never
    fire from results. ``reported``: when the duty officer took the results in hand
    (--detected-at); the deadlines count from it, and the checklist shows both times."""
    zone = _zone(tz) if tz is not None else contacts.timezone
    detected = results.detected
    start = reported if reported is not None else detected
    incidents = []
    for pb in playbooks:
        if pb.manual:
            continue
        hosts = tuple(h for h in (match_host(pb, r) for r in results.hosts) if h is not None)
        if not hosts:
            continue
        _check_roles(pb, contacts)
        grade, applied = effective_grade(pb, hosts, contacts)
        incidents.append(
            Incident(
                playbook=pb,
                grade=grade,
                escalations=applied,
                hosts=hosts,
                steps=due_steps(pb, grade, start, zone, hosts, contacts),
                detected=detected.astimezone(zone),
                tz=zone,
                contacts=contacts,
                run_id=results.run_id,
                results_path=results.path,
                reported=reported.astimezone(zone) if reported is not None else None,
            )
        )
    incidents.sort(key=lambda i: (i.grade.rank, i.playbook.id))
    return incidents


def reported_hosts(inventory: Inventory, names: list[str] | tuple[str, ...]) -> tuple[Host, ...]:
    """The inventory entries (hosts or registered devices) named; InputError for a name the
    inventory does not have, with the names it has when they are few."""
    entries = {h.name: h for h in (*inventory.hosts, *inventory.devices)}
    out: list[Host] = []
    for name in names:
        if name not in entries:
            known = sorted(entries)
            listed = ", ".join(known[:20]) + (" …" if len(known) > 20 else "")
            raise InputError(
                f"no machine named {name!r} in the inventory ({listed or 'no machines'})",
                file=inventory.path,
                field="--host",
            )
        if entries[name] not in out:
            out.append(entries[name])
    return tuple(out)


def build_reported_incident(
    playbook: Playbook,
    hosts: tuple[Host, ...],
    inventory: Inventory,
    contacts: Contacts,
    reported: datetime,
    tz: ZoneInfo | str | None = None,
) -> Incident:
    """An incident reported by phone (``netguard checklist --incident``): no audit, so no
    findings and no results file. Its grade is the playbook's after the rules that can be
    decided without findings (zones, number of machines, the organisation's facts)."""
    if not hosts:
        raise InputError("name at least one machine (--host NAME)", field="--host")
    zone = _zone(tz) if tz is not None else contacts.timezone
    concerned = tuple(_reported_host(h, inventory) for h in hosts)
    _check_roles(playbook, contacts)
    grade, applied = effective_grade(playbook, concerned, contacts)
    at = reported.astimezone(zone)
    return Incident(
        playbook=playbook,
        grade=grade,
        escalations=applied,
        hosts=concerned,
        steps=due_steps(playbook, grade, at, zone, concerned, contacts),
        detected=at,
        tz=zone,
        contacts=contacts,
        run_id="",
        results_path="",
        reported=at,
        audited=False,
    )


def _reported_host(host: Host, inventory: Inventory) -> IncidentHost:
    segment = inventory.segments.get(host.segment)
    return IncidentHost(
        name=host.name,
        address=host.address_text or host.hostname or "",  # a name: not resolved here
        segment=host.segment,
        zone=str(segment.zone) if segment is not None else "",
        department=host.department,
        owner=host.owner,
        location=host.location,
        status="reported",
        detail="",
        findings=(),
    )


def _zone(tz: ZoneInfo | str) -> ZoneInfo:
    if isinstance(tz, ZoneInfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (KeyError, ValueError):
        raise InputError(f"unknown time zone {tz!r} (e.g. Asia/Shanghai)", field="tz") from None

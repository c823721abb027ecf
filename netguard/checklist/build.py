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
from netguard.model import FindingStatus
from netguard.playbooks.model import (
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
    titles = {lang: catalog(lang).get(f"checks.{f.check}.title", f.title) for lang in LANGS}
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


def _applies(rule: Escalation, hosts: tuple[IncidentHost, ...]) -> bool:
    # Every condition given must hold (a rule without conditions is refused by the loader).
    if rule.zones is not None and not any(h.zone in rule.zones for h in hosts):
        return False
    if rule.min_hosts is not None and len(hosts) < rule.min_hosts:
        return False
    return not rule.checks or any(
        glob_match(rule.checks, f.check) for h in hosts for f in h.findings
    )


def effective_grade(
    playbook: Playbook, hosts: tuple[IncidentHost, ...]
) -> tuple[Grade, tuple[Escalation, ...]]:
    """The playbook's grade after its escalation rules, applied in order; never lowered."""
    grade = playbook.grade
    applied = []
    for rule in playbook.escalation:
        if not _applies(rule, hosts):
            continue
        new = grade.raised(rule.raise_by) if rule.raise_by else grade
        if rule.to is not None and rule.to.rank < new.rank:
            new = rule.to
        if new != grade:
            applied.append(rule)
        grade = new
    return grade, tuple(applied)


def due_steps(
    playbook: Playbook, grade: Grade, detected: datetime, tz: ZoneInfo
) -> tuple[DueStep, ...]:
    """The steps that apply at this grade with their deadlines, ordered by phase then deadline
    (file order breaks ties): the order a person works through them."""
    due = [
        (s.phase.order, add_offset(detected, s.within, tz), i, s)
        for i, s in enumerate(playbook.steps)
        if s.min_grade is None or grade.rank <= s.min_grade.rank
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
) -> list[Incident]:
    """One Incident per playbook that at least one host triggers, most severe grade first (then
    by playbook id). Display time zone: tz, else the contacts file's."""
    zone = _zone(tz) if tz is not None else contacts.timezone
    detected = results.detected
    incidents = []
    for pb in playbooks:
        hosts = tuple(h for h in (match_host(pb, r) for r in results.hosts) if h is not None)
        if not hosts:
            continue
        _check_roles(pb, contacts)
        grade, applied = effective_grade(pb, hosts)
        incidents.append(
            Incident(
                playbook=pb,
                grade=grade,
                escalations=applied,
                hosts=hosts,
                steps=due_steps(pb, grade, detected, zone),
                detected=detected.astimezone(zone),
                tz=zone,
                contacts=contacts,
                run_id=results.run_id,
                results_path=results.path,
            )
        )
    incidents.sort(key=lambda i: (i.grade.rank, i.playbook.id))
    return incidents


def _zone(tz: ZoneInfo | str) -> ZoneInfo:
    if isinstance(tz, ZoneInfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (KeyError, ValueError):
        raise InputError(f"unknown time zone {tz!r} (e.g. Asia/Shanghai)", field="tz") from None

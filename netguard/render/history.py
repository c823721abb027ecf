"""The history on a terminal: the list of recorded runs, and what changed between two of them.

In the terminal's language (catalog ``terminal.history`` and ``terminal.diff``); host data is
cleaned (no control characters).
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

from netguard.history.diff import ABSENT, ERROR, FindingChange, HostChange, RunDiff, RunInfo
from netguard.history.model import RunSummary
from netguard.i18n import Catalog, catalog
from netguard.model import FindingStatus
from netguard.render.text import clean

#: The numbers of a run, in the columns of ``netguard history``.
RUN_COUNTS = ("hosts", "audited", "coverage", "compliant", "failing", "unknown", "waived")
RUN_COLUMNS = ("run", "started", "state", *RUN_COUNTS, "policy")


def run_json(r: RunSummary) -> dict[str, Any]:
    """A run as ``netguard history --format json`` lists it."""
    return {
        "id": r.id,
        "started": r.started.isoformat(),
        "finished": r.finished.isoformat() if r.finished else None,
        "complete": r.complete,
        "inventory": {"path": r.inventory_path, "sha256": r.inventory_sha256},
        "policy": {"name": r.policy_name, "sha256": r.policy_sha256},
        **{k: getattr(r, k) for k in RUN_COUNTS if k != "coverage"},
        "coverage": round(r.coverage, 4),
        "compliance": round(r.compliance, 4),
    }


def run_row(r: RunSummary, t: Catalog | None = None, tz: tzinfo | None = None) -> dict[str, str]:
    """A run as a row of the ``netguard history`` table (RUN_COLUMNS), in t's language; its
    start in tz (default: this machine's zone)."""
    t = t or catalog("en")
    row: dict[str, Any] = {
        "run": r.id[:12],
        "started": r.started.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
        "state": t("terminal.history.complete" if r.complete else "terminal.history.incomplete"),
        "hosts": r.hosts,
        "audited": r.audited,
        "coverage": f"{r.coverage:.0%}",
        "compliant": r.compliant,
        "failing": r.failing,
        "unknown": r.unknown,
        "waived": r.waived,
        "policy": clean(r.policy_name),
    }
    return {k: str(v) for k, v in row.items()}


def run_column(column: str, t: Catalog | None = None) -> str:
    """The heading of a column of the ``netguard history`` table."""
    return (t or catalog("en"))(f"terminal.history.col.{column}")


def runs_zone(t: Catalog | None = None, tz: tzinfo | None = None) -> str:
    """The title of the ``netguard history`` table: the zone of its times (tz, default this
    machine's)."""
    t = t or catalog("en")
    now = datetime.now(tz).astimezone(tz)
    return t("terminal.history.zone", zone=t.time_zone(tz, now))


def diff_text(diff: RunDiff, t: Catalog | None = None, tz: tzinfo | None = None) -> str:
    """Plain text for a terminal in t's language (English by default), times in tz where the
    language shows local times (default: this machine's zone); host data is cleaned (no control
    characters)."""
    t = t or catalog("en")
    d = "terminal.diff."
    lines = [
        t(d + "from", run=_run_label(diff.a, t, tz)),
        t(d + "to", run=_run_label(diff.b, t, tz)),
    ]
    if diff.policy_changed:
        lines.append(
            t(
                d + "policy_changed",
                a=clean(diff.a.policy_name),
                a_sha256=diff.a.policy_sha256[:12],
                b=clean(diff.b.policy_name),
                b_sha256=diff.b.policy_sha256[:12],
            )
        )
    if diff.inventory_changed:
        lines.append(t(d + "inventory_changed"))
    for side, info in (("older", diff.a), ("newer", diff.b)):
        if not info.complete:
            lines.append(t(f"{d}incomplete_{side}"))
    c = diff.counts()
    lines.append(t(d + "counts", **c))
    if c["newly_waived"] or c["unwaived"]:
        lines.append(t(d + "waiver_counts", **c))
    for name in RunDiff.FINDING_LISTS:
        items: list[FindingChange] = getattr(diff, name)
        if items:
            lines += ["", t(d + "heading", title=t(f"{d}titles.{name}"), count=len(items))]
            lines += [_finding_line(name, item, t) for item in items]
    for name in RunDiff.HOST_LISTS:
        hosts: list[HostChange] = getattr(diff, name)
        if hosts:
            lines += ["", t(d + "heading", title=t(f"{d}titles.{name}"), count=len(hosts))]
            lines += [_host_line(name, h, t) for h in hosts]
    if not any(c.values()):
        lines += ["", t(d + "no_changes")]
    return "\n".join(lines) + "\n"


def _run_label(info: RunInfo, t: Catalog, tz: tzinfo | None) -> str:
    when = _when(info.started, t, tz)
    return t("terminal.diff.run", id=clean(info.id[:12]), when=when, hosts=info.hosts)


def _when(text: str, t: Catalog, tz: tzinfo | None) -> str:
    """A run's start in tz (default UTC), the zone said."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        return clean(text, 40)
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    local = at.astimezone(tz or UTC)
    return t(
        "terminal.diff.when",
        local=t.datetime(local, zone=False),
        zone=t.time_zone(tz, local),
    )


def _who(department: str, owner: str, location: str, t: Catalog) -> str:
    parts = [clean(p, 60) for p in (department, owner, location) if p]
    if not parts:
        return ""
    return t("terminal.diff.who", parts=t("terminal.diff.who_separator").join(parts))


def _status(status: str | None, t: Catalog, kind: str = "status") -> str:
    """A finding's (kind status) or a host's (kind host_status) status, in words."""
    return t.get(f"terminal.diff.{kind}.{status}", clean(str(status), 40))


def _detail(detail: str, reason: str, args: dict[str, Any], t: Catalog) -> str:
    return clean(t.host_detail(reason, args, detail), 160) if (detail or reason) else ""


def _finding_line(section: str, item: FindingChange, t: Catalog) -> str:
    d = "terminal.diff."
    message = t.reason(item.reason, item.args, item.message)
    detail = _detail(item.detail, item.detail_reason, item.detail_args, t)
    if section == "resolved":
        note = t.get(f"{d}resolved.{item.after}", clean(item.after, 40))
    elif section == "unverified" and item.after == ERROR:
        note = t(d + "undecided", message=message)
    elif section == "unverified":
        status = _status(item.host_status, t, "host_status")
        note = t(
            d + ("not_checked_because" if detail else "not_checked"), status=status, detail=detail
        )
    elif section in ("newly_waived", "unwaived"):
        note = t(d + "transition", before=_status(item.before, t), after=_status(item.after, t))
    elif section == "new" and item.before not in (ABSENT, str(FindingStatus.PASS)):
        note = t(d + "was", before=_status(item.before, t), message=message)
    else:
        note = message
    line = t(
        d + "finding",
        severity=_status(item.severity, t, "severity"),
        host=clean(item.host, 80),
        address=clean(item.address, 45),
        check=item.check,
        note=clean(note, 200),
        who=_who(item.department, item.owner, item.location, t),
    )
    return clean(line, 400)


def _host_line(section: str, h: HostChange, t: Catalog) -> str:
    d = "terminal.diff."
    detail = _detail(h.detail, h.detail_reason, h.detail_args, t)
    if section in ("became_unknown", "came_back"):
        key = "transition_because" if detail else "transition"
        before, after = _status(h.before, t, "host_status"), _status(h.after, t, "host_status")
        note = t(d + key, before=before, after=after, detail=detail)
    elif section == "added":
        note = t(d + "added", status=_status(h.after, t, "host_status"), failing=h.failing)
    else:
        note = t(d + "removed", status=_status(h.before, t, "host_status"), failing=h.failing)
    line = t(
        d + "host",
        host=clean(h.host, 80),
        address=clean(h.address, 45),
        note=note,
        who=_who(h.department, h.owner, h.location, t),
    )
    return clean(line, 400)

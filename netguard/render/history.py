"""The history on a terminal: the list of recorded runs, and what changed between two of them.

Plain English text; host data is cleaned (no control characters).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from netguard.history.diff import ABSENT, ERROR, FindingChange, HostChange, RunDiff, RunInfo
from netguard.history.model import RunSummary
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


def run_row(r: RunSummary) -> dict[str, str]:
    """A run as a row of the ``netguard history`` table (RUN_COLUMNS)."""
    row: dict[str, Any] = {
        "run": r.id[:12],
        "started": r.started.astimezone().strftime("%Y-%m-%d %H:%M"),
        "state": "complete" if r.complete else "INCOMPLETE",
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


def diff_text(diff: RunDiff) -> str:
    """Plain English text for a terminal; host data is cleaned (no control characters)."""
    lines = [
        f"From run {_run_label(diff.a)}",
        f"  to run {_run_label(diff.b)}",
    ]
    if diff.policy_changed:
        lines.append(
            f"Policy changed: {clean(diff.a.policy_name)} ({diff.a.policy_sha256[:12]}) → "
            f"{clean(diff.b.policy_name)} ({diff.b.policy_sha256[:12]})"
        )
    if diff.inventory_changed:
        lines.append("Inventory changed between the runs.")
    for side, info in (("older", diff.a), ("newer", diff.b)):
        if not info.complete:
            lines.append(
                f"The {side} run is incomplete (interrupted): hosts it did not record count as "
                "not audited in it."
            )
    c = diff.counts()
    lines.append(
        f"new {c['new']} · resolved {c['resolved']} · still failing {c['persisting']} · "
        f"unverified {c['unverified']} · undecidable {c['undecided']} · "
        f"became unknown {c['became_unknown']} · back {c['came_back']} · "
        f"added {c['added']} · removed {c['removed']}"
    )
    if c["newly_waived"] or c["unwaived"]:
        lines.append(f"waivers: new {c['newly_waived']} · ended {c['unwaived']}")
    for name, title in _FINDING_TITLES.items():
        items: list[FindingChange] = getattr(diff, name)
        if items:
            lines += ["", f"{title} ({len(items)})"]
            lines += [_finding_line(name, item) for item in items]
    for name, title in _HOST_TITLES.items():
        hosts: list[HostChange] = getattr(diff, name)
        if hosts:
            lines += ["", f"{title} ({len(hosts)})"]
            lines += [_host_line(name, h) for h in hosts]
    if not any(c.values()):
        lines += ["", "No changes."]
    return "\n".join(lines) + "\n"


def _run_label(info: RunInfo) -> str:
    return f"{clean(info.id[:12])} ({_when(info.started)}, {info.hosts} hosts)"


def _when(text: str) -> str:
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        return clean(text, 40)
    t = t if t.tzinfo else t.replace(tzinfo=UTC)
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _who(department: str, owner: str, location: str) -> str:
    parts = [clean(p, 60) for p in (department, owner, location) if p]
    return f"  [{' · '.join(parts)}]" if parts else ""


_RESOLVED_NOTES = {
    str(FindingStatus.PASS): "passes now",
    str(FindingStatus.NOT_APPLICABLE): "not applicable now",
    ABSENT: "no longer checked (not in this run's policy)",
}


def _finding_line(section: str, item: FindingChange) -> str:
    head = f"  {item.severity:<8} {clean(item.host, 80)} ({clean(item.address, 45)})  {item.check}"
    if section == "resolved":
        note = _RESOLVED_NOTES.get(item.after, item.after)
    elif section == "unverified" and item.after == ERROR:
        note = f"the check could not decide: {item.message}"
    elif section == "unverified":
        note = f"host {item.host_status.replace('_', ' ')}" + (
            f": {item.detail}" if item.detail else ""
        )
    elif section in ("newly_waived", "unwaived"):
        note = f"{item.before} → {item.after}"
    elif section == "new" and item.before not in (ABSENT, str(FindingStatus.PASS)):
        note = f"was {item.before.replace('_', ' ')}: {item.message}"
    else:
        note = item.message
    who = _who(item.department, item.owner, item.location)
    return clean(f"{head} — {clean(note, 200)}{who}", 400)


def _host_line(section: str, h: HostChange) -> str:
    head = f"  {clean(h.host, 80)} ({clean(h.address, 45)})"
    if section in ("became_unknown", "came_back"):
        note = f"{h.before} → {h.after}" + (f": {clean(h.detail, 160)}" if h.detail else "")
    elif section == "added":
        note = f"{h.after}, {h.failing} failing"
    else:
        note = f"was {h.before}, {h.failing} failing then"
    return clean(f"{head} — {note}{_who(h.department, h.owner, h.location)}", 400)


_FINDING_TITLES = {
    "new": "New failing findings",
    "resolved": "Resolved (checked again and passing)",
    "persisting": "Still failing",
    "unverified": "Unverified (failing before; could not be checked this time)",
    "undecided": "Checks that became undecidable (error)",
    "newly_waived": "Newly waived",
    "unwaived": "Waiver ended",
}
_HOST_TITLES = {
    "became_unknown": "Hosts that became unknown (audited before, not now)",
    "came_back": "Hosts audited again",
    "added": "Hosts added to the inventory",
    "removed": "Hosts removed from the inventory",
}

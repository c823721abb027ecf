"""What changed between two runs: a pure function over two results documents (A older, B newer).

Semantics (docs/history.md, "Diff"): findings are keyed by (host name, check). A failing finding
counts as resolved only when B audited the host and the check passed, was not applicable or is
gone; if B could not look (host not audited, check in error, host not recorded by an interrupted
run) it is *unverified* — fail closed, never good news by default.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from netguard.errors import ExitStatus
from netguard.model import FindingStatus, HostStatus, Severity

AUDITED = str(HostStatus.AUDITED)
FAIL = str(FindingStatus.FAIL)
ERROR = str(FindingStatus.ERROR)
WAIVED = str(FindingStatus.WAIVED)
ABSENT = "absent"  # no such finding in that run
NOT_RECORDED = "not_recorded"  # the host is missing from an interrupted run
#: What B may say about a check that failed in A for it to count as resolved (host audited).
_RESOLVING = {str(FindingStatus.PASS), str(FindingStatus.NOT_APPLICABLE), ABSENT}
_SEVERITY_RANK = {str(s): s.rank for s in Severity}


@dataclass(frozen=True)
class RunInfo:
    id: str
    started: str
    finished: str | None
    complete: bool
    policy_name: str
    policy_sha256: str
    inventory_sha256: str
    hosts: int


@dataclass(frozen=True)
class FindingChange:
    """One (host, check) whose failing state changed, or did not (persisting)."""

    host: str
    address: str
    department: str
    owner: str
    location: str
    check: str
    category: str
    severity: str
    title: str
    message: str
    reason: str
    args: dict[str, Any]
    before: str  # the check's status in A: pass | fail | error | not_applicable | waived | absent
    after: str  # … in B
    host_status: str  # the host's status in B (not_recorded: B was interrupted before it)
    detail: str  # B's reason for not auditing the host, if it did not
    waiver: dict[str, Any] | None = None
    detail_reason: str = ""  # the detail's id and arguments (i18n host_detail.<reason>)
    detail_args: dict[str, Any] = field(default_factory=dict)

    @property
    def rank(self) -> tuple[int, str, str]:
        return (-_SEVERITY_RANK.get(self.severity, -1), self.host, self.check)


@dataclass(frozen=True)
class HostChange:
    host: str
    address: str
    department: str
    owner: str
    location: str
    before: str | None  # host status in A; None: not in A's inventory
    after: str | None  # host status in B; None: not in B's inventory
    detail: str  # B's detail (A's for a removed host)
    failing: int  # failing findings in B (in A for a removed host)
    detail_reason: str = ""  # the detail's id and arguments (i18n host_detail.<reason>)
    detail_args: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunDiff:
    a: RunInfo
    b: RunInfo
    new: list[FindingChange] = field(default_factory=list)
    resolved: list[FindingChange] = field(default_factory=list)
    persisting: list[FindingChange] = field(default_factory=list)
    unverified: list[FindingChange] = field(default_factory=list)
    undecided: list[FindingChange] = field(default_factory=list)  # newly in error in B
    newly_waived: list[FindingChange] = field(default_factory=list)
    unwaived: list[FindingChange] = field(default_factory=list)  # waived in A, not in B
    became_unknown: list[HostChange] = field(default_factory=list)
    came_back: list[HostChange] = field(default_factory=list)
    added: list[HostChange] = field(default_factory=list)
    removed: list[HostChange] = field(default_factory=list)

    FINDING_LISTS = (
        "new", "resolved", "persisting", "unverified", "undecided", "newly_waived", "unwaived",
    )  # fmt: skip
    HOST_LISTS = ("became_unknown", "came_back", "added", "removed")

    @property
    def policy_changed(self) -> bool:
        a, b = self.a, self.b
        return (a.policy_name, a.policy_sha256) != (b.policy_name, b.policy_sha256)

    @property
    def inventory_changed(self) -> bool:
        return self.a.inventory_sha256 != self.b.inventory_sha256

    def counts(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in self.FINDING_LISTS + self.HOST_LISTS}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "schema": "netguard.diff/1",
            "a": asdict(self.a),
            "b": asdict(self.b),
            "policy_changed": self.policy_changed,
            "inventory_changed": self.inventory_changed,
            "counts": self.counts(),
        }
        for name in self.FINDING_LISTS + self.HOST_LISTS:
            out[name] = [asdict(item) for item in getattr(self, name)]
        out["exit_status"] = diff_exit_status(self)
        return out


def diff_documents(a: dict[str, Any], b: dict[str, Any]) -> RunDiff:
    """Compare two results documents, A the older, B the newer."""
    diff = RunDiff(_info(a), _info(b))
    hosts_a = _hosts_by_name(a)
    hosts_b = _hosts_by_name(b)
    for name in hosts_a.keys() | hosts_b.keys():
        ha, hb = hosts_a.get(name), hosts_b.get(name)
        if hb is None and diff.b.complete:
            diff.removed.append(_host_change(ha, None, ha))  # type: ignore[arg-type]
            continue
        if ha is None and diff.a.complete:
            diff.added.append(_host_change(None, hb, hb))  # type: ignore[arg-type]
        # A host an interrupted run never recorded was not audited in it, not removed.
        ha = ha if ha is not None else _not_recorded(hb, a)  # type: ignore[arg-type]
        hb = hb if hb is not None else _not_recorded(ha, b)
        _host_transition(diff, ha, hb, added=name not in hosts_a and diff.a.complete)
        _finding_transitions(diff, ha, hb)
    for name in RunDiff.FINDING_LISTS:
        getattr(diff, name).sort(key=lambda item: item.rank)
    for name in RunDiff.HOST_LISTS:
        getattr(diff, name).sort(key=lambda item: item.host)
    return diff


def diff_exit_status(diff: RunDiff) -> int:
    """0: nothing got worse. 1: at least one new failing finding (a waiver that ended on a
    failing check included). 3: no new failing finding, but something can no longer be
    verified: a host became unknown, a check became undecidable, a failing finding could not be
    re-checked, or an added host could not be audited."""
    if diff.new:
        return ExitStatus.FINDINGS
    if (
        diff.became_unknown
        or diff.undecided
        or diff.unverified
        or any(h.after != AUDITED for h in diff.added)
    ):
        return ExitStatus.UNKNOWN
    return ExitStatus.OK


# -- building ---------------------------------------------------------------------------------


def _info(doc: dict[str, Any]) -> RunInfo:
    run = doc.get("run") or {}
    policy = run.get("policy") or {}
    inventory = run.get("inventory") or {}
    return RunInfo(
        id=str(run.get("id", "")),
        started=str(run.get("started", "")),
        finished=run.get("finished"),
        complete=run.get("complete", True) is not False,
        policy_name=str(policy.get("name", "")),
        policy_sha256=str(policy.get("sha256", "")),
        inventory_sha256=str(inventory.get("sha256", "")),
        hosts=len(doc.get("hosts") or ()),
    )


def _hosts_by_name(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(h.get("name", "")): h for h in doc.get("hosts") or ()}


def _not_recorded(other: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    run_id = str((doc.get("run") or {}).get("id", ""))
    return {
        **{k: other.get(k, "") for k in ("name", "address", "department", "owner", "location")},
        "status": NOT_RECORDED,
        # the English words of host_detail.not_recorded (the history does not read catalogs)
        "detail": f"run {run_id[:12]} was interrupted before this host was recorded",
        "detail_reason": "not_recorded",
        "detail_args": {"run": run_id[:12]},
        "findings": [],
    }


def _failing(h: dict[str, Any]) -> int:
    return sum(1 for f in h.get("findings") or () if f.get("status") == FAIL)


def _host_change(
    ha: dict[str, Any] | None, hb: dict[str, Any] | None, about: dict[str, Any]
) -> HostChange:
    return HostChange(
        host=str(about.get("name", "")),
        address=str(about.get("address", "")),
        department=str(about.get("department", "")),
        owner=str(about.get("owner", "")),
        location=str(about.get("location", "")),
        before=None if ha is None else str(ha.get("status")),
        after=None if hb is None else str(hb.get("status")),
        detail=str(about.get("detail", "")),
        failing=_failing(about),
        **_detail_reason(about),
    )


def _host_transition(diff: RunDiff, ha: dict[str, Any], hb: dict[str, Any], *, added: bool) -> None:
    if added:
        return
    was, now = ha.get("status") == AUDITED, hb.get("status") == AUDITED
    if was and not now:
        diff.became_unknown.append(_host_change(ha, hb, hb))
    elif now and not was:
        diff.came_back.append(_host_change(ha, hb, hb))


def _finding_transitions(diff: RunDiff, ha: dict[str, Any], hb: dict[str, Any]) -> None:
    fa = {str(f.get("check")): f for f in ha.get("findings") or ()}
    fb = {str(f.get("check")): f for f in hb.get("findings") or ()}
    b_audited = hb.get("status") == AUDITED
    for check in fa.keys() | fb.keys():
        sa = str(fa[check].get("status")) if check in fa else ABSENT
        sb = str(fb[check].get("status")) if check in fb else ABSENT

        def item(sa: str = sa, sb: str = sb, check: str = check) -> FindingChange:
            # B's words when B has the finding; the waiver of whichever side had one
            return _change(hb, fb.get(check) or fa[check], sa, sb, fa.get(check))

        if sb == FAIL:
            (diff.persisting if sa == FAIL else diff.new).append(item())
        elif sa == FAIL:
            if sb == WAIVED:
                pass  # not fixed, accepted: listed as newly waived below
            elif b_audited and sb in _RESOLVING:
                diff.resolved.append(item())
            else:
                diff.unverified.append(item())
        elif sb == ERROR and sa != ERROR and b_audited:
            diff.undecided.append(item())
        if sb == WAIVED and sa != WAIVED:
            diff.newly_waived.append(item())
        elif sa == WAIVED and sb != WAIVED and (b_audited or sb != ABSENT):
            diff.unwaived.append(item())


def _change(
    host: dict[str, Any],
    f: dict[str, Any],
    before: str,
    after: str,
    older: dict[str, Any] | None,
) -> FindingChange:
    args = f.get("args")
    waiver = f.get("waiver") or (older or {}).get("waiver")
    return FindingChange(
        host=str(host.get("name", "")),
        address=str(host.get("address", "")),
        department=str(host.get("department", "")),
        owner=str(host.get("owner", "")),
        location=str(host.get("location", "")),
        check=str(f.get("check", "")),
        category=str(f.get("category", "")),
        severity=str(f.get("severity", "")),
        title=str(f.get("title", "")),
        message=str(f.get("message", "")),
        reason=str(f.get("reason", "")),
        args=args if isinstance(args, dict) else {},
        before=before,
        after=after,
        host_status=str(host.get("status", "")),
        detail=str(host.get("detail", "")) if host.get("status") != AUDITED else "",
        waiver=waiver if isinstance(waiver, dict) else None,
        **(_detail_reason(host) if host.get("status") != AUDITED else {}),
    )


def _detail_reason(host: dict[str, Any]) -> dict[str, Any]:
    """A host record's detail id and arguments, as the document carries them (none in older
    results)."""
    args = host.get("detail_args")
    return {
        "detail_reason": str(host.get("detail_reason") or ""),
        "detail_args": args if isinstance(args, dict) else {},
    }


# -- text -------------------------------------------------------------------------------------

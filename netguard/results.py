"""Read a results document (``netguard audit --format json``) back for reports and checklists.

The document may have been copied around, edited or truncated: it is validated field by field
and every problem names the file and the field (``hosts[3].findings[0].status``). Everything in
it that came from an audited host stays untrusted text; renderers escape it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from netguard.errors import InputError
from netguard.model import FindingStatus, HostStatus, Severity, Zone

SCHEMA = "netguard.results/1"
_HOST_STATUSES = {str(s) for s in HostStatus}
_FINDING_STATUSES = {str(s) for s in FindingStatus}
_SEVERITIES = {str(s) for s in Severity}
_ZONES = {str(z) for z in Zone}


@dataclass(slots=True)
class WaiverRecord:
    """A waiver as a results document names it: on a WAIVED finding, or in the ``waivers`` block
    (where ``matched``/``findings`` say which failing findings of the run it covered)."""

    reason: str
    approver: str
    approved: str  # ISO date, as written (a report shows it, never computes with it)
    expires: str
    host: str = ""
    check: str = ""
    id: str = ""
    ticket: str = ""
    file: str = ""
    line: int = 0
    matched: int = 0
    findings: list[tuple[str, str]] = field(default_factory=list)  # (host, check)

    @property
    def source(self) -> str:
        return f"{self.file}:{self.line}" if self.file else ""

    @property
    def label(self) -> str:
        """How a reader tells waivers apart: the id, else where it is written."""
        return self.id or self.source


@dataclass(slots=True)
class WaiversBlock:
    """The document's ``waivers`` block: absent (None on Results) when no waivers file was used."""

    path: str
    sha256: str
    today: str
    counts: dict[str, int]
    expired: list[WaiverRecord]  # expired, and would have covered a failing finding of the run
    expired_unused: list[WaiverRecord]  # expired, covering nothing in this run
    not_yet_valid: list[WaiverRecord]
    unused: list[WaiverRecord]  # in force, covering nothing in this run


@dataclass(slots=True)
class FindingRecord:
    check: str
    category: str
    status: str  # a FindingStatus value
    severity: str  # a Severity value
    title: str
    message: str
    remediation: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    reason: str = ""  # message id in the catalogs ("reasons.<id>"); "" in older results
    args: dict[str, Any] = field(default_factory=dict)
    waiver: WaiverRecord | None = None  # WAIVED findings: the approved exception

    @property
    def severity_rank(self) -> int:
        return Severity(self.severity).rank


@dataclass(slots=True)
class HostRecord:
    name: str
    address: str
    segment: str
    zone: str
    os: str
    department: str
    owner: str
    location: str
    status: str  # a HostStatus value
    detail: str
    duration_s: float
    findings: list[FindingRecord]

    @property
    def audited(self) -> bool:
        return self.status == HostStatus.AUDITED

    @property
    def failing(self) -> list[FindingRecord]:
        return [f for f in self.findings if f.status == FindingStatus.FAIL]

    @property
    def undecided(self) -> list[FindingRecord]:
        return [f for f in self.findings if f.status == FindingStatus.ERROR]

    @property
    def waived(self) -> list[FindingRecord]:
        """Failing findings an approved exception covers: shown, never counted as violations."""
        return [f for f in self.findings if f.status == FindingStatus.WAIVED]

    @property
    def verdict(self) -> str:
        """failing | unknown | compliant — the same rule as the audit's exit status."""
        if self.failing:
            return "failing"
        if not self.audited or self.undecided:
            return "unknown"
        return "compliant"


@dataclass(slots=True)
class Results:
    path: str
    run_id: str
    started: datetime
    finished: datetime | None
    inventory: dict[str, Any]
    policy: dict[str, Any]
    netguard_version: str
    hosts: list[HostRecord]
    waivers: WaiversBlock | None = None  # documents of runs without a waivers file have none

    @property
    def detected(self) -> datetime:
        """When the findings were known: the end of the run (its start if it never ended)."""
        return self.finished or self.started


def load_results(path: str | Path) -> Results:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("results file not found", file=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read results: {exc}", file=path) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON: {exc.msg}", file=path, line=exc.lineno) from None
    return parse_results(doc, str(path))


def parse_results(doc: Any, source: str = "<results>") -> Results:
    r = _Reader(source)
    top = r.mapping(doc, "")
    schema = top.get("schema")
    if schema != SCHEMA:
        raise InputError(
            f"not a netguard results document (schema {schema!r}, expected {SCHEMA!r})",
            file=source,
            field="schema",
        )
    run = r.mapping(top.get("run"), "run")
    hosts_raw = top.get("hosts")
    if not isinstance(hosts_raw, list):
        raise InputError("must be a list", file=source, field="hosts")
    return Results(
        path=source,
        run_id=r.text(run, "id", "run"),
        started=r.time(run, "started", "run"),
        finished=r.time(run, "finished", "run", optional=True),
        inventory=r.mapping(run.get("inventory", {}), "run.inventory"),
        policy=r.mapping(run.get("policy", {}), "run.policy"),
        netguard_version=str(top.get("netguard_version", "")),
        hosts=[r.host(h, f"hosts[{i}]") for i, h in enumerate(hosts_raw)],
        waivers=r.waivers(top["waivers"], "waivers") if top.get("waivers") is not None else None,
    )


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> InputError:
        return InputError(message, file=self.source, field=where or None)

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "must be a mapping")
        return value

    def text(self, m: dict[str, Any], key: str, where: str, *, optional: bool = False) -> str:
        value = m.get(key)
        if value is None and optional:
            return ""
        if not isinstance(value, str):
            raise self.fail(f"{where}.{key}", "must be text")
        return value

    def choice(self, m: dict[str, Any], key: str, where: str, allowed: set[str]) -> str:
        value = self.text(m, key, where)
        if value not in allowed:
            raise self.fail(
                f"{where}.{key}", f"unknown value {value!r} (one of {', '.join(sorted(allowed))})"
            )
        return value

    def time(
        self, m: dict[str, Any], key: str, where: str, *, optional: bool = False
    ) -> datetime | None:
        value = m.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, str):
            raise self.fail(f"{where}.{key}", "must be an ISO 8601 time")
        try:
            t = datetime.fromisoformat(value)
        except ValueError:
            raise self.fail(f"{where}.{key}", f"not an ISO 8601 time: {value!r}") from None
        return t if t.tzinfo else t.replace(tzinfo=UTC)

    def host(self, value: Any, where: str) -> HostRecord:
        h = self.mapping(value, where)
        findings = h.get("findings", [])
        if not isinstance(findings, list):
            raise self.fail(f"{where}.findings", "must be a list")
        duration = h.get("duration_s", 0.0)
        return HostRecord(
            name=self.text(h, "name", where),
            address=self.text(h, "address", where, optional=True),
            segment=self.text(h, "segment", where, optional=True),
            zone=self.choice(h, "zone", where, _ZONES),
            os=self.text(h, "os", where, optional=True),
            department=self.text(h, "department", where, optional=True),
            owner=self.text(h, "owner", where, optional=True),
            location=self.text(h, "location", where, optional=True),
            status=self.choice(h, "status", where, _HOST_STATUSES),
            detail=self.text(h, "detail", where, optional=True),
            duration_s=float(duration) if isinstance(duration, int | float) else 0.0,
            findings=[self.finding(f, f"{where}.findings[{i}]") for i, f in enumerate(findings)],
        )

    def finding(self, value: Any, where: str) -> FindingRecord:
        f = self.mapping(value, where)
        evidence = f.get("evidence", {})
        args = f.get("args", {})
        # A waived finding that does not say who approved it until when is no exception, just a
        # hidden failure (an edited document): refuse it rather than show it as excused.
        if f.get("status") == FindingStatus.WAIVED and not f.get("waiver"):
            raise self.fail(f"{where}.waiver", "a waived finding must name its waiver")
        return FindingRecord(
            check=self.text(f, "check", where),
            category=self.text(f, "category", where),
            status=self.choice(f, "status", where, _FINDING_STATUSES),
            severity=self.choice(f, "severity", where, _SEVERITIES),
            title=self.text(f, "title", where, optional=True),
            message=self.text(f, "message", where, optional=True),
            remediation=self.text(f, "remediation", where, optional=True),
            evidence=evidence if isinstance(evidence, dict) else {"value": evidence},
            reason=self.text(f, "reason", where, optional=True),
            args=args if isinstance(args, dict) else {},
            waiver=self.waiver(f["waiver"], f"{where}.waiver") if f.get("waiver") else None,
        )

    def integer(self, m: dict[str, Any], key: str, where: str) -> int:
        value = m.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"{where}.{key}", "must be a whole number")
        return value

    def waiver(self, value: Any, where: str) -> WaiverRecord:
        w = self.mapping(value, where)
        found = w.get("findings", [])
        if not isinstance(found, list):
            raise self.fail(f"{where}.findings", "must be a list")
        pairs = []
        for i, item in enumerate(found):
            m = self.mapping(item, f"{where}.findings[{i}]")
            pairs.append(
                (self.text(m, "host", f"{where}.findings[{i}]"),
                 self.text(m, "check", f"{where}.findings[{i}]"))
            )  # fmt: skip
        return WaiverRecord(
            reason=self.text(w, "reason", where),
            approver=self.text(w, "approver", where),
            approved=self.text(w, "approved", where),
            expires=self.text(w, "expires", where),
            host=self.text(w, "host", where, optional=True),
            check=self.text(w, "check", where, optional=True),
            id=self.text(w, "id", where, optional=True),
            ticket=self.text(w, "ticket", where, optional=True),
            file=self.text(w, "file", where, optional=True),
            line=self.integer(w, "line", where),
            matched=self.integer(w, "matched", where),
            findings=pairs,
        )

    def waivers(self, value: Any, where: str) -> WaiversBlock:
        b = self.mapping(value, where)
        counts = self.mapping(b.get("counts", {}), f"{where}.counts")

        def listed(key: str) -> list[WaiverRecord]:
            items = b.get(key, [])
            if not isinstance(items, list):
                raise self.fail(f"{where}.{key}", "must be a list")
            return [self.waiver(w, f"{where}.{key}[{i}]") for i, w in enumerate(items)]

        return WaiversBlock(
            path=self.text(b, "path", where, optional=True),
            sha256=self.text(b, "sha256", where, optional=True),
            today=self.text(b, "today", where, optional=True),
            counts={k: self.integer(counts, k, f"{where}.counts") for k in counts},
            expired=listed("expired"),
            expired_unused=listed("expired_unused"),
            not_yet_valid=listed("not_yet_valid"),
            unused=listed("unused"),
        )

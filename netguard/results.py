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
        )

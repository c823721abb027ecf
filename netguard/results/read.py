"""Read a results document (``netguard audit --format json``) back for reports and checklists.

The document may have been copied around, edited or truncated: it is validated field by field
and every problem names the file and the field (``hosts[3].findings[0].status``). Everything in
it that came from an audited host stays untrusted text; renderers escape it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from netguard.errors import InputError
from netguard.model import FindingStatus, HostStatus, Severity, Zone
from netguard.results.records import (
    CollectorRecord,
    Duplicate,
    FindingRecord,
    HostRecord,
    Results,
    WaiverRecord,
    WaiversBlock,
)
from netguard.results.summary import SCHEMA

_HOST_STATUSES = {str(s) for s in HostStatus}
_FINDING_STATUSES = {str(s) for s in FindingStatus}
_SEVERITIES = {str(s) for s in Severity}
_ZONES = {str(z) for z in Zone}
#: a host entry's ``kind``: absent for an audited host (model.Host.kind)
_KINDS = {"device", "unregistered"}


#: where each host of a document goes once it is validated (fold_results)
HostSink = Callable[[HostRecord], None]


def load_results(path: str | Path) -> Results:
    return parse_results(read_document(path), str(path))


def fold_results(path: str | Path, start: Callable[[], HostSink]) -> Results:
    """``load_results`` host by host, in the memory of one host whatever the fleet: each host,
    validated, goes to the function ``start()`` gives, in the document's order, and nothing
    keeps it — the Results returned has no hosts. A document laid out as netguard writes it
    (``results.stream``) is read one host entry at a time; any other layout is read whole as
    ``load_results`` reads it, after calling ``start`` again: the hosts given before are to be
    forgotten. Problems are the same InputError as load_results (naming file and field)."""
    from netguard.results.stream import scan_written

    source = str(path)
    fold = _Fold(source)
    sink = start()
    try:
        top = scan_written(path, lambda h: sink(fold.host(h)), fold.head)
    except (OSError, ValueError):  # not laid out so, not there, not UTF-8: read it whole
        return fold_document(read_document(path), source, start())
    return fold.finish(top)


def fold_document(doc: Any, source: str, sink: HostSink) -> Results:
    """``parse_results`` host by host: a document already in memory (the history's) gives its
    hosts to ``sink`` one at a time instead of as a list of records (see fold_results)."""
    fold = _Fold(source)
    top = fold.head(doc)
    hosts_raw = top.get("hosts")
    if not isinstance(hosts_raw, list):
        raise InputError("must be a list", file=source, field="hosts")
    collectors = fold.collectors(top)  # checked before the hosts, as parse_results does
    for h in hosts_raw:
        sink(fold.host(h))
    return fold.finish(top, collectors)


def read_document(path: str | Path) -> Any:
    """A results file's JSON, not yet validated (parse_results does that)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("results file not found", file=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read results: {exc}", file=path) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not JSON: {exc.msg}", file=path, line=exc.lineno) from None


def parse_results(doc: Any, source: str = "<results>") -> Results:
    hosts: list[HostRecord] = []
    results = fold_document(doc, source, hosts.append)
    results.hosts = hosts
    return results


class _Fold:
    """A document validated block by block: ``head`` (schema, run), each ``host`` in order
    (with what the whole list must satisfy: unique names, known collectors), ``finish``."""

    def __init__(self, source: str) -> None:
        self.r = _Reader(source)
        self.names: set[str] = set()
        self.count = 0
        #: collector id → the first host naming it (checked once the collectors are known)
        self.collector_of: dict[str, int] = {}

    def head(self, doc: Any) -> dict[str, Any]:
        top = self.r.mapping(doc, "")
        schema = top.get("schema")
        if schema != SCHEMA:
            raise InputError(
                f"not a netguard results document (schema {schema!r}, expected {SCHEMA!r})",
                file=self.r.source,
                field="schema",
            )
        self.r.mapping(top.get("run"), "run")
        return top

    def collectors(self, top: dict[str, Any]) -> list[CollectorRecord]:
        return self.r.collectors(top["collectors"]) if top.get("collectors") is not None else []

    def host(self, value: Any) -> HostRecord:
        i = self.count
        h = self.r.host(value, f"hosts[{i}]")
        if h.name in self.names:  # history rows and report anchors are keyed by name
            raise self.r.fail(f"hosts[{i}].name", f"duplicate host {h.name!r}")
        self.names.add(h.name)
        self.collector_of.setdefault(h.collector, i)
        self.count += 1
        return h

    def finish(
        self, top: dict[str, Any], collectors: list[CollectorRecord] | None = None
    ) -> Results:
        r = self.r
        if collectors is None:
            collectors = self.collectors(top)
        if collectors or any(self.collector_of):
            # every host of a merged document names one of its collectors
            ids = {c.id for c in collectors}
            unknown = [i for c, i in self.collector_of.items() if c not in ids]
            if unknown:
                i = min(unknown)
                name = next(c for c, j in self.collector_of.items() if j == i)
                raise r.fail(
                    f"hosts[{i}].collector", f"names no collector of the document: {name!r}"
                )
        run = r.mapping(top.get("run"), "run")
        return Results(
            path=r.source,
            run_id=r.text(run, "id", "run"),
            started=r.required_time(run, "started", "run"),
            finished=r.time(run, "finished", "run", optional=True),
            inventory=r.mapping(run.get("inventory", {}), "run.inventory"),
            policy=r.mapping(run.get("policy", {}), "run.policy"),
            netguard_version=str(top.get("netguard_version", "")),
            hosts=[],
            waivers=r.waivers(top["waivers"], "waivers")
            if top.get("waivers") is not None
            else None,
            network=r.mapping(top["network"], "network")
            if top.get("network") is not None
            else None,
            limit=r.texts(run, "limit", "run"),
            collectors=collectors,
            duplicates=r.duplicates(top["duplicates"]) if top.get("duplicates") is not None else [],
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

    def required_time(self, m: dict[str, Any], key: str, where: str) -> datetime:
        t = self.time(m, key, where)
        assert t is not None  # time() refuses a missing value unless optional
        return t

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
            kind=self.choice(h, "kind", where, _KINDS) if "kind" in h else "",
            detail_reason=self.text(h, "detail_reason", where, optional=True),
            detail_args=self.mapping(h["detail_args"], f"{where}.detail_args")
            if h.get("detail_args") is not None
            else {},
            hostname=self.text(h, "hostname", where, optional=True),
            collector=self.text(h, "collector", where, optional=True),
            inventory_name=self.text(h, "inventory_name", where, optional=True),
        )

    def collectors(self, value: Any) -> list[CollectorRecord]:
        """A merged document's ``collectors`` (docs/results-schema.md, "Merged documents")."""
        if not isinstance(value, list):
            raise self.fail("collectors", "must be a list")
        out: list[CollectorRecord] = []
        for i, item in enumerate(value):
            where = f"collectors[{i}]"
            c = self.mapping(item, where)
            signer = self.mapping(c.get("signer") or {}, f"{where}.signer")
            trusted = c.get("trusted")
            if trusted is not None and not isinstance(trusted, bool):
                raise self.fail(f"{where}.trusted", "must be true, false or null")
            hosts = self.integer(c, "hosts", where)
            if hosts < 0:
                raise self.fail(f"{where}.hosts", "must not be negative")
            record = CollectorRecord(
                id=self.text(c, "id", where),
                bundle=self.text(c, "bundle", where),
                run_id=self.text(c, "run_id", where),
                started=self.required_time(c, "started", where),
                finished=self.time(c, "finished", where, optional=True),
                inventory=self.mapping(c.get("inventory", {}), f"{where}.inventory"),
                policy=self.mapping(c.get("policy", {}), f"{where}.policy"),
                hosts=hosts,
                signature=self.choice(c, "signature", where, {"valid", "missing"}),
                signer_name=self.text(signer, "name", f"{where}.signer", optional=True),
                signer_fingerprint=self.text(
                    signer, "fingerprint", f"{where}.signer", optional=True
                ),
                trusted=trusted,
                kind=self.text(c, "kind", where, optional=True) or "audit",
                limit=self.texts(c, "limit", where),
            )
            if not record.id or any(o.id == record.id for o in out):
                raise self.fail(f"{where}.id", f"empty or duplicate collector id {record.id!r}")
            out.append(record)
        return out

    def duplicates(self, value: Any) -> list[Duplicate]:
        if not isinstance(value, list):
            raise self.fail("duplicates", "must be a list")
        out: list[Duplicate] = []
        for i, item in enumerate(value):
            where = f"duplicates[{i}]"
            d = self.mapping(item, where)
            out.append(
                Duplicate(
                    kind=self.choice(d, "kind", where, {"name", "address"}),
                    value=self.text(d, "value", where),
                    hosts=list(self.texts(d, "hosts", where)),
                    collectors=list(self.texts(d, "collectors", where)),
                )
            )
        return out

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
            references=self.texts(f, "references", where),
            titles=self.by_language(f, "titles", where),
            remediations=self.by_language(f, "remediations", where),
        )

    def by_language(self, m: dict[str, Any], key: str, where: str) -> dict[str, str]:
        """An optional mapping of language → text (absent: empty)."""
        value = m.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise self.fail(f"{where}.{key}", "must be a mapping of language to text")
        return dict(value)

    def texts(self, m: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
        """An optional list of text (absent: empty)."""
        value = m.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{where}.{key}", "must be a list of text")
        return tuple(value)

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

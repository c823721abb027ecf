"""The inspection record in one language, as plain strings (cleaned, never marked safe)."""

from __future__ import annotations

import shlex
import string
from collections import Counter
from datetime import datetime, tzinfo
from typing import Any

from netguard import __version__
from netguard.i18n import Catalog, catalog, host_detail_text
from netguard.model import FindingStatus, Verdict
from netguard.render.text import clean
from netguard.results import FindingRecord
from netguard.spotcheck.record.model import (
    CELL_CAP,
    DETAIL_CAP,
    DIGEST_PREFIX,
    PATH_CAP,
    InspectionRecord,
    RecordHost,
    SamplingMethod,
    rederive_command,
)

# --- one language ------------------------------------------------------------------------------


def record_view(record: InspectionRecord, lang: str, tz: tzinfo | None = None) -> dict[str, Any]:
    """The record in one language, as plain strings (cleaned, not escaped). tz: the zone times
    are shown in; None is the system's local zone."""
    t = catalog(lang)
    none = t("record.fmt.none")
    policy = clean(record.policy_name, CELL_CAP) or none
    inventory = clean(record.inventory_path, PATH_CAP) or none
    tool = clean(record.netguard_version, 40) or none
    return {
        "lang": lang,
        "title": t("record.title"),
        "unsigned": not record.signed,
        "meta": [
            (t("record.meta.unit"), clean(record.inspected_unit, CELL_CAP) or _blank(t)),
            (t("record.meta.organization"), clean(record.organization, CELL_CAP) or _blank(t)),
            (t("record.meta.inspector"), clean(record.inspector, CELL_CAP) or _blank(t)),
            (t("record.meta.time"), _time_range(t, record.started, record.finished, tz)),
            (t("record.meta.timezone"), _zone(t, record.started, tz)),
            (t("record.meta.kind"), t(f"record.kind.{record.kind}")),
            (t("record.meta.run_id"), clean(record.run_id, CELL_CAP) or none),
            (t("record.meta.basis"), t("basis.standards")),
            (t("record.meta.policy"), _with_digest(t, policy, record.policy_sha256)),
            (t("record.meta.inventory"), _with_digest(t, inventory, record.inventory_sha256)),
            (t("record.meta.tool"), t("record.meta.tool_value", version=tool)),
        ],
        "method": _method(t, record),
        "summary": _summary(t, record),
        "hosts": [_host(t, h, i) for i, h in enumerate(record.hosts, start=1)],
        "findings": [_host_findings(t, h) for h in record.hosts if h.problems or not h.audited],
        "evidence": _evidence(t, record),
        "signoff": [
            {"role": t("record.signoff.inspector"), "name": clean(record.inspector, CELL_CAP)},
            {"role": t("record.signoff.unit_head"), "name": ""},
            {"role": t("record.signoff.escort"), "name": ""},
        ],
        "page_css": _page_css(t),
        "footer": t(
            "record.footer",
            version=__version__,
            run_id=clean(record.run_id, 80) or none,
        ),
        "version": __version__,
    }


def _blank(t: Catalog) -> str:
    """A field the command left empty is a line to fill in by hand."""
    return t("record.fmt.blank")


def _local(dt: datetime, tz: tzinfo | None) -> datetime:
    return dt.astimezone(tz)  # tz None: the system's local zone


def _zone(t: Catalog, start: datetime, tz: tzinfo | None) -> str:
    """The record's one zone, said once: the times above carry no zone of their own."""
    return t.time_zone(_local(start, tz).tzinfo, start)


def _time_range(t: Catalog, start: datetime, end: datetime | None, tz: tzinfo | None) -> str:
    s = _local(start, tz)
    if end is None:
        return t("record.meta.time_open", start=t.datetime(s, zone=False))
    e = _local(end, tz)
    same_day = e.date() == s.date()
    end_text = e.strftime(t("record.fmt.time_format")) if same_day else t.datetime(e, zone=False)
    return t("record.meta.time_range", start=t.datetime(s, zone=False), end=end_text)


def _with_digest(t: Catalog, what: str, sha256: str) -> str:
    digest = clean(sha256, 100)
    return t("record.fmt.with_digest", what=what, sha256=digest) if digest else what


def _method(t: Catalog, record: InspectionRecord) -> dict[str, Any]:
    m = record.method
    if m is None:
        return {
            "heading": t("record.method.inspect_heading"),
            "inspect": t("record.method.inspect"),
        }
    if m.by:
        stratification = t(
            "record.method.by_value", by=t(f"record.by.{m.by}"), min=m.min_per_stratum
        )
    else:
        stratification = t("record.method.by_none")
    inventory = clean(record.inventory_path, PATH_CAP) or t("record.method.inventory_placeholder")
    return {
        "heading": t("record.method.heading"),
        "inspect": "",
        "rows": [
            *_population(t, m),
            (t("record.method.requested"), clean(m.requested, 40), ""),
            (t("record.method.drawn"), t("record.fmt.computers", count=m.drawn), ""),
            (t("record.method.stratification"), stratification, ""),
            (t("record.method.seed"), clean(m.seed, CELL_CAP), "mono"),
            (t("record.method.algorithm"), _algorithm(t, m.algorithm), "mono"),
        ],
        "grown": t("record.method.grown", drawn=m.drawn) if m.grown else "",
        # Without stratification the sampler has one stratum, the whole inventory ("all"):
        # the rows above already say it, a one-row table would only show its internal name.
        "strata": [
            {
                "name": _stratum_name(t, m.by, s.name),
                "population": s.population,
                "drawn": s.drawn,
            }
            for s in m.strata
        ]
        if m.by
        else [],
        "strata_total": {"population": sum(s.population for s in m.strata), "drawn": m.drawn},
        "reproducible": t("record.method.reproducible"),
        "command": clean(rederive_command(m, inventory), 1000),
    }


def _population(t: Catalog, m: SamplingMethod) -> list[tuple[str, str, str]]:
    """What the sample was drawn from: the inventory's computers, or those --limit chose (and
    how many the inventory has)."""
    count = t("record.fmt.computers", count=m.population)
    if not m.limit:
        return [(t("record.method.population"), count, "")]
    patterns = t("common.list_separator").join(clean(p, CELL_CAP) for p in m.limit)
    return [
        (t("record.method.population_limited"), count, ""),
        (
            t("record.method.limit"),
            t("record.method.limit_value", patterns=patterns, registered=m.inventory_hosts),
            "",
        ),
    ]


def _algorithm(t: Catalog, algorithm: str) -> str:
    """The sampling algorithm: its identifier, described in this language when the catalog
    knows it (the sampler's own description is English)."""
    ident = algorithm.split(" ", 1)[0]
    return t.get(f"record.method.algorithms.{ident}", clean(algorithm, CELL_CAP))


def _stratum_name(t: Catalog, by: str | None, name: str) -> str:
    if not name:
        return t("record.fmt.not_recorded")
    if by == "zone":
        return t.get(f"zone.{name}", clean(name, CELL_CAP))
    return clean(name, CELL_CAP)


def _summary(t: Catalog, record: InspectionRecord) -> dict[str, Any]:
    hosts = len(record.hosts)
    audited = sum(1 for h in record.hosts if h.audited)
    counts = Counter(Verdict(h.verdict) for h in record.hosts)
    coverage = t("record.fmt.percent", value=audited / hosts * 100) if hosts else _none(t)
    sentence = (
        t(
            "record.summary.sentence",
            hosts=hosts,
            compliant=counts[Verdict.COMPLIANT],
            failing=counts[Verdict.FAILING],
            unknown=counts[Verdict.UNKNOWN],
            audited=audited,
            coverage=coverage,
        )
        if hosts
        else t("record.summary.empty")
    )
    return {
        "verdict": t.get(f"verdict.{record.verdict}", record.verdict),
        "verdict_id": record.verdict,
        "cells": [
            (t("record.summary.hosts"), str(hosts), ""),
            (t("record.summary.compliant"), str(counts[Verdict.COMPLIANT]), "compliant"),
            (t("record.summary.failing"), str(counts[Verdict.FAILING]), "failing"),
            (t("record.summary.unknown"), str(counts[Verdict.UNKNOWN]), "unknown"),
            (t("record.summary.coverage"), coverage, ""),
        ],
        "sentence": sentence,
    }


def _none(t: Catalog) -> str:
    return t("record.fmt.none")


def _title(t: Catalog, f: FindingRecord) -> str:
    own = f.titles.get(t.lang, f.title) or f.check  # a rule file's check names itself
    return t.get(f"checks.{f.check}.title", "") or clean(own, CELL_CAP)


def _severity(t: Catalog, f: FindingRecord) -> str:
    return t.get(f"severity.{f.severity}", f.severity)


#: How the host table names a finding that needs attention (record.hosts.problem_<key>).
_PROBLEM_KEYS = {
    str(FindingStatus.FAIL): "fail",
    str(FindingStatus.ERROR): "undecided",
    str(FindingStatus.WAIVED): "waived",
}


def _problem(t: Catalog, f: FindingRecord) -> dict[str, str]:
    key = _PROBLEM_KEYS.get(f.status, "fail")
    return {
        "text": t(f"record.hosts.problem_{key}", title=_title(t, f), severity=_severity(t, f)),
        "class": {"fail": f.severity, "undecided": "unknown", "waived": "muted"}[key],
    }


def _host(t: Catalog, h: RecordHost, number: int) -> dict[str, Any]:
    problems = [_problem(t, f) for f in h.problems]
    if not h.audited:
        status = t.get(f"host_status.{h.status}", h.status)
        not_audited = t("record.hosts.not_audited", status=status)
        problems.insert(0, {"text": not_audited, "class": "unknown"})
    digest = clean(h.raw_sha256, 100)
    return {
        "number": number,
        "name": clean(h.name, CELL_CAP),
        "address": clean(h.address, CELL_CAP),
        "department": clean(h.department, CELL_CAP) or t("record.fmt.not_recorded"),
        "owner": clean(h.owner, CELL_CAP) or t("record.fmt.not_recorded"),
        "location": clean(h.location, CELL_CAP) or t("record.fmt.not_recorded"),
        "zone": t.get(f"zone.{h.zone}", clean(h.zone, CELL_CAP)),
        "verdict": t.get(f"verdict.{h.verdict}", h.verdict),
        "verdict_id": h.verdict,
        "problems": problems,
        "digest": digest[:DIGEST_PREFIX] if digest else t("record.hosts.no_digest"),
    }


def _host_findings(t: Catalog, h: RecordHost) -> dict[str, Any]:
    not_audited = ""
    if not h.audited:
        status = t.get(f"host_status.{h.status}", h.status)
        detail = clean(host_detail_text(h, t), DETAIL_CAP)
        not_audited = (
            t("record.findings.not_audited_detail", status=status, detail=detail)
            if detail
            else t("record.findings.not_audited", status=status)
        )
    items = []
    for f in h.problems:
        w = f.waiver
        items.append(
            {
                "check": clean(f.check, CELL_CAP),
                "title": _title(t, f),
                "severity_id": f.severity,
                "qualifier": t(
                    "record.findings.qualifier",
                    severity=_severity(t, f),
                    status=t.get(f"finding_status.{f.status}", f.status),
                ),
                "message": clean(t.reason(f.reason, f.args, f.message), DETAIL_CAP),
                "waiver": t(
                    "record.findings.waiver",
                    reason=clean(w.reason, DETAIL_CAP),
                    approver=clean(w.approver, CELL_CAP),
                    expires=clean(w.expires, 40),
                )
                if w is not None
                else "",
            }
        )
    return {
        "name": clean(h.name, CELL_CAP),
        "address": clean(h.address, CELL_CAP) or t("record.fmt.not_recorded"),
        "not_audited": not_audited,
        "items": items,
    }


def _evidence(t: Catalog, record: InspectionRecord) -> dict[str, Any]:
    bundle = clean(record.bundle_name, PATH_CAP) or t("record.evidence.bundle_placeholder")
    keyfile = t("record.evidence.key_placeholder")
    signer = record.signer
    return {
        "bundle": clean(record.bundle_name, PATH_CAP) or _none(t),
        "signer": (
            {
                "text": t(
                    "record.evidence.signed_by",
                    name=clean(signer.name, CELL_CAP) or _none(t),
                    fingerprint=clean(signer.fingerprint, CELL_CAP),
                ),
                "fingerprint": clean(signer.fingerprint, CELL_CAP),
                "public_key": clean(signer.public_key, 2000),
            }
            if signer is not None
            else None
        ),
        "files": [
            {"path": clean(f.path, PATH_CAP), "sha256": clean(f.sha256, 100)} for f in record.files
        ],
        "hosts": [
            {"name": clean(name, CELL_CAP), "sha256": clean(digest, 100)}
            for name, digest in record.host_digests
        ],
        "verify": t("record.evidence.verify", keyfile=keyfile),
        "verify_command": shlex.join(["netguard", "verify", bundle, "--trusted-key", keyfile]),
        "sha256sum": t("record.evidence.sha256sum"),
        "sha256sum_command": shlex.join(["sha256sum", t("record.evidence.file_placeholder")]),
    }


def _page_css(t: Catalog) -> str:
    """Print margin boxes: the title on every page's foot, and "page x of y" — a signed record
    whose pages can be counted cannot lose or gain one unnoticed. Catalog text only (no host
    text), every character outside letters and digits CSS-escaped: safe inside <style>."""
    title = _css_string(t("record.title"))
    pages = _css_content(t("record.page"))
    return f"@page {{ @bottom-left {{ content: {title}; }} @bottom-right {{ content: {pages}; }} }}"


def _css_content(template: str) -> str:
    """A catalog template with {page} and {pages} as a CSS content value (strings, counters)."""
    parts = []
    for literal, name, _, _ in string.Formatter().parse(template):
        if literal:
            parts.append(_css_string(literal))
        if name is not None:
            if name not in ("page", "pages"):
                raise ValueError(f"record.page: unknown placeholder {name!r}")
            parts.append(f"counter({name})")
    return " ".join(parts)


def _css_string(text: str) -> str:
    return '"' + "".join(c if c.isalnum() or c == " " else f"\\{ord(c):06x}" for c in text) + '"'

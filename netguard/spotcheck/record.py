"""The inspection record (检查记录表): what an inspector checked, how the machines were chosen,
what was found, and the digests that tie the paper to the evidence bundle — printed and signed
on the spot.

Built from the parsed results document (never from hosts directly), plus what only the command
knows: who inspects whom, how the sample was drawn, the digests of the bundle's files, and the key
that signed it. ``build_record`` gathers that in no language; ``record_view`` turns it into plain
strings in one language (host and inventory text cleaned of control characters, capped); the
template escapes it. Nothing from a host or the inventory is ever marked safe.
"""

from __future__ import annotations

import shlex
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from netguard import __version__
from netguard.errors import InputError
from netguard.i18n import LANGS, Catalog, catalog
from netguard.model import FindingStatus, HostStatus
from netguard.render.files import write_atomic
from netguard.render.html import environment
from netguard.render.text import clean
from netguard.results import FindingRecord, Results

KINDS = ("spot-check", "inspect")
FORMATS = ("html", "pdf")
STRATA_BY = ("department", "segment", "zone")
VERDICTS = ("compliant", "failing", "unknown")
DIGEST_PREFIX = 16  # hex characters of a raw-output digest in the host table; evidence has all
CELL_CAP = 200  # characters of host text per cell (names, owners, rooms)
DETAIL_CAP = 500  # a finding's message, a host's "why not audited"
PATH_CAP = 400  # a file path in the evidence section

_FAIL = str(FindingStatus.FAIL)
_ERROR = str(FindingStatus.ERROR)
_WAIVED = str(FindingStatus.WAIVED)


@dataclass(frozen=True)
class StratumRow:
    """One stratum of the sampling frame: how many machines it has and how many were drawn."""

    name: str  # a department, segment or zone id, as the inventory has it ("" if not recorded)
    population: int
    drawn: int


@dataclass(frozen=True)
class SamplingMethod:
    """How a spot check's machines were chosen, as plainly as a reviewer needs to redo it."""

    population: int  # machines in the inventory the sample was drawn from
    requested: str  # as the inspector asked: "10" or "10%"
    by: str | None  # department | segment | zone | None (no stratification)
    seed: str
    algorithm: str  # e.g. "netguard.sample/1 (HMAC-SHA256 ranks, largest remainder)"
    min_per_stratum: int
    strata: tuple[StratumRow, ...]
    grown: bool  # the per-stratum minimums added up to more than the requested size

    @property
    def drawn(self) -> int:
        return sum(s.drawn for s in self.strata)


@dataclass(frozen=True)
class Signer:
    """The key that signed the evidence bundle."""

    name: str
    fingerprint: str  # "SHA256:…" as ssh-keygen -lf prints it
    public_key: str = ""  # the public key line, when the record should carry it


@dataclass(frozen=True)
class FileDigest:
    path: str  # inside the bundle
    sha256: str


@dataclass(frozen=True)
class RecordHost:
    """One inspected machine: its inventory facts, verdict, problems and raw-output digest."""

    name: str
    address: str
    segment: str
    zone: str
    department: str
    owner: str
    location: str
    status: str  # a HostStatus value
    detail: str  # why it was not audited (transport's one line)
    verdict: str  # failing | unknown | compliant
    problems: tuple[FindingRecord, ...]  # failing (worst first), undecided, waived
    raw_sha256: str  # sha256 of its raw collected output; "" when none was collected

    @property
    def audited(self) -> bool:
        return self.status == HostStatus.AUDITED


@dataclass(frozen=True)
class InspectionRecord:
    """Everything the record shows, in no language."""

    kind: str  # spot-check | inspect
    inspector: str
    organization: str
    inspected_unit: str
    method: SamplingMethod | None  # None for inspect
    run_id: str
    started: datetime
    finished: datetime | None
    policy_name: str
    policy_sha256: str
    inventory_path: str
    inventory_sha256: str
    hosts: tuple[RecordHost, ...]
    files: tuple[FileDigest, ...]
    host_digests: tuple[tuple[str, str], ...]  # (host, sha256): the results' hosts, then others
    signer: Signer | None
    bundle_name: str
    netguard_version: str  # of the run that produced the results

    @property
    def signed(self) -> bool:
        return self.signer is not None

    @property
    def verdict(self) -> str:
        """failing if any host fails; unknown if any host is unknown or none was checked."""
        verdicts = {h.verdict for h in self.hosts}
        if "failing" in verdicts:
            return "failing"
        if "unknown" in verdicts or not self.hosts:
            return "unknown"
        return "compliant"


def build_record(
    results: Results,
    *,
    kind: str,
    inspector: str,
    organization: str,
    inspected_unit: str,
    method: SamplingMethod | None,
    host_digests: Mapping[str, str],
    file_digests: Sequence[tuple[str, str]],
    signer: Signer | None,
    bundle_name: str,
) -> InspectionRecord:
    """The record of one spot check or inspection. A spot check needs its sampling method; an
    inspection (one machine, chosen by the inspector standing in front of it) has none."""
    if kind not in KINDS:
        raise ValueError(f"unknown record kind {kind!r} (one of {', '.join(KINDS)})")
    if (kind == "spot-check") != (method is not None):
        raise ValueError(f"a {kind} record {'needs' if method is None else 'takes no'} method")
    if method is not None and method.by is not None and method.by not in STRATA_BY:
        raise ValueError(f"unknown stratification {method.by!r} (one of {', '.join(STRATA_BY)})")
    hosts = tuple(
        RecordHost(
            name=h.name,
            address=h.address,
            segment=h.segment,
            zone=h.zone,
            department=h.department,
            owner=h.owner,
            location=h.location,
            status=h.status,
            detail=h.detail,
            verdict=h.verdict,
            problems=(
                *sorted(h.failing, key=lambda f: -f.severity_rank),
                *h.undecided,
                *h.waived,
            ),
            raw_sha256=host_digests.get(h.name, ""),
        )
        for h in results.hosts
    )
    named = {h.name for h in hosts}
    digests = [(h.name, h.raw_sha256) for h in hosts if h.raw_sha256]
    digests += sorted((n, d) for n, d in host_digests.items() if n not in named)
    return InspectionRecord(
        kind=kind,
        inspector=inspector,
        organization=organization,
        inspected_unit=inspected_unit,
        method=method,
        run_id=results.run_id,
        started=results.started,
        finished=results.finished,
        policy_name=str(results.policy.get("name", "")),
        policy_sha256=str(results.policy.get("sha256", "")),
        inventory_path=str(results.inventory.get("path", "")),
        inventory_sha256=str(results.inventory.get("sha256", "")),
        hosts=hosts,
        files=tuple(FileDigest(p, d) for p, d in file_digests),
        host_digests=tuple(digests),
        signer=signer,
        bundle_name=bundle_name,
        netguard_version=results.netguard_version,
    )


# --- one language ------------------------------------------------------------------------------


def rederive_command(method: SamplingMethod, inventory: str) -> str:
    """The command that draws the same sample again from the same inventory (shell-quoted)."""
    argv = ["netguard", "spot-check", inventory, "--sample", method.requested]
    if method.by:
        argv += ["--by", method.by, "--min-per-stratum", str(method.min_per_stratum)]
    argv += ["--seed", method.seed, "--plan"]
    return shlex.join(argv)


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
            (t("record.meta.kind"), t(f"record.kind.{record.kind}")),
            (t("record.meta.run_id"), clean(record.run_id, CELL_CAP) or none),
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


def _time_range(t: Catalog, start: datetime, end: datetime | None, tz: tzinfo | None) -> str:
    s = _local(start, tz)
    if end is None:
        return t("record.meta.time_open", start=t.datetime(s))
    e = _local(end, tz)
    end_text = e.strftime(t("record.fmt.time_format")) if e.date() == s.date() else t.datetime(e)
    return t("record.meta.time_range", start=t.datetime(s), end=end_text)


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
            (t("record.method.population"), t("record.fmt.computers", count=m.population), ""),
            (t("record.method.requested"), clean(m.requested, 40), ""),
            (t("record.method.drawn"), t("record.fmt.computers", count=m.drawn), ""),
            (t("record.method.stratification"), stratification, ""),
            (t("record.method.seed"), clean(m.seed, CELL_CAP), "mono"),
            (t("record.method.algorithm"), clean(m.algorithm, CELL_CAP), "mono"),
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


def _stratum_name(t: Catalog, by: str | None, name: str) -> str:
    if not name:
        return t("record.fmt.not_recorded")
    if by == "zone":
        return t.get(f"zone.{name}", clean(name, CELL_CAP))
    return clean(name, CELL_CAP)


def _summary(t: Catalog, record: InspectionRecord) -> dict[str, Any]:
    hosts = len(record.hosts)
    audited = sum(1 for h in record.hosts if h.audited)
    counts = {v: sum(1 for h in record.hosts if h.verdict == v) for v in VERDICTS}
    coverage = t("record.fmt.percent", value=audited / hosts * 100) if hosts else _none(t)
    sentence = (
        t(
            "record.summary.sentence",
            hosts=hosts,
            compliant=counts["compliant"],
            failing=counts["failing"],
            unknown=counts["unknown"],
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
            (t("record.summary.compliant"), str(counts["compliant"]), "compliant"),
            (t("record.summary.failing"), str(counts["failing"]), "failing"),
            (t("record.summary.unknown"), str(counts["unknown"]), "unknown"),
            (t("record.summary.coverage"), coverage, ""),
        ],
        "sentence": sentence,
    }


def _none(t: Catalog) -> str:
    return t("record.fmt.none")


def _title(t: Catalog, f: FindingRecord) -> str:
    return t.get(f"checks.{f.check}.title", "") or clean(f.title or f.check, CELL_CAP)


def _severity(t: Catalog, f: FindingRecord) -> str:
    return t.get(f"severity.{f.severity}", f.severity)


def _problem(t: Catalog, f: FindingRecord) -> dict[str, str]:
    key = {_FAIL: "fail", _ERROR: "undecided", _WAIVED: "waived"}.get(f.status, "fail")
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
        detail = clean(h.detail, DETAIL_CAP)
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
        "verify_command": shlex.join(["netguard", "verify", bundle, "--key", keyfile]),
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


# --- HTML and PDF ------------------------------------------------------------------------------


def render_record_html(record: InspectionRecord, lang: str, tz: tzinfo | None = None) -> str:
    """The record as one self-contained, printable HTML page (A4)."""
    view = record_view(record, lang, tz)
    template = environment().get_template("record.html.j2")
    return template.render(v=view, t=catalog(lang), version=view["version"])


def write_record(
    record: InspectionRecord,
    fmt: str,
    lang: str,
    path: str | Path,
    tz: tzinfo | None = None,
) -> Path:
    """Write the record to path as HTML or PDF, whole or not at all. PDF needs Chromium
    (RenderError when there is none or it fails; no file is written then)."""
    if fmt not in FORMATS:
        raise InputError(f"unknown record format {fmt!r} (one of {', '.join(FORMATS)})")
    if lang not in LANGS:
        raise InputError(f"unknown language {lang!r} (one of {', '.join(LANGS)})")
    path = Path(path)
    html = render_record_html(record, lang, tz)
    if fmt == "html":
        write_atomic(path, html)
    else:
        from netguard.render.pdf import html_to_pdf

        html_to_pdf(html, path)
    return path

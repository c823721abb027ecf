"""The results document read back: typed records for reports, checklists and records.

Everything in them that came from an audited host stays untrusted text; renderers escape it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from netguard.model import FindingStatus, HostStatus, Severity, Verdict, host_verdict


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
    #: the standards the check answers to ("GB/T 22239-2019 8.1.4.5"); () in older results
    references: tuple[str, ...] = ()
    #: a rule file's check: title and remediation per language ({} for built-in checks,
    #: whose words are in the catalogs, and in older results)
    titles: dict[str, str] = field(default_factory=dict)
    remediations: dict[str, str] = field(default_factory=dict)

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
    #: "" an audited host; "device" a registered device seen only by the network sweep;
    #: "unregistered" a device the sweep found that no inventory entry registers
    kind: str = ""
    #: the detail as a message id (``host_detail.<id>``) and its language-neutral arguments;
    #: "" and {} in results written before they existed (``detail`` is the English text)
    detail_reason: str = ""
    detail_args: dict[str, Any] = field(default_factory=dict)
    #: the DNS name the inventory gave (``address`` is what it resolved to; "" when it did not
    #: resolve); "" for a host given by its address, and in results written before names
    hostname: str = ""
    #: a merged document's (``netguard merge``): the id of the collector that audited the host,
    #: in ``Results.collectors``; "" in a single run's document
    collector: str = ""
    #: a merged document's host renamed because another collector has a host of the same name:
    #: its name in its own inventory ("" when not renamed)
    inventory_name: str = ""

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
    def verdict(self) -> Verdict:
        """The same rule as the audit's exit status (model.host_verdict)."""
        return host_verdict(self.status, [f.status for f in self.findings])


@dataclass(slots=True)
class CollectorRecord:
    """One collector of a merged document (``collectors[]``): the evidence bundle its hosts came
    from, who signed it, and the run it recorded — the inventory, the policy and the time."""

    id: str
    bundle: str
    run_id: str
    started: datetime
    finished: datetime | None
    inventory: dict[str, Any]
    policy: dict[str, Any]
    hosts: int
    signature: str  # valid | missing (an invalid one is never merged)
    signer_name: str = ""
    signer_fingerprint: str = ""
    #: True: signed by a --trusted-key key; None: unsigned, or no trusted key was given
    trusted: bool | None = None
    kind: str = "audit"
    limit: tuple[str, ...] = ()

    @property
    def verified(self) -> bool:
        """Signed by a key the merge trusted: the collector's authorship is established."""
        return self.signature == "valid" and self.trusted is True


@dataclass(slots=True)
class Duplicate:
    """Hosts of several collectors sharing a name (renamed ``NAME@COLLECTOR``) or an address
    (kept as they are: isolated networks may reuse addresses)."""

    kind: str  # name | address
    value: str
    hosts: list[str]  # the hosts' names in the merged document
    collectors: list[str]


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
    #: the ``network`` block (what the sweep swept, skipped and heard); None without a sweep
    network: dict[str, Any] | None = None
    #: ``run.limit``: the ``--limit`` patterns of a run of part of the inventory; () otherwise
    limit: tuple[str, ...] = ()
    #: a merged document's collectors (``netguard merge``); [] for a single run's document
    collectors: list[CollectorRecord] = field(default_factory=list)
    #: a merged document's hosts that share a name or an address across collectors
    duplicates: list[Duplicate] = field(default_factory=list)

    @property
    def merged(self) -> bool:
        return bool(self.collectors)

    def collector(self, id: str) -> CollectorRecord | None:
        return next((c for c in self.collectors if c.id == id), None)

    @property
    def detected(self) -> datetime:
        """When the findings were known: the end of the run (its start if it never ended)."""
        return self.finished or self.started

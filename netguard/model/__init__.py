"""The nouns of netguard: frozen dataclasses and the enums that replace loose strings."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Zone(StrEnum):
    INTRANET = "intranet"
    EXTRANET = "extranet"
    DEDICATED = "dedicated"
    INTERNET = "internet"
    CLASSIFIED = "classified"


#: Zones that must be physically isolated from the internet (物理隔离).
ISOLATED_ZONES = frozenset({Zone.INTRANET, Zone.CLASSIFIED})


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {s: i for i, s in enumerate(Severity)}


class HostStatus(StrEnum):
    AUDITED = "audited"
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"
    AUTH_FAILED = "auth_failed"
    HOSTKEY_UNKNOWN = "hostkey_unknown"
    HOSTKEY_MISMATCH = "hostkey_mismatch"
    ERROR = "error"
    #: the inventory names the host by a DNS name that did not resolve (to an address in its
    #: segment) when the run started: not contacted, so unknown — never compliant
    UNRESOLVED = "unresolved"


class FindingStatus(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    NOT_APPLICABLE = "not_applicable"
    #: a failing finding an approved, unexpired waiver covers (netguard/waivers): still shown,
    #: never counted as failing; only FAIL can become WAIVED
    WAIVED = "waived"


class Verdict(StrEnum):
    """What a host (or a whole run) comes to; members worst first."""

    FAILING = "failing"
    UNKNOWN = "unknown"
    COMPLIANT = "compliant"


# The verdict rule, once: failing beats unknown beats compliant. Statuses arrive as enum members
# (a run in memory) or as their text (a results document); StrEnum compares equal to both.


def is_failing(finding_statuses: Collection[str]) -> bool:
    """A check failed. A WAIVED finding is an approved exception, not a failure."""
    return FindingStatus.FAIL in finding_statuses


def is_undecided(host_status: str, finding_statuses: Collection[str]) -> bool:
    """Could not be decided: a host that was not audited, or a check that errored (an ERROR
    finding is never waived, so an undecided check stays undecided)."""
    return host_status != HostStatus.AUDITED or FindingStatus.ERROR in finding_statuses


def host_verdict(host_status: str, finding_statuses: Collection[str]) -> Verdict:
    if is_failing(finding_statuses):
        return Verdict.FAILING
    if is_undecided(host_status, finding_statuses):
        return Verdict.UNKNOWN
    return Verdict.COMPLIANT


def overall_verdict(verdicts: Iterable[str]) -> Verdict:
    """A run's verdict from its hosts': the worst of them; a run without hosts is unknown —
    nothing checked is not compliant."""
    seen = set(verdicts)
    if Verdict.FAILING in seen:
        return Verdict.FAILING
    if Verdict.UNKNOWN in seen or not seen:
        return Verdict.UNKNOWN
    return Verdict.COMPLIANT


class AvRole(StrEnum):
    """What a helper of an antivirus product does. None of them scans a file by itself: running,
    they show the product is there, never that it protects."""

    UPDATER = "updater"  # fetches signatures (freshclam)
    ON_ACCESS = "on_access"  # hands accessed files to the engine (clamonacc, a clamd client)
    GUI = "gui"  # a desktop front end or tray icon
    SCHEDULER = "scheduler"  # starts scheduled scans
    AGENT = "agent"  # talks to the management console


@dataclass(frozen=True)
class AvHelper:
    """Services and processes of a product that run beside its engine but scan nothing."""

    role: AvRole
    services: tuple[str, ...] = ()  # systemd unit names without .service
    processes: tuple[str, ...] = ()  # process names (comm, at most 15 characters)


@dataclass(frozen=True)
class AvProduct:
    """An approved antivirus product, recognised by any of these names.

    ``services`` and ``processes`` are its engines: what scans or protects in real time; only
    they make the product *running*. ``helpers`` (updaters, GUIs, ...) count as signs that it is
    installed, never that it runs."""

    name: str
    packages: tuple[str, ...] = ()
    binaries: tuple[str, ...] = ()
    services: tuple[str, ...] = ()  # systemd unit names without .service
    processes: tuple[str, ...] = ()  # process names (comm, at most 15 characters)
    helpers: tuple[AvHelper, ...] = ()  # one per role, in catalog order


@dataclass(frozen=True)
class Segment:
    """A registered network segment: one or more prefixes (IPv4 and/or IPv6) and at most one
    gateway per address family.

    ``cidr`` and ``gateway`` are tuples; a single network, a single address or None given to the
    constructor is turned into a tuple, so a one-prefix segment is still written simply.
    """

    name: str
    zone: Zone
    cidr: tuple[IPNetwork, ...]
    gateway: tuple[IPAddress, ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        cidr: Any = self.cidr
        if not isinstance(cidr, tuple):
            object.__setattr__(self, "cidr", tuple(cidr) if isinstance(cidr, list) else (cidr,))
        gw: Any = self.gateway
        if gw is None:
            object.__setattr__(self, "gateway", ())
        elif not isinstance(gw, tuple):
            object.__setattr__(self, "gateway", tuple(gw) if isinstance(gw, list) else (gw,))

    def contains(self, ip: IPAddress) -> bool:
        """The address lies in one of the segment's prefixes (of its own family)."""
        return any(ip.version == net.version and ip in net for net in self.cidr)

    def networks(self, family: int) -> tuple[IPNetwork, ...]:
        """The prefixes of one address family (4 or 6)."""
        return tuple(net for net in self.cidr if net.version == family)

    def gateway_for(self, family: int) -> IPAddress | None:
        """The registered gateway of one address family, None when there is none."""
        return next((gw for gw in self.gateway if gw.version == family), None)

    @property
    def families(self) -> tuple[int, ...]:
        """The address families the segment registers, 4 before 6."""
        return tuple(sorted({net.version for net in self.cidr}))

    @property
    def cidr_text(self) -> str:
        """The prefixes as one text: ``10.20.0.0/24`` or ``10.20.0.0/24, 2001:db8:20::/64``."""
        return ", ".join(str(net) for net in self.cidr)


#: one ProxyJump hop: [user@]host[:port], host a name, an IPv4 address or a bracketed IPv6 one
JUMP_HOP = re.compile(
    r"(?:[A-Za-z0-9._][A-Za-z0-9._-]*@)?(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?"
)


@dataclass(frozen=True)
class JumpOptions:
    """What one jump host of ``SshSettings.proxy_jump`` has of its own; None: the target's."""

    #: the identity file offered to the jump host (the inventory's hop, else the ssh_config's
    #: ``IdentityFile`` of its alias)
    identity_file: str | None = None
    #: seconds for the hop to it: TCP connect (or the previous hop's channel), handshake, login
    #: (the ssh_config's ``ConnectTimeout`` of its alias)
    connect_timeout: float | None = None


@dataclass(frozen=True)
class SshSettings:
    user: str = "root"
    port: int = 22
    identity_file: str | None = None  # None: use the ssh-agent
    known_hosts: str = "~/.ssh/known_hosts"
    connect_timeout: float = 10.0
    command_timeout: float = 60.0
    #: jump hosts, as OpenSSH's ProxyJump writes them: ``[user@]host[:port][,…]``, the first hop
    #: first; None: connect directly (docs/ssh.md)
    proxy_jump: str | None = None
    #: per hop of ``proxy_jump``, in order, what that jump host has of its own (the inventory's
    #: hop mapping, ``--ssh-config``); a hop past the end has none
    jump_options: tuple[JumpOptions, ...] = ()
    #: the fields the inventory wrote (``defaults.ssh`` or the host's ``ssh``): an ssh_config
    #: (``--ssh-config``) fills in only the others
    written: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    def jump(self, hop: int) -> JumpOptions:
        """The options of the ``hop``-th jump host (0: the first)."""
        return self.jump_options[hop] if hop < len(self.jump_options) else JumpOptions()


@dataclass(frozen=True)
class Host:
    name: str
    #: the IP address; None only for a host the inventory names by ``hostname`` whose name is
    #: not resolved yet (the engine resolves it once when a run starts) or did not resolve
    address: IPAddress | None
    segment: str
    os: str = "linux"  # linux | windows
    ssh: SshSettings = field(default_factory=SshSettings)
    department: str = ""
    owner: str = ""
    location: str = ""
    tags: tuple[str, ...] = ()
    transport: str = "ssh"  # ssh | local
    #: the registered MAC address (six lowercase hex octets with colons), None when unrecorded:
    #: ``netguard discover`` compares it with what answers at ``address``
    mac: str | None = None
    #: False: a registered device (printer, switch) the audit does not contact; it lives in
    #: ``Inventory.devices``, never in ``Inventory.hosts``
    audit: bool = True
    #: False: not in the inventory at all — a device the network sweep found (a result entry
    #: of kind ``unregistered``, named after its address)
    registered: bool = True
    #: the DNS name the inventory gave as ``address:`` (None when it gave an IP address)
    hostname: str | None = None

    @property
    def address_text(self) -> str:
        """The address as results and documents show it: "" for a name not (yet) resolved."""
        return "" if self.address is None else str(self.address)

    @property
    def kind(self) -> str:
        """The result entry's ``kind``: "" for an audited host, ``device`` for a registered
        device the audit does not contact, ``unregistered`` for a device found on the network."""
        if not self.registered:
            return "unregistered"
        return "" if self.audit else "device"


@dataclass(frozen=True)
class Neighbor:
    """One answer of the network sweep: ``ip`` answered with ``mac`` on ``interface``, which
    is the auditor's leg in ``segment`` (ARP for IPv4, neighbor discovery for IPv6)."""

    segment: str
    ip: IPAddress
    mac: str  # six lowercase hex octets with colons
    interface: str


@dataclass(frozen=True)
class Sweep:
    """What a network sweep did: the segments it swept (segment → the auditor's interface),
    the ones it could not (segment → why), and every answer."""

    swept: dict[str, str]
    skipped: dict[str, str]
    answers: tuple[Neighbor, ...]
    duration: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "swept": [{"segment": s, "interface": i} for s, i in self.swept.items()],
            "skipped": [{"segment": s, "why": w} for s, w in self.skipped.items()],
            "answers": [
                {"segment": a.segment, "ip": str(a.ip), "mac": a.mac, "interface": a.interface}
                for a in self.answers
            ],
            "duration_s": round(self.duration, 3),
        }


@dataclass(frozen=True)
class ExchangeMedium:
    """A registered exchange medium (专用中转盘): allowed on both sides, matched by its serial."""

    serial: str
    label: str = ""


@dataclass(frozen=True)
class Inventory:
    path: str
    sha256: str
    segments: dict[str, Segment]
    hosts: tuple[Host, ...]
    #: the file's bytes as loaded (empty for an inventory that was never a file): evidence
    #: bundles keep exactly what was audited
    source: bytes = field(default=b"", repr=False, compare=False)
    #: registered exchange media (media.cross_network allows them)
    exchange_media: tuple[ExchangeMedium, ...] = ()
    #: registered devices the audit does not contact (``audit: false``): known to the network
    #: sweep (``netguard discover``), absent from the audit's hosts, its coverage and reports
    devices: tuple[Host, ...] = ()
    #: the office this inventory describes (``name:``): the identity its runs share in the
    #: history ("previous", trends, diffs and alerts), else its path
    name: str = ""

    @property
    def registered(self) -> tuple[Host, ...]:
        """Every registered machine: the audited hosts, then the devices."""
        return self.hosts + self.devices

    def segment_of(self, host: Host) -> Segment:
        return self.segments[host.segment]


@dataclass(frozen=True)
class Finding:
    check: str
    category: str
    status: FindingStatus
    severity: Severity
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    title: str = ""
    remediation: str = ""
    #: message id (``reasons.<reason>`` in the catalogs) and its language-neutral arguments;
    #: ``message`` is their English rendering
    reason: str = ""
    args: dict[str, Any] = field(default_factory=dict)
    #: WAIVED findings only: who approved the exception, why, until when, and where it is
    #: written (``Waiver.to_dict``)
    waiver: dict[str, Any] | None = None
    #: the standards the check answers to ("GB/T 22239-2019 8.1.4.5", checks/references.py)
    references: tuple[str, ...] = ()
    #: a rule file's check: its title and remediation in each language the file gives
    #: ({"en": …, "zh": …}); built-in checks take theirs from the catalogs ({} here)
    titles: dict[str, str] = field(default_factory=dict)
    remediations: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "check": self.check,
            "category": self.category,
            "status": str(self.status),
            "severity": str(self.severity),
            "title": self.title,
            "message": self.message,
            "reason": self.reason,
            "args": self.args,
            "remediation": self.remediation,
            "evidence": self.evidence,
        }
        if self.references:  # absent when none are known (and in documents written before)
            out["references"] = list(self.references)
        if self.titles:  # rule-file checks only: built-in ones stay as they were
            out["titles"] = dict(self.titles)
        if self.remediations:
            out["remediations"] = dict(self.remediations)
        if self.waiver is not None:  # absent otherwise: documents without waivers stay as they were
            out["waiver"] = self.waiver
        return out


@dataclass(frozen=True)
class HostResult:
    host: Host
    segment: Segment
    status: HostStatus
    detail: str = ""  # why the host is not audited, in one line (English)
    findings: tuple[Finding, ...] = ()
    duration: float = 0.0
    #: the detail as a message id (``host_detail.<id>`` in the catalogs) and its
    #: language-neutral arguments; ``detail`` is their English rendering
    detail_reason: str = ""
    detail_args: dict[str, Any] = field(default_factory=dict)

    @property
    def finding_statuses(self) -> list[FindingStatus]:
        return [f.status for f in self.findings]

    @property
    def verdict(self) -> Verdict:
        return host_verdict(self.status, self.finding_statuses)

    def to_dict(self) -> dict[str, Any]:
        h = self.host
        out: dict[str, Any] = {
            "name": h.name,
            "address": h.address_text,
            **({"hostname": h.hostname} if h.hostname else {}),
            "segment": h.segment,
            "zone": str(self.segment.zone),
            "os": h.os,
            "department": h.department,
            "owner": h.owner,
            "location": h.location,
            "status": str(self.status),
            "detail": self.detail,
            **(
                {"detail_reason": self.detail_reason, "detail_args": self.detail_args}
                if self.detail_reason
                else {}
            ),
            "duration_s": round(self.duration, 3),
            "findings": [f.to_dict() for f in self.findings],
        }
        if h.kind:  # absent for audited hosts: documents without a network sweep stay as they were
            out["kind"] = h.kind
        return out

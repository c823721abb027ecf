"""From the entries a source read to an ``Inventory``, with every entry that could not be used
(or only partly) written down as a ``Problem`` at its source line — nothing is dropped silently.

The rules of the native format (docs/formats.md) apply to imported hosts too: names from the
portable alphabet, unique addresses, names (ignoring case) and MACs, an address inside its
segment. A source entry that breaks one is *skipped* (not in the inventory); a setting that
cannot be kept (a MAC that is no MAC, ProxyJump) is a *note* (the host is in, without it).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netguard.inventory.dump import dump_inventory
from netguard.inventory.loader import (
    HOST_NAME,
    OS_NAMES,
    address_or_name,
    bad_address,
    normalize_mac,
    ssh_settings,
)
from netguard.inventory.sources.mapping import AMBIGUOUS_ZONES, Mapping
from netguard.model import Host, Inventory, IPAddress, Segment
from netguard.untrusted import find_unsafe


@dataclass(frozen=True)
class Problem:
    """One entry of the import report: ``source:line: field: why``."""

    source: str
    line: int | None
    field: str
    message: str
    skipped: bool  # True: the entry is not in the inventory; False: it is, without something
    #: only for information (a register column nobody maps): not counted as a problem
    info: bool = False

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


@dataclass
class Entry:
    """One host as a source describes it, in text, before any rule is applied."""

    line: int | None
    name: str
    address: str
    #: the source's own word for each field, for messages (a register's header, a variable)
    labels: dict[str, str] = field(default_factory=dict)
    segment: str = ""
    zone: str = ""
    groups: tuple[str, ...] = ()
    department: str = ""
    owner: str = ""
    location: str = ""
    mac: str = ""
    os: str = ""
    transport: str = "ssh"
    kind: str = ""  # a register's device type (设备类型); "" is a computer
    audit: bool = True  # False: a registered device the audit does not contact
    ssh: dict[str, Any] = field(default_factory=dict)
    #: settings the source gave that netguard cannot keep: (field, why) — notes, not skips
    notes: list[tuple[str, str]] = field(default_factory=list)

    def label(self, key: str) -> str:
        return self.labels.get(key, key)


class Skip(Exception):
    """An entry that cannot be imported: the field and why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Imported:
    inventory: Inventory
    problems: tuple[Problem, ...]
    entries: int  # how many hosts or rows the source held

    @property
    def skipped(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.skipped)

    @property
    def notes(self) -> tuple[Problem, ...]:
        """Hosts imported without something the source said."""
        return tuple(p for p in self.problems if not p.skipped and not p.info)


def build(
    source: str,
    entries: list[Entry],
    mapping: Mapping,
    problems: list[Problem],
) -> Imported:
    """The inventory of every entry that follows the rules; the rest in ``problems``."""
    hosts: list[Host] = []
    names: dict[str, int | None] = {}
    addresses: dict[str, int | None] = {}  # an address's text, or a DNS name
    macs: dict[str, int | None] = {}
    for entry in entries:
        try:
            host = _host(entry, mapping, source)
            _unique(entry, host.name.casefold(), names, "name", f"host name {host.name!r}", source)
            where = host.hostname or host.address_text
            _unique(entry, where, addresses, "address", f"address {where}", source)
            if host.mac is not None:
                _unique(entry, host.mac, macs, "mac", f"MAC {host.mac}", source)
        except Skip as skip:
            problems.append(Problem(source, entry.line, skip.field, skip.message, True))
            continue
        names[host.name.casefold()] = entry.line
        addresses[host.hostname or host.address_text] = entry.line
        if host.mac is not None:
            macs[host.mac] = entry.line
        problems.extend(Problem(source, entry.line, f, why, False) for f, why in entry.notes)
        hosts.append(host)
    inventory = Inventory(
        path=source,
        sha256="",
        segments=dict(mapping.segments),
        hosts=tuple(h for h in hosts if h.audit),
        devices=tuple(h for h in hosts if not h.audit),
        name=mapping.name,
    )
    # What is audited is the inventory as written out: its bytes are the evidence bundle's
    # inputs/inventory.yaml and its hash the run's inventory hash.
    text = dump_inventory(inventory).encode("utf-8")
    inventory = Inventory(
        path=inventory.path,
        sha256=hashlib.sha256(text).hexdigest(),
        segments=inventory.segments,
        hosts=inventory.hosts,
        source=text,
        devices=inventory.devices,
        name=inventory.name,
    )
    ordered = sorted(problems, key=lambda p: (p.line is not None, p.line or 0))
    return Imported(inventory, tuple(ordered), len(entries))


def _unique(
    entry: Entry, key: Any, seen: dict[Any, int | None], fld: str, what: str, source: str
) -> None:
    if key in seen:
        first = seen[key]
        at = f"{source}:{first}" if first is not None else source
        raise Skip(entry.label(fld), f"duplicate {what} (first at {at})")


def _host(entry: Entry, mapping: Mapping, source: str) -> Host:
    found = _address(entry)
    address = found if not isinstance(found, str) else None
    segment = _segment(entry, found, mapping)
    name = _name(entry, found)
    for key in ("department", "owner", "location"):
        value = getattr(entry, key)
        if find_unsafe(value, keep="\t"):
            raise Skip(entry.label(key), "contains control characters")
    for key, value in entry.ssh.items():
        if isinstance(value, str) and (find_unsafe(value) or not value.strip()):
            raise Skip(entry.label(f"ssh.{key}"), "empty or contains control characters")
    department = entry.department or _group_department(entry, mapping)
    mac = None
    if entry.mac.strip():
        mac = normalize_mac(entry.mac.strip())
        if mac is None:
            entry.notes.append(
                (entry.label("mac"), f"{entry.mac!r} is no MAC address (six hex octets); left out")
            )
    audit = entry.audit
    if entry.kind.strip():
        told = mapping.audited(entry.kind)
        if told is None:
            raise Skip(
                entry.label("kind"),
                f"{entry.kind.strip()!r}: neither a computer nor a device netguard knows (or "
                "both); say which in the mapping's kinds",
            )
        audit = audit and told
    os_name = _os(entry, mapping) if audit else mapping.default_os
    ssh = ssh_settings({**mapping.ssh, **entry.ssh}, Path(source).absolute().parent)
    return Host(
        name=name,
        address=address,
        segment=segment.name,
        os=os_name,
        ssh=ssh,
        department=department.strip(),
        owner=entry.owner.strip(),
        location=entry.location.strip(),
        tags=tuple(dict.fromkeys(entry.groups)),
        transport=entry.transport,
        mac=mac,
        audit=audit,
        hostname=found if isinstance(found, str) else None,
    )


def _address(entry: Entry) -> IPAddress | str:
    """An IP address, or a DNS name (resolved when a run starts)."""
    text = entry.address.strip()
    if not text:
        raise Skip(entry.label("address"), "no address")
    if text.startswith("[") and text.endswith("]"):  # [2001:db8::5], as URLs write it
        text = text[1:-1]
    found = address_or_name(text)
    if found is not None:
        return found
    if "/" in text:
        raise Skip(entry.label("address"), f"{text!r}: write the address without a prefix length")
    raise Skip(entry.label("address"), bad_address(text))


def _segment(entry: Entry, address: IPAddress | str, mapping: Mapping) -> Segment:
    """The segment: named by the entry, else by its groups' mapping, else the one whose prefix
    holds the address (the longest, among overlapping segments of one zone). The zone a register
    row states must be the segment's."""
    label = entry.label("segment")
    if not mapping.segments:
        raise Skip(label, "no segments: give a mapping file with segments (name, zone, cidr)")
    chosen: Segment | None = None
    if entry.segment.strip():
        name = entry.segment.strip()
        if name not in mapping.segments:
            raise Skip(label, f"unknown segment {name!r}; segments: {', '.join(mapping.segments)}")
        chosen = mapping.segments[name]
    else:
        by_group = {
            mapping.groups[g].segment: g
            for g in entry.groups
            if g in mapping.groups and mapping.groups[g].segment
        }
        if len(by_group) > 1:
            said = ", ".join(f"{g} → {s}" for s, g in by_group.items())
            raise Skip("groups", f"the groups name different segments ({said})")
        if by_group:
            chosen = mapping.segments[next(iter(by_group))]
    if chosen is None and isinstance(address, str):
        raise Skip(
            entry.label("address"),
            f"{address} is a DNS name: its segment cannot be told from an address; name the "
            "segment (a segment column, or a group mapped to one)",
        )
    if chosen is None:
        assert not isinstance(address, str)
        holding = [
            (net.prefixlen, seg)
            for seg in mapping.segments.values()
            for net in seg.networks(address.version)
            if address in net
        ]
        if not holding:
            listed = "; ".join(f"{s.name} {s.cidr_text}" for s in mapping.segments.values())
            raise Skip(
                entry.label("address"),
                f"{address} is in no segment of the mapping ({listed}); add its network",
            )
        chosen = max(holding, key=lambda pair: pair[0])[1]  # max keeps the first of equals
    assert chosen is not None
    if isinstance(address, str):
        return _zone_said(entry, chosen, mapping, address)
    inside = next((n for n in chosen.networks(address.version) if address in n), None)
    if inside is None:
        raise Skip(
            entry.label("address"),
            f"{address} is outside segment {chosen.name!r} ({chosen.cidr_text})",
        )
    if inside.version == 4 and inside.prefixlen <= 30:
        if address == inside.network_address:
            raise Skip(entry.label("address"), f"{address} is the network address of {inside}")
        if address == inside.broadcast_address:
            raise Skip(entry.label("address"), f"{address} is the broadcast address of {inside}")
    return _zone_said(entry, chosen, mapping, str(address))


def _zone_said(entry: Entry, chosen: Segment, mapping: Mapping, address: str) -> Segment:
    """The segment, when the zone the row states (if any) is the segment's."""
    if entry.zone.strip():
        word = entry.zone.strip()
        zone = mapping.zone_of(word)
        if zone is None:
            hint = AMBIGUOUS_ZONES.get(word)
            why = f"ambiguous: {hint}" if hint else "unknown network word"
            raise Skip(
                entry.label("zone"),
                f"{word!r}: {why}; say which zone it is in the mapping's zones",
            )
        if zone != chosen.zone:
            raise Skip(
                entry.label("zone"),
                f"{word!r} is {zone} but {address} is in segment {chosen.name!r} ({chosen.zone})",
            )
    return chosen


def _group_department(entry: Entry, mapping: Mapping) -> str:
    said = {
        mapping.groups[g].department: g
        for g in entry.groups
        if g in mapping.groups and mapping.groups[g].department
    }
    if len(said) > 1:
        listed = ", ".join(f"{g} → {d}" for d, g in said.items())
        entry.notes.append(("department", f"the groups name different departments ({listed})"))
        return ""
    return next(iter(said), "")


#: Words of an operating-system column, folded, by the OS they mean.
_WINDOWS = ("windows", "win7", "win10", "win11", "winxp", "win8")
_LINUX = (
    "linux", "ubuntu", "debian", "centos", "redhat", "rhel", "red hat", "fedora", "suse",
    "kylin", "neokylin", "麒麟", "uos", "统信", "deepin", "深度", "中标", "openeuler", "欧拉",
    "rocky", "alma", "anolis", "龙蜥", "oracle linux",
)  # fmt: skip


def _os(entry: Entry, mapping: Mapping) -> str:
    text = entry.os.strip()
    if not text:
        return mapping.default_os
    low = text.casefold()
    if low in OS_NAMES:
        return low
    if any(w in low for w in _WINDOWS):
        return "windows"
    if any(w in low for w in _LINUX):
        return "linux"
    raise Skip(
        entry.label("os"), f"unknown operating system {text!r}; netguard knows linux and windows"
    )


def _name(entry: Entry, address: IPAddress | str) -> str:
    name = entry.name.strip()
    if HOST_NAME.fullmatch(name) and set(name) != {"."}:
        return name
    fallback = str(address).replace(":", "-")
    if name:
        entry.notes.append(
            (
                entry.label("name"),
                f"{name!r} is not a portable host name (letters, digits, '.', '-', '_'; at most "
                f"63); named {fallback} after its address",
            )
        )
    else:
        entry.notes.append((entry.label("name"), f"no name; named {fallback} after its address"))
    return fallback

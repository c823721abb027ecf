"""network.*: what the auditor's own network sweep saw, judged against the inventory (入网登记).

Not policy checks over a host's Facts — the machines judged here may never have been audited —
but verdicts all the same, written from what answered on the wire (``model.Sweep``), pure:
inventory + answers in, findings out.

- ``network.unregistered_device``: an address, or a MAC, that no inventory entry registers.
- ``network.mac_changed``: a registered address answering with another MAC than the recorded one.
- ``network.bridged_zones``: one MAC answering in segments of two zones (a bridge, or a machine
  with legs in both, across an isolation boundary).

Findings land on the registered entry concerned (audited host or ``audit: false`` device); a
device no entry registers becomes a result entry of its own (``Host.registered`` False, named
after its address).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from netguard.checks.base import Said, say
from netguard.checks.references import references_of
from netguard.i18n import catalog, english_detail
from netguard.model import (
    Finding,
    FindingStatus,
    Host,
    HostResult,
    HostStatus,
    Inventory,
    IPAddress,
    Neighbor,
    Severity,
    SshSettings,
    Sweep,
)

UNREGISTERED = "network.unregistered_device"
MAC_CHANGED = "network.mac_changed"
BRIDGED = "network.bridged_zones"
CHECK_IDS = (UNREGISTERED, MAC_CHANGED, BRIDGED)

_SEVERITY = {UNREGISTERED: Severity.HIGH, MAC_CHANGED: Severity.HIGH, BRIDGED: Severity.CRITICAL}


@dataclass
class NetworkFindings:
    """The sweep's findings: by registered entry (host name), and the unregistered devices
    (address → (the answer first seen, its findings))."""

    on_hosts: dict[str, list[Finding]] = field(default_factory=dict)
    unregistered: dict[IPAddress, tuple[Neighbor, list[Finding]]] = field(default_factory=dict)

    def for_host(self, name: str) -> tuple[Finding, ...]:
        return tuple(self.on_hosts.get(name, ()))


def _finding(check: str, status: FindingStatus, said: Said, evidence: dict[str, Any]) -> Finding:
    en = catalog("en")
    return Finding(
        check=check,
        category="network",
        status=status,
        severity=_SEVERITY[check],
        title=en(f"checks.{check}.title"),
        message=said.english,
        reason=said.reason,
        args=said.args,
        remediation=en(f"checks.{check}.remediation"),
        evidence=evidence,
        references=references_of("network"),
    )


def _seen(a: Neighbor) -> dict[str, Any]:
    return {"segment": a.segment, "ip": str(a.ip), "mac": a.mac, "interface": a.interface}


def analyse(inventory: Inventory, sweep: Sweep) -> NetworkFindings:
    """Every finding the sweep gives (pure). Registered entries are matched by address and by
    their recorded ``mac:``; an IPv6 link-local answer is judged by its MAC alone (nobody
    registers link-local addresses)."""
    # a host named by a DNS name has no address before a run resolves it: matched by MAC only
    by_ip = {h.address: h for h in inventory.registered if h.address is not None}
    by_mac = {h.mac: h for h in inventory.registered if h.mac is not None}
    out = NetworkFindings()

    def add(host: Host, f: Finding) -> None:
        out.on_hosts.setdefault(host.name, []).append(f)

    def unregistered(a: Neighbor, said: Said) -> None:
        entry = out.unregistered.setdefault(a.ip, (a, []))
        entry[1].append(_finding(UNREGISTERED, FindingStatus.FAIL, said, _seen(a)))

    judged: set[tuple[IPAddress, str]] = set()
    for a in sweep.answers:
        if (a.ip, a.mac) in judged:  # one answer per (address, MAC), however often it came
            continue
        judged.add((a.ip, a.mac))
        host = by_ip.get(a.ip)
        owner = by_mac.get(a.mac)
        if host is not None:
            if host.mac is None:  # nothing recorded to compare with
                continue
            if host.mac == a.mac:
                said = say("network.mac_changed.same", ip=str(a.ip), mac=a.mac)
                add(host, _finding(MAC_CHANGED, FindingStatus.PASS, said, _seen(a)))
                continue
            said = (
                say("network.mac_changed.other_host", ip=str(a.ip), recorded=host.mac,
                    mac=a.mac, other=owner.name)
                if owner is not None
                else say("network.mac_changed.changed", ip=str(a.ip), recorded=host.mac, mac=a.mac)
            )  # fmt: skip
            evidence = _seen(a) | {"recorded_mac": host.mac}
            add(host, _finding(MAC_CHANGED, FindingStatus.FAIL, said, evidence))
        elif owner is not None:
            if a.ip.version == 6 and a.ip.is_link_local:
                continue  # a registered machine's own link-local address
            said = say("network.unregistered_device.address_of", ip=str(a.ip), mac=a.mac,
                       host=owner.name, registered=str(owner.address))  # fmt: skip
            add(owner, _finding(UNREGISTERED, FindingStatus.FAIL, said, _seen(a)))
        else:
            unregistered(a, say("network.unregistered_device.unknown", ip=str(a.ip), mac=a.mac,
                                segment=a.segment))  # fmt: skip

    _bridges(inventory, sweep, by_ip, by_mac, out)
    return out


def _bridges(
    inventory: Inventory,
    sweep: Sweep,
    by_ip: dict[IPAddress, Host],
    by_mac: dict[str, Host],
    out: NetworkFindings,
) -> None:
    """One MAC answering in segments of two zones: a finding on every entry it belongs to."""
    zones: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    answers: dict[str, list[Neighbor]] = defaultdict(list)
    for a in sweep.answers:
        seg = inventory.segments.get(a.segment)
        if seg is None:
            continue
        zones[a.mac][str(seg.zone)].add(a.segment)
        answers[a.mac].append(a)
    for mac, seen in sorted(zones.items()):
        if len(seen) < 2:
            continue
        segments = sorted({s for segs in seen.values() for s in segs})
        said = say("network.bridged_zones.seen", mac=mac, zones=sorted(seen), segments=segments)
        evidence = {
            "mac": mac,
            "zones": sorted(seen),
            "answers": [_seen(a) for a in dict.fromkeys(answers[mac])],
        }
        owners: dict[str, Host] = {}
        if mac in by_mac:
            owners[by_mac[mac].name] = by_mac[mac]
        for a in answers[mac]:
            if a.ip in by_ip and by_ip[a.ip].mac in (None, mac):
                owners[by_ip[a.ip].name] = by_ip[a.ip]
        for host in owners.values():
            out.on_hosts.setdefault(host.name, []).append(
                _finding(BRIDGED, FindingStatus.FAIL, said, evidence)
            )
        if not owners:
            for a in answers[mac]:
                if a.ip in out.unregistered:
                    out.unregistered[a.ip][1].append(
                        _finding(BRIDGED, FindingStatus.FAIL, said, evidence)
                    )


def unregistered_name(ip: IPAddress) -> str:
    """A result entry's name for an unregistered device: ``unregistered-10.20.0.99``,
    ``unregistered-2001-db8--5`` (host names become file names: no colons)."""
    return "unregistered-" + str(ip).replace(":", "-")


def network_results(
    inventory: Inventory, found: NetworkFindings, audited: frozenset[str] = frozenset()
) -> list[HostResult]:
    """Result entries for what the sweep found outside the audited hosts (``audited``: their
    names; their findings join their own results): registered entries with findings, then one
    entry per unregistered device, by address. Their status is ``audited``: the sweep did
    look at them, from the network."""
    results: list[HostResult] = []
    for host in inventory.registered:
        if host.name in audited or host.name not in found.on_hosts:
            continue
        results.append(
            HostResult(
                host,
                inventory.segment_of(host),
                HostStatus.AUDITED,
                english_detail("sweep_only"),
                tuple(found.on_hosts[host.name]),
                detail_reason="sweep_only",
            )
        )
    for ip in sorted(found.unregistered, key=lambda i: (i.version, i)):
        first, findings = found.unregistered[ip]
        host = Host(
            name=unregistered_name(ip),
            address=ip,
            segment=first.segment,
            os="",
            ssh=SshSettings(),
            audit=False,
            registered=False,
            mac=first.mac,
        )
        results.append(
            HostResult(
                host,
                inventory.segments[first.segment],
                HostStatus.AUDITED,
                english_detail("sweep_unregistered", interface=first.interface),
                tuple(findings),
                detail_reason="sweep_unregistered",
                detail_args={"interface": first.interface},
            )
        )
    return results

"""Physical isolation between intranet/classified networks and the internet (8.1.3.1 c/d).

These checks compare what the host says about its addresses, routes and radios with what the
inventory registered for its segment; every verdict names the address, route or signal it saw.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netguard.checks.base import (
    CheckContext,
    ParamSpec,
    Verdict,
    cannot_decide,
    check,
    part,
    say,
    verdict,
)
from netguard.model import ISOLATED_ZONES, Segment, Severity, Zone
from netguard.model.facts import Address, Facts, Interface

NON_INTERNET = frozenset(Zone) - {Zone.INTERNET}

# Drivers of USB modems and phone tethering (4G/5G, RNDIS, Apple) — CHECKS.md.
WWAN_DRIVERS = frozenset(
    {
        "qmi_wwan",
        "cdc_mbim",
        "cdc_ether",
        "rndis_host",
        "ipheth",
        "cdc_ncm",
        "option",
        "huawei_cdc_ncm",
        "sierra_net",
    }
)
# Name prefixes of the kernel's and systemd's naming for radios and point-to-point links.
RADIO_PREFIXES = ("wlan", "wwan", "wl", "ww", "ppp")
ARPHRD_PPP = 512
ARPHRD_IEEE80211 = {801, 802, 803}


def _routable(addr: Address) -> bool:
    """Loopback and link-local addresses say nothing about which network a host is on."""
    return not (addr.ip.is_loopback or addr.ip.is_link_local)


def _in_segment(addr: Address, seg: Segment) -> bool:
    return addr.ip.version == seg.cidr.version and addr.ip in seg.cidr


def _where(addr: Address) -> dict[str, str]:
    """An address as message arguments: the address with its prefix, and its interface."""
    return {"address": f"{addr.ip}/{addr.prefixlen}", "interface": addr.interface}


def _segment_of(addr: Address, segments: Mapping[str, Segment]) -> Segment | None:
    return next((seg for seg in segments.values() if _in_segment(addr, seg)), None)


@check(
    "isolation.addresses",
    category="isolation",
    severity=Severity.CRITICAL,
    zones=NON_INTERNET,
)
def addresses(facts: Facts, ctx: CheckContext) -> Verdict:
    addrs = [a for a in facts.need("addresses") if _routable(a)]
    outside = []
    listed: list[dict[str, Any]] = []
    for a in addrs:
        if _in_segment(a, ctx.segment):
            continue
        seg = _segment_of(a, ctx.segments)
        where = f"segment {seg.name} ({seg.zone})" if seg else "no registered segment"
        outside.append({"address": str(a), "in": where})
        listed.append(
            part("address.in_segment", **_where(a), segment=seg.name, zone=str(seg.zone))
            if seg
            else part("address.unregistered", **_where(a))
        )
    evidence = {
        "segment": ctx.segment.name,
        "cidr": str(ctx.segment.cidr),
        "addresses": [str(a) for a in addrs],
        "outside": outside,
    }
    cidr = str(ctx.segment.cidr)
    if outside:
        return verdict(
            False, say("isolation.addresses.outside", cidr=cidr, addresses=listed), **evidence
        )
    return verdict(True, say("isolation.addresses.inside", count=len(addrs), cidr=cidr), **evidence)


@check(
    "isolation.multi_homed",
    category="isolation",
    severity=Severity.CRITICAL,
)
def multi_homed(facts: Facts, ctx: CheckContext) -> Verdict:
    zones: dict[str, list[str]] = {}
    where: dict[str, list[dict[str, Any]]] = {}
    for a in facts.need("addresses"):
        if not _routable(a):
            continue
        seg = _segment_of(a, ctx.segments)
        if seg is not None:
            zones.setdefault(str(seg.zone), []).append(str(a))
            where.setdefault(str(seg.zone), []).append(part("address.on_interface", **_where(a)))
    evidence = {"zones": zones}
    if len(zones) > 1:
        bridging = [part("zone_addresses", zone=z, addresses=where[z]) for z in sorted(where)]
        crosses = Zone.INTERNET in zones and any(z in zones for z in ISOLATED_ZONES)
        said = (
            say("isolation.multi_homed.crosses", zones=bridging)
            if crosses
            else say("isolation.multi_homed.several", zones=bridging)
        )
        return verdict(False, said, crosses_isolation=crosses, **evidence)
    if not zones:
        return verdict(True, say("isolation.multi_homed.no_zone"), **evidence)
    return verdict(True, say("isolation.multi_homed.one_zone", zone=next(iter(zones))), **evidence)


@check(
    "isolation.default_route",
    category="isolation",
    severity=Severity.CRITICAL,
    params=(
        ParamSpec("max_default_routes", int, 1, "how many default routes are allowed", minimum=0),
    ),
    zones=NON_INTERNET,
)
def default_route(facts: Facts, ctx: CheckContext) -> Verdict:
    routes = facts.need("default_routes")
    limit = ctx.params["max_default_routes"]
    gw = ctx.segment.gateway
    problems: list[dict[str, Any]] = []
    if len(routes) > limit:
        problems.append(part("route.too_many", count=len(routes), limit=limit))
    for r in routes:
        if gw is None:
            problems.append(part("route.no_gateway", route=str(r), segment=ctx.segment.name))
        elif r.gateway != gw:
            problems.append(part("route.not_via_gateway", route=str(r), gateway=str(gw)))
    evidence = {
        "registered_gateway": str(gw) if gw else None,
        "default_routes": [str(r) for r in routes],
    }
    if problems:
        return verdict(False, say("isolation.default_route.wrong", problems=problems), **evidence)
    if not routes:
        return verdict(True, say("isolation.default_route.none"), **evidence)
    return verdict(True, say("isolation.default_route.ok", gateway=str(gw)), **evidence)


@check(
    "isolation.forwarding",
    category="isolation",
    severity=Severity.HIGH,
    zones=NON_INTERNET,
)
def forwarding(facts: Facts, ctx: CheckContext) -> Verdict:
    v4 = facts.need("ip_forward")
    v6 = facts.ip6_forward
    evidence = {
        "net.ipv4.ip_forward": int(v4),
        "net.ipv6.conf.all.forwarding": None if v6 is None else int(v6),
    }
    on = [name for name, value in evidence.items() if value]
    if on:
        return verdict(False, say("isolation.forwarding.on", sysctls=on), **evidence)
    return verdict(True, say("isolation.forwarding.off"), **evidence)


def _radio_signals(iface: Interface) -> list[tuple[str, dict[str, Any]]]:
    """What marks an interface as a radio: (label in the evidence, message part)."""
    signals = []
    if iface.wireless:
        signals.append(("sysfs wireless directory", part("signal.sysfs_wireless")))
    if iface.phy80211:
        signals.append(("sysfs phy80211 link", part("signal.phy80211")))
    if iface.driver in WWAN_DRIVERS:
        signals.append(
            (
                f"modem/tethering driver {iface.driver}",
                part("signal.modem_driver", driver=iface.driver),
            )
        )
    if iface.devtype in ("wlan", "wwan"):
        signals.append((f"DEVTYPE={iface.devtype}", part("signal.devtype", devtype=iface.devtype)))
    if iface.arp_type == ARPHRD_PPP:
        signals.append(("link type PPP", part("signal.link_ppp")))
    elif iface.arp_type in ARPHRD_IEEE80211:
        signals.append(("link type IEEE 802.11", part("signal.link_80211")))
    prefix = next((p for p in RADIO_PREFIXES if iface.name.startswith(p)), None)
    if prefix:
        signals.append((f"name {prefix}*", part("signal.name_prefix", prefix=prefix)))
    return signals


@check(
    "isolation.wireless",
    category="isolation",
    severity=Severity.CRITICAL,
    zones=ISOLATED_ZONES,
)
def wireless(facts: Facts, ctx: CheckContext) -> Verdict:
    interfaces = facts.need("interfaces")
    found: list[dict[str, object]] = []
    listed: list[dict[str, Any]] = []
    for iface in interfaces:
        signals = _radio_signals(iface)
        if signals:
            labels = [label for label, _ in signals]
            found.append({"device": iface.name, "signals": labels, "state": iface.operstate})
            listed.append(
                part("radio.interface", device=iface.name, signals=[p for _, p in signals])
            )
    for dev in facts.rfkill or ():
        found.append(
            {
                "device": f"rfkill {dev.name}",
                "signals": [f"rfkill type {dev.type}"],
                "state": "blocked" if dev.soft_blocked or dev.hard_blocked else "unblocked",
            }
        )
        listed.append(
            part(
                "radio.rfkill",
                device=dev.name,
                signals=[part("signal.rfkill_type", type=dev.type)],
            )
        )
    for hci in facts.bluetooth or ():
        found.append({"device": hci, "signals": ["/sys/class/bluetooth"], "state": ""})
        listed.append(part("radio.bluetooth", device=hci))
    blind = [g for g in ("rfkill", "bluetooth") if getattr(facts, g) is None]
    evidence = {"radios": found, "interfaces": [i.name for i in interfaces], "not_examined": blind}
    if found:
        return verdict(False, say("isolation.wireless.found", radios=listed), **evidence)
    if blind:
        # Interfaces looked clean but rfkill/bluetooth could not be read: we cannot say "none".
        return cannot_decide(say("isolation.wireless.unexamined", facts=blind), **evidence)
    return verdict(True, say("isolation.wireless.none", count=len(interfaces)), **evidence)

"""Physical isolation between intranet/classified networks and the internet (8.1.3.1 c/d).

These checks compare what the host says about its addresses, routes and radios with what the
inventory registered for its segment; every verdict names the address, route or signal it saw.
"""

from __future__ import annotations

from collections.abc import Mapping

from netguard.checks.base import CheckContext, ParamSpec, Verdict, cannot_decide, check, verdict
from netguard.collect.facts import Address, Facts, Interface
from netguard.model import ISOLATED_ZONES, Segment, Severity, Zone

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


def _segment_of(addr: Address, segments: Mapping[str, Segment]) -> Segment | None:
    return next((seg for seg in segments.values() if _in_segment(addr, seg)), None)


@check(
    "isolation.addresses",
    category="isolation",
    severity=Severity.CRITICAL,
    title="Every address lies in the host's registered segment",
    remediation="Restore the registered network settings (入网登记); find out who changed them "
    "and why. An address in another zone is a possible 违规外联: follow the isolation playbook.",
    zones=NON_INTERNET,
)
def addresses(facts: Facts, ctx: CheckContext) -> Verdict:
    addrs = [a for a in facts.need("addresses") if _routable(a)]
    outside = []
    for a in addrs:
        if _in_segment(a, ctx.segment):
            continue
        seg = _segment_of(a, ctx.segments)
        where = f"segment {seg.name} ({seg.zone})" if seg else "no registered segment"
        outside.append({"address": str(a), "in": where})
    evidence = {
        "segment": ctx.segment.name,
        "cidr": str(ctx.segment.cidr),
        "addresses": [str(a) for a in addrs],
        "outside": outside,
    }
    if outside:
        listed = "; ".join(f"{o['address']} ({o['in']})" for o in outside)
        return verdict(False, f"addresses outside {ctx.segment.cidr}: {listed}", **evidence)
    return verdict(True, f"all {len(addrs)} addresses inside {ctx.segment.cidr}", **evidence)


@check(
    "isolation.multi_homed",
    category="isolation",
    severity=Severity.CRITICAL,
    title="The host is not connected to networks of two zones",
    remediation="Disconnect the second network at once (unplug, disable the NIC); one computer "
    "per network. Preserve evidence before anything else: follow the 违规外联 playbook.",
)
def multi_homed(facts: Facts, ctx: CheckContext) -> Verdict:
    zones: dict[str, list[str]] = {}
    for a in facts.need("addresses"):
        if not _routable(a):
            continue
        seg = _segment_of(a, ctx.segments)
        if seg is not None:
            zones.setdefault(str(seg.zone), []).append(str(a))
    evidence = {"zones": zones}
    if len(zones) > 1:
        bridging = " and ".join(f"{z} ({', '.join(v)})" for z, v in sorted(zones.items()))
        crosses = Zone.INTERNET in zones and any(z in zones for z in ISOLATED_ZONES)
        lead = (
            "connected to the internet and an isolated network"
            if crosses
            else ("connected to networks of several zones")
        )
        return verdict(False, f"{lead}: {bridging}", crosses_isolation=crosses, **evidence)
    return verdict(True, f"addresses in one zone only ({', '.join(zones) or 'none'})", **evidence)


@check(
    "isolation.default_route",
    category="isolation",
    severity=Severity.CRITICAL,
    title="The default route goes only through the registered gateway",
    remediation="Remove default routes that do not go via the segment's registered gateway; a "
    "route via a phone, modem or second NIC is a path to the internet.",
    params=(
        ParamSpec("max_default_routes", int, 1, "how many default routes are allowed", minimum=0),
    ),
    zones=NON_INTERNET,
)
def default_route(facts: Facts, ctx: CheckContext) -> Verdict:
    routes = facts.need("default_routes")
    limit = ctx.params["max_default_routes"]
    gw = ctx.segment.gateway
    problems = []
    if len(routes) > limit:
        problems.append(f"{len(routes)} default routes (at most {limit})")
    for r in routes:
        if gw is None:
            problems.append(f"{r} but segment {ctx.segment.name} registers no gateway")
        elif r.gateway != gw:
            problems.append(f"{r} is not via the registered gateway {gw}")
    evidence = {
        "registered_gateway": str(gw) if gw else None,
        "default_routes": [str(r) for r in routes],
    }
    if problems:
        return verdict(False, "; ".join(problems), **evidence)
    if not routes:
        return verdict(True, "no default route", **evidence)
    return verdict(True, f"default route via the registered gateway {gw}", **evidence)


@check(
    "isolation.forwarding",
    category="isolation",
    severity=Severity.HIGH,
    title="The host does not route between networks",
    remediation="Turn IP forwarding off (`sysctl -w net.ipv4.ip_forward=0` and in "
    "/etc/sysctl.d) unless the host is a registered router.",
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
        return verdict(False, f"IP forwarding is on ({', '.join(on)})", **evidence)
    return verdict(True, "IP forwarding is off", **evidence)


def _radio_signals(iface: Interface) -> list[str]:
    signals = []
    if iface.wireless:
        signals.append("sysfs wireless directory")
    if iface.phy80211:
        signals.append("sysfs phy80211 link")
    if iface.driver in WWAN_DRIVERS:
        signals.append(f"modem/tethering driver {iface.driver}")
    if iface.devtype in ("wlan", "wwan"):
        signals.append(f"DEVTYPE={iface.devtype}")
    if iface.arp_type == ARPHRD_PPP:
        signals.append("link type PPP")
    elif iface.arp_type in ARPHRD_IEEE80211:
        signals.append("link type IEEE 802.11")
    prefix = next((p for p in RADIO_PREFIXES if iface.name.startswith(p)), None)
    if prefix:
        signals.append(f"name {prefix}*")
    return signals


@check(
    "isolation.wireless",
    category="isolation",
    severity=Severity.CRITICAL,
    title="No Wi-Fi, 4G/5G modem, tethering or Bluetooth",
    remediation="Remove the radio hardware (Wi-Fi card, USB modem, Bluetooth adapter) or disable "
    "it in firmware; a phone used for tethering must be taken away. Record the device.",
    zones=ISOLATED_ZONES,
)
def wireless(facts: Facts, ctx: CheckContext) -> Verdict:
    interfaces = facts.need("interfaces")
    found: list[dict[str, object]] = []
    for iface in interfaces:
        signals = _radio_signals(iface)
        if signals:
            found.append({"device": iface.name, "signals": signals, "state": iface.operstate})
    for dev in facts.rfkill or ():
        found.append(
            {
                "device": f"rfkill {dev.name}",
                "signals": [f"rfkill type {dev.type}"],
                "state": "blocked" if dev.soft_blocked or dev.hard_blocked else "unblocked",
            }
        )
    for hci in facts.bluetooth or ():
        found.append({"device": hci, "signals": ["/sys/class/bluetooth"], "state": ""})
    blind = [g for g in ("rfkill", "bluetooth") if getattr(facts, g) is None]
    evidence = {"radios": found, "interfaces": [i.name for i in interfaces], "not_examined": blind}
    if found:
        listed = "; ".join(
            f"{f['device']} ({', '.join(f['signals'])})"  # type: ignore[arg-type]
            for f in found
        )
        return verdict(False, f"radio devices present: {listed}", **evidence)
    if blind:
        # Interfaces looked clean but rfkill/bluetooth could not be read: we cannot say "none".
        return cannot_decide(
            f"interfaces clean, but could not examine {', '.join(blind)}", **evidence
        )
    return verdict(True, f"no radio devices among {len(interfaces)} interfaces", **evidence)

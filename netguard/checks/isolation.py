"""Physical isolation between intranet/classified networks and the internet (8.1.3.1 c/d).

These checks compare what the host says about its addresses, routes and radios with what the
inventory registered for its segment; every verdict names the address, route or signal it saw.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from netguard.checks.base import (
    CheckContext,
    ParamSpec,
    Verdict,
    cannot_decide,
    check,
    not_applicable,
    part,
    say,
    verdict,
)
from netguard.model import ISOLATED_ZONES, Segment, Severity, Zone
from netguard.model.facts import (
    Address,
    DhcpLease,
    Facts,
    Interface,
    Link,
    NetProfile,
    ProbeAttempt,
    Route,
    UsbNetLine,
)

NON_INTERNET = frozenset(Zone) - {Zone.INTERNET}

# Drivers of USB modems and phone tethering (4G/5G, RNDIS, Apple) — CHECKS.md. The same names
# select the kernel log lines isolation.history reads: scripts/linux.sh repeats them in `_usbnet`
# (a shell script cannot import them), and a test holds the two lists equal.
WWAN_DRIVERS = frozenset(
    {
        "qmi_wwan",
        "qmi_wwan_q",  # Quectel's own build of qmi_wwan (EC20/EC25/RM500Q driver packages)
        "GobiNet",  # Quectel's out-of-tree QMI network driver
        "cdc_mbim",
        "cdc_ether",
        "rndis_host",
        "ipheth",
        "cdc_ncm",
        "option",  # the serial (AT/PPP) ports of most USB modems
        "qcserial",  # Qualcomm Gobi modems' serial ports (also built-in laptop WWAN cards)
        "sierra",  # Sierra Wireless modems' serial ports
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
    return seg.contains(addr.ip)


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
    cidr = ctx.segment.cidr_text
    evidence = {
        "segment": ctx.segment.name,
        "cidr": cidr,
        "addresses": [str(a) for a in addrs],
        "outside": outside,
    }
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
    """Addresses in two zones, or beside an address on a network no segment registers: an
    unknown network (a phone's hotspot, a USB modem) must be assumed to lead to the internet."""
    zones: dict[str, list[str]] = {}
    where: dict[str, list[dict[str, Any]]] = {}
    unknown: dict[str, list[str]] = {}
    unknown_where: dict[str, list[dict[str, Any]]] = {}
    for a in facts.need("addresses"):
        if not _routable(a):
            continue
        seg = _segment_of(a, ctx.segments)
        if seg is not None:
            zones.setdefault(str(seg.zone), []).append(str(a))
            where.setdefault(str(seg.zone), []).append(part("address.on_interface", **_where(a)))
        else:
            net = str(a.network)
            unknown.setdefault(net, []).append(str(a))
            unknown_where.setdefault(net, []).append(part("address.on_interface", **_where(a)))
    evidence: dict[str, Any] = {"zones": zones}
    if unknown:
        evidence["unregistered_networks"] = unknown
    if len(zones) + len(unknown) > 1:
        bridging = [part("zone_addresses", zone=z, addresses=where[z]) for z in sorted(where)]
        bridging += [
            part("network.unregistered", network=n, addresses=unknown_where[n])
            for n in sorted(unknown_where)
        ]
        crosses = Zone.INTERNET in zones and any(z in zones for z in ISOLATED_ZONES)
        if crosses:
            said = say("isolation.multi_homed.crosses", zones=bridging)
        elif unknown:
            said = say("isolation.multi_homed.unregistered", zones=bridging)
        else:
            said = say("isolation.multi_homed.several", zones=bridging)
        return verdict(False, said, crosses_isolation=crosses, **evidence)
    if not zones:
        return verdict(True, say("isolation.multi_homed.no_zone"), **evidence)
    return verdict(True, say("isolation.multi_homed.one_zone", zone=next(iter(zones))), **evidence)


def _exits(routes: tuple[Route, ...]) -> list[tuple[Route, str]]:
    """Each way out once: a default route, or the halves of a split default that share table,
    device and gateway (``0.0.0.0/1`` + ``128.0.0.0/1`` via tun0 is one way out). Each comes
    with its text, e.g. ``0.0.0.0/1 + 128.0.0.0/1 via 10.8.0.1 dev tun0``."""
    out: list[tuple[Route, str]] = []
    halves: dict[tuple[int, str, str, str], list[Route]] = {}
    for r in routes:
        if r.is_default:
            out.append((r, str(r)))
        else:
            halves.setdefault((r.family, r.table, r.dev, str(r.gateway)), []).append(r)
    for group in halves.values():
        first = group[0]
        text = str(first).replace(first.dst, " + ".join(r.dst for r in group), 1)
        out.append((first, text))
    return out


@check(
    "isolation.default_route",
    category="isolation",
    severity=Severity.CRITICAL,
    params=(
        ParamSpec(
            "max_default_routes",
            int,
            1,
            "how many default routes are allowed per address family",
            minimum=0,
        ),
    ),
    zones=NON_INTERNET,
)
def default_route(facts: Facts, ctx: CheckContext) -> Verdict:
    """Per address family: at most ``max_default_routes`` ways out (default routes and split
    defaults, in every table a rule selects), each via the segment's gateway of that family."""
    routes = facts.need("default_routes")
    limit = ctx.params["max_default_routes"]
    seg = ctx.segment
    exits = _exits(routes)
    problems: list[dict[str, Any]] = []
    used: list[str] = []
    for family in (4, 6):
        mine = [(r, text) for r, text in exits if r.family == family]
        if len(mine) > limit:
            problems.append(part("route.too_many", count=len(mine), limit=limit, family=family))
        gw = seg.gateway_for(family)
        for r, text in mine:
            if r.gateway is not None and r.gateway == gw:
                if str(gw) not in used:
                    used.append(str(gw))
                continue
            if r.protocol == "ra" and r.gateway is not None:
                problems.append(part("route.ra_unregistered", route=text, router=str(r.gateway)))
            elif not seg.gateway:
                problems.append(part("route.no_gateway", route=text, segment=seg.name))
            elif gw is None:
                problems.append(
                    part("route.no_family_gateway", route=text, segment=seg.name, family=family)
                )
            else:
                problems.append(part("route.not_via_gateway", route=text, gateway=str(gw)))
    evidence = {
        "registered_gateway": ", ".join(str(g) for g in seg.gateway) or None,
        "default_routes": [text for _, text in exits],
    }
    if problems:
        return verdict(False, say("isolation.default_route.wrong", problems=problems), **evidence)
    if not exits:
        return verdict(True, say("isolation.default_route.none"), **evidence)
    if len(used) > 1:
        return verdict(
            True, say("isolation.default_route.ok_families", gateways=", ".join(used)), **evidence
        )
    return verdict(True, say("isolation.default_route.ok", gateway=used[0]), **evidence)


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


#: Ports that end on this machine rather than lead to a wire: a VM's or VPN's tap/tun, dummy.
#: Every other port (a NIC, a VLAN, a bond, a veth to a namespace or container) is a network.
LOCAL_PORT_KINDS = frozenset({"tun", "dummy"})


#: the kinds of link that join ports (i18n ``link_kind.<kind>``)
BRIDGING_KINDS = ("bridge", "bond", "team")


@check(
    "isolation.bridge",
    category="isolation",
    severity=Severity.CRITICAL,
    zones=ISOLATED_ZONES,
)
def bridge(facts: Facts, ctx: CheckContext) -> Verdict:
    """A bridge or bond that joins two ports: frames pass between whatever the ports are cabled
    to, without routing and without any address on the host to give it away."""
    links: tuple[Link, ...] = facts.need("links")
    joined: list[dict[str, Any]] = []
    found: list[dict[str, Any]] = []
    for master in links:
        if master.kind not in BRIDGING_KINDS:
            continue
        ports = [p for p in links if p.master == master.name]
        wired = [p for p in ports if p.kind not in LOCAL_PORT_KINDS]
        found.append(
            {
                "device": master.name,
                "kind": master.kind,
                "ports": [f"{p.name} ({p.describe_kind})" for p in ports],
                "counted": [p.name for p in wired],
            }
        )
        if len(wired) >= 2:
            joined.append(
                part(
                    "bridge.ports",
                    kind=master.kind,
                    device=master.name,
                    count=len(wired),
                    ports=[part("bridge.port", device=p.name, kind=p.describe_kind) for p in wired],
                )
            )
    evidence = {"bridges": found}
    if joined:
        return verdict(False, say("isolation.bridge.joined", bridges=joined), **evidence)
    return verdict(True, say("isolation.bridge.none", count=len(links)), **evidence)


#: Name prefixes of tunnel devices, for a route whose device `ip -d link` did not list.
TUNNEL_PREFIXES = ("tun", "tap", "wg", "gre", "ipip", "sit", "ip6tnl", "vti")


def _tunnel_kind(dev: str, links: Mapping[str, Link]) -> str | None:
    link = links.get(dev)
    if link is not None:
        return link.describe_kind if link.is_tunnel else None
    return next((p for p in TUNNEL_PREFIXES if dev.startswith(p)), None)


@check(
    "isolation.tunnel",
    category="isolation",
    severity=Severity.CRITICAL,
    zones=NON_INTERNET,
)
def tunnel(facts: Facts, ctx: CheckContext) -> Verdict:
    """A default or split-default route into a tunnel (OpenVPN's tun, WireGuard, GRE, IPIP,
    SIT): the host's traffic leaves wrapped for wherever the tunnel ends, past the registered
    gateway."""
    routes = facts.need("default_routes")
    links = {link.name: link for link in facts.need("links")}
    found: list[dict[str, Any]] = []
    listed: list[dict[str, Any]] = []
    for r, text in _exits(routes):
        kind = _tunnel_kind(r.dev, links)
        if kind is not None:
            found.append({"route": text, "device": r.dev, "kind": kind})
            listed.append(part("tunnel.route", route=text, kind=kind))
    tunnels = sorted(
        f"{link.name} ({link.describe_kind})" for link in links.values() if link.is_tunnel
    )
    evidence = {"tunnel_routes": found, "tunnel_interfaces": tunnels}
    if listed:
        return verdict(False, say("isolation.tunnel.found", routes=listed), **evidence)
    return verdict(True, say("isolation.tunnel.none", count=len(tunnels)), **evidence)


#: Where Windows' Bluetooth devices come from (scripts/windows.ps1, section bluetooth).
PNP_BLUETOOTH = "Get-PnpDevice -Class Bluetooth"

#: Outcomes of an attempt that was sent and did not connect: the arrivals decide.
PROBE_SENT = frozenset({"refused", "no_route", "timeout"})


def _when(at: float | None) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat() if at is not None else "?"


def _attempt(a: ProbeAttempt) -> dict[str, Any]:
    return {
        "target": f"[{a.ip}]:{a.port}" if ":" in a.ip else f"{a.ip}:{a.port}",
        "method": a.method,
        "outcome": a.outcome,
        "sent_at": _when(a.sent_at) if a.sent_at is not None else None,
    }


@check(
    "isolation.reachability",
    category="isolation",
    severity=Severity.CRITICAL,
    zones=ISOLATED_ZONES,
)
def reachability(facts: Facts, ctx: CheckContext) -> Verdict:
    """The 违规外联 probe as the host's own stack saw it: a connection that completed to a
    target on the internet side is proof from the host's side; one sent and not connected
    passes here — whether it arrived is for `netguard correlate` to say."""
    if facts.platform == "windows":
        if ctx.probe_token is not None:
            return unsent_on_windows()
        return not_applicable(say("isolation_windows.probe_not_requested"))
    if ctx.probe_token is None:
        return not_applicable(say("isolation.reachability.not_requested"))
    probe = facts.need("probe")
    if not probe.requested or probe.token != ctx.probe_token or not probe.attempts:
        return cannot_decide(say("isolation.reachability.mismatch"), token=ctx.probe_token)
    attempts = [_attempt(a) for a in probe.attempts]
    evidence = {"token": probe.token, "attempts": attempts}
    connected = [a for a in attempts if a["outcome"] == "connected"]
    if connected:
        listed = [part("probe.attempt", **a) for a in connected]
        return verdict(False, say("isolation.reachability.connected", attempts=listed), **evidence)
    sent = [a for a in attempts if a["outcome"] in PROBE_SENT]
    if not sent:
        listed = [part("probe.not_sent", **a) for a in attempts]
        return cannot_decide(say("isolation.reachability.not_sent", attempts=listed), **evidence)
    listed = [part("probe.attempt", **a) for a in attempts]
    return verdict(True, say("isolation.reachability.sent", attempts=listed), **evidence)


def unsent_on_windows() -> Verdict:
    """isolation.reachability for a Windows host the run's probe was meant for: the probe is not
    implemented there, so none was sent and the check cannot be decided (never a pass)."""
    return cannot_decide(say("isolation_windows.probe_unsent"))


def arrived(arrivals: Sequence[Mapping[str, Any]], evidence: Mapping[str, Any]) -> Verdict:
    """isolation.reachability once the receiver's file proves it: the probe arrived on the
    internet side (``arrivals``: arrived_at ISO time, source address seen, port, proto — a NAT
    address names the exit that was used). ``evidence``: what the host reported, kept."""
    listed = [part("probe.arrival", **a) for a in arrivals]
    return verdict(
        False,
        say("isolation.reachability.arrived", arrivals=listed),
        **{**evidence, "arrivals": [dict(a) for a in arrivals]},
    )


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
    if iface.media:  # Windows: Get-NetAdapter's physical medium (collect/parse_windows.py)
        signals.append((f"medium {iface.media}", part("signal.windows_media", media=iface.media)))
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
    windows = facts.platform == "windows"  # Bluetooth devices from Get-PnpDevice, not sysfs
    for hci in facts.bluetooth or ():
        if windows:
            found.append({"device": hci, "signals": [PNP_BLUETOOTH], "state": ""})
            listed.append(part("radio_windows.bluetooth", device=hci))
        else:
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


#: NetworkManager connection types that reach a network over the air (or a phone).
RADIO_PROFILE_TYPES = frozenset({"wifi", "gsm", "cdma", "bluetooth", "wimax", "olpc-mesh"})
#: The places the host keeps its network history, in the order the evidence lists them.
HISTORY_SOURCES = ("nm_profiles", "dhcp_leases", "kernel_net_log")


def _day(t: float) -> str:
    """A date for a message (UTC: the auditor's clock, not the host's zone)."""
    return time.strftime("%Y-%m-%d", time.gmtime(t))


def _stamp(t: float | None) -> str | None:
    return None if t is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def _last_used(profile: NetProfile, timestamps: Mapping[str, float]) -> float | None:
    """The later of the keyfile's timestamp= and NetworkManager's timestamps file."""
    known = [t for t in (profile.timestamp, timestamps.get(profile.uuid.lower())) if t]
    return max(known) if known else None


def _profile_part(p: NetProfile, used: float | None) -> dict[str, Any]:
    if p.type == "wifi":
        if used is None:
            return part("history.wifi_unused", name=p.id, ssid=p.ssid)
        return part("history.wifi_used", name=p.id, ssid=p.ssid, date=_day(used))
    if used is None:
        return part("history.radio_unused", name=p.id, type=p.type)
    return part("history.radio_used", name=p.id, type=p.type, date=_day(used))


def _lease_part(lease: DhcpLease, held: float, seg: Segment | None) -> dict[str, Any]:
    interface: Any = lease.interface or "?"
    if interface.startswith("ifindex ") and interface[8:].isdigit():  # networkd's lease files
        interface = part("history.interface_index", index=int(interface[8:]))
    where = {"address": str(lease.address), "interface": interface}
    if seg is None:
        return part("history.lease_unregistered", **where, date=_day(held))
    return part(
        "history.lease_in_segment", **where, date=_day(held), segment=seg.name, zone=str(seg.zone)
    )


def _usb_part(driver: str, lines: list[UsbNetLine]) -> dict[str, Any]:
    times = sorted(ln.time for ln in lines)
    return part(
        "history.usb_attached",
        driver=driver,
        count=len(lines),
        first=_day(times[0]),
        last=_day(times[-1]),
    )


@check(
    "isolation.history",
    category="isolation",
    severity=Severity.HIGH,
    params=(
        ParamSpec(
            "lookback_days",
            int,
            90,
            "how many days back a trace of an outside network counts",
            minimum=1,
        ),
    ),
    zones=ISOLATED_ZONES,
)
def history(facts: Facts, ctx: CheckContext) -> Verdict:
    """Networks the host joined recently, though it may be clean now (CHECKS.md
    isolation.history): radio profiles NetworkManager used, DHCP leases from other networks,
    USB modems and network adapters in the kernel log. Times are compared with the auditor's
    clock at collection (Facts.now), so a replay judges as of then.

    A Wi-Fi/mobile/Bluetooth profile with no recorded use fails too: the timestamps may have been
    lost, so it cannot be placed outside the window, and NetworkManager connects it by itself the
    moment a matching radio appears. A profile last used before the window is listed only.
    """
    days = ctx.params["lookback_days"]
    start = facts.now - days * 86400
    read = [name for name in HISTORY_SOURCES if getattr(facts, name) is not None]
    unread = {
        name: facts.problems.get(name, "not collected")
        for name in HISTORY_SOURCES
        if name not in read
    }
    unread_parts = [part("history.unread", fact=n, why=why) for n, why in unread.items()]
    if not read:
        return cannot_decide(
            say("isolation.history.no_source", sources=unread_parts), not_read=unread
        )
    found: list[dict[str, Any]] = []
    evidence: dict[str, Any] = {
        "lookback_days": days,
        "window_start": _stamp(start),
        "read": read,
        "not_read": unread,
    }

    if facts.nm_profiles is not None:
        stamps = facts.nm_timestamps or {}
        if facts.nm_timestamps is None:
            evidence["nm_timestamps"] = facts.problems.get("nm_timestamps", "not collected")
        listed = []
        for p in facts.nm_profiles:
            used = _last_used(p, stamps)
            radio = p.type in RADIO_PROFILE_TYPES
            counts = radio and (used is None or used >= start)
            listed.append(
                {
                    "id": p.id,
                    "type": p.type,
                    "ssid": p.ssid,
                    "mode": p.mode,
                    "apn": p.apn,
                    "interface": p.interface,
                    "autoconnect": p.autoconnect,
                    "last_used": _stamp(used),
                    "file": p.path,
                    "counts": counts,
                }
            )
            if counts:
                found.append(_profile_part(p, used))
        evidence["profiles"] = listed

    if facts.dhcp_leases is not None:
        listed = []
        for lease in facts.dhcp_leases:
            held = lease.expires if lease.expires is not None else lease.written
            inside = ctx.segment.contains(lease.address)
            counts = not inside and held >= start
            listed.append(
                {
                    "address": str(lease.address),
                    "interface": lease.interface,
                    "router": lease.router,
                    "held_until": _stamp(held),
                    "file": lease.path,
                    "counts": counts,
                }
            )
            if counts:
                seg = next(
                    (s for s in ctx.segments.values() if s.contains(lease.address)),
                    None,
                )
                found.append(_lease_part(lease, held, seg))
        evidence["leases"] = listed

    if facts.kernel_net_log is not None:
        log = facts.kernel_net_log
        by_driver: dict[str, list[UsbNetLine]] = {}
        for ln in log.lines:
            if ln.driver in WWAN_DRIVERS and ln.time >= start:
                by_driver.setdefault(ln.driver, []).append(ln)
        evidence["kernel_logs"] = {src: {"since": _stamp(first)} for src, first in log.read}
        if log.unread:
            evidence["kernel_logs_not_read"] = list(log.unread)
        evidence["usb_network_lines"] = [
            {
                "source": ln.source,
                "time": _stamp(ln.time),
                "driver": ln.driver,
                "device": ln.device,
                "text": ln.text,
            }
            for lines in by_driver.values()
            for ln in lines
        ][:50]
        found += [_usb_part(d, by_driver[d]) for d in sorted(by_driver)]

    if found:
        return verdict(False, say("isolation.history.found", days=days, traces=found), **evidence)
    if unread:
        return verdict(
            True,
            say("isolation.history.clean_partly", days=days, sources=read, unread=unread_parts),
            **evidence,
        )
    return verdict(True, say("isolation.history.clean", days=days, sources=read), **evidence)

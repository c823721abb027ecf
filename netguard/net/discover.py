"""The network sweep (``netguard discover``): who answers on the segments the auditor is on.

ARP for IPv4 (every address of each registered prefix the auditor has an address in), neighbor
solicitation for IPv6 (every registered address of the prefix) plus an echo request to the
all-nodes group ff02::1. Only intranet and classified segments are swept, and only through an
interface that holds an address inside one of the segment's prefixes: a segment the auditor is
not on is never touched. Sending is paced (``rate`` packets per second) and the whole sweep
ends by ``timeout`` seconds, whatever answers.

What answers is hostile: only well-formed addresses inside the swept prefixes are kept, MACs
are normalised, and the number of answers is capped. Results are plain data (``model.Sweep``);
judging them is ``checks/network.py``'s job.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from netguard.errors import NetguardError
from netguard.model import (
    ISOLATED_ZONES,
    Inventory,
    IPAddress,
    IPNetwork,
    Neighbor,
    Segment,
    Sweep,
)

#: An IPv4 prefix larger than this is not swept address by address (a /16 at 100 pps is
#: eleven minutes); the segment is reported as skipped instead.
MAX_ADDRESSES = 65536
#: Answers kept at most: a flood of forged replies must not grow memory.
MAX_ANSWERS = 100_000
ALL_NODES = "ff02::1"
_MAC = re.compile(r"[0-9a-f]{2}(?::[0-9a-f]{2}){5}")


class RawSocketsNotPermitted(NetguardError):
    """Raw sockets need root or CAP_NET_RAW (exit 2, before anything is sent)."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"the network sweep needs raw sockets, which this process may not open ({detail}): "
            "run it as root (sudo), or grant the Python interpreter CAP_NET_RAW "
            '(setcap cap_net_raw+ep "$(readlink -f "$(command -v python3)")")'
        )


@dataclass(frozen=True)
class Leg:
    """The auditor's interface in a segment, with its own addresses there."""

    segment: Segment
    interface: str
    mac: str
    addresses: tuple[IPAddress, ...]

    def prefixes(self) -> tuple[IPNetwork, ...]:
        """The segment's prefixes the auditor holds an address in."""
        return tuple(n for n in self.segment.cidr if any(a in n for a in self.addresses))


#: interface → [(address text, family 4|6)] and interface → MAC ("" when unknown)
Interfaces = Mapping[str, list[tuple[str, int]]]


def local_interfaces() -> tuple[dict[str, list[tuple[str, int]]], dict[str, str]]:
    """This machine's interfaces: their IPv4/IPv6 addresses and MACs (psutil)."""
    import socket

    import psutil

    addrs: dict[str, list[tuple[str, int]]] = {}
    macs: dict[str, str] = {}
    for name, entries in psutil.net_if_addrs().items():
        for e in entries:
            if e.family == socket.AF_INET:
                addrs.setdefault(name, []).append((e.address, 4))
            elif e.family == socket.AF_INET6:
                addrs.setdefault(name, []).append((e.address.split("%", 1)[0], 6))
            elif e.family == psutil.AF_LINK and e.address:
                macs[name] = e.address.lower().replace("-", ":")
    return addrs, macs


def legs_of(
    inventory: Inventory,
    interfaces: Interfaces,
    macs: Mapping[str, str],
    only: Iterable[str] = (),
) -> tuple[list[Leg], dict[str, str]]:
    """The segments to sweep and the ones skipped (segment → why), pure. ``only``: the segments
    named with --segment (unknown names are bad input); by default every intranet and
    classified segment."""
    wanted = list(dict.fromkeys(only))
    unknown = [s for s in wanted if s not in inventory.segments]
    if unknown:
        from netguard.errors import InputError

        raise InputError(
            f"unknown segment {unknown[0]!r}; the inventory defines: "
            + ", ".join(inventory.segments),
            field="--segment",
        )
    legs: list[Leg] = []
    skipped: dict[str, str] = {}
    for seg in inventory.segments.values():
        if wanted and seg.name not in wanted:
            continue
        if seg.zone not in ISOLATED_ZONES:
            if wanted:
                skipped[seg.name] = f"zone {seg.zone}: only intranet and classified are swept"
            continue
        found = None
        for name, entries in sorted(interfaces.items()):
            mine = tuple(
                a for a in (_ip(text) for text, _ in entries) if a is not None and seg.contains(a)
            )
            if mine:
                found = Leg(seg, name, macs.get(name, ""), mine)
                break
        if found is None:
            skipped[seg.name] = "the auditor has no address in this segment"
        else:
            legs.append(found)
    for leg in list(legs):
        too_big = [n for n in leg.prefixes() if n.version == 4 and n.num_addresses > MAX_ADDRESSES]
        if too_big:
            skipped[leg.segment.name] = f"{too_big[0]} is larger than {MAX_ADDRESSES} addresses"
            legs.remove(leg)
    return legs, skipped


def _ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def targets(leg: Leg, inventory: Inventory) -> list[IPAddress]:
    """Whom to ask in one leg: every IPv4 address of its prefixes (not its own, not network or
    broadcast), and the registered IPv6 addresses inside its IPv6 prefixes."""
    out: list[IPAddress] = []
    own = set(leg.addresses)
    for net in leg.prefixes():
        if net.version == 4:
            out += [a for a in net.hosts() if a not in own]
        else:
            out += [a for h in inventory.registered if (a := h.address) is not None
                    and a in net and a not in own]  # fmt: skip
    return out


def normal_mac(text: Any) -> str | None:
    """A MAC from the wire, lowercase with colons; None when it is not one."""
    if not isinstance(text, str):
        return None
    mac = text.lower()
    return mac if _MAC.fullmatch(mac) and mac != "00:00:00:00:00:00" else None


def sweep(
    inventory: Inventory,
    only: Iterable[str] = (),
    rate: float = 100.0,
    timeout: float = 60.0,
    *,
    interfaces: tuple[Interfaces, Mapping[str, str]] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Sweep:
    """Sweep the segments the auditor is on (see the module doc). Raises RawSocketsNotPermitted
    when raw sockets cannot be opened."""
    addrs, macs = interfaces if interfaces is not None else local_interfaces()
    legs, skipped = legs_of(inventory, addrs, macs, only)
    start = clock()
    deadline = start + timeout
    answers: list[Neighbor] = []
    swept: dict[str, str] = {}
    for leg in legs:
        if clock() >= deadline:
            skipped[leg.segment.name] = "the sweep's time ran out before this segment"
            continue
        answers += _sweep_leg(leg, targets(leg, inventory), rate, deadline, clock)
        swept[leg.segment.name] = leg.interface
        if len(answers) >= MAX_ANSWERS:
            del answers[MAX_ANSWERS:]
            break
    return Sweep(swept, skipped, tuple(answers), clock() - start)


def _sweep_leg(
    leg: Leg,
    hosts: list[IPAddress],
    rate: float,
    deadline: float,
    clock: Callable[[], float],
) -> list[Neighbor]:
    """Ask every target on one interface, paced, and collect the answers until the deadline
    (or a short grace after the last request)."""
    from scapy.config import conf
    from scapy.layers.inet6 import (
        ICMPv6EchoRequest,
        ICMPv6ND_NS,
        ICMPv6NDOptSrcLLAddr,
        IPv6,
        in6_getnsma,
        in6_getnsmac,
    )
    from scapy.layers.l2 import ARP, Ether
    from scapy.sendrecv import AsyncSniffer, sendp

    got: dict[tuple[IPAddress, str], Neighbor] = {}

    def heard(pkt: Any) -> None:
        for ip_text, mac_text in _answer_of(pkt):
            ip, mac = _ip(str(ip_text)), normal_mac(mac_text)
            if ip is None or mac is None or mac == leg.mac or len(got) >= MAX_ANSWERS:
                continue
            if (ip.version == 6 and ip.is_link_local) or leg.segment.contains(ip):
                got.setdefault((ip, mac), Neighbor(leg.segment.name, ip, mac, leg.interface))

    packets: list[Any] = []
    v4_src = next((a for a in leg.addresses if a.version == 4), None)
    v6_src = next((a for a in leg.addresses if a.version == 6), None)
    for ip in hosts:
        if ip.version == 4 and v4_src is not None:
            packets.append(
                Ether(dst="ff:ff:ff:ff:ff:ff", src=leg.mac or None)
                / ARP(op=1, pdst=str(ip), psrc=str(v4_src), hwsrc=leg.mac or None)
            )
        elif ip.version == 6 and v6_src is not None:
            group = in6_getnsma(ipaddress.IPv6Address(ip).packed)
            dst = str(ipaddress.IPv6Address(group))
            packets.append(
                Ether(dst=in6_getnsmac(group))
                / IPv6(src=str(v6_src), dst=dst, hlim=255)
                / ICMPv6ND_NS(tgt=str(ip))
                / ICMPv6NDOptSrcLLAddr(lladdr=leg.mac or "00:00:00:00:00:00")
            )
    if v6_src is not None:
        packets.append(Ether(dst="33:33:00:00:00:01") / IPv6(src=str(v6_src), dst=ALL_NODES)
                       / ICMPv6EchoRequest())  # fmt: skip
    try:  # both sockets opened here, so a refusal is raised here, before anything is sent
        sock = conf.L2socket(iface=leg.interface)
        try:
            listen = conf.L2listen(iface=leg.interface)
        except BaseException:
            sock.close()
            raise
    except PermissionError as exc:
        raise RawSocketsNotPermitted(str(exc)) from None
    sniffer = AsyncSniffer(opened_socket=listen, prn=heard, store=False, lfilter=_is_answer)
    sniffer.start()
    try:
        gap = 1.0 / rate
        next_at = clock()
        for pkt in packets:
            if clock() >= deadline:
                break
            sendp(pkt, socket=sock, verbose=False)
            next_at += gap
            time.sleep(max(0.0, min(next_at, deadline) - clock()))
        grace = min(deadline, clock() + 1.0)
        while clock() < grace:
            time.sleep(0.05)
    except PermissionError as exc:
        raise RawSocketsNotPermitted(str(exc)) from None
    finally:
        with contextlib.suppress(Exception):
            sniffer.stop()
        sock.close()
        listen.close()
    return list(got.values())


def _is_answer(pkt: Any) -> bool:
    return bool(_answer_of(pkt))


def _answer_of(pkt: Any) -> list[tuple[Any, Any]]:
    """(address, MAC) a captured packet answers with: an ARP reply, a neighbor advertisement,
    an echo reply (to the all-nodes request)."""
    from scapy.layers.inet6 import ICMPv6EchoReply, ICMPv6ND_NA, IPv6
    from scapy.layers.l2 import ARP, Ether

    if pkt.haslayer(ARP) and pkt[ARP].op == 2:
        return [(pkt[ARP].psrc, pkt[ARP].hwsrc)]
    if pkt.haslayer(ICMPv6ND_NA) and pkt.haslayer(Ether):
        return [(pkt[ICMPv6ND_NA].tgt, pkt[Ether].src)]
    if pkt.haslayer(ICMPv6EchoReply) and pkt.haslayer(IPv6) and pkt.haslayer(Ether):
        return [(pkt[IPv6].src, pkt[Ether].src)]
    return []

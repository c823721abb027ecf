"""The embedded default inventory: this machine, audited in place (no SSH, no file).

What the local machine's "segment" is cannot be known — nobody registered it — so we take the
best guess the kernel offers and say so in the segment's description, for each address family:

- IPv4: the primary address is the source address the kernel would use toward a public address
  (a connected UDP socket sends nothing, it only asks the routing table); its CIDR is the on-link
  route (``/proc/net/route``) that contains that address (its /32 if no route holds it); the
  registered gateway is the default route's gateway if it lies inside that CIDR. The interface
  of that on-link route is the primary interface.
- IPv6: on the primary interface (without IPv4: the interface of the IPv6 default route, or of
  the address the kernel would use toward a public IPv6 address), every global address
  (``/proc/net/if_inet6``) with the on-link prefix that holds it (``/proc/net/ipv6_route``; its
  /128 if none), and the gateway of the IPv6 default route on that interface (inside a prefix,
  or link-local as router advertisements give it).
- when neither family has anything (no network, not Linux), the segment is 127.0.0.0/8 and the
  address 127.0.0.1, with no gateway.

A dual-stack machine therefore gets a segment with both families, so that its own IPv6 address
and default route are not reported as outside its segment.

The zone is intranet unless the caller says otherwise (``netguard inspect --zone classified``):
the embedded default exists to check this machine against the strictest everyday rules (an office
PC), not to guess whether it is allowed on the internet.
"""

from __future__ import annotations

import hashlib
import socket
import struct
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from pathlib import Path

from netguard.model import Host, Inventory, IPAddress, IPNetwork, Segment, SshSettings, Zone

LOCAL_PATH = "<local>"
SEGMENT_NAME = "local"
FALLBACK_NETWORK = IPv4Network("127.0.0.0/8")
FALLBACK_ADDRESS = IPv4Address("127.0.0.1")
# A TEST-NET-1 address (RFC 5737): only used to ask which source address the kernel would pick.
_PROBE_TARGET = ("192.0.2.1", 9)
# The IPv6 documentation prefix (RFC 3849), for the same question about IPv6.
_PROBE_TARGET6 = ("2001:db8::1", 9)
ROUTE_TABLE = Path("/proc/net/route")
IPV6_ROUTE_TABLE = Path("/proc/net/ipv6_route")
IPV6_ADDRESSES = Path("/proc/net/if_inet6")
_RTF_UP = 0x1
_RTF_GATEWAY = 0x2
_RTF_REJECT = 0x200
_RTF_LOCAL = 0x80000000
_IFA_SCOPE_GLOBAL = 0x00
_IFA_F_TENTATIVE = 0x40


@dataclass(frozen=True)
class _Route:
    iface: str
    network: IPNetwork
    gateway: IPAddress | None
    metric: int


@dataclass(frozen=True)
class _Guess:
    address: IPAddress
    networks: tuple[IPNetwork, ...]
    gateways: tuple[IPAddress, ...]


def local_inventory(zone: Zone = Zone.INTRANET) -> Inventory:
    """One host (this machine, local transport) in segment 'local' of ``zone`` (default: the
    intranet; an inspector standing at a classified machine says so)."""
    guess = _guess_network()
    segment = Segment(
        name=SEGMENT_NAME,
        zone=zone,
        cidr=guess.networks,
        gateway=guess.gateways,
        description=(
            "this machine's own network, guessed from its routing table (not registered)"
            if guess.networks != (FALLBACK_NETWORK,)
            else "no usable network found: loopback stands in for the machine's segment"
        ),
    )
    host = Host(
        name=_safe_hostname(socket.gethostname()),
        address=guess.address,
        segment=SEGMENT_NAME,
        os="linux",
        ssh=SshSettings(),  # unused by the local transport, but command_timeout still applies
        transport="local",
    )
    # No file to hash: hash what was derived, so two runs can still tell "same inventory".
    digest = hashlib.sha256(repr((segment, host)).encode()).hexdigest()
    return Inventory(
        path=LOCAL_PATH, sha256=digest, segments={SEGMENT_NAME: segment}, hosts=(host,)
    )


def _safe_hostname(name: str) -> str:
    # The name reaches file names like any inventory name does; keep the same alphabet.
    cleaned = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "-" for c in name)
    cleaned = cleaned.lstrip("-")[:63]
    return cleaned if cleaned.strip(".") else "localhost"


def _guess_network() -> _Guess:
    v4 = _guess_ipv4()
    iface = v4[3] if v4 is not None else None
    v6 = _guess_ipv6(iface)
    networks: list[IPNetwork] = []
    gateways: list[IPAddress] = []
    address: IPAddress | None = None
    for found in (v4, v6):
        if found is None:
            continue
        addr, nets, gw = found[0], found[1], found[2]
        address = address or addr
        networks += nets
        if gw is not None:
            gateways.append(gw)
    if address is None:
        return _Guess(FALLBACK_ADDRESS, (FALLBACK_NETWORK,), ())
    return _Guess(address, tuple(networks), tuple(gateways))


def _guess_ipv4() -> tuple[IPAddress, list[IPNetwork], IPAddress | None, str | None] | None:
    """(primary address, its network, the gateway, the primary interface), None without one."""
    address = _primary_address()
    if address is None:
        return None
    try:
        routes = _read_routes(ROUTE_TABLE)
    except (OSError, ValueError):
        routes = []
    defaults = sorted((r for r in routes if r.network.prefixlen == 0), key=lambda r: r.metric)
    gateway = defaults[0].gateway if defaults else None
    # The most specific on-link route that holds our address is the segment we sit in.
    on_link = [r for r in routes if r.gateway is None and r.network.prefixlen > 0]
    holding = sorted(
        (r for r in on_link if address in r.network), key=lambda r: -r.network.prefixlen
    )
    if not holding:
        iface = defaults[0].iface if defaults else None
        return address, [IPv4Network(f"{address}/32")], None, iface
    network = holding[0].network
    inside = gateway if gateway is not None and gateway in network else None
    return address, [network], inside, holding[0].iface


def _guess_ipv6(iface: str | None) -> tuple[IPAddress, list[IPNetwork], IPAddress | None] | None:
    """(first global address, the prefixes of the primary interface's global addresses, the
    IPv6 gateway) on ``iface`` (None: the interface of the IPv6 default route), None without."""
    try:
        addrs = _read_inet6(IPV6_ADDRESSES)
        routes = _read_ipv6_routes(IPV6_ROUTE_TABLE)
    except (OSError, ValueError):
        return None
    defaults = sorted(
        (r for r in routes if r.network.prefixlen == 0 and r.gateway is not None),
        key=lambda r: r.metric,
    )
    if iface is None:
        if defaults:
            iface = defaults[0].iface
        else:
            probe = _primary_address6()
            iface = next((dev for a, _, dev in addrs if a == probe), None)
    mine = [a for a, _, dev in addrs if dev == iface]
    if iface is None or not mine:
        return None
    networks: list[IPNetwork] = []
    on_link = [
        r
        for r in routes
        if r.iface == iface and r.gateway is None and 0 < r.network.prefixlen < 128
    ]
    for addr in mine:
        holding = sorted(
            (r for r in on_link if addr in r.network), key=lambda r: -r.network.prefixlen
        )
        net = holding[0].network if holding else IPv6Network(f"{addr}/128")
        if net not in networks:
            networks.append(net)
    gateway = next((r.gateway for r in defaults if r.iface == iface), None)
    if gateway is not None and not (gateway.is_link_local or any(gateway in n for n in networks)):
        gateway = None
    return mine[0], networks, gateway


def _primary_address() -> IPv4Address | None:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(_PROBE_TARGET)  # UDP connect: a routing lookup, no packet leaves
            addr = IPv4Address(s.getsockname()[0])
    except (OSError, ValueError):
        return None
    return None if addr.is_unspecified or addr.is_loopback else addr


def _primary_address6() -> IPv6Address | None:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.connect(_PROBE_TARGET6)  # as above: no packet leaves
            addr = IPv6Address(s.getsockname()[0].split("%", 1)[0])
    except (OSError, ValueError):
        return None
    return None if addr.is_unspecified or addr.is_loopback else addr


def _read_inet6(path: Path) -> list[tuple[IPv6Address, int, str]]:
    """Global, usable IPv6 addresses from /proc/net/if_inet6: (address, prefix length, device).
    Columns: address, ifindex, prefix length, scope, flags (hex), device."""
    out = []
    for line in path.read_text(encoding="ascii", errors="replace").splitlines():
        f = line.split()
        if len(f) < 6:
            continue
        if int(f[3], 16) != _IFA_SCOPE_GLOBAL or int(f[4], 16) & _IFA_F_TENTATIVE:
            continue
        addr = _hex_ip6(f[0])
        if addr.is_loopback or addr.is_link_local or addr.is_multicast:
            continue
        out.append((addr, int(f[2], 16), f[5]))
    return out


def _read_ipv6_routes(path: Path) -> list[_Route]:
    """Usable unicast routes from /proc/net/ipv6_route. Columns: destination, its prefix length
    (hex), source, its prefix length, next hop, metric (hex), refcount, use, flags (hex), dev."""
    routes = []
    for line in path.read_text(encoding="ascii", errors="replace").splitlines():
        f = line.split()
        if len(f) < 10:
            continue
        flags = int(f[8], 16)
        if not flags & _RTF_UP or flags & (_RTF_REJECT | _RTF_LOCAL):
            continue
        network = IPv6Network(f"{_hex_ip6(f[0])}/{int(f[1], 16)}", strict=False)
        if network.is_multicast:
            continue
        gateway = _hex_ip6(f[4]) if flags & _RTF_GATEWAY else None
        routes.append(_Route(f[9], network, gateway, int(f[5], 16)))
    return routes


def _hex_ip6(field: str) -> IPv6Address:
    return IPv6Address(bytes.fromhex(field))


def _read_routes(path: Path) -> list[_Route]:
    """IPv4 routes from /proc/net/route (fields are little-endian hex on every Linux we know)."""
    routes = []
    lines = path.read_text(encoding="ascii", errors="replace").splitlines()[1:]
    for line in lines:
        f = line.split()
        if len(f) < 8:
            continue
        flags = int(f[3], 16)
        if not flags & _RTF_UP:
            continue
        dest, gw, mask = (_hex_ip(x) for x in (f[1], f[2], f[7]))
        network = IPv4Network(f"{dest}/{mask}", strict=False)
        gateway = gw if flags & _RTF_GATEWAY else None
        routes.append(_Route(f[0], network, gateway, int(f[6])))
    return routes


def _hex_ip(field: str) -> IPv4Address:
    return IPv4Address(struct.pack("<I", int(field, 16)))

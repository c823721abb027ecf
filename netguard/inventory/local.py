"""The embedded default inventory: this machine, audited in place (no SSH, no file).

What the local machine's "segment" is cannot be known — nobody registered it — so we take the
best guess the kernel offers and say so in the segment's description:

- the primary address is the source address the kernel would use toward a public address
  (a connected UDP socket sends nothing, it only asks the routing table);
- its CIDR is the on-link route of the default route's interface (``/proc/net/route``) that
  contains that address (its /32 if no route holds it); the registered gateway is the default
  route's gateway if it lies inside that CIDR;
- when any of this is unavailable (no network, not Linux), the segment is 127.0.0.0/8 and the
  address 127.0.0.1, with no gateway.

The zone is intranet unless the caller says otherwise (``netguard inspect --zone classified``):
the embedded default exists to check this machine against the strictest everyday rules (an office
PC), not to guess whether it is allowed on the internet.
"""

from __future__ import annotations

import hashlib
import socket
import struct
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

from netguard.model import Host, Inventory, Segment, SshSettings, Zone

LOCAL_PATH = "<local>"
SEGMENT_NAME = "local"
FALLBACK_NETWORK = IPv4Network("127.0.0.0/8")
FALLBACK_ADDRESS = IPv4Address("127.0.0.1")
# A TEST-NET-1 address (RFC 5737): only used to ask which source address the kernel would pick.
_PROBE_TARGET = ("192.0.2.1", 9)
ROUTE_TABLE = Path("/proc/net/route")
_RTF_UP = 0x1
_RTF_GATEWAY = 0x2


@dataclass(frozen=True)
class _Route:
    iface: str
    network: IPv4Network
    gateway: IPv4Address | None
    metric: int


def local_inventory(zone: Zone = Zone.INTRANET) -> Inventory:
    """One host (this machine, local transport) in segment 'local' of ``zone`` (default: the
    intranet; an inspector standing at a classified machine says so)."""
    address, network, gateway = _guess_network()
    guessed = network != FALLBACK_NETWORK
    segment = Segment(
        name=SEGMENT_NAME,
        zone=zone,
        cidr=network,
        gateway=gateway,
        description=(
            "this machine's own network, guessed from its routing table (not registered)"
            if guessed
            else "no usable network found: loopback stands in for the machine's segment"
        ),
    )
    host = Host(
        name=_safe_hostname(socket.gethostname()),
        address=address,
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


def _guess_network() -> tuple[IPv4Address, IPv4Network, IPv4Address | None]:
    address = _primary_address()
    if address is None:
        return FALLBACK_ADDRESS, FALLBACK_NETWORK, None
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
        return address, IPv4Network(f"{address}/32"), None
    network = holding[0].network
    return address, network, gateway if gateway is not None and gateway in network else None


def _primary_address() -> IPv4Address | None:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(_PROBE_TARGET)  # UDP connect: a routing lookup, no packet leaves
            addr = IPv4Address(s.getsockname()[0])
    except (OSError, ValueError):
        return None
    return None if addr.is_unspecified or addr.is_loopback else addr


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

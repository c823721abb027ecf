"""Recorded network outputs for the isolation checks: dual stack, bridges, bonds, VPNs and
tunnels, policy routing, router advertisements, unregistered networks.

Every host here is ``recordings.desktop()`` (fin-pc-07, 10.20.0.17 on enp3s0) with its network
sections replaced. Where their shape comes from:

- ``ip -j addr``, ``ip -j -4/-6 route show table all``, ``ip -j -4/-6 rule``, ``ip -d -j link``:
  iproute2 6.1 (Debian 12) JSON. The keys and the way `table all` names every table but main
  (``"table": "51820"``, ``"table": "local"`` with ``"type": "local"/"broadcast"``), the rule
  keys (``"not": null``, ``"fwmark": "0xca6c"``, ``"suppress_prefixlen": 0``) and the link keys
  (``linkinfo.info_kind``, ``info_slave_kind``, ``master``, tun's ``info_data.type``) were read
  from real kernel objects made with iproute2 6.1 on Debian 12 (kernel 6.1) in a scratch network
  namespace: a bridge with two veth ports, a tun device with OpenVPN's split default
  (``0.0.0.0/1`` + ``128.0.0.0/1``), a table-51820 default route with wg-quick's two rules, and an
  IPv6 default route with ``proto ra``. Bond and WireGuard links were not available in that
  kernel: their ``linkinfo`` follows the same layout with ``info_kind`` ``bond``/``wireguard``
  and bond ports' ``info_slave_kind`` ``bond`` (iproute2's ip/iplink_bond.c, ip/iplink.c).
- wg-quick's routing (``wg-quick up`` with ``AllowedIPs = 0.0.0.0/0``): ``ip -4 route add
  0.0.0.0/0 dev wg0 table 51820``, ``ip -4 rule add not fwmark 51820 table 51820``, ``ip -4 rule
  add table main suppress_prefixlength 0`` (wg-quick(8), Linux implementation).
- OpenVPN's ``redirect-gateway def1``: ``0.0.0.0/1`` and ``128.0.0.0/1`` via the tunnel's peer,
  plus a host route to the VPN server via the old gateway (openvpn(8)).
- A Quectel USB modem on the GobiNet / qmi_wwan_q vendor drivers appears as an Ethernet link
  (``eth1``/``usb0``, type 1, no DEVTYPE) with an address from the modem's own DHCP server,
  192.168.225.0/24 in Quectel's defaults.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable
from typing import Any

from netguard.model import Segment, Zone
from tests.unit.recordings import (
    NETDEV_WIRED,
    RULES4,
    RULES6,
    Sections,
    desktop,
    ip_link,
)

NETWORK_SEGMENTS = {
    "county-intranet": Segment(
        "county-intranet",
        Zone.INTRANET,
        (ipaddress.ip_network("10.20.0.0/24"), ipaddress.ip_network("2001:db8:20::/64")),
        (ipaddress.ip_address("10.20.0.1"), ipaddress.ip_address("2001:db8:20::1")),
    ),
    "county-internet": Segment(
        "county-internet",
        Zone.INTERNET,
        (ipaddress.ip_network("198.51.100.0/24"),),
        (ipaddress.ip_address("198.51.100.1"),),
    ),
}

# -- ip -j addr ----------------------------------------------------------------------------------


def _addr(family: str, local: str, prefixlen: int, scope: str = "global", **extra: Any) -> dict:
    return {"family": family, "local": local, "prefixlen": prefixlen, "scope": scope, **extra}


LO = {
    "ifindex": 1,
    "ifname": "lo",
    "flags": ["LOOPBACK", "UP", "LOWER_UP"],
    "mtu": 65536,
    "operstate": "UNKNOWN",
    "link_type": "loopback",
    "addr_info": [_addr("inet", "127.0.0.1", 8, "host"), _addr("inet6", "::1", 128, "host")],
}
LINK_LOCAL = _addr("inet6", "fe80::3e7c:3fff:fe1e:4207", 64, "link")


def nic(name: str, index: int, *addrs: dict, master: str = "") -> dict:
    link: dict[str, Any] = {
        "ifindex": index,
        "ifname": name,
        "flags": ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"],
        "mtu": 1500,
        "operstate": "UP",
        "link_type": "ether",
        "address": f"3c:7c:3f:1e:42:{index:02x}",
        "addr_info": list(addrs),
    }
    if master:
        link["master"] = master
    return link


def point_to_point(name: str, index: int, *addrs: dict, mtu: int = 1500) -> dict:
    return {
        "ifindex": index,
        "ifname": name,
        "flags": ["POINTOPOINT", "MULTICAST", "NOARP", "UP", "LOWER_UP"],
        "mtu": mtu,
        "operstate": "UNKNOWN",
        "link_type": "none",
        "addr_info": list(addrs),
    }


def addrs(*links: dict) -> str:
    return json.dumps([LO, *links])


INTRANET4 = _addr("inet", "10.20.0.17", 24, broadcast="10.20.0.255", label="enp3s0")
# SLAAC-style address in the registered IPv6 prefix, and the same machine's stable address
INTRANET6 = _addr("inet6", "2001:db8:20::17", 64, valid_life_time=4294967295)
ENP3S0 = nic("enp3s0", 2, INTRANET4, INTRANET6, LINK_LOCAL)

# -- ip -j route show table all --------------------------------------------------------------------


def _local4(*addresses: tuple[str, str, str]) -> list[dict]:
    """The local table's entries `table all` prints for each (address, broadcast, device)."""
    out = [
        {
            "type": "local",
            "dst": "127.0.0.0/8",
            "dev": "lo",
            "table": "local",
            "protocol": "kernel",
            "scope": "host",
            "prefsrc": "127.0.0.1",
            "flags": [],
        },
    ]
    for addr, brd, dev in addresses:
        out.append(
            {
                "type": "local",
                "dst": addr,
                "dev": dev,
                "table": "local",
                "protocol": "kernel",
                "scope": "host",
                "prefsrc": addr,
                "flags": [],
            }
        )
        if brd:
            out.append(
                {
                    "type": "broadcast",
                    "dst": brd,
                    "dev": dev,
                    "table": "local",
                    "protocol": "kernel",
                    "scope": "link",
                    "prefsrc": addr,
                    "flags": [],
                }
            )
    return out


def _default(gw: str | None, dev: str, **extra: Any) -> dict:
    if gw is None:
        return {"dst": "default", "dev": dev, "scope": "link", "flags": [], **extra}
    return {"dst": "default", "gateway": gw, "dev": dev, "protocol": "static", "flags": [], **extra}


INTRANET_ROUTE4 = {
    "dst": "10.20.0.0/24",
    "dev": "enp3s0",
    "protocol": "kernel",
    "scope": "link",
    "prefsrc": "10.20.0.17",
    "flags": [],
}


def table4(*routes: dict, local: tuple[tuple[str, str, str], ...] = ()) -> str:
    """`ip -j -4 route show table all`: main first (no "table" key), then other tables."""
    main = [r for r in routes if "table" not in r]
    other = [r for r in routes if "table" in r]
    return json.dumps(
        [*main, INTRANET_ROUTE4, *other, *_local4(("10.20.0.17", "10.20.0.255", "enp3s0"), *local)]
    )


def table6(*routes: dict, addresses: tuple[str, ...] = ()) -> str:
    """`ip -j -6 route show table all` of an Ethernet desktop plus ``routes`` in main."""
    main = [
        *routes,
        {
            "dst": "fe80::/64",
            "dev": "enp3s0",
            "protocol": "kernel",
            "metric": 256,
            "flags": [],
            "pref": "medium",
        },
    ]
    local = [
        {
            "type": "local",
            "dst": a,
            "dev": "lo" if a == "::1" else "enp3s0",
            "table": "local",
            "protocol": "kernel",
            "metric": 0,
            "flags": [],
            "pref": "medium",
        }
        for a in ("::1", *addresses, "fe80::3e7c:3fff:fe1e:4207")
    ]
    multicast = {
        "type": "multicast",
        "dst": "ff00::/8",
        "dev": "enp3s0",
        "table": "local",
        "protocol": "kernel",
        "metric": 256,
        "flags": [],
        "pref": "medium",
    }
    return json.dumps([*main, *local, multicast])


PREFIX6 = {
    "dst": "2001:db8:20::/64",
    "dev": "enp3s0",
    "protocol": "kernel",
    "metric": 256,
    "flags": [],
    "pref": "medium",
}

# -- ip -d -j link ---------------------------------------------------------------------------------


def port(name: str, index: int, master: str, slave_kind: str, kind: str = "", **data: Any) -> dict:
    """A bridge or bond port: a physical NIC (no info_kind) or a virtual link of ``kind``."""
    slave = {"state": "forwarding"} if slave_kind == "bridge" else {"state": "ACTIVE"}
    info: dict[str, Any] = {}
    if kind:
        info["info_kind"] = kind
    if data:
        info["info_data"] = data
    info |= {"info_slave_kind": slave_kind, "info_slave_data": slave}
    return {
        "ifindex": index,
        "ifname": name,
        "flags": ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"],
        "mtu": 1500,
        "master": master,
        "operstate": "UP",
        "link_type": "ether",
        "linkinfo": info,
    }


def virtual(name: str, index: int, kind: str, link_type: str = "ether", **data: Any) -> dict:
    info: dict[str, Any] = {"info_kind": kind}
    if data:
        info["info_data"] = data
    return {
        "ifindex": index,
        "ifname": name,
        "flags": ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"],
        "mtu": 1500,
        "operstate": "UP" if link_type == "ether" else "UNKNOWN",
        "link_type": link_type,
        "linkinfo": info,
    }


def links_without_enp3s0(*extra: dict) -> str:
    """ip -d -j link where enp3s0 is itself one of ``extra`` (a bridge or bond port)."""
    base = [link for link in json.loads(ip_link()) if link["ifname"] != "enp3s0"]
    return json.dumps(base + list(extra))


def _no_addresses(link: dict) -> dict:
    """`ip -d -j link` prints a link as `ip -j addr` does, without addr_info."""
    return {k: v for k, v in link.items() if k != "addr_info"}


BRIDGE_DATA = {"forward_delay": 1500, "stp_state": 0, "priority": 32768, "vlan_filtering": 0}
TAP_DATA = {"type": "tap", "pi": False, "vnet_hdr": True, "multi_queue": False, "persist": False}
TUN_DATA = {"type": "tun", "pi": False, "vnet_hdr": False, "multi_queue": False, "persist": False}

# -- the hosts -------------------------------------------------------------------------------------


def dual_stack() -> Sections:
    """Compliant dual stack: 10.20.0.17/24 via 10.20.0.1, 2001:db8:20::17/64 via 2001:db8:20::1."""
    return desktop(
        ip_addr=(addrs(ENP3S0), 0),
        ip_route4=(table4(_default("10.20.0.1", "enp3s0")), 0),
        ip_route6=(
            table6(
                PREFIX6,
                _default("2001:db8:20::1", "enp3s0", metric=1024, pref="medium"),
                addresses=("2001:db8:20::17",),
            ),
            0,
        ),
    )


def _changed(sections: Sections, **changes: tuple[str, int]) -> Sections:
    sections.update(changes)
    return sections


NETWORK_HOSTS: dict[str, Callable[[], Sections]] = {
    # The new script's output on the stock desktop: every table, the three default rules.
    "table-all-compliant": lambda: desktop(
        ip_route4=(table4(_default("10.20.0.1", "enp3s0")), 0),
        ip_route6=(table6(), 0),
        ip_rule4=(RULES4, 0),
        ip_rule6=(RULES6, 0),
    ),
    "dual-stack": dual_stack,
    # SLAAC from a router nobody registered: its link-local address, `proto ra`, an expiry.
    "ipv6-ra-rogue-router": lambda: _changed(
        dual_stack(),
        ip_route6=(
            table6(
                {**PREFIX6, "protocol": "ra", "expires": 86390},
                {
                    "dst": "default",
                    "gateway": "fe80::a8bb:ccff:fedd:eeff",
                    "dev": "enp3s0",
                    "protocol": "ra",
                    "metric": 1024,
                    "flags": [],
                    "expires": 1790,
                    "pref": "medium",
                },
                addresses=("2001:db8:20::17",),
            ),
            0,
        ),
    ),
    # A policy-routing table nobody selects: its default route carries nothing.
    "unused-table": lambda: desktop(
        ip_route4=(
            table4(
                _default("10.20.0.1", "enp3s0"),
                _default("10.20.0.254", "enp3s0", table="100"),
            ),
            0,
        ),
    ),
    # The same table with `ip rule` unreadable: it might be selected, so it counts.
    "rules-unreadable": lambda: desktop(
        ip_route4=(
            table4(
                _default("10.20.0.1", "enp3s0"),
                _default("10.20.0.254", "enp3s0", table="100"),
            ),
            0,
        ),
        ip_rule4=("", 255),
    ),
    # br0 joins the intranet NIC and a second NIC cabled elsewhere; the address sits on br0.
    "bridge-two-ports": lambda: desktop(
        ip_addr=(
            addrs(
                nic("enp3s0", 2, master="br0"),
                nic("enp4s0", 3, master="br0"),
                {**nic("br0", 4, INTRANET4, LINK_LOCAL)},
            ),
            0,
        ),
        ip_link=(
            links_without_enp3s0(
                port("enp3s0", 2, "br0", "bridge"),
                port("enp4s0", 3, "br0", "bridge"),
                virtual("br0", 4, "bridge", **BRIDGE_DATA),
            ),
            0,
        ),
        netdev=(NETDEV_WIRED + "enp4s0\t1\t0\t0\tr8169\t\tup\nbr0\t1\t0\t0\t\tbridge\tup\n", 0),
        ip_route4=(table4(_default("10.20.0.1", "br0")), 0),
    ),
    # A VM bridged onto the intranet NIC: its tap port ends on this machine, not on a wire.
    "bridge-vm-tap": lambda: desktop(
        ip_link=(
            links_without_enp3s0(
                port("enp3s0", 2, "br0", "bridge"),
                port("vnet0", 5, "br0", "bridge", "tun", **TAP_DATA),
                virtual("br0", 4, "bridge", **BRIDGE_DATA),
            ),
            0,
        ),
    ),
    "bond-two-ports": lambda: desktop(
        ip_link=(
            links_without_enp3s0(
                port("enp3s0", 2, "bond0", "bond"),
                port("enp4s0", 3, "bond0", "bond"),
                virtual("bond0", 4, "bond", mode="active-backup"),
            ),
            0,
        ),
    ),
    # OpenVPN, redirect-gateway def1, topology subnet.
    "openvpn-split-default": lambda: desktop(
        ip_addr=(
            addrs(
                nic("enp3s0", 2, INTRANET4, LINK_LOCAL),
                point_to_point("tun0", 5, _addr("inet", "10.8.0.6", 24)),
            ),
            0,
        ),
        ip_link=(ip_link([virtual("tun0", 5, "tun", "none", **TUN_DATA)]), 0),
        ip_route4=(
            table4(
                {"dst": "0.0.0.0/1", "gateway": "10.8.0.5", "dev": "tun0", "flags": []},
                _default("10.20.0.1", "enp3s0"),
                {
                    "dst": "10.8.0.0/24",
                    "dev": "tun0",
                    "protocol": "kernel",
                    "scope": "link",
                    "prefsrc": "10.8.0.6",
                    "flags": [],
                },
                {"dst": "128.0.0.0/1", "gateway": "10.8.0.5", "dev": "tun0", "flags": []},
                {"dst": "203.0.113.10", "gateway": "10.20.0.1", "dev": "enp3s0", "flags": []},
                local=(("10.8.0.6", "10.8.0.255", "tun0"),),
            ),
            0,
        ),
    ),
    # wg-quick with AllowedIPs = 0.0.0.0/0: the default route lives in table 51820.
    "wireguard-table-51820": lambda: desktop(
        ip_addr=(
            addrs(
                nic("enp3s0", 2, INTRANET4, LINK_LOCAL),
                point_to_point("wg0", 6, _addr("inet", "10.66.0.2", 32, label="wg0"), mtu=1420),
            ),
            0,
        ),
        ip_link=(ip_link([virtual("wg0", 6, "wireguard", "none")]), 0),
        ip_route4=(
            table4(
                _default("10.20.0.1", "enp3s0"),
                {"dst": "default", "dev": "wg0", "table": "51820", "scope": "link", "flags": []},
                local=(("10.66.0.2", "", "wg0"),),
            ),
            0,
        ),
        ip_rule4=(
            json.dumps(
                [
                    {"priority": 0, "src": "all", "table": "local"},
                    {"priority": 32764, "src": "all", "table": "main", "suppress_prefixlen": 0},
                    {
                        "priority": 32765,
                        "not": None,
                        "src": "all",
                        "fwmark": "0xca6c",
                        "table": "51820",
                    },
                    {"priority": 32766, "src": "all", "table": "main"},
                    {"priority": 32767, "src": "all", "table": "default"},
                ]
            ),
            0,
        ),
    ),
    # A Quectel modem on the vendor GobiNet driver: an Ethernet-looking eth1 on 192.168.225.0/24.
    "usb-modem-unregistered": lambda: desktop(
        ip_addr=(
            addrs(
                nic("enp3s0", 2, INTRANET4, LINK_LOCAL),
                nic("eth1", 3, _addr("inet", "192.168.225.37", 24, label="eth1")),
            ),
            0,
        ),
        netdev=(NETDEV_WIRED + "eth1\t1\t0\t0\tGobiNet\t\tup\n", 0),
        ip_link=(ip_link([_no_addresses(nic("eth1", 3)) | {"parentbus": "usb"}]), 0),
    ),
    "link-output-garbled": lambda: desktop(ip_link=('Object "link" is unknown\n', 0)),
}

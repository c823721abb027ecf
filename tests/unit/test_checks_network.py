"""The isolation checks on recorded network outputs (tests/unit/recordings_network.py): the exact
set of hosts that pass, fail and cannot decide, per check, and what the findings say."""

from __future__ import annotations

import ipaddress

import pytest

from netguard.checks import CATALOG
from netguard.collect.parse_linux import encode_sections, parse_linux
from netguard.engine.evaluate import evaluate
from netguard.model import Finding, FindingStatus, Host
from netguard.model.facts import Facts
from tests.unit.recordings import NOW
from tests.unit.recordings_network import NETWORK_HOSTS, NETWORK_SEGMENTS
from tests.unit.test_checks import policy

HOST = Host("fin-pc-07", ipaddress.ip_address("10.20.0.17"), "county-intranet")


def facts_of(name: str) -> Facts:
    return parse_linux(encode_sections(NETWORK_HOSTS[name]()), now=NOW)


def findings(name: str) -> dict[str, Finding]:
    return {f.check: f for f in evaluate(facts_of(name), HOST, NETWORK_SEGMENTS, policy())}


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, Finding]]:
    return {name: findings(name) for name in NETWORK_HOSTS}


TUNNELS = {"openvpn-split-default", "wireguard-table-51820"}

# check → (failing hosts, undecidable hosts); every other host passes.
EXPECTED: dict[str, tuple[set[str], set[str]]] = {
    "isolation.addresses": (TUNNELS | {"usb-modem-unregistered"}, set()),
    "isolation.multi_homed": (TUNNELS | {"usb-modem-unregistered"}, set()),
    "isolation.default_route": (TUNNELS | {"ipv6-ra-rogue-router", "rules-unreadable"}, set()),
    "isolation.forwarding": (set(), set()),
    "isolation.bridge": ({"bridge-two-ports", "bond-two-ports"}, {"link-output-garbled"}),
    "isolation.tunnel": (TUNNELS, {"link-output-garbled"}),
    # the vendor GobiNet driver is in WWAN_DRIVERS (one list with isolation.history's): the
    # Quectel modem is a radio, and multi_homed catches its unregistered address as well
    "isolation.wireless": ({"usb-modem-unregistered"}, set()),
    # the per-host stand-in of a fleet check: undecided until the run's fleet step replaces it
    "media.cross_network": (set(), set(NETWORK_HOSTS)),
}


# isolation.reachability needs a probe request: tests/unit/test_probe_audit.py
@pytest.mark.parametrize("check", sorted(set(CATALOG) - {"isolation.reachability"}))
def test_check_sets(results: dict[str, dict[str, Finding]], check: str) -> None:
    fail, error = EXPECTED.get(check, (set(), set()))
    got: dict[str, set[str]] = {s.value: set() for s in FindingStatus}
    for name, fs in results.items():
        got[fs[check].status.value].add(name)
    assert (got["fail"], got["error"]) == (fail, error)
    assert got["pass"] == set(NETWORK_HOSTS) - fail - error


def test_dual_stack_is_compliant_and_says_both_gateways(results) -> None:
    fs = results["dual-stack"]
    assert fs["isolation.default_route"].message == (
        "default routes via the registered gateways 10.20.0.1, 2001:db8:20::1"
    )
    assert fs["isolation.addresses"].message == (
        "all 2 addresses inside 10.20.0.0/24, 2001:db8:20::/64"
    )


def test_ipv4_only_segment_flags_the_ipv6_default_route() -> None:
    import dataclasses

    segments = {
        **NETWORK_SEGMENTS,
        "county-intranet": dataclasses.replace(
            NETWORK_SEGMENTS["county-intranet"],
            cidr=NETWORK_SEGMENTS["county-intranet"].networks(4),
            gateway=(ipaddress.ip_address("10.20.0.1"),),
        ),
    }
    fs = {f.check: f for f in evaluate(facts_of("dual-stack"), HOST, segments, policy())}
    assert fs["isolation.default_route"].message == (
        "default via 2001:db8:20::1 dev enp3s0 but segment county-intranet registers no IPv6 "
        "gateway"
    )


def test_router_advertisement_names_the_router(results) -> None:
    f = results["ipv6-ra-rogue-router"]["isolation.default_route"]
    assert f.message == (
        "default via fe80::a8bb:ccff:fedd:eeff dev enp3s0 proto ra was learned from a router "
        "advertisement by fe80::a8bb:ccff:fedd:eeff, which is not the registered gateway"
    )


def test_one_default_route_per_family_is_not_two(results) -> None:
    f = results["dual-stack"]["isolation.default_route"]
    assert f.evidence["default_routes"] == [
        "default via 10.20.0.1 dev enp3s0",
        "default via 2001:db8:20::1 dev enp3s0",
    ]


def test_split_default_is_one_way_out_into_the_tunnel(results) -> None:
    fs = results["openvpn-split-default"]
    assert fs["isolation.tunnel"].message == (
        "traffic to the internet is routed into a tunnel: "
        "0.0.0.0/1 + 128.0.0.0/1 via 10.8.0.5 dev tun0 (tun interface)"
    )
    assert fs["isolation.default_route"].message == (
        "2 IPv4 default routes (at most 1); 0.0.0.0/1 + 128.0.0.0/1 via 10.8.0.5 dev tun0 is not "
        "via the registered gateway 10.20.0.1"
    )
    # the host route to the VPN server is no way out
    assert "203.0.113.10" not in str(fs["isolation.default_route"].evidence)


def test_policy_routing_table_counts_when_a_rule_selects_it(results) -> None:
    fs = results["wireguard-table-51820"]
    assert fs["isolation.tunnel"].evidence["tunnel_routes"] == [
        {"route": "default dev wg0 table 51820", "device": "wg0", "kind": "wireguard"}
    ]
    assert results["unused-table"]["isolation.default_route"].evidence["default_routes"] == [
        "default via 10.20.0.1 dev enp3s0"
    ]
    assert results["rules-unreadable"]["isolation.default_route"].evidence["default_routes"] == [
        "default via 10.20.0.1 dev enp3s0",
        "default via 10.20.0.254 dev enp3s0 table 100",
    ]


def test_bridge_names_its_wired_ports_and_ignores_a_vm_tap(results) -> None:
    f = results["bridge-two-ports"]["isolation.bridge"]
    assert f.message == (
        "a bridge or bond joins network ports: bridge br0 joins 2 ports: enp3s0 (NIC), enp4s0 (NIC)"
    )
    assert results["bond-two-ports"]["isolation.bridge"].args["bridges"][0]["kind"] == "bond"
    vm = results["bridge-vm-tap"]["isolation.bridge"]
    assert vm.evidence["bridges"] == [
        {
            "device": "br0",
            "kind": "bridge",
            "ports": ["enp3s0 (NIC)", "vnet0 (tap)"],
            "counted": ["enp3s0"],
        }
    ]


def test_unregistered_network_counts_as_another_network(results) -> None:
    f = results["usb-modem-unregistered"]["isolation.multi_homed"]
    assert f.reason == "isolation.multi_homed.unregistered"
    assert f.message == (
        "connected to a network no segment registers, which must be assumed to lead to the "
        "internet: intranet (10.20.0.17/24 on enp3s0); unregistered network 192.168.225.0/24 "
        "(192.168.225.37/24 on eth1)"
    )
    assert f.evidence["unregistered_networks"] == {
        "192.168.225.0/24": ["192.168.225.37/24 on eth1"]
    }


def test_link_kinds_are_parsed() -> None:
    links = {link.name: link for link in facts_of("bridge-vm-tap").links}
    assert (links["br0"].kind, links["vnet0"].describe_kind, links["vnet0"].master) == (
        "bridge",
        "tap",
        "br0",
    )
    assert links["enp3s0"].slave_kind == "bridge" and links["enp3s0"].kind == ""

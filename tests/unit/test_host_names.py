"""Host names as well as addresses (issue 15): the inventory takes a DNS name, the run resolves
it once before any host is contacted, the results record the address found and the name, and
a name that does not resolve is the host status ``unresolved`` — unknown, never compliant."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from typing import Any

import pytest

from netguard.checks import CATALOG
from netguard.collect import Collection
from netguard.engine import AuditJob, run_audit
from netguard.engine.resolve import Resolver, resolve_hosts, system_lookup
from netguard.errors import InputError
from netguard.i18n import catalog, host_detail_text
from netguard.inventory import load_inventory
from netguard.inventory.loader import is_dns_name
from netguard.model import Host, HostStatus, Inventory, IPAddress, Segment, Verdict, Zone
from netguard.policy import default_policy_path, load_policy
from netguard.results import parse_results, run_document
from netguard.results.summary import summarize

from .conftest import WriteYaml

IP = ipaddress.ip_address
LAB = Segment("lab", Zone.INTRANET, (ipaddress.ip_network("10.20.0.0/24"),))

INVENTORY = """\
segments:
  - {name: lan, zone: intranet, cidr: [10.20.0.0/24, "fd00:20::/64"]}
hosts:
  - {name: pc1, address: PC-01.Office.Example., segment: lan}
  - {name: pc2, address: "fd00:20::2", segment: lan}
  - {name: me, address: localhost, segment: lan, transport: local}
"""


def test_the_inventory_takes_names_and_ipv6(write_yaml: WriteYaml) -> None:
    inv = load_inventory(write_yaml(INVENTORY))
    pc1, pc2, me = inv.hosts
    # names are case-insensitive: kept lowercase, without the final dot; resolved later
    assert (pc1.hostname, pc1.address) == ("pc-01.office.example", None)
    assert (pc2.hostname, pc2.address) == (None, IP("fd00:20::2"))
    assert (me.hostname, me.address) == ("localhost", None)


@pytest.mark.parametrize(
    "address, phrase",
    [
        ("-pc.example", "invalid address '-pc.example': expected an IPv4 or IPv6 address or a DNS"),
        ("pc_1", "invalid address 'pc_1'"),
        ("pc..example", "invalid address 'pc..example'"),
        ("a" * 64, "invalid address"),
        ("10.20.0.300", "invalid IP address '10.20.0.300'"),
        ("fd00::zz", "invalid IP address 'fd00::zz'"),
        ("pc 1", "invalid address 'pc 1'"),
    ],
)
def test_anything_else_is_refused_at_its_line(
    write_yaml: WriteYaml, address: str, phrase: str
) -> None:
    path = write_yaml(
        "segments:\n  - {name: lan, zone: intranet, cidr: 10.20.0.0/24}\nhosts:\n"
        f"  - {{name: pc1, address: '{address}', segment: lan}}\n"
    )
    with pytest.raises(InputError) as exc:
        load_inventory(path)
    err = exc.value
    assert (err.line, err.field) == (4, "hosts[0].address"), str(err)
    assert phrase in err.message


def test_one_name_twice_is_refused(write_yaml: WriteYaml) -> None:
    path = write_yaml(
        "segments:\n  - {name: lan, zone: intranet, cidr: 10.20.0.0/24}\nhosts:\n"
        "  - {name: pc1, address: pc.example, segment: lan}\n"
        "  - {name: pc2, address: PC.example, segment: lan}\n"
    )
    with pytest.raises(InputError) as exc:
        load_inventory(path)
    assert exc.value.field == "hosts[1].address"
    assert "duplicate address pc.example (already host 'pc1' on line 4)" in exc.value.message


def test_rfc_1123_syntax() -> None:
    good = ["localhost", "pc-07", "3com", "a.b.c", "x" * 63 + ".example", "pc.example."]
    bad = ["", ".", "-a", "a-", "a..b", "a_b", "x" * 64, "1.2.3.4", "a.123", "é.example"]
    assert all(is_dns_name(n) for n in good)
    assert not any(is_dns_name(n) for n in bad)
    assert not is_dns_name(".".join(["abcdefghi"] * 26))  # 259 characters


# --- resolving, once, bounded ---------------------------------------------------------------


def _host(name: str, hostname: str | None, address: str | None = None, **kw: Any) -> Host:
    return Host(name, IP(address) if address else None, "lab", hostname=hostname, **kw)


class FakeDns:
    def __init__(self, table: dict[str, list[str]], slow: frozenset[str] = frozenset()) -> None:
        self.table, self.slow, self.asked = table, slow, []  # type: ignore[var-annotated]
        self.release = threading.Event()

    def __call__(self, name: str) -> list[IPAddress]:
        self.asked.append(name)
        if name in self.slow:
            self.release.wait(5)
        if name not in self.table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [IP(a) for a in self.table[name]]


def test_each_name_once_the_segment_decides_and_failures_say_why() -> None:
    dns = FakeDns(
        {
            "pc.example": ["192.0.2.9", "10.20.0.9"],  # the address inside the segment is taken
            "away.example": ["192.0.2.10"],
            "empty.example": [],
        }
    )
    hosts = [
        _host("a", "pc.example"),
        _host("b", "pc.example"),
        _host("c", None, "10.20.0.3"),
        _host("d", "away.example"),
        _host("e", "gone.example"),
        _host("f", "empty.example"),
    ]
    resolved, why = resolve_hosts(hosts, {"lab": LAB}, Resolver(lookup=dns))
    assert sorted(dns.asked) == ["away.example", "empty.example", "gone.example", "pc.example"]
    assert [str(h.address) if h.address else None for h in resolved] == [
        "10.20.0.9",
        "10.20.0.9",
        "10.20.0.3",
        None,
        None,
        None,
    ]
    assert resolved[0].hostname == "pc.example"  # the name stays with the host
    assert set(why) == {"d", "e", "f"}
    assert {c.status for c in why.values()} == {HostStatus.UNRESOLVED}
    assert why["d"].detail == (
        "the name away.example resolves to 192.0.2.10, outside segment lab (10.20.0.0/24); "
        "not contacted"
    )
    assert why["e"].detail_reason == "name_not_resolved"
    assert "Name or service not known" in why["e"].detail
    assert why["f"].detail_args == {"name": "empty.example", "raw": "no address"}


def test_a_slow_name_is_given_up_after_its_own_time_limit() -> None:
    dns = FakeDns(
        {"quick.example": ["10.20.0.5"], "slow.example": ["10.20.0.6"]}, frozenset({"slow.example"})
    )
    start = time.monotonic()
    try:
        resolved, why = resolve_hosts(
            [_host("q", "quick.example"), _host("s", "slow.example")],
            {"lab": LAB},
            Resolver(lookup=dns, timeout=0.3, workers=2),
        )
    finally:
        dns.release.set()
    assert time.monotonic() - start < 2
    assert resolved[0].address == IP("10.20.0.5") and resolved[1].address is None
    assert (why["s"].detail_reason, why["s"].detail_args) == (
        "name_timeout",
        {"name": "slow.example", "seconds": 0.3},
    )
    assert (
        host_detail_text(why["s"], catalog("zh"))
        == "计算机名 slow.example 未能在 0.3 秒内解析：未检查"
    )


def test_the_system_resolver_knows_localhost() -> None:
    found = system_lookup("localhost")
    assert any(a.is_loopback for a in found)


# --- the run, the document, the verdict -----------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.seen: list[Host] = []

    def collect(self, host: Host, request: Any = None) -> Collection:
        self.seen.append(host)
        return Collection(HostStatus.UNREACHABLE, "down")


def test_an_audit_contacts_the_address_found_and_records_it() -> None:
    hosts = (_host("a", "pc.example"), _host("b", "gone.example"), _host("c", None, "10.20.0.3"))
    inv = Inventory("<t>", "", {"lab": LAB}, hosts)
    policy = load_policy(default_policy_path(), CATALOG)
    collector = Recorder()
    job = AuditJob(
        inventory=inv,
        policy=policy,
        collector=collector,
        resolver=Resolver(lookup=FakeDns({"pc.example": ["10.20.0.9"]})),
    )
    run = run_audit(job)
    # the unresolved host is never handed to a transport
    assert sorted((h.name, str(h.address)) for h in collector.seen) == [
        ("a", "10.20.0.9"),
        ("c", "10.20.0.3"),
    ]
    doc = run_document(run)
    a, b, c = doc["hosts"]
    assert (a["address"], a["hostname"]) == ("10.20.0.9", "pc.example")
    assert (b["address"], b["hostname"], b["status"]) == ("", "gone.example", "unresolved")
    assert b["detail_reason"] == "name_not_resolved" and "hostname" not in c
    results = parse_results(doc)
    assert results.hosts[1].status == "unresolved"
    assert results.hosts[1].verdict is Verdict.UNKNOWN  # fail closed
    summary = summarize(run.results)
    assert summary["host_status"]["unresolved"] == 1
    assert summary["unknown"] == 3 and summary["compliant"] == 0


def test_the_console_and_the_report_show_the_name() -> None:
    import io

    from rich.console import Console

    from netguard.render.console import print_summary
    from netguard.report import render_report

    hosts = (_host("a", "pc.example"), _host("b", "gone.example"))
    inv = Inventory("<t>", "", {"lab": LAB}, hosts)
    job = AuditJob(
        inventory=inv,
        policy=load_policy(default_policy_path(), CATALOG),
        collector=Recorder(),
        resolver=Resolver(lookup=FakeDns({"pc.example": ["10.20.0.9"]})),
    )
    run = run_audit(job)
    out = io.StringIO()
    print_summary(run, Console(file=out, width=200), "en")
    text = out.getvalue()
    assert "10.20.0.9" in text and "gone.example" in text and "None" not in text
    assert "Name not resolved" in text
    html = render_report(parse_results(run_document(run)), "html", "zh")
    assert "域名（资产清单登记）" in html and "gone.example" in html and "计算机名无法解析" in html


def test_the_sweep_knows_a_named_machine_by_the_address_it_resolved_to(
    write_yaml: WriteYaml,
) -> None:
    from netguard.checks.network import analyse
    from netguard.engine.resolve import resolve_inventory
    from netguard.model import Neighbor, Sweep

    inv = load_inventory(
        write_yaml(
            "segments:\n  - {name: lan, zone: intranet, cidr: 10.20.0.0/24}\nhosts:\n"
            "  - {name: pc1, address: pc1.example, segment: lan}\n"
            "  - {name: prn, address: prn.example, segment: lan, audit: false}\n"
            "  - {name: pc2, address: gone.example, segment: lan}\n"
        )
    )
    dns = FakeDns({"pc1.example": ["10.20.0.11"], "prn.example": ["10.20.0.200"]})
    resolved, why = resolve_inventory(inv, Resolver(lookup=dns))
    assert [str(h.address) for h in resolved.registered] == ["10.20.0.11", "None", "10.20.0.200"]
    assert set(why) == {"pc2"}
    answers = tuple(
        Neighbor("lan", IP(ip), mac, "eth0")
        for ip, mac in (("10.20.0.11", "02:00:00:00:00:11"), ("10.20.0.200", "02:00:00:00:00:c8"))
    )
    found = analyse(resolved, Sweep({"lan": "eth0"}, {}, answers))
    assert found.unregistered == {}  # both are registered: by their names
    # and an audit given the resolved inventory looks nothing up again
    job = AuditJob(
        inventory=resolved,
        policy=load_policy(default_policy_path(), CATALOG),
        collector=Recorder(),
        resolver=Resolver(lookup=dns),
        unresolved=why,
    )
    asked = len(dns.asked)
    run = run_audit(job)
    assert len(dns.asked) == asked
    assert [(r.host.name, str(r.status)) for r in run.results] == [
        ("pc1", "unreachable"),
        ("pc2", "unresolved"),
    ]

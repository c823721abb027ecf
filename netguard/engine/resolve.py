"""Host names, resolved once when a run starts (issue 15).

An inventory may give a host's ``address:`` as a DNS name (``Host.hostname``). Before any host
is contacted every name is looked up once, a bounded number at a time and each within its own
time limit; the address found is the one the run contacts and the results record. A name that
does not resolve — or resolves only outside the host's registered segment, where its zone would
be a guess — makes the host ``unresolved``: not contacted, unknown, never compliant.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Iterable
from collections.abc import Collection as Sized
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace

from netguard.collect import Collection, failed
from netguard.model import Host, HostStatus, Inventory, IPAddress, Segment

#: A name's addresses (any order); raises OSError (socket.gaierror) when it has none.
Lookup = Callable[[str], list[IPAddress]]

#: How long one name may take, and how many are looked up at once.
NAME_TIMEOUT = 5.0
NAME_WORKERS = 16


def system_lookup(name: str) -> list[IPAddress]:
    """The system resolver's answer (/etc/hosts, DNS, … as nsswitch says): getaddrinfo."""
    infos = socket.getaddrinfo(name, None, type=socket.SOCK_STREAM)
    found: dict[IPAddress, None] = {}
    for info in infos:
        text = str(info[4][0]).split("%", 1)[0]  # an IPv6 zone index is no part of the address
        found.setdefault(ipaddress.ip_address(text), None)
    return list(found)


#: Why a name gave no usable address: the collection of a host never contacted (status
#: ``unresolved``, ``host_detail.<reason>`` with its arguments).
Unresolved = Collection


def recorded_lookup(hosts: Iterable[object]) -> Lookup:
    """A replay's lookup: the address each name resolved to in the recorded results (their
    ``hosts`` entries); a name the recording did not resolve does not resolve now either."""
    table: dict[str, IPAddress] = {}
    for h in hosts:
        if isinstance(h, dict) and isinstance(h.get("hostname"), str) and h.get("address"):
            try:
                table[h["hostname"]] = ipaddress.ip_address(str(h["address"]))
            except ValueError:
                continue

    def lookup(name: str) -> list[IPAddress]:
        if name not in table:
            raise OSError("not resolved in the recorded run")
        return [table[name]]

    return lookup


@dataclass(frozen=True)
class Resolver:
    lookup: Lookup = system_lookup
    timeout: float = NAME_TIMEOUT
    workers: int = NAME_WORKERS


def resolve_inventory(
    inventory: Inventory, resolver: Resolver | None = None
) -> tuple[Inventory, dict[str, Unresolved]]:
    """The inventory with every name resolved — hosts and devices alike (the network sweep
    matches devices by address too) — and the hosts and devices whose name did not resolve."""
    both, why = resolve_hosts(inventory.registered, inventory.segments, resolver)
    n = len(inventory.hosts)
    return replace(inventory, hosts=tuple(both[:n]), devices=tuple(both[n:])), why


def resolve_hosts(
    hosts: Iterable[Host],
    segments: dict[str, Segment],
    resolver: Resolver | None = None,
    known: Sized[str] = (),
) -> tuple[list[Host], dict[str, Unresolved]]:
    """Every host with its name resolved (its address set), in the order given, and the hosts
    whose name did not resolve (host name → why; their address stays None). Hosts given by
    address pass unchanged, and so do the hosts named in ``known`` (their names were looked up
    already: ``audit --discover`` resolves before its sweep); each distinct name is looked up
    once."""
    resolver = resolver or Resolver()
    hosts = list(hosts)
    names = sorted(
        {h.hostname for h in hosts if h.hostname and h.address is None and h.name not in known}
    )
    answers = _look_up(names, resolver) if names else {}
    out: list[Host] = []
    why: dict[str, Unresolved] = {}
    for host in hosts:
        if not host.hostname or host.address is not None or host.name in known:
            out.append(host)
            continue
        answer = answers[host.hostname]
        if isinstance(answer, Unresolved):
            why[host.name] = answer
            out.append(host)
            continue
        segment = segments[host.segment]
        inside = [a for a in answer if segment.contains(a)]
        if not inside:
            why[host.name] = failed(
                HostStatus.UNRESOLVED,
                "name_outside_segment",
                name=host.hostname,
                addresses=[str(a) for a in answer],
                segment=host.segment,
                cidr=segment.cidr_text,
            )
            out.append(host)
            continue
        # IPv4 first when the name has both in the segment: the address people recognise
        chosen = min(inside, key=lambda a: a.version)
        out.append(replace(host, address=chosen))
    return out, why


def _look_up(names: list[str], resolver: Resolver) -> dict[str, list[IPAddress] | Unresolved]:
    """Each name's addresses or why there are none. A lookup still running ``timeout`` seconds
    after it started is given up (its thread is left to end on its own: getaddrinfo cannot be
    interrupted, and the system resolver has its own limits)."""
    out: dict[str, list[IPAddress] | Unresolved] = {}
    started: dict[str, float] = {}

    def one(name: str) -> list[IPAddress]:
        started[name] = time.monotonic()
        return resolver.lookup(name)

    pool = ThreadPoolExecutor(max_workers=max(1, min(resolver.workers, len(names))))
    try:
        pending: dict[Future[list[IPAddress]], str] = {pool.submit(one, n): n for n in names}
        while pending:
            done, _ = wait(pending, timeout=0.05, return_when=FIRST_COMPLETED)
            for fut in done:
                name = pending.pop(fut)
                try:
                    found = fut.result()
                except (OSError, UnicodeError, ValueError) as exc:
                    out[name] = _not_resolved(name, str(exc))
                else:
                    out[name] = found if found else _not_resolved(name, "no address")
            now = time.monotonic()
            for fut, name in list(pending.items()):
                if name in started and now - started[name] > resolver.timeout:
                    del pending[fut]
                    out[name] = failed(
                        HostStatus.UNRESOLVED, "name_timeout", name=name, seconds=resolver.timeout
                    )
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return out


def _not_resolved(name: str, raw: str) -> Collection:
    return failed(HostStatus.UNRESOLVED, "name_not_resolved", name=name, raw=raw)

"""The same removable medium on machines of an isolated zone and of the internet zone."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from netguard.checks.base import Verdict, cannot_decide, not_applicable, part, say, verdict
from netguard.checks.media import history_gaps
from netguard.model import ISOLATED_ZONES, ExchangeMedium, Zone
from netguard.model.facts import Facts

#: Serials that many devices share (cheap controllers, placeholders): they identify no stick.
SHARED_SERIALS = frozenset({"0123456789abcdef", "0123456789", "123456789abc", "none", "n/a"})


@dataclass(frozen=True)
class SeenDevice:
    serial: str
    ids: str  # vendor:product
    name: str
    first: float
    last: float


@dataclass(frozen=True)
class MediaSummary:
    """What the fleet step keeps of one host: its zone, its storage devices, and whether its
    history could be read whole (``gaps`` empty) — a few hundred bytes, not the host's Facts."""

    host: str
    zone: Zone
    devices: tuple[SeenDevice, ...] | None  # None: the history could not be read at all
    why_unread: str = ""
    gaps: tuple[dict[str, Any], ...] = ()


def summarize(facts: Facts, host: str, zone: Zone, lookback_days: int) -> MediaSummary:
    log = facts.usb_storage_log
    if log is None:
        return MediaSummary(
            host, zone, None, facts.problems.get("usb_storage_log", "not collected")
        )
    devices = tuple(
        SeenDevice(
            d.serial,
            f"{d.vendor_id}:{d.product_id}",
            " ".join(x for x in (d.manufacturer, d.product) if x),
            d.first_seen,
            d.last_seen,
        )
        for d in log.devices
    )
    gaps = tuple(history_gaps(log, facts.now, lookback_days, facts.installed_at))
    return MediaSummary(host, zone, devices, gaps=gaps)


def _stamp(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def _day(t: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(t))


def unmatchable_serials(summaries: Iterable[MediaSummary]) -> frozenset[str]:
    """Serials that do not identify one device: none at all, one repeated character
    ("000000000000"), a known placeholder, or the same serial under different vendor:product ids."""
    ids: dict[str, set[str]] = {}
    for s in summaries:
        for d in s.devices or ():
            ids.setdefault(d.serial, set()).add(d.ids)
    bad = {
        serial
        for serial, seen in ids.items()
        if len(set(serial.strip())) <= 1 or serial.lower() in SHARED_SERIALS or len(seen) > 1
    }
    return frozenset(bad)


def cross_network(
    summaries: Sequence[MediaSummary],
    exchange: Sequence[ExchangeMedium] = (),
    zones: Iterable[Zone] = ISOLATED_ZONES,
) -> dict[str, Verdict]:
    """host name → the verdict of media.cross_network, for every isolated-zone host summarised.

    FAIL: a device of the host was also seen on an internet-zone machine (named, with times on
    both sides), registered exchange media excepted. Otherwise ERROR when the host's own history
    is not whole, or when it has matchable devices and some internet machine's history could not
    be read; NOT_APPLICABLE when the run has no internet-zone machine at all. ``zones``: the
    zones the policy applies the check to (the internet zone itself is never judged)."""
    registered = {m.serial: m.label for m in exchange}
    internet = [s for s in summaries if s.zone is Zone.INTERNET]
    bad = unmatchable_serials(summaries)
    seen_outside: dict[str, list[tuple[MediaSummary, SeenDevice]]] = {}
    for s in internet:
        for d in s.devices or ():
            seen_outside.setdefault(d.serial, []).append((s, d))
    blind = [s.host for s in internet if s.devices is None or s.gaps]
    out: dict[str, Verdict] = {}
    judged = frozenset(zones) - {Zone.INTERNET}
    for s in summaries:
        if s.zone not in judged:
            continue
        if not internet:
            out[s.host] = not_applicable(say("media.cross_network.no_internet"))
            continue
        if s.devices is None:
            out[s.host] = cannot_decide(say("media.cross_network.unread", why=s.why_unread))
            continue
        crossed: list[dict[str, Any]] = []
        evidence_crossed: list[dict[str, Any]] = []
        unmatchable: list[dict[str, Any]] = []
        allowed: list[dict[str, Any]] = []
        matchable = 0
        for d in s.devices:
            if d.serial == "" or d.serial in bad:
                unmatchable.append({"serial": d.serial, "ids": d.ids, "name": d.name})
                continue
            if d.serial in registered:
                allowed.append({"serial": d.serial, "label": registered[d.serial]})
                continue
            matchable += 1
            for other, od in seen_outside.get(d.serial, ()):
                crossed.append(
                    part(
                        "media.crossed",
                        serial=d.serial,
                        name=d.name or d.ids,
                        here=f"{_day(d.first)}..{_day(d.last)}",
                        other=other.host,
                        zone=str(other.zone),
                        there=f"{_day(od.first)}..{_day(od.last)}",
                    )
                )
                evidence_crossed.append(
                    {
                        "serial": d.serial,
                        "ids": d.ids,
                        "name": d.name,
                        "here": {"first_seen": _stamp(d.first), "last_seen": _stamp(d.last)},
                        "other_host": other.host,
                        "other_zone": str(other.zone),
                        "there": {"first_seen": _stamp(od.first), "last_seen": _stamp(od.last)},
                    }
                )
        evidence: dict[str, Any] = {
            "compared_with": sorted(x.host for x in internet if x.host not in blind),
            "not_compared": sorted(blind),
            "crossed": evidence_crossed,
            "unmatchable": unmatchable,
            "registered_exchange_media": allowed,
        }
        if crossed:
            out[s.host] = verdict(
                False, say("media.cross_network.crossed", media=crossed), **evidence
            )
        elif s.gaps:
            out[s.host] = cannot_decide(
                say("media.cross_network.incomplete", gaps=list(s.gaps)), **evidence
            )
        elif matchable and blind:
            out[s.host] = cannot_decide(
                say("media.cross_network.blind", hosts=sorted(blind)), **evidence
            )
        else:
            out[s.host] = verdict(
                True,
                say(
                    "media.cross_network.none",
                    count=matchable,
                    hosts=len(internet),
                    unmatchable=len(unmatchable),
                ),
                **evidence,
            )
    return out

"""The same removable medium on machines of an isolated zone and of the internet zone."""

from __future__ import annotations

import calendar
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from netguard.checks.base import Verdict, cannot_decide, not_applicable, part, say, verdict
from netguard.checks.media import history as media_history
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
    #: an earlier run's machine (earlier_sightings): which run, as a reader is shown it
    run: str = ""

    @property
    def label(self) -> str:
        return f"{self.host} ({self.run})" if self.run else self.host


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


#: All that earlier_sightings reads of an earlier run: its hosts of this zone, their findings of
#: this check (``history.Store.excerpt`` reads no more of a city-wide run).
SIGHTINGS: tuple[str, str] = (Zone.INTERNET.value, media_history.id)


def earlier_sightings(doc: Mapping[str, Any]) -> list[MediaSummary]:
    """The internet-zone machines of an earlier run (its results document, from the history),
    with the storage devices their media.history listed: a stick plugged into an intranet PC
    this week is matched against one seen on an internet PC that this run did not reach."""
    given = doc.get("run")
    run: Mapping[str, Any] = given if isinstance(given, dict) else {}
    label = f"run {str(run.get('id', ''))[:8]}, {str(run.get('started', ''))[:10]}"
    out: list[MediaSummary] = []
    for h in doc.get("hosts") or ():
        if not isinstance(h, dict) or h.get("zone") != Zone.INTERNET:
            continue
        found = [f for f in h.get("findings") or () if f.get("check") == media_history.id]
        evidence = found[0].get("evidence") if found else None
        listed = evidence.get("devices") if isinstance(evidence, dict) else None
        if not isinstance(listed, list):
            continue
        devices = []
        for d in listed:
            try:
                devices.append(
                    SeenDevice(
                        str(d["serial"]),
                        f"{d['vendor_id']}:{d['product_id']}",
                        " ".join(str(d[k]) for k in ("manufacturer", "product") if d.get(k)),
                        _epoch(d["first_seen"]),
                        _epoch(d["last_seen"]),
                    )
                )
            except (KeyError, TypeError, ValueError):
                continue  # a device an edited document garbled proves nothing either way
        out.append(MediaSummary(str(h.get("name")), Zone.INTERNET, tuple(devices), run=label))
    return out


def _epoch(text: str) -> float:
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


def cross_network(
    summaries: Sequence[MediaSummary],
    exchange: Sequence[ExchangeMedium] = (),
    zones: Iterable[Zone] = ISOLATED_ZONES,
    earlier: Sequence[MediaSummary] = (),
) -> dict[str, Verdict]:
    """host name → the verdict of media.cross_network, for every isolated-zone host summarised.

    FAIL: a device of the host was also seen on an internet-zone machine (named, with times on
    both sides), registered exchange media excepted. Otherwise ERROR when the host's own history
    is not whole, or when it has matchable devices and some internet machine's history could not
    be read; NOT_APPLICABLE when the run has no internet-zone machine at all (nor ``earlier``).
    ``zones``: the zones the policy applies the check to (the internet zone itself is never
    judged). ``earlier``: internet machines of earlier runs (earlier_sightings), matched too."""
    registered = {m.serial: m.label for m in exchange}
    internet = [s for s in summaries if s.zone is Zone.INTERNET]
    # a machine this run audited tells its own history: its earlier run adds nothing
    earlier = [e for e in earlier if e.host not in {s.host for s in internet}]
    bad = unmatchable_serials([*summaries, *earlier])
    seen_outside: dict[str, list[tuple[MediaSummary, SeenDevice]]] = {}
    for s in [*internet, *earlier]:
        for d in s.devices or ():
            seen_outside.setdefault(d.serial, []).append((s, d))
    blind = [s.host for s in internet if s.devices is None or s.gaps]
    out: dict[str, Verdict] = {}
    judged = frozenset(zones) - {Zone.INTERNET}
    for s in summaries:
        if s.zone not in judged:
            continue
        if not internet and not earlier:
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
                        other=other.label,
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
                        "other_host": other.label,
                        "other_zone": str(other.zone),
                        "there": {"first_seen": _stamp(od.first), "last_seen": _stamp(od.last)},
                    }
                )
        evidence: dict[str, Any] = {
            "compared_with": sorted(x.host for x in internet if x.host not in blind)
            + [x.label for x in earlier],
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
                    hosts=len(internet) + len(earlier),
                    unmatchable=len(unmatchable),
                ),
                **evidence,
            )
    return out

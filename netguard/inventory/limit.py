"""``--limit PATTERN``: part of an inventory for an ad-hoc run (issue 15).

A host is kept when any pattern matches its name, its DNS name, its segment, its department,
its segment's zone or one of its tags — shell globs (``fin-*``, ``10.20.*`` does not match
addresses: only names), compared case-insensitively. Registered devices are kept: the network
sweep still knows them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from fnmatch import fnmatchcase

from netguard.model import Host, Inventory


def host_words(inventory: Inventory, host: Host) -> tuple[str, ...]:
    """What a limit pattern is matched against, for one host."""
    words = [host.name, host.segment, str(inventory.segments[host.segment].zone), *host.tags]
    if host.hostname:
        words.append(host.hostname)
    if host.department:
        words.append(host.department)
    return tuple(words)


def matches(patterns: Iterable[str], words: Iterable[str]) -> bool:
    folded = [w.casefold() for w in words]
    return any(fnmatchcase(w, p.casefold()) for p in patterns for w in folded)


def limit_inventory(inventory: Inventory, patterns: tuple[str, ...]) -> Inventory:
    """The inventory with only the hosts some pattern matches (all of them without patterns)."""
    if not patterns:
        return inventory
    kept = tuple(h for h in inventory.hosts if matches(patterns, host_words(inventory, h)))
    return replace(inventory, hosts=kept)

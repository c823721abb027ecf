"""Load a waivers file (YAML) with located errors, before any host is contacted.

Every complaint names the place to fix, ``FILE:LINE: field: message``, like the inventory and
policy loaders. A waiver is an exception to the rules, so the file is read strictly: an entry
without an end date, a pattern that matches no check (a typo would silently waive nothing, or
the wrong thing), or the same exception written twice is refused rather than guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date, datetime
from pathlib import Path

from netguard.waivers.model import Waiver, Waivers
from netguard.yamlsrc import Node, describe, did_you_mean, load_file

TOP_KEYS = ("waivers",)
WAIVER_KEYS = ("id", "host", "check", "reason", "approver", "approved", "expires", "ticket")
REQUIRED = ("host", "check", "reason", "approver", "approved")  # expires: its own message
#: Check ids that are not in the check catalog but appear in results (the transport's finding).
TRANSPORT_CHECKS = ("ssh.hostkey",)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def known_check_ids() -> tuple[str, ...]:
    """Every check id a finding can carry: the catalog's and the transport's."""
    from netguard.checks import CATALOG

    return (*CATALOG, *TRANSPORT_CHECKS)


def load_waivers(path: str | Path, checks: Collection[str] | None = None) -> Waivers:
    """Load and validate a waivers file. Raises InputError (exit code 2).

    ``checks`` are the check ids a ``check`` pattern must match at least one of (default: the
    check catalog and ``ssh.hostkey``).
    """
    known = tuple(checks) if checks is not None else known_check_ids()
    doc = load_file(path, "waivers")
    root = doc.root()
    if root.is_null:
        root.fail("the waivers file is empty; expected a mapping with the key waivers (a list)")
    top = root.mapping(TOP_KEYS, TOP_KEYS, what="a mapping with the key waivers (a list)")
    items = [] if top["waivers"].is_null else top["waivers"].items(what="a list of waivers")
    entries: list[Waiver] = []
    seen_ids: dict[str, int | None] = {}
    seen_pairs: dict[tuple[str, str], int | None] = {}
    for item in items:
        waiver, m = _waiver(item, doc.path, known)
        if waiver.id:
            if waiver.id in seen_ids:
                first = seen_ids[waiver.id]
                m["id"].fail(f"duplicate waiver id {waiver.id!r} (first on line {first})")
            seen_ids[waiver.id] = item.line
        pair = (waiver.host, waiver.check)
        if pair in seen_pairs:
            # Two entries for one exception: which approver and which end date would count?
            item.fail(
                f"duplicate waiver for host {waiver.host!r} and check {waiver.check!r} "
                f"(first on line {seen_pairs[pair]}); keep one entry per exception"
            )
        seen_pairs[pair] = item.line
        entries.append(waiver)
    return Waivers(path=doc.path, sha256=doc.sha256, entries=tuple(entries), source=doc.raw)


def _waiver(item: Node, file: str, known: tuple[str, ...]) -> tuple[Waiver, dict[str, Node]]:
    m = item.mapping(WAIVER_KEYS, REQUIRED, what="a waiver (a mapping with host, check, ...)")
    if "expires" not in m or m["expires"].is_null:
        missing = Node(file, None, item.line, f"{item.path}.expires")
        (m.get("expires") or missing).fail(
            "a waiver must end: give expires, a date such as 2026-12-31"
        )
    host = _pattern(m["host"])
    check = _check_pattern(m["check"], host, known)
    approved = _date(m["approved"])
    expires = _date(m["expires"])
    if expires < approved:
        m["expires"].fail(
            f"expires {expires.isoformat()} is before approved {approved.isoformat()}"
        )
    waiver = Waiver(
        host=host,
        check=check,
        reason=m["reason"].text(),
        approver=m["approver"].text(),
        approved=approved,
        expires=expires,
        ticket=_optional_text(m.get("ticket")),
        id=_optional_text(m.get("id")),
        file=file,
        line=item.line or 0,
    )
    return waiver, m


def _pattern(node: Node) -> str:
    text = node.text()
    if text != text.strip():
        node.fail(f"{text!r} has leading or trailing blanks; no host name has them")
    return text


def _check_pattern(node: Node, host: str, known: tuple[str, ...]) -> str:
    pattern = _pattern(node)
    probe = Waiver(host, pattern, "", "", date.min, date.min)
    matched = [c for c in known if probe.covers_check(c)]
    if not matched:
        close = did_you_mean(pattern, known)
        listing = "" if close else f"; known checks: {', '.join(sorted(known))}"
        node.fail(f"{pattern!r} matches no known check{close}{listing}")
    if host == "*" and len(matched) == len(known):
        # Every check on every host: that is switching the audit off, not an exception.
        node.fail("a waiver for every check on every host (host '*') is refused; name the checks")
    return pattern


def _date(node: Node) -> date:
    v = node.value
    # datetime is a date subclass: a time of day would make "until when" ambiguous across zones.
    if isinstance(v, datetime):
        node.fail(f"expected a date without a time (YYYY-MM-DD), got {v.isoformat()!r}")
    if isinstance(v, date):
        return v
    if isinstance(v, str) and _ISO_DATE.fullmatch(v.strip()):
        try:
            return date.fromisoformat(v.strip())
        except ValueError as exc:
            node.fail(f"not a date: {v!r} ({exc})")
    node.fail(f"expected a date such as 2026-12-31 (YYYY-MM-DD), got {describe(v)}")


def _optional_text(node: Node | None) -> str:
    if node is None or node.is_null:
        return ""
    return node.text()

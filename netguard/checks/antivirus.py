"""Antivirus present, running and current (恶意代码防范, 8.1.4.5 / 8.1.10.7).

Products are recognised through the policy's catalog by any signal a machine gives: package,
executable, systemd unit, process. The evidence names the signal, so an administrator can see why.

A product is *installed* on any of its signals, its helpers' included (an updater shows the
product is there). It is *running* only when one of its engines runs — the services and processes
that scan; helpers (updater, on-access client, GUI, scheduler, console agent) scan nothing by
themselves, so a machine where only they run fails and the finding names them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from netguard.checks import antivirus_windows
from netguard.checks.base import (
    CheckContext,
    ParamSpec,
    Verdict,
    cannot_decide,
    check,
    part,
    say,
    verdict,
)
from netguard.model import AvProduct, Severity
from netguard.model.facts import Facts

#: A signal: its label in the evidence ("package clamav") and its message part.
Signal = tuple[str, dict[str, Any]]


def _all(product: AvProduct, kind: str) -> tuple[str, ...]:
    """A product's services or processes, its engines' and then its helpers': for *installed*
    any of them is a sign."""
    own: tuple[str, ...] = getattr(product, kind)
    return (*own, *(n for h in product.helpers for n in getattr(h, kind)))


def _signals(facts: Facts, product: AvProduct) -> tuple[list[Signal], list[str]]:
    """(signals found, fact groups we could not look at)."""
    found: list[Signal] = []
    blind: list[str] = []
    kinds: tuple[tuple[str, tuple[str, ...], str, Callable[[str], dict[str, Any]]], ...] = (
        ("packages", product.packages, "package", lambda n: part("signal.package", name=n)),
        (
            "executables",
            product.binaries,
            "executable",
            lambda n: part("signal.executable", name=n),
        ),
        (
            "processes",
            _all(product, "processes"),
            "process",
            lambda n: part("signal.process", name=n),
        ),
    )
    for group, names, label, make in kinds:
        have = getattr(facts, group)
        if have is None:
            if group in _PLATFORM_GROUPS[facts.platform]:
                blind.append(group)
            continue
        found += [(f"{label} {n}", make(n)) for n in names if _key(facts, n) in have]
    if facts.services is not None:
        found += [
            (f"service {n}", part("signal.service", name=n))
            for n in _all(product, "services")
            if _key(facts, n) in facts.services
        ]
    return found, blind


#: The signal groups a platform has: Windows has no package database and no executables list
#: (products are found there by service and process), so their absence blinds nothing.
_PLATFORM_GROUPS: dict[str, tuple[str, ...]] = {
    "linux": ("packages", "executables", "processes"),
    "windows": ("processes",),
}


def _key(facts: Facts, name: str) -> str:
    """A catalog name as the facts hold it: Windows' service and process names are
    case-insensitive, and its parser keeps them casefolded."""
    return name.casefold() if facts.platform == "windows" else name


def _covered(facts: Facts, products: Iterable[AvProduct]) -> Facts:
    """The facts with every list that was read for other names only (collect/wanted.py: a run
    asks the host about its catalog's names) counted as not read: a catalog name the host was
    not asked about is unknown, never absent."""
    if not facts.only_asked:
        return facts
    products = tuple(products)
    names = {
        "packages": {n for p in products for n in p.packages},
        "executables": {n for p in products for n in p.binaries},
        "services": {n for p in products for n in _all(p, "services")},
    }
    unasked = {
        group: sorted(wanted - facts.only_asked[group])
        for group, wanted in names.items()
        if group in facts.only_asked and wanted - facts.only_asked[group]
    }
    if not unasked:
        return facts
    why = {group: "not asked for: " + ", ".join(ns) for group, ns in unasked.items()}
    return replace(
        facts,
        packages=None if "packages" in unasked else facts.packages,
        executables=None if "executables" in unasked else facts.executables,
        services=None if "services" in unasked else facts.services,
        problems={**facts.problems, **why},
    )


def _listed(products: dict[str, list[Signal]]) -> tuple[dict[str, list[str]], list[dict[str, Any]]]:
    """Products with their signals: (evidence labels, message parts)."""
    labels = {name: [label for label, _ in signals] for name, signals in products.items()}
    parts = [
        part("av.product", product=name, signals=[p for _, p in signals])
        for name, signals in products.items()
    ]
    return labels, parts


def _installed(facts: Facts, ctx: CheckContext) -> tuple[dict[str, list[Signal]], list[str]]:
    products: dict[str, list[Signal]] = {}
    blind: set[str] = set()
    for product in ctx.products:
        found, missing = _signals(facts, product)
        blind.update(missing)
        if found:
            products[product.name] = found
    return products, sorted(blind)


@check(
    "antivirus.installed",
    category="antivirus",
    severity=Severity.HIGH,
)
def installed(facts: Facts, ctx: CheckContext) -> Verdict:
    facts = _covered(facts, ctx.products)
    products, blind = _installed(facts, ctx)
    catalog = [p.name for p in ctx.products]
    if products:
        labels, parts = _listed(products)
        return verdict(
            True, say("antivirus.installed.found", products=parts), products=labels, catalog=catalog
        )
    if facts.platform == "windows" and facts.processes is None and facts.services is None:
        return cannot_decide(
            say("av_windows.installed_blind"),
            problems={k: facts.problems.get(k, "") for k in ("processes", "services")},
        )
    if facts.platform != "windows" and len(blind) == len(_PLATFORM_GROUPS[facts.platform]):
        # every signal group the platform has is unknown (Linux: packages, executables and
        # processes): cannot tell
        return cannot_decide(
            say("antivirus.installed.blind"),
            problems={b: facts.problems.get(b, "") for b in blind},
        )
    return verdict(
        False,
        say("antivirus.installed.none", catalog=catalog)
        if catalog
        else say("antivirus.installed.no_catalog"),
        catalog=catalog,
        not_examined=blind,
    )


def _up(
    facts: Facts, services: tuple[str, ...], processes: tuple[str, ...]
) -> list[tuple[str, Signal]]:
    """(name, signal) of the active units and running processes among these names. A fact group
    not read adds nothing: the callers fail closed."""
    up: list[tuple[str, Signal]] = []
    if facts.services is not None:
        up += [
            (n, (f"service {n} active", part("signal.service_active", name=n)))
            for n in services
            if facts.services.get(_key(facts, n)) == "active"
        ]
    if facts.processes is not None:
        up += [
            (n, (f"process {n}", part("signal.process", name=n)))
            for n in processes
            if _key(facts, n) in facts.processes
        ]
    return up


def _engines(product: AvProduct) -> list[str]:
    return list(dict.fromkeys([*product.services, *product.processes]))


@check(
    "antivirus.running",
    category="antivirus",
    severity=Severity.HIGH,
)
def running(facts: Facts, ctx: CheckContext) -> Verdict:
    facts = _covered(facts, ctx.products)
    base = _running(facts, ctx)
    if facts.platform != "windows":
        return base
    running_products = set(base.evidence.get("running", ()))
    defender = {
        p.name
        for p in ctx.products
        if antivirus_windows.DEFENDER_SERVICE in (s.casefold() for s in p.services)
    }
    only_defender = bool(running_products) and running_products <= defender
    return antivirus_windows.running(facts, base, only_defender)


def _running(facts: Facts, ctx: CheckContext) -> Verdict:
    """The catalog's verdict: an engine service or process of an approved product runs."""
    if facts.processes is None and facts.services is None:
        return cannot_decide(
            say("av_windows.running_blind")
            if facts.platform == "windows"
            else say("antivirus.running.blind"),
            problems={k: facts.problems.get(k, "") for k in ("processes", "services")},
        )
    active: dict[str, list[Signal]] = {}
    #: product → role → what of the role runs (names for the sentence, labels for the evidence)
    helping: dict[str, dict[str, list[str]]] = {}
    helping_labels: dict[str, list[str]] = {}
    for product in ctx.products:
        if engines := _up(facts, product.services, product.processes):
            active[product.name] = [signal for _, signal in engines]
        for h in product.helpers:
            if up := _up(facts, h.services, h.processes):
                names = helping.setdefault(product.name, {}).setdefault(h.role.value, [])
                names += [n for n, _ in up if n not in names]
                helping_labels.setdefault(product.name, []).extend(
                    f"{label} ({h.role.value})" for _, (label, _) in up
                )
    services = "services" if facts.platform == "windows" else "systemd"
    if facts.processes is None:
        used = f"{services} (process table not readable: {facts.problems.get('processes', '')})"
    elif facts.services is None:
        used = f"process table ({services} not available: {facts.problems.get('services', '')})"
    else:
        used = f"{services} and process table"
    extra: dict[str, Any] = {"helpers_running": helping_labels} if helping_labels else {}
    if active:
        labels, parts = _listed(active)
        return verdict(
            True,
            say("antivirus.running.found", products=parts),
            running=labels,
            signal=used,
            **extra,
        )
    looked_for = {p.name: _engines(p) for p in ctx.products}
    if helping:
        idle = [
            part(
                "av.helpers_only",
                product=name,
                helpers=[part("av.helper", role=role, names=ns) for role, ns in roles.items()],
                engines=looked_for[name],
            )
            for name, roles in helping.items()
        ]
        return verdict(
            False,
            say("antivirus.running.helpers_only", products=idle),
            signal=used,
            looked_for=looked_for,
            **extra,
        )
    return verdict(False, say("antivirus.running.none"), signal=used, looked_for=looked_for)


@check(
    "antivirus.signatures",
    category="antivirus",
    severity=Severity.HIGH,
    params=(ParamSpec("max_age_days", int, 7, "oldest acceptable signature database", minimum=1),),
)
def signatures(facts: Facts, ctx: CheckContext) -> Verdict:
    limit = ctx.params["max_age_days"]
    if facts.platform == "windows":
        return antivirus_windows.signatures(facts, limit)
    dbs = facts.need("clamav_databases")
    facts = _covered(facts, ctx.products)
    products, _ = _installed(facts, ctx)
    daily = [d for d in dbs if "/daily." in d.path] or list(dbs)
    if not daily:
        if products and not any(n.lower().startswith("clamav") for n in products):
            # An installed product we cannot read the signature date of: unknown, not pass.
            return cannot_decide(
                say("antivirus.signatures.unsupported", products=list(products)),
                products=list(products),
            )
        return verdict(False, say("antivirus.signatures.missing"), searched="/var/lib/clamav")
    databases: list[dict[str, object]] = []
    evidence: dict[str, object] = {"limit_days": limit, "databases": databases}
    newest: float | None = None
    source = "header"
    for d in daily:
        when = d.build_time if d.header_ok else d.mtime
        if not d.header_ok:
            source = "file time (database header unreadable)"
        databases.append(
            {"path": d.path, "version": d.version, "build_time": when, "from_header": d.header_ok}
        )
        if when is not None and (newest is None or when > newest):
            newest = when
    if newest is None:
        return cannot_decide(say("antivirus.signatures.undated"), **evidence)
    age_days = (facts.now - newest) / 86400
    evidence["age_days"] = round(age_days, 1)
    evidence["date_source"] = source
    if facts.clamscan_version:
        evidence["clamscan_version"] = facts.clamscan_version
    if facts.freshclam_log:
        evidence["freshclam_log_tail"] = list(facts.freshclam_log[-5:])
    days = round(age_days)
    said = (
        say("antivirus.signatures.age", age_days=days, limit_days=limit)
        if source == "header"
        else say("antivirus.signatures.age_file_time", age_days=days, limit_days=limit)
    )
    return verdict(age_days <= limit, said, **evidence)

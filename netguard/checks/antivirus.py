"""Antivirus present, running and current (恶意代码防范, 8.1.4.5 / 8.1.10.7).

Products are recognised through the policy's catalog by any signal a machine gives: package,
executable, systemd unit, process. The evidence names the signal, so an administrator can see why.
"""

from __future__ import annotations

from netguard.checks.base import (
    CheckContext,
    ParamSpec,
    Verdict,
    cannot_decide,
    check,
    verdict,
)
from netguard.collect.facts import Facts
from netguard.model import AvProduct, Severity


def _signals(facts: Facts, product: AvProduct) -> tuple[list[str], list[str]]:
    """(signals found, fact groups we could not look at)."""
    found: list[str] = []
    blind: list[str] = []
    for group, names, label in (
        ("packages", product.packages, "package"),
        ("executables", product.binaries, "executable"),
        ("processes", product.processes, "process"),
    ):
        have = getattr(facts, group)
        if have is None:
            blind.append(group)
            continue
        found += [f"{label} {n}" for n in names if n in have]
    if facts.services is not None:
        found += [f"service {n}" for n in product.services if n in facts.services]
    return found, blind


def _installed(facts: Facts, ctx: CheckContext) -> tuple[dict[str, list[str]], list[str]]:
    products: dict[str, list[str]] = {}
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
    title="An approved antivirus product is installed",
    remediation="Install the office's approved antivirus product (e.g. `apt install clamav "
    "clamav-daemon`) and register it with the unified management console.",
)
def installed(facts: Facts, ctx: CheckContext) -> Verdict:
    products, blind = _installed(facts, ctx)
    catalog = [p.name for p in ctx.products]
    if products:
        names = ", ".join(f"{n} ({'; '.join(s)})" for n, s in products.items())
        return verdict(True, f"installed: {names}", products=products, catalog=catalog)
    if len(blind) == 3:  # packages, executables and processes all unknown: cannot tell
        return cannot_decide(
            "could not look at packages, executables or processes",
            problems={b: facts.problems.get(b, "") for b in blind},
        )
    return verdict(
        False,
        f"no approved antivirus product found (looked for {', '.join(catalog) or 'nothing'})",
        catalog=catalog,
        not_examined=blind,
    )


@check(
    "antivirus.running",
    category="antivirus",
    severity=Severity.HIGH,
    title="The antivirus real-time engine is running",
    remediation="Start the antivirus service and enable it at boot (`systemctl enable --now "
    "clamav-daemon`); find out why it stopped (journal, product log).",
)
def running(facts: Facts, ctx: CheckContext) -> Verdict:
    active: dict[str, list[str]] = {}
    if facts.processes is None and facts.services is None:
        return cannot_decide(
            "neither the process table nor systemd could be read",
            problems={k: facts.problems.get(k, "") for k in ("processes", "services")},
        )
    for product in ctx.products:
        signals = []
        if facts.services is not None:
            signals += [
                f"service {n} active" for n in product.services if facts.services.get(n) == "active"
            ]
        if facts.processes is not None:
            signals += [f"process {n}" for n in product.processes if n in facts.processes]
        if signals:
            active[product.name] = signals
    used = (
        "systemd and process table"
        if facts.services is not None
        else ("process table (systemd not available: " + facts.problems.get("services", "") + ")")
    )
    if active:
        names = ", ".join(f"{n} ({'; '.join(s)})" for n, s in active.items())
        return verdict(True, f"running: {names}", running=active, signal=used)
    return verdict(
        False,
        "no antivirus engine or service is running",
        signal=used,
        looked_for={p.name: list(p.services) + list(p.processes) for p in ctx.products},
    )


@check(
    "antivirus.signatures",
    category="antivirus",
    severity=Severity.HIGH,
    title="Antivirus signatures are current",
    remediation="Update the signatures (`freshclam`, or the product's offline update package on "
    "an isolated network) and fix the update path; check freshclam.log.",
    params=(ParamSpec("max_age_days", int, 7, "oldest acceptable signature database", minimum=1),),
)
def signatures(facts: Facts, ctx: CheckContext) -> Verdict:
    limit = ctx.params["max_age_days"]
    dbs = facts.need("clamav_databases")
    products, _ = _installed(facts, ctx)
    daily = [d for d in dbs if "/daily." in d.path] or list(dbs)
    if not daily:
        if products and not any(n.lower().startswith("clamav") for n in products):
            # An installed product we cannot read the signature date of: unknown, not pass.
            return cannot_decide(
                f"cannot read the signature date of {', '.join(products)} on Linux",
                products=list(products),
            )
        return verdict(False, "no antivirus signature database found", searched="/var/lib/clamav")
    evidence: dict[str, object] = {"limit_days": limit, "databases": []}
    newest: float | None = None
    source = "header"
    for d in daily:
        when = d.build_time if d.header_ok else d.mtime
        if not d.header_ok:
            source = "file time (database header unreadable)"
        evidence["databases"].append(  # type: ignore[union-attr]
            {"path": d.path, "version": d.version, "build_time": when, "from_header": d.header_ok}
        )
        if when is not None and (newest is None or when > newest):
            newest = when
    if newest is None:
        return cannot_decide("signature database date unreadable", **evidence)
    age_days = (facts.now - newest) / 86400
    evidence["age_days"] = round(age_days, 1)
    evidence["date_source"] = source
    if facts.clamscan_version:
        evidence["clamscan_version"] = facts.clamscan_version
    if facts.freshclam_log:
        evidence["freshclam_log_tail"] = list(facts.freshclam_log[-5:])
    return verdict(
        age_days <= limit,
        f"signatures are {age_days:.0f} days old (limit {limit}, from {source})",
        **evidence,
    )

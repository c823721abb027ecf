"""Evaluate a policy over one host's Facts: pure, no I/O.

A check that raises yields ERROR with the reason, never PASS; a check outside its zones yields
NOT_APPLICABLE with the reason, so every verdict in a report can be explained.
"""

from __future__ import annotations

from collections.abc import Mapping

from netguard.checks.base import CheckContext, Verdict
from netguard.collect.facts import FactMissing, Facts
from netguard.model import Finding, FindingStatus, Host, Segment
from netguard.policy import CheckConfig, Policy


def evaluate(
    facts: Facts, host: Host, segments: Mapping[str, Segment], policy: Policy
) -> tuple[Finding, ...]:
    segment = segments[host.segment]
    return tuple(
        _finding(cfg, _run(cfg, facts, host, segment, segments, policy)) for cfg in policy.checks
    )


def _run(
    cfg: CheckConfig,
    facts: Facts,
    host: Host,
    segment: Segment,
    segments: Mapping[str, Segment],
    policy: Policy,
) -> Verdict:
    if segment.zone not in cfg.zones:
        zones = ", ".join(sorted(str(z) for z in cfg.zones))
        return Verdict(
            FindingStatus.NOT_APPLICABLE,
            f"applies to {zones} hosts; {host.name} is in the {segment.zone} zone",
        )
    ctx = CheckContext(host, segment, segments, cfg.params, policy.products)
    try:
        return cfg.spec.func(facts, ctx)
    except FactMissing as exc:
        return Verdict(FindingStatus.ERROR, f"could not decide: {exc}")
    except Exception as exc:  # a check bug must surface as ERROR, never as a pass
        return Verdict(FindingStatus.ERROR, f"check failed: {type(exc).__name__}: {exc}")


def _finding(cfg: CheckConfig, v: Verdict) -> Finding:
    spec = cfg.spec
    return Finding(
        check=spec.id,
        category=spec.category,
        status=v.status,
        severity=cfg.severity,
        message=v.message,
        evidence=v.evidence,
        title=spec.title,
        remediation=spec.remediation if v.status is FindingStatus.FAIL else "",
    )

"""Evaluate a policy over one host's Facts: pure, no I/O.

A check that raises yields ERROR with the reason, never PASS; a check outside its zones yields
NOT_APPLICABLE with the reason, so every verdict in a report can be explained. The engine's own
reasons are message ids like the checks' (``engine.*`` in ``netguard/i18n/<lang>/checks.yaml``).
"""

from __future__ import annotations

from collections.abc import Mapping

from netguard.checks.base import CheckContext, Verdict, cannot_decide, not_applicable, say
from netguard.model import Finding, FindingStatus, Host, Segment
from netguard.model.facts import FactMissing, Facts
from netguard.policy import CheckConfig, Policy


def evaluate(
    facts: Facts,
    host: Host,
    segments: Mapping[str, Segment],
    policy: Policy,
    probe_token: str | None = None,
) -> tuple[Finding, ...]:
    """``probe_token``: the probe the host was asked to send (isolation.reachability)."""
    segment = segments[host.segment]
    return tuple(
        finding(cfg, _run(cfg, facts, host, segment, segments, policy, probe_token))
        for cfg in policy.checks
    )


def _run(
    cfg: CheckConfig,
    facts: Facts,
    host: Host,
    segment: Segment,
    segments: Mapping[str, Segment],
    policy: Policy,
    probe_token: str | None,
) -> Verdict:
    if segment.zone not in cfg.zones:
        zones = sorted(str(z) for z in cfg.zones)
        return not_applicable(
            say("engine.outside_zone", zones=zones, host=host.name, zone=str(segment.zone))
        )
    ctx = CheckContext(host, segment, segments, cfg.params, policy.products, probe_token)
    try:
        return cfg.spec.func(facts, ctx)
    except FactMissing as exc:
        return cannot_decide(say("engine.fact_missing", fact=exc.fact, detail=exc.why))
    except Exception as exc:  # a check bug must surface as ERROR, never as a pass
        return cannot_decide(say("engine.check_raised", error=type(exc).__name__, detail=str(exc)))


def finding(cfg: CheckConfig, v: Verdict) -> Finding:
    """The finding of one selected check's verdict (also for the fleet step's verdicts)."""
    spec = cfg.spec
    return Finding(
        check=spec.id,
        category=spec.category,
        status=v.status,
        severity=cfg.severity,
        message=v.message,
        reason=v.reason,
        args=v.args,
        evidence=v.evidence,
        title=spec.title,
        remediation=spec.remediation if v.status is FindingStatus.FAIL else "",
        references=spec.references,
        titles=dict(spec.titles),
        remediations=dict(spec.remediations) if v.status is FindingStatus.FAIL else {},
    )

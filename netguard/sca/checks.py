"""A rule file's checks as CheckSpecs, so that they travel the pipeline built-in checks do.

Each check's function, in order:
1. a Windows host: not applicable (rule files are read on Linux hosts only);
2. a construct netguard cannot evaluate (``PolicyCheck.unsupported``): not applicable, on every
   host, with the loader's reason;
3. ``facts.need("watched")`` — missing, the engine makes it an ERROR;
4. the file's requirements: undecidable → ERROR; not met (failed or not applicable) → not
   applicable with the requirements' title (Wazuh: "If the requirements aren't satisfied for a
   specific policy file, the scan for that file won't start"; an invalid requirements result
   counts as not satisfied);
5. the check's rules under its condition (sca/evaluate.py).

Titles and remediation are the file's own words: ``CheckSpec.title``/``remediation`` in English
(a Wazuh policy's only language), ``titles``/``remediations`` every language the file gives.
"""

from __future__ import annotations

from typing import Any

from netguard.checks.base import (
    CheckContext,
    CheckSpec,
    Said,
    Verdict,
    cannot_decide,
    not_applicable,
    say,
    verdict,
)
from netguard.model.facts import Facts
from netguard.model.watched import Watched
from netguard.sca.evaluate import CheckResult, Outcome, RuleResult, evaluate_rules
from netguard.sca.model import Condition, PolicyCheck, RuleFile


def specs_of(rule_file: RuleFile) -> tuple[CheckSpec, ...]:
    """One CheckSpec per check of the file, in file order."""
    return tuple(_spec(rule_file, check) for check in rule_file.checks)


def _spec(rule_file: RuleFile, check: PolicyCheck) -> CheckSpec:
    def run(facts: Facts, ctx: CheckContext) -> Verdict:
        return judge(rule_file, check, facts)

    return CheckSpec(
        id=check.id,
        category=check.category,
        severity=check.severity,
        title=check.title.get("en") or next(iter(check.title.values()), check.id),
        remediation=check.remediation.get("en", ""),
        func=run,
        references=check.references,
        titles=dict(check.title),
        remediations=dict(check.remediation),
    )


def judge(rule_file: RuleFile, check: PolicyCheck, facts: Facts) -> Verdict:
    """The verdict of one check of ``rule_file`` on a host (see the module doc for the order)."""
    base: dict[str, Any] = {
        "rule_file": rule_file.id,
        "rule_file_name": rule_file.name,
        "check": check.source_id,
    }
    if facts.platform == "windows":
        return not_applicable(say("sca.windows_host"), **base)
    if check.unsupported:
        return not_applicable(say("sca.unsupported", detail=check.unsupported), **base)
    watched: Watched = facts.need("watched")
    req = rule_file.requirements
    if req is not None:
        met = evaluate_rules(req.condition, req.rules, watched)
        evidence = {**base, "requirements": [r.evidence() for r in met.rules]}
        if met.outcome is Outcome.ERROR and met.deciding is not None:  # an error is a rule's
            deciding = met.deciding
            said = say(
                "sca.requirements_undecided",
                title=req.title,
                rule=deciding.rule.text,
                why=deciding.why,
            )
            return cannot_decide(said, **evidence)
        if met.outcome is not Outcome.PASSED:
            return not_applicable(say("sca.requirements_not_met", title=req.title), **evidence)
    result = evaluate_rules(check.condition, check.rules, watched)
    evidence = {
        **base,
        "condition": str(check.condition),
        "rules": [r.evidence() for r in result.rules],
    }
    said = _said(check.condition, result)
    if result.outcome is Outcome.ERROR:
        return cannot_decide(said, **evidence)
    if result.outcome is Outcome.NOT_APPLICABLE:
        return not_applicable(said, **evidence)
    return verdict(result.outcome is Outcome.PASSED, said, **evidence)


def _said(condition: Condition, result: CheckResult) -> Said:
    rule: RuleResult | None = result.deciding
    count = len(result.rules)
    if rule is None:  # every rule agreed
        if condition is Condition.ALL:
            return say("sca.all_passed", count=count)
        if condition is Condition.ANY:
            return say("sca.any_failed", count=count)
        return say("sca.none_passed", count=count)
    text, why = rule.rule.text, rule.why
    if result.outcome is Outcome.ERROR:
        return say("sca.rule_undecided", rule=text, why=why)
    if result.outcome is Outcome.NOT_APPLICABLE:
        return say("sca.rule_not_applicable", rule=text, why=why)
    if condition is Condition.ALL:
        return say("sca.all_failed", rule=text, why=why)
    if condition is Condition.ANY:
        return say("sca.any_passed", rule=text, why=why)
    return say("sca.none_failed", rule=text, why=why)

"""Password rotation (身份鉴别, GB/T 22239-2019 8.1.4.1 a/b).

Only /etc/shadow decides: PASS_MAX_DAYS in login.defs is the default for accounts created later,
so it is evidence, never the verdict.
"""

from __future__ import annotations

from typing import Any

from netguard.checks.base import (
    CheckContext,
    ParamSpec,
    Verdict,
    check,
    not_applicable,
    part,
    say,
    verdict,
)
from netguard.model import Severity
from netguard.model.facts import Account, Facts

NEVER_EXPIRES = 99999  # shadow's conventional "no maximum"

MAX_DAYS = ParamSpec("max_days", int, 90, "longest allowed password lifetime, in days", minimum=1)


def _login_capable(facts: Facts) -> tuple[Account, ...]:
    accounts: tuple[Account, ...] = facts.need("accounts")
    return tuple(a for a in accounts if a.login_capable)


@check(
    "password.max_age",
    category="password",
    severity=Severity.HIGH,
    params=(MAX_DAYS,),
)
def max_age(facts: Facts, ctx: CheckContext) -> Verdict:
    limit = ctx.params["max_days"]
    considered = _login_capable(facts)
    if not considered:
        return not_applicable(say("password.no_login_accounts"), considered=[])
    bad: list[dict[str, Any]] = []
    for acct in considered:
        if acct.max_days is None or acct.max_days >= NEVER_EXPIRES:
            bad.append(part("account.never_expires", account=acct.name))
        elif acct.max_days > limit:
            bad.append(part("account.max_days", account=acct.name, days=acct.max_days))
    names = [a.name for a in considered]
    evidence = {
        "limit_days": limit,
        "considered": names,
        "accounts": [a.evidence() for a in considered],
        "login_defs_pass_max_days": facts.pass_max_days_default,
    }
    if bad:
        return verdict(
            False, say("password.max_age.too_long", limit_days=limit, accounts=bad), **evidence
        )
    return verdict(True, say("password.max_age.ok", count=len(names), limit_days=limit), **evidence)


@check(
    "password.age",
    category="password",
    severity=Severity.HIGH,
    params=(MAX_DAYS,),
)
def age(facts: Facts, ctx: CheckContext) -> Verdict:
    limit = ctx.params["max_days"]
    considered = _login_capable(facts)
    if not considered:
        return not_applicable(say("password.no_login_accounts"), considered=[])
    today = facts.today
    bad: list[dict[str, Any]] = []
    ages: dict[str, int | None] = {}
    for acct in considered:
        if acct.last_change is None:
            ages[acct.name] = None
            bad.append(part("account.aging_disabled", account=acct.name))
            continue
        if acct.last_change == 0:
            ages[acct.name] = None
            bad.append(part("account.must_change", account=acct.name))
            continue
        days = today - acct.last_change
        ages[acct.name] = days
        if days > limit:
            bad.append(part("account.days_ago", account=acct.name, days=days))
    evidence = {"limit_days": limit, "today_day": today, "considered": list(ages), "age_days": ages}
    if bad:
        return verdict(False, say("password.age.stale", limit_days=limit, accounts=bad), **evidence)
    oldest = max((d for d in ages.values() if d is not None), default=0)
    said = say("password.age.ok", count=len(ages), limit_days=limit, oldest_days=oldest)
    return verdict(True, said, **evidence)

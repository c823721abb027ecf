"""Password rotation (身份鉴别, GB/T 22239-2019 8.1.4.1 a/b).

Only /etc/shadow decides: PASS_MAX_DAYS in login.defs is the default for accounts created later,
so it is evidence, never the verdict.
"""

from __future__ import annotations

from netguard.checks.base import CheckContext, ParamSpec, Verdict, check, not_applicable, verdict
from netguard.collect.facts import Account, Facts
from netguard.model import Severity

NEVER_EXPIRES = 99999  # shadow's conventional "no maximum"

MAX_DAYS = ParamSpec("max_days", int, 90, "longest allowed password lifetime, in days", minimum=1)


def _login_capable(facts: Facts) -> tuple[Account, ...]:
    accounts: tuple[Account, ...] = facts.need("accounts")
    return tuple(a for a in accounts if a.login_capable)


@check(
    "password.max_age",
    category="password",
    severity=Severity.HIGH,
    title="Every login-capable account has a password maximum age",
    remediation="Set a maximum age on each account: `chage -M 90 NAME` (and PASS_MAX_DAYS in "
    "/etc/login.defs for new accounts).",
    params=(MAX_DAYS,),
)
def max_age(facts: Facts, ctx: CheckContext) -> Verdict:
    limit = ctx.params["max_days"]
    considered = _login_capable(facts)
    if not considered:
        return not_applicable("no login-capable accounts", considered=[])
    bad = []
    for acct in considered:
        if acct.max_days is None or acct.max_days >= NEVER_EXPIRES:
            bad.append(f"{acct.name} (never expires)")
        elif acct.max_days > limit:
            bad.append(f"{acct.name} ({acct.max_days} days)")
    names = [a.name for a in considered]
    evidence = {
        "limit_days": limit,
        "considered": names,
        "accounts": [a.evidence() for a in considered],
        "login_defs_pass_max_days": facts.pass_max_days_default,
    }
    if bad:
        return verdict(
            False, f"password maximum age above {limit} days: {', '.join(bad)}", **evidence
        )
    return verdict(
        True, f"all {len(names)} login-capable accounts expire within {limit} days", **evidence
    )


@check(
    "password.age",
    category="password",
    severity=Severity.HIGH,
    title="Every login-capable account changed its password recently",
    remediation="Have the named users change their passwords now (`passwd NAME`), then keep "
    "rotation enforced with a maximum age.",
    params=(MAX_DAYS,),
)
def age(facts: Facts, ctx: CheckContext) -> Verdict:
    limit = ctx.params["max_days"]
    considered = _login_capable(facts)
    if not considered:
        return not_applicable("no login-capable accounts", considered=[])
    today = facts.today
    bad = []
    ages: dict[str, int | None] = {}
    for acct in considered:
        if acct.last_change is None:
            ages[acct.name] = None
            bad.append(f"{acct.name} (password aging disabled)")
            continue
        if acct.last_change == 0:
            ages[acct.name] = None
            bad.append(f"{acct.name} (must change at next login: not yet rotated)")
            continue
        days = today - acct.last_change
        ages[acct.name] = days
        if days > limit:
            bad.append(f"{acct.name} ({days} days ago)")
    evidence = {"limit_days": limit, "today_day": today, "considered": list(ages), "age_days": ages}
    if bad:
        return verdict(
            False, f"password not changed within {limit} days: {', '.join(bad)}", **evidence
        )
    oldest = max((d for d in ages.values() if d is not None), default=0)
    return verdict(
        True,
        f"all {len(ages)} login-capable accounts changed their password within {limit} days "
        f"(oldest {oldest} days)",
        **evidence,
    )

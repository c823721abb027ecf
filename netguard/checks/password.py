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
    cannot_decide,
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


#: Crypt methods by the prefix the collection sends, named as libxcrypt's lib/hashes.conf
#: names them (the names a policy's ``allowed_methods`` lists). ``?`` is a field that is no
#: hash crypt(3) knows (bigcrypt falls here too: it cannot be told from garbage by its form).
CRYPT_METHODS: dict[str, str] = {
    "$y$": "yescrypt",
    "$gy$": "gost_yescrypt",
    "$argon2id$": "argon2_id",
    "$argon2i$": "argon2_i",
    "$argon2d$": "argon2_d",
    "$argon2ds$": "argon2_ds",
    "$7$": "scrypt",
    "$2b$": "bcrypt",
    "$2y$": "bcrypt_y",
    "$2a$": "bcrypt_a",
    "$2x$": "bcrypt_x",
    "$6$": "sha512crypt",
    "$5$": "sha256crypt",
    "$sha1$": "sha1crypt",
    "$md5$": "sunmd5",
    "$1$": "md5crypt",
    "$3$": "nt",
    "_": "bsdicrypt",
    "(des)": "descrypt",
}
UNRECOGNISED = "unrecognised"

#: The default allow-list: the methods libxcrypt flags STRONG ("still considered strong enough
#: to use for newly hashed passwords"), plus sha256crypt, which the office baseline (issue 11)
#: keeps: glibc's SHA-2 crypt, same construction as sha512crypt, written by older RHEL/CentOS
#: and Kylin installs, so failing it would be a false alarm on machines nobody misconfigured.
#: bcrypt_a ($2a$) stays allowed by default: libxcrypt flags it STRONG (crypt_blowfish since
#: 1.1 computes $2a$ safely; hashes made by the 2011-buggy code were to be relabelled $2x$,
#: which is NOT allowed); a pack that wants only the unambiguous $2b$/$2y$ drops it.
#: Left out: bcrypt_x (the CVE-2011-2483 compatibility mode), sha1crypt, sunmd5, md5crypt, nt,
#: bsdicrypt and descrypt (DES keeps only the first 8 characters of a password, so no length
#: or complexity rule survives it; md5crypt falls to commodity GPUs).
DEFAULT_METHODS: tuple[str, ...] = (
    "yescrypt",
    "gost_yescrypt",
    "argon2_id",
    "argon2_i",
    "argon2_d",
    "argon2_ds",
    "scrypt",
    "bcrypt",
    "bcrypt_y",
    "bcrypt_a",
    "sha512crypt",
    "sha256crypt",
)

ALLOWED_METHODS = ParamSpec(
    "allowed_methods",
    tuple,
    DEFAULT_METHODS,
    "password hash methods allowed for usable passwords (libxcrypt names)",
    choices=tuple(CRYPT_METHODS.values()),
)

NOT_ROTATED = "locked, not subject to rotation"
DISABLED = "disabled, not subject to rotation"  # a Windows account that is disabled


def _rotatable(facts: Facts) -> tuple[tuple[Account, ...], list[dict[str, str]]]:
    """The login-capable accounts whose password can be used, and the ones left out and why.

    Rotation applies to a password that can authenticate: a `!`/`*`-locked one cannot (CIS:
    "users with a password set"; 等保 8.1.4.1 speaks of the passwords used to log in), so
    Debian's `postgres` (`*`, /bin/bash) and a key-only user (`!` + hash) are listed, not failed.
    """
    accounts: tuple[Account, ...] = facts.need("accounts")
    login = [a for a in accounts if a.login_capable]
    considered = tuple(a for a in login if a.rotatable)
    left_out = [{"account": a.name, "why": NOT_ROTATED} for a in login if not a.rotatable]
    # Windows: a disabled account cannot log on; listed, not judged
    left_out += [{"account": a.name, "why": DISABLED} for a in accounts if a.lock == "disabled"]
    return considered, left_out


def _platform_evidence(facts: Facts) -> dict[str, Any]:
    """What the rotation checks add on Windows: the effective policy, and that a domain's
    accounts are not these (the domain's policy governs them, on the domain controllers)."""
    if facts.platform != "windows":
        return {"login_defs_pass_max_days": facts.pass_max_days_default}
    out: dict[str, Any] = {"local_accounts_only": True}
    pol = facts.password_policy
    if pol is not None:
        out["password_policy"] = {
            "source": pol.source,
            "maximum_password_age_days": pol.max_age_days,
            "minimum_password_length": pol.min_length,
            "password_complexity": pol.complexity,
            "lockout_bad_count": pol.lockout_bad_count,
        }
    else:
        out["password_policy_unread"] = facts.problems.get("password_policy", "not collected")
    if facts.domain:
        out["domain"] = facts.domain
        out["domain_accounts"] = "governed by the domain's password policy, not judged here"
    return out


def _nothing_to_rotate(left_out: list[dict[str, str]]) -> Verdict:
    if not left_out:
        return not_applicable(say("password.no_login_accounts"), considered=[])
    names = [x["account"] for x in left_out]
    return not_applicable(
        say("password.all_locked", accounts=names), considered=[], not_considered=left_out
    )


@check(
    "password.max_age",
    category="password",
    severity=Severity.HIGH,
    params=(MAX_DAYS,),
)
def max_age(facts: Facts, ctx: CheckContext) -> Verdict:
    limit = ctx.params["max_days"]
    considered, left_out = _rotatable(facts)
    if not considered:
        return _nothing_to_rotate(left_out)
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
        "not_considered": left_out,
        "accounts": [a.evidence() for a in considered],
        **_platform_evidence(facts),
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
    considered, left_out = _rotatable(facts)
    if not considered:
        return _nothing_to_rotate(left_out)
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
    evidence = {
        "limit_days": limit,
        "today_day": today,
        "considered": list(ages),
        "not_considered": left_out,
        "age_days": ages,
        **_platform_evidence(facts),
    }
    if bad:
        return verdict(False, say("password.age.stale", limit_days=limit, accounts=bad), **evidence)
    oldest = max((d for d in ages.values() if d is not None), default=0)
    said = say("password.age.ok", count=len(ages), limit_days=limit, oldest_days=oldest)
    return verdict(True, said, **evidence)


@check("password.empty", category="password", severity=Severity.CRITICAL)
def empty(facts: Facts, ctx: CheckContext) -> Verdict:
    """No account has an empty password field.

    Every account counts, not only those with a login shell: Debian's common-auth runs
    pam_unix with ``nullok``, so an empty field lets anyone through any PAM service that does
    not look at the shell (su to run one command, IMAP, FTP, a screen locker …). The parser
    already counts such an account as login-capable; the evidence says which have a shell.
    """
    accounts: tuple[Account, ...] = facts.need("accounts")
    if facts.platform == "windows":
        return _empty_windows(facts, accounts)
    found = [a for a in accounts if a.password == "empty"]
    evidence = {
        "empty": [
            {"account": a.name, "uid": a.uid, "shell": a.shell, "password_file": a.password_file}
            for a in found
        ],
        "accounts_seen": len(accounts),
    }
    if found:
        items = [
            part("account.empty_password", account=a.name)
            if a.login_shell
            else part("account.empty_no_shell", account=a.name)
            for a in found
        ]
        return verdict(False, say("password.empty.found", accounts=items), **evidence)
    return verdict(True, say("password.empty.none", count=len(accounts)), **evidence)


def _empty_windows(facts: Facts, accounts: tuple[Account, ...]) -> Verdict:
    """Windows never says whether a password is empty. What it says: an account with
    PasswordRequired false (PASSWD_NOTREQD) may have an empty password whatever the policy; for
    the others the policy's minimum length, when it is at least 1, has kept every password set
    under it from being empty. A minimum of 0 (the default of a workgroup computer) or an
    unknown one leaves the question open."""
    enabled = [a for a in accounts if a.login_capable]
    pol = facts.password_policy
    evidence: dict[str, Any] = {
        "password_not_required": [a.name for a in enabled if a.password_required is False],
        "accounts_seen": len(accounts),
        "enabled": [a.name for a in enabled],
        "minimum_password_length": None if pol is None else pol.min_length,
    }
    if any(a.password_required is None for a in enabled):
        return cannot_decide(say("password_windows.required_unknown"), **evidence)
    if evidence["password_not_required"]:
        said = say("password_windows.not_required", accounts=evidence["password_not_required"])
        return verdict(False, said, **evidence)
    if pol is None or pol.min_length is None:
        evidence["password_policy_unread"] = facts.problems.get("password_policy", "")
        return cannot_decide(say("password_windows.min_length_unknown"), **evidence)
    if pol.min_length < 1:
        return cannot_decide(say("password_windows.min_length_zero"), **evidence)
    said = say("password_windows.required", count=len(enabled), min_length=pol.min_length)
    return verdict(True, said, **evidence)


@check(
    "password.hash",
    category="password",
    severity=Severity.HIGH,
    params=(ALLOWED_METHODS,),
)
def hash_method(facts: Facts, ctx: CheckContext) -> Verdict:
    """Every usable password is hashed with an allowed method.

    Only usable passwords are judged. A locked field's hash cannot authenticate; unlocking it
    (``passwd -u``) is an administrator's act that makes it usable, and the next audit judges
    it then. Failing it now would fail key-only users over a hash nobody can log in with, so a
    locked weak hash is listed in the evidence (``locked_weak``), never the verdict. The hash
    itself never reaches the auditor: only its method prefix does (scripts/linux.sh).
    """
    allowed: tuple[str, ...] = tuple(ctx.params["allowed_methods"])
    accounts: tuple[Account, ...] = facts.need("accounts")
    if facts.platform == "windows":
        # Windows keeps its own hash (NT) whatever an administrator chooses: crypt(3) methods
        # do not apply
        return not_applicable(say("password_windows.hash_not_crypt"), accounts_seen=len(accounts))
    methods: dict[str, str] = {}
    bad: list[dict[str, Any]] = []
    locked_weak: dict[str, str] = {}
    for acct in accounts:
        if acct.hash_method is None:
            continue
        name = CRYPT_METHODS.get(acct.hash_method, UNRECOGNISED)
        if acct.password == "locked":
            if name not in allowed:
                locked_weak[acct.name] = name
            continue
        methods[acct.name] = name
        if name not in allowed:
            bad.append(part("account.hash_method", account=acct.name, method=name))
    evidence = {
        "allowed": list(allowed),
        "methods": methods,
        "locked_weak": locked_weak,
    }
    if bad:
        return verdict(False, say("password.hash.weak", accounts=bad), **evidence)
    if not methods:
        return not_applicable(say("password.hash.no_hashes"), **evidence)
    return verdict(True, say("password.hash.ok", count=len(methods)), **evidence)

"""Accounts (访问控制, GB/T 22239-2019 8.1.4.2 c/d: no superfluous or shared accounts, least
privilege for administrators).

A second account with user id 0 is root under another name: whoever holds it has full control
and its logins do not read as root's. It is the textbook backdoor (`toor`).
"""

from __future__ import annotations

from netguard.checks.base import (
    CheckContext,
    Verdict,
    check,
    not_applicable,
    part,
    say,
    verdict,
)
from netguard.model import Severity
from netguard.model.facts import Account, Facts


@check("accounts.uid0", category="accounts", severity=Severity.HIGH)
def uid0(facts: Facts, ctx: CheckContext) -> Verdict:
    """Only ``root`` has user id 0.

    Judged whatever the account's password state: a `*`/`!`-locked password stops password
    logins only — an SSH key in its authorized_keys (which the collection does not read) still
    logs in, as root. HIGH, like the rotation checks and below an empty password: it is an
    access-control defect to investigate, not proof that anyone can get in; the secret pack
    raises it to critical.
    """
    accounts: tuple[Account, ...] = facts.need("accounts")
    if facts.platform == "windows":
        # Windows has no user id 0: what an account may do comes from its groups
        return not_applicable(say("accounts_windows.no_uid0"), accounts_seen=len(accounts))
    extra = [a for a in accounts if a.uid == 0 and a.name != "root"]
    evidence = {
        "uid0": [
            {
                "account": a.name,
                "shell": a.shell,
                "password": a.password,
                "login_shell": a.login_shell,
            }
            for a in accounts
            if a.uid == 0
        ],
    }
    if extra:
        items = [_uid0_part(a) for a in extra]
        return verdict(False, say("accounts.uid0.extra", accounts=items), **evidence)
    return verdict(True, say("accounts.uid0.only_root"), **evidence)


def _uid0_part(acct: Account) -> dict[str, object]:
    """How an extra root account reads, by the state of its password."""
    if acct.password == "locked":
        return part("account.uid0_locked", account=acct.name)
    if acct.password == "empty":
        return part("account.uid0_empty", account=acct.name)
    return part("account.uid0", account=acct.name)

"""ssh.hostkey: a host that offered a key other than the one known_hosts records.

Not a policy check over Facts — there are no facts from a host we refused to talk to — but a
verdict all the same, written from what the transport saw (its evidence), never from the host's
own words. The refused connection is the finding: a changed key is never a prompt to continue.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netguard.checks.base import say
from netguard.checks.references import references_of
from netguard.i18n import catalog
from netguard.model import Finding, FindingStatus, Host, Severity

CHECK_ID = "ssh.hostkey"


def hostkey_finding(host: Host, evidence: Mapping[str, Any]) -> Finding:
    """The critical finding for a host whose key did not match (``evidence``: the transport's
    offered key type and fingerprint, and the key types known_hosts has for it; ``revoked``: an
    ``@revoked`` line lists the key offered) — or whose jump host's key did not
    (``evidence["jump_host"]``: the target was not contacted at all)."""
    en = catalog("en")
    offered = evidence.get("offered_fingerprint")
    known_types = sorted(evidence.get("known_keys", {}))
    jump = evidence.get("jump_host")
    offered_type = evidence.get("offered_type", "")
    if jump and offered and evidence.get("revoked"):
        said = say(
            "ssh.hostkey.jump_revoked",
            host=host.name,
            jump=jump,
            offered_type=offered_type,
            offered_fingerprint=offered,
        )
    elif offered and evidence.get("revoked"):
        said = say(
            "ssh.hostkey.revoked",
            host=host.name,
            offered_type=offered_type,
            offered_fingerprint=offered,
        )
    elif jump and offered:
        said = say(
            "ssh.hostkey.jump_changed",
            host=host.name,
            jump=jump,
            offered_type=offered_type,
            offered_fingerprint=offered,
        )
    elif jump:
        said = say(
            "ssh.hostkey.jump_no_known_type", host=host.name, jump=jump, known_types=known_types
        )
    elif offered:
        said = say(
            "ssh.hostkey.changed",
            host=host.name,
            offered_type=offered_type,
            offered_fingerprint=offered,
        )
    else:
        said = say("ssh.hostkey.no_known_type", host=host.name, known_types=known_types)
    return Finding(
        check=CHECK_ID,
        category="transport",
        status=FindingStatus.FAIL,
        severity=Severity.CRITICAL,
        title=en(f"checks.{CHECK_ID}.title"),
        message=said.english,
        reason=said.reason,
        args=said.args,
        remediation=en(f"checks.{CHECK_ID}.remediation"),
        evidence=dict(evidence),
        references=references_of("transport"),
    )

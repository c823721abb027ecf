"""Antivirus on Windows: what the Security Center and Defender add to the catalog's signals.

``antivirus.installed`` is the catalog's, on Windows as on Linux (services and processes, names
compared without case). ``antivirus.running`` and ``antivirus.signatures`` also read:

- ``root/SecurityCenter2`` ``AntiVirusProduct`` (client Windows only): every product registered
  with the Security Center and its ``productState``;
- ``Get-MpComputerStatus``: Microsoft Defender's own state, the only source on Windows Server.

Microsoft documents ``productState`` only as a value for the Security Center; its layout is the
one widely documented by those who decoded it (WSC_SECURITY_PROVIDER in the top byte, the
scanner state in bits 12-15, the signature state in bits 4-7):

- ``state & 0xF000``: 0x1000 on, 0x0000 off, 0x2000 snoozed, 0x3000 expired;
- ``state & 0x00F0``: 0x00 signatures up to date, 0x10 out of date.

Bits 8-11 are 0 or 1 on every decoded sample, bits 0-3 are 0. A value outside this pattern is
*unknown*, never read as on or current: the check then cannot decide.

Defender off because another product took over is no failure: Windows switches Defender off
(passive, or unregistered) when a third-party product registers, and the Security Center then
shows that product on. What counts is that *some* registered product's engine is on.
"""

from __future__ import annotations

from typing import Any

from netguard.checks.base import Verdict, cannot_decide, part, say, verdict
from netguard.model import FindingStatus
from netguard.model.facts import Facts, WscProduct

#: Microsoft Defender Antivirus's service: a catalog product with it is Defender.
DEFENDER_SERVICE = "windefend"
#: How Defender registers with the Security Center: its pathToSignedProductExe (Windows 10/11)
#: and the display names it has had.
DEFENDER_WSC_PATH = "windows.defender://"
DEFENDER_WSC_NAMES = frozenset({"windows defender", "microsoft defender antivirus"})


def is_defender(p: WscProduct) -> bool:
    return p.path.casefold().startswith(DEFENDER_WSC_PATH) or p.name.casefold() in (
        DEFENDER_WSC_NAMES
    )


_ENGINE = {0x1: "on", 0x0: "off", 0x2: "snoozed", 0x3: "expired"}
_SIGNATURES = {0x00: "current", 0x10: "out_of_date"}


def _known(state: int) -> bool:
    return state <= 0xFFFFFF and (state >> 8) & 0xF in (0, 1) and state & 0xF == 0


def wsc_engine(state: int) -> str:
    """on | off | snoozed | expired | unknown."""
    if not _known(state):
        return "unknown"
    return _ENGINE.get((state >> 12) & 0xF, "unknown")


def wsc_signatures(state: int) -> str:
    """current | out_of_date | unknown."""
    if not _known(state):
        return "unknown"
    return _SIGNATURES.get(state & 0xF0, "unknown")


def wsc_evidence(products: tuple[WscProduct, ...]) -> list[dict[str, Any]]:
    return [
        {
            "product": p.name,
            "product_state": f"0x{p.state:06X}",
            "engine": wsc_engine(p.state),
            "signatures": wsc_signatures(p.state),
            "path": p.path,
        }
        for p in products
    ]


def _wsc_part(p: WscProduct) -> dict[str, Any]:
    return part("wsc.product", product=p.name, state=f"0x{p.state:06X}")


def defender_evidence(facts: Facts) -> dict[str, Any]:
    d = facts.defender
    if d is None:
        return {"defender_unread": facts.problems.get("defender", "not collected")}
    return {
        "defender": {
            "am_service_enabled": d.am_service_enabled,
            "antivirus_enabled": d.antivirus_enabled,
            "real_time_protection": d.real_time,
            "running_mode": d.running_mode,
            "signature_updated": d.signature_updated,
            "signature_version": d.signature_version,
        }
    }


def _sources(facts: Facts) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if facts.wsc_antivirus is not None:
        out["security_center"] = wsc_evidence(facts.wsc_antivirus)
    else:
        out["security_center_unread"] = facts.problems.get("wsc_antivirus", "not collected")
    out.update(defender_evidence(facts))
    return out


def running(facts: Facts, base: Verdict, defender_only: bool) -> Verdict:
    """The catalog's verdict (``base``), checked against what Windows itself says.

    ``defender_only``: the only catalog product whose engine runs is Defender."""
    evidence = {**base.evidence, **_sources(facts)}
    if base.status is not FindingStatus.PASS:  # no approved engine runs: nothing to confirm
        return _with(base, evidence)
    wsc = facts.wsc_antivirus
    if wsc and defender_only:
        # Defender's process runs in passive mode too: when the catalog found only Defender,
        # Defender's own entry must say its engine is on (another product's does not count: it
        # is not the approved one the catalog found)
        mine = [p for p in wsc if is_defender(p)]
        if mine and all(wsc_engine(p.state) == "off" for p in mine):
            said = say("av_windows.defender_passive", products=[_wsc_part(p) for p in wsc])
            return verdict(False, said, **evidence)
    if wsc:
        engines = [wsc_engine(p.state) for p in wsc]
        if "on" in engines:
            return _with(base, evidence)
        unknown = [p for p, e in zip(wsc, engines, strict=True) if e == "unknown"]
        if unknown:
            said = say("av_windows.wsc_state_unknown", products=[_wsc_part(p) for p in unknown])
            return cannot_decide(said, **evidence)
        said = say("av_windows.wsc_all_off", products=[_wsc_part(p) for p in wsc])
        return verdict(False, said, **evidence)
    d = facts.defender
    if defender_only and d is not None:
        if d.real_time is None:
            return cannot_decide(say("av_windows.defender_rtp_unknown"), **evidence)
        if not d.real_time or d.am_service_enabled is False:
            return verdict(False, say("av_windows.defender_rtp_off"), **evidence)
    return _with(base, evidence)


def _with(base: Verdict, evidence: dict[str, Any]) -> Verdict:
    return Verdict(base.status, base.message, evidence, base.reason, base.args)


def signatures(facts: Facts, limit: int) -> Verdict:
    """Defender's signature date when Defender protects in real time (a date, to the day);
    otherwise the Security Center's word for the products whose engine is on (the product's
    own judgement of "up to date", no date); otherwise unknown."""
    evidence: dict[str, Any] = {"limit_days": limit, **_sources(facts)}
    d = facts.defender
    if d is not None and d.real_time and d.signature_updated is not None:
        age_days = (facts.now - d.signature_updated) / 86400
        evidence["age_days"] = round(age_days, 1)
        evidence["date_source"] = "Get-MpComputerStatus AntivirusSignatureLastUpdated"
        said = say("av_windows.defender_age", age_days=round(age_days), limit_days=limit)
        return verdict(age_days <= limit, said, **evidence)
    active = [p for p in facts.wsc_antivirus or () if wsc_engine(p.state) == "on"]
    if active:
        states = [wsc_signatures(p.state) for p in active]
        stale = [p for p, s in zip(active, states, strict=True) if s == "out_of_date"]
        if stale:
            said = say("av_windows.wsc_out_of_date", products=[_wsc_part(p) for p in stale])
            return verdict(False, said, **evidence)
        unknown = [p for p, s in zip(active, states, strict=True) if s == "unknown"]
        if unknown:
            said = say("av_windows.wsc_state_unknown", products=[_wsc_part(p) for p in unknown])
            return cannot_decide(said, **evidence)
        said = say("av_windows.wsc_current", products=[p.name for p in active])
        return verdict(True, said, **evidence)
    return cannot_decide(say("av_windows.signatures_unknown"), **evidence)

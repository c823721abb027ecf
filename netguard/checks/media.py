"""Removable media (移动存储介质, CHECKS.md "Removable media"): the USB storage history of one
host, whether the storage driver is blocked, and the per-host face of the fleet-level
cross-network check (decided in ``netguard.fleet`` once every host of a run is done)."""

from __future__ import annotations

import time
from typing import Any

from netguard.checks.base import (
    CheckContext,
    ParamSpec,
    Verdict,
    cannot_decide,
    check,
    part,
    say,
    verdict,
)
from netguard.model import ISOLATED_ZONES, Severity
from netguard.model.facts import Facts, UsbStorageDevice, UsbStorageLog

#: `install usb-storage COMMAND` lines that make loading the driver a no-op (CIS "Disable USB
#: Storage" uses /bin/true; /bin/false also makes modprobe report the failure).
NO_LOAD_COMMANDS = frozenset({"/bin/true", "/bin/false", "/usr/bin/true", "/usr/bin/false"})
LOOKBACK = ParamSpec(
    "lookback_days", int, 90, "how far back the USB storage history must reach", minimum=1
)


def _day(t: float | None) -> str:
    return "?" if t is None else time.strftime("%Y-%m-%d", time.gmtime(t))


def _stamp(t: float | None) -> str | None:
    return None if t is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


#: A log that starts within this long of the installation has seen the machine's whole life.
INSTALL_SLACK = 86400.0


def history_gaps(
    log: UsbStorageLog, now: float, days: int, installed_at: float | None = None
) -> list[dict[str, Any]]:
    """Why the history may not cover the last ``days`` days (parts; [] = it does): a log that
    reaches back far enough is needed — a persistent journal or syslog's files — or, on a
    machine installed since, back to its installation (a new machine is not undecidable)."""
    start = now - days * 86400
    if installed_at is not None and installed_at > start:
        start = installed_at + INSTALL_SLACK
    gaps: list[dict[str, Any]] = []
    for source, first in log.read:
        if source == "journal" and log.journal_persistent is False:
            gaps.append(part("media.journal_volatile", why=log.journal_volatile_why))
            continue
        if first is not None and first <= start:
            return []
        gaps.append(part("media.reach", source=source, since=_day(first)))
    return gaps or [part("media.no_log")]


def device_evidence(d: UsbStorageDevice) -> dict[str, Any]:
    return {
        "vendor_id": d.vendor_id,
        "product_id": d.product_id,
        "serial": d.serial,
        "product": d.product,
        "manufacturer": d.manufacturer,
        "first_seen": _stamp(d.first_seen),
        "last_seen": _stamp(d.last_seen),
        "times": d.times,
        "sources": list(d.sources),
    }


def device_part(d: UsbStorageDevice) -> dict[str, Any]:
    return part(
        "media.device",
        name=" ".join(x for x in (d.manufacturer, d.product) if x) or "?",
        ids=f"{d.vendor_id}:{d.product_id}",
        serial=d.serial or "-",
        first=_day(d.first_seen),
        last=_day(d.last_seen),
    )


@check("media.history", category="media", severity=Severity.MEDIUM, params=(LOOKBACK,))
def history(facts: Facts, ctx: CheckContext) -> Verdict:
    """The USB storage devices the kernel logged; undecidable when the logs do not reach back
    ``lookback_days`` (a volatile journal, rotated files): the history is then not known whole."""
    log: UsbStorageLog = facts.need("usb_storage_log")
    days = ctx.params["lookback_days"]
    evidence: dict[str, Any] = {
        "lookback_days": days,
        "logs": {src: {"since": _stamp(first)} for src, first in log.read},
        "journal_persistent": log.journal_persistent,
        "devices": [device_evidence(d) for d in log.devices][:100],
    }
    if log.unread:
        evidence["logs_not_read"] = list(log.unread)
    gaps = history_gaps(log, facts.now, days, facts.installed_at)
    if gaps:
        return cannot_decide(
            say("media.history.incomplete", days=days, gaps=gaps, count=len(log.devices)),
            **evidence,
        )
    windows = facts.platform == "windows"  # the registry's USBSTOR keys, not a kernel log
    if not log.devices:
        if windows:
            return verdict(True, say("media_windows.history_none"), **evidence)
        return verdict(True, say("media.history.none", days=days), **evidence)
    shown = [device_part(d) for d in log.devices[:20]]
    if windows:
        said = say("media_windows.history_devices", count=len(log.devices), devices=shown)
        return verdict(True, said, **evidence)
    return verdict(
        True, say("media.history.devices", count=len(log.devices), devices=shown), **evidence
    )


@check("media.blocked", category="media", severity=Severity.HIGH, zones=ISOLATED_ZONES)
def blocked(facts: Facts, ctx: CheckContext) -> Verdict:
    """USB storage cannot be used: the usb-storage driver is not loaded now, and cannot load
    (an `install usb-storage /bin/false|/bin/true` rule, a blacklist that stops the automatic
    load on plug-in, a kernel command line blacklist, or no module at all)."""
    if facts.platform == "windows":
        return _blocked_windows(facts)
    mod = facts.need("usb_storage_module")
    evidence: dict[str, Any] = {
        "loaded": mod.loaded,
        "builtin": mod.builtin,
        "module_files": list(mod.module_files),
        "modprobe_exit": mod.modprobe_rc,
        "modprobe": list(mod.modprobe),
        "blacklisted_in": list(mod.blacklisted_in),
        "install": [{"file": f, "command": c} for f, c in mod.install],
        "cmdline": list(mod.cmdline),
    }
    if mod.loaded:
        return verdict(False, say("media.blocked.loaded"), **evidence)
    if mod.builtin:
        return verdict(False, say("media.blocked.builtin"), **evidence)
    # modprobe's own answer applies the configuration's precedence: `install /bin/false`
    installs = [ln.split(None, 1)[1] for ln in mod.modprobe if ln.startswith("install ")]
    if not installs and mod.modprobe_rc is None:
        installs = [c for _, c in mod.install]
    commands = [c.split()[0] if c.split() else "" for c in installs]
    if commands and all(c in NO_LOAD_COMMANDS for c in commands):
        return verdict(True, say("media.blocked.install", command=installs[0]), **evidence)
    if mod.blacklisted_in or mod.cmdline:
        where = [*mod.blacklisted_in, *("/proc/cmdline" for _ in mod.cmdline[:1])]
        return verdict(True, say("media.blocked.blacklisted", files=where), **evidence)
    absent = not mod.module_files and (
        mod.modprobe_rc is None or (mod.modprobe_rc != 0 and not installs)
    )
    if absent:
        return verdict(True, say("media.blocked.absent"), **evidence)
    return verdict(False, say("media.blocked.loadable"), **evidence)


#: Services/USBSTOR Start: 4 = SERVICE_DISABLED, the driver never loads (Microsoft: "Start"
#: values of a service key; the documented way to disable USB storage).
USBSTOR_DISABLED = 4


def _blocked_windows(facts: Facts) -> Verdict:
    """USB storage cannot be used: the USBSTOR driver is disabled (Start = 4), or the policy
    "All Removable Storage classes: Deny all access" is set (Deny_All = 1)."""
    pol = facts.need("usbstor_policy")
    evidence = {"usbstor_start": pol.start, "removable_storage_deny_all": pol.deny_all}
    if pol.start == USBSTOR_DISABLED:
        return verdict(True, say("media_windows.usbstor_disabled"), **evidence)
    if pol.deny_all:
        return verdict(True, say("media_windows.deny_all"), **evidence)
    return verdict(False, say("media_windows.usbstor_loadable", start=pol.start), **evidence)


@check(
    "media.cross_network",
    category="media",
    severity=Severity.CRITICAL,
    zones=ISOLATED_ZONES,
)
def cross_network(facts: Facts, ctx: CheckContext) -> Verdict:
    """Decided across a run's hosts (netguard.fleet), after all are audited: this per-host
    stand-in is what remains when no fleet step replaced it — undecided, never a pass."""
    facts.need("usb_storage_log")
    return cannot_decide(say("media.cross_network.pending"))

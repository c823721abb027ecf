"""Turn the Windows collection script's sections (scripts/windows.ps1) into Facts.

The framing is the Linux script's (``@@ng NAME BASE64`` with ``\\n@@rc N`` inside the base64),
so ``split_sections`` is shared. A section's text is JSON from ``ConvertTo-Json``, except
``meta`` (key=value lines, readable from PowerShell 2.0). Status 0 is an answer; 1 the source
failed, 2 the source is not on the host (cmdlet, WMI namespace or class), 3 PowerShell older than
3.0 (no ConvertTo-Json). Anything else, a truncated section or JSON of the wrong shape makes the
fact group missing, with a reason naming the source: the checks then say *error*, never *pass*.

Host output is hostile: nothing is evaluated, every string is capped, every number checked.
``FACT_GROUPS`` is the table from sections to facts, as in parse_linux.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from netguard.collect.parse_linux import SECTION_CAP, Section, split_sections
from netguard.model.facts import Account, DefenderStatus, Facts, PasswordPolicy, WscProduct

Sections = Mapping[str, Section]

SOURCE_FAILED, SOURCE_MISSING, POWERSHELL_TOO_OLD = 1, 2, 3
#: Longest name, path or version string kept from a host.
TEXT_CAP = 512
#: Where each section's data comes from, as the reasons name it.
SOURCES: dict[str, str] = {
    "meta": "Win32_OperatingSystem / Win32_ComputerSystem",
    "processes": "Get-Process",
    "services": "Get-Service",
    "wsc_av": "root/SecurityCenter2 AntiVirusProduct",
    "defender": "Get-MpComputerStatus",
    "adsi_policy": "the WinNT provider's computer object (ADSI)",
    "secedit": "secedit /export /areas SECURITYPOLICY",
    "local_users": "Get-LocalUser",
}
#: Linux fact groups that have no Windows source: absent, with this reason.
NO_WINDOWS_SOURCE: dict[str, str] = {
    "packages": "no package database on Windows (products are found by service and process)",
    "executables": "not collected on Windows (products are found by service and process)",
    "opt_dirs": "no /opt on Windows",
    "clamav_databases": "not collected on Windows (signatures come from Security Center and "
    "Defender)",
    "pass_max_days_default": "no login.defs on Windows",
    "uid": "Windows has no numeric user id (meta says whether the account is an administrator)",
    "clamscan_version": "not collected on Windows",
    "freshclam_log": "not collected on Windows",
}
#: Facts only a Windows host has: the Linux parser leaves them None (no problem recorded).
WINDOWS_ONLY = ("domain", "wsc_antivirus", "defender", "password_policy")
#: Fact groups the script collects but this parser does not read yet (issue 14, later parts).
NOT_PARSED_YET = (
    "addresses",
    "interfaces",
    "default_routes",
    "links",
    "ip_forward",
    "ip6_forward",
    "rfkill",
    "bluetooth",
    "nm_profiles",
    "nm_timestamps",
    "dhcp_leases",
    "kernel_net_log",
    "usb_storage_log",
    "usb_storage_module",
    "probe",
)


class _Missing(Exception):
    """The section gives no answer; the message says why, naming the source."""


_PARSE_ERRORS = (ValueError, KeyError, TypeError, IndexError)


def _kv(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key.strip()] = value.strip()[:TEXT_CAP]
    return out


def _meta_kv(sections: Sections) -> dict[str, str]:
    sec = sections.get("meta")
    if sec is None or sec.rc != 0:
        return {}
    return _kv(sec.text)


def _why(sections: Sections, name: str, sec: Section) -> str:
    source = SOURCES.get(name, name)
    if sec.rc is None:
        return f"{source}: section {name} truncated at {SECTION_CAP} bytes"
    error = _kv(sec.text).get("error", "")
    if sec.rc == POWERSHELL_TOO_OLD:
        version = error.removeprefix("powershell_too_old").strip() or "below 3.0"
        return f"{source}: PowerShell {version} has no ConvertTo-Json (3.0 or later needed)"
    if sec.rc == SOURCE_MISSING:
        if name == "wsc_av" and _meta_kv(sections).get("product_type", "1") != "1":
            return f"{source} not present (Windows Server has no Security Center)"
        return f"{source} not present on the host ({error})"
    if name == "secedit" and _meta_kv(sections).get("admin") == "False":
        return f"{source} failed: needs an administrator ({error})"
    return f"{source} failed ({error or f'status {sec.rc}'})"


def _json(sections: Sections, name: str) -> Any:
    """A section's JSON value, or _Missing naming the source."""
    sec = sections.get(name)
    if sec is None:
        raise _Missing(f"{SOURCES.get(name, name)}: section {name} missing from the output")
    if sec.rc != 0:
        raise _Missing(_why(sections, name, sec))
    try:
        return json.loads(sec.text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"section {name} is not JSON ({exc.msg})") from None


def _list(value: Any) -> list[Any]:
    """ConvertTo-Json's list: PowerShell sends a list of one as that one object (when a caller
    forgets the unary comma), and nothing as null."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _str(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {type(value).__name__}")
    return value[:TEXT_CAP]


def _int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise TypeError("expected a number, got a boolean")
    if isinstance(value, str):
        value = value.strip()
        if not value.lstrip("-").isdigit() or len(value) > 20:
            raise ValueError(f"expected a number, got {value[:40]!r}")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"expected a whole number, got {value}")
    return int(value)


def _bool(value: Any) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        raise TypeError(f"expected true/false, got {type(value).__name__}")
    return value


def _mapping(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"{what}: expected an object")
    return value


# -- the groups --------------------------------------------------------------------------------


def _meta(sections: Sections) -> tuple[float | None, str, str, str, str, float | None]:
    sec = sections.get("meta")
    if sec is None or sec.rc != 0:
        raise _Missing("meta section missing or failed")
    kv = _kv(sec.text)
    t = kv.get("time", "")
    installed = kv.get("installed", "")
    domain = kv.get("domain", "") if kv.get("part_of_domain") == "True" else ""
    return (
        float(t) if t.isdigit() else None,
        kv.get("hostname", ""),
        kv.get("os_version", ""),
        kv.get("os", ""),
        domain,
        float(installed) if installed.isdigit() else None,
    )


def _processes(sections: Sections) -> frozenset[str]:
    # Windows names are case-insensitive: kept casefolded, the checks fold the catalog's names
    return frozenset(_str(n).casefold() for n in _list(_json(sections, "processes")))


#: Get-Service's Status (ServiceControllerStatus, sent as its name) → systemd's word for it.
_SERVICE_STATE = {"running": "active", "stopped": "inactive"}


def _services(sections: Sections) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in _list(_json(sections, "services")):
        m = _mapping(item, "a service")
        status = _str(m.get("status")).casefold()
        out[_str(m["name"]).casefold()] = _SERVICE_STATE.get(status, status or "unknown")
    return out


def _wsc(sections: Sections) -> tuple[WscProduct, ...]:
    out = []
    for item in _list(_json(sections, "wsc_av")):
        m = _mapping(item, "an AntiVirusProduct")
        state = _int(m.get("state"))
        if state is None or not 0 <= state <= 0xFFFFFFFF:
            raise ValueError(f"productState {state!r} is not a 32-bit value")
        out.append(WscProduct(_str(m.get("name")), state, _str(m.get("path"))))
    return tuple(out)


def _defender(sections: Sections) -> DefenderStatus:
    m = _mapping(_json(sections, "defender"), "Get-MpComputerStatus")
    updated = _int(m.get("signature_updated"))
    return DefenderStatus(
        am_service_enabled=_bool(m.get("am_service_enabled")),
        antivirus_enabled=_bool(m.get("antivirus_enabled")),
        real_time=_bool(m.get("real_time")),
        running_mode=_str(m.get("running_mode")),
        signature_updated=None if updated is None or updated <= 0 else float(updated),
        signature_version=_str(m.get("signature_version")),
    )


#: The WinNT provider's "never": NetUserModalsGet's TIMEQ_FOREVER (0xFFFFFFFF), or -1.
_FOREVER = 0xFFFFFFFF


def _secedit_policy(sections: Sections) -> PasswordPolicy:
    m = _mapping(_json(sections, "secedit"), "secedit [System Access]")
    if "MaximumPasswordAge" not in m:
        raise ValueError("secedit export has no MaximumPasswordAge")
    max_age = _int(m.get("MaximumPasswordAge"))
    complexity = _int(m.get("PasswordComplexity"))
    return PasswordPolicy(
        source="secedit",
        # 0 and -1 both mean "passwords never expire" in a security template
        max_age_days=None if max_age is None or max_age <= 0 else max_age,
        min_length=_int(m.get("MinimumPasswordLength")),
        complexity=None if complexity is None else complexity == 1,
        lockout_bad_count=_int(m.get("LockoutBadCount")),
    )


def _adsi_policy(sections: Sections) -> PasswordPolicy:
    m = _mapping(_json(sections, "adsi_policy"), "WinNT computer")
    seconds = _int(m.get("max_age"))
    never = seconds is None or seconds <= 0 or seconds >= _FOREVER
    return PasswordPolicy(
        source="adsi",
        max_age_days=None if never or seconds is None else seconds // 86400,
        min_length=_int(m.get("min_length")),
        complexity=None,  # the WinNT provider does not expose it
        lockout_bad_count=_int(m.get("max_bad")),
    )


def _password_policy(sections: Sections) -> PasswordPolicy:
    """secedit when it exported (it needs an administrator), else the WinNT provider (any
    account can read it, but it does not say whether complexity is required)."""
    try:
        return _secedit_policy(sections)
    except (_Missing, *_PARSE_ERRORS) as exc:
        try:
            return _adsi_policy(sections)
        except (_Missing, *_PARSE_ERRORS):
            raise exc from None


def _rid(sid: str) -> int:
    rid = sid.rsplit("-", 1)[-1]
    if not sid.startswith("S-1-") or not rid.isdigit():
        raise ValueError(f"not a SID: {sid[:60]!r}")
    return int(rid)


def _accounts(sections: Sections) -> tuple[Account, ...]:
    """Local accounts in the shape the Linux checks read.

    An enabled account can log on: login-capable, its password usable. A disabled one cannot:
    "locked" with lock "disabled", so the rotation checks list it and do not judge it. The day
    numbers are those of /etc/shadow: ``last_change`` the day PasswordLastSet falls on (0 when
    Windows has none: the password must be changed at next logon), ``max_days`` the days from
    PasswordLastSet to PasswordExpires (None: it never expires)."""
    try:
        policy: PasswordPolicy | None = _password_policy(sections)
    except (_Missing, *_PARSE_ERRORS):
        policy = None
    out = []
    for item in _list(_json(sections, "local_users")):
        m = _mapping(item, "a local user")
        name = _str(m["name"])
        enabled = _bool(m.get("enabled"))
        if enabled is None:
            raise ValueError(f"account {name!r}: Enabled not given")
        last_set, expires = _int(m.get("last_set")), _int(m.get("expires"))
        last_change = 0 if last_set is None else last_set // 86400
        max_days: int | None
        if expires is not None and last_set is not None:
            max_days = max(0, round((expires - last_set) / 86400))
        elif expires is None and last_set is not None:
            max_days = None  # PasswordExpires empty: the password never expires
        else:  # no PasswordLastSet: the policy's age applies once it is set
            never = _bool(m.get("never_expires"))
            max_days = None if never or policy is None else policy.max_age_days
        out.append(
            Account(
                name=name,
                uid=_rid(_str(m.get("sid"))),
                shell="",
                password="usable" if enabled else "locked",
                last_change=last_change,
                max_days=max_days,
                login_capable=enabled,
                lock="" if enabled else "disabled",
                password_file="SAM",
                login_shell=enabled,
                password_required=_bool(m.get("required")),
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class FactGroup:
    """One row of the parse table (as parse_linux.FactGroup): fields, sections, parser."""

    facts: tuple[str, ...]
    sections: tuple[str, ...]
    parse: Callable[[Sections], Any]

    def read(self, sections: Sections) -> dict[str, Any]:
        own = {name: sections[name] for name in self.sections if name in sections}
        # the meta section is shown to every row: reasons say "Windows Server", "administrator"
        if "meta" in sections:
            own.setdefault("meta", sections["meta"])
        value = self.parse(own)
        values = value if len(self.facts) > 1 else (value,)
        return dict(zip(self.facts, values, strict=True))


FACT_GROUPS: tuple[FactGroup, ...] = (
    FactGroup(
        ("target_time", "hostname", "kernel", "os_name", "domain", "installed_at"),
        ("meta",),
        _meta,
    ),
    FactGroup(("processes",), ("processes",), _processes),
    FactGroup(("services",), ("services",), _services),
    FactGroup(("wsc_antivirus",), ("wsc_av",), _wsc),
    FactGroup(("defender",), ("defender",), _defender),
    FactGroup(("password_policy",), ("secedit", "adsi_policy"), _password_policy),
    FactGroup(("accounts",), ("local_users", "secedit", "adsi_policy"), _accounts),
)


def parse_windows(stdout: bytes, now: float | None = None) -> Facts:
    """Parse the whole output of scripts/windows.ps1 into Facts; CollectionError if unusable."""
    sections = split_sections(stdout)
    values: dict[str, Any] = {"now": time.time() if now is None else now, "platform": "windows"}
    problems: dict[str, str] = dict(NO_WINDOWS_SOURCE)
    problems.update(dict.fromkeys(NOT_PARSED_YET, "not read from Windows yet (issue 14)"))
    for group in FACT_GROUPS:
        try:
            values.update(group.read(sections))
            for fact in group.facts:
                problems.pop(fact, None)
        except _Missing as exc:
            problems.update(dict.fromkeys(group.facts, str(exc)))
        except _PARSE_ERRORS as exc:
            problems.update(dict.fromkeys(group.facts, f"could not parse: {exc}"))
    return Facts(**values, problems=problems)

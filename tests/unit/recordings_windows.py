"""Recorded outputs of scripts/windows.ps1, section by section (issue 14).

No Windows machine is reachable from here: these are the script's own renderings of what each
cmdlet or class returns, shaped after Microsoft's documentation of it, with the values an office
machine of that kind shows. Where each shape comes from:

- ``meta`` (key=value lines): Win32_OperatingSystem (Caption, Version, ProductType 1 workstation /
  2 domain controller / 3 server, OSLanguage 2052 = zh-CN, 1033 = en-US, InstallDate) and
  Win32_ComputerSystem (PartOfDomain, Domain; a workgroup computer's Domain is "WORKGROUP"),
  learn.microsoft.com "Win32_OperatingSystem class" / "Win32_ComputerSystem class";
  $PSVersionTable.PSVersion (2.0 on Windows 7 SP1, 5.1 on Windows 10/11 and Server 2016+).
- ``processes``: Get-Process's ProcessName (the image name without ".exe"), unique and sorted.
- ``services``: Get-Service's Name and Status (ServiceControllerStatus: Running, Stopped, ...).
- ``wsc_av``: root/SecurityCenter2 AntiVirusProduct (displayName, productState,
  pathToSignedProductExe, timestamp). The class is present on client Windows only; Microsoft
  documents it through the Windows Security Center API (WSC_SECURITY_PROVIDER_HEALTH), not the
  bit layout of productState; the values here are the ones commonly reported for Defender on
  (397568 = 0x061100), Defender switched off by a third-party product (393472 = 0x060100), and a
  third-party product on and current (266240 = 0x041000).
- ``defender``: Get-MpComputerStatus (learn.microsoft.com "Get-MpComputerStatus",
  MSFT_MpComputerStatus): AMServiceEnabled, AntivirusEnabled, RealTimeProtectionEnabled,
  AMRunningMode ("Normal", "Passive Mode", ...; Windows 10 1903 and later),
  AntivirusSignatureLastUpdated (sent as epoch seconds by the script), AntivirusSignatureVersion.
  When another product has taken over on a client, Defender's service is stopped and the cmdlet
  fails with 0x800106ba; the message is localised (the zh-CN recording keeps it in Chinese: the
  parser never reads it, only the status).
- ``secedit``: the [System Access] section of ``secedit /export /areas SECURITYPOLICY`` (keys of
  a security template: MinimumPasswordAge, MaximumPasswordAge, MinimumPasswordLength,
  PasswordComplexity, PasswordHistorySize, LockoutBadCount ...; learn.microsoft.com "secedit
  export" and the "Password Policy" reference). A stand-alone Windows 10/11 defaults to
  MaximumPasswordAge 42, MinimumPasswordLength 0, PasswordComplexity 0. Needs an administrator.
- ``adsi_policy``: the WinNT provider's computer object (MaxPasswordAge in seconds,
  MinPasswordLength, MaxBadPasswordsAllowed, PasswordHistoryLength), readable by any user.
- ``local_users``: Get-LocalUser (learn.microsoft.com "Get-LocalUser", LocalUser class): Name,
  SID, Enabled, PasswordLastSet, PasswordExpires (empty when the password never expires),
  PasswordRequired; the built-in accounts of a Windows 10/11 install (Administrator -500,
  Guest -501, DefaultAccount -503, WDAGUtilityAccount -504, all disabled) keep their English
  names on Chinese Windows.
- A failed section is recorded as the script records it: ``source=``/``error=`` lines with status
  1 (the source failed), 2 (not present) or 3 (PowerShell 2.0: no ConvertTo-Json).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from netguard.checks import CATALOG
from netguard.collect.parse_linux import encode_sections
from netguard.collect.parse_windows import parse_windows
from netguard.model.facts import Facts
from netguard.policy import Policy, load_policy
from netguard.policy.loader import default_policy_path
from tests.unit.recordings import NOW, Sections

DAY = 86400
SID = "S-1-5-21-3623811015-3361044348-30300820"


def js(value: Any) -> tuple[str, int]:
    """A section as the script sends it: ConvertTo-Json -Compress, status 0."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")), 0


def failed(source: str, error: str, rc: int) -> tuple[str, int]:
    return f"source={source}\nerror={error}", rc


def meta(**kv: str) -> tuple[str, int]:
    base = {
        "time": str(int(NOW)),
        "hostname": "ZF-PC-11",
        "psversion": "5.1.22621.2506",
        "psedition": "Desktop",
        "user": "ZF-PC-11\\audit",
        "admin": "True",
        "os": "Microsoft Windows 11 专业版",
        "os_version": "10.0.22631",
        "product_type": "1",
        "os_language": "2052",
        "installed": str(int(NOW - 400 * DAY)),
        "part_of_domain": "False",
        "domain": "WORKGROUP",
    }
    base.update(kv)
    return "\n".join(f"{k}={v}" for k, v in base.items()), 0


def user(
    name: str,
    rid: int,
    enabled: bool,
    set_days_ago: int | None,
    expires_after: int | None,
    required: bool = True,
) -> dict[str, Any]:
    last_set = None if set_days_ago is None else int(NOW - set_days_ago * DAY)
    expires = None if last_set is None or expires_after is None else last_set + expires_after * DAY
    return {
        "name": name,
        "sid": f"{SID}-{rid}",
        "enabled": enabled,
        "last_set": last_set,
        "expires": expires,
        "required": required,
        "source": "Get-LocalUser",
    }


def builtin_users() -> list[dict[str, Any]]:
    """The built-in accounts of a Windows 10/11 install: all disabled."""
    return [
        user("Administrator", 500, False, None, None),
        user("DefaultAccount", 503, False, None, None, required=False),
        user("Guest", 501, False, None, None, required=False),
        user("WDAGUtilityAccount", 504, False, 400, 42),
    ]


def secedit(max_age: int = 90, min_length: int = 8, complexity: int = 1) -> tuple[str, int]:
    return js(
        {
            "MinimumPasswordAge": "1",
            "MaximumPasswordAge": str(max_age),
            "MinimumPasswordLength": str(min_length),
            "PasswordComplexity": str(complexity),
            "PasswordHistorySize": "5",
            "LockoutBadCount": "5",
            "ResetLockoutCount": "10",
            "LockoutDuration": "10",
            "RequireLogonToChangePassword": "0",
            "ForceLogoffWhenHourExpire": "0",
            "NewAdministratorName": '"Administrator"',
            "NewGuestName": '"Guest"',
            "ClearTextPassword": "0",
            "LSAAnonymousNameLookup": "0",
            "EnableAdminAccount": "0",
            "EnableGuestAccount": "0",
        }
    )


def adsi(max_age_days: int = 42, min_length: int = 0) -> tuple[str, int]:
    return js({"max_age": max_age_days * DAY, "min_length": min_length, "max_bad": 0, "history": 0})


BASE_PROCESSES = [
    "csrss",
    "explorer",
    "lsass",
    "powershell",
    "services",
    "sshd",
    "svchost",
    "System",
    "wininit",
    "winlogon",
]
BASE_SERVICES = [
    {"name": "Dhcp", "status": "Running"},
    {"name": "EventLog", "status": "Running"},
    {"name": "sshd", "status": "Running"},
    {"name": "wuauserv", "status": "Stopped"},
]


def processes(*extra: str) -> tuple[str, int]:
    return js(sorted({*BASE_PROCESSES, *extra}, key=str.casefold))


def services(**extra: str) -> tuple[str, int]:
    listed = [*BASE_SERVICES, *({"name": n, "status": s} for n, s in extra.items())]
    return js(sorted(listed, key=lambda s: s["name"].casefold()))


def defender(
    real_time: bool = True, updated_days_ago: float = 1, mode: str = "Normal"
) -> tuple[str, int]:
    return js(
        {
            "am_service_enabled": True,
            "antivirus_enabled": True,
            "real_time": real_time,
            "running_mode": mode,
            "signature_updated": int(NOW - updated_days_ago * DAY),
            "signature_age": int(updated_days_ago),
            "signature_version": "1.421.1254.0",
        }
    )


def wsc(*products: tuple[str, int]) -> tuple[str, int]:
    paths = {
        "Windows Defender": "windows.defender://",
        "火绒安全软件": "C:\\Program Files\\Huorong\\Sysdiag\\bin\\wsctrlsvc.exe",
    }
    return js(
        [
            {
                "name": name,
                "state": state,
                "path": paths.get(name, ""),
                "timestamp": "Mon, 23 Nov 2026 00:00:00 GMT",
            }
            for name, state in products
        ]
    )


DEFENDER_ON = 0x061100  # 397568
DEFENDER_OFF = 0x060100  # 393472: switched off by another product, signatures current
DEFENDER_STALE = 0x061110  # 397584: on, signatures out of date
THIRD_PARTY_ON = 0x041000  # 266240


def windows11(**overrides: tuple[str, int]) -> Sections:
    """A stock, well-kept Windows 11 23H2 (zh-CN display language): Defender on and current,
    the local policy set to 90 days / 8 characters / complexity, one user changing on time.
    Audited as an administrator."""
    sections: Sections = {
        "meta": meta(),
        "processes": processes("MsMpEng", "SecurityHealthService", "SecurityHealthSystray"),
        "services": services(WinDefend="Running", SecurityHealthService="Running"),
        "wsc_av": wsc(("Windows Defender", DEFENDER_ON)),
        "defender": defender(),
        "adsi_policy": adsi(90, 8),
        "secedit": secedit(),
        "local_users": js([*builtin_users(), user("liming", 1001, True, 20, 90)]),
    }
    sections.update(overrides)
    return sections


def windows10_zh(**overrides: tuple[str, int]) -> Sections:
    """Windows 10 22H2, zh-CN, a finance office's PC: 火绒 has taken over from Defender (the
    Security Center shows Defender off, 火绒 on; Get-MpComputerStatus fails, in Chinese), the
    stand-alone defaults of the password policy (42 days, no minimum length), a second user
    whose password never expires. Audited as an ordinary account: secedit fails, the WinNT
    provider gives the policy."""
    sections: Sections = {
        "meta": meta(
            hostname="CW-PC-07",
            user="CW-PC-07\\audit",
            admin="False",
            os="Microsoft Windows 10 专业版",
            os_version="10.0.19045",
            psversion="5.1.19041.4648",
        ),
        "processes": processes("HipsDaemon", "HipsTray", "usysdiag", "wsctrlsvc"),
        "services": services(HipsDaemon="Running", WinDefend="Stopped"),
        "wsc_av": wsc(("Windows Defender", DEFENDER_OFF), ("火绒安全软件", THIRD_PARTY_ON)),
        "defender": failed(
            "Get-MpComputerStatus",
            "Microsoft.Management.Infrastructure.CimException: 该操作失败，出现以下错误: "
            "0x800106ba",
            1,
        ),
        "adsi_policy": adsi(42, 0),
        "secedit": failed(
            "secedit /export /areas SECURITYPOLICY",
            "System.Management.Automation.RuntimeException: secedit exit status 5, nothing "
            "exported",
            1,
        ),
        "local_users": js(
            [
                *builtin_users(),
                user("张伟", 1001, True, 30, 42),
                user("财务", 1002, True, 300, None),
            ]
        ),
    }
    sections.update(overrides)
    return sections


def server2019(**overrides: tuple[str, int]) -> Sections:
    """Windows Server 2019 Standard, domain member: no Security Center (the namespace is not
    there on Server), Defender's cmdlets only; the local Administrator enabled and rotated."""
    sections: Sections = {
        "meta": meta(
            hostname="FS-01",
            user="FS-01\\audit",
            os="Microsoft Windows Server 2019 Standard",
            os_version="10.0.17763",
            product_type="3",
            os_language="2052",
            psversion="5.1.17763.5830",
            part_of_domain="True",
            domain="county.example",
        ),
        "processes": processes("MsMpEng", "NisSrv"),
        "services": services(WinDefend="Running", WdNisSvc="Running"),
        "wsc_av": failed(
            "root/SecurityCenter2 AntiVirusProduct",
            "missing WMI namespace root/SecurityCenter2",
            2,
        ),
        "defender": defender(updated_days_ago=3),
        "adsi_policy": adsi(90, 8),
        "secedit": secedit(),
        "local_users": js(
            [
                user("Administrator", 500, True, 30, 90),
                user("DefaultAccount", 503, False, None, None, required=False),
                user("Guest", 501, False, None, None, required=False),
            ]
        ),
    }
    sections.update(overrides)
    return sections


TOO_OLD = "powershell_too_old 2.0"


def windows7(**overrides: tuple[str, int]) -> Sections:
    """Windows 7 SP1 with PowerShell 2.0 (a Win32-OpenSSH install): meta answers, every JSON
    section says PowerShell is too old."""
    sections: Sections = {
        "meta": meta(
            hostname="DA-PC-03",
            user="DA-PC-03\\audit",
            os="Microsoft Windows 7 专业版 ",
            os_version="6.1.7601",
            psversion="2.0",
            psedition="",
        ),
    }
    for name, source in (
        ("processes", "Get-Process"),
        ("services", "Get-Service"),
        ("wsc_av", "root/SecurityCenter2 AntiVirusProduct"),
        ("defender", "Get-MpComputerStatus"),
        ("adsi_policy", "ADSI WinNT computer"),
        ("secedit", "secedit /export /areas SECURITYPOLICY"),
        ("local_users", "Get-LocalUser"),
    ):
        sections[name] = failed(source, TOO_OLD, 3)
    sections.update(overrides)
    return sections


WINDOWS_HOSTS: dict[str, Callable[[], Sections]] = {
    "win11": windows11,
    "win10_zh": windows10_zh,
    "server2019": server2019,
    "win7": windows7,
}


def windows_policy() -> Policy:
    """The shipped baseline pack: its catalog holds Defender and the Windows names."""
    return load_policy(default_policy_path(), CATALOG)


def parsed(sections: Sections) -> Facts:
    return parse_windows(encode_sections(sections), now=NOW)


def windows_i18n_scenarios() -> Iterator[tuple[str, Facts]]:
    """Every recorded Windows host and the branches none of them reaches (for test_i18n)."""
    for name, make in WINDOWS_HOSTS.items():
        yield name, parsed(make())
    for label, sections in windows_variants().items():
        yield label, parsed(sections)


def windows_variants() -> dict[str, Sections]:
    """Variants of the recorded hosts, one per verdict branch no recording reaches."""
    no_defender = failed("Get-MpComputerStatus", "missing cmdlet Get-MpComputerStatus", 2)
    server_defender = json.loads(defender()[0])
    return {
        "wsc all off": windows11(wsc_av=wsc(("Windows Defender", DEFENDER_OFF))),
        "wsc unknown state": windows11(wsc_av=wsc(("Windows Defender", 0x999999))),
        "wsc stale": windows11(
            wsc_av=wsc(("Windows Defender", DEFENDER_STALE)), defender=no_defender
        ),
        "defender rtp off": server2019(defender=js({**server_defender, "real_time": False})),
        "defender rtp unknown": server2019(defender=js({**server_defender, "real_time": None})),
        "password not required": windows11(
            local_users=js([*builtin_users(), user("liming", 1001, True, 20, 90, required=False)])
        ),
        "password required unknown": windows11(
            local_users=js([{**user("liming", 1001, True, 20, 90), "required": None}])
        ),
        "no policy": windows11(
            secedit=failed("secedit", "x", 1), adsi_policy=failed("ADSI WinNT computer", "x", 1)
        ),
    }

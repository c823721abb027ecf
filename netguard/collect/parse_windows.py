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

import calendar
import ipaddress
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from netguard.collect.parse_linux import SECTION_CAP, Section, split_sections
from netguard.model.facts import (
    Account,
    Address,
    DefenderStatus,
    Facts,
    Interface,
    Link,
    NetProfile,
    PasswordPolicy,
    Route,
    UsbStorageDevice,
    UsbStorageLog,
    UsbStorPolicy,
    WscProduct,
    is_split_default_half,
)

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
    "adsi_policy": "the WinNT provider (ADSI)",
    "secedit": "secedit /export /areas SECURITYPOLICY",
    "local_users": "Get-LocalUser",
    "adapters": "Get-NetAdapter",
    "bluetooth": "Get-PnpDevice -Class Bluetooth",
    "bridge": "Get-NetAdapterBinding ms_bridge",
    "ip_addresses": "Get-NetIPAddress",
    "routes": "Get-NetRoute",
    "ip_interfaces": "Get-NetIPInterface",
    "network_profiles": "the NetworkList profiles (HKLM)",
    "usbstor": "the USBSTOR device keys (HKLM)",
    "usb_devices": "the USB device keys (HKLM)",
    "usbstor_start": "the USBSTOR service key and the RemovableStorageDevices policy (HKLM)",
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
    "usb_storage_module": "no usb-storage module on Windows (see usbstor_policy)",
    "dhcp_leases": "not collected on Windows (the NetworkList profiles are its history)",
    "kernel_net_log": "not collected on Windows (the NetworkList profiles are its history)",
    "probe": "the connection probe is not implemented for Windows hosts (none is sent)",
    "watched": "policy files' checks are not read on Windows hosts (no watch list is sent)",
}
#: Facts only a Windows host has: the Linux parser leaves them None (no problem recorded).
WINDOWS_ONLY = ("domain", "wsc_antivirus", "defender", "password_policy", "usbstor_policy")
#: Facts whose Windows value is known without asking: no rfkill (radios are adapters and
#: Bluetooth devices there), and no separate timestamps file (the last use is in each profile).
WINDOWS_CONSTANTS: dict[str, Any] = {"rfkill": (), "nm_timestamps": {}, "only_asked": {}}


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
    except RecursionError:  # a hostile host's [[[[…]]]]: ConvertTo-Json -Depth 6 nests less
        raise ValueError(f"section {name} nests too deep") from None


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


# -- networks -----------------------------------------------------------------------------------


def _family(value: Any) -> int:
    """AddressFamily as the script sends it ([string]: IPv4 / IPv6)."""
    family = {"ipv4": 4, "ipv6": 6}.get(_str(value).casefold())
    if family is None:
        raise ValueError(f"unknown address family {value!r}")
    return family


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(text.split("%", 1)[0])  # fe80::1%12: the zone is the index


def _addresses(sections: Sections) -> tuple[Address, ...]:
    out = []
    for item in _list(_json(sections, "ip_addresses")):
        m = _mapping(item, "an IP address")
        prefix = _int(m.get("prefix"))
        ip = _ip(_str(m["ip"]))
        if prefix is None or not 0 <= prefix <= ip.max_prefixlen:
            raise ValueError(f"prefix length {prefix!r} for {ip}")
        out.append(Address(_str(m.get("interface")), ip, prefix))
    return tuple(out)


def _default_routes(sections: Sections) -> tuple[Route, ...]:
    """Default routes and split-default halves of the active store. Windows has one routing
    table per compartment; a next hop of 0.0.0.0 / :: is on-link (a VPN or PPP link)."""
    out = []
    for item in _list(_json(sections, "routes")):
        m = _mapping(item, "a route")
        net = ipaddress.ip_network(_str(m["dst"]), strict=False)
        if net.prefixlen != 0 and not is_split_default_half(net):
            continue  # 224.0.0.0/4 (multicast) is on every interface and leads nowhere
        gw = _ip(_str(m.get("gateway")) or "0.0.0.0")
        out.append(
            Route(
                family=_family(m.get("family")),
                gateway=None if gw.is_unspecified else gw,
                dev=_str(m.get("interface")),
                metric=_int(m.get("metric")),
                dst="default" if net.prefixlen == 0 else str(net),
                protocol=_str(m.get("protocol")).casefold(),
            )
        )
    return tuple(out)


def _forwarding(sections: Sections) -> tuple[bool, bool]:
    """Per family: does any interface forward (Get-NetIPInterface Forwarding: Enabled)?"""
    on = {4: False, 6: False}
    for item in _list(_json(sections, "ip_interfaces")):
        m = _mapping(item, "an IP interface")
        state = _str(m.get("forwarding")).casefold()
        if state not in ("enabled", "disabled"):
            raise ValueError(f"Forwarding {state!r}")
        if state == "enabled":
            on[_family(m.get("family"))] = True
    return on[4], on[6]


#: NdisPhysicalMedium values of radios (NDIS_PHYSICAL_MEDIUM, ntddndis.h) by their names.
RADIO_MEDIA = {
    1: "Wireless LAN",
    8: "Wireless WAN",
    9: "Native 802.11",
    10: "Bluetooth",
    12: "WiMax",
    13: "UWB",
}


def _radio_medium(m: Mapping[str, Any]) -> str:
    if _str(m.get("description")).casefold().startswith("wan miniport"):
        return ""  # the RAS miniports of every install (IKEv2, L2TP, PPPOE …): software, no radio
    medium = _int(m.get("ndis_medium"))
    if medium in RADIO_MEDIA:
        return RADIO_MEDIA[medium]
    # A phone sharing its connection over USB is a wired-looking Ethernet adapter whose driver
    # is Remote NDIS ("Remote NDIS based Internet Sharing Device")
    if "remote ndis" in _str(m.get("description")).casefold():
        return "Remote NDIS"
    return ""


def _adapters(sections: Sections) -> list[dict[str, Any]]:
    return [_mapping(item, "an adapter") for item in _list(_json(sections, "adapters"))]


def _interfaces(sections: Sections) -> tuple[Interface, ...]:
    out = []
    for m in _adapters(sections):
        medium = _radio_medium(m)
        out.append(
            Interface(
                name=_str(m.get("name")),
                arp_type=None,
                wireless=False,  # sysfs's wireless/ directory: Linux only; ``media`` says it
                phy80211=False,
                driver="",
                devtype="",
                operstate=_str(m.get("status")).casefold(),
                media=medium,
            )
        )
    return tuple(out)


#: Adapter descriptions of tunnel drivers → (kind, tun type) in ip-link's words.
_TUNNEL_DRIVERS = (
    ("tap-windows", "tun", "tap"),  # OpenVPN's TAP-Windows Adapter V9
    ("wireguard", "wireguard", ""),
    ("wintun", "tun", "tun"),  # OpenVPN 2.5+, WireGuard's userspace driver
)


def _links(sections: Sections) -> tuple[Link, ...]:
    """Adapters as links: tunnel drivers by their description; the ports bound to the MAC
    bridge (ms_bridge) under one bridge named by the binding ("ms_bridge")."""
    bridged = {_str(n) for n in _list(_json(sections, "bridge"))}
    out = []
    for m in _adapters(sections):
        desc = _str(m.get("description")).casefold()
        kind, tun_type = next(((k, t) for d, k, t in _TUNNEL_DRIVERS if d in desc), ("", ""))
        name = _str(m.get("name"))
        port = name in bridged
        out.append(
            Link(
                name=name,
                kind=kind,
                tun_type=tun_type,
                master="ms_bridge" if port else "",
                slave_kind="bridge" if port else "",
                link_type="ether",
                operstate=_str(m.get("status")).casefold(),
            )
        )
    if bridged:
        out.append(Link("ms_bridge", "bridge", "", "", "", "ether", "up"))
    return tuple(out)


def _bluetooth(sections: Sections) -> tuple[str, ...]:
    names = []
    for item in _list(_json(sections, "bluetooth")):
        m = _mapping(item, "a Bluetooth device")
        names.append(_str(m.get("name")) or _str(m.get("instance")))
    return tuple(names)


#: NetworkList NameType: 6 wired (IEEE 802.3), 23 (0x17) mobile broadband, 71 (0x47) wireless.
_NAME_TYPES = {6: "ethernet", 23: "gsm", 71: "wifi"}


def _systemtime(raw: Any, utc_offset: int) -> float | None:
    """A NetworkList date: a 16-byte SYSTEMTIME (eight little-endian words: year, month, day of
    week, day, hour, minute, second, ms) in the host's local time."""
    data = _list(raw)
    if not data or data == [None]:  # the script's @($null): no such value
        return None
    if len(data) != 16 or not all(isinstance(b, int) and 0 <= b <= 255 for b in data):
        raise ValueError("a NetworkList date is not 16 bytes")
    w = [data[i] | data[i + 1] << 8 for i in range(0, 16, 2)]
    year, month, _, day, hour, minute, second = w[:7]
    if not (1601 <= year <= 9999 and 1 <= month <= 12 and 1 <= day <= 31):
        raise ValueError(f"not a date: {w}")
    return calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)) - utc_offset


_PROFILES = "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\NetworkList\\Profiles\\"


def _nm_profiles(sections: Sections) -> tuple[NetProfile, ...]:
    """The NetworkList profiles in the shape of NetworkManager's: the networks Windows joined,
    with the last time it connected (DateLastConnected). Windows keeps them after the network
    is gone; it does not reconnect by them (Wi-Fi reconnects by its WLAN profiles, which
    `netsh wlan` would show, localised: not read)."""
    offset_text = _meta_kv(sections).get("utc_offset", "")
    if not offset_text.lstrip("-").isdigit():
        raise _Missing("the host's UTC offset is unknown: NetworkList dates are local times")
    offset = int(offset_text)
    out = []
    for item in _list(_json(sections, "network_profiles")):
        m = _mapping(item, "a network profile")
        name = _str(m.get("name"))
        kind = _NAME_TYPES.get(_int(m.get("name_type")) or 0, "other")
        out.append(
            NetProfile(
                path=_PROFILES + _str(m.get("guid")),
                id=name,
                uuid=_str(m.get("guid")).strip("{}").lower(),
                type=kind,
                ssid=name if kind == "wifi" else "",
                interface="",
                mode="",
                apn="",
                timestamp=_systemtime(m.get("last_connected"), offset),
                autoconnect=False,
            )
        )
    return tuple(out)


# -- removable media ------------------------------------------------------------------------------

_USB_IDS = re.compile(r"^VID_([0-9A-Fa-f]{4})&PID_([0-9A-Fa-f]{4})$")
_MODEL_FIELD = re.compile(r"(?:^|&)(Ven|Prod)_([^&]*)")
#: the device properties the script reads (Get-PnpDeviceProperty key names)
_FIRST, _ARRIVAL, _REMOVAL = (
    "DEVPKEY_Device_FirstInstallDate",
    "DEVPKEY_Device_LastArrivalDate",
    "DEVPKEY_Device_LastRemovalDate",
)
USBSTOR_SOURCE = "USBSTOR"


def usbstor_serial(instance: str) -> str:
    """The serial in a USBSTOR instance id, "" when Windows made one up.

    The instance is ``<serial>&<lun>``; a device without a unique serial gets an id Windows
    generates, recognisable by ``&`` as its second character (``7&2a4b1c3&0``)."""
    if len(instance) > 1 and instance[1] == "&":
        return ""
    serial, sep, lun = instance.rpartition("&")
    return serial if sep and lun.isdigit() else instance


def _model_fields(model: str) -> dict[str, str]:
    """``Disk&Ven_Kingston&Prod_DataTraveler_3.0&Rev_PMAP`` → vendor and product names (Windows
    writes their spaces as underscores)."""
    return {k: v.replace("_", " ").strip() for k, v in _MODEL_FIELD.findall(model)}


def _usb_ids(sections: Sections) -> dict[str, str]:
    """USB instance (the serial) → "vvvv:pppp", from the Enum\\USB keys; a serial under two
    ids is left out (the fleet check then sees no ids for it, never the wrong ones)."""
    seen: dict[str, set[str]] = {}
    for item in _list(_json(sections, "usb_devices")):
        m = _mapping(item, "a USB device key")
        match = _USB_IDS.match(_str(m.get("ids")))
        if match:
            ids = f"{match.group(1).lower()}:{match.group(2).lower()}"
            seen.setdefault(_str(m.get("instance")), set()).add(ids)
    return {serial: next(iter(ids)) for serial, ids in seen.items() if len(ids) == 1}


def _usb_storage_log(sections: Sections) -> UsbStorageLog:
    """The USB storage devices Windows installed, from the USBSTOR keys, in Linux's model.

    The keys stay from the first time a device is plugged in until someone removes the device in
    Device Manager (an administrator's act), so the source reaches back to the installation of
    Windows (meta's InstallDate). First install / last arrival / last removal are the device's
    properties 0064/0066/0067 (Get-PnpDeviceProperty); a device whose dates could not be read
    makes the group unreadable: a device without a date would look like one never used.
    ``times`` is 1: Windows keeps no count of attachments."""
    installed = _meta_kv(sections).get("installed", "")
    first_log = float(installed) if installed.isdigit() else None
    try:
        ids = _usb_ids(sections)
    except (_Missing, *_PARSE_ERRORS):
        ids = {}  # the devices are still known, without their ids
    devices = []
    for item in _list(_json(sections, "usbstor")):
        m = _mapping(item, "a USBSTOR instance")
        model, instance = _str(m.get("model")), _str(m.get("instance"))
        times = _mapping(m.get("times") or {}, "device dates")
        if "error" in times:
            raise _Missing(f"dates of USBSTOR\\{model}\\{instance} not readable: {times['error']}")
        first = _int(times.get(_FIRST))
        arrivals = [t for t in (_int(times.get(_ARRIVAL)), _int(times.get(_REMOVAL))) if t]
        if first is None:
            raise _Missing(f"USBSTOR\\{model}\\{instance}: no first install date")
        serial = usbstor_serial(instance)
        vendor, _, product = (ids.get(serial, ":") if serial else ":").partition(":")
        names = _model_fields(model)
        devices.append(
            UsbStorageDevice(
                vendor_id=vendor,
                product_id=product,
                serial=serial,
                product=names.get("Prod", ""),
                manufacturer=names.get("Ven", ""),
                first_seen=float(first),
                last_seen=float(max([first, *arrivals])),
                times=1,
                sources=(USBSTOR_SOURCE,),
            )
        )
    return UsbStorageLog(read=((USBSTOR_SOURCE, first_log),), unread=(), devices=tuple(devices))


def _usbstor_policy(sections: Sections) -> UsbStorPolicy:
    m = _mapping(_json(sections, "usbstor_start"), "USBSTOR")
    return UsbStorPolicy(start=_int(m.get("start")), deny_all=_int(m.get("deny_all")) == 1)


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
    FactGroup(("addresses",), ("ip_addresses",), _addresses),
    FactGroup(("default_routes",), ("routes",), _default_routes),
    FactGroup(("ip_forward", "ip6_forward"), ("ip_interfaces",), _forwarding),
    FactGroup(("interfaces",), ("adapters",), _interfaces),
    FactGroup(("links",), ("adapters", "bridge"), _links),
    FactGroup(("bluetooth",), ("bluetooth",), _bluetooth),
    FactGroup(("nm_profiles",), ("network_profiles",), _nm_profiles),
    FactGroup(("usb_storage_log",), ("usbstor", "usb_devices"), _usb_storage_log),
    FactGroup(("usbstor_policy",), ("usbstor_start",), _usbstor_policy),
)


def parse_windows(stdout: bytes, now: float | None = None, boundary: str | None = None) -> Facts:
    """Parse the whole output of scripts/windows.ps1 into Facts; CollectionError if unusable.
    (``boundary``: as parse_linux's; the Windows script prints format 1, no boundary.)"""
    sections = split_sections(stdout, boundary)
    values: dict[str, Any] = {
        "now": time.time() if now is None else now,
        "platform": "windows",
        **WINDOWS_CONSTANTS,
    }
    problems: dict[str, str] = dict(NO_WINDOWS_SOURCE)
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

"""The Windows parser on recorded and hostile outputs (collect/parse_windows.py)."""

from __future__ import annotations

import base64
import dataclasses
import json
import re

import pytest

from netguard.collect.parse_linux import SECTION_CAP, encode_sections
from netguard.collect.parse_windows import (
    FACT_GROUPS,
    NO_WINDOWS_SOURCE,
    TEXT_CAP,
    WINDOWS_CONSTANTS,
    WINDOWS_ONLY,
    parse_windows,
    usbstor_serial,
)
from netguard.collect.windows import windows_script
from netguard.errors import CollectionError
from netguard.model.facts import Facts
from tests.unit.recordings import NOW, TODAY
from tests.unit.recordings_windows import (
    DEFENDER_OFF,
    DEFENDER_ON,
    GENERIC,
    KINGSTON,
    THIRD_PARTY_ON,
    USB_DEVICES,
    js,
    parsed,
    profile,
    server2019,
    systemtime,
    usbstor,
    user,
    windows7,
    windows10_zh,
    windows11,
)

#: what a Windows host never has: reasons, not values
EXPECTED_PROBLEMS = set(NO_WINDOWS_SOURCE)


def test_windows11_parses_into_typed_facts() -> None:
    f = parsed(windows11())
    assert set(f.problems) == EXPECTED_PROBLEMS
    assert f.platform == "windows"
    assert (f.hostname, f.target_time, f.domain) == ("ZF-PC-11", NOW, "")
    assert f.os_name == "Microsoft Windows 11 专业版" and f.kernel == "10.0.22631"
    assert f.installed_at == NOW - 400 * 86400
    assert "msmpeng" in f.processes  # casefolded: Windows names ignore case
    assert f.services["windefend"] == "active" and f.services["wuauserv"] == "inactive"
    assert [(p.name, p.state) for p in f.wsc_antivirus] == [("Windows Defender", DEFENDER_ON)]
    assert f.defender.real_time is True and f.defender.running_mode == "Normal"
    assert f.defender.signature_updated == NOW - 86400
    pol = f.password_policy
    assert (pol.source, pol.max_age_days, pol.min_length, pol.complexity) == (
        "secedit",
        90,
        8,
        True,
    )
    assert pol.lockout_bad_count == 5
    users = {a.name: a for a in f.accounts}
    liming = users["liming"]
    assert (liming.uid, liming.login_capable, liming.password) == (1001, True, "usable")
    assert liming.last_change == TODAY - 20 and liming.max_days == 90
    assert liming.password_required is True and liming.password_file == "SAM"
    admin = users["Administrator"]
    assert (admin.uid, admin.login_capable, admin.password, admin.lock) == (
        500,
        False,
        "locked",
        "disabled",
    )


def test_windows10_zh_keeps_chinese_names_and_reads_the_policy_without_an_administrator() -> None:
    f = parsed(windows10_zh())
    assert {a.name for a in f.accounts if a.login_capable} == {"张伟", "财务"}
    caiwu = next(a for a in f.accounts if a.name == "财务")
    assert caiwu.max_days is None  # PasswordExpires empty: never expires
    assert [(p.name, p.state) for p in f.wsc_antivirus] == [
        ("Windows Defender", DEFENDER_OFF),
        ("火绒安全软件", THIRD_PARTY_ON),
    ]
    # secedit needs an administrator; the WinNT provider answers any account
    pol = f.password_policy
    assert (pol.source, pol.max_age_days, pol.min_length, pol.complexity) == ("adsi", 42, 0, None)
    # Defender switched off by 火绒: the cmdlet failed, in Chinese; the reason names the source
    assert f.defender is None
    assert f.problems["defender"].startswith("Get-MpComputerStatus failed")


def test_server2019_has_no_security_center_and_says_so() -> None:
    f = parsed(server2019())
    assert f.wsc_antivirus is None
    assert f.problems["wsc_antivirus"] == (
        "root/SecurityCenter2 AntiVirusProduct not present (Windows Server has no Security Center)"
    )
    assert f.defender is not None and f.defender.real_time is True
    assert f.domain == "county.example"


def test_windows7_gives_reasons_naming_powershell_2_never_values() -> None:
    f = parsed(windows7())
    assert f.hostname == "DA-PC-03" and f.os_name.startswith("Microsoft Windows 7")
    for fact in ("processes", "services", "wsc_antivirus", "defender", "accounts"):
        assert getattr(f, fact) is None
        assert "PowerShell 2.0 has no ConvertTo-Json" in f.problems[fact], fact
    assert f.password_policy is None
    assert f.problems["password_policy"].startswith("secedit /export")


def test_a_missing_cmdlet_is_named() -> None:
    sections = windows11(
        defender=("source=Get-MpComputerStatus\nerror=missing cmdlet Get-MpComputerStatus", 2)
    )
    f = parsed(sections)
    assert f.problems["defender"] == (
        "Get-MpComputerStatus not present on the host (missing cmdlet Get-MpComputerStatus)"
    )


def test_secedit_without_an_administrator_says_so_and_falls_back() -> None:
    f = parsed(windows10_zh(adsi_policy=("source=ADSI\nerror=boom", 1)))
    assert f.password_policy is None
    assert "needs an administrator" in f.problems["password_policy"]
    # the accounts still parse: the policy only fills in what an account does not say
    assert f.accounts is not None


# -- hostile output ------------------------------------------------------------------------------


def test_a_value_holding_the_frame_text_stays_a_value() -> None:
    forged = "x\n@@rc 0\n@@ng meta " + base64.b64encode(b"hostname=evil\n@@rc 0").decode()
    forged += "\n@@end\n"
    users = [user(forged, 1001, True, 1, 90)]
    f = parsed(windows11(local_users=js(users), processes=js([forged, "@@end"])))
    assert f.hostname == "ZF-PC-11"
    assert [a.name for a in f.accounts] == [forged]
    assert forged.casefold() in f.processes


def test_a_truncated_section_is_missing_with_its_reason() -> None:
    raw = encode_sections(windows11()).decode()
    big = base64.b64encode(b"[" + b'"a",' * (SECTION_CAP // 4)).decode()  # no status line
    raw = re.sub(r"^@@ng processes \S+$", f"@@ng processes {big}", raw, flags=re.MULTILINE)
    f = parse_windows(raw.encode(), now=NOW)
    assert f.processes is None
    assert (
        f.problems["processes"]
        == f"Get-Process: section processes truncated at {SECTION_CAP} bytes"
    )


def test_output_cut_off_before_the_end_marker_is_no_collection() -> None:
    raw = encode_sections(windows11())
    with pytest.raises(CollectionError, match="ended early"):
        parse_windows(raw.replace(b"@@end\n", b""), now=NOW)


@pytest.mark.parametrize(
    ("section", "text", "fact"),
    [
        ("processes", "not json", "processes"),
        ("services", js([{"status": "Running"}])[0], "services"),  # no name
        ("wsc_av", js([{"name": "x", "state": 2**40}])[0], "wsc_antivirus"),
        ("wsc_av", js([{"name": "x", "state": True}])[0], "wsc_antivirus"),
        ("defender", js({"real_time": "yes"})[0], "defender"),
        (
            "local_users",
            js([{"name": "a", "sid": "S-1-5-21-1-2-x", "enabled": True}])[0],
            "accounts",
        ),
        ("local_users", js([{"name": "a", "sid": "S-1-5-21-1-2-3"}])[0], "accounts"),  # no Enabled
        ("local_users", js({"name": 5})[0], "accounts"),
    ],
)
def test_garbled_sections_are_missing_never_empty(section: str, text: str, fact: str) -> None:
    f = parsed(windows11(**{section: (text, 0)}))
    assert getattr(f, fact) is None
    assert f.problems[fact].startswith("could not parse"), f.problems[fact]


def test_long_strings_are_capped() -> None:
    f = parsed(windows11(processes=js(["A" * 100_000])))
    assert {len(n) for n in f.processes} == {TEXT_CAP}


def test_a_list_of_one_sent_as_one_object_still_reads() -> None:
    """ConvertTo-Json unrolls a one-item list unless the script wraps it (it does); read both."""
    f = parsed(windows11(local_users=(json.dumps(user("liming", 1001, True, 20, 90)), 0)))
    assert [a.name for a in f.accounts] == ["liming"]


# -- the table -----------------------------------------------------------------------------------


def test_every_fact_is_read_or_has_a_reason() -> None:
    named = {fact for group in FACT_GROUPS for fact in group.facts}
    fields = {f.name for f in dataclasses.fields(Facts)} - {"now", "problems", "platform"}
    assert named | EXPECTED_PROBLEMS | set(WINDOWS_CONSTANTS) == fields
    assert not named & EXPECTED_PROBLEMS and not named & set(WINDOWS_CONSTANTS)
    assert set(WINDOWS_ONLY) <= named


def test_the_table_reads_exactly_the_sections_the_script_prints() -> None:
    script = windows_script().decode("ascii")
    printed = set(re.findall(r"^ng_sec '(\w+)'", script, re.MULTILINE)) | {"meta"}
    read = {section for group in FACT_GROUPS for section in group.sections}
    assert read == printed  # every section printed is read, none read is missing


# -- networks ------------------------------------------------------------------------------------


def test_windows11_networks() -> None:
    f = parsed(windows11())
    assert [str(a) for a in f.addresses] == [
        "fe80::3c1a:7b2f:9e41:5d0c/64 on 以太网",  # the %zone dropped
        "10.20.0.21/24 on 以太网",
        "::1/128 on Loopback Pseudo-Interface 1",
        "127.0.0.1/8 on Loopback Pseudo-Interface 1",
    ]
    # 224.0.0.0/4 (multicast, on every interface) is no way out
    assert [str(r) for r in f.default_routes] == ["default via 10.20.0.1 dev 以太网"]
    assert (f.ip_forward, f.ip6_forward) == (False, False)
    assert [i.media for i in f.interfaces] == ["", "", "", ""]
    assert f.bluetooth == () and f.rfkill == ()
    assert not any(link.is_tunnel or link.kind for link in f.links)
    [wired] = f.nm_profiles
    assert (wired.id, wired.type, wired.ssid) == ("网络", "ethernet", "")
    assert wired.timestamp == pytest.approx(NOW - 0.2 * 86400, abs=1)


def test_windows10_radios_and_history() -> None:
    f = parsed(windows10_zh())
    media = {i.name: i.media for i in f.interfaces if i.media}
    assert media == {
        "WLAN": "Native 802.11",
        "本地连接* 9": "Native 802.11",  # Wi-Fi Direct: there only with a Wi-Fi card
        "蓝牙网络连接": "Bluetooth",
    }
    assert f.bluetooth == ("Intel(R) Wireless Bluetooth(R)", "Microsoft Bluetooth Enumerator")
    kinds = {p.id: (p.type, p.ssid) for p in f.nm_profiles}
    assert kinds == {
        "网络": ("ethernet", ""),
        "ChinaNet-5G8H": ("wifi", "ChinaNet-5G8H"),
        "中国移动": ("gsm", ""),
    }


def test_networklist_dates_are_local_times() -> None:
    at_utc = parsed(
        windows11(
            meta=(windows11()["meta"][0].replace("utc_offset=28800", "utc_offset=0"), 0),
            network_profiles=js([profile("A", "x", 6, 1)]),
        )
    )
    assert at_utc.nm_profiles[0].timestamp == pytest.approx(NOW - 86400 + 28800, abs=1)
    no_offset = windows11(meta=(windows11()["meta"][0].replace("utc_offset=28800\n", ""), 0))
    f = parsed({**no_offset, "meta": (no_offset["meta"][0].replace("\nutc_offset=28800", ""), 0)})
    assert f.nm_profiles is None and "UTC offset" in f.problems["nm_profiles"]


def test_systemtime_must_be_sixteen_bytes_of_a_date() -> None:
    bad = {**profile("A", "x", 6, 1), "last_connected": systemtime(1)[:15]}
    f = parsed(windows11(network_profiles=js([bad])))
    assert f.nm_profiles is None and f.problems["nm_profiles"].startswith("could not parse")


def test_vpn_and_bridge_adapters_become_links() -> None:
    adapters = [
        {"name": "以太网", "description": "Intel(R) I219-LM", "status": "Up", "ndis_medium": 14},
        {
            "name": "以太网 2",
            "description": "ASIX AX88179 USB 3.0",
            "status": "Up",
            "ndis_medium": 14,
        },
        {"name": "OpenVPN TAP", "description": "TAP-Windows Adapter V9", "status": "Up"},
        {"name": "wg0", "description": "WireGuard Tunnel", "status": "Up"},
        {"name": "iPhone", "description": "Apple Mobile Device Ethernet", "status": "Up"},
        {
            "name": "手机",
            "description": "Remote NDIS based Internet Sharing Device",
            "status": "Up",
        },
    ]
    f = parsed(windows11(adapters=js(adapters), bridge=js(["以太网", "以太网 2"])))
    links = {link.name: link for link in f.links}
    assert links["OpenVPN TAP"].describe_kind == "tap" and links["OpenVPN TAP"].is_tunnel
    assert links["wg0"].kind == "wireguard"
    assert links["以太网"].master == links["以太网 2"].master == "ms_bridge"
    assert links["ms_bridge"].kind == "bridge"
    assert {i.name: i.media for i in f.interfaces}["手机"] == "Remote NDIS"


# -- removable media -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instance", "serial"),
    [
        ("E0D55EA574D6F4A0A9532C1B&0", "E0D55EA574D6F4A0A9532C1B"),
        ("7&2a4b1c3&0", ""),  # & as second character: made up by Windows, not unique
        ("0123456789ABCDEF&1", "0123456789ABCDEF"),
        ("NOLUN", "NOLUN"),
    ],
)
def test_usbstor_serials(instance: str, serial: str) -> None:
    assert usbstor_serial(instance) == serial


def test_usbstor_devices_in_the_linux_model() -> None:
    f = parsed(windows10_zh())
    log = f.usb_storage_log
    assert log.read == (("USBSTOR", NOW - 400 * 86400),)  # since Windows was installed
    kingston, generic = log.devices
    assert (kingston.vendor_id, kingston.product_id) == ("0951", "1666")  # from Enum\\USB
    assert kingston.serial == "E0D55EA574D6F4A0A9532C1B"
    assert (kingston.manufacturer, kingston.product) == ("Kingston", "DataTraveler 3.0")
    assert kingston.first_seen == NOW - 300 * 86400
    assert kingston.last_seen == NOW - 12 * 86400 + 3600  # the last removal
    assert (generic.serial, generic.vendor_id) == ("", "")


def test_a_device_without_dates_makes_the_history_unreadable() -> None:
    undated = {**usbstor(KINGSTON, "X&0", 1, 1), "times": {"error": "拒绝访问。"}}
    f = parsed(windows11(usbstor=js([undated])))
    assert f.usb_storage_log is None
    assert "not readable" in f.problems["usb_storage_log"]


def test_usb_ids_are_optional() -> None:
    f = parsed(windows11(usbstor=js([usbstor(GENERIC, "ABC&0", 5, 1)]), usb_devices=("x", 1)))
    [d] = f.usb_storage_log.devices
    assert (d.serial, d.vendor_id) == ("ABC", "")
    assert len(USB_DEVICES) == 3

"""The checks' verdicts on Windows hosts (issue 14): the same ids, judged from Windows facts.

Each recording of tests/unit/recordings_windows.py runs through the engine with the shipped
baseline pack (its catalog holds Defender and the Windows names of the Chinese products). A stock,
well-kept Windows 11 must pass everything it can be judged on: a false alarm is a defect. Windows 7
with PowerShell 2.0 must never pass what it cannot show.
"""

from __future__ import annotations

import dataclasses
import json

import pytest

from netguard.checks.antivirus_windows import wsc_engine, wsc_signatures
from netguard.engine.evaluate import evaluate
from netguard.i18n import LANGS
from netguard.model import Finding, FindingStatus, Zone
from netguard.policy import Policy
from tests.unit.recordings import Sections
from tests.unit.recordings_windows import (
    DEFENDER_OFF,
    DEFENDER_ON,
    DEFENDER_STALE,
    THIRD_PARTY_ON,
    WAN_MINIPORTS,
    WINDOWS_HOSTS,
    defender,
    failed,
    ip_interfaces,
    js,
    parsed,
    server2019,
    windows7,
    windows7_wmf51,
    windows10_zh,
    windows11,
    windows_policy,
    windows_variants,
    wsc,
)
from tests.unit.test_checks import SEGMENTS, host

#: the baseline's checks with every check applied in every zone (media.blocked included)
EVERY_ZONE = dataclasses.replace(
    windows_policy(),
    checks=tuple(dataclasses.replace(c, zones=frozenset(Zone)) for c in windows_policy().checks),
)

PASS, FAIL, ERROR, NA = (
    FindingStatus.PASS,
    FindingStatus.FAIL,
    FindingStatus.ERROR,
    FindingStatus.NOT_APPLICABLE,
)
CHECKS = (
    "antivirus.installed",
    "antivirus.running",
    "antivirus.signatures",
    "password.max_age",
    "password.age",
    "password.empty",
    "password.hash",
    "accounts.uid0",
)


ISOLATION = (
    "isolation.addresses",
    "isolation.multi_homed",
    "isolation.default_route",
    "isolation.forwarding",
    "isolation.bridge",
    "isolation.tunnel",
    "isolation.wireless",
    "isolation.history",
    "media.history",
)


def findings(sections: Sections, pol: Policy | None = None) -> dict[str, Finding]:
    facts = parsed(sections)
    return {f.check: f for f in evaluate(facts, host(), SEGMENTS, pol or windows_policy())}


def statuses(sections: Sections) -> dict[str, FindingStatus]:
    got = findings(sections, EVERY_ZONE)
    return {c: got[c].status for c in (*CHECKS, "media.blocked")}


#: The verdict of every check on every recorded host, as sets (checkov's way).
EXPECTED = {
    "win11": dict.fromkeys(CHECKS[:6], PASS) | {"password.hash": NA, "accounts.uid0": NA},
    "win10_zh": {
        "antivirus.installed": PASS,
        "antivirus.running": PASS,  # 火绒 took over: Defender off is no failure
        "antivirus.signatures": PASS,  # the Security Center's word for 火绒
        "password.max_age": FAIL,  # 财务 never expires
        "password.age": FAIL,  # 财务 changed 300 days ago
        "password.empty": ERROR,  # MinimumPasswordLength 0: cannot be ruled out
        "password.hash": NA,
        "accounts.uid0": NA,
    },
    "server2019": dict.fromkeys(CHECKS[:6], PASS) | {"password.hash": NA, "accounts.uid0": NA},
    "win7": dict.fromkeys(CHECKS, ERROR),
    "win7_wmf51": dict.fromkeys(CHECKS[:5], PASS)
    | {"password.empty": ERROR, "password.hash": NA, "accounts.uid0": NA},
}


@pytest.mark.parametrize("name", sorted(WINDOWS_HOSTS))
def test_each_recorded_host_gets_its_verdicts(name: str) -> None:
    got = statuses(WINDOWS_HOSTS[name]())
    assert {c: got[c] for c in CHECKS} == EXPECTED[name]
    # media.blocked (classified machines; judged here in every zone): on demand = usable
    assert got["media.blocked"] is (ERROR if name == "win7" else FAIL)


def test_missing_cmdlets_are_named_in_the_findings() -> None:
    got = findings(windows7_wmf51())
    assert "Get-NetIPAddress not present on the host (missing cmdlet Get-NetIPAddress)" in (
        got["isolation.addresses"].message
    )
    assert "Get-NetAdapter" in got["isolation.wireless"].message
    assert "Get-PnpDeviceProperty" in got["media.history"].message
    running = got["antivirus.running"].evidence
    assert "missing cmdlet Get-MpComputerStatus" in running["defender_unread"]


#: Isolation and media on the intranet segment: the same rules and ids as on Linux.
EXPECTED_ISOLATION = {
    "win11": dict.fromkeys(ISOLATION, PASS),
    "server2019": dict.fromkeys(ISOLATION, PASS),
    "win10_zh": dict.fromkeys(ISOLATION, PASS)
    | {"isolation.wireless": FAIL, "isolation.history": FAIL},  # Wi-Fi, Bluetooth, ChinaNet
    "win7": dict.fromkeys(ISOLATION, ERROR),
    # no Get-Net* cmdlets: undecidable, naming them; the NetworkList profiles are registry
    "win7_wmf51": dict.fromkeys(ISOLATION, ERROR) | {"isolation.history": PASS},
}


@pytest.mark.parametrize("name", sorted(WINDOWS_HOSTS))
def test_isolation_and_media_verdicts(name: str) -> None:
    got = findings(WINDOWS_HOSTS[name]())
    assert {c: got[c].status for c in ISOLATION} == EXPECTED_ISOLATION[name]


def test_radios_are_named_with_their_windows_medium() -> None:
    got = findings(windows10_zh())
    radios = {r["device"]: r["signals"] for r in got["isolation.wireless"].evidence["radios"]}
    assert radios["WLAN"] == ["medium Native 802.11"]
    assert radios["蓝牙网络连接"] == ["medium Bluetooth"]
    assert "Intel(R) Wireless Bluetooth(R)" in radios
    history = got["isolation.history"].message
    assert "ChinaNet-5G8H" in history
    assert "中国移动" not in history  # last used 200 days ago: outside the 90-day window


def test_a_default_route_into_a_vpn_adapter_is_a_tunnel() -> None:
    adapters = [
        {"name": "以太网", "description": "Intel(R) I219-LM", "status": "Up", "ndis_medium": 14},
        {"name": "OpenVPN TAP", "description": "TAP-Windows Adapter V9", "status": "Up"},
    ]
    vpn_route = {
        "dst": "0.0.0.0/1",
        "gateway": "10.8.0.1",
        "interface": "OpenVPN TAP",
        "metric": 0,
        "family": "IPv4",
        "protocol": "NetMgmt",
    }
    routes = [*json.loads(windows11()["routes"][0]), vpn_route]
    got = statuses_of(windows11(adapters=js(adapters), routes=js(routes)), "isolation.tunnel")
    assert got is FAIL


def test_forwarding_on_any_interface_fails() -> None:
    got = findings(windows11(ip_interfaces=ip_interfaces(forwarding="Enabled")))
    assert got["isolation.forwarding"].status is FAIL


def statuses_of(sections: Sections, check: str) -> FindingStatus:
    return findings(sections)[check].status


def test_a_stock_windows11_raises_no_alarm_at_all() -> None:
    got = findings(windows11())
    judged = {c: f.status for c, f in got.items() if c in CHECKS}
    assert FAIL not in judged.values() and ERROR not in judged.values()


def test_windows7_never_passes_and_names_powershell() -> None:
    got = findings(windows7())
    for check in CHECKS:
        assert got[check].status is ERROR, check
    assert "PowerShell 2.0" in str(got["password.age"].evidence) + got["password.age"].message


def test_server_without_security_center_decides_on_defender_and_says_where_from() -> None:
    got = findings(server2019())
    ev = got["antivirus.running"].evidence
    assert "Windows Server has no Security Center" in ev["security_center_unread"]
    assert ev["defender"]["real_time_protection"] is True
    sig = got["antivirus.signatures"]
    assert sig.evidence["date_source"] == "Get-MpComputerStatus AntivirusSignatureLastUpdated"
    assert sig.evidence["age_days"] == 3.0


def test_domain_member_says_domain_accounts_are_the_domain_policys() -> None:
    ev = findings(server2019())["password.max_age"].evidence
    assert ev["domain"] == "county.example"
    assert "domain" in ev["domain_accounts"]


def test_disabled_accounts_are_listed_not_judged() -> None:
    ev = findings(windows11())["password.age"].evidence
    assert ev["considered"] == ["liming"]
    left = {x["account"]: x["why"] for x in ev["not_considered"]}
    assert set(left) == {"Administrator", "DefaultAccount", "Guest", "WDAGUtilityAccount"}
    assert set(left.values()) == {"disabled, not subject to rotation"}


# -- the Security Center's productState --------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "engine", "signatures"),
    [
        (DEFENDER_ON, "on", "current"),  # 0x061100
        (DEFENDER_OFF, "off", "current"),  # 0x060100
        (DEFENDER_STALE, "on", "out_of_date"),  # 0x061110
        (THIRD_PARTY_ON, "on", "current"),  # 0x041000
        (0x062100, "snoozed", "current"),
        (0x063100, "expired", "current"),
        (0x064100, "unknown", "current"),
        (0x061120, "on", "unknown"),
        (0x061101, "unknown", "unknown"),  # low bits set: not the known layout
        (0x1061100, "unknown", "unknown"),  # above 24 bits
        (0x061500, "unknown", "unknown"),
    ],
)
def test_product_state_decoding(state: int, engine: str, signatures: str) -> None:
    assert (wsc_engine(state), wsc_signatures(state)) == (engine, signatures)


# -- branches -------------------------------------------------------------------------------


VARIANTS = {
    "wsc all off": {"antivirus.running": FAIL},
    "qax tianqing": {
        "antivirus.installed": PASS,
        "antivirus.running": PASS,
        "antivirus.signatures": PASS,
    },
    "defender passive, unapproved product on": {
        "antivirus.installed": PASS,  # Defender is installed
        "antivirus.running": FAIL,  # but not protecting; the product that is, is not approved
    },
    "wsc unknown state": {"antivirus.running": ERROR, "antivirus.signatures": PASS},
    "wsc stale": {"antivirus.running": PASS, "antivirus.signatures": FAIL},
    "defender rtp off": {"antivirus.running": FAIL},
    "defender rtp unknown": {"antivirus.running": ERROR},
    "password not required": {"password.empty": FAIL},
    "password required unknown": {"password.empty": ERROR},
    "no policy": {"password.empty": ERROR, "password.max_age": PASS},
    "usb storage disabled": {"media.blocked": PASS},
    "removable storage denied": {"media.blocked": PASS},
}


@pytest.mark.parametrize("label", sorted(VARIANTS))
def test_variants(label: str) -> None:
    got = statuses(windows_variants()[label])
    assert {c: got[c] for c in VARIANTS[label]} == VARIANTS[label]


def test_defender_off_and_no_other_product_fails_running() -> None:
    got = findings(windows11(wsc_av=wsc(("Windows Defender", DEFENDER_OFF))))
    assert got["antivirus.running"].status is FAIL
    assert got["antivirus.running"].reason == "av_windows.defender_passive"


def test_old_defender_signatures_fail() -> None:
    got = findings(windows11(defender=defender(updated_days_ago=12)))
    assert got["antivirus.signatures"].status is FAIL
    assert got["antivirus.signatures"].evidence["age_days"] == 12.0


def test_a_product_outside_the_catalog_is_not_approved_even_when_on() -> None:
    """The Security Center shows what is registered; the policy's catalog says what is approved."""
    sections = windows10_zh(
        processes=js(["explorer", "svchost", "Unknown AV"]),
        services=js([{"name": "UnknownAV", "status": "Running"}]),
        wsc_av=wsc(("Unknown AV", THIRD_PARTY_ON)),
    )
    got = statuses(sections)
    assert got["antivirus.installed"] is FAIL and got["antivirus.running"] is FAIL


def test_no_process_table_and_no_services_is_undecided_not_absent() -> None:
    sections = windows11(
        processes=failed("Get-Process", "boom", 1), services=failed("Get-Service", "boom", 1)
    )
    got = findings(sections)
    assert got["antivirus.installed"].status is ERROR
    assert got["antivirus.installed"].reason == "av_windows.installed_blind"
    assert got["antivirus.running"].reason == "av_windows.running_blind"


def test_deep_nesting_is_garbled_not_a_crash() -> None:
    got = findings(windows11(processes=("[" * 100_000 + "]" * 100_000, 0)))
    assert got["antivirus.installed"].status is PASS  # services still show Defender
    facts = parsed(windows11(processes=("[" * 100_000 + "]" * 100_000, 0)))
    assert facts.problems["processes"] == "could not parse: section processes nests too deep"


@pytest.mark.parametrize("name", sorted(WINDOWS_HOSTS))
def test_findings_are_storable(name: str) -> None:
    """Evidence and arguments go into the results document as JSON."""
    for f in findings(WINDOWS_HOSTS[name](), EVERY_ZONE).values():
        json.dumps(f.evidence)
        json.dumps(f.args)


def test_wan_miniports_are_no_radios_whatever_medium_they_report() -> None:
    odd = {**WAN_MINIPORTS[0], "ndis_medium": 8}  # were one to report Wireless WAN
    got = findings(windows11(adapters=js([odd])))
    assert got["isolation.wireless"].status is PASS


# --- what to do, per operating system ------------------------------------------------------

WINDOWS_REMEDIATION = (
    "antivirus.installed", "antivirus.running", "antivirus.signatures",
    "password.max_age", "password.age", "password.empty",
    "isolation.forwarding", "isolation.bridge", "isolation.tunnel", "isolation.history",
    "media.history", "media.blocked",
)  # fmt: skip
LINUX_ONLY = ("apt ", "systemctl", "freshclam", "chage", "passwd ", "sysctl", "/etc/", "nmcli",
              "modprobe", "ip link", "journald", "wg-quick")  # fmt: skip


@pytest.mark.parametrize("check", WINDOWS_REMEDIATION)
@pytest.mark.parametrize("lang", LANGS)
def test_a_windows_machine_is_told_the_windows_way(check: str, lang: str) -> None:
    """The checks' own remediation is the Linux way (chage, systemctl …): a report must not
    tell the owner of a Windows PC to run them."""
    from netguard.report.words import Words
    from netguard.results.records import FindingRecord

    f = FindingRecord(check, check.split(".")[0], "fail", "high", "", "", remediation="")
    words = Words(lang)
    on_windows, on_linux = words.remediation(f, "windows"), words.remediation(f, "linux")
    assert on_windows and on_windows != on_linux
    assert not [w for w in LINUX_ONLY if w in on_windows], on_windows
    assert words.remediation(f) == on_linux  # the default is the checks' own text

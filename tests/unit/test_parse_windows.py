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
    NOT_PARSED_YET,
    TEXT_CAP,
    WINDOWS_ONLY,
    parse_windows,
)
from netguard.collect.windows import windows_script
from netguard.errors import CollectionError
from netguard.model.facts import Facts
from tests.unit.recordings import NOW, TODAY
from tests.unit.recordings_windows import (
    DEFENDER_OFF,
    DEFENDER_ON,
    THIRD_PARTY_ON,
    js,
    parsed,
    server2019,
    user,
    windows7,
    windows10_zh,
    windows11,
)

#: what a Windows host never has, or what this parser does not read yet: reasons, not values
EXPECTED_PROBLEMS = {*NO_WINDOWS_SOURCE, *NOT_PARSED_YET}


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
    assert named | EXPECTED_PROBLEMS == fields
    assert not named & EXPECTED_PROBLEMS
    assert set(WINDOWS_ONLY) <= named


def test_the_table_reads_only_sections_the_script_prints() -> None:
    script = windows_script().decode("ascii")
    printed = set(re.findall(r"^ng_sec '(\w+)'", script, re.MULTILINE)) | {"meta"}
    read = {section for group in FACT_GROUPS for section in group.sections}
    assert read <= printed
    # printed and not read yet: the isolation and media sources (issue 14, later parts)
    assert printed - read == {
        "adapters",
        "bridge",
        "ip_addresses",
        "routes",
        "ip_interfaces",
        "network_profiles",
        "usbstor",
        "usbstor_start",
    }

"""The Linux parser on recorded and hostile outputs."""

from __future__ import annotations

import base64
import dataclasses
import ipaddress
import re

import pytest

from netguard.collect import linux_script
from netguard.collect.parse_linux import (
    DERIVED,
    FACT_GROUPS,
    IP,
    JOURNAL,
    SECTION_CAP,
    FactGroup,
    Section,
    encode_sections,
    parse_cvd_time,
    parse_linux,
    split_sections,
    unbatch,
)
from netguard.collect.parse_windows import WINDOWS_ONLY
from netguard.errors import CollectionError
from netguard.model.facts import Facts
from tests.unit.recordings import NOW, TODAY, desktop, recorded


def test_compliant_desktop_parses_into_typed_facts() -> None:
    f = parse_linux(recorded("compliant"), now=NOW)
    assert f.problems == {}
    assert f.hostname == "fin-pc-07"
    assert f.target_time == NOW
    users = {a.name: a for a in f.accounts if a.login_capable}
    assert set(users) == {"root", "zhangwei"}
    assert users["zhangwei"].password == "usable"
    assert users["zhangwei"].last_change == TODAY - 12 and users["zhangwei"].max_days == 90
    assert users["root"].password == "locked"  # '*' hash: locked, but bash makes it login-capable
    assert [str(a.ip) for a in f.addresses] == [
        "127.0.0.1",
        "::1",
        "10.20.0.17",
        "fe80::3e7c:3fff:fe1e:4207",
    ]
    assert [(r.gateway, r.dev) for r in f.default_routes] == [
        (ipaddress.ip_address("10.20.0.1"), "enp3s0")
    ]
    assert f.ip_forward is False
    assert "clamd" in f.processes and "clamav-daemon" in f.packages
    assert f.services["clamav-daemon"] == "active"
    daily = f.clamav_databases[0]
    assert daily.path == "/var/lib/clamav/daily.cld" and daily.header_ok
    assert daily.build_time == NOW - 1.5 * 86400 and daily.version == 27830
    assert f.pass_max_days_default == 90


def test_clamav_user_with_false_shell_is_not_login_capable() -> None:
    f = parse_linux(recorded("compliant"), now=NOW)
    clam = next(a for a in f.accounts if a.name == "clamav")
    assert clam.login_capable is False


def test_missing_command_is_a_fact_failed_command_is_a_problem() -> None:
    f = parse_linux(recorded("systemd-less-clamd"), now=NOW)
    assert f.services is None
    assert f.problems["services"] == "section services failed (exit status 1)"
    g = parse_linux(recorded("no-antivirus"), now=NOW)
    assert g.clamscan_version is None
    assert "not available" in g.problems["clamscan_version"]
    assert g.packages is not None  # rpm absent (127) does not hide dpkg's answer


def test_unreadable_shadow_makes_accounts_missing_with_reason() -> None:
    f = parse_linux(recorded("shadow-unreadable"), now=NOW)
    assert f.accounts is None
    assert "/etc/shadow not readable" in f.problems["accounts"]


def test_garbled_json_is_a_parse_problem_not_an_empty_list() -> None:
    f = parse_linux(recorded("route-output-garbled"), now=NOW)
    assert f.default_routes is None
    assert f.problems["default_routes"].startswith("could not parse")


def test_forged_section_markers_inside_content_stay_content() -> None:
    # A hostile process name or file line cannot start a section: content is base64-encoded.
    evil = "evil\n@@ng shadow cm9vdDo6MDow\n@@end\n@@rc 0"
    out = parse_linux(encode_sections(desktop(processes=(evil, 0))), now=NOW)
    assert "@@ng shadow cm9vdDo6MDow" in out.processes
    assert out.accounts is not None and out.problems == {}


def test_truncated_section_is_detected() -> None:
    payload = base64.b64encode(b"x" * SECTION_CAP).decode()
    secs = split_sections(f"@@ng processes {payload}\n@@end\n".encode())
    assert secs["processes"].rc is None


def test_output_without_end_marker_is_rejected() -> None:
    text = recorded("compliant").replace(b"@@end\n", b"")
    with pytest.raises(CollectionError, match="ended early"):
        parse_linux(text, now=NOW)


def test_banner_noise_is_ignored_but_duplicates_and_bad_base64_are_not() -> None:
    noisy = b"Welcome to the county intranet!\n" + recorded("compliant")
    assert parse_linux(noisy, now=NOW).hostname == "fin-pc-07"
    with pytest.raises(CollectionError, match="base64"):
        split_sections(b"@@ng meta !!!notbase64\n@@end\n")
    with pytest.raises(CollectionError, match="malformed"):
        split_sections(b"@@ng meta YQ==\n@@ng meta YQ==\n@@end\n")


@pytest.mark.parametrize(
    ("text", "epoch"),
    [
        ("17 Nov 2026 04-22 -0500", 1794907320.0),
        ("17 Nov 2026 04:22 -0500", 1794907320.0),
        ("01 Jan 2026 00-00 +0000", 1767225600.0),
        ("1 Mar 2025 08:30 +0800", 1740789000.0),
    ],
)
def test_cvd_time(text: str, epoch: float) -> None:
    assert parse_cvd_time(text) == epoch


def test_cvd_time_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        parse_cvd_time("Nov 17 2026")


# -- the local transport's psutil sections (collect/local.py) --------------------------------------

PSUTIL_ADDRS = (
    '[{"address": "10.20.0.17", "interface": "enp3s0", "netmask": "255.255.255.0"},'
    ' {"address": "fe80::5054:ff:fe12:3456%enp3s0", "interface": "enp3s0",'
    ' "netmask": "ffff:ffff:ffff:ffff::"}]'
)


def test_psutil_addresses_stand_in_when_ip_is_missing() -> None:
    facts = parse_linux(
        encode_sections(desktop(ip_addr=("", 127), psutil_addresses=(PSUTIL_ADDRS, 0))), NOW
    )
    assert [str(a) for a in facts.addresses or ()] == [
        "10.20.0.17/24 on enp3s0",
        "fe80::5054:ff:fe12:3456/64 on enp3s0",
    ]


def test_ip_comes_first_and_a_broken_second_view_keeps_the_first_problem() -> None:
    with_ip = parse_linux(encode_sections(desktop(psutil_addresses=("[]", 0))), NOW)
    assert with_ip.addresses  # ip's addresses, not psutil's empty list
    both_bad = parse_linux(
        encode_sections(desktop(ip_addr=("", 127), psutil_addresses=("not json", 0))), NOW
    )
    assert both_bad.addresses is None and "ip_addr" in both_bad.problems["addresses"]


def test_psutil_process_names_join_the_cut_comm_names() -> None:
    facts = parse_linux(
        encode_sections(
            desktop(
                processes=("systemd\nQAXEngDaemon_x6\n", 0),
                psutil_processes=("systemd\nQAXEngDaemon_x64_service\n", 0),
            )
        ),
        NOW,
    )
    assert facts.processes is not None
    assert {"QAXEngDaemon_x6", "QAXEngDaemon_x64_service", "systemd"} <= facts.processes
    failed = parse_linux(encode_sections(desktop(psutil_processes=("psutil: Error", 1))), NOW)
    assert failed.processes == parse_linux(recorded("compliant"), NOW).processes


# -- the table of fact groups ----------------------------------------------------------------------


def test_the_table_fills_every_fact_group_of_facts_once() -> None:
    named = [fact for group in FACT_GROUPS for fact in group.facts]
    collected = {f.name for f in dataclasses.fields(Facts)} - {"now", "problems", "platform"}
    collected -= set(WINDOWS_ONLY)  # facts only Windows has (tests/unit/test_parse_windows.py)
    assert sorted(named) == sorted(collected)  # each field once: a new field needs its row
    facts = parse_linux(recorded("compliant"), now=NOW)
    assert all(getattr(facts, name) is not None for name in named)


def test_the_table_reads_every_section_the_script_prints() -> None:
    script = linux_script().decode()
    printed = set(re.findall(r"^  sec(?:c|logs)? (\w+) ", script, re.MULTILINE))
    assert set(DERIVED) <= printed  # sections the parser cuts into older ones (unbatch)
    printed = (printed - set(DERIVED)).union(*DERIVED.values())
    read = {section for group in FACT_GROUPS for section in group.sections}
    # the rest is the local transport's psutil view (collect/local.py)
    assert read - printed == {"psutil_addresses", "psutil_processes"}
    assert printed <= read


#: An output without section ``wanted`` is one from before netguard asked for names: complete
#: lists, nothing missing (test_wanted.py).
_MISSING_IS_OLDER = ("only_asked",)


@pytest.mark.parametrize(
    "group", [g for g in FACT_GROUPS if g.facts != _MISSING_IS_OLDER], ids=lambda g: g.facts[0]
)
def test_a_group_without_its_sections_is_missing_alone_and_says_which(group: FactGroup) -> None:
    sections = {k: v for k, v in desktop().items() if k not in group.sections}
    facts = parse_linux(encode_sections(sections), now=NOW)
    assert set(facts.problems) == set(group.facts)  # the other groups do not notice
    unread = Facts(now=NOW)
    for name in group.facts:
        assert getattr(facts, name) == getattr(unread, name)  # None, or "" for the meta strings
        assert any(f"section {s} missing" in facts.problems[name] for s in group.sections)


# -- sections the script prints for several older ones (unbatch) --------------------------------


def _sec(name: str, text: str, rc: int | None = 0) -> Section:
    return Section(name, text, rc)


def test_section_ip_is_cut_into_the_older_sections_or_fails_them_batch_by_batch() -> None:
    text = '[{"a":1}]\n[{"l":1}]\n@rc 0\n[{"dst":"default"}]\n[{"table":"main"}]\n@rc 0\n@rc 2\n'
    got = unbatch({IP: _sec(IP, text)})
    assert got["ip_addr"] == _sec("ip_addr", '[{"a":1}]\n')
    assert got["ip_link"] == _sec("ip_link", '[{"l":1}]\n')
    assert got["ip_route4"] == _sec("ip_route4", '[{"dst":"default"}]\n')
    assert got["ip_rule4"] == _sec("ip_rule4", '[{"table":"main"}]\n')
    assert got["ip_route6"].rc == got["ip_rule6"].rc == 2  # IPv6 disabled: ip -6 fails
    for bad in (
        "[]\n@rc 0\n",  # one answer for two commands
        "[]\n[]\n[]\n@rc 0\n",
        "[]\n[]\n@rc x\n",
        "[]\n[]\n@rc 0",  # no newline: cut
    ):
        cut = unbatch({IP: _sec(IP, bad)})
        assert cut["ip_addr"].rc is None and cut["ip_route6"].rc is None, bad
    whole = unbatch({IP: _sec(IP, text, None)})  # the section hit its cap
    assert {s.rc for s in whole.values()} == {None}
    with pytest.raises(CollectionError):
        unbatch({IP: _sec(IP, text), "ip_rule4": _sec("ip_rule4", "[]\n")})
    older = {"ip_addr": _sec("ip_addr", "[]\n")}
    assert unbatch(older) == older  # an older script's output is read as it is


def test_the_journal_section_is_cut_into_kernel_and_usb_lines() -> None:
    text = "@persistent yes\n@first 2026-11-01T08:00:00+0800 x\nk net line\nu usb line\nk two\n"
    got = unbatch({JOURNAL: _sec(JOURNAL, text)})
    assert got["kernel_journal"] == _sec(
        "kernel_journal", "@first 2026-11-01T08:00:00+0800 x\nnet line\ntwo\n"
    )
    assert got["usb_journal"] == _sec(
        "usb_journal", "@persistent yes\n@first 2026-11-01T08:00:00+0800 x\nusb line\n"
    )
    none_visible = unbatch({JOURNAL: _sec(JOURNAL, "@persistent yes\n", 3)})
    assert none_visible["kernel_journal"] == _sec("kernel_journal", "", 3)
    assert none_visible["usb_journal"] == _sec("usb_journal", "@persistent yes\n", 3)
    for bad in ("k before first\n", "@first a\nx untagged\n", "@first a\nk cr\rin line\nk ok"):
        cut = unbatch({JOURNAL: _sec(JOURNAL, bad)})
        assert {s.rc for s in cut.values()} == {None}, bad
    cr = unbatch({JOURNAL: _sec(JOURNAL, "@first a\nu a\rb\n")})  # \r is text, not a line end
    assert cr["usb_journal"].text == "@first a\na\rb\n"

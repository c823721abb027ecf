"""isolation.history: the script's own filters on fake host files, the parser, the verdicts.

The script's functions are taken out of scripts/linux.sh as they are and run by /bin/sh on files
in a temporary directory (they take their paths as arguments; the `sec` lines give the real
ones), so the test sees exactly what would leave a host — and that no Wi-Fi key is in it.
"""

from __future__ import annotations

import calendar
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from netguard.checks.isolation import WWAN_DRIVERS
from netguard.collect import linux_script
from netguard.collect.parse_linux import LOGFILES, Section, encode_sections, parse_linux, unbatch
from netguard.model import FindingStatus
from tests.unit.recordings import NOW, desktop, recorded
from tests.unit.recordings_history import (
    GSM_UUID,
    RAW_DHCLIENT,
    RAW_GSM,
    RAW_KERN_LOG,
    RAW_LEGACY_8021X,
    RAW_TIMESTAMPS,
    RAW_WIFI,
    WIFI_UUID,
    WIRED_UUID,
)

SCRIPT = linux_script().decode()
SECRETS = (
    "psk",
    "never-leaves",
    "password",
    "pin=",
    "4096",
    "identity",
    "zhangwei",
    "username",
    "key-mgmt",
    "eap",
)


def script_part(*names: str) -> str:
    """The named functions and variables of linux.sh, verbatim."""
    out = []
    for name in names:
        one = re.search(rf"^  {name}\(\) \{{.*\}}$", SCRIPT, re.MULTILINE)
        many = re.search(rf"^  {name}\(\) \{{\n.*?\n  \}}$", SCRIPT, re.MULTILINE | re.DOTALL)
        var = re.search(rf"^  {name}=.*$", SCRIPT, re.MULTILINE)
        found = one or many or var
        assert found, f"{name} not in linux.sh"
        out.append(found.group(0))
    return "\n".join(out)


def run(functions: tuple[str, ...], command: str, stdin: str = "") -> tuple[str, int]:
    proc = subprocess.run(
        ["/bin/sh", "-c", script_part(*functions) + "\n" + command],
        input=stdin,
        capture_output=True,
        text=True,
        env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    return proc.stdout, proc.returncode


#: the script's parts that read syslog's files (function ``logfiles``)
LOGFILES_FUNCS = (
    "_usbnet", "_usbif", "_ksys", "_usbdev", "_usbsto", "_kusb", "have", "oneline",
    "tagged_tail", "logfiles",
)  # fmt: skip


def logfiles(files: str, kernel: str = "*") -> dict[str, tuple[str, int | None]]:
    """The script's logfiles function on FILES (shell words), the files KERNEL's patterns
    match read for both checks: the older sections the parser cuts its section into."""
    out, rc = run(LOGFILES_FUNCS, f"logfiles '{kernel}' {files}")
    cut = unbatch({LOGFILES: Section(LOGFILES, out, rc)})
    return {name: (sec.text, sec.rc) for name, sec in cut.items()}


def test_the_script_greps_for_the_drivers_the_checks_know() -> None:
    m = re.search(r"^  _usbnet='\((.*)\)'$", SCRIPT, re.MULTILINE)
    assert m
    assert set(m.group(1).split("|")) == set(WWAN_DRIVERS)


# -- NetworkManager profiles ----------------------------------------------------------------------


@pytest.fixture()
def nm_dir(tmp_path: Path) -> Path:
    d = tmp_path / "system-connections"
    d.mkdir()
    (d / "TP-LINK_5F3A.nmconnection").write_text(RAW_WIFI)
    (d / "China Mobile.nmconnection").write_text(RAW_GSM)
    (d / "Corp").write_text(RAW_LEGACY_8021X)  # an old keyfile without the extension
    for f in d.iterdir():
        f.chmod(0o600)
    return d


def test_no_secret_of_a_profile_leaves_the_host(nm_dir: Path) -> None:
    out, rc = run(("oneline", "nm_keys", "nm_profiles"), f"nm_profiles '{nm_dir}' /nonexistent")
    assert rc == 0
    for secret in SECRETS:
        assert secret not in out, secret
    keys = {line.split("=", 1)[0] for line in out.splitlines() if not line.startswith("== ")}
    assert keys == {
        "connection.id",
        "connection.uuid",
        "connection.type",
        "connection.interface-name",
        "connection.timestamp",
        "wifi.mode",
        "wifi.ssid",
        "802-11-wireless.ssid",
        "802-11-wireless.mode",
        "gsm.apn",
    }
    facts = parse_linux(encode_sections(desktop(nm_profiles=(out, rc))), now=NOW)
    got = {p.id: (p.type, p.ssid, p.apn, p.timestamp) for p in facts.nm_profiles or ()}
    assert got == {
        "TP-LINK_5F3A": ("wifi", "TP-LINK_5F3A", "", None),
        "China Mobile": ("gsm", "", "cmnet", 1792800000.0),
        "Corp": ("wifi", "Corp", "", None),  # 802-11-wireless read as wifi
    }


def test_a_file_name_cannot_forge_a_profile_line(nm_dir: Path) -> None:
    (nm_dir / "x\nconnection.type=ethernet").write_text("[connection]\nid=x\n")
    out, _ = run(("oneline", "nm_keys", "nm_profiles"), f"nm_profiles '{nm_dir}'")
    assert "\nconnection.type=ethernet" not in out
    assert f"== {nm_dir}/x?connection.type=ethernet\n" in out


def test_no_networkmanager_is_not_present() -> None:
    out, rc = run(("oneline", "nm_keys", "nm_profiles"), "nm_profiles /nonexistent /nothing")
    assert (out, rc) == ("", 127)
    facts = parse_linux(encode_sections(desktop(nm_profiles=(out, rc))), now=NOW)
    assert facts.nm_profiles is None
    assert facts.problems["nm_profiles"] == "not present on the host"


@pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root to play another user"
)
def test_profiles_an_auditor_cannot_read_are_marked_not_skipped() -> None:
    """As an unprivileged account: a 0600 profile and a 0700 directory are named unreadable
    (a glob over a closed directory would otherwise look like "no profiles")."""
    top = Path(tempfile.mkdtemp())
    try:
        top.chmod(0o755)
        (top / "open").mkdir(mode=0o755)
        (top / "open" / "Home.nmconnection").write_text(RAW_WIFI)
        (top / "open" / "Home.nmconnection").chmod(0o600)
        (top / "closed").mkdir(mode=0o700)
        script = script_part("oneline", "nm_keys", "nm_profiles")
        proc = subprocess.run(
            [
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "/bin/sh",
                "-c",
                f"{script}\nnm_profiles '{top}/open' '{top}/closed'",
            ],
            capture_output=True,
            text=True,
            env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"},
            check=False,
        )
        assert proc.returncode == 0
        assert proc.stdout == (
            f"!unreadable {top}/open/Home.nmconnection\n!unreadable {top}/closed\n"
        )
        facts = parse_linux(encode_sections(desktop(nm_profiles=(proc.stdout, 0))), now=NOW)
        assert facts.nm_profiles is None
        assert "Home.nmconnection" in facts.problems["nm_profiles"]
    finally:
        shutil.rmtree(top)


def test_a_root_only_profile_leaves_the_whole_source_unread() -> None:
    facts = parse_linux(recorded("history-not-root"), now=NOW)
    assert facts.nm_profiles is None
    assert facts.problems["nm_profiles"].startswith("not readable by the auditing account")


def test_timestamps_send_only_uuid_lines(tmp_path: Path) -> None:
    f = tmp_path / "timestamps"
    f.write_text(RAW_TIMESTAMPS)
    out, rc = run(("nm_timestamps",), f"nm_timestamps '{f}'")
    assert rc == 0 and "[timestamps]" not in out
    facts = parse_linux(encode_sections(desktop(nm_timestamps=(out, rc))), now=NOW)
    assert facts.nm_timestamps == {WIRED_UUID: 1795388400.0, WIFI_UUID: 1794870000.0}
    assert run(("nm_timestamps",), f"nm_timestamps '{tmp_path}/none'") == ("", 127)


# -- DHCP leases ----------------------------------------------------------------------------------


def test_lease_files_send_address_router_and_dates_only(tmp_path: Path) -> None:
    dhcp, nm, netif = tmp_path / "dhcp", tmp_path / "NetworkManager", tmp_path / "netif" / "leases"
    for d in (dhcp, nm, netif):
        d.mkdir(parents=True)
    (dhcp / "dhclient.usb0.leases").write_text(RAW_DHCLIENT)
    (nm / f"internal-{WIRED_UUID}-enp3s0.lease").write_text(
        "# This is private data. Do not parse.\nADDRESS=10.20.0.17\n"
    )
    (nm / "secret_key").write_text("stable-privacy-secret-never-leaves\n")
    (nm / "NetworkManager.state").write_text("[main]\nWirelessEnabled=true\n")
    (netif / "4").write_text(
        "# This is private data. Do not parse.\nADDRESS=192.168.8.100\nNETMASK=255.255.255.0\n"
        "ROUTER=192.168.8.1\nSERVER_ADDRESS=192.168.8.1\nLIFETIME=86400\n"
        "HOSTNAME=fin-pc-07\nCLIENTID=ff0c5b8f279a64\n"
    )
    os.utime(netif / "4", (NOW - 7200, NOW - 7200))
    out, rc = run(
        ("oneline", "lease_keys", "dhcp_leases"),
        f"dhcp_leases '{dhcp}' '{nm}' '{netif}' /nonexistent",
    )
    assert rc == 0
    for private in ("never-leaves", "host-name", "vendor", "HOSTNAME", "CLIENTID", "Wireless"):
        assert private not in out, private
    facts = parse_linux(encode_sections(desktop(dhcp_leases=(out, rc))), now=NOW)
    leases = {str(x.address): x for x in facts.dhcp_leases or ()}
    assert set(leases) == {"192.168.42.57", "10.20.0.17", "192.168.8.100"}
    tether = leases["192.168.42.57"]
    assert (tether.interface, tether.router) == ("usb0", "192.168.42.129")
    assert tether.expires == calendar.timegm((2026, 11, 3, 7, 15, 3))
    assert leases["10.20.0.17"].interface == "enp3s0"
    networkd = leases["192.168.8.100"]
    assert (networkd.interface, networkd.router) == ("ifindex 4", "192.168.8.1")
    assert networkd.expires == NOW - 7200 + 86400
    assert run(("oneline", "lease_keys", "dhcp_leases"), "dhcp_leases /nonexistent") == ("", 127)


def test_dhclient_local_time_format_is_read() -> None:
    text = (
        '== 1794000000 /var/lib/dhcp/dhclient.leases\nlease {\n  interface "wlan0";\n'
        "  fixed-address 192.168.1.23;\n  expire epoch 1794003600; # Sun Nov  8 01:00:00 2026\n}\n"
    )
    facts = parse_linux(encode_sections(desktop(dhcp_leases=(text, 0))), now=NOW)
    (lease,) = facts.dhcp_leases or ()
    assert (lease.interface, lease.expires) == ("wlan0", 1794003600.0)


# -- kernel logs ----------------------------------------------------------------------------------

EC20_JOURNAL = """2026-10-28T15:02:11+0800 fin-pc-07 kernel: option 1-4:1.0: GSM modem (1-port) converter detected
2026-10-28T15:02:11+0800 fin-pc-07 kernel: usb 1-4: GSM modem (1-port) converter now attached to ttyUSB0
2026-10-28T15:02:12+0800 fin-pc-07 kernel: qmi_wwan 1-4:1.4 wwan0: register 'qmi_wwan' at usb-0000:00:14.0-4, WWAN/QMI device, 4a:9d:2c:11:7e:05
2026-10-28T15:02:12+0800 fin-pc-07 kernel: usbcore: registered new interface driver qmi_wwan
2026-10-28T15:02:20+0800 fin-pc-07 ModemManager[733]: <info>  [base-manager] couldn't check support for device '/sys/devices/pci0000:00/0000:00:14.0/usb1/1-4': not supported by any plugin option 1-4:1.0
2026-10-28T15:03:00+0800 fin-pc-07 kernel: r8152 2-1:1.0 eth1: v1.12.13
"""  # noqa: E501 (log lines as journalctl prints them)


def test_the_kernel_pattern_takes_binding_lines_only() -> None:
    out, _ = run(("_usbnet", "_usbif", "_ksys"), 'grep -E "$_ksys"', EC20_JOURNAL)
    assert [line.split("kernel: ")[1].split(" ")[0] for line in out.splitlines()] == [
        "option",
        "qmi_wwan",
    ]  # not usbcore's module load, not ModemManager's words, not a USB Ethernet dongle


def test_kern_log_file_lines_are_dated_by_the_file(tmp_path: Path) -> None:
    log = tmp_path / "kern.log.1"
    log.write_text(RAW_KERN_LOG)
    written = calendar.timegm((2026, 11, 18, 6, 25, 0))
    os.utime(log, (written, written))
    out, rc = logfiles(f"'{tmp_path}/kern.log.2' '{log}'")["kernel_logfiles"]
    assert rc == 0
    assert out.count("cdc_ether 1-2:1.0") == 2 and "usbcore" not in out
    facts = parse_linux(encode_sections(desktop(kernel_logfiles=(out, rc))), now=NOW)
    log_facts = facts.kernel_net_log
    assert log_facts is not None
    syslog = [ln for ln in log_facts.lines if ln.source == str(log)]
    assert [(ln.driver, ln.device, ln.time) for ln in syslog] == [
        ("cdc_ether", "1-2:1.0", calendar.timegm((2026, 11, 17, 9, 14, 3)))
    ] * 2
    assert ("syslog", calendar.timegm((2026, 11, 16, 0, 0, 7))) in log_facts.read


def test_a_december_line_in_a_january_file_is_last_year() -> None:
    text = (
        "== 1767312000 /var/log/kern.log\n"  # 2026-01-02
        "Dec 30 10:00:00 pc kernel: [ 1.000000] rndis_host 1-1:1.0 usb0: register 'rndis_host'\n"
    )
    facts = parse_linux(encode_sections(desktop(kernel_logfiles=(text, 0))), now=NOW)
    assert facts.kernel_net_log is not None
    (line,) = facts.kernel_net_log.lines
    assert line.time == calendar.timegm((2025, 12, 30, 10, 0, 0))


def test_a_garbled_log_is_unread_and_the_others_still_count() -> None:
    facts = parse_linux(
        encode_sections(desktop(kernel_dmesg=("@first x\nnot a kernel line\n", 0))), now=NOW
    )
    log = facts.kernel_net_log
    assert log is not None
    assert [src for src, _ in log.read] == ["journal"]
    assert log.unread[0].startswith("kern.log/messages: not present")
    assert log.unread[1].startswith("dmesg: could not parse")


# -- the verdicts ---------------------------------------------------------------------------------


def history_of(name: str, now: float = NOW, **params: int):  # type: ignore[no-untyped-def]
    facts = parse_linux(recorded(name), now=now)
    from netguard.engine.evaluate import evaluate
    from tests.unit.test_checks import SEGMENTS, host, policy

    pol = policy(**{"isolation.history": params}) if params else policy()
    (f,) = [f for f in evaluate(facts, host(), SEGMENTS, pol) if f.check == "isolation.history"]
    return f


def test_messages_name_what_was_found_with_dates() -> None:
    assert history_of("history-wifi-joined").message == (
        "traces of outside networks within 90 days: Wi-Fi profile TP-LINK_5F3A (SSID "
        "TP-LINK_5F3A) last used 2026-11-17"
    )
    assert (
        "gsm profile China Mobile last used 2026-10-24" in history_of("history-gsm-profile").message
    )
    assert history_of("history-ec20-journal").message.endswith(
        "driver option in the kernel log (4 lines, 2026-10-28 to 2026-10-28); USB modem/network "
        "adapter driver qmi_wwan in the kernel log (2 lines, 2026-10-28 to 2026-10-28)"
    )
    assert "DHCP lease 198.51.100.23 on enp3s0 held until 2026-11-18 (segment county-internet " in (
        history_of("history-internet-lease").message
    )


def test_the_window_is_a_parameter() -> None:
    assert history_of("history-wifi-old").status is FindingStatus.PASS
    assert history_of("history-wifi-old", lookback_days=365).status is FindingStatus.FAIL
    assert history_of("history-old-lease", lookback_days=180).status is FindingStatus.FAIL
    assert history_of("history-ec20-journal", lookback_days=14).status is FindingStatus.PASS


def test_a_replay_judges_as_of_the_collection() -> None:
    # The same output judged 200 days later: the auditor's clock moved, the modem is now old.
    assert history_of("history-ec20-journal").status is FindingStatus.FAIL
    later = history_of("history-ec20-journal", now=NOW + 200 * 86400)
    assert later.status is FindingStatus.PASS


def test_evidence_says_which_sources_were_read() -> None:
    f = history_of("history-not-root")
    assert f.status is FindingStatus.PASS and f.reason == "isolation.history.clean_partly"
    assert f.evidence["read"] == ["dhcp_leases"]
    assert set(f.evidence["not_read"]) == {"nm_profiles", "kernel_net_log"}
    g = history_of("compliant")
    assert g.evidence["read"] == ["nm_profiles", "dhcp_leases", "kernel_net_log"]
    assert g.evidence["kernel_logs"] == {
        "journal": {"since": "2026-04-27T00:00:00Z"},
        "dmesg": {"since": "2026-11-20T00:00:00Z"},
    }


def test_no_source_at_all_is_undecidable_with_the_reasons() -> None:
    f = history_of("history-no-source")
    assert f.status is FindingStatus.ERROR and f.reason == "isolation.history.no_source"
    assert f.evidence["not_read"] == {
        "nm_profiles": "not present on the host",
        "dhcp_leases": "not present on the host",
        "kernel_net_log": "journal: not present on the host; kern.log/messages: not present on "
        "the host; dmesg: no line visible to the auditing account (kernel.dmesg_restrict: "
        "needs root)",
    }


def test_an_output_from_before_this_check_is_undecidable() -> None:
    """Evidence bundles recorded before these sections existed hold none of them."""
    sections = {k: v for k, v in desktop().items() if not k.startswith(("nm_", "dhcp_", "kernel_"))}
    facts = parse_linux(encode_sections(sections), now=NOW)
    assert facts.nm_profiles is None and facts.kernel_net_log is None
    assert "section nm_profiles missing" in facts.problems["nm_profiles"]


def test_profile_evidence_keeps_the_unused_and_the_old() -> None:
    old = history_of("history-wifi-old").evidence["profiles"]
    assert [(p["id"], p["counts"], p["last_used"]) for p in old] == [
        ("Wired connection 1", False, "2026-11-22T23:00:00Z"),
        ("TP-LINK_5F3A", False, "2026-05-07T00:00:00Z"),
    ]
    pan = history_of("history-bluetooth-pan").evidence["profiles"][1]
    assert (pan["type"], pan["autoconnect"], pan["last_used"], pan["counts"]) == (
        "bluetooth",
        False,
        None,
        True,
    )


def test_gsm_uuid_in_the_timestamps_file_wins_when_later() -> None:
    from dataclasses import replace

    from netguard.checks.isolation import _last_used

    facts = parse_linux(recorded("history-gsm-profile"), now=NOW)
    (_, gsm) = facts.nm_profiles or ()
    assert _last_used(gsm, {GSM_UUID: NOW - 86400}) == NOW - 86400
    assert _last_used(replace(gsm, timestamp=None), {}) is None


def test_syslog_files_are_read_once_for_both_checks(tmp_path: Path) -> None:
    both = tmp_path / "kern.log"
    both.write_text(RAW_KERN_LOG)
    usb_only = tmp_path / "syslog"
    usb_only.write_text(RAW_KERN_LOG)
    got = logfiles(f"'{both}' '{usb_only}' '{tmp_path}/absent'", kernel=f"{tmp_path}/kern.log*")
    kernel, kernel_rc = got["kernel_logfiles"]
    usb, usb_rc = got["usb_logfiles"]
    assert kernel_rc == usb_rc == 0
    assert [ln.split()[-1] for ln in kernel.splitlines() if ln.startswith("== ")] == [str(both)]
    assert [ln.split()[-1] for ln in usb.splitlines() if ln.startswith("== ")] == [
        str(both),
        str(usb_only),
    ]
    assert kernel.count("cdc_ether 1-2:1.0") == 2 and "cdc_ether" not in usb
    # a file only the USB check reads: the kernel's section says none of its files is there
    alone = logfiles(f"'{usb_only}'", kernel=f"{tmp_path}/kern.log*")
    assert alone["kernel_logfiles"] == ("", 127) and alone["usb_logfiles"][1] == 0
    assert logfiles(f"'{tmp_path}/absent'") == {
        "kernel_logfiles": ("", 127),
        "usb_logfiles": ("", 127),
    }


@pytest.mark.parametrize(
    "text",
    [
        "@first before any file\n",
        "== x 1 /var/log/kern.log\n",  # not a tag the script writes
        "== u 1 /var/log/syslog\nk a kernel line in a file the kernel's check does not read\n",
        "== ku 1 /var/log/kern.log\nan untagged line\n",
        "== ku 1 /var/log/kern.log\nk no newline",
    ],
)
def test_a_logfiles_section_that_cannot_be_cut_exactly_is_cut_short(text: str) -> None:
    cut = unbatch({LOGFILES: Section(LOGFILES, text, 0)})
    assert {s.rc for s in cut.values()} == {None}

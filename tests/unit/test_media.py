"""Removable media: the USB storage history parser, media.blocked, and the fleet step
(media.cross_network across one run's hosts). Recordings: tests/unit/recordings_media.py."""

from __future__ import annotations

import dataclasses

from netguard.checks.base import Verdict
from netguard.collect.parse_linux import encode_sections, parse_linux
from netguard.fleet import MediaSummary, cross_network, summarize
from netguard.model import ExchangeMedium, Finding, FindingStatus, Severity, Zone
from netguard.model.facts import Facts, UsbStorageDevice, UsbStorageLog
from tests.unit.recordings import NOW, desktop
from tests.unit.recordings_media import (
    DAY,
    EXCHANGE,
    KINGSTON,
    NONAME,
    SANDISK,
    attach,
    media_hosts,
    usb_journal,
    usb_kernlog,
)
from tests.unit.test_checks import findings

HOSTS = media_hosts(NOW)


def facts(**sections: tuple[str, int]) -> Facts:
    return parse_linux(encode_sections(desktop(**sections)), now=NOW)


def journal_of(*events: tuple[float, list[str]], **kw: object) -> dict[str, tuple[str, int]]:
    return {"usb_journal": (usb_journal(NOW, *events, **kw), 0)}  # type: ignore[arg-type]


# --- the parser ----------------------------------------------------------------------------------


def test_sticks_from_the_journal_and_a_gzipped_kern_log_merge_per_device() -> None:
    log = facts(**HOSTS["media-sticks"]).usb_storage_log
    assert log is not None
    assert log.read == (("journal", NOW - 210 * DAY), ("syslog", NOW - 120 * DAY))
    assert log.journal_persistent is True
    assert log.devices == (
        UsbStorageDevice(
            "0781", "5567", SANDISK[4], "Cruzer Blade", "SanDisk",
            NOW - 9 * DAY, NOW - 9 * DAY, 1, ("/var/log/kern.log.2.gz",),
        ),
        UsbStorageDevice(
            "0951", "1666", KINGSTON[4], "DataTraveler 3.0", "Kingston",
            NOW - 30 * DAY, NOW - 20 * DAY, 2, ("journal",),
        ),
    )  # fmt: skip


def test_a_keyboard_is_no_storage_and_the_same_attachment_in_two_logs_counts_once() -> None:
    t = NOW - 5 * DAY
    log = facts(
        **journal_of((t, attach("1-3", ("046d", "c31c", "Kbd", "Logitech", ""), False))),
    ).usb_storage_log
    assert log is not None and log.devices == ()
    both = facts(
        **journal_of((t, attach("2-1", KINGSTON))),
        usb_logfiles=(
            usb_kernlog("/var/log/kern.log", NOW, NOW - 99 * DAY, (t, attach("2-1", KINGSTON))),
            0,
        ),
    ).usb_storage_log
    assert both is not None
    (dev,) = both.devices
    assert (dev.times, dev.sources) == (1, ("/var/log/kern.log", "journal"))


def test_a_stick_without_serial_has_an_empty_one() -> None:
    log = facts(**journal_of((NOW - DAY, attach("2-1", (*NONAME[:4], ""))))).usb_storage_log
    assert log is not None and [d.serial for d in log.devices] == [""]


def test_volatile_journal_is_recorded_with_its_reason() -> None:
    log = facts(**HOSTS["media-volatile"]).usb_storage_log
    assert log is not None
    assert (log.journal_persistent, log.journal_volatile_why) == (False, "Storage=volatile")


def test_no_readable_log_is_a_missing_fact() -> None:
    f = facts(usb_journal=("", 3), usb_logfiles=("", 127))
    assert f.usb_storage_log is None
    assert f.problems["usb_storage_log"] == (
        "journal: no line visible to the auditing account (needs root or group adm); "
        "kern.log/syslog/messages: not present on the host"
    )


def test_a_forged_line_makes_that_log_unread() -> None:
    f = facts(usb_journal=("@persistent yes\nhello there\n", 0), usb_logfiles=("", 127))
    assert f.usb_storage_log is None
    assert "could not parse" in f.problems["usb_storage_log"]


# --- media.history and media.blocked -------------------------------------------------------------


def test_history_lists_devices_and_is_undecidable_when_not_whole() -> None:
    ok = findings("media-sticks")["media.history"]
    assert ok.status is FindingStatus.PASS
    assert [d["serial"] for d in ok.evidence["devices"]] == [SANDISK[4], KINGSTON[4]]
    short = findings("media-short")["media.history"]
    assert short.status is FindingStatus.ERROR
    assert short.message == (
        "the USB storage history does not reach back 90 days (0 devices seen): "
        "journal reaches back only to 2026-11-13"
    )
    vol = findings("media-volatile")["media.history"]
    assert vol.message.endswith("the journal is not kept across reboots (Storage=volatile)")


def test_blocked_reasons() -> None:
    got = {
        name: (f.status, f.reason)
        for name in ("compliant", "media-volatile", "media-short", "media-sticks",
                     "media-loadable", "media-builtin")
        for f in [findings(name)["media.blocked"]]
    }  # fmt: skip
    assert got == {
        "compliant": (FindingStatus.PASS, "media.blocked.install"),
        "media-volatile": (FindingStatus.PASS, "media.blocked.blacklisted"),
        "media-short": (FindingStatus.PASS, "media.blocked.absent"),
        "media-sticks": (FindingStatus.FAIL, "media.blocked.loaded"),
        "media-loadable": (FindingStatus.FAIL, "media.blocked.loadable"),
        "media-builtin": (FindingStatus.FAIL, "media.blocked.builtin"),
    }


def test_blocked_by_an_install_line_when_modprobe_is_missing() -> None:
    text = (
        "@loaded no\n@file /lib/x/usb-storage.ko\n"
        "@conf /etc/modprobe.d/a.conf install usb_storage /bin/true\n"
    )
    f = facts(usb_storage_module=(text, 0))
    m = f.usb_storage_module
    assert m is not None and m.install == (("/etc/modprobe.d/a.conf", "/bin/true"),)
    assert findings_of(f)["media.blocked"].reason == "media.blocked.install"


def test_kernel_command_line_blacklist_counts_only_for_usb_storage() -> None:
    other = "@loaded no\n@file /x/usb-storage.ko\n@cmdline modprobe.blacklist=nouveau\n"
    ours = "@loaded no\n@file /x/usb-storage.ko\n@cmdline module_blacklist=nouveau,usb_storage\n"
    assert (
        findings_of(facts(usb_storage_module=(other, 0)))["media.blocked"].status
        is FindingStatus.FAIL
    )
    assert (
        findings_of(facts(usb_storage_module=(ours, 0)))["media.blocked"].status
        is FindingStatus.PASS
    )


def findings_of(f: Facts) -> dict[str, Finding]:
    from netguard.engine.evaluate import evaluate
    from tests.unit.test_checks import SEGMENTS, host, policy

    return {x.check: x for x in evaluate(f, host(), SEGMENTS, policy())}


# --- the fleet step ------------------------------------------------------------------------------


def summary(
    name: str, zone: Zone, *events: tuple[float, list[str]], since_days: float = 210
) -> MediaSummary:
    return summarize(facts(**journal_of(*events, since_days=since_days)), name, zone, 90)


def by_host(verdicts: dict[str, Verdict]) -> dict[str, tuple[FindingStatus, str]]:
    return {h: (v.status, v.reason) for h, v in verdicts.items()}


def test_a_stick_on_an_intranet_and_an_internet_machine_is_critical_on_the_intranet_side() -> None:
    fin = summary("fin-pc-07", Zone.INTRANET, (NOW - 30 * DAY, attach("2-1", KINGSTON)))
    net = summary("web-pc-01", Zone.INTERNET, (NOW - 28 * DAY, attach("1-1", KINGSTON)))
    got = cross_network([fin, net])
    assert by_host(got) == {"fin-pc-07": (FindingStatus.FAIL, "media.cross_network.crossed")}
    assert got["fin-pc-07"].message == (
        "removable media used on this machine and on internet machines: Kingston DataTraveler "
        f"3.0 serial {KINGSTON[4]}: here 2026-10-24..2026-10-24, on web-pc-01 (Internet) "
        "2026-10-26..2026-10-26"
    )
    assert got["fin-pc-07"].evidence["crossed"] == [
        {
            "serial": KINGSTON[4],
            "ids": "0951:1666",
            "name": "Kingston DataTraveler 3.0",
            "here": {"first_seen": "2026-10-24T00:00:00Z", "last_seen": "2026-10-24T00:00:00Z"},
            "other_host": "web-pc-01",
            "other_zone": "internet",
            "there": {"first_seen": "2026-10-26T00:00:00Z", "last_seen": "2026-10-26T00:00:00Z"},
        }
    ]


def test_an_internet_machine_of_the_previous_run_is_matched_from_the_history() -> None:
    """The internet PC is not in this run (switched off tonight); last week's run listed the
    stick in its media.history evidence — the history tells, and the intranet PC fails."""
    from netguard.checks.media import device_evidence
    from netguard.fleet import earlier_sightings

    net_facts = facts(**journal_of((NOW - 28 * DAY, attach("1-1", KINGSTON)), since_days=210))
    assert net_facts.usb_storage_log is not None
    # the evidence media.history writes (checks/media.py): the devices, as a document keeps them
    listed = {"devices": [device_evidence(d) for d in net_facts.usb_storage_log.devices]}
    doc = {
        "run": {"id": "0123456789abcdef", "started": "2026-11-16T01:00:00+00:00"},
        "hosts": [
            {"name": "web-pc-01", "zone": "internet", "findings": [
                {"check": "media.history", "evidence": listed}]},
            {"name": "fin-pc-03", "zone": "intranet", "findings": [
                {"check": "media.history", "evidence": listed}]},  # not internet: ignored
        ],
    }  # fmt: skip
    earlier = earlier_sightings(doc)
    assert [(e.host, e.run) for e in earlier] == [("web-pc-01", "run 01234567, 2026-11-16")]
    fin = summary("fin-pc-07", Zone.INTRANET, (NOW - 3 * DAY, attach("2-1", KINGSTON)))
    got = cross_network([fin], earlier=earlier)
    assert by_host(got) == {"fin-pc-07": (FindingStatus.FAIL, "media.cross_network.crossed")}
    assert "web-pc-01 (run 01234567, 2026-11-16)" in got["fin-pc-07"].message
    # without the history the run has no internet machine: not applicable, as before
    assert by_host(cross_network([fin]))["fin-pc-07"][0] is FindingStatus.NOT_APPLICABLE
    # a machine this run audited tells its own history: its earlier run is not counted twice
    net = summary("web-pc-01", Zone.INTERNET, (NOW - 28 * DAY, attach("1-1", KINGSTON)))
    twice = cross_network([fin, net], earlier=earlier)["fin-pc-07"].evidence["crossed"]
    assert [c["other_host"] for c in twice] == ["web-pc-01"]


def test_a_registered_exchange_stick_is_allowed() -> None:
    fin = summary("fin-pc-07", Zone.CLASSIFIED, (NOW - 3 * DAY, attach("2-1", EXCHANGE)))
    net = summary("web-pc-01", Zone.INTERNET, (NOW - 2 * DAY, attach("1-1", EXCHANGE)))
    got = cross_network([fin, net], [ExchangeMedium(EXCHANGE[4], "中转盘-01")])
    assert by_host(got) == {"fin-pc-07": (FindingStatus.PASS, "media.cross_network.none")}
    assert got["fin-pc-07"].evidence["registered_exchange_media"] == [
        {"serial": EXCHANGE[4], "label": "中转盘-01"}
    ]
    assert by_host(cross_network([fin, net]))["fin-pc-07"][0] is FindingStatus.FAIL


def test_serials_that_identify_no_device_are_unmatchable() -> None:
    blank = (NONAME[0], NONAME[1], NONAME[2], NONAME[3], "")
    fin = summary(
        "fin-pc-07",
        Zone.INTRANET,
        (NOW - 3 * DAY, attach("2-1", NONAME)),
        (NOW - 2 * DAY, attach("2-2", blank)),
    )
    net = summary(
        "web-pc-01",
        Zone.INTERNET,
        (NOW - 2 * DAY, attach("1-1", NONAME)),
        (NOW - 2 * DAY, attach("1-2", blank)),
    )
    got = cross_network([fin, net])
    assert by_host(got) == {"fin-pc-07": (FindingStatus.PASS, "media.cross_network.none")}
    assert got["fin-pc-07"].evidence["unmatchable"] == [
        {"serial": "", "ids": "058f:6387", "name": "Generic Mass Storage"},
        {"serial": NONAME[4], "ids": "058f:6387", "name": "Generic Mass Storage"},
    ]
    # the same serial under two vendor:product ids is a placeholder, not one stick
    clone = ("abcd", "1234", "Disk", "Acme", SANDISK[4])
    a = summary("fin-pc-07", Zone.INTRANET, (NOW - 3 * DAY, attach("2-1", SANDISK)))
    b = summary("web-pc-01", Zone.INTERNET, (NOW - 3 * DAY, attach("2-1", clone)))
    assert by_host(cross_network([a, b]))["fin-pc-07"][0] is FindingStatus.PASS


def test_incomplete_history_is_undecidable_but_a_found_crossing_still_fails() -> None:
    short = summary("fin-pc-07", Zone.INTRANET, since_days=10)
    net = summary("web-pc-01", Zone.INTERNET, (NOW - 2 * DAY, attach("1-1", KINGSTON)))
    assert by_host(cross_network([short, net])) == {
        "fin-pc-07": (FindingStatus.ERROR, "media.cross_network.incomplete")
    }
    crossed = summary(
        "fin-pc-07", Zone.INTRANET, (NOW - DAY, attach("2-1", KINGSTON)), since_days=10
    )
    assert by_host(cross_network([crossed, net]))["fin-pc-07"][0] is FindingStatus.FAIL


def test_a_log_with_no_source_is_not_whole() -> None:
    empty = summarize(Facts(NOW, usb_storage_log=UsbStorageLog((), (), ())), "z", Zone.INTRANET, 90)
    assert empty.gaps == ({"part": "media.no_log"},)


def test_unread_histories() -> None:
    unread = summarize(
        facts(usb_journal=("", 3), usb_logfiles=("", 127)), "fin-pc-07", Zone.INTRANET, 90
    )
    net = summary("web-pc-01", Zone.INTERNET)
    assert by_host(cross_network([unread, net])) == {
        "fin-pc-07": (FindingStatus.ERROR, "media.cross_network.unread")
    }
    # an internet machine whose history is not whole: undecidable only where a stick could match
    blind = dataclasses.replace(net, gaps=({"x": 1},))
    stick = summary("fin-pc-07", Zone.INTRANET, (NOW - DAY, attach("2-1", KINGSTON)))
    clean = summary("hr-pc-02", Zone.INTRANET)
    assert by_host(cross_network([stick, clean, blind])) == {
        "fin-pc-07": (FindingStatus.ERROR, "media.cross_network.blind"),
        "hr-pc-02": (FindingStatus.PASS, "media.cross_network.none"),
    }


def test_no_false_alarm_inside_one_zone_and_no_internet_machine_is_not_applicable() -> None:
    a = summary("fin-pc-07", Zone.INTRANET, (NOW - 3 * DAY, attach("2-1", KINGSTON)))
    b = summary("hr-pc-02", Zone.INTRANET, (NOW - 2 * DAY, attach("2-1", KINGSTON)))
    net = summary("web-pc-01", Zone.INTERNET, (NOW - 2 * DAY, attach("1-1", SANDISK)))
    assert by_host(cross_network([a, b, net])) == {
        "fin-pc-07": (FindingStatus.PASS, "media.cross_network.none"),
        "hr-pc-02": (FindingStatus.PASS, "media.cross_network.none"),
    }
    assert by_host(cross_network([a, b])) == {
        "fin-pc-07": (FindingStatus.NOT_APPLICABLE, "media.cross_network.no_internet"),
        "hr-pc-02": (FindingStatus.NOT_APPLICABLE, "media.cross_network.no_internet"),
    }
    # the policy's zones decide which side is judged
    assert set(cross_network([a, net], zones=[Zone.CLASSIFIED])) == set()


def fleet_findings() -> list[Finding]:
    """Every fleet verdict above as findings (tests/unit/test_i18n.py renders them)."""
    fin = summary("fin-pc-07", Zone.INTRANET, (NOW - 30 * DAY, attach("2-1", KINGSTON)))
    net = summary("web-pc-01", Zone.INTERNET, (NOW - 28 * DAY, attach("1-1", KINGSTON)))
    short = summary("hr-pc-02", Zone.INTRANET, since_days=10)
    unread = summarize(facts(usb_journal=("", 3), usb_logfiles=("", 127)), "x", Zone.INTRANET, 90)
    clean = summary("y", Zone.INTRANET)
    # a log object with no source read at all (the parser never makes one): not whole
    empty = summarize(Facts(NOW, usb_storage_log=UsbStorageLog((), (), ())), "z", Zone.INTRANET, 90)
    blind = dataclasses.replace(net, host="web-pc-02", devices=(), gaps=({"x": 1},))
    verdicts = [
        *cross_network([fin, net, short, unread, clean, empty]).values(),
        *cross_network([fin, blind]).values(),
        *cross_network([fin]).values(),
    ]
    return [
        Finding(
            "media.cross_network",
            "media",
            v.status,
            Severity.CRITICAL,
            v.message,
            v.evidence,
            reason=v.reason,
            args=v.args,
        )
        for v in verdicts
    ]


def test_a_machine_installed_since_the_window_began_has_its_whole_history() -> None:
    """A log that starts within a day of the installation has seen the machine's whole life: a
    new machine is judged, not undecidable; one installed long before its log starts is not."""
    from netguard.checks.media import history_gaps
    from netguard.model.facts import UsbStorageLog

    now = 1_800_000_000.0
    log = UsbStorageLog((("journal", now - 30 * 86400),), (), (), journal_persistent=True)
    assert history_gaps(log, now, 90, installed_at=now - 30 * 86400 - 3600) == []
    assert history_gaps(log, now, 90, installed_at=now - 100 * 86400) != []
    assert history_gaps(log, now, 90) != []  # no install time known: fail closed

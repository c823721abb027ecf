"""Each check against recorded hosts: the exact set that passes, fails and cannot decide."""

from __future__ import annotations

import ipaddress
import pickle

import pytest

from netguard.checks import ALL_CHECKS, CATALOG
from netguard.collect.parse_linux import parse_linux
from netguard.engine.evaluate import evaluate
from netguard.model import AvHelper, AvRole, Finding, FindingStatus, Host, Segment, Zone
from netguard.model.facts import FactMissing, Facts
from netguard.policy import AvProduct, CheckConfig, Policy
from tests.unit.recordings import HOSTS, NOW, recorded

SEGMENTS = {
    "county-intranet": Segment(
        "county-intranet",
        Zone.INTRANET,
        ipaddress.ip_network("10.20.0.0/24"),
        ipaddress.ip_address("10.20.0.1"),
    ),
    "county-internet": Segment(
        "county-internet",
        Zone.INTERNET,
        ipaddress.ip_network("198.51.100.0/24"),
        ipaddress.ip_address("198.51.100.1"),
    ),
}
CLAMAV = AvProduct(
    "ClamAV",
    packages=("clamav", "clamav-daemon"),
    binaries=("clamscan", "clamd"),
    services=("clamav-daemon",),
    processes=("clamd",),
    helpers=(
        AvHelper(AvRole.UPDATER, services=("clamav-freshclam",), processes=("freshclam",)),
        AvHelper(AvRole.ON_ACCESS, services=("clamav-clamonacc",), processes=("clamonacc",)),
    ),
)


def policy(**params: dict) -> Policy:
    configs = tuple(
        CheckConfig(
            spec,
            spec.severity,
            spec.zones,
            {p.name: params.get(spec.id, {}).get(p.name, p.default) for p in spec.params},
        )
        for spec in ALL_CHECKS
    )
    return Policy("test", "<test>", "0" * 64, "", configs, (CLAMAV,))


def host(segment: str = "county-intranet") -> Host:
    addr = "10.20.0.17" if segment == "county-intranet" else "198.51.100.17"
    return Host("fin-pc-07", ipaddress.ip_address(addr), segment)


def findings(name: str, segment: str = "county-intranet", **params: dict) -> dict[str, Finding]:
    facts = parse_linux(recorded(name), now=NOW)
    return {f.check: f for f in evaluate(facts, host(segment), SEGMENTS, policy(**params))}


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, Finding]]:
    return {name: findings(name) for name in HOSTS}


def by_status(results: dict[str, dict[str, Finding]], check: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {s.value: set() for s in FindingStatus}
    for name, fs in results.items():
        out[fs[check].status.value].add(name)
    return out


# For every check: the hosts that fail and the hosts that cannot be decided; all others pass.
ALL = set(HOSTS)
EXPECTED: dict[str, tuple[set[str], set[str]]] = {
    "antivirus.installed": ({"no-antivirus"}, set()),
    "antivirus.running": ({"no-antivirus", "clamav-stopped"}, set()),
    "antivirus.signatures": ({"stale-signatures", "no-antivirus"}, set()),
    "password.max_age": ({"password-never-expires", "password-aging-off"}, {"shadow-unreadable"}),
    "password.age": ({"password-expired", "password-aging-off"}, {"shadow-unreadable"}),
    # issue 11's account checks: these hosts differ elsewhere (tests/unit/test_passwords.py)
    "password.empty": (set(), {"shadow-unreadable"}),
    "password.hash": (set(), {"shadow-unreadable"}),
    "accounts.uid0": (set(), {"shadow-unreadable"}),
    "isolation.addresses": ({"wifi-card", "dual-homed", "foreign-address"}, set()),
    # wifi-card: its hotspot address is on a network no segment registers (an unknown network)
    "isolation.multi_homed": ({"dual-homed", "wifi-card"}, set()),
    "isolation.default_route": ({"rogue-gateway", "two-default-routes"}, {"route-output-garbled"}),
    "isolation.forwarding": ({"forwarding"}, set()),
    "isolation.bridge": (set(), set()),
    "isolation.tunnel": (set(), {"route-output-garbled"}),
    "isolation.wireless": ({"wifi-card", "usb-modem", "phone-tethering", "dialup-ppp"}, set()),
    # hosts of tests/unit/recordings_history.py; tests/unit/test_isolation_history.py has more
    "isolation.history": (
        {
            "history-wifi-joined",
            "history-wifi-unused",
            "history-gsm-profile",
            "history-bluetooth-pan",
            "history-tethering-lease",
            "history-networkd-lease",
            "history-internet-lease",
            "history-ec20-journal",
            "history-e3372-kernlog",
        },
        {"history-no-source"},
    ),
    # hosts of tests/unit/recordings_media.py; tests/unit/test_media.py has more
    "media.history": (set(), {"media-volatile", "media-short"}),
    "media.blocked": ({"media-sticks", "media-loadable", "media-builtin"}, set()),
    # decided by the fleet step (tests/unit/test_media.py): alone, every host is undecided
    "media.cross_network": (set(), ALL),
}


def test_every_check_has_expectations() -> None:
    # isolation.reachability needs a probe request: tests/unit/test_probe_audit.py
    assert set(EXPECTED) | {"isolation.reachability"} == set(CATALOG)


@pytest.mark.parametrize("check", sorted(EXPECTED))
def test_check_sets(results: dict[str, dict[str, Finding]], check: str) -> None:
    fail, error = EXPECTED[check]
    got = by_status(results, check)
    assert got["fail"] == fail
    assert got["error"] == error
    assert got["pass"] == set(HOSTS) - fail - error
    assert got["not_applicable"] == set()


def test_header_unreadable_falls_back_to_file_time_and_says_so(results) -> None:
    f = results["header-unreadable"]["antivirus.signatures"]
    assert f.evidence["date_source"].startswith("file time")


def test_running_without_systemd_names_the_process_signal(results) -> None:
    f = results["systemd-less-clamd"]["antivirus.running"]
    assert f.status is FindingStatus.PASS
    assert "process table" in f.evidence["signal"]
    assert f.evidence["running"] == {"ClamAV": ["process clamd"]}


def test_wireless_evidence_names_every_signal(results) -> None:
    radios = {
        r["device"]: r["signals"]
        for r in results["wifi-card"]["isolation.wireless"].evidence["radios"]
    }
    assert radios["wlp2s0"] == [
        "sysfs wireless directory",
        "sysfs phy80211 link",
        "DEVTYPE=wlan",
        "name wl*",
    ]
    assert radios["rfkill phy0"] == ["rfkill type wlan"]
    assert radios["hci0"] == ["/sys/class/bluetooth"]
    modem = results["usb-modem"]["isolation.wireless"].evidence["radios"][0]
    assert modem["signals"] == ["modem/tethering driver qmi_wwan", "DEVTYPE=wwan", "name wwan*"]
    tether = results["phone-tethering"]["isolation.wireless"].evidence["radios"][0]
    assert tether["signals"] == ["modem/tethering driver rndis_host"]


def test_password_messages_read_like_sentences(results) -> None:
    f = results["password-expired"]["password.age"]
    assert f.message == "password not changed within 90 days: zhangwei (200 days ago)"
    # nologin accounts are not users; root's `*` cannot log in, so it is not rotated (issue 11)
    assert f.evidence["considered"] == ["zhangwei"]
    assert f.evidence["not_considered"] == [
        {"account": "root", "why": "locked, not subject to rotation"}
    ]
    g = results["password-never-expires"]["password.max_age"]
    assert "zhangwei (never expires)" in g.message


def test_multi_homed_says_it_crosses_isolation(results) -> None:
    f = results["dual-homed"]["isolation.multi_homed"]
    assert f.evidence["crosses_isolation"] is True
    assert f.evidence["zones"] == {
        "intranet": ["10.20.0.17/24 on enp3s0"],
        "internet": ["198.51.100.44/24 on enp4s0"],
    }


def test_stricter_policy_parameter_changes_the_verdict() -> None:
    f = findings("compliant", **{"password.age": {"max_days": 10}})["password.age"]
    assert f.status is FindingStatus.FAIL
    # root (`*`, 20 days) is locked, so only zhangwei is judged (before issue 11 root was too)
    assert f.message == "password not changed within 10 days: zhangwei (12 days ago)"


def test_internet_host_is_not_held_to_isolation_rules() -> None:
    fs = findings("wifi-card", segment="county-internet")
    assert fs["isolation.wireless"].status is FindingStatus.NOT_APPLICABLE
    assert "internet zone" in fs["isolation.wireless"].message
    assert fs["antivirus.installed"].status is FindingStatus.PASS


def test_a_check_that_raises_is_an_error_never_a_pass() -> None:
    from dataclasses import replace

    def boom(facts, ctx):  # type: ignore[no-untyped-def]
        raise RuntimeError("bug")

    pol = policy()
    broken = replace(
        pol, checks=(replace(pol.checks[0], spec=replace(pol.checks[0].spec, func=boom)),)
    )
    facts = parse_linux(recorded("compliant"), now=NOW)
    (f,) = evaluate(facts, host(), SEGMENTS, broken)
    assert f.status is FindingStatus.ERROR
    assert "RuntimeError: bug" in f.message


def test_need_raises_the_fact_group_and_its_reason_apart() -> None:
    facts = Facts(now=NOW, problems={"accounts": "section shadow failed (exit status 1)"})
    with pytest.raises(FactMissing) as caught:
        facts.need("accounts")
    assert (caught.value.fact, caught.value.why) == (
        "accounts",
        "section shadow failed (exit status 1)",
    )
    assert str(caught.value) == "accounts: section shadow failed (exit status 1)"
    assert pickle.loads(pickle.dumps(caught.value)).why == caught.value.why
    with pytest.raises(FactMissing, match=r"^rfkill: not collected$"):
        Facts(now=NOW).need("rfkill")


def test_a_missing_fact_reaches_the_finding_as_group_and_reason() -> None:
    from dataclasses import replace

    def needs_odd_fact(facts, ctx):  # type: ignore[no-untyped-def]
        raise FactMissing("odd: group", "why: with colons")  # read from attributes, not the text

    pol = policy()
    spec = replace(pol.checks[0].spec, func=needs_odd_fact)
    (f,) = evaluate(
        parse_linux(recorded("compliant"), now=NOW),
        host(),
        SEGMENTS,
        replace(pol, checks=(replace(pol.checks[0], spec=spec),)),
    )
    assert f.status is FindingStatus.ERROR and f.reason == "engine.fact_missing"
    assert (f.args["fact"], f.args["detail"]) == ("odd: group", "why: with colons")

"""Antivirus engines versus helpers: only an engine makes a product running (issue 11, item 5).

The recorded hosts (recordings_antivirus.py) are judged with the shipped baseline catalog, so the
ClamAV entry users get is what is tested; the exact sets of passing, failing and undecidable hosts
are pinned as in test_checks.py. The catalog's new ``helpers`` key is validated with located
errors, and packs written before it (every service and process an engine) load and judge as
before.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from netguard.checks import CATALOG
from netguard.collect.parse_linux import encode_sections, parse_linux
from netguard.engine.evaluate import evaluate
from netguard.i18n import catalog as messages
from netguard.model import AvHelper, AvProduct, AvRole, Finding, FindingStatus
from netguard.policy import Policy, default_policy_path, load_policy
from tests.unit import recordings, recordings_antivirus
from tests.unit.test_checks import EXPECTED as RECORDED_EXPECTED
from tests.unit.test_checks import SEGMENTS, host, policy

from .conftest import WriteYaml
from .test_policy import Catalog, assert_error

ROOT = Path(__file__).resolve().parents[2]
AV_CHECKS = ("antivirus.installed", "antivirus.running")
#: A product of the test catalog only (see recordings_antivirus.py): a scanning service and
#: process, and a tray icon.
VENDOR = AvProduct(
    "Vendor EDR",
    packages=("vendor-edr",),
    services=("edr-scan",),
    processes=("edrscand",),
    helpers=(AvHelper(AvRole.GUI, processes=("edr-tray",)),),
)
SHIPPED = load_policy(default_policy_path(), CATALOG).products
#: The ClamAV entry as shipped before helpers existed: updater and on-access client as engines.
OLD_CLAMAV = dataclasses.replace(
    SHIPPED[0],
    services=("clamav-daemon", "clamav-freshclam", "clamav-clamonacc", "clamd@scan"),
    processes=("clamd", "freshclam", "clamonacc"),
    helpers=(),
)


def _policy(*products: AvProduct) -> Policy:
    return dataclasses.replace(policy(), products=products)


def _judge(sections: recordings.Sections, pol: Policy) -> dict[str, Finding]:
    facts = parse_linux(encode_sections(sections), now=recordings.NOW)
    return {f.check: f for f in evaluate(facts, host(), SEGMENTS, pol)}


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, Finding]]:
    pol = _policy(*SHIPPED, VENDOR)
    return {name: _judge(make(), pol) for name, make in recordings_antivirus.HOSTS.items()}


def _sets(results: dict[str, dict[str, Finding]], check: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {s.value: set() for s in FindingStatus}
    for name, fs in results.items():
        out[fs[check].status.value].add(name)
    return out


# check → (failing hosts, undecidable hosts); every other host passes.
EXPECTED: dict[str, tuple[set[str], set[str]]] = {
    # Helpers are signs of an installation: every host has one product or the other.
    "antivirus.installed": (set(), set()),
    "antivirus.running": (
        {
            "av-only-freshclam",
            "av-only-freshclam-no-systemd",
            "av-only-freshclam-unit",
            "av-clamonacc-without-clamd",
            "av-vendor-gui-only",
        },
        {"av-blind"},
    ),
}


@pytest.mark.parametrize("check", AV_CHECKS)
def test_check_sets(results: dict[str, dict[str, Finding]], check: str) -> None:
    fail, error = EXPECTED[check]
    got = _sets(results, check)
    assert got["fail"] == fail
    assert got["error"] == error
    assert got["pass"] == set(recordings_antivirus.HOSTS) - fail - error


def _running(results: dict[str, dict[str, Finding]], name: str) -> Finding:
    return results[name]["antivirus.running"]


def test_only_the_updater_says_what_runs_and_what_does_not(results) -> None:
    f = _running(results, "av-only-freshclam")
    assert f.reason == "antivirus.running.helpers_only"
    assert f.message == (
        "no scanning engine is running: ClamAV runs only the updater (clamav-freshclam, "
        "freshclam) — not its engine (clamav-daemon, clamd@scan, clamd)"
    )
    assert messages("zh").reason(f.reason, f.args, "") == (
        "防病毒软件的扫描引擎均未运行：ClamAV 仅运行了病毒库升级程序（clamav-freshclam、"
        "freshclam），其扫描引擎（clamav-daemon、clamd@scan、clamd）均未运行"
    )
    assert f.evidence["helpers_running"] == {
        "ClamAV": ["service clamav-freshclam active (updater)", "process freshclam (updater)"]
    }
    assert f.evidence["looked_for"]["ClamAV"] == ["clamav-daemon", "clamd@scan", "clamd"]
    # Installed it is: the finding that names the gap is running's, not a second one.
    assert results["av-only-freshclam"]["antivirus.installed"].status is FindingStatus.PASS


def test_without_systemd_the_process_table_shows_only_the_updater(results) -> None:
    f = _running(results, "av-only-freshclam-no-systemd")
    assert "the updater (freshclam) — not its engine" in f.message
    assert f.evidence["signal"].startswith("process table (systemd not available")


def test_with_the_process_table_unreadable_systemd_decides(results) -> None:
    f = _running(results, "av-only-freshclam-unit")
    assert "the updater (clamav-freshclam) — not its engine" in f.message
    g = _running(results, "av-engine-unit-only")
    assert g.status is FindingStatus.PASS
    assert g.evidence["running"] == {"ClamAV": ["service clamav-daemon active"]}
    assert g.evidence["signal"].startswith("systemd (process table not readable: ")


def test_neither_source_readable_cannot_decide(results) -> None:
    f = _running(results, "av-blind")
    assert f.reason == "antivirus.running.blind"
    assert set(f.evidence["problems"]) == {"processes", "services"}


def test_clamonacc_beside_clamd_is_named_as_a_helper(results) -> None:
    f = _running(results, "av-clamonacc-and-clamd")
    assert f.message == "running: ClamAV (service clamav-daemon active; process clamd)"
    assert f.evidence["running"] == {"ClamAV": ["service clamav-daemon active", "process clamd"]}
    assert f.evidence["helpers_running"]["ClamAV"] == [
        "service clamav-freshclam active (updater)",
        "process freshclam (updater)",
        "service clamav-clamonacc active (on_access)",
        "process clamonacc (on_access)",
    ]


def test_clamonacc_without_clamd_scans_nothing(results) -> None:
    f = _running(results, "av-clamonacc-without-clamd")
    assert f.message == (
        "no scanning engine is running: ClamAV runs only the updater (clamav-freshclam, "
        "freshclam); the on-access client (clamav-clamonacc, clamonacc) — not its engine "
        "(clamav-daemon, clamd@scan, clamd)"
    )


def test_a_gui_alone_does_not_run_the_product(results) -> None:
    f = _running(results, "av-vendor-gui-only")
    assert f.message == (
        "no scanning engine is running: Vendor EDR runs only the user interface (edr-tray) — "
        "not its engine (edr-scan, edrscand)"
    )
    assert (
        messages("zh")
        .reason(f.reason, f.args, "")
        .startswith("防病毒软件的扫描引擎均未运行：Vendor EDR 仅运行了图形界面程序（edr-tray）")
    )
    installed = results["av-vendor-gui-only"]["antivirus.installed"]
    assert installed.evidence["products"] == {
        "Vendor EDR": ["package vendor-edr", "process edr-tray", "service edr-scan"]
    }
    g = _running(results, "av-vendor-running")
    assert g.evidence["running"] == {"Vendor EDR": ["service edr-scan active", "process edrscand"]}


def test_a_pack_from_before_helpers_judges_as_it_did() -> None:
    """Old packs stay valid and mean what they meant: every listed service and process is an
    engine — so an old pack that lists freshclam still passes the updater-only machine."""
    f = _judge(recordings_antivirus.HOSTS["av-only-freshclam"](), _policy(OLD_CLAMAV))
    assert f["antivirus.running"].status is FindingStatus.PASS
    assert f["antivirus.running"].evidence["running"] == {
        "ClamAV": ["service clamav-freshclam active", "process freshclam"]
    }


@pytest.mark.parametrize("products", [(OLD_CLAMAV,), SHIPPED], ids=["old-catalog", "shipped"])
def test_no_host_of_recordings_changes_verdict(products: tuple[AvProduct, ...]) -> None:
    """The general recorded hosts (recordings.py) are judged the same by the ClamAV entry before
    and after helpers: none of them runs a helper without clamd."""
    pol = _policy(*products)
    results = {name: _judge(make(), pol) for name, make in recordings.HOSTS.items()}
    for check in AV_CHECKS:
        fail, error = RECORDED_EXPECTED[check]
        got = _sets(results, check)
        assert (got["fail"], got["error"]) == (fail, error), check


# -- the catalog format ----------------------------------------------------------------------------


def test_helpers_load_exactly(write_yaml: WriteYaml, catalog: Catalog) -> None:
    path = write_yaml(
        """
        name: office
        antivirus_products:
          - name: ClamAV
            packages: [clamav]
            services: [clamav-daemon]
            processes: [clamd]
            helpers:
              updater: {services: [clamav-freshclam], processes: [freshclam, freshclam]}
              gui:
                processes: [clamtk]
              on_access: {services: [clamav-clamonacc]}
        checks:
          antivirus.installed: {}
        """
    )
    (product,) = load_policy(path, catalog).products
    assert product.helpers == (
        AvHelper(AvRole.UPDATER, services=("clamav-freshclam",), processes=("freshclam",)),
        AvHelper(AvRole.GUI, processes=("clamtk",)),
        AvHelper(AvRole.ON_ACCESS, services=("clamav-clamonacc",)),
    )


def test_shipped_clamav_entry_has_its_roles() -> None:
    for pack in ("baseline.yaml", "secret.yaml"):
        clamav = load_policy(ROOT / "policies" / pack, CATALOG).products[0]
        assert (clamav.services, clamav.processes) == (("clamav-daemon", "clamd@scan"), ("clamd",))
        roles = {h.role: (h.services, h.processes) for h in clamav.helpers}
        assert roles == {
            AvRole.UPDATER: (("clamav-freshclam",), ("freshclam",)),
            AvRole.ON_ACCESS: (("clamav-clamonacc",), ("clamonacc",)),
            AvRole.GUI: ((), ("clamtk",)),
        }


H = "name: x\nantivirus_products:\n  - name: A\n    processes: [ad]\n    helpers:\n"
C = "checks: {password.age: {}}\n"


@pytest.mark.parametrize(
    ("text", "line", "field", "phrase"),
    [
        (H + "      updatr: {processes: [au]}\n" + C, 6, "antivirus_products[0].helpers.updatr",
         "unknown key 'updatr' (did you mean updater?); allowed keys: updater, on_access, gui, "
         "scheduler, agent"),
        (H + "      - updater\n" + C, 6, "antivirus_products[0].helpers",
         "expected a mapping of helper roles, got a list"),
        (H + "      updater: [au]\n" + C, 6, "antivirus_products[0].helpers.updater",
         "expected the updater helpers' services and processes, got a list"),
        (H + "      updater: {packages: [au]}\n" + C, 6,
         "antivirus_products[0].helpers.updater.packages",
         "unknown key 'packages'; allowed keys: services, processes"),
        (H + "      updater: {processes: []}\n" + C, 6, "antivirus_products[0].helpers.updater",
         "helper role 'updater' names no services or processes"),
        (H + "      updater:\n        services: [au.service]\n" + C, 7,
         "antivirus_products[0].helpers.updater.services[0]",
         "write the unit name without .service: 'au'"),
        (H + "      gui: {processes: [averyveryverylongtray]}\n" + C, 6,
         "antivirus_products[0].helpers.gui.processes[0]",
         "longer than 15 characters; the kernel shows only 'averyveryverylo'"),
        (H + "      updater:\n        processes:\n          - au\n          - ad\n" + C, 9,
         "antivirus_products[0].helpers.updater.processes[1]",
         "'ad' is already listed as an engine (processes)"),
        (H + "      updater: {processes: [au]}\n      gui: {processes: [au]}\n" + C, 7,
         "antivirus_products[0].helpers.gui.processes[0]",
         "'au' is already listed as a helper (helpers.updater.processes)"),
        ("name: x\nantivirus_products:\n  - name: A\n    packages: [a]\n    helpers:\n"
         "      updater: {processes: [au]}\n" + C, 6, "antivirus_products[0].helpers",
         "product 'A' lists helpers but no engine: antivirus.running could never pass for it"),
    ],
)  # fmt: skip
def test_bad_helpers_are_located(
    write_yaml: WriteYaml, catalog: Catalog, text: str, line: int, field: str, phrase: str
) -> None:
    assert_error(write_yaml(text), catalog, line, field, phrase)

"""The fleet step inside a real run (engine.run_audit): recorded collections of three hosts go
through the parser and checks, media.cross_network is decided after all are done, reported to
on_result only then, and waivers apply to it; and the inventory's exchange_media."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from netguard.checks import ALL_CHECKS
from netguard.collect import Collection
from netguard.collect.parse_linux import encode_sections
from netguard.engine import AuditJob, AuditOptions, run_audit
from netguard.errors import InputError
from netguard.inventory import load_inventory
from netguard.inventory.dump import dump_inventory
from netguard.model import (
    ExchangeMedium,
    FindingStatus,
    Host,
    HostResult,
    HostStatus,
    Inventory,
    Segment,
    Zone,
)
from netguard.policy import CheckConfig, Policy
from tests.unit.recordings import NOW, desktop
from tests.unit.recordings_media import DAY, EXCHANGE, KINGSTON, attach, usb_journal

from .conftest import WriteYaml

LAN = Segment("lan", Zone.INTRANET, ipaddress.ip_network("10.20.0.0/24"))
WEB = Segment("web", Zone.INTERNET, ipaddress.ip_network("198.51.100.0/24"))


class Recorded:
    def __init__(self, outputs: dict[str, bytes]) -> None:
        self.outputs = outputs

    def collect(self, host: Host) -> Collection:
        return Collection(HostStatus.AUDITED, stdout=self.outputs[host.name], collected_at=NOW)


def output(*events: tuple[float, list[str]]) -> bytes:
    return encode_sections(desktop(usb_journal=(usb_journal(NOW, *events), 0)))


def policy() -> Policy:
    media = [s for s in ALL_CHECKS if s.id.startswith("media.")]
    configs = tuple(
        CheckConfig(s, s.severity, s.zones, {p.name: p.default for p in s.params}) for s in media
    )
    return Policy("test", "<test>", "0" * 64, "", configs, ())


def test_the_run_decides_cross_network_after_all_hosts_and_reports_it_then() -> None:
    hosts = (
        Host("fin-pc-07", ipaddress.ip_address("10.20.0.17"), "lan"),
        Host("hr-pc-02", ipaddress.ip_address("10.20.0.18"), "lan"),
        Host("web-pc-01", ipaddress.ip_address("198.51.100.7"), "web"),
    )
    inv = Inventory(
        "inv.yaml",
        "",
        {"lan": LAN, "web": WEB},
        hosts,
        exchange_media=(ExchangeMedium(EXCHANGE[4]),),
    )
    coll = Recorded(
        {
            "fin-pc-07": output((NOW - 30 * DAY, attach("2-1", KINGSTON))),
            "hr-pc-02": output((NOW - 3 * DAY, attach("2-1", EXCHANGE))),
            "web-pc-01": output(
                (NOW - 28 * DAY, attach("1-1", KINGSTON)), (NOW - DAY, attach("1-1", EXCHANGE))
            ),
        }
    )
    heard: list[HostResult] = []
    run = run_audit(
        AuditJob(inv, policy(), AuditOptions(workers=2), collector=coll), on_result=heard.append
    )
    got = {
        r.host.name: {f.check: f.status for f in r.findings if f.check == "media.cross_network"}
        for r in run.results
    }
    assert got == {
        "fin-pc-07": {"media.cross_network": FindingStatus.FAIL},
        "hr-pc-02": {"media.cross_network": FindingStatus.PASS},
        "web-pc-01": {"media.cross_network": FindingStatus.NOT_APPLICABLE},
    }
    # on_result heard the decided findings, never the stand-in
    assert {r.host.name: [f.reason for f in r.findings if f.check == "media.cross_network"]
            for r in heard} == {
        "fin-pc-07": ["media.cross_network.crossed"],
        "hr-pc-02": ["media.cross_network.none"],
        "web-pc-01": ["engine.outside_zone"],
    }  # fmt: skip
    (fin,) = (r for r in run.results if r.host.name == "fin-pc-07")
    (f,) = (f for f in fin.findings if f.check == "media.cross_network")
    assert f.evidence["crossed"][0]["other_host"] == "web-pc-01"
    assert f.remediation  # a failing finding carries its remediation like any other


def test_exchange_media_load_and_dump(write_yaml: WriteYaml) -> None:
    path = write_yaml(
        """
        segments: []
        hosts: []
        exchange_media:
          - {serial: 001A4D5F1A2BB0C1E0000042, label: 中转盘-01}
          - serial: '4C530001230714115324'
        """
    )
    inv = load_inventory(path)
    assert inv.exchange_media == (
        ExchangeMedium("001A4D5F1A2BB0C1E0000042", "中转盘-01"),
        ExchangeMedium("4C530001230714115324", ""),
    )
    again = write_yaml(dump_inventory(inv), "again.yaml")
    assert load_inventory(again).exchange_media == inv.exchange_media


@pytest.mark.parametrize(
    ("entry", "line", "field", "phrase"),
    [
        ("- {serial: '000000000000'}", 4, "exchange_media[0].serial", "identifies no single"),
        ("- {serial: 123456}", 4, "exchange_media[0].serial", "quote it"),
        ("- {label: x}", 4, "exchange_media[0].serial", "required key is missing"),
        ("- {serial: AB12, colour: red}", 4, "exchange_media[0].colour", "unknown key"),
        ("- {serial: AB12}\n  - {serial: AB12}", 5, "exchange_media[1].serial", "duplicate"),
    ],
)
def test_bad_exchange_media_are_located(
    write_yaml: WriteYaml, entry: str, line: int, field: str, phrase: str
) -> None:
    path: Path = write_yaml(f"segments: []\nhosts: []\nexchange_media:\n  {entry}\n")
    with pytest.raises(InputError) as exc:
        load_inventory(path)
    err = exc.value
    assert (err.line, err.field) == (line, field), str(err)
    assert phrase in str(err), str(err)

"""The watch list in an audit: derived once per run from the policy's rule files, handed to every
Linux host's collection and to no Windows host; an audit without rule files calls collectors
as it always did; a rule that may not be sent stops the audit before any host is contacted."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import pytest

from netguard.checks import CATALOG
from netguard.collect import Collection
from netguard.collect.parse_linux import encode_sections
from netguard.collect.probe import ProbeRequest
from netguard.engine import AuditJob, AuditOptions, run_audit
from netguard.engine.runner import WATCH_ALLOWED
from netguard.errors import InputError
from netguard.inventory import load_inventory
from netguard.model import Host, HostStatus, Inventory
from netguard.model.watched import WatchList
from netguard.policy import Policy, default_policy_path, load_policy
from netguard.sca.model import RuleKind
from tests.unit.recordings import NOW, desktop
from tests.unit.recordings_windows import windows11
from tests.unit.test_sca_watch import SSHD, SYSCTL, check, rule, rule_file

INVENTORY = """\
segments:
  - {name: lan, zone: intranet, cidr: 10.20.0.0/24, gateway: 10.20.0.1}
hosts:
  - {name: linux-a, address: 10.20.0.10, segment: lan}
  - {name: linux-b, address: 10.20.0.11, segment: lan}
  - {name: win11-pc, address: 10.20.0.21, segment: lan, os: windows}
"""


class Remembering:
    """Recorded outputs; remembers how each host's collection was asked for."""

    def __init__(self) -> None:
        self.calls: dict[str, tuple[ProbeRequest | None, WatchList | None, bool]] = {}
        self.lock = threading.Lock()

    def collect(
        self, host: Host, request: ProbeRequest | None = None, **kw: WatchList | None
    ) -> Collection:
        with self.lock:
            self.calls[host.name] = (request, kw.get("watch"), "watch" in kw)
        out = encode_sections(windows11() if host.os == "windows" else desktop())
        return Collection(HostStatus.AUDITED, "", out, 0, collected_at=NOW)


@pytest.fixture
def inventory(tmp_path: Path) -> Inventory:
    path = tmp_path / "inv.yaml"
    path.write_text(INVENTORY, encoding="utf-8")
    return load_inventory(path)


@pytest.fixture
def policy() -> Policy:
    return load_policy(default_policy_path(), CATALOG)


def test_every_linux_host_gets_the_one_list_and_windows_none(
    inventory: Inventory, policy: Policy
) -> None:
    collector = Remembering()
    kept: dict[str, Collection] = {}
    job = AuditJob(
        inventory,
        replace(policy, rule_files=(SSHD, SYSCTL)),
        AuditOptions(workers=2, commands_allowed_for=frozenset({SYSCTL.path})),
        collector=collector,
        sink=lambda host, coll: kept.__setitem__(host.name, coll),
    )
    run = run_audit(job)
    assert {r.host.name: r.status for r in run.results} == dict.fromkeys(
        ("linux-a", "linux-b", "win11-pc"), HostStatus.AUDITED
    )
    a, b = collector.calls["linux-a"][1], collector.calls["linux-b"][1]
    assert a is not None and a is b  # derived once per run
    assert a.commands == ("sysctl net.ipv4.ip_forward",) and a.commands_allowed
    assert collector.calls["win11-pc"] == (None, None, False)
    # which rule files could run commands: kept with the collection (and in a bundle)
    assert kept["linux-a"].evidence[WATCH_ALLOWED] == [SYSCTL.path]
    assert WATCH_ALLOWED not in kept["win11-pc"].evidence


def test_without_rule_files_the_collectors_are_called_as_ever(
    inventory: Inventory, policy: Policy
) -> None:
    collector = Remembering()
    run_audit(AuditJob(inventory, policy, AuditOptions(workers=2), collector=collector))
    assert set(collector.calls.values()) == {(None, None, False)}


def test_a_rule_that_may_not_be_sent_stops_the_audit_before_any_host(
    inventory: Inventory, policy: Policy
) -> None:
    bad = rule_file("/policies/bad.yml", check("3", rule(RuleKind.FILE, "etc/x")))
    collector = Remembering()
    job = AuditJob(inventory, replace(policy, rule_files=(bad,)), collector=collector)
    started: list[object] = []
    with pytest.raises(InputError, match="not an absolute path"):
        run_audit(job, on_start=started.append)
    assert collector.calls == {} and started == []
    allow_other = AuditJob(
        inventory,
        policy,
        AuditOptions(commands_allowed_for=frozenset({"/policies/x.yml"})),
        collector=collector,
    )
    with pytest.raises(InputError, match="not one of the audit's rule files"):
        run_audit(allow_other)
    assert collector.calls == {}

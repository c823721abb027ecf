"""Windows hosts wired into the audit (issue 14): the SSH transport's exec and stdin by host os,
the runner's guard, parser dispatch and probe behaviour, and replays of Windows collections."""

from __future__ import annotations

import ipaddress
import json
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from netguard.checks import CATALOG
from netguard.collect import REMOTE_COMMAND, Collection, linux_script
from netguard.collect.framing import preamble as boundary_preamble
from netguard.collect.parse_linux import encode_sections
from netguard.collect.probe import ProbeRequest, preamble
from netguard.collect.ssh import remote_exec
from netguard.collect.windows import windows_command, windows_stdin
from netguard.engine import AuditJob, AuditOptions, run_audit
from netguard.engine.runner import PROBE_EVIDENCE, PROBE_UNSENT, ProbePlan
from netguard.evidence import keys
from netguard.evidence.bundle import BundleWriter, manifest_run
from netguard.evidence.reader import open_bundle
from netguard.inventory import load_inventory
from netguard.model import FindingStatus, Host, HostStatus, Inventory
from netguard.policy import default_policy_path, load_policy
from netguard.results import dumps, run_document
from tests.unit.recordings import NOW, recorded
from tests.unit.recordings_probe import PROBE_TOKEN
from tests.unit.recordings_windows import windows10_zh, windows11

INVENTORY = """\
segments:
  - {name: lan, zone: intranet, cidr: 10.20.0.0/24, gateway: 10.20.0.1}
hosts:
  - {name: linux-pc, address: 10.20.0.10, segment: lan}
  - {name: win11-pc, address: 10.20.0.21, segment: lan, os: windows}
  - {name: win10-pc, address: 10.20.0.22, segment: lan, os: windows}
"""
OUTPUTS = {
    "linux-pc": recorded("compliant"),
    "win11-pc": encode_sections(windows11()),
    "win10-pc": encode_sections(windows10_zh()),
}
KEY = bytes(range(32))
REACH = "isolation.reachability"

BOUNDARY = "0123456789abcdef" * 2  # what a transport would choose afresh


class Recorded:
    """Recorded outputs by host name; remembers the request each host was handed."""

    def __init__(self) -> None:
        self.requests: dict[str, ProbeRequest | None] = {}
        self.lock = threading.Lock()

    def collect(self, host: Host, request: ProbeRequest | None = None) -> Collection:
        with self.lock:
            self.requests[host.name] = request
        return Collection(HostStatus.AUDITED, "", OUTPUTS[host.name], 0, collected_at=NOW)


@pytest.fixture
def inventory(tmp_path: Path) -> Inventory:
    path = tmp_path / "inv.yaml"
    path.write_text(INVENTORY, encoding="utf-8")
    return load_inventory(path)


def _host(name: str, os: str = "linux", **kw: Any) -> Host:
    return Host(name, ipaddress.ip_address("10.20.0.9"), "lan", os=os, **kw)


def _by_check(result: Any) -> dict[str, Any]:
    return {f.check: f for f in result.findings}


# -- the transport --------------------------------------------------------------------------------


def test_a_windows_host_gets_the_powershell_command_and_the_script_on_stdin() -> None:
    assert remote_exec(_host("w", "windows")) == (windows_command(), windows_stdin())
    # nothing before the script: the bootstrap hashes all of stdin
    assert remote_exec(_host("w", "windows"))[1].startswith(b"# ")  # the script's own first line


def test_a_linux_host_keeps_sh_and_its_probe_line() -> None:
    request = ProbeRequest(PROBE_TOKEN, (("192.0.2.7", 80),))
    first = boundary_preamble(BOUNDARY)
    assert remote_exec(_host("l"), boundary=BOUNDARY) == (REMOTE_COMMAND, first + linux_script())
    assert remote_exec(_host("l"), request, boundary=BOUNDARY) == (
        REMOTE_COMMAND,
        first + preamble(request) + linux_script(),
    )


def test_a_probe_request_for_a_windows_host_is_refused_before_any_connection() -> None:
    request = ProbeRequest(PROBE_TOKEN, (("192.0.2.7", 80),))
    with pytest.raises(ValueError, match="not implemented for Windows"):
        remote_exec(_host("w", "windows"), request)


# -- the runner -----------------------------------------------------------------------------------


def test_windows_hosts_are_audited_and_parsed_as_windows(inventory: Inventory) -> None:
    policy = load_policy(default_policy_path(), CATALOG)
    run = run_audit(AuditJob(inventory, policy, collector=Recorded()))
    linux, win11, win10 = run.results
    assert [r.status for r in run.results] == [HostStatus.AUDITED] * 3
    # the Windows-only rules decided them: no crypt(3) hash, no uid 0
    for r in (win11, win10):
        f = _by_check(r)
        assert f["password.hash"].status is FindingStatus.NOT_APPLICABLE
        assert f["accounts.uid0"].reason == "accounts_windows.no_uid0"
    assert _by_check(linux)["password.hash"].status is FindingStatus.PASS
    assert _by_check(win11)["antivirus.running"].status is FindingStatus.PASS
    failing = {c for c, f in _by_check(win10).items() if f.status is FindingStatus.FAIL}
    assert {"password.max_age", "password.age", "isolation.wireless"} <= failing
    # without a probe: not applicable, and on Windows the reason says the probe is not there
    assert _by_check(linux)[REACH].reason == "isolation.reachability.not_requested"
    reach = _by_check(win11)[REACH]
    assert reach.status is FindingStatus.NOT_APPLICABLE
    assert reach.reason == "isolation_windows.probe_not_requested"
    assert "not implemented for Windows" in reach.message


def test_a_probe_is_never_sent_from_windows_and_the_check_stays_undecided(
    inventory: Inventory,
) -> None:
    policy = load_policy(default_policy_path(), CATALOG)
    rec = Recorded()
    kept: dict[str, Collection] = {}
    plan = ProbePlan((("192.0.2.7", 80),), KEY)
    run = run_audit(
        AuditJob(
            inventory, policy, collector=rec, probe=plan,
            sink=lambda host, coll: kept.__setitem__(host.name, coll),
        )
    )  # fmt: skip
    assert rec.requests["linux-pc"] is not None
    assert rec.requests["win11-pc"] is None and rec.requests["win10-pc"] is None
    assert PROBE_EVIDENCE in kept["linux-pc"].evidence
    assert kept["win11-pc"].evidence == {PROBE_UNSENT: "windows"}
    for r in run.results[1:]:
        reach = _by_check(r)[REACH]
        assert reach.status is FindingStatus.ERROR, reach  # never a pass, nor "not requested"
        assert reach.reason == "isolation_windows.probe_unsent"
        assert "none was sent" in reach.message
    # the stock Windows 11 PC is undecided, not compliant: the office asked for the probe
    assert run.results[1].verdict.value == "unknown"


def test_windows_over_the_local_transport_and_unknown_systems_are_not_audited(
    inventory: Inventory,
) -> None:
    policy = load_policy(default_policy_path(), CATALOG)
    local = _host("win-local", "windows", transport="local")
    other = _host("mac-pc", "macos")
    inv = Inventory(inventory.path, "", inventory.segments, (local, other))
    rec = Recorded()
    run = run_audit(AuditJob(inv, policy, collector=rec))
    assert rec.requests == {}  # neither was contacted
    (a, b) = run.results
    assert (a.status, a.detail_reason, a.findings) == (HostStatus.ERROR, "windows_local", ())
    assert "audited over SSH only" in a.detail
    assert (b.status, b.detail_reason, b.detail_args) == (
        HostStatus.ERROR, "no_collector_os", {"os": "macos"},
    )  # fmt: skip


def test_a_refused_script_is_unusable_output_never_a_pass(inventory: Inventory) -> None:
    """What the host sends when its bootstrap refuses stdin: nothing on stdout, exit 3."""

    class Refused:
        def collect(self, host: Host, request: ProbeRequest | None = None) -> Collection:
            return Collection(HostStatus.AUDITED, "", b"", 3, collected_at=NOW)

    policy = load_policy(default_policy_path(), CATALOG)
    run = run_audit(AuditJob(inventory, policy, collector=Refused()))
    assert {(r.status, r.detail_reason) for r in run.results} == {
        (HostStatus.ERROR, "unusable_output")
    }
    assert all(r.findings == () for r in run.results)


def test_a_bundle_replays_windows_hosts_through_the_windows_parser(
    inventory: Inventory, tmp_path: Path
) -> None:
    policy = load_policy(default_policy_path(), CATALOG)
    writer = BundleWriter(tmp_path / "bundle")
    plan = ProbePlan((("192.0.2.7", 80),), KEY)
    run = run_audit(
        AuditJob(inventory, policy, today=date(2026, 11, 23), collector=Recorded(), probe=plan,
                 sink=writer.collect_sink, options=AuditOptions(workers=2))
    )  # fmt: skip
    writer.add_run(run, dumps(run_document(run)))
    writer.seal(manifest_run(run), keys.generate("inspector"), "inspector")
    b = open_bundle(tmp_path / "bundle")
    replayed = run_audit(
        AuditJob(
            load_inventory(b.inventory), load_policy(b.policy, CATALOG),
            today=date.fromisoformat(b.run["today"]), collector=b.collector(),
        )
    )  # fmt: skip

    def verdicts(doc: dict[str, Any]) -> list[Any]:
        return [
            (h["name"], h["status"], [(f["check"], f["status"], f["message"]) for f in
                                      h["findings"]])
            for h in doc["hosts"]
        ]  # fmt: skip

    original = json.loads(dumps(run_document(run)))
    assert verdicts(json.loads(dumps(run_document(replayed)))) == verdicts(original)
    # the replay knew the probe was meant for the Windows hosts and not sent
    win = {f["check"]: f for f in original["hosts"][1]["findings"]}
    assert win[REACH]["status"] == "error"

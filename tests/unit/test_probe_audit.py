"""The 违规外联 probe in an audit: the engine's one token per host (run id, host name, run start),
handed to the transport only for hosts in the probe zones; the local transport's preamble; and
the command line's up-front validation of --probe and --probe-key."""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
from pathlib import Path

import pytest

from netguard.checks import CATALOG
from netguard.cli.main import main
from netguard.cli.probe import parse_targets
from netguard.collect import Collection
from netguard.collect.local import collect_local
from netguard.collect.parse_linux import encode_sections, parse_linux
from netguard.collect.probe import ProbeRequest
from netguard.engine import AuditJob, run_audit
from netguard.engine.evaluate import evaluate
from netguard.engine.runner import PROBE_EVIDENCE, ProbePlan
from netguard.errors import ExitStatus, InputError
from netguard.inventory import load_inventory, local_inventory
from netguard.model import Finding, FindingStatus, Host, HostStatus, Severity, Zone
from netguard.policy import default_policy_path, load_policy
from netguard.probe import token as tk
from tests.unit.recordings import NOW, desktop, recorded
from tests.unit.recordings_probe import PROBE_SECTIONS, PROBE_TOKEN, attempt, probe_section
from tests.unit.test_checks import SEGMENTS

KEY = bytes(range(32))
INVENTORY = """\
segments:
  - {name: lan, zone: intranet, cidr: 10.20.0.0/24, gateway: 10.20.0.1}
  - {name: vault, zone: classified, cidr: 10.30.0.0/24, gateway: 10.30.0.1}
  - {name: web, zone: internet, cidr: 198.51.100.0/24, gateway: 198.51.100.1}
hosts:
  - {name: lan-pc, address: 10.20.0.10, segment: lan}
  - {name: vault-pc, address: 10.30.0.10, segment: vault}
  - {name: web-pc, address: 198.51.100.10, segment: web}
"""


class Recording:
    """A transport that remembers the request each host was handed."""

    def __init__(self) -> None:
        self.requests: dict[str, ProbeRequest | None] = {}
        self.lock = threading.Lock()

    def collect(self, host: Host, request: ProbeRequest | None = None) -> Collection:
        with self.lock:
            self.requests[host.name] = request
        return Collection(HostStatus.AUDITED, "", recorded("compliant"), 0, collected_at=NOW)


class OneArgument:
    """A transport written before probes: collect(host) only."""

    def collect(self, host: Host) -> Collection:
        return Collection(HostStatus.AUDITED, "", recorded("compliant"), 0, collected_at=NOW)


@pytest.fixture
def inv_path(tmp_path: Path) -> Path:
    p = tmp_path / "inv.yaml"
    p.write_text(INVENTORY, encoding="utf-8")
    return p


def test_one_token_per_host_in_the_probe_zones(inv_path: Path) -> None:
    rec = Recording()
    targets = (("192.0.2.7", 80), ("192.0.2.8", 53))
    job = AuditJob(
        inventory=load_inventory(str(inv_path)),
        policy=load_policy(default_policy_path(), CATALOG),
        collector=rec,
        probe=ProbePlan(targets, KEY),
    )
    run = run_audit(job)
    assert set(rec.requests) == {"lan-pc", "vault-pc", "web-pc"}
    assert rec.requests["web-pc"] is None
    start = int(run.started.timestamp())
    for name in ("lan-pc", "vault-pc"):
        req = rec.requests[name]
        assert req is not None
        assert req.targets == targets
        assert req.token == str(tk.make(KEY, run.id, name, start))
        hosts = ["lan-pc", "vault-pc", "web-pc"]
        assert tk.verify(req.token, KEY, run_id=run.id, hosts=hosts, arrived_at=start) == name
    assert rec.requests["lan-pc"] != rec.requests["vault-pc"]


def test_zones_of_the_plan_decide(inv_path: Path) -> None:
    rec = Recording()
    plan = ProbePlan((("192.0.2.7", 80),), KEY, frozenset({Zone.CLASSIFIED}))
    inventory = load_inventory(str(inv_path))
    policy = load_policy(default_policy_path(), CATALOG)
    run_audit(AuditJob(inventory=inventory, policy=policy, collector=rec, probe=plan))
    assert {n for n, r in rec.requests.items() if r is not None} == {"vault-pc"}


def test_without_a_plan_no_request_and_old_collectors_still_work(inv_path: Path) -> None:
    inventory = load_inventory(str(inv_path))
    policy = load_policy(default_policy_path(), CATALOG)
    rec = Recording()
    run_audit(AuditJob(inventory=inventory, policy=policy, collector=rec))
    assert rec.requests == {"lan-pc": None, "vault-pc": None, "web-pc": None}
    run = run_audit(AuditJob(inventory=inventory, policy=policy, collector=OneArgument()))
    assert {r.status for r in run.results} == {HostStatus.AUDITED}


def test_local_transport_sends_the_preamble() -> None:
    """The whole script on this machine with a probe to a closed loopback port: refused."""
    spare = socket.socket()
    spare.bind(("127.0.0.1", 0))
    port = spare.getsockname()[1]
    spare.close()
    token = str(tk.make(KEY, "run1", "me", 1_800_000_000))
    host = local_inventory().hosts[0]
    coll = collect_local(host, ProbeRequest(token, (("127.0.0.1", port),)))
    assert coll.status is HostStatus.AUDITED
    probe = parse_linux(coll.stdout, now=coll.collected_at).probe
    assert probe is not None
    assert (probe.requested, probe.token) == (True, token)
    assert [(a.ip, a.port, a.outcome) for a in probe.attempts] == [("127.0.0.1", port, "refused")]


def test_parse_targets() -> None:
    assert parse_targets("192.0.2.7:80, [2001:db8::1]:443,192.0.2.7:80") == (
        ("192.0.2.7", 80),
        ("2001:db8::1", 443),
    )
    for bad in ("example.com:80", "192.0.2.7", "192.0.2.7:0", "192.0.2.7:70000", "2001:db8::1:80"):
        with pytest.raises(InputError, match="is not IP:PORT"):
            parse_targets(bad)
    with pytest.raises(InputError, match="at most 8"):
        parse_targets(",".join(f"192.0.2.{i}:80" for i in range(1, 10)))


def _key(tmp_path: Path) -> Path:
    p = tmp_path / "probe.key"
    tk.write_key(p)
    return p


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--probe", "192.0.2.7:80"], "--probe: --probe needs --probe-key"),
        (["--probe-key", "KEY"], "--probe-key: --probe-key without --probe"),
        (["--probe", "www:80", "--probe-key", "KEY"], "--probe: 'www:80' is not IP:PORT"),
    ],
)
def test_audit_refuses_bad_probe_options_up_front(
    tmp_path: Path,
    inv_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    key = str(_key(tmp_path))
    argv = ["audit", str(inv_path), "--no-history", "-q"] + [
        key if a == "KEY" else a for a in extra
    ]
    assert main(argv) == ExitStatus.BAD_INPUT
    assert message in capsys.readouterr().err


def test_audit_refuses_a_key_others_can_read(
    tmp_path: Path, inv_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = _key(tmp_path)
    os.chmod(key, 0o644)
    argv = ["audit", str(inv_path), "--no-history", "--probe", "192.0.2.7:80"]
    assert main([*argv, "--probe-key", str(key)]) == ExitStatus.BAD_INPUT
    assert "probe key is readable by others" in capsys.readouterr().err


def test_replay_refuses_probe(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = str(_key(tmp_path))
    argv = ["audit", "--replay", str(tmp_path / "b"), "--probe", "192.0.2.7:80"]
    assert main([*argv, "--probe-key", key]) == ExitStatus.BAD_INPUT
    assert "--probe: a replay sends no probe" in capsys.readouterr().err


# --- isolation.reachability ------------------------------------------------------------------


def _reachability(section: str | None, token: str | None) -> Finding:
    sections = desktop() if section is None else desktop(probe=(section, 0))
    if section is None:
        del sections["probe"]  # a bundle recorded before the probe section existed
    facts = parse_linux(encode_sections(sections), now=NOW)
    policy = load_policy(default_policy_path(), CATALOG)
    host = Host("lan-pc", ipaddress.ip_address("10.20.0.17"), "county-intranet")
    found = evaluate(facts, host, SEGMENTS, policy, token)
    return next(f for f in found if f.check == "isolation.reachability")


@pytest.mark.parametrize(
    ("scenario", "status", "reason"),
    [
        ("probe-connected", FindingStatus.FAIL, "isolation.reachability.connected"),
        ("probe-sent", FindingStatus.PASS, "isolation.reachability.sent"),
        ("probe-partly-sent", FindingStatus.PASS, "isolation.reachability.sent"),
        ("probe-not-sent", FindingStatus.ERROR, "isolation.reachability.not_sent"),
        ("probe-not-done", FindingStatus.ERROR, "isolation.reachability.mismatch"),
        ("probe-other-token", FindingStatus.ERROR, "isolation.reachability.mismatch"),
    ],
)
def test_reachability_verdicts(scenario: str, status: FindingStatus, reason: str) -> None:
    f = _reachability(PROBE_SECTIONS[scenario], PROBE_TOKEN)
    assert (f.status, f.reason, f.severity) == (status, reason, Severity.CRITICAL)


def test_reachability_names_target_method_and_time() -> None:
    f = _reachability(PROBE_SECTIONS["probe-connected"], PROBE_TOKEN)
    assert f.message == (
        "the probe connected to the internet side: "
        "192.0.2.7:80 by bash: connected at 2027-01-15T08:00:10+00:00"
    )
    assert f.evidence == {
        "token": PROBE_TOKEN,
        "attempts": [
            {
                "target": "192.0.2.7:80",
                "method": "bash",
                "outcome": "connected",
                "sent_at": "2027-01-15T08:00:10+00:00",
            },
            {
                "target": "[2001:db8::7]:443",
                "method": "curl",
                "outcome": "refused",
                "sent_at": "2027-01-15T08:00:11+00:00",
            },
        ],
    }
    sent = _reachability(PROBE_SECTIONS["probe-sent"], PROBE_TOKEN)
    assert sent.message == (
        "sent, not connected; arrivals decide: 192.0.2.7:80 by bash: refused at "
        "2027-01-15T08:00:10+00:00; 192.0.2.8:53 by bash: timed out at 2027-01-15T08:00:13+00:00"
    )
    not_sent = _reachability(PROBE_SECTIONS["probe-not-sent"], PROBE_TOKEN)
    assert not_sent.message == (
        "the probe could not be sent: 192.0.2.7:80 by none: not sent (no tool); "
        "192.0.2.8:53 by curl: failed"
    )


def test_reachability_without_a_request_is_not_applicable_whatever_the_output_says() -> None:
    for section in (PROBE_SECTIONS["probe-connected"], "requested=0", None):
        f = _reachability(section, None)
        assert (f.status, f.message) == (FindingStatus.NOT_APPLICABLE, "no probe was requested")


def test_reachability_requested_but_section_missing_cannot_be_decided() -> None:
    f = _reachability(None, PROBE_TOKEN)
    assert (f.status, f.reason) == (FindingStatus.ERROR, "engine.fact_missing")


class Answering:
    """A transport whose hosts answer the request they were given (connected for lan-pc)."""

    def collect(self, host: Host, request: ProbeRequest | None = None) -> Collection:
        if request is None:
            out = encode_sections(desktop())
        else:
            outcome = "connected" if host.name == "lan-pc" else "refused"
            lines = [attempt(ip, port, "bash", outcome, 1800000010) for ip, port in request.targets]
            out = encode_sections(desktop(probe=(probe_section(*lines, token=request.token), 0)))
        return Collection(HostStatus.AUDITED, "", out, 0, collected_at=NOW)


def test_audit_with_probe_judges_each_host_by_its_own_token(inv_path: Path) -> None:
    kept: dict[str, Collection] = {}
    job = AuditJob(
        inventory=load_inventory(str(inv_path)),
        policy=load_policy(default_policy_path(), CATALOG),
        collector=Answering(),
        sink=lambda host, coll: kept.__setitem__(host.name, coll),
        probe=ProbePlan((("192.0.2.7", 80),), KEY),
    )
    run = run_audit(job)
    got = {
        r.host.name: next(f.status for f in r.findings if f.check == "isolation.reachability")
        for r in run.results
    }
    assert got == {
        "lan-pc": FindingStatus.FAIL,
        "vault-pc": FindingStatus.PASS,
        "web-pc": FindingStatus.NOT_APPLICABLE,
    }
    # the request is kept with the collection: a replay of it judges the same
    start = int(run.started.timestamp())
    assert kept["lan-pc"].evidence == {PROBE_EVIDENCE: str(tk.make(KEY, run.id, "lan-pc", start))}
    assert kept["web-pc"].evidence == {}

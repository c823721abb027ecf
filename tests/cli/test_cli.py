"""The command line: exit codes, bad input, output files, the embedded default."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from netguard.cli import main
from tests.cli.runner import run_cli

ROOT = Path(__file__).resolve().parents[2]


def test_audit_without_inventory_audits_this_machine(tmp_path: Path) -> None:
    out = tmp_path / "local.json"
    proc = run_cli("audit", "--format", "json", "-o", str(out), "-q")
    assert proc.returncode in (0, 1, 3), proc.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["schema"] == "netguard.results/1"
    (host,) = doc["hosts"]
    assert host["status"] == "audited", host["detail"]
    checks = {f["check"]: f for f in host["findings"]}
    assert "password.max_age" in checks and "antivirus.installed" in checks
    # The exit code follows the findings.
    statuses = {f["status"] for f in host["findings"]}
    expected = 1 if "fail" in statuses else 3 if "error" in statuses else 0
    assert proc.returncode == expected


def test_this_machines_ipv6_addressing_causes_no_isolation_finding(tmp_path: Path) -> None:
    """The first local audit of the machine the tests run on (the CI machine is dual-stack:
    an IPv4 and an IPv6 address, a default route in each family): the derived segment holds
    both families, so neither its addresses nor its two default routes are findings."""
    import ipaddress

    import psutil

    v6 = {
        ipaddress.ip_address(a.address.split("%")[0])
        for addrs in psutil.net_if_addrs().values()
        for a in addrs
        if a.family.name == "AF_INET6"
    }
    routable = {a for a in v6 if not (a.is_link_local or a.is_loopback)}
    out = tmp_path / "local.json"
    run_cli("audit", "--format", "json", "-o", str(out), "-q")
    (host,) = json.loads(out.read_text(encoding="utf-8"))["hosts"]
    checks = {f["check"]: f for f in host["findings"]}
    network = ("isolation.addresses", "isolation.multi_homed", "isolation.default_route")
    for check in network:
        f = checks[check]
        said = f["message"] + json.dumps(f["evidence"])
        if f["status"] == "fail":  # another cause may fail it, never an address of ours
            assert not [a for a in routable if str(a) in said] and "IPv6" not in said, f
    if routable:  # a dual-stack machine: its IPv6 addresses are inside the derived segment
        assert checks["isolation.addresses"]["status"] == "pass", checks["isolation.addresses"]


def test_missing_inventory_is_bad_input_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    out.write_text("earlier results\n")
    proc = run_cli("audit", str(tmp_path / "nope.yaml"), "--format", "json", "-o", str(out))
    assert proc.returncode == 2
    assert "nope.yaml" in proc.stderr
    assert out.read_text() == "earlier results\n"  # earlier results intact


def test_bad_inventory_names_file_line_and_field(tmp_path: Path) -> None:
    inv = tmp_path / "bad.yaml"
    inv.write_text(
        "segments:\n"
        "  - {name: lan, zone: intranet, cidr: 10.20.0.0/24, gateway: 10.20.0.1}\n"
        "hosts:\n"
        "  - name: pc1\n"
        "    address: 10.30.0.5\n"
        "    segment: lan\n",
        encoding="utf-8",
    )
    proc = run_cli("inventory", "check", str(inv))
    assert proc.returncode == 2
    assert f"{inv}:5" in proc.stderr and "hosts[0].address" in proc.stderr
    assert "10.20.0.0/24" in proc.stderr


def test_inventory_check_accepts_the_documented_example() -> None:
    proc = run_cli("inventory", "check", "inventory/example.yaml")
    assert proc.returncode == 0, proc.stderr
    assert "OK" in proc.stdout


def test_shipped_policies_are_valid() -> None:
    for pack in sorted((ROOT / "policies").glob("*.yaml")):
        proc = run_cli("policy", "check", str(pack))
        assert proc.returncode == 0, (pack, proc.stderr)


def test_unknown_check_in_policy_is_rejected(tmp_path: Path) -> None:
    pol = tmp_path / "p.yaml"
    pol.write_text("name: x\nchecks:\n  password.maxage: {}\n", encoding="utf-8")
    proc = run_cli("audit", "-p", str(pol))
    assert proc.returncode == 2
    assert f"{pol}:3" in proc.stderr and "password.max_age" in proc.stderr  # suggestion


def test_missing_known_hosts_is_refused_before_contacting_anyone(tmp_path: Path) -> None:
    key = tmp_path / "id"
    key.write_text("not really a key\n")
    inv = tmp_path / "inv.yaml"
    inv.write_text(
        "segments:\n  - {name: lan, zone: intranet, cidr: 10.20.0.0/24, gateway: 10.20.0.1}\n"
        f"defaults:\n  ssh: {{identity_file: {key}, known_hosts: {tmp_path / 'kh'}}}\n"
        "hosts:\n  - {name: pc1, address: 10.20.0.5, segment: lan}\n",
        encoding="utf-8",
    )
    proc = run_cli("audit", str(inv))
    assert proc.returncode == 2
    assert "known_hosts" in proc.stderr and "--accept-new-hostkeys" in proc.stderr


def test_empty_fleet_is_compliant_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inv = tmp_path / "empty.yaml"
    inv.write_text("segments: []\nhosts: []\n", encoding="utf-8")
    assert main(["audit", str(inv), "--format", "json", "-q"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["hosts"] == [] and doc["summary"]["hosts"] == 0


def test_workers_is_auto_or_a_number() -> None:
    from netguard.cli.options import workers

    assert workers("auto") is None and workers(" AUTO ") is None
    assert workers("12") == 12
    with pytest.raises(argparse.ArgumentTypeError, match="at least 1"):
        workers("0")


def test_usage_error_is_exit_2() -> None:
    assert run_cli("audit", "--workers", "0").returncode == 2
    assert run_cli("audit", "--workers", "many").returncode == 2
    assert run_cli("frobnicate").returncode == 2


def test_checks_lists_the_catalog() -> None:
    proc = run_cli("checks")
    assert proc.returncode == 0
    assert "isolation.wireless" in proc.stdout and "max_age_days=7" in proc.stdout

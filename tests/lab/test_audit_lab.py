"""The real audit against the lab of real machines: each scenario classified exactly."""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import pytest

PASSING_CHECKS = {
    "antivirus.installed",
    "antivirus.running",
    "antivirus.signatures",
    "password.max_age",
    "password.age",
    # issue 11: no lab machine has an empty password, a weak hash ($6$ only) or a second root
    "password.empty",
    "password.hash",
    "accounts.uid0",
    "isolation.addresses",
    "isolation.multi_homed",
    "isolation.default_route",
    "isolation.forwarding",
    "isolation.bridge",
    "isolation.tunnel",
    "isolation.wireless",
    # the machines keep no radio profiles, leases or modem lines; the kernel log is readable
    "isolation.history",
    # issue 12: every machine's kern.log reaches back 120 days; sticks only where a test says
    "media.history",
    "media.cross_network",
}

# host → (status, failing checks). Every other check of an audited host must pass.
EXPECTED: dict[str, tuple[str, set[str]]] = {
    "ok-pc": ("audited", set()),
    "dual-pc": ("audited", {"isolation.addresses", "isolation.multi_homed"}),
    "route-pc": ("audited", {"isolation.default_route"}),
    "radio-pc": ("audited", {"isolation.wireless"}),
    "fwd-pc": ("audited", {"isolation.forwarding"}),
    "stale-av": ("audited", {"antivirus.signatures"}),
    "no-av": ("audited", {"antivirus.installed", "antivirus.running", "antivirus.signatures"}),
    "pw-expired": ("audited", {"password.age"}),
    "pw-norotate": ("audited", {"password.max_age"}),
    "hang-pc": ("timeout", set()),
    "down-pc": ("unreachable", set()),
    "rekeyed-pc": ("hostkey_mismatch", {"ssh.hostkey"}),
    "newkey-pc": ("hostkey_unknown", set()),
    "inet-pc": ("audited", set()),
    "bridge-pc": ("audited", {"isolation.bridge"}),
    "vpn-pc": ("audited", {"isolation.default_route", "isolation.tunnel"}),
    "table-pc": ("audited", {"isolation.default_route"}),
    "dual6-pc": ("audited", set()),
    "ra6-pc": ("audited", {"isolation.default_route"}),
    # issue 11: locked and key-only accounts are not subject to rotation
    "svc-pc": ("audited", set()),
    "pw-empty": ("audited", {"password.empty"}),
    "pw-md5": ("audited", {"password.hash"}),
    "toor-pc": ("audited", {"accounts.uid0"}),
    "updater-pc": ("audited", {"antivirus.running"}),  # freshclam runs, nothing scans
    "wifi-hist-pc": ("audited", {"isolation.history"}),
    "lease-hist-pc": ("audited", {"isolation.history"}),
    # issue 12: a stick seen here and on the internet machine; the registered exchange stick
    "usb-pc": ("audited", {"media.cross_network"}),
    "xfer-pc": ("audited", set()),
    "nolog-pc": ("audited", set()),  # undecided, never compliant: see UNDECIDED
}
#: host → the checks that could not decide (every other host: none)
UNDECIDED: dict[str, set[str]] = {"nolog-pc": {"media.history", "media.cross_network"}}
#: host → the checks that do not apply to it, besides NO_PROBE (every other host: none)
NOT_APPLICABLE: dict[str, set[str]] = {}
#: this audit requests no probe: isolation.reachability is not applicable on every host
NO_PROBE = {"isolation.reachability"}
INTERNET_NOT_APPLICABLE = {
    "isolation.addresses",
    "isolation.default_route",
    "isolation.forwarding",
    "isolation.bridge",
    "isolation.tunnel",
    "isolation.wireless",
    "isolation.history",
}
NOT_APPLICABLE["inet-pc"] = INTERNET_NOT_APPLICABLE | {"media.cross_network"}
#: the baseline requires storage blocked on classified machines only, and the lab has none
LAB_NOT_APPLICABLE = {"media.blocked"}
# an empty password is no hash to judge, and root is locked: password.hash has nothing to say
NOT_APPLICABLE["pw-empty"] = {"password.hash"}


def audit(lab: Any, inventory: Path, out: Path, *extra: str) -> tuple[int, dict[str, Any], float]:
    start = time.monotonic()
    proc = lab.run_in_auditor(
        [
            sys.executable,  # the interpreter running the tests, with its netguard
            "-m",
            "netguard",
            "audit",
            str(inventory),
            "--format",
            "json",
            "-o",
            str(out),
            "-q",
            "--workers",
            "16",
            *extra,
        ],
        timeout=180,
    )
    elapsed = time.monotonic() - start
    assert out.exists(), proc.stderr
    return proc.returncode, json.loads(out.read_text(encoding="utf-8")), elapsed


@pytest.fixture(scope="module")
def first_audit(
    office_lab: Any, tmp_path_factory: pytest.TempPathFactory
) -> tuple[int, dict[str, dict[str, Any]], float]:
    out = tmp_path_factory.mktemp("audit") / "results.json"
    code, doc, elapsed = audit(office_lab.lab, office_lab.inventory_path, out)
    print(f"\nlab audit of {len(doc['hosts'])} hosts took {elapsed:.2f} s")
    return code, {h["name"]: h for h in doc["hosts"]}, elapsed


def test_every_scenario_is_in_the_lab(first_audit) -> None:
    _, hosts, _ = first_audit
    assert set(hosts) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_scenario_classified(first_audit, name: str) -> None:
    _, hosts, _ = first_audit
    status, failing = EXPECTED[name]
    h = hosts[name]
    assert h["status"] == status, h["detail"]
    got_fail = {f["check"] for f in h["findings"] if f["status"] == "fail"}
    assert got_fail == failing, [f["message"] for f in h["findings"]]
    errors = {f["check"] for f in h["findings"] if f["status"] == "error"}
    assert errors == UNDECIDED.get(name, set()), h["findings"]
    if status == "audited":
        n_a = {f["check"] for f in h["findings"] if f["status"] == "not_applicable"}
        assert n_a == NOT_APPLICABLE.get(name, set()) | LAB_NOT_APPLICABLE | NO_PROBE
        passed = {f["check"] for f in h["findings"] if f["status"] == "pass"}
        assert passed == PASSING_CHECKS - failing - n_a - errors
    elif status != "hostkey_mismatch":
        assert h["findings"] == []  # unknown, never compliant


def test_exit_code_says_failures(first_audit) -> None:
    assert first_audit[0] == 1


def test_evidence_names_what_was_seen(first_audit) -> None:
    _, hosts, _ = first_audit
    (wireless,) = [f for f in hosts["radio-pc"]["findings"] if f["check"] == "isolation.wireless"]
    radios = {r["device"]: r["signals"] for r in wireless["evidence"]["radios"]}
    assert "name wlan*" in radios["wlan0"] and "name wwan*" in radios["wwan0"]
    (dual,) = [f for f in hosts["dual-pc"]["findings"] if f["check"] == "isolation.multi_homed"]
    assert dual["evidence"]["crosses_isolation"] is True
    assert "198.51.100.12/24" in dual["message"]
    (route,) = [f for f in hosts["route-pc"]["findings"] if f["check"] == "isolation.default_route"]
    assert "10.20.0.254" in route["message"]
    (sig,) = [f for f in hosts["stale-av"]["findings"] if f["check"] == "antivirus.signatures"]
    assert 39 <= sig["evidence"]["age_days"] <= 41
    assert sig["evidence"]["date_source"] == "header"
    (run,) = [f for f in hosts["ok-pc"]["findings"] if f["check"] == "antivirus.running"]
    assert "process table" in run["evidence"]["signal"]  # no systemd in a namespace: says so
    (pw,) = [f for f in hosts["pw-expired"]["findings"] if f["check"] == "password.age"]
    assert "zhangwei (200 days ago)" in pw["message"]
    (key,) = hosts["rekeyed-pc"]["findings"]
    assert key["severity"] == "critical"
    assert key["evidence"]["offered_fingerprint"].startswith("SHA256:")
    assert key["evidence"]["offered_fingerprint"] not in key["evidence"]["known_keys"].values()


def _finding(hosts: dict[str, Any], host: str, check: str) -> dict[str, Any]:
    (f,) = [f for f in hosts[host]["findings"] if f["check"] == check]
    return f


def test_network_evidence_from_real_kernel_objects(first_audit) -> None:
    _, hosts, _ = first_audit
    bridge = _finding(hosts, "bridge-pc", "isolation.bridge")
    assert bridge["evidence"]["bridges"][0]["counted"] == ["lan0", "lan1"], bridge
    tunnel = _finding(hosts, "vpn-pc", "isolation.tunnel")
    assert tunnel["evidence"]["tunnel_routes"] == [
        {"route": "0.0.0.0/1 + 128.0.0.0/1 dev tun0", "device": "tun0", "kind": "tun"}
    ]
    table = _finding(hosts, "table-pc", "isolation.default_route")
    assert "default via 10.20.0.254 dev eth0 table 51820" in table["evidence"]["default_routes"]
    dual = _finding(hosts, "dual6-pc", "isolation.default_route")
    assert dual["message"] == "default routes via the registered gateways 10.20.0.1, 2001:db8:20::1"
    ra = _finding(hosts, "ra6-pc", "isolation.default_route")
    assert "router advertisement by fe80::bad:1" in ra["message"], ra["message"]


def test_accounts_updater_and_history_from_real_machines(first_audit) -> None:
    _, hosts, _ = first_audit
    svc = _finding(hosts, "svc-pc", "password.age")
    locked = {a["account"] for a in svc["evidence"]["not_considered"]}
    assert {"postgres", "deploy", "root"} <= locked, svc["evidence"]
    empty = _finding(hosts, "pw-empty", "password.empty")
    assert "dengchao" in empty["message"], empty["message"]
    md5 = _finding(hosts, "pw-md5", "password.hash")
    assert "fengjing" in md5["message"] and "md5crypt" in md5["message"], md5["message"]
    uid0 = _finding(hosts, "toor-pc", "accounts.uid0")
    assert "toor" in uid0["message"], uid0["message"]
    running = _finding(hosts, "updater-pc", "antivirus.running")
    assert "freshclam" in running["message"] and "clamd" in running["message"], running
    wifi = _finding(hosts, "wifi-hist-pc", "isolation.history")
    assert "HUAWEI-P40" in wifi["message"], wifi["message"]
    lease = _finding(hosts, "lease-hist-pc", "isolation.history")
    assert "192.168.43.27" in lease["message"], lease["message"]
    # the profile's Wi-Fi key stayed on the machine: nowhere in the results
    assert "lab-psk-never-leaves" not in json.dumps(hosts, ensure_ascii=False)


def test_removable_media_across_networks(first_audit) -> None:
    _, hosts, _ = first_audit
    cross = _finding(hosts, "usb-pc", "media.cross_network")
    assert "inet-pc" in cross["message"] and "60A44C413A8CF1B0B9A10080" in cross["message"], cross
    xfer = _finding(hosts, "xfer-pc", "media.cross_network")
    assert xfer["status"] == "pass", xfer
    nolog = _finding(hosts, "nolog-pc", "media.history")
    assert nolog["status"] == "error" and "kern.log" in nolog["message"], nolog


def test_hung_host_does_not_hold_up_the_audit(first_audit) -> None:
    # Classified as a handshake time-out (its own 3 s limit fired), while the others completed.
    _, hosts, _ = first_audit
    assert "no SSH handshake within 3 s" in hosts["hang-pc"]["detail"]


def test_accept_new_records_unknown_keys_but_never_changed_ones(
    office_lab: Any, tmp_path: Path
) -> None:
    kh = tmp_path / "known_hosts"
    shutil.copy(office_lab.lab.known_hosts_path, kh)
    inv = tmp_path / "inventory.yaml"
    text = Path(office_lab.inventory_path).read_text(encoding="utf-8")
    inv.write_text(text.replace(str(office_lab.lab.known_hosts_path), str(kh)), encoding="utf-8")
    before = kh.read_text()
    _, doc, _ = audit(office_lab.lab, inv, tmp_path / "r.json", "--accept-new-hostkeys")
    hosts = {h["name"]: h for h in doc["hosts"]}
    assert hosts["newkey-pc"]["status"] == "audited"
    assert hosts["rekeyed-pc"]["status"] == "hostkey_mismatch"
    added = kh.read_text()[len(before) :].splitlines()
    assert [line.split()[0] for line in added] == ["10.20.0.23"]


def test_a_key_the_machines_do_not_accept_is_auth_failed(office_lab: Any, tmp_path: Path) -> None:
    import subprocess

    stranger = tmp_path / "stranger_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(stranger)], check=True)
    text = Path(office_lab.inventory_path).read_text(encoding="utf-8")
    ident = str(office_lab.lab.identity_path)
    assert ident in text
    inv = tmp_path / "inventory.yaml"
    inv.write_text(text.replace(ident, str(stranger)), encoding="utf-8")
    code, doc, _ = audit(office_lab.lab, inv, tmp_path / "r.json")
    hosts = {h["name"]: h for h in doc["hosts"]}
    assert hosts["ok-pc"]["status"] == "auth_failed"
    assert hosts["ok-pc"]["findings"] == []
    assert "refused" in hosts["ok-pc"]["detail"]
    assert hosts["rekeyed-pc"]["status"] == "hostkey_mismatch"  # key checked before auth
    assert code == 1  # the changed key is still a failing finding

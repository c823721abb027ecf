"""Tests of the lab itself: if these fail, audit results from the lab mean nothing."""

from __future__ import annotations

import ipaddress
import json
import subprocess
from pathlib import Path

from tests.lab.conftest import OfficeLab
from tests.lab.netlab import (
    ETC_NETNS,
    HostKind,
    HostSpec,
    KnownHost,
    Lab,
    add_office_segments,
    today_days,
)


def _sshd_hosts(office: OfficeLab) -> list[HostSpec]:
    return [h for h in office.hosts.values() if h.kind is HostKind.SSHD]


def test_every_sshd_serves_its_host_key_to_the_auditor(office_lab: OfficeLab) -> None:
    lab = office_lab.lab
    hosts = _sshd_hosts(office_lab)
    cp = lab.run_in_auditor(
        ["ssh-keyscan", "-T", "5", "-t", "ed25519", *[h.address for h in hosts]], timeout=60
    )
    served: dict[str, str] = {}
    for line in cp.stdout.splitlines():
        if line and not line.startswith("#"):
            addr, ktype, key = line.split()[:3]
            served[addr] = f"{ktype} {key}"
    for h in hosts:
        assert served.get(h.address) == lab.host_key(h.name), h.name


def test_auditor_logs_in_with_the_lab_identity(office_lab: OfficeLab) -> None:
    """A real OpenSSH login as root with the lab's key and known_hosts, host key checked."""
    lab = office_lab.lab
    base = [
        "ssh", "-F", "/dev/null", "-i", str(lab.identity_path), "-o", "BatchMode=yes",
        "-o", f"UserKnownHostsFile={lab.known_hosts_path}", "-o", "StrictHostKeyChecking=yes",
        "-o", "ConnectTimeout=5", "-o", "HostKeyAlgorithms=ssh-ed25519",
        # curve25519 as paramiko negotiates: OpenSSH's default PQ hybrid costs ~7x the CPU.
        "-o", "KexAlgorithms=curve25519-sha256",
    ]  # fmt: skip
    ok = lab.run_in_auditor([*base, "root@10.20.0.11", "hostname; id -u"], timeout=30)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.split() == ["ok-pc", "0"]
    bad = lab.run_in_auditor([*base, "root@10.20.0.22", "true"], timeout=30)
    assert bad.returncode != 0 and "HOST IDENTIFICATION HAS CHANGED" in bad.stderr


def test_known_hosts_matches_the_scenario(office_lab: OfficeLab) -> None:
    lab = office_lab.lab
    known: dict[str, str] = {}
    for line in lab.known_hosts_path.read_text().splitlines():
        addr, ktype, key = line.split()
        known[addr] = f"{ktype} {key}"
    for h in office_lab.hosts.values():
        if h.known_host is KnownHost.ABSENT:
            assert h.address not in known, h.name
        elif h.known_host is KnownHost.OTHER_KEY:
            assert known[h.address] != lab.host_key(h.name), h.name
            assert known[h.address].startswith("ssh-ed25519 "), h.name
        else:
            assert known[h.address] == lab.host_key(h.name), h.name


def test_hang_host_accepts_and_stays_silent_and_down_host_is_absent(office_lab: OfficeLab) -> None:
    res = office_lab.lab.probe_banners(
        [office_lab.hosts["hang-pc"].address, office_lab.hosts["down-pc"].address], timeout=4
    )
    hang, down = res["10.20.0.20"], res["10.20.0.21"]
    assert hang["banner"] is None and "timed out" in hang["error"], hang
    assert down["banner"] is None, down


def test_root_namespace_has_no_route_or_address_of_the_lab(office_lab: OfficeLab) -> None:
    lab = office_lab.lab
    nets = [s.cidr for s in lab.segments.values()]
    nets += [s.cidr6 for s in lab.segments.values() if s.cidr6 is not None]
    addrs = json.loads(subprocess.run(["ip", "-j", "addr"], capture_output=True).stdout)
    for link in addrs:
        for a in link.get("addr_info", []):
            ip = ipaddress.ip_address(a["local"])
            assert not any(ip in n for n in nets), f"lab address {ip} in the root namespace"
    for h in office_lab.hosts.values():
        for addr in (h.address, *(a for _, a in h.extra_legs)):
            out = subprocess.run(["ip", "-j", "route", "get", addr], capture_output=True, text=True)
            routes = json.loads(out.stdout) if out.returncode == 0 and out.stdout.strip() else []
            # With no default route in the root namespace, `route get` fails; with one, the
            # route must not lead to any lab interface (none exists in the root namespace).
            for r in routes:
                assert not r.get("dev", "").startswith(("br", "h", "a", "eth")) or r.get(
                    "gateway"
                ), f"root namespace routes {addr} via {r}"
    links = json.loads(subprocess.run(["ip", "-j", "link"], capture_output=True).stdout)
    names = {link["ifname"] for link in links}
    assert not any(n.startswith("br") for n in names), names


def test_machines_see_their_own_world(office_lab: OfficeLab) -> None:
    lab = office_lab.lab
    ok = lab.run_in_host(
        "ok-pc",
        "hostname; cat /proc/[0-9]*/comm; grep ^wangfang: /etc/shadow; "
        "grep ^root: /etc/shadow; clamscan --version; cat /proc/sys/net/ipv4/ip_forward",
    )
    lines = ok.splitlines()
    assert lines[0] == "ok-pc"
    assert "clamd" in lines and "sshd" in lines
    wang = next(x for x in lines if x.startswith("wangfang:")).split(":")
    assert wang[1].startswith("$6$") and wang[2] == str(today_days() - 10) and wang[4] == "90"
    assert f"root:*:{today_days() - 10}:0:90:7:::" in lines
    assert any(x.startswith("ClamAV 1.4") and x.count("/") == 2 for x in lines), lines
    assert lines[-1] == "0"

    no_av = lab.run_in_host(
        "no-av",
        "cat /proc/[0-9]*/comm; command -v clamscan clamd freshclam sigtool; "
        "ls -A /var/lib/clamav /etc/clamav; dpkg-query -W -f '${Package}\\n' | grep clam; "
        # The collector's own test: -type f alone still lists the hidden names, because find
        # trusts the directory entry's type (DT_REG) under a bind mount; -perm needs a stat.
        "find -L /usr/bin /usr/sbin -maxdepth 1 -type f -perm /111 -name 'clam*'; "
        "for f in /usr/bin/clamscan /usr/sbin/clamd; do [ -f $f ] && echo $f; done; true",
    )
    assert "clam" not in no_av.replace("/var/lib/clamav:", "").replace("/etc/clamav:", "")

    # The builder's own /root (pyenv hooks, tokens) must not leak into the machines.
    assert set(lab.run_in_host("ok-pc", "ls -A /root /home/wangfang").split()) <= {
        "/root:", "/home/wangfang:", ".bashrc", ".profile", ".bash_logout",
    }  # fmt: skip
    assert lab.run_in_host("fwd-pc", "cat /proc/sys/net/ipv4/ip_forward").strip() == "1"
    radio = json.loads(lab.run_in_host("radio-pc", "ip -j link"))
    assert {"wlan0", "wwan0"} <= {link["ifname"] for link in radio}
    route = json.loads(lab.run_in_host("route-pc", "ip -j route show default"))
    assert [r["gateway"] for r in route] == ["10.20.0.254"]
    dual = lab.run_in_host("dual-pc", "ip -o -4 addr show")
    assert "10.20.0.12/24" in dual and "198.51.100.12/24" in dual
    stale = lab.run_in_host("stale-av", "clamscan --version; tail -1 /var/log/clamav/freshclam.log")
    assert "Update failed" in stale


def test_signature_dates_follow_the_scenario(office_lab: OfficeLab) -> None:
    """clamscan itself reads our CVD headers: proof that they look like ClamAV's own."""
    import time

    lab = office_lab.lab
    for name, age in (("ok-pc", 1), ("stale-av", 40)):
        out = lab.run_in_host(name, "clamscan --version").strip()
        date = out.split("/", 2)[2]
        t = time.mktime(time.strptime(date, "%a %b %d %H:%M:%S %Y"))
        assert abs((time.time() - t) / 86400 - age) < 0.1, (name, out)


def test_memory_per_machine_is_reported(office_lab: OfficeLab) -> None:
    mem = office_lab.lab.memory_per_machine()
    assert mem["ok-pc"]["pss"] > mem["no-av"]["pss"] > 0  # clamd is the difference


def test_teardown_leaves_nothing_behind() -> None:
    """A second, small lab next to the session one: build, stop, and look for every trace."""
    lab = Lab(start_timeout=60)
    add_office_segments(lab)
    lab.add_host(HostSpec("t-pc", "10.20.0.99", "lab-intranet"))
    lab.add_host(HostSpec("t-hang", "10.20.0.98", "lab-intranet", kind=HostKind.HANG))
    try:
        lab.start()
        assert lab.leftovers(), "a running lab shows its pieces"
        pids = [lab.machine_pid("t-pc")]
        tmp = lab.tmp
    finally:
        lab.stop()
    assert lab.leftovers() == []
    assert not tmp.exists()
    assert not any(p.name.startswith(lab.prefix) for p in ETC_NETNS.glob("*"))
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists(), f"machine process {pid} survived"


def test_a_failing_start_cleans_up() -> None:
    lab = Lab(start_timeout=10)
    add_office_segments(lab)
    lab.add_host(HostSpec("bad-pc", "10.20.0.97", "lab-intranet", gateway="192.0.2.1"))
    try:
        lab.start()  # the off-link gateway makes `ip route add` fail
    except Exception:
        pass
    else:
        lab.stop()
        raise AssertionError("an off-link gateway should make start() fail")
    assert lab.leftovers() == []

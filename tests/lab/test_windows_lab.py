"""Windows PCs beside Linux machines in one inventory, over real SSH (issue 14).

There is no Windows here. A Windows PC is stood in by a lab machine (its own namespace and real
sshd) whose audit account's login shell is a small program (tests/lab/netlab.py: STAND_IN):
sshd hands it the exec request as Windows' OpenSSH hands it to cmd.exe; it serves exactly
``windows_command()``, refuses a stdin whose SHA-256 is not the digest inside the bootstrap (as
the bootstrap does), and prints a recorded output of the script (tests/unit/recordings_windows.py,
dated to the lab's clock). What is real: netguard's transport, exec and stdin, the framing, the
parser, the checks and every document after. What is not: PowerShell and Windows themselves.

The office: three Linux machines (a compliant PC, one with a stale password, an internet PC
that saw a USB stick) and three Windows stand-ins (a stock Windows 11, a zh-CN Windows 10 with
its known failures and that stick, a Windows 11 returning a truncated and a garbled section),
through audit, report, checklist, history, diff and spot check.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
import yaml

from netguard.collect import REMOTE_COMMAND
from netguard.collect.parse_linux import encode_sections
from netguard.collect.windows import windows_command, windows_stdin
from netguard.inventory import load_inventory
from netguard.model import host_verdict
from netguard.spotcheck.sample import draw, parse_size
from tests.lab.netlab import (
    INTERNET,
    INTRANET,
    KINGSTON,
    Account,
    HostSpec,
    Lab,
    WindowsStandIn,
    small_office,
)
from tests.unit import recordings_windows as rw

#: the lab's Kingston stick as Windows records it: USBSTOR instance <serial>&0, USB ids
STICK_SERIAL = KINGSTON.serial


def _dated(make: Callable[[], dict[str, tuple[str, int]]]) -> bytes:
    """A recording with its dates relative to now (the recordings count from a fixed day; the
    lab's audit judges ages against the real clock)."""
    with patch.object(rw, "NOW", time.time()):
        return encode_sections(make())


def win11(address: str) -> bytes:
    return _dated(lambda: rw.windows11(ip_addresses=rw.addresses(v4=address)))


def win10_zh(address: str) -> bytes:
    """The zh-CN Windows 10 of the recordings, and the Kingston stick the internet machine saw."""

    def make() -> dict[str, tuple[str, int]]:
        return rw.windows10_zh(
            ip_addresses=rw.addresses(v4=address),
            usbstor=rw.js([*rw.USB_STICKS, rw.usbstor(rw.KINGSTON, f"{STICK_SERIAL}&0", 60, 8)]),
            usb_devices=rw.js(
                [*rw.USB_DEVICES, {"ids": "VID_0951&PID_1666", "instance": STICK_SERIAL}]
            ),
        )

    return _dated(make)


def garbled(address: str) -> bytes:
    """Windows 11 whose adapters section was cut off (no status: truncated) and whose accounts
    arrive as broken JSON with status 0."""
    out = _dated(
        lambda: rw.windows11(
            ip_addresses=rw.addresses(v4=address),
            local_users=('[{"name":"Administrator","sid":"S-1-5-21-1-500","enab', 0),
        )
    )
    lines = out.decode("ascii").splitlines()
    (i,) = [n for n, line in enumerate(lines) if line.startswith("@@ng adapters ")]
    text = base64.b64decode(lines[i].split(" ")[2])
    lines[i] = "@@ng adapters " + base64.b64encode(text[: len(text) // 2]).decode()
    return ("\n".join(lines) + "\n").encode("ascii")


WINDOWS = {"win11-pc": ("10.20.0.41", win11), "win10-pc": ("10.20.0.42", win10_zh),
           "garbled-pc": ("10.20.0.43", garbled)}  # fmt: skip


def _windows(name: str, dept: str, owner: str) -> HostSpec:
    address, output = WINDOWS[name]
    return HostSpec(
        name, address, INTRANET, antivirus=False, clamd=False, kernel_log_days=None,
        windows=WindowsStandIn(windows_command(), output(address)),
        department=dept, owner=owner, location="Room 3xx",
    )  # fmt: skip


HOSTS = (
    HostSpec("ok-pc", "10.20.0.11", INTRANET, department="办公室", owner="王芳"),
    HostSpec(
        "pw-expired", "10.20.0.18", INTRANET, department="法制科", owner="张伟",
        accounts=(Account("zhangwei", 1000, changed_days_ago=200),),
    ),
    HostSpec(
        "inet-pc", "198.51.100.30", INTERNET, department="信息中心", owner="何平",
        usb_sticks=(replace(KINGSTON, days_ago=20),),
    ),
    _windows("win11-pc", "办公室", "李明"),
    _windows("win10-pc", "财务科", "张伟"),
    _windows("garbled-pc", "档案室", "冯静"),
)  # fmt: skip

#: host → (failing checks, undecided checks, not applicable checks); every other check passes
LINUX_NA = {"isolation.reachability", "media.blocked"}
WINDOWS_NA = {"isolation.reachability", "media.blocked", "password.hash", "accounts.uid0"}
INTERNET_NA = LINUX_NA | {
    "isolation.addresses", "isolation.default_route", "isolation.forwarding", "isolation.bridge",
    "isolation.tunnel", "isolation.wireless", "isolation.history", "media.cross_network",
}  # fmt: skip
EXPECTED: dict[str, tuple[set[str], set[str], set[str]]] = {
    "ok-pc": (set(), set(), LINUX_NA),
    "pw-expired": ({"password.age"}, set(), LINUX_NA),
    "inet-pc": (set(), set(), INTERNET_NA),
    "win11-pc": (set(), set(), WINDOWS_NA),
    "win10-pc": (
        {"password.max_age", "password.age", "isolation.wireless", "isolation.history",
         "media.cross_network"},
        {"password.empty"},  # minimum length 0: an empty password cannot be ruled out
        WINDOWS_NA,
    ),
    # the accounts are unreadable, so even the checks that never apply on Windows cannot say so
    "garbled-pc": (
        set(),
        {"password.max_age", "password.age", "password.empty", "password.hash", "accounts.uid0",
         "isolation.bridge", "isolation.tunnel", "isolation.wireless"},
        WINDOWS_NA - {"password.hash", "accounts.uid0"},
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def office() -> Iterator[Lab]:
    with small_office(HOSTS) as lab:
        yield lab


def netguard(lab: Lab, *args: str) -> subprocess.CompletedProcess[str]:
    return lab.run_in_auditor([sys.executable, "-m", "netguard", *args], timeout=180)


def _by_name(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {h["name"]: h for h in doc["hosts"]}


def _verdict(host: dict[str, Any]) -> str:
    return host_verdict(host["status"], [f["status"] for f in host["findings"]]).value


def _finding(host: dict[str, Any], check: str) -> dict[str, Any]:
    (f,) = [f for f in host["findings"] if f["check"] == check]
    return f


@pytest.fixture(scope="module")
def nights(office: Lab, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two audits recorded in one history. Night 1 writes the report (zh HTML) and every
    checklist; before night 2 the garbled PC is repaired and the stale password changed."""
    tmp = tmp_path_factory.mktemp("mixed")
    history = tmp / "history.sqlite"
    inv = str(office.inventory_path)
    first = netguard(
        office, "audit", inv, "--format", "json", "-o", str(tmp / "night1.json"), "-q",
        "--history", str(history), "--report", "html", "--lang", "zh", "--checklists", "always",
        "--report-dir", str(tmp / "docs"), "--tz", "Asia/Shanghai", "--workers", "8",
    )  # fmt: skip
    assert first.returncode == 1, first.stderr  # failing findings
    office.set_windows_output("garbled-pc", win11(WINDOWS["garbled-pc"][0]))
    office.set_password_changed("pw-expired", "zhangwei", days_ago=0)
    second = netguard(
        office, "audit", inv, "--format", "json", "-o", str(tmp / "night2.json"), "-q",
        "--history", str(history), "--workers", "8",
    )  # fmt: skip
    assert second.returncode == 1, second.stderr
    return {"tmp": tmp, "history": history}


def _doc(nights: dict[str, Any], n: int) -> dict[str, Any]:
    return json.loads((nights["tmp"] / f"night{n}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_machine_is_judged_alike_whatever_its_system(
    nights: dict[str, Any], name: str
) -> None:
    h = _by_name(_doc(nights, 1))[name]
    assert h["status"] == "audited", h["detail"]
    failing, undecided, not_applicable = EXPECTED[name]
    by_status: dict[str, set[str]] = {}
    for f in h["findings"]:
        by_status.setdefault(f["status"], set()).add(f["check"])
    assert by_status.get("fail", set()) == failing, h["findings"]
    assert by_status.get("error", set()) == undecided, h["findings"]
    assert by_status.get("not_applicable", set()) == not_applicable
    assert set(by_status) <= {"pass", "fail", "error", "not_applicable"}
    verdict = "failing" if failing else "unknown" if undecided else "compliant"
    assert _verdict(h) == verdict


def test_windows_findings_say_what_the_host_showed(nights: dict[str, Any]) -> None:
    hosts = _by_name(_doc(nights, 1))
    win11, win10 = hosts["win11-pc"], hosts["win10-pc"]
    assert "Microsoft Defender Antivirus" in _finding(win11, "antivirus.running")["message"]
    assert "财务 (300 days ago)" in _finding(win10, "password.age")["message"]
    wireless = _finding(win10, "isolation.wireless")["message"]
    assert "Native 802.11" in wireless and "(Get-PnpDevice -Class Bluetooth)" in wireless
    assert "ChinaNet-5G8H" in _finding(win10, "isolation.history")["message"]
    # the stick the Linux internet machine saw, found in the Windows registry's USBSTOR keys
    cross = _finding(win10, "media.cross_network")["message"]
    assert "inet-pc" in cross and STICK_SERIAL in cross, cross
    # no probe from Windows: not applicable, and the reason says why
    reach = _finding(win11, "isolation.reachability")
    assert "not implemented for Windows hosts" in reach["message"], reach


def test_a_truncated_or_garbled_section_is_undecided_naming_it(nights: dict[str, Any]) -> None:
    h = _by_name(_doc(nights, 1))["garbled-pc"]
    wireless = _finding(h, "isolation.wireless")
    assert wireless["status"] == "error"
    assert "section adapters truncated" in wireless["message"], wireless["message"]
    for check in ("password.max_age", "password.age", "password.empty"):
        f = _finding(h, check)
        assert f["status"] == "error", f
        assert "section local_users is not JSON" in f["message"], f["message"]
    # what the section did not touch is still judged
    assert _finding(h, "antivirus.running")["status"] == "pass"
    assert _finding(h, "isolation.default_route")["status"] == "pass"


def test_the_report_and_checklists_list_windows_beside_linux(
    nights: dict[str, Any], office: Lab
) -> None:
    docs = nights["tmp"] / "docs"
    (report,) = docs.glob("netguard-report-*-zh.html")
    html = report.read_text(encoding="utf-8")
    for name in EXPECTED:
        assert f">{name}<" in html, name
    checklists = {
        re.sub(r"^checklist-\d{8}-\d{4}-", "", p.name).removesuffix(".md"): p.read_text("utf-8")
        for p in docs.glob("checklist-*.md")
    }
    assert "| win10-pc |" in checklists["isolation-breach"]
    assert "| win10-pc |" in checklists["password-breach"]
    assert "| pw-expired |" in checklists["password-breach"]
    assert "| win10-pc |" in checklists["removable-media"]
    assert not any("| win11-pc |" in text for text in checklists.values())
    # the same results, remade later in English (Markdown) and as a checklist in HTML
    results = str(nights["tmp"] / "night1.json")
    md = nights["tmp"] / "report-en.md"
    proc = netguard(office, "report", results, "--format", "md", "--lang", "en", "-o", str(md))
    assert proc.returncode == 0, proc.stderr
    text = md.read_text(encoding="utf-8")
    # Markdown lists the hosts with something to do or undecided (and escapes underscores)
    assert "| win10-pc |" in text and "| garbled-pc |" in text and "| pw-expired |" in text
    assert "section local\\_users is not JSON" in text
    out = nights["tmp"] / "checklists-en"
    proc = netguard(
        office, "checklist", results, "--format", "html", "--lang", "en", "-o", str(out)
    )
    assert proc.returncode == 0, proc.stderr
    (breach,) = out.glob("checklist-*-password-breach.html")
    assert "win10-pc" in breach.read_text(encoding="utf-8")


def test_history_and_diff_follow_windows_machines(nights: dict[str, Any], office: Lab) -> None:
    hist = ("--history", str(nights["history"]))
    proc = netguard(office, "history", "--format", "json", *hist)
    assert proc.returncode == 0, proc.stderr
    runs = json.loads(proc.stdout)
    # newest first: the repaired PC is compliant, pw-expired changed its password; win10-pc
    # fails and has an undecided check, so it is counted in both
    assert [(r["audited"], r["failing"], r["unknown"]) for r in runs] == [(6, 1, 1), (6, 2, 2)]
    proc = netguard(office, "diff", "--format", "json", *hist)
    d = json.loads(proc.stdout)
    pairs = {k: {(i["host"], i["check"]) for i in d[k]} for k in ("new", "resolved", "persisting")}
    assert pairs["new"] == set()
    assert pairs["resolved"] == {("pw-expired", "password.age")}
    assert ("win10-pc", "isolation.wireless") in pairs["persisting"]
    assert {h for h, _ in pairs["persisting"]} == {"win10-pc"}
    assert _verdict(_by_name(_doc(nights, 2))["garbled-pc"]) == "compliant"


def _seed_with(inventory: Path, host: str, size: str) -> str:
    """A seed whose sample by zone holds ``host`` and at least one Linux machine (drawn as the
    verb draws it)."""
    inv = load_inventory(inventory)
    for n in range(100):
        names = {h.name for h in draw(inv, parse_size(size), by="zone", seed=f"抽查 {n}").hosts}
        if host in names and names & {"ok-pc", "pw-expired", "inet-pc"}:
            return f"抽查 {n}"
    raise AssertionError("no seed in 100 draws")


def test_a_spot_check_sample_with_a_windows_machine(office: Lab, tmp_path: Path) -> None:
    seed = _seed_with(office.inventory_path, "win10-pc", "3")
    key = subprocess.run(
        [sys.executable, "-m", "netguard", "keygen", str(tmp_path / "insp.key"),
         "--no-passphrase", "--name", "王检查"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert key.returncode == 0, key.stderr
    bundle = tmp_path / "bundle"
    proc = netguard(
        office, "spot-check", str(office.inventory_path), "--sample", "3", "--by", "zone",
        "--seed", seed,
        "--key", str(tmp_path / "insp.key"), "-o", str(bundle), "-q", "--unit", "实验办公室",
        "--organization", "县保密局",
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    results = _by_name(json.loads((bundle / "results.json").read_text("utf-8")))
    assert results["win10-pc"]["status"] == "audited"
    raw = (bundle / "hosts" / "win10-pc" / "output.bin").read_bytes()
    assert b"@@ng local_users " in raw and b"@@ng shadow " not in raw  # the Windows script's
    records = sorted(bundle.glob("record*.html"))
    assert records, sorted(p.name for p in bundle.iterdir())
    for record in records:
        assert "win10-pc" in record.read_text(encoding="utf-8"), record.name
    # replayed without the lab: the Windows output goes through the Windows parser again
    out = tmp_path / "replayed.json"
    replay = subprocess.run(
        [sys.executable, "-m", "netguard", "audit", "--replay", str(bundle),
         "--trusted-key", str(tmp_path / "insp.key.pub"), "--format", "json", "-o", str(out),
         "-q"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert replay.returncode == proc.returncode, replay.stderr
    again = _by_name(json.loads(out.read_text("utf-8")))

    def verdicts(h: dict[str, Any]) -> list[Any]:
        return [(f["check"], f["status"], f["message"]) for f in h["findings"]]

    assert verdicts(again["win10-pc"]) == verdicts(results["win10-pc"])


def test_the_stand_in_refuses_what_the_bootstrap_and_cmd_exe_would(office: Lab) -> None:
    """The stand-in itself (run here, no SSH): the right command and script give the recorded
    output; another stdin is refused as the bootstrap refuses it; the Linux command is an
    unknown program to cmd.exe."""
    shell = str(office.stand_in("win11-pc"))

    def run(command: str, stdin: bytes) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [shell, "-c", command], input=stdin, capture_output=True, timeout=30, check=False
        )

    ok = run(windows_command(), windows_stdin())
    assert ok.returncode == 0 and ok.stdout.startswith(b"@@ng meta "), ok.stderr
    tampered = run(windows_command(), windows_stdin() + b"\nRemove-Item C:\\ -Recurse\n")
    assert (tampered.returncode, tampered.stdout) == (3, b"")
    assert tampered.stderr == b"netguard: stdin is not the netguard script\n"
    linux = run(REMOTE_COMMAND, b"")
    assert linux.returncode == 1 and b"'env' is not recognized" in linux.stderr


def test_a_windows_pc_listed_as_linux_is_never_judged(office: Lab, tmp_path: Path) -> None:
    """The exec arrives as cmd.exe would take it, so the Linux command fails there: the host
    is an error with the reason, no finding at all."""
    text = office.inventory_path.read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    (win,) = [h for h in doc["hosts"] if h["name"] == "win11-pc"]
    win["os"] = "linux"
    doc["hosts"] = [win]
    inv = tmp_path / "inventory.yaml"
    inv.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    proc = netguard(office, "audit", str(inv), "--format", "json", "-o", str(tmp_path / "r.json"),
                    "-q", "--no-history")  # fmt: skip
    assert proc.returncode == 3, proc.stderr  # nothing audited: unknown
    (h,) = json.loads((tmp_path / "r.json").read_text("utf-8"))["hosts"]
    assert (h["status"], h["detail_reason"], h["findings"]) == ("error", "unusable_output", [])


def test_a_probe_run_sends_no_probe_from_windows(office: Lab, tmp_path: Path) -> None:
    """With --probe, the Linux machines send it; the Windows PCs get nothing before the script
    (their bootstrap would refuse it: they are audited) and the check says it was not sent."""
    from netguard.probe import token as tk

    key = tmp_path / "probe.key"
    tk.write_key(key)
    out = tmp_path / "r.json"
    proc = netguard(
        office, "audit", str(office.inventory_path), "--format", "json", "-o", str(out), "-q",
        "--no-history", "--probe", "198.51.100.30:8080", "--probe-key", str(key),
    )  # fmt: skip
    assert out.exists(), proc.stderr
    hosts = _by_name(json.loads(out.read_text("utf-8")))
    for name in WINDOWS:
        assert hosts[name]["status"] == "audited", hosts[name]["detail"]
        reach = _finding(hosts[name], "isolation.reachability")
        assert reach["status"] == "error", reach
        assert "none was sent from this host" in reach["message"], reach["message"]
    linux = _finding(hosts["ok-pc"], "isolation.reachability")
    assert linux["status"] != "not_applicable" and "token" in linux["evidence"], linux
    assert _verdict(hosts["win11-pc"]) == "unknown"  # asked for, not made: never compliant

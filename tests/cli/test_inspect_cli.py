"""The inspector's commands, end to end on this test machine: keygen, inspect, verify, replay,
spot-check --plan, and audit --bundle.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.cli.runner import closed_port, run_cli

ROOT = Path(__file__).resolve().parents[2]
INVENTORY = """\
segments:
  - {name: fin-lan, zone: intranet, cidr: 10.20.0.0/24, gateway: 10.20.0.1}
  - {name: hr-lan, zone: intranet, cidr: 10.30.0.0/24, gateway: 10.30.0.1}
  - {name: dmz, zone: internet, cidr: 198.51.100.0/24, gateway: 198.51.100.1}
hosts:
""" + "".join(
    f"  - {{name: {seg}-pc-{i:02}, address: {net}.{i + 10}, segment: {seg}, department: {dept}}}\n"
    for seg, net, dept, count in (
        ("fin-lan", "10.20.0", "财政局", 12),
        ("hr-lan", "10.30.0", "人事局", 5),
        ("dmz", "198.51.100", "信息中心", 3),
    )
    for i in range(count)
)


@pytest.fixture(scope="module")
def inspector(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An inspector's key pair, made with `netguard keygen` (encrypted with a passphrase)."""
    home = tmp_path_factory.mktemp("inspector")
    proc = run_cli(
        "keygen", "insp.key", "--name", "王检查", cwd=home,
        env={"NETGUARD_KEY_PASSPHRASE": "红盘 2026"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("SHA256:")
    assert (home / "insp.key").stat().st_mode & 0o777 == 0o600
    assert "PRIVATE KEY" in (home / "insp.key").read_text() and "王检查" not in proc.stderr
    return home


@pytest.fixture(scope="module")
def inspected(inspector: Path) -> Path:
    """`netguard inspect` of this very machine, signed."""
    proc = run_cli(
        "inspect", "--key", "insp.key", "-o", "here", "--unit", "县财政局",
        "--organization", "县保密局", "--zone", "classified", "-q",
        cwd=inspector, env={"NETGUARD_KEY_PASSPHRASE": "红盘 2026"},
    )  # fmt: skip
    assert proc.returncode in (0, 1, 3), proc.stderr
    assert "bundle: here" in proc.stderr
    assert "红盘" not in proc.stderr + proc.stdout  # the passphrase is never echoed
    return inspector / "here"


def test_inspect_checks_this_machine_and_writes_the_bundle(inspected: Path) -> None:
    doc = json.loads((inspected / "results.json").read_text("utf-8"))
    (host,) = doc["hosts"]
    assert host["status"] == "audited", host["detail"]
    assert host["zone"] == "classified"
    names = {p.relative_to(inspected).as_posix() for p in inspected.rglob("*") if p.is_file()}
    assert {"manifest.json", "manifest.sig", "results.json", "record.zh.html", "record.en.html",
            "inputs/inventory.yaml", "inputs/policy.yaml",
            f"hosts/{host['name']}/output.bin"} <= names  # fmt: skip
    zh = (inspected / "record.zh.html").read_text("utf-8")
    assert "检查记录表" in zh and "县财政局" in zh and "王检查" in zh
    meta = json.loads((inspected / f"hosts/{host['name']}/collection.json").read_text("utf-8"))
    assert meta["transport"] == "local" and "psutil" in meta["evidence"]


def test_verify_needs_the_inspectors_key_to_say_verified(inspector: Path, inspected: Path) -> None:
    pinned = run_cli("verify", str(inspected), "--trusted-key", "insp.key.pub", cwd=inspector)
    assert pinned.returncode == 0, pinned.stdout + pinned.stderr
    assert "verified" in pinned.stdout and "王检查" in pinned.stdout
    unpinned = run_cli("verify", str(inspected), "--format", "json", cwd=inspector)
    assert unpinned.returncode == 3
    report = json.loads(unpinned.stdout)
    assert report["intact"] is True and report["signer"]["trusted"] is None


def test_verify_with_stock_openssh(inspector: Path, inspected: Path) -> None:
    """A reviewer without netguard: ssh-keygen checks the signature of the manifest."""
    if not (found := subprocess.run(["which", "ssh-keygen"], capture_output=True)).stdout:
        pytest.fail("ssh-keygen is part of the CI image (openssh-client)", pytrace=False)
    del found
    pub = (inspector / "insp.key.pub").read_text().split()
    (inspector / "allowed").write_text(f"inspector {pub[0]} {pub[1]}\n")
    with open(inspected / "manifest.json", "rb") as manifest:
        proc = subprocess.run(
            ["ssh-keygen", "-Y", "verify", "-f", str(inspector / "allowed"), "-I", "inspector",
             "-n", "netguard-evidence", "-s", str(inspected / "manifest.sig")],
            stdin=manifest, capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Good" in proc.stdout + proc.stderr


def test_replay_of_the_inspection_gives_the_same_findings(
    inspector: Path, inspected: Path, tmp_path: Path
) -> None:
    out = tmp_path / "replayed.json"
    proc = run_cli(
        "audit", "--replay", str(inspected), "--trusted-key", "insp.key.pub",
        "--format", "json", "-o", str(out), "-q", cwd=inspector,
    )  # fmt: skip
    original = json.loads((inspected / "results.json").read_text("utf-8"))
    replayed = json.loads(out.read_text("utf-8"))
    assert proc.returncode == {"failing": 1, "unknown": 3}.get(_verdict(original), 0), proc.stderr
    assert replayed["run"]["replay_of"]["run"] == original["run"]["id"]
    strip = ("duration_s",)
    hosts = [[{k: v for k, v in h.items() if k not in strip} for h in d["hosts"]]
             for d in (original, replayed)]  # fmt: skip
    assert hosts[0] == hosts[1]


def _verdict(doc: dict) -> str:
    s = doc["summary"]
    return "failing" if s["failing"] else "unknown" if s["unknown"] else "compliant"


def test_replay_refuses_a_bundle_signed_by_someone_else(inspected: Path, tmp_path: Path) -> None:
    run_cli("keygen", "other.key", "--no-passphrase", cwd=tmp_path)
    proc = run_cli("audit", "--replay", str(inspected), "--trusted-key", "other.key.pub",
                   cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 2 and "not signed by any of" in proc.stderr


def test_tampering_after_the_inspection_is_named(inspector: Path, inspected: Path, tmp_path: Path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(inspected, copy)
    results = copy / "results.json"
    results.write_text(results.read_text("utf-8").replace('"fail"', '"pass"'), "utf-8")
    (copy / "record.en.html").unlink()
    proc = run_cli(
        "verify", str(copy), "--trusted-key", str(inspector / "insp.key.pub"), cwd=tmp_path
    )
    assert proc.returncode == 1
    assert "ALTERED  results.json" in proc.stdout or "pass" not in results.read_text()
    assert "MISSING  record.en.html" in proc.stdout
    assert "FAILED" in proc.stdout
    zh = run_cli("verify", str(copy), "--trusted-key", str(inspector / "insp.key.pub"),
                 "--lang", "zh", cwd=tmp_path)  # fmt: skip
    assert zh.returncode == 1
    assert "缺失：record.en.html" in zh.stdout
    assert "核验未通过：证据包与签名时不一致" in zh.stdout and "FAILED" not in zh.stdout


def test_inspect_wants_a_key_or_an_explicit_unsigned(tmp_path: Path) -> None:
    proc = run_cli("inspect", "-o", "x", cwd=tmp_path)
    assert proc.returncode == 2 and "--key" in proc.stderr
    assert not (tmp_path / "x").exists()  # refused before anything was written
    unsigned = run_cli("inspect", "--unsigned", "-o", "x", "-q", "--lang", "en", cwd=tmp_path)
    assert unsigned.returncode in (0, 1, 3), unsigned.stderr
    assert not (tmp_path / "x/manifest.sig").exists()
    assert "UNSIGNED" in (tmp_path / "x/record.en.html").read_text("utf-8")
    assert not (tmp_path / "x/record.zh.html").exists()
    assert run_cli("verify", "x", cwd=tmp_path).returncode == 3


def test_inspect_as_registered_in_the_office_inventory(tmp_path: Path) -> None:
    (tmp_path / "office.yaml").write_text(INVENTORY, encoding="utf-8")
    proc = run_cli(
        "inspect", "--inventory", "office.yaml", "--host", "hr-lan-pc-03", "--unsigned",
        "-o", "b", "-q", "--format", "json", cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode in (0, 1, 3), proc.stderr
    (host,) = json.loads(proc.stdout)["hosts"]
    registered = (host["name"], host["segment"], host["department"])
    assert registered == ("hr-lan-pc-03", "hr-lan", "人事局")
    # The bundle keeps the office's inventory file as it was.
    assert (tmp_path / "b/inputs/inventory.yaml").read_text("utf-8") == INVENTORY
    bad = run_cli("inspect", "--inventory", "office.yaml", "--host", "nobody", "--unsigned",
                  cwd=tmp_path)  # fmt: skip
    assert bad.returncode == 2 and "nobody" in bad.stderr


def test_spot_check_plan_is_reproducible_and_stratified(tmp_path: Path) -> None:
    (tmp_path / "office.yaml").write_text(INVENTORY, encoding="utf-8")
    args = ("spot-check", "office.yaml", "--sample", "20%", "--by", "department",
            "--seed", "2026-11-23 县财政局", "--plan", "--format", "json")  # fmt: skip
    first = run_cli(*args, cwd=tmp_path)
    again = run_cli(*args, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout == again.stdout
    plan = json.loads(first.stdout)
    assert plan["population"] == 20 and plan["seed"] == "2026-11-23 县财政局"
    drawn = {s["name"]: s["drawn"] for s in plan["strata"]}
    assert drawn == {"人事局": 1, "信息中心": 1, "财政局": 2}
    assert not list(tmp_path.glob("spot-check-*"))  # --plan contacts nothing, writes nothing
    text = run_cli(*args[:-2], cwd=tmp_path)
    assert "--seed '2026-11-23 县财政局'" in text.stdout and "--plan" in text.stdout


def test_spot_check_without_seed_prints_the_one_it_drew(tmp_path: Path) -> None:
    (tmp_path / "office.yaml").write_text(INVENTORY, encoding="utf-8")
    proc = run_cli("spot-check", "office.yaml", "--sample", "3", "--plan", cwd=tmp_path)
    assert proc.returncode == 0
    seed = proc.stdout.split("seed '", 1)[1].split("'", 1)[0]
    again = run_cli("spot-check", "office.yaml", "--sample", "3", "--seed", seed, "--plan",
                    cwd=tmp_path)  # fmt: skip
    assert again.stdout == proc.stdout


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("--sample", "0"), "--sample"),
        (("--sample", "150%"), "--sample"),
        (("--sample", "ten"), "--sample"),
        (("--sample", "3", "--seed", " x"), "--seed"),
        (("--sample", "3", "--min-per-stratum", "2"), "--min-per-stratum"),
    ],
)
def test_spot_check_bad_input(tmp_path: Path, args: tuple[str, ...], field: str) -> None:
    (tmp_path / "office.yaml").write_text(INVENTORY, encoding="utf-8")
    proc = run_cli("spot-check", "office.yaml", *args, "--plan", cwd=tmp_path)
    assert proc.returncode == 2 and field in proc.stderr, proc.stderr


def test_spot_check_limited_to_part_of_the_inventory(tmp_path: Path) -> None:
    """--limit: the sample is drawn from the hosts the limit selects (audit --limit's patterns),
    the plan, sample.json, the signed manifest and the record say so, and the same seed,
    inventory and limit draw it again; a limit that selects nothing is bad input."""
    (tmp_path / "known_hosts").write_text("")
    office = (
        INVENTORY.replace(
            "hosts:\n",
            f"defaults: {{ssh: {{known_hosts: {tmp_path / 'known_hosts'}, connect_timeout: 2, "
            f"port: {closed_port()}}}}}\nhosts:\n",
        )
        .replace("10.20.0.", "127.0.0.")
        .replace("10.20.0.0/24", "127.0.0.0/24")
    )
    (tmp_path / "office.yaml").write_text(office, encoding="utf-8")
    seed = ("--seed", "2026-11-24 县人事局")
    args = ("spot-check", "office.yaml", "--sample", "2", "--limit", "hr-*", "--limit", "*信息*")
    plan = run_cli(*args, *seed, "--plan", "--format", "json", cwd=tmp_path)
    assert plan.returncode == 0, plan.stderr
    drawn = json.loads(plan.stdout)
    assert drawn["population"] == 8 and drawn["limit"] == ["hr-*", "*信息*"]
    assert drawn["inventory"]["hosts"] == 20
    assert all(h.startswith(("hr-lan-", "dmz-")) for h in drawn["hosts"]) and drawn["size"] == 2
    text = run_cli(*args, *seed, "--plan", "--lang", "en", cwd=tmp_path).stdout
    assert "drawn from: the 8 of 20 hosts matching hr-*, *信息* (--limit)" in text
    assert "--limit 'hr-*' --limit '*信息*'" in text  # the command that draws it again

    nothing = run_cli("spot-check", "office.yaml", "--sample", "2", "--limit", "nobody-*",
                      "--plan", cwd=tmp_path)  # fmt: skip
    assert nothing.returncode == 2 and "--limit" in nothing.stderr and nothing.stdout == ""

    # the whole spot check, on hosts that cannot be reached: what the bundle records
    (tmp_path / "office.yaml").write_text(
        office.replace("10.30.0.", "127.0.1.").replace("10.30.0.0/24", "127.0.1.0/24"),
        encoding="utf-8",
    )
    done = run_cli(*args, *seed, "--unsigned", "-o", "b", "-q", "--lang", "en", cwd=tmp_path)
    assert done.returncode == 3, done.stderr  # nothing reachable: unknown
    sample = json.loads((tmp_path / "b" / "sample.json").read_text("utf-8"))
    assert sample["limit"] == ["hr-*", "*信息*"] and sample["hosts"] == drawn["hosts"]
    manifest = (tmp_path / "b" / "manifest.json").read_text("utf-8")
    assert '"limit"' in manifest
    record = (tmp_path / "b" / "record.en.html").read_text("utf-8")
    assert "the computers matching hr-*, *信息* (spot-check --limit), of 20 in" in record


def test_keygen_refuses_to_overwrite_a_key(tmp_path: Path) -> None:
    assert run_cli("keygen", "k", "--no-passphrase", cwd=tmp_path).returncode == 0
    before = (tmp_path / "k").read_bytes()
    again = run_cli("keygen", "k", "--no-passphrase", cwd=tmp_path)
    assert again.returncode == 2 and (tmp_path / "k").read_bytes() == before
    no_tty = run_cli("keygen", "k2", cwd=tmp_path)  # no terminal, no passphrase source
    assert no_tty.returncode == 2 and not (tmp_path / "k2").exists()


def test_audit_writes_a_bundle_and_refuses_a_used_folder(tmp_path: Path) -> None:
    run_cli("keygen", "k", "--no-passphrase", "--name", "网管员", cwd=tmp_path)
    proc = run_cli("audit", "--bundle", "b", "--key", "k", "-q", "--no-history", cwd=tmp_path)
    assert proc.returncode in (0, 1, 3), proc.stderr
    assert "bundle: b" in proc.stderr
    assert run_cli("verify", "b", "--trusted-key", "k.pub", cwd=tmp_path).returncode == 0
    again = run_cli("audit", "--bundle", "b", "-q", "--no-history", cwd=tmp_path)
    assert again.returncode == 2 and "not an empty folder" in again.stderr
    lone_key = run_cli("audit", "--key", "k", "-q", "--no-history", cwd=tmp_path)
    assert lone_key.returncode == 2 and "--bundle" in lone_key.stderr

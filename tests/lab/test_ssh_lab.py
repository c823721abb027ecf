"""SSH as administrators have it set up, against real sshd: a passphrase-protected identity file
(issue 15)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

SECRET = "lab-identity-passphrase-never-leaves"
ENV = "NETGUARD_SSH_KEY_PASSPHRASE"


def one_host_inventory(office_lab: Any, folder: Path, names: set[str], **replace: str) -> Path:
    doc = yaml.safe_load(Path(office_lab.inventory_path).read_text(encoding="utf-8"))
    doc["hosts"] = [h for h in doc["hosts"] if h["name"] in names]
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    path = folder / "inventory.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def run_audit(
    office_lab: Any, inventory: Path, out: Path, env: dict[str, str], *extra: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    proc = office_lab.lab.run_in_auditor(
        [
            sys.executable,
            "-m",
            "netguard",
            "audit",
            str(inventory),
            "--format",
            "json",
            "-o",
            str(out),
            "-q",
            "--no-history",
            *extra,
        ],
        timeout=120,
        env=env,
    )
    assert out.exists(), proc.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    return proc, {h["name"]: h for h in doc["hosts"]}


def encrypted_copy(office_lab: Any, folder: Path) -> Path:
    key = folder / "id_encrypted"
    key.write_bytes(Path(office_lab.lab.identity_path).read_bytes())
    key.chmod(0o600)
    subprocess.run(["ssh-keygen", "-q", "-p", "-P", "", "-N", SECRET, "-f", str(key)], check=True)
    return key


def test_an_encrypted_identity_opens_with_the_environment_passphrase(
    office_lab: Any, tmp_path: Path
) -> None:
    key = encrypted_copy(office_lab, tmp_path)
    inv = one_host_inventory(
        office_lab, tmp_path, {"ok-pc"}, **{str(office_lab.lab.identity_path): str(key)}
    )
    env = {k: v for k, v in os.environ.items() if k != "SSH_AUTH_SOCK"}
    env["PYTHONPATH"] = os.environ.get("PYTHONPATH", str(Path(__file__).parents[2]))

    # no passphrase, no terminal, no agent: the host says why, the audit does not crash
    proc, hosts = run_audit(office_lab, inv, tmp_path / "none.json", env)
    assert hosts["ok-pc"]["status"] == "auth_failed", proc.stderr
    assert "encrypted" in hosts["ok-pc"]["detail"] and ENV in hosts["ok-pc"]["detail"]
    assert "internal error" not in proc.stderr

    # a wrong passphrase: its own words, never the passphrase
    proc, hosts = run_audit(office_lab, inv, tmp_path / "wrong.json", {**env, ENV: "x" + SECRET})
    assert hosts["ok-pc"]["status"] == "auth_failed", proc.stderr
    assert "does not open" in hosts["ok-pc"]["detail"]
    assert SECRET not in (tmp_path / "wrong.json").read_text() + proc.stderr + proc.stdout

    # the right one: audited, and the passphrase is nowhere in results, bundle or output
    bundle = tmp_path / "bundle"
    proc, hosts = run_audit(
        office_lab, inv, tmp_path / "ok.json", {**env, ENV: SECRET}, "--bundle", str(bundle)
    )
    assert hosts["ok-pc"]["status"] == "audited", hosts["ok-pc"]["detail"]
    assert SECRET not in (tmp_path / "ok.json").read_text() + proc.stderr + proc.stdout
    for f in bundle.rglob("*"):
        if f.is_file():
            assert SECRET.encode() not in f.read_bytes(), f


def lab_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SSH_AUTH_SOCK", ENV)}
    env["PYTHONPATH"] = os.environ.get("PYTHONPATH", str(Path(__file__).parents[2]))
    return env


def inventory_doc(office_lab: Any, names: set[str]) -> dict[str, Any]:
    doc = yaml.safe_load(Path(office_lab.inventory_path).read_text(encoding="utf-8"))
    doc["hosts"] = [h for h in doc["hosts"] if h["name"] in names]
    return doc


def write(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def address(office_lab: Any, name: str) -> str:
    return str(office_lab.hosts[name].address)


def test_ssh_config_fills_in_the_key_and_a_jump_host_by_alias(
    office_lab: Any, tmp_path: Path
) -> None:
    doc = inventory_doc(office_lab, {"ok-pc"})
    del doc["defaults"]["ssh"]["identity_file"]  # the configuration gives it
    del doc["defaults"]["ssh"]["user"]
    inv = write(tmp_path / "inventory.yaml", doc)
    config = tmp_path / "ssh_config"
    config.write_text(
        "Host ok-pc\n"
        f"    IdentityFile {office_lab.lab.identity_path}\n"
        "    User root\n"
        "    ProxyJump bastion\n"
        "    ForwardAgent yes\n"
        "Host bastion\n"
        f"    HostName {address(office_lab, 'dual-pc')}\n"
        "    User root\n"
        "Host *\n"
        "    ProxyCommand nc %h %p\n",
        encoding="utf-8",
    )
    proc, hosts = run_audit(
        office_lab, inv, tmp_path / "r.json", lab_env(), f"--ssh-config={config}"
    )
    assert hosts["ok-pc"]["status"] == "audited", hosts["ok-pc"]["detail"] + proc.stderr
    assert "forwardagent" in proc.stderr and "ProxyCommand is not run" in proc.stderr
    run = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["run"]
    assert run["ssh_config"]["path"] == str(config)
    assert run["ssh_config"]["sha256"] == hashlib.sha256(config.read_bytes()).hexdigest()

    # the jump host's own IdentityFile is the one offered to it: a key it does not accept
    stranger = tmp_path / "stranger"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(stranger)], check=True)
    config.write_text(
        config.read_text().replace("Host bastion\n", f"Host bastion\n    IdentityFile {stranger}\n")
    )
    proc, hosts = run_audit(
        office_lab, inv, tmp_path / "stranger.json", lab_env(), f"--ssh-config={config}"
    )
    assert hosts["ok-pc"]["status"] == "auth_failed", hosts["ok-pc"]["detail"]
    assert hosts["ok-pc"]["detail_reason"] == "jump_auth_refused", hosts["ok-pc"]["detail"]

    # without --ssh-config the file is not read: no key, no agent
    proc, hosts = run_audit(office_lab, inv, tmp_path / "off.json", lab_env())
    assert hosts["ok-pc"]["status"] == "auth_failed", hosts["ok-pc"]["detail"]


def test_proxy_jump_chains_and_verifies_every_jump_host(office_lab: Any, tmp_path: Path) -> None:
    doc = inventory_doc(office_lab, {"ok-pc", "stale-av", "no-av", "pw-expired"})
    dual, fwd = address(office_lab, "dual-pc"), address(office_lab, "fwd-pc")
    jumps = {
        "ok-pc": dual,
        "stale-av": f"root@{dual},root@{fwd}:22",  # a chain of two
        "no-av": address(office_lab, "rekeyed-pc"),  # known_hosts holds another key
        "pw-expired": address(office_lab, "newkey-pc"),  # not in known_hosts
    }
    for h in doc["hosts"]:
        h["ssh"] = {"proxy_jump": jumps[h["name"]]}
    inv = write(tmp_path / "inventory.yaml", doc)
    proc, hosts = run_audit(office_lab, inv, tmp_path / "r.json", lab_env())
    assert hosts["ok-pc"]["status"] == "audited", hosts["ok-pc"]["detail"] + proc.stderr
    assert hosts["stale-av"]["status"] == "audited", hosts["stale-av"]["detail"]
    failing = {f["check"] for f in hosts["stale-av"]["findings"] if f["status"] == "fail"}
    assert failing == {"antivirus.signatures"}  # the target's facts, not a jump host's

    changed = hosts["no-av"]
    assert changed["status"] == "hostkey_mismatch", changed["detail"]
    assert f"jump host {jumps['no-av']}" in changed["detail"]
    (key,) = changed["findings"]
    assert key["check"] == "ssh.hostkey" and key["evidence"]["jump_host"] == jumps["no-av"]
    assert "jump host" in key["message"] and "not contacted" in key["message"]

    unknown = hosts["pw-expired"]
    assert unknown["status"] == "hostkey_unknown", unknown["detail"]
    assert f"jump host {jumps['pw-expired']}" in unknown["detail"]
    assert unknown["findings"] == []


def test_a_machine_the_auditor_has_no_route_to_is_audited_through_the_jump_host(
    office_lab: Any, tmp_path: Path
) -> None:
    """The auditor's route to the target is a blackhole for this test; the jump host, on the
    target's segment, still reaches it: audited only through the jump, so it went through it."""
    target = address(office_lab, "ok-pc")
    ns = office_lab.lab.auditor_ns
    doc = inventory_doc(office_lab, {"ok-pc"})
    direct = write(tmp_path / "direct.yaml", doc)
    doc["hosts"][0]["ssh"] = {"proxy_jump": f"root@{address(office_lab, 'dual-pc')}"}
    jumped = write(tmp_path / "jumped.yaml", doc)
    route = ["ip", "netns", "exec", ns, "ip", "route", "add", "blackhole", f"{target}/32"]
    subprocess.run(route, check=True)
    try:
        proc, hosts = run_audit(office_lab, direct, tmp_path / "direct.json", lab_env())
        assert hosts["ok-pc"]["status"] == "unreachable", hosts["ok-pc"]["detail"]
        proc, hosts = run_audit(office_lab, jumped, tmp_path / "jumped.json", lab_env())
        assert hosts["ok-pc"]["status"] == "audited", hosts["ok-pc"]["detail"] + proc.stderr
    finally:
        route[6] = "del"
        subprocess.run(route, check=True)


def test_the_passphrase_is_asked_once_on_a_terminal_before_the_audit(
    office_lab: Any, tmp_path: Path
) -> None:
    import pty
    import select
    import time

    key = encrypted_copy(office_lab, tmp_path)
    inv = one_host_inventory(
        office_lab, tmp_path, {"ok-pc", "stale-av"}, **{str(office_lab.lab.identity_path): str(key)}
    )
    out = tmp_path / "r.json"
    main, child = pty.openpty()
    argv = [sys.executable, "-m", "netguard", "audit", str(inv), "--format", "json"]
    argv += ["-o", str(out), "-q", "--no-history"]
    proc = subprocess.Popen(
        ["ip", "netns", "exec", office_lab.lab.auditor_ns, *argv],
        stdin=child,
        stdout=child,
        stderr=child,
        env=lab_env(),
        start_new_session=True,
    )
    os.close(child)
    seen = b""
    answered = False
    deadline = time.monotonic() + 90
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 1)
            if ready:
                try:
                    chunk = os.read(main, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                seen += chunk
            if not answered and b"passphrase of SSH identity" in seen:
                os.write(main, SECRET.encode() + b"\n")
                answered = True
            if proc.poll() is not None and not ready:
                break
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        os.close(main)
    assert seen.count(b"passphrase of SSH identity") == 1, seen
    assert SECRET.encode() not in seen  # never echoed
    hosts = {h["name"]: h for h in json.loads(out.read_text(encoding="utf-8"))["hosts"]}
    assert hosts["ok-pc"]["status"] == "audited", hosts["ok-pc"]["detail"]
    assert hosts["stale-av"]["status"] == "audited", hosts["stale-av"]["detail"]


def test_a_spot_check_honours_the_ssh_config_too(office_lab: Any, tmp_path: Path) -> None:
    doc = inventory_doc(office_lab, {"ok-pc"})
    del doc["defaults"]["ssh"]["identity_file"]  # the configuration gives it
    inv = write(tmp_path / "inventory.yaml", doc)
    config = tmp_path / "ssh_config"
    config.write_text(f"Host ok-pc\n    IdentityFile {office_lab.lab.identity_path}\n")
    argv = [sys.executable, "-m", "netguard", "spot-check", str(inv), "--sample", "1"]
    argv += ["--unsigned", "-o", str(tmp_path / "bundle"), "-q", f"--ssh-config={config}"]
    proc = office_lab.lab.run_in_auditor(argv, timeout=120, env=lab_env())
    (results,) = [
        json.loads(f.read_text(encoding="utf-8"))
        for f in (tmp_path / "bundle").rglob("*.json")
        if '"schema": "netguard.results/1"' in f.read_text(encoding="utf-8")
    ] or [None]
    assert results is not None, proc.stderr
    (host,) = results["hosts"]
    assert host["status"] == "audited", host["detail"] + proc.stderr
    assert results["run"]["ssh_config"]["path"] == str(config)


def blackholed(office_lab: Any, name: str) -> tuple[list[str], list[str]]:
    """The `ip route` commands that cut the auditor's own route to a machine, and restore it."""
    ns = office_lab.lab.auditor_ns
    add = [
        "ip",
        "netns",
        "exec",
        ns,
        "ip",
        "route",
        "add",
        "blackhole",
        f"{address(office_lab, name)}/32",
    ]
    return add, [*add[:6], "del", *add[7:]]


def test_a_jump_hosts_own_proxy_jump_is_followed_as_openssh_does(
    office_lab: Any, tmp_path: Path
) -> None:
    """ok-pc's jump host is bastion (dual-pc), whose own jump host is gw (fwd-pc). The auditor
    has no route to bastion for this test: audited only if the chain became gw → bastion →
    ok-pc."""
    inv = write(tmp_path / "inventory.yaml", inventory_doc(office_lab, {"ok-pc"}))
    config = tmp_path / "ssh_config"
    config.write_text(
        "Host ok-pc\n"
        "    ProxyJump bastion\n"
        "Host bastion\n"
        f"    HostName {address(office_lab, 'dual-pc')}\n"
        "    User root\n"
        "    ProxyJump gw\n"
        "Host gw\n"
        f"    HostName {address(office_lab, 'fwd-pc')}\n"
        "    User root\n",
        encoding="utf-8",
    )
    cut, restore = blackholed(office_lab, "dual-pc")
    subprocess.run(cut, check=True)
    try:
        proc, hosts = run_audit(
            office_lab, inv, tmp_path / "r.json", lab_env(), f"--ssh-config={config}"
        )
        assert hosts["ok-pc"]["status"] == "audited", hosts["ok-pc"]["detail"] + proc.stderr
    finally:
        subprocess.run(restore, check=True)

    # a configuration whose jump hosts go round in a circle is bad input, before any host
    config.write_text(config.read_text() + "    ProxyJump bastion\n", encoding="utf-8")  # gw's
    argv = [sys.executable, "-m", "netguard", "audit", str(inv), "-q", "--no-history"]
    argv += ["--format", "json", "-o", str(tmp_path / "loop.json"), f"--ssh-config={config}"]
    proc = office_lab.lab.run_in_auditor(argv, timeout=120, env=lab_env())
    assert proc.returncode == 2, proc.stderr
    assert "ProxyJump loops: bastion → gw → bastion" in proc.stderr
    assert not (tmp_path / "loop.json").exists()


def test_a_jump_hosts_connect_timeout_bounds_the_hop_to_it(office_lab: Any, tmp_path: Path) -> None:
    """hang-pc accepts TCP and never speaks SSH: as a jump host, first or second, it is given up
    on after its own ConnectTimeout, not the inventory's (3 s in the lab)."""
    inv = write(tmp_path / "inventory.yaml", inventory_doc(office_lab, {"ok-pc", "stale-av"}))
    hang = address(office_lab, "hang-pc")
    config = tmp_path / "ssh_config"
    config.write_text(
        "Host ok-pc\n"
        "    ProxyJump slow\n"
        "Host stale-av\n"
        f"    ProxyJump root@{address(office_lab, 'dual-pc')},slow\n"
        "Host slow\n"
        f"    HostName {hang}\n"
        "    User root\n"
        "    ConnectTimeout 1\n",
        encoding="utf-8",
    )
    proc, hosts = run_audit(
        office_lab, inv, tmp_path / "r.json", lab_env(), f"--ssh-config={config}"
    )
    for name in ("ok-pc", "stale-av"):
        assert hosts[name]["status"] == "timeout", hosts[name]["detail"] + proc.stderr
        assert hosts[name]["detail_reason"] == "jump_handshake_timeout", hosts[name]["detail"]
        assert hosts[name]["detail_args"] == {"jump": hang, "seconds": 1}, hosts[name]["detail"]


def test_the_inventory_gives_a_jump_host_its_own_identity_file(
    office_lab: Any, tmp_path: Path
) -> None:
    lab_key = Path(office_lab.lab.identity_path)
    copy = tmp_path / "keys" / "bastion"  # the same key under another name, relative below
    copy.parent.mkdir()
    copy.write_bytes(lab_key.read_bytes())
    copy.chmod(0o600)
    stranger = tmp_path / "stranger"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(stranger)], check=True)
    bastion = f"root@{address(office_lab, 'dual-pc')}"
    doc = inventory_doc(office_lab, {"ok-pc", "stale-av", "pw-expired"})
    hop = {
        "ok-pc": {"proxy_jump": [{"jump": bastion, "identity_file": "keys/bastion"}]},
        # the jump host gets its own key, which it does not accept; the target's is good
        "stale-av": {"proxy_jump": [{"jump": bastion, "identity_file": str(stranger)}]},
        # the jump host's key is good, the target's is not: the target refuses, not the jump
        "pw-expired": {
            "identity_file": str(stranger),
            "proxy_jump": [{"jump": bastion, "identity_file": str(lab_key)}],
        },
    }
    for h in doc["hosts"]:
        h["ssh"] = hop[h["name"]]
    inv = write(tmp_path / "inventory.yaml", doc)
    proc, hosts = run_audit(office_lab, inv, tmp_path / "r.json", lab_env())
    assert hosts["ok-pc"]["status"] == "audited", hosts["ok-pc"]["detail"] + proc.stderr
    assert hosts["stale-av"]["detail_reason"] == "jump_auth_refused", hosts["stale-av"]["detail"]
    assert hosts["pw-expired"]["detail_reason"] == "auth_refused", hosts["pw-expired"]["detail"]


def test_an_encrypted_jump_host_identity_says_why_it_was_not_used(
    office_lab: Any, tmp_path: Path
) -> None:
    key = encrypted_copy(office_lab, tmp_path)
    doc = inventory_doc(office_lab, {"ok-pc"})
    doc["hosts"][0]["ssh"] = {
        "proxy_jump": [
            {"jump": f"root@{address(office_lab, 'dual-pc')}", "identity_file": str(key)}
        ]
    }
    inv = write(tmp_path / "inventory.yaml", doc)
    jump = address(office_lab, "dual-pc")

    # no passphrase, no terminal, no agent: its own reason, naming the jump host and the file
    proc, hosts = run_audit(office_lab, inv, tmp_path / "none.json", lab_env())
    host = hosts["ok-pc"]
    assert host["status"] == "auth_failed", host["detail"] + proc.stderr
    assert host["detail_reason"] == "jump_identity_encrypted", host["detail"]
    assert host["detail_args"] == {"jump": jump, "path": str(key), "env": ENV}
    assert "internal error" not in proc.stderr

    # a wrong passphrase: its own words, never the passphrase
    wrong = {**lab_env(), ENV: "x" + SECRET}
    proc, hosts = run_audit(office_lab, inv, tmp_path / "wrong.json", wrong)
    host = hosts["ok-pc"]
    assert host["detail_reason"] == "jump_identity_passphrase_wrong", host["detail"]
    assert f"jump host {jump}" in host["detail"] and "does not open" in host["detail"]
    assert SECRET not in (tmp_path / "wrong.json").read_text() + proc.stderr + proc.stdout

    # the right one opens the jump host's key; the passphrase is nowhere
    proc, hosts = run_audit(office_lab, inv, tmp_path / "ok.json", {**lab_env(), ENV: SECRET})
    assert hosts["ok-pc"]["status"] == "audited", hosts["ok-pc"]["detail"] + proc.stderr
    assert SECRET not in (tmp_path / "ok.json").read_text() + proc.stderr + proc.stdout


def test_a_target_behind_a_jump_host_is_waited_for_on_its_banner_through_the_channel(
    office_lab: Any, tmp_path: Path
) -> None:
    """hang-pc accepts TCP and never speaks SSH, down-pc is switched off: behind a jump host the
    first opens a channel that stays silent (its banner wait, through the channel, times out at
    the inventory's connect time-out), the second's channel never opens; ok-pc still answers."""
    names = {"hang-pc", "down-pc", "ok-pc"}
    doc = inventory_doc(office_lab, names)
    for h in doc["hosts"]:
        h["ssh"] = {"proxy_jump": f"root@{address(office_lab, 'dual-pc')}"}
    proc, hosts = run_audit(
        office_lab, write(tmp_path / "inv.yaml", doc), tmp_path / "r.json", lab_env()
    )
    assert hosts["ok-pc"]["status"] == "audited", hosts["ok-pc"]["detail"] + proc.stderr
    hang = hosts["hang-pc"]
    assert (hang["status"], hang["detail_reason"]) == ("timeout", "handshake_timeout"), hang[
        "detail"
    ]
    down = hosts["down-pc"]
    assert down["status"] == "unreachable", down["detail"]
    assert down["detail_reason"] == "jump_forward_refused", down["detail"]

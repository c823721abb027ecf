"""--ssh-config: an OpenSSH client configuration filling in what the inventory did not write."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from netguard.collect.sshconfig import apply_ssh_config, read_ssh_config, resolve_jumps, split_hop
from netguard.errors import InputError
from netguard.inventory import load_inventory
from netguard.inventory.dump import dump_inventory

CONFIG = """\
Host fin-pc-07
    User admin7
    Port 2207
    IdentityFile ~/.ssh/office_ed25519
    ConnectTimeout 4
    ForwardAgent yes

Host 10.20.0.18
    User byaddress
    ProxyJump bastion

Host bastion
    HostName 10.99.0.1
    User jumper
    Port 2222
    IdentityFile ~/.ssh/bastion_ed25519

Host legacy-*
    ProxyCommand nc %h %p
    HostName 192.0.2.1

Host *
    UserKnownHostsFile ~/.ssh/office_known_hosts
    ServerAliveInterval 30
"""

INVENTORY = """\
segments: [{name: lan, zone: intranet, cidr: 10.20.0.0/24}]
defaults:
  ssh: {identity_file: keys/netguard}
hosts:
  - {name: fin-pc-07, address: 10.20.0.17, segment: lan}
  - {name: fin-pc-08, address: 10.20.0.18, segment: lan, ssh: {user: root}}
  - {name: legacy-01, address: 10.20.0.19, segment: lan}
  - name: other
    address: 10.20.0.20
    segment: lan
    ssh: {port: 22, proxy_jump: "bastion,x@10.20.0.1:23"}
"""


@pytest.fixture
def applied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "config").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "inv.yaml").write_text(INVENTORY, encoding="utf-8")
    config = read_ssh_config(str(tmp_path / "config"))
    inventory, notes = apply_ssh_config(load_inventory(tmp_path / "inv.yaml"), config)
    return tmp_path, config, {h.name: h for h in inventory.hosts}, notes


def test_the_config_fills_in_what_the_inventory_did_not_write(applied) -> None:
    home, config, hosts, _ = applied
    s = hosts["fin-pc-07"].ssh
    assert (s.user, s.port, s.connect_timeout) == ("admin7", 2207, 4.0)
    # the inventory wrote identity_file in defaults: it wins over IdentityFile
    assert s.identity_file == str(home / "keys/netguard")
    assert s.known_hosts == str(home / ".ssh/office_known_hosts")
    assert config.sha256 == hashlib.sha256(CONFIG.encode()).hexdigest()


def test_a_host_is_matched_by_its_address_too_and_the_inventory_wins(applied) -> None:
    _, _, hosts, _ = applied
    s = hosts["fin-pc-08"].ssh
    assert s.user == "root"  # written in the inventory
    assert s.proxy_jump == "jumper@10.99.0.1:2222"  # bastion resolved through the config


def test_jump_hosts_written_in_the_inventory_are_resolved_through_the_config(applied) -> None:
    _, _, hosts, _ = applied
    assert hosts["other"].ssh.proxy_jump == "jumper@10.99.0.1:2222,x@10.20.0.1:23"
    home = applied[0]
    assert hosts["other"].ssh.jump_identity_files == (str(home / ".ssh/bastion_ed25519"), None)
    assert hosts["other"].ssh.port == 22


def test_what_is_not_done_is_said(applied) -> None:
    _, _, _, notes = applied
    assert notes.proxy_command == {"legacy-01"}
    assert notes.hostname == {"legacy-01": "192.0.2.1"}
    assert set(notes.ignored) == {"forwardagent", "serveraliveinterval"}


def test_an_unreadable_config_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read the SSH client configuration"):
        read_ssh_config(str(tmp_path / "nope"))


def test_hops_split_and_resolve(tmp_path: Path) -> None:
    assert split_hop("u@[2001:db8::1]:2222") == ("u", "2001:db8::1", 2222)
    assert split_hop("host") == (None, "host", None)
    (tmp_path / "c").write_text("Host b\n  HostName 10.0.0.9\n", encoding="utf-8")
    config = read_ssh_config(str(tmp_path / "c"))
    assert resolve_jumps("me@b:23,[2001:db8::1]", config) == "me@10.0.0.9:23,[2001:db8::1]"


def test_the_inventory_checks_proxy_jump_and_dumps_it_back(tmp_path: Path) -> None:
    (tmp_path / "inv.yaml").write_text(INVENTORY, encoding="utf-8")
    inv = load_inventory(tmp_path / "inv.yaml")
    other = next(h for h in inv.hosts if h.name == "other")
    assert other.ssh.proxy_jump == "bastion,x@10.20.0.1:23"
    assert "proxy_jump: bastion,x@10.20.0.1:23" in dump_inventory(inv)
    assert "written" not in dump_inventory(inv)
    bad = INVENTORY.replace('"bastion,x@10.20.0.1:23"', '"bastion;rm -rf /"')
    (tmp_path / "bad.yaml").write_text(bad, encoding="utf-8")
    with pytest.raises(InputError, match="invalid jump host"):
        load_inventory(tmp_path / "bad.yaml")


def test_the_option_alone_reads_the_home_config_and_says_what_it_did_not_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from rich.console import Console

    from netguard.cli.sshsetup import with_ssh_config
    from netguard.i18n import catalog

    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".ssh").mkdir()
    (tmp_path / ".ssh/config").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "inv.yaml").write_text(INVENTORY, encoding="utf-8")
    inv = load_inventory(tmp_path / "inv.yaml")
    assert with_ssh_config(inv, None, Console(), catalog("en"), False) == (inv, None)  # off
    out = io.StringIO()
    done, block = with_ssh_config(inv, "", Console(file=out, width=300), catalog("en"), False)
    digest = hashlib.sha256(CONFIG.encode()).hexdigest()
    assert block == {"path": str(tmp_path / ".ssh/config"), "sha256": digest}
    assert {h.name: h.ssh.user for h in done.hosts}["fin-pc-07"] == "admin7"
    said = out.getvalue()
    assert str(tmp_path / ".ssh/config") in said
    assert hashlib.sha256(CONFIG.encode()).hexdigest() in said
    assert "forwardagent, serveraliveinterval" in said or "forwardagent and" in said
    assert "ProxyCommand is not run" in said and "legacy-01" in said


def test_a_jump_host_the_config_makes_unusable_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "c").write_text("Host b\n  HostName 'a b;rm'\n", encoding="utf-8")
    config = read_ssh_config(str(tmp_path / "c"))
    with pytest.raises(InputError, match="not"):
        resolve_jumps("b", config)
    with pytest.raises(InputError, match="invalid jump host"):
        resolve_jumps("b;rm", config)

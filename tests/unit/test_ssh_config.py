"""--ssh-config: an OpenSSH client configuration filling in what the inventory did not write."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from netguard.collect.sshconfig import (
    MAX_JUMP_DEPTH,
    SshConfig,
    apply_ssh_config,
    read_ssh_config,
    resolve_jump_hops,
    resolve_jumps,
    split_hop,
)
from netguard.errors import InputError
from netguard.inventory import load_inventory
from netguard.inventory.dump import dump_inventory
from netguard.model import JumpOptions

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
    bastion = JumpOptions(identity_file=str(home / ".ssh/bastion_ed25519"))
    assert hosts["other"].ssh.jump_options == (bastion, JumpOptions())
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


CHAINED = """\
Host pc-*
    ProxyJump bastion
Host bastion
    HostName 10.99.0.1
    ProxyJump gw
    ConnectTimeout 3
Host gw
    HostName 192.0.2.10
    User jumper
    IdentityFile ~/.ssh/gw_ed25519
Host inner
    HostName 10.99.0.2
    ProxyJump bastion
Host loop-a
    ProxyJump loop-b
Host loop-b
    ProxyJump x@loop-a:2222
Host self
    ProxyJump self
Host direct
    ProxyJump none
"""


def chained(tmp_path: Path, text: str = CHAINED) -> SshConfig:
    (tmp_path / "c").write_text(text, encoding="utf-8")
    return read_ssh_config(str(tmp_path / "c"))


def test_a_jump_hosts_own_proxy_jump_puts_its_jump_host_in_front(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    config = chained(tmp_path)
    hops, options = resolve_jump_hops("bastion", config)
    assert hops == "jumper@192.0.2.10,10.99.0.1"  # gw → bastion (→ the target), as OpenSSH
    gw = JumpOptions(identity_file=str(tmp_path / ".ssh/gw_ed25519"))
    assert options == (gw, JumpOptions(connect_timeout=3.0))
    # two levels: inner's jump host is bastion, whose jump host is gw
    assert resolve_jumps("inner", config) == "jumper@192.0.2.10,10.99.0.1,10.99.0.2"
    # only the first hop's: the others are reached through the hops before them (OpenSSH's -J)
    assert resolve_jumps("direct,bastion", config) == "direct,10.99.0.1"
    assert resolve_jumps("direct", config) == "direct"  # ProxyJump none: reached directly


def test_what_the_inventory_gives_a_hop_stays_with_that_hop_when_the_chain_grows(
    tmp_path: Path,
) -> None:
    given = (JumpOptions(identity_file="/keys/bastion", connect_timeout=7.0),)
    hops, options = resolve_jump_hops("bastion", chained(tmp_path), given)
    assert hops.split(",")[1] == "10.99.0.1"
    assert options[1] == JumpOptions(identity_file="/keys/bastion", connect_timeout=7.0)


@pytest.mark.parametrize(
    ("jumps", "chain"),
    [("loop-a", "loop-a → loop-b → loop-a"), ("self", "self → self")],
)
def test_a_proxy_jump_loop_is_bad_input_naming_the_chain(
    tmp_path: Path, jumps: str, chain: str
) -> None:
    config = chained(tmp_path)
    with pytest.raises(InputError, match="ProxyJump loops") as caught:
        resolve_jumps(jumps, config)
    assert chain in str(caught.value) and str(tmp_path / "c") in str(caught.value)


def test_jump_hosts_nested_too_deep_are_bad_input(tmp_path: Path) -> None:
    levels = MAX_JUMP_DEPTH + 2
    text = "".join(f"Host j{i}\n    ProxyJump j{i + 1}\n" for i in range(levels))
    config = chained(tmp_path, text)
    with pytest.raises(InputError, match=f"more than {MAX_JUMP_DEPTH} ProxyJump levels"):
        resolve_jumps("j0", config)
    depth = MAX_JUMP_DEPTH  # j0 … j{depth}: as deep as is followed
    text = "".join(f"Host j{i}\n    ProxyJump j{i + 1}\n" for i in range(depth))
    assert resolve_jumps("j0", chained(tmp_path, text)).count(",") == depth


def test_an_audit_of_a_host_behind_a_chained_jump_host(tmp_path: Path) -> None:
    (tmp_path / "inv.yaml").write_text(
        "segments: [{name: lan, zone: intranet, cidr: 10.20.0.0/24}]\n"
        "defaults: {ssh: {connect_timeout: 20}}\n"
        "hosts: [{name: pc-07, address: 10.20.0.17, segment: lan}]\n",
        encoding="utf-8",
    )
    inventory, _ = apply_ssh_config(load_inventory(tmp_path / "inv.yaml"), chained(tmp_path))
    (host,) = inventory.hosts
    assert host.ssh.proxy_jump == "jumper@192.0.2.10,10.99.0.1"
    # the inventory's connect_timeout is the target's; bastion's own ConnectTimeout is its hop's
    assert host.ssh.connect_timeout == 20.0
    assert [j.connect_timeout for j in host.ssh.jump_options] == [None, 3.0]


HOPS = """\
segments: [{name: lan, zone: intranet, cidr: 10.20.0.0/24}]
defaults:
  ssh:
    identity_file: keys/target
    proxy_jump:
      - gw.example
      - jump: auditor@bastion:2222
        identity_file: keys/bastion
        connect_timeout: 4
hosts:
  - {name: pc-07, address: 10.20.0.17, segment: lan}
  - {name: pc-08, address: 10.20.0.18, segment: lan, ssh: {proxy_jump: "gw.example"}}
  - {name: pc-09, address: 10.20.0.19, segment: lan, ssh: {proxy_jump: null}}
"""


def test_the_inventory_gives_a_jump_host_its_own_identity_file(tmp_path: Path) -> None:
    (tmp_path / "inv.yaml").write_text(HOPS, encoding="utf-8")
    hosts = {h.name: h.ssh for h in load_inventory(tmp_path / "inv.yaml").hosts}
    s = hosts["pc-07"]
    assert s.proxy_jump == "gw.example,auditor@bastion:2222"
    # relative paths from the inventory's folder, as the target's identity_file
    bastion = JumpOptions(identity_file=str(tmp_path / "keys/bastion"), connect_timeout=4.0)
    assert s.jump_options == (JumpOptions(), bastion)
    assert s.jump(1) == bastion and s.jump(0) == s.jump(5) == JumpOptions()
    # a host's own proxy_jump replaces the defaults' hops with their options
    assert (hosts["pc-08"].proxy_jump, hosts["pc-08"].jump_options) == ("gw.example", ())
    assert (hosts["pc-09"].proxy_jump, hosts["pc-09"].jump_options) == (None, ())


def test_a_jump_hosts_identity_file_writes_back_and_reads_the_same(tmp_path: Path) -> None:
    (tmp_path / "inv.yaml").write_text(HOPS, encoding="utf-8")
    inv = load_inventory(tmp_path / "inv.yaml")
    text = dump_inventory(inv)
    (tmp_path / "again.yaml").write_text(text, encoding="utf-8")
    again = load_inventory(tmp_path / "again.yaml")
    assert [h.ssh for h in again.hosts] == [h.ssh for h in inv.hosts]
    assert "jump: auditor@bastion:2222" in text and "- gw.example" in text
    assert "proxy_jump: gw.example\n" in text  # a host without hop options: text, as before


def test_the_config_fills_in_a_hop_only_where_the_inventory_gave_nothing(tmp_path: Path) -> None:
    (tmp_path / "inv.yaml").write_text(HOPS, encoding="utf-8")
    config = chained(
        tmp_path,
        "Host bastion\n    IdentityFile /cfg/bastion\n    ConnectTimeout 9\n"
        "Host gw.example\n    IdentityFile /cfg/gw\n    ConnectTimeout 2\n",
    )
    inv, _ = apply_ssh_config(load_inventory(tmp_path / "inv.yaml"), config)
    s = next(h.ssh for h in inv.hosts if h.name == "pc-07")
    assert s.jump_options == (
        JumpOptions(identity_file="/cfg/gw", connect_timeout=2.0),
        JumpOptions(identity_file=str(tmp_path / "keys/bastion"), connect_timeout=4.0),
    )


@pytest.mark.parametrize(
    ("hops", "message"),
    [
        ("[gw, 'a,b']", "invalid jump host 'a,b'; expected [user@]host[:port], one hop per"),
        ("[]", "expected at least one jump host"),
        ("[{identity_file: k}]", "jump: required key is missing"),
        ("[{jump: gw, identity: k}]", "unknown key 'identity'"),
        ("[{jump: gw, identity_file: null}]", "identity_file: expected text"),
        ("[{jump: gw, connect_timeout: 0}]", "must be a positive number"),
        ("[{jump: 'gw;rm -rf /'}]", "invalid jump host"),
        ("{jump: gw}", "expected text"),
    ],
)
def test_a_bad_hop_is_bad_input_naming_the_field(tmp_path: Path, hops: str, message: str) -> None:
    (tmp_path / "inv.yaml").write_text(
        INVENTORY.replace('"bastion,x@10.20.0.1:23"', hops), encoding="utf-8"
    )
    with pytest.raises(InputError, match="proxy_jump") as caught:
        load_inventory(tmp_path / "inv.yaml")
    assert message in str(caught.value)


def test_the_command_line_opens_jump_host_identities_before_the_audit(tmp_path: Path) -> None:
    from netguard.cli.sshsetup import load_identities

    (tmp_path / "inv.yaml").write_text(HOPS, encoding="utf-8")
    ids = load_identities(load_inventory(tmp_path / "inv.yaml"))
    assert ids is not None
    assert set(ids._cache) == {str(tmp_path / "keys/target"), str(tmp_path / "keys/bastion")}

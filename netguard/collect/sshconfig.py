"""An OpenSSH client configuration (``~/.ssh/config``) read for the hosts of an inventory
(``netguard audit --ssh-config [FILE]``, docs/ssh.md).

paramiko parses it; nothing of it reaches a shell. Only the options netguard can honour
without running anything are used; the others are said once, never silently dropped.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field, replace
from typing import Any

import paramiko

from netguard.errors import InputError
from netguard.model import JUMP_HOP, Host, Inventory, JumpOptions, SshSettings

#: the default file of ``--ssh-config`` with no FILE
DEFAULT_PATH = "~/.ssh/config"

#: ssh_config options netguard honours (lower case, as paramiko gives them)
SUPPORTED = (
    "hostname",
    "user",
    "port",
    "identityfile",
    "proxyjump",
    "connecttimeout",
    "userknownhostsfile",
)


@dataclass(frozen=True)
class SshConfig:
    path: str
    sha256: str
    parsed: paramiko.SSHConfig = field(repr=False, compare=False)

    def lookup(self, name: str) -> dict[str, Any]:
        """The options of the Host blocks matching ``name`` (first value wins, as OpenSSH);
        paramiko always answers ``hostname`` (the name itself when no block sets it)."""
        return dict(self.parsed.lookup(name))


@dataclass
class ConfigNotes:
    """What the configuration said that netguard did not do, collected over all hosts."""

    ignored: dict[str, set[str]] = field(default_factory=dict)  # option → hosts
    proxy_command: set[str] = field(default_factory=set)  # hosts whose ProxyCommand is not run
    hostname: dict[str, str] = field(default_factory=dict)  # host → HostName not followed


def read_ssh_config(path: str | None) -> SshConfig:
    """The file (``None``: ``~/.ssh/config``), parsed; InputError when it cannot be read."""
    shown = path or DEFAULT_PATH
    full = os.path.expanduser(shown)
    try:
        with open(full, "rb") as fh:
            data = fh.read()
        text = data.decode("utf-8")
        parsed = paramiko.SSHConfig.from_text(text)
    except (OSError, UnicodeDecodeError, paramiko.SSHException, ValueError) as exc:
        raise InputError(
            f"cannot read the SSH client configuration {shown}: {exc}",
            file=shown,
            field="--ssh-config",
        ) from None
    return SshConfig(os.path.abspath(full), hashlib.sha256(data).hexdigest(), parsed)


def apply_ssh_config(inventory: Inventory, config: SshConfig) -> tuple[Inventory, ConfigNotes]:
    """Every SSH host's settings with the configuration's values for the fields the inventory
    did not write (the inventory wins: it is what the audit is reproduced from). A host is
    matched by its inventory name, then by its address."""
    notes = ConfigNotes()
    hosts = tuple(
        replace(h, ssh=_settings(h, config, notes)) if h.transport == "ssh" else h
        for h in inventory.hosts
    )
    return replace(inventory, hosts=hosts), notes


def _settings(host: Host, config: SshConfig, notes: ConfigNotes) -> SshSettings:
    by_name, by_address = config.lookup(host.name), config.lookup(str(host.address))
    found = {**by_address, **by_name}  # the name's blocks first: the name is what people type
    target = by_name.get("hostname")  # paramiko answers the name itself when no block sets it
    found["hostname"] = by_address.get("hostname") if target == host.name else target
    s, written = host.ssh, host.ssh.written
    changes: dict[str, Any] = {}
    for option, value in found.items():
        if option not in SUPPORTED:
            if option == "proxycommand":
                notes.proxy_command.add(host.name)
            else:
                notes.ignored.setdefault(option, set()).add(host.name)
            continue
        if option == "hostname":
            if value not in (host.name, str(host.address)):
                notes.hostname[host.name] = str(value)
            continue
        field_name, converted = _converted(option, value)
        if field_name is not None and field_name not in written:
            changes[field_name] = converted
    jumps = changes.get("proxy_jump", s.proxy_jump)
    if jumps is not None:
        given = s.jump_options if "proxy_jump" in written else ()
        changes["proxy_jump"], changes["jump_options"] = resolve_jump_hops(jumps, config, given)
    return replace(s, **changes)


def _converted(option: str, value: Any) -> tuple[str | None, Any]:
    first = value[0] if isinstance(value, list) else value
    if option == "user":
        return "user", str(first)
    if option == "port":
        return "port", _number(option, first, int)
    if option == "connecttimeout":
        return "connect_timeout", float(_number(option, first, int))
    if option == "identityfile":
        return "identity_file", os.path.normpath(os.path.expanduser(str(first)))
    if option == "userknownhostsfile":
        return "known_hosts", os.path.normpath(os.path.expanduser(str(first).split()[0]))
    if option == "proxyjump":
        return "proxy_jump", None if str(first).lower() == "none" else str(first)
    return None, None


def _number(option: str, text: Any, kind: type[int]) -> int:
    try:
        number = kind(str(text))
    except ValueError:
        raise InputError(f"ssh_config: {option} {text!r} is not a whole number") from None
    if number <= 0 or (option == "port" and number > 65535):
        raise InputError(f"ssh_config: {option} {text!r} is out of range")
    return number


#: how many levels of a jump host's own ProxyJump are followed (the jump host of the jump host
#: of …): OpenSSH follows them without end, a configuration that loops included
MAX_JUMP_DEPTH = 8


def resolve_jumps(jumps: str, config: SshConfig) -> str:
    return resolve_jump_hops(jumps, config)[0]


def resolve_jump_hops(
    jumps: str, config: SshConfig, given: tuple[JumpOptions, ...] = ()
) -> tuple[str, tuple[JumpOptions, ...]]:
    """Each hop's alias through the configuration, as OpenSSH does: its ``HostName``, ``User``,
    ``Port``, ``IdentityFile`` and ``ConnectTimeout``, and the first hop's own ``ProxyJump``
    (followed, the chain growing in front of it, at most ``MAX_JUMP_DEPTH`` levels; a loop is
    bad input). What the hop itself wrote (``user@``, ``:port``) and ``given`` (the inventory's
    options per hop) win. Returns the hops and, per hop, its options."""
    hops, options = _expand(jumps, config, given, ())
    return ",".join(hops), tuple(options)


def _expand(
    jumps: str, config: SshConfig, given: tuple[JumpOptions, ...], via: tuple[str, ...]
) -> tuple[list[str], list[JumpOptions]]:
    """``via``: the aliases whose ProxyJump led here, the outermost first."""
    hops: list[str] = []
    options: list[JumpOptions] = []
    for i, written in enumerate(hop.strip() for hop in jumps.split(",")):
        if not JUMP_HOP.fullmatch(written):
            raise InputError(
                f"ssh_config: invalid jump host {written!r} in ProxyJump {jumps!r}; expected "
                "[user@]host[:port], hops separated by commas",
                file=config.path,
                field="--ssh-config",
            )
        user, alias, port = split_hop(written)
        found = config.lookup(alias)
        onward = _converted("proxyjump", found["proxyjump"])[1] if "proxyjump" in found else None
        if i == 0 and onward is not None:  # OpenSSH: the other hops come with -J, not their own
            chain = " → ".join((*via, alias))
            if alias in via:
                raise InputError(
                    f"ssh_config: ProxyJump loops: {chain}",
                    file=config.path,
                    field="--ssh-config",
                )
            if len(via) >= MAX_JUMP_DEPTH:
                raise InputError(
                    f"ssh_config: jump hosts reached through more than {MAX_JUMP_DEPTH} "
                    f"ProxyJump levels: {chain} → …",
                    file=config.path,
                    field="--ssh-config",
                )
            outer_hops, outer_options = _expand(onward, config, (), (*via, alias))
            hops += outer_hops
            options += outer_options
        name = str(found.get("hostname", alias))
        user = user or (str(found["user"]) if "user" in found else None)
        port = port or (_number("port", found["port"], int) if "port" in found else None)
        joined = join_hop(user, name, port)
        if not JUMP_HOP.fullmatch(joined):  # a HostName or User the configuration gave
            raise InputError(
                f"ssh_config: jump host {written!r} resolves to {joined!r}, which is not "
                "[user@]host[:port]",
                file=config.path,
                field="--ssh-config",
            )
        hops.append(joined)
        mine = given[i] if i < len(given) else JumpOptions()
        options.append(
            JumpOptions(
                identity_file=mine.identity_file or _option(found, "identityfile"),
                connect_timeout=mine.connect_timeout or _option(found, "connecttimeout"),
            )
        )
    return hops, options


def _option(found: dict[str, Any], option: str) -> Any:
    """One option of a lookup, converted; None when no block sets it."""
    return _converted(option, found[option])[1] if option in found else None


def split_hop(hop: str) -> tuple[str | None, str, int | None]:
    """``[user@]host[:port]`` → (user, host, port); a bracketed IPv6 host loses its brackets."""
    user, _, rest = hop.rpartition("@")
    port: int | None = None
    if rest.startswith("["):
        host, _, tail = rest[1:].partition("]")
        if tail.startswith(":"):
            port = int(tail[1:])
    else:
        host, sep, tail = rest.partition(":")
        if sep:
            port = int(tail)
    return user or None, host, port


def join_hop(user: str | None, host: str, port: int | None) -> str:
    shown = f"[{host}]" if ":" in host else host
    return (f"{user}@" if user else "") + shown + (f":{port}" if port else "")

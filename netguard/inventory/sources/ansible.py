"""Ansible inventories, INI and YAML: hosts, groups (with children) and their variables.

Read as text, never run: no inventory plugin, script or Jinja2 template is evaluated, and
``ansible_ssh_common_args`` is split like a shell would split it (``shlex``) without any shell.
Variables: all ← groups (parents before children, then by name, as Ansible orders groups of the
same depth) ← the host's own. The ones netguard uses:

- ``ansible_host`` (else the inventory name) → address; ``ansible_user`` → ``ssh.user``;
  ``ansible_port`` → ``ssh.port``; ``ansible_ssh_private_key_file`` → ``ssh.identity_file``
  (relative to the inventory's folder); ``ansible_connection=local`` → transport ``local``;
- ``ansible_ssh_common_args`` / ``ansible_ssh_extra_args``: ``-o ProxyJump=…`` (or ``-J``) →
  ``ssh.proxy_jump`` (hops as OpenSSH writes them, each checked as ``[user@]host[:port]``; the
  jump hosts' keys are verified like the target's); any other option is noted as ignored;
- ``netguard_segment``, ``netguard_department``, ``netguard_owner``, ``netguard_location``,
  ``netguard_mac``, ``netguard_os``: what the mapping file would otherwise say;
  ``netguard_audit=false``: a registered device the audit does not contact.

Groups become the host's tags; the mapping maps them to segments and departments.
"""

from __future__ import annotations

import ast
import re
import shlex
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netguard.errors import InputError
from netguard.inventory.loader import JUMP_HOP, resolve_path
from netguard.inventory.sources.build import Entry, Problem
from netguard.yamlsrc import Node, load_file

#: Variables that change how Ansible connects but that netguard cannot follow: noted.
_UNUSED_CONNECTION = {
    "ansible_password": "passwords are not used: netguard logs in with a key or the ssh-agent",
    "ansible_ssh_pass": "passwords are not used: netguard logs in with a key or the ssh-agent",
    "ansible_ssh_args": "not used: netguard does not pass options to ssh",
    "ansible_host_key_checking": "not used: host keys are always checked",
    "ansible_ssh_host_key_checking": "not used: host keys are always checked",
}
_SECTION = re.compile(r"\[([^\]:\s]+)(?::(vars|children))?\]\s*(?:[#;].*)?$")
_RANGE = re.compile(r"\[([0-9a-zA-Z]+):([0-9a-zA-Z]+)(?::([0-9]+))?\]")
#: At most this many hosts from one range pattern (web[1:100000] is a typo, not an office).
MAX_RANGE = 4096


@dataclass
class _Host:
    name: str
    line: int | None
    vars: dict[str, Any] = field(default_factory=dict)
    groups: list[str] = field(default_factory=list)


@dataclass
class _Group:
    name: str
    vars: dict[str, Any] = field(default_factory=dict)
    children: list[str] = field(default_factory=list)


@dataclass
class _Tree:
    hosts: dict[str, _Host] = field(default_factory=dict)
    groups: dict[str, _Group] = field(default_factory=dict)

    def group(self, name: str) -> _Group:
        return self.groups.setdefault(name, _Group(name))

    def host(self, name: str, line: int | None, group: str) -> _Host:
        h = self.hosts.setdefault(name, _Host(name, line))
        if group not in h.groups:
            h.groups.append(group)
        self.group(group)
        return h


def read_ansible(path: str, problems: list[Problem]) -> list[Entry]:
    """The hosts of an Ansible inventory (YAML when the file says so by its name, else INI)."""
    if Path(path).suffix.lower() in (".yml", ".yaml"):
        tree = _yaml_tree(path)
    else:
        tree = _ini_tree(path, problems)
    return _entries(tree, path, problems)


# -- INI -----------------------------------------------------------------------------------------


def _ini_tree(path: str, problems: list[Problem]) -> _Tree:
    text = _read_text(path)
    tree = _Tree()
    section, kind = "ungrouped", "hosts"
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            m = _SECTION.match(line)
            if m is None:
                raise InputError(f"not a section header: {line!r}", file=path, line=number)
            section, kind = m.group(1), m.group(2) or "hosts"
            tree.group(section)
            continue
        try:
            words = shlex.split(line, comments=True)
        except ValueError as exc:
            problems.append(Problem(path, number, "", f"cannot split the line: {exc}", True))
            continue
        if not words:
            continue
        if kind == "children":
            tree.group(section).children.append(words[0])
            tree.group(words[0])
        elif kind == "vars":
            key, eq, value = line.partition("=")
            if not eq:
                problems.append(Problem(path, number, section, "expected key=value", True))
                continue
            tree.group(section).vars[key.strip()] = _unquote(value.strip())
        else:
            host_vars: dict[str, Any] = {}
            bad = [w for w in words[1:] if "=" not in w]
            if bad:
                problems.append(
                    Problem(path, number, words[0], f"expected key=value, got {bad[0]!r}", True)
                )
                continue
            for word in words[1:]:
                key, _, value = word.partition("=")
                host_vars[key] = _literal(value)
            try:
                names = expand(words[0])
            except ValueError as exc:
                problems.append(Problem(path, number, words[0], str(exc), True))
                continue
            for name in names:
                host, colon, port = name.rpartition(":")
                if colon and port.isdigit() and ":" not in host:  # host:port, as Ansible allows
                    name, host_vars = host, {"ansible_port": port, **host_vars}
                tree.host(name, number, section).vars.update(host_vars)
    return tree


def _read_text(path: str) -> str:
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError("inventory file not found", file=path) from None
    except OSError as exc:
        raise InputError(f"cannot read inventory file: {exc.strerror or exc}", file=path) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError("not UTF-8 text; save the file as UTF-8", file=path, line=line) from None


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _literal(value: str) -> Any:
    """A host line's value as Ansible reads it: a Python literal when it is one, else text."""
    try:
        parsed = ast.literal_eval(value)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return value
    return parsed if isinstance(parsed, str | int | float | bool) else value


def expand(pattern: str) -> list[str]:
    """``web[01:03].lan`` → web01.lan, web02.lan, web03.lan; ``db-[a:c]``; a stride after a
    second colon. Leading zeros of the start keep the width, as in Ansible."""
    m = _RANGE.search(pattern)
    if m is None:
        return [pattern]
    start, end, stride = m.group(1), m.group(2), int(m.group(3) or 1)
    head, tail = pattern[: m.start()], pattern[m.end() :]
    if start.isdigit() and end.isdigit():
        width = len(start) if start.startswith("0") else 0
        values = [str(i).zfill(width) for i in range(int(start), int(end) + 1, max(stride, 1))]
    elif len(start) == 1 and len(end) == 1 and start.isalpha() and end.isalpha():
        letters = string.ascii_letters
        values = list(letters[letters.index(start) : letters.index(end) + 1 : max(stride, 1)])
    else:
        raise ValueError(f"invalid host range [{m.group(0)[1:-1]}]")
    if not values:
        raise ValueError(f"empty host range [{m.group(0)[1:-1]}]")
    if len(values) > MAX_RANGE:
        raise ValueError(f"host range of {len(values)} hosts (at most {MAX_RANGE})")
    return [name for v in values for name in expand(head + v + tail)]


# -- YAML ----------------------------------------------------------------------------------------


def _yaml_tree(path: str) -> _Tree:
    doc = load_file(path, "inventory")
    root = doc.root()
    tree = _Tree()
    if root.is_null:
        return tree
    for name, node in root.mapping(None, what="a mapping of groups (all: ...)").items():
        _yaml_group(tree, name, node)
    return tree


def _yaml_group(tree: _Tree, name: str, node: Node) -> None:
    group = tree.group(name)
    if node.is_null:
        return
    m = node.mapping(("hosts", "vars", "children"), what="a group (hosts, vars, children)")
    if "vars" in m and not m["vars"].is_null:
        group.vars.update(_plain(m["vars"].mapping(None, what="a mapping of variables")))
    if "hosts" in m and not m["hosts"].is_null:
        hosts = m["hosts"]
        for host_name, value in hosts.mapping(None, what="a mapping of hosts").items():
            line = hosts.key_line(host_name)
            host_vars = {}
            if not value.is_null:
                host_vars = _plain(value.mapping(None, what="a mapping of host variables"))
            try:
                names = expand(host_name)
            except ValueError as exc:
                value.fail(str(exc), line=line)
            for one in names:
                tree.host(one, line, name).vars.update(host_vars)
    if "children" in m and not m["children"].is_null:
        for child, child_node in m["children"].mapping(None, what="a mapping of groups").items():
            if child not in group.children:
                group.children.append(child)
            _yaml_group(tree, child, child_node)


def _plain(m: dict[str, Node]) -> dict[str, Any]:
    return {k: v.value for k, v in m.items()}


# -- hosts with their variables --------------------------------------------------------------------


def _ancestors(tree: _Tree) -> dict[str, dict[str, int]]:
    """Each group's ancestors with their depth below ``all`` (a group is its own ancestor)."""
    parents: dict[str, set[str]] = {}
    for g in tree.groups.values():
        for child in g.children:
            parents.setdefault(child, set()).add(g.name)
    out: dict[str, dict[str, int]] = {}

    def depth(name: str, seen: frozenset[str]) -> int:
        ups = [p for p in parents.get(name, ()) if p not in seen and p != "all"]
        return 1 + max((depth(p, seen | {name}) for p in ups), default=0)

    for name in tree.groups:
        found: dict[str, int] = {}
        todo, seen = [name], set()
        while todo:
            up = todo.pop()
            if up in seen:
                continue
            seen.add(up)
            found[up] = 0 if up == "all" else depth(up, frozenset())
            todo.extend(parents.get(up, ()))
        out[name] = found
    return out


def _entries(tree: _Tree, path: str, problems: list[Problem]) -> list[Entry]:
    ancestors = _ancestors(tree)
    folder = Path(path).absolute().parent
    entries = []
    for host in tree.hosts.values():
        groups: dict[str, int] = {}
        for g in host.groups:
            groups.update(ancestors.get(g, {g: 1}))
        ordered = sorted((d, g) for g, d in groups.items() if g != "all")
        merged: dict[str, Any] = dict(tree.groups["all"].vars) if "all" in tree.groups else {}
        for _, g in ordered:
            merged.update(tree.groups[g].vars)
        merged.update(host.vars)
        tags = [g for _, g in ordered if g != "ungrouped"]
        entries.append(_entry(host, merged, tags, folder))
    return entries


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _entry(host: _Host, v: dict[str, Any], groups: list[str], folder: Path) -> Entry:
    e = Entry(
        line=host.line,
        name=host.name,
        address=_text(v.get("ansible_host", host.name)),
        labels={
            "name": host.name,
            "address": "ansible_host" if "ansible_host" in v else host.name,
            "segment": "netguard_segment" if "netguard_segment" in v else "groups",
            "ssh.user": "ansible_user",
            "ssh.identity_file": "ansible_ssh_private_key_file",
            "mac": "netguard_mac",
            "os": "netguard_os",
        },
        segment=_text(v.get("netguard_segment")),
        groups=tuple(groups),
        department=_text(v.get("netguard_department")),
        owner=_text(v.get("netguard_owner")),
        location=_text(v.get("netguard_location")),
        mac=_text(v.get("netguard_mac")),
        os=_text(v.get("netguard_os")),
    )
    if "netguard_audit" in v:
        e.audit = _text(v["netguard_audit"]).casefold() not in ("false", "no", "0", "off")
    if "ansible_user" in v or "ansible_ssh_user" in v:
        e.ssh["user"] = _text(v.get("ansible_user", v.get("ansible_ssh_user")))
    port = v.get("ansible_port", v.get("ansible_ssh_port"))
    if port is not None:
        try:
            number = int(str(port))
        except ValueError:
            number = 0
        if 1 <= number <= 65535:
            e.ssh["port"] = number
        else:
            e.notes.append(("ansible_port", f"{port!r} is no port (1..65535); port 22 is used"))
    key = v.get("ansible_ssh_private_key_file", v.get("ansible_private_key_file"))
    if key:
        e.ssh["identity_file"] = resolve_path(_text(key), folder)
    connection = _text(v.get("ansible_connection", "ssh"))
    if connection == "local":
        e.transport = "local"
    elif connection not in ("ssh", "smart", "paramiko", "paramiko_ssh"):
        e.notes.append(
            ("ansible_connection", f"{connection!r} is not used: netguard connects over SSH")
        )
    for var in ("ansible_ssh_common_args", "ansible_ssh_extra_args"):
        if v.get(var):
            jump, notes = ssh_args(_text(v[var]))
            e.notes.extend((var, why) for why in notes)
            if jump:  # the later variable wins, as ssh takes the last -J it is given
                e.ssh["proxy_jump"] = jump
    for var, why in _UNUSED_CONNECTION.items():
        if var in v:
            e.notes.append((var, why))
    return e


def ssh_args(text: str) -> tuple[str, list[str]]:
    """The ProxyJump of extra ssh options ("" when none), and what netguard says about the rest:
    split as a shell would (no shell runs); only ProxyJump is used."""
    try:
        words = shlex.split(text)
    except ValueError as exc:
        return "", [f"cannot split the options ({exc}); ignored"]
    out: list[str] = []
    proxy = ""
    i = 0
    while i < len(words):
        word = words[i]
        value = ""
        if word in ("-o", "-J") and i + 1 < len(words):
            value = words[i + 1]
            i += 1
        elif word.startswith(("-o", "-J")) and len(word) > 2:
            value = word[2:]
        key, _, jump = value.replace("=", " ", 1).partition(" ")
        if word.startswith("-J") or (word.startswith("-o") and key.casefold() == "proxyjump"):
            target = value if word.startswith("-J") else jump.strip()
            hops = [hop.strip() for hop in target.split(",")]
            bad = [hop for hop in hops if not JUMP_HOP.fullmatch(hop)]
            if target.casefold() == "none":
                proxy = ""
            elif bad:
                out.append(
                    f"ProxyJump {target!r}: {bad[0]!r} is no [user@]host[:port]; "
                    "left out, so netguard would connect directly"
                )
            else:
                proxy = ",".join(hops)
        else:
            shown = f"{word} {value}".strip() if word in ("-o", "-J") else word
            out.append(f"ignored: {shown!r} (netguard passes no options to ssh)")
        i += 1
    return proxy, out

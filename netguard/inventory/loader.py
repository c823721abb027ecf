"""The native inventory format (YAML): segments, SSH defaults and hosts, validated precisely.

Every rule lives here and every violation is an InputError at ``FILE:LINE: field.path``; the
format is documented in docs/formats.md (keep both in step).

The pieces the imported sources (``netguard.inventory.sources``) build on are public, so an
imported host is held to the same rules: ``parse_segments``, ``parse_ssh_overrides``,
``ssh_settings``, ``resolve_path``, ``one_of``, ``address_or_name``, ``bad_address``,
``normalize_mac`` and the ``HOST_NAME`` alphabet.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from netguard.model import (
    JUMP_HOP,
    ExchangeMedium,
    Host,
    Inventory,
    IPAddress,
    IPNetwork,
    JumpOptions,
    Segment,
    SshSettings,
    Zone,
)
from netguard.yamlsrc import Node, did_you_mean, load_file

TOP_KEYS = ("name", "segments", "defaults", "hosts", "exchange_media")
EXCHANGE_KEYS = ("serial", "label")
SEGMENT_KEYS = ("name", "zone", "cidr", "gateway", "description")
DEFAULTS_KEYS = ("ssh", "os")
HOST_KEYS = (
    "name",
    "address",
    "segment",
    "os",
    "transport",
    "department",
    "owner",
    "location",
    "tags",
    "ssh",
    "mac",
    "audit",
)
#: what an inventory may write in ``ssh`` (a jump host's own options are written in its hop of
#: ``proxy_jump``)
SSH_KEYS = tuple(f.name for f in fields(SshSettings) if f.name not in ("written", "jump_options"))
#: what one hop of ``proxy_jump`` may write when it is a mapping
JUMP_KEYS = ("jump", "identity_file", "connect_timeout")
OS_NAMES = ("linux", "windows")
TRANSPORTS = ("ssh", "local")

# A MAC address as people write it: six octets with ':' or '-' (or none), any case.
MAC_TEXT = re.compile(r"[0-9A-Fa-f]{2}([:-]?)[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}")

# A DNS name as RFC 1123 writes it: labels of letters, digits and '-' (not at either end), at
# most 63 characters each, 253 in all, an optional final dot.
DNS_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")

# Host names reach file names, report paths and terminals: keep them to a portable alphabet.
HOST_NAME = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_.-]{0,62}")


@dataclass
class _Seen:
    """Where something was first defined, for 'duplicate ... (first on line N)' messages."""

    what: str
    line: int | None


def load_inventory(path: str | Path) -> Inventory:
    """Load and validate an inventory file. Raises InputError (file, line, field) on any problem."""
    doc = load_file(path, "inventory")
    root = doc.root()
    if root.is_null:
        root.fail("the inventory is empty; expected a mapping with keys " + ", ".join(TOP_KEYS))
    top = root.mapping(TOP_KEYS, ("segments", "hosts"), what="a mapping (segments, hosts)")

    segments = parse_segments(top["segments"])
    ssh_base: dict[str, Any] = {}
    default_os = "linux"
    if "defaults" in top and not top["defaults"].is_null:
        d = top["defaults"].mapping(DEFAULTS_KEYS)
        if "ssh" in d:
            ssh_base = parse_ssh_overrides(d["ssh"])
        if "os" in d:
            default_os = one_of(d["os"], OS_NAMES)

    registered = _hosts(top["hosts"], segments, ssh_base, default_os, doc.folder)
    exchange = _exchange_media(top["exchange_media"]) if "exchange_media" in top else ()
    name = top["name"].text() if "name" in top and not top["name"].is_null else ""
    return Inventory(
        path=doc.path,
        sha256=doc.sha256,
        segments={name: seg for name, (seg, _) in segments.items()},
        hosts=tuple(h for h in registered if h.audit),
        source=doc.raw,
        exchange_media=exchange,
        devices=tuple(h for h in registered if not h.audit),
        name=name,
    )


def _exchange_media(node: Node) -> tuple[ExchangeMedium, ...]:
    """`exchange_media:` — registered exchange media (专用中转盘), by the serial the kernel logs."""
    if node.is_null:
        return ()
    out: dict[str, tuple[ExchangeMedium, int | None]] = {}
    for item in node.items(what="a list of exchange media"):
        m = item.mapping(EXCHANGE_KEYS, ("serial",), what="an exchange medium (serial, label)")
        serial = m["serial"].text().strip()
        if len(set(serial)) <= 1 or len(serial) > 64 or not serial.isprintable():
            m["serial"].fail(
                f"{serial[:20]!r} identifies no single device (one repeated character, or over "
                "64 characters); register only media with a unique serial"
            )
        if serial in out:
            m["serial"].fail(f"duplicate serial {serial!r} (first on line {out[serial][1]})")
        label = m["label"].text(allow_empty=True) if "label" in m and not m["label"].is_null else ""
        out[serial] = (ExchangeMedium(serial, label), m["serial"].line)
    return tuple(medium for medium, _ in out.values())


# -- segments ------------------------------------------------------------------------------------


def parse_segments(node: Node) -> dict[str, tuple[Segment, Node]]:
    """A ``segments:`` list (the native inventory's, or a mapping file's) by segment name, each
    with the node it was written at (for "first defined on line N" messages). Every rule of
    docs/formats.md is applied: unique names, valid and non-overlapping networks within a
    segment and across zones, gateways inside their segment. Raises InputError at the line."""
    out: dict[str, tuple[Segment, Node]] = {}
    if node.is_null:  # `segments:` with nothing under it reads as an empty list
        return out
    for item in node.items(what="a list of segments"):
        m = item.mapping(SEGMENT_KEYS, ("name", "zone", "cidr"), what="a segment (a mapping)")
        name = m["name"].text()
        if name in out:
            first = out[name][1]
            m["name"].fail(f"duplicate segment name {name!r} (first defined on line {first.line})")
        zone = m["zone"].choice(Zone)
        prefixes = _networks(m["cidr"])
        owner = f"segment {name!r}"
        gateways: list[IPAddress] = []
        if "gateway" in m and not m["gateway"].is_null:
            for gw_node in _one_or_list(m["gateway"], "a gateway address or a list of them"):
                gateway = _address(gw_node)
                taken = next((g for g in gateways if g.version == gateway.version), None)
                if taken is not None:
                    gw_node.fail(
                        f"a second IPv{gateway.version} gateway ({taken} is already registered); "
                        "a segment has at most one gateway per address family"
                    )
                _check_gateway(gw_node, gateway, [net for net, _ in prefixes], owner)
                gateways.append(gateway)
        description = ""
        if "description" in m and not m["description"].is_null:
            description = m["description"].text(allow_empty=True)
        seg = Segment(name, zone, tuple(net for net, _ in prefixes), tuple(gateways), description)
        for net, at in prefixes:
            _check_overlaps(seg, net, at, out)
        out[name] = (seg, item)
    return out


def _one_or_list(node: Node, what: str) -> list[Node]:
    """A field that takes one value or a list of them: its values as nodes (a list is not empty)."""
    if not isinstance(node.value, list):
        return [node]
    items = node.items(what=what)
    if not items:
        node.fail(f"expected {what}, got an empty list")
    return items


def _networks(node: Node) -> list[tuple[IPNetwork, Node]]:
    """`cidr:` — one prefix or a list of them (IPv4 and IPv6), none repeated or overlapping."""
    out: list[tuple[IPNetwork, Node]] = []
    for item in _one_or_list(node, "a network (e.g. 10.20.0.0/24) or a list of networks"):
        net = _network(item)
        for other, other_node in out:
            if net.version == other.version and net.overlaps(other):
                item.fail(
                    f"{net} overlaps {other} (line {other_node.line}) of the same segment; "
                    "list each network once"
                )
        out.append((net, item))
    return out


def _check_gateway(node: Node, gateway: IPAddress, prefixes: list[IPNetwork], owner: str) -> None:
    """A gateway lies in a prefix of its own family; an IPv6 router may also be link-local
    (``fe80::1``: routers advertise themselves by their link-local address)."""
    same = [net for net in prefixes if net.version == gateway.version]
    if gateway.version == 6 and gateway.is_link_local:
        if not same:
            node.fail(f"{gateway} is an IPv6 gateway but {owner} registers no IPv6 network")
        return
    inside = next((net for net in same if gateway in net), None)
    if inside is None:
        shown = ", ".join(str(n) for n in same) or f"no IPv{gateway.version} network"
        node.fail(f"{gateway} is outside {owner} ({shown})")
    _check_inside(node, gateway, inside, owner)


def _check_overlaps(
    seg: Segment, net: IPNetwork, at: Node, earlier: dict[str, tuple[Segment, Node]]
) -> None:
    # Overlapping segments of different zones would make "which zone is this address in?"
    # ambiguous, and that question is the heart of the isolation checks. Prefix by prefix.
    for other, other_node in earlier.values():
        if other.zone == seg.zone:
            continue
        for other_net in other.networks(net.version):
            if net.overlaps(other_net):  # same version: networks() picked it
                at.fail(
                    f"{net} ({seg.zone}) overlaps segment {other.name!r} ({other_net}, "
                    f"{other.zone}, line {other_node.line}); segments of different zones must "
                    "not overlap"
                )


def _network(node: Node) -> IPNetwork:
    text = node.text()
    try:
        return ipaddress.ip_network(text, strict=True)
    except ValueError as exc:
        try:  # host bits set: say which network was probably meant
            loose = ipaddress.ip_network(text, strict=False)
        except ValueError:
            node.fail(f"invalid CIDR {text!r}: {exc}; expected e.g. 10.20.0.0/24")
        node.fail(f"invalid CIDR {text!r}: host bits are set (did you mean {loose}?)")


def _address(node: Node) -> IPAddress:
    text = node.text()
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        hint = " (write the address without a prefix length)" if "/" in text else ""
        node.fail(f"invalid IP address {text!r}{hint}")


def is_dns_name(text: str) -> bool:
    """``text`` is a host name by RFC 1123's syntax (``localhost``, ``pc-07.fin.gov.example``).
    A name whose last label is all digits is refused: it is a mistyped IPv4 address
    (``10.0.0.256``), never a name anyone registers."""
    name = text[:-1] if text.endswith(".") else text
    if not name or len(name) > 253:
        return False
    labels = name.split(".")
    return all(DNS_LABEL.fullmatch(label) for label in labels) and not labels[-1].isdigit()


def address_or_name(text: str) -> IPAddress | str | None:
    """An inventory's ``address:``: an IP address (v4 or v6), else a DNS name (lowercased, without
    a final dot: names are case-insensitive), else None."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    if is_dns_name(text):
        return text.rstrip(".").lower()
    return None


def _host_address(node: Node) -> IPAddress | str:
    text = node.text()
    found = address_or_name(text)
    if found is None:
        node.fail(bad_address(text))
    return found


def bad_address(text: str) -> str:
    """Why ``text`` is neither an address nor a name, in one line."""
    if "/" in text:
        return f"invalid IP address {text!r} (write the address without a prefix length)"
    if looks_like_ip(text):
        return f"invalid IP address {text!r}"
    return (
        f"invalid address {text!r}: expected an IPv4 or IPv6 address or a DNS name (letters, "
        "digits and '-' in dot-separated labels, e.g. pc-07.office.example)"
    )


def looks_like_ip(text: str) -> bool:
    """Digits and dots only, or a colon: meant as an IP address, not a name."""
    return ":" in text or (bool(text) and set(text) <= set("0123456789."))


def _check_inside(node: Node, addr: IPAddress, cidr: IPNetwork, owner: str) -> None:
    if addr.version != cidr.version or addr not in cidr:
        node.fail(f"{addr} is outside {owner} ({cidr})")
    # The network and broadcast addresses of an IPv4 subnet cannot belong to a machine.
    if cidr.version == 4 and cidr.prefixlen <= 30:
        if addr == cidr.network_address:
            node.fail(f"{addr} is the network address of {owner} ({cidr})")
        if addr == cidr.broadcast_address:
            node.fail(f"{addr} is the broadcast address of {owner} ({cidr})")


def one_of(node: Node, allowed: tuple[str, ...]) -> str:
    """The node's text when it is one of ``allowed`` (an ``os:``, a ``transport:``); else an
    InputError at the node listing the allowed values, with a "did you mean" hint."""
    v = node.value
    if not isinstance(v, str) or v not in allowed:
        shown = repr(v) if isinstance(v, str) else f"{v!r}"
        hint = did_you_mean(v, allowed) if isinstance(v, str) else ""
        node.fail(f"invalid value {shown}{hint}; expected one of {', '.join(allowed)}")
    return v


# -- SSH settings ----------------------------------------------------------------------------------


def parse_ssh_overrides(node: Node) -> dict[str, Any]:
    """The SSH fields written in one ``ssh:`` mapping, validated (absent fields are not in the
    result, so mappings merge field by field: defaults, then a host's own). Paths are returned
    as written; ``ssh_settings`` resolves them. Raises InputError at the field."""
    if node.is_null:
        return {}
    out: dict[str, Any] = {}
    for key, v in node.mapping(SSH_KEYS, what="a mapping of SSH settings").items():
        if key == "user":
            out[key] = v.text()
        elif key == "port":
            out[key] = v.integer(minimum=1, maximum=65535)
        elif key in ("connect_timeout", "command_timeout"):
            out[key] = v.number(positive=True)
        elif key == "identity_file":
            out[key] = None if v.is_null else v.text()  # null: use the ssh-agent
        elif key == "known_hosts":
            out[key] = v.text()
        elif key == "proxy_jump":  # with its hops' own options, or none: one field
            out[key], out["jump_options"] = (None, ()) if v.is_null else _proxy_jump(v)
    return out


def _proxy_jump(v: Node) -> tuple[str, tuple[JumpOptions, ...]]:
    """The hops as OpenSSH's ProxyJump writes them, and each hop's own options: a text
    (``bastion,auditor@10.9.0.1:2222``), or a list whose items are a hop's text or a mapping
    ``{jump: hop, identity_file: …, connect_timeout: …}``."""
    if not isinstance(v.value, list):
        text = v.text()
        for hop in text.split(","):
            _hop_text(v, hop.strip(), "hops separated by commas (as OpenSSH's ProxyJump)")
        return ",".join(hop.strip() for hop in text.split(",")), ()
    hops: list[str] = []
    options: list[JumpOptions] = []
    for item in v.items(what="jump hosts: a text, or a list of hops"):
        if not isinstance(item.value, dict):
            hops.append(_hop_text(item, item.text().strip(), "one hop per list item"))
            options.append(JumpOptions())
            continue
        m = item.mapping(JUMP_KEYS, ("jump",), what="a jump host")
        hops.append(_hop_text(m["jump"], m["jump"].text().strip(), "one hop per list item"))
        options.append(
            JumpOptions(
                identity_file=m["identity_file"].text() if "identity_file" in m else None,
                connect_timeout=(
                    m["connect_timeout"].number(positive=True) if "connect_timeout" in m else None
                ),
            )
        )
    if not hops:
        v.fail("expected at least one jump host (write null to connect directly)")
    return ",".join(hops), tuple(options)


def _hop_text(v: Node, hop: str, how: str) -> str:
    if not JUMP_HOP.fullmatch(hop):
        v.fail(f"invalid jump host {hop!r}; expected [user@]host[:port], {how}")
    return hop


def resolve_path(path: str, folder: Path) -> str:
    """A path written in an inventory (or a source, or a mapping file) made absolute: ``~``
    expanded first, then a relative path taken from ``folder``, the folder of the file that
    wrote it — not from wherever netguard happens to be started: the inventory and its key
    usually travel together."""
    p = Path(os.path.expanduser(path))
    if not p.is_absolute():
        p = folder / p
    return os.path.normpath(p)


def ssh_settings(merged: dict[str, Any], folder: Path) -> SshSettings:
    """One host's ``SshSettings`` from the fields written for it (``parse_ssh_overrides`` of
    the defaults merged with its own), the rest from SshSettings' defaults; paths resolved from
    ``folder`` (``resolve_path``); ``written`` records which fields were written, so that
    ``--ssh-config`` fills in only the others."""
    s = SshSettings(**merged)
    identity = resolve_path(s.identity_file, folder) if s.identity_file is not None else None
    return SshSettings(
        user=s.user,
        port=s.port,
        identity_file=identity,
        known_hosts=resolve_path(s.known_hosts, folder),
        connect_timeout=float(s.connect_timeout),
        command_timeout=float(s.command_timeout),
        proxy_jump=s.proxy_jump,
        jump_options=tuple(
            replace(j, identity_file=resolve_path(j.identity_file, folder))
            if j.identity_file
            else j
            for j in s.jump_options
        ),
        written=frozenset(merged) - {"jump_options"},
    )


# -- hosts -----------------------------------------------------------------------------------------


def _hosts(
    node: Node,
    segments: dict[str, tuple[Segment, Node]],
    ssh_base: dict[str, Any],
    default_os: str,
    folder: Path,
) -> tuple[Host, ...]:
    if node.is_null:
        return ()
    hosts: list[Host] = []
    names: dict[str, _Seen] = {}
    addresses: dict[str, _Seen] = {}  # an address's text, or a DNS name
    macs: dict[str, _Seen] = {}
    for item in node.items(what="a list of hosts"):
        m = item.mapping(HOST_KEYS, ("name", "address", "segment"), what="a host (a mapping)")
        name = _host_name(m["name"])
        # Case-insensitive: names become file names, and Windows/macOS file systems fold case.
        folded = name.casefold()
        if folded in names:
            first = names[folded]
            m["name"].fail(
                f"duplicate host name {name!r} (first: {first.what!r} on line {first.line})"
            )
        names[folded] = _Seen(name, m["name"].line)

        seg_name = m["segment"].text()
        if seg_name not in segments:
            defined = ", ".join(segments) or "none"
            m["segment"].fail(
                f"unknown segment {seg_name!r}{did_you_mean(seg_name, segments)}; "
                f"defined segments: {defined}"
            )
        segment = segments[seg_name][0]

        address: IPAddress | None = None
        hostname: str | None = None
        found = _host_address(m["address"])
        if isinstance(found, str):  # a name: resolved (and held to the segment) when a run starts
            hostname, key = found, found
        else:
            address, key = found, str(found)
            inside = next((n for n in segment.networks(found.version) if found in n), None)
            if inside is None:
                m["address"].fail(f"{found} is outside segment {seg_name!r} ({segment.cidr_text})")
            _check_inside(m["address"], found, inside, f"segment {seg_name!r}")
        if key in addresses:
            first = addresses[key]
            m["address"].fail(
                f"duplicate address {key} (already host {first.what!r} on line {first.line})"
            )
        addresses[key] = _Seen(name, m["address"].line)

        mac = _mac(m["mac"]) if "mac" in m and not m["mac"].is_null else None
        if mac is not None:
            # one MAC per registered machine: two entries with one MAC are one machine twice
            # (or a copied line), and the sweep could not tell them apart
            if mac in macs:
                first = macs[mac]
                m["mac"].fail(
                    f"duplicate MAC {mac} (already host {first.what!r} on line {first.line})"
                )
            macs[mac] = _Seen(name, m["mac"].line)
        audit = True
        if "audit" in m:
            if not isinstance(m["audit"].value, bool):
                m["audit"].fail(f"expected true or false, got {m['audit'].value!r}")
            audit = m["audit"].value
        host_ssh = parse_ssh_overrides(m["ssh"]) if "ssh" in m else {}
        hosts.append(
            Host(
                name=name,
                address=address,
                segment=seg_name,
                os=one_of(m["os"], OS_NAMES) if "os" in m else default_os,
                ssh=ssh_settings({**ssh_base, **host_ssh}, folder),
                department=_optional_text(m, "department"),
                owner=_optional_text(m, "owner"),
                location=_optional_text(m, "location"),
                tags=_tags(m["tags"]) if "tags" in m else (),
                transport=one_of(m["transport"], TRANSPORTS) if "transport" in m else "ssh",
                mac=mac,
                audit=audit,
                hostname=hostname,
            )
        )
    return tuple(hosts)


def normalize_mac(text: str) -> str | None:
    """``00-1A-2B-3C-4D-5E``, ``001a2b3c4d5e`` → ``00:1a:2b:3c:4d:5e``; None when not a MAC."""
    if not MAC_TEXT.fullmatch(text):
        return None
    digits = re.sub(r"[:-]", "", text).lower()
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def _mac(node: Node) -> str:
    text = node.text()
    mac = normalize_mac(text)
    if mac is None:
        node.fail(f"invalid MAC address {text!r}: expected six hex octets, e.g. 00:1a:2b:3c:4d:5e")
    return mac


def _host_name(node: Node) -> str:
    name = node.text()
    if not HOST_NAME.fullmatch(name) or set(name) == {"."}:
        node.fail(
            f"invalid host name {name!r}: use letters, digits, '.', '-' and '_' only, at most "
            "63 characters, not starting with '-' and not only dots (names become file names)"
        )
    return name


def _optional_text(m: dict[str, Node], key: str) -> str:
    if key not in m or m[key].is_null:
        return ""
    return m[key].text(allow_empty=True)


def _tags(node: Node) -> tuple[str, ...]:
    if node.is_null:
        return ()
    tags = node.texts(what="a list of tags, e.g. [finance]")
    # Order kept for reports; repeats dropped because a tag is a set membership.
    return tuple(dict.fromkeys(tags))

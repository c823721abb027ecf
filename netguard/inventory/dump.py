"""Write an inventory back as the native YAML format (docs/formats.md).

Evidence bundles keep the inventory an audit used. A file inventory is copied byte for byte; an
inventory that never was a file — the local machine's, or a spot check's machine registered
from an office inventory — is written with this, and reads back through ``load_inventory``
into the same segments and hosts.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import yaml

from netguard.inventory.loader import SSH_KEYS
from netguard.model import Host, Inventory, JumpOptions, Segment, SshSettings

_DEFAULT_SSH = SshSettings()


def dump_inventory(inventory: Inventory) -> str:
    doc: dict[str, Any] = {"name": inventory.name} if inventory.name else {}
    doc["segments"] = [_segment(s) for s in inventory.segments.values()]
    doc["hosts"] = [_host(h) for h in inventory.registered]
    if inventory.exchange_media:
        doc["exchange_media"] = [
            {"serial": m.serial, **({"label": m.label} if m.label else {})}
            for m in inventory.exchange_media
        ]
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)


def _segment(seg: Segment) -> dict[str, Any]:
    out: dict[str, Any] = {"name": seg.name, "zone": str(seg.zone), "cidr": _one_or_list(seg.cidr)}
    if seg.gateway:
        out["gateway"] = _one_or_list(seg.gateway)
    if seg.description:
        out["description"] = seg.description
    return out


def _one_or_list(values: tuple[object, ...]) -> str | list[str]:
    """One value as a scalar (the format as most inventories write it), several as a list."""
    return str(values[0]) if len(values) == 1 else [str(v) for v in values]


def _host(h: Host) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": h.name,
        "address": h.hostname or h.address_text,
        "segment": h.segment,
    }
    out["os"] = h.os
    out["transport"] = h.transport
    for key in ("department", "owner", "location"):
        if getattr(h, key):
            out[key] = getattr(h, key)
    if h.tags:
        out["tags"] = list(h.tags)
    if h.mac is not None:
        out["mac"] = h.mac
    if not h.audit:
        out["audit"] = False
    ssh = {
        k: v for k, v in asdict(h.ssh).items() if k in SSH_KEYS and v != getattr(_DEFAULT_SSH, k)
    }
    if h.ssh.proxy_jump is not None and any(j != JumpOptions() for j in h.ssh.jump_options):
        ssh["proxy_jump"] = _jumps(h.ssh)
    if ssh:
        out["ssh"] = ssh
    return out


def _jumps(s: SshSettings) -> list[str | dict[str, Any]]:
    """Hops with options of their own as the inventory's list; the others stay text."""
    out: list[str | dict[str, Any]] = []
    for i, hop in enumerate((s.proxy_jump or "").split(",")):
        own = {k: v for k, v in asdict(s.jump(i)).items() if v is not None}
        out.append({"jump": hop, **own} if own else hop)
    return out

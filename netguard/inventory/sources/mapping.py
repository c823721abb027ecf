"""The mapping file of an import (docs/inventory-import.md): what another host list does not say.

An Ansible inventory has groups but no network segments; an asset register (设备台账) has a
column saying 内网 or 互联网 but no CIDRs. The mapping supplies them, once:

```yaml
name: 某县政府办公室          # optional: the office (the native inventory's `name:`)
segments:                    # as in the native inventory: name, zone, cidr, gateway, description
  - {name: county-intranet, zone: intranet, cidr: 10.20.0.0/24}
defaults: {os: linux, ssh: {user: auditor, identity_file: ~/.ssh/netguard_ed25519}}
groups:                      # Ansible group → segment and/or department
  finance: {segment: county-intranet, department: 财务科}
zones:                       # a register's network words → zones (added to the built-in ones)
  政务网: intranet
kinds:                       # a register's device types → computer (audited) or device (not)
  瘦客户机: computer
columns:                     # a register's headers → fields (added to the built-in ones)
  name: [终端名称]
sheet: 台账                   # XLSX: the sheet to read (default: the first)
```

Every problem is an InputError at ``FILE:LINE: field``, as in the native formats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netguard.inventory.loader import (
    OS_NAMES,
    one_of,
    parse_segments,
    parse_ssh_overrides,
    resolve_path,
)
from netguard.model import Segment, Zone
from netguard.yamlsrc import Node, did_you_mean, load_file

TOP_KEYS = ("name", "segments", "defaults", "groups", "zones", "kinds", "columns", "sheet")
KINDS = ("computer", "device")
GROUP_KEYS = ("segment", "department")
DEFAULTS_KEYS = ("os", "ssh")

#: The fields of a register row, and the headers that name them out of the box. Headers are
#: compared without spaces and case (``IP 地址`` = ``ip地址``). The report CSV's own headers
#: (``report.col.*`` in both catalogs) are among them, so a report reads back;
#: tests/unit/test_inventory_import.py holds them against the catalogs.
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("计算机名", "计算机名称", "主机名", "设备名称", "设备名", "名称", "host", "hostname",
             "name", "computer"),
    "address": ("IP地址", "IP", "IPv4地址", "IPv6地址", "地址", "address", "ip_address",
                "IP address"),
    "mac": ("MAC地址", "MAC", "物理地址", "mac_address"),
    "department": ("所属部门", "部门", "使用部门", "科室", "单位", "department"),
    "owner": ("责任人", "使用人", "保管人", "owner", "person responsible"),
    "location": ("存放地点", "存放位置", "安装地点", "位置", "房间/位置", "房间", "location",
                 "Room / location"),
    "zone": ("网络类型", "所属网络", "网络区域", "入网类型", "网络", "zone", "network zone"),
    "segment": ("网段", "segment"),
    "kind": ("设备类型", "设备类别", "资产类型", "类型", "device type", "kind"),
    "os": ("操作系统", "系统", "os", "operating system"),
}  # fmt: skip

#: Network words of registers → zones. ``外网`` alone is deliberately absent: offices use it
#: for 政务外网 (extranet) and for 互联网 (internet) alike, and a wrong zone is a false alarm or
#: a missed one — a register that says 外网 needs a ``zones:`` entry in the mapping.
ZONE_WORDS: dict[str, Zone] = {
    **{z.value: z for z in Zone},
    "内网": Zone.INTRANET,
    "政务内网": Zone.INTRANET,
    "党政内网": Zone.INTRANET,
    "电子政务内网": Zone.INTRANET,
    "政务外网": Zone.EXTRANET,
    "电子政务外网": Zone.EXTRANET,
    "专网": Zone.DEDICATED,
    "业务专网": Zone.DEDICATED,
    "互联网": Zone.INTERNET,
    "因特网": Zone.INTERNET,
    "国际互联网": Zone.INTERNET,
    "涉密": Zone.CLASSIFIED,
    "涉密网": Zone.CLASSIFIED,
    "涉密内网": Zone.CLASSIFIED,
    "涉密网络": Zone.CLASSIFIED,
    # the English report's words (i18n/en/common.yaml zone.*)
    "Government intranet": Zone.INTRANET,
    "Government extranet": Zone.EXTRANET,
    "Dedicated network": Zone.DEDICATED,
    "Internet": Zone.INTERNET,
    "Classified": Zone.CLASSIFIED,
}

#: Words of a device-type column, found anywhere in the cell: a computer is audited; a device
#: (printer, switch …) is registered with ``audit: false`` — known to ``netguard discover``, never
#: contacted. A cell with words of both, or of neither, is not guessed.
COMPUTER_WORDS = (
    "计算机", "电脑", "台式机", "笔记本", "便携机", "服务器", "终端", "工作站",
    "desktop", "laptop", "notebook", "server", "workstation", "computer", "pc",
)  # fmt: skip
DEVICE_WORDS = (
    "打印", "复印", "扫描", "传真", "交换机", "路由器", "防火墙", "网闸", "摄像", "监控",
    "电话", "投影", "网络设备", "存储设备", "printer", "switch", "router", "firewall", "camera",
    "phone",
)  # fmt: skip

#: Words that name no zone on their own: refused with this hint rather than guessed.
AMBIGUOUS_ZONES = {"外网": "政务外网 (extranet) or 互联网 (internet)?"}


def fold(text: str) -> str:
    """A header or word as compared: no white space (ASCII or full-width), case folded."""
    return "".join(text.split()).replace("\u3000", "").casefold()


@dataclass(frozen=True)
class Group:
    segment: str = ""
    department: str = ""


@dataclass(frozen=True)
class Mapping:
    path: str = ""  # "" when no mapping file was given
    name: str = ""
    segments: dict[str, Segment] = field(default_factory=dict)
    default_os: str = "linux"
    ssh: dict[str, Any] = field(default_factory=dict)  # overrides, paths already absolute
    groups: dict[str, Group] = field(default_factory=dict)
    zones: dict[str, Zone] = field(default_factory=dict)  # folded word → zone
    kinds: dict[str, str] = field(default_factory=dict)  # folded word → computer | device
    #: folded header → field, in order of preference (a register with 计算机名 and 设备名称
    #: takes its names from 计算机名)
    columns: dict[str, str] = field(default_factory=dict)
    sheet: str = ""

    def zone_of(self, word: str) -> Zone | None:
        return self.zones.get(fold(word))

    def audited(self, kind: str) -> bool | None:
        """Whether a register's device type is audited: True for a computer, False for a
        device, None when it cannot be told (unknown, or words of both)."""
        folded = fold(kind)
        if folded in self.kinds:
            return self.kinds[folded] == "computer"
        computer = any(fold(w) in folded for w in COMPUTER_WORDS)
        device = any(fold(w) in folded for w in DEVICE_WORDS)
        return None if computer == device else computer

    def rank(self, header: str) -> int:
        """How preferred a header is among those of its field (lower: more)."""
        order = list(self.columns)
        folded = fold(header)
        return order.index(folded) if folded in order else len(order)


def default_columns() -> dict[str, str]:
    return {fold(h): f for f, headers in COLUMNS.items() for h in headers}


def default_zones() -> dict[str, Zone]:
    return {fold(w): z for w, z in ZONE_WORDS.items()}


def no_mapping() -> Mapping:
    return Mapping(zones=default_zones(), columns=default_columns())


def load_mapping(path: str | Path | None) -> Mapping:
    """The mapping file, validated; without one, the built-in words and no segments."""
    if path is None:
        return no_mapping()
    doc = load_file(path, "mapping")
    root = doc.root()
    if root.is_null:
        root.fail("the mapping is empty; expected a mapping with keys " + ", ".join(TOP_KEYS))
    top = root.mapping(TOP_KEYS, what="a mapping (segments, groups, zones, columns)")
    segments = (
        {n: seg for n, (seg, _) in parse_segments(top["segments"]).items()}
        if "segments" in top
        else {}
    )
    default_os, ssh = "linux", {}
    if "defaults" in top and not top["defaults"].is_null:
        d = top["defaults"].mapping(DEFAULTS_KEYS)
        if "os" in d:
            default_os = one_of(d["os"], OS_NAMES)
        if "ssh" in d:
            ssh = parse_ssh_overrides(d["ssh"])
            for key in ("identity_file", "known_hosts"):  # relative to the mapping's folder
                if ssh.get(key) is not None:
                    ssh[key] = resolve_path(ssh[key], doc.folder)
    return Mapping(
        path=doc.path,
        name=top["name"].text() if "name" in top and not top["name"].is_null else "",
        segments=segments,
        default_os=default_os,
        ssh=ssh,
        groups=_groups(top["groups"], segments) if "groups" in top else {},
        zones={**default_zones(), **(_zones(top["zones"]) if "zones" in top else {})},
        kinds=_kinds(top["kinds"]) if "kinds" in top else {},
        # the mapping's own headers first: among two columns of one field, the earlier wins
        columns=_preferred(_columns(top["columns"]) if "columns" in top else {}),
        sheet=top["sheet"].text() if "sheet" in top and not top["sheet"].is_null else "",
    )


def _groups(node: Node, segments: dict[str, Segment]) -> dict[str, Group]:
    if node.is_null:
        return {}
    out: dict[str, Group] = {}
    for name, value in node.mapping(None, what="a mapping: group → {segment, department}").items():
        m = value.mapping(GROUP_KEYS, what="a mapping with segment and/or department")
        segment = m["segment"].text() if "segment" in m else ""
        if segment and segment not in segments:
            defined = ", ".join(segments) or "none"
            m["segment"].fail(
                f"unknown segment {segment!r}{did_you_mean(segment, segments)}; "
                f"segments of this mapping: {defined}"
            )
        department = m["department"].text() if "department" in m else ""
        out[name] = Group(segment, department)
    return out


def _zones(node: Node) -> dict[str, Zone]:
    if node.is_null:
        return {}
    return {
        fold(word): value.choice(Zone)
        for word, value in node.mapping(None, what="a mapping: word → zone").items()
    }


def _kinds(node: Node) -> dict[str, str]:
    if node.is_null:
        return {}
    out: dict[str, str] = {}
    for word, value in node.mapping(None, what="a mapping: word → computer or device").items():
        text = value.text()
        if text not in KINDS:
            value.fail(
                f"invalid value {text!r}{did_you_mean(text, KINDS)}; expected computer or device"
            )
        out[fold(word)] = text
    return out


def _preferred(mine: dict[str, str]) -> dict[str, str]:
    return {**mine, **{h: f for h, f in default_columns().items() if h not in mine}}


def _columns(node: Node) -> dict[str, str]:
    if node.is_null:
        return {}
    out: dict[str, str] = {}
    for name, value in node.mapping(tuple(COLUMNS), what="a mapping: field → headers").items():
        headers = [value.text()] if isinstance(value.value, str) else value.texts()
        for header in headers:
            out[fold(header)] = name
    return out

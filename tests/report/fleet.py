"""A synthetic city-wide results document (``netguard.results/1``) for report tests and benchmarks.

Independent of netguard (plain dicts, standard library only), so it can also feed other tools.
Shaped after the city platform in OFFICES.md: 54 units, ~200 VLANs, 12,000 points (60 % intranet,
40 % extranet); ten findings per audited host like the real checks, with evidence of realistic
size; a few percent of hosts failing each check or not reachable. Deterministic for a seed.

    python tests/report/fleet.py 12000 out.json
"""

from __future__ import annotations

import json
import random
import sys
from typing import Any

UNITS = (
    "办公室", "财务局", "公安局", "税务局", "人社局", "水利局", "教育局", "卫健委", "民政局",
    "自然资源局", "住建局", "交通局", "农业农村局", "商务局", "文旅局", "应急管理局", "审计局",
    "统计局", "市场监管局", "医保局", "信访局", "档案馆", "机关事务局", "发改委", "工信局",
    "司法局", "生态环境局", "林业局", "科技局", "退役军人事务局", "国资委", "体育局", "城管局",
    "人防办", "政务服务中心", "大数据中心", "气象局", "地震局", "供销社", "总工会", "团市委",
    "妇联", "残联", "科协", "侨联", "政协办", "人大办", "纪委监委", "组织部", "宣传部",
    "统战部", "政法委", "编办", "保密办",
)  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
         "明", "超", "秀英", "华", "平", "刚", "桂英", "建华", "晓东")  # fmt: skip
CHECKS = (
    # check, category, severity, failure rate, zones it applies to (None: every zone)
    ("antivirus.installed", "antivirus", "high", 0.02, None),
    ("antivirus.running", "antivirus", "high", 0.03, None),
    ("antivirus.signatures", "antivirus", "high", 0.06, None),
    ("password.max_age", "password", "high", 0.05, None),
    ("password.age", "password", "high", 0.08, None),
    ("isolation.addresses", "isolation", "critical", 0.005, None),
    ("isolation.multi_homed", "isolation", "critical", 0.003, None),
    ("isolation.default_route", "isolation", "critical", 0.005, None),
    ("isolation.forwarding", "isolation", "high", 0.004, None),
    ("isolation.wireless", "isolation", "critical", 0.01, ("intranet", "classified")),
)
ERROR_RATE = 0.004  # per check: output missing or unparseable
HOST_STATUS = (  # status, share of hosts, detail
    ("unreachable", 0.025, "TCP connect to port 22 timed out after 10 s"),
    ("timeout", 0.01, "no SSH handshake within 10 s"),
    ("auth_failed", 0.003, "public key refused for user auditor"),
    ("hostkey_unknown", 0.004, "host key SHA256:Zm9vYmFyYmF6cXV4 is not in known_hosts"),
    ("hostkey_mismatch", 0.002, "host key changed: offered ssh-ed25519 SHA256:bmV3a2V5"),
    ("error", 0.001, "collection script failed: section accounts truncated"),
)
INTRANET_SHARE = 0.6
SEGMENTS = 207


def _person(rng: random.Random) -> tuple[str, str]:
    surname = rng.choice(SURNAMES)
    given = rng.choice(GIVEN)
    return surname + given, f"u{rng.randrange(10_000, 99_999)}"


def _evidence(check: str, failed: bool, account: str, address: str) -> dict[str, Any]:
    """Evidence of roughly the size the real checks record (a few hundred bytes)."""
    if check.startswith("antivirus"):
        return {
            "products": {} if failed else {"ClamAV": ["package clamav", "process clamd"]},
            "catalog": ["ClamAV", "奇安信天擎 (QAX Tianqing)", "火绒 (Huorong)"],
            "age_days": 40.0 if failed else 1.0,
            "limit_days": 7,
        }
    if check.startswith("password"):
        age = 200 if failed else 12
        return {
            "limit_days": 90,
            "considered": ["root", account],
            "age_days": {"root": 12, account: age},
        }
    return {
        "addresses": [f"{address}/24 on eth0"] + (["198.51.100.7/24 on wlan0"] if failed else []),
        "registered_gateway": address.rsplit(".", 1)[0] + ".1",
        "interfaces": ["eth0", "lo"] + (["wlan0"] if failed else []),
    }


def _finding(
    rng: random.Random, spec: tuple[Any, ...], zone: str, account: str, address: str
) -> dict[str, Any]:
    check, category, severity, rate, zones = spec
    title = f"{check} holds"
    if zones is not None and zone not in zones:
        status, message = "not_applicable", f"applies to {', '.join(zones)} hosts"
    else:
        roll = rng.random()
        if roll < ERROR_RATE:
            status, message = "error", "section missing: output truncated"
        elif roll < ERROR_RATE + rate:
            status, message = "fail", f"{check} failed for {account}"
        else:
            status, message = "pass", f"{check} holds"
    return {
        "check": check,
        "category": category,
        "status": status,
        "severity": severity,
        "title": title,
        "message": message,
        "remediation": f"fix {check}" if status == "fail" else "",
        "evidence": _evidence(check, status == "fail", account, address)
        if status != "not_applicable"
        else {},
    }


def _status(rng: random.Random) -> tuple[str, str]:
    roll = rng.random()
    edge = 0.0
    for status, share, detail in HOST_STATUS:
        edge += share
        if roll < edge:
            return status, detail
    return "audited", ""


def fleet_document(hosts: int = 12_000, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    n_intranet_segments = round(SEGMENTS * INTRANET_SHARE)
    out_hosts = []
    for i in range(hosts):
        intranet = i < hosts * INTRANET_SHARE
        seg = i % n_intranet_segments if intranet else i % (SEGMENTS - n_intranet_segments)
        zone = "intranet" if intranet else "extranet"
        net = f"10.{seg // 250}.{seg % 250}" if intranet else f"172.{16 + seg // 250}.{seg % 250}"
        address = f"{net}.{10 + (i // SEGMENTS) % 240}"
        owner, account = _person(rng)
        status, detail = _status(rng)
        findings: list[dict[str, Any]] = []
        if status == "audited":
            findings = [_finding(rng, spec, zone, account, address) for spec in CHECKS]
        elif status == "hostkey_mismatch":
            findings = [
                {
                    "check": "ssh.hostkey",
                    "category": "transport",
                    "status": "fail",
                    "severity": "critical",
                    "title": "The host key matches the one on record",
                    "message": detail,
                    "remediation": "find out why the key changed",
                    "evidence": {"offered_fingerprint": "SHA256:bmV3a2V5"},
                }
            ]
        out_hosts.append(
            {
                "name": f"{zone[:5]}-pc-{i:05d}",
                "address": address,
                "segment": f"{'in' if intranet else 'ex'}-vlan{seg:03d}",
                "zone": zone,
                "os": "linux",
                "department": UNITS[i % len(UNITS)],
                "owner": owner,
                "location": f"{1 + i % 9}号楼{100 + i % 37}室",
                "status": status,
                "detail": detail,
                "duration_s": round(rng.uniform(0.3, 2.5), 3),
                "findings": findings,
            }
        )
    return {
        "schema": "netguard.results/1",
        "netguard_version": "0.1.0",
        "run": {
            "id": f"{rng.getrandbits(128):032x}",
            "started": "2026-11-23T01:00:00+00:00",
            "finished": "2026-11-23T01:14:05+00:00",
            "inventory": {"path": "inventory/city.yaml", "sha256": "ab" * 32},
            "policy": {"name": "baseline", "path": "policies/baseline.yaml", "sha256": "cd" * 32},
        },
        "hosts": out_hosts,
    }


def main(argv: list[str]) -> int:
    hosts = int(argv[1]) if len(argv) > 1 else 12_000
    doc = fleet_document(hosts)
    text = json.dumps(doc, ensure_ascii=False)
    if len(argv) > 2:
        with open(argv[2], "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))

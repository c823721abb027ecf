"""Turn the Linux collection script's sections into Facts.

Everything here reads hostile data: a section is decoded, capped, and parsed strictly; anything
unexpected makes that fact group missing (with the reason), never silently empty.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import ipaddress
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from netguard.errors import CollectionError
from netguard.model.facts import (
    Account,
    Address,
    ClamDatabase,
    Facts,
    Interface,
    RfkillDevice,
    Route,
)

SECTION_CAP = 1048576  # must match `head -c` in scripts/linux.sh
NOT_INSTALLED = 127  # our script's and the shell's "command not found"

# Shells that do not give a login even when listed in /etc/shells.
_NO_LOGIN_SHELLS = {"nologin", "false", "sync", "shutdown", "halt", "true"}


@dataclass(frozen=True)
class Section:
    name: str
    text: str
    rc: int | None  # None: truncated at the cap, the status line was lost

    @property
    def ok(self) -> bool:
        return self.rc == 0


def split_sections(stdout: bytes) -> dict[str, Section]:
    """Decode the script's output. Raises CollectionError if it is not our script's output."""
    sections: dict[str, Section] = {}
    ended = False
    for raw in stdout.splitlines():
        line = raw.decode("ascii", "replace")
        if line == "@@end":
            ended = True
            continue
        if not line.startswith("@@ng "):
            continue  # e.g. a login banner or motd printed by the shell: ignore it
        parts = line.split(" ")
        if len(parts) != 3 or parts[1] in sections:
            raise CollectionError(f"malformed section line: {line[:80]!r}")
        try:
            payload = base64.b64decode(parts[2], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise CollectionError(f"section {parts[1][:40]!r} is not valid base64") from exc
        text = payload.decode("utf-8", "replace")
        body, sep, rc = text.rpartition("\n@@rc ")
        if not sep or len(payload) >= SECTION_CAP or not rc.isdigit():
            sections[parts[1]] = Section(parts[1], text, None)
        else:
            sections[parts[1]] = Section(parts[1], body, int(rc))
    if not ended:
        raise CollectionError("collection output ended early (no end marker): output cut off")
    if not sections:
        raise CollectionError("no collection sections in the output")
    return sections


def _kv_lines(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key.strip()] = value.strip()
    return out


def _int_or_none(field: str) -> int | None:
    field = field.strip()
    return int(field) if field else None


def parse_accounts(passwd: str, shadow: str, shells: str | None) -> tuple[Account, ...]:
    shadow_by_name: dict[str, list[str]] = {}
    for line in shadow.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split(":")
        if len(fields) < 8:
            raise ValueError(f"shadow line with {len(fields)} fields")
        shadow_by_name[fields[0]] = fields
    valid_shells = None
    if shells is not None:
        valid_shells = {s.strip() for s in shells.splitlines() if s.strip().startswith("/")}
    accounts = []
    for line in passwd.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split(":")
        if len(fields) != 7:
            raise ValueError(f"passwd line with {len(fields)} fields")
        name, uid, shell = fields[0], int(fields[2]), fields[6].strip()
        sh = shadow_by_name.get(name)
        if sh is None:
            state, last_change, max_days = "unknown", None, None
        else:
            state = _hash_state(sh[1])
            last_change = _int_or_none(sh[2])
            max_days = _int_or_none(sh[4])
        shell_base = shell.rsplit("/", 1)[-1]
        shell_ok = bool(shell) and shell_base not in _NO_LOGIN_SHELLS
        if valid_shells is not None and shell:
            shell_ok = shell_ok and shell in valid_shells
        login_capable = state in ("usable", "empty") or shell_ok
        accounts.append(Account(name, uid, shell, state, last_change, max_days, login_capable))
    return tuple(accounts)


def _hash_state(field: str) -> str:
    if field == "":
        return "empty"
    if field.startswith("!") or field.startswith("*"):
        return "locked"
    return "usable"


def parse_addresses(text: str) -> tuple[tuple[Address, ...], dict[str, str]]:
    """`ip -j addr show` → addresses, and interface name → operstate."""
    data = json.loads(text)
    if not isinstance(data, list):
        raise ValueError("ip -j addr: not a list")
    addrs: list[Address] = []
    states: dict[str, str] = {}
    for link in data:
        name = str(link["ifname"])
        states[name] = str(link.get("operstate", ""))
        for info in link.get("addr_info", []):
            if info.get("family") not in ("inet", "inet6"):
                continue
            ip = ipaddress.ip_address(info["local"])
            addrs.append(Address(name, ip, int(info["prefixlen"])))
    return tuple(addrs), states


def parse_psutil_addresses(text: str) -> tuple[Address, ...]:
    """psutil.net_if_addrs() as the local transport records it: interface, address, netmask."""
    data = json.loads(text)
    if not isinstance(data, list):
        raise ValueError("psutil addresses: not a list")
    addrs = []
    for item in data:
        ip = ipaddress.ip_address(str(item["address"]).split("%", 1)[0])  # fe80::1%eth0
        mask = ipaddress.ip_address(str(item["netmask"]))
        if mask.version != ip.version:
            raise ValueError(f"netmask {mask} does not fit {ip}")
        prefix = bin(int(mask)).count("1")
        addrs.append(Address(str(item["interface"]), ip, prefix))
    return tuple(addrs)


def parse_default_routes(text: str, family: int) -> tuple[Route, ...]:
    data = json.loads(text) if text.strip() else []
    if not isinstance(data, list):
        raise ValueError("ip -j route: not a list")
    routes = []
    for r in data:
        if r.get("dst") != "default":
            continue
        gw = r.get("gateway")
        routes.append(
            Route(
                family,
                ipaddress.ip_address(gw) if gw else None,
                str(r.get("dev", "")),
                int(r["metric"]) if "metric" in r else None,
            )
        )
    return tuple(routes)


def parse_netdev(text: str) -> tuple[Interface, ...]:
    out = []
    for line in text.splitlines():
        if not line:
            continue
        f = line.split("\t")
        if len(f) != 7:
            raise ValueError(f"netdev line with {len(f)} fields")
        out.append(
            Interface(
                name=f[0],
                arp_type=int(f[1]) if f[1].isdigit() else None,
                wireless=f[2] == "1",
                phy80211=f[3] == "1",
                driver=f[4],
                devtype=f[5],
                operstate=f[6],
            )
        )
    return tuple(out)


def parse_rfkill(text: str) -> tuple[RfkillDevice, ...]:
    out = []
    for line in text.splitlines():
        if not line:
            continue
        f = line.split("\t")
        if len(f) != 4:
            raise ValueError(f"rfkill line with {len(f)} fields")
        out.append(RfkillDevice(f[0], f[1], f[2] == "1", f[3] == "1"))
    return tuple(out)


def parse_services(text: str) -> dict[str, str]:
    """`systemctl list-units --plain --no-legend`: UNIT LOAD ACTIVE SUB DESCRIPTION."""
    out = {}
    for line in text.splitlines():
        f = line.split(None, 4)
        if len(f) < 4 or not f[0].endswith(".service"):
            continue
        out[f[0].removesuffix(".service")] = f[2]
    return out


def parse_dpkg(text: str) -> frozenset[str]:
    # `${db:Status-Abbrev}` is e.g. "ii " for installed; only "i" in the second column counts.
    pkgs = set()
    for line in text.splitlines():
        status, _, name = line.partition(" ")
        name = name.strip()
        if len(status) >= 2 and status[1] == "i" and name:
            pkgs.add(name.split(":", 1)[0])
    return frozenset(pkgs)


# ClamAV writes the build time as strftime("%d %b %Y %H-%M %z"): a dash, so that the colon stays
# the field separator. We also accept a colon, which older hand-made headers use.
_CVD_TIME = re.compile(r"^(\d{1,2}) (\w{3}) (\d{4}) (\d{1,2})[-:](\d{2}) ([+-])(\d{2})(\d{2})$")
_CVD_HEADER = re.compile(
    r"^ClamAV-VDB:(?P<time>\d{1,2} \w{3} \d{4} \d{1,2}[-:]\d{2} [+-]\d{4}):(?P<version>\d+):"
    r"(?P<sigs>\d+):(?P<flevel>\d+):"
)
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}


def parse_cvd_time(text: str) -> float:
    """'17 Nov 2026 04-22 -0500' (the CVD header's build time) → epoch seconds."""
    m = _CVD_TIME.match(text.strip())
    if not m or m.group(2) not in _MONTHS:
        raise ValueError(f"unrecognised CVD build time {text[:40]!r}")
    day, _, year, hour, minute, sign, oh, om = m.groups()
    t = calendar.timegm((int(year), _MONTHS[m.group(2)], int(day), int(hour), int(minute), 0))
    offset = (int(oh) * 60 + int(om)) * 60
    return float(t - offset if sign == "+" else t + offset)


def parse_clamav_db(text: str) -> tuple[ClamDatabase, ...]:
    """Headers of daily/main/bytecode databases.

    CVD header: ``ClamAV-VDB:<build time>:<version>:<sigs>:<flevel>:<md5>:<dsig>:<builder>:<stime>``
    (padded to 512 bytes). A CLD (freshclam's unpacked form) carries the same header.
    """
    dbs = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if not line.startswith("== "):
            continue
        path, _, mtime_s = line[3:].rpartition(" ")
        mtime = float(mtime_s) if mtime_s.isdigit() else None
        header = lines[i + 1] if i + 1 < len(lines) else ""
        build, version, ok = None, None, False
        m = _CVD_HEADER.match(header.strip())
        if m:
            stime = header.strip().rsplit(":", 1)[-1].strip()
            try:
                # The trailing epoch field is exact; the human-readable time is the fallback.
                build = float(stime) if stime.isdigit() else parse_cvd_time(m.group("time"))
                version = int(m.group("version"))
                ok = True
            except ValueError:
                ok = False
        dbs.append(ClamDatabase(path, build, version, mtime, ok))
    return tuple(dbs)


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line for line in text.splitlines() if line)


def parse_linux(stdout: bytes, now: float | None = None) -> Facts:
    """Parse the whole output of scripts/linux.sh into Facts; CollectionError if unusable."""
    sections = split_sections(stdout)
    values: dict[str, Any] = {"now": time.time() if now is None else now}
    problems: dict[str, str] = {}

    def text_of(name: str, *, missing_ok: bool = False, ok_codes: tuple[int, ...] = (0,)) -> str:
        sec = sections.get(name)
        if sec is None:
            raise _Missing(f"section {name} missing from the output")
        if sec.rc is None:
            raise _Missing(f"section {name} truncated at {SECTION_CAP} bytes")
        if sec.rc == NOT_INSTALLED and missing_ok:
            raise _NotThere(f"{name}: command not available on the host")
        if sec.rc not in ok_codes:
            raise _Missing(f"section {name} failed (exit status {sec.rc})")
        return sec.text

    def group(names: tuple[str, ...], fn: Callable[[], Any]) -> None:
        try:
            result = fn()
        except _Missing as exc:  # _NotThere included: the command is absent on the host
            for n in names:
                problems[n] = str(exc)
            return
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            for n in names:
                problems[n] = f"could not parse: {exc}"
            return
        if len(names) == 1:
            values[names[0]] = result
        else:
            values.update(zip(names, result, strict=True))

    def meta() -> tuple[Any, ...]:
        kv = _kv_lines(text_of("meta"))
        t = kv.get("time", "")
        return (
            float(t) if t.isdigit() else None,
            kv.get("hostname", ""),
            kv.get("kernel", ""),
            kv.get("os", ""),
            int(kv["uid"]) if kv.get("uid", "").isdigit() else None,
        )

    group(("target_time", "hostname", "kernel", "os_name", "uid"), meta)

    def accounts() -> tuple[Account, ...]:
        try:
            shells: str | None = text_of("shells")
        except _Missing:
            shells = None
        try:
            shadow = text_of("shadow")
        except _Missing as exc:
            raise _Missing(f"/etc/shadow not readable (needs root or a sudo rule): {exc}") from exc
        return parse_accounts(text_of("passwd"), shadow, shells)

    group(("accounts",), accounts)

    def pass_max() -> int | None:
        kv = {}
        for line in text_of("login_defs", ok_codes=(0, 1)).splitlines():
            f = line.split()
            if len(f) >= 2:
                kv[f[0]] = f[1]
        v = kv.get("PASS_MAX_DAYS")
        return int(v) if v is not None and v.isdigit() else None

    group(("pass_max_days_default",), pass_max)

    def addresses() -> tuple[Address, ...]:
        try:
            return parse_addresses(text_of("ip_addr"))[0]
        except (_Missing, ValueError, KeyError, TypeError) as exc:
            if "psutil_addresses" not in sections:
                raise
            try:  # the local transport's second view, read without `ip` (collect/local.py)
                return parse_psutil_addresses(text_of("psutil_addresses"))
            except (_Missing, ValueError, KeyError, TypeError):
                raise exc from None

    group(("addresses",), addresses)

    def routes() -> tuple[Route, ...]:
        v4 = parse_default_routes(text_of("ip_route4"), 4)
        try:
            v6 = parse_default_routes(text_of("ip_route6"), 6)
        except _Missing:
            v6 = ()  # IPv6 disabled in the kernel makes `ip -6 route` fail
        return v4 + v6

    group(("default_routes",), routes)
    group(("ip_forward",), lambda: _flag(text_of("ip_forward")))
    group(("ip6_forward",), lambda: _flag(text_of("ip6_forward")))
    group(("interfaces",), lambda: parse_netdev(text_of("netdev")))
    group(("rfkill",), lambda: parse_rfkill(text_of("rfkill")))
    group(("bluetooth",), lambda: _lines(text_of("bluetooth")))

    def processes() -> frozenset[str]:
        names = frozenset(_lines(text_of("processes")))
        if "psutil_processes" in sections and sections["psutil_processes"].ok:
            # psutil's full names beside comm's 15-byte ones (collect/local.py says why)
            names |= frozenset(_lines(sections["psutil_processes"].text))
        return names

    group(("processes",), processes)
    group(("services",), lambda: parse_services(text_of("services", missing_ok=True)))

    def packages() -> frozenset[str]:
        found: set[str] = set()
        known = False
        for name, parse in (("dpkg", parse_dpkg), ("rpm", lambda t: frozenset(_lines(t)))):
            try:
                found |= parse(text_of(name, missing_ok=True))
                known = True
            except _NotThere:
                continue
        if not known:
            raise _NotThere("no package manager (dpkg, rpm) to ask")
        return frozenset(found)

    group(("packages",), packages)
    group(("executables",), lambda: frozenset(_lines(text_of("executables"))))
    group(("opt_dirs",), lambda: frozenset(_lines(text_of("opt"))))
    group(("clamav_databases",), lambda: parse_clamav_db(text_of("clamav_db")))

    def clamscan_version() -> str:
        return text_of("clamscan_version", missing_ok=True).strip()

    group(("clamscan_version",), clamscan_version)
    group(("freshclam_log",), lambda: _lines(text_of("freshclam_log", ok_codes=(0, 1)))[-20:])
    return Facts(**values, problems=problems)


def _flag(text: str) -> bool:
    value = text.strip()
    if value not in ("0", "1", "2"):
        raise ValueError(f"unexpected forwarding value {value[:20]!r}")
    return value != "0"


class _Missing(Exception):
    """A section the fact group needs failed, was truncated or is absent."""


class _NotThere(_Missing):
    """The command behind a section is not installed (exit 127): a fact, reported the same way."""


def encode_sections(sections: dict[str, tuple[str, int]]) -> bytes:
    """The inverse of split_sections: section name → (text, exit status) as the script prints.

    Used to replay recorded outputs (tests, evidence bundles) through the very same parser.
    """
    lines = []
    for name, (text, rc) in sections.items():
        payload = f"{text}\n@@rc {rc}".encode()
        lines.append(f"@@ng {name} {base64.b64encode(payload).decode()}")
    lines.append("@@end")
    return ("\n".join(lines) + "\n").encode()

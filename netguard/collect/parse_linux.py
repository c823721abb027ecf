"""Turn the Linux collection script's sections into Facts.

Everything here reads hostile data: a section is decoded, capped, and parsed strictly; anything
unexpected makes that fact group missing (with the reason), never silently empty.

``FACT_GROUPS`` is the map from sections to facts: one row per fact group, naming the sections it
reads and the small parser that reads them. ``parse_linux`` walks it.
"""

from __future__ import annotations

import calendar
import ipaddress
import json
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from netguard.collect import framing
from netguard.collect.framing import Section
from netguard.collect.wanted import SECTION as WANTED_SECTION
from netguard.collect.wanted import parse_wanted
from netguard.collect.watch import ENTRY_SECTION_CAP, parse_watched
from netguard.collect.watch import SECTION as WATCH_SECTION
from netguard.errors import CollectionError
from netguard.model.facts import (
    Account,
    Address,
    ClamDatabase,
    DhcpLease,
    Facts,
    Interface,
    KernelNetLog,
    Link,
    NetProfile,
    ProbeAttempt,
    ProbeReport,
    RfkillDevice,
    Route,
    RouteRule,
    UsbNetLine,
    UsbStorageDevice,
    UsbStorageLog,
    UsbStorageModule,
    is_split_default_half,
)
from netguard.model.watched import Watched

SECTION_CAP = 1048576  # must match `head -c` in scripts/linux.sh
NOT_INSTALLED = 127  # our script's and the shell's "command not found"

# Shells that do not give a login even when listed in /etc/shells.
_NO_LOGIN_SHELLS = {"nologin", "false", "sync", "shutdown", "halt", "true"}


def split_sections(stdout: bytes, boundary: str | None = None) -> dict[str, Section]:
    """Decode the script's output, in either format (collect/framing.py), with the boundary
    the transport sent when it is known. Raises CollectionError if it is not our script's
    output."""
    return framing.split(stdout, _cap_of, boundary)


def _cap_of(name: str) -> int:
    if name == LOGFILES:
        return 2 * SECTION_CAP  # two older sections' (scripts/linux.sh: seclogs)
    return ENTRY_SECTION_CAP if name.startswith(f"{WATCH_SECTION}.") else SECTION_CAP


#: section ``ip`` (scripts/linux.sh): three ``ip -batch`` runs, each with the sections an older
#: script printed, one command each, in the batch's order (one JSON array a line, then
#: ``@rc STATUS``)
IP_BATCHES = (("ip_addr", "ip_link"), ("ip_route4", "ip_rule4"), ("ip_route6", "ip_rule6"))
IP = "ip"
#: the section that is one read of the journal for two older sections (scripts/linux.sh)
JOURNAL = "journal"
#: the section that is one read of syslog's files for two older sections (scripts/linux.sh)
LOGFILES = "logfiles"
#: each section the parser cuts into older ones, and those
DERIVED = {
    IP: tuple(n for batch in IP_BATCHES for n in batch),
    JOURNAL: ("kernel_journal", "usb_journal"),
    LOGFILES: ("kernel_logfiles", "usb_logfiles"),
}


def unbatch(sections: Mapping[str, Section]) -> dict[str, Section]:
    """The sections as an older script printed them: section ``ip`` cut into its commands'
    sections, ``journal`` into kernel_journal and usb_journal, ``logfiles`` into
    kernel_logfiles and usb_logfiles (an output from an older script, without them, is left
    as it is). What cannot be cut exactly is cut short (None) for each section it stands for:
    never a partial answer."""
    out = dict(sections)
    for name, older in DERIVED.items():
        sec = out.pop(name, None)
        if sec is None:
            continue
        if any(n in out for n in older):
            raise CollectionError(f"section {name} and its older sections both present")
        if sec.rc is None:
            cut = {n: Section(n, sec.text, None) for n in older}
        elif name == IP:
            cut = _ip_sections(sec)
        elif name == JOURNAL:
            cut = _journal_sections(sec)
        else:
            cut = _logfiles_sections(sec)
        out.update(cut)
    return out


def _cut_short(sec: Section, names: tuple[str, ...]) -> dict[str, Section]:
    """A section that cannot be cut exactly: each older section it stands for, failed as it
    failed, or cut short (None) when it ended well."""
    return {n: Section(n, sec.text, sec.rc if sec.rc != 0 else None) for n in names}


def _ip_sections(sec: Section) -> dict[str, Section]:
    """Section ``ip`` → its commands' sections. ip stops a batch at its first failing command:
    a failed batch fails each of its commands, whatever it printed; a batch without one line
    per command, or what follows a line the script does not print, is cut short (None)."""
    out: dict[str, Section] = {}
    lines = sec.text.split("\n")
    batches = iter(IP_BATCHES)
    answers: list[str] = []
    for line in lines[:-1] if lines[-1] == "" else []:
        if not line.startswith("@rc "):
            answers.append(line)
            continue
        names = next(batches, ())
        rc = line[4:]
        if not names or not rc.isdigit():
            break
        if int(rc) != 0:
            out.update({n: Section(n, "\n".join(answers), int(rc)) for n in names})
        elif len(answers) == len(names):
            out.update({n: Section(n, a + "\n", 0) for n, a in zip(names, answers, strict=True)})
        answers = []
    for name in DERIVED[IP]:
        out.setdefault(name, Section(name, sec.text, None))
    return out


def _journal_sections(sec: Section) -> dict[str, Section]:
    """Section ``journal`` → kernel_journal and usb_journal (the same status for both)."""
    names = DERIVED[JOURNAL]
    kernel: list[str] = []
    usb: list[str] = []
    lines = sec.text.split("\n")
    if lines[-1]:
        return _cut_short(sec, names)  # the script ends every line
    for i, line in enumerate(f"{line}\n" for line in lines[:-1]):
        if line.startswith("@persistent ") and i == 0:
            usb.append(line)
        elif line.startswith("@first ") and not kernel:
            kernel.append(line)
            usb.append(line)
        elif line.startswith(("k ", "u ")) and kernel:
            (kernel if line[0] == "k" else usb).append(line[2:])
        else:
            return _cut_short(sec, names)
    return {n: Section(n, "".join(t), sec.rc) for n, t in zip(names, (kernel, usb), strict=True)}


def _logfiles_sections(sec: Section) -> dict[str, Section]:
    """Section ``logfiles`` → kernel_logfiles (the files tagged ``ku``; 127 when none was
    there) and usb_logfiles (every file)."""
    names = DERIVED[LOGFILES]
    kernel: list[str] = []
    usb: list[str] = []
    tags = ""
    lines = sec.text.split("\n")
    if lines[-1]:
        return _cut_short(sec, names)
    for line in lines[:-1]:
        if line.startswith(("== ", "!unreadable ")):
            word, _, rest = line.partition(" ")
            tags, _, rest = rest.partition(" ")
            if tags not in ("ku", "u"):
                return _cut_short(sec, names)
            line = f"{word} {rest}"
            usb.append(line)
            if tags == "ku":
                kernel.append(line)
        elif line.startswith("@first ") and tags:
            usb.append(line)
            if tags == "ku":
                kernel.append(line)
        elif line.startswith("k ") and tags == "ku":
            kernel.append(line[2:])
        elif line.startswith("u ") and tags:
            usb.append(line[2:])
        else:
            return _cut_short(sec, names)
    kernel_rc = sec.rc if sec.rc != 0 or kernel else NOT_INSTALLED
    return {
        names[0]: Section(names[0], "".join(f"{line}\n" for line in kernel), kernel_rc),
        names[1]: Section(names[1], "".join(f"{line}\n" for line in usb), sec.rc),
    }


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
        last_change = None if sh is None else _int_or_none(sh[2])
        max_days = None if sh is None else _int_or_none(sh[4])
        # pam_unix reads /etc/shadow only when passwd's field 2 is "x"; anything else there is
        # the password itself (an empty one included: the classic `toor::0:0:…` backdoor).
        if fields[1] != "x":
            field, source = fields[1], "passwd"
        elif sh is not None:
            field, source = sh[1], "shadow"
        else:
            field, source = None, "shadow"
        state, method, lock = ("unknown", None, "") if field is None else password_field(field)
        shell_base = shell.rsplit("/", 1)[-1]
        shell_ok = bool(shell) and shell_base not in _NO_LOGIN_SHELLS
        if valid_shells is not None and shell:
            shell_ok = shell_ok and shell in valid_shells
        login_capable = state in ("usable", "empty") or shell_ok
        accounts.append(
            Account(
                name,
                uid,
                shell,
                state,
                last_change,
                max_days,
                login_capable,
                method,
                lock,
                source,
                shell_ok,
            )
        )
    return tuple(accounts)


_LOCK = re.compile(r"^[!*]*")
_MODULAR = re.compile(r"^\$[0-9a-z]+[$,]")
_CRYPT_ALPHABET = re.compile(r"^[./0-9A-Za-z]*$")
_REDACTED = "REDACTED"


def password_field(field: str) -> tuple[str, str | None, str]:
    """A password field → (state, hash method, lock), the way scripts/linux.sh reduces it.

    Reads the script's reduced field (``!$y$REDACTED``) and a raw one (``!$y$j9T$…``) alike, by
    the same rules as the script's ``redact``, so a recording or a host that sent more than it
    should is still read right. State: empty | locked | usable. Method: the modular-crypt
    prefix (``$6$``), ``_`` (BSDi DES), ``(des)``, ``?`` (no form crypt(3) knows), or None (no
    hash). A locked field keeps the method of the hash behind its lock.
    """
    lock = _LOCK.match(field)
    marker = lock.group() if lock else ""
    rest = field[len(marker) :]
    method: str | None
    if rest == "":
        method = None
    elif rest in ("_" + _REDACTED, "(des)" + _REDACTED):
        method = rest.removesuffix(_REDACTED)
    elif (m := _MODULAR.match(rest)) and len(m.group()) <= 10:
        method = m.group()[:-1] + "$"
    elif len(rest) == 20 and rest.startswith("_") and _CRYPT_ALPHABET.match(rest[1:]):
        method = "_"
    elif len(rest) == 13 and _CRYPT_ALPHABET.match(rest):
        method = "(des)"
    else:
        method = "?"  # "REDACTED", "x" in shadow, "LK", "NP": nothing crypt(3) can check
    if marker:
        return "locked", method, marker
    if rest == "":
        return "empty", None, ""
    return "usable", method, ""


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


def parse_default_routes(
    text: str, family: int, tables: frozenset[str] | None = None
) -> tuple[Route, ...]:
    """Routes that carry traffic out, from ``ip -j route show table all`` (or ``table main``).

    Kept: unicast routes to ``default`` or to a split-default half (``0.0.0.0/1``; see
    ``is_split_default_half``), in the main table or a table in ``tables`` (those some
    ``ip rule`` selects; None: rules unknown, so every table counts). The local table and
    unreachable/blackhole/prohibit routes carry nothing out.
    """
    data = json.loads(text) if text.strip() else []
    if not isinstance(data, list):
        raise ValueError("ip -j route: not a list")
    routes = []
    for r in data:
        if not isinstance(r, dict):
            raise ValueError("ip -j route: an entry is not an object")
        if r.get("type", "unicast") != "unicast":
            continue
        table = str(r.get("table", "main"))  # `table all` names every table but main
        if table == "local" or (tables is not None and table != "main" and table not in tables):
            continue
        dst = str(r.get("dst", ""))
        if dst != "default":
            try:
                net = ipaddress.ip_network(dst, strict=False)
            except ValueError:
                continue  # a host route or a name ip could not print: not a wide prefix
            if net.version != family or not is_split_default_half(net):
                continue
            dst = str(net)
        gw = r.get("gateway")
        routes.append(
            Route(
                family,
                ipaddress.ip_address(gw) if gw else None,
                str(r.get("dev", "")),
                int(r["metric"]) if "metric" in r else None,
                dst=dst,
                table=table,
                protocol=str(r.get("protocol", "")),
            )
        )
    return tuple(routes)


#: Keys of an ``ip -j rule`` entry that are not part of its match.
_RULE_NOT_MATCH = {"priority", "table", "action", "not", "suppress_prefixlen", "suppress_ifgroup"}


def parse_rules(text: str, family: int) -> tuple[RouteRule, ...]:
    """``ip -j rule``: priority, the table it looks up, and its match as one text."""
    data = json.loads(text) if text.strip() else []
    if not isinstance(data, list):
        raise ValueError("ip -j rule: not a list")
    rules = []
    for r in data:
        if not isinstance(r, dict):
            raise ValueError("ip -j rule: an entry is not an object")
        words = ["not"] if "not" in r else []
        src = r.get("src", "all")
        words.append(f"from {src}/{r['srclen']}" if "srclen" in r else f"from {src}")
        for key, value in r.items():
            if key in _RULE_NOT_MATCH or key in ("src", "srclen"):
                continue
            words.append(f"{key} {value}")
        prio = r.get("priority")
        rules.append(
            RouteRule(
                family,
                int(prio) if prio is not None else None,
                str(r.get("table", "")),
                " ".join(words),
            )
        )
    return tuple(rules)


def parse_links(text: str) -> tuple[Link, ...]:
    """``ip -d -j link show``: each link's kind, and which bridge or bond it is a port of."""
    data = json.loads(text)
    if not isinstance(data, list):
        raise ValueError("ip -j link: not a list")
    links = []
    for item in data:
        info = item.get("linkinfo") or {}
        if not isinstance(info, dict):
            raise ValueError("ip -j link: linkinfo is not an object")
        data_ = info.get("info_data") or {}
        links.append(
            Link(
                name=str(item["ifname"]),
                kind=str(info.get("info_kind", "")),
                tun_type=str(data_.get("type", "")) if isinstance(data_, dict) else "",
                master=str(item.get("master", "")),
                slave_kind=str(info.get("info_slave_kind", "")),
                link_type=str(item.get("link_type", "")),
                operstate=str(item.get("operstate", "")),
            )
        )
    return tuple(links)


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


def _line_set(text: str) -> frozenset[str]:
    return frozenset(_lines(text))


def _flag(text: str) -> bool:
    value = text.strip()
    if value not in ("0", "1", "2"):
        raise ValueError(f"unexpected forwarding value {value[:20]!r}")
    return value != "0"


def parse_pass_max_days(text: str) -> int | None:
    """login.defs lines → PASS_MAX_DAYS, None when it is not set."""
    kv = {}
    for line in text.splitlines():
        f = line.split()
        if len(f) >= 2:
            kv[f[0]] = f[1]
    v = kv.get("PASS_MAX_DAYS")
    return int(v) if v is not None and v.isdigit() else None


def _log_tail(text: str) -> tuple[str, ...]:
    # The script already sends only the last 20 lines; a host sending more gets the same cut.
    return _lines(text)[-20:]


# -- fact groups: which sections make which facts ------------------------------------------------

#: The script's sections by name, as one fact group's parser sees them.
Sections = Mapping[str, Section]


class _Missing(Exception):
    """A section the fact group needs failed, was truncated or is absent."""


class _NotThere(_Missing):
    """The command behind a section is not installed (exit 127): a fact, reported the same way."""


#: What a parser raises on text it does not understand: the group is then "could not parse".
_PARSE_ERRORS = (ValueError, KeyError, TypeError, IndexError)


def _text(
    sections: Sections, name: str, *, missing_ok: bool = False, ok_codes: tuple[int, ...] = (0,)
) -> str:
    """A section's text, or _Missing saying why there is none to read.

    ``missing_ok``: exit 127 raises _NotThere, which a parser may catch (rpm on a Debian host).
    ``ok_codes``: exit statuses that still carry an answer (grep's 1 means "no such line").
    """
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


@dataclass(frozen=True)
class FactGroup:
    """One row of the parse table: the Facts fields a parser fills from the sections it reads.

    A group is read whole or not at all: when its parser cannot answer, each of its fields keeps
    its default and gets the same reason in ``Facts.problems``. The parser is shown only the
    sections the row names, so the table says truly what each fact is made of.
    """

    facts: tuple[str, ...]  # Facts fields; a parser filling several returns them in this order
    sections: tuple[str, ...]
    parse: Callable[[Sections], Any]
    #: the parser also sees the numbered sections ``NAME.1``, ``NAME.2``… of its sections (the
    #: watch list's entries, as many as the list has)
    numbered: bool = False

    def read(self, sections: Sections) -> dict[str, Any]:
        """Field → value; raises _Missing or one of _PARSE_ERRORS when the group cannot be read."""
        own = {name: sections[name] for name in self.sections if name in sections}
        if self.numbered:
            prefixes = tuple(f"{name}." for name in self.sections)
            own.update({k: v for k, v in sections.items() if k.startswith(prefixes)})
        value = self.parse(own)
        values = value if len(self.facts) > 1 else (value,)
        return dict(zip(self.facts, values, strict=True))


def _from_section(
    fact: str,
    section: str,
    parse: Callable[[str], Any],
    *,
    missing_ok: bool = False,
    ok_codes: tuple[int, ...] = (0,),
) -> FactGroup:
    """The common row: one fact parsed from one section's text."""

    def from_text(sections: Sections) -> Any:
        return parse(_text(sections, section, missing_ok=missing_ok, ok_codes=ok_codes))

    return FactGroup((fact,), (section,), from_text)


def _meta(sections: Sections) -> tuple[float | None, str, str, str, int | None]:
    kv = _kv_lines(_text(sections, "meta"))
    t = kv.get("time", "")
    return (
        float(t) if t.isdigit() else None,
        kv.get("hostname", ""),
        kv.get("kernel", ""),
        kv.get("os", ""),
        int(kv["uid"]) if kv.get("uid", "").isdigit() else None,
    )


def _accounts(sections: Sections) -> tuple[Account, ...]:
    try:
        shells: str | None = _text(sections, "shells")
    except _Missing:
        shells = None  # /etc/shells only narrows which shells give a login
    try:
        shadow = _text(sections, "shadow")
    except _Missing as exc:
        raise _Missing(f"/etc/shadow not readable (needs root or a sudo rule): {exc}") from exc
    return parse_accounts(_text(sections, "passwd"), shadow, shells)


def _addresses(sections: Sections) -> tuple[Address, ...]:
    try:
        return parse_addresses(_text(sections, "ip_addr"))[0]
    except (_Missing, ValueError, KeyError, TypeError) as exc:
        if "psutil_addresses" not in sections:
            raise
        try:  # the local transport's second view, read without `ip` (collect/local.py)
            return parse_psutil_addresses(_text(sections, "psutil_addresses"))
        except (_Missing, ValueError, KeyError, TypeError):
            raise exc from None


def _selected_tables(sections: Sections, section: str, family: int) -> frozenset[str] | None:
    """The tables the rules of one family look up; None when the rules cannot be read (then
    every table counts: a route we cannot rule out is a route)."""
    try:
        return frozenset(r.table for r in parse_rules(_text(sections, section), family) if r.table)
    except (_Missing, *_PARSE_ERRORS):
        return None


def _default_routes(sections: Sections) -> tuple[Route, ...]:
    tables4 = _selected_tables(sections, "ip_rule4", 4)
    v4 = parse_default_routes(_text(sections, "ip_route4"), 4, tables4)
    try:
        text6 = _text(sections, "ip_route6")
    except _Missing:
        return v4  # IPv6 disabled in the kernel makes `ip -6 route` fail
    return v4 + parse_default_routes(text6, 6, _selected_tables(sections, "ip_rule6", 6))


def _processes(sections: Sections) -> frozenset[str]:
    names = _line_set(_text(sections, "processes"))
    psutil = sections.get("psutil_processes")
    if psutil is not None and psutil.ok:
        # psutil's full names beside comm's 15-byte ones (collect/local.py says why)
        names |= _line_set(psutil.text)
    return names


def _asked(sections: Sections) -> dict[str, frozenset[str]]:
    """Group → the names the collection asked for (collect/wanted.py); {} when it asked for
    complete lists, or is older than the question (no ``wanted`` section)."""
    if WANTED_SECTION not in sections:
        return {}
    return parse_wanted(_text(sections, WANTED_SECTION))


def _only(group: str, found: frozenset[str], sections: Sections) -> frozenset[str]:
    """``found`` kept to the names asked for, when the collection asked for some. The group's
    row reads section ``wanted`` too: when that cannot be read, whether the list is complete
    is unknown, and so is the group."""
    asked = _asked(sections).get(group)
    return found if asked is None else found & asked


def _executables(sections: Sections) -> frozenset[str]:
    return _only("executables", _line_set(_text(sections, "executables")), sections)


def _services(sections: Sections) -> dict[str, str]:
    units = parse_services(_text(sections, "services", missing_ok=True))
    asked = _asked(sections).get("services")
    return units if asked is None else {u: st for u, st in units.items() if u in asked}


def _packages(sections: Sections) -> frozenset[str]:
    return _only("packages", _all_packages(sections), sections)


def _all_packages(sections: Sections) -> frozenset[str]:
    found: set[str] = set()
    known = False
    for name, parse in (("dpkg", parse_dpkg), ("rpm", _line_set)):
        try:
            found |= parse(_text(sections, name, missing_ok=True))
            known = True
        except _NotThere:
            continue
    if not known:
        raise _NotThere("no package manager (dpkg, rpm) to ask")
    return frozenset(found)


# -- network history (isolation.history) ---------------------------------------------------------

#: The script's "the command ran but showed no line" (not root, nor in adm/systemd-journal).
_NOTHING_VISIBLE = 3
#: NetworkManager's long type names (older keyfiles) → the short ones it writes today.
_NM_TYPES = {
    "802-11-wireless": "wifi",
    "802-3-ethernet": "ethernet",
    "802-11-olpc-mesh": "olpc-mesh",
}
_UUID_TIME = re.compile(r"^([0-9A-Fa-f-]{36})=(\d+)$")
_FILE_HEADER = re.compile(r"^== (\d+) (.+)$")  # "== MTIME PATH" (leases, log files)
_USB_IF = r"(?P<driver>\w+) (?P<device>\d+-[\d.]+:\d+\.\d+)(?P<rest>.*)$"
_SYSLOG_LINE = re.compile(
    r"^(?P<when>\S+|\w{3} +\d{1,2} \d\d:\d\d:\d\d) \S+ kernel: "
    r"(?:\[ *\d+\.\d+\] )?" + _USB_IF
)
_DMESG_LINE = re.compile(r"^(?P<when>\S+) " + _USB_IF)
_DHCLIENT_DATE = re.compile(r"^\d (\d{4})/(\d\d)/(\d\d) (\d\d):(\d\d):(\d\d)$")  # UTC


def _history_text(
    sections: Sections, name: str, ok_codes: tuple[int, ...] = (0,), hidden: str = "not root"
) -> str:
    """A history section's text; _Missing says "not present" (127) and "nothing visible" (3)
    apart from a failure."""
    sec = sections.get(name)
    if sec is not None and sec.rc == _NOTHING_VISIBLE:
        raise _Missing(f"no line visible to the auditing account ({hidden})")
    try:
        return _text(sections, name, missing_ok=True, ok_codes=ok_codes)
    except _NotThere:
        raise _Missing("not present on the host") from None


def _unreadable(text: str) -> None:
    """The script marks files it could not open with `!unreadable PATH`: the source then is not
    read at all (a root-only profile may be the very Wi-Fi one)."""
    bad = [line.removeprefix("!unreadable ") for line in text.splitlines() if line[:1] == "!"]
    if bad:
        shown = ", ".join(bad[:3]) + (f" and {len(bad) - 3} more" if len(bad) > 3 else "")
        raise _Missing(f"not readable by the auditing account (needs root): {shown}")


def _iso_time(text: str) -> float:
    """journalctl short-iso (+0800), rsyslog RFC 3339, dmesg --time-format iso (a comma)."""
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def _syslog_time(text: str, file_time: float | None) -> float:
    """ISO stamps as they are; a traditional "Nov 17 09:14:02" has no year or zone: the year is
    the latest that does not put the line after its file's last write, the zone taken as UTC."""
    if text[:1].isdigit():
        return _iso_time(text)
    mon, day, hms = text.split()
    if mon not in _MONTHS or file_time is None:
        raise ValueError(f"undatable syslog time {text[:20]!r}")
    h, m, sec = (int(x) for x in hms.split(":"))
    year = time.gmtime(file_time).tm_year
    when = calendar.timegm((year, _MONTHS[mon], int(day), h, m, sec))
    if when > file_time + 86400:  # a December line in a file last written in January
        when = calendar.timegm((year - 1, _MONTHS[mon], int(day), h, m, sec))
    return float(when)


def parse_nm_profiles(text: str) -> tuple[NetProfile, ...]:
    """The script's filtered keyfiles: `== PATH` then `section.key=value` lines."""
    files: list[tuple[str, dict[str, str]]] = []
    for line in text.splitlines():
        if line.startswith("== "):
            files.append((line[3:], {}))
        elif line and files:
            key, sep, value = line.partition("=")
            if not sep:
                raise ValueError(f"keyfile line without '=': {line[:60]!r}")
            files[-1][1].setdefault(key, value)  # a repeated key: GKeyFile reads the first
        elif line:
            raise ValueError(f"keyfile line before any file: {line[:60]!r}")
    out = []
    for path, kv in files:
        ctype = kv.get("connection.type", "")
        stamp = kv.get("connection.timestamp", "")
        out.append(
            NetProfile(
                path=path,
                id=kv.get("connection.id", ""),
                uuid=kv.get("connection.uuid", ""),
                type=_NM_TYPES.get(ctype, ctype),
                ssid=kv.get("wifi.ssid", kv.get("802-11-wireless.ssid", "")),
                interface=kv.get("connection.interface-name", ""),
                mode=kv.get("wifi.mode", kv.get("802-11-wireless.mode", "")),
                apn=kv.get("gsm.apn", ""),
                timestamp=float(stamp) if stamp.isdigit() and int(stamp) > 0 else None,
                autoconnect=kv.get("connection.autoconnect", "true").lower()
                not in ("false", "no", "0"),
            )
        )
    return tuple(out)


def parse_nm_timestamps(text: str) -> dict[str, float]:
    out = {}
    for line in _lines(text):
        m = _UUID_TIME.match(line)
        if not m:
            raise ValueError(f"timestamps line {line[:60]!r}")
        out[m.group(1).lower()] = float(m.group(2))
    return out


def _dhclient_date(value: str) -> float:
    value = value.split("#", 1)[0].strip().rstrip(";").strip()  # "epoch N; # Tue Nov 17 …"
    if value.startswith("epoch "):  # db-time-format local
        return float(int(value.split()[1]))
    m = _DHCLIENT_DATE.match(value)
    if not m:
        raise ValueError(f"dhclient date {value[:40]!r}")
    return float(calendar.timegm(tuple(int(g) for g in m.groups())))


def _lease_iface(path: str) -> str:
    """NetworkManager's internal-UUID-IFACE.lease / dhclient-UUID-IFACE.lease, Debian's
    dhclient.IFACE.leases; networkd's files are named by ifindex."""
    name = path.rsplit("/", 1)[-1]
    m = re.match(r"^(?:internal|dhclient6?)-[0-9A-Fa-f-]{36}-(.+)\.lease$", name)
    if m:
        return m.group(1)
    m = re.match(r"^dhclient6?\.(.+)\.leases$", name)
    if m:
        return m.group(1)
    if name.isdigit():
        return f"ifindex {name}"
    return ""


def parse_dhcp_leases(text: str) -> tuple[DhcpLease, ...]:
    """`== MTIME PATH` then a lease file's lines: dhclient's `lease { … }` blocks, or the
    KEY=VALUE files of NetworkManager's internal client and systemd-networkd."""
    out: list[DhcpLease] = []
    path, written = "", 0.0
    block: dict[str, str] | None = None  # inside a dhclient lease block
    kv: dict[str, str] = {}

    def flush_kv() -> None:
        if "ADDRESS" in kv:
            life = kv.get("LIFETIME", "")
            out.append(
                DhcpLease(
                    path,
                    _lease_iface(path),
                    ipaddress.ip_address(kv["ADDRESS"]),
                    kv.get("ROUTER", "").split()[0] if kv.get("ROUTER") else "",
                    written + int(life) if life.isdigit() else None,
                    written,
                )
            )
        kv.clear()

    for raw in text.splitlines():
        line = raw.strip()
        head = _FILE_HEADER.match(raw)
        if head:
            flush_kv()
            written, path, block = float(head.group(1)), head.group(2), None
            continue
        if not line or not path:
            if line:
                raise ValueError(f"lease line before any file: {line[:60]!r}")
            continue
        if line == "lease {":
            block = {}
        elif line == "}":
            if block is not None and "fixed-address" in block:
                expire = block.get("expire")
                out.append(
                    DhcpLease(
                        path,
                        block.get("interface", "").strip('"') or _lease_iface(path),
                        ipaddress.ip_address(block["fixed-address"]),
                        block.get("option routers", "").split(",")[0].strip(),
                        _dhclient_date(expire) if expire else None,
                        written,
                    )
                )
            block = None
        elif block is not None:
            words = line.rstrip(";").split(" ")
            key = " ".join(words[:2]) if words[0] == "option" else words[0]
            block[key] = line.rstrip(";")[len(key) :].strip()
        elif "=" in line and line.split("=", 1)[0].isupper():
            key, _, value = line.partition("=")
            kv[key] = value
    flush_kv()
    return tuple(out)


@dataclass
class _Reach:
    """How far back one source's log reaches: the earliest of its files' first lines."""

    first: float | None = None


def _log_lines(
    text: str, source: str, reach: _Reach
) -> Iterator[tuple[str, float | None, str, bool]]:
    """A kernel-log section's matching lines as (source, file time, line, new file): `== TIME
    NAME` starts a file (its time dates year-less syslog stamps), `@first …` is its oldest line
    (how far back it reaches: recorded in ``reach``, never yielded)."""
    file_time: float | None = None
    for raw in text.splitlines():
        if not raw:
            continue
        head = _FILE_HEADER.match(raw)
        if head:
            file_time, source = float(head.group(1)), head.group(2)
            yield source, file_time, "", True
            continue
        if raw.startswith("@first "):
            stamp = raw[len("@first ") :].strip()
            try:
                when = _syslog_time(
                    stamp.split(" ")[0] if stamp[:1].isdigit() else stamp[:15], file_time
                )
            except ValueError:
                continue  # a first line we cannot date says nothing about reach, nothing more
            reach.first = when if reach.first is None else min(reach.first, when)
            continue
        yield source, file_time, raw, False


def _usb_lines(
    text: str, source: str, pattern: re.Pattern[str]
) -> tuple[float | None, list[UsbNetLine]]:
    reach = _Reach()
    lines: list[UsbNetLine] = []
    for src, file_time, raw, new_file in _log_lines(text, source, reach):
        if new_file:
            continue
        m = pattern.match(raw)
        if not m:
            raise ValueError(f"unexpected kernel log line {raw[:80]!r}")
        lines.append(
            UsbNetLine(
                src,
                _syslog_time(m.group("when"), file_time),
                m.group("driver"),
                m.group("device"),
                m.group("rest").strip()[:200],
            )
        )
    return reach.first, lines


_Read = TypeVar("_Read")


def _log_sources(
    sections: Sections,
    sources: Sequence[tuple[str, str, str, str]],
    read_one: Callable[[str, str, str], tuple[float | None, list[_Read]]],
) -> tuple[list[tuple[str, float | None]], list[str], list[_Read]]:
    """Each log source a look-back check reads — (section, source, what, why hidden) — through
    ``read_one(section, source, text)``: the sources read with their oldest time, why each other
    was not, and what was found. One garbled or unreadable log does not hide the others; none
    read at all is the fact missing (the check is undecidable, never clean)."""
    read: list[tuple[str, float | None]] = []
    unread: list[str] = []
    found: list[_Read] = []
    for name, source, what, hidden in sources:
        try:
            text = _history_text(sections, name, hidden=hidden)
            _unreadable(text)
            first, items = read_one(name, source, text)
        except _Missing as exc:
            unread.append(f"{what}: {exc}")
            continue
        except _PARSE_ERRORS as exc:
            unread.append(f"{what}: could not parse: {exc}")
            continue
        read.append((source, first))
        found += items
    if not read:
        raise _Missing("; ".join(unread))
    return read, unread, found


_KERNEL_NET_SOURCES = (
    ("kernel_journal", "journal", "journal", "needs root or group adm"),
    ("kernel_logfiles", "syslog", "kern.log/messages", ""),
    ("kernel_dmesg", "dmesg", "dmesg", "kernel.dmesg_restrict: needs root"),
)


def _kernel_net_log(sections: Sections) -> KernelNetLog:
    def read_one(name: str, source: str, text: str) -> tuple[float | None, list[UsbNetLine]]:
        first, lines = _usb_lines(text, source, _DMESG_LINE if source == "dmesg" else _SYSLOG_LINE)
        return first, list(lines)

    read, unread, lines = _log_sources(sections, _KERNEL_NET_SOURCES, read_one)
    return KernelNetLog(tuple(read), tuple(unread), tuple(lines))


def _nm_profiles(sections: Sections) -> tuple[NetProfile, ...]:
    text = _history_text(sections, "nm_profiles")
    _unreadable(text)
    return parse_nm_profiles(text)


def _nm_timestamps(sections: Sections) -> dict[str, float]:
    # grep finds no uuid line (1): NetworkManager never recorded a use
    return parse_nm_timestamps(_history_text(sections, "nm_timestamps", ok_codes=(0, 1)))


def _dhcp_leases(sections: Sections) -> tuple[DhcpLease, ...]:
    text = _history_text(sections, "dhcp_leases")
    _unreadable(text)
    return parse_dhcp_leases(text)


# -- removable media (media.history, media.blocked) ----------------------------------------------

_USB_MEDIA_LINE = re.compile(
    r"^(?P<when>\S+|\w{3} +\d{1,2} \d\d:\d\d:\d\d) \S+ kernel: (?:\[ *\d+\.\d+\] )?"
    r"(?:usb (?P<port>\d+-[\d.]+): (?P<key>New USB device found, |Product: |Manufacturer: "
    r"|SerialNumber: )(?P<value>.*)"
    r"|usb-storage (?P<sport>\d+-[\d.]+):\d+\.\d+: USB Mass Storage device detected)$"
)
_USB_IDS = re.compile(r"idVendor=(?P<vendor>[0-9a-fA-F]{4}), idProduct=(?P<product>[0-9a-fA-F]{4})")
_USB_STRINGS = {
    "Product: ": "product",
    "Manufacturer: ": "manufacturer",
    "SerialNumber: ": "serial",
}


@dataclass
class _Attach:
    """One attachment being read: the lines of one port since its "New USB device found"."""

    source: str
    time: float
    vendor: str
    product_id: str
    strings: dict[str, str]
    storage: bool = False


def _usb_attachments(text: str, source: str) -> tuple[float | None, list[_Attach]]:
    """The attachments of USB storage in one source's lines (oldest reach, attachments)."""
    reach = _Reach()
    current: dict[str, _Attach] = {}  # port → its latest attachment in this file
    found: list[_Attach] = []
    for src, file_time, raw, new_file in _log_lines(text, source, reach):
        if new_file:
            current = {}
            continue
        m = _USB_MEDIA_LINE.match(raw)
        if not m:
            raise ValueError(f"unexpected kernel log line {raw[:80]!r}")
        if m.group("sport"):
            att = current.get(m.group("sport"))
            if att is not None and not att.storage:
                att.storage = True
                found.append(att)
            continue
        port, key, value = m.group("port"), m.group("key"), m.group("value").strip()
        if key.startswith("New"):
            ids = _USB_IDS.search(value)
            if ids is None:
                raise ValueError(f"USB device line without ids {raw[:80]!r}")
            current[port] = _Attach(
                src,
                _syslog_time(m.group("when"), file_time),
                ids.group("vendor").lower(),
                ids.group("product").lower(),
                {},
            )
        elif port in current:
            current[port].strings.setdefault(_USB_STRINGS[key], value[:64])
    return reach.first, found


def merge_usb_storage(attachments: list[_Attach]) -> tuple[UsbStorageDevice, ...]:
    """One device per (vendor, product, serial), first and last seen over all sources; the same
    attachment logged by the journal and by syslog counts once (same second)."""
    groups: dict[tuple[str, str, str], list[_Attach]] = {}
    for a in attachments:
        groups.setdefault((a.vendor, a.product_id, a.strings.get("serial", "")), []).append(a)
    out = []
    for (vendor, prod, serial), atts in sorted(groups.items()):
        times = sorted(a.time for a in atts)
        named = next((a for a in atts if a.strings.get("product")), atts[0])
        out.append(
            UsbStorageDevice(
                vendor,
                prod,
                serial,
                named.strings.get("product", ""),
                named.strings.get("manufacturer", ""),
                times[0],
                times[-1],
                len({int(t) for t in times}),
                tuple(sorted({a.source for a in atts})),
            )
        )
    return tuple(out)


_USB_STORAGE_SOURCES = (
    ("usb_journal", "journal", "journal", "needs root or group adm"),
    ("usb_logfiles", "syslog", "kern.log/syslog/messages", ""),
)


def _usb_storage_log(sections: Sections) -> UsbStorageLog:
    persistent: bool | None = None
    why = ""

    def read_one(name: str, source: str, text: str) -> tuple[float | None, list[_Attach]]:
        nonlocal persistent, why
        lines = text.splitlines()
        if name == "usb_journal" and lines and lines[0].startswith("@persistent "):
            words = lines[0].split(" ", 2)
            persistent = words[1] == "yes"
            why = words[2][:60] if len(words) > 2 and not persistent else ""
            text = "\n".join(lines[1:])
        first, found = _usb_attachments(text, source)
        return first, list(found)

    read, unread, attachments = _log_sources(sections, _USB_STORAGE_SOURCES, read_one)
    return UsbStorageLog(
        tuple(read), tuple(unread), merge_usb_storage(attachments), persistent, why
    )


def parse_installed(text: str) -> float:
    """The earliest install sign (root file system birth, /etc/machine-id's time): the earliest,
    so a log is only ever taken as complete for the longer life."""
    kv = _kv_lines(text)
    times = [int(v) for k in ("root_birth", "machine_id") if (v := kv.get(k, "")).isdigit()]
    if not times:
        raise ValueError("no install time (no file system birth time, no /etc/machine-id)")
    return float(min(times))


def parse_usb_storage_module(text: str) -> UsbStorageModule:
    """The script's usb_storage_module lines: `@key value` and `> ` modprobe output."""
    loaded: bool | None = None
    builtin = False
    files: list[str] = []
    rc: int | None = None
    modprobe: list[str] = []
    blacklisted: list[str] = []
    install: list[tuple[str, str]] = []
    cmdline: list[str] = []
    for line in text.splitlines():
        if line.startswith("> "):
            modprobe.append(line[2:].strip()[:200])
            continue
        key, _, value = line.partition(" ")
        if key == "@loaded":
            loaded = value.strip() == "yes"
        elif key == "@builtin":
            builtin = value.strip() == "yes"
        elif key == "@file":
            files.append(value[:200])
        elif key == "@modprobe":
            rc = int(value)
        elif key == "@conf":
            path, _, rule = value.partition(" ")
            words = rule.split()
            if len(words) >= 2 and words[1].replace("_", "-") == "usb-storage":
                if words[0] == "blacklist":
                    blacklisted.append(path)
                elif words[0] == "install":
                    install.append((path, " ".join(words[2:])[:200]))
        elif key == "@cmdline":
            names = value.partition("=")[2].split(",")
            if any(n.replace("-", "_") == "usb_storage" for n in names):
                cmdline.append(value[:200])
        elif line.strip():
            raise ValueError(f"unexpected usb-storage line {line[:60]!r}")
    if loaded is None:
        raise ValueError("no @loaded line")
    return UsbStorageModule(
        loaded,
        builtin,
        tuple(files),
        rc,
        tuple(modprobe),
        tuple(blacklisted),
        tuple(install),
        tuple(cmdline),
    )


#: Every fact group of Facts, one row each, in the order their problems are recorded.
PROBE_METHODS = frozenset({"bash", "curl", "python3", "nc", "none"})
PROBE_OUTCOMES = frozenset({"connected", "refused", "no_route", "timeout", "error", "not_sent"})
_PROBE_LINE = re.compile(
    r"ip=(?P<ip>[0-9A-Fa-f.:]{1,45}) port=(?P<port>[0-9]{1,5}) method=(?P<method>[a-z0-9]+) "
    r"outcome=(?P<outcome>[a-z_]+) sent_at=(?P<at>[0-9]{0,12})"
)


def parse_probe(text: str) -> ProbeReport:
    """The probe section: ``requested=0``, or ``requested=1``, ``token=…`` and one line per
    target. Any other line, method or outcome is unusable output (ValueError)."""
    lines = text.splitlines()
    if lines == ["requested=0"]:
        return ProbeReport(False, "", ())
    if len(lines) < 2 or lines[0] != "requested=1" or not lines[1].startswith("token="):
        raise ValueError("probe section is neither requested=0 nor requested=1 with a token")
    attempts = []
    for line in lines[2:]:
        m = _PROBE_LINE.fullmatch(line)
        if m is None or m["method"] not in PROBE_METHODS or m["outcome"] not in PROBE_OUTCOMES:
            raise ValueError(f"unreadable probe line {line[:80]!r}")
        ip = str(ipaddress.ip_address(m["ip"]))
        at = float(m["at"]) if m["at"] else None
        attempts.append(ProbeAttempt(ip, int(m["port"]), m["method"], m["outcome"], at))
    return ProbeReport(True, lines[1].removeprefix("token="), tuple(attempts))


def _watched(sections: Sections) -> Watched:
    """What the rule files' watch list asked for (collect/watch.py reads the records)."""
    return parse_watched(_text(sections, WATCH_SECTION), sections)


FACT_GROUPS: tuple[FactGroup, ...] = (
    FactGroup(("target_time", "hostname", "kernel", "os_name", "uid"), ("meta",), _meta),
    FactGroup(("accounts",), ("passwd", "shadow", "shells"), _accounts),
    # grep finds no PASS_ line (1): the default is simply not set
    _from_section("pass_max_days_default", "login_defs", parse_pass_max_days, ok_codes=(0, 1)),
    FactGroup(("addresses",), ("ip_addr", "psutil_addresses"), _addresses),
    FactGroup(
        ("default_routes",), ("ip_route4", "ip_route6", "ip_rule4", "ip_rule6"), _default_routes
    ),
    _from_section("links", "ip_link", parse_links),
    _from_section("ip_forward", "ip_forward", _flag),
    _from_section("ip6_forward", "ip6_forward", _flag),
    _from_section("interfaces", "netdev", parse_netdev),
    _from_section("rfkill", "rfkill", parse_rfkill),
    _from_section("bluetooth", "bluetooth", _lines),
    FactGroup(("processes",), ("processes", "psutil_processes"), _processes),
    FactGroup(("services",), ("services", WANTED_SECTION), _services),
    FactGroup(("packages",), ("dpkg", "rpm", WANTED_SECTION), _packages),
    FactGroup(("executables",), ("executables", WANTED_SECTION), _executables),
    FactGroup(("only_asked",), (WANTED_SECTION,), _asked),
    _from_section("opt_dirs", "opt", _line_set),
    _from_section("clamav_databases", "clamav_db", parse_clamav_db),
    _from_section("clamscan_version", "clamscan_version", str.strip, missing_ok=True),
    # tail fails (1) when freshclam never wrote its log: no log lines, not an unknown
    _from_section("freshclam_log", "freshclam_log", _log_tail, ok_codes=(0, 1)),
    FactGroup(("nm_profiles",), ("nm_profiles",), _nm_profiles),
    FactGroup(("nm_timestamps",), ("nm_timestamps",), _nm_timestamps),
    FactGroup(("dhcp_leases",), ("dhcp_leases",), _dhcp_leases),
    FactGroup(
        ("kernel_net_log",), ("kernel_journal", "kernel_logfiles", "kernel_dmesg"), _kernel_net_log
    ),
    FactGroup(("usb_storage_log",), ("usb_journal", "usb_logfiles"), _usb_storage_log),
    _from_section("usb_storage_module", "usb_storage_module", parse_usb_storage_module),
    _from_section("installed_at", "installed", parse_installed),
    _from_section("probe", "probe", parse_probe),
    FactGroup(("watched",), (WATCH_SECTION,), _watched, numbered=True),
)


def parse_linux(stdout: bytes, now: float | None = None, boundary: str | None = None) -> Facts:
    """Parse the whole output of scripts/linux.sh into Facts; CollectionError if unusable.
    ``boundary``: the one the transport sent (collect/framing.py), when it is known."""
    sections = unbatch(split_sections(stdout, boundary))
    values: dict[str, Any] = {"now": time.time() if now is None else now}
    problems: dict[str, str] = {}
    for group in FACT_GROUPS:
        try:
            values.update(group.read(sections))
        except _Missing as exc:  # _NotThere included: the command is absent on the host
            problems.update(dict.fromkeys(group.facts, str(exc)))
        except _PARSE_ERRORS as exc:
            problems.update(dict.fromkeys(group.facts, f"could not parse: {exc}"))
    return Facts(**values, problems=problems)


def encode_sections(sections: dict[str, tuple[str, int]], boundary: str | None = None) -> bytes:
    """The inverse of split_sections: section name → (text, exit status) as the script prints
    (format 1 as recorded by earlier versions, or format 2 with ``boundary``).

    Used to replay recorded outputs (tests, evidence bundles) through the very same parser.
    """
    return framing.encode(sections, boundary)

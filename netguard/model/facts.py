"""Facts: what one host told us, parsed and typed, collected once and read by every check.

A fact group that could not be collected or parsed is absent, with the reason kept in
``Facts.problems``; ``Facts.need`` raises ``FactMissing`` for it, which the engine turns into an
ERROR finding. So a check can never pass on missing data.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from netguard.model import IPAddress, IPNetwork
from netguard.model.watched import Watched


class FactMissing(Exception):
    """A fact group the check needs was not collected.

    ``fact`` is the group's identifier (a ``Facts`` field, which the catalogs name) and ``why``
    the reason as collection recorded it: kept apart so nobody reads them back from the message.
    """

    def __init__(self, fact: str, why: str) -> None:
        super().__init__(fact, why)  # both in args: the exception pickles and copies whole
        self.fact = fact
        self.why = why

    def __str__(self) -> str:
        return f"{self.fact}: {self.why}"


@dataclass(frozen=True)
class Account:
    name: str
    uid: int
    shell: str
    password: str  # usable | locked | empty | unknown (no shadow entry)
    last_change: int | None  # days since 1970-01-01; None = aging disabled (empty field)
    max_days: int | None  # None = no maximum (empty field)
    login_capable: bool
    #: The crypt method of the hash in the password field — usable, or hidden behind a lock —
    #: as the collection script reduces it (the hash itself never leaves the host): a
    #: modular-crypt prefix ``$y$``, ``$6$``, ``$2b$``…, ``_`` (BSDi DES), ``(des)``
    #: (traditional DES), ``?`` (no form crypt(3) knows); None when there is no hash at all
    #: (empty field, a bare ``!``/``*``, or no shadow entry).
    hash_method: str | None = None
    lock: str = ""  # the leading `!`/`*` run of a locked password field (`!`, `!!`, `*`, `!*`)
    #: where the password field was read: "shadow", or "passwd" when /etc/passwd's field 2 is
    #: not "x" — PAM (pam_unix) then uses it and never looks at /etc/shadow
    password_file: str = "shadow"
    #: the shell gives a session (not nologin/false…, and in /etc/shells when that was read)
    login_shell: bool = False
    #: Windows only: the account's PasswordRequired (False: PASSWD_NOTREQD, the password may be
    #: empty whatever the policy says); None on Linux
    password_required: bool | None = None

    @property
    def rotatable(self) -> bool:
        """A password that can be used to log in, so rotation applies: a hash, or an empty field
        (which logs anyone in). A locked field cannot authenticate; an unknown one (no shadow
        entry) is not known to be locked, so it is held to rotation too (fail closed)."""
        return self.password in ("usable", "empty", "unknown")

    def evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "uid": self.uid,
            "shell": self.shell,
            "password": self.password,
            "last_change_day": self.last_change,
            "max_days": self.max_days,
        }
        if self.hash_method is not None:
            out["hash_method"] = self.hash_method
        if self.lock:
            out["lock"] = self.lock
        if self.password_file != "shadow":
            out["password_file"] = self.password_file
        return out


@dataclass(frozen=True)
class Address:
    interface: str
    ip: IPAddress
    prefixlen: int

    @property
    def network(self) -> IPNetwork:
        return ipaddress.ip_interface(f"{self.ip}/{self.prefixlen}").network

    def __str__(self) -> str:
        return f"{self.ip}/{self.prefixlen} on {self.interface}"


@dataclass(frozen=True)
class Interface:
    name: str
    arp_type: int | None  # /sys/class/net/X/type (ARPHRD_*): 1 ether, 512 ppp, 801 802.11 …
    wireless: bool  # /sys/class/net/X/wireless exists
    phy80211: bool  # /sys/class/net/X/phy80211 exists
    driver: str  # basename of /sys/class/net/X/device/driver, "" when virtual
    devtype: str  # DEVTYPE from uevent: wlan, wwan, bridge, vlan …
    operstate: str
    #: Windows: the radio medium Get-NetAdapter reports (NdisPhysicalMedium: "Native 802.11",
    #: "Wireless LAN", "Wireless WAN", "Bluetooth" …, or "Remote NDIS" tethering); "" otherwise
    media: str = ""


#: IPv4 space that is not internet unicast: multicast 224.0.0.0/4 and reserved 240.0.0.0/4. A
#: wide route there (``224.0.0.0/4 dev eth0`` for multicast) carries no traffic to the internet.
_NOT_UNICAST4 = ipaddress.ip_network("224.0.0.0/3")
#: IPv6 global unicast: a wide IPv6 route that does not reach into it is not a way out.
_GLOBAL6 = ipaddress.ip_network("2000::/3")
#: The widest prefix length that is still "part of a split default": OpenVPN's def1 uses /1
#: (0.0.0.0/1 + 128.0.0.0/1; IPv6 ::/3, 2000::/4, 3000::/4); no registered network of an office
#: is wider than a /8.
SPLIT_DEFAULT_MAX_PREFIXLEN = 4


def is_split_default_half(net: IPNetwork) -> bool:
    """A route to this network takes over part of the default route: a prefix of length 1 to 4
    into internet unicast space (``0.0.0.0/1`` and ``128.0.0.0/1`` together are a default)."""
    if not 0 < net.prefixlen <= SPLIT_DEFAULT_MAX_PREFIXLEN:
        return False
    if net.version == 4:
        return not net.subnet_of(_NOT_UNICAST4)  # type: ignore[arg-type]
    return net.overlaps(_GLOBAL6)


@dataclass(frozen=True)
class Route:
    """A route that can carry traffic out of the machine: a default route, or one half of a
    split default, in the main table or in any table an ``ip rule`` selects."""

    family: int  # 4 or 6
    gateway: IPAddress | None
    dev: str
    metric: int | None
    dst: str = "default"  # "default", or a wide prefix such as 0.0.0.0/1 (a split default)
    table: str = "main"
    protocol: str = ""  # as `ip` prints it: boot, static, dhcp, ra, kernel …; "" when absent

    @property
    def is_default(self) -> bool:
        return self.dst == "default"

    def __str__(self) -> str:
        via = f"via {self.gateway} " if self.gateway else ""
        text = f"{self.dst} {via}dev {self.dev}"
        if self.table != "main":
            text += f" table {self.table}"
        if self.protocol == "ra":
            text += " proto ra"
        return text


@dataclass(frozen=True)
class RouteRule:
    """One policy-routing rule (``ip rule``): which table it sends matching traffic to."""

    family: int
    priority: int | None
    table: str  # "" for a rule without a lookup (unreachable, goto …)
    selector: str  # the match as `ip rule` prints it, e.g. "not from all fwmark 0xca6c"

    def __str__(self) -> str:
        lookup = f" lookup {self.table}" if self.table else ""
        return f"{self.priority}: {self.selector}{lookup}"


#: Link kinds (``ip -d link``'s ``linkinfo.info_kind``) of tunnels: traffic put into them leaves
#: the machine wrapped, to wherever the tunnel's far end is.
TUNNEL_KINDS = frozenset(
    {
        "tun",
        "wireguard",
        "gre",
        "gretap",
        "ip6gre",
        "ip6gretap",
        "ipip",
        "sit",
        "ip6tnl",
        "vti",
        "vti6",
        "erspan",
        "ip6erspan",
        "vxlan",
        "geneve",
        "l2tp",
    }
)


@dataclass(frozen=True)
class Link:
    """One network link as ``ip -d -j link`` describes it."""

    name: str
    kind: str  # linkinfo.info_kind: bridge, bond, vlan, tun, wireguard, gre, veth …; "" = NIC
    tun_type: str  # for kind tun: "tun" or "tap"
    master: str  # the bridge or bond this link is a port of; "" when none
    slave_kind: str  # linkinfo.info_slave_kind: "bridge", "bond" or ""
    link_type: str  # ether, none, loopback, ppp …
    operstate: str

    @property
    def is_tunnel(self) -> bool:
        return self.kind in TUNNEL_KINDS

    @property
    def describe_kind(self) -> str:
        """The kind as a person names it: tap for a tun device in tap mode, NIC when none."""
        if self.kind == "tun" and self.tun_type:
            return self.tun_type
        return self.kind or "NIC"


@dataclass(frozen=True)
class RfkillDevice:
    type: str  # wlan | bluetooth | wwan | …
    name: str
    soft_blocked: bool
    hard_blocked: bool


@dataclass(frozen=True)
class ClamDatabase:
    path: str
    build_time: float | None  # epoch seconds, from the database header
    version: int | None
    mtime: float | None  # file time, a last resort
    header_ok: bool


@dataclass(frozen=True)
class NetProfile:
    """A NetworkManager connection profile, as the script let it out: names and dates, no
    secrets (the script sends only the keys read here)."""

    path: str
    id: str
    uuid: str
    type: str  # NM's connection type, long names made short: wifi, gsm, cdma, bluetooth, ethernet …
    ssid: str
    interface: str  # interface-name=, "" when the profile is not bound to one
    mode: str  # Wi-Fi mode: infrastructure, ap (a hotspot), adhoc; "" for other types
    apn: str  # a mobile broadband profile's access point name
    timestamp: float | None  # [connection] timestamp=: last successful activation, when written
    autoconnect: bool  # NetworkManager's default is yes


@dataclass(frozen=True)
class DhcpLease:
    """A lease a DHCP client kept on disk (dhclient, NetworkManager's own client, networkd)."""

    path: str
    interface: str  # "" when the file does not say (systemd-networkd names files by ifindex)
    address: IPAddress
    router: str
    expires: float | None  # dhclient's expire date, or the file time plus LIFETIME
    written: float  # the file's modification time: when the client last wrote the lease


@dataclass(frozen=True)
class UsbNetLine:
    """A kernel log line of a USB modem or network adapter driver binding to a device."""

    source: str  # journal | dmesg | the log file's path
    time: float
    driver: str
    device: str  # the USB interface, e.g. 1-1:1.4
    text: str  # the rest of the line (capped)


@dataclass(frozen=True)
class KernelNetLog:
    """What the kernel's logs say about USB network devices, from every log that could be read."""

    read: tuple[tuple[str, float | None], ...]  # (source, time of its oldest line)
    unread: tuple[str, ...]  # why each other source was not read
    lines: tuple[UsbNetLine, ...]


@dataclass(frozen=True)
class UsbStorageDevice:
    """A USB mass-storage device the kernel logged, merged over every time it was attached."""

    vendor_id: str  # 4 hex digits, lower case
    product_id: str
    serial: str  # "" when the device reported none
    product: str
    manufacturer: str
    first_seen: float
    last_seen: float
    times: int  # how many attachments were logged
    sources: tuple[str, ...]  # journal | the log file's path


@dataclass(frozen=True)
class UsbStorageLog:
    """USB storage history from every kernel log that could be read (media.history)."""

    read: tuple[tuple[str, float | None], ...]  # (source, time of its oldest line)
    unread: tuple[str, ...]  # why each other source was not read
    devices: tuple[UsbStorageDevice, ...]
    #: journald keeps the journal across boots: True/False, None when the journal was not read
    journal_persistent: bool | None = None
    journal_volatile_why: str = ""  # "Storage=volatile", "no /var/log/journal"


@dataclass(frozen=True)
class UsbStorageModule:
    """Whether the usb-storage driver can load (media.blocked)."""

    loaded: bool  # /sys/module/usb_storage exists
    builtin: bool  # listed in modules.builtin: no modprobe rule can stop it
    module_files: tuple[str, ...]
    #: what `modprobe -n -v usb-storage` says: its exit status (None: no modprobe) and lines
    modprobe_rc: int | None
    modprobe: tuple[str, ...]
    blacklisted_in: tuple[str, ...]  # files with `blacklist usb-storage`
    install: tuple[tuple[str, str], ...]  # (file, command) of `install usb-storage COMMAND`
    cmdline: tuple[str, ...]  # modprobe.blacklist= / module_blacklist= naming usb_storage


@dataclass(frozen=True)
class ProbeAttempt:
    """One 违规外联 probe as the host's own stack saw it (the script's probe section)."""

    ip: str
    port: int
    method: str  # bash | curl | python3 | nc | none
    #: connected (the TCP handshake completed) | refused | no_route | timeout | error | not_sent
    outcome: str
    sent_at: float | None


@dataclass(frozen=True)
class ProbeReport:
    """Whether netguard asked this host to probe, with which token, and what each target gave."""

    requested: bool
    token: str
    attempts: tuple[ProbeAttempt, ...]


@dataclass(frozen=True)
class WscProduct:
    """An antivirus product registered with the Windows Security Center (root/SecurityCenter2
    AntiVirusProduct: displayName, productState, pathToSignedProductExe)."""

    name: str
    state: int  # productState, decoded by checks/antivirus.py
    path: str


@dataclass(frozen=True)
class DefenderStatus:
    """Microsoft Defender Antivirus as Get-MpComputerStatus reports it."""

    am_service_enabled: bool | None
    antivirus_enabled: bool | None
    real_time: bool | None  # RealTimeProtectionEnabled
    running_mode: str  # AMRunningMode: Normal, Passive Mode, EDR Block Mode …; "" before 1903
    signature_updated: float | None  # AntivirusSignatureLastUpdated (epoch s)
    signature_version: str


@dataclass(frozen=True)
class PasswordPolicy:
    """The effective local password policy of a Windows host (secedit's [System Access], or the
    WinNT provider's computer object when secedit could not export)."""

    source: str  # "secedit" | "adsi"
    max_age_days: int | None  # MaximumPasswordAge; None = passwords never expire (0 / -1)
    min_length: int | None
    complexity: bool | None  # PasswordComplexity; None when the source does not say (ADSI)
    lockout_bad_count: int | None  # LockoutBadCount; 0 = never locks out


@dataclass(frozen=True)
class UsbStorPolicy:
    """Whether Windows lets USB storage be used (media.blocked)."""

    #: HKLM\SYSTEM\CurrentControlSet\Services\USBSTOR Start: 3 on demand, 4 disabled
    start: int | None
    deny_all: bool  # the RemovableStorageDevices policy Deny_All = 1


@dataclass(frozen=True)
class Facts:
    """Everything collected from one host. Optional groups are None when not collected."""

    now: float  # auditor's clock at collection (epoch s); ages are measured against it
    target_time: float | None = None  # the host's own clock, for the skew in evidence
    hostname: str = ""
    kernel: str = ""
    os_name: str = ""
    uid: int | None = None
    accounts: tuple[Account, ...] | None = None
    pass_max_days_default: int | None = None  # login.defs: only applies to NEW accounts
    addresses: tuple[Address, ...] | None = None
    interfaces: tuple[Interface, ...] | None = None
    # default routes and split defaults, in main and every table an `ip rule` looks up
    default_routes: tuple[Route, ...] | None = None
    links: tuple[Link, ...] | None = None  # `ip -d -j link`: kinds, bridge/bond ports
    ip_forward: bool | None = None
    ip6_forward: bool | None = None
    rfkill: tuple[RfkillDevice, ...] | None = None
    bluetooth: tuple[str, ...] | None = None
    processes: frozenset[str] | None = None
    services: dict[str, str] | None = None  # unit name (no .service) → active state
    packages: frozenset[str] | None = None
    executables: frozenset[str] | None = None
    opt_dirs: frozenset[str] | None = None
    #: packages, executables and services hold only these names when the collection asked for
    #: some (collect/wanted.py): group → the names asked. A group not here was listed whole; a
    #: name a group was not asked for is unknown there, never absent.
    only_asked: dict[str, frozenset[str]] = field(default_factory=dict)
    clamav_databases: tuple[ClamDatabase, ...] | None = None
    clamscan_version: str | None = None
    freshclam_log: tuple[str, ...] | None = None
    nm_profiles: tuple[NetProfile, ...] | None = None
    nm_timestamps: dict[str, float] | None = None  # profile uuid → last use (epoch s)
    dhcp_leases: tuple[DhcpLease, ...] | None = None
    kernel_net_log: KernelNetLog | None = None
    usb_storage_log: UsbStorageLog | None = None
    usb_storage_module: UsbStorageModule | None = None
    #: when the system was installed (epoch s): a log that starts then covers its whole life
    installed_at: float | None = None
    probe: ProbeReport | None = None
    #: "linux" or "windows": which script the facts came from
    platform: str = "linux"
    #: Windows: the computer's domain when it is joined to one ("" for a workgroup)
    domain: str = ""
    wsc_antivirus: tuple[WscProduct, ...] | None = None
    defender: DefenderStatus | None = None
    password_policy: PasswordPolicy | None = None
    usbstor_policy: UsbStorPolicy | None = None
    #: what the rule files' checks asked the script to read (model/watched.py); None when no
    #: rule file was loaded or the section could not be parsed
    watched: Watched | None = None
    problems: dict[str, str] = field(default_factory=dict)  # fact group → why it is missing

    @property
    def today(self) -> int:
        """Days since 1970-01-01 on the auditor's clock (the unit of /etc/shadow)."""
        return int(self.now // 86400)

    def need(self, name: str) -> Any:
        value = getattr(self, name)
        if value is None:
            raise FactMissing(name, self.problems.get(name, "not collected"))
        return value

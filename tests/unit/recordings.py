"""Recorded collection outputs of office machines, section by section, for parsers and checks.

Where their shape comes from (so that they stay realistic):
- ``ip -j addr`` / ``ip -j route``: iproute2 6.1 (Debian 12) JSON, trimmed to the keys it prints
  for an Ethernet desktop (flags, operstate, addr_info with family/local/prefixlen/scope).
- ``/etc/passwd``, ``/etc/shadow``, ``/etc/shells``, ``login.defs``: Debian 12 defaults plus
  office accounts; shadow dates are days since 1970-01-01 relative to ``NOW`` below.
- ``systemctl list-units --type=service --all --no-legend --plain``: systemd 252 columns
  UNIT LOAD ACTIVE SUB DESCRIPTION.
- ``dpkg-query -W -f '${db:Status-Abbrev} ${Package}'``: "ii " for installed packages.
- ClamAV database header: the 512-byte CVD header ``ClamAV-VDB:time:version:sigs:flevel:md5:
  dsig:builder:stime``, as printed by ``head -c 512 /var/lib/clamav/daily.cvd`` (ClamAV 1.4).
- netdev lines are the script's own tab-separated rendering of ``/sys/class/net/*``: the sysfs
  facts of a Wi-Fi card (iwlwifi: ``wireless/`` and ``phy80211``, DEVTYPE=wlan), a Quectel modem
  (qmi_wwan, DEVTYPE=wwan), an Android phone tethering (rndis_host) and a PPP dial-up link
  (ARPHRD_PPP = 512) are taken from the kernel's documented sysfs layout; the lab cannot create
  such devices (no radios in namespaces), so these signals are tested here.
- network history (NetworkManager profiles, DHCP leases, kernel log): tests/unit/
  recordings_history.py, which says where each shape comes from; its hosts join HOSTS below.
- removable media (USB storage history, the usb-storage module): tests/unit/recordings_media.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial

from netguard.collect.parse_linux import encode_sections
from tests.unit.recordings_history import history_hosts, quiet_history
from tests.unit.recordings_media import media_hosts, quiet_media

NOW = 1795392000.0  # 2026-11-23 00:00:00 UTC
TODAY = int(NOW // 86400)

Sections = dict[str, tuple[str, int]]

PASSWD = """root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
sys:x:3:3:sys:/dev:/usr/sbin/nologin
sync:x:4:65534:sync:/bin:/bin/sync
man:x:6:12:man:/var/cache/man:/usr/sbin/nologin
systemd-network:x:998:998:systemd Network Management:/:/usr/sbin/nologin
messagebus:x:100:107::/nonexistent:/usr/sbin/nologin
sshd:x:101:65534::/run/sshd:/usr/sbin/nologin
clamav:x:102:110::/var/lib/clamav:/bin/false
zhangwei:x:1000:1000:Zhang Wei,Room 305,,:/home/zhangwei:/bin/bash
"""

SHELLS = """# /etc/shells: valid login shells
/bin/sh
/usr/bin/sh
/bin/bash
/usr/bin/bash
/bin/rbash
/usr/bin/rbash
/usr/bin/dash
"""

HASH = "$y$j9T$Fq0vJ0mWQ3jS8b1nq6a7d/$9cQ0k2d1ZP5u6fWlN8c3bqJ7mHn0v4xYtR2sLkE1aB0"


def shadow(
    root: str = f"*:{TODAY - 20}:0:90:7:::",
    user: str = f"{HASH}:{TODAY - 12}:0:90:7:::",
) -> str:
    system = "\n".join(
        f"{n}:*:19000:0:99999:7:::"
        for n in ("daemon", "bin", "sys", "sync", "man", "systemd-network", "messagebus", "sshd")
    )
    return f"root:{root}\n{system}\nclamav:!:19500::::::\nzhangwei:{user}\n"


def ip_addr(extra: list[dict] | None = None, addr: str = "10.20.0.17") -> str:
    links = [
        {
            "ifindex": 1,
            "ifname": "lo",
            "flags": ["LOOPBACK", "UP", "LOWER_UP"],
            "mtu": 65536,
            "operstate": "UNKNOWN",
            "link_type": "loopback",
            "addr_info": [
                {"family": "inet", "local": "127.0.0.1", "prefixlen": 8, "scope": "host"},
                {"family": "inet6", "local": "::1", "prefixlen": 128, "scope": "host"},
            ],
        },
        {
            "ifindex": 2,
            "ifname": "enp3s0",
            "flags": ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"],
            "mtu": 1500,
            "operstate": "UP",
            "link_type": "ether",
            "address": "3c:7c:3f:1e:42:07",
            "addr_info": [
                {
                    "family": "inet",
                    "local": addr,
                    "prefixlen": 24,
                    "broadcast": "10.20.0.255",
                    "scope": "global",
                    "label": "enp3s0",
                },
                {
                    "family": "inet6",
                    "local": "fe80::3e7c:3fff:fe1e:4207",
                    "prefixlen": 64,
                    "scope": "link",
                },
            ],
        },
    ]
    return json.dumps(links + (extra or []))


def routes4(*defaults: tuple[str | None, str]) -> str:
    table = [
        {"dst": "default", "gateway": gw, "dev": dev, "protocol": "static", "flags": []}
        if gw
        else {"dst": "default", "dev": dev, "scope": "link", "flags": []}
        for gw, dev in defaults
    ]
    table.append(
        {
            "dst": "10.20.0.0/24",
            "dev": "enp3s0",
            "protocol": "kernel",
            "scope": "link",
            "prefsrc": "10.20.0.17",
            "flags": [],
        }
    )
    return json.dumps(table)


ROUTES6 = json.dumps(
    [
        {
            "dst": "fe80::/64",
            "dev": "enp3s0",
            "protocol": "kernel",
            "metric": 256,
            "flags": [],
            "pref": "medium",
        }
    ]
)

#: `ip -j -4 rule` / `ip -j -6 rule` of a machine without policy routing (iproute2 6.1, Debian 12).
RULES4 = json.dumps(
    [
        {"priority": 0, "src": "all", "table": "local"},
        {"priority": 32766, "src": "all", "table": "main"},
        {"priority": 32767, "src": "all", "table": "default"},
    ]
)
RULES6 = json.dumps(
    [
        {"priority": 0, "src": "all", "table": "local"},
        {"priority": 32766, "src": "all", "table": "main"},
    ]
)


def ip_link(extra: list[dict] | None = None) -> str:
    """`ip -d -j link show` (iproute2 6.1), trimmed: a physical NIC has no `linkinfo`."""
    links = [
        {
            "ifindex": 1,
            "ifname": "lo",
            "flags": ["LOOPBACK", "UP", "LOWER_UP"],
            "mtu": 65536,
            "operstate": "UNKNOWN",
            "link_type": "loopback",
            "address": "00:00:00:00:00:00",
        },
        {
            "ifindex": 2,
            "ifname": "enp3s0",
            "flags": ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"],
            "mtu": 1500,
            "operstate": "UP",
            "link_type": "ether",
            "address": "3c:7c:3f:1e:42:07",
            "parentbus": "pci",
            "parentdev": "0000:03:00.0",
        },
    ]
    return json.dumps(links + (extra or []))


NETDEV_WIRED = "enp3s0\t1\t0\t0\te1000e\t\tup\nlo\t772\t0\t0\t\t\tunknown\n"

SERVICES = """clamav-daemon.service loaded active running Clam AntiVirus userspace daemon
clamav-freshclam.service loaded active running ClamAV virus database updater
cron.service loaded active running Regular background program processing daemon
ssh.service loaded active running OpenBSD Secure Shell server
systemd-journald.service loaded active running Journal Service
"""

DPKG = (
    "\n".join(
        f"ii  {p}"
        for p in (
            "adduser",
            "base-files",
            "bash",
            "clamav",
            "clamav-base",
            "clamav-daemon",
            "clamav-freshclam",
            "coreutils",
            "dpkg",
            "iproute2",
            "libclamav11",
            "openssh-server",
            "passwd",
            "systemd",
        )
    )
    + "\n"
)

EXECUTABLES = (
    "\n".join(
        sorted(
            (
                "bash",
                "cat",
                "clamconf",
                "clamd",
                "clamdscan",
                "clamscan",
                "freshclam",
                "ip",
                "ls",
                "passwd",
                "sigtool",
                "sshd",
                "systemctl",
            )
        )
    )
    + "\n"
)

PROCESSES = "systemd\nsystemd-journal\ncron\nsshd\nclamd\nfreshclam\nsshd\nsh\ncat\n"


def cvd_header(age_days: float, version: int = 27830) -> str:
    import time as _t

    stime = int(NOW - age_days * 86400)
    when = _t.strftime("%d %b %Y %H-%M +0000", _t.gmtime(stime))
    return (
        f"ClamAV-VDB:{when}:{version}:2071534:90:9d4b07f4b54b5b9d4a9f1c1e9c0a5b11:"
        f"{'A' * 64}:raynman:{stime}"
    ).ljust(512)


def clamav_db(age_days: float) -> str:
    stime = int(NOW - age_days * 86400)
    return (
        f"== /var/lib/clamav/daily.cld {stime}\n{cvd_header(age_days)}\n"
        f"== /var/lib/clamav/main.cvd 1726000000\n{cvd_header(430, 62)}\n"
    )


def desktop(**overrides: tuple[str, int]) -> Sections:
    """A compliant Debian 12 intranet desktop (fin-pc-07, 10.20.0.17, gateway 10.20.0.1)."""
    base: Sections = {
        "meta": (
            f"time={int(NOW)}\nhostname=fin-pc-07\nkernel=Linux 6.1.0-27-amd64 x86_64\n"
            "uid=0\nos=Debian GNU/Linux 12 (bookworm)",
            0,
        ),
        "passwd": (PASSWD, 0),
        "shadow": (shadow(), 0),
        "shells": (SHELLS, 0),
        "login_defs": ("PASS_MAX_DAYS\t90\nPASS_MIN_DAYS\t0\nPASS_WARN_AGE\t7\n", 0),
        "ip_addr": (ip_addr(), 0),
        "ip_route4": (routes4(("10.20.0.1", "enp3s0")), 0),
        "ip_route6": (ROUTES6, 0),
        "ip_forward": ("0\n", 0),
        "ip6_forward": ("0\n", 0),
        "netdev": (NETDEV_WIRED, 0),
        "ip_rule4": (RULES4, 0),
        "ip_rule6": (RULES6, 0),
        "ip_link": (ip_link(), 0),
        "rfkill": ("", 0),
        "bluetooth": ("", 0),
        "processes": (PROCESSES, 0),
        "services": (SERVICES, 0),
        "dpkg": (DPKG, 0),
        "rpm": ("", 127),
        "executables": (EXECUTABLES, 0),
        "opt": ("", 0),
        "clamav_db": (clamav_db(1.5), 0),
        "clamscan_version": ("ClamAV 1.4.6/27830/Fri Nov 21 12:00:00 2026", 0),
        "freshclam_log": ("", 1),
        **quiet_history(NOW),
        **quiet_media(NOW),
        "probe": ("requested=0", 0),
        "watch": ("requested=0", 0),
    }
    base.update(overrides)
    return base


WIFI_LINK = {
    "ifindex": 3,
    "ifname": "wlp2s0",
    "flags": ["BROADCAST", "MULTICAST", "UP"],
    "operstate": "UP",
    "link_type": "ether",
    "addr_info": [
        {"family": "inet", "local": "192.168.43.105", "prefixlen": 24, "scope": "global"}
    ],
}


def _no_clamav() -> dict[str, tuple[str, int]]:
    return {
        "dpkg": ("".join(f"ii  {p}\n" for p in ("bash", "coreutils", "openssh-server")), 0),
        "executables": ("bash\ncat\nip\nls\nsshd\n", 0),
        "processes": ("systemd\nsshd\ncron\n", 0),
        "services": ("cron.service loaded active running cron\n", 0),
        "clamav_db": ("", 0),
        "clamscan_version": ("", 127),
    }


#: name → sections. Every scenario differs from ``desktop()`` in one way only.
HOSTS: dict[str, Callable[[], Sections]] = {
    "compliant": desktop,
    "systemd-less-clamd": lambda: desktop(services=("", 1)),
    "stale-signatures": lambda: desktop(clamav_db=(clamav_db(40), 0)),
    "header-unreadable": lambda: desktop(
        clamav_db=("== /var/lib/clamav/daily.cld 1795000000\n\x00garbage\n", 0)
    ),
    "no-antivirus": lambda: desktop(**_no_clamav()),
    "clamav-stopped": lambda: desktop(
        processes=("systemd\nsshd\ncron\n", 0),
        services=(SERVICES.replace("active running", "inactive dead"), 0),
    ),
    "password-expired": lambda: desktop(shadow=(shadow(user=f"{HASH}:{TODAY - 200}:0:90:7:::"), 0)),
    "password-never-expires": lambda: desktop(
        shadow=(shadow(user=f"{HASH}:{TODAY - 5}:0:99999:7:::"), 0)
    ),
    "password-aging-off": lambda: desktop(shadow=(shadow(user=f"{HASH}::0::7:::"), 0)),
    "shadow-unreadable": lambda: desktop(shadow=("", 1)),
    "wifi-card": lambda: desktop(
        ip_addr=(ip_addr([WIFI_LINK]), 0),
        netdev=(NETDEV_WIRED + "wlp2s0\t1\t1\t1\tiwlwifi\twlan\tup\n", 0),
        rfkill=("wlan\tphy0\t0\t0\nbluetooth\thci0\t0\t0\n", 0),
        bluetooth=("hci0\n", 0),
    ),
    "usb-modem": lambda: desktop(
        netdev=(NETDEV_WIRED + "wwan0\t65534\t0\t0\tqmi_wwan\twwan\tdown\n", 0)
    ),
    "phone-tethering": lambda: desktop(
        netdev=(NETDEV_WIRED + "usb0\t1\t0\t0\trndis_host\t\tup\n", 0)
    ),
    "dialup-ppp": lambda: desktop(netdev=(NETDEV_WIRED + "ppp0\t512\t0\t0\t\t\tunknown\n", 0)),
    "dual-homed": lambda: desktop(
        ip_addr=(
            ip_addr(
                [
                    {
                        "ifindex": 3,
                        "ifname": "enp4s0",
                        "flags": ["UP"],
                        "operstate": "UP",
                        "addr_info": [
                            {
                                "family": "inet",
                                "local": "198.51.100.44",
                                "prefixlen": 24,
                                "scope": "global",
                            }
                        ],
                    }
                ]
            ),
            0,
        )
    ),
    "foreign-address": lambda: desktop(ip_addr=(ip_addr(addr="10.99.3.17"), 0)),
    "rogue-gateway": lambda: desktop(ip_route4=(routes4(("10.20.0.254", "enp3s0")), 0)),
    "two-default-routes": lambda: desktop(
        ip_route4=(routes4(("10.20.0.1", "enp3s0"), (None, "ppp0")), 0)
    ),
    "forwarding": lambda: desktop(ip_forward=("1\n", 0)),
    "route-output-garbled": lambda: desktop(ip_route4=("Error: ip -j not supported\n", 0)),
}
HOSTS.update({name: partial(desktop, **sections) for name, sections in history_hosts(NOW).items()})
HOSTS.update({name: partial(desktop, **sections) for name, sections in media_hosts(NOW).items()})


def recorded(name: str) -> bytes:
    """The script output of a recorded host, as the transport would hand it to the parser."""
    return encode_sections(HOSTS[name]())

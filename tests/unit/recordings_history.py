"""Recorded network history sections (isolation.history), as scripts/linux.sh prints them.

Every section here is the script's OUTPUT, i.e. already filtered on the host; the raw files they
come from (with their secrets) are in ``RAW_*`` below, which tests/unit/test_isolation_history.py
feeds to the script's own functions. Where their shape comes from:

- NetworkManager keyfiles: NM 1.42 (Debian 12) ``/etc/NetworkManager/system-connections/*
  .nmconnection`` as ``nmcli device wifi connect`` / ``nmcli connection add type gsm`` and GNOME
  Bluetooth's pairing write them: ``[connection] id uuid type interface-name timestamp``,
  ``[wifi] mode ssid``, ``[wifi-security] key-mgmt psk``, ``[gsm] apn pin``, ``[bluetooth] bdaddr
  type``; ``/var/lib/NetworkManager/timestamps`` is the GKeyFile ``[timestamps]`` of uuid=epoch.
- dhclient (isc-dhcp-client 4.4, Debian ``/var/lib/dhcp/dhclient.IFACE.leases``): ``lease { … }``
  blocks, dates as ``renew W YYYY/MM/DD HH:MM:SS;`` in UTC.
- NetworkManager's internal DHCP client: ``/var/lib/NetworkManager/internal-UUID-IFACE.lease``
  holding ``ADDRESS=`` (nm-dhcp-nettools), its time is the file's.
- systemd-networkd: ``/run/systemd/netif/leases/IFINDEX`` (``ADDRESS= NETMASK= ROUTER=
  SERVER_ADDRESS= LIFETIME=`` …) — the issue named /var/lib/systemd/netif, which the script also
  reads, but networkd keeps leases under /run.
- Kernel lines: the Huawei E3372h in HiLink mode (12d1:14dc) binds to cdc_ether and is renamed
  to enx<MAC>; the Quectel EC20 (2c7c:0125) exposes four ``option`` serial ports and a
  ``qmi_wwan`` network interface on interface 4 — the lines as they appear in users' reports of
  these modems on Ubuntu/Debian. journalctl ``-o short-iso`` stamps ``2026-10-28T15:02:11+0800``;
  rsyslog's traditional file format (Ubuntu 22.04, Debian ≤ 11) ``Nov 17 09:14:03`` with the
  printk time in brackets; ``dmesg --time-format iso`` ``2026-11-20T07:58:02,000000+08:00``.

Times are relative to the recordings' ``now`` (tests/unit/recordings.py ``NOW``, 2026-11-23).
"""

from __future__ import annotations

import time

Sections = dict[str, tuple[str, int]]
DAY = 86400
CST = 8 * 3600  # the hosts' zone, Asia/Shanghai

WIRED_UUID = "2b0a4a4e-7e0f-3c5c-9d8e-1f2a3b4c5d6e"
WIFI_UUID = "8d1f6c52-3b9e-4c1a-a0e2-6f7d9c3b2a11"
GSM_UUID = "c3e1a9d0-54b2-4f4e-8a57-0d1e2f3a4b5c"
BT_UUID = "6f0e5d4c-3b2a-4190-8f7e-6d5c4b3a2910"
NM_DIR = "/etc/NetworkManager/system-connections"

# -- raw files on the host (secrets included), for the script-function tests --------------------

RAW_WIFI = f"""[connection]
id=TP-LINK_5F3A
uuid={WIFI_UUID}
type=wifi
interface-name=wlp2s0

[wifi]
mode=infrastructure
ssid=TP-LINK_5F3A

[wifi-security]
auth-alg=open
key-mgmt=wpa-psk
psk=Zw8#psk-never-leaves

[ipv4]
method=auto

[ipv6]
addr-gen-mode=default
method=auto

[proxy]
"""

RAW_GSM = f"""[connection]
id=China Mobile
uuid={GSM_UUID}
type=gsm
timestamp=1792800000

[gsm]
apn=cmnet
password=gsm-password-never-leaves
pin=4096
username=card

[ipv4]
method=auto
"""

#: An older NM's long type names and an enterprise network: [802-1x] holds a password too.
RAW_LEGACY_8021X = """[connection]
id=Corp
uuid=0f3c2b1a-9e8d-4c7b-a6f5-e4d3c2b1a098
type=802-11-wireless

[802-11-wireless]
ssid=Corp
mode=infrastructure

[802-11-wireless-security]
key-mgmt=wpa-eap

[802-1x]
eap=peap;
identity=zhangwei
password=eap-password-never-leaves
phase2-auth=mschapv2

[vpn-secrets]
password=vpn-password-never-leaves
"""

RAW_TIMESTAMPS = f"""[timestamps]
{WIRED_UUID}=1795388400
{WIFI_UUID}=1794870000
"""

RAW_DHCLIENT = """lease {
  interface "usb0";
  fixed-address 192.168.42.57;
  option subnet-mask 255.255.255.0;
  option routers 192.168.42.129;
  option dhcp-lease-time 3600;
  option dhcp-message-type 5;
  option domain-name-servers 192.168.42.129;
  option dhcp-server-identifier 192.168.42.129;
  option host-name "fin-pc-07";
  option vendor-encapsulated-options 41:4e:44:52:4f:49:44;
  renew 2 2026/11/03 06:41:18;
  rebind 2 2026/11/03 07:07:33;
  expire 2 2026/11/03 07:15:03;
}
"""

RAW_KERN_LOG = """Nov 16 00:00:07 fin-pc-07 kernel: [    0.000000] Linux version 6.1.0-27-amd64
Nov 17 09:14:02 fin-pc-07 kernel: [ 3702.512348] usb 1-2: new high-speed USB device number 5 using xhci_hcd
Nov 17 09:14:02 fin-pc-07 kernel: [ 3702.661934] usb 1-2: New USB device found, idVendor=12d1, idProduct=14dc, bcdDevice= 1.02
Nov 17 09:14:02 fin-pc-07 kernel: [ 3702.662016] usb 1-2: Product: HUAWEI_MOBILE
Nov 17 09:14:03 fin-pc-07 kernel: [ 3703.703581] usbcore: registered new interface driver cdc_ether
Nov 17 09:14:03 fin-pc-07 kernel: [ 3703.721342] cdc_ether 1-2:1.0 eth1: register 'cdc_ether' at usb-0000:00:14.0-2, CDC Ethernet Device, 0c:5b:8f:27:9a:64
Nov 17 09:14:03 fin-pc-07 kernel: [ 3703.735110] cdc_ether 1-2:1.0 enx0c5b8f279a64: renamed from eth1
Nov 17 09:14:05 fin-pc-07 NetworkManager[812]: <info>  [1794877445.1234] device (enx0c5b8f279a64): carrier: link connected
"""  # noqa: E501 (log lines as the kernel writes them)


# -- what the script prints ------------------------------------------------------------------------


def _iso(t: float) -> str:
    """journalctl -o short-iso in Asia/Shanghai."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+0800", time.gmtime(t + CST))


def _dmesg(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S,000000+08:00", time.gmtime(t + CST))


def _syslog(t: float) -> str:
    """rsyslog's traditional stamp (read back as UTC: the zone is not in the line)."""
    return time.strftime("%b %d %H:%M:%S", time.gmtime(t))


def _dhclient(t: float) -> str:
    return time.strftime("%w %Y/%m/%d %H:%M:%S", time.gmtime(t))


def _profile(path: str, **keys: str) -> str:
    return f"== {NM_DIR}/{path}\n" + "".join(f"{k}={v}\n" for k, v in keys.items())


def wired_profile() -> str:
    return _profile(
        "Wired connection 1.nmconnection",
        **{
            "connection.id": "Wired connection 1",
            "connection.uuid": WIRED_UUID,
            "connection.type": "ethernet",
            "connection.interface-name": "enp3s0",
        },
    )


def wifi_profile(ssid: str = "TP-LINK_5F3A") -> str:
    return _profile(
        f"{ssid}.nmconnection",
        **{
            "connection.id": ssid,
            "connection.uuid": WIFI_UUID,
            "connection.type": "wifi",
            "connection.interface-name": "wlp2s0",
            "wifi.mode": "infrastructure",
            "wifi.ssid": ssid,
        },
    )


def timestamps(**uuids: float) -> str:
    return "".join(f"{u}={int(t)}\n" for u, t in uuids.items())


def journal(now: float, *lines: tuple[float, str], since_days: float = 210) -> str:
    first = _iso(now - since_days * DAY)
    return f"@first {first} fin-pc-07 kernel: Li\n" + "".join(
        f"{_iso(t)} fin-pc-07 kernel: {text}\n" for t, text in lines
    )


def dmesg(now: float, boot_days_ago: float = 3) -> str:
    return f"@first {_dmesg(now - boot_days_ago * DAY)} Linux v\n"


def quiet_history(now: float) -> Sections:
    """The compliant Debian 12 desktop's history: one wired NetworkManager profile (manual
    address, so no lease files), a persistent journal with no USB modem in it, no rsyslog."""
    return {
        "nm_profiles": (wired_profile(), 0),
        "nm_timestamps": (timestamps(**{WIRED_UUID: now - 3600}), 0),
        "dhcp_leases": ("", 0),
        "kernel_journal": (journal(now), 0),
        "kernel_logfiles": ("", 127),
        "kernel_dmesg": (dmesg(now), 0),
    }


def _ec20(t: float) -> list[tuple[float, str]]:
    """A Quectel EC20 plugged in: four serial ports on `option`, the network port on qmi_wwan."""
    return [
        *((t, f"option 1-4:1.{i}: GSM modem (1-port) converter detected") for i in range(4)),
        (t + 1, "qmi_wwan 1-4:1.4: cdc-wdm0: USB WDM device"),
        (
            t + 1,
            "qmi_wwan 1-4:1.4 wwan0: register 'qmi_wwan' at usb-0000:00:14.0-4, WWAN/QMI device, "
            "4a:9d:2c:11:7e:05",
        ),
    ]


def _e3372_kern_log(now: float, when: float) -> str:
    """kern.log.1 (last week's, rsyslog traditional format) with the E3372 binding, as the
    script sends it: the file's time, its first stamp, then only the matching lines."""
    file_time = int(when + 2 * DAY)
    return (
        f"== {file_time} /var/log/kern.log.1\n"
        f"@first {_syslog(when - DAY)} fin-pc-07 kernel: [    0.00\n"
        f"{_syslog(when)} fin-pc-07 kernel: [ 3703.721342] cdc_ether 1-2:1.0 eth1: register "
        "'cdc_ether' at usb-0000:00:14.0-2, CDC Ethernet Device, 0c:5b:8f:27:9a:64\n"
        f"{_syslog(when)} fin-pc-07 kernel: [ 3703.735110] cdc_ether 1-2:1.0 enx0c5b8f279a64: "
        "renamed from eth1\n"
        f"== {int(now)} /var/log/kern.log\n"
        f"@first {_syslog(now - 3 * DAY)} fin-pc-07 kernel: [    0.00\n"
    )


def history_hosts(now: float) -> dict[str, Sections]:
    """name → the sections that differ from the compliant desktop (recordings.desktop)."""
    wifi_used = now - 6 * DAY
    return {
        # joined a phone hotspot / home router six days ago; the profile is still there
        "history-wifi-joined": {
            "nm_profiles": (wired_profile() + wifi_profile(), 0),
            "nm_timestamps": (timestamps(**{WIRED_UUID: now - 3600, WIFI_UUID: wifi_used}), 0),
        },
        # a Wi-Fi profile NetworkManager has no use recorded for (it would autoconnect)
        "history-wifi-unused": {"nm_profiles": (wired_profile() + wifi_profile(), 0)},
        # last used 200 days ago, outside the 90-day window: listed, not failed
        "history-wifi-old": {
            "nm_profiles": (wired_profile() + wifi_profile(), 0),
            "nm_timestamps": (
                timestamps(**{WIRED_UUID: now - 3600, WIFI_UUID: now - 200 * DAY}),
                0,
            ),
        },
        # a 4G profile (China Mobile APN) with its use in the keyfile's own timestamp=
        "history-gsm-profile": {
            "nm_profiles": (
                wired_profile()
                + _profile(
                    "China Mobile.nmconnection",
                    **{
                        "connection.id": "China Mobile",
                        "connection.uuid": GSM_UUID,
                        "connection.type": "gsm",
                        "connection.timestamp": str(int(now - 30 * DAY)),
                        "gsm.apn": "cmnet",
                    },
                ),
                0,
            )
        },
        # GNOME pairs a phone and NetworkManager adds its PAN profile by itself, never used
        "history-bluetooth-pan": {
            "nm_profiles": (
                wired_profile()
                + _profile(
                    "HUAWEI P40 Network.nmconnection",
                    **{
                        "connection.id": "HUAWEI P40 Network",
                        "connection.uuid": BT_UUID,
                        "connection.type": "bluetooth",
                        "connection.autoconnect": "false",
                        "bluetooth.type": "panu",
                    },
                ),
                0,
            )
        },
        # USB tethering from an Android phone (rndis_host, 192.168.42.0/24), dhclient's lease
        "history-tethering-lease": {
            "dhcp_leases": (
                f"== {int(now - 20 * DAY)} /var/lib/dhcp/dhclient.usb0.leases\n"
                'lease {\n  interface "usb0";\n  fixed-address 192.168.42.57;\n'
                "  option subnet-mask 255.255.255.0;\n  option routers 192.168.42.129;\n"
                "  option dhcp-lease-time 3600;\n"
                "  option dhcp-server-identifier 192.168.42.129;\n"
                f"  renew {_dhclient(now - 20 * DAY - 1800)};\n"
                f"  rebind {_dhclient(now - 20 * DAY - 450)};\n"
                f"  expire {_dhclient(now - 20 * DAY)};\n}}\n",
                0,
            )
        },
        # the same kind of lease, 120 days ago: outside the window
        "history-old-lease": {
            "dhcp_leases": (
                f"== {int(now - 120 * DAY)} /var/lib/dhcp/dhclient.usb0.leases\n"
                'lease {\n  interface "usb0";\n  fixed-address 192.168.42.57;\n'
                "  option routers 192.168.42.129;\n"
                f"  expire {_dhclient(now - 120 * DAY)};\n}}\n",
                0,
            )
        },
        # a Huawei E3372 HiLink stick: systemd-networkd took 192.168.8.100 from it two days ago
        "history-networkd-lease": {
            "dhcp_leases": (
                f"== {int(now - 2 * DAY)} /run/systemd/netif/leases/4\n"
                "ADDRESS=192.168.8.100\nNETMASK=255.255.255.0\nROUTER=192.168.8.1\n"
                "SERVER_ADDRESS=192.168.8.1\nLIFETIME=86400\n",
                0,
            )
        },
        # plugged into an internet-zone socket: NetworkManager's own client got an address there
        "history-internet-lease": {
            "dhcp_leases": (
                f"== {int(now - 5 * DAY)} /var/lib/NetworkManager/internal-{WIRED_UUID}"
                "-enp3s0.lease\n# This is private data. Do not parse.\nADDRESS=198.51.100.23\n",
                0,
            )
        },
        # a lease in its own registered segment: ordinary intranet DHCP
        "history-intranet-lease": {
            "dhcp_leases": (
                f"== {int(now - DAY)} /var/lib/NetworkManager/internal-{WIRED_UUID}"
                "-enp3s0.lease\nADDRESS=10.20.0.17\n",
                0,
            )
        },
        # a Quectel EC20 26 days ago, in the persistent journal
        "history-ec20-journal": {
            "kernel_journal": (journal(now, *_ec20(now - 26 * DAY)), 0),
        },
        # the same modem 150 days ago: outside the window
        "history-ec20-old": {
            "kernel_journal": (journal(now, *_ec20(now - 150 * DAY)), 0),
        },
        # a Huawei E3372 last week, in rsyslog's kern.log.1; the volatile journal and dmesg only
        # reach back to this boot, three days ago
        "history-e3372-kernlog": {
            "kernel_journal": (journal(now, since_days=3), 0),
            "kernel_logfiles": (_e3372_kern_log(now, now - 6 * DAY), 0),
        },
        # an auditing account that is not root: profiles root-only, journal and dmesg hidden;
        # only the lease directories could be read
        "history-not-root": {
            "nm_profiles": (
                f"!unreadable {NM_DIR}/Wired connection 1.nmconnection\n",
                0,
            ),
            "nm_timestamps": ("", 2),
            "kernel_journal": ("", 3),
            "kernel_dmesg": ("", 3),
        },
        # a container or a minimal server without NetworkManager, DHCP client, systemd or
        # rsyslog, audited by an account kernel.dmesg_restrict keeps out: nothing to read
        "history-no-source": {
            "nm_profiles": ("", 127),
            "nm_timestamps": ("", 127),
            "dhcp_leases": ("", 127),
            "kernel_journal": ("", 127),
            "kernel_logfiles": ("", 127),
            "kernel_dmesg": ("", 3),
        },
    }

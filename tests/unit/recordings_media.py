"""Recorded removable-media sections (media.history, media.blocked), as scripts/linux.sh prints
them. Where their shape comes from:

- Kernel lines of a USB stick being attached, Debian 12 (kernel 6.1, xhci_hcd): the usb core's
  ``usb 2-1: New USB device found, idVendor=0951, idProduct=1666, bcdDevice= 1.10``, ``New USB
  device strings: Mfr=1, Product=2, SerialNumber=3`` (not collected), ``Product:``,
  ``Manufacturer:``, ``SerialNumber:``, then ``usb-storage 2-1:1.0: USB Mass Storage device
  detected`` — the sequence drivers/usb/core/hub.c and drivers/usb/storage/usb.c print, as in
  users' reports of a Kingston DataTraveler 3.0 (0951:1666) and a SanDisk Cruzer Blade
  (0781:5567). A cheap no-name stick (Alcor 058f:6387) reports the serial ``00000000000000``.
  A USB keyboard (046d:c31c) is logged the same way but no storage driver binds to it.
- journalctl ``-o short-iso``: ``2026-10-28T15:02:11+0800 fin-pc-07 kernel: usb 2-1: …``;
  the ``@persistent`` line is the script's (journald Storage= and /var/log/journal).
- kern.log / syslog in rsyslog's traditional format (Ubuntu 22.04, Debian ≤ 11) ``Nov 17
  09:14:03 host kernel: [ 3703.721342] usb …``, a rotated ``.gz`` read through zcat (same lines).
- usb-storage module: ``modprobe -n -v usb-storage`` (kmod 30) prints ``insmod
  /lib/modules/6.1.0-27-amd64/kernel/drivers/usb/storage/usb-storage.ko`` (with usb-common/
  scsi_mod deps first), ``install /bin/false`` under an install rule, and ``modprobe: FATAL:
  Module usb-storage not found in directory /lib/modules/…`` (exit 1) where it is absent.

Times are relative to the recordings' ``now`` (tests/unit/recordings.py ``NOW``, 2026-11-23).
"""

from __future__ import annotations

import time

Sections = dict[str, tuple[str, int]]
DAY = 86400
CST = 8 * 3600
KO = "/lib/modules/6.1.0-27-amd64/kernel/drivers/usb/storage/usb-storage.ko"

KINGSTON = ("0951", "1666", "DataTraveler 3.0", "Kingston", "60A44C413A8CF1B0B9A10080")
SANDISK = ("0781", "5567", "Cruzer Blade", "SanDisk", "4C530001230714115324")
NONAME = ("058f", "6387", "Mass Storage", "Generic", "00000000000000")
EXCHANGE = ("0951", "1666", "DataTraveler 3.0", "Kingston", "001A4D5F1A2BB0C1E0000042")


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+0800", time.gmtime(t + CST))


def _syslog(t: float) -> str:
    return time.strftime("%b %d %H:%M:%S", time.gmtime(t))


def attach(port: str, dev: tuple[str, str, str, str, str], storage: bool = True) -> list[str]:
    """The kernel's lines for one attachment (without stamps), as the script's grep keeps them."""
    vendor, product, name, maker, serial = dev
    lines = [
        f"usb {port}: New USB device found, idVendor={vendor}, idProduct={product}, "
        "bcdDevice= 1.10",
        f"usb {port}: Product: {name}",
        f"usb {port}: Manufacturer: {maker}",
    ]
    if serial:
        lines.append(f"usb {port}: SerialNumber: {serial}")
    if storage:
        lines.append(f"usb-storage {port}:1.0: USB Mass Storage device detected")
    return lines


def usb_journal(
    now: float,
    *events: tuple[float, list[str]],
    since_days: float = 210,
    persistent: str = "@persistent yes",
) -> str:
    out = [persistent, f"@first {_iso(now - since_days * DAY)} fin-pc-07 kernel: Li"]
    for t, lines in events:
        out += [f"{_iso(t)} fin-pc-07 kernel: {ln}" for ln in lines]
    return "\n".join(out) + "\n"


def usb_kernlog(path: str, file_time: float, first: float, *events: tuple[float, list[str]]) -> str:
    out = [f"== {int(file_time)} {path}", f"@first {_syslog(first)} fin-pc-07 kernel: [    0.00"]
    for t, lines in events:
        out += [f"{_syslog(t)} fin-pc-07 kernel: [ 3703.721342] {ln}" for ln in lines]
    return "\n".join(out) + "\n"


def module(*lines: str, loaded: bool = False) -> str:
    return "\n".join([f"@loaded {'yes' if loaded else 'no'}", *lines]) + "\n"


BLACKLISTED = module(
    f"@file {KO}",
    "@modprobe 0",
    "> insmod /lib/modules/6.1.0-27-amd64/kernel/drivers/usb/common/usb-common.ko",
    f"> insmod {KO}",
    "@conf /etc/modprobe.d/usb-storage.conf blacklist usb-storage",
)
INSTALL_FALSE = module(
    f"@file {KO}",
    "@modprobe 0",
    "> install /bin/false",
    "@conf /etc/modprobe.d/usb-storage.conf install usb-storage /bin/false",
)
NO_RULE = module(f"@file {KO}", "@modprobe 0", f"> insmod {KO}")
ABSENT = module(
    "@modprobe 1",
    "> modprobe: FATAL: Module usb-storage not found in directory /lib/modules/6.1.0-27-amd64",
)


def quiet_media(now: float) -> Sections:
    """The compliant desktop: a persistent journal with no USB storage (only a keyboard),
    no rsyslog, usb-storage blocked by `install /bin/false`."""
    kbd = ("046d", "c31c", "USB Keyboard", "Logitech", "")
    return {
        "usb_journal": (usb_journal(now, (now - 100 * DAY, attach("1-3", kbd, False))), 0),
        "usb_logfiles": ("", 127),
        "usb_storage_module": (INSTALL_FALSE, 0),
        # installed two years ago (root file system birth; machine-id written at first boot)
        "installed": (f"root_birth={int(now - 730 * DAY)}\nmachine_id={int(now - 729 * DAY)}\n", 0),
    }


def media_hosts(now: float) -> dict[str, Sections]:
    """name → the sections that differ from the compliant desktop (recordings.desktop)."""
    return {
        # a Kingston stick used twice last month, a SanDisk in last week's rotated kern.log
        "media-sticks": {
            "usb_journal": (
                usb_journal(
                    now,
                    (now - 30 * DAY, attach("2-1", KINGSTON)),
                    (now - 20 * DAY, attach("2-1", KINGSTON)),
                ),
                0,
            ),
            "usb_logfiles": (
                usb_kernlog(
                    "/var/log/kern.log.2.gz",
                    now - 7 * DAY,
                    now - 120 * DAY,
                    (now - 9 * DAY, attach("1-2", SANDISK)),
                ),
                0,
            ),
            "usb_storage_module": (
                module(f"@file {KO}", "@modprobe 0", f"> insmod {KO}", loaded=True),
                0,
            ),
        },
        # journald keeps the journal in /run only: gone at each reboot
        "media-volatile": {
            "usb_journal": (
                usb_journal(now, since_days=3, persistent="@persistent no Storage=volatile"),
                0,
            ),
            "usb_storage_module": (BLACKLISTED, 0),
        },
        # the journal reaches back 10 days only (vacuumed): the history is not whole
        "media-short": {
            "usb_journal": (usb_journal(now, since_days=10), 0),
            "usb_storage_module": (ABSENT, 0),
        },
        # usb-storage can load and no rule stops it
        "media-loadable": {"usb_storage_module": (NO_RULE, 0)},
        # built into the kernel (modules.builtin): no modprobe rule applies
        "media-builtin": {
            "usb_storage_module": (
                module("@builtin yes", "@modprobe 0", "> builtin usb_storage"),
                0,
            )
        },
    }

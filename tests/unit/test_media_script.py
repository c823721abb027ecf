"""The script's removable-media functions, run by /bin/sh as they are in linux.sh, on kernel log
files in a temporary directory (plain and gzipped), and on this machine's own usb-storage
configuration; what they print goes through the parser."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

from netguard.collect.parse_linux import encode_sections, parse_linux
from tests.unit.recordings import NOW, desktop
from tests.unit.test_isolation_history import logfiles, run

#: A Debian 12 kern.log (rsyslog, traditional format) around two attachments: the lines the
#: kernel prints for a USB stick (drivers/usb/core/hub.c, drivers/usb/storage/usb.c, sd) and a
#: keyboard (hid), with the lines the script must drop.
KERN_LOG = """\
Nov 10 08:59:58 fin-pc-07 kernel: [    0.000000] Linux version 6.1.0-27-amd64
Nov 10 09:00:01 fin-pc-07 kernel: [ 1203.118220] usb 2-1: new SuperSpeed USB device number 3 using xhci_hcd
Nov 10 09:00:01 fin-pc-07 kernel: [ 1203.139101] usb 2-1: New USB device found, idVendor=0951, idProduct=1666, bcdDevice= 1.10
Nov 10 09:00:01 fin-pc-07 kernel: [ 1203.139108] usb 2-1: New USB device strings: Mfr=1, Product=2, SerialNumber=3
Nov 10 09:00:01 fin-pc-07 kernel: [ 1203.139111] usb 2-1: Product: DataTraveler 3.0
Nov 10 09:00:01 fin-pc-07 kernel: [ 1203.139113] usb 2-1: Manufacturer: Kingston
Nov 10 09:00:01 fin-pc-07 kernel: [ 1203.139115] usb 2-1: SerialNumber: 60A44C413A8CF1B0B9A10080
Nov 10 09:00:01 fin-pc-07 kernel: [ 1203.141402] usb-storage 2-1:1.0: USB Mass Storage device detected
Nov 10 09:00:01 fin-pc-07 kernel: [ 1203.141714] scsi host6: usb-storage 2-1:1.0
Nov 10 09:00:02 fin-pc-07 kernel: [ 1204.160389] sd 6:0:0:0: [sdb] 60437492 512-byte logical blocks: (30.9 GB/28.8 GiB)
Nov 10 09:30:00 fin-pc-07 kernel: [ 3002.402112] usb 1-3: new low-speed USB device number 4 using xhci_hcd
Nov 10 09:30:00 fin-pc-07 kernel: [ 3002.561980] usb 1-3: New USB device found, idVendor=046d, idProduct=c31c, bcdDevice=64.02
Nov 10 09:30:00 fin-pc-07 kernel: [ 3002.561990] usb 1-3: Product: USB Keyboard
Nov 10 09:30:00 fin-pc-07 kernel: [ 3002.561993] usb 1-3: Manufacturer: Logitech
Nov 10 09:30:00 fin-pc-07 kernel: [ 3002.581338] input: Logitech USB Keyboard as /devices/pci0000:00/0000:00:14.0/usb1/1-3/1-3:1.0/0003:046D:C31C.0002/input/input17
"""  # noqa: E501 (log lines as rsyslog writes them)
SANDISK_LOG = """\
Oct 02 07:00:00 fin-pc-07 kernel: [    0.000000] Linux version 6.1.0-26-amd64
Oct 02 14:12:40 fin-pc-07 kernel: [ 4410.210433] usb 1-2: New USB device found, idVendor=0781, idProduct=5567, bcdDevice= 1.00
Oct 02 14:12:40 fin-pc-07 kernel: [ 4410.210440] usb 1-2: Product: Cruzer Blade
Oct 02 14:12:40 fin-pc-07 kernel: [ 4410.210442] usb 1-2: Manufacturer: SanDisk
Oct 02 14:12:40 fin-pc-07 kernel: [ 4410.210444] usb 1-2: SerialNumber: 4C530001230714115324
Oct 02 14:12:40 fin-pc-07 kernel: [ 4410.212021] usb-storage 1-2:1.0: USB Mass Storage device detected
"""  # noqa: E501 (log lines as rsyslog writes them)


def test_plain_and_gzipped_kern_logs_give_the_sticks(tmp_path: Path) -> None:
    plain = tmp_path / "kern.log"
    plain.write_text(KERN_LOG)
    gz = tmp_path / "kern.log.2.gz"
    gz.write_bytes(gzip.compress(SANDISK_LOG.encode()))
    for path, when in ((plain, NOW - 10 * 86400), (gz, NOW - 50 * 86400)):
        os.utime(path, (when, when))
    out, rc = logfiles(f"'{gz}' '{tmp_path}/kern.log.1' '{plain}'", kernel="")["usb_logfiles"]
    assert rc == 0
    kept = [ln for ln in out.splitlines() if not ln.startswith(("==", "@first"))]
    assert len(kept) == 13  # Kingston 5 (found, 3 strings, usb-storage), SanDisk 5, keyboard 3
    assert not any("strings:" in ln or "scsi" in ln or "input:" in ln for ln in kept)
    facts = parse_linux(encode_sections(desktop(usb_logfiles=(out, rc))), now=NOW)
    log = facts.usb_storage_log
    assert log is not None
    assert [(d.manufacturer, d.product, d.serial, d.sources) for d in log.devices] == [
        ("SanDisk", "Cruzer Blade", "4C530001230714115324", (str(gz),)),
        ("Kingston", "DataTraveler 3.0", "60A44C413A8CF1B0B9A10080", (str(plain),)),
    ]
    assert dict(log.read)["syslog"] is not None


def test_an_unreadable_log_is_marked(tmp_path: Path) -> None:
    log = tmp_path / "kern.log"
    log.write_text(KERN_LOG)
    log.chmod(0)
    if os.access(log, os.R_OK):  # root reads anything: the marker cannot show here
        return
    out, _ = logfiles(f"'{log}'")["usb_logfiles"]
    assert out.startswith("!unreadable ")


def test_this_machines_usb_storage_configuration_parses() -> None:
    out, rc = run(("have", "oneline", "usb_storage_module"), "usb_storage_module")
    assert rc == 0
    facts = parse_linux(encode_sections(desktop(usb_storage_module=(out, rc))), now=NOW)
    mod = facts.usb_storage_module
    assert mod is not None, facts.problems
    assert mod.loaded == os.path.isdir("/sys/module/usb_storage")


#: The journal's kernel lines (journalctl -o short-iso) around a USB stick and a USB modem.
JOURNAL_LINES = """\
2026-11-01T08:00:00+0800 fin-pc-07 kernel: Linux version 6.1.0-27-amd64
2026-11-10T09:00:01+0800 fin-pc-07 kernel: usb 2-1: New USB device found, idVendor=0951, idProduct=1666, bcdDevice= 1.10
2026-11-10T09:00:01+0800 fin-pc-07 kernel: usb 2-1: Product: DataTraveler 3.0
2026-11-10T09:00:01+0800 fin-pc-07 kernel: usb 2-1: Manufacturer: Kingston
2026-11-10T09:00:01+0800 fin-pc-07 kernel: usb 2-1: SerialNumber: 60A44C413A8CF1B0B9A10080
2026-11-10T09:00:01+0800 fin-pc-07 kernel: usb-storage 2-1:1.0: USB Mass Storage device detected
2026-11-10T09:00:02+0800 fin-pc-07 kernel: scsi host6: usb-storage 2-1:1.0
2026-11-12T10:00:00+0800 fin-pc-07 kernel: cdc_ether 1-1:1.0 usb0: register 'cdc_ether' at usb-0000:00:14.0-1, CDC Ethernet Device, 0c:5b:8f:27:9a:64
"""  # noqa: E501 (lines as journalctl prints them)


def test_one_read_of_the_journal_gives_both_checks_their_lines(tmp_path: Path) -> None:
    if not os.path.isdir("/var/log/journal") and not os.path.isdir("/run/log/journal"):
        return  # the function says "no journal" here (127): nothing to read
    lines = tmp_path / "journal.txt"
    lines.write_text(JOURNAL_LINES)
    funcs = (
        "have", "oneline", "_usbnet", "_usbif", "_ksys", "_usbdev", "_usbsto", "_kusb",
        "first_grep", "journal_storage",
        "journal",
    )  # fmt: skip
    out, rc = run(funcs, f"journalctl() {{ cat '{lines}'; }}\njournal")
    assert rc == 0
    assert out.startswith("@persistent ")
    assert [ln[:2] for ln in out.splitlines()[2:]] == ["k "] + ["u "] * 5
    sections = {k: v for k, v in desktop().items() if k not in ("kernel_journal", "usb_journal")}
    facts = parse_linux(encode_sections({**sections, "journal": (out, rc)}), now=NOW)
    assert facts.usb_storage_log is not None and facts.kernel_net_log is not None
    (stick,) = facts.usb_storage_log.devices
    assert (stick.manufacturer, stick.serial) == ("Kingston", "60A44C413A8CF1B0B9A10080")
    assert [ln.driver for ln in facts.kernel_net_log.lines] == ["cdc_ether"]


def test_a_log_file_s_first_line_and_name_are_sent_as_head_and_cut_sent_them(
    tmp_path: Path,
) -> None:
    stick = KERN_LOG.splitlines()[7] + "\n"  # usb-storage … Mass Storage device detected
    files = {
        "empty.log": "",
        "long.log": "A" * 60 + " a\\b\r\n" + stick,
        "nonl.log": "one line, no newline",
        "two\nlines.log": "x\\y\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    paths = " ".join(f"'{tmp_path / name}'" for name in sorted(files))
    out, rc = logfiles(paths, kernel="")["usb_logfiles"]
    assert rc == 0
    got = [ln for ln in out.split("\n") if not ln.startswith("== ")]
    assert got == ["@first ", "@first " + "A" * 40, stick[:300].rstrip("\n"),
                   "@first one line, no newline", "@first x\\y", ""]  # fmt: skip
    assert f" {tmp_path}/two?lines.log\n" in out  # the name on one line

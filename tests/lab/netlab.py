"""A lab of real "office machines" for tests and benchmarks: one network namespace per machine.

Each machine is a Linux network namespace running a real OpenSSH ``sshd`` (and, where the scenario
says so, a real ``clamd``) as the first process of its own UTS/PID/mount namespaces, with its own
``/etc`` files via ``/etc/netns/NAME/``. Segments are Linux bridges inside a dedicated "switch"
namespace; the auditor runs inside an "auditor" namespace with one leg on each bridge. Nothing
is added to the root namespace: no lab address, no route, no interface (see test_lab_smoke.py).

This module imports nothing from pytest so that benchmarks/ can use it. Needs root, ``ip``
(iproute2), ``unshare`` (util-linux), ``sshd``/``ssh-keygen`` (OpenSSH); ClamAV for clamd hosts.

Everything the lab creates carries a per-run prefix ``ngl<pid>_<n>`` so that parallel runs never
collide and a later run can recognise (and sweep) the leftovers of a run whose process is dead.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import ipaddress
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

PREFIX_BASE = "ngl"
# Namespaces, /etc/netns dirs and temp dirs of a run all start with this; group 1 is the owner pid.
_OWNED_NAME = re.compile(rf"^{PREFIX_BASE}(\d+)_\d+(?:-|$)")
NETNS_DIR = Path("/var/run/netns")
ETC_NETNS = Path("/etc/netns")
TMP_ROOT = Path(tempfile.gettempdir())

SSHD = "/usr/sbin/sshd"
CLAMD = "/usr/sbin/clamd"
FRESHCLAM = "/usr/bin/freshclam"
# Every ClamAV program a no-antivirus machine must not show (each one that exists is hidden).
CLAMAV_PROGRAMS = (
    "clamscan", "clamd", "clamdscan", "clamdtop", "clamonacc", "freshclam", "sigtool",
    "clamconf", "clambc", "clamsubmit",
)  # fmt: skip
PROGRAM_DIRS = ("/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin")

# A real SHA-512 crypt hash (of "Lab-Passw0rd!"): the password checks look at the hash's form.
DEFAULT_HASH = (
    "$6$ngLabSalt2026$Dg0aLc5dIIcTLnnLRJlBGlBVeT2JtCpYRN1Z6wECkz1fyt9YiBgwxiJFbb304i4d1rfpX"
    "SrothyrtFMAoaDnc0"
)
LISTENER_LIFETIME = 600.0  # a "hang" host's silent listener gives up after this many seconds
DEFAULT_LIFETIME = 3 * 3600.0  # every machine stops itself after this, should the lab's owner die


class LabError(RuntimeError):
    """The lab cannot be built or used; the message says what to fix."""


class HostKind(enum.StrEnum):
    SSHD = "sshd"  # a machine: real sshd (+ clamd)
    HANG = "hang"  # a TCP listener on port 22 that accepts and never says a word
    DOWN = "down"  # an inventory address with nothing behind it


class KnownHost(enum.StrEnum):
    MATCH = "match"  # known_hosts holds the key the machine serves
    OTHER_KEY = "other_key"  # known_hosts holds a different ed25519 key ("re-keyed" machine)
    ABSENT = "absent"  # the address is not in known_hosts at all


@dataclass(frozen=True)
class Account:
    """A login account on a machine; ``max_days=None`` leaves shadow's max field empty."""

    name: str
    uid: int
    shell: str = "/bin/bash"
    password_hash: str = DEFAULT_HASH
    changed_days_ago: int = 10
    max_days: int | None = 90


@dataclass(frozen=True)
class UsbStick:
    """A USB stick as the kernel logs it when it is plugged in."""

    vendor: str
    product: str
    name: str
    maker: str
    serial: str
    days_ago: int


@dataclass(frozen=True)
class WindowsStandIn:
    """A Windows PC as the lab stands it in (there is no Windows here). Windows' OpenSSH hands
    an exec request to the default shell as ``cmd.exe /c COMMAND``; the lab's sshd hands it to
    the audit account's login shell as ``SHELL -c COMMAND``, and that shell is a small program
    (STAND_IN) that serves exactly ``command``: it reads stdin to its end and, like the
    bootstrap inside the command, refuses (exit 3, the bootstrap's message) unless its SHA-256
    is the digest the bootstrap carries; then it prints ``output``, a recorded output of the
    script. Any other command is answered as cmd.exe answers an unknown program (exit 9009)."""

    command: str
    output: bytes
    user: str = "audit"
    uid: int = 1500


STAND_IN_PYTHON = "/usr/bin/python3"
#: The stand-in shell (see WindowsStandIn), run by sshd as the audit account's login shell.
STAND_IN = r"""
import base64, hashlib, re, sys
from pathlib import Path

here = Path(sys.argv[0]).resolve().parent
args = sys.argv[1:]
if len(args) != 2 or args[0] != "-c":
    sys.stderr.write("stand-in: only an exec request (-c COMMAND) is served\n")
    sys.exit(1)
command = args[1]
if command != (here / "command").read_text("ascii"):
    program = command.split(" ", 1)[0]
    sys.stderr.write(
        f"'{program}' is not recognized as an internal or external command,\n"
        "operable program or batch file.\n"
    )
    sys.exit(1)  # cmd.exe says 9009, which a Linux exit status cannot hold
bootstrap = base64.b64decode(command.rsplit(" ", 1)[1]).decode("utf-16-le")
digest = re.search(r"if\(\$h -ne '([0-9a-f]{64})'\)", bootstrap).group(1)
script = sys.stdin.buffer.read()
if hashlib.sha256(script).hexdigest() != digest:
    sys.stderr.write("netguard: stdin is not the netguard script\n")
    sys.exit(3)
sys.stdout.buffer.write((here / "output").read_bytes())
sys.stdout.flush()
"""


@dataclass(frozen=True)
class HostSpec:
    """One machine of a scenario. Defaults describe a compliant intranet PC."""

    name: str
    address: str
    segment: str
    kind: HostKind = HostKind.SSHD
    # Further legs: (segment name, address) — each on its own veth to that segment's bridge.
    extra_legs: tuple[tuple[str, str], ...] = ()
    # Default route via this address; None = the segment's registered gateway; "" = no default.
    gateway: str | None = None
    antivirus: bool = True  # ClamAV installed (else hidden completely from this machine)
    clamd: bool = True  # a real clamd runs (only with antivirus)
    signature_age_days: float = 1.0  # age of daily.cvd and main.cvd build time
    freshclam_failing: bool = False  # freshclam.log full of failed updates (isolated network)
    accounts: tuple[Account, ...] = (Account("user", 1000),)
    root_changed_days_ago: int = 10
    root_max_days: int = 90
    pass_max_days: int = 90  # login.defs PASS_MAX_DAYS
    ip_forward: bool = False
    wireless: tuple[str, ...] = ()  # veth ends that go nowhere, named like Wi-Fi cards (wlan0)
    tun: tuple[str, ...] = ()  # tun devices, named like modems (wwan0)
    # Further `ip -batch` lines run in the machine's namespace after its legs and default route:
    # real kernel objects for the network scenarios (a bridge, a tun with a split default, a
    # policy-routing table and its rule, IPv6 addresses and routes). Addresses stay inside. No
    # -4/-6 in batch lines: the family follows from the addresses.
    ip_commands: tuple[str, ...] = ()
    # A real `freshclam -d` (the updater alone: with clamd=False nothing scans). Its mirror is
    # the machine's own loopback, where nothing listens: no update ever leaves the machine.
    freshclam_daemon: bool = False
    # Files of the machine's own /run (a tmpfs of its mount namespace): (path under /run, text).
    # NetworkManager profiles and systemd-networkd leases live there on a real machine too.
    run_files: tuple[tuple[str, str], ...] = ()
    # The machine's own /var/log/kern.log (rsyslog's format), reaching back this many days (a
    # boot line first); None: no kernel log file (and the CI machine has no journal either).
    kernel_log_days: int | None = 120
    # USB sticks attached `days ago`, as real kernel lines in that kern.log.
    usb_sticks: tuple[UsbStick, ...] = ()
    known_host: KnownHost = KnownHost.MATCH
    # a Windows PC stood in by a login shell (the inventory says os: windows, user: its account)
    windows: WindowsStandIn | None = None
    department: str = ""
    owner: str = ""
    location: str = ""
    # A block of further addresses (CIDR, outside every segment) this machine answers on: a
    # `local` route on its loopback, sshd (or the silent listener) on every address, and the
    # auditor's route to the block via the machine. One sshd stands in for thousands of hosts.
    serves: str | None = None
    # A block routed from the auditor to this machine, which neither answers nor forwards it
    # (ip_forward stays off): a connect there times out, as to a switched-off machine behind a
    # router. (An unused address on the segment fails sooner: ARP gives "no route to host".)
    swallows: str | None = None


@dataclass(frozen=True)
class SegmentSpec:
    name: str
    zone: str
    cidr: ipaddress.IPv4Network
    gateway: str | None
    index: int
    # An IPv6 prefix and gateway registered beside the IPv4 ones (a dual-stack segment). The
    # auditor reaches machines over IPv4 only; the prefix exists for the machines' own addresses.
    cidr6: ipaddress.IPv6Network | None = None
    gateway6: str | None = None

    @property
    def auditor_address(self) -> str:
        return str(self.cidr[2])


@dataclass
class _Machine:
    spec: HostSpec
    netns: str | None  # None for DOWN hosts
    dir: Path  # per-host temp dir
    host_key_pub: str = ""  # "ssh-ed25519 BASE64" served by the machine
    known_key_pub: str = ""  # what known_hosts says (may differ, see KnownHost)
    proc: subprocess.Popen[bytes] | None = None


@dataclass
class Timings:
    build_s: float = 0.0  # namespaces, links, files, keys
    start_s: float = 0.0  # processes until every sshd sent its banner
    stop_s: float = 0.0


def today_days() -> int:
    """Days since the epoch, as /etc/shadow counts them."""
    return int(time.time() // 86400)


def _run(argv: Sequence[str], *, timeout: float = 30.0, input: bytes | None = None) -> str:
    """Run a short helper command; raise LabError with its stderr when it fails."""
    try:
        cp = subprocess.run(
            list(argv), input=input, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as e:
        raise LabError(f"timed out after {timeout}s: {' '.join(argv)}") from e
    if cp.returncode != 0:
        err = cp.stderr.decode(errors="replace").strip()
        raise LabError(f"failed ({cp.returncode}): {' '.join(argv)[:300]}: {err[:500]}")
    return cp.stdout.decode(errors="replace")


def _ip_batch(netns: str, lines: Iterable[str], timeout: float = 120.0) -> None:
    """One `ip` process for many commands in one namespace: much faster than one per command."""
    text = "\n".join(lines) + "\n"
    if text.strip():
        _run(["ip", "-n", netns, "-batch", "-"], input=text.encode(), timeout=timeout)


def preflight() -> None:
    """Raise LabError unless this process can build a lab (root, ip, unshare, sshd, ssh-keygen)."""
    problems = []
    if os.geteuid() != 0:
        problems.append("must run as root (network namespaces and sshd need it)")
    for tool, pkg in (
        ("ip", "iproute2"),
        ("unshare", "util-linux"),
        ("ssh-keygen", "openssh-client"),
        ("ssh-keyscan", "openssh-client"),
    ):
        if shutil.which(tool) is None:
            problems.append(f"`{tool}` not found (install {pkg})")
    if not os.access(SSHD, os.X_OK):
        problems.append(f"{SSHD} not found (install openssh-server)")
    if problems:
        raise LabError("cannot build the netns lab: " + "; ".join(problems))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _netns_list() -> list[str]:
    try:
        return sorted(p.name for p in NETNS_DIR.iterdir())
    except FileNotFoundError:
        return []


def _kill_netns_processes(netns: str) -> None:
    """SIGKILL whatever still runs inside a namespace (leftovers only; bounded retries)."""
    for _ in range(5):
        try:
            out = _run(["ip", "netns", "pids", netns], timeout=10)
        except LabError:
            return
        pids = [int(p) for p in out.split()]
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)


def _remove_matching(ours: Callable[[str], bool]) -> list[str]:
    """Remove every lab namespace (and what runs in it), /etc/netns dir and temp dir `ours`."""
    removed: list[str] = []
    for ns in _netns_list():
        if ours(ns):
            _kill_netns_processes(ns)
            with contextlib.suppress(LabError):
                _run(["ip", "netns", "del", ns], timeout=20)
            removed.append(f"netns {ns}")
    for parent in (ETC_NETNS, TMP_ROOT):
        with contextlib.suppress(FileNotFoundError):
            for p in parent.iterdir():
                if ours(p.name):
                    shutil.rmtree(p, ignore_errors=True)
                    removed.append(str(p))
    return removed


def sweep_leftovers(only_dead_owners: bool = True) -> list[str]:
    """Remove namespaces, /etc/netns dirs and temp dirs of lab runs whose process has died.

    Runs of live processes are left alone, so parallel test runs do not destroy each other.
    Returns what was removed.
    """

    def ours(name: str) -> bool:
        m = _OWNED_NAME.match(name)
        if not m:
            return False
        return not (only_dead_owners and _pid_alive(int(m.group(1))))

    return _remove_matching(ours)


def _keygen(path: Path, comment: str) -> str:
    """A fresh ed25519 key without passphrase; returns the public key as 'ssh-ed25519 BASE64'."""
    _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)])
    return " ".join(path.with_name(path.name + ".pub").read_text().split()[:2])


def _cvd_bytes(build: dt.datetime, version: int, sigs: int, builder: str = "netguard-lab") -> bytes:
    """A CVD file whose 512-byte header is well formed (ClamAV's version readers accept it).

    The time field is written the way ClamAV's own builder writes it, ``"%d %b %Y %H-%M %z"``
    — with a dash between hour and minute, because the header is colon-separated (a colon there
    makes clamscan --version print version 36 and 1970). sigtool --info shows it as HH:MM.
    The engine will refuse the body (not signed by ClamAV); only the header matters here.
    """
    stamp = build.strftime("%d %b %Y %H-%M %z")
    md5 = f"{version:032x}"[-32:]
    dsig = ("ngLab" + "A" * 64)[:64]
    header = (
        f"ClamAV-VDB:{stamp}:{version}:{sigs}:90:{md5}:{dsig}:{builder}:{int(build.timestamp())}"
    )
    return header.encode().ljust(512, b" ") + b"\x1f\x8b" + b"\0" * 1534


def _filtered_dpkg_status(src: Path) -> str:
    """This machine's dpkg status without the stanzas of clamav*, clamdscan, libclamav*."""
    keep = []
    for stanza in src.read_text(errors="replace").split("\n\n"):
        m = re.search(r"^Package: (\S+)", stanza, re.M)
        if m and (m.group(1).startswith("clam") or m.group(1).startswith("libclamav")):
            continue
        keep.append(stanza)
    return "\n\n".join(keep)


_LOGIN_SHELLS_DROPPED = ("/bin/bash", "/bin/sh", "/bin/zsh", "/usr/bin/bash", "/usr/bin/zsh")


def _system_passwd_lines(with_clamav: bool) -> tuple[list[str], list[str]]:
    """This machine's passwd/group, minus its own people and login-capable service accounts.

    Keeps root, sshd (sshd's privilege-separation user) and the nologin system accounts; drops
    accounts such as a local developer (uid 1000) or postgres with /bin/bash, which would be
    login accounts the scenario did not ask for, and clamav on machines without ClamAV.
    """
    passwd, names = [], set()
    for line in Path("/etc/passwd").read_text().splitlines():
        f = line.split(":")
        if len(f) < 7:
            continue
        if f[0] != "root" and (f[6] in _LOGIN_SHELLS_DROPPED or 1000 <= int(f[2]) < 65534):
            continue
        if f[0] == "clamav" and not with_clamav:
            continue
        passwd.append(line)
        names.add(f[0])
    group = []
    for line in Path("/etc/group").read_text().splitlines():
        f = line.split(":")
        if len(f) < 4 or (f[2].isdigit() and 1000 <= int(f[2]) < 65534):
            continue
        if f[0] == "clamav" and not with_clamav:
            continue
        members = ",".join(m for m in f[3].split(",") if m in names)
        group.append(":".join([*f[:3], members]))
    return passwd, group


_BANNER_PROBE = r"""
import json, socket, sys, time
from concurrent.futures import ThreadPoolExecutor
deadline = time.monotonic() + float(sys.argv[1])
def probe(addr):
    last = "never tried"
    for _ in range(10000):  # bounded by the deadline long before the count
        left = deadline - time.monotonic()
        if left <= 0:
            return addr, None, last
        try:
            with socket.create_connection((addr, 22), timeout=min(2.0, left)) as s:
                s.settimeout(min(5.0, max(0.1, deadline - time.monotonic())))
                data = s.recv(256)
                if data.startswith(b"SSH-"):
                    return addr, data.split(b"\r\n")[0].decode(errors="replace"), ""
                last = f"no banner: {data[:40]!r}"
        except OSError as e:
            last = f"{type(e).__name__}: {e}"
        time.sleep(0.05)
    return addr, None, last
with ThreadPoolExecutor(max_workers=64) as pool:
    res = {a: {"banner": b, "error": e} for a, b, e in pool.map(probe, sys.argv[2:])}
print(json.dumps(res))
"""

_SILENT_LISTENER = r"""
import select, socket, sys, time
deadline = time.monotonic() + float(sys.argv[2])
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], 22)); srv.listen(128)
print("listening", flush=True)
held = []
for _ in range(1000000):  # bounded by the deadline and by stdin closing (the lab went away)
    left = deadline - time.monotonic()
    if left <= 0:
        break
    r, _, _ = select.select([srv, sys.stdin], [], [], min(left, 5.0))
    if sys.stdin in r and not sys.stdin.buffer.read1(1):
        break
    if srv in r and len(held) < 1000:
        held.append(srv.accept()[0])  # keep it open, never send a byte
"""


class Lab:
    """A lab of machines. Use as a context manager, or call stop() in a finally block.

    >>> with Lab() as lab:
    ...     lab.add_segment("lab-intranet", "intranet", "10.20.0.0/24", "10.20.0.1")
    ...     lab.add_host(HostSpec("ok-pc", "10.20.0.11", "lab-intranet"))
    ...     lab.start()
    ...     lab.run_in_auditor([sys.executable, "-m", "netguard", "audit", str(lab.inventory_path)])
    """

    _counter = 0

    def __init__(
        self,
        *,
        lifetime: float = DEFAULT_LIFETIME,
        start_timeout: float = 120.0,
        max_hosts: int = 1000,
        connect_timeout: float = 3.0,
        command_timeout: float = 20.0,
    ) -> None:
        Lab._counter += 1
        self.prefix = f"{PREFIX_BASE}{os.getpid()}_{Lab._counter}"
        self.lifetime = lifetime
        self.start_timeout = start_timeout
        # A Linux bridge takes at most 1024 ports; the auditor's leg uses one of them.
        self.max_hosts = min(max_hosts, 1000)
        self.connect_timeout = connect_timeout
        self.command_timeout = command_timeout
        self.segments: dict[str, SegmentSpec] = {}
        self.hosts: dict[str, HostSpec] = {}
        #: registered exchange media of the inventory: (serial, label)
        self.exchange_media: list[tuple[str, str]] = []
        self.timings = Timings()
        self._machines: dict[str, _Machine] = {}
        self._netns_created: list[str] = []
        self._etc_dirs: list[Path] = []
        self._tmp: Path | None = None
        self._started = False
        self._stopped = False
        self._old_sigterm: Any = None
        self.switch_ns = f"{self.prefix}-sw"
        self.auditor_ns = f"{self.prefix}-au"

    # -- description ----------------------------------------------------------------------------

    def add_segment(
        self,
        name: str,
        zone: str,
        cidr: str,
        gateway: str | None,
        cidr6: str | None = None,
        gateway6: str | None = None,
    ) -> SegmentSpec:
        if self._started:
            raise LabError("add segments before start()")
        net = ipaddress.IPv4Network(cidr)
        if net.num_addresses < 8:
            raise LabError(f"segment {name}: {cidr} too small")
        net6 = ipaddress.IPv6Network(cidr6) if cidr6 else None
        seg = SegmentSpec(name, zone, net, gateway, len(self.segments), net6, gateway6)
        self.segments[name] = seg
        return seg

    def add_host(self, spec: HostSpec) -> HostSpec:
        if self._started:
            raise LabError("add hosts before start()")
        if spec.name in self.hosts:
            raise LabError(f"duplicate host name {spec.name}")
        if len(self.hosts) >= self.max_hosts:
            raise LabError(f"at most {self.max_hosts} hosts per lab (bridge port limit)")
        # The auditor's legs (.2) and the registered gateways are not for machines.
        taken = {s.auditor_address for s in self.segments.values()}
        taken |= {s.gateway for s in self.segments.values() if s.gateway}
        for h in self.hosts.values():
            taken.add(h.address)
            taken.update(a for _, a in h.extra_legs)
        for seg_name, addr in ((spec.segment, spec.address), *spec.extra_legs):
            seg = self.segments.get(seg_name)
            if seg is None:
                raise LabError(f"host {spec.name}: unknown segment {seg_name}")
            ip = ipaddress.IPv4Address(addr)
            if ip not in seg.cidr or ip in (seg.cidr.network_address, seg.cidr.broadcast_address):
                raise LabError(f"host {spec.name}: {addr} is not a host address of {seg.cidr}")
            if addr in taken:
                raise LabError(f"host {spec.name}: address {addr} already used")
        if spec.swallows and spec.ip_forward:
            raise LabError(f"host {spec.name}: a machine that forwards swallows nothing")
        for ifname in (*spec.wireless, *spec.tun):
            # Kernel limit (IFNAMSIZ - 1); eth0.. and lo are the lab's own names.
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]{0,14}", ifname) or ifname == "lo":
                raise LabError(f"host {spec.name}: bad interface name {ifname!r}")
            if re.fullmatch(r"eth\d+", ifname):
                raise LabError(f"host {spec.name}: {ifname} is taken by the lab's own legs")
        self.hosts[spec.name] = spec
        return spec

    # -- paths ----------------------------------------------------------------------------------

    @property
    def tmp(self) -> Path:
        if self._tmp is None:
            raise LabError("the lab has not been started")
        return self._tmp

    @property
    def inventory_path(self) -> Path:
        return self.tmp / "inventory.yaml"

    @property
    def known_hosts_path(self) -> Path:
        return self.tmp / "known_hosts"

    @property
    def identity_path(self) -> Path:
        return self.tmp / "id_ed25519"

    def netns_of(self, host: str) -> str | None:
        return self._machines[host].netns

    def host_key(self, host: str) -> str:
        """'ssh-ed25519 BASE64' that the machine's sshd serves."""
        return self._machines[host].host_key_pub

    # -- life cycle -----------------------------------------------------------------------------

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Build everything and wait until every sshd answers; on any failure, tear down."""
        if self._started:
            raise LabError("start() called twice")
        preflight()
        if not self.hosts:
            raise LabError("no hosts")
        self._started = True
        self._install_sigterm()
        try:
            sweep_leftovers()
            t0 = time.monotonic()
            self._tmp = Path(tempfile.mkdtemp(prefix=f"{self.prefix}-", dir=TMP_ROOT))
            self._tmp.chmod(0o755)
            self._build()
            t1 = time.monotonic()
            self.timings.build_s = t1 - t0
            self._start_processes()
            self._wait_ready()
            self.timings.start_s = time.monotonic() - t1
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Tear everything down; idempotent, best effort, never raises for a missing piece."""
        if self._stopped or not self._started:
            self._stopped = True
            return
        self._stopped = True
        t0 = time.monotonic()
        # A second Ctrl-C during teardown would leave half a lab: teardown takes about a second,
        # so both signals wait until it is done.
        held = self._hold_signals()
        try:
            self._teardown()
        finally:
            self._release_signals(held)
            self._restore_sigterm()
        self.timings.stop_s = time.monotonic() - t0

    def _teardown(self) -> None:
        procs = [m.proc for m in self._machines.values() if m.proc is not None]
        for p in procs:
            self._signal_machine(p, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for p in procs:
            with contextlib.suppress(subprocess.TimeoutExpired):
                p.wait(timeout=max(0.01, deadline - time.monotonic()))
        for p in procs:
            if p.poll() is None:
                self._signal_machine(p, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    p.wait(timeout=5)
            if p.stdin:
                with contextlib.suppress(OSError):
                    p.stdin.close()
        for ns in reversed(self._netns_created):
            _kill_netns_processes(ns)
            with contextlib.suppress(LabError):
                _run(["ip", "netns", "del", ns], timeout=20)
        for d in self._etc_dirs:
            shutil.rmtree(d, ignore_errors=True)
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
        # Whatever an interrupt left unrecorded (a namespace created but not yet noted, a temp
        # dir between mkdtemp and assignment) still carries this run's prefix.
        _remove_matching(lambda name: name.startswith(self.prefix + "-"))

    @staticmethod
    def _hold_signals() -> dict[int, Any]:
        if threading.current_thread() is not threading.main_thread():
            return {}
        return {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}

    @staticmethod
    def _release_signals(held: dict[int, Any]) -> None:
        for s, handler in held.items():
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(s, handler)

    def _install_sigterm(self) -> None:
        # A SIGTERM (CI cancelling a job) would otherwise end Python without running finally
        # blocks, leaving namespaces and sshds behind. Only where nobody else handles it.
        if threading.current_thread() is not threading.main_thread():
            return
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:

            def _raise(signum: int, frame: object) -> None:
                # KeyboardInterrupt, not SystemExit: pytest then ends the session and tears
                # fixtures down, where a SystemExit inside a test only fails that test.
                raise KeyboardInterrupt(f"signal {signum}")

            self._old_sigterm = signal.signal(signal.SIGTERM, _raise)

    def _restore_sigterm(self) -> None:
        if self._old_sigterm is not None:
            with contextlib.suppress(ValueError):
                signal.signal(signal.SIGTERM, self._old_sigterm)
            self._old_sigterm = None

    @staticmethod
    def _signal_machine(p: subprocess.Popen[bytes], sig: signal.Signals) -> None:
        """Signal a machine: `unshare --fork` does not pass signals on, so signal its children
        (sshd, PID 1 of the machine: its death ends every process of that PID namespace) and then
        the whole process group, which the Popen made its own session."""
        with contextlib.suppress(OSError):
            children = Path(f"/proc/{p.pid}/task/{p.pid}/children").read_text().split()
            for c in children:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(c), sig)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(p.pid, sig)

    # -- building -------------------------------------------------------------------------------

    def _add_netns(self, name: str) -> None:
        # Noted first: an interrupt during `ip netns add` must not leave an unnoted namespace.
        self._netns_created.append(name)
        _run(["ip", "netns", "add", name])

    def _build(self) -> None:
        tmp = self.tmp
        self._auditor_pub = _keygen(self.identity_path, f"netguard-lab-auditor@{self.prefix}")
        (tmp / "dpkg-status-noav").write_text(_filtered_dpkg_status(Path("/var/lib/dpkg/status")))
        (tmp / "empty").mkdir()

        self._add_netns(self.switch_ns)
        self._add_netns(self.auditor_ns)
        sw: list[str] = ["link set lo up"]
        au: list[str] = ["link set lo up"]
        for seg in self.segments.values():
            br, leg = f"br{seg.index}", f"eth{seg.index}"
            # STP stays off (the default): ports forward at once, no 30 s listening/learning.
            sw += [f"link add {br} type bridge", f"link set {br} up"]
            sw.append(f"link add a{seg.index} type veth peer name {leg} netns {self.auditor_ns}")
            sw.append(f"link set a{seg.index} master {br} up")
            au += [
                f"addr add {seg.auditor_address}/{seg.cidr.prefixlen} dev {leg}",
                f"link set {leg} up",
            ]
        host_batches: dict[str, list[str]] = {}
        for i, spec in enumerate(self.hosts.values()):
            mdir = tmp / "hosts" / spec.name
            mdir.mkdir(parents=True)
            if spec.kind is HostKind.DOWN:
                self._machines[spec.name] = _Machine(spec, None, mdir)
                continue
            ns = f"{self.prefix}-h{i}"
            self._add_netns(ns)
            self._machines[spec.name] = _Machine(spec, ns, mdir)
            hb = host_batches.setdefault(ns, ["link set lo up"])
            for j, (seg_name, addr) in enumerate(((spec.segment, spec.address), *spec.extra_legs)):
                seg = self.segments[seg_name]
                port = f"h{i}l{j}"
                sw.append(f"link add {port} type veth peer name eth{j} netns {ns}")
                sw.append(f"link set {port} master br{seg.index} up")
                hb += [f"addr add {addr}/{seg.cidr.prefixlen} dev eth{j}", f"link set eth{j} up"]
            gw = self.segments[spec.segment].gateway if spec.gateway is None else spec.gateway
            if gw:
                hb.append(f"route add default via {gw}")
            if spec.serves:
                hb.append(f"route add local {spec.serves} dev lo")
            au += [f"route add {b} via {spec.address}" for b in (spec.serves, spec.swallows) if b]
            for k, name in enumerate(spec.wireless):
                # The other end stays down and unattached in the switch: a radio with no network.
                sw.append(f"link add h{i}w{k} type veth peer name {name} netns {ns}")
                hb.append(f"link set {name} up")
            for name in spec.tun:
                hb += [f"tuntap add mode tun name {name}", f"link set {name} up"]
            hb += spec.ip_commands
        # Switch first: it creates the host-side veth ends the host batches then configure.
        _ip_batch(self.switch_ns, sw)
        _ip_batch(self.auditor_ns, au)
        for ns, lines in host_batches.items():
            _ip_batch(ns, lines)
        known: list[str] = []
        for m in self._machines.values():
            if m.netns is not None and m.spec.ip_forward:
                _run(["ip", "netns", "exec", m.netns, "sysctl", "-qw", "net.ipv4.ip_forward=1"])
            self._write_machine_files(m)
            if m.spec.known_host is not KnownHost.ABSENT:
                known.append(f"{m.spec.address} {m.known_key_pub}")
        self.known_hosts_path.write_text("\n".join(known) + "\n")
        self._write_inventory()

    def _write_machine_files(self, m: _Machine) -> None:
        spec, mdir = m.spec, m.dir
        keydir = mdir / "keys"
        keydir.mkdir()
        # DOWN and HANG hosts get a key in known_hosts too, so that their failure is only the
        # network one the scenario asks for, never an unknown key.
        m.host_key_pub = _keygen(keydir / "ssh_host_ed25519_key", f"root@{spec.name}")
        m.known_key_pub = m.host_key_pub
        if spec.known_host is KnownHost.OTHER_KEY:
            m.known_key_pub = _keygen(keydir / "old_host_key", f"root@{spec.name}-old")
        if spec.kind is not HostKind.SSHD or m.netns is None:
            return
        etc = ETC_NETNS / m.netns
        etc.mkdir(parents=True)
        self._etc_dirs.append(etc)
        av = spec.antivirus
        passwd, group = _system_passwd_lines(with_clamav=av)
        today = today_days()
        shadow = [f"root:*:{today - spec.root_changed_days_ago}:0:{spec.root_max_days}:7:::"]
        # `*` not `!`: sshd without PAM refuses `!`-locked accounts even for key logins.
        shadow += [f"{ln.split(':')[0]}:*:{today - 400}:0:99999:7:::" for ln in passwd[1:]]
        for acct in spec.accounts:
            home_dir = f"/home/{acct.name}"
            passwd.append(
                f"{acct.name}:x:{acct.uid}:{acct.uid}:{acct.name}:{home_dir}:{acct.shell}"
            )
            group.append(f"{acct.name}:x:{acct.uid}:")
            mx = "" if acct.max_days is None else str(acct.max_days)
            shadow.append(
                f"{acct.name}:{acct.password_hash}:{today - acct.changed_days_ago}:0:{mx}:7:::"
            )
        win = spec.windows
        if win is not None:
            standin = mdir / "standin"
            standin.mkdir()
            shell = standin / "cmd"
            # the system's Python: the machine's account cannot reach a Python under /root
            if not os.access(STAND_IN_PYTHON, os.X_OK):
                raise LabError(f"{STAND_IN_PYTHON} not found: the Windows stand-in needs it")
            shell.write_text(f"#!{STAND_IN_PYTHON} -I\n" + STAND_IN)
            shell.chmod(0o755)
            (standin / "command").write_text(win.command, "ascii")
            (standin / "output").write_bytes(win.output)
            home_dir = f"/home/{win.user}"
            passwd.append(f"{win.user}:x:{win.uid}:{win.uid}:{win.user}:{home_dir}:{shell}")
            group.append(f"{win.user}:x:{win.uid}:")
            shadow.append(f"{win.user}:*:{today - 10}:0:::::")
            (mdir / "home" / win.user).mkdir(parents=True, mode=0o700)
            os.chown(mdir / "home" / win.user, win.uid, win.uid)
        (etc / "passwd").write_text("\n".join(passwd) + "\n")
        (etc / "group").write_text("\n".join(group) + "\n")
        (etc / "shadow").write_text("\n".join(shadow) + "\n")
        (etc / "shadow").chmod(0o640)
        defs = Path("/etc/login.defs").read_text()
        defs = re.sub(r"(?m)^\s*PASS_MAX_DAYS\s+\S+", f"PASS_MAX_DAYS\t{spec.pass_max_days}", defs)
        (etc / "login.defs").write_text(defs)
        (etc / "hostname").write_text(spec.name + "\n")

        ssh = etc / "ssh"
        ssh.mkdir(mode=0o755)
        for suffix in ("", ".pub"):
            shutil.copy2(keydir / f"ssh_host_ed25519_key{suffix}", ssh)
        (ssh / "ssh_host_ed25519_key").chmod(0o600)
        (ssh / "authorized_keys").write_text(self._auditor_pub + " netguard-lab-auditor\n")
        (ssh / "sshd_config").write_text(
            "\n".join(
                [
                    "# netguard lab machine " + spec.name,
                    f"ListenAddress {'0.0.0.0' if spec.serves else spec.address}",
                    "Port 22",
                    "HostKey /etc/ssh/ssh_host_ed25519_key",
                    "UsePAM no",
                    "PermitRootLogin prohibit-password",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "AuthorizedKeysFile /etc/ssh/authorized_keys",
                    "PidFile none",
                    "LogLevel ERROR",
                    "UseDNS no",
                    # Benchmarks open many connections at once; the default (10:30:100) drops
                    # them at random and would be measured as "unreachable".
                    "MaxStartups 100:30:200",
                    "LoginGraceTime 60",
                    "",
                ]
            )
        )

        clam_etc = etc / "clamav"  # an empty /etc/clamav on a machine without ClamAV
        clam_etc.mkdir()
        db, log, run = mdir / "clamav-db", mdir / "clamav-log", mdir / "run"
        for d in (db, log, run):
            d.mkdir()
        # Own /root and /home: the builder's /root (shell startup files running pyenv, tokens,
        # caches) must not leak into the machines — its .bashrc alone tripled the CPU of a login.
        homes = [mdir / "root", *(mdir / "home" / a.name for a in spec.accounts)]
        for home in homes:
            home.mkdir(parents=True, mode=0o700)
            for skel in Path("/etc/skel").glob(".*"):
                if skel.is_file():
                    shutil.copy2(skel, home / skel.name)
        for acct in spec.accounts:
            os.chown(mdir / "home" / acct.name, acct.uid, acct.uid)
        varlog = mdir / "varlog"
        (varlog / "clamav").mkdir(parents=True)
        if spec.kernel_log_days is not None:
            (varlog / "kern.log").write_text(_kern_log(spec))
        for rel, text in spec.run_files:
            path = mdir / "runfs" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            path.chmod(0o600)  # as NetworkManager keeps its profiles
        if av:
            built = dt.datetime.now(dt.timezone(dt.timedelta(hours=-5))) - dt.timedelta(
                days=spec.signature_age_days
            )
            # Daily versions grow by one a day; derive them from the date for a plausible value.
            day_no = int(built.timestamp() // 86400)
            (db / "daily.cvd").write_bytes(_cvd_bytes(built, 27000 + day_no % 1000, 2070000))
            (db / "main.cvd").write_bytes(_cvd_bytes(built, 62, 6647427))
            fl = ["--------------------------------------"]
            stamp = built.strftime("%a %b %d %H:%M:%S %Y")
            fl.append(f"ClamAV update process started at {stamp}")
            fl.append("daily.cvd database is up-to-date")
            if spec.freshclam_failing:
                for k in range(min(int(spec.signature_age_days), 60)):
                    t = (built + dt.timedelta(days=k + 1)).strftime("%a %b %d %H:%M:%S %Y")
                    fl += [
                        f"ClamAV update process started at {t}",
                        "WARNING: Can't query current.cvd.clamav.net",
                        "ERROR: Update failed.",
                    ]
            (log / "freshclam.log").write_text("\n".join(fl) + "\n")
            if spec.freshclam_daemon:
                (clam_etc / "freshclam.conf").write_text(
                    "\n".join(
                        [
                            "Foreground yes",
                            "DatabaseDirectory /var/lib/clamav",
                            f"UpdateLogFile {run}/freshclam-daemon.log",
                            f"PidFile {run}/freshclam.pid",
                            "DatabaseOwner root",
                            "DNSDatabaseInfo no",  # no DNS query for the current version
                            "DatabaseMirror 127.0.0.1",
                            "Checks 1",
                            "MaxAttempts 1",
                            "ConnectTimeout 2",
                            "ReceiveTimeout 2",
                            "",
                        ]
                    )
                )
            if spec.clamd:
                engine = mdir / "engine"
                engine.mkdir()
                # The engine refuses unsigned .cvd files but loads a self-made .ndb.
                (engine / "netguard-lab.ndb").write_text(
                    "NetguardLab.Test.Sig:0:*:6e65746775617264206c6162207465737420\n"
                )
                (clam_etc / "clamd.conf").write_text(
                    "\n".join(
                        [
                            "Foreground yes",
                            f"LocalSocket {run}/clamd.ctl",
                            f"DatabaseDirectory {engine}",
                            f"LogFile {run}/clamd.log",
                            "LogTime yes",
                            "SelfCheck 0",  # never re-reads the database: no periodic CPU
                            "Bytecode no",
                            "MaxThreads 2",
                            "",
                        ]
                    )
                )

    def _write_inventory(self) -> None:
        segments = []
        for s in self.segments.values():
            cidrs = [str(s.cidr)] + ([str(s.cidr6)] if s.cidr6 else [])
            gateways = [g for g in (s.gateway, s.gateway6) if g]
            seg: dict[str, Any] = {"name": s.name, "zone": s.zone}
            seg["cidr"] = cidrs[0] if len(cidrs) == 1 else cidrs
            if gateways:
                seg["gateway"] = gateways[0] if len(gateways) == 1 else gateways
            segments.append(seg)
        hosts = []
        for spec in self.hosts.values():
            h: dict[str, Any] = {
                "name": spec.name,
                "address": spec.address,
                "segment": spec.segment,
                "os": "linux" if spec.windows is None else "windows",
            }
            if spec.windows is not None:
                h["ssh"] = {"user": spec.windows.user}
            for key in ("department", "owner", "location"):
                if getattr(spec, key):
                    h[key] = getattr(spec, key)
            hosts.append(h)
        doc = {
            "segments": segments,
            "defaults": {
                "ssh": {
                    "user": "root",
                    "port": 22,
                    "identity_file": str(self.identity_path),
                    "known_hosts": str(self.known_hosts_path),
                    "connect_timeout": self.connect_timeout,
                    "command_timeout": self.command_timeout,
                }
            },
            "hosts": hosts,
        }
        if self.exchange_media:
            doc["exchange_media"] = [{"serial": s, "label": label} for s, label in
                                     self.exchange_media]  # fmt: skip
        self.inventory_path.write_text(
            "# written by tests/lab/netlab.py for lab run " + self.prefix + "\n"
            + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
        )  # fmt: skip

    # -- processes ------------------------------------------------------------------------------

    def _machine_script(self, m: _Machine) -> str:
        spec, mdir = m.spec, m.dir
        # Its own /var/log first (the ClamAV log folder is bound inside it below): the kern.log
        # the scenario says, and nothing of the builder's logs.
        lines = ["set -e", f"hostname {spec.name}", f"mount --bind {mdir}/varlog /var/log"]
        if spec.antivirus:
            lines += [
                f"mount --bind {mdir}/clamav-db /var/lib/clamav",
                f"mount --bind {mdir}/clamav-log /var/log/clamav",
            ]
        else:
            empty = self.tmp / "empty"
            lines += [
                f"mount --bind {empty} /var/lib/clamav",
                f"mount --bind {empty} /var/log/clamav",
                f"mount --bind {self.tmp}/dpkg-status-noav /var/lib/dpkg/status",
            ]
            for d in PROGRAM_DIRS:
                for prog in CLAMAV_PROGRAMS:
                    # A character device is not a regular executable file: `command -v` and
                    # `find -type f` no longer see the program.
                    if os.path.lexists(f"{d}/{prog}"):
                        lines.append(f"mount --bind /dev/null {d}/{prog}")
        lines += [f"mount --bind {mdir}/root /root", f"mount --bind {mdir}/home /home"]
        if spec.run_files:
            lines += ["mount -t tmpfs -o mode=0755 tmpfs /run", f"cp -a {mdir}/runfs/. /run/"]
        lines.append("mkdir -p /run/sshd")
        if spec.freshclam_daemon:
            lines.append(
                f"{FRESHCLAM} -d --config-file=/etc/clamav/freshclam.conf "
                f"</dev/null >{mdir}/run/freshclam.out 2>&1 &"
            )
        if spec.antivirus and spec.clamd:
            lines.append(
                f"{CLAMD} -c /etc/clamav/clamd.conf </dev/null >{mdir}/run/clamd.out 2>&1 &"
            )
        # The machine ends itself after its lifetime should the lab's owner die without stop().
        # SIGTERM reaches sshd (PID 1 of the namespace) because sshd handles it.
        lines.append(f"(sleep {int(self.lifetime)}; kill -TERM 1) </dev/null >/dev/null 2>&1 &")
        lines.append(f"exec {SSHD} -D -e -f /etc/ssh/sshd_config")
        return "\n".join(lines)

    def _start_processes(self) -> None:
        for m in self._machines.values():
            if m.netns is None:
                continue
            log = open(m.dir / "machine.log", "wb")  # noqa: SIM115 - handed to the child
            try:
                if m.spec.kind is HostKind.HANG:
                    life = min(LISTENER_LIFETIME, self.lifetime)
                    argv = ["ip", "netns", "exec", m.netns, sys.executable, "-c",
                            _SILENT_LISTENER, "0.0.0.0" if m.spec.serves else m.spec.address,
                            str(life)]  # fmt: skip
                    # stdin is a pipe only we hold: when the lab process dies, it reads EOF.
                    stdin: int = subprocess.PIPE
                else:
                    argv = ["ip", "netns", "exec", m.netns, "unshare", "--uts", "--pid",
                            "--mount", "--fork", "--mount-proc", "sh", "-c",
                            self._machine_script(m)]  # fmt: skip
                    stdin = subprocess.DEVNULL
                m.proc = subprocess.Popen(
                    argv, stdin=stdin, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            finally:
                log.close()

    def _wait_ready(self) -> None:
        """Every sshd sends its banner to the auditor, every clamd has its socket: or LabError."""
        deadline = time.monotonic() + self.start_timeout
        addrs = [m.spec.address for m in self._machines.values() if m.spec.kind is HostKind.SSHD]
        if addrs:
            res = self.probe_banners(addrs, timeout=self.start_timeout)
            bad = {a: r["error"] for a, r in res.items() if not r["banner"]}
            if bad:
                logs = self._dead_machine_logs()
                raise LabError(f"sshd not answering on {len(bad)} hosts: {bad}{logs}")
        hang = [m for m in self._machines.values() if m.spec.kind is HostKind.HANG]
        clamds = [m for m in self._machines.values() if m.spec.clamd and m.spec.antivirus]
        clamds = [m for m in clamds if m.spec.kind is HostKind.SSHD]
        for _ in range(100000):  # bounded by the deadline
            waiting = [m for m in clamds if not (m.dir / "run" / "clamd.ctl").exists()]
            waiting += [m for m in hang if b"listening" not in (m.dir / "machine.log").read_bytes()]
            if not waiting:
                return
            if time.monotonic() > deadline:
                why = {}
                for m in waiting[:5]:
                    out = m.dir / "run" / "clamd.out"
                    text = out.read_text(errors="replace") if out.exists() else ""
                    why[m.spec.name] = text[-300:]
                raise LabError(f"clamd/listener not ready: {why}{self._dead_machine_logs()}")
            time.sleep(0.05)

    def _dead_machine_logs(self) -> str:
        out = []
        for m in self._machines.values():
            if m.proc is not None and m.proc.poll() is not None:
                text = (m.dir / "machine.log").read_text(errors="replace")[-400:]
                out.append(f"\n  {m.spec.name} exited {m.proc.returncode}: {text}")
        return "".join(out[:10])

    # -- using the lab --------------------------------------------------------------------------

    def run_in_auditor(
        self,
        argv: Sequence[str],
        timeout: float,
        *,
        cwd: str | os.PathLike[str] | None = None,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run a command inside the auditor namespace; kill it (whole group) after `timeout` s."""
        full = ["ip", "netns", "exec", self.auditor_ns, *argv]
        p = subprocess.Popen(
            full,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
            env=env,
            start_new_session=True,
        )
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            out, err = p.communicate(timeout=10)
            raise LabError(
                f"timed out after {timeout}s in the auditor namespace: {' '.join(argv)[:200]}\n"
                f"stderr: {err[-2000:]}"
            ) from None
        except BaseException:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=10)
            raise
        return subprocess.CompletedProcess(full, p.returncode, out, err)

    # -- changes between audits (the office moves on between two nightly runs) ------------------

    def set_cable(self, host: str, plugged: bool) -> None:
        """Pull or plug a machine's first cable at the switch: the machine keeps running with its
        addresses and routes, but nothing reaches it — as when a PC is unplugged."""
        port = f"h{list(self.hosts).index(host)}l0"
        state = "up" if plugged else "down"
        _run(["ip", "netns", "exec", self.switch_ns, "ip", "link", "set", port, state])

    def set_password_changed(self, host: str, account: str, days_ago: int) -> None:
        """Record in the machine's /etc/shadow that `account` changed its password `days_ago`.

        Rewritten in place (`cat >`): /etc/shadow is a bind mount inside the machine, and a
        rename onto a mount point fails."""
        day = today_days() - days_ago
        script = (
            f"awk -F: -v OFS=: -v d={day} '$1 == \"{account}\" {{ $3 = d }} 1' /etc/shadow "
            "> /tmp/shadow.new && cat /tmp/shadow.new > /etc/shadow && rm /tmp/shadow.new"
        )
        self.run_in_host(host, script)

    def stand_in(self, host: str) -> Path:
        """The login shell standing in for a Windows PC's OpenSSH (see WindowsStandIn)."""
        m = self._machines[host]
        if m.spec.windows is None:
            raise LabError(f"{host} is not a Windows stand-in")
        return m.dir / "standin" / "cmd"

    def set_windows_output(self, host: str, output: bytes) -> None:
        """What the Windows stand-in prints from its next collection on (an update, a repair)."""
        self.stand_in(host).with_name("output").write_bytes(output)

    def set_forwarding(self, host: str, on: bool) -> None:
        self.run_in_host(host, f"echo {int(on)} > /proc/sys/net/ipv4/ip_forward")

    def run_in_host(self, host: str, shell: str, timeout: float = 30.0) -> str:
        """Run a shell command *as seen from inside a machine*: its /etc, net, PID and mounts.

        Enters the namespaces of the machine's sshd (PID 1 of the machine) with nsenter, so the
        view is exactly what an SSH login gets, without going through SSH.
        """
        m = self._machines[host]
        if m.proc is None or m.spec.kind is not HostKind.SSHD:
            raise LabError(f"{host} is not a running sshd machine")
        pid = self.machine_pid(host)
        argv = ["nsenter", "-t", str(pid), "-a", "sh", "-c", shell]
        return _run(argv, timeout=timeout)

    def machine_pid(self, host: str) -> int:
        """Root-namespace pid of the machine's PID 1 (its sshd)."""
        m = self._machines[host]
        if m.proc is None:
            raise LabError(f"{host} has no process")
        children = Path(f"/proc/{m.proc.pid}/task/{m.proc.pid}/children").read_text().split()
        if not children:
            raise LabError(f"{host}: machine process has no child (did sshd die?)")
        return int(children[0])

    def probe_banners(self, addrs: Sequence[str], timeout: float = 20.0) -> dict[str, Any]:
        """From the auditor namespace: connect to port 22 of each address and read its banner.

        Returns {address: {"banner": str | None, "error": str}}; retries until `timeout`.
        """
        cp = self.run_in_auditor(
            [sys.executable, "-c", _BANNER_PROBE, str(timeout), *addrs], timeout=timeout + 30
        )
        if cp.returncode != 0:
            raise LabError(f"banner probe failed: {cp.stderr[-1000:]}")
        result: dict[str, Any] = json.loads(cp.stdout)
        return result

    def memory_per_machine(self) -> dict[str, dict[str, int]]:
        """RSS and PSS in bytes of every process of each machine (sshd, clamd, watchdog...).

        PSS shares pages fairly between machines, so its sum is what N machines really cost.
        """
        out: dict[str, dict[str, int]] = {}
        for name, m in self._machines.items():
            if m.netns is None:
                continue
            try:
                pids = _run(["ip", "netns", "pids", m.netns], timeout=10).split()
            except LabError:
                continue
            rss = pss = 0
            for pid in pids:
                with contextlib.suppress(OSError):
                    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                        if line.startswith("Rss:"):
                            rss += int(line.split()[1]) * 1024
                        elif line.startswith("Pss:"):
                            pss += int(line.split()[1]) * 1024
            out[name] = {"rss": rss, "pss": pss, "processes": len(pids)}
        return out

    def cpu_seconds(self) -> float:
        """CPU time used so far by all machines, reaped children included (sshd's sessions).

        Benchmarks take the difference around an audit: the target side's cost of being audited.
        """
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for m in self._machines.values():
            if m.netns is None:
                continue
            with contextlib.suppress(LabError):
                for pid in _run(["ip", "netns", "pids", m.netns], timeout=10).split():
                    with contextlib.suppress(OSError):
                        stat = Path(f"/proc/{pid}/stat").read_text()
                        # Fields after the ")" that closes comm: utime is the 12th.
                        f = stat[stat.rindex(")") + 2 :].split()
                        total += sum(int(x) for x in f[11:15])  # utime stime cutime cstime
        return total / tick

    def leftovers(self) -> list[str]:
        """What of this lab still exists (after stop(), an empty list)."""
        found = [f"netns {ns}" for ns in _netns_list() if ns.startswith(self.prefix + "-")]
        for parent in (ETC_NETNS, TMP_ROOT):
            with contextlib.suppress(FileNotFoundError):
                found += [str(p) for p in parent.iterdir() if p.name.startswith(self.prefix + "-")]
        for m in self._machines.values():
            if m.proc is not None and m.proc.poll() is None:
                found.append(f"process {m.proc.pid} ({m.spec.name})")
        return found


# -- scenarios -----------------------------------------------------------------------------------

INTRANET = "lab-intranet"
INTERNET = "lab-internet"


#: The intranet's registered IPv6 prefix and router (documentation prefix, RFC 3849).
INTRANET6 = "2001:db8:20::/64"
INTRANET6_GATEWAY = "2001:db8:20::1"


def add_office_segments(lab: Lab) -> None:
    lab.add_segment(INTRANET, "intranet", "10.20.0.0/24", "10.20.0.1", INTRANET6, INTRANET6_GATEWAY)
    lab.add_segment(INTERNET, "internet", "198.51.100.0/24", "198.51.100.1")


@contextlib.contextmanager
def small_office(hosts: Iterable[HostSpec]) -> Any:
    """A lab of the office's two segments and these machines, running; torn down on the way
    out, also when a test fails (a module fixture's body: ``with small_office(HOSTS) as lab``)."""
    preflight()
    lab = Lab()
    try:
        add_office_segments(lab)
        for spec in hosts:
            lab.add_host(spec)
        lab.start()
        yield lab
    finally:
        lab.stop()


#: A real md5crypt hash ("$1$"), as `openssl passwd -1 -salt labsalt1 labpass` writes it.
MD5_HASH = "$1$labsalt1$KzSxRFCXCtf5aOXh5gllM1"


KINGSTON = UsbStick("0951", "1666", "DataTraveler 3.0", "Kingston", "60A44C413A8CF1B0B9A10080", 0)
#: registered in the office inventory as its exchange medium (exchange_media)
EXCHANGE_STICK = UsbStick("0781", "5567", "Cruzer Blade", "SanDisk", "4C530001230714115324", 0)


def _kern_log(spec: HostSpec) -> str:
    """kern.log in rsyslog's traditional format: a boot `kernel_log_days` ago, then each stick's
    attachment as drivers/usb/core/hub.c and drivers/usb/storage/usb.c print it (Debian 12)."""
    now = time.time()

    def stamp(days_ago: float) -> str:
        return time.strftime("%b %d %H:%M:%S", time.gmtime(now - days_ago * 86400))

    assert spec.kernel_log_days is not None
    boot = stamp(spec.kernel_log_days)
    lines = [
        f"{boot} {spec.name} kernel: [    0.000000] Linux version 6.1.0-27-amd64 "
        "(debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0) #1 SMP "
        "PREEMPT_DYNAMIC Debian 6.1.115-1 (2024-11-01)",
        f"{boot} {spec.name} kernel: [    0.000000] Command line: BOOT_IMAGE=/vmlinuz ro quiet",
    ]
    for n, stick in enumerate(sorted(spec.usb_sticks, key=lambda s: -s.days_ago), start=1):
        t, port = stamp(stick.days_ago), f"2-{n}"
        k = f"{t} {spec.name} kernel: [ {3700 + n}.721342]"
        lines += [
            f"{k} usb {port}: new high-speed USB device number {n + 2} using xhci_hcd",
            f"{k} usb {port}: New USB device found, idVendor={stick.vendor}, "
            f"idProduct={stick.product}, bcdDevice= 1.10",
            f"{k} usb {port}: New USB device strings: Mfr=1, Product=2, SerialNumber=3",
            f"{k} usb {port}: Product: {stick.name}",
            f"{k} usb {port}: Manufacturer: {stick.maker}",
            f"{k} usb {port}: SerialNumber: {stick.serial}",
            f"{k} usb-storage {port}:1.0: USB Mass Storage device detected",
            f"{k} scsi host{n}: usb-storage {port}:1.0",
        ]
    return "\n".join(lines) + "\n"


def _wifi_profile(days_ago: int) -> tuple[str, str]:
    """A NetworkManager keyfile of a phone hotspot last used `days_ago` days ago (its psk must
    stay on the machine: the script sends only the keys it needs)."""
    used = int(time.time()) - days_ago * 86400
    text = (
        "[connection]\nid=HUAWEI-P40\nuuid=5b7f3c1e-2a4d-4e8f-9c6b-1d2e3f4a5b6c\ntype=wifi\n"
        f"interface-name=wlan0\ntimestamp={used}\n\n[wifi]\nmode=infrastructure\n"
        "ssid=HUAWEI-P40\n\n[wifi-security]\nkey-mgmt=wpa-psk\npsk=lab-psk-never-leaves\n\n"
        "[ipv4]\nmethod=auto\n"
    )
    return "NetworkManager/system-connections/HUAWEI-P40.nmconnection", text


def _hotspot_lease() -> tuple[str, str]:
    """A systemd-networkd lease from a phone's hotspot (192.168.43.0/24, Android's default),
    written now: a network no segment registers."""
    text = (
        "# This is private data. Do not parse.\nADDRESS=192.168.43.27\nNETMASK=255.255.255.0\n"
        "ROUTER=192.168.43.1\nSERVER_ADDRESS=192.168.43.1\nLIFETIME=3600\n"
    )
    return "systemd/netif/leases/3", text


def office_scenario() -> dict[str, HostSpec]:
    """The scenario hosts by name: the contract with the audit tests (see tests/lab/conftest.py)."""
    people = {
        "ok-pc": ("办公室", "王芳", "Room 101", "wangfang"),
        "dual-pc": ("财务科", "李强", "Room 102", "liqiang"),
        "route-pc": ("人事科", "赵敏", "Room 103", "zhaomin"),
        "radio-pc": ("信息中心", "孙磊", "Room 104", "sunlei"),
        "fwd-pc": ("信息中心", "周杰", "Room 105", "zhoujie"),
        "stale-av": ("档案室", "吴静", "Room 106", "wujing"),
        "no-av": ("后勤科", "郑浩", "Room 107", "zhenghao"),
        "pw-expired": ("法制科", "张伟", "Room 108", "zhangwei"),
        "pw-norotate": ("办公室", "刘洋", "Room 109", "liuyang"),
        "hang-pc": ("办公室", "陈晨", "Room 110", "chenchen"),
        "down-pc": ("办公室", "杨光", "Room 111", "yangguang"),
        "rekeyed-pc": ("财务科", "黄磊", "Room 112", "huanglei"),
        "newkey-pc": ("财务科", "林峰", "Room 113", "linfeng"),
        "inet-pc": ("信息中心", "何平", "Room 201 (外网)", "heping"),
        "bridge-pc": ("信息中心", "马超", "Room 114", "machao"),
        "vpn-pc": ("财务科", "许诺", "Room 115", "xunuo"),
        "table-pc": ("人事科", "高远", "Room 116", "gaoyuan"),
        "dual6-pc": ("办公室", "罗兰", "Room 117", "luolan"),
        "ra6-pc": ("办公室", "宋佳", "Room 118", "songjia"),
        "svc-pc": ("信息中心", "唐宁", "Room 119", "tangning"),
        "pw-empty": ("后勤科", "邓超", "Room 120", "dengchao"),
        "pw-md5": ("档案室", "冯静", "Room 121", "fengjing"),
        "toor-pc": ("信息中心", "曹阳", "Room 122", "caoyang"),
        "updater-pc": ("法制科", "彭丽", "Room 123", "pengli"),
        "wifi-hist-pc": ("财务科", "韩梅", "Room 124", "hanmei"),
        "lease-hist-pc": ("人事科", "董明", "Room 125", "dongming"),
        "usb-pc": ("财务科", "江涛", "Room 126", "jiangtao"),
        "xfer-pc": ("档案室", "白雪", "Room 127", "baixue"),
        "nolog-pc": ("后勤科", "石磊", "Room 128", "shilei"),
    }

    def host(name: str, address: str, segment: str = INTRANET, **kw: Any) -> HostSpec:
        dept, owner, loc, user = people[name]
        kw.setdefault("accounts", (Account(user, 1000),))
        return HostSpec(
            name, address, segment, department=dept, owner=owner, location=loc, **kw
        )  # fmt: skip

    hosts = [
        host("ok-pc", "10.20.0.11"),
        host("dual-pc", "10.20.0.12", extra_legs=((INTERNET, "198.51.100.12"),)),
        host("route-pc", "10.20.0.13", gateway="10.20.0.254"),
        host("radio-pc", "10.20.0.14", wireless=("wlan0",), tun=("wwan0",)),
        host("fwd-pc", "10.20.0.15", ip_forward=True),
        host("stale-av", "10.20.0.16", signature_age_days=40, freshclam_failing=True),
        host("no-av", "10.20.0.17", antivirus=False, clamd=False),
        host(
            "pw-expired", "10.20.0.18", accounts=(Account("zhangwei", 1000, changed_days_ago=200),)
        ),
        host("pw-norotate", "10.20.0.19", accounts=(Account("liuyang", 1000, max_days=99999),)),
        host("hang-pc", "10.20.0.20", kind=HostKind.HANG),
        host("down-pc", "10.20.0.21", kind=HostKind.DOWN),
        host("rekeyed-pc", "10.20.0.22", known_host=KnownHost.OTHER_KEY),
        host("newkey-pc", "10.20.0.23", known_host=KnownHost.ABSENT),
        host(
            "inet-pc",
            "198.51.100.30",
            INTERNET,
            wireless=("wlan0",),
            usb_sticks=(replace(KINGSTON, days_ago=20), replace(EXCHANGE_STICK, days_ago=5)),
        ),
        # A bridge joining two ports; veth pairs stand in for the two NICs (ends go nowhere).
        host(
            "bridge-pc",
            "10.20.0.24",
            ip_commands=(
                "link add br0 type bridge",
                "link add lan0 type veth peer name lan0p",
                "link add lan1 type veth peer name lan1p",
                "link set lan0 master br0",
                "link set lan1 master br0",
                "link set br0 up",
            ),
        ),
        # OpenVPN's redirect-gateway def1 on a tun device (no daemon behind it: no carrier).
        host(
            "vpn-pc",
            "10.20.0.25",
            ip_commands=(
                "tuntap add mode tun name tun0",
                "link set tun0 up",
                "route add 0.0.0.0/1 dev tun0",
                "route add 128.0.0.0/1 dev tun0",
            ),
        ),
        # wg-quick's policy routing (a veth leg stands in for wg0, which the kernel may lack):
        # the default route of table 51820, picked for all unmarked traffic; main keeps
        # everything more specific than a default (so the auditor's SSH still comes back).
        host(
            "table-pc",
            "10.20.0.26",
            ip_commands=(
                "route add default via 10.20.0.254 dev eth0 table 51820",
                "rule add not fwmark 0xca6c table 51820 pref 32765",
                "rule add table main suppress_prefixlength 0 pref 32764",
            ),
        ),
        # Dual stack, compliant: an address in the registered IPv6 prefix, default via its router.
        host(
            "dual6-pc",
            "10.20.0.27",
            ip_commands=(
                "addr add 2001:db8:20::27/64 dev eth0 nodad",
                f"route add default via {INTRANET6_GATEWAY} dev eth0",
            ),
        ),
        # An IPv6 default route a router advertisement gave, from a router nobody registered.
        host(
            "ra6-pc",
            "10.20.0.28",
            ip_commands=(
                "addr add 2001:db8:20::28/64 dev eth0 nodad",
                "route add default via fe80::bad:1 dev eth0 proto ra",
            ),
        ),
        # A stock server: PostgreSQL's locked account with a shell, and a key-only user — both
        # unchanged for years with no maximum, neither of them usable with a password.
        host(
            "svc-pc",
            "10.20.0.29",
            accounts=(
                Account("tangning", 1000),
                Account("postgres", 120, password_hash="*", changed_days_ago=700, max_days=None),
                Account(
                    "deploy",
                    1001,
                    password_hash="!" + DEFAULT_HASH,
                    changed_days_ago=700,
                    max_days=None,
                ),
            ),
        ),
        host("pw-empty", "10.20.0.30", accounts=(Account("dengchao", 1000, password_hash=""),)),
        host("pw-md5", "10.20.0.31", accounts=(Account("fengjing", 1000, password_hash=MD5_HASH),)),
        host(
            "toor-pc",
            "10.20.0.32",
            accounts=(Account("caoyang", 1000), Account("toor", 0, password_hash="*")),
        ),
        host("updater-pc", "10.20.0.33", clamd=False, freshclam_daemon=True),
        host("wifi-hist-pc", "10.20.0.34", run_files=(_wifi_profile(days_ago=10),)),
        host("lease-hist-pc", "10.20.0.35", run_files=(_hotspot_lease(),)),
        # removable media: a private stick also used on the internet machine; the registered
        # exchange stick (专用中转盘), allowed; no kernel log at all (undecidable, not clean)
        host("usb-pc", "10.20.0.36", usb_sticks=(replace(KINGSTON, days_ago=10),)),
        host("xfer-pc", "10.20.0.37", usb_sticks=(replace(EXCHANGE_STICK, days_ago=3),)),
        host("nolog-pc", "10.20.0.38", kernel_log_days=None),
    ]
    return {h.name: h for h in hosts}


def build_office_lab(**lab_kw: Any) -> tuple[Lab, dict[str, HostSpec]]:
    """A Lab (not yet started) holding the office scenario."""
    lab = Lab(**lab_kw)
    add_office_segments(lab)
    lab.exchange_media.append((EXCHANGE_STICK.serial, "档案室 专用中转盘 1号"))
    scenario = office_scenario()
    for spec in scenario.values():
        lab.add_host(spec)
    return lab, scenario


def plain_hosts(lab: Lab, n: int, *, segment: str = INTRANET, clamd: bool = True) -> list[HostSpec]:
    """`n` compliant PCs numbered from the 11th address of `segment` (a /22 holds 1000)."""
    seg = lab.segments[segment]
    pool = list(seg.cidr.hosts())[10:]  # .1 gateway, .2 auditor, a few spare
    if n > len(pool):
        raise LabError(f"{n} hosts do not fit in {seg.cidr}")
    specs = []
    for i in range(n):
        spec = HostSpec(
            f"pc-{i:04d}",
            str(pool[i]),
            segment,
            clamd=clamd,
            accounts=(Account(f"user{i:04d}", 1000),),
            department="办公室",
            owner=f"用户{i}",
            location=f"Room {100 + i}",
        )
        specs.append(lab.add_host(spec))
    return specs


def _main(argv: Sequence[str] | None = None) -> int:
    """Build the office lab by hand and keep it for a while: for poking at it interactively."""
    import argparse

    p = argparse.ArgumentParser(description=_main.__doc__)
    p.add_argument("--hold", type=float, default=600, help="seconds to keep the lab (max 3600)")
    p.add_argument("--sweep", action="store_true", help="only remove leftovers of dead runs")
    args = p.parse_args(argv)
    if args.sweep:
        print("\n".join(sweep_leftovers()) or "nothing to sweep")
        return 0
    lab, _ = build_office_lab()
    with lab:
        lab.start()
        print(f"inventory: {lab.inventory_path}\nauditor:   ip netns exec {lab.auditor_ns} ...")
        print(f"built in {lab.timings.build_s:.1f}s, started in {lab.timings.start_s:.1f}s")
        with contextlib.suppress(KeyboardInterrupt):
            time.sleep(min(max(args.hold, 0), 3600))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())

"""Recorded hosts for antivirus engines versus helpers (issue 11, item 5).

Each differs from ``recordings.desktop()`` (a Debian 12 desktop with clamav-daemon) in its ClamAV
(or other product's) packages, executables, units and processes only. Where the shapes come from:

- ``systemctl list-units --type=service --all --no-legend --plain``: systemd 252 columns
  UNIT LOAD ACTIVE SUB DESCRIPTION; the descriptions are those of Debian 12's units
  (clamav-daemon.service "Clam AntiVirus userspace daemon", clamav-freshclam.service "ClamAV virus
  database updater", clamav-clamonacc.service "ClamAV On-Access Scanner"). A unit that stopped
  shows ``inactive dead``, one that crashed ``failed failed``.
- ``cat /proc/[0-9]*/comm``: one kernel process name per line.
- Debian 12 packaging: ``apt install clamav`` brings clamav, clamav-base, clamav-freshclam and
  libclamav11 but not clamav-daemon (only suggested), so clamscan and freshclam exist, clamd and
  clamdscan do not, and the freshclam daemon runs: the "only the updater runs" machine is what a
  stock install of the ``clamav`` package gives.
- clamonacc is "an anti-virus on-access scanning daemon and clamd client" that "submits scans to
  the clamd scanning daemon for a verdict" (clamonacc(8), ClamAV 1.4); started by
  clamav-clamonacc.service, it keeps running when clamd dies afterwards.
- "Vendor EDR" is a product of the test catalog (``VENDOR`` in test_antivirus_roles.py), not a
  claim about any real product: a vendor package with a scanning service and a tray process.
- A failed section is recorded as the script records it: no output and the command's status
  (``systemctl`` in a container: 1; no /proc readable: 1; no systemctl: 127).
"""

from __future__ import annotations

from collections.abc import Callable

from tests.unit.recordings import DPKG, EXECUTABLES, SERVICES, Sections, desktop

UNIT = {
    "daemon": "clamav-daemon.service loaded {} Clam AntiVirus userspace daemon\n",
    "freshclam": "clamav-freshclam.service loaded {} ClamAV virus database updater\n",
    "onacc": "clamav-clamonacc.service loaded {} ClamAV On-Access Scanner\n",
    "edr": "edr-scan.service loaded {} Vendor EDR scanning service\n",
}
RUNNING, DEAD, FAILED = "active running", "inactive dead", "failed failed"
BASE_UNITS = (
    "cron.service loaded active running Regular background program processing daemon\n"
    "ssh.service loaded active running OpenBSD Secure Shell server\n"
    "systemd-journald.service loaded active running Journal Service\n"
)
BASE_PROCS = ("systemd", "systemd-journal", "cron", "sshd", "sshd", "sh", "cat")


def units(**states: str) -> tuple[str, int]:
    """The unit list with these ClamAV/vendor units (key → ACTIVE SUB), sorted as systemctl
    sorts by name."""
    lines = [UNIT[k].format(v) for k, v in states.items()] + BASE_UNITS.splitlines(keepends=True)
    return "".join(sorted(lines)), 0


def procs(*names: str) -> tuple[str, int]:
    return "\n".join((*BASE_PROCS[:4], *names, *BASE_PROCS[4:])) + "\n", 0


def _without(listing: str, *names: str) -> str:
    drop = set(names)
    return "".join(line + "\n" for line in listing.splitlines() if line.split()[-1] not in drop)


#: `apt install clamav` on Debian 12: no clamav-daemon, so no clamd nor clamdscan.
CLAMAV_ONLY = {
    "dpkg": (_without(DPKG, "clamav-daemon"), 0),
    "executables": (_without(EXECUTABLES, "clamd", "clamdscan"), 0),
}

#: A desktop without any ClamAV, with the test catalog's "Vendor EDR" package installed.
VENDOR_DPKG = (
    "".join(f"ii  {p}\n" for p in ("bash", "coreutils", "openssh-server", "vendor-edr")),
    0,
)


def _vendor(**changes: tuple[str, int]) -> Sections:
    return desktop(
        dpkg=VENDOR_DPKG,
        executables=("bash\ncat\nip\nls\nsshd\n", 0),
        clamav_db=("", 0),
        clamscan_version=("", 127),
        **changes,
    )


#: name → sections. The desktop's own units: SERVICES (clamav-daemon and freshclam running).
HOSTS: dict[str, Callable[[], Sections]] = {
    # apt install clamav: the freshclam daemon runs, nothing that scans does.
    "av-only-freshclam": lambda: desktop(
        **CLAMAV_ONLY, services=units(freshclam=RUNNING), processes=procs("freshclam")
    ),
    # The same without systemd (a container): the process table alone shows freshclam.
    "av-only-freshclam-no-systemd": lambda: desktop(
        **CLAMAV_ONLY, services=("", 1), processes=procs("freshclam")
    ),
    # The process table unreadable; systemd shows the updater active and the engine stopped.
    "av-only-freshclam-unit": lambda: desktop(
        services=units(daemon=DEAD, freshclam=RUNNING), processes=("", 1)
    ),
    # An isolated machine: signatures imported offline, freshclam disabled, clamd running.
    "av-clamd-without-freshclam": lambda: desktop(
        services=units(daemon=RUNNING, freshclam=DEAD), processes=procs("clamd")
    ),
    # On-access scanning set up: clamonacc hands files to clamd.
    "av-clamonacc-and-clamd": lambda: desktop(
        services=units(daemon=RUNNING, freshclam=RUNNING, onacc=RUNNING),
        processes=procs("clamd", "freshclam", "clamonacc"),
    ),
    # clamd crashed after clamonacc started: clamonacc still runs, nothing scans.
    "av-clamonacc-without-clamd": lambda: desktop(
        services=units(daemon=FAILED, freshclam=RUNNING, onacc=RUNNING),
        processes=procs("freshclam", "clamonacc"),
    ),
    # The engine's unit active while the process table cannot be read: systemd alone decides.
    "av-engine-unit-only": lambda: desktop(services=(SERVICES, 0), processes=("", 1)),
    # Neither the process table nor systemd readable: cannot tell.
    "av-blind": lambda: desktop(services=("", 127), processes=("", 1)),
    # Another product whose scanning service stopped while its tray icon still runs.
    "av-vendor-gui-only": lambda: _vendor(services=units(edr=DEAD), processes=procs("edr-tray")),
    # The same product working: its scanning service active, its engine process running.
    "av-vendor-running": lambda: _vendor(
        services=units(edr=RUNNING), processes=procs("edrscand", "edr-tray")
    ),
}

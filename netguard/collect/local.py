"""Local transport: the same fixed script, run on the machine at hand (no SSH, no network).

Where psutil is installed, it adds a second view of the machine, read from the kernel without
the shell tools (sections ``psutil_processes`` and ``psutil_addresses``, in the script's own
framing so that they are kept in evidence bundles and replayed like the rest):

- process names: the script reads ``/proc/PID/comm``, which the kernel cuts at 15 bytes, so a
  long antivirus daemon name never matches the product catalog; psutil takes the full name
  from the command line when comm is cut. Both lists are used.
- addresses: where ``ip`` is missing or broken (minimal images), the isolation checks still get
  the machine's addresses instead of an "unknown".

The single-file build (zipapp) has no psutil — it is a C extension — and collects with the
script alone; the collection's evidence says which it was.
"""

from __future__ import annotations

import json
import socket
import subprocess
from typing import Any

from netguard.collect import OUTPUT_CAP, Collection, failed, framing, linux_script
from netguard.collect.probe import ProbeRequest, preamble
from netguard.collect.wanted import Wanted
from netguard.collect.wanted import preamble as wanted_preamble
from netguard.collect.watch import preamble as watch_preamble
from netguard.model import Host, HostStatus
from netguard.model.watched import WatchList

_ENV = {
    "LC_ALL": "C",
    "LANG": "C",
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
}


def collect_local(
    host: Host,
    request: ProbeRequest | None = None,
    *,
    watch: WatchList | None = None,
    wanted: Wanted | None = None,
) -> Collection:
    boundary = framing.new_boundary()
    lines = framing.preamble(boundary)
    lines += preamble(request) + watch_preamble(watch) + wanted_preamble(wanted)
    try:
        proc = subprocess.run(
            ["/bin/sh", "-s"],
            input=lines + linux_script(),
            capture_output=True,
            env=_ENV,
            timeout=host.ssh.command_timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return failed(HostStatus.TIMEOUT, "command_timeout", seconds=host.ssh.command_timeout)
    except OSError as exc:
        return failed(HostStatus.ERROR, "shell_failed", raw=exc.strerror or str(exc))
    if len(proc.stdout) > OUTPUT_CAP:
        return failed(HostStatus.ERROR, "output_too_large", bytes=OUTPUT_CAP)
    extra, evidence = psutil_sections(boundary)
    stdout, end = proc.stdout, framing.end_marker(boundary)
    if extra and stdout.endswith(end):  # inside the end marker: one framed output, as ever
        stdout = stdout[: -len(end)] + extra[: -len(end)] + end
    evidence = {**evidence, **framing.sent(lines)}
    return Collection(HostStatus.AUDITED, "", stdout, proc.returncode, evidence)


def psutil_sections(boundary: str) -> tuple[bytes, dict[str, Any]]:
    """The psutil sections (framed like the script's with its boundary, ending in the end
    marker) and a word for the evidence; nothing when psutil is not installed."""
    try:
        import psutil
    except ImportError:
        return b"", {"psutil": "not installed: script only"}
    sections: dict[str, tuple[str, int]] = {}
    try:
        names = {p.info["name"] or "" for p in psutil.process_iter(["name"])}
        # One name per line: a newline inside a process name must not make two names.
        text = "\n".join(sorted(n.replace("\n", "?") for n in names if n))
        sections["psutil_processes"] = (text, 0)
    except (psutil.Error, OSError) as exc:
        sections["psutil_processes"] = (f"psutil: {type(exc).__name__}", 1)
    try:
        addrs = [
            {"interface": nic, "address": a.address, "netmask": a.netmask}
            for nic, items in psutil.net_if_addrs().items()
            for a in items
            if a.family in (socket.AF_INET, socket.AF_INET6) and a.netmask
        ]
        sections["psutil_addresses"] = (json.dumps(addrs, sort_keys=True), 0)
    except (psutil.Error, OSError) as exc:
        sections["psutil_addresses"] = (f"psutil: {type(exc).__name__}", 1)
    return framing.encode(sections, boundary), {"psutil": psutil.__version__}

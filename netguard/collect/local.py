"""Local transport: the same fixed script, run on the machine at hand (no SSH, no network)."""

from __future__ import annotations

import subprocess

from netguard.collect import OUTPUT_CAP, Collection, linux_script
from netguard.model import Host, HostStatus

_ENV = {
    "LC_ALL": "C",
    "LANG": "C",
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
}


def collect_local(host: Host) -> Collection:
    try:
        proc = subprocess.run(
            ["/bin/sh", "-s"],
            input=linux_script(),
            capture_output=True,
            env=_ENV,
            timeout=host.ssh.command_timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Collection(
            HostStatus.TIMEOUT, f"collection did not finish in {host.ssh.command_timeout:g} s"
        )
    except OSError as exc:
        return Collection(HostStatus.ERROR, f"could not run /bin/sh: {exc.strerror}")
    if len(proc.stdout) > OUTPUT_CAP:
        return Collection(HostStatus.ERROR, "collection output exceeded the cap")
    return Collection(HostStatus.AUDITED, "", proc.stdout, proc.returncode)

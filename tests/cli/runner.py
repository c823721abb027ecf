"""Run the installed command line as a user would: a new process, its output and exit code."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_cli(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`python -m netguard ARGS` in ``cwd`` with the environment plus ``env``."""
    return subprocess.run(
        [sys.executable, "-m", "netguard", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        check=False,
    )


def closed_port() -> int:
    """A loopback port nothing listens on: connecting there is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when the socket is


def unreachable_office(folder: Path) -> Path:
    """An inventory of three hosts on loopback addresses where no SSH server listens (refused
    at once: every host is unreachable), with its empty known_hosts, written into ``folder``."""
    (folder / "known_hosts").write_text("")
    path = folder / "office.yaml"
    path.write_text(
        f"""\
segments:
  - {{name: lab, zone: intranet, cidr: 127.0.0.0/8}}
defaults:
  ssh: {{known_hosts: {folder / "known_hosts"}, connect_timeout: 2, port: {closed_port()}}}
hosts:
  - {{name: fin-pc-01, address: 127.0.0.2, segment: lab, department: 财务科}}
  - {{name: fin-pc-02, address: 127.0.0.3, segment: lab, department: 财务科}}
  - {{name: hr-pc-01, address: 127.0.0.4, segment: lab, department: 人事科, tags: [hr]}}
""",
        encoding="utf-8",
    )
    return path

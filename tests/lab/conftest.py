"""The `office_lab` fixture: the scenario lab of tests/lab/netlab.py, built once per session.

The lab is never skipped: CI runs as root with iproute2 and openssh-server installed, so a missing
prerequisite is a broken CI image and must fail loudly, not pass silently as "skipped".
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.lab.netlab import HostSpec, Lab, LabError, build_office_lab, preflight


@dataclass(frozen=True)
class OfficeLab:
    lab: Lab
    inventory_path: Path
    hosts: dict[str, HostSpec]  # scenario name → spec (names are the contract with the tests)
    build_seconds: float


@pytest.fixture(scope="session")
def office_lab() -> Iterator[OfficeLab]:
    try:
        preflight()
    except LabError as e:
        pytest.fail(f"{e} — the lab tests need root, iproute2 and openssh-server", pytrace=False)
    lab, scenario = build_office_lab()
    t0 = time.monotonic()
    try:
        lab.start()
        yield OfficeLab(lab, lab.inventory_path, scenario, time.monotonic() - t0)
    finally:
        # Also runs when a test fails or the session is interrupted (Ctrl-C, SIGTERM via the
        # lab's handler): namespaces, /etc/netns dirs, processes and temp dirs all go.
        lab.stop()

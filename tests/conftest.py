"""Every test run gets its own audit history: no test writes to the machine's real one
(/var/lib/netguard or ~/.local/state), and subprocesses inherit the variable."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def private_history() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="netguard-test-history-") as tmp:
        path = os.path.join(tmp, "history.sqlite")
        old = os.environ.get("NETGUARD_HISTORY")
        os.environ["NETGUARD_HISTORY"] = path
        try:
            yield path
        finally:
            if old is None:
                os.environ.pop("NETGUARD_HISTORY", None)
            else:
                os.environ["NETGUARD_HISTORY"] = old

"""Suite-wide test set-up: markers and their selection, browser prerequisites, the Hypothesis
profile for CI, and a private audit history for every run.

Markers (registered in pyproject.toml):

- ``lab``: real ``sshd`` in network namespaces; every test under tests/lab/ (marked here).
- ``browser``: needs Chromium. ``@pytest.mark.browser("playwright", "pdftotext")`` names what
  it needs besides Chromium. Missing, the test is skipped locally and fails under ``CI=true``.
- ``slow``: takes seconds: city-sized fleets (everything under tests/scale/, marked here), the
  zipapp build, a writer killed mid-run.

A bare ``pytest`` deselects all three (FAST) for local work; ``pytest --all`` (as .ci/run
runs it) runs everything; tests named by path (``pytest tests/lab``) or chosen with ``-m`` run as
asked.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from netguard.errors import RenderError
from netguard.render.pdf import find_chromium

#: CI=true: every run draws the same examples (derandomize: a red CI is a bug, never a draw
#: of luck, and a rerun reproduces it), no example fails for its run time on a loaded machine,
#: and no example database (a fresh clone has none). Locally the default profile explores.
settings.register_profile("ci", derandomize=True, deadline=None, database=None, print_blob=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")

TESTS = Path(__file__).resolve().parent
#: Folders whose every test carries a marker, so a new file there cannot forget it.
FOLDER_MARKS = {TESTS / "lab": pytest.mark.lab, TESTS / "scale": pytest.mark.slow}


#: What a bare `pytest` runs.
FAST = "not lab and not browser and not slow"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--all",
        action="store_true",
        help="run every test, lab, browser and slow ones included (what .ci/run does)",
    )


def pytest_configure(config: pytest.Config) -> None:
    asked = config.option.markexpr or config.option.file_or_dir or config.getoption("--all")
    if not asked:
        config.option.markexpr = FAST


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


@pytest.hookimpl(tryfirst=True)  # before -m deselects: the mark must be there when it looks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for folder, mark in FOLDER_MARKS.items():
            if item.path.is_relative_to(folder):
                item.add_marker(mark)


def pytest_report_header(config: pytest.Config) -> str:
    expr = config.option.markexpr
    selection = f"-m {expr!r}" if expr else "everything (lab, browser and slow included)"
    return f"netguard tests: {selection}; CI={os.environ.get('CI', '')!r}"


def _missing(need: str) -> str | None:
    """None when ``need`` is available, else what to install."""
    if need == "chromium":
        try:
            find_chromium()
        except RenderError:
            return "Chromium (Debian: chromium, or NETGUARD_CHROMIUM)"
        return None
    if need == "playwright":
        found = importlib.util.find_spec("playwright") is not None
        return None if found else "Playwright (pip install -e '.[test]')"
    if need == "pdftotext":
        return None if shutil.which("pdftotext") else "pdftotext (Debian: poppler-utils)"
    raise ValueError(f"@pytest.mark.browser: unknown prerequisite {need!r}")


@pytest.hookimpl(tryfirst=True)  # before fixtures: a module's browser fixture would launch it
def pytest_runtest_setup(item: pytest.Item) -> None:
    marks = list(item.iter_markers("browser"))
    if not marks:
        return
    needs = ["chromium", *(a for m in marks for a in m.args)]
    missing = [m for m in dict.fromkeys(_missing(n) for n in needs) if m]
    if not missing:
        return
    what = "; ".join(missing)
    if in_ci():
        pytest.fail(
            f"CI=true and this test needs {what}: .ci/run installs them, so the CI image is "
            "broken (a browser test never passes as skipped in CI)",
            pytrace=False,
        )
    pytest.skip(f"needs {what}")


def _no_packet(*_: Any, **__: Any) -> Any:
    raise AssertionError(
        "a test outside the lab tried to put a packet on this machine's real interfaces: "
        "feed the sweep recorded answers, or run it in the lab's namespaces"
    )


@pytest.fixture(autouse=True)
def no_packets_outside_the_lab(request: pytest.FixtureRequest, monkeypatch: Any) -> None:
    """The network rule, enforced: only lab tests (their own namespaces) may send raw frames.
    Everywhere else scapy's senders and raw sockets raise, whatever a test forgets to patch —
    so a sweep can never leave through the real interface of the machine running the tests."""
    if request.node.get_closest_marker("lab") is not None:
        return
    try:
        import scapy.sendrecv
        from scapy.config import conf
    except ImportError:
        return
    for name in ("send", "sendp", "sr", "sr1", "srp", "srp1", "sniff", "AsyncSniffer"):
        monkeypatch.setattr(scapy.sendrecv, name, _no_packet)
    for name in ("L2socket", "L3socket", "L2listen"):
        monkeypatch.setattr(conf, name, _no_packet)


@pytest.fixture(scope="session", autouse=True)
def private_history() -> Iterator[str]:
    """Every test run gets its own audit history: no test writes to the machine's real one
    (/var/lib/netguard or ~/.local/state), and subprocesses inherit the variable."""
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

"""The script's probe section under /bin/sh against listeners on 127.0.0.1: each method in
turn (bash /dev/tcp, curl, python3, nc), connected and refused; and the preamble's strictness."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from netguard.collect import linux_script
from netguard.collect.parse_linux import split_sections
from netguard.collect.probe import ProbeRequest, preamble

TOKEN = "ngp1.run1.0123456789abcdef.1800000000." + "a" * 32
#: what the script needs besides the method (the rest of the collection may fail: not looked at)
BASE_TOOLS = ("date", "timeout", "base64", "head", "cat")


@pytest.fixture
def listener() -> Iterator[tuple[socket.socket, int, int]]:
    """A listening port, and a port nobody listens on."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(5)
    spare = socket.socket()
    spare.bind(("127.0.0.1", 0))
    closed = spare.getsockname()[1]
    spare.close()
    try:
        yield srv, srv.getsockname()[1], closed
    finally:
        srv.close()


def _probe(tmp_path: Path, method: str | None, request: ProbeRequest | None) -> str:
    """Run the whole fixed script with only BASE_TOOLS and `method` on its PATH."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    tools = list(BASE_TOOLS) + ([method] if method else [])
    for tool in tools:
        real = sys.executable if tool == "python3" else shutil.which(tool)
        if real is None:  # .ci/run installs every one: in CI a missing tool is a broken image
            if os.environ.get("CI") == "true":
                pytest.fail(f"{tool} is not installed, and .ci/run installs it", pytrace=False)
            pytest.skip(f"{tool} is not installed")
        (bindir / tool).symlink_to(real)
    proc = subprocess.run(
        ["/bin/sh", "-s"],
        input=preamble(request) + linux_script(),
        capture_output=True,
        env={"PATH": str(bindir), "LC_ALL": "C", "HOME": str(tmp_path / "home")},
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    section = split_sections(proc.stdout)["probe"]
    assert section.rc == 0
    return section.text


def _outcomes(text: str) -> list[tuple[str, str]]:
    words = [dict(w.split("=", 1) for w in line.split()) for line in text.splitlines()[2:]]
    return [(w["method"], w["outcome"]) for w in words]


@pytest.mark.parametrize("method", ["bash", "curl", "python3", "nc"])
def test_each_method_connected_and_refused(
    tmp_path: Path, listener: tuple[socket.socket, int, int], method: str
) -> None:
    srv, port, closed = listener
    request = ProbeRequest(TOKEN, (("127.0.0.1", port), ("127.0.0.1", closed)))
    text = _probe(tmp_path, method, request)
    assert text.splitlines()[:2] == ["requested=1", f"token={TOKEN}"]
    assert _outcomes(text) == [(method, "connected"), (method, "refused")]
    conn, _ = srv.accept()
    conn.settimeout(5)
    assert conn.recv(4096).startswith(f"GET /{TOKEN} HTTP/1.0".encode())
    conn.close()
    # nothing written where the script ran, nor in a home
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin"]


def test_no_method_is_not_sent(tmp_path: Path, listener: tuple[socket.socket, int, int]) -> None:
    _, port, _ = listener
    text = _probe(tmp_path, None, ProbeRequest(TOKEN, (("127.0.0.1", port),)))
    assert _outcomes(text) == [("none", "not_sent")]


def test_no_request_sends_nothing(tmp_path: Path) -> None:
    assert _probe(tmp_path, "bash", None) == "requested=0\n"


def test_preamble_exact() -> None:
    req = ProbeRequest(TOKEN, (("192.0.2.1", 80), ("2001:db8::1", 53)))
    assert preamble(req) == f"NG_PROBE='{TOKEN} 192.0.2.1 80 2001:db8::1 53'\n".encode()
    assert preamble(None) == b""


@pytest.mark.parametrize(
    "request_",
    [
        ProbeRequest(TOKEN + "'; reboot; '", (("192.0.2.1", 80),)),
        ProbeRequest("ngp1.x", (("192.0.2.1", 80),)),
        ProbeRequest(TOKEN, (("192.0.2.1 ; id", 80),)),
        ProbeRequest(TOKEN, (("example.org", 80),)),
        ProbeRequest(TOKEN, (("2001:DB8::1", 80),)),  # not canonical
        ProbeRequest(TOKEN, (("192.0.2.1", 0),)),
        ProbeRequest(TOKEN, (("192.0.2.1", "80"),)),  # type: ignore[arg-type]
        ProbeRequest(TOKEN, ()),
        ProbeRequest(TOKEN, (("192.0.2.1", 80),) * 9),
    ],
)
def test_preamble_refuses(request_: ProbeRequest) -> None:
    with pytest.raises(ValueError):
        preamble(request_)


def test_parse_probe_section() -> None:
    from netguard.collect.parse_linux import parse_probe
    from netguard.model.facts import ProbeAttempt, ProbeReport

    assert parse_probe("requested=0\n") == ProbeReport(False, "", ())
    text = (
        f"requested=1\ntoken={TOKEN}\n"
        "ip=192.0.2.1 port=80 method=curl outcome=connected sent_at=1800000001\n"
        "ip=2001:db8::1 port=53 method=none outcome=not_sent sent_at=\n"
    )
    assert parse_probe(text) == ProbeReport(
        True,
        TOKEN,
        (
            ProbeAttempt("192.0.2.1", 80, "curl", "connected", 1800000001.0),
            ProbeAttempt("2001:db8::1", 53, "none", "not_sent", None),
        ),
    )
    head = f"requested=1\ntoken={TOKEN}\n"
    for bad in (
        "",
        "requested=1\n",
        head + "ip=192.0.2.1 port=80 method=telnet outcome=connected sent_at=1",
        head + "ip=192.0.2.1 port=80 method=nc outcome=maybe sent_at=1",
        head + "ip=999.0.2.1 port=80 method=nc outcome=refused sent_at=1",
    ):
        with pytest.raises(ValueError):
            parse_probe(bad)

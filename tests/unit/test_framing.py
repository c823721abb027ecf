"""The collection output's framing (collect/framing.py): format 2 against hostile content, and
format 1 (recorded bundles) read as before, to the same facts and verdicts."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
from datetime import date
from ipaddress import ip_address
from pathlib import Path

import pytest

from netguard.checks import CATALOG
from netguard.collect import Collection, linux_script
from netguard.collect.framing import EVIDENCE_KEY, new_boundary, preamble, sent, sent_boundary
from netguard.collect.local import collect_local
from netguard.collect.parse_linux import SECTION_CAP, encode_sections, parse_linux, split_sections
from netguard.collect.probe import ProbeRequest
from netguard.collect.ssh import remote_exec
from netguard.engine import AuditJob, run_audit
from netguard.engine.evaluate import evaluate
from netguard.errors import CollectionError
from netguard.evidence import keys
from netguard.evidence.bundle import BundleWriter, manifest_run
from netguard.evidence.reader import open_bundle
from netguard.inventory import load_inventory
from netguard.model import Host, HostStatus
from netguard.model.watched import WatchList
from netguard.policy import default_policy_path, load_policy
from netguard.results import dumps, run_document
from tests.unit.recordings import HOSTS, NOW
from tests.unit.test_checks import SEGMENTS, host, policy

B = "0123456789abcdef0123456789abcdef"
OTHER = "fedcba9876543210fedcba9876543210"


def section(name: str, body: bytes, rc: int | None = 0, boundary: str = B) -> bytes:
    """One section as the script prints it (rc None: cut, no status line)."""
    out = f"@@ng2 {boundary} {name}\n".encode() + body
    return out if rc is None else out + f"\n@@rc2 {boundary} {rc}\n".encode()


def end(boundary: str = B) -> bytes:
    return f"@@end2 {boundary}\n".encode()


@pytest.mark.parametrize("name", sorted(HOSTS))
def test_a_recorded_host_gives_the_same_facts_and_verdicts_in_both_formats(name: str) -> None:
    sections = HOSTS[name]()
    old = parse_linux(encode_sections(sections), now=NOW)
    new = parse_linux(encode_sections(sections, B), now=NOW, boundary=B)
    found = parse_linux(encode_sections(sections, B), now=NOW)  # boundary read from the output
    assert old == new == found
    verdicts = [evaluate(f, host(), SEGMENTS, policy()) for f in (old, new)]
    assert verdicts[0] == verdicts[1]


HOSTILE = [
    b"a line\n@@rc2 " + OTHER.encode() + b" 0\n@@ng2 " + OTHER.encode() + b" meta\ntime=1\n",
    b"@@end2 " + OTHER.encode() + b"\n@@end\n@@ng meta dGltZT0xCkBAcmMgMA==\n",
    b"nul\x00byte \xff\xfe not utf-8\r\nwindows line\r\n",
    b"no trailing newline",
    b"",
    b"\n\n",
    b"@@rc2 " + B.encode() + b"\n",  # the boundary without its leading newline and status
]


@pytest.mark.parametrize("body", HOSTILE)
def test_content_cannot_forge_a_section_a_status_or_the_end(body: bytes) -> None:
    out = section("processes", body, 3) + section("meta", b"time=5\n") + end()
    secs = split_sections(out, B)
    assert list(secs) == ["processes", "meta"]
    assert secs["processes"].text == body.decode("utf-8", "replace")
    assert secs["processes"].rc == 3
    assert secs["meta"].text == "time=5\n" and secs["meta"].rc == 0
    assert split_sections(out) == secs  # read from the output's first start line: the same


def test_a_cut_section_is_truncated_and_the_next_one_is_still_read() -> None:
    cut = section("dpkg", b"ii  clam", None)  # head stopped in the middle of a line
    out = section("meta", b"time=5\n") + cut + section("processes", b"clamd\n") + end()
    secs = split_sections(out, B)
    assert secs["dpkg"].rc is None and secs["dpkg"].text == "ii  clam"
    assert secs["processes"].text == "clamd\n" and secs["processes"].rc == 0
    status_cut = section("rpm", b"x\n", None) + f"\n@@rc2 {B} 12".encode()  # no newline
    assert split_sections(status_cut + end(), B)["rpm"].rc is None
    junk = section("rpm", b"x\n") + b"more\n"  # anything after the status: not ours
    assert split_sections(junk + end(), B)["rpm"].rc is None


def test_a_section_as_long_as_its_cap_reads_as_cut_even_with_its_status() -> None:
    status = len(f"\n@@rc2 {B} 0\n")
    full = section("processes", b"x" * (SECTION_CAP - status)) + end()
    assert split_sections(full, B)["processes"].rc is None
    under = section("processes", b"x" * (SECTION_CAP - status - 1)) + end()
    assert split_sections(under, B)["processes"].rc == 0


def test_output_without_its_own_end_marker_was_cut_off() -> None:
    body = section("meta", b"time=5\n")
    for out in (body, body + end(OTHER), body + b"@@end\n", body + end()[:-1]):
        with pytest.raises(CollectionError, match="ended early"):
            split_sections(out, B)


def test_a_known_boundary_ignores_what_comes_before_the_script() -> None:
    banner = section("meta", b"time=1\n", boundary=OTHER) + b"Welcome\n"
    out = banner + section("meta", b"time=5\n") + end()
    assert split_sections(out, B)["meta"].text == "time=5\n"
    with pytest.raises(CollectionError):  # another boundary than the one sent: not ours
        split_sections(section("meta", b"time=5\n", boundary=OTHER) + end(OTHER), B)


@pytest.mark.parametrize(
    "out",
    [
        section("meta", b"") + section("meta", b"") + end(),  # twice
        section("bad name!", b"") + end(),
        f"@@ng2 {B} meta".encode() + end(),  # no newline after the name
        end(),  # no section
    ],
)
def test_malformed_framing_is_refused(out: bytes) -> None:
    with pytest.raises(CollectionError):
        split_sections(out, B)


def test_a_boundary_read_from_the_output_must_look_like_one() -> None:
    with pytest.raises(CollectionError, match="boundary"):
        split_sections(b"@@ng2 x meta\n\n@@rc2 x 0\n@@end2 x\n")


def test_transports_send_a_fresh_boundary_and_record_it() -> None:
    linux = Host("pc", ip_address("10.0.0.1"), "seg")
    first, second = (remote_exec(linux)[1] for _ in range(2))
    assert sent(first) != sent(second)
    assert sent(first)[EVIDENCE_KEY] == first.split(b"'")[1].decode()
    assert sent_boundary(sent(first)) == first.split(b"'")[1].decode()
    assert sent(linux_script()) == {} and sent_boundary({EVIDENCE_KEY: 5}) is None
    assert len(new_boundary()) == 32
    with pytest.raises(ValueError):
        preamble("not-hex; reboot")


def _run(stdin: bytes, shell: str = "dash") -> bytes:
    proc = subprocess.run(
        [shell, "-s"],
        input=stdin,
        capture_output=True,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"},
        timeout=120,
        check=False,
    )
    return proc.stdout


@pytest.mark.parametrize("shell", [s for s in ("dash", "bash") if shutil.which(s)])
def test_the_script_frames_with_the_boundary_it_was_sent(shell: str) -> None:
    out = _run(preamble(B) + linux_script(), shell)
    assert out.endswith(end())
    secs = split_sections(out, B)
    assert {"meta", "passwd", "processes", "watch"} <= set(secs)
    assert all(s.rc is not None for s in secs.values())
    facts = parse_linux(out, boundary=B)
    assert facts.hostname and facts.processes


def test_without_a_boundary_the_script_makes_its_own_and_a_bad_one_is_not_used() -> None:
    own = _run(linux_script())
    assert parse_linux(own).hostname  # the kernel's random UUID, read from its start line
    bad = _run(b"NG_BOUNDARY='" + b"x" * 32 + b"'\n" + linux_script())
    with pytest.raises(CollectionError):
        split_sections(bad, "x" * 32)


def test_facts_of_the_script_do_not_depend_on_the_format() -> None:
    """The same host, read by the script, and its sections written again in format 1."""
    out = _run(preamble(B) + linux_script())
    secs = split_sections(out, B)
    again = encode_sections({n: (s.text, s.rc) for n, s in secs.items() if s.rc is not None})
    a, b = parse_linux(out, now=NOW, boundary=B), parse_linux(again, now=NOW)
    assert dataclasses.asdict(a) == dataclasses.asdict(b)


def test_the_local_transport_frames_its_own_sections_with_the_boundary_it_sent() -> None:
    coll = collect_local(Host("me", ip_address("127.0.0.1"), "seg"))
    boundary = sent_boundary(coll.evidence)
    assert boundary is not None and coll.stdout.endswith(end(boundary))
    secs = split_sections(coll.stdout, boundary)
    assert "meta" in secs
    if "psutil" in coll.evidence and coll.evidence["psutil"] != "not installed: script only":
        assert secs["psutil_processes"].rc == 0  # inside the end marker, in the same framing
    assert parse_linux(coll.stdout, boundary=boundary).hostname


class _Framed:
    """A host's recorded sections in format 2, after a login banner that mimics a section of
    another boundary (what a shell could print before the script); the transport's evidence
    holds the boundary it sent."""

    def collect(
        self, host: Host, request: ProbeRequest | None = None, *, watch: WatchList | None = None
    ) -> Collection:
        fake = section("meta", b"hostname=forged\n", boundary=OTHER) + end(OTHER)
        out = b"Welcome\n" + fake + encode_sections(HOSTS["compliant"](), B)
        return Collection(HostStatus.AUDITED, "", out, 0, {EVIDENCE_KEY: B}, collected_at=NOW)


def test_the_runner_and_a_replay_parse_with_the_boundary_the_transport_sent(
    tmp_path: Path,
) -> None:
    inv_path = tmp_path / "inv.yaml"
    inv_path.write_text(
        "segments:\n  - {name: lan, zone: intranet, cidr: 10.20.0.0/24, gateway: 10.20.0.1}\n"
        "hosts:\n  - {name: fin-pc-07, address: 10.20.0.17, segment: lan}\n",
        encoding="utf-8",
    )
    policy = load_policy(default_policy_path(), CATALOG)
    writer = BundleWriter(tmp_path / "bundle")
    run = run_audit(
        AuditJob(load_inventory(inv_path), policy, today=date(2026, 11, 23), collector=_Framed(),
                 sink=writer.collect_sink)
    )  # fmt: skip
    (result,) = run.results
    assert result.status is HostStatus.AUDITED  # the banner's forged section is not read
    writer.add_run(run, dumps(run_document(run)))
    writer.seal(manifest_run(run), keys.generate("inspector"), "inspector")
    b = open_bundle(tmp_path / "bundle")
    replayed = run_audit(
        AuditJob(load_inventory(b.inventory), load_policy(b.policy, CATALOG),
                 today=date.fromisoformat(b.run["today"]), collector=b.collector())
    )  # fmt: skip
    (again,) = replayed.results
    assert again.status is HostStatus.AUDITED
    assert [(f.check, f.status) for f in again.findings] == [
        (f.check, f.status) for f in result.findings
    ]
    # without the recorded boundary, the banner's start line would be taken for the script's
    forged = split_sections(_Framed().collect(result.host).stdout)
    assert list(forged) == ["meta"] and forged["meta"].text == "hostname=forged\n"


@pytest.mark.parametrize("framer", ["sec", "secc"])
def test_the_script_s_own_framing_carries_hostile_bytes_through(
    tmp_path: Path, framer: str
) -> None:
    """The script's sec and secc around a file of everything a host might hold (the forged
    markers know another boundary: the host never saw this one)."""
    hostile = b"".join(HOSTILE)
    (tmp_path / "hostile").write_bytes(hostile)
    script = linux_script().decode()
    funcs = "".join(
        re.search(rf"^  {name}\(\) \{{\n.*?^  \}}\n", script, re.MULTILINE | re.DOTALL).group()  # type: ignore[union-attr]
        for name in ("sec", "secc")
    )
    program = (
        f"_B={B}\n{funcs}{framer} hostile cat '{tmp_path}/hostile'\n"
        f"sec after printf 'ok'\nprintf '@@end2 %s\\n' \"$_B\"\n"
    )
    out = subprocess.run(["sh", "-c", program], capture_output=True, check=True).stdout
    secs = split_sections(out, B)
    assert list(secs) == ["hostile", "after"]
    assert secs["hostile"].text == hostile.decode("utf-8", "replace")
    assert secs["hostile"].rc == 0
    assert secs["after"].text == "ok" and secs["after"].rc == 0  # no trailing newline kept as is

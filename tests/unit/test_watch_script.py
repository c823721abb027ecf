"""The fixed script's watch part, run whole under dash and bash on files in a temporary folder:
what it reports for files, directories, processes and commands, the caps and the budget, and
that nothing in a name or a list is ever run as shell text (nor a command where not allowed)."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from netguard.collect import linux_script
from netguard.collect.parse_linux import parse_linux, split_sections
from netguard.collect.watch import COMMAND_CAP, ENTRY_SECTION_CAP, FILE_CAP, preamble
from netguard.model.watched import Seen, Watched, WatchList

SHELLS = [s for s in ("dash", "bash") if shutil.which(s)]


def run(stdin: bytes, shell: str = "dash", user: list[str] | None = None) -> bytes:
    proc = subprocess.run(
        [*(user or []), shell, "-s"],
        input=stdin,
        capture_output=True,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"},
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-400:]
    return proc.stdout


def watched(stdout: bytes) -> Watched:
    facts = parse_linux(stdout)
    assert facts.watched is not None, facts.problems.get("watched")
    return facts.watched


def raw_list(*lines: str) -> bytes:
    """A preamble written by hand, past netguard's checks: what the script does on its own."""
    text = "\n".join(lines)
    return f"NG_WATCH='{base64.b64encode(text.encode()).decode()}'\n".encode()


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def snapshot(root: Path) -> dict[str, tuple[int, float, bytes]]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath, name)
            st = p.lstat()
            data = p.read_bytes() if p.is_file() and not p.is_symlink() else b""
            out[str(p)] = (st.st_mode, st.st_mtime, data)
    return out


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    etc = tmp_path / "etc"
    (etc / "conf.d" / "sub" / "a" / "b" / "c").mkdir(parents=True)
    (etc / "main.conf").write_text("a=1\nb = 2\n")
    (etc / "big").write_bytes(b"line of a big file\n" * 20000)  # 380000 bytes
    os.mkfifo(etc / "fifo")
    d = etc / "conf.d"
    (d / "one.conf").write_text("x\n")
    (d / "we\nird").write_text("no newline at the end")
    (d / "$(touch PWNED)`touch PWNED`").write_text("y\n")
    (d / "empty").write_bytes(b"")
    (d / "dangling").symlink_to("/nonexistent/nothing")
    (d / "link").symlink_to("../main.conf")
    (d / "sub" / "a" / "b" / "c" / "deep.conf").write_text("deep\n")
    return tmp_path


@pytest.mark.parametrize("shell", SHELLS)
def test_files_directories_processes_and_commands(tree: Path, shell: str) -> None:
    etc, marker = tree / "etc", tree / "ran"
    w = WatchList(
        files=(
            f"{etc}/main.conf",
            f"{etc}/missing",
            f"{etc}/big",
            f"{etc}/fifo",
            f"{etc}/conf.d",
            f"{tree}/no/such/x",
        ),
        directories=(f"{etc}/conf.d", f"{etc}/main.conf", f"{tree}/none"),
        processes=True,
        commands=(
            "echo out; echo err >&2; exit 3",
            f"head -c {COMMAND_CAP + 5000} /dev/zero | tr '\\000' a",
            f"touch '{marker}'",
        ),
        commands_allowed=True,
    )
    before = snapshot(etc)
    seen = watched(run(preamble(w) + linux_script(), shell))
    assert snapshot(etc) == before  # read-only: nothing written, not even a time changed
    assert not list(tree.rglob("PWNED"))  # a file name is never run
    files = seen.files
    assert files[f"{etc}/main.conf"].kind is Seen.FILE
    assert files[f"{etc}/main.conf"].lines == ("a=1", "b = 2")
    assert files[f"{etc}/missing"].kind is Seen.MISSING
    assert files[f"{tree}/no/such/x"].kind is Seen.MISSING
    assert files[f"{etc}/fifo"].kind is Seen.OTHER  # never opened: a fifo would block
    assert files[f"{etc}/conf.d"].kind is Seen.DIRECTORY
    big = files[f"{etc}/big"]
    assert big.truncated and len(big.lines) == FILE_CAP // 19  # whole lines only
    assert set(big.lines) == {"line of a big file"}

    conf = seen.directories[f"{etc}/conf.d"]
    assert conf.kind is Seen.DIRECTORY
    assert conf.truncated  # deep.conf lies below the depth the script reads
    entries = {e.path.removeprefix(f"{etc}/conf.d/"): e for e in conf.entries}
    assert entries["one.conf"].lines == ("x",)
    assert entries["we\nird"].lines == ("no newline at the end",)
    assert entries["$(touch PWNED)`touch PWNED`"].lines == ("y",)
    assert entries["empty"].kind is Seen.FILE and entries["empty"].lines == ()
    assert entries["dangling"].kind is Seen.MISSING
    assert entries["link"].lines == ("a=1", "b = 2")
    assert entries["sub/a/b"].kind is Seen.DIRECTORY
    assert "sub/a/b/c" not in entries and not conf.entries[0].truncated
    assert seen.directories[f"{etc}/main.conf"].kind is Seen.FILE
    assert seen.directories[f"{tree}/none"].kind is Seen.MISSING

    assert seen.processes is not None and not seen.processes_truncated
    assert any("pytest" in p for p in seen.processes)  # this very test's command line

    assert seen.commands_allowed
    echo = seen.commands["echo out; echo err >&2; exit 3"]
    assert echo.ran and echo.exit_status == 3 and echo.lines == ("out", "err")
    assert not echo.timed_out and not echo.truncated
    long = seen.commands[f"head -c {COMMAND_CAP + 5000} /dev/zero | tr '\\000' a"]
    assert long.truncated and long.lines == ()  # one line, cut: nothing whole to judge
    assert seen.commands[f"touch '{marker}'"].exit_status == 0 and marker.exists()


def test_a_command_is_ended_by_its_time_out(tmp_path: Path) -> None:
    w = WatchList(commands=("echo started; sleep 60",), commands_allowed=True)
    slow = watched(run(preamble(w) + linux_script())).commands["echo started; sleep 60"]
    assert slow.ran and slow.timed_out and slow.exit_status == 124
    assert slow.lines == ("started",)


def test_a_command_named_as_not_allowed_is_reported_never_run(tmp_path: Path) -> None:
    ran, named = tmp_path / "ran", tmp_path / "named"
    w = WatchList(
        commands=(f"touch {ran}",), commands_allowed=True, commands_not_allowed=(f"touch {named}",)
    )
    seen = watched(run(preamble(w) + linux_script()))
    assert seen.commands[f"touch {ran}"].ran and ran.exists()
    cmd = seen.commands[f"touch {named}"]
    assert not cmd.ran and cmd.not_run == "not_allowed" and not named.exists()


def test_without_the_allow_no_command_runs_even_if_listed(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    stdin = raw_list("ngwatch 1", "allow 0", f"c {b64(f'touch {marker}')}") + linux_script()
    seen = watched(run(stdin))
    cmd = seen.commands[f"touch {marker}"]
    assert not cmd.ran and cmd.not_run == "not_allowed" and not seen.commands_allowed
    assert not marker.exists()


def test_shell_text_in_a_list_past_netguard_is_still_only_data(tmp_path: Path) -> None:
    hostile = f"{tmp_path}/$(touch {tmp_path}/PWNED)`touch {tmp_path}/PWNED`'\"; touch x"
    stdin = raw_list("ngwatch 1", "allow 0", f"f {b64(hostile)}", f"d {b64(hostile)}")
    seen = watched(run(stdin + linux_script()))
    assert seen.files[hostile].kind is Seen.MISSING
    assert seen.directories[hostile].kind is Seen.MISSING
    assert not (tmp_path / "PWNED").exists() and not Path("x").exists()


def test_a_line_netguard_never_writes_fails_the_group() -> None:
    facts = parse_linux(run(raw_list("ngwatch 1", "allow 0", "x nonsense") + linux_script()))
    assert facts.watched is None
    assert "watch.1 failed" in facts.problems["watched"]


def test_no_list_no_watch_entries() -> None:
    stdout = run(linux_script())
    assert split_sections(stdout)["watch"].text == "requested=0\n"
    assert not [s for s in split_sections(stdout) if s.startswith("watch.")]
    assert parse_linux(stdout).watched == Watched()


def test_the_output_budget_stops_reading_content_and_says_so(tmp_path: Path) -> None:
    chunk = b"z" * 100 + b"\n"
    paths = []
    for i in range(60):  # 60 × 256 KiB, base64 in base64: over the 16 MiB budget
        p = tmp_path / f"f{i:02}"
        p.write_bytes(chunk * (FILE_CAP // len(chunk)))
        paths.append(str(p))
    w = WatchList(files=tuple(paths), commands=("echo hi",), commands_allowed=True)
    stdout = run(preamble(w) + linux_script())
    assert len(stdout) < 24 * 1024 * 1024
    seen = watched(stdout)
    assert not seen.files[paths[0]].truncated and seen.files[paths[0]].lines
    last = seen.files[paths[-1]]
    assert last.kind is Seen.FILE and last.truncated and last.lines == ()
    hi = seen.commands["echo hi"]
    assert not hi.ran and hi.not_run == "budget" and hi.truncated


def test_a_directory_over_its_section_s_cap_is_read_as_cut_not_broken(tmp_path: Path) -> None:
    chunk = b"y" * 100 + b"\n"
    for i in range(16):  # 16 files of 256 KiB, base64: over the directory's 4 MiB section
        (tmp_path / f"f{i:02}").write_bytes(chunk * (FILE_CAP // len(chunk)))
    seen = watched(run(preamble(WatchList(directories=(str(tmp_path),))) + linux_script()))
    listing = seen.directories[str(tmp_path)]
    assert listing.truncated  # the records before the cut are kept, the cut one dropped
    assert 0 < len(listing.entries) < 16 and all(e.lines for e in listing.entries)


@pytest.fixture
def shared() -> Iterator[Path]:
    """A folder nobody-the-user can reach (pytest's tmp_path is root's alone)."""
    root = Path(tempfile.mkdtemp(prefix="ngwatch-"))
    root.chmod(0o755)
    try:
        yield root
    finally:
        shutil.rmtree(root)


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root")
def test_what_the_account_cannot_read_is_unreadable_never_missing(shared: Path) -> None:
    (shared / "closed").mkdir(mode=0o700)
    (shared / "closed" / "inside").write_text("secret\n")
    (shared / "private").write_text("secret\n")
    (shared / "private").chmod(0o600)
    w = WatchList(
        files=(f"{shared}/closed/inside", f"{shared}/private", f"{shared}/gone"),
        directories=(f"{shared}/closed",),
    )
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    seen = watched(run(preamble(w) + linux_script(), user=nobody))
    assert seen.files[f"{shared}/closed/inside"].kind is Seen.UNREADABLE
    assert seen.files[f"{shared}/private"].kind is Seen.UNREADABLE
    assert seen.files[f"{shared}/private"].lines == ()
    assert seen.files[f"{shared}/gone"].kind is Seen.MISSING
    assert seen.directories[f"{shared}/closed"].kind is Seen.UNREADABLE


def test_the_parser_s_caps_are_the_script_s() -> None:
    script = linux_script().decode()
    entry_caps = [int(n) for n in re.findall(r'wsec "watch\.\$_i" (\d+) ', script)]
    assert max(entry_caps) == ENTRY_SECTION_CAP
    assert f"head -c {FILE_CAP + 1} -- " in script  # one byte more: the parser sees it went on
    assert f"b64_status {COMMAND_CAP + 1} timeout " in script

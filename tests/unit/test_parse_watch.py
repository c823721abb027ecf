"""The watch sections read back (collect/watch.py through parse_linux): recorded outputs, cut
ones and hostile ones. Anything unexpected leaves ``watched`` None with the reason."""

from __future__ import annotations

import base64

import pytest

from netguard.collect.parse_linux import SECTION_CAP, encode_sections, parse_linux
from netguard.collect.watch import FILE_CAP
from netguard.model.facts import Facts
from netguard.model.watched import Seen, SeenCommand, SeenFile
from tests.unit.recordings import NOW, desktop


def b64(data: str | bytes) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.b64encode(raw).decode()


SSHD = "/etc/ssh/sshd_config"
CONF_D = "/etc/sysctl.d"
CMD = "sysctl -n net.ipv4.ip_forward"
SSHD_TEXT = b64("PermitRootLogin no\nPort 22\n")
SYSCTL_TEXT = b64("net.ipv4.ip_forward = 0\n")
ZERO = b64("0\n")
SHADOW = b64("/etc/shadow")

#: A recorded watch: a file, a directory, the process list and a command, as the script prints.
LIST = f"requested=1\nngwatch 1\nallow 1\nf {b64(SSHD)}\nd {b64(CONF_D)}\np\nc {b64(CMD)}\n"
ENTRIES: dict[str, tuple[str, int | None]] = {
    "watch.1": (f"f {b64(SSHD)} file ={SSHD_TEXT} 0\n", 0),
    "watch.2": (
        f"d {b64(CONF_D)} directory\n"
        f"e {b64(CONF_D + '/99-ng.conf')} file ={SYSCTL_TEXT} 0\n"
        f"e {b64(CONF_D + '/README')} file -\n"
        f"e {b64(CONF_D + '/old')} directory\n",
        0,
    ),
    "watch.3": ("q /usr/sbin/sshd -D\nq [kthreadd]\nq /sbin/init splash \n", 0),
    "watch.4": (f"c {b64(CMD)} ran ={ZERO} 0\n", 0),
}


Entry = tuple[str, int | None] | None  # (text, exit status; None: cut at the cap); None: absent


def parsed(head: str = LIST, **entries: Entry) -> Facts:
    """The desktop's output with this watch list and the recorded entries, some replaced
    (``watch_2=...`` for section watch.2)."""
    sections = desktop(watch=(head, 0))
    given = {**ENTRIES, **{k.replace("_", "."): v for k, v in entries.items()}}
    out = encode_sections(sections)
    for name, value in given.items():
        if value is not None:
            out = out.removesuffix(b"@@end\n") + _section(name, *value) + b"@@end\n"
    return parse_linux(out, now=NOW)


def _section(name: str, text: str, rc: int | None) -> bytes:
    """A section as the script prints it; rc None: cut at its cap (no status line)."""
    payload = text if rc is None else f"{text}\n@@rc {rc}"
    return f"@@ng {name} {b64(payload)}\n".encode()


def test_a_recorded_watch_reads_back_whole() -> None:
    facts = parsed()
    assert "watched" not in facts.problems
    w = facts.watched
    assert w is not None and w.commands_allowed
    assert w.files[SSHD] == SeenFile(SSHD, Seen.FILE, ("PermitRootLogin no", "Port 22"))
    d = w.directories[CONF_D]
    assert d.kind is Seen.DIRECTORY and not d.truncated
    assert [e.path for e in d.entries] == [
        f"{CONF_D}/99-ng.conf",
        f"{CONF_D}/README",
        f"{CONF_D}/old",
    ]
    assert d.entries[0].lines == ("net.ipv4.ip_forward = 0",)
    assert d.entries[1].truncated and d.entries[1].lines == ()  # budget spent: not read
    assert w.processes == ("/usr/sbin/sshd -D", "[kthreadd]", "/sbin/init splash")
    assert w.commands[CMD] == SeenCommand(CMD, True, 0, ("0",))


def test_a_file_over_the_cap_is_truncated_to_whole_lines() -> None:
    content = b"k=v\n" * (FILE_CAP // 4) + b"more\n"
    facts = parsed(watch_1=(f"f {b64(SSHD)} file ={b64(content)} 0\n", 0))
    assert facts.watched is not None
    seen = facts.watched.files[SSHD]
    assert seen.truncated and len(seen.lines) == FILE_CAP // 4 and "more" not in seen.lines


def test_a_directory_cut_at_its_cap_keeps_its_whole_records_and_says_so() -> None:
    text, _ = ENTRIES["watch.2"]
    cut = text + f"e {b64(CONF_D + '/zz')} file =QUJD"  # the cap hit mid-record: no status
    facts = parsed(watch_2=(cut, None))
    assert facts.watched is not None
    d = facts.watched.directories[CONF_D]
    assert d.truncated and f"{CONF_D}/zz" not in {e.path for e in d.entries}


def test_a_directory_section_longer_than_other_sections_is_whole() -> None:
    head = f"d {b64(CONF_D)} directory\n"
    body = "".join(f"e {b64(f'{CONF_D}/f{i:04}')} file ={b64(b'v' * 3000)} 0\n" for i in range(400))
    assert len(head + body) > SECTION_CAP  # a directory's own cap is larger
    facts = parsed(watch_2=(head + body, 0))
    assert facts.watched is not None
    d = facts.watched.directories[CONF_D]
    assert not d.truncated and len(d.entries) == 400


@pytest.mark.parametrize("marker", ["more", "deep"])
def test_more_entries_or_deeper_ones_make_the_directory_truncated(marker: str) -> None:
    text, _ = ENTRIES["watch.2"]
    facts = parsed(watch_2=(text + marker + "\n", 0))
    assert facts.watched is not None and facts.watched.directories[CONF_D].truncated


def test_a_process_list_cut_at_its_cap_says_so() -> None:
    facts = parsed(watch_3=("q /usr/sbin/sshd -D\nq /usr/bin/cla", None))
    assert facts.watched is not None
    assert facts.watched.processes == ("/usr/sbin/sshd -D",) and facts.watched.processes_truncated


def test_a_timed_out_command_and_commands_not_run() -> None:
    facts = parsed(watch_4=(f"c {b64(CMD)} ran ={b64('partial')} 124\n", 0))
    assert facts.watched is not None
    slow = facts.watched.commands[CMD]
    assert slow.timed_out and slow.exit_status == 124 and slow.lines == ("partial",)
    for word, why in (("skipped", "budget"), ("late", "time")):  # cut short: never empty
        facts = parsed(watch_4=(f"c {b64(CMD)} {word}\n", 0))
        assert facts.watched is not None
        assert facts.watched.commands[CMD] == SeenCommand(CMD, False, truncated=True, not_run=why)
    head = LIST.replace("allow 1", "allow 0")
    facts = parsed(head, watch_4=(f"c {b64(CMD)} not-allowed\n", 0))
    assert facts.watched is not None
    assert facts.watched.commands[CMD] == SeenCommand(CMD, False, not_run="not_allowed")


@pytest.mark.parametrize(
    ("entries", "why"),
    [
        ({"watch_2": None}, "watch.2 missing"),
        ({"watch_1": ("f whatever file\n", 0)}, "does not answer its entry"),
        ({"watch_1": (f"f {b64(SSHD)} file =!!notbase64 0\n", 0)}, "not base64"),
        ({"watch_1": (f"f {b64(SSHD)} symlink\n", 0)}, "unknown kind"),
        ({"watch_1": (f"f {b64(SSHD)} file\n", 0)}, "without its content"),
        ({"watch_1": (f"f {b64(SSHD)} missing =QUJD 0\n", 0)}, "content for a missing"),
        ({"watch_1": (f"f {b64(SSHD)} file =QUJD 0\nf {b64(SSHD)} missing\n", 0)}, "one record"),
        ({"watch_1": (f"f {b64(SSHD)} file =QUJD 0\n", 65)}, "failed (exit status 65)"),
        ({"watch_1": (f"f {b64(SSHD)} file =QUJ", None)}, "cut off"),
        (
            {"watch_2": (f"d {b64(CONF_D)} directory\ne {b64('/etc/shadow')} missing\n", 0)},
            "outside",
        ),
        ({"watch_2": (f"d {b64(CONF_D)} directory\n@@rc 0 forged\n", 0)}, "unexpected record"),
        ({"watch_3": ("/usr/sbin/sshd\n", 0)}, "unexpected record"),
        ({"watch_4": (f"c {b64(CMD)} ran =MA== x\n", 0)}, "exit status"),
    ],
)
def test_a_broken_entry_leaves_watched_unknown_with_the_reason(
    entries: dict[str, Entry], why: str
) -> None:
    facts = parsed(**entries)
    assert facts.watched is None
    assert why in facts.problems["watched"]
    assert set(facts.problems) == {"watched"}  # the other groups do not notice


def test_a_command_that_ran_where_commands_were_not_allowed_is_refused() -> None:
    facts = parsed(LIST.replace("allow 1", "allow 0"))
    assert facts.watched is None and "not allowed" in facts.problems["watched"]
    named = LIST.replace(f"c {b64(CMD)}", f"n {b64(CMD)}")  # its file was not allowed
    facts = parsed(named)
    assert facts.watched is None and "not allowed" in facts.problems["watched"]
    facts = parsed(named, watch_4=(f"c {b64(CMD)} not-allowed\n", 0))
    assert facts.watched is not None and facts.watched.commands_allowed
    assert facts.watched.commands[CMD] == SeenCommand(CMD, False, not_run="not_allowed")


@pytest.mark.parametrize(
    "head",
    ["requested=1\n", "requested=1\nngwatch 2\nallow 0\n", "requested=1\nngwatch 1\np\n", "yes"],
)
def test_a_list_not_of_netguard_s_form_is_unknown(head: str) -> None:
    facts = parsed(head)
    assert facts.watched is None and "could not parse" in facts.problems["watched"]


def test_a_failed_or_absent_watch_section_is_unknown() -> None:
    no_base64 = parse_linux(encode_sections(desktop(watch=("", 127))), now=NOW)
    assert no_base64.watched is None and "exit status 127" in no_base64.problems["watched"]
    sections = desktop()
    del sections["watch"]  # an output recorded before policy files' checks existed
    old = parse_linux(encode_sections(sections), now=NOW)
    assert old.watched is None and "section watch missing" in old.problems["watched"]

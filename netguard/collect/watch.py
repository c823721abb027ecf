"""The watch list on the wire, both ways: the line put before the fixed script, and the script's
``watch`` sections read back into ``Watched``.

Out: the script is never changed. A transport may put one line before it,
``NG_WATCH='BASE64'``, whose decoded text is netguard's list (scripts/linux.sh says the format:
``ngwatch 1``, ``allow 0|1``, then ``f``/``d``/``c``/``n`` with a base64 path or command, ``p``;
``n`` names a command that may not run). The
base64 alphabet holds no quote, space, ``$`` or backquote, so the line is a plain shell assignment
whatever the paths and commands are; and the list is checked again here (``WatchList``) before
it is encoded, so nothing refused can be sent.

Back: section ``watch`` repeats the list as the host received it, and each entry has a section
``watch.N`` naming its entry again, so a recorded output alone says what was asked and what was
found — a replay needs nothing else. Everything in them is hostile: names and contents are
base64 inside the records, caps are the script's, and anything unexpected raises ValueError (the
parser then leaves ``watched`` None with the reason: unknown, never a pass).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Protocol

from netguard.model.watched import (
    Seen,
    SeenCommand,
    SeenDirectory,
    SeenFile,
    Watched,
    WatchList,
)

#: scripts/linux.sh: the first bytes of a file's content it sends (and one more, to show there
#: was more); a command's output likewise
FILE_CAP = 262144
COMMAND_CAP = 65536
#: the exit statuses of ``timeout`` when it ended the command (TERM, then KILL after -k)
TIMED_OUT = frozenset({124, 137})
VERSION = "ngwatch 1"
SECTION = "watch"
#: scripts/linux.sh: the largest cap of an entry's section (a directory's; wsec's second
#: argument). An entry's records are base64 and tags, never a raw status line (of either output
#: format: collect/framing.py), so its status is found whatever its length; only a section
#: this long may have been cut before it.
ENTRY_SECTION_CAP = 4194304

_B64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")


class Section(Protocol):
    """A decoded section of the script's output (parse_linux.Section)."""

    @property
    def text(self) -> str: ...
    @property
    def rc(self) -> int | None: ...  # None: cut at its cap


def preamble(watch: WatchList | None) -> bytes:
    """The line to put before the script (empty without a list or with an empty one);
    ValueError if the list holds anything that may not be sent."""
    if not watch:
        return b""
    # Made anew: WatchList checks every path, command and limit when it is made.
    checked = WatchList(
        tuple(watch.files),
        tuple(watch.directories),
        bool(watch.processes),
        tuple(watch.commands),
        bool(watch.commands_allowed),
        tuple(watch.commands_not_allowed),
    )
    lines = [VERSION, f"allow {int(checked.commands_allowed)}"]
    lines += [f"f {_enc(path)}" for path in checked.files]
    lines += [f"d {_enc(path)}" for path in checked.directories]
    lines += ["p"] if checked.processes else []
    lines += [f"c {_enc(command)}" for command in checked.commands]
    lines += [f"n {_enc(command)}" for command in checked.commands_not_allowed]
    word = _enc("\n".join(lines))
    assert _B64.fullmatch(word)
    return f"NG_WATCH='{word}'\n".encode("ascii")


def _enc(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _dec(word: str, what: str) -> bytes:
    if not _B64.fullmatch(word):
        raise ValueError(f"{what} is not base64")
    try:
        return base64.b64decode(word, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"{what} is not base64") from exc


def _text(word: str, what: str) -> str:
    return _dec(word, what).decode("utf-8", "replace")


def parse_watched(head: str, entries: Mapping[str, Section]) -> Watched:
    """Section ``watch`` (its text, status 0) and the ``watch.N`` sections → Watched.
    ``requested=0``: nothing was asked for, an empty Watched."""
    lines = head.rstrip("\n").split("\n")
    if lines == ["requested=0"]:
        return Watched()
    if lines[:2] != ["requested=1", VERSION] or len(lines) < 3:
        raise ValueError("watch section is neither requested=0 nor requested=1 with a list")
    allow = {"allow 0": False, "allow 1": True}.get(lines[2])
    if allow is None:
        raise ValueError("watch list without its allow line")
    files: dict[str, SeenFile] = {}
    directories: dict[str, SeenDirectory] = {}
    commands: dict[str, SeenCommand] = {}
    processes: tuple[str, ...] | None = None
    processes_cut = False
    for n, asked in enumerate((x for x in lines[3:] if x), start=1):
        name = f"{SECTION}.{n}"
        sec = entries.get(name)
        if sec is None:
            raise ValueError(f"section {name} missing from the output")
        if sec.rc is not None and sec.rc != 0:
            raise ValueError(f"section {name} failed (exit status {sec.rc})")
        cut = sec.rc is None
        records = sec.text.split("\n")
        if cut:
            records = records[:-1]  # the last line may be cut anywhere
        elif records and records[-1] == "":
            records = records[:-1]
        tag = "c" if asked[:1] == "n" else asked[:1]  # n: a command named, not to be run
        if asked == "p":
            processes = _processes(records, name)
            processes_cut = cut
            continue
        if cut and tag != "d":
            raise ValueError(f"section {name} cut off")  # never at the script's caps
        if not records:
            raise ValueError(f"section {name} is empty")
        first = records[0].split(" ")
        if first[:2] != [tag, asked[2:]] or tag not in "fdc" or len(asked) < 3:
            raise ValueError(f"section {name} does not answer its entry")
        if tag == "f":
            if len(records) != 1:
                raise ValueError(f"section {name}: one record expected")
            seen = _file(first, name)
            files[seen.path] = seen
        elif tag == "d":
            seen_dir = _directory(first, records[1:], cut, name)
            directories[seen_dir.path] = seen_dir
        else:
            if len(records) != 1:
                raise ValueError(f"section {name}: one record expected")
            seen_cmd = _command(first, allow and asked[:1] == "c", name)
            commands[seen_cmd.command] = seen_cmd
    return Watched(files, directories, processes, commands, allow, processes_cut)


def _file(fields: list[str], where: str) -> SeenFile:
    """``f|e B64PATH KIND [=B64 STATUS | -]`` → SeenFile."""
    if len(fields) < 3:
        raise ValueError(f"{where}: short record")
    path = _text(fields[1], f"{where}: path")
    if not path.startswith("/"):
        raise ValueError(f"{where}: a path that is not absolute")
    try:
        kind = Seen(fields[2])
    except ValueError:
        raise ValueError(f"{where}: unknown kind {fields[2][:20]!r}") from None
    rest = fields[3:]
    if kind is not Seen.FILE:
        if rest:
            raise ValueError(f"{where}: content for a {kind}")
        return SeenFile(path, kind)
    if rest == ["-"]:  # the output budget was spent before it was read
        return SeenFile(path, kind, truncated=True)
    if len(rest) != 2 or not rest[0].startswith("=") or not rest[1].isdigit():
        raise ValueError(f"{where}: a file record without its content")
    if rest[1] != "0":  # head could not read it after all
        return SeenFile(path, Seen.UNREADABLE)
    content = _dec(rest[0][1:], f"{where}: content")
    cut = len(content) > FILE_CAP
    return SeenFile(path, kind, _lines(content[:FILE_CAP], cut), cut)


def _lines(content: bytes, cut: bool) -> tuple[str, ...]:
    """Lines without their line ends (``\\n``); when cut, the last (partial) line is dropped."""
    lines = content.decode("utf-8", "replace").split("\n")
    if cut or lines[-1] == "":
        lines = lines[:-1]
    return tuple(lines)


def _directory(fields: list[str], records: list[str], cut: bool, where: str) -> SeenDirectory:
    if len(fields) != 3:
        raise ValueError(f"{where}: a directory record of {len(fields)} fields")
    path = _text(fields[1], f"{where}: path")
    try:
        kind = Seen(fields[2])
    except ValueError:
        raise ValueError(f"{where}: unknown kind {fields[2][:20]!r}") from None
    if not path.startswith("/"):
        raise ValueError(f"{where}: a path that is not absolute")
    under = path.rstrip("/") + "/"
    entries: dict[str, SeenFile] = {}
    for record in records:
        if record in ("more", "deep"):
            cut = True
            continue
        fields = record.split(" ")
        if fields[0] != "e" or kind is not Seen.DIRECTORY:
            raise ValueError(f"{where}: unexpected record {record[:40]!r}")
        entry = _file(fields, where)
        if not entry.path.startswith(under):
            raise ValueError(f"{where}: an entry outside the directory")
        entries[entry.path] = entry
    ordered = tuple(entries[p] for p in sorted(entries))
    return SeenDirectory(path, kind, ordered, cut)


def _processes(records: list[str], where: str) -> tuple[str, ...]:
    out = []
    for record in records:
        if not record.startswith("q "):
            raise ValueError(f"{where}: unexpected record {record[:40]!r}")
        out.append(record[2:].rstrip(" "))
    return tuple(out)


_NOT_RUN = {
    "not-allowed": "not_allowed",
    "skipped": "budget",
    "late": "time",
    "no-timeout": "no_timeout",
}


def _command(fields: list[str], allow: bool, where: str) -> SeenCommand:
    """``c B64COMMAND ran =B64OUTPUT STATUS | skipped | late | no-timeout | not-allowed``."""
    if len(fields) < 3:
        raise ValueError(f"{where}: short record")
    command = _text(fields[1], f"{where}: command")
    rest = fields[2:]
    if rest[0] in _NOT_RUN and len(rest) == 1:
        why = _NOT_RUN[rest[0]]
        return SeenCommand(command, False, truncated=why in ("budget", "time"), not_run=why)
    if not allow:
        raise ValueError(f"{where}: a command ran where commands were not allowed")
    if len(rest) != 3 or rest[0] != "ran" or not rest[1].startswith("="):
        raise ValueError(f"{where}: unreadable command record")
    if not rest[2].isdigit() or len(rest[2]) > 3:
        raise ValueError(f"{where}: unreadable exit status")
    status = int(rest[2])
    output = _dec(rest[1][1:], f"{where}: output")
    cut = len(output) > COMMAND_CAP
    return SeenCommand(
        command,
        True,
        status,
        _lines(output[:COMMAND_CAP], cut),
        timed_out=status in TIMED_OUT,
        truncated=cut,
    )

"""What the fixed script read for policy-file checks (Wazuh SCA policies, an office's own rule
files): the files, directories, process list and — only when the operator allowed it — command
outputs that netguard derived from the loaded rule files (netguard/sca/watch.py).

Everything here is hostile data from the host: lines are text as the host sent it (decoded
leniently), capped by the script; ``truncated`` says a cap was hit, which a rule needing the
rest must read as undecidable, never as a pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from netguard.untrusted import find_unsafe

#: How much one run may ask a host to read (sca/watch.py refuses more, naming the rule files):
#: with the script's caps (collect/watch.py) they keep a host's whole output bounded.
MAX_FILES = 256
MAX_DIRECTORIES = 128
MAX_COMMANDS = 512  # CIS Debian 12 alone names 121 different commands
MAX_TEXT = 4096  # one path or command, in UTF-8 bytes (PATH_MAX)
MAX_LIST_BYTES = 128 * 1024  # all paths and commands together, in UTF-8 bytes
#: characters a watched path may not hold (quotes, expansions, escapes): a path is sent as
#: data and the script only ever quotes it, but a name with these is refused all the same
SHELL_TEXT = frozenset("'\"`$\\")


class Seen(StrEnum):
    """What was at a path."""

    FILE = "file"  # a regular file (or a symlink to one), content read
    DIRECTORY = "directory"
    OTHER = "other"  # a device, socket, fifo…: it exists, no content is read
    MISSING = "missing"  # nothing there (or a dangling symlink)
    UNREADABLE = "unreadable"  # exists, but the audit account could not read it


@dataclass(frozen=True)
class SeenFile:
    path: str  # absolute, as asked for (or as found under a watched directory)
    kind: Seen
    lines: tuple[str, ...] = ()  # FILE only: its lines without their line ends
    truncated: bool = False  # the per-file cap was hit: ``lines`` is the start only


@dataclass(frozen=True)
class SeenDirectory:
    path: str
    kind: Seen  # DIRECTORY when it is one; otherwise what is there instead
    #: every entry found under it (recursively, to the script's depth limit), by absolute path;
    #: regular files with their content
    entries: tuple[SeenFile, ...] = ()
    truncated: bool = False  # the entry or byte cap was hit: entries are incomplete


@dataclass(frozen=True)
class SeenCommand:
    command: str  # the text exactly as the policy file gives it (after variable substitution)
    ran: bool  # False: not run (commands not allowed, or no shell to run it)
    exit_status: int | None = None
    lines: tuple[str, ...] = ()  # stdout and stderr, interleaved as the shell wrote them
    timed_out: bool = False
    truncated: bool = False
    #: why it did not run (``ran`` False): "not_allowed" (the list said commands may not run),
    #: "budget" (the script's output budget was spent: read as cut short, never as empty),
    #: "time" (the commands' 30 s were spent: likewise cut short),
    #: "no_timeout" (the host has no ``timeout`` to bound it)
    not_run: str = ""


@dataclass(frozen=True)
class Watched:
    """The ``watched`` fact group. A path or command the rules need that is absent from these
    mappings was not asked for (a netguard bug, or a bundle recorded with other rule files):
    the evaluator treats it as undecidable. A command of a rule file not allowed to run
    commands is here, never run: ``SeenCommand(ran=False, not_run="not_allowed")``."""

    files: Mapping[str, SeenFile] = field(default_factory=dict)
    directories: Mapping[str, SeenDirectory] = field(default_factory=dict)
    #: the command line of every process (``/proc/PID/cmdline``, NULs as spaces; the kernel's
    #: name in brackets when it has none); None when the process list was not asked for
    processes: tuple[str, ...] | None = None
    commands: Mapping[str, SeenCommand] = field(default_factory=dict)
    #: whether the operator allowed this run to execute the rule files' commands
    commands_allowed: bool = False
    #: the process list hit its cap: a process not in it may still be running
    processes_truncated: bool = False


@dataclass(frozen=True)
class WatchList:
    """What the fixed script is asked to read for the loaded rule files (derived by
    netguard/sca/watch.py; handed to the script as validated data, never as shell text)."""

    files: tuple[str, ...] = ()  # absolute paths: what is there, and a file's content
    directories: tuple[str, ...] = ()  # absolute paths: entries below, regular files' content
    processes: bool = False  # whether the process list is needed
    #: commands to run (c: rules) — only of the rule files the operator allowed to run them
    commands: tuple[str, ...] = ()
    #: whether commands were allowed at all (so "not run" can say why)
    commands_allowed: bool = False
    #: the commands of the rule files not allowed to run them: sent as text only, never run,
    #: so that the output says of each that it was not allowed (a replay needs nothing else)
    commands_not_allowed: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Refuse (ValueError) what must never be sent, however the list was made: every path
        absolute, no path or command with a control, line-breaking or bidi character (nor one
        that is not valid Unicode), none over MAX_TEXT, no duplicates, the counts and the total
        within the limits above. The script quotes every value; this is the second wall."""
        for path in (*self.files, *self.directories):
            if why := watch_text_problem(path, path=True):
                raise ValueError(f"watch path {path!r}: {why}")
        for command in (*self.commands, *self.commands_not_allowed):
            if why := watch_text_problem(command, path=False):
                raise ValueError(f"watch command {command!r}: {why}")
        if self.commands and not self.commands_allowed:
            raise ValueError("commands in a watch list whose commands are not allowed")
        for what, items, limit in (
            ("files", self.files, MAX_FILES),
            ("directories", self.directories, MAX_DIRECTORIES),
            ("commands", self.commands, MAX_COMMANDS),
            ("commands not allowed", self.commands_not_allowed, MAX_COMMANDS),
        ):
            if len(set(items)) != len(items):
                raise ValueError(f"the watch list names some of its {what} twice")
            if len(items) > limit:
                raise ValueError(f"the watch list names {len(items)} {what} (at most {limit})")
        if set(self.commands) & set(self.commands_not_allowed):
            raise ValueError("a command both allowed and not allowed")
        texts = (*self.files, *self.directories, *self.commands, *self.commands_not_allowed)
        total = sum(len(t.encode()) for t in texts)
        if total > MAX_LIST_BYTES:
            raise ValueError(f"the watch list is {total} bytes long (at most {MAX_LIST_BYTES})")

    def __bool__(self) -> bool:
        return bool(
            self.files
            or self.directories
            or self.processes
            or self.commands
            or self.commands_not_allowed
        )


def watch_text_problem(text: str, *, path: bool) -> str | None:
    """Why a path (``path=True``) or a command may not be sent to a host, or None."""
    if not isinstance(text, str) or not text:
        return "empty"
    if path and not text.startswith("/"):
        return "not an absolute path"
    if path and (shell := next((c for c in text if c in SHELL_TEXT), None)):
        # never needed in a configuration file's name; a command is shell text by nature
        return f"holds the character {shell!r}, which is shell text, not a file name"
    if (bad := find_unsafe(text)) is not None:
        return f"holds the character {bad.group().encode('unicode_escape').decode()!r}"
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        return "is not valid Unicode text"
    if size > MAX_TEXT:
        return f"is {size} bytes long (at most {MAX_TEXT})"
    return None

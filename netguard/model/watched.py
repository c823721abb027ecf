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


@dataclass(frozen=True)
class Watched:
    """The ``watched`` fact group. A path or command the rules need that is absent from these
    mappings was not asked for (a netguard bug, or a bundle recorded with other rule files):
    the evaluator treats it as undecidable."""

    files: Mapping[str, SeenFile] = field(default_factory=dict)
    directories: Mapping[str, SeenDirectory] = field(default_factory=dict)
    #: the command line of every process (``/proc/PID/cmdline``, NULs as spaces; the kernel's
    #: name in brackets when it has none); None when the process list was not asked for
    processes: tuple[str, ...] | None = None
    commands: Mapping[str, SeenCommand] = field(default_factory=dict)
    #: whether the operator allowed this run to execute the rule files' commands
    commands_allowed: bool = False


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

    def __bool__(self) -> bool:
        return bool(self.files or self.directories or self.processes or self.commands)

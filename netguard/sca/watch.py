"""The watch list: what the fixed script must read for the loaded rule files.

Derived once per run from the rules themselves (a file's requirements, then its checks, in file
order; the first time a path or command is named decides its place): ``f:`` rules name files,
``d:`` rules directories, any ``p:`` rule asks for the process list, and ``c:`` rules name
commands — to run only those of the rule files the operator allowed to run commands
(``--allow-policy-commands``); the other files' commands are named as not allowed (the script
reports them not run, so the output says so by itself, and never runs them). ``r:``
(registry) rules read nothing on Linux.

Everything is checked here, naming the rule file, line and rule, before any host is contacted:
a path must be absolute, no path or command may hold a control, line-breaking or bidi character,
and the list stays within the limits of model/watched.py. ``WatchList`` checks the same again
when it is made, so no list that fails them can exist to be sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from netguard.errors import InputError
from netguard.model.watched import (
    MAX_COMMANDS,
    MAX_DIRECTORIES,
    MAX_FILES,
    MAX_LIST_BYTES,
    WatchList,
    watch_text_problem,
)
from netguard.sca.model import Rule, RuleFile, RuleKind


def watch_list(rule_files: Iterable[RuleFile], commands_allowed_for: frozenset[str]) -> WatchList:
    """The files, directories, process list and commands the rule files' rules look at;
    commands only of the files whose path is in ``commands_allowed_for``. InputError (file,
    line, rule) for a target that may not be sent, or a list over the limits; an allowed path
    that is none of the rule files' is an InputError too."""
    files: dict[str, None] = {}  # dicts: ordered, deduplicated
    directories: dict[str, None] = {}
    commands: dict[str, None] = {}
    not_allowed: dict[str, None] = {}  # commands of files not allowed to run them: named only
    processes = False
    loaded = list(rule_files)
    unknown = sorted(commands_allowed_for - {rf.path for rf in loaded})
    if unknown:
        raise InputError(
            "commands are allowed for a file that is not one of the audit's rule files",
            file=unknown[0],
            field="--allow-policy-commands",
        )
    allowed = False
    for rf in loaded:
        runs = rf.path in commands_allowed_for
        allowed = allowed or runs
        for where, rule in _rules(rf):
            if rule.kind is RuleKind.PROCESS:
                processes = True
                continue
            into = {
                RuleKind.FILE: files,
                RuleKind.DIRECTORY: directories,
                RuleKind.COMMAND: commands if runs else not_allowed,
            }.get(rule.kind)
            if into is None:
                continue  # registry rules
            for target in rule.targets:
                why = watch_text_problem(target, path=rule.kind is not RuleKind.COMMAND)
                if why is not None:
                    raise InputError(
                        f"{_what(rule.kind)} {target!r} {why}: it is never sent to a host",
                        file=rf.path,
                        line=rule.line,
                        field=f"{where}: {rule.text}",
                    )
                into[target] = None
    for command in commands:
        not_allowed.pop(command, None)  # it runs for a file allowed it: once, for every rule
    _bounded(loaded, files, directories, commands, not_allowed)
    return WatchList(
        tuple(files), tuple(directories), processes, tuple(commands), allowed, tuple(not_allowed)
    )


def _rules(rf: RuleFile) -> Iterator[tuple[str, Rule]]:
    """Every rule of the file with where it is, requirements first."""
    if rf.requirements is not None:
        for rule in rf.requirements.rules:
            yield "requirements", rule
    for check in rf.checks:
        for rule in check.rules:
            yield f"check {check.source_id}", rule


def _what(kind: RuleKind) -> str:
    return "command" if kind is RuleKind.COMMAND else "path"


def _bounded(
    loaded: list[RuleFile],
    files: dict[str, None],
    directories: dict[str, None],
    commands: dict[str, None],
    not_allowed: dict[str, None],
) -> None:
    """InputError when the list is over a limit, naming the rule files that made it."""
    names = ", ".join(rf.path for rf in loaded)
    for what, items, limit in (
        ("files", files, MAX_FILES),
        ("directories", directories, MAX_DIRECTORIES),
        ("commands", commands, MAX_COMMANDS),
        ("commands (not allowed to run)", not_allowed, MAX_COMMANDS),
    ):
        if len(items) > limit:
            raise InputError(
                f"the rule files name {len(items)} different {what} to read on each host "
                f"(at most {limit}): {names}",
                file=loaded[0].path if len(loaded) == 1 else None,
            )
    total = sum(len(t.encode()) for t in (*files, *directories, *commands, *not_allowed))
    if total > MAX_LIST_BYTES:
        raise InputError(
            f"the rule files' paths and commands are {total} bytes together "
            f"(at most {MAX_LIST_BYTES}): {names}",
            file=loaded[0].path if len(loaded) == 1 else None,
        )

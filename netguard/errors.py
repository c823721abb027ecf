"""Errors and exit codes.

Every failure the user can cause is a NetguardError; ``cli.main`` is the only place that turns
one into an exit code, so library code never calls ``sys.exit``.
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path


class ExitStatus(IntEnum):
    """Documented process exit codes (README, "Exit codes")."""

    OK = 0  # every host audited, every applicable check passed
    FINDINGS = 1  # at least one failing finding
    BAD_INPUT = 2  # inventory, policy or command line could not be used; nothing was written
    UNKNOWN = 3  # no failures, but some hosts or checks could not be decided
    CANNOT_RENDER = 4  # a report or checklist could not be produced (e.g. no PDF renderer)
    INTERRUPTED = 130


class NetguardError(Exception):
    """Base class: a problem we can explain to the user in one message."""

    exit_status = ExitStatus.BAD_INPUT
    #: the message as an id (``terminal.errors.<reason>`` in the catalogs) and its arguments,
    #: so the command line can say it in the user's language; "" for a message in English only
    reason: str = ""
    message_args: dict[str, object] = {}  # noqa: RUF012  (never mutated: set per instance)


class InputError(NetguardError):
    """Bad input (inventory, policy, options), located as precisely as we can."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
        reason: str = "",
        args: dict[str, object] | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.field = field
        self.reason = reason
        self.message_args = dict(args or {})
        super().__init__(self.__str__())

    @property
    def location(self) -> list[str]:
        """Where the problem is, outermost first: ``file[:line]``, then the field."""
        where = []
        if self.file:
            where.append(self.file if self.line is None else f"{self.file}:{self.line}")
        if self.field:
            where.append(self.field)
        return where

    def __str__(self) -> str:
        return "".join(f"{w}: " for w in self.location) + self.message


class CollectionError(Exception):
    """Collection output we could not use. Never shown as compliant: checks become ERROR."""


class RenderError(NetguardError):
    """A document could not be produced; earlier outputs are left as they were."""

    exit_status = ExitStatus.CANNOT_RENDER

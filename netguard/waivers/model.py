"""Waivers (豁免 / 例外审批): approved, dated exceptions to a check on some hosts.

A waiver answers "who approved this exception, and until when?". It never hides a finding: a
failing finding it covers becomes WAIVED and keeps its message, evidence and severity.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any


class WaiverState(StrEnum):
    """Where a waiver stands on a given day. Both ends are inclusive: a waiver approved on
    2026-03-01 and expiring 2026-05-31 applies on both of those days, and no longer on 06-01."""

    ACTIVE = "active"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"


@dataclass(frozen=True)
class Waiver:
    host: str  # host name or fnmatch pattern (case-sensitive, like inventory names)
    check: str  # check id or fnmatch pattern
    reason: str
    approver: str
    approved: date
    expires: date
    ticket: str = ""
    id: str = ""
    file: str = ""  # where it is written, for every message and report that names it
    line: int = 0
    # Compiled once: a city-wide run matches every failing finding against every waiver.
    _host_re: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _check_re: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_host_re", re.compile(fnmatch.translate(self.host)))
        object.__setattr__(self, "_check_re", re.compile(fnmatch.translate(self.check)))

    @property
    def source(self) -> str:
        return f"{self.file}:{self.line}"

    def matches(self, host: str, check: str) -> bool:
        return bool(self._host_re.match(host)) and bool(self._check_re.match(check))

    def covers_check(self, check: str) -> bool:
        return bool(self._check_re.match(check))

    def state(self, today: date) -> WaiverState:
        if today < self.approved:
            return WaiverState.NOT_YET_VALID
        if today > self.expires:
            return WaiverState.EXPIRED
        return WaiverState.ACTIVE

    def to_dict(self) -> dict[str, Any]:
        """The waiver as the results document carries it (docs/results-schema.md)."""
        return {
            "id": self.id,
            "host": self.host,
            "check": self.check,
            "reason": self.reason,
            "approver": self.approver,
            "approved": self.approved.isoformat(),
            "expires": self.expires.isoformat(),
            "ticket": self.ticket,
            "file": self.file,
            "line": self.line,
        }


@dataclass(frozen=True)
class Waivers:
    """A waivers file as loaded: its path and SHA-256 (the results document names both, so a
    report shows which exceptions were in force) and its entries in file order."""

    path: str
    sha256: str
    entries: tuple[Waiver, ...] = ()
    source: bytes = field(default=b"", repr=False, compare=False)  # the bytes as loaded

    def __len__(self) -> int:
        return len(self.entries)

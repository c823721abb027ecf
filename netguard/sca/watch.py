"""The watch list: what the fixed script must read for the loaded rule files.

(Skeleton: lands with issue 16's collection part.)"""

from __future__ import annotations

from collections.abc import Iterable

from netguard.model.watched import WatchList
from netguard.sca.model import RuleFile


def watch_list(rule_files: Iterable[RuleFile], commands_allowed_for: frozenset[str]) -> WatchList:
    """The files, directories, process list and commands the rule files' rules look at;
    commands only of the files whose path is in ``commands_allowed_for``."""
    raise NotImplementedError

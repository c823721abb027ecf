"""Rule text → Rule: Wazuh's rule language (``[not ]TYPE:TARGET[ -> CONTENT[ && CONTENT]…]``).

(Skeleton: the parser lands with issue 16's rule-language part.)"""

from __future__ import annotations

from netguard.sca.model import Rule


class RuleError(ValueError):
    """A rule that cannot be parsed or is not allowed: ``column`` (1-based) points into the
    rule text, so the loader can name file, line and column."""

    def __init__(self, message: str, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


def parse_rule(text: str, *, line: int | None = None) -> Rule:
    """Parse one rule (variables already substituted). Raises RuleError."""
    raise NotImplementedError


def path_problem(path: str) -> str:
    """Why ``path`` may not be read by the script ("" when it may): absolute, no control
    characters, no shell text."""
    raise NotImplementedError

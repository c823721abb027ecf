"""Make hostile text safe for a terminal."""

from __future__ import annotations

import re

# C0/C1 controls (ESC starts terminal escape sequences), except tab; newlines become spaces.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def clean(text: str, limit: int = 300) -> str:
    """One printable line: control characters replaced, length capped."""
    text = _CONTROL.sub("�", text.replace("\n", " "))
    return text if len(text) <= limit else text[: limit - 1] + "…"

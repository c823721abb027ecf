"""Make hostile text safe for a terminal."""

from __future__ import annotations

from netguard.untrusted import replace_unsafe


def clean(text: str, limit: int = 300) -> str:
    """One printable line, length capped: newlines become spaces; controls (ESC starts terminal
    escape sequences), line separators and bidi overrides become U+FFFD; tabs stay."""
    text = replace_unsafe(text.replace("\n", " "), "\ufffd", keep="\t")
    return text if len(text) <= limit else text[: limit - 1] + "…"

"""Markdown made safe for host text: one escaper for reports and checklists alike.

Host names, accounts and evidence come from audited machines: in a paragraph or table cell
they must not become headings, emphasis, links, HTML or table structure, and in a code block
they must not close the fence.
"""

from __future__ import annotations

import re

from netguard.render.text import clean
from netguard.untrusted import replace_unsafe

_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# Markdown (CommonMark/GFM) punctuation that could start code, emphasis, links and images,
# headings, table cells, strikethrough or math anywhere in a line. Parentheses and list markers
# stay: they act only after `]` or at the start of a line, and host text never starts a line.
_PUNCT = re.compile(r"([\\`*_\[\]|~#!$])")
_BACKTICKS = re.compile(r"`+")


def md_escape(text: object, limit: int = 200) -> str:
    """One inert line of Markdown: controls and newlines gone, length capped (before escaping,
    so an entity is never cut in half), HTML characters as entities, punctuation
    backslash-escaped."""
    line = clean(str(text).replace("\r\n", " ").replace("\r", " "), limit)
    line = "".join(_HTML.get(ch, ch) for ch in line)
    return _PUNCT.sub(r"\\\1", line)


def fenced(text: str, info: str = "") -> list[str]:
    """A fenced code block that its content cannot close (the content is shown literally)."""
    longest = max((len(m) for m in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    # Tabs and newlines are the block's own; every other unsafe character (netguard.untrusted),
    # U+2028 and bidi overrides included, becomes U+FFFD.
    body = replace_unsafe(text, "\ufffd", keep="\t\n")
    return [f"{fence}{info}", *body.splitlines(), fence]

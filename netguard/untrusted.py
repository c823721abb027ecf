"""The one definition of the characters that text from outside must not carry as they are.

Host output, inventory and policy values, hook payloads and schedule paths all come from outside
netguard. Some characters in them change what *other* text looks like, or where a line ends:

- C0 controls (U+0000-U+001F), DEL (U+007F) and C1 controls (U+0080-U+009F): ESC and CSI
  (U+009B) start terminal escape sequences, CR/LF/VT/FF/FS/GS/RS and NEL (U+0085) end lines;
- U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR: line breaks to ``str.splitlines``,
  Markdown, JavaScript and many log viewers;
- every character with the Unicode Bidi_Control property: U+061C ARABIC LETTER MARK,
  U+200E/U+200F (LRM/RLM), U+202A-U+202E (embeddings, overrides, PDF) and U+2066-U+2069
  (isolates). An override makes ``pc-1\\u202egnp.exe`` *show* as ``pc-1exe.png``: a line that
  reads differently from what it contains ("Trojan Source", CVE-2021-42574).

That is the whole set, and every place uses all of it. Places differ only in which ordinary
white space they keep (tab; newline in a Markdown code block) and in what they do with the rest
(replace with U+FFFD or ``?``, or refuse the value): ``find_unsafe`` and ``replace_unsafe`` take
``keep=`` for the first and leave the second to the caller.

Deliberately not in the set: characters that are invisible but do not change how anything else
is shown -- U+FEFF (byte-order mark / zero-width no-break space), U+200B-U+200D (zero-width
space, non-joiner, joiner), U+2060-U+2064, variation selectors, tag characters. ZWJ/ZWNJ and
variation selectors are needed by ordinary text (emoji, Persian, Indic scripts); U+FEFF is what
Windows tools put at the start of their output, and turning it into a visible U+FFFD at the start
of every such line would add noise without removing a danger (the files netguard reads itself
are decoded with ``utf-8-sig``). An invisible character can make two names look alike, but so can
a Cyrillic look-alike letter; neither can forge a line or reorder one.

This module sits at the bottom: it imports nothing from netguard.
"""

from __future__ import annotations

import re

__all__ = [
    "KEEPABLE",
    "UNSAFE",
    "UNSAFE_RANGES",
    "find_unsafe",
    "replace_unsafe",
    "unsafe_pattern",
]

# Inclusive code point ranges; see the module docstring for why each is here.
UNSAFE_RANGES: tuple[tuple[int, int], ...] = (
    (0x0000, 0x001F),  # C0 controls, tab and newline included
    (0x007F, 0x009F),  # DEL and C1 controls (NEL, CSI, ...)
    (0x061C, 0x061C),  # ARABIC LETTER MARK
    (0x200E, 0x200F),  # LEFT-TO-RIGHT MARK, RIGHT-TO-LEFT MARK
    (0x2028, 0x2029),  # LINE SEPARATOR, PARAGRAPH SEPARATOR
    (0x202A, 0x202E),  # LRE, RLE, PDF, LRO, RLO
    (0x2066, 0x2069),  # LRI, RLI, FSI, PDI
)

# The only characters of the set a context may keep: ordinary white space.
KEEPABLE = "\t\n"


def _char_class(ranges: tuple[tuple[int, int], ...], keep: frozenset[int]) -> str:
    parts = []
    for lo, hi in ranges:
        start = None
        for cp in range(lo, hi + 2):
            inside = cp <= hi and cp not in keep
            if inside and start is None:
                start = cp
            elif not inside and start is not None:
                end = cp - 1
                parts.append(f"\\u{start:04x}" + (f"-\\u{end:04x}" if end != start else ""))
                start = None
    return "[" + "".join(parts) + "]"


def _compile(keep: str) -> re.Pattern[str]:
    return re.compile(_char_class(UNSAFE_RANGES, frozenset(map(ord, keep))))


# One compiled pattern per subset of KEEPABLE, keyed by the sorted kept characters.
_PATTERNS: dict[str, re.Pattern[str]] = {keep: _compile(keep) for keep in ("", "\t", "\n", "\t\n")}

UNSAFE: re.Pattern[str] = _PATTERNS[""]
"""Matches any one character of the set, tab and newline included."""


def unsafe_pattern(keep: str = "") -> re.Pattern[str]:
    """The pattern matching one unsafe character, except those in ``keep`` (tab and/or newline;
    anything else is a ``ValueError``: no context may keep an escape or a bidi override)."""
    key = "".join(sorted(set(keep)))
    try:
        return _PATTERNS[key]
    except KeyError:
        extra = "".join(sorted(set(keep) - set(KEEPABLE)))
        raise ValueError(
            f"only tab and newline may be kept, not {extra.encode('unicode_escape').decode()!r}"
        ) from None


def find_unsafe(text: str, keep: str = "") -> re.Match[str] | None:
    """The first unsafe character of ``text`` not in ``keep`` (a match: ``.start()`` and
    ``.group()``), or None when there is none. For places that refuse such text."""
    return unsafe_pattern(keep).search(text)


def replace_unsafe(text: str, replacement: str, keep: str = "") -> str:
    """``text`` with every unsafe character not in ``keep`` replaced by ``replacement``."""
    if unsafe_pattern().search(replacement):
        raise ValueError("the replacement must not itself be unsafe")
    return unsafe_pattern(keep).sub(lambda _: replacement, text)

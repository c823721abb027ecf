"""Host text on its way out: JSON that no viewer reads as two lines, XML that parses.

Exports keep what a host said as data (a SIEM must see the evidence as it was), but the text of
the file must not let it change how anything else reads: the characters of ``netguard.untrusted``
that JSON does not escape by itself (DEL, C1 controls, U+2028/U+2029, bidi controls) are written
as ``\\uXXXX`` escapes — the same value once parsed — and XML, which cannot carry most controls
at all, gets U+FFFD in their place.
"""

from __future__ import annotations

import json
import re
from typing import Any

from netguard.untrusted import UNSAFE_RANGES, replace_unsafe

#: lone surrogates (a JSON document may spell them, UTF-8 cannot carry them) and the two
#: noncharacters XML 1.0 forbids besides the controls
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
#: the unsafe characters json.dumps leaves as they are (it escapes C0 controls inside strings;
#: outside them an indented document has only its own newlines and spaces)
_ESCAPE = re.compile(
    "[" + "".join(f"\\u{lo:04x}-\\u{hi:04x}" for lo, hi in UNSAFE_RANGES if lo > 0x1F) + "]"
)


def json_text(value: Any, *, indent: int | None = None) -> str:
    """``value`` as JSON (UTF-8 text, Chinese as it is) in which every unsafe character is an
    escape; one line when ``indent`` is None."""
    text = json.dumps(value, ensure_ascii=False, indent=indent, default=str)
    text = _SURROGATE.sub("\ufffd", text)
    # outside strings JSON has only ASCII, and json.dumps already escaped C0 inside them
    return _ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def xml_text(text: str, limit: int = 0) -> str:
    """Text XML 1.0 can carry: tab and newline stay, every other unsafe character, lone
    surrogate and U+FFFE/U+FFFF becomes U+FFFD; capped at ``limit`` characters when given."""
    text = _NOT_XML.sub("\ufffd", replace_unsafe(text.replace("\r\n", "\n"), "\ufffd", "\t\n"))
    return text if not limit or len(text) <= limit else text[: limit - 1] + "…"

"""What "Chinese, with no English" means for terminal output and zh catalogs (docs/glossary.md):
Latin text may only be names (netguard, SSH, TCP, ...), identifiers (check ids, paths,
addresses, options, host and segment names) or raw text labelled as such."""

from __future__ import annotations

import re
from collections.abc import Iterable

CJK = re.compile(r"[\u4e00-\u9fff]")
#: a run of Latin text and the characters identifiers are made of
_CHARS = r"A-Za-z0-9_.:/\-\[\]@=,"
_TOKEN = re.compile(rf"[{_CHARS}]*[A-Za-z][{_CHARS}]*")
#: what makes a token an identifier rather than a word: ids, paths, options, addresses, numbers
_IDENTIFIER = re.compile(r"[._/\-:\[\]@=0-9]")
#: names that are words (products, protocols) and stay as they are in Chinese text
NAMES = frozenset(
    {"netguard", "ansible", "windows", "linux", "ssh", "yescrypt", "scrypt", "bcrypt"}
)


def english_words(text: str, identifiers: Iterable[str] = ()) -> list[str]:
    """The English words of ``text``: Latin words that are not identifiers, not ALL-CAPS names
    (SSH, TCP, USB, a metavar like KEY) and not among ``identifiers`` (host names, segments)."""
    known = {i.lower() for i in identifiers} | NAMES
    words = []
    for token in _TOKEN.findall(text):
        token = token.strip(",")
        if _IDENTIFIER.search(token) or token.isupper() or token.lower() in known:
            continue
        if len(token) == 1 or (token[0].isupper() and token[1:].isupper()):
            continue
        words.append(token)
    return words


def assert_chinese(text: str, identifiers: Iterable[str] = ()) -> None:
    """Text meant for a Chinese reader: it has Chinese in it, and no English word."""
    assert CJK.search(text), f"no Chinese in {text!r}"
    words = english_words(text, identifiers)
    assert words == [], f"English words {words} in:\n{text}"

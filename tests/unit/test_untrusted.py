"""One set of characters unsafe in text from outside, used by every cleaner and every check."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import netguard
from netguard.untrusted import (
    KEEPABLE,
    UNSAFE,
    UNSAFE_RANGES,
    find_unsafe,
    replace_unsafe,
    unsafe_pattern,
)

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "pc-1\u202egnp.exe" shows as "pc-1exe.png"
LSEP = "\u2028"  # LINE SEPARATOR
# One of each kind; the first two are the ones every context is checked against by name.
HOSTILE = [RLO, LSEP, "\u2029", "\u061c", "\u200e", "\u200f", "\u2066", "\u2069", "\x1b", "\x85"]


def _in_set(cp: int) -> bool:
    return any(lo <= cp <= hi for lo, hi in UNSAFE_RANGES)


# --- the module ---------------------------------------------------------------------------------


def test_the_set_is_controls_separators_and_bidi_controls() -> None:
    expected = (
        set(range(0x00, 0x20))
        | set(range(0x7F, 0xA0))
        | {0x061C, 0x200E, 0x200F, 0x2028, 0x2029}
        | set(range(0x202A, 0x202F))
        | set(range(0x2066, 0x206A))
    )
    assert {cp for cp in range(0x110000) if _in_set(cp)} == expected
    for cp in range(0x10000):  # the pattern agrees with the ranges, character by character
        assert bool(UNSAFE.fullmatch(chr(cp))) == (cp in expected), hex(cp)


@pytest.mark.parametrize(
    "ch",
    [" ", "~", "\xa0", "中", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\ufe0f", "😀"],
)
def test_inert_characters_are_not_in_the_set(ch: str) -> None:
    """Invisible characters that change nothing around them stay (see the module docstring)."""
    assert find_unsafe(ch) is None
    assert replace_unsafe(f"a{ch}b", "?") == f"a{ch}b"


def test_keep_only_ordinary_white_space() -> None:
    assert find_unsafe("a\tb\nc") is not None
    assert find_unsafe("a\tb", keep="\t") is None
    assert find_unsafe("a\nb", keep="\t") is not None
    assert find_unsafe("a\tb\nc", keep="\n\t") is None
    assert unsafe_pattern("\t\n") is unsafe_pattern("\n\t")
    assert KEEPABLE == "\t\n"
    for bad in ("\x1b", RLO, LSEP, "\r", " ", "\t\r"):
        with pytest.raises(ValueError, match="only tab and newline"):
            find_unsafe("x", keep=bad)


def test_find_unsafe_locates_the_first() -> None:
    match = find_unsafe(f"pc-1{RLO}gnp.exe{LSEP}")
    assert match is not None
    assert (match.start(), match.group()) == (4, RLO)
    assert find_unsafe("办公室 pc-1") is None


def test_replace_unsafe() -> None:
    assert replace_unsafe(f"a\x1b[2J{RLO}b\tc\nd{LSEP}", "?") == "a?[2J?b?c?d?"
    assert replace_unsafe("a\tb\nc\rd", "\ufffd", keep="\t\n") == "a\tb\nc\ufffdd"
    assert replace_unsafe("a\x00b", r"\1") == r"a\1b"  # the replacement is literal text
    with pytest.raises(ValueError, match="replacement"):
        replace_unsafe("a", "\n")


def test_the_module_imports_nothing_from_netguard() -> None:
    source = (Path(netguard.__file__).parent / "untrusted.py").read_text(encoding="utf-8")
    assert not re.search(r"^\s*(?:from|import)\s+netguard", source, re.MULTILINE)

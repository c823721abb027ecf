"""One set of characters unsafe in text from outside, used by every cleaner and every check."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import netguard
from netguard import schedule
from netguard.errors import InputError
from netguard.notify import clean_value
from netguard.render.markdown import fenced, md_escape
from netguard.render.text import clean
from netguard.schedule import build_schedule_command, cron_quote
from netguard.untrusted import (
    KEEPABLE,
    UNSAFE,
    UNSAFE_RANGES,
    find_unsafe,
    replace_unsafe,
    unsafe_pattern,
)
from netguard.yamlsrc import Node, loads

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


# --- the five contexts --------------------------------------------------------------------------


def _yaml_text(escaped: str) -> Node:
    data = loads(f'v: "a{escaped}b"\n', "t.yaml")
    return Node("t.yaml", data, data.line, "").mapping(("v",))["v"]


def _yaml_escape(ch: str) -> str:
    return f"\\u{ord(ch):04x}"


@pytest.mark.parametrize("ch", HOSTILE)
def test_yaml_values_refuse_the_whole_set(ch: str) -> None:
    node = _yaml_text(_yaml_escape(ch))
    assert node.value == f"a{ch}b"
    with pytest.raises(InputError, match="contains control characters"):
        node.text()


def test_yaml_values_keep_tab_and_refuse_newline() -> None:
    assert _yaml_text("\\t").text() == "a\tb"
    with pytest.raises(InputError, match="contains control characters"):
        _yaml_text("\\n").text()


@pytest.mark.parametrize("ch", HOSTILE)
def test_schedule_refuses_the_whole_set(tmp_path: Path, ch: str) -> None:
    with pytest.raises(InputError) as exc:
        build_schedule_command(None, cwd=tmp_path, report_dir=f"reports{ch}x")
    assert exc.value.field == "--report-dir"
    with pytest.raises(InputError) as exc:
        build_schedule_command(None, cwd=tmp_path, at=f"02:30{ch}")
    assert exc.value.field == "--at"
    with pytest.raises(ValueError, match="control characters"):
        cron_quote(f"a{ch}b")
    assert schedule._specifier_safe(f"a{ch}b%") == "a?b%%"


def test_schedule_refuses_tab_and_newline() -> None:
    for ch in "\t\n":
        with pytest.raises(ValueError):
            cron_quote(f"a{ch}b")
        assert schedule._specifier_safe(f"a{ch}b") == "a?b"


@pytest.mark.parametrize("ch", HOSTILE)
def test_terminal_clean_replaces_the_whole_set(ch: str) -> None:
    assert clean(f"pc-1{ch}gnp.exe") == "pc-1\ufffdgnp.exe"


def test_terminal_clean_keeps_tab_and_makes_newline_a_space() -> None:
    assert clean("a\tb\nc\rd") == "a\tb c\ufffdd"


@pytest.mark.parametrize("ch", HOSTILE)
def test_markdown_replaces_the_whole_set(ch: str) -> None:
    assert md_escape(f"pc-1{ch}gnp") == "pc-1\ufffdgnp"
    assert fenced(f"line one{ch}\nline two", "text") == [
        "```text",
        "line one\ufffd",
        "line two",
        "```",
    ]


def test_markdown_code_block_keeps_tab_and_newline() -> None:
    """Only tab and newline: a lone CR and U+2028 no longer start lines of their own."""
    assert fenced("a\tb\nc\rd\u2028e") == ["```", "a\tb", "c\ufffdd\ufffde", "```"]
    assert md_escape("a\tb\nc") == "a\tb c"


@pytest.mark.parametrize("ch", HOSTILE)
def test_syslog_values_replace_the_whole_set(ch: str) -> None:
    assert clean_value(f"pc-1{ch}gnp.exe") == "pc-1?gnp.exe"


def test_syslog_values_replace_tab_and_newline() -> None:
    assert clean_value("a\tb\nc") == "a?b?c"


# --- one definition ---------------------------------------------------------------------------

# What a home-made control-character class or escape looks like in source text: a range or
# escape of C0/DEL/C1, or an escape of a separator or a bidi control.
_HOMEMADE = re.compile(
    r"\\x00-|\\x0[0-8b-f]-|\\x1f|\\x7f|\\x9f|\\x85"
    r"|\\u(?:0000|001f|007f|009f|061c|200e|200f|2028|2029|202[a-e]|206[6-9])",
    re.IGNORECASE,
)


def test_no_other_module_defines_its_own_control_characters() -> None:
    package = Path(netguard.__file__).parent
    own = package / "untrusted.py"
    offenders = []
    for path in sorted(package.rglob("*.py")):
        if path == own:
            continue
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), start=1):
            if _HOMEMADE.search(line):
                offenders.append(f"{path.relative_to(package)}:{number}: {line.strip()}")
            literal = find_unsafe(line, keep="\t")
            if literal:
                offenders.append(f"{path.relative_to(package)}:{number}: U+{ord(literal[0]):04X}")
    assert not offenders, "use netguard.untrusted instead:\n" + "\n".join(offenders)


def test_the_module_imports_nothing_from_netguard() -> None:
    source = (Path(netguard.__file__).parent / "untrusted.py").read_text(encoding="utf-8")
    assert not re.search(r"^\s*(?:from|import)\s+netguard", source, re.MULTILINE)

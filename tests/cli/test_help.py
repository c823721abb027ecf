"""Every option says what it is for, and every verb's ``--help`` ends with examples and its
exit codes (issue 15, command line)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from netguard.cli.helptext import EPILOGS
from netguard.cli.main import build_parser, main


def verbs(
    parser: argparse.ArgumentParser, prefix: str = ""
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield f"{prefix}{name}", sub
                yield from verbs(sub, f"{prefix}{name} ")


ALL = dict(verbs(build_parser()))


def test_every_option_and_argument_has_help() -> None:
    missing = [
        f"netguard {verb}: {'/'.join(a.option_strings) or a.dest}"
        for verb, parser in [("", build_parser()), *ALL.items()]
        for a in parser._actions
        if not isinstance(a, argparse._SubParsersAction)
        and a.help != argparse.SUPPRESS  # old spellings (deprecated_alias): hidden on purpose
        and not (a.help or "").strip()
    ]
    assert missing == []


def test_every_verb_has_examples_and_exit_codes() -> None:
    assert set(ALL) == set(EPILOGS)
    for verb, parser in ALL.items():
        assert parser.epilog and "examples:" in parser.epilog, verb
        assert "exit codes:" in parser.epilog, verb
        examples = parser.epilog.split("exit codes:")[0].splitlines()[1:]
        runs = [e for e in examples if e.strip()]
        assert 1 <= len(runs) <= 3, verb
        assert all(f"netguard {verb.split()[0]}" in e for e in runs), verb


@pytest.mark.parametrize("verb", ["audit", "verify", "history import", "diff"])
def test_help_ends_with_the_exit_codes(verb: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*verb.split(), "--help"]) == 0
    out = capsys.readouterr().out
    tail = out[out.index("examples:") :]
    assert "exit codes:" in tail and tail.rstrip().splitlines()[-1].startswith("  ")
    # kept as written: one example a line
    assert all(line.startswith("  netguard") for line in tail.splitlines()[1:3] if line)

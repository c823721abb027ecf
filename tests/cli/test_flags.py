"""One flag, one meaning, in every verb (issue 15, command line): the renamed options, and the
old spellings kept for one release — they still work, and say so on standard error."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from netguard.cli.main import build_parser
from netguard.cli.options import DEPRECATED
from tests.cli.runner import run_cli


def parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


def noted(args: argparse.Namespace) -> list[tuple[str, str]]:
    return list(getattr(args, DEPRECATED, None) or [])


def test_verify_trusts_keys_with_trusted_key_and_still_takes_key() -> None:
    new = parse("verify", "b", "--trusted-key", "a.pub", "--trusted-key", "b.pub")
    assert new.key == ["a.pub", "b.pub"] and noted(new) == []
    old = parse("verify", "b", "--trusted-key", "a.pub", "--key", "b.pub", "--key", "c.pub")
    assert old.key == ["a.pub", "b.pub", "c.pub"]  # appended alike, warned once
    assert noted(old) == [("--key", "--trusted-key")]


@pytest.mark.parametrize("verb", [("verify", "b"), ("diff",)])
def test_format_is_table_or_json_and_text_is_the_old_word(verb: tuple[str, ...]) -> None:
    assert parse(*verb).format == "table"
    assert parse(*verb, "--format", "json").format == "json"
    old = parse(*verb, "--format", "text")
    assert old.format == "table" and noted(old) == [("--format text", "--format table")]


def test_every_terminal_format_says_table_or_json() -> None:
    for verb in (("history",), ("diff",), ("verify", "b"), ("discover", "i.yaml"),
                 ("correlate", "r.json", "a.jsonl", "--probe-key", "k"),
                 ("spot-check", "i.yaml", "--sample", "1"), ("inspect",)):  # fmt: skip
        with pytest.raises(SystemExit):
            parse(*verb, "--format", "yaml")
        assert parse(*verb, "--format", "json").format == "json", verb


def test_history_counts_runs_with_last() -> None:
    assert parse("history", "-n", "5").limit == 5
    assert (
        parse("history", "--last", "7").limit == 7 and noted(parse("history", "--last", "7")) == []
    )
    old = parse("history", "--limit", "3")
    assert old.limit == 3 and noted(old) == [("--limit", "--last")]


def test_receiver_takes_probe_key_and_output() -> None:
    new = parse("receiver", "--listen", "127.0.0.1:0", "--probe-key", "k", "-o", "a.jsonl")
    assert (new.key, new.out, noted(new)) == ("k", "a.jsonl", [])
    old = parse("receiver", "--listen", "127.0.0.1:0", "--key", "k", "--out", "a.jsonl")
    assert (old.key, old.out) == ("k", "a.jsonl")
    assert noted(old) == [("--key", "--probe-key"), ("--out", "--output")]


@pytest.mark.parametrize("verb", [("spot-check", "i.yaml", "--sample", "1"), ("inspect",)])
def test_a_folder_is_output_dir(verb: tuple[str, ...]) -> None:
    assert parse(*verb, "-o", "d").output == "d"
    assert parse(*verb, "--output-dir", "d").output == "d"
    old = parse(*verb, "--output", "d")
    assert old.output == "d" and noted(old) == [("--output", "--output-dir")]


def test_the_warning_is_printed_and_the_command_still_runs(tmp_path: Path) -> None:
    (tmp_path / "k.pub").write_text("")
    proc = run_cli("verify", str(tmp_path / "nothing"), "--key", str(tmp_path / "k.pub"),
                   "--format", "text", "--lang", "en")  # fmt: skip
    assert proc.returncode == 2  # not a bundle: the option was understood, the folder is bad
    assert (
        "netguard: warning: --key is an old spelling, removed in the next release: use "
        "--trusted-key" in proc.stderr
    )
    assert "use --format table" in proc.stderr
    zh = run_cli("verify", str(tmp_path / "nothing"), "--key", "k.pub", "--lang", "zh")
    assert "netguard：提醒：--key 是旧写法，下一版本将不再支持，请改用 --trusted-key" in zh.stderr


def test_the_receiver_needs_its_output_file() -> None:
    proc = run_cli("receiver", "--listen", "127.0.0.1:0", "--lang", "en")
    assert proc.returncode == 2
    assert "the receiver needs -o FILE" in proc.stderr

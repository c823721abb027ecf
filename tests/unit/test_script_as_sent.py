"""The collection script as it is sent: its comments stay behind, its code does not change."""

from __future__ import annotations

import shutil
import subprocess
from importlib import resources

import pytest

from netguard.collect import linux_script, without_comments

SOURCE = resources.files("netguard.collect").joinpath("scripts/linux.sh").read_text("utf-8")


def bash_reads(script: str) -> str:
    """The function the script defines, as bash prints it back: code only, comments and layout
    gone, so two scripts that print the same are the same program."""
    body = script.rstrip().rsplit("\n", 1)[0]  # the definition, without the call on the last line
    assert script.rstrip().endswith("netguard_collect </dev/null")
    done = subprocess.run(
        ["bash", "-c", body + "\ndeclare -f netguard_collect"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return done.stdout


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash to print the function")
def test_the_sent_script_is_the_same_program_as_the_source() -> None:
    sent = linux_script().decode("utf-8")
    printed = bash_reads(SOURCE)
    assert "netguard_collect ()" in printed and len(printed) > 10_000
    assert bash_reads(sent) == printed


def test_the_comments_stay_behind() -> None:
    sent = linux_script().decode("utf-8")
    assert len(sent) < len(SOURCE) * 0.75  # the comments are a third of the file
    assert not any(line.lstrip().startswith("# ") for line in sent.splitlines()[:20])


def test_a_hash_line_inside_quotes_is_data_and_stays() -> None:
    script = (
        "f() {\n  awk '\n# an awk comment\n{ print }'\n"
        '  # a shell comment\n  echo "\n# text\n"\n}\n'
    )
    assert without_comments(script) == (
        "f() {\n  awk '\n# an awk comment\n{ print }'\n  echo \"\n# text\n\"\n}\n"
    )


def test_an_apostrophe_in_a_comment_opens_no_quote() -> None:
    script = "f() {\n  x=1 # the kernel's file\n  # don't\n  y=2\n}\n"
    assert without_comments(script) == "f() {\n  x=1 # the kernel's file\n  y=2\n}\n"


def test_escaped_quotes_and_parameter_hashes_are_not_comments() -> None:
    script = 'f() {\n  n=${d##*/} c=$# q=\\\' r="a\\"b"\n  # gone\n}\n'
    assert without_comments(script) == 'f() {\n  n=${d##*/} c=$# q=\\\' r="a\\"b"\n}\n'

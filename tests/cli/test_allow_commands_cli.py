"""``--allow-policy-commands FILE``: only for a rule file the audit was given; anything else is
bad input, said before any host is contacted or anything written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.runner import run_cli


@pytest.mark.parametrize("verb", [["audit"], ["inspect", "--unsigned"]])
def test_an_allow_for_a_file_that_is_no_rule_file_of_the_audit_is_bad_input(
    tmp_path: Path, verb: list[str]
) -> None:
    out = tmp_path / "out"
    proc = run_cli(*verb, "--allow-policy-commands", "nothing.yml", "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "--allow-policy-commands nothing.yml" in proc.stderr
    assert "not one of the rule files" in proc.stderr
    assert not out.exists()


def test_the_option_is_in_the_help_of_every_verb_that_runs_an_audit() -> None:
    for verb in ("audit", "spot-check", "inspect"):
        assert "--allow-policy-commands" in run_cli(verb, "--help").stdout


def test_a_replay_refuses_the_allow_it_could_not_honour(tmp_path: Path) -> None:
    proc = run_cli(
        "audit", "--replay", "evidence", "--allow-policy-commands", "rules.yml", cwd=tmp_path
    )
    assert proc.returncode == 2, proc.stderr
    assert "a replay runs no command" in proc.stderr

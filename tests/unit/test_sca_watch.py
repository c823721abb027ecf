"""The watch list: derived from rule files (sca/watch.py), checked (model/watched.py) and encoded
as the one line before the fixed script (collect/watch.py); what may not be sent is refused
before anything is."""

from __future__ import annotations

import base64
import re
from ipaddress import ip_address

import pytest

from netguard.collect import REMOTE_COMMAND, linux_script
from netguard.collect.framing import preamble as boundary_preamble
from netguard.collect.ssh import remote_exec
from netguard.collect.watch import preamble
from netguard.errors import InputError
from netguard.model import Host, Severity
from netguard.model.watched import MAX_DIRECTORIES, MAX_FILES, WatchList
from netguard.sca.model import (
    Condition,
    PolicyCheck,
    Requirements,
    Rule,
    RuleFile,
    RuleKind,
)
from netguard.sca.watch import watch_list

BOUNDARY = "0123456789abcdef" * 2  # what a transport would choose afresh


def rule(kind: RuleKind, *targets: str, line: int = 7) -> Rule:
    return Rule(f"{kind}:{','.join(targets)}", kind, targets, line=line)


def check(cid: str, *rules: Rule) -> PolicyCheck:
    return PolicyCheck(
        id=f"f.{cid}",
        source_id=cid,
        title={"en": cid},
        condition=Condition.ALL,
        rules=rules,
        category="sca",
        severity=Severity.MEDIUM,
    )


def rule_file(path: str, *checks: PolicyCheck, requirements: tuple[Rule, ...] = ()) -> RuleFile:
    req = Requirements("needs", Condition.ALL, requirements) if requirements else None
    return RuleFile("wazuh-sca", path.rsplit("/", 1)[-1], path, path, "0" * 64, checks, req)


SSHD = rule_file(
    "/policies/sshd.yml",
    check("1", rule(RuleKind.FILE, "/etc/ssh/sshd_config"), rule(RuleKind.PROCESS, "sshd")),
    check(
        "2",
        rule(RuleKind.DIRECTORY, "/etc/ssh/sshd_config.d"),
        rule(RuleKind.COMMAND, "sshd -T"),
        rule(RuleKind.FILE, "/etc/ssh/sshd_config"),  # named twice: read once
    ),
    requirements=(rule(RuleKind.FILE, "/etc/os-release"),),
)
SYSCTL = rule_file(
    "/policies/sysctl.yml",
    check(
        "9",
        rule(RuleKind.COMMAND, "sysctl net.ipv4.ip_forward"),
        rule(RuleKind.FILE, "/etc/sysctl.conf", "/etc/ssh/sshd_config"),
        rule(RuleKind.REGISTRY, r"HKLM\SOFTWARE\x"),  # read nothing on Linux
    ),
)


def test_requirements_then_checks_deduplicated_in_order() -> None:
    w = watch_list([SSHD, SYSCTL], frozenset())
    assert w.files == ("/etc/os-release", "/etc/ssh/sshd_config", "/etc/sysctl.conf")
    assert w.directories == ("/etc/ssh/sshd_config.d",)
    assert w.processes is True
    assert w.commands == () and w.commands_allowed is False
    # named, to be reported as not allowed, never run
    assert w.commands_not_allowed == ("sshd -T", "sysctl net.ipv4.ip_forward")


def test_commands_only_of_the_files_allowed_to_run_them() -> None:
    w = watch_list([SSHD, SYSCTL], frozenset({"/policies/sysctl.yml"}))
    assert w.commands == ("sysctl net.ipv4.ip_forward",)  # never sshd.yml's "sshd -T"
    assert w.commands_not_allowed == ("sshd -T",)
    assert w.commands_allowed is True
    both = watch_list([SSHD, SYSCTL], frozenset({SSHD.path, SYSCTL.path}))
    assert both.commands == ("sshd -T", "sysctl net.ipv4.ip_forward")
    assert both.commands_not_allowed == ()
    # the same text in an allowed file and in another: it runs, once
    twin = rule_file("/policies/twin.yml", check("4", rule(RuleKind.COMMAND, "sshd -T")))
    w = watch_list([SSHD, twin], frozenset({SSHD.path}))
    assert w.commands == ("sshd -T",) and w.commands_not_allowed == ()


def test_no_rule_files_no_list() -> None:
    assert not watch_list([], frozenset())
    assert preamble(watch_list([], frozenset())) == b""


def test_an_allow_for_a_file_not_loaded_is_refused() -> None:
    with pytest.raises(InputError, match="not one of the audit's rule files") as exc:
        watch_list([SSHD], frozenset({"/policies/other.yml"}))
    assert exc.value.file == "/policies/other.yml"


@pytest.mark.parametrize(
    "path",
    [
        "etc/passwd",  # relative
        "/etc/x'; reboot; '",
        '/etc/"x"',
        "/etc/$(reboot)",
        "/etc/`reboot`",
        "/etc/a\\nb",
        "/etc/pass\nwd",
        "/etc/x\r",
        "/etc/\x1b[2Jx",
        "/etc/\u202eevil",
        "",
    ],
)
def test_a_path_that_is_shell_text_or_breaks_a_line_is_refused_naming_file_and_line(
    path: str,
) -> None:
    bad = rule_file("/policies/bad.yml", check("5", rule(RuleKind.FILE, path, line=42)))
    with pytest.raises(InputError) as exc:
        watch_list([bad], frozenset())
    assert exc.value.file == "/policies/bad.yml" and exc.value.line == 42
    assert "check 5" in (exc.value.field or "")
    with pytest.raises(ValueError):
        WatchList(files=(path,))  # the second wall: no such list can be made, nor sent
    with pytest.raises(ValueError):
        WatchList(directories=(path,))


@pytest.mark.parametrize("command", ["echo a\nreboot", "echo\x00", "id\u2028"])
@pytest.mark.parametrize("allowed", [True, False])
def test_a_command_that_breaks_a_line_is_refused(command: str, allowed: bool) -> None:
    bad = rule_file("/policies/bad.yml", check("6", rule(RuleKind.COMMAND, command, line=3)))
    with pytest.raises(InputError) as exc:
        # also when it is only named (not allowed to run): its text is sent all the same
        watch_list([bad], frozenset({bad.path} if allowed else ()))
    assert exc.value.line == 3
    with pytest.raises(ValueError):
        WatchList(commands_not_allowed=(command,))


def test_commands_cannot_be_in_a_list_that_does_not_allow_them() -> None:
    with pytest.raises(ValueError, match="not allowed"):
        WatchList(commands=("id",), commands_allowed=False)


def test_the_list_is_bounded_with_a_clear_error() -> None:
    many = rule_file(
        "/policies/many.yml",
        check("1", *(rule(RuleKind.FILE, f"/etc/f{i}") for i in range(MAX_FILES + 1))),
    )
    with pytest.raises(InputError, match=f"at most {MAX_FILES}"):
        watch_list([many], frozenset())
    dirs = rule_file(
        "/policies/dirs.yml",
        check("1", *(rule(RuleKind.DIRECTORY, f"/etc/d{i}") for i in range(MAX_DIRECTORIES + 1))),
    )
    with pytest.raises(InputError, match=f"at most {MAX_DIRECTORIES}"):
        watch_list([dirs], frozenset())
    long = rule_file(
        "/policies/long.yml",
        check("1", *(rule(RuleKind.FILE, "/" + f"{i:03}" * 1300) for i in range(40))),
    )
    with pytest.raises(InputError, match="bytes together"):
        watch_list([long], frozenset())
    with pytest.raises(ValueError, match="bytes long"):
        WatchList(files=("/" + "x" * 5000,))


def _decoded(line: bytes) -> list[str]:
    m = re.fullmatch(rb"NG_WATCH='([A-Za-z0-9+/=]+)'\n", line)
    assert m is not None, line
    return base64.b64decode(m.group(1)).decode().split("\n")


def test_the_preamble_is_one_assignment_of_base64_whatever_the_commands_hold() -> None:
    nasty = "echo '$(id)' \"`id`\" \\; exit 0"  # a command is shell text: sent as data
    w = WatchList(("/etc/a b",), ("/etc/d",), True, (nasty,), True, ("reboot",))
    line = preamble(w)
    assert line.count(b"\n") == 1 and line.endswith(b"'\n")
    lines = _decoded(line)
    assert lines[:2] == ["ngwatch 1", "allow 1"]
    words = {x[0]: base64.b64decode(x[2:]).decode() for x in lines[2:] if len(x) > 2}
    assert words == {"f": "/etc/a b", "d": "/etc/d", "c": nasty, "n": "reboot"}
    assert "p" in lines


def test_the_encoder_checks_again_a_list_made_around_the_checks() -> None:
    w = WatchList(files=("/etc/ok",))
    object.__setattr__(w, "files", ("/etc/$(reboot)",))  # what no constructor would allow
    with pytest.raises(ValueError, match="shell text"):
        preamble(w)


def test_stdin_without_a_list_is_the_script_alone_and_windows_gets_none() -> None:
    linux = Host("pc", ip_address("10.0.0.1"), "seg")
    alone = (REMOTE_COMMAND, boundary_preamble(BOUNDARY) + linux_script())
    assert remote_exec(linux, boundary=BOUNDARY) == alone
    assert remote_exec(linux, None, WatchList(), boundary=BOUNDARY) == alone
    w = WatchList(files=("/etc/os-release",))
    command, stdin = remote_exec(linux, None, w, boundary=BOUNDARY)
    assert command == REMOTE_COMMAND
    assert stdin == boundary_preamble(BOUNDARY) + preamble(w) + linux_script()
    windows = Host("win", ip_address("10.0.0.2"), "seg", os="windows")
    with pytest.raises(ValueError, match="Windows"):
        remote_exec(windows, None, w)

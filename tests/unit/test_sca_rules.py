"""Wazuh's rule language: every rule type and operator, every error with its column, the three
regex languages, and paths the script may read."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netguard.sca.model import Pattern, PatternOp, RegexFlavour, Rule, RuleKind
from netguard.sca.rules import (
    PathRuleError,
    RegexTimeout,
    RuleError,
    compile_regex,
    parse_rule,
    path_problem,
    regex_of,
    substitute,
)

OS = RegexFlavour.OSREGEX
PCRE = RegexFlavour.PCRE2
OS_MATCH = RegexFlavour.OSMATCH


def sca(text: str) -> Rule:
    """As an SCA policy without regex_type reads it."""
    return parse_rule(text, line=7, flavour=OS, sca_file_names=True)


# -- rule types ------------------------------------------------------------------------------------


def test_file_existence_and_its_negation() -> None:
    rule = sca("f:/etc/hosts.equiv")
    assert (rule.kind, rule.targets, rule.negated, rule.content) == (
        RuleKind.FILE,
        ("/etc/hosts.equiv",),
        False,
        (),
    )
    assert rule.line == 7 and rule.text == "f:/etc/hosts.equiv"
    assert sca("not f:/etc/hosts.equiv").negated is True


def test_file_with_a_comma_list_has_every_path_once() -> None:
    rule = sca("f:/etc/ssh/sshd_config, /opt/ssh/sshd_config,/etc/ssh/sshd_config")
    assert rule.targets == ("/etc/ssh/sshd_config", "/opt/ssh/sshd_config")


def test_file_content_operators() -> None:
    rule = sca(r"f:/etc/passwd -> !r:^# && !r:^root: && r:^\w+:\w+:0:")
    assert rule.content == (
        Pattern(PatternOp.REGEX, "^#", negated=True, flavour=OS),
        Pattern(PatternOp.REGEX, "^root:", negated=True, flavour=OS),
        Pattern(PatternOp.REGEX, r"^\w+:\w+:0:", flavour=OS),
    )
    literal = sca("f:/proc/sys/net/ipv4/ip_forward -> 0")
    assert literal.content == (Pattern(PatternOp.LITERAL, "0"),)
    negated_literal = sca("f:/etc/x -> !yes")
    assert negated_literal.content == (Pattern(PatternOp.LITERAL, "yes", negated=True),)


@pytest.mark.parametrize("op", ["<", "<=", "==", "!=", ">=", ">"])
def test_numeric_comparison_with_every_operator(op: str) -> None:
    rule = sca(rf"f:/etc/ssh/sshd_config -> n:^\s*MaxAuthTries\s+(\d+) compare {op} 4")
    (pattern,) = rule.content
    assert (pattern.op, pattern.value, pattern.compare, pattern.number) == (
        PatternOp.NUMERIC,
        r"^\s*MaxAuthTries\s+(\d+)",
        op,
        4,
    )
    assert regex_of(pattern).groups == 1


def test_directory_forms() -> None:
    assert sca("d:/etc/sudoers.d").file_pattern is None
    by_name = parse_rule("d:/etc/profile.d -> tmout.sh", flavour=PCRE)
    assert by_name.file_pattern == Pattern(PatternOp.LITERAL, "tmout.sh")
    by_regex = sca(r"d:/etc/sudoers.d -> r:\.* -> r:Defaults\s+use_pty")
    assert by_regex.file_pattern == Pattern(PatternOp.REGEX, r"\.*", flavour=OS)
    assert by_regex.content == (Pattern(PatternOp.REGEX, r"Defaults\s+use_pty", flavour=OS),)
    # In an SCA policy a plain file-name part is Wazuh's OS_Match (anchors, alternatives).
    match = sca("d:/root -> ^.mysql_history$")
    assert match.file_pattern == Pattern(PatternOp.REGEX, "^.mysql_history$", flavour=OS_MATCH)
    assert regex_of(match.file_pattern).search(".MYSQL_history")
    assert not regex_of(match.file_pattern).search("x.mysql_history")
    negated = sca("d:/root -> !.bak")
    assert negated.file_pattern is not None and negated.file_pattern.negated


def test_process_command_and_registry() -> None:
    assert sca("not p:in.telnetd").targets == ("in.telnetd",)
    command = sca("c:systemctl is-enabled cups -> r:^enabled")
    assert (command.kind, command.targets) == (RuleKind.COMMAND, ("systemctl is-enabled cups",))
    registry = sca(r"r:HKEY_LOCAL_MACHINE\System\Lsa -> LimitBlankPasswordUse -> 1")
    assert (registry.kind, registry.targets, registry.registry_value, registry.content) == (
        RuleKind.REGISTRY,
        (r"HKEY_LOCAL_MACHINE\System\Lsa",),
        "LimitBlankPasswordUse",
        (Pattern(PatternOp.LITERAL, "1"),),
    )
    assert sca(r"r:HKLM\System").registry_value is None
    windows = sca(r"r:HKLM\Winlogon -> Userinit -> C:\Windows\system32\userinit.exe,")
    assert windows.content == (Pattern(PatternOp.LITERAL, r"C:\Windows\system32\userinit.exe,"),)


def test_content_keeps_later_arrows_as_text() -> None:
    rule = sca("f:/etc/motd -> a -> b")
    assert rule.content == (Pattern(PatternOp.LITERAL, "a -> b"),)


# -- errors and their columns ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "column", "phrase"),
    [
        ("x:/etc/passwd", 1, "unknown rule type 'x:'"),
        ("not q:/etc", 5, "unknown rule type 'q:'"),
        ("NOT f:/etc", 1, "'not ' in lower case"),
        ("/etc/passwd", 1, "unknown rule type"),
        ("f:", 3, "needs a target"),
        ("f:/etc/a->r:x", 9, "'->' needs a space"),
        ("f:/etc/a -> ", 13, "nothing after ' -> '"),
        ("f:/etc/a -> r:x && ", 20, "an empty test"),
        ("f:/etc/a -> r:x&&r:y", 16, "'&&' needs a space"),
        ("f:/etc/a -> y:x", 13, "unknown operator 'y:'"),
        ("f:/etc/a -> !y:x", 14, "unknown operator 'y:'"),
        ("f:/etc/a -> r:", 15, "the regular expression is empty"),
        (r"f:/etc/a -> r:\q", 15, r"'\q' is not an OS_Regex escape"),
        ("f:/etc/a -> r:(a(b))", 17, "no parentheses inside parentheses"),
        ("f:/etc/a -> r:(a|b)", 17, "no '|' inside parentheses"),
        ("f:/etc/a -> r:a)", 16, "')' without '('"),
        ("f:/etc/a -> r:(ab", 15, "'(' is never closed"),
        (r"f:/etc/a -> n:(\d+) compare<= 4", 21, "' compare OP NUMBER'"),
        (r"f:/etc/a -> n:\d+ compare <= 4", 15, "capture group"),
        (r"f:/etc/a -> n:(\d+) compare => 4", 29, "expected 'OP NUMBER'"),
        (r"f:/etc/a -> n:(\d+) compare <= many", 29, "expected 'OP NUMBER'"),
        ("p:sshd -> r:x", 7, "p: rules test only whether"),
        ("c:lsmod", 8, "c: rules test the command's output"),
        ("d:/etc -> ", 11, "nothing after"),
        ("f:/etc/a -> x\x1b[31m", 14, "control character U+001B"),
    ],
)
def test_errors_name_their_column(text: str, column: int, phrase: str) -> None:
    with pytest.raises(RuleError) as exc:
        sca(text)
    assert phrase in exc.value.message, exc.value.message
    assert exc.value.column == column, exc.value.message


def test_a_pcre_error_points_into_the_regex() -> None:
    with pytest.raises(RuleError) as exc:
        parse_rule("f:/etc/a -> r:ab[c", flavour=PCRE)
    assert "does not compile" in exc.value.message
    assert exc.value.column >= len("f:/etc/a -> r:ab") + 1


def test_netguard_file_names_are_names_not_paths() -> None:
    with pytest.raises(RuleError) as exc:
        parse_rule("d:/etc -> sub/file", flavour=PCRE)
    assert "a file name, not a path" in exc.value.message and exc.value.column == 11


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("f:/etc/sysctl.d/*", 3),
        ("f:/etc/a,relative", 10),
        ("d:/etc/$(id) -> x", 3),
        ("f:/etc/../shadow", 3),
        ("f:/etc/a, /etc/b;reboot", 11),
    ],
)
def test_paths_the_script_may_not_read_are_path_errors(text: str, column: int) -> None:
    with pytest.raises(PathRuleError) as exc:
        sca(text)
    assert exc.value.column == column


def test_an_unknown_variable_left_in_a_path_is_named() -> None:
    with pytest.raises(PathRuleError) as exc:
        sca("f:$sshd_file")
    assert "$sshd_file is not a variable" in exc.value.message


# -- paths -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "phrase"),
    [
        ("", "empty"),
        ("etc/passwd", "not absolute"),
        ("/etc/pass\nwd", "U+000A"),
        ("/etc/pass\x00wd", "U+0000"),
        ("/etc/\u202egnp", "U+202E"),
        ("/etc/../shadow", "'..'"),
        ("/" + "a" * 5000, "longer than"),
        *[(f"/etc/a{c}b", repr(c)) for c in "$`;|&<>*?(){}[]'\"\\"],
    ],
)
def test_path_problem_names_the_reason(path: str, phrase: str) -> None:
    assert phrase in path_problem(path)


@pytest.mark.parametrize("path", ["/etc/ssh/sshd_config", "/etc/sudoers.d/", "/a b/c.d-e_f+g@h"])
def test_path_problem_allows_plain_paths(path: str) -> None:
    assert path_problem(path) == ""


# -- variables -------------------------------------------------------------------------------------


def test_variables_are_substituted_in_the_left_part_only() -> None:
    variables = {"$dir": "/etc/ssh", "$files": "/a,/b", "$svc": "cups"}
    assert substitute("f:$files -> r:$svc", variables) == "f:/a,/b -> r:$svc"
    assert substitute("c:systemctl is-enabled $svc -> r:^enabled", variables) == (
        "c:systemctl is-enabled cups -> r:^enabled"
    )
    assert substitute("d:$dir -> $svc.conf -> r:$x", variables) == (
        "d:/etc/ssh -> cups.conf -> r:$x"
    )
    assert substitute("f:$dir/$svc.conf", variables) == "f:/etc/ssh/cups.conf"
    assert substitute("f:$unknown", variables) == "f:$unknown"
    assert substitute("f:$files_more", variables) == "f:$files_more"


# -- regular expressions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "line", "found"),
    [
        (r"^\s*PermitRootLogin\s+no", "  permitrootlogin no", True),  # case-insensitive
        (r"^\s*PermitRootLogin\s+no", "\tPermitRootLogin no", False),  # \s is a space only
        (r"^\s*\t*PermitRootLogin", "\tPermitRootLogin no", True),
        (r"Port\.+22", "Port 2222", True),  # \. is any character
        ("a.b", "axb", False),  # a bare . is a dot
        ("* hard core 0", "* hard core 0", True),  # a bare * is the character
        (r"^\w+:\w+:0:", "my-user@x:x:0:0", True),  # \w has - and @
        (r"\p+", "()", True),
        (r"\d\D\S", "1a!", True),
        (r"\W", "abc", False),
        (r"^root:\$\w", "root:$6$salt", True),  # \$ is a dollar
        (r"\(running\)$", "active (running)", True),
        ("^enabled$|^static$", "static", True),
        ("^enabled$|^static$", "static unit", False),
        ("a$b", "a$b", True),  # $ inside is the character
        ("a^b", "a^b", True),
        (r"(\d+)", "x 42", True),
    ],
)
def test_osregex_translation(pattern: str, line: str, found: bool) -> None:
    assert (compile_regex(pattern, OS).search(line) is not None) is found


def test_pcre2_is_case_sensitive_and_pcre_like() -> None:
    rx = compile_regex(r"^\s*(?:PASS_MAX_DAYS)\s+(\d{1,3})$", PCRE)
    assert rx.search("PASS_MAX_DAYS\t90") is not None
    assert rx.search("pass_max_days 90") is None
    assert rx.groups == 1


def test_compiled_patterns_are_cached() -> None:
    assert compile_regex("abc", PCRE) is compile_regex("abc", PCRE)
    assert compile_regex("abc", OS) is not compile_regex("abc", PCRE)


def test_a_catastrophic_pattern_is_stopped_by_its_time_limit() -> None:
    rx = compile_regex("(a|aa)+$", PCRE)  # compiles at once; only matching is costly
    with pytest.raises(RegexTimeout):
        rx.search("a" * 80 + "b", timeout=0.01)


def test_regex_of_refuses_a_literal() -> None:
    with pytest.raises(ValueError):
        regex_of(Pattern(PatternOp.LITERAL, "x"))


# -- hostile text --------------------------------------------------------------------------------

_RULE_ALPHABET = st.sampled_from(
    [*"fdpcrn:!&|->() ^$*+.\\/[]{}?,ws0129", "not ", " -> ", " && ", " compare ", "r:", "n:"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_RULE_ALPHABET, max_size=30).map("".join), st.sampled_from(list(RegexFlavour)))
def test_any_rule_text_parses_or_is_refused_with_a_column(text: str, flavour: RegexFlavour) -> None:
    try:
        rule = parse_rule(text, flavour=flavour, sca_file_names=flavour is OS)
    except RuleError as exc:
        assert 1 <= exc.column <= len(text) + 1, (text, exc.column, exc.message)
        assert exc.message
    else:
        assert rule.text == text and rule.targets


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40), st.sampled_from(list(RegexFlavour)))
def test_any_pattern_compiles_or_is_refused_with_a_column(text: str, flavour: RegexFlavour) -> None:
    try:
        compiled = compile_regex(text, flavour)
    except RuleError as exc:
        assert 1 <= exc.column <= len(text) + 1, (text, exc.column, exc.message)
    else:
        assert compiled.source == text

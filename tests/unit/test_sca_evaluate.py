"""netguard/sca/evaluate.py: one rule and one condition at a time, with Wazuh SCA's semantics
(its documentation, "Creating custom SCA policies", quoted as "doc:"; where the doc is silent,
wm_sca.c, quoted as "Wazuh:") and netguard's fail-closed additions ("netguard:").

Host data: tests/unit/sca_hosts.py (where each file's shape comes from is said there).
"""

from __future__ import annotations

import dataclasses

import pytest

from netguard.i18n import PART
from netguard.model.watched import Seen, SeenCommand, SeenFile, Watched
from netguard.sca import evaluate as ev
from netguard.sca.evaluate import (
    Outcome,
    RuleResult,
    combine,
    evaluate_rule,
    evaluate_rules,
    process_name,
    search,
)
from netguard.sca.model import Condition, Pattern, PatternOp, Rule
from tests.unit.sca_hosts import MODPROBE, SYSCTL, c, d, desktop, f, lit, num, p, r, rx

PASSED, FAILED, NA, ERROR = (
    Outcome.PASSED,
    Outcome.FAILED,
    Outcome.NOT_APPLICABLE,
    Outcome.ERROR,
)
SSHD = "/etc/ssh/sshd_config"
SSHD_FILES = (SSHD, "/opt/ssh/etc/sshd_config")  # Wazuh's $sshd_file variable, expanded
DEFS = "/etc/login.defs"


def outcome(rule: Rule, watched: Watched | None = None) -> tuple[Outcome, str]:
    res = evaluate_rule(rule, watched or desktop())
    return res.outcome, res.why[PART]


# --- f: files ---------------------------------------------------------------------------------

FILE_CASES = [
    # doc: "f:/path/to/file" checks that a file exists
    (f(SSHD), PASSED, "sca.file_exists"),
    # doc: "not f:/path/to/file" — the file must not exist; Wazuh: lstat ENOENT → not found
    (f("/etc/hosts.equiv", negated=True), PASSED, "sca.file_missing"),
    (f("/etc/hosts.equiv"), FAILED, "sca.file_missing"),
    (f(SSHD, negated=True), FAILED, "sca.file_exists"),
    # Wazuh: f: wants a regular file ("Not a regular file" → invalid) — a directory, a device
    (f("/etc/ssh"), NA, "sca.file_is_directory"),
    (f("/dev/null"), NA, "sca.file_is_special"),
    # Wazuh: `not` leaves an invalid result invalid
    (f("/etc/ssh", negated=True), NA, "sca.file_is_directory"),
    # doc: literal content is a whole-line, exact match
    (f(DEFS, content=(lit("ENCRYPT_METHOD SHA512"),)), PASSED, "sca.content_matched"),
    (f(DEFS, content=(lit("ENCRYPT_METHOD"),)), FAILED, "sca.content_not_matched"),
    # doc: "Content checks are case-sensitive"
    (f(DEFS, content=(lit("encrypt_method sha512"),)), FAILED, "sca.content_not_matched"),
    (f("/proc/sys/net/ipv4/ip_forward", content=(lit("0"),)), PASSED, "sca.content_matched"),
    # doc's own example: r: searched in each line
    (
        f(SSHD, content=(rx(r"^\s*PasswordAuthentication\s*\t*no"),)),
        PASSED,
        "sca.content_matched",
    ),
    (f(SSHD, content=(rx(r"^\s*PermitEmptyPasswords\s+no"),)), FAILED, "sca.content_not_matched"),
    # doc: "f:/file -> !r:PermitRootLogin" passes on ANY line without it (the doc's warning)
    (f(SSHD, content=(rx("PermitRootLogin", neg=True),)), PASSED, "sca.content_matched"),
    # doc: "not f:/some_file -> some_text will fail if some_text is found"
    (f(SSHD, content=(lit("UsePAM yes"),), negated=True), FAILED, "sca.content_matched"),
    (f(SSHD, content=(lit("UsePAM no"),), negated=True), PASSED, "sca.content_not_matched"),
    # doc: && — all tests on the same line: "!r:^# && r:Protocol && r:2"-style
    (f(SSHD, content=(rx("^#", neg=True), rx("X11Forwarding"), rx("yes"))), PASSED, ""),
    # X11Forwarding and "no" are never on the same line, though both occur in the file
    (f(SSHD, content=(rx("X11Forwarding"), rx(r"\sno$"))), FAILED, ""),
    # doc's composite: no line that is not a comment and sets Port 22 → `not` passes
    (f(SSHD, content=(rx("^#", neg=True), rx(r"Port\s+22")), negated=True), PASSED, ""),
    # doc: "If the target of a rule that checks for contents does not exist, the result will
    # be non-applicable"
    (f("/etc/hosts.equiv", content=(rx(r"^\+"),)), NA, "sca.target_missing"),
    (f("/etc/hosts.equiv", content=(rx(r"^\+"),), negated=True), NA, "sca.target_missing"),
    # Wazuh: a content rule on something that is not a regular file → invalid
    (f("/etc/ssh", content=(rx("x"),)), NA, "sca.file_is_directory"),
    # Wazuh: a list (a variable like $sshd_file) is found when any file is …
    (f(*SSHD_FILES), PASSED, "sca.file_exists"),
    (f(*SSHD_FILES, content=(rx(r"^MaxAuthTries\s+4"),)), PASSED, "sca.content_matched"),
    # … and, with no match, invalid when one of them was missing (wm_sca_check_file_list_for_
    # contents: "a file that does not exist produces an INVALID check")
    (f(*SSHD_FILES, content=(rx("^Banner"),)), NA, "sca.target_missing"),
    # … and not found when every file exists and none matches
    (f(SSHD, DEFS, content=(rx("^Banner"),)), FAILED, "sca.no_target"),
    # … and not found for existence when none exists
    (f("/etc/hosts.equiv", "/opt/ssh/etc/sshd_config"), FAILED, "sca.no_target"),
    # netguard: unreadable by the audit account → undecidable, for existence and content
    (f("/etc/shadow"), ERROR, "sca.unreadable"),
    (f("/etc/shadow", content=(rx("^root:"),)), ERROR, "sca.unreadable"),
    # … unless another target of the list already decides it
    (f("/etc/shadow", "/etc/passwd"), PASSED, "sca.file_exists"),
    # netguard: a path the script was not asked to read → undecidable, never not found
    (f("/etc/issue"), ERROR, "sca.not_watched"),
    (f("/etc/issue", negated=True), ERROR, "sca.not_watched"),
    (f("/etc/issue", SSHD), PASSED, "sca.file_exists"),
    (f("/etc/issue", "/etc/hosts.equiv"), ERROR, "sca.not_watched"),
]


@pytest.mark.parametrize(("rule", "expected", "why"), FILE_CASES, ids=lambda v: str(v)[:60])
def test_file_rules(rule: Rule, expected: Outcome, why: str) -> None:
    got, got_why = outcome(rule)
    assert got is expected
    if why:
        assert got_why == why


# --- n: numbers -------------------------------------------------------------------------------

MAX_DAYS = r"^\s*PASS_MAX_DAYS\s*(\d+)"  # login.defs has PASS_MAX_DAYS 99999


@pytest.mark.parametrize(
    ("compare", "number", "expected"),
    [
        # doc: "n:REGEX(\d+) compare <= Number" holds when the captured number <= Number
        ("<", 100000, PASSED),
        ("<", 99999, FAILED),
        ("<=", 99999, PASSED),
        ("<=", 365, FAILED),
        ("==", 99999, PASSED),
        ("==", 90, FAILED),
        ("!=", 90, PASSED),
        ("!=", 99999, FAILED),
        (">=", 99999, PASSED),
        (">=", 100000, FAILED),
        (">", 99998, PASSED),
        (">", 99999, FAILED),
    ],
)
def test_numeric_compare_uses_the_captured_number(compare: str, number: int, expected: Outcome):
    assert outcome(f(DEFS, content=(num(MAX_DAYS, compare, number),)))[0] is expected


def test_numeric_rules_on_recorded_files() -> None:
    # doc's example: "f:$sshd_file -> n:^\s*MaxAuthTries\s*\t*(\d+) compare <= 4"
    tries = num(r"^\s*MaxAuthTries\s*\t*(\d+)", "<=", 4)
    assert outcome(f(SSHD, content=(tries,)))[0] is PASSED
    # no line matches the regex at all: not found (Wazuh: "No match found for regex")
    banner = num(r"^Banner\s+(\d+)", ">", 0)
    assert outcome(f(SSHD, content=(banner,))) == (FAILED, "sca.content_not_matched")
    # `!` inverts a numeric test like any other
    assert outcome(f(DEFS, content=(num(MAX_DAYS, "<=", 365, neg=True),)))[0] is PASSED
    # a number chained with a literal text test on the same line (sysctl's "key = value")
    forward = (rx(r"^net\.ipv4\.ip_forward"), num(r"=\s*(\d+)", "==", 0))
    assert outcome(d(SYSCTL, name=rx(r"\.conf$"), content=forward))[0] is PASSED


def test_numeric_rules_that_cannot_be_applied_are_not_applicable() -> None:
    # Wazuh: "Regex matched, but no string was captured by it" → invalid
    no_group = num(r"^\s*PASS_MAX_DAYS\s*\d+", "<=", 90)
    assert outcome(f(DEFS, content=(no_group,))) == (NA, "sca.no_capture")
    # Wazuh: "Conversion error. Cannot convert … to integer" → invalid
    word = num(r"^ENCRYPT_METHOD\s+(\w+)", ">", 0)
    assert outcome(f(DEFS, content=(word,))) == (NA, "sca.not_a_number")
    # Wazuh: "No comparison provided" → invalid (the parser should never let it through)
    bare = Pattern(PatternOp.NUMERIC, MAX_DAYS)
    assert outcome(f(DEFS, content=(bare,))) == (NA, "sca.no_comparison")
    # a line elsewhere that matches decides the rule regardless
    either = num(r"^(?:PASS_MAX_DAYS\s+(\d+)|PASS_MIN_DAYS)", "==", 99999)
    assert outcome(f(DEFS, content=(either,)))[0] is PASSED


# --- d: directories ---------------------------------------------------------------------------

DIR_CASES = [
    # doc: "d:/path/to/directory" checks the directory exists
    (d(MODPROBE), PASSED, "sca.directory_exists"),
    (d("/etc/mysql"), FAILED, "sca.directory_missing"),
    (d("/etc/mysql", negated=True), PASSED, "sca.directory_missing"),
    # Wazuh: opendir fails with ENOTDIR → invalid
    (d("/etc/login.defs"), NA, "sca.directory_is_file"),
    (d("/dev/log"), NA, "sca.directory_is_special"),
    # doc: "d:/path/to/directory -> file" — a file in it; Wazuh: the name is an OS_Match2
    # pattern (substring unless ^/$ anchor it, case-insensitive)
    (d(MODPROBE, name=lit("usb-storage.conf")), PASSED, "sca.file_exists"),
    (d(MODPROBE, name=lit("^USB-STORAGE.CONF$")), PASSED, "sca.file_exists"),
    (d(MODPROBE, name=lit("^storage")), FAILED, "sca.no_entry"),
    (d(MODPROBE, name=lit("^nouveau.conf$|^usb-storage")), PASSED, "sca.file_exists"),
    # doc: "d:/path/to/directory -> r:^files" — names matching a regex
    (d(MODPROBE, name=rx(r"^blacklist")), PASSED, "sca.file_exists"),
    (d(MODPROBE, name=rx(r"^nvidia")), FAILED, "sca.no_entry"),
    # doc: "d:/path/to/directory -> file_name -> content"
    (
        d(MODPROBE, name=rx(r"\.conf$"), content=(rx(r"^\s*install\s+usb-storage\s+/bin/false"),)),
        PASSED,
        "sca.content_matched",
    ),
    # Wazuh: wm_sca_check_dir recurses into subdirectories (office/cramfs.conf)
    (
        d(MODPROBE, name=rx(r"\.conf$"), content=(rx(r"^install\s+cramfs\s+/bin/true"),)),
        PASSED,
        "sca.content_matched",
    ),
    (
        d(MODPROBE, name=rx(r"\.conf$"), content=(rx(r"^install\s+freevxfs"),)),
        FAILED,
        "sca.no_matching_line",
    ),
    # `not` over a directory's contents: no .conf line enables IP forwarding
    (
        d(SYSCTL, name=rx(r"\.conf$"), content=(rx(r"^\s*net\.ipv4\.ip_forward\s*=\s*1"),)),
        FAILED,
        "sca.no_matching_line",
    ),
    (
        d(
            SYSCTL,
            name=rx(r"\.conf$"),
            content=(rx(r"^\s*net\.ipv4\.ip_forward\s*=\s*1"),),
            negated=True,
        ),
        PASSED,
        "sca.no_matching_line",
    ),
    # Wazuh: the contents of a directory that is not there cannot be checked → invalid
    (d("/etc/mysql", name=lit(".cnf")), NA, "sca.target_missing"),
    # netguard: a directory the audit account could not list, or not asked for → undecidable
    (d("/root"), ERROR, "sca.unreadable"),
    (d("/root", name=lit(".mysql_history")), ERROR, "sca.unreadable"),
    (d("/home"), ERROR, "sca.not_watched"),
]


@pytest.mark.parametrize(("rule", "expected", "why"), DIR_CASES, ids=lambda v: str(v)[:60])
def test_directory_rules(rule: Rule, expected: Outcome, why: str) -> None:
    assert outcome(rule) == (expected, why)


def test_one_matching_entry_under_a_directory_answers_with_its_own_reason() -> None:
    only = d(MODPROBE, name=lit("usb-storage.conf"), content=(lit("blacklist usb-storage"),))
    assert outcome(only) == (PASSED, "sca.content_matched")
    miss = d(MODPROBE, name=lit("usb-storage.conf"), content=(lit("blacklist uas"),))
    assert outcome(miss) == (FAILED, "sca.content_not_matched")


def test_a_matching_entry_that_is_not_a_regular_file_is_not_applicable() -> None:
    # Wazuh: a matching entry goes through the file rule, which wants a regular file
    fifo = SeenFile(f"{MODPROBE}/initctl.conf", Seen.OTHER)
    base = desktop().directories[MODPROBE]
    watched = desktop(
        directories={MODPROBE: dataclasses.replace(base, entries=(*base.entries, fifo))}
    )
    assert outcome(d(MODPROBE, name=lit("initctl")), watched) == (NA, "sca.file_is_special")


# --- p: processes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups", "sshd"),
        ("avahi-daemon: running [pc-0012.local]", "avahi-daemon"),
        ("/usr/sbin/clamd --foreground=true", "clamd"),
        ("[kthreadd]", "kthreadd"),
        ("/sbin/init splash", "init"),
        ("-bash", "bash"),  # a login shell's argv[0]; ps shows the executable's name
        ("", ""),
    ],
)
def test_the_process_name_is_what_ps_shows(line: str, name: str) -> None:
    # Wazuh: w_os_get_process_list keeps the CMD column of `ps -p PID` (the name)
    assert process_name(line) == name


PROCESS_CASES = [
    # doc: "p:process_name" — a process of that name runs
    (p("clamd"), PASSED, "sca.process_running"),
    (p("sshd"), PASSED, "sca.process_running"),
    # the name, not the arguments: "--foreground" is in a command line, no process is named so
    (p("--foreground=true"), FAILED, "sca.process_not_running"),
    # the whole name: "clam" is not "clamd"
    (p("clam"), FAILED, "sca.process_not_running"),
    # doc: "not p:sshd … fail if one is found"
    (p("sshd", negated=True), FAILED, "sca.process_running"),
    (p("telnetd", negated=True), PASSED, "sca.process_not_running"),
    # Wazuh: the target goes through wm_sca_pattern_matches, so `r:` searches the name
    (p("r:^fresh"), PASSED, "sca.process_running"),
    (p("r:^(rsh|rlogin|telnet)d$"), FAILED, "sca.process_not_running"),
]


@pytest.mark.parametrize(("rule", "expected", "why"), PROCESS_CASES, ids=lambda v: str(v)[:60])
def test_process_rules(rule: Rule, expected: Outcome, why: str) -> None:
    assert outcome(rule) == (expected, why)


def test_a_process_list_not_read_is_undecidable() -> None:
    # netguard: no list (not asked for) — never "not running"
    for rule in (p("clamd"), p("telnetd", negated=True)):
        assert outcome(rule, desktop(processes=None)) == (ERROR, "sca.processes_not_read")


def test_a_process_rule_with_a_content_chain_matches_names() -> None:
    rule = dataclasses.replace(p("clamd"), content=(rx("^clam"), rx("d$")))
    assert outcome(rule) == (PASSED, "sca.process_running")


# --- c: commands ------------------------------------------------------------------------------

COMMAND_CASES = [
    # doc: "c:command -> output" (whole line) / "-> r:REGEX" / "-> n:… compare >= number"
    (c("sshd -T", (lit("permitrootlogin no"),)), PASSED, "sca.output_matched"),
    (c("sshd -T", (rx(r"^maxauthtries\s+\d+$"),)), PASSED, "sca.output_matched"),
    (c("sshd -T", (num(r"^maxauthtries\s+(\d+)", "<=", 4),)), PASSED, "sca.output_matched"),
    (c("sshd -T", (num(r"^logingracetime\s+(\d+)", "<=", 60),)), FAILED, "sca.output_not_matched"),
    # doc's example: "c:sshd -T -> !r:^\s*maxauthtries\s+4\s*$" — any other line passes it
    (c("sshd -T", (rx(r"^\s*maxauthtries\s+4\s*$", neg=True),)), PASSED, "sca.output_matched"),
    # doc: "systemctl is-enabled cups -> r:^enabled"; Wazuh: a non-zero exit status is not an
    # error, the output is still tested (is-enabled exits 1 for "disabled")
    (c("systemctl is-enabled cups", (rx("^enabled"),)), FAILED, "sca.output_not_matched"),
    (c("systemctl is-enabled cups", (rx("^enabled"),), negated=True), PASSED, ""),
    # Wazuh: EXECVE_ERROR ("Invalid path or wrong permissions to run command") → invalid
    (c("aa-status --enabled", (rx("yes"),)), NA, "sca.command_cannot_run"),
    # Wazuh: a command rule without content is found without looking at the output
    (c("sshd -T"), PASSED, "sca.command_ran"),
    # netguard: a command not in what was run (with commands allowed) → undecidable
    (c("ufw status", (rx("active"),)), ERROR, "sca.command_not_watched"),
]


@pytest.mark.parametrize(("rule", "expected", "why"), COMMAND_CASES, ids=lambda v: str(v)[:60])
def test_command_rules(rule: Rule, expected: Outcome, why: str) -> None:
    got = evaluate_rule(rule, desktop())
    assert got.outcome is expected
    if why:
        assert got.why[PART] == why
    assert got.command is None or got.command.command == rule.targets[0]


def test_commands_not_allowed_are_not_applicable_with_the_reason() -> None:
    rule = c("sshd -T", (lit("permitrootlogin no"),))
    # netguard: the operator did not pass --allow-policy-commands for this file
    off = desktop(commands_allowed=False, commands={})
    assert outcome(rule, off) == (NA, "sca.command_not_allowed")
    # allowed for the run, but not for this file: the script records it as not run
    not_run = {"sshd -T": SeenCommand("sshd -T", ran=False)}
    assert outcome(rule, desktop(commands=not_run)) == (NA, "sca.command_not_allowed")
    # `not` does not turn a command never run into a pass
    negated = c("sshd -T", (lit("permitrootlogin yes"),), negated=True)
    assert outcome(negated, off) == (NA, "sca.command_not_allowed")


def test_a_command_the_collection_stopped_before_is_undecidable() -> None:
    # the script's time or output budget was spent before it ran, or it had no `timeout`:
    # netguard's own limits, so neither Wazuh's not-applicable nor a pass
    rule = c("sshd -T", (lit("permitrootlogin no"),), negated=True)
    budget = {"sshd -T": SeenCommand("sshd -T", ran=False, not_run="budget")}
    assert outcome(rule, desktop(commands=budget)) == (ERROR, "sca.command_cut_short")
    late = {"sshd -T": SeenCommand("sshd -T", ran=False, not_run="time")}
    assert outcome(rule, desktop(commands=late)) == (ERROR, "sca.command_cut_short")
    bare = {"sshd -T": SeenCommand("sshd -T", ran=False, not_run="no_timeout")}
    assert outcome(rule, desktop(commands=bare)) == (ERROR, "sca.command_unbounded")
    # one file allowed, another not: the other's command is not applicable, not an error
    other = {"sshd -T": SeenCommand("sshd -T", ran=False, not_run="not_allowed")}
    assert outcome(rule, desktop(commands=other)) == (NA, "sca.command_not_allowed")


def test_a_cut_process_list_cannot_say_a_process_is_absent() -> None:
    cut = desktop(processes_truncated=True)
    assert outcome(p("clamd"), cut)[0] is PASSED  # found in the part read
    assert outcome(p("telnetd"), cut) == (ERROR, "sca.processes_truncated")


def test_a_command_that_timed_out_is_undecidable() -> None:
    slow = {"sshd -T": SeenCommand("sshd -T", True, None, ("port 22",), timed_out=True)}
    rule = c("sshd -T", (lit("permitrootlogin no"),), negated=True)
    assert outcome(rule, desktop(commands=slow)) == (ERROR, "sca.command_timed_out")


def test_a_command_without_output_matches_nothing() -> None:
    # Wazuh: "Command yielded no output" → not found
    quiet = {"sshd -T": SeenCommand("sshd -T", True, 0, ())}
    assert outcome(c("sshd -T", (rx("."),)), desktop(commands=quiet)) == (
        FAILED,
        "sca.output_not_matched",
    )


# --- r: registry ------------------------------------------------------------------------------


def test_registry_rules_are_not_applicable_on_linux() -> None:
    key = r"HKEY_LOCAL_MACHINE\System\CurrentControlSet\Control\Lsa"
    assert outcome(r(key)) == (NA, "sca.registry")
    assert outcome(r(key, negated=True)) == (NA, "sca.registry")


# --- truncated input: undecidable when the answer depends on the rest ------------------------


def test_truncated_file_without_a_match_is_undecidable() -> None:
    cut = SeenFile(SSHD, Seen.FILE, ("Port 22", "UsePAM yes"), truncated=True)
    watched = desktop(files={**desktop().files, SSHD: cut})
    # the match is in what was read: it stands whatever the rest says
    assert outcome(f(SSHD, content=(lit("UsePAM yes"),)), watched) == (
        PASSED,
        "sca.content_matched",
    )
    assert outcome(f(SSHD, content=(lit("UsePAM yes"),), negated=True), watched)[0] is FAILED
    # no match so far: the missing rest could hold one
    for negated in (False, True):
        rule = f(SSHD, content=(rx("^PermitRootLogin"),), negated=negated)
        assert outcome(rule, watched) == (ERROR, "sca.truncated")
    # existence does not depend on the content
    assert outcome(f(SSHD), watched)[0] is PASSED


def test_truncated_directory_and_command_output() -> None:
    base = desktop().directories[SYSCTL]
    watched = desktop(directories={SYSCTL: dataclasses.replace(base, truncated=True)})
    found = d(SYSCTL, name=rx(r"\.conf$"), content=(rx(r"^net\.ipv4\.ip_forward\s*=\s*0"),))
    assert outcome(found, watched)[0] is PASSED
    absent = d(SYSCTL, name=rx(r"\.conf$"), content=(rx(r"^fs\.suid_dumpable"),), negated=True)
    assert outcome(absent, watched) == (ERROR, "sca.truncated")
    cut = {"sshd -T": SeenCommand("sshd -T", True, 0, ("port 22",), truncated=True)}
    rule = c("sshd -T", (lit("permitrootlogin no"),))
    assert outcome(rule, desktop(commands=cut)) == (ERROR, "sca.output_truncated")


# --- regular expressions ----------------------------------------------------------------------


def test_a_regex_that_runs_out_of_time_is_undecidable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ev, "REGEX_TIMEOUT_S", 0.05)
    line = "a" * 5000 + "b"  # catastrophic backtracking for (a+)+$
    hostile = SeenFile("/etc/issue.net", Seen.FILE, ("Authorized uses only.", line))
    watched = desktop(files={**desktop().files, hostile.path: hostile})
    for negated in (False, True):  # never a pass, whichever way the rule is turned
        rule = f(hostile.path, content=(rx("(a+)+$"),), negated=negated)
        assert outcome(rule, watched) == (ERROR, "sca.regex_timeout")


def test_a_rule_of_many_slow_lines_runs_out_of_its_budget(monkeypatch: pytest.MonkeyPatch):
    # each line alone stays under the per-search limit; together they exceed the rule's budget
    monkeypatch.setattr(ev, "REGEX_TIMEOUT_S", 60.0)
    monkeypatch.setattr(ev, "RULE_BUDGET_S", 0.0)
    rule = f(SSHD, content=(rx("^Banner"),), negated=True)
    assert outcome(rule) == (ERROR, "sca.regex_timeout")
    # outside a rule, search has no budget to run out of
    assert search(rx("^Banner"), "Banner none") is not None


def test_a_regex_that_does_not_compile_is_undecidable() -> None:
    got = evaluate_rule(f(SSHD, content=(rx("^(Port"),)), desktop())
    assert (got.outcome, got.why[PART]) == (ERROR, "sca.regex_invalid")
    assert got.why["pattern"] == "^(Port" and got.why["error"]


def test_search_finds_anywhere_in_the_line() -> None:
    assert search(rx(r"\d+"), "MaxAuthTries 4") is not None
    assert search(rx(r"^\d+"), "MaxAuthTries 4") is None


# --- matched lines in the evidence ------------------------------------------------------------


def test_matched_lines_are_kept_capped() -> None:
    noisy = SeenFile("/var/log/noise", Seen.FILE, tuple("x" * 1000 for _ in range(50)))
    watched = desktop(files={**desktop().files, noisy.path: noisy})
    got = evaluate_rule(f(noisy.path, content=(rx("^x"),)), watched)
    assert len(got.matched) == ev.MAX_MATCHED
    assert all(len(line) == ev.MAX_LINE_CHARS for _, line in got.matched)
    shown = got.evidence()
    assert shown["result"] == "passed" and shown["why"] == "sca.content_matched"
    assert shown["path"] == "/var/log/noise" and len(shown["matched"]) == ev.MAX_MATCHED


def test_matched_lines_say_where_they_are() -> None:
    got = evaluate_rule(
        d(MODPROBE, name=rx(r"\.conf$"), content=(rx("^blacklist usb-storage"),)), desktop()
    )
    assert got.matched == ((f"{MODPROBE}/usb-storage.conf", "blacklist usb-storage"),)


# --- conditions: the doc's truth table --------------------------------------------------------


def _results(*outcomes: Outcome) -> list[RuleResult]:
    return [
        RuleResult(f(f"/r{i}"), o, {PART: "sca.file_exists", "path": f"/r{i}"})
        for i, o in enumerate(outcomes)
    ]


TRUTH_TABLE = [
    # doc: all — passed: every rule passed
    (Condition.ALL, (PASSED, PASSED), PASSED),
    # doc: all — "If any rule returns non-applicable, and no rule returns failed" → N/A
    (Condition.ALL, (PASSED, NA), NA),
    (Condition.ALL, (NA, NA), NA),
    # doc: all — "failed as soon as one evaluates to failed" (N/A indifferent)
    (Condition.ALL, (PASSED, FAILED), FAILED),
    (Condition.ALL, (NA, FAILED), FAILED),
    (Condition.ALL, (FAILED, NA, PASSED), FAILED),
    # doc: any — "passed as soon as any of its rules is satisfied" (others indifferent)
    (Condition.ANY, (FAILED, PASSED), PASSED),
    (Condition.ANY, (NA, PASSED), PASSED),
    (Condition.ANY, (PASSED, FAILED, NA), PASSED),
    # doc: any — no passed, some failed, no N/A → failed
    (Condition.ANY, (FAILED, FAILED), FAILED),
    # doc: any — "non-applicable if no rule evaluates to passed and any returns non-applicable"
    (Condition.ANY, (FAILED, NA), NA),
    (Condition.ANY, (NA,), NA),
    # doc: none — "failed as soon as one evaluates to passed" (others indifferent)
    (Condition.NONE, (FAILED, PASSED), FAILED),
    (Condition.NONE, (NA, PASSED), FAILED),
    # doc: none — no passed and any N/A → N/A
    (Condition.NONE, (FAILED, NA), NA),
    (Condition.NONE, (NA,), NA),
    # doc: none — "passed if none of its rules are satisfied"
    (Condition.NONE, (FAILED, FAILED), PASSED),
    # netguard: an error decides where an N/A would, and before it …
    (Condition.ALL, (PASSED, ERROR), ERROR),
    (Condition.ALL, (NA, ERROR), ERROR),
    (Condition.ANY, (FAILED, ERROR), ERROR),
    (Condition.ANY, (ERROR, NA), ERROR),
    (Condition.NONE, (FAILED, ERROR), ERROR),
    (Condition.NONE, (NA, ERROR), ERROR),
    # … but never against a rule that decides on its own
    (Condition.ALL, (ERROR, FAILED), FAILED),
    (Condition.ANY, (ERROR, PASSED), PASSED),
    (Condition.NONE, (ERROR, PASSED), FAILED),
    # Wazuh: an empty list keeps the aggregator's start value (the loader refuses it anyway)
    (Condition.ALL, (), PASSED),
    (Condition.ANY, (), FAILED),
    (Condition.NONE, (), PASSED),
]


@pytest.mark.parametrize(("condition", "outcomes", "expected"), TRUTH_TABLE)
def test_condition_truth_table(
    condition: Condition, outcomes: tuple[Outcome, ...], expected: Outcome
) -> None:
    assert combine(condition, _results(*outcomes)).outcome is expected


def test_the_deciding_rule_is_named() -> None:
    results = _results(PASSED, FAILED, NA)
    assert combine(Condition.ALL, results).deciding is results[1]
    assert combine(Condition.ANY, results).deciding is results[0]
    assert combine(Condition.NONE, results).deciding is results[0]
    assert combine(Condition.ANY, _results(FAILED, NA)).deciding is not None
    assert combine(Condition.ALL, _results(PASSED, PASSED)).deciding is None


def test_a_check_on_a_recorded_host() -> None:
    # CIS-style "Ensure SSH ClientAliveInterval is configured": the files of $sshd_file, and
    # sshd's effective value. sshd_config sets none and /opt/ssh/etc/sshd_config is missing.
    rules = (
        f(*SSHD_FILES, content=(rx(r"^\s*ClientAliveInterval\s+\d+"),)),
        c("sshd -T", (num(r"^clientaliveinterval\s+(\d+)", "<=", 300),)),
    )
    got = evaluate_rules(Condition.ANY, rules, desktop())
    assert got.outcome is PASSED
    assert [r.outcome for r in got.rules] == [NA, PASSED]  # doc: any — one passed is enough
    got = evaluate_rules(Condition.ALL, rules, desktop())
    assert got.outcome is NA  # doc: all with an N/A and no failure → N/A

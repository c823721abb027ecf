"""netguard/sca/checks.py: a rule file's checks as CheckSpecs, judged through the engine like
built-in checks — requirements, Windows hosts, unsupported checks, commands not allowed, the
evidence and the reasons in both languages.

Host data: tests/unit/sca_hosts.py. Rule-level semantics: tests/unit/test_sca_evaluate.py.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from netguard.checks.base import CheckSpec
from netguard.engine.evaluate import evaluate
from netguard.i18n import LANGS, PART, catalog
from netguard.model import Finding, FindingStatus
from netguard.model.facts import Facts
from netguard.model.watched import Seen, SeenCommand, SeenFile, Watched
from netguard.policy import CheckConfig, Policy
from netguard.sca import evaluate as ev
from netguard.sca.checks import specs_of
from netguard.sca.evaluate import Outcome, evaluate_rule
from netguard.sca.model import Condition, Requirements, Rule, RuleFile
from tests.unit.recordings import NOW
from tests.unit.sca_hosts import c, check, desktop, f, lit, num, p, r, rule_file, rx
from tests.unit.test_checks import SEGMENTS, host
from tests.unit.test_sca_evaluate import (
    COMMAND_CASES,
    DIR_CASES,
    FILE_CASES,
    PROCESS_CASES,
)

SSHD = "/etc/ssh/sshd_config"
ALL, ANY, NONE = Condition.ALL, Condition.ANY, Condition.NONE
PASS, FAIL, NA, ERROR = (
    FindingStatus.PASS,
    FindingStatus.FAIL,
    FindingStatus.NOT_APPLICABLE,
    FindingStatus.ERROR,
)


def _policy(specs: tuple[CheckSpec, ...]) -> Policy:
    configs = tuple(CheckConfig(s, s.severity, s.zones, {}) for s in specs)
    return Policy("sca-test", "<test>", "0" * 64, "", configs, products=())


def run(rf: RuleFile, watched: Watched | None = None, **facts: object) -> dict[str, Finding]:
    """The findings of every check of ``rf`` on one host, through the engine."""
    base = Facts(now=NOW, watched=watched if watched is not None else desktop())
    host_facts = dataclasses.replace(base, **facts)  # type: ignore[arg-type]
    found = evaluate(host_facts, host(), SEGMENTS, _policy(specs_of(rf)))
    return {x.check.split(".", 1)[1]: x for x in found}


# --- specs ------------------------------------------------------------------------------------


def test_one_spec_per_check_in_file_order_with_the_files_words() -> None:
    rf = rule_file(check("5001", ALL, f(SSHD)), check("5002", ANY, p("clamd")))
    specs = specs_of(rf)
    assert [s.id for s in specs] == ["office_linux.5001", "office_linux.5002"]
    spec = specs[0]
    assert (spec.category, spec.severity) == ("sca", rf.checks[0].severity)
    assert spec.title == "Check 5001" and spec.remediation == "Fix 5001."
    assert spec.titles == {"en": "Check 5001", "zh": "检查项 5001"}
    assert spec.remediations == {"en": "Fix 5001.", "zh": "整改 5001。"}
    assert spec.references == ("CIS Ubuntu Linux 22.04 LTS Benchmark v1.0.0",)
    assert specs_of(rule_file()) == ()


def test_a_file_without_english_words_still_has_a_title() -> None:
    only_zh = dataclasses.replace(
        check("7", ALL, f(SSHD)), title={"zh": "口令策略"}, remediation={}
    )
    spec = specs_of(rule_file(only_zh))[0]
    assert (spec.title, spec.remediation, spec.titles) == ("口令策略", "", {"zh": "口令策略"})


# --- verdicts through the engine --------------------------------------------------------------


def test_verdicts_and_their_reasons() -> None:
    rf = rule_file(
        # doc: all — every rule passed
        check("1", ALL, f(SSHD, content=(rx(r"^\s*PasswordAuthentication\s+no"),)), p("clamd")),
        # doc: all — failed as soon as one fails (login.defs keeps PASS_MAX_DAYS 99999)
        check(
            "2",
            ALL,
            f(SSHD),
            f("/etc/login.defs", content=(num(r"^PASS_MAX_DAYS\s+(\d+)", "<=", 90),)),
        ),
        # doc: any — passed as soon as one passes
        check("3", ANY, p("telnetd"), p("sshd")),
        # doc: any — no rule passed, none N/A → failed
        check("4", ANY, p("telnetd"), p("rshd")),
        # doc: none — passed when no rule is satisfied
        check("5", NONE, p("telnetd"), f("/etc/hosts.equiv")),
        # doc: none — failed as soon as one is satisfied (X11 forwarding is on)
        check("6", NONE, f(SSHD, content=(rx(r"^\s*X11Forwarding\s+yes"),))),
        # doc: content rule on a missing target → N/A
        check("7", ALL, f("/etc/hosts.equiv", content=(rx(r"^\+"),))),
        # netguard: a file the audit account could not read → undecided
        check("8", ANY, f("/etc/shadow", content=(rx(r"^root:[*!]"),))),
    )
    got = run(rf)
    assert {k: (v.status, v.reason) for k, v in got.items()} == {
        "1": (PASS, "sca.all_passed"),
        "2": (FAIL, "sca.all_failed"),
        "3": (PASS, "sca.any_passed"),
        "4": (FAIL, "sca.any_failed"),
        "5": (PASS, "sca.none_passed"),
        "6": (FAIL, "sca.none_failed"),
        "7": (NA, "sca.rule_not_applicable"),
        "8": (ERROR, "sca.rule_undecided"),
    }
    assert got["2"].args["rule"] == r"f:/etc/login.defs -> n:^PASS_MAX_DAYS\s+(\d+) compare <= 90"
    assert got["2"].args["why"] == {PART: "sca.content_not_matched", "path": "/etc/login.defs"}
    assert got["2"].message == (
        r"rule not satisfied: f:/etc/login.defs -> n:^PASS_MAX_DAYS\s+(\d+) compare <= 90"
        " (no line of /etc/login.defs matches)"
    )
    assert got["2"].remediation == "Fix 2." and got["1"].remediation == ""
    assert got["8"].message == (
        r"cannot decide: f:/etc/shadow -> r:^root:[*!] (the audit account could not read"
        " /etc/shadow)"
    )


def test_evidence_names_the_file_the_check_and_each_rule() -> None:
    rules = (
        f(SSHD, content=(rx(r"^\s*MaxAuthTries\s+\d"),)),
        c("systemctl is-enabled cups", (rx("^enabled"),), negated=True),
    )
    got = run(rule_file(check("4010", ALL, *rules)))["4010"]
    assert got.status is PASS
    assert got.evidence == {
        "rule_file": "office_linux",
        "rule_file_name": "Office Linux baseline",
        "check": "4010",
        "condition": "all",
        "rules": [
            {
                "rule": r"f:/etc/ssh/sshd_config -> r:^\s*MaxAuthTries\s+\d",
                "result": "passed",
                "why": "sca.content_matched",
                "path": SSHD,
                "matched": [{"source": SSHD, "line": "MaxAuthTries 4"}],
            },
            {
                "rule": "not c:systemctl is-enabled cups -> r:^enabled",
                "result": "passed",
                "why": "sca.output_not_matched",
                "command": "systemctl is-enabled cups",
                "exit_status": 1,
            },
        ],
    }


def test_watched_missing_is_an_error() -> None:
    rf = rule_file(check("1", ALL, f(SSHD)))
    base = Facts(now=NOW, problems={"watched": "section truncated"})
    found = evaluate(base, host(), SEGMENTS, _policy(specs_of(rf)))
    assert [(x.status, x.reason, x.args["fact"]) for x in found] == [
        (ERROR, "engine.fact_missing", "watched")
    ]


def test_windows_hosts_get_not_applicable() -> None:
    rf = rule_file(check("1", ALL, f(SSHD)), check("2", ANY, c("sshd -T", (rx("x"),))))
    got = run(rf, platform="windows")
    assert {(x.status, x.reason) for x in got.values()} == {(NA, "sca.windows_host")}
    assert got["1"].message == "rule files are read on Linux hosts only"
    # even without anything read: the platform decides before the watched group is needed
    bare = evaluate(Facts(now=NOW, platform="windows"), host(), SEGMENTS, _policy(specs_of(rf)))
    assert {x.reason for x in bare} == {"sca.windows_host"}


def test_unsupported_checks_are_reported_not_applicable_on_every_host() -> None:
    registry = "registry rules (r:) are read on Windows only"
    rf = rule_file(check("9", ALL, f(SSHD), unsupported=registry))
    for facts in ({}, {"platform": "linux"}):
        got = run(rf, **facts)["9"]
        assert (got.status, got.reason, got.args) == (NA, "sca.unsupported", {"detail": registry})


def test_commands_not_allowed_are_not_applicable_with_the_flag_to_pass() -> None:
    rf = rule_file(check("4020", ALL, c("sshd -T", (lit("permitrootlogin no"),))))
    got = run(rf, desktop(commands_allowed=False, commands={}))["4020"]
    assert (got.status, got.reason) == (NA, "sca.rule_not_applicable")
    assert "--allow-policy-commands FILE" in got.message
    assert "--allow-policy-commands FILE" in catalog("zh").reason(got.reason, got.args, "")


# --- requirements -----------------------------------------------------------------------------

REQUIRE_SSH = Requirements(
    "Check that the SSH service is installed and password files are present",
    ANY,
    (f(SSHD, "/opt/ssh/etc/sshd_config"), f("/etc/passwd")),
)


def _with_requirements(req: Requirements) -> RuleFile:
    return rule_file(
        check("1", ALL, f(SSHD)),
        check("2", NONE, p("telnetd")),
        check("3", ALL, f(SSHD), unsupported="r: rules"),
        requirements=req,
    )


def test_requirements_met_let_the_checks_run() -> None:
    got = run(_with_requirements(REQUIRE_SSH))
    assert [x.status for x in got.values()] == [PASS, PASS, NA]


def test_requirements_not_met_make_every_check_not_applicable_with_the_title() -> None:
    # doc: "If the requirements aren't satisfied for a specific policy file, the scan for that
    # file won't start"
    no_ssh = desktop(
        files={
            **desktop().files,
            SSHD: SeenFile(SSHD, Seen.MISSING),
            "/etc/passwd": SeenFile("/etc/passwd", Seen.MISSING),
        }
    )
    got = run(_with_requirements(REQUIRE_SSH), no_ssh)
    assert [(x.status, x.reason) for x in got.values()][:2] == [
        (NA, "sca.requirements_not_met"),
        (NA, "sca.requirements_not_met"),
    ]
    assert got["1"].args == {"title": REQUIRE_SSH.title}
    assert got["1"].evidence["requirements"][1]["result"] == "failed"
    # Wazuh: requirements that come out not applicable count as not met
    na = dataclasses.replace(REQUIRE_SSH, rules=(f("/etc/hosts.equiv", content=(rx("."),)),))
    assert run(_with_requirements(na))["2"].reason == "sca.requirements_not_met"


def test_requirements_that_cannot_be_decided_make_every_check_undecided() -> None:
    unread = dataclasses.replace(REQUIRE_SSH, condition=ALL, rules=(f("/etc/shadow"),))
    got = run(_with_requirements(unread))
    assert [(x.status, x.reason) for x in got.values()][:2] == [
        (ERROR, "sca.requirements_undecided"),
        (ERROR, "sca.requirements_undecided"),
    ]
    assert got["1"].args["why"] == {PART: "sca.unreadable", "path": "/etc/shadow"}


# --- every reason, in both languages ----------------------------------------------------------


def _extra_rules() -> Iterator[tuple[Rule, Watched]]:
    """Rule outcomes the rule tables of test_sca_evaluate reach only with changed host data."""
    host_ = desktop()
    yield p("clamd"), desktop(processes=None)
    yield p("telnetd"), desktop(processes_truncated=True)
    for why in ("budget", "no_timeout"):
        cut_short = SeenCommand("sshd -T", ran=False, not_run=why)
        yield c("sshd -T", (rx("x"),)), desktop(commands={"sshd -T": cut_short})
    yield c("sshd -T", (rx("x"),)), desktop(commands_allowed=False, commands={})
    slow = SeenCommand("sshd -T", True, None, (), timed_out=True)
    yield c("sshd -T", (rx("x"),)), desktop(commands={"sshd -T": slow})
    cut = SeenCommand("sshd -T", True, 0, ("port 22",), truncated=True)
    yield c("sshd -T", (rx("^permitrootlogin"),)), desktop(commands={"sshd -T": cut})
    cut_file = SeenFile(SSHD, Seen.FILE, ("Port 22",), truncated=True)
    yield f(SSHD, content=(rx("^Banner"),)), desktop(files={**host_.files, SSHD: cut_file})
    yield f(SSHD, content=(rx("^(Port"),)), host_
    yield f("/etc/login.defs", content=(num(r"^PASS_MAX_DAYS\s+\d+", "<", 9),)), host_
    yield f("/etc/login.defs", content=(num(r"^ENCRYPT_METHOD\s+(\w+)", "<", 9),)), host_
    bare = dataclasses.replace(num(r"^UMASK\s+(\d+)", "<", 9), compare=None)
    yield f("/etc/login.defs", content=(bare,)), host_
    yield r(r"HKEY_LOCAL_MACHINE\System\CurrentControlSet\Control\Lsa"), host_
    blocked = SeenFile("/etc/modprobe.d/pipe.conf", Seen.OTHER)
    yield f(blocked.path), desktop(files={**host_.files, blocked.path: blocked})


def _timeout_rule() -> tuple[Rule, Watched]:
    line = "a" * 5000 + "b"
    hostile = SeenFile("/etc/issue.net", Seen.FILE, (line,))
    return f(hostile.path, content=(rx("(a+)+$"),)), desktop(
        files={**desktop().files, hostile.path: hostile}
    )


def sca_findings_for_i18n() -> list[Finding]:
    """Every reason and part of netguard/sca once (test_i18n renders them in both languages):
    each rule outcome of the rule tables as the rule that decides a one-rule check."""
    cases: list[tuple[Rule, Watched]] = [
        (rule, desktop())
        for rule, _, _ in (*FILE_CASES, *DIR_CASES, *PROCESS_CASES, *COMMAND_CASES)
    ]
    cases += list(_extra_rules())
    saved, ev.REGEX_TIMEOUT_S = ev.REGEX_TIMEOUT_S, 0.05
    try:
        cases.append(_timeout_rule())
        out: list[Finding] = []
        for i, (rule, watched) in enumerate(cases):
            # the rule decides: `any` on a pass, `all` on anything else
            passed = evaluate_rule(rule, watched).outcome is Outcome.PASSED
            one = check(str(i), ANY if passed else ALL, rule)
            out += run(rule_file(one), watched).values()
    finally:
        ev.REGEX_TIMEOUT_S = saved
    everyone = rule_file(
        check("a", ALL, p("clamd")),
        check("b", ANY, p("telnetd")),
        check("c", NONE, p("telnetd")),
        check("d", NONE, p("clamd")),
        check("e", ALL, f(SSHD), unsupported="r: rules"),
    )
    out += run(everyone).values()
    out += run(everyone, platform="windows").values()
    out += run(_with_requirements(REQUIRE_SSH), desktop(files={})).values()
    unmet = dataclasses.replace(REQUIRE_SSH, rules=(f("/etc/hosts.equiv"),))
    out += run(_with_requirements(unmet)).values()
    return out


def _parts(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        if PART in value:
            yield value[PART]
        for v in value.values():
            yield from _parts(v)


def test_every_sca_reason_and_part_is_reached_and_said_in_both_languages() -> None:
    found = sca_findings_for_i18n()
    en = catalog("en").messages
    reasons = {k.removeprefix("reasons.") for k in en if k.startswith("reasons.sca.")}
    parts = {k.removeprefix("parts.") for k in en if k.startswith("parts.sca.")}
    assert {x.reason for x in found} == reasons
    assert {part for x in found for part in _parts(x.args)} == parts
    for x in found:
        for lang in LANGS:
            said = catalog(lang).reason(x.reason, x.args, "\x00")
            assert said != "\x00", (lang, x.reason, x.args)


@pytest.mark.parametrize("lang", LANGS)
def test_the_commands_reason_reads_in_each_language(lang: str) -> None:
    part = {PART: "sca.command_not_allowed", "command": "sshd -T"}
    said = catalog(lang).reason("sca.rule_not_applicable", {"rule": "c:sshd -T", "why": part}, "")
    assert "--allow-policy-commands FILE" in said and "sshd -T" in said

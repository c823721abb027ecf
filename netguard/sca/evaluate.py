"""Rules over what the script read, with Wazuh SCA's semantics: pure, no I/O.

A rule gives one of four outcomes. Wazuh's three — passed, failed, not applicable ("could not be
checked", with the reason) — and netguard's own ``error``: what netguard itself failed to read
(a path or command not in ``Watched``, a file the audit account could not read, output cut by a
cap where the answer depends on the rest, a regular expression that ran out of time). An error is
never a pass and never not-applicable: the check that depends on it is undecided.

The reference is Wazuh's documentation (creating-custom-policies); where it leaves a detail open,
Wazuh's implementation (``src/wazuh_modules/wm_sca.c``) decided it. Each such decision is marked
with a ``Wazuh:`` comment.

Regular expressions: ``search(pattern, text)`` is the one entry point. It takes the pattern as
the loader compiled it in its flavour (rules.compile_regex: OS_Regex, PCRE2 or OS_Match, all in
the ``regex`` engine, cached) and bounds every search in time (``REGEX_TIMEOUT_S``, and
``RULE_BUDGET_S`` for all the searches of one rule).
"""

from __future__ import annotations

import contextvars
import operator
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from netguard.checks.base import part
from netguard.i18n import PART
from netguard.model.watched import Seen, SeenCommand, SeenFile, Watched
from netguard.sca.model import Condition, Pattern, PatternOp, Rule, RuleKind
from netguard.sca.rules import RegexTimeout, RuleError, compile_regex

#: How long one search of one line may take before the rule is undecidable (seconds) …
REGEX_TIMEOUT_S = 1.0
#: … and all the searches of one rule together (a hostile file of many slow lines).
RULE_BUDGET_S = 5.0
#: when the rule being evaluated runs out of time (time.monotonic(); None: no rule is)
_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar("_DEADLINE", default=None)
#: Matched lines kept per rule for the evidence, and the characters kept of each.
MAX_MATCHED = 5
MAX_LINE_CHARS = 240
#: A shell's exit status for "not found" / "not executable": the command could not be run.
#: Wazuh: wm_exec's EXECVE_ERROR ("Invalid path or wrong permissions to run command") → invalid.
CANNOT_RUN = frozenset({126, 127})

_COMPARE: dict[str, Callable[[int, int], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    ">": operator.gt,
}


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_APPLICABLE = "not_applicable"
    ERROR = "error"  # netguard could not read what the answer depends on


class RegexProblem(Exception):
    """A pattern that does not compile or a search that ran out of time: undecidable."""

    def __init__(self, pattern: str, detail: str = "", *, timed_out: bool = False) -> None:
        super().__init__(pattern, detail, timed_out)
        self.pattern = pattern
        self.detail = detail  # the compiler's complaint ("" for a time-out)
        self.timed_out = timed_out


def search(p: Pattern, text: str) -> Any:
    """The first match of ``p``'s expression in ``text`` (a ``regex`` Match) or None, compiled in
    the pattern's own flavour (rules.compile_regex: the loader's cache). Raises RegexProblem
    when the pattern does not compile, or the search takes longer than ``REGEX_TIMEOUT_S`` or
    than what is left of the rule's ``RULE_BUDGET_S``."""
    timeout = REGEX_TIMEOUT_S
    deadline = _DEADLINE.get()
    if deadline is not None:
        timeout = min(timeout, deadline - time.monotonic())
        if timeout <= 0:
            raise RegexProblem(p.value, timed_out=True)
    try:
        compiled = compile_regex(p.value, p.flavour)
    except RuleError as exc:
        raise RegexProblem(p.value, exc.message) from None
    try:
        return compiled.search(text, timeout=timeout)
    except RegexTimeout:
        raise RegexProblem(p.value, timed_out=True) from None


#: Why a rule came out as it did: a part (``parts.sca.<id>`` with its arguments), which the
#: check's reason quotes for the rule that decided it.
Why = dict[str, Any]


@dataclass(frozen=True)
class RuleResult:
    rule: Rule
    outcome: Outcome
    why: Why
    #: lines that satisfied the content chain, as (file or command, line), capped
    matched: tuple[tuple[str, str], ...] = ()
    #: c: rules: the command as run and its exit status (None: not run or no status)
    command: SeenCommand | None = None

    def evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule.text,
            "result": str(self.outcome),
            "why": self.why[PART],
            **{k: v for k, v in self.why.items() if k != PART},
        }
        if self.matched:
            out["matched"] = [{"source": s, "line": line} for s, line in self.matched]
        if self.command is not None:
            out["command"] = self.command.command
            out["exit_status"] = self.command.exit_status
        return out


# --- one raw answer per target, before `not` --------------------------------------------------


class _Raw(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    INVALID = "invalid"  # Wazuh's "not applicable"
    ERROR = "error"


@dataclass(frozen=True)
class _Answer:
    raw: _Raw
    why: Why
    matched: tuple[tuple[str, str], ...] = ()
    command: SeenCommand | None = None


def _combine(answers: Sequence[_Answer], none: _Answer) -> _Answer:
    """A rule over several targets (``f:/a,/b``, a directory's entries): found when any target
    is; else undecidable when any could not be read; else not applicable when any could not be
    checked; else not found (``none``, or the one target's own answer).
    Wazuh: wm_sca_check_file_list_for_* and wm_sca_check_dir_list break on the first found and
    otherwise keep "invalid" when any target was invalid; netguard's error ranks above invalid,
    because the unread target might have been the one that matched."""
    for raw in (_Raw.FOUND, _Raw.ERROR, _Raw.INVALID):
        hits = [a for a in answers if a.raw is raw]
        if hits and raw is _Raw.FOUND:
            matched = tuple(m for a in hits for m in a.matched)[:MAX_MATCHED]
            return _Answer(raw, hits[0].why, matched, hits[0].command)
        if hits:
            return hits[0]
    return answers[0] if len(answers) == 1 else none


# --- content: the `&&` chain on one line ------------------------------------------------------


class _Invalid(Exception):
    """The chain cannot be applied to a line (n: matched without a number to compare)."""

    def __init__(self, why: Why) -> None:
        super().__init__(why[PART])
        self.why = why


def _holds(p: Pattern, line: str) -> bool:
    if p.op is PatternOp.LITERAL:
        # Wazuh (doc): "Literal comparison, exact match" — the whole line, case-sensitive
        # ("Content checks are case-sensitive"; wm_sca.c compares with strcasecmp: the
        # documentation is the reference here).
        hit = line == p.value
    elif p.op is PatternOp.REGEX:
        hit = search(p, line) is not None  # Wazuh: searched anywhere in the line
    else:
        hit = _numeric(p, line)
    return hit != p.negated  # Wazuh: `!` inverts the one test it stands before


def _numeric(p: Pattern, line: str) -> bool:
    m = search(p, line)
    if m is None:
        return False  # Wazuh: the regex does not match this line → not found here
    captured = m.group(1) if m.re.groups else None
    if captured is None:
        # Wazuh: "matched, but no string was captured" → invalid
        raise _Invalid(part("sca.no_capture", pattern=p.value))
    try:
        value = int(captured.strip())
    except ValueError:
        raise _Invalid(part("sca.not_a_number", pattern=p.value, value=captured[:40])) from None
    if p.compare not in _COMPARE or p.number is None:
        raise _Invalid(part("sca.no_comparison", pattern=p.value))
    # Wazuh (doc): `n:REGEX compare <= 4` holds when the captured number <= 4
    return _COMPARE[p.compare](value, p.number)


def _line_matches(chain: Sequence[Pattern], line: str) -> bool:
    # Wazuh (doc): "&&" chains tests that must all hold "on the same line"; no order promised
    return all(_holds(p, line) for p in chain)


def _scan(
    source: str,
    lines: Iterable[str],
    chain: Sequence[Pattern],
    truncated: bool,
    found: Why,
    not_found: Why,
    cut: Why,
) -> _Answer:
    """Lines against the chain: found when any line satisfies it (Wazuh: "a content check is
    limited to a line"; the rule passes on the first line that matches)."""
    matched: list[tuple[str, str]] = []
    invalid: Why | None = None
    for line in lines:
        try:
            ok = _line_matches(chain, line)
        except _Invalid as exc:
            invalid = invalid or exc.why
            continue
        if ok:
            matched.append((source, line[:MAX_LINE_CHARS]))
            if len(matched) >= MAX_MATCHED:
                break
    if matched:  # a match in what was read stands, whatever the cut-off rest holds
        return _Answer(_Raw.FOUND, found, tuple(matched))
    if truncated:
        return _Answer(_Raw.ERROR, cut)
    if invalid is not None:
        return _Answer(_Raw.INVALID, invalid)
    return _Answer(_Raw.NOT_FOUND, not_found)


# --- the rule kinds ---------------------------------------------------------------------------


def _file(watched: Watched, path: str, chain: Sequence[Pattern]) -> _Answer:
    seen = watched.files.get(path)
    if seen is None:
        return _Answer(_Raw.ERROR, part("sca.not_watched", path=path))
    return _seen_file(seen, chain)


def _seen_file(seen: SeenFile, chain: Sequence[Pattern]) -> _Answer:
    path = seen.path
    if seen.kind is Seen.UNREADABLE:
        # netguard: the audit account could not read (or stat) it — our failure, not the host's
        return _Answer(_Raw.ERROR, part("sca.unreadable", path=path))
    if not chain:  # an existence rule
        if seen.kind is Seen.FILE:
            return _Answer(_Raw.FOUND, part("sca.file_exists", path=path))
        if seen.kind is Seen.MISSING:
            # Wazuh: lstat ENOENT (or a dangling link) → not found, so `not f:` passes
            return _Answer(_Raw.NOT_FOUND, part("sca.file_missing", path=path))
        # Wazuh: "Not a regular file" (a directory, a device…) → invalid
        return _not_a_file(seen)
    if seen.kind is Seen.MISSING:
        # Wazuh (doc): "If the target of a rule that checks for contents does not exist, the
        # result will be non-applicable as it could not be checked."
        return _Answer(_Raw.INVALID, part("sca.target_missing", path=path))
    if seen.kind is not Seen.FILE:
        # Wazuh: the existence test before a content test fails for a non-regular file → invalid
        return _not_a_file(seen)
    return _scan(
        path,
        seen.lines,
        chain,
        seen.truncated,
        part("sca.content_matched", path=path),
        part("sca.content_not_matched", path=path),
        part("sca.truncated", path=path),
    )


def _not_a_file(seen: SeenFile) -> _Answer:
    if seen.kind is Seen.DIRECTORY:
        return _Answer(_Raw.INVALID, part("sca.file_is_directory", path=seen.path))
    return _Answer(_Raw.INVALID, part("sca.file_is_special", path=seen.path))


def _not_a_directory(path: str, kind: Seen) -> _Answer:
    if kind is Seen.FILE:
        return _Answer(_Raw.INVALID, part("sca.directory_is_file", path=path))
    return _Answer(_Raw.INVALID, part("sca.directory_is_special", path=path))


def _name_matches(p: Pattern, name: str) -> bool:
    # Wazuh: `r:` → OS_Regex searched in the entry's name; otherwise OS_Match2 (sregex)
    hit = search(p, name) is not None if p.op is PatternOp.REGEX else _sregex(p.value, name)
    return hit != p.negated


def _sregex(pattern: str, name: str) -> bool:
    """Wazuh: a directory rule's file name without `r:` is an OS_Match2 ("sregex") pattern:
    alternatives split by `|`, each a substring unless anchored by `^` and/or `$`, compared
    without regard to case (OS_Match lowercases pattern and text)."""
    name = name.lower()
    for alt in pattern.lower().split("|"):
        start, end = alt.startswith("^"), alt.endswith("$") and len(alt) > 1
        core = alt[1 if start else 0 : len(alt) - 1 if end else len(alt)]
        if start and end:
            hit = name == core
        elif start:
            hit = name.startswith(core)
        elif end:
            hit = name.endswith(core)
        else:
            hit = core in name
        if hit:
            return True
    return False


def _directory(watched: Watched, path: str, rule: Rule) -> _Answer:
    seen = watched.directories.get(path)
    if seen is None:
        return _Answer(_Raw.ERROR, part("sca.not_watched", path=path))
    if seen.kind is Seen.UNREADABLE:
        return _Answer(_Raw.ERROR, part("sca.unreadable", path=path))
    if rule.file_pattern is None:  # d:/path — existence
        if seen.kind is Seen.DIRECTORY:
            return _Answer(_Raw.FOUND, part("sca.directory_exists", path=path))
        if seen.kind is Seen.MISSING:
            return _Answer(_Raw.NOT_FOUND, part("sca.directory_missing", path=path))
        # Wazuh: opendir fails with ENOTDIR → "Could not check directory existence" → invalid
        return _not_a_directory(path, seen.kind)
    if seen.kind is not Seen.DIRECTORY:
        # Wazuh: wm_sca_check_dir cannot resolve or open the directory → invalid, also when it
        # is missing (the rule looks at the contents of something that is not there)
        if seen.kind is Seen.MISSING:
            return _Answer(_Raw.INVALID, part("sca.target_missing", path=path))
        return _not_a_directory(path, seen.kind)
    pattern = rule.file_pattern
    answers = [
        # Wazuh: wm_sca_check_dir recurses into subdirectories and tests every other entry's
        # name; a matching entry goes through the file rule (existence, or the content chain)
        _seen_file(entry, rule.content)
        for entry in seen.entries
        if entry.kind is not Seen.DIRECTORY and _name_matches(pattern, _basename(entry.path))
    ]
    if seen.truncated and not any(a.raw is _Raw.FOUND for a in answers):
        return _Answer(_Raw.ERROR, part("sca.truncated", path=path))
    # no name matched, or files matched by name and none of their lines did
    none = part("sca.no_matching_line", path=path) if answers else part("sca.no_entry", path=path)
    return _combine(answers, _Answer(_Raw.NOT_FOUND, none))


def _basename(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def process_name(command_line: str) -> str:
    """The name ``ps`` shows for a process, from its command line as the script reads it:
    the kernel's name for a bracketed kernel thread, else the last path part of the first word
    without a trailing ``:`` (``sshd: /usr/sbin/sshd -D [listener]`` → ``sshd``) or a login
    shell's leading ``-`` (``-bash`` → ``bash``).
    Wazuh: w_os_get_process_list keeps the CMD column of ``ps -p PID`` — the process name,
    not its arguments."""
    text = command_line.strip()
    if text.startswith("[") and text.endswith("]"):
        return text[1:-1]
    first = text.split(" ", 1)[0] if text else ""
    return _basename(first).removesuffix(":").removeprefix("-")


def _process(watched: Watched, rule: Rule) -> _Answer:
    if watched.processes is None:
        return _Answer(_Raw.ERROR, part("sca.processes_not_read"))
    chain = rule.content or tuple(_target_pattern(t) for t in rule.targets[:1])
    names = sorted({process_name(p) for p in watched.processes})
    target = ", ".join(rule.targets)
    # Wazuh: wm_sca_check_process_is_running applies the rule's pattern to each process name
    return _scan(
        "processes",
        names,
        chain,
        watched.processes_truncated,
        part("sca.process_running", process=target),
        part("sca.process_not_running", process=target),
        part("sca.processes_truncated"),
    )


def _target_pattern(target: str) -> Pattern:
    """A p: target as Wazuh reads it: ``r:REGEX`` searched in the name, else the whole name."""
    if target.startswith("r:"):
        return Pattern(PatternOp.REGEX, target[2:])
    return Pattern(PatternOp.LITERAL, target)


def _command(watched: Watched, command: str, chain: Sequence[Pattern]) -> _Answer:
    seen = watched.commands.get(command)
    if seen is None:
        if not watched.commands_allowed:  # nothing of this run was allowed to run
            return _Answer(_Raw.INVALID, part("sca.command_not_allowed", command=command))
        return _Answer(_Raw.ERROR, part("sca.command_not_watched", command=command))
    if not seen.ran:
        if seen.not_run in ("", "not_allowed"):
            # netguard: the operator did not allow this rule file's commands for this run.
            # Wazuh: a command it may not run ("sca.remote_commands" disabled) is invalid too.
            why = part("sca.command_not_allowed", command=command)
            return _Answer(_Raw.INVALID, why, command=seen)
        # the collection stopped before it (its budget) or could not bound it: undecided
        if seen.not_run == "no_timeout":
            why = part("sca.command_unbounded", command=command)
        else:
            why = part("sca.command_cut_short", command=command)
        return _Answer(_Raw.ERROR, why, command=seen)
    if seen.timed_out:
        return _Answer(_Raw.ERROR, part("sca.command_timed_out", command=command), command=seen)
    if not chain:
        # Wazuh: wm_sca_read_command with no pattern → found (the doc allows only content)
        return _Answer(_Raw.FOUND, part("sca.command_ran", command=command), command=seen)
    if seen.exit_status in CANNOT_RUN:
        why = part("sca.command_cannot_run", command=command, status=seen.exit_status)
        return _Answer(_Raw.INVALID, why, command=seen)
    # Wazuh: any other exit status still has its output tested; no output → not found
    answer = _scan(
        command,
        seen.lines,
        chain,
        seen.truncated,
        part("sca.output_matched", command=command),
        part("sca.output_not_matched", command=command),
        part("sca.output_truncated", command=command),
    )
    return _Answer(answer.raw, answer.why, answer.matched, seen)


def _raw(rule: Rule, watched: Watched) -> _Answer:
    kind = rule.kind
    if kind is RuleKind.REGISTRY:
        return _Answer(_Raw.INVALID, part("sca.registry", key=", ".join(rule.targets)))
    if kind is RuleKind.PROCESS:
        return _process(watched, rule)
    # Wazuh: a comma-separated target list (already split into ``targets``) is found when any
    # target is (wm_sca_check_file_list_for_*, wm_sca_check_dir_list)
    if kind is RuleKind.FILE:
        answers = [_file(watched, t, rule.content) for t in rule.targets]
    elif kind is RuleKind.DIRECTORY:
        answers = [_directory(watched, t, rule) for t in rule.targets]
    else:
        answers = [_command(watched, t, rule.content) for t in rule.targets]
    paths = ", ".join(rule.targets)
    return _combine(answers, _Answer(_Raw.NOT_FOUND, part("sca.no_target", path=paths)))


def evaluate_rule(rule: Rule, watched: Watched) -> RuleResult:
    """One rule's outcome over what the script read (its searches bounded by RULE_BUDGET_S)."""
    token = _DEADLINE.set(time.monotonic() + RULE_BUDGET_S)
    try:
        ans = _raw(rule, watched)
    except RegexProblem as exc:
        if exc.timed_out:
            return RuleResult(rule, Outcome.ERROR, part("sca.regex_timeout", pattern=exc.pattern))
        why = part("sca.regex_invalid", pattern=exc.pattern, error=exc.detail[:200])
        return RuleResult(rule, Outcome.ERROR, why)
    finally:
        _DEADLINE.reset(token)
    if ans.raw is _Raw.ERROR:
        return RuleResult(rule, Outcome.ERROR, ans.why, ans.matched, ans.command)
    if ans.raw is _Raw.INVALID:
        # Wazuh: `not` leaves an invalid result invalid (found = negated ^ found only otherwise)
        return RuleResult(rule, Outcome.NOT_APPLICABLE, ans.why, ans.matched, ans.command)
    found = ans.raw is _Raw.FOUND
    # Wazuh (doc): "not RULE" — the rule fails where it would pass, and passes where it would fail
    passed = found != rule.negated
    outcome = Outcome.PASSED if passed else Outcome.FAILED
    return RuleResult(rule, outcome, ans.why, ans.matched, ans.command)


@dataclass(frozen=True)
class CheckResult:
    outcome: Outcome
    #: the rule that decided it (None: every rule agreed — all passed, or none of them did)
    deciding: RuleResult | None
    rules: tuple[RuleResult, ...]


def combine(condition: Condition, results: Sequence[RuleResult]) -> CheckResult:
    """A check's outcome from its rules' outcomes (Wazuh's condition truth table, plus error).

    Wazuh (doc):
      all:  failed if any failed; else not applicable if any is; else passed.
      any:  passed if any passed; else not applicable if any is; else failed.
      none: failed if any passed; else not applicable if any is; else passed.
    netguard: an error (what netguard could not read) decides wherever a not-applicable would,
    and before it: it can hide a passed or failed rule, so the check is undecided. A failed
    rule under `all`, or a passed one under `any`/`none`, decides whatever the others say."""
    results = tuple(results)

    def first(outcome: Outcome) -> RuleResult | None:
        return next((r for r in results if r.outcome is outcome), None)

    decisive = Outcome.FAILED if condition is Condition.ALL else Outcome.PASSED
    hit = first(decisive)
    if hit is not None:
        outcome = Outcome.PASSED if condition is Condition.ANY else Outcome.FAILED
        return CheckResult(outcome, hit, results)
    for undecided in (Outcome.ERROR, Outcome.NOT_APPLICABLE):
        hit = first(undecided)
        if hit is not None:
            return CheckResult(undecided, hit, results)
    # every rule passed (all), or none did (any: failed, none: passed)
    # Wazuh: an empty rule list leaves the aggregator's start value: all passed, any failed,
    # none passed
    outcome = Outcome.FAILED if condition is Condition.ANY else Outcome.PASSED
    return CheckResult(outcome, None, results)


def evaluate_rules(condition: Condition, rules: Iterable[Rule], watched: Watched) -> CheckResult:
    """Every rule evaluated (so the evidence shows each), then combined."""
    return combine(condition, [evaluate_rule(r, watched) for r in rules])

"""Rule text → Rule: Wazuh's rule language, as Wazuh documents it.

A rule is ``[not ]TYPE:TARGET[ -> CONTENT]``:

- ``f:PATH[,PATH…]`` a file, ``d:DIR[,DIR…] -> FILE_PATTERN[ -> CONTENT]`` the files under a
  directory (recursively), ``p:NAME`` a running process, ``c:COMMAND -> CONTENT`` a command's
  output, ``r:KEY[ -> VALUE[ -> CONTENT]]`` the Windows registry (parsed so that it can be named;
  never evaluated on Linux);
- CONTENT is a chain ``TEST && TEST …`` that one line must satisfy as a whole: ``TEXT`` (the
  whole line is TEXT), ``r:REGEX`` (the regex is found in the line), ``n:REGEX compare OP N``
  (the regex's first group, as an integer, compared with N; OP one of ``< <= == != >= >``);
  ``!`` before a test negates it, ``not`` before the rule negates the rule;
- the spaces around `` -> ``, `` && `` and `` compare `` are part of the syntax.

Regular expressions come in the languages of ``RegexFlavour`` (docs/formats.md, "Regular
expressions"): Wazuh's OS_Regex (an SCA policy's default), PCRE2 (``regex_type: pcre2``;
netguard rule files) and OS_Match (the file-name part of an SCA ``d:`` rule). All three are
translated to one engine, the ``regex`` package, whose matching takes a time limit, so a
pattern that backtracks catastrophically costs a bounded time on a hostile line instead of
hanging the audit. Every pattern is compiled when the file is loaded: a pattern that does not
compile is an error with its column, before any host is contacted.

OS_Regex is a greedy scanner with little backtracking; its translation matches wherever
OS_Regex matches, and in the few cases where OS_Regex gives up early (``\\p*\\d*:`` against
``:``) the translation may still find the match.

A ``RuleError`` carries the 1-based column in the rule text; the loader adds file and line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from netguard.sca.model import Pattern, PatternOp, RegexFlavour, Rule, RuleKind
from netguard.untrusted import find_unsafe

if TYPE_CHECKING:
    import regex

__all__ = [
    "COMPARE_OPS",
    "DEFAULT_TIMEOUT",
    "CompiledRegex",
    "PathRuleError",
    "RegexTimeout",
    "RuleError",
    "compile_regex",
    "parse_rule",
    "path_problem",
    "regex_of",
    "substitute",
]

ARROW = " -> "
AND = " && "
COMPARE = " compare "
COMPARE_OPS = ("<", "<=", "==", "!=", ">=", ">")
#: seconds one search of one line may take (catastrophic backtracking stops there)
DEFAULT_TIMEOUT = 0.25
MAX_RULE = 8192  # characters of one rule
MAX_REGEX = 4096  # characters of one pattern
MAX_PATH = 4096  # Linux PATH_MAX
SHELL_CHARS = "$`;|&<>*?(){}[]'\"\\"

_TYPES = {kind.value: kind for kind in RuleKind}
_NUMBER = re.compile(r"(<=|>=|==|!=|<|>) *([0-9]+) *")
_VARIABLE = re.compile(r"\$[A-Za-z0-9_]+")
# `x:` is an unknown operator; `C:\Windows` and `d:/dir` are text (Windows registry data)
_OPERATOR_LIKE = re.compile(r"[A-Za-z]:(?![\\/])")
_GLUED_AND = re.compile(r"&&\s*!?[rnRN]:")


class RuleError(ValueError):
    """A rule that cannot be parsed or is not allowed: ``column`` (1-based) points into the
    rule text, so the loader can name file, line and column."""

    def __init__(self, message: str, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


class PathRuleError(RuleError):
    """A target path the script may not read (path_problem). The rule is well formed: an SCA
    policy's check that needs it is reported as unsupported; a netguard rule file is refused."""


class RegexTimeout(Exception):
    """A search ran past its time limit (catastrophic backtracking on this line): the rule is
    undecidable on this host, never passed."""

    def __init__(self, source: str) -> None:
        super().__init__(f"regular expression {source!r} ran past its time limit")
        self.source = source


class CompiledRegex:
    """A pattern compiled into the ``regex`` engine: what evaluation calls."""

    __slots__ = ("_compiled", "flavour", "groups", "source")

    def __init__(self, source: str, flavour: RegexFlavour, compiled: regex.Pattern[str]) -> None:
        self.source = source  # as written in the rule
        self.flavour = flavour
        self._compiled = compiled
        self.groups: int = compiled.groups  # capture groups (n: needs at least one)

    def search(self, line: str, timeout: float = DEFAULT_TIMEOUT) -> regex.Match[str] | None:
        """The first match in ``line`` or None; RegexTimeout past ``timeout`` seconds."""
        try:
            return self._compiled.search(line, timeout=timeout)
        except TimeoutError:
            raise RegexTimeout(self.source) from None

    def __repr__(self) -> str:
        return f"CompiledRegex({self.source!r}, {self.flavour.value})"


# -- regular expressions ---------------------------------------------------------------------------

# OS_Regex's backslash classes, as character classes of the engine.
_OS_CLASSES = {
    "w": r"[A-Za-z0-9@_\-]",
    "W": r"[^A-Za-z0-9@_\-]",
    "d": r"[0-9]",
    "D": r"[^0-9]",
    "s": r"[ ]",
    "S": r"[^ ]",
    "t": r"\t",
    "p": r"[()*+,\-.:;<=>?\[\]!\"'#$%&|{}]",
    ".": r"(?s:.)",
}
_OS_ESCAPES = "$()\\|<"  # \$ \( \) \\ \| \< stand for the character itself


def _translate_osregex(text: str) -> str:
    """OS_Regex → the engine's syntax. Raises RuleError(column within ``text``)."""
    out: list[str] = []
    depth = 0
    alt_start = True  # at the start of an alternative (`^` anchors there)
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            if i + 1 >= n:
                raise RuleError("a backslash ends the expression", i + 1)
            e = text[i + 1]
            if e in _OS_CLASSES:
                out.append(_OS_CLASSES[e])
                i += 2
                if i < n and text[i] in "+*":
                    out.append(text[i])
                    i += 1
            elif e in _OS_ESCAPES:
                out.append(re.escape(e))
                i += 2
            else:
                raise RuleError(
                    f"'\\{e}' is not an OS_Regex escape (known: \\w \\W \\d \\D \\s \\S \\t \\p "
                    "\\. and \\$ \\( \\) \\\\ \\| \\<); write regex_type: pcre2 in the policy "
                    "section for PCRE syntax",
                    i + 1,
                )
            alt_start = False
            continue
        if c == "^" and alt_start:
            out.append("^")
        elif c == "$" and (i + 1 == n or text[i + 1] == "|"):
            out.append("$")
        elif c == "|":
            if depth:
                raise RuleError("OS_Regex allows no '|' inside parentheses", i + 1)
            out.append("|")
            alt_start = True
            i += 1
            continue
        elif c == "(":
            if depth:
                raise RuleError("OS_Regex allows no parentheses inside parentheses", i + 1)
            depth += 1
            out.append("(")
        elif c == ")":
            if not depth:
                raise RuleError("')' without '('", i + 1)
            depth -= 1
            out.append(")")
        else:
            out.append(re.escape(c))  # `.`, `*`, `+`, `[`… are plain characters in OS_Regex
        alt_start = False
        i += 1
    if depth:
        raise RuleError("'(' is never closed", text.rindex("(") + 1)
    return "".join(out)


def _translate_osmatch(text: str) -> str:
    """OS_Match → the engine's syntax: alternatives of plain text with ^/$ anchors."""
    parts = []
    for alt in text.split("|"):
        head = "^" if alt.startswith("^") else ""
        body = alt[1:] if head else alt
        tail = "$" if body.endswith("$") else ""
        body = body[:-1] if tail else body
        parts.append(head + re.escape(body) + tail)
    return "|".join(parts)


def _engine() -> Any:
    """The ``regex`` package, imported when the first pattern is compiled: it is a compiled
    extension, which the single-file build (tools/build_zipapp.py) does not carry — that build
    still reads packs without rule files, and names the full install for one with them."""
    try:
        import regex
    except ImportError as exc:
        raise RuleError(
            f"rule files need the full install of netguard (pip install netguard; here: {exc})"
        ) from None
    return regex


@lru_cache(maxsize=4096)
def compile_regex(text: str, flavour: RegexFlavour = RegexFlavour.PCRE2) -> CompiledRegex:
    """Compile a pattern of ``flavour``. Raises RuleError with the column within ``text``.
    Cached: loading compiles every pattern once, evaluation gets the same object back."""
    if not text:
        raise RuleError("the regular expression is empty", 1)
    if len(text) > MAX_REGEX:
        raise RuleError(f"the regular expression is longer than {MAX_REGEX} characters", 1)
    regex = _engine()
    flags = regex.V0
    if flavour is RegexFlavour.OSREGEX:
        source = _translate_osregex(text)
        flags |= regex.IGNORECASE
    elif flavour is RegexFlavour.OSMATCH:
        source = _translate_osmatch(text)
        flags |= regex.IGNORECASE
    else:
        source = text
    try:
        compiled = regex.compile(source, flags)
    except regex.error as exc:
        # For OS_Regex the translation is checked above; an engine error there is ours.
        pos = getattr(exc, "pos", None)
        column = pos + 1 if isinstance(pos, int) and flavour is RegexFlavour.PCRE2 else 1
        raise RuleError(
            f"the regular expression does not compile: {getattr(exc, 'msg', exc)}", column
        ) from None
    except (OverflowError, RecursionError, MemoryError):
        raise RuleError("the regular expression is too complex to compile", 1) from None
    return CompiledRegex(text, flavour, compiled)


def regex_of(pattern: Pattern) -> CompiledRegex:
    """The compiled regex of a REGEX or NUMERIC pattern (from the load-time cache)."""
    if pattern.op is PatternOp.LITERAL:
        raise ValueError("a literal pattern has no regular expression")
    return compile_regex(pattern.value, pattern.flavour)


# -- paths -----------------------------------------------------------------------------------------


def path_problem(path: str) -> str:
    """Why ``path`` may not be read by the script ("" when it may): absolute, no control
    characters, no shell text."""
    if not path:
        return "the path is empty"
    bad = find_unsafe(path)
    if bad is not None:
        return f"the path contains the control character U+{ord(bad.group()):04X}"
    if not path.startswith("/"):
        return "the path is not absolute (it must start with /)"
    if len(path) > MAX_PATH:
        return f"the path is longer than {MAX_PATH} characters"
    for c in path:
        if c in SHELL_CHARS:
            return (
                f"the path contains {c!r}: paths are read as written (no wildcards, variables "
                "or quoting)"
            )
    if ".." in path.split("/"):
        return "the path contains a '..' component"
    return ""


# -- variables -------------------------------------------------------------------------------------


def _rule_head(text: str) -> tuple[int, str]:
    """Where the type starts (after `not `) and the type letter ("" when unclear)."""
    start = 4 if text.startswith("not ") else 0
    colon = text.find(":", start)
    return start, text[start:colon] if colon > start else ""


def _left_end(text: str) -> int:
    """Where the content part starts (its ` -> `), or len(text): variables stand left of it."""
    _, kind = _rule_head(text)
    arrows = 2 if kind in (RuleKind.DIRECTORY.value, RuleKind.REGISTRY.value) else 1
    pos = -len(ARROW)
    for _ in range(arrows):
        pos = text.find(ARROW, pos + len(ARROW))
        if pos < 0:
            return len(text)
    return pos


def substitute(text: str, variables: Mapping[str, str]) -> str:
    """``text`` with every ``$name`` of ``variables`` replaced in the rule's left part (target,
    and a ``d:``/``r:`` rule's middle part). Names not in ``variables`` stay as they are
    (a path keeping one is then refused by path_problem)."""
    if "$" not in text or not variables:
        return text
    end = _left_end(text)
    left = _VARIABLE.sub(lambda m: variables.get(m.group(), m.group()), text[:end])
    return left + text[end:]


# -- rules -----------------------------------------------------------------------------------------


def parse_rule(
    text: str,
    *,
    line: int | None = None,
    flavour: RegexFlavour = RegexFlavour.PCRE2,
    sca_file_names: bool = False,
) -> Rule:
    """Parse one rule (variables already substituted). Raises RuleError.

    ``flavour`` is the language of the content regexes. ``sca_file_names``: the file-name part
    of a ``d:`` rule as Wazuh's SCA reads it (``r:`` OS_Regex, otherwise OS_Match); without it
    that part uses ``flavour`` for ``r:`` and is otherwise the exact file name.
    """
    if not isinstance(text, str) or not text.strip():
        raise RuleError("the rule is empty", 1)
    if len(text) > MAX_RULE:
        raise RuleError(f"the rule is longer than {MAX_RULE} characters", 1)
    bad = find_unsafe(text, keep="\t")
    if bad is not None:
        raise RuleError(
            f"the rule contains the control character U+{ord(bad.group()):04X}", bad.start() + 1
        )
    negated = text.startswith("not ")
    start = 4 if negated else 0
    colon = text.find(":", start)
    kind_text = text[start:colon] if colon >= 0 else ""
    kind = _TYPES.get(kind_text)
    if kind is None:
        shown = repr(kind_text + ":") if colon >= 0 and len(kind_text) <= 10 else "none"
        hint = " (write 'not ' in lower case, with one space)" if text[:4].lower() == "not " else ""
        raise RuleError(
            f"unknown rule type {shown}; a rule starts with f: (file), d: (directory), "
            f"p: (process), c: (command) or r: (registry){hint}",
            start + 1,
        )
    parts = _split(
        text, colon + 1, ARROW, 3 if kind in (RuleKind.DIRECTORY, RuleKind.REGISTRY) else 2
    )
    target, tpos = parts[0]
    _no_glued_arrow(target, tpos)
    if not target.strip():
        raise RuleError(f"{kind.value}: needs a target after the colon", tpos + 1)

    file_pattern: Pattern | None = None
    registry_value: str | None = None
    content_part: tuple[str, int] | None = None
    if kind in (RuleKind.DIRECTORY, RuleKind.REGISTRY):
        if len(parts) > 1:
            middle, mpos = parts[1]
            if not middle:
                raise RuleError("nothing after ' -> '", mpos + 1)
            if kind is RuleKind.DIRECTORY:
                file_pattern = _file_pattern(middle, mpos, flavour, sca_file_names)
            else:
                registry_value = middle
        if len(parts) > 2:
            content_part = parts[2]
    elif len(parts) > 1:
        content_part = parts[1]

    if kind is RuleKind.PROCESS and content_part is not None:
        raise RuleError(
            "p: rules test only whether the process runs (no ' -> ' part)",
            content_part[1] - len(ARROW) + 1,
        )
    if kind is RuleKind.COMMAND and content_part is None:
        raise RuleError(
            "c: rules test the command's output: add ' -> ' and what to look for, "
            "e.g. ' -> r:^enabled'",
            len(text) + 1,
        )
    content = _content(*content_part, flavour) if content_part is not None else ()

    paths = kind in (RuleKind.FILE, RuleKind.DIRECTORY)
    targets = _paths(target, tpos) if paths else (target,)
    return Rule(
        text=text,
        kind=kind,
        targets=targets,
        negated=negated,
        file_pattern=file_pattern,
        content=content,
        registry_value=registry_value,
        line=line,
    )


def _split(text: str, start: int, sep: str, limit: int) -> list[tuple[str, int]]:
    """``text[start:]`` split on ``sep`` into at most ``limit`` parts, each with its index."""
    out: list[tuple[str, int]] = []
    pos = start
    while len(out) < limit - 1:
        found = text.find(sep, pos)
        if found < 0:
            break
        out.append((text[pos:found], pos))
        pos = found + len(sep)
    out.append((text[pos:], pos))
    return out


def _no_glued_arrow(part: str, pos: int) -> None:
    glued = part.find("->")
    if glued >= 0:
        raise RuleError("'->' needs a space on each side (' -> ')", pos + glued + 1)


def _paths(target: str, pos: int) -> tuple[str, ...]:
    """f:/d: targets: a comma-separated list (a variable may hold several)."""
    out: list[str] = []
    offset = 0
    for raw in target.split(","):
        path = raw.strip()
        column = pos + offset + (len(raw) - len(raw.lstrip())) + 1
        offset += len(raw) + 1
        problem = path_problem(path)
        if problem:
            unknown = _VARIABLE.search(path)
            if unknown:
                problem = f"{unknown.group()} is not a variable of this file (variables:)"
            shown = repr(path) if find_unsafe(path) else f"'{path}'"
            raise PathRuleError(f"{shown}: {problem}", column)
        out.append(path)
    return tuple(dict.fromkeys(out))


def _file_pattern(text: str, pos: int, flavour: RegexFlavour, sca: bool) -> Pattern:
    _no_glued_arrow(text, pos)
    if text[:2].lower() == "r:":
        names = RegexFlavour.OSREGEX if sca else flavour
        _compile_at(text[2:], names, pos + 2)
        return Pattern(PatternOp.REGEX, text[2:], flavour=names)
    if sca:
        negated = text.startswith("!")
        value = text[1:] if negated else text
        if not value:
            raise RuleError("the file-name pattern is empty", pos + 1)
        _compile_at(value, RegexFlavour.OSMATCH, pos + (1 if negated else 0))
        return Pattern(PatternOp.REGEX, value, negated=negated, flavour=RegexFlavour.OSMATCH)
    if "/" in text or text in (".", ".."):
        raise RuleError("a file name, not a path, goes after the directory", pos + 1)
    return Pattern(PatternOp.LITERAL, text)


def _compile_at(text: str, flavour: RegexFlavour, pos: int) -> CompiledRegex:
    try:
        return compile_regex(text, flavour)
    except RuleError as exc:
        raise RuleError(exc.message, pos + exc.column) from None


def _content(text: str, pos: int, flavour: RegexFlavour) -> tuple[Pattern, ...]:
    if not text:
        raise RuleError("nothing after ' -> '", pos + 1)
    out = []
    for minterm, mpos in _split(text, 0, AND, len(text) + 1):
        out.append(_minterm(minterm, pos + mpos, flavour))
    return tuple(out)


def _minterm(text: str, pos: int, flavour: RegexFlavour) -> Pattern:
    if not text:
        raise RuleError("an empty test (check the spaces around '&&')", pos + 1)
    glued = _GLUED_AND.search(text)
    if glued:
        raise RuleError("'&&' needs a space on each side (' && ')", pos + glued.start() + 1)
    negated = text.startswith("!")
    body = text[1:] if negated else text
    bpos = pos + (1 if negated else 0)
    head = body[:2].lower()
    if head == "r:":
        _compile_at(body[2:], flavour, bpos + 2)
        return Pattern(PatternOp.REGEX, body[2:], negated=negated, flavour=flavour)
    if head == "n:":
        return _numeric(body[2:], bpos + 2, negated, flavour)
    if _OPERATOR_LIKE.match(body):
        raise RuleError(
            f"unknown operator {body[:2]!r}; a test is r:REGEX, n:REGEX compare OP NUMBER, "
            "or the whole line as plain text",
            bpos + 1,
        )
    if negated and not body:
        raise RuleError("'!' needs a test after it", pos + 1)
    return Pattern(PatternOp.LITERAL, body, negated=negated)


def _numeric(text: str, pos: int, negated: bool, flavour: RegexFlavour) -> Pattern:
    cut = text.find(COMPARE)
    if cut < 0:
        glued = text.find("compare")
        raise RuleError(
            "n: needs ' compare OP NUMBER' after its regex (a space on each side of 'compare')",
            pos + (glued if glued >= 0 else len(text)) + 1,
        )
    compiled = _compile_at(text[:cut], flavour, pos)
    if compiled.groups < 1:
        raise RuleError("n: needs a capture group '( )' around the number in its regex", pos + 1)
    rest = text[cut + len(COMPARE) :]
    rpos = pos + cut + len(COMPARE)
    m = _NUMBER.fullmatch(rest)
    if m is None:
        raise RuleError(
            f"expected 'OP NUMBER' after 'compare' (OP one of {' '.join(COMPARE_OPS)}; "
            "NUMBER a whole number)",
            rpos + 1,
        )
    return Pattern(
        PatternOp.NUMERIC,
        text[:cut],
        negated=negated,
        compare=m.group(1),
        number=int(m.group(2)),
        flavour=flavour,
    )

"""The parsed form of policy-file checks (Wazuh SCA and netguard's own rule format)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from netguard.model import Severity


class RuleKind(StrEnum):
    FILE = "f"
    DIRECTORY = "d"
    PROCESS = "p"
    COMMAND = "c"
    REGISTRY = "r"  # Windows registry: parsed so it can be named, never evaluated on Linux


class PatternOp(StrEnum):
    LITERAL = "literal"  # the whole line equals the text (Wazuh: "by omission")
    REGEX = "regex"  # r:REGEX, searched in the line
    NUMERIC = "numeric"  # n:REGEX_WITH_GROUP compare OP NUMBER


class RegexFlavour(StrEnum):
    """Which regular-expression language a pattern's text is written in (rules.py compiles
    each into one engine; docs/formats.md, "Regular expressions")."""

    #: Wazuh's own "OS_Regex", the default of an SCA policy without ``regex_type``: ``\.`` is
    #: any character, ``\s`` a space, ``+``/``*`` only after a backslash class, case-insensitive
    OSREGEX = "osregex"
    #: PCRE2 (``regex_type: pcre2``; netguard rule files' default): case-sensitive
    PCRE2 = "pcre2"
    #: Wazuh's "OS_Match", the file-name part of a ``d:`` rule without ``r:``: a substring,
    #: ``^``/``$`` anchors, ``|`` alternatives, case-insensitive
    OSMATCH = "osmatch"


@dataclass(frozen=True)
class Pattern:
    """One content test; a rule's content is an ``&&`` chain of them, all on the same line."""

    op: PatternOp
    value: str  # the literal text or the regular expression
    negated: bool = False  # `!` before it
    compare: str | None = None  # NUMERIC: one of < <= == != >= >
    number: int | None = None  # NUMERIC: the value compared with
    #: REGEX and NUMERIC: the language of ``value`` (compile with rules.compile_regex)
    flavour: RegexFlavour = RegexFlavour.PCRE2


@dataclass(frozen=True)
class Rule:
    text: str  # as written in the file, after variable substitution (shown in evidence)
    kind: RuleKind
    #: what the rule looks at: paths (f:, d:; a variable may expand to several), a process
    #: name (p:), a command (c:), a registry key (r:)
    targets: tuple[str, ...]
    negated: bool = False  # `not` before the rule
    #: d: only — which files under the directory: a literal name or a regex (r:)
    file_pattern: Pattern | None = None
    #: the content chain (`-> a && b`); () = an existence rule
    content: tuple[Pattern, ...] = ()
    #: r: only — the value name (`-> LimitBlankPasswordUse`) before the content
    registry_value: str | None = None
    line: int | None = None  # where in the policy file (1-based)


class Condition(StrEnum):
    ALL = "all"
    ANY = "any"
    NONE = "none"


@dataclass(frozen=True)
class Requirements:
    """A rule file's precondition: a host that does not meet it gets not_applicable for every
    check of the file, with this title as the reason."""

    title: str
    condition: Condition
    rules: tuple[Rule, ...]
    description: str = ""
    line: int | None = None


@dataclass(frozen=True)
class PolicyCheck:
    """One check of a rule file."""

    id: str  # netguard's check id (see loader.py: ``<file id>.<check id>``)
    source_id: str  # the id as the file writes it (Wazuh: an integer; waivers may use either)
    title: Mapping[str, str]  # language → title ("en" always present; "zh" when the file has it)
    condition: Condition
    rules: tuple[Rule, ...]
    category: str
    severity: Severity
    description: Mapping[str, str] = field(default_factory=dict)
    rationale: Mapping[str, str] = field(default_factory=dict)
    remediation: Mapping[str, str] = field(default_factory=dict)
    #: SCA `compliance`: framework → its ids ({"cis": ("1.1.1",), "pci_dss": ("2.2.4",)})
    compliance: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    references: tuple[str, ...] = ()  # standard references, as built-in checks carry them
    #: a construct netguard cannot evaluate (a registry rule, an unknown operator): the check
    #: reports it on every host (not_applicable, with this reason), it is never skipped
    unsupported: str = ""
    line: int | None = None


@dataclass(frozen=True)
class RuleFile:
    """A loaded Wazuh SCA policy or netguard rule file."""

    format: str  # "wazuh-sca" | "netguard-rules"
    id: str  # the policy id
    name: str
    path: str
    sha256: str
    checks: tuple[PolicyCheck, ...]
    requirements: Requirements | None = None
    description: str = ""
    source: bytes = field(default=b"", repr=False, compare=False)
    #: how a policy pack's ``rules:`` entry names it ("" when given directly with -p): the key
    #: an evidence bundle keeps it under, so a replay finds it again
    named_as: str = ""

"""What a check is: metadata as data plus a pure function over Facts.

A check function receives the host's Facts and a CheckContext and returns a Verdict. It keeps no
state, performs no I/O, and may raise: the engine turns any exception into an ERROR finding, so
missing data can never read as compliant.

Checks write no sentences. A verdict says *why* with ``say("password.age.stale", limit_days=90,
accounts=[part("account.days_ago", account="zhangwei", days=200)])``: a message id (the template
``reasons.<id>`` in ``netguard/i18n/<lang>/checks.yaml``) and language-neutral arguments —
numbers, names, addresses, identifiers, lists, parts (``parts.<name>``), never English words.
The English rendering becomes the finding's ``message``; reports render the same id in Chinese.
Titles and remediation come from the same catalogs (``checks.<id>.title`` / ``.remediation``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from netguard.checks.references import references_of
from netguard.i18n import PART, catalog
from netguard.model import AvProduct, FindingStatus, Host, Segment, Severity, Zone

if TYPE_CHECKING:
    from netguard.model.facts import Facts


@dataclass(frozen=True)
class ParamSpec:
    """A parameter a policy pack may set for a check."""

    name: str
    type: type  # int | float | bool | str | tuple (a non-empty list of text)
    default: Any
    help: str = ""
    minimum: float | None = None
    choices: tuple[str, ...] = ()  # the values a text or list item may take; () = any


@dataclass(frozen=True)
class Said:
    """Why a verdict is what it is: a message id and its language-neutral arguments."""

    reason: str
    args: dict[str, Any] = field(default_factory=dict)

    @property
    def english(self) -> str:
        """The English sentence (the finding's ``message``); the id itself if it has no template,
        which the completeness tests forbid — a wording bug must never change a verdict."""
        return catalog("en").reason(self.reason, self.args, f"[{self.reason}]")


def say(reason: str, /, **args: Any) -> Said:
    """The reason ``reasons.<reason>`` with its arguments (see the module doc)."""
    return Said(reason, args)


def part(name: str, /, **args: Any) -> dict[str, Any]:
    """One item of a listed argument, rendered through ``parts.<name>`` in each language."""
    return {PART: name, **args}


@dataclass(frozen=True)
class Verdict:
    status: FindingStatus
    message: str  # English, rendered from reason/args
    evidence: dict[str, Any] = field(default_factory=dict)
    reason: str = ""  # message id: reasons.<reason> in the catalogs
    args: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, status: FindingStatus, said: Said | str, evidence: dict[str, Any]) -> Verdict:
        if isinstance(said, str):  # a bare message (test doubles): no id, nothing to translate
            return cls(status, said, evidence)
        return cls(status, said.english, evidence, said.reason, said.args)


def verdict(ok: bool, said: Said | str, **evidence: Any) -> Verdict:
    return Verdict.of(FindingStatus.PASS if ok else FindingStatus.FAIL, said, evidence)


def not_applicable(said: Said | str, **evidence: Any) -> Verdict:
    return Verdict.of(FindingStatus.NOT_APPLICABLE, said, evidence)


def cannot_decide(said: Said | str, **evidence: Any) -> Verdict:
    return Verdict.of(FindingStatus.ERROR, said, evidence)


@dataclass(frozen=True)
class CheckContext:
    """Everything a check may look at besides the host's own facts."""

    host: Host
    segment: Segment
    segments: Mapping[str, Segment]
    params: Mapping[str, Any]
    products: tuple[AvProduct, ...] = ()
    #: the token of the 违规外联 probe netguard asked this host to send (None: none asked)
    probe_token: str | None = None


CheckFunc = Callable[["Facts", CheckContext], Verdict]


@dataclass(frozen=True)
class CheckSpec:
    id: str
    category: str
    severity: Severity
    title: str  # English, from checks.<id>.title (check() fills it from the catalog)
    remediation: str  # English, from checks.<id>.remediation
    func: CheckFunc
    params: tuple[ParamSpec, ...] = ()
    #: zones the check applies to unless a policy pack says otherwise
    zones: frozenset[Zone] = frozenset(Zone)
    #: the standards it answers to, as data ("GB/T 22239-2019 8.1.4.5"; checks/references.py)
    references: tuple[str, ...] = ()
    #: a check from a rule file (netguard/sca) carries its own words, language → text, since
    #: the catalogs cannot know them; empty for built-in checks (their words are the catalogs')
    titles: Mapping[str, str] = field(default_factory=dict, compare=False)
    remediations: Mapping[str, str] = field(default_factory=dict, compare=False)

    def param(self, name: str) -> ParamSpec | None:
        return next((p for p in self.params if p.name == name), None)


def check(
    id: str,
    *,
    category: str,
    severity: Severity,
    params: tuple[ParamSpec, ...] = (),
    zones: frozenset[Zone] = frozenset(Zone),
    references: tuple[str, ...] | None = None,
) -> Callable[[CheckFunc], CheckSpec]:
    """Wrap a function into a CheckSpec. Nothing is registered: checks/__init__ lists them.

    Title and remediation are the English catalog's ``checks.<id>.title`` / ``.remediation``:
    a check without them fails at import, not in a report. ``references`` default to the
    category's (checks/references.py)."""
    en = catalog("en")
    title, remediation = en(f"checks.{id}.title"), en(f"checks.{id}.remediation")
    refs = references_of(category) if references is None else references

    def wrap(func: CheckFunc) -> CheckSpec:
        return CheckSpec(id, category, severity, title, remediation, func, params, zones, refs)

    return wrap

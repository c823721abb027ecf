"""What a check is: metadata as data plus a pure function over Facts.

A check function receives the host's Facts and a CheckContext and returns a Verdict. It keeps no
state, performs no I/O, and may raise: the engine turns any exception into an ERROR finding, so
missing data can never read as compliant.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from netguard.model import AvProduct, FindingStatus, Host, Segment, Severity, Zone

if TYPE_CHECKING:
    from netguard.collect.facts import Facts


@dataclass(frozen=True)
class ParamSpec:
    """A parameter a policy pack may set for a check."""

    name: str
    type: type  # int | float | bool | str
    default: Any
    help: str = ""
    minimum: float | None = None


@dataclass(frozen=True)
class Verdict:
    status: FindingStatus
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)


def verdict(ok: bool, message: str, **evidence: Any) -> Verdict:
    return Verdict(FindingStatus.PASS if ok else FindingStatus.FAIL, message, evidence)


def not_applicable(message: str, **evidence: Any) -> Verdict:
    return Verdict(FindingStatus.NOT_APPLICABLE, message, evidence)


def cannot_decide(message: str, **evidence: Any) -> Verdict:
    return Verdict(FindingStatus.ERROR, message, evidence)


@dataclass(frozen=True)
class CheckContext:
    """Everything a check may look at besides the host's own facts."""

    host: Host
    segment: Segment
    segments: Mapping[str, Segment]
    params: Mapping[str, Any]
    products: tuple[AvProduct, ...] = ()


CheckFunc = Callable[["Facts", CheckContext], Verdict]


@dataclass(frozen=True)
class CheckSpec:
    id: str
    category: str
    severity: Severity
    title: str
    remediation: str
    func: CheckFunc
    params: tuple[ParamSpec, ...] = ()
    #: zones the check applies to unless a policy pack says otherwise
    zones: frozenset[Zone] = frozenset(Zone)

    def param(self, name: str) -> ParamSpec | None:
        return next((p for p in self.params if p.name == name), None)


def check(
    id: str,
    *,
    category: str,
    severity: Severity,
    title: str,
    remediation: str,
    params: tuple[ParamSpec, ...] = (),
    zones: frozenset[Zone] = frozenset(Zone),
) -> Callable[[CheckFunc], CheckSpec]:
    """Wrap a function into a CheckSpec. Nothing is registered: checks/__init__ lists them."""

    def wrap(func: CheckFunc) -> CheckSpec:
        return CheckSpec(id, category, severity, title, remediation, func, params, zones)

    return wrap

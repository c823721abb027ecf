"""What a loaded policy pack is: the selected checks with their settings, and the AV catalog.

AvProduct lives in netguard.model (checks read it too); it is re-exported here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from netguard.checks.base import CheckSpec
from netguard.model import AvProduct, Severity, Zone
from netguard.sca.model import RuleFile

__all__ = ["AvProduct", "CheckConfig", "Policy"]


@dataclass(frozen=True)
class CheckConfig:
    """One selected check as the pack configures it."""

    spec: CheckSpec
    severity: Severity
    zones: frozenset[Zone]
    params: Mapping[str, Any]  # every ParamSpec of the spec filled in (pack value or default)


@dataclass(frozen=True)
class Policy:
    name: str
    path: str
    sha256: str
    description: str
    checks: tuple[CheckConfig, ...]  # in pack order
    products: tuple[AvProduct, ...]
    #: the file's bytes as loaded: an evidence bundle keeps exactly what was judged with
    source: bytes = field(default=b"", repr=False, compare=False)
    #: the rule files (Wazuh SCA policies, netguard rule files) whose checks are in ``checks``:
    #: the watch list the script reads is derived from them; bundles keep their bytes too
    rule_files: tuple[RuleFile, ...] = ()

"""What a loaded policy pack is: the selected checks with their settings, and the AV catalog."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from netguard.checks.base import CheckSpec
from netguard.model import Severity, Zone


@dataclass(frozen=True)
class AvProduct:
    """An approved antivirus product, recognised by any of these names."""

    name: str
    packages: tuple[str, ...] = ()
    binaries: tuple[str, ...] = ()
    services: tuple[str, ...] = ()  # systemd unit names without .service
    processes: tuple[str, ...] = ()  # process names (comm, at most 15 characters)


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

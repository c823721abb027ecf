"""The check catalog: every check netguard knows, listed explicitly (no import side effects)."""

from __future__ import annotations

from netguard.checks import accounts, antivirus, isolation, media, password
from netguard.checks.base import CheckSpec

ALL_CHECKS: tuple[CheckSpec, ...] = (
    antivirus.installed,
    antivirus.running,
    antivirus.signatures,
    password.max_age,
    password.age,
    password.empty,
    password.hash_method,
    accounts.uid0,
    isolation.addresses,
    isolation.multi_homed,
    isolation.default_route,
    isolation.forwarding,
    isolation.bridge,
    isolation.tunnel,
    isolation.reachability,
    isolation.wireless,
    isolation.history,
    media.history,
    media.blocked,
    media.cross_network,
)

CATALOG: dict[str, CheckSpec] = {spec.id: spec for spec in ALL_CHECKS}
assert len(CATALOG) == len(ALL_CHECKS), "duplicate check id"

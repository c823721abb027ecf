"""Shared fixtures for the loader tests: a small check catalog and a YAML file writer.

The catalog here mirrors the shape of netguard.checks.CATALOG (ids, parameters, minimums) without
depending on it, so the policy loader's tests state exactly what they validate against.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from netguard.checks.base import CheckContext, CheckSpec, ParamSpec, Verdict, verdict
from netguard.model import Severity, Zone


def _noop(facts: object, ctx: CheckContext) -> Verdict:
    return verdict(True, "ok")


def _spec(
    id: str,
    *params: ParamSpec,
    severity: Severity = Severity.HIGH,
    zones: frozenset[Zone] = frozenset(Zone),
) -> CheckSpec:
    return CheckSpec(id, id.split(".")[0], severity, id, "", _noop, params, zones)


@pytest.fixture
def catalog() -> dict[str, CheckSpec]:
    specs = [
        _spec("antivirus.installed"),
        _spec("antivirus.signatures", ParamSpec("max_age_days", int, 7, minimum=1)),
        _spec("password.max_age", ParamSpec("max_days", int, 90, minimum=1)),
        _spec("password.age", ParamSpec("max_days", int, 90, minimum=1)),
        _spec(
            "isolation.default_route",
            ParamSpec("max_default_routes", int, 1, minimum=0),
            severity=Severity.CRITICAL,
            zones=frozenset(Zone) - {Zone.INTERNET},
        ),
        _spec(
            "isolation.wireless",
            severity=Severity.CRITICAL,
            zones=frozenset({Zone.INTRANET, Zone.CLASSIFIED}),
        ),
        # Parameter types the real catalog does not use yet, so the loader's handling is pinned.
        _spec(
            "test.kinds",
            ParamSpec("ratio", float, 0.5, minimum=0),
            ParamSpec("strict", bool, False),
            ParamSpec("label", str, "x"),
        ),
    ]
    return {s.id: s for s in specs}


WriteYaml = Callable[..., Path]


@pytest.fixture
def write_yaml(tmp_path: Path) -> Iterator[WriteYaml]:
    """write_yaml(text, name="f.yaml") → path; the text is dedented so tests can indent it."""

    def write(text: str, name: str = "f.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    yield write

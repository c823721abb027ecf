"""Policy packs (YAML): which checks run, at which severity, in which zones, with which limits.

Parameters are validated against each check's ParamSpec, so a typo or a wrong type in a pack
stops the audit before any host is contacted (docs/formats.md documents the format).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any

from netguard.checks.base import CheckSpec, ParamSpec
from netguard.errors import InputError
from netguard.model import AvHelper, AvRole, Severity, Zone
from netguard.policy.model import AvProduct, CheckConfig, Policy
from netguard.sca.checks import specs_of
from netguard.sca.loader import is_rule_file, load_rule_file
from netguard.sca.model import RuleFile
from netguard.yamlsrc import Node, describe, did_you_mean, load_file

TOP_KEYS = ("name", "description", "antivirus_products", "checks", "rules")
#: an entry of ``rules:`` written as a mapping: the file, and what the pack sets for its checks
RULES_KEYS = ("file", "severity", "zones")
CHECK_KEYS = ("severity", "zones", "params")
PRODUCT_KEYS = ("name", "packages", "binaries", "services", "processes", "helpers")
SIGNAL_KEYS = PRODUCT_KEYS[1:5]
#: A helper role's keys: what runs of it (services and processes; packages stay the product's).
HELPER_KEYS = ("services", "processes")
# The kernel keeps a process name (comm) in 16 bytes including the terminating NUL.
COMM_MAX = 15
# Names reach the fixed collection's results as plain tokens: no blanks, quotes or slashes.
_SIGNAL_NAME = re.compile(r"[A-Za-z0-9_.+@:-]+")


def default_policy_path() -> Traversable:
    """The packaged baseline pack (netguard/policies/baseline.yaml), as a package resource: a
    ``Path`` in an installed netguard, a file inside the archive in the single-file zipapp
    (whose ``str()`` — what documents show as the policy path — is ``…/netguard.pyz/netguard/
    policies/baseline.yaml``)."""
    return resources.files("netguard") / "policies" / "baseline.yaml"


def load_policy(
    path: str | Path | Traversable,
    catalog: Mapping[str, CheckSpec],
    rule_paths: Mapping[str, Path] | None = None,
) -> Policy:
    """Load and validate a policy pack against the check catalog. Raises InputError.

    ``path`` may also be a rule file itself (a Wazuh SCA policy, a netguard rule file): the
    policy is then its checks alone. ``rule_paths`` map a pack's ``rules:`` entries, as
    written, to where they are now (an evidence bundle keeps them under other names)."""
    if isinstance(path, str | Path) and is_rule_file(path):
        rule_file = load_rule_file(path)
        return Policy(
            name=rule_file.name,
            path=rule_file.path,
            sha256=rule_file.sha256,
            description=rule_file.description,
            checks=tuple(_rule_check(spec, None, None) for spec in specs_of(rule_file)),
            products=(),
            source=rule_file.source,
            rule_files=(rule_file,),
        )
    doc = load_file(path, "policy pack")
    root = doc.root()
    if root.is_null:
        root.fail("the policy pack is empty; expected a mapping with keys " + ", ".join(TOP_KEYS))
    top = root.mapping(TOP_KEYS, ("name",), what="a mapping (name, checks, ...)")
    name = top["name"].text()
    description = ""
    if "description" in top and not top["description"].is_null:
        description = top["description"].text(allow_empty=True)
    products: tuple[AvProduct, ...] = ()
    if "antivirus_products" in top and not top["antivirus_products"].is_null:
        products = _products(top["antivirus_products"])
    if "checks" not in top and "rules" not in top:
        root.fail("select at least one check: give checks, rules (rule files), or both")
    checks = _checks(top["checks"], catalog) if "checks" in top else ()
    rule_files: tuple[RuleFile, ...] = ()
    if "rules" in top:
        base = Path(doc.path).parent
        rule_files, rule_checks = _rule_files(top["rules"], base, rule_paths or {}, checks)
        checks += rule_checks
    return Policy(
        name=name,
        path=doc.path,
        sha256=doc.sha256,
        description=description,
        checks=checks,
        products=products,
        source=doc.raw,
        rule_files=rule_files,
    )


# -- rule files (Wazuh SCA policies, netguard rule files) ----------------------------------------


def _rule_files(
    node: Node, base: Path, moved: Mapping[str, Path], builtin: tuple[CheckConfig, ...]
) -> tuple[tuple[RuleFile, ...], tuple[CheckConfig, ...]]:
    """``rules:`` — a list of rule files (relative to the pack), each a path or a mapping
    ``{file, severity, zones}``. A check id may appear once in the whole policy."""
    files: list[RuleFile] = []
    configs: list[CheckConfig] = []
    first_line: dict[str, int | None] = {cfg.spec.id: None for cfg in builtin}
    for item in node.items(what="a list of rule files (paths, or mappings with file:)"):
        m = (
            {"file": item}
            if not isinstance(item.value, dict)
            else item.mapping(RULES_KEYS, ("file",), what="a rule file entry")
        )
        written = m["file"].text()
        where = moved.get(written) or base / Path(written).expanduser()
        try:
            rule_file = load_rule_file(where)
        except InputError as exc:
            if not where.exists():
                m["file"].fail(f"rule file {written!r} not found ({where})")
            raise exc
        severity = m["severity"].choice(Severity) if "severity" in m else None
        zones = _zones(m["zones"]) if "zones" in m else None
        for spec in specs_of(rule_file):
            if spec.id in first_line:
                line = first_line[spec.id]
                already = f"line {line} of this pack" if line else "the pack's checks"
                m["file"].fail(f"check {spec.id!r} of {written} is already selected ({already})")
            first_line[spec.id] = m["file"].line
            configs.append(_rule_check(spec, severity, zones))
        files.append(replace(rule_file, named_as=written))
    return tuple(files), tuple(configs)


def _rule_check(
    spec: CheckSpec, severity: Severity | None, zones: frozenset[Zone] | None
) -> CheckConfig:
    """A rule file's check as the pack selects it (rule-file checks take no parameters)."""
    return CheckConfig(spec, severity or spec.severity, zones or spec.zones, MappingProxyType({}))


# -- checks ----------------------------------------------------------------------------------------


def _checks(node: Node, catalog: Mapping[str, CheckSpec]) -> tuple[CheckConfig, ...]:
    entries = node.mapping(None, what="a mapping of check id → settings")
    if not entries:
        node.fail("select at least one check (an empty pack would pass every host)")
    out = []
    for check_id, cfg in entries.items():
        spec = catalog.get(check_id)
        if spec is None:
            close = did_you_mean(check_id, catalog)
            listing = "" if close else f"; known checks: {', '.join(sorted(catalog))}"
            cfg.fail(f"unknown check {check_id!r}{close}{listing}", line=node.key_line(check_id))
        out.append(_check_config(cfg, spec))
    return tuple(out)


def _check_config(node: Node, spec: CheckSpec) -> CheckConfig:
    # `password.max_age:` with nothing after it selects the check with its defaults, like `{}`.
    m = {} if node.is_null else node.mapping(CHECK_KEYS, what="a mapping of check settings")
    severity = m["severity"].choice(Severity) if "severity" in m else spec.severity
    zones = _zones(m["zones"]) if "zones" in m else spec.zones
    params = _params(m["params"], spec) if "params" in m else {}
    filled = {p.name: params.get(p.name, p.default) for p in spec.params}
    return CheckConfig(spec, severity, zones, MappingProxyType(filled))


def _zones(node: Node) -> frozenset[Zone]:
    items = node.items(what="a list of zones, e.g. [intranet, classified]")
    if not items:
        node.fail("select at least one zone (remove the check to deselect it)")
    return frozenset(z.choice(Zone) for z in items)


def _params(node: Node, spec: CheckSpec) -> dict[str, Any]:
    if node.is_null:
        return {}
    names = [p.name for p in spec.params]
    entries = node.mapping(None, what="a mapping of parameters")
    out: dict[str, Any] = {}
    for key, value in entries.items():
        pspec = spec.param(key)
        if pspec is None:
            known = (
                f"parameters of {spec.id}: {', '.join(names)}"
                if names
                else f"{spec.id} takes no parameters"
            )
            value.fail(
                f"unknown parameter {key!r}{did_you_mean(key, names)}; {known}",
                line=node.key_line(key),
            )
        out[key] = _param_value(value, pspec)
    return out


def _param_value(node: Node, p: ParamSpec) -> Any:
    v = node.value
    if p.type is bool:
        return node.boolean()
    if p.type is int:
        # 7.0 is refused too: a fractional-looking value for a whole-number limit is a mistake.
        if isinstance(v, bool) or not isinstance(v, int):
            node.fail(f"expected a whole number, got {describe(v)}")
        value: Any = v
    elif p.type is float:
        value = node.number()
    elif p.type is str:
        return _choice(node, p)
    elif p.type is tuple:
        items = node.items(what="a list, e.g. [a, b]")
        if not items:
            node.fail("list at least one value")
        return tuple(dict.fromkeys(_choice(item, p) for item in items))
    else:  # a ParamSpec type we do not know how to read from YAML: a catalog bug, say so
        node.fail(f"parameter type {p.type.__name__} is not supported in policy packs")
    if p.minimum is not None and value < p.minimum:
        node.fail(f"must be at least {p.minimum:g}, got {value:g}")
    return value


def _choice(node: Node, p: ParamSpec) -> str:
    v = node.text()
    if p.choices and v not in p.choices:
        node.fail(
            f"invalid value {v!r}{did_you_mean(v, p.choices)}; expected one of "
            + ", ".join(p.choices)
        )
    return v


# -- antivirus products ----------------------------------------------------------------------------


def _products(node: Node) -> tuple[AvProduct, ...]:
    out: list[AvProduct] = []
    seen: dict[str, int | None] = {}
    for item in node.items(what="a list of antivirus products"):
        m = item.mapping(PRODUCT_KEYS, ("name",), what="a product (a mapping)")
        name = m["name"].text()
        if name.casefold() in seen:
            m["name"].fail(
                f"duplicate product name {name!r} (first on line {seen[name.casefold()]})"
            )
        seen[name.casefold()] = m["name"].line
        signals = {key: _signal_names(m[key], key) for key in SIGNAL_KEYS if key in m}
        helpers = _helpers(m["helpers"], signals) if "helpers" in m else ()
        if not any(signals.values()) and not helpers:
            item.fail(
                f"product {name!r} has no names to recognise it by; give at least one of "
                + ", ".join(PRODUCT_KEYS[1:])
            )
        if helpers and not (signals.get("services") or signals.get("processes")):
            m["helpers"].fail(
                f"product {name!r} lists helpers but no engine: antivirus.running could never "
                "pass for it; list what scans under services or processes"
            )
        out.append(AvProduct(name, **signals, helpers=helpers))
    return tuple(out)


def _helpers(node: Node, engines: dict[str, tuple[str, ...]]) -> tuple[AvHelper, ...]:
    """helpers: {role: {services: [...], processes: [...]}}. A name is an engine or one role's
    helper, never both: the same process cannot at once make a product running and not."""
    if node.is_null:
        return ()
    roles = [r.value for r in AvRole]
    owner: dict[tuple[str, str], str] = {
        (key, n): f"an engine ({key})" for key in HELPER_KEYS for n in engines.get(key, ())
    }
    out: list[AvHelper] = []
    for role, entry in node.mapping(roles, what="a mapping of helper roles").items():
        m = entry.mapping(HELPER_KEYS, what=f"the {role} helpers' services and processes")
        names: dict[str, tuple[str, ...]] = {}
        for key in HELPER_KEYS:
            if key not in m or m[key].is_null:
                continue
            names[key] = _signal_names(m[key], key)
            for n in names[key]:
                if (key, n) in owner:
                    where = next(it for it in m[key].items() if it.value == n)
                    where.fail(f"{n!r} is already listed as {owner[key, n]}")
                owner[key, n] = f"a helper (helpers.{role}.{key})"
        if not any(names.values()):
            entry.fail(f"helper role {role!r} names no services or processes")
        out.append(AvHelper(AvRole(role), **names))
    return tuple(out)


def _signal_names(node: Node, key: str) -> tuple[str, ...]:
    if node.is_null:
        return ()
    names = []
    for item in node.items(what=f"a list of {key}"):
        n = item.text()
        if not _SIGNAL_NAME.fullmatch(n):
            item.fail(f"invalid name {n!r}: no spaces, quotes or slashes")
        if key == "services" and n.endswith(".service"):
            item.fail(f"write the unit name without .service: {n.removesuffix('.service')!r}")
        if key == "processes" and len(n) > COMM_MAX:
            item.fail(
                f"process name {n!r} is longer than {COMM_MAX} characters; the kernel shows only "
                f"{n[:COMM_MAX]!r}, so write that"
            )
        names.append(n)
    return tuple(dict.fromkeys(names))

"""The layers of docs/architecture.md, enforced: each part of netguard imports only the parts
below it. Every import counts — at module level, inside functions and under TYPE_CHECKING —
because a lazy import is still a dependency.

When this fails, either the import is wrong (move the code to the layer that owns the idea) or
the picture changed: then change ALLOWED and docs/architecture.md together.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "netguard"

#: The foundation: anything may import these, and they import nothing above them.
FOUNDATION = {"errors", "version", "untrusted", "yamlsrc"}

#: part → the parts it may import (besides itself and the foundation). A part is a top-level
#: module or package of netguard; ``version`` is ``from netguard import __version__``.
ALLOWED: dict[str, set[str]] = {
    # the nouns
    "model": set(),
    "i18n": set(),
    "probe": set(),  # probe tokens and the receiver: no netguard part but the foundation
    # reading what people wrote
    "inventory": {"model"},
    "checks": {"model", "i18n"},  # pure functions over facts: never a transport
    # rule files as data (Wazuh SCA, netguard's own): parsed, evaluated over facts, as checks
    "sca": {"model", "checks", "i18n"},
    "policy": {"model", "checks", "sca"},
    "waivers": {"model", "checks"},
    "playbooks": {"model", "checks", "i18n"},
    # what hosts said
    # probe: the strict token pattern of a probe's parameters; i18n: a failure's English detail
    "collect": {"model", "probe", "i18n"},
    "net": {"model"},  # what the network said: the auditor's own sweep (scapy)
    # the results document
    "results": {"model", "policy", "waivers"},
    # what only the hosts of one run together show (pure, over per-host summaries)
    "fleet": {"model", "checks"},
    # running an audit
    "engine": {
        "model",
        "checks",
        "collect",
        "policy",
        "waivers",
        "results",
        "inventory",
        "fleet",
        "probe",
        "i18n",  # a host detail's English rendering
        "sca",  # the rule files' watch list, derived once per run
    },
    # keeping results
    "history": {"model", "results"},
    "evidence": {"model", "collect", "results", "inventory", "policy", "waivers", "render"},
    # documents: from results (and the history's summaries), never from hosts or the engine
    "render": {"model", "i18n", "results", "history"},
    "report": {"model", "i18n", "results", "history", "render"},
    "checklist": {"model", "i18n", "results", "playbooks", "render"},
    "spotcheck": {"model", "i18n", "results", "inventory", "render"},
    # results out for other tools (JSONL, JUnit, SARIF, Prometheus): render for atomic files
    "export": {"model", "results", "render"},
    # side effects at the end of a run
    "notify": {"model", "results"},
    "remotelog": {"model", "results"},  # findings to a remote syslog collector (RFC 5424)
    "schedule": {"model", "i18n", "history", "render", "report", "notify", "remotelog"},
    "__main__": {"cli"},
}
# the command line orchestrates everything; nothing imports it but __main__
ALLOWED["cli"] = set(ALLOWED) - {"__main__"}
#: Modules held to a stricter rule than their package.
STRICTER: dict[str, set[str]] = {
    # the evaluation of one host is pure: facts in, findings out
    "engine.evaluate": {"model", "checks", "policy"},
    "render.text": set(),
    "render.files": set(),
}


def _part(module: str) -> str:
    """netguard.results.read → results; netguard (the package itself) → version."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "version"


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(rel.parts)
        yield name.removesuffix(".__init__"), path


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "netguard":  # from netguard import __version__, cli, …
                for alias in node.names:
                    yield node.lineno, "version" if alias.name == "__version__" else alias.name
            elif node.module.startswith("netguard."):
                yield node.lineno, _part(node.module)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("netguard."):
                    yield node.lineno, _part(alias.name)


def _violations() -> list[str]:
    found = []
    for module, path in _modules():
        part = _part(module)
        if module == "netguard":
            continue
        inner = ".".join(module.split(".")[1:3])
        allowed = STRICTER.get(inner, ALLOWED.get(part))
        if allowed is None:
            if part in FOUNDATION:
                allowed = set()
            else:
                found.append(f"{module}: not in any layer (add it to ALLOWED)")
                continue
        for line, target in _imports(path):
            if target == part or target in FOUNDATION - {part}:
                continue
            if target not in allowed:
                found.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {part} imports {target}")
    return found


def test_every_import_follows_the_layers() -> None:
    assert _violations() == []


def test_the_layers_have_no_cycle() -> None:
    """The allowed graph itself is acyclic, so no pair of parts can lean on each other."""
    graph = {part: set(deps) for part, deps in ALLOWED.items()}
    state: dict[str, int] = {}

    def visit(node: str, trail: tuple[str, ...]) -> None:
        if state.get(node) == 1:
            pytest.fail(f"cycle: {' → '.join((*trail, node))}")
        if state.get(node) == 2:
            return
        state[node] = 1
        for dep in graph.get(node, ()):
            visit(dep, (*trail, node))
        state[node] = 2

    for part in graph:
        visit(part, ())


def _module_graph() -> dict[str, set[str]]:
    """module → the netguard modules it imports (a package's ``__init__`` as the package)."""
    known = {name for name, _ in _modules()}
    graph: dict[str, set[str]] = {}
    for module, path in _modules():
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
                deps |= {n for n in names if n in known}
            elif isinstance(node, ast.Import):
                deps |= {a.name for a in node.names if a.name in known}
        graph[module] = deps - {module}
    return graph


def test_no_two_modules_import_each_other() -> None:
    """No import cycle between modules, lazy imports included (a package's ``__init__`` that
    only hands names on is left out: importing a package's module passes through it)."""
    graph = _module_graph()
    faces = {m for m in graph if (PACKAGE.parent / m.replace(".", "/") / "__init__.py").exists()}
    graph = {m: deps - faces for m, deps in graph.items() if m not in faces}
    state: dict[str, int] = {}
    cycles: list[str] = []

    def visit(node: str, trail: tuple[str, ...]) -> None:
        if state.get(node) == 1:
            cycles.append(" → ".join((*trail[trail.index(node) :], node)))
            return
        if state.get(node) == 2:
            return
        state[node] = 1
        for dep in sorted(graph.get(node, ())):
            visit(dep, (*trail, node))
        state[node] = 2

    for module in sorted(graph):
        visit(module, ())
    assert cycles == []


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    """The test can fail: a check importing a transport is caught (line and parts named)."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from netguard.collect.ssh import SshCollector\n")
    assert list(_imports(bad)) == [(2, "collect")]
    assert "collect" not in ALLOWED["checks"]

"""Open a bundle for replay: verify it first, then find its inputs and its hosts' collections.

A bundle that fails verification is refused (exit 2): a replay of altered evidence would
launder it. An unsigned bundle, or one whose signer nobody vouched for, can be replayed; the
caller says so.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from netguard.collect.replay import ReplayCollector, read_meta
from netguard.errors import InputError
from netguard.evidence.bundle import (
    COLLECTION,
    HOSTS,
    INVENTORY,
    POLICY,
    RESULTS,
    RULES_INDEX,
    WAIVERS,
)
from netguard.evidence.keys import PublicKey
from netguard.evidence.verify import Verification, verify_bundle
from netguard.waivers import Waivers, load_waivers


@dataclass(frozen=True)
class Bundle:
    root: Path
    verification: Verification
    folders: dict[str, str]  # host name → folder

    @property
    def manifest(self) -> dict[str, Any]:
        return self.verification.manifest

    @property
    def run(self) -> dict[str, Any]:
        run = self.manifest.get("run")
        return run if isinstance(run, dict) else {}

    def path(self, rel: str) -> Path | None:
        return self.root / rel if rel in self._files else None

    @cached_property
    def _files(self) -> frozenset[str]:
        return frozenset(f["path"] for f in self.manifest.get("files", []))

    @property
    def inventory(self) -> Path:
        return self._required(INVENTORY)

    @property
    def policy(self) -> Path:
        return self._required(POLICY)

    @property
    def rule_paths(self) -> dict[str, Path]:
        """Each rule file the pack's ``rules:`` name, as written there → where the bundle keeps
        it (empty for a pack without rule files and for older bundles)."""
        index = self.path(RULES_INDEX)
        if index is None:
            return {}
        kept = json.loads(index.read_text("utf-8"))
        if not isinstance(kept, dict):
            raise InputError(f"{RULES_INDEX} is not a mapping", file=str(self.root))
        out: dict[str, Path] = {}
        for written, rel in kept.items():
            path = self.path(rel) if isinstance(rel, str) else None
            if path is None:  # only a file the manifest vouches for is ever read
                missing = f"{RULES_INDEX} names {rel!r}, which the bundle does not hold"
                raise InputError(missing, file=str(self.root))
            out[str(written)] = path
        return out

    @property
    def waivers_file(self) -> Path | None:
        return self.path(WAIVERS)

    def load_waivers(self, checks: Collection[str] | None = None) -> Waivers | None:
        """The recorded waivers, under the name the audit knew them by: a replayed waived
        finding names the same file and line as the original."""
        path = self.waivers_file
        if path is None:
            return None
        loaded = load_waivers(path, checks)
        block = self.results.get("waivers")
        name = str(block.get("path")) if isinstance(block, dict) and block.get("path") else ""
        if not name:
            return loaded
        return replace(
            loaded, path=name, entries=tuple(replace(w, file=name) for w in loaded.entries)
        )

    @cached_property  # read once: a city's results.json is tens of megabytes
    def results(self) -> dict[str, Any]:
        return json.loads(self._required(RESULTS).read_text("utf-8"))

    def _required(self, rel: str) -> Path:
        p = self.path(rel)
        if p is None:
            raise InputError(f"the bundle has no {rel}", file=str(self.root))
        return p

    def collector(self) -> ReplayCollector:
        return ReplayCollector(self.root, self.folders)


def open_bundle(root: str | Path, trusted: list[PublicKey] | None = None) -> Bundle:
    v = verify_bundle(root, trusted)
    if not v.intact:
        parts = [f"{p} ({why})" for p, why in v.altered[:5]]
        parts += [f"{p} (missing)" for p in v.missing[:5]]
        parts += [f"{p} (added)" for p in v.added[:5]]
        if v.signature == "invalid":
            parts.insert(0, f"signature: {v.signature_problem}")
        raise InputError(
            "the bundle fails verification and is not replayed: " + "; ".join(parts),
            file=str(root),
        )
    folders: dict[str, str] = {}
    for rel in sorted(f["path"] for f in v.manifest.get("files", [])):
        if rel.startswith(f"{HOSTS}/") and rel.endswith(f"/{COLLECTION}"):
            try:
                meta = read_meta(v.root / rel)
            except (ValueError, OSError) as exc:
                raise InputError(
                    f"unreadable collection record: {exc}", file=str(v.root / rel)
                ) from None
            folders[meta["host"]] = rel.rsplit("/", 1)[0]
    return Bundle(v.root, v, folders)

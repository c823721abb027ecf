"""Write an evidence bundle: what an audit saw, kept so that it can be checked and replayed later.

A bundle is a folder::

    manifest.json            every other file's SHA-256 and size, the run, the signer
    manifest.sig             an SSH signature (SSHSIG, namespace "netguard-evidence") of
                             manifest.json by the inspector's Ed25519 key; absent when unsigned
    results.json             the results document of the run
    inputs/inventory.yaml    the inventory as used (a file's bytes, or the generated one)
    inputs/policy.yaml       the policy pack as used
    inputs/waivers.yaml      the waivers file, when one was used
    inputs/rules/N-NAME      each rule file (Wazuh SCA policy, netguard rule file) the pack's
                             ``rules:`` name, and inputs/rules.json: each as the pack names it →
                             where it is kept, so a replay loads the same pack unchanged
    hosts/NAME/output.bin    the collection script's output as it arrived (hashes are redacted
                             on the host itself, see scripts/linux.sh)
    hosts/NAME/collection.json  status, detail, exit status, collection time, transport evidence
    record.*.html|pdf        the inspection record, for spot checks and inspections

Why a folder and not an archive: an inspector copies it to removable media and a reviewer opens
it with anything; ``sha256sum`` and ``ssh-keygen -Y verify`` check it without netguard
(docs/evidence.md). Every file is written once, whole, and hashed from the bytes written; the
manifest is written last, so a bundle without one is visibly unfinished.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from netguard import __version__
from netguard.collect import Collection
from netguard.errors import InputError
from netguard.evidence import sshsig
from netguard.evidence.keys import SigningKey
from netguard.inventory.dump import dump_inventory
from netguard.model import Host, Inventory
from netguard.policy import Policy
from netguard.results import Run, run_block
from netguard.waivers import Waivers

SCHEMA = "netguard.bundle/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
NAMESPACE = "netguard-evidence"
RESULTS = "results.json"
INVENTORY = "inputs/inventory.yaml"
POLICY = "inputs/policy.yaml"
WAIVERS = "inputs/waivers.yaml"
RULES = "inputs/rules"
RULES_INDEX = "inputs/rules.json"
HOSTS = "hosts"
OUTPUT = "output.bin"
COLLECTION = "collection.json"
KINDS = ("audit", "spot-check", "inspect")
_PIECE = 1 << 20  # bytes read at a time from a file copied into the bundle


@dataclass(frozen=True)
class Entry:
    path: str  # relative, with forward slashes
    sha256: str
    size: int


def host_dir(name: str) -> str:
    """The folder of one host inside the bundle. Inventory names are already a portable file
    name alphabet (inventory/loader.py HOST_NAME); only '.' and '..' need another spelling."""
    if name in (".", "..") or "/" in name or not name:
        return f"{HOSTS}/_{hashlib.sha256(name.encode()).hexdigest()[:16]}"
    return f"{HOSTS}/{name}"


class BundleWriter:
    """Writes one bundle. ``collect_sink`` is safe to call from the audit's worker threads."""

    def __init__(self, directory: str | Path, kind: str = "audit") -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown bundle kind {kind!r}")
        self.root = Path(directory)
        self.kind = kind
        if self.root.exists() and (not self.root.is_dir() or any(self.root.iterdir())):
            # Never mix two audits' evidence, never overwrite evidence already handed over.
            raise InputError(
                "exists and is not an empty folder; a bundle is only written into a new one",
                file=str(self.root),
            )
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(
                f"cannot create the bundle folder: {exc.strerror}", file=str(directory)
            ) from None
        self._entries: dict[str, Entry] = {}
        self._outputs: dict[str, str] = {}
        self._lock = threading.Lock()
        self._sealed = False

    # -- files ---------------------------------------------------------------------------------

    def add_bytes(self, rel: str, data: bytes) -> Entry:
        return self._add(rel, (data,))

    def add_file(self, rel: str, source: Path) -> Entry:
        """A copy of the file at ``source``, read and hashed a piece at a time."""
        with source.open("rb") as fh:
            return self._add(rel, iter(lambda: fh.read(_PIECE), b""))

    def _add(self, rel: str, pieces: Iterable[bytes]) -> Entry:
        with self._lock:
            if self._sealed:
                raise RuntimeError("bundle already sealed")
            if rel in self._entries:
                raise RuntimeError(f"{rel} written twice")
            # Reserve the name before writing, so two threads cannot both write it.
            self._entries[rel] = Entry(rel, "", 0)
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        # O_EXCL: a file already there is never replaced (the folder was empty at the start).
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(fd, "wb") as fh:
            for piece in pieces:  # hashed from the bytes written
                fh.write(piece)
                digest.update(piece)
                size += len(piece)
            fh.flush()
            os.fsync(fh.fileno())
        entry = Entry(rel, digest.hexdigest(), size)
        with self._lock:
            self._entries[rel] = entry
        return entry

    def add_json(self, rel: str, doc: Any) -> Entry:
        text = json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        return self.add_bytes(rel, text.encode("utf-8"))

    def entries(self) -> list[Entry]:
        with self._lock:
            return sorted(self._entries.values(), key=lambda e: e.path)

    # -- what an audit used --------------------------------------------------------------------

    def add_run(self, run: Run, results: str | Path) -> None:
        """The results document (as ``--format json`` writes it: its text, or the file it was
        written to, copied without being read into memory) and the inputs it names."""
        if isinstance(results, Path):
            self.add_file(RESULTS, results)
        else:
            self.add_bytes(RESULTS, results.encode("utf-8"))
        self.add_inventory(run.inventory)
        self.add_policy(run.policy)
        if run.waivers is not None:
            self.add_waivers(run.waivers)

    def add_inventory(self, inventory: Inventory) -> Entry:
        """The inventory's bytes as the audit loaded them; an inventory that never was a file
        (this machine's) is written out as YAML, which loads back into the same hosts."""
        data = inventory.source or dump_inventory(inventory).encode("utf-8")
        return self.add_bytes(INVENTORY, data)

    def add_policy(self, policy: Policy) -> Entry:
        """The pack (or the rule file given as the policy) as loaded, and every rule file its
        ``rules:`` entries name, under a name of the bundle's own (the pack may name them by
        any path on the auditor's machine)."""
        index: dict[str, str] = {}
        for n, rule_file in enumerate(policy.rule_files, 1):
            if not rule_file.named_as:  # the policy itself: kept as POLICY below
                continue
            name = "".join(
                c if c.isalnum() or c in "._-" else "_" for c in Path(rule_file.path).name
            )
            rel = f"{RULES}/{n}-{name}"
            self.add_bytes(rel, _loaded(rule_file.source, rule_file.sha256, rule_file.path))
            index[rule_file.named_as] = rel
        if index:
            self.add_json(RULES_INDEX, index)
        return self.add_bytes(POLICY, _loaded(policy.source, policy.sha256, policy.path))

    def add_waivers(self, waivers: Waivers) -> Entry:
        return self.add_bytes(WAIVERS, _loaded(waivers.source, waivers.sha256, waivers.path))

    # -- hosts ---------------------------------------------------------------------------------

    def collect_sink(self, host: Host, coll: Collection) -> None:
        """Keep one host's collection: the raw output and what the transport said."""
        folder = host_dir(host.name)
        meta: dict[str, Any] = {
            "host": host.name,
            "address": host.address_text,
            "transport": host.transport,
            "status": str(coll.status),
            "detail": coll.detail,
            "exit_status": coll.exit_status,
            "collected_at": coll.collected_at,
            "evidence": coll.evidence,
            "output": None,
        }
        if coll.detail_reason:  # a replay says why in every language (absent: older bundles)
            meta.update(detail_reason=coll.detail_reason, detail_args=coll.detail_args)
        if coll.stdout:
            entry = self.add_bytes(f"{folder}/{OUTPUT}", coll.stdout)
            meta["output"] = {"path": OUTPUT, "sha256": entry.sha256, "size": entry.size}
            with self._lock:
                self._outputs[host.name] = entry.sha256
        self.add_json(f"{folder}/{COLLECTION}", meta)

    def host_digests(self) -> dict[str, str]:
        """Host name → SHA-256 of its raw output, for the inspection record."""
        with self._lock:
            return dict(self._outputs)

    # -- the manifest --------------------------------------------------------------------------

    def seal(
        self,
        run: dict[str, Any],
        signer: SigningKey | None = None,
        signer_name: str = "",
        extra: dict[str, Any] | None = None,
    ) -> Path:
        """Write manifest.json (and manifest.sig when a key is given). Nothing is added after."""
        with self._lock:
            self._sealed = True
            entries = sorted(self._entries.values(), key=lambda e: e.path)
        if any(not e.sha256 for e in entries):
            raise RuntimeError("a file was still being written when the bundle was sealed")
        manifest: dict[str, Any] = {
            "schema": SCHEMA,
            "kind": self.kind,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "netguard_version": __version__,
            "run": run,
            "signer": None,
            "files": [{"path": e.path, "sha256": e.sha256, "size": e.size} for e in entries],
        }
        if extra:
            manifest.update(extra)
        if signer is not None:
            manifest["signer"] = {
                "name": signer_name,
                "public_key": signer.public.openssh(),
                "fingerprint": signer.public.fingerprint(),
            }
        data = (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
        self._write_once(MANIFEST, data)
        if signer is not None:
            self._write_once(SIGNATURE, sshsig.sign(signer, data, NAMESPACE).encode("ascii"))
        return self.root

    def _write_once(self, rel: str, data: bytes) -> None:
        fd = os.open(self.root / rel, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())


def _loaded(source: bytes, sha256: str, path: str) -> bytes:
    # The bytes the loader judged with; their digest is the one the results document names.
    if not source or hashlib.sha256(source).hexdigest() != sha256:
        raise RuntimeError(f"{path}: loaded without its bytes; cannot keep it as evidence")
    return source


def manifest_run(run: Run) -> dict[str, Any]:
    """The run as the manifest names it: the results document's ``run`` block, plus the day
    waivers were judged on (a replay judges them on the same day)."""
    return {**run_block(run), "today": run.today.isoformat()}

"""Check a bundle: the signature of its manifest, then every file against the manifest.

Everything is reported, not just the first problem: a reviewer needs to know *which* file was
altered, which is missing and which was added. Nothing in the bundle is trusted before it is
checked; file names are matched, never opened blindly (a FIFO or a symbolic link planted in a
bundle is reported, not followed).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from netguard.errors import ExitStatus, InputError
from netguard.evidence import sshsig
from netguard.evidence.bundle import MANIFEST, NAMESPACE, SCHEMA, SIGNATURE
from netguard.evidence.keys import PublicKey, load_public_key
from netguard.render.text import clean

#: manifest.json is read whole; a bigger one is not ours (12,000 hosts make about 3 MiB).
MANIFEST_CAP = 64 * 1024 * 1024
_CHUNK = 1 << 20


@dataclass
class Verification:
    root: Path
    manifest: dict[str, Any] = field(default_factory=dict)
    signature: str = "missing"  # valid | invalid | missing
    signature_problem: str = ""
    signer: PublicKey | None = None
    signer_name: str = ""
    trusted: bool | None = None  # None: no trusted key was given to compare with
    altered: list[tuple[str, str]] = field(default_factory=list)  # (path, what differs)
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    checked: int = 0

    @property
    def intact(self) -> bool:
        """Every file as the manifest says, and the manifest as it was signed (if it was)."""
        return (
            not self.altered and not self.missing and not self.added and self.signature != "invalid"
        )

    @property
    def exit_status(self) -> ExitStatus:
        """0 intact, signed and the signer trusted; 1 anything altered, missing, added, a bad
        signature or an untrusted signer; 3 intact but authorship not established (unsigned,
        or signed and no trusted key given)."""
        if not self.intact or self.trusted is False:
            return ExitStatus.FINDINGS
        if self.signature != "valid" or self.trusted is None:
            return ExitStatus.UNKNOWN
        return ExitStatus.OK

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "netguard.verify/1",
            "bundle": str(self.root),
            "intact": self.intact,
            "signature": self.signature,
            "signature_problem": self.signature_problem,
            "signer": {
                "name": self.signer_name,
                "fingerprint": self.signer.fingerprint() if self.signer else None,
                "trusted": self.trusted,
            },
            "run": self.manifest.get("run"),
            "kind": self.manifest.get("kind"),
            "files_checked": self.checked,
            "altered": [{"path": p, "problem": why} for p, why in self.altered],
            "missing": self.missing,
            "added": self.added,
            "exit_status": int(self.exit_status),
        }


def verify_bundle(root: str | Path, trusted: list[PublicKey] | None = None) -> Verification:
    """Check the bundle at ``root``. InputError only when it is not a bundle at all."""
    root = Path(root)
    if not root.is_dir():
        raise InputError("not a folder; an evidence bundle is a folder", file=str(root))
    data = _read_manifest(root)
    v = Verification(root)
    manifest = _parse_manifest(data, v)
    _check_signature(root, data, manifest, v)
    if trusted:
        v.trusted = v.signer is not None and any(k.raw == v.signer.raw for k in trusted)
    expected = _expected_files(manifest, v)
    _compare_files(root, expected, v)
    return v


def _read_manifest(root: Path) -> bytes:
    path = root / MANIFEST
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise InputError(
            f"no {MANIFEST}: not an evidence bundle, or one that was never finished",
            file=str(root),
        ) from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{MANIFEST} is not a regular file", file=str(root))
    if st.st_size > MANIFEST_CAP:
        raise InputError(f"{MANIFEST} is {st.st_size} bytes: not a manifest", file=str(root))
    return path.read_bytes()


def _parse_manifest(data: bytes, v: Verification) -> dict[str, Any]:
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        v.altered.append((MANIFEST, f"not valid JSON ({exc})"))
        return {}
    if not isinstance(manifest, dict) or manifest.get("schema") != SCHEMA:
        v.altered.append((MANIFEST, f"not a {SCHEMA} manifest"))
        return {}
    v.manifest = manifest
    return manifest


def _check_signature(root: Path, data: bytes, manifest: dict[str, Any], v: Verification) -> None:
    named = manifest.get("signer")
    sig_path = root / SIGNATURE
    has_sig = os.path.lexists(sig_path)
    if not has_sig:
        if named:  # the manifest says it was signed: the signature was removed
            v.missing.append(SIGNATURE)
            v.signature = "invalid"
            v.signature_problem = f"the manifest names a signer but {SIGNATURE} is missing"
        return
    if not stat.S_ISREG(os.lstat(sig_path).st_mode):
        v.signature, v.signature_problem = "invalid", f"{SIGNATURE} is not a regular file"
        return
    try:
        armored = sig_path.read_bytes()[:65536].decode("ascii")
        key = sshsig.verify(armored, data, NAMESPACE)
    except (UnicodeDecodeError, sshsig.SignatureInvalid) as exc:
        v.signature = "invalid"
        v.signature_problem = str(exc) if isinstance(exc, sshsig.SignatureInvalid) else "not text"
        return
    v.signer = key
    if not isinstance(named, dict):
        v.signature, v.signature_problem = "invalid", "the manifest does not name its signer"
        return
    v.signer_name = str(named.get("name", ""))
    try:
        claimed = load_public_key(str(named.get("public_key", "")), f"{MANIFEST} signer")
    except InputError:
        claimed = None
    if claimed is None or claimed.raw != key.raw:
        v.signature = "invalid"
        v.signature_problem = "signed by a key other than the one the manifest names"
        return
    v.signature = "valid"


def _expected_files(manifest: dict[str, Any], v: Verification) -> dict[str, dict[str, Any]]:
    files = manifest.get("files")
    if not isinstance(files, list):
        if manifest:
            v.altered.append((MANIFEST, "has no list of files"))
        return {}
    out: dict[str, dict[str, Any]] = {}
    for i, item in enumerate(files):
        ok = (
            isinstance(item, dict)
            and isinstance(item.get("path"), str)
            and isinstance(item.get("sha256"), str)
            and isinstance(item.get("size"), int)
            and _safe_relative(item["path"])
        )
        if not ok or item["path"] in out:
            v.altered.append((MANIFEST, f"files[{i}] is not a valid entry"))
            continue
        out[item["path"]] = item
    return out


def _safe_relative(path: str) -> bool:
    p = PurePosixPath(path)
    return (
        bool(path)
        and "\\" not in path
        and not p.is_absolute()
        and ".." not in p.parts
        and path not in (MANIFEST, SIGNATURE)
        and str(p) == path
    )


def _compare_files(root: Path, expected: dict[str, dict[str, Any]], v: Verification) -> None:
    seen: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        base = Path(dirpath)
        for d in list(dirnames):
            if os.path.islink(base / d):  # a linked folder is not followed; it is an addition
                dirnames.remove(d)
                rel = (base / d).relative_to(root).as_posix()
                v.added.append(rel)
        for name in filenames:
            full = base / name
            rel = full.relative_to(root).as_posix()
            if rel in (MANIFEST, SIGNATURE):
                continue
            entry = expected.get(rel)
            if entry is None:
                v.added.append(rel)
                continue
            seen.add(rel)
            v.checked += 1
            problem = _file_problem(full, entry)
            if problem:
                v.altered.append((rel, problem))
    v.missing.extend(sorted(set(expected) - seen))
    v.added.sort()
    v.altered.sort()


def _file_problem(path: Path, entry: dict[str, Any]) -> str:
    st = os.lstat(path)
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file (a link or a device)"
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    if h.hexdigest() != entry["sha256"]:
        return (
            f"content differs: SHA-256 {h.hexdigest()}, size {size} "
            f"(recorded {entry['sha256']}, size {entry['size']})"
        )
    return ""


def verification_text(v: Verification, t: Callable[..., str]) -> str:
    """What `netguard verify` prints, in the language of t (a catalog, ``terminal.verify``):
    the signature, every problem by file, and the verdict. Why a file or the signature is wrong
    is this module's English, given as raw text."""
    k = "terminal.verify."
    run = v.manifest.get("run") if isinstance(v.manifest.get("run"), dict) else {}
    lines = [t(k + "bundle", path=clean(str(v.root)))]
    if run:
        started = clean(str(run.get("started", "?")))
        lines.append(t(k + "run", id=clean(str(run.get("id", "?"))), started=started))
    if v.signature == "valid" and v.signer is not None:
        who = clean(v.signer_name) or t(k + "unnamed")
        trust = {True: "trusted", False: "untrusted_key", None: "no_trusted_key"}[v.trusted]
        fingerprint = v.signer.fingerprint()
        lines.append(t(k + "signed", who=who, fingerprint=fingerprint, trust=t(k + trust)))
    elif v.signature == "invalid":
        lines.append(t(k + "invalid", raw=clean(v.signature_problem)))
    else:
        lines.append(t(k + "unsigned"))
    lines.append(t(k + "checked", count=v.checked))
    lines += [t(k + "altered", path=clean(p), raw=clean(why)) for p, why in v.altered]
    lines += [t(k + "missing", path=clean(p)) for p in v.missing]
    lines += [t(k + "added", path=clean(p)) for p in v.added]
    verdict = {ExitStatus.OK: "ok", ExitStatus.FINDINGS: "failed", ExitStatus.UNKNOWN: "unknown"}
    key = verdict[v.exit_status]
    if v.exit_status is ExitStatus.FINDINGS and v.intact:
        key = "untrusted"
    lines.append(t(k + key))
    return "\n".join(lines) + "\n"

"""known_hosts, read once into an index by name: OpenSSH's format, as ssh-keygen writes it.

Why not ``paramiko.HostKeys``: it loads a file in quadratic time (every line is checked against
every line before it) and looks a name up by scanning every line — on a city's 10,560-line file,
22 s of CPU to load and 4.3 ms per host (benchmarks/README.md, "known_hosts"). Here a file is read
once into a dict from name to its lines; a lookup costs the same whatever the file's size, except
for hashed names (``|1|salt|hash``, what ``HashKnownHosts yes`` writes), which cannot be indexed:
each has its own salt, so a lookup computes the name's HMAC-SHA1 under every hashed line's salt
(the same scan OpenSSH does, with the salt's HMAC pads computed once per line; results of the
last few names are kept, so a jump host looked up for every target costs it once). Lines whose
names are patterns are tried one by one (a file has few).

What a lookup answers is what ``paramiko.HostKeys`` answered (tests/unit/test_known_hosts_index.py
holds the two side by side on generated files): the keys of every line naming the host, the first
key of each type in the file's order; lines with too few fields, bad base64, a bad hashed name, a
key type paramiko cannot load or key data that does not load are skipped and counted
(``KnownHostsFile.skipped``), as OpenSSH skips them. What paramiko did not read:

- names with wildcards or negations (``*.office.example,!pc9.office.example``), which paramiko
  took literally: matched as OpenSSH matches them, so the key such a line gives is checked (and a
  host it covers is never "first seen" under accept-new);
- ``@revoked`` (paramiko raised on the whole file): the key is refused for every host, whatever
  names the line gives (safer than OpenSSH's per-name reading: a revoked key is never the one to
  trust) — ``revoked(key)``; the transport asks before anything else, so a revoked key never
  verifies and is never recorded as first seen;
- ``@cert-authority`` (the same): a key that signs host certificates, not a host key. netguard
  does not ask for host certificates, so such a line makes no key known; skipped and counted.

A first-seen key (accept-new) is appended as ``name type base64`` — the line OpenSSH and paramiko
both read — after a newline if the file did not end with one.
"""

from __future__ import annotations

import binascii
import hashlib
import logging
import os
import re
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass
from pathlib import Path

import paramiko

log = logging.getLogger("netguard.collect.known_hosts")

#: key types paramiko can load (the same list ``PKey.from_type_string`` reads)
LOADABLE = frozenset(i for cls in paramiko.key_classes for i in cls.identifiers())

#: how many names' hashed-line matches are kept (a jump host is looked up for every target)
HASHED_CACHE = 256

_HASH_MAGIC = "|1|"

# HMAC's pads (RFC 2104): a salt's two SHA-1 states are computed once, when the file is read
_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


@dataclass(slots=True)
class _Line:
    """One usable key line: where it is, its type as written, its key's wire bytes. The key is
    made from them at each lookup (5–25 µs), never kept: a host is looked up about once a run,
    and 12,000 keys kept would weigh more than the index."""

    number: int
    key_type: str
    blob: bytes
    unusable: bool = False  # its key did not load: skipped from then on


def _b64(text: str) -> bytes | None:
    try:
        return binascii.a2b_base64(text.encode("ascii"), strict_mode=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class _Hashed:
    """A hashed name, ``|1|salt|hash``: HMAC-SHA1(salt, name) == hash. The HMAC's inner and
    outer SHA-1 states after the salt's pads are kept, so a name costs two SHA-1 blocks per
    line rather than four (and half the time of ``hmac.digest``)."""

    inner: hashlib._Hash
    outer: hashlib._Hash
    digest: bytes
    index: int  # into KnownHostsFile._lines

    @classmethod
    def read(cls, name: str, index: int) -> _Hashed | None:
        """None unless ``name`` is ``|1|salt|hash`` with both 20 bytes long."""
        parts = name.split("|")
        if len(parts) != 4 or parts[0] or parts[1] != "1":
            return None
        salt, digest = _b64(parts[2]), _b64(parts[3])
        if salt is None or digest is None or len(salt) != 20 or len(digest) != 20:
            return None
        key = salt.ljust(64, b"\0")  # a SHA-1 block
        inner = hashlib.sha1(key.translate(_IPAD), usedforsecurity=False)
        outer = hashlib.sha1(key.translate(_OPAD), usedforsecurity=False)
        return cls(inner, outer, digest, index)

    def matches(self, message: bytes) -> bool:
        inner = self.inner.copy()
        inner.update(message)
        outer = self.outer.copy()
        outer.update(inner.digest())
        return outer.digest() == self.digest


@dataclass(frozen=True, slots=True)
class _Patterns:
    """A line's names with wildcards (``*``, ``?``) or negations (``!name``), matched as OpenSSH
    does: the line names a host if one of its patterns matches and none of its negations does,
    without regard to case."""

    allowed: tuple[re.Pattern[str], ...]
    denied: tuple[re.Pattern[str], ...]

    @classmethod
    def read(cls, names: str) -> _Patterns:
        allowed: list[re.Pattern[str]] = []
        denied: list[re.Pattern[str]] = []
        for name in names.split(","):
            negated = name.startswith("!")
            glob = name[1:] if negated else name
            if not glob:
                continue
            text = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
            (denied if negated else allowed).append(re.compile(text, re.IGNORECASE | re.DOTALL))
        return cls(tuple(allowed), tuple(denied))

    def match(self, name: str) -> bool:
        if any(p.fullmatch(name) for p in self.denied):
            return False
        return any(p.fullmatch(name) for p in self.allowed)


def _ends_in_newline(path: str) -> bool:
    with open(path, "rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) == b"\n"


class KnownHostsFile:
    """One known_hosts file, indexed by name; ``lookup_names`` and ``add_name`` are safe from
    many threads."""

    def __init__(self, path: str) -> None:
        self.path = os.path.expanduser(path)
        self._lock = threading.Lock()
        self._lines: list[_Line] = []
        self._by_name: dict[str, list[int]] = {}  # name → indexes into _lines, in file order
        self._patterns: list[tuple[_Patterns, int]] = []  # lines whose names have * ? or !
        self._hashed: list[_Hashed] = []
        self._hashed_cache: OrderedDict[str, tuple[int, ...]] = OrderedDict()
        self._revoked: set[bytes] = set()
        #: lines not used, by why: "malformed", "key_type", "key_data", "cert_authority"
        self.skipped: Counter[str] = Counter()
        if os.path.exists(self.path):
            self._load()

    def _load(self) -> None:
        with open(self.path, "rb") as fh:
            data = fh.read()
        first_bad: dict[str, int] = {}
        for number, raw in enumerate(data.splitlines(), 1):
            why = self._read_line(number, raw)
            if why is not None:
                self.skipped[why] += 1
                first_bad.setdefault(why, number)
        if self.skipped:
            log.warning(
                "known_hosts %s: lines not used: %s (first at line %s)",
                self.path,
                ", ".join(f"{n} {why}" for why, n in sorted(self.skipped.items())),
                ", ".join(f"{why} {first_bad[why]}" for why in sorted(first_bad)),
            )

    def _read_line(self, number: int, raw: bytes) -> str | None:
        """Index one line; the reason it is not used, or None (comments and blanks: None)."""
        try:
            text = raw.decode("utf-8").strip()
        except UnicodeDecodeError:
            return "malformed"
        if not text or text.startswith("#"):
            return None
        fields = text.split()
        marker = fields.pop(0) if fields[0].startswith("@") else None
        if marker not in (None, "@revoked", "@cert-authority") or len(fields) < 3:
            return "malformed"
        names, key_type, encoded = fields[0], fields[1], fields[2]
        blob = _b64(encoded)
        if blob is None:
            return "malformed"
        if marker == "@revoked":
            # refused whatever its type: a key we cannot load cannot verify anyway
            self._revoked.add(blob)
            return None
        if marker == "@cert-authority":
            return "cert_authority"
        if key_type not in LOADABLE:
            return "key_type"
        index = len(self._lines)
        if any(c in names for c in "*?!"):
            self._patterns.append((_Patterns.read(names), index))
            self._lines.append(_Line(number, key_type, blob))
            return None
        indexed = False
        for name in names.split(","):
            if name.startswith(_HASH_MAGIC):
                hashed = _Hashed.read(name, index)
                if hashed is None:
                    continue
                self._hashed.append(hashed)
            elif name:
                self._by_name.setdefault(name, []).append(index)
            else:
                continue
            indexed = True
        if not indexed:
            return "malformed"
        self._lines.append(_Line(number, key_type, blob))
        return None

    def revoked(self, key: paramiko.PKey) -> bool:
        """Whether an ``@revoked`` line lists this key (for any host)."""
        return key.asbytes() in self._revoked

    def lookup_names(self, names: tuple[str, ...]) -> dict[str, paramiko.PKey]:
        """Known keys by type for the first of ``names`` known_hosts has an entry for: every
        line naming it, the first key of each type in the file's order."""
        with self._lock:
            for name in names:
                found = self._keys(name)
                if found:
                    return found
        return {}

    def _keys(self, name: str) -> dict[str, paramiko.PKey]:
        patterned = (i for patterns, i in self._patterns if patterns.match(name))
        lines = sorted((*self._by_name.get(name, ()), *self._hashed_matches(name), *patterned))
        keys: dict[str, paramiko.PKey] = {}
        for index in lines:
            key = self._key(self._lines[index])
            if key is not None:
                keys.setdefault(key.get_name(), key)
        return keys

    def _hashed_matches(self, name: str) -> tuple[int, ...]:
        if not self._hashed or name.startswith(_HASH_MAGIC):
            return ()
        cached = self._hashed_cache.get(name)
        if cached is not None:
            self._hashed_cache.move_to_end(name)
            return cached
        message = name.encode("utf-8", "surrogatepass")
        found = tuple(h.index for h in self._hashed if h.matches(message))
        self._hashed_cache[name] = found
        if len(self._hashed_cache) > HASHED_CACHE:
            self._hashed_cache.popitem(last=False)
        return found

    def _key(self, line: _Line) -> paramiko.PKey | None:
        if line.unusable:
            return None
        try:
            return paramiko.PKey.from_type_string(line.key_type, line.blob)
        except Exception:  # a key paramiko cannot load is skipped, as HostKeys.load skips it
            log.warning("known_hosts %s: line %d: key does not load", self.path, line.number)
            line.unusable = True
            self.skipped["key_data"] += 1
            return None

    def add_name(self, name: str, key: paramiko.PKey) -> None:
        """Record a first-seen key under ``name`` (accept-new): appended to the file and indexed."""
        blob = key.asbytes()
        with self._lock:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "ab") as fh:
                # a file whose last line has no newline would swallow ours into it
                lead = b"\n" if fh.tell() and not _ends_in_newline(self.path) else b""
                fh.write(lead + f"{name} {key.get_name()} {key.get_base64()}\n".encode("ascii"))
            index = len(self._lines)
            self._lines.append(_Line(0, key.get_name(), blob))
            self._by_name.setdefault(name, []).append(index)

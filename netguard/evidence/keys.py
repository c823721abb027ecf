"""Inspectors' Ed25519 keys: load, save, sign, verify, in OpenSSH's formats.

An inspector signs evidence bundles with their own key, the same kind ``ssh-keygen -t ed25519``
makes, so reviewers can check a signature with stock OpenSSH (see ``sshsig``) and inspectors can
keep using the key they already have.

Backend: ``cryptography`` when it can be imported, else the pure-Python ``ed25519`` module (the
single-file zipapp runs on a stock Python). ``BACKEND`` says which one is the default; every
function that does key arithmetic takes ``backend=`` so tests can force ``"pure-python"``, which
also behaves as if ``cryptography`` were missing (encrypted keys are then refused).

What the pure path handles by itself: unencrypted OpenSSH private keys, unencrypted PKCS#8 PEM
(``-----BEGIN PRIVATE KEY-----``), public-key and allowed_signers lines. Encrypted keys, in
either format, need ``cryptography`` (OpenSSH ones also ``bcrypt``).

Errors are ``InputError`` naming the file (and line, for public-key lists); they never contain key
bytes or a passphrase, and ``repr(SigningKey)`` shows only the public fingerprint.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import secrets
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

from netguard.errors import InputError
from netguard.evidence import ed25519 as _pure

try:
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

    _HAVE_CRYPTOGRAPHY = True
except ImportError:  # the zipapp on a stock Python
    _HAVE_CRYPTOGRAPHY = False

__all__ = [
    "BACKEND",
    "BACKENDS",
    "CRYPTOGRAPHY",
    "PURE_PYTHON",
    "PublicKey",
    "SigningKey",
    "generate",
    "load_private_key",
    "load_public_key",
    "load_public_keys",
    "save_private_key",
]

CRYPTOGRAPHY = "cryptography"
PURE_PYTHON = "pure-python"
BACKEND: str = CRYPTOGRAPHY if _HAVE_CRYPTOGRAPHY else PURE_PYTHON
BACKENDS: tuple[str, ...] = (CRYPTOGRAPHY, PURE_PYTHON) if _HAVE_CRYPTOGRAPHY else (PURE_PYTHON,)

KEY_TYPE = "ssh-ed25519"
_KEY_TYPE_B = KEY_TYPE.encode()
_MAX_KEY_FILE = 64 * 1024  # an Ed25519 key file is well under 1 KiB
_OPENSSH_MAGIC = b"openssh-key-v1\x00"
_OPENSSH_LABEL = "OPENSSH PRIVATE KEY"
_NEEDS_CRYPTOGRAPHY = "encrypted key needs the full install (cryptography)"
_WRONG_PASSPHRASE = "wrong passphrase or damaged key"


def _resolve(backend: str | None) -> str:
    if backend is None:
        return BACKEND
    if backend not in (CRYPTOGRAPHY, PURE_PYTHON):
        raise ValueError(f"unknown backend {backend!r}; use {CRYPTOGRAPHY!r} or {PURE_PYTHON!r}")
    if backend == CRYPTOGRAPHY and not _HAVE_CRYPTOGRAPHY:
        raise ValueError("the cryptography backend is not available (cryptography not installed)")
    return backend


# --- SSH wire format (RFC 4251 section 5) -------------------------------------------------------


class WireError(ValueError):
    """Malformed SSH wire data; the message says what, never the bytes."""


class KeyTypeError(WireError):
    """Well-formed key data of a type other than ssh-ed25519."""

    def __init__(self, key_type: str) -> None:
        self.key_type = key_type
        super().__init__(f"not an Ed25519 key ({key_type})")


def ssh_string(data: bytes) -> bytes:
    """``string`` of the SSH wire format: uint32 length, then the bytes."""
    return struct.pack(">I", len(data)) + data


def printable(data: bytes | str, limit: int = 40) -> str:
    """A short, escaped rendering of untrusted text for an error message."""
    text = data.decode("utf-8", "backslashreplace") if isinstance(data, bytes) else data
    text = "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)
    return text if len(text) <= limit else text[:limit] + "..."


class WireReader:
    """Reads SSH wire fields; every length is checked against what is left before use."""

    def __init__(self, data: bytes) -> None:
        self._data = bytes(data)
        self._pos = 0

    @property
    def remaining(self) -> int:
        return len(self._data) - self._pos

    def take(self, n: int, what: str) -> bytes:
        if n < 0 or n > self.remaining:
            raise WireError(f"{what} is truncated")
        out = self._data[self._pos : self._pos + n]
        self._pos += n
        return out

    def uint32(self, what: str) -> int:
        value: int = struct.unpack(">I", self.take(4, what))[0]
        return value

    def string(self, what: str) -> bytes:
        n = self.uint32(what)
        if n > self.remaining:
            raise WireError(f"{what}: length {n} runs past the end of the data")
        return self.take(n, what)

    def end(self, what: str) -> None:
        if self.remaining:
            raise WireError(f"{self.remaining} unexpected bytes after {what}")


def public_from_wire(blob: bytes, comment: str = "") -> PublicKey:
    """The key in an SSH public-key blob; WireError if malformed, KeyTypeError if not Ed25519."""
    r = WireReader(blob)
    key_type = r.string("key type")
    if key_type != _KEY_TYPE_B:
        raise KeyTypeError(printable(key_type))
    raw = r.string("Ed25519 public key")
    r.end("the public key")
    if len(raw) != 32:
        raise WireError(f"Ed25519 public key is {len(raw)} bytes, not 32")
    if not _pure.is_valid_public_key(raw):
        raise WireError("not a valid Ed25519 public key (not a point on the curve)")
    return PublicKey(raw, comment)


# --- keys ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicKey:
    """An Ed25519 public key. Equality and hashing use the key only, not the comment."""

    raw: bytes
    comment: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.raw, bytes) or len(self.raw) != 32:
            raise ValueError("an Ed25519 public key is 32 bytes")
        if "\n" in self.comment or "\r" in self.comment:
            raise ValueError("a key comment must be a single line")

    def verify(self, signature: bytes, data: bytes, *, backend: str | None = None) -> bool:
        """True if ``signature`` (64 bytes) is this key's signature of ``data``."""
        if len(signature) != 64:
            return False
        if _resolve(backend) == CRYPTOGRAPHY:
            try:
                Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, data)
            except (InvalidSignature, ValueError):
                return False
            return True
        return _pure.verify(self.raw, data, signature)

    def wire(self) -> bytes:
        """The SSH wire blob: string "ssh-ed25519", string raw."""
        return ssh_string(_KEY_TYPE_B) + ssh_string(self.raw)

    def openssh(self) -> str:
        """The OpenSSH public-key line, "ssh-ed25519 AAAA... comment" (no newline)."""
        line = f"{KEY_TYPE} {base64.b64encode(self.wire()).decode('ascii')}"
        return f"{line} {self.comment}" if self.comment else line

    def fingerprint(self) -> str:
        """As ``ssh-keygen -lf`` prints it: "SHA256:" + unpadded base64 of sha256(wire blob)."""
        digest = hashlib.sha256(self.wire()).digest()
        return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


class SigningKey:
    """An Ed25519 private key. Its repr/str show the public fingerprint, never key material.

    Immutable: ``public`` is derived from the seed when the key is made and cannot be replaced
    (assigning any attribute raises ``AttributeError``). A signature hashes the public key, so a
    key whose ``public`` could be swapped would sign one message under two public keys, and two
    such signatures give away the private key. ``with_comment`` makes a copy with another comment.
    """

    __slots__ = ("_backend", "_public", "_secret")

    _backend: str
    _public: PublicKey
    _secret: object

    def __init__(self, seed: bytes, comment: str = "", *, backend: str | None = None) -> None:
        """``seed`` is the 32-byte private key of RFC 8032 (what PKCS#8 and OpenSSH store)."""
        if not isinstance(seed, bytes) or len(seed) != 32:
            raise ValueError("an Ed25519 private key (seed) is 32 bytes")
        backend = _resolve(backend)
        secret: object
        if backend == CRYPTOGRAPHY:
            key = Ed25519PrivateKey.from_private_bytes(seed)
            raw = key.public_key().public_bytes_raw()
            secret = key
        else:
            raw = _pure.public_key(seed)
            secret = seed
        _fill(self, backend, secret, PublicKey(raw, comment))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"a SigningKey is immutable (cannot set {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"a SigningKey is immutable (cannot delete {name!r})")

    @property
    def public(self) -> PublicKey:
        """The public key, derived from the private key (never read from a file)."""
        return self._public

    def with_comment(self, comment: str) -> SigningKey:
        """The same key with ``comment`` on its public key (a new object)."""
        if comment == self._public.comment:
            return self
        copy = object.__new__(SigningKey)
        _fill(copy, self._backend, self._secret, PublicKey(self._public.raw, comment))
        return copy

    @property
    def backend(self) -> str:
        return self._backend

    def sign(self, data: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``data`` (deterministic)."""
        if isinstance(self._secret, bytes):
            return _pure.sign(self._secret, data)
        assert isinstance(self._secret, Ed25519PrivateKey)
        return self._secret.sign(data)

    def _seed(self) -> bytes:
        if isinstance(self._secret, bytes):
            return self._secret
        assert isinstance(self._secret, Ed25519PrivateKey)
        return self._secret.private_bytes_raw()

    def __repr__(self) -> str:
        comment = f", comment={self.public.comment!r}" if self.public.comment else ""
        return f"SigningKey({self.public.fingerprint()}{comment}, backend={self._backend!r})"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("a SigningKey is not picklable (it would copy the private key)")


def _fill(key: SigningKey, backend: str, secret: object, public: PublicKey) -> None:
    """Set the slots of a SigningKey being made (its own ``__setattr__`` refuses)."""
    object.__setattr__(key, "_backend", backend)
    object.__setattr__(key, "_secret", secret)
    object.__setattr__(key, "_public", public)


def generate(comment: str, *, backend: str | None = None) -> SigningKey:
    """A new random key pair."""
    return SigningKey(secrets.token_bytes(32), comment, backend=backend)


# --- reading private keys -----------------------------------------------------------------------

_PEM_RE = re.compile(
    r"-----BEGIN ([A-Z0-9 ]+)-----[ \t]*\r?\n(.*?)\r?\n?-----END \1-----", re.DOTALL
)
_OTHER_PEM_TYPES = {
    "RSA PRIVATE KEY": "RSA",
    "DSA PRIVATE KEY": "DSA",
    "EC PRIVATE KEY": "ECDSA",
}
# PKCS#8 algorithm OIDs (DER contents) we can name in "not an Ed25519 key (...)".
_ED25519_OID = bytes.fromhex("2b6570")
_OTHER_OIDS = {
    bytes.fromhex("2a864886f70d010101"): "RSA",
    bytes.fromhex("2a8648ce380401"): "DSA",
    bytes.fromhex("2a8648ce3d0201"): "ECDSA",
    bytes.fromhex("2b656e"): "X25519",
    bytes.fromhex("2b656f"): "X448",
    bytes.fromhex("2b6571"): "Ed448",
}


def _read_key_file(path: str | Path) -> bytes:
    try:
        with open(path, "rb") as f:
            data = f.read(_MAX_KEY_FILE + 1)
    except FileNotFoundError:
        raise InputError("no such key file", file=path) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a key file", file=path) from None
    except OSError as e:
        raise InputError(f"cannot read key file: {e.strerror or e}", file=path) from None
    if len(data) > _MAX_KEY_FILE:
        raise InputError("too large to be a key file", file=path)
    return data


def _b64(body: str, path: str | Path) -> bytes:
    lines = [line.strip() for line in body.splitlines()]
    if any(":" in line for line in lines):  # RFC 1421 headers: legacy OpenSSL encryption
        raise InputError("unsupported PEM headers (legacy encrypted key)", file=path)
    try:
        return base64.b64decode("".join(lines), validate=True)
    except (binascii.Error, ValueError):
        raise InputError("damaged key file (invalid base64)", file=path) from None


def load_private_key(
    path: str | Path,
    passphrase: Callable[[], str] | None = None,
    *,
    backend: str | None = None,
) -> SigningKey:
    """Read an Ed25519 private key: OpenSSH, PKCS#8 PEM, or encrypted PKCS#8 PEM.

    ``passphrase`` is called (once) only when the file is encrypted. Encrypted keys need
    ``cryptography``; with ``backend="pure-python"`` they are refused as if it were missing.
    If the private key file carries no comment (PKCS#8, or an encrypted OpenSSH key read through
    ``cryptography``), the comment of a matching ``<path>.pub`` is used.
    """
    backend = _resolve(backend)
    data = _read_key_file(path)
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise InputError(
            "not a private key file (expected an OpenSSH or PEM private key)", file=path
        ) from None
    match = _PEM_RE.search(text)
    if match is None:
        stripped = text.lstrip()
        if stripped.startswith(("ssh-", "ecdsa-", "sk-")):
            raise InputError("this is a public key; signing needs the private key", file=path)
        if "-----BEGIN " in text:
            raise InputError("damaged key file (no matching END line)", file=path)
        raise InputError(
            "not a private key file (expected an OpenSSH or PEM private key)", file=path
        )
    label, body = match.group(1), match.group(2)
    if label == _OPENSSH_LABEL:
        return _load_openssh(path, data, _b64(body, path), passphrase, backend)
    if label == "PRIVATE KEY":
        key = SigningKey(_parse_pkcs8(_b64(body, path), path), backend=backend)
        return key.with_comment(_sidecar_comment(path, key.public))
    if label == "ENCRYPTED PRIVATE KEY":
        return _load_encrypted_pem(path, data, passphrase, backend)
    if label in _OTHER_PEM_TYPES:
        raise InputError(f"not an Ed25519 key ({_OTHER_PEM_TYPES[label]})", file=path)
    if "PUBLIC KEY" in label:
        raise InputError("this is a public key; signing needs the private key", file=path)
    raise InputError(f"not a private key file (PEM block {printable(label)!r})", file=path)


def _sidecar_comment(path: str | Path, public: PublicKey) -> str:
    """The comment of ``<path>.pub`` if it holds the same key, else ""."""
    try:
        with open(f"{path}.pub", encoding="utf-8") as f:
            line = f.read(_MAX_KEY_FILE).strip()
        found = _parse_public_line(line)
    except (OSError, UnicodeDecodeError, WireError):
        return ""
    return found.comment if found == public else ""


def _damaged(path: str | Path, e: WireError) -> InputError:
    return InputError(f"damaged OpenSSH private key ({e})", file=path)


def _load_openssh(
    path: str | Path,
    pem: bytes,
    blob: bytes,
    passphrase: Callable[[], str] | None,
    backend: str,
) -> SigningKey:
    if not blob.startswith(_OPENSSH_MAGIC):
        raise InputError("damaged OpenSSH private key (bad magic)", file=path)
    r = WireReader(blob[len(_OPENSSH_MAGIC) :])
    try:
        cipher = r.string("cipher name")
        kdf = r.string("KDF name")
        r.string("KDF options")
        count = r.uint32("key count")
        if count != 1:
            raise InputError(f"holds {count} keys; expected exactly one", file=path)
        public_blob = r.string("public key")
        private = r.string("private section")
        public = public_from_wire(public_blob)
    except KeyTypeError as e:
        raise InputError(str(e), file=path) from None
    except WireError as e:
        raise _damaged(path, e) from None

    if cipher != b"none":
        if backend != CRYPTOGRAPHY:
            raise InputError(_NEEDS_CRYPTOGRAPHY, file=path)
        if passphrase is None:
            raise InputError("the key is encrypted and no passphrase was given", file=path)
        password = passphrase().encode("utf-8")
        try:
            loaded = serialization.load_ssh_private_key(pem, password=password)
        except UnsupportedAlgorithm as e:
            if "bcrypt" in str(e):
                raise InputError(
                    "encrypted key needs the full install (cryptography and bcrypt)", file=path
                ) from None
            raise InputError(
                f"unsupported key encryption ({printable(cipher)})", file=path
            ) from None
        except (ValueError, TypeError):
            raise InputError(_WRONG_PASSPHRASE, file=path) from None
        if not isinstance(loaded, Ed25519PrivateKey):  # the header said Ed25519
            raise InputError(_WRONG_PASSPHRASE, file=path)
        key = SigningKey(loaded.private_bytes_raw(), backend=backend)
        if key.public != public:
            raise InputError(
                "damaged OpenSSH private key (public and private halves differ)", file=path
            )
        return key.with_comment(_sidecar_comment(path, key.public))

    if kdf != b"none":
        raise InputError("damaged OpenSSH private key (KDF without a cipher)", file=path)
    seed, comment = _parse_openssh_private(private, public, path)
    key = SigningKey(seed, comment, backend=backend)
    if key.public != public:
        raise InputError(
            "damaged OpenSSH private key (public and private halves differ)", file=path
        )
    return key if comment else key.with_comment(_sidecar_comment(path, key.public))


def _parse_openssh_private(
    private: bytes, public: PublicKey, path: str | Path
) -> tuple[bytes, str]:
    """(seed, comment) from the unencrypted private section of an OpenSSH key file."""
    r = WireReader(private)
    try:
        if len(private) % 8:
            raise WireError("private section is not a whole number of blocks")
        check1 = r.uint32("check bytes")
        check2 = r.uint32("check bytes")
        if check1 != check2:
            raise WireError("check bytes differ")
        key_type = r.string("key type")
        if key_type != _KEY_TYPE_B:
            raise KeyTypeError(printable(key_type))
        raw = r.string("public key")
        secret = r.string("private key")
        comment_b = r.string("comment")
        padding = r.take(r.remaining, "padding")
    except KeyTypeError as e:
        raise InputError(str(e), file=path) from None
    except WireError as e:
        raise _damaged(path, e) from None
    if padding != bytes(range(1, len(padding) + 1)) or len(padding) >= 8:
        raise InputError("damaged OpenSSH private key (bad padding)", file=path)
    if len(secret) != 64 or secret[32:] != raw or raw != public.raw:
        raise InputError("damaged OpenSSH private key (inconsistent key data)", file=path)
    try:
        comment = comment_b.decode("utf-8")
    except UnicodeDecodeError:
        comment = comment_b.decode("latin-1")
    comment = " ".join(comment.splitlines())
    return secret[:32], comment


def _der(data: bytes, pos: int, what: str) -> tuple[int, bytes, int]:
    """(tag, contents, next position) of the DER element at ``pos``; bounds checked."""
    if pos + 2 > len(data):
        raise WireError(f"{what} is truncated")
    tag, n = data[pos], data[pos + 1]
    pos += 2
    if n & 0x80:
        width = n & 0x7F
        if width == 0 or width > 2 or pos + width > len(data):
            raise WireError(f"{what} has a bad length")
        n = int.from_bytes(data[pos : pos + width], "big")
        pos += width
    if pos + n > len(data):
        raise WireError(f"{what}: length {n} runs past the end of the data")
    return tag, data[pos : pos + n], pos + n


def _parse_pkcs8(der: bytes, path: str | Path) -> bytes:
    """The seed from PKCS#8 / OneAsymmetricKey (RFC 5958, RFC 8410) DER of an Ed25519 key."""
    try:
        tag, body, end = _der(der, 0, "PrivateKeyInfo")
        if tag != 0x30 or end != len(der):
            raise WireError("not a DER SEQUENCE")
        tag, version, pos = _der(body, 0, "version")
        if tag != 0x02 or version not in (b"\x00", b"\x01"):
            raise WireError("unsupported version")
        tag, algorithm, pos = _der(body, pos, "algorithm")
        if tag != 0x30:
            raise WireError("bad algorithm identifier")
        tag, oid, _ = _der(algorithm, 0, "algorithm OID")
        if tag != 0x06:
            raise WireError("bad algorithm identifier")
        if oid != _ED25519_OID:
            raise KeyTypeError(_OTHER_OIDS.get(oid, "unknown algorithm"))
        tag, octets, pos = _der(body, pos, "private key")
        if tag != 0x04:
            raise WireError("bad private key field")
        tag, seed, inner_end = _der(octets, 0, "private key")
        if tag != 0x04 or len(seed) != 32 or inner_end != len(octets):
            raise WireError("bad private key field")
        public = None
        while pos < len(body):
            tag, value, pos = _der(body, pos, "optional field")
            if tag == 0x81:  # [1] publicKey, an implicit BIT STRING
                public = value[1:] if value[:1] == b"\x00" else None
                if public is None or len(public) != 32:
                    raise WireError("bad public key field")
            elif tag != 0xA0:  # [0] attributes are ignored
                raise WireError("unexpected field")
    except KeyTypeError as e:
        raise InputError(str(e), file=path) from None
    except WireError as e:
        raise InputError(f"damaged PKCS#8 private key ({e})", file=path) from None
    if public is not None and public != _pure.public_key(seed):
        raise InputError("damaged PKCS#8 private key (public and private halves differ)", file=path)
    return seed


def _load_encrypted_pem(
    path: str | Path, pem: bytes, passphrase: Callable[[], str] | None, backend: str
) -> SigningKey:
    if backend != CRYPTOGRAPHY:
        raise InputError(_NEEDS_CRYPTOGRAPHY, file=path)
    if passphrase is None:
        raise InputError("the key is encrypted and no passphrase was given", file=path)
    password = passphrase().encode("utf-8")
    try:
        loaded = serialization.load_pem_private_key(pem, password=password)
    except UnsupportedAlgorithm:
        raise InputError("unsupported key encryption", file=path) from None
    except (ValueError, TypeError):
        raise InputError(_WRONG_PASSPHRASE, file=path) from None
    if not isinstance(loaded, Ed25519PrivateKey):
        kind = type(loaded).__name__.removesuffix("PrivateKey").removeprefix("_") or "other"
        raise InputError(f"not an Ed25519 key ({kind})", file=path)
    key = SigningKey(loaded.private_bytes_raw(), backend=backend)
    return key.with_comment(_sidecar_comment(path, key.public))


# --- public keys --------------------------------------------------------------------------------

# A field of an authorized_keys/allowed_signers line: runs of non-blanks and "quoted strings".
_FIELD_RE = re.compile(r'(?:[^\s"]|"[^"]*")+')
_KEY_TYPE_RE = re.compile(r"^(?:ssh-|ecdsa-|sk-|rsa-)[A-Za-z0-9@._-]+$")


def _parse_public_line(line: str) -> PublicKey:
    """One ``[principals] [options] ssh-ed25519 AAAA... [comment]`` line; WireError if bad."""
    fields = list(_FIELD_RE.finditer(line))
    if not fields:
        raise WireError("no public key")
    for i, kind in enumerate(fields[:-1]):
        if not _KEY_TYPE_RE.match(kind.group()):
            continue
        b64 = fields[i + 1]
        try:
            blob = base64.b64decode(b64.group(), validate=True)
        except (binascii.Error, ValueError):
            continue
        key_type = WireReader(blob)
        try:
            embedded = key_type.string("key type")
        except WireError:
            continue
        if embedded != kind.group().encode():
            raise WireError(
                f"key type {printable(kind.group())} does not match the key data "
                f"({printable(embedded)})"
            )
        comment = " ".join(line[b64.end() :].split())
        return public_from_wire(blob, comment)
    raise WireError("not an OpenSSH public key line (expected 'ssh-ed25519 AAAA... [comment]')")


def load_public_key(text: str, source: str) -> PublicKey:
    """One OpenSSH public-key line, or an allowed_signers line; ``source`` names it in errors."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if len(lines) != 1:
        what = "no public key" if not lines else "expected one public-key line"
        raise InputError(what, file=source)
    try:
        return _parse_public_line(lines[0].strip())
    except WireError as e:
        raise InputError(str(e), file=source) from None


def load_public_keys(path: str | Path) -> list[PublicKey]:
    """Every key of an authorized_keys/allowed_signers-style file (blank and # lines skipped)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise InputError("no such file", file=path) from None
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror or e}", file=path) from None
    keys = []
    for number, raw_line in enumerate(data.split(b"\n"), start=1):
        try:
            line = raw_line.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise InputError("not UTF-8 text", file=path, line=number) from None
        if not line or line.startswith("#"):
            continue
        try:
            keys.append(_parse_public_line(line))
        except WireError as e:
            raise InputError(str(e), file=path, line=number) from None
    return keys


# --- writing private keys -----------------------------------------------------------------------


def _armor(label: str, blob: bytes, width: int = 70) -> str:
    b64 = base64.b64encode(blob).decode("ascii")
    body = "\n".join(b64[i : i + width] for i in range(0, len(b64), width))
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"


def _openssh_private_file(key: SigningKey) -> bytes:
    """An unencrypted OpenSSH private key file, byte for byte the layout ssh-keygen writes."""
    check = struct.pack(">I", secrets.randbits(32))
    public = key.public
    private = (
        check
        + check
        + ssh_string(_KEY_TYPE_B)
        + ssh_string(public.raw)
        + ssh_string(key._seed() + public.raw)
        + ssh_string(public.comment.encode("utf-8"))
    )
    private += bytes(range(1, 1 + (-len(private) % 8)))  # pad to the "none" cipher's 8 bytes
    blob = (
        _OPENSSH_MAGIC
        + ssh_string(b"none")  # cipher
        + ssh_string(b"none")  # KDF
        + ssh_string(b"")  # KDF options
        + struct.pack(">I", 1)
        + ssh_string(public.wire())
        + ssh_string(private)
    )
    return _armor(_OPENSSH_LABEL, blob).encode("ascii")


def _create(path: str, data: bytes, mode: int) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags, mode)
    except FileExistsError:
        raise InputError("already exists; refusing to overwrite it", file=path) from None
    except OSError as e:
        raise InputError(f"cannot create: {e.strerror or e}", file=path) from None
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, mode)  # exactly this mode, whatever the umask
        with os.fdopen(fd, "wb") as f:
            f.write(data)
    except OSError as e:
        os.unlink(path)
        raise InputError(f"cannot write: {e.strerror or e}", file=path) from None


def save_private_key(
    key: SigningKey,
    path: str | Path,
    passphrase: str | None,
    *,
    backend: str | None = None,
) -> None:
    """Write ``path`` (OpenSSH private key, mode 0600) and ``path.pub`` (mode 0644).

    Refuses to overwrite either file. An empty passphrase means no encryption, as with
    ``ssh-keygen -N ""``. Encrypting needs ``cryptography`` and ``bcrypt``; the encrypted file
    (written by ``cryptography``) carries no comment, so the comment lives in ``path.pub``.
    """
    backend = _resolve(backend)
    path = str(path)
    pub_path = path + ".pub"
    if passphrase:
        if backend != CRYPTOGRAPHY:
            raise InputError(_NEEDS_CRYPTOGRAPHY, file=path)
        try:
            data = Ed25519PrivateKey.from_private_bytes(key._seed()).private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.OpenSSH,
                serialization.BestAvailableEncryption(passphrase.encode("utf-8")),
            )
        except UnsupportedAlgorithm:
            raise InputError(
                "encrypted key needs the full install (cryptography and bcrypt)", file=path
            ) from None
    else:
        data = _openssh_private_file(key)
    if os.path.lexists(pub_path):
        raise InputError("already exists; refusing to overwrite it", file=pub_path)
    _create(path, data, 0o600)
    try:
        _create(pub_path, (key.public.openssh() + "\n").encode("utf-8"), 0o644)
    except InputError:
        os.unlink(path)
        raise

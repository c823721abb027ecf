"""OpenSSH's SSHSIG signatures (PROTOCOL.sshsig), so stock OpenSSH can check a bundle.

``sign`` produces exactly what ``ssh-keygen -Y sign -f KEY -n NAMESPACE`` writes for an Ed25519
key (Ed25519 is deterministic, so the output is byte for byte the same), and a reviewer without
netguard verifies it with::

    ssh-keygen -Y verify -f allowed_signers -I inspector@example -n NAMESPACE -s FILE.sig < FILE

The armored text is a header line, the base64 of the blob in 70-column lines, a footer line:

    byte[6] "SSHSIG"  uint32 1 (version)
    string publickey  string namespace  string reserved ("")  string hash_algorithm ("sha512")
    string signature  (itself string "ssh-ed25519" + string 64-byte Ed25519 signature)

The Ed25519 signature covers ``"SSHSIG" || string namespace || string "" || string hash_alg ||
string H(data)``, never the data itself. The blob is base64'd as is -- not wrapped in one more
``string`` as PROTOCOL.sshsig's wording suggests.

``verify`` returns the signer's key; deciding whether that key is trusted (an allowed_signers
list, say) is the caller's job.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct

from netguard.evidence.keys import (
    KEY_TYPE,
    KeyTypeError,
    PublicKey,
    SigningKey,
    WireError,
    WireReader,
    printable,
    public_from_wire,
    ssh_string,
)

__all__ = ["HASH_ALGORITHM", "SignatureInvalid", "sign", "verify"]

MAGIC = b"SSHSIG"
VERSION = 1
HASH_ALGORITHM = "sha512"
_HASHES = {"sha512": hashlib.sha512, "sha256": hashlib.sha256}  # what ssh-keygen accepts
BEGIN = "-----BEGIN SSH SIGNATURE-----"
END = "-----END SSH SIGNATURE-----"
_LINE = 70  # ssh-keygen's base64 line length
_MAX_ARMOR = 64 * 1024  # an Ed25519 SSHSIG is about 300 characters


class SignatureInvalid(Exception):
    """The signature could not be read or does not verify; the message says why."""


def _signed_data(namespace: bytes, hash_algorithm: str, digest: bytes) -> bytes:
    return (
        MAGIC
        + ssh_string(namespace)
        + ssh_string(b"")  # reserved
        + ssh_string(hash_algorithm.encode("ascii"))
        + ssh_string(digest)
    )


def _armor(blob: bytes) -> str:
    b64 = base64.b64encode(blob).decode("ascii")
    lines = [b64[i : i + _LINE] for i in range(0, len(b64), _LINE)]
    return "\n".join([BEGIN, *lines, END]) + "\n"


def sign(key: SigningKey, data: bytes, namespace: str) -> str:
    """The armored SSHSIG of ``data`` (sha512, version 1), as ``ssh-keygen -Y sign`` writes it."""
    if not namespace:
        raise ValueError("an SSHSIG namespace must not be empty")
    ns = namespace.encode("utf-8")
    digest = _HASHES[HASH_ALGORITHM](data).digest()
    signature = key.sign(_signed_data(ns, HASH_ALGORITHM, digest))
    blob = (
        MAGIC
        + struct.pack(">I", VERSION)
        + ssh_string(key.public.wire())
        + ssh_string(ns)
        + ssh_string(b"")  # reserved
        + ssh_string(HASH_ALGORITHM.encode("ascii"))
        + ssh_string(ssh_string(KEY_TYPE.encode("ascii")) + ssh_string(signature))
    )
    return _armor(blob)


def _dearmor(armored: str) -> bytes:
    if len(armored) > _MAX_ARMOR:
        raise SignatureInvalid("bad armor: far too long for an SSH signature")
    lines = [line.strip() for line in armored.strip().splitlines()]
    if not lines or lines[0] != BEGIN:
        raise SignatureInvalid(f"bad armor: does not start with {BEGIN}")
    if END not in lines:
        raise SignatureInvalid(f"bad armor: no {END} line (truncated?)")
    end = lines.index(END)
    if any(lines[end + 1 :]):
        raise SignatureInvalid(f"bad armor: text after {END}")
    body = "".join(lines[1:end])
    if not body:
        raise SignatureInvalid("bad armor: no signature between the header and footer")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureInvalid("bad armor: the signature is not valid base64") from None


def verify(armored: str, data: bytes, namespace: str, *, backend: str | None = None) -> PublicKey:
    """Check an armored SSHSIG of ``data`` in ``namespace``; return the signer's key.

    Raises SignatureInvalid with the reason for anything wrong: armor, format, version, namespace,
    hash algorithm, key type, or a signature that does not match. The returned key still has to
    be checked against the keys the caller trusts.
    """
    blob = _dearmor(armored)
    if not blob.startswith(MAGIC):
        raise SignatureInvalid("not an SSH signature (no SSHSIG magic)")
    r = WireReader(blob[len(MAGIC) :])
    try:
        version = r.uint32("version")
        if version != VERSION:
            raise SignatureInvalid(f"unsupported SSHSIG version {version} (only {VERSION})")
        public_blob = r.string("public key")
        got_namespace = r.string("namespace")
        r.string("reserved field")  # "implementations should ignore" it (PROTOCOL.sshsig)
        hash_algorithm_b = r.string("hash algorithm")
        signature_blob = r.string("signature")
        r.end("the signature")
    except WireError as e:
        raise SignatureInvalid(f"malformed SSH signature: {e}") from None
    try:
        public = public_from_wire(public_blob)
    except KeyTypeError as e:
        raise SignatureInvalid(f"unsupported key type {e.key_type} (only {KEY_TYPE})") from None
    except WireError as e:
        raise SignatureInvalid(f"malformed public key in the signature: {e}") from None
    if got_namespace != namespace.encode("utf-8"):
        raise SignatureInvalid(
            f"wrong namespace: signed for '{printable(got_namespace)}', expected "
            f"'{printable(namespace)}'"
        )
    hash_algorithm = hash_algorithm_b.decode("ascii", "replace")
    if hash_algorithm not in _HASHES:
        raise SignatureInvalid(f"unsupported hash algorithm '{printable(hash_algorithm_b)}'")
    s = WireReader(signature_blob)
    try:
        sig_type = s.string("signature type")
        if sig_type != KEY_TYPE.encode("ascii"):
            raise SignatureInvalid(
                f"signature type {printable(sig_type)} does not match the {KEY_TYPE} key"
            )
        signature = s.string("Ed25519 signature")
        s.end("the Ed25519 signature")
    except WireError as e:
        raise SignatureInvalid(f"malformed signature: {e}") from None
    if len(signature) != 64:
        raise SignatureInvalid(f"malformed signature: {len(signature)} bytes, not 64")
    digest = _HASHES[hash_algorithm](data).digest()
    signed = _signed_data(got_namespace, hash_algorithm, digest)
    if not public.verify(signature, signed, backend=backend):
        raise SignatureInvalid("signature does not match the data (altered data or wrong key)")
    return public

"""SSHSIG: our signatures are ssh-keygen's, byte for byte, and we verify what it signs."""

from __future__ import annotations

import base64
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netguard.evidence import keys, sshsig
from netguard.evidence.keys import SigningKey
from netguard.evidence.sshsig import SignatureInvalid

needs_ssh_keygen = pytest.mark.skipif(
    shutil.which("ssh-keygen") is None,
    reason="ssh-keygen (OpenSSH client) is not installed; interop with it cannot be checked",
)

NAMESPACE = "netguard-evidence"
DATA = b"manifest.json sha256 0f1e2d...\n"
SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")


@pytest.fixture(params=[keys.CRYPTOGRAPHY, keys.PURE_PYTHON])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param not in keys.BACKENDS:
        pytest.skip("the cryptography package is not installed")
    return str(request.param)


def ssh_keygen(*args: str, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["ssh-keygen", *args], input=input, capture_output=True, check=False)


def _s(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _armor(blob: bytes) -> str:
    b64 = base64.b64encode(blob).decode()
    body = "\n".join(b64[i : i + 70] for i in range(0, len(b64), 70))
    return f"-----BEGIN SSH SIGNATURE-----\n{body}\n-----END SSH SIGNATURE-----\n"


def _blob(armored: str) -> bytes:
    return base64.b64decode("".join(armored.strip().splitlines()[1:-1]))


def _fields(
    *,
    magic: bytes = b"SSHSIG",
    version: int = 1,
    public: bytes | None = None,
    namespace: bytes = NAMESPACE.encode(),
    reserved: bytes = b"",
    hash_algorithm: bytes = b"sha512",
    signature: bytes | None = None,
) -> bytes:
    key = SigningKey(SEED)
    if public is None:
        public = key.public.wire()
    if signature is None:
        signature = _s(b"ssh-ed25519") + _s(b"\0" * 64)
    return (
        magic
        + struct.pack(">I", version)
        + _s(public)
        + _s(namespace)
        + _s(reserved)
        + _s(hash_algorithm)
        + _s(signature)
    )


def test_round_trip(backend: str) -> None:
    key = SigningKey(SEED, "inspector@example", backend=backend)
    armored = sshsig.sign(key, DATA, NAMESPACE)
    signer = sshsig.verify(armored, DATA, NAMESPACE, backend=backend)
    assert signer == key.public
    with pytest.raises(SignatureInvalid, match="wrong namespace"):
        sshsig.verify(armored, DATA, "file", backend=backend)
    with pytest.raises(SignatureInvalid, match="signature does not match the data"):
        sshsig.verify(armored, DATA + b" ", NAMESPACE, backend=backend)


def test_armor_layout() -> None:
    armored = sshsig.sign(SigningKey(SEED), DATA, NAMESPACE)
    lines = armored.split("\n")
    assert lines[0] == "-----BEGIN SSH SIGNATURE-----"
    assert lines[-2:] == ["-----END SSH SIGNATURE-----", ""]
    assert all(len(line) == 70 for line in lines[1:-3])
    assert 0 < len(lines[-3]) <= 70
    blob = _blob(armored)
    assert blob.startswith(b"SSHSIG\0\0\0\1")  # not wrapped in one more SSH string
    assert b"sha512" in blob


def test_empty_namespace_is_refused() -> None:
    with pytest.raises(ValueError, match="namespace"):
        sshsig.sign(SigningKey(SEED), DATA, "")


def test_crlf_and_surrounding_blank_lines_are_accepted() -> None:
    key = SigningKey(SEED)
    armored = sshsig.sign(key, DATA, NAMESPACE)
    assert sshsig.verify("\n" + armored.replace("\n", "\r\n") + "\n", DATA, NAMESPACE) == key.public


# --- interop with OpenSSH ---------------------------------------------------------------------


@needs_ssh_keygen
def test_identical_to_ssh_keygen_and_verified_by_it(tmp_path: Path, backend: str) -> None:
    path = tmp_path / "id"
    made = ssh_keygen("-q", "-t", "ed25519", "-N", "", "-C", "li@audit", "-f", str(path))
    assert made.returncode == 0, made.stderr
    key = keys.load_private_key(path, backend=backend)
    theirs = ssh_keygen("-Y", "sign", "-f", str(path), "-n", NAMESPACE, input=DATA)
    assert theirs.returncode == 0, theirs.stderr
    assert sshsig.sign(key, DATA, NAMESPACE) == theirs.stdout.decode()
    assert sshsig.verify(theirs.stdout.decode(), DATA, NAMESPACE, backend=backend) == key.public


@needs_ssh_keygen
def test_ssh_keygen_verifies_ours(tmp_path: Path, backend: str) -> None:
    key = keys.generate("wang.fang@audit.gov", backend=backend)
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f'wang.fang@audit.gov namespaces="{NAMESPACE}" {key.public.openssh()}\n')
    sig = tmp_path / "bundle.sig"
    sig.write_text(sshsig.sign(key, DATA, NAMESPACE))

    def check(data: bytes, namespace: str = NAMESPACE) -> subprocess.CompletedProcess[bytes]:
        return ssh_keygen(
            "-Y", "verify", "-f", str(allowed), "-I", "wang.fang@audit.gov",
            "-n", namespace, "-s", str(sig), input=data,
        )  # fmt: skip

    good = check(DATA)
    assert good.returncode == 0, good.stderr
    assert b"Good" in good.stdout
    assert check(DATA + b"x").returncode != 0
    assert check(DATA, "file").returncode != 0
    # And the allowed_signers line is one we read back.
    assert keys.load_public_keys(allowed) == [key.public]


@needs_ssh_keygen
def test_sha256_signatures_from_ssh_keygen_verify(tmp_path: Path) -> None:
    path = tmp_path / "id"
    assert ssh_keygen("-q", "-t", "ed25519", "-N", "", "-f", str(path)).returncode == 0
    theirs = ssh_keygen(
        "-Y", "sign", "-f", str(path), "-n", NAMESPACE, "-O", "hashalg=sha256", input=DATA
    )
    if theirs.returncode != 0:
        pytest.skip("this ssh-keygen has no -O hashalg=sha256")
    assert b"sha256" in _blob(theirs.stdout.decode())
    signer = sshsig.verify(theirs.stdout.decode(), DATA, NAMESPACE)
    assert signer == keys.load_private_key(path).public


@needs_ssh_keygen
def test_ssh_keygen_rejects_wrong_namespace_of_its_own(tmp_path: Path) -> None:
    path = tmp_path / "id"
    assert ssh_keygen("-q", "-t", "ed25519", "-N", "", "-f", str(path)).returncode == 0
    theirs = ssh_keygen("-Y", "sign", "-f", str(path), "-n", "file", input=DATA)
    with pytest.raises(SignatureInvalid, match="wrong namespace: signed for 'file'"):
        sshsig.verify(theirs.stdout.decode(), DATA, NAMESPACE)


# --- hostile and malformed signatures -----------------------------------------------------------


@pytest.mark.parametrize(
    ("armored", "expected"),
    [
        ("", "bad armor: does not start with"),
        ("hello", "bad armor: does not start with"),
        ("-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n", "bad armor: no -----END SSH SIGNATURE"),
        ("-----BEGIN SSH SIGNATURE-----\n-----END SSH SIGNATURE-----\n", "no signature between"),
        ("-----BEGIN SSH SIGNATURE-----\n%%%%\n-----END SSH SIGNATURE-----\n", "not valid base64"),
        ("-----BEGIN SSH SIGNATURE-----\nU1NIU0l\n-----END SSH SIGNATURE-----\n", "base64"),
        ("-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\nx", "text after"),
        ("-----BEGIN SSH SIGNATURE-----\n" + "A" * 70_000 + "\n", "far too long"),
    ],
)
def test_bad_armor(armored: str, expected: str) -> None:
    with pytest.raises(SignatureInvalid, match=expected):
        sshsig.verify(armored, DATA, NAMESPACE)


def test_truncated_armor() -> None:
    armored = sshsig.sign(SigningKey(SEED), DATA, NAMESPACE)
    lines = armored.splitlines()
    with pytest.raises(SignatureInvalid, match="no -----END SSH SIGNATURE----- line"):
        sshsig.verify("\n".join(lines[:-2]), DATA, NAMESPACE)
    with pytest.raises(SignatureInvalid, match="malformed"):
        sshsig.verify("\n".join([*lines[:-3], lines[-1]]), DATA, NAMESPACE)


def test_every_truncated_blob_is_reported() -> None:
    blob = _blob(sshsig.sign(SigningKey(SEED), DATA, NAMESPACE))
    for cut in range(1, len(blob)):
        with pytest.raises(SignatureInvalid):
            sshsig.verify(_armor(blob[:cut]), DATA, NAMESPACE)


def test_length_fields_beyond_the_buffer() -> None:
    huge = b"SSHSIG" + struct.pack(">I", 1) + b"\xff\xff\xff\xff" + b"\0" * 40
    with pytest.raises(SignatureInvalid, match="public key: length 4294967295 runs past the end"):
        sshsig.verify(_armor(huge), DATA, NAMESPACE)
    good = _blob(sshsig.sign(SigningKey(SEED), DATA, NAMESPACE))
    # The outer signature string claims one byte more than is there.
    at = len(good) - (4 + 4 + 11 + 4 + 64)
    longer = good[:at] + struct.pack(">I", 4 + 11 + 4 + 64 + 1) + good[at + 4 :]
    with pytest.raises(SignatureInvalid, match="signature: length 84 runs past the end"):
        sshsig.verify(_armor(longer), DATA, NAMESPACE)
    # Inside the signature: the Ed25519 signature string claims 2^31 bytes.
    inner = _s(b"ssh-ed25519") + b"\x80\0\0\0" + b"\0" * 64
    with pytest.raises(SignatureInvalid, match="runs past the end"):
        sshsig.verify(_armor(_fields(signature=inner)), DATA, NAMESPACE)


@pytest.mark.parametrize(
    ("blob", "expected"),
    [
        (_fields(magic=b"SSHSIH"), "no SSHSIG magic"),
        (_fields(version=2), "unsupported SSHSIG version 2"),
        (_fields(version=0), "unsupported SSHSIG version 0"),
        (_fields(hash_algorithm=b"md5"), "unsupported hash algorithm 'md5'"),
        (_fields(namespace=b"file"), "wrong namespace: signed for 'file'"),
        (
            _fields(namespace=b"\x1b[31mred"),
            r"wrong namespace: signed for '\\x1b\[31mred', expected 'netguard-evidence'",
        ),
        (
            _fields(public=_s(b"ssh-rsa") + _s(b"\1\0\1") + _s(b"\0\xc1")),
            "unsupported key type ssh-rsa",
        ),
        (_fields(public=_s(b"ssh-ed25519") + _s(b"\1" * 31)), "31 bytes, not 32"),
        (_fields(public=_s(b"ssh-ed25519") + _s(b"\1" * 32) + b"x"), "unexpected bytes"),
        (_fields(signature=_s(b"ssh-rsa") + _s(b"\0" * 64)), "signature type ssh-rsa"),
        (_fields(signature=_s(b"ssh-ed25519") + _s(b"\0" * 63)), "63 bytes, not 64"),
        (_fields(signature=_s(b"ssh-ed25519") + _s(b"\0" * 64) + b"!"), "unexpected bytes"),
        (_fields() + b"trailing", "unexpected bytes after the signature"),
        (_fields(), "signature does not match the data"),
    ],
)
def test_malformed_blobs(blob: bytes, expected: str) -> None:
    with pytest.raises(SignatureInvalid, match=expected):
        sshsig.verify(_armor(blob), DATA, NAMESPACE)


def test_signature_from_another_key_does_not_verify() -> None:
    signer = SigningKey(SEED)
    other = keys.generate("other")
    blob = _blob(sshsig.sign(signer, DATA, NAMESPACE))
    swapped = blob.replace(signer.public.raw, other.public.raw)
    with pytest.raises(SignatureInvalid, match="does not match"):
        sshsig.verify(_armor(swapped), DATA, NAMESPACE)


def test_reserved_field_is_ignored_like_openssh() -> None:
    key = SigningKey(SEED)
    good = _blob(sshsig.sign(key, DATA, NAMESPACE))
    reserved_at = 6 + 4 + 4 + len(key.public.wire()) + 4 + len(NAMESPACE)
    assert good[reserved_at : reserved_at + 4] == b"\0\0\0\0"
    tagged = good[:reserved_at] + _s(b"future") + good[reserved_at + 4 :]
    assert sshsig.verify(_armor(tagged), DATA, NAMESPACE) == key.public


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=400))
def test_random_blobs_only_raise_signature_invalid(data: bytes) -> None:
    with pytest.raises(SignatureInvalid):
        sshsig.verify(_armor(b"SSHSIG" + data), DATA, NAMESPACE)


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=300))
def test_random_text_only_raises_signature_invalid(text: str) -> None:
    with pytest.raises(SignatureInvalid):
        sshsig.verify(text, DATA, NAMESPACE)

"""Inspectors' Ed25519 keys: RFC 8032 vectors, both backends agreeing, OpenSSH file formats."""

from __future__ import annotations

import base64
import inspect
import os
import pickle
import shutil
import stat
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netguard.errors import InputError
from netguard.evidence import ed25519, keys
from netguard.evidence.keys import PublicKey, SigningKey

needs_ssh_keygen = pytest.mark.skipif(
    shutil.which("ssh-keygen") is None,
    reason="ssh-keygen (OpenSSH client) is not installed; interop with it cannot be checked",
)
needs_cryptography = pytest.mark.skipif(
    keys.CRYPTOGRAPHY not in keys.BACKENDS, reason="the cryptography package is not installed"
)

# RFC 8032 section 7.1: (name, secret key, public key, message, signature), hex as in the RFC.
_MSG_1024 = (
    "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98"
    "fa6e264bf09efe12ee50f8f54e9f77b1e355f6c50544e23fb1433ddf73be84d8"
    "79de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d"
    "658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc"
    "1a858efcb8550ee3a5e1998bd177e93a7363c344fe6b199ee5d02e82d522c4fe"
    "ba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e"
    "06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbef"
    "efd75499da96bd68a8a97b928a8bbc103b6621fcde2beca1231d206be6cd9ec7"
    "aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1"
    "85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2"
    "d17ba70eb6248e594e1a2297acbbb39d502f1a8c6eb6f1ce22b3de1a1f40cc24"
    "554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270"
    "88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc"
    "2732e69485bbc9c90bfbd62481d9089beccf80cfe2df16a2cf65bd92dd597b07"
    "07e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba"
    "b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51a"
    "ddd3b75a2b1ae0784504df543af8969be3ea7082ff7fc9888c144da2af58429e"
    "c96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7"
    "51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c"
    "42f58c30c04aafdb038dda0847dd988dcda6f3bfd15c4b4c4525004aa06eeff8"
    "ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df"
    "f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08"
    "d78ff4ef5d63653a65040cf9bfd4aca7984a74d37145986780fc0b16ac451649"
    "de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4"
    "88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a3"
    "2ef5b52a1ecc820e308aa342721aac0943bf6686b64b2579376504ccc493d97e"
    "6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f"
    "b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b5"
    "0d334ba77c225bc307ba537152f3f1610e4eafe595f6d9d90d11faa933a15ef1"
    "369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d"
    "b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c"
    "0618983f8741c5ef68d3a101e8a3b8cac60c905c15fc910840b94c00a0b9d0"
)
RFC8032 = [
    (
        "TEST 1",
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "TEST 2",
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
        "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "TEST 3",
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
        "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
    (
        "TEST 1024",
        "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
        "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
        _MSG_1024,
        "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350"
        "aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03",
    ),
    (
        "TEST SHA(abc)",
        "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
        "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
        "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589"
        "09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704",
    ),
]


@pytest.fixture(params=[keys.CRYPTOGRAPHY, keys.PURE_PYTHON])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param not in keys.BACKENDS:
        pytest.skip("the cryptography package is not installed")
    return str(request.param)


def _vector(name: str) -> tuple[bytes, bytes, bytes, bytes]:
    for vector in RFC8032:
        if vector[0] == name:
            return tuple(bytes.fromhex(x) for x in vector[1:])  # type: ignore[return-value]
    raise KeyError(name)


def ssh_keygen(*args: str, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["ssh-keygen", *args], input=input, capture_output=True, check=False)


def make_ssh_key(
    tmp_path: Path,
    name: str = "id",
    *,
    passphrase: str = "",
    kind: str = "ed25519",
    comment: str = "inspector@example",
) -> Path:
    path = tmp_path / name
    done = ssh_keygen("-q", "-t", kind, "-N", passphrase, "-C", comment, "-f", str(path))
    assert done.returncode == 0, done.stderr
    return path


def _flip(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def _must_not_be_called() -> str:
    raise AssertionError("the passphrase was asked for an unencrypted key")


# --- RFC 8032 and the two backends ------------------------------------------------------------


@pytest.mark.parametrize("name", [v[0] for v in RFC8032])
def test_rfc8032_vectors(backend: str, name: str) -> None:
    seed, public, message, signature = _vector(name)
    key = SigningKey(seed, backend=backend)
    assert key.public.raw == public
    assert key.sign(message) == signature
    assert key.public.verify(signature, message, backend=backend)


@pytest.mark.parametrize("name", [v[0] for v in RFC8032])
def test_rfc8032_vectors_pure_module(name: str) -> None:
    seed, public, message, signature = _vector(name)
    assert ed25519.public_key(seed) == public
    assert ed25519.sign(seed, message) == signature
    assert ed25519.verify(public, message, signature)


def test_pure_sign_cannot_be_steered_to_another_public_key() -> None:
    """Signatures of one message hashed with two public keys would give away the secret scalar.

    With A1 != A2, S1 - S2 = (k1 - k2) a mod L. So ``sign`` takes no public key at all: it
    derives A from the seed itself.
    """
    seed, public, message, signature = _vector("TEST 2")
    other = _vector("TEST 3")[1]
    assert list(inspect.signature(ed25519.sign).parameters) == ["seed", "message"]
    with pytest.raises(TypeError):
        ed25519.sign(seed, message, public=other)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        ed25519.sign(seed, message, other)  # type: ignore[call-arg]
    assert ed25519.sign(seed, message) == signature
    assert ed25519.verify(public, message, ed25519.sign(seed, message))


def test_signing_key_is_immutable(backend: str) -> None:
    seed, public, message, signature = _vector("TEST 2")
    key = SigningKey(seed, "li@audit", backend=backend)
    other = SigningKey(_vector("TEST 3")[0], backend=backend)
    for name, value in [
        ("public", other.public),
        ("_public", other.public),
        ("_secret", other._seed()),
        ("_backend", keys.PURE_PYTHON),
        ("anything", 1),
    ]:
        with pytest.raises(AttributeError, match="immutable"):
            setattr(key, name, value)
    for name in ("public", "_public", "_secret"):
        with pytest.raises(AttributeError):
            delattr(key, name)
    assert key.public.raw == public
    assert key.public.comment == "li@audit"
    assert key.sign(message) == signature


def test_with_comment_makes_a_new_key(backend: str) -> None:
    seed, public, message, signature = _vector("TEST 2")
    key = SigningKey(seed, "a", backend=backend)
    renamed = key.with_comment("b")
    assert renamed is not key
    assert (key.public.comment, renamed.public.comment) == ("a", "b")
    assert renamed.public.raw == public
    assert renamed.backend == key.backend
    assert renamed.sign(message) == signature
    assert key.with_comment("a") is key
    with pytest.raises(AttributeError, match="immutable"):
        renamed.public = key.public  # type: ignore[misc]


@pytest.mark.parametrize("bit", [0, 7, 13, 15])
def test_flipped_message_bit_fails(backend: str, bit: int) -> None:
    _, public, message, signature = _vector("TEST 3")
    assert not PublicKey(public).verify(signature, _flip(message, bit), backend=backend)


@pytest.mark.parametrize("bit", [0, 5, 100, 254, 255, 256, 300, 500, 511])
def test_flipped_signature_bit_fails(backend: str, bit: int) -> None:
    _, public, message, signature = _vector("TEST 3")
    assert not PublicKey(public).verify(_flip(signature, bit), message, backend=backend)


@pytest.mark.parametrize("bit", [0, 1, 64, 128, 200, 254, 255])
def test_flipped_public_key_bit_fails(backend: str, bit: int) -> None:
    _, public, message, signature = _vector("TEST 3")
    assert not PublicKey(_flip(public, bit)).verify(signature, message, backend=backend)


@pytest.mark.parametrize("name", ["TEST 1", "TEST 2", "TEST 3"])
def test_non_canonical_s_is_rejected(backend: str, name: str) -> None:
    """S + L is the same scalar mod L, so only the S < L check stops it (malleability)."""
    _, public, message, signature = _vector(name)
    s = int.from_bytes(signature[32:], "little")
    forged = signature[:32] + (s + ed25519.L).to_bytes(32, "little")
    assert not PublicKey(public).verify(forged, message, backend=backend)
    assert not ed25519.verify(public, message, signature[:32] + ed25519.L.to_bytes(32, "little"))


def test_wrong_lengths_do_not_verify(backend: str) -> None:
    _, public, message, signature = _vector("TEST 2")
    key = PublicKey(public)
    assert not key.verify(signature[:-1], message, backend=backend)
    assert not key.verify(signature + b"\0", message, backend=backend)
    assert not key.verify(b"", message, backend=backend)
    assert not ed25519.verify(public[:-1], message, signature)


def test_non_canonical_points_are_rejected() -> None:
    # y = p (non-canonical encoding of y = 0) and x = 0 with the sign bit set (y = 1).
    assert not ed25519.is_valid_public_key(ed25519.P.to_bytes(32, "little"))
    assert not ed25519.is_valid_public_key((1 | 1 << 255).to_bytes(32, "little"))
    assert ed25519.is_valid_public_key((1).to_bytes(32, "little"))  # the neutral element
    _, public, _, _ = _vector("TEST 1")
    assert ed25519.is_valid_public_key(public)


@needs_cryptography
@settings(max_examples=25, deadline=None)
@given(seed=st.binary(min_size=32, max_size=32), message=st.binary(max_size=300))
def test_backends_agree(seed: bytes, message: bytes) -> None:
    fast = SigningKey(seed, backend=keys.CRYPTOGRAPHY)
    pure = SigningKey(seed, backend=keys.PURE_PYTHON)
    assert fast.public == pure.public
    signature = fast.sign(message)
    assert pure.sign(message) == signature
    assert fast.public.verify(signature, message, backend=keys.PURE_PYTHON)
    assert pure.public.verify(signature, message, backend=keys.CRYPTOGRAPHY)
    assert not fast.public.verify(signature, message + b"x", backend=keys.PURE_PYTHON)


def test_pure_backend_signs_a_long_message() -> None:
    """A 10 KB message (a manifest's size) with the pure-Python backend: the signature verifies
    and is cryptography's. Its speed is benchmarks/keys_bench.py's, not a test's."""
    key = SigningKey(bytes(range(32)), backend=keys.PURE_PYTHON)
    message = b"x" * 10_000
    signature = key.sign(message)
    assert len(signature) == 64
    assert key.public.verify(signature, message, backend=keys.PURE_PYTHON)
    assert not key.public.verify(signature, message[:-1], backend=keys.PURE_PYTHON)
    if keys.CRYPTOGRAPHY in keys.BACKENDS:
        fast = SigningKey(bytes(range(32)), backend=keys.CRYPTOGRAPHY)
        assert fast.sign(message) == signature


def test_pure_backend_without_cryptography(tmp_path: Path) -> None:
    """In a fresh interpreter where cryptography cannot be imported (the zipapp case)."""
    script = (
        "import sys; sys.modules['cryptography'] = None\n"
        "from netguard.evidence import keys, sshsig\n"
        "assert keys.BACKEND == 'pure-python' and keys.BACKENDS == ('pure-python',), keys.BACKEND\n"
        "k = keys.generate('x')\n"
        "keys.save_private_key(k, sys.argv[1], None)\n"
        "k2 = keys.load_private_key(sys.argv[1])\n"
        "sig = sshsig.sign(k2, b'data', 'ns')\n"
        "assert sshsig.verify(sig, b'data', 'ns') == k.public\n"
        "try:\n"
        "    keys.save_private_key(k, sys.argv[1] + '2', 'pw')\n"
        "except Exception as e:\n"
        "    print(e)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "k")],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr
    assert "encrypted key needs the full install (cryptography)" in done.stdout


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown backend"):
        keys.generate("x", backend="openssl")


# --- PublicKey and SigningKey -----------------------------------------------------------------


def test_public_key_formats() -> None:
    _, public, _, _ = _vector("TEST 1")
    key = PublicKey(public, "inspector@example")
    wire = key.wire()
    assert wire == b"\0\0\0\x0bssh-ed25519\0\0\0\x20" + public
    b64 = base64.b64encode(wire).decode()
    assert b64.startswith("AAAAC3NzaC1lZDI1NTE5AAAAI")
    assert key.openssh() == f"ssh-ed25519 {b64} inspector@example"
    assert PublicKey(public).openssh() == f"ssh-ed25519 {b64}"
    assert key.fingerprint().startswith("SHA256:")
    assert "=" not in key.fingerprint()
    assert len(key.fingerprint()) == len("SHA256:") + 43


def test_comments_may_be_chinese() -> None:
    _, public, _, _ = _vector("TEST 1")
    line = PublicKey(public, "李明 审计组").openssh()
    assert line.endswith(" 李明 审计组")
    assert keys.load_public_key(line, "k.pub").comment == "李明 审计组"
    assert keys.printable("审计\x1b[2J\u202e".encode()) == "审计\\x1b[2J\\u202e"


def test_public_key_equality_ignores_the_comment() -> None:
    _, public, _, _ = _vector("TEST 1")
    assert PublicKey(public, "a") == PublicKey(public, "b")
    assert len({PublicKey(public, "a"), PublicKey(public)}) == 1


def test_public_key_checks_its_fields() -> None:
    with pytest.raises(ValueError):
        PublicKey(b"\0" * 31)
    with pytest.raises(ValueError):
        PublicKey(b"\0" * 32, "two\nlines")


def test_signing_key_repr_has_no_key_material(backend: str) -> None:
    seed, _, _, _ = _vector("TEST 1")
    key = SigningKey(seed, "inspector@example", backend=backend)
    for text in (repr(key), str(key), f"{key}"):
        assert key.public.fingerprint() in text
        for secret in (seed.hex(), seed.hex().upper(), base64.b64encode(seed).decode(), repr(seed)):
            assert secret not in text
        assert seed.hex()[:16] not in text
    with pytest.raises(TypeError):
        pickle.dumps(key)


def test_generate_makes_distinct_working_keys(backend: str) -> None:
    a, b = keys.generate("a", backend=backend), keys.generate("b", backend=backend)
    assert a.public != b.public
    assert a.public.comment == "a"
    assert a.public.verify(a.sign(b"m"), b"m", backend=backend)
    assert not b.public.verify(a.sign(b"m"), b"m", backend=backend)


# --- public-key lines ---------------------------------------------------------------------------


def test_load_public_key_line_and_allowed_signers_line() -> None:
    _, public, _, _ = _vector("TEST 2")
    line = PublicKey(public, "li.ming@audit.gov").openssh()
    assert keys.load_public_key(line + "\n", "k.pub") == PublicKey(public)
    assert keys.load_public_key(line, "k.pub").comment == "li.ming@audit.gov"
    b64 = line.split()[1]
    options = 'namespaces="netguard,file x"'
    signers = f'li.ming@audit.gov,"wang fang@audit.gov" {options} ssh-ed25519 {b64}'
    got = keys.load_public_key(signers, "allowed_signers")
    assert got.raw == public
    assert got.comment == ""
    got = keys.load_public_key(f"ssh-ed25519 {b64}   two  words ", "k.pub")
    assert got.comment == "two words"


def test_load_public_key_errors_name_the_source() -> None:
    with pytest.raises(InputError, match=r"^team\.pub: not an OpenSSH public key line"):
        keys.load_public_key("hello world", "team.pub")
    with pytest.raises(InputError, match="no public key"):
        keys.load_public_key("  \n", "team.pub")
    rsa_blob = b"\0\0\0\x07ssh-rsa\0\0\0\x03\x01\0\x01\0\0\0\x02\x00\xc1"
    rsa = "ssh-rsa " + base64.b64encode(rsa_blob).decode()
    with pytest.raises(InputError, match=r"not an Ed25519 key \(ssh-rsa\)"):
        keys.load_public_key(rsa, "team.pub")
    with pytest.raises(InputError, match="does not match the key data"):
        keys.load_public_key(rsa.replace("ssh-rsa", "ssh-ed25519", 1), "team.pub")
    short = base64.b64encode(b"\0\0\0\x0bssh-ed25519\0\0\0\x10" + b"\1" * 16).decode()
    with pytest.raises(InputError, match="16 bytes, not 32"):
        keys.load_public_key(f"ssh-ed25519 {short}", "team.pub")
    beyond = base64.b64encode(b"\0\0\0\x0bssh-ed25519\xff\xff\xff\xff" + b"\1" * 32).decode()
    with pytest.raises(InputError, match="runs past the end"):
        keys.load_public_key(f"ssh-ed25519 {beyond}", "team.pub")
    not_a_point = PublicKey(ed25519.P.to_bytes(32, "little")).openssh()
    with pytest.raises(InputError, match="not a valid Ed25519 public key"):
        keys.load_public_key(not_a_point, "team.pub")


def test_load_public_keys_skips_comments_and_reports_line_numbers(tmp_path: Path) -> None:
    a = keys.generate("a").public
    b = keys.generate("b").public
    path = tmp_path / "allowed_signers"
    path.write_text(f"# inspectors\n\n{a.openssh()}\n   # indented comment\nb@x {b.openssh()}\n")
    assert keys.load_public_keys(path) == [a, b]
    path.write_text(f"{a.openssh()}\n# fine\nssh-ed25519 AAAA!!!\n")
    with pytest.raises(InputError) as info:
        keys.load_public_keys(path)
    assert info.value.file == str(path)
    assert info.value.line == 3
    assert str(info.value).startswith(f"{path}:3: ")
    with pytest.raises(InputError, match="no such file"):
        keys.load_public_keys(tmp_path / "missing")


# --- private key files --------------------------------------------------------------------------


@needs_ssh_keygen
def test_ssh_keygen_key_loads_and_fingerprints_match(tmp_path: Path, backend: str) -> None:
    path = make_ssh_key(tmp_path)
    key = keys.load_private_key(path, _must_not_be_called, backend=backend)
    listed = ssh_keygen("-lf", str(path))
    assert listed.returncode == 0, listed.stderr
    _bits, fingerprint, comment = listed.stdout.decode().split()[:3]
    assert key.public.fingerprint() == fingerprint
    assert key.public.comment == comment == "inspector@example"
    assert key.public.openssh() == (tmp_path / "id.pub").read_text().strip()
    assert keys.load_public_keys(tmp_path / "id.pub") == [key.public]


@needs_ssh_keygen
def test_saved_key_works_with_ssh_keygen(tmp_path: Path, backend: str) -> None:
    key = keys.generate("zhang.wei@audit.gov", backend=backend)
    path = tmp_path / "inspector"
    keys.save_private_key(key, path, None, backend=backend)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    pub = Path(f"{path}.pub")
    assert stat.S_IMODE(pub.stat().st_mode) == 0o644
    assert pub.read_text() == key.public.openssh() + "\n"
    derived = ssh_keygen("-y", "-f", str(path))
    assert derived.returncode == 0, derived.stderr
    assert derived.stdout.decode().strip() == key.public.openssh()
    text = path.read_text()
    assert text.startswith("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    assert text.endswith("\n-----END OPENSSH PRIVATE KEY-----\n")
    assert max(len(line) for line in text.splitlines()[1:-1]) == 70
    again = keys.load_private_key(path, _must_not_be_called, backend=backend)
    assert again.public == key.public
    assert again.public.comment == "zhang.wei@audit.gov"
    assert again.sign(b"m") == key.sign(b"m")


def test_save_refuses_to_overwrite(tmp_path: Path) -> None:
    key = keys.generate("x")
    path = tmp_path / "k"
    path.write_text("precious")
    with pytest.raises(InputError, match="refusing to overwrite"):
        keys.save_private_key(key, path, None)
    assert path.read_text() == "precious"
    other = tmp_path / "j"
    Path(f"{other}.pub").write_text("precious")
    with pytest.raises(InputError, match="refusing to overwrite"):
        keys.save_private_key(key, other, None)
    assert not other.exists()
    assert Path(f"{other}.pub").read_text() == "precious"


def test_save_ignores_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        keys.save_private_key(keys.generate("x"), tmp_path / "k", None)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "k.pub").stat().st_mode) == 0o644


@needs_ssh_keygen
@needs_cryptography
def test_encrypted_ssh_keygen_key(tmp_path: Path) -> None:
    path = make_ssh_key(tmp_path, passphrase="correct horse")
    asked: list[int] = []

    def passphrase() -> str:
        asked.append(1)
        return "correct horse"

    key = keys.load_private_key(path, passphrase)
    assert asked == [1]
    assert key.public.openssh() == (tmp_path / "id.pub").read_text().strip()
    with pytest.raises(InputError, match="wrong passphrase or damaged key") as info:
        keys.load_private_key(path, lambda: "battery staple")
    assert "battery staple" not in str(info.value)
    with pytest.raises(InputError, match="no passphrase was given"):
        keys.load_private_key(path)
    with pytest.raises(InputError, match=r"encrypted key needs the full install \(cryptography\)"):
        keys.load_private_key(path, passphrase, backend=keys.PURE_PYTHON)
    assert asked == [1]  # the pure path refuses before asking


@needs_ssh_keygen
@needs_cryptography
def test_encrypted_save_round_trip(tmp_path: Path) -> None:
    key = keys.generate("chen.jing@audit.gov")
    path = tmp_path / "k"
    keys.save_private_key(key, path, "s3cret passphrase")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "s3cret" not in path.read_text()
    derived = ssh_keygen("-y", "-P", "s3cret passphrase", "-f", str(path))
    assert derived.returncode == 0, derived.stderr
    assert derived.stdout.decode().split()[:2] == key.public.openssh().split()[:2]
    assert ssh_keygen("-y", "-P", "nope", "-f", str(path)).returncode != 0
    loaded = keys.load_private_key(path, lambda: "s3cret passphrase")
    assert loaded.public == key.public
    assert loaded.public.comment == "chen.jing@audit.gov"  # from k.pub
    assert loaded.sign(b"m") == key.sign(b"m")
    with pytest.raises(InputError, match="wrong passphrase"):
        keys.load_private_key(path, lambda: "s3cret")


def test_encrypted_save_needs_cryptography(tmp_path: Path) -> None:
    key = keys.generate("x", backend=keys.PURE_PYTHON)
    with pytest.raises(InputError, match=r"encrypted key needs the full install \(cryptography\)"):
        keys.save_private_key(key, tmp_path / "k", "pw", backend=keys.PURE_PYTHON)
    assert not (tmp_path / "k").exists()
    assert not (tmp_path / "k.pub").exists()


@needs_cryptography
def test_pkcs8_pem_from_cryptography_loads_in_pure_path(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private = Ed25519PrivateKey.generate()
    path = tmp_path / "key.pem"
    path.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key = keys.load_private_key(path, _must_not_be_called, backend=keys.PURE_PYTHON)
    assert key.public.raw == private.public_key().public_bytes_raw()
    assert key.sign(b"m") == private.sign(b"m")

    encrypted = tmp_path / "enc.pem"
    encrypted.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"pw"),
        )
    )
    assert keys.load_private_key(encrypted, lambda: "pw").public == key.public
    with pytest.raises(InputError, match="wrong passphrase or damaged key"):
        keys.load_private_key(encrypted, lambda: "pW")
    with pytest.raises(InputError, match=r"needs the full install \(cryptography\)"):
        keys.load_private_key(encrypted, lambda: "pw", backend=keys.PURE_PYTHON)


def _pem(label: str, der: bytes) -> str:
    b64 = base64.b64encode(der).decode()
    body = "\n".join(b64[i : i + 64] for i in range(0, len(b64), 64))
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"


def test_pkcs8_v2_with_public_key(tmp_path: Path, backend: str) -> None:
    seed, public, _, _ = _vector("TEST 1")
    der = bytes.fromhex("3051020101300506032b657004220420") + seed + b"\x81\x21\x00" + public
    (tmp_path / "v2.pem").write_text(_pem("PRIVATE KEY", der))
    assert keys.load_private_key(tmp_path / "v2.pem", backend=backend).public.raw == public
    bad = der[:-1] + bytes([der[-1] ^ 1])
    (tmp_path / "bad.pem").write_text(_pem("PRIVATE KEY", bad))
    with pytest.raises(InputError, match="public and private halves differ"):
        keys.load_private_key(tmp_path / "bad.pem", backend=backend)


@needs_ssh_keygen
@pytest.mark.parametrize(
    ("kind", "extra", "expected"),
    [
        ("rsa", ["-b", "1024"], r"not an Ed25519 key \(ssh-rsa\)"),
        ("ecdsa", [], r"not an Ed25519 key \(ecdsa-sha2-nistp256\)"),
        ("rsa", ["-b", "1024", "-m", "PEM"], r"not an Ed25519 key \(RSA\)"),
        ("ecdsa", ["-m", "PKCS8"], r"not an Ed25519 key \(ECDSA\)"),
    ],
)
def test_other_key_types_are_refused(
    tmp_path: Path, backend: str, kind: str, extra: list[str], expected: str
) -> None:
    path = tmp_path / "other"
    done = ssh_keygen("-q", "-t", kind, *extra, "-N", "", "-f", str(path))
    if done.returncode != 0:
        pytest.skip(f"this ssh-keygen cannot make that key: {done.stderr.decode().strip()}")
    with pytest.raises(InputError, match=expected) as info:
        keys.load_private_key(path, _must_not_be_called, backend=backend)
    assert info.value.file == str(path)
    with pytest.raises(InputError, match="not an Ed25519 key"):
        keys.load_public_keys(Path(f"{path}.pub"))


def _openssh_file(blob: bytes) -> str:
    b64 = base64.b64encode(blob).decode()
    body = "\n".join(b64[i : i + 70] for i in range(0, len(b64), 70))
    return f"-----BEGIN OPENSSH PRIVATE KEY-----\n{body}\n-----END OPENSSH PRIVATE KEY-----\n"


def _ours(tmp_path: Path) -> tuple[SigningKey, bytes]:
    key = SigningKey(_vector("TEST 1")[0], "c")
    keys.save_private_key(key, tmp_path / "good", None)
    text = (tmp_path / "good").read_text().splitlines()
    return key, base64.b64decode("".join(text[1:-1]))


def _s(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "not a private key file"),
        (b"\x00\x01\x02binary\xff", "not a private key file"),
        (b"hello\n", "not a private key file"),
        (b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA== x\n", "this is a public key"),
        (b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "this is a public key"),
        (b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n", "no matching END line"),
        (
            b"-----BEGIN OPENSSH PRIVATE KEY-----\n!!!!\n-----END OPENSSH PRIVATE KEY-----\n",
            r"invalid base64",
        ),
        (
            b"-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
            "bad magic",
        ),
        (
            b"-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n",
            "damaged PKCS#8 private key",
        ),
        (b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "PEM block"),
    ],
)
def test_malformed_private_key_files(
    tmp_path: Path, backend: str, content: bytes, expected: str
) -> None:
    path = tmp_path / "bad"
    path.write_bytes(content)
    with pytest.raises(InputError, match=expected) as info:
        keys.load_private_key(path, _must_not_be_called, backend=backend)
    assert str(info.value).startswith(f"{path}: ")


def test_hostile_openssh_private_keys(tmp_path: Path, backend: str) -> None:
    key, blob = _ours(tmp_path)
    magic = b"openssh-key-v1\0"
    header = magic + _s(b"none") + _s(b"none") + _s(b"") + struct.pack(">I", 1)

    def load(data: bytes) -> InputError:
        path = tmp_path / "hostile"
        path.write_text(_openssh_file(data))
        with pytest.raises(InputError) as info:
            keys.load_private_key(path, _must_not_be_called, backend=backend)
        message = str(info.value)
        assert str(path) in message
        assert key._seed().hex() not in message
        return info.value

    # Every truncation of a good file is reported, never a crash.
    for cut in range(len(magic), len(blob), 7):
        assert "damaged OpenSSH private key" in load(blob[:cut]).message
    # A length field pointing far beyond the buffer.
    assert "runs past the end" in load(magic + b"\xff\xff\xff\xf0none").message
    assert "runs past the end" in load(header + b"\x7f\xff\xff\xff").message
    # Two keys in one file.
    two = magic + _s(b"none") + _s(b"none") + _s(b"") + struct.pack(">I", 2)
    assert "holds 2 keys" in load(two + blob[len(header) :]).message
    # Different check bytes (what a wrong decryption gives).
    pub_end = len(header) + 4 + len(key.public.wire())
    private_at = pub_end + 4
    bad_check = bytearray(blob)
    bad_check[private_at] ^= 1
    assert "check bytes differ" in load(bytes(bad_check)).message
    # Bad padding.
    bad_pad = bytearray(blob)
    bad_pad[-1] ^= 0x40
    assert "bad padding" in load(bytes(bad_pad)).message
    # A private half that does not belong to the public half.
    other = SigningKey(_vector("TEST 2")[0])
    mixed = header + _s(other.public.wire()) + blob[pub_end:]
    assert "inconsistent key data" in load(mixed).message


def test_openssh_key_whose_public_half_is_another_key_is_refused(
    tmp_path: Path, backend: str
) -> None:
    """All three copies of the public key agree with each other but not with the seed."""
    seed = _vector("TEST 1")[0]
    stranger = SigningKey(_vector("TEST 2")[0])
    raw = stranger.public.raw
    check = struct.pack(">I", 0x01020304)
    private = check + check + _s(b"ssh-ed25519") + _s(raw) + _s(seed + raw) + _s(b"forged@example")
    private += bytes(range(1, 1 + (-len(private) % 8)))
    blob = (
        b"openssh-key-v1\0"
        + _s(b"none")
        + _s(b"none")
        + _s(b"")
        + struct.pack(">I", 1)
        + _s(stranger.public.wire())
        + _s(private)
    )
    path = tmp_path / "mismatched"
    path.write_text(_openssh_file(blob))
    with pytest.raises(InputError, match="public and private halves differ") as info:
        keys.load_private_key(path, _must_not_be_called, backend=backend)
    assert info.value.file == str(path)
    assert seed.hex() not in str(info.value)


def test_unreadable_paths(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such key file"):
        keys.load_private_key(tmp_path / "missing")
    with pytest.raises(InputError, match="is a directory"):
        keys.load_private_key(tmp_path)
    big = tmp_path / "big"
    big.write_bytes(b"A" * (1024 * 1024))
    with pytest.raises(InputError, match="too large"):
        keys.load_private_key(big)

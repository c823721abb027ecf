"""The known_hosts index (collect/known_hosts.py) answers what paramiko.HostKeys answered, on
generated files with plain, bracketed, listed and hashed names; markers, broken lines and the
accept-new line as OpenSSH reads them."""

from __future__ import annotations

import base64
import ipaddress
import itertools
import shutil
import subprocess
from pathlib import Path

import paramiko
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netguard.checks.hostkey import hostkey_finding
from netguard.collect.known_hosts import KnownHostsFile
from netguard.collect.ssh import KnownHosts, SshCollector
from netguard.model import Host, HostStatus, SshSettings


def _public(
    private: ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
) -> tuple[str, str]:
    line = private.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    key_type, data = line.decode().split()[:2]
    return key_type, data


KEYS = [
    _public(ed25519.Ed25519PrivateKey.generate()),
    _public(ed25519.Ed25519PrivateKey.generate()),
    _public(ed25519.Ed25519PrivateKey.generate()),
    _public(rsa.generate_private_key(public_exponent=65537, key_size=1024)),
    _public(ec.generate_private_key(ec.SECP256R1())),
]
NAMES = [
    "10.20.0.17",
    "10.20.0.18",
    "[10.20.0.17]:2222",
    "pc7.office.example",
    "[pc7.office.example]:2200",
    "fin-pc-07",
    "fd00::17",
    "[fd00::17]:2222",
]


def pkey(key_type: str, data: str) -> paramiko.PKey:
    return paramiko.PKey.from_type_string(key_type, base64.b64decode(data))


def hashed(name: str, salt: bytes) -> str:
    return paramiko.HostKeys.hash_host(name, base64.b64encode(salt).decode())


entry = st.tuples(
    st.lists(
        st.tuples(st.sampled_from(NAMES), st.booleans(), st.binary(min_size=20, max_size=20)),
        min_size=1,
        max_size=3,
    ),
    st.sampled_from(KEYS),
    st.sampled_from(["", " a comment", "\t"]),
)
junk = st.sampled_from(
    [
        "# a comment 10.20.0.17 ssh-ed25519 AAAA",
        "",
        "   ",
        "10.20.0.17 ssh-ed25519",  # too few fields
        f"10.20.0.18 ssh-dss {KEYS[0][1]}",  # a type paramiko cannot load
        f"10.20.0.17 sk-ssh-ed25519@openssh.com {KEYS[1][1]}",
        f"10.20.0.17 ssh-ed25519 {KEYS[3][1]}",  # the type says ed25519, the data is RSA
    ]
)
line = st.one_of(entry.map(lambda e: ("entry", e)), junk.map(lambda j: ("junk", j)))


def render(item: tuple[str, object]) -> str:
    kind, value = item
    if kind == "junk":
        assert isinstance(value, str)
        return value
    names, (key_type, data), tail = value  # type: ignore[misc]
    field = ",".join(hashed(n, salt) if h else n for n, h, salt in names)
    return f"{field} {key_type} {data}{tail}"


def as_bytes(keys: object) -> dict[str, bytes]:
    if not keys:
        return {}
    return {t: keys[t].asbytes() for t in keys}  # type: ignore[index]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=st.lists(line, max_size=25))
def test_lookups_agree_with_paramiko(tmp_path: Path, lines: list[tuple[str, object]]) -> None:
    path = tmp_path / "known_hosts"
    path.write_text("".join(render(x) + "\n" for x in lines))
    theirs = paramiko.HostKeys(str(path))
    ours = KnownHostsFile(str(path))
    for name in [*NAMES, "10.20.0.19", "[10.20.0.18]:22"]:
        assert as_bytes(ours.lookup_names((name,))) == as_bytes(theirs.lookup(name)), name
    # the first of several names with an entry answers, as KnownHosts.lookup asks them
    for first, second in itertools.pairwise(NAMES):
        expected = as_bytes(theirs.lookup(first)) or as_bytes(theirs.lookup(second))
        assert as_bytes(ours.lookup_names((first, second))) == expected


def test_hashed_ported_and_listed_names_resolve_to_their_own_keys(tmp_path: Path) -> None:
    (t0, k0), (t1, k1), (t3, k3) = KEYS[0], KEYS[1], KEYS[3]
    path = tmp_path / "known_hosts"
    path.write_text(
        f"10.20.0.17,pc7.office.example {t0} {k0}\n"
        f"{hashed('[10.20.0.17]:2222', b'x' * 20)} {t1} {k1}\n"
        f"{hashed('10.20.0.18', b'y' * 20)},[fd00::17]:2222 {t3} {k3}\n"
        f"10.20.0.17 {t1} {k1}\n"  # a second ed25519 key: the first one in the file counts
    )
    kh = KnownHostsFile(str(path))
    assert as_bytes(kh.lookup_names(("10.20.0.17",))) == {t0: pkey(t0, k0).asbytes()}
    assert as_bytes(kh.lookup_names(("pc7.office.example",))) == {t0: pkey(t0, k0).asbytes()}
    assert as_bytes(kh.lookup_names(("[10.20.0.17]:2222",))) == {t1: pkey(t1, k1).asbytes()}
    assert as_bytes(kh.lookup_names(("10.20.0.18",))) == {t3: pkey(t3, k3).asbytes()}
    assert as_bytes(kh.lookup_names(("[fd00::17]:2222",))) == {t3: pkey(t3, k3).asbytes()}
    # neither another port, nor a prefix, nor the hashed text itself is a name
    for other in ("[10.20.0.18]:2222", "10.20.0.1", "pc7", hashed("10.20.0.17", b"z" * 20)):
        assert kh.lookup_names((other,)) == {}
    assert kh.skipped == {}


def test_patterns_match_as_openssh_matches_them(tmp_path: Path) -> None:
    (t0, k0), (t1, k1), (t3, k3) = KEYS[0], KEYS[1], KEYS[3]
    path = tmp_path / "known_hosts"
    path.write_text(
        f"*.Office.example,!pc9.office.example {t0} {k0}\n"
        f"10.20.0.? {t1} {k1}\n"
        f"[10.20.*]:2222 {t3} {k3}\n"
        f"pc7.office.example {t3} {k3}\n"  # also named plainly: both lines' keys
    )
    kh = KnownHostsFile(str(path))
    both = {t0: pkey(t0, k0).asbytes(), t3: pkey(t3, k3).asbytes()}
    assert as_bytes(kh.lookup_names(("pc7.office.example",))) == both
    assert as_bytes(kh.lookup_names(("PC8.office.example",))) == {t0: pkey(t0, k0).asbytes()}
    assert kh.lookup_names(("pc9.office.example",)) == {}  # negated
    assert kh.lookup_names(("office.example",)) == {}
    assert as_bytes(kh.lookup_names(("10.20.0.7",))) == {t1: pkey(t1, k1).asbytes()}
    assert kh.lookup_names(("10.20.0.17",)) == {}  # ? is one character
    assert as_bytes(kh.lookup_names(("[10.20.0.17]:2222",))) == {t3: pkey(t3, k3).asbytes()}
    assert kh.lookup_names(("[10.20.0.17]:22222",)) == {}


def test_revoked_keys_never_verify_whatever_names_their_line_gives(tmp_path: Path) -> None:
    (t0, k0), (t1, k1) = KEYS[0], KEYS[1]
    path = tmp_path / "known_hosts"
    path.write_text(
        f"10.20.0.17 {t0} {k0}\n@revoked some.other.name {t0} {k0}\n@revoked * {t1} {k1}\n"
    )
    kh = KnownHosts(str(path))
    assert kh.revoked(pkey(t0, k0)) and kh.revoked(pkey(t1, k1))
    assert not kh.revoked(pkey(*KEYS[2]))
    host = Host(
        "fin-pc-07",
        ipaddress.ip_address("10.20.0.17"),
        "lan",
        ssh=SshSettings(known_hosts=str(path)),
    )
    before = path.read_text()
    for accept_new in (False, True):
        collector = SshCollector(accept_new=accept_new)
        for offered in (pkey(t0, k0), pkey(t1, k1)):  # known and revoked; unknown and revoked
            coll = collector._verify(host, offered, kh.lookup(host))
            assert coll is not None and coll.status is HostStatus.HOSTKEY_MISMATCH
            assert coll.detail_reason == "hostkey_revoked"
            finding = hostkey_finding(host, coll.evidence)
            assert finding.reason == "ssh.hostkey.revoked" and "revoked" in finding.message
    assert path.read_text() == before  # a revoked key is never recorded as first seen


def test_cert_authority_lines_make_no_key_known_and_broken_lines_are_counted(
    tmp_path: Path,
) -> None:
    (t0, k0), (t1, k1) = KEYS[0], KEYS[1]
    path = tmp_path / "known_hosts"
    path.write_bytes(
        (
            f"@cert-authority 10.20.0.17 {t0} {k0}\n"
            f"10.20.0.17 {t1} !!notbase64!!\n"
            "10.20.0.17\n"
            f"@unknown-marker 10.20.0.17 {t1} {k1}\n"
            f"|1|c2hvcnQ=|aGFzaA== {t1} {k1}\n"  # a hashed name whose salt is not 20 bytes
            f"10.20.0.17 ssh-dss {k1}\n"
            f"10.20.0.17 {t0} {KEYS[3][1]}\n"  # loads only when looked up: then counted
        ).encode()
        + b"10.20.0.17 \xff\xfe "
        + f"{t1} {k1}\n".encode()
    )
    kh = KnownHostsFile(str(path))
    assert kh.lookup_names(("10.20.0.17",)) == {}
    assert kh.skipped == {"cert_authority": 1, "malformed": 5, "key_type": 1, "key_data": 1}


def test_matches_without_the_hashed_names_cache_are_the_same(tmp_path: Path) -> None:
    (t0, k0), (t1, k1) = KEYS[0], KEYS[1]
    path = tmp_path / "known_hosts"
    path.write_text(f"{hashed('gw', b'a' * 20)} {t0} {k0}\n{hashed('gw2', b'b' * 20)} {t1} {k1}\n")
    kh = KnownHostsFile(str(path))
    first = [as_bytes(kh.lookup_names((n,))) for n in ("gw", "gw2", "gw3")]
    again = [as_bytes(kh.lookup_names((n,))) for n in ("gw", "gw2", "gw3")]
    assert first == again == [{t0: pkey(t0, k0).asbytes()}, {t1: pkey(t1, k1).asbytes()}, {}]


@pytest.mark.parametrize("ending", ["\n", "", None])
def test_a_first_seen_key_is_a_line_openssh_and_paramiko_read_back(
    tmp_path: Path, ending: str | None
) -> None:
    (t0, k0), (t1, k1) = KEYS[0], KEYS[4]
    path = tmp_path / "ssh" / "known_hosts"
    if ending is not None:  # None: no file yet
        path.parent.mkdir()
        path.write_text(f"10.20.0.17 {t0} {k0}{ending}")
    kh = KnownHostsFile(str(path))
    kh.add_name("[10.20.0.18]:2222", pkey(t1, k1))
    assert as_bytes(kh.lookup_names(("[10.20.0.18]:2222",))) == {t1: pkey(t1, k1).asbytes()}
    again = KnownHostsFile(str(path))
    theirs = paramiko.HostKeys(str(path))
    for name in ("10.20.0.17", "[10.20.0.18]:2222"):
        assert as_bytes(again.lookup_names((name,))) == as_bytes(theirs.lookup(name))
    assert as_bytes(theirs.lookup("[10.20.0.18]:2222")) == {t1: pkey(t1, k1).asbytes()}
    assert path.read_text().endswith(f"[10.20.0.18]:2222 {t1} {k1}\n")
    if shutil.which("ssh-keygen"):
        found = subprocess.run(
            ["ssh-keygen", "-F", "[10.20.0.18]:2222", "-f", str(path)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert f"{t1} {k1}" in found
        if ending is not None:
            old = subprocess.run(
                ["ssh-keygen", "-F", "10.20.0.17", "-f", str(path)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            assert f"{t0} {k0}" in old

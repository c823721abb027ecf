"""Identity files as administrators have them: encrypted with a passphrase, in every key format
ssh-keygen writes. Never a crash; the passphrase is never said back."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import paramiko
import pytest

from netguard.cli import sshsetup
from netguard.collect.ssh import (
    PASSPHRASE_ENV,
    Identities,
    IdentityEncrypted,
    IdentityPassphraseWrong,
)
from netguard.model import Host, Inventory, SshSettings

SECRET = "corr3ct-h0rse-passphrase"

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")

FORMATS = {
    "ed25519": ["-t", "ed25519"],
    "ecdsa": ["-t", "ecdsa"],
    "rsa": ["-t", "rsa", "-b", "2048"],
    "rsa-pem": ["-t", "rsa", "-b", "2048", "-m", "PEM"],
}


def keygen(folder: Path, kind: str, passphrase: str) -> Path:
    path = folder / f"id_{kind}"
    subprocess.run(
        ["ssh-keygen", "-q", *FORMATS[kind], "-N", passphrase, "-C", "", "-f", str(path)],
        check=True,
    )
    return path


@pytest.fixture(autouse=True)
def no_agent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    monkeypatch.delenv(PASSPHRASE_ENV, raising=False)


@pytest.mark.parametrize("kind", sorted(FORMATS))
def test_an_encrypted_key_opens_with_the_environment_passphrase(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = keygen(tmp_path, kind, SECRET)
    monkeypatch.setenv(PASSPHRASE_ENV, SECRET)
    keys = Identities().keys(str(path))
    pub = (tmp_path / f"id_{kind}.pub").read_text().split()[1]
    assert [k.get_base64() for k in keys] == [pub]


@pytest.mark.parametrize("kind", sorted(FORMATS))
def test_an_encrypted_key_with_no_passphrase_and_no_agent_is_said_not_raised(
    kind: str, tmp_path: Path
) -> None:
    path = keygen(tmp_path, kind, SECRET)
    with pytest.raises(IdentityEncrypted) as caught:
        Identities().keys(str(path))
    assert caught.value.path == str(path)


@pytest.mark.parametrize("kind", ["ed25519", "rsa-pem"])
def test_a_wrong_passphrase_is_its_own_error_and_never_quoted(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = keygen(tmp_path, kind, SECRET)
    monkeypatch.setenv(PASSPHRASE_ENV, "not-the-" + SECRET)
    with pytest.raises(IdentityPassphraseWrong) as caught:
        Identities().keys(str(path))
    assert SECRET not in repr(caught.value) and SECRET not in str(caught.value.__context__ or "")


def test_a_plain_key_needs_no_passphrase_even_when_one_is_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = keygen(tmp_path, "ed25519", "")
    monkeypatch.setenv(PASSPHRASE_ENV, SECRET)
    assert len(Identities().keys(str(path))) == 1


def test_asked_once_per_file_whatever_the_number_of_hosts(tmp_path: Path) -> None:
    path = keygen(tmp_path, "ed25519", SECRET)
    asked: list[str] = []

    def ask(name: str) -> str:
        asked.append(name)
        return SECRET

    ids = Identities(ask=ask)
    for _ in range(5):
        assert len(ids.keys(str(path))) == 1
    assert asked == [str(path)]


def test_the_environment_wins_over_asking(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = keygen(tmp_path, "ed25519", SECRET)
    monkeypatch.setenv(PASSPHRASE_ENV, SECRET)
    ids = Identities(ask=lambda _: pytest.fail("asked although the environment has it"))
    assert len(ids.keys(str(path))) == 1


def test_a_failure_is_kept_so_nobody_is_asked_twice(tmp_path: Path) -> None:
    path = keygen(tmp_path, "ed25519", SECRET)
    asked: list[str] = []
    ids = Identities(ask=lambda name: asked.append(name) or "wrong")
    for _ in range(3):
        with pytest.raises(IdentityPassphraseWrong):
            ids.keys(str(path))
    assert len(asked) == 1


def test_the_agents_keys_stand_in_for_an_encrypted_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = keygen(tmp_path, "ed25519", SECRET)
    (tmp_path / "agent").mkdir()
    plain = paramiko.PKey.from_path(keygen(tmp_path / "agent", "ed25519", ""))

    class Agent:
        def get_keys(self) -> list[paramiko.PKey]:
            return [plain]

    monkeypatch.setattr(paramiko, "Agent", Agent)
    assert Identities().keys(str(path)) == [plain]


def test_the_command_line_asks_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    monkeypatch.setattr("getpass.getpass", lambda prompt: pytest.fail("asked without a terminal"))
    assert sshsetup.ask_on_terminal("/k") is None
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt: SECRET)
    assert sshsetup.ask_on_terminal("/k") == SECRET


def test_the_command_line_loads_every_file_once_before_the_audit(tmp_path: Path) -> None:
    import ipaddress

    a, b = keygen(tmp_path, "ed25519", SECRET), keygen(tmp_path, "ecdsa", "")
    hosts = tuple(
        Host(
            name=f"pc-{i}",
            address=ipaddress.ip_address(f"10.0.0.{i + 1}"),
            segment="s",
            ssh=SshSettings(identity_file=str(a if i % 2 else b)),
        )
        for i in range(4)
    )
    inv = Inventory(segments=(), hosts=hosts, path="x", sha256="")
    ids = sshsetup.load_identities(inv)
    assert ids is not None
    assert sorted(str(k) for k in ids._cache) == sorted([str(a), str(b)])
    assert isinstance(ids._cache[str(a)], IdentityEncrypted)
    assert sshsetup.load_identities(Inventory(segments=(), hosts=(), path="x", sha256="")) is None

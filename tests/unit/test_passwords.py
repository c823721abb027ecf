"""The password and account checks of issue 11 on recorded hosts, and the collection script's
password field reduction run for real: no hash leaves the host, only its method."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from netguard.checks import CATALOG
from netguard.collect import linux_script
from netguard.collect.parse_linux import encode_sections, parse_accounts, parse_linux
from netguard.engine.evaluate import evaluate
from netguard.errors import InputError
from netguard.model import Finding, FindingStatus
from netguard.policy import load_policy
from tests.unit.recordings import NOW, PASSWD, SHELLS, TODAY
from tests.unit.recordings_passwords import (
    PASSWORD_HOSTS,
    RAW_DES,
    RAW_MD5,
    RAW_SHA512,
    RAW_YESCRYPT,
)
from tests.unit.test_checks import SEGMENTS, by_status, host, policy


def findings(name: str) -> dict[str, Finding]:
    facts = parse_linux(encode_sections(PASSWORD_HOSTS[name]()), now=NOW)
    return {f.check: f for f in evaluate(facts, host(), SEGMENTS, policy())}


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, Finding]]:
    return {name: findings(name) for name in PASSWORD_HOSTS}


# check → (fail, error, not_applicable); every other recorded host passes. Checks not named here
# (antivirus, isolation) pass on every one of these hosts: they differ only in their accounts.
EXPECTED: dict[str, tuple[set[str], set[str], set[str]]] = {
    # postgres (`*`, /bin/bash) and key-only users (`!` + hash) are not judged for rotation;
    # an empty password is (it logs in), and so is a password kept in /etc/passwd.
    "password.max_age": ({"empty-service", "toor-passwd-empty"}, set(), {"key-only-server"}),
    "password.age": ({"empty-service", "toor-passwd-empty"}, set(), {"key-only-server"}),
    "password.empty": ({"empty-login", "empty-service", "toor-passwd-empty"}, set(), set()),
    # a locked MD5 hash is evidence only; no usable hash at all is not applicable
    "password.hash": ({"md5-hash", "des-hash"}, set(), {"empty-login", "key-only-server"}),
    "accounts.uid0": ({"toor", "toor-locked", "toor-passwd-empty"}, set(), set()),
    # the per-host stand-in of a fleet check: undecided until the run's fleet step replaces it
    "media.cross_network": (set(), set(PASSWORD_HOSTS), set()),
    "isolation.reachability": (set(), set(), set(PASSWORD_HOSTS)),  # no probe requested
}


@pytest.mark.parametrize("check", sorted(CATALOG))
def test_check_sets(results: dict[str, dict[str, Finding]], check: str) -> None:
    fail, error, n_a = EXPECTED.get(check, (set(), set(), set()))
    got = by_status(results, check)
    assert got["fail"] == fail
    assert got["error"] == error
    assert got["not_applicable"] == n_a
    assert got["pass"] == set(PASSWORD_HOSTS) - fail - error - n_a


def test_locked_accounts_are_listed_as_not_subject_to_rotation(results) -> None:
    for check in ("password.max_age", "password.age"):
        f = results["postgres-locked"][check]
        assert f.status is FindingStatus.PASS
        assert f.evidence["considered"] == ["zhangwei"]
        assert f.evidence["not_considered"] == [
            {"account": "root", "why": "locked, not subject to rotation"},
            {"account": "postgres", "why": "locked, not subject to rotation"},
        ]
    g = results["key-only-server"]["password.age"]
    assert g.message == (
        "no login-capable account has a usable password; locked, not subject to rotation: "
        "root, zhangwei"
    )


def test_empty_password_says_whether_the_account_has_a_shell(results) -> None:
    assert results["empty-login"]["password.empty"].message == (
        "empty password: zhangwei (login shell: anyone can log in)"
    )
    f = results["empty-service"]["password.empty"]
    assert "ftp (no login shell" in f.message
    assert f.evidence["empty"] == [
        {"account": "ftp", "uid": 103, "shell": "/usr/sbin/nologin", "password_file": "shadow"}
    ]
    g = results["toor-passwd-empty"]["password.empty"]
    assert g.evidence["empty"][0]["password_file"] == "passwd"


def test_hash_methods_are_named_and_locked_weak_ones_listed(results) -> None:
    assert results["md5-hash"]["password.hash"].message == (
        "password hash method not allowed: zhangwei (md5crypt)"
    )
    assert "zhangwei (descrypt)" in results["des-hash"]["password.hash"].message
    locked = results["locked-md5"]["password.hash"]
    assert locked.status is FindingStatus.PASS
    assert locked.evidence["methods"] == {"zhangwei": "yescrypt"}
    assert locked.evidence["locked_weak"] == {"deploy": "md5crypt"}
    ok = results["modern-compliant"]["password.hash"]
    assert ok.evidence["methods"] == {"root": "yescrypt", "zhangwei": "yescrypt"}


def test_extra_root_accounts_say_their_password_state(results) -> None:
    assert results["toor"]["accounts.uid0"].message == (
        "accounts other than root with user id 0: toor (password not locked)"
    )
    assert "toor (password locked; an SSH key may still log in)" in (
        results["toor-locked"]["accounts.uid0"].message
    )
    assert "toor (empty password)" in results["toor-passwd-empty"]["accounts.uid0"].message
    assert results["modern-compliant"]["accounts.uid0"].evidence["uid0"] == [
        {"account": "root", "shell": "/bin/bash", "password": "usable", "login_shell": True}
    ]


def test_the_allow_list_is_the_policys(results) -> None:
    f = findings("modern-compliant")
    assert f["password.hash"].status is FindingStatus.PASS
    facts = parse_linux(encode_sections(PASSWORD_HOSTS["md5-hash"]()), now=NOW)
    pol = policy(**{"password.hash": {"allowed_methods": ("yescrypt", "md5crypt")}})
    (g,) = [x for x in evaluate(facts, host(), SEGMENTS, pol) if x.check == "password.hash"]
    assert g.status is FindingStatus.PASS
    pol = policy(**{"password.hash": {"allowed_methods": ("sha512crypt",)}})
    (h,) = [x for x in evaluate(facts, host(), SEGMENTS, pol) if x.check == "password.hash"]
    assert h.status is FindingStatus.FAIL  # no longer allowed: md5crypt


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("[yescrypt, sha-512]", "invalid value 'sha-512' (did you mean"),
        ("[]", "list at least one value"),
        ("yescrypt", "expected a list"),
        ("[yescrypt, 6]", "expected text"),
    ],
)
def test_a_bad_allow_list_stops_the_policy(tmp_path: Path, value: str, error: str) -> None:
    p = tmp_path / "p.yaml"
    p.write_text(f"name: x\nchecks:\n  password.hash: {{params: {{allowed_methods: {value}}}}}\n")
    with pytest.raises(InputError, match=re.escape(error)):
        load_policy(p, CATALOG)


def test_a_good_allow_list_is_read_as_a_tuple_without_repeats(tmp_path: Path) -> None:
    p = tmp_path / "p.yaml"
    p.write_text(
        "name: x\nchecks:\n  password.hash: {params: {allowed_methods: [yescrypt, bcrypt, "
        "yescrypt]}}\n"
    )
    (cfg,) = load_policy(p, CATALOG).checks
    assert cfg.params["allowed_methods"] == ("yescrypt", "bcrypt")


# -- the script itself: scripts/linux.sh's redact and shadow, run by /bin/sh ----------------------

#: Raw /etc/shadow lines of every form, the secret part of each, and what the parser must read
#: from them: (line, secret or "", state, method, lock).
RAW_LINES: list[tuple[str, str, str, str | None, str]] = [
    (f"root:{RAW_YESCRYPT}:20000:0:90:7:::", RAW_YESCRYPT[7:], "usable", "$y$", ""),
    ("postgres:*:19700:0:99999:7:::", "", "locked", None, "*"),
    (f"deploy:!{RAW_SHA512}:19500:0:99999:7:::", RAW_SHA512[3:], "locked", "$6$", "!"),
    (f"old:{RAW_MD5}:20000:0:90:7:::", RAW_MD5[3:], "usable", "$1$", ""),
    (f"des:{RAW_DES}:20000:0:90:7:::", RAW_DES, "usable", "(des)", ""),
    ("bsdi:_J9..CCCCXBrJUJV154M:20000::::::", "J9..CCCCXBrJUJV154M", "usable", "_", ""),
    (
        "sun:$md5,rounds=5000$GUBv0xjJ$$mSwgIswdjlTY0YxV7HBVm0:20000::::::",
        "GUBv0xjJ$$mSwgIswdjlTY0YxV7HBVm0",
        "usable",
        "$md5$",
        "",
    ),
    (
        "bsd:$2b$10$LfJ9lmvAhWVzqtdrSXJ2ROC8lD7T/Bc8w4A3kZt3EYn2n1H1t1Hc6:1::::::",
        "LfJ9lmv",
        "usable",
        "$2b$",
        "",
    ),
    ("empty::20000:0:90:7:::", "", "empty", None, ""),
    ("rhel:!!:20000:0:99999:7:::", "", "locked", None, "!!"),
    ("sysusers:!*:20000::::::", "", "locked", None, "!*"),
    ("junk:not-a-hash-at-all-Secret1:1::::::", "Secret1", "usable", "?", ""),
    ("longid:$abcdefghijkSecret2$x:1::::::", "Secret2", "usable", "?", ""),
    (f"lockdes:!{RAW_DES}:1::::::", RAW_DES, "locked", "(des)", "!"),
]


#: Every password field the script may send (see its redact function).
SENT_FIELD = re.compile(r"[!*]*(x|\$[0-9a-z]{1,8}\$REDACTED|_REDACTED|\(des\)REDACTED|REDACTED)?")


def _shell_functions(*names: str) -> str:
    """The named functions' text, cut from the fixed script (so the test runs the real code)."""
    script = linux_script().decode()
    out = []
    for name in names:
        m = re.search(rf"^  {name}\(\) \{{\n.*?^  \}}\n", script, re.MULTILINE | re.DOTALL)
        assert m, name
        out.append(m.group())
    return "".join(out)


def _run_shadow(fake: Path) -> str:
    # the script's own shadow function, given the fake file in place of /etc/shadow
    program = _shell_functions("redact", "shadow") + f"shadow '{fake}'\n"
    proc = subprocess.run(
        ["/bin/sh", "-c", program],
        capture_output=True,
        text=True,
        env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"},
        timeout=30,
        check=True,
    )
    return proc.stdout


@pytest.fixture(scope="module")
def redacted(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    if not Path("/bin/sh").exists() or not shutil.which("awk"):
        pytest.skip("needs /bin/sh and awk")
    fake = tmp_path_factory.mktemp("etc") / "shadow"
    fake.write_text("".join(line + "\n" for line, *_ in RAW_LINES))
    return _run_shadow(fake).splitlines()


def test_no_hash_material_leaves_the_host(redacted: list[str]) -> None:
    assert len(redacted) == len(RAW_LINES)
    for out, (line, secret, *_) in zip(redacted, RAW_LINES, strict=True):
        field = out.split(":")[1]
        if secret:
            assert secret not in out, out
        assert SENT_FIELD.fullmatch(field), out
        # everything but field 2 is sent as it is
        assert out.split(":")[0] == line.split(":")[0]
        assert out.split(":")[2:] == line.split(":")[2:]


def test_the_parser_reads_the_sent_field_as_it_would_the_raw_one(redacted: list[str]) -> None:
    names = [line.split(":")[0] for line, *_ in RAW_LINES]
    passwd = "".join(
        f"{n}:x:{1000 + i}:{1000 + i}::/home/{n}:/bin/bash\n" for i, n in enumerate(names)
    )
    sent = parse_accounts(passwd, "\n".join(redacted), SHELLS)
    raw = parse_accounts(passwd, "\n".join(line for line, *_ in RAW_LINES), SHELLS)
    assert sent == raw
    got = [(a.password, a.hash_method, a.lock) for a in sent]
    assert got == [(state, method, lock) for _, _, state, method, lock in RAW_LINES]
    assert sent[0].evidence()["hash_method"] == "$y$"


def test_the_script_sends_passwd_through_the_same_reduction() -> None:
    script = linux_script().decode()
    assert "  sec passwd passwd_file\n" in script
    assert "  passwd_file() { redact </etc/passwd; }\n" in script


def test_a_password_in_passwd_overrides_shadow_as_pam_unix_does() -> None:
    passwd = PASSWD + "toor::0:0:root:/root:/bin/sh\nold:$1$REDACTED:1001:1001::/home/old:/bin/sh\n"
    shadow = f"toor:$6$REDACTED:{TODAY}:0:90:7:::\nold:*:{TODAY}:0:90:7:::\n"
    accts = {a.name: a for a in parse_accounts(passwd, shadow, SHELLS)}
    assert (accts["toor"].password, accts["toor"].password_file) == ("empty", "passwd")
    assert accts["toor"].last_change == TODAY  # aging still comes from shadow
    assert (accts["old"].password, accts["old"].hash_method) == ("usable", "$1$")
    assert accts["zhangwei"].password == "unknown"  # `x` and no shadow line: as before

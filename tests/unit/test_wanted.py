"""Issue 17: the package, program and service lists asked for the catalog's names only.

The script is run whole under dash and bash with stand-ins for dpkg-query, rpm and systemctl
first in PATH (programs are looked up in the real bin directories); the parser and the
antivirus checks are shown that a list read for some names never says a name it was not asked
about is absent; and every recorded host is judged the same from reduced lists as from complete
ones."""

from __future__ import annotations

import dataclasses
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from netguard.collect import linux_script
from netguard.collect.framing import preamble as boundary_preamble
from netguard.collect.parse_linux import encode_sections, parse_dpkg, parse_linux
from netguard.collect.ssh import remote_exec
from netguard.collect.wanted import SECTION, Wanted, from_products, parse_wanted, preamble
from netguard.engine.evaluate import evaluate
from netguard.engine.runner import AuditJob, AuditOptions, job_wanted
from netguard.model import AvProduct, FindingStatus, Inventory
from tests.unit import recordings
from tests.unit.test_checks import SEGMENTS, host, policy
from tests.unit.test_passwords import _shell_functions

SHELLS = [s for s in ("dash", "bash") if shutil.which(s)]

FAKES = {
    # dpkg-query -W -f FORMAT [NAME...]: clamav and bash installed, oldpkg removed (config kept)
    "dpkg-query": """#!/bin/sh
printf 'dpkg-query %s\\n' "$*" >>"$NG_TEST_LOG"
shift 3
[ $# -gt 0 ] || { printf 'ii  clamav\\nii  bash\\nrc  oldpkg\\n'; exit 0; }
rc=0
for n; do
  case $n in
    clamav|bash) echo "ii  $n" ;;
    oldpkg) echo "rc  $n" ;;
    *) echo "dpkg-query: no packages found matching $n" >&2; rc=1 ;;
  esac
done
exit $rc
""",
    "rpm": """#!/bin/sh
printf 'rpm %s\\n' "$*" >>"$NG_TEST_LOG"
printf 'clamav-daemon\\nbash\\nclamav-daemonx\\n'
""",
    # systemctl list-units … [PATTERN...]
    "systemctl": """#!/bin/sh
printf 'systemctl %s\\n' "$*" >>"$NG_TEST_LOG"
units='clamav-daemon.service loaded active running ClamAV
cron.service loaded active running cron
clamav-freshclam.service loaded inactive dead updater'
shift 6
[ $# -gt 0 ] || { printf '%s\\n' "$units"; exit 0; }
for p; do printf '%s\\n' "$units" | grep "^$p "; done
exit 0
""",
}

ASKED = Wanted(
    packages=("clamav", "clamav-daemon", "oldpkg", "nosuch-ng"),
    executables=("sh", "nosuch-ng-bin"),
    services=("clamav-daemon", "clamav-freshclam", "nosuch-ng"),
)


#: dpkg's status file as the stand-in dpkg-query answers: what the script reads itself when it
#: was asked for names (a package dpkg knows, in each state the parser tells apart)
DPKG_STATUS = """Package: bash
Status: install ok installed
Version: 5.2

Package: clamav
Status: install ok installed
Description: antivirus
 Status: install ok installed (a continuation line, not a field)

Package: oldpkg
Status: deinstall ok config-files

Package: clamav-daemon
Status: install reinstreq half-installed
"""


@pytest.fixture
def fakes(tmp_path: Path) -> Path:
    (tmp_path / "dpkg" / "updates").mkdir(parents=True)
    (tmp_path / "dpkg" / "status").write_text(DPKG_STATUS)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in FAKES.items():
        p = bin_dir / name
        p.write_text(text)
        p.chmod(p.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return tmp_path


def run(stdin: bytes, where: Path, shell: str) -> bytes:
    proc = subprocess.run(
        [shell, "-s"],
        input=stdin,
        capture_output=True,
        env={
            "PATH": f"{where / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "LC_ALL": "C",
            "NG_TEST_LOG": str(where / "log"),
            "DPKG_ADMINDIR": str(where / "dpkg"),
        },
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-400:]
    return proc.stdout


@pytest.mark.parametrize("shell", SHELLS)
@pytest.mark.parametrize("journal", [False, True], ids=["status-file", "dpkg-query"])
def test_the_lists_answer_for_the_names_asked_only(fakes: Path, shell: str, journal: bool) -> None:
    if journal:  # changes dpkg has not written into its status file yet: dpkg-query reads them
        (fakes / "dpkg" / "updates" / "0001").write_text("")
    facts = parse_linux(run(preamble(ASKED) + linux_script(), fakes, shell))
    # oldpkg: removed, not installed; clamav-daemon: rpm's (dpkg: half-installed)
    assert facts.packages == {"clamav", "clamav-daemon"}
    assert facts.executables == {"sh"}
    assert facts.services == {"clamav-daemon": "active", "clamav-freshclam": "inactive"}
    assert facts.only_asked == {k: frozenset(v) for k, v in ASKED.groups().items()}
    log = (fakes / "log").read_text().splitlines()
    # the names went to systemctl as arguments, to dpkg-query only when its journal holds
    # changes (else the status file is read for them); rpm lists, the shell picks
    asked = (
        "dpkg-query -W -f ${db:Status-Abbrev} ${Package}\\n clamav clamav-daemon oldpkg nosuch-ng"
    )
    assert (asked in log) is journal
    assert not [line for line in log if line.startswith("dpkg-query")] or journal
    assert any(line.endswith("clamav-daemon.service clamav-freshclam.service nosuch-ng.service")
               for line in log if line.startswith("systemctl "))  # fmt: skip


@pytest.mark.parametrize("shell", SHELLS)
def test_without_names_the_lists_are_complete_as_before(fakes: Path, shell: str) -> None:
    facts = parse_linux(run(linux_script(), fakes, shell))
    assert facts.packages == {"clamav", "bash", "clamav-daemon", "clamav-daemonx"}
    assert facts.executables is not None and {"sh", "ls"} <= facts.executables
    assert set(facts.services or ()) == {"clamav-daemon", "cron", "clamav-freshclam"}
    assert facts.only_asked == {}
    assert parse_wanted("requested=0\n") == {}


@pytest.mark.parametrize("shell", SHELLS)
def test_no_names_asked_of_a_kind_lists_nothing_of_it(fakes: Path, shell: str) -> None:
    facts = parse_linux(run(preamble(Wanted()) + linux_script(), fakes, shell))
    assert (facts.packages, facts.executables, facts.services) == (frozenset(), frozenset(), {})
    assert not (fakes / "log").exists() or "dpkg-query" not in (fakes / "log").read_text()


def test_shell_text_in_the_line_past_netguard_stays_data(fakes: Path) -> None:
    marker = fakes / "ran"
    line = f"NG_WANT='ngwant1 p/$(touch${{IFS}}{marker}) b/;touch${{IFS}}{marker} s/`id`'\n"
    out = run(line.encode() + linux_script(), fakes, SHELLS[0])
    assert not marker.exists()
    assert parse_linux(out).packages is None  # the echo of the list holds no netguard name


@pytest.mark.parametrize(
    "name", ["a b", "a'b", 'a"b', "a/b", "-x", "..", ".", "$(id)", "a;b", "a*", "", "é"]
)
def test_a_name_that_is_not_a_plain_token_is_never_sent(name: str) -> None:
    with pytest.raises(ValueError):
        preamble(Wanted(packages=(name,)))
    assert from_products([AvProduct("X", packages=(name,))]) is None  # complete lists instead


def test_the_catalog_s_names_are_asked_and_full_inventory_asks_all() -> None:
    products = (
        AvProduct("A", packages=("a",), binaries=("ab",), services=("as",), processes=("ap",)),
        AvProduct("B", packages=("a", "b")),
    )
    pol = dataclasses.replace(policy(), products=products)
    inv = Inventory("inventory.yaml", "", SEGMENTS, (host(),))
    assert job_wanted(AuditJob(inv, pol)) == Wanted(("a", "b"), ("ab",), ("as",))
    assert job_wanted(AuditJob(inv, pol, AuditOptions(full_inventory=True))) is None
    _, stdin = remote_exec(host(), wanted=Wanted(("a", "b"), ("ab",), ("as",)))
    assert stdin.split(b"\n")[1] == b"NG_WANT='ngwant1 p/a p/b b/ab s/as'"
    assert stdin.endswith(b"\n" + linux_script())
    boundary = "0123456789abcdef" * 2
    assert remote_exec(host(), boundary=boundary)[1] == boundary_preamble(boundary) + linux_script()


def test_an_unreadable_list_of_names_leaves_the_lists_unknown() -> None:
    for text, rc in (("requested=1\nngwant1\nx/clamav\n", 0), ("", 65), ("garbage", 0)):
        facts = parse_linux(encode_sections({**recordings.desktop(), SECTION: (text, rc)}))
        assert (facts.packages, facts.executables, facts.services) == (None, None, None)
        assert "wanted" in facts.problems["packages"]


def _reduced(sections: recordings.Sections, asked: Wanted) -> recordings.Sections:
    """What the script sends when asked for these names (the filter done here on a recorded
    host's complete lists)."""
    out = dict(sections)

    def keep(name: str, wanted: tuple[str, ...], key: object) -> None:
        if name in out:
            text, rc = out[name]
            lines = [ln for ln in text.splitlines() if key(ln) in wanted]  # type: ignore[operator]
            out[name] = ("".join(f"{ln}\n" for ln in lines), rc)

    keep("dpkg", asked.packages, lambda ln: ln.partition(" ")[2].strip().split(":")[0])
    keep("rpm", asked.packages, lambda ln: ln)
    keep("executables", asked.executables, lambda ln: ln)
    keep("services", asked.services, lambda ln: ln.split(" ")[0].removesuffix(".service"))
    names = [f"{t}/{n}" for t, g in zip("pbs", asked.groups().values(), strict=True) for n in g]
    out[SECTION] = ("requested=1\nngwant1\n" + "".join(f"{n}\n" for n in names), 0)
    return out


def _verdicts(sections: recordings.Sections, products: tuple[AvProduct, ...]) -> dict[str, str]:
    pol = dataclasses.replace(policy(), products=products)
    facts = parse_linux(encode_sections(sections), now=recordings.NOW)
    return {f.check: f.status.value for f in evaluate(facts, host(), SEGMENTS, pol)}


@pytest.mark.parametrize("name", sorted(recordings.HOSTS))
def test_every_recorded_host_is_judged_the_same_from_the_names_asked(name: str) -> None:
    products = policy().products
    asked = from_products(products)
    assert asked is not None
    sections = recordings.HOSTS[name]()
    assert _verdicts(_reduced(sections, asked), products) == _verdicts(sections, products)


def _findings(sections: recordings.Sections, products: tuple[AvProduct, ...]) -> dict:
    pol = dataclasses.replace(policy(), products=products)
    facts = parse_linux(encode_sections(sections), now=recordings.NOW)
    return {f.check: f for f in evaluate(facts, host(), SEGMENTS, pol)}


def test_a_catalog_name_not_asked_about_is_unknown_never_absent() -> None:
    """A replay judged with a catalog whose names the hosts were never asked about: those lists
    count as not examined (as an unreadable one does), never as saying "not installed"."""
    products = policy().products
    asked = from_products(products)
    assert asked is not None
    fewer = dataclasses.replace(asked, packages=("other",), executables=(), services=())
    no_av = recordings.HOSTS["no-antivirus"]()
    full = _findings(_reduced(no_av, asked), products)["antivirus.installed"]
    assert full.evidence["not_examined"] == []
    got = _findings(_reduced(no_av, fewer), products)["antivirus.installed"]
    assert got.evidence["not_examined"] == ["executables", "packages"]
    # with the process table unreadable too, nothing is left to look at: cannot decide
    blind = {**_reduced(no_av, fewer), "processes": ("", 1)}
    assert _findings(blind, products)["antivirus.installed"].status is FindingStatus.ERROR
    # a product whose names were asked is still found by them
    compliant = _findings(_reduced(recordings.HOSTS["compliant"](), asked), products)
    assert compliant["antivirus.installed"].status is FindingStatus.PASS


@pytest.mark.skipif(
    not shutil.which("dpkg-query") or not Path("/var/lib/dpkg/status").is_file(),
    reason="needs this machine's dpkg",
)
def test_the_status_file_is_read_as_dpkg_query_reads_it() -> None:
    every = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Package}\\n"], capture_output=True, text=True, check=True
    ).stdout.split()
    names = [*every[:: max(1, len(every) // 40)], "nosuch-ng"]
    program = (
        _shell_functions("dpkg_status")
        + f"dpkg_status '{' '.join(names)}' "
        + ("/var/lib/dpkg/status\n")
    )
    env = {"LC_ALL": "C", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    ours = subprocess.run(["sh", "-c", program], capture_output=True, text=True, env=env)
    theirs = subprocess.run(
        ["dpkg-query", "-W", "-f", "${db:Status-Abbrev} ${Package}\\n", *names],
        capture_output=True,
        text=True,
        env=env,
    )
    assert ours.returncode == 0 and theirs.returncode == 1  # nosuch-ng: dpkg-query's "not found"
    # dpkg-query also names packages it knows only from others' relations: `un`, not installed
    known = [line for line in theirs.stdout.splitlines() if not line.startswith("un ")]
    assert sorted(ours.stdout.splitlines()) == sorted(known)
    assert parse_dpkg(ours.stdout) == parse_dpkg(theirs.stdout)

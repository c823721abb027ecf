"""Scheduled audits: systemd and cron quoting, the generated units, installing them.

Quoting is checked against the real parsers where we have them: `systemd-analyze verify` (it
checks that the ExecStart executable exists, so a mis-quoted path fails it) and /bin/sh (the
cron command is run through `sh -c` and the argv that arrives is compared). For the arguments
after the executable, systemd's own rules (systemd.service(5), systemd.syntax(7)) are emulated
by `_systemd_split` below.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import stat
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from netguard import schedule
from netguard.errors import InputError, NetguardError
from netguard.schedule import (
    ScheduleSpec,
    audit_argv,
    build_schedule_command,
    cron_command,
    cron_lines,
    cron_quote,
    install,
    next_steps,
    systemd_exec,
    systemd_quote,
    systemd_units,
)

SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
needs_systemd_analyze = pytest.mark.skipif(
    SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed (Debian: systemd)"
)

HOSTILE = [
    "plain",
    "with space",
    "two  spaces and trailing ",
    'double "quotes"',
    "single 'quotes'",
    "back\\slash",
    "ends with backslash\\",
    "$HOME and ${PATH} and $$",
    "100% and %n %i %%",
    "中文 路径/财务科",
    ";",
    "a;b",
    "tab\there",
    "new\nline",
    "",
    "\u3000ideographic space",
    "c1\x85nel",
]


# --- an emulation of systemd's ExecStart= parsing, for the arguments ---------------------------

_C = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
      "\\": "\\", '"': '"', "'": "'", "s": " "}  # fmt: skip


def _systemd_split(line: str) -> list[str]:
    """ExecStart= value → argv as the program sees it: specifiers (only %% here), then words
    with quotes and C escapes, then $$ → $ (environment substitution, done per word)."""
    assert "%" not in line.replace("%%", ""), "a lone % would be a specifier"
    text = line.replace("%%", "\0pct\0")
    words: list[str] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t":
            i += 1
        if i >= n:
            break
        word, quote = [], None
        while i < n and (quote or text[i] not in " \t"):
            ch = text[i]
            if ch == "\\":
                esc = text[i + 1]
                if esc in "uU":
                    width = 4 if esc == "u" else 8
                    word.append(chr(int(text[i + 2 : i + 2 + width], 16)))
                    i += 2 + width
                    continue
                word.append(_C[esc])
                i += 2
                continue
            if quote and ch == quote:
                quote = None
            elif not quote and ch in "\"'":
                quote = ch
            else:
                word.append(ch)
            i += 1
        assert quote is None, f"unbalanced quote in {line!r}"
        w = "".join(word).replace("\0pct\0", "%")
        assert "$" not in w.replace("$$", ""), f"a lone $ would be substituted: {w!r}"
        words.append(w.replace("$$", "$"))
    return words


@pytest.mark.parametrize("arg", HOSTILE)
def test_systemd_quote_round_trips(arg: str) -> None:
    assert _systemd_split(systemd_quote(arg)) == [arg]


def test_systemd_quote_examples() -> None:
    assert systemd_quote("--lang") == "--lang"
    assert systemd_quote("with space") == '"with space"'
    assert systemd_quote("100%") == '"100%%"'  # % starts a specifier
    assert systemd_quote("$HOME") == '"$$HOME"'
    assert systemd_quote('a"b\\c') == '"a\\"b\\\\c"'
    assert systemd_quote("a\nb") == '"a\\nb"'
    assert systemd_quote(";") == '";"'  # a bare ; would separate commands
    assert systemd_quote("中文") == '"中文"'
    assert systemd_quote("", env=False) == '""'
    assert systemd_quote("/opt/$x", env=False) == '"/opt/$x"'  # the path is never substituted


def test_systemd_exec_round_trips_whole_argv() -> None:
    argv = ["/usr/bin/python3", *HOSTILE]
    assert _systemd_split(systemd_exec(argv)) == argv


@pytest.mark.parametrize("exe", ["relative/python", "/opt/$x/python", '/opt/"q"/py', "/a\\b"])
def test_systemd_exec_refuses_what_systemd_cannot_run(exe: str) -> None:
    with pytest.raises(ValueError):
        systemd_exec([exe, "x"])


def test_systemd_quote_refuses_nul() -> None:
    with pytest.raises(ValueError):
        systemd_quote("a\0b")


# --- specs ------------------------------------------------------------------------------------


def _spec(tmp_path: Path, **overrides: object) -> ScheduleSpec:
    """A spec in a hostile directory: spaces, Chinese, %, $, quotes and a backslash."""
    office = tmp_path / "办公 室 100% $x 'q' \"d\" b\\s"
    office.mkdir(exist_ok=True)
    inventory = office / "县 财政局.yaml"
    inventory.write_text("hosts: []\n", encoding="utf-8")
    values: dict[str, object] = {
        "report_dir": office / "reports 报告",
        "history": tmp_path / "history" / "h.sqlite",  # not the machine's real default
        "lang": "zh",
        "user": _me(),
        "cwd": office,
        "netguard": (os.path.abspath(sys.executable), "-m", "netguard"),
    }
    values.update(overrides)
    return build_schedule_command(inventory, **values)  # type: ignore[arg-type]


def _me() -> str:
    import pwd

    return pwd.getpwuid(os.geteuid()).pw_name


def test_build_resolves_relative_paths_against_cwd(tmp_path: Path) -> None:
    (tmp_path / "inv").mkdir()
    (tmp_path / "inv" / "office.yaml").write_text("hosts: []\n")
    (tmp_path / "policy.yaml").write_text("{}\n")
    spec = build_schedule_command(
        "inv/office.yaml",
        policy="policy.yaml",
        report_dir="out",
        history="db/history.sqlite",
        lang="en",
        cwd=tmp_path,
    )
    assert spec.inventory == tmp_path / "inv" / "office.yaml"
    assert spec.policy == tmp_path / "policy.yaml"
    assert spec.report_dir == tmp_path / "out"
    assert spec.history == tmp_path / "db" / "history.sqlite"
    assert spec.working_dir == tmp_path
    assert spec.user == _me()
    assert spec.unit_name == "netguard-audit"
    assert spec.results_path == tmp_path / "out" / "netguard-audit-latest.json"


def test_history_is_always_explicit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETGUARD_HISTORY", str(tmp_path / "state" / "h.sqlite"))
    spec = build_schedule_command(None, cwd=tmp_path, lang="en")
    assert spec.history == tmp_path / "state" / "h.sqlite"  # what interactive runs use
    assert audit_argv(spec)[-2:] == ["--history", str(spec.history)]
    assert schedule.default_history_for("nobody").parts[-4:] == (
        ".local", "state", "netguard", "history.sqlite"
    )  # fmt: skip
    with pytest.raises(InputError):
        schedule.default_history_for("no-such-user-here")


def test_a_postgresql_history_is_passed_as_given(tmp_path: Path) -> None:
    """An office's shared history: the URL goes to the audit unchanged (no folder to make
    writable for it); a URL with a password is refused — it would be in the unit file."""
    url = "postgresql://netguard@db.office.internal/netguard?sslmode=verify-full"
    spec = build_schedule_command(None, cwd=tmp_path, lang="en", history=url)
    assert spec.history == url and audit_argv(spec)[-2:] == ["--history", url]
    assert schedule.writable_dirs(spec) == [spec.report_dir]
    with pytest.raises(InputError) as err:
        build_schedule_command(
            None, cwd=tmp_path, lang="en", history="postgres://netguard:hunter2@db/netguard"
        )
    assert "hunter2" not in str(err.value) and "pgpass" in str(err.value)


def test_default_command_keeps_the_virtualenv_path(tmp_path: Path) -> None:
    command = schedule.default_netguard_command(tmp_path)
    # abspath, not resolve(): a venv's python is a symlink whose target has no netguard.
    assert command[0] == os.path.abspath(sys.executable)
    assert command[-2:] == ("-m", "netguard")
    assert "-P" in command  # tmp_path is not where netguard is imported from


def test_default_lang_comes_from_the_locale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ("LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert build_schedule_command(None, cwd=tmp_path).lang == "zh"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"at": "25:00"}, "--at"),
        ({"at": "02:30\nrm -rf /"}, "--at"),
        ({"report_format": "docx"}, "--report"),
        ({"lang": "fr"}, "--lang"),
        ({"user": "root; id"}, "--user"),
        ({"name": "../etc"}, "--name"),
        ({"notify": "no-such-program-anywhere --x"}, "--notify"),
        ({"notify": "'unbalanced"}, "--notify"),
        ({"waivers": "missing.yaml"}, "--waivers"),
        ({"report_dir": "reports\nx"}, "--report-dir"),
    ],
)
def test_build_rejects_what_cannot_work(tmp_path: Path, kwargs: dict, field: str) -> None:
    with pytest.raises(InputError) as exc:
        build_schedule_command(None, cwd=tmp_path, **kwargs)
    assert exc.value.field == field


def test_build_rejects_missing_inventory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        build_schedule_command("nope.yaml", cwd=tmp_path)


def test_notify_command_is_split_and_made_absolute(tmp_path: Path) -> None:
    spec = build_schedule_command(None, cwd=tmp_path, notify="cat -n 'a b'")
    assert spec.notify == (shutil.which("cat"), "-n", "a b")
    argv = audit_argv(spec)
    i = argv.index("--notify")
    assert shlex.split(argv[i + 1]) == list(spec.notify)  # one argument, split by the CLI


@pytest.mark.parametrize(
    ("stem", "expected"),
    [
        ("office-a", "netguard-audit-office-a"),
        ("Office A (2)", "netguard-audit-office-a-2"),
    ],
)
def test_unit_name_per_inventory(stem: str, expected: str) -> None:
    assert schedule.unit_name(Path(f"/x/{stem}.yaml"), per_inventory=True) == expected


def test_unit_name_of_chinese_stems_is_distinct_ascii() -> None:
    a = schedule.unit_name(Path("/x/县财政局.yaml"), per_inventory=True)
    b = schedule.unit_name(Path("/x/县教育局.yaml"), per_inventory=True)
    assert a != b
    assert a.startswith("netguard-audit-") and a.isascii()
    assert schedule.unit_name(Path("/x/o.yaml"), per_inventory=False) == "netguard-audit"
    assert schedule.unit_name(None, name="ng-nightly", per_inventory=True) == "ng-nightly"


def test_audit_argv_is_quiet_and_complete(tmp_path: Path) -> None:
    (tmp_path / "w.yaml").write_text("{}\n")
    spec = _spec(
        tmp_path,
        history=tmp_path / "h" / "history.db",
        waivers=tmp_path / "w.yaml",
        syslog=True,
        report_format="pdf",
    )
    argv = audit_argv(spec)
    assert argv[:4] == [*spec.netguard, "audit"]
    assert argv[4] == str(spec.inventory)
    for expected in (
        ["--format", "json"],
        ["-o", str(spec.results_path)],
        ["--report", "pdf"],
        ["--report-dir", str(spec.report_dir)],
        ["--lang", "zh"],
        ["--checklists", "critical"],
        ["--history", str(tmp_path / "h" / "history.db")],
        ["--waivers", str(tmp_path / "w.yaml")],
    ):
        i = argv.index(expected[0])
        assert argv[i : i + 2] == expected
    assert "-q" in argv and "--syslog" in argv
    assert "--accept-new-hostkeys" not in argv  # a nightly run never trusts a new key


# --- systemd units ----------------------------------------------------------------------------


def _exec_start(unit: str) -> str:
    (line,) = [x for x in unit.splitlines() if x.startswith("ExecStart=")]
    return line.removeprefix("ExecStart=")


def test_service_runs_exactly_the_audit_argv(tmp_path: Path) -> None:
    spec = _spec(tmp_path, history=tmp_path / "历史 db" / "h.db")
    units = systemd_units(spec)
    assert set(units) == {"netguard-audit.service", "netguard-audit.timer"}
    assert _systemd_split(_exec_start(units["netguard-audit.service"])) == audit_argv(spec)


def test_service_keeps_the_exit_status_and_is_hardened(tmp_path: Path) -> None:
    history = tmp_path / "历史 db" / "h.db"
    service = systemd_units(_spec(tmp_path, history=history))["netguard-audit.service"]
    settings = [x for x in service.splitlines() if x and not x.startswith("#")]
    assert "Type=oneshot" in settings
    # Findings (1) and unknowns (3) must make the unit fail, so monitoring sees them.
    assert not any(x.startswith("SuccessExitStatus=") for x in settings)
    assert f"User={_me()}" in settings
    for setting in ("NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=read-only",
                    "PrivateTmp=yes"):  # fmt: skip
        assert setting in settings
    (rw,) = [x for x in settings if x.startswith("ReadWritePaths=")]
    spec = _spec(tmp_path, history=history)
    assert shlex.split(rw.removeprefix("ReadWritePaths=").replace("%%", "%")) == [
        str(spec.report_dir),
        str(history.parent),
    ]


def test_service_with_a_hook_lets_the_hook_mail(tmp_path: Path) -> None:
    service = systemd_units(_spec(tmp_path, notify="cat"))["netguard-audit.service"]
    settings = [x for x in service.splitlines() if x and not x.startswith("#")]
    assert "ProtectSystem=full" in settings
    assert not any(x.startswith("NoNewPrivileges=") for x in settings)


def test_timer(tmp_path: Path) -> None:
    timer = systemd_units(_spec(tmp_path, at="7:05"))["netguard-audit.timer"]
    lines = timer.splitlines()
    assert "OnCalendar=Mon..Fri *-*-* 07:05:00" in lines  # working days unless asked
    assert "Persistent=true" in lines
    assert any(x.startswith("RandomizedDelaySec=") for x in lines)
    assert "Unit=netguard-audit.service" in lines
    assert "WantedBy=timers.target" in lines
    expr = systemd_units(_spec(tmp_path, at="Mon..Fri *-*-* 22:00"))["netguard-audit.timer"]
    assert "OnCalendar=Mon..Fri *-*-* 22:00" in expr.splitlines()


def test_default_schedule_is_office_hours_on_working_days(tmp_path: Path) -> None:
    """Office PCs are off at night and a checklist's 30-minute deadlines must be read when they
    start: the default runs at 09:30 and 14:30, Monday to Friday."""
    spec = _spec(tmp_path)
    assert spec.at == ("09:30", "14:30") and spec.days == "weekdays"
    timer = systemd_units(spec)["netguard-audit.timer"].splitlines()
    assert [x for x in timer if x.startswith("OnCalendar=")] == [
        "OnCalendar=Mon..Fri *-*-* 09:30:00",
        "OnCalendar=Mon..Fri *-*-* 14:30:00",
    ]
    assert [line.split(" ", 5)[:5] for line in cron_lines(spec)] == [
        ["30", "9", "*", "*", "1-5"],
        ["30", "14", "*", "*", "1-5"],
    ]
    assert len({line.split(" ", 6)[6] for line in cron_lines(spec)}) == 1  # one command


@pytest.mark.parametrize(
    ("at", "times"),
    [
        ("8:00", ("8:00",)),
        ("08:00,12:00, 16:30", ("08:00", "12:00", "16:30")),
        (["08:00", "16:30"], ("08:00", "16:30")),
        (["08:00,10:00", "Sat *-*-* 10:00"], ("08:00", "10:00", "Sat *-*-* 10:00")),
        # an OnCalendar expression's own commas are not a list of times
        ("Mon,Wed *-*-* 10:00", ("Mon,Wed *-*-* 10:00",)),
    ],
)
def test_several_times_a_day(tmp_path: Path, at: object, times: tuple[str, ...]) -> None:
    assert _spec(tmp_path, at=at).at == times


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"at": "09:30,9:30"}, "given twice: 09:30"),
        ({"at": []}, "no time"),
        ({"at": ",".join(f"{h:02d}:00" for h in range(24)) + ",00:30"}, "more than 24"),
        ({"at": "09:30", "days": "sundays"}, "weekdays, daily"),
        ({"at": "Sat *-*-* 10:00", "days": "daily"}, "names its own days"),
    ],
)
def test_bad_times_are_refused(tmp_path: Path, overrides: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message) as err:
        _spec(tmp_path, **overrides)
    assert err.value.field in ("--at", "--days")


def _verify(unit_dir: Path, *names: str) -> subprocess.CompletedProcess[str]:
    assert SYSTEMD_ANALYZE is not None
    return subprocess.run(
        [SYSTEMD_ANALYZE, "verify", "--man=no", *(str(unit_dir / n) for n in names)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@needs_systemd_analyze
@pytest.mark.parametrize("hook", [False, True])
def test_units_pass_systemd_analyze_verify(tmp_path: Path, hook: bool) -> None:
    spec = _spec(
        tmp_path,
        history=tmp_path / "历史 db" / "h.db",
        notify="cat" if hook else None,
        syslog=True,
        at="02:30" if hook else "Mon..Fri *-*-* 22:00",
        discover=hook,  # the sweep's capability line verified too
    )
    unit_dir = tmp_path / "units"
    unit_dir.mkdir()
    for name, text in systemd_units(spec).items():
        (unit_dir / name).write_text(text, encoding="utf-8")
    done = _verify(unit_dir, *systemd_units(spec))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "netguard-audit" not in done.stderr, done.stderr  # no warning about our units


def test_the_nightly_sweep_gets_raw_sockets_or_is_refused(tmp_path: Path) -> None:
    """--discover: the audit sweeps first; systemd grants CAP_NET_RAW to that service alone,
    cron cannot grant it to a user who is not root (refused, not a nightly exit 2)."""
    spec = _spec(tmp_path, discover=True)
    assert audit_argv(spec)[-1] == "--discover"
    service = systemd_units(spec)[f"{spec.unit_name}.service"]
    assert "AmbientCapabilities=CAP_NET_RAW" in service.splitlines()
    assert "CAP_NET_RAW" not in systemd_units(_spec(tmp_path))[f"{spec.unit_name}.service"]
    as_root = replace(spec, user="root")
    (line, _) = cron_lines(as_root)
    assert " --discover " in line or " --discover;" in line
    with pytest.raises(InputError, match="raw sockets") as err:
        cron_lines(replace(spec, user="nobody"))
    assert err.value.field == "--discover"
    with pytest.raises(InputError, match="inventory") as err:
        build_schedule_command(None, discover=True, cwd=tmp_path)
    assert err.value.field == "--discover"


def _executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


RUNNABLE = ["net guard", "100% %n", "中文 路径", ";", "a;b", "trailing ", "x$"]


@needs_systemd_analyze
def test_systemd_finds_executables_with_hostile_names(tmp_path: Path) -> None:
    """systemd-analyze verify fails when the executable does not exist: an oracle for quoting.
    ('x$' checks that the path is not $-doubled: systemd never substitutes it.)"""
    unit_dir = tmp_path / "units"
    unit_dir.mkdir()
    names = []
    for i, name in enumerate(RUNNABLE):
        exe = _executable(tmp_path / "bin" / name)
        quoted = systemd_quote(str(exe), env=False)
        (unit_dir / f"t{i}.service").write_text(
            f"[Service]\nType=oneshot\nExecStart={quoted} arg\n", encoding="utf-8"
        )
        names.append(f"t{i}.service")
    done = _verify(unit_dir, *names)
    assert done.returncode == 0, done.stdout + done.stderr

    # The oracle does catch mistakes: the same path unquoted is not found.
    (unit_dir / "bad.service").write_text(
        f"[Service]\nType=oneshot\nExecStart={tmp_path / 'bin' / 'net guard'} arg\n"
    )
    assert _verify(unit_dir, "bad.service").returncode != 0


@needs_systemd_analyze
@pytest.mark.parametrize("name", ['quo"te', "sin'gle", "back\\slash", "tab\tch"])
def test_systemd_reads_escaped_names_back_exactly(tmp_path: Path, name: str) -> None:
    """systemd refuses quotes, backslashes and controls in an executable name (so the spec
    refuses them too), and its message shows the name as it parsed it: our escapes came
    back as the original characters."""
    exe = _executable(tmp_path / "bin" / name)
    unit_dir = tmp_path / "units"
    unit_dir.mkdir()
    (unit_dir / "t.service").write_text(
        f"[Service]\nType=oneshot\nExecStart={systemd_quote(str(exe), env=False)} arg\n",
        encoding="utf-8",
    )
    done = _verify(unit_dir, "t.service")
    assert done.returncode != 0
    assert str(exe) in done.stdout + done.stderr
    with pytest.raises(ValueError):
        systemd_exec([str(exe), "arg"])


# --- cron -------------------------------------------------------------------------------------


def _cron_unescape(command: str) -> tuple[str, str | None]:
    """What cron (Vixie/Debian do_command.c) hands to /bin/sh -c: ``\\%`` becomes ``%``; the
    first unescaped ``%`` ends the command and the rest becomes standard input."""
    out: list[str] = []
    escaped = False
    for i, ch in enumerate(command):
        if escaped:
            if ch == "%":
                out[-1] = "%"
            else:
                out.append(ch)
            escaped = False
            continue
        if ch == "\\":
            escaped = True
        if ch == "%":
            return "".join(out), command[i + 1 :]
        out.append(ch)
    return "".join(out), None


CRON_HOSTILE = [
    "plain",
    "with space",
    "%",
    "%%",
    "100%",
    "%start",
    "a\\%b",  # a backslash right before a percent: cron would pair them up if quoted naively
    "\\%",
    "\\\\%%",
    "50%'quote",
    "$HOME `id` $(id)",
    "中文 路径 %i",
    "",
    "'",
    "back\\",
]


def _argv_dumper(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        "with open(os.environ['ARGV_OUT'], 'w', encoding='utf-8') as f:\n"
        "    json.dump(sys.argv[1:], f)\n"
        "print('report: /srv/reports/r.html', file=sys.stderr)  # as the CLI does, even -q\n"
        "sys.exit(int(os.environ.get('EXIT', '0')))\n",
        encoding="utf-8",
    )
    path.chmod(0o755)
    return path


def _run_cron_command(command: str, tmp_path: Path, exit_code: int = 0):
    sh_command, stdin = _cron_unescape(command)
    assert stdin is None, f"an unescaped % would cut the command: {command!r}"
    out = tmp_path / "argv.json"
    out.unlink(missing_ok=True)
    env = {"PATH": "/usr/bin:/bin", "ARGV_OUT": str(out), "EXIT": str(exit_code)}
    done = subprocess.run(
        ["/bin/sh", "-c", sh_command], env=env, capture_output=True, text=True, timeout=60
    )
    return done, json.loads(out.read_text(encoding="utf-8"))


def test_cron_quote_survives_cron_and_sh(tmp_path: Path) -> None:
    dumper = _argv_dumper(tmp_path / "bin 中文 100%" / "dump")
    command = " ".join(cron_quote(a) for a in [str(dumper), *CRON_HOSTILE])
    done, argv = _run_cron_command(command, tmp_path)
    assert done.returncode == 0, done.stderr
    assert argv == CRON_HOSTILE


def test_cron_quote_escapes_every_percent() -> None:
    assert cron_quote("100%") == "100\\%"
    assert cron_quote("a b%c") == "'a b'\\%c"
    assert cron_quote("%") == "\\%"
    assert _cron_unescape(cron_quote("x%y%z"))[1] is None


def test_cron_quote_refuses_line_breaks() -> None:
    with pytest.raises(ValueError):
        cron_quote("a\nb")


def test_cron_line_runs_the_audit_argv_through_sh(tmp_path: Path) -> None:
    dumper = _argv_dumper(tmp_path / "bin 中文 100%" / "dump")
    (tmp_path / "w 100%.yaml").write_text("{}\n")
    spec = _spec(
        tmp_path,
        netguard=(str(dumper),),
        waivers=tmp_path / "w 100%.yaml",
        notify=f"{shutil.which('cat')} -n 'a b' 50%",
    )
    line = cron_lines(spec)[0]
    fields = line.split(" ", 6)
    assert fields[:6] == ["30", "9", "*", "*", "1-5", _me()]
    assert fields[6] == cron_command(spec)
    done, argv = _run_cron_command(fields[6], tmp_path)
    assert argv == audit_argv(spec)[1:]
    assert done.returncode == 0
    assert done.stdout == "" and done.stderr == ""  # quiet when all is well


def test_cron_line_speaks_when_the_audit_fails(tmp_path: Path) -> None:
    dumper = _argv_dumper(tmp_path / "bin" / "dump")
    spec = _spec(tmp_path, netguard=(str(dumper),))
    done, _ = _run_cron_command(cron_command(spec), tmp_path, exit_code=3)
    assert done.returncode == 3
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "report: /srv/reports/r.html",
        "netguard: scheduled audit exited with status 3 "
        "(1 findings, 2 bad input, 3 unknown hosts, 4 report failed)",
    ]


def test_cron_line_speaks_when_the_working_directory_is_gone(tmp_path: Path) -> None:
    dumper = _argv_dumper(tmp_path / "bin" / "dump")
    spec = _spec(tmp_path, netguard=(str(dumper),), working_dir=tmp_path / "bin")
    shutil.rmtree(tmp_path / "bin")
    sh_command, _ = _cron_unescape(cron_command(spec))
    done = subprocess.run(["/bin/sh", "-c", sh_command], capture_output=True, text=True)
    assert done.returncode != 0
    assert "scheduled audit exited with status" in done.stderr


def test_cron_line_user_field_only_for_system_crontabs(tmp_path: Path) -> None:
    spec = _spec(tmp_path, at="7:05", days="daily")
    assert cron_lines(spec, system=True)[0].startswith(f"5 7 * * * {_me()} cd ")
    assert cron_lines(spec, system=False)[0].startswith("5 7 * * * cd ")


def test_cron_needs_a_time_of_day(tmp_path: Path) -> None:
    spec = _spec(tmp_path, at="Mon..Fri *-*-* 22:00")
    with pytest.raises(InputError, match="HH:MM"):
        cron_lines(spec)


# --- installing -------------------------------------------------------------------------------


def test_install_systemd_writes_atomically_and_refuses_to_clobber(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = _spec(tmp_path, history=tmp_path / "hist" / "h.db")
    unit_dir = tmp_path / "systemd"
    writes: list[Path] = []
    real = schedule.write_atomic
    monkeypatch.setattr(schedule, "write_atomic", lambda p, t: (writes.append(Path(p)), real(p, t)))

    paths = install(spec, "systemd", unit_dir=unit_dir)
    assert paths == [unit_dir / "netguard-audit.service", unit_dir / "netguard-audit.timer"]
    assert writes == paths
    for path in paths:
        assert path.read_text(encoding="utf-8") == systemd_units(spec)[path.name]
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert sorted(p.name for p in unit_dir.iterdir()) == sorted(p.name for p in paths)  # no temp
    assert spec.report_dir.is_dir() and (tmp_path / "hist").is_dir()  # ReadWritePaths exist

    writes.clear()
    assert install(spec, "systemd", unit_dir=unit_dir) == paths  # same content: a no-op
    assert writes == []

    # Only the timer differs: nothing is written, not even the service.
    other = _spec(tmp_path, history=tmp_path / "hist" / "h.db", at="03:00")
    before = {p: p.read_text(encoding="utf-8") for p in paths}
    with pytest.raises(NetguardError, match="--force"):
        install(other, "systemd", unit_dir=unit_dir)
    assert {p: p.read_text(encoding="utf-8") for p in paths} == before
    assert writes == []

    install(other, "systemd", unit_dir=unit_dir, force=True)
    assert "OnCalendar=Mon..Fri *-*-* 03:00:00" in paths[1].read_text(encoding="utf-8")


def test_install_cron_file(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    cron_dir = tmp_path / "cron.d"
    (path,) = install(spec, "cron", cron_dir=cron_dir)
    assert path == cron_dir / "netguard-audit"  # no dot: run-parts/cron ignore dotted names
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n")
    assert set(cron_lines(spec, system=True)) <= set(text.splitlines())
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # cron ignores group-writable files
    path.write_text("# someone else's\n")
    with pytest.raises(NetguardError):
        install(spec, "cron", cron_dir=cron_dir)
    assert path.read_text() == "# someone else's\n"


def test_install_reports_unwritable_places(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    with pytest.raises(NetguardError, match="cannot write"):
        install(spec, "systemd", unit_dir=blocker / "systemd")


def test_next_steps_and_activate(tmp_path: Path) -> None:
    spec = _spec(tmp_path, per_inventory=True)
    steps = next_steps(spec, "systemd")
    assert steps == [
        ["systemctl", "daemon-reload"],
        ["systemctl", "enable", "--now", f"{spec.unit_name}.timer"],
    ]
    assert next_steps(spec, "cron") == []
    ran: list[list[str]] = []

    def fake_run(argv: list[str], check: bool) -> subprocess.CompletedProcess[bytes]:
        ran.append(argv)
        return subprocess.CompletedProcess(argv, 0)

    schedule.activate(spec, "systemd", run=fake_run)
    assert ran == steps

    def failing(argv: list[str], check: bool) -> subprocess.CompletedProcess[bytes]:
        return subprocess.CompletedProcess(argv, 1)

    with pytest.raises(NetguardError, match="daemon-reload"):
        schedule.activate(spec, "systemd", run=failing)


def test_the_scheduled_audit_honours_an_ssh_config_named_now(tmp_path: Path) -> None:
    """--ssh-config: the file is named absolutely when scheduling (the service's home may not
    be the installer's), passed as one word, and must exist; without a file, the audit
    account's ~/.ssh/config."""
    config = tmp_path / "ssh config 100%"
    config.write_text("Host *\n  User auditor\n", encoding="utf-8")
    spec = _spec(tmp_path, ssh_config=str(config))
    assert spec.ssh_config == config
    assert audit_argv(spec)[-1] == f"--ssh-config={config}"
    done, argv = _run_cron_command(
        cron_command(replace(spec, netguard=_dumper(tmp_path))), tmp_path
    )
    assert done.returncode == 0 and argv[-1] == f"--ssh-config={config}"  # through /bin/sh
    with pytest.raises(InputError) as err:
        _spec(tmp_path, ssh_config=str(tmp_path / "missing"))
    assert err.value.field == "--ssh-config"
    home = Path(os.path.expanduser(f"~{_me()}"))
    if (home / ".ssh" / "config").exists():
        assert _spec(tmp_path, ssh_config="").ssh_config == home / ".ssh" / "config"
    else:
        with pytest.raises(InputError, match="file not found"):
            _spec(tmp_path, ssh_config="")
    assert "--ssh-config" not in " ".join(audit_argv(_spec(tmp_path)))


def _dumper(tmp_path: Path) -> tuple[str, ...]:
    return (str(_argv_dumper(tmp_path / "bin" / "dump")),)


def test_the_scheduled_audit_sends_its_alerts_to_a_collector(tmp_path: Path) -> None:
    """--syslog-to (and its CA, named absolutely) reach each scheduled audit as the audit's own
    parser reads them — through cron's /bin/sh too; a URL the audit would refuse is refused
    now, not at every run."""
    from netguard.cli.main import build_parser

    ca = tmp_path / "collector ca.pem"
    ca.write_text("not read when scheduling\n", encoding="utf-8")
    spec = _spec(tmp_path, syslog_to="tls://logs.example:6514", syslog_ca=str(ca))
    assert (spec.syslog_to, spec.syslog_ca) == ("tls://logs.example:6514", ca)
    args = build_parser().parse_args(audit_argv(spec)[len(spec.netguard) :])
    assert (args.syslog_to, args.syslog_ca) == ("tls://logs.example:6514", str(ca))
    done, argv = _run_cron_command(
        cron_command(replace(spec, netguard=_dumper(tmp_path))), tmp_path
    )
    assert done.returncode == 0 and argv[-4:] == [
        "--syslog-to", "tls://logs.example:6514", "--syslog-ca", str(ca),
    ]  # fmt: skip
    assert (
        _systemd_split(_exec_start(systemd_units(spec)["netguard-audit.service"]))[-4:]
        == (argv[-4:])
    )
    for bad, field in [
        ({"syslog_to": "smtp://logs.example"}, "--syslog-to"),
        ({"syslog_to": "udp://logs.example", "syslog_ca": str(ca)}, "--syslog-ca"),
        ({"syslog_ca": str(ca)}, "--syslog-ca"),
        ({"syslog_to": "tls://logs.example", "syslog_ca": "missing.pem"}, "--syslog-ca"),
    ]:
        with pytest.raises(InputError) as err:
            _spec(tmp_path, **bad)
        assert err.value.field == field, bad
    assert "--syslog-to" not in audit_argv(_spec(tmp_path))


def test_a_source_is_named_by_its_kind_with_its_mapping(tmp_path: Path) -> None:
    """An imported source goes to the audit as KIND:PATH (its kind said, whatever its name),
    with --map; both absolute. --map with a netguard inventory, or without any, is refused."""
    from netguard.inventory.sources import KINDS, source_kind

    assert sorted(schedule.SOURCE_KINDS) == sorted(KINDS)
    (tmp_path / "hosts").write_text("pc1 ansible_host=10.20.0.5\n", encoding="utf-8")
    (tmp_path / "m.yaml").write_text("segments: []\n", encoding="utf-8")
    spec = build_schedule_command(
        "hosts", inventory_kind="ansible", mapping="m.yaml", cwd=tmp_path, history=tmp_path / "h"
    )
    argv = audit_argv(spec)
    at = len(spec.netguard) + 1  # after `audit`
    assert argv[at : at + 3] == [f"ansible:{tmp_path / 'hosts'}", "--map", str(tmp_path / "m.yaml")]
    assert source_kind(argv[at]) == ("ansible", str(tmp_path / "hosts"))
    assert "--map" not in audit_argv(_spec(tmp_path))
    for bad in ({"mapping": "m.yaml", "cwd": tmp_path}, {"inventory_kind": "ldap"}):
        with pytest.raises(InputError):
            _spec(tmp_path, **bad)

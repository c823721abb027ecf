"""Scheduled audits: a systemd service + timer, or cron lines, that run `netguard audit` in
office hours.

Why office hours and not the night: office PCs are switched off at night, so a night run finds
most of them unreachable (unknown), and a checklist's 30-minute deadlines would pass hours before
anyone reads them. The default is twice on working days (``DEFAULT_AT`` on ``DEFAULT_DAYS``):
a machine switched on late in the morning is still seen the same day.

Everything that builds text is a pure function of a ``ScheduleSpec``; ``build_schedule_command``
is the one place that looks at the machine (current user, directory, interpreter), and
``install`` the one place that writes files. Nothing here calls ``systemctl`` unless the caller
asks for ``activate``.

Why the exit status is kept (no ``SuccessExitStatus=``): a scheduled run that found something is
a run that went wrong from the office's point of view. With the status kept, the unit is
"failed" after a run with findings (1), unknown hosts (3), bad input (2) or a report that could
not be rendered (4), so ``systemctl --failed`` and any monitoring that watches units see it; the
report and the results file say what. Cron has no such state and mails whatever a job prints,
so the cron line prints the audit's output and its status only when the status is not 0.
See docs/scheduling.md.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from netguard.errors import InputError, NetguardError
from netguard.history.postgres import is_url, refuse_password
from netguard.i18n import LANGS, default_lang
from netguard.notify import hook_argv
from netguard.render.files import write_atomic
from netguard.report import FORMATS as REPORT_FORMATS
from netguard.untrusted import find_unsafe, replace_unsafe

Kind = Literal["systemd", "cron"]

BASE_NAME = "netguard-audit"
DEFAULT_AT = ("09:30", "14:30")
#: On which days the HH:MM times run: ``weekdays`` (Monday to Friday, when office PCs are on
#: and someone reads the report) or ``daily``. An OnCalendar= expression says its own days.
DAYS = {"weekdays": ("Mon..Fri ", "1-5"), "daily": ("", "*")}
DEFAULT_DAYS = "weekdays"
#: More runs than this a day is a misuse of the history (every run is kept), not a schedule.
MAX_TIMES = 24
# Spread offices that share an SSH bastion or a network link over a few minutes, no more: the
# report should be there within minutes of the time the office chose.
RANDOMIZED_DELAY = "5min"
# A hung run must not block the next one for long (a timer never starts a unit that is still
# active).
START_TIMEOUT = "4h"

# The audit options the scheduled command uses for the parts the CLI is growing (history,
# waivers, notify hook, syslog). One table, so a rename in cli.py is a one-line change here.
AUDIT_FLAGS = {
    "history": "--history",
    "waivers": "--waivers",
    "notify": "--notify",
    "syslog": "--syslog",
    "discover": "--discover",
    "ssh_config": "--ssh-config",
    "syslog_to": "--syslog-to",
    "syslog_ca": "--syslog-ca",
}

#: What a scheduled audit's inventory can be (netguard.inventory.sources.KINDS): a netguard
#: inventory, or a source it imports at every run.
SOURCE_KINDS = ("inventory", "ansible", "csv", "xlsx")

_HHMM = re.compile(r"([01]?[0-9]|2[0-3]):([0-5][0-9])")
# Unit and cron.d file names: systemd allows [A-Za-z0-9:_.\\-], Debian's cron ignores files in
# /etc/cron.d with dots in their names; the intersection is this.
_UNIT_NAME = re.compile(r"[A-Za-z0-9_-]{1,200}")
_USER = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?|[0-9]{1,10}")
# Anything a unit file or crontab line carries is refused (or, in free text, replaced) when it
# has an unsafe character of netguard.untrusted -- controls, line/paragraph separators, bidi
# overrides: a newline in a path would end a unit file line or a crontab entry and start a new
# one, and an override would make the line read differently from what it runs.


@dataclass(frozen=True)
class ScheduleSpec:
    """What a scheduled audit runs, when, and as whom. Paths are absolute."""

    inventory: Path | None  # None: audit this machine (local transport)
    policy: Path | None  # None: the packaged baseline
    at: tuple[str, ...]  # "HH:MM" times, or systemd OnCalendar= expressions (systemd only)
    report_format: str | None  # one of REPORT_FORMATS; None: results file (and checklists) only
    report_dir: Path  # report, checklists and the latest results file go here
    lang: str  # zh | en: decided when scheduling, not by the (empty) locale of cron/systemd
    history: Path | str | None  # history database (a file, or a PostgreSQL URL), or None
    waivers: Path | None  # waivers file, or None
    notify: tuple[str, ...] | None  # hook argv for new critical findings, or None
    syslog: bool  # one syslog line per new critical finding
    user: str  # the account the audit runs as (its ~/.ssh holds the key and known_hosts)
    working_dir: Path
    netguard: tuple[str, ...]  # how to start netguard: absolute executable first
    unit_name: str  # netguard-audit or netguard-audit-<slug>
    #: sweep the intranet/classified segments first (``audit --discover``): needs raw sockets
    discover: bool = False
    days: str = DEFAULT_DAYS  # a key of DAYS: the days the HH:MM times run
    #: the OpenSSH client configuration the audit honours (``audit --ssh-config=FILE``), or None
    ssh_config: Path | None = None
    #: the remote syslog collector of the alerts (``audit --syslog-to URL``), validated, or None
    syslog_to: str | None = None
    #: its CA (``audit --syslog-ca FILE``, tls:// only), or None
    syslog_ca: Path | None = None
    #: what ``inventory`` is: ``inventory`` (netguard YAML), or a source the scheduled audit
    #: imports afresh at every run, as ``audit`` takes it (``ansible``, ``csv``, ``xlsx``)
    inventory_kind: str = "inventory"
    #: the mapping file of an imported source (``audit --map``), or None
    mapping: Path | None = None

    @property
    def inventory_arg(self) -> str | None:
        """The audit's INVENTORY argument: the path, or ``KIND:PATH`` for a source to import
        (named by its kind, whatever its extension says)."""
        if self.inventory is None:
            return None
        if self.inventory_kind == "inventory":
            return str(self.inventory)
        return f"{self.inventory_kind}:{self.inventory}"

    @property
    def on_calendars(self) -> list[str]:
        """One OnCalendar= value per time: ``Mon..Fri *-*-* 09:30:00`` for ``09:30``."""
        prefix = DAYS[self.days][0]
        out = []
        for at in self.at:
            m = _HHMM.fullmatch(at)
            out.append(f"{prefix}*-*-* {int(m[1]):02d}:{m[2]}:00" if m else at)
        return out

    @property
    def results_path(self) -> Path:
        """The latest run's results document, replaced (atomically) by each run: the history
        database and the time-stamped reports keep the past."""
        return self.report_dir / f"{self.unit_name}-latest.json"


# --- building a spec (the one place that looks at the machine) -------------------------------


def build_schedule_command(
    inventory: str | Path | None,
    *,
    policy: str | Path | None = None,
    at: str | Sequence[str] = DEFAULT_AT,
    days: str | None = None,
    report_format: str | None = "html",
    report_dir: str | Path = "reports",
    lang: str | None = None,
    history: str | Path | None = None,
    waivers: str | Path | None = None,
    notify: str | Sequence[str] | None = None,
    syslog: bool = False,
    user: str | None = None,
    working_dir: str | Path | None = None,
    netguard: Sequence[str] | None = None,
    name: str | None = None,
    per_inventory: bool = False,
    cwd: Path | None = None,
    discover: bool = False,
    ssh_config: str | Path | None = None,
    syslog_to: str | None = None,
    syslog_ca: str | Path | None = None,
    inventory_kind: str = "inventory",
    mapping: str | Path | None = None,
) -> ScheduleSpec:
    """A ScheduleSpec from command-line style values (argparse fields map one to one).

    Relative paths are taken relative to ``cwd`` (default: the current directory — where the
    administrator typed them), because cron and systemd start elsewhere. ``lang`` defaults to
    the current locale's language: the one the administrator reads now, since a service has no
    locale of its own. ``notify`` is a command line (split with shlex, never a shell) or an
    argv; its program is looked up on PATH now, because PATH under cron is /usr/bin:/bin.
    ``history`` defaults to where the audit's user keeps it (``default_history_for``), passed
    explicitly: the unit must know which folder to make writable, and "new" critical findings
    are judged against it.
    ``inventory`` may be a source the audit imports (``inventory_kind`` ``ansible``, ``csv``,
    ``xlsx``, with its ``mapping``): the scheduled audit names both absolutely and re-reads them
    at every run, exactly as ``audit ansible:hosts.ini --map m.yaml`` does, so an edit of the
    register reaches the next run (the caller checks that the source imports now).
    Raises InputError (exit 2) for anything that would make a schedule that cannot work.
    """
    base = Path(cwd) if cwd is not None else Path.cwd()

    def absolute(value: str | Path | None, field: str, *, must_exist: bool) -> Path | None:
        if value is None or value == "":
            return None
        path = Path(os.path.abspath(base / Path(value).expanduser()))
        _check_path(path, field)
        if must_exist and not path.exists():
            raise InputError("file not found", file=path, field=field)
        return path

    inv = absolute(inventory, "inventory", must_exist=True)
    if inventory_kind not in SOURCE_KINDS:
        raise InputError(f"must be one of {', '.join(SOURCE_KINDS)}", field="inventory kind")
    mapping_path = absolute(mapping, "--map", must_exist=True)
    if mapping_path is not None and (inv is None or inventory_kind == "inventory"):
        raise InputError("--map goes with a source to import (ansible, csv, xlsx)", field="--map")
    workdir = absolute(working_dir, "--working-dir", must_exist=True) or Path(os.path.abspath(base))
    _check_path(workdir, "--working-dir")
    if report_format is not None and report_format not in REPORT_FORMATS:
        raise InputError(f"must be one of {', '.join(REPORT_FORMATS)}", field="--report")
    lang = lang or default_lang()
    if lang not in LANGS:
        raise InputError(f"must be one of {', '.join(LANGS)}", field="--lang")
    times = parse_times(at)
    days = _check_days(days, times)
    user = user or _current_user()
    if not _USER.fullmatch(user):
        raise InputError(f"not a user name: {user!r}", field="--user")
    if discover and inventory is None:
        raise InputError("the network sweep needs an inventory (its segments)", field="--discover")
    command = tuple(netguard) if netguard else default_netguard_command(workdir)
    _check_executable(command)
    ca = absolute(syslog_ca, AUDIT_FLAGS["syslog_ca"], must_exist=True)
    if syslog_to is not None or ca is not None:
        _check_collector(syslog_to, ca)
    spec = ScheduleSpec(
        inventory=inv,
        policy=absolute(policy, "--policy", must_exist=True),
        at=times,
        days=days,
        report_format=report_format,
        report_dir=absolute(report_dir, "--report-dir", must_exist=False) or workdir / "reports",
        lang=lang,
        history=_history_of(history, user, absolute),
        waivers=absolute(waivers, AUDIT_FLAGS["waivers"], must_exist=True),
        notify=_notify_argv(notify),
        syslog=syslog,
        user=user,
        working_dir=workdir,
        netguard=command,
        unit_name=unit_name(inv, name=name, per_inventory=per_inventory),
        discover=discover,
        ssh_config=_ssh_config_path(ssh_config, user, absolute),
        syslog_to=syslog_to,
        syslog_ca=ca,
        inventory_kind=inventory_kind,
        mapping=mapping_path,
    )
    return spec


def _check_collector(url: str | None, ca: Path | None) -> None:
    """``--syslog-to`` as the audit will read it (netguard.remotelog), refused now rather than
    at every scheduled run; the CA goes with a tls:// URL only."""
    from netguard.remotelog import Target

    if url is None:
        raise InputError(
            "--syslog-ca goes with --syslog-to tls://…", field=AUDIT_FLAGS["syslog_ca"]
        )
    Target.parse(
        url,
        None if ca is None else str(ca),
        fields=(AUDIT_FLAGS["syslog_to"], AUDIT_FLAGS["syslog_ca"]),
    )


def _ssh_config_path(
    value: str | Path | None, user: str, absolute: Callable[..., Path | None]
) -> Path | None:
    """``--ssh-config`` for the scheduled audit: the file named, or (given without a file) the
    audit account's ``~/.ssh/config`` — named now, absolutely, because the service's home and
    the installer's may differ. It must exist: a schedule that cannot run is never written."""
    if value is None:
        return None
    if value == "":
        value = Path(_home_of(user)) / ".ssh" / "config"
    return absolute(value, AUDIT_FLAGS["ssh_config"], must_exist=True)


def _home_of(user: str) -> str:
    import pwd

    try:
        entry = pwd.getpwuid(int(user)) if user.isdigit() else pwd.getpwnam(user)
    except KeyError:
        raise InputError(f"no such user: {user!r}", field="--user") from None
    return entry.pw_dir


def default_netguard_command(working_dir: Path) -> tuple[str, ...]:
    """This interpreter, ``-m netguard``.

    ``os.path.abspath``, not ``resolve()``: a virtualenv's python is a symlink to the system
    one, and resolving it would lose the virtualenv's packages. ``-P`` (Python 3.11) keeps the
    working directory off ``sys.path``, so a ``netguard/`` folder someone drops there cannot
    run as the audit account — unless that directory is where netguard itself is imported from
    (a source checkout), which ``-P`` would break.
    """
    import zipimport

    import netguard

    exe = os.path.abspath(sys.executable)
    if isinstance(getattr(netguard.__spec__, "loader", None), zipimport.zipimporter):
        # The single-file build: the nightly job runs the archive itself, isolated (-I) so a
        # netguard installed on the machine does not shadow the one that was scheduled.
        return (exe, "-I", str(Path(netguard.__file__).resolve().parent.parent))
    package_root = Path(netguard.__file__).resolve().parent.parent
    if package_root == working_dir.resolve():
        return (exe, "-m", "netguard")
    return (exe, "-P", "-m", "netguard")


def _history_of(
    value: str | Path | None, user: str, absolute: Callable[..., Path | None]
) -> Path | str:
    """The scheduled audit's ``--history``: an office's PostgreSQL URL as given (one with a
    password is refused: it would be in the unit file or the crontab), else the file made
    absolute, else the user's default."""
    if is_url(value):
        refuse_password(str(value))
        return str(value)
    return absolute(value, AUDIT_FLAGS["history"], must_exist=False) or default_history_for(user)


def default_history_for(user: str) -> Path | str:
    """The history database the audit's account uses by default. For the account scheduling,
    ``netguard.history.store.default_history_path`` (which honours NETGUARD_HISTORY and
    XDG_STATE_HOME, as interactive runs do); for another account, the same rule without the
    installer's environment: root → /var/lib/netguard, others → ~/.local/state/netguard.
    A PostgreSQL URL in NETGUARD_HISTORY is kept as it is."""
    if user == _current_user():
        from netguard.history.store import default_history

        found = default_history()
        return found if isinstance(found, str) else Path(os.path.abspath(found))
    if user in ("root", "0"):
        return Path("/var/lib/netguard/history.sqlite")
    try:
        import pwd

        home = Path(pwd.getpwnam(user).pw_dir)
    except (ImportError, KeyError):
        raise InputError(f"no such user: {user!r}", field="--user") from None
    return home / ".local" / "state" / "netguard" / "history.sqlite"


def unit_name(inventory: Path | None, *, name: str | None = None, per_inventory: bool) -> str:
    """``netguard-audit``, an explicit name, or ``netguard-audit-<slug of the inventory stem>``
    (so two offices scheduled on one machine get two units). Unit names are ASCII: a stem that
    loses characters to the slug (Chinese file names) gets a short hash so names stay distinct."""
    if name:
        if not _UNIT_NAME.fullmatch(name):
            raise InputError("use letters, digits, '-' and '_' only", field="--name")
        return name
    if not per_inventory or inventory is None:
        return BASE_NAME
    return f"{BASE_NAME}-{slug(inventory.stem)}"


def slug(text: str) -> str:
    """ASCII letters, digits, ``_`` and ``-`` of a file stem; a stem that is not plain ASCII or
    is long gets a hash of the whole stem, so 县财政局 and 县教育局 stay apart."""
    ascii_part = re.sub(r"[^a-z0-9_]+", "-", text.lower()).strip("-")
    if ascii_part and text.isascii() and len(ascii_part) <= 40:
        return ascii_part
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    short = ascii_part[:40].strip("-")
    return f"{short}-{digest}" if short else digest


def _current_user() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):
        return getpass.getuser()


def _notify_argv(notify: str | Sequence[str] | None) -> tuple[str, ...] | None:
    """The hook's argv (notify.hook_argv) with its program resolved to an absolute path: the
    unit or cron line runs without the caller's PATH."""
    argv = hook_argv(notify)
    if argv is None:
        return None
    program = argv[0]
    found = program if os.path.isabs(program) else shutil.which(program)
    if not found or not os.access(found, os.X_OK):
        raise InputError(f"not an executable program: {program!r}", field="--notify")
    return (os.path.abspath(found), *argv[1:])


def _check_path(path: Path, field: str) -> None:
    text = str(path)
    if find_unsafe(text):
        raise InputError("control characters or line breaks in a path", field=field)
    if text != text.strip():
        # systemd strips a value's leading and trailing white space (WorkingDirectory=).
        raise InputError("a path may not begin or end with white space", field=field)


def parse_times(at: str | Sequence[str]) -> tuple[str, ...]:
    """The times of ``--at``, each given once or several times: ``09:30``, ``09:30,14:30``, or
    an OnCalendar= expression (which may itself hold commas: ``Mon,Wed *-*-* 10:00`` is one
    expression, kept whole). Refuses an empty list, a repeated time and more than MAX_TIMES."""
    values = [at] if isinstance(at, str) else list(at)
    times: list[str] = []
    for value in values:
        pieces = [p.strip() for p in value.split(",")]
        if len(pieces) > 1 and all(_HHMM.fullmatch(p) for p in pieces):
            times += pieces
        else:
            times.append(value)
    if not times:
        raise InputError("no time given", field="--at")
    for t in times:
        _check_at(t)
    seen = [_normal_time(t) for t in times]
    repeated = sorted({t for t in seen if seen.count(t) > 1})
    if repeated:
        raise InputError(f"a time given twice: {', '.join(repeated)}", field="--at")
    if len(times) > MAX_TIMES:
        raise InputError(f"more than {MAX_TIMES} times a day", field="--at")
    return tuple(times)


def _normal_time(at: str) -> str:
    m = _HHMM.fullmatch(at)
    return f"{int(m[1]):02d}:{m[2]}" if m else at


def _check_at(at: str) -> None:
    if _HHMM.fullmatch(at):
        return
    if re.fullmatch(r"\d+:\d+", at) or not at.strip() or find_unsafe(at) or len(at) > 200:
        raise InputError(f"not a time (HH:MM) or OnCalendar expression: {at!r}", field="--at")


def _check_days(days: str | None, times: Sequence[str]) -> str:
    """``--days`` for HH:MM times; with only OnCalendar expressions (which say their own days)
    an explicit ``--days`` would be silently ignored, so it is refused."""
    if days is None:
        return DEFAULT_DAYS
    if days not in DAYS:
        raise InputError(f"must be one of {', '.join(DAYS)}", field="--days")
    if not any(_HHMM.fullmatch(t) for t in times):
        raise InputError(
            "applies to HH:MM times only; an OnCalendar expression names its own days",
            field="--days",
        )
    return days


def _check_executable(command: Sequence[str]) -> None:
    exe = command[0]
    if not os.path.isabs(exe):
        raise InputError(f"the netguard command must start with an absolute path: {exe!r}")
    _check_path(Path(exe), "netguard executable")
    bad = _exe_problem(exe)
    if bad:
        raise InputError(f"{bad}: {exe!r}", field="netguard executable")
    for arg in command:
        if find_unsafe(arg):
            raise InputError("control characters in the netguard command")


# --- the command a schedule runs (pure) -------------------------------------------------------


def audit_argv(spec: ScheduleSpec) -> list[str]:
    """The full argv of the scheduled audit. Quiet (``-q``, results to a file) so that it
    prints only errors — plus the ``report:``/``checklist:`` path lines of the CLI."""
    argv = [*spec.netguard, "audit"]
    if spec.inventory_arg is not None:
        argv.append(spec.inventory_arg)
    if spec.mapping is not None:
        argv += ["--map", str(spec.mapping)]
    if spec.policy is not None:
        argv += ["-p", str(spec.policy)]
    argv += ["--format", "json", "-o", str(spec.results_path), "-q"]
    if spec.report_format:
        argv += ["--report", spec.report_format]
    # Checklists when a critical finding appears: the emergency paperwork is ready in the
    # morning. (Also without --report: the checklists are the part that cannot wait.)
    argv += ["--report-dir", str(spec.report_dir), "--lang", spec.lang, "--checklists", "critical"]
    if spec.history is not None:
        argv += [AUDIT_FLAGS["history"], str(spec.history)]
    if spec.waivers is not None:
        argv += [AUDIT_FLAGS["waivers"], str(spec.waivers)]
    if spec.notify:
        argv += [AUDIT_FLAGS["notify"], shlex.join(spec.notify)]
    if spec.syslog:
        argv.append(AUDIT_FLAGS["syslog"])
    if spec.syslog_to is not None:
        argv += [AUDIT_FLAGS["syslog_to"], spec.syslog_to]
    if spec.syslog_ca is not None:
        argv += [AUDIT_FLAGS["syslog_ca"], str(spec.syslog_ca)]
    if spec.discover:
        argv.append(AUDIT_FLAGS["discover"])
    if spec.ssh_config is not None:
        # one word with "=": the option's value is optional, so a separate word could be read
        # as the inventory
        argv.append(f"{AUDIT_FLAGS['ssh_config']}={spec.ssh_config}")
    return argv


# --- systemd (pure) ---------------------------------------------------------------------------

_SYSTEMD_SAFE = re.compile(r"[A-Za-z0-9_@+=:,./-]+")
_C_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t",
              "\v": "\\v"}  # fmt: skip


def systemd_quote(arg: str, *, env: bool = True) -> str:
    """One word of an ``ExecStart=`` line, exactly as systemd will hand it to the program.

    systemd.service(5) and systemd.syntax(7): the line is split on white space after
    specifier expansion (``%`` → ``%%``); double quotes group a word and C escapes work inside
    them (``\\\\``, ``\\"``, ``\\n``, ``\\uXXXX``); ``$VAR``/``${VAR}`` are environment
    substitutions (``$`` → ``$$``; ``env=False`` for the executable path, which is never
    substituted); a lone ``;`` separates commands unless quoted. Words made only of safe
    characters stay bare, for readability.
    """
    if "\0" in arg:
        raise ValueError("NUL cannot be passed in an argument")
    if _SYSTEMD_SAFE.fullmatch(arg):
        return arg
    out = []
    for ch in arg:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "%":
            out.append("%%")
        elif ch == "$" and env:
            out.append("$$")
        elif ch in _C_ESCAPES:
            out.append(_C_ESCAPES[ch])
        elif not ch.isprintable() and ch != " ":
            # Controls and exotic separators as \u escapes (UTF-8 in the program's argv); a
            # \x escape would give a single byte, i.e. invalid UTF-8 for U+0080..U+009F.
            out.append(f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def systemd_exec(argv: Sequence[str]) -> str:
    """The value of ``ExecStart=``: an absolute executable, then its arguments, each quoted."""
    if not argv or not os.path.isabs(argv[0]):
        raise ValueError("ExecStart= needs an absolute executable path")
    bad = _exe_problem(argv[0])
    if bad:
        raise ValueError(bad)
    return " ".join([systemd_quote(argv[0], env=False), *(systemd_quote(a) for a in argv[1:])])


def _exe_problem(exe: str) -> str:
    """Why systemd could not start this executable path, or "". systemd refuses quotes,
    backslashes and control characters in an executable name ("contains special characters",
    whatever the quoting), and expands $VARS in argv[0] but not in the path it runs, so no
    quoting makes a '$' right in both."""
    if find_unsafe(exe) or any(c in exe for c in "\"'\\"):
        return "systemd cannot run a program whose path has quotes, backslashes or controls"
    if "$" in exe:
        return "systemd cannot run a program whose path has a '$'"
    return ""


def systemd_path(path: Path) -> str:
    """A path in a path-list setting (``ReadWritePaths=``): quotes group, ``\\`` escapes, ``%``
    is a specifier. Paths carry no control characters (rejected when the spec is built)."""
    text = str(path).replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
    return f'"{text}"'


def _specifier_safe(text: str) -> str:
    """A free-text value (Description=, WorkingDirectory=, OnCalendar=): one line, ``%``
    doubled; these settings take the rest of the line verbatim, quotes included."""
    return replace_unsafe(text, "?").replace("%", "%%")


def writable_dirs(spec: ScheduleSpec) -> list[Path]:
    """What the audit writes: the report folder (results, reports, checklists) and the folder
    of the history database (SQLite writes its journal next to the database)."""
    dirs = [spec.report_dir]
    if isinstance(spec.history, Path):  # a PostgreSQL history writes nothing here
        dirs.append(spec.history.parent)
    seen: list[Path] = []
    for d in dirs:
        if d not in seen:
            seen.append(d)
    return seen


def systemd_units(spec: ScheduleSpec) -> dict[str, str]:
    """``{"<unit>.service": text, "<unit>.timer": text}``."""
    what = spec.inventory.name if spec.inventory else "this machine"
    rw = " ".join(systemd_path(d) for d in writable_dirs(spec))
    if spec.notify:
        # The hook is the office's program and may hand mail to the local MTA: sendmail/postdrop
        # is setgid and writes /var/spool. NoNewPrivileges= would make the setgid bit a no-op and
        # ProtectSystem=strict would make /var read-only, and the alert would silently not go
        # out. So with a hook: /usr, /boot and /etc read-only (full), setgid helpers allowed.
        hardening = [
            "# With a notify hook: no NoNewPrivileges= and ProtectSystem=full, so a hook that",
            "# mails through the local MTA (setgid postdrop, /var/spool) still works.",
            "ProtectSystem=full",
        ]
    else:
        hardening = [
            "NoNewPrivileges=yes",
            "# The whole file system read-only but for what the audit writes (below).",
            "ProtectSystem=strict",
        ]
    service = [
        f"# {spec.unit_name}.service — written by `netguard schedule`; schedule again rather",
        "# than editing (or use `systemctl edit` for a drop-in).",
        "[Unit]",
        f"Description={_specifier_safe(f'netguard audit of {what}')}",
        # SSH to the office machines needs the network up, not just configured.
        "Wants=network-online.target",
        "After=network-online.target",
        "",
        "[Service]",
        "Type=oneshot",
        # Always explicit, also for root: systemd sets HOME (and so ~/.ssh for the identity
        # and known_hosts in the inventory) only when User= is set.
        f"User={spec.user}",
        f"WorkingDirectory={_specifier_safe(str(spec.working_dir))}",
        "# The exit status is kept on purpose (no SuccessExitStatus=): 1 = failing findings,",
        "# 3 = hosts or checks unknown, 2 = bad input, 4 = a report could not be rendered.",
        "# The unit shows failed when something is wrong, so `systemctl --failed` and",
        "# monitoring see it; the report in the report folder says what.",
        f"ExecStart={systemd_exec(audit_argv(spec))}",
        f"TimeoutStartSec={START_TIMEOUT}",
        "SyslogIdentifier=netguard",
        "# Results name people, rooms and weaknesses: not world-readable.",
        "UMask=0027",
        "",
        "# Hardening that keeps the audit working. It reads the inventory, the policy and",
        "# ~/.ssh (identity, known_hosts: read-only is enough, as a scheduled run never accepts",
        "# new host keys) and writes only the report folder and the history database.",
        *hardening,
        "ProtectHome=read-only",
        f"ReadWritePaths={rw}",
        *(
            [
                "# The network sweep (--discover) sends ARP and neighbor solicitations: raw",
                "# sockets, granted to this service alone (root or not).",
                "AmbientCapabilities=CAP_NET_RAW",
            ]
            if spec.discover
            else []
        ),
        # PDF rendering puts Chromium's profile in a temporary folder: a private /tmp is fine.
        "PrivateTmp=yes",
        "",
    ]
    timer = [
        f"# {spec.unit_name}.timer — written by `netguard schedule`.",
        "[Unit]",
        f"Description={_specifier_safe(f'scheduled netguard audit of {what}')}",
        "",
        "[Timer]",
        *(f"OnCalendar={_specifier_safe(when)}" for when in spec.on_calendars),
        # A machine that was off at the time runs the missed audit when it boots.
        "Persistent=true",
        f"RandomizedDelaySec={RANDOMIZED_DELAY}",
        f"Unit={spec.unit_name}.service",
        "",
        "[Install]",
        "WantedBy=timers.target",
        "",
    ]
    return {
        f"{spec.unit_name}.service": "\n".join(service),
        f"{spec.unit_name}.timer": "\n".join(timer),
    }


# --- cron (pure) ------------------------------------------------------------------------------


def cron_quote(arg: str) -> str:
    """One shell word for a crontab command: ``shlex.quote`` (cron runs /bin/sh -c) and every
    ``%`` outside the quotes as ``\\%`` — cron turns an unescaped ``%`` into a newline and
    feeds the rest to standard input. The pieces between ``%`` are quoted separately so that
    each ``\\%`` follows a quote or a safe character, never a backslash cron would pair up."""
    if find_unsafe(arg):
        raise ValueError("a crontab line cannot carry control characters or line breaks")
    if "%" not in arg:
        return shlex.quote(arg)
    # "%" alone or at an end gives empty pieces: nothing to quote there, the \% says it.
    return "\\%".join(shlex.quote(piece) if piece else "" for piece in arg.split("%"))


def _cron_join(argv: Sequence[str]) -> str:
    return " ".join(cron_quote(arg) for arg in argv)


def cron_command(spec: ScheduleSpec) -> str:
    """The command part of the crontab line (what cron hands to /bin/sh -c).

    Quiet unless wrong: cron mails whatever a job prints and ignores its exit status, and the
    audit prints a ``report: PATH`` line on every run, even with ``-q``. So the output is kept
    in a variable (``var=$(…)`` has the command's status) and printed, with one line naming the
    status, only when the status is not 0 — or when ``cd`` fails.
    """
    cd = f"cd {_cron_join([str(spec.working_dir)])}"
    explain = (
        '"netguard: scheduled audit exited with status $s '
        '(1 findings, 2 bad input, 3 unknown hosts, 4 report failed)"'
    )
    # printf's %s is written \%s: cron turns that back into %s (an unescaped % would end the
    # command). No other % in this fixed text.
    failed = f'{{ s=$?; printf \'\\%s\\n\' "$out" {explain} >&2; exit "$s"; }}'
    return f"{cd} && out=$({_cron_join(audit_argv(spec))} 2>&1) || {failed}"


def cron_lines(spec: ScheduleSpec, *, system: bool = True) -> list[str]:
    """One crontab line per time: ``MM HH * * DOW [user] command``. ``system=True`` is the
    /etc/cron.d and /etc/crontab format, which has a user field; ``False`` is for
    ``crontab -e``."""
    if spec.discover and spec.user not in ("root", "0"):
        raise InputError(
            f"the network sweep needs raw sockets, which cron cannot grant to {spec.user!r}: "
            "run it as root, or schedule with --kind systemd (CAP_NET_RAW for the service)",
            field="--discover",
        )
    user = f" {spec.user}" if system else ""
    dow = DAYS[spec.days][1]
    lines = []
    for at in spec.at:
        m = _HHMM.fullmatch(at)
        if not m:
            raise InputError(
                f"cron needs a time of day HH:MM, not {at!r} (OnCalendar is systemd only)",
                field="--at",
            )
        lines.append(f"{int(m[2])} {int(m[1])} * * {dow}{user} {cron_command(spec)}")
    return lines


def cron_file(spec: ScheduleSpec) -> str:
    """An /etc/cron.d file: a comment, a fixed PATH, the lines. Ends with a newline (cron
    ignores a last line without one)."""
    return "\n".join(
        [
            f"# {spec.unit_name} — written by `netguard schedule`: scheduled netguard audit.",
            "# Cron mails any output to the user: the audit is quiet unless something is wrong.",
            "SHELL=/bin/sh",
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            *cron_lines(spec, system=True),
            "",
        ]
    )


# --- installing (I/O) -------------------------------------------------------------------------


def planned_files(
    spec: ScheduleSpec,
    kind: Kind,
    *,
    unit_dir: Path = Path("/etc/systemd/system"),
    cron_dir: Path = Path("/etc/cron.d"),
) -> dict[Path, str]:
    """Every file ``install`` would write, with its text (pure: for a --dry-run)."""
    if kind == "systemd":
        return {unit_dir / name: text for name, text in systemd_units(spec).items()}
    if kind == "cron":
        return {cron_dir / spec.unit_name: cron_file(spec)}
    raise ValueError(f"unknown schedule kind {kind!r}")


def install(
    spec: ScheduleSpec,
    kind: Kind,
    *,
    unit_dir: Path = Path("/etc/systemd/system"),
    cron_dir: Path = Path("/etc/cron.d"),
    force: bool = False,
) -> list[Path]:
    """Write the unit files or the cron.d file, each atomically, mode 644. A file that is
    already there with other content is left alone (NetguardError, nothing written at all)
    unless ``force``; one with the same content is not rewritten. Also creates the folders the
    audit writes to, owned by the audit's user when we create them as root — under
    ProtectSystem=strict the service could not create them itself. Returns the files, written
    or already current. Never calls systemctl: see ``next_steps`` and ``activate``."""
    files = planned_files(spec, kind, unit_dir=unit_dir, cron_dir=cron_dir)
    clashes = [p for p, text in files.items() if _differs(p, text)]
    if clashes and not force:
        names = ", ".join(str(p) for p in clashes)
        raise NetguardError(f"{names}: exists with other content; use --force to replace it")
    for path, text in files.items():
        if not _differs(path, text) and path.exists():
            continue
        try:
            write_atomic(path, text)
            # 644 whatever the umask: cron ignores /etc/cron.d files writable by group/others,
            # systemd warns about world-writable units.
            path.chmod(0o644)
        except OSError as exc:
            raise NetguardError(f"cannot write {path}: {exc.strerror}") from None
    for folder in writable_dirs(spec):
        _ensure_dir(folder, spec.user)
    return list(files)


def next_steps(spec: ScheduleSpec, kind: Kind) -> list[list[str]]:
    """The commands that start the schedule (argv lists): systemd needs a reload and the timer
    enabled; cron re-reads /etc/cron.d on its own."""
    if kind == "systemd":
        return [
            ["systemctl", "daemon-reload"],
            ["systemctl", "enable", "--now", f"{spec.unit_name}.timer"],
        ]
    return []


def activate(
    spec: ScheduleSpec,
    kind: Kind,
    *,
    run: Callable[..., subprocess.CompletedProcess[bytes]] = subprocess.run,
) -> None:
    """Run ``next_steps`` (the CLI's optional last step; tests pass a fake ``run``)."""
    for argv in next_steps(spec, kind):
        try:
            done = run(argv, check=False)
        except OSError as exc:
            raise NetguardError(f"cannot run {shlex.join(argv)}: {exc.strerror}") from None
        if done.returncode != 0:
            raise NetguardError(f"{shlex.join(argv)} failed with status {done.returncode}")


def _differs(path: Path, text: str) -> bool:
    try:
        return path.read_text(encoding="utf-8") != text
    except (FileNotFoundError, NotADirectoryError):
        return False
    except (OSError, UnicodeDecodeError):  # unreadable: not ours to replace without --force
        return True


def _ensure_dir(folder: Path, user: str) -> None:
    if folder.is_dir():
        return
    # Create parents one by one so we know which ones are ours to hand over.
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise NetguardError(f"cannot create {folder}: {exc.strerror}") from None
    if hasattr(os, "geteuid") and os.geteuid() == 0 and user not in ("root", "0"):
        for p in missing:
            shutil.chown(p, user=user)

"""Tell someone about new critical findings: a hook command and/or syslog.

The audit decides what is "new" (failing now, not failing in the previous run, from the history)
and calls ``notify_critical`` once at the end of a run. A hook that fails, hangs or is missing
is reported — returned in the outcome and logged — but never changes the findings or the exit
status: the status still says what the audit found (README, "Exit codes").

The hook
--------
An argv list (from the config or ``--notify`` via ``shlex.split``), never a shell string. It
gets a JSON document (UTF-8) on standard input::

    {
      "schema": "netguard.notify/1",
      "run": {"id": "…", "time": "2024-05-01T02:31:07+00:00", …more context…},
      "counts": {"findings": 3, "hosts": 2},
      "findings": [
        {"host": {"name": "fin-pc-07", "address": "10.20.0.17", "department": "财务科",
                  "owner": "张伟", "location": "305室"},
         "check": "isolation.wireless", "severity": "critical", "title": "…",
         "message": "…", "evidence": {…}}
      ]
    }

Every host field comes from the inventory or the host and is untrusted text: a hook that puts
it into a shell command, SMS or HTML must escape it. Environment: only ``PATH``, ``LANG``,
``NETGUARD_RUN_ID`` and ``NETGUARD_CRITICAL_COUNT`` — no HOME, no SSH_AUTH_SOCK: the hook does
not get the auditor's SSH agent or credentials. It runs in its own process group, killed whole
after the timeout (default 60 s); its stdout and stderr are kept up to OUTPUT_CAP bytes each.

Syslog
------
Facility LOG_AUTH, priority LOG_CRIT, ident ``netguard`` with the pid: a finding here is a
security event, and Debian's rsyslog routes auth to /var/log/auth.log (readable by root and adm
only — the lines name machines and weaknesses), which is also what security forwarding rules
usually pick up. One line per finding, ``CRITICAL host=… address=… check=… …``; every value
from a host is cleaned of control, line-separator and bidi-override characters (see
``netguard.untrusted``), quoted when it has spaces, quotes or ``=`` (so a host name cannot forge
another field), and capped.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import shlex
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import IO, Any

from netguard.errors import InputError
from netguard.untrusted import find_unsafe, replace_unsafe

SCHEMA = "netguard.notify/1"
DEFAULT_TIMEOUT = 60.0
OUTPUT_CAP = 16 * 1024  # bytes of the hook's stdout and of its stderr kept
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
HOST_FIELDS = ("name", "address", "department", "owner", "location")

log = logging.getLogger("netguard.notify")


@dataclass(frozen=True)
class NotifyOutcome:
    """What notifying did. ``ok`` is False only when something was meant to happen and did
    not; nothing to notify is ok."""

    findings: int  # new critical findings handed over
    command: tuple[str, ...] | None = None
    ran: bool = False  # the hook was started
    returncode: int | None = None  # None: not started, or killed after the timeout
    timed_out: bool = False
    error: str = ""  # one line; "" when the hook (if any) succeeded
    stdout: str = ""  # capped
    stderr: str = ""  # capped
    syslog_lines: int = 0
    problems: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.error


# --- the document (pure) ----------------------------------------------------------------------


def hook_argv(command: str | Sequence[str] | None) -> list[str] | None:
    """The hook's argv from ``--notify``: a string split like a shell would (and never run by
    one), or an argv as it is; None for no hook. Control characters are refused: the command
    ends up in a unit file or a cron line too."""
    if command is None or command == "":
        return None
    if isinstance(command, str):
        try:
            argv = shlex.split(command)
        except ValueError as exc:
            raise InputError(f"cannot split {command!r}: {exc}", field="--notify") from None
    else:
        argv = list(command)
    if not argv:
        raise InputError("empty command", field="--notify")
    if any(find_unsafe(arg) for arg in argv):
        raise InputError("control characters in the command", field="--notify")
    return argv


def normalize_finding(finding: Mapping[str, Any]) -> dict[str, Any]:
    """A finding in the documented shape. Accepts ``host`` as a mapping of HOST_FIELDS, or the
    host name in ``host`` with the other host fields beside it (flat)."""
    host = finding.get("host")
    if isinstance(host, Mapping):
        host_fields = {k: _text(host.get(k)) for k in HOST_FIELDS}
    else:
        host_fields = {k: _text(finding.get(k)) for k in HOST_FIELDS}
        host_fields["name"] = _text(host if host is not None else finding.get("name"))
    evidence = finding.get("evidence")
    return {
        "host": host_fields,
        "check": _text(finding.get("check")),
        "severity": _text(finding.get("severity") or "critical"),
        "title": _text(finding.get("title")),
        "message": _text(finding.get("message")),
        "evidence": evidence if isinstance(evidence, Mapping) else {},
    }


def build_payload(findings: Sequence[Mapping[str, Any]], context: Mapping[str, Any]) -> dict:
    """The JSON document the hook reads. ``context`` needs ``run_id``; ``time`` (datetime or
    ISO text; default now) and anything else (inventory, results path, report paths) go into
    ``run`` as given."""
    items = [normalize_finding(f) for f in findings]
    run: dict[str, Any] = {k: v for k, v in context.items() if k not in ("run_id", "time")}
    when = context.get("time") or datetime.now(UTC)
    run = {
        "id": str(context.get("run_id", "")),
        "time": when.isoformat() if isinstance(when, datetime) else str(when),
        **run,
    }
    hosts = {(f["host"]["name"], f["host"]["address"]) for f in items}
    return {
        "schema": SCHEMA,
        "run": run,
        "counts": {"findings": len(items), "hosts": len(hosts)},
        "findings": items,
    }


def encode_payload(payload: Mapping[str, Any]) -> bytes:
    # default=str: evidence from a results document is JSON already; anything else (a date,
    # a Path from a caller) becomes text rather than an exception at the worst moment.
    return (json.dumps(payload, ensure_ascii=False, indent=2, default=str) + "\n").encode()


def hook_environment(
    run_id: str, count: int, environ: Mapping[str, str] = os.environ
) -> dict[str, str]:
    """The hook's whole environment: the audit's secrets and SSH agent stay with the audit."""
    return {
        "PATH": environ.get("PATH") or DEFAULT_PATH,
        "LANG": environ.get("LANG") or "C.UTF-8",
        "NETGUARD_RUN_ID": run_id,
        "NETGUARD_CRITICAL_COUNT": str(count),
    }


# --- syslog lines (pure) ----------------------------------------------------------------------

_BARE = re.compile(r"[^\s\"'=\\]+")
VALUE_CAP = 80
TITLE_CAP = 160
LINE_CAP = 900  # classic syslog relays cut at 1024 bytes; leave room for the header


def clean_value(text: Any, cap: int = VALUE_CAP) -> str:
    """One log field: unsafe characters become '?', length capped, quoted with ``"``/``\\``
    escaped when it is not a bare word — so no host data can end the line or forge ``key=``."""
    # Controls, line separators and bidi overrides (netguard.untrusted): no tab, no newline.
    value = replace_unsafe(_text(text), "?")
    if len(value) > cap:
        value = value[: cap - 1] + "…"
    if value and _BARE.fullmatch(value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def syslog_line(finding: Mapping[str, Any], run_id: str = "") -> str:
    """``CRITICAL host=… address=… check=… department=… owner=… location=… run=… title=…``."""
    f = normalize_finding(finding)
    h = f["host"]
    parts = [
        "CRITICAL",
        f"host={clean_value(h['name'])}",
        f"address={clean_value(h['address'])}",
        f"check={clean_value(f['check'])}",
        f"department={clean_value(h['department'])}",
        f"owner={clean_value(h['owner'])}",
        f"location={clean_value(h['location'])}",
    ]
    if run_id:
        parts.append(f"run={clean_value(run_id)}")
    parts.append(f"title={clean_value(f['title'], TITLE_CAP)}")
    line = " ".join(parts)
    # Every value is capped, so this only bites on absurd combinations; cut at a field edge
    # would be nicer, but a quoted value cut in half is still one line.
    return line if len(line) <= LINE_CAP else line[: LINE_CAP - 1] + "…"


# --- doing it (I/O) ---------------------------------------------------------------------------


def notify_critical(
    findings: list[dict],
    *,
    command: list[str] | None,
    syslog: bool,
    context: dict,
    timeout: float = DEFAULT_TIMEOUT,
    environ: Mapping[str, str] = os.environ,
) -> NotifyOutcome:
    """Hand new critical findings to the hook and/or syslog. Never raises for a failing hook
    (the outcome says what went wrong, and it is logged at WARNING); nothing to say, nothing
    run."""
    if not findings:
        return NotifyOutcome(findings=0, command=tuple(command) if command else None)
    run_id = str(context.get("run_id", ""))
    lines = 0
    problems: tuple[str, ...] = ()
    if syslog:
        try:
            lines = _to_syslog(findings, run_id)
        except (ImportError, OSError) as exc:  # no syslog module (not POSIX) or no socket
            problems = (f"syslog: {exc}",)
            log.warning("could not log to syslog: %s", exc)
    if not command:
        return NotifyOutcome(findings=len(findings), syslog_lines=lines, problems=problems)
    payload = encode_payload(build_payload(findings, context))
    env = hook_environment(run_id, len(findings), environ)
    outcome = replace(
        run_hook(list(command), payload, env=env, timeout=timeout),
        findings=len(findings),
        syslog_lines=lines,
        problems=problems,
    )
    if outcome.error:
        detail = f"; stderr: {clean_value(outcome.stderr, 300)}" if outcome.stderr.strip() else ""
        log.warning("notify hook %s %s%s", clean_value(command[0]), outcome.error, detail)
    return outcome


def run_hook(
    argv: list[str], stdin: bytes, *, env: Mapping[str, str], timeout: float
) -> NotifyOutcome:
    """Run one hook: input from a temporary file (a hook that never reads cannot block us),
    output drained by threads that keep OUTPUT_CAP bytes (one that writes forever cannot fill
    memory or disk), the whole process group killed after ``timeout``."""
    command = tuple(argv)
    with tempfile.TemporaryFile() as source:
        source.write(stdin)
        source.seek(0)
        try:
            proc = subprocess.Popen(
                argv,
                stdin=source,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=dict(env),
                start_new_session=True,  # its own process group: a timeout kills its children too
                close_fds=True,
            )
        except OSError as exc:
            return NotifyOutcome(
                findings=0, command=command, error=f"could not start {argv[0]!r}: {exc.strerror}"
            )
        out, err = _Drain(proc.stdout), _Drain(proc.stderr)
        timed_out = False
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(proc)
            proc.wait()
        # Grandchildren that left the group may still hold the pipes: don't wait for them.
        out.join(1.0)
        err.join(1.0)
    ran = NotifyOutcome(findings=0, command=command, ran=True, stdout=out.text(), stderr=err.text())
    if timed_out:
        return replace(ran, timed_out=True, error=f"did not finish in {timeout:g} s; killed")
    code = proc.returncode
    if code == 0:
        return replace(ran, returncode=0)
    error = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"
    return replace(ran, returncode=code, error=error)


class _Drain:
    """Reads a pipe to its end in a thread, keeping the first OUTPUT_CAP bytes."""

    def __init__(self, pipe: IO[bytes] | None) -> None:
        self._pipe = pipe
        self._kept = bytearray()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        pipe = self._pipe
        if pipe is None:
            return
        # Popen's pipes are buffered readers: read1 returns what has arrived, read waits for all
        read = pipe.read1 if isinstance(pipe, io.BufferedIOBase) else pipe.read
        with pipe:
            for chunk in iter(lambda: read(65536), b""):
                room = OUTPUT_CAP - len(self._kept)
                if room > 0:
                    self._kept += chunk[:room]

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def text(self) -> str:
        return bytes(self._kept).decode("utf-8", "replace")


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()


def _to_syslog(findings: Sequence[Mapping[str, Any]], run_id: str) -> int:
    import syslog

    syslog.openlog("netguard", syslog.LOG_PID, syslog.LOG_AUTH)
    try:
        for finding in findings:
            # syslog.syslog(priority, message) passes the message as "%s": no format injection.
            syslog.syslog(syslog.LOG_CRIT, syslog_line(finding, run_id))
    finally:
        syslog.closelog()
    return len(findings)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


# --- from a results document ------------------------------------------------------------------


def critical_findings(
    results: Any, is_new: Callable[[str, str], bool] = lambda host, check: True
) -> list[dict[str, Any]]:
    """The failing critical findings of a ``results.Results``, in the hook's shape, that
    ``is_new(host_name, check)`` accepts (the lead's history decides what is new)."""
    out = []
    for h in results.hosts:
        for f in h.findings:
            if f.status == "fail" and f.severity == "critical" and is_new(h.name, f.check):
                out.append(
                    {
                        "host": {k: getattr(h, k) for k in HOST_FIELDS},
                        "check": f.check,
                        "severity": f.severity,
                        "title": f.title,
                        "message": f.message,
                        "evidence": f.evidence,
                    }
                )
    return out

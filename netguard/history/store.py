"""The audit history: every run's results in one SQLite file, or in an office's shared
PostgreSQL database (``postgresql://…``), written as the audit goes.

Where the file lives (``default_history_path``), its tables and migrations, what survives an
interruption and what a shared store guarantees are described in docs/history.md. The SQL is
written once; what differs between the two databases is in sql.py (and postgres.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from netguard import __version__
from netguard.errors import InputError
from netguard.history import postgres, schema
from netguard.history.model import RunSummary
from netguard.history.sql import SQLITE, Connection, Dialect, HistoryUnavailable, dialect_of
from netguard.model import FindingStatus, HostResult, HostStatus
from netguard.results import (
    SCHEMA,
    inventory_block,
    parse_results,
    run_waivers_block,
    summarize_hosts,
    summarize_statuses,
)

if TYPE_CHECKING:
    from netguard.results import Run

# Host and finding keys that have their own columns; any other key of a host goes to
# ``hosts.extra``, any other key of a finding into its payload, so nothing is lost.
_HOST_COLUMNS = (
    "name", "address", "segment", "zone", "os", "department", "owner", "location", "status",
    "detail", "duration_s",
)  # fmt: skip
_FINDING_COLUMNS = ("check", "category", "status", "severity", "reason", "waiver")
_KIND_KEYS = ("check", "category", "severity", "reason")
# Key order of Finding.to_dict, so a rebuilt document reads like a written one.
_FINDING_ORDER = (
    "check", "category", "status", "severity", "title", "message", "reason", "args",
    "remediation", "evidence",
)  # fmt: skip
_RUN_KEYS = ("id", "started", "finished", "inventory", "policy", "complete")
_DOC_KEYS = ("schema", "netguard_version", "run", "summary", "hosts")

#: Flush the buffered hosts to the database every this many hosts, or this many seconds.
BATCH_HOSTS = 200
BATCH_SECONDS = 2.0


def default_history() -> str | Path:
    """The history used when none is given: ``$NETGUARD_HISTORY`` may name a PostgreSQL
    database (``postgresql://…``); otherwise ``default_history_path``."""
    explicit = os.environ.get("NETGUARD_HISTORY", "")
    return explicit if postgres.is_url(explicit) else default_history_path()


def history_target(given: str | Path | None) -> str | Path:
    """What ``--history`` names: a PostgreSQL URL (kept as text), else a SQLite file."""
    if given is None or given == "":
        return default_history()
    return given if postgres.is_url(given) else Path(given)


def history_exists(target: str | Path) -> bool:
    """Whether there is a history to read without creating one: a file that exists; a
    database server, always (whether it answers is found when it is opened)."""
    return postgres.is_url(target) or Path(target).exists()


def default_history_path() -> Path:
    """Where the history lives unless a path is given.

    1. ``$NETGUARD_HISTORY`` if set (and not empty);
    2. for root: ``/var/lib/netguard/history.sqlite`` (the nightly system job);
    3. otherwise ``$XDG_STATE_HOME/netguard/history.sqlite``, ``$XDG_STATE_HOME`` defaulting to
       ``~/.local/state`` (the XDG base directory rule for state that outlives a run).
    """
    explicit = os.environ.get("NETGUARD_HISTORY")
    if explicit:
        return Path(explicit).expanduser()
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return Path("/var/lib/netguard/history.sqlite")
    state = os.environ.get("XDG_STATE_HOME") or os.path.join("~", ".local", "state")
    return Path(state).expanduser() / "netguard" / "history.sqlite"


def open_store(target: str | Path | None = None) -> Store:
    """Open (creating or upgrading) the history ``target`` names: a SQLite file, or a
    PostgreSQL URL (default: default_history)."""
    return Store(history_target(target))


class Store:
    """One history: a SQLite file or a PostgreSQL database. Use as a context manager, or call
    ``close()``."""

    def __init__(self, target: str | Path) -> None:
        #: the SQLite file (None for a PostgreSQL database)
        self.path: Path | None = None if postgres.is_url(target) else Path(target)
        #: where the history is, as messages name it (a URL without its password)
        self.where = str(self.path) if self.path is not None else postgres.redact(str(target))
        # What this connection knows is committed, to skip re-sending it; a transaction's
        # additions join only once it commits (a rollback must not leave dangling ids).
        self._payloads_known: set[bytes] = set()
        self._payloads_pending: set[bytes] = set()
        self._kinds: dict[tuple[Any, ...], int] | None = None  # loaded on first write
        self._kinds_pending: dict[tuple[Any, ...], int] = {}
        self._conn: Connection = (
            self._connect(self.path) if self.path is not None else postgres.connect(str(target))
        )
        self.dialect: Dialect = dialect_of(self._conn)
        try:
            with self._errors(), self.dialect.schema_lock(self._conn):
                self._check_and_migrate()
                if self.path is not None:
                    # WAL: readers (history list, report) never block the nightly writer, and
                    # a killed writer's open transaction is simply not in the log. FULL: a
                    # commit is on disk when it returns, also across a power cut; with batched
                    # commits that is one fsync per 200 hosts, nothing next to the audit itself.
                    self._conn.execute("PRAGMA journal_mode = WAL")
                    self._conn.execute("PRAGMA synchronous = FULL")
                    self._conn.execute("PRAGMA foreign_keys = ON")
        except BaseException:
            self._conn.close()
            raise

    # -- opening ---------------------------------------------------------------------------

    def _connect(self, path: Path) -> sqlite3.Connection:
        if path.is_dir():
            raise InputError("is a directory, not a history database", file=self.where)
        if not path.exists():
            # The history names owners and their machines' weaknesses: only its owner reads it.
            try:
                path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            except FileExistsError:
                pass  # another netguard created it meanwhile: open that one
            except OSError as exc:
                raise InputError(f"cannot create the history: {exc}", file=self.where) from None
        try:
            # isolation_level=None: no implicit transactions; every write says BEGIN itself.
            return sqlite3.connect(path, timeout=30.0, isolation_level=None)
        except sqlite3.Error as exc:
            raise InputError(f"cannot open the history: {exc}", file=self.where) from None

    def _check_and_migrate(self) -> None:
        known = len(schema.MIGRATIONS)
        app_id, version = self._header()
        if app_id not in (0, schema.APPLICATION_ID) or (
            app_id == 0 and self.dialect.has_tables(self._conn)
        ):
            what = "an SQLite" if self.dialect is SQLITE else "a PostgreSQL"
            raise InputError(
                f"{what} database, but not a netguard history (refusing to write into it)",
                file=self.where,
            )
        if version > known:
            raise InputError(
                f"history schema version {version}, this netguard knows up to {known}: "
                "use a newer netguard (the database is left as it is)",
                file=self.where,
            )
        while version < known:
            with self.transaction():
                _, now = self._header()  # another process may have migrated meanwhile
                if now == version:
                    schema.MIGRATIONS[version](self._conn)
                    self.dialect.set_version(self._conn, version + 1)
            version = self._header()[1]

    def _header(self) -> tuple[int, int]:
        return self.dialect.header(self._conn)

    @property
    def schema_version(self) -> int:
        return self._header()[1]

    # -- plumbing --------------------------------------------------------------------------

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """The database's errors (corrupt file, not a database, locked too long, server gone)
        name the history; a PostgreSQL server that cannot be reached is HistoryUnavailable."""
        try:
            yield
        except self.dialect.error as exc:
            if self.dialect.unreachable(exc, self._conn):
                raise HistoryUnavailable(postgres.describe(exc), file=self.where) from None
            if isinstance(exc, self.dialect.integrity_error):
                raise InputError(
                    f"history database refused the write: {exc}", file=self.where
                ) from exc
            raise InputError(
                f"not a usable netguard history database: {exc}", file=self.where
            ) from exc

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """BEGIN … COMMIT (SQLite: BEGIN IMMEDIATE), rolled back on any exception
        (KeyboardInterrupt too)."""
        with self._errors():
            self._conn.execute(self.dialect.begin)
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                self._rollback()
                self._payloads_pending.clear()
                self._kinds_pending.clear()
                raise
            self._payloads_known |= self._payloads_pending
            self._payloads_pending.clear()
            if self._kinds is not None:
                self._kinds.update(self._kinds_pending)
            self._kinds_pending.clear()

    def _rollback(self) -> None:
        try:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
        except self.dialect.error as exc:
            if not self.dialect.unreachable(exc, self._conn):
                raise
            # the connection is gone: so is its transaction (the server rolls it back)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------

    def begin(
        self, run: Run, *, batch_hosts: int = BATCH_HOSTS, batch_seconds: float = BATCH_SECONDS
    ) -> RunWriter:
        """Record that ``run`` has begun (committed at once, marked incomplete)."""
        key = self._insert_run(
            id=run.id,
            started=run.started.isoformat(),
            finished=None,
            inventory=inventory_block(run.inventory),
            policy={"name": run.policy.name, "path": run.policy.path, "sha256": run.policy.sha256},
            version=__version__,
            hosts_expected=len(run.inventory.hosts),
            run_extra=None,
        )
        order = {h.name: i for i, h in enumerate(run.inventory.hosts)}
        return RunWriter(self, key, run.id, order, batch_hosts, batch_seconds)

    def record(self, doc: dict[str, Any], source: str = "<results>") -> str:
        """Import a whole results document in one transaction; returns its run id.

        ``run.complete: false`` in the document (one exported from an interrupted run) keeps
        the run incomplete; otherwise it is complete. A run the history has only in part is
        replaced; a complete one is refused.
        """
        parse_results(doc, source)  # the one validator: refused here, nothing is stored
        run, hosts = doc["run"], doc["hosts"]
        with self.transaction():
            # the history holds this run in part only (interrupted, or its database went away
            # during the audit): the results file is whole, and replaces that part
            self._conn.execute("DELETE FROM runs WHERE id = ? AND complete = 0", (run["id"],))
            key = self._insert_run_row(
                id=run["id"],
                started=run["started"],
                finished=run.get("finished"),
                inventory=run.get("inventory") or {},
                policy=run.get("policy") or {},
                version=str(doc.get("netguard_version", "")),
                hosts_expected=len(hosts),
                run_extra={k: v for k, v in run.items() if k not in _RUN_KEYS} or None,
            )
            self._write_hosts(key, list(enumerate(hosts)))
            doc_extra = {k: v for k, v in doc.items() if k not in _DOC_KEYS} or None
            if run.get("complete", True) is not False:
                self._complete(key, run.get("finished"), doc_extra)
            elif doc_extra:
                self._conn.execute(
                    "UPDATE runs SET doc_extra = ? WHERE key = ?", (_json(doc_extra), key)
                )
        return str(run["id"])

    def _insert_run(self, **fields: Any) -> int:
        with self.transaction():
            return self._insert_run_row(**fields)

    def _insert_run_row(
        self,
        *,
        id: str,
        started: str,
        finished: str | None,
        inventory: dict[str, Any],
        policy: dict[str, Any],
        version: str,
        hosts_expected: int,
        run_extra: dict[str, Any] | None,
    ) -> int:
        if self._conn.execute("SELECT 1 FROM runs WHERE id = ?", (id,)).fetchone():
            raise InputError(f"run {id} is already in the history", file=self.where)
        return self.dialect.insert_key(
            self._conn,
            "INSERT INTO runs (id, started, started_us, finished, inventory_path,"
            " inventory_sha256, inventory_name, policy_name, policy_path, policy_sha256,"
            " netguard_version, hosts_expected, run_extra, recorded)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                id,
                started,
                _epoch_us(started),
                finished,
                str(inventory.get("path") or ""),
                str(inventory.get("sha256") or ""),
                str(inventory.get("name") or ""),
                str(policy.get("name") or ""),
                str(policy.get("path") or ""),
                str(policy.get("sha256") or ""),
                version,
                hosts_expected,
                _json(run_extra) if run_extra else None,
                datetime.now(UTC).isoformat(),
            ),
            "key",
        )

    def _write_hosts(self, run_key: int, hosts: Sequence[tuple[int, dict[str, Any]]]) -> None:
        """Insert hosts (pos, host dict) and their findings; the caller holds the transaction.

        Shared rows (kinds, then payloads) are inserted in one global order (sorted), so two
        collectors writing into one PostgreSQL database at once wait for each other at worst,
        never deadlock."""
        host_rows = []
        finding_rows = []
        payloads: dict[bytes, str] = {}
        kind_ids = self._kind_ids(
            tuple(f.get(k) for k in _KIND_KEYS) for _, h in hosts for f in h.get("findings") or ()
        )
        for pos, h in hosts:
            host_rows.append(_host_row(run_key, pos, h))
            for n, f in enumerate(h.get("findings") or ()):
                body = _json({k: v for k, v in f.items() if k not in _FINDING_COLUMNS})
                digest = hashlib.blake2b(body.encode(), digest_size=16).digest()
                if digest not in self._payloads_known:
                    payloads[digest] = body
                waiver = f.get("waiver")
                finding_rows.append((
                    run_key, pos, n, kind_ids[tuple(f.get(k) for k in _KIND_KEYS)], f.get("status"),
                    None if waiver is None else _json(waiver), digest,
                ))  # fmt: skip
        c = self._conn
        c.executemany(
            "INSERT INTO payloads VALUES (?, ?) ON CONFLICT DO NOTHING", sorted(payloads.items())
        )
        c.executemany(f"INSERT INTO hosts VALUES ({','.join('?' * 14)})", host_rows)
        c.executemany("INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?)", finding_rows)
        self._payloads_pending.update(payloads)

    def _kind_ids(self, kinds: Iterable[tuple[Any, ...]]) -> dict[tuple[Any, ...], int]:
        """The id of each kind, new ones inserted (in the order of their keys); another
        collector may insert the same kind at the same time: the insert then does nothing, the
        select finds its row."""
        if self._kinds is None:
            self._kinds = {
                tuple(json.loads(key)): id
                for id, key in self._conn.execute("SELECT id, key FROM kinds")
            }
        out: dict[tuple[Any, ...], int] = {}
        new: dict[str, tuple[Any, ...]] = {}
        for kind in kinds:
            found = self._kinds.get(kind) or self._kinds_pending.get(kind)
            if found is not None:
                out[kind] = found
            else:
                new[_json(kind)] = kind
        for key in sorted(new):
            kind = new[key]
            self._conn.execute(
                "INSERT INTO kinds (check_id, category, severity, reason, key)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (*kind, key),
            )
            found = self._conn.execute("SELECT id FROM kinds WHERE key = ?", (key,)).fetchone()[0]
            out[kind] = self._kinds_pending[kind] = int(found)
        return out

    def _complete(
        self, run_key: int, finished: str | None, doc_extra: dict[str, Any] | None
    ) -> None:
        """Mark a run complete and fix its counts, computed in SQL; inside a transaction."""
        counts = self._counts(run_key)
        self._conn.execute(
            "UPDATE runs SET finished = ?, complete = 1, doc_extra = ?, n_hosts = ?,"
            " n_audited = ?, n_compliant = ?, n_failing = ?, n_unknown = ?, n_waived = ?"
            " WHERE key = ?",
            (finished, _json(doc_extra) if doc_extra else None, *counts, run_key),
        )

    def _counts(self, run_key: int) -> tuple[int, int, int, int, int, int]:
        """hosts, audited, compliant, failing, unknown, waived (findings, not hosts), by the
        results document's own counting rules (results.summarize_statuses). Passing findings
        decide nothing, so only the others are read (an index holds them)."""
        statuses: dict[int, list[str]] = {}
        host_status: dict[int, str] = {}
        for pos, status in self._conn.execute(
            "SELECT pos, status FROM hosts WHERE run = ? ORDER BY pos", (run_key,)
        ):
            host_status[pos] = status
            statuses[pos] = []
        # 'pass' literally: SQLite uses the partial index findings_not_passing only when the
        # query names its term as written (schema.py)
        for pos, status in self._conn.execute(
            "SELECT pos, status FROM findings WHERE run = ? AND status <> 'pass'", (run_key,)
        ):
            statuses.setdefault(pos, []).append(status)
        s = summarize_statuses((host_status[pos], statuses[pos]) for pos in host_status)
        waived = s["finding_status"][FindingStatus.WAIVED]
        return (s["hosts"], s["audited"], s["compliant"], s["failing"], s["unknown"], waived)

    # -- reading ---------------------------------------------------------------------------

    def runs(self, limit: int | None = None) -> list[RunSummary]:
        """Runs, newest first (incomplete ones included, marked)."""
        with self._errors():
            rows = self._conn.execute(
                f"SELECT {_SUMMARY_COLUMNS} FROM runs ORDER BY started_us DESC, key DESC"
                + ("" if limit is None else " LIMIT ?"),
                () if limit is None else (limit,),
            ).fetchall()
            return [self._summary(row) for row in rows]

    def summary(self, run_id: str) -> RunSummary:
        with self._errors():
            row = self._conn.execute(
                f"SELECT {_SUMMARY_COLUMNS} FROM runs WHERE id = ?", (run_id,)
            ).fetchone()
            if row is None:
                raise InputError(f"no run {run_id!r} in the history", file=self.where)
            return self._summary(row)

    def previous_complete(self, before: datetime, scope: str | None = None) -> RunSummary | None:
        """The newest complete run that started before ``before`` (what a diff compares with,
        and what decides which critical findings are new): interrupted runs are skipped,
        however many of them there are. ``scope``: runs of that office only (RunSummary.scope)
        — two offices sharing one history never stand in for each other."""
        where, args = _scoped(scope)
        with self._errors():
            row = self._conn.execute(
                f"SELECT {_SUMMARY_COLUMNS} FROM runs WHERE complete = 1 AND started_us < ?"
                f"{where} ORDER BY started_us DESC, key DESC LIMIT 1",
                (_epoch_us(before.isoformat()), *args),
            ).fetchone()
            return self._summary(row) if row is not None else None

    def trend(self, until: datetime, limit: int, scope: str | None = None) -> list[RunSummary]:
        """The last ``limit`` complete runs that started no later than ``until``, oldest first
        (what a trend chart plots, ending with the run reported); ``scope``: one office's."""
        where, args = _scoped(scope)
        with self._errors():
            rows = self._conn.execute(
                f"SELECT {_SUMMARY_COLUMNS} FROM runs WHERE complete = 1 AND started_us <= ?"
                f"{where} ORDER BY started_us DESC, key DESC LIMIT ?",
                (_epoch_us(until.isoformat()), *args, limit),
            ).fetchall()
            return [self._summary(row) for row in reversed(rows)]

    def _summary(self, row: sqlite3.Row | tuple[Any, ...]) -> RunSummary:
        (key, id, started, finished, complete, inv_path, inv_sha, inv_name, pol_name, pol_sha,
         *counts) = row  # fmt: skip
        if counts[0] is None:  # incomplete: count what has been recorded so far
            counts = list(self._counts(key))
        hosts, audited, compliant, failing, unknown, waived = counts
        return RunSummary(
            id=id,
            started=_parse_time(started),
            finished=_parse_time(finished) if finished else None,
            complete=bool(complete),
            inventory_path=inv_path,
            inventory_sha256=inv_sha,
            inventory_name=inv_name,
            policy_name=pol_name,
            policy_sha256=pol_sha,
            hosts=hosts,
            audited=audited,
            compliant=compliant,
            failing=failing,
            unknown=unknown,
            waived=waived,
        )

    def resolve(self, ref: str) -> str:
        """A run id from a reference.

        ``latest`` / ``previous`` / ``-1``, ``-2``, …: the newest, second newest, n-th newest
        *complete* run (an interrupted run is never picked by position: reach it by id);
        otherwise a full run id, or a unique prefix of at least 4 characters.
        """
        ref = ref.strip()
        nth = {"latest": 1, "previous": 2}.get(ref.lower())
        if nth is None and ref.startswith("-") and ref[1:].isdigit() and int(ref[1:]) > 0:
            nth = int(ref[1:])
        with self._errors():
            if nth is not None:
                return self._nth_complete(ref, nth)
            if self._conn.execute("SELECT 1 FROM runs WHERE id = ?", (ref,)).fetchone():
                return ref
            if len(ref) < 4:
                raise InputError(
                    f"run {ref!r}: give at least 4 characters of a run id, or latest, previous, "
                    "-1, -2, …",
                    file=self.where,
                )
            ids = [
                r[0]
                for r in self._conn.execute(
                    "SELECT id FROM runs WHERE substr(id, 1, ?) = ? ORDER BY started_us DESC",
                    (len(ref), ref),
                )
            ]
        if not ids:
            raise InputError(f"no run {ref!r} in the history", file=self.where)
        if len(ids) > 1:
            shown = ", ".join(ids[:5]) + (", …" if len(ids) > 5 else "")
            raise InputError(
                f"run {ref!r} is ambiguous: {len(ids)} runs start so ({shown})", file=self.where
            )
        return str(ids[0])

    def _nth_complete(self, ref: str, nth: int) -> str:
        row = self._conn.execute(
            "SELECT id FROM runs WHERE complete = 1 ORDER BY started_us DESC, key DESC"
            " LIMIT 1 OFFSET ?",
            (nth - 1,),
        ).fetchone()
        if row is None:
            have = self._conn.execute("SELECT COUNT(*) FROM runs WHERE complete = 1").fetchone()[0]
            raise InputError(
                f"run {ref!r}: the history has {have} complete run(s), not {nth}", file=self.where
            )
        return str(row[0])

    def document(self, run_id: str) -> dict[str, Any]:
        """The results document of a past run (``netguard.results/1``), rebuilt from the history,
        with ``run.complete`` added (false: the audit was interrupted, its hosts are partial)."""
        with self._errors():
            run = self._run_row(run_id)
            hosts = self._hosts(run[0])
        return {
            "schema": SCHEMA,
            "netguard_version": run[10],
            "run": _run_doc(run),
            "summary": summarize_hosts(hosts),
            "hosts": hosts,
            **(json.loads(run[12]) if run[12] else {}),
        }

    def excerpt(self, run_id: str, zone: str, check: str) -> dict[str, Any]:
        """Of a past run, its ``run`` block and the hosts of one zone with only one check's
        findings: what a question about a few machines needs (the media the internet machines
        listed), without rebuilding a city-wide run in memory. No summary: it would count only
        the excerpt."""
        with self._errors():
            run = self._run_row(run_id)
            hosts = self._hosts(run[0], zone=zone, check=check)
        return {"schema": SCHEMA, "run": _run_doc(run), "hosts": hosts}

    def outcomes(self, run_id: str) -> tuple[set[tuple[str, str]], set[str]]:
        """Of a past run: the (host, check) pairs that failed and the hosts not audited, read
        from the narrow columns alone (what the alerts compare against, at city scale too)."""
        with self._errors():
            key = self._run_row(run_id)[0]
            failing = {
                (str(name), str(check))
                for name, check in self._conn.execute(
                    "SELECT h.name, k.check_id FROM findings f"
                    " JOIN hosts h ON h.run = f.run AND h.pos = f.pos"
                    " JOIN kinds k ON k.id = f.kind WHERE f.run = ? AND f.status = ?",
                    (key, FindingStatus.FAIL.value),
                )
            }
            unaudited = {
                str(name)
                for (name,) in self._conn.execute(
                    "SELECT name FROM hosts WHERE run = ? AND status <> ?",
                    (key, HostStatus.AUDITED.value),
                )
            }
        return failing, unaudited

    def _run_row(self, run_id: str) -> Any:
        run = self._conn.execute(
            "SELECT key, id, started, finished, complete, inventory_path, inventory_sha256,"
            " policy_name, policy_path, policy_sha256, netguard_version, run_extra,"
            " doc_extra, inventory_name FROM runs WHERE id = ?",
            (run_id,),
        ).fetchone()
        if run is None:
            raise InputError(f"no run {run_id!r} in the history", file=self.where)
        return run

    def _hosts(
        self, run_key: int, *, zone: str | None = None, check: str | None = None
    ) -> list[dict[str, Any]]:
        hosts: dict[int, dict[str, Any]] = {}
        in_zone, zone_args = ("", ()) if zone is None else (" AND zone = ?", (zone,))
        for row in self._conn.execute(
            "SELECT pos, name, address, segment, zone, os, department, owner, location, status,"
            " detail, duration, extra FROM hosts WHERE run = ?" + in_zone + " ORDER BY pos",
            (run_key, *zone_args),
        ):
            h = {k: v for k, v in zip(_HOST_COLUMNS, row[1:12], strict=True) if v is not None}
            h["findings"] = []
            if row[12]:
                h.update(json.loads(row[12]))
            hosts[row[0]] = h
        kinds = {
            id: dict(zip(_KIND_KEYS, json.loads(key), strict=True))
            for id, key in self._conn.execute("SELECT id, key FROM kinds")
        }
        of_check, check_args = ("", ()) if check is None else (" AND k.check_id = ?", (check,))
        for pos, kind, status, waiver, body in self._conn.execute(
            "SELECT f.pos, f.kind, f.status, f.waiver, p.body FROM findings f"
            " JOIN payloads p ON p.digest = f.payload JOIN kinds k ON k.id = f.kind"
            " WHERE f.run = ?" + of_check + " ORDER BY f.pos, f.n",
            (run_key, *check_args),
        ):
            if pos not in hosts:
                continue  # a host of another zone
            cols = {**kinds[kind], "status": status}
            hosts[pos]["findings"].append(_finding_dict(cols, json.loads(body), waiver))
        return list(hosts.values())


_SUMMARY_COLUMNS = (
    "key, id, started, finished, complete, inventory_path, inventory_sha256, inventory_name,"
    " policy_name, policy_sha256, n_hosts, n_audited, n_compliant, n_failing, n_unknown, n_waived"
)


class RunWriter:
    """Writes one run's hosts as they come: buffered, committed in batches.

    What is committed stays committed: a kill leaves the run incomplete with every batch
    written so far. ``close()`` (or leaving a ``with`` block) commits the buffered hosts and
    leaves the run incomplete unless ``finish()`` was called.
    """

    def __init__(
        self,
        store: Store,
        run_key: int,
        run_id: str,
        order: dict[str, int],
        batch_hosts: int,
        batch_seconds: float,
    ) -> None:
        self.store = store
        self.run_id = run_id
        self._key = run_key
        self._order = order
        self._next_pos = len(order)  # for a host that is not in the inventory (never expected)
        self._batch_hosts = max(1, batch_hosts)
        self._batch_seconds = batch_seconds
        self._buffer: list[tuple[int, dict[str, Any]]] = []
        self._oldest = 0.0
        self._seen: set[str] = set()
        self.committed = 0  # hosts committed so far
        self.finished = False

    def add(self, result: HostResult) -> None:
        """Buffer one host's result; commits when the batch is full or old enough."""
        self._add_dict(result.to_dict())

    def _add_dict(self, host: dict[str, Any], *, may_flush: bool = True) -> None:
        if self.finished:
            raise RuntimeError("run already finished")
        name = host["name"]
        if name in self._seen:
            return  # the same host twice (a caller's retry): the first result stands
        self._seen.add(name)
        pos = self._order.get(name)
        if pos is None:
            pos, self._next_pos = self._next_pos, self._next_pos + 1
        if not self._buffer:
            self._oldest = time.monotonic()
        self._buffer.append((pos, host))
        if may_flush and (
            len(self._buffer) >= self._batch_hosts
            or time.monotonic() - self._oldest >= self._batch_seconds
        ):
            self.flush()

    def flush(self) -> None:
        """Commit the buffered hosts now (one transaction)."""
        if not self._buffer:
            return
        with self.store.transaction():
            self.store._write_hosts(self._key, self._buffer)
        self._committed()

    def _committed(self) -> None:
        self.committed += len(self._buffer)
        self._buffer = []

    def finish(self, run: Run) -> None:
        """Write what is left (and any result of ``run`` never added), mark it complete."""
        for result in run.results:
            if result.host.name not in self._seen:
                self._add_dict(result.to_dict(), may_flush=False)  # one transaction below
        finished = run.finished.isoformat() if run.finished else None
        doc_extra = _run_doc_extra(run)
        with self.store.transaction():
            self.store._write_hosts(self._key, self._buffer)
            self.store._complete(self._key, finished, doc_extra)
        self._committed()
        self.finished = True

    def close(self) -> None:
        if not self.finished:
            self.flush()

    def __enter__(self) -> RunWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


# -- rows and dicts ---------------------------------------------------------------------------


def _run_doc_extra(run: Run) -> dict[str, Any] | None:
    """The top-level keys run_document adds besides hosts and summary: the ``waivers`` block
    when the run used a waivers file (computed by the same function, from the same results)."""
    out: dict[str, Any] = {}
    if run.sweep is not None:  # the network sweep's block (run_document writes the same)
        out["network"] = run.sweep.to_dict()
    block = run_waivers_block(run)
    if block is not None:
        out["waivers"] = block
    return out or None


def _json(value: Any) -> str:
    # default=str: as the JSON document does for the odd non-JSON value in evidence
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _run_doc(run: Any) -> dict[str, Any]:
    """A results document's ``run`` block from a row of ``Store._run_row``."""
    return {
        "id": run[1],
        "started": run[2],
        "finished": run[3],
        "inventory": {
            "path": run[5],
            "sha256": run[6],
            **({"name": run[13]} if run[13] else {}),
        },
        "policy": {"name": run[7], "path": run[8], "sha256": run[9]},
        **(json.loads(run[11]) if run[11] else {}),
        "complete": bool(run[4]),
    }


def _host_row(run_key: int, pos: int, h: dict[str, Any]) -> tuple[Any, ...]:
    extra = {k: v for k, v in h.items() if k not in _HOST_COLUMNS and k != "findings"}
    return (
        run_key,
        pos,
        *(h.get(k) for k in _HOST_COLUMNS),
        _json(extra) if extra else None,
    )


def _finding_dict(
    cols: dict[str, Any], payload: dict[str, Any], waiver: str | None
) -> dict[str, Any]:
    merged = {**payload, **{k: v for k, v in cols.items() if v is not None}}
    out = {k: merged.pop(k) for k in _FINDING_ORDER if k in merged}
    out.update(merged)
    if waiver is not None:
        out["waiver"] = json.loads(waiver)
    return out


def _scoped(scope: str | None) -> tuple[str, tuple[str, ...]]:
    """The SQL condition (and its argument) that keeps one office's runs; none for None."""
    return ("", ()) if scope is None else (f" AND {schema.SCOPE} = ?", (scope,))


def _parse_time(text: str) -> datetime:
    t = datetime.fromisoformat(text)
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _epoch_us(text: str) -> int:
    t = _parse_time(text)
    return (t - datetime(1970, 1, 1, tzinfo=UTC)) // _US


_US = datetime.resolution  # one microsecond

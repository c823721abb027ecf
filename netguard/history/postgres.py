"""The history in PostgreSQL: an office's shared store that several collectors write at once.

Only this module imports the driver (psycopg 3, the optional extra ``netguard[postgres]``).
The URL is libpq's (``postgresql://user@host:port/db?sslmode=…``); the password never is in
it: ~/.pgpass, ``passfile=`` or PGPASSWORD give it, as libpq reads them (docs/history.md,
"A shared PostgreSQL store"). What differs from SQLite is ``PostgresDialect``; the store's SQL
is SQLite's, translated here once per statement.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from netguard.errors import InputError
from netguard.history.sql import Connection, Dialect, HistoryUnavailable

if TYPE_CHECKING:
    import psycopg

SCHEMES = ("postgresql://", "postgres://")

#: How long a collector waits for the database to answer at the start of an audit, and how
#: long an unacknowledged write may hang before the connection counts as gone (libpq's
#: connect_timeout and tcp_user_timeout; a URL that sets them wins).
CONNECT_TIMEOUT_S = 10
TCP_USER_TIMEOUT_MS = 30_000

#: The header table: one row, the application id and the schema version (what SQLite keeps in
#: PRAGMA application_id and user_version).
HEADER = "netguard_history"


def is_url(target: object) -> bool:
    """Whether a --history value names a PostgreSQL database rather than a SQLite file."""
    return isinstance(target, str) and target.lower().startswith(SCHEMES)


def redact(url: str) -> str:
    """The URL as it may be shown: any password in it (``user:PASSWORD@``, ``password=``)
    replaced by ``***``."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hosts = netloc.rpartition("@")
        if ":" in userinfo:
            userinfo = userinfo.split(":", 1)[0] + ":***"
        netloc = f"{userinfo}@{hosts}"
    query = "&".join(
        f"{k}=***" if k.lower() == "password" else f"{k}={v}"
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    )
    shown = f"{parts.scheme}://{netloc}{parts.path}"
    return shown + (f"?{query}" if query else "")


def refuse_password(url: str) -> None:
    """A URL that carries a password is bad input: it would be in ``ps``, in unit files and in
    shell histories (libpq reads it from ~/.pgpass, a ``passfile=`` or PGPASSWORD instead)."""
    parts = urlsplit(url)
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    if ":" in userinfo or any(k.lower() == "password" for k, _ in parse_qsl(parts.query)):
        raise InputError(
            "the URL carries a password, which every user of this machine could read (ps): "
            "put it in ~/.pgpass, a passfile= or PGPASSWORD instead",
            file=redact(url),
            field="--history",
        )


def connect(url: str) -> PgConnection:
    """A connection to the history at ``url``, in autocommit mode (the store says BEGIN itself).

    Refused as bad input: a password in the URL (it would be in ``ps``, in unit files and in
    shell histories). Raised as unreachable: the server could not be reached or refused the
    login (``HistoryUnavailable``, store.py)."""
    where = redact(url)
    refuse_password(url)
    try:
        import psycopg
    except ImportError:
        raise InputError(
            "a PostgreSQL history needs psycopg: pip install 'netguard[postgres]'",
            file=where,
            field="--history",
        ) from None
    given = {k.lower() for k, _ in parse_qsl(urlsplit(url).query)}
    options: dict[str, Any] = {}
    if "connect_timeout" not in given:
        options["connect_timeout"] = CONNECT_TIMEOUT_S
    if "tcp_user_timeout" not in given:
        options["tcp_user_timeout"] = TCP_USER_TIMEOUT_MS
    if "application_name" not in given:
        options["application_name"] = "netguard"
    try:
        raw = psycopg.connect(url, autocommit=True, **options)
    except psycopg.Error as exc:
        raise HistoryUnavailable(describe(exc), file=where) from None
    return PgConnection(raw)


def describe(exc: BaseException) -> str:
    """libpq's message on one line (it spreads a hint over several, tab-indented)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return "; ".join(lines) or type(exc).__name__


class PostgresDialect(Dialect):
    name = "postgresql"
    begin = "BEGIN"

    def __init__(self) -> None:
        import psycopg

        self.error = (psycopg.Error,)
        self.integrity_error = (psycopg.IntegrityError,)
        self._gone = (psycopg.OperationalError, psycopg.InterfaceError)

    def header(self, conn: Connection) -> tuple[int, int]:
        if conn.execute("SELECT to_regclass(?)", (HEADER,)).fetchone()[0] is None:
            return 0, 0
        row = conn.execute(f"SELECT application_id, version FROM {HEADER}").fetchone()
        return (int(row[0]), int(row[1])) if row else (0, 0)

    def mark(self, conn: Connection, app_id: int) -> None:
        conn.execute(
            f"CREATE TABLE {HEADER} (application_id BIGINT NOT NULL, version INTEGER NOT NULL,"
            " one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one))"
        )
        conn.execute(
            f"INSERT INTO {HEADER} (application_id, version) VALUES (?, 0)", (int(app_id),)
        )

    def set_version(self, conn: Connection, version: int) -> None:
        conn.execute(f"UPDATE {HEADER} SET version = ?", (int(version),))

    def has_tables(self, conn: Connection) -> bool:
        row = conn.execute(
            "SELECT 1 FROM pg_tables WHERE schemaname = current_schema() LIMIT 1"
        ).fetchone()
        return row is not None

    @contextmanager
    def schema_lock(self, conn: Connection) -> Iterator[None]:
        # a session-level advisory lock taken before any transaction: the header is then read
        # by statements that start after the other collector's migration committed, and so see
        # its tables (a lock taken inside the transaction would leave its catalog view stale)
        from netguard.history.schema import APPLICATION_ID

        conn.execute("SELECT pg_advisory_lock(?)", (APPLICATION_ID,))
        try:
            yield
        finally:
            if not (isinstance(conn, PgConnection) and conn.raw.broken):
                conn.execute("SELECT pg_advisory_unlock(?)", (APPLICATION_ID,))

    def insert_key(self, conn: Connection, sql: str, params: Sequence[Any], key: str) -> int:
        return int(conn.execute(f"{sql} RETURNING {key}", params).fetchone()[0])

    def unreachable(self, exc: BaseException, conn: Connection | None) -> bool:
        broken = isinstance(conn, PgConnection) and conn.raw.broken
        return broken or isinstance(exc, self._gone)


# -- SQLite's words in PostgreSQL's ------------------------------------------------------------

#: Schema text (schema.py is written for SQLite) → PostgreSQL: row keys become identities, every
#: integer 64 bits (started_us is microseconds since 1970), blobs bytea, WITHOUT ROWID goes.
_DDL = (
    (re.compile(r"\bINTEGER PRIMARY KEY\b"), "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    (re.compile(r"\bINTEGER\b(?! GENERATED)"), "BIGINT"),
    (re.compile(r"\bBLOB\b"), "BYTEA"),
    (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
    (re.compile(r"\)\s*WITHOUT ROWID"), ")"),
)


def translate(sql: str, with_params: bool) -> str:
    """One statement of the store or of schema.py as PostgreSQL reads it."""
    if re.match(r"\s*(CREATE|ALTER)\s+TABLE\b", sql):
        for pattern, replacement in _DDL:
            sql = pattern.sub(replacement, sql)
    if with_params:  # psycopg's placeholders: %s, and a literal % doubled
        sql = sql.replace("%", "%%").replace("?", "%s")
    return sql


class PgConnection:
    """A psycopg connection that speaks like sqlite3's: ``execute`` with ``?`` placeholders
    returning a cursor, ``executemany``, ``in_transaction``."""

    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        self.raw = raw
        self._sql: dict[tuple[str, bool], str] = {}

    @property
    def dialect(self) -> Dialect:
        return _dialect()

    def _translated(self, sql: str, with_params: bool) -> str:
        found = self._sql.get((sql, with_params))
        if found is None:
            found = self._sql[(sql, with_params)] = translate(sql, with_params)
        return found

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Any:
        params = _storable(parameters) or None
        return self.raw.execute(self._translated(sql, params is not None), params)

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> None:
        rows = [_storable(p) for p in parameters]
        if rows:
            with self.raw.cursor() as cur:
                cur.executemany(self._translated(sql, True), rows)

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.raw.info.transaction_status in (
            TransactionStatus.INTRANS,
            TransactionStatus.INERROR,
        )

    def close(self) -> None:
        self.raw.close()


def _storable(params: Sequence[Any]) -> tuple[Any, ...]:
    """PostgreSQL's text cannot hold NUL, which hostile host output may carry (SQLite's can):
    it is stored as U+FFFD, the results file keeps the original. JSON columns never have one
    (json.dumps escapes it)."""
    return tuple(
        v.replace("\x00", "\ufffd") if isinstance(v, str) and "\x00" in v else v for v in params
    )


_DIALECT: list[PostgresDialect] = []


def _dialect() -> PostgresDialect:
    if not _DIALECT:
        _DIALECT.append(PostgresDialect())
    return _DIALECT[0]

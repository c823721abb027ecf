"""What differs between the history's two databases, in one place: SQLite (the default, one
file) and PostgreSQL (an office's shared store, ``netguard.history.postgres``).

The store (store.py) and the migrations (schema.py) are written once, in SQLite's words, with
``?`` placeholders; a ``Dialect`` says the rest: how a write transaction begins, how the schema
header (application id and version) is kept, how a new row's key comes back, how the schema
text reads in the other database, and which errors mean "the database cannot be reached".
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from netguard.errors import InputError


class HistoryUnavailable(InputError):
    """The history database could not be reached, or went away (a PostgreSQL server down,
    unreachable, refusing the login). An audit goes on without it and says so; other verbs
    stop with the message (bad input: the --history given cannot be used now)."""


class Cursor(Protocol):
    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """What the store asks of a connection: sqlite3's, or postgres.PgConnection."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Any: ...

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Any: ...

    @property
    def in_transaction(self) -> bool: ...

    def close(self) -> None: ...


class Dialect:
    """SQLite's way; PostgreSQL's dialect (postgres.py) overrides what differs."""

    name = "sqlite"
    #: a write transaction: IMMEDIATE takes the write lock at once, so two writers queue at
    #: BEGIN (busy timeout) instead of failing halfway through
    begin = "BEGIN IMMEDIATE"
    #: errors of the driver: any of them, and the ones that refuse a write (constraints)
    error: tuple[type[Exception], ...] = (sqlite3.Error,)
    integrity_error: tuple[type[Exception], ...] = (sqlite3.IntegrityError,)

    def header(self, conn: Connection) -> tuple[int, int]:
        """(application id, schema version): 0, 0 for an empty database."""
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        return int(app_id), int(version)

    def mark(self, conn: Connection, app_id: int) -> None:
        """Mark the database as a netguard history (schema version 1 does, in its transaction)."""
        conn.execute(f"PRAGMA application_id = {int(app_id)}")

    def set_version(self, conn: Connection, version: int) -> None:
        conn.execute(f"PRAGMA user_version = {int(version)}")

    def has_tables(self, conn: Connection) -> bool:
        return conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is not None

    @contextmanager
    def schema_lock(self, conn: Connection) -> Iterator[None]:
        """Held while a store reads the header and migrates: a second netguard opening the
        same database waits, then finds the work done (SQLite: each migration's BEGIN
        IMMEDIATE already serialises them, and the header is read again inside it)."""
        yield

    def insert_key(self, conn: Connection, sql: str, params: Sequence[Any], key: str) -> int:
        """Run an INSERT and return the new row's ``key`` column."""
        return int(conn.execute(sql, params).lastrowid or 0)

    def unreachable(self, exc: BaseException, conn: Connection | None) -> bool:
        """Whether ``exc`` says the database could not be reached (or went away), as opposed to
        a database that answered and refused. A SQLite file is never "unreachable": what goes
        wrong with it is said as bad input, as it always was."""
        return False


SQLITE = Dialect()


def dialect_of(conn: Connection) -> Dialect:
    """The dialect of a connection the store opened (a migration receives only the connection)."""
    found = getattr(conn, "dialect", None)
    return found if isinstance(found, Dialect) else SQLITE

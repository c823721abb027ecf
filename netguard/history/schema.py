"""The history database's schema: an ordered list of migrations, one transaction each.

``PRAGMA user_version`` is the number of migrations applied (in PostgreSQL, the one row of the
table ``netguard_history``). A migration is never edited once released: a change is a new
function appended to ``MIGRATIONS`` (docs/history.md, "Migrations"). Migrations are written in
SQLite's words; postgres.translate reads their tables in PostgreSQL's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from netguard.history.sql import Connection, dialect_of

#: ``PRAGMA application_id``: marks the file as a netguard history ("NGHS"), so another program's
#: SQLite database is refused instead of being written into.
APPLICATION_ID = 0x4E474853

Migration = Callable[[Connection], None]

_V1: Sequence[str] = (
    # One row per run. ``key`` is the compact join key; ``id`` is the run id of the document.
    # ``started_us`` orders runs whatever the text of ``started`` looks like (offsets, fraction).
    # The n_* counts are filled in SQL when the run completes; NULL while it is incomplete.
    # run_extra / doc_extra: JSON of the keys of the document's ``run`` / top level that have no
    # column (e.g. the ``waivers`` block), so a rebuilt document loses nothing.
    """
    CREATE TABLE runs (
        key INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        started TEXT NOT NULL,
        started_us INTEGER NOT NULL,
        finished TEXT,
        complete INTEGER NOT NULL DEFAULT 0 CHECK (complete IN (0, 1)),
        inventory_path TEXT NOT NULL DEFAULT '',
        inventory_sha256 TEXT NOT NULL DEFAULT '',
        policy_name TEXT NOT NULL DEFAULT '',
        policy_path TEXT NOT NULL DEFAULT '',
        policy_sha256 TEXT NOT NULL DEFAULT '',
        netguard_version TEXT NOT NULL DEFAULT '',
        hosts_expected INTEGER,
        run_extra TEXT,
        doc_extra TEXT,
        recorded TEXT NOT NULL,
        n_hosts INTEGER,
        n_audited INTEGER,
        n_compliant INTEGER,
        n_failing INTEGER,
        n_unknown INTEGER,
        n_waived INTEGER
    )
    """,
    "CREATE INDEX runs_by_start ON runs (started_us, key)",
    # One row per host and run; ``pos`` is the host's place in the inventory, so documents keep
    # inventory order and findings need no host rowid (known before the insert, batchable).
    """
    CREATE TABLE hosts (
        run INTEGER NOT NULL REFERENCES runs (key) ON DELETE CASCADE,
        pos INTEGER NOT NULL,
        name TEXT NOT NULL,
        address TEXT,
        segment TEXT,
        zone TEXT,
        os TEXT,
        department TEXT,
        owner TEXT,
        location TEXT,
        status TEXT NOT NULL,
        detail TEXT,
        duration REAL,
        extra TEXT,
        PRIMARY KEY (run, pos)
    ) WITHOUT ROWID
    """,
    # The bulky, repetitive part of a finding (title, message, args, remediation, evidence and
    # any keys this version does not know), stored once per distinct content: most hosts say
    # the same thing night after night, so a run mostly adds references (docs/history.md).
    """
    CREATE TABLE payloads (
        digest BLOB PRIMARY KEY,
        body TEXT NOT NULL
    ) WITHOUT ROWID
    """,
    # What kind of finding it is (check, category, severity, reason): a handful of distinct
    # combinations, so each finding row carries a small number instead of four strings.
    """
    CREATE TABLE kinds (
        id INTEGER PRIMARY KEY,
        check_id TEXT NOT NULL,
        category TEXT,
        severity TEXT,
        reason TEXT,
        key TEXT NOT NULL UNIQUE
    )
    """,
    # One row per finding (~10 per audited host, 120,000 per city-wide run): kept narrow.
    """
    CREATE TABLE findings (
        run INTEGER NOT NULL,
        pos INTEGER NOT NULL,
        n INTEGER NOT NULL,
        kind INTEGER NOT NULL REFERENCES kinds (id),
        status TEXT NOT NULL,
        waiver TEXT,
        payload BLOB NOT NULL REFERENCES payloads (digest),
        PRIMARY KEY (run, pos, n),
        FOREIGN KEY (run, pos) REFERENCES hosts (run, pos) ON DELETE CASCADE
    ) WITHOUT ROWID
    """,
    # Counts (failing / unknown / waived hosts) and "what fails in run R" look only at the few
    # findings that did not pass; the index leaves out the passing bulk. A query uses it only
    # if it says ``status <> 'pass'`` itself (SQLite matches partial-index terms literally).
    "CREATE INDEX findings_not_passing ON findings (run, status, pos) WHERE status <> 'pass'",
)


def _v1(conn: Connection) -> None:
    for statement in _V1:
        conn.execute(statement)
    dialect_of(conn).mark(conn, APPLICATION_ID)


def _v2(conn: Connection) -> None:
    """Runs belong to an office: the inventory's ``name:`` (empty for runs recorded before, and
    for unnamed inventories, whose path is their identity then). "Previous", trends, diffs and
    alerts compare runs of one office only."""
    conn.execute("ALTER TABLE runs ADD COLUMN inventory_name TEXT NOT NULL DEFAULT ''")
    conn.execute(f"CREATE INDEX runs_by_scope ON runs ({SCOPE}, started_us, key)")


#: A run's office: the inventory's name, else its path (SQL, the same rule as RunSummary.scope).
SCOPE = "(CASE WHEN inventory_name <> '' THEN inventory_name ELSE inventory_path END)"

#: Applied in order; ``user_version`` N means the first N have been applied.
MIGRATIONS: list[Migration] = [_v1, _v2]

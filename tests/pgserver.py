"""A throwaway PostgreSQL server for the shared-history tests: Debian's own binaries
(package ``postgresql``), a cluster in a temporary folder, listening on 127.0.0.1 only, stopped
and removed afterwards (also when a test fails).

initdb and postgres refuse to run as root: as root (CI), they run as the ``postgres`` system
user the package creates. Missing binaries (or psycopg) skip the tests locally and fail them
under ``CI=true`` (.ci/run installs both), as the browser tests do.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import in_ci

#: The role the collectors log in as, and its password (given through a pgpass file).
ROLE = "netguard"
PASSWORD = "s3cret-Not-In-Urls"


def _bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _version(path: str) -> int:
    part = Path(path).parts[-3]
    return int(part) if part.isdigit() else 0


def missing() -> str | None:
    """What is missing to start a server here, or None."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg (pip install -e '.[test]')"
    if _bindir() is None:
        return "PostgreSQL's server binaries (Debian: postgresql)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "the postgres system user (Debian: postgresql)"
    return None


def require() -> None:
    what = missing()
    if what is None:
        return
    if in_ci():
        pytest.fail(
            f"CI=true and this test needs {what}: .ci/run installs it, so the CI machine is "
            "broken (a PostgreSQL test never passes as skipped in CI)",
            pytrace=False,
        )
    pytest.skip(f"needs {what}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    port: int
    socket_dir: Path
    passfile: Path
    _bin: Path
    _as: list[str]
    _databases: int = 0

    def url(self, database: str, **query: str) -> str:
        """A URL for ``database`` without a password (the pgpass file has it)."""
        q = "&".join(f"{k}={v}" for k, v in {"passfile": str(self.passfile), **query}.items())
        return f"postgresql://{ROLE}@127.0.0.1:{self.port}/{database}?{q}"

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run one statement as the superuser over the socket; its output."""
        proc = subprocess.run(
            [*self._as, str(self._bin / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
             "-h", str(self.socket_dir), "-p", str(self.port), "-d", database, "-c", statement],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        if proc.returncode != 0:
            raise AssertionError(f"psql {statement!r}: {proc.stderr}")
        return proc.stdout.strip()

    def new_database(self) -> str:
        """An empty database the collectors' role owns."""
        self._databases += 1
        name = f"history{self._databases}"
        self.sql(f"CREATE DATABASE {name} OWNER {ROLE}")
        return name


@contextmanager
def running() -> Iterator[Server]:
    bindir = _bindir()
    assert bindir is not None
    as_root = os.geteuid() == 0
    runas = ["runuser", "-u", "postgres", "--"] if as_root else []
    top = Path(tempfile.mkdtemp(prefix="netguard-pg-"))
    data, sockets = top / "data", top / "sock"
    for folder in (data, sockets):
        folder.mkdir(mode=0o700)
        if as_root:
            owner = pwd.getpwnam("postgres")
            os.chown(folder, owner.pw_uid, owner.pw_gid)
    os.chmod(top, 0o755)
    port = _free_port()
    pwfile = top / "pw"
    pwfile.write_text("postgres-superuser-unused\n", encoding="utf-8")
    os.chmod(pwfile, 0o644)
    started = False
    try:
        subprocess.run(
            [*runas, str(bindir / "initdb"), "-D", str(data), "-U", "postgres",
             "--auth-local=trust", "--auth-host=scram-sha-256", "--pwfile", str(pwfile),
             "-E", "UTF8", "--locale=C.UTF-8"],
            capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c fsync=off"
        subprocess.run(
            [*runas, str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-t", "60",
             "-l", str(top / "sock" / "server.log"), "start"],
            capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
        started = True
        passfile = top / "pgpass"
        passfile.write_text(f"127.0.0.1:{port}:*:{ROLE}:{PASSWORD}\n", encoding="utf-8")
        os.chmod(passfile, 0o600)  # libpq ignores a pgpass file others can read
        server = Server(port, sockets, passfile, bindir, runas)
        server.sql(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}'")
        yield server
    except subprocess.CalledProcessError as exc:
        raise AssertionError(f"{exc.cmd[len(runas)]}: {exc.stdout}{exc.stderr}") from exc
    finally:
        if started:
            subprocess.run(
                [*runas, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                capture_output=True, timeout=120, check=False,
            )  # fmt: skip
        shutil.rmtree(top, ignore_errors=True)

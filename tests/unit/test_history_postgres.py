"""The history in a real PostgreSQL server (tests/pgserver.py starts one): the same round trips,
references, trends and diffs as SQLite's, the same schema-version rules, two collectors writing
at once into one database, and an audit whose database cannot be reached or goes away.

Marked slow (a cluster starts once per module, in seconds); .ci/run's ``--all`` runs them, and
under CI=true a missing server fails them instead of skipping.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from netguard.errors import InputError
from netguard.history import (
    HistoryUnavailable,
    RunRecorder,
    diff_documents,
    history_target,
    open_store,
)
from netguard.history import schema as history_schema
from netguard.history.postgres import PgConnection, is_url, redact, translate
from tests.cli.runner import ROOT, closed_port, run_cli
from tests.pgserver import PASSWORD, Server, require, running
from tests.unit.test_history import V1_RUN, derived, lab, result_of, run_of, summary_numbers

pytestmark = pytest.mark.slow

KNOWN = len(history_schema.MIGRATIONS)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    require()
    with running() as srv:
        yield srv


@pytest.fixture
def url(server: Server) -> str:
    """A fresh, empty database for each test."""
    return server.url(server.new_database())


def _raw(url: str) -> PgConnection:
    import psycopg

    return PgConnection(psycopg.connect(url, autocommit=True))


# -- round trips and reading ------------------------------------------------------------------


def test_record_and_read_back_as_sqlite_does(url: str) -> None:
    doc = lab()
    with open_store(url) as store:
        assert store.path is None and store.schema_version == KNOWN
        run_id = store.record(doc, "lab-results.json")
    with open_store(url) as store:  # a new connection: it is committed
        back = store.document(run_id)
        [summary] = store.runs()
        part = store.excerpt(run_id, "internet", "password.age")
        failing, unaudited = store.outcomes(run_id)
    assert ("no-av", "antivirus.installed") in failing and "hang-pc" in unaudited
    assert [(h["name"], [f["check"] for f in h["findings"]]) for h in part["hosts"]] == [
        ("inet-pc", ["password.age"])
    ]
    assert json.dumps(back["hosts"], ensure_ascii=False) == json.dumps(
        doc["hosts"], ensure_ascii=False
    )
    assert back["run"] == {**doc["run"], "complete": True}
    assert summary.complete and summary.id == run_id


def test_a_nul_in_host_data_is_stored_not_refused(url: str) -> None:
    """PostgreSQL's text has no NUL; a hostile host's detail with one still gets recorded."""
    doc = lab()
    doc["hosts"][1]["detail"] = "banner\x00tail"
    with open_store(url) as store:
        run_id = store.record(doc)
        assert store.document(run_id)["hosts"][1]["detail"] == "banner\ufffdtail"


def test_writer_streams_hosts_and_trend_diff_and_references_work(url: str) -> None:
    first = lab()
    second = derived(first, "b" * 32, "2030-01-01T01:00:00+00:00")
    fixed = second["hosts"][2]["findings"][0]
    was = fixed["status"]
    fixed["status"] = "pass" if was != "pass" else "fail"
    with open_store(url) as store:
        store.record(first)
        run, results = run_of(second)
        run.id = "b" * 32
        writer = store.begin(run, batch_hosts=2)
        for r in reversed(results):
            writer.add(r)
            run.results.append(r)
        run.finished = run.started
        writer.finish(run)
        assert [r.id for r in store.trend(run.started, 5)] == [first["run"]["id"], run.id]
        assert store.resolve("latest") == run.id
        assert store.resolve("previous") == first["run"]["id"]
        assert store.resolve("bbbb") == run.id
        assert store.previous_complete(run.started, store.summary(run.id).scope) is not None
        changes = diff_documents(store.document(first["run"]["id"]), store.document(run.id))
        assert store.document(run.id)["hosts"] == [r.to_dict() for r in results]
        assert len(store.runs(limit=1)) == 1
    assert changes.to_dict() != diff_documents(first, first).to_dict()


def test_history_import_list_and_diff_on_the_command_line(url: str, tmp_path: Path) -> None:
    a = tmp_path / "a.json"
    b = tmp_path / "b.json"
    a.write_text(json.dumps(lab()), encoding="utf-8")
    b.write_text(json.dumps(derived(lab(), "e" * 32, "2030-01-01T01:00:00+00:00")), "utf-8")
    for f in (a, b):
        proc = run_cli("--lang", "en", "history", "--history", url, "import", str(f))
        assert proc.returncode == 0, proc.stderr
        assert "recorded as run" in proc.stdout
    listed = run_cli("history", "--history", url, "--format", "json")
    assert listed.returncode == 0, listed.stderr
    assert [r["id"] for r in json.loads(listed.stdout)] == ["e" * 32, lab()["run"]["id"]]
    diff = run_cli("diff", "--history", url, "--format", "json")
    assert diff.returncode == 0, diff.stderr  # the same hosts and findings: nothing changed
    assert json.loads(diff.stdout)["counts"]["new"] == 0
    # NETGUARD_HISTORY may name the database too; a report reads a run and its trend from it
    report = tmp_path / "r.md"
    proc = run_cli(
        "--lang", "en", "report", "--run", "latest", "--format", "md", "-o", str(report),
        env={"NETGUARD_HISTORY": url},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "e" * 8 in report.read_text("utf-8")


# -- schema versions --------------------------------------------------------------------------


def test_a_newer_schema_is_refused_and_left_as_it_is(url: str) -> None:
    with open_store(url) as store:
        store.record(lab())
    conn = _raw(url)
    conn.execute("UPDATE netguard_history SET version = 99")
    with pytest.raises(InputError, match="schema version 99, this netguard knows up to"):
        open_store(url)
    assert conn.execute("SELECT version FROM netguard_history").fetchone()[0] == 99
    assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
    conn.close()


def test_another_programs_database_is_refused(url: str) -> None:
    conn = _raw(url)
    conn.execute("CREATE TABLE invoices (id INTEGER)")
    conn.close()
    with pytest.raises(InputError, match="a PostgreSQL database, but not a netguard history"):
        open_store(url)


def test_a_version_1_history_migrates(url: str) -> None:
    conn = _raw(url)
    conn.execute("BEGIN")
    history_schema.MIGRATIONS[0](conn)
    conn.dialect.set_version(conn, 1)
    conn.execute(V1_RUN)
    conn.execute("COMMIT")
    conn.close()
    with open_store(url) as store:
        assert store.schema_version == KNOWN
        (run,) = store.runs()
        assert (run.id, run.inventory_name, run.scope) == ("r1", "", "/srv/office-a.yaml")


def test_the_schema_text_reads_in_postgresql_words() -> None:
    assert translate("CREATE TABLE t (key INTEGER PRIMARY KEY, b BLOB) WITHOUT ROWID", False) == (
        "CREATE TABLE t (key BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, b BYTEA)"
    )
    assert translate("SELECT 1 FROM t WHERE a = ? AND b LIKE '5%'", True) == (
        "SELECT 1 FROM t WHERE a = %s AND b LIKE '5%%'"
    )


# -- passwords --------------------------------------------------------------------------------


def test_a_password_in_the_url_is_refused_and_never_shown(server: Server) -> None:
    for url in (
        f"postgresql://netguard:{PASSWORD}@127.0.0.1:{server.port}/postgres",
        f"postgres://netguard@127.0.0.1:{server.port}/postgres?password={PASSWORD}",
    ):
        assert is_url(url) and PASSWORD not in redact(url)
        with pytest.raises(InputError) as err:
            open_store(url)
        assert PASSWORD not in str(err.value)
        assert "pgpass" in str(err.value)
        proc = run_cli("audit", "-q", "--history", url, "-o", "/dev/null")
        assert proc.returncode == 2 and PASSWORD not in proc.stderr + proc.stdout
    assert history_target("postgres://h/db") == "postgres://h/db"  # never a Path


# -- several collectors -----------------------------------------------------------------------

_COLLECTOR = """
import sys, time
from pathlib import Path
sys.path.insert(0, {repo!r})
from tests.report.fleet import fleet_document
from tests.unit.test_history import run_of
from netguard.history import open_store

run, results = run_of(fleet_document(300, seed={seed}))
run.id = {run_id!r}
go = Path({go!r})
while not go.exists():
    time.sleep(0.01)
with open_store({url!r}) as store:
    writer = store.begin(run, batch_hosts=7, batch_seconds=3600)
    for r in results:
        writer.add(r)
        run.results.append(r)
    run.finished = run.started
    writer.finish(run)
print("done", flush=True)
"""


def _python(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_two_collectors_write_at_once_into_one_consistent_history(url: str, tmp_path: Path) -> None:
    from tests.report.fleet import fleet_document

    go = tmp_path / "go"
    ids = {seed: f"{seed}" * 32 for seed in (3, 4)}
    script = {seed: _COLLECTOR.format(repo=str(ROOT), seed=seed, run_id=run_id, go=str(go), url=url)
              for seed, run_id in ids.items()}  # fmt: skip
    children = [_python("-c", text) for text in script.values()]
    time.sleep(1.0)  # both are importing; the file starts them together (no timing asserted)
    go.touch()
    for child in children:
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0 and out.strip() == "done", err
    with open_store(url) as store:
        runs = {r.id: r for r in store.runs()}
        assert set(runs) == set(ids.values())
        for seed, run_id in ids.items():
            expected = [result_of(h).to_dict() for h in fleet_document(300, seed=seed)["hosts"]]
            assert runs[run_id].complete
            assert store.document(run_id)["hosts"] == expected
            assert summary_numbers(runs[run_id])["hosts"] == 300
    conn = _raw(url)
    kinds = conn.execute("SELECT count(*), count(DISTINCT key) FROM kinds").fetchone()
    assert kinds[0] == kinds[1]  # no kind twice, however the two raced for it
    conn.close()


def test_two_audits_record_into_one_database_at_once(url: str, tmp_path: Path) -> None:
    argv = ["-m", "netguard", "audit", "-q", "--format", "json", "--history", url, "-o"]
    procs = [_python(*argv, str(tmp_path / f"r{n}.json")) for n in (1, 2)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode in (0, 1, 3), err
        assert "not recorded" not in err
    written = {
        json.loads((tmp_path / f"r{n}.json").read_text("utf-8"))["run"]["id"] for n in (1, 2)
    }
    listed = run_cli("history", "--history", url, "--format", "json")
    assert {r["id"] for r in json.loads(listed.stdout)} == written
    assert all(r["complete"] for r in json.loads(listed.stdout))


# -- an unreachable database ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "said"), [("en", "not recorded in the history"), ("zh", "未记入历史记录")]
)
def test_an_unreachable_database_never_stops_an_audit(tmp_path: Path, lang: str, said: str) -> None:
    url = f"postgresql://netguard@127.0.0.1:{closed_port()}/history"
    out = tmp_path / "results.json"
    proc = run_cli(
        "--lang", lang, "audit", "-q", "--format", "json", "-o", str(out), "--history", url
    )
    assert proc.returncode in (0, 1, 3), proc.stderr  # the verdict, as without a history
    assert said in proc.stderr and "history import" in proc.stderr
    doc = json.loads(out.read_text("utf-8"))
    assert doc["hosts"] and doc["run"]["id"]
    other = run_cli("history", "--history", url)  # a verb that only reads: bad input
    assert other.returncode == 2 and "connection" in other.stderr


def test_a_database_that_goes_away_mid_run_loses_nothing(url: str, server: Server) -> None:
    doc = lab()
    run, results = run_of(doc)
    store = open_store(url)
    recorder = RunRecorder(store)
    recorder.begin(run)
    assert recorder.writer is not None
    recorder.writer._batch_hosts = 2  # commit every two hosts
    for r in results[:3]:
        recorder.add(r)
        run.results.append(r)
    server.sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'netguard'"
    )
    for r in results[3:]:
        recorder.add(r)  # never raises: the recorder stops, the audit goes on
        run.results.append(r)
    run.finished = run.started
    recorder.finish(run)
    recorder.close()
    store.close()
    assert isinstance(recorder.lost, HistoryUnavailable)
    assert recorder.lost.file == redact(url)
    with open_store(url) as again:
        [partial] = again.runs()
        assert not partial.complete and partial.hosts == 2  # the batch committed before
        # the results file is whole: importing it replaces the part
        whole = derived(doc, run.id, run.started.isoformat())
        again.record(whole)
        [summary] = again.runs()
        assert summary.complete and again.document(run.id)["hosts"] == whole["hosts"]


def test_a_database_down_at_open_is_unavailable_not_bad_data(tmp_path: Path) -> None:
    with pytest.raises(HistoryUnavailable) as err:
        open_store(f"postgresql://someone@127.0.0.1:{closed_port()}/x?connect_timeout=5")
    assert "refused" in str(err.value).lower()

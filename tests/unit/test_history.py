"""The audit history (netguard/history/store.py): round trips, migrations, refusals, references,
counts against audit.summarize, interrupted writes (a real SIGKILL). A city-sized run:
tests/scale/test_history_scale.py."""

from __future__ import annotations

import copy
import ipaddress
import json
import os
import selectors
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from netguard.errors import InputError
from netguard.history import RunSummary, default_history_path, open_store
from netguard.history import schema as history_schema
from netguard.model import (
    Finding,
    FindingStatus,
    Host,
    HostResult,
    HostStatus,
    Inventory,
    Segment,
    Severity,
    Zone,
)
from netguard.policy import Policy
from netguard.results import Run, parse_results, summarize, summarize_hosts

REPO = Path(__file__).resolve().parents[2]
LAB = REPO / "tests" / "fixtures" / "lab-results.json"


# -- helpers (also used by the writer subprocess and by test_diff) ----------------------------


def lab() -> dict[str, Any]:
    return json.loads(LAB.read_text(encoding="utf-8"))


def derived(doc: dict[str, Any], run_id: str, started: str) -> dict[str, Any]:
    """A copy of ``doc`` as another run: its own id and start time."""
    out = copy.deepcopy(doc)
    out["run"]["id"] = run_id
    out["run"]["started"] = started
    out["run"]["finished"] = started
    return out


def result_of(h: dict[str, Any]) -> HostResult:
    """The HostResult whose to_dict() is ``h`` (a host of a results document)."""
    host = Host(
        name=h["name"],
        address=ipaddress.ip_address(h["address"]),
        segment=h["segment"],
        os=h["os"],
        department=h["department"],
        owner=h["owner"],
        location=h["location"],
    )
    segment = Segment(h["segment"], Zone(h["zone"]), (ipaddress.ip_network("0.0.0.0/0"),))
    findings = tuple(
        Finding(
            check=f["check"],
            category=f["category"],
            status=FindingStatus(f["status"]),
            severity=Severity(f["severity"]),
            message=f["message"],
            evidence=f.get("evidence", {}),
            title=f.get("title", ""),
            remediation=f.get("remediation", ""),
            reason=f.get("reason", ""),
            args=f.get("args", {}),
            **({"waiver": f["waiver"]} if "waiver" in f else {}),
        )
        for f in h["findings"]
    )
    return HostResult(
        host, segment, HostStatus(h["status"]), h["detail"], findings, h["duration_s"]
    )


def run_of(doc: dict[str, Any]) -> tuple[Run, list[HostResult]]:
    """An audit.Run for ``doc``'s inventory (results not yet added) and the results to add."""
    results = [result_of(h) for h in doc["hosts"]]
    inventory = Inventory(
        path=doc["run"]["inventory"]["path"],
        sha256=doc["run"]["inventory"]["sha256"],
        segments={r.segment.name: r.segment for r in results},
        hosts=tuple(r.host for r in results),
    )
    p = doc["run"]["policy"]
    policy = Policy(p["name"], p["path"], p["sha256"], "", (), ())
    return Run(inventory, policy), results


def summary_numbers(s: RunSummary) -> dict[str, int]:
    return {
        "hosts": s.hosts,
        "audited": s.audited,
        "compliant": s.compliant,
        "failing": s.failing,
        "unknown": s.unknown,
    }


def expected_numbers(summary: dict[str, Any]) -> dict[str, int]:
    return {k: summary[k] for k in ("hosts", "audited", "compliant", "failing", "unknown")}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "state" / "history.sqlite"


# -- location ---------------------------------------------------------------------------------


def test_default_path_env_root_and_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NETGUARD_HISTORY", str(tmp_path / "h.db"))
    assert default_history_path() == tmp_path / "h.db"
    monkeypatch.delenv("NETGUARD_HISTORY")
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert default_history_path() == Path("/var/lib/netguard/history.sqlite")
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert default_history_path() == tmp_path / "state" / "netguard" / "history.sqlite"
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_history_path() == tmp_path / "home/.local/state/netguard/history.sqlite"


def test_new_file_is_private_wal_and_current(db: Path) -> None:
    with open_store(db) as store:
        assert store.schema_version == len(history_schema.MIGRATIONS)
        assert store.runs() == []
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA application_id").fetchone()[0] == history_schema.APPLICATION_ID
    conn.close()


def test_empty_file_is_initialised(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite"
    path.write_bytes(b"")
    with open_store(path) as store:
        assert store.schema_version == len(history_schema.MIGRATIONS)


# -- round trips ------------------------------------------------------------------------------


def test_record_round_trip_of_the_lab_results(db: Path) -> None:
    doc = lab()
    with open_store(db) as store:
        run_id = store.record(doc, "lab-results.json")
    with open_store(db) as store:  # read back through a new connection: it is on disk
        back = store.document(run_id)
    assert back["schema"] == "netguard.results/1"
    assert back["hosts"] == doc["hosts"]
    assert json.dumps(back["hosts"], ensure_ascii=False) == json.dumps(
        doc["hosts"], ensure_ascii=False
    )  # key order too: a rebuilt document reads like the written one
    assert back["run"] == {**doc["run"], "complete": True}
    assert back["netguard_version"] == doc["netguard_version"]
    # the fixture predates waivers: the rebuilt summary has the same numbers plus waived = 0
    assert back["summary"] == summarize([result_of(h) for h in doc["hosts"]])
    for key, value in doc["summary"].items():
        assert (
            back["summary"][key] == value
            if not isinstance(value, dict)
            else ({k: back["summary"][key][k] for k in value} == value)
        )


@pytest.mark.parametrize(
    ("zone", "check"),
    [("internet", "password.age"), ("intranet", "isolation.wireless"), ("classified", "x")],
)
def test_an_excerpt_is_the_document_cut_to_one_zone_and_one_check(
    db: Path, zone: str, check: str
) -> None:
    with open_store(db) as store:
        run_id = store.record(lab(), "lab-results.json")
        whole, part = store.document(run_id), store.excerpt(run_id, zone, check)
    expected = [
        {**h, "findings": [f for f in h["findings"] if f["check"] == check]}
        for h in whole["hosts"]
        if h["zone"] == zone
    ]
    assert part["hosts"] == expected
    assert part["run"] == whole["run"]
    assert "summary" not in part  # it would count the excerpt alone
    if zone != "classified":
        assert expected and any(h["findings"] for h in expected)  # the cut kept something


def test_outcomes_are_the_documents_failing_pairs_and_unaudited_hosts(db: Path) -> None:
    with open_store(db) as store:
        run_id = store.record(lab(), "lab-results.json")
        whole = store.document(run_id)
        failing, unaudited = store.outcomes(run_id)
    assert failing == {
        (h["name"], f["check"])
        for h in whole["hosts"]
        for f in h["findings"]
        if f["status"] == "fail"
    }
    assert unaudited == {h["name"] for h in whole["hosts"] if h["status"] != "audited"}
    assert ("no-av", "antivirus.installed") in failing
    assert {"hang-pc", "down-pc"} <= unaudited and "ok-pc" not in unaudited


def test_writer_round_trip_equals_summarize_and_inventory_order(db: Path) -> None:
    run, results = run_of(lab())
    with open_store(db) as store:
        writer = store.begin(run, batch_hosts=4)
        for r in reversed(results):  # completion order is not inventory order
            writer.add(r)
            run.results.append(r)
        run.finished = run.started
        writer.finish(run)
        doc = store.document(run.id)
        [summary] = store.runs()
    assert doc["hosts"] == [r.to_dict() for r in results]
    assert doc["summary"] == summarize(results)
    assert summary.complete and summary.finished == run.started
    assert summary_numbers(summary) == expected_numbers(summarize(results))


def test_finish_writes_results_that_were_never_added(db: Path) -> None:
    run, results = run_of(lab())
    run.results.extend(results)
    with open_store(db) as store:
        writer = store.begin(run)
        writer.add(results[3])
        writer.finish(run)
        assert store.document(run.id)["hosts"] == [r.to_dict() for r in results]


def test_waived_findings_and_extra_keys_survive(db: Path) -> None:
    doc = lab()
    waiver = {"id": "W-1", "host": "pw-expired", "check": "password.age", "reason": "leave",
              "approver": "李科长", "approved": "2026-11-01", "expires": "2026-12-31",
              "ticket": "", "file": "waivers.yaml", "line": 3}  # fmt: skip
    pw = next(h for h in doc["hosts"] if h["name"] == "pw-expired")
    finding = next(f for f in pw["findings"] if f["check"] == "password.age")
    finding.update(status="waived", waiver=waiver, future_key=[1, 2])
    pw["future_host_key"] = {"x": 1}
    doc["run"]["schedule"] = "nightly"
    doc["waivers"] = {"path": "waivers.yaml", "sha256": "ab", "today": "2026-11-23",
                      "counts": {"waived": 1}, "expired": [], "expired_unused": [],
                      "not_yet_valid": [], "unused": []}  # fmt: skip
    with open_store(db) as store:
        run_id = store.record(doc)
        back = store.document(run_id)
        [summary] = store.runs()
    assert back["hosts"] == doc["hosts"]
    assert back["waivers"] == doc["waivers"]
    assert back["run"]["schedule"] == "nightly"
    assert summary.waived == 1
    assert summary.failing == doc["summary"]["failing"] - 1  # pw-expired failed only there
    assert back["summary"]["waived_hosts"] == 1
    assert summary_numbers(summary) == expected_numbers(summarize_hosts(doc["hosts"]))


def test_counts_equal_summarize_on_a_mixed_fleet(db: Path) -> None:
    from tests.report.fleet import fleet_document

    doc = fleet_document(600, seed=3)
    results = [result_of(h) for h in doc["hosts"]]
    with open_store(db) as store:
        store.record(doc)
        [summary] = store.runs()
        rebuilt = store.document(summary.id)
    assert summary_numbers(summary) == expected_numbers(summarize(results))
    assert rebuilt["summary"] == summarize(results)
    assert summarize_hosts(doc["hosts"]) == summarize(results)


def test_record_refuses_duplicates_and_bad_documents(db: Path) -> None:
    doc = lab()
    with open_store(db) as store:
        store.record(doc)
        with pytest.raises(InputError, match="already in the history"):
            store.record(doc)
        bad = derived(doc, "f" * 32, doc["run"]["started"])
        bad["hosts"][2]["findings"][0]["status"] = 7
        with pytest.raises(InputError) as err:
            store.record(bad, "bad.json")
        assert err.value.file == "bad.json"
        assert err.value.field == "hosts[2].findings[0].status"
        with pytest.raises(InputError, match="schema"):
            store.record({"schema": "other"}, "x.json")
        assert len(store.runs()) == 1  # the refused imports left nothing behind


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("hosts[1].name", "dns01"),  # the name of hosts[0]: rows are keyed by name
        ("hosts[0].status", "sleeping"),  # not a HostStatus
        ("hosts[0].findings[0].status", "maybe"),  # not a FindingStatus
        ("hosts[0].zone", "moon"),
    ],
)
def test_history_import_and_documents_share_one_validator(db: Path, where: str, value: str) -> None:
    """A document `netguard report` refuses is refused by `history import` too, with the same
    located error (results.parse_results is the only validator)."""
    doc = copy.deepcopy(lab())
    doc["hosts"][0]["name"] = "dns01"
    host, _, rest = where.partition("].")
    target = doc["hosts"][int(host.removeprefix("hosts["))]
    if rest.startswith("findings[0]."):
        target = target["findings"][0]
        rest = rest.removeprefix("findings[0].")
    target[rest] = value
    with pytest.raises(InputError) as by_reader:
        parse_results(doc, "bad.json")
    with open_store(db) as store, pytest.raises(InputError) as by_history:
        store.record(doc, "bad.json")
    assert by_reader.value.field == by_history.value.field == where
    assert str(by_reader.value) == str(by_history.value)


# -- references, listing, trend ---------------------------------------------------------------


def _three_runs_and_a_partial(store: Any) -> tuple[list[str], str]:
    doc = lab()
    ids = ["aaaa1111" + "0" * 24, "aaaa2222" + "0" * 24, "bbbb3333" + "0" * 24]
    for i, run_id in enumerate(ids):
        store.record(derived(doc, run_id, f"2026-11-{20 + i}T01:00:00+00:00"))
    run, results = run_of(doc)
    writer = store.begin(run)
    writer.add(results[0])
    writer.close()  # interrupted: committed, never finished
    return ids, run.id


def test_resolve_references(db: Path) -> None:
    with open_store(db) as store:
        ids, partial = _three_runs_and_a_partial(store)
        assert store.resolve("latest") == store.resolve("-1") == ids[2]
        assert store.resolve("previous") == store.resolve("-2") == ids[1]
        assert store.resolve("-3") == ids[0]
        assert store.resolve(ids[1]) == ids[1]
        assert store.resolve("aaaa1") == ids[0]
        assert store.resolve("bbbb") == ids[2]
        assert store.resolve(partial) == partial  # by id only: never picked by position
        for ref, words in [
            ("aaaa", "ambiguous"),
            ("cccc", "no run"),
            ("aa", "at least 4"),
            ("-4", "3 complete run"),
        ]:
            with pytest.raises(InputError, match=words) as err:
                store.resolve(ref)
            assert ref in str(err.value) and err.value.file == str(db)


def test_runs_newest_first_and_trend_oldest_first(db: Path) -> None:
    with open_store(db) as store:
        ids, partial = _three_runs_and_a_partial(store)
        runs = store.runs()
        assert [r.id for r in runs] == [partial, *reversed(ids)]
        assert [r.complete for r in runs] == [False, True, True, True]
        assert runs[0].hosts == 1 and runs[0].finished is None
        assert [r.id for r in store.runs(limit=2)] == [partial, ids[2]]
        latest = store.summary(ids[2])
        assert [r.id for r in store.trend(latest.started, 2)] == ids[1:]
        assert [r.id for r in store.trend(store.summary(ids[1]).started, 5)] == ids[:2]
        # interrupted runs are skipped however many there are: the one before is ids[1]
        assert store.previous_complete(latest.started).id == ids[1]  # type: ignore[union-attr]
        assert store.previous_complete(store.summary(ids[0]).started) is None
        assert store.document(partial)["run"]["complete"] is False


def test_two_offices_sharing_a_history_are_never_compared(db: Path, capsys: Any) -> None:
    """The previous run, the trend and the default diff stay within one office: the inventory's
    name, else its path."""
    from netguard.cli import main

    a1 = derived(lab(), "a" * 32, "2026-11-20T01:00:00+00:00")
    b = derived(lab(), "b" * 32, "2026-11-21T01:00:00+00:00")
    b["run"]["inventory"] = {"path": "/srv/b.yaml", "sha256": "", "name": "县财政局"}
    b["hosts"] = b["hosts"][:1]  # another office: other machines
    a2 = derived(lab(), "c" * 32, "2026-11-22T01:00:00+00:00")
    with open_store(db) as store:
        for doc in (a1, b, a2):
            store.record(doc)
        latest = store.summary(a2["run"]["id"])
        office_b = store.summary(b["run"]["id"])
        assert office_b.scope == "县财政局" and latest.scope == a1["run"]["inventory"]["path"]
        previous = store.previous_complete(latest.started, latest.scope)
        assert previous is not None and previous.id == a1["run"]["id"]
        assert [r.id for r in store.trend(latest.started, 12, latest.scope)] == ["a" * 32, "c" * 32]
        assert [r.id for r in store.trend(latest.started, 12, "县财政局")] == ["b" * 32]
        # unscoped, the other office's run is the one just before
        assert store.previous_complete(latest.started).id == "b" * 32  # type: ignore[union-attr]
        assert store.document(office_b.id)["run"]["inventory"]["name"] == "县财政局"
    assert main(["diff", "--history", str(db), "--format", "json"]) == 0  # same office: no change
    changes = json.loads(capsys.readouterr().out)
    assert (changes["a"]["id"], changes["b"]["id"]) == ("a" * 32, "c" * 32)
    assert not changes["added"] and not changes["removed"]


# -- migrations and refusals ------------------------------------------------------------------


def _add_note_column(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE runs ADD COLUMN note TEXT NOT NULL DEFAULT ''")


KNOWN = len(history_schema.MIGRATIONS)


def test_upgrade_adds_a_migration(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = lab()
    with open_store(db) as store:
        assert store.schema_version == KNOWN
        run_id = store.record(doc)
    monkeypatch.setattr(
        history_schema, "MIGRATIONS", [*history_schema.MIGRATIONS, _add_note_column]
    )
    with open_store(db) as store:
        assert store.schema_version == KNOWN + 1
        assert store.document(run_id)["hosts"] == doc["hosts"]
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT note FROM runs").fetchall() == [("",)]
    conn.close()


#: A run as netguard recorded it before version 2 (no office name): also for PostgreSQL's test.
V1_RUN = (
    "INSERT INTO runs (id, started, started_us, complete, inventory_path, recorded, n_hosts,"
    " n_audited, n_compliant, n_failing, n_unknown, n_waived)"
    " VALUES ('r1', '2026-11-20T01:00:00+00:00', 1795136400000000, 1, '/srv/office-a.yaml',"
    " '2026-11-20T01:05:00+00:00', 0, 0, 0, 0, 0, 0)"
)


def test_a_version_1_history_migrates_and_its_runs_keep_their_office(db: Path) -> None:
    """Runs recorded before offices had names belong to their inventory's path."""
    db.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db)  # a history as netguard wrote it before version 2
    history_schema.MIGRATIONS[0](conn)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(V1_RUN)
    conn.commit()
    conn.close()
    with open_store(db) as store:
        assert store.schema_version == KNOWN
        (run,) = store.runs()
        assert (run.id, run.inventory_name, run.scope) == ("r1", "", "/srv/office-a.yaml")
        later = run.started + timedelta(days=1)
        assert store.previous_complete(later, "/srv/office-a.yaml") == run
        assert store.previous_complete(later, "/srv/office-b.yaml") is None


def test_failed_migration_leaves_the_previous_version(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_store(db) as store:
        store.record(lab())

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x)")
        conn.execute("INSERT INTO no_such_table VALUES (1)")

    monkeypatch.setattr(history_schema, "MIGRATIONS", [*history_schema.MIGRATIONS, broken])
    with pytest.raises(InputError):
        open_store(db)
    monkeypatch.undo()
    with open_store(db) as store:
        assert store.schema_version == KNOWN
        assert len(store.runs()) == 1
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'half_done'").fetchone() is None
    conn.close()


def test_newer_schema_is_refused_untouched(db: Path) -> None:
    with open_store(db) as store:
        store.record(lab())
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 7")
    conn.close()
    before = db.read_bytes()
    with pytest.raises(InputError) as err:
        open_store(db)
    assert err.value.file == str(db)
    assert f"schema version 7, this netguard knows up to {KNOWN}" in str(err.value)
    assert db.read_bytes() == before


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_bytes(b"this is not SQLite, just text that happens to be here\n" * 200)
    with pytest.raises(InputError) as err:
        open_store(path)
    assert err.value.file == str(path)


def test_another_programs_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(InputError, match="not a netguard history"):
        open_store(path)


def test_damaged_file_is_reported_with_its_name(db: Path) -> None:
    from tests.report.fleet import fleet_document

    with open_store(db) as store:
        store.record(fleet_document(300, seed=1))
    data = bytearray(db.read_bytes())
    assert not db.with_name(db.name + "-wal").exists()  # checkpointed on close
    page = 4096
    data[page:] = b"\xa5" * (len(data) - page)  # every page but the header and the schema
    db.write_bytes(bytes(data))
    with pytest.raises(InputError) as err, open_store(db) as store:
        store.document(store.resolve("latest"))
    assert err.value.file == str(db)


# -- interruption -----------------------------------------------------------------------------

_WRITER = """
import sys, time
sys.path.insert(0, {repo!r})
from tests.report.fleet import fleet_document
from tests.unit.test_history import run_of
from netguard.history import open_store

doc = fleet_document(3000, seed=5)
run, results = run_of(doc)
run.id = "c" * 32
store = open_store({db!r})
writer = store.begin(run, batch_hosts=50, batch_seconds=3600)
print("begun", flush=True)
done = 0
for r in results:
    writer.add(r)
    if writer.committed != done:
        done = writer.committed
        print(done, flush=True)
    time.sleep(0.0005)
time.sleep(60)  # never finishes: the parent kills it first
"""


@pytest.mark.slow  # a 3,000-host writer in a subprocess, killed once it has committed 200
def test_killed_writer_leaves_earlier_runs_and_committed_hosts(db: Path) -> None:
    from tests.report.fleet import fleet_document

    earlier = lab()
    with open_store(db) as store:
        store.record(earlier)
    child = subprocess.Popen(
        [sys.executable, "-c", _WRITER.format(repo=str(REPO), db=str(db))],
        stdout=subprocess.PIPE,
        text=True,
    )
    reported = 0
    try:
        sel = selectors.DefaultSelector()
        sel.register(child.stdout, selectors.EVENT_READ)  # type: ignore[arg-type]
        deadline = time.monotonic() + 60
        while reported < 200 and time.monotonic() < deadline:
            if sel.select(timeout=1) and (line := child.stdout.readline()):  # type: ignore[union-attr]
                reported = int(line) if line.strip().isdigit() else reported
            assert child.poll() is None, "the writer ended before it was killed"
        os.kill(child.pid, signal.SIGKILL)  # mid-batch: it is still adding hosts
    finally:
        child.kill()
        child.wait(timeout=30)
    assert reported >= 200, "the writer did not commit in time"

    expected = [result_of(h).to_dict() for h in fleet_document(3000, seed=5)["hosts"]]
    with open_store(db) as store:
        runs = store.runs()
        assert [r.id for r in runs] == ["c" * 32, earlier["run"]["id"]]
        partial = runs[0]
        assert not partial.complete and partial.finished is None
        assert partial.hosts >= reported and partial.hosts % 50 == 0  # whole batches only
        doc = store.document(partial.id)
        assert doc["hosts"] == expected[: partial.hosts]
        assert doc["run"]["complete"] is False
        assert store.document(earlier["run"]["id"])["hosts"] == earlier["hosts"]
        assert store.resolve("latest") == earlier["run"]["id"]
        # the file is healthy and takes the next run
        assert store._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        store.record(derived(earlier, "d" * 32, "2026-12-01T00:00:00+00:00"))


def test_ctrl_c_inside_the_writer_keeps_what_was_added(db: Path) -> None:
    run, results = run_of(lab())
    with open_store(db) as store:
        with pytest.raises(KeyboardInterrupt), store.begin(run, batch_hosts=100) as writer:
            for r in results[:5]:
                writer.add(r)
            raise KeyboardInterrupt
        [summary] = store.runs()
        assert not summary.complete and summary.hosts == 5
        assert store.document(run.id)["hosts"] == [r.to_dict() for r in results[:5]]


def test_a_history_write_that_fails_mid_run_stops_recording_not_the_audit(db: Path) -> None:
    """The recorder (what an audit feeds) keeps going when the database refuses a write: the
    run stays as far as it was committed, ``lost`` says why (the audit prints it)."""
    from netguard.history import RunRecorder

    run, results = run_of(lab())
    store = open_store(db)
    recorder = RunRecorder(store)
    recorder.begin(run)
    assert recorder.writer is not None
    recorder.writer._batch_hosts = 2
    for n, r in enumerate(results):
        if n == 3:  # two hosts committed, one buffered
            store._conn.close()  # every later statement fails, as on a vanished disk
        recorder.add(r)
        run.results.append(r)
    recorder.finish(run)
    recorder.close()
    assert isinstance(recorder.lost, InputError) and recorder.lost.file == str(db)
    whole = derived(lab(), run.id, run.started.isoformat())
    with open_store(db) as again:
        [summary] = again.runs()
        assert not summary.complete and summary.hosts == 2
        again.record(whole)  # `history import` of the results file replaces the partial run
        [summary] = again.runs()
        assert summary.complete and again.document(run.id)["hosts"] == whole["hosts"]
        with pytest.raises(InputError, match="already in the history"):
            again.record(whole)  # a complete run is never replaced

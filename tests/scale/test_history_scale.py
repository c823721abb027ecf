"""A city-sized audit history: 12,000 hosts written through the audit's writer and read back,
counts equal to audit.summarize. No timing here — benchmarks/history_bench.py measures."""

from __future__ import annotations

from pathlib import Path

from netguard.history import open_store
from netguard.results import summarize
from tests.report.fleet import fleet_document
from tests.unit.test_history import derived, expected_numbers, run_of, summary_numbers


def test_twelve_thousand_hosts_write_and_read_back(tmp_path: Path) -> None:
    db = tmp_path / "state" / "history.sqlite"
    doc = fleet_document(12_000, seed=11)
    run, results = run_of(doc)
    run.results.extend(results)
    with open_store(db) as store:
        writer = store.begin(run)
        for r in results:
            writer.add(r)
        writer.finish(run)
        again = derived(doc, "e" * 32, "2026-11-24T01:00:00+00:00")
        store.record(again)
        [second, first] = store.runs()
        back = store.document(run.id)
    assert back["hosts"] == [r.to_dict() for r in results]
    assert back["summary"] == summarize(results)
    assert summary_numbers(first) == expected_numbers(summarize(results))
    assert summary_numbers(second) == summary_numbers(first)

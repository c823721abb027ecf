"""The results document written as hosts finish (results/stream.py): the same bytes as the
document of the whole run in memory, whatever order the hosts finished in; the run keeps slim
results with the same verdicts."""

from __future__ import annotations

import io
import json
import pickle
import random
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from netguard.model import HostResult
from netguard.results import Run, dumps, run_document, summarize
from netguard.results import stream as stream_module
from netguard.results.stream import ResultsStream, read_written, slim, without_quiet_evidence
from tests.report.fleet import fleet_document
from tests.unit.test_history import run_of


def test_the_streamed_document_is_the_whole_document_byte_for_byte() -> None:
    run, results = run_of(fleet_document(300, seed=5))
    run.finished = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    run.probe = {"file": "arrivals.jsonl", "arrivals": [], "rejected": {"forged": 1}}
    whole = replace(run, results=list(results))
    finished = random.Random(7).sample(results, len(results))  # as the workers finish them
    with ResultsStream() as stream:
        for r in finished:
            stream.add(r)
        run.results = [slim(r) for r in results]  # in the inventory's order, as run_audit sorts
        out = io.BytesIO()
        stream.write(run, out)
    assert out.getvalue() == dumps(run_document(whole)).encode("utf-8")


def test_a_run_without_hosts_or_extra_blocks_is_written_as_before() -> None:
    run, _ = run_of(fleet_document(1, seed=1))
    with ResultsStream() as stream:
        out = io.BytesIO()
        stream.write(run, out)
    assert out.getvalue() == dumps(run_document(run)).encode("utf-8")


def test_slim_results_keep_verdicts_and_counts_and_drop_evidence() -> None:
    _, results = run_of(fleet_document(300, seed=9))
    kept = [slim(r) for r in results]
    assert [k.verdict for k in kept] == [r.verdict for r in results]
    assert any(r.findings for r in kept)
    assert all(not f.evidence for k in kept for f in k.findings)
    whole, lean = summarize(results), summarize(kept)
    for key in ("hosts", "audited", "unknown", "failing", "compliant", "waived_hosts"):
        assert lean[key] == whole[key]


def test_a_streams_slim_results_share_what_hosts_have_in_common() -> None:
    _, results = run_of(fleet_document(300, seed=9))
    # copies of everything, as the results the fleet step held back come back from disk
    copies = [pickle.loads(pickle.dumps(r)) for r in results]
    with ResultsStream() as stream:
        kept = [stream.slim(r) for r in copies]
    assert kept == [slim(r) for r in results]  # the same values
    failing = [
        f for k in kept for f in k.findings if (f.check, f.status) == ("password.age", "fail")
    ]
    assert len(failing) > 2
    assert all(f.title is failing[0].title and f.remediation is failing[0].remediation
               for f in failing)  # fmt: skip
    by_segment: dict[str, object] = {}
    for k in kept:
        assert by_segment.setdefault(k.segment.name, k.segment) is k.segment


def test_a_result_never_added_is_an_error_not_a_missing_host() -> None:
    run, results = run_of(fleet_document(3, seed=2))
    run.results = [slim(r) for r in results]
    with ResultsStream() as stream:
        stream.add(results[0])
        with pytest.raises(RuntimeError, match=results[1].host.name):
            stream.write(run, io.BytesIO())


def written(path: Path, run: Run, results: list[HostResult], *, slimmed: bool) -> None:
    """``results`` streamed as an audit streams them and the document written to ``path``; the
    run keeps slim results (as an audit does) or the whole ones."""
    with ResultsStream() as stream, path.open("wb") as out:
        for r in results:
            stream.add(r)
        run.results = [slim(r) for r in results] if slimmed else list(results)
        stream.write(run, out)


@pytest.mark.parametrize("hosts", [0, 1, 40])
def test_a_written_document_reads_back_as_json_reads_it(
    hosts: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream_module, "_PIECE", 997)  # entries cut across many pieces
    run, results = run_of(fleet_document(max(hosts, 1), seed=4))
    results = results[:hosts]
    run.probe = {"file": "a.jsonl", "arrivals": [], "rejected": {}}
    path = tmp_path / "results.json"
    written(path, run, results, slimmed=True)
    assert read_written(path) == json.loads(path.read_text(encoding="utf-8"))
    assert len(read_written(path)["hosts"]) == hosts


def test_a_document_cut_short_is_refused(tmp_path: Path) -> None:
    run, results = run_of(fleet_document(5, seed=4))
    path = tmp_path / "results.json"
    written(path, run, results, slimmed=False)
    path.write_bytes(path.read_bytes()[:-2000])
    with pytest.raises(ValueError, match=r"results\.json"):
        read_written(path)


def test_a_large_runs_read_back_keeps_what_its_documents_show(tmp_path: Path) -> None:
    run, results = run_of(fleet_document(30, seed=7))
    path = tmp_path / "results.json"
    written(path, run, results, slimmed=True)
    whole = read_written(path)
    reduced = read_written(path, without_quiet_evidence)
    quiet = {"pass", "not_applicable"}
    seen = set()
    for full_host, host in zip(whole["hosts"], reduced["hosts"], strict=True):
        assert {k: v for k, v in host.items() if k != "findings"} == {
            k: v for k, v in full_host.items() if k != "findings"
        }
        for full, f in zip(full_host["findings"], host["findings"], strict=True):
            seen.add(f["status"])
            if f["status"] in quiet:  # nothing shows it once a fleet is too large
                assert f["evidence"] == {} and {**f, "evidence": full["evidence"]} == full
            else:  # failing, undecided and waived findings keep everything
                assert f == full
    assert seen & quiet and seen - quiet  # both kinds were there to compare
    # the texts repeated across hosts are one string each
    titles = [f["title"] for h in reduced["hosts"] for f in h["findings"] if f["title"]]
    assert len({id(t) for t in titles}) == len(set(titles))

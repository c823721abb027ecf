"""netguard correlate: a receiver's arrivals held against a run's results document — genuine
arrivals fail isolation.reachability with their evidence, everything else is listed, never
counted, and the summary and exit status follow the document's own rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from netguard.cli import main
from netguard.engine.correlate import correlate
from netguard.errors import InputError
from netguard.probe import token as tk
from netguard.results import SCHEMA, parse_results

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
RUN = "0123456789abcdef0123456789abcdef"
START = 1_795_000_000  # the run's start: every token's window opens here


def _host(name: str, zone: str, status: str) -> dict[str, Any]:
    return {
        "name": name,
        "address": "10.20.0.11",
        "segment": "lan",
        "zone": zone,
        "status": "audited",
        "findings": [
            {
                "check": "isolation.reachability",
                "category": "isolation",
                "status": status,
                "severity": "critical",
                "title": "t",
                "message": "m",
                "evidence": {"token": "ngp1.x", "attempts": []},
            }
        ],
    }


def _doc() -> dict[str, Any]:
    hosts = [
        _host("fin-pc-07", "intranet", "pass"),  # sent, not connected: arrivals decide
        _host("hr-pc-01", "intranet", "pass"),
        _host("web-01", "internet", "not_applicable"),
    ]
    return {
        "schema": SCHEMA,
        "run": {"id": RUN, "started": "2026-11-18T11:06:40+00:00"},
        "summary": {},
        "hosts": hosts,
    }


def _line(token: str, at: float = START + 60, source: str = "203.0.113.9", **kw: Any) -> str:
    rec = {"arrived_at": at, "source": source, "port": 80, "proto": "tcp", "token": token, **kw}
    return json.dumps(rec)


def _token(host: str, *, key: bytes = KEY, run: str = RUN, start: int = START) -> str:
    return str(tk.make(key, run, host, start))


LINES = [
    _line(_token("fin-pc-07"), source="203.0.113.9"),  # genuine: through a NAT exit
    _line(_token("fin-pc-07", key=OTHER_KEY)),  # forged: another key
    _line(_token("fin-pc-07", run="f" * 32)),  # replayed from another run
    _line(_token("hr-pc-01"), at=START + 5 * 3600),  # outside its window
    _line(_token("ghost-pc")),  # not a host of this run
    "{not json",  # malformed
    "",
]


def test_a_genuine_arrival_fails_its_host_and_nothing_else_counts() -> None:
    doc = _doc()
    new, found = correlate(doc, LINES, KEY, source="arrivals.jsonl")
    assert doc == _doc()  # the document given is left as it was
    assert list(found.arrivals) == ["fin-pc-07"]
    assert [(r.line, r.reason) for r in found.rejected] == [
        (2, "forged"),
        (3, "other_run"),
        (4, "outside_window"),
        (5, "unknown_host"),
        (6, "malformed"),
    ]
    fin, hr, web = new["hosts"]
    (reach,) = fin["findings"]
    assert reach["status"] == "fail" and reach["severity"] == "critical"
    assert reach["reason"] == "isolation.reachability.arrived"
    assert "203.0.113.9" in reach["message"] and "2026-11-18T11:07:40Z" in reach["message"]
    assert reach["evidence"]["arrivals"] == [
        {"arrived_at": "2026-11-18T11:07:40Z", "source": "203.0.113.9", "port": 80, "proto": "tcp"}
    ]
    assert reach["evidence"]["token"] == "ngp1.x"  # what the host reported is kept
    assert hr["findings"][0]["status"] == "pass"
    assert web["findings"][0]["status"] == "not_applicable"
    assert (new["summary"]["failing"], new["summary"]["compliant"]) == (1, 2)
    assert new["probe"]["accepted"][0]["host"] == "fin-pc-07"
    assert [r["reason"] for r in new["probe"]["rejected"]][:2] == ["forged", "other_run"]
    # the new document is a valid results document, with the verdicts the model gives
    assert [h.verdict for h in parse_results(new).hosts] == ["failing", "compliant", "compliant"]


def test_nothing_arrived_changes_nothing_but_the_record_of_it() -> None:
    new, found = correlate(_doc(), [], KEY)
    assert new["hosts"] == _doc()["hosts"] and not found.arrivals
    assert new["probe"] == {"arrivals": "", "accepted": [], "rejected": []}


def test_a_broken_results_document_is_refused() -> None:
    with pytest.raises(InputError):
        correlate({"schema": "other"}, LINES, KEY)


def test_the_command_writes_the_document_and_exits_as_an_audit(tmp_path: Path) -> None:
    results, arrivals, key = tmp_path / "r.json", tmp_path / "a.jsonl", tmp_path / "probe.key"
    results.write_text(json.dumps(_doc()), encoding="utf-8")
    arrivals.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    key.write_text(KEY.hex() + "\n")
    key.chmod(0o600)
    out = tmp_path / "correlated.json"
    argv = ["correlate", str(results), str(arrivals), "--probe-key", str(key)]
    assert main([*argv, "--format", "json", "-o", str(out)]) == 1  # a failing finding
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["failing"] == 1
    arrivals.write_text(LINES[1] + "\n", encoding="utf-8")  # only a forged one: proves nothing
    assert main([*argv, "-o", str(tmp_path / "t.txt")]) == 0
    assert "rejected line 1: forged" in (tmp_path / "t.txt").read_text(encoding="utf-8")

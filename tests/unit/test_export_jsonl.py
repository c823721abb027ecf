"""netguard export --format jsonl: one finding a line for a SIEM, one line per unaudited host."""

from __future__ import annotations

import json
from pathlib import Path

from netguard.export import render_export
from netguard.results import load_results
from tests.unit.export_doc import HOSTILE, findings_of, results

COMMON = (
    "schema", "type", "time", "run", "policy", "host", "address", "zone", "segment",
    "department", "owner", "location", "os", "host_status", "verdict",
)  # fmt: skip
FINDING_KEYS = (
    *COMMON, "check", "category", "status", "severity", "title", "references", "message",
    "reason", "args", "evidence", "waiver",
)  # fmt: skip
HOST_KEYS = (*COMMON, "detail", "detail_reason", "detail_args")
LAB = Path(__file__).resolve().parents[1] / "fixtures" / "lab-results.json"


def _lines(text: str) -> list[dict]:
    assert text.endswith("\n")
    return [json.loads(line) for line in text.split("\n")[:-1]]


def test_one_line_per_finding_and_per_unaudited_host_in_a_stable_key_order() -> None:
    r = results()
    text = render_export(r, "jsonl")
    lines = _lines(text)
    unaudited = [h for h in r.hosts if not h.audited]
    assert len(lines) == findings_of(r) + len(unaudited)
    for line in lines:
        keys = FINDING_KEYS if line["type"] == "finding" else HOST_KEYS
        assert tuple(line) == keys
        assert line["schema"] == "netguard.finding/1" and line["run"] == "9f1c00aa"
    hosts = [line for line in lines if line["type"] == "host"]
    assert [(h["host"], h["host_status"], h["verdict"]) for h in hosts] == [
        ("pc-2", "unreachable", "unknown"),
        ("pc-3", "hostkey_mismatch", "failing"),
    ]
    assert hosts[0]["detail_args"] == {"port": 22, "seconds": 3}


def test_findings_carry_host_references_waiver_and_evidence() -> None:
    lines = _lines(render_export(results(), "jsonl"))
    by_check = {(x["host"], x.get("check")): x for x in lines}
    fail = by_check[("pc-1", "isolation.default_route")]
    assert fail["references"] == ["GB/T 22239-2019 8.1.3.1", "BMB 17-2006"]
    assert (fail["department"], fail["zone"], fail["severity"]) == (
        "财务科",
        "intranet",
        "critical",
    )
    assert fail["time"] == "2026-11-23T14:02:13.901000+00:00"
    waived = by_check[("pc-1", "antivirus.signatures")]
    assert waived["status"] == "waived"
    assert waived["waiver"]["id"] == "WV-2026-001" and waived["waiver"]["approver"] == "李主任"
    assert by_check[("pc-1", "password.age")]["waiver"] is None


def test_hostile_host_text_stays_data_and_never_breaks_a_line() -> None:
    text = render_export(results(), "jsonl")
    # no viewer may see more lines than there are records: U+2028, NEL, bidi are escapes
    assert len(text.splitlines()) == len(_lines(text))
    for bad in ("\u2028", "\u202e", "\x1b", "\x00", "\ud800"):
        assert bad not in text
    assert "天擎" in text  # Chinese stays readable
    fail = next(x for x in _lines(text) if x.get("check") == "isolation.default_route")
    # the value is the host's text, except the lone surrogate UTF-8 cannot carry
    assert fail["evidence"]["route"] == HOSTILE.replace("\ud800", "\ufffd")
    text.encode("utf-8")  # writable


def test_the_lab_document_exports_every_finding() -> None:
    r = load_results(LAB)
    lines = _lines(render_export(r, "jsonl"))
    assert len([x for x in lines if x["type"] == "finding"]) == findings_of(r) == 101
    assert {x["host"] for x in lines if x["type"] == "host"} == {
        "hang-pc", "down-pc", "rekeyed-pc", "newkey-pc",
    }  # fmt: skip
    assert all(x["references"] == [] for x in lines if x["type"] == "finding")  # older document

"""Arrivals read back against one run: genuine ones per host; forged, replayed, late, unknown
host and malformed lines rejected with their reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netguard.errors import InputError
from netguard.probe import token as tk
from netguard.probe.arrivals import Arrival, Rejection, read_lines, sort_arrivals

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
RUN = "run1"
START = 1_800_000_000
HOSTS = frozenset({"dual-pc", "ok-pc"})


def _line(token: str, at: float = START + 5, source: str = "203.0.113.9", **extra: object) -> str:
    rec = {"token": token, "arrived_at": at, "source": source, "port": 80, "proto": "tcp"}
    return json.dumps({**rec, **extra})


def test_sorted_by_host_and_each_rejection_named() -> None:
    good = str(tk.make(KEY, RUN, "dual-pc", START))
    lines = [
        _line(good),
        _line(str(tk.make(OTHER_KEY, RUN, "dual-pc", START))),  # forged
        _line(str(tk.make(KEY, "run0", "dual-pc", START))),  # replayed from another run
        _line(good, at=START + tk.WINDOW + 1),  # outside the window
        _line(str(tk.make(KEY, RUN, "stranger", START))),  # no host of the run
        "not json",
        _line(good, source="not-an-ip"),
        _line(good, port=0),
        "",
    ]
    s = sort_arrivals(lines, KEY, run_id=RUN, hosts=HOSTS)
    assert s.arrivals == {
        "dual-pc": [Arrival("dual-pc", START + 5, "203.0.113.9", 80, "tcp", good)]
    }
    assert [(r.line, r.reason) for r in s.rejected] == [
        (2, "forged"),
        (3, "other_run"),
        (4, "outside_window"),
        (5, "unknown_host"),
        (6, "malformed"),
        (7, "malformed"),
        (8, "malformed"),
    ]
    assert s.rejected[0] == Rejection(
        2, "forged", str(tk.make(OTHER_KEY, RUN, "dual-pc", START)), "203.0.113.9"
    )


def test_read_lines_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read arrivals"):
        read_lines(tmp_path / "missing.jsonl")
    p = tmp_path / "a.jsonl"
    p.write_bytes(b'{"a": 1}\n\xff\n')
    assert read_lines(p) == ['{"a": 1}', "\ufffd"]

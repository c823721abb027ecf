"""The results document written as an audit's hosts finish, so memory stays flat however many
hosts it has.

Each host's entry is serialised once, when its result arrives, into a temporary file; the run
keeps only what its verdicts, summary and waivers need (``slim``). At the end the document is
written from that file in the run's order, with the blocks ``run_document`` gives, byte for
byte as ``dumps(run_document(run))`` would write them for the full results.
"""

from __future__ import annotations

import json
import tempfile
from collections import deque
from dataclasses import dataclass, replace
from typing import IO, Any

from netguard.model import FindingStatus, HostResult, HostStatus
from netguard.results.document import document_head, document_tail, dumps
from netguard.results.run import Run
from netguard.results.summary import summarize_statuses

#: The findings a slim result keeps: those that decide its verdict or a waiver's count.
KEPT = frozenset({FindingStatus.FAIL, FindingStatus.ERROR, FindingStatus.WAIVED})

#: A host entry's indentation inside the document (``hosts`` is at the second level).
_ENTRY_INDENT = "\n    "


def slim(result: HostResult) -> HostResult:
    """What a run keeps of a host once its entry is written: its status, and its failing,
    undecided and waived findings without their evidence — the same verdict, the same waivers
    block and terminal summary, a fraction of the memory."""
    kept = tuple(replace(f, evidence={}) for f in result.findings if f.status in KEPT)
    return replace(result, findings=kept)


def entry_text(host: dict[str, Any]) -> str:
    """One host's entry as the document holds it (indented for its place in ``hosts``)."""
    text = json.dumps(host, ensure_ascii=False, indent=2, default=str)
    return text.replace("\n", _ENTRY_INDENT)  # JSON strings hold no raw newline


@dataclass(frozen=True)
class _Spooled:
    offset: int
    size: int
    status: HostStatus
    statuses: tuple[FindingStatus, ...]


class ResultsStream:
    """``add`` every host's result as it finishes (one thread), then ``write`` the document
    once the run is over; ``close`` (or a ``with`` block) removes the temporary file."""

    def __init__(self, directory: str | None = None) -> None:
        self._file = tempfile.TemporaryFile(dir=directory, prefix=".netguard-results-")  # noqa: SIM115
        self._end = 0
        self._hosts: dict[str, deque[_Spooled]] = {}

    def add(self, result: HostResult) -> None:
        data = entry_text(result.to_dict()).encode("utf-8")
        self._file.write(data)
        spooled = _Spooled(self._end, len(data), result.status, tuple(result.finding_statuses))
        self._hosts.setdefault(result.host.name, deque()).append(spooled)
        self._end += len(data)

    def write(self, run: Run, out: IO[bytes]) -> None:
        """The document of ``run``: its hosts in the run's order, each as it was added."""
        order = [self._take(r.host.name) for r in run.results]
        summary = summarize_statuses((s.status, s.statuses) for s in order)
        head = dumps(document_head(run, summary))
        out.write(head[: -len("\n}\n")].encode("utf-8") + b',\n  "hosts": [')
        self._file.flush()
        for i, spooled in enumerate(order):
            out.write(b",\n    " if i else b"\n    ")
            self._file.seek(spooled.offset)
            out.write(self._file.read(spooled.size))
        out.write(b"\n  ]" if order else b"]")
        tail = document_tail(run)
        out.write((",\n" + dumps(tail)[len("{\n") :] if tail else "\n}\n").encode("utf-8"))

    def _take(self, name: str) -> _Spooled:
        queue = self._hosts.get(name)
        if not queue:
            raise RuntimeError(f"the result of {name} was never added to the results stream")
        return queue.popleft()

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> ResultsStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""The results document written as an audit's hosts finish, so memory stays flat however many
hosts it has.

Each host's entry is serialised once, when its result arrives, into a temporary file; the run
keeps only what its verdicts, summary and waivers need (``slim``). At the end the document is
written from that file in the run's order, with the blocks ``run_document`` gives, byte for
byte as ``dumps(run_document(run))`` would write them for the full results.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any, TypeVar, cast

from netguard.model import FindingStatus, HostResult, HostStatus
from netguard.results.document import document_head, document_tail, dumps
from netguard.results.run import Run
from netguard.results.summary import summarize_statuses

#: The findings a slim result keeps: those that decide its verdict or a waiver's count.
KEPT = frozenset({FindingStatus.FAIL, FindingStatus.ERROR, FindingStatus.WAIVED})

#: A host entry's indentation inside the document (``hosts`` is at the second level).
_ENTRY_INDENT = "\n    "
#: Where ``hosts`` opens in a written document: a JSON string holds no raw newline, so only the
#: document's own structure can have it.
_HOSTS_OPEN = ',\n  "hosts": ['
_PIECE = 1 << 20  # characters read at a time when reading a document back


def slim(result: HostResult, sharing: Sharing | None = None) -> HostResult:
    """What a run keeps of a host once its entry is written: its status, and its failing,
    undecided and waived findings without their evidence — the same verdict, the same waivers
    block and terminal summary, a fraction of the memory. With ``sharing`` (a run's), the
    texts, arguments and segment it keeps are one object for all the hosts that have equal
    ones (results held back by the fleet step come back from disk as copies of everything)."""
    if sharing is None:
        kept = tuple(replace(f, evidence={}) for f in result.findings if f.status in KEPT)
        return replace(result, findings=kept)
    one, text = sharing.one, sharing.text
    kept = tuple(
        replace(
            f,
            evidence={},
            message=text(f.message),
            title=text(f.title),
            remediation=text(f.remediation),
            args=one(f.args),
            titles=one(f.titles),
            remediations=one(f.remediations),
            references=one(f.references),
        )
        for f in result.findings
        if f.status in KEPT
    )
    return replace(result, findings=kept, segment=one(result.segment))


_T = TypeVar("_T")


class Sharing:
    """One object for equal values across the hosts of a run or a report: short texts are
    interned, and values that can be compared whole (tuples, frozen records, mappings of
    such) are looked up in a table of those seen; anything else (a list inside) is kept as
    it is. Only for values nobody changes afterwards."""

    def __init__(self) -> None:
        self._seen: dict[Any, Any] = {}

    @staticmethod
    def text(value: str) -> str:
        return sys.intern(value) if len(value) <= _SHARED_MAX else value

    def one(self, value: _T) -> _T:
        try:
            key = (type(value), _frozen(value))
        except TypeError:
            return value
        return cast(_T, self._seen.setdefault(key, value))


def _frozen(value: Any) -> Any:
    """A hashable form of a JSON-like value that tells types apart (1, 1.0 and True differ);
    TypeError for a value that has none."""
    if isinstance(value, dict):
        return tuple((k, _frozen(v)) for k, v in value.items())
    if isinstance(value, tuple):
        return tuple(_frozen(v) for v in value)
    hash(value)  # texts, numbers, None, frozen records; a list raises TypeError
    return (type(value), value)


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
        self._sharing = Sharing()

    def slim(self, result: HostResult) -> HostResult:
        """``slim``, sharing equal values with the run's other hosts."""
        return slim(result, self._sharing)

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


#: texts up to this length are shared between hosts (titles, messages, remediations)
_SHARED_MAX = 2048
#: findings whose evidence nothing shows once a fleet is too large for every host's detail
QUIET = frozenset({FindingStatus.PASS.value, FindingStatus.NOT_APPLICABLE.value})


def without_quiet_evidence(entry: dict[str, Any]) -> dict[str, Any]:
    """A host entry as the documents of a large run need it, in less memory: without the
    evidence of its passing and not-applicable findings (a report shows every finding's
    evidence only up to ``report.model.DETAIL_ALL_MAX`` hosts; checklists and alerts read
    failing findings only), and with each finding's keys and texts shared with the same texts
    of the other hosts (a decoder makes a new string of every one: for a city, most of what a
    read-back holds is the same few keys, titles and messages twelve thousand times over)."""
    findings = entry.get("findings")
    if isinstance(findings, list):
        entry["findings"] = [_shared(f) if isinstance(f, dict) else f for f in findings]
    return entry


def _shared(finding: dict[str, Any]) -> dict[str, Any]:
    quiet = finding.get("status") in QUIET
    return {
        sys.intern(key): {}
        if quiet and key == "evidence"
        else Sharing.text(value)
        if isinstance(value, str)
        else value
        for key, value in finding.items()
    }


def read_written(
    path: str | Path, reduce: Callable[[dict[str, Any]], dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A document this module wrote, read back one host entry at a time: the same value as
    ``json.load``, without ever holding its whole text (for 12,000 hosts with their evidence,
    hundreds of MiB) beside the value; ``reduce`` shrinks each host entry as it is read
    (``without_quiet_evidence``). ValueError for a file that is not such a document."""
    hosts: list[Any] = []
    doc = scan_written(path, lambda host: hosts.append(reduce(host) if reduce else host))
    doc["hosts"] = hosts
    return doc


def scan_written(
    path: str | Path,
    each: Callable[[dict[str, Any]], None],
    head: Callable[[dict[str, Any]], object] | None = None,
) -> dict[str, Any]:
    """A document this module wrote (or one laid out the same way), host entry by host entry:
    ``head`` gets the blocks before ``hosts`` once they are read, ``each`` every host entry in
    order, and nothing keeps it; returns the document with ``hosts`` empty. ValueError for a
    file that is not laid out so (it may still be a valid document: read it whole then)."""
    decoder = json.JSONDecoder()
    with open(path, encoding="utf-8") as fh:
        buf = ""
        while (start := buf.find(_HOSTS_OPEN)) < 0:
            piece = fh.read(_PIECE)
            if not piece:
                raise ValueError(f"{path}: no hosts array where this writer puts it")
            buf += piece
        doc: dict[str, Any] = json.loads(buf[:start] + "}")
        if head is not None:
            head(doc)
        doc["hosts"] = []  # in its place among the blocks, empty
        buf, pos = buf[start + len(_HOSTS_OPEN) :], 0
        expect_value, seen = True, False
        while True:
            while pos < len(buf) and buf[pos] in " \n":
                pos += 1
            if pos >= len(buf):
                buf, pos = _more(fh, buf, pos, path), 0
                continue
            if expect_value and not (buf[pos] == "]" and not seen):
                try:
                    host, pos = decoder.raw_decode(buf, pos)
                except json.JSONDecodeError:  # cut by the end of what was read: read on
                    buf, pos = _more(fh, buf, pos, path), 0
                    continue
                if not isinstance(host, dict):
                    raise ValueError(f"{path}: a host entry that is not an object")
                each(host)
                expect_value, seen = False, True
            elif buf[pos] == "]":
                break
            elif buf[pos] == "," and not expect_value:
                pos += 1
                expect_value = True
            else:
                raise ValueError(f"{path}: unexpected {buf[pos]!r} in the hosts array")
        rest = (buf[pos + 1 :] + fh.read()).strip()
    if rest != "}":
        if not rest.startswith(","):
            raise ValueError(f"{path}: unexpected text after the hosts array")
        doc.update(json.loads("{" + rest[1:]))
    return doc


def _more(fh: IO[str], buf: str, pos: int, path: str | Path) -> str:
    """What is left of ``buf`` from ``pos``, and the next piece of the file."""
    piece = fh.read(_PIECE)
    if not piece:
        raise ValueError(f"{path}: the hosts array does not end")
    return buf[pos:] + piece

"""Collection: transports run the fixed read-only script; parsers turn its output into Facts."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Protocol

from netguard.i18n import english_detail
from netguard.model import Host, HostStatus

if TYPE_CHECKING:
    from netguard.collect.probe import ProbeRequest
    from netguard.model.watched import WatchList

#: Output above this size is not read further: hostile or broken hosts must not exhaust memory.
OUTPUT_CAP = 32 * 1024 * 1024


@dataclass(frozen=True)
class Collection:
    """What a transport brought back from one host, before parsing."""

    status: HostStatus
    detail: str = ""
    stdout: bytes = b""
    exit_status: int | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    #: the auditor's clock when the output was in hand (epoch s): ages (password, signatures)
    #: are measured against it, so a replay months later judges what was seen, as it was then
    collected_at: float = field(default_factory=time.time)
    #: why it failed as a message id (``host_detail.<id>``) and its language-neutral arguments;
    #: ``detail`` is their English rendering
    detail_reason: str = ""
    detail_args: dict[str, Any] = field(default_factory=dict)


def failed(
    status: HostStatus, reason: str, evidence: dict[str, Any] | None = None, **args: Any
) -> Collection:
    """A collection that brought nothing back, and why: ``host_detail.<reason>`` with args
    (text from the host, the OS or the SSH library goes in ``raw``, quoted as it came)."""
    return Collection(
        status,
        english_detail(reason, **args),
        evidence=evidence or {},
        detail_reason=reason,
        detail_args=args,
    )


class Collector(Protocol):
    """Brings back one host's output: SSH, the local machine, or an evidence bundle (replay).
    With a probe request, a live transport puts ``probe.preamble(request)`` before the fixed
    script; with a watch list (the rule files' paths and commands, Linux hosts only),
    ``watch.preamble(watch)`` after it. The engine passes each only when there is one, so an
    audit without them sends exactly what it always did."""

    def collect(
        self, host: Host, request: ProbeRequest | None = None, *, watch: WatchList | None = None
    ) -> Collection: ...


@cache  # read once per process, not once per host
def linux_script() -> bytes:
    """The fixed collection script as it is sent: data of the package, never built from
    inventory text. Its comments explain it to the people who read it and cost every host a
    third of the bytes it is sent, so whole-line comments stay behind (``without_comments``)."""
    source = resources.files("netguard.collect").joinpath("scripts/linux.sh").read_text("utf-8")
    return without_comments(source).encode("utf-8")


def without_comments(script: str) -> str:
    """``script`` without its blank lines and the lines that are only a shell comment.

    A line is dropped only where the shell would read a comment: outside every quote (a ``#``
    line inside an awk program, a single-quoted word, stays: there it is data). The scan follows
    quotes, backslashes and comments (an apostrophe in a comment opens nothing). Pinned by a
    test that has bash print the function both ways and finds them identical."""
    kept: list[str] = []
    quote = ""  # the quote open at the start of the line: "", "'" or '"'
    for line in script.splitlines(keepends=True):
        stripped = line.strip()
        if not quote and (not stripped or stripped.startswith("#")):
            continue
        kept.append(line)
        quote = _quote_after(line, quote)
    return "".join(kept)


def _quote_after(line: str, quote: str) -> str:
    """The quote still open after ``line``, given the one open before it."""
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if quote == "'":
            if c == "'":
                quote = ""
        elif quote == '"':
            if c == "\\":
                i += 1
            elif c == '"':
                quote = ""
        elif c == "\\":
            i += 1
        elif c in "'\"":
            quote = c
        elif c == "#" and (i == 0 or line[i - 1] in " \t;|&()"):
            return quote  # a comment: the rest of the line is not read
        i += 1
    return quote


#: The one remote command ever executed: a shell reading the fixed script on its stdin.
REMOTE_COMMAND = "env LC_ALL=C LANG=C /bin/sh -s"

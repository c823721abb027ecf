"""How the collection script's output is cut into sections: two formats, both read here.

**Format 2** (scripts/linux.sh since issue 17): each section printed raw, between lines that carry
a boundary netguard chose for this host and this audit (``new_boundary``: 128 random bits, sent
as the line ``NG_BOUNDARY='HEX'`` before the script)::

    @@ng2 BOUNDARY NAME\\n
    <the section's output, as the command printed it: any bytes>
    \\n@@rc2 BOUNDARY STATUS\\n
    ...
    @@end2 BOUNDARY\\n

The script adds the newline before ``@@rc2`` itself, so the section's text is what the command
printed, exactly (one without a trailing newline included). A marker counts wherever it
appears, at a line start or not: what a host holds was written before the audit chose the
boundary, so no file, process name, log line or interface name can carry it, and a section cut
in the middle of a line by its cap still ends where the next marker starts. Markers with another
boundary are text like any other. What remains: a hostile root on the target controls the whole
output anyway (it can run anything in place of the script); the boundary protects the sections
from the content they carry, not from the machine itself.

**Format 1** (every script before issue 17, and the Windows script): one line per section,
``@@ng NAME BASE64`` where the base64 text is the output followed by ``\\n@@rc STATUS``, then
``@@end``. Evidence bundles recorded by earlier versions hold it, and ``netguard replay`` reads
them: ``split`` reads both, telling them apart from the output itself.

In both, a section cut at its cap (its status line lost, or as many bytes as its cap) has the
status None: an error, never a pass. Output that does not end with its end marker was cut off:
CollectionError.

Which boundary: a live transport knows the one it sent and passes it (it is also kept in the
collection's evidence, so a replay passes it too); anything before the first section (a login
banner) is then ignored whatever it says. Without one (outputs made by tests, or recorded
without the evidence entry), the boundary is read from the output's first ``@@ng2`` line: a
recorded output comes from a signed bundle, so nothing was added to it after the audit.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from netguard.errors import CollectionError

#: the evidence key under which a transport records the boundary it sent
EVIDENCE_KEY = "boundary"
#: what the script accepts as a boundary (its fallback, the kernel's random UUID, included)
BOUNDARY = re.compile(r"[0-9a-f][0-9a-f-]{31,63}")
_NAME = re.compile(rb"[A-Za-z0-9_.-]{1,64}")
_STATUS = re.compile(rb"[0-9]{1,3}\n")
_SENT = re.compile(rb"NG_BOUNDARY='([0-9a-f][0-9a-f-]{31,63})'\n")
_FIRST = re.compile(rb"(?:^|\n)@@ng2 ([^ \n]{0,80}) ")


@dataclass(frozen=True)
class Section:
    name: str
    text: str
    rc: int | None  # None: truncated at the cap, the status line was lost

    @property
    def ok(self) -> bool:
        return self.rc == 0


def new_boundary() -> str:
    """A fresh boundary for one host's collection: 128 random bits, as hex."""
    return secrets.token_hex(16)


def preamble(boundary: str) -> bytes:
    """The line to put before the script."""
    if not BOUNDARY.fullmatch(boundary):
        raise ValueError("a boundary is 32 to 64 hex digits")
    return f"NG_BOUNDARY='{boundary}'\n".encode("ascii")


def sent(stdin: bytes) -> dict[str, str]:
    """The evidence entry for what a transport sent: the boundary of its first line when that
    is ``preamble``'s (a Windows host's stdin has none)."""
    found = _SENT.match(stdin)
    return {EVIDENCE_KEY: found.group(1).decode("ascii")} if found else {}


def sent_boundary(evidence: Mapping[str, object]) -> str | None:
    """The boundary a transport recorded in a collection's evidence, if any."""
    value = evidence.get(EVIDENCE_KEY)
    return value if isinstance(value, str) else None


def split(
    stdout: bytes, cap_of: Callable[[str], int], boundary: str | None = None
) -> dict[str, Section]:
    """The sections of a collection output in either format; ``cap_of(name)`` is the cap the
    script puts on that section. Raises CollectionError if it is not our script's output."""
    if boundary is None:
        found = _FIRST.search(stdout)
        if found is None:
            sections = _split_v1(stdout, cap_of)
        else:
            boundary = found.group(1).decode("ascii", "replace")
            if not BOUNDARY.fullmatch(boundary):
                raise CollectionError(f"malformed section boundary: {boundary[:80]!r}")
            sections = _split_v2(stdout, cap_of, boundary)
    else:
        sections = _split_v2(stdout, cap_of, boundary)
    if not sections:
        raise CollectionError("no collection sections in the output")
    return sections


def _split_v2(stdout: bytes, cap_of: Callable[[str], int], boundary: str) -> dict[str, Section]:
    b = boundary.encode("ascii")
    start, status, end = b"@@ng2 " + b + b" ", b"\n@@rc2 " + b + b" ", b"@@end2 " + b + b"\n"
    stop = stdout.find(end)
    if stop < 0:
        raise CollectionError("collection output ended early (no end marker): output cut off")
    out = stdout[:stop]
    sections: dict[str, Section] = {}
    at = out.find(start)
    while at >= 0:
        head_end = out.find(b"\n", at + len(start))
        raw_name = out[at + len(start) : head_end] if head_end >= 0 else b""
        if not _NAME.fullmatch(raw_name) or raw_name.decode() in sections:
            raise CollectionError(f"malformed section line: {raw_name[:80]!r}")
        name = raw_name.decode()
        nxt = out.find(start, head_end)
        body = out[head_end + 1 : nxt if nxt >= 0 else len(out)]
        text, sep, rc = body.rpartition(status)
        if not sep or len(body) >= cap_of(name) or not _STATUS.fullmatch(rc):
            sections[name] = Section(name, body.decode("utf-8", "replace"), None)
        else:
            sections[name] = Section(name, text.decode("utf-8", "replace"), int(rc))
        at = nxt
    return sections


def _split_v1(stdout: bytes, cap_of: Callable[[str], int]) -> dict[str, Section]:
    sections: dict[str, Section] = {}
    ended = False
    for raw in stdout.splitlines():
        line = raw.decode("ascii", "replace")
        if line == "@@end":
            ended = True
            continue
        if not line.startswith("@@ng "):
            continue  # e.g. a login banner or motd printed by the shell: ignore it
        parts = line.split(" ")
        if len(parts) != 3 or parts[1] in sections:
            raise CollectionError(f"malformed section line: {line[:80]!r}")
        try:
            payload = base64.b64decode(parts[2], validate=True)
        except (binascii.Error, ValueError) as exc:
            raise CollectionError(f"section {parts[1][:40]!r} is not valid base64") from exc
        text = payload.decode("utf-8", "replace")
        body, sep, rc = text.rpartition("\n@@rc ")
        if not sep or len(payload) >= cap_of(parts[1]) or not rc.isdigit():
            sections[parts[1]] = Section(parts[1], text, None)
        else:
            sections[parts[1]] = Section(parts[1], body, int(rc))
    if not ended:
        raise CollectionError("collection output ended early (no end marker): output cut off")
    return sections


def encode(sections: Mapping[str, tuple[str, int]], boundary: str | None = None) -> bytes:
    """The inverse of ``split``: section name → (text, exit status) as the script prints them,
    in format 2 with ``boundary``, else in format 1 (as recorded by earlier versions).

    Used to replay recorded outputs (tests, evidence bundles) through the very same parser,
    and by the local transport for the sections it adds."""
    if boundary is None:
        lines = []
        for name, (text, rc) in sections.items():
            payload = f"{text}\n@@rc {rc}".encode()
            lines.append(f"@@ng {name} {base64.b64encode(payload).decode()}")
        lines.append("@@end")
        return ("\n".join(lines) + "\n").encode()
    parts = [
        f"@@ng2 {boundary} {name}\n{text}\n@@rc2 {boundary} {rc}\n".encode()
        for name, (text, rc) in sections.items()
    ]
    return b"".join(parts) + end_marker(boundary)


def end_marker(boundary: str) -> bytes:
    return f"@@end2 {boundary}\n".encode("ascii")

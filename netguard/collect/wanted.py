"""The names a run asks the fixed script about, instead of the host's complete lists.

Of the package database, the programs in the system's bin directories and systemd's services,
the checks read only the names of the policy's antivirus catalog (checks/antivirus.py). Sending
every package and every program (~30 KiB a host) to look up a dozen names costs the audited
machine CPU and the network bytes, so a live transport puts one line before the script:

    NG_WANT='ngwant1 p/PACKAGE… b/PROGRAM… s/SERVICE…'

and the script's ``dpkg``, ``rpm``, ``executables`` and ``services`` sections then hold only
those names (scripts/linux.sh). Every name is checked here to be a plain token (the catalog's
alphabet, no leading dash or dot): no quote, space, glob, ``$`` or slash can reach the shell,
and no name can be read as an option. Without the line the sections are complete, as before.

The script repeats the list as received in its ``wanted`` section, so a recorded output alone
says which names were asked: the parser marks those groups as holding the asked names only
(``Facts.only_asked``), and a check looking for a name that was not asked cannot decide — never
"not installed".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from netguard.model import AvProduct

VERSION = "ngwant1"
SECTION = "wanted"
#: the Facts groups a list can be reduced to, and their tag on the wire
KINDS = {"packages": "p", "executables": "b", "services": "s"}
#: a name the script may be given: the catalog's alphabet (policy/loader.py), not starting
#: with "-" (an option) or "." ("." and "..")
NAME = re.compile(r"[A-Za-z0-9_@+:][A-Za-z0-9_.+@:-]{0,127}")
#: more names than this: the complete lists cost less than the line
MAX_NAMES = 512


@dataclass(frozen=True)
class Wanted:
    """Names to ask for, per Facts group (packages, executables, services)."""

    packages: tuple[str, ...] = ()
    executables: tuple[str, ...] = ()
    services: tuple[str, ...] = ()

    def groups(self) -> dict[str, tuple[str, ...]]:
        return {kind: getattr(self, kind) for kind in KINDS}


def from_products(products: Iterable[AvProduct]) -> Wanted | None:
    """Every name of the antivirus catalog the Linux script's lists are read for: packages,
    binaries, and the services of the engines and helpers. None (complete lists) when a name
    may not be sent, or there are too many of them."""
    packages: list[str] = []
    executables: list[str] = []
    services: list[str] = []
    for p in products:
        packages += p.packages
        executables += p.binaries
        services += [*p.services, *(s for h in p.helpers for s in h.services)]
    wanted = Wanted(*(tuple(dict.fromkeys(n)) for n in (packages, executables, services)))
    names = [n for group in wanted.groups().values() for n in group]
    if len(names) > MAX_NAMES or not all(NAME.fullmatch(n) for n in names):
        return None
    return wanted


def preamble(wanted: Wanted | None) -> bytes:
    """The line to put before the script (empty without a list: complete lists); ValueError
    if a name is not a plain token."""
    if wanted is None:
        return b""
    words = [VERSION]
    for kind, names in wanted.groups().items():
        for name in names:
            if not NAME.fullmatch(name):
                raise ValueError(f"{kind} name {name[:40]!r} may not be sent to the script")
            words.append(f"{KINDS[kind]}/{name}")
    if len(words) > MAX_NAMES + 1:
        raise ValueError(f"more than {MAX_NAMES} names")
    return f"NG_WANT='{' '.join(words)}'\n".encode("ascii")


def parse_wanted(text: str) -> dict[str, frozenset[str]]:
    """Section ``wanted`` → group → names asked ({} for ``requested=0``: complete lists).
    ValueError for anything else."""
    lines = text.rstrip("\n").split("\n")
    if lines == ["requested=0"]:
        return {}
    if lines[:2] != ["requested=1", VERSION]:
        raise ValueError("wanted section is neither requested=0 nor requested=1 with a list")
    tags = {tag: kind for kind, tag in KINDS.items()}
    asked: dict[str, set[str]] = {kind: set() for kind in KINDS}
    for line in lines[2:]:
        tag, slash, name = line.partition("/")
        if tag not in tags or not slash or not NAME.fullmatch(name):
            raise ValueError(f"unreadable wanted name {line[:60]!r}")
        asked[tags[tag]].add(name)
    return {kind: frozenset(names) for kind, names in asked.items()}

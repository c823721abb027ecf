"""Files written whole or not at all, with the permissions a new file would get."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import IO


def write_atomic(path: str | Path, text: str | bytes | Callable[[IO[bytes]], None]) -> None:
    """Write via a temp file and rename: an interrupted run never leaves half a file behind.
    The file gets the permissions any new file would (mode 666 less the umask), not the
    temp file's 600: reports are meant to be passed on. ``text`` may be a function that
    writes the bytes itself (a document too large to hold in memory)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            if callable(text):
                text(fh)
            else:
                fh.write(text.encode("utf-8") if isinstance(text, str) else text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@cache
def _umask() -> int:
    mask = os.umask(0o022)  # the only way to read it is to set it; put it straight back
    os.umask(mask)
    return mask

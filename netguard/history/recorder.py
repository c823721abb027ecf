"""Feeding a run to the history as it happens, or to nothing when there is no history."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from netguard.errors import InputError
from netguard.model import HostResult

if TYPE_CHECKING:
    from netguard.history.store import RunWriter, Store
    from netguard.results import Run


class RunRecorder:
    """begin → add (per host) → finish, then close — always, also when the audit was
    interrupted: the run then stays in the history, marked incomplete.

    A history that goes away during the audit (a PostgreSQL server down: HistoryUnavailable) or
    refuses a write (a full disk, a value the database cannot store) never stops the audit:
    recording stops, ``lost`` says why, and the audit's results are written whole as always
    (the caller says the run was not recorded). Whether the history can be used at all is
    decided before, when it is opened."""

    def __init__(self, store: Store | None) -> None:
        self.store = store
        self.writer: RunWriter | None = None
        self.lost: InputError | None = None

    def _step(self, step: Callable[[], None]) -> None:
        if self.lost is not None:
            return
        try:
            step()
        except InputError as exc:  # the store says every database error so, naming it
            self.lost, self.writer = exc, None

    def begin(self, run: Run) -> None:
        store = self.store
        if store is not None:

            def begin() -> None:
                self.writer = store.begin(run)

            self._step(begin)

    def add(self, result: HostResult) -> None:
        writer = self.writer
        if writer is not None:
            self._step(lambda: writer.add(result))

    def finish(self, run: Run) -> None:
        writer = self.writer
        if writer is not None:
            self._step(lambda: writer.finish(run))

    def close(self) -> None:
        writer = self.writer
        if writer is not None:
            self._step(writer.close)

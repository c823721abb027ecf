"""Feeding a run to the history as it happens, or to nothing when there is no history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from netguard.model import HostResult

if TYPE_CHECKING:
    from netguard.history.store import RunWriter, Store
    from netguard.results import Run


class RunRecorder:
    """begin → add (per host) → finish, then close — always, also when the audit was
    interrupted: the run then stays in the history, marked incomplete."""

    def __init__(self, store: Store | None) -> None:
        self.store = store
        self.writer: RunWriter | None = None

    def begin(self, run: Run) -> None:
        if self.store is not None:
            self.writer = self.store.begin(run)

    def add(self, result: HostResult) -> None:
        if self.writer is not None:
            self.writer.add(result)

    def finish(self, run: Run) -> None:
        if self.writer is not None:
            self.writer.finish(run)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()

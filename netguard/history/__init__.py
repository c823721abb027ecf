"""The audit history: past runs in SQLite or an office's PostgreSQL (store), and what changed
between two runs (diff)."""

from netguard.history.diff import RunDiff, diff_documents, diff_exit_status
from netguard.history.model import RunSummary
from netguard.history.recorder import RunRecorder
from netguard.history.store import (
    HistoryUnavailable,
    RunWriter,
    Store,
    default_history,
    default_history_path,
    history_exists,
    history_target,
    open_store,
)

__all__ = [
    "HistoryUnavailable",
    "RunDiff",
    "RunRecorder",
    "RunSummary",
    "RunWriter",
    "Store",
    "default_history",
    "default_history_path",
    "diff_documents",
    "diff_exit_status",
    "history_exists",
    "history_target",
    "open_store",
]

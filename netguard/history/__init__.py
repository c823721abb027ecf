"""The audit history: past runs in SQLite (store), and what changed between two runs (diff)."""

from netguard.history.diff import RunDiff, diff_documents, diff_exit_status
from netguard.history.model import RunSummary
from netguard.history.recorder import RunRecorder
from netguard.history.store import RunWriter, Store, default_history_path, open_store

__all__ = [
    "RunDiff",
    "RunRecorder",
    "RunSummary",
    "RunWriter",
    "Store",
    "default_history_path",
    "diff_documents",
    "diff_exit_status",
    "open_store",
]

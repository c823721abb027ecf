"""The audit engine: evaluating a policy over one host's facts (``evaluate``: pure), and running
an audit over many hosts (``runner``: the bounded worker pool, one collection per host)."""

from netguard.engine.evaluate import evaluate
from netguard.engine.runner import (
    AuditJob,
    AuditOptions,
    CollectionSink,
    audit_host,
    preflight,
    run_audit,
)

__all__ = [
    "AuditJob",
    "AuditOptions",
    "CollectionSink",
    "audit_host",
    "evaluate",
    "preflight",
    "run_audit",
]

"""The results document (``netguard.results/1``): its one owner.

A run in memory (``Run``), the document built from it (``run_document``, ``dumps``), the counting
and exit-status rules (``summary``; the verdict rule itself is ``model.host_verdict``), and the
document read back, validated field by field, into typed records (``load_results``,
``parse_results``) — for reports, checklists, records and the history's import alike.
"""

from netguard.results.document import dumps, run_document, run_waivers_block
from netguard.results.read import load_results, parse_results, read_document
from netguard.results.records import (
    CollectorRecord,
    Duplicate,
    FindingRecord,
    HostRecord,
    Results,
    WaiverRecord,
    WaiversBlock,
)
from netguard.results.run import Run, inventory_block, run_block, scope_of
from netguard.results.summary import (
    SCHEMA,
    exit_status_of,
    exit_status_of_verdicts,
    summarize,
    summarize_hosts,
    summarize_statuses,
)

__all__ = [
    "SCHEMA",
    "CollectorRecord",
    "Duplicate",
    "FindingRecord",
    "HostRecord",
    "Results",
    "Run",
    "WaiverRecord",
    "WaiversBlock",
    "dumps",
    "exit_status_of",
    "exit_status_of_verdicts",
    "inventory_block",
    "load_results",
    "parse_results",
    "read_document",
    "run_block",
    "run_document",
    "run_waivers_block",
    "scope_of",
    "summarize",
    "summarize_hosts",
    "summarize_statuses",
]

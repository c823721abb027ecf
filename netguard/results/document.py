"""The results document of a run (schema: docs/results-schema.md), as an object and as text.

A run in memory gives its document whole (``run_document``); an audit of thousands of hosts
writes it as its hosts finish instead (``results/stream.py``), with the same blocks in the same
order, byte for byte."""

from __future__ import annotations

import json
from typing import Any

from netguard import __version__
from netguard.results.run import Run, run_block
from netguard.results.summary import SCHEMA, summarize
from netguard.waivers import waivers_block


def run_document(run: Run) -> dict[str, Any]:
    doc = document_head(run, summarize(run.results))
    doc["hosts"] = [r.to_dict() for r in run.results]
    doc.update(document_tail(run))
    return doc


def document_head(run: Run, summary: dict[str, Any]) -> dict[str, Any]:
    """The blocks before ``hosts``: schema, version, the run and its summary."""
    return {
        "schema": SCHEMA,
        "netguard_version": __version__,
        "run": run_block(run),
        "summary": summary,
    }


def document_tail(run: Run) -> dict[str, Any]:
    """The blocks after ``hosts``, each absent when the run had none (older readers see no
    change): the network sweep, the probe's arrivals, the waivers."""
    doc: dict[str, Any] = {}
    if run.sweep is not None:
        doc["network"] = run.sweep.to_dict()
    if run.probe is not None:  # absent without --arrivals, as without `netguard correlate`
        doc["probe"] = run.probe
    waivers = run_waivers_block(run)
    if waivers is not None:
        doc["waivers"] = waivers
    return doc


def run_waivers_block(run: Run) -> dict[str, Any] | None:
    """The ``waivers`` block of a run that used a waivers file (None otherwise)."""
    if run.waivers is None:
        return None
    return waivers_block(run.results, run.waivers, run.today)


def dumps(doc: dict[str, Any]) -> str:
    """The document as written to a file (UTF-8 text, indented, one trailing newline)."""
    return json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n"

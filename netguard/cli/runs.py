"""Running an audit on the command line, for every verb that runs one (audit, replay,
spot-check, inspect, discover): a progress bar on a terminal, and the text it writes."""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from netguard.export import FORMATS as EXPORT_FORMATS

if TYPE_CHECKING:
    from netguard.engine import AuditJob
    from netguard.history import RunRecorder
    from netguard.results import Run
    from netguard.results.stream import ResultsStream


def results_text(run: Run, results_json: str, fmt: str, lang: str = "en") -> str:
    """What an audit writes to -o or standard output: the JSON document, or the summary table
    (in ``lang``)."""
    from netguard.render.console import print_summary

    if fmt == "json":
        return results_json
    if fmt in EXPORT_FORMATS:  # from the document, read back as `netguard export` reads it
        from netguard.export import render_export
        from netguard.results import parse_results

        return render_export(parse_results(json.loads(results_json)), fmt)
    buf = io.StringIO()
    print_summary(run, Console(file=buf, width=140, force_terminal=False), lang)
    return buf.getvalue()


@contextmanager
def results_path(output: str | None) -> Iterator[Path]:
    """Where an audit writes its results document: the ``-o`` file of ``--format json``, else
    a temporary file (removed afterwards) that the bundle, the report and the other formats
    read it back from."""
    if output:
        yield Path(output)
        return
    fd, name = tempfile.mkstemp(prefix="netguard-results-", suffix=".json")
    os.close(fd)
    try:
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)


def run_with_progress(
    err: Console,
    quiet: bool,
    job: AuditJob,
    recorder: RunRecorder | None = None,
    label: str = "audit",
    lang: str = "en",
    stream: ResultsStream | None = None,
) -> Run:
    """run_audit with a progress bar on a terminal (audit, replay, spot-check, inspect); the
    label is the verb (``terminal.progress.<verb>``), said in ``lang``. With a ``stream``,
    every host's result is written there as it finishes and the run keeps slim results."""
    from netguard.engine import run_audit
    from netguard.i18n import catalog
    from netguard.model import HostResult

    with Progress(
        TextColumn(catalog(lang).get(f"terminal.progress.{label}", label), markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=err,
        disable=quiet or not err.is_terminal,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=len(job.inventory.hosts))

        def done(result: HostResult) -> None:
            progress.update(task, advance=1)
            if stream is not None:
                stream.add(result)
            if recorder is not None:
                recorder.add(result)

        return run_audit(
            job,
            on_result=done,
            on_start=recorder.begin if recorder else None,
            keep=stream.slim if stream is not None else None,
        )

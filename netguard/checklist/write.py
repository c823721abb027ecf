"""Write one checklist file per incident: Markdown, HTML or PDF."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from zoneinfo import ZoneInfo

from netguard.checklist.build import Incident, build_incidents
from netguard.checklist.html import render_checklist_html
from netguard.checklist.markdown import render_checklist_md
from netguard.errors import InputError
from netguard.i18n import LANGS
from netguard.playbooks import load_contacts, load_playbooks
from netguard.render.files import write_atomic
from netguard.results import Results

FORMATS = ("md", "html", "pdf")


def write_checklists(
    results: Results,
    fmt: str,
    lang: str,
    out_dir: str | Path,
    *,
    playbooks_dir: str | Path | None = None,
    contacts_path: str | Path | None = None,
    tz: ZoneInfo | str | None = None,
) -> list[Path]:
    """Render every incident the results trigger into out_dir; return the files written, most
    severe first. No incident, no file. Each file is written whole or not at all; one with the
    same name (same detection minute, same playbook) is replaced."""
    if fmt not in FORMATS:
        raise InputError(f"unknown checklist format {fmt!r} (one of {', '.join(FORMATS)})")
    if lang not in LANGS:
        raise InputError(f"unknown language {lang!r} (one of {', '.join(LANGS)})")
    contacts = load_contacts(contacts_path)
    playbooks = load_playbooks(playbooks_dir, contacts)
    incidents = build_incidents(results, playbooks, contacts, tz)
    digest = results_sha256(results.path)
    out = Path(out_dir)
    written = []
    for incident in incidents:
        incident = dataclasses.replace(incident, results_sha256=digest)
        path = out / f"{incident.file_stem}.{fmt}"
        _write_one(incident, fmt, lang, path)
        written.append(path)
    return written


def _write_one(incident: Incident, fmt: str, lang: str, path: Path) -> None:
    if fmt == "md":
        write_atomic(path, render_checklist_md(incident, lang))
    elif fmt == "html":
        write_atomic(path, render_checklist_html(incident, lang))
    else:
        from netguard.render.pdf import html_to_pdf

        html_to_pdf(render_checklist_html(incident, lang), path)


def results_sha256(path: str) -> str:
    """The SHA-256 of the results file, so the printed checklist pins the evidence it cites;
    "" when the results did not come from a readable file (e.g. straight from an audit)."""
    p = Path(path)
    try:
        if not p.is_file():
            return ""
        h = hashlib.sha256()
        with p.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 16), b""):
                h.update(block)
        return h.hexdigest()
    except OSError:
        return ""

"""Write one checklist file per incident: Markdown, HTML or PDF."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from netguard.checklist.build import (
    Incident,
    build_incidents,
    build_reported_incident,
    reported_hosts,
)
from netguard.checklist.html import render_checklist_html
from netguard.checklist.markdown import render_checklist_md
from netguard.errors import InputError
from netguard.i18n import LANGS
from netguard.model import Inventory
from netguard.playbooks import Contacts, Playbook, load_contacts, load_playbooks
from netguard.render.files import write_atomic
from netguard.results import Results
from netguard.yamlsrc import did_you_mean

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
    reported: str | datetime | None = None,
) -> list[Path]:
    """Render every incident the results trigger into out_dir; return the files written, most
    severe first. No incident, no file. Each file is written whole or not at all; one with the
    same name (same detection minute, same playbook) is replaced.

    ``reported`` (--detected-at): when the duty officer took the results in hand, an aware time
    or text (ISO 8601; without an offset, in the display zone); deadlines count from it."""
    contacts, playbooks, zone = _inputs(fmt, lang, playbooks_dir, contacts_path, tz)
    at = parse_detected_at(reported, zone) if reported is not None else None
    if at is not None and at < results.detected:
        raise InputError(
            f"--detected-at {at.isoformat()} is before the audit found the incidents "
            f"({results.detected.astimezone(zone).isoformat()})",
            field="--detected-at",
        )
    incidents = build_incidents(results, playbooks, contacts, zone, reported=at)
    digest = results_sha256(results.path)
    out = Path(out_dir)
    written = []
    for incident in incidents:
        incident = dataclasses.replace(incident, results_sha256=digest)
        path = out / f"{incident.file_stem}.{fmt}"
        _write_one(incident, fmt, lang, path)
        written.append(path)
    return written


def write_reported_checklist(
    playbook_id: str,
    host_names: list[str] | tuple[str, ...],
    inventory: Inventory,
    fmt: str,
    lang: str,
    out_dir: str | Path,
    *,
    playbooks_dir: str | Path | None = None,
    contacts_path: str | Path | None = None,
    tz: ZoneInfo | str | None = None,
    reported: str | datetime | None = None,
) -> Path:
    """The checklist of an incident reported by phone (``netguard checklist --incident``): the
    playbook by id (manual or not), the machines by their inventory names, no audit. Deadlines
    count from ``reported`` (default: now)."""
    contacts, loaded, zone = _inputs(fmt, lang, playbooks_dir, contacts_path, tz)
    playbooks = {pb.id: pb for pb in loaded}
    if playbook_id not in playbooks:
        raise InputError(
            f"no playbook {playbook_id!r}{did_you_mean(playbook_id, list(playbooks))}; "
            f"playbooks: {', '.join(sorted(playbooks))}",
            field="--incident",
        )
    at = parse_detected_at(reported, zone) if reported is not None else datetime.now(zone)
    hosts = reported_hosts(inventory, host_names)
    incident = build_reported_incident(playbooks[playbook_id], hosts, inventory, contacts, at, zone)
    path = Path(out_dir) / f"{incident.file_stem}.{fmt}"
    _write_one(incident, fmt, lang, path)
    return path


def _inputs(
    fmt: str,
    lang: str,
    playbooks_dir: str | Path | None,
    contacts_path: str | Path | None,
    tz: ZoneInfo | str | None,
) -> tuple[Contacts, list[Playbook], ZoneInfo]:
    """What every checklist is made from, checked before anything is built: the format and
    language, the contacts, the playbooks (their roles checked against the contacts), the
    display zone."""
    _check_format(fmt, lang)
    contacts = load_contacts(contacts_path)
    return contacts, list(load_playbooks(playbooks_dir, contacts)), display_zone(contacts, tz)


def display_zone(contacts: Contacts, tz: ZoneInfo | str | None) -> ZoneInfo:
    """--tz, else the contacts file's zone."""
    if tz is None:
        return contacts.timezone
    if isinstance(tz, ZoneInfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (KeyError, ValueError):
        raise InputError(f"unknown time zone {tz!r} (e.g. Asia/Shanghai)", field="--tz") from None


def parse_detected_at(value: str | datetime, zone: ZoneInfo) -> datetime:
    """An aware time from --detected-at: ISO 8601 with an offset (2026-11-24T02:10+08:00, or Z),
    or without one as a wall-clock time in the display zone (2026-11-24 02:10)."""
    if isinstance(value, datetime):
        at = value
    else:
        try:
            at = datetime.fromisoformat(value.strip())
        except ValueError:
            raise InputError(
                f"invalid time {value!r}; write ISO 8601, e.g. 2026-11-24T02:10+08:00, or "
                f"2026-11-24 02:10 for the time in {zone.key}",
                field="--detected-at",
            ) from None
    if at.tzinfo is None:
        from netguard.checklist.build import localize

        at = localize(at, zone)
    return at.astimezone(zone)


def _check_format(fmt: str, lang: str) -> None:
    if fmt not in FORMATS:
        raise InputError(f"unknown checklist format {fmt!r} (one of {', '.join(FORMATS)})")
    if lang not in LANGS:
        raise InputError(f"unknown language {lang!r} (one of {', '.join(LANGS)})")


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

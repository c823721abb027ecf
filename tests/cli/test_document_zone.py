"""One time zone per document, the same for the report and the checklists of a run
(docs/glossary.md, Time): --tz, else the contacts file's, else this machine's, else
Asia/Shanghai."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from netguard.cli import options
from netguard.cli.options import document_zone, system_zone
from netguard.errors import InputError

CONTACTS = """\
organisation: 某县政府办公室
{timezone}roles:
  duty_officer: {{name: {{zh: 值班员, en: Duty officer}}}}
"""


def contacts(tmp_path: Path, timezone: str | None) -> Path:
    path = tmp_path / "contacts.yaml"
    line = f"timezone: {timezone}\n" if timezone else ""
    path.write_text(CONTACTS.format(timezone=line), encoding="utf-8")
    return path


def test_tz_wins(tmp_path: Path) -> None:
    path = contacts(tmp_path, "Asia/Urumqi")
    assert document_zone("America/New_York", path, "zh") == ZoneInfo("America/New_York")


def test_unknown_tz_is_refused() -> None:
    with pytest.raises(InputError, match="unknown time zone"):
        document_zone("Mars/Olympus", None, "zh")


def test_the_contacts_files_zone(tmp_path: Path) -> None:
    assert document_zone(None, contacts(tmp_path, "Asia/Urumqi"), "en") == ZoneInfo("Asia/Urumqi")


def test_the_packaged_contacts_say_shanghai() -> None:
    assert document_zone(None, None, "en") == ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("local", "lang", "zone"),
    [
        ("Europe/Berlin", "zh", "Europe/Berlin"),
        (None, "zh", "Asia/Shanghai"),
        (None, "en", "UTC"),
    ],
)
def test_without_a_stated_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, local: str | None, lang: str, zone: str
) -> None:
    monkeypatch.setattr(options, "system_zone", lambda: ZoneInfo(local) if local else None)
    assert document_zone(None, contacts(tmp_path, None), lang) == ZoneInfo(zone)


def test_system_zone_reads_tz() -> None:
    assert system_zone({"TZ": ":Asia/Tokyo"}) == ZoneInfo("Asia/Tokyo")

"""Other people's host lists read into an ``Inventory``: Ansible inventories (INI, YAML) and
asset registers (设备台账, CSV or XLSX), with a mapping file for what they do not say (segments
and their zones, group → segment/department, register words). docs/inventory-import.md.

``load_inventory_source(spec, mapping)`` is the one way the command line loads an inventory: a
native YAML file as ever, or a source named by a prefix (``ansible:hosts``, ``csv:``, ``xlsx:``)
or by its extension (``.ini``, ``.csv``, ``.xlsx``). It returns the inventory with the import's
problems — every host or row that could not be used, or only without something, at its line.
"""

from __future__ import annotations

from pathlib import Path

from netguard.errors import InputError
from netguard.inventory.loader import load_inventory
from netguard.inventory.sources.build import Entry, Imported, Problem, build
from netguard.inventory.sources.mapping import Mapping, load_mapping

__all__ = [
    "KINDS",
    "Entry",
    "Imported",
    "Mapping",
    "Problem",
    "import_source",
    "load_inventory_source",
    "load_mapping",
    "source_kind",
]

#: Prefixes that name a source's kind: ``ansible:hosts``.
KINDS = ("ansible", "csv", "xlsx", "inventory")
_BY_EXTENSION = {".ini": "ansible", ".csv": "csv", ".xlsx": "xlsx"}


def source_kind(spec: str) -> tuple[str, str]:
    """(kind, path) of an inventory argument: a prefix names the kind, else the extension;
    anything else is a native inventory (``inventory``)."""
    prefix, colon, rest = spec.partition(":")
    if colon and prefix in KINDS and rest:
        return prefix, rest
    return _BY_EXTENSION.get(Path(spec).suffix.lower(), "inventory"), spec


def import_source(spec: str, mapping: Mapping) -> Imported:
    """Read a non-native source into an inventory with its problems. InputError for a source
    that cannot be read at all (missing file, no header row, malformed YAML)."""
    from netguard.inventory.sources.ansible import read_ansible
    from netguard.inventory.sources.register import read_register

    kind, path = source_kind(spec)
    if kind == "inventory":
        raise InputError(
            "not a source to import: name its kind (ansible:FILE, csv:FILE, xlsx:FILE) or use "
            "the extension .ini, .csv or .xlsx",
            file=spec,
        )
    problems: list[Problem] = []
    if kind == "ansible":
        entries: list[Entry] = read_ansible(path, problems)
    else:
        entries = read_register(path, mapping, problems, kind)
    if entries and not mapping.segments:
        raise InputError(
            "the source names no network segments and no mapping file gives them: write one "
            "with `segments:` (name, zone, cidr) and pass it with --map (docs/inventory-import.md)",
            file=path,
        )
    return build(path, entries, mapping, problems)


def load_inventory_source(spec: str, mapping: str | Path | None = None) -> Imported:
    """Any inventory the command line is given: a native file (no problems, no mapping allowed)
    or an imported source."""
    kind, path = source_kind(spec)
    if kind == "inventory":
        if mapping is not None:
            raise InputError(
                "--map is for imported sources (Ansible, CSV, XLSX), not a netguard inventory",
                file=str(mapping),
            )
        inventory = load_inventory(path)
        return Imported(inventory, (), len(inventory.registered))
    return import_source(spec, load_mapping(mapping))

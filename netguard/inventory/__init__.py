"""Inventories: which hosts to audit, in which registered network segments.

``load_inventory`` reads the native YAML format (docs/formats.md); ``local_inventory`` is the
embedded default used when no inventory is given: this machine, audited in place.
"""

from __future__ import annotations

from netguard.inventory.loader import load_inventory
from netguard.inventory.local import local_inventory

__all__ = ["load_inventory", "local_inventory"]

"""Waivers (豁免 / 例外审批): approved, dated exceptions; format in docs/waivers.md."""

from netguard.waivers.apply import active_waiver, apply_waivers, waive, waivers_block
from netguard.waivers.loader import known_check_ids, load_waivers
from netguard.waivers.model import Waiver, Waivers, WaiverState

__all__ = [
    "Waiver",
    "WaiverState",
    "Waivers",
    "active_waiver",
    "apply_waivers",
    "known_check_ids",
    "load_waivers",
    "waive",
    "waivers_block",
]

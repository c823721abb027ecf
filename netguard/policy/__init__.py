"""Policy packs: the selected checks with severities, zones and parameters, and the catalog of
approved antivirus products (docs/formats.md)."""

from __future__ import annotations

from netguard.policy.loader import default_policy_path, load_policy
from netguard.policy.model import AvProduct, CheckConfig, Policy

__all__ = ["AvProduct", "CheckConfig", "Policy", "default_policy_path", "load_policy"]

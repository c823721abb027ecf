"""Rule files → RuleFile: Wazuh SCA policy files, unmodified, and netguard's own rule format.

(Skeleton: the loader lands with issue 16's rule-language part.)"""

from __future__ import annotations

from pathlib import Path

from netguard.sca.model import RuleFile


def load_rule_file(path: str | Path) -> RuleFile:
    """Load and validate a rule file (either format, told apart by its keys). Raises
    InputError naming file, line and field."""
    raise NotImplementedError


def is_rule_file(path: str | Path) -> bool:
    """Whether the YAML file is a rule file (SCA: a ``policy`` mapping and a ``checks`` list;
    netguard: ``netguard_rules``) rather than a netguard policy pack."""
    return False  # skeleton: no rule file is recognised until the loader lands

"""A rule file's checks as CheckSpecs, so that they travel the pipeline built-in checks do.

(Skeleton: lands with issue 16's evaluation part.)"""

from __future__ import annotations

from netguard.checks.base import CheckSpec
from netguard.sca.model import RuleFile


def specs_of(rule_file: RuleFile) -> tuple[CheckSpec, ...]:
    """One CheckSpec per check of the file, in file order."""
    raise NotImplementedError

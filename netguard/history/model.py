"""What the history says about one past run: the numbers a trend or a run list needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class RunSummary:
    id: str
    started: datetime
    finished: datetime | None
    complete: bool  # False: the audit was interrupted or killed; its hosts are partial
    inventory_path: str
    inventory_sha256: str
    policy_name: str
    policy_sha256: str
    hosts: int  # hosts in the inventory (complete runs) or recorded so far (incomplete ones)
    audited: int
    compliant: int
    failing: int
    unknown: int
    waived: int = 0  # failing findings an active waiver turned into "waived"
    inventory_name: str = ""  # the office's name (inventory ``name:``), "" when it has none

    @property
    def scope(self) -> str:
        """The office this run belongs to: its inventory's name, else its path."""
        return self.inventory_name or self.inventory_path

    @property
    def coverage(self) -> float:
        """Audited ÷ hosts; an empty run covers nothing it could have missed (1.0)."""
        return self.audited / self.hosts if self.hosts else 1.0

    @property
    def compliance(self) -> float:
        """Compliant ÷ hosts: an unknown host never counts as compliant."""
        return self.compliant / self.hosts if self.hosts else 1.0

"""One audit in memory: what was audited with what, and every host's result."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from netguard.model import HostResult, Inventory, Sweep

if TYPE_CHECKING:
    from netguard.policy import Policy
    from netguard.waivers import Waivers


@dataclass
class Run:
    inventory: Inventory
    policy: Policy
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished: datetime | None = None
    results: list[HostResult] = field(default_factory=list)
    waivers: Waivers | None = None
    #: the day waivers are judged on: decided once, so a run across midnight treats every host
    #: alike (the auditing machine's local date: expiry dates are office dates, not UTC ones)
    today: date = field(default_factory=date.today)
    #: a replay's source: the bundle folder and the run it recorded (``run.replay_of``)
    replay_of: dict[str, Any] | None = None
    #: the network sweep of ``netguard discover`` / ``audit --discover`` (the document's
    #: ``network`` block); its findings are in the host entries
    sweep: Sweep | None = None
    #: what a receiver's arrivals file proved (``audit --arrivals``; the ``probe`` block)
    probe: dict[str, Any] | None = None
    #: ``audit --limit``: the patterns that chose this run's hosts (the ``run.limit`` block);
    #: () for a run of the whole inventory
    limit: tuple[str, ...] = ()
    #: the SSH client configuration read (``audit --ssh-config``): its path and SHA-256
    ssh_config: dict[str, str] | None = None


def inventory_block(inventory: Inventory) -> dict[str, Any]:
    """The run's ``inventory``: its path and digest, and its office name when it has one."""
    block: dict[str, Any] = {"path": inventory.path, "sha256": inventory.sha256}
    if inventory.name:  # absent without one: documents of unnamed inventories stay as they were
        block["name"] = inventory.name
    return block


def scope_of(inventory: Mapping[str, Any]) -> str:
    """The office a run belongs to, from its document's ``run.inventory``: the inventory's name,
    else its path — runs of one office are compared with each other only (the history)."""
    return str(inventory.get("name") or inventory.get("path") or "")


def run_block(run: Run) -> dict[str, Any]:
    """The document's ``run``: what was audited with what, and when."""
    block: dict[str, Any] = {
        "id": run.id,
        "started": run.started.isoformat(),
        "finished": run.finished.isoformat() if run.finished else None,
        "inventory": inventory_block(run.inventory),
        "policy": {
            "name": run.policy.name,
            "path": run.policy.path,
            "sha256": run.policy.sha256,
        },
    }
    if run.replay_of is not None:
        block["replay_of"] = run.replay_of
    if run.limit:  # absent for a run of the whole inventory: documents stay as they were
        block["limit"] = list(run.limit)
    if run.ssh_config is not None:
        block["ssh_config"] = run.ssh_config
    return block

"""Replay transport: the collections an evidence bundle recorded, handed back instead of the hosts.

The audit runs exactly as it did — same parser, same checks, same clock (each collection's
``collected_at``) — only the policy may be newer. No host is contacted. What the bundle holds
has been verified against its manifest before this reads it (evidence/reader.py); it is still
output from audited hosts, so it is parsed like any other and never executed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from netguard.collect import OUTPUT_CAP, Collection, failed
from netguard.collect.probe import ProbeRequest
from netguard.model import Host, HostStatus
from netguard.model.watched import WatchList


class ReplayCollector:
    def __init__(self, root: Path, folders: dict[str, str]) -> None:
        self.root = root
        self.folders = folders  # host name → its folder in the bundle

    def collect(
        self, host: Host, request: ProbeRequest | None = None, *, watch: WatchList | None = None
    ) -> Collection:
        """The recorded output; a probe request and a watch list are ignored (nothing is sent
        in a replay: the recorded output says itself what its watch list was)."""
        folder = self.folders.get(host.name)
        if folder is None:
            return failed(HostStatus.ERROR, "replay_missing")
        meta = read_meta(self.root / folder / "collection.json")
        try:
            status = HostStatus(meta["status"])
        except ValueError:
            return failed(HostStatus.ERROR, "replay_unknown_status", recorded=str(meta["status"]))
        stdout = b""
        out = meta.get("output")
        if isinstance(out, dict):
            path = self.root / folder / str(out.get("path", ""))
            if path.parent != self.root / folder or path.stat().st_size > OUTPUT_CAP:
                return failed(HostStatus.ERROR, "replay_output_misplaced")
            stdout = path.read_bytes()
        exit_status = meta.get("exit_status")
        evidence = meta.get("evidence")
        reason, args = meta.get("detail_reason"), meta.get("detail_args")
        return Collection(
            status,
            str(meta.get("detail", "")),
            stdout,
            exit_status if isinstance(exit_status, int) else None,
            evidence if isinstance(evidence, dict) else {},
            collected_at=float(meta["collected_at"]),
            # bundles written before reasons existed have neither: the English detail stays
            detail_reason=reason if isinstance(reason, str) else "",
            detail_args=args if isinstance(args, dict) else {},
        )


def read_meta(path: Path) -> dict[str, Any]:
    meta = json.loads(path.read_text("utf-8"))
    if not isinstance(meta, dict) or not isinstance(meta.get("host"), str):
        raise ValueError(f"{path.name} does not name its host")
    if not isinstance(meta.get("collected_at"), int | float):
        raise ValueError(f"{path.name} has no collection time")
    return meta

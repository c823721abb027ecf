"""Many collectors' results documents merged into one (``netguard merge``, docs/fleet.md).

Physical isolation forbids one central scanner: every isolated network has its own collector,
and its evidence bundle reaches the province on removable media. The bundles are verified by
the caller (evidence/merge.py); here their results documents become one document of the same
schema, read back by the one validator, so every document command and the history take it:

- the run block is the merge's own: a new id, ``started``/``finished`` spanning the collectors,
  the inventory named by the merge (``--name``: the history compares runs of one name), the
  policy when every collector used the same one (else no digest, and ``run.merged.policies``
  lists them);
- ``collectors``: one entry per bundle — where it was, its recorded run, who signed it and
  whether that key was trusted, its inventory, policy, times and host count;
- every host keeps its entry as its collector wrote it, plus ``collector`` (an id into that
  list). Two collectors' hosts of one name are both kept, renamed ``NAME@COLLECTOR``
  (``inventory_name`` keeps the name), so history rows and report anchors stay unique; hosts
  sharing an address keep their names (isolated networks reuse private addresses). Both are
  listed in ``duplicates``;
- the summary is recomputed by the counting rules (summary.summarize_hosts).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from netguard import __version__
from netguard.errors import InputError
from netguard.results.read import parse_results
from netguard.results.summary import SCHEMA, summarize_hosts

#: a renamed duplicate: NAME@COLLECTOR
SEPARATOR = "@"
#: a collector's own blocks kept in its ``collectors`` entry (they describe one network)
_KEPT_BLOCKS = ("network", "probe")


@dataclass(frozen=True)
class Source:
    """One verified collector: its bundle, its signature as verification found it, and its
    results document (already validated, parse_results)."""

    bundle: str
    document: dict[str, Any]
    signature: str = "missing"  # valid | missing
    signer_name: str = ""
    signer_fingerprint: str = ""
    trusted: bool | None = None
    kind: str = "audit"


@dataclass
class Merged:
    document: dict[str, Any]
    #: (name, [merged names]) of the names several collectors used
    renamed: list[tuple[str, list[str]]] = field(default_factory=list)
    #: (address, [host names]) shared by hosts of several collectors
    shared_addresses: list[tuple[str, list[str]]] = field(default_factory=list)
    #: collector ids whose authorship is not established (unsigned, or no trusted key given)
    unverified: list[str] = field(default_factory=list)
    #: the distinct policies, (name, sha256), when the collectors used more than one
    policies: list[tuple[str, str]] = field(default_factory=list)


def collector_id(run: dict[str, Any], taken: set[str]) -> str:
    """A collector's id: its inventory's office name, else the inventory file's stem — stable
    from one merge to the next, so renamed duplicates keep their names in the history."""
    inventory: dict[str, Any] = run["inventory"] if isinstance(run.get("inventory"), dict) else {}
    label = str(inventory.get("name") or Path(str(inventory.get("path") or "")).stem)
    label = "".join(c for c in label if c.isalnum() or c in "._-")
    label = label[:64] or "collector"
    candidate, n = label, 1
    while candidate in taken:
        n += 1
        candidate = f"{label}-{n}"
    taken.add(candidate)
    return candidate


def merge_documents(
    sources: Sequence[Source],
    name: str,
    *,
    run_id: str | None = None,
    merged_at: datetime | None = None,
) -> Merged:
    """The merged document of ``sources`` (at least one), named ``name``. InputError when a
    run is given twice."""
    if not sources:
        raise InputError("nothing to merge: give at least one bundle", field="merge")
    seen_runs: dict[str, str] = {}
    for s in sources:
        rid = str(s.document["run"]["id"])
        if rid in seen_runs:
            raise InputError(
                f"records the same run ({rid}) as {seen_runs[rid]}: a run is merged once",
                file=s.bundle,
            )
        seen_runs[rid] = s.bundle

    taken: set[str] = set()
    ids = [collector_id(s.document["run"], taken) for s in sources]
    names: dict[str, list[str]] = {}  # host name → the collectors that have it
    for cid, s in zip(ids, sources, strict=True):
        for h in s.document["hosts"]:
            names.setdefault(str(h["name"]), []).append(cid)
    shared = {n for n, where in names.items() if len(where) > 1}

    hosts: list[dict[str, Any]] = []
    renamed: dict[str, list[str]] = {}
    addresses: dict[str, list[tuple[str, str]]] = {}  # address → (host, collector)
    for cid, s in zip(ids, sources, strict=True):
        for h in s.document["hosts"]:
            entry = dict(h)
            entry["collector"] = cid
            if h["name"] in shared:
                entry["name"] = f"{h['name']}{SEPARATOR}{cid}"
                entry["inventory_name"] = h["name"]
                renamed.setdefault(str(h["name"]), []).append(entry["name"])
            if h.get("address"):
                addresses.setdefault(str(h["address"]), []).append((entry["name"], cid))
            hosts.append(entry)
    shared_addresses = [
        (a, [n for n, _ in where])
        for a, where in addresses.items()
        if len({c for _, c in where}) > 1
    ]

    policies = _policies(sources)
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "netguard_version": __version__,
        "run": _run_block(sources, ids, name, policies, run_id, merged_at),
        "summary": summarize_hosts(hosts),
        "hosts": hosts,
        "collectors": [_collector(cid, s) for cid, s in zip(ids, sources, strict=True)],
    }
    duplicates = [
        {"kind": "name", "value": n, "hosts": new, "collectors": names[n]}
        for n, new in renamed.items()
    ] + [
        {"kind": "address", "value": a, "hosts": new, "collectors": [c for _, c in addresses[a]]}
        for a, new in shared_addresses
    ]
    if duplicates:
        doc["duplicates"] = duplicates
    waivers = _waivers(sources, ids, shared)
    if waivers is not None:
        doc["waivers"] = waivers
    parse_results(doc, "<merged>")  # the one validator: what is written always reads back
    unverified = [
        cid
        for cid, s in zip(ids, sources, strict=True)
        if not (s.signature == "valid" and s.trusted is True)
    ]
    return Merged(
        document=doc,
        renamed=list(renamed.items()),
        shared_addresses=shared_addresses,
        unverified=unverified,
        policies=policies if len(policies) > 1 else [],
    )


def _policies(sources: Sequence[Source]) -> list[tuple[str, str]]:
    out: dict[str, str] = {}
    for s in sources:
        policy = s.document["run"].get("policy") or {}
        out.setdefault(str(policy.get("sha256", "")), str(policy.get("name", "")))
    return [(name, sha) for sha, name in out.items()]


def _run_block(
    sources: Sequence[Source],
    ids: list[str],
    name: str,
    policies: list[tuple[str, str]],
    run_id: str | None,
    merged_at: datetime | None,
) -> dict[str, Any]:
    runs = [s.document["run"] for s in sources]
    started = min(datetime.fromisoformat(r["started"]) for r in runs)
    ends = [r.get("finished") for r in runs]
    finished = (
        max(datetime.fromisoformat(e) for e in ends if e) if all(ends) else None
    )  # a collector that never finished leaves the merge unfinished too
    inventories = sorted(
        f"{cid} {(r.get('inventory') or {}).get('sha256', '')}"
        for cid, r in zip(ids, runs, strict=True)
    )  # the merge's inventory: which collectors, with which inventories
    digest = hashlib.sha256("\n".join(inventories).encode("utf-8")).hexdigest()
    if len(policies) == 1:
        first = runs[0].get("policy") or {}
        policy = {k: first.get(k, "") for k in ("name", "path", "sha256")}
    else:  # no one digest: each collector's is in its entry
        policy = {"name": " + ".join(n for n, _ in policies), "path": "", "sha256": ""}
    block: dict[str, Any] = {
        "id": run_id or uuid.uuid4().hex,
        "started": started.isoformat(),
        "finished": finished.isoformat() if finished else None,
        "inventory": {"path": "", "sha256": digest, "name": name},
        "policy": policy,
        "merged": {
            "at": (merged_at or datetime.now(UTC)).isoformat(timespec="seconds"),
            "collectors": len(sources),
            "policies": [{"name": n, "sha256": sha} for n, sha in policies],
        },
    }
    if any(r.get("complete") is False for r in runs):
        block["complete"] = False  # an interrupted collector's hosts are partial
    return block


def _collector(cid: str, s: Source) -> dict[str, Any]:
    run = s.document["run"]
    entry: dict[str, Any] = {
        "id": cid,
        "bundle": s.bundle,
        "kind": s.kind,
        "run_id": run["id"],
        "started": run["started"],
        "finished": run.get("finished"),
        "inventory": run.get("inventory") or {},
        "policy": run.get("policy") or {},
        "hosts": len(s.document["hosts"]),
        "summary": s.document.get("summary") or summarize_hosts(s.document["hosts"]),
        "signature": s.signature,
        "signer": {"name": s.signer_name, "fingerprint": s.signer_fingerprint}
        if s.signature == "valid"
        else None,
        "trusted": s.trusted,
        "netguard_version": s.document.get("netguard_version", ""),
    }
    if run.get("limit"):  # a run of part of its inventory: its coverage is of those hosts
        entry["limit"] = run["limit"]
    for key in _KEPT_BLOCKS:
        if s.document.get(key) is not None:
            entry[key] = s.document[key]
    return entry


def _waivers(sources: Sequence[Source], ids: list[str], shared: set[str]) -> dict[str, Any] | None:
    """The collectors' waivers blocks as one: counts added, the waivers needing attention
    listed together (each still names its file and line), host names as merged."""
    blocks: list[tuple[str, dict[str, Any]]] = [
        (cid, s.document["waivers"])
        for cid, s in zip(ids, sources, strict=True)
        if isinstance(s.document.get("waivers"), dict)
    ]
    if not blocks:
        return None
    counts: dict[str, int] = {}
    lists: dict[str, list[dict[str, Any]]] = {
        k: [] for k in ("expired", "expired_unused", "not_yet_valid", "unused")
    }
    for cid, b in blocks:
        for k, v in (b.get("counts") or {}).items():
            counts[k] = counts.get(k, 0) + int(v)
        for k, items in lists.items():
            for w in b.get(k) or ():
                items.append(
                    {
                        **w,
                        "findings": [
                            {**f, "host": _merged_name(str(f.get("host", "")), cid, shared)}
                            for f in w.get("findings") or ()
                        ],
                    }
                )
    paths = list(dict.fromkeys(str(b.get("path", "")) for _, b in blocks))
    digests = list(dict.fromkeys(str(b.get("sha256", "")) for _, b in blocks))
    return {
        "path": "; ".join(p for p in paths if p),
        "sha256": digests[0] if len(digests) == 1 else "",
        "today": max(str(b.get("today", "")) for _, b in blocks),
        "counts": counts,
        **lists,
    }


def _merged_name(name: str, cid: str, shared: set[str]) -> str:
    return f"{name}{SEPARATOR}{cid}" if name in shared else name

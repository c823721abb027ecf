"""Collectors' evidence bundles, verified as replay and verify do, merged into one results
document (``netguard merge``; the merging itself: results/merge.py; docs/fleet.md).

A bundle is refused (InputError, exit 2, naming it) when any file in it was altered, added or
removed, when its signature is bad, when it is signed by a key no ``--trusted-key`` names, or
when its authorship is not established — unsigned, or signed while no trusted key was given —
unless the caller allows that (``--allow-unsigned``); the merged document then says which
collectors were not verified.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from netguard.errors import InputError
from netguard.evidence.keys import PublicKey
from netguard.evidence.reader import Bundle, open_bundle
from netguard.results import parse_results
from netguard.results.merge import Merged, Source, merge_documents

#: why a verified bundle is not merged: the English of ``terminal.errors.<reason>``
_REFUSED = {
    "untrusted_bundle": "the bundle is not signed by any of the --trusted-key keys",
    "merge_unsigned": "the bundle is not signed: not merged without --allow-unsigned",
    "merge_unvouched": "the bundle is signed, but no --trusted-key was given: not merged "
    "without --allow-unsigned (or give the collectors' public keys)",
}


def collector_source(
    path: str, trusted: list[PublicKey] | None, *, allow_unsigned: bool = False
) -> Source:
    """One bundle, verified, as a collector of the merge."""
    bundle = open_bundle(path, trusted)  # refuses an altered bundle, naming it
    v = bundle.verification
    signed = v.signature == "valid"  # an invalid signature: open_bundle refused it already
    if signed and v.trusted is False:
        raise InputError(_REFUSED["untrusted_bundle"], file=path, reason="untrusted_bundle")
    if not (signed and v.trusted) and not allow_unsigned:
        reason = "merge_unvouched" if signed else "merge_unsigned"
        raise InputError(_REFUSED[reason], file=path, reason=reason)
    doc = _results(bundle, path)
    return Source(
        bundle=path,
        document=doc,
        signature="valid" if signed else "missing",
        signer_name=v.signer_name if signed else "",
        signer_fingerprint=v.signer.fingerprint() if v.signer and signed else "",
        trusted=v.trusted if signed else None,
        kind=str(bundle.manifest.get("kind") or "audit"),
    )


def _results(bundle: Bundle, path: str) -> dict[str, Any]:
    """The bundle's results document, validated, and the run its signed manifest names."""
    source = f"{path}/results.json"
    try:
        doc = bundle.results
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"unreadable results document: {exc}", file=source) from None
    parse_results(doc, source)  # the one validator, naming the bundle's file and the field
    if str(doc["run"]["id"]) != str(bundle.run.get("id")):
        raise InputError(
            f"records run {doc['run']['id']!r} but the manifest names run {bundle.run.get('id')!r}",
            file=source,
            field="run.id",
        )
    if doc.get("collectors") is not None:
        raise InputError("is already a merged document: merge the collectors' bundles", file=source)
    return doc


def merge_bundles(
    paths: Sequence[str],
    trusted: list[PublicKey] | None,
    name: str,
    *,
    allow_unsigned: bool = False,
    run_id: str | None = None,
    merged_at: datetime | None = None,
) -> Merged:
    """Every bundle verified first (the first refusal stops the merge), then merged."""
    sources = [collector_source(p, trusted, allow_unsigned=allow_unsigned) for p in paths]
    return merge_documents(sources, name, run_id=run_id, merged_at=merged_at)

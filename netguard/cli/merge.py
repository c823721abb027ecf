"""``netguard merge``: the collectors' signed bundles, one per isolated network, verified and
merged into one results document that every document command and the history take
(docs/fleet.md)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console

from netguard.cli.options import announce, say, usage_error
from netguard.cli.signing import note, trusted_keys
from netguard.errors import ExitStatus

#: duplicate host names said one per line on the terminal, the rest counted
NAMES_SAID = 20


def add_parsers(sub: Any) -> None:
    m = sub.add_parser(
        "merge",
        help="verify collectors' evidence bundles (one per isolated network) and merge their "
        "results into one results document",
    )
    m.add_argument("bundles", nargs="+", metavar="BUNDLE", help="a collector's bundle folder")
    m.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="FILE",
        help="the merged results document (written atomically; an existing file only with --force)",
    )
    m.add_argument(
        "--trusted-key",
        action="append",
        dest="key",
        metavar="PUB",
        help="a collector's trusted public key file (KEY.pub or allowed_signers lines); "
        "repeatable; a bundle signed by any other key is refused",
    )
    m.add_argument(
        "--allow-unsigned",
        action="store_true",
        help="also merge bundles whose authorship is not established (unsigned, or signed "
        "while no --trusted-key is given); the document marks them",
    )
    m.add_argument(
        "--name",
        default="fleet",
        help="the merged document's inventory name: the history compares runs of one name, "
        "so give the same one every time (default: fleet)",
    )
    m.add_argument("--force", action="store_true", help="replace an existing output file")


def merge(args: argparse.Namespace, err: Console) -> int:
    from netguard.evidence.merge import merge_bundles
    from netguard.render.files import write_atomic
    from netguard.render.text import clean
    from netguard.results import dumps
    from netguard.results.merge import SEPARATOR

    out = Path(args.output)
    if out.exists() and not args.force:
        raise usage_error("exists", file=out)
    merged = merge_bundles(
        args.bundles, trusted_keys(args.key), args.name, allow_unsigned=args.allow_unsigned
    )
    t = say(args)
    doc = merged.document
    for c in doc["collectors"]:
        if c["id"] in merged.unverified:
            state = "unsigned" if c["signature"] != "valid" else "unvouched"
            fingerprint = (c.get("signer") or {}).get("fingerprint", "")
            note(
                err,
                t(
                    f"terminal.merge.{state}",
                    id=clean(c["id"]),
                    bundle=clean(c["bundle"]),
                    fingerprint=fingerprint,
                ),
            )
    if merged.policies:
        names = ", ".join(clean(f"{n} {sha[:12]}") for n, sha in merged.policies)
        note(err, t("terminal.merge.policies", count=len(merged.policies), policies=names))
    for name, hosts in merged.renamed[:NAMES_SAID]:
        collectors = ", ".join(clean(h.rsplit(SEPARATOR, 1)[-1]) for h in hosts)
        note(
            err,
            t(
                "terminal.merge.renamed",
                name=clean(name),
                collectors=collectors,
                hosts=", ".join(clean(h) for h in hosts),
            ),
        )
    if len(merged.renamed) > NAMES_SAID:
        note(err, t("terminal.merge.renamed_more", count=len(merged.renamed) - NAMES_SAID))
    if merged.shared_addresses:
        note(err, t("terminal.merge.addresses", count=len(merged.shared_addresses)))
    write_atomic(out, dumps(doc))
    counts = {"collectors": len(doc["collectors"]), "hosts": len(doc["hosts"])}
    note(err, t("terminal.merge.merged", **counts))
    announce("results", out)
    return ExitStatus.OK

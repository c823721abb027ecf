"""Signing keys and evidence bundles on the command line: the options ``audit --bundle``,
``spot-check`` and ``inspect`` share, the passphrase, and opening a bundle for replay."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.console import Console

from netguard.cli.options import usage_error

if TYPE_CHECKING:
    from netguard.evidence.bundle import BundleWriter
    from netguard.evidence.keys import PublicKey, SigningKey
    from netguard.evidence.reader import Bundle
    from netguard.results import Run

#: The signing key's passphrase, for unattended use; otherwise it is asked on the terminal.
PASSPHRASE_ENV = "NETGUARD_KEY_PASSPHRASE"


def signing_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--key",
        metavar="KEY",
        help="sign the bundle's manifest with this Ed25519 private key (netguard keygen, or an "
        f"ssh-keygen -t ed25519 key); an encrypted key asks its passphrase (or ${PASSPHRASE_ENV})",
    )
    p.add_argument("--signer", metavar="NAME", help="the signer's name (default: the key comment)")


def passphrase(prompt: str) -> str:
    """$NETGUARD_KEY_PASSPHRASE, else asked on the terminal (never echoed)."""
    env = os.environ.get(PASSPHRASE_ENV)
    if env is not None:
        return env
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    raise usage_error("key_encrypted", field="--key", env=PASSPHRASE_ENV)


def load_signing_key(path: str) -> SigningKey:
    from netguard.evidence.keys import load_private_key

    return load_private_key(path, lambda: passphrase("passphrase of the signing key: "))


@dataclass
class Bundling:
    """A bundle being written and who will sign it."""

    writer: BundleWriter
    key: SigningKey | None
    signer: str = ""

    def seal(self, run: Run, extra: dict[str, Any] | None = None) -> None:
        """Write the signed manifest (after the run's files: ``writer.add_run``)."""
        from netguard.evidence.bundle import manifest_run

        self.writer.seal(manifest_run(run), self.key, self.signer, extra)


def bundle_writer(args: argparse.Namespace, kind: str) -> Bundling | None:
    """``--bundle DIR`` and ``--key``: the folder and the key, both checked before any host is
    contacted."""
    from netguard.evidence.bundle import BundleWriter

    if not args.bundle:
        if args.key:
            raise usage_error("key_needs_bundle", field="--key")
        return None
    key = load_signing_key(args.key) if args.key else None
    signer = args.signer or (key.public.comment if key else "")
    return Bundling(BundleWriter(args.bundle, kind), key, signer)


def trusted_keys(paths: list[str] | None) -> list[PublicKey]:
    from netguard.evidence.keys import load_public_keys

    keys: list[PublicKey] = []
    for path in paths or ():
        keys += load_public_keys(path)
    return keys


def open_replay(path: str, trusted: list[str] | None, err: Console, lang: str = "en") -> Bundle:
    """The bundle, verified; refused (InputError) when anything in it was altered. What the
    signature does not prove is noted on the terminal, in ``lang``."""
    from netguard.evidence.reader import open_bundle
    from netguard.i18n import catalog

    t = catalog(lang)

    bundle = open_bundle(path, trusted_keys(trusted))
    v = bundle.verification
    if v.trusted is False:
        raise usage_error("untrusted_bundle", file=str(bundle.root))
    if v.signature != "valid":
        note(err, t("terminal.bundle.unsigned"))
    elif v.trusted is None:
        fingerprint = v.signer.fingerprint() if v.signer else "?"
        if v.signer_name:
            note(err, t("terminal.bundle.unvouched", who=v.signer_name, fingerprint=fingerprint))
        else:
            note(err, t("terminal.bundle.unvouched_unnamed", fingerprint=fingerprint))
    return bundle


def note(err: Console, text: str) -> None:
    """One line of its own on the terminal (the text says ``netguard:`` itself)."""
    err.print(text, markup=False, highlight=False, soft_wrap=True)

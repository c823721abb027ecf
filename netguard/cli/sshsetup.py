"""SSH as the administrator has it set up: identity files opened (passphrases asked) before
the audit starts, so no worker thread ever waits on a terminal."""

from __future__ import annotations

import contextlib
import getpass
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from netguard.collect.ssh import Identities
    from netguard.model import Inventory


def ask_on_terminal(identity_file: str) -> str | None:
    """Asked once per encrypted file, never echoed; None when there is no terminal."""
    if not sys.stdin.isatty():
        return None
    try:
        return getpass.getpass(f"passphrase of SSH identity {identity_file}: ")
    except EOFError:
        return None


def load_identities(inventory: Inventory) -> Identities | None:
    """Every distinct identity file of the SSH hosts, loaded once up front: an encrypted one
    with $NETGUARD_SSH_KEY_PASSPHRASE, else asked on the terminal, else the ssh-agent's keys.
    A file that cannot be opened is not an error here: each of its hosts says why
    (``identity_encrypted``, ``identity_passphrase_wrong``, ``identity_unusable``)."""
    files = {h.ssh.identity_file for h in inventory.hosts if h.transport == "ssh"}
    files.discard(None)
    if not files:
        return None
    from netguard.collect.ssh import Identities

    identities = Identities(ask=ask_on_terminal)
    for path in sorted(f for f in files if f is not None):
        with contextlib.suppress(Exception):
            identities.keys(path)
    return identities

"""SSH as the administrator has it set up: identity files opened (passphrases asked) before
the audit starts, so no worker thread ever waits on a terminal."""

from __future__ import annotations

import contextlib
import getpass
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from rich.console import Console

    from netguard.collect.ssh import Identities
    from netguard.i18n import Catalog
    from netguard.model import Inventory


def ssh_config_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--ssh-config",
        nargs="?",
        const="",
        metavar="FILE",
        help="honour an OpenSSH client configuration: ~/.ssh/config, or FILE (write "
        "--ssh-config=FILE, or put it after the inventory); off by default, so an audit does "
        "not depend on who runs it. The inventory's own ssh settings win (docs/ssh.md)",
    )


def with_ssh_config(
    inventory: Inventory, spec: str | None, err: Console, t: Catalog, quiet: bool
) -> tuple[Inventory, dict[str, str] | None]:
    """The inventory with ``--ssh-config``'s values filled in where it wrote none, and the
    file's path and SHA-256 for the run block; what the file said that netguard does not do is
    said once, not dropped silently."""
    if spec is None:
        return inventory, None
    from netguard.collect.sshconfig import apply_ssh_config, read_ssh_config

    config = read_ssh_config(spec or None)
    inventory, notes = apply_ssh_config(inventory, config)

    def line(key: str, **args: object) -> None:
        err.print(t(f"terminal.ssh_config.{key}", **args), markup=False, highlight=False)

    if not quiet:
        line("read", path=config.path, sha256=config.sha256)
    if notes.ignored:
        line("ignored", options=t.join(sorted(notes.ignored)))
    if notes.proxy_command:
        line("proxy_command", hosts=t.join(sorted(notes.proxy_command)))
    if notes.hostname:
        shown = [f"{h} ({n})" for h, n in sorted(notes.hostname.items())]
        line("hostname", hosts=t.join(shown))
    return inventory, {"path": config.path, "sha256": config.sha256}


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
    (``identity_encrypted``, ``identity_passphrase_wrong``, ``identity_unusable``, and
    ``jump_identity_*`` for a jump host's)."""
    ssh = [h.ssh for h in inventory.hosts if h.transport == "ssh"]
    files = {s.identity_file for s in ssh} | {j.identity_file for s in ssh for j in s.jump_options}
    files.discard(None)
    if not files:
        return None
    from netguard.collect.ssh import Identities

    identities = Identities(ask=ask_on_terminal)
    for path in sorted(f for f in files if f is not None):
        with contextlib.suppress(Exception):
            identities.keys(path)
    return identities

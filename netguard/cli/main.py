"""The command line's root: the parser, the verbs' dispatch, and the one place where exceptions
become exit codes (errors.ExitStatus)."""

from __future__ import annotations

import argparse
import logging
import traceback
from collections.abc import Callable, Sequence

from rich.console import Console

from netguard import __version__
from netguard.cli import audit, documents, history, inputs, inspection, merge, network, probe
from netguard.cli.helptext import add_epilogs
from netguard.cli.options import DEPRECATED, LANGS, say
from netguard.errors import ExitStatus, InputError, NetguardError
from netguard.i18n import Catalog

Handler = Callable[[argparse.Namespace, Console], int]

#: Each verb's handler (subcommands with actions — ``inventory check`` — dispatch on the verb).
HANDLERS: dict[str, Handler] = {
    "audit": audit.run,
    "report": documents.report,
    "checklist": documents.checklist,
    "export": documents.export,
    "inventory": inputs.inventory,
    "policy": inputs.policy_check,
    "checks": inputs.list_checks,
    "waivers": inputs.waivers_check,
    "schedule": inputs.schedule,
    "history": history.history,
    "diff": history.diff,
    "spot-check": inspection.spot_check,
    "inspect": inspection.inspect,
    "verify": inspection.verify,
    "keygen": inspection.keygen,
    "merge": merge.merge,
    "discover": network.discover,
    "receiver": probe.receiver,
    "probe-key": probe.probe_key,
    "correlate": probe.correlate,
}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="netguard",
        description="Audit office machines for antivirus, password rotation and physical "
        "isolation between intranet and internet.",
    )
    p.add_argument("--version", action="version", version=f"netguard {__version__}")
    p.add_argument("--debug", action="store_true", help="show tracebacks and SSH library logs")
    p.add_argument("--lang", dest="terminal_lang", choices=LANGS, help=LANG_HELP)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    audit.add_parsers(sub)
    documents.add_parsers(sub)
    inputs.add_parsers(sub)
    history.add_parsers(sub)
    inspection.add_parsers(sub)
    merge.add_parsers(sub)
    network.add_parsers(sub)
    probe.add_parsers(sub)
    _lang_everywhere(sub)
    add_epilogs(sub)
    return p


LANG_HELP = "language of what netguard prints: zh or en (default: from the locale)"


def _lang_everywhere(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``--lang`` after any verb too: verbs without their own take the global one's place (and
    leave it alone when not given); verbs with their own (the documents' language) keep it. A
    verb with actions takes it too (``netguard history --lang zh``), and so do its actions."""
    for parser in sub.choices.values():
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                _lang_everywhere(action)
        if "--lang" not in parser._option_string_actions:
            parser.add_argument(
                "--lang",
                dest="terminal_lang",
                choices=LANGS,
                default=argparse.SUPPRESS,
                help=LANG_HELP,
            )


def error_text(exc: NetguardError, t: Catalog) -> str:
    """An error as the terminal shows it: the location as it is (file:line, field), the message
    in the user's language when the command line raised it, else in English, marked so."""
    where = "".join(t("terminal.error.where", where=w) for w in getattr(exc, "location", []))
    key = f"terminal.errors.{exc.reason}"
    if exc.reason and t.has(key):
        message = t(key, **exc.message_args)
    else:
        text = exc.message if isinstance(exc, InputError) else str(exc)
        message = t("terminal.error.untranslated", message=text)
    return t("terminal.error.framing", message=where + message)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: usage errors are bad input (2), --help is 0
        return int(exc.code or 0)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING)
    # paramiko logs every refused handshake with a traceback; our statuses say it better.
    logging.getLogger("paramiko").setLevel(logging.DEBUG if args.debug else logging.CRITICAL)
    # A failed hook is printed once, by the audit, in our words (cli/audit.py).
    logging.getLogger("netguard.notify").setLevel(logging.DEBUG if args.debug else logging.ERROR)
    err = Console(stderr=True)
    t = say(args)
    for old, new in getattr(args, DEPRECATED, None) or []:  # old spellings: still work, warned
        err.print(
            t("terminal.deprecated", old=old, new=new),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    try:
        return int(HANDLERS[args.command](args, err))
    except NetguardError as exc:
        err.print(error_text(exc, t), markup=False, highlight=False, soft_wrap=True)
        if args.debug:
            traceback.print_exc()
        return int(exc.exit_status)
    except KeyboardInterrupt:
        err.print(t("terminal.error.interrupted"), markup=False)
        return int(ExitStatus.INTERRUPTED)

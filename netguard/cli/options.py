"""What the verbs of the command line share: option groups, argument types, input loaders and
the small output conventions (one ``kind: PATH`` line per file written)."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from netguard.checklist.write import FORMATS as CHECKLIST_FORMATS
from netguard.errors import InputError
from netguard.i18n import LANGS, Catalog, catalog, default_lang
from netguard.report import FORMATS as REPORT_FORMATS

if TYPE_CHECKING:
    from netguard.inventory.sources import Imported
    from netguard.model import Inventory
    from netguard.policy import Policy
    from netguard.remotelog import Target
    from netguard.waivers import Waivers

__all__ = [
    "CHECKLIST_FORMATS",
    "DEPRECATED",
    "LANGS",
    "REPORT_FORMATS",
    "announce",
    "default_in",
    "deprecated_alias",
    "document_zone",
    "format_option",
    "history_option",
    "inventory_from",
    "lang_of",
    "limit_option",
    "limited",
    "load_policy",
    "load_waivers",
    "map_option",
    "policy_check_ids",
    "positive_int",
    "print_import_problems",
    "say",
    "syslog_target",
    "syslog_to_options",
    "system_zone",
    "terminal_lang",
    "usage_error",
    "workers",
    "workers_option",
    "zone",
]


#: The namespace attribute where old spellings met while parsing are kept, (old, new) pairs:
#: the command line warns about each once the language is known (cli/main.py).
DEPRECATED = "deprecated_spellings"


def _note(namespace: argparse.Namespace, old: str, new: str) -> None:
    seen = list(getattr(namespace, DEPRECATED, None) or [])
    if (old, new) not in seen:
        seen.append((old, new))
    setattr(namespace, DEPRECATED, seen)


class _OldSpelling(argparse.Action):
    """An option's old spelling, kept for one release: it does what the new one does (into the
    same dest, appending when the new one appends) and is noted for a warning."""

    def __init__(self, *args: Any, new: str, append: bool = False, **kwargs: Any) -> None:
        self.new, self.append = new, append
        super().__init__(*args, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        if self.append:
            values = [*(getattr(namespace, self.dest, None) or []), values]
        setattr(namespace, self.dest, values)
        _note(namespace, option_string or self.option_strings[0], self.new)


def deprecated_alias(
    p: argparse.ArgumentParser, old: str, new: str, *, append: bool = False, **kwargs: Any
) -> None:
    """Keep ``old`` working as ``new`` for one release (hidden from --help; a warning on stderr,
    ``terminal.deprecated``). ``kwargs``: type, metavar as the new option takes them."""
    action = p._option_string_actions[new]
    p.add_argument(
        old,
        dest=action.dest,
        action=_OldSpelling,
        new=new,
        append=append,
        help=argparse.SUPPRESS,
        **kwargs,
    )


class _FormatChoice(argparse.Action):
    """``--format`` with an old value kept for one release (``text`` is ``table`` now)."""

    def __init__(self, *args: Any, renamed: dict[str, str], **kwargs: Any) -> None:
        self.renamed = renamed
        super().__init__(*args, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        if values in self.renamed:
            _note(namespace, f"--format {values}", f"--format {self.renamed[values]}")
            values = self.renamed[values]
        setattr(namespace, self.dest, values)


def format_option(
    p: argparse.ArgumentParser, help_text: str, *, renamed: dict[str, str] | None = None
) -> None:
    """``--format table|json``: what a verb prints on the terminal (or writes with -o FILE),
    the same two words for every verb; ``renamed``: old values still accepted, with a warning."""
    old = dict(renamed or {})
    p.add_argument(
        "--format",
        choices=("table", "json", *old),
        default="table",
        metavar="{table,json}",
        action=_FormatChoice,
        renamed=old,
        help=help_text,
    )


def workers(text: str) -> int | None:
    """``--workers``: ``auto`` (None: the pool adapts to the CPU, engine/pool.py) or a fixed
    number of hosts at once."""
    if text.strip().lower() == "auto":
        return None
    return positive_int(text)


def workers_option(p: argparse.ArgumentParser) -> None:
    """``--workers auto|N`` (default auto): ``args.workers`` is None or N."""
    p.add_argument(
        "--workers",
        type=workers,
        default=None,
        metavar="auto|N",
        help="hosts audited at once: auto (default) holds more while this machine's CPU is idle "
        "and fewer when it is saturated (16 to 64, docs/architecture.md); N holds exactly N",
    )


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def history_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--history",
        metavar="DB",
        help="history database: a SQLite file, or an office's shared PostgreSQL database "
        "(postgresql://USER@HOST/DB, password from ~/.pgpass; docs/history.md) (default: "
        "$NETGUARD_HISTORY, /var/lib/netguard/history.sqlite for root, else "
        "~/.local/state/netguard/history.sqlite)",
    )


def map_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--map",
        metavar="MAPPING",
        help="mapping file for an inventory imported from Ansible (ansible:FILE, .ini) or an "
        "asset register (.csv, .xlsx): segments, group → segment, words (docs/inventory-import.md)",
    )


def limit_option(p: argparse.ArgumentParser, effect: str) -> None:
    """``--limit PATTERN`` (repeatable): part of the inventory, in the pattern language of
    netguard.inventory.limit; ``effect``: what the verb does with it, for --help."""
    p.add_argument(
        "--limit",
        action="append",
        metavar="PATTERN",
        help="only the hosts whose name, DNS name, segment, department, zone or tag matches "
        "PATTERN (a glob: fin-*, *财务*; any case; repeatable: any of them); " + effect,
    )


def limited(inventory: Inventory, patterns: Sequence[str] | None) -> Inventory:
    """The hosts ``--limit`` chose (all without patterns); none chosen is bad input (exit 2),
    found before any host is contacted."""
    from netguard.inventory.limit import limit_inventory

    chosen = tuple(patterns or ())
    kept = limit_inventory(inventory, chosen)
    if chosen and not kept.hosts:
        raise usage_error("limit_matches_nothing", field="--limit", patterns=" ".join(chosen))
    return kept


def syslog_to_options(p: argparse.ArgumentParser) -> None:
    """``--syslog-to URL`` (and ``--syslog-ca FILE``): the audit's alerts also go to a remote
    syslog collector, as RFC 5424 messages (netguard.remotelog; docs/exports.md). ``audit`` and
    ``schedule`` take them alike; ``syslog_target`` reads them."""
    p.add_argument(
        "--syslog-to",
        metavar="URL",
        help="also send the audit's alerts (new critical findings, hosts newly not audited) to "
        "this syslog collector as the run ends: udp://HOST[:514], tcp://HOST[:514] or "
        "tls://HOST[:6514], as `export --format syslog --to`; one that cannot be reached is "
        "said on stderr and changes neither the results nor the exit status",
    )
    p.add_argument(
        "--syslog-ca",
        metavar="FILE",
        help="with --syslog-to tls://: the CA that signed the collector",
    )


def syslog_target(args: argparse.Namespace) -> Target | None:
    """The collector of ``--syslog-to`` (validated: exit 2 before any host is contacted), or
    None; ``--syslog-ca`` without it is bad input too."""
    from netguard.remotelog import Target

    url, ca = getattr(args, "syslog_to", None), getattr(args, "syslog_ca", None)
    if url is None:
        if ca is not None:
            raise InputError("--syslog-ca goes with --syslog-to tls://…", field="--syslog-ca")
        return None
    target = Target.parse(url, ca, fields=("--syslog-to", "--syslog-ca"))
    target.check_ca("--syslog-ca")
    return target


def print_import_problems(imported: Imported, args: argparse.Namespace | None) -> None:
    """Every host or row an import could not use, or used without something: one line each on
    standard error, ``source:line: field: why``."""
    from netguard.render.text import clean

    t = say(args)
    for p in imported.problems:
        kind = "skip" if p.skipped else "info" if p.info else "note"
        key = f"terminal.inputs.import_{kind}"
        print(t(key, problem=clean(str(p), 1000)), file=sys.stderr, flush=True)


def inventory_from(spec: str, args: argparse.Namespace | None = None) -> Inventory:
    """The inventory a verb is given: a netguard inventory, or a source imported on the fly
    (``--map``). A host or row the import cannot use refuses the whole (exit 2, the list on
    standard error): an audit never leaves out, unsaid, a machine its register lists. Settings
    it could not keep are warnings."""
    from netguard.inventory.sources import load_inventory_source

    imported = load_inventory_source(spec, getattr(args, "map", None))
    print_import_problems(imported, args)
    skipped = imported.skipped
    if skipped:
        raise usage_error(
            "import_skipped",
            file=imported.inventory.path,
            count=len(skipped),
            entries=imported.entries,
        )
    return imported.inventory


def checklist_options(p: argparse.ArgumentParser, *, fmt_flag: str) -> None:
    """Options shared by everything that writes checklists (``netguard checklist``, and
    ``netguard audit`` with ``--checklist-format``)."""
    if fmt_flag == "--format":
        p.add_argument("--format", choices=CHECKLIST_FORMATS, default="md", help="default: md")
        p.add_argument("--lang", choices=LANGS, help="zh or en (default: from the locale)")
    else:
        p.add_argument(
            fmt_flag,
            dest="checklist_format",
            choices=CHECKLIST_FORMATS,
            default="md",
            help="default: md",
        )
        p.add_argument(
            "--lang", choices=LANGS, help="language of report and checklists (default: locale)"
        )
    p.add_argument(
        "--playbooks", metavar="DIR", help="playbook folder (default: the packaged playbooks)"
    )
    p.add_argument(
        "--contacts", metavar="FILE", help="contacts and roles (default: the packaged example)"
    )
    p.add_argument(
        "--tz",
        metavar="ZONE",
        help="time zone of the report and checklists, e.g. Asia/Shanghai (default: the contacts "
        "file's timezone, else this machine's zone, else Asia/Shanghai)",
    )


def lang_of(args: argparse.Namespace) -> str:
    """The documents' language: the verb's --lang, else the global one, else the locale's."""
    return getattr(args, "lang", None) or getattr(args, "terminal_lang", None) or default_lang()


def terminal_lang(args: argparse.Namespace | None) -> str:
    """The language netguard speaks on the terminal: a verb's own --lang (the first, for the
    verbs that take several), else the global ``netguard --lang``, else the locale's."""
    own = getattr(args, "lang", None)
    if isinstance(own, list):
        own = own[0] if own else None
    return own or getattr(args, "terminal_lang", None) or default_lang()


def say(args: argparse.Namespace | None) -> Catalog:
    """The terminal's catalog."""
    return catalog(terminal_lang(args))


def usage_error(
    reason: str, *, file: str | Path | None = None, field: str | None = None, **args: object
) -> InputError:
    """An InputError raised by the command line itself, said in every language: its English
    text from the catalog (``terminal.errors.<reason>``), its id and arguments for the rest."""
    message = catalog("en")(f"terminal.errors.{reason}", **args)
    return InputError(message, file=file, field=field, reason=reason, args=args)


def allow_commands_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--allow-policy-commands",
        action="append",
        metavar="FILE",
        help="let the command (c:) rules of rule file FILE run on the audited hosts, each with a "
        "10 s time-out and its output capped and kept as evidence (Wazuh: remote_commands); "
        "without it those rules are not_applicable. FILE is one of the audit's rule files "
        "(repeatable)",
    )


def commands_allowed_for(args: argparse.Namespace, policy: Policy) -> frozenset[str]:
    """The rule files (their ``RuleFile.path``) ``--allow-policy-commands`` names, matched by
    resolved path; a file that is none of the policy's rule files is a usage error."""
    given = getattr(args, "allow_policy_commands", None) or ()
    loaded = {Path(rf.path).expanduser().resolve(): rf.path for rf in policy.rule_files}
    allowed = set()
    for path in given:
        found = loaded.get(Path(path).expanduser().resolve())
        if found is None:
            files = ", ".join(rf.path for rf in policy.rule_files) or "-"
            raise usage_error(
                "allow_commands_not_rule_file",
                field="--allow-policy-commands",
                path=path,
                files=files,
            )
        allowed.add(found)
    return frozenset(allowed)


def load_policy(path: str | None, rule_paths: Mapping[str, Path] | None = None) -> Policy:
    """The policy pack at ``path`` (a rule file given alone is a policy of its checks);
    ``rule_paths``: where a replayed bundle keeps the rule files the pack names."""
    from netguard.checks import CATALOG
    from netguard.policy import default_policy_path, load_policy

    return load_policy(path or default_policy_path(), CATALOG, rule_paths)


def load_waivers(path: str, policy: Policy | None = None) -> Waivers:
    """A waivers file; its ``check`` patterns may also name the policy's rule-file checks."""
    from netguard.waivers import load_waivers

    return load_waivers(path, policy_check_ids(policy))


def policy_check_ids(policy: Policy | None) -> tuple[str, ...]:
    """Every check id a waiver may name: the catalog's, the transport's and the policy's own
    (its rule files' checks)."""
    from netguard.waivers.loader import known_check_ids

    own = () if policy is None else tuple(c.spec.id for c in policy.checks)
    return tuple(dict.fromkeys((*known_check_ids(), *own)))


#: A Chinese document's zone when nothing else names one (docs/glossary.md, Time).
FALLBACK_ZONE = {"zh": "Asia/Shanghai"}


def document_zone(tz_arg: str | None, contacts: str | Path | None, lang: str) -> ZoneInfo:
    """The one time zone of a document, the same for the report and the checklists of a run:
    ``--tz``; else the contacts file's ``timezone`` (the packaged example when no file is given,
    as for the checklists); else this machine's zone; else Asia/Shanghai for Chinese (UTC for
    English). Raises InputError for an unknown --tz and for an unusable contacts file."""
    named = zone(tz_arg)
    if named is not None:
        return named
    stated = contacts_zone(contacts)
    if stated is not None:
        return stated
    return system_zone() or ZoneInfo(FALLBACK_ZONE.get(lang, "UTC"))


def contacts_zone(path: str | Path | None) -> ZoneInfo | None:
    """The zone a contacts file states (its ``timezone``), None when it states none."""
    from netguard.playbooks import default_contacts_path, load_contacts

    source = Path(path) if path is not None else default_contacts_path()
    contacts = load_contacts(source)  # validated, with located errors
    return contacts.timezone if contacts.timezone_stated else None


def system_zone(environ: dict[str, str] | None = None) -> ZoneInfo | None:
    """This machine's zone by name: $TZ, else /etc/localtime's link, else /etc/timezone."""
    env = os.environ if environ is None else environ
    candidates = [env.get("TZ", "").lstrip(":")]
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        target = str(localtime.resolve())
        if "/zoneinfo/" in target:
            candidates.append(target.split("/zoneinfo/", 1)[1])
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    for name in candidates:
        if not name or name.startswith("/"):
            continue
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return None


def zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"unknown time zone {name!r} (e.g. Asia/Shanghai)", field="--tz") from None


def announce(kind: str, path: Path | str) -> None:
    """One unwrapped line per file written, for people and for scripts that collect paths."""
    print(f"{kind}: {path}", file=sys.stderr, flush=True)


def default_in(folder: str) -> str:
    """A folder (trailing slash): the writer chooses a fresh file name inside it."""
    return folder.rstrip("/") + "/"

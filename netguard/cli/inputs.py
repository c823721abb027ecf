"""The verbs that check what an administrator wrote, contacting nobody — ``inventory check``,
``policy check``, ``waivers check``, ``checks`` — and ``schedule``, which checks them before it
schedules anything."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from netguard.cli.options import (
    LANGS,
    REPORT_FORMATS,
    announce,
    history_option,
    inventory_from,
    load_policy,
    load_waivers,
    map_option,
    print_import_problems,
    say,
    syslog_to_options,
    usage_error,
)
from netguard.errors import ExitStatus


def add_parsers(sub: Any) -> None:
    inv = sub.add_parser("inventory", help="inventory tools")
    inv_sub = inv.add_subparsers(dest="inventory_command", required=True, metavar="ACTION")
    ic = inv_sub.add_parser("check", help="validate an inventory without auditing")
    ic.add_argument("file", help="a netguard inventory, or a source as for `inventory import`")
    map_option(ic)
    ii = inv_sub.add_parser(
        "import",
        help="read an Ansible inventory or an asset register (CSV, XLSX) into a netguard inventory",
    )
    ii.add_argument(
        "source",
        help="ansible:FILE (INI or .yml), FILE.ini, FILE.csv, FILE.xlsx (csv:FILE, xlsx:FILE)",
    )
    ii.add_argument("-o", "--output", metavar="FILE", help="write there (default: stdout)")
    map_option(ii)

    pol = sub.add_parser("policy", help="policy pack tools")
    pol_sub = pol.add_subparsers(dest="policy_command", required=True, metavar="ACTION")
    pc = pol_sub.add_parser("check", help="validate a policy pack")
    pc.add_argument("file", nargs="?", help="default: the packaged baseline")

    c = sub.add_parser("checks", help="list the checks netguard knows")
    c.add_argument(
        "-p",
        "--policy",
        help="list this policy's checks instead (a pack, or a Wazuh SCA / netguard rule file)",
    )

    w = sub.add_parser("waivers", help="waiver file tools")
    w_sub = w.add_subparsers(dest="waivers_command", required=True, metavar="ACTION")
    wc = w_sub.add_parser("check", help="validate a waivers file")
    wc.add_argument(
        "file", help="the waivers YAML (policies/waivers/example.yaml shows the format)"
    )
    wc.add_argument(
        "-p",
        "--policy",
        help="the policy the waivers are used with: its rule files' checks may be waived too",
    )

    s = sub.add_parser("schedule", help="print or install a scheduled audit (systemd or cron)")
    s.add_argument(
        "inventory",
        nargs="?",
        help="inventory to audit, or a source each run imports afresh (ansible:FILE, .ini, "
        ".csv, .xlsx; with --map), as audit takes it (default: this machine)",
    )
    map_option(s)
    s.add_argument("-p", "--policy", help="policy pack (default: the packaged baseline)")
    s.add_argument(
        "--kind",
        choices=("systemd", "cron"),
        default="systemd",
        help="a systemd service and timer, or a cron.d line (default: systemd)",
    )
    s.add_argument(
        "--at",
        action="append",
        metavar="TIME",
        help="time of day HH:MM, several as 09:30,14:30 or repeated --at, or an OnCalendar= "
        "value (default: 09:30 and 14:30, office hours)",
    )
    s.add_argument(
        "--days",
        choices=("weekdays", "daily"),
        help="days the HH:MM times run (default: weekdays)",
    )
    s.add_argument(
        "--report",
        choices=REPORT_FORMATS,
        default="html",
        help="the report each audit writes (default: html)",
    )
    s.add_argument(
        "--report-dir",
        default="reports",
        metavar="DIR",
        help="where each audit's report goes (default: reports/, from the working directory)",
    )
    s.add_argument(
        "--lang",
        choices=LANGS,
        help="language of the reports (default: the locale when the schedule is made)",
    )
    history_option(s)
    s.add_argument(
        "--waivers", metavar="FILE", help="approved exceptions each audit applies (audit --waivers)"
    )
    s.add_argument(
        "--notify",
        metavar="COMMAND",
        help="run COMMAND with the new critical findings of each audit (audit --notify)",
    )
    s.add_argument(
        "--syslog", action="store_true", help="log new critical findings to syslog (audit --syslog)"
    )
    syslog_to_options(s)
    s.add_argument(
        "--discover",
        action="store_true",
        help="sweep the intranet/classified segments before each audit (audit --discover)",
    )
    s.add_argument(
        "--ssh-config",
        nargs="?",
        const="",
        metavar="FILE",
        help="the audit honours an OpenSSH client configuration: the audit account's "
        "~/.ssh/config, or FILE (--ssh-config=FILE); named now, absolutely (docs/ssh.md)",
    )
    s.add_argument("--user", help="run the audit as this user (default: you)")
    s.add_argument("--name", help="unit / cron.d file name (default: netguard-audit)")
    s.add_argument("--install", action="store_true", help="write the files (default: print)")
    s.add_argument("--force", action="store_true", help="replace files with other content")
    s.add_argument(
        "--enable", action="store_true", help="with --install: reload systemd, start the timer"
    )
    s.add_argument(
        "--unit-dir",
        default="/etc/systemd/system",
        metavar="DIR",
        help="with --install: where the systemd units go (default: /etc/systemd/system)",
    )
    s.add_argument(
        "--cron-dir",
        default="/etc/cron.d",
        metavar="DIR",
        help="with --install --kind cron: where the cron file goes (default: /etc/cron.d)",
    )


def inventory(args: argparse.Namespace, err: Console) -> int:
    if args.inventory_command == "import":
        return inventory_import(args, err)
    return inventory_check(args, err)


def inventory_check(args: argparse.Namespace, err: Console) -> int:
    inv = inventory_from(args.file, args)
    t = say(args)
    print(
        t(
            "terminal.inputs.inventory_ok",
            file=args.file,
            segments=len(inv.segments),
            hosts=len(inv.hosts),
        )
    )
    return ExitStatus.OK


def inventory_import(args: argparse.Namespace, err: Console) -> int:
    """Exit 0: every host or row imported as the source says; 3: the inventory is written but
    something was not imported (listed on standard error, ``source:line: field: why``);
    2: the source or mapping cannot be used, or no host could be imported — nothing written."""
    from netguard.inventory import load_inventory
    from netguard.inventory.sources import import_source, load_mapping
    from netguard.render.files import write_atomic

    imported = import_source(args.source, load_mapping(args.map))
    print_import_problems(imported, args)
    inv = imported.inventory
    if not inv.registered:
        raise usage_error("import_nothing", file=inv.path, entries=imported.entries)
    if args.output:
        write_atomic(args.output, inv.source)
        load_inventory(args.output)  # what was written reads back as a netguard inventory
        announce("inventory", args.output)
    else:
        sys.stdout.write(inv.source.decode("utf-8"))
        sys.stdout.flush()
    t = say(args)
    counts = {"segments": len(inv.segments), "entries": imported.entries}
    counts["devices"] = len(inv.devices)
    print(
        t("terminal.inputs.imported", file=inv.path, hosts=len(inv.hosts), **counts),
        file=sys.stderr,
    )
    skipped, notes = len(imported.skipped), len(imported.notes)
    if skipped or notes:
        print(t("terminal.inputs.import_problems", skipped=skipped, notes=notes), file=sys.stderr)
        return ExitStatus.UNKNOWN
    return ExitStatus.OK


def policy_check(args: argparse.Namespace, err: Console) -> int:
    policy = load_policy(args.file)
    print(
        say(args)(
            "terminal.inputs.policy_ok",
            file=policy.path,
            name=policy.name,
            checks=len(policy.checks),
            products=len(policy.products),
        )
    )
    return ExitStatus.OK


def waivers_check(args: argparse.Namespace, err: Console) -> int:
    w = load_waivers(args.file, load_policy(args.policy) if args.policy else None)
    print(say(args)("terminal.inputs.waivers_ok", file=args.file, count=len(w.entries)))
    return ExitStatus.OK


def list_checks(args: argparse.Namespace, err: Console) -> int:
    """One line per check: id, category, severity and title in the terminal's language; the
    parameters with their defaults as the policy writes them."""
    from netguard.checks import ALL_CHECKS

    t = say(args)
    specs = [c.spec for c in load_policy(args.policy).checks] if args.policy else ALL_CHECKS
    for spec in specs:
        params = ", ".join(
            f"{p.name}=" + (",".join(p.default) if isinstance(p.default, tuple) else f"{p.default}")
            for p in spec.params
        )
        category = t.get(f"category.{spec.category}", spec.category)
        severity = t.get(f"severity.{spec.severity}", str(spec.severity))
        title = t.get(f"checks.{spec.id}.title", spec.titles.get(t.lang, spec.title))
        print(
            f"{spec.id:24} {_pad(category, 12)} {_pad(severity, 9)} {title}"
            + (f"  [{params}]" if params else "")
        )
    return ExitStatus.OK


def _pad(text: str, width: int) -> str:
    """Left-aligned in ``width`` terminal cells (a Chinese character takes two)."""
    from rich.cells import cell_len

    return text + " " * max(0, width - cell_len(text))


def schedule(args: argparse.Namespace, err: Console) -> int:
    from netguard import schedule

    kind = "inventory"
    path = args.inventory
    if args.map and not args.inventory:
        raise usage_error("map_needs_inventory", field="--map")
    if args.inventory:  # a schedule that cannot run is never installed
        kind, path = _schedulable_source(args)
    policy = load_policy(args.policy)
    if args.waivers:
        load_waivers(args.waivers, policy)
    spec = schedule.build_schedule_command(
        path,
        policy=args.policy,
        at=args.at or schedule.DEFAULT_AT,
        days=args.days,
        report_format=args.report,
        report_dir=args.report_dir,
        lang=args.lang,
        history=args.history,
        waivers=args.waivers,
        notify=args.notify,
        syslog=args.syslog,
        discover=args.discover,
        ssh_config=args.ssh_config,
        syslog_to=args.syslog_to,
        syslog_ca=args.syslog_ca,
        inventory_kind=kind,
        mapping=args.map,
        user=args.user,
        name=args.name,
    )
    dirs = {"unit_dir": Path(args.unit_dir), "cron_dir": Path(args.cron_dir)}
    if not args.install:
        for path, text in schedule.planned_files(spec, args.kind, **dirs).items():
            print(f"# {path}\n{text}")
        return ExitStatus.OK
    for path in schedule.install(spec, args.kind, force=args.force, **dirs):
        announce("installed", path)
    if args.enable:
        schedule.activate(spec, args.kind)
    else:
        for argv in schedule.next_steps(spec, args.kind):
            print(shlex.join(argv))
    return ExitStatus.OK


def _schedulable_source(args: argparse.Namespace) -> tuple[str, str]:
    """(kind, path) of the inventory a schedule audits, read now as each run will read it: a
    netguard inventory, or a source each run imports afresh. A source with hosts or rows the
    import cannot use is refused: every scheduled run would refuse it too (exit 2), auditing
    nothing, until someone corrects it."""
    from netguard.inventory.sources import load_inventory_source, source_kind

    imported = load_inventory_source(args.inventory, args.map)
    print_import_problems(imported, args)
    if imported.skipped:
        raise usage_error(
            "schedule_source_unusable",
            file=imported.inventory.path,
            count=len(imported.skipped),
            entries=imported.entries,
        )
    return source_kind(args.inventory)

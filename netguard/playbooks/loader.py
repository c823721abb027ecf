"""Load playbooks (one YAML file per incident type) and the contacts file, with located errors.

Every complaint names the place to fix, ``FILE:LINE: field: message``, like the inventory and
policy loaders. A trigger that matches no known check is only a warning: a playbook may be
written ahead of its check (removable media has no check yet).
"""

from __future__ import annotations

import logging
import re
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from netguard.errors import InputError
from netguard.i18n import LANGS
from netguard.model import FindingStatus, HostStatus, Zone
from netguard.playbooks.model import (
    CATEGORIES,
    GRADE_NAMES_ZH,
    HOST_OWNER,
    Condition,
    Contacts,
    Escalation,
    Grade,
    Offset,
    OrganisationLevel,
    Phase,
    Playbook,
    Role,
    Stage,
    Step,
    Text,
    Trigger,
    glob_match,
)
from netguard.yamlsrc import Node, describe, did_you_mean, load_file

log = logging.getLogger("netguard.playbooks")

#: The packaged policies folder, as a package resource: a ``Path`` in an installed netguard, a
#: folder inside the archive in the single-file zipapp (``Traversable.iterdir`` lists both).
_POLICIES: Traversable = resources.files("netguard") / "policies"
DEFAULT_TIMEZONE = "Asia/Shanghai"

PLAYBOOK_KEYS = (
    "id", "name", "summary", "category", "grade", "grading", "manual", "triggers", "escalation",
    "warnings", "steps", "evidence", "signoff",
)  # fmt: skip
TRIGGER_KEYS = ("checks", "categories", "finding_status", "host_status", "zones")
ESCALATION_KEYS = ("when", "grade", "raise", "reason")
#: Conditions of an escalation rule's or a step's `when`.
WHEN_KEYS = ("zones", "min_hosts", "checks", "critical_infrastructure", "organisation_level")
STEP_KEYS = (
    "id", "phase", "stage", "role", "within", "after", "text", "notify", "min_grade", "when",
)  # fmt: skip
CONTACTS_KEYS = (
    "organisation", "timezone", "duty_phone", "critical_infrastructure", "organisation_level",
    "roles",
)  # fmt: skip
ROLE_KEYS = ("name", "person", "phone", "external")

_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")  # ids become file names
_OFFSET = re.compile(r"([0-9]+)\s*(mo|m|h|d)")
#: Largest amount per unit: about ten years, so a typo cannot push a date past year 9999.
_OFFSET_MAX = {"m": 5_256_000, "h": 87_600, "d": 3_650, "mo": 120}
#: Check ids that are not in the check catalog but appear in results (the transport's finding).
TRANSPORT_CHECKS = {"ssh.hostkey": "transport"}


def default_playbooks_dir() -> Traversable:
    return _POLICIES / "playbooks"


def default_contacts_path() -> Traversable:
    return _POLICIES / "contacts" / "example.yaml"


def known_checks() -> dict[str, str]:
    """Check id → category, of every check that can appear in results."""
    from netguard.checks import CATALOG
    from netguard.checks.network import CHECK_IDS as NETWORK_CHECKS  # the sweep's findings

    return {
        **{cid: spec.category for cid, spec in CATALOG.items()},
        **TRANSPORT_CHECKS,
        **dict.fromkeys(NETWORK_CHECKS, "network"),
    }


# -- contacts --------------------------------------------------------------------------------------


def load_contacts(path: str | Path | Traversable | None = None) -> Contacts:
    """The organisation, its time zone and the roles steps are assigned to. Raises InputError."""
    doc = load_file(path if path is not None else default_contacts_path(), "contacts")
    root = doc.root()
    if root.is_null:
        root.fail("the contacts file is empty; expected a mapping with keys organisation, roles")
    top = root.mapping(CONTACTS_KEYS, ("organisation", "roles"), what="a mapping")
    tz_name = DEFAULT_TIMEZONE
    tz_stated = "timezone" in top and not top["timezone"].is_null
    if tz_stated:
        tz_name = top["timezone"].text()
    roles: dict[str, Role] = {}
    for role_id, node in top["roles"].mapping(None, what="a mapping of role id → role").items():
        where = top["roles"].key_line(role_id)
        if role_id == HOST_OWNER:
            node.fail(f"{HOST_OWNER} is built in (each host's inventory owner)", line=where)
        if not _ID.fullmatch(role_id.replace("_", "-")):
            node.fail(f"invalid role id {role_id!r}: use a-z, 0-9, _ and -", line=where)
        m = node.mapping(ROLE_KEYS, ("name",), what="a role (a mapping with name, person, phone)")
        roles[role_id] = Role(
            role_id,
            _text(m["name"]),
            _opt_text(m.get("person")),
            _opt_text(m.get("phone")),
            external=m["external"].boolean() if _given(m, "external") else False,
        )
    level = ""
    if _given(top, "organisation_level"):
        level = str(top["organisation_level"].choice(OrganisationLevel))
    return Contacts(
        organisation=_text(top["organisation"], plain_ok=True),
        timezone=_zone(top.get("timezone"), tz_name),
        timezone_stated=tz_stated,
        roles=roles,
        duty_phone=_opt_text(top.get("duty_phone")),
        path=doc.path,
        critical_infrastructure=(
            top["critical_infrastructure"].boolean()
            if _given(top, "critical_infrastructure")
            else False
        ),
        organisation_level=level,
    )


def _zone(node: Node | None, name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        assert node is not None  # the default zone always exists (tzdata is a dependency)
        node.fail(f"unknown time zone {name!r}; use an IANA name such as Asia/Shanghai")


# -- playbooks -------------------------------------------------------------------------------------


def load_playbooks(
    folder: str | Path | None = None,
    contacts: Contacts | None = None,
    *,
    checks: dict[str, str] | None = None,
) -> list[Playbook]:
    """Every ``*.yaml`` playbook of a folder (default: the packaged ones), in file-name order.

    Roles are checked against ``contacts`` (default: the packaged contacts file); trigger
    patterns against ``checks`` (check id → category; default: the check catalog), where a
    pattern that matches nothing is logged as a warning and kept in ``Playbook.notes``.
    """
    packaged = folder is None
    root: Path | Traversable = Path(folder) if folder is not None else default_playbooks_dir()
    if not root.is_dir():
        raise InputError("playbook folder not found", file=str(root))
    if contacts is None:
        contacts = load_contacts()
    known = checks if checks is not None else known_checks()
    out: list[Playbook] = []
    first: dict[str, tuple[str, int | None]] = {}
    # iterdir, not glob: a packaged folder inside the zipapp is a Traversable, which has no glob.
    files = [p for p in root.iterdir() if p.name.endswith(".yaml")]
    for path in sorted(files, key=lambda p: p.name):
        pb, id_node = _playbook(path, contacts, known)
        if pb.id in first:
            where, line = first[pb.id]
            id_node.fail(f"duplicate playbook id {pb.id!r} (first in {where}:{line})")
        first[pb.id] = (pb.path, id_node.line)
        for note in pb.notes:
            # The packaged notes are known and documented (docs/playbooks.md); repeating them
            # on every run would teach readers to ignore warnings. An office's own are news.
            log.log(logging.INFO if packaged else logging.WARNING, "%s", note)
        out.append(pb)
    return out


def load_playbook(
    path: str | Path, contacts: Contacts, *, checks: dict[str, str] | None = None
) -> Playbook:
    """One playbook file (see load_playbooks)."""
    return _playbook(Path(path), contacts, checks if checks is not None else known_checks())[0]


def _playbook(
    path: Path | Traversable, contacts: Contacts, known: dict[str, str]
) -> tuple[Playbook, Node]:
    doc = load_file(path, "playbook")
    root = doc.root()
    if root.is_null:
        root.fail("the playbook is empty")
    required = ("id", "name", "category", "grade", "steps")
    top = root.mapping(PLAYBOOK_KEYS, required, what="a playbook (a mapping)")
    pb_id = top["id"].text()
    if not _ID.fullmatch(pb_id):
        top["id"].fail(
            f"invalid id {pb_id!r}: lower-case letters, digits and -, at most 63 (it names files)"
        )
    category = top["category"].text()
    if category not in CATEGORIES:
        top["category"].fail(
            f"unknown GB/T 20986-2023 category {category!r}{did_you_mean(category, CATEGORIES)};"
            f" one of {', '.join(CATEGORIES)}"
        )
    notes: list[str] = []
    manual = top["manual"].boolean() if _given(top, "manual") else False
    triggers = tuple(_trigger(n, known, notes) for n in _trigger_nodes(top, manual))
    role_ok = _RoleCheck(contacts)
    step_nodes = _nonempty(top["steps"], "steps")
    steps = tuple(_step(n, role_ok) for n in step_nodes)
    check_step_order(steps, step_nodes, contacts)
    pb = Playbook(
        id=pb_id,
        name=_text(top["name"]),
        category=category,
        grade=_grade(top["grade"]),
        triggers=triggers,
        steps=steps,
        summary=_text(top["summary"]) if _given(top, "summary") else None,
        escalation=tuple(_escalation(n) for n in _list(top, "escalation")),
        warnings=tuple(_text(n) for n in _list(top, "warnings")),
        evidence=tuple(_text(n) for n in _list(top, "evidence")),
        signoff=tuple(role_ok(n) for n in _list(top, "signoff")),
        grading=_text(top["grading"]) if _given(top, "grading") else None,
        manual=manual,
        path=doc.path,
        sha256=doc.sha256,
        notes=tuple(notes),
    )
    return pb, top["id"]


def _given(m: dict[str, Node], key: str) -> bool:
    return key in m and not m[key].is_null


def _list(m: dict[str, Node], key: str) -> list[Node]:
    return m[key].items() if _given(m, key) else []


def _nonempty(node: Node, what: str) -> list[Node]:
    items = node.items(what=f"a list of {what}")
    if not items:
        node.fail(f"give at least one of the {what}")
    return items


def _trigger_nodes(top: dict[str, Node], manual: bool) -> list[Node]:
    """The triggers: at least one, unless the playbook is `manual: true` (started only with
    ``netguard checklist --incident``), which has none."""
    if manual:
        if _given(top, "triggers") and top["triggers"].items(what="a list of triggers"):
            top["triggers"].fail(
                "a manual playbook has no triggers (it is started with --incident); "
                "remove the triggers or manual: true"
            )
        return []
    if "triggers" not in top:
        raise InputError(
            "missing triggers (give at least one, or write manual: true for a playbook that "
            "only `netguard checklist --incident` starts)",
            file=top["id"].file,
            line=top["id"].line,
            field="triggers",
        )
    return _nonempty(top["triggers"], "triggers")


def _trigger(node: Node, known: dict[str, str], notes: list[str]) -> Trigger:
    m = node.mapping(TRIGGER_KEYS, what="a trigger (a mapping)")
    checks = _texts(m.get("checks"))
    categories = _texts(m.get("categories"))
    host_status = frozenset(_choices(m.get("host_status"), HostStatus))
    if not (checks or categories or host_status):
        node.fail("a trigger needs checks, categories or host_status (it would match nothing)")
    finding_status = frozenset({"fail"})
    if _given(m, "finding_status"):
        finding_status = frozenset(_choices(m["finding_status"], FindingStatus))
        if not finding_status:
            m["finding_status"].fail("give at least one finding status, e.g. [fail]")
    zones = frozenset(_choices(m["zones"], Zone)) if _given(m, "zones") else None
    if zones is not None and not zones:
        m["zones"].fail("give at least one zone, or leave zones out for every zone")
    # Not errors: the check may come later (media.*) or from a newer netguard.
    for i, pattern in enumerate(checks):
        if not any(glob_match((pattern,), cid) for cid in known):
            item = m["checks"].items()[i]
            notes.append(
                f"{item.file}:{item.line}: {item.path}: {pattern!r} matches no known check; "
                "this trigger cannot fire until such a check exists"
            )
    for i, cat in enumerate(categories):
        if cat not in set(known.values()):
            item = m["categories"].items()[i]
            notes.append(
                f"{item.file}:{item.line}: {item.path}: no known check has category {cat!r}"
            )
    return Trigger(checks, categories, finding_status, host_status, zones)


def _condition(node: Node) -> Condition:
    when = node.mapping(WHEN_KEYS, what=f"conditions ({', '.join(WHEN_KEYS)})")
    if not any(_given(when, k) for k in WHEN_KEYS):
        node.fail(f"give at least one condition: {', '.join(WHEN_KEYS)}")
    zones = frozenset(_choices(when["zones"], Zone)) if _given(when, "zones") else None
    levels = None
    if _given(when, "organisation_level"):
        levels = frozenset(
            str(n.choice(OrganisationLevel)) for n in when["organisation_level"].items()
        )
    return Condition(
        zones=zones,
        min_hosts=when["min_hosts"].integer(minimum=1) if _given(when, "min_hosts") else None,
        checks=_texts(when.get("checks")),
        critical_infrastructure=(
            when["critical_infrastructure"].boolean()
            if _given(when, "critical_infrastructure")
            else None
        ),
        organisation_level=levels,
    )


def _escalation(node: Node) -> Escalation:
    m = node.mapping(ESCALATION_KEYS, ("when", "reason"), what="an escalation rule (a mapping)")
    when = _condition(m["when"])
    has_grade, has_raise = _given(m, "grade"), _given(m, "raise")
    if has_grade == has_raise:
        node.fail("give exactly one of grade (at least this grade) or raise (grades up)")
    return Escalation(
        reason=_text(m["reason"]),
        when=when,
        to=_grade(m["grade"]) if has_grade else None,
        raise_by=m["raise"].integer(minimum=1, maximum=3) if has_raise else 0,
    )


def _step(node: Node, role_ok: _RoleCheck) -> Step:
    m = node.mapping(STEP_KEYS, ("phase", "role", "within", "text"), what="a step (a mapping)")
    step_id = m["id"].text() if _given(m, "id") else ""
    if step_id and not _ID.fullmatch(step_id):
        m["id"].fail(f"invalid step id {step_id!r}: lower-case letters, digits and -")
    return Step(
        phase=m["phase"].choice(Phase),
        role=role_ok(m["role"]),
        within=parse_offset_node(m["within"]),
        text=_text(m["text"]),
        notify=tuple(role_ok(n) for n in _list(m, "notify")),
        min_grade=_grade(m["min_grade"]) if _given(m, "min_grade") else None,
        line=m["role"].line,
        id=step_id,
        stage=m["stage"].choice(Stage) if _given(m, "stage") else None,
        after=_texts(m.get("after")),
        when=_condition(m["when"]) if _given(m, "when") else None,
    )


def check_step_order(steps: tuple[Step, ...], nodes: list[Node], contacts: Contacts) -> None:
    """The order of the steps that feed each other (``after``), as data can get it wrong:

    - step ids are unique, and ``after`` names steps of the playbook, not the step itself;
    - a step is not due before a step it comes after (``within`` not earlier);
    - a report to a body outside the organisation (a role with ``external: true``: 网信部门,
      保密行政管理部门, 公安机关 …) names in ``after`` the internal step that feeds it.
    """
    ids: dict[str, int] = {}
    for i, (step, node) in enumerate(zip(steps, nodes, strict=True)):
        if not step.id:
            continue
        if step.id in ids:
            m = node.mapping(STEP_KEYS)
            m["id"].fail(f"duplicate step id {step.id!r} (first at steps[{ids[step.id]}])")
        ids[step.id] = i
    for step, node in zip(steps, nodes, strict=True):
        m = node.mapping(STEP_KEYS)
        for j, ref in enumerate(step.after):
            item = m["after"].items()[j]
            if ref == step.id:
                item.fail(f"a step cannot come after itself ({ref!r})")
            if ref not in ids:
                item.fail(
                    f"no step with id {ref!r} in this playbook"
                    f"{did_you_mean(ref, list(ids))}; step ids: {', '.join(ids) or 'none'}"
                )
            feeder = steps[ids[ref]]
            if step.within.nominal_minutes < feeder.within.nominal_minutes:
                m["within"].fail(
                    f"due within {step.within.text}, before step {ref!r} that feeds it "
                    f"(within {feeder.within.text}, steps[{ids[ref]}]); a step's time limit "
                    "is not earlier than the steps it comes after"
                )
        external = [r for r in step.notify if contacts.is_external(r)]
        if contacts.is_external(step.role):
            external.insert(0, step.role)
        if external and not step.after:
            where = m["notify"] if "notify" in m else m["role"]
            where.fail(
                f"a report to {', '.join(external)} (outside the organisation) must name in "
                "after: the internal step that feeds it (e.g. after: [report-internal])"
            )


class _RoleCheck:
    """Reads a role id and refuses one the contacts file does not define."""

    def __init__(self, contacts: Contacts) -> None:
        self.contacts = contacts

    def __call__(self, node: Node) -> str:
        role = node.text()
        if not self.contacts.has_role(role):
            known = [HOST_OWNER, *self.contacts.roles]
            node.fail(
                f"unknown role {role!r}{did_you_mean(role, known)}; roles of "
                f"{self.contacts.path or 'the contacts file'}: {', '.join(known)}"
            )
        return role


# -- values ----------------------------------------------------------------------------------------


def parse_offset(text: str) -> Offset:
    """'30m', '2h', '3d', '3mo' → Offset; ValueError with the reason otherwise."""
    match = _OFFSET.fullmatch(text.strip())
    if not match:
        raise ValueError(
            f"invalid time limit {text!r}; write a whole number and a unit: "
            "30m (minutes), 2h (hours), 3d (days), 3mo (calendar months)"
        )
    amount, unit = int(match[1]), match[2]
    if amount > _OFFSET_MAX[unit]:
        raise ValueError(f"time limit {text!r} is too far away (at most {_OFFSET_MAX[unit]}{unit})")
    return Offset(amount, unit, text.strip())


def parse_offset_node(node: Node) -> Offset:
    if isinstance(node.value, int) and not isinstance(node.value, bool):
        node.fail(f"expected a time limit with a unit, got {describe(node.value)}; e.g. 30m, 2h")
    try:
        return parse_offset(node.text())
    except ValueError as exc:
        node.fail(str(exc))


def _grade(node: Node) -> Grade:
    v = node.value
    if isinstance(v, str) and v in GRADE_NAMES_ZH:
        return GRADE_NAMES_ZH[v]
    allowed = [g.value for g in Grade] + list(GRADE_NAMES_ZH)
    if isinstance(v, str) and v in {g.value for g in Grade}:
        return Grade(v)
    node.fail(f"invalid grade {describe(v)}; one of {', '.join(allowed)}")


def _text(node: Node, *, plain_ok: bool = False) -> Text:
    """A {zh: …, en: …} text; both languages are required (plain text too if plain_ok)."""
    if plain_ok and isinstance(node.value, str):
        s = node.text()
        return Text(s, s)
    m = node.mapping(LANGS, what="a text in both languages, {zh: …, en: …}")
    for lang in LANGS:
        if lang not in m or m[lang].is_null:
            field = f"{node.path}.{lang}" if node.path else lang
            raise InputError(
                f"missing the {lang} text (every text is given in zh and en)",
                file=node.file,
                line=node.line,
                field=field,
            )
    return Text(m["zh"].text(), m["en"].text())


def _opt_text(node: Node | None) -> str:
    if node is None or node.is_null:
        return ""
    if isinstance(node.value, int | float) and not isinstance(node.value, bool):
        node.fail(f"expected text, got {describe(node.value)} (quote it: '{node.value}')")
    return node.text(allow_empty=True)


def _texts(node: Node | None) -> tuple[str, ...]:
    if node is None or node.is_null:
        return ()
    return node.texts()


def _choices(
    node: Node | None, enum: type[Zone] | type[HostStatus] | type[FindingStatus]
) -> list[str]:
    if node is None or node.is_null:
        return []
    return [str(item.choice(enum)) for item in node.items()]

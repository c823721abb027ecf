"""Rule files → RuleFile: Wazuh SCA policy files, unmodified, and netguard's own rule format.

The two formats are told apart by their top-level keys (docs/formats.md, "Rule files"):

- a **Wazuh SCA policy** has ``policy`` and ``checks`` (and may have ``requirements`` and
  ``variables``). It is read as Wazuh reads it, leniently: keys netguard does not use
  (``impact``, a check's ``regex_type``…) are ignored, so published policies load as they are.
  A check's netguard id is ``<policy id>.<check id>`` (``cis_debian12.33000``), its category
  ``sca``, its severity ``medium`` (SCA has none); ``compliance`` is kept as it is written.
  Regexes are OS_Regex unless the policy section says ``regex_type: pcre2``.
- a **netguard rule file** has ``netguard_rules: 1``. It is read strictly (an unknown key is an
  error): checks carry their own dotted id, titles in Chinese and English, a category, a
  severity and standard references. Regexes are PCRE2 unless it says ``regex_type: osregex``.

Every error names file, line and field; a rule that cannot be parsed also its column. A check
that uses what netguard cannot evaluate on Linux (a registry rule; in an SCA policy also a path
the script may not read as written, such as a wildcard) is not an error and is not dropped: it
carries ``unsupported`` and reports not_applicable on every host.
"""

from __future__ import annotations

import re
import stat
from pathlib import Path

from netguard.checks import CATALOG
from netguard.errors import InputError
from netguard.model import Severity
from netguard.sca.model import (
    Condition,
    PolicyCheck,
    RegexFlavour,
    Requirements,
    Rule,
    RuleFile,
    RuleKind,
)
from netguard.sca.rules import PathRuleError, RuleError, parse_rule, substitute
from netguard.yamlsrc import Document, Node, did_you_mean, load_file

SCA = "wazuh-sca"
NETGUARD = "netguard-rules"
FORMAT_VERSION = 1
#: a rule file larger than this is refused before it is parsed (the CIS policies are < 1 MiB)
MAX_FILE_BYTES = 8 * 1024 * 1024
SCA_CATEGORY = "sca"
SCA_SEVERITY = Severity.MEDIUM

NETGUARD_TOP_KEYS = (
    "netguard_rules",
    "id",
    "name",
    "description",
    "regex_type",
    "requirements",
    "variables",
    "checks",
)
NETGUARD_CHECK_KEYS = (
    "id",
    "title",
    "category",
    "severity",
    "references",
    "description",
    "rationale",
    "remediation",
    "condition",
    "rules",
)
REQUIREMENTS_KEYS = ("title", "description", "condition", "rules")
LANG_KEYS = ("en", "zh")
_TOP_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*:", re.MULTILINE)
_FILE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_CHECK_ID = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+")
_CATEGORY = re.compile(r"[a-z][a-z0-9_]*")
_VARIABLE_NAME = re.compile(r"\$[A-Za-z0-9_]+")
_REGEX_TYPES = {"osregex": RegexFlavour.OSREGEX, "pcre2": RegexFlavour.PCRE2}
BUILTIN_CATEGORIES = tuple(sorted({spec.category for spec in CATALOG.values()}))


def load_rule_file(path: str | Path) -> RuleFile:
    """Load and validate a rule file (either format, told apart by its keys). Raises
    InputError naming file, line and field."""
    doc = _read(path)
    root = doc.root()
    if not isinstance(root.value, dict):
        root.fail(
            "a rule file is a mapping: netguard_rules: 1 (netguard rule file) or policy: and "
            "checks: (Wazuh SCA policy)"
        )
    if "netguard_rules" in root.value:
        return _netguard(doc, root)
    if "policy" in root.value and "checks" in root.value:
        return _sca(doc, root)
    root.fail(
        "not a rule file: expected netguard_rules: 1 (netguard rule file) or both policy: and "
        "checks: (Wazuh SCA policy)"
    )


def is_rule_file(path: str | Path) -> bool:
    """Whether the YAML file is a rule file (SCA: a ``policy`` mapping and a ``checks`` list;
    netguard: ``netguard_rules``) rather than a netguard policy pack.

    Looks only at the top-level keys as written (lines starting in column 1), so deciding costs
    no YAML parse; a file that cannot be read is not a rule file (its loader says why)."""
    try:
        if not Path(path).is_file():  # a pipe or a device would block or never end
            return False
        with open(path, "rb") as f:
            head = f.read(MAX_FILE_BYTES)
    except OSError:
        return False
    text = head.decode("utf-8-sig", errors="replace")
    keys = set(_TOP_LINE.findall(text))
    return "netguard_rules" in keys or {"policy", "checks"} <= keys


def _read(path: str | Path) -> Document:
    try:
        info = Path(path).stat()
    except OSError:
        return load_file(path, "rule file")  # it says what is wrong with the path
    if stat.S_ISCHR(info.st_mode) or stat.S_ISFIFO(info.st_mode) or stat.S_ISSOCK(info.st_mode):
        # /dev/zero or a pipe would be read without end; their size says nothing
        raise InputError("rule file is not a regular file", file=str(path))
    size = info.st_size
    if size > MAX_FILE_BYTES:
        raise InputError(
            f"rule file is {size} bytes; the limit is {MAX_FILE_BYTES} bytes (8 MiB)",
            file=str(path),
        )
    return load_file(path, "rule file")


# -- Wazuh SCA -------------------------------------------------------------------------------------


def _sca(doc: Document, root: Node) -> RuleFile:
    top = root.mapping(None)
    policy = top["policy"].mapping(None, ("id", "name"), what="the policy section (a mapping)")
    file_id = _file_id(policy["id"])
    flavour = _regex_type(policy.get("regex_type"), RegexFlavour.OSREGEX)
    variables = _variables(top.get("variables"))
    requirements = None
    if "requirements" in top and not top["requirements"].is_null:
        requirements = _requirements(top["requirements"], variables, flavour, strict=False)
    checks: list[PolicyCheck] = []
    seen: dict[int, int | None] = {}
    items = top["checks"].items(what="a list of checks")
    if not items:
        top["checks"].fail("the policy has no checks")
    for item in items:
        m = item.mapping(None, ("id", "title", "condition", "rules"), what="a check (a mapping)")
        number = m["id"].integer(minimum=0)
        if number in seen:
            m["id"].fail(f"duplicate check id {number} (first on line {seen[number]})")
        seen[number] = m["id"].line
        rules, unsupported = _rules(m["rules"], variables, flavour, strict=False)
        checks.append(
            PolicyCheck(
                id=f"{file_id}.{number}",
                source_id=str(number),
                title={"en": m["title"].text()},
                condition=m["condition"].choice(Condition),
                rules=rules,
                category=SCA_CATEGORY,
                severity=SCA_SEVERITY,
                description=_sca_text(m.get("description")),
                rationale=_sca_text(m.get("rationale")),
                remediation=_sca_text(m.get("remediation")),
                compliance=_compliance(m.get("compliance")),
                references=(),
                unsupported=unsupported,
                line=item.line,
            )
        )
    return RuleFile(
        format=SCA,
        id=file_id,
        name=policy["name"].text(),
        path=doc.path,
        sha256=doc.sha256,
        checks=tuple(checks),
        requirements=requirements,
        description=_plain(policy.get("description")),
        source=doc.raw,
    )


def _sca_text(node: Node | None) -> dict[str, str]:
    text = _plain(node)
    return {"en": text} if text else {}


def _plain(node: Node | None) -> str:
    if node is None or node.is_null:
        return ""
    return node.text(allow_empty=True)


def _compliance(node: Node | None) -> dict[str, tuple[str, ...]]:
    """SCA ``compliance``: a list of single-key mappings, framework → list of ids."""
    if node is None or node.is_null:
        return {}
    out: dict[str, list[str]] = {}
    for item in node.items(what="a list of framework: [ids] mappings"):
        for framework, ids in item.mapping(None, what="a framework: [ids] mapping").items():
            values = out.setdefault(framework, [])
            entries = [ids] if not isinstance(ids.value, list) else ids.items()
            for entry in entries:
                v = entry.value
                if isinstance(v, bool) or not isinstance(v, str | int | float):
                    entry.fail("expected an id (text or a number)")
                values.append(entry.text() if isinstance(v, str) else str(v))
    return {k: tuple(dict.fromkeys(v)) for k, v in out.items()}


# -- netguard rule files ---------------------------------------------------------------------------


def _netguard(doc: Document, root: Node) -> RuleFile:
    top = root.mapping(
        NETGUARD_TOP_KEYS,
        ("netguard_rules", "id", "name", "checks"),
        what="a rule file (netguard_rules, id, name, checks, ...)",
    )
    version = top["netguard_rules"]
    if version.value != FORMAT_VERSION or isinstance(version.value, bool):
        version.fail(f"this netguard reads rule files of format {FORMAT_VERSION}; write 1")
    file_id = _file_id(top["id"])
    flavour = _regex_type(top.get("regex_type"), RegexFlavour.PCRE2)
    variables = _variables(top.get("variables"))
    requirements = None
    if "requirements" in top and not top["requirements"].is_null:
        requirements = _requirements(top["requirements"], variables, flavour, strict=True)
    items = top["checks"].items(what="a list of checks")
    if not items:
        top["checks"].fail("the rule file has no checks")
    checks: list[PolicyCheck] = []
    seen: dict[str, int | None] = {}
    for item in items:
        check = _netguard_check(item, variables, flavour)
        if check.id in seen:
            item.mapping(None)["id"].fail(
                f"duplicate check id {check.id!r} (first on line {seen[check.id]})"
            )
        seen[check.id] = check.line
        checks.append(check)
    return RuleFile(
        format=NETGUARD,
        id=file_id,
        name=top["name"].text(),
        path=doc.path,
        sha256=doc.sha256,
        checks=tuple(checks),
        requirements=requirements,
        description=_plain(top.get("description")),
        source=doc.raw,
    )


def _netguard_check(item: Node, variables: dict[str, str], flavour: RegexFlavour) -> PolicyCheck:
    m = item.mapping(
        NETGUARD_CHECK_KEYS,
        ("id", "title", "condition", "rules"),
        what="a check (a mapping: id, title, condition, rules, ...)",
    )
    id_node = m["id"]
    check_id = id_node.text()
    if not _CHECK_ID.fullmatch(check_id):
        id_node.fail(
            f"check id {check_id!r}: lower-case words joined by dots, e.g. office.sshd_root_login"
        )
    if check_id in CATALOG:
        id_node.fail(f"check id {check_id!r} is a built-in check; give the office's own id")
    category = SCA_CATEGORY
    if "category" in m:
        category = m["category"].text()
        if not _CATEGORY.fullmatch(category):
            close = did_you_mean(category, BUILTIN_CATEGORIES)
            m["category"].fail(
                f"category {category!r}: one lower-case word{close} "
                f"(built-in: {', '.join(BUILTIN_CATEGORIES)})"
            )
    severity = m["severity"].choice(Severity) if "severity" in m else SCA_SEVERITY
    references: tuple[str, ...] = ()
    if "references" in m and not m["references"].is_null:
        references = tuple(dict.fromkeys(m["references"].texts(what="a list of references")))
    rules, unsupported = _rules(m["rules"], variables, flavour, strict=True)
    return PolicyCheck(
        id=check_id,
        source_id=check_id,
        title=_languages(m["title"], required=True),
        condition=m["condition"].choice(Condition),
        rules=rules,
        category=category,
        severity=severity,
        description=_languages(m.get("description")),
        rationale=_languages(m.get("rationale")),
        remediation=_languages(m.get("remediation")),
        references=references,
        unsupported=unsupported,
        line=item.line,
    )


def _languages(node: Node | None, *, required: bool = False) -> dict[str, str]:
    """``{en: …, zh: …}`` (en required when the field is given); plain text is English."""
    if node is None or node.is_null:
        if required and node is not None:
            node.fail("expected {en: ..., zh: ...}")
        return {}
    if isinstance(node.value, str):
        return {"en": node.text()}
    m = node.mapping(LANG_KEYS, ("en",), what="a mapping of languages {en: ..., zh: ...}")
    return {lang: m[lang].text() for lang in LANG_KEYS if lang in m}


# -- what both formats share -----------------------------------------------------------------------


def _file_id(node: Node) -> str:
    value = node.text()
    if not _FILE_ID.fullmatch(value):
        node.fail(f"id {value!r}: letters, digits, '_' and '-' only (it prefixes check ids)")
    return value


def _regex_type(node: Node | None, default: RegexFlavour) -> RegexFlavour:
    if node is None or node.is_null:
        return default
    value = node.text()
    flavour = _REGEX_TYPES.get(value.lower())
    if flavour is None:
        node.fail(
            f"regex_type {value!r}{did_you_mean(value, _REGEX_TYPES)}; expected "
            + " or ".join(_REGEX_TYPES)
        )
    return flavour


def _variables(node: Node | None) -> dict[str, str]:
    """``$name: a,b`` (or a list): substituted in the left part of rules."""
    if node is None or node.is_null:
        return {}
    out: dict[str, str] = {}
    for name, value in node.mapping(None, what="a mapping of $variables").items():
        if not _VARIABLE_NAME.fullmatch(name):
            value.fail(
                f"variable {name!r}: a '$' then letters, digits or '_' (e.g. $sshd_file)",
                line=node.key_line(name),
            )
        if isinstance(value.value, list):
            out[name] = ",".join(value.texts(what="a list of values"))
        else:
            out[name] = value.text()
    return out


def _requirements(
    node: Node, variables: dict[str, str], flavour: RegexFlavour, *, strict: bool
) -> Requirements:
    m = node.mapping(
        REQUIREMENTS_KEYS if strict else None,
        ("title", "condition", "rules"),
        what="the requirements (title, condition, rules)",
    )
    rules, _ = _rules(m["rules"], variables, flavour, strict=True)
    return Requirements(
        title=m["title"].text(),
        condition=m["condition"].choice(Condition),
        rules=rules,
        description=_plain(m.get("description")),
        line=node.line,
    )


def _rules(
    node: Node, variables: dict[str, str], flavour: RegexFlavour, *, strict: bool
) -> tuple[tuple[Rule, ...], str]:
    """A check's rules and why it cannot be evaluated on Linux ("" when it can).

    ``strict``: a path the script may not read is an error; otherwise (an SCA policy) it makes
    the check unsupported, as a registry rule does."""
    items = node.items(what="a list of rules")
    if not items:
        node.fail("list at least one rule")
    rules: list[Rule] = []
    unsupported = ""
    for item in items:
        text = item.text()
        expanded = substitute(text, variables)
        try:
            rule = parse_rule(expanded, line=item.line, flavour=flavour, sca_file_names=not strict)
        except PathRuleError as exc:
            if strict:
                item.fail(_rule_message(text, expanded, exc))
            unsupported = unsupported or f"line {item.line}: {exc.message}"
            continue
        except RuleError as exc:
            item.fail(_rule_message(text, expanded, exc))
        if rule.kind is RuleKind.REGISTRY and not unsupported:
            unsupported = f"line {item.line}: r: reads the Windows registry"
        rules.append(rule)
    return tuple(rules), unsupported


def _rule_message(text: str, expanded: str, exc: RuleError) -> str:
    # The texts passed Node.text (no control characters): quoted as written, backslashes single.
    shown = f"rule '{expanded}'"
    if expanded != text:
        shown += f" (from '{text}' with its variables)"
    return f"{shown}, column {exc.column}: {exc.message}"

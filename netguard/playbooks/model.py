"""The nouns of emergency response: playbooks (what to do for one incident type) and contacts
(who does it). Everything here is loaded from YAML; nothing about time limits or grades is code."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from enum import StrEnum
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Text:
    """A text written in both languages (every word of a playbook is)."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


class Grade(StrEnum):
    """《国家网络安全事件应急预案》 grades, most severe first."""

    I = "I"  # noqa: E741 — the grade's own name
    II = "II"
    III = "III"
    IV = "IV"

    @property
    def rank(self) -> int:
        """1 (特别重大) … 4 (一般): smaller is more severe."""
        return _GRADE_ORDER.index(self) + 1

    @property
    def colour(self) -> str:
        """The warning colour the national plan pairs with the grade."""
        return _GRADE_COLOUR[self]

    def raised(self, steps: int) -> Grade:
        """This grade made `steps` grades more severe (never beyond I)."""
        return _GRADE_ORDER[max(0, self.rank - 1 - steps)]


_GRADE_ORDER = (Grade.I, Grade.II, Grade.III, Grade.IV)
_GRADE_COLOUR = {Grade.I: "red", Grade.II: "orange", Grade.III: "yellow", Grade.IV: "blue"}
#: Chinese grade names are accepted in playbooks too (`grade: 较大`).
GRADE_NAMES_ZH = {"特别重大": Grade.I, "重大": Grade.II, "较大": Grade.III, "一般": Grade.IV}


class Phase(StrEnum):
    """发现 → 报告 → 处置 → 恢复 → 总结, in this order on every checklist."""

    DISCOVER = "discover"
    REPORT = "report"
    RESPOND = "respond"
    RECOVER = "recover"
    REVIEW = "review"

    @property
    def order(self) -> int:
        return list(Phase).index(self)


#: GB/T 20986-2023 top-level incident categories (the ten classes; names in the catalogs under
#: checklist.category.<id>).
CATEGORIES = (
    "malware",  # 恶意程序事件
    "attack",  # 网络攻击事件
    "data",  # 数据安全事件
    "content",  # 信息内容安全事件
    "equipment",  # 设备设施故障事件
    "violation",  # 违规操作事件
    "hazard",  # 安全隐患事件
    "anomaly",  # 异常行为事件
    "force_majeure",  # 不可抗力事件
    "other",  # 其他事件
)


class Stage(StrEnum):
    """The report a step belongs to (《国家网络安全事件报告管理办法》): 初报 → 续报 → 终报."""

    INITIAL = "initial"  # 初报
    FOLLOW_UP = "follow_up"  # 续报
    FINAL = "final"  # 终报


class OrganisationLevel(StrEnum):
    """Where the organisation sits (a contacts file's `organisation_level`): the report path
    and its time limit differ (中央和国家机关 2 h to their own 网信, others 4 h to the province)."""

    CENTRAL = "central"  # 中央和国家机关
    PROVINCIAL = "provincial"  # 省级
    CITY = "city"  # 市级
    COUNTY = "county"  # 县级


ORGANISATION_LEVELS = tuple(level.value for level in OrganisationLevel)

#: Nominal minutes per unit, to compare time limits of one playbook (a day is 24 hours, a month
#: 30 days; the calendar can make them differ by an hour or a day, never reorder 1d and 2d).
_NOMINAL_MINUTES = {"m": 1, "h": 60, "d": 1440, "mo": 43200}


@dataclass(frozen=True)
class Offset:
    """A time limit counted from detection: `m`/`h` are elapsed time, `d`/`mo` calendar time."""

    amount: int
    unit: str  # m | h | d | mo
    text: str  # as written, e.g. "24h"

    @property
    def nominal_minutes(self) -> int:
        """The limit in minutes (a day 24 h, a month 30 d): for ordering, not for deadlines."""
        return self.amount * _NOMINAL_MINUTES[self.unit]


def glob_match(patterns: tuple[str, ...], value: str) -> bool:
    return any(fnmatch.fnmatchcase(value, p) for p in patterns)


@dataclass(frozen=True)
class Trigger:
    """Which hosts an incident concerns: failing findings of some checks/categories, or host
    statuses (not audited), optionally only in some zones."""

    checks: tuple[str, ...] = ()  # glob patterns over check ids
    categories: tuple[str, ...] = ()
    finding_status: frozenset[str] = frozenset({"fail"})
    host_status: frozenset[str] = frozenset()
    zones: frozenset[str] | None = None  # None: every zone

    def matches_finding(self, check: str, category: str, status: str) -> bool:
        if status not in self.finding_status:
            return False
        return glob_match(self.checks, check) or category in self.categories


@dataclass(frozen=True)
class Condition:
    """What must hold for an escalation rule or a step: every condition given (AND).

    Host conditions (zones, min_hosts, checks) look at the incident's machines; organisation
    conditions (critical_infrastructure, organisation_level) at the contacts file's facts."""

    zones: frozenset[str] | None = None  # some concerned host is in one of these zones
    min_hosts: int | None = None  # at least this many hosts are concerned
    checks: tuple[str, ...] = ()  # some triggering finding's check matches one of these globs
    critical_infrastructure: bool | None = None  # the organisation is (not) a CII operator
    organisation_level: frozenset[str] | None = None  # the organisation's level is one of these


@dataclass(frozen=True)
class Escalation:
    """A rule that makes the grade more severe when all its conditions hold."""

    reason: Text
    when: Condition = Condition()
    to: Grade | None = None  # at least this grade
    raise_by: int = 0  # or: this many grades up

    # The conditions by their old names (callers and tests read them off the rule).
    @property
    def zones(self) -> frozenset[str] | None:
        return self.when.zones

    @property
    def min_hosts(self) -> int | None:
        return self.when.min_hosts

    @property
    def checks(self) -> tuple[str, ...]:
        return self.when.checks


@dataclass(frozen=True)
class Step:
    phase: Phase
    role: str  # a role id of the contacts file, or host_owner
    within: Offset
    text: Text
    notify: tuple[str, ...] = ()  # roles to report to / inform
    min_grade: Grade | None = None  # only on checklists of this grade or more severe
    line: int | None = None  # where the step's role is written, for late errors
    id: str = ""  # optional: named by other steps' `after`
    stage: Stage | None = None  # 初报 / 续报 / 终报, for report steps
    after: tuple[str, ...] = ()  # ids of the steps that feed this one (done before it)
    when: Condition | None = None  # only on checklists where this holds


@dataclass(frozen=True)
class Playbook:
    id: str
    name: Text
    category: str  # one of CATEGORIES
    grade: Grade
    triggers: tuple[Trigger, ...]
    steps: tuple[Step, ...]
    summary: Text | None = None
    escalation: tuple[Escalation, ...] = ()
    warnings: tuple[Text, ...] = ()
    evidence: tuple[Text, ...] = ()
    signoff: tuple[str, ...] = ()
    grading: Text | None = None  # how the grade is decided, printed under the 初判 grade
    manual: bool = False  # no audit trigger: started only with `netguard checklist --incident`
    path: str = ""
    sha256: str = ""
    notes: tuple[str, ...] = field(default=(), compare=False)  # loader warnings, for display


HOST_OWNER = "host_owner"  # built-in role: the owner of each concerned host (inventory `owner`)


@dataclass(frozen=True)
class Role:
    id: str
    name: Text
    person: str = ""  # empty: filled in by hand on the printed checklist
    phone: str = ""
    #: a body outside the organisation (网信部门, 保密行政管理部门, 公安机关 …): a report to it
    #: must name, in `after`, the internal report that feeds it
    external: bool = False


@dataclass(frozen=True)
class Contacts:
    organisation: Text
    timezone: ZoneInfo
    roles: dict[str, Role]
    duty_phone: str = ""
    path: str = ""
    #: whether the file says its ``timezone`` (else ``timezone`` is the default): a document's
    #: zone falls back to the machine's only when the file says none
    timezone_stated: bool = False
    #: the organisation's facts, for grading and for the steps that depend on them
    critical_infrastructure: bool = False  # 关键信息基础设施运营者
    organisation_level: str = ""  # central | provincial | city | county, "" if not declared

    def is_external(self, role_id: str) -> bool:
        role = self.roles.get(role_id)
        return role is not None and role.external

    def has_role(self, role_id: str) -> bool:
        return role_id == HOST_OWNER or role_id in self.roles

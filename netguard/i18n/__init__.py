"""Message catalogs: every word a report or checklist shows, in Chinese and in English.

Catalogs are YAML files under ``netguard/i18n/<lang>/`` (one file per area: common, checks,
report, checklist), nested mappings flattened to dotted keys. Templates use ``{name}``
placeholders; list arguments are joined the way the language joins them (", " or "、").
A key missing from a catalog is a bug caught by the completeness tests, not a silent English
fallback in a Chinese report.

Arguments are language-neutral (numbers, names, addresses, lists); the template decides the words:

- ``{x}``: the value; a list is joined with ``common.list_separator``.
- ``{x:items}``: a list joined with ``common.item_separator`` ("; " / ";"), for items that
  carry their own commas or parentheses.
- ``{x:@zone}``: the value (or each value of a list) looked up as ``zone.<value>``, so an
  identifier such as ``intranet`` reads as 政务内网 — any key prefix works (``@facts`` …).
- A *part* — a mapping ``{"part": "account.days_ago", "account": "zhangwei", "days": 200}`` —
  renders through the template ``parts.<part>`` with the mapping's other entries, so a list of
  items with numbers reads naturally in each language. Parts nest (a part's argument may be a
  list of parts).
- Any other format spec (``{age:.1f}``) is Python's.
"""

from __future__ import annotations

import os
import string
from collections.abc import Mapping
from datetime import datetime, timedelta, tzinfo
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, Protocol

import yaml

LANGS = ("zh", "en")
#: The catalogs' folder: a package resource, so that they load from inside the single-file
#: zipapp too (where ``Path(__file__)`` names no real folder).
_DIR: Traversable = resources.files(__name__)
#: The key of a part mapping that names its template (``parts.<name>``); see the module doc.
PART = "part"
_LISTS = (list, tuple, set, frozenset)
_Instant = datetime  # Catalog.datetime (a method) hides the type inside the class
#: Zones that keep Beijing's clock (the same rules as Asia/Shanghai): 北京时间 in a zh document.
BEIJING_ZONES = frozenset(
    {"Asia/Shanghai", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "PRC"}
)


def zone_key(tz: tzinfo | None, at: datetime) -> str:
    """A zone's IANA name (Asia/Shanghai), else its abbreviation at that time (UTC)."""
    key = getattr(tz, "key", None)
    if isinstance(key, str):
        return key
    return (at.astimezone(tz) if tz else at).tzname() or "UTC"


def utc_offset(tz: tzinfo | None, at: datetime) -> str:
    """The zone's offset at that time, as people write it: UTC+08:00, UTC−05:00 (a minus sign)."""
    delta = (at.astimezone(tz) if tz else at).utcoffset() or timedelta(0)
    minutes = int(delta.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "\u2212"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


class _Formatter(string.Formatter):
    """str.format with the catalog's conventions: list joining, ``@prefix`` look-ups, parts."""

    def __init__(self, cat: Catalog) -> None:
        self.cat = cat

    def format_field(self, value: Any, format_spec: str) -> str:
        return self.cat._render(value, format_spec)


class Catalog:
    def __init__(self, lang: str, messages: Mapping[str, str]) -> None:
        self.lang = lang
        self.messages = dict(messages)
        self._sep = self.messages.get("common.list_separator", ", ")
        self._item_sep = self.messages.get("common.item_separator", "; ")
        self._formatter = _Formatter(self)

    def __call__(self, key: str, **args: Any) -> str:
        """The message for key, formatted with args. Unknown keys raise KeyError."""
        template = self.messages[key]
        return self._format(template, args) if args else template

    def get(self, key: str, default: str = "", **args: Any) -> str:
        template = self.messages.get(key)
        if template is None:
            return default
        return self._format(template, args) if args else template

    def has(self, key: str) -> bool:
        return key in self.messages

    def reason(self, reason: str, args: Mapping[str, Any], message: str) -> str:
        """A finding's message in this language: its reason template when the catalog has one,
        else the message the check wrote (results from older versions carry no reason)."""
        template = self.messages.get(f"reasons.{reason}") if reason else None
        if template is not None:
            try:
                return self._format(template, args)
            except (KeyError, IndexError, ValueError, TypeError, AttributeError):
                pass  # a results file from another version: show the check's own words
        return message

    def host_detail(self, reason: str, args: Mapping[str, Any], detail: str) -> str:
        """Why a host was not checked, in this language: its ``host_detail.<reason>`` template
        when the catalog has one, else the English ``detail`` the document carries (results
        from older versions carry no reason), labelled as untranslated
        (``host_detail_untranslated``)."""
        template = self.messages.get(f"host_detail.{reason}") if reason else None
        if template is not None:
            try:
                return self._format(template, args)
            except (KeyError, IndexError, ValueError, TypeError, AttributeError):
                pass  # a results file from another version: show its English words
        untranslated = self.messages.get("host_detail_untranslated", "{detail}")
        return self._format(untranslated, {"detail": detail})

    def join(self, items: Any) -> str:
        return self._sep.join(self._render(i) for i in items)

    def datetime(self, dt: datetime, *, zone: bool = True) -> str:
        """Date and time of day; zone=False leaves the zone out, for a document that names its
        one zone once (time_zone) instead of printing an abbreviation (CST) with every time."""
        key = "common.datetime_format" if zone else "common.datetime_format_local"
        return dt.strftime(self.messages.get(key, "%Y-%m-%d %H:%M"))

    def time_zone(self, tz: tzinfo | None, at: _Instant) -> str:
        """The one time zone of a document, said once: 北京时间 for Asia/Shanghai and the zones
        with its rules, else the zone's name with its offset at ``at`` (时区 America/New_York
        （UTC−05:00）). tz None: the zone of ``at`` itself."""
        key = zone_key(tz, at)
        if key in BEIJING_ZONES:
            return self("common.zone_beijing", offset=utc_offset(tz, at))
        return self("common.zone_named", name=key, offset=utc_offset(tz, at))

    def _format(self, template: str, args: Mapping[str, Any]) -> str:
        return self._formatter.vformat(template, (), args)

    def _render(self, value: Any, spec: str = "") -> str:
        """One argument as text: parts through their templates, lists joined, look-ups done."""
        if spec.startswith("@"):
            prefix = spec[1:]
            if isinstance(value, _LISTS):
                return self._sep.join(self.messages[f"{prefix}.{v}"] for v in value)
            return self.messages[f"{prefix}.{value}"]
        if isinstance(value, _LISTS):
            if spec not in ("", "items"):
                raise ValueError(f"format spec {spec!r} on a list")
            sep = self._item_sep if spec == "items" else self._sep
            return sep.join(self._render(v) for v in value)
        if isinstance(value, Mapping) and PART in value:
            template = self.messages[f"parts.{value[PART]}"]
            args = {k: v for k, v in value.items() if k != PART}
            return format(self._format(template, args), spec)
        return format(value, spec)


def _flatten(prefix: str, node: Any, out: dict[str, str], source: Traversable) -> None:
    if isinstance(node, Mapping):
        for k, v in node.items():
            _flatten(f"{prefix}.{k}" if prefix else str(k), v, out, source)
        return
    if prefix in out:
        raise ValueError(f"{source}: message {prefix!r} is defined twice")
    out[prefix] = str(node)


@cache
def catalog(lang: str) -> Catalog:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r} (known: {', '.join(LANGS)})")
    messages: dict[str, str] = {}
    files = (f for f in (_DIR / lang).iterdir() if f.name.endswith(".yaml") and f.is_file())
    for path in sorted(files, key=lambda f: f.name):
        with path.open(encoding="utf-8") as fh:
            _flatten("", yaml.safe_load(fh) or {}, messages, path)
    return Catalog(lang, messages)


class DetailSource(Protocol):
    """Anything that says why a host was not checked: a HostResult, a results HostRecord."""

    @property
    def detail(self) -> str: ...
    @property
    def detail_reason(self) -> str: ...
    @property
    def detail_args(self) -> Mapping[str, Any]: ...


def host_detail_text(record: DetailSource, cat: Catalog) -> str:
    """A host's not-checked detail in the catalog's language ("" when it has none): the one
    function reports, records, checklists and the terminal use for it."""
    return cat.host_detail(record.detail_reason, record.detail_args, record.detail)


def english_detail(reason: str, **args: Any) -> str:
    """The English rendering of a host detail: the document's ``detail`` next to its reason."""
    return catalog("en")(f"host_detail.{reason}", **args)


def default_lang(environ: Mapping[str, str] = os.environ) -> str:
    """The language of the user's locale: Chinese for zh_*, English otherwise."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = environ.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"

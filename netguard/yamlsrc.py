"""Safe YAML loading that remembers where every value came from.

Inventory and policy files are written by hand, so every complaint about them must point at the
place to fix: ``FILE:LINE: field.path: message``. PyYAML's plain loaders forget line numbers once
the document is built, so this module builds mappings and lists as subclasses of ``dict`` and
``list`` that keep the line of each key, value and item, and offers ``Node``: a small cursor that
validates one value and raises ``InputError`` located at that value.

Only ``yaml.SafeLoader`` is used (through a subclass): input files never construct Python objects.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import os
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import yaml

from netguard.errors import InputError
from netguard.untrusted import find_unsafe

E = TypeVar("E", bound=StrEnum)

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class YamlMap(dict[Any, Any]):
    """A YAML mapping that remembers the line (1-based) of itself, its keys and its values."""

    line: int
    key_lines: dict[Any, int]
    value_lines: dict[Any, int]

    def __init__(self, line: int = 0) -> None:
        super().__init__()
        self.line = line
        self.key_lines = {}
        self.value_lines = {}


class YamlList(list[Any]):
    """A YAML sequence that remembers the line of itself and of each item."""

    line: int
    item_lines: list[int]

    def __init__(self, line: int = 0) -> None:
        super().__init__()
        self.line = line
        self.item_lines = []


# libyaml's parser is several times faster on large inventories; the constructor (the part that
# decides what Python objects are built) is SafeConstructor either way.
_SafeBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeBase):  # type: ignore[valid-type,misc]
    """A safe loader building YamlMap/YamlList and refusing duplicate keys."""


def _construct_map(loader: _LineLoader, node: yaml.MappingNode) -> Iterator[YamlMap]:
    data = YamlMap(node.start_mark.line + 1)
    yield data  # yield first so that aliases to this mapping resolve (PyYAML's two-step idiom)
    # Duplicate keys are checked among the mapping's own entries only: keys that come in through
    # a merge (`<<: *base`) may legitimately be overridden by an explicit key.
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == _MERGE_TAG:
            continue
        key = loader.construct_object(key_node, deep=True)
        _require_hashable(key, node, key_node)
        line = key_node.start_mark.line + 1
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                f"found duplicate key {key!r} (first on line {seen[key]})",
                key_node.start_mark,
            )
        seen[key] = line
    loader.flatten_mapping(node)  # resolves `<<` merges into node.value, merged entries first
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        _require_hashable(key, node, key_node)
        data[key] = loader.construct_object(value_node, deep=False)
        data.key_lines[key] = key_node.start_mark.line + 1
        data.value_lines[key] = value_node.start_mark.line + 1


def _require_hashable(key: Any, node: yaml.Node, key_node: yaml.Node) -> None:
    try:
        hash(key)
    except TypeError:
        raise yaml.constructor.ConstructorError(
            "while constructing a mapping",
            node.start_mark,
            "found a key that is a list or mapping; keys must be plain values",
            key_node.start_mark,
        ) from None


def _construct_seq(loader: _LineLoader, node: yaml.SequenceNode) -> Iterator[YamlList]:
    data = YamlList(node.start_mark.line + 1)
    yield data
    data.item_lines = [item.start_mark.line + 1 for item in node.value]
    data.extend(loader.construct_object(item, deep=False) for item in node.value)


def _construct_timestamp(loader: _LineLoader, node: yaml.ScalarNode) -> Any:
    # PyYAML resolves anything shaped like a date (2026-02-30) to a timestamp and then raises a
    # bare ValueError for a day the calendar lacks: a traceback instead of a located message.
    # Such a scalar stays text, so the loader that expects a date can say where and why.
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_LineLoader.add_constructor(_MAP_TAG, _construct_map)
_LineLoader.add_constructor(_SEQ_TAG, _construct_seq)
_LineLoader.add_constructor(_TIMESTAMP_TAG, _construct_timestamp)


def loads(text: str, file: str = "<string>") -> Any:
    """Parse one YAML document; malformed YAML raises InputError located at the YAML mark."""
    loader: _LineLoader | None = None
    try:
        loader = _LineLoader(text)  # the reader already rejects forbidden characters here
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "malformed YAML"
        if exc.context and problem.startswith("but "):  # PyYAML splits one sentence in two
            problem = f"{exc.context}, {problem}"
        raise InputError(f"invalid YAML: {problem}", file=file, line=line) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (e.g. NUL)
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise InputError(
            f"invalid YAML: character U+{char:04X} is not allowed", file=file, line=line
        ) from None
    except yaml.YAMLError as exc:  # anything else PyYAML can raise has no position
        raise InputError(f"invalid YAML: {exc}", file=file) from None
    finally:
        if loader is not None:
            loader.dispose()


@dataclass(frozen=True)
class Document:
    """A YAML file as read: the path as given, its folder, the SHA-256 of its bytes, the data."""

    path: str
    folder: Path  # absolute: relative paths inside the file are resolved against it
    sha256: str
    data: Any
    raw: bytes = field(default=b"", repr=False)  # the bytes read: evidence bundles keep them

    def root(self) -> Node:
        line = getattr(self.data, "line", None)
        return Node(self.path, self.data, line, "")


def read_source(path: str | Path | Traversable) -> bytes:
    """The bytes of an input file: a path, or a packaged file (which lives inside the archive
    when netguard runs as a single-file zipapp, where ``open()`` cannot reach it)."""
    if isinstance(path, str | os.PathLike):
        return Path(path).read_bytes()
    return path.read_bytes()


def load_file(path: str | Path | Traversable, what: str = "file") -> Document:
    """Read and parse a YAML file; a missing, unreadable or non-UTF-8 file is an InputError.

    ``what`` names the file's role in messages ("inventory", "policy pack").
    """
    shown = str(path)
    try:
        raw = read_source(path)
    except FileNotFoundError:
        raise InputError(f"{what} file not found", file=shown) from None
    except IsADirectoryError:
        raise InputError(f"{what} path is a directory, not a file", file=shown) from None
    except OSError as exc:
        raise InputError(f"cannot read {what} file: {exc.strerror or exc}", file=shown) from None
    try:
        text = raw.decode("utf-8-sig")  # tolerate the BOM that Windows editors add
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
            file=shown,
            line=line,
        ) from None
    data = loads(text, shown)
    folder = Path(shown).absolute().parent
    return Document(shown, folder, hashlib.sha256(raw).hexdigest(), data, raw)


def describe(value: Any) -> str:
    """What a YAML value is, in the words a person editing the file would use."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"text ({value!r})"
    if isinstance(value, date):
        return f"a date ({value.isoformat()})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def did_you_mean(word: str, choices: Collection[str]) -> str:
    """' (did you mean X?)' for a close match, else ''."""
    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.6)
    if not close:
        return ""
    return f" (did you mean {' or '.join(close)}?)"


class Node:
    """One value of a YAML document with its file, line and field path, and typed accessors.

    Every accessor either returns a plain Python value or raises InputError at this node, so a
    loader reads like a schema and every message is located.
    """

    __slots__ = ("file", "line", "path", "value")

    def __init__(self, file: str, value: Any, line: int | None, path: str) -> None:
        self.file = file
        self.value = value
        self.line = line
        self.path = path

    def fail(self, message: str, *, line: int | None = None) -> NoReturn:
        raise InputError(
            message,
            file=self.file,
            line=line if line is not None else self.line,
            field=self.path or None,
        )

    @property
    def is_null(self) -> bool:
        return self.value is None

    def _child_path(self, key: str) -> str:
        # Keys with dots (check ids) are bracketed so the path stays unambiguous.
        part = f'["{key}"]' if "." in key or not key else f".{key}" if self.path else key
        return f"{self.path}{part}"

    # -- containers ------------------------------------------------------------------------------

    def mapping(
        self,
        allowed: Collection[str] | None,
        required: Collection[str] = (),
        *,
        what: str = "a mapping",
    ) -> dict[str, Node]:
        """The entries of a mapping with string keys, in file order.

        ``allowed=None`` accepts any key (the caller validates keys, e.g. check ids).
        """
        if not isinstance(self.value, dict):
            self.fail(f"expected {what}, got {describe(self.value)}")
        m = self.value
        key_lines: dict[Any, int] = getattr(m, "key_lines", {})
        value_lines: dict[Any, int] = getattr(m, "value_lines", {})
        out: dict[str, Node] = {}
        for key, value in m.items():
            if not isinstance(key, str):
                self.fail(
                    f"key {key!r} is {describe(key)}; keys must be text",
                    line=key_lines.get(key),
                )
            if allowed is not None and key not in allowed:
                keyed = Node(self.file, value, key_lines.get(key, self.line), self._child_path(key))
                keyed.fail(
                    f"unknown key {key!r}{did_you_mean(key, allowed)}; "
                    f"allowed keys: {', '.join(allowed)}"
                )
            out[key] = Node(
                self.file, value, value_lines.get(key, self.line), self._child_path(key)
            )
        for key in required:
            if key not in out:
                Node(self.file, None, self.line, self._child_path(key)).fail(
                    "required key is missing"
                )
        return out

    def key_line(self, key: str) -> int | None:
        """The line of a key of this mapping (for messages about the key rather than its value)."""
        lines: dict[Any, int] = getattr(self.value, "key_lines", {})
        return lines.get(key, self.line)

    def items(self, *, what: str = "a list") -> list[Node]:
        if not isinstance(self.value, list):
            self.fail(f"expected {what}, got {describe(self.value)}")
        lines: list[int] = getattr(self.value, "item_lines", [])
        return [
            Node(
                self.file,
                v,
                lines[i] if i < len(lines) else self.line,
                f"{self.path}[{i}]",
            )
            for i, v in enumerate(self.value)
        ]

    # -- scalars ---------------------------------------------------------------------------------

    def text(self, *, allow_empty: bool = False) -> str:
        v = self.value
        if not isinstance(v, str):
            hint = f" (quote it: '{v}')" if isinstance(v, int | float | date) else ""
            self.fail(f"expected text, got {describe(v)}{hint}")
        if not allow_empty and not v.strip():
            self.fail("must not be empty")
        # Controls, line separators and bidi overrides (netguard.untrusted) would reach
        # terminals and reports verbatim; a tab is ordinary white space.
        if find_unsafe(v, keep="\t"):
            self.fail("contains control characters")
        return v

    def texts(self, *, what: str = "a list of text") -> tuple[str, ...]:
        """A list of non-empty strings (a single string is not silently turned into a list)."""
        return tuple(item.text() for item in self.items(what=what))

    def integer(self, *, minimum: int | None = None, maximum: int | None = None) -> int:
        v = self.value
        # bool is an int in Python; `port: yes` is a mistake, not 1.
        if isinstance(v, bool) or not isinstance(v, int):
            self.fail(f"expected a whole number, got {describe(v)}")
        self._bounds(v, minimum, maximum)
        return v

    def number(
        self,
        *,
        minimum: float | None = None,
        positive: bool = False,
    ) -> float:
        v = self.value
        if isinstance(v, bool) or not isinstance(v, int | float):
            self.fail(f"expected a number, got {describe(v)}")
        if not math.isfinite(v):
            self.fail(f"expected a finite number, got {v}")
        if positive and v <= 0:
            self.fail(f"must be a positive number, got {v}")
        self._bounds(v, minimum, None)
        return float(v)

    def boolean(self) -> bool:
        if not isinstance(self.value, bool):
            self.fail(f"expected true or false, got {describe(self.value)}")
        return self.value

    def choice(self, enum: type[E]) -> E:
        allowed = [m.value for m in enum]
        v = self.value
        if not isinstance(v, str):
            self.fail(f"expected one of {', '.join(allowed)}; got {describe(v)}")
        try:
            return enum(v)
        except ValueError:
            self.fail(
                f"invalid value {v!r}{did_you_mean(v, allowed)}; "
                f"expected one of {', '.join(allowed)}"
            )

    def _bounds(self, v: float, minimum: float | None, maximum: float | None) -> None:
        if minimum is not None and v < minimum:
            self.fail(f"must be at least {minimum:g}, got {v:g}")
        if maximum is not None and v > maximum:
            self.fail(f"must be at most {maximum:g}, got {v:g}")

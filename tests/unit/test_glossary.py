"""The glossary (docs/glossary.md) holds: one Chinese word per idea, full-width punctuation.

The table between ``<!-- glossary:begin`` and ``<!-- glossary:end -->`` is the rule; this test
reads it, so a new row needs no new code. Every yaml file of ``netguard/i18n/zh/`` is read (a
new catalog file is held to the rule the day it appears), and the zh text of the playbooks and
the contacts files (values under a ``zh`` key, and text with Chinese in it that is not under an
``en`` key). One parameter per file, so a failure names its file; the message names the key and
the word.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "docs" / "glossary.md"
ZH = ROOT / "netguard" / "i18n" / "zh"
POLICIES = ROOT / "netguard" / "policies"
CJK = r"\u3400-\u4dbf\u4e00-\u9fff"
#: A half-width ( ) , ; : ! ? with a Chinese character next to it (spaces between count as
#: next to): the punctuation, and the text on its either side up to the nearest non-space.
HALF_WIDTH = re.compile(rf"(?=([{CJK}]\s*[(),;:!?]|[(),;:!?]\s*[{CJK}]))")
#: Placeholders ({x}, {x:@zone}) and code spans (`passwd 账户名`) are not prose.
NOT_PROSE = re.compile(r"\{[^{}]*\}|`[^`]*`")


@dataclass(frozen=True)
class Term:
    use: str
    avoid: tuple[str, ...]
    exceptions: tuple[str, ...]


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _words(cell: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in cell.replace("，", ",").split(",") if w.strip())


def glossary(text: str) -> list[Term]:
    """The rows of the glossary table: the columns 用词, 不用, 例外 found by their headers."""
    match = re.search(r"<!-- glossary:begin.*?-->(.*?)<!-- glossary:end -->", text, re.S)
    assert match, f"{GLOSSARY.name}: no table between glossary:begin and glossary:end"
    lines = [ln for ln in match.group(1).splitlines() if ln.strip().startswith("|")]
    header = _cells(lines[0])
    use, avoid, exc = (header.index(h) for h in ("用词", "不用", "例外"))
    terms = []
    for line in lines[1:]:
        cells = _cells(line)
        if set("".join(cells)) <= set("-: "):
            continue  # the separator row
        terms.append(Term(cells[use], _words(cells[avoid]), _words(cells[exc])))
    return terms


TERMS = glossary(GLOSSARY.read_text(encoding="utf-8"))


def avoided_words(text: str, terms: list[Term] = TERMS) -> list[str]:
    """The avoided words of text, outside the exception compounds of their row."""
    found = []
    for term in terms:
        rest = text
        for compound in sorted(term.exceptions, key=len, reverse=True):
            rest = rest.replace(compound, "\x00")
        found += [w for w in term.avoid if w in rest]
    return found


def half_width(text: str) -> list[str]:
    """Half-width punctuation next to Chinese, outside placeholders and code spans."""
    prose = NOT_PROSE.sub("\x00", text)
    return [m.group(1) for m in HALF_WIDTH.finditer(prose)]


# --- where zh text lives -----------------------------------------------------------------------


def _strings(node: Any, key: str = "", lang: str = "") -> Iterator[tuple[str, str, str]]:
    """(dotted key, text, language the nearest zh/en key says) for every string of a yaml."""
    if isinstance(node, Mapping):
        for k, v in node.items():
            sub = f"{key}.{k}" if key else str(k)
            yield from _strings(v, sub, str(k) if str(k) in ("zh", "en") else lang)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _strings(v, f"{key}[{i}]", lang)
    elif isinstance(node, str):
        yield key, node, lang


def zh_texts(path: Path, *, catalog: bool) -> Iterator[tuple[str, str]]:
    """A zh catalog's every string; a policy file's zh strings."""
    with path.open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    for key, text, lang in _strings(doc):
        if catalog or lang == "zh" or (lang != "en" and re.search(f"[{CJK}]", text)):
            yield key, text


def _param(path: Path) -> Any:
    return pytest.param(path, id=path.relative_to(ROOT).as_posix())


CATALOGS = [_param(p) for p in sorted(ZH.glob("*.yaml"))]
POLICY_TEXTS = [
    _param(p)
    for p in sorted([*POLICIES.glob("playbooks/*.yaml"), *POLICIES.glob("contacts/*.yaml")])
]


def _problems(path: Path, *, catalog: bool) -> list[str]:
    rel = path.relative_to(ROOT).as_posix()
    out = []
    for key, text in zh_texts(path, catalog=catalog):
        out += [f"{rel}: {key}: uses {w!r} ({text!r})" for w in avoided_words(text)]
        out += [f"{rel}: {key}: half-width {p!r} in Chinese ({text!r})" for p in half_width(text)]
    return out


@pytest.mark.parametrize("path", CATALOGS)
def test_zh_catalog_follows_the_glossary(path: Path) -> None:
    problems = _problems(path, catalog=True)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", POLICY_TEXTS)
def test_zh_policy_text_follows_the_glossary(path: Path) -> None:
    problems = _problems(path, catalog=False)
    assert not problems, "\n".join(problems)


# --- the test's own reading ----------------------------------------------------------------------


def test_the_table_is_read() -> None:
    by_use = {t.use: t for t in TERMS}
    assert by_use["计算机"].avoid == ("主机",)
    assert "主机密钥" in by_use["计算机"].exceptions
    assert "违规" in by_use["违规外联, 违规内联, 违规操作事件"].avoid
    assert all(t.use for t in TERMS)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("主机名", []),
        ("主机密钥已改变", []),
        ("受检主机", ["主机"]),
        ("发生违规外联", []),
        ("存在违规外联", ["存在违规"]),
        ("存在违规", ["存在违规", "违规"]),
        ("违规事项", ["违规事项", "违规"]),
        ("审计日志中的记录", []),
        ("审计批次", ["审计批次", "审计"]),
        ("时间为 CST", ["CST"]),
    ],
)
def test_avoided_words(text: str, words: list[str]) -> None:
    assert sorted(avoided_words(text)) == sorted(words)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("（严重，不通过）", []),
        ("(严重, 不通过)", ["(严", "重,", ", 不", "过)"]),
        ("检查依据：GB/T 22239-2019", []),
        ("检查依据: GB/T", ["据:"]),
        ("{product}({signals})", []),
        ("运行 `chage -M 90 账户名`（如 a, b）", []),
        ("{host}：{a}", []),
        ("SHA-256 (abc, def)", []),
    ],
)
def test_half_width(text: str, found: list[str]) -> None:
    assert half_width(text) == found

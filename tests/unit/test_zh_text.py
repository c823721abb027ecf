"""The reading tests/zh_text.py does of a document (the lab's acceptance test of issue 13 rests
on it): raw blocks need their label, names and quoted raw text are not words, every problem is
named with its document."""

from __future__ import annotations

from tests.unit.test_glossary import avoided_words, half_width
from tests.zh_text import Prose, html_prose, markdown_prose, plain_prose, zh_problems


def problems(source: str, prose: Prose, names: tuple[str, ...] = ()) -> list[str]:
    return zh_problems(source, prose, names, avoided=avoided_words, half_width=half_width)


def test_a_raw_block_needs_its_label() -> None:
    unlabelled = html_prose('<p>默认路由不合规</p><pre class="evidence">{"a": "on eth0"}</pre>')
    labelled = html_prose('<p>证据（原始输出，照原样列出）：</p><pre class="evidence">x y</pre>')
    command = html_prose('<p>重新抽样：</p><pre class="command">netguard spot-check x</pre>')
    assert unlabelled.unlabelled == ['{"a": "on eth0"}']
    assert labelled.unlabelled == [] and command.unlabelled == []
    md = markdown_prose('默认路由不合规\n\n```json\n{"a": 1}\n```\n')
    assert md.unlabelled and "json" in md.unlabelled[0]
    assert problems("c.md", md) == [f"c.md: raw block with no 原始输出 label: {md.unlabelled[0]!r}"]


def test_english_half_width_and_avoided_words_are_named_with_their_document() -> None:
    found = problems("diff", plain_prose("仍不合规（2）\nStill failing (2)\n受检主机: pc-1"))
    assert any(p.startswith("diff: English 'Still'") for p in found)
    assert any(p.startswith("diff: half-width") for p in found)
    assert any(p.startswith("diff: avoided '主机'") for p in found)


def test_names_raw_text_and_identifiers_are_not_words() -> None:
    text = (
        "默认路由不合规：“default via 10.0.0.1 dev\neth0”未经过登记的网关；责任人 李强，"
        "地点 Room 102；检查项 isolation.default_route；原始输出：journal not present on the host"
    )
    assert problems("report", plain_prose(text), ("Room 102",)) == []
    assert problems("report", plain_prose(text)) != []  # without the name: "Room" is a word


def test_what_html_shows_includes_its_tooltips() -> None:
    prose = html_prose('<p title="Sort by host">计算机</p><input placeholder="计算机名">')
    assert "Sort by host" in prose.text and "计算机名" in prose.text

"""What "Chinese, with no English" means for terminal output and zh catalogs (docs/glossary.md):
Latin text may only be names (netguard, SSH, TCP, ...), identifiers (check ids, paths,
addresses, options, host and segment names) or raw text labelled as such."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser

CJK = re.compile(r"[\u4e00-\u9fff]")
#: a run of Latin text and the characters identifiers are made of
_CHARS = r"A-Za-z0-9_.:/\-\[\]@=,*+"
_TOKEN = re.compile(rf"[{_CHARS}]*[A-Za-z][{_CHARS}]*")
#: what makes a token an identifier rather than a word: ids, paths, options, addresses, numbers,
#: patterns (wlan*)
_IDENTIFIER = re.compile(r"[._/\-:\[\]@=0-9*+]")
#: names that are words (products, protocols) and stay as they are in Chinese text
NAMES = frozenset(
    {"netguard", "ansible", "windows", "linux", "ssh", "yescrypt", "scrypt", "bcrypt", "openvpn",
     "wireguard", "root"}
)  # fmt: skip
#: names of programs, commands and log sources a document names as they are (kern.log, chage)
PROGRAMS = frozenset(
    {"journal", "syslog", "messages", "dmesg", "networkmanager", "systemd", "networkd", "nmcli",
     "systemctl", "chage", "passwd", "usermod", "freshclam", "clamav", "dhclient", "certutil",
     "sha256sum",
     # the kernel's kinds of network device, shown after 设备类型
     "veth", "vlan", "macvlan", "ipvlan", "vxlan", "tap", "tun", "dummy", "bridge", "bond", "team"}
)  # fmt: skip


def english_words(text: str, identifiers: Iterable[str] = ()) -> list[str]:
    """The English words of ``text``: Latin words that are not identifiers, not ALL-CAPS names
    (SSH, TCP, USB, a metavar like KEY) and not among ``identifiers`` (host names, segments)."""
    known = {i.lower() for i in identifiers} | NAMES | PROGRAMS
    words = []
    for token in _TOKEN.findall(text):
        token = token.strip(",")
        if _IDENTIFIER.search(token) or token.isupper() or token.lower() in known:
            continue
        if len(token) == 1 or (token[0].isupper() and token[1:].isupper()):
            continue
        words.append(token)
    return words


def assert_chinese(text: str, identifiers: Iterable[str] = ()) -> None:
    """Text meant for a Chinese reader: it has Chinese in it, and no English word."""
    assert CJK.search(text), f"no Chinese in {text!r}"
    words = english_words(text, identifiers)
    assert words == [], f"English words {words} in:\n{text}"


# --- documents: the prose a Chinese reader reads, and the raw text it labels as raw ------------

#: the label a document puts before raw text (原始输出, 英文原文, 系统原文 …)
RAW_LABEL = re.compile(r"原始|原文")
#: labelled raw text inside prose: after 原始输出：… up to the closing bracket or the line's end,
#: and after （英文原文）… up to the line's end
INLINE_RAW = re.compile(r"(?:原始输出|原文)(?:：[^）\n]*|）[^\n]*|“[^”\n]*”)")
#: a machine's own words cited in Chinese quotation marks (“default via 10.0.0.1 dev eth0”):
#: Latin text only, verbatim — raw text by the quotation marks themselves (a terminal may fold
#: it onto the next line)
QUOTED_RAW = re.compile(r"“[^”\u3400-\u9fff]{0,400}”")
#: how far before a raw block its label may stand (characters of prose)
LABEL_REACH = 300
#: what separates blocks of a document (never whitespace: punctuation checks see no neighbour)
BREAK = " \x00 "


_FENCE = re.compile(r"^(`{3,}|~{3,})[^\n]*\n.*?^\1[ \t]*$", re.M | re.S)
#: a code span: an identifier or a command (`chage -M 90 账户名`), in Markdown and in catalog
#: text shown as is in HTML
_CODE_SPAN = re.compile(r"`[^`\n]*`")


@dataclass
class Prose:
    """A document's prose, with its raw blocks taken out; the raw blocks with no label."""

    text: str
    unlabelled: list[str] = field(default_factory=list)


def _labelled(before: str) -> bool:
    return bool(RAW_LABEL.search(before[-LABEL_REACH:]))


class _HtmlProse(HTMLParser):
    _BLOCKS = frozenset(
        [
            "p",
            "div",
            "tr",
            "td",
            "th",
            "li",
            "dt",
            "dd",
            "br",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "section",
            "table",
            "ul",
            "ol",
            "header",
            "footer",
            "title",
            "caption",
            "figcaption",
            "summary",
            "details",
            "nav",
            "main",
            "article",
            "aside",
            "hr",
        ]
    )
    _DROPPED = frozenset({"script", "style"})
    #: attributes a reader sees or hears: tooltips, labels, placeholders
    _SEEN = ("title", "aria-label", "placeholder", "alt")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.unlabelled: list[str] = []
        self._dropped = 0
        self._pre: list[str] | None = None
        self._pre_command = False
        self._code = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._DROPPED:
            self._dropped += 1
        elif tag == "pre":
            classes = (dict(attrs).get("class") or "").split()
            self._pre, self._pre_command = [], "command" in classes
        elif tag == "code":
            self._code += 1
        if tag in self._BLOCKS:
            self.out.append(BREAK)
        seen = [v for k, v in attrs if k in self._SEEN and v]
        if seen and not self._dropped:
            self.out += [BREAK, *(v + BREAK for v in seen)]

    def handle_endtag(self, tag: str) -> None:
        if tag in self._DROPPED:
            self._dropped -= 1
        elif tag == "pre" and self._pre is not None:
            raw = "".join(self._pre)
            # a command to run is an identifier; raw output needs its label before it
            if not self._pre_command and not _labelled("".join(self.out)):
                self.unlabelled.append(raw.strip()[:80])
            self._pre = None
            self.out.append(BREAK)
        elif tag == "code":
            self._code -= 1
            self.out.append(" ")
        if tag in self._BLOCKS:
            self.out.append(BREAK)

    def handle_data(self, data: str) -> None:
        if self._dropped:
            return
        if self._pre is not None:
            self._pre.append(data)
        elif not self._code:  # inline code: an identifier (a check id, a command)
            self.out.append(_CODE_SPAN.sub(" ", data))


def html_prose(html: str) -> Prose:
    """An HTML document's visible text and the attributes a reader sees (title, aria-label,
    placeholder, alt); ``<pre>`` blocks out (each needs a raw label before it, unless it is a
    command), inline ``<code>`` out (identifiers), scripts and styles out."""
    parser = _HtmlProse()
    parser.feed(html)
    parser.close()
    return Prose("".join(parser.out), parser.unlabelled)


def markdown_prose(text: str) -> Prose:
    """A Markdown document's prose: fenced blocks out (each needs a raw label before it), code
    spans out (identifiers), backslash escapes undone, table pipes as breaks."""
    out: list[str] = []
    unlabelled: list[str] = []
    pos = 0
    for m in _FENCE.finditer(text):
        out.append(text[pos : m.start()])
        if not _labelled("".join(out)):
            unlabelled.append(m.group(0).strip("`~\n")[:80])
        out.append(BREAK)
        pos = m.end()
    out.append(text[pos:])
    prose = _CODE_SPAN.sub(" ", "".join(out))
    prose = re.sub(r"\\(.)", r"\1", prose)
    return Prose(prose.replace("|", BREAK), unlabelled)


def plain_prose(text: str) -> Prose:
    return Prose(text)


def without(text: str, names: Iterable[str]) -> str:
    """Text with these names (inventory values, product names) replaced by an identifier,
    longest first, each where it stands as a whole (not the "lab" of "lab-pc"), a space in it
    matching any folding of a terminal's line."""
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        pattern = r"\s+".join(re.escape(word) for word in name.split())
        text = re.sub(rf"(?<![\w.:/\-]){pattern}(?![\w.:/\-])", "N0", text)
    return text


def _around(text: str, start: int, end: int, reach: int = 30) -> str:
    snippet = text[max(0, start - reach) : end + reach]
    return re.sub(r"\s*\x00\s*", " ¦ ", snippet).replace("\n", "⏎")


def zh_problems(
    source: str,
    prose: Prose,
    names: Iterable[str] = (),
    *,
    avoided: Callable[[str], list[str]],
    half_width: Callable[[str], list[str]],
) -> list[str]:
    """What a Chinese reader would stumble on in one document, each with its source and the
    text around it: English words, half-width punctuation by Chinese, avoided glossary words,
    raw blocks without a label."""
    text = QUOTED_RAW.sub(" ", INLINE_RAW.sub(" ", without(prose.text, names)))
    problems = [f"{source}: raw block with no 原始输出 label: {b!r}" for b in prose.unlabelled]
    for word in dict.fromkeys(english_words(text)):
        m = re.search(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", text)
        where = _around(text, m.start(), m.end()) if m else ""
        problems.append(f"{source}: English {word!r} in …{where}…")
    for found in dict.fromkeys(half_width(text)):
        i = text.find(found)
        problems.append(f"{source}: half-width {found!r} in …{_around(text, i, i + len(found))}…")
    for word in sorted(set(avoided(text))):
        i = text.find(word)
        problems.append(f"{source}: avoided {word!r} in …{_around(text, i, i + len(word))}…")
    return list(dict.fromkeys(problems))

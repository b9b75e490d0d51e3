"""The examples of the CommonMark and GFM specifications, made Chinese.

Shared by ``tests/test_markdown_spec.py`` and ``bench/spec_failures.py``.
Each example's common placeholder words (``foo``, ``bar``, ``url``,
``title``, ``aaa``, ``ruby`` …) are replaced, ignoring case, by Chinese words
that every target converts, so that they land in every place the
specification puts them: text, link destinations and titles, code spans and
blocks, fence info strings, HTML attributes, reference labels.  A Chinese
word keeps the examples' structure (no word holds Markdown syntax), and the
same placeholder always becomes the same word, so labels that matched still
match.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

SPECS = Path(__file__).parent / "fixtures" / "specs"
SUITES = {
    "commonmark": ("commonmark-0.31.2-spec.txt",),
    "gfm": ("gfm-0.29-spec.txt", "cmark-gfm-extensions.txt"),
}
FENCE = "`" * 32

# placeholder -> simplified Chinese word that zh-TW and s2twp both change
WORDS = {
    "foo": "软件", "bar": "内存", "baz": "鼠标", "bim": "发展", "boo": "网络", "bop": "视频",
    "hi": "计算机", "url": "信息", "title": "标题", "aaa": "开发", "bbb": "数据", "ccc": "硬盘",
    "ruby": "程序", "hello": "欢迎", "world": "世界观", "quux": "头发", "qux": "质量",
    "ddd": "网页", "zzz": "图书馆", "uri": "链接", "abc": "汉语", "def": "设置", "ghi": "关于",
    "link": "网站", "one": "单个", "two": "两个", "three": "三个", "code": "代码", "text": "文本",
}
# whole ASCII words only, and not a tag or attribute name (``<foo>``,
# ``title=``), which would stop being HTML
_WORD = re.compile(r"(?<![A-Za-z<])(?<!</)(?:" + "|".join(WORDS) + r")(?![A-Za-z=])", re.I)


class Example(NamedTuple):
    suite: str
    number: int  # 1-based, within the suite
    section: str
    markdown: str  # Chinese
    original: str  # as in the specification


def chinese(markdown: str) -> str:
    return _WORD.sub(lambda m: WORDS[m.group().lower()], markdown)


def examples(suite: str) -> list[Example]:
    out: list[Example] = []
    for name in SUITES[suite]:
        section = ""
        lines = (SPECS / name).read_text(encoding="utf-8").split("\n")
        i = 0
        while i < len(lines):
            line = lines[i]
            if line.startswith("#") and not line.startswith(FENCE):
                section = line.lstrip("#").strip()
            if line.startswith(FENCE + " example"):
                j = i + 1
                md: list[str] = []
                while lines[j] != ".":
                    md.append(lines[j])
                    j += 1
                while lines[j] != FENCE:
                    j += 1
                text = "\n".join(md) + "\n" if md else ""
                text = text.replace("→", "\t")
                out.append(Example(suite, len(out) + 1, section, chinese(text), text))
                i = j
            i += 1
    return out


def parser(suite: str):
    """markdown-it-py as each specification reads Markdown: CommonMark, or
    its GFM-like preset (tables, strikethrough, autolinks) with footnotes
    and task lists."""
    from markdown_it import MarkdownIt

    if suite == "commonmark":
        return MarkdownIt("commonmark")
    from mdit_py_plugins.footnote import footnote_plugin
    from mdit_py_plugins.tasklists import tasklists_plugin

    return MarkdownIt("gfm-like").use(footnote_plugin).use(tasklists_plugin)


# Tokens whose content must come out byte-identical.
PROTECTED = frozenset({"code_inline", "code_block", "fence", "html_inline"})
# The markup of an HTML block: tags, comments, declarations, and elements
# whose content is not prose.  The text between is what a reader sees, and
# is converted.
_HTML_MARKUP = re.compile(
    r"<(script|pre|style|textarea)\b.*?(?:</\1\s*>|\Z)|<!--(?:-?>|.*?-->)|<\?.*?\?>|<!\[CDATA\[.*?\]\]>|<![A-Za-z][^>]*>"
    r"|</?[A-Za-z][^>]*>",
    re.S | re.I,
)


def _html_parts(html: str) -> tuple[list[str], list[str]]:
    """An HTML block's markup pieces, and the text between them."""
    tags, text, pos = [], [], 0
    for m in _HTML_MARKUP.finditer(html):
        text.append(html[pos:m.start()])
        tags.append(m.group())
        pos = m.end()
    text.append(html[pos:])
    return tags, text


def _flat(tokens):
    for t in tokens:
        yield t
        if t.children:
            yield from _flat(t.children)


def compare(md, before: str, after: str, convert) -> list[str]:
    """What differs between the parses of ``before`` and ``after`` (its
    conversion), as messages; empty when the conversion kept the structure
    and every protected string, and converted the text.

    Structure: the same tokens (type, tag, nesting, markup, info, attribute
    names, line map).  Protected: every attribute value (link destination
    and title, image source), every code span, block and fence with its info
    string, inline HTML, the markup of block HTML, the text of an autolink (its address),
    byte-identical.  Text: each text token
    of the output is ``convert`` of the input's (the words are whole, so
    no phrase runs across a token)."""
    a = list(_flat(md.parse(before)))
    b = list(_flat(md.parse(after)))
    if len(a) != len(b):
        return [f"structure: {len(a)} tokens before, {len(b)} after"]
    problems = []
    in_autolink = False  # an autolink's text is its address: protected
    for x, y in zip(a, b):
        if x.type == "link_open":
            in_autolink = x.markup in ("autolink", "linkify")
        elif x.type == "link_close":
            in_autolink = False
        shape_x = (x.type, x.tag, x.nesting, x.markup, sorted(x.attrs), x.map)
        shape_y = (y.type, y.tag, y.nesting, y.markup, sorted(y.attrs), y.map)
        if shape_x != shape_y:
            problems.append(f"structure: {shape_x} became {shape_y}")
            break
        if x.info != y.info or x.attrs != y.attrs or x.meta != y.meta:
            problems.append(f"protected: {x.type} {x.info!r} {x.attrs} {x.meta} became {y.info!r} {y.attrs} {y.meta}")
        if x.type == "html_block":
            (tags_x, text_x), (tags_y, text_y) = _html_parts(x.content), _html_parts(y.content)
            if tags_x != tags_y:
                problems.append(f"protected: html_block markup {tags_x} became {tags_y}")
            elif [convert(t) for t in text_x] != text_y:
                problems.append(f"text: html_block text {text_x} became {text_y}")
        if x.type in PROTECTED and x.content != y.content:
            problems.append(f"protected: {x.type} {x.content!r} became {y.content!r}")
        if x.type == "text" and in_autolink and x.content != y.content:
            problems.append(f"protected: autolink text {x.content!r} became {y.content!r}")
        elif x.type == "text" and not in_autolink and y.content != convert(x.content):
            problems.append(f"text: {x.content!r} became {y.content!r}, not {convert(x.content)!r}")
    return problems


def kind(problems: list[str]) -> str:
    """The worst class of a failure: structure, protected or text."""
    for k in ("structure", "protected", "text"):
        if any(p.startswith(k) for p in problems):
            return k
    return "ok"

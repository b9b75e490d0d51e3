"""Markdown that conversion used to break, each checked against markdown-it-py.

The cases fuzzing against markdown-it-py found (issue 12), and the ones
this scanner's fixes were made for.  Each is converted by the C and the
Python scanner and compared as the specification examples are
(``spec_examples.compare``): same structure, protected strings
byte-identical, text converted.
"""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.footnote import footnote_plugin

import zhnorm
from zhnorm.markup import markdown_c
from zhnorm.markup.markdown import scan_markdown as scan_python

import spec_examples

CASES = [
    "[看](\u3000发展)\n",  # a destination after a Unicode space: the space is part of it
    "[看](/信息\u00a0发展)\n",  # a no-break space inside a destination
    "https://x.org/`头发 软件`\n",  # a code span right after a bare URL
    "段落\n\u3000\n    软件代码\n",  # a U+3000 line is not blank: the indented line continues the paragraph
    "`软件\n\u3000\n代码`\n",  # ... and a code span runs across it
    "段落\r\r    软件代码\r",  # \r alone is a line ending
    "<div>\r软件\r</div>\r",
    "甲 <script> `软件` 乙\n",  # an unclosed <script> and a code span after it
    "<script>\n软件\n</script>\n`代码`\n",
    "软件[^注释]。\n\n[^注释]: 内存。\n",  # a footnote label keeps matching its definition
    "[软件][发展]\n\n[发展]:\n/信息\n'标题'\n",  # destination and title on lines of their own
    "[软\n件]: /信息 \"标\\\"题\"\n\n[软 件]\n",  # a label over lines, an escaped quote in the title
    "> [发展]: /信息\n\n[发展]\n",  # a definition inside a quote
    ">     软件\n",  # indented code in a quote
    "> > 内存\n>>     软件\n",  # ... in a nested quote
    "- 内存\n\n      软件\n",  # indented code in a list item
    "1.     软件\n",  # ... on the marker's line
    "\t软件\n",  # tab-indented code
    "- 内存\n\n\n    软件\n\n  内存\n",  # code after a list
    "> ```\n> 软件\n> ```\n",  # a fence in a quote
    "- ```\n  软件\n  ```\n",  # a fence opened on a list marker's line
    "<!-- 软件 -->*内存*\n",  # text after an HTML block's end marker
    "<div>\n<my 信息>软件\n</div>\n",  # a tag CommonMark's grammar rejects, inside an HTML block
    "- 内存\n> 软件\n\n    代码\n",  # a quote ends the list item
]


@pytest.fixture(scope="module")
def parser():
    return MarkdownIt("commonmark").use(footnote_plugin)


@pytest.mark.parametrize("scanner", ["c", "python"])
@pytest.mark.parametrize("target", ["zh-TW", "s2twp"])
@pytest.mark.parametrize("text", CASES)
def test_conversion_keeps_markup_and_converts_text(text, target, scanner, parser, monkeypatch):
    if scanner == "c" and not markdown_c.available():
        pytest.skip("the C scanner is not built")
    if scanner == "python":
        monkeypatch.setattr(markdown_c, "_mdscan", None)
    c = zhnorm.Converter(target)
    out = c.convert(text, markup="markdown")
    assert spec_examples.compare(parser, text, out, c.convert) == []


@pytest.mark.skipif(not markdown_c.available(), reason="the C scanner is not built")
@pytest.mark.parametrize("text", CASES)
def test_c_and_python_scan_alike(text):
    assert markdown_c.scan_markdown(text) == scan_python(text)


@pytest.mark.parametrize("suite", list(spec_examples.SUITES))
def test_line_endings_do_not_change_the_conversion(suite):
    """\\r and \\r\\n are line endings as \\n is: a document converts the
    same with any of them."""
    c = zhnorm.Converter("zh-TW")
    for ex in spec_examples.examples(suite):
        if "\r" in ex.markdown:
            continue
        lf = c.convert(ex.markdown, markup="markdown")
        for ending in ("\r", "\r\n"):
            assert c.convert(ex.markdown.replace("\n", ending), markup="markdown") == lf.replace("\n", ending), ex

"""Inputs for the fast paths of the markup layer, and the cut-back's shortcut.

The Markdown scanner's fast paths live only in its C port
(``zhnorm._mdscan``); the Python scanner is the simple specification, and
``tests/test_markup_c.py`` holds the C to it on the corpus and on generated
input built from the fragments here (``LINK_FRAGMENTS`` exercise the C's
one-step ``[label](dest)`` match and its fall-backs).
"""

from __future__ import annotations

from pathlib import Path

from zhnorm.markup import convert_markup_result

from test_markup_roundtrip import longer

HERE = Path(__file__).parent
DOCS = sorted((HERE / "fixtures" / "markup" / "articles").glob("*.md")) + [
    HERE.parent / "seeds" / "000_05b906160e962e71.txt"
]
TEXTS = {p.name: p.read_text(encoding="utf-8") for p in DOCS}

# Fragments that exercise the link fast path and its fall-backs.
LINK_FRAGMENTS = [
    "[塔林](../Page/塔林.md \"wikilink\")", "![图](a.png)", "[](x)", "[a-b](x)", "[a-{b}-](x)", "[w](x)",
    "[www.x.org](y)", "[http://x](y)", "[a:b](x)", "[File:软件.png|图](x)", "[软件](x \"fig:软件.png\")",
    "[a\nb](x)", "[a](<b c>)", "[a](b 'c')", "[a](b (c))", "[a](b(c)d)", "[a](\\(b\\))", "[a] (b)", "[a]( b )",
    "!", "-", ":", "w", "ww.", "://", "[[a](b)](c)", "[![a](b)](c)", "[a]", "[a][b]", "*", "**",
]


def test_equal_total_length_with_shifted_lines_is_cut_correctly():
    """One line grows (闪存 -> 快閃記憶體, +3) and another shrinks
    (鼠标 -> 鼠, -1 three times): the page keeps its length, the lines
    do not; no prose may move across the markup between them."""
    text = "# 闪存\n\n鼠标[鼠标](x)鼠标\n"
    out = convert_markup_result(text, "markdown", longer, None)
    assert out.text == "# 快閃記憶體\n\n滑[滑](x)滑\n"  # 鼠 -> 滑 by the table

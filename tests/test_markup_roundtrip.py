"""Invariants of the markup layer over generated inputs (hypothesis).

For every string and every markup: no exception; tokens tile the input
with exact offsets; the identity converter gives the input back; protected
tokens come out byte-for-byte whatever the converter does, even one that
changes lengths.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhnorm.markup import convert_markup, explain, prose, sniff, tokenize

MARKUPS = ("markdown", "wikitext", "plain", "auto")

FRAGMENTS = [
    # Markdown
    "[", "]", "(", ")", "![", "](", "](http://x.org/a_\\(b\\) \"wikilink\")", "](../Page/塔林.md \"wikilink\")",
    "[阿塞拜疆](https://zh.wikipedia.org/wiki/阿塞拜疆 \"wikilink\")", "\"fig:a.jpg\"", "\\[1\\]", "[^1]",
    "`", "``", "`代码`", "```", "```\n软件\n```", "~~~", "    ", "\n", "\n\n", "  - ", "1.  ", "# ", "## ",
    "> ", "|", "| 软件 | 硬件 |\n| --- | --- |\n", "---", "===", "**", "*", "_", "__", "~~", "\\", "\\(", "\\)",
    "<", ">", "<!--", "-->", "<!-- end list -->", "<div class=\"x\">", "</div>", "<code>", "</code>",
    "<b>", "</b>", "<br />", "<http://x.org/软件>", "http://例子.org/软件", "www.x.org", "&amp;", "&",
    "[a]: http://x.org \"t\"", "\t", "\r\n",
    # wikitext
    "[[", "]]", "{{", "}}", "{{{", "}}}", "|", "||", "=", "==", "'''", "''", "[[阿塞拜疆]]",
    "[[阿塞拜疆|亞塞拜然]]", "[[File:软件.png|thumb|软件]]", "[[Category:软件]]", "{{cite web|url=http://x|title=软件}}",
    "{|", "|}", "|-", "!", "!!", "<ref name=\"a\">", "</ref>", "<ref name=a />", "<nowiki>", "</nowiki>",
    "<pre>", "</pre>", "<math>", "</math>", "<gallery>", "</gallery>", "__NOTOC__", "[http://x.org 软件]",
    "* ", "# ", ": ", "; ", "----",
    # manual conversion rules
    "-{", "}-", "-{软件}-", "-{zh-hans:软件;zh-hant:軟體;}-", "-{H|zh-cn:软件;zh-tw:軟體;}-",
    "-{A|zh-hans:内存;zh-hant:記憶體;}-", "-{-|zh-cn:软件;zh-tw:軟體;}-", "-{zh-cn;zh-tw|文字}-", "-{R|x}-",
    "-{D|zh-cn:a;zh-tw:b}-", "-{N|zh-tw}-", "-{T|zh-cn:标题;zh-tw:標題}-", "zh-hans:", ";",
    # prose
    "软件", "內存", "阿塞拜疆", "格魯吉亞是愛沙尼亞在", "南高加索地區的盟友", "鼠标", "闪存", "打印机", "文字",
    "Smalltalk", " ", "，", "。", "（", "）",
]

fragment_docs = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6)), max_size=40
).map("".join)
# Truncated/unbalanced: any slice of a generated document.
sliced_docs = st.tuples(fragment_docs, st.integers(0, 400), st.integers(0, 400)).map(
    lambda t: t[0][min(t[1], t[2]):max(t[1], t[2])]
)
docs = st.one_of(fragment_docs, sliced_docs, st.text(max_size=200))

TABLE = str.maketrans("软件内存鼠标闪存打印机阿塞拜疆文字", "軟體內存滑鼠閃存打印機亞塞拜然文字")


def same_length(s: str) -> str:
    return s.translate(TABLE)


def longer(s: str) -> str:
    """A converter that changes lengths: some words grow, some shrink."""
    return s.replace("闪存", "快閃記憶體").replace("阿塞拜疆", "亞塞拜然").replace("鼠标", "鼠").translate(TABLE)


FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(docs, st.sampled_from(MARKUPS))
def test_tokens_tile_input_exactly(text, markup):
    tokens = tokenize(text, markup)
    assert "".join(t.text for t in tokens) == text
    pos = 0
    for t in tokens:
        assert t.start == pos and t.end > t.start and text[t.start:t.end] == t.text
        pos = t.end
    assert pos == len(text)


@FAST
@given(docs, st.sampled_from(MARKUPS))
def test_identity_conversion_returns_input(text, markup):
    assert convert_markup(text, markup, lambda s: s, None, manual_rules="keep") == text
    if "-{" not in text:  # page rules (H/A) legitimately rewrite later text
        assert convert_markup(text, markup, lambda s: s, "zh-tw", manual_rules="keep") == text


@FAST
@given(docs, st.sampled_from(MARKUPS), st.sampled_from([same_length, longer]),
       st.sampled_from([None, "zh-tw", "zh-cn", "zh-hant"]), st.sampled_from(["resolve", "keep"]))
def test_protected_tokens_survive_any_converter(text, markup, conv, variant, mode):
    pairs = explain(text, markup, conv, variant, manual_rules=mode)
    out = convert_markup(text, markup, conv, variant, manual_rules=mode)
    assert "".join(o for _, o in pairs) == out
    for tok, o in pairs:
        if tok.type in ("conv_rule", "rule_phrase"):
            if mode == "keep" and tok.type == "conv_rule":
                assert o == tok.text
        elif tok.type == "wikilink_bare":
            assert o == tok.text or o.startswith(tok.text + "|")
        elif not tok.convertible:
            assert o == tok.text, tok


@FAST
@given(docs)
def test_sniff_and_prose_never_raise(text):
    assert sniff(text) in ("markdown", "wikitext", "html", "plain")
    assert sniff(text, filename="x.txt") in ("markdown", "wikitext", "plain")
    for markup in MARKUPS:
        prose(text, markup)


@pytest.mark.parametrize("markup", MARKUPS)
@pytest.mark.parametrize(
    "text",
    ["{{" * 3000, "[[" * 3000 + "]]" * 10, "-{" * 2000 + "}-", "<!--" * 1000, "[" * 5000 + "](x)",
     "`" * 3000, "*" * 3000, "|" * 3000 + "\n|---|\n", "    x\n" * 500, "> " * 2000, "{{a|" * 500 + "}}" * 500,
     "\\" * 1001, "<a " + " " * 5000, "[a](" + "(" * 3000],
)
def test_pathological_inputs_round_trip(text, markup):
    assert "".join(t.text for t in tokenize(text, markup)) == text
    assert convert_markup(text, markup, same_length, "zh-tw", manual_rules="keep") is not None
    assert convert_markup(text, markup, lambda s: s, None, manual_rules="keep") == text


def test_non_str_input_is_refused_with_a_hint():
    with pytest.raises(TypeError, match="decode"):
        tokenize(b"abc", "markdown")
    with pytest.raises(ValueError, match="expected one of"):
        tokenize("abc", "rst")  # html is a markup since issue 15
    with pytest.raises(ValueError, match="manual_rules"):
        convert_markup("abc", "plain", str, None, manual_rules="drop")


def test_control_characters_before_a_blockquote_marker():
    """Found by hypothesis: str.strip() drops \\x1f, so '\\x1f>' looked like a
    blockquote to one check and not to the next, and the scanner crashed."""
    from zhnorm.markup import tokenize

    for text in ("\x1f>", "\x1f> a", "\x1c>\n中文", "> 引用"):
        assert "".join(t.text for t in tokenize(text, "markdown")) == text

"""markup="html": text nodes and readable attributes converted, the rest kept.

The oracle is Python's own html.parser: the document converted must give
the same events (tags, attribute names, every attribute value that is not
meant for people, comments, declarations, and all data inside <script>,
<style>, <code>, <pre>, <kbd>, <samp>, <var>, translate="no" and
non-Chinese lang) as the document before conversion.  What may change is
checked against the library's plain conversion of the same piece.
"""

from __future__ import annotations

import os
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings, strategies as st

import zhnorm
from zhnorm.markup import sniff, tokenize
from zhnorm.markup.html import CONVERTED_ATTRIBUTES, KEPT_ELEMENTS, is_chinese_lang, scan_html
from zhnorm.markup.tokens import check_spans

TARGET = "zh-TW"
CONV = zhnorm.Converter(TARGET)
EXAMPLES = int(os.environ.get("ZHNORM_HTML_EXAMPLES", "150"))

_VOID = {"img", "br", "meta", "hr", "input", "link"}


class Events(HTMLParser):
    """html.parser's view, with each piece marked kept (must not change)
    or readable (may change), by HTML's rules for lang and translate."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.events: list[tuple] = []
        self.stack: list[tuple[str, bool, bool, bool]] = []

    def _state(self):
        return self.stack[-1][1:] if self.stack else (False, False, False)

    def handle_starttag(self, tag, attrs):
        self._start(tag, attrs, void=tag in _VOID)

    def handle_startendtag(self, tag, attrs):
        self._start(tag, attrs, void=True)

    def _start(self, tag, attrs, void):
        code, lang_keeps, no = self._state()
        d = dict(attrs)
        code = code or tag in KEPT_ELEMENTS
        if "lang" in d:
            lang_keeps = not is_chinese_lang(d["lang"] or "")
        if "translate" in d:
            no = (d["translate"] or "").strip().lower() == "no"
        kept = code or lang_keeps or no
        readable = set() if kept else set(CONVERTED_ATTRIBUTES)
        if tag == "meta" and (d.get("name") or "").lower() == "description" and not kept:
            readable.add("content")
        shown = tuple((k, ("readable", v) if k in readable else v) for k, v in attrs)
        self.events.append(("start", tag, shown))
        if not void:
            self.stack.append((tag, code, lang_keeps, no))

    def handle_endtag(self, tag):
        self.events.append(("end", tag))
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        code, lang_keeps, no = self._state()
        kept = code or lang_keeps or no or (self.stack and self.stack[-1][0] in ("script", "style"))
        self.events.append(("data", data if kept else ("readable", data)))

    def handle_comment(self, data):
        self.events.append(("comment", data))

    def handle_decl(self, decl):
        self.events.append(("decl", decl))

    def handle_pi(self, data):
        self.events.append(("pi", data))

    def handle_entityref(self, name):
        self.events.append(("entity", name))

    def handle_charref(self, name):
        self.events.append(("charref", name))

    def unknown_decl(self, data):
        self.events.append(("unknown", data))


def events(doc: str) -> list[tuple]:
    p = Events()
    p.feed(doc)
    p.close()
    # html.parser may split one text node into several data events.
    merged: list[tuple] = []
    for e in p.events:
        if merged and e[0] == "data" and merged[-1][0] == "data" and \
                isinstance(e[1], tuple) == isinstance(merged[-1][1], tuple):
            a, b = merged[-1][1], e[1]
            merged[-1] = ("data", ("readable", a[1] + b[1]) if isinstance(a, tuple) else a + b)
        else:
            merged.append(e)
    return merged


def strip_readable(evts: list[tuple]) -> list[tuple]:
    """Events with what may change blanked: the structure that must not."""
    out = []
    for e in evts:
        if e[0] == "start":
            out.append(("start", e[1], tuple((k, "?" if isinstance(v, tuple) else v) for k, v in e[2])))
        elif e[0] == "data" and isinstance(e[1], tuple):
            out.append(("data", "?"))
        else:
            out.append(e)
    return out


def readable_attrs(evts: list[tuple]) -> list[str]:
    return [v[1] for e in evts if e[0] == "start" for _, v in e[2] if isinstance(v, tuple) and v[1]]


def convert(doc: str) -> str:
    return CONV.convert(doc, markup="html")


def check_against_oracle(doc: str) -> str:
    out = convert(doc)
    before, after = events(doc), events(out)
    assert strip_readable(after) == strip_readable(before)
    # Readable attribute values: each converted on its own, exactly.
    assert readable_attrs(after) == [CONV.convert(v) for v in readable_attrs(before)]
    return out


# --- fixed examples --------------------------------------------------------------


PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="description" content="头发和发展软件">
<meta name="keywords" content="头发,软件">
<title>软件发展</title>
<style>.头发 { content: "软件"; }</style>
<script>var s = "头发"; if (a < b) { s = "软件"; }</script>
</head>
<body class="头发">
<!-- 头发软件 -->
<h1 title="头发">发展软件</h1>
<p><a href="/wiki/软件" class="软件">软件</a>和<b>头</b>发 &amp; 里面 &#x53D1;</p>
<img src="头发.png" alt="头发" data-x="软件">
<input placeholder="输入软件名" value="软件" aria-label="软件">
<pre>头发 软件</pre><code>软件</code><kbd>软件</kbd><samp>软件</samp><var>软件</var>
<p translate="no">软件</p>
<p lang="ja">软件</p>
<div lang="en"><span>软件</span><span lang="zh-Hans">软件</span></div>
<div translate="no"><span translate="yes">软件</span></div>
<textarea>软件</textarea>
</body>
</html>
"""


def test_page_keeps_markup_and_converts_prose():
    out = check_against_oracle(PAGE)
    for kept in ('href="/wiki/软件"', 'class="软件"', 'src="头发.png"', 'data-x="软件"', 'value="软件"',
                 '<!-- 头发软件 -->', '.头发 { content: "软件"; }', 'var s = "头发"; if (a < b) { s = "软件"; }',
                 '<pre>头发 软件</pre>', '<code>软件</code>', '<kbd>软件</kbd>', '<samp>软件</samp>',
                 '<var>软件</var>', '<p translate="no">软件</p>', '<p lang="ja">软件</p>',
                 '<div lang="en"><span>软件</span>', 'content="头发,软件"', '<body class="头发">'):
        assert kept in out, kept
    for made in ('content="頭髮和發展軟體"', '<title>軟體發展</title>', 'title="頭髮"', '>發展軟體</h1>',
                 '>軟體</a>和<b>頭</b>髮 &amp; 裡面 &#x53D1;', 'alt="頭髮"', 'placeholder="輸入軟體名"',
                 'aria-label="軟體"', '<span lang="zh-Hans">軟體</span>', '<span translate="yes">軟體</span>',
                 '<textarea>軟體</textarea>'):
        assert made in out, made


def test_phrase_across_inline_tag_is_one_phrase():
    # 头发 split by <b>: converted as the phrase 頭髮, as in Markdown's **头**发.
    assert convert("<p><b>头</b>发</p>") == "<p><b>頭</b>髮</p>"
    # A block tag breaks the phrase.
    assert convert("<p>头</p>发") == "<p>" + CONV.convert("头") + "</p>" + CONV.convert("发")


def test_tokens_tile_the_input():
    spans = scan_html(PAGE)
    check_spans(PAGE, spans)
    assert "".join(t.text for t in tokenize(PAGE, "html")) == PAGE


@pytest.mark.parametrize("doc", [
    "", "<", "</", "<>", "</>", "a < b", "<3", "<!--", "<!-->x", "<!--->", "<!", "<?", "<a", "<a title=\"头发",
    "<a title='头发'", "<a title=头发>头发", "<script>头发", "<title>头发", "</p>头发", "<p>头发</div>",
    "<![CDATA[头发]]>头发", "&", "&amp", "&#", "头发&#x53D1", "<p lang>头发</p>", "<p lang=''>头发</p>",
    "<P LANG=EN>头发</P>头发", "<SCRIPT>头发</SCRIPT >头发", "<plaintext>头发<p>头发",
])
def test_odd_input_never_raises_and_tiles(doc):
    spans = scan_html(doc)
    check_spans(doc, spans)
    out = convert(doc)
    assert isinstance(out, str)


def test_script_ends_only_at_its_end_tag():
    doc = "<script>if (a</b) x = '头发'; '</scripts>'</script>头发"
    assert convert(doc) == "<script>if (a</b) x = '头发'; '</scripts>'</script>頭髮"


def test_chinese_langs():
    for tag in ("zh", "zh-TW", "ZH-hant-HK", "cmn-Hans", "yue", "zh_CN", "lzh"):
        assert is_chinese_lang(tag), tag
    for tag in ("ja", "ko", "en", "en-US", "zha", "", "x-zh"):
        assert not is_chinese_lang(tag), tag


def test_linear_on_repeated_constructs():
    """The open-element stack and the scans never look back: work is
    proportional to the input (spans out per character in)."""
    for unit in ("<b>", "</i>", "<!--", "<a title='", "&amp;", "<p lang=en>", "<script>", "<"):
        small, big = unit * 2000, unit * 8000
        assert len(scan_html(big)) <= 4 * len(scan_html(small)) + 8


# --- sniffing ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["a.html", "a.HTM", "page.xhtml"])
def test_extension_chooses_html(name):
    assert sniff("头发", name) == "html"


def test_content_chooses_html():
    assert sniff(PAGE) == "html"
    assert sniff("\ufeff<?xml version='1.0'?>\n<!-- x -->\n<html><body>头发</body></html>") == "html"
    assert sniff("<div><p>头发</p><p>软件</p></div>") == "html"
    # Markdown with a little HTML stays Markdown.
    md = "## 标题\n\n[软件](软件.md \"wikilink\")\n\n<br>\n\n- 头发\n- 发展\n"
    assert sniff(md) == "markdown"


def test_auto_converts_html_as_html():
    assert CONV.convert_markup(PAGE, "auto").text == convert(PAGE)
    assert CONV.convert_markup("<p title='头发'>头发</p>", "auto", filename="x.html").markup == "html"


def test_explain_rebuilds_html():
    doc = '<p title="头发">头发<code>头发</code></p>'
    out = convert(doc)
    changes = zhnorm.explain(doc, TARGET, markup="html")
    rebuilt, at = [], 0
    for c in changes:
        rebuilt.append(doc[at:c.start])
        rebuilt.append(c.after)
        at = c.end
    rebuilt.append(doc[at:])
    assert "".join(rebuilt) == out


# --- generated documents against html.parser ----------------------------------------------


CJK = "头发软件发展里面干面条计算机内存信息"
words = st.text(alphabet=CJK + " ,.", min_size=0, max_size=8)
attr_value = st.text(alphabet=CJK + "abc /", max_size=6)
attr_names = st.sampled_from(["title", "alt", "class", "href", "id", "data-x", "placeholder", "aria-label",
                              "lang", "translate", "value"])
langs = st.sampled_from(["zh", "zh-TW", "en", "ja", "ko", "cmn-Hans", "fr"])
elements = st.sampled_from(["p", "div", "span", "b", "i", "a", "em", "code", "pre", "kbd", "samp", "var",
                            "h2", "li", "section", "textarea", "title"])


@st.composite
def attrs(draw):
    out = []
    for name in draw(st.lists(attr_names, max_size=3, unique=True)):
        if name == "lang":
            value = draw(langs)
        elif name == "translate":
            value = draw(st.sampled_from(["yes", "no"]))
        else:
            value = draw(attr_value)
        quote = draw(st.sampled_from(['"', "'"]))
        out.append(f" {name}={quote}{value}{quote}")
    return "".join(out)


def node(depth: int):
    leaf = st.one_of(
        words,
        words.map(lambda w: f"<!--{w}-->"),
        st.builds(lambda a, w: f"<img{a} src='{w}.png'>", attrs(), words),
        words.map(lambda w: f"<script>var x = '{w}'; a < b;</script>"),
        words.map(lambda w: f"<style>.{w} {{ }}</style>"),
        st.just("&amp;"),
        st.just("<br>"),
        words.map(lambda w: f'<meta name="description" content="{w}">'),
    )
    if depth == 0:
        return leaf

    @st.composite
    def element(draw):
        tag = draw(elements)
        if tag in ("textarea", "title"):
            return f"<{tag}>{draw(words)}</{tag}>"
        inner = draw(st.lists(node(depth - 1), max_size=4))
        return f"<{tag}{draw(attrs())}>{''.join(inner)}</{tag}>"

    return st.one_of(leaf, element())


documents = st.lists(node(3), max_size=6).map("".join)


@settings(max_examples=EXAMPLES, deadline=None)
@given(documents)
def test_generated_documents_keep_their_structure(doc):
    check_spans(doc, scan_html(doc))
    check_against_oracle(doc)


@settings(max_examples=EXAMPLES, deadline=None)
@given(documents)
def test_identity_conversion_returns_the_input(doc):
    from zhnorm.markup import convert_markup

    assert convert_markup(doc, "html", lambda s: s) == doc

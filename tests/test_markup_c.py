"""The C scanner and cut-back (zhnorm._mdscan) agree with the Python code.

The Python scanner (``zhnorm.markup.markdown``) and the Python cut-back
(``render.convert_spans`` and the output loop of ``convert_markup_result``)
are the specification; the C port must give exactly the same spans and
exactly the same output: on the corpus for every tag target, on the case
fixtures' inputs, on generated documents built from markup fragments,
Unicode whitespace and punctuation, and re.IGNORECASE's four non-ASCII
letters, and for spans from the wikitext scanner and pages with rules.
"""

from __future__ import annotations

import os
import sys
from dataclasses import astuple
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zhnorm
from zhnorm.markup import _output, convert_markup_result, markdown_c
from zhnorm.markup.markdown import scan_markdown as scan_python
from zhnorm.markup.render import convert_spans
from zhnorm.markup.tokens import Span

if markdown_c._mdscan is None:
    if os.environ.get("ZHNORM_REQUIRE_ACCEL") and not os.environ.get("ZHNORM_PURE_PYTHON"):
        raise RuntimeError("ZHNORM_REQUIRE_ACCEL is set but zhnorm._mdscan did not import")
    pytest.skip("zhnorm._mdscan is not built: the Python markup code does the work",
                allow_module_level=True)

sys.path.insert(0, str(Path(__file__).parent))
from test_markup_fastpath import LINK_FRAGMENTS, TEXTS  # noqa: E402
from test_markup_cases import ALL as ALL_CASES  # noqa: E402
from test_markup_roundtrip import FRAGMENTS, longer, same_length  # noqa: E402

_C = markdown_c._mdscan
TARGETS = ("zh-tw", "zh-hk", "zh-cn", "zh-hans", "zh-hant")

# Every character str.isspace() accepts, the letters re.IGNORECASE matches
# to ASCII ones, Unicode punctuation and symbols next to emphasis, CJK and
# full-width characters that end bare URLs.
WHITESPACE = [chr(c) for c in range(0x110000) if chr(c).isspace()]
SPECIAL = WHITESPACE + ["\u0130", "\u0131", "\u017f", "\u212a", "「", "」", "，", "€", "¬", "٣", "１",
                        "\u3001", "\uff08", "\U0001f600", "é"]
HTML_FRAGMENTS = [
    "<script>", "</SCRIPT>", "<ſcript>", "</ſcript>", "<pre", "<dİv>", "<DIV class=a>", "<p/>", "<a href='x'>",
    "<x y=\"1\" z>", "<x y=>", "<?php ?>", "<!DOCTYPE html>", "<![CDATA[x]]>", "<!-->", "<!--->", "<kbd>k</kbd>",
    "<code>a</cOde>", "<a b=c/>", "HTTP://x.org", "httpſ://x", "ftp://a.b", "http\n://x", "(a)", "x)", "<a@b.c>",
    "<a@b-.c>", "&#123;", "&#x1F;", "&nbsp;", "&a;", "[File:a|b](x)", "[Fİle:a](x)", "[文件 :x](y)",
    "[a](x \"fig:b\")", "[a](x 'fig:b' )", "[a]: <b>c", "[a]: <b c> \"t\"", "[a]: b (t)", "[^n]: x", "\\[12\\]",
    "\\[a b,c.d-e_f\\]", "#", "###### x ##", "####### x", "# x #", "  > ", "10) ", "1234567890. ", "1٣. ",
    "| a |\n|:-:|--\n", "|-|\n", "a|b\n-|-\n", "\\|", "=\n", "- - -", "***", "__x__", "_x_", "*x*", "~~x~~", "~x~",
]
alphabet = st.sampled_from(FRAGMENTS + LINK_FRAGMENTS + HTML_FRAGMENTS + SPECIAL)
fragment_docs = st.lists(alphabet | st.text(max_size=4), max_size=40).map("".join)
docs = st.one_of(
    fragment_docs,
    st.tuples(fragment_docs, st.integers(0, 300), st.integers(0, 300)).map(
        lambda t: t[0][min(t[1], t[2]):max(t[1], t[2])]),
    st.text(alphabet=st.sampled_from("[]()<>!*_~`\\-{}|#=: \n\tw.aé、ſİ软件"), max_size=60),
)
# ZHNORM_EXAMPLES=20000 explores further (locally, before changing the C code)
FAST = settings(
    max_examples=int(os.environ.get("ZHNORM_EXAMPLES", "500")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
_CONV: dict[str, object] = {}


def conv(target: str):
    if target not in _CONV:
        _CONV[target] = zhnorm.Converter(target).convert
    return _CONV[target]


def python_result(text, markup, convert, variant, monkeypatch, **kw):
    """convert_markup_result with the C code switched off."""
    with monkeypatch.context() as m:
        m.setattr(markdown_c, "_mdscan", None)
        return convert_markup_result(text, markup, convert, variant, **kw)


@pytest.mark.parametrize("name", list(TEXTS))
def test_corpus_spans_equal_python(name):
    text = TEXTS[name]
    assert _C.scan(text, Span) == scan_python(text)


@pytest.mark.parametrize("name", list(TEXTS))
@pytest.mark.parametrize("target", TARGETS)
def test_corpus_output_equals_python(name, target, monkeypatch):
    text = TEXTS[name]
    fast = convert_markup_result(text, "markdown", conv(target), target)
    slow = python_result(text, "markdown", conv(target), target, monkeypatch)
    assert astuple(fast) == astuple(slow)


def test_case_fixture_inputs_scan_the_same():
    assert len(ALL_CASES) > 40
    for case in ALL_CASES:
        assert _C.scan(case.input, Span) == scan_python(case.input), case.input


@pytest.mark.parametrize("char", WHITESPACE + ["\u0130", "\u0131", "\u017f", "\u212a"])
def test_each_special_character_in_each_construct(char):
    """Whitespace decides flanking, URL and destination ends, blank lines,
    strip(); the four letters decide case-insensitive tag and scheme names."""
    c = char
    for text in (f"a{c}*b*{c}c", f"**{c}x**", f"_{c}x_", f"http://a{c}b", f"www.a.b{c}", f"[a](b{c}c)",
                 f"[a](<b{c}c>)", f"{c}\n", f"{c}# x", f"{c}- x", f"x\n{c}\n", f"<scr{c}pt>x</script>",
                 f"<d{c}v>\n", f"htt{c}s://x", f"[F{c}le:x](y)", f"\\[{c}\\]", f"<a {c}b=c>", f"|a{c}|\n|-|",
                 f"[a]: b{c}\"t\"", f"1.{c}x", f"<a{c}@b.c>", f"&a{c};"):
        assert _C.scan(text, Span) == scan_python(text), repr(text)


@FAST
@given(docs)
def test_generated_spans_equal_python(text):
    assert _C.scan(text, Span) == scan_python(text)


@FAST
@given(docs, st.sampled_from([same_length, longer, str.upper]))
def test_generated_output_equals_python(text, convert):
    rules = [(s.start, s.end) for s in scan_python(text) if s.type == "conv_rule"]
    assert _C.rules(text) == rules
    # a stand-in for manual_rules.rule_plan: every other rule is kept
    shown = {a: None if i % 2 else convert(text[a + 2:e - 2]) for i, (a, e) in enumerate(rules)}
    fast = _C.convert(text, convert, lambda _text, bounds, *_: (shown, {}))
    with pytest.MonkeyPatch.context() as m:
        m.setattr(markdown_c, "_mdscan", None)
        spans = scan_python(text)
        for i, s in enumerate(spans):
            if s.type == "conv_rule":
                spans[i] = s._replace(meta={"shown": shown[s.start], "keep": shown[s.start] is None})
        slow = convert_markup_result(text, "markdown", convert, None)
        converted, fallbacks = convert_spans(text, spans, convert)
    assert fast[1:] == (len(spans), len(rules), 0, fallbacks)
    assert fast[0] == _write(text, spans, converted)
    if not rules:
        assert fast == (slow.text, slow.tokens, 0, 0, slow.fallbacks)


def _recording(convert):
    calls = []

    def record(prose):
        calls.append(prose)
        return convert(prose)

    return record, calls


def _converter_inputs_equal_python(text, convert):
    """The C cut-back hands the converter exactly the joined prose (and the
    fallback pieces) that the Python one does: separators included."""
    c_convert, c_calls = _recording(convert)
    _C.convert(text, c_convert, lambda _text, bounds, *_: ({a: None for a, _ in bounds}, {}))
    py_convert, py_calls = _recording(convert)
    spans = [s._replace(meta={"shown": None, "keep": True}) if s.type == "conv_rule" else s
             for s in scan_python(text)]
    convert_spans(text, spans, py_convert)
    assert c_calls == py_calls


@FAST
@given(docs, st.sampled_from([same_length, longer]))
def test_generated_converter_inputs_equal_python(text, convert):
    _converter_inputs_equal_python(text, convert)


def test_corpus_converter_inputs_equal_python():
    for text in TEXTS.values():
        _converter_inputs_equal_python(text, same_length)


def _write(text, spans, converted):
    """The output loop of convert_markup_result, in Python."""
    out, copied = [], 0
    for i, s in enumerate(spans):
        new = _output(text, s, converted.get(i))
        if new is not None:
            out += [text[copied:s.start], new]
            copied = s.end
    return "".join(out) + text[copied:]


@FAST
@given(docs, st.sampled_from(["markdown", "wikitext", "plain"]), st.sampled_from([same_length, longer]),
       st.sampled_from([None, "zh-tw", "zh-cn"]), st.sampled_from(["resolve", "keep"]))
def test_generated_render_equals_python(text, markup, convert, variant, mode):
    """render() for any scanner's spans, rules and label-less links included."""
    with pytest.MonkeyPatch.context() as m:
        slow = convert_markup_result(text, markup, convert, variant, manual_rules=mode)
        m.setattr(markdown_c, "_mdscan", None)
        python = convert_markup_result(text, markup, convert, variant, manual_rules=mode)
    assert astuple(slow) == astuple(python)


def test_a_scan_inside_a_converter_call_keeps_its_own_buffers():
    # The last scan's buffers are kept for the next one; a scan that starts
    # while a converter call of another is running must not take them.
    pages = sorted((page for page in TEXTS.values() if "-{" not in page), key=len)
    small, large = pages[0], pages[-1]
    expected = {page: _C.convert(page, str.upper)[0] for page in (small, large)}
    seen = []

    def nested(prose):
        seen.append(_C.convert(large, str.upper)[0])  # a long page inside a short one
        return prose.upper()

    assert _C.convert(small, nested)[0] == expected[small]
    # a plain callable is called once per piece of prose
    assert seen and all(page == expected[large] for page in seen)
    assert _C.convert(large, str.upper)[0] == expected[large]
    assert _C.convert(small, str.upper)[0] == expected[small]


def test_threads_converting_at_once_get_their_own_results():
    import threading
    import time

    pages = [page for page in TEXTS.values() if "-{" not in page]
    expected = [_C.convert(page, str.upper)[0] for page in pages]
    results: dict[int, list[str]] = {}

    def slow_upper(prose):
        time.sleep(0.001)  # lets the other threads run their scans meanwhile
        return prose.upper()

    def work(k):
        results[k] = [_C.convert(page, slow_upper)[0] for page in pages[k::2] + pages[1 - k::2]]

    threads = [threading.Thread(target=work, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in (0, 1):
        assert results[k] == expected[k::2] + expected[1 - k::2]


def test_convert_text_is_convert_without_the_counts():
    from zhnorm.markup.manual_rules import rule_plan

    for text in TEXTS.values():
        for args in [(conv("zh-tw"), rule_plan, "zh-tw", False), (str.upper, rule_plan, None, True)]:
            assert _C.convert_text(*args, None, text) == _C.convert(text, *args)[0]
    for bad in [(), ("a",), ("a", str.upper, None, None, False, 1)]:
        with pytest.raises(TypeError, match="from 2 to 5 arguments"):
            _C.convert(*bad)
        with pytest.raises(TypeError, match="takes 6 arguments"):
            _C.convert_text(*bad[:5])
    with pytest.raises(TypeError, match="argument 6 must be str, not bytes"):
        _C.convert_text(str.upper, None, None, False, None, b"a")
    with pytest.raises(TypeError, match="argument 5 must be Quiet or None, not bytes"):
        _C.convert_text(str.upper, None, None, False, b"", "a")
    with pytest.raises(TypeError, match="must be str, not bytes"):
        _C.convert(b"a", str.upper)


def test_render_rejects_spans_outside_the_text():
    with pytest.raises(ValueError, match="outside"):
        _C.render("ab", [Span("text", 0, 5, True, False)], str.upper)
    with pytest.raises(TypeError, match="Span"):
        _C.render("ab", [("text", 0)], str.upper)


def test_a_converter_returning_bytes_is_an_error():
    with pytest.raises(TypeError, match="not str"):
        _C.convert("软件", lambda s: s.encode())


@pytest.mark.parametrize("text, prose, convert, expected", [
    # Chinese only in a link target: the prose is ASCII and must reach the
    # converter as an ASCII str (Python compares strs of different kinds as unequal)
    ("abc [x](http://例子.com)", "abc \nx", str.upper, "ABC [X](http://例子.com)"),
    ("été [x](../Page/中.md)", "été \nx", str.upper, "ÉTÉ [X](../Page/中.md)"),
    ("a 😀 [b](c)", "a 😀 \nb", str.upper, "A 😀 [B](c)"),
    # the only wide characters are converted to narrow ones: the result narrows too
    ("é 中 [x](y)", "é 中 \nx", lambda s: s.replace("中", "z"), "é z [x](y)"),
    ("a 中 [x](y)", "a 中 \nx", lambda s: s.replace("中", "z"), "a z [x](y)"),
    ("a 😀 [x](y)", "a 😀 \nx", lambda s: s.replace("😀", "中"), "a 中 [x](y)"),
    ("a 中 [x](y)", "a 中 \nx", lambda s: s.replace("中", "😀"), "a 😀 [x](y)"),
    # wider text than prose: the result keeps the text's kind
    ("中文 [x](../😀.md) 中", "中文 \nx\n 中", lambda s: s.replace("中", "国"), "国文 [x](../😀.md) 国"),
    ("ab [x](../中.md) é", "ab \nx\n é", lambda s: s.replace("é", "e"), "ab [x](../中.md) e"),
])
def test_strings_have_their_narrowest_kind(text, prose, convert, expected):
    # A plain callable gets each piece (a link label's edges are hard
    # boundaries); an aligned converter gets the joined prose, a newline
    # at each hard boundary. These converters map one code point to one,
    # so every code point is a unit of its own.
    seen = []
    result = _C.convert(text, lambda s: seen.append(s) or convert(s))[0]
    assert seen == prose.split("\n")
    assert all(s.isascii() == piece.isascii() for s, piece in zip(seen, prose.split("\n")))
    assert result == expected

    class Aligned:
        def __call__(self, s):
            return convert(s)

        def convert_aligned(self, s):
            seen.append(s)
            bounds = list(range(len(s) + 1))
            return convert(s), bounds, bounds

    seen.clear()
    assert _C.convert(text, Aligned())[0] == expected
    # the joined prose ends with the separator after a final link
    joined = prose + "\n" if text.endswith(")") else prose
    assert seen == [joined] and seen[0].isascii() == prose.isascii()


def test_every_rule_needs_an_output():
    def plan(shown, tables=None):
        return lambda _text, bounds, *_: (shown, tables or {})

    with pytest.raises(ValueError, match="pass plan"):
        _C.convert("a -{x}- b", str.upper)
    seen = []
    _C.convert("a -{x}- b", str.upper, lambda *args: seen.append(args) or ({2: None}, {}), "zh-tw", True)
    assert seen == [("a -{x}- b", [(2, 7)], "zh-tw", str.upper, True)]
    with pytest.raises(ValueError, match="no output"):
        _C.convert("a -{x}- b", str.upper, plan({}))
    with pytest.raises(TypeError, match="str or None"):
        _C.convert("a -{x}- b", str.upper, plan({2: 5}))
    with pytest.raises(TypeError, match="two str"):
        _C.convert("a -{x}- b", str.upper, plan({2: None}, {2: [("", "y")]}))
    with pytest.raises(TypeError, match="must return"):
        _C.convert("a -{x}- b", str.upper, lambda *args: None)
    assert _C.convert("a -{x}- b", str.upper, plan({2: None})) == ("A -{x}- B", 3, 1, 0, 0)
    assert _C.convert("a -{x}- b", str.upper, plan({2: "y"})) == ("A y B", 3, 1, 0, 0)
    # a page table: later occurrences of its keys, longest first, are replaced
    assert _C.convert("ab -{x}- abcab", str.upper, plan({3: ""}, {3: [("ab", "1"), ("a", "2")]})) == (
        "AB  1C1", 6, 1, 2, 0)


RULE_PAGE = ("软件-{zh-hans:内存;zh-hant:記憶體;}-和-{鼠标}-，**阿塞拜**疆 -{zh-cn:a;zh-tw:b}-\n\n"
             "-{H|zh-cn:软件;zh-tw:軟體;zh-hk:軟件}-软件与**软件**，[软件](x) `软件` -{A|zh-hans:鼠标;zh-hant:滑鼠}-鼠标"
             "\n\n-{-|zh-cn:软件;zh-tw:軟體;zh-hk:軟件}-软件 -{T|zh-cn:标题;zh-tw:標題}-")


@pytest.mark.parametrize("mode", ["resolve", "keep"])
@pytest.mark.parametrize("target", (*TARGETS, "s2twp"))
def test_rules_and_page_rules_in_c_equal_python(target, mode, monkeypatch):
    variant = None if target == "s2twp" else target
    fast = convert_markup_result(RULE_PAGE, "markdown", conv(target), variant, manual_rules=mode)
    slow = python_result(RULE_PAGE, "markdown", conv(target), variant, monkeypatch, manual_rules=mode)
    assert astuple(fast) == astuple(slow)
    assert fast.rules == 7
    if target in ("zh-tw", "zh-hk", "zh-cn"):  # zh-hans/zh-hant: unidirectional pairs only (MediaWiki)
        assert fast.rule_phrases > 0


@pytest.mark.parametrize("name", [n for n, t in TEXTS.items() if "-{" in t])
@pytest.mark.parametrize("target", TARGETS)
def test_corpus_pages_with_rules_take_the_c_path(name, target):
    text = TEXTS[name]
    assert markdown_c.convert_markdown(text, conv(target), target, False) is not None


def test_rule_decisions_call_each_converter_where_they_depend_on_it():
    """rule_plan caches what a rule body shows per variant, except where the
    text shown goes through the converter: a second converter must not get
    the first one's text."""
    from zhnorm.markup.manual_rules import rule_plan

    page = "-{zh-hans;zh-hant|头发}- 和 -{zh-hans:对象;zh-hant:物件;}- 和 -{头发}-"
    bounds = _C.rules(page)
    assert len(bounds) == 3
    for convert in (str.upper, lambda s: s + "!", str.upper):
        shown, tables = rule_plan(page, bounds, "zh-tw", convert, False)
        assert [shown[start] for start, _ in bounds] == [convert("头发"), "物件", "头发"]
        assert tables == {}
        kept, _ = rule_plan(page, bounds, "zh-tw", convert, True)
        assert set(kept.values()) == {None}
    shown, _ = rule_plan(page, bounds, "zh-cn", str.upper, False)
    assert [shown[start] for start, _ in bounds] == [str.upper("头发"), "对象", "头发"]


# ------------------------------------------------------------- quiet blocks
# With a chain's quiet table (zhnorm.quiet), convert_text skips the inline
# scan of text the chain cannot change.  The output must be exactly that of
# the full scan: on the corpus, and on generated pages of markup, the
# tables' own characters and phrases the markup splits.

def _quiet_converter(target: str):
    converter = zhnorm.Converter(target)
    engine = converter._engine
    return markdown_c.text_converter(engine.convert, converter.target.variant, engine.quiet), engine


def _full(text: str, target: str) -> str:
    from zhnorm.markup.manual_rules import rule_plan

    converter = zhnorm.Converter(target)
    return _C.convert(text, converter._engine.convert, rule_plan, converter.target.variant, False)[0]


@pytest.mark.parametrize("target", TARGETS)
def test_corpus_quiet_conversion_equals_the_full_scan(target):
    quiet, _ = _quiet_converter(target)
    for name, text in TEXTS.items():
        assert quiet(text) == _full(text, target), name


# the pair and active characters of zh-Hans and zh-TW, phrases whose
# characters are quiet alone, and markup that splits them
QUIET_FRAGMENTS = list("一目瞭然不瞭解反覆回覆藉口沈亞塞拜然格鲁吉亚乔治亚的是这") + [
    "一目瞭然", "反覆", "著名", "乾隆", "**", "*", "[", "](x \"wikilink\")", "`", "\n", "\n\n", "# ", "- ",
    "| a |\n|---|\n", "<b>", "\\[1\\]", "-{", "}-", "-{H|瞭=>zh-hans:然;}-", "-{A|zh-cn:瞭;zh-tw:然;}-",
]
quiet_docs = st.lists(st.sampled_from(QUIET_FRAGMENTS + FRAGMENTS), max_size=30).map("".join)


@FAST
@given(quiet_docs, st.sampled_from(["zh-hans", "zh-tw", "zh-hant"]))
def test_generated_quiet_conversion_equals_the_full_scan(text, target):
    quiet, _ = _quiet_converter(target)
    assert quiet(text) == _full(text, target)


def test_quiet_blocks_never_reach_the_converter():
    quiet, engine = _quiet_converter("zh-hans")
    calls = []

    def record(prose):
        calls.append(prose)
        return engine.convert(prose)

    page = "# 亞塞拜然\n\n这是简体的一段[链接](x)。\n\n**一目**瞭然\n\n瞭望\n"
    out = markdown_c.text_converter(record, "zh-hans", engine.quiet)(page)
    assert out == _full(page, "zh-hans") == "# 亚塞拜然\n\n这是简体的一段[链接](x)。\n\n**一目**了然\n\n瞭望\n"
    joined = "".join(calls)
    assert "亞塞拜然" in joined and "一目瞭然" in joined  # a phrase split by markup is still seen
    assert "这是简体" not in joined and "瞭望" not in joined
    assert quiet(page) == out


def test_a_page_with_rules_is_scanned_whole():
    # an H rule converts later text the table calls quiet
    quiet, engine = _quiet_converter("zh-hans")
    page = "-{H|丙丁=>zh-hans:甲乙;}-\n\n丙丁是一段。\n"
    assert quiet(page) == _full(page, "zh-hans")
    assert "甲乙是一段" in quiet(page)


def test_converters_of_one_chain_share_its_quiet_table():
    # making a Quiet checks the whole table: zhnorm.convert() must not pay
    # that on every call
    first, engine = _quiet_converter("zh-tw")
    second, _ = _quiet_converter("zh-tw")
    assert first.args[-1] is second.args[-1] is not None
    assert markdown_c.text_converter(engine.convert, "zh-tw").args[-1] is None


def test_quiet_refuses_a_broken_table():
    data = zhnorm.Converter("zh-hans")._engine.quiet
    with pytest.raises(TypeError):
        _C.Quiet("text")
    with pytest.raises(ValueError, match="too short"):
        _C.Quiet(data[:100])
    with pytest.raises(ValueError, match="wrong length"):
        _C.Quiet(data[:-2])
    with pytest.raises(ValueError, match="wrong length"):
        _C.Quiet(b"\0\0\0\0" + data[4:])
    members = int.from_bytes(data[4:8], "little")
    too_big = (members + 1).to_bytes(2, "little")
    at = 16 + 2 * ord("的")
    with pytest.raises(ValueError, match="out of range"):
        _C.Quiet(data[:at] + too_big + data[at + 2:])
    with pytest.raises(ValueError, match="out of range"):
        _C.Quiet(data[:-2] + too_big)

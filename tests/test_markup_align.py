"""Prose never moves across markup (issue 12, section 1).

Generated paragraphs mix words whose conversion changes length (方便面,
澳大利亚, 首席执行官, 出租车 shrink; 内存, 代码, 互联网, 博客, 程序员 grow; the
names 阿塞拜疆 and 丹麦/伦讷) with every inline construct of Markdown and
wikitext, and are converted to zh-TW, s2twp, zh-CN (from Taiwan forms) and
zh-HK. For each, with the spans of the scanner:

(a) hard: every run of prose between two hard boundaries comes out, joined,
    exactly as the plain conversion of that run alone;
(b) soft: at every soft boundary inside a run, the output before it is the
    plain conversion of the run up to there when the boundary lies between
    two units of the run's conversion; when it lies inside a unit, the
    conversion up to the unit followed by the unit's output cut as
    zhnorm.markup.render says (same offset if the unit kept its length,
    else all of it);
(c) markup bytes are unchanged: the document is its protected spans,
    verbatim, around the converted prose;
(d) the C cut-back (Markdown and wikitext) gives the Python output, with
    the engine's packed bounds and with bounds as lists.

``ZHNORM_PROPERTY_EXAMPLES`` sets the examples per (markup, target) pair;
CI runs the default, derandomized (tests/conftest.py).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zhnorm
from zhnorm.cache import load_compiled
from zhnorm.engine import Engine
from zhnorm.markup import convert_markup, convert_markup_result, markdown_c
from zhnorm.markup.markdown import scan_markdown
from zhnorm.markup.render import convert_spans
from zhnorm.markup.wikitext import scan_wikitext
from zhnorm.names import NameLayer

EXAMPLES = int(os.environ.get("ZHNORM_PROPERTY_EXAMPLES", "40"))

SIMPLIFIED = "方便面 澳大利亚 首席执行官 出租车 内存 代码 互联网 博客 程序员 阿塞拜疆 丹麦 伦讷 计算机 图形用户界面".split()
TAIWAN = "泡麵 澳洲 執行長 計程車 記憶體 程式碼 網際網路 部落格 程式設計師 亞塞拜然 丹麥 倫訥 電腦 圖形化使用者介面".split()
GLUE = list("的是和在他了，。") + ["安全", "验证", "驗證", " ", "a", "\U00020000", "😀"]

# (opening, closing) around generated prose; ids name the construct
MARKDOWN = {
    "link": ("[", "](x)"),
    "link_title": ("[", '](https://zh.wikipedia.org/wiki/内存 "wikilink")'),
    "image": ("![", "](图.png)"),
    "em": ("*", "*"),
    "strong": ("**", "**"),
    "under": ("_", "_"),
    "strike": ("~~", "~~"),
    "span": ("<span>", "</span>"),
    "bold_tag": ("<b>", "</b>"),
    "code": ("`", "`"),
}
MARKDOWN_ATOMS = ["\\[1\\]", "\\[注 2\\]", "<br>", "`内存`", " https://x.org/代码 ", "<!-- 内存 -->", "\n", "\n\n"]
WIKITEXT = {
    "wikilink": ("[[", "]]"),
    "piped": ("[[内存|", "]]"),
    "bold": ("'''", "'''"),
    "italic": ("''", "''"),
    "template": ("{{lang|zh|", "}}"),
    "ref": ("<ref>", "</ref>"),
    "span": ("<span>", "</span>"),
    "ext_link": ("[http://x.org/内存 ", "]"),
}
WIKITEXT_ATOMS = ["{{cite|内存}}", "<ref name=a/>", "<!-- 代码 -->", "<br />", "\n", "\n\n"]

# The issue's soft boundaries, spelled out here rather than imported, so
# that a change to the cut-back's own list fails the hard property.
SOFT = {"emphasis", "quote_markup"}
SOFT_MARKDOWN = [("*", "*"), ("**", "**"), ("_", "_"), ("~~", "~~")]
SOFT_WIKITEXT = [("''", "''"), ("'''", "'''")]

TARGETS = ["zh-TW", "s2twp", "zh-CN", "zh-HK"]
_CONVERTERS: dict = {}


def converter(target):
    if target not in _CONVERTERS:
        _CONVERTERS[target] = zhnorm.Converter(target)
    return _CONVERTERS[target]


def words_for(target):
    return (TAIWAN if target == "zh-CN" else SIMPLIFIED) + GLUE


def paragraphs(markup, target):
    """Paragraphs of prose words and inline constructs, nested at most once."""
    word = st.sampled_from(words_for(target))
    prose = st.lists(word, min_size=1, max_size=3).map("".join)
    constructs = MARKDOWN if markup == "markdown" else WIKITEXT
    atoms = MARKDOWN_ATOMS if markup == "markdown" else WIKITEXT_ATOMS

    def wrap(pair_and_inner):
        (left, right), inner = pair_and_inner
        return left + inner + right

    soft = SOFT_MARKDOWN if markup == "markdown" else SOFT_WIKITEXT

    def split(args):
        """A word cut by markup: the construct wraps its head or its tail."""
        w, k, (left, right), head = args
        k = 1 + k % max(1, len(w) - 1)
        return left + w[:k] + right + w[k:] if head else w[:k] + left + w[k:] + right

    inner = st.one_of(prose, st.tuples(st.sampled_from(list(constructs.values())), prose).map(wrap))
    element = st.one_of(
        prose,
        prose,
        st.tuples(st.sampled_from(list(constructs.values())), inner).map(wrap),
        st.sampled_from(atoms),
        st.tuples(word, st.integers(0, 5), st.sampled_from(soft), st.booleans()).map(split),
        st.tuples(word, st.integers(0, 5), st.sampled_from(list(constructs.values())), st.booleans()).map(split),
    )
    return st.lists(element, min_size=1, max_size=8).map("".join)


def scan(text, markup):
    return scan_markdown(text) if markup == "markdown" else scan_wikitext(text)


def runs(spans):
    """Runs of convertible spans between hard boundaries: lists of span indexes."""
    out, current = [], []
    for i, s in enumerate(spans):
        if s.conv:
            current.append(i)
        elif s.type not in SOFT and current:
            out.append(current)
            current = []
    if current:
        out.append(current)
    return out


def check_paragraph(text, markup, target, python_result):
    """(a), (b), (c) for one paragraph; returns the Python output."""
    conv = converter(target)
    engine = conv._engine
    plain = engine.convert
    spans = scan(text, markup)
    converted, fallbacks = convert_spans(text, spans, engine.convert)
    assert fallbacks == 0
    piece = {i: converted.get(i, text[s.start:s.end]) for i, s in enumerate(spans) if s.conv}
    for run in runs(spans):
        source = [text[spans[i].start:spans[i].end] for i in run]
        whole = "".join(source)
        # (a) the run alone, exactly
        assert "".join(piece[i] for i in run) == plain(whole), (text, whole)
        # (b) at each soft boundary inside the run
        out, ins, outs = engine.convert_aligned(whole)
        x = 0
        for k in range(len(run) - 1):
            x += len(source[k])
            before = "".join(piece[i] for i in run[: k + 1])
            if x in ins:
                assert before == plain(whole[:x]), (text, whole, x)
            else:
                u = max(j for j, b in enumerate(ins) if b < x)
                a, b, c, d = ins[u], ins[u + 1], outs[u], outs[u + 1]
                head = plain(whole[:a])
                assert head == out[:c]
                cut = out[c : c + (x - a)] if b - a == d - c else out[c:d]
                assert before == head + cut, (text, whole, x)
    # (c) the document is its markup, verbatim, around the converted prose
    parts = []
    for i, s in enumerate(spans):
        original = text[s.start:s.end]
        if not s.conv:
            parts.append(original)
        elif s.type == "wikilink_bare" and piece[i] != original:
            parts.append(original + "|" + piece[i])
        else:
            parts.append(piece[i])
    expected = "".join(parts)
    assert python_result == expected
    return expected


class _Packed:
    """The engine's packed bounds through Python (not its C API)."""

    def __init__(self, bound):
        self._bound = bound
        self.convert_aligned_packed = bound.convert_aligned_packed

    def __call__(self, text):
        return self._bound(text)


def python_path(text, markup, convert, variant, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(markdown_c, "_mdscan", None)
        return convert_markup_result(text, markup, convert, variant)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("markup", ["markdown", "wikitext"])
def test_prose_stays_between_its_markup(markup, target, monkeypatch):
    conv = converter(target)
    variant = conv.target.variant
    engine = conv._engine

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(paragraphs(markup, target))
    def run(text):
        python = python_path(text, markup, engine.convert, variant, monkeypatch)
        expected = check_paragraph(text, markup, target, python.text)
        assert python.fallbacks == 0
        # (d) C: the engine's C API, its packed bounds, bounds as lists, the public calls
        assert convert_markup_result(text, markup, engine.convert, variant).text == expected
        assert convert_markup_result(text, markup, _Packed(engine.convert), variant).text == expected
        assert convert_markup_result(text, markup, conv.convert, variant).text == expected
        assert conv.convert(text, markup) == expected

    run()


@pytest.mark.parametrize("markup", ["markdown", "wikitext"])
def test_pure_python_engine_gives_the_same_output(markup, monkeypatch):
    """The pure-Python engine's bounds, through the C and the Python cut-back."""
    conv = converter("zh-TW")
    chain = load_compiled(conv.target.config, NameLayer.for_target(conv.target.variant))
    pure = Engine(chain, accelerate=False)
    variant = conv.target.variant

    @settings(max_examples=max(10, EXAMPLES // 4), deadline=None, suppress_health_check=list(HealthCheck))
    @given(paragraphs(markup, "zh-TW"))
    def run(text):
        expected = convert_markup_result(text, markup, conv._engine.convert, variant).text
        assert convert_markup_result(text, markup, pure.convert, variant).text == expected
        assert convert_markup_result(text, markup, pure, variant).text == expected
        assert python_path(text, markup, pure.convert, variant, monkeypatch).text == expected

    run()


# The issue's four examples, with the outputs it gives as right.
@pytest.mark.parametrize(
    "text, target, markup, right",
    [
        ("[代码](x)由计算机安全验证", "s2twp", "markdown", "[程式碼](x)由電腦保安驗證"),
        ("澳大利亚[他](x)图形用户界面", "zh-TW", "markdown", "澳洲[他](x)圖形化使用者介面"),
        ("方便面'''他'''内存", "s2twp", "wikitext", "泡麵'''他'''記憶體"),
        ("澳大利亚[[方便面]]程序员", "zh-TW", "wikitext", "澳洲[[方便面|泡麵]]程式設計師"),
    ],
)
def test_issue_examples(text, target, markup, right, monkeypatch):
    conv = converter(target)
    assert conv.convert(text, markup) == right
    assert convert_markup(text, markup, conv._engine.convert, conv.target.variant) == right
    assert python_path(text, markup, conv._engine.convert, conv.target.variant, monkeypatch).text == right


def test_no_name_across_two_link_labels():
    """丹麦 and 伦讷 in two links never meet as the name 麦伦: each label is
    converted alone."""
    conv = converter("zh-TW")
    text = "[丹麦](a)[伦讷](b)"
    out = conv.convert(text, "markdown")
    assert out == "[" + conv.convert("丹麦") + "](a)[" + conv.convert("伦讷") + "](b)"


@pytest.mark.parametrize(
    "text, right",
    [
        ("**阿塞拜**疆", "**亞塞拜**然"),  # one unit, same length: cut at the same offset
        ("**方便**面", "**泡麵**"),  # one unit, shorter: all of it where it starts
        ("*代*码", "*程式碼*"),  # one unit, longer: all of it where it starts
        ("**内存**方便面", "**記憶體**泡麵"),  # units wholly on one side stay there
    ],
)
def test_a_phrase_spans_emphasis(text, right, monkeypatch):
    conv = converter("s2twp")
    assert conv.convert(text, "markdown") == right
    assert python_path(text, "markdown", conv._engine.convert, None, monkeypatch).text == right
    wiki = text.replace("**", "'''").replace("*", "''")
    assert conv.convert(wiki, "wikitext") == right.replace("**", "'''").replace("*", "''")


def test_a_plain_callable_converts_each_piece_alone(monkeypatch):
    """Without convert_aligned nothing says where a unit lies: each piece
    is converted on its own, and the runs that hold emphasis are counted."""
    conv = converter("s2twp")
    calls = []

    def plain(text):
        calls.append(text)
        return conv._engine.convert(text)

    text = "**阿塞拜**疆 [内存](x)"
    fast = convert_markup_result(text, "markdown", plain, None)
    slow = python_path(text, "markdown", plain, None, monkeypatch)
    assert fast.text == slow.text == "**阿塞拜**疆 [記憶體](x)"
    assert fast.fallbacks == slow.fallbacks == 1
    assert "内存" in calls and "阿塞拜" in calls


class _Broken:
    def __call__(self, text):
        return text

    def convert_aligned(self, text):
        return text, [0, len(text) + 5], [0, len(text)]


def test_bounds_that_break_the_contract_are_refused(monkeypatch):
    with pytest.raises(ValueError, match="contract"):
        convert_markup_result("**内存**", "markdown", _Broken(), None)
    with pytest.raises(ValueError, match="contract"):
        python_path("**内存**", "markdown", _Broken(), None, monkeypatch)

"""-{ }- rules as MediaWiki shows them, through zhnorm's public API.

Cases: tests/fixtures/rules/mediawiki_cases.tsv (our own, written from
MediaWiki's source; see its header).  Also: one meaning of "plain", the
``zh`` target, NoteTA groups without compiling, and linear time on
repeated ``-{``.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhnorm
from zhnorm import Converter
from zhnorm.markup import convert_markup

CASES_FILE = Path(__file__).parent / "fixtures" / "rules" / "mediawiki_cases.tsv"
MARKUPS = {"rules", "markdown", "wikitext"}


def _unescape(field: str) -> str:
    return field.replace("\\n", "\n")


def load_cases():
    cases = []
    for number, line in enumerate(CASES_FILE.read_text(encoding="utf-8").split("\n"), 1):
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        assert len(fields) == 5, f"{CASES_FILE.name}:{number}: expected 5 tab-separated fields"
        markup, target, text, expected, reason = fields
        cases.append((number, markup, target, _unescape(text), _unescape(expected), reason))
    return cases


CASES = load_cases()


def test_case_file_integrity():
    seen = set()
    for number, markup, target, text, _expected, reason in CASES:
        assert markup in MARKUPS, number
        zhnorm.resolve_target(target)
        assert reason.strip(), f"line {number} gives no reason"
        assert (markup, target, text) not in seen, f"line {number} repeats a case"
        seen.add((markup, target, text))
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[f"line{c[0]}" for c in CASES])
def test_case_resolved(case):
    _number, markup, target, text, expected, _reason = case
    conv = Converter(target)
    assert conv.convert_markup(text, markup, manual_rules="resolve").text == expected
    if markup == "rules":
        assert conv.convert(text, markup="rules") == expected
        assert zhnorm.convert(text, target, markup="rules") == expected
        assert conv.convert_markup(text, "auto").text == expected  # auto: no other markup -> rules


_NOCC = ("__NOCC__", "__NOCONTENTCONVERT__")


@pytest.mark.parametrize("case", [c for c in CASES if c[1] == "wikitext"], ids=lambda c: f"line{c[0]}")
def test_wikitext_output_renders_to_the_same_text(case):
    """Wikitext output keeps -{ }- for MediaWiki; rendered with MediaWiki's
    semantics (rules resolved, text converted) it shows the expected text."""
    _number, _markup, target, text, expected, _reason = case
    conv = Converter(target)
    kept = conv.convert_markup(text, "wikitext").text
    if any(word in text for word in _NOCC):
        assert kept == text == expected  # MediaWiki converts nothing, markup included
        return
    assert "-{" in kept or "-{" not in text
    assert conv.convert_markup(kept, "rules").text == expected


# -- one meaning of "plain" -------------------------------------------------

RULE_TEXT = "-{zh-cn:软件;zh-tw:軟體}-和软件"


def test_plain_is_text_without_markup():
    conv = Converter("zh-TW")
    whole = conv.convert(RULE_TEXT)
    assert whole == "-{zh-cn:軟體;zh-tw:軟體}-和軟體"
    assert conv.convert(RULE_TEXT, markup="plain") == whole
    assert zhnorm.convert(RULE_TEXT, "zh-TW") == whole
    assert conv.convert_markup(RULE_TEXT, "plain").text == whole
    assert convert_markup(RULE_TEXT, "plain", conv.convert, "zh-tw") == whole


def test_rules_and_auto_resolve_rules_in_extracted_text():
    conv = Converter("zh-TW")
    assert conv.convert(RULE_TEXT, markup="rules") == "軟體和軟體"
    assert conv.convert(RULE_TEXT, markup="auto") == "軟體和軟體"
    assert zhnorm.convert(RULE_TEXT, "zh-TW", markup="auto") == "軟體和軟體"
    assert convert_markup(RULE_TEXT, "rules", conv.convert, "zh-tw") == "軟體和軟體"
    result = conv.convert_markup(RULE_TEXT, "auto")
    assert (result.markup, result.sniffed) == ("rules", True)


# -- the zh target ------------------------------------------------------------


def test_zh_target_is_listed_and_resolves_rules_only():
    assert "zh" in zhnorm.target_names()
    conv = Converter("zh")
    assert conv.convert("软件和軟體") == "软件和軟體"
    assert conv.convert(RULE_TEXT, markup="auto") == "软件和软件"
    assert conv.convert("-{H|zh-cn:软件;zh-tw:軟體}-软件", markup="rules") == "软件"
    assert conv.convert_markup("**软件** -{zh-tw:軟體;zh-cn:软件}-", "markdown").text == "**软件** 软件"
    with pytest.raises(ValueError):
        Converter("zh", groups=["IT"])


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_zh_target_changes_no_text_without_rules(text):
    conv = Converter("zh")
    assert conv.convert(text) == text
    if "-{" not in text and "}-" not in text:
        assert conv.convert(text, markup="rules") == text


# -- errors and magic words -------------------------------------------------------


def test_rule_error_keeps_the_markup():
    """Where MediaWiki shows 'error in conversion rule', the rule stays as written."""
    conv = Converter("zh-TW")
    assert conv.convert("前-{zh-cn:软件}-后", markup="rules") == "前-{zh-cn:软件}-後"
    assert conv.convert_markup("前-{zh-cn:软件}-后", "markdown").text == "前-{zh-cn:软件}-後"


def test_notitleconvert_keeps_the_title():
    conv = Converter("zh-TW")
    assert conv.convert_title("软件", "正文", markup="wikitext") == "軟體"
    assert conv.convert_title("软件", "__NOTC__正文", markup="wikitext") == "软件"
    assert conv.convert_title("软件", "__notitleconvert__ {{NoteTA|T=zh-cn:甲;zh-tw:乙}}", markup="wikitext") == "软件"


def test_language_names_file():
    from importlib import resources

    from zhnorm.rules import language_name

    text = resources.files("zhnorm").joinpath("data", "language_names.tsv").read_text(encoding="utf-8")
    codes = [line.split("\t")[0] for line in text.splitlines() if line and not line.startswith("#")]
    assert len(codes) == len(set(codes)) >= 20
    assert all(language_name(code) for code in codes)
    assert language_name("zh-tw") == "臺灣"  # zh variants keep ZhConverter's names
    assert language_name("EN") == ""  # matched exactly, as MediaWiki does


# -- NoteTA groups: a page layer, no compile -----------------------------------------


def test_noteta_group_sets_compile_nothing_and_stay_bounded(monkeypatch):
    from zhnorm import cache, converter
    from zhnorm.cgroups import list_groups

    conv = Converter("zh-TW")
    conv.convert("{{NoteTA|G1=IT}}软件", markup="wikitext")  # the engine and its keys, once
    compiles = []
    real = cache.compile_chain
    monkeypatch.setattr(cache, "compile_chain", lambda *a, **k: compiles.append(a) or real(*a, **k))
    small = [g.name for g in list_groups() if g.rule_count < 150][:40]
    assert len(small) >= 20
    for i in range(len(small) - 1):
        page = "{{NoteTA|G1=%s|G2=%s}}\n计算机软件的头发" % (small[i], small[i + 1])
        assert conv.convert(page, markup="wikitext").endswith("頭髮")
    assert compiles == []
    tables = converter._NOTETA_TABLES
    assert tables.used <= tables._budget and converter._GROUP_TABLES.used <= converter._GROUP_TABLES._budget


def test_noteta_cache_is_bounded_by_its_budget():
    from zhnorm.converter import _LRU

    lru = _LRU(10, size=len)
    for i in range(100):
        lru.get(i, lambda i=i: "x" * (i % 4 + 1))
        assert lru.used <= 10
    assert lru.builds == 100 and len(lru) <= 10


def test_noteta_group_applies_with_the_page_layer():
    conv = Converter("zh-TW")
    assert conv.convert("{{NoteTA|G1=IT}}\n计算机", markup="wikitext").endswith("電腦")
    assert conv.convert("计算机", markup="wikitext") == "計算機"


# -- linear time on repeated -{ ------------------------------------------------------


def _seconds(fn, text) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        fn(text)
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize("markup", ["auto", "plain", "rules"])
@pytest.mark.parametrize("unit", ["-{", "-{a", "-{-{软件}-", "}--{"])
def test_repeated_rule_openers_take_linear_time(markup, unit):
    """Doubling the input at most roughly doubles the time (generous bound)."""
    conv = Converter("zh-TW")
    convert = lambda text: conv.convert_markup(text, markup)  # noqa: E731
    n = 20_000
    small = _seconds(convert, "软" + unit * n)
    large = _seconds(convert, "软" + unit * (4 * n))
    assert large < 4 * 3 * small + 0.05


def test_explain_for_the_zh_target():
    assert zhnorm.explain("软件和軟體", "zh") == []
    changes = zhnorm.explain("软件-{zh-cn:甲;zh-tw:乙}-", "zh", markup="markdown")
    assert [(c.before, c.after) for c in changes] == [("-{zh-cn:甲;zh-tw:乙}-", "甲")]
    assert Converter("zh").convert("软件-{zh-cn:甲;zh-tw:乙}-", markup="markdown") == "软件甲"


@pytest.mark.parametrize("markup", ["markdown", "wikitext"])
@pytest.mark.parametrize("page", ["-{H|zh-cn:发X;zh-tw:發Y}-头发X发X", "-{-|zh-cn:气;zh-tw:氣}-氣体和氣",
                                  "软件-{A|zh-cn:软件;zh-tw:軟件}-软件"])
def test_explain_rebuilds_pages_with_page_rules(markup, page):
    """explain's changes rebuild the output, page-layer decisions included."""
    out = page
    for c in reversed(zhnorm.explain(page, "zh-TW", markup=markup)):
        out = out[:c.start] + c.after + out[c.end:]
    assert out == zhnorm.convert(page, "zh-TW", markup=markup)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["头发", "发X", "发", "X", "软件", "计算机", "氣", "气体", "a", "\n"]), max_size=12).map("".join))
def test_page_converter_of_a_real_engine_keeps_the_alignment_contract(text):
    from zhnorm.page_layer import PageTable

    conv = Converter("zh-TW")._page_converter("", "rules")
    page = conv.with_table(PageTable().updated(add=[("发X", "發Y"), ("软件", "軟件")], remove=["氣"]))
    out, ins, outs = page.convert_aligned(text)
    assert out == page(text)
    assert ins[0] == outs[0] == 0 and ins[-1] == len(text) and outs[-1] == len(out) and len(ins) == len(outs)
    for b, o in zip(ins, outs):
        assert page(text[:b]) == out[:o] and page(text[b:]) == out[o:]


def test_page_rules_across_emphasis_in_markdown():
    conv = Converter("zh-TW")
    assert conv.convert("-{H|zh-cn:发X;zh-tw:發Y}-**头发**X", markup="markdown") == "**頭髮**X"
    assert conv.convert("-{H|zh-cn:发X;zh-tw:發Y}-**发X**和发X", markup="markdown") == "**發Y**和發Y"


HOSTILE = st.lists(st.sampled_from([
    "-{", "}-", "|", ";", ":", "=>", "zh-tw", "zh-Hant-TW", "H|", "-|", "A|", "N|", "zh-cn:", "软件", "头发",
    "发X", "{{NoteTA|G1=IT|1=zh-cn:甲;zh-tw:乙}}", "{{NoteTA|G1=", "__NOCC__", "__NOTC__", "\n\n", "**", "[[",
    "]]", "&amp;", "\ud800", "𠀀", " ",
]) | st.text(max_size=3), max_size=25).map("".join)


@settings(max_examples=300, deadline=None)
@given(HOSTILE, st.sampled_from(["zh-TW", "zh-CN", "zh-HK", "zh", "s2twp"]),
       st.sampled_from(["plain", "rules", "markdown", "wikitext", "auto"]))
def test_no_exception_on_rule_soup(text, target, markup):
    conv = Converter(target)
    out = conv.convert_markup(text, markup).text
    assert isinstance(out, str)
    if markup == "plain":
        assert out == conv.convert(text)
    conv.convert_title("软件", text, markup="wikitext" if markup == "plain" else markup)

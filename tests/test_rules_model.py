"""Random rule pages: zhnorm resolves them as a model of MediaWiki does.

tests/mw_model.py is a naive model of MediaWiki's converter written from its
source (one mutable table per variant, strtr, the PHP control flow).  Here
both get the same toy dictionaries, so what is compared is the rule
machinery: nesting, flags, variants and fallbacks, BCP 47 codes, one-way
and two-way rules before and after the text they affect, ``-`` rules on
dictionary pairs, unclosed and malformed rules, and the page layer's
leftmost-longest match (zhnorm.page_layer) against a plain strtr.

ZHNORM_MODEL_EXAMPLES raises the number of examples (CI runs derandomized).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
import mw_model  # noqa: E402

from zhnorm.markup.rule_text import PageState, resolve_text  # noqa: E402
from zhnorm.page_layer import PageConverter, PageTable, Segmenter  # noqa: E402

EXAMPLES = int(os.environ.get("ZHNORM_MODEL_EXAMPLES", "300"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

WORDS = ["甲", "乙", "丙", "甲乙", "乙丙", "甲乙丙", "丁", "a", "b"]
# Each variant's dictionary: phrases and characters, overlapping on purpose.
TABLES = {
    v: {"甲乙": f"J{i}", "乙": "Y", "乙丙丁": f"K{i}", "丙": "b" if i % 2 else "丙"}
    for i, v in enumerate(mw_model.VARIANTS) if v != "zh"
}


class Toy:
    """An engine: the variant's dictionary by leftmost-longest match."""

    def __init__(self, table):
        self.table = table

    def __call__(self, text):
        return mw_model.strtr(text, self.table)


def page_converter(variant):
    table = TABLES.get(variant, {})
    return PageConverter(Toy(table), Segmenter(k for k in table if len(k) > 1))


def zhnorm_resolve(text, variant):
    conv = page_converter(variant)
    conv.other = page_converter
    return resolve_text(text, PageState(variant, conv))


codes = st.sampled_from([*mw_model.VARIANTS, "zh-Hant-TW", "zh-Hans-CN", "zh-HANT", "zh-TW", "zh-xx", "en"])
words = st.lists(st.sampled_from(WORDS), max_size=3).map("".join)
flags = st.sampled_from(["", "", "A|", "H|", "R|", "N|", "D|", "T|", "-|", "zh-tw|", "zh-hans;zh-hant|",
                         "zh-cn|", "X|", "A;D|", "H;T|", "H;D|", "R;A|", " H |"])


def entry():
    return st.one_of(
        st.tuples(codes, words).map(lambda t: f"{t[0]}:{t[1]}"),
        st.tuples(words, codes, words).map(lambda t: f"{t[0]}=>{t[1]}:{t[2]}"),
        words,  # no ':' at all
    )


def body(inner):
    table = st.lists(entry(), min_size=1, max_size=4).flatmap(
        lambda es: st.sampled_from([";", "; ", " ;"]).map(lambda sep: sep.join(es))
    ).flatmap(lambda t: st.sampled_from(["", ";"]).map(lambda end: t + end))
    return st.one_of(table, words, st.tuples(table, inner).map("".join), st.tuples(words, inner, words).map("".join))


def rules():
    return st.recursive(
        st.tuples(flags, body(st.just(""))).map(lambda t: "-{" + t[0] + t[1] + "}-"),
        lambda inner: st.tuples(flags, body(inner)).map(lambda t: "-{" + t[0] + t[1] + "}-"),
        max_leaves=4,
    )


# rules that act on the page, with texts that differ between variants
short = st.sampled_from(["甲", "乙", "丙", "甲乙", "乙丙", "丁"])
acting = st.tuples(st.sampled_from(["H|", "A|", "-|"]), short, short, short, st.sampled_from(["zh-hk", "zh-Hant-HK", "zh-sg"])).map(
    lambda t: "-{" + t[0] + f"zh-cn:{t[1]};zh-tw:{t[2]};{t[4]}:{t[3]}" + "}-")
pieces = st.one_of(words, rules(), acting, acting, st.sampled_from(["-{", "}-", " ", "-{N|en}-", "-{N|zh-tw}-"]))
pages = st.lists(pieces, max_size=8).map("".join)
variants = st.sampled_from(mw_model.VARIANTS)


@SETTINGS
@given(pages, variants)
def test_resolved_page_matches_the_model(page, variant):
    model = mw_model.Model(TABLES)
    assert zhnorm_resolve(page, variant) == model.convert(page, variant)


def test_model_agrees_on_known_cases():
    """The model itself against the issue's examples (toy tables)."""
    m = mw_model.Model({})
    assert m.convert("-{R|nested -{zh:China;zh-tw:Taiwan}- nested}-", "zh-tw") == "nested Taiwan nested"
    m = mw_model.Model({})
    assert m.convert("-{zh-cn:X-{H|zh-cn:FOO;zh-tw:BAR}-;zh-tw:Y}-BAR", "zh-cn") == "XFOO"
    m = mw_model.Model({"zh-cn": {"BBB": "AAA"}})
    assert m.convert("-{zh-cn:AAA;zh-TW:BBB}-", "zh-cn") == "AAA;zh-TW:BBB"
    m = mw_model.Model({"zh-tw": {"头发": "頭髮", "发": "發"}})
    assert m.convert("-{H|zh-cn:发X;zh-tw:發Y}-头发X", "zh-tw") == "頭髮X"


# -- the page layer alone: one leftmost-longest match over engine ∪ page -----

dict_keys = st.text(alphabet="甲乙丙丁", min_size=1, max_size=3)
engine_tables = st.dictionaries(dict_keys, st.text(alphabet="xyz", max_size=2), max_size=8)
page_pairs = st.dictionaries(dict_keys, st.text(alphabet="PQ", max_size=3), max_size=4)
removals = st.lists(dict_keys, max_size=3)
texts = st.text(alphabet="甲乙丙丁a", max_size=30)


def merged_table(engine, pairs, removed):
    table = {k: v for k, v in engine.items() if k not in removed}
    table.update(pairs)
    return table


@SETTINGS
@given(engine_tables, page_pairs, removals, texts)
def test_page_layer_is_one_leftmost_longest_match(engine, pairs, removed, text):
    conv = PageConverter(Toy(engine), Segmenter(k for k in engine if len(k) > 1),
                         PageTable().updated(remove=removed).updated(add=pairs.items()))
    want = mw_model.strtr(text, merged_table(engine, {k: v for k, v in pairs.items()}, set(removed) - set(pairs)))
    assert conv(text) == want


@SETTINGS
@given(engine_tables, page_pairs, removals, texts)
def test_page_layer_alignment_contract(engine, pairs, removed, text):
    conv = PageConverter(Toy(engine), Segmenter(k for k in engine if len(k) > 1),
                         PageTable().updated(add=pairs.items(), remove=removed))
    out, ins, outs = conv.convert_aligned(text)
    assert out == conv(text)
    assert ins[0] == outs[0] == 0 and ins[-1] == len(text) and outs[-1] == len(out)
    assert len(ins) == len(outs)
    assert all(a <= b for a, b in zip(ins, ins[1:])) and all(a <= b for a, b in zip(outs, outs[1:]))
    for b, o in zip(ins, outs):  # every in-bound is separable
        assert conv(text[:b]) + conv(text[b:]) == out
        assert out[:o] == conv(text[:b])


@SETTINGS
@given(st.integers(1, 14), st.integers(0, 14), st.sampled_from(["", "R|", "zh-tw:", "H|zh-cn:乙;zh-tw:"]),
       words, variants)
def test_deep_nesting_matches_the_model(opened, closed, flag, word, variant):
    """MediaWiki keeps a -{ deeper than ten levels as text."""
    page = ("-{" + flag) * opened + word + "}-" * closed + "乙丙"
    assert zhnorm_resolve(page, variant) == mw_model.Model(TABLES).convert(page, variant)


@SETTINGS
@given(st.lists(st.text(alphabet="甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥]^-\\", min_size=1, max_size=3),
                max_size=40),
       st.text(alphabet="甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥]^-\\a", max_size=40))
def test_key_index_finds_every_key_start(keys, text):
    """Both ways of finding starts (str.find for a few keys, a character
    class for many) give every position and length where a key occurs."""
    from zhnorm.page_layer import KeyIndex

    want = {}
    for p in range(len(text)):
        lengths = sorted({len(k) for k in keys if text.startswith(k, p)}, reverse=True)
        if lengths:
            want[p] = lengths
    assert dict(KeyIndex(keys).starts(text)) == want


def _closed(page: str) -> bool:
    """Every -{ closes, no }- stands alone, nesting stays under ten: the
    pages on which the Markdown and wikitext scanners read the rules as
    MediaWiki does (README: what is not followed)."""
    depth = i = 0
    while i < len(page):
        if page.startswith("-{", i):
            depth, i = depth + 1, i + 2
        elif page.startswith("}-", i):
            if depth == 0:
                return False
            depth, i = depth - 1, i + 2
        else:
            i += 1
        if depth > 9:
            return False
    return depth == 0


@SETTINGS
@given(pages.filter(_closed), variants, st.sampled_from(["markdown", "wikitext", "rules"]))
@example("-{H|zh-cn:甲;zh-tw:乙}-甲", "zh-tw", "markdown")
@example("-{H|zh-cn:甲;zh-tw:乙}-甲乙丙", "zh-tw", "wikitext")
@example("甲乙-{-|zh-cn:J3;zh-tw:甲乙}-甲乙丙", "zh-cn", "markdown")
@example("-{A|乙丙=>zh-hk:丁}-乙丙丁", "zh-hk", "wikitext")
def test_markup_resolution_matches_the_model(page, variant, markup):
    """The scanners' path (spans, rule_phrase cut-outs, the cut-back) gives
    what the model gives, on pages whose rules the scanners see whole."""
    from zhnorm.markup import convert_markup_result

    conv = page_converter(variant)
    conv.other = page_converter
    got = convert_markup_result(page, markup, conv, variant, manual_rules="resolve").text
    assert got == mw_model.Model(TABLES).convert(page, variant)

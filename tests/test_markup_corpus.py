"""Every corpus article and the seed, converted to five targets.

Checks, per article and target: protected tokens are byte-identical; the
prose equals plain conversion of the same prose (one call over the page's
prose, see ``zhnorm.markup.prose``); link destinations and titles found by
an independent regex are all still there; and the text really changed.
The stand-in converters are the official OpenCC binding; when
``zhnorm.Converter`` exists the same checks run with it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from zhnorm.markup import convert_markup_result, explain, prose, sniff
from zhnorm.markup.render import SOFT_TYPES

import zhnorm

HERE = Path(__file__).parent
ARTICLES = sorted((HERE / "fixtures" / "markup" / "articles").glob("*.md"))
SEED = HERE.parent / "seeds" / "000_05b906160e962e71.txt"
DOCS = ARTICLES + [SEED]

# target variant -> OpenCC config of the stand-in converter
TARGETS = {"zh-tw": "s2twp", "zh-hk": "s2hk", "zh-cn": "t2s", "zh-hans": "t2s", "zh-hant": "s2t"}
_CACHE: dict[str, object] = {}


def opencc_convert(variant: str):
    if variant not in _CACHE:
        _CACHE[variant] = zhnorm.Converter(TARGETS[variant]).convert
    return _CACHE[variant]


def engine_convert(variant: str):
    zhnorm = pytest.importorskip("zhnorm")
    if not hasattr(zhnorm, "Converter"):
        pytest.skip("zhnorm.Converter not available yet")
    return zhnorm.Converter(variant).convert


DEST = re.compile(r'\]\(((?:[^()\s\\]|\\.|\((?:[^()\s\\]|\\.)*\))+)(?: "([^"]*)")?\)')


def _check(path: Path, variant: str, convert) -> None:
    text = path.read_text(encoding="utf-8")
    result = convert_markup_result(text, "markdown", convert, variant)
    pairs = explain(text, "markdown", convert, variant)
    assert "".join(o for _, o in pairs) == result.text
    assert result.fallbacks == 0
    for tok, out in pairs:
        if not tok.convertible and tok.type != "conv_rule":
            assert out == tok.text, (path.name, tok)
    # prose: converted pieces, joined the way prose() joins them (a newline
    # at every hard boundary: any protected token but emphasis)
    pieces, sep = [], True
    for tok, out in pairs:
        if tok.convertible:
            pieces.append(out)
            sep = False
        elif tok.type not in SOFT_TYPES and not sep:
            pieces.append("\n")
            sep = True
    assert "".join(pieces) == convert(prose(text, "markdown"))
    # independent check: every link destination and title is still there
    assert DEST.findall(result.text) == DEST.findall(text)
    p = prose(text, "markdown")
    if convert(p) != p:
        assert result.text != text


@pytest.mark.parametrize("variant", list(TARGETS))
@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_corpus_with_opencc(path, variant):
    _check(path, variant, opencc_convert(variant))


@pytest.mark.parametrize("variant", list(TARGETS))
@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_corpus_with_engine(path, variant):
    _check(path, variant, engine_convert(variant))


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_corpus_is_sniffed_as_markdown(path):
    assert sniff(path.read_text(encoding="utf-8")) == "markdown"


def test_seed_spec_examples():
    """The issue's own examples, on the seed."""
    text = SEED.read_text(encoding="utf-8")
    out = convert_markup_result(text, "auto", opencc_convert("zh-tw"), "zh-tw", filename=SEED.name)
    assert (out.markup, out.sniffed) == ("markdown", True)
    # a phrase split by two links converts as in plain text
    assert "[喬治亞是愛沙尼亞在](https://zh.wikipedia.org/wiki/格魯吉亞 \"wikilink\")" in out.text
    assert "[南高加索地區的盟友](https://zh.wikipedia.org/wiki/南高加索 \"wikilink\")" in out.text
    # targets keep their Simplified/Traditional spelling; labels convert
    assert "[亞塞拜然共和國和](https://zh.wikipedia.org/wiki/阿塞拜疆共和国 \"wikilink\")" in out.text
    assert "\\[1\\]" in out.text


def test_resolved_rules_in_corpus():
    text = (HERE / "fixtures/markup/articles/028_smalltalk.md").read_text(encoding="utf-8")
    tw = convert_markup_result(text, "markdown", opencc_convert("zh-tw"), "zh-tw")
    cn = convert_markup_result(text, "markdown", opencc_convert("zh-cn"), "zh-cn")
    assert "-{" not in tw.text and "-{" not in cn.text
    assert "所有的東西都是物件" in tw.text and "所有的东西都是对象" in cn.text
    assert tw.rules == cn.rules == text.count("-{")
    kept = convert_markup_result(text, "markdown", opencc_convert("zh-tw"), "zh-tw", manual_rules="keep")
    assert kept.text.count("-{zh-hans:对象; zh-hant:物件;}-") == text.count("-{zh-hans:对象; zh-hant:物件;}-")

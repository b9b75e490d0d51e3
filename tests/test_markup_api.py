"""Public API details: sniffing, length-changing conversions, line endings."""

from __future__ import annotations

from pathlib import Path

import pytest

from zhnorm.markup import convert_markup, convert_markup_result, sniff, sniff_scores, tokenize

import zhnorm
TW = zhnorm.Converter("s2twp").convert
SEED = Path(__file__).parent.parent / "seeds" / "000_05b906160e962e71.txt"


@pytest.mark.parametrize(
    "text, filename, expected",
    [
        ("[[阿塞拜疆]]是國家。{{reflist}}", None, "wikitext"),
        ("== 历史 ==\n'''塔林'''<ref>x</ref>", None, "wikitext"),
        ("## 历史\n\n[塔林](../Page/塔林.md \"wikilink\")\\[1\\]", None, "markdown"),
        ("| a | b |\n| --- | --- |\n| 1 | 2 |\n", None, "markdown"),
        ("只是一段文字，沒有標記。", None, "plain"),
        ("", None, "plain"),
        ("只是一段文字。", "notes.md", "markdown"),
        ("[[x]]", "page.wiki", "wikitext"),
        ("## 标题\n\n[a](b)", "seed.txt", "markdown"),
    ],
)
def test_sniff(text, filename, expected):
    assert sniff(text, filename) == expected


def test_seed_is_markdown_and_the_choice_is_reported():
    text = SEED.read_text(encoding="utf-8")
    assert sniff(text, SEED.name) == "markdown"
    assert sniff_scores(text)["markdown"] > sniff_scores(text)["wikitext"]
    result = convert_markup_result(text, "auto", TW, "zh-tw")
    assert (result.markup, result.sniffed) == ("markdown", True)
    assert convert_markup_result(text, "markdown", TW, "zh-tw").sniffed is False


def test_length_changing_phrase_inside_one_label_is_exact():
    # 闪存 -> 快閃記憶體 (2 -> 5 characters), not straddling markup
    out = convert_markup_result("[闪存](http://x/闪存)设备", "markdown", TW, "zh-tw")
    assert out.text == "[快閃記憶體](http://x/闪存)裝置"
    assert out.fallbacks == 0


def test_length_changing_phrase_split_by_markup_never_moves_markup():
    # 闪存 spans the emphasis (a soft boundary) and changes length: the
    # whole output goes to the piece where it starts (zhnorm.markup.render)
    out = convert_markup_result("**闪**存设备", "markdown", TW, "zh-tw")
    assert out.text.startswith("**") and out.text.count("**") == 2
    assert out.text == "**快閃記憶體**裝置"
    assert out.fallbacks == 0


def test_crlf_and_trailing_newlines_are_kept():
    text = "# 软件\r\n\r\n软件开发\r\n"
    assert convert_markup(text, "markdown", TW, "zh-tw") == "# 軟體\r\n\r\n軟體開發\r\n"
    assert convert_markup("软件\n", "plain", TW, "zh-tw") == "軟體\n"
    assert convert_markup("软件", "plain", TW, "zh-tw") == "軟體"


def test_tokens_say_why():
    toks = tokenize("[软件](http://x/软件 \"wikilink\")`软件`**软**件", "markdown")
    kinds = [(t.type, t.convertible, t.breaks) for t in toks]
    assert kinds == [
        ("link_open", False, False),
        ("text", True, False),
        ("link_target", False, False),
        ("code_inline", False, True),
        ("emphasis", False, False),
        ("text", True, False),
        ("emphasis", False, False),
        ("text", True, False),
    ]


def test_unknown_variant_is_refused_with_suggestions():
    with pytest.raises(ValueError, match="zh-tw"):
        convert_markup("x", "plain", TW, "zh-twn")

"""Wikitext: the corpus rendered back to wikitext, and mwparserfromhell.

There is no wikitext corpus in the project, so ``to_wikitext`` turns the
Markdown articles back into the wikitext they came from (links, refs with
cite templates, headings, bold, files, categories, tables).  On that text
the scanner must keep every link target, template name and URL, and it is
compared with mwparserfromhell, the standard lossless parser, which finds
the same link targets and template names (a correctness cross-check) and
is timed against it (see the README next to the fixtures for numbers).
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from zhnorm.markup import convert_markup, explain, tokenize

HERE = Path(__file__).parent
ARTICLES = sorted((HERE / "fixtures" / "markup" / "articles").glob("*.md"))

_LINK = re.compile(r'\[([^\[\]\n]*)\]\((?:https://zh\.wikipedia\.org/wiki/|\.\./Page/)((?:[^()\s\\]|\\.)+?)(?:\.md)? "wikilink"\)')
_FIG = re.compile(r'\[[^\[\]\n]*\]\(https://zh\.wikipedia\.org/wiki/(File:(?:[^()\s\\]|\\.)+) "fig:[^"]*"\)')
_CITE = re.compile(r"\\\[(\d+)\\\]")


def to_wikitext(md: str) -> str:
    """Markdown article -> plausible wikitext (for tests and measurement)."""
    text = _FIG.sub(lambda m: f"[[{m.group(1).replace(chr(92), '')}|thumb|250px|示意图]]", md)

    def link(m: re.Match) -> str:
        label, target = m.group(1), m.group(2).replace("\\", "")
        return f"[[{target}]]" if label == target else f"[[{target}|{label}]]"

    text = _LINK.sub(link, text)
    text = _CITE.sub(lambda m: f'<ref name="r{m.group(1)}">{{{{cite web|url=http://example.org/{m.group(1)}|'
                     f"title=参考资料{m.group(1)}|language=zh-hans}}}}</ref>", text)
    text = re.sub(r"^(#{2,6}) (.*)$", lambda m: "=" * len(m.group(1)) + f" {m.group(2)} " + "=" * len(m.group(1)),
                  text, flags=re.M)
    text = re.sub(r"\*\*([^*\n]+)\*\*", r"'''\1'''", text)
    text = re.sub(r"^  - ", "* ", text, flags=re.M)
    return "{{NoteTA|G1=IT}}\n{{Infobox|名称=文章|image=图片.jpg}}\n" + text + "\n== 参考资料 ==\n{{reflist}}\n"


WIKI = {p.name: to_wikitext(p.read_text(encoding="utf-8")) for p in ARTICLES}
TARGET = re.compile(r"\[\[([^|\[\]{}<>\n]+)")


def _opencc(config: str):
    import zhnorm
    return zhnorm.Converter(config).convert


@pytest.mark.parametrize("name", list(WIKI))
def test_wikitext_targets_names_and_urls_survive(name):
    text = WIKI[name]
    convert = _opencc("s2twp")
    pairs = explain(text, "wikitext", convert, "zh-tw", manual_rules="keep")
    out = "".join(o for _, o in pairs)
    for tok, o in pairs:
        if not tok.convertible:
            assert o == tok.text, tok
    assert TARGET.findall(out) == TARGET.findall(text)
    assert re.findall(r"\{\{([^|{}]+)", out) == re.findall(r"\{\{([^|{}]+)", text)
    assert re.findall(r"https?://[^\s|\]}]+", out) == re.findall(r"https?://[^\s|\]}]+", text)
    assert "參考資料" in out


def test_bare_link_gains_label_only_when_shown_text_changes():
    convert = _opencc("s2twp")
    assert convert_markup("[[阿塞拜疆]]", "wikitext", convert, "zh-tw") == "[[阿塞拜疆|亞塞拜然]]"
    assert convert_markup("[[塔林]]", "wikitext", convert, "zh-tw") == "[[塔林]]"
    assert convert_markup("[[Help:软件]]", "wikitext", convert, "zh-tw") == "[[Help:软件]]"


def test_wikitext_tokens_explain_protection():
    toks = {t.text: t for t in tokenize("{{cite web|url=http://x/软件|title=软件}}[[软件|内存]]", "wikitext")}
    assert toks["cite web"].type == "template_name" and not toks["cite web"].convertible
    assert toks["url="].type == "template_param_name"
    assert toks["http://x/软件"].type == "template_value" and not toks["http://x/软件"].convertible
    assert toks["软件"].convertible  # the title value
    assert toks["软件|"].type == "link_target"
    assert toks["内存"].convertible


def test_agrees_with_mwparserfromhell_on_links_and_templates():
    mwp = pytest.importorskip("mwparserfromhell")
    for name, text in WIKI.items():
        code = mwp.parse(text)
        assert str(code) == text
        theirs_links = [str(link.title) for link in code.filter_wikilinks()]
        ours_links = [t.text.rstrip("|") for t in tokenize(text, "wikitext")
                      if t.type in ("link_target", "wikilink_bare")]
        ours_meta = [t.text[2:-2].split("|")[0] for t in tokenize(text, "wikitext") if t.type == "wikilink_meta"]
        assert sorted(theirs_links) == sorted(ours_links + ours_meta), name
        theirs_tpl = [str(t.name).strip() for t in code.filter_templates()]
        ours_tpl = [t.text.strip() for t in tokenize(text, "wikitext") if t.type == "template_name"]
        ours_tpl += [t.meta["name"] for t in tokenize(text, "wikitext") if t.type == "template"]
        assert sorted(x.lower() for x in theirs_tpl) == sorted(x.lower() for x in ours_tpl), name


def measure(repeat: int = 5) -> dict[str, float]:
    """Seconds per pass over the wikitext corpus: our scanner vs mwparserfromhell."""
    import mwparserfromhell as mwp

    texts = list(WIKI.values())
    res = {}
    t0 = time.perf_counter()
    for _ in range(repeat):
        for t in texts:
            tokenize(t, "wikitext")
    res["own_scanner"] = (time.perf_counter() - t0) / repeat
    t0 = time.perf_counter()
    for _ in range(repeat):
        for t in texts:
            mwp.parse(t)
    res["mwparserfromhell_parse_only"] = (time.perf_counter() - t0) / repeat
    res["chars"] = sum(map(len, texts))
    return res


if __name__ == "__main__":
    print(measure())


# -- the tables of wiki_data ----------------------------------------------------


def test_wiki_data_tables_carry_a_reason_per_entry():
    from zhnorm.markup import wiki_data as d

    tables = [d.URL_PROTOCOLS, d.FILE_PARAMS, d.FILE_EXTENSIONS, d.ID_PARAMS, d.WHOLE_TEMPLATES,
              d.CONVERTIBLE_LANG_CODES, d.NIHONGO_KEPT, d.LINK_XX_KEPT, d.RAW_EXT_TAGS, d.WIKITEXT_EXT_TAGS,
              d.PROSE_PARAMS_BY_PREFIX]
    for table in tables:
        assert table
        for key, reason in table.items():
            assert isinstance(reason, str) and reason.strip(), key
    for fn, (rule, reason) in d.PARSER_FUNCTIONS.items():
        assert fn.startswith("#") and reason.strip() and (rule in ("*", "cases") or isinstance(rule, tuple))
    # Names are compared lowercased and stripped: the tables must hold them so.
    for table in (d.FILE_PARAMS, d.ID_PARAMS, d.WHOLE_TEMPLATES, d.RAW_EXT_TAGS, d.WIKITEXT_EXT_TAGS):
        assert all(k == k.strip().lower() for k in table)
    assert not set(d.RAW_EXT_TAGS) & set(d.WIKITEXT_EXT_TAGS)
    assert all(p.endswith((":", "//")) for p in d.URL_PROTOCOLS)
    # Every file parameter the issue names, in both scripts.
    for name in ("image", "image_flag", "image_coat", "image_skyline", "image_map", "logo", "signature",
                 "cover", "map_image", "pushpin_map", "图像", "图片", "照片", "标志", "旗帜", "签名",
                 "圖像", "圖片", "標誌", "旗幟", "簽名"):
        assert name in d.FILE_PARAMS, name
    for ext in ("svg", "png", "jpg", "jpeg", "gif", "tif", "tiff", "webp", "ogg", "webm", "pdf", "djvu"):
        assert d.FILE_VALUE.fullmatch(f" 阿塞拜疆国旗.{ext.upper()} ")
    assert not d.FILE_VALUE.fullmatch("阿塞拜疆是一个国家")


def test_every_protocol_is_protected_bracketed_and_bare():
    from zhnorm.markup.wiki_data import URL_PROTOCOLS

    convert = _opencc("s2twp")
    for proto in URL_PROTOCOLS:
        text = f"[{proto}软件.org/软件 软件]"
        assert convert_markup(text, "wikitext", convert) == f"[{proto}软件.org/软件 軟體]", proto
        if proto != "//":
            text = f"见 {proto}软件.org/软件 软件"
            assert convert_markup(text, "wikitext", convert) == f"見 {proto}软件.org/软件 軟體", proto


# -- properties over generated wikitext ----------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_PIECES = ["[", "]", "[[", "]]", "{{", "}}", "{{{", "}}}", "-{", "}-", "|", "=", "<!--", "-->", "<ref>",
           "</ref>", "<ref name=a/>", "<pre>", "</pre>", "<nowiki>", "</nowiki>", "<gallery>", "</gallery>",
           "\n", "\n{|", "\n|-", "\n|", "\n!", "\n|}", " ", "''", "'''", "==", "http://", "mailto:", ":",
           "File:", "Category:", "#if:", "lang|ja|", "image=", "a.svg", "软件", "内存", "阿塞拜疆", "a", "&amp;",
           "__TOC__", "*", "#", "<span title=\"软件\">", "</span>", "\r", "\u3000"]
_WIKI = st.lists(st.sampled_from(_PIECES), max_size=40).map("".join) | st.text(
    alphabet="[]{}|=<>!-:/'\n 软件a", max_size=60)
_EXAMPLES = int(os.environ.get("ZHNORM_WIKI_PROPERTY_EXAMPLES", "300"))


@settings(max_examples=_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_WIKI)
def test_spans_tile_and_protected_spans_survive(text):
    from zhnorm.markup.tokens import check_spans
    from zhnorm.markup.wikitext import scan_wikitext

    spans = scan_wikitext(text)
    check_spans(text, spans)
    convert = _opencc("s2twp")
    pairs = explain(text, "wikitext", convert, "zh-tw", manual_rules="keep")
    out = "".join(o for _, o in pairs)
    assert out == convert_markup(text, "wikitext", convert, "zh-tw", manual_rules="keep")
    for tok, o in pairs:
        if not tok.convertible:
            assert o == tok.text, tok
        elif tok.type == "wikilink_bare":
            assert o == tok.text or o.startswith(tok.text + "|"), tok
    assert convert_markup(text, "wikitext", lambda s: s, manual_rules="keep") == text

"""Wikitext conversion checked against mwparserfromhell, class by class.

Generated documents put Chinese words that conversion changes into every
place wikitext has: template names, parameter names and values, link
targets and labels, URLs, tags, attributes, comments and ``-{ }-`` rules.
Each document is converted (zh-TW, s2twp, and zh-CN from Taiwan forms) and
both input and output are parsed with mwparserfromhell.  The walk below
states, independently of the scanner, what MediaWiki (with zh.wikipedia's
templates) shows as prose and what it reads as a name:

* names never change: template and parameter names, link targets, URLs,
  tag names and attributes, comments, ``-{ }-`` rules, and parameters that
  hold file names, foreign-language text or identifiers;
* prose is converted: every text node in a prose place comes out as the
  plain conversion of that text node alone (generated prose starts and ends
  with "，", so no phrase can cross a node boundary).

Where mwparserfromhell reads wikitext differently from MediaWiki the walk
says so (``[[[x]]]``, a URL running on through a comment or template).
``python tests/test_markup_wikitext_oracle.py [N]`` prints the failing
examples per class (the numbers quoted in the README of the fixtures).
"""

from __future__ import annotations

import os
import random
import re
import sys
from collections import Counter
from functools import lru_cache

import pytest

mwp = pytest.importorskip("mwparserfromhell")
from mwparserfromhell import nodes as N  # noqa: E402

import zhnorm  # noqa: E402

TARGETS = ("zh-TW", "s2twp", "zh-CN")
SIMPLIFIED = ("软件", "内存", "阿塞拜疆", "信息", "网络", "打印机", "鼠标")
TAIWAN = ("軟體", "記憶體", "亞塞拜然", "資訊", "網路", "印表機", "滑鼠")

# The oracle's own reading of MediaWiki and zh.wikipedia (see module docstring).
FILE_PARAMS = {
    "image", "image_flag", "image_coat", "image_skyline", "image_map", "logo", "signature", "cover",
    "map_image", "pushpin_map", "图像", "图片", "照片", "标志", "旗帜", "签名", "圖像", "圖片",
    "標誌", "旗幟", "簽名",
}
FILE_VALUE = re.compile(r"[^\[\]{}<>|\n]+\.(?:svg|png|jpe?g|gif|tiff?|webp|ogg|webm|pdf|djvu)", re.I)
ID_PARAMS = {"url", "archive-url", "archiveurl", "language", "lang"}
RAW_TAGS = {"nowiki", "pre", "code", "math", "syntaxhighlight", "source", "score"}
RULE = re.compile(r"-\{.*?\}-", re.S)
CHINESE_LANG = {"zh"}


@lru_cache(maxsize=None)
def _converter(target: str):
    return zhnorm.Converter(target)


def words_for(target: str) -> tuple[str, ...]:
    return TAIWAN if target == "zh-CN" else SIMPLIFIED


# -- generation -------------------------------------------------------------


def _prose(r: random.Random, words) -> str:
    return "，" + "，".join(r.choice(words) for _ in range(r.randint(1, 2))) + "，"


def gen(cls: str, r: random.Random, words) -> str:
    """One document exercising ``cls`` (a class of the issue), with context."""
    w = lambda: r.choice(words)  # noqa: E731
    p = lambda: _prose(r, words)  # noqa: E731
    if cls == "file_param":
        name = r.choice(sorted(FILE_PARAMS))
        ext = r.choice(["svg", "PNG", "jpg", "jpeg", "gif", "tif", "webp", "ogg", "webm", "pdf", "djvu"])
        shape = r.randint(0, 2)
        if shape == 0:
            return f"{{{{Infobox country|{name} = {w()}国旗.{ext}|caption={p()}}}}}"
        if shape == 1:
            return f"{{{{Infobox|其他={w()}{w()}.{ext}|名称={p()}}}}}"
        return f"{{{{flagicon image|{w()} {w()}.{ext}}}}}{p()}"
    if cls == "lang":
        shape = r.randint(0, 5)
        if shape == 0:
            return f"{{{{lang|{r.choice(['ja', 'ko', 'en', 'zh-hans', 'zh-hant', 'zh-tw'])}|{w()}}}}}{p()}"
        if shape == 1:
            return f"{{{{lang-{r.choice(['ja', 'ko', 'vi', 'en'])}|{w()}}}}}{p()}"
        if shape == 2:
            return f"{{{{Nihongo|{p()}|{w()}|Nihon}}}}"
        if shape == 3:
            return f"{{{{link-{r.choice(['ja', 'en', 'ko', 'de'])}|{w()}|{w()}}}}}{p()}"
        if shape == 4:
            return f"{{{{link-ja|{w()}|{w()}|{p()}}}}}"
        return f"{{{{lang|ja|{w()}}}}}与{{{{lang-ja|{w()}|links=no}}}}"
    if cls == "prose_param":
        shape = r.randint(0, 3)
        if shape == 0:
            return f"{{{{Infobox country|name = {p()}|image=x.svg}}}}"
        if shape == 1:
            return f"{p()}{{{{NoteTag|{p()}}}}}"
        if shape == 2:
            return f"{{{{Infobox|capital={p()}<ref name=\"a{r.randint(0, 9)}\"/>}}}}"
        return f"{{{{foo|{p()}<ref name=a/>|{p()}}}}}"
    if cls == "triple_link":
        return r.choice([f"[[[{w()}]]]", f"[[[[{w()}]]", f"[[[{w()}|{p()}]]]"]) + p()
    if cls == "table_indent":
        return (f"{{| class=\"wikitable\"\n |-\n | title=\"{w()}\" | {p()}\n  ! style=\"{w()}\" | {p()}\n"
                f"  |-\n | {p()} || align=\"{w()}\" | {p()}\n |}}")
    if cls == "url_scheme":
        scheme = r.choice(["mailto:", "tel:", "xmpp:", "magnet:?xt=", "ssh://", "news:", "sip:", "sms:",
                           "geo:", "urn:", "bitcoin:", "irc://", "git://", "svn://", "ftp://", "//"])
        if scheme == "//" or r.random() < 0.5:
            return f"[{scheme}{w()}.org/{w()} {p()}]{p()}"
        return f"{p()} {scheme}{w()}{w()} {p()}"
    if cls == "url_through":
        shape = r.randint(0, 3)
        if shape == 0:
            return f"{p()} http://x.org/<!-- c -->{w()} {p()}"
        if shape == 1:
            return f"[http://x.org/<!--c-->{w()} {p()}]"
        if shape == 2:
            return f"[http://x.org/{{{{PAGENAME}}}}{w()} {p()}]"
        return f"{p()} https://x.org/{{{{urlencode:{w()}}}}}/{w()} {p()}"
    if cls == "template_name":
        shape = r.randint(0, 4)
        if shape == 0:
            return f"{{{{ {{{{{{1|{w()}}}}}}} |{p()}}}}}"
        if shape == 1:
            return f"{{{{{w()}\n|a={p()}}}}}"
        if shape == 2:
            return f"{{{{#if:{w()}|{p()}|{p()}}}}}"
        if shape == 3:
            return f"{{{{{w()}<!-- {w()} -->|{p()}}}}}"
        return f"{{{{ {w()} }}}}{p()}{{{{{w()}:{w()}|{p()}}}}}"
    if cls == "link_comment":
        return r.choice([f"[[{w()}<!-- c -->|{p()}]]", f"[[{w()}<!--{w()}-->{w()}|{p()}]]",
                         f"[[{w()}<!-- c -->]]"]) + p()
    if cls == "basic":
        parts = [
            f"[[{w()}|{p()}]]", f"[http://x.org/{w()} {p()}]", f"<span title=\"{w()}\">{p()}</span>",
            f"<!-- {w()} -->", f"-{{{w()}}}-", f"-{{zh-hans:{w()};zh-hant:{w()};}}-", f"'''{p()}'''",
            f"{{{{cite web|url=http://x.org/{w()}|title={p()}|language=zh-hans}}}}",
            f"<ref name=\"{w()}\">{p()}</ref>", f"== {p()} ==\n", f"<nowiki>{w()}</nowiki>",
        ]
        return "".join(r.choice(parts) for _ in range(r.randint(2, 5)))
    if cls == "mixed":
        # Not "[[[x]]]" (mwparserfromhell reads it otherwise, see check_triple),
        # and no table inside a template (its "|" would split the parameters).
        wrap = r.randint(0, 3)
        kinds = [c for c in CLASSES[:-1] if c != "triple_link" and (wrap != 0 or c != "table_indent")]
        body = "".join(gen(r.choice(kinds), r, words) for _ in range(r.randint(2, 4)))
        if wrap == 0:
            return f"{{{{foo|x={body}}}}}"
        if wrap == 1:
            return f"<ref>{body}</ref>"
        if wrap == 2:
            return f"{p()}\n{body}\n{p()}"
        return body
    raise ValueError(cls)


CLASSES = ("file_param", "lang", "prose_param", "triple_link", "table_indent", "url_scheme",
           "url_through", "template_name", "link_comment", "basic", "mixed")


# -- the walk -----------------------------------------------------------------


class Walk:
    """Compare the parse trees of input and output; collect failures."""

    def __init__(self, convert):
        self.convert = convert
        self.fail: list[str] = []

    def same(self, what: str, a, b) -> None:
        if str(a) != str(b):
            self.fail.append(f"{what}: {str(a)!r} -> {str(b)!r}")

    def prose_text(self, a: str, b: str) -> None:
        pieces_a = RULE.split(a)
        if RULE.findall(a) != RULE.findall(b):
            self.fail.append(f"rule: {a!r} -> {b!r}")
            return
        pieces_b = RULE.split(b)
        for x, y in zip(pieces_a, pieces_b):
            if self.convert(x) != y:
                self.fail.append(f"prose: {x!r} -> {y!r} (want {self.convert(x)!r})")

    def code(self, a, b, prose: bool = True) -> None:
        na, nb = a.nodes, b.nodes
        if [type(n) for n in na] != [type(n) for n in nb]:
            self.fail.append(f"structure: {str(a)!r} -> {str(b)!r}")
            return
        url_run = False  # a free URL runs on through comments and templates
        for x, y in zip(na, nb):
            if url_run and isinstance(x, (N.Comment, N.Template)):
                self.same("url", x, y)
                continue
            if url_run and isinstance(x, N.Text):
                m = re.match(r"[^\s\[\]<>\"']*", str(x))
                self.same("url", m.group(0), str(y)[:m.end()])
                if prose:
                    self.prose_text(str(x)[m.end():], str(y)[m.end():])
                url_run = False
                continue
            url_run = False
            self.node(x, y, prose)
            if isinstance(x, N.ExternalLink) and not x.brackets:
                url_run = True

    def node(self, x, y, prose: bool) -> None:
        if isinstance(x, N.Text):
            if prose:
                self.prose_text(str(x), str(y))
            else:
                self.same("name", x, y)
        elif isinstance(x, (N.Comment, N.HTMLEntity)):
            self.same("comment", x, y)
        elif isinstance(x, N.Wikilink):
            self.same("link target", x.title, y.title)
            if x.text is None and y.text is not None:
                self.same("bare link label", self.convert(str(x.title)), y.text)
            elif (x.text is None) != (y.text is None):
                self.fail.append(f"link: {str(x)!r} -> {str(y)!r}")
            elif x.text is not None:
                meta = re.match(r"\s*:?\s*(?:category|分类|分類|[a-z]{2,3})\s*:", str(x.title), re.I)
                self.code(x.text, y.text, prose and not meta)
        elif isinstance(x, N.ExternalLink):
            self.same("url", x.url, y.url)
            if (x.title is None) != (y.title is None):
                self.fail.append(f"ext link: {str(x)!r} -> {str(y)!r}")
            elif x.title is not None:
                self.code(x.title, y.title, prose)
        elif isinstance(x, N.Tag):
            self.same("tag", x.tag, y.tag)
            if [str(t) for t in x.attributes] != [str(t) for t in y.attributes]:
                self.fail.append(f"attributes: {str(x)!r} -> {str(y)!r}")
            if x.contents is not None and y.contents is not None:
                self.code(x.contents, y.contents, prose and str(x.tag).lower() not in RAW_TAGS)
            elif (x.contents is None) != (y.contents is None):
                self.fail.append(f"tag: {str(x)!r} -> {str(y)!r}")
        elif isinstance(x, N.Heading):
            self.code(x.title, y.title, prose)
        elif isinstance(x, N.Argument):
            self.same("argument", x, y)
        elif isinstance(x, N.Template):
            self.template(x, y, prose)
        else:
            self.same(type(x).__name__, x, y)

    def template(self, x, y, prose: bool) -> None:
        self.same("template name", x.name, y.name)
        if len(x.params) != len(y.params):
            self.fail.append(f"template: {str(x)!r} -> {str(y)!r}")
            return
        name = str(x.name).strip().lower().replace("_", " ")
        positional = 0
        for px, py in zip(x.params, y.params):
            self.same("param name", px.name, py.name)
            key = str(px.name).strip().lower()
            if not px.showkey:
                positional += 1
            if prose and self.param_is_prose(name, key, px, positional, x):
                self.code(px.value, py.value, True)
            else:
                self.same(f"value of {name}|{key}", px.value, py.value)

    @staticmethod
    def param_is_prose(name: str, key: str, px, positional: int, tpl) -> bool:
        value = re.sub(r"<!--.*?-->", "", str(px.value)).strip()
        if key in FILE_PARAMS or key in ID_PARAMS or FILE_VALUE.fullmatch(value):
            return False
        if name in ("noteta",) or name.startswith("#"):
            return px.showkey is False and name.startswith("#if")
        if name == "lang":
            code = str(tpl.params[0].value).strip().lower() if tpl.params else ""
            return positional == 2 and code in CHINESE_LANG
        if name.startswith("lang-"):
            return px.showkey or name[5:] in CHINESE_LANG
        if name == "nihongo":
            return px.showkey or positional not in (2, 3)
        if name.startswith("link-"):
            return px.showkey or positional >= 3
        if ":" in name or "{" in name:
            return True
        return True


def check(text: str, target: str) -> list[str]:
    """Failures of converting ``text`` to ``target`` (empty: all well)."""
    conv = _converter(target)
    out = conv.convert(text, markup="wikitext")
    walk = Walk(conv.convert)
    if RULE.findall(text) != RULE.findall(out):
        walk.fail.append(f"rules: {RULE.findall(text)} -> {RULE.findall(out)}")
    a, b = mwp.parse(text), mwp.parse(out)
    if str(a) != text or str(b) != out:
        walk.fail.append("mwparserfromhell is not lossless here")
    walk.code(a, b)
    return walk.fail


def check_triple(text: str, target: str) -> list[str]:
    """``[[[x]]]`` is ``[`` + ``[[x]]`` + ``]`` to MediaWiki (the preprocessor
    pairs the innermost two brackets); mwparserfromhell reads it as text,
    so the target is checked directly: it never changes."""
    out = _converter(target).convert(text, markup="wikitext")
    fails = []
    for m in re.finditer(r"\[\[([^\[\]|]+)", text):
        if not re.search(r"\[\[" + re.escape(m.group(1)) + r"[|\]]", out):
            fails.append(f"triple link target: {text!r} -> {out!r}")
    return fails


def run(cls: str, target: str, seed: int) -> tuple[str, list[str]]:
    r = random.Random(f"{cls}-{target}-{seed}")
    text = gen(cls, r, words_for(target))
    fails = check_triple(text, target) if cls == "triple_link" else check(text, target)
    return text, fails


N_EXAMPLES = int(os.environ.get("ZHNORM_WIKI_ORACLE_N", "12"))


def test_words_change_under_every_target():
    for target in TARGETS:
        conv = _converter(target)
        assert all(conv.convert(w) != w for w in words_for(target)), target


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("cls", CLASSES)
def test_wikitext_against_mwparserfromhell(cls, target):
    bad = []
    for seed in range(N_EXAMPLES):
        text, fails = run(cls, target, seed)
        if fails:
            bad.append((text, fails[:3]))
    assert not bad, bad[:3]


def test_walk_catches_a_converted_name():
    """The oracle itself fails when a protected place is converted."""
    conv = _converter("zh-TW").convert
    walk = Walk(conv)
    walk.code(mwp.parse("{{软件|a=[[内存|x]]}}"), mwp.parse("{{軟體|a=[[記憶體|x]]}}"))
    assert any(f.startswith("template name") for f in walk.fail)
    assert any(f.startswith("link target") for f in walk.fail)
    walk = Walk(conv)
    walk.code(mwp.parse("[[a|，软件，]]"), mwp.parse("[[a|，软件，]]"))
    assert walk.fail and walk.fail[0].startswith("prose")


def measure(n: int = 40) -> dict[str, int]:
    """Failing examples per class (over all targets)."""
    counts: Counter[str] = Counter()
    for cls in CLASSES:
        counts[cls] = 0
        for target in TARGETS:
            for seed in range(n):
                _, fails = run(cls, target, seed)
                counts[cls] += bool(fails)
    return dict(counts)


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    print(f"failing examples of {n} per class and target ({len(TARGETS)} targets):")
    for k, v in measure(n).items():
        print(f"  {k:15} {v}")

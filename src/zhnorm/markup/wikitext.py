"""MediaWiki wikitext scanner (own code, not mwparserfromhell).

Why not mwparserfromhell: measured on the corpus rendered as wikitext
(``tests/test_markup_wikitext.py`` documents the comparison, numbers in
``tests/fixtures/markup/README.md``), it is lossless and robust, but (1) its
nodes carry no offsets, so every span needs a second walk summing
``len(str(node))``; (2) it does not know ``-{ }-``, which can wrap links and
templates, so rules would have to be re-found across node boundaries; (3)
it was several times slower than this scanner, and (4) it would add a
dependency.  This scanner does what conversion needs: it keeps every
character, protects names, targets and code, and hands prose regions on.
Constructs it cannot close, or that nest deeper than ``MAX_NESTING``, are
left as text; regions nested deeper than ``MAX_DEPTH`` are protected whole.
Both limits keep the work linear on pathological input.

What is protected: link targets (``[[Target|label]]`` keeps Target),
``File:``/``Category:`` names and image options, interwiki links, template
and parser-function names, parameter names and the values of identifier
parameters (``url=``, ``image=``…), tag attributes (``<ref name=…>``),
URLs, ``<nowiki>``, ``<pre>``, ``<code>``, ``<math>``,
``<syntaxhighlight>``, ``<score>`` and similar, comments, magic words,
table and list syntax, ``NoteTA`` templates.  A link without a label is a
``wikilink_bare`` token: it is converted like prose and the renderer writes
``[[Target|converted]]`` when the shown text would change.
"""

from __future__ import annotations

import re

from .inline_md import MAX_NESTING, RAW_TAGS, _raw_close, find_rule_end
from .tokens import Span

_S = tuple.__new__  # Span(...) without the NamedTuple constructor overhead

MAX_DEPTH = 40

_NEXT = re.compile(r"[<{\[\-'_&:\n]")
_BRACE_NEXT = re.compile(r"[{}<]|-\{")
_LINK_NEXT = re.compile(r"\[\[|\]\]|<|\{\{")
_SPLIT_NEXT = re.compile(r"\{\{|\[\[|-\{|[<\n|=!]")
_TAG = re.compile(
    r"""<(/?)([A-Za-z][A-Za-z0-9\-]*)((?:[ \t\n]++[^\s<>/=]++(?:[ \t\n]*+=[ \t\n]*+(?:"[^"<>]*+"|'[^'<>]*+'|[^\s<>"']++))?+)*+)[ \t\n]*+(/?)>"""
)
_JOIN_TAGS = frozenset(
    "abbr b bdi bdo big cite del dfn em font i ins mark q s small span strike strong sub sup u".split()
)
_WT_RAW = RAW_TAGS | {"gallery"}
_MAGIC = re.compile(r"__[A-Z]{2,30}__|__[\u4e00-\u9fff]{2,10}__")
_ENTITY = re.compile(r"&(?:\#[0-9]{1,7}|\#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_SCHEME = re.compile(r"(?:https?|ftps?|irc|ircs|mailto|news|gopher|sftp|git|svn|telnet)$", re.I)
_URL_BODY = re.compile(r"""[^\[\]<>"\x00-\x20\x7f\s{}|]*""")
_EXT_LINK = re.compile(r"""\[((?:https?|ftps?|irc|ircs|mailto|news|sftp|git|svn|telnet):(?://)?|//)[^\[\]<>"\x00-\x20\x7f\s]+""", re.I)
_HEADING = re.compile(r"(=+)(.+?)(=+)[ \t]*$")
_LIST = re.compile(r"[*#:;]+")
_HR = re.compile(r"-{4,}")
_REDIRECT = re.compile(r"#(?:REDIRECT|重定向)\b", re.I)
_CELL_ATTRS = re.compile(r"""[ \t]*(?:[\w:\-]+[ \t]*=[ \t]*(?:"[^"\n]*"|'[^'\n]*'|[^\s|'"]+)[ \t]*)+$""")
_NS_FILE = re.compile(r"[ \t]*:?[ \t]*(?:File|Image|Media|文件|檔案|档案|图像|圖像|媒体|媒體|图片|圖片)[ \t]*:", re.I)
_NS_CAT = re.compile(r"[ \t]*(?:Category|分类|分類)[ \t]*:", re.I)
_NS_COLON = re.compile(r"[ \t]*:")
_INTERWIKI = re.compile(
    r"[ \t]*(?:[a-z]{2,3}(?:-[a-z]{2,8}){0,2}|simple|commons|wikt|wiktionary|w|d|m|meta|mw|q|s|n|b|v|voy|species|wikidata)[ \t]*:(?![ \t]*:)"
)
_IMG_OPT = re.compile(
    r"[ \t]*(?:thumb|thumbnail|frame|framed|frameless|border|left|right|center|centre|none|upright"
    r"|baseline|middle|sub|super|text-top|text-bottom|top|bottom|\d*x?\d+[ \t]*px|(?:upright|link|page|class|lang)[ \t]*=.*"
    r"|缩略图|縮略圖|缩图|縮圖|略缩图|有框|框|无框|無框|边框|邊框|左|右|居中|无|無|上|下|中)[ \t]*$",
    re.I | re.S,
)
# Parameters whose values are names, codes or addresses, never prose.
PROTECTED_PARAMS = frozenset(
    "url archiveurl archive-url archivedate archive-date accessdate access-date date doi isbn issn pmid pmc"
    " oclc id website image image_name image_map imagename logo map flag file filename photo picture"
    " lang language script coordinates coord lat long latitude longitude format df mf type class style"
    " width height size align colspan rowspan bgcolor color ref name".split()
)
PROTECTED_TEMPLATES = frozenset(
    "notetA noteta ta 全文字词转换 全文字詞轉換 cite_doi lang-en".lower().split()
)


def scan_wikitext(src: str) -> list[Span]:
    """Spans tiling ``src``; never raises on any string."""
    out: list[Span] = []
    _Scanner(src, out).scan(0, len(src), 0, True)
    return out


class _Scanner:
    __slots__ = ("src", "out", "n", "tables")

    def __init__(self, src: str, out: list[Span]):
        self.src = src
        self.out = out
        self.n = len(src)
        self.tables = 0

    # -- matching helpers -------------------------------------------------

    def skip_opaque(self, p: int, b: int) -> int:
        """If a comment or raw tag starts at p, return its end, else p."""
        src = self.src
        if src.startswith("<!--", p):
            e = src.find("-->", p + 4, b)
            return b if e < 0 else e + 3
        m = _TAG.match(src, p, b)
        if m and not m.group(1) and not m.group(4) and m.group(2).lower() in _WT_RAW:
            c = _raw_close(m.group(2).lower()).search(src, m.end(), b)
            if c:
                return c.end()
        return p

    def match_braces(self, p: int, b: int) -> int:
        """End of the ``{{…}}``/``{{{…}}}`` starting at p, or -1."""
        src = self.src
        if src.find("}}", p, b) < 0:
            return -1
        depth = 0
        i = p
        search = _BRACE_NEXT.search
        while True:
            m = search(src, i, b)
            if m is None:
                return -1
            i = m.start()
            c = src[i]
            if c == "{":
                depth += 1
                if depth > 3 * MAX_NESTING:
                    return -1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    return i + 1 if src[i - 1] == "}" and i - 1 > p + 1 else -1
            elif c == "<":
                e = self.skip_opaque(i, b)
                if e > i:
                    i = e
                    continue
            else:  # "-{"
                e = find_rule_end(src, i, b)
                if e > 0:
                    i = e
                    continue
            i += 1

    def match_link(self, p: int, b: int) -> int:
        """End of the ``[[…]]`` starting at p, or -1."""
        src = self.src
        if src.find("]]", p, b) < 0:
            return -1
        depth = 0
        i = p
        search = _LINK_NEXT.search
        while True:
            m = search(src, i, b)
            if m is None:
                return -1
            i = m.start()
            c = src[i]
            if c == "[":
                depth += 1
                if depth > MAX_NESTING:
                    return -1
                i += 2
                continue
            if c == "]":
                depth -= 1
                i += 2
                if depth == 0:
                    return i
                continue
            if c == "<":
                e = self.skip_opaque(i, b)
            else:
                e = self.match_braces(i, b)
            i = e if e > i else i + 1

    def split_top(self, a: int, b: int, seps: tuple[str, ...], stop_nl: bool = False) -> tuple[list[int], int]:
        """Positions of top-level separators in src[a:b] (outside nested
        links, templates, rules, comments, raw tags); and where the region
        ends (b, or the first top-level newline if ``stop_nl``)."""
        src = self.src
        found: list[int] = []
        i = a
        search = _SPLIT_NEXT.search
        while True:
            m = search(src, i, b)
            if m is None:
                return found, b
            i = m.start()
            c = src[i]
            if c == "\n":
                if stop_nl:
                    return found, i
                i += 1
                continue
            e = i
            if c == "{":
                e = self.match_braces(i, b)
            elif c == "[":
                e = self.match_link(i, b)
            elif c == "-":
                e = find_rule_end(src, i, b)
            elif c == "<":
                e = self.skip_opaque(i, b)
            if e > i:
                i = e
                continue
            for sep in seps:
                if src.startswith(sep, i):
                    found.append(i)
                    i += len(sep) - 1
                    break
            i += 1

    # -- the scan ---------------------------------------------------------

    def scan(self, a: int, b: int, depth: int, top: bool = False) -> None:
        src, out = self.src, self.out
        if depth > MAX_DEPTH:
            if b > a:
                out.append(_S(Span, ("protected", a, b, False, True, None)))
            return
        pos = tstart = a
        at_line_start = a == 0 or src[a - 1] == "\n"
        while pos < b:
            if at_line_start:
                at_line_start = False
                e = self.line_start(pos, b, depth, tstart)
                if e > pos:
                    pos = tstart = e
                    if pos < b and src[pos - 1] == "\n":
                        at_line_start = True
                    continue
            m = _NEXT.search(src, pos, b)
            if m is None:
                break
            p = m.start()
            ch = src[p]
            if ch == "\n":
                pos = p + 1
                at_line_start = True
                continue  # the newline stays in the text run
            e = self.inline(p, b, depth, tstart)
            if e > p:
                pos = tstart = e
            else:
                pos = p + 1
        if b > tstart:
            out.append(_S(Span, ("text", tstart, b, True, False, None)))

    def flush(self, tstart: int, p: int) -> None:
        if p > tstart:
            self.out.append(_S(Span, ("text", tstart, p, True, False, None)))

    def inline(self, p: int, b: int, depth: int, tstart: int) -> int:
        """Handle a construct at p; return its end, or p if none (text)."""
        src, out = self.src, self.out
        ch = src[p]
        if ch == "<":
            if src.startswith("<!--", p):
                e = src.find("-->", p + 4, b)
                e = b if e < 0 else e + 3
                self.flush(tstart, p)
                out.append(_S(Span, ("comment", p, e, False, False, None)))
                return e
            m = _TAG.match(src, p, b)
            if not m:
                return p
            name = m.group(2).lower()
            self.flush(tstart, p)
            e = m.end()
            if not m.group(1) and not m.group(4) and name in _WT_RAW:
                c = _raw_close(name).search(src, e, b)
                if c:
                    if name == "gallery":
                        out.append(_S(Span, ("html_tag", p, e, False, True, None)))
                        self.gallery(e, c.start(), depth)
                        out.append(_S(Span, ("html_tag", c.start(), c.end(), False, True, None)))
                    else:
                        out.append(_S(Span, ("html_raw", p, c.end(), False, True, None)))
                    return c.end()
            out.append(_S(Span, ("html_tag", p, e, False, name not in _JOIN_TAGS, None)))
            return e
        if ch == "{":
            if not src.startswith("{{", p):
                return p
            e = self.match_braces(p, b)
            if e < 0:
                return p
            self.flush(tstart, p)
            self.template(p, e, depth)
            return e
        if ch == "[":
            if src.startswith("[[", p):
                e = self.match_link(p, b)
                if e < 0:
                    return p
                self.flush(tstart, p)
                if not self.wikilink(p, e, depth):
                    out.append(_S(Span, ("text", p, p + 2, True, False, None)))
                    self.scan(p + 2, e, depth + 1)
                return e
            m = _EXT_LINK.match(src, p, b)
            if not m:
                return p
            close = src.find("]", m.end(), b)
            nl = src.find("\n", m.end(), b)
            if close < 0 or 0 <= nl < close:
                return p
            self.flush(tstart, p)
            out.append(_S(Span, ("ext_link_open", p, p + 1, False, True, None)))
            out.append(_S(Span, ("url", p + 1, m.end(), False, True, None)))
            if close > m.end():
                self.scan(m.end(), close, depth + 1)
            out.append(_S(Span, ("ext_link_close", close, close + 1, False, True, None)))
            return close + 1
        if ch == "-":
            if not src.startswith("-{", p):
                return p
            e = find_rule_end(src, p, b)
            if e < 0:
                return p
            self.flush(tstart, p)
            out.append(_S(Span, ("conv_rule", p, e, False, True, src[p + 2:e - 2])))
            return e
        if ch == "'":
            e = p
            while e < b and src[e] == "'":
                e += 1
            if e - p < 2:
                return p
            self.flush(tstart, p)
            out.append(_S(Span, ("quote_markup", p, e, False, False, None)))
            return e
        if ch == "_":
            m = _MAGIC.match(src, p, b)
            if not m:
                return p
            self.flush(tstart, p)
            out.append(_S(Span, ("magic_word", p, m.end(), False, True, None)))
            return m.end()
        if ch == "&":
            m = _ENTITY.match(src, p, b)
            if not m:
                return p
            self.flush(tstart, p)
            out.append(_S(Span, ("entity", p, m.end(), False, True, None)))
            return m.end()
        if ch == ":":
            if not src.startswith("//", p + 1):
                return p
            s0 = max(tstart, p - 6)
            sm = _SCHEME.search(src, s0, p)
            if sm is None:
                return p
            u0 = sm.start()
            if u0 > 0 and src[u0 - 1].isascii() and src[u0 - 1].isalnum():
                return p
            e = _URL_BODY.match(src, p + 3, b).end()
            while e > p + 3 and src[e - 1] in ",;.:!?":
                e -= 1
            if e > p + 3 and src[e - 1] == ")" and "(" not in src[u0:e]:
                e -= 1
            if e <= p + 3:
                return p
            self.flush(tstart, u0)
            out.append(_S(Span, ("url", u0, e, False, True, None)))
            return e
        return p

    def line_start(self, p: int, b: int, depth: int, tstart: int) -> int:
        """Line-start syntax at p (headings, lists, tables); return end or p."""
        src, out = self.src, self.out
        c = src[p]
        eol = src.find("\n", p, b)
        eol = b if eol < 0 else eol
        nl_end = eol + 1 if eol < b else eol
        if c == "=":
            m = _HEADING.match(src, p, eol)
            if m and m.end() == eol and len(m.group(0).strip()) > 2 * min(len(m.group(1)), len(m.group(3))):
                self.flush(tstart, p)
                out.append(_S(Span, ("heading_marker", p, m.end(1), False, True, None)))
                if m.end(2) > m.start(2):
                    self.scan(m.start(2), m.end(2), depth + 1)
                out.append(_S(Span, ("heading_marker", m.start(3), nl_end, False, True, None)))
                return nl_end
            return p
        if c in "*#:;":
            m = _REDIRECT.match(src, p, eol)
            e = m.end() if m else _LIST.match(src, p, eol).end()
            self.flush(tstart, p)
            out.append(_S(Span, ("redirect" if m else "list_marker", p, e, False, True, None)))
            return e
        if c == "-":
            m = _HR.match(src, p, eol)
            if not m:
                return p
            self.flush(tstart, p)
            out.append(_S(Span, ("hr", p, m.end(), False, True, None)))
            return m.end()
        if c == "{" and src.startswith("{|", p):
            self.flush(tstart, p)
            out.append(_S(Span, ("table_markup", p, nl_end, False, True, None)))
            self.tables += 1
            return nl_end
        if self.tables and c in "|!":
            self.flush(tstart, p)
            if src.startswith(("|}", "|-"), p):
                if src.startswith("|}", p):
                    self.tables -= 1
                out.append(_S(Span, ("table_markup", p, nl_end, False, True, None)))
                return nl_end
            if src.startswith("|+", p):
                out.append(_S(Span, ("table_markup", p, p + 2, False, True, None)))
                return self.cell(p + 2, b, depth)
            sep = ("||", "!!") if c == "!" else ("||",)
            out.append(_S(Span, ("table_markup", p, p + 1, False, True, None)))
            return self.cell(p + 1, b, depth, sep)
        return p

    def cell(self, a: int, b: int, depth: int, seps: tuple[str, ...] = ("||",)) -> int:
        """Table cells from a to the logical end of the line."""
        src, out = self.src, self.out
        found, end = self.split_top(a, b, seps, stop_nl=True)
        starts = [a] + [f + 2 for f in found]
        ends = found + [end]
        for k, (cs, ce) in enumerate(zip(starts, ends)):
            if k:
                out.append(_S(Span, ("table_markup", cs - 2, cs, False, True, None)))
            bars, _ = self.split_top(cs, ce, ("|",))
            bars = [x for x in bars if not src.startswith("||", x) and (x == cs or src[x - 1] != "|")]
            if bars and _CELL_ATTRS.match(src, cs, bars[0]) or (bars and bars[0] == cs):
                out.append(_S(Span, ("table_attrs", cs, bars[0] + 1, False, True, None)))
                cs = bars[0] + 1
            if ce > cs:
                self.scan(cs, ce, depth + 1)
        return end

    def template(self, p: int, e: int, depth: int) -> None:
        src, out = self.src, self.out
        k = 3 if src.startswith("{{{", p) and src.startswith("}}}", e - 3) else 2
        inner_a, inner_b = p + k, e - k
        bars, _ = self.split_top(inner_a, inner_b, ("|",))
        name_end = bars[0] if bars else inner_b
        name = src[inner_a:name_end].strip().lower().replace("_", " ")
        if k == 2 and (name in PROTECTED_TEMPLATES or name.startswith("notetag") or name == "noteta"):
            rules = []
            title = None
            if name == "noteta":  # numbered parameters are -{H|…}- rules, T= is -{T|…}-
                for s0, t0 in zip([x + 1 for x in bars], bars[1:] + [inner_b]):
                    key, eq, value = src[s0:t0].partition("=")
                    if eq and key.strip().isdigit() and value.strip():
                        rules.append(value.strip())
                    elif eq and key.strip() == "T" and value.strip():
                        title = value.strip()
            out.append(_S(Span, ("template", p, e, False, True,
                                 {"name": name, "page_rules": rules, "title_rule": title})))
            return
        out.append(_S(Span, ("template_open", p, inner_a, False, True, None)))
        if name_end > inner_a:
            out.append(_S(Span, ("template_name", inner_a, name_end, False, True, None)))
        starts = [b0 + 1 for b0 in bars]
        ends = bars[1:] + [inner_b]
        for s, t in zip(starts, ends):
            out.append(_S(Span, ("template_pipe", s - 1, s, False, True, None)))
            if t <= s:
                continue
            if k == 3:
                self.scan(s, t, depth + 1)
                continue
            eq, _ = self.split_top(s, t, ("=",))
            if eq:
                pname = src[s:eq[0]].strip().lower()
                out.append(_S(Span, ("template_param_name", s, eq[0] + 1, False, True, None)))
                s = eq[0] + 1
                if pname in PROTECTED_PARAMS:
                    if t > s:
                        out.append(_S(Span, ("template_value", s, t, False, True, None)))
                    continue
            if t > s:
                self.scan(s, t, depth + 1)
        out.append(_S(Span, ("template_close", inner_b, e, False, True, None)))

    def wikilink(self, p: int, e: int, depth: int) -> bool:
        """``[[…]]`` from p to e; False if the target is not a valid title."""
        src, out = self.src, self.out
        a, b = p + 2, e - 2
        bars, _ = self.split_top(a, b, ("|",))
        t_end = bars[0] if bars else b
        target = src[a:t_end]
        if not target.strip() or any(c in target for c in "[]{}<>\n"):
            return False
        if _NS_CAT.match(target) or (_INTERWIKI.match(target) and not _NS_FILE.match(target)
                                     and not _NS_COLON.match(target)):
            out.append(_S(Span, ("wikilink_meta", p, e, False, True, None)))
            return True
        out.append(_S(Span, ("link_open", p, a, False, False, None)))
        if _NS_FILE.match(target) and not _NS_COLON.match(target):
            out.append(_S(Span, ("link_target", a, t_end + (1 if bars else 0), False, True, None)))
            starts = [x + 1 for x in bars]
            ends = bars[1:] + [b]
            for k, (s, t) in enumerate(zip(starts, ends)):
                if k:
                    out.append(_S(Span, ("link_pipe", s - 1, s, False, True, None)))
                if t <= s:
                    continue
                if _IMG_OPT.match(src, s, t):
                    out.append(_S(Span, ("image_option", s, t, False, True, None)))
                    continue
                if src.startswith("alt=", s):
                    out.append(_S(Span, ("image_option", s, s + 4, False, True, None)))
                    s += 4
                if t > s:
                    self.scan(s, t, depth + 1)
            out.append(_S(Span, ("link_close", b, e, False, True, None)))
            return True
        if not bars:
            if _NS_COLON.match(target) or ":" in target or "#" in target:
                out.append(_S(Span, ("link_target", a, b, False, False, None)))
            else:
                out.append(_S(Span, ("wikilink_bare", a, b, True, False, None)))
            out.append(_S(Span, ("link_close", b, e, False, False, None)))
            return True
        out.append(_S(Span, ("link_target", a, t_end + 1, False, False, None)))
        if b > t_end + 1:
            self.scan(t_end + 1, b, depth + 1)
        out.append(_S(Span, ("link_close", b, e, False, False, None)))
        return True

    def gallery(self, a: int, b: int, depth: int) -> None:
        """``<gallery>`` lines: ``File:x.jpg|caption``; the name is protected."""
        src, out = self.src, self.out
        pos = a
        while pos < b:
            eol = src.find("\n", pos, b)
            eol = b if eol < 0 else eol
            bar = src.find("|", pos, eol)
            name_end = bar + 1 if bar >= 0 else eol
            if name_end > pos:
                out.append(_S(Span, ("gallery_file", pos, name_end, False, True, None)))
            if eol > name_end:
                self.scan(name_end, eol, depth + 1)
            if eol < b:
                out.append(_S(Span, ("newline", eol, eol + 1, False, True, None)))
            pos = eol + 1

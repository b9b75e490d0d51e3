"""MediaWiki wikitext scanner (own code, not mwparserfromhell).

Why not mwparserfromhell: its nodes carry no offsets, it does not know
``-{ }-`` (which can wrap links and templates), it was several times slower,
and it would add a dependency.  It is this scanner's test oracle instead
(``tests/test_markup_wikitext_oracle.py``).

The scan has two passes, both linear in the length of the text:

1. :func:`_pair` pairs brackets as MediaWiki's preprocessor does: one
   stack of ``{{``/``{{{``, ``[[`` and ``-{`` openings, where only the
   closer of the innermost open construct closes anything, runs of
   brackets pair from the inside (``[[[x]]]`` is ``[`` + ``[[x]]`` +
   ``]``; ``{{{{{x}}}}}`` is a template named ``{{{x}}}``), and what is
   still open at the end is plain text.  Comments and code tags are
   opaque; the content of an extension tag such as ``<ref>`` is paired on
   its own.  Not modelled: MediaWiki's heading entries (on a line starting
   with "=", a "}}" closes nothing until the line ends), and HTML code
   tags (``<code>``) are opaque here, though MediaWiki expands templates
   inside them.  Links the preprocessor left unpaired are read as
   MediaWiki's link pass reads them (``[[a|b{{c|d]]`` is a link).
2. :class:`_Scanner` cuts the text into spans, jumping over constructs
   with the pairs of pass 1 (a dictionary look-up), never searching ahead
   for a closer.  Regions nested deeper than ``MAX_DEPTH`` are protected
   whole.

What is protected: link targets (``[[Target|label]]`` keeps Target, even
with comments or templates in it), ``File:``/``Category:`` names and image
options, interwiki links, template and parser-function names, parameter
names and the values :mod:`.wiki_data` lists (file names, identifiers,
text marked as another language or script), tag attributes, URLs of every
protocol MediaWiki knows (running on through comments and templates, as
after MediaWiki's expansion), ``<nowiki>``, ``<pre>``, ``<code>``,
``<math>`` and similar, comments, magic words, table and list syntax,
``NoteTA`` templates.  A link without a label is a ``wikilink_bare``
token: it is converted like prose and the renderer writes
``[[Target|converted]]`` when the shown text would change.
"""

from __future__ import annotations

import gc
import re
from bisect import bisect_left

from .inline_md import _raw_close
from .tokens import Span
from .wiki_data import (
    CONVERTIBLE_LANG_CODES,
    FILE_PARAMS,
    FILE_VALUE,
    ID_PARAMS,
    LINK_XX_KEPT,
    NIHONGO_KEPT,
    PARSER_FUNCTIONS,
    PROSE_PARAMS_BY_PREFIX,
    RAW_EXT_TAGS,
    URL_PROTOCOLS,
    WHOLE_TEMPLATES,
    WIKITEXT_EXT_TAGS,
)

_S = tuple.__new__  # Span(...) without the NamedTuple constructor overhead

MAX_DEPTH = 40

# Where a construct may start, besides the paired ones (whose offsets pass 1
# knows): tags and comments, external links, "[[" that the preprocessor left
# unpaired (one not followed by another "[["), a protocol's ":", quotes,
# magic words, entities, line starts.  Stopping nowhere else keeps runs such
# as "[[[[…" or "::::" from costing a step per character.
_NEXT = re.compile(r"<(?=[!A-Za-z/])|\[(?=[A-Za-z/])|\[\[(?!\[\[)|(?<=[A-Za-z]):|''|__|&(?=[#A-Za-z])|\n")
_SPLIT_NEXT = re.compile(r"\{\{|\[\[|-\{|[<\n|=!]")
_LABEL_NEXT = re.compile(r"[\]\n<]|\{\{|\[\[|-\{")
_TAG = re.compile(
    r"""<(/?)([A-Za-z][A-Za-z0-9\-]*)((?:[ \t\n]++[^\s<>/=]++(?:[ \t\n]*+=[ \t\n]*+(?:"[^"<>]*+"|'[^'<>]*+'|[^\s<>"']++))?+)*+)[ \t\n]*+(/?)>"""
)
_JOIN_TAGS = frozenset(
    "abbr b bdi bdo big cite del dfn em font i ins mark q s small span strike strong sub sup u".split()
)
_RAW = frozenset(RAW_EXT_TAGS)
_EXT = frozenset(WIKITEXT_EXT_TAGS)
_MAGIC = re.compile(r"__[A-Z]{2,30}__|__[\u4e00-\u9fff]{2,10}__")
_ENTITY = re.compile(r"&(?:\#[0-9]{1,7}|\#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_SCHEMES = sorted({k.rstrip(":/") for k in URL_PROTOCOLS if k != "//"}, key=len, reverse=True)
_SLASHED = frozenset(k[:-3] for k in URL_PROTOCOLS if k.endswith("://"))
_SCHEME_BEFORE = re.compile(r"(?:%s)\Z" % "|".join(_SCHEMES), re.I)
_BRACKET_PROTOCOL = re.compile(
    r"(?:%s)" % "|".join(re.escape(k) for k in sorted(URL_PROTOCOLS, key=len, reverse=True)), re.I
)
# Characters of a URL (MediaWiki's EXT_LINK_URL_CLASS); "''" is markup.
_URL_CHARS = re.compile(r"""(?:[^\[\]<>"\x00-\x20\x7f\s\ufffd']|'(?!'))*""")
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
_COMMENTS = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
# Kept for callers that imported the old names.
PROTECTED_PARAMS = frozenset(ID_PARAMS) | frozenset(FILE_PARAMS)
PROTECTED_TEMPLATES = frozenset(WHOLE_TEMPLATES)


def scan_wikitext(src: str) -> list[Span]:
    """Spans tiling ``src``; never raises on any string."""
    out: list[Span] = []
    # The scan allocates one small object per construct and nothing cyclic;
    # the cyclic collector would walk them all again and again (a million
    # "-{" took 2.6 times as long as half a million).
    collecting = gc.isenabled()
    gc.disable()
    try:
        _Scanner(src, out).scan(0, len(src), 0)
    finally:
        if collecting:
            gc.enable()
    return out


# -- pass 1: pairs ------------------------------------------------------------


class _Closers:
    """Where closing tags ``</name>`` are, found once per name (so that
    thousands of unclosed ``<ref>`` cost one search, not one each)."""

    __slots__ = ("src", "found")

    def __init__(self, src: str):
        self.src = src
        self.found: dict[str, tuple[list[int], list[int]]] = {}

    def after(self, name: str, i: int, limit: int) -> tuple[int, int] | None:
        lists = self.found.get(name)
        if lists is None:
            starts, ends = [], []
            for m in _raw_close(name).finditer(self.src):
                starts.append(m.start())
                ends.append(m.end())
            lists = self.found[name] = (starts, ends)
        k = bisect_left(lists[0], i)
        if k < len(lists[0]) and lists[1][k] <= limit:
            return lists[0][k], lists[1][k]
        return None


class _Pairs:
    """Result of :func:`_pair`: for each opening offset, where it ends."""

    __slots__ = ("braces", "links", "rules", "opaque", "ext")

    def __init__(self) -> None:
        self.braces: dict[int, tuple[int, int]] = {}  # start -> (end, 2 or 3 braces)
        self.links: dict[int, int] = {}  # "[[" start -> end
        self.rules: dict[int, int] = {}  # "-{" start -> end
        self.opaque: dict[int, int] = {}  # comment or code tag start -> end
        self.ext: dict[int, tuple[str, int, int, int]] = {}  # start -> (name, tag end, close start, end)


def _pair(src: str) -> _Pairs:
    """Pair brackets the way MediaWiki's preprocessor does (see module doc)."""
    res = _Pairs()
    braces, links, rules, opaque = res.braces, res.links, res.rules, res.opaque
    n = len(src)
    closers = _Closers(src)
    # Stack entries: [opener, start, count, dash_before]; opener "{", "[",
    # "-{", or "ext" (a barrier: ["ext", end, 0, False]).  Only the closer
    # of the top entry is looked for, as in MediaWiki.
    stack: list[list] = []
    limits = [n]
    i = 0
    while True:
        limit = limits[-1]
        top: list = stack[-1] if stack else []
        m = _PAIR_SEARCH[top[0] if top else None](src, i, limit)
        if m is None:
            if len(limits) == 1:
                return res
            while stack[-1][0] != "ext":  # unclosed inside the tag: text
                stack.pop()
            i = stack.pop()[1]
            limits.pop()
            continue
        i = m.start()
        c = src[i]
        if c == "}":
            if top[0] == "-{":  # "}-"
                rules[top[1]] = i + 2
                stack.pop()
                i += 2
                continue
            # At most three closers pair at once: count no further, or a
            # run of n closers would cost n*n.
            match = 3 if top[2] >= 3 and src.startswith("}}}", i) and i + 3 <= limit else 2
            start = top[1] + top[2] - match
            braces[start] = (i + match, match)
            top[2] -= match
            if top[2] < 2:
                stack.pop()
                if top[2] == 1 and top[3]:  # "-{{…}}": the "-{" left over opens a rule
                    stack.append(["-{", top[1] - 1, 2, False])
            i += match
            continue
        if c == "]":
            links[top[1] + top[2] - 2] = i + 2
            top[2] -= 2
            if top[2] < 2:
                stack.pop()
            i += 2
            continue
        if c == "<":
            if src.startswith("<!--", i):
                e = src.find("-->", i + 4, limit)
                e = limit if e < 0 else e + 3
                opaque[i] = e
                i = e
                continue
            t = _TAG.match(src, i, limit)
            if t is None or t.group(1) or t.group(4):
                i += 1
                continue
            name = t.group(2).lower()
            if name in _RAW or name in _EXT:
                close = closers.after(name, t.end(), limit)
                if close is None:
                    i = t.end()
                elif name in _RAW:
                    opaque[i] = close[1]
                    i = close[1]
                else:
                    res.ext[i] = (name, t.end(), close[0], close[1])
                    stack.append(["ext", close[1], 0, False])
                    limits.append(close[0])
                    i = t.end()
                continue
            i += 1
            continue
        if c == "-":  # "-{"
            run = _match_end(_BRACE_RUN, src, i + 1, limit) - i - 1
            if run == 1:  # every "-{" of a run "-{-{-{…" opens a rule: push them at once
                e = _match_end(_RULE_RUN, src, i, limit)
                stack.extend([["-{", j, 2, False] for j in range(i, e, 2)])
                i = e
                continue
            # "-{{": the rightmost opening wins, "{{" with a "-" before it
            stack.append(["{", i + 1, run, True])
            i += 1 + run
            continue
        run = _match_end((_BRACE_RUN if c == "{" else _BRACKET_RUN), src, i, limit) - i
        stack.append([c, i, run, False])
        i += run


_BRACE_RUN = re.compile(r"\{*")
_RULE_RUN = re.compile(r"(?:-\{(?!\{))+")
_BRACKET_RUN = re.compile(r"\[*")
_OPENERS = r"<(?=[!A-Za-z])|-\{|\{\{|\[\["
# What pass 1 looks for, by the opener on top of its stack (closers first,
# as MediaWiki tries the top's closer before any opener).
_PAIR_SEARCH = {
    None: re.compile(_OPENERS).search,
    "ext": re.compile(_OPENERS).search,
    "{": re.compile(r"\}\}|" + _OPENERS).search,
    "[": re.compile(r"\]\]|" + _OPENERS).search,
    "-{": re.compile(r"\}-|" + _OPENERS).search,
}


def _match_end(rx: re.Pattern[str], src: str, i: int, limit: int) -> int:
    """End of ``rx`` matched at i (for patterns that match the empty string)."""
    m = rx.match(src, i, limit)
    return m.end() if m is not None else i


def _run(src: str, i: int, ch: str, most: int) -> int:
    """How many ``ch`` start at ``i`` (at most ``most``)."""
    k = 0
    while k < most and src[i + k] == ch:
        k += 1
    return k


# -- pass 2: spans ------------------------------------------------------------


class _Scanner:
    __slots__ = ("src", "out", "n", "tables", "pairs", "starts", "_label_cache", "_found")

    def __init__(self, src: str, out: list[Span]):
        self.src = src
        self.out = out
        self.n = len(src)
        self.tables = 0
        self.pairs = _pair(src)
        pairs = self.pairs
        self.starts = sorted([*pairs.braces, *pairs.links, *pairs.rules])
        self._label_cache = (0, 0, -1, -1)  # (from, to, bound, result)
        self._found: dict[str, tuple[int, int]] = {}

    # -- constructs by their opening offset -------------------------------

    def braces_end(self, p: int, b: int) -> int:
        e = self.pairs.braces.get(p)
        return e[0] if e is not None and e[0] <= b else -1

    def link_end(self, p: int, b: int) -> int:
        e = self.pairs.links.get(p, -1)
        return e if e <= b else -1

    def rule_end(self, p: int, b: int) -> int:
        e = self.pairs.rules.get(p, -1)
        return e if e <= b else -1

    def skip_opaque(self, p: int, b: int) -> int:
        """If a comment or code tag starts at p, return its end, else p."""
        e = self.pairs.opaque.get(p)
        if e is not None:
            return min(e, b)
        x = self.pairs.ext.get(p)
        if x is not None and x[3] <= b:
            return x[3]
        return p

    def skip_any(self, p: int, b: int) -> int:
        """End of the construct starting at p (pair, comment, tag), or p."""
        c = self.src[p]
        if c == "{":
            e = self.braces_end(p, b)
        elif c == "[":
            e = self.link_end(p, b)
        elif c == "-":
            e = self.rule_end(p, b)
        elif c == "<":
            e = self.skip_opaque(p, b)
            if e == p:
                m = _TAG.match(self.src, p, b)
                e = m.end() if m else p
        else:
            e = -1
        return e if e > p else p

    def split_top(self, a: int, b: int, seps: tuple[str, ...], stop_nl: bool = False) -> tuple[list[int], int]:
        """Positions of top-level separators in src[a:b] (outside nested
        links, templates, rules, comments, tags); and where the region
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
            e = self.skip_any(i, b)
            if e > i:
                i = e
                continue
            for sep in seps:
                if src.startswith(sep, i):
                    found.append(i)
                    i += len(sep) - 1
                    break
            i += 1

    def url_end(self, i: int, b: int) -> int:
        """End of URL characters from i, running on through comments and
        templates (which MediaWiki removes or expands before it finds links)."""
        src = self.src
        while True:
            i = _match_end(_URL_CHARS, src, i, b)
            if i >= b:
                return b
            if src.startswith("<!--", i):
                i = self.skip_opaque(i, b)
                continue
            if src.startswith("{{", i):
                e = self.braces_end(i, b)
                if e > i:
                    i = e
                    continue
            return i

    def label_end(self, q: int, b: int) -> int:
        """Offset of the ``]`` closing an external link whose label starts
        at q, skipping nested constructs; -1 if a newline or b comes first.
        The last answer is reused for later starts before where it stopped."""
        c_from, c_to, c_b, c_res = self._label_cache
        if c_b == b and c_from <= q < c_to:
            return c_res
        src = self.src
        i = q
        search = _LABEL_NEXT.search
        while True:
            m = search(src, i, b)
            if m is None:
                res, stop = -1, b
                break
            i = m.start()
            c = src[i]
            if c == "]":
                res, stop = i, i
                break
            if c == "\n":
                res, stop = -1, i
                break
            e = self.skip_any(i, b)
            i = e if e > i else i + 1
        self._label_cache = (q, stop, b, res)
        return res

    # -- the scan ---------------------------------------------------------

    def scan(self, a: int, b: int, depth: int) -> None:
        src, out = self.src, self.out
        if depth > MAX_DEPTH:
            if b > a:
                out.append(_S(Span, ("protected", a, b, False, True, None)))
            return
        pos = tstart = a
        at_line_start = a == 0 or src[a - 1] == "\n"
        search = _NEXT.search
        starts = self.starts
        nstarts = len(starts)
        stop = -1
        while pos < b:
            if at_line_start:
                at_line_start = False
                e = self.line_start(pos, b, depth, tstart)
                if e > pos:
                    pos = tstart = e
                    if pos < b and src[pos - 1] == "\n":
                        at_line_start = True
                    continue
            if stop < pos:  # the last stop found is still ahead otherwise
                m = search(src, pos, b)
                stop = m.start() if m is not None else b
            p = stop
            k = bisect_left(starts, pos)
            if k < nstarts and starts[k] < p:
                p = starts[k]
            if p >= b:
                break
            if src[p] == "\n":
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

    def emit(self, kind: str, a: int, b: int, brk: bool = True) -> None:
        if b > a:
            self.out.append(_S(Span, (kind, a, b, False, brk, None)))

    def inline(self, p: int, b: int, depth: int, tstart: int) -> int:
        """Handle a construct at p; return its end, or p if none (text)."""
        src, out = self.src, self.out
        ch = src[p]
        if ch == "<":
            if src.startswith("<!--", p):
                e = self.skip_opaque(p, b)
                if e <= p:  # a comment cut by the region's end
                    e = b
                self.flush(tstart, p)
                out.append(_S(Span, ("comment", p, e, False, False, None)))
                return e
            m = _TAG.match(src, p, b)
            if not m:
                return p
            name = m.group(2).lower()
            self.flush(tstart, p)
            e = m.end()
            raw = self.pairs.opaque.get(p)
            if raw is not None and raw <= b and not m.group(1):
                out.append(_S(Span, ("html_raw", p, raw, False, True, None)))
                return raw
            x = self.pairs.ext.get(p)
            if x is not None and x[3] <= b:
                _, tag_end, close_start, end = x
                out.append(_S(Span, ("html_tag", p, tag_end, False, True, None)))
                if name == "gallery":
                    self.gallery(tag_end, close_start, depth)
                elif close_start > tag_end:
                    self.scan(tag_end, close_start, depth + 1)
                out.append(_S(Span, ("html_tag", close_start, end, False, True, None)))
                return end
            out.append(_S(Span, ("html_tag", p, e, False, name not in _JOIN_TAGS, None)))
            return e
        if ch == "{":
            e = self.braces_end(p, b)
            if e < 0:
                return p
            self.flush(tstart, p)
            self.template(p, e, depth)
            return e
        if ch == "[":
            e = self.link_end(p, b)
            if e > 0:
                self.flush(tstart, p)
                if not self.wikilink(p, e, depth):
                    out.append(_S(Span, ("text", p, p + 2, True, False, None)))
                    self.scan(p + 2, e, depth + 1)
                return e
            e = self.unpaired_link(p, b)
            if e > 0:
                n = len(out)
                self.flush(tstart, p)
                if self.wikilink(p, e, depth):
                    return e
                del out[n:]
            return self.ext_link(p, b, depth, tstart)
        if ch == "-":
            e = self.rule_end(p, b)
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
            return self.free_url(p, b, tstart)
        return p

    def free_url(self, p: int, b: int, tstart: int) -> int:
        """A bare URL whose protocol ends with the ``:`` at p, or p."""
        src = self.src
        sm = _SCHEME_BEFORE.search(src, max(tstart, p - 9), p)
        if sm is None:
            return p
        u0 = sm.start()
        if u0 > 0 and (src[u0 - 1] == "_" or (src[u0 - 1].isascii() and src[u0 - 1].isalnum())):
            return p
        body = p + 1
        if sm.group(0).lower() in _SLASHED:
            if not src.startswith("//", body):
                return p
            body += 2
        e = self.url_end(body, b)
        while e > body and src[e - 1] in ",;.:!?":
            e -= 1
        if e > body and src[e - 1] == ")" and "(" not in src[u0:e]:
            e -= 1
        if e <= body:
            return p
        self.flush(tstart, u0)
        self.out.append(_S(Span, ("url", u0, e, False, True, None)))
        return e

    def ext_link(self, p: int, b: int, depth: int, tstart: int) -> int:
        """``[url label]`` at p (any protocol of $wgUrlProtocols), or p."""
        src, out = self.src, self.out
        m = _BRACKET_PROTOCOL.match(src, p + 1, b)
        if not m:
            return p
        u_end = self.url_end(m.end(), b)
        if u_end <= m.end():
            return p
        close = self.label_end(u_end, b)
        if close < 0:
            return p
        self.flush(tstart, p)
        out.append(_S(Span, ("ext_link_open", p, p + 1, False, True, None)))
        out.append(_S(Span, ("url", p + 1, u_end, False, True, None)))
        if close > u_end:
            self.scan(u_end, close, depth + 1)
        out.append(_S(Span, ("ext_link_close", close, close + 1, False, True, None)))
        return close + 1

    def line_start(self, p: int, b: int, depth: int, tstart: int) -> int:
        """Line-start syntax at p (headings, lists, tables); return end or p."""
        src, out = self.src, self.out
        c = src[p]
        eol = src.find("\n", p, b)
        eol = b if eol < 0 else eol
        nl_end = eol + 1 if eol < b else eol
        if c == "=":
            return self.heading(p, eol, nl_end, depth, tstart)
        if c in "*#:;":
            m = _REDIRECT.match(src, p, eol)
            e = m.end() if m else _match_end(_LIST, src, p, eol)
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
        # Table lines: MediaWiki trims each line before it looks for "{|", "|" and "!".
        q = p
        while q < eol and src[q] in " \t":
            q += 1
        if q >= eol:
            return p
        c = src[q]
        if c == "{" and src.startswith("{|", q):
            self.flush(tstart, p)
            out.append(_S(Span, ("table_markup", p, nl_end, False, True, None)))
            self.tables += 1
            return nl_end
        if self.tables and c in "|!":
            self.flush(tstart, p)
            if src.startswith("|}", q):  # what follows on the line is content
                self.tables -= 1
                out.append(_S(Span, ("table_markup", p, q + 2, False, True, None)))
                return q + 2
            if src.startswith("|-", q):
                out.append(_S(Span, ("table_markup", p, nl_end, False, True, None)))
                return nl_end
            if src.startswith("|+", q):
                out.append(_S(Span, ("table_markup", p, q + 2, False, True, None)))
                return self.cell(q + 2, b, depth)
            sep = ("||", "!!") if c == "!" else ("||",)
            out.append(_S(Span, ("table_markup", p, q + 1, False, True, None)))
            return self.cell(q + 1, b, depth, sep)
        return p

    def heading(self, p: int, eol: int, nl_end: int, depth: int, tstart: int) -> int:
        """``== title ==`` from p to eol (MediaWiki's count: the shorter run
        of "=", or (n-1)//2 for a line of "=" only); return end or p."""
        src, out = self.src, self.out
        end = eol
        while end > p and src[end - 1] in " \t":
            end -= 1
        left = _run(src, p, "=", end - p)
        if left == end - p:
            level = min(6, (left - 1) // 2)
        else:
            right = 0
            while src[end - 1 - right] == "=":
                right += 1
            level = min(6, left, right)
        if level < 1:
            return p
        self.flush(tstart, p)
        out.append(_S(Span, ("heading_marker", p, p + level, False, True, None)))
        if end - level > p + level:
            self.scan(p + level, end - level, depth + 1)
        out.append(_S(Span, ("heading_marker", max(end - level, p + level), nl_end, False, True, None)))
        return nl_end

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

    # -- templates ----------------------------------------------------------

    def template(self, p: int, e: int, depth: int) -> None:
        src, out = self.src, self.out
        k = self.pairs.braces[p][1]
        inner_a, inner_b = p + k, e - k
        bars, _ = self.split_top(inner_a, inner_b, ("|",))
        name_end = bars[0] if bars else inner_b
        name = _uncommented(src, inner_a, name_end).strip().lower().replace("_", " ")
        if k == 2 and name in WHOLE_TEMPLATES:
            rules = []
            title = None
            if name == "noteta":  # numbered parameters are -{H|…}- rules, T= is -{T|…}-
                for s0, t0 in zip([x + 1 for x in bars], bars[1:] + [inner_b]):
                    key, sep, value = src[s0:t0].partition("=")
                    if sep and key.strip().isdigit() and value.strip():
                        rules.append(value.strip())
                    elif sep and key.strip() == "T" and value.strip():
                        title = value.strip()
            out.append(_S(Span, ("template", p, e, False, True,
                                 {"name": name, "page_rules": rules, "title_rule": title})))
            return
        out.append(_S(Span, ("template_open", p, inner_a, False, True, None)))
        self.emit("template_name", inner_a, name_end)
        kept = _kept_positions(name, [src[s:t] for s, t in zip([x + 1 for x in bars], bars[1:] + [inner_b])]) \
            if name.startswith(_SPECIAL_TEMPLATES) else ()
        positional = 0
        for s, t in zip([x + 1 for x in bars], bars[1:] + [inner_b]):
            out.append(_S(Span, ("template_pipe", s - 1, s, False, True, None)))
            if t <= s:
                positional += 1
                continue
            if k == 3:
                self.scan(s, t, depth + 1)
                continue
            eq, _ = self.split_top(s, t, ("=",))
            keep = False
            if eq:
                pname = _uncommented(src, s, eq[0]).strip().lower()
                out.append(_S(Span, ("template_param_name", s, eq[0] + 1, False, True, None)))
                s = eq[0] + 1
                keep = _param_kept(name, pname) or kept == "*" or name.startswith("#tag:")
            else:
                positional += 1
                keep = kept == "*" or positional in kept
            if not keep and src.find(".", s, t) >= 0 and FILE_VALUE.fullmatch(_uncommented(src, s, t)):
                keep = True
            if keep:
                self.emit("template_value", s, t)
            elif t > s:
                self.scan(s, t, depth + 1)
        out.append(_S(Span, ("template_close", inner_b, e, False, True, None)))

    # -- links --------------------------------------------------------------

    def wikilink(self, p: int, e: int, depth: int) -> bool:
        """``[[…]]`` from p to e; False if the target is not a valid title."""
        src, out = self.src, self.out
        a, b = p + 2, e - 2
        bars, _ = self.split_top(a, b, ("|",))
        t_end = bars[0] if bars else b
        plain = self.target_plain(a, t_end)
        if plain is None:
            return False
        target = src[a:t_end]
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
            if not plain or _NS_COLON.match(target) or ":" in target or "#" in target:
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

    def unpaired_link(self, p: int, b: int) -> int:
        """End of ``[[title|label]]`` at p read as MediaWiki's link pass
        reads it after the preprocessor (the label runs to the first ``]]``
        and holds no ``[[``), for brackets the preprocessor left unpaired
        (``[[a|b{{c|d]]``); -1 if there is none.  Offsets of ``[[`` and
        ``]]`` are found once, so each call costs a binary search."""
        if not self.src.startswith("[[", p):
            return -1
        q = self.find_next("]]", p + 2)
        if q < 0 or q + 2 > b:
            return -1
        o = self.find_next("[[", p + 2)
        if 0 <= o < q:
            return -1
        return q + 2

    def find_next(self, token: str, i: int) -> int:
        """``src.find(token, i)``, remembering the last answer: the scan
        asks at increasing offsets, so all calls together read the text
        once (a run of "[[" would otherwise cost n*n)."""
        c_from, c_res = self._found.get(token, (-1, -1))
        if c_from <= i and (i <= c_res or (c_res < 0 and c_from >= 0)):
            return c_res
        res = self.src.find(token, i)
        self._found[token] = (i, res)
        return res

    def target_plain(self, a: int, b: int) -> bool | None:
        """None if src[a:b] cannot be a link target; else True if it is
        plain text, False if it holds comments or templates (which
        MediaWiki removes or expands before reading the title)."""
        src = self.src
        plain = True
        seen = False
        i = a
        while i < b:
            c = src[i]
            if c in "<{":
                e = self.skip_opaque(i, b) if c == "<" else self.braces_end(i, b)
                if e > i:
                    plain = False
                    i = e
                    continue
                return None
            if c in "[]>}\n":
                return None
            if not c.isspace():
                seen = True
            i += 1
        return plain if seen or not plain else None

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


_SPECIAL_TEMPLATES = ("#", "lang", "nihongo", "link-")


def _uncommented(src: str, a: int, b: int) -> str:
    """src[a:b] without its comments (which MediaWiki removes first)."""
    text = src[a:b]
    return _COMMENTS.sub("", text) if "<!--" in text else text


def _param_kept(template: str, param: str) -> bool:
    """Whether the value of the named parameter is a name, not prose."""
    if param in FILE_PARAMS:
        return True
    if param in ID_PARAMS:
        return not any(template.startswith(pre) and param == key for pre, key in PROSE_PARAMS_BY_PREFIX)
    return False


def _kept_positions(name: str, parts: list[str]):
    """Positional parameters (1-based) of template ``name`` that hold names
    or foreign text: a set, or ``"*"`` for all of them (see wiki_data)."""
    if name.startswith("#"):
        fn = name.split(":", 1)[0].strip()
        rule = PARSER_FUNCTIONS.get(fn, ((), ""))[0]
        if rule == "cases":  # #switch: every positional but the last is a case label
            count = sum(1 for x in parts if "=" not in x)
            return set(range(1, count))
        return rule
    if name == "lang":
        code = _COMMENTS.sub("", parts[0]).strip().lower() if parts else ""
        return {1} if code in CONVERTIBLE_LANG_CODES else {1, 2}
    if name.startswith("lang-"):
        return set() if name[5:].strip() in CONVERTIBLE_LANG_CODES else "*"
    if name == "nihongo":
        return set(NIHONGO_KEPT)
    if name.startswith("link-"):
        return set(LINK_XX_KEPT)
    return ()


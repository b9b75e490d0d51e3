"""Markdown inline scanner: one paragraph, heading or table cell at a time.

It does not build a tree.  Conversion never changes ASCII punctuation, so
the only decisions that matter are *which characters must not change*
(link targets, code, URLs, HTML, escapes) and *whether a protected span
splits the prose* (a code span does; ``**`` and a link target do not, so
``**阿塞拜**疆`` still converts as one word).  Where CommonMark is ambiguous
the scanner leans to protecting.  Every scan is a linear pass driven by one
compiled regex, with a bracket stack for links, as CommonMark's own
algorithm uses.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .tokens import Span

_S = tuple.__new__  # Span(...) without the NamedTuple constructor overhead

# Characters that may start a construct; the scanner jumps between them
# and decides in Python what, if anything, starts there.
_NEXT = re.compile(r"[\\`<!\[\]\-*_~&:w]")
_CITE = re.compile(r"\\\[[ \w.,\-]{1,16}\\\]")
_ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_TICKS = re.compile(r"`+")
_DELIM = re.compile(r"\*+|_+|~~+")
_ENTITY = re.compile(r"&(?:\#[0-9]{1,7}|\#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_SCHEME = re.compile(r"(?:https?|ftp)$", re.I)

# Link destination and optional title, CommonMark style, two levels of
# balanced parentheses, backslash escapes (``\(`` ``\)``) allowed anywhere.
# A bare destination ends at a space or an ASCII control character only:
# U+3000 and U+00A0 are part of it.
_DEST = re.compile(
    r"""\([ \t\n]*+
    (?:<(?:[^<>\n\\]|\\.)*+>
      |(?:[^\x00-\x20\x7f()\\]|\\.|\((?:[^\x00-\x20\x7f()\\]|\\.|\((?:[^\x00-\x20\x7f()\\]|\\.)*+\))*+\))*+)
    (?:[ \t\n]++(?:"(?:[^"\\]|\\.)*+"|'(?:[^'\\]|\\.)*+'|\((?:[^()\\]|\\.)*+\)))?+
    [ \t\n]*+\)""",
    re.X | re.S,
)
_TITLE_IN_DEST = re.compile(r"""[ \t\n](?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')[ \t\n]*\)$""", re.S)
_FOOTNOTE_REF = re.compile(r"\[\^[^\]\s]{1,999}\]")  # a label is at most 999 characters
_REF = re.compile(r"\[(?:[^\[\]\\]|\\.){0,999}\]", re.S)

_AUTOLINK = re.compile(
    r"<[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>]*>"
    r"|<[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*>"
)
_HTML = re.compile(
    r"""<(?:
      !--(?:-?>|.*?-->)
     |(?P<name>[A-Za-z][A-Za-z0-9\-]*)(?:[ \t\n]++[A-Za-z_:][A-Za-z0-9_.:\-]*+
          (?:[ \t\n]*+=[ \t\n]*+(?:[^\s"'=<>`]++|'[^']*+'|"[^"]*+"))?+)*+[ \t\n]*+/?>
     |/(?P<cname>[A-Za-z][A-Za-z0-9\-]*)[ \t\n]*+>
     |\?.*?\?>
     |![A-Za-z][^>]*+>
     |!\[CDATA\[.*?\]\]>
    )""",
    re.X | re.S,
)
# The tables below are also the C scanner's: scripts/gen_mdscan_tables.py
# writes them into src/zhnorm/_mdscan_tables.h, and a test checks that the
# header is what the script writes today.  Order matters only there.

# Tags whose content is code or otherwise not prose: protected up to the
# matching close tag.
RAW_TAG_NAMES = tuple(
    "code pre script style math kbd samp tt textarea syntaxhighlight source nowiki score "
    "chem ce graph timeline hiero templatedata templatestyles mapframe maplink".split()
)
RAW_TAGS = frozenset(RAW_TAG_NAMES)
# Inline tags a phrase may run through (rendered text stays continuous).
JOIN_TAG_NAMES = tuple(
    "a abbr b bdi bdo big cite del dfn em font i ins mark q s small span strike strong sub sup u".split()
)
_JOIN_TAGS = frozenset(JOIN_TAG_NAMES)
# A bare URL ends before a backtick: a code span right after it is code.
_URL_BODY = re.compile(r"[^\s<>`\u3000-\u303f\uff00-\uffef]*")
URL_TRAIL = "?!.,:*_~'\";"
# Labels naming a file or category page are names, not prose.
NS_LABEL_NAMES = (
    "File", "Image", "Media", "Category", "Template",
    "文件", "檔案", "档案", "图像", "圖像", "媒体", "媒體", "分类", "分類", "模板",
)
_NS_LABEL = re.compile("(?:" + "|".join(NS_LABEL_NAMES) + r")\s*:", re.I)


@lru_cache(maxsize=64)
def _closing_ticks(n: int) -> re.Pattern[str]:
    return re.compile(r"(?<!`)`{%d}(?!`)" % n)


@lru_cache(maxsize=64)
def _raw_close(name: str) -> re.Pattern[str]:
    return re.compile(r"</%s[ \t\n]*>" % re.escape(name), re.I)


def _is_punct(c: str) -> bool:
    return unicodedata.category(c)[0] in "PS"


def _flanking(src: str, a: int, b: int, p: int, q: int) -> tuple[bool, bool]:
    """CommonMark left/right-flanking test for the delimiter run src[p:q]."""
    before = src[p - 1] if p > a else " "
    after = src[q] if q < b else " "
    bs, as_ = before.isspace(), after.isspace()
    bp = (not bs) and _is_punct(before)
    ap = (not as_) and _is_punct(after)
    left = not as_ and (not ap or bs or bp)
    right = not bs and (not bp or as_ or ap)
    return left, right


MAX_NESTING = 40


def find_rule_end(src: str, p: int, b: int) -> int:
    """Given ``src[p:p+2] == '-{'``, return the index after the matching
    ``}-`` (nested rules allowed), or -1 if it is not closed before ``b``
    or nests deeper than ``MAX_NESTING`` (which bounds the work on
    pathological input such as thousands of unclosed ``-{``)."""
    depth = 0
    i = p
    find = src.find
    c = _next_closer(src, i, b)
    while c >= 0:
        o = find("-{", i, c + 1)
        if 0 <= o < c:
            depth += 1
            if depth > MAX_NESTING:
                return -1
            i = o + 2
        else:
            depth -= 1
            i = c + 2
            if depth == 0:
                return i
        if c < i:
            c = _next_closer(src, i, b)
    return -1


# (text, start, where the first "}-" at or after start is, or -1): the last
# search of _next_closer.  Scanners call find_rule_end at every "-{", in
# order; without it, n unclosed "-{" would each search to the end of the
# text.  One tuple, replaced whole, so a thread never sees half of another's.
_closer_memo: tuple[str, int, int] = ("", 0, -1)


def _next_closer(src: str, i: int, b: int) -> int:
    """``src.find("}-", i, b)``, answered from the last search when it can."""
    global _closer_memo
    text, start, at = _closer_memo
    if not (text is src and start <= i and (at < 0 or at >= i)):
        at = src.find("}-", i)
        _closer_memo = (src, i, at)
    return at if 0 <= at <= b - 2 else -1


def scan_inline(src: str, a: int, b: int, out: list[Span], rules: bool = True, html_block: bool = False) -> None:
    """Append spans covering ``src[a:b]`` to ``out``.

    ``html_block``: ``src[a:b]`` is an HTML block, which a browser reads,
    not a Markdown parser; there a tag that CommonMark's grammar rejects
    (``<my 信息>``, ``<div class="x`` over lines, ``</a href="">``) is still
    a tag, up to the next ``>``, and protected."""
    pos = a  # scan position
    tstart = a  # start of pending text
    stack: list[list] = []  # [span index, is_image, active]
    search = _NEXT.search
    append = out.append

    while pos < b:
        m = search(src, pos, b)
        if m is None:
            break
        p = m.start()
        ch = src[p]
        q = p + 1
        if ch == "!" and not (q < b and src[q] == "["):
            pos = q
        elif ch == "[" and (fe := _footnote_ref(src, p, b)) > 0:
            if p > tstart:
                append(_S(Span, ("text", tstart, p, True, False, None)))
            append(_S(Span, ("footnote_ref", p, fe, False, False, None)))
            pos = tstart = fe
        elif ch == "[" or ch == "!":
            if ch == "!":
                q += 1
            if p > tstart:
                append(_S(Span, ("text", tstart, p, True, False, None)))
            stack.append([len(out), ch == "!", True])
            append(_S(Span, ("text", p, q, True, False, None)))  # provisional
            pos = tstart = q
        elif ch == "\\":
            m2 = _CITE.match(src, p, b)
            if m2:
                if p > tstart:
                    append(_S(Span, ("text", tstart, p, True, False, None)))
                append(_S(Span, ("citation", p, m2.end(), False, False, None)))
                pos = tstart = m2.end()
            elif q < b and src[q] in _ASCII_PUNCT:
                if p > tstart:
                    append(_S(Span, ("text", tstart, p, True, False, None)))
                append(_S(Span, ("escape", p, q + 1, False, True, None)))
                pos = tstart = q + 1
            else:
                pos = q
        elif ch == "]":
            opener = stack.pop() if stack else None
            dm = _DEST.match(src, q, b) if q < b and src[q] == "(" else None
            if opener is not None and opener[2]:
                if dm is not None:
                    if p > tstart:
                        append(_S(Span, ("text", tstart, p, True, False, None)))
                    _make_link(src, out, opener, p, q, dm.end(), b)
                    if not opener[1]:
                        for o in stack:
                            o[2] = False
                    pos = tstart = dm.end()
                    continue
                rm = _REF.match(src, q, b) if q < b and src[q] == "[" else None
                if rm is not None:
                    if p > tstart:
                        append(_S(Span, ("text", tstart, p, True, False, None)))
                    idx = opener[0]
                    o = out[idx]
                    out[idx] = _S(Span, ("image_open" if opener[1] else "link_open", o.start, o.end, False, False, None))
                    _ref_label(out, p, q, rm.end())
                    pos = tstart = rm.end()
                    continue
                pos = q  # shortcut reference or literal: stays text
            elif dm is not None:
                # A stray "](dest)": protect the destination anyway.
                if p > tstart:
                    append(_S(Span, ("text", tstart, p, True, False, None)))
                append(_S(Span, ("link_target", p, dm.end(), False, False, None)))
                pos = tstart = dm.end()
            else:
                pos = q
        elif ch == "`":
            q = _TICKS.match(src, p, b).end()
            c = _closing_ticks(q - p).search(src, q, b)
            if c is None:
                pos = q  # literal backticks stay text
                continue
            if p > tstart:
                append(_S(Span, ("text", tstart, p, True, False, None)))
            append(_S(Span, ("code_inline", p, c.end(), False, True, None)))
            pos = tstart = c.end()
        elif ch == "<":
            m2 = _AUTOLINK.match(src, p, b)
            if m2:
                if p > tstart:
                    append(_S(Span, ("text", tstart, p, True, False, None)))
                append(_S(Span, ("autolink", p, m2.end(), False, True, None)))
                pos = tstart = m2.end()
                continue
            m2 = _HTML.match(src, p, b)
            if not m2 and html_block and _tag_start(src, q, b):
                gt = src.find(">", q, b)
                if gt >= 0:
                    if p > tstart:
                        append(_S(Span, ("text", tstart, p, True, False, None)))
                    append(_S(Span, ("html_tag", p, gt + 1, False, True, None)))
                    pos = tstart = gt + 1
                    continue
            if not m2:
                pos = q
                continue
            if p > tstart:
                append(_S(Span, ("text", tstart, p, True, False, None)))
            e = m2.end()
            name = m2.group("name")
            if name is not None:
                lname = name.lower()
                if lname in RAW_TAGS and not src.startswith("/>", e - 2):
                    c = _raw_close(lname).search(src, e, b)
                    if c is not None:
                        append(_S(Span, ("html_raw", p, c.end(), False, True, None)))
                        pos = tstart = c.end()
                        continue
                append(_S(Span, ("html_tag", p, e, False, lname not in _JOIN_TAGS, None)))
            elif m2.group("cname") is not None:
                append(_S(Span, ("html_tag", p, e, False, m2.group("cname").lower() not in _JOIN_TAGS, None)))
            elif src.startswith("<!--", p):
                append(_S(Span, ("html_comment", p, e, False, False, None)))
            else:
                append(_S(Span, ("html_other", p, e, False, True, None)))
            pos = tstart = e
        elif ch == "-":
            if not (rules and q < b and src[q] == "{"):
                pos = q
                continue
            e = find_rule_end(src, p, b)
            if e < 0:
                pos = q + 1
                continue
            if p > tstart:
                append(_S(Span, ("text", tstart, p, True, False, None)))
            append(_S(Span, ("conv_rule", p, e, False, True, src[p + 2:e - 2])))
            pos = tstart = e
        elif ch == ":" or ch == "w":
            if ch == ":":
                if not src.startswith("//", q) or q + 2 >= b:
                    pos = q
                    continue
                s0 = p - 5 if p - 5 > tstart else tstart
                sm = _SCHEME.search(src, s0, p)
                if sm is None:
                    pos = q
                    continue
                u0, ub = sm.start(), q + 2
            else:
                if not src.startswith("ww.", q) or q + 3 >= b:
                    pos = q
                    continue
                u0, ub = p, q + 3
            if u0 > a and (src[u0 - 1].isascii() and (src[u0 - 1].isalnum() or src[u0 - 1] in ".+-")):
                pos = q
                continue
            if src[ub].isspace() or src[ub] in "<>":
                pos = q
                continue
            e = _URL_BODY.match(src, ub, b).end()
            while e > ub and src[e - 1] in URL_TRAIL:
                e -= 1
            while e > ub and src[e - 1] == ")" and src.count("(", u0, e) < src.count(")", u0, e):
                e -= 1
            if u0 > tstart:
                append(_S(Span, ("text", tstart, u0, True, False, None)))
            append(_S(Span, ("url", u0, e, False, True, None)))
            pos = tstart = e
        elif ch == "&":
            m2 = _ENTITY.match(src, p, b)
            if m2 is None:
                pos = q
                continue
            if p > tstart:
                append(_S(Span, ("text", tstart, p, True, False, None)))
            append(_S(Span, ("entity", p, m2.end(), False, True, None)))
            pos = tstart = m2.end()
        else:  # * _ ~
            m2 = _DELIM.match(src, p, b)
            if m2 is None:
                pos = q
                continue
            q = m2.end()
            left, right = _flanking(src, a, b, p, q)
            if ch == "_":
                ok = (left and (not right or (p > a and _is_punct(src[p - 1])))) or (
                    right and (not left or (q < b and _is_punct(src[q])))
                )
            else:
                ok = left or right
            if ok:
                if p > tstart:
                    append(_S(Span, ("text", tstart, p, True, False, None)))
                append(_S(Span, ("emphasis", p, q, False, False, None)))
                tstart = q
            pos = q
    if b > tstart:
        append(_S(Span, ("text", tstart, b, True, False, None)))


def _tag_start(src: str, q: int, b: int) -> bool:
    """Whether a browser starts a tag at the ``<`` before ``q``: an ASCII
    letter follows, or ``/`` and one."""
    if q < b and src[q] == "/":
        q += 1
    return q < b and src[q].isascii() and src[q].isalpha()


def _footnote_ref(src: str, p: int, b: int) -> int:
    """The end of a footnote reference ``[^label]`` at ``p``, or -1.  Its
    label names a definition (``[^label]:``, protected by the block
    scanner), so it is protected too: converted, they would no longer
    match.  Followed by ``(``, ``[`` or ``:`` it may be a link or a
    definition instead, and is left to those rules."""
    m = _FOOTNOTE_REF.match(src, p, b)
    if m is None or (m.end() < b and src[m.end()] in "([:"):
        return -1
    return m.end()


def _ref_label(out: list[Span], p: int, q: int, e: int) -> None:
    """``][label]`` of a full reference link, ``src[p:e]``: the label is
    prose, converted on its own (the brackets break), as the label of the
    definition it names is (markdown._emit_link_def), so the two still
    match after conversion; ``][]`` stays markup."""
    if e - q <= 2:
        out.append(_S(Span, ("link_ref", p, e, False, True, None)))
        return
    out.append(_S(Span, ("link_ref", p, q + 1, False, True, None)))
    out.append(_S(Span, ("text", q + 1, e - 1, True, False, None)))
    out.append(_S(Span, ("link_ref", e - 1, e, False, True, None)))


def _label_cut(src: str, label_start: int, label_end: int, q: int, e: int) -> int:
    """Where the name part of a link label ends (-1: no name part).

    File and category names shown as labels (the corpus's ``"fig:…"``
    links, ``[File:x.jpg|caption](…)``) stay as they are up to the ``|``.
    ``src[q:e]`` is the destination.
    """
    if src.find("fig:", q, e) >= 0 and (tm := _TITLE_IN_DEST.search(src, q, e)) \
            and (tm.group(1) or tm.group(2) or "").startswith("fig:"):
        return label_end
    if src.find(":", label_start, label_end) >= 0 and _NS_LABEL.match(src, label_start, label_end):
        bar = src.find("|", label_start, label_end)
        return bar + 1 if bar >= 0 else label_end
    return -1


def _make_link(src: str, out: list[Span], opener: list, p: int, q: int, e: int, b: int) -> None:
    """Turn the provisional opener into link markup and protect the target
    (and the name part of the label, see :func:`_label_cut`)."""
    idx, is_image, _ = opener
    o = out[idx]
    out[idx] = _S(Span, ("image_open" if is_image else "link_open", o.start, o.end, False, False, None))
    cut = _label_cut(src, o.end, p, q, e)
    if cut > o.end:
        for i in range(idx + 1, len(out)):
            s = out[i]
            if s.start >= cut:
                break
            if s.conv:
                if s.end <= cut:
                    out[i] = _S(Span, ("link_label_name", s.start, s.end, False, False, None))
                else:
                    out[i] = _S(Span, ("link_label_name", s.start, cut, False, False, None))
                    out.insert(i + 1, _S(Span, ("text", cut, s.end, True, False, None)))
                    break
    out.append(_S(Span, ("link_target", p, e, False, False, None)))

"""HTML: convert what a reader sees, keep everything a browser or a script reads.

The scanner cuts an HTML document into the same ``Span`` tiles as the other
scanners, so the shared cut-back (:mod:`zhnorm.markup.render`) writes it.

Converted: text nodes, the human-readable attributes ``title``, ``alt``,
``placeholder``, ``aria-label``, and ``content`` of
``<meta name="description">``.

Kept byte for byte: tags, attribute names and every other attribute value
(``href``, ``src``, ``class``, ``id``, ``data-*``, …), comments, doctypes
and processing instructions, character references (``&amp;``), the content
of ``<script>``, ``<style>`` (and the other raw-text elements), of
``<code>``, ``<pre>``, ``<kbd>``, ``<samp>``, ``<var>``, and of any element
marked ``translate="no"`` or whose ``lang`` is not Chinese (``ja``, ``ko``,
``en``, …).  As in HTML, ``lang`` and ``translate`` are inherited and a
descendant may set them again (``<div lang="en"><span lang="zh">…``); code
stays code whatever its descendants say.

The scanner is tolerant in the way browsers are (an unknown end tag is
ignored, ``<p>`` closes an open ``<p>``) and linear: every character is
looked at a bounded number of times, and the open-element stack answers
"is X open?" from a counter instead of a search.
"""

from __future__ import annotations

import re

from .tokens import Span

__all__ = ["scan_html", "CONVERTED_ATTRIBUTES", "KEPT_ELEMENTS"]

_S = tuple.__new__  # Span(...) without the NamedTuple constructor overhead

CONVERTED_ATTRIBUTES = frozenset({"title", "alt", "placeholder", "aria-label"})
"""Attributes written for people; converted on any element not kept."""

KEPT_ELEMENTS = frozenset({"code", "pre", "kbd", "samp", "var", "script", "style"})
"""Elements whose whole content is kept, whatever their descendants say."""

# Content is raw text up to the matching end tag (no tags inside).
_RAW_TEXT = frozenset({"script", "style", "xmp", "iframe", "noembed", "noframes", "plaintext"})
# Content is text (converted) up to the matching end tag: no tags inside.
_RCDATA = frozenset({"title", "textarea"})
_VOID = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr", "keygen", "basefont", "bgsound", "frame",
})
# Inline elements a phrase may straddle (<b>阿塞拜</b>疆 converts like 阿塞拜疆).
_TRANSPARENT = frozenset({
    "a", "abbr", "b", "bdi", "bdo", "cite", "data", "dfn", "em", "font", "i", "mark", "q",
    "s", "small", "span", "strong", "sub", "sup", "time", "u", "wbr",
})
# Pure formatting, HTML's emphasis: a phrase may span these tags
# (``<b>头</b>发`` converts as 头发), as it spans Markdown's ``**``; every
# other tag is a hard boundary of the cut-back (zhnorm.markup.render).
_FORMATTING = frozenset({"b", "em", "i", "mark", "s", "small", "strong", "u"})
# A start tag of one of these closes an open element of the same name.
_SELF_CLOSING_SIBLINGS = frozenset({"p", "li", "dt", "dd", "tr", "td", "th", "option"})

_TAG_NAME = re.compile(r"[A-Za-z][^\t\n\f\r />]*")
_SPACE = re.compile(r"[\t\n\f\r /]*")
_ATTR_NAME = re.compile(r"[^\t\n\f\r />][^\t\n\f\r /=>]*")
_EQ = re.compile(r"[\t\n\f\r ]*=[\t\n\f\r ]*")
_UNQUOTED = re.compile(r"[^\t\n\f\r >]*")
_CHAR_REF = re.compile(r"&(?:#[0-9]+;?|#[xX][0-9A-Fa-f]+;?|[A-Za-z][A-Za-z0-9]*;?)")
_CHINESE_LANG = re.compile(r"(?:zh|cmn|yue|wuu|hak|nan|gan|hsn|cjy|lzh)(?:[-_]|$)", re.I)


def is_chinese_lang(value: str) -> bool:
    """True for a BCP 47 tag of a Chinese language (zh, zh-TW, cmn-Hans, yue, …)."""
    return _CHINESE_LANG.match(value.strip()) is not None


class _Tag:
    __slots__ = ("name", "end", "attrs", "closing", "self_closing", "complete")

    def __init__(self, name, end, attrs, closing, self_closing, complete=True):
        self.complete = complete  # ended by ">", not by the end of the text
        self.name = name
        self.end = end
        self.attrs = attrs  # [(lower name, value start, value end, quoted)]
        self.closing = closing
        self.self_closing = self_closing


def _parse_tag(src: str, p: int, n: int) -> _Tag | None:
    """The tag at ``src[p] == '<'`` (``<name`` or ``</name``), or None."""
    closing = src.startswith("</", p)
    q = p + 2 if closing else p + 1
    m = _TAG_NAME.match(src, q)
    if m is None:
        return None
    name = m.group().lower()
    i = m.end()
    attrs: list[tuple[str, int, int, bool]] = []
    self_closing = False
    while True:
        i = _SPACE.match(src, i).end()
        if i >= n:
            return _Tag(name, n, attrs, closing, False, False)
        if src[i] == ">":
            self_closing = src[i - 1] == "/" and i - 1 > m.end()
            return _Tag(name, i + 1, attrs, closing, self_closing)
        am = _ATTR_NAME.match(src, i)
        aname = am.group().lower()
        i = am.end()
        eq = _EQ.match(src, i)
        if eq is None:
            attrs.append((aname, i, i, False))
            continue
        i = eq.end()
        if i < n and src[i] in "\"'":
            close = src.find(src[i], i + 1)
            if close < 0:
                attrs.append((aname, i + 1, n, True))
                return _Tag(name, n, attrs, closing, False, False)
            attrs.append((aname, i + 1, close, True))
            i = close + 1
        else:
            vend = _UNQUOTED.match(src, i).end()
            attrs.append((aname, i, vend, False))
            i = vend


def _markup_end(src: str, p: int, n: int) -> int:
    """End of a comment, doctype, CDATA section or processing instruction at *p*."""
    if src.startswith("<!--", p):
        if src.startswith(">", p + 4):
            return p + 5
        if src.startswith("->", p + 4):
            return p + 6
        e = src.find("-->", p + 4)
        return n if e < 0 else e + 3
    if src.startswith("<![CDATA[", p):
        e = src.find("]]>", p + 9)
        return n if e < 0 else e + 3
    e = src.find(">", p + 2)
    return n if e < 0 else e + 1


class _Open:
    """The open elements, with what they say about their content."""

    __slots__ = ("stack", "count")

    def __init__(self) -> None:
        # (name, kept by code, lang says keep, translate="no")
        self.stack: list[tuple[str, bool, bool, bool]] = []
        self.count: dict[str, int] = {}

    def state(self) -> tuple[bool, bool, bool]:
        if self.stack:
            return self.stack[-1][1:]
        return False, False, False

    def push(self, entry: tuple[str, bool, bool, bool]) -> None:
        self.stack.append(entry)
        self.count[entry[0]] = self.count.get(entry[0], 0) + 1

    def pop_to(self, name: str) -> None:
        """Close *name* and everything opened inside it, if it is open."""
        if not self.count.get(name):
            return  # an end tag with no open element: ignored, as browsers do
        while True:
            top = self.stack.pop()[0]
            self.count[top] -= 1
            if top == name:
                return


def _text(src: str, a: int, b: int, kept: bool, out: list) -> None:
    """Text between tags: prose unless kept; character references apart."""
    if a >= b:
        return
    add = out.append
    if kept:
        add(_S(Span, ("html_kept", a, b, False, True, None)))
        return
    pos = a
    amp = src.find("&", a, b)
    while amp >= 0:
        m = _CHAR_REF.match(src, amp, b)
        if m is None:
            amp = src.find("&", amp + 1, b)
            continue
        if amp > pos:
            add(_S(Span, ("text", pos, amp, True, False, None)))
        add(_S(Span, ("html_ref", amp, m.end(), False, True, None)))
        pos = m.end()
        amp = src.find("&", pos, b)
    if b > pos:
        add(_S(Span, ("text", pos, b, True, False, None)))


def _emit_tag(src: str, p: int, tag: _Tag, kept: bool, out: list) -> None:
    """The tag as protected spans, with its readable attribute values
    converted (each on its own: the tag pieces around them break)."""
    values: list[tuple[int, int]] = []
    # A tag the text ends inside is no tag to a browser: kept whole.
    if not kept and not tag.closing and tag.complete:
        names = {a[0]: a for a in tag.attrs}
        for aname, va, vb, _q in tag.attrs:
            if vb > va and aname in CONVERTED_ATTRIBUTES:
                values.append((va, vb))
        if tag.name == "meta" and "content" in names and "name" in names:
            _, na, nb, _q = names["name"]
            if src[na:nb].strip().lower() == "description":
                _, ca, cb, _q = names["content"]
                if cb > ca:
                    values.append((ca, cb))
        values.sort()
    add = out.append
    if not values:
        brk = tag.name not in _TRANSPARENT
        kind = "emphasis" if tag.name in _FORMATTING and tag.complete else "html_tag"
        add(_S(Span, (kind, p, tag.end, False, brk, None)))
        return
    pos = p
    for va, vb in values:
        add(_S(Span, ("html_tag", pos, va, False, True, None)))
        add(_S(Span, ("html_attr", va, vb, True, False, None)))
        pos = vb
    add(_S(Span, ("html_tag", pos, tag.end, False, True, None)))


_RAW_END = {name: re.compile(r"</" + name + r"(?=[\t\n\f\r />]|$)", re.I)
            for name in _RAW_TEXT | _RCDATA}


def scan_html(src: str) -> list[Span]:
    """Spans tiling *src*, read as HTML (see the module's docstring)."""
    out: list[Span] = []
    n = len(src)
    pos = 0  # where to look for the next "<"
    tstart = 0  # start of the text not yet emitted
    opened = _Open()
    find = src.find
    while True:
        p = find("<", pos)
        if p < 0:
            break
        code, lang_keeps, no_translate = opened.state()
        nxt = src[p + 1:p + 2]
        third = src[p + 2:p + 3]
        if nxt in ("!", "?") or (nxt == "/" and third and not third.isalpha()):
            # Comment, doctype, CDATA, processing instruction, "</>" or a
            # bogus "</ …>": markup up to its end, kept.
            _text(src, tstart, p, code or lang_keeps or no_translate, out)
            e = _markup_end(src, p, n)
            out.append(_S(Span, ("html_comment", p, e, False, True, None)))
            pos = tstart = e
            continue
        tag = _parse_tag(src, p, n) if nxt.isalpha() or (nxt == "/" and third.isalpha()) else None
        if tag is None:  # "a < b", "<3", a final "<": text
            pos = p + 1
            continue
        _text(src, tstart, p, code or lang_keeps or no_translate, out)
        name = tag.name
        if tag.closing:
            _emit_tag(src, p, tag, True, out)
            opened.pop_to(name)
            pos = tstart = tag.end
            continue
        if name in _SELF_CLOSING_SIBLINGS and opened.stack and opened.stack[-1][0] == name:
            opened.pop_to(name)
            code, lang_keeps, no_translate = opened.state()
        # The element's own state decides its attributes and its content.
        values = {a[0]: src[a[1]:a[2]] for a in tag.attrs}
        if name in KEPT_ELEMENTS:
            code = True
        lang = values.get("lang", values.get("xml:lang"))
        if lang is not None:
            lang_keeps = not is_chinese_lang(lang)
        if "translate" in values:
            no_translate = values["translate"].strip().lower() == "no"
        kept = code or lang_keeps or no_translate
        _emit_tag(src, p, tag, kept, out)
        pos = tstart = tag.end
        if name in _RAW_END and not (tag.self_closing and name in _RCDATA):
            if name == "plaintext":
                end = n
            else:
                m = _RAW_END[name].search(src, pos)
                end = n if m is None else m.start()
            if name in _RAW_TEXT:
                if end > pos:
                    out.append(_S(Span, ("html_kept", pos, end, False, True, None)))
            else:
                _text(src, pos, end, kept, out)
            pos = tstart = end
            continue
        if name in _VOID or tag.self_closing:
            continue
        opened.push((name, code, lang_keeps, no_translate))
    code, lang_keeps, no_translate = opened.state()
    _text(src, tstart, n, code or lang_keeps or no_translate, out)
    return out

"""Markup-aware conversion: convert the prose, keep the markup byte-for-byte.

>>> [(t.type, t.text, t.convertible) for t in tokenize("**阿塞拜**疆", "markdown")]
[('emphasis', '**', False), ('text', '阿塞拜', True), ('emphasis', '**', False), ('text', '疆', True)]
>>> to_upper = lambda s: s.upper()
>>> convert_markup("[abc](http://x.org/abc \\"t\\") `abc`", "markdown", to_upper, None)
'[ABC](http://x.org/abc "t") `abc`'

Syntaxes read: ``"markdown"`` (CommonMark + GFM tables and autolinks, plus
the pandoc-from-MediaWiki idioms of the corpus) and ``"wikitext"``
(MediaWiki), both honouring MediaWiki's ``-{ }-`` conversion markup;
``"html"`` (text nodes and readable attributes; see
:mod:`zhnorm.markup.html`; ``-{ }-`` is text there); ``"rules"``, text
whose only markup is ``-{ }-`` (text extracted from Wikipedia); and
``"plain"``, text with no markup at all (``-{ }-`` is converted as text).
``"auto"`` asks :func:`sniff`, and reads text that is none of Markdown,
wikitext and HTML as ``"rules"``.

Guarantees, for every input string: nothing raises; the tokens tile the
input exactly (``"".join(t.text for t in tokens) == text``); converting
with the identity function returns the input; protected tokens come out
unchanged (except ``-{ }-`` rules, which ``manual_rules="resolve"``
replaces by what they display, and wikitext links without a label, which
gain one when conversion would change the shown text).
"""

from __future__ import annotations

import re
from typing import Callable

from ..variants import VARIANTS as _VARIANT_CODES
from ..variants import normalize_variant
from .manual_rules import resolve_rules
from .markdown_c import convert_markdown, render as render_c, scan_markdown
from .plain import scan_plain
from .render import AlignedConverter, ConversionResult, convert_spans, gather, plain_of
from .sniff import MARKUPS, sniff, sniff_scores
from .tokens import Span, Token, render, to_tokens

__all__ = [
    "MARKUPS",
    "AlignedConverter",
    "ConversionResult",
    "Token",
    "convert_markup",
    "convert_markup_result",
    "explain",
    "prose",
    "render",
    "sniff",
    "sniff_scores",
    "tokenize",
]

_CHOICES = (*MARKUPS, "rules", "auto")
_NO_CONTENT_CONVERT = re.compile(r"__(?:NOCONTENTCONVERT|NOCC)__", re.IGNORECASE)


def _resolve(text: str, markup: str, filename: str | None = None) -> tuple[str, bool]:
    if markup == "auto":
        kind = sniff(text, filename)
        return ("rules" if kind == "plain" else kind), True
    if markup == "rules":
        return markup, False
    if markup not in MARKUPS:
        raise ValueError(f"unknown markup {markup!r}: expected one of {', '.join(_CHOICES)}")
    return markup, False


def _scan(text: str, markup: str) -> list[Span]:
    if markup == "markdown":
        return scan_markdown(text)
    if markup == "wikitext":
        from .wikitext import scan_wikitext

        return scan_wikitext(text)
    if markup == "html":
        from .html import scan_html

        return scan_html(text)
    if markup == "rules":
        return scan_plain(text)
    return [Span("text", 0, len(text), True, False)] if text else []


def _check_text(text: object) -> None:
    if not isinstance(text, str):
        hint = " (decode bytes first, e.g. data.decode('utf-8'))" if isinstance(text, (bytes, bytearray)) else ""
        raise TypeError(f"text must be a str, not {type(text).__name__}{hint}")


def tokenize(text: str, markup: str = "markdown", *, filename: str | None = None) -> list[Token]:
    """Cut *text* into :class:`Token` objects with exact offsets.

    Shows why a span is or is not converted: ``convertible`` marks visible
    prose; every other token but emphasis is a hard boundary that no
    phrase crosses (see :mod:`zhnorm.markup.render`).  With
    ``markup="auto"`` the choice is made by :func:`sniff` (call it yourself
    to see it).  Adjacent text pieces are merged.
    """
    _check_text(text)
    kind, _ = _resolve(text, markup, filename)
    spans = _scan(text, kind)
    merged: list[Span] = []
    for s in spans:
        if merged and s.type == "text" and merged[-1].type == "text" and s.meta is None \
                and merged[-1].meta is None and s.conv == merged[-1].conv:
            last = merged[-1]
            merged[-1] = Span("text", last.start, s.end, last.conv, last.brk)
        else:
            merged.append(s)
    return to_tokens(text, merged)


def prose(text: str, markup: str = "markdown") -> str:
    """The text the converter sees: convertible pieces, a newline at each
    hard boundary."""
    _check_text(text)
    kind, _ = _resolve(text, markup)
    return "".join(gather(text, _scan(text, kind))[0])


def _prepare(text, markup, variant, manual_rules, filename):
    """Check the arguments; return the variant, the markup and whether it was sniffed."""
    _check_text(text)
    if manual_rules not in ("resolve", "keep"):
        raise ValueError(f"manual_rules must be 'resolve' or 'keep', not {manual_rules!r}")
    if variant is not None and variant not in _VARIANT_CODES:
        variant = normalize_variant(variant)
    return (variant, *_resolve(text, markup, filename))


def _scan_and_resolve(text, kind, convert, variant, manual_rules):
    """Scan and apply the ``-{ }-`` rules (arguments checked by :func:`_prepare`)."""
    spans = _scan(text, kind)
    nrules = replaced = 0
    if "-{" in text or (kind == "wikitext" and "noteta" in text.lower()):
        nrules = sum(1 for s in spans if s.type == "conv_rule" or (s.type == "template" and s.meta))
        if nrules:
            spans, replaced = resolve_rules(text, spans, variant, plain_of(convert), manual_rules == "keep")
    return spans, nrules, replaced


def _run(text, markup, convert, variant, manual_rules, filename):
    """Scan, apply rules, convert; return everything the callers need."""
    variant, kind, sniffed = _prepare(text, markup, variant, manual_rules, filename)
    spans, nrules, replaced = _scan_and_resolve(text, kind, convert, variant, manual_rules)
    converted, fallbacks = convert_spans(text, spans, convert)
    return kind, sniffed, spans, converted, nrules, replaced, fallbacks


def _output(text: str, s: Span, new: str | None) -> str | None:
    """What span ``s`` becomes (None: unchanged)."""
    if s.conv:
        if new is None:
            return None
        orig = text[s.start:s.end]
        if new == orig:
            return None
        if s.type == "wikilink_bare":
            return orig + "|" + new
        return new
    if s.type == "conv_rule":
        return None if s.meta["keep"] else s.meta["shown"]
    if s.type == "rule_phrase":
        return s.meta["shown"]
    return None


def _page_layer(convert, text: str) -> bool:
    """Whether page rules must go through the page layer (a converter that
    knows its dictionary, zhnorm.page_layer) rather than the C cut-back's
    own phrase matching."""
    return "-{" in text and getattr(convert, "specials", None) is not None


def _markdown_fast(text, markup, convert, variant, manual_rules):
    """The C path for the common call (Markdown named, arguments in canonical
    form), with none of :func:`_prepare`'s work; None for anything else."""
    if (
        markup == "markdown"
        and not _page_layer(convert, text)
        and manual_rules in ("resolve", "keep")
        and type(text) is str
        and (variant is None or variant in _VARIANT_CODES)
    ):
        return convert_markdown(text, convert, variant, manual_rules == "keep")
    return None


def convert_markup_result(
    text: str,
    markup: str,
    convert: Callable[[str], str] | AlignedConverter,
    variant: str | None = None,
    *,
    manual_rules: str = "resolve",
    filename: str | None = None,
) -> ConversionResult:
    """Convert the prose of *text*, keeping its markup; report what was done.

    *convert* is a plain-text converter (``Converter('zh-TW').convert``, an
    Engine's ``convert``) or an :class:`AlignedConverter`; its exact
    alignment puts each piece of prose back between the markup (see
    :mod:`zhnorm.markup.render` for hard and soft boundaries).  A callable
    without ``convert_aligned`` converts each piece on its own.
    *variant* is the MediaWiki variant code of the target (``zh-tw``,
    ``zh-hans``…) used by ``-{ }-`` rules; with ``None`` a rule shows its
    plain text, a table shows its first entry converted by *convert*, and
    page rules (``H``/``A``) are not applied.  *manual_rules* is
    ``"resolve"`` (write what each rule displays; right for Markdown and
    plain text, which nothing renders later) or ``"keep"`` (leave the
    ``-{ }-`` markup for MediaWiki to render; the default choice for
    wikitext callers).  Page rules apply in both modes.
    """
    fast = _markdown_fast(text, markup, convert, variant, manual_rules)
    if fast is not None:
        return ConversionResult(fast[0], "markdown", False, *fast[1:])
    variant, kind, sniffed = _prepare(text, markup, variant, manual_rules, filename)
    if kind == "rules" and "-{" in text:
        from .rule_text import PageState, resolve_text

        if manual_rules == "resolve":
            out = resolve_text(text, PageState(variant, convert))
            return ConversionResult(out, kind, sniffed, 1, text.count("-{"))
    if kind == "wikitext" and _NO_CONTENT_CONVERT.search(text):
        return ConversionResult(text, kind, sniffed)  # __NOCC__: MediaWiki converts nothing
    if kind == "markdown" and not _page_layer(convert, text):
        fast = convert_markdown(text, convert, variant, manual_rules == "keep")
        if fast is not None:
            return ConversionResult(fast[0], kind, sniffed, *fast[1:])
    spans, nrules, replaced = _scan_and_resolve(text, kind, convert, variant, manual_rules)
    fast_render = render_c(text, spans, convert)
    if fast_render is not None:
        return ConversionResult(fast_render[0], kind, sniffed, len(spans), nrules, replaced, fast_render[1])
    converted, fallbacks = convert_spans(text, spans, convert)
    parts: list[str] = []
    add = parts.append
    copied = 0  # text[copied:start] is still to be copied verbatim
    if nrules:
        get = converted.get
        todo = converted.keys() | {i for i, s in enumerate(spans) if s.type in ("conv_rule", "rule_phrase")}
        for i in sorted(todo):
            s = spans[i]
            new = _output(text, s, get(i))
            if new is not None:
                add(text[copied:s.start])
                add(new)
                copied = s.end
    else:
        # Only convertible spans changed: what _output does for them, inline.
        for i in sorted(converted):
            t, start, end = spans[i][:3]
            new = converted[i]
            if t == "wikilink_bare":
                new = _output(text, spans[i], new)
                if new is None:
                    continue
            elif text.startswith(new, start) and len(new) == end - start:
                continue
            add(text[copied:start])
            add(new)
            copied = end
    add(text[copied:])
    return ConversionResult("".join(parts), kind, sniffed, len(spans), nrules, replaced, fallbacks)


def explain(
    text: str,
    markup: str,
    convert: Callable[[str], str] | AlignedConverter,
    variant: str | None = None,
    *,
    manual_rules: str = "resolve",
    filename: str | None = None,
) -> list[tuple[Token, str]]:
    """Each token with what it became; joining the outputs gives the
    result of :func:`convert_markup`.  For debugging and for tests."""
    _kind, _s, spans, converted, *_ = _run(text, markup, convert, variant, manual_rules, filename)
    tokens = to_tokens(text, spans)
    return [
        (t, o if (o := _output(text, s, converted.get(i))) is not None else t.text)
        for i, (t, s) in enumerate(zip(tokens, spans))
    ]


def convert_markup(
    text: str,
    markup: str,
    convert: Callable[[str], str] | AlignedConverter,
    variant: str | None = None,
    *,
    manual_rules: str = "resolve",
    filename: str | None = None,
) -> str:
    """Like :func:`convert_markup_result`, returning only the text."""
    fast = _markdown_fast(text, markup, convert, variant, manual_rules)
    if fast is not None:
        return fast[0]
    return convert_markup_result(
        text, markup, convert, variant, manual_rules=manual_rules, filename=filename
    ).text

"""The Markdown scanner and the cut-back in C (``zhnorm._mdscan``), when built.

Same spans as :func:`zhnorm.markup.markdown.scan_markdown` and the same
output as the Python pipeline (``tests/test_markup_c.py`` holds them to
that on the corpus and on generated input).  Converting a Markdown page
creates no Python object per span, which is what brings markup-aware
conversion near plain conversion's speed: only its ``-{ }-`` rules are
parsed in Python (:func:`~zhnorm.markup.manual_rules.rule_plan`).
Wikitext is scanned and its rules resolved in Python, then cut back and
written in C (:func:`render`).  Without a C compiler, or with
``$ZHNORM_PURE_PYTHON`` set, the Python code does all the work.
"""

from __future__ import annotations

import os
from functools import lru_cache, partial
from typing import Callable

from .manual_rules import rule_plan
from .markdown import scan_markdown as _scan_python
from .render import Converter, aligned_of, plain_of
from .tokens import Span

try:
    from .. import _mdscan
except ImportError:  # built without a compiler
    _mdscan = None

if os.environ.get("ZHNORM_PURE_PYTHON"):
    _mdscan = None

__all__ = ["available", "scan_markdown", "convert_markdown", "text_converter", "render"]


def available() -> bool:
    """Whether the C scanner is in use."""
    return _mdscan is not None


def scan_markdown(src: str) -> list[Span]:
    """Spans tiling ``src`` (C when available)."""
    if _mdscan is not None:
        return _mdscan.scan(src, Span)
    return _scan_python(src)


class _Aligned:
    """A plain function of the text that carries its aligned conversion, the
    form in which the C cut-back takes a converter."""

    __slots__ = ("_plain", "convert_aligned")

    def __init__(self, plain: Callable[[str], str], aligned: Callable):
        self._plain = plain
        self.convert_aligned = aligned

    def __call__(self, text: str) -> str:
        return self._plain(text)


def for_c(convert: Converter) -> Callable[[str], str]:
    """`convert` as the C cut-back takes it: a callable (the plain
    conversion, for ``-{ }-`` rules and plain callables), with a
    ``convert_aligned`` or ``convert_aligned_packed`` attribute when the
    converter has one (see render.aligned_of). The C engine's convert has
    both already."""
    if callable(convert) and (
        hasattr(convert, "convert_aligned_packed") or hasattr(convert, "convert_aligned")
    ):
        return convert
    aligned = aligned_of(convert)
    plain = plain_of(convert)
    return plain if aligned is None else _Aligned(plain, aligned)


def convert_markdown(
    src: str, convert: Converter, variant: str | None, keep: bool
) -> tuple[str, int, int, int, int] | None:
    """``(text, tokens, rules, rule_phrases, fallbacks)`` of converting the
    prose of ``src``, or None without the C scanner."""
    if _mdscan is None:
        return None
    return _mdscan.convert(src, for_c(convert), rule_plan, variant, keep)


def text_converter(
    convert: Converter, variant: str | None, quiet: bytes | None = None
) -> Callable[[str], str] | None:
    """A function that converts the prose of a Markdown text with `convert`
    (``-{ }-`` rules resolved for `variant`, a canonical variant code or
    None) and returns the text: the shortest path from Python to the C
    scanner, for a converter called once per document.  None without it.

    `quiet`: the quiet table (:mod:`zhnorm.quiet`) of the chain `convert`
    applies; inline text that the chain cannot change is then not scanned
    for its prose, which leaves the output the same and saves most of the
    work on text already in the target's form."""
    if _mdscan is None:
        return None
    table = _quiet(quiet) if quiet is not None else None
    return partial(_mdscan.convert_text, for_c(convert), rule_plan, variant, False, table)


@lru_cache(maxsize=32)
def _quiet(table: bytes):
    """One C Quiet per table: making one checks all 65,536 entries (~0.2
    ms), and zhnorm.convert() makes a converter per call."""
    return _mdscan.Quiet(table)


def render(src: str, spans: list[Span], convert: Converter) -> tuple[str, int] | None:
    """``(text, fallbacks)``: the document with its prose converted and its
    rules written, for spans from any scanner after
    :func:`~zhnorm.markup.manual_rules.resolve_rules`; None without C."""
    if _mdscan is None:
        return None
    return _mdscan.render(src, spans, for_c(convert))

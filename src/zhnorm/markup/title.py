"""The displayed title of a page for a variant, as MediaWiki decides it.

MediaWiki converts a page's title after its body (``Parser::parse``): if the
page holds a title rule, ``-{T|zh-cn:…;zh-tw:…}-`` or
``{{NoteTA|T=zh-cn:…;zh-tw:…}}``, the rule's text for the variant is the
title; otherwise the title text is converted automatically with the tables
as the body left them, so the page's ``H``/``A`` rules (NoteTA's numbered
parameters) and the groups its NoteTA names apply to the title as well.
A title rule never changes the body: it shows nothing and adds no pairs
(see :func:`zhnorm.markup.manual_rules.page_state`).  zhnorm does not know
a page's title, so the caller passes it in.
"""

from __future__ import annotations

import re
from typing import Callable

from . import _resolve, _scan
from .manual_rules import page_state

_NO_TITLE_CONVERT = re.compile(r"__(?:NOTITLECONVERT|NOTC)__", re.IGNORECASE)
from .tokens import Span

__all__ = ["convert_title", "title_rule"]


def _spans(page: str, markup: str, filename: str | None) -> list[Span]:
    kind, _ = _resolve(page, markup, filename)
    if "-{" not in page and not (kind == "wikitext" and "noteta" in page.lower()):
        return []
    return _scan(page, kind)


def title_rule(page: str, markup: str, variant: str | None, *, filename: str | None = None) -> str | None:
    """The title *page*'s title rules set for *variant*, or ``None``."""
    from ..variants import normalize_variant

    if variant is None:
        return None
    return page_state(page, _spans(page, markup, filename), normalize_variant(variant))[1]


def convert_title(
    title: str,
    page: str,
    markup: str,
    convert: Callable[[str], str],
    variant: str | None,
    *,
    filename: str | None = None,
) -> str:
    """The title MediaWiki would show for *page* in *variant*.

    *convert* is the plain converter the page's body is converted with
    (for wikitext, the one with the groups its NoteTA names).  With
    ``variant=None`` (an OpenCC config target) it is ``convert(title)``.
    """
    if not isinstance(title, str) or not isinstance(page, str):
        raise TypeError("title and page must be str")
    if _resolve(page, markup, filename)[0] == "wikitext" and _NO_TITLE_CONVERT.search(page):
        return title  # __NOTITLECONVERT__/__NOTC__: MediaWiki leaves the title alone
    if variant is None:
        return convert(title)
    from ..page_layer import PageConverter
    from ..variants import normalize_variant

    table, shown = page_state(page, _spans(page, markup, filename), normalize_variant(variant))
    if shown is not None:
        return shown
    if not table:
        return convert(title)
    # The page's pairs join the dictionary's leftmost-longest match, as in the body.
    if not isinstance(convert, PageConverter):
        convert = PageConverter(convert)
    return convert.with_table(convert.table.updated(add=table.items()))(title)

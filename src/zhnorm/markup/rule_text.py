"""MediaWiki's ``-{ }-`` algorithm along a page: nesting, page tables, variant flags.

Re-implemented from the behaviour of ``LanguageConverter::recursiveConvertTopLevel``
and ``recursiveConvertRule`` (MediaWiki core):

* Text outside rules is converted with the page table as it stands there.
* A rule's body is read up to its ``}-``; a ``-{`` inside opens an inner rule,
  which is resolved first: its display text replaces it in the outer body,
  and its ``H``/``A``/``-`` pairs change the page table at once.  Rules nest
  at most :data:`MAX_DEPTH` deep; a deeper ``-{`` is kept as text.
* A rule that never closes keeps its ``-{`` and the rest of the text (inner
  rules resolved) is converted: ``-{ -{马}- `` shows ``-{ 馬 `` for zh-TW.
* ``-{zh-tw|text}-`` converts the text to the first of the reader's variant
  and its fallbacks that it names, with that variant's table *including the
  page's rules* (replayed for that variant); otherwise the text is shown.
  (With a plain converter function, which knows only its own target, the
  text is converted with it.)

Where MediaWiki shows its "error in conversion rule" message (no text for
the variant or its fallbacks), zhnorm shows the rule's markup as written,
so no text is lost and the reader sees what needs fixing.  HTML is not
looked at (MediaWiki runs this on HTML and skips tags; zhnorm's inputs are
plain text or markup whose scanners already set code and tags aside).
"""

from __future__ import annotations

import re
from typing import Callable

from ..page_layer import PageConverter, PageTable
from ..rules import parse_rule
from ..variants import fallback_chain

__all__ = ["MAX_DEPTH", "PageState", "resolve_text"]

#: LanguageConverter::$mMaxDepth.
MAX_DEPTH = 10

_TOKEN = re.compile(r"-\{|\}-")


class PageState:
    """The page table as a page is read, for one reader's variant.

    *converter* converts with the engine plus the page's fixed pairs
    (NoteTA groups); *other(v)* gives the same for another variant (for
    ``-{zh-tw|…}-``), or None where that is not available."""

    def __init__(
        self,
        variant: str | None,
        converter: Callable[[str], str],
        other: Callable[[str], PageConverter | None] | None = None,
    ):
        self.variant = variant
        if not isinstance(converter, PageConverter):
            converter = PageConverter(converter)
        self.converter = converter
        self.table: PageTable = converter.table
        self._current = converter
        self.other = other or converter.other
        self.history: list = []  # rules that acted on the table, in order

    def auto(self, text: str) -> str:
        """Automatic conversion of *text* with the table as it stands."""
        if not text:
            return text
        return self._current(text)

    @property
    def current(self) -> PageConverter:
        return self._current

    def apply(self, rule) -> bool:
        """Add or remove the pairs of an ``A``/``H``/``-`` rule; True if it acted."""
        if self.variant is None or not rule.is_table or rule.action == "none":
            return False
        self.table = _updated(self.table, rule, self.variant)
        self._current = self.converter.with_table(self.table)
        self.history.append(rule)
        return True

    def display(self, body: str) -> str | None:
        """What the rule with (already resolved) *body* shows; applies its
        page pairs.  None where MediaWiki shows an error."""
        rule = parse_rule(body)
        variant = self.variant
        if variant is None:
            if rule.variant_flags:
                return rule.body
            shown = rule.display("zh")
            if rule.is_table and "S" in rule.flags and shown:
                return self.auto(shown)
            return shown
        if rule.variant_flags:
            shown = self._variant_flag_text(rule)
        else:
            shown = rule.display_or_none(variant)
        self.apply(rule)
        return shown

    def _variant_flag_text(self, rule) -> str:
        for candidate in fallback_chain(self.variant):
            if candidate in rule.variant_flags:
                if candidate == self.variant:
                    return self.auto(rule.body)
                return self._convert_as(candidate, rule.body)
        return rule.body

    def _convert_as(self, variant: str, text: str) -> str:
        """*text* converted to another variant, with the page's rules for it."""
        base = self.other(variant) if self.other else None
        if base is None:
            # a plain callable knows only its own target: the nearest there is
            return self.auto(text)
        table = base.table
        for rule in self.history:
            table = _updated(table, rule, variant)
        return base.with_table(table)(text) if table else base(text)


def _updated(table: PageTable, rule, variant: str) -> PageTable:
    pairs = rule.pairs(variant)
    if rule.action == "add":
        return table.updated(add=pairs)
    return table.updated(remove=[a for a, _b in pairs])


def shown_or_markup(shown: str | None, body: str) -> str:
    """A rule's display, or its markup where MediaWiki shows an error."""
    return "-{" + body + "}-" if shown is None else shown


def read_rule(text: str, p: int, state: PageState, depth: int = 1) -> tuple[str, int, bool]:
    """Resolve the rule whose ``-{`` is at *p*: ``(shown, end, closed)``.

    Iterative over an explicit stack, so hostile nesting costs no Python
    recursion; each level scans forward only, so the work is linear (times
    :data:`MAX_DEPTH` for unclosed rules, each of which converts the rest)."""
    stack: list[list[str]] = [[]]
    depths = [depth]
    pos = p + 2
    n = len(text)
    search = _TOKEN.search
    while True:
        m = search(text, pos)
        if m is None:
            # unclosed: every open level keeps its -{ and converts its text
            stack[-1].append(text[pos:])
            while True:
                inner = "".join(stack.pop())
                depths.pop()
                shown = "-{" + state.auto(inner)
                if not stack:
                    return shown, n, False
                stack[-1].append(shown)
        stack[-1].append(text[pos:m.start()])
        pos = m.end()
        if m.group() == "-{":
            if depths[-1] >= MAX_DEPTH:
                stack[-1].append("-{")
                continue
            stack.append([])
            depths.append(depths[-1] + 1)
            continue
        body = "".join(stack.pop())
        depths.pop()
        shown = shown_or_markup(state.display(body), body)
        if not stack:
            return shown, pos, True
        stack[-1].append(shown)


def resolve_text(text: str, state: PageState) -> str:
    """*text* with its rules resolved and the rest converted, as MediaWiki
    shows it (``recursiveConvertTopLevel``)."""
    out: list[str] = []
    pos = 0
    find = text.find
    while True:
        p = find("-{", pos)
        if p < 0:
            out.append(state.auto(text[pos:]))
            return "".join(out)
        out.append(state.auto(text[pos:p]))
        shown, pos, _closed = read_rule(text, p, state)
        out.append(shown)

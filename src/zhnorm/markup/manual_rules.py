"""MediaWiki ``-{ }-`` semantics applied along a page.

Scanners only mark ``conv_rule`` spans; this pass decides what each one
shows and carries page rules forward.  As in MediaWiki's
``LanguageConverter::recursiveConvertTopLevel``, a rule with ``H`` or ``A``
adds its pairs from its position to the end of the page and ``-`` removes
them again; text before the rule is not affected.

The core converter is a fixed ``str -> str`` function, so page rules are
applied here as a pre-pass: each later occurrence of a rule's source
phrase becomes a protected ``rule_phrase`` span whose output is the rule's
target text, and the plain converter never sees it.  An engine that can
take extra pairs natively would instead receive the active pairs with each
prose chunk (longest match, rule pairs winning over dictionary pairs),
which would also let a rule phrase straddle inline markup; that is the one
thing the pre-pass cannot do.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

from ..rules import parse_rule
from .tokens import Span

_S = tuple.__new__  # Span(...) without the NamedTuple constructor overhead

__all__ = ["resolve_rules", "rule_plan", "page_state"]

NO_PHRASE_SPLIT = frozenset({"wikilink_bare"})


def _shown(rule, variant: str | None, convert: Callable[[str], str]) -> str:
    """The text a rule displays.

    With ``variant=None`` (an OpenCC config target, no MediaWiki variant):
    plain and ``R`` rules show their text; a table shows its first entry
    run through ``convert``, which is the converter's own idea of the
    target; page rules (``H``/``-``/``T``) show nothing.
    """
    if variant is None:
        shown = rule.display("zh")
        if rule.is_table and "S" in rule.flags and shown:
            return convert(shown)
        return shown
    return rule.display(variant, lambda text, _v: convert(text))


def _acts_on_page(rule, variant: str | None) -> bool:
    """Whether *rule* changes the page table (what :func:`_apply` acts on)."""
    return variant is not None and rule.is_table and rule.action != "none"


def _no_convert(text: str) -> str:  # pragma: no cover - never called (see _decided)
    raise AssertionError("_decided only precomputes what needs no converter")


@lru_cache(maxsize=4096)
def _decided(body: str, variant: str | None):
    """``(rule, needs_convert, shown, acts)`` of a rule body for `variant`:
    what it shows (None when that goes through the converter, see
    :func:`_shown`) and whether it acts on the page.  Cached like
    :func:`~zhnorm.rules.parse_rule`: pages and page series repeat rules."""
    rule = parse_rule(body)
    if variant is None:
        needs_convert = rule.is_table and "S" in rule.flags
    else:
        needs_convert = bool(rule.variant_flags)
    shown = None if needs_convert else _shown(rule, variant, _no_convert)
    return rule, needs_convert, shown, _acts_on_page(rule, variant)


def rule_plan(
    src: str,
    bounds: list[tuple[int, int]],
    variant: str | None,
    convert: Callable[[str], str],
    keep: bool,
) -> tuple[dict[int, str | None], dict[int, list[tuple[str, str]]]]:
    """What :func:`resolve_rules` decides, for callers that split the prose
    and write the document themselves (the C cut-back): for the rule at
    each ``src[start:end]``, by start, what it writes (``None``: the markup
    is kept), and after each rule that changes the page table, the whole
    table as ``(key, value)`` pairs, longest key first (the order in which
    :func:`resolve_rules`'s pattern tries them)."""
    table: dict[str, str] = {}
    shown: dict[int, str | None] = {}
    tables: dict[int, list[tuple[str, str]]] = {}
    seen: dict[str, tuple] = {}  # pages repeat their rules: decide each body once
    for start, end in bounds:
        body = src[start + 2:end - 2]
        decided = seen.get(body)
        if decided is None:
            rule, needs_convert, text, acts = _decided(body, variant)
            if keep:
                text = None
            elif needs_convert:
                text = _shown(rule, variant, convert)
            decided = seen[body] = (rule, text, acts)
        rule, shown[start], acts = decided
        if acts and _apply(table, [rule], variant):
            tables[start] = sorted(table.items(), key=lambda kv: len(kv[0]), reverse=True)
    return shown, tables


def resolve_rules(
    src: str,
    spans: list[Span],
    variant: str | None,
    convert: Callable[[str], str],
    keep: bool,
) -> tuple[list[Span], int]:
    """Return spans where rules carry their output and page rules are applied.

    A ``conv_rule`` span gets ``meta=(body, shown)``; with ``keep`` the
    renderer writes the original markup instead of ``shown``.  Returns the
    new spans and how many phrases page rules replaced.
    """
    table: dict[str, str] = {}
    pattern: re.Pattern[str] | None = None
    out: list[Span] = []
    replaced = 0
    for s in spans:
        if s.type == "conv_rule":
            body = s.meta if isinstance(s.meta, str) else src[s.start + 2:s.end - 2]
            rule = parse_rule(body)
            shown = _shown(rule, variant, convert)
            out.append(_S(Span, ("conv_rule", s.start, s.end, False, True, {"body": body, "shown": shown,
                                                                     "keep": keep})))
            rules = [rule]
        elif s.type == "template" and isinstance(s.meta, dict) and s.meta.get("page_rules"):
            out.append(s)  # NoteTA: each numbered parameter acts as -{H|…}-
            rules = _noteta_rules(s.meta)
        else:
            rules = None
        if rules is not None:
            if _apply(table, rules, variant):
                keys = sorted(table, key=len, reverse=True)
                pattern = re.compile("|".join(map(re.escape, keys))) if keys else None
            continue
        if pattern is None or not s.conv or s.type in NO_PHRASE_SPLIT:
            out.append(s)
            continue
        pos = s.start
        for m in pattern.finditer(src, s.start, s.end):
            if m.start() > pos:
                out.append(_S(Span, (s.type, pos, m.start(), True, s.brk, s.meta)))
            out.append(_S(Span, ("rule_phrase", m.start(), m.end(), False, True, {"shown": table[m.group()]})))
            pos = m.end()
            replaced += 1
        if pos < s.end:
            out.append(_S(Span, (s.type, pos, s.end, True, s.brk, s.meta)))
    return out, replaced


def _noteta_rules(meta: dict) -> list:
    """The rules of a NoteTA template: ``-{H|…}-`` for each numbered parameter."""
    return [parse_rule("H|" + body) for body in meta.get("page_rules") or ()]


def _apply(table: dict[str, str], rules, variant: str | None) -> bool:
    """Add (``A``/``H``) or remove (``-``) the pairs of *rules* for *variant*
    in the page table; True if any rule acted on it."""
    changed = False
    for rule in rules:
        if _acts_on_page(rule, variant):
            changed = True
            pairs = rule.pairs(variant)
            if rule.action == "add":
                table.update((a, b) for a, b in pairs if a)
            else:
                for a, _b in pairs:
                    table.pop(a, None)
    return changed


def page_state(src: str, spans: list[Span], variant: str | None) -> tuple[dict[str, str], str | None]:
    """The page rules in force at the end of the page, and its display title.

    This is what MediaWiki uses for the page title (``Parser::parse`` after
    ``LanguageConverter::convert`` of the body): a title rule, ``-{T|…}-`` or
    ``{{NoteTA|T=…}}`` (which the template expands to ``-{T|…}-``), sets the
    displayed title for each variant through ``ConverterRule::getTitle``;
    the last one on the page wins (``applyManualConv``).  A ``T`` rule on its
    own carries no ``+`` action, so it adds nothing to the conversion table
    and shows nothing in the body: the body is converted as if it were not
    there.  Without a title rule MediaWiki converts the title text with the
    tables as the page left them, its ``H``/``A`` rules (NoteTA's numbered
    parameters) and groups included, hence the table returned here.

    *spans* are scanner spans (before :func:`resolve_rules`).  Returns
    ``({}, None)`` when *variant* is ``None`` (an OpenCC config target:
    page and title rules do not apply), and ``None`` for the title when no
    rule sets one for the variant (or sets it empty, which MediaWiki treats
    as no title).
    """
    table: dict[str, str] = {}
    title: str | None = None
    if variant is None:
        return table, title
    for s in spans:
        if s.type == "conv_rule":
            meta = s.meta
            if isinstance(meta, dict):
                body = meta["body"]
            else:
                body = meta if isinstance(meta, str) else src[s.start + 2:s.end - 2]
            rules = [parse_rule(body)]
        elif s.type == "template" and isinstance(s.meta, dict) and s.meta.get("name") == "noteta":
            rules = []
            if s.meta.get("title_rule"):
                rules.append(parse_rule("T|" + s.meta["title_rule"]))
            rules += _noteta_rules(s.meta)
        else:
            continue
        for rule in rules:
            shown = rule.title(variant)
            if shown is not None:
                title = shown
        _apply(table, rules, variant)
    return table, title or None

"""MediaWiki ``-{ }-`` semantics applied along a page.

Scanners only mark ``conv_rule`` spans; this pass decides what each one
shows and carries page rules forward.  As in MediaWiki's
``LanguageConverter::recursiveConvertTopLevel``, a rule with ``H`` or ``A``
adds its pairs from its position to the end of the page and ``-`` removes
them again; text before the rule is not affected.

Rule bodies are resolved with MediaWiki's nesting (inner rules first, see
:mod:`~zhnorm.markup.rule_text`).  Page rules join the dictionary's
leftmost-longest match (:mod:`zhnorm.page_layer`): where, in the prose
after a rule, the page table decides a segment differently from the engine,
that segment becomes a protected ``rule_phrase`` span carrying its output,
and the converter never sees it.  A segment that would straddle inline
markup cannot be cut out that way and is left to the converter.
"""

from __future__ import annotations

from typing import Callable

from ..rules import parse_rule
from .rule_text import PageState, read_rule
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


def rule_plan(
    src: str,
    bounds: list[tuple[int, int]],
    variant: str | None,
    convert: Callable[[str], str],
    keep: bool,
) -> tuple[dict[int, str | None], dict[int, list[tuple[str, str]]]]:
    """What :func:`resolve_rules` decides, for callers that split the prose
    and write the document themselves (the C cut-back, used with a plain
    callable that exposes no dictionary): for the rule at each
    ``src[start:end]``, by start, what it writes (``None``: the markup is
    kept), and after each rule that changes the page table, the page's
    pairs as ``(key, value)``, longest key first.  Nested rules are
    resolved as MediaWiki does (:mod:`~zhnorm.markup.rule_text`)."""
    state = PageState(variant, convert)
    shown: dict[int, str | None] = {}
    tables: dict[int, list[tuple[str, str]]] = {}
    for start, end in bounds:
        before = state.table
        text, _end, _closed = read_rule(src[start:end], 0, state)
        shown[start] = None if keep else text
        if state.table is not before:
            pairs = state.table.overlay
            tables[start] = sorted(pairs.items(), key=lambda kv: len(kv[0]), reverse=True)
    return shown, tables


def _groups(spans: list[Span]):
    """Cut the span indexes into consecutive parts: an ``int`` for a rule or
    NoteTA template span, a ``list`` for a run of spans the cut-back joins
    into one piece of prose (no breaking span inside it; a breaking span
    ends the run it follows)."""
    run: list[int] = []
    for i, s in enumerate(spans):
        if s.type == "conv_rule" or (s.type == "template" and isinstance(s.meta, dict) and s.meta.get("page_rules")):
            if run:
                yield run
                run = []
            yield i
            continue
        run.append(i)
        if s.brk and not s.conv:
            yield run
            run = []
    if run:
        yield run


def resolve_rules(
    src: str,
    spans: list[Span],
    variant: str | None,
    convert: Callable[[str], str],
    keep: bool,
) -> tuple[list[Span], int]:
    """Return spans where rules carry their output and page rules are applied.

    A ``conv_rule`` span gets ``meta={"body", "shown", "keep"}``; with
    ``keep`` the renderer writes the original markup instead of ``shown``.
    Page rules (and removals) act from their position on: in each piece of
    prose after one, the segments where the page table decides differently
    from the engine (:meth:`~zhnorm.page_layer.PageConverter.specials`)
    become ``rule_phrase`` spans carrying their output; a segment that
    crosses inline markup cannot be cut out and is left to the converter.
    Returns the new spans and how many such segments there were.
    """
    state = PageState(variant, convert)
    base = state.table
    out: list[Span] = []
    replaced = 0
    for group in _groups(spans):
        if isinstance(group, int):
            s = spans[group]
            if s.type == "conv_rule":
                body = src[s.start + 2:s.end - 2]
                shown, _end, _closed = read_rule(src[s.start:s.end], 0, state)
                out.append(_S(Span, ("conv_rule", s.start, s.end, False, True,
                                     {"body": body, "shown": shown, "keep": keep})))
            else:
                out.append(s)  # NoteTA: each numbered parameter acts as -{H|…}-
                for rule in _noteta_rules(s.meta):
                    state.apply(rule)
            continue
        table = state.table
        first, last = group[0], group[-1]
        if table is base or not (table.overlay or table.removed):
            out.extend(spans[first:last + 1])
            continue
        members = [i for i in group if spans[i].conv]
        joined = "".join(src[spans[i].start:spans[i].end] for i in members)
        specials = state.current.specials(joined) if members else []
        if not specials:
            out.extend(spans[first:last + 1])
            continue
        # joined offset -> (span index) for each prose span of the run
        offsets = []
        at = 0
        for i in members:
            offsets.append((at, i))
            at += spans[i].end - spans[i].start
        cuts: dict[int, list[tuple[int, int, str]]] = {}
        k = 0
        for a, b, value in specials:
            while k + 1 < len(offsets) and offsets[k + 1][0] <= a:
                k += 1
            base_at, i = offsets[k]
            s = spans[i]
            if s.type in NO_PHRASE_SPLIT or b - base_at > s.end - s.start:
                continue  # crosses markup: left to the converter
            cuts.setdefault(i, []).append((s.start + a - base_at, s.start + b - base_at, value))
        for i in range(first, last + 1):
            s = spans[i]
            pieces = cuts.get(i)
            if not pieces:
                out.append(s)
                continue
            pos = s.start
            for a, b, value in pieces:
                if a > pos:
                    out.append(_S(Span, (s.type, pos, a, True, s.brk, s.meta)))
                out.append(_S(Span, ("rule_phrase", a, b, False, True, {"shown": value})))
                pos = b
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

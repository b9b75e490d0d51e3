"""The public Converter: one target, built once, reused and shared."""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING, Iterable

from . import batch
from .cache import load_compiled
from .engine import Engine
from .names import NameLayer, groups_named_by_noteta
from .shared import BuiltOnce
from .targets import NO_CONVERSION, Target, resolve
from .argtypes import Groups, Rules

if TYPE_CHECKING:
    from .markup.render import ConversionResult

_ENGINES = BuiltOnce(lambda config, layer: Engine(load_compiled(config, layer)))

#: "plain": text with no markup at all (``-{ }-`` is text, converted like
#: the rest); "rules": plain text whose only markup is MediaWiki's
#: ``-{ }-`` (text extracted from Wikipedia), rules resolved; "markdown",
#: "wikitext", "html": documents; "auto" picks markdown, wikitext or html,
#: or, for text with none of them, "rules".
MARKUPS = ("plain", "markdown", "wikitext", "html", "auto", "rules")


def engine_for(config: str, layer: NameLayer | None = None) -> Engine:
    """The process-wide Engine of an OpenCC config and name layer, built on first use."""
    return _ENGINES(config, layer)


def _segmenter(config: str, layer: NameLayer | None):
    from .page_layer import Segmenter

    def load():
        compiled = load_compiled(config, layer)
        return compiled.keys, compiled.normalization

    return Segmenter(loader=load)


# The engine's phrase keys, for page rules and NoteTA groups (page_layer):
# one per engine, built the first time a page needs it.
_SEGMENTERS = BuiltOnce(_segmenter)


class _NoConversion:
    """The engine of the ``zh`` target: text comes out as it went in."""

    name = NO_CONVERSION
    quiet = None
    accelerated = False

    @staticmethod
    def convert(text: str) -> str:
        return text

    @staticmethod
    def convert_aligned(text: str) -> tuple[str, list[int], list[int]]:
        bounds = list(range(len(text) + 1))
        return text, bounds, list(bounds)


# The batch separator of each chain (see zhnorm.batch), found on first use.
_SEPARATORS = BuiltOnce(lambda config, layer: batch.separator_for(load_compiled(config, layer)))


_NO_CONTENT_CONVERT = re.compile(r"__(?:NOCONTENTCONVERT|NOCC)__", re.IGNORECASE)


_MARKUP = None


def _markup():
    """zhnorm.markup, imported on first use: plain conversion never needs it,
    and importing it compiles the Python scanners' patterns."""
    global _MARKUP
    if _MARKUP is None:
        from . import markup

        _MARKUP = markup
    return _MARKUP


def _check_text(text: object) -> None:
    if isinstance(text, str):
        return
    if isinstance(text, (bytes, bytearray, memoryview)):
        raise TypeError(
            "zhnorm converts str, not bytes: decode first, e.g. data.decode('utf-8')"
        )
    raise TypeError(f"zhnorm converts str, not {type(text).__name__}")


class Converter:
    """Converts text to one target; cheap to create after the first of its chain.

    Dictionaries are compiled once per process and shared by every Converter
    of the same chain. Converting only reads them, so one Converter may be
    used from many threads; it pickles as its target name, so it travels to
    worker processes.
    """

    __slots__ = ("target", "groups", "default_groups", "rules", "_layer", "_engine", "_markdown")

    def __init__(self, target: str | Target, groups: Groups = (), *, default_groups: bool = True,
                 rules: Rules = ()) -> None:
        """`groups`: extra conversion groups (e.g. ["Movie"]) for a tag target;
        `default_groups=False` leaves out the default name groups; `rules`:
        rule files (paths) or zhnorm.user_rules.UserRule objects, above
        every group (see zhnorm.user_rules)."""
        self.target = resolve(target)
        if not self.target.converts:
            if groups or rules:
                raise ValueError("the zh target converts nothing: it takes no groups or rules")
            layer = None
            self._engine = _NoConversion
        else:
            layer = NameLayer.for_target(self.target.variant, groups, default_groups, rules)
            self._engine = engine_for(self.target.config, layer)
        self._layer = layer
        self.groups = layer.groups if layer else ()
        self.default_groups = bool(layer and layer.default_groups)
        self.rules = layer.rules if layer else ()
        self._markdown = None  # Markdown prose converter, made on first use

    def convert(self, text: str, markup: str = "plain") -> str:
        """Convert `text`; with `markup` other than "plain", only its prose.

        "plain" is text without any markup: ``-{ }-`` is converted like any
        other text.  "rules" resolves ``-{ }-`` in text that has no other
        markup (text extracted from Wikipedia); "auto" does that too when
        the text is neither Markdown nor wikitext."""
        _check_text(text)
        if markup == "plain":
            return self._engine.convert(text)
        if markup == "markdown" and ("-{" not in text or self.target.variant is None):
            return (self._markdown or self._markdown_converter())(text)
        return self.convert_markup(text, markup).text

    def convert_many(self, texts: Iterable[str], markup: str = "plain") -> list[str]:
        """``[self.convert(t, markup) for t in texts]``, faster on many short
        strings: plain text is converted in chunks joined by a separator
        the chain cannot match or write (see zhnorm.batch for why the split
        is exact). `texts`: any iterable of str (a list, a pandas Series, a
        generator); returns a list. With markup "rules", texts without
        ``-{`` are batched and the others converted one by one; other
        markups convert one by one."""
        if markup not in MARKUPS:
            raise ValueError(f"unknown markup {markup!r}: expected one of {', '.join(MARKUPS)}")
        if markup == "plain":
            return batch.convert_many(self._engine.convert, texts, self._batch_separator(), _check_text)
        if markup != "rules":
            return [self.convert(text, markup) for text in texts]
        items = list(texts)
        for item in items:
            _check_text(item)
        plain = [i for i, item in enumerate(items) if "-{" not in item]
        out = [item if "-{" not in item else self.convert(item, markup) for item in items]
        converted = batch.convert_many(self._engine.convert, [items[i] for i in plain], self._batch_separator(), _check_text)
        for i, text in zip(plain, converted):
            out[i] = text
        return out

    def _batch_separator(self) -> tuple[str, str] | None:
        if not self.target.converts:
            return ("\x00", "")  # the zh target writes its input back: any character splits it
        return _SEPARATORS(self.target.config, self._layer)

    def convert_aligned(self, text: str) -> tuple[str, list[int], list[int]]:
        """Plain conversion with the bounds of its units (see
        zhnorm.engine.Engine.convert_aligned); the markup cut-back uses it
        when given this converter's ``convert``."""
        _check_text(text)
        return self._engine.convert_aligned(text)

    def _markdown_converter(self):
        """What converts Markdown for this target: the C path when built."""
        markup, engine, variant = _markup(), self._engine.convert, self.target.variant
        self._markdown = markup.markdown_c.text_converter(engine, variant, self._engine.quiet) or (
            lambda text: markup.convert_markup(text, "markdown", engine, variant)
        )
        return self._markdown

    def convert_markup(self, text: str, markup: str = "auto", *, filename: str | None = None,
                       manual_rules: str | None = None) -> ConversionResult:
        """Markup-aware conversion with the details: which markup was used,
        the tokens, the `-{ }-` rules met. Returns a ConversionResult."""
        _check_text(text)
        from .markup import ConversionResult, convert_markup_result, sniff

        if markup not in MARKUPS:
            raise ValueError(f"unknown markup {markup!r}: expected one of {', '.join(MARKUPS)}")
        kind = sniff(text, filename) if markup == "auto" else markup
        sniffed = markup == "auto"
        if kind == "plain" and sniffed:
            kind = "rules"
        if kind == "plain":
            return ConversionResult(self._engine.convert(text), "plain", False, 1 if text else 0)
        if kind == "rules":
            from .markup.rule_text import PageState, resolve_text

            rules = text.count("-{")
            if not rules:
                return ConversionResult(self._engine.convert(text), "rules", sniffed, 1 if text else 0)
            state = PageState(self.target.variant, self._page_converter(text, kind))
            return ConversionResult(resolve_text(text, state), "rules", sniffed, 1, rules)
        if kind == "wikitext" and _NO_CONTENT_CONVERT.search(text):
            # __NOCONTENTCONVERT__/__NOCC__: MediaWiki converts nothing on the page.
            return ConversionResult(text, kind, sniffed)
        return convert_markup_result(
            text,
            kind,
            self._page_converter(text, kind),
            self.target.variant,
            # Wikitext output keeps -{ }- (MediaWiki renders it later);
            # elsewhere nothing would, so rules are resolved.
            manual_rules=manual_rules or ("keep" if kind == "wikitext" else "resolve"),
            filename=filename,
        )

    def _page_converter(self, text: str, kind: str):
        """The converter for a page: the engine, plus (wikitext) the groups
        its {{NoteTA|G1=…}} switches on, as a page layer over the engine
        (nothing is compiled; see zhnorm.page_layer)."""
        from .page_layer import PageConverter

        variant = self.target.variant
        aligned = getattr(self._engine, "convert_aligned", None)
        if variant is None or not self.target.converts:
            return PageConverter(self._engine.convert, aligned=aligned)
        table = None
        if kind == "wikitext":
            extra = tuple(g for g in groups_named_by_noteta(text) if g not in self.groups)
            if extra:
                table = _noteta_table(extra, variant, self._layer)
        converter = PageConverter(
            self._engine.convert, _SEGMENTERS(self.target.config, self._layer), table, aligned
        )
        converter.other = self._other_variant
        return converter

    def _other_variant(self, variant: str):
        """The page converter of another variant (for ``-{zh-tw|…}-``),
        with the same groups and rules."""
        from .targets import variant_target

        tag = variant_target(variant)
        if tag is None:
            return None
        other = Converter(tag, self.groups, default_groups=self.default_groups, rules=self.rules) \
            if tag != NO_CONVERSION else Converter(tag)
        return other._page_converter("", "plain")

    def convert_title(self, title: str, page: str = "", markup: str = "auto", *, filename: str | None = None) -> str:
        """The title MediaWiki shows for `page` (whose title is `title`) in
        this target's variant: the text of the page's title rule
        (`-{T|…}-` or `{{NoteTA|T=…}}`, the last one wins) if it has one,
        else `title` converted with the page's rules and NoteTA groups.
        Title rules never change the body (`convert` ignores them)."""
        _check_text(title)
        _check_text(page)
        from .markup import sniff
        from .markup.title import convert_title

        if markup not in MARKUPS:
            raise ValueError(f"unknown markup {markup!r}: expected one of {', '.join(MARKUPS)}")
        kind = sniff(page, filename) if markup == "auto" else markup
        return convert_title(title, page, kind, self._page_converter(page, kind), self.target.variant)

    def __reduce__(self):
        return (_rebuild, (self.target.name, self.groups, self.default_groups, self.rules))

    def __repr__(self) -> str:
        return f"Converter({self.target.name!r})"


def _rebuild(target: str, groups, default_groups: bool, rules=()) -> Converter:
    return Converter(target, groups, default_groups=default_groups, rules=rules)


#: How many spellings of targets (``"zh-TW"``, ``"zh-tw"``, a Target, ...)
#: ``convert`` remembers; a program uses a handful, so past this bound the
#: memo is simply emptied and refilled.
CONVERTER_CACHE_SIZE = 32

# spelling of a target -> the Converter of its resolved target; every
# spelling of one target shares one Converter (_BY_TARGET).
_CONVERTERS: dict = {}
_BY_TARGET: dict = {}
_CONVERTERS_LOCK = threading.Lock()


def _cached_converter(target) -> Converter:
    """The shared Converter of `target`, built on first use.

    Resolving first keeps the errors of ``Converter(target)`` (an unknown or
    unhashable target raises UnknownTargetError) and keys the Converters on
    the resolved target, so ``zh-tw`` and ``zh-TW`` share one."""
    resolved = resolve(target)
    with _CONVERTERS_LOCK:
        converter = _BY_TARGET.get(resolved)
        if converter is None:
            if len(_BY_TARGET) >= CONVERTER_CACHE_SIZE:
                _BY_TARGET.clear()
            converter = _BY_TARGET[resolved] = Converter(resolved)
        if len(_CONVERTERS) >= CONVERTER_CACHE_SIZE:
            _CONVERTERS.clear()
        _CONVERTERS[target] = converter
    return converter


def convert_many(texts: Iterable[str], target: str | Target, markup: str = "plain") -> list[str]:
    """``[convert(t, target, markup) for t in texts]``, batched (see
    Converter.convert_many)."""
    try:
        converter = _CONVERTERS[target]
    except (KeyError, TypeError):
        converter = _cached_converter(target)
    return converter.convert_many(texts, markup)


def convert(text: str, target: str | Target, markup: str = "plain") -> str:
    """Convert `text` to `target` (an OpenCC config name or a language tag).

    The Converter of each target is built once and reused (a Converter is
    immutable once built and safe to share between threads), so a call costs
    what ``Converter(target).convert`` costs on a Converter kept by the
    caller, plus one dict lookup."""
    if type(text) is not str:  # the common case skips a call
        _check_text(text)
    try:
        converter = _CONVERTERS[target]
    except (KeyError, TypeError):  # TypeError: an unhashable target, for resolve to reject
        converter = _cached_converter(target)
    if markup == "plain":
        return converter._engine.convert(text)
    return converter.convert(text, markup=markup)


class _LRU:
    """A small thread-safe LRU cache with a bound on the total size of its items."""

    def __init__(self, budget: int, size=lambda item: 1):
        from collections import OrderedDict

        self._items: "OrderedDict" = OrderedDict()
        self._budget = budget
        self._size = size
        self._used = 0
        self._lock = threading.Lock()
        self.builds = 0  # how many items were built (for tests)

    def get(self, key, build):
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
                return item
        item = build()
        with self._lock:
            self.builds += 1
            if key not in self._items:
                self._items[key] = item
                self._used += self._size(item)
                while self._used > self._budget and len(self._items) > 1:
                    _k, old = self._items.popitem(last=False)
                    self._used -= self._size(old)
        return item

    def __len__(self) -> int:
        return len(self._items)

    @property
    def used(self) -> int:
        return self._used


# Per-group tables (literal pairs, pairs of the other script's forms), and
# per-group-set page tables; bounded by their number of pairs, so any number
# of pages naming any sets of the 444 groups keeps memory bounded.
_GROUP_TABLES = _LRU(400_000, lambda item: 2 * (len(item[0]) + len(item[1])))
_NOTETA_TABLES = _LRU(600_000, lambda item: len(item.pairs) + 1)


def _group_forms(name: str, variant: str):
    """One group's pairs for *variant*, as cgroups.group_table reads them:
    (forms as written, forms in the other script, an index of both)."""
    from .cgroups import load_group, opencc_script_forms
    from .page_layer import KeyIndex

    literal = load_group(name).pairs(variant)
    keys = list(literal)
    derived: dict[str, str] = {}
    for key, forms in zip(keys, opencc_script_forms(keys)):
        for form in forms:
            if form and form != key:
                derived[form] = literal[key]
    return literal, derived, KeyIndex([*literal, *derived])


def _noteta_groups_table(groups: tuple, variant: str, layer):
    """The page table of a NoteTA group set: what ``group_pairs(groups,
    variant)`` gives (a later group wins; forms as written beat forms in
    the other script), merged from per-group tables kept in a cache, so a
    new set of groups already met costs a dict merge, not a compile."""
    from .page_layer import BaseTable

    parts = [_GROUP_TABLES.get((g, variant), lambda g=g: _group_forms(g, variant)) for g in groups]
    pairs: dict[str, str] = {}
    for literal, _derived, _index in parts:
        pairs.update(literal)
    derived: dict[str, str] = {}
    for _literal, forms, _index in parts:
        derived.update(forms)
    for form, target in derived.items():
        pairs.setdefault(form, target)
    if layer is not None and layer.rules:
        # user rules stay above every group: their keys are left to the engine
        from .user_rules import rule_pairs

        for key in rule_pairs(layer.rules, variant):
            pairs.pop(key, None)
    return BaseTable(pairs, [index for _l, _d, index in parts])


def _noteta_table(groups: tuple, variant: str, layer):
    """The page table of a NoteTA group set (cached: pages of a series share one)."""
    from .page_layer import PageTable

    base = _NOTETA_TABLES.get((groups, variant, layer), lambda: _noteta_groups_table(groups, variant, layer))
    return PageTable(base)

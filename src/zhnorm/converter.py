"""The public Converter: one target, built once, reused and shared."""

from __future__ import annotations

from .cache import load_compiled
from .engine import Engine
from .names import NameLayer, groups_named_by_noteta
from .shared import BuiltOnce
from .targets import Target, resolve

_ENGINES = BuiltOnce(lambda config, layer: Engine(load_compiled(config, layer)))

MARKUPS = ("plain", "markdown", "wikitext", "auto")


def engine_for(config: str, layer: NameLayer | None = None) -> Engine:
    """The process-wide Engine of an OpenCC config and name layer, built on first use."""
    return _ENGINES(config, layer)


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

    __slots__ = ("target", "groups", "default_groups", "rules", "_engine", "_markdown")

    def __init__(self, target: str | Target, groups=(), *, default_groups: bool = True, rules=()):
        """`groups`: extra conversion groups (e.g. ["Movie"]) for a tag target;
        `default_groups=False` leaves out the default name groups; `rules`:
        rule files (paths) or zhnorm.user_rules.UserRule objects, above
        every group (see zhnorm.user_rules)."""
        self.target = resolve(target)
        layer = NameLayer.for_target(self.target.variant, groups, default_groups, rules)
        self.groups = layer.groups if layer else ()
        self.default_groups = bool(layer and layer.default_groups)
        self.rules = layer.rules if layer else ()
        self._engine = engine_for(self.target.config, layer)
        self._markdown = None  # Markdown prose converter, made on first use

    def convert(self, text: str, markup: str = "plain") -> str:
        """Convert `text`; with `markup` other than "plain", only its prose."""
        _check_text(text)
        if markup == "plain":
            return self._engine.convert(text)
        if markup == "markdown":
            return (self._markdown or self._markdown_converter())(text)
        return self.convert_markup(text, markup).text

    def _markdown_converter(self):
        """What converts Markdown for this target: the C path when built."""
        markup, engine, variant = _markup(), self._engine.convert, self.target.variant
        self._markdown = markup.markdown_c.text_converter(engine, variant, self._engine.quiet) or (
            lambda text: markup.convert_markup(text, "markdown", engine, variant)
        )
        return self._markdown

    def convert_markup(self, text: str, markup: str = "auto", *, filename: str | None = None, manual_rules: str | None = None):
        """Markup-aware conversion with the details: which markup was used,
        the tokens, the `-{ }-` rules met. Returns a ConversionResult."""
        _check_text(text)
        from .markup import convert_markup_result, sniff

        if markup not in MARKUPS:
            raise ValueError(f"unknown markup {markup!r}: expected one of {', '.join(MARKUPS)}")
        kind = sniff(text, filename) if markup == "auto" else markup
        return convert_markup_result(
            text,
            markup,
            self._page_engine(text, kind).convert,
            self.target.variant,
            # Wikitext output keeps -{ }- (MediaWiki renders it later);
            # elsewhere nothing would, so rules are resolved.
            manual_rules=manual_rules or ("keep" if kind == "wikitext" else "resolve"),
            filename=filename,
        )

    def _page_engine(self, text: str, kind: str) -> Engine:
        """The engine for a page: {{NoteTA|G1=…}} in wikitext switches on
        groups for this page, above the defaults."""
        if kind == "wikitext" and self.target.variant is not None:
            extra = [g for g in groups_named_by_noteta(text) if g not in self.groups]
            if extra:
                return Converter(
                    self.target,
                    (*self.groups, *extra),
                    default_groups=self.default_groups,
                    rules=self.rules,
                )._engine
        return self._engine

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
        return convert_title(title, page, kind, self._page_engine(page, kind).convert, self.target.variant)

    def __reduce__(self):
        return (_rebuild, (self.target.name, self.groups, self.default_groups, self.rules))

    def __repr__(self) -> str:
        return f"Converter({self.target.name!r})"


def _rebuild(target: str, groups, default_groups: bool, rules=()) -> Converter:
    return Converter(target, groups, default_groups=default_groups, rules=rules)


def convert(text: str, target: str | Target, markup: str = "plain") -> str:
    """Convert `text` to `target` (an OpenCC config name or a language tag)."""
    _check_text(text)
    return Converter(target).convert(text, markup=markup)

"""Parse the body of a MediaWiki manual conversion rule (the text in ``-{ }-``).

The behaviour follows MediaWiki's ``ConverterRule`` (parseFlags, parseRules,
getRuleConvertedStr, generateConvTable) and
``LanguageConverter::getVarSeparatorPattern()``, re-implemented here from
their documented behaviour so that a page shows in zhnorm what it shows on
Chinese Wikipedia.  The points that matter:

* Flags are whatever precedes the *first* ``|``, split on ``;``.  Unknown
  flags are ignored, but the text before the ``|`` is dropped all the same.
* A ``;`` separates two entries only when what follows it is
  ``variant:`` or ``source=>variant:`` (or only white space to the end), so
  values may contain ``;`` and ``:`` (e.g. inline CSS).  ``&…;`` entities
  never separate.
* One entry with a ``:`` but no valid variant makes MediaWiki give up: the
  whole body is then plain text.  Entries without ``:`` are skipped.
* White space means ASCII white space only (PHP ``trim``/PCRE ``\\s``), so a
  full-width space inside a value is kept.

:func:`parse_rule` never raises; :func:`parse_rule_strict` raises
:class:`RuleSyntaxError` where MediaWiki would silently skip or give up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Callable, Mapping

from .errors import ZhnormError
from .variants import (
    BCP47,
    MANUAL_LEVEL,
    VARIANT_NAMES,
    VARIANTS,
    fallback_chain,
    normalize_variant,
    rule_variant,
)

def language_name(code: str) -> str:
    """What ``-{N|code}-`` shows: a zh variant's name (ZhConverter's), else
    the language's own name from a small table (``data/language_names.tsv``),
    else nothing.  The code is matched exactly, as MediaWiki does."""
    if code in VARIANT_NAMES:
        return VARIANT_NAMES[code]
    return _language_names().get(code, "")


@lru_cache(maxsize=1)
def _language_names() -> dict[str, str]:
    from importlib import resources

    text = resources.files("zhnorm").joinpath("data", "language_names.tsv").read_text(encoding="utf-8")
    names: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 3 or not all(fields):
            raise ValueError(f"language_names.tsv:{number}: expected 'code<TAB>name<TAB>language'")
        names[fields[0]] = fields[1]
    return names


# Each variant's chain, looked up once per process rather than per rule.
_CHAINS = {v: fallback_chain(v) for v in VARIANTS}

__all__ = [
    "ACTION_FLAGS",
    "Rule",
    "RuleSyntaxError",
    "parse_rule",
    "parse_rule_strict",
]

#: The single-letter flags MediaWiki accepts before ``|``.
ACTION_FLAGS: frozenset[str] = frozenset("ATRD-HN")

# PHP's trim() set and PCRE's ASCII \s (without the u modifier).
_TRIM = " \t\n\r\0\x0b"
_WS = r"[ \t\n\r\f\v]"

_VARIANT_ALTERNATIVES = "|".join(
    re.escape(code) for code in dict.fromkeys([*VARIANTS, *BCP47.values()])
)
# MediaWiki's variant separator: ";" followed by "variant:" or
# "anything=>variant:" or the end.  Case-sensitive, like the original.
_SEPARATOR = re.compile(
    rf";{_WS}*(?=(?:{_VARIANT_ALTERNATIVES}){_WS}*:"
    rf"|[^;]*?=>{_WS}*(?:{_VARIANT_ALTERNATIVES}){_WS}*:"
    rf"|{_WS}*$)"
)
_ENTITY_SEMICOLON = re.compile(r"(&[#a-zA-Z0-9]+);")
_PROTECTED = "\x01"
# In a value, something that looks like a further "zh-…:" entry that did
# not separate (a misspelt or wrongly cased variant code).
_SWALLOWED_ENTRY = re.compile(rf";{_WS}*zh[-A-Za-z]*{_WS}*:", re.IGNORECASE)


class RuleSyntaxError(ZhnormError, ValueError):
    """A conversion table that MediaWiki would partly or wholly ignore."""


def _variant_or_none(code: str) -> str | None:
    """LanguageConverter::validateVariant: a code or its BCP 47 form, any case."""
    return rule_variant(code)


@dataclass(frozen=True)
class Rule:
    """One parsed ``-{ }-`` body.

    ``flags`` are the effective flags after MediaWiki's normalisation:
    ``S`` (show converted), ``R`` (raw), ``N``, ``D``, ``T``, ``H``, ``A``,
    ``-`` and ``+`` (add the table to the page).  ``bidirectional`` maps
    variant → text in source order; ``unidirectional`` lists
    (source, variant, target).  ``text`` is the text after the flags when
    the body is not a conversion table of its own (plain text, ``R``, ``N``,
    ``zh-hans;zh-hant|…``, or ``A``/``H``/``-`` on bare text, which
    MediaWiki turns into a table mapping every variant to that text).
    """

    flags: frozenset[str]
    bidirectional: Mapping[str, str]
    unidirectional: tuple[tuple[str, str, str], ...]
    text: str | None
    raw: str
    #: Variants named as flags (``-{zh-hans;zh-hant|…}-``).
    variant_flags: frozenset[str] = frozenset()
    #: The flags in MediaWiki's processing order; later ones decide display.
    flag_order: tuple[str, ...] = ()
    #: Text after the flags (what MediaWiki calls the rules string).
    body: str = ""
    #: Why strict parsing would reject this body (empty when well formed).
    problems: tuple[str, ...] = field(default=(), compare=False)

    def __hash__(self) -> int:
        return hash((self.raw, self.flag_order, tuple(self.bidirectional.items()),
                     self.unidirectional, self.text))

    # -- what the rule does -------------------------------------------------

    @property
    def is_table(self) -> bool:
        """True when the rule carries conversion pairs."""
        return bool(self.bidirectional or self.unidirectional)

    @property
    def action(self) -> str:
        """``"add"`` (A/H: pairs apply to the rest of the page), ``"remove"``
        (``-``: pairs are taken out again) or ``"none"``."""
        if "+" in self.flags:
            return "add"
        if "-" in self.flags:
            return "remove"
        return "none"

    def display(self, variant: str, convert: Callable[[str, str], str] | None = None) -> str:
        """What MediaWiki shows in place of this rule for *variant*.

        *convert(text, variant)* is used only for ``-{zh-hans;zh-hant|text}-``
        rules, whose text MediaWiki runs through automatic conversion; without
        it the text is returned unconverted.  Where MediaWiki would show its
        "error in conversion rule" message (no text for the variant or its
        fallbacks), this returns ``""``; see :meth:`display_or_none`.
        """
        shown = self.display_or_none(variant, convert)
        return "" if shown is None else shown

    def display_or_none(
        self, variant: str, convert: Callable[[str, str], str] | None = None
    ) -> str | None:
        """Like :meth:`display`, but ``None`` where MediaWiki shows an error."""
        v = normalize_variant(variant)
        if self.variant_flags:
            for candidate in fallback_chain(v):
                if candidate in self.variant_flags:
                    return convert(self.body, candidate) if convert else self.body
            return self.body
        shown: str | None = None
        for flag in self.flag_order:
            if flag == "R":
                shown = self.body
            elif flag == "N":
                shown = language_name(self.body.strip(_TRIM))
            elif flag == "D":
                shown = self.description()
            elif flag in ("H", "-", "+", "T"):
                shown = ""
            elif flag == "S":
                shown = self._text_for(v)
        return shown

    def title(self, variant: str) -> str | None:
        """The page title a ``T`` rule sets for *variant* (``None``: keep it)."""
        if "T" not in self.flags:
            return None
        v = normalize_variant(variant)
        if v == "zh":
            if self.bidirectional.get("zh"):
                return self.bidirectional["zh"]
            return self._first_unidirectional("zh")
        return self._text_for(v)

    def description(self) -> str:
        """MediaWiki's ``D`` text, e.g. ``大陆：悉尼；臺灣：雪梨；``."""
        parts = [f"{VARIANT_NAMES[v]}：{t}；" for v, t in self.bidirectional.items()]
        parts += [f"{s}⇒{VARIANT_NAMES[v]}：{t}；" for s, v, t in self.unidirectional]
        return "".join(parts)

    def pairs(self, variant: str) -> list[tuple[str, str]]:
        """The (from, to) replacements this table contributes for *variant*.

        Mirrors ``ConverterRule::generateConvTable``: each variant missing
        from the bidirectional table is filled from its fallback chain, then
        every variant's text maps to the target's text, unidirectional pairs
        first.  Following MediaWiki's manual levels, ``zh`` gets nothing and
        ``zh-hans``/``zh-hant`` get only unidirectional pairs.  Whether
        MediaWiki applies the pairs to the page depends on :attr:`action`;
        they are returned whatever it is so that rule collections (CGroups)
        can use them.  Identity pairs are kept: they protect the text from
        further conversion.
        """
        target = variant if variant in _CHAINS else normalize_variant(variant)
        if not self.is_table:
            return []
        bid = self.bidirectional
        table: dict[str, str] = {}
        if bid and MANUAL_LEVEL[target] == "bidirectional":
            filled = {}
            for v in VARIANTS:
                for candidate in _CHAINS[v]:
                    if candidate in bid:
                        filled[v] = bid[candidate]
                        break
            if target in filled:
                # Every other variant's text maps to the target's (all values
                # are the target's text, so only the keys' order is left).
                to = filled[target]
                table = {text: to for v, text in filled.items() if v != target}
        if MANUAL_LEVEL[target] != "disable":
            one_way = {s: t for s, uv, t in self.unidirectional if uv == target}
            if one_way:
                # PHP "$unid + $table": unidirectional entries come first and win.
                table = one_way | {k: t for k, t in table.items() if k not in one_way}
        return list(table.items())

    # -- helpers -----------------------------------------------------------

    def _text_for(self, v: str) -> str | None:
        """ConverterRule::getRuleConvertedStr."""
        if not self.is_table:
            return self.body
        for candidate in _CHAINS[v]:
            if candidate in self.bidirectional:
                return self.bidirectional[candidate]
        one_way = self._first_unidirectional(v)
        if one_way is not None:
            return one_way
        if MANUAL_LEVEL[v] == "disable":
            if self.bidirectional:
                return next(iter(self.bidirectional.values()))
            return self.unidirectional[0][2]
        return None

    def _first_unidirectional(self, v: str) -> str | None:
        return next((t for _, uv, t in self.unidirectional if uv == v), None)


def parse_rule(body: str) -> Rule:
    """Parse *body* the way MediaWiki does; never raises on a ``str``.

    Rules are immutable, and pages repeat them (the same ``-{…}-`` for a
    term, the same NoteTA on a series of articles): parses are cached."""
    if not isinstance(body, str):
        raise TypeError(f"rule body must be a str, not {type(body).__name__}")
    return _parse_cached(body)


def parse_rule_strict(body: str) -> Rule:
    """Parse a conversion table, raising :class:`RuleSyntaxError` if any part
    of it would be ignored by MediaWiki or if it is not a table at all."""
    rule = parse_rule(body)
    if rule.variant_flags or rule.flags & {"R", "N"} or not rule.is_table:
        detail = f" ({'; '.join(rule.problems)})" if rule.problems else ""
        raise RuleSyntaxError(f"not a conversion table: {body!r}{detail}")
    if rule.problems:
        raise RuleSyntaxError(f"{'; '.join(rule.problems)} in rule {body!r}")
    return rule


# -- parsing --------------------------------------------------------------


@lru_cache(maxsize=4096)
def _parse_cached(raw: str) -> Rule:
    problems: list[str] = []
    flags, variant_flags, body = _parse_flags(raw, problems)
    bid: dict[str, str] = {}
    unid: dict[str, dict[str, str]] = {}
    if variant_flags:
        flags = {"R": True}
    if "R" not in flags and "N" not in flags:
        body = body.replace("=&gt;", "=>")
        bid, unid = _parse_table(body, problems)
    plain = not bid and not unid
    if plain:
        if "+" in flags or "-" in flags:
            if body != "":
                # Bare text under A/H/-: protect it in every variant.
                bid = {v: body for v in VARIANTS}
                problems = [p for p in problems if "has no 'variant:'" not in p]
        elif "N" not in flags and "T" not in flags:
            flags = {"R": True}
    return Rule(
        flags=frozenset(flags),
        bidirectional=MappingProxyType(bid),
        unidirectional=tuple((s, v, t) for v, table in unid.items() for s, t in table.items()),
        text=body if plain else None,
        raw=raw,
        variant_flags=frozenset(variant_flags),
        flag_order=tuple(flags),
        body=body,
        problems=tuple(problems),
    )


def _parse_flags(text: str, problems: list[str]) -> tuple[dict[str, bool], list[str], str]:
    """ConverterRule::parseFlags: returns (flags, variant flags, rest)."""
    flags: dict[str, bool] = {}
    cut = text.find("|")
    if cut != -1:
        for item in text[:cut].split(";"):
            item = item.strip(_TRIM)
            if item in ACTION_FLAGS or item in VARIANTS:
                flags[item] = True
            elif item:
                problems.append(f"unknown flag {item!r}")
        text = text[cut + 1 :]
    variant_flags: list[str] = []
    if not flags:
        flags = {"S": True}
    elif "R" in flags:
        flags = {"R": True}
    elif "N" in flags:
        flags = {"N": True}
    elif "-" in flags:
        flags = {"-": True}
    elif list(flags) == ["T"]:
        flags["H"] = True
    elif "H" in flags:
        flags = {"+": True, "H": True} | {f: True for f in ("T", "D") if f in flags}
    else:
        if "A" in flags:
            flags["+"] = True
            flags["S"] = True
        if "D" in flags:
            flags.pop("S", None)
        variant_flags = [f for f in flags if f in VARIANTS]
        if variant_flags:
            flags = {}
    return flags, variant_flags, text


def _split_entries(body: str) -> list[str]:
    protected = _ENTITY_SEMICOLON.sub(lambda m: m.group(1) + _PROTECTED, body)
    return [piece.replace(_PROTECTED, ";") for piece in _SEPARATOR.split(protected)]


def _parse_table(
    body: str, problems: list[str]
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """ConverterRule::parseRules: bidirectional and unidirectional tables."""
    bid: dict[str, str] = {}
    unid: dict[str, dict[str, str]] = {}
    entries = _split_entries(body)
    for index, entry in enumerate(entries):
        head, colon, value = entry.partition(":")
        if not colon:
            if entry.strip(_TRIM):
                problems.append(f"entry {index + 1} has no 'variant:' ({entry!r})")
            continue
        to = value.strip(_TRIM)
        head = head.strip(_TRIM)
        source, arrow, variant_code = head.partition("=>")
        if not arrow:
            variant = _variant_or_none(head)
            if variant is None:
                problems.append(f"unknown variant {head!r} in entry {index + 1}")
                return {}, {}
            if _SWALLOWED_ENTRY.search(_ENTITY_SEMICOLON.sub(r"\1", to)):
                problems.append(f"text for {variant} swallows a further entry ({to!r})")
            if to == "":
                problems.append(f"empty text for {variant} in entry {index + 1}")
            elif variant in bid:
                problems.append(f"{variant} given twice (entry {index + 1})")
                bid[variant] = to
            else:
                bid[variant] = to
            continue
        source = source.strip(_TRIM)
        variant = _variant_or_none(variant_code.strip(_TRIM))
        if variant is None:
            problems.append(f"unknown variant {variant_code.strip(_TRIM)!r} in entry {index + 1}")
            return {}, {}
        if source == "":
            problems.append(f"empty source for {variant} in entry {index + 1}")
            continue
        unid.setdefault(variant, {})[source] = to
    return bid, unid

"""MediaWiki's Chinese variant codes and their fallback chains.

Manual conversion rules (``-{zh-cn:…;zh-tw:…}-``) name variants with
MediaWiki's codes, and a rule that lacks the reader's variant is shown in
the first variant of that variant's fallback chain.  The chains below are
MediaWiki's own, as listed in ``ZhConverter::getVariantsFallbacks()``
(mediawiki/includes/language/converters/ZhConverter.php, also mirrored by
Parsoid).  They are data, restated here so that rule display matches what
Chinese Wikipedia shows.  Note that they are *not* symmetric: zh-sg falls
back to zh-my before zh-hans, and zh-hk to zh-mo before zh-hant.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

from .errors import ZhnormError

__all__ = [
    "VARIANTS",
    "VARIANT_NAMES",
    "BCP47",
    "MANUAL_LEVEL",
    "UnknownVariantError",
    "fallback_chain",
    "normalize_variant",
    "is_variant",
    "rule_variant",
]

#: Every variant code MediaWiki's zh converter knows, in MediaWiki's order
#: (``ZhConverter::getLanguageVariants()``).  ``zh`` is "no conversion".
VARIANTS: tuple[str, ...] = (
    "zh",
    "zh-hans",
    "zh-hant",
    "zh-cn",
    "zh-hk",
    "zh-mo",
    "zh-my",
    "zh-sg",
    "zh-tw",
)

# Fallbacks after the variant itself (ZhConverter::getVariantsFallbacks()).
_FALLBACKS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "zh": ("zh-hans", "zh-hant", "zh-cn", "zh-tw", "zh-hk", "zh-sg", "zh-mo", "zh-my"),
        "zh-hans": ("zh-cn", "zh-sg", "zh-my"),
        "zh-hant": ("zh-tw", "zh-hk", "zh-mo"),
        "zh-cn": ("zh-hans", "zh-sg", "zh-my"),
        "zh-sg": ("zh-my", "zh-hans", "zh-cn"),
        "zh-my": ("zh-sg", "zh-hans", "zh-cn"),
        "zh-tw": ("zh-hant", "zh-hk", "zh-mo"),
        "zh-hk": ("zh-mo", "zh-hant", "zh-tw"),
        "zh-mo": ("zh-hk", "zh-hant", "zh-tw"),
    }
)

#: Names MediaWiki shows for each variant (``-{N|zh-tw}-``, ``-{D|…}-``).
VARIANT_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "zh": "原文",
        "zh-hans": "简体",
        "zh-hant": "繁體",
        "zh-cn": "大陆",
        "zh-tw": "臺灣",
        "zh-hk": "香港",
        "zh-mo": "澳門",
        "zh-sg": "新加坡",
        "zh-my": "大马",
    }
)

#: BCP 47 spelling of each code, as MediaWiki's ``LanguageCode::bcp47``
#: gives it (the regional codes carry their script: ``zh-Hant-TW``).
#: Rules may name variants this way: an entry splits before one of these
#: spellings exactly (case matters there, as in MediaWiki's separator
#: pattern), and the code itself is read in any case.  ``zh-TW`` is *not*
#: one of them, so ``-{zh-cn:A;zh-TW:B}-`` is a single zh-cn entry.
BCP47: Mapping[str, str] = MappingProxyType(
    {
        "zh": "zh",
        "zh-hans": "zh-Hans",
        "zh-hant": "zh-Hant",
        "zh-cn": "zh-Hans-CN",
        "zh-hk": "zh-Hant-HK",
        "zh-mo": "zh-Hant-MO",
        "zh-my": "zh-Hans-MY",
        "zh-sg": "zh-Hans-SG",
        "zh-tw": "zh-Hant-TW",
    }
)

_FROM_BCP47 = {tag.lower(): code for code, tag in BCP47.items()}


def rule_variant(code: str) -> str | None:
    """The variant a rule entry names (``LanguageConverter::validateVariant``):
    a code or its BCP 47 form, in any case; None for anything else."""
    lowered = code.lower()
    if lowered in _FALLBACKS:
        return lowered
    return _FROM_BCP47.get(lowered)

#: Which manual rules apply when converting *into* a variant
#: (``ZhConverter::getAdditionalManualLevel()``): ``zh`` converts nothing,
#: the two script-only variants take only unidirectional (``a=>zh-hans:b``)
#: rules, the regional variants take both kinds.
MANUAL_LEVEL: Mapping[str, str] = MappingProxyType(
    {v: "bidirectional" for v in VARIANTS}
    | {"zh": "disable", "zh-hans": "unidirectional", "zh-hant": "unidirectional"}
)


class UnknownVariantError(ZhnormError, ValueError):
    """A code that is not one of MediaWiki's zh variants."""


def is_variant(code: str) -> bool:
    """True when *code* names a variant (any case, ``_`` or ``-``, BCP 47 form too)."""
    canonical = _canonical(code)
    return canonical in _FALLBACKS or canonical in _FROM_BCP47


def normalize_variant(code: str) -> str:
    """Return the lowercase MediaWiki code for *code* (``zh-TW`` → ``zh-tw``).

    Raises :class:`UnknownVariantError` naming the closest known codes.
    """
    if not isinstance(code, str):
        raise UnknownVariantError(f"variant code must be a str, not {type(code).__name__}")
    canonical = _canonical(code)
    if canonical in _FALLBACKS:
        return canonical
    if canonical in _FROM_BCP47:  # zh-Hant-TW, as MediaWiki's validateVariant
        return _FROM_BCP47[canonical]
    import difflib  # only needed for the error message

    close = difflib.get_close_matches(canonical, VARIANTS, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise UnknownVariantError(
        f"unknown Chinese variant {code!r}: expected one of {', '.join(VARIANTS)}{hint}"
    )


def fallback_chain(variant: str) -> tuple[str, ...]:
    """The variant itself, then MediaWiki's fallbacks for it, in order."""
    v = normalize_variant(variant)
    return (v, *_FALLBACKS[v])


def _canonical(code: str) -> str:
    return code.strip().lower().replace("_", "-")

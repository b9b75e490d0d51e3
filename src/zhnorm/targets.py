"""What a caller may ask to convert to: OpenCC configurations and language tags.

OpenCC configuration names mean exactly OpenCC. Language tags name a
regional standard and accept input in any script (real articles mix them);
each maps to the OpenCC chain that best produces that standard, and carries
the MediaWiki variant code used for ``-{ }-`` rules and conversion groups.
The target ``zh`` converts nothing: it only resolves ``-{ }-`` rules as
MediaWiki shows them in its ``zh`` variant (strip conversion markup).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .errors import UnknownTargetError
from .opencc_config import config_names

# Tag -> (OpenCC chain, MediaWiki variant). zh-Hant is s2tw, not s2t: it
# writes the forms people use (為, 裡, 著), not OpenCC's reference forms.
_TAGS: dict[str, tuple[str, str]] = {
    "zh-Hans": ("t2s", "zh-hans"),
    "zh-Hant": ("s2tw", "zh-hant"),
    "zh-CN": ("tw2sp", "zh-cn"),
    "zh-TW": ("s2twp", "zh-tw"),
    "zh-HK": ("s2hkp", "zh-hk"),
    # MediaWiki's fallbacks: sg -> cn, mo -> hk, my -> sg -> cn.
    "zh-SG": ("tw2sp", "zh-sg"),
    "zh-MO": ("s2hkp", "zh-mo"),
    "zh-MY": ("tw2sp", "zh-my"),
}


#: MediaWiki's "zh" variant: no conversion at all; ``-{ }-`` rules are
#: resolved for ``zh`` (the text as written, see rules.MANUAL_LEVEL).
NO_CONVERSION = "zh"


@dataclass(frozen=True)
class Target:
    """A resolved target: its canonical name, OpenCC chain and variant code."""

    name: str
    config: str
    variant: str | None  # MediaWiki variant code for tags, None for configs

    @property
    def is_tag(self) -> bool:
        return self.variant is not None

    @property
    def converts(self) -> bool:
        """False for the ``zh`` target, which only resolves rules."""
        return self.variant != NO_CONVERSION


def target_names() -> list[str]:
    """Every accepted target: OpenCC configurations, then language tags."""
    return [*config_names(), *_TAGS, NO_CONVERSION]


@lru_cache(maxsize=None)
def _lookup() -> dict[str, Target]:
    table = {name.lower(): Target(name, name, None) for name in config_names()}
    for tag, (config, variant) in _TAGS.items():
        table[tag.lower()] = Target(tag, config, variant)
        table[tag.lower().replace("-", "_")] = table[tag.lower()]
    table[NO_CONVERSION] = Target(NO_CONVERSION, NO_CONVERSION, NO_CONVERSION)
    return table


def resolve(target: object) -> Target:
    """The Target for a name; tags are case-insensitive (zh-tw, zh-TW, zh_TW)."""
    if isinstance(target, Target):
        return target
    if isinstance(target, str):
        key = target.strip().lower()
        found = _lookup().get(key)
        if found is None and key.endswith(".json"):
            # OpenCC users name a configuration by its file (s2twp.json)
            found = _lookup().get(key[: -len(".json")])
            if found is not None and found.is_tag:
                found = None
        if found is not None:
            return found
    raise UnknownTargetError(target, target_names())


def variant_target(variant: str) -> str | None:
    """The language-tag target of a MediaWiki variant code (``zh-tw`` →
    ``zh-TW``, ``zh`` → ``zh``), or None."""
    if variant == NO_CONVERSION:
        return NO_CONVERSION
    for tag, (_config, v) in _TAGS.items():
        if v == variant:
            return tag
    return None

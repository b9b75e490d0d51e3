"""The name and regional-term layer that tag targets put on top of OpenCC.

Transliterated names and regional terms differ between standards (阿塞拜疆 /
亞塞拜然, 信息技术 / 資訊科技); OpenCC covers a few hundred. Chinese
Wikipedia's conversion groups cover tens of thousands: a tag target switches
on the default groups (see cgroups.DEFAULT_GROUPS), a caller may add topic
groups, and a user may add rules of their own (zhnorm.user_rules).
Precedence, highest first: user rules, groups named by the caller, default
groups, OpenCC's regional phrases, script conversion. (Rules written in an
article, ``-{ }-`` and NoteTA, are applied by the markup layer above all of
these.)
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

#: MediaWiki's fallback parents, for variants that may share a layer.
CORRECTIONS_PARENT = {"zh-sg": "zh-cn", "zh-my": "zh-cn", "zh-mo": "zh-hk"}

# Variants that have regional vocabulary, and so default groups.
REGIONAL_VARIANTS = ("zh-cn", "zh-tw", "zh-hk", "zh-sg", "zh-mo", "zh-my")


@dataclass(frozen=True)
class NameLayer:
    """Which conversion groups a target applies, for one MediaWiki variant."""

    variant: str
    groups: tuple[str, ...] = ()
    default_groups: bool = True
    rules: tuple = ()  # user_rules.UserRule, in order (a later rule wins)

    @classmethod
    def for_target(
        cls, variant: str | None, groups=(), default_groups: bool = True, rules=()
    ) -> "NameLayer | None":
        """The layer of a target, or None where nothing applies (OpenCC configs).

        `rules`: paths of rule files and UserRule objects (see user_rules).
        """
        groups = (groups,) if isinstance(groups, str) else tuple(groups or ())
        if rules:
            from .user_rules import as_rules

            rules = as_rules(rules)
        rules = tuple(rules or ())
        if variant is None:
            if groups or rules:
                what = "conversion groups" if groups else "name rules"
                raise ValueError(
                    f"{what} apply to language-tag targets (zh-TW, zh-CN, …); "
                    "OpenCC configuration names convert exactly as OpenCC does"
                )
            return None
        if groups:
            from .cgroups import load_group

            groups = tuple(load_group(g).name for g in groups)  # validates, canonical names
        uses_defaults = default_groups and variant in REGIONAL_VARIANTS
        if not groups and not uses_defaults and not rules:
            if not correction_pairs(variant):
                return None
            # Corrections only: a variant whose corrections are its parent's
            # shares the parent's layer (and so its compiled engine).
            parent = CORRECTIONS_PARENT.get(variant)
            if parent and correction_pairs(parent) == correction_pairs(variant):
                variant = parent
        return cls(variant, groups, uses_defaults, rules)

    def pairs(self):
        """Source form (any regional form, either script) → this variant's form.

        A RuleTable: group names and the corrections compete with
        OpenCC's phrases (a correction above a name of the same form); the
        user's rules take priority over any phrase they overlap; short
        group keys come with blocking keys (see short_key_blockers).
        """
        from .cgroups import default_pairs, group_pairs
        from .reference import RuleTable

        table = dict(default_pairs(self.variant)) if self.default_groups else {}
        if self.groups:
            table.update(group_pairs(self.groups, self.variant, own_forms=True))
        table = _with_character_variants(table, self.variant)
        words = dict(correction_pairs(self.variant))
        priority = {}
        if self.rules:
            from .user_rules import rule_pairs

            priority.update(rule_pairs(self.rules, self.variant))
        for key in (*words, *priority):
            table.pop(key, None)
        return RuleTable(table, priority, short_key_blockers(table, self.variant), words)

    def fingerprint(self) -> str:
        """A short name for the cache: what the layer is, and which data made it."""
        from . import corrections

        parts = [self.variant, str(self.default_groups), *self.groups, _data_digest(), corrections.digest(),
                 str(SHORT_KEY), NEIGHBOURS, LONGER_KEY_NEIGHBOURS]
        if self.default_groups:  # which groups are default is code, not data
            from . import cgroups

            parts += [
                *cgroups.DEFAULT_GROUPS,
                "+",
                *cgroups.DEFAULT_SUPPLEMENTS,
                str(cgroups.SUPPLEMENT_MIN_KEY_LENGTH),
                *sorted(cgroups.default_exclusions()),
            ]
        if self.rules:  # the rules' content, not where they were read
            from .user_rules import digest_text

            parts.append(digest_text(self.rules))
        text = "|".join(parts)
        return f"{self.variant}-{hashlib.sha1(text.encode('utf-8', 'surrogatepass')).hexdigest()[:12]}"


#: Group keys shorter than this need evidence beyond themselves: alone they
#: are as often a piece of a longer name or word (米高 in 159米高的, 戈尔 in
#: 纳戈尔诺, 哈利 in 哈利波特) as the name itself.
SHORT_KEY = 3

#: The evidence against a short key: a neighbour that continues a
#: transliteration, or a digit (159米高: metres). These are the characters
#: most frequent in the groups' transliterated names and rare in OpenCC's
#: phrase tables, in both scripts; a short key next to one is left to OpenCC.
NEIGHBOURS = (
    "斯克特德爾尔拉利尼里安阿格亞亚卡巴夫羅罗比馬米加马納纳弗姆基迪伊瓦曼艾維维普蘭兰"
    "雷伯達达埃蒂奧奥梅塔波哈索希勒吉洛倫伦翰朗萨薩麥麦莱萊莫赫菲諾诺博瑞施茨霍杜茲兹"
    "頓顿登戴佩魯鲁琳娜妮丁坦莉瑪玛韦韋凱凯卓丹柯佐庫库堡嘉喬乔乌烏"
    "河湖江山"  # a short name before these is a place's name (哈里河), not the person
    "0123456789０１２３４５６７８９"
)


#: Three-character keys are blocked too, by the commonest transliteration
#: characters only (狄奥多 Theodore inside 狄奥多特 Diodotus): a short list,
#: since there are thousands of such keys.
LONGER_KEY_NEIGHBOURS = "斯克特德爾尔拉利尼里安阿亞亚"


def short_key_blockers(names, variant: str) -> set[str]:
    """Blocking keys for the short keys of `names`: each short key with a
    neighbour before or after it. Converted as OpenCC converts them, they
    win the leftmost-longest match over the short key inside them."""
    blockers = set()
    for key in names:
        if len(key) > SHORT_KEY:
            continue
        for ch in NEIGHBOURS if len(key) < SHORT_KEY else LONGER_KEY_NEIGHBOURS:
            blockers.add(ch + key)
            blockers.add(key + ch)
    return {b for b in blockers if b not in names}


#: Character variants a region writes in every word, names included (衛 → 衞
#: in Hong Kong): OpenCC's s2hkp applies them after its phrases, but a group's
#: form is final output, so the layer applies them itself.
CHARACTER_VARIANTS = {"zh-hk": "HKVariants.txt", "zh-mo": "HKVariants.txt"}


def _with_character_variants(table: dict, variant: str) -> dict:
    file = CHARACTER_VARIANTS.get(variant)
    if not file:
        return table
    from .dictionary import load_text_dict

    chars = {k: v for k, v in load_text_dict(file).items() if len(k) == 1 and len(v) == 1}
    return {k: "".join(chars.get(ch, ch) for ch in v) for k, v in table.items()}


def correction_pairs(variant: str) -> dict[str, str]:
    from .corrections import correction_pairs as pairs

    return pairs(variant)


@lru_cache(maxsize=1)
def _data_digest() -> str:
    index = resources.files("zhnorm").joinpath("data", "cgroups.index.json").read_bytes()
    return hashlib.sha1(index).hexdigest()


_NOTETA = re.compile(r"\{\{\s*noteta\s*\|([^{}]*)\}\}", re.IGNORECASE)
_GROUP_PARAM = re.compile(r"^\s*G\d+\s*=\s*(.+?)\s*$", re.DOTALL)


def groups_named_by_noteta(wikitext: str) -> tuple[str, ...]:
    """Conversion groups a page switches on with ``{{NoteTA|G1=…|G2=…}}``.

    Unknown names are left out, as MediaWiki ignores them; the numbered
    parameters (``1=zh-cn:…;zh-tw:…``) are page rules, which the markup layer
    applies.
    """
    from .cgroups import UnknownGroupError, load_group

    found: list[str] = []
    for template in _NOTETA.finditer(wikitext):
        for param in template.group(1).split("|"):
            match = _GROUP_PARAM.match(param)
            if not match:
                continue
            try:
                name = load_group(match.group(1)).name
            except UnknownGroupError:
                continue
            if name not in found:
                found.append(name)
    return tuple(found)

"""Make names and regional terms follow one standard, leaving the rest as written.

For editors who want consistent names without converting a page: only the
forms of the conversion groups (the default groups, plus ``groups=`` and
user ``rules=``, as for ``Converter``) change; every other character keeps
its script.  One leftmost-longest pass over all the forms finds them.

Which script a replaced name is written in: the script of the name as it
stood in the text (格鲁吉亚 → 乔治亚, 格魯吉亞 → 喬治亞 for zh-TW), so a
mixed page stays mixed exactly where it was.  A name whose characters are
common to both scripts (悉尼, 阿塞拜疆) takes the script most of the page's
script-deciding characters have, and the target's own form when the page
has none.  Simplified forms come from OpenCC ``t2s``; a Traditional form
of a mainland name from ``s2t``.

``fold=True`` is for search indexes: every regional form of a name, in
either script, becomes one key, the target's form in Simplified script
(zh-CN: the mainland Simplified form), so 格鲁吉亚, 格魯吉亞, 喬治亞 and
乔治亚 all index as 格鲁吉亚.  Use the same target for documents and queries;
the rest of the text is left as is (convert it with "zh-Hans" as well if
the index should ignore script everywhere).
"""

from __future__ import annotations

import ahocorasick_rs

from .names import REGIONAL_VARIANTS, NameLayer
from .shared import BuiltOnce
from .targets import resolve
from .argtypes import Groups, Rules, TargetLike

__all__ = ["normalize"]

_SIMPLIFIED_VARIANTS = ("zh-cn", "zh-sg", "zh-my")


class _Names:
    """The forms of one name layer and an automaton over them."""

    def __init__(self, layer: NameLayer):
        self.variant = layer.variant
        self.pairs = layer.pairs()
        self.keys = sorted(self.pairs)
        self.automaton = ahocorasick_rs.AhoCorasick(
            self.keys,
            matchkind=ahocorasick_rs.MatchKind.LeftmostLongest,
            implementation=ahocorasick_rs.Implementation.ContiguousNFA,
        ) if self.keys else None

    def find(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, target form) of each form in *text*, leftmost-longest."""
        if self.automaton is None or not text:
            return []
        try:
            found = self.automaton.find_matches_as_indexes(text)
        except UnicodeEncodeError:
            # A lone surrogate cannot be part of a form: search around them.
            return self._find_around_surrogates(text)
        keys, pairs = self.keys, self.pairs
        return [(s, e, pairs[keys[i]]) for i, s, e in found]

    def _find_around_surrogates(self, text: str) -> list[tuple[int, int, str]]:
        out, start = [], 0
        for i, ch in enumerate(text + "\ud800"):
            if "\ud800" <= ch <= "\udfff":
                out.extend((s + start, e + start, t) for s, e, t in self.find(text[start:i]))
                start = i + 1
        return out


_names = BuiltOnce(_Names)  # layer -> _Names


def _script_of(text: str) -> str | None:
    """"simplified" or "traditional" by the characters only one script has; None if tied."""
    from .detect import script_chars

    simp, trad = script_chars()
    s = sum(1 for ch in text if ch in simp)
    t = sum(1 for ch in text if ch in trad)
    return "simplified" if s > t else "traditional" if t > s else None


def _in_script(form: str, script: str | None, variant: str) -> str:
    from .cgroups import opencc_script_forms

    native = "simplified" if variant in _SIMPLIFIED_VARIANTS else "traditional"
    if script is None or script == native:
        return form
    to_trad, to_simp = opencc_script_forms([form])[0]
    return to_simp if script == "simplified" else to_trad


def normalize(
    text: str,
    target: TargetLike,
    *,
    fold: bool = False,
    groups: Groups = (),
    rules: Rules = (),
    default_groups: bool = True,
) -> str:
    """*text* with each name and regional term in *target*'s standard, the
    rest untouched; see the module docstring for the script of a name.

    *target* is a regional tag (zh-CN, zh-TW, zh-HK, zh-SG, zh-MO, zh-MY);
    *groups*, *rules* and *default_groups* mean what they do for Converter.
    """
    from .converter import _check_text

    _check_text(text)
    resolved = resolve(target)
    if resolved.variant not in REGIONAL_VARIANTS:
        raise ValueError(
            f"normalize needs a regional target (zh-CN, zh-TW, zh-HK, zh-SG, zh-MO, zh-MY), "
            f"not {resolved.name!r}"
        )
    layer = NameLayer.for_target(resolved.variant, groups, default_groups, rules)
    if layer is None:
        return text
    found = _names(layer).find(text)
    if not found:
        return text
    from .cgroups import opencc_script_forms

    variant = resolved.variant
    page_script: list = []  # computed on first need
    parts, pos = [], 0
    for start, end, form in found:
        source = text[start:end]
        if fold:
            out = opencc_script_forms([form])[0][1]
        else:
            script = _script_of(source)
            if script is None:
                if not page_script:
                    page_script.append(_script_of(text))
                script = page_script[0]
            out = _in_script(form, script, variant)
        if out != source:
            parts.append(text[pos:start])
            parts.append(out)
            pos = end
    parts.append(text[pos:])
    return "".join(parts)

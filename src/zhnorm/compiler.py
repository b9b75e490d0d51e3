"""Compile an OpenCC chain into tables for one fast longest-match pass.

Every stage of an OpenCC chain converts inside the segments of one
segmentation, so the output of a segment depends on that segment alone. The
compiled form is:

* ``keys``/``values``: every segmentation key and its output after the whole
  chain, for one leftmost-longest automaton pass over the text. ``patch``
  lists the keys whose output differs from converting them character by
  character; only those need work at run time.
* ``chars``: the whole chain applied to single characters, for the text
  between segmentation keys (one table lookup per character). A character
  whose output is not one code point of the same UTF-8 length is a trigger
  instead, so the mapped text keeps every byte offset.
* ``triggers``: strings that, inside the text between keys, would let some
  stage match a phrase (or a character that turns into several). The engine
  converts an unmatched stretch containing one stage by stage with
  ``stages``, exactly as OpenCC does; every other stretch is exact
  character by character.
* ``quiet``: which texts the chain cannot change, told from their
  characters (quiet.py), so the Markdown layer can leave them unscanned.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import Mapping

from .dictionary import contains_key
from .opencc_config import ChainSpec
from .quiet import quiet_table
from .reference import ReferenceChain

# Punctuation that, where no dictionary uses it, splits unmatched text into
# pieces that convert independently (no match of any stage can cross it).
SEPARATING_PUNCTUATION = "，。、；：？！（）「」『』《》〈〉“”‘’…—　"

# With a small segmentation dictionary unmatched stretches run long, and a
# trigger anywhere in one sends all of it through the stages; below this many
# keys the separating punctuation becomes keys too, to keep stretches short.
SPLIT_STRETCHES_BELOW_KEYS = 5000

# A phrase whose characters each have many possible sources would expand into
# too many trigger strings; its first two characters then stand in for it
# (any occurrence of the phrase contains them, so this only costs speed).
MAX_PREIMAGES_PER_PHRASE = 4096


@dataclass(frozen=True)
class CompiledStage:
    """One stage for converting unmatched text: phrases plus a char table."""

    keys: tuple[str, ...]  # phrases, and characters whose UTF-8 length changes
    values: tuple[str, ...]
    chars: Mapping[str, str]  # one code point to one of the same UTF-8 length


@dataclass(frozen=True)
class CompiledChain:
    """Plain, picklable data produced from one ChainSpec."""

    name: str
    normalization: Mapping[str, str]
    keys: tuple[str, ...]
    values: tuple[str, ...]
    patch: tuple[bool, ...]
    chars: Mapping[str, str]
    triggers: tuple[str, ...]
    stages: tuple[CompiledStage, ...]
    ascii_inert: bool  # no table touches ASCII, so ASCII-only text is returned as is
    quiet: bytes | None  # which texts cannot change (see quiet.py)


def compile_chain(
    spec: ChainSpec, rules: Mapping[str, str] | None = None, name: str | None = None
) -> CompiledChain:
    """Compile an OpenCC chain, with phrase `rules` on top (see ReferenceChain)."""
    reference = ReferenceChain.from_spec(spec, rules)
    segmentation = _segmentation_table(spec, reference)
    composed = _char_table(reference, segmentation)
    # The engine maps unmatched text in place, so a character's output must
    # be one code point of the same UTF-8 length; the rare others are
    # triggers and go through the stages instead.
    one_to_one = {
        k: v for k, v in composed.items() if len(v) == 1 and len(k.encode()) == len(v.encode())
    }
    several = set(composed) - set(one_to_one)
    triggers = _triggers(reference, segmentation) | several
    phrases = sorted(k for k in segmentation if len(k) > 1 or k in reference.rules)
    if triggers and len(phrases) < SPLIT_STRETCHES_BELOW_KEYS:
        phrases += _separators(reference, segmentation)
    keys = tuple(phrases)
    values = tuple(reference.convert_segment(k) for k in keys)
    patch = tuple(v != _charwise(k, one_to_one) for k, v in zip(keys, values))
    normalization = {k: v for k, v in reference.normalization.items() if k != v}
    triggers = tuple(sorted(triggers))
    return CompiledChain(
        name=name or spec.name,
        normalization=normalization,
        keys=keys,
        values=values,
        patch=patch,
        chars=one_to_one,
        triggers=triggers,
        stages=tuple(_compiled_stage(stage.table) for stage in reference.stages),
        ascii_inert=not any(
            ch.isascii()
            for s in (*reference.normalization, *one_to_one, *keys, *triggers)
            for ch in s
        ),
        quiet=quiet_table(keys, values, one_to_one, triggers, normalization),
    )


def _charwise(text: str, chars: Mapping[str, str]) -> str:
    return "".join(chars.get(ch, ch) for ch in text)


def _separators(reference: ReferenceChain, segmentation: Mapping[str, str]) -> list[str]:
    """Punctuation that no key or value of any dictionary contains."""
    tables = [segmentation, *(stage.table for stage in reference.stages)]
    used = {ch for table in tables for item in table.items() for s in item for ch in s}
    return [ch for ch in SEPARATING_PUNCTUATION if ch not in used]


def _compiled_stage(table: Mapping[str, str]) -> CompiledStage:
    def in_place(key: str, value: str) -> bool:
        return len(key) == 1 and len(value) == 1 and len(key.encode()) == len(value.encode())

    keys = tuple(sorted(k for k, v in table.items() if not in_place(k, v)))
    return CompiledStage(
        keys=keys,
        values=tuple(table[k] for k in keys),
        chars={k: v for k, v in table.items() if in_place(k, v) and k != v},
    )


def _segmentation_table(spec: ChainSpec, reference: ReferenceChain) -> Mapping[str, str]:
    if reference.segmentation is not None:
        return reference.segmentation.table
    if len(reference.stages) == 1:
        # Without segmentation the text is one segment, and the single
        # stage's maximum match over it *is* a segmentation by its keys.
        return reference.stages[0].table
    raise ValueError(f"{spec.name}: a chain of several stages needs a segmentation")


def _char_table(reference: ReferenceChain, segmentation: Mapping[str, str]) -> dict[str, str]:
    """Whole-chain output of every single character that some stage changes."""
    candidates = {key for stage in reference.stages for key in stage.table if len(key) == 1}
    candidates |= {key for key in segmentation if len(key) == 1}
    table = {}
    for ch in candidates:
        out = reference.convert_segment(ch)
        if out != ch:
            table[ch] = out
    return table


def _triggers(reference: ReferenceChain, segmentation: Mapping[str, str]) -> set[str]:
    """Strings whose presence in unmatched text could let a stage match a phrase.

    Stage i sees unmatched text after stages 1..i-1 changed it character by
    character, so its phrases are found through their character-wise
    sources. A string containing a segmentation key can never lie in
    unmatched text, so it is left out.
    """
    seg_longest = max(map(len, segmentation), default=0)

    def impossible(candidate: str) -> bool:
        return contains_key(candidate, segmentation, seg_longest, shortest=2)

    universe = {ch for stage in reference.stages for key in stage.table for ch in key}
    triggers: set[str] = set()
    for index, stage in enumerate(reference.stages):
        phrases = [key for key in stage.table if len(key) > 1]
        if not phrases:
            continue
        sources: dict[str, set[str]] = {}
        for ch in universe:
            out = ch
            for earlier in reference.stages[:index]:
                out = earlier.convert(out)
            if len(out) == 1:
                sources.setdefault(out, set()).add(ch)
            else:
                triggers.add(ch)  # its output could complete a phrase
        for phrase in phrases:
            choices = [sorted(sources.get(ch, ())) for ch in phrase]
            count = 1
            for options in choices:
                count *= len(options)
            if count > MAX_PREIMAGES_PER_PHRASE:
                triggers.update(map("".join, product(*choices[:2])))
                continue
            triggers.update(c for c in map("".join, product(*choices)) if not impossible(c))
    return triggers

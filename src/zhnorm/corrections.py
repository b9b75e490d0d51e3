"""Corrections of OpenCC's known wrong choices, for the language tags only.

OpenCC's phrase tables pick one reading per character or word and are wrong
where another reading is meant (被发明 → 被髮明, 城堡的士兵 → 城堡計程車兵).
The tags (zh-TW, zh-HK, zh-CN, …) promise a region's standard text, so they
fix these; the OpenCC configuration names stay exactly OpenCC.

The corrections are data, in ``data/corrections/*.tsv``, one per line::

    sources <TAB> variants <TAB> output <TAB> example <TAB> example output <TAB> reason

``sources`` are one or more forms separated by spaces (usually the Simplified
and the Traditional spelling: OpenCC's Taiwan and Hong Kong phrase tables
act on both, since tag targets accept either script).
``variants`` are MediaWiki variant codes separated by spaces (zh-tw zh-hk
zh-mo zh-hant zh-cn zh-hans zh-sg zh-my). ``source`` is matched in the text
after OpenCC's normalisation. A correction competes with OpenCC's phrases in
the one leftmost-longest match (reference.RuleTable.words): it beats a
shorter phrase at the same place or one starting later, so a source carries
the context that says which reading is meant (被发明 beats OpenCC's 被发),
and a longer OpenCC phrase that contains it still wins (文件系统). The example is a
sentence that must convert to the example output for every listed variant
(tests/test_corrections.py checks each one).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DIRECTORY = Path(__file__).with_name("data") / "corrections"
VARIANTS = ("zh-tw", "zh-hk", "zh-mo", "zh-hant", "zh-cn", "zh-hans", "zh-sg", "zh-my")


@dataclass(frozen=True)
class Correction:
    sources: tuple[str, ...]
    variants: tuple[str, ...]
    output: str
    example: str
    example_output: str
    reason: str
    where: str  # file:line


class CorrectionFileError(ValueError):
    pass


@lru_cache(maxsize=1)
def all_corrections() -> tuple[Correction, ...]:
    """Every correction, in file and line order."""
    found = []
    for path in sorted(DIRECTORY.glob("*.tsv")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip() or line.startswith("#"):
                continue
            where = f"{path.name}:{number}"
            fields = line.split("\t")
            if len(fields) != 6 or not all(f.strip() for f in fields):
                raise CorrectionFileError(
                    f"{where}: expected source, variants, output, example, example output, reason"
                )
            sources, variants, output, example, example_output, reason = fields
            codes = tuple(variants.split())
            unknown = [v for v in codes if v not in VARIANTS]
            if unknown:
                raise CorrectionFileError(f"{where}: unknown variant {unknown[0]!r}")
            found.append(
                Correction(tuple(sources.split()), codes, output, example, example_output, reason, where)
            )
    return tuple(found)


def correction_pairs(variant: str) -> dict[str, str]:
    """Source → output of the corrections for one variant (not cached on its
    own, so it always agrees with all_corrections() and digest())."""
    return {s: c.output for c in all_corrections() if variant in c.variants for s in c.sources}


def digest() -> str:
    """The corrections' content, for cache fingerprints."""
    return "\n".join(f"{' '.join(c.sources)}\t{' '.join(c.variants)}\t{c.output}" for c in all_corrections())

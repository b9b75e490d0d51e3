"""Corrections of OpenCC's known wrong choices, for the language tags only.

OpenCC's phrase tables pick one reading per character or word and are wrong
where another reading is meant (被发明 → 被髮明, 城堡的士兵 → 城堡計程車兵).
The tags (zh-TW, zh-HK, zh-CN, …) promise a region's standard text, so they
fix these; the OpenCC configuration names stay exactly OpenCC.

The corrections are data, in ``data/corrections/*.tsv``, one per line::

    source <TAB> variants <TAB> output <TAB> example <TAB> example output <TAB> reason

``variants`` are MediaWiki variant codes separated by spaces (zh-tw zh-hk
zh-mo zh-hant zh-cn zh-hans zh-sg zh-my). ``source`` is matched in the text
after OpenCC's normalisation; a correction is a priority rule (it wins over
every OpenCC phrase it overlaps, see reference.ReferenceChain.from_spec), so a
source should be long enough to say which reading is meant. The example is a
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
    source: str
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
            source, variants, output, example, example_output, reason = fields
            codes = tuple(variants.split())
            unknown = [v for v in codes if v not in VARIANTS]
            if unknown:
                raise CorrectionFileError(f"{where}: unknown variant {unknown[0]!r}")
            found.append(Correction(source, codes, output, example, example_output, reason, where))
    return tuple(found)


@lru_cache(maxsize=None)
def correction_pairs(variant: str) -> dict[str, str]:
    """Source → output of the corrections for one variant."""
    return {c.source: c.output for c in all_corrections() if variant in c.variants}


def digest() -> str:
    """The corrections' content, for cache fingerprints."""
    return "\n".join(f"{c.source}\t{' '.join(c.variants)}\t{c.output}" for c in all_corrections())

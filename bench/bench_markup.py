"""Throughput of markup-aware conversion against plain conversion.

``python bench/bench_markup.py`` prints the numbers for the corpus
(37 articles + the seed) for each tag target, timing what a user calls:
``Converter.convert(text)`` against ``Converter.convert(text,
markup="markdown")``.  The issue's target is markup-aware throughput at
least 70% of plain throughput.  ``markup_overhead_ms`` is the markup layer
alone (``convert_markup`` with an identity converter).  The last line is
zh-Hans of the corpus first converted to zh-Hant: every block then needs
converting, so none is skipped as already in the target's form
(``zhnorm.quiet``), the hardest case for the markup layer.

Times are CPU time of this process (``time.process_time``), best of
``REPEAT`` runs, the variants interleaved: the host is shared, and wall
time there mostly measures the neighbours.  ``ratio_median`` is the median
over rounds of plain/markup within one round, which drifting load
affects alike.  ``--reference`` also times the
frozen pre-optimisation code (``tests/fixtures/markup/markup_reference``)
in the same runs, for before/after numbers under the same noise.
"""

from __future__ import annotations

import statistics
import struct
import sys
import time
from array import array
from pathlib import Path

from zhnorm.markup import convert_markup

HERE = Path(__file__).resolve().parent.parent / "tests"
DOCS = [p.read_text(encoding="utf-8") for p in sorted((HERE / "fixtures/markup/articles").glob("*.md"))]
DOCS.append((HERE.parent / "seeds" / "000_05b906160e962e71.txt").read_text(encoding="utf-8"))
REPEAT = 200


class _Identity:
    """The identity as an aligned converter, so that ``markup_overhead_ms``
    is the markup layer alone: no unit changes length, so its anchors (the
    packed form the C cut-back reads, see _accel's rec_unit) are the two
    ends of the text."""

    def __call__(self, s: str) -> str:
        return s

    def convert_aligned_packed(self, s: str) -> tuple[str, bytes, bytes, bool]:
        bounds = array("q", (0, len(s))).tobytes()
        return s, bounds, bounds, True

    def convert_aligned(self, s: str) -> tuple[str, list[int], list[int]]:
        bounds = list(range(len(s) + 1))
        return s, bounds, bounds


_identity = _Identity()
assert struct.calcsize("n") == array("q").itemsize  # the packed bounds are Py_ssize_t


def measure(converter, reference: bool = False, docs: list[str] = DOCS) -> dict[str, float]:
    chars = sum(map(len, docs))
    convert, variant = converter.convert, converter.target.variant
    cases = {
        "plain": lambda: [convert(d) for d in docs],
        "markup": lambda: [convert(d, "markdown") for d in docs],
        "identity": lambda: [convert_markup(d, "markdown", _identity, None) for d in docs],
    }
    if reference:
        sys.path.insert(0, str(HERE / "fixtures" / "markup"))
        from markup_reference.pipeline import convert_markup as ref

        cases["ref_markup"] = lambda: [ref(d, "markdown", convert, variant) for d in docs]
        cases["ref_identity"] = lambda: [ref(d, "markdown", _identity, None) for d in docs]
    runs: dict[str, list[float]] = {name: [] for name in cases}
    names = list(cases)
    for r in range(REPEAT):
        # the order alternates, so neither variant always runs on the
        # other's warm caches
        for name in names if r % 2 == 0 else names[::-1]:
            t0 = time.process_time()
            cases[name]()
            runs[name].append(time.process_time() - t0)
    best = {name: min(times) for name, times in runs.items()}
    nums = {
        "chars": chars,
        "plain_ms": best["plain"] * 1e3,
        "markup_ms": best["markup"] * 1e3,
        "markup_overhead_ms": best["identity"] * 1e3,
        "ratio": best["plain"] / best["markup"],
        # plain / markup of the same round, whose neighbours' load was alike
        "ratio_median": statistics.median(p / m for p, m in zip(runs["plain"], runs["markup"])),
    }
    if reference:
        nums["ref_markup_ms"] = best["ref_markup"] * 1e3
        nums["ref_overhead_ms"] = best["ref_identity"] * 1e3
        nums["ref_ratio"] = best["plain"] / best["ref_markup"]
    return nums


if __name__ == "__main__":
    import zhnorm

    for target in ("zh-TW", "zh-HK", "zh-CN", "zh-Hans", "zh-Hant"):
        nums = measure(zhnorm.Converter(target), "--reference" in sys.argv)
        print(target, {k: round(v, 2) for k, v in nums.items()})
    # The corpus mixes scripts, and blocks already in the target's form are
    # skipped (zhnorm.quiet). The hardest case for the markup layer: every
    # block to convert, where plain conversion is cheapest (zh-Hans of
    # text wholly in Traditional characters).
    hant = zhnorm.Converter("zh-Hant")
    traditional = [hant.convert(d, "markdown") for d in DOCS]
    nums = measure(zhnorm.Converter("zh-Hans"), docs=traditional)
    print("zh-Hans of the corpus in zh-Hant", {k: round(v, 2) for k, v in nums.items()})

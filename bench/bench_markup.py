"""Throughput of markup-aware conversion against plain conversion.

``python bench/bench_markup.py`` prints the numbers for the corpus
(37 articles + the seed) with ``zhnorm.Converter`` for each tag target.  The issue's target is markup-aware throughput at
least 70% of plain throughput.  Best of several runs, to keep noise out.
"""

from __future__ import annotations

import time
from pathlib import Path

from zhnorm.markup import convert_markup

HERE = Path(__file__).resolve().parent.parent / "tests"
DOCS = [p.read_text(encoding="utf-8") for p in sorted((HERE / "fixtures/markup/articles").glob("*.md"))]
DOCS.append((HERE.parent / "seeds" / "000_05b906160e962e71.txt").read_text(encoding="utf-8"))


def _best(fn, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def measure(convert, variant: str) -> dict[str, float]:
    chars = sum(map(len, DOCS))
    plain = _best(lambda: [convert(d) for d in DOCS])
    markup = _best(lambda: [convert_markup(d, "markdown", convert, variant) for d in DOCS])
    identity = _best(lambda: [convert_markup(d, "markdown", lambda s: s, None) for d in DOCS])
    return {
        "chars": chars,
        "plain_ms": plain * 1e3,
        "markup_ms": markup * 1e3,
        "markup_overhead_ms": identity * 1e3,
        "ratio": plain / markup,
    }


if __name__ == "__main__":
    import zhnorm

    for target in ("zh-TW", "zh-HK", "zh-CN", "zh-Hans", "zh-Hant"):
        nums = measure(zhnorm.Converter(target).convert, target.lower())
        print(target, {k: round(v, 2) for k, v in nums.items()})

"""How much slower the pure-Python engine is than the C fast pass.

    ZHNORM_CACHE_DIR=/tmp/zc python bench/bench_fallback.py [CONFIG ...]

Plain text (the corpus's 37 articles, joined) and short strings (each line
of the corpus, one call per line), C engine vs pure Python with numpy vs
pure Python without numpy (charmap.HAVE_NUMPY forced off).  Best of 3;
outputs are checked equal.  The README's figure for the fallback comes from
this script.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from zhnorm import charmap
from zhnorm.cache import load_compiled
from zhnorm.engine import Engine

CORPUS = Path(__file__).resolve().parent.parent.parent.parent / "shared" / "corpus"


def corpus_text() -> str:
    root = CORPUS if CORPUS.is_dir() else Path("/work/shared/corpus")
    return "".join(p.read_text("utf-8") for p in sorted(root.rglob("*.md")))


def best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(configs: list[str]) -> None:
    text = corpus_text()
    lines = [line for line in text.splitlines() if line.strip()]
    mb = len(text.encode()) / 1e6
    print(f"corpus: {mb:.1f} MB, {len(lines)} lines")
    print("config  | plain MB/s: C / py+numpy / py (ratio C:py)   | short lines/s: C / py+numpy / py (ratio)")
    for config in configs:
        compiled = load_compiled(config)
        c = Engine(compiled, accelerate=True)
        py = Engine(compiled, accelerate=False)
        rows = []
        for have_numpy in (True, False):
            charmap.HAVE_NUMPY = have_numpy
            assert py.convert(text) == c.convert(text)
            rows.append((best(lambda: py.convert(text)), best(lambda: [py.convert(s) for s in lines])))
        charmap.HAVE_NUMPY = True
        tc = best(lambda: c.convert(text))
        sc = best(lambda: [c.convert(s) for s in lines])
        (tn, sn), (tp, sp) = rows
        print(f"{config:7} | {mb/tc:6.1f} / {mb/tn:5.1f} / {mb/tp:5.1f} ({tp/tc:4.1f}x, numpy {tn/tc:4.1f}x)"
              f" | {len(lines)/sc:8.0f} / {len(lines)/sn:7.0f} / {len(lines)/sp:7.0f} ({sp/sc:4.1f}x)")


if __name__ == "__main__":
    main(sys.argv[1:] or ["s2t", "s2twp", "t2s", "tw2sp", "s2hk"])

"""explain() with markup takes time linear in the page (a doubling ratio,
not an absolute time: 8x the text may take at most about 8x as long).

Mapping prose changes back to tokens scanned every later change for each
token (quadratic: 1M characters of Markdown took 110 s, now ~7 s).
"""

import gc
import time
from pathlib import Path

import zhnorm

ARTICLES = sorted((Path(__file__).parent / "fixtures" / "markup" / "articles").glob("*.md"))
TEXT = "\n".join(p.read_text(encoding="utf-8") for p in ARTICLES)


def _seconds(text, markup):
    """Best of three, in CPU time with the collector off (as timeit does):
    other processes and the size of the test session's heap do not count."""
    best = float("inf")
    enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(3):
            started = time.process_time()
            zhnorm.explain(text, "zh-TW", markup=markup)
            best = min(best, time.process_time() - started)
    finally:
        if enabled:
            gc.enable()
    return best


def test_explain_markdown_time_grows_linearly():
    base = (TEXT * 2)[:40_000]
    zhnorm.explain(base[:100], "zh-TW", markup="markdown")  # build the tracer first
    small = _seconds(base, "markdown")
    large = _seconds(base * 8, "markdown")
    # linear: 6 to 8 here; the quadratic mapping gave about 20
    assert large / small < 12, (small, large)

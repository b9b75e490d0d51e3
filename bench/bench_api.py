#!/usr/bin/env python3
"""Per-call cost of zhnorm.convert, and the batch API against a loop.

    python bench/bench_api.py [--targets s2t t2s zh-TW zh-CN zh-HK] [--repeats 7]
                              [--items 200000] [--pure-items 20000] [--unit sentences|clauses]
                              [--max-chars N] [--shared ../shared]

Input: sentences of the corpus articles (``--shared``'s ``corpus/*.md``,
by default ``../shared`` beside the repository; else ``tests/fixtures``), cut at 。！？ and line ends (``--unit
clauses``: also at ，、；：), stripped, empty ones dropped (``--max-chars N``:
longer ones too, for the batch rows), repeated to ``--items``.

Two measurements per target, CPU time (``time.process_time``), the two sides
interleaved in each of ``--repeats`` rounds; ratios are per round and
reported as median [min–max]:

* ``convert``: ``zhnorm.convert(s, target)`` against ``Converter.convert(s)``
  on a Converter kept by the caller, per call, on the corpus' short strings
  (up to 20 characters). Target: ratio at most 1.2.
* ``many``: ``Converter.convert_many(items)`` against
  ``[conv.convert(x) for x in items]`` (loop ÷ batch; target at least 1.3),
  on the default engine; with ``--pure-items N`` > 0 also on the
  pure-Python engine for the first N items. Outputs are checked equal first.
"""

from __future__ import annotations

import argparse
import gc
import re
import statistics
import sys
import time
from pathlib import Path

import zhnorm
from zhnorm.cache import load_compiled
from zhnorm.engine import Engine

ROOT = Path(__file__).resolve().parent.parent


def corpus_files(shared: Path) -> list[Path]:
    for folder in (shared / "corpus", ROOT / "tests" / "fixtures"):
        files = sorted(p for p in folder.glob("*.md") if p.name.lower() != "readme.md")
        if files:
            return files
    sys.exit(f"no corpus: expected {shared}/corpus/*.md or tests/fixtures/*.md")


def sentences(unit: str, shared: Path) -> list[str]:
    ends = "。！？" + ("，、；：" if unit == "clauses" else "")
    cut = re.compile(f"(?<=[{ends}])|\n")
    out = []
    for path in corpus_files(shared):
        out += [s.strip() for s in cut.split(path.read_text(encoding="utf-8"))]
    return [s for s in out if s]


def cpu(fn) -> float:
    gc.collect()
    start = time.process_time()
    fn()
    return time.process_time() - start


def summary(ratios: list[float]) -> str:
    return f"{statistics.median(ratios):.2f} [{min(ratios):.2f}–{max(ratios):.2f}]"


def bench_convert(target: str, texts: list[str], calls: int, repeats: int) -> tuple[float, float, list[float]]:
    """µs per call of zhnorm.convert and of a kept Converter, and the ratios."""
    conv = zhnorm.Converter(target)
    work = (texts * (calls // len(texts) + 1))[:calls]
    zhnorm.convert(work[0], target)

    def module():
        for text in work:
            zhnorm.convert(text, target)

    def kept():
        for text in work:
            conv.convert(text)

    ours, theirs, ratios = [], [], []
    for _ in range(repeats):
        a, b = cpu(module), cpu(kept)
        ours.append(a)
        theirs.append(b)
        ratios.append(a / b)
    return min(ours) / calls * 1e6, min(theirs) / calls * 1e6, ratios


def bench_many(conv: zhnorm.Converter, items: list[str], repeats: int) -> tuple[float, float, list[float]]:
    """Seconds for a loop and for convert_many (best of rounds), and loop ÷ batch per round."""
    expected = [conv.convert(x) for x in items]
    if conv.convert_many(items) != expected:
        sys.exit(f"convert_many differs from a loop for {conv.target.name}")
    loops, batches, ratios = [], [], []
    for _ in range(repeats):
        a = cpu(lambda: [conv.convert(x) for x in items])
        b = cpu(lambda: conv.convert_many(items))
        loops.append(a)
        batches.append(b)
        ratios.append(a / b)
    return min(loops), min(batches), ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--targets", nargs="+", default=["s2t", "t2s", "zh-TW", "zh-CN", "zh-HK"])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--pure-items", type=int, default=20_000)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared",
                        help="the shared folder holding corpus/ (default: ../shared beside the repository)")
    parser.add_argument("--unit", choices=["sentences", "clauses"], default="sentences")
    parser.add_argument("--max-chars", type=int, default=0,
                        help="batch rows: only items of up to this many characters (0: all)")
    args = parser.parse_args()

    found = sentences(args.unit, args.shared)
    pool = [s for s in found if len(s) <= args.max_chars] if args.max_chars else found
    items = (pool * (args.items // len(pool) + 1))[: args.items]
    short = [s for s in found if len(s) <= 20]
    mean = sum(map(len, items)) / len(items)
    print(f"{len(found)} {args.unit} ({mean:.1f} characters on average), {len(items)} items; "
          f"{len(short)} of up to 20 characters for the per-call rows; CPU time, {args.repeats} rounds\n")

    print("| target | zhnorm.convert µs/call | kept Converter µs/call | ratio (≤ 1.2) |")
    print("|---|---|---|---|")
    for target in args.targets:
        a, b, ratios = bench_convert(target, short, args.calls, args.repeats)
        print(f"| {target} | {a:.3f} | {b:.3f} | {summary(ratios)} |", flush=True)

    print("\n| target | engine | items | loop s | convert_many s | loop ÷ batch (≥ 1.3) |")
    print("|---|---|---|---|---|---|")
    for target in args.targets:
        conv = zhnorm.Converter(target)
        engine = "C" if getattr(conv._engine, "accelerated", False) else "python"
        loop, many, ratios = bench_many(conv, items, args.repeats)
        print(f"| {target} | {engine} | {len(items)} | {loop:.3f} | {many:.3f} | {summary(ratios)} |", flush=True)
        if args.pure_items > 0 and conv.target.converts and engine == "C":
            pure = zhnorm.Converter(target)
            pure._engine = Engine(load_compiled(pure.target.config, pure._layer), accelerate=False)
            part = items[: args.pure_items]
            loop, many, ratios = bench_many(pure, part, max(3, args.repeats // 2))
            print(f"| {target} | python | {len(part)} | {loop:.3f} | {many:.3f} | {summary(ratios)} |", flush=True)


if __name__ == "__main__":
    main()

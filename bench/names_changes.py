#!/usr/bin/env python3
"""Every change the names layer makes on the corpus, for judging.

    python bench/names_changes.py [--targets zh-TW zh-CN zh-HK]

Converts the corpus lines (as bench/disagree.py reads them) with each tag,
once with the default groups and once without, and lists each distinct place
where they differ (source, without, with, count) in
``bench/out/disagree/names-<target>.tsv``. Judged changes live in
``tests/fixtures/regional/cases.tsv`` like every other case.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from disagree import OUT, _mapper, corpus_lines  # noqa: E402

import zhnorm  # noqa: E402


def changes(target: str, lines: list[str]) -> Counter:
    with_names = zhnorm.Converter(target)
    without = zhnorm.Converter(target, default_groups=False)
    found: Counter = Counter()
    for line in lines:
        a, b = without.convert(line), with_names.convert(line)
        if a == b:
            continue
        ops, _ = _mapper(a, b)
        _, to_source = _mapper(a, line)
        for tag, a1, a2, b1, b2 in ops:
            if tag == "equal":
                continue
            a1, a2 = max(0, a1 - 2), min(len(a), a2 + 2)
            b1, b2 = max(0, b1 - 2), min(len(b), b2 + 2)
            s1, s2 = to_source(a1, a2)
            found[(line[s1:s2], a[a1:a2], b[b1:b2])] += 1
    return found


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--targets", nargs="+", default=["zh-TW", "zh-HK", "zh-CN"])
    args = ap.parse_args(argv)
    lines = corpus_lines()
    OUT.mkdir(parents=True, exist_ok=True)
    for target in args.targets:
        found = changes(target, lines)
        with open(OUT / f"names-{target}.tsv", "w", encoding="utf-8") as handle:
            for (src, a, b), n in sorted(found.items(), key=lambda kv: -kv[1]):
                handle.write(f"{n}\t{src}\t{a}\t{b}\n")
        print(f"{target}: {len(found)} distinct changes, {sum(found.values())} in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())

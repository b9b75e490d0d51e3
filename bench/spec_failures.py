"""Count the specification examples that conversion breaks, per section.

``python bench/spec_failures.py [--python]`` converts every CommonMark and
GFM example made Chinese (``tests/spec_examples.py``) with zh-TW and s2twp,
by the C scanner (or the Python one with ``--python``), and prints, per
suite and per class (structure, protected, text), the number of failing
examples and the sections they fall in.  The test
(``tests/test_markdown_spec.py``) asserts; this only counts.
"""

from __future__ import annotations

import collections
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import spec_examples  # noqa: E402

import zhnorm  # noqa: E402
from zhnorm.markup import markdown_c  # noqa: E402


def main() -> None:
    if "--python" in sys.argv:
        markdown_c._mdscan = None
    convs = {t: zhnorm.Converter(t) for t in ("zh-TW", "s2twp")}
    for suite in spec_examples.SUITES:
        md = spec_examples.parser(suite)
        per_kind: collections.Counter[str] = collections.Counter()
        per_section: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        failing = []
        exs = spec_examples.examples(suite)
        for ex in exs:
            worst = "ok"
            for c in convs.values():
                out = c.convert(ex.markdown, markup="markdown")
                k = spec_examples.kind(spec_examples.compare(md, ex.markdown, out, c.convert))
                if k != "ok" and (worst == "ok" or ["structure", "protected", "text"].index(k)
                                  < ["structure", "protected", "text"].index(worst)):
                    worst = k
            per_kind[worst] += 1
            if worst != "ok":
                per_section[ex.section][worst] += 1
                failing.append((ex.number, worst))
        print(f"{suite}: {len(exs)} examples; " + ", ".join(f"{k} {per_kind[k]}" for k in
                                                            ("ok", "structure", "protected", "text")))
        for sec, cnt in sorted(per_section.items(), key=lambda kv: -sum(kv[1].values())):
            print(f"    {sec}: " + ", ".join(f"{k} {v}" for k, v in sorted(cnt.items())))
        if "-v" in sys.argv:
            print("    failing:", " ".join(f"{n}{k[0]}" for n, k in failing))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Round trip on real Traditional text: Traditional → OpenCC t2s → back to Traditional.

    python bench/roundtrip.py

The prose lines of the corpus written in Traditional characters (a line with
at least ten Han characters, some Traditional-only and no Simplified-only
character, not a table row, heading, list of links or category line) are
made Simplified with the official OpenCC binding's t2s, then converted back
by each system; the score is the share of the original line's characters
that come back identical (difflib's matching blocks, summed over lines), over
all characters and over Han characters only.

| system | conversion back |
|---|---|
| zhnorm | zh-Hant |
| opencc | s2t, s2tw |
| zhconv, zhconv-rs | zh-hant |
"""

from __future__ import annotations

import difflib
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from disagree import BENCH, HAN, OUT, WORKER, corpus_lines  # noqa: E402

SYSTEMS = [("zhnorm", "zh-Hant"), ("opencc", "s2t"), ("opencc", "s2tw"), ("zhconv", "zh-hant"), ("zhconv-rs", "zh-hant")]


def run(system: str, conversion: str, lines: list[str], python: str) -> list[str]:
    exe = python if system == "zhnorm" else str(BENCH / ".venvs" / system / "bin" / "python")
    proc = subprocess.run([exe, "-c", WORKER, system, conversion], input=json.dumps(lines, ensure_ascii=False),
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def prose_traditional(lines: list[str], python: str) -> list[str]:
    code = (
        "import json,sys\nfrom zhnorm.detect import script_counts\n"
        "print(json.dumps([script_counts(l) for l in json.load(sys.stdin)]))"
    )
    counts = json.loads(subprocess.run([python, "-c", code], input=json.dumps(lines), capture_output=True,
                                       text=True, check=True).stdout)
    keep = []
    for line, c in zip(lines, counts):
        stripped = line.lstrip()
        if stripped[:1] in "|#-!*" or stripped.startswith(("[Category", "1.", "<")):
            continue
        if c["han"] >= 10 and c["traditional"] and not c["simplified"]:
            keep.append(line)
    return keep


def score(original: list[str], back: list[str]) -> tuple[float, float]:
    same = total = han_same = han_total = 0
    for a, b in zip(original, back):
        matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
        for block in matcher.get_matching_blocks():
            piece = a[block.a: block.a + block.size]
            same += len(piece)
            han_same += len(HAN.findall(piece))
        total += len(a)
        han_total += len(HAN.findall(a))
    return same / total, han_same / han_total


def main() -> int:
    python = sys.executable
    lines = prose_traditional(corpus_lines(), python)
    simplified = run("opencc", "t2s", lines, python)
    rows = [f"Traditional prose lines: {len(lines)}, Han characters: {sum(len(HAN.findall(l)) for l in lines)}", "",
            "| system | back with | same characters | same Han characters |", "|---|---|---|---|"]
    for system, conversion in SYSTEMS:
        back = run(system, conversion, simplified, python)
        every, han = score(lines, back)
        rows.append(f"| {system} | {conversion} | {every:.2%} | {han:.2%} |")
    text = "\n".join(rows) + "\n"
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "roundtrip.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

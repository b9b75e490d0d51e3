#!/usr/bin/env python3
"""Where zhnorm's language tags and the peers disagree, and who is right.

    python bench/disagree.py                 # convert, list differences, score
    python bench/disagree.py --snapshot before   # also keep zhnorm's outputs as "before"
    python bench/disagree.py --compare before    # score a kept snapshot beside today's zhnorm

Every system converts the same lines (the corpus articles and the seed, as
they are: mixed scripts, Markdown and all):

| target | zhnorm | OpenCC (official) | zhconv, zhconv-rs |
|---|---|---|---|
| zh-TW | zh-TW | s2twp | zh-tw |
| zh-HK | zh-HK | s2hkp | zh-hk |
| zh-CN | zh-CN | tw2sp | zh-cn |

Lines are aligned one to one (every system keeps line breaks), then split
into sentences at 。！？; a sentence where the systems disagree is diffed
against OpenCC's output and the differing stretches of all systems are merged
into *sites*: one stretch of source text and what each system wrote for it.
``bench/out/disagree/sites-<target>.tsv`` lists the distinct sites with how
often each occurs, for judging.

Judgements are the cases in ``tests/fixtures/regional/cases.tsv`` (input,
target, expected, reason), which the test suite also runs against zhnorm. A
case judges every corpus sentence, for its target, whose source contains the
case's input: a system is wrong there when its output of that sentence does
not contain the expected text. Errors are counted per occurrence and given per
10,000 Han characters of the source. Sites that no case covers are counted as
unjudged, so a reader sees how much of the disagreement the numbers rest on.

Peers run in their own venvs (``bench/setup_peers.py``); zhnorm runs with
``--zhnorm-python`` (default: the interpreter running this script).
"""

from __future__ import annotations

import argparse
import csv
import difflib
import hashlib
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
SHARED = REPO.parent.parent / "shared"
OUT = BENCH / "out" / "disagree"
CASES = REPO / "tests" / "fixtures" / "regional" / "cases.tsv"

TARGETS = {
    # target: {system: (peer venv or None for zhnorm, conversion)}
    "zh-TW": {"opencc": "s2twp", "zhconv": "zh-tw", "zhconv-rs": "zh-tw", "zhnorm": "zh-TW"},
    "zh-HK": {"opencc": "s2hkp", "zhconv": "zh-hk", "zhconv-rs": "zh-hk", "zhnorm": "zh-HK"},
    "zh-CN": {"opencc": "tw2sp", "zhconv": "zh-cn", "zhconv-rs": "zh-cn", "zhnorm": "zh-CN"},
}
SYSTEMS = ["zhnorm", "opencc", "zhconv", "zhconv-rs"]

WORKER = r"""
import json, sys
peer, conversion = sys.argv[1], sys.argv[2]
lines = json.load(sys.stdin)
if peer == "zhnorm":
    import zhnorm
    f = zhnorm.Converter(conversion).convert
elif peer == "opencc":
    import opencc
    assert hasattr(opencc, "opencc_clib"), "not the official binding"
    f = opencc.OpenCC(conversion).convert
elif peer == "zhconv":
    import zhconv
    f = lambda t: zhconv.convert(t, conversion)
elif peer == "zhconv-rs":
    import zhconv_rs
    f = lambda t: zhconv_rs.zhconv(t, conversion)
json.dump([f(line) for line in lines], sys.stdout, ensure_ascii=False)
"""

SENTENCE_END = re.compile(r"(?<=[。！？])")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def corpus_lines() -> list[str]:
    files = sorted((SHARED / "corpus").glob("*.md")) + sorted((SHARED / "seeds").glob("*.txt"))
    lines = []
    for path in files:
        lines += [line for line in path.read_text(encoding="utf-8").splitlines() if HAN.search(line)]
    return lines


def run_system(system: str, conversion: str, lines: list[str], python: str, label: str | None = None) -> list[str]:
    """Outputs of one system, cached by input, conversion and (for zhnorm) label."""
    digest = hashlib.sha1(json.dumps([system, conversion, lines]).encode()).hexdigest()[:12]
    name = label or system
    path = OUT / "outputs" / name / f"{conversion}-{digest}.json"
    if path.exists() and system != "zhnorm" or (label and path.exists()):
        return json.loads(path.read_text(encoding="utf-8"))
    if system == "zhnorm":
        exe = python
    else:
        exe = str(BENCH / ".venvs" / system / "bin" / "python")
    proc = subprocess.run(
        [exe, "-c", WORKER, system, conversion],
        input=json.dumps(lines, ensure_ascii=False), capture_output=True, text=True, check=False,
    )
    if proc.returncode:
        raise SystemExit(f"{system} {conversion} failed:\n{proc.stderr}")
    outputs = json.loads(proc.stdout)
    assert len(outputs) == len(lines)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(outputs, ensure_ascii=False), encoding="utf-8")
    return outputs


def sentences(line: str) -> list[str]:
    return [s for s in SENTENCE_END.split(line) if s]


def _mapper(a: str, b: str):
    """Opcodes of a→b and a function mapping a span of a to the span of b."""
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()

    def span(i: int, j: int) -> tuple[int, int]:
        start = end = None
        for tag, a1, a2, b1, b2 in ops:
            if start is None and a1 <= i <= a2:
                start = b1 + (i - a1) if tag == "equal" else b1
            if end is None and a1 <= j <= a2 and (j > a1 or tag == "equal" or a1 == a2):
                end = b1 + (j - a1) if tag == "equal" else b2
        return start or 0, len(b) if end is None else end

    return ops, span


def sites_of(source: str, outputs: dict[str, str]) -> list[tuple[str, dict[str, str], str]]:
    """Differing stretches: (source span, each system's span, source context)."""
    base = outputs["opencc"]
    regions = []
    mappers = {}
    for name, out in outputs.items():
        ops, span = _mapper(base, out)
        mappers[name] = (ops, span)
        regions += [(a1, a2) for tag, a1, a2, _, _ in ops if tag != "equal"]
    if not regions:
        return []
    regions.sort()
    merged = [list(regions[0])]
    for a, b in regions[1:]:
        if a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    _, to_source = _mapper(base, source)
    result = []
    for a, b in merged:
        # widen to whole Han words a little: one character either side
        a, b = max(0, a - 1), min(len(base), b + 1)
        spans = {name: out[slice(*mappers[name][1](a, b))] for name, out in outputs.items()}
        s1, s2 = to_source(a, b)
        context = source[max(0, s1 - 8) : s2 + 8]
        result.append((source[s1:s2], spans, context))
    return result


def read_cases() -> list[dict]:
    if not CASES.exists():
        return []
    cases = []
    with open(CASES, encoding="utf-8") as handle:
        for row in csv.reader((l for l in handle if l.strip() and not l.startswith("#")), delimiter="\t"):
            cases.append(dict(zip(["input", "target", "expected", "reason"], row)))
    return cases


def show(args, lines: list[str]) -> int:
    """Each system's output of the first sentence containing each text."""
    for target in args.targets:
        conv = TARGETS[target]
        outs = {s: run_system(s, conv[s], lines, args.zhnorm_python) for s in SYSTEMS}
        for text in args.show:
            for i, line in enumerate(lines):
                if text not in line:
                    continue
                src = sentences(line)
                per = {s: sentences(outs[s][i]) for s in SYSTEMS}
                k = next(k for k, x in enumerate(src) if text in x) if all(len(v) == len(src) for v in per.values()) else None
                print(f"== {target} {text}")
                print(f"   source    {src[k] if k is not None else line}")
                for s in SYSTEMS:
                    print(f"   {s:9} {per[s][k] if k is not None else outs[s][i]}")
                break
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--zhnorm-python", default=sys.executable)
    ap.add_argument("--snapshot", help="keep today's zhnorm outputs under this label")
    ap.add_argument("--compare", nargs="*", default=[], help="also score these kept zhnorm snapshots")
    ap.add_argument("--targets", nargs="+", default=list(TARGETS))
    ap.add_argument("--show", nargs="+", help="print every system's sentence containing these texts")
    args = ap.parse_args(argv)
    lines = corpus_lines()
    if args.show:
        return show(args, lines)
    han = sum(len(HAN.findall(line)) for line in lines)
    cases = read_cases()
    OUT.mkdir(parents=True, exist_ok=True)
    report = [f"Lines: {len(lines)}, Han characters: {han}, cases: {len(cases)}", ""]
    table = ["| target | system | errors | per 10k Han | unjudged sites (occurrences) |", "|---|---|---|---|---|"]
    for target in args.targets:
        conv = TARGETS[target]
        outs = {s: run_system(s, conv[s], lines, args.zhnorm_python) for s in SYSTEMS}
        if args.snapshot:
            run_system("zhnorm", conv["zhnorm"], lines, args.zhnorm_python, label=f"zhnorm-{args.snapshot}")
        extra = {
            f"zhnorm-{label}": run_system("zhnorm", conv["zhnorm"], lines, args.zhnorm_python, label=f"zhnorm-{label}")
            for label in args.compare
        }
        systems = {**outs, **extra}
        target_cases = [c for c in cases if c["target"] == target]
        errors = Counter()
        wrong: list[tuple[str, str, str]] = []  # system, case input, its sentence's output
        site_counter: Counter = Counter()
        site_info: dict = {}
        for i, line in enumerate(lines):
            outputs = {s: systems[s][i] for s in systems}
            if len(set(outputs.values())) == 1 and not target_cases:
                continue
            src_sents = sentences(line)
            per = {s: sentences(o) for s, o in outputs.items()}
            if any(len(v) != len(src_sents) for v in per.values()):
                src_sents, per = [line], {s: [o] for s, o in outputs.items()}
            for k, src in enumerate(src_sents):
                sent = {s: per[s][k] for s in per}
                covering = [c for c in target_cases if c["input"] in src]
                for case in covering:
                    for s, out in sent.items():
                        if not any(e in out for e in case["expected"].split(" || ")):
                            errors[s] += src.count(case["input"])
                            wrong.append((s, case["input"], out))
                if len(set(sent.values())) == 1:
                    continue
                for span, spans, context in sites_of(src, {s: sent[s] for s in SYSTEMS}):
                    key = (span, tuple(spans[s] for s in SYSTEMS))
                    site_counter[key] += 1
                    site_info.setdefault(key, (context, any(span in c["input"] or c["input"] in span for c in covering)))
        unjudged = {k: n for k, n in site_counter.items() if not site_info[k][1]}
        with open(OUT / f"errors-{target}.tsv", "w", encoding="utf-8") as handle:
            for s, text, out in sorted(wrong):
                handle.write(f"{s}\t{text}\t{out}\n")
        with open(OUT / f"sites-{target}.tsv", "w", encoding="utf-8") as handle:
            handle.write("count\tjudged\tsource\t" + "\t".join(SYSTEMS) + "\tcontext\n")
            for key, n in sorted(site_counter.items(), key=lambda kv: (-kv[1], kv[0])):
                context, judged = site_info[key]
                handle.write(f"{n}\t{'y' if judged else '-'}\t{key[0]}\t" + "\t".join(key[1]) + f"\t{context}\n")
        for s in systems:
            rate = errors[s] * 10000 / han
            table.append(
                f"| {target} | {s} | {errors[s]} | {rate:.1f} | {len(unjudged)} ({sum(unjudged.values())}) |"
            )
    report += table
    text = "\n".join(report) + "\n"
    (OUT / "summary.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

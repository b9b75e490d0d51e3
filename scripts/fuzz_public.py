"""A time-bounded fuzz of every public zhnorm function with hostile documents.

Run under sanitizers by scripts/sanitize_fuzz.sh (see there); it also runs
on its own::

    python scripts/fuzz_public.py --seconds 60 --out /tmp/fuzz

Documents are built from markup fragments (Markdown, wikitext, -{ }- rules,
NoteTA, HTML-ish tags), convertible Chinese, odd code points (lone
surrogates, NUL, astral, combining marks) and slices of the test fixtures'
articles, concatenated, repeated, nested and mutated. Each goes through the
public functions (the "targets" below). A sanitizer error aborts the process;
the document being run is always in OUT/current.txt (repr, one line), so it
can be replayed with --replay. An exception other than the documented ones
is a finding: it is written to OUT/findings.txt and the run goes on.

Checks beyond "does not crash": outputs are str; a conversion with
markup="plain" of text that holds no convertible character is the text itself
(s2t on ASCII); tokenize's tokens concatenate to the input.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import time
import traceback
from pathlib import Path

import zhnorm
from zhnorm.user_rules import RuleFileError, parse_rules

MARKUPS = ("plain", "markdown", "wikitext", "auto")
TARGETS = ("s2t", "zh-TW", "zh-CN", "zh-HK", "t2s", "s2twp")

FRAGMENTS = [
    # Markdown
    "<!--", "-->", "```", "~~~", "`", "``", "*", "**", "_", "__", "[", "]", "](", "![", ")",
    "<pre>", "</pre>", "<code>", "</code>", "<script>", "</script>", "<style>", "<div>", "</div>",
    "<", ">", "&amp;", "&#x4e2d;", "\\", "# ", "> ", "- ", "1. ", "|", "| --- |", "---", "===",
    "\n", "\n\n", "\r\n", "\r", "\t", "    ", "[x]: http://a.b/软件", "<http://软件.cn>", "$$",
    "$", "~~", "[^1]", "[^1]: 注", ":::", "{#id}", "<!-- 软件 -->",
    # wikitext
    "[[", "]]", "{{", "}}", "{{{", "}}}", "|", "[[软件|", "[http://x.cn 软件]", "'''", "''", "==", "\n== 计算机 ==\n",
    "<nowiki>", "</nowiki>", "<ref>", "</ref>", "<ref name=a/>", "<math>", "</math>", "{|", "|}",
    "|-", "__NOTOC__", "#REDIRECT [[软件]]", "<gallery>", "</gallery>",
    "{{NoteTA|G1=IT}}", "{{NoteTA|G1=IT|G2=Movie|1=zh-cn:软件;zh-tw:軟體;}}", "{{NoteTA|T=zh-cn:标题;zh-tw:標題;}}",
    "{{noteTA|G1=", "G1=Country", "|1=",
    # -{ }- rules
    "-{", "}-", "-{}-", "-{H|zh-cn:计算机;zh-tw:電腦;}-", "-{A|zh-hans:软件;zh-hant:軟體}-",
    "-{T|zh-cn:标题;zh-tw:標題}-", "-{D|", "-{-|", "-{R|", "-{zh;zh-hans;zh-hant|", "zh-cn:", "zh-tw:",
    "zh-hans:", "zh-hk:", ";", "=>", ":", "-{软件}-", "-{[[展]]}-", "-{}-[[展]]", "-{{", "}}-", "-{-{}-}-",
    # Chinese that converts
    "软件", "计算机", "头发", "发展", "裏", "著", "乾隆", "后面", "里程", "网络", "打印机", "鼠标",
    "台湾", "臺灣", "格鲁吉亚", "悉尼", "记忆体", "内存", "干净", "面条", "几", "云", "于",
    "這個軟體", "计算机的内存", "著名的乾隆皇帝", "，", "。", "「", "」", "…", "——",
    # odd code points
    "\ud800", "\udfff", "\x00", "\x1f", "\u200b", "\ufeff", "\U0002a6a5", "\U000f0000", "\u0301",
    "\u3000", "\uffff", "\U0010ffff", "a", " ", "ab", "http://", "zh", "é",
]


class _Hang(Exception):
    """A call ran past --call-timeout (raised from SIGALRM; the regex engine
    and the interpreter loop both check for signals)."""


def _fixture_texts(root: Path) -> list[str]:
    texts = []
    for path in sorted((root / "tests" / "fixtures").rglob("*")):
        if path.suffix in {".md", ".txt", ".wiki", ".mediawiki", ".json"} and path.stat().st_size < 400_000:
            try:
                texts.append(path.read_text("utf-8"))
            except (UnicodeDecodeError, OSError):
                pass
    return texts


class Documents:
    def __init__(self, rng: random.Random, seeds: list[str]):
        self.rng = rng
        self.seeds = seeds

    def piece(self, depth: int = 0) -> str:
        rng = self.rng
        r = rng.random()
        if r < 0.55 or depth > 3:
            return rng.choice(FRAGMENTS)
        if r < 0.7:  # one construct repeated
            return self.piece(depth + 1) * rng.choice((2, 3, 10, 30, 200))
        if r < 0.8:  # nested
            left, right = rng.choice((("-{", "}-"), ("[[", "]]"), ("{{", "}}"), ("<!--", "-->"),
                                      ("`", "`"), ("**", "**"), ("<pre>", "</pre>"), ("[", "]")))
            inner = self.piece(depth + 1)
            n = rng.choice((1, 2, 5, 50))
            return left * n + inner + right * rng.choice((0, n, n - 1 if n > 1 else 0))
        if r < 0.9 and self.seeds:
            seed = rng.choice(self.seeds)
            start = rng.randrange(max(len(seed), 1))
            return seed[start : start + rng.choice((10, 100, 1000, 5000))]
        return chr(rng.choice((rng.randrange(0x20, 0x80), rng.randrange(0x4E00, 0x9FFF),
                               rng.randrange(0, 0x110000))))

    def document(self) -> str:
        rng = self.rng
        parts = [self.piece() for _ in range(rng.choice((1, 2, 5, 10, 30)))]
        doc = "".join(parts)
        if len(doc) > 4000:
            doc = doc[: rng.choice((500, 4000))]
        for _ in range(rng.choice((0, 0, 1, 3))):  # mutations
            if not doc:
                break
            i = rng.randrange(len(doc))
            op = rng.randrange(3)
            if op == 0:
                doc = doc[:i] + doc[i + 1:]
            elif op == 1:
                doc = doc[:i] + rng.choice(FRAGMENTS) + doc[i:]
            else:
                j = rng.randrange(i, len(doc))
                doc = doc[:i] + doc[i:j] * 2 + doc[j:]
        return doc


def _targets(rng: random.Random):
    """(name, function(doc) -> None) for every public function."""
    converters = {t: zhnorm.Converter(t) for t in TARGETS}

    def pick():
        return converters[rng.choice(TARGETS)]

    def convert(doc):
        out = zhnorm.convert(doc, rng.choice(TARGETS), rng.choice(MARKUPS))
        assert isinstance(out, str)
        if doc.isascii() and "-{" not in doc:
            assert zhnorm.convert(doc, "s2t") == doc

    def convert_markup(doc):
        result = pick().convert_markup(doc, rng.choice(MARKUPS),
                                       filename=rng.choice((None, "a.md", "a.wiki", "a.txt", "x")))
        assert isinstance(result.text, str)

    def convert_title(doc):
        cut = rng.randrange(len(doc) + 1)
        assert isinstance(pick().convert_title(doc[:cut], doc[cut:], rng.choice(MARKUPS)), str)

    def explain(doc):
        target = rng.choice(TARGETS)
        markup = rng.choice(MARKUPS)
        changes = zhnorm.explain(doc[:3000], target, markup=markup)
        assert all(isinstance(c.after, str) for c in changes)

    def detect(doc):
        zhnorm.detect(doc, markup=rng.choice(MARKUPS)).to_dict()

    def normalize(doc):
        assert isinstance(zhnorm.normalize(doc, rng.choice(("zh-TW", "zh-CN", "zh-HK")),
                                           fold=rng.random() < 0.5), str)

    def tokenize(doc):
        markup = rng.choice(("markdown", "wikitext", "auto", "plain"))
        tokens = zhnorm.tokenize(doc, markup)
        assert "".join(t.text for t in tokens) == doc, "tokens do not rebuild the text"

    def rules(doc):
        try:
            parse_rules(doc, format=rng.choice((None, "tsv", "rules")))
        except RuleFileError:
            pass

    def converter_with_rules(doc):
        if rng.random() > 0.05:  # each new rule set compiles a chain (a second)
            return
        try:
            found = parse_rules(doc)
        except RuleFileError:
            return
        if found:
            zhnorm.Converter("zh-TW", rules=found[:3]).convert(doc, rng.choice(MARKUPS))

    def c_scanner(doc):
        from zhnorm.markup import markdown_c

        if markdown_c.available():
            markdown_c.scan_markdown(doc)

    return [("convert", convert), ("convert_markup", convert_markup), ("convert_title", convert_title),
            ("explain", explain), ("detect", detect), ("normalize", normalize), ("tokenize", tokenize),
            ("parse_rules", rules), ("converter_with_rules", converter_with_rules), ("c_scanner", c_scanner)]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--out", type=Path, default=Path("fuzz-out"))
    ap.add_argument("--replay", type=Path, help="run the document in this current.txt once, verbosely")
    ap.add_argument("--call-timeout", type=float, default=120,
                    help="a call taking longer is a finding (a hang), and the run goes on")
    args = ap.parse_args(argv)
    root = Path(__file__).resolve().parent.parent
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "little")
    rng = random.Random(seed)
    targets = _targets(rng)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.replay:
        doc = json.loads(args.replay.read_text().splitlines()[1])
        for name, fn in targets:
            print(name, flush=True)
            fn(doc)
        return 0
    docs = Documents(rng, _fixture_texts(root))
    current = args.out / "current.txt"
    findings = args.out / "findings.txt"
    deadline = time.monotonic() + args.seconds
    summary_path = args.out / "summary.json"

    def on_alarm(signum, frame):
        raise _Hang(f"no result after {args.call_timeout} s")

    signal.signal(signal.SIGALRM, on_alarm)
    count = calls = failures = 0
    spent = dict.fromkeys((name for name, _ in targets), 0.0)
    seen: dict[tuple, int] = {}
    while time.monotonic() < deadline:
        doc = docs.document()
        current.write_text(f"seed {seed} document {count}\n{json.dumps(doc)}\n")
        count += 1
        for name, fn in targets:
            calls += 1
            started = time.monotonic()
            signal.setitimer(signal.ITIMER_REAL, args.call_timeout)
            try:
                fn(doc)
            except Exception as e:  # noqa: BLE001 - every exception here is a finding
                failures += 1
                frame = traceback.extract_tb(e.__traceback__)[-1]
                signature = (name, type(e).__name__, frame.filename, frame.lineno)
                seen[signature] = seen.get(signature, 0) + 1
                if seen[signature] == 1:  # the first of each kind, in full
                    with open(findings, "a") as f:
                        f.write(f"{name} seed={seed} doc={count - 1}: {json.dumps(doc)[:2000]}\n")
                        f.write(traceback.format_exc() + "\n")
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                spent[name] += time.monotonic() - started
        if count % 100 == 0:  # a run killed early still says how far it got
            summary_path.write_text(json.dumps({"seed": seed, "documents": count, "calls": calls,
                                                "findings": failures, "partial": True}) + "\n")
    summary = {"seed": seed, "documents": count, "calls": calls, "findings": failures,
               "distinct_findings": [" ".join(map(str, k)) + f" x{v}" for k, v in seen.items()],
               "seconds": args.seconds, "seconds_per_target": {k: round(v, 1) for k, v in spent.items()}}
    summary_path.write_text(json.dumps(summary) + "\n")
    print(json.dumps(summary))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

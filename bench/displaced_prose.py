"""How many generated paragraphs come out with prose moved across markup.

``python bench/displaced_prose.py [N]`` generates N paragraphs per markup
and target (default 2000, seeded, so every run and every version of the
code sees the same paragraphs), mixing words whose conversion changes
length with the inline constructs of Markdown and wikitext, and converts
them with ``zhnorm.Converter(target)`` through ``zhnorm.markup.explain``.

A paragraph counts as *displaced* when some run of prose between two hard
boundaries (any protected token but emphasis, issue 12) does not come out,
joined, as the plain conversion of that run alone. Only public API that
older versions have is used, so the same script measures the code before
and after the cut-back on exact alignment: run it with
``PYTHONPATH=<checkout>/src``.
"""

from __future__ import annotations

import random
import sys

import zhnorm
from zhnorm.markup import explain

SIMPLIFIED = "方便面 澳大利亚 首席执行官 出租车 内存 代码 互联网 博客 程序员 阿塞拜疆 丹麦 伦讷 计算机 图形用户界面".split()
TAIWAN = "泡麵 澳洲 執行長 計程車 記憶體 程式碼 網際網路 部落格 程式設計師 亞塞拜然 丹麥 倫訥 電腦 圖形化使用者介面".split()
GLUE = list("的是和在他了，。") + ["安全", "验证"]
MARKDOWN = [("[", "](x)"), ("![", "](图.png)"), ("*", "*"), ("**", "**"), ("~~", "~~"),
            ("<span>", "</span>"), ("`", "`")]
MARKDOWN_ATOMS = ["\\[1\\]", "<br>"]
WIKITEXT = [("[[", "]]"), ("[[内存|", "]]"), ("'''", "'''"), ("''", "''"), ("{{lang|zh|", "}}"),
            ("<ref>", "</ref>"), ("<span>", "</span>")]
WIKITEXT_ATOMS = ["<ref name=a/>", "<br />"]
SOFT = {"emphasis", "quote_markup"}


def paragraph(rng: random.Random, markup: str, words: list[str]) -> str:
    pairs = MARKDOWN if markup == "markdown" else WIKITEXT
    atoms = MARKDOWN_ATOMS if markup == "markdown" else WIKITEXT_ATOMS
    parts = []
    for _ in range(rng.randint(2, 8)):
        prose = "".join(rng.choice(words) for _ in range(rng.randint(1, 3)))
        roll = rng.random()
        if roll < 0.4:
            parts.append(prose)
        elif roll < 0.85:
            left, right = rng.choice(pairs)
            parts.append(left + prose + right)
        else:
            parts.append(rng.choice(atoms))
    return "".join(parts)


def displaced(text: str, markup: str, converter) -> bool:
    plain = converter.convert
    pairs = explain(text, markup, plain, converter.target.variant)
    run_in, run_out = [], []
    for token, out in pairs + [(None, None)]:
        if token is not None and token.convertible:
            if token.type == "wikilink_bare" and out != token.text:
                out = out[len(token.text) + 1:]  # [[x]] -> [[x|shown]]
            run_in.append(token.text)
            run_out.append(out)
        elif token is None or token.type not in SOFT:
            if run_in and "".join(run_out) != plain("".join(run_in)):
                return True
            run_in, run_out = [], []
    return False


def main(n: int) -> None:
    total = bad_total = 0
    for markup in ("markdown", "wikitext"):
        for target in ("zh-TW", "s2twp", "zh-CN", "zh-HK"):
            converter = zhnorm.Converter(target)
            words = (TAIWAN if target == "zh-CN" else SIMPLIFIED) + GLUE
            rng = random.Random(f"{markup}-{target}")
            bad = sum(displaced(paragraph(rng, markup, words), markup, converter) for _ in range(n))
            total += n
            bad_total += bad
            print(f"{markup:9} {target:6} displaced {bad:5}/{n} = {bad / n:.1%}")
    print(f"all                displaced {bad_total:5}/{total} = {bad_total / total:.1%}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)

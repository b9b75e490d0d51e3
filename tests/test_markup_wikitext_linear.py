"""Wikitext conversion takes time linear in the input, on every construct.

Each construct of a generated list is converted alone, repeated, nested and
unclosed, with one convertible character in the text (otherwise the quiet
table would skip the work).  Doubling the input must at most roughly
double the time: the ratio is checked, never an absolute time, on the best
of a few runs of CPU time, so load on the machine does not decide it.  A
quadratic scan gives a ratio near 4 (the issue measured 100k ``[`` at 5-18
s before pass 1 paired brackets in one sweep).
"""

from __future__ import annotations

import os
import time

import pytest

import zhnorm

# (opening, closing) of every construct the scanner knows; closing "" means
# the construct has no closer to nest with.
CONSTRUCTS = [
    ("[", "]"), ("[[", "]]"), ("[[[", "]]]"), ("[[a|", "]]"), ("{{", "}}"), ("{{{", "}}}"), ("{{a|", "}}"),
    ("{{a|b=", "}}"), ("{{#if:", "}}"), ("{{lang|ja|", "}}"), ("-{", "}-"), ("-{{", "}}-"), ("-{a|", "}-"),
    ("<!--", "-->"), ("<ref>", "</ref>"), ("<ref name=a>", "</ref>"), ("<pre>", "</pre>"),
    ("<nowiki>", "</nowiki>"), ("<gallery>", "</gallery>"), ("<span>", "</span>"), ("<code>", "</code>"),
    ("[http://a.org/x ", "]"), ("[mailto:", "]"), ("http://a.org/<!--", "-->"), ("''", "''"), ("'''", "'''"),
    ("== ", " ==\n"), ("{|\n", "\n|}\n"), (" | a=", "\n"), ("* ", "\n"), ("__TOC__", ""), ("&amp;", ""),
    (":", ""), ("mailto:x", ""), ("[[File:a.png|", "]]"), ("}}", ""), ("]]", ""), ("}-", ""), ("<", ""),
    ("=", ""), ("\n", ""),
]


def shapes():
    for op, cl in CONSTRUCTS:
        yield f"{op!r} repeated", lambda k, op=op: op * k
        if cl:
            yield f"{op!r}…{cl!r} repeated", lambda k, op=op, cl=cl: (op + "x" + cl) * k
            yield f"{op!r} nested", lambda k, op=op, cl=cl: op * k + "x" + cl * k
            yield f"{op!r} unclosed in a closed one", lambda k, op=op, cl=cl: op + (op * k) + cl


SHAPES = list(shapes())
SIZE = int(os.environ.get("ZHNORM_LINEAR_SIZE", "20000"))


def _cpu(convert, text: str, runs: int = 2) -> float:
    best = float("inf")
    for _ in range(runs):
        t = time.process_time()
        convert(text, markup="wikitext")
        best = min(best, time.process_time() - t)
    return best


def _text(make, size: int) -> str:
    unit = len(make(1)) or 1
    return "软" + make(max(1, size // unit))


@pytest.mark.parametrize("name,make", SHAPES, ids=[s[0] for s in SHAPES])
def test_doubling_the_input_at_most_roughly_doubles_the_time(name, make):
    convert = zhnorm.Converter("zh-TW").convert
    size = SIZE
    for _attempt in range(4):
        small = _cpu(convert, _text(make, size))
        large = _cpu(convert, _text(make, 2 * size))
        if large <= 2.5 * max(small, 0.002):
            return
        if large < 0.05 and size >= 500_000:
            return  # a million characters in a few clock ticks: nothing quadratic here
        size *= 4 if large < 0.02 else 2  # below ~20 ms the clock's grain decides: grow the input
    pytest.fail(f"{name}: {size // 2} chars {small:.3f}s, {size} chars {large:.3f}s")


def test_the_scan_of_a_quadratic_input_is_caught():
    """The check above fails on a quadratic function (so it can fail)."""
    def quadratic(text, markup):
        n = len(text) // 200
        return sum(range(n * n))

    small = _cpu(quadratic, "x" * 400_000)
    large = _cpu(quadratic, "x" * 800_000)
    assert large > 2.5 * small

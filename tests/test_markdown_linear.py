"""Markdown conversion takes time linear in the input, on hostile input too.

Single constructs repeated, nested or never closed (``"<!--" * n``,
``"-{" * n``, ``"<pre>" * n`` ...) once took time in n squared: every
opener searched to the end of the text for its closer.  Each construct of
a generated list is converted at two sizes, n and 2n characters; the time
may at most roughly double (a ratio of at most 3, where quadratic work
gives 4).  Times are CPU times, the best of a few runs, and a construct is
measured again before it is judged slow, so the neighbours' load on a
shared machine does not decide.  One convertible character leads each
text: text the conversion cannot change is skipped whole (the quiet table)
and would hide the scanner's work.
"""

from __future__ import annotations

import time

import pytest

import zhnorm

SIZE = 60_000  # characters of the smaller text
# what is repeated: openers that are never closed, and constructs that are
UNITS = [
    "<!--", "-->", "<?", "<![CDATA[", "<!X", "-{", "}-", "-{a|", "<pre>", "<code>", "<script>", "<style>",
    "<math>", "<nowiki>", "</pre>", "<a ", '<a b="', "<a\n", "<", "[", "]", "![", "](", '](x "', "](x '", "](<",
    "[a][", "[^", "[^a]", "`", "``a", "`a``", "*a", "**", "_a", "~~a", "&", "&#", "&a", "\\", "\\[1",
    "http://", "www.", "<http://", "<a@", "|", "> ", "- ", "1. ", " - ", "[a]: /u '\n", "[a\n", "```\n",
    "~~~\n", "<div>\n", "<!--\n", "> ```\n", "1. ```\n", "|a|\n|-|\n", "    a\n", ">\t\ta\n", "\r", "\u3000\n",
]
NESTED = [("-{", "}-"), ("[", "](x)"), ("<b>", "</b>"), ("<pre>", "</pre>"), ("*", "*"), ("> ", ""), ("`", "`")]


def _text(unit: str, size: int) -> str:
    return "软" + unit * (size // len(unit))


def _nested(pair: tuple[str, str], size: int) -> str:
    k = size // (len(pair[0]) + len(pair[1]))
    return "软" + pair[0] * k + "x" + pair[1] * k


CASES = [pytest.param(_text, u, id=repr(u)) for u in UNITS] + [
    pytest.param(_nested, p, id=f"nested-{p[0]}{p[1]}") for p in NESTED
]
_CONV = zhnorm.Converter("zh-TW")


def _cpu(text: str, markup: str) -> float:
    best = float("inf")
    for _ in range(3):
        t0 = time.process_time()
        _CONV.convert(text, markup=markup)
        best = min(best, time.process_time() - t0)
    return best


@pytest.mark.parametrize("markup", ["markdown", "auto"])
@pytest.mark.parametrize("make, unit", CASES)
def test_doubling_the_input_at_most_doubles_the_time(make, unit, markup):
    small, large = make(unit, SIZE), make(unit, 2 * SIZE)
    ratios = []
    for _ in range(3):
        a, b = _cpu(small, markup), _cpu(large, markup)
        # 2 ms of slack: texts this small convert in about that, where a
        # clock tick is a large part of the ratio
        ratios.append((b - 0.002) / max(a, 1e-4))
        if ratios[-1] <= 3:
            return
    pytest.fail(f"{markup}: {len(large)} characters took {min(ratios):.1f} times as long as {len(small)}")


def test_the_check_tells_quadratic_from_linear():
    """The ratio separates the two: a quadratic function of the size
    (a search from every position to the end) exceeds the bound."""
    def quadratic(text: str) -> None:
        for i in range(0, len(text), 8):
            text.count("a", i)

    def cpu(text: str) -> float:  # best of three, as _cpu takes
        best = float("inf")
        for _ in range(3):
            t0 = time.process_time()
            quadratic(text)
            best = min(best, time.process_time() - t0)
        return best

    small, large = "a" * SIZE, "a" * (2 * SIZE)
    # Every try must exceed the bound, since the check passes on any one.
    assert all((cpu(large) - 0.002) / max(cpu(small), 1e-4) > 3 for _ in range(3))

"""The CommonMark 0.31.2 and GFM specifications as oracles for the scanner.

Every example of both specifications (``tests/fixtures/specs``), with
Chinese words in every place (``spec_examples.chinese``), is converted to
zh-TW and with s2twp, by the C scanner and by the Python one; input and
output are parsed with markdown-it-py as each specification reads Markdown,
and ``spec_examples.compare`` must find nothing: the same token structure,
every protected string (link destinations and titles, image sources, code,
info strings, HTML markup, autolinks) byte-identical, the text converted.

The examples in ``known_exceptions.json`` must fail instead, each for the
reason given there, so that fixing one (or breaking it differently) is
noticed.  The two scanners must also give identical spans on every example,
as written and with its line endings as ``\\r`` and ``\\r\\n``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zhnorm
from zhnorm.markup import markdown_c
from zhnorm.markup.markdown import scan_markdown as scan_python

import spec_examples

KNOWN_PATH = Path(__file__).parent / "fixtures" / "specs" / "known_exceptions.json"
KNOWN = json.loads(KNOWN_PATH.read_text(encoding="utf-8"))
KNOWN_BY_KEY = {(e["suite"], e["example"]): e for e in KNOWN}
EXAMPLES = {suite: spec_examples.examples(suite) for suite in spec_examples.SUITES}
TARGETS = ("zh-TW", "s2twp")
_CONVERTERS: dict[str, zhnorm.Converter] = {}
_PARSERS: dict[str, object] = {}


def converter(target: str) -> zhnorm.Converter:
    if target not in _CONVERTERS:
        _CONVERTERS[target] = zhnorm.Converter(target)
    return _CONVERTERS[target]


def parser(suite: str):
    if suite not in _PARSERS:
        _PARSERS[suite] = spec_examples.parser(suite)
    return _PARSERS[suite]


SCANNERS = ("c", "python") if markdown_c.available() else ("python",)


def _problems(ex: spec_examples.Example, monkeypatch) -> dict[str, list[str]]:
    """Problems per (target, scanner) of converting one example."""
    found = {}
    for scanner in SCANNERS:
        with monkeypatch.context() as m:
            if scanner == "python":
                m.setattr(markdown_c, "_mdscan", None)
            for target in TARGETS:
                c = converter(target)
                out = c.convert(ex.markdown, markup="markdown")
                found[f"{target}/{scanner}"] = spec_examples.compare(parser(ex.suite), ex.markdown, out, c.convert)
    return found


CASES = [pytest.param(ex, id=f"{suite}-{ex.number}") for suite, exs in EXAMPLES.items() for ex in exs]


@pytest.mark.parametrize("ex", CASES)
def test_example_keeps_its_markup_and_converts_its_text(ex, monkeypatch):
    found = _problems(ex, monkeypatch)
    known = KNOWN_BY_KEY.get((ex.suite, ex.number))
    if known is None:
        assert found == {k: [] for k in found}, ex.markdown
    else:
        kinds = {spec_examples.kind(p) for p in found.values()}
        # a known exception fails, and fails in the class it is listed under
        assert known["class"] in kinds, (known, found)
        assert kinds <= {known["class"], "ok"}, (known, found)


def _line_endings(text: str) -> list[str]:
    return [text, text.replace("\n", "\r"), text.replace("\n", "\r\n")]


@pytest.mark.skipif(markdown_c._mdscan is None, reason="the C scanner is not built")
@pytest.mark.parametrize("suite", list(EXAMPLES))
def test_c_scanner_equals_python_on_every_example(suite):
    for ex in EXAMPLES[suite]:
        for text in _line_endings(ex.markdown) + _line_endings(ex.original):
            assert markdown_c.scan_markdown(text) == scan_python(text), (ex.number, text)


def test_known_exceptions_are_well_formed():
    """Each entry names an existing example once, a failure class, and a
    reason that says why (not just that) it fails."""
    seen = set()
    for e in KNOWN:
        assert set(e) == {"suite", "example", "class", "reason"}, e
        key = (e["suite"], e["example"])
        assert key not in seen, key
        seen.add(key)
        assert e["suite"] in EXAMPLES and 1 <= e["example"] <= len(EXAMPLES[e["suite"]]), e
        assert e["class"] in ("structure", "protected", "text"), e
        assert len(e["reason"]) >= 40, e


def test_no_structure_failure_is_excused():
    """The target: no example may lose its structure (a link, a list, a
    code block) through conversion, excused or not."""
    assert not [e for e in KNOWN if e["class"] == "structure"]


def test_the_words_reach_every_place():
    """The Chinese words land in destinations, titles, code, info strings,
    HTML attributes and labels of the examples, or the oracle would check
    little."""
    text = "".join(ex.markdown for exs in EXAMPLES.values() for ex in exs)
    for probe in ("](/信息", '"标题"', "`软件`", "```程序", '="软件"', "[软件]:", "<https://软件"):
        assert probe in text, probe


# Lines of every example, Chinese and as written, to build documents from.
LINES = sorted({line for exs in EXAMPLES.values() for ex in exs
                for text in (ex.markdown, ex.original) for line in text.split("\n")})
ENDINGS = ["\n", "\r", "\r\n"]


@pytest.mark.skipif(markdown_c._mdscan is None, reason="the C scanner is not built")
@settings(max_examples=int(os.environ.get("ZHNORM_SPEC_EXAMPLES", "300")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(LINES), st.sampled_from(ENDINGS)), max_size=12))
def test_c_scanner_equals_python_on_mixed_example_lines(lines):
    """Lines of different examples after one another (a definition after
    a list item, a fence in a quote after a table ...), with mixed line
    endings: the C and Python scanners still agree."""
    text = "".join(a + b for a, b in lines)
    assert markdown_c.scan_markdown(text) == scan_python(text)

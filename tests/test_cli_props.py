"""Properties of the CLI's byte handling, over generated inputs (hypothesis)."""

from __future__ import annotations

import codecs
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zhnorm
from zhnorm.cli import io as zio
from zhnorm.cli import task as task_mod
from zhnorm.cli.backend import build_engine
from zhnorm.cli.walk import walk
from test_cli_support import ARTICLES, needs_engine

pytestmark = needs_engine

LINES = [ln for a in ARTICLES for ln in a.read_text("utf-8").split("\n")][:400]
PIECES = LINES + ["-{zh-hans:软件;zh-hant:軟體}-", "-{", "}-", "发展", "頭髮", "", " ", "`代码`"]

documents = st.lists(st.sampled_from(PIECES), min_size=0, max_size=40)


def _file_bytes(lines, crlf, bom, final_newline) -> tuple[bytes, str]:
    nl = "\r\n" if crlf else "\n"
    text = nl.join(lines) + (nl if final_newline and lines else "")
    return (codecs.BOM_UTF8 if bom else b"") + text.encode(), text


def _run(engine, path: Path, opts) -> task_mod.Result:
    item = next(e for e in walk([str(path)]))
    return task_mod.run_task(engine, opts, task_mod.Task(item))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=documents, crlf=st.booleans(), bom=st.booleans(), final_newline=st.booleans(),
       markup=st.sampled_from(["markdown", "plain"]))
def test_bytes_outside_prose_are_kept(lines, crlf, bom, final_newline, markup):
    """Output = BOM + library(LF text) with the file's line ends, final newline as it was."""
    engine = build_engine("zh-TW", markup=markup)
    data, text = _file_bytes(lines, crlf, bom, final_newline)
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "x.txt"
        f.write_bytes(data)
        res = _run(engine, f, task_mod.Options(action="stdout"))
    assert res.status in ("changed", "unchanged"), res.message
    conv = zhnorm.Converter("zh-TW")
    if markup == "plain":
        expected = conv.convert(text)
    else:
        lf = text.replace("\r\n", "\n")
        expected = conv.convert(lf, markup="markdown")
        if crlf and "\n" in text:
            expected = expected.replace("\n", "\r\n")
    assert res.output == (codecs.BOM_UTF8 if bom else b"") + expected.encode()
    assert res.output.endswith(b"\n") == data.endswith(b"\n")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=documents, block=st.integers(min_value=8, max_value=400), crlf=st.booleans(),
       markup=st.sampled_from(["auto", "plain"]))
def test_streamed_equals_whole(lines, block, crlf, markup):
    """Converting block by block (cut at newlines outside -{ }-) = converting whole."""
    engine = build_engine("zh-TW", markup=markup)
    data, _ = _file_bytes(lines * 3, crlf, False, True)
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "x.txt"
        f.write_bytes(data)
        whole = _run(engine, f, task_mod.Options(action="stdout"))
        out = Path(d) / "out.txt"
        item = next(e for e in walk([str(f)]))
        opts = task_mod.Options(action="write", stream_threshold=0, block_size=block, fsync=False)
        res = task_mod.run_task(engine, opts, task_mod.Task(item, str(out)))
        assert res.status in ("changed", "unchanged"), res.message
        assert out.read_bytes() == whole.output
        assert res.status == whole.status


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=300))
def test_decoding_any_bytes(data):
    """Any bytes: decoded, or DecodeFailure at the first bad byte; surrogateescape round-trips."""
    try:
        d = zio.decode(data, "utf-8")
        assert zio.encode(d.text, "utf-8", d.bom) == data
    except zio.DecodeFailure as e:
        with pytest.raises(UnicodeDecodeError) as ref:
            data.decode("utf-8")
        assert e.offset == ref.value.start
    d = zio.decode(data, "utf-8", "surrogateescape")
    assert zio.encode(d.text, "utf-8", d.bom, "surrogateescape") == data


def test_first_streamed_block_covers_the_sniff_sample():
    import importlib

    sample = getattr(importlib.import_module("zhnorm.markup.sniff"), "_SAMPLE", None)
    if sample is None:
        pytest.skip("the sniffer no longer says how much it reads")
    assert task_mod.SNIFF_BYTES >= 4 * sample

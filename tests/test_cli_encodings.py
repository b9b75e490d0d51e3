"""Encodings on the command line: UTF-32 marks, --in-place keeps each
file's encoding, -v names the output encoding, --output-encoding changes it.

Expected bytes are the library's conversion of the text, encoded by Python.
"""

from __future__ import annotations

import codecs

import pytest

import zhnorm
from zhnorm.cli import io as zio
from test_cli_support import needs_engine, run_main

pytestmark = needs_engine

TARGET = "zh-TW"
# Traditional text (so Big5 can hold it) that zh-TW still changes.
TEXT = "這個軟件的內存很大，\n程序員說：「信息」。\n"

CODECS = [
    ("utf-32-le", codecs.BOM_UTF32_LE),
    ("utf-32-be", codecs.BOM_UTF32_BE),
    ("utf-16-le", codecs.BOM_UTF16_LE),
    ("utf-16-be", codecs.BOM_UTF16_BE),
    ("utf-8", codecs.BOM_UTF8),
    ("gb18030", b""),
    ("big5", b""),
]


def library(text: str = TEXT) -> str:
    out = zhnorm.Converter(TARGET).convert(text)
    assert out != text
    return out


@pytest.mark.parametrize("codec, bom", [c for c in CODECS if c[1]])
def test_decode_recognises_every_byte_order_mark(codec, bom):
    d = zio.decode(bom + TEXT.encode(codec))
    assert (d.text, d.encoding, d.bom) == (TEXT, codec, True)


def test_utf32_is_not_read_as_utf16():
    data = codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le")
    assert zio.detect_encoding(data, True) == "utf-32-le"
    assert "\x00" not in zio.decode(data).text
    zio.sniff_binary(data)  # not binary: its NULs are the encoding's
    zio.sniff_binary(codecs.BOM_UTF32_BE + TEXT.encode("utf-32-be"))


@pytest.mark.parametrize("codec, bom", CODECS)
def test_in_place_keeps_the_encoding(tmp_path, capsysbinary, codec, bom):
    f = tmp_path / "a.txt"
    f.write_bytes(bom + TEXT.encode(codec))
    status, _, err = run_main(["convert", "--to", TARGET, "--in-place", "-v", f], capsysbinary)
    assert status == 0, err
    assert f.read_bytes() == bom + library().encode(codec)
    assert f"({codec} -> {codec}, plain)" in err


@pytest.mark.parametrize("codec, bom", CODECS)
def test_in_place_streamed_keeps_the_encoding(tmp_path, capsysbinary, monkeypatch, codec, bom):
    from zhnorm.cli import task as task_mod

    monkeypatch.setattr(task_mod, "STREAM_THRESHOLD", 64)
    f = tmp_path / "a.txt"
    f.write_bytes(bom + (TEXT * 20).encode(codec))
    status, _, err = run_main(["convert", "--to", TARGET, "--in-place", "-v", f], capsysbinary)
    assert status == 0, err
    assert f"({codec} -> {codec}, plain, streamed)" in err
    assert f.read_bytes() == bom + library(TEXT * 20).encode(codec)


def test_output_encoding_changes_it_in_place(tmp_path, capsysbinary):
    f = tmp_path / "a.txt"
    f.write_bytes(TEXT.encode("big5"))
    status, _, err = run_main(["convert", "--to", TARGET, "--in-place", "-v", "--output-encoding", "utf-8", f],
                              capsysbinary)
    assert status == 0, err
    assert f.read_bytes() == library().encode("utf-8")
    assert "(big5 -> utf-8, plain)" in err


def test_check_predicts_in_place(tmp_path, capsysbinary):
    f = tmp_path / "a.txt"
    f.write_bytes(library().encode("gb18030"))  # already converted, in GB18030
    status, out, _ = run_main(["convert", "--to", TARGET, "--check", f], capsysbinary)
    assert status == 0 and out == b""
    status, out, _ = run_main(["convert", "--to", TARGET, "--check", "--output-encoding", "utf-8", f],
                              capsysbinary)
    assert status == 1 and out == str(f).encode() + b"\n"


def test_new_files_are_utf8_by_default(tmp_path, capsysbinary):
    f = tmp_path / "a.txt"
    f.write_bytes(codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"))
    out = tmp_path / "out.txt"
    status, _, err = run_main(["convert", "--to", TARGET, "-o", out, "-v", f], capsysbinary)
    assert status == 0, err
    assert out.read_bytes() == codecs.BOM_UTF8 + library().encode("utf-8")
    assert "(utf-32-le -> utf-8, plain)" in err


def test_in_place_fails_rather_than_lose_a_character(tmp_path, capsysbinary):
    """Big5 has no simplified characters: converting to zh-CN in place fails,
    and the file is untouched."""
    f = tmp_path / "a.txt"
    f.write_bytes(TEXT.encode("big5"))
    status, _, err = run_main(["convert", "--to", "zh-CN", "--in-place", f], capsysbinary)
    assert status == 3
    assert "as Big5; choose another --output-encoding" in err
    assert f.read_bytes() == TEXT.encode("big5")


def test_diff_of_an_unchanged_legacy_file_is_empty(tmp_path, capsysbinary):
    f = tmp_path / "a.txt"
    f.write_bytes(library().encode("gb18030"))
    status, out, _ = run_main(["convert", "--to", TARGET, "--diff", f], capsysbinary)
    assert status == 0 and out == b""

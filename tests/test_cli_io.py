"""Unit tests of zhnorm.cli.io: decoding, encoding, line ends, atomic writes."""

from __future__ import annotations

import codecs
import errno
import os
import stat

import pytest

from zhnorm.cli import io as zio
from test_cli_support import ARTICLES, temp_leftovers

TEXT = ARTICLES[0].read_text("utf-8")


# --- decoding ---------------------------------------------------------------


def test_utf8_bom_is_stripped_and_remembered():
    d = zio.decode(codecs.BOM_UTF8 + "發展".encode())
    assert (d.text, d.encoding, d.bom) == ("發展", "utf-8", True)
    assert zio.encode(d.text, "utf-8", d.bom) == codecs.BOM_UTF8 + "發展".encode()


def test_explicit_utf8_still_keeps_bom():
    d = zio.decode(codecs.BOM_UTF8 + b"abc", "utf-8")
    assert d.text == "abc" and d.bom


@pytest.mark.parametrize("codec,bom", [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE)])
def test_utf16_with_bom(codec, bom):
    data = bom + TEXT.encode(codec)
    zio.sniff_binary(data)  # NUL bytes, but a BOM: not binary
    d = zio.decode(data)
    assert d.text == TEXT and d.encoding == codec and d.bom


@pytest.mark.parametrize("article", ARTICLES, ids=lambda p: p.name[:3])
def test_auto_tells_gb18030_from_big5(article):
    text = article.read_text("utf-8")
    gb = zio.decode(text.encode("gb18030"))
    assert (gb.text, gb.encoding) == (text, "gb18030")
    # Big5 lacks Simplified characters: drop the characters it cannot encode.
    trad = "".join(c for c in text if _big5_ok(c))
    assert sum(ord(c) > 0x3000 for c in trad) > 50, "too little Chinese left to test"
    d = zio.decode(trad.encode("big5"))
    assert (d.text, d.encoding) == (trad, "big5")


def _big5_ok(char: str) -> bool:
    try:
        char.encode("big5")
        return True
    except UnicodeEncodeError:
        return False


def test_big5_traditional_text_is_not_taken_for_gb18030():
    text = "臺灣的國語文字，是繁體中文。這是一個測試，說明編碼偵測。" * 3
    d = zio.decode(text.encode("big5"))
    assert d.encoding == "big5" and d.text == text


def test_undecodable_names_offset_and_line():
    data = "第一行\n第二行".encode() + b"\xff\xfe" + "尾".encode()
    with pytest.raises(zio.DecodeFailure) as e:
        zio.decode(data, "utf-8")
    offset = len("第一行\n第二行".encode())
    assert e.value.offset == offset and e.value.line == 2
    assert f"byte offset {offset}" in str(e.value) and "0xff" in str(e.value)


def test_auto_undecodable_reports_utf8_offset():
    data = b"abc\n\xff\xff\xff"
    with pytest.raises(zio.DecodeFailure) as e:
        zio.decode(data)
    assert e.value.offset == 4 and "UTF-8, GB18030 or Big5" in str(e.value)


def test_surrogateescape_round_trips_bad_bytes():
    data = "發展".encode() + b"\xff\x80" + "。\n".encode()
    d = zio.decode(data, "utf-8", "surrogateescape")
    assert zio.encode(d.text, "utf-8", d.bom, "surrogateescape") == data


def test_binary_sniff_reports_nul_offset():
    with pytest.raises(zio.BinaryFile) as e:
        zio.sniff_binary(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert e.value.offset == 8
    zio.sniff_binary(TEXT.encode())  # text passes


def test_encode_failure_gives_line_and_column():
    with pytest.raises(zio.EncodeFailure) as e:
        zio.encode("一\n二三𠀀", "big5", False)
    assert "line 2, column 3" in str(e.value) and "U+20000" in str(e.value)


# --- line ends -----------------------------------------------------------------


def test_split_crlf_only_when_consistent():
    assert zio.split_crlf("a\r\nb\r\n") == ("a\nb\n", True)
    assert zio.split_crlf("a\r\nb\n") == ("a\r\nb\n", False)
    assert zio.split_crlf("a\rb\r\n") == ("a\rb\r\n", False)
    assert zio.split_crlf("a\nb") == ("a\nb", False)
    assert zio.join_crlf("a\nb") == "a\r\nb"


# --- atomic writes ---------------------------------------------------------------


def test_atomic_write_keeps_mode(tmp_path):
    dest = tmp_path / "f.md"
    dest.write_bytes(b"old")
    os.chmod(dest, 0o640)
    zio.atomic_write(str(dest), b"new", mode=stat.S_IMODE(os.stat(dest).st_mode))
    assert dest.read_bytes() == b"new"
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o640
    assert temp_leftovers(tmp_path) == []


def test_atomic_write_new_file_gets_umask_mode(tmp_path, monkeypatch):
    monkeypatch.setattr(zio, "_NEW_FILE_MODE", None)  # read once per process
    dest = tmp_path / "new.md"
    old = os.umask(0o027)
    try:
        zio.atomic_write(str(dest), b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o640


def test_full_disk_leaves_original_and_no_temp(tmp_path, monkeypatch):
    dest = tmp_path / "f.md"
    dest.write_bytes(b"original")
    real_write = os.write
    calls = {"n": 0}

    def write(fd, data):
        calls["n"] += 1
        if calls["n"] > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, bytes(data)[:3])  # a short write first

    monkeypatch.setattr(os, "write", write)
    with pytest.raises(OSError) as e:
        zio.atomic_write(str(dest), b"0123456789")
    assert e.value.errno == errno.ENOSPC
    assert dest.read_bytes() == b"original"
    assert temp_leftovers(tmp_path) == []


def test_ctrl_c_during_write_leaves_no_temp(tmp_path, monkeypatch):
    dest = tmp_path / "f.md"
    dest.write_bytes(b"original")

    def fsync(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(KeyboardInterrupt):
        zio.atomic_write(str(dest), b"new")
    assert dest.read_bytes() == b"original"
    assert temp_leftovers(tmp_path) == []


def test_cannot_replace_a_directory(tmp_path):
    dest = tmp_path / "f.md"
    dest.mkdir()
    with pytest.raises(IsADirectoryError):
        zio.atomic_write(str(dest), b"new")
    assert dest.is_dir() and temp_leftovers(tmp_path) == []

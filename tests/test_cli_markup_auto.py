"""--markup auto on the command line: HTML files are read as HTML, and a
file that shows some sign of markup, too little to be sure, is refused
rather than converted as plain text when the two readings differ."""

from __future__ import annotations

import zhnorm
from test_cli_support import needs_engine, run_main

pytestmark = needs_engine

TARGET = "zh-TW"
CONV = zhnorm.Converter(TARGET)
PAGE = ('<!DOCTYPE html><html lang="zh"><body><p title="头发">头发</p>'
        '<a href="/软件">软件</a><script>var s = "软件";</script></body></html>\n')


def test_html_file_is_converted_as_html(tmp_path, capsysbinary):
    for name in ("page.html", "page.htm", "page.xhtml", "page.txt"):
        f = tmp_path / name
        f.write_text(PAGE, "utf-8")
        status, out, err = run_main(["convert", "--to", TARGET, "-v", f], capsysbinary)
        assert status == 0, err
        assert out.decode() == CONV.convert(PAGE, markup="html"), name
        assert 'href="/软件"' in out.decode() and 'var s = "软件";' in out.decode()
        assert "(utf-8 -> utf-8, html)" in err


def test_markup_html_option(tmp_path, capsysbinary):
    f = tmp_path / "fragment.txt"
    f.write_text('<b title="头发">头</b>发', "utf-8")
    status, out, err = run_main(["convert", "--to", TARGET, "--markup", "html", f], capsysbinary)
    assert status == 0, err
    assert out.decode() == '<b title="頭髮">頭</b>髮'


def test_weak_markup_that_matters_is_refused(tmp_path, capsysbinary):
    f = tmp_path / "note.txt"
    text = "发展 `软件` 头发\n"  # one code span: too little to call it Markdown
    f.write_text(text, "utf-8")
    assert CONV.convert(text, markup="markdown") != CONV.convert(text)
    status, out, err = run_main(["convert", "--to", TARGET, f], capsysbinary)
    assert status == 3, err
    assert f"zhnorm: {f}: looks partly like markdown" in err and "--markup" in err
    assert out == b""
    # Choosing resolves it.
    status, out, err = run_main(["convert", "--to", TARGET, "--markup", "plain", f], capsysbinary)
    assert status == 0 and out.decode() == CONV.convert(text)


def test_weak_markup_that_does_not_matter_is_plain(tmp_path, capsysbinary):
    f = tmp_path / "note.txt"
    text = "发展 `abc` 头发\n"  # the code span holds nothing to convert
    f.write_text(text, "utf-8")
    status, out, err = run_main(["convert", "--to", TARGET, f], capsysbinary)
    assert status == 0, err
    assert out.decode() == CONV.convert(text)


def test_in_place_refusal_leaves_the_file(tmp_path, capsysbinary):
    f = tmp_path / "note.txt"
    text = '头发 <a href="/软件">x</a>\n'  # two tags: too little to call it HTML
    f.write_text(text, "utf-8")
    assert CONV.convert(text, markup="html") != CONV.convert(text)
    status, _, err = run_main(["convert", "--to", TARGET, "--in-place", f], capsysbinary)
    assert status == 3 and "looks partly like html" in err and "--markup html" in err
    assert f.read_text("utf-8") == text

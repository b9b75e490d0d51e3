"""`zhnorm convert` run in-process through main(argv).

Plain-text cases (``--markup plain`` or .txt files) run against the library's
converter, or the OpenCC double until the library has one (``engine``
fixture).  Failures the test process cannot cause honestly as root (a full
disk, an I/O error, Ctrl-C half-way) are injected at the IO layer.
"""

from __future__ import annotations

import codecs
import errno
import json
import os
import shutil
import stat
import subprocess

import pytest

import zhnorm
from zhnorm.cli import backend, task as task_mod
from zhnorm.cli import io as zio
from test_cli_support import (
    ARTICLES, engine, library_convert, needs_explain, needs_markup, run_main, temp_leftovers,
)

TARGET = "s2twp"


@pytest.fixture
def plain_tree(tmp_path, engine):
    """The fixture articles as .txt files (plain text) in src/ and src/sub/."""
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    for i, a in enumerate(ARTICLES):
        where = src / "sub" if i % 2 else src
        shutil.copy(a, where / (a.stem + ".txt"))
    return src


def expected(data: bytes, target: str = TARGET) -> bytes:
    return library_convert(data.decode("utf-8"), target).encode("utf-8")


def files(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


# --- one file, standard streams --------------------------------------------------


def test_single_file_goes_to_stdout(plain_tree, capsysbinary):
    f = plain_tree / (ARTICLES[2].stem + ".txt")
    status, out, err = run_main(["convert", "--to", TARGET, "--markup", "plain", f], capsysbinary)
    assert status == 0, err
    assert out == expected(f.read_bytes())
    assert out != f.read_bytes()
    assert err == ""  # silent on success


def test_stdin_to_stdout(engine, capsysbinary, monkeypatch):
    data = ARTICLES[1].read_bytes()
    status, out, err = run_main(["convert", "--to", TARGET, "--markup", "plain", "-"],
                                capsysbinary, stdin=data, monkeypatch=monkeypatch)
    assert status == 0, err
    assert out == expected(data)


def test_bom_crlf_and_missing_final_newline_are_kept(tmp_path, engine, capsysbinary):
    text = ARTICLES[2].read_text("utf-8").rstrip("\n")
    f = tmp_path / "a.txt"
    f.write_bytes(codecs.BOM_UTF8 + text.replace("\n", "\r\n").encode())
    status, out, _ = run_main(["convert", "--to", TARGET, "--markup", "plain", f], capsysbinary)
    assert status == 0
    assert out == codecs.BOM_UTF8 + library_convert(text, TARGET).replace("\n", "\r\n").encode()
    assert not out.endswith(b"\n")


def test_output_encoding_input_keeps_gb18030(tmp_path, engine, capsysbinary):
    text = ARTICLES[1].read_text("utf-8")
    f = tmp_path / "gb.txt"
    f.write_bytes(text.encode("gb18030"))
    status, out, _ = run_main(["convert", "--to", "s2t", "--markup", "plain", "--output-encoding", "input", f], capsysbinary)
    assert status == 0 and out == library_convert(text, "s2t").encode("gb18030")
    status, out, _ = run_main(["convert", "--to", "s2t", "--markup", "plain", f], capsysbinary)
    assert status == 0 and out == library_convert(text, "s2t").encode("utf-8")


# --- trees ------------------------------------------------------------------------


def test_output_dir_mirrors_tree(plain_tree, tmp_path, capsysbinary):
    out = tmp_path / "out"
    status, stdout, err = run_main(["convert", "--to", TARGET, "--markup", "plain", "-o", out, plain_tree, "-j", "1"],
                                   capsysbinary)
    assert status == 0, err
    assert stdout == b""
    assert files(out) == files(plain_tree)
    for rel in files(plain_tree):
        assert (out / rel).read_bytes() == expected((plain_tree / rel).read_bytes()), rel
    assert "7 files: 7 changed, 0 unchanged" in err


def test_parallel_equals_serial(plain_tree, tmp_path, capsysbinary):
    for j in ("1", "2", "3"):
        status, _, err = run_main(["convert", "--to", TARGET, "--markup", "plain", "-o", tmp_path / f"out{j}",
                                   plain_tree, "-j", j], capsysbinary)
        assert status == 0, err
    for rel in files(plain_tree):
        one = (tmp_path / "out1" / rel).read_bytes()
        assert (tmp_path / "out2" / rel).read_bytes() == one
        assert (tmp_path / "out3" / rel).read_bytes() == one


def test_in_place_keeps_mode_and_skips_unchanged(plain_tree, capsysbinary):
    f = plain_tree / (ARTICLES[2].stem + ".txt")
    os.chmod(f, 0o751)
    before = {rel: (plain_tree / rel).read_bytes() for rel in files(plain_tree)}
    status, _, err = run_main(["convert", "--to", TARGET, "--markup", "plain", "--in-place", plain_tree], capsysbinary)
    assert status == 0, err
    for rel, data in before.items():
        assert (plain_tree / rel).read_bytes() == expected(data)
    assert stat.S_IMODE(f.stat().st_mode) == 0o751
    # A second pass rewrites only the files conversion still changes
    # (OpenCC's s2twp is not idempotent on every text); the others keep
    # their mtime.
    fixed = {rel for rel in files(plain_tree)
             if expected((plain_tree / rel).read_bytes()) == (plain_tree / rel).read_bytes()}
    assert fixed
    mtimes = {rel: (plain_tree / rel).stat().st_mtime_ns for rel in fixed}
    status, _, err = run_main(["convert", "--to", TARGET, "--markup", "plain", "--in-place", plain_tree], capsysbinary)
    assert status == 0 and f"{7 - len(fixed)} changed, {len(fixed)} unchanged" in err
    assert mtimes == {rel: (plain_tree / rel).stat().st_mtime_ns for rel in fixed}
    assert temp_leftovers(plain_tree) == []


def test_hidden_and_glob(plain_tree, tmp_path, capsysbinary):
    (plain_tree / ".hidden.txt").write_text("发展", "utf-8")
    (plain_tree / "keep.md").write_text("发展", "utf-8")
    out = tmp_path / "out"
    status, _, err = run_main(["convert", "--to", TARGET, "--markup", "plain", "--glob", "*.md",
                               "-o", out, plain_tree], capsysbinary)
    assert status == 0, err
    assert files(out) == ["keep.md"]


# --- refusals (exit 2, nothing written) -------------------------------------------


@pytest.mark.parametrize("extra,message", [
    (["-o", "{src}/out"], "inside the input directory"),
    ([], "several input files"),
    (["--check", "--in-place"], "write nothing"),
])
def test_refusals(plain_tree, capsysbinary, extra, message):
    argv = ["convert", "--to", TARGET, "--markup", "plain"] + [e.format(src=plain_tree) for e in extra] + [plain_tree]
    before = files(plain_tree)
    status, out, err = run_main(argv, capsysbinary)
    assert status == 2 and message in err and out == b""
    assert files(plain_tree) == before


def test_never_overwrites_input_without_in_place(plain_tree, capsysbinary):
    f = plain_tree / (ARTICLES[2].stem + ".txt")
    data = f.read_bytes()
    status, _, err = run_main(["convert", "--to", TARGET, "--markup", "plain", "-o", f, f], capsysbinary)
    assert status == 2 and "--in-place" in err
    assert f.read_bytes() == data


def test_two_inputs_to_one_output_refused(tmp_path, engine, capsysbinary):
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "x.txt").write_text("发展", "utf-8")
    status, _, err = run_main(["convert", "--to", TARGET, "--markup", "plain", "-o", tmp_path / "out",
                               tmp_path / "a", tmp_path / "b"], capsysbinary)
    assert status == 2 and "both be written" in err
    assert not (tmp_path / "out").exists()


def test_unknown_target_lists_valid_ones(plain_tree, capsysbinary):
    status, out, err = run_main(["convert", "--to", "zh-XX", plain_tree], capsysbinary)
    assert status == 2 and "zh-XX" in err and out == b""


def test_usage_error_from_argparse_is_2(capsysbinary):
    status, _, err = run_main(["convert", "x.txt"], capsysbinary)
    assert status == 2 and "--to" in err


def test_help_and_version_exit_0(capsysbinary):
    status, out, _ = run_main(["convert", "--help"], capsysbinary)
    assert status == 0 and b"--in-place" in out and b"exit status" in out
    status, out, _ = run_main(["--version"], capsysbinary)
    assert status == 0 and zhnorm.__version__.encode() in out


# --- --check and --diff ---------------------------------------------------------------


def test_check_lists_changes_and_exits_1(plain_tree, tmp_path, capsysbinary):
    status, out, err = run_main(["convert", "--to", TARGET, "--markup", "plain", "--check", plain_tree], capsysbinary)
    assert status == 1
    listed = out.decode().splitlines()
    assert sorted(listed) == sorted(str(plain_tree / rel) for rel in files(plain_tree))
    assert "would change" in err
    # after converting, only files conversion still changes are listed
    run_main(["convert", "--to", TARGET, "--markup", "plain", "--in-place", plain_tree], capsysbinary)
    again = sorted(str(plain_tree / rel) for rel in files(plain_tree)
                   if expected((plain_tree / rel).read_bytes()) != (plain_tree / rel).read_bytes())
    status, out, err = run_main(["convert", "--to", TARGET, "--markup", "plain", "--check", plain_tree], capsysbinary)
    assert status == (1 if again else 0)
    assert sorted(out.decode().splitlines()) == again
    # and a target that changes nothing passes
    status, out, err = run_main(["convert", "--to", "t2s", "--markup", "plain", "--check", plain_tree / "sub"],
                                capsysbinary)
    status2, _, _ = run_main(["convert", "--to", "t2s", "--markup", "plain", "--in-place", plain_tree / "sub"],
                             capsysbinary)
    status, out, err = run_main(["convert", "--to", "t2s", "--markup", "plain", "--check", plain_tree / "sub"],
                                capsysbinary)
    assert (status, out) == (0, b"")


def test_diff_applies_with_patch(plain_tree, capsysbinary):
    if shutil.which("patch") is None:
        pytest.skip("patch(1) not installed")
    f = plain_tree / (ARTICLES[2].stem + ".txt")
    data = f.read_bytes()
    status, out, _ = run_main(["convert", "--to", TARGET, "--markup", "plain", "--diff", f], capsysbinary)
    assert status == 1 and out.startswith(b"--- a/")
    assert f.read_bytes() == data  # --diff writes nothing
    subprocess.run(["patch", "-s", str(f)], input=out, check=True)
    assert f.read_bytes() == expected(data)


def test_diff_marks_missing_final_newline():
    from zhnorm.cli.task import unified_diff

    d = unified_diff("发展\n中心", "發展\n中心", "f")
    assert d.endswith("-发展\n+發展\n 中心\n\\ No newline at end of file\n")  # as GNU diff
    d = unified_diff("中心", "中國", "f")
    assert d.endswith("-中心\n\\ No newline at end of file\n+中國\n\\ No newline at end of file\n")


# --- bad files: reported, the rest converted -------------------------------------------


def test_bad_files_do_not_stop_the_others(plain_tree, tmp_path, capsysbinary):
    (plain_tree / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    bad = "第一行\n".encode() + b"abc\xff\xfe"
    (plain_tree / "bad.txt").write_bytes(bad)
    out = tmp_path / "out"
    status, _, err = run_main(["convert", "--to", TARGET, "--markup", "plain", "-o", out, plain_tree, "-j", "2"],
                              capsysbinary)
    assert status == 3
    assert f"zhnorm: {plain_tree / 'bad.txt'}: cannot decode" in err
    assert f"byte offset {len('第一行'.encode()) + 4} (line 2)" in err
    assert f"zhnorm: {plain_tree / 'image.txt'}: binary file" in err
    assert "1 of 9 files failed" in err and "7 changed" in err and "1 skipped" in err
    assert not (out / "bad.txt").exists() and not (out / "image.txt").exists()
    for a in ARTICLES:
        rel = next(r for r in files(plain_tree) if r.endswith(a.stem + ".txt"))
        assert (out / rel).read_bytes() == expected((plain_tree / rel).read_bytes())


def test_surrogateescape_passes_bad_bytes_through(tmp_path, engine, capsysbinary):
    f = tmp_path / "bad.txt"
    f.write_bytes("发展\n".encode() + b"\xff\xfe" + "中心".encode())
    status, out, _ = run_main(["convert", "--to", TARGET, "--markup", "plain", "--errors", "surrogateescape", f], capsysbinary)
    assert status == 0
    assert out == library_convert("发展\n", TARGET).encode() + b"\xff\xfe" + library_convert("中心", TARGET).encode()


def test_named_binary_file_is_a_failure(tmp_path, engine, capsysbinary):
    """Named on the command line, a file that is not converted is a failure
    (issue 15); inside a directory it is only skipped (test_bad_files_do_not_stop_the_others)."""
    f = tmp_path / "x.bin"
    f.write_bytes(b"\x00\x01\x02")
    status, out, err = run_main(["convert", "--to", TARGET, "--markup", "plain", f], capsysbinary)
    assert status == 3 and out == b"" and f"zhnorm: {f}: binary file" in err


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_full_disk_mid_run(plain_tree, capsysbinary, monkeypatch, jobs):
    """ENOSPC while writing one file: that file fails, unchanged; the rest convert."""
    before = {p: p.read_bytes() for p in plain_tree.rglob("*.txt")}
    victim = sorted(before)[2]
    original = victim.read_bytes()
    real_atomic = zio.AtomicFile.write

    def write(self, data):
        if os.path.basename(self.dest) == victim.name:
            real_atomic(self, data[:100])
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_atomic(self, data)

    monkeypatch.setattr(zio.AtomicFile, "write", write)
    status, _, err = run_main(["convert", "--to", TARGET, "--markup", "plain", "--in-place", plain_tree, "-j", jobs],
                              capsysbinary)
    assert status == 3
    assert f"zhnorm: {victim}: No space left on device" in err
    assert victim.read_bytes() == original
    assert temp_leftovers(plain_tree) == []
    for p, data in before.items():
        if p != victim:
            assert p.read_bytes() == expected(data), p


def test_unreadable_file_injected(plain_tree, tmp_path, capsysbinary, monkeypatch):
    victim = sorted(plain_tree.rglob("*.txt"))[0]
    real_read = task_mod._read

    def read(item):
        if item.path == str(victim):
            raise PermissionError(errno.EACCES, "Permission denied", item.path)
        return real_read(item)

    monkeypatch.setattr(task_mod, "_read", read)
    status, _, err = run_main(["convert", "--to", TARGET, "--markup", "plain", "-o", tmp_path / "out", plain_tree, "-j", "1"],
                              capsysbinary)
    assert status == 3 and f"zhnorm: {victim}: Permission denied" in err
    assert len(files(tmp_path / "out")) == len(ARTICLES) - 1


def test_ctrl_c_mid_run_leaves_no_partial_file(plain_tree, capsysbinary, monkeypatch):
    before = {p: p.read_bytes() for p in plain_tree.rglob("*.txt")}
    victim = sorted(before)[3]
    real_commit = zio.AtomicFile.commit

    def commit(self):
        if os.path.basename(self.dest) == victim.name:
            raise KeyboardInterrupt
        return real_commit(self)

    monkeypatch.setattr(zio.AtomicFile, "commit", commit)
    status, _, err = run_main(["convert", "--to", TARGET, "--markup", "plain", "--in-place", plain_tree, "-j", "1"],
                              capsysbinary)
    assert status == 130 and "interrupted" in err
    assert temp_leftovers(plain_tree) == []
    assert victim.read_bytes() == before[victim]
    for p, data in before.items():  # each file is either untouched or fully converted
        assert p.read_bytes() in (data, expected(data))


# --- streaming of large plain files -----------------------------------------------------


def test_streamed_equals_whole(tmp_path, engine, capsysbinary, monkeypatch):
    # A text with -{ }- rules spanning lines, converted in tiny blocks.
    body = "".join(a.read_text("utf-8") for a in ARTICLES)
    body += "\n-{zh-hans:软件\n;zh-hant:軟體}-\n发展\n" * 50
    f = tmp_path / "big.txt"
    f.write_bytes(body.encode())
    monkeypatch.setattr(task_mod, "STREAM_THRESHOLD", 1000)
    monkeypatch.setattr(task_mod, "BLOCK_SIZE", 777)  # cuts inside UTF-8 sequences too
    out = tmp_path / "out.txt"
    status, _, err = run_main(["convert", "--to", TARGET, "--markup", "plain", "-v", "-o", out, f], capsysbinary)
    assert status == 0, err
    assert "streamed" in err
    assert out.read_bytes() == expected(f.read_bytes())


def test_safe_cut_never_inside_rule():
    from zhnorm.cli.task import safe_cut

    assert safe_cut("ab\ncd") == 3
    assert safe_cut("ab\n-{x\ny}-\ncd") == 11
    assert safe_cut("ab\n-{x\ny") == 3
    assert safe_cut("-{x\ny") == 0
    assert safe_cut("-{x\ny", force=True) == 4
    assert safe_cut("no newline") == 0


def test_streamed_decode_error_offset(tmp_path, engine, capsysbinary, monkeypatch):
    good = ("发展中心\n" * 400).encode()
    f = tmp_path / "big.txt"
    f.write_bytes(good + b"\xff" + b"tail\n")
    monkeypatch.setattr(task_mod, "STREAM_THRESHOLD", 1000)
    monkeypatch.setattr(task_mod, "BLOCK_SIZE", 1000)
    out = tmp_path / "out.txt"
    status, _, err = run_main(["convert", "--to", TARGET, "--markup", "plain", "--encoding", "utf-8", "-o", out, f],
                              capsysbinary)
    assert status == 3
    assert f"byte offset {len(good)} (line 401)" in err
    assert not out.exists() and temp_leftovers(tmp_path) == []


# --- features still to come ---------------------------------------------------------------


def test_report_needs_explain(plain_tree, tmp_path, capsysbinary, monkeypatch):
    """A library without explain(): --report is a usage error, nothing written."""
    monkeypatch.delattr(zhnorm, "explain", raising=False)
    status, _, err = run_main(["convert", "--to", TARGET, "--check", "--report", tmp_path / "r.jsonl",
                               plain_tree], capsysbinary)
    assert status == 2
    assert "--report needs zhnorm.explain, not available in this version" in err
    assert not (tmp_path / "r.jsonl").exists()


@needs_explain
def test_report_rows(plain_tree, tmp_path, capsysbinary):
    from test_cli_e2e import apply_report

    report = tmp_path / "r.jsonl"
    status, _, err = run_main(["convert", "--to", TARGET, "--markup", "plain", "--check",
                               "--report", report, plain_tree, "-j", "2"], capsysbinary)
    assert status == 1, err
    rows = [json.loads(line) for line in report.read_text("utf-8").splitlines()]
    assert rows and set(rows[0]) == {"file", "line", "column", "before", "after", "why"}
    files_seen = list(dict.fromkeys(r["file"] for r in rows))
    assert files_seen == sorted(files_seen, key=lambda f: files(plain_tree).index(
        os.path.relpath(f, plain_tree)))  # input order
    for name in files_seen:
        data = open(name, "rb").read()
        changes = [r for r in rows if r["file"] == name]
        assert apply_report(data.decode(), changes).encode() == expected(data)


def test_report_to_stdout_needs_stdout_free(plain_tree, capsysbinary):
    f = plain_tree / (ARTICLES[2].stem + ".txt")
    status, out, err = run_main(["convert", "--to", TARGET, "--report", "-", f], capsysbinary)
    assert status == 2 and "--report -" in err and out == b""


def test_group_needs_library_support(plain_tree, capsysbinary, monkeypatch):
    """A Converter without groups=: --group is a usage error."""
    class OldConverter:
        def __init__(self, target):
            self.target = target

        def convert(self, text):
            return text

    monkeypatch.setattr(zhnorm, "Converter", OldConverter)
    status, _, err = run_main(["convert", "--to", TARGET, "--group", "IT", "--check", plain_tree],
                              capsysbinary)
    assert status == 2 and "--group needs zhnorm.Converter(groups=...), not available" in err
    # and without markup support, Markdown files fail (never converted as plain)
    md = plain_tree / "a.md"
    md.write_text("[发展](发展.md)", "utf-8")
    status, out, err = run_main(["convert", "--to", TARGET, md], capsysbinary)
    assert status == 3 and "markdown conversion needs markup support" in err and out == b""
    status, _, err = run_main(["convert", "--to", TARGET, "--markup", "markdown", md], capsysbinary)
    assert status == 2 and "--markup markdown needs" in err


def test_rules_files(plain_tree, tmp_path, capsysbinary):
    rules = tmp_path / "names.txt"
    rules.write_text("# house style\n悉尼=>zh-tw:雪梨\n-{zh-cn:格鲁吉亚;zh-tw:喬治亞}-\n", "utf-8")
    f = tmp_path / "a.txt"
    f.write_text("悉尼和格鲁吉亚的发展\n", "utf-8")
    status, out, err = run_main(["convert", "--to", "zh-TW", "--markup", "plain", "--rules", rules, f],
                                capsysbinary)
    assert status == 0, err
    assert out.decode() == zhnorm.Converter("zh-TW", rules=[str(rules)]).convert(f.read_text("utf-8"))
    assert "雪梨" in out.decode() and "喬治亞" in out.decode()
    bad = tmp_path / "bad.txt"
    bad.write_text("ok=>zh-tw:好\nthis is not a rule:\n", "utf-8")
    status, out, err = run_main(["convert", "--to", "zh-TW", "--rules", bad, f], capsysbinary)
    assert status == 2 and str(bad) in err and out == b""
    status, _, err = run_main(["convert", "--to", "zh-TW", "--rules", tmp_path / "missing.txt", f],
                              capsysbinary)
    assert status == 2 and "missing.txt: No such file or directory" in err


def test_fsync_by_default_only_in_place(plain_tree, tmp_path, capsysbinary, monkeypatch):
    calls = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append(fd), real(fd)))
    run_main(["convert", "--to", TARGET, "--markup", "plain", "-j", "1", "-o", tmp_path / "o1", plain_tree],
             capsysbinary)
    assert calls == []
    run_main(["convert", "--to", TARGET, "--markup", "plain", "-j", "1", "--fsync", "-o", tmp_path / "o2",
              plain_tree], capsysbinary)
    assert len(calls) == 7
    run_main(["convert", "--to", TARGET, "--markup", "plain", "-j", "1", "--in-place", plain_tree], capsysbinary)
    assert len(calls) == 14


def test_in_place_through_symlink_keeps_the_link(plain_tree, tmp_path, capsysbinary):
    target = plain_tree / (ARTICLES[2].stem + ".txt")
    data = target.read_bytes()
    link = tmp_path / "link.txt"
    os.symlink(target, link)
    status, _, err = run_main(["convert", "--to", TARGET, "--markup", "plain", "--in-place", link,
                               plain_tree, "-j", "2"], capsysbinary)
    assert status == 0, err
    assert link.is_symlink() and target.read_bytes() == expected(data)
    assert "7 files: 7 changed" in err  # the file named twice was converted once


def test_report_dash_conflicts_with_other_stdout(plain_tree, capsysbinary):
    status, _, err = run_main(["convert", "--to", TARGET, "--check", "--report", "-", plain_tree], capsysbinary)
    assert status == 2 and "--report -" in err


def test_output_dir_around_an_input_dir_cannot_overwrite_it(tmp_path, capsysbinary):
    """-o T with input T/sub: T/sub/sub/x.txt would be written over the input T/sub/x.txt."""
    (tmp_path / "sub" / "sub").mkdir(parents=True)
    for rel in ("sub/x.txt", "sub/sub/x.txt"):
        (tmp_path / rel).write_text("发展", "utf-8")
    status, _, err = run_main(["convert", "--to", TARGET, "-o", tmp_path, tmp_path / "sub"], capsysbinary)
    assert status == 2 and "would overwrite the input" in err
    assert (tmp_path / "sub" / "x.txt").read_text("utf-8") == "发展"


def _feed_in_blocks(text: str, block: int, force_at: int):
    """Drive a PlainCutter as the streaming loop does; returns (pieces, cutter work)."""
    from zhnorm.cli.task import PlainCutter

    cutter, buf, pieces, work = PlainCutter(), "", [], 0
    for i in range(0, len(text), block):
        buf += text[i:i + block]
        cut = cutter.cut(buf, force=len(buf) > force_at)
        if cut:
            pieces.append(buf[:cut])
            buf = buf[cut:]
            cutter.consume(cut)
    pieces.append(buf)
    return pieces, cutter.scanned


@pytest.mark.parametrize("unit", ["发展软件", "发展\n软件", "a-{b}-c", "x-{y\nz}-\n", "-{", "-{\n", "}-\n"])
def test_cutter_work_is_linear_in_the_text(unit):
    """Issue 16: a plain file with no newline made safe_cut rescan the whole
    growing buffer after every block (quadratic).  The cutter's work, counted
    in characters examined, stays within a constant factor of the text,
    however long the text and however small the blocks."""
    for reps in (2_000, 8_000):
        text = unit * reps
        pieces, work = _feed_in_blocks(text, 64, force_at=8 * 64)
        assert "".join(pieces) == text
        assert work <= 12 * len(text), (unit, reps, work)


def test_cutter_cuts_only_where_the_library_sees_no_rule():
    """Each cut lies just after a newline outside every rule that
    zhnorm.markup.plain.scan_plain finds in the whole text."""
    from zhnorm.markup.plain import scan_plain

    text = "甲\n-{a\nb}-\n乙-{c}-\n-{d\n" + "丙\n" * 50 + "}-\n丁\n" * 3
    pieces, _ = _feed_in_blocks(text, 5, force_at=10_000)
    assert "".join(pieces) == text
    rules = [(s.start, s.end) for s in scan_plain(text) if s.type == "conv_rule"]
    assert rules
    at = 0
    for piece in pieces[:-1]:
        at += len(piece)
        assert text[at - 1] == "\n"
        assert not any(a < at < b for a, b in rules), at


def test_streamed_file_without_newlines_equals_whole(tmp_path, engine, capsysbinary, monkeypatch):
    body = "头发和发展软件-{zh-hans:软件;zh-hant:軟體}-，" * 400
    f = tmp_path / "big.txt"
    f.write_bytes(body.encode())
    monkeypatch.setattr(task_mod, "STREAM_THRESHOLD", 1000)
    monkeypatch.setattr(task_mod, "BLOCK_SIZE", 500)
    out = tmp_path / "out.txt"
    status, _, err = run_main(["convert", "--to", TARGET, "--markup", "plain", "-v", "-o", out, f], capsysbinary)
    assert status == 0, err
    assert "streamed" in err
    assert out.read_bytes() == expected(f.read_bytes())


from hypothesis import given, settings, strategies as st  # noqa: E402

_CUTTER_EXAMPLES = int(os.environ.get("ZHNORM_CUTTER_EXAMPLES", "200"))


@settings(max_examples=_CUTTER_EXAMPLES, deadline=None)
@given(st.lists(st.sampled_from(["\n", "-{", "}-", "|", ";", "zh-tw:", "a", "发", "头发", "軟"]), max_size=60),
       st.integers(1, 9))
def test_cutter_pieces_convert_like_the_whole(units, block):
    """Converting the pieces the cutter makes, one by one, gives the
    conversion of the whole text (the library's plain markup, rules and all)."""
    text = "".join(units)
    pieces, _ = _feed_in_blocks(text, block, force_at=1 << 30)
    assert "".join(pieces) == text
    conv = zhnorm.Converter(TARGET)
    whole = conv.convert_markup(text, "plain").text
    assert "".join(conv.convert_markup(p, "plain").text for p in pieces) == whole

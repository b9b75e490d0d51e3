"""The command line never damages what it was not asked to convert.

Special files given to -o or --report (devices, FIFOs, symbolic links,
/dev/fd/N), abbreviated options, files named on the command line that
cannot be converted, signals (Ctrl-C, SIGTERM, the main process killed
under -j 2), inputs replaced during the run, file names that are not
UTF-8, full disks, and --in-place on hard-linked and read-only files.

Devices are made with mknod inside the test's own directory (root only),
never by touching the system's /dev: a regression that renamed over the
device would then destroy a throw-away node, not /dev/null.
"""

from __future__ import annotations

import argparse
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import zhnorm
from zhnorm.cli.args import build_parser
from test_cli_support import console_script, is_root, needs_engine, run_script, temp_leftovers

pytestmark = needs_engine

TARGET = "zh-TW"
TEXT = "发展软件，头发。\n" * 50


def converted(text: str = TEXT) -> bytes:
    return zhnorm.Converter(TARGET).convert(text).encode("utf-8")


@pytest.fixture
def src(tmp_path) -> Path:
    f = tmp_path / "a.txt"
    f.write_text(TEXT, "utf-8")
    return f


def make_device(path: Path, minor: int) -> Path:
    """A character device of the "mem" driver: 3 = null, 7 = full."""
    if not is_root():
        pytest.skip("making a device node needs root")
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
    return path


# --- -o and --report naming a special file ------------------------------------------


def test_output_to_a_device_writes_through_and_keeps_it(src, tmp_path):
    null = make_device(tmp_path / "null", 3)
    r = run_script(["convert", "--to", TARGET, "-o", null, src])
    assert r.returncode == 0, r.stderr
    assert stat.S_ISCHR(os.lstat(null).st_mode), "the device was replaced"
    assert temp_leftovers(tmp_path) == []


def test_output_to_a_full_device_fails_naming_it(src, tmp_path):
    full = make_device(tmp_path / "full", 7)
    r = run_script(["convert", "--to", TARGET, "-o", full, src])
    err = r.stderr.decode()
    assert r.returncode == 3, err
    assert f"zhnorm: {full}: No space left on device" in err, err
    assert stat.S_ISCHR(os.lstat(full).st_mode)
    assert "Traceback" not in err


def test_output_to_a_fifo_writes_through(src, tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    r = run_script(["convert", "--to", TARGET, "-o", fifo, src], timeout=60)
    reader.join(30)
    assert r.returncode == 0, r.stderr
    assert got == [converted()]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@pytest.mark.parametrize("exists", [True, False])
def test_output_through_a_symlink_keeps_the_link(src, tmp_path, exists):
    target = tmp_path / "real.txt"
    if exists:
        target.write_text("old\n", "utf-8")
    link = tmp_path / "link.txt"
    link.symlink_to(target.name)
    r = run_script(["convert", "--to", TARGET, "-o", link, src])
    assert r.returncode == 0, r.stderr
    assert link.is_symlink() and os.readlink(link) == target.name
    assert target.read_bytes() == converted()


def test_output_to_dev_fd(src, tmp_path):
    out = tmp_path / "out.txt"
    with open(out, "wb") as f:
        f.write(b"kept: ")
        f.flush()
        fd = f.fileno()
        r = subprocess.run(console_script() + ["convert", "--to", TARGET, "-o", f"/dev/fd/{fd}", str(src)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, pass_fds=(fd,), timeout=120)
    assert r.returncode == 0, r.stderr
    # Written into the caller's descriptor, at its offset, like a shell's 3>file.
    assert out.read_bytes() == b"kept: " + converted()


def test_output_to_dev_fd_of_a_pipe(src):
    rfd, wfd = os.pipe()
    try:
        proc = subprocess.Popen(console_script() + ["convert", "--to", TARGET, "-o", f"/dev/fd/{wfd}", str(src)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, pass_fds=(wfd,))
        os.close(wfd)
        wfd = -1
        with os.fdopen(rfd, "rb") as r:
            rfd = -1
            data = r.read()
        _, err = proc.communicate(timeout=120)
    finally:
        for fd in (rfd, wfd):
            if fd >= 0:
                os.close(fd)
    assert proc.returncode == 0, err
    assert data == converted()


def test_report_to_a_device_keeps_it(src, tmp_path):
    null = make_device(tmp_path / "null", 3)
    r = run_script(["convert", "--to", TARGET, "-o", tmp_path / "out.txt", "--report", null, src])
    assert r.returncode == 0, r.stderr
    assert stat.S_ISCHR(os.lstat(null).st_mode)


# --- full disks ---------------------------------------------------------------------


def test_full_disk_on_stdout_is_a_message_not_a_traceback(src):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    with open("/dev/full", "wb") as full:
        r = subprocess.run(console_script() + ["convert", "--to", TARGET, str(src)],
                           stdout=full, stderr=subprocess.PIPE, timeout=120)
    err = r.stderr.decode()
    assert r.returncode != 0
    assert "Traceback" not in err
    assert err.strip().splitlines() == ["zhnorm: standard output: No space left on device"], err


def test_full_disk_on_the_report_file(src, tmp_path):
    full = make_device(tmp_path / "full", 7)
    out = tmp_path / "out.txt"
    r = run_script(["convert", "--to", TARGET, "-o", out, "--report", full, src])
    err = r.stderr.decode()
    assert r.returncode != 0 and r.returncode != 1, err
    assert "Traceback" not in err
    assert f"zhnorm: {full}: No space left on device" in err
    assert stat.S_ISCHR(os.lstat(full).st_mode)


def test_output_error_names_the_output(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(TEXT, "utf-8")
    (src / "b.txt").write_text(TEXT, "utf-8")
    out = tmp_path / "out"
    (out / "a.txt").mkdir(parents=True)  # cannot be replaced by a file
    r = run_script(["convert", "--to", TARGET, "-o", out, src, "-j", "1"])
    err = r.stderr.decode()
    assert r.returncode == 3, err
    assert f"zhnorm: {out / 'a.txt'}: Is a directory (writing the conversion of {src / 'a.txt'})" in err
    assert (out / "b.txt").read_bytes() == converted()


# --- options are never guessed -------------------------------------------------------


@pytest.mark.parametrize("abbrev", ["--in-plac", "--in", "--out", "--rep"])
def test_abbreviated_options_are_refused(src, abbrev):
    before = src.read_bytes()
    argv = ["convert", "--to", TARGET, abbrev] + (["x"] if abbrev in ("--out", "--rep") else []) + [src]
    r = run_script(argv, cwd=src.parent)
    assert r.returncode == 2, r.stderr
    assert src.read_bytes() == before
    assert sorted(p.name for p in src.parent.iterdir()) == ["a.txt"]


def test_every_parser_refuses_abbreviations():
    def parsers(p: argparse.ArgumentParser):
        yield p
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    yield from parsers(sub)

    found = list(parsers(build_parser()))
    assert len(found) >= 4
    assert [p.prog for p in found if p.allow_abbrev] == []


# --- named files that cannot be converted --------------------------------------------


def test_named_binary_file_is_a_failure(tmp_path):
    img = tmp_path / "image.txt"
    img.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    r = run_script(["convert", "--to", TARGET, img])
    err = r.stderr.decode()
    assert r.returncode == 3, err
    assert f"zhnorm: {img}: binary file" in err


def test_binary_file_inside_a_directory_is_only_skipped(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (d / "a.txt").write_text(TEXT, "utf-8")
    r = run_script(["convert", "--to", TARGET, "-o", tmp_path / "out", d])
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "out" / "a.txt").read_bytes() == converted()


# --- signals ------------------------------------------------------------------------


def _many_files(root: Path, n: int = 400) -> list[Path]:
    root.mkdir(parents=True, exist_ok=True)
    body = TEXT * 40
    paths = []
    for i in range(n):
        p = root / f"{i:04d}.txt"
        p.write_text(body, "utf-8")
        paths.append(p)
    return paths


def _wait_until(cond, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return False


@pytest.mark.parametrize("sig, status, word, jobs", [(signal.SIGINT, 130, "interrupted", "1"),
                                                      (signal.SIGTERM, 143, "terminated", "1"),
                                                      (signal.SIGINT, 130, "interrupted", "2"),
                                                      (signal.SIGTERM, 143, "terminated", "2")])
def test_signal_prints_one_line_and_leaves_no_temp(tmp_path, sig, status, word, jobs):
    paths = _many_files(tmp_path / "src")
    original = paths[0].read_bytes()
    proc = subprocess.Popen(console_script() + ["convert", "--to", TARGET, "--in-place", "-j", jobs,
                                                str(tmp_path / "src")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert _wait_until(lambda: paths[0].read_bytes() != original or proc.poll() is not None)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    if proc.returncode == 0:
        pytest.skip("the run finished before the signal")
    lines = err.decode().splitlines()
    assert proc.returncode == status, lines
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"zhnorm: {word} after ") and lines[0].endswith(
        "; no file was left half-written"), lines
    assert temp_leftovers(tmp_path) == []
    good = converted(TEXT * 40)
    assert all(p.read_bytes() in (good, original) for p in paths)


def _children(pid: int) -> set[int]:
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return set()
    kids: set[int] = set()
    for t in tasks:
        try:
            with open(f"/proc/{pid}/task/{t}/children") as f:
                kids |= {int(x) for x in f.read().split()}
        except OSError:
            pass
    return kids


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_workers_exit_when_the_main_process_dies(tmp_path, sig):
    _many_files(tmp_path / "src", 600)
    proc = subprocess.Popen(console_script() + ["convert", "--to", TARGET, "-j", "2", "-o",
                                                str(tmp_path / "out"), str(tmp_path / "src")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    workers: set[int] = set()
    try:
        assert _wait_until(lambda: len(_children(proc.pid)) >= 2 or proc.poll() is not None)
        workers = _children(proc.pid)
        if proc.poll() is not None:
            pytest.skip("the run finished before the signal")
        proc.send_signal(sig)
        proc.wait(60)
        assert _wait_until(lambda: not any(_alive(w) for w in workers), timeout=30), \
            "workers outlived the main process"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for w in workers:  # ours: do not leave them behind if the test failed
            if _alive(w):
                try:
                    os.kill(w, signal.SIGKILL)
                except ProcessLookupError:
                    pass
    assert temp_leftovers(tmp_path) == []


# --- inputs that change during the run -----------------------------------------------


_REPLACE_BY_FIFO = """
import os, sys
from zhnorm.cli import cmd_convert, main
real_walk = cmd_convert.walk
def walk(*a, **k):
    yield from real_walk(*a, **k)
    victim = sys.argv[1]
    os.unlink(victim)
    os.mkfifo(victim)   # after the walk saw a regular file
cmd_convert.walk = walk
sys.exit(main(sys.argv[2:]))
"""


def test_input_replaced_by_a_fifo_does_not_hang(tmp_path):
    paths = _many_files(tmp_path / "src", 3)
    victim = paths[1]
    r = subprocess.run([sys.executable, "-c", _REPLACE_BY_FIFO, str(victim), "convert", "--to", TARGET,
                        "-j", "1", "-o", str(tmp_path / "out"), str(tmp_path / "src")],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    err = r.stderr.decode()
    assert r.returncode == 3, err
    assert f"zhnorm: {victim}: no longer a regular file" in err
    assert (tmp_path / "out" / paths[2].name).read_bytes() == converted(TEXT * 40)


# --- file names that are not UTF-8 ------------------------------------------------------


def test_report_with_a_non_utf8_file_name_keeps_going(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    bad = os.fsencode(str(src)) + b"/\xff\xfe.txt"
    with open(bad, "wb") as f:
        f.write(TEXT.encode())
    (src / "z.txt").write_text(TEXT, "utf-8")
    report = tmp_path / "report.jsonl"
    out = tmp_path / "out"
    r = run_script(["convert", "--to", TARGET, "-o", out, "--report", report, src, "-j", "1"])
    assert r.returncode == 0, r.stderr
    assert (out / "z.txt").read_bytes() == converted()
    with open(os.fsencode(str(out)) + b"/\xff\xfe.txt", "rb") as f:
        assert f.read() == converted()
    data = report.read_bytes()
    assert b'"file": "' + bad + b'"' in data  # the name's own bytes, as on the command line
    assert str(src / "z.txt").encode() in data


# --- --in-place on hard links and read-only files -------------------------------------


def test_in_place_refuses_a_hard_linked_file(src, tmp_path):
    other = tmp_path / "other.txt"
    os.link(src, other)
    before = src.read_bytes()
    r = run_script(["convert", "--to", TARGET, "--in-place", src])
    err = r.stderr.decode()
    assert r.returncode == 3, err
    assert f"zhnorm: {src}: has 2 hard links" in err
    assert src.read_bytes() == before == other.read_bytes()
    assert os.stat(src).st_ino == os.stat(other).st_ino


def test_in_place_refuses_a_read_only_file(src, tmp_path):
    os.chmod(src, 0o444)
    before = src.read_bytes()
    r = run_script(["convert", "--to", TARGET, "--in-place", src])
    err = r.stderr.decode()
    assert r.returncode == 3, err
    assert f"zhnorm: {src}: read-only (mode 0444)" in err
    assert src.read_bytes() == before
    # A read-only file with nothing to convert is simply unchanged.
    same = tmp_path / "same.txt"
    same.write_text("abc\n", "utf-8")
    os.chmod(same, 0o444)
    r = run_script(["convert", "--to", TARGET, "--in-place", same])
    assert r.returncode == 0, r.stderr


def test_in_place_refusals_apply_to_streamed_files(src, tmp_path, monkeypatch, capsysbinary):
    from zhnorm.cli import main, task as task_mod

    monkeypatch.setattr(task_mod, "STREAM_THRESHOLD", 100)
    monkeypatch.setattr(task_mod, "BLOCK_SIZE", 64)
    other = tmp_path / "other.txt"
    os.link(src, other)
    before = src.read_bytes()
    status = main(["convert", "--to", TARGET, "--markup", "plain", "--in-place", "-v", str(src)])
    _, err = capsysbinary.readouterr()
    assert status == 3, err
    assert b"hard links" in err
    assert src.read_bytes() == before
    assert temp_leftovers(tmp_path) == []


def test_fifo_inside_an_output_tree_without_reader_fails_fast(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("a.txt", "b.txt"):
        (src / name).write_text(TEXT, "utf-8")
    out = tmp_path / "out"
    out.mkdir()
    os.mkfifo(out / "a.txt")
    r = run_script(["convert", "--to", TARGET, "-o", out, src, "-j", "1"], timeout=120)
    err = r.stderr.decode()
    assert r.returncode == 3, err
    assert f"zhnorm: {out / 'a.txt'}: No such device or address" in err
    assert stat.S_ISFIFO(os.lstat(out / "a.txt").st_mode)
    assert (out / "b.txt").read_bytes() == converted()

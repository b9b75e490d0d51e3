"""End-to-end: the installed `zhnorm` console script run as a subprocess.

Expected bytes always come from the library called in this process.

Failures that chmod cannot cause when the tests run as root (CI does) are
made honestly:

* unreadable: a symlink loop inside the tree, followed with -L, so open()
  fails with ELOOP (as a non-root user, a chmod 000 file as well);
* cannot replace: an immutable file (chattr +i; rename over it fails with
  EPERM even for root), or, as a non-root user, a read-only directory;
* full disk: RLIMIT_FSIZE in the child, so writes past the limit fail with
  EFBIG exactly where ENOSPC would;
* Ctrl-C: SIGINT to the process group, as a terminal sends it.
"""

from __future__ import annotations

import codecs
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import zhnorm
from test_cli_support import (
    ARTICLES, SEED, console_script, copy_articles, is_root, needs_engine, needs_explain,
    run_script, temp_leftovers,
)

pytestmark = needs_engine

TARGET = "zh-TW"


def lib(path: Path, target: str = TARGET, data: bytes | None = None) -> bytes:
    """The library's conversion of a file, as the CLI must write it (auto markup)."""
    data = path.read_bytes() if data is None else data
    text = data.decode("utf-8")
    out = zhnorm.Converter(target).convert_markup(text, "auto", filename=str(path)).text
    return out.encode("utf-8")


def tree_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.fixture
def corpus(tmp_path):
    """A copy of the seed and of the fixture articles, in a tree."""
    root = tmp_path / "docs"
    copy_articles(root / "articles")
    shutil.copy(SEED, root / SEED.name)
    return root


# --- byte-for-byte the library's output -------------------------------------------


def test_seed_to_stdout_equals_library(corpus):
    seed = corpus / SEED.name
    r = run_script(["convert", "--to", TARGET, seed])
    assert r.returncode == 0, r.stderr
    assert r.stdout == lib(seed) and r.stdout != seed.read_bytes()
    assert r.stderr == b""


def test_python_dash_m_is_the_same(corpus):
    seed = corpus / SEED.name
    r = subprocess.run([sys.executable, "-m", "zhnorm", "convert", "--to", TARGET, str(seed)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    assert r.returncode == 0 and r.stdout == lib(seed)


def test_output_dir_equals_library(corpus, tmp_path):
    out = tmp_path / "out"
    r = run_script(["convert", "--to", TARGET, "-o", out, corpus, "-j", "2"])
    assert r.returncode == 0, r.stderr
    assert tree_files(out) == tree_files(corpus)
    for rel in tree_files(corpus):
        assert (out / rel).read_bytes() == lib(corpus / rel), rel
    assert b"8 files: " in r.stderr


def test_in_place_equals_library(corpus):
    before = {rel: (corpus / rel).read_bytes() for rel in tree_files(corpus)}
    r = run_script(["convert", "--to", TARGET, "--in-place", corpus])
    assert r.returncode == 0, r.stderr
    for rel, data in before.items():
        assert (corpus / rel).read_bytes() == lib(corpus / rel, data=data), rel
    assert temp_leftovers(corpus) == []


def test_stdin_to_stdout(corpus):
    seed = corpus / SEED.name
    data = seed.read_bytes()
    r = run_script(["convert", "--to", TARGET, "-"], input=data)
    assert r.returncode == 0, r.stderr
    text = data.decode()
    assert r.stdout == zhnorm.Converter(TARGET).convert_markup(text, "auto").text.encode()


def test_crlf_bom_file_is_its_lf_twin(corpus, tmp_path):
    article = corpus / "articles" / ARTICLES[3].name
    text = article.read_text("utf-8").rstrip("\n")
    twin = tmp_path / article.name
    twin.write_bytes(codecs.BOM_UTF8 + text.replace("\n", "\r\n").encode())
    r = run_script(["convert", "--to", TARGET, twin])
    assert r.returncode == 0
    lf = lib(article, data=text.encode()).decode()
    assert r.stdout == codecs.BOM_UTF8 + lf.replace("\n", "\r\n").encode()


def test_group_option(corpus):
    seed = corpus / SEED.name
    r = run_script(["convert", "--to", TARGET, "--group", "IT", seed])
    assert r.returncode == 0, r.stderr
    text = seed.read_text("utf-8")
    conv = zhnorm.Converter(TARGET, groups=["IT"])
    assert r.stdout == conv.convert_markup(text, "auto", filename=str(seed)).text.encode()
    r = run_script(["convert", "--to", TARGET, "--group", "NoSuchGroup", seed])
    assert r.returncode == 2 and b"NoSuchGroup" in r.stderr and r.stdout == b""


# --- --check, --diff, --report ----------------------------------------------------------


def test_check_exit_codes(corpus):
    changing = sorted(str(corpus / rel) for rel in tree_files(corpus)
                      if lib(corpus / rel) != (corpus / rel).read_bytes())
    assert changing
    r = run_script(["convert", "--to", TARGET, "--check", corpus])
    assert r.returncode == 1
    assert sorted(r.stdout.decode().splitlines()) == changing
    ascii_only = corpus / "ascii.txt"
    ascii_only.write_text("nothing to convert here\n")
    r = run_script(["convert", "--to", TARGET, "--check", ascii_only])
    assert (r.returncode, r.stdout) == (0, b"")
    assert tree_files(corpus) == sorted(tree_files(corpus))  # nothing written
    assert temp_leftovers(corpus) == []


def test_diff_patches_to_library_output(corpus):
    if shutil.which("patch") is None:
        pytest.skip("patch(1) not installed")
    before = {rel: (corpus / rel).read_bytes() for rel in tree_files(corpus)}
    r = run_script(["convert", "--to", TARGET, "--diff", corpus])
    assert r.returncode == 1 and r.stdout.startswith(b"--- a/")
    assert {rel: (corpus / rel).read_bytes() for rel in before} == before
    subprocess.run(["patch", "-s", "-p0"], input=r.stdout.replace(b"--- a/", b"--- ").replace(b"+++ b/", b"+++ "),
                   cwd="/", check=True)
    for rel, data in before.items():
        assert (corpus / rel).read_bytes() == lib(corpus / rel, data=data), rel


@needs_explain
def test_report_jsonl(corpus, tmp_path):
    """Applying the reported changes to each file gives the library's output."""
    report = tmp_path / "r.jsonl"
    r = run_script(["convert", "--to", TARGET, "--check", "--report", report, corpus])
    assert r.returncode == 1, r.stderr
    rows = [json.loads(line) for line in report.read_text("utf-8").splitlines()]
    assert rows
    by_file: dict[str, list] = {}
    for row in rows:
        assert set(row) == {"file", "line", "column", "before", "after", "why"}
        assert row["why"]
        by_file.setdefault(row["file"], []).append(row)
    changing = {str(corpus / rel) for rel in tree_files(corpus)
                if lib(corpus / rel) != (corpus / rel).read_bytes()}
    assert set(by_file) == changing
    for name, changes in by_file.items():
        assert apply_report(Path(name).read_text("utf-8"), changes) == lib(Path(name)).decode()


def apply_report(text: str, rows: list[dict]) -> str:
    starts = [0]
    for i, ch in enumerate(text):
        if ch == "\n":
            starts.append(i + 1)
    out, prev = [], 0
    for row in rows:  # in text order
        start = starts[row["line"] - 1] + row["column"] - 1
        assert text[start:start + len(row["before"])] == row["before"]
        out.append(text[prev:start])
        out.append(row["after"])
        prev = start + len(row["before"])
    out.append(text[prev:])
    return "".join(out)


# --- bad files: each reported, the rest converted, nothing lost ---------------------------


def _immutable(path: Path) -> bool:
    if shutil.which("chattr") is None:
        return False
    return subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0


def test_bad_files_in_a_tree(corpus, tmp_path):
    d = corpus / "articles"
    (d / "image.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (d / "latin1.md").write_bytes("第一行\n".encode() + b"caf\xe9 \xff\n")
    os.symlink("loop.md", d / "loop.md")  # unreadable: ELOOP
    os.mkfifo(d / "pipe.md")  # must be skipped, never opened
    stuck = d / ARTICLES[0].name  # cannot be replaced
    cleanup = []
    if is_root():
        if not _immutable(stuck):
            pytest.skip("chattr +i not supported here (needed to make a file root cannot replace)")
        cleanup.append(lambda: subprocess.run(["chattr", "-i", str(stuck)]))
    else:
        os.chmod(d / ARTICLES[1].name, 0)
        ro = corpus / "ro"
        ro.mkdir()
        stuck = ro / ARTICLES[0].name
        shutil.copy(ARTICLES[0], stuck)
        os.chmod(ro, 0o555)
        cleanup.append(lambda: os.chmod(ro, 0o755))
    before = {p: p.read_bytes() for p in corpus.rglob("*.md") if p.is_file() and not p.is_symlink()
              and os.access(p, os.R_OK)}
    try:
        r = run_script(["convert", "--to", TARGET, "--in-place", "-L", "-j", "2", corpus])
        err = r.stderr.decode()
        assert r.returncode == 3, err
        assert f"zhnorm: {d / 'image.md'}: binary file" in err
        assert f"zhnorm: {d / 'latin1.md'}: cannot decode as UTF-8, GB18030 or Big5" in err
        assert f"byte offset {len('第一行'.encode()) + 4}" in err
        assert f"zhnorm: {d / 'loop.md'}: Too many levels of symbolic links" in err
        assert f"zhnorm: {d / 'pipe.md'}: a FIFO, skipped" in err
        assert f"zhnorm: {stuck}: " in err
        assert "failed:" in err
        for p, data in before.items():
            if p == stuck or p.name in ("image.md", "latin1.md"):
                assert p.read_bytes() == data, p  # untouched
            else:
                assert p.read_bytes() == lib(p, data=data), p  # converted
        assert temp_leftovers(corpus) == []
    finally:
        for undo in cleanup:
            undo()


def test_full_disk_leaves_nothing_half_written(corpus, tmp_path):
    sizes = {rel: len(lib(corpus / rel)) for rel in tree_files(corpus)}
    limit = sorted(sizes.values())[len(sizes) // 2]  # half the outputs fit
    assert any(s > limit for s in sizes.values()) and any(s <= limit for s in sizes.values())

    def small_disk():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    out = tmp_path / "out"
    r = run_script(["convert", "--to", TARGET, "-o", out, corpus, "-j", "2", "--no-fsync"],
                   preexec_fn=small_disk)
    assert r.returncode == 3
    for rel, size in sizes.items():
        if size > limit:
            assert not (out / rel).exists(), rel
            # Reported against the output that could not be written (issue 16).
            assert (f"{out / rel}: File too large (writing the conversion of {corpus / rel})"
                    .encode() in r.stderr)
        else:
            assert (out / rel).read_bytes() == lib(corpus / rel), rel
    assert temp_leftovers(out) == []


def test_ctrl_c_leaves_every_file_whole(tmp_path):
    src = tmp_path / "big"
    src.mkdir()
    originals = {a.name: a.read_bytes() for a in ARTICLES}
    converted = {name: lib(ARTICLES[0].parent / name) for name in originals}
    names = []
    for i in range(1500):
        name = ARTICLES[i % len(ARTICLES)].name
        (src / f"{i:04d}_{name}").write_bytes(originals[name])
        names.append(name)
    proc = subprocess.Popen(console_script() + ["convert", "--to", TARGET, "--in-place", "-j", "2", str(src)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    first = src / f"0000_{names[0]}"
    deadline = time.monotonic() + 60
    while first.read_bytes() == originals[names[0]] and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)  # wait until conversion is under way
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal does on Ctrl-C
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the run finished before Ctrl-C")
    assert proc.returncode == 130, err
    assert b"interrupted" in err
    assert temp_leftovers(src) == []
    states = {"original": 0, "converted": 0}
    for i, name in enumerate(names):
        data = (src / f"{i:04d}_{name}").read_bytes()
        if data == originals[name]:
            states["original"] += 1
        else:
            assert data == converted[name], f"{i:04d}_{name} is half-written"
            states["converted"] += 1
    assert states["converted"] > 0 and states["original"] > 0


def test_large_plain_file_streams_in_bounded_memory(tmp_path):
    body = "".join(a.read_text("utf-8") for a in ARTICLES)
    n = (24 << 20) // len(body.encode()) + 1
    big = tmp_path / "big.txt"
    big.write_text(body * n, "utf-8")
    out = tmp_path / "out.txt"
    # Build (and cache) the dictionaries first, with the same command on a small
    # file of the same text: a cold compile is not what is measured.
    small = tmp_path / "small.txt"
    small.write_text(body, "utf-8")
    run_script(["convert", "--to", TARGET, "--markup", "plain", "-o", tmp_path / "small.out", small])
    # The peak is read from /proc/self/status (VmHWM) at the end of main():
    # getrusage's ru_maxrss would also count the pytest process the child
    # was forked from, since Linux carries the pre-exec peak across exec.
    probe = ("import sys; from zhnorm.cli import main; rc = main(sys.argv[1:]); "
             "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]; "
             "print(hwm.split()[1], file=sys.stderr); sys.exit(rc)")
    r = subprocess.run([sys.executable, "-c", probe, "convert", "--to", TARGET, "--markup", "plain",
                        "-o", str(out), str(big), "-j", "1", "-v"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    assert r.returncode == 0, r.stderr
    assert b"(utf-8 -> utf-8, plain, streamed)" in r.stderr
    peak_mb = int(r.stderr.split()[-1]) / 1024
    assert peak_mb < 150, f"peak RSS {peak_mb:.0f} MB"
    assert out.read_bytes() == zhnorm.Converter(TARGET).convert(body * n).encode()


# --- progress ---------------------------------------------------------------------------


def test_progress_bar_only_on_a_terminal(corpus, tmp_path):
    import pty

    r = run_script(["convert", "--to", TARGET, "-o", tmp_path / "a", corpus])
    assert b"\r" not in r.stderr and b"ETA" not in r.stderr
    master, slave = pty.openpty()
    try:
        proc = subprocess.run(console_script() + ["convert", "--to", TARGET, "-o", str(tmp_path / "b"),
                                                  str(corpus)], stdout=subprocess.PIPE, stderr=slave,
                              timeout=120)
        os.close(slave)
        slave = None
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        tty = b"".join(chunks)
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
    assert proc.returncode == 0
    assert b"8/8 files" in tty and b"MB/s" in tty and b"ETA" in tty
    r = run_script(["convert", "--to", TARGET, "-q", "-o", tmp_path / "c", corpus])
    assert r.stderr == b""


def test_closed_pipe_is_quiet(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("".join(a.read_text("utf-8") for a in ARTICLES) * 40, "utf-8")  # > a pipe buffer
    proc = subprocess.Popen(console_script() + ["convert", "--to", TARGET, "--markup", "plain", str(big)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.read(100)
    proc.stdout.close()  # like `| head -c 100`
    err = proc.stderr.read()
    proc.wait(timeout=60)
    assert proc.returncode == 141 and b"Traceback" not in err


@pytest.mark.parametrize("unbuffered", ["1", ""])
def test_large_output_through_a_pipe_is_complete(tmp_path, unbuffered):
    """With PYTHONUNBUFFERED a raw stdout may take only 64 KiB per write: nothing may be lost."""
    big = tmp_path / "big.txt"
    text = "".join(a.read_text("utf-8") for a in ARTICLES) * 40
    big.write_text(text, "utf-8")
    env = dict(os.environ, PYTHONUNBUFFERED=unbuffered)
    r = run_script(["convert", "--to", TARGET, "--markup", "plain", big], env=env)
    assert r.returncode == 0
    assert r.stdout == zhnorm.Converter(TARGET).convert(text).encode()

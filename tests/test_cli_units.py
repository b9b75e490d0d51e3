"""Unit tests of the CLI's parts: worker pool, file walking, progress, targets/detect."""

from __future__ import annotations

import io
import json
import os
import signal
import time

import pytest

from zhnorm.cli import io as zio
from zhnorm.cli.progress import Progress, format_duration
from zhnorm.cli.walk import Item, Skip, walk
from zhnorm.cli.workers import ordered_map
from test_cli_support import has_detect, needs_detect, run_main, temp_leftovers


# --- workers -------------------------------------------------------------------------


def _square(state, x):
    if x % 7 == 0:
        time.sleep(0.01)  # out-of-order completion
    return state * x * x


def test_ordered_map_keeps_input_order_and_refills_window():
    items = list(range(500))
    got = list(ordered_map(_square, 1, items, jobs=3, batch_size=4))
    assert got == [x * x for x in items]


def test_batches_do_not_mix_keys():
    from zhnorm.cli.workers import _batched

    items = ["a/1", "a/2", "a/3", "b/1", "c/1", "c/2"]
    got = list(_batched(items, 2, key=lambda s: s.split("/")[0]))
    assert got == [["a/1", "a/2"], ["a/3"], ["b/1"], ["c/1", "c/2"]]
    assert list(ordered_map(_square, 1, range(30), jobs=2, batch_size=4, key=lambda x: x // 7)) == \
        [x * x for x in range(30)]


def _die_on_13(state, x):
    if x == 13:
        os._exit(9)
    return x


def test_dead_worker_is_reported_and_replaced():
    got = list(ordered_map(_die_on_13, None, range(40), jobs=2, batch_size=5,
                           on_lost=lambda item, reason: ("lost", item, reason)))
    lost = [g for g in got if isinstance(g, tuple)]
    assert [g[1] for g in lost] == [10, 11, 12, 13, 14]  # the batch it was working on
    # its queued, unstarted batch went to another worker
    assert "exited unexpectedly (status 9)" in lost[0][2]
    assert [g for g in got if not isinstance(g, tuple)] == [x for x in range(40) if not 10 <= x < 15]


def _slow_write(state, x):
    with zio.AtomicFile(os.path.join(state, f"{x}.txt")) as f:
        f.write(b"partial")
        time.sleep(30)
        f.commit()
    return x


def test_stopping_workers_mid_write_removes_temp_files(tmp_path):
    gen = ordered_map(_slow_write, str(tmp_path), range(4), jobs=2, batch_size=1)

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 1.0)
    try:
        with pytest.raises(KeyboardInterrupt):
            list(gen)
    finally:
        signal.signal(signal.SIGALRM, old)
    assert temp_leftovers(tmp_path) == [] and list(tmp_path.iterdir()) == []


# --- walking ---------------------------------------------------------------------------


def _tree(tmp_path):
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / ".git").mkdir()
    for rel in ("b.md", "a.txt", "sub/c.md", ".hidden.md", ".git/x.md"):
        (tmp_path / "d" / rel).write_text("x")
    os.symlink(tmp_path / "d" / "b.md", tmp_path / "d" / "link.md")
    os.symlink(tmp_path / "d", tmp_path / "d" / "sub" / "loop")
    return tmp_path / "d"


def _rels(entries):
    return [e.rel for e in entries if isinstance(e, Item)]


def test_walk_sorted_skips_hidden_and_symlinks(tmp_path):
    d = _tree(tmp_path)
    assert _rels(walk([str(d)])) == ["a.txt", "b.md", "sub/c.md"]
    assert _rels(walk([str(d)], hidden=True)) == [".git/x.md", ".hidden.md", "a.txt", "b.md", "sub/c.md"]
    followed = list(walk([str(d)], follow_symlinks=True))
    assert _rels(followed) == ["a.txt", "b.md", "link.md", "sub/c.md"]
    assert any(isinstance(e, Skip) and "already visited" in e.reason for e in followed)


def test_walk_glob_and_explicit_paths(tmp_path):
    d = _tree(tmp_path)
    assert _rels(walk([str(d)], globs=["*.md"])) == ["b.md", "sub/c.md"]
    assert _rels(walk([str(d)], globs=["sub/*"])) == ["sub/c.md"]
    # named paths are used even if hidden, and whatever the glob
    assert _rels(walk([str(d / ".hidden.md"), str(d / "a.txt")], globs=["*.md"])) == [".hidden.md", "a.txt"]
    missing = list(walk([str(d / "nope.md")]))
    assert isinstance(missing[0], Skip) and missing[0].error and "No such file" in missing[0].reason


def test_walk_skips_fifo_without_opening_it(tmp_path):
    os.mkfifo(tmp_path / "p.md")
    (tmp_path / "a.md").write_text("x")
    entries = list(walk([str(tmp_path)]))
    assert _rels(entries) == ["a.md"]
    assert any(isinstance(e, Skip) and e.reason == "a FIFO, skipped" and not e.error for e in entries)


# --- progress ------------------------------------------------------------------------------


class FakeClock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def test_progress_line_rate_and_eta():
    clock = FakeClock()
    stream = io.StringIO()
    p = Progress(stream, total_files=4, total_bytes=4_000_000, enabled=True, clock=clock)
    clock.t = 2.0
    p.advance(1_000_000)
    assert p.line() == "[#####---------------] 1/4 files  1.0/4.0 MB  0.5 MB/s  ETA 0:06"
    assert stream.getvalue().startswith("\r\x1b[K[#####")
    p.message("zhnorm: x: failed")
    assert "\r\x1b[Kzhnorm: x: failed\n" in stream.getvalue()
    p.finish()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_progress_disabled_draws_nothing():
    stream = io.StringIO()
    p = Progress(stream, 2, 10, enabled=False)
    p.advance(5)
    p.finish()
    assert stream.getvalue() == ""
    assert format_duration(3725) == "1:02:05" and format_duration(59) == "0:59"


# --- targets and detect ---------------------------------------------------------------------


def test_targets_lists_library_targets_and_groups(capsysbinary):
    import zhnorm

    status, out, _ = run_main(["targets", "--json"], capsysbinary)
    assert status == 0
    data = json.loads(out)
    assert data["targets"] == zhnorm.target_names()
    assert "zh-TW" in data["targets"] and "s2twp" in data["targets"]
    from zhnorm.cgroups import list_groups

    assert [g["name"] for g in data["groups"]] == [g.name for g in list_groups()]
    status, out, _ = run_main(["targets"], capsysbinary)
    assert status == 0 and b"  zh-TW\n" in out and b"groups:\n" in out


def test_detect_needs_the_library(tmp_path, capsysbinary, monkeypatch):
    import zhnorm

    monkeypatch.delattr(zhnorm, "detect", raising=False)
    (tmp_path / "a.md").write_text("发展", "utf-8")
    status, out, err = run_main(["detect", tmp_path / "a.md"], capsysbinary)
    assert status == 2 and "zhnorm detect needs zhnorm.detect, not available in this version" in err
    assert out == b""


@needs_detect
def test_detect_json_and_table(tmp_path, capsysbinary):
    import zhnorm
    from zhnorm.markup import sniff

    a = tmp_path / "a.md"
    a.write_text("软件开发与发展，[链接](https://zh.wikipedia.org/wiki/軟體 \"wikilink\")", "utf-8")
    b = tmp_path / "b.txt"
    b.write_text("軟體開發與發展，網路與資訊。", "utf-8")
    status, out, _ = run_main(["detect", "--json", tmp_path], capsysbinary)
    assert status == 0
    rows = [json.loads(line) for line in out.decode().splitlines()]
    expected = []
    for p in (a, b):
        text = p.read_text("utf-8")
        expected.append({"file": str(p), **zhnorm.detect(text, markup=sniff(text, str(p))).to_dict()})
    assert rows == json.loads(json.dumps(expected, ensure_ascii=False))
    assert [r["script"] for r in rows] == ["simplified", "traditional"]
    status, out, _ = run_main(["detect", tmp_path], capsysbinary)
    lines = out.decode().splitlines()
    assert status == 0 and lines[0].split() == ["FILE", "SCRIPT", "STANDARD", "EVIDENCE"]
    assert lines[1].startswith(str(a)) and "simplified" in lines[1]


@needs_detect
def test_detect_reports_bad_files(tmp_path, capsysbinary):
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\xff")
    (tmp_path / "ok.txt").write_text("发展", "utf-8")
    status, out, err = run_main(["detect", "--json", tmp_path], capsysbinary)
    assert status == 3 and "bad.txt: cannot decode" in err
    assert len(out.decode().splitlines()) == 1


def test_items_tasks_and_results_pickle_with_every_field():
    """Item, Task and Result pickle as their field values (cheap for the
    worker pool): every field must come back."""
    import pickle
    from dataclasses import fields

    from zhnorm.cli.task import Result, Task
    from zhnorm.cli.walk import Item

    item = Item("a/b.md", "b.md", "a", size=3, mode=0o100644, explicit=True)
    result = Result("a/b.md", "changed", "msg", 3, b"out", "diff", [{"line": 1}], "gb18030",
                    "markdown", "out/b.md", True, "big5")
    # every field differs from its default, so a field left out would show
    assert all(getattr(result, f.name) != f.default for f in fields(Result) if f.default is not f.default_factory)
    for obj in (item, Task(item, "out/b.md"), result):
        back = pickle.loads(pickle.dumps(obj, pickle.HIGHEST_PROTOCOL))
        assert back == obj and type(back) is type(obj)

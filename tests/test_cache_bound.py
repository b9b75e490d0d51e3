"""The table cache stays under its size limit, least recently used first,
and `zhnorm cache --info | --clear` shows and empties it."""

import json
import os
import time

import pytest

from zhnorm import cache
from zhnorm.cli import main

VERSIONED = "-zhnorm0.0.1-data1.0.0-f9.tables"  # another version's name


@pytest.fixture
def cache_in(tmp_path, monkeypatch):
    monkeypatch.setenv("ZHNORM_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("ZHNORM_CACHE_MAX_MB", raising=False)
    return tmp_path


def _fake(directory, name, size, age):
    path = directory / name
    path.write_bytes(b"x" * size)
    t = time.time() - age
    os.utime(path, (t, t))
    return path


def test_prune_removes_least_recently_used_first(cache_in):
    old = _fake(cache_in, "a" + VERSIONED, 1000, age=300)
    mid = _fake(cache_in, "b" + VERSIONED, 1000, age=200)
    new = _fake(cache_in, "c" + VERSIONED, 1000, age=100)
    removed = cache.prune(limit=2000)
    assert removed == 1
    assert not old.exists() and mid.exists() and new.exists()
    assert cache.prune(limit=0, keep=mid) == 1
    assert mid.exists() and not new.exists()


def test_prune_touches_only_zhnorm_files(cache_in):
    others = [_fake(cache_in, name, 5000, age=1000)
              for name in ("notes.txt", "s2t.pickle", "x-zhnorm.tables", "zhnorm-data")]
    ours = _fake(cache_in, "s2t" + VERSIONED, 10, age=10)
    cache.prune(limit=0)
    assert all(p.exists() for p in others)
    assert not ours.exists()


def test_stale_temporary_files_go_fresh_ones_stay(cache_in):
    stale = _fake(cache_in, "s2t" + VERSIONED + "abc123.tmp", 10, age=cache.STALE_TEMP_SECONDS + 60)
    fresh = _fake(cache_in, "s2t" + VERSIONED + "def456.tmp", 10, age=5)
    cache.prune(limit=10**9)
    assert not stale.exists() and fresh.exists()


def test_writing_a_table_bounds_the_directory(cache_in, monkeypatch):
    monkeypatch.setenv("ZHNORM_CACHE_MAX_MB", "0.4")  # about 420 KB
    fakes = [_fake(cache_in, f"{i}" + VERSIONED, 100_000, age=1000 - i) for i in range(5)]
    cache.load_compiled("t2tw")  # ~140 KB
    written = cache.cache_path("t2tw")
    assert written.exists()
    total = sum(p.stat().st_size for p in cache_in.iterdir())
    assert total <= 0.4 * 1024 * 1024
    kept = [p.exists() for p in fakes]
    assert kept == sorted(kept)  # the oldest went first
    assert not kept[0] and kept[-1]


def test_loading_marks_a_table_used(cache_in):
    cache.load_compiled("t2tw")
    path = cache.cache_path("t2tw")
    os.utime(path, (1000, 1000))
    cache.load_compiled("t2tw")
    assert path.stat().st_mtime > time.time() - 3600


def test_limit_zero_writes_nothing(cache_in, monkeypatch):
    monkeypatch.setenv("ZHNORM_CACHE_MAX_MB", "0")
    assert cache.load_compiled("t2tw").name == "t2tw"
    assert list(cache_in.iterdir()) == []


def test_bad_limit_falls_back_to_the_default(monkeypatch):
    monkeypatch.setenv("ZHNORM_CACHE_MAX_MB", "lots")
    assert cache.cache_limit() == cache.DEFAULT_LIMIT_MB * 1024 * 1024


def test_info_and_clear(cache_in):
    cache.load_compiled("t2tw")
    other = _fake(cache_in, "s2t" + VERSIONED, 10, age=100)
    foreign = _fake(cache_in, "keep-me.txt", 10, age=100)
    info = cache.cache_info()
    assert info.directory == cache_in
    by_name = {f.path.name: f for f in info.files}
    assert set(by_name) == {cache.cache_path("t2tw").name, other.name}
    assert by_name[cache.cache_path("t2tw").name].current and not by_name[other.name].current
    assert info.total == sum(f.size for f in info.files) > 0
    assert info.files[0].path == other  # least recently used first
    removed, freed, failed = cache.clear_cache()
    assert (removed, freed, failed) == (2, info.total, [])
    assert [p.name for p in cache_in.iterdir()] == [foreign.name]


def test_cli_cache_info_and_clear(cache_in, capsys):
    cache.load_compiled("t2tw")
    assert main(["cache"]) == 0
    out = capsys.readouterr().out
    assert str(cache_in) in out and cache.cache_path("t2tw").name in out
    assert main(["cache", "--info", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["directory"] == str(cache_in)
    assert [f["name"] for f in data["files"]] == [cache.cache_path("t2tw").name]
    assert data["total_bytes"] == cache.cache_path("t2tw").stat().st_size
    assert main(["cache", "--clear"]) == 0
    assert "removed 1 file" in capsys.readouterr().out
    assert list(cache_in.iterdir()) == []
    assert main(["cache", "--info", "--clear"]) == 2


def test_cli_cache_clear_reports_what_it_could_not_remove(cache_in, capsys, monkeypatch):
    path = _fake(cache_in, "s2t" + VERSIONED, 10, age=10)
    real_unlink = os.unlink

    def refuse(p, *a, **k):
        if str(p) == str(path):
            raise PermissionError(13, "Permission denied")
        return real_unlink(p, *a, **k)

    monkeypatch.setattr(os, "unlink", refuse)
    assert main(["cache", "--clear"]) == 3
    assert path.name in capsys.readouterr().err

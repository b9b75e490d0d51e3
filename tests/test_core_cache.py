"""Compiled tables are cached on disk, keyed on versions, and optional."""

import os

import pytest

from zhnorm import cache
from zhnorm.compiler import CompiledChain


@pytest.fixture
def cache_in(tmp_path, monkeypatch):
    monkeypatch.setenv("ZHNORM_CACHE_DIR", str(tmp_path))
    return tmp_path


def test_cache_is_written_and_reused(cache_in, monkeypatch):
    first = cache.load_compiled("t2tw")
    path = cache.cache_path("t2tw")
    assert path.exists() and path.parent == cache_in
    monkeypatch.setattr(cache, "compile_chain", lambda spec: pytest.fail("compiled again"))
    assert cache.load_compiled("t2tw") == first


def test_cache_name_carries_both_versions(cache_in, monkeypatch):
    before = cache.cache_path("t2tw").name
    monkeypatch.setattr(cache, "data_version", lambda: "9.9.9")
    after = cache.cache_path("t2tw").name
    assert before != after and "9.9.9" in after


def test_corrupt_cache_is_rebuilt(cache_in):
    path = cache.cache_path("t2tw")
    path.write_bytes(b"not a pickle")
    compiled = cache.load_compiled("t2tw")
    assert isinstance(compiled, CompiledChain) and compiled.name == "t2tw"
    assert path.read_bytes() != b"not a pickle"


def test_unwritable_cache_still_converts(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("ZHNORM_CACHE_DIR", str(blocker / "sub"))  # a file in the way
    compiled = cache.load_compiled("t2tw")
    assert compiled.name == "t2tw"
    assert not (blocker / "sub").exists()
    assert os.listdir(tmp_path) == ["file"]

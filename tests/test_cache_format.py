"""The table cache holds plain data: damage is detected and rebuilt, never run or half-used.

ZHNORM_CORRUPTIONS (default 400) sets how many random corruptions of a
cached table the main test tries; run it with thousands locally.
"""

import hashlib
import logging
import os
import pickle
import random
import struct

import pytest

from zhnorm import cache, tablefile
from zhnorm.compiler import compile_chain
from zhnorm.engine import Engine
from zhnorm.opencc_config import load_chain_spec

CORRUPTIONS = int(os.environ.get("ZHNORM_CORRUPTIONS", "400"))
SAMPLE = "這個軟體的記憶體，著名的乾隆皇帝。裏外" * 3


@pytest.fixture
def cache_in(tmp_path, monkeypatch):
    monkeypatch.setenv("ZHNORM_CACHE_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture(scope="module")
def good():
    return compile_chain(load_chain_spec("t2tw"), None, name="t2tw")


def test_round_trip_is_exact(good):
    key = "t2tw-some-key"
    assert tablefile.decode(tablefile.encode(good, key), key) == good


def test_round_trip_of_a_chain_with_name_rules_and_lone_surrogates():
    rules = {"\ud800甲": "乙\udfff", "软件\U00020000": "軟體"}
    chain = compile_chain(load_chain_spec("s2t"), rules, name="x")
    data = tablefile.encode(chain, "k")
    assert tablefile.decode(data, "k") == chain


def test_a_file_for_another_key_is_refused(good):
    data = tablefile.encode(good, "a")
    with pytest.raises(tablefile.TableFileError):
        tablefile.decode(data, "b")


def _corrupt(data: bytes, rng: random.Random) -> bytes:
    kind = rng.randrange(8)
    n = len(data)
    if kind == 0:  # truncated
        return data[: rng.randrange(n)]
    if kind == 1:  # a few bits flipped
        out = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            out[rng.randrange(n)] ^= 1 << rng.randrange(8)
        return bytes(out)
    if kind == 2:  # a run of garbage written over it
        start = rng.randrange(n)
        length = rng.randint(1, 64)
        return data[:start] + rng.randbytes(length) + data[start + length:]
    if kind == 3:  # garbage appended
        return data + rng.randbytes(rng.randint(1, 100))
    if kind == 4:  # another file entirely
        return rng.randbytes(rng.randint(0, 300))
    if kind == 5:  # a byte dropped or doubled
        i = rng.randrange(n)
        return data[:i] + data[i + 1:] if rng.random() < 0.5 else data[:i] + data[i:i + 1] + data[i:]
    if kind == 6:  # the prefix of a valid file, then zeros (a crash mid-write)
        i = rng.randrange(n)
        return data[:i] + bytes(n - i)
    # kind 7: blocks of the file swapped
    i, j = sorted(rng.randrange(n) for _ in range(2))
    return data[:i] + data[j:] + data[i:j]


def test_random_corruptions_never_raise_nor_convert_differently(cache_in, monkeypatch, caplog, good):
    """Each damaged file is either rejected (warning, rebuilt, the exact
    tables come back) or byte-for-byte the original."""
    compiles = []
    monkeypatch.setattr(cache, "compile_chain", lambda *a, **k: compiles.append(1) or good)
    path = cache.cache_path("t2tw")
    key = path.name[: -len(tablefile.SUFFIX)]
    original = tablefile.encode(good, key)
    expected = Engine(good).convert(SAMPLE)
    rng = random.Random(16)
    rejected = 0
    for i in range(CORRUPTIONS):
        damaged = _corrupt(original, rng)
        path.write_bytes(damaged)
        caplog.clear()
        before = len(compiles)
        with caplog.at_level(logging.WARNING, logger="zhnorm"):
            loaded = cache.load_compiled("t2tw")
        assert loaded == good, f"corruption {i} loaded different tables"
        if damaged != original:
            rejected += 1
            assert len(compiles) == before + 1, f"corruption {i} was not rebuilt"
            assert any("damaged" in r.getMessage() or "unreadable" in r.getMessage()
                       for r in caplog.records), f"corruption {i}: no warning"
            assert path.read_bytes() == original  # rewritten whole
    assert rejected > CORRUPTIONS * 0.9
    assert Engine(cache.load_compiled("t2tw")).convert(SAMPLE) == expected


def test_corruptions_with_a_recomputed_checksum_never_raise(good):
    """A file forged with a valid checksum (someone who can write the
    directory) can at worst be refused: decoding never raises anything but
    TableFileError, and never builds anything but plain data."""
    original = tablefile.encode(good, "k")
    rng = random.Random(17)
    for _ in range(max(CORRUPTIONS // 2, 50)):
        body = _corrupt(original[tablefile._PREFIX:], rng)
        forged = tablefile.MAGIC + hashlib.sha256(body).digest() + body
        try:
            chain = tablefile.decode(forged, "k")
        except tablefile.TableFileError:
            continue
        assert all(isinstance(s, str) for s in (*chain.keys, *chain.values, *chain.triggers))


def test_forged_headers_are_refused(good):
    original = tablefile.encode(good, "k")
    (head_len,) = struct.unpack_from("<I", original, tablefile._PREFIX)
    start = tablefile._PREFIX + 4
    header = original[start:start + head_len]
    payload = original[start + head_len:]
    for replace in [b'"format":' + str(tablefile.FORMAT).encode(), b'"stages":1', b'"text_bytes":', b'"separator":', b'"counts":[']:
        assert replace in header
    forgeries = [
        header.replace(b'"format":' + str(tablefile.FORMAT).encode(), b'"format":8'),
        header.replace(b'"stages":1', b'"stages":2'),
        header.replace(b'"stages":1', b'"stages":-1'),
        header.replace(b'"separator":', b'"separator":1e9,"x":'),
        header.replace(b'"counts":[', b'"counts":[1.5,'),
        header.replace(b'"counts":[', b'"counts":["a",'),
        b"[]",
        b"{",
        b"\xff\xfe",
    ]
    for forged_header in forgeries:
        rest = struct.pack("<I", len(forged_header)) + forged_header + payload
        data = tablefile.MAGIC + hashlib.sha256(rest).digest() + rest
        with pytest.raises(tablefile.TableFileError):
            tablefile.decode(data, "k")


class _Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_pickle_in_the_cache_runs_no_code(cache_in, caplog):
    """A pickle dropped where the table goes (pickle was the old format)
    is never unpickled: the code it carries does not run."""
    marker = cache_in / "pwned"
    path = cache.cache_path("t2tw")
    path.write_bytes(pickle.dumps(_Payload(str(marker))))
    with caplog.at_level(logging.WARNING, logger="zhnorm"):
        compiled = cache.load_compiled("t2tw")
    assert not marker.exists()
    assert compiled.name == "t2tw" and compiled.keys
    assert any("damaged" in r.getMessage() for r in caplog.records)


def test_unwritable_cache_logs_a_warning(tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("ZHNORM_CACHE_DIR", str(blocker / "sub"))
    with caplog.at_level(logging.WARNING, logger="zhnorm"):
        compiled = cache.load_compiled("t2tw")
    assert compiled.name == "t2tw"
    messages = [r.getMessage() for r in caplog.records if r.name == "zhnorm"]
    assert any("cannot write" in m and "ZHNORM_CACHE_DIR" in m for m in messages), messages


def test_a_missing_file_is_no_warning(cache_in, caplog):
    with caplog.at_level(logging.WARNING, logger="zhnorm"):
        cache.load_compiled("t2tw")
    assert not [r for r in caplog.records if r.name == "zhnorm"]

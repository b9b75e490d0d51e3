"""The quiet table (zhnorm.quiet) never calls a text quiet that its chain changes.

The Markdown layer skips the inline scan of a block the table calls quiet,
so a table that is wrong even once leaves prose unconverted. Checked here
for the tag targets and two OpenCC configs: every change the chain can make
from a single key, trigger or character is seen; and generated texts rich
in the table's own characters that it calls quiet come out of the chain
unchanged.
"""

from __future__ import annotations

from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zhnorm
from zhnorm.cache import load_compiled
from zhnorm.names import NameLayer
from zhnorm.quiet import ACTIVE, MAGIC, QuietTable, quiet_table

CHAINS = ("zh-TW", "zh-HK", "zh-CN", "zh-Hans", "zh-Hant", "s2t", "t2s")


@lru_cache(maxsize=None)
def chain(target: str):
    """(compiled chain, its QuietTable, a Converter) of a target."""
    converter = zhnorm.Converter(target)
    variant = converter.target.variant
    layer = NameLayer.for_target(variant, (), True, ()) if variant else None
    compiled = load_compiled(converter.target.config, layer)
    assert compiled.quiet is not None
    return compiled, QuietTable(compiled.quiet), converter


@pytest.mark.parametrize("target", CHAINS)
def test_every_change_of_a_single_entry_is_seen(target):
    compiled, table, _ = chain(target)
    changing = [k for k, v in zip(compiled.keys, compiled.values) if k != v]
    missed = [
        s
        for s in (*changing, *compiled.triggers, *compiled.chars, *compiled.normalization)
        if not table.may_change(s)
    ]
    assert not missed, missed[:10]
    assert len(changing) > 100


@pytest.mark.parametrize("target", CHAINS)
def test_the_engine_holds_the_compiled_table(target):
    compiled, _, converter = chain(target)
    assert converter._engine.quiet == compiled.quiet


def _alphabet(target: str) -> list[str]:
    """The table's pair characters (half of each pair is quiet alone),
    some active ones, common characters and markup."""
    _, table, _ = chain(target)
    pair_chars = [chr(c) for c in range(0x10000) if 0 < table.table[c] < ACTIVE]
    active = [chr(c) for c in range(0x3000, 0x10000) if table.table[c] == ACTIVE][::97]
    return pair_chars + active + list("的是了一在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里") + list("*[]() \n")


@pytest.mark.parametrize("target", CHAINS)
def test_text_called_quiet_converts_to_itself(target):
    _, table, converter = chain(target)
    alphabet = _alphabet(target)
    quiet_seen = []

    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.sampled_from(alphabet), max_size=12).map("".join))
    def check(text):
        if not table.may_change(text):
            quiet_seen.append(text)
            assert converter.convert(text) == text

    check()
    assert len(quiet_seen) > 20  # the property was exercised


@pytest.mark.parametrize("target", ["zh-Hans", "zh-TW"])
def test_a_key_is_seen_from_its_characters_wherever_they_stand(target):
    # a phrase split by markup joins up again in the prose: the table must
    # not care whether its characters are adjacent
    compiled, table, _ = chain(target)
    for key, value in zip(compiled.keys, compiled.values):
        if key != value:
            assert table.may_change("*".join(reversed(key))), key


def test_a_chain_with_a_changing_key_of_ascii_alone_has_no_table():
    assert quiet_table(["ab"], ["AB"], {}, [], {}) is None
    assert quiet_table([], [], {"a": "b"}, [], {}) is None
    assert quiet_table(["a你"], ["a您"], {}, [], {}) is not None


def test_table_layout():
    data = quiet_table(["你好", "丫"], ["您好", "鸭"], {"們": "们"}, ["乾隆"], {"\u2f00": "一"})
    table = QuietTable(data)
    assert table.table[ord("們")] == ACTIVE and table.table[ord("丫")] == ACTIVE
    assert table.table[ord("\u2f00")] == ACTIVE
    assert table.table[ord("a")] == 0 and table.table[ord("的")] == 0
    assert table.may_change("好*你") and not table.may_change("你你") and not table.may_change("好")
    assert table.may_change("隆乾") and not table.may_change("乾")
    assert table.may_change("\U00020000")  # beyond the BMP: active
    with pytest.raises(ValueError):
        QuietTable(data[:-2])
    with pytest.raises(ValueError):
        QuietTable(b"\0" * 4 + data[4:])
    assert int.from_bytes(data[:4], "little") == MAGIC


def test_a_pair_is_anchored_on_the_character_its_key_changes():
    # 重 is common, 沈 is what 沈重 → 沉重 changes: only a text holding 沈
    # needs 重 looked for
    table = QuietTable(quiet_table(["沈重"], ["沉重"], {}, [], {}))
    anchor, other = table.table[ord("沈")], table.table[ord("重")]
    assert 0 < anchor < ACTIVE and 0 < other < ACTIVE
    assert [table.partners[k] for k in range(table.offsets[anchor - 1], table.offsets[anchor])] == [other]
    assert table.offsets[other - 1] == table.offsets[other]
    assert table.may_change("重沈") and not table.may_change("重重")

"""The corrections of OpenCC's choices (src/zhnorm/data/corrections): data integrity.

Every entry has a reason and an example, its example converts as stated for
every variant it names, no source is listed twice for a variant, and the
OpenCC configuration names never see a correction.
"""

from collections import Counter

import pytest

import zhnorm
from zhnorm import corrections
from zhnorm.opencc_config import load_chain_spec
from zhnorm.reference import ReferenceChain

TAG = {
    "zh-tw": "zh-TW", "zh-hk": "zh-HK", "zh-mo": "zh-MO", "zh-hant": "zh-Hant",
    "zh-cn": "zh-CN", "zh-hans": "zh-Hans", "zh-sg": "zh-SG", "zh-my": "zh-MY",
}
ALL = corrections.all_corrections()


def test_there_are_corrections_for_every_region():
    variants = {v for c in ALL for v in c.variants}
    assert {"zh-tw", "zh-hk", "zh-cn"} <= variants


def test_no_source_is_listed_twice_for_a_variant():
    counts = Counter((s, v) for c in ALL for s in c.sources for v in c.variants)
    assert [k for k, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("entry", ALL, ids=lambda c: c.where)
def test_entry_is_complete_and_its_example_converts_as_stated(entry):
    assert entry.reason.strip() and entry.sources and entry.variants
    assert any(s in entry.example for s in entry.sources), "the example holds a source"
    for variant in entry.variants:
        assert zhnorm.convert(entry.example, TAG[variant]) == entry.example_output, variant


@pytest.mark.parametrize("entry", [c for c in ALL if "zh-tw" in c.variants], ids=lambda c: c.where)
def test_opencc_configs_ignore_the_corrections(entry):
    reference = ReferenceChain.from_spec(load_chain_spec("s2twp"))
    assert zhnorm.convert(entry.example, "s2twp") == reference.convert(entry.example)


def test_a_bad_line_is_an_error(tmp_path, monkeypatch):
    (tmp_path / "bad.tsv").write_text("被发明\tzh-tw\t被發明\texample only\n", encoding="utf-8")
    monkeypatch.setattr(corrections, "DIRECTORY", tmp_path)
    corrections.all_corrections.cache_clear()
    try:
        with pytest.raises(corrections.CorrectionFileError, match="bad.tsv:1"):
            corrections.all_corrections()
    finally:
        corrections.all_corrections.cache_clear()

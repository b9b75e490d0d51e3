"""zhnorm.convert's Converter cache, and the batch API (convert_many).

convert() must reuse one Converter per resolved target, stay bounded, and
raise exactly what Converter(target) raises; convert_many(xs) must equal
[convert(x) for x in xs] for any list, with either engine.
"""

from __future__ import annotations

import os
import threading

import pytest

import zhnorm
from zhnorm import converter as converter_module
from zhnorm.errors import UnknownTargetError


@pytest.fixture
def empty_cache():
    """Start from an empty memo so counts of builds mean something."""
    converter_module._CONVERTERS.clear()
    converter_module._BY_TARGET.clear()
    yield
    converter_module._CONVERTERS.clear()
    converter_module._BY_TARGET.clear()


def test_convert_reuses_one_converter_per_target(empty_cache, monkeypatch):
    built = []
    real = converter_module.Converter

    def counting(target, *args, **kwargs):
        built.append(target)
        return real(target, *args, **kwargs)

    monkeypatch.setattr(converter_module, "Converter", counting)
    for _ in range(5):
        assert zhnorm.convert("软件", "zh-TW") == "軟體"
        assert zhnorm.convert("软件", "zh-tw") == "軟體"
        assert zhnorm.convert("软件", " ZH_TW ".replace("_", "-")) == "軟體"
        assert zhnorm.convert("頭髮", zhnorm.resolve_target("zh-TW")) == "頭髮"
        assert zhnorm.convert("頭髮", "t2s") == "头发"
    # one Converter per resolved target, whatever the spelling
    assert [t.name for t in built] == ["zh-TW", "t2s"]
    shared = converter_module._CONVERTERS
    assert shared["zh-TW"] is shared["zh-tw"] is shared[zhnorm.resolve_target("zh-TW")]


def test_convert_cache_is_bounded(empty_cache):
    size = converter_module.CONVERTER_CACHE_SIZE
    spellings = [" " * i + "s2t" for i in range(3 * size)]
    for spelling in spellings:
        assert zhnorm.convert("头发", spelling) == "頭髮"
        assert len(converter_module._CONVERTERS) <= size
    for name in zhnorm.target_names():
        zhnorm.convert("头发", name)
        assert len(converter_module._BY_TARGET) <= size
    assert len(converter_module._CONVERTERS) <= size


def test_convert_errors_unchanged(empty_cache):
    for bad_target in ("zh-XX", "", None, 3, ["s2t"], {"s2t": 1}):
        with pytest.raises(UnknownTargetError) as via_convert:
            zhnorm.convert("中文", bad_target)
        with pytest.raises(UnknownTargetError) as via_class:
            zhnorm.Converter(bad_target)
        assert str(via_convert.value) == str(via_class.value)
    # a failed lookup is not remembered
    assert not converter_module._CONVERTERS
    for bad_text in (b"\xe4\xb8\xad", bytearray(b"x"), None, 3):
        with pytest.raises(TypeError) as via_convert:
            zhnorm.convert(bad_text, "s2t")
        with pytest.raises(TypeError) as via_method:
            zhnorm.Converter("s2t").convert(bad_text)
        assert str(via_convert.value) == str(via_method.value)
    # the text is checked before the target, as before
    with pytest.raises(TypeError):
        zhnorm.convert(b"x", "zh-XX")


def test_convert_markup_through_cache(empty_cache):
    text = "# 软件\n\n`软件` 和 [软件](http://软件.example)\n"
    assert zhnorm.convert(text, "zh-TW", markup="markdown") == zhnorm.Converter("zh-TW").convert(text, "markdown")
    with pytest.raises(ValueError):
        zhnorm.convert("软件 -{x}-", "zh-TW", markup="nonsense")


def test_convert_cache_threads(empty_cache):
    results, errors = [], []

    def work(target):
        try:
            for _ in range(200):
                results.append(zhnorm.convert("软件", target))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(t,)) for t in ("zh-TW", "zh-tw", "zh-TW ") * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert set(results) == {"軟體"} and len(results) == 9 * 200
    assert len(set(map(id, converter_module._BY_TARGET.values()))) == 1


# ---------------------------------------------------------------- convert_many

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from zhnorm import batch  # noqa: E402
from zhnorm.cache import load_compiled  # noqa: E402
from zhnorm.engine import Engine  # noqa: E402

EXAMPLES = int(os.environ.get("ZHNORM_PROPERTY_EXAMPLES", "40"))
TARGETS = ["s2t", "t2s", "s2twp", "zh-TW", "zh-CN", "zh-HK", "zh-Hant", "zh"]
_CONVERTERS_BY_ENGINE: dict = {}

WORDS = "头发 发展 方便面 首席执行官 出租车 内存 代码 互联网 程序员 软件 支持 计算机 信息 記憶體 程式碼 網際網路 軟體 乾燥 干 後 后 里 裡 著 着 台 臺 云 雲".split()
# the candidate separators, astral characters, lone surrogates, newlines,
# and MediaWiki rule markup
ODD = [*batch.CANDIDATES[:3], "\U0001F600", "\U00020000", "\U0002A6A5", "\ud800", "\udfff", "\r\n", "\n", " ", "a", "，",
       "。", "-{", "}-", "-{zh-hans:软件;zh-hant:軟體;}-", "-{H|zh-cn:程序;zh-tw:程式;}-", "-{软件}-", "|", ";", "=>"]


def converter(target: str, pure: bool) -> zhnorm.Converter:
    """A Converter of `target` on the C engine or on the pure-Python one."""
    key = (target, pure)
    if key not in _CONVERTERS_BY_ENGINE:
        conv = zhnorm.Converter(target)
        if pure and conv.target.converts:
            conv._engine = Engine(load_compiled(conv.target.config, conv._layer), accelerate=False)
            assert not conv._engine.accelerated
        _CONVERTERS_BY_ENGINE[key] = conv
    return _CONVERTERS_BY_ENGINE[key]


def letters(conv: zhnorm.Converter) -> list[str]:
    if not conv.target.converts:
        return WORDS + ODD
    chain = load_compiled(conv.target.config, conv._layer)
    keys = sorted(chain.keys)[:: max(1, len(chain.keys) // 150)]
    triggers = sorted(chain.triggers)[:: max(1, len(chain.triggers) // 150)]
    return WORDS + keys + triggers + sorted(chain.normalization)[:20] + ODD


def lists_of_texts(alphabet):
    text = st.lists(st.one_of(st.sampled_from(alphabet), st.characters()), max_size=10).map("".join)
    return st.lists(text, max_size=12)


@pytest.mark.parametrize("pure", [False, True], ids=["c", "pure"])
@pytest.mark.parametrize("target", TARGETS)
def test_convert_many_equals_a_loop(target, pure, monkeypatch):
    conv = converter(target, pure)
    if pure and conv.target.converts:
        assert not conv._engine.accelerated
    elif os.environ.get("ZHNORM_REQUIRE_ACCEL") and conv.target.converts:
        assert conv._engine.accelerated
    # small chunks, so lists span several engine calls
    monkeypatch.setattr(batch, "CHUNK_ITEMS", 5)

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(lists_of_texts(letters(conv)), st.sampled_from(["plain", "rules"]))
    def run(texts, markup):
        expected = [conv.convert(text, markup) for text in texts]
        assert conv.convert_many(texts, markup) == expected
        assert conv.convert_many(iter(texts), markup) == expected

    run()


@pytest.mark.parametrize("pure", [False, True], ids=["c", "pure"])
def test_convert_many_markup_loops(pure):
    conv = converter("zh-TW", pure)
    texts = ["# 软件\n\n`软件` 与 [软件](http://x)", "", "'''软件''' -{zh-cn:程序;zh-tw:程式;}-\n== 代码 ==", "\x00软件"]
    for markup in ("markdown", "wikitext", "auto", "rules", "plain"):
        assert conv.convert_many(texts, markup) == [conv.convert(t, markup) for t in texts]
    with pytest.raises(ValueError):
        conv.convert_many(texts, "nonsense")


def test_every_target_batches():
    """A free separator exists for every target, so convert_many really joins."""
    for name in zhnorm.target_names():
        conv = zhnorm.Converter(name)
        separator = conv._batch_separator()
        assert separator is not None, name
        free, key = separator
        if conv.target.converts:
            chain = load_compiled(conv.target.config, conv._layer)
            assert all(free not in s for s in batch.chain_strings(chain)), name
            # the key between two separators is one the engine matches as
            # written (a chain without keys, as t2jp, has none to offer)
            assert key in chain.keys and not set(key) & set(chain.normalization) if chain.keys else key == "", name


def test_one_engine_call_per_chunk(monkeypatch):
    calls = []
    conv = zhnorm.Converter("zh-TW")
    separator = conv._batch_separator()

    def counting(text):
        calls.append(text)
        return conv.convert(text)

    texts = ["头发", "", "发展", "软件"] * 10
    monkeypatch.setattr(batch, "CHUNK_ITEMS", 16)
    got = batch.convert_many(counting, texts, separator, converter_module._check_text)
    assert got == [conv.convert(t) for t in texts]
    assert len(calls) == 3  # 40 items in chunks of 16
    calls.clear()
    # an item holding the free separator goes on its own; the rest stay joined
    free, key = separator
    texts = ["头发", f"发{free}展", "软件", "程序"]
    calls.clear()
    got = batch.convert_many(counting, texts, separator, converter_module._check_text)
    assert got == [conv.convert(t) for t in texts]
    assert calls == [(free + key + free).join(texts), f"发{free}展", (free + key + free).join(["头发", "软件", "程序"])]
    # without a key between, a bare separator
    calls.clear()
    assert batch.convert_many(counting, texts, (free, ""), converter_module._check_text) == got
    assert calls[0] == free.join(texts)


def test_without_separator_item_by_item():
    calls = []

    def upper(text):
        calls.append(text)
        return text.upper()

    assert batch.convert_many(upper, iter(["a", "", "b"]), None, converter_module._check_text) == ["A", "", "B"]
    assert calls == ["a", "", "b"]
    with pytest.raises(TypeError, match="not bytes"):
        batch.convert_many(upper, ["a", b"b"], None, converter_module._check_text)


def test_free_separator_skips_used_characters():
    class Stage:
        keys, values, chars = ("a",), ("b",), {"c": "d"}

    class Chain:
        keys, values, triggers = ("x\x00y",), ("z",), ()
        normalization, chars = {"\x01": "1"}, {"e": "\x02"}
        stages = (Stage(),)

    assert batch.free_separator(Chain()) == "\x03"
    Stage.values = ("\x03",)
    assert batch.free_separator(Chain()) == "\x04"


def test_boundary_key_is_short_bmp_and_not_normalized():
    class Chain:
        keys = ("\U00020000乙", "甲乙", "丙丁", "戊己庚")
        values = ("x", "甲乙", "丙丁", "戊己庚")
        normalization = {"甲": "丙"}

    assert batch.boundary_key(Chain()) == "丙丁"
    Chain.values = ("x", "y", "z", "戊己庚")
    assert batch.boundary_key(Chain()) == "丙丁"  # shortest first, as written or not
    Chain.keys, Chain.values = ("\U00020000乙", "甲乙"), ("x", "甲乙")
    assert batch.boundary_key(Chain()) == ""


def test_convert_many_errors_and_edges():
    conv = zhnorm.Converter("s2t")
    assert conv.convert_many([]) == []
    assert conv.convert_many([""]) == [""]
    assert conv.convert_many(["", ""]) == ["", ""]
    assert conv.convert_many((t for t in ["头发", "发展"])) == ["頭髮", "發展"]
    for markup in ("plain", "rules"):
        for bad in (b"x", None, 3):
            with pytest.raises(TypeError) as many:
                conv.convert_many(["头发", bad], markup)
            with pytest.raises(TypeError) as one:
                conv.convert(bad)
            assert str(many.value) == str(one.value)
    assert zhnorm.convert_many(["头发", "軟體"], "zh-CN") == ["头发", "软件"]
    assert zhnorm.convert_many(["头发"], "zh-tw") == [zhnorm.convert("头发", "zh-TW")]
    with pytest.raises(UnknownTargetError):
        zhnorm.convert_many(["头发"], "zh-XX")

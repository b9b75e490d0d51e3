"""zhnorm.convert's Converter cache, and the batch API (convert_many).

convert() must reuse one Converter per resolved target, stay bounded, and
raise exactly what Converter(target) raises; convert_many(xs) must equal
[convert(x) for x in xs] for any list, with either engine.
"""

from __future__ import annotations

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

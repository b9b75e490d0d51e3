"""Public API: targets, errors, invariants, sharing and pickling."""

import pickle
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhnorm
from zhnorm.opencc_config import config_names

TAGS = ["zh-Hans", "zh-Hant", "zh-CN", "zh-TW", "zh-HK", "zh-SG", "zh-MO", "zh-MY"]


@pytest.mark.parametrize(
    "text,target,expected",
    [
        ("发展", "s2t", "發展"),
        ("头发", "s2t", "頭髮"),
        ("皇后", "s2t", "皇后"),
        ("后来", "s2t", "後來"),
        ("软件", "zh-TW", "軟體"),
        ("信息技术", "zh-TW", "資訊科技"),
        ("软件", "zh-HK", "軟件"),
        ("軟體", "zh-CN", "软件"),
        ("為了這裡", "zh-Hans", "为了这里"),
        ("为了这里", "zh-Hant", "為了這裡"),  # common forms, not OpenCC's 爲/裏
        ("为了这里", "s2t", "爲了這裏"),
    ],
)
def test_examples(text, target, expected):
    assert zhnorm.convert(text, target) == expected


def test_every_opencc_config_and_tag_is_a_target():
    names = zhnorm.target_names()
    assert set(config_names()) <= set(names)
    assert len(config_names()) == 16
    assert set(TAGS) <= set(names)


@pytest.mark.parametrize("spelling", ["zh-tw", "ZH-TW", "zh_TW", " zh-Tw "])
def test_tags_are_case_insensitive(spelling):
    assert zhnorm.Converter(spelling).target.name == "zh-TW"


@pytest.mark.parametrize("tag,fallback", [("zh-SG", "zh-CN"), ("zh-MY", "zh-CN"), ("zh-MO", "zh-HK")])
def test_fallback_tags_use_their_parents_chain(tag, fallback):
    text = "软件和信息技术的发展，軟體"
    ours = zhnorm.Converter(tag, default_groups=False)
    parent = zhnorm.Converter(fallback, default_groups=False)
    assert ours.convert(text) == parent.convert(text)
    assert ours._engine is parent._engine


def test_tag_accepts_mixed_scripts():
    assert zhnorm.convert("軟體和软件", "zh-CN") == "软件和软件"
    assert zhnorm.convert("軟體和软件", "zh-TW") == "軟體和軟體"


def test_unknown_target_lists_valid_ones():
    with pytest.raises(zhnorm.UnknownTargetError) as info:
        zhnorm.convert("中文", "zh-XX")
    assert isinstance(info.value, ValueError)
    assert "s2twp" in str(info.value) and "zh-TW" in str(info.value)
    with pytest.raises(ValueError):
        zhnorm.Converter(None)


@pytest.mark.parametrize("bad", [b"\xe4\xb8\xad", bytearray(b"x"), None, 3, ["中"]])
def test_non_str_input_is_a_type_error(bad):
    with pytest.raises(TypeError) as info:
        zhnorm.convert(bad, "s2t")
    if isinstance(bad, (bytes, bytearray)):
        assert "decode" in str(info.value)


@pytest.mark.parametrize("target", [*config_names(), *TAGS])
@pytest.mark.parametrize("text", ["", "plain ASCII text, 123!\n", "ひらがな 한국어 ©", "😀𠀀\ud800x\udfff"])
def test_text_without_convertible_characters_is_unchanged(target, text):
    assert zhnorm.convert(text, target) == text


@pytest.mark.parametrize("target", ["s2t", "zh-TW", "zh-CN", "t2s"])
def test_lone_surrogates_and_astral_pass_through(target):
    text = "发展\ud83d后来\ude00軟體😀𠀀头发" * 500  # long enough for the numpy path
    out = zhnorm.convert(text, target)
    assert len(out) >= len(text) - 500
    assert out.count("\ud83d") == 500 and out.count("\ude00") == 500 and out.count("😀") == 500
    short = zhnorm.convert(text[:13], target)
    assert out.startswith(short[:5])


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_never_raises_and_keeps_non_chinese(text):
    out = zhnorm.convert(text, "zh-TW")
    assert isinstance(out, str)
    if all(ord(ch) < 0x2E80 for ch in text):
        assert out == text


def test_converters_share_tables():
    a, b = zhnorm.Converter("zh-TW"), zhnorm.Converter("zh_tw")
    assert a._engine is b._engine
    c, d = zhnorm.Converter("zh-TW", default_groups=False), zhnorm.Converter("zh_tw", default_groups=False)
    assert c._engine is d._engine


def test_converter_pickles_as_its_target():
    conv = zhnorm.Converter("zh-HK")
    clone = pickle.loads(pickle.dumps(conv))
    assert clone.target == conv.target
    assert clone.convert("软件") == conv.convert("软件") == "軟件"


def test_threads_get_the_same_answers():
    conv = zhnorm.Converter("s2twp")
    text = "软件和信息技术的发展，头发后来变白了。" * 200
    expected = conv.convert(text)
    results = []
    threads = [threading.Thread(target=lambda: results.append(conv.convert(text))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected] * 8


def test_converting_twice_from_simplified_is_stable_for_tw():
    text = "软件和信息技术的发展，头发后来变白了。"
    once = zhnorm.convert(text, "zh-TW")
    assert zhnorm.convert(once, "zh-TW") == once

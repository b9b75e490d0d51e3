"""Engine.convert_aligned: the conversion with the bounds of its units.

The markup cut-back puts converted prose back between markup by these
bounds, so they are held to the contract of /src/zhnorm/engine.py's
docstring: the output is ``convert(text)``; the bounds start at 0, end at
the two lengths, never go back; and every bound is separable (converting
the two sides apart gives the output cut there). Both engines, on generated
text built from dictionary keys, triggers, astral characters, lone
surrogates and characters the chain normalises, for plain configs and for
tag targets (with Wikipedia's name rules); the C and Python bounds are the
same list.

``ZHNORM_PROPERTY_EXAMPLES`` raises the number of examples per target.
"""

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhnorm.cache import load_compiled
from zhnorm.engine import Engine, compose
from zhnorm.names import NameLayer
from zhnorm.targets import resolve

EXAMPLES = int(os.environ.get("ZHNORM_PROPERTY_EXAMPLES", "60"))
TARGETS = ["s2twp", "tw2sp", "s2hkp", "t2s", "zh-TW", "zh-CN", "zh-HK", "zh-Hant"]
_ENGINES: dict = {}


def compiled(target):
    t = resolve(target)
    return load_compiled(t.config, NameLayer.for_target(t.variant))


def engines(target):
    """(the default engine, the pure-Python engine) of a target."""
    if target not in _ENGINES:
        chain = compiled(target)
        _ENGINES[target] = (Engine(chain), Engine(chain, accelerate=False), chain)
    return _ENGINES[target]


WORDS = "方便面 澳大利亚 首席执行官 出租车 内存 代码 互联网 博客 程序员 阿塞拜疆 丹麦 伦讷 计算机 图形用户界面 信息 软件".split()
ODD = ["\U0001F600", "\U00020000", "\ud800", "\udfff", "é", "\x00", "\r\n", "\n", " ", "a", "，", "。", "「"]


def alphabet(chain):
    keys = sorted(chain.keys)[:: max(1, len(chain.keys) // 200)]
    triggers = sorted(chain.triggers)[:: max(1, len(chain.triggers) // 200)]
    normal = sorted(chain.normalization)[:20]
    tw = ["記憶體", "程式碼", "網際網路", "部落格", "程式設計師", "泡麵", "澳洲", "計程車"]
    return WORDS + tw + keys + triggers + normal + ODD


def check(engine, text, plain):
    out, ins, outs = engine.convert_aligned(text)
    assert out == plain(text)
    assert len(ins) == len(outs) >= 1
    assert ins[0] == outs[0] == 0 and ins[-1] == len(text) and outs[-1] == len(out)
    assert all(a < b for a, b in zip(ins, ins[1:])), "every unit holds input"
    assert all(a <= b for a, b in zip(outs, outs[1:]))
    for b, o in zip(ins, outs):
        assert plain(text[:b]) == out[:o], (text, b)
        assert plain(text[b:]) == out[o:], (text, b)
    return out, ins, outs


@pytest.mark.parametrize("target", TARGETS)
def test_bounds_are_exact_and_separable(target):
    fast, pure, chain = engines(target)
    letters = alphabet(chain)

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(st.sampled_from(letters), max_size=14))
    def run(parts):
        text = "".join(parts)
        got = check(fast, text, fast.convert)
        assert check(pure, text, pure.convert) == got

    run()


@pytest.mark.parametrize("target", ["s2twp", "zh-TW"])
def test_a_stretch_with_a_trigger_has_stage_units(target):
    """首席执行官 is a phrase of the Taiwan stage, not of the segmentation:
    it sits in a stretch converted stage by stage, and still comes back as
    a unit of its own, with the characters around it as theirs."""
    fast, pure, _ = engines(target)
    text = "他是首席执行官啊"
    for engine in (fast, pure):
        out, ins, outs = engine.convert_aligned(text)
        units = [(text[a:b], out[c:d]) for a, b, c, d in zip(ins, ins[1:], outs, outs[1:])]
        assert ("首席执行官", "執行長") in units
        assert ("他", "他") in units and ("啊", "啊") in units


def test_compose_keeps_only_shared_bounds():
    # first: "ab" -> "x" (one unit), "c" -> "yz"; second over "xyz": "x" | "yz"
    assert compose(([0, 2, 3], [0, 1, 3]), ([0, 1, 3], [0, 2, 3])) == ([0, 2, 3], [0, 2, 3])
    # second joins what the first cut: the first's bound at 1 is not one of the second's
    assert compose(([0, 1, 2], [0, 1, 2]), ([0, 2], [0, 1])) == ([0, 2], [0, 1])


def test_empty_and_ascii():
    fast, pure, _ = engines("s2twp")
    for engine in (fast, pure):
        assert engine.convert_aligned("") == ("", [0], [0])
        assert engine.convert_aligned("ab") == ("ab", [0, 1, 2], [0, 1, 2])


def test_refuses_bytes():
    fast, _, _ = engines("s2twp")
    with pytest.raises(TypeError):
        fast.convert_aligned(b"abc")


def _unpack(data: bytes) -> list[int]:
    from array import array
    import struct

    assert struct.calcsize("n") == 8
    return array("q", data).tolist()


@pytest.mark.parametrize("target", ["s2twp", "zh-TW", "zh-HK", "zh-CN"])
def test_packed_anchors_cut_like_all_bounds(target):
    """convert_aligned_packed (for the C cut-back) keeps only anchors: the
    ends of the units that change length. Mapping any offset through them
    gives what all the bounds give; and, as the chain holds no newline
    (lone_newlines), every newline is a unit of its own that stays one."""
    from zhnorm.accel import lone_newlines
    from zhnorm.markup.render import cut

    fast, _, chain = engines(target)
    assert lone_newlines(chain)
    letters = alphabet(chain) + ["\n", "\n\n"]

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(st.sampled_from(letters), max_size=14))
    def run(parts):
        text = "".join(parts)
        out, ins, outs = fast.convert_aligned(text)
        pout, pin, pouts, anchors = fast.convert.convert_aligned_packed(text)
        pin, pouts = _unpack(pin), _unpack(pouts)
        assert pout == out and anchors is True
        assert set(zip(pin, pouts)) <= set(zip(ins, outs)) and pin == sorted(pin)
        assert pin[0] == 0 and pin[-1] == len(text) and pouts[-1] == len(out)
        for x in range(len(text) + 1):
            assert cut(x, pin, pouts) == cut(x, ins, outs), (text, x)
        for k in range(len(ins) - 1):
            a, b = ins[k], ins[k + 1]
            if b - a != outs[k + 1] - outs[k]:
                assert a in pin and b in pin, (text, a, b)
        for p, ch in enumerate(text):
            if ch == "\n":
                k = ins.index(p)
                assert ins[k + 1] == p + 1 and out[outs[k]:outs[k + 1]] == "\n"

    run()


def test_a_chain_with_a_newline_key_gives_all_bounds():
    """Where a key holds a newline, a newline need not be a unit of its own:
    the packed bounds are then all the bounds, and say so."""
    from dataclasses import replace

    from zhnorm.accel import FastPass, lone_newlines

    _, _, chain = engines("s2twp")
    odd = replace(chain, keys=(*chain.keys, "内\n存"), values=(*chain.values, "X"), patch=(*chain.patch, True))
    assert not lone_newlines(odd)
    bound = FastPass(odd, normalize=True).converter(odd.ascii_inert)
    out, ins, outs = bound.convert_aligned("a内\n存b")
    pout, pin, pouts, anchors = bound.convert_aligned_packed("a内\n存b")
    assert (out, anchors) == ("aXb", False)
    assert (_unpack(pin), _unpack(pouts)) == (ins, outs) == ([0, 1, 4, 5], [0, 1, 2, 3])

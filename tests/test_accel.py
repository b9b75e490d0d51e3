"""The C fast pass (zhnorm._accel through zhnorm.accel) is exact.

Three oracles: the reference model of OpenCC (the whole result, once the
reported stretches are converted stage by stage, by the reference and by the
C stages), a plain-Python model of the pass itself (the output *and* the
exact list of stretches), and the Python engine's own choice of stretches to
redo. Texts: the fixture articles and
their conversions, generated text built from dictionary pieces with
punctuation, ASCII, astral characters and lone surrogates, and small
hand-made tables that stress the trie (shared prefixes, astral keys,
one-character keys, values of every length).
"""

import os
from itertools import accumulate
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhnorm import accel

if not accel.available():
    if os.environ.get("ZHNORM_REQUIRE_ACCEL"):
        raise RuntimeError("ZHNORM_REQUIRE_ACCEL is set but zhnorm._accel did not import")
    pytest.skip(
        "zhnorm._accel is not built (no C compiler at install time); "
        "the pure-Python engine is tested by the other modules",
        allow_module_level=True,
    )

from zhnorm.accel import FastPass, splice_stretches  # noqa: E402
from zhnorm.cache import load_compiled  # noqa: E402
from zhnorm.compiler import compile_chain  # noqa: E402
from zhnorm.opencc_config import config_names, load_chain_spec  # noqa: E402
from zhnorm.reference import ReferenceChain, Stage  # noqa: E402

ARTICLES = sorted((Path(__file__).parent / "fixtures" / "markup" / "articles").glob("*.md"))
CONFIGS = config_names()
_CACHE: dict = {}


def _cached(kind, config, make):
    if (kind, config) not in _CACHE:
        _CACHE[kind, config] = make()
    return _CACHE[kind, config]


def compiled(config):
    return _cached("compiled", config, lambda: load_compiled(config))


def reference(config):
    return _cached("reference", config, lambda: ReferenceChain.from_spec(load_chain_spec(config)))


def fast(config):
    return _cached("fast", config, lambda: FastPass(compiled(config)))


def fast_normalizing(config):
    return _cached("fast+n", config, lambda: FastPass(compiled(config), normalize=True))


def articles():
    # A third of the articles: the reference model it is checked against is
    # slow pure Python (bench/ compares the whole corpus with OpenCC itself).
    return _cached("articles", None, lambda: "\n".join(p.read_text(encoding="utf-8") for p in ARTICLES[::3]))


def converted_articles(config):
    """The articles converted by another chain, for input of the other script."""
    return _cached("converted", config, lambda: reference(config).convert(articles()))


def normalize(config, text):
    table = compiled(config).normalization
    return "".join(table.get(ch, ch) for ch in text)


def model_scan(tables, text):
    """The fast pass written plainly: the specification scan() must meet."""
    table = {}
    for key, value in zip(tables.keys, tables.values):
        table.setdefault(key, value)
    lengths = sorted({len(k) for k in table}, reverse=True)
    triggers = set(tables.triggers)
    trigger_lengths = sorted({len(t) for t in triggers})
    chars = tables.chars

    def has_trigger(gap):
        return any(
            gap[p : p + length] in triggers
            for p in range(len(gap))
            for length in trigger_lengths
            if p + length <= len(gap)
        )

    matches, i, n = [], 0, len(text)
    while i < n:
        for length in lengths:
            if length <= n - i and text[i : i + length] in table:
                matches.append((i, i + length))
                i += length
                break
        else:
            i += 1
    out, stretches, at, size = [], [], 0, 0
    for start, end in [*matches, (n, n)]:
        if at < start:
            gap = text[at:start]
            if has_trigger(gap):
                stretches.append((at, start, size, size + len(gap)))
                out.append(gap)
            else:
                out.append("".join(chars.get(ch, ch) for ch in gap))
            size += len(gap)
        if start < end:
            value = table[text[start:end]]
            out.append(value)
            size += len(value)
        at = end
    return "".join(out), stretches


def check_stretch_shape(text, out, stretches):
    """Sorted, disjoint, and each copied unconverted at its output place."""
    last_src = last_out = 0
    for a, b, c, d in stretches:
        assert last_src <= a < b <= len(text) and last_out <= c < d <= len(out)
        assert b - a == d - c and out[c:d] == text[a:b]
        last_src, last_out = b, d


def check(config, text, *, with_model=True):
    """FastPass plus the reference's stage-by-stage redo equals OpenCC's model;
    normalising in the pass gives the same as normalising before it."""
    ref = reference(config)
    normalized = normalize(config, text)
    out, stretches = fast(config).scan(normalized)
    check_stretch_shape(normalized, out, stretches)
    redone = [ref.convert_segment(normalized[a:b]) for a, b, _, _ in stretches]
    expected = ref.convert(text)
    assert splice_stretches(out, stretches, redone) == expected
    assert fast_normalizing(config).scan(text) == (out, stretches)
    assert fast_normalizing(config).convert(text) == expected
    if with_model:
        assert (out, stretches) == model_scan(compiled(config), normalized)


def test_articles_are_there():
    assert len(ARTICLES) >= 30


@pytest.mark.parametrize("config", CONFIGS)
def test_articles(config):
    text = articles()
    check(config, text)
    for other in ("t2s", "s2t"):
        check(config, converted_articles(other), with_model=False)


@pytest.mark.parametrize("tag", ["zh-TW", "zh-CN", "zh-HK"])
def test_tag_targets_with_name_rules(tag):
    """Chains with Wikipedia's name rules on top (single-character keys too)."""
    from zhnorm.names import NameLayer
    from zhnorm.targets import resolve

    target = resolve(tag)
    spec, rules = load_chain_spec(target.config), NameLayer.for_target(target.variant).pairs()
    tables = compile_chain(spec, rules)  # not the cache: test these very rules
    ref = ReferenceChain.from_spec(spec, rules)
    pass_ = FastPass(tables, normalize=True)
    for text in (articles(), converted_articles("s2t")):
        out, stretches = pass_.scan(text)
        redone = [ref.convert_segment(out[c:d]) for _, _, c, d in stretches]
        assert splice_stretches(out, stretches, redone) == ref.convert(text)


@pytest.mark.parametrize("config", ["s2twp", "tw2sp", "hk2sp", "tw2s", "s2hkp"])
def test_redo_is_what_the_python_engine_redoes(config):
    """The same stretches as Engine._stretches_with_triggers (in UTF-8 byte offsets)."""
    from zhnorm.engine import Engine

    engine = Engine(compiled(config), accelerate=False)
    for text in (articles(), converted_articles("s2t")):
        text = normalize(config, text)
        data = text.encode("utf-8", "surrogatepass")
        matches = engine._keys.find_matches_as_indexes(data) if engine._keys else []
        expected = engine._stretches_with_triggers(data, matches)
        offsets = [0, *accumulate(len(ch.encode("utf-8", "surrogatepass")) for ch in text)]
        _, stretches = fast(config).scan(text)
        assert [(offsets[a], offsets[b]) for a, b, _, _ in stretches] == expected


def _alphabet(config):
    """Pieces of every table of the chain, its triggers, and awkward characters."""
    ref, tables = reference(config), compiled(config)
    dicts = [stage.table for stage in ref.stages]
    if ref.segmentation:
        dicts.append(ref.segmentation.table)
    pieces = sorted({k for table in dicts for k in table if len(k) <= 4})
    pieces = pieces[:: max(1, len(dicts) * 7)]
    triggers = sorted(tables.triggers)[:: max(1, len(tables.triggers) // 300)]
    keys = sorted(tables.keys)[:: max(1, len(tables.keys) // 300)]
    astral = sorted({ch for table in dicts for k in table for ch in k if ord(ch) > 0xFFFF})[:20]
    odd = ["\U0001F600", "\U00020000", "\ud800", "\udfff", "\udc00", "é", "\x00", "\r\n"]
    return pieces + triggers + keys + astral + odd + sorted(tables.normalization)[:10] + list(
        "，。、；：？！「」《》… a1Z\n"
    )


@pytest.mark.parametrize("config", CONFIGS)
def test_generated_text(config):
    alphabet = _alphabet(config)

    @settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(st.sampled_from(alphabet), max_size=40))
    def run(parts):
        text = "".join(parts)
        check(config, text)
        # The C stages on any text, taken as one segment, and on several pieces.
        pieces = [normalize(config, p) for p in (text, *parts)]
        assert fast(config).convert_pieces(pieces) == [
            reference(config).convert_segment(p) for p in pieces
        ]

    run()


@pytest.mark.parametrize("config", CONFIGS)
def test_empty_and_ascii(config):
    assert fast(config).scan("") == ("", [])
    assert fast_normalizing(config).scan("") == ("", [])
    for text in ("a", "Hello, world! 123\n", "x" * 5000):
        check(config, text)


@pytest.mark.parametrize("config", ["s2t", "t2s", "s2twp", "tw2sp"])
def test_every_string_kind(config):
    """UCS1, UCS2 and UCS4 strings take separate C paths: same answers."""
    pass_ = fast(config)
    sample = normalize(config, articles()[:3000])
    for tail in ("é", "\ud800", "\U0001F600"):  # 1-, 2-, 4-byte kinds once joined
        latin = "café " * 3 + tail
        assert pass_.scan(latin) == model_scan(compiled(config), latin)
        text = sample + "\n" + tail
        out, stretches = pass_.scan(text)
        assert (out, stretches) == model_scan(compiled(config), text)
        assert out == pass_.scan(sample + "\n")[0] + tail


def test_the_kept_output_buffer_serves_any_next_call():
    """convert() keeps its output buffer for the next call: texts of every
    size and string kind in turn, and a call made while another holds the
    buffer (from the stages callable), give what scan() and the stages give."""
    pass_ = fast("s2twp")
    sample = normalize("s2twp", articles())
    texts = [sample[:20000], "短", "x" * 10, sample[:3000] + "\U0001F600", sample[:20000], sample[:500] + "é"]
    expected = [pass_.convert(t, pass_.convert_pieces) for t in texts]  # through scan(): no kept buffer
    assert [pass_.convert(t) for t in texts] == expected
    inner = []

    def stages():
        inner.append(pass_.convert(texts[3]))  # while the outer call holds the buffer
        return pass_._stage_tables()

    assert pass_._tables.convert(texts[0], stages) == expected[0]
    assert inner == [expected[3]]
    assert pass_.convert(texts[4]) == expected[4]


def _tables(keys, values, chars, triggers, normalization=None, stages=()):
    return SimpleNamespace(
        keys=tuple(keys),
        values=tuple(values),
        chars=chars,
        triggers=tuple(triggers),
        normalization=normalization or {},
        stages=tuple(stages),
    )


def _stage(data):
    """A random stage: phrases and characters with values of any length, and
    a one-to-one char table (some characters in both: the phrase table wins)."""
    keys = data.draw(st.lists(st.text(LETTERS, min_size=1, max_size=3), unique=True, max_size=8))
    values = [data.draw(st.text(LETTERS + "xyz", max_size=3)) for _ in keys]
    mapped = data.draw(st.lists(st.sampled_from(LETTERS), unique=True, max_size=4))
    chars = {ch: data.draw(st.sampled_from(LETTERS + "XY")) for ch in mapped}
    model = Stage.of({**chars, **dict(zip(keys, values))})
    return SimpleNamespace(keys=tuple(keys), values=tuple(values), chars=chars), model


LETTERS = "ab中文\U00020000\U0001F600\ud800é"


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(LETTERS, min_size=1, max_size=4), unique=True, max_size=12),
    st.data(),
)
def test_handmade_tables(keys, data):
    """Any keys, in any order, with values of any length, and any triggers."""
    values = [data.draw(st.text(LETTERS + "xyz", max_size=3)) for _ in keys]
    mapped = data.draw(st.lists(st.sampled_from(LETTERS), unique=True, max_size=4))
    chars = {ch: data.draw(st.sampled_from(LETTERS + "XY")) for ch in mapped}
    triggers = data.draw(st.lists(st.text(LETTERS, min_size=1, max_size=3), unique=True, max_size=4))
    # Normalisation may chain (a -> b -> c): OpenCC applies it once.
    sources = data.draw(st.lists(st.sampled_from(LETTERS + "NM"), unique=True, max_size=4))
    normalization = {ch: data.draw(st.sampled_from(LETTERS + "NM")) for ch in sources}
    stages = [_stage(data) for _ in range(data.draw(st.integers(0, 2)))]
    tables = _tables(keys, values, chars, triggers, normalization, [s for s, _ in stages])
    text = data.draw(st.text(LETTERS + "NM., ", max_size=30))
    normalized = "".join(normalization.get(ch, ch) for ch in text)
    out, stretches = FastPass(tables).scan(normalized)
    check_stretch_shape(normalized, out, stretches)
    assert (out, stretches) == model_scan(tables, normalized)
    assert FastPass(tables, normalize=True).scan(text) == (out, stretches)
    # convert(): every reported stretch through the stages, in the one C call.
    redone = []
    for _, _, c, d in stretches:
        piece = out[c:d]
        for _, model in stages:
            piece = model.convert(piece)
        redone.append(piece)
    expected = splice_stretches(out, stretches, redone)
    assert FastPass(tables).convert(normalized) == expected
    assert FastPass(tables, normalize=True).convert(text) == expected


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_handmade_stages(data):
    """convert_pieces is each stage's maximum forward match, in order."""
    stages = [_stage(data) for _ in range(data.draw(st.integers(0, 3)))]
    pieces = data.draw(st.lists(st.text(LETTERS + "., ", max_size=20), max_size=5))
    expected = []
    for piece in pieces:
        for _, model in stages:
            piece = model.convert(piece)
        expected.append(piece)
    tables = _tables([], [], {}, [], stages=[stage for stage, _ in stages])
    assert FastPass(tables).convert_pieces(pieces) == expected


def test_longest_key_wins_and_walk_backs_off():
    """`abcd` is not a key, so at `abc…` the pass falls back to `ab`."""
    tables = _tables(["ab", "abcde", "c", "b"], ["1", "2", "3", "4"], {"d": "D"}, ["dd"])
    assert FastPass(tables).scan("abcdx") == ("13Dx", [])
    assert FastPass(tables).scan("abcdex") == ("2x", [])
    assert FastPass(tables).scan("xddyab") == ("xddy1", [(0, 4, 0, 4)])
    assert FastPass(tables).scan("dcdd") == ("D3dd", [(2, 4, 2, 4)])


def test_astral_output_from_bmp_text():
    """BMP text is converted into UCS2 until an astral code point must be
    written; then the pass starts over in UCS4: same stretches, once each."""
    tables = _tables(["ab"], ["\U00020000"], {"c": "\U0001F600"}, ["dd"], {"n": "\U00020001"})
    stretch = [(0, 4, 0, 4)]
    assert FastPass(tables).scan("ddx中ab") == ("ddx中\U00020000", stretch)
    assert FastPass(tables).scan("ddab中c") == ("dd\U00020000中\U0001F600", [(0, 2, 0, 2)])
    assert FastPass(tables, normalize=True).scan("ddn中") == ("dd\U00020001中", [(0, 4, 0, 4)])
    assert FastPass(tables).scan("ddx中") == ("ddx中", [(0, 4, 0, 4)])  # stays UCS2
    assert FastPass(tables).scan("xé") == ("xé", [])  # and narrows to Latin-1
    stage = SimpleNamespace(keys=("dd",), values=("\U00020002",), chars={})
    staged = _tables(["ab"], ["1"], {}, ["dd"], stages=[stage])
    assert FastPass(staged).convert("中ddab") == "中\U000200021"


def test_duplicate_keys_first_wins():
    """As ahocorasick-rs reports the first of equal patterns."""
    tables = _tables(["ab", "ab", "b"], ["1", "2", "3"], {}, [])
    assert FastPass(tables).scan("abb") == ("13", [])


def test_triggers_count_only_inside_a_stretch():
    """A trigger reaching into a key match, or past the text, does not count."""
    tables = _tables(["ab"], ["1"], {}, ["xa", "yy", "by"])
    assert FastPass(tables).scan("xab") == ("x1", [])
    assert FastPass(tables).scan("aby") == ("1y", [])
    assert FastPass(tables).scan("zy") == ("zy", [])
    assert FastPass(tables).scan("zyy") == ("zyy", [(0, 3, 0, 3)])


def test_bad_tables_are_refused():
    with pytest.raises(ValueError):
        FastPass(_tables(["ab"], ["x"], {"a": "xy"}, []))
    with pytest.raises(ValueError):
        FastPass(_tables(["ab"], ["x"], {}, [], {"a": ""}), normalize=True)
    with pytest.raises(ValueError):
        FastPass(_tables([""], ["x"], {}, []))
    with pytest.raises(ValueError):
        FastPass(_tables(["ab"], [], {}, []))
    with pytest.raises(TypeError):
        FastPass(_tables([b"ab"], ["x"], {}, []))
    with pytest.raises(TypeError):
        fast("s2t").scan(b"bytes")
    with pytest.raises(TypeError):  # a stage has no triggers to report
        accel._accel.chain((FastPass(_tables([], [], {}, ["a"]))._tables,), ["a"])
    with pytest.raises(TypeError):
        fast("s2t").convert_pieces(["ok", 3])


def test_tables_are_small():
    assert FastPass(compiled("s2t")).__sizeof__() < 16 * 2**20


@pytest.mark.parametrize("config", ["s2t", "t2s", "s2twp"])
def test_bound_converter_is_convert(config):
    """FastPass.converter() is convert() as one C callable: same output for
    every string kind, ASCII back as it is only when the chain says so."""
    pass_ = fast_normalizing(config)
    bound = pass_.converter(False)
    sample = articles()[:4000]
    for text in (sample, sample + "é", sample + "\U0001F600", "", "abc", "頭髮發展"):
        assert bound(text) == pass_.convert(text)
    ascii_text = "plain ASCII " * 3
    assert pass_.converter(True)(ascii_text) is ascii_text
    assert pass_.converter(False)(ascii_text) == ascii_text


def test_bound_converter_refuses_bad_calls():
    bound = fast("s2t").converter(False)
    for args, kwargs in [((), {}), (("a", "b"), {}), ((b"x",), {}), ((None,), {}), (("a",), {"x": 1})]:
        with pytest.raises(TypeError):
            bound(*args, **kwargs)
    with pytest.raises(TypeError):
        fast("s2t")._tables.bind(42, False)


def test_accelerated_engine_converts_in_c():
    """An accelerated Engine's convert is the C callable, equal to the
    pure-Python engine's."""
    from zhnorm.engine import Engine

    fast_engine, slow_engine = Engine(compiled("s2twp")), Engine(compiled("s2twp"), accelerate=False)
    assert type(fast_engine.convert).__module__ != Engine.__module__
    assert fast_engine.convert.__class__.__name__ == "Bound"
    text = articles()[:3000]
    assert fast_engine.convert(text) == slow_engine.convert(text)

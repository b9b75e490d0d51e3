"""explain(): every change, where it is and why, rebuilding convert() exactly."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zhnorm
from zhnorm.dictionary import flatten
from zhnorm.explain import _tracer, flatten_with_source
from zhnorm.names import NameLayer
from zhnorm.opencc_config import config_names, load_chain_spec
from zhnorm.reference import ReferenceChain
from zhnorm.user_rules import UserRule

FIXTURES = Path(__file__).parent / "fixtures"
ARTICLES = sorted((FIXTURES / "markup" / "articles").glob("*.md"))
CORPUS = "\n".join(p.read_text(encoding="utf-8") for p in ARTICLES)


def rebuild(text, changes):
    """The text with each change applied; checks spans are in order and true."""
    out, pos = [], 0
    for c in changes:
        assert pos <= c.start < c.end <= len(text), c
        assert text[c.start:c.end] == c.before != c.after, c
        out += [text[pos:c.start], c.after]
        pos = c.end
    return "".join(out) + text[pos:]


def _cases():
    blocks = (FIXTURES / "explain" / "cases.txt").read_text(encoding="utf-8").split("\n=== ")[1:]
    for block in blocks:
        head, *lines = [line for line in block.splitlines() if line and not line.startswith("#")]
        target, text = head.split(" ", 1)
        expected = []
        for line in lines:
            start, end, before, after, steps = line.split(" ")
            expected.append((int(start), int(end), before, after, steps))
        yield pytest.param(target, text, expected, id=f"{target} {text}")


@pytest.mark.parametrize("target,text,expected", list(_cases()))
def test_fixture_cases(target, text, expected):
    got = [
        (c.start, c.end, c.before, c.after, ",".join(f"{s.stage}:{s.source}" for s in c.steps))
        for c in zhnorm.explain(text, target)
    ]
    assert got == expected


@pytest.mark.parametrize(
    "target", ["zh-TW", "zh-CN", "zh-HK", "zh-Hant", "zh-Hans", "s2t", "t2s", "s2twp", "tw2sp", "hk2s", "t2jp"]
)
def test_changes_rebuild_convert_on_the_articles(target):
    changes = zhnorm.explain(CORPUS, target)
    assert changes  # the corpus has something to change for every target
    assert rebuild(CORPUS, changes) == zhnorm.convert(CORPUS, target)


@pytest.mark.parametrize("markup", ["markdown", "wikitext", "auto"])
def test_markup_changes_rebuild_convert_markup(markup):
    conv = zhnorm.Converter("zh-TW")
    for path in ARTICLES[::3]:
        text = path.read_text(encoding="utf-8")
        changes = zhnorm.explain(text, "zh-TW", markup=markup)
        assert rebuild(text, changes) == conv.convert(text, markup=markup), path.name


def test_markup_keeps_link_targets_and_reports_rules():
    text = "[格鲁吉亚](https://zh.wikipedia.org/wiki/格鲁吉亚) -{zh-cn:悉尼;zh-tw:雪梨}- 头发"
    changes = zhnorm.explain(text, "zh-TW", markup="markdown")
    assert [(c.before, c.after) for c in changes] == [
        ("格鲁吉亚", "喬治亞"), ("-{zh-cn:悉尼;zh-tw:雪梨}-", "雪梨"), ("头发", "頭髮")
    ]
    assert changes[0].start == 1
    assert changes[1].steps[0].stage == "markup" and changes[1].steps[0].rule == "zh-cn:悉尼;zh-tw:雪梨"


def test_change_split_by_inline_markup():
    """A phrase cut by ** is reported piece by piece, each in its place."""
    text = "**阿塞拜**疆"
    changes = zhnorm.explain(text, "zh-TW", markup="markdown")
    assert rebuild(text, changes) == zhnorm.convert(text, "zh-TW", markup="markdown")
    assert all(c.steps and c.steps[-1].source == "地名" for c in changes)


_ALPHABET = list("头发展皇后来软件信息技术格鲁吉亚共和国阿塞拜疆魯喬治亞雪梨悉尼著着裡里臺台干乾") + [
    "\uf900", "\uf9dc", "\ud800", "😀", "a", " ", "\n", "，", "𠀀",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_ALPHABET), max_size=40).map("".join), st.sampled_from(["zh-TW", "zh-CN", "s2t", "s2twp"]))
def test_generated_text_rebuilds_convert(text, target):
    """Normalisation (compatibility ideographs), lone surrogates, astral characters."""
    assert rebuild(text, zhnorm.explain(text, target)) == zhnorm.convert(text, target)


def test_normalization_step():
    changes = zhnorm.explain("\uf900", "s2t")  # CJK compatibility ideograph 豈
    assert [(c.before, c.after, c.steps[0].stage) for c in changes] == [("\uf900", "豈", "normalization")]
    assert changes[0].steps[0].source == "CJK_Compatibility_Ideographs.txt"


@pytest.mark.parametrize("config", config_names())
def test_flatten_with_source_keeps_flatten_values(config):
    spec = load_chain_spec(config)
    for dict_spec in (*spec.stages, *filter(None, [spec.segmentation])):
        with_source = flatten_with_source(dict_spec)
        assert {k: v for k, (v, _) in with_source.items()} == flatten(dict_spec)


def test_segmentation_is_the_reference_models():
    layer = NameLayer.for_target("zh-tw")
    reference = ReferenceChain.from_spec(load_chain_spec("s2twp"), layer.pairs())
    text = CORPUS[:20000]
    expected, pos = [], 0
    for segment in reference.segment(text):
        expected.append((pos, pos + len(segment)))
        pos += len(segment)
    assert _tracer("s2twp", layer)._segments(text) == expected


def test_name_rule_origin_from_group_and_user_file():
    change, = [c for c in zhnorm.explain("格鲁吉亚", "zh-TW")]
    step = change.steps[-1]
    assert (step.stage, step.source) == ("names", "地名")
    assert "zh-tw:喬治亞" in step.rule and "zh-cn:格鲁吉亚" in step.rule
    rules_file = FIXTURES / "user_rules" / "house.txt"
    change, = zhnorm.explain("格鲁吉亚", "zh-TW", rules=[rules_file])
    assert change.after == "佐治亞" and change.steps[-1].source == f"{rules_file}:2"


def test_groups_and_rules_match_converter():
    at = CORPUS.index("内核")
    text = CORPUS[max(at - 15000, 0):at + 15000]
    rule = UserRule.parse("zh-cn:内核;zh-tw:內核心")
    conv = zhnorm.Converter("zh-TW", groups=["Movie"], rules=[rule])
    changes = zhnorm.explain(text, "zh-TW", groups=["Movie"], rules=[rule])
    assert rebuild(text, changes) == conv.convert(text)
    assert any(c.after == "內核心" for c in changes)


def test_json_form():
    change, = zhnorm.explain("软件", "s2twp")
    data = json.loads(json.dumps(change.to_dict(), ensure_ascii=False))
    assert data["before"] == "软件" and data["after"] == "軟體" and data["start"] == 0
    assert [s["source"] for s in data["steps"]] == ["STCharacters.txt", "TWPhrases.txt"]
    assert change.why == "STCharacters.txt 软→軟; TWPhrases.txt 軟件→軟體"
    assert change.span == (0, 2)


def test_bad_arguments():
    with pytest.raises(TypeError):
        zhnorm.explain(b"abc", "zh-TW")
    with pytest.raises(ValueError):
        zhnorm.explain("abc", "zh-TW", markup="rst")  # html is a markup since issue 15
    with pytest.raises(zhnorm.UnknownTargetError):
        zhnorm.explain("abc", "zh-XX")
    with pytest.raises(ValueError):
        zhnorm.explain("abc", "s2t", groups=["Movie"])
    assert zhnorm.explain("", "zh-TW") == []

"""Judged regional cases (tests/fixtures/regional) run against zhnorm's tags.

Each case is a conversion a careful editor of the region judged (see the
fixture's README); bench/disagree.py scores the peers on the same cases over
the corpus. Cases zhnorm still gets wrong are listed with a cause in
known_failures.tsv: a listed case that passes, or an unlisted one that
fails, fails the test, so the list stays exact.
"""

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zhnorm

FIXTURES = Path(__file__).parent / "fixtures" / "regional"


def _rows(name: str, width: int):
    for number, line in enumerate((FIXTURES / name).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        assert len(fields) == width and all(f.strip() for f in fields), f"{name}:{number}: {width} fields"
        yield number, fields


def _cases():
    return [(n, *fields) for n, fields in _rows("cases.tsv", 4)]


def _known():
    known = {}
    for number, (text, target, got, cause) in _rows("known_failures.tsv", 4):
        assert (text, target) not in known, f"known_failures.tsv:{number}: listed twice"
        known[(text, target)] = got
    return known


def test_cases_are_unique_and_targets_known():
    seen = set()
    for number, text, target, expected, reason in _cases():
        assert (text, target) not in seen, f"cases.tsv:{number}: duplicate"
        seen.add((text, target))
        assert target in ("zh-CN", "zh-TW", "zh-HK"), f"cases.tsv:{number}: {target}"
        assert all(e.strip() for e in expected.split(" || ")), f"cases.tsv:{number}: empty alternative"


@pytest.mark.parametrize("number,text,target,expected,reason", _cases())
def test_case(number, text, target, expected, reason):
    got = zhnorm.convert(text, target)
    right = any(e in got for e in expected.split(" || "))
    known = _known().get((text, target))
    if known is None:
        assert right, f"cases.tsv:{number}: {text!r} → {got!r}, expected {expected!r} ({reason})"
    else:
        assert not right, f"cases.tsv:{number} now passes: remove it from known_failures.tsv"
        assert got == known, f"cases.tsv:{number}: known failure changed: {got!r}"


def test_known_failures_are_cases():
    cases = {(text, target) for _, text, target, _, _ in _cases()}
    assert set(_known()) <= cases


def test_opencc_config_by_file_name():
    assert zhnorm.Converter("s2twp.json").target.name == "s2twp"
    assert zhnorm.convert("软件", "S2TWP.json") == zhnorm.convert("软件", "s2twp") == "軟體"
    with pytest.raises(ValueError):
        zhnorm.Converter("zh-TW.json")  # a tag is not a file


def test_one_group_by_name():
    assert zhnorm.Converter("zh-TW", groups="Movie").groups == ("Movie",)
    assert zhnorm.Converter("zh-TW", groups="Movie")._engine is zhnorm.Converter("zh-TW", groups=["Movie"])._engine


def test_user_rule_overrides_an_earlier_opencc_segment():
    """被发 (OpenCC's phrase) starts before 发明; a user's rule still wins."""
    from zhnorm.user_rules import UserRule

    rule = UserRule.parse("zh-cn:发明;zh-tw:發明")
    assert zhnorm.Converter("zh-TW", default_groups=False, rules=[rule]).convert("它被发明了") == "它被發明了"
    assert zhnorm.convert("头发", "zh-TW") == "頭髮"


_PIECES = [
    "米高", "159", "纳戈尔诺", "戈尔", "哈利波特", "爱沙尼亚", "美术", "被发明", "城堡的士兵", "电视频段",
    "文件", "系统", "资料库", "資料", "程序", "集成", "建立", "格鲁吉亚", "共和国", "狄奥多特", "大卫",
    "里泽", "占婆", "的", "，", "\n", "a", "拉脱维亚", "支持", "声明", "位于", "赫里河", "欧霸杯",
]


@pytest.fixture(scope="module")
def references():
    from zhnorm.names import NameLayer
    from zhnorm.opencc_config import load_chain_spec
    from zhnorm.reference import ReferenceChain

    out = {}
    for tag in ("zh-TW", "zh-CN", "zh-HK"):
        conv = zhnorm.Converter(tag)
        layer = NameLayer.for_target(conv.target.variant)
        out[tag] = (conv, ReferenceChain.from_spec(load_chain_spec(conv.target.config), layer.pairs()))
    return out


@settings(max_examples=int(os.environ.get("ZHNORM_REGIONAL_EXAMPLES", "100")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(_PIECES), max_size=12).map("".join), st.sampled_from(["zh-TW", "zh-CN", "zh-HK"]))
def test_compiled_names_and_corrections_equal_the_reference(references, text, tag):
    """The fast engine with names, blockers and corrections converts as the
    reference model of the same tables does, pieces of names glued to words."""
    conv, reference = references[tag]
    assert conv.convert(text) == reference.convert(text)

"""Users' own rule files: reading them, and their place above every group."""

import pickle
from pathlib import Path

import pytest

import zhnorm
from zhnorm.cache import cache_path
from zhnorm.names import NameLayer
from zhnorm.user_rules import RuleFileError, UserRule, as_rules, load_rules, parse_rules

FIXTURES = Path(__file__).parent / "fixtures" / "user_rules"
HOUSE = FIXTURES / "house.txt"


def test_rule_syntax_file():
    rules = load_rules(HOUSE)
    assert [r.text for r in rules] == [
        "zh-cn:格鲁吉亚;zh-tw:佐治亞;zh-hk:格魯吉亞",
        "zh-cn:硅谷;zh-tw:矽谷;zh-hk:矽谷",
        "zh-cn:字节跳动;zh-tw:字節跳動",
        "悉尼=>zh-tw:雪梨市",
    ]
    # where each rule was read: comments and blank lines count as lines
    assert [r.source for r in rules] == [f"{HOUSE}:{n}" for n in (2, 4, 5, 7)]


def test_tsv_with_and_without_header():
    plain = load_rules(FIXTURES / "house.tsv")
    assert [(r.original, dict(r.forms)) for r in plain] == [
        ("Georgia", {"zh-cn": "格鲁吉亚", "zh-tw": "佐治亞", "zh-hk": "格魯吉亞"}),
        ("Silicon Valley", {"zh-cn": "硅谷", "zh-tw": "矽谷", "zh-hk": "矽谷"}),
    ]
    headed = load_rules(FIXTURES / "header.tsv")
    assert len(headed) == 1 and headed[0].forms["zh-sg"] == "格鲁吉亚国"
    assert headed[0].source.endswith("header.tsv:3")


def test_format_from_content_and_forced():
    """A .txt file with TABs is TSV; format= overrides the guess."""
    assert load_rules(FIXTURES / "tabs.txt")[0].forms["zh-tw"] == "佐治亞"
    with pytest.raises(RuleFileError):
        load_rules(FIXTURES / "tabs.txt", format="rules")
    assert parse_rules("-{zh-cn:硅谷;zh-tw:矽谷}-")[0].forms == {"zh-cn": "硅谷", "zh-tw": "矽谷"}


@pytest.mark.parametrize(
    "line",
    [line for line in (FIXTURES / "bad_rules.txt").read_text("utf-8").splitlines() if not line.startswith("#")],
)
def test_bad_line_names_file_and_line(tmp_path, line):
    path = tmp_path / "rules.txt"
    path.write_text(f"# ok so far\nzh-cn:硅谷;zh-tw:矽谷\n\n{line}\n", encoding="utf-8")
    with pytest.raises(RuleFileError) as info:
        load_rules(path)
    assert str(info.value).startswith(f"{path}:4: ")
    assert isinstance(info.value, ValueError) and info.value.line == 4


def test_bad_tsv_lines(tmp_path):
    path = tmp_path / "rules.tsv"
    path.write_text("Georgia\t格鲁吉亚\t佐治亞\t格魯吉亞\textra\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match=r"rules\.tsv:1: 5 columns"):
        load_rules(path)
    path.write_text("Georgia\t格鲁吉亚\nNothing\t\t\t\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match=r"rules\.tsv:2: no variant form"):
        load_rules(path)


def test_not_utf8(tmp_path):
    path = tmp_path / "rules.txt"
    path.write_bytes("zh-cn:硅谷;zh-tw:矽谷\n".encode() + "zh-cn:格鲁吉亚\n".encode("gbk"))
    with pytest.raises(RuleFileError, match=r"rules\.txt:2: not UTF-8"):
        load_rules(path)


def test_user_rules_beat_default_groups_in_either_script():
    conv = zhnorm.Converter("zh-TW", rules=[HOUSE])
    assert conv.convert("格鲁吉亚") == "佐治亞"
    assert conv.convert("格魯吉亞") == "佐治亞"  # the form's other script too
    assert zhnorm.convert("格鲁吉亚", "zh-TW") == "喬治亞"  # the default group, untouched
    assert conv.convert("硅谷") == "矽谷"


def test_one_way_rule_applies_to_its_variant_only():
    assert zhnorm.Converter("zh-TW", rules=[HOUSE]).convert("悉尼") == "雪梨市"
    assert zhnorm.Converter("zh-HK", rules=[HOUSE]).convert("悉尼") == "悉尼"


def test_user_rules_beat_caller_groups():
    from zhnorm import cgroups

    group = cgroups.load_group("Movie")
    cn, tw = next(
        (r.bidirectional["zh-cn"], r.bidirectional["zh-tw"])
        for r in group.rules
        if {"zh-cn", "zh-tw"} <= set(r.bidirectional)
        and r.bidirectional["zh-cn"] != r.bidirectional["zh-tw"]
        and zhnorm.convert(r.bidirectional["zh-cn"], "zh-TW") != r.bidirectional["zh-tw"]
    )
    assert zhnorm.Converter("zh-TW", groups=["Movie"]).convert(cn) == tw
    mine = UserRule.parse(f"zh-cn:{cn};zh-tw:自訂譯名")
    assert zhnorm.Converter("zh-TW", groups=["Movie"], rules=[mine]).convert(cn) == "自訂譯名"


def test_later_rule_wins():
    first, second = UserRule.parse("zh-cn:硅谷;zh-tw:矽谷"), UserRule.parse("zh-cn:硅谷;zh-tw:矽穀")
    assert zhnorm.Converter("zh-TW", rules=[first, second]).convert("硅谷") == "矽穀"
    assert zhnorm.Converter("zh-TW", rules=[second, first]).convert("硅谷") == "矽谷"


def test_rules_need_a_tag_target():
    with pytest.raises(ValueError, match="language-tag targets"):
        zhnorm.Converter("s2twp", rules=[HOUSE])
    assert zhnorm.Converter("s2twp", rules=[]).rules == ()


def test_fingerprint_follows_content_not_location(tmp_path):
    copy = tmp_path / "copy.txt"
    copy.write_bytes(HOUSE.read_bytes())
    a = NameLayer.for_target("zh-tw", rules=[HOUSE])
    b = NameLayer.for_target("zh-tw", rules=[copy])
    plain = NameLayer.for_target("zh-tw")
    assert a == b and a.fingerprint() == b.fingerprint()
    assert a.fingerprint() != plain.fingerprint()
    assert cache_path("s2twp", a) != cache_path("s2twp", plain)
    other = NameLayer.for_target("zh-tw", rules=[UserRule.parse("zh-cn:硅谷;zh-tw:矽穀")])
    assert other.fingerprint() != a.fingerprint()


def test_rules_accept_paths_objects_and_lists():
    loaded = load_rules(HOUSE)
    assert as_rules([HOUSE]) == as_rules([str(HOUSE)]) == as_rules(loaded) == as_rules([loaded])
    assert as_rules(HOUSE) == tuple(loaded)
    with pytest.raises(TypeError):
        as_rules([42])


def test_converter_with_rules_pickles():
    conv = zhnorm.Converter("zh-TW", rules=[HOUSE])
    clone = pickle.loads(pickle.dumps(conv))
    assert clone.rules == conv.rules and clone._engine is conv._engine
    assert clone.convert("格鲁吉亚") == "佐治亞"


def test_top_level_load_rules():
    assert zhnorm.load_rules(HOUSE) == load_rules(HOUSE)

"""Loading conversion groups and merging their replacement tables."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from zhnorm.cgroups import (
    DEFAULT_GROUPS,
    Group,
    GroupInfo,
    GroupRule,
    UnknownGroupError,
    default_pairs,
    default_table,
    group_pairs,
    group_table,
    list_groups,
    load_group,
    opencc_script_forms,
)
from zhnorm.cgroups import _load_entry

REGIONAL = ("zh-tw", "zh-cn", "zh-hk", "zh-sg", "zh-mo")


def _group(name: str, *rules: GroupRule) -> Group:
    return Group(GroupInfo(name, name, "", len(rules), f"test:{name}"), rules)


def _rule(**texts: str) -> GroupRule:
    return GroupRule(None, MappingProxyType({k.replace("_", "-"): v for k, v in texts.items()}))


def _no_script_forms(texts):
    return [() for _ in texts]


# -- listing and loading -------------------------------------------------------


def test_list_groups_describes_every_group():
    groups = list_groups()
    assert len(groups) == 444
    it = next(g for g in groups if g.name == "IT")
    assert it.rule_count > 1500
    assert it.source == "Module:CGroup/IT"
    assert "zh-tw:資訊科技" in it.description


@pytest.mark.parametrize("asked, name", [("it", "IT"), ("IT", "IT"), (" 地名 ", "地名"),
                                          ("saintseiyaω", "SaintSeiyaOmega"), ("Adventure Time", "Adventure Time"),
                                          ("kingoffighters", "KingOfFighters")])
def test_load_group_by_name_or_title_any_case(asked, name):
    group = load_group(asked)
    assert group.name == name
    assert len(group.rules) == group.info.rule_count > 0


def test_unknown_group_lists_close_names():
    with pytest.raises(UnknownGroupError) as info:
        load_group("Lao")
    assert isinstance(info.value, KeyError) and isinstance(info.value, ValueError)
    assert "Laos" in str(info.value)
    assert not str(info.value).startswith("'")


def test_rules_keep_their_tables():
    laos = load_group("Laos")
    rule = next(r for r in laos.rules if r.original == "Laos")
    assert dict(rule.bidirectional) == {"zh-cn": "老挝", "zh-tw": "寮國", "zh-hk": "老撾", "zh-sg": "寮国"}
    assert dict(rule.pairs("zh-tw")) == {"老挝": "寮國", "老撾": "寮國", "寮国": "寮國", "寮國": "寮國"}


def test_group_pairs_apply_removal_suffixes():
    # "…;zh-hk:Justin Bieber;}--{-|Justin Bieber": the Latin name is not a source form.
    group = load_group("Justin Bieber")
    assert any("Justin Bieber" in r.removes for r in group.rules)
    table = group.pairs("zh-tw")
    assert table["贾斯汀·比伯"] == "小賈斯汀"
    assert "Justin Bieber" not in table


def test_later_rule_wins_within_a_group():
    group = _group("g", _rule(zh_cn="甲", zh_tw="乙"), _rule(zh_cn="甲", zh_tw="丙"))
    assert group.pairs("zh-tw")["甲"] == "丙"



def test_term_is_recognised_in_every_regional_form_and_script():
    tw = group_pairs(["地名"], "zh-tw")
    for form in ("阿塞拜疆", "亞塞拜然", "亚塞拜然"):
        assert tw[form] == "亞塞拜然"
    cn = group_pairs(["地名"], "zh-cn")
    for form in ("阿塞拜疆", "亞塞拜然", "亚塞拜然"):
        assert cn[form] == "阿塞拜疆"


def test_script_forms_come_from_opencc():
    assert opencc_script_forms(["信息技术", "資訊科技"]) == [("信息技術", "信息技术"), ("資訊科技", "资讯科技")]


def test_literal_forms_beat_derived_forms():
    a = _group("a", _rule(zh_cn="甲", zh_tw="乙"))
    b = _group("b", _rule(zh_cn="丙", zh_tw="丁"))

    def forms(texts):  # pretend 甲 is also written 丙 in the other script
        return [("丙",) if t == "甲" else () for t in texts]

    table = group_table([a, b], "zh-tw", script_forms=forms, conflicts="drop")
    assert table.pairs["丙"] == "丁"
    assert "丙" not in table.conflicts


def test_conflicts_last_or_drop():
    a = _group("a", _rule(zh_cn="喬治亞", zh_tw="喬治亞", zh_hk="格魯吉亞"))
    b = _group("b", _rule(zh_cn="乔治亚", zh_tw="喬治亞", zh_hk="佐治亞"))
    last = group_table([a, b], "zh-hk", script_forms=_no_script_forms)
    assert last.pairs["喬治亞"] == "佐治亞"
    assert last.conflicts["喬治亞"] == (("a", "格魯吉亞"), ("b", "佐治亞"))
    dropped = group_table([a, b], "zh-hk", conflicts="drop", script_forms=_no_script_forms)
    assert "喬治亞" not in dropped.pairs
    assert dropped.pairs["格魯吉亞"] == "格魯吉亞" and dropped.pairs["佐治亞"] == "佐治亞"


def test_real_georgia_ambiguity():
    hk = group_table(["地名", "CA Places"], "zh-hk", conflicts="drop")
    assert "喬治亞" not in hk.pairs
    assert {g for g, _ in hk.conflicts["喬治亞"]} == {"地名", "CA Places"}
    assert group_pairs(["地名", "CA Places"], "zh-hk")["喬治亞"] == "佐治亞"  # CA Places is later
    assert group_pairs(["CA Places", "地名"], "zh-hk")["喬治亞"] == "格魯吉亞"


def test_key_filters():
    g = _group("g", _rule(zh_cn="巴", zh_tw="峇"), _rule(zh_cn="CNN", zh_tw="有線電視"),
               _rule(zh_cn="巴士", zh_tw="公車"))
    table = group_table([g], "zh-tw", min_key_length=2, require_han=True, script_forms=_no_script_forms)
    assert set(table.pairs) == {"巴士", "公車", "有線電視"}
    assert set(table.filtered) == {"CNN", "巴", "峇"}


def test_group_pairs_rejects_unknowns():
    with pytest.raises(UnknownGroupError):
        group_pairs(["No Such Group"], "zh-tw")
    with pytest.raises(ValueError):
        group_pairs(["IT"], "zh-xx")


# -- the default groups --------------------------------------------------------


@pytest.mark.parametrize(
    "variant, expected",
    [
        ("zh-tw", {"阿塞拜疆": "亞塞拜然", "格鲁吉亚": "喬治亞", "信息技术": "資訊科技", "软件": "軟體",
                   "悉尼": "雪梨", "新西兰": "紐西蘭", "布什": "布希", "老挝": "寮國"}),
        ("zh-cn", {"亞塞拜然": "阿塞拜疆", "資訊科技": "信息技术", "軟體": "软件", "雪梨": "悉尼",
                   "紐西蘭": "新西兰", "布希": "布什"}),
        ("zh-hk", {"阿塞拜疆": "阿塞拜疆", "亞塞拜然": "阿塞拜疆", "格鲁吉亚": "格魯吉亞", "软件": "軟件",
                   "布希": "布殊", "老挝": "老撾"}),
    ],
)
def test_default_pairs(variant, expected):
    table = default_pairs(variant)
    for source, target in expected.items():
        assert table[source] == target, source


def test_default_pairs_drop_ambiguous_forms_and_report_them():
    table = default_table("zh-cn")
    assert table.conflicts  # the default groups do disagree on some forms
    assert not set(table.conflicts) & set(table.pairs)
    assert table.pairs["格魯吉亞"] == "格鲁吉亚"  # only the country reads like this


def test_town_level_place_groups_are_not_default():
    # CA Places' Hong Kong form of Sarnia, 沙尼亞, is a piece of 愛沙尼亞 (Estonia).
    assert "沙尼亞" not in default_pairs("zh-tw")
    assert "CA Places" not in DEFAULT_GROUPS


def test_default_pairs_keys_are_safe():
    for variant in REGIONAL:
        table = default_pairs(variant)
        assert len(table) > 10000
        assert all(len(k) >= 2 for k in table)
        assert "Justin Bieber" not in table
        with pytest.raises(TypeError):
            table["新"] = "x"  # read-only


def test_default_groups_are_ordered_and_unique():
    assert len(set(DEFAULT_GROUPS)) == len(DEFAULT_GROUPS)
    assert DEFAULT_GROUPS[0] == "地名"


def test_default_exclusions_are_well_formed_and_live():
    from zhnorm.cgroups import default_exclusions, group_table

    exclusions = default_exclusions()
    assert "皇后" in exclusions and all(why.strip() for why in exclusions.values())
    raw = {}
    for variant in REGIONAL:
        table = group_table(DEFAULT_GROUPS, variant, min_key_length=2, require_han=True)
        raw.update(table.pairs)
    for form in exclusions:  # a line no group needs any more is stale
        assert form in raw, form
    for variant in REGIONAL:
        assert not set(exclusions) & set(default_pairs(variant))


def test_common_words_survive_the_default_groups():
    import zhnorm

    for target in ("zh-TW", "zh-CN", "zh-HK"):
        out = zhnorm.convert("皇后和女王", target)
        assert out == "皇后和女王", target

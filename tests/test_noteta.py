"""{{NoteTA|G1=…}} in a wikitext page switches on conversion groups for it."""

import zhnorm
from zhnorm import cgroups
from zhnorm.names import groups_named_by_noteta


def _movie_rule():
    """A Movie-group rule that the default tables convert differently."""
    plain = zhnorm.Converter("zh-TW")
    for rule in cgroups.load_group("Movie").rules:
        forms = dict(rule.bidirectional)
        cn, tw = forms.get("zh-cn"), forms.get("zh-tw")
        if cn and tw and len(cn) >= 3 and plain.convert(cn) != tw:
            return cn, tw
    raise AssertionError("no Movie rule differs from the defaults")


def test_noteta_names_groups_and_skips_unknown_ones():
    page = "{{NoteTA\n|G1=movie\n|G2=No Such Group\n|1=zh-cn:甲;zh-tw:乙\n|G3 = IT}}"
    assert groups_named_by_noteta(page) == ("Movie", "IT")
    assert groups_named_by_noteta("no template here") == ()


def test_noteta_group_applies_to_the_page():
    cn, tw = _movie_rule()
    conv = zhnorm.Converter("zh-TW")
    with_group = "{{NoteTA|G1=Movie}}\n" + cn + "上映了。"
    without = cn + "上映了。"
    assert tw in conv.convert(with_group, markup="wikitext")
    assert tw not in conv.convert(without, markup="wikitext")
    assert conv.convert_markup(with_group, "auto").markup == "wikitext"
    assert tw in conv.convert(with_group, markup="auto")


def test_noteta_does_not_touch_opencc_targets():
    cn, tw = _movie_rule()
    page = "{{NoteTA|G1=Movie}}\n" + cn
    assert zhnorm.convert(page, "s2twp", markup="wikitext") == "{{NoteTA|G1=Movie}}\n" + zhnorm.convert(cn, "s2twp")


# -- T=: the title rule -------------------------------------------------------

MJ = "zh-cn:迈克尔·杰克逊;zh-tw:麥可·傑克森;zh-hk:米高積遜;"


def test_noteta_title_rule_sets_the_title_for_each_variant():
    page = "{{NoteTA|T=" + MJ + "}}\n迈克尔·杰克逊是歌手。"
    for target, title in [("zh-TW", "麥可·傑克森"), ("zh-HK", "米高積遜"), ("zh-CN", "迈克尔·杰克逊"),
                          ("zh-MO", "米高積遜"), ("zh-SG", "迈克尔·杰克逊")]:
        assert zhnorm.Converter(target).convert_title("迈克尔·杰克逊", page) == title
    # An OpenCC config has no MediaWiki variant: the title is converted as text.
    assert zhnorm.Converter("s2twp").convert_title("迈克尔·杰克逊", page) == zhnorm.convert("迈克尔·杰克逊", "s2twp")


def test_noteta_title_rule_does_not_convert_the_body():
    """T= is -{T|…}-: no '+' action, so MediaWiki adds nothing to the page's
    table; the body converts exactly as without it."""
    body = "\n甲乙丙是歌手，迈克尔·杰克逊也是。"
    head = "{{NoteTA|T=zh-cn:甲乙丙;zh-tw:丁戊己;}}"
    with_t = head + body
    conv = zhnorm.Converter("zh-TW")
    assert conv.convert(with_t, markup="wikitext") == head + conv.convert(body, markup="wikitext")
    assert "甲乙丙是" in conv.convert(with_t, markup="wikitext")
    assert conv.convert_title("甲乙丙", with_t) == "丁戊己"


def test_title_rule_last_one_wins_and_matches_inline_T_rule():
    conv = zhnorm.Converter("zh-TW")
    inline = "-{T|zh-cn:标题;zh-tw:標題}-正文"
    assert conv.convert_title("x", inline, markup="wikitext") == "標題"
    assert conv.convert_title("x", inline, markup="markdown") == "標題"
    assert conv.convert_title("x", "{{NoteTA|T=zh-cn:标题;zh-tw:標題}}正文", markup="wikitext") == "標題"
    assert conv.convert_title("x", "{{NoteTA|T=zh-cn:甲;zh-tw:乙}}" + inline, markup="wikitext") == "標題"
    assert conv.convert_title("x", inline + "{{NoteTA|T=zh-cn:甲;zh-tw:乙}}", markup="wikitext") == "乙"
    # Both show nothing in the body.
    assert conv.convert(inline, markup="markdown") == "正文"


def test_title_without_a_title_rule_uses_page_rules_and_groups():
    """MediaWiki converts the title after the body, with the page's H/A
    rules and NoteTA groups in its tables."""
    conv = zhnorm.Converter("zh-TW")
    assert conv.convert_title("软件") == conv.convert("软件")
    page = "{{NoteTA|1=zh-cn:软件;zh-tw:軟件;}}正文"
    assert conv.convert_title("软件工程", page, markup="wikitext") == "軟件" + conv.convert("工程")
    # A rule removed again (-{-|…}-) no longer applies at the end of the page.
    removed = page + "-{-|zh-cn:软件;zh-tw:軟件;}-"
    assert conv.convert_title("软件工程", removed, markup="wikitext") == conv.convert("软件工程")
    cn, tw = _movie_rule()
    assert conv.convert_title(cn, "{{NoteTA|G1=Movie}}", markup="wikitext") == tw
    assert conv.convert_title(cn, "{{NoteTA|G1=Movie}}", markup="plain") != tw

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

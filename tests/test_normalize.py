"""normalize(): names and regional terms to one standard, the rest as written."""

from pathlib import Path

import pytest

import zhnorm
from zhnorm.cgroups import opencc_script_forms
from zhnorm.names import NameLayer
from zhnorm.normalize import _names
from zhnorm.user_rules import UserRule

FIXTURES = Path(__file__).parent / "fixtures"
ARTICLES = sorted((FIXTURES / "markup" / "articles").glob("*.md"))


def _cases():
    lines = (FIXTURES / "normalize" / "cases.tsv").read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines if line and not line.startswith("#")]
    header, *rows = rows
    assert header == ["target", "fold", "input", "expected", "why"]
    for target, fold, text, expected, why in rows:
        yield pytest.param(target, fold == "yes", text, expected, id=why)


@pytest.mark.parametrize("target,fold,text,expected", list(_cases()))
def test_fixture_cases(target, fold, text, expected):
    assert zhnorm.normalize(text, target, fold=fold) == expected


@pytest.mark.parametrize("target", ["zh-TW", "zh-CN", "zh-HK"])
def test_only_names_change_on_the_articles(target):
    """Outside the forms found, every character of every article is as it was;
    each form becomes the target's form in one script or the other."""
    names = _names(NameLayer.for_target(zhnorm.resolve_target(target).variant))
    changed = 0
    for path in ARTICLES:
        text = path.read_text(encoding="utf-8")
        out = zhnorm.normalize(text, target)
        pos = opos = 0
        for start, end, form in names.find(text):
            gap = text[pos:start]
            assert out[opos:opos + len(gap)] == gap, path.name
            opos += len(gap)
            allowed = {text[start:end], form, *opencc_script_forms([form])[0]}
            written = next((a for a in sorted(allowed, key=len, reverse=True) if out.startswith(a, opos)), None)
            assert written is not None, (path.name, text[start:end], form)
            changed += written != text[start:end]
            opos += len(written)
            pos = end
        assert out[opos:] == text[pos:], path.name
    assert changed >= 20  # the check saw real replacements, not an empty table


def test_fold_gives_one_key_for_every_form():
    forms = ["格鲁吉亚", "格魯吉亞"]
    assert {zhnorm.normalize(f, "zh-CN", fold=True) for f in forms} == {"格鲁吉亚"}
    forms = ["阿塞拜疆", "亞塞拜然", "亚塞拜然"]
    assert {zhnorm.normalize(f, "zh-CN", fold=True) for f in forms} == {"阿塞拜疆"}
    assert {zhnorm.normalize(f, "zh-TW", fold=True) for f in forms} == {"亚塞拜然"}


def test_groups_and_rules():
    rule = UserRule.parse("zh-cn:格鲁吉亚;zh-tw:佐治亞;zh-hk:格魯吉亞")
    assert zhnorm.normalize("格魯吉亞的人", "zh-TW", rules=[rule]) == "佐治亞的人"
    assert zhnorm.normalize("格魯吉亞的人", "zh-TW", default_groups=False) == "格魯吉亞的人"


def test_needs_a_regional_target():
    for target in ("s2twp", "zh-Hant", "zh-Hans"):
        with pytest.raises(ValueError, match="regional target"):
            zhnorm.normalize("格鲁吉亚", target)
    with pytest.raises(TypeError):
        zhnorm.normalize(b"abc", "zh-TW")


def test_surrogates_and_empty_text():
    assert zhnorm.normalize("\ud800格魯吉亞\udfff", "zh-TW") == "\ud800喬治亞\udfff"
    assert zhnorm.normalize("", "zh-TW") == ""

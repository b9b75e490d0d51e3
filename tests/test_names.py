"""Names and regional terms on the tag targets (conversion groups on top of OpenCC)."""

import collections
import random
from pathlib import Path

import pytest

import zhnorm
from zhnorm import cgroups
from zhnorm.converter import engine_for
from zhnorm.dictionary import load_text_dict
from zhnorm.names import NameLayer
from zhnorm.opencc_config import load_chain_spec
from zhnorm.reference import ReferenceChain
from zhnorm.variants import fallback_chain

KNOWN_FAILURES = Path(__file__).parent / "fixtures" / "names" / "known_failures.tsv"


@pytest.mark.parametrize(
    "text,target,expected",
    [
        ("阿塞拜疆", "zh-TW", "亞塞拜然"),
        ("亞塞拜然", "zh-TW", "亞塞拜然"),
        ("亚塞拜然", "zh-TW", "亞塞拜然"),
        ("亞塞拜然", "zh-CN", "阿塞拜疆"),
        ("亚塞拜然", "zh-CN", "阿塞拜疆"),
        ("阿塞拜疆", "zh-HK", "阿塞拜疆"),
        ("亞塞拜然", "zh-HK", "阿塞拜疆"),
        ("格鲁吉亚", "zh-TW", "喬治亞"),
        ("格魯吉亞", "zh-CN", "格鲁吉亚"),
        ("格鲁吉亚", "zh-HK", "格魯吉亞"),
        ("格鲁吉亚共和国", "zh-TW", "喬治亞共和國"),  # inside an OpenCC phrase
        ("信息技术", "zh-TW", "資訊科技"),
        ("資訊科技", "zh-CN", "信息技术"),
    ],
)
def test_regional_forms(text, target, expected):
    assert zhnorm.convert(text, target) == expected


def test_seed_sentence_mixing_standards():
    text = "阿塞拜疆和格魯吉亞是愛沙尼亞在南高加索地區的盟友"
    assert zhnorm.convert(text, "zh-TW").startswith("亞塞拜然和喬治亞是")
    assert zhnorm.convert(text, "zh-CN").startswith("阿塞拜疆和格鲁吉亚是")
    assert zhnorm.convert(text, "zh-HK").startswith("阿塞拜疆和格魯吉亞是")


def test_opencc_configs_stay_exactly_opencc():
    text = "阿塞拜疆和格鲁吉亚共和国"
    reference = ReferenceChain.from_spec(load_chain_spec("s2twp"))
    assert zhnorm.convert(text, "s2twp") == reference.convert(text)
    for simplified, opencc_tw, names_tw in [("布什", "布什", "布希"), ("悉尼", "悉尼", "雪梨"), ("特朗普", "特朗普", "川普")]:
        assert zhnorm.convert(simplified, "s2twp") == reference.convert(simplified) == opencc_tw
        assert zhnorm.convert(simplified, "zh-TW") == names_tw
    with pytest.raises(ValueError):
        zhnorm.Converter("s2twp", groups=["Movie"])


def test_default_groups_can_be_switched_off():
    plain = zhnorm.Converter("zh-TW", default_groups=False)
    assert plain.convert("布什") == zhnorm.convert("布什", "s2twp") == "布什"
    assert zhnorm.convert("布什", "zh-TW") == "布希"
    # the corrections of OpenCC's choices are not groups: they stay
    assert plain.convert("城堡的士兵") == "城堡的士兵" != zhnorm.convert("城堡的士兵", "s2twp")
    assert plain._engine is zhnorm.Converter("zh_tw", default_groups=False)._engine


def test_unknown_group_is_an_error():
    with pytest.raises(ValueError):
        zhnorm.Converter("zh-TW", groups=["No Such Group"])


def test_caller_group_applies_and_pickles():
    import pickle

    conv = zhnorm.Converter("zh-TW", groups=["Movie"])
    assert conv.groups == ("Movie",)
    clone = pickle.loads(pickle.dumps(conv))
    assert clone.groups == ("Movie",) and clone._engine is conv._engine


@pytest.mark.parametrize("target", ["zh-TW", "zh-CN", "zh-HK"])
def test_engine_with_names_matches_reference(target):
    """The compiled engine equals the reference model with the same rules."""
    conv = zhnorm.Converter(target)
    layer = NameLayer.for_target(conv.target.variant)
    reference = ReferenceChain.from_spec(load_chain_spec(conv.target.config), layer.pairs())
    articles = sorted((Path(__file__).parent / "fixtures" / "markup" / "articles").glob("*.md"))
    text = "\n".join(p.read_text(encoding="utf-8") for p in articles[::4])
    assert engine_for(conv.target.config, layer).convert(text) == reference.convert(text)


def _form(bidirectional, variant):
    # Hong Kong takes only forms of its own (or generic zh-hant): a rule
    # without one leaves Hong Kong to OpenCC (cgroups.OWN_FORMS).
    chain = cgroups.OWN_FORMS.get(variant) or fallback_chain(variant)
    for v in chain:
        if v in bidirectional:
            return bidirectional[v]
    return None


def _hk_output(form):
    """Hong Kong's character variants apply to names too (衛 → 衞)."""
    return "".join(_HK_CHARS.get(ch, ch) for ch in form)


_HK_CHARS = {k: v for k, v in load_text_dict("HKVariants.txt").items() if len(k) == len(v) == 1}


def _unambiguous_rules():
    """Default-group rules with mainland, Taiwan and Hong Kong forms (Hong
    Kong's own, see _form), keeping
    only those whose every form has one reading across the default groups
    (a form two groups read differently cannot be expected either way)."""
    s2t, t2s = zhnorm.Converter("s2t"), zhnorm.Converter("t2s")
    rules = []
    for name in cgroups.DEFAULT_GROUPS:
        for rule in cgroups.load_group(name).rules:
            bi = dict(rule.bidirectional)
            forms = tuple(_form(bi, v) for v in ("zh-cn", "zh-tw", "zh-hk"))
            if forms[0] and forms[1]:
                rules.append(forms)
    readings = collections.defaultdict(set)
    for cn, tw, hk in rules:  # a rule without Hong Kong's form still gives readings
        for source in {cn, tw, hk or cn, s2t.convert(cn), t2s.convert(tw)}:
            readings[source].add((cn, tw, hk))
    rules = [r for r in rules if r[2]]
    excluded = cgroups.default_exclusions()  # common words the defaults leave alone
    return [
        r
        for r in rules
        if all(len(readings[f]) == 1 for f in r)
        and min(map(len, r)) >= 2
        and not any(f in excluded or s2t.convert(f) in excluded or t2s.convert(f) in excluded for f in r)
    ]


def _known_failures() -> dict[tuple[str, str, str, str], str]:
    """(source, target, expected, got) -> cause, from the fixture."""
    known = {}
    for number, line in enumerate(KNOWN_FAILURES.read_text(encoding="utf-8").splitlines(), start=1):
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        assert len(fields) == 5 and all(f.strip() for f in fields), (
            f"known_failures.tsv:{number}: expected source, target, expected, got and a cause")
        key = tuple(fields[:4])
        assert key not in known, f"known_failures.tsv:{number}: listed twice"
        known[key] = fields[4]
    return known


def test_two_thousand_group_rules_both_directions_either_script():
    rules = _unambiguous_rules()
    assert len(rules) >= 2000
    sample = random.Random(1).sample(rules, 2000)
    s2t, t2s = zhnorm.Converter("s2t"), zhnorm.Converter("t2s")
    to = {t: zhnorm.Converter(t) for t in ("zh-TW", "zh-CN", "zh-HK")}
    failures = set()
    for cn, tw, hk in sample:
        checks = [
            (cn, "zh-TW", tw), (tw, "zh-CN", cn), (cn, "zh-HK", _hk_output(hk)), (hk, "zh-CN", cn),
            (s2t.convert(cn), "zh-TW", tw), (t2s.convert(tw), "zh-CN", cn),
            (s2t.convert(cn), "zh-HK", _hk_output(hk)), (t2s.convert(hk), "zh-CN", cn),
        ]
        for source, target, expected in checks:
            got = to[target].convert(source)
            if got != expected:
                failures.add((source, target, expected, got))
    known = _known_failures()
    # Every check passes except the known failures, which are listed (and
    # explained, one cause each) in the fixture: a fixed one must be removed
    # from it, a new one added.
    assert failures == set(known), sorted(failures ^ set(known))
    assert len(known) <= 0.005 * 8 * len(sample)

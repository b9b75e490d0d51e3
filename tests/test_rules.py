"""Rule parsing against a fixture of real -{ }- bodies and MediaWiki's behaviour."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from zhnorm.rules import Rule, RuleSyntaxError, parse_rule, parse_rule_strict

FIXTURE = Path(__file__).parent / "fixtures" / "rules" / "rules.txt"


def _value(text: str) -> str:
    return json.loads(text) if text.startswith('"') else text


def _load_cases() -> list[dict]:
    cases, current = [], None
    for lineno, line in enumerate(FIXTURE.read_text(encoding="utf-8").split("\n"), 1):
        if line.startswith("#"):
            continue
        if not line.strip():
            current = None
            continue
        key, sep, value = line.partition(": ")
        if not sep:
            key, value = line.rstrip(":"), ""
        if key == "body":
            current = {"body": _value(value), "line": lineno, "checks": []}
            cases.append(current)
        else:
            assert current is not None, f"{FIXTURE.name}:{lineno}: check outside a block"
            current["checks"].append((key, value, lineno))
    return cases


CASES = _load_cases()


def test_fixture_has_many_cases():
    assert len(CASES) >= 50
    assert sum(len(c["checks"]) for c in CASES) >= 150


def _pairs(value: str) -> list[tuple[str, str]]:
    if value == "(none)":
        return []
    return [tuple(p.split("→")) for p in value.split(" ; ")]


@pytest.mark.parametrize("case", CASES, ids=[f"line{c['line']}" for c in CASES])
def test_fixture_case(case):
    rule = parse_rule(case["body"])
    for key, value, lineno in case["checks"]:
        where = f"{FIXTURE.name}:{lineno}"
        if key == "flags":
            assert " ".join(rule.flag_order) == value, where
            assert rule.flags == frozenset(value.split()), where
        elif key == "text":
            assert rule.text == (None if value == "(none)" else _value(value)), where
        elif key == "action":
            assert rule.action == value, where
        elif key.startswith("display "):
            variant = key.split()[1]
            expected = None if value == "(error)" else _value(value)
            assert rule.display_or_none(variant) == expected, where
            assert rule.display(variant) == (expected or ""), where
        elif key.startswith("title "):
            expected = None if value == "(none)" else _value(value)
            assert rule.title(key.split()[1]) == expected, where
        elif key.startswith("pairs "):
            assert rule.pairs(key.split()[1]) == _pairs(value), where
        elif key == "strict":
            if value == "ok":
                assert parse_rule_strict(case["body"]) == rule, where
            else:
                with pytest.raises(RuleSyntaxError):
                    parse_rule_strict(case["body"])
        else:  # pragma: no cover - a typo in the fixture
            pytest.fail(f"{where}: unknown check {key!r}")


def test_variant_flags_use_the_converter_with_fallback():
    rule = parse_rule("zh-hans;zh-hant|中國")
    seen = []

    def convert(text, variant):
        seen.append(variant)
        return f"<{variant}:{text}>"

    assert rule.variant_flags == {"zh-hans", "zh-hant"}
    assert rule.display("zh-cn", convert) == "<zh-hans:中國>"
    assert rule.display("zh-hk", convert) == "<zh-hant:中國>"
    assert rule.display("zh-hant", convert) == "<zh-hant:中國>"
    # zh's chain starts with zh-hans
    assert rule.display("zh", convert) == "<zh-hans:中國>"
    assert seen == ["zh-hans", "zh-hant", "zh-hant", "zh-hans"]


def test_variant_flag_not_in_chain_shows_raw_text():
    rule = parse_rule("zh-tw|软件")
    assert rule.display("zh-cn", lambda t, v: "converted") == "软件"
    assert rule.display("zh-hk", lambda t, v: f"{v}") == "zh-tw"


def test_strict_error_message_names_the_problem():
    with pytest.raises(RuleSyntaxError, match="unknown variant 'zh-xx'"):
        parse_rule_strict("zh-xx:二;zh-cn:一")
    with pytest.raises(RuleSyntaxError, match="swallows a further entry"):
        parse_rule_strict("zh-cn:一;zh-xx:二")
    with pytest.raises(RuleSyntaxError, match="not a conversion table"):
        parse_rule_strict("纯文本")
    with pytest.raises(RuleSyntaxError, match="unknown flag 'X'"):
        parse_rule_strict("X|zh-cn:一;zh-tw:二")


def test_rule_error_is_a_value_error():
    assert issubclass(RuleSyntaxError, ValueError)


def test_unknown_variant_in_display_raises_value_error():
    with pytest.raises(ValueError):
        parse_rule("zh-cn:一").display("zh-xx")


def test_rules_are_hashable_and_immutable():
    rule = parse_rule("zh-cn:一;zh-tw:二")
    assert hash(rule) == hash(parse_rule("zh-cn:一;zh-tw:二"))
    with pytest.raises(TypeError):
        rule.bidirectional["zh-hk"] = "三"  # type: ignore[index]


def test_parse_rule_rejects_non_strings():
    with pytest.raises(TypeError):
        parse_rule(None)  # type: ignore[arg-type]


VARIANT_CODES = ["zh", "zh-hans", "zh-hant", "zh-cn", "zh-tw", "zh-hk", "zh-sg", "zh-mo", "zh-my"]
_pieces = st.sampled_from(
    ["zh-cn", "zh-tw", "zh-Hant", "ZH-HK", ":", ";", "|", "=>", "=&gt;", "&amp;", " ",
     "\u3000", "A", "H", "R", "-", "T", "N", "D", "软件", "軟體", "\n", "zh-xx", "-{", "}-"]
)
_bodies = st.one_of(st.text(), st.lists(_pieces, max_size=14).map("".join))


@given(_bodies)
def test_parse_rule_never_raises_and_is_consistent(body):
    rule = parse_rule(body)
    assert isinstance(rule, Rule)
    assert rule.raw == body
    assert (rule.text is None) == (rule.variant_flags == frozenset() and rule.is_table
                                   and rule.text is None)
    for variant in VARIANT_CODES:
        assert isinstance(rule.display(variant), str)
        for source, target in rule.pairs(variant):
            assert source != ""
    try:
        strict = parse_rule_strict(body)
    except RuleSyntaxError:
        pass
    else:
        assert strict == rule and rule.is_table and not rule.problems


@given(st.dictionaries(st.sampled_from(VARIANT_CODES[1:]),
                       st.text(alphabet="软件軟體电脑電腦甲乙", min_size=1), min_size=1))
def test_bidirectional_round_trip(table):
    body = ";".join(f"{v}:{t}" for v, t in table.items()) + ";"
    rule = parse_rule_strict(body)
    assert dict(rule.bidirectional) == table
    for variant, text in table.items():
        assert rule.display(variant) == text

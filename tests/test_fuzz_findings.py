"""Regressions found by scripts/fuzz_public.py (one test per finding)."""

import zhnorm
from zhnorm.user_rules import parse_rules


def test_user_rule_with_a_lone_surrogate():
    """The name layer's cache fingerprint encoded the rules strictly, so a
    rule holding a lone surrogate (text read with surrogateescape) made
    Converter() raise UnicodeEncodeError."""
    rules = parse_rules("zh-cn:软\ud800件;zh-tw:軟\ud800體")
    conv = zhnorm.Converter("zh-TW", rules=rules)
    assert conv.convert("软\ud800件 软件") == "軟\ud800體 軟體"
    changes = zhnorm.explain("软\ud800件", "zh-TW", rules=rules)
    assert [(c.before, c.after) for c in changes] == [("软\ud800件", "軟\ud800體")]

"""Regressions found by scripts/fuzz_public.py (one test per finding)."""

import importlib
import re
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

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


sniff_module = importlib.import_module("zhnorm.markup.sniff")  # zhnorm.markup.sniff is also a function

# The Markdown-link pattern sniff() used, kept as the oracle for its replacement.
_OLD_LINK = re.compile(r"\]\((?:[^()\s]|\\.)+(?:\s+\"[^\"\n]*\")?\)")


def test_sniffing_a_link_full_of_escapes_ends():
    """`](` and then `\\x` repeated with no `)` made markup='auto' (the CLI's
    default) exponential: 22 pairs took 3.6 s, 42 bytes hang for hours."""
    code = "from zhnorm.markup import sniff; print(sniff('](' + '\\\\a' * 60))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "plain"


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(["]", "(", ")", "](", "\\", "\\\\", " ", "\t", "\n", "\r", '"', "a", "軟", "\u3000"]),
                max_size=10).map("".join))
def test_the_link_pattern_matches_as_before(text):
    link = sniff_module._MD[0][0]
    assert link.findall(text) == _OLD_LINK.findall(text)

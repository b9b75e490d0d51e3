"""explain()'s changes rebuild exactly what convert() returns, in every markup,
with page rules (-{ }-, NoteTA's numbered rules) and NoteTA groups.

ZHNORM_EXPLAIN_EXAMPLES sets the property test's example count (default 150);
run thousands locally.
"""

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import zhnorm

EXAMPLES = int(os.environ.get("ZHNORM_EXPLAIN_EXAMPLES", "150"))
MARKUPS = ("plain", "markdown", "wikitext", "auto")
TARGETS = ("zh-TW", "zh-CN", "s2t")

WORDS = ["计算机", "計算機", "软件", "軟體", "头发", "发展", "内存", "网络", "打印机", "鼠标", "程序",
         "服务器", "信息", "数据库", "视频", "台湾", "悉尼", "乾隆", "裏", "著", "，", "。", "abc", " "]
MARKUP = [
    "\n", "\n\n", "**", "*", "`", "```\n", "# ", "> ", "- ", "[", "](http://x.cn/软件)", "<!--", "-->",
    "[[", "]]", "[[计算机|", "{{", "}}", "'''", "''", "\n== ", " ==\n", "<nowiki>", "</nowiki>",
    "<pre>", "</pre>", "<code>", "</code>", "|",
]
RULES = [
    "-{", "}-", "-{}-", "-{计算机}-", "-{H|zh-cn:计算机;zh-tw:電腦;}-", "-{A|zh-cn:软件;zh-tw:軟體;}-",
    "-{zh-cn:网络;zh-tw:網路;}-", "-{T|zh-cn:标题;zh-tw:標題}-", "-{-|zh-cn:计算机;zh-tw:電腦;}-",
    "-{}-[[展]]", "-{R|程序}-", "-{D|zh-cn:信息;zh-tw:資訊;}-",
    "{{NoteTA|G1=IT}}", "{{NoteTA|1=zh-cn:鼠标;zh-tw:滑鼠;}}", "{{NoteTA|G1=IT|1=zh-cn:视频;zh-tw:影片;}}",
    "{{noteTA|G1=IT}}",
]

documents = st.lists(st.sampled_from(WORDS + MARKUP + RULES), max_size=25).map("".join)


def rebuild(text, changes):
    out, pos = [], 0
    for c in changes:
        assert pos <= c.start < c.end <= len(text), c
        assert text[c.start:c.end] == c.before != c.after, c
        out += [text[pos:c.start], c.after]
        pos = c.end
    return "".join(out) + text[pos:]


def _check(text, target, markup):
    expected = zhnorm.Converter(target).convert(text, markup)
    assert rebuild(text, zhnorm.explain(text, target, markup=markup)) == expected


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=documents, target=st.sampled_from(TARGETS), markup=st.sampled_from(MARKUPS))
def test_explain_rebuilds_convert(text, target, markup):
    _check(text, target, markup)


def test_noteta_groups_are_explained():
    text = "{{NoteTA|G1=IT}}计算机"
    for markup in ("wikitext", "auto"):
        changes = zhnorm.explain(text, "zh-TW", markup=markup)
        assert rebuild(text, changes) == "{{NoteTA|G1=IT}}電腦" == zhnorm.convert(text, "zh-TW", markup)
        (change,) = changes
        assert change.after == "電腦"
        assert any(step.stage == "names" and step.source == "IT" for step in change.steps), change.why


def test_auto_on_a_wikitext_page_keeps_the_rules_convert_keeps():
    for text in ["-{}-[[展]]", "-{H|zh-cn:计算机;zh-tw:電腦;}-计算机 [[计算机]]", "-{软件}-软件\n[[展]]"]:
        _check(text, "zh-TW", "auto")


def test_regressions():
    for text, target, markup in [
        ("{{NoteTA|G1=IT}}[[计算机|计算机]]-{}-", "zh-TW", "auto"),
        ("**计算机**{{NoteTA|G1=IT}}", "zh-TW", "markdown"),
        ("{{NoteTA|G1=IT}}计算机", "zh-CN", "wikitext"),
        ("{{NoteTA|G1=IT}}计算机", "s2t", "wikitext"),
    ]:
        _check(text, target, markup)


def test_filename_decides_auto_as_it_does_for_convert_markup():
    text = "-{}-[[展]] 计算机 **软件**"
    for filename in ("page.wiki", "page.md", "page.txt", None):
        expected = zhnorm.Converter("zh-TW").convert_markup(text, "auto", filename=filename).text
        changes = zhnorm.explain(text, "zh-TW", markup="auto", filename=filename)
        assert rebuild(text, changes) == expected, filename


def test_a_trace_that_disagrees_still_rebuilds_the_conversion(monkeypatch, caplog):
    """Should the trace ever differ from the engine, explain() still rebuilds
    convert()'s output (and logs the disagreement)."""
    import importlib
    import logging

    explain_module = importlib.import_module("zhnorm.explain")  # zhnorm.explain is the function
    text = "头发和软件，计算机。" * 3
    real = explain_module._Tracer.explain

    for damage in ("drop", "alter", "extra"):
        def wrong(self, t, damage=damage):
            changes = real(self, t)
            if damage == "drop":
                return changes[1:]
            if damage == "alter":
                c = changes[2]
                return [*changes[:2], explain_module.Change(c.start, c.end, c.before, c.after + "X", c.steps),
                        *changes[3:]]
            return [*changes, explain_module.Change(len(t) - 1, len(t), t[-1], "!", ())]

        monkeypatch.setattr(explain_module._Tracer, "explain", wrong)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="zhnorm"):
            changes = zhnorm.explain(text, "zh-TW")
        assert rebuild(text, changes) == zhnorm.convert(text, "zh-TW"), damage
        assert any("differ" in r.getMessage() for r in caplog.records), damage
    monkeypatch.undo()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="zhnorm"):
        assert rebuild(text, zhnorm.explain(text, "zh-TW")) == zhnorm.convert(text, "zh-TW")
    assert not caplog.records

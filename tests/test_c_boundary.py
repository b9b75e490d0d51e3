"""The C extensions' private entry points survive hostile arguments.

Each case runs in a fresh interpreter: a crash (a signal) fails the test
where it would otherwise take pytest down with it. A case passes when the
call raises an exception or returns the right answer; a freed string read
back (use after free) shows up as a crash, a sanitizer report (under
scripts/sanitize_fuzz.sh) or a wrong answer, since the cases allocate
after freeing to overwrite what was freed.
"""

import os
import subprocess
import sys
import textwrap

import pytest

from zhnorm import accel
from zhnorm.markup import markdown_c

needs_accel = pytest.mark.skipif(not accel.available(), reason="zhnorm._accel not built")
needs_mdscan = pytest.mark.skipif(not markdown_c.available(), reason="zhnorm._mdscan not built")

PRELUDE = """
import gc, sys
def churn():
    # Reuse freed memory: many strings of the sizes the cases free.
    return [("\u6c49" * 2000) + str(i) for i in range(200)] + [str(i) * 40 for i in range(2000)]
"""


def _run(body: str) -> str:
    code = PRELUDE + textwrap.dedent(body)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONFAULTHANDLER": "1"})
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr[-3000:]}"
    return proc.stdout.strip()


@needs_mdscan
@pytest.mark.parametrize("span_type", [
    "int", "object", "dict", "type", "str", "BaseException",
    # tuple subtypes that tuple.__new__ cannot fill: struct sequences
    "time.struct_time", "os.stat_result", "type(sys.float_info)",
    "type('Sub', (time.struct_time,), {})",
])
def test_scan_refuses_a_type_that_is_not_a_tuple(span_type):
    out = _run(f"""
        import os, time
        from zhnorm import _mdscan
        try:
            spans = _mdscan.scan("软件 **x** -{{a}}- [[b]]" * 20, {span_type})
        except TypeError:
            print("TypeError")
        else:
            junk = churn()
            print(repr(spans)[:10], file=sys.stderr)
            del spans
            gc.collect()
            print("returned")
    """)
    assert out == "TypeError"


@needs_mdscan
def test_scan_still_takes_tuple_and_its_python_subclasses():
    out = _run("""
        from collections import namedtuple
        from zhnorm import _mdscan
        from zhnorm.markup.tokens import Span
        Sub = type("Sub", (Span,), {})  # with a __dict__
        for cls in (Span, tuple, Sub, namedtuple("N", "a b c d e f")):
            spans = _mdscan.scan("软件 **x**", cls)
            junk = churn()
            print(all(type(s) is cls for s in spans), "".join("软件 **x**"[s[1]:s[2]] for s in spans))
    """)
    assert out.splitlines() == ["True 软件 **x**"] * 4


@needs_mdscan
def test_render_holds_the_shown_string_while_convert_frees_it():
    """convert() empties the dict the rule's output came from: render must
    still write that output, not freed memory."""
    out = _run("""
        from zhnorm import _mdscan
        text = "软件" + "-{x}-" + "软件"
        shown = "".join(["\u96fb"] * 3000)  # a fresh string only the dict holds
        meta = {"shown": shown, "keep": False}
        del shown
        spans = [("text", 0, 2, True, False, None), ("conv_rule", 2, 7, False, False, meta),
                 ("text", 7, 9, True, False, None)]
        def convert(s):
            meta.clear()
            junk = churn()
            return s.replace("软件", "軟體")
        result, fallbacks = _mdscan.render(text, spans, convert)
        print(result == "軟體" + "\u96fb" * 3000 + "軟體")
    """)
    assert out == "True"


@needs_mdscan
def test_render_survives_a_bool_that_empties_the_span_list():
    out = _run("""
        from zhnorm import _mdscan
        text = "软件软件" * 50
        spans = []
        class Evil:
            def __bool__(self):
                spans.clear()
                junk = churn()
                return True
        spans.extend(("text", i, i + 2, Evil(), False, None) for i in range(0, len(text), 2))
        try:
            result, _ = _mdscan.render(text, spans, lambda s: s.replace("软件", "軟體"))
        except Exception as e:
            print(type(e).__name__)
        else:
            print(result == "軟體" * 100)
    """)
    assert out in {"True", "RuntimeError", "TypeError", "ValueError"}


@needs_mdscan
def test_render_survives_a_bool_that_raises():
    out = _run("""
        from zhnorm import _mdscan
        class Bad:
            def __bool__(self):
                raise ZeroDivisionError
        try:
            _mdscan.render("软件", [("text", 0, 2, Bad(), False, None)], str)
        except ZeroDivisionError:
            print("ZeroDivisionError")
        else:
            print("returned")
    """)
    assert out == "ZeroDivisionError"


@needs_mdscan
def test_convert_holds_the_plans_strings_while_convert_frees_them():
    """The rule outputs plan() returns are used after convert() ran: a
    convert that empties plan's dicts must not leave them dangling."""
    out = _run("""
        from zhnorm import _mdscan
        text = "软件" + "-{x}-" + "软件"
        made = []
        def plan(text, bounds, variant, convert, keep):
            shown = {start: "".join(["\u96fb"] * 3000) for start, end in bounds}
            tables = {start: [("软", "\u8edf\u8edf" * 500)] for start, end in bounds}
            made.extend((shown, tables))
            return shown, tables
        def convert(s):
            for d in made:
                d.clear()
            junk = churn()
            return s.replace("软件", "軟體")
        page = _mdscan.convert(text, convert, plan, None, False)[0]
        print(page.startswith("軟體" + "\u96fb" * 3000))
    """)
    assert out == "True"


@needs_accel
def test_tables_refuse_keys_whose_len_lies():
    out = _run("""
        from zhnorm import _accel
        class Liar(list):
            def __len__(self):
                return 1
        keys = Liar(["甲", "乙", "丙", "丁"])
        try:
            t = _accel.Tables(keys, ["A"], {}, [])
        except ValueError:
            print("ValueError")
        else:
            out, _ = t.scan("丁丙乙甲" * 1000)
            print(out == "丁丙乙A" * 1000)
    """)
    assert out == "ValueError"


@needs_accel
def test_tables_accept_keys_of_any_sequence_and_still_convert():
    out = _run("""
        from zhnorm import _accel
        t = _accel.Tables(iter(["甲", "乙乙"]), ("A", "B"), {"丙": "C"}, ())
        print(t.scan("甲乙乙丙")[0])
    """)
    assert out == "ABC"


@needs_accel
def test_stages_callable_that_misbehaves():
    out = _run("""
        from zhnorm import _accel
        t = _accel.Tables(["甲"], ["A"], {}, ["乙乙"])
        results = []
        for stages in (lambda: 5, lambda: (1, 2), lambda: 1 / 0, lambda: (t,)):
            try:
                results.append(t.convert("乙乙" * 3, stages))
            except (TypeError, ZeroDivisionError) as e:
                results.append(type(e).__name__)
        print(results)
    """)
    assert out == "['TypeError', 'TypeError', 'ZeroDivisionError', 'TypeError']"


@needs_accel
def test_chain_with_hostile_pieces():
    out = _run("""
        from zhnorm import _accel
        stage = _accel.Tables(["甲"], ["A"], {}, [])
        results = []
        for pieces in (["甲", 5], ["甲", b"x"], [], ["甲甲"]):
            try:
                results.append(_accel.chain((stage,), pieces))
            except TypeError:
                results.append("TypeError")
        print(results)
    """)
    assert out == "['TypeError', 'TypeError', [], ['AA']]"

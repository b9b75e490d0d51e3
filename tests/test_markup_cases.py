"""Fixture-driven cases: tests/fixtures/markup/cases/*.txt.

Each file holds many small cases (title, markup, target, input, expected)
in a plain-text format a person can read and extend; see the header of
``markdown.txt``.  Run ``python tests/test_markup_cases.py --fill FILE`` to
write the current output into cases whose expected section is empty, then
review the diff before committing.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from zhnorm.markup import convert_markup
from zhnorm.markup.title import title_rule

CASES_DIR = Path(__file__).parent / "fixtures" / "markup" / "cases"
CONFIGS = {"zh-tw": "s2twp", "zh-hk": "s2hk", "zh-cn": "t2s", "zh-hans": "t2s", "zh-hant": "s2t"}
_MARK = re.compile(r"^(---) (input|expected|title)$")


@dataclass
class Case:
    file: str
    line: int
    title: str
    markup: str
    target: str
    rules: str
    input: str
    expected: str | None
    page_title: str | None = None  # the "--- title" section: what title rules set ("(none)": nothing)


def parse_cases(path: Path) -> list[Case]:
    """Parse one case file; raises ValueError naming the line on bad syntax."""
    cases: list[Case] = []
    lines = path.read_text(encoding="utf-8").split("\n")
    i = 0
    while i < len(lines) and not lines[i].startswith("==="):
        i += 1
    while i < len(lines):
        start = i
        title = lines[i][3:].strip()
        opts = dict(re.findall(r"(\w+):\s*(\S+)", lines[i + 1] if i + 1 < len(lines) else ""))
        if "markup" not in opts or "target" not in opts:
            raise ValueError(f"{path.name}:{i + 2}: expected 'markup: … target: …' after the title")
        i += 2
        sections: dict[str, list[str]] = {}
        current = None
        while i < len(lines) and not lines[i].startswith("==="):
            m = _MARK.match(lines[i])
            if m and m.group(1) == "---":
                current = m.group(2).strip()
                sections[current] = []
            elif current is not None:
                sections[current].append(lines[i])
            i += 1
        if "input" not in sections:
            raise ValueError(f"{path.name}:{start + 1}: case {title!r} has no '--- input' section")
        expected = "\n".join(sections["expected"]) if sections.get("expected") else None
        cases.append(Case(path.name, start + 1, title, opts["markup"], opts["target"],
                          opts.get("rules", "resolve"), "\n".join(sections["input"]), expected,
                          "\n".join(sections["title"]) if "title" in sections else None))
    return cases


def run_case(case: Case) -> str:
    import zhnorm
    if case.target in CONFIGS:
        convert, variant = zhnorm.Converter(CONFIGS[case.target]).convert, case.target
    else:  # an OpenCC config name: no MediaWiki variant
        convert, variant = zhnorm.Converter(case.target).convert, None
    return convert_markup(case.input, case.markup, convert, variant, manual_rules=case.rules)


ALL = [c for p in sorted(CASES_DIR.glob("*.txt")) for c in parse_cases(p)]


@pytest.mark.parametrize("case", ALL, ids=[f"{c.file}:{c.line}" for c in ALL])
def test_case(case: Case):
    assert case.expected is not None, f"{case.file}:{case.line} has no expected output"
    assert run_case(case) == case.expected, case.title
    if case.page_title is not None:
        variant = case.target if case.target in CONFIGS else None
        shown = title_rule(case.input, case.markup, variant)
        assert ("(none)" if shown is None else shown) == case.page_title, case.title


def test_case_files_have_many_cases():
    files = sorted(CASES_DIR.glob("*.txt"))
    assert len(files) >= 3
    assert all(len(parse_cases(p)) >= 10 for p in files)


def _fill(path: Path) -> None:
    """Write current outputs into empty expected sections (review after!)."""
    text = path.read_text(encoding="utf-8")
    out_lines = []
    cases = {c.line: c for c in parse_cases(path)}
    lines = text.split("\n")
    i = 0
    current_case = None
    while i < len(lines):
        line = lines[i]
        if line.startswith("==="):
            current_case = cases.get(i + 1)
        out_lines.append(line)
        if line.startswith("--- expected") and current_case and current_case.expected is None:
            out_lines.extend(run_case(current_case).split("\n"))
        i += 1
    path.write_text("\n".join(out_lines), encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--fill":
        _fill(Path(sys.argv[2]))
    else:
        print(__doc__)

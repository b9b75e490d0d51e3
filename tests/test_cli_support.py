"""Shared helpers for the CLI tests (no tests here).

The expected output of every conversion is computed by calling the library
directly, never through the CLI's own code.  (Before the core engine
landed, in-process tests ran against a double built on the official opencc
binding; the feature guards below remain so that a library without a
feature skips, with the reason, instead of failing.)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import zhnorm

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures" / "cli"
ARTICLES = sorted((FIXTURES / "articles").glob("*.md"))
REPO = HERE.parent
SEED = next((REPO / "seeds").glob("*.txt"))


def has_real_engine() -> bool:
    return getattr(zhnorm, "Converter", None) is not None


def has_markup() -> bool:
    import inspect

    conv = getattr(zhnorm, "convert", None)
    return conv is not None and "markup" in inspect.signature(conv).parameters


def has_explain() -> bool:
    return getattr(zhnorm, "explain", None) is not None


def has_detect() -> bool:
    return getattr(zhnorm, "detect", None) is not None


needs_engine = pytest.mark.skipif(
    not has_real_engine(), reason="waiting for zhnorm.Converter (core engine)"
)
needs_markup = pytest.mark.skipif(
    not has_markup(), reason="waiting for zhnorm.convert(markup=...) (markup package)"
)
needs_explain = pytest.mark.skipif(not has_explain(), reason="waiting for zhnorm.explain")
needs_detect = pytest.mark.skipif(not has_detect(), reason="waiting for zhnorm.detect")


@pytest.fixture
def engine():
    """The library's converter class (tests that convert depend on it)."""
    return zhnorm.Converter


def library_convert(text: str, target: str, markup: str = "plain") -> str:
    """What the library gives for *text* (the reference for every test)."""
    if has_markup():
        return zhnorm.convert(text, target, markup=markup)
    assert markup == "plain", "markup conversion needs the markup package"
    return zhnorm.Converter(target).convert(text)


def library_mode(text: str, filename: str) -> str:
    """The markup mode the library picks for a file (zhnorm.markup.sniff)."""
    from zhnorm.markup import sniff

    return sniff(text, filename)


def run_main(argv, capsysbinary, stdin: bytes | None = None, monkeypatch=None):
    """Run zhnorm.cli.main in-process; returns (status, stdout bytes, stderr text)."""
    from zhnorm.cli import main

    if stdin is not None:
        import io

        fake = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
        monkeypatch.setattr(sys, "stdin", fake)
    status = main([str(a) for a in argv])
    out, err = capsysbinary.readouterr()
    return status, out, err.decode("utf-8", "replace")


def console_script() -> list[str]:
    """The installed `zhnorm` console script (next to the running Python)."""
    candidate = Path(sys.executable).with_name("zhnorm")
    if candidate.exists():
        return [str(candidate)]
    found = shutil.which("zhnorm")
    if found:
        return [found]
    pytest.fail("the zhnorm console script is not installed (pip install -e .)")


def run_script(args, cwd=None, input: bytes | None = None, timeout: float = 120, **kw):
    return subprocess.run(
        console_script() + [str(a) for a in args], cwd=cwd, input=input,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, **kw,
    )


def temp_leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.name.endswith(".zhnorm-tmp")]


def copy_articles(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for a in ARTICLES:
        shutil.copy(a, dest / a.name)
    return dest


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0

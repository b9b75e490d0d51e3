"""The fast engine equals the direct model of OpenCC's algorithm.

reference.py was checked against the official OpenCC binding on the corpus
(bench/ repeats that check); here the engine is checked against it on real
articles and on generated text built from dictionary keys, where segment
boundaries, triggers and multi-stage chains interact the most.
"""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zhnorm import accel
from zhnorm.cache import load_compiled
from zhnorm.engine import Engine
from zhnorm.opencc_config import config_names, load_chain_spec
from zhnorm.reference import ReferenceChain

ARTICLES = sorted((Path(__file__).parent / "fixtures" / "markup" / "articles").glob("*.md"))
# The reference model is slow pure Python; a fifth of the articles keeps the
# suite fast (bench/run.py compares the whole 5 MB corpus with OpenCC itself).
SAMPLE = ARTICLES[::5]
CONFIGS = config_names()
_REFERENCES = {}
_ENGINES = {}
# Both engines: the C fast pass (when built) and the pure-Python one.
KINDS = [pytest.param(True, id="c"), pytest.param(False, id="python")]


def engine(config, accelerate):
    if accelerate and not accel.available():
        pytest.skip("the C extension zhnorm._accel is not built")
    key = (config, accelerate)
    if key not in _ENGINES:
        _ENGINES[key] = Engine(load_compiled(config), accelerate=accelerate)
    return _ENGINES[key]


def reference(config):
    if config not in _REFERENCES:
        _REFERENCES[config] = ReferenceChain.from_spec(load_chain_spec(config))
    return _REFERENCES[config]


def test_articles_are_there():
    assert len(ARTICLES) >= 30


@pytest.mark.parametrize("accelerate", KINDS)
@pytest.mark.parametrize("config", CONFIGS)
def test_articles_match_reference(config, accelerate):
    text = "\n".join(p.read_text(encoding="utf-8") for p in SAMPLE)
    for source in (text, reference("t2s").convert(text), reference("s2t").convert(text)):
        assert engine(config, accelerate).convert(source) == reference(config).convert(source)


def _alphabet(config):
    """Characters and pieces of keys from every table of the chain."""
    ref = reference(config)
    tables = [stage.table for stage in ref.stages]
    if ref.segmentation:
        tables.append(ref.segmentation.table)
    pieces = sorted({k for table in tables for k in table if len(k) <= 4})[:: max(1, len(tables) * 7)]
    return pieces + list("，。 a\n")


@pytest.mark.parametrize("accelerate", KINDS)
@pytest.mark.parametrize("config", CONFIGS)
def test_generated_text_matches_reference(config, accelerate):
    alphabet = _alphabet(config)
    fast, ref = engine(config, accelerate), reference(config)

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(st.sampled_from(alphabet), max_size=40))
    def check(parts):
        text = "".join(parts)
        assert fast.convert(text) == ref.convert(text)

    check()

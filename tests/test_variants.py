"""Variant codes and MediaWiki's fallback chains."""

import pytest

from zhnorm.variants import (
    BCP47,
    MANUAL_LEVEL,
    VARIANT_NAMES,
    VARIANTS,
    UnknownVariantError,
    fallback_chain,
    is_variant,
    normalize_variant,
)

# ZhConverter::getVariantsFallbacks(), written out independently here.
EXPECTED_CHAINS = {
    "zh": ("zh", "zh-hans", "zh-hant", "zh-cn", "zh-tw", "zh-hk", "zh-sg", "zh-mo", "zh-my"),
    "zh-hans": ("zh-hans", "zh-cn", "zh-sg", "zh-my"),
    "zh-hant": ("zh-hant", "zh-tw", "zh-hk", "zh-mo"),
    "zh-cn": ("zh-cn", "zh-hans", "zh-sg", "zh-my"),
    "zh-sg": ("zh-sg", "zh-my", "zh-hans", "zh-cn"),
    "zh-my": ("zh-my", "zh-sg", "zh-hans", "zh-cn"),
    "zh-tw": ("zh-tw", "zh-hant", "zh-hk", "zh-mo"),
    "zh-hk": ("zh-hk", "zh-mo", "zh-hant", "zh-tw"),
    "zh-mo": ("zh-mo", "zh-hk", "zh-hant", "zh-tw"),
}


@pytest.mark.parametrize("variant", sorted(EXPECTED_CHAINS))
def test_fallback_chain_matches_mediawiki(variant):
    assert fallback_chain(variant) == EXPECTED_CHAINS[variant]


def test_every_variant_has_a_chain_of_known_variants():
    assert set(VARIANTS) == set(EXPECTED_CHAINS)
    for v in VARIANTS:
        chain = fallback_chain(v)
        assert chain[0] == v
        assert len(set(chain)) == len(chain)
        assert all(c in VARIANTS for c in chain)


def test_script_stays_within_script():
    hans, hant = {"zh-hans", "zh-cn", "zh-sg", "zh-my"}, {"zh-hant", "zh-tw", "zh-hk", "zh-mo"}
    for group in (hans, hant):
        for v in group:
            assert set(fallback_chain(v)) == group


@pytest.mark.parametrize(
    "code, expected",
    [("zh-TW", "zh-tw"), ("ZH-HANT", "zh-hant"), ("zh_hk", "zh-hk"), (" zh-Hans ", "zh-hans"),
     ("zh", "zh"), ("Zh-Mo", "zh-mo")],
)
def test_normalize_variant(code, expected):
    assert normalize_variant(code) == expected
    assert is_variant(code)


@pytest.mark.parametrize("code", ["zh-xx", "en", "", "zh-hant-xx", "zh-Hans-TW", "tw"])
def test_unknown_variant(code):
    assert not is_variant(code)
    with pytest.raises(UnknownVariantError) as info:
        normalize_variant(code)
    assert isinstance(info.value, ValueError)
    assert "zh-tw" in str(info.value)


@pytest.mark.parametrize("code, variant", [("zh-Hant-TW", "zh-tw"), ("zh-hant-tw", "zh-tw"),
                                           ("zh-Hans-CN", "zh-cn"), ("ZH-HANS-MY", "zh-my"),
                                           ("zh-Hant-MO", "zh-mo"), ("zh-Hans", "zh-hans")])
def test_bcp47_forms_name_variants(code, variant):
    """MediaWiki's validateVariant reads LanguageCode::bcp47 forms in any case."""
    assert is_variant(code)
    assert normalize_variant(code) == variant


def test_unknown_variant_suggests_close_codes():
    with pytest.raises(UnknownVariantError, match="did you mean.*zh-tw"):
        normalize_variant("zh-tv")


def test_fallback_chain_rejects_unknown():
    with pytest.raises(UnknownVariantError):
        fallback_chain("zh-xx")
    with pytest.raises(UnknownVariantError):
        normalize_variant(None)  # type: ignore[arg-type]


def test_tables_cover_every_variant():
    for table in (VARIANT_NAMES, BCP47, MANUAL_LEVEL):
        assert set(table) == set(VARIANTS)
    assert MANUAL_LEVEL["zh"] == "disable"
    assert MANUAL_LEVEL["zh-hans"] == MANUAL_LEVEL["zh-hant"] == "unidirectional"
    assert MANUAL_LEVEL["zh-tw"] == "bidirectional"
    assert {normalize_variant(b) for b in BCP47.values()} == set(VARIANTS)

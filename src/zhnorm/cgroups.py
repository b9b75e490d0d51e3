"""Chinese Wikipedia's common conversion groups (CGroups), shipped as data.

A CGroup is a list of manual conversion rules for one topic (place names,
IT terms, a TV series…) that an article switches on with
``{{NoteTA|G1=<name>}}``.  ``scripts/build_cgroups.py`` parses the collected
Module:CGroup pages once and writes two files under ``zhnorm/data``:

* ``cgroups.index.json`` — one small entry per group (name, description,
  rule count, where its rules sit in the blob, checksum);
* ``cgroups.bin`` — each group's rules, zlib-compressed JSON, so that a
  group is read and decoded only when asked for.

The text is Wikipedia's (CC BY-SA 4.0): see ``data/CGROUPS-NOTICE.md``.

Replacement tables (:func:`group_pairs`) recognise a term in every regional
form *and* in either script, because the groups write terms in mixed scripts
(``阿塞拜疆``, ``亞塞拜然`` and ``亚塞拜然`` all become ``亞塞拜然`` for zh-tw).

Default groups
--------------
:data:`DEFAULT_GROUPS` are the groups whose regional forms are standard
usage in any text, not a topic's jargon, chosen by reading the 444 groups:

* names of places, countries and people: 地名, vital (names on the 基礎條目
  list), People, 政治人物, PresidentsUS, PoliticiansUK, USState, plus Laos
  (老挝/寮國/老撾);
* general vocabulary that differs by region: Geography; and IT's terms of
  four or more characters (信息技术/資訊科技) as a supplement (see
  :data:`DEFAULT_SUPPLEMENTS` for why not its short ones).

Left opt-in: the town-level place groups (UK, CA, AU, IN, IE Places, US CA
Cities): their short transliterations collide with parts of common names
(CA Places' Hong Kong form of Sarnia, 沙尼亞, turned 愛沙尼亞, Estonia, into
愛薩尼亞 in every article about Estonia); every topic group (films, TV,
anime, games, sport, birds…), and
general-looking groups whose rules are right only in their topic: 州邦
(州 → 邦 for German states would hit every 州), Korea Comparison and Korean
(朝鲜 → 北韓 would also hit 朝鲜半岛), Communication and Telcom (质量 →
品質 would hit physics' mass), 民族 (歌德 as the Hong Kong form of Gothic
would turn Goethe into 哥德), Unit, Organization, the continental-European
place groups (FR/DE/BE/CH Places: mostly fragment rules such as 阿登帕 kept
from conversion), and the groups on disputed names (Pinnacle Islands).
"""

from __future__ import annotations

import json
import threading
import unicodedata
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Callable, Iterable, Literal, Mapping, Sequence

from .rules import Rule
from .errors import ZhnormError
from .variants import normalize_variant
from .shared import fork_safe

__all__ = [
    "DEFAULT_GROUPS",
    "FORMAT_VERSION",
    "Group",
    "GroupInfo",
    "GroupRule",
    "GroupTable",
    "UnknownGroupError",
    "DEFAULT_SUPPLEMENTS",
    "default_pairs",
    "default_table",
    "group_pairs",
    "group_table",
    "list_groups",
    "load_group",
    "opencc_script_forms",
]

FORMAT_VERSION = 1
DATA_DIR = Path(__file__).with_name("data")
INDEX_FILE = "cgroups.index.json"
BLOB_FILE = "cgroups.bin"

#: Groups applied by default when converting to a regional target (zh-TW,
#: zh-CN, zh-HK, zh-SG, zh-MO).  They hold proper names and general
#: vocabulary whose regional forms are standard usage, not a topic's
#: jargon; see "Default groups" above.  Order matters only for reports;
#: forms they disagree on are dropped (see group_table).
DEFAULT_GROUPS: tuple[str, ...] = (
    "地名",  # place names and countries (阿塞拜疆/亞塞拜然, 格鲁吉亚/喬治亞)
    "vital",  # names and terms of the 基礎條目 list (新西兰/紐西蘭, 伊斯坦堡)
    "People",  # personal names (Campbell 坎贝尔/甘貝爾/金寶)
    "政治人物",  # politicians of many countries (普京/普丁)
    "PresidentsUS",  # US presidents and federal government (布什/布希/布殊)
    "PoliticiansUK",  # UK politicians and government bodies
    "USState",  # US states and places (佐治亚 → 喬治亞 for zh-tw)
    "Laos",  # 老挝/寮國/老撾
    "Geography",  # general terms (全球变暖/全球暖化)
)

#: Default groups consulted only for source forms that :data:`DEFAULT_GROUPS`
#: neither map nor found ambiguous, and only for forms of at least
#: :data:`SUPPLEMENT_MIN_KEY_LENGTH` characters. IT's short entries are
#: jargon that misfires on general prose (访问 → 存取 turned "a state visit"
#: into "a memory access", 关系 → 關聯, 程序 → 行程, 模式 → 範式 in the corpus);
#: its multi-word terms (信息技术/資訊科技, 面向对象/物件導向) are safe. OpenCC's
#: Taiwan phrases already cover the short everyday ones (软件/軟體). LuaIT is
#: left out: it disagrees with IT on 714 forms and adds more jargon.
DEFAULT_SUPPLEMENTS: tuple[str, ...] = ("IT",)
SUPPLEMENT_MIN_KEY_LENGTH = 4


#: The forms a variant accepts as its own when a rule is read with
#: ``own_forms`` (see Group.pairs): its own, its neighbour's, generic zh-hant.
OWN_FORMS: dict[str, tuple[str, ...]] = {
    "zh-hk": ("zh-hk", "zh-mo", "zh-hant"),
    "zh-mo": ("zh-mo", "zh-hk", "zh-hant"),
}


class UnknownGroupError(ZhnormError, KeyError, ValueError):
    """No conversion group has that name."""

    def __str__(self) -> str:  # KeyError would show the message quoted
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class GroupInfo:
    """What the index says about a group, without loading its rules."""

    #: The module name (``Module:CGroup/<name>``), as ``{{NoteTA|G1=…}}`` takes it.
    name: str
    #: The name the group gives itself (may differ in case, script, spacing).
    title: str
    #: The group's own description; may hold ``-{ }-`` markup.
    description: str
    rule_count: int
    #: Where the rules come from, e.g. ``Module:CGroup/IT``.
    source: str


@dataclass(frozen=True)
class GroupRule:
    """One rule of a group: the conversion table written for one term."""

    original: str | None
    bidirectional: Mapping[str, str]
    unidirectional: tuple[tuple[str, str, str], ...] = ()
    #: Forms that the rule's ``-{-|…}-`` suffix takes out of the table again
    #: (Wikipedia editors' way of saying "do not convert this form").
    removes: tuple[str, ...] = ()

    def as_rule(self) -> Rule:
        """The ``-{H|…}-`` rule Wikipedia makes of this entry."""
        return Rule(
            flags=frozenset({"+", "H"}),
            bidirectional=self.bidirectional,
            unidirectional=self.unidirectional,
            text=None,
            raw="",
            flag_order=("+", "H"),
        )

    def pairs(self, variant: str) -> list[tuple[str, str]]:
        """Same as :meth:`Rule.pairs` for this entry."""
        return self.as_rule().pairs(variant)

    def encode(self) -> list:
        """The JSON shape stored in the data file."""
        return [
            self.original,
            dict(self.bidirectional),
            [list(u) for u in self.unidirectional],
            list(self.removes),
        ]

    @classmethod
    def decode(cls, item: list) -> "GroupRule":
        original, bid, unid, removes = item
        return cls(
            original,
            MappingProxyType(bid),
            tuple(tuple(u) for u in unid),
            tuple(removes),
        )


@dataclass(frozen=True)
class Group:
    info: GroupInfo
    rules: tuple[GroupRule, ...]

    @property
    def name(self) -> str:
        return self.info.name

    def pairs(self, variant: str, own_forms: bool = False) -> dict[str, str]:
        """This group's replacement table for *variant*, as Wikipedia builds it:
        rules apply in order, a later rule overriding an earlier one for the
        same source text, and ``-{-|…}-`` removals taking keys out.

        `own_forms`: for Hong Kong and Macau, a rule that names no form of
        theirs (nor a generic zh-hant one) gives them nothing, instead of
        Taiwan's form by MediaWiki's fallback (圖形化使用者介面 and 行程間通訊
        are Taiwan's terms); OpenCC's Hong Kong conversion then decides."""
        v = normalize_variant(variant)
        own = OWN_FORMS.get(v) if own_forms else None
        table: dict[str, str] = {}
        for rule in self.rules:
            if own and rule.bidirectional and not any(k in rule.bidirectional for k in own):
                rule = GroupRule(rule.original, MappingProxyType({}), rule.unidirectional, rule.removes)
            table.update(rule.pairs(v))
            for form in rule.removes:
                table.pop(form, None)
        return table


# -- loading ----------------------------------------------------------------

_lock = fork_safe(threading.Lock())


@lru_cache(maxsize=1)
def _index() -> dict:
    data = json.loads((DATA_DIR / INDEX_FILE).read_bytes())
    if data.get("format") != FORMAT_VERSION:
        raise RuntimeError(
            f"{INDEX_FILE} has format {data.get('format')!r}, expected {FORMAT_VERSION}; "
            "rebuild it with scripts/build_cgroups.py"
        )
    return data


@lru_cache(maxsize=1)
def _lookup() -> dict[str, dict]:
    """Lower-case module names first, then self-given titles, to entries."""
    table: dict[str, dict] = {}
    entries = _index()["groups"]
    for entry in entries:
        table.setdefault(_fold(entry["title"]), entry)
    for entry in entries:
        table[_fold(entry["name"])] = entry
    return table


def _fold(name: str) -> str:
    return unicodedata.normalize("NFKC", name).strip().casefold()


def _info(entry: dict) -> GroupInfo:
    return GroupInfo(
        name=entry["name"],
        title=entry["title"],
        description=entry["description"],
        rule_count=entry["rules"],
        source=entry["source"],
    )


def list_groups() -> list[GroupInfo]:
    """Every shipped group, in name order, without loading any rules."""
    return [_info(entry) for entry in _index()["groups"]]


def load_group(name: str) -> Group:
    """The group called *name* (module name or title, any case).

    Raises :class:`UnknownGroupError` (a KeyError and a ValueError) that lists
    the closest names.
    """
    entry = _lookup().get(_fold(name))
    if entry is None:
        import difflib  # only needed for the error message

        names = [e["name"] for e in _index()["groups"]]
        folded = {_fold(n): n for n in names}
        close = [folded[c] for c in difflib.get_close_matches(_fold(name), folded, n=5, cutoff=0.6)]
        hint = f"; close names: {', '.join(close)}" if close else ""
        raise UnknownGroupError(
            f"no conversion group named {name!r}{hint} (list_groups() lists all {len(names)})"
        )
    return _load_entry(entry["name"])


@lru_cache(maxsize=None)
def _load_entry(name: str) -> Group:
    entry = next(e for e in _index()["groups"] if e["name"] == name)
    with _lock, open(DATA_DIR / BLOB_FILE, "rb") as blob:
        blob.seek(entry["offset"])
        packed = blob.read(entry["size"])
    rules = json.loads(zlib.decompress(packed))
    return Group(_info(entry), tuple(GroupRule.decode(r) for r in rules))


# -- merged replacement tables ------------------------------------------------

#: ``texts -> forms of each text`` (e.g. its Traditional and Simplified forms).
ScriptForms = Callable[[Sequence[str]], Sequence[Iterable[str]]]


@dataclass(frozen=True)
class GroupTable:
    """A merged replacement table and what was left out of it."""

    pairs: Mapping[str, str]
    #: Source forms that groups map to different targets, with each
    #: (group, target); dropped from :attr:`pairs` under ``conflicts="drop"``.
    conflicts: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    #: Source forms left out by the key filters (too short, no Han character).
    filtered: tuple[str, ...] = ()


def group_table(
    groups: Iterable[str | Group],
    variant: str,
    *,
    conflicts: Literal["last", "drop"] = "last",
    min_key_length: int = 1,
    require_han: bool = False,
    script_forms: ScriptForms | None = None,
    own_forms: bool = False,
) -> GroupTable:
    """Merge the tables of *groups* for converting into *variant*.

    Every source form of a term — each regional text as written, then the
    forms *script_forms* derives from it (default: OpenCC ``s2t``/``t2s``) —
    maps to the target variant's text.  Precedence and ambiguity:

    * within one group, Wikipedia's order applies (a later rule wins);
    * forms as written always beat forms derived by script conversion;
    * across groups, ``conflicts="last"`` lets the later group win (as
      ``{{NoteTA|G1=…|G2=…}}`` does), while ``conflicts="drop"`` leaves out a
      source form that two groups map differently and reports it, so that
      plain OpenCC conversion handles it (used for the default groups, whose
      order says nothing about which reading is meant: 喬治亞 is the
      country in 地名 and Georgia Strait in CA Places).
    """
    v = normalize_variant(variant)
    loaded: dict[str, Group] = {}
    for g in groups:
        group = g if isinstance(g, Group) else load_group(g)
        loaded.setdefault(group.name, group)
    literal = [(name, group.pairs(v, own_forms)) for name, group in loaded.items()]
    forms = script_forms or opencc_script_forms
    keys = sorted({k for _, table in literal for k in table})
    derived_of = dict(zip(keys, (tuple(f) for f in forms(keys)))) if keys else {}
    derived = [
        (name, {f: target for k, target in table.items() for f in derived_of[k] if f and f != k})
        for name, table in literal
    ]
    merged, clashes = _merge(literal, conflicts)
    extra, extra_clashes = _merge(derived, conflicts)
    for form, target in extra.items():
        merged.setdefault(form, target)
    for form, seen in extra_clashes.items():
        if form not in merged and form not in clashes:
            clashes[form] = seen
    if conflicts == "drop":
        for form in clashes:
            merged.pop(form, None)
    kept: dict[str, str] = {}
    filtered = []
    for form, target in merged.items():
        if len(form) < min_key_length or (require_han and not _has_han(form)):
            filtered.append(form)
        else:
            kept[form] = target
    return GroupTable(MappingProxyType(kept), MappingProxyType(clashes), tuple(sorted(filtered)))


def group_pairs(
    groups: Iterable[str | Group],
    variant: str,
    *,
    conflicts: Literal["last", "drop"] = "last",
    script_forms: ScriptForms | None = None,
    own_forms: bool = False,
) -> dict[str, str]:
    """Replacement table (source form → *variant*'s form) merged from *groups*.

    Meant as one leftmost-longest phrase layer above OpenCC; see
    :func:`group_table` for precedence.  Identity pairs are included: they
    keep a term that is already right from being changed by shorter keys.
    """
    return dict(
        group_table(groups, variant, conflicts=conflicts, script_forms=script_forms, own_forms=own_forms).pairs
    )


@lru_cache(maxsize=16)
def default_table(variant: str) -> GroupTable:
    """The table of :data:`DEFAULT_GROUPS` (then :data:`DEFAULT_SUPPLEMENTS`)
    for *variant*, cached.

    Source forms that two default groups map differently are dropped, and so
    are forms shorter than two characters or without a Han character, which
    would match inside unrelated words or Latin text.  A supplement adds only
    forms the main groups neither map nor dropped as ambiguous.
    """
    options = dict(conflicts="drop", min_key_length=2, require_han=True, own_forms=True)
    main = group_table(DEFAULT_GROUPS, variant, **options)
    extra = group_table(
        DEFAULT_SUPPLEMENTS, variant, **{**options, "min_key_length": SUPPLEMENT_MIN_KEY_LENGTH}
    )
    pairs = dict(main.pairs)
    for form, target in extra.pairs.items():
        if form not in main.conflicts:
            pairs.setdefault(form, target)
    for form in default_exclusions():
        pairs.pop(form, None)
    conflicts = dict(extra.conflicts) | dict(main.conflicts)
    filtered = tuple(sorted(set(main.filtered) | set(extra.filtered)))
    return GroupTable(MappingProxyType(pairs), MappingProxyType(conflicts), filtered)


@lru_cache(maxsize=1)
def default_exclusions() -> dict[str, str]:
    """Ordinary words the default groups must not change (form -> why).

    Data, in ``data/default_exclusions.tsv``: a name group's rule can make a
    common word read as its topic's term (皇后 -> 王后 from PoliticiansUK).
    """
    text = (DATA_DIR / "default_exclusions.tsv").read_text(encoding="utf-8")
    table = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line or line.startswith("#"):
            continue
        form, sep, why = line.partition("\t")
        if not sep or not form.strip() or not why.strip():
            raise ValueError(f"default_exclusions.tsv:{number}: expected 'form<TAB>why'")
        table[form] = why
    return table


def default_pairs(variant: str) -> Mapping[str, str]:
    """Read-only replacement table of the default groups for *variant*."""
    return default_table(normalize_variant(variant)).pairs


def _merge(
    tables: list[tuple[str, dict[str, str]]], conflicts: str
) -> tuple[dict[str, str], dict[str, tuple[tuple[str, str], ...]]]:
    merged: dict[str, str] = {}
    origin: dict[str, list[tuple[str, str]]] = {}
    clashes: dict[str, tuple[tuple[str, str], ...]] = {}
    for name, table in tables:
        for form, target in table.items():
            seen = origin.setdefault(form, [])
            if form in merged and merged[form] != target:
                clashes[form] = (*seen, (name, target))
            seen.append((name, target))
            merged[form] = target
    return merged, clashes


def _has_han(text: str) -> bool:
    return any(
        "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\U00020000" <= ch <= "\U0003134f"
        for ch in text
    )


# -- script forms ---------------------------------------------------------------


_FORMS: dict[str, tuple[str, str]] = {}


def opencc_script_forms(texts: Sequence[str]) -> list[tuple[str, str]]:
    """Each text's OpenCC ``s2t`` and ``t2s`` forms.

    New texts are converted in one batch and remembered, since the tables
    for different targets share almost all their keys.
    """
    missing = [t for t in dict.fromkeys(texts) if t not in _FORMS]
    if missing:
        to_trad, to_simp = _script_converters()
        with _lock:
            _FORMS.update(zip(missing, zip(_batch(to_trad, missing), _batch(to_simp, missing))))
    return [_FORMS[t] for t in texts]


def _batch(convert: Callable[[str], str], texts: Sequence[str]) -> list[str]:
    if not any("\n" in t for t in texts):
        out = convert("\n".join(texts)).split("\n")
        if len(out) == len(texts):
            return out
    return [convert(t) for t in texts]


@lru_cache(maxsize=1)
def _script_converters() -> tuple[Callable[[str], str], Callable[[str], str]]:
    from .converter import Converter  # the core engine; imported on first use

    return Converter("s2t").convert, Converter("t2s").convert

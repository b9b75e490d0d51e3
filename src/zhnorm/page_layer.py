"""A page's own conversion pairs on top of a compiled engine, without recompiling it.

MediaWiki adds a page's ``-{H|…}-``/``-{A|…}-`` pairs and the groups its
``{{NoteTA|G1=…}}`` names to the *same* table as its built-in dictionary
(``ReplacementArray::setPair``), and ``-{-|…}-`` removes pairs from it,
built-in ones included.  The table is then applied by one leftmost-longest
match (``strtr``).  zhnorm's compiled engine cannot take pairs at run time,
and compiling a new one per page costs a second and megabytes, so this
module reproduces the combined match around the engine:

* at each segment start, the longest page key starting there competes with
  the longest engine segmentation key (``CompiledChain.keys``) starting
  there; the longer wins, the page key on a tie (same key: the page's pair
  replaces the dictionary's);
* a removed key no longer counts as an engine key: the next-longest one
  does, and a removed single character is left as it is;
* everything between the segments the page decided is converted by the
  engine as one run, which is exact because each run starts and ends at a
  segment boundary of the combined match, and inside it the combined match
  *is* the engine's own.

Finding the engine's segmentation costs one automaton pass over a chunk,
and only chunks where a page key or removed key occurs pay it.  Where the
engine's segmentation and the combined one part (after a page segment),
they are re-joined by a greedy scan with set look-ups, which stops at the
first position where both agree, so the work stays linear in the text.

Precedence with zhnorm's own layers: the engine already holds user rules
above the caller's groups above the default groups above OpenCC (see
:mod:`zhnorm.names`); a page's NoteTA groups join here, below user rules
(their keys are left out of the page's group pairs) and above everything
else on a tie; a page's ``-{ }-`` rules are above all of them on a tie.
Between different keys, the longest match starting first always wins.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_right
from typing import Callable, Iterable, Mapping

import ahocorasick_rs

__all__ = ["Segmenter", "PageTable", "PageConverter", "EMPTY_SEGMENTER"]


def _automaton(keys, overlapping: bool):
    keys = list(keys)
    if not keys:
        return None
    kind = ahocorasick_rs.MatchKind.Standard if overlapping else ahocorasick_rs.MatchKind.LeftmostLongest
    return ahocorasick_rs.AhoCorasick(
        keys, matchkind=kind, implementation=ahocorasick_rs.Implementation.ContiguousNFA
    )


class Segmenter:
    """The engine's segmentation keys, for finding where its phrases start.

    One per engine, and lazy: the keys are read (from the compiled-table
    cache) when a page first needs them, and the automaton (~0.1 s for
    60,000 keys) is built when a chunk first holds a page key."""

    def __init__(self, keys: Iterable[str] = (), normalization: Mapping[str, str] | None = None,
                 *, loader: Callable[[], tuple] | None = None):
        """*loader()* returns ``(keys, normalization)``; given, it replaces
        the two arguments and runs on first use."""
        self._loader = loader
        self._ac = None
        self._lock = threading.Lock()
        if loader is None:
            self._load(keys, normalization)

    def _load(self, keys, normalization) -> None:
        self._keys = frozenset(k for k in keys if len(k) > 1)
        self._maxlen = max(map(len, self._keys), default=0)
        norm = {k: v for k, v in (normalization or {}).items() if len(k) == 1 and len(v) == 1}
        self._norm = str.maketrans(norm) if norm else None

    def _ready(self) -> None:
        if self._loader is not None:
            with self._lock:
                if self._loader is not None:
                    self._load(*self._loader())
                    self._loader = None

    @property
    def keys(self) -> frozenset:
        self._ready()
        return self._keys

    def normalize(self, text: str) -> str:
        """The text as the engine matches it (one code point to one)."""
        self._ready()
        return text.translate(self._norm) if self._norm else text

    def matches(self, norm: str) -> list[tuple[int, int]]:
        """The engine's leftmost-longest phrase matches in normalised text."""
        self._ready()
        if not self._keys:
            return []
        if self._ac is None:
            with self._lock:
                if self._ac is None:
                    self._ac = _automaton(self._keys, overlapping=False)
        return [(s, e) for _i, s, e in self._ac.find_matches_as_indexes(norm)]

    def longest_at(self, norm: str, p: int, removed: frozenset = frozenset()) -> tuple[int, int]:
        """``(longest key, longest key not in removed)`` lengths at *p* (0: none)."""
        self._ready()
        top = kept = 0
        keys = self._keys
        for n in range(min(self._maxlen, len(norm) - p), 1, -1):
            piece = norm[p:p + n]
            if piece in keys:
                if not top:
                    top = n
                if piece not in removed:
                    kept = n
                    break
        return top, kept


#: A segmenter that knows no engine phrase: page keys then always win where
#: they start (for plain callables that expose no dictionary).
EMPTY_SEGMENTER = Segmenter(())


class KeyIndex:
    """Finds where keys of a set start in a text, built in a few milliseconds.

    A page's NoteTA groups bring up to ~30,000 keys; an Aho-Corasick
    automaton over them takes 0.2-0.5 s to build, which is what a new group
    set must not cost.  Here a character class of the keys' first
    characters finds the possible starts (in C, via ``re``), and a dict by
    the first two characters gives the lengths to try there."""

    __slots__ = ("keys", "_starts", "_longest")

    def __init__(self, keys: Iterable[str]):
        keys = set(keys)
        keys.discard("")
        self.keys = keys
        # by the first two characters (or the one of a single-character
        # key): the longest key starting so
        longest: dict[str, int] = {}
        get = longest.get
        for k in keys:
            prefix = k[:2]
            n = len(k)
            if n > get(prefix, 0):
                longest[prefix] = n
        self._longest = longest
        firsts = sorted({k[0] for k in longest})
        # a page's own rules bring a handful of keys: str.find per key is
        # quicker than compiling a pattern for each new table
        self._starts = None
        if len(firsts) > _FEW:
            self._starts = re.compile("[" + "".join(_class_escape(c) for c in firsts) + "]")
        elif firsts:
            self._starts = firsts

    def _positions(self, text: str):
        starts = self._starts
        if isinstance(starts, list):
            found: set[int] = set()
            for c in starts:
                p = text.find(c)
                while p >= 0:
                    found.add(p)
                    p = text.find(c, p + 1)
            return sorted(found)
        return [m.start() for m in starts.finditer(text)]

    def starts(self, text: str):
        """``(position, key lengths starting there, longest first)`` for each
        position where at least one key starts."""
        if self._starts is None:
            return
        keys, longest = self.keys, self._longest
        for p in self._positions(text):
            top = longest.get(text[p:p + 2], 0)
            found = [n for n in range(min(top, len(text) - p), 1, -1) if text[p:p + n] in keys]
            if text[p] in longest:
                found.append(1)
            if found:
                yield p, found


_FEW = 16


def _class_escape(c: str) -> str:
    return "\\" + c if c in "\\]^-[" else c


class BaseTable:
    """Pairs fixed for a whole page (its NoteTA groups), with the indexes
    that find their keys: one over all of them, or (to make a new group set
    cheap) the cached indexes of each group, which may cover more keys than
    ``pairs`` holds (those are then ignored)."""

    __slots__ = ("pairs", "indexes")

    def __init__(self, pairs: Mapping[str, str], indexes: "list[KeyIndex] | None" = None):
        self.pairs = {k: v for k, v in pairs.items() if k}
        self.indexes = [KeyIndex(self.pairs)] if indexes is None else list(indexes)


_NO_BASE = BaseTable({})


class PageTable:
    """The page's pairs at one point of the page: fixed base pairs (NoteTA
    groups), the pairs its rules added so far (``overlay``) and the keys its
    ``-`` rules removed.  Immutable: rules make new tables."""

    __slots__ = ("base", "overlay", "removed", "_index")

    def __init__(self, base: BaseTable | None = None, overlay=None, removed=frozenset()):
        self.base = base or _NO_BASE
        self.overlay = dict(overlay or {})
        self.removed = frozenset(removed)
        self._index = KeyIndex(set(self.overlay) | self.removed)

    def __bool__(self) -> bool:
        return bool(self.base.pairs or self.overlay or self.removed)

    def updated(self, add: Iterable[tuple[str, str]] = (), remove: Iterable[str] = ()) -> "PageTable":
        """A new table with pairs added (a later pair wins) and keys removed."""
        overlay = dict(self.overlay)
        removed = set(self.removed)
        for key in remove:
            if key:
                overlay.pop(key, None)
                removed.add(key)
        for key, value in add:
            if key:
                overlay[key] = value
                removed.discard(key)
        return PageTable(self.base, overlay, removed)

    def get(self, key: str) -> str | None:
        """The page's value for *key* (None: the page has no pair for it)."""
        if key in self.overlay:
            return self.overlay[key]
        if key in self.removed:
            return None
        return self.base.pairs.get(key)

    def candidates(self, text: str) -> dict[int, int]:
        """For each position where a page key or a removed key starts, the
        length of the longest page key starting there (0: only removed keys)."""
        found: dict[int, int] = {}
        get = self.get
        for index in (*self.base.indexes, self._index):
            for p, lengths in index.starts(text):
                best = found.get(p, 0)
                for n in lengths:
                    if n <= best:
                        break
                    if get(text[p:p + n]) is not None:
                        best = n
                        break
                found[p] = best
        return found


Convert = Callable[[str], str]


class PageConverter:
    """Converts text with an engine plus a page table, as one leftmost-longest
    match over both (see the module docstring).  Usable as a plain callable;
    ``convert_aligned`` follows docs/ALIGN-CONTRACT (atomic units: each
    page-decided segment, and each engine run, or the engine's own units when
    it reports them)."""

    __slots__ = ("engine", "segmenter", "table", "other", "aligned")

    def __init__(self, engine: Convert, segmenter: Segmenter | None = None, table: PageTable | None = None,
                 aligned=None):
        """*aligned*: the engine's ``convert_aligned``, when it has one
        (then each run reports the engine's own units)."""
        self.engine = engine
        self.aligned = aligned or getattr(engine, "convert_aligned", None)
        self.segmenter = segmenter or EMPTY_SEGMENTER
        self.table = table or PageTable()
        #: other(variant) -> the PageConverter of another variant, or None
        self.other = None

    def with_table(self, table: PageTable) -> "PageConverter":
        new = PageConverter(self.engine, self.segmenter, table, self.aligned)
        new.other = self.other
        return new

    def __call__(self, text: str) -> str:
        if not self.table or not text:
            return self.engine(text)
        specials = self.specials(text)
        if not specials:
            return self.engine(text)
        parts: list[str] = []
        at = 0
        for start, end, out in specials:
            if start > at:
                parts.append(self.engine(text[at:start]))
            parts.append(out)
            at = end
        if at < len(text):
            parts.append(self.engine(text[at:]))
        return "".join(parts)

    def convert_aligned(self, text: str) -> tuple[str, list[int], list[int]]:
        specials = self.specials(text) if self.table and text else []
        if not specials and self.aligned is not None:
            # No page segment: the loop below would copy the engine's own
            # units one by one (run(0, text)); hand them over as they are.
            return self.aligned(text)
        out_parts: list[str] = []
        ins = [0]
        outs = [0]
        length = 0

        def run(piece_start: int, piece: str) -> None:
            nonlocal length
            aligned = self.aligned
            if aligned is not None:
                o, ib, ob = aligned(piece)
                for a, b in zip(ib[1:], ob[1:]):
                    ins.append(piece_start + a)
                    outs.append(length + b)
            else:
                o = self.engine(piece)
                ins.append(piece_start + len(piece))
                outs.append(length + len(o))
            out_parts.append(o)
            length += len(o)

        at = 0
        for start, end, out in specials:
            if start > at:
                run(at, text[at:start])
            out_parts.append(out)
            length += len(out)
            ins.append(end)
            outs.append(length)
            at = end
        if at < len(text) or not specials:
            run(at, text[at:])
        return "".join(out_parts), ins, outs

    def specials(self, text: str) -> list[tuple[int, int, str]]:
        """The segments where the page changes what the engine would do:
        ``(start, end, output)``, sorted and disjoint."""
        table = self.table
        cands = table.candidates(text)
        if not cands:
            return []
        seg = self.segmenter
        norm = seg.normalize(text)
        removed = table.removed
        matches = seg.matches(norm)
        starts = [s for s, _ in matches]
        ends = [e for _, e in matches]

        def inside(q: int) -> bool:
            i = bisect_right(starts, q) - 1
            return i >= 0 and starts[i] < q < ends[i]

        out: list[tuple[int, int, str]] = []
        pos = 0
        synced = True
        n = len(text)
        for c in sorted(cands):
            if c < pos:
                continue
            if not synced:
                q = pos
                while q < c:
                    if not inside(q):
                        synced = True
                        break
                    top, _kept = seg.longest_at(norm, q)
                    q += top or 1
                if not synced:
                    pos = q
                    if q > c:
                        continue
            if synced:
                if inside(c):
                    continue
            pos = c
            lp = cands[c]
            top, kept = seg.longest_at(norm, c, removed)
            if lp and lp >= kept:
                out.append((c, c + lp, table.get(text[c:c + lp])))
            elif kept and kept != top:
                out.append((c, c + kept, self.engine(text[c:c + kept])))
            elif not kept and text[c] in removed:
                out.append((c, c + 1, text[c]))
            elif not kept and top:
                out.append((c, c + 1, self.engine(text[c])))
            else:
                continue  # the engine's own choice: part of the run
            pos = out[-1][1]
            synced = False
        del n
        return out

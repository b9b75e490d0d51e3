"""Apply a CompiledChain to text: one automaton pass plus a character map.

See compiler.py for why this equals OpenCC's segment-by-segment algorithm.
The pass runs over UTF-8 bytes: ahocorasick-rs searches bytes two to four
times faster than str (no offset translation), and since the character map
keeps UTF-8 lengths, byte offsets found in the input hold in the mapped text.
Lone surrogates travel through as 'surrogatepass' bytes that no key matches.
"""

from __future__ import annotations

import logging
import os
import threading
from bisect import bisect_right
from itertools import accumulate

import ahocorasick_rs

from . import accel
from .charmap import CharMap, Utf8Probe
from .compiler import CompiledChain, CompiledStage
from .shared import fork_safe

_ENCODING = "utf-8"
_ERRORS = "surrogatepass"


def _automaton(keys, *, overlapping: bool = False, as_bytes: bool = False):
    if not keys:
        return None
    kind = (
        ahocorasick_rs.MatchKind.Standard
        if overlapping
        else ahocorasick_rs.MatchKind.LeftmostLongest
    )
    # A contiguous NFA searched as fast as a DFA here and builds four times
    # faster, which matters for the first conversion of a process.
    impl = ahocorasick_rs.Implementation.ContiguousNFA
    if as_bytes:
        patterns = _encode_all(keys)
        return ahocorasick_rs.BytesAhoCorasick(patterns, matchkind=kind, implementation=impl)
    return ahocorasick_rs.AhoCorasick(list(keys), matchkind=kind, implementation=impl)


def _encode_all(strings) -> list[bytes]:
    """Encode many short strings at once: one encode and one split, not 50 K calls."""
    if not strings:
        return []
    return "\n".join(strings).encode(_ENCODING, _ERRORS).split(b"\n")


def _pick_separator(used) -> str:
    """A character that no stage key or value contains, to join stretches."""
    for code in [*range(0x01, 0x20), *range(0xE000, 0xF900)]:
        if chr(code) not in used:
            return chr(code)
    raise ValueError("no free separator character")  # pragma: no cover


def splice(base, spans):
    """`base` with each sorted, disjoint (start, end, replacement) span replaced."""
    if not spans:
        return base
    pieces = [None] * (2 * len(spans) + 1)
    starts = [s[0] for s in spans]
    ends = [s[1] for s in spans]
    pieces[0::2] = [base[a:b] for a, b in zip([0, *ends], [*starts, len(base)])]
    pieces[1::2] = [s[2] for s in spans]
    return base[:0].join(pieces)


def _utf8_offsets(text: str) -> list[int]:
    """The UTF-8 byte offset of every code point of `text`, and of its end."""
    return list(accumulate((len(ch.encode(_ENCODING, _ERRORS)) for ch in text), initial=0))


def _match_units(text: str, found, values, mapped: str, redo=None):
    """The units of one leftmost-longest pass over `text`, as bounds.

    `found`: the automaton's matches (key index, byte start, byte end);
    `values[i]` the output of key i, or None where it is the key mapped
    character by character; `mapped`: `text` through the char map (one code
    point to one). Between matches each code point is a unit, except a
    stretch (byte bounds) in `redo`, which is converted by
    ``redo(stretch_text)`` into (out, in_bounds, out_bounds) of its own.
    Returns (out, in_bounds, out_bounds).
    """
    offsets = _utf8_offsets(text) if found or redo is not None else []
    char_at = {b: i for i, b in enumerate(offsets)} if found else {}
    ins, outs, parts = [0], [0], []
    at = 0

    def gap(a: int, b: int) -> None:
        nonlocal at
        if a >= b:
            return
        if redo is not None and (offsets[a], offsets[b]) in redo[0]:
            out, sub_in, sub_out = redo[1](text[a:b])
            ins.extend(a + x for x in sub_in[1:])
            outs.extend(at + y for y in sub_out[1:])
            parts.append(out)
            at += len(out)
            return
        ins.extend(range(a + 1, b + 1))
        outs.extend(range(at + 1, at + b - a + 1))
        parts.append(mapped[a:b])
        at += b - a

    pos = 0
    for i, start, end in found:
        start, end = char_at[start], char_at[end]
        gap(pos, start)
        value = values[i]
        if value is None:
            value = mapped[start:end]
        parts.append(value)
        at += len(value)
        ins.append(end)
        outs.append(at)
        pos = end
    gap(pos, len(text))
    return "".join(parts), ins, outs


def compose(first: tuple[list[int], list[int]], second: tuple[list[int], list[int]]):
    """The bounds of two conversions applied in turn: a bound of the first
    whose output offset is a bound of the second (whose input is the first's
    output). Converting both sides of it apart gives the second conversion
    the same two sides, so the composition is separable there too."""
    at = {x: y for x, y in zip(*second)}
    ins, outs = [], []
    for x, mid in zip(*first):
        y = at.get(mid)
        if y is not None:
            ins.append(x)
            outs.append(y)
    return ins, outs


class _StageRunner:
    """Maximum forward match of one stage's dictionary over text."""

    def __init__(self, stage: CompiledStage):
        self._keys = _automaton(stage.keys, as_bytes=True)
        self._values = _encode_all(stage.values)
        self._str_values = stage.values
        self._chars = CharMap(stage.chars)

    def aligned(self, text: str) -> tuple[str, list[int], list[int]]:
        """``self(text)`` with the bounds of its units (see _match_units)."""
        mapped = self._chars(text)
        found = self._keys.find_matches_as_indexes(text.encode(_ENCODING, _ERRORS)) if self._keys else []
        return _match_units(text, found, self._str_values, mapped)

    def __call__(self, text: str) -> str:
        mapped = self._chars(text)
        if self._keys is None:
            return mapped
        values = self._values
        found = self._keys.find_matches_as_indexes(text.encode(_ENCODING, _ERRORS))
        if not found:
            return mapped
        spans = [(s, e, values[i]) for i, s, e in found]
        return splice(mapped.encode(_ENCODING, _ERRORS), spans).decode(_ENCODING, _ERRORS)


_warned = False


def _warn_fallback() -> None:
    """Say once per process, on the ``zhnorm`` logger, that conversions run
    on the pure-Python engine: same output, several times slower."""
    global _warned
    if _warned:
        return
    _warned = True
    why = ("ZHNORM_PURE_PYTHON is set" if accel.available()
           else "the C extension zhnorm._accel is not built (no C compiler at install time?)")
    logging.getLogger("zhnorm").warning(
        "zhnorm: using the pure-Python engine because %s; output is the same, "
        "conversion is several times slower (see zhnorm.engine_info())", why)


class Engine:
    """Converts text exactly as the compiled OpenCC chain would."""

    def __init__(self, compiled: CompiledChain, *, accelerate: bool | None = None):
        """`accelerate`: use the C fast pass (default: when it is built and
        $ZHNORM_PURE_PYTHON is not set); False forces the pure-Python path."""
        self.name = compiled.name
        if accelerate is None:
            accelerate = accel.available() and not os.environ.get("ZHNORM_PURE_PYTHON")
            if not accelerate:
                _warn_fallback()
        self._fast = accel.FastPass(compiled, normalize=True) if accelerate else None
        self.accelerated = self._fast is not None
        self._ascii_inert = compiled.ascii_inert
        self.quiet = compiled.quiet  # which texts this chain cannot change (quiet.py)
        if self.accelerated:
            # the C pass does it all: convert is the C function itself, which
            # saves two Python frames per call; skip building the automata
            self.convert = self._fast.converter(self._ascii_inert)
            self.convert_aligned = self.convert.convert_aligned
            return
        self._normalize = CharMap(compiled.normalization)
        self._normalized_chars = Utf8Probe(compiled.normalization)
        self._keys = _automaton(compiled.keys, as_bytes=True)
        self._values = _encode_all(compiled.values)
        self._patch = compiled.patch
        self._compiled_values = compiled.values
        self._str_values: list | None = None  # per key: its value, None if char by char
        self._chars = CharMap(compiled.chars)
        self._triggers = _automaton(compiled.triggers, overlapping=True, as_bytes=True)
        self._compiled_stages = compiled.stages
        self._stages: list[_StageRunner] | None = None  # built when first needed
        self._stages_lock = fork_safe(threading.Lock())

    def convert(self, text: str) -> str:
        """The pure-Python conversion (an accelerated Engine's instance
        attribute ``convert`` shadows it with the C function)."""
        if not text or (self._ascii_inert and text.isascii()):
            return text
        data = text.encode(_ENCODING, _ERRORS)
        if self._normalized_chars and self._normalized_chars.may_contain(data):
            text = self._normalize(text)
            data = text.encode(_ENCODING, _ERRORS)
        matches = self._keys.find_matches_as_indexes(data) if self._keys else []
        patch, values = self._patch, self._values
        spans = [(start, end, values[i]) for i, start, end in matches if patch[i]]
        redo = self._stretches_with_triggers(data, matches)
        if redo:
            spans = sorted(spans + self._convert_stretches(data, redo))
        whole = self._chars(text).encode(_ENCODING, _ERRORS)
        return splice(whole, spans).decode(_ENCODING, _ERRORS)

    def convert_aligned(self, text: str) -> tuple[str, list[int], list[int]]:
        """``convert(text)`` with the bounds of its units: ``(out, in_bounds,
        out_bounds)``, where ``out[out_bounds[k]:out_bounds[k + 1]]`` is what
        ``text[in_bounds[k]:in_bounds[k + 1]]`` became as one unit.

        A unit is one segmentation key (its value), one code point between
        keys (its char-table output), or, in a stretch holding a trigger,
        one unit of the stages (their bounds composed, see :func:`compose`).
        Every bound is separable: converting ``text[:b]`` and ``text[b:]``
        apart gives ``out`` cut at the bound, because a leftmost-longest
        match restarts at the end of every unit it chose, and a stretch's
        pieces without a trigger convert character by character either way.
        The markup cut-back (zhnorm.markup.render) relies on this. An
        accelerated Engine's instance attribute shadows it with the C
        version (same bounds)."""
        if not text or (self._ascii_inert and text.isascii()):
            bounds = list(range(len(text) + 1))
            return text, bounds, list(bounds)
        data = text.encode(_ENCODING, _ERRORS)
        if self._normalized_chars and self._normalized_chars.may_contain(data):
            text = self._normalize(text)
            data = text.encode(_ENCODING, _ERRORS)
        found = self._keys.find_matches_as_indexes(data) if self._keys else []
        if self._str_values is None:
            self._str_values = [v if p else None for v, p in zip(self._compiled_values, self._patch)]
        redo = set(self._stretches_with_triggers(data, found))
        return _match_units(
            text, found, self._str_values, self._chars(text), (redo, self._stages_aligned) if redo else None
        )

    def _stages_aligned(self, text: str) -> tuple[str, list[int], list[int]]:
        """A stretch through every stage, as OpenCC converts a segment, with
        the composed bounds of the stages' units."""
        stages, _ = self._stage_runners()
        bounds = (list(range(len(text) + 1)),) * 2
        for stage in stages:
            text, ins, outs = stage.aligned(text)
            bounds = compose(bounds, (ins, outs))
        return text, list(bounds[0]), list(bounds[1])

    def _stretches_with_triggers(self, data: bytes, matches: list) -> list[tuple[int, int]]:
        """Byte bounds of the unmatched stretches (between keys) holding a trigger."""
        if self._triggers is None:
            return []
        found = self._triggers.find_matches_as_indexes(data, overlapping=True)
        if not found:
            return []
        starts = [m[1] for m in matches]
        stretches = set()
        for _, start, end in found:
            i = bisect_right(starts, start)
            low = matches[i - 1][2] if i else 0
            high = starts[i] if i < len(starts) else len(data)
            if low <= start and end <= high:
                stretches.add((low, high))
        return sorted(stretches)

    def _stage_runners(self):
        """The stage automata, built on the first stretch that needs them
        (many texts never do, and building them costs start-up time)."""
        if self._stages is None:
            with self._stages_lock:
                if self._stages is None:
                    stages = self._compiled_stages
                    self._used = frozenset(
                        ch for stage in stages for s in (*stage.keys, *stage.values) for ch in s
                    )
                    self._stages = [_StageRunner(stage) for stage in stages]
        return self._stages, self._used

    def _convert_stretches(self, data: bytes, bounds: list[tuple[int, int]]) -> list:
        """Convert whole stretches stage by stage, as OpenCC converts a segment.

        They go through the stages in one batch, joined by a character that
        no stage key or value contains, so no match can cross between them.
        """
        pieces = [data[a:b].decode(_ENCODING, _ERRORS) for a, b in bounds]
        stages, used = self._stage_runners()
        separator = _pick_separator(used)
        if any(separator in piece for piece in pieces):
            separator = _pick_separator(used.union(*pieces))
        joined = separator.join(pieces)
        for stage in stages:
            joined = stage(joined)
        return [
            (a, b, out.encode(_ENCODING, _ERRORS))
            for (a, b), out in zip(bounds, joined.split(separator))
        ]

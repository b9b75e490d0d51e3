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

import ahocorasick_rs

from . import accel
from .charmap import CharMap, Utf8Probe
from .compiler import CompiledChain, CompiledStage

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


class _StageRunner:
    """Maximum forward match of one stage's dictionary over text."""

    def __init__(self, stage: CompiledStage):
        self._keys = _automaton(stage.keys, as_bytes=True)
        self._values = _encode_all(stage.values)
        self._chars = CharMap(stage.chars)

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
            return
        self._normalize = CharMap(compiled.normalization)
        self._normalized_chars = Utf8Probe(compiled.normalization)
        self._keys = _automaton(compiled.keys, as_bytes=True)
        self._values = _encode_all(compiled.values)
        self._patch = compiled.patch
        self._chars = CharMap(compiled.chars)
        self._triggers = _automaton(compiled.triggers, overlapping=True, as_bytes=True)
        self._compiled_stages = compiled.stages
        self._stages: list[_StageRunner] | None = None  # built when first needed
        self._stages_lock = threading.Lock()

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

"""The engine's fast pass in C, when the optional extension is built.

``FastPass.scan`` does in one C loop what ``Engine.convert`` does with an
automaton pass, a char map and a splice: the leftmost-longest match of the
segmentation keys, their final values, the char table for the text between
them, and the search for triggers in that text. Stretches holding a trigger
come back unconverted, with their bounds, to be converted stage by stage as
OpenCC converts a segment; ``FastPass.convert_pieces`` does that in C too
(each stage is a maximum forward match, i.e. a scan without triggers).
``FastPass.convert`` is the whole conversion in one C call: each such
stretch goes through the stages as soon as the scan reaches its end.

Without a C compiler the extension is not built; ``available()`` is then
False and the pure-Python engine does all the work.
"""

from __future__ import annotations

from typing import Callable, Sequence

from .compiler import CompiledChain

try:
    from . import _accel
except ImportError:  # built without a compiler: the pure-Python engine remains
    _accel = None

Stretch = tuple[int, int, int, int]


def available() -> bool:
    """Whether the C extension imported."""
    return _accel is not None


class FastPass:
    """A compiled chain's keys, values, char table and triggers, in C."""

    __slots__ = ("_tables", "_stages", "_compiled_stages", "normalizes", "lone_newlines")

    def __init__(self, compiled: CompiledChain, *, normalize: bool = False):
        """With ``normalize=True`` scan() also applies the chain's normalisation
        (one code point to one), in the same pass: the caller then need not
        look for characters to normalise first."""
        if _accel is None:
            raise RuntimeError("zhnorm._accel is not built; use the pure-Python engine")
        self.normalizes = normalize
        self._tables = _accel.Tables(
            compiled.keys,
            compiled.values,
            _dict(compiled.chars),
            compiled.triggers,
            _dict(compiled.normalization) if normalize else {},
        )
        self._compiled_stages = compiled.stages
        self._stages = None  # built when a stretch first needs them
        self.lone_newlines = lone_newlines(compiled)

    def scan(self, text: str) -> tuple[str, list[Stretch]]:
        """Convert `text` in one pass (normalise it first unless built with
        ``normalize=True``).

        Returns the output and the stretches still to convert, each
        ``(src_start, src_end, out_start, out_end)`` in code points: the
        unmatched text ``text[src_start:src_end]`` held a trigger, so it is
        copied unconverted (but normalised) to ``out[out_start:out_end]``
        (same length) for the caller to convert stage by stage.
        """
        return self._tables.scan(text)

    def _stage_tables(self) -> tuple:
        """The stages as C tables, built when first needed: many texts never
        need them, and s2twp's take ~10 ms. Two threads racing here build
        equal tables, which is harmless."""
        stages = self._stages
        if stages is None:
            stages = self._stages = tuple(
                _accel.Tables(stage.keys, stage.values, _dict(stage.chars), ())
                for stage in self._compiled_stages
            )
        return stages

    def convert_pieces(self, pieces: list[str]) -> list[str]:
        """Each piece through the chain's stages, as OpenCC converts a segment."""
        return _accel.chain(self._stage_tables(), pieces)

    def convert(
        self, text: str, convert_pieces: Callable[[list[str]], Sequence[str]] | None = None
    ) -> str:
        """The whole conversion of `text` (normalise it first unless built with
        ``normalize=True``), all in C: each stretch ``scan`` would report goes
        through the stages as soon as it ends. With `convert_pieces`, the
        stretches are converted by it instead (to compare other stage code)."""
        if convert_pieces is None:
            return self._tables.convert(text, self._stage_tables)
        out, stretches = self._tables.scan(text)
        if not stretches:
            return out
        converted = convert_pieces([out[c:d] for _, _, c, d in stretches])
        return splice_stretches(out, stretches, converted)

    def converter(self, ascii_inert: bool) -> Callable[[str], str]:
        """``convert`` as one C callable of the text (no Python frame per
        call). With `ascii_inert` (no key or char entry is ASCII), ASCII
        text is returned as it is."""
        return self._tables.bind(self._stage_tables, ascii_inert, self.lone_newlines)

    def __sizeof__(self) -> int:
        return object.__sizeof__(self) + self._tables.__sizeof__()


def lone_newlines(compiled: CompiledChain) -> bool:
    """Whether every newline of a text is a unit of its own that the chain
    leaves as it is: no key, trigger, char or normalisation entry, of the
    chain or of its stages, holds one. Then a key match or a stage match
    can never cover a newline, so the aligned conversion need not record
    one for the markup cut-back to find it (see _accel's rec_unit)."""
    strings = [*compiled.keys, *compiled.triggers, *compiled.chars, *compiled.normalization]
    for stage in compiled.stages:
        strings += [*stage.keys, *stage.chars]
    return not any("\n" in s for s in strings)


def _dict(table) -> dict:
    return table if type(table) is dict else dict(table)


def splice_stretches(out: str, stretches: Sequence[Stretch], pieces: Sequence[str]) -> str:
    """`out` with each stretch's ``out[out_start:out_end]`` replaced by its piece."""
    if len(pieces) != len(stretches):
        raise ValueError(f"{len(stretches)} stretches but {len(pieces)} converted pieces")
    parts = []
    at = 0
    for (_, _, start, end), piece in zip(stretches, pieces):
        parts.append(out[at:start])
        parts.append(piece)
        at = end
    parts.append(out[at:])
    return "".join(parts)

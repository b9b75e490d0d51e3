"""Convert the prose of a tokenized document and put it back in place.

Prose never moves across markup.  Two kinds of boundary sit between the
convertible spans of a page:

* **Hard** boundaries: every protected span that is not emphasis (a link or
  image label's edges, a link target, a citation ``\\[1\\]``, an HTML tag,
  code, a URL, a template, ``<ref>``, a comment, a ``-{ }-`` rule, a line
  or block boundary).  No phrase, name or rule matches across them: each
  piece of prose between two hard boundaries comes out exactly as the plain
  conversion of that piece alone, as MediaWiki converts each text node on
  its own.  ``[丹麦](…)[伦讷](…)`` never meets the name 麦伦.
* **Soft** boundaries: emphasis, ``*``, ``**``, ``_``, ``~~`` (Markdown)
  and ``''``, ``'''`` (wikitext).  A phrase may span them (``**阿塞拜**疆``
  converts as 阿塞拜疆).  A *run* (the prose between two hard boundaries)
  is converted as one text, and its output is cut back at each soft
  boundary by the converter's exact alignment (``convert_aligned``, see
  :class:`AlignedConverter`), never by lengths:

  - a boundary that falls between two units of the conversion is cut
    where the first unit's output ends: every unit lying wholly on one
    side stays on that side;
  - a boundary inside a unit (a phrase spanning the emphasis) is cut at
    the same offset in the unit's output when the output has the unit's
    length (``**阿塞拜**疆`` → ``**亞塞拜**然``), and otherwise after the
    whole output, which goes to the piece where the unit starts
    (``**方便**面`` → ``**泡麵**``).

  The run's pieces joined are always the plain conversion of the run.

Hardness is decided here, by span type (:data:`SOFT_TYPES`), not by the
scanners' ``brk`` flag.  The runs are joined with a newline between them
and converted in **one** call; a converter keeps a newline as a unit of
its own (no dictionary key holds one), which is checked on the bounds it
returns: where it does not hold, each run is converted on its own.

A plain callable (no ``convert_aligned``) cannot say where a unit lies, so
each piece is then converted on its own, soft boundaries included
(counted in ``ConversionResult.fallbacks``); every hard-bounded piece is
still exact.  ``zhnorm.markup._mdscan`` does the same in C, with the same
output (tests/test_markup_align.py holds both to it).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Callable, Protocol, Union, runtime_checkable

from .tokens import Span

__all__ = [
    "AlignedConverter",
    "ConversionResult",
    "SOFT_TYPES",
    "aligned_of",
    "plain_of",
    "gather",
    "convert_spans",
    "cut",
]

SEP = "\n"

SOFT_TYPES = frozenset({"emphasis", "quote_markup"})
"""Protected span types a phrase may span (all others are hard boundaries)."""


@runtime_checkable
class AlignedConverter(Protocol):
    """A converter that reports where each unit of its output came from
    (``zhnorm.engine.Engine`` and the page converter of ``-{H|…}-`` rules).

    ``convert_aligned(text)`` returns ``(out, in_bounds, out_bounds)``:
    ``out`` is the conversion; both bound lists start at 0, end at the
    lengths, never decrease and have equal length; ``out[out_bounds[k]:
    out_bounds[k + 1]]`` is what ``text[in_bounds[k]:in_bounds[k + 1]]``
    became as one unit; and converting the two sides of any bound apart
    gives ``out`` cut at that bound."""

    def convert_aligned(self, text: str) -> tuple[str, list[int], list[int]]: ...


Converter = Union[Callable[[str], str], AlignedConverter]


@dataclass(slots=True)
class ConversionResult:
    """What :func:`zhnorm.markup.convert_markup_result` did."""

    text: str
    """The converted document."""
    markup: str
    """The markup the document was read as (``auto`` resolved)."""
    sniffed: bool
    """True if ``markup`` was chosen by :func:`zhnorm.markup.sniff`."""
    tokens: int = 0
    """How many spans the document was cut into."""
    rules: int = 0
    """How many ``-{ }-`` rules were found."""
    rule_phrases: int = 0
    """How many phrases page rules (``H``/``A``) replaced."""
    fallbacks: int = 0
    """Runs of prose holding emphasis whose pieces were converted each on
    its own because the converter was a plain callable without
    ``convert_aligned`` (a phrase spanning the emphasis is then not
    matched).  Always 0 with an :class:`AlignedConverter`."""


def aligned_of(convert: Converter) -> Callable[[str], tuple[str, list[int], list[int]]] | None:
    """The ``convert_aligned`` behind `convert`: its own, or that of the
    object whose ``convert`` method `convert` is (``engine.convert``,
    ``Converter(...).convert``); None for any other callable."""
    found = getattr(convert, "convert_aligned", None)
    if found is None:
        owner = getattr(convert, "__self__", None)
        if owner is not None and getattr(convert, "__name__", None) == "convert":
            found = getattr(owner, "convert_aligned", None)
    return found


def plain_of(convert: Converter) -> Callable[[str], str]:
    """`convert` as a plain function of the text."""
    if callable(convert):
        return convert
    own = getattr(convert, "convert", None)
    if callable(own):
        return own
    aligned = convert.convert_aligned
    return lambda text: aligned(text)[0]


def gather(src: str, spans: list[Span]) -> tuple[list[str], list[int]]:
    """The prose pieces in order, with ``SEP`` at hard boundaries, and for
    each piece the index of its span (-1 for a separator)."""
    pieces: list[str] = []
    owners: list[int] = []
    add_piece = pieces.append
    add_owner = owners.append
    sep = True
    soft = SOFT_TYPES
    i = -1
    for t, a, b, conv, _brk, _m in spans:
        i += 1
        if conv:
            add_piece(src[a:b])
            add_owner(i)
            sep = False
        elif not sep and t not in soft:
            add_piece(SEP)
            add_owner(-1)
            sep = True
    return pieces, owners


def cut(x: int, ins: list[int], outs: list[int]) -> int:
    """Where offset `x` of a converter's input falls in its output, by the
    bounds of :meth:`AlignedConverter.convert_aligned` and the rule of this
    module's docstring (a bound maps to its output offset; inside a unit,
    the same offset if the unit kept its length, else the unit's end)."""
    k = bisect_right(ins, x) - 1
    a = ins[k]
    if a == x:
        return outs[k]
    b, c, d = ins[k + 1], outs[k], outs[k + 1]
    return c + (x - a) if b - a == d - c else d


def _checked(text: str, result: tuple[str, list[int], list[int]]) -> tuple[str, list[int], list[int]]:
    """`result` of ``convert_aligned(text)``, its bounds held to the contract
    (as the C cut-back holds them) so that a broken converter fails loudly."""
    out, ins, outs = result
    ok = (
        len(ins) == len(outs) >= 1
        and ins[0] == outs[0] == 0
        and ins[-1] == len(text)
        and outs[-1] == len(out)
        and all(a <= b for a, b in zip(ins, ins[1:]))
        and all(a <= b for a, b in zip(outs, outs[1:]))
    )
    if not ok:
        raise ValueError("convert_aligned() returned bounds that break its contract")
    return out, ins, outs


def _separated(joined: str, out: str, ins: list[int], outs: list[int], seps: list[int]) -> bool:
    """Each newline at `seps` in `joined` is a unit of its own that became
    one newline: converting the runs apart then gives the same output."""
    where = {x: k for k, x in enumerate(ins)}
    for p in seps:
        k = where.get(p)
        if k is None or ins[k + 1] != p + 1 or outs[k + 1] != outs[k] + 1 or out[outs[k]] != SEP:
            return False
    return True


def _cut_run(pieces, owners, i, j, out, ins, outs, start, offset, result) -> None:
    """Write the output of pieces[i:j] (one run, from `start` in the joined
    prose; `out` is the conversion of the joined prose from `offset` on,
    with its bounds) into `result`, cut at each piece boundary."""
    at = start - offset
    begin = cut(at, ins, outs)
    for k in range(i, j):
        at += len(pieces[k])
        end = cut(at, ins, outs)
        new = out[begin:end]
        if new != pieces[k]:
            result[owners[k]] = new
        begin = end


def _runs(pieces: list[str], owners: list[int]) -> list[tuple[int, int, int]]:
    """The runs of pieces between separators: (first, end, offset in the
    joined prose)."""
    runs = []
    i = at = 0
    n = len(pieces)
    while i < n:
        j = i
        start = at
        while j < n and owners[j] >= 0:
            at += len(pieces[j])
            j += 1
        if j > i:
            runs.append((i, j, start))
        at += 1  # the separator
        i = j + 1
    return runs


def convert_spans(src: str, spans: list[Span], convert: Converter) -> tuple[dict[int, str], int]:
    """Converted text for each convertible span whose text changed (by span
    index; unchanged spans may be missing), and the fallback count."""
    pieces, owners = gather(src, spans)
    if not pieces:
        return {}, 0
    result: dict[int, str] = {}
    runs = _runs(pieces, owners)
    aligned = aligned_of(convert)
    if aligned is None:
        plain = plain_of(convert)
        fallbacks = 0
        for i, j, _ in runs:
            fallbacks += j - i > 1
            for k in range(i, j):
                new = plain(pieces[k])
                if new != pieces[k]:
                    result[owners[k]] = new
        return result, fallbacks
    joined = "".join(pieces)
    out, ins, outs = _checked(joined, aligned(joined))
    if out == joined and ins == outs:
        return result, 0  # every unit is itself, in its place
    if _separated(joined, out, ins, outs, [start - 1 for _, _, start in runs[1:]]):
        for i, j, start in runs:
            _cut_run(pieces, owners, i, j, out, ins, outs, start, 0, result)
        return result, 0
    for i, j, start in runs:  # a converter that joins a newline to its neighbours
        text = "".join(pieces[i:j])
        run_out, run_ins, run_outs = _checked(text, aligned(text))
        _cut_run(pieces, owners, i, j, run_out, run_ins, run_outs, start, start, result)
    return result, 0

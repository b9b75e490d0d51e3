"""Convert the prose of a tokenized document and put it back in place.

All convertible spans of the page are gathered into one string, with a
newline wherever a *breaking* protected span sat (code, URL, table pipe,
block boundary); transparent markup (``**``, a link target, ``\\[1\\]``)
leaves nothing, so ``[格魯吉亞是愛沙尼亞在](…)[南高加索地區的盟友](…)``
and ``**阿塞拜**疆`` reach the converter as plain sentences.  No dictionary
key contains a newline, so the separators are hard phrase boundaries and
the converter passes them through.

The page is converted with **one** call.  When the output has the same
length as the input (OpenCC conversions almost always are), it is cut back
at the original span boundaries.  Otherwise, in each line whose length changed,
a boundary is placed where the conversion of the text before it ends
(checked against the page's output, so the result is still exactly the
plain conversion); a boundary that falls inside a
phrase whose length changed (``闪存`` → ``快閃記憶體`` split by markup)
cannot be placed without moving text across markup, so the pieces of that
one chunk are converted separately instead (counted in
``ConversionResult.fallbacks``).  Markup is never moved.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from typing import Callable

from .tokens import Span

__all__ = ["ConversionResult", "gather", "convert_spans"]

SEP = "\n"


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
    """Prose chunks converted piecewise because a length-changing phrase
    straddled markup (their result may differ from plain conversion)."""


def gather(src: str, spans: list[Span]) -> tuple[list[str], list[int]]:
    """The prose pieces in order, with ``SEP`` at breaks, and for each
    piece the index of its span (-1 for a separator)."""
    pieces: list[str] = []
    owners: list[int] = []
    add_piece = pieces.append
    add_owner = owners.append
    sep = True
    i = -1
    for _t, a, b, conv, brk, _m in spans:
        i += 1
        if conv:
            add_piece(src[a:b])
            add_owner(i)
            sep = False
        elif brk and not sep:
            add_piece(SEP)
            add_owner(-1)
            sep = True
    return pieces, owners


def _line_lengths(text: str) -> list[int]:
    return list(map(len, text.split(SEP)))


def _map_cuts(src: str, dst: str, cuts: list[int], convert: Callable[[str], str]) -> list[int | None]:
    """Map offsets in ``src`` to offsets in ``dst = convert(src)``.

    Lines of equal length map one to one.  In a line whose length changed,
    a cut is placed where the conversion of the text since the last placed
    cut ends, if that conversion is a prefix of the rest of the output line
    (true whenever no phrase straddles the cut, since segmentation restarts
    at a boundary no phrase crosses); otherwise it is ``None``.

    The segments between consecutive cuts of all changed lines are
    converted in **one** call, joined by ``SEP`` (a hard phrase boundary),
    instead of one call per cut; a separate call is made only for the text
    since a cut that could not be placed.
    """
    src_lines = src.split(SEP)
    dst_lines = dst.split(SEP)
    if len(src_lines) != len(dst_lines):
        return [None] * len(cuts)
    s_starts, d_starts = [], []
    a = b = 0
    for sl, dl in zip(src_lines, dst_lines):
        s_starts.append(a)
        d_starts.append(b)
        a += len(sl) + 1
        b += len(dl) + 1
    result: list[int | None] = []
    # First pass: cuts in unchanged lines; the segments of changed lines.
    where: list[tuple[int, int]] = []  # (line, offset in line) of each cut
    segs: list[str] = []
    line = -1
    last = 0
    for c in cuts:
        k = bisect_right(s_starts, c) - 1
        x = c - s_starts[k]
        where.append((k, x))
        if len(src_lines[k]) != len(dst_lines[k]):
            if k != line:
                line, last = k, 0
            segs.append(src_lines[k][last:x])
            last = x
    if not segs:
        return [d_starts[k] + x for k, x in where]
    conv = convert(SEP.join(segs)).split(SEP)
    if len(conv) != len(segs):
        conv = None  # the converter did not keep the separators: one call per cut
    line = -1
    anchor_s = anchor_d = 0
    j = 0  # index into segs / conv
    for k, x in where:
        sl, dl = src_lines[k], dst_lines[k]
        if len(sl) == len(dl):
            result.append(d_starts[k] + x)
            continue
        if k != line:
            line, anchor_s, anchor_d, prev = k, 0, 0, 0
        # conv[j] is the conversion of sl[prev:x]; usable when the last cut
        # of this line was placed (anchor_s == prev).
        left = conv[j] if conv is not None and anchor_s == prev else convert(sl[anchor_s:x])
        j += 1
        prev = x
        if dl.startswith(left, anchor_d):
            anchor_s, anchor_d = x, anchor_d + len(left)
            result.append(d_starts[k] + anchor_d)
        else:
            result.append(None)
    return result


def convert_spans(
    src: str, spans: list[Span], convert: Callable[[str], str]
) -> tuple[dict[int, str], int]:
    """Converted text for each convertible span whose text changed (by span
    index; unchanged spans may be missing), and the fallback count."""
    pieces, owners = gather(src, spans)
    if not pieces:
        return {}, 0
    joined = "".join(pieces)
    out = convert(joined)
    result: dict[int, str] = {}
    # Equal total length is not enough: one line may grow and another
    # shrink.  Cut at the same offsets only if every line kept its length.
    if len(out) == len(joined) and (out == joined or _line_lengths(out) == _line_lengths(joined)):
        if out == joined:
            return result, 0
        pos = 0
        startswith = out.startswith
        for piece, owner in zip(pieces, owners):
            if owner >= 0 and not startswith(piece, pos):
                result[owner] = out[pos:pos + len(piece)]
            pos += len(piece)
        return result, 0
    # Lengths differ somewhere: place each boundary through an alignment.
    cuts = []
    pos = 0
    for piece in pieces:
        pos += len(piece)
        cuts.append(pos)
    mapped = _map_cuts(joined, out, cuts[:-1], convert) + [len(out)]
    # Chunks are runs of pieces between separators; a chunk with an
    # unplaceable boundary is converted piece by piece.
    fallbacks = 0
    prev_end: int | None = 0
    i = 0
    n = len(pieces)
    while i < n:
        j = i
        while j < n and owners[j] >= 0:
            j += 1
        # pieces[i:j] form one chunk (j is a separator or n)
        inner = mapped[i:j]
        ok = prev_end is not None and all(m is not None for m in inner)
        if ok:
            p = prev_end
            for k in range(i, j):
                result[owners[k]] = out[p:mapped[k]]
                p = mapped[k]
        elif j > i:
            fallbacks += 1
            for k in range(i, j):
                result[owners[k]] = convert(pieces[k])
        prev_end = mapped[j] if j < n else None
        i = j + 1
    return result, fallbacks

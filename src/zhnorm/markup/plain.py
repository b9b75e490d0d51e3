"""Plain text: all prose, except MediaWiki ``-{ }-`` rules."""

from __future__ import annotations

from .inline_md import find_rule_end
from .tokens import Span

_S = tuple.__new__  # Span(...) without the NamedTuple constructor overhead


def scan_plain(src: str) -> list[Span]:
    """One text span, split around any closed ``-{ … }-`` rule."""
    out: list[Span] = []
    pos = tstart = 0
    n = len(src)
    find = src.find
    while True:
        p = find("-{", pos)
        if p < 0:
            break
        e = find_rule_end(src, p, n)
        if e < 0:
            pos = p + 1
            continue
        if p > tstart:
            out.append(_S(Span, ("text", tstart, p, True, False, None)))
        out.append(_S(Span, ("conv_rule", p, e, False, True, src[p + 2:e - 2])))
        pos = tstart = e
    if n > tstart:
        out.append(_S(Span, ("text", tstart, n, True, False, None)))
    return out

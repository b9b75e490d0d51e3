"""The token model shared by every markup scanner.

A document is cut into contiguous spans that cover every character exactly
once.  Scanners work on light tuples (``Span``) because a page has thousands
of them and conversion speed matters; :func:`to_tokens` turns them into the
public :class:`Token` objects that :func:`zhnorm.markup.tokenize` returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

__all__ = ["Token", "Span", "to_tokens", "render", "check_spans"]


@dataclass(slots=True)
class Token:
    """One piece of a document, with exact character offsets.

    ``"".join(t.text for t in tokenize(s))`` is always ``s``.
    """

    type: str
    """What the piece is: ``"text"``, ``"link_target"``, ``"code_inline"`` ..."""
    start: int
    """Offset of the first character in the input string."""
    end: int
    """Offset one past the last character (``text == source[start:end]``)."""
    text: str
    """The characters themselves, byte-for-byte from the input."""
    convertible: bool
    """True if conversion may rewrite these characters (visible prose)."""
    breaks: bool = False
    """The scanner's own mark for protected pieces that end a block or a
    line of prose (a code span, a URL, a table pipe, a block boundary).
    The cut-back does not use it: there every protected piece but emphasis
    is a hard boundary (see :mod:`zhnorm.markup.render`)."""
    meta: dict[str, Any] | None = None
    """Extra facts for some types, e.g. the parsed ``-{ }-`` rule."""


class Span(NamedTuple):
    """Internal, cheap form of a token (no text copy)."""

    type: str
    start: int
    end: int
    conv: bool
    brk: bool
    meta: Any = None


def to_tokens(src: str, spans: list[Span]) -> list[Token]:
    """Materialise public tokens from internal spans."""
    out = []
    for s in spans:
        meta = s.meta
        if meta is not None and not isinstance(meta, dict):
            meta = {"value": meta}
        out.append(Token(s.type, s.start, s.end, src[s.start:s.end], s.conv, s.brk, meta))
    return out


def render(tokens: list[Token]) -> str:
    """No-op render: the concatenated token texts (equals the input)."""
    return "".join(t.text for t in tokens)


def check_spans(src: str, spans: list[Span]) -> None:
    """Raise AssertionError unless spans tile ``src`` exactly (debug aid)."""
    pos = 0
    for s in spans:
        if s.start != pos or s.end <= s.start:
            raise AssertionError(f"span {s} does not start at {pos} or is empty")
        pos = s.end
    if pos != len(src):
        raise AssertionError(f"spans end at {pos}, text has {len(src)} characters")

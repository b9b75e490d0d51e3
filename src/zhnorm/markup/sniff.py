"""Guess whether a text is Markdown, wikitext or plain text.

A file name decides when its extension is unambiguous (``.md``, ``.wiki``);
``.txt`` and unknown names fall through to the content, since the seed is a
``.txt`` file holding Markdown.  The content test counts constructs that
are characteristic of one syntax and rare in prose of the other, and picks
the higher score; plain text wins unless a syntax shows real evidence.
"""

from __future__ import annotations

import re

__all__ = ["sniff", "sniff_scores", "MARKUPS"]

MARKUPS = ("plain", "markdown", "wikitext")

_EXT = {
    "md": "markdown", "markdown": "markdown", "mdown": "markdown", "mkd": "markdown",
    "mkdn": "markdown", "mdx": "markdown",
    "wiki": "wikitext", "wikitext": "wikitext", "mediawiki": "wikitext", "mw": "wikitext",
}
_SAMPLE = 200_000  # characters looked at; enough to decide, bounded cost

_MD = [
    # [label](target). An escape is spelled out only where it matters (before
    # a parenthesis or a space): `\\.` alone would also match `\\a`, which
    # `[^()\s]` matches twice over, and the choice is exponential on failure.
    (re.compile(r"\]\((?:[^()\s]|\\(?!\n)[()\s])+(?:\s+\"[^\"\n]*\")?\)"), 3),
    (re.compile(r"^#{1,6}[ \t]+\S", re.M), 3),  # ATX heading
    (re.compile(r"^[ \t]*(?:[-*+]|\d+\.)[ \t]+\S", re.M), 1),  # list item
    (re.compile(r"^```|^~~~", re.M), 4),  # fence
    (re.compile(r"\\\[\d+\\\]"), 3),  # pandoc citation
    (re.compile(r"\*\*[^*\n]+\*\*"), 1),  # strong
    (re.compile(r"^\|.*\|[ \t]*\n\|[ \t:]*-{3,}", re.M), 4),  # pipe table
    (re.compile(r"`[^`\n]+`"), 1),  # code span
]
_WIKI = [
    (re.compile(r"\[\[[^\[\]\n]+\]\]"), 3),  # [[link]]
    (re.compile(r"\{\{[^{}\n]*(?:\||\}\})"), 3),  # {{template
    (re.compile(r"^=+[^=\n]+=+[ \t]*$", re.M), 3),  # == heading ==
    (re.compile(r"'''[^'\n]+'''"), 2),  # bold
    (re.compile(r"<ref[ >/]", re.I), 3),  # references
    (re.compile(r"^\{\||^\|-|^\|\}", re.M), 4),  # tables
    (re.compile(r"\[https?://[^\s\]]+ [^\]\n]+\]"), 2),  # [url label]
    (re.compile(r"__[A-Z]+__"), 3),  # magic word
]


def sniff_scores(text: str) -> dict[str, int]:
    """The evidence :func:`sniff` weighs, per syntax (for explanations)."""
    sample = text[:_SAMPLE]
    md = sum(w * min(len(r.findall(sample)), 50) for r, w in _MD)
    wiki = sum(w * min(len(r.findall(sample)), 50) for r, w in _WIKI)
    return {"markdown": md, "wikitext": wiki}


def sniff(text: str, filename: str | None = None) -> str:
    """Return ``"markdown"``, ``"wikitext"`` or ``"plain"`` for *text*.

    >>> sniff("[[阿塞拜疆]]是一個國家。{{reflist}}")
    'wikitext'
    >>> sniff("## 政治\\n\\n[塔林](../Page/塔林.md \\"wikilink\\")")
    'markdown'
    >>> sniff("只是一段文字。")
    'plain'
    """
    if filename:
        ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        if ext in _EXT:
            return _EXT[ext]
    scores = sniff_scores(text)
    best = max(scores, key=lambda k: scores[k])
    if scores[best] < 3 or scores["markdown"] == scores["wikitext"]:
        return "plain"
    return best

"""Guess whether a text is Markdown, wikitext, HTML or plain text.

A file name decides when its extension is unambiguous (``.md``, ``.wiki``);
``.txt`` and unknown names fall through to the content, since the seed is a
``.txt`` file holding Markdown.  The content test counts constructs that
are characteristic of one syntax and rare in prose of the other, and picks
the higher score; plain text wins unless a syntax shows real evidence.
"""

from __future__ import annotations

import re

__all__ = ["sniff", "sniff_scores", "MARKUPS"]

MARKUPS = ("plain", "markdown", "wikitext", "html")

_EXT = {
    "md": "markdown", "markdown": "markdown", "mdown": "markdown", "mkd": "markdown",
    "mkdn": "markdown", "mdx": "markdown",
    "wiki": "wikitext", "wikitext": "wikitext", "mediawiki": "wikitext", "mw": "wikitext",
    "html": "html", "htm": "html", "xhtml": "html",
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


# HTML: a document that starts like one (a doctype or <html>, perhaps after
# a BOM, an XML declaration or comments) is HTML whatever else it holds.
_HTML_DOCUMENT = re.compile(
    r"\A\ufeff?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html[\s>])",
    re.I | re.S)
_HTML_ELEMENTS = (r"(?:a|p|div|span|img|br|hr|table|tr|td|th|ul|ol|li|h[1-6]|em|strong|b|i|"
                  r"section|article|nav|header|footer|main|figure|figcaption|blockquote|"
                  r"meta|link|script|style|head|body|title|form|input|button|label|select|option)")
_HTML = [
    (re.compile(r"</" + _HTML_ELEMENTS + r"\s*>", re.I), 1),  # end tag
    (re.compile(r"<" + _HTML_ELEMENTS + r"(?:\s[^<>]*)?/?>", re.I), 1),  # start tag
]


def sniff_scores(text: str) -> dict[str, int]:
    """The evidence :func:`sniff` weighs, per syntax (for explanations)."""
    sample = text[:_SAMPLE]
    md = sum(w * min(len(r.findall(sample)), 50) for r, w in _MD)
    wiki = sum(w * min(len(r.findall(sample)), 50) for r, w in _WIKI)
    html = sum(w * min(len(r.findall(sample)), 50) for r, w in _HTML)
    return {"markdown": md, "wikitext": wiki, "html": html}


def sniff(text: str, filename: str | None = None) -> str:
    """Return ``"markdown"``, ``"wikitext"``, ``"html"`` or ``"plain"`` for *text*.

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
    if _HTML_DOCUMENT.match(text):
        return "html"
    scores = sniff_scores(text)
    # Markdown and wikitext pages hold HTML tags too; HTML wins only when
    # its evidence outweighs theirs together (an HTML fragment).
    html = scores.pop("html")
    if html >= 3 and html > scores["markdown"] + scores["wikitext"]:
        return "html"
    best = max(scores, key=lambda k: scores[k])
    if scores[best] < 3 or scores["markdown"] == scores["wikitext"]:
        return "plain"
    return best

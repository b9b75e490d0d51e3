"""Markdown (CommonMark + GFM tables/autolinks) block scanner.

Line-based, like CommonMark's block phase, but it only needs to know where
prose regions are: paragraphs (with their soft-wrapped lines), headings,
list item text, table cells, text inside HTML blocks.  Everything else
(fenced and indented code, HTML comments, link definitions, table
delimiter rows, list markers) is protected.  Regions are handed to
:func:`scan_inline`.  List items are tracked only far enough to tell an
indented continuation line (prose, as pandoc writes it) from an indented
code block.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .inline_md import scan_inline
from .tokens import Span

_S = tuple.__new__  # Span(...) without the NamedTuple constructor overhead

_FENCE = re.compile(r"[ \t]*(`{3,}|~{3,})(.*)")
_ATX = re.compile(r"[ \t]{0,3}(#{1,6})(?:[ \t]+|$)")
_ATX_CLOSE = re.compile(r"(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"[ \t]{0,3}(?:=+|-+)[ \t]*$")
_HR = re.compile(r"[ \t]{0,3}([-*_])[ \t]*(?:\1[ \t]*){2,}$")
_LIST = re.compile(r"([ \t]*)(?:([-+*])|(\d{1,9})[.)])(?:([ \t]+)|$)")
_TABLE_DELIM = re.compile(r"[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_FOOTNOTE_DEF = re.compile(r"[ \t]{0,3}\[\^[^\]\s]+\]:[ \t]?")
_BQ = re.compile(r"[ \t]{0,3}>[ \t]?")
# HTML block start conditions 1 and 6 of CommonMark (also the C scanner's
# tables, see inline_md.RAW_TAG_NAMES).
HTML1_TAG_NAMES = ("script", "pre", "style", "textarea")
HTML6_TAG_NAMES = tuple(
    "address article aside base basefont blockquote body caption center col colgroup dd details dialog "
    "dir div dl dt fieldset figcaption figure footer form frame frameset h1 h2 h3 h4 h5 h6 head header "
    "hr html iframe legend li link main menu menuitem nav noframes ol optgroup option p param search "
    "section summary table tbody td tfoot th thead title tr track ul".split()
)
_HTML1 = re.compile(r"[ \t]{0,3}<(" + "|".join(HTML1_TAG_NAMES) + r")(?:[\s>]|$)", re.I)
_HTML1_END = re.compile(r"</(?:" + "|".join(HTML1_TAG_NAMES) + ")>", re.I)
_HTML6 = re.compile(r"[ \t]{0,3}</?(?:" + "|".join(HTML6_TAG_NAMES) + r")(?:[\s>]|/>|$)", re.I)
_HTML7 = re.compile(
    r"[ \t]{0,3}(?:<[A-Za-z][A-Za-z0-9\-]*(?:[ \t]+[A-Za-z_:][A-Za-z0-9_.:\-]*"
    r"(?:[ \t]*=[ \t]*(?:[^\s\"'=<>`]+|'[^']*'|\"[^\"]*\"))?)*[ \t]*/?>"
    r"|</[A-Za-z][A-Za-z0-9\-]*[ \t]*>)[ \t]*$"
)
_HTML_END = {"<!--": "-->", "<?": "?>", "<![CDATA[": "]]>"}
_PIPE = re.compile(r"(?<!\\)\|")
_CR = re.compile(r"\r\n?")


def _blank(line: str) -> bool:
    """A blank line holds only spaces and tabs (CommonMark); the ``\\r`` of
    a ``\\r\\n`` ending is part of the ending.  Other whitespace (U+3000,
    U+00A0) is content."""
    return not line.strip(" \t\r")


def _lone_cr(src: str) -> str:
    """``src`` as the scanner reads it: each ``\\r`` that is not part of
    ``\\r\\n`` as ``\\n`` (a line ending of its own in CommonMark), and the
    ``\\r`` of ``\\r\\n`` as a space, so that no line ends with it (a space
    at a line's end changes no block).  Same length, so the spans found in
    it are the spans of ``src``."""
    return _CR.sub(lambda m: "\n" if len(m.group()) == 1 else " \n", src) if "\r" in src else src


def _columns(line: str, i: int, col: int) -> int:
    """The column after the spaces and tabs from ``line[i]``, which is at
    column ``col`` (a tab advances to the next multiple of four)."""
    while i < len(line) and line[i] in " \t":
        col = col + 4 - col % 4 if line[i] == "\t" else col + 1
        i += 1
    return col


def _close_items(lists: list[int], ind: int) -> None:
    """A block that starts left of an open list item's content (a quote,
    heading, fence, HTML block) ends the item."""
    while lists and lists[-1] > ind:
        lists.pop()


def _quote_prose(rest: str) -> bool:
    """Whether a quote line's content is paragraph text, which the next
    line may continue lazily (a heading or HTML block there is not)."""
    return not _blank(rest) and not (_ATX.match(rest) or _HTML1.match(rest) or _HTML6.match(rest)
                                     or rest.lstrip(" \t").startswith("<!--"))


def _col_at(line: str, i: int) -> int:
    """The column of ``line[i]`` (a tab advances to the next multiple of four)."""
    col = 0
    for ch in line[:i]:
        col = col + 4 - col % 4 if ch == "\t" else col + 1
    return col


def _fence(line: str, pos: int) -> re.Pattern[str] | None:
    """If a code fence opens at ``line[pos:]``, the pattern of the line
    that closes it; else None.  A backtick fence's info string holds no
    backtick."""
    m = _FENCE.match(line, pos)
    if m is None or (m.group(1)[0] == "`" and "`" in m.group(2)):
        return None
    fence = m.group(1)
    return _closer(fence[0], len(fence))


@lru_cache(maxsize=64)
def _closer(char: str, length: int) -> re.Pattern[str]:
    return re.compile(r"[ \t]*" + re.escape(char) + "{%d,}[ \t]*$" % length)


def _indent(line: str) -> int:
    n = 0
    for c in line:
        if c == " ":
            n += 1
        elif c == "\t":
            n += 4 - n % 4
        else:
            break
    return n


def scan_markdown(src: str) -> list[Span]:
    """Spans tiling ``src``; never raises on any string."""
    original = src
    src = _lone_cr(src)
    out: list[Span] = []
    lines = src.split("\n")
    starts = [0]  # starts[i]: offset of line i; starts[nlines] == len(src) + 1
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    nlines = len(lines)
    n = len(src)

    para_start = -1  # start offset of the open paragraph region
    para_end = -1
    prev = "blank"  # blank | para | other
    lists: list[int] = []  # content indents of open list items
    bq_para = False  # the line before is a block quote line holding prose

    def close_para() -> None:
        nonlocal para_start
        if para_start >= 0:
            if para_end > para_start:
                scan_inline(src, para_start, para_end, out)
            if para_end < n:
                out.append(_S(Span, ("newline", para_end, para_end + 1, False, True, None)))
            para_start = -1

    def line_end(i: int) -> int:
        """Offset after line i including its newline."""
        return min(starts[i] + len(lines[i]) + 1, n)

    i = 0
    while i < nlines:
        line = lines[i]
        ls = starts[i]
        le = starts[i + 1] - 1
        after_bq_para, bq_para = bq_para, False
        if _blank(line):
            if le == ls and i == nlines - 1:
                break  # nothing after the final newline
            close_para()
            out.append(_S(Span, ("blank", ls, line_end(i), False, True, None)))
            prev = "blank"
            i += 1
            continue
        stripped = line.lstrip(" \t")
        ind = _indent(line)
        if prev == "blank":
            while lists and ind < lists[-1]:
                lists.pop()
        rel = ind - lists[-1] if lists and ind >= lists[-1] else ind
        c0 = stripped[0]

        if para_start >= 0 and (rel >= 4 or ind >= 4 and not lists):
            para_end = le  # indented lazy continuation
            i += 1
            continue
        if after_bq_para and rel >= 4:
            para_start, para_end = ls, le  # lazy continuation of a quoted paragraph
            prev = "para"
            i += 1
            continue
        if rel >= 4:
            close_para()
            out.append(_S(Span, ("code_block", ls, line_end(i), False, True, None)))
            prev = "other"
            i += 1
            continue

        if c0 in "`~":
            closer = _fence(line, 0)
            if closer is not None:
                close_para()
                _close_items(lists, ind)
                j = i + 1
                while j < nlines and not closer.match(lines[j]):
                    j += 1
                j = min(j, nlines - 1)
                out.append(_S(Span, ("code_fence", ls, line_end(j), False, True, None)))
                prev = "other"
                i = j + 1
                continue
        if c0 == "#":
            m = _ATX.match(line)
            if m:
                close_para()
                _close_items(lists, ind)
                cs = ls + m.end()
                ce = ls + _ATX_CLOSE.search(line, m.end()).start()
                if ce < cs:
                    ce = cs
                out.append(_S(Span, ("heading_marker", ls, cs, False, True, None)))
                if ce > cs:
                    scan_inline(src, cs, ce, out)
                if le > ce:
                    out.append(_S(Span, ("heading_marker", ce, le, False, True, None)))
                if le < n:
                    out.append(_S(Span, ("newline", le, le + 1, False, True, None)))
                prev = "other"
                i += 1
                continue
        if c0 == "<":
            j, tail = _html_block_end(lines, i, para_start >= 0)
            if j >= 0:
                close_para()
                _close_items(lists, ind)
                be = line_end(j)
                head = stripped[:9]
                if head.startswith(("<!--", "<?", "<![")) or _HTML1.match(line):
                    t = "html_comment" if head.startswith("<!--") else "html_block"
                    lj = starts[j] + len(lines[j])
                    if tail >= 0 and not _blank(lines[j][tail:]):
                        # text after the end marker on its line is shown as text
                        out.append(_S(Span, (t, ls, starts[j] + tail, False, True, None)))
                        scan_inline(src, starts[j] + tail, lj, out)
                        if lj < n:
                            out.append(_S(Span, ("newline", lj, lj + 1, False, True, None)))
                    else:
                        out.append(_S(Span, (t, ls, be, False, True, None)))
                else:
                    end = be - 1 if be > ls and src[be - 1] == "\n" else be
                    scan_inline(src, ls, end, out, html_block=True)
                    if end < be:
                        out.append(_S(Span, ("newline", end, be, False, True, None)))
                prev = "other"
                i = j + 1
                continue
        if para_start >= 0 and c0 in "=-" and _SETEXT.match(line):
            close_para()
            out.append(_S(Span, ("setext_underline", ls, line_end(i), False, True, None)))
            prev = "other"
            i += 1
            continue
        if c0 in "-*_" and _HR.match(line):
            close_para()
            out.append(_S(Span, ("hr", ls, line_end(i), False, True, None)))
            prev = "other"
            i += 1
            continue
        m = _BQ.match(line) if c0 == ">" else None
        if m is not None:
            close_para()
            _close_items(lists, ind)
            gt = len(line) - len(stripped)  # the ">"
            end = m.end()  # after the markers of nested quotes too
            while (m2 := _BQ.match(line, end)) is not None:
                gt = m2.end() - 1 if line[m2.end() - 1] == ">" else m2.end() - 2
                end = m2.end()
            col = _col_at(line, gt)
            after = _columns(line, gt + 1, col + 1) - col - 1
            if after >= 5 and not after_bq_para and not _blank(line[gt + 1:]):
                # ">" and its optional space, then four columns: indented code
                out.append(_S(Span, ("blockquote_marker", ls, ls + gt + 1, False, True, None)))
                out.append(_S(Span, ("code_block", ls + gt + 1, line_end(i), False, True, None)))
                prev = "other"
                i += 1
                continue
            closer = _fence(line, end)
            if closer is not None:
                # a fence inside the quote: up to its closing line, or to
                # the first line that does not continue the quote
                j = i + 1
                while j < nlines:
                    bm = _BQ.match(lines[j])
                    if bm is None:
                        j -= 1
                        break
                    if closer.match(lines[j], bm.end()):
                        break
                    j += 1
                j = min(j, nlines - 1)
                out.append(_S(Span, ("blockquote_marker", ls, ls + end, False, True, None)))
                out.append(_S(Span, ("code_fence", ls + end, line_end(j), False, True, None)))
                prev = "other"
                i = j + 1
                continue
            out.append(_S(Span, ("blockquote_marker", ls, ls + end, False, True, None)))
            # a definition that fits on the line, where a paragraph could start
            d = _link_def(src, ls + end, le) if not after_bq_para else None
            if d is not None:
                _emit_link_def(src, ls + end, d, le, out)
            elif le > ls + end:
                scan_inline(src, ls + end, le, out)
            if le < n:
                out.append(_S(Span, ("newline", le, le + 1, False, True, None)))
            bq_para = d is None and _quote_prose(line[end:])
            prev = "other"
            i += 1
            continue
        if c0 in "-+*0123456789":
            m = _LIST.match(line)
            if m and not (
                para_start >= 0
                and not lists
                and ((m.group(3) is not None and m.group(3) != "1") or m.end() == len(line))
            ):
                close_para()
                # the item's content starts after the marker and up to four
                # columns of spaces; after five or more, one, and the rest
                # of the line is indented code
                marker_end = m.start(4) if m.group(4) else m.end()
                col = ind + marker_end - m.end(1)
                wcols = _columns(line, marker_end, col) - col
                code = wcols > 4 and not _blank(line[marker_end:])
                mk_end = marker_end + 1 if wcols > 4 else m.end()
                content_indent = col + (1 if wcols > 4 or not m.group(4) else wcols)
                while lists and lists[-1] > ind:
                    lists.pop()
                if lists and lists[-1] == content_indent:
                    pass
                else:
                    lists.append(max(content_indent, 1))
                out.append(_S(Span, ("list_marker", ls, ls + mk_end, False, True, None)))
                closer = None if code else _fence(line, mk_end)
                if code:
                    out.append(_S(Span, ("code_block", ls + mk_end, line_end(i), False, True, None)))
                    prev = "other"
                elif closer is not None:
                    # a fence opened on the marker's line: up to its closing
                    # line, or to the end of the item
                    j = i + 1
                    while j < nlines and not closer.match(lines[j]):
                        if not _blank(lines[j]) and _indent(lines[j]) < content_indent:
                            j -= 1
                            break
                        j += 1
                    j = min(j, nlines - 1)
                    out.append(_S(Span, ("code_fence", ls + mk_end, line_end(j), False, True, None)))
                    prev = "other"
                    i = j + 1
                    continue
                elif le > ls + mk_end:
                    para_start, para_end = ls + mk_end, le
                    prev = "para"
                else:
                    if le < n:
                        out.append(_S(Span, ("newline", le, le + 1, False, True, None)))
                    prev = "other"
                i += 1
                continue
        if "|" in line and para_start < 0 and i + 1 < nlines and _TABLE_DELIM.match(lines[i + 1]) \
                and "-" in lines[i + 1]:
            j = i
            while j < nlines and not _blank(lines[j]) and "|" in lines[j]:
                if j == i + 1:
                    out.append(_S(Span, ("table_delim", starts[j], line_end(j), False, True, None)))
                else:
                    _table_row(src, starts[j], starts[j] + len(lines[j]), out)
                    if starts[j] + len(lines[j]) < n:
                        e = starts[j] + len(lines[j])
                        out.append(_S(Span, ("newline", e, e + 1, False, True, None)))
                j += 1
            prev = "other"
            i = j
            continue
        if c0 == "[" and para_start < 0:
            m = _FOOTNOTE_DEF.match(line)
            if m:
                # a container like a list item, its content four columns in
                while lists and lists[-1] > ind:
                    lists.pop()
                if not (lists and lists[-1] == 4):
                    lists.append(4)
                out.append(_S(Span, ("footnote_marker", ls, ls + m.end(), False, True, None)))
                if _blank(line[m.end():]):
                    if le > ls + m.end():
                        out.append(_S(Span, ("footnote_marker", ls + m.end(), le, False, True, None)))
                    if le < n:
                        out.append(_S(Span, ("newline", le, le + 1, False, True, None)))
                    prev = "other"
                else:
                    para_start, para_end = ls + m.end(), le
                    prev = "para"
                i += 1
                continue
            d = _link_def(src, ls, n)
            if d is not None:
                j = i
                while starts[j + 1] - 1 < d[2]:
                    j += 1  # the line the definition ends on
                _emit_link_def(src, ls, d, line_end(j), out)
                prev = "other"
                i = j + 1
                continue
        if para_start >= 0:
            para_end = le
        else:
            para_start, para_end = ls, le
        prev = "para"
        i += 1
    close_para()
    if src is not original:  # a rule's text is the original's, \r and all
        out = [_S(Span, (t, a, b, c, k, original[a + 2:b - 2])) if t == "conv_rule" else sp
               for sp in out for t, a, b, c, k, _ in (sp,)]
    return out


def _link_def(src: str, a: int, n: int) -> tuple[int, int, int] | None:
    """A link reference definition at ``src[a:]`` (a line start) that ends
    before ``n``: ``(label start, label end, end of its last line)``, or None.

    As CommonMark's: ``[label]:``, the label over lines if no line is blank;
    spaces and at most one line ending; the destination, ``<…>`` or without
    spaces or controls and with balanced parentheses; then a title
    (``"…"``, ``'…'``, ``(…)``, escapes allowed, over lines if none is blank)
    after spaces and at most one line ending, and nothing but spaces after
    it.  Without a title that ends its line, the definition ends with the
    destination's line, if nothing follows the destination there."""
    i = a
    while i < n and src[i] in " \t":
        i += 1
    if i - a > 3 or i >= n or src[i] != "[":
        return None
    lab = j = i + 1
    while True:
        if j >= n or src[j] == "[" or j - lab > 999:
            return None
        c = src[j]
        if c == "]":
            break
        if c == "\\" and j + 1 < n and src[j + 1] != "\n":
            j += 2
            continue
        if c == "\n" and _blank_after(src, j, n):
            return None
        j += 1
    lab_end = j
    if not src[lab:lab_end].strip(" \t\n") or j + 1 >= n or src[j + 1] != ":":
        return None
    i = _skip_one_newline(src, j + 2, n)
    # the destination
    if i < n and src[i] == "<":
        i += 1
        while i < n and src[i] not in "<>\n":
            i += 2 if src[i] == "\\" and i + 1 < n and src[i + 1] != "\n" else 1
        if i >= n or src[i] != ">":
            return None
        i += 1
    else:
        start, depth = i, 0
        while i < n:
            c = src[i]
            if c <= " " or c == "\x7f":
                break
            if c == "\\" and i + 1 < n and src[i + 1] > " ":
                i += 2
                continue
            if c == "(":
                depth += 1
            elif c == ")":
                if depth == 0:
                    break
                depth -= 1
            i += 1
        if i == start or depth:
            return None
    dest_end = i
    dest_eol = _line_rest_blank(src, dest_end, n)
    # the title
    t = _skip_one_newline(src, dest_end, n)
    if dest_end < t < n and src[t] in "\"'(":
        close = ")" if src[t] == "(" else src[t]
        u = t + 1
        while u < n and src[u] != close:
            c = src[u]
            if c == "(" and close == ")":
                break
            if c == "\n" and _blank_after(src, u, n):
                break
            u += 2 if c == "\\" and u + 1 < n else 1
        if u < n and src[u] == close:
            eol = _line_rest_blank(src, u + 1, n)
            if eol >= 0:
                return lab, lab_end, eol
    if dest_eol >= 0:
        return lab, lab_end, dest_eol
    return None


def _skip_one_newline(src: str, i: int, n: int) -> int:
    """After spaces and tabs, and at most one line ending with the spaces
    and tabs after it."""
    while i < n and src[i] in " \t":
        i += 1
    if i < n and src[i] == "\n":
        i += 1
        while i < n and src[i] in " \t":
            i += 1
    return i


def _line_rest_blank(src: str, i: int, n: int) -> int:
    """Where the line ends if only spaces and tabs (or a ``\\r``) follow
    ``i`` on it, else -1."""
    while i < n and src[i] in " \t\r":
        i += 1
    return i if i >= n or src[i] == "\n" else -1


def _blank_after(src: str, nl: int, n: int) -> bool:
    """Whether the line after the line ending at ``nl`` is blank."""
    return _line_rest_blank(src, nl + 1, n) >= 0


def _emit_link_def(src: str, ls: int, d: tuple[int, int, int], end: int, out: list[Span]) -> None:
    """A definition's spans: its label is prose, converted as the label of
    a link that refers to it is (each on its own), so that they still match;
    the rest, destination and title, is protected."""
    lab, lab_end, _ = d
    out.append(_S(Span, ("link_def", ls, lab, False, True, None)))
    if lab_end > lab:
        scan_inline(src, lab, lab_end, out)
    out.append(_S(Span, ("link_def", lab_end, end, False, True, None)))


def _html_block_end(lines: list[str], i: int, in_para: bool) -> tuple[int, int]:
    """If line i starts an HTML block, the index of its last line (else -1)
    and, for a block that ends with a marker (``-->``, ``</script>``…),
    where the marker ends in that line (else -1)."""
    line = lines[i]
    s = line.lstrip(" \t")
    if len(line) - len(s) > 3:
        return -1, -1
    m = _HTML1.match(line)
    skip = 0
    if m:
        end: re.Pattern[str] | None = _HTML1_END
    else:
        end = None
        for opener, closer in _HTML_END.items():
            if s.startswith(opener):
                end = re.compile(re.escape(closer))
                skip = len(line) - len(s) + len(opener)
                break
        else:
            if s.startswith("<!") and len(s) > 2 and s[2].isalpha():
                end = re.compile(">")
    if end is not None:
        j = i
        while j < len(lines):
            found = end.search(lines[j], skip if j == i else 0)
            if found:
                return j, found.end()
            j += 1
        return len(lines) - 1, -1
    if _HTML6.match(line) or (not in_para and _HTML7.match(line)):
        j = i
        while j + 1 < len(lines) and not _blank(lines[j + 1]):
            j += 1
        return j, -1
    return -1, -1


def _table_row(src: str, a: int, b: int, out: list[Span]) -> None:
    """Pipes are protected separators; each cell is its own prose region."""
    pos = a
    for m in _PIPE.finditer(src, a, b):
        p = m.start()
        if p > pos:
            scan_inline(src, pos, p, out)
        out.append(_S(Span, ("table_pipe", p, p + 1, False, True, None)))
        pos = p + 1
    if b > pos:
        scan_inline(src, pos, b, out)

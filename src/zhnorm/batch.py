"""Convert many short strings in one engine call: join, convert once, split.

A loop pays the per-call cost (Python frames, encoding, the automaton's
setup) once per string; on strings of a few dozen characters that is most
of the time. Joining them with a separator and converting once pays it once
per chunk.

Why the split is exact. The separator is a character that no string of the
compiled chain contains: no segmentation key or its value, no trigger, no
normalisation or character-table entry, no key or value of any stage. Then,
in the joined text,

- the normalisation and character maps leave it alone, character by
  character, and map the items' characters as they would alone;
- no key can match across it, so every leftmost-longest match lies inside
  one item, and the matches starting at a position are the same as in the
  item alone (none of them could reach past the item's end there either);
  the scan restarts after each separator as it starts at an item's start;
- a stretch between keys that spans a separator is converted stage by
  stage, and each stage again cannot match across the separator; the part
  of that stretch inside one item is converted the same way alone (a
  stretch without a trigger converts character by character either way:
  the engine's contract, see Engine.convert_aligned);
- no value contains it, so the output holds exactly the separators that
  were put in, each at the border of the items' outputs.

An item that contains the separator itself is converted on its own.
"""

from __future__ import annotations

from typing import Callable, Iterable

#: Candidate separators, the first free one in a chain is used: control
#: characters that text to convert almost never holds.
CANDIDATES = "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f"

#: Items joined per engine call: large enough to amortise the call, small
#: enough that the joined text and its output stay in cache.
CHUNK_ITEMS = 2048


def chain_strings(compiled) -> Iterable[str]:
    """Every string of a CompiledChain that conversion can match or write."""
    yield from compiled.keys
    yield from compiled.values
    yield from compiled.triggers
    for table in (compiled.normalization, compiled.chars):
        yield from table.keys()
        yield from table.values()
    for stage in compiled.stages:
        yield from stage.keys
        yield from stage.values
        yield from stage.chars.keys()
        yield from stage.chars.values()


def free_separator(compiled) -> str | None:
    """The first candidate that no string of the chain contains (None if
    every candidate is used: then nothing is batched)."""
    used = set("".join(chain_strings(compiled)))
    for candidate in CANDIDATES:
        if candidate not in used:
            return candidate
    return None


def boundary_key(compiled) -> str:
    """A key of the chain to put between two separators, or "".

    Only speed depends on it: the engine sends a stretch of text between
    key matches that holds a trigger through its stages as a whole, so in
    text joined by a bare separator a trigger in one item would send the
    unmatched tail of the item before it through the stages too (same
    output, more work). Between two free separators a key is always matched
    whole (no longer key fits there), which ends the stretch. A short key
    that normalisation leaves alone (else it would not be found as written)
    and that is in the Basic Multilingual Plane (else the joined text would
    widen to four bytes a character); preferably one written as it is."""
    normalized = set(compiled.normalization)
    usable = [
        (len(key), value != key, key)
        for key, value in zip(compiled.keys, compiled.values)
        if all(ch not in normalized and ord(ch) < 0x10000 for ch in key)
    ]
    return min(usable)[2] if usable else ""


def separator_for(compiled) -> tuple[str, str] | None:
    """What convert_many joins with for this chain: (free separator, key
    between two of them), or None."""
    free = free_separator(compiled)
    return None if free is None else (free, boundary_key(compiled))


def convert_many(convert: Callable[[str], str], items: Iterable[str], separator: tuple[str, str] | None,
                 check: Callable[[object], None]) -> list[str]:
    """``[convert(x) for x in items]``, converting chunks joined by
    ``free + key + free`` (or by ``free`` alone if key is "").

    `separator`: (free, key), what separator_for gives for the chain
    `convert` applies, or None to convert item by item. `check` raises the
    error ``convert`` would raise for an item that is not a str."""
    out: list[str] = []
    if separator is None:
        for item in items:
            check(item)
            out.append(convert(item))
        return out
    if not isinstance(items, list):
        items = list(items)
    if len(items) <= CHUNK_ITEMS:
        return _convert_chunk(convert, items, separator, check)
    for start in range(0, len(items), CHUNK_ITEMS):
        out += _convert_chunk(convert, items[start:start + CHUNK_ITEMS], separator, check)
    return out


def _convert_chunk(convert, chunk: list, separator: tuple[str, str], check) -> list[str]:
    if not chunk:
        return []
    free, key = separator
    try:
        joined = (free + key + free if key else free).join(chunk)
    except TypeError:
        for item in chunk:
            check(item)  # raises for the first item that is not a str
        raise  # pragma: no cover - join only fails on non-str items
    parts = convert(joined).split(free)
    # The conversion keeps every free separator and writes none, so only
    # an item holding one itself gives more parts.
    if key:
        if len(parts) == 2 * len(chunk) - 1:
            return parts[::2]  # the odd parts are the key's output
    elif len(parts) == len(chunk):
        return parts
    if not any(free in item for item in chunk):  # pragma: no cover
        raise AssertionError("the batch separator was not kept by the conversion")
    return _with_separator_inside(convert, chunk, separator, check)


def _with_separator_inside(convert, chunk: list, separator: tuple[str, str], check) -> list[str]:
    """Items holding the free separator on their own; the others still joined."""
    free = separator[0]
    out: list = [convert(item) if free in item else None for item in chunk]
    rest = [i for i, text in enumerate(out) if text is None]
    for i, text in zip(rest, _convert_chunk(convert, [chunk[i] for i in rest], separator, check)):
        out[i] = text
    return out

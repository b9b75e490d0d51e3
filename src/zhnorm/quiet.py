"""Which texts a compiled chain cannot change, told from their characters alone.

Converting a Markdown block means scanning its inline markup first, only to
find its prose. For a target the page is already written in (zh-Hans on a
Simplified page), most blocks come out as they went in, and the scan was
wasted. This table lets the Markdown layer see that beforehand: a text can
change only if it holds

* an *active* character: one the character table, the normalisation or a
  one-character key changes, or a one-character trigger; or
* both characters of a *pair*: two characters of a longer key that changes
  (or of a trigger) which holds no active character. Any occurrence of the
  key holds both, so their presence is a necessary condition. The first,
  the *anchor*, is a character the key changes where there is one (沈 of
  沈重 → 沉重), else its rarest; the second is the rarest of the others.
  Only a text holding an anchor needs the second looked for, so anchors
  should be rare: "rare" is counted over OpenCC's STPhrases, a stand-in for
  how common a character is in text.

The test only looks at characters beyond ASCII (the scanner skips ASCII 16
characters at a time), so a chain with an active ASCII character, or with a
changing key made of ASCII alone, gets no table. Characters beyond the BMP
count as active.

The table is bytes, built once with the compiled chain (it is cached with
it), in the layout ``_mdscan.Quiet`` reads:

* a header of four uint32: ``MAGIC``, the number of pair characters, the
  number of partner entries, 0;
* 65,536 uint16, one per BMP code point: 0 (inert), ``ACTIVE``, or the
  character's pair id;
* the pair ids' partner offsets, uint32 (one more than ids);
* the partners, uint16 ids, listed under their anchors.
"""

from __future__ import annotations

from array import array
from collections import Counter
from functools import lru_cache
from typing import Iterable, Mapping

from .dictionary import load_text_dict

MAGIC = 0x3154515A  # "ZQT1"
ACTIVE = 0xFFFF
BMP = 0x10000


def quiet_table(
    keys: Iterable[str],
    values: Iterable[str],
    chars: Mapping[str, str],
    triggers: Iterable[str],
    normalization: Mapping[str, str],
) -> bytes | None:
    """The table of a compiled chain's parts, or None if it cannot have one."""
    active = {k for k, v in chars.items() if k != v} | {k for k, v in normalization.items() if k != v}
    longer: list[tuple[str, str]] = []  # (key or trigger, its output; "" for a trigger)
    for key, value in [*zip(keys, values), *((trigger, "") for trigger in triggers)]:
        if key == value:
            continue
        if len(key) == 1:
            active.add(key)
        else:
            longer.append((key, value))
    commonness = _commonness()
    pairs: set[tuple[str, str]] = set()
    for key, value in longer:
        distinct = sorted({ch for ch in key if not ch.isascii()}, key=lambda ch: (commonness[ch], ch))
        if not distinct:
            return None  # a changing key of ASCII alone: the test never sees it
        if active.intersection(distinct) or any(ord(ch) >= BMP for ch in distinct):
            continue  # its occurrence holds an active character anyway
        if len(distinct) == 1:
            active.add(distinct[0])
            continue
        changed = {a for a, b in zip(key, value) if a != b} if len(value) == len(key) else ()
        anchor = next((ch for ch in distinct if ch in changed), distinct[0])
        pairs.add((anchor, next(ch for ch in distinct if ch != anchor)))
    if any(ch.isascii() for ch in active):
        return None
    return _pack(active, pairs)


@lru_cache(maxsize=1)
def _commonness() -> Counter:
    """In how many of STPhrases' entries (either side) each character is."""
    return Counter(ch for entry in load_text_dict("STPhrases.txt").items() for side in entry for ch in set(side))


def _pack(active: set[str], pairs: set[tuple[str, str]]) -> bytes:
    partners: dict[str, set[str]] = {}
    for anchor, other in pairs:
        if anchor in active or other in active:
            continue  # made redundant by a character found active later
        partners.setdefault(anchor, set()).add(other)
        partners.setdefault(other, set())
    members = sorted(partners)
    if len(members) >= ACTIVE:  # more than uint16 ids can number: all active
        active |= set(members)
        members, partners = [], {}
    ids = {ch: i for i, ch in enumerate(members)}
    table = array("H", bytes(2 * BMP))
    for ch in active:
        if ord(ch) < BMP:
            table[ord(ch)] = ACTIVE
    offsets, listed = array("I", [0]), array("H")
    for ch in members:
        table[ord(ch)] = ids[ch] + 1  # 0 is inert, so ids count from 1
        listed.extend(sorted(ids[p] + 1 for p in partners[ch]))
        offsets.append(len(listed))
    header = array("I", [MAGIC, len(members), len(listed), 0])
    return b"".join(part.tobytes() for part in (header, table, offsets, listed))


class QuietTable:
    """The table read back in Python: the reference for the C test."""

    def __init__(self, data: bytes):
        header = array("I", data[:16])
        if header[0] != MAGIC:
            raise ValueError("not a quiet table")
        members, listed = header[1], header[2]
        at = 16
        self.table = array("H", data[at : at + 2 * BMP])
        at += 2 * BMP
        self.offsets = array("I", data[at : at + 4 * (members + 1)])
        at += 4 * (members + 1)
        self.partners = array("H", data[at : at + 2 * listed])
        if at + 2 * listed != len(data) or self.offsets[-1] != listed:
            raise ValueError("a quiet table of the wrong length")

    def may_change(self, text: str) -> bool:
        """Whether the chain might change `text` (False: it certainly won't)."""
        present = set()
        for ch in text:
            code = ord(ch)
            if code < 0x80:
                continue
            if code >= BMP or self.table[code] == ACTIVE:
                return True
            if self.table[code]:
                present.add(self.table[code])
        return any(
            self.partners[k] in present
            for pid in present
            for k in range(self.offsets[pid - 1], self.offsets[pid])
        )

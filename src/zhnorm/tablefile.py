"""The on-disk form of a CompiledChain: plain data that cannot run code.

Pickle would run whatever a cache file says; this layout holds strings,
flags and bytes only, and decoding never builds anything else::

    MAGIC (8 bytes) | SHA-256 of the rest (32) | header length (4, little endian)
    | header (JSON) | strings (UTF-8, one separator between them)
    | patch flags (one byte per key, 0 or 1) | quiet table bytes

The header names the format version and the cache key the file was written
for, the separator code point (one no string contains, chosen when writing),
how many strings each list holds, and the byte lengths of the sections.
Every string list is one ``str.split`` of one decoded section, so loading
costs little more than reading the file. Any defect (wrong magic, checksum,
version, key, counts, lengths, types) raises TableFileError; the checksum
covers every byte after it, so no damage can pass as another valid table.
"""

from __future__ import annotations

import hashlib
import json
import struct

from .compiler import CompiledChain, CompiledStage

__all__ = ["FORMAT", "SUFFIX", "TableFileError", "decode", "encode"]

# Bump when CompiledChain's fields or meaning, or this layout, change.
FORMAT = 10
SUFFIX = ".tables"
MAGIC = b"\x89ZHNTAB\n"
_DIGEST = 32
_PREFIX = len(MAGIC) + _DIGEST
_ENC = "utf-8"
_ERRORS = "surrogatepass"  # user rules may hold lone surrogates; keep them exact


class TableFileError(ValueError):
    """A table file that is not exactly what encode() wrote for this key."""


def _lists(chain: CompiledChain) -> list[list[str]]:
    lists = [
        list(chain.normalization), list(chain.normalization.values()),
        list(chain.keys), list(chain.values),
        list(chain.chars), list(chain.chars.values()),
        list(chain.triggers),
    ]
    for stage in chain.stages:
        lists += [list(stage.keys), list(stage.values), list(stage.chars), list(stage.chars.values())]
    return lists


def _separator(strings: list[str]) -> str:
    used = set("".join(strings))
    for code in [*range(0x01, 0x20), *range(0xE000, 0xF900), *range(0xF0000, 0xFFFFE)]:
        if chr(code) not in used:
            return chr(code)
    raise ValueError("no code point free to separate the strings")  # pragma: no cover


def encode(chain: CompiledChain, key: str) -> bytes:
    """The file's bytes for `chain`, cached under `key`."""
    lists = _lists(chain)
    flat = [s for strings in lists for s in strings]
    sep = _separator(flat)
    text = sep.join(flat).encode(_ENC, _ERRORS)
    patch = bytes(map(bool, chain.patch))
    quiet = chain.quiet
    header = {
        "format": FORMAT,
        "key": key,
        "name": chain.name,
        "ascii_inert": bool(chain.ascii_inert),
        "separator": ord(sep),
        "counts": [len(strings) for strings in lists],
        "stages": len(chain.stages),
        "text_bytes": len(text),
        "patch_bytes": len(patch),
        "quiet_bytes": None if quiet is None else len(quiet),
    }
    head = json.dumps(header, ensure_ascii=True, separators=(",", ":")).encode("ascii")
    rest = b"".join([struct.pack("<I", len(head)), head, text, patch, quiet or b""])
    return MAGIC + hashlib.sha256(rest).digest() + rest


def _int(header: dict, name: str) -> int:
    value = header.get(name)
    if type(value) is not int or value < 0:
        raise TableFileError(f"header field {name!r} is not a count")
    return value


def decode(data: bytes, key: str) -> CompiledChain:
    """The chain in `data`, which must have been written for `key`; else TableFileError."""
    view = memoryview(data)
    if len(data) < _PREFIX + 4 or data[: len(MAGIC)] != MAGIC:
        raise TableFileError("not a zhnorm table file")
    if hashlib.sha256(view[_PREFIX:]).digest() != data[len(MAGIC):_PREFIX]:
        raise TableFileError("checksum mismatch")
    (head_len,) = struct.unpack_from("<I", data, _PREFIX)
    pos = _PREFIX + 4
    if head_len > len(data) - pos:
        raise TableFileError("header runs past the end")
    try:
        header = json.loads(bytes(view[pos : pos + head_len]).decode("ascii"))
    except (UnicodeDecodeError, ValueError) as e:
        raise TableFileError(f"header is not JSON ({e})") from None
    if not isinstance(header, dict):
        raise TableFileError("header is not an object")
    if header.get("format") != FORMAT:
        raise TableFileError(f"format {header.get('format')!r}, expected {FORMAT}")
    if header.get("key") != key:
        raise TableFileError(f"written for {header.get('key')!r}")
    name, ascii_inert = header.get("name"), header.get("ascii_inert")
    if not isinstance(name, str) or type(ascii_inert) is not bool:
        raise TableFileError("header fields 'name' or 'ascii_inert' have the wrong type")
    stages = _int(header, "stages")
    counts = header.get("counts")
    if not isinstance(counts, list) or len(counts) != 7 + 4 * stages:
        raise TableFileError("header field 'counts' does not match the stages")
    for count in counts:
        if type(count) is not int or count < 0:
            raise TableFileError("header field 'counts' holds a non-count")
    separator = _int(header, "separator")
    if not 0 < separator < 0x110000:
        raise TableFileError("separator is not a code point")
    text_bytes, patch_bytes = _int(header, "text_bytes"), _int(header, "patch_bytes")
    quiet_bytes = None if header.get("quiet_bytes") is None else _int(header, "quiet_bytes")
    pos += head_len
    end = pos + text_bytes + patch_bytes + (quiet_bytes or 0)
    if end != len(data):
        raise TableFileError(f"sections end at byte {end}, the file at {len(data)}")

    try:
        text = bytes(view[pos : pos + text_bytes]).decode(_ENC, _ERRORS)
    except UnicodeDecodeError as e:
        raise TableFileError(f"strings are not UTF-8 ({e.reason})") from None
    pos += text_bytes
    total = sum(counts)
    flat = text.split(chr(separator)) if total else []
    if len(flat) != total or (not total and text):
        raise TableFileError(f"{len(flat)} strings, header says {total}")
    lists, start = [], 0
    for count in counts:
        lists.append(flat[start : start + count])
        start += count

    patch = data[pos : pos + patch_bytes]
    pos += patch_bytes
    if patch.translate(None, b"\x00\x01"):
        raise TableFileError("patch flags other than 0 and 1")
    quiet = None if quiet_bytes is None else data[pos : pos + quiet_bytes]

    norm_k, norm_v, keys, values, chars_k, chars_v, triggers = lists[:7]
    if len(norm_k) != len(norm_v) or len(keys) != len(values) or len(chars_k) != len(chars_v):
        raise TableFileError("a table's keys and values differ in number")
    if len(patch) != len(keys):
        raise TableFileError("patch flags and keys differ in number")
    compiled_stages = []
    for i in range(stages):
        s_keys, s_values, s_ck, s_cv = lists[7 + 4 * i : 11 + 4 * i]
        if len(s_keys) != len(s_values) or len(s_ck) != len(s_cv):
            raise TableFileError(f"stage {i}: keys and values differ in number")
        compiled_stages.append(CompiledStage(tuple(s_keys), tuple(s_values), dict(zip(s_ck, s_cv))))
    return CompiledChain(
        name=name,
        normalization=dict(zip(norm_k, norm_v)),
        keys=tuple(keys),
        values=tuple(values),
        patch=tuple(map(bool, patch)),
        chars=dict(zip(chars_k, chars_v)),
        triggers=tuple(triggers),
        stages=tuple(compiled_stages),
        ascii_inert=ascii_inert,
        quiet=quiet,
    )

"""`zhnorm detect`: script and regional standard of each file."""

from __future__ import annotations

import json

from . import backend
from . import io as zio
from .args import EXIT_FAILED, EXIT_OK
from .report import write_stdout
from .task import _read
from .walk import STDIN, Skip, walk

__all__ = ["run", "describe"]


def describe(result) -> dict:
    """A plain dict from whatever zhnorm.detect returns (mapping or object)."""
    to_dict = getattr(result, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    if isinstance(result, dict):
        data = dict(result)
    elif hasattr(result, "_asdict"):
        data = dict(result._asdict())
    elif hasattr(result, "__dataclass_fields__"):
        data = {k: getattr(result, k) for k in result.__dataclass_fields__}
    else:
        data = {k: v for k, v in vars(result).items() if not k.startswith("_")}
    return {k: (v if isinstance(v, (str, int, float, bool, type(None), list, dict)) else str(v))
            for k, v in data.items()}


def run(args, console) -> int:
    if not backend.detect_available():
        raise backend.FeatureUnavailable("zhnorm detect", "zhnorm.detect")
    failed = []
    rows = []
    for entry in walk(args.paths, args.glob, args.hidden, args.follow_symlinks):
        if isinstance(entry, Skip):
            (console.error if entry.error else console.warn)(entry.path, entry.reason)
            if entry.error:
                failed.append(entry.path)
            continue
        name = entry.path if entry.path != STDIN else "<stdin>"
        try:
            data = _read(entry)
            zio.sniff_binary(data)
            text = zio.decode(data, args.encoding, args.errors).text
        except zio.BinaryFile as e:
            console.warn(name, str(e))
            continue
        except (OSError, zio.DecodeFailure) as e:
            console.error(name, e.strerror if isinstance(e, OSError) and e.strerror else str(e))
            failed.append(name)
            continue
        mode = backend.detect_markup(text, entry.path if entry.path != STDIN else "", args.markup)
        row = {"file": name, **describe(backend.detect(text, mode))}
        if args.json:
            write_stdout(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            rows.append(_summary(row))
    if not args.json and rows:
        _table(rows)
    return EXIT_FAILED if failed else EXIT_OK


def _summary(row: dict) -> dict:
    """The table columns: file, script (with its share), standard, top evidence."""
    out = {"file": row["file"]}
    script = row.get("script", "")
    share = (row.get("script_shares") or {}).get(script)
    out["script"] = f"{script} ({share:.0%})" if isinstance(share, (int, float)) else str(script)
    out["standard"] = str(row.get("standard", ""))
    evidence = row.get("evidence") or []
    out["evidence"] = ", ".join(f"{e[0]}×{e[2]}" for e in evidence[:3] if len(e) >= 3)
    for k, v in row.items():
        if k not in ("file", "script", "script_shares", "standard", "standard_scores", "evidence", "counts"):
            out[k] = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
    return out


def _table(rows: list[dict]) -> None:
    keys = list(rows[0])
    for r in rows[1:]:
        for k in r:
            if k not in keys:
                keys.append(k)
    cells = [[str(r.get(k, "")) for k in keys] for r in rows]
    widths = [max(len(k), *(len(c[i]) for c in cells)) for i, k in enumerate(keys)]
    lines = ["  ".join(k.upper().ljust(w) for k, w in zip(keys, widths)).rstrip() + "\n"]
    for c in cells:
        lines.append("  ".join(v.ljust(w) for v, w in zip(c, widths)).rstrip() + "\n")
    write_stdout("".join(lines))

"""`zhnorm targets`: the conversion targets and groups the library offers."""

from __future__ import annotations

import json

from . import backend
from .args import EXIT_OK
from .report import write_stdout

__all__ = ["run"]


def run(args, console) -> int:
    targets = backend.list_targets()
    groups = backend.list_groups()
    if args.json:
        data = {"targets": targets,
                "groups": None if groups is None else [{"name": n, "title": t} for n, t in groups]}
        write_stdout(json.dumps(data, ensure_ascii=False) + "\n")
        return EXIT_OK
    lines = ["targets:\n"] + [f"  {t}\n" for t in targets]
    if groups is None:
        console.warn(None, "conversion groups need zhnorm.cgroups, not available in this version")
    else:
        width = max((len(n) for n, _ in groups), default=0)
        lines.append("groups:\n")
        lines += [f"  {name.ljust(width)}  {title}\n" if title != name else f"  {name}\n"
                  for name, title in groups]
    write_stdout("".join(lines))
    return EXIT_OK

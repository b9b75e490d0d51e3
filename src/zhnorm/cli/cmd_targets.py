"""`zhnorm targets`: the conversion targets and groups the library offers."""

from __future__ import annotations

import json
import sys

from . import backend
from .args import EXIT_OK

__all__ = ["run"]


def run(args, console) -> int:
    targets = backend.list_targets()
    groups = backend.list_groups()
    if args.json:
        json.dump({"targets": targets,
                   "groups": None if groups is None else [{"name": n, "title": t} for n, t in groups]},
                  sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        return EXIT_OK
    out = sys.stdout
    out.write("targets:\n")
    for t in targets:
        out.write(f"  {t}\n")
    if groups is None:
        console.warn(None, "conversion groups need zhnorm.cgroups, not available in this version")
    else:
        out.write("groups:\n")
        width = max((len(n) for n, _ in groups), default=0)
        for name, title in groups:
            out.write(f"  {name.ljust(width)}  {title}\n" if title != name else f"  {name}\n")
    return EXIT_OK

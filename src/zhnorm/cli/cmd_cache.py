"""`zhnorm cache --info | --clear`: what the compiled-table cache holds, and emptying it.

The cache (zhnorm.cache) bounds itself, least recently used tables first;
this is for seeing where it is and how big, and for freeing the space.
"""

from __future__ import annotations

import argparse
import json
import time

from .report import write_stdout

__all__ = ["add_parser", "run"]

EXIT_OK = 0
EXIT_FAILED = 3


def add_parser(sub) -> argparse.ArgumentParser:
    """The `cache` subcommand, on the main parser's subparsers."""
    p = sub.add_parser(
        "cache", help="show or clear the compiled-table cache",
        description="Show where zhnorm keeps its compiled tables and how much space they take "
                    "(--info, the default), or remove them (--clear). The cache is bounded by "
                    "$ZHNORM_CACHE_MAX_MB (default 200) and lives in $ZHNORM_CACHE_DIR, else "
                    "$XDG_CACHE_HOME/zhnorm, else ~/.cache/zhnorm.",
        allow_abbrev=False,
    )
    what = p.add_mutually_exclusive_group()
    what.add_argument("--info", action="store_true", help="list the cache's files and size (default)")
    what.add_argument("--clear", action="store_true",
                      help="remove every file zhnorm wrote in the cache directory")
    p.add_argument("--json", action="store_true", help="print --info as a JSON object")
    return p


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def run(args, console) -> int:
    from .. import cache

    if args.clear:
        removed, freed, failed = cache.clear_cache()
        write_stdout(f"removed {removed} file(s), {_mb(freed)}, from {cache.cache_dir()}\n")
        for path in failed:
            console.error(str(path), "could not be removed")
        return EXIT_FAILED if failed else EXIT_OK
    info = cache.cache_info()
    if args.json:
        data = {
            "directory": str(info.directory),
            "limit_bytes": info.limit,
            "total_bytes": info.total,
            "files": [{"name": f.path.name, "bytes": f.size, "last_used": f.last_used,
                       "current": f.current} for f in info.files],
        }
        write_stdout(json.dumps(data, ensure_ascii=False) + "\n")
        return EXIT_OK
    lines = [
        f"directory: {info.directory}\n",
        f"limit:     {_mb(info.limit)} ($ZHNORM_CACHE_MAX_MB)\n",
        f"size:      {_mb(info.total)} in {len(info.files)} file(s)\n",
    ]
    if info.files:
        lines.append("files (least recently used first):\n")
    for f in info.files:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(f.last_used))
        note = "" if f.current else "  (not used by this version)"
        lines.append(f"  {when}  {_mb(f.size):>9}  {f.path.name}{note}\n")
    write_stdout("".join(lines))
    return EXIT_OK

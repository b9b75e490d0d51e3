"""Command-line grammar (argparse) and exit codes."""

from __future__ import annotations

import argparse

from .. import __version__
from .backend import MARKUP_MODES
from .io import ENCODINGS, OUTPUT_ENCODINGS

__all__ = ["build_parser", "EXIT_OK", "EXIT_CHANGED", "EXIT_USAGE", "EXIT_FAILED", "EXIT_INTERRUPTED"]

EXIT_OK = 0
"""Everything was done (and, with --check/--diff, nothing would change)."""
EXIT_CHANGED = 1
"""--check or --diff: at least one file would change."""
EXIT_USAGE = 2
"""Bad command line, unknown target, missing feature: nothing was done."""
EXIT_FAILED = 3
"""At least one file could not be converted; all the others were."""
EXIT_INTERRUPTED = 130
"""Ctrl-C (128 + SIGINT), as shells report it."""
EXIT_TERMINATED = 143
"""SIGTERM (128 + 15), handled like Ctrl-C."""
EXIT_BROKEN_PIPE = 141
"""The reader of standard output went away (128 + SIGPIPE)."""

_EPILOG = """\
exit status:
    0  success; with --check or --diff: nothing would change
    1  --check or --diff: some file would change
    2  usage error (bad option, unknown target, feature not available);
       nothing was converted
    3  some files failed (listed on stderr); all the others were converted
  130  interrupted (Ctrl-C); no file was left half-written
  141  standard output closed by its reader
  143  terminated (SIGTERM); no file was left half-written
"""

_CONVERT_EPILOG = """\
examples:
  zhnorm convert --to zh-TW article.md > article.tw.md
  zhnorm convert --to s2t -o out/ docs/          # mirror docs/ into out/
  zhnorm convert --to zh-Hans --in-place --glob '*.md' docs/
  zhnorm convert --to zh-TW --check docs/         # exit 1 if any file would change
  zhnorm convert --to zh-TW --diff article.md | less
  cat article.md | zhnorm convert --to s2twp -

""" + _EPILOG


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30)


class _Version(argparse.Action):
    """--version: the version, which engine converts, and where the cache is
    (a missing C extension is otherwise invisible: same output, slower)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from ..info import engine_info

        import sys

        sys.stdout.write(f"zhnorm {__version__} ({engine_info().summary()})\n")
        sys.stdout.flush()
        parser.exit()


def _jobs(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError("must be 0 (one per CPU) or more")
    return n


def _add_walk_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("finding files")
    g.add_argument("--glob", action="append", default=[], metavar="PATTERN",
                   help="in directories, only files whose name matches PATTERN "
                        "(a pattern with / matches the relative path); repeatable")
    g.add_argument("--hidden", action="store_true",
                   help="also enter hidden files and directories (names starting with .)")
    g.add_argument("-L", "--follow-symlinks", action="store_true",
                   help="follow symbolic links found in directories (named paths are always followed)")


def _add_input_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("input")
    g.add_argument("--encoding", choices=ENCODINGS, default="auto",
                   help="input encoding (default: auto: a BOM, else UTF-8, else GB18030 or Big5)")
    g.add_argument("--errors", choices=("strict", "surrogateescape"), default="strict",
                   help="undecodable bytes: strict = the file fails (default); "
                        "surrogateescape = pass them through unchanged")


def _add_verbosity(p: argparse.ArgumentParser) -> None:
    p.add_argument("-q", "--quiet", action="store_true", help="only print errors")
    p.add_argument("-v", "--verbose", action="count", default=0,
                   help="say what is done to each file")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zhnorm",
        description="Convert Chinese text between scripts and regional standards "
                    "(OpenCC-exact) without breaking markup.",
        epilog=_EPILOG,
        formatter_class=_Formatter,
        allow_abbrev=False,
    )
    parser.add_argument("--version", action=_Version,
                        help="show the version, the engine (C or pure Python) and the cache directory")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    conv = sub.add_parser(
        "convert", help="convert files, directories or standard input",
        description="Convert Chinese text in files, directory trees or standard input. "
                    "A single file is written to standard output unless -o or --in-place "
                    "is given; directories need -o DIR, --in-place, --check or --diff.",
        epilog=_CONVERT_EPILOG, formatter_class=_Formatter, allow_abbrev=False,
    )
    conv.add_argument("paths", nargs="+", metavar="PATH",
                      help="file, directory (recursed) or - for standard input")
    g = conv.add_argument_group("conversion")
    g.add_argument("-t", "--to", required=True, metavar="TARGET", dest="target",
                   help="OpenCC config (s2t, s2twp, ...) or language tag (zh-TW, zh-Hans, ...); "
                        "see 'zhnorm targets'")
    g.add_argument("--markup", choices=MARKUP_MODES, default="auto",
                   help="how to find the prose: auto (per file, by extension and content; "
                        "default; a file it cannot be sure of is refused), markdown, wikitext, html or plain")
    g.add_argument("--group", action="append", default=[], metavar="G", dest="groups",
                   help="add conversion group G (see 'zhnorm targets'); repeatable")
    g.add_argument("--rules", action="append", default=[], metavar="FILE",
                   help="add the conversion rules in FILE; repeatable")

    o = conv.add_argument_group("output")
    where = o.add_mutually_exclusive_group()
    where.add_argument("-o", "--output", metavar="OUT",
                       help="output file, or (for several inputs or a directory) a directory "
                            "that mirrors the input tree; never inside an input directory")
    where.add_argument("-i", "--in-place", action="store_true",
                       help="replace each input file (atomically, keeping its mode)")
    o.add_argument("--check", action="store_true",
                   help="write nothing; list the files that would change and exit 1 if any")
    o.add_argument("--diff", action="store_true",
                   help="write nothing; print a unified diff of the changes")
    o.add_argument("--report", metavar="FILE",
                   help="write every change as JSON Lines (file, line, column, before, after, why)")
    o.add_argument("--output-encoding", choices=OUTPUT_ENCODINGS, default=None,
                   help="encoding of the output; 'input': each file's own (default with "
                        "--in-place, --check and --diff), else utf-8 (default with -o and "
                        "standard output)")
    sync = o.add_mutually_exclusive_group()
    sync.add_argument("--fsync", dest="fsync", action="store_true", default=None,
                      help="fsync each file before renaming it into place (default with "
                           "--in-place, where the file replaced is the only copy)")
    sync.add_argument("--no-fsync", dest="fsync", action="store_false",
                      help="do not fsync (default with -o: the inputs are still there); "
                           "writes stay atomic for readers either way")
    _add_input_options(conv)
    _add_walk_options(conv)
    r = conv.add_argument_group("running")
    r.add_argument("-j", "--jobs", type=_jobs, default=0, metavar="N",
                   help="worker processes (default 0: one per CPU)")
    _add_verbosity(r)

    det = sub.add_parser(
        "detect", help="tell the script and regional standard of each file",
        description="Print the script (Simplified/Traditional) and regional standard of each file.",
        epilog=_EPILOG, formatter_class=_Formatter, allow_abbrev=False,
    )
    det.add_argument("paths", nargs="+", metavar="PATH", help="file, directory or - for standard input")
    det.add_argument("--json", action="store_true", help="one JSON object per file (JSON Lines)")
    det.add_argument("--markup", choices=MARKUP_MODES, default="auto",
                     help="count only the prose of Markdown/wikitext (default auto: per file)")
    _add_input_options(det)
    _add_walk_options(det)
    _add_verbosity(det)

    tg = sub.add_parser("targets", help="list the conversion targets and groups",
                        description="List the conversion targets and the conversion groups.",
                        formatter_class=_Formatter, allow_abbrev=False)
    tg.add_argument("--json", action="store_true", help="print a JSON object")
    from .cmd_cache import add_parser as add_cache_parser
    add_cache_parser(sub)
    return parser

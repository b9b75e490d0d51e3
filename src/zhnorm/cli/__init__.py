"""The `zhnorm` command line: ``main(argv=None) -> int``.

Subcommands: ``convert``, ``detect``, ``targets``.  See ``zhnorm --help``
and docs/cli.md.  Errors go to stderr as ``zhnorm: path: message``; the
exit status is 0 (ok), 1 (--check/--diff: changes), 2 (usage), 3 (some files
failed), 130 (interrupted).
"""

from __future__ import annotations

import sys

from . import backend
from .args import (EXIT_BROKEN_PIPE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, build_parser)
from .cmd_convert import UsageError
from .report import Console

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status instead of exiting."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version, or a usage error already printed
        return e.code if isinstance(e.code, int) else (EXIT_OK if e.code is None else EXIT_USAGE)
    console = Console(sys.stderr, quiet=getattr(args, "quiet", False),
                      verbose=getattr(args, "verbose", 0))
    try:
        if args.command == "convert":
            from . import cmd_convert as cmd
        elif args.command == "detect":
            from . import cmd_detect as cmd
        elif args.command == "cache":
            from . import cmd_cache as cmd
        else:
            from . import cmd_targets as cmd
        return cmd.run(args, console)
    except (UsageError, backend.FeatureUnavailable) as e:
        console.error(None, str(e))
        return EXIT_USAGE
    except KeyboardInterrupt:
        console.error(None, "interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE


def _silence_stdout() -> None:
    # Python would complain again when flushing stdout at exit.
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass

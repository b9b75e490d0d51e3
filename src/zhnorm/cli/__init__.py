"""The `zhnorm` command line: ``main(argv=None) -> int``.

Subcommands: ``convert``, ``detect``, ``targets``.  See ``zhnorm --help``
and docs/cli.md.  Errors go to stderr as ``zhnorm: path: message``; the
exit status is 0 (ok), 1 (--check/--diff: changes), 2 (usage), 3 (some files
failed, or standard output / the report could not be written), 130
(interrupted), 141 (standard output closed), 143 (SIGTERM).
"""

from __future__ import annotations

import signal
import sys
import threading

from . import backend
from .args import (EXIT_BROKEN_PIPE, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_TERMINATED,
                   EXIT_USAGE, build_parser)
from .cmd_convert import Interrupted, UsageError
from .report import Console, StreamError

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
    terminated = _TermSignal()
    try:
        terminated.install()
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
    except KeyboardInterrupt as e:
        terminated.uninstall()
        if console.progress is not None:
            console.progress.finish()
            console.progress = None
        what = "terminated" if terminated.received else "interrupted"
        if isinstance(e, Interrupted):
            what += f" after {e.done} of {e.total} files"
            if e.parallel:
                what += " (workers may have finished a few more)"
        console.error(None, f"{what}; no file was left half-written")
        return EXIT_TERMINATED if terminated.received else EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except StreamError as e:
        console.error(None, str(e))
        if e.where == "standard output":
            _silence_stdout()  # its unwritten buffer would fail again at exit
        return EXIT_FAILED
    finally:
        terminated.uninstall()


class _TermSignal:
    """SIGTERM handled like Ctrl-C: it raises KeyboardInterrupt in the main
    thread, so temporary files are removed and workers stopped on the way
    out (the default action would kill the process where it stands and
    leave a .NAME.PID-N.zhnorm-tmp file behind)."""

    def __init__(self) -> None:
        self.received = False
        self._previous = None
        self._installed = False

    def _handler(self, signum, frame):
        self.received = True
        raise KeyboardInterrupt

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signal handlers can only be set from the main thread
        self._previous = signal.signal(signal.SIGTERM, self._handler)
        self._installed = True

    def uninstall(self) -> None:
        if self._installed:
            signal.signal(signal.SIGTERM, self._previous)
            self._installed = False


def _silence_stdout() -> None:
    # Python would complain again when flushing stdout at exit.
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass

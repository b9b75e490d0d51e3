"""What the user sees: messages on stderr, the summary, the --report file."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import TextIO

from . import io as zio
from .progress import Progress

__all__ = ["Console", "Tally", "ReportWriter", "write_stdout", "StreamError"]

PROG = "zhnorm"


class StreamError(Exception):
    """Standard output or the --report file cannot be written (a full disk,
    an I/O error): the run stops with a message naming it, not a traceback."""

    def __init__(self, where: str, error: OSError) -> None:
        self.where = where
        self.error = error
        super().__init__(f"{where}: {error.strerror or error}")


def write_stdout(data: bytes | str) -> None:
    """Write everything to standard output.

    With PYTHONUNBUFFERED (python -u), sys.stdout.buffer is a raw file whose
    write() may write only part of the data to a pipe (64 KiB) and say so in
    its return value; a plain .write() would silently drop the rest.
    """
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    try:
        sys.stdout.flush()
        out = sys.stdout.buffer
        view = memoryview(data)
        while view:
            n = out.write(view)
            view = view[len(view) if n is None else n:]
        out.flush()
    except BrokenPipeError:
        raise  # the reader went away: quiet, exit 141 (see cli.main)
    except OSError as e:
        raise StreamError("standard output", e) from None


class Console:
    """stderr with verbosity and a progress bar that messages do not garble."""

    def __init__(self, stream: TextIO | None = None, quiet: bool = False, verbose: int = 0) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.quiet = quiet
        self.verbose = 0 if quiet else verbose
        self.progress: Progress | None = None

    def _print(self, text: str) -> None:
        if self.progress is not None:
            self.progress.message(text)
        else:
            self.stream.write(text + "\n")
            self.stream.flush()

    def error(self, path: str | None, message: str) -> None:
        """Always shown: 'zhnorm: path: message'."""
        self._print(f"{PROG}: {path}: {message}" if path else f"{PROG}: {message}")

    def warn(self, path: str | None, message: str) -> None:
        if not self.quiet:
            self.error(path, message)

    def info(self, message: str, level: int = 1) -> None:
        if self.verbose >= level:
            self._print(message)

    def note(self, message: str) -> None:
        """Shown unless -q."""
        if not self.quiet:
            self._print(message)


@dataclass
class Tally:
    changed: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: list = field(default_factory=list)
    nbytes: int = 0

    @property
    def files(self) -> int:
        return self.changed + self.unchanged + self.skipped + len(self.failed)

    def summary(self, dry: bool, seconds: float) -> str:
        verb = "would change" if dry else "changed"
        parts = [f"{self.changed} {verb}", f"{self.unchanged} unchanged"]
        if self.skipped:
            parts.append(f"{self.skipped} skipped")
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        rate = self.nbytes / 1e6 / seconds if seconds > 0 else 0.0
        n = self.files
        return (f"{PROG}: {n} file{'s' if n != 1 else ''}: {', '.join(parts)} "
                f"({self.nbytes / 1e6:.1f} MB in {seconds:.1f} s, {rate:.1f} MB/s)")


def _json_line(row: dict) -> bytes:
    """One JSON line, UTF-8.  A file name that is not valid UTF-8 reaches
    Python as surrogate escapes; they are written back as the original
    bytes, as the rest of the CLI writes names (--check's list, messages)."""
    return (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8", "surrogateescape")


def _encode_row(row: dict) -> bytes:
    try:
        return _json_line(row)
    except UnicodeEncodeError:
        # A lone surrogate that is no escaped byte: JSON's own \uXXXX escape.
        return (json.dumps(row, ensure_ascii=True) + "\n").encode("ascii")


class ReportWriter:
    """JSON Lines of every change, written atomically when the run ends
    (or written through, for a device or a descriptor such as /dev/fd/3)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.stdout = path == "-"
        self._file = None
        if not self.stdout:
            try:
                self._file = zio.open_output(path, fsync=False)
            except OSError as e:
                raise StreamError(path, e) from None

    def write_rows(self, rows: list[dict]) -> None:
        data = b"".join(_encode_row(r) for r in rows)
        if self.stdout:
            write_stdout(data)
            return
        try:
            self._file.write(data)
        except OSError as e:
            raise StreamError(self.path, e) from None

    def close(self, ok: bool = True) -> None:
        if self._file is None:
            return
        f, self._file = self._file, None
        if ok:
            try:
                f.commit()
            except OSError as e:
                raise StreamError(self.path, e) from None
        else:
            f.abort()

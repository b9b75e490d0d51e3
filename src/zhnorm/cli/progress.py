"""A one-line progress bar on stderr: files, MB, rate, time left.

Shown only when stderr is a terminal (and not with -q); in a pipe or a log
nothing is drawn.  Messages printed while the bar is up go through
:meth:`Progress.message`, which clears the line first.
"""

from __future__ import annotations

import shutil
import time
from typing import Callable, TextIO

__all__ = ["Progress", "format_duration"]


def format_duration(seconds: float) -> str:
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class Progress:
    def __init__(self, stream: TextIO, total_files: int, total_bytes: int, enabled: bool,
                 clock: Callable[[], float] = time.monotonic, interval: float = 0.1) -> None:
        self.stream = stream
        self.total_files = total_files
        self.total_bytes = total_bytes
        self.enabled = enabled
        self.clock = clock
        self.interval = interval
        self.files = 0
        self.bytes = 0
        self.start = clock()
        self._last_draw = float("-inf")
        self._shown = False

    def advance(self, nbytes: int) -> None:
        self.files += 1
        self.bytes += nbytes
        if not self.enabled:
            return
        now = self.clock()
        if now - self._last_draw >= self.interval or self.files == self.total_files:
            self._last_draw = now
            self._draw(now)

    def line(self, now: float | None = None) -> str:
        now = self.clock() if now is None else now
        elapsed = max(now - self.start, 1e-9)
        mb = self.bytes / 1e6
        rate = mb / elapsed
        if self.bytes and self.total_bytes > self.bytes:
            eta = format_duration((self.total_bytes - self.bytes) / (self.bytes / elapsed))
        elif self.files and self.total_files > self.files:
            eta = format_duration((self.total_files - self.files) * elapsed / self.files)
        else:
            eta = "0:00"
        fraction = self.files / self.total_files if self.total_files else 1.0
        width = 20
        filled = int(fraction * width)
        bar = "#" * filled + "-" * (width - filled)
        return (f"[{bar}] {self.files}/{self.total_files} files  "
                f"{mb:.1f}/{self.total_bytes / 1e6:.1f} MB  {rate:.1f} MB/s  ETA {eta}")

    def _draw(self, now: float) -> None:
        cols = shutil.get_terminal_size((80, 24)).columns
        text = self.line(now)[: max(cols - 1, 10)]
        self.stream.write("\r\x1b[K" + text)
        self.stream.flush()
        self._shown = True

    def clear(self) -> None:
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False

    def message(self, text: str) -> None:
        """Print a line to the stream without garbling the bar."""
        self.clear()
        self.stream.write(text + "\n")
        self.stream.flush()
        if self.enabled and self.files:
            self._draw(self.clock())  # put the bar back under the message

    def finish(self) -> None:
        self.clear()

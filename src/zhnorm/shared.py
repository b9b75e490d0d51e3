"""Objects built once per process and shared by every caller and thread.

Fork safety: a process that forks while another of its threads holds one of
these locks (building a Converter takes a second or more) would hand the
child a lock that no thread of the child will ever release, and the child
would hang on its first conversion. Every lock made here, and every lock
passed to ``fork_safe``, is reset in the child by an ``os.register_at_fork``
handler. The child then rebuilds whatever the parent's thread was in the
middle of building: an object is published only once built, so a child
never sees half of one.
"""

from __future__ import annotations

import os
import threading
import weakref
from typing import Callable, Generic, Hashable, TypeVar

T = TypeVar("T")
L = TypeVar("L")

__all__ = ["BuiltOnce", "fork_safe"]

_LOCKS: "weakref.WeakSet" = weakref.WeakSet()


def fork_safe(lock: L) -> L:
    """`lock` (a threading.Lock or RLock), registered to be released in a fork child."""
    _LOCKS.add(lock)
    return lock


def _reset_locks_in_child() -> None:
    for lock in list(_LOCKS):
        lock._at_fork_reinit()  # what threading and logging do for their own locks


if hasattr(os, "register_at_fork"):  # POSIX; elsewhere there is no fork
    os.register_at_fork(after_in_child=_reset_locks_in_child)


class BuiltOnce(Generic[T]):
    """A per-key cache of expensive objects (engines, tracers, matchers).

    Reading takes no lock; building holds a re-entrant lock, since building
    one object may need another from the same cache (a name layer's script
    forms need the s2t engine).
    """

    def __init__(self, build: Callable[..., T]):
        self._build = build
        self._items: dict[Hashable, T] = {}
        self._lock = fork_safe(threading.RLock())

    def __call__(self, *key: Hashable) -> T:
        item = self._items.get(key)
        if item is None:
            with self._lock:
                item = self._items.get(key)
                if item is None:
                    item = self._items[key] = self._build(*key)
        return item

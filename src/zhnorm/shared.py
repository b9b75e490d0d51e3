"""Objects built once per process and shared by every caller and thread."""

from __future__ import annotations

import threading
from typing import Callable, Generic, Hashable, TypeVar

T = TypeVar("T")


class BuiltOnce(Generic[T]):
    """A per-key cache of expensive objects (engines, tracers, matchers).

    Reading takes no lock; building holds a re-entrant lock, since building
    one object may need another from the same cache (a name layer's script
    forms need the s2t engine).
    """

    def __init__(self, build: Callable[..., T]):
        self._build = build
        self._items: dict[Hashable, T] = {}
        self._lock = threading.RLock()

    def __call__(self, *key: Hashable) -> T:
        item = self._items.get(key)
        if item is None:
            with self._lock:
                item = self._items.get(key)
                if item is None:
                    item = self._items[key] = self._build(*key)
        return item

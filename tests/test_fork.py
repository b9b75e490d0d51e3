"""A process that forks while one of its threads builds a table leaves the
child able to convert (it used to inherit the held lock and hang forever).

Every wait is bounded, so a regression fails instead of hanging CI.
"""

import multiprocessing
import os
import threading

import pytest

import zhnorm
from zhnorm import converter, shared

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")

TIMEOUT = 60


def _run_forked(target, *args) -> int | None:
    """The exit code of `target(*args)` in a fork child; None if it hung."""
    ctx = multiprocessing.get_context("fork")
    child = ctx.Process(target=target, args=args)
    child.start()
    child.join(TIMEOUT)
    if child.is_alive():
        child.kill()
        child.join(5)
        return None
    return child.exitcode


def _hold_while_forking(built: shared.BuiltOnce, key, started: threading.Event, release: threading.Event):
    thread = threading.Thread(target=built, args=(key,), daemon=True)
    thread.start()
    assert started.wait(TIMEOUT)
    return thread


def test_builtonce_lock_held_by_another_thread_is_usable_in_the_child():
    started, release = threading.Event(), threading.Event()
    parent = os.getpid()

    def build(key):
        if key == "slow" and os.getpid() == parent:
            started.set()
            release.wait(TIMEOUT)
        return f"built {key}"

    built = shared.BuiltOnce(build)
    thread = _hold_while_forking(built, "slow", started, release)

    def child():
        os._exit(0 if built("other") == "built other" and built("slow") == "built slow" else 1)

    try:
        codes = [_run_forked(child) for _ in range(3)]
    finally:
        release.set()
        thread.join(TIMEOUT)
    assert codes == [0, 0, 0]
    assert built("slow") == "built slow"  # the parent's build finished as usual


def test_forking_while_a_converter_is_built(monkeypatch, tmp_path):
    """The real path: a thread compiles an engine (holding the engines'
    lock) while the main thread forks children that convert."""
    monkeypatch.setenv("ZHNORM_CACHE_DIR", str(tmp_path))
    zhnorm.Converter("s2t")  # the children convert with this one, already built
    started, release = threading.Event(), threading.Event()
    real = converter.load_compiled
    builder = []

    def slow_load(config, layer=None):
        if threading.current_thread() in builder:
            started.set()
            release.wait(TIMEOUT)
        return real(config, layer)

    monkeypatch.setattr(converter, "load_compiled", slow_load)
    converter._ENGINES._items.pop(("t2tw", None), None)
    thread = threading.Thread(target=converter.engine_for, args=("t2tw",), daemon=True)
    builder.append(thread)
    thread.start()
    assert started.wait(TIMEOUT)

    def child():
        ok = (zhnorm.convert("头发", "s2t") == "頭髮"
              and zhnorm.Converter("t2tw").convert("裏") == "裡")  # needs the held lock
        os._exit(0 if ok else 1)

    try:
        codes = [_run_forked(child) for _ in range(4)]
    finally:
        release.set()
        thread.join(TIMEOUT)
    assert codes == [0, 0, 0, 0]


def test_every_lock_made_fork_safe_is_released_in_the_child():
    lock = shared.fork_safe(threading.Lock())
    rlock = shared.fork_safe(threading.RLock())
    lock.acquire()
    rlock.acquire()
    try:
        def child():
            ok = lock.acquire(timeout=5) and rlock.acquire(timeout=5)
            os._exit(0 if ok else 1)

        assert _run_forked(child) == 0
    finally:
        lock.release()
        rlock.release()

"""A small process pool: results in input order, bounded memory, clean stop.

Why not multiprocessing.Pool.imap: its feeder thread reads the whole input
ahead (unbounded), a worker killed by the kernel (OOM) makes it wait
forever, and Pool.terminate() kills workers that may be half-way through a
write.  Here:

* each worker has its own pipe and at most two batches in flight (one
  working, one queued), and at most 8 x N batches are out or waiting to be
  handed on in order, so memory is bounded however long the input is;
* results are yielded strictly in input order;
* a worker that dies is noticed (its process sentinel), its batches are
  reported as failed with the reason, and a fresh worker takes its place;
* workers ignore SIGINT; on Ctrl-C the main process sends them SIGTERM,
  which each worker turns into an exception so that an atomic write in
  progress removes its temporary file, and then waits for them to exit.

The converter is built once, before the workers start: with the "fork"
start method they inherit it (dictionaries shared copy-on-write); with
"spawn" it is pickled once per worker.
"""

from __future__ import annotations

import itertools
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
import time
from collections import deque
from typing import Any, Callable, Iterable, Iterator

__all__ = ["WorkerTerminated", "ordered_map", "default_jobs"]


class WorkerTerminated(BaseException):
    """Raised inside a worker by SIGTERM: unwind (cleaning up) and exit."""


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _on_sigterm(signum, frame):
    raise WorkerTerminated()


_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """Make this worker get SIGTERM when the main process dies, however it
    dies (SIGKILL included): otherwise a worker blocked writing its results
    to a pipe nobody reads would live forever, and so would anyone waiting
    for the pipe it inherited (a caller reading our output).

    Linux: the kernel sends the signal (prctl PR_SET_PDEATHSIG).  Elsewhere
    a thread polls the parent's pid once a second.  Either way the SIGTERM
    handler unwinds the worker, removing its temporary file.
    """
    armed = False
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if not armed:
        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(1.0)
            os.kill(os.getpid(), signal.SIGTERM)

        threading.Thread(target=watch, name="zhnorm-parent-watch", daemon=True).start()
    if os.getppid() != parent:  # it died before the signal was armed
        raise WorkerTerminated()


def _worker_main(conn, func: Callable, state: Any, parent: int | None = None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        if parent is not None:
            _die_with_parent(parent)
        while True:
            msg = conn.recv()
            if msg is None:
                break
            batch_id, items = msg
            conn.send((batch_id, [func(state, item) for item in items]))
    except (WorkerTerminated, EOFError, BrokenPipeError):
        pass
    finally:
        conn.close()


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


class _Worker:
    def __init__(self, ctx, func, state):
        self.conn, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(target=_worker_main, args=(child, func, state, os.getpid()),
                                daemon=True)
        self.proc.start()
        child.close()
        self.inflight: deque = deque()

    def stop(self, timeout: float = 5.0) -> None:
        if self.proc.is_alive():
            self.proc.terminate()
        self.proc.join(timeout)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()


def ordered_map(
    func: Callable[[Any, Any], Any],
    state: Any,
    items: Iterable[Any],
    jobs: int,
    batch_size: int = 16,
    on_lost: Callable[[Any, str], Any] | None = None,
    key: Callable[[Any], Any] | None = None,
) -> Iterator[Any]:
    """Yield func(state, item) for each item, in order, computed by *jobs* processes.

    *func* must not raise (it should turn errors into results); if a worker
    dies anyway, each item of its unfinished batches becomes
    on_lost(item, reason).  With *key*, a batch never mixes items of
    different keys (the CLI uses the output directory: two processes
    creating files in one directory contend for its lock in the kernel).
    """
    ctx = _context()
    batches = ((i, list(b)) for i, b in enumerate(_batched(items, batch_size, key)))
    workers = [_Worker(ctx, func, state) for _ in range(jobs)]
    done: dict[int, list] = {}
    sent: dict[int, list] = {}
    retry: deque = deque()  # batches queued on a worker that died before starting them
    next_out = 0
    exhausted = False
    per_worker = 2  # batches queued on one worker: one working, one waiting
    window = 8 * jobs  # batches sent or done but not yet handed out, in all
    try:
        while True:
            # Hand out what is ready first: that frees room in the window.
            while next_out in done:
                yield from done.pop(next_out)
                next_out += 1
            # Keep every worker fed; a slow batch at the head may hold up the
            # output, but not the other workers, until the window is full.
            if not exhausted or retry:
                for w in workers:
                    while len(w.inflight) < per_worker and (
                            retry or len(sent) + len(done) < window):
                        nxt = retry.popleft() if retry else next(batches, None)
                        if nxt is None:
                            exhausted = True
                            break
                        w.conn.send(nxt)
                        w.inflight.append(nxt[0])
                        sent[nxt[0]] = nxt[1]
                    if exhausted:
                        break
            if exhausted and not sent and not done and not retry:
                return
            ready = multiprocessing.connection.wait(
                [w.conn for w in workers] + [w.proc.sentinel for w in workers]
            )
            for i, w in enumerate(workers):
                if w.conn in ready:
                    try:
                        while w.conn.poll():
                            batch_id, results = w.conn.recv()
                            w.inflight.remove(batch_id)
                            sent.pop(batch_id)
                            done[batch_id] = results
                    except (EOFError, OSError):
                        pass
                if w.proc.sentinel in ready and not w.proc.is_alive():
                    w.proc.join()
                    reason = _death_reason(w.proc.exitcode)
                    # A worker takes its batches in order: the first was being
                    # worked on (lost); the others had not started (retried).
                    for k, batch_id in enumerate(w.inflight):
                        batch = sent.pop(batch_id)
                        if k == 0:
                            done[batch_id] = [on_lost(item, reason) if on_lost else None for item in batch]
                        else:
                            retry.append((batch_id, batch))
                    w.conn.close()
                    workers[i] = _Worker(ctx, func, state)
    finally:
        for w in workers:
            if w.proc.is_alive() and not w.inflight:
                try:
                    w.conn.send(None)
                except OSError:
                    pass
        for w in workers:
            if w.inflight:
                w.stop()
            else:
                w.proc.join(5.0)
                w.stop()


def _death_reason(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"worker process killed by {name} (out of memory?)"
    return f"worker process exited unexpectedly (status {exitcode})"


def _batched(items: Iterable[Any], n: int, key: Callable[[Any], Any] | None = None) -> Iterator[list]:
    if key is None:
        it = iter(items)
        while True:
            batch = list(itertools.islice(it, n))
            if not batch:
                return
            yield batch
    batch: list = []
    current = object()
    for item in items:
        k = key(item)
        if batch and (k != current or len(batch) >= n):
            yield batch
            batch = []
        current = k
        batch.append(item)
    if batch:
        yield batch

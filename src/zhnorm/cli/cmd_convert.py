"""`zhnorm convert`: plan the outputs, run the tasks, report in input order."""

from __future__ import annotations

import os
import sys
import time

from . import backend
from .args import EXIT_CHANGED, EXIT_FAILED, EXIT_OK, EXIT_USAGE
from .progress import Progress
from .report import Console, ReportWriter, Tally, write_stdout
from . import task as task_mod
from .task import Options, Result, Task, run_task
from .walk import STDIN, Item, Skip, walk
from .workers import default_jobs, ordered_map

__all__ = ["run", "UsageError", "plan_outputs"]


class UsageError(Exception):
    """A problem with the command line as a whole: exit 2, nothing done."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped the run; carries what was finished, for
    the one line main() prints."""

    def __init__(self, done: int, total: int, parallel: bool = False) -> None:
        self.done = done
        self.total = total
        self.parallel = parallel
        """Workers may have finished files not yet reported (in input order)."""
        super().__init__(done, total)


def _inside(path: str, directory: str) -> bool:
    path, directory = os.path.realpath(path), os.path.realpath(directory)
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


_REAL_ROOTS: dict[str, str] = {}


def _real_path(item: Item, follow_symlinks: bool) -> str:
    """The real path of an input, cheaply: a file found by recursion without
    -L has no symlink below its directory argument, so only that is resolved."""
    if item.root is None or follow_symlinks:
        return os.path.realpath(item.path)
    root = _REAL_ROOTS.get(item.root)
    if root is None:
        root = _REAL_ROOTS[item.root] = os.path.realpath(item.root)
    return os.path.join(root, item.rel)


def plan_outputs(args, items: list[Item]) -> tuple[str, list[Task]]:
    """Decide where each input goes.  Returns (action, tasks).

    Raises UsageError for a plan that would overwrite an input, write into
    an input tree, send several files to standard output, or send two
    inputs to the same output.
    """
    _REAL_ROOTS.clear()
    dry = args.check or args.diff
    if dry and (args.output or args.in_place):
        raise UsageError("--check and --diff write nothing; drop -o/--in-place")
    has_stdin = any(i.path == STDIN for i in items)
    if has_stdin and len(args.paths) > 1:
        raise UsageError("- (standard input) cannot be combined with other paths")
    if dry:
        return "none", [Task(i) for i in items]
    if args.in_place:
        if has_stdin:
            raise UsageError("--in-place cannot be used with - (standard input)")
        # Write through symlinks to the file they name (the link stays a link),
        # and convert a file named twice (a path and its directory) once.
        tasks, seen_real = [], set()
        for i in items:
            real = _real_path(i, args.follow_symlinks)
            if real not in seen_real:
                seen_real.add(real)
                tasks.append(Task(i, real))
        return "write", tasks
    single = len(args.paths) == 1 and len(items) == 1 and items[0].explicit
    if args.output is None:
        if single:
            return "stdout", [Task(items[0])]
        if not items:
            return "none", []
        what = "several input files" if len(items) > 1 else "a directory"
        raise UsageError(f"{what}: give -o DIR, --in-place, --check or --diff")
    out = args.output
    for arg in args.paths:
        if arg != STDIN and os.path.isdir(arg) and _inside(out, arg):
            raise UsageError(f"-o {out} is inside the input directory {arg}")
    if single and not (os.path.isdir(out) or out.endswith(os.sep)):
        dests = [out]
    else:
        if has_stdin:
            raise UsageError("standard input needs -o FILE, not a directory")
        if os.path.exists(out) and not os.path.isdir(out):
            raise UsageError(f"-o {out}: not a directory (needed for several inputs)")
        dests = [os.path.join(out, i.rel) for i in items]
    seen: dict[str, str] = {}
    for item, dest in zip(items, dests):
        key = os.path.normpath(dest)
        if key in seen:
            raise UsageError(f"{seen[key]} and {item.path} would both be written to {dest}")
        seen[key] = item.path
    # An output can only land on an input if some input lies under OUT (or
    # symlinks are followed, or OUT is a file): only then compare real paths.
    if single or args.follow_symlinks or any(
            arg != STDIN and _inside(arg, out) for arg in args.paths):
        inputs = {_real_path(i, args.follow_symlinks) for i in items if i.path != STDIN}
        for item, dest in zip(items, dests):
            real = os.path.realpath(dest)
            if real in inputs:
                raise UsageError(f"-o would overwrite the input {item.path if real == os.path.realpath(item.path) else dest}; "
                                 f"use --in-place to convert files in place")
    return "write", [Task(i, d) for i, d in zip(items, dests)]


def output_encoding(args) -> str:
    """--output-encoding, or its default: a file replaced in place keeps its
    own encoding (GB18030 stays GB18030, UTF-16 stays UTF-16), and --check
    and --diff predict --in-place; a new file (-o, standard output) is UTF-8."""
    if args.output_encoding is not None:
        return args.output_encoding
    return "input" if (args.in_place or args.check or args.diff) else "utf-8"


def _lost(task: Task, reason: str) -> Result:
    return Result(task.item.path, "failed", reason, nbytes=task.item.size)


def run(args, console: Console) -> int:
    if args.report == "-" and (args.check or args.diff or not (args.output or args.in_place)):
        raise UsageError("--report - needs standard output to itself: use it with -o or --in-place, "
                         "or give --report a file")
    rules = list(args.rules)  # paths: the library reads rule files itself
    try:
        engine = backend.build_engine(args.target, markup=args.markup, groups=args.groups,
                                      rules=rules, want_explain=bool(args.report))
    except (ValueError, KeyError) as e:
        # The library's word on an unknown target or group, or a group with an
        # OpenCC config target: a usage error (its message lists valid names).
        raise UsageError(e.args[0] if isinstance(e, KeyError) and e.args else str(e)) from None
    except OSError as e:  # a --rules FILE that cannot be read
        raise UsageError(f"{e.filename}: {e.strerror}" if e.filename else str(e)) from None

    items: list[Item] = []
    skips: list[tuple[int, Skip]] = []
    for entry in walk(args.paths, args.glob, args.hidden, args.follow_symlinks):
        if isinstance(entry, Skip):
            skips.append((len(items), entry))
        else:
            items.append(entry)
    action, tasks = plan_outputs(args, items)

    opts = Options(
        action=action, in_place=args.in_place, diff=args.diff, report=bool(args.report),
        encoding=args.encoding, errors=args.errors, output_encoding=output_encoding(args),
        fsync=args.in_place if args.fsync is None else args.fsync, stream_threshold=task_mod.STREAM_THRESHOLD,
        block_size=task_mod.BLOCK_SIZE,
        single_output=(action == "write" and not args.in_place and len(tasks) == 1
                       and tasks[0].dest == args.output),
    )
    jobs = args.jobs or default_jobs()
    task_mod._MADE_DIRS.clear()
    tally = Tally()
    dry = args.check or args.diff
    progress = Progress(console.stream, len(tasks), sum(i.size for i in items),
                        enabled=not console.quiet and _isatty(console.stream))
    console.progress = progress
    report = ReportWriter(args.report) if args.report else None
    start = time.monotonic()
    skip_at = 0

    def flush_skips(upto: int) -> None:
        nonlocal skip_at
        while skip_at < len(skips) and skips[skip_at][0] <= upto:
            entry = skips[skip_at][1]
            if entry.error:
                tally.failed.append(entry.path)
                console.error(entry.path, entry.reason)
            else:
                console.warn(entry.path, entry.reason)
            skip_at += 1

    ok = False
    try:
        if jobs == 1 or len(tasks) <= 1:
            results = (run_task(engine, opts, t) for t in tasks)
        else:
            engine.warm()
            sys.stdout.flush()
            sys.stderr.flush()
            results = ordered_map(run_task_in_worker, (engine, opts), tasks,
                                  jobs=min(jobs, len(tasks)), batch_size=_batch_size(tasks, jobs),
                                  on_lost=_lost, key=_task_dir)
        try:
            for index, res in enumerate(results):
                flush_skips(index)
                tally.nbytes += res.nbytes
                progress.advance(res.nbytes)
                if res.status == "failed":
                    tally.failed.append(res.path)
                    console.error(res.path, res.message)
                    continue
                if res.status == "skipped":
                    if tasks[index].item.explicit:
                        # Named on the command line: the user asked for this
                        # file, so not converting it is a failure.
                        tally.failed.append(res.path)
                        console.error(res.path, res.message)
                    else:
                        tally.skipped += 1
                        console.warn(res.path, res.message)
                    continue
                if res.status == "changed":
                    tally.changed += 1
                else:
                    tally.unchanged += 1
                if args.check and res.status == "changed":
                    progress.clear()
                    write_stdout(os.fsencode(res.path) + b"\n")
                if res.diff:
                    progress.clear()
                    write_stdout(res.diff)
                if res.output is not None:
                    write_stdout(res.output)
                if report is not None and res.report:
                    report.write_rows(res.report)
                _describe(console, res, dry)
        finally:
            close = getattr(results, "close", None)
            if close is not None:
                close()
        flush_skips(len(items))
        ok = True
    except KeyboardInterrupt:
        raise Interrupted(tally.files, len(tasks) + len(skips),
                          parallel=not (jobs == 1 or len(tasks) <= 1)) from None
    finally:
        progress.finish()
        console.progress = None
        if report is not None:
            report.close(ok)

    elapsed = time.monotonic() - start
    several = len(items) + len(skips) > 1 or any(not i.explicit for i in items)
    if tally.failed and tally.files > 1:
        console.error(None, f"{len(tally.failed)} of {tally.files} files failed: "
                      + ", ".join(tally.failed[:20]) + (" ..." if len(tally.failed) > 20 else ""))
    if several or console.verbose:
        console.note(tally.summary(dry, elapsed))
    if tally.failed:
        return EXIT_FAILED
    if dry and tally.changed:
        return EXIT_CHANGED
    return EXIT_OK


def run_task_in_worker(state, task: Task) -> Result:
    engine, opts = state
    return run_task(engine, opts, task)


def _batch_size(tasks: list[Task], jobs: int) -> int:
    """Files per batch: about 1 MiB of input, at most 256 files, and enough
    batches (8 per worker) to balance the load on a short run.  Batches also
    end where the output directory changes (see _task_dir)."""
    avg = sum(t.item.size for t in tasks) / max(len(tasks), 1)
    by_size = int((1 << 20) // max(avg, 1))
    by_count = len(tasks) // (jobs * 8)
    return max(1, min(256, by_size, by_count))


def _task_dir(task: Task) -> str:
    return os.path.dirname(task.dest or task.item.path)


def _describe(console: Console, res: Result, dry: bool) -> None:
    if console.verbose < 1:
        return
    how = f"{res.encoding} -> {res.out_encoding}, {res.markup}{', streamed' if res.streamed else ''}"
    if res.status == "changed":
        verb = "would change" if dry else "converted"
        where = f" -> {res.dest}" if res.dest and res.dest != res.path else ""
        console.info(f"{res.path}: {verb} ({how}){where}")
    else:
        console.info(f"{res.path}: unchanged ({how})")


def _isatty(stream) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())

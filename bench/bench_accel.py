#!/usr/bin/env python3
"""Throughput of the C fast pass against the Python engine and official OpenCC.

    python bench/bench_accel.py [--configs s2t t2s s2twp tw2sp] [--repeats 5] [--size BYTES]

Run it with an interpreter that has zhnorm (with ``zhnorm._accel`` built) and,
optionally, the official ``opencc`` binding, e.g. ``/work/venv-dev/bin/python``.
Input: ``bench/out/corpus-hans.txt`` (for s2*) and ``corpus-hant.txt`` (the
others), built by ``build_corpus.py``; without them, the fixture articles
repeated to ``--size`` bytes (and their s2t conversion for Traditional input).

For every config, in one process and interleaved, best of ``--repeats``:

* ``scan``: ``FastPass.scan`` alone (normalising in the pass);
* ``fast``: ``FastPass.convert``, the whole conversion: scan, then the
  reported stretches through the stages in C (``convert_pieces``);
* ``fast+py``: scan, then the stretches through the Python engine's stage
  runners instead (what the C stages save);
* ``engine``: ``Engine.convert``, which uses FastPass when the extension is
  built (so this is the public path, with its small overheads);
* ``python``: the pure-Python ``Engine.convert`` (``accelerate=False``);
* ``opencc``: ``opencc.OpenCC(config).convert``, if importable.

Both fast variants are checked equal to ``Engine.convert`` before timing.
Also the time to build a FastPass (first build and best of 5) and its stage
tables (built on the first stretch), their size, and, in a fresh subprocess
per config, the peak RSS (VmHWM) of reading the input, building a FastPass
and converting the input once.  MB/s are UTF-8 input megabytes (10^6 bytes)
per second.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
ARTICLES = REPO / "tests" / "fixtures" / "markup" / "articles"


def load_input(config: str, size: int) -> str:
    traditional = not config.startswith("s2")
    corpus = BENCH / "out" / ("corpus-hant.txt" if traditional else "corpus-hans.txt")
    if corpus.exists():
        return corpus.read_text(encoding="utf-8")
    text = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(ARTICLES.glob("*.md")))
    text = (text + "\n\n") * (size // len(text.encode("utf-8")) + 1)
    text = text.encode("utf-8")[:size].decode("utf-8", "ignore")
    if traditional:
        from zhnorm.converter import engine_for

        text = engine_for("s2t").convert(text)
    return text


def stage_converter(engine):
    """The Python engine's stage-by-stage conversion, as pieces -> pieces.

    Mirrors Engine._convert_stretches: the pieces go through each stage in
    one batch, joined by a character no stage key or value contains.
    """
    own = getattr(engine, "_convert_pieces", None)
    if own is not None:
        return own
    from zhnorm import engine as module

    def convert(pieces: list[str]) -> list[str]:
        stages, used = engine._stage_runners()
        separator = module._pick_separator(used)
        if any(separator in piece for piece in pieces):
            separator = module._pick_separator(used.union(*pieces))
        joined = separator.join(pieces)
        for stage in stages:
            joined = stage(joined)
        return joined.split(separator)

    return convert


def best_of(repeats: int, functions: dict, text: str, clock=time.perf_counter) -> dict[str, float]:
    """Best time of each function, runs interleaved so drift hits all alike.

    The order is shuffled every round (seeded, so runs are comparable): a
    run right after another library's pays for the pages and caches it left
    behind (scan alone is as fast as convert, but measured ~25% slower when
    always run right after official OpenCC).
    """
    best = {name: float("inf") for name in functions}
    names = list(functions)
    shuffler = random.Random(0)
    for _ in range(repeats):
        shuffler.shuffle(names)
        for name in names:
            function = functions[name]
            start = clock()
            function(text)
            best[name] = min(best[name], clock() - start)
    return best


def measure(config: str, repeats: int, size: int, clock=time.perf_counter) -> dict:
    from zhnorm.accel import FastPass
    from zhnorm.cache import load_compiled
    from zhnorm.engine import Engine

    compiled = load_compiled(config)
    start = time.perf_counter()
    fast = FastPass(compiled, normalize=True)
    first_build = time.perf_counter() - start
    builds = []
    for _ in range(5):
        start = time.perf_counter()
        FastPass(compiled, normalize=True)
        builds.append(time.perf_counter() - start)

    start = time.perf_counter()
    fast.convert_pieces(["x"])  # builds the stage tables
    stage_build = time.perf_counter() - start

    engine = Engine(compiled)
    python = Engine(compiled, accelerate=False)
    python_stages = stage_converter(python)
    text = load_input(config, size)
    expected = python.convert(text)
    for label, got in (
        ("Engine.convert", engine.convert(text)),
        ("FastPass.convert", fast.convert(text)),
        ("FastPass.convert with Python stages", fast.convert(text, python_stages)),
    ):
        if got != expected:
            at = next((i for i, (a, b) in enumerate(zip(got, expected)) if a != b), len(got))
            raise SystemExit(f"{config}: {label} differs from the pure-Python engine at {at}")
    out, stretches = fast.scan(text)

    functions = {
        "scan": fast.scan,
        "fast": fast.convert,
        "fast_py": lambda t: fast.convert(t, python_stages),
        "engine": engine.convert,
        "python": python.convert,
    }
    official = None
    try:
        import opencc

        official = opencc.OpenCC(config)
        functions["opencc"] = official.convert
    except Exception as error:  # not installed, or another package's opencc
        print(f"  (official opencc not measured: {error})", file=sys.stderr)
    best = best_of(repeats, functions, text, clock)
    megabytes = len(text.encode("utf-8", "surrogatepass")) / 1e6
    row: dict = {
        "config": config,
        "mb": megabytes,
        "first_build_ms": first_build * 1e3,
        "build_ms": min(builds) * 1e3,
        "stage_build_ms": stage_build * 1e3,
        "tables_mb": fast.__sizeof__() / 2**20,
        "stretches": len(stretches),
        "stretch_chars": sum(b - a for a, b, _, _ in stretches),
        **{f"{name}_mbs": megabytes / seconds for name, seconds in best.items()},
    }
    if official is not None:
        row["same_as_opencc"] = official.convert(text) == expected
    return row


def peak_rss(config: str, size: int) -> float:
    """Peak RSS in MB of a fresh process that builds a FastPass and converts once."""
    code = (
        "import sys; sys.path.insert(0, {bench!r}); import bench_accel as b;"
        "from zhnorm.accel import FastPass; from zhnorm.cache import load_compiled;"
        "c = load_compiled({config!r}); t = b.load_input({config!r}, {size});"
        "f = FastPass(c, normalize=True); f.convert(t);"
        "print([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1])"
    ).format(bench=str(BENCH), config=config, size=size)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(result.stdout.strip()) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", nargs="+", default=["s2t", "t2s", "s2twp", "tw2sp"])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--size", type=int, default=5_000_000, help="bytes, without the corpus")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak RSS subprocesses")
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="time with process CPU time instead of wall time (steadier on a loaded machine)",
    )
    args = parser.parse_args()

    from zhnorm import accel

    if not accel.available():
        raise SystemExit("zhnorm._accel is not built: pip install -e . with a C compiler")
    rows = []
    for config in args.configs:
        print(f"measuring {config}…", file=sys.stderr)
        clock = time.process_time if args.cpu else time.perf_counter
        row = measure(config, args.repeats, args.size, clock)
        if not args.no_memory and Path("/proc/self/status").exists():
            row["peak_rss_mb"] = peak_rss(config, args.size)
        rows.append(row)

    columns = [
        ("config", "config", "{}"),
        ("MB", "mb", "{:.2f}"),
        ("scan MB/s", "scan_mbs", "{:.0f}"),
        ("fast MB/s", "fast_mbs", "{:.0f}"),
        ("fast+py MB/s", "fast_py_mbs", "{:.0f}"),
        ("engine MB/s", "engine_mbs", "{:.0f}"),
        ("python MB/s", "python_mbs", "{:.0f}"),
        ("opencc MB/s", "opencc_mbs", "{:.0f}"),
        ("engine/opencc", None, "{:.2f}x"),
        ("= opencc", "same_as_opencc", "{}"),
        ("stretches (chars)", None, "{}"),
        ("build ms (first)", None, "{}"),
        ("stages build ms", "stage_build_ms", "{:.1f}"),
        ("tables MB", "tables_mb", "{:.1f}"),
        ("peak RSS MB", "peak_rss_mb", "{:.0f}"),
    ]
    print("| " + " | ".join(title for title, _, _ in columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        cells = []
        for title, key, form in columns:
            if title == "engine/opencc":
                value = row["engine_mbs"] / row["opencc_mbs"] if "opencc_mbs" in row else None
            elif title.startswith("stretches"):
                value = f"{row['stretches']} ({row['stretch_chars']})"
            elif title.startswith("build"):
                value = f"{row['build_ms']:.1f} ({row['first_build_ms']:.1f})"
            else:
                value = row.get(key)
            cells.append("–" if value is None else form.format(value))
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
